/*
 * lock-sim: the runner. Plays a scenario on the sim port millisecond by
 * millisecond, as firmware would run lockcore: lk_poll at the deadline it
 * asked for, after every input change (an interrupt) and after every entry
 * point the scenario calls (a key, a card, a request). With the power model
 * on, the MCU is off while the reserve is below 2 V (the sim's brown-out):
 * inputs to lockcore are lost then, and lockcore boots again (lk_init) when
 * the reserve comes back. Everything is recorded in a struct run_log.
 */
#include "runner.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct runner *runner_of(void *sim_ctx)
{
    return (struct runner *)sim_ctx; /* sim is the first member */
}

uint32_t rn_now(const struct runner *r)
{
    return r->sim.now;
}

void *rn_grow(void *p, unsigned *cap, unsigned n, size_t size)
{
    void *np;
    unsigned nc;

    if (n < *cap) {
        return p;
    }
    nc = *cap ? 2u * *cap : 256u;
    np = realloc(p, (size_t)nc * size);
    if (np == NULL) {
        fprintf(stderr, "lock-sim: out of memory\n");
        exit(2);
    }
    *cap = nc;
    return np;
}

struct rl_item *rn_add_item(struct runner *r, int kind, const char *fmt, ...)
{
    struct run_log *log = r->log;
    struct rl_item *it;

    log->items = rn_grow(log->items, &log->cap_items, log->n_items, sizeof *log->items);
    it = &log->items[log->n_items++];
    memset(it, 0, sizeof *it);
    it->t = rn_now(r);
    it->kind = kind;
    it->input = -1;
    it->mcu_on = r->mcu_on;
    it->bolt_pct = (int)((r->sim.bolt_ppm + 5000) / 10000);
    if (fmt != NULL) {
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(it->text, sizeof it->text, fmt, ap);
        va_end(ap);
    }
    return it;
}


/* Give the items recorded since the last call lockcore's power view (not
 * from inside the event callback: no calls back into the lock there). */
void rn_fill_status(struct runner *r)
{
    struct lk_power_status st;
    int have = r->mcu_on && lk_power_status(&r->lk, &st) == LK_OK;

    for (; r->unfilled < r->log->n_items; r->unfilled++) {
        struct rl_item *it = &r->log->items[r->unfilled];

        if (have) {
            it->reserve_uj = st.reserve_uj;
            it->need_uj = st.need_uj;
            it->input = r->sc->power ? (int)st.selected : -1;
        }
    }
}

int rn_fatal(struct runner *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(r->log->fatal, sizeof r->log->fatal, fmt, ap);
    va_end(ap);
    return -1;
}

/* ------------------------------------------------------------------------
 * port hooks */

static void on_event(void *ctx, const struct lk_event *ev)
{
    struct runner *r = ctx;
    struct rl_item *it = rn_add_item(r, RL_EVENT, NULL);

    it->ev = *ev;
    it->t = ev->mono_ms; /* the sim clock starts at 0 */
}

static int on_indicate(void *ctx, int what, uint8_t percent)
{
    struct runner *r = runner_of(ctx);

    if (what == LK_IND_PROGRESS) {
        r->progress = percent;
    }
    return r->sim_indicate(ctx, what, percent);
}

/* ------------------------------------------------------------------------
 * lockcore calls */

static int poll(struct runner *r)
{
    uint32_t next_ms = 0;
    int rc = lk_poll(&r->lk, &next_ms);

    if (rc < 0) {
        return rn_fatal(r, "lk_poll failed at %lu ms: %s", (unsigned long)rn_now(r),
                        lk_strerror(rc));
    }
    r->have_deadline = (rc == LK_POLL_DEADLINE);
    r->deadline = next_ms;
    rn_fill_status(r);
    return 0;
}

uint32_t rn_wall_now(const struct runner *r)
{
    return r->wall0 + rn_now(r) / 1000u;
}

static int enrol(struct runner *r)
{
    const struct scenario *sc = r->sc;
    unsigned i;

    for (i = 0; i < sc->n_users; i++) {
        struct lk_user u;
        int rc;

        memset(&u, 0, sizeof u);
        u.type = sc->users[i].type;
        u.enabled = 1;
        if (u.type == LK_USER_EXPIRING) {
            u.expiring_min = 60;
        }
        rc = lk_user_set(&r->lk, sc->users[i].idx, &u);
        if (rc != LK_OK) {
            return rn_fatal(r, "%s:%d: lockcore refused user %u: %s", sc->path, sc->users[i].line,
                         (unsigned)sc->users[i].idx, lk_strerror(rc));
        }
    }
    for (i = 0; i < sc->n_creds; i++) {
        const struct sc_cred *c = &sc->creds[i];
        int rc = lk_cred_set(&r->lk, c->idx, c->type, c->user,
                             c->type == LK_CRED_REMOTE_TOKEN ? NULL : c->data, c->len);

        if (rc != LK_OK) {
            return rn_fatal(r, "%s:%d: lockcore refused credential %u: %s%s", sc->path, c->line,
                         (unsigned)c->idx, lk_strerror(rc),
                         rc == LK_ERR_WEAK ? " (all one digit or a straight run)" : "");
        }
    }
    return 0;
}

static int boot(struct runner *r)
{
    int rc = lk_init(&r->lk, &r->port, &r->cfg);

    if (rc != LK_OK) {
        return rn_fatal(r,
                     "%s: lockcore refused the configuration: lk_init: %s (a board or config "
                     "value outside lockcore's ranges: include/lockcore/lock.h, power.h)",
                     r->sc->path, lk_strerror(rc));
    }
    r->mcu_on = 1;
    r->need_poll = 1;
    r->have_deadline = 0;
    if (r->sc->have_clock) {
        (void)lk_set_wall_time(&r->lk, rn_wall_now(r));
    }
    if (!r->booted) {
        r->booted = 1;
        if (enrol(r) != 0) {
            return -1;
        }
    }
    rn_fill_status(r);
    return 0;
}

