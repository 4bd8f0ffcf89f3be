/*
 * power: qualify the inputs (LTC4417 style: slow in, fast out), select one
 * (priority, then power, then stay put), grade the main battery, and shed
 * loads with a warning first. The energy side is in power_gate.c.
 */
#include "lk_internal.h"

#define BIT(s) ((uint8_t)(1u << (s)))
#define EMERGENCY_BITS ((uint8_t)(BIT(LK_PSRC_USB) | BIT(LK_PSRC_BAT9V) | \
                                  BIT(LK_PSRC_CRANK) | BIT(LK_PSRC_WIRELESS)))
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

static uint32_t dflt(uint32_t v, uint32_t d)
{
    return (v != 0u) ? v : d;
}

static int within(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi;
}

static int resolve_sources(struct lk_power_config *out)
{
    int s;

    for (s = 0; s < LK_PSRC_INPUTS; s++) {
        struct lk_source_config *c = &out->src[s];

        c->min_mv = dflt(c->min_mv, def_min_mv[s]);
        c->max_mv = dflt(c->max_mv, def_max_mv[s]);
        c->priority = (uint8_t)dflt(c->priority, def_prio[s]);
        if (c->hyst_mv == 0u) {
            c->hyst_mv = (uint16_t)((c->min_mv <= 60000u && c->min_mv >= 34u) ? c->min_mv * 3u / 100u
                                                                               : 1u);
        }
        /* the inner (qualifying) window must not be empty */
        if (c->max_mv > 60000u || c->min_mv >= c->max_mv ||
            (uint32_t)c->hyst_mv * 2u >= c->max_mv - c->min_mv) {
            return LK_ERR_CONFIG;
        }
    }
    return LK_OK;
}

int lk_pwr_resolve(struct lk_power_config *out, const struct lk_power_config *in,
                   uint32_t battery_ok_mv)
{
    *out = *in;
    out->qualify_ms = dflt(in->qualify_ms, LK_DEFAULT_PWR_QUALIFY_MS);
    out->poll_ms = dflt(in->poll_ms, LK_DEFAULT_PWR_POLL_MS);
    out->cap_uf = dflt(in->cap_uf, LK_DEFAULT_PWR_CAP_UF);
    out->cap_max_mv = dflt(in->cap_max_mv, LK_DEFAULT_PWR_CAP_MAX_MV);
    out->cap_esr_mohm = dflt(in->cap_esr_mohm, LK_DEFAULT_PWR_CAP_ESR_MOHM);
    out->main_mohm = dflt(in->main_mohm, LK_DEFAULT_PWR_MAIN_MOHM);
    out->motor_min_mv = dflt(in->motor_min_mv, LK_DEFAULT_PWR_MOTOR_MIN_MV);
    out->motor_ma = dflt(in->motor_ma, LK_DEFAULT_PWR_MOTOR_MA);
    out->stroke_uj = dflt(in->stroke_uj, LK_DEFAULT_PWR_STROKE_UJ);
    out->stroke_ms = dflt(in->stroke_ms, LK_DEFAULT_PWR_STROKE_MS);
    out->access_uj = dflt(in->access_uj, LK_DEFAULT_PWR_ACCESS_UJ);
    out->margin_pct = (uint16_t)dflt(in->margin_pct, LK_DEFAULT_PWR_MARGIN_PCT);
    out->guess_margin_pct = (uint16_t)dflt(in->guess_margin_pct, LK_DEFAULT_PWR_GUESS_MARGIN_PCT);
    out->eff_pct = (uint16_t)dflt(in->eff_pct, LK_DEFAULT_PWR_EFF_PCT);
    out->hold_ms = dflt(in->hold_ms, LK_DEFAULT_PWR_HOLD_MS);
    out->recovery_ms = dflt(in->recovery_ms, LK_DEFAULT_PWR_RECOVERY_MS);
    out->critical_mv = dflt(in->critical_mv, (battery_ok_mv < LK_DEFAULT_PWR_CRITICAL_MV)
                                                  ? battery_ok_mv
                                                  : LK_DEFAULT_PWR_CRITICAL_MV);
    out->warn_actuations = (uint16_t)dflt(in->warn_actuations, LK_DEFAULT_PWR_WARN_ACTUATIONS);
    out->warn_ms = (uint16_t)dflt(in->warn_ms, LK_DEFAULT_PWR_WARN_MS);

    if (!within(out->qualify_ms, 1u, 5000u) || !within(out->poll_ms, 1u, 1000u) ||
        out->reserve_kind > LK_RESERVE_CAP || !within(out->cap_uf, 1000u, 100000000u) ||
        !within(out->cap_max_mv, 1000u, 20000u) || out->cap_esr_mohm > 10000u ||
        !within(out->main_mohm, 1u, 100000u) || !within(out->motor_min_mv, 1000u, 20000u) ||
        !within(out->motor_ma, 10u, 20000u) || !within(out->stroke_uj, 1000u, 100000000u) ||
        !within(out->stroke_ms, 1u, LK_MAX_TRAVEL_MS) || out->access_uj > 100000000u ||
        !within(out->margin_pct, 100u, 400u) || !within(out->guess_margin_pct, 100u, 400u) ||
        !within(out->eff_pct, 1u, 100u) ||
        !within(out->hold_ms, 1000u, 3600000u) || !within(out->recovery_ms, 1000u, 600000u) ||
        !within(out->critical_mv, 1u, battery_ok_mv) || !within(out->warn_ms, 600u, 10000u)) {
        return LK_ERR_CONFIG;
    }
    return resolve_sources(out);
}

