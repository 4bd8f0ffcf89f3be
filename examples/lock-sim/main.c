/*
 * lock-sim: plays a default story on the sim port and prints what lockcore
 * decided, when and why:
 *   locked at boot -> unlock by keypad -> auto-relock -> a jam on the next
 *   lock stroke, its recovery, the jam alarm -> the obstruction cleared and
 *   a good lock stroke.
 */
#include <stdio.h>
#include <string.h>

#include "lk_sim.h"

static const char *const op_names[] = { "none", "LOCK", "UNLOCK", "DENIED", "ALARM", "STATE" };
static const char *const state_names[] = { "unknown", "locked", "unlocking", "unlocked",
                                           "locking", "jammed" };

static const char *source_name(unsigned s)
{
    switch (s) {
    case LK_SRC_UNSPECIFIED: return "-";
    case LK_SRC_MANUAL: return "manual";
    case LK_SRC_KEYPAD: return "keypad";
    case LK_SRC_AUTO: return "auto";
    case LK_SRC_REMOTE: return "remote";
    case LK_SRC_BUTTON: return "button";
    default: return "other";
    }
}

static const char *reason_name(unsigned r)
{
    switch (r) {
    case LK_REASON_NONE: return "ok";
    case LK_REASON_STALL: return "motor stalled short of travel";
    case LK_REASON_TRAVEL_TIMEOUT: return "end position not reached in time";
    case LK_REASON_TRAVEL_TOO_FAST: return "end switch made impossibly early";
    case LK_REASON_PORT_ERROR: return "port callback failed";
    case LK_REASON_RECOVERED: return "reverse stroke brought the bolt back";
    case LK_REASON_NOT_RECOVERED: return "reverse stroke failed too";
    case LK_REASON_JAMMED: return "lock jammed";
    default: return "see lockcore/event.h";
    }
}

struct story {
    struct lk_sim sim;
    struct lk_lock lk;
    uint32_t t0;
};

static void on_event(void *ctx, const struct lk_event *ev)
{
    const struct story *st = ctx;
    uint32_t t = ev->mono_ms - st->t0;

    printf("%6u.%03u s  %-7s %-8s %-38s bolt=%3d%%\n", (unsigned)(t / 1000u),
           (unsigned)(t % 1000u), ev->op < 6 ? op_names[ev->op] : "?", source_name(ev->source),
           reason_name(ev->reason), (int)(st->sim.bolt_ppm / 10000));
}

static void say(const struct story *st, const char *what)
{
    uint32_t t = st->sim.now - st->t0;

    printf("%6u.%03u s  ---- %s\n", (unsigned)(t / 1000u), (unsigned)(t % 1000u), what);
}

static int run(struct story *st, uint32_t ms)
{
    int rc = lk_sim_run(&st->sim, &st->lk, ms);

    if (rc != LK_OK) {
        fprintf(stderr, "lock-sim: lk_poll failed: %s\n", lk_strerror(rc));
    }
    return rc;
}

int main(void)
{
    static struct story st;
    struct lk_config cfg;
    int rc;

    memset(&cfg, 0, sizeof cfg);
    cfg.auto_relock_ms = 5000;
    cfg.on_event = on_event;
    cfg.event_ctx = &st;

    if (lk_sim_init(&st.sim, NULL) != LK_OK) {
        fprintf(stderr, "lock-sim: sim init failed\n");
        return 1;
    }
    st.t0 = st.sim.now;
    rc = lk_init(&st.lk, &st.sim.port, &cfg);
    if (rc != LK_OK) {
        fprintf(stderr, "lock-sim: lk_init: %s\n", lk_strerror(rc));
        return 1;
    }
    printf("lockcore lock-sim: default story (sim port, 6 V motor, 600 ms stroke, "
           "auto-relock 5 s)\n");
    printf("%10s  %-7s %-8s %-38s %s\n", "time", "event", "source", "reason", "bolt");

    say(&st, "boot: lockcore reads the bolt");
    if (run(&st, 1000) != LK_OK) {
        return 1;
    }
    say(&st, "keypad: user 1 granted, unlock requested");
    rc = lk_request_unlock(&st.lk, LK_SRC_KEYPAD, 1, 0);
    if (rc != LK_OK || run(&st, 7000) != LK_OK) {
        return 1;
    }
    say(&st, "keypad: user 1 unlocks again; the door frame now blocks the bolt at 40 %");
    lk_sim_jam(&st.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL * 4 / 10);
    rc = lk_request_unlock(&st.lk, LK_SRC_KEYPAD, 1, 0);
    if (rc != LK_OK || run(&st, 8000) != LK_OK) {
        return 1;
    }
    say(&st, "the obstruction is cleared; remote lock requested");
    lk_sim_clear_jam(&st.sim);
    rc = lk_request_lock(&st.lk, LK_SRC_REMOTE, 1, LK_INDEX_NONE);
    if (rc != LK_OK || run(&st, 2000) != LK_OK) {
        return 1;
    }
    rc = lk_get_state(&st.lk);
    printf("final state: %s, sim contract violations: %u\n",
           rc >= 0 && rc <= LK_STATE_JAMMED ? state_names[rc] : "?",
           (unsigned)st.sim.violations);
    return (rc == LK_STATE_LOCKED && st.sim.violations == 0u) ? 0 : 1;
}
