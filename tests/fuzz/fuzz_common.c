/* Shared pieces of the libFuzzer harnesses: see fuzz_common.h. */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lk_sim fz_sim;
struct lk_lock fz_lk;
struct lk_config fz_cfg;
struct fz_events fz_ev;
int fz_trace;

const uint8_t fz_device_key[32] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

void fz_fail(const char *file, int line, const char *what, long a, long b)
{
    fprintf(stderr, "\n%s:%d: invariant broken: %s (%ld, %ld)\n", file, line, what, a, b);
    fprintf(stderr, "  sim: now=%u violations=%u motor=%d bolt_ppm=%d supply=%u\n",
            (unsigned)fz_sim.now, (unsigned)fz_sim.violations, fz_sim.motor_cmd,
            (int)fz_sim.bolt_ppm, (unsigned)fz_sim.cfg.supply_mv);
    if (fz_ev.total > 0u) {
        const struct lk_event *e = &fz_ev.last;

        fprintf(stderr, "  last event: op=%u source=%u reason=%u user=%u cred=%u\n", e->op,
                e->source, e->reason, e->user, e->cred);
    }
    abort();
}

void fz_rc_in(const char *file, int line, const char *what, int rc, const int *allowed)
{
    for (; *allowed != 99999; allowed++) {
        if (rc == *allowed) {
            return;
        }
    }
    fz_fail(file, line, what, rc, 0);
}

void fz_tracef(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- input ---- */

uint8_t fz_u8(struct fz_in *in)
{
    uint8_t b = 0;

    if (in->n > 0u) {
        b = in->p[0];
        in->p++;
        in->n--;
    }
    return b;
}

uint16_t fz_u16(struct fz_in *in)
{
    uint16_t v = fz_u8(in);

    return (uint16_t)(v | (uint16_t)(fz_u8(in) << 8));
}

uint32_t fz_u32(struct fz_in *in)
{
    uint32_t v = fz_u16(in);

    return v | ((uint32_t)fz_u16(in) << 16);
}

void fz_bytes(struct fz_in *in, uint8_t *out, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        out[i] = fz_u8(in);
    }
}

/* ---- the world ---- */

void fz_snap_take(struct fz_snap *s)
{
    memcpy(&s->sim, &fz_sim, sizeof fz_sim);
    s->lk = fz_lk;
    s->cfg = fz_cfg;
}

void fz_snap_restore(const struct fz_snap *s)
{
    /* The sim is ~330 KB, mostly the 64 KiB storage array and the per-unit
     * wear counters: copy the fields before the storage, the region in use,
     * and the fields after the wear counters. The port's ctx points at
     * fz_sim in the snapshot too (it was taken from fz_sim). */
    const size_t head = offsetof(struct lk_sim, storage);
    const size_t tail = offsetof(struct lk_sim, cut_jmp);

    memcpy(&fz_sim, &s->sim, head);
    memcpy(fz_sim.storage, s->sim.storage, s->sim.cfg.storage_size);
    memcpy((uint8_t *)&fz_sim + tail, (const uint8_t *)&s->sim + tail, sizeof fz_sim - tail);
    fz_lk = s->lk;
    fz_cfg = s->cfg;
}

void fz_boot(const struct lk_sim_config *scfg, int port_key)
{
    int rc;

    FZ_ASSERT(lk_sim_init(&fz_sim, scfg) == LK_OK);
    if (port_key) {
        lk_sim_set_device_key(&fz_sim, fz_device_key);
    }
    fz_cfg.on_event = fz_event;
    fz_cfg.event_ctx = NULL;
    rc = lk_init(&fz_lk, &fz_sim.port, &fz_cfg);
    if (rc != LK_OK) {
        fz_fail(__FILE__, __LINE__, "fz_boot: lk_init", rc, 0);
    }
    /* A lock powered up a while ago: past the brake time after lk_init's
     * COAST, during which strokes are refused. (fz_reboot does not wait:
     * the fuzzer gets that window.) */
    lk_sim_step(&fz_sim, fz_lk.cfg.brake_ms);
    fz_check_world();
}

int fz_reboot(void)
{
    fz_cfg.on_event = fz_event;
    fz_cfg.event_ctx = NULL;
    return lk_init(&fz_lk, &fz_sim.port, &fz_cfg);
}

