/*
 * power_gate: the energy side of arbitration. How much the reserve holds
 * (fixed point, µJ), what the next stroke needs, whether it may start, and
 * the stroke measurements that refine the estimate (docs/power.md).
 */
#include "lk_internal.h"

uint32_t lk_muldiv(uint32_t a, uint32_t b, uint32_t c)
{
    /* 32 x 32 -> 64 from 16-bit halves, then restoring division: no
     * libgcc 64-bit helpers on cores without a divider. */
    uint32_t al = a & 0xFFFFu;
    uint32_t ah = a >> 16;
    uint32_t bl = b & 0xFFFFu;
    uint32_t bh = b >> 16;
    uint32_t ll = al * bl;
    uint32_t lh = al * bh;
    uint32_t hl = ah * bl;
    uint32_t mid = (ll >> 16) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
    uint32_t lo = (ll & 0xFFFFu) | (mid << 16);
    uint32_t hi = ah * bh + (lh >> 16) + (hl >> 16) + (mid >> 16);
    uint32_t q = 0;
    int i;

    if (hi == 0u) {
        return lo / c; /* the common case: one 32-bit division */
    }
    if (hi >= c) {
        return LK_U32_MAX; /* the quotient needs more than 32 bits */
    }
    for (i = 0; i < 32; i++) {
        uint32_t top = hi >> 31;

        hi = (hi << 1) | (lo >> 31);
        lo <<= 1;
        q <<= 1;
        if (top != 0u || hi >= c) {
            hi -= c; /* wraps correctly when top is set */
            q |= 1u;
        }
    }
    return q;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return (a > LK_U32_MAX - b) ? LK_U32_MAX : a + b;
}

void lk_pwr_energy(struct lk_lock *lk)
{
    struct lk_power *p = &lk->pwr;
    const struct lk_power_config *c = &lk->cfg.power;
    uint32_t f = p->floor_mv;
    uint32_t v;

    if (c->reserve_kind != LK_RESERVE_CAP) {
        /* A battery's charge is not readable from its voltage: it either
         * holds up under the motor or it does not. */
        p->reserve_uj = p->main_drives ? LK_U32_MAX : 0u;
        return;
    }
    /* The motor sees the cap through its ESR: E = C/2 (V^2 - Vf^2), with
     * Vf = floor_mv (lk_pwr_init). A reading above what the charger
     * allows is a glitch, not energy. */
    v = (p->rail_mv > c->cap_max_mv) ? c->cap_max_mv : p->rail_mv;
    p->reserve_uj = (v <= f) ? 0u : lk_muldiv(lk_muldiv(c->cap_uf, v - f, 1000u), v + f, 2000u);
}

/* Inputs that may be credited now: qualified, not vetoed, fitted, and not
 * LK_PRIO_NEVER. */
static uint32_t credited(const struct lk_power *p)
{
    return (uint32_t)p->qualified & ~(uint32_t)p->veto & p->usable;
}

uint32_t lk_pwr_proven_mw(const struct lk_lock *lk)
{
    const struct lk_power *p = &lk->pwr;
    uint32_t ok = credited(p);
    uint32_t mw = 0;
    int s;

    for (s = LK_PSRC_USB; s < LK_PSRC_INPUTS; s++) {
        if ((ok & (1u << s)) != 0u) {
            mw = sat_add(mw, p->pprev[s]);
        }
    }
    return mw;
}

/* The stroke estimate with its margin: a measured one's, or a guess's. */
static uint32_t with_margin(const struct lk_lock *lk)
{
    return lk_muldiv(lk->pwr.stroke_uj,
                     lk->pwr.measured ? lk->cfg.power.margin_pct : lk->cfg.power.guess_margin_pct,
                     100u);
}

/* Energy the qualified inputs' proven power adds into the reserve: over
 * ms milliseconds (mW x ms = µJ). */
static uint32_t input_uj(const struct lk_lock *lk, uint32_t ms)
{
    return lk_muldiv(lk_muldiv(lk_pwr_proven_mw(lk), lk->cfg.power.eff_pct, 100u), ms, 1u);
}

/* What the reserve must hold to start one stroke, given need = the
 * estimate with its margin (with_margin). By itself (a dropout mid-stroke
 * must not strand the bolt) the whole stroke: the configured guess with
 * its margin, or, once strokes have been measured, the measured estimate
 * plus 1/16 (the MCU's own draw, measurement noise); the rest of the
 * margin on a measured estimate may come from what a proven input adds
 * during the stroke. */
static uint32_t one_stroke(const struct lk_lock *lk, uint32_t need)
{
    const struct lk_power *p = &lk->pwr;
    uint32_t help = input_uj(lk, p->stroke_ms);
    uint32_t alone = p->measured ? p->stroke_uj + p->stroke_uj / 16u : need;

    need = (need > help) ? need - help : 0u;
    return (need > alone) ? need : alone;
}

