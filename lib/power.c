/*
 * power: qualify the inputs (LTC4417 style: slow in, fast out), select one
 * (priority, then power, then stay put), grade the main battery, and shed
 * loads with a warning first. The energy side is in power_gate.c.
 */
#include <stddef.h>

#include "lk_internal.h"

#define BIT(s) ((uint8_t)(1u << (s)))
#define EMERGENCY_BITS ((uint8_t)(BIT(LK_PSRC_USB) | BIT(LK_PSRC_BAT9V) | \
                                  BIT(LK_PSRC_CRANK) | BIT(LK_PSRC_WIRELESS)))
/* Inputs are read up to the highest fitted one; with a mask that has gaps
 * (e.g. 0x05) the ones in between are skipped inside the loop. */
#if LK_PSRC_FITTED >= 0x10u
#define PSRC_END 5
#elif LK_PSRC_FITTED >= 0x08u
#define PSRC_END 4
#elif LK_PSRC_FITTED >= 0x04u
#define PSRC_END 3
#elif LK_PSRC_FITTED >= 0x02u
#define PSRC_END 2
#else
#define PSRC_END 1
#endif
#define FITTED(s) ((LK_PSRC_FITTED & (1u << (s))) != 0u)
/* No gaps (0x01, 0x03, ..., 0x1F): every input below PSRC_END is fitted. */
#define FITTED_DENSE ((LK_PSRC_FITTED & (LK_PSRC_FITTED + 1u)) == 0u)
/* selected before the first selection: unknown, so the first one is sent */
#define SEL_UNKNOWN ((uint8_t)LK_PSRC_COUNT_)
/* A source within this share of the best one's power is as good: stay. */
#define STICKY_PCT 90u
/* Proven power below which the backlight and fingerprint module are shed. */
#define BACKLIGHT_MIN_MW 1000u
/* Persisted actuation count since the LOW warning (docs/storage-format.md). */
#define KEY_POWER 0x0300u

/* Per input: window, priority (MAIN..WIRELESS). */
/* BAT9V from 4 V: a converter holds an old (20 ohm) cell at its
 * max-power point, Voc / 2. */
static const uint16_t def_min_mv[LK_PSRC_INPUTS] = { 2000u, 4300u, 4000u, 3000u, 4000u };
static const uint16_t def_max_mv[LK_PSRC_INPUTS] = { 15000u, 5600u, 10000u, 15000u, 6000u };
static const uint8_t def_prio[LK_PSRC_INPUTS] = { 5u, 1u, 2u, 4u, 3u };

/* The scalar fields of struct lk_power_config: the value a 0 takes and the
 * range it must lie in once defaulted (power.h). */
#define FIELD(name, def, lo, hi) LK_CFG_FIELD(struct lk_power_config, name, def, lo, hi)

static const struct lk_cfg_field fields[] = {
    FIELD(qualify_ms, LK_DEFAULT_PWR_QUALIFY_MS, 1u, 5000u),
    FIELD(poll_ms, LK_DEFAULT_PWR_POLL_MS, 1u, 1000u),
    FIELD(reserve_kind, 0u, 0u, LK_RESERVE_CAP),
    FIELD(cap_uf, LK_DEFAULT_PWR_CAP_UF, 1000u, 100000000u),
    FIELD(cap_max_mv, LK_DEFAULT_PWR_CAP_MAX_MV, 1000u, 20000u),
    FIELD(cap_esr_mohm, LK_DEFAULT_PWR_CAP_ESR_MOHM, 0u, 10000u),
    FIELD(main_mohm, LK_DEFAULT_PWR_MAIN_MOHM, 1u, 100000u),
    FIELD(motor_min_mv, LK_DEFAULT_PWR_MOTOR_MIN_MV, 1000u, 20000u),
    FIELD(motor_ma, LK_DEFAULT_PWR_MOTOR_MA, 10u, 20000u),
    FIELD(stroke_uj, LK_DEFAULT_PWR_STROKE_UJ, 1000u, 100000000u),
    FIELD(stroke_ms, LK_DEFAULT_PWR_STROKE_MS, 1u, LK_MAX_TRAVEL_MS),
    FIELD(access_uj, LK_DEFAULT_PWR_ACCESS_UJ, 0u, 100000000u),
    FIELD(margin_pct, LK_DEFAULT_PWR_MARGIN_PCT, 100u, 400u),
    FIELD(guess_margin_pct, LK_DEFAULT_PWR_GUESS_MARGIN_PCT, 100u, 400u),
    FIELD(eff_pct, LK_DEFAULT_PWR_EFF_PCT, 1u, 100u),
    FIELD(hold_ms, LK_DEFAULT_PWR_HOLD_MS, 1000u, 3600000u),
    FIELD(recovery_ms, LK_DEFAULT_PWR_RECOVERY_MS, 1000u, 600000u),
    FIELD(warn_actuations, LK_DEFAULT_PWR_WARN_ACTUATIONS, 0u, LK_U16_MAX),
    FIELD(warn_ms, LK_DEFAULT_PWR_WARN_MS, 600u, 10000u),
};