/* ------------------------------------------------------------------------
 * the run */

static int setup_sim(struct runner *r)
{
    const struct scenario *sc = r->sc;
    struct lk_sim_config scfg;
    uint8_t key[32];
    unsigned i;

    lk_sim_default_config(&scfg);
    scfg.seed = sc->seed;
    scfg.sensors_fitted = sc->sensors;
    scfg.bolt_start_ppm = sc->bolt_ppm;
    if (lk_sim_init(&r->sim, &scfg) != LK_OK) {
        return rn_fatal(r, "%s: the sim refused its configuration", sc->path);
    }
    if (sc->power && lk_sim_power_enable(&r->sim, &sc->board) != LK_OK) {
        return rn_fatal(r, "%s: the sim refused the board (a value out of the ranges in "
                        "ports/sim/lk_sim_power.h)",
                     sc->path);
    }
    /* a device key held by the port (a secure element), made from the seed */
    for (i = 0; i < sizeof key; i++) {
        key[i] = (uint8_t)(sc->seed * 31u + i * 7u + 1u);
    }
    lk_sim_set_device_key(&r->sim, key);
    r->port = r->sim.port; /* after power_enable: it adds load_enable/source_select */
    r->sim_indicate = r->port.indicate;
    r->port.indicate = on_indicate;
    r->cfg = sc->cfg;
    {
        const struct lk_power_config *pc = &sc->cfg.power;
        uint32_t min_mv = pc->motor_min_mv ? pc->motor_min_mv : LK_DEFAULT_PWR_MOTOR_MIN_MV;
        uint32_t ma = pc->motor_ma ? pc->motor_ma : LK_DEFAULT_PWR_MOTOR_MA;
        uint32_t esr = pc->cap_esr_mohm ? pc->cap_esr_mohm : LK_DEFAULT_PWR_CAP_ESR_MOHM;

        r->floor_mv = min_mv + ma * esr / 1000u;
    }
    r->cfg.on_event = on_event;
    r->cfg.event_ctx = r;
    return 0;
}

int run_scenario(const struct scenario *sc, uint32_t sample_ms, struct run_log *log)
{
    struct runner *r = calloc(1, sizeof *r);
    uint32_t t;
    int rc = 0;
    int s;

    memset(log, 0, sizeof *log);
    log->duration = sc->duration;
    log->sample_ms = sample_ms;
    log->power = sc->power;
    if (r == NULL) {
        (void)snprintf(log->fatal, sizeof log->fatal, "lock-sim: out of memory");
        return -1;
    }
    r->sc = sc;
    r->log = log;
    r->state = -2;
    r->qualified = 0;
    r->selected = -1;
    r->progress_q = 0;
    r->loads = (1 << LK_LOAD_COUNT_) - 1; /* the sim starts with every load on */
    r->wall0 = sc->have_clock ? sc->clock_s : DEFAULT_WALL_S;
    for (s = 0; s < LK_PSRC_COUNT_; s++) {
        r->slot_state[s] = LK_SIM_SS_ABSENT;
    }
    if (setup_sim(r) != 0) {
        free(r);
        return -1;
    }
    if (!sc->power || !r->sim.pw.browned) {
        rc = boot(r);
    } else {
        note(r, "the MCU is off: the reserve is below 2 V");
    }
    for (t = 0; rc == 0; t++) {
        /* the scenario's actions due now, in file order */
        while (rc == 0 && r->next_act < sc->n_acts && sc->acts[r->next_act].t <= rn_now(r)) {
            rc = rn_act(r, &sc->acts[r->next_act++]);
        }
        if (rc != 0) {
            break;
        }
        if (r->type_i < r->type_len && (int32_t)(rn_now(r) - r->type_next) >= 0) {
            rn_type_key(r);
        }
        rn_hand_step(r);
        /* the MCU browns out below 2 V and boots when the reserve returns */
        if (sc->power && r->sim.pw.browned && r->mcu_on) {
            (void)r->sim.port.motor_drive(&r->sim, LK_MOTOR_COAST); /* the bridge loses power */
            r->mcu_on = 0;
            note(r, "brown-out: the reserve fell below 2 V, the MCU stops");
        } else if (sc->power && !r->sim.pw.browned && !r->mcu_on) {
            note(r, "the reserve is back above 2 V: the MCU boots (lk_init)");
            rc = boot(r);
            if (rc != 0) {
                break;
            }
        }
        if (r->mcu_on) {
            uint32_t sig = rn_signature(r);

            if (r->need_poll || sig != r->sig ||
                (r->have_deadline && (int32_t)(rn_now(r) - r->deadline) >= 0)) {
                r->need_poll = 0;
                r->sig = sig;
                rc = poll(r);
                if (rc != 0) {
                    break;
                }
            }
        }
        if (sc->power) {
            rn_watch_slots(r);
        }
        rn_watch_lock(r);
        if (t % sample_ms == 0u) {
            rn_sample(r);
        }
        if (t >= sc->duration) {
            break;
        }
        lk_sim_step(&r->sim, 1);
    }
    log->violations = r->sim.violations;
    log->brownouts = r->sim.pw.n_brownouts;
    free(r);
    return rc;
}

void run_log_free(struct run_log *log)
{
    free(log->items);
    free(log->samples);
    free(log->states);
    memset(log, 0, sizeof *log);
}