/* The persisted record: actuations since the LOW warning (u16), flags
 * (bit 0: the stroke estimate was measured), the estimate (u32 µJ, u32 ms);
 * little-endian. */
#define REC_BYTES 11u

void lk_pwr_init(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;
    uint8_t buf[REC_BYTES];
    uint8_t len = 0;

    lk_fill((uint8_t *)p, 0, sizeof *p);
    p->selected = SEL_UNKNOWN;
    p->shown = 0xFFu;
    p->stroke_uj = lk->cfg.power.stroke_uj;
    p->stroke_ms = lk->cfg.power.stroke_ms;
    if (lk_store_get(lk, KEY_POWER, buf, sizeof buf, &len) != LK_OK || len != REC_BYTES) {
        return;
    }
    p->low_count = lk_get16(buf);
    if ((buf[2] & 1u) != 0u) {
        uint32_t uj = lk_get32(buf + 3);
        uint32_t ms = lk_get32(buf + 7);

        /* A learnt figure is trusted only within what the configuration
         * allows (the same floor refine() keeps). */
        if (uj >= lk->cfg.power.stroke_uj / 2u && uj <= 100000000u && ms >= 1u &&
            ms <= LK_MAX_TRAVEL_MS) {
            p->measured = 1;
            p->stroke_uj = uj;
            p->stroke_ms = ms;
            p->saved_uj = uj;
        }
    }
}

void lk_pwr_save(struct lk_lock *lk)
{
    const struct lk_power *p = &lk->pwr;
    uint8_t buf[REC_BYTES];

    lk_put16(buf, p->low_count);
    buf[2] = p->measured;
    lk_put32(buf + 3, p->stroke_uj);
    lk_put32(buf + 7, p->stroke_ms);
    /* Best effort: a lost record only delays CRITICAL by a few strokes or
     * costs the next stroke its learnt estimate. */
    (void)lk_store_set(lk, KEY_POWER, buf, sizeof buf);
    lk->pwr.saved_uj = p->stroke_uj;
}

/* One reading; a failed, positive or out-of-range one reads as absent.
 * Returns the port's code. */
static int read_input(const struct lk_lock *lk, int s, uint32_t *mv, uint32_t *ma)
{
    struct lk_power_sample ps = { 0u, 0 };
    int rc = lk->port->power_read(lk->port->ctx, s, &ps);

    if (rc != LK_OK || ps.mv > 60000u || ps.ma < 0) {
        ps.mv = 0;
        ps.ma = 0;
    }
    *mv = ps.mv;
    *ma = (uint32_t)ps.ma;
    return rc;
}