static uint32_t dflt(uint32_t v, uint32_t d)
{
    return (v != 0u) ? v : d;
}

static int within(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi;
}

int lk_pwr_resolve(struct lk_power_config *out, const struct lk_power_config *in,
                   uint32_t battery_ok_mv)
{
    int s;

    *out = *in;
    if (lk_cfg_fields(out, fields, sizeof fields / sizeof fields[0]) != LK_OK) {
        return LK_ERR_CONFIG;
    }
    out->critical_mv = dflt(in->critical_mv, (battery_ok_mv < LK_DEFAULT_PWR_CRITICAL_MV)
                                                  ? battery_ok_mv
                                                  : LK_DEFAULT_PWR_CRITICAL_MV);
    if (!within(out->critical_mv, 1u, battery_ok_mv)) {
        return LK_ERR_CONFIG;
    }
    for (s = 0; s < LK_PSRC_INPUTS; s++) {
        struct lk_source_config *c = &out->src[s];
        uint32_t h;

        c->min_mv = dflt(c->min_mv, def_min_mv[s]);
        c->max_mv = dflt(c->max_mv, def_max_mv[s]);
        c->priority = (uint8_t)dflt(c->priority, def_prio[s]);
        /* 3 % of min_mv, at least 1 mV (a min_mv above 60000 fails below) */
        h = c->min_mv * 3u / 100u;
        c->hyst_mv = (uint16_t)dflt(c->hyst_mv, (h != 0u) ? h : 1u);
        /* the inner (qualifying) window must not be empty */
        if (c->max_mv > 60000u || c->min_mv >= c->max_mv ||
            (uint32_t)c->hyst_mv * 2u >= c->max_mv - c->min_mv) {
            return LK_ERR_CONFIG;
        }
    }
    return LK_OK;
}

/* The persisted record: actuations since the LOW warning (u16), flags
 * (bit 0: the stroke estimate was measured), the estimate (u32 µJ, u32 ms);
 * little-endian. */
#define REC_BYTES 11u

void lk_pwr_init(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;
    const struct lk_power_config *c = &lk->cfg.power;
    uint8_t buf[REC_BYTES];
    uint8_t len = 0;
    int s;

    lk_fill((uint8_t *)p, 0, sizeof *p);
    p->selected = SEL_UNKNOWN;
    p->shown = 0xFFu;
    p->stroke_uj = c->stroke_uj;
    p->stroke_ms = c->stroke_ms;
    /* Thresholds that follow from the configuration alone, once. */
    p->drive_mv = c->motor_min_mv + lk_muldiv(c->motor_ma, c->main_mohm, 1000u);
    /* The motor sees the cap through its ESR: empty at the lowest voltage
     * that still finishes plus the ESR drop. */
    p->floor_mv = c->motor_min_mv + c->motor_ma * c->cap_esr_mohm / 1000u;
    p->full_mv = c->cap_max_mv * 97u / 100u;
    for (s = LK_PSRC_USB; s < PSRC_END; s++) {
        if (FITTED(s) && c->src[s].priority != LK_PRIO_NEVER) {
            p->usable |= BIT(s);
        }
    }
    if (lk_store_get(lk, KEY_POWER, buf, sizeof buf, &len) != LK_OK || len != REC_BYTES) {
        return;
    }
    p->low_count = lk_get16(buf);
    if ((buf[2] & 1u) != 0u) {
        uint32_t uj = lk_get32(buf + 3);
        uint32_t ms = lk_get32(buf + 7);

        /* A learnt figure is trusted only within what the configuration
         * allows (the same floor refine() keeps). */
        if (uj >= c->stroke_uj / 2u && uj <= 100000000u && ms >= 1u && ms <= LK_MAX_TRAVEL_MS) {
            p->measured = 1;
            p->stroke_uj = uj;
            p->stroke_ms = ms;
            p->saved_uj = uj;
        }
    }
}