void fz_run(uint32_t ms)
{
    int rc = lk_sim_run(&fz_sim, &fz_lk, ms);

    if (rc != LK_OK) {
        fz_fail(__FILE__, __LINE__, "lk_sim_run", rc, (long)ms);
    }
    fz_check_world();
}

int fz_keys(const char *s)
{
    int rc = LK_VERDICT_NONE;

    while (*s != '\0') {
        rc = lk_keypad_key(&fz_lk, *s++);
    }
    return rc;
}

void fz_check_world(void)
{
    int st = lk_get_state(&fz_lk);

    if (fz_sim.violations != 0u) {
        fz_fail(__FILE__, __LINE__, "sim.violations == 0 (port contract broken)",
                (long)fz_sim.violations, 0);
    }
    if (st < LK_STATE_UNKNOWN || st > LK_STATE_JAMMED) {
        fz_fail(__FILE__, __LINE__, "lk_get_state in range", st, 0);
    }
}

void fz_check_motor(void)
{
    int st = lk_get_state(&fz_lk);

    if (fz_sim.fail_motor ||
        (fz_sim.motor_cmd != LK_MOTOR_EXTEND && fz_sim.motor_cmd != LK_MOTOR_RETRACT)) {
        return;
    }
    if (st != LK_STATE_LOCKING && st != LK_STATE_UNLOCKING) {
        fz_fail(__FILE__, __LINE__, "the motor drives only during a stroke", st,
                fz_sim.motor_cmd);
    }
    if (fz_sim.motor_run_ms > fz_lk.cfg.travel_max_ms + fz_lk.cfg.motion_poll_ms) {
        fz_fail(__FILE__, __LINE__, "a stroke ends within its travel window",
                (long)fz_sim.motor_run_ms, (long)fz_lk.cfg.travel_max_ms);
    }
}

/* ---- events ---- */

static int source_ok(unsigned s)
{
    return s <= LK_SRC_ALIRO || (s >= LK_SRC_KEY && s < LK_SRC_COUNT_);
}

static int reason_ok(unsigned r)
{
    return r <= LK_REASON_BATTERY_OK || (r >= LK_REASON_JAMMED && r < LK_REASON_COUNT_);
}

void fz_event(void *ctx, const struct lk_event *ev)
{
    struct lk_matter_event m;
    int rc;

    (void)ctx;
    FZ_ASSERT(ev != NULL);
    FZ_TRACE("    event op=%u src=%u reason=%u flags=%u user=%u cred=%u t=%u", ev->op,
             ev->source, ev->reason, ev->flags, ev->user, ev->cred, (unsigned)ev->mono_ms);
    if (ev->op == LK_OP_NONE || ev->op >= LK_OP_COUNT_ || !source_ok(ev->source) ||
        !reason_ok(ev->reason) || (ev->flags & ~(LK_EVF_WALL_TRUSTED | LK_EVF_NOT_LOGGED)) != 0u) {
        fz_fail(__FILE__, __LINE__, "event fields defined", ev->op, ev->reason);
    }
    rc = lk_event_to_matter(ev, &m);
    if (rc != LK_OK) {
        fz_fail(__FILE__, __LINE__, "lk_event_to_matter(emitted event) == LK_OK", rc, ev->reason);
    }
    if (fz_ev.n < FZ_EV_LOG) {
        fz_ev.log[fz_ev.n] = *ev;
    }
    fz_ev.n++;
    fz_ev.last = *ev;
    fz_ev.total++;
    fz_ev.reasons[ev->reason]++;
    fz_ev.ops[ev->op]++;
}

void fz_ev_reset(void)
{
    memset(&fz_ev, 0, sizeof fz_ev);
}

void fz_ev_mark(void)
{
    fz_ev.n = 0;
}

int fz_ev_find(uint8_t op, int reason)
{
    uint32_t n = (fz_ev.n < FZ_EV_LOG) ? fz_ev.n : FZ_EV_LOG;
    uint32_t i;

    for (i = n; i-- > 0u;) {
        const struct lk_event *e = &fz_ev.log[i];

        if (e->op == op && (reason < 0 || e->reason == (uint8_t)reason)) {
            return (int)i;
        }
    }
    return -1;
}