static void qualify(struct lk_lock *lk, uint32_t now, int s, uint32_t mv)
{
    struct lk_power *p = &lk->pwr;
    const struct lk_source_config *c = &lk->cfg.power.src[s];
    uint8_t b = BIT(s);

    if (!within(mv, c->min_mv, c->max_mv)) {
        p->qualified &= (uint8_t)~b;
        p->inside &= (uint8_t)~b;
        p->full &= (uint8_t)~b;
        p->pprev[s] = 0;
    } else if ((p->qualified & b) != 0u) {
        /* stays: only leaving the outer window drops it */
    } else if (!within(mv, c->min_mv + c->hyst_mv, c->max_mv - c->hyst_mv)) {
        p->inside &= (uint8_t)~b;
    } else if ((p->inside & b) == 0u && s != LK_PSRC_MAIN) {
        p->inside |= b;
        p->since[s] = now;
    } else if (s == LK_PSRC_MAIN ||
               lk_time_diff(now, p->since[s]) >= (int32_t)lk->cfg.power.qualify_ms) {
        /* The main battery was fitted long before lockcore booted: it
         * qualifies on its first good reading (and still drops at once). */
        p->qualified |= b; /* proven only after a whole second (track_power) */
    }
}

/* Proven power: the lowest reading over the last whole second the source
 * was qualified, taken only while it is pushing energy (a full reserve
 * lowers the draw, not the capability). */
static void track_power(struct lk_power *p, uint32_t now, int charging)
{
    int s;

    /* unsigned: a bucket left untouched for 2^31 ms must still roll */
    if (now - p->t_bucket >= 1000u) {
        p->t_bucket = now;
        for (s = 0; s < LK_PSRC_INPUTS; s++) {
            if ((p->full & BIT(s)) != 0u && p->pmin[s] != LK_U32_MAX) {
                p->pprev[s] = p->pmin[s];
            }
            p->pmin[s] = LK_U32_MAX; /* no sample yet this second */
        }
        p->full = p->qualified;
    }
    if (!charging) {
        return;
    }
    for (s = 0; s < LK_PSRC_INPUTS; s++) {
        if ((p->qualified & BIT(s)) != 0u && p->mw[s] < p->pmin[s]) {
            p->pmin[s] = p->mw[s];
        }
    }
}

void lk_pwr_sample(struct lk_lock *lk, uint32_t now)
{
    struct lk_power *p = &lk->pwr;
    const struct lk_power_config *c = &lk->cfg.power;
    uint32_t mv[LK_PSRC_INPUTS];
    uint32_t ma;
    uint32_t res_ma;
    int s;

    if (lk->port->power_read == NULL) {
        return;
    }
    for (s = 0; s < LK_PSRC_INPUTS; s++) {
        int rc = read_input(lk, s, &mv[s], &ma);

        if (s == LK_PSRC_MAIN) {
            /* NOTSUP: the board does not measure its main battery, so its
             * hardware decides, as without power_read. Any other failure is
             * a battery that is not there. */
            p->main_unsensed = (uint8_t)(rc == LK_ERR_NOTSUP);
        }
        p->mw[s] = lk_muldiv(mv[s], ma, 1000u);
        qualify(lk, now, s, mv[s]);
    }
    if (!p->measuring) {
        p->main_mv = ((p->qualified & BIT(LK_PSRC_MAIN)) != 0u) ? mv[LK_PSRC_MAIN] : 0u;
    }
    if (c->reserve_kind == LK_RESERVE_CAP) {
        (void)read_input(lk, LK_PSRC_RESERVE, &p->rail_mv, &res_ma);
    } else {
        p->rail_mv = mv[LK_PSRC_MAIN];
    }
    p->main_drives = (uint8_t)((p->veto & BIT(LK_PSRC_MAIN)) == 0u &&
                               (p->main_unsensed ||
                                ((p->qualified & BIT(LK_PSRC_MAIN)) != 0u &&
                                 p->main_mv >= c->motor_min_mv + lk_muldiv(c->motor_ma,
                                                                           c->main_mohm, 1000u))));
    p->reserve_full = (uint8_t)(c->reserve_kind == LK_RESERVE_CAP &&
                                p->rail_mv >= lk_muldiv(c->cap_max_mv, 97u, 100u));
    track_power(p, now, !p->reserve_full);
    lk_pwr_energy(lk);
    p->sampled = 1;
    p->t_sample = now;
}