void lk_pwr_save(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;
    uint8_t buf[REC_BYTES];

    lk_put16(buf, p->low_count);
    buf[2] = p->measured;
    lk_put32(buf + 3, p->stroke_uj);
    lk_put32(buf + 7, p->stroke_ms);
    /* Best effort: a lost record only delays CRITICAL by a few strokes or
     * costs the next stroke its learnt estimate. */
    (void)lk_store_set(lk, KEY_POWER, buf, sizeof buf);
    p->saved_uj = p->stroke_uj;
}

/* One reading, mV; a failed, positive or out-of-range one (and 0 mV) is an
 * absent input: 0 mV, 0 mA. *rc: the port's code. */
static inline uint32_t read_input(const struct lk_port *port, int s, uint32_t *ma, int *rc)
{
    struct lk_power_sample ps = { 0u, 0 };

    *rc = port->power_read(port->ctx, s, &ps);
    if (ps.mv - 1u >= 60000u || *rc != LK_OK || ps.ma < 0) {
        *ma = 0;
        return 0;
    }
    *ma = (uint32_t)ps.ma;
    return ps.mv;
}

/* Qualification of an emergency input whose reading lies inside its
 * window (slow in); leaving the window drops it at once (lk_pwr_poll). */
static void qualify(struct lk_power *p, const struct lk_power_config *cfg, uint32_t now, int s,
                    uint32_t mv)
{
    const struct lk_source_config *c = &cfg->src[s];
    uint8_t b = BIT(s);

    if ((p->qualified & b) != 0u) {
        /* stays: only leaving the outer window drops it */
    } else if (!within(mv, c->min_mv + c->hyst_mv, c->max_mv - c->hyst_mv)) {
        p->inside &= (uint8_t)~b;
    } else if ((p->inside & b) == 0u) {
        p->inside |= b;
        p->since[s] = now;
    } else if (lk_time_diff(now, p->since[s]) >= (int32_t)cfg->qualify_ms) {
        /* proven only after a whole second qualified (track_power); pprev
         * is read only while qualified, so it starts from 0 here */
        p->qualified |= b;
        p->pprev[s] = 0;
    }
}

/* Proven power: the lowest reading over the last whole second an emergency
 * input was qualified, taken only while it is pushing energy (a full
 * reserve lowers the draw, not the capability). The main battery's is
 * never asked for. A second's minimum counts only for an input that was
 * qualified when the second began (full), and pmin was reset then: so
 * while no emergency input is qualified there is nothing to keep. */
static void track_power(struct lk_power *p, uint32_t now)
{
    uint8_t em = (uint8_t)(p->qualified & EMERGENCY_BITS);
    int s;

    /* unsigned: a bucket left untouched for 2^31 ms must still roll */
    if (now - p->t_bucket >= 1000u) {
        uint8_t was_full = p->full; /* the second that ends here */

        p->t_bucket = now;
        p->full = p->qualified;
        if (em == 0u) {
            return;
        }
        for (s = LK_PSRC_USB; s < PSRC_END; s++) {
            if ((was_full & BIT(s)) != 0u && p->pmin[s] != LK_U32_MAX) {
                p->pprev[s] = p->pmin[s];
            }
            p->pmin[s] = LK_U32_MAX; /* no sample yet this second */
        }
    }
    if (em == 0u || p->reserve_full) {
        return;
    }
    for (s = LK_PSRC_USB; s < PSRC_END; s++) {
        if ((em & BIT(s)) != 0u && p->mw[s] < p->pmin[s]) {
            p->pmin[s] = p->mw[s];
        }
    }
}