static int full_and_fed(const struct lk_power *p)
{
    uint32_t ok = credited(p) & p->full;
    int s;

    if (!p->reserve_full) {
        return 0;
    }
    for (s = LK_PSRC_USB; s < LK_PSRC_INPUTS; s++) {
        /* feeding the loads now, not just a voltage on a connector */
        if ((ok & (1u << s)) != 0u && p->mw[s] != 0u) {
            return 1;
        }
    }
    return 0;
}

uint32_t lk_pwr_need(const struct lk_lock *lk)
{
    uint32_t need;

    if (lk->port->power_read == NULL || lk->pwr.main_drives) {
        return 0;
    }
    need = with_margin(lk);
    /* A jam needs a reverse stroke: an input that refills one within
     * recovery_ms covers it; otherwise it must be in the reserve too. An
     * input that has kept a full reserve full for a whole second cannot
     * show more (the charger holds its draw down): it counts as covering
     * it, and is measured as soon as the stroke draws the reserve down. */
    if (input_uj(lk, lk->cfg.power.recovery_ms) >= need || full_and_fed(&lk->pwr)) {
        return one_stroke(lk, need);
    }
    return sat_add(need, lk->pwr.stroke_uj);
}

uint8_t lk_pwr_progress(const struct lk_lock *lk)
{
    uint32_t target = lk_pwr_need(lk);

    if (target == 0u) {
        return 100u;
    }
    if (!lk->pwr.waiting) {
        target = sat_add(target, lk->cfg.power.access_uj);
    }
    if (lk->pwr.reserve_uj >= target) {
        return 100u;
    }
    return (uint8_t)lk_muldiv(lk->pwr.reserve_uj, 100u, target);
}

int lk_pwr_affordable(struct lk_lock *lk, uint32_t now, int recovery)
{
    const struct lk_power *p = &lk->pwr;

    if (lk->port->power_read == NULL) {
        return 1; /* nothing measured: the vendor's hardware decides */
    }
    if (!p->sampled || now != p->t_sample) {
        lk_pwr_sample(lk, now); /* once per poll: each is six ADC reads */
    }
    if (p->main_drives) {
        return 1;
    }
    return p->reserve_uj >= (recovery ? one_stroke(lk, with_margin(lk)) : lk_pwr_need(lk));
}

void lk_pwr_stroke_begin(struct lk_lock *lk, uint32_t now)
{
    struct lk_power *p = &lk->pwr;

    p->measuring = 1;
    p->meas_uj = 0;
    p->t_meas = now;
    p->t_stroke = now;
}

void lk_pwr_stroke_sample(struct lk_lock *lk, uint32_t now, uint32_t ma)
{
    struct lk_power *p = &lk->pwr;
    uint32_t mw;

    if (!p->measuring || lk->port->power_read == NULL) {
        return;
    }
    mw = lk_muldiv(p->rail_mv, ma, 1000u);
    p->meas_uj = sat_add(p->meas_uj, lk_muldiv(mw, now - p->t_meas, 1u));
    p->t_meas = now;
}

/* Up at once, down by a quarter of the gap: one light stroke must not
 * talk the gate into starting a heavy one; never below half the
 * configured figure, so a failing current sensor cannot either. */
static uint32_t refine(uint32_t est, uint32_t meas, uint32_t configured)
{
    if (meas >= est) {
        return (meas > 100000000u) ? 100000000u : meas; /* the stored range */
    }
    est -= (est - meas) / 4u;
    return (est < configured / 2u) ? configured / 2u : est;
}

void lk_pwr_stroke_end(struct lk_lock *lk, uint32_t now, int ok)
{
    struct lk_power *p = &lk->pwr;

    if (!p->measuring) {
        return;
    }
    p->measuring = 0;
    if (!ok) {
        return;
    }
    lk_pwr_count_actuation(lk);
    if (p->meas_uj != 0u) {
        uint32_t drift;

        p->stroke_uj = refine(p->stroke_uj, p->meas_uj, lk->cfg.power.stroke_uj);
        p->stroke_ms = refine(p->stroke_ms, now - p->t_stroke, lk->cfg.power.stroke_ms);
        drift = (p->stroke_uj > p->saved_uj) ? p->stroke_uj - p->saved_uj
                                             : p->saved_uj - p->stroke_uj;
        /* Persisted when first learnt and when it moves by 1/16: a few
         * writes over the lock's life, not one per stroke. */
        if (!p->measured || drift > p->saved_uj / 16u) {
            p->measured = 1;
            lk_pwr_save(lk);
        }
    }
}