/* Priority, then power, then stay put; MAIN first while it drives. */
static uint8_t choose(const struct lk_lock *lk)
{
    const struct lk_power *p = &lk->pwr;
    uint8_t ok = (uint8_t)(p->qualified & ~p->veto);
    uint8_t best = (uint8_t)LK_PSRC_RESERVE;
    int s;

    if (p->main_drives) {
        return (uint8_t)LK_PSRC_MAIN;
    }
    for (s = LK_PSRC_USB; s < LK_PSRC_INPUTS; s++) {
        const struct lk_source_config *c = &lk->cfg.power.src[s];

        if ((ok & BIT(s)) == 0u || c->priority == LK_PRIO_NEVER) {
            continue;
        }
        if (best == LK_PSRC_RESERVE || c->priority < lk->cfg.power.src[best].priority ||
            (c->priority == lk->cfg.power.src[best].priority && p->mw[s] > p->mw[best])) {
            best = (uint8_t)s;
        }
    }
    if (best != LK_PSRC_RESERVE && p->selected < LK_PSRC_INPUTS && p->selected != best &&
        p->selected != LK_PSRC_MAIN && (ok & BIT(p->selected)) != 0u &&
        lk->cfg.power.src[p->selected].priority == lk->cfg.power.src[best].priority &&
        p->mw[p->selected] >= lk_muldiv(p->mw[best], STICKY_PCT, 100u)) {
        best = p->selected;
    }
    return best;
}

static void select_source(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;
    uint8_t want = choose(lk);

    /* Never switch under a running stroke unless its source is gone. */
    if (p->measuring && p->selected < LK_PSRC_INPUTS &&
        (p->qualified & ~p->veto & BIT(p->selected)) != 0u) {
        return;
    }
    if (want == p->selected) {
        return;
    }
    if (lk->port->source_select != NULL &&
        lk->port->source_select(lk->port->ctx, want) != LK_OK) {
        return; /* asked again at the next poll */
    }
    p->selected = want;
}

static uint8_t tier_at(const struct lk_lock *lk, uint32_t mv)
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
    uint8_t worse = tier_at(lk, p->main_mv);
    /* Better only with 3 % to spare: a resting cell recovers a little. */
    uint8_t better = tier_at(lk, lk_muldiv(p->main_mv, 97u, 100u));
    static const uint8_t reason[4] = { LK_REASON_NONE, LK_REASON_BATTERY_LOW,
                                       LK_REASON_BATTERY_CRITICAL, LK_REASON_BATTERY_TOO_LOW };

    if (worse > p->tier) {
        p->tier = worse;
    } else if (better < p->tier) {
        p->tier = better;
    }
    if (p->tier == LK_TIER_OK) {
        if (p->warned != LK_TIER_OK) {
            /* the app heard a warning: tell it the battery is good again */
            lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_BATTERY_OK,
                    LK_INDEX_NONE, LK_INDEX_NONE);
        }
        p->warned = LK_TIER_OK;
        if (p->low_count != 0u) {
            p->low_count = 0; /* a new battery */
            lk_pwr_save(lk);
        }
    } else if (p->tier > p->warned) {
        p->warned = p->tier;
        lk_indicate(lk, LK_IND_LOW_BATTERY);
        lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, reason[p->tier], LK_INDEX_NONE,
                LK_INDEX_NONE);
    }
}