/* Priority, then power, then stay put; MAIN first while it drives. */
static uint8_t choose(const struct lk_lock *lk)
{
    const struct lk_power *p = &lk->pwr;
    const struct lk_source_config *src = lk->cfg.power.src;
    uint32_t ok = (uint32_t)p->qualified & ~(uint32_t)p->veto & p->usable;
    uint32_t best = LK_PSRC_RESERVE;
    uint32_t best_prio = 256u; /* behind any priority */
    uint32_t cur = p->selected;
    int s;

    if (p->main_drives) {
        return (uint8_t)LK_PSRC_MAIN;
    }
    for (s = LK_PSRC_USB; s < PSRC_END; s++) {
        uint32_t prio = src[s].priority;

        if ((ok & BIT(s)) != 0u &&
            (prio < best_prio || (prio == best_prio && p->mw[s] > p->mw[best]))) {
            best = (uint32_t)s;
            best_prio = prio;
        }
    }
    /* cur in ok: an emergency input that can be selected */
    if (best != LK_PSRC_RESERVE && (ok & BIT(cur)) != 0u && src[cur].priority == best_prio &&
        p->mw[cur] >= lk_muldiv(p->mw[best], STICKY_PCT, 100u)) {
        best = cur;
    }
    return (uint8_t)best;
}

static void select_source(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;
    uint8_t want = choose(lk);

    if (want == p->selected) {
        return;
    }
    /* Never switch under a running stroke unless its source is gone. */
    if (p->measuring && (p->qualified & ~p->veto & BIT(p->selected)) != 0u) {
        return;
    }
    if (lk->port->source_select != NULL &&
        lk->port->source_select(lk->port->ctx, want) != LK_OK) {
        return; /* asked again at the next poll */
    }
    p->selected = want;
}

static uint32_t tier_at(const struct lk_lock *lk, uint32_t mv)
{
    const struct lk_power *p = &lk->pwr;

    if (!p->main_drives) {
        return LK_TIER_TOO_LOW;
    }
    if (mv >= lk->cfg.battery_ok_mv || p->main_unsensed) {
        return LK_TIER_OK;
    }
    if (mv < lk->cfg.power.critical_mv || p->low_count >= lk->cfg.power.warn_actuations) {
        return LK_TIER_CRITICAL;
    }
    return LK_TIER_LOW;
}

static void grade_main(struct lk_lock *lk, uint32_t now)
{
    struct lk_power *p = &lk->pwr;
    uint32_t worse = tier_at(lk, p->main_mv);
    /* what each tier announces; OK tells the app the battery is good again */
    static const uint8_t reason[4] = { LK_REASON_BATTERY_OK, LK_REASON_BATTERY_LOW,
                                       LK_REASON_BATTERY_CRITICAL, LK_REASON_BATTERY_TOO_LOW };

    if (worse > p->tier) {
        p->tier = (uint8_t)worse;
    } else if (p->tier != LK_TIER_OK) {
        /* Better only with 3 % to spare: a resting cell recovers a little
         * (main_mv <= 60000: no overflow). */
        uint32_t better = tier_at(lk, p->main_mv * 97u / 100u);

        if (better < p->tier) {
            p->tier = (uint8_t)better;
        }
    }
    /* Announced: a worse tier than any before, or OK after a warning. */
    if ((p->tier == LK_TIER_OK) ? p->warned != LK_TIER_OK : p->tier > p->warned) {
        p->warned = p->tier;
        if (p->tier != LK_TIER_OK) {
            lk_indicate(lk, LK_IND_LOW_BATTERY);
        }
        lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, reason[p->tier], LK_INDEX_NONE,
                LK_INDEX_NONE);
    }
    if (p->tier == LK_TIER_OK && p->low_count != 0u) {
        p->low_count = 0; /* a new battery */
        lk_pwr_save(lk);
    }
}

static void set_loads(const struct lk_lock *lk, uint8_t bits, int on)
{
    int l;

    for (l = 0; l < LK_LOAD_COUNT_; l++) {
        if ((bits & BIT(l)) != 0u) {
            (void)lk->port->load_enable(lk->port->ctx, l, on);
        }
    }
}

/* Loads to have off, in rule-7 order: radio from CRITICAL; in emergency
 * mode voice too, and while the inputs have proven less than
 * BACKLIGHT_MIN_MW (a crank, a shaken handle, nothing) the backlight and
 * the fingerprint module as well: the keypad is the way in then. Each cut
 * comes after a warning (time to park and log). */
static void shed_loads(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_power *p = &lk->pwr;
    uint8_t want = 0;
    uint8_t add;

    if (lk->port->load_enable == NULL) {
        return;
    }
    if (p->tier >= LK_TIER_CRITICAL) {
        want = BIT(LK_LOAD_RADIO);
    }
    if (p->tier == LK_TIER_TOO_LOW) {
        want |= BIT(LK_LOAD_VOICE);
        /* A request waiting for energy (its credential already accepted)
         * needs none of them: every milliwatt goes to the reserve. */
        if (p->waiting || lk_pwr_proven_mw(lk) < BACKLIGHT_MIN_MW) {
            want |= (uint8_t)(BIT(LK_LOAD_BACKLIGHT) | BIT(LK_LOAD_FINGERPRINT));
        }
    }
    if ((p->shed & ~want) != 0u) {
        set_loads(lk, (uint8_t)(p->shed & ~want), 1); /* back on at once */
        p->shed &= want;
    }
    add = (uint8_t)(want & ~p->shed);
    if (add == 0u) {
        p->cut_pending = 0;
        return;
    }
    if (!p->cut_pending || (add & ~p->shed_next) != 0u) {
        /* a load added to a pending cut gets its own full warning */
        p->cut_pending = 1;
        p->shed_next = want;
        p->t_cut = now + lk->cfg.power.warn_ms;
        lk_indicate(lk, LK_IND_LOW_BATTERY);
    }
    if (lk_time_reached(now, p->t_cut)) {
        set_loads(lk, add, 0);
        p->shed = want;
        p->cut_pending = 0;
    } else {
        lk_deadline_want(dl, p->t_cut);
    }
}

static void show_progress(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;
    uint8_t pct;

    /* Nothing to show without a reserve of its own to fill. */
    if (p->main_drives || lk->cfg.power.reserve_kind != LK_RESERVE_CAP ||
        (!p->waiting && (p->qualified & EMERGENCY_BITS) == 0u)) {
        p->shown = 0xFFu;
        return;
    }
    if (p->measuring) {
        return; /* the stroke is the news now */
    }
    pct = lk_pwr_progress(lk);
    /* 5 % steps up, 10 % down: a gauge that moves, not one that flickers
     * with every crank impulse */
    if (p->shown == 0xFFu || (pct > p->shown && pct / 5u != p->shown / 5u) ||
        pct + 10u <= p->shown) {
        p->shown = pct;
        lk_indicate_pct(lk, LK_IND_PROGRESS, pct);
    }
}

/* The healthy idle lock: the main battery drives, is selected and grades
 * OK with nothing warned, counted, shed or pending, no request waits and
 * no emergency input is in sight. Selection, grading, shedding and the
 * gauge would then leave everything as it is and want no deadline, so an
 * idle poll skips them (issue #8 budgets its instructions). */
static int settled(const struct lk_lock *lk)
{
    const struct lk_power *p = &lk->pwr;

    return p->main_drives && p->selected == LK_PSRC_MAIN &&
           (p->main_mv >= lk->cfg.battery_ok_mv || p->main_unsensed) &&
           (p->tier | p->warned | p->shed | p->cut_pending | p->waiting) == 0u &&
           p->low_count == 0u && p->shown == 0xFFu &&
           ((p->inside | p->qualified) & EMERGENCY_BITS) == 0u;
}