/* Loads to have off now, in rule-7 order: radio from CRITICAL; in
 * emergency mode voice too, and while the inputs have proven less than
 * BACKLIGHT_MIN_MW (a crank, a shaken handle, nothing) the backlight and
 * the fingerprint module as well: the keypad is the way in then. */
static uint8_t loads_to_shed(const struct lk_lock *lk)
{
    const struct lk_power *p = &lk->pwr;
    uint8_t want = 0;

    if (p->tier >= LK_TIER_CRITICAL) {
        want |= BIT(LK_LOAD_RADIO);
    }
    if (p->tier == LK_TIER_TOO_LOW) {
        want |= BIT(LK_LOAD_VOICE);
        /* A request waiting for energy (its credential already accepted)
         * needs none of them: every milliwatt goes to the reserve. */
        if (p->waiting || lk_pwr_proven_mw(lk) < BACKLIGHT_MIN_MW) {
            want |= (uint8_t)(BIT(LK_LOAD_BACKLIGHT) | BIT(LK_LOAD_FINGERPRINT));
        }
    }
    return want;
}

static void set_loads(struct lk_lock *lk, uint8_t bits, int on)
{
    int l;

    for (l = 0; l < LK_LOAD_COUNT_; l++) {
        if ((bits & BIT(l)) != 0u) {
            (void)lk->port->load_enable(lk->port->ctx, l, on);
        }
    }
}

static void shed_loads(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_power *p = &lk->pwr;
    uint8_t want;

    if (lk->port->load_enable == NULL) {
        return;
    }
    want = loads_to_shed(lk);
    if ((p->shed & ~want) != 0u) {
        set_loads(lk, (uint8_t)(p->shed & ~want), 1); /* back on at once */
        p->shed &= want;
    }
    if ((want & ~p->shed) == 0u) {
        p->cut_pending = 0;
        return;
    }
    if (!p->cut_pending || (want & ~p->shed & ~p->shed_next) != 0u) {
        /* Warn, then cut: time to park and log before a load goes; a load
         * added to a pending cut gets its own full warning. */
        p->cut_pending = 1;
        p->shed_next = want;
        p->t_cut = now + lk->cfg.power.warn_ms;
        lk_indicate(lk, LK_IND_LOW_BATTERY);
    }
    if (lk_time_reached(now, p->t_cut)) {
        set_loads(lk, (uint8_t)(want & ~p->shed), 0);
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

void lk_pwr_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_power *p = &lk->pwr;
    int s;

    if (lk->port->power_read == NULL) {
        return;
    }
    lk_pwr_sample(lk, now);
    select_source(lk);
    grade_main(lk, now);
    shed_loads(lk, now, dl);
    show_progress(lk);
    for (s = 0; s < LK_PSRC_INPUTS; s++) {
        if ((p->inside & ~p->qualified & BIT(s)) != 0u) {
            lk_deadline_want(dl, p->since[s] + lk->cfg.power.qualify_ms);
        }
    }
    /* Tickless otherwise: a healthy lock with no emergency input sleeps. */
    if (p->waiting || ((p->inside | p->qualified) & EMERGENCY_BITS) != 0u) {
        lk_deadline_want(dl, now + lk->cfg.power.poll_ms);
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
    int rc = lk_check(lk);
    int s;

    if (rc != LK_OK) {
        return rc;
    }
    if (out == NULL) {
        return LK_ERR_INVAL;
    }
    p = &lk->pwr;
    out->tier = p->tier;
    out->selected = (p->selected < LK_PSRC_INPUTS) ? p->selected : (uint8_t)LK_PSRC_RESERVE;
    out->qualified = p->qualified;
    out->shed = p->shed;
    out->waiting = p->waiting;
    out->progress = lk_pwr_progress(lk);
    out->actuations_left = (p->low_count >= lk->cfg.power.warn_actuations)
                               ? 0u
                               : (uint16_t)(lk->cfg.power.warn_actuations - p->low_count);
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
    if (veto) {
        lk->pwr.veto |= BIT(source);
    } else {
        lk->pwr.veto &= (uint8_t)~BIT(source);
    }
    return LK_OK;
}