/* Select, grade, shed, show, and ask for the deadlines that follow. */
static void arbitrate(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_power *p = &lk->pwr;
    uint8_t timing;
    int s;

    select_source(lk);
    grade_main(lk, now);
    shed_loads(lk, now, dl);
    show_progress(lk);
    timing = (uint8_t)(p->inside & ~p->qualified);
    for (s = LK_PSRC_USB; timing != 0u && s < PSRC_END; s++) {
        if ((timing & BIT(s)) != 0u) {
            lk_deadline_want(dl, p->since[s] + lk->cfg.power.qualify_ms);
        }
    }
    /* Tickless otherwise: a healthy lock with no emergency input sleeps. */
    if (p->waiting || ((p->inside | p->qualified) & EMERGENCY_BITS) != 0u) {
        lk_deadline_want(dl, now + lk->cfg.power.poll_ms);
    }
}

/* The main battery's reading, mV, and its power. It qualifies on its
 * first good reading (it was fitted long before lockcore booted) and drops
 * like the others: its bit in the result when out of its window. */
static uint32_t sample_main(struct lk_lock *lk, uint32_t *main_mv)
{
    struct lk_power *p = &lk->pwr;
    const struct lk_source_config *c = &lk->cfg.power.src[LK_PSRC_MAIN];
    uint32_t ma;
    uint32_t mv;
    int rc;

    mv = read_input(lk->port, LK_PSRC_MAIN, &ma, &rc);
    *main_mv = mv;
    /* NOTSUP: the board does not measure its main battery, so its hardware
     * decides, as without power_read. Any other failure is a battery that
     * is not there. */
    p->main_unsensed = (uint8_t)(rc == LK_ERR_NOTSUP);
    p->mw[LK_PSRC_MAIN] = (ma != 0u) ? lk_muldiv(mv, ma, 1000u) : 0u;
    if (!within(mv, c->min_mv, c->max_mv)) {
        return BIT(LK_PSRC_MAIN);
    }
    if (within(mv, c->min_mv + c->hyst_mv, c->max_mv - c->hyst_mv)) {
        p->qualified |= BIT(LK_PSRC_MAIN);
    }
    return 0;
}

/* The fitted emergency inputs' readings: power and qualification. Returns
 * the bits of those out of their window (an absent one, 0 mV, always is:
 * min_mv >= 1). */
static uint32_t sample_inputs(struct lk_lock *lk, uint32_t now)
{
    struct lk_power *p = &lk->pwr;
    const struct lk_power_config *c = &lk->cfg.power;
    uint32_t drop = 0;
    uint32_t b;
    int s;

    for (s = LK_PSRC_USB, b = BIT(LK_PSRC_USB); s < PSRC_END; s++, b <<= 1) {
        uint32_t ma;
        uint32_t mv;
        int rc;

        if (!FITTED_DENSE && !FITTED(s)) {
            continue; /* never read: the product has no such input */
        }
        mv = read_input(lk->port, s, &ma, &rc);
        p->mw[s] = (ma != 0u) ? lk_muldiv(mv, ma, 1000u) : 0u;
        if (mv != 0u && within(mv, c->src[s].min_mv, c->src[s].max_mv)) {
            qualify(p, c, now, s, mv);
        } else {
            drop |= b;
        }
    }
    return drop;
}

/* The reserve after the main battery: a supercap's voltage and energy, or
 * the main battery's. */
static void sample_reserve(struct lk_lock *lk, uint32_t main_mv)
{
    struct lk_power *p = &lk->pwr;

    if (lk->cfg.power.reserve_kind == LK_RESERVE_CAP) {
        uint32_t ma;
        int rc;
        uint32_t rail = read_input(lk->port, LK_PSRC_RESERVE, &ma, &rc);

        p->reserve_full = (uint8_t)(rail >= p->full_mv);
        if (rail != p->rail_mv) {
            p->rail_mv = rail;
            lk_pwr_energy(lk); /* the reserve's energy follows its voltage only */
        }
    } else {
        p->rail_mv = main_mv;
        /* A battery's charge is not readable from its voltage: it either
         * holds up under the motor or it does not. */
        p->reserve_uj = p->main_drives ? LK_U32_MAX : 0u;
    }
}

/* The sample: read every fitted input, qualify (slow in, fast out), and
 * update what follows from the readings (main battery, reserve energy,
 * proven power). Apart from lk_pwr_poll: the gate samples before every
 * stroke without the arbitration's events and flash writes under it, which
 * keeps the deepest stack path (a verdict that starts a stroke) short. */
void lk_pwr_sample(struct lk_lock *lk, uint32_t now)
{
    struct lk_power *p = &lk->pwr;
    uint32_t main_mv;
    uint32_t drop;

    if (lk->port->power_read == NULL) {
        return;
    }
    drop = sample_main(lk, &main_mv);
    drop |= sample_inputs(lk, now);
    /* out of the window: dropped at once; full is a subset of qualified,
     * so there is nothing to clear unless these meet */
    if ((drop & (uint32_t)(p->qualified | p->inside)) != 0u) {
        p->qualified &= (uint8_t)~drop;
        p->inside &= (uint8_t)~drop;
        p->full &= (uint8_t)~drop;
    }
    if (!p->measuring) {
        p->main_mv = ((p->qualified & BIT(LK_PSRC_MAIN)) != 0u) ? main_mv : 0u;
    }
    p->main_drives = (uint8_t)((p->veto & BIT(LK_PSRC_MAIN)) == 0u &&
                               (p->main_unsensed ||
                                ((p->qualified & BIT(LK_PSRC_MAIN)) != 0u &&
                                 p->main_mv >= p->drive_mv)));
    sample_reserve(lk, main_mv);
    track_power(p, now);
    p->sampled = 1;
    p->t_sample = now;
}

void lk_pwr_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    if (lk->port->power_read == NULL) {
        return;
    }
    lk_pwr_sample(lk, now);
    if (!settled(lk)) {
        arbitrate(lk, now, dl);
    }
}

void lk_pwr_wait(struct lk_lock *lk, int waiting)
{
    lk->pwr.waiting = (uint8_t)(waiting != 0);
    if (waiting) {
        lk->pwr.shown = 0xFFu; /* show the gauge at once */
        show_progress(lk);
    }
}

void lk_pwr_count_actuation(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;

    /* Counted up to CRITICAL, not beyond: no flash write per stroke then. */
    if (p->tier == LK_TIER_OK || p->low_count >= lk->cfg.power.warn_actuations) {
        return;
    }
    p->low_count++;
    lk_pwr_save(lk);
}

int lk_power_status(const struct lk_lock *lk, struct lk_power_status *out)
{
    const struct lk_power *p;
    uint32_t warn;
    int rc = lk_check(lk);
    int s;

    if (rc != LK_OK) {
        return rc;
    }
    if (out == NULL) {
        return LK_ERR_INVAL;
    }
    p = &lk->pwr;
    warn = lk->cfg.power.warn_actuations;
    out->tier = p->tier;
    out->selected = (p->selected < LK_PSRC_INPUTS) ? p->selected : (uint8_t)LK_PSRC_RESERVE;
    out->qualified = p->qualified;
    out->shed = p->shed;
    out->waiting = p->waiting;
    out->progress = lk_pwr_progress(lk);
    out->actuations_left = (uint16_t)((p->low_count >= warn) ? 0u : warn - p->low_count);
    out->reserve_uj = p->reserve_uj;
    out->need_uj = lk_pwr_need(lk);
    out->stroke_uj = p->stroke_uj;
    out->proven_mw = lk_pwr_proven_mw(lk);
    for (s = 0; s < LK_PSRC_INPUTS; s++) {
        out->mw[s] = p->mw[s];
    }
    return LK_OK;
}

int lk_power_veto(struct lk_lock *lk, int source, int veto)
{
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (source < LK_PSRC_MAIN || source >= LK_PSRC_INPUTS || veto < 0 || veto > 1) {
        return LK_ERR_RANGE;
    }
    if (!FITTED(source)) {
        return LK_ERR_NOTSUP;
    }
    if (veto) {
        lk->pwr.veto |= BIT(source);
    } else {
        lk->pwr.veto &= (uint8_t)~BIT(source);
    }
    return LK_OK;
}
