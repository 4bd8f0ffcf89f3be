/*
 * The sim's optional power model (lk_sim_power.h): a supercapacitor node fed
 * by the main battery through an ideal diode and by the emergency sources,
 * drained by the MCU, the sheddable loads and the motor. 1 ms steps, doubles
 * in SI units inside (V, A, W, J, F, Ohm, s), no libm.
 */
#include "lk_sim.h"

#include <string.h>

#define DT_S 0.001       /* one step, s */
#define LOAD_V 3.3       /* the loads' rail, V */
#define BROWNOUT_V 2.0   /* the MCU runs at or above this node voltage, V */
#define WIRELESS_RANGE_UM 10000.0 /* no power from this offset on */
#define CHARGE_AVG_MS 100.0       /* charge current averaging, ms */

static struct lk_sim *sim_of(void *ctx)
{
    return (struct lk_sim *)ctx;
}

/* Square root by Newton's method from guess (no libm). */
static double sqrt_d(double x, double guess)
{
    double g;
    int i;

    if (x <= 0.0) {
        return 0.0;
    }
    g = (guess > 0.0) ? guess : ((x > 1.0) ? x : 1.0);
    for (i = 0; i < 200; i++) {
        double n = 0.5 * (g + x / g);
        double d = n - g;

        g = n;
        if (d < 0.0) {
            d = -d;
        }
        if (d <= g * 1e-15) {
            break;
        }
    }
    return g;
}

/* e^(-x) for 0 <= x <= 0.001 (five terms of the series; error < 1e-17). */
static double exp_neg_small(double x)
{
    return 1.0 - x * (1.0 - x / 2.0 * (1.0 - x / 3.0 * (1.0 - x / 4.0)));
}

static double cap_f(const struct lk_sim_pw *pw)
{
    return (double)pw->cfg.cap_uf * 1e-6;
}

static int slot_of_kind(int kind)
{
    switch (kind) {
    case LK_SIM_SRC_USB:
        return LK_PSRC_USB;
    case LK_SIM_SRC_BAT9V:
        return LK_PSRC_BAT9V;
    case LK_SIM_SRC_CRANK:
    case LK_SIM_SRC_SHAKE:
        return LK_PSRC_CRANK;
    case LK_SIM_SRC_WIRELESS:
        return LK_PSRC_WIRELESS;
    default:
        return -1;
    }
}

static int is_slot(int psrc)
{
    return psrc >= LK_PSRC_USB && psrc <= LK_PSRC_WIRELESS;
}

static int is_impulse(const struct lk_sim_pw_slot *sl)
{
    return sl->src.kind == LK_SIM_SRC_CRANK || sl->src.kind == LK_SIM_SRC_SHAKE;
}

static int is_resistive(const struct lk_sim_pw_slot *sl)
{
    return sl->src.kind == LK_SIM_SRC_USB || sl->src.kind == LK_SIM_SRC_BAT9V;
}

/* The input may push energy into the node (switched boards: selected). */
static int connected(const struct lk_sim_pw *pw, int psrc)
{
    return !pw->cfg.switched || pw->selected == psrc;
}

/* Conversion efficiency into the node, 0..1. */
static double eff_of(const struct lk_sim_pw *pw, const struct lk_sim_pw_slot *sl)
{
    uint32_t pct = sl->src.eff_pct;

    if (pct == 0u && !is_impulse(sl)) {
        pct = pw->cfg.eff_pct;
    }
    return (double)pct / 100.0;
}

/* USB / 9 V: input current at full draw, A: the input limit, the bank's
 * limit, and never past the max-power point Voc/(2R). */
static double max_in_a(const struct lk_sim_pw *pw, const struct lk_sim_pw_slot *sl)
{
    double voc = (double)sl->src.mv / 1000.0;
    double r = (double)sl->src.mohm / 1000.0;
    double i = (double)pw->cfg.in_limit_ma / 1000.0;

    if (sl->src.limit_ma != 0u && (double)sl->src.limit_ma / 1000.0 < i) {
        i = (double)sl->src.limit_ma / 1000.0;
    }
    if (voc / (2.0 * r) < i) {
        i = voc / (2.0 * r);
    }
    return i;
}

/* Crank / shake: harvested average power now, W. */
static double impulse_avg_w(const struct lk_sim_pw_slot *sl)
{
    double eff = (double)sl->src.eff_pct / 100.0;
    double rate = (double)sl->src.rate_mhz / 1000.0;

    if (!sl->turning) {
        return 0.0;
    }
    if (sl->src.kind == LK_SIM_SRC_CRANK) {
        return (double)sl->src.power_mw / 1000.0 * eff * sl->fatigue;
    }
    return (double)sl->src.impulse_uj * 1e-6 * rate * eff * sl->fatigue;
}

/* Power the input could push into the node now if connected, W. */
static double avail_w(const struct lk_sim_pw *pw, const struct lk_sim_pw_slot *sl)
{
    if (sl->state != LK_SIM_SS_ON || sl->dropout) {
        return 0.0;
    }
    if (is_resistive(sl)) {
        double i = max_in_a(pw, sl);
        double v = (double)sl->src.mv / 1000.0 - i * (double)sl->src.mohm / 1000.0;

        return v * i * eff_of(pw, sl);
    }
    if (sl->src.kind == LK_SIM_SRC_WIRELESS) {
        double k;

        if ((double)sl->src.offset_um >= WIRELESS_RANGE_UM) {
            return 0.0;
        }
        k = 1.0 - (double)sl->src.offset_um / WIRELESS_RANGE_UM;
        return (double)sl->src.power_mw / 1000.0 * k * k * eff_of(pw, sl);
    }
    return impulse_avg_w(sl);
}

/* Crank / shake: a turn ended within 1.5 periods (the generator reads). */
static int generating(const struct lk_sim_pw_slot *sl)
{
    return sl->had_impulse &&
           (uint64_t)sl->since_impulse * sl->src.rate_mhz <= 1500000u;
}

static uint32_t to_milli(double x)
{
    if (x <= 0.0) {
        return 0;
    }
    if (x >= 4294967.0) {
        return UINT32_MAX;
    }
    return (uint32_t)(x * 1000.0 + 0.5);
}

/* The physical reading of a slot into sl->mv / sl->ma. */
static void slot_reading(const struct lk_sim_pw *pw, int psrc, struct lk_sim_pw_slot *sl)
{
    int on = connected(pw, psrc);

    sl->mv = 0;
    sl->ma = 0;
    if (sl->state != LK_SIM_SS_ON) {
        return;
    }
    if (is_resistive(sl)) {
        if (sl->dropout) {
            return;
        }
        if (on) {
            double v = (double)sl->src.mv / 1000.0 - sl->in_a * (double)sl->src.mohm / 1000.0;

            sl->mv = to_milli(v);
            sl->ma = (int32_t)to_milli(sl->in_a);
        } else {
            sl->mv = sl->src.mv;
        }
    } else if (sl->src.kind == LK_SIM_SRC_WIRELESS) {
        if (avail_w(pw, sl) > 0.0) {
            sl->mv = sl->src.mv;
            sl->ma = on ? (int32_t)to_milli(sl->in_a) : 0;
        }
    } else if (generating(sl)) {
        sl->mv = sl->src.mv;
        sl->ma = on ? (int32_t)to_milli(impulse_avg_w(sl) / ((double)sl->src.mv / 1000.0)) : 0;
    }
}

static void refresh_readings(struct lk_sim_pw *pw)
{
    int p;

    for (p = LK_PSRC_USB; p <= LK_PSRC_WIRELESS; p++) {
        pw->src[p].avail_mw = to_milli(avail_w(pw, &pw->src[p]));
        slot_reading(pw, p, &pw->src[p]);
    }
    pw->node_mv = to_milli(pw->v);
}

/* Empty the slot; its totals stay (they count since lk_sim_power_enable). */
static void slot_clear(struct lk_sim_pw_slot *sl)
{
    struct lk_sim_pw_slot keep = *sl;

    memset(sl, 0, sizeof *sl);
    sl->uj = keep.uj;
    sl->lost_uj = keep.lost_uj;
    sl->acc_j = keep.acc_j;
    sl->n_dropouts = keep.n_dropouts;
    sl->n_impulses = keep.n_impulses;
    sl->n_offs = keep.n_offs;
    sl->n_gone = keep.n_gone;
}

static void slot_start(struct lk_sim_pw_slot *sl)
{
    sl->state = LK_SIM_SS_ON;
    sl->turning = is_impulse(sl);
    sl->fatigue = 1.0;
    sl->phase = 0;
    sl->since_impulse = 0;
    sl->had_impulse = 0;
    sl->pending_j = 0.0;
}

/* Timers of one slot for this ms; *impulse_j gets a crank / shake impulse
 * completed in this ms (harvested energy, J). */
static void slot_tick(struct lk_sim *s, struct lk_sim_pw_slot *sl, double *impulse_j)
{
    *impulse_j = 0.0;
    if (sl->state == LK_SIM_SS_ABSENT) {
        return;
    }
    sl->t_ms++;
    if (sl->src.hold_ms != 0u && sl->t_ms >= sl->src.hold_ms) {
        if (!is_impulse(sl) || sl->state != LK_SIM_SS_ON) {
            slot_clear(sl);
            sl->n_gone++;
            return;
        }
        sl->turning = 0; /* the person stops; the generator runs down */
        sl->pending_j = 0.0;
    }
    if (sl->state == LK_SIM_SS_STARTING && sl->t_ms >= sl->src.attach_ms) {
        slot_start(sl);
    }
    if (sl->state != LK_SIM_SS_ON) {
        return;
    }
    if (sl->src.kind == LK_SIM_SRC_BAT9V) {
        if (sl->drop_left > 0u) {
            sl->drop_left--;
        }
        if (sl->drop_left == 0u && sl->src.dropout_per_min != 0u) {
            /* P(start this ms) = rate / 60000: a Poisson process */
            uint64_t thr = ((uint64_t)sl->src.dropout_per_min << 32) / 60000u;

            if ((uint64_t)lk_sim_xorshift32(&s->pw.rng) < thr) {
                sl->drop_left = sl->src.dropout_ms;
                sl->n_dropouts++;
            }
        }
        sl->dropout = sl->drop_left > 0u;
        return;
    }
    if (!is_impulse(sl)) {
        return;
    }
    if (sl->since_impulse < UINT32_MAX) {
        sl->since_impulse++;
    }
    if (!sl->turning) {
        if (!generating(sl)) {
            slot_clear(sl);
            sl->n_gone++;
        }
        return;
    }
    if (sl->src.kind == LK_SIM_SRC_CRANK) {
        sl->pending_j += impulse_avg_w(sl) * DT_S;
    }
    if (sl->src.fatigue_s != 0u) {
        sl->fatigue *= exp_neg_small(1.0 / ((double)sl->src.fatigue_s * 1000.0));
    }
    sl->phase += sl->src.rate_mhz;
    if (sl->phase >= 1000000u) {
        sl->phase -= 1000000u;
        if (sl->src.kind == LK_SIM_SRC_CRANK) {
            *impulse_j = sl->pending_j;
            sl->pending_j = 0.0;
        } else {
            *impulse_j = (double)sl->src.impulse_uj * 1e-6 * (double)sl->src.eff_pct / 100.0 *
                         sl->fatigue;
        }
        sl->n_impulses++;
        sl->since_impulse = 0;
        sl->had_impulse = 1;
    }
}

/* USB / 9 V input current that delivers p_in watts: the smaller root of
 * p = (Voc - I R) I. */
static double in_current(const struct lk_sim_pw_slot *sl, double p_in)
{
    double voc = (double)sl->src.mv / 1000.0;
    double r = (double)sl->src.mohm / 1000.0;
    double d = voc * voc - 4.0 * r * p_in;

    if (p_in <= 0.0) {
        return 0.0;
    }
    return 2.0 * p_in / (voc + sqrt_d(d, voc));
}

void lk_sim_pw_step(struct lk_sim *s, uint32_t motor_ma)
{
    struct lk_sim_pw *pw = &s->pw;
    double c = cap_f(pw);
    double v0 = pw->v;
    double vmax = (double)pw->cfg.cap_max_mv / 1000.0;
    double voc = (double)pw->cfg.main_mv / 1000.0;
    double rm = (double)pw->cfg.main_mohm / 1000.0;
    double impulse[LK_PSRC_COUNT_];
    double avail[LK_PSRC_COUNT_];
    double p_e = 0.0;
    double p_l = 0.0;
    double p_m;
    double e;
    double e_emerg;
    double e_main = 0.0;
    double v1;
    double v2;
    double f;
    double i_main = 0.0;
    double i_charge;
    int p;
    int l;

    /* sources: timers, then what each could deliver */
    for (p = LK_PSRC_USB; p <= LK_PSRC_WIRELESS; p++) {
        struct lk_sim_pw_slot *sl = &pw->src[p];

        slot_tick(s, sl, &impulse[p]);
        avail[p] = avail_w(pw, sl);
        sl->avail_mw = to_milli(avail[p]);
        sl->mw = 0;
        if (!is_impulse(sl) && connected(pw, p)) {
            p_e += avail[p];
        }
    }

    /* loads: the MCU and the sheddable loads run from 2 V up */
    if (v0 >= BROWNOUT_V) {
        uint32_t ma = pw->cfg.mcu_ma;

        for (l = 0; l < LK_LOAD_COUNT_; l++) {
            if (pw->load_on[l]) {
                ma += pw->cfg.load_ma[l];
            }
        }
        p_l = LOAD_V * (double)ma / 1000.0;
    }
    p_m = v0 * (double)motor_ma / 1000.0;

    /* continuous inputs and the drains, as energy */
    e = 0.5 * c * v0 * v0 + (p_e - p_l - p_m) * DT_S;
    if (e < 0.0) {
        /* the node ran dry within this ms: the drains got what there was */
        double want = (p_l + p_m) * DT_S;
        double k = (want > 0.0) ? (want + e) / want : 0.0;

        p_l *= k;
        p_m *= k;
        e = 0.0;
    }
    v1 = sqrt_d(2.0 * e / c, v0);

    /* the main battery through its ideal diode (backward Euler: stable for
     * any R C) */
    v2 = v1;
    if (voc > v1) {
        double a = DT_S / (rm * c);

        v2 = (v1 + a * voc) / (1.0 + a);
        e_main = 0.5 * c * (v2 * v2 - v1 * v1);
        i_main = (voc - v2) / rm;
    }

    /* the charger stops at cap_max: the emergency inputs give way first */
    e_emerg = p_e * DT_S;
    if (v2 > vmax) {
        double x = 0.5 * c * (v2 * v2 - vmax * vmax);
        double cut = (x < e_emerg) ? x : e_emerg;

        e_emerg -= cut;
        x -= cut;
        if (x > 0.0 && e_main > 0.0) {
            double k = (x < e_main) ? (e_main - x) / e_main : 0.0;

            e_main *= k;
            i_main *= k;
        }
        v2 = vmax;
    }
    f = (p_e > 0.0) ? e_emerg / (p_e * DT_S) : 0.0;

    /* what each continuous input delivered, and the current it gave */
    for (p = LK_PSRC_USB; p <= LK_PSRC_WIRELESS; p++) {
        struct lk_sim_pw_slot *sl = &pw->src[p];
        double pn;

        if (sl->state == LK_SIM_SS_ABSENT || is_impulse(sl)) {
            continue;
        }
        sl->in_a = 0.0;
        if (!connected(pw, p) || avail[p] <= 0.0) {
            pn = 0.0;
        } else {
            pn = f * avail[p];
            sl->acc_j += pn * DT_S;
            if (is_resistive(sl)) {
                sl->in_a = in_current(sl, pn / eff_of(pw, sl));
            } else {
                sl->in_a = pn / eff_of(pw, sl) / ((double)sl->src.mv / 1000.0);
            }
        }
        sl->mw = to_milli(pn);
        sl->uj = (uint64_t)(sl->acc_j * 1e6);
        /* USB auto-off: the bank's output stayed under off_ma for off_ms */
        if (sl->src.kind == LK_SIM_SRC_USB && sl->state == LK_SIM_SS_ON) {
            if (sl->in_a * 1000.0 < (double)sl->src.off_ma) {
                sl->low_ms++;
            } else {
                sl->low_ms = 0;
            }
            if (sl->low_ms >= sl->src.off_ms) {
                sl->state = LK_SIM_SS_OFF;
                sl->in_a = 0.0;
                sl->n_offs++;
            }
        }
    }

    /* crank / shake impulses, up to what the node takes below cap_max */
    for (p = LK_PSRC_USB; p <= LK_PSRC_WIRELESS; p++) {
        struct lk_sim_pw_slot *sl = &pw->src[p];
        double room;
        double take;

        if (impulse[p] <= 0.0) {
            continue;
        }
        take = 0.0;
        if (connected(pw, p)) {
            room = 0.5 * c * (vmax * vmax - v2 * v2);
            take = (impulse[p] < room) ? impulse[p] : room;
            if (take < 0.0) {
                take = 0.0;
            }
            v2 = sqrt_d(v2 * v2 + 2.0 * take / c, v2);
            if (v2 > vmax) {
                v2 = vmax;
            }
        }
        sl->acc_j += take;
        sl->uj = (uint64_t)(sl->acc_j * 1e6);
        sl->lost_uj += (uint64_t)((impulse[p] - take) * 1e6 + 0.5);
        sl->mw = to_milli(take / DT_S);
    }

    /* bookkeeping */
    pw->main_j += e_main;
    pw->main_uj = (int64_t)(pw->main_j * 1e6);
    pw->main_ma = to_milli(i_main);
    pw->main_mv = to_milli(voc - i_main * rm);
    pw->load_j += p_l * DT_S;
    pw->load_uj = (uint64_t)(pw->load_j * 1e6);
    pw->load_mw = to_milli(p_l);
    pw->motor_j += p_m * DT_S;
    pw->motor_uj = (uint64_t)(pw->motor_j * 1e6);
    pw->motor_ma = motor_ma;
    i_charge = c * (v2 - v0) / DT_S;
    pw->charge_avg_a += (i_charge - pw->charge_avg_a) / CHARGE_AVG_MS;
    pw->charge_ma = to_milli(pw->charge_avg_a);
    pw->v = v2;
    pw->motor_mv = lk_sim_pw_motor_mv(s, motor_ma);
    if (v2 < BROWNOUT_V) {
        if (!pw->browned) {
            pw->n_brownouts++;
        }
        pw->browned = 1;
    } else {
        pw->browned = 0;
    }
    refresh_readings(pw);
}

uint32_t lk_sim_pw_motor_mv(const struct lk_sim *s, uint32_t load_ma)
{
    double v = s->pw.v - (double)load_ma / 1000.0 * (double)s->pw.cfg.cap_esr_mohm / 1000.0;

    return to_milli(v);
}

uint32_t lk_sim_pw_stall_ma(const struct lk_sim *s, uint32_t stall_ma_6v)
{
    /* I = stall x V / 6 V with V = Vnode - I ESR */
    double k = (double)stall_ma_6v / 1000.0 / 6.0; /* A per V */
    double v = s->pw.v / (1.0 + k * (double)s->pw.cfg.cap_esr_mohm / 1000.0);

    return to_milli(k * v);
}

int lk_sim_pw_read(struct lk_sim *s, int source, struct lk_power_sample *out)
{
    const struct lk_sim_pw *pw = &s->pw;

    if (source == LK_PSRC_MAIN) {
        out->mv = pw->main_mv;
        out->ma = (int32_t)pw->main_ma;
    } else if (source == LK_PSRC_RESERVE) {
        out->mv = pw->node_mv;
        out->ma = (int32_t)pw->charge_ma;
    } else {
        out->mv = pw->src[source].mv;
        out->ma = pw->src[source].ma;
    }
    return LK_OK;
}

uint32_t lk_sim_pw_presence(const struct lk_sim *s)
{
    uint32_t bits = (s->pw.main_mv != 0u) ? 1u : 0u;
    int p;

    for (p = LK_PSRC_USB; p <= LK_PSRC_WIRELESS; p++) {
        if (s->pw.src[p].mv != 0u) {
            bits |= 1u << p;
        }
    }
    return bits;
}

static int sim_select(void *ctx, int source)
{
    struct lk_sim *s = sim_of(ctx);

    if (source < 0 || source >= LK_PSRC_COUNT_) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    s->pw.selected = source;
    s->pw.n_selects++;
    refresh_readings(&s->pw);
    return LK_OK;
}

static int sim_load(void *ctx, int load, int on)
{
    struct lk_sim *s = sim_of(ctx);

    if (load < 0 || load >= LK_LOAD_COUNT_ || (on != 0 && on != 1)) {
        s->violations++;
        return LK_ERR_INVAL;
    }
    s->pw.load_on[load] = (uint8_t)on;
    s->pw.n_load_calls++;
    return LK_OK;
}

void lk_sim_source_default(struct lk_sim_source *s, int kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    switch (kind) {
    case LK_SIM_SRC_USB:
        s->mv = 5000;
        s->mohm = 200;
        s->limit_ma = 500;
        s->attach_ms = 300;
        s->off_ma = 100;
        s->off_ms = 30000;
        break;
    case LK_SIM_SRC_BAT9V:
        s->mv = 9400;
        s->mohm = 2000;
        s->dropout_per_min = 30;
        s->dropout_ms = 20;
        break;
    case LK_SIM_SRC_CRANK:
        s->mv = 6000;
        s->power_mw = 500;
        s->rate_mhz = 2000;
        s->eff_pct = 70;
        s->fatigue_s = 60;
        break;
    case LK_SIM_SRC_SHAKE:
        s->mv = 6000;
        s->impulse_uj = 30000;
        s->rate_mhz = 3000;
        s->eff_pct = 60;
        break;
    case LK_SIM_SRC_WIRELESS:
        s->mv = 5000;
        s->power_mw = 2000;
        s->attach_ms = 1200;
        break;
    default:
        break;
    }
}

void lk_sim_power_default(struct lk_sim_power_config *c)
{
    memset(c, 0, sizeof *c);
    c->cap_uf = 1000000;
    c->cap_max_mv = 5000;
    c->cap_esr_mohm = 100;
    c->main_mv = 3800;
    c->main_mohm = 2000;
    c->in_limit_ma = 500;
    c->eff_pct = 80;
    c->motor_min_mv = 3600;
    c->mcu_ma = 5;
    c->load_ma[LK_LOAD_RADIO] = 15;
    c->load_ma[LK_LOAD_VOICE] = 20;
    c->load_ma[LK_LOAD_BACKLIGHT] = 30;
    c->load_ma[LK_LOAD_FINGERPRINT] = 20;
    c->switched = 0;
}

static int in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi;
}

int lk_sim_power_enable(struct lk_sim *sim, const struct lk_sim_power_config *c)
{
    struct lk_sim_power_config def;
    struct lk_sim_pw *pw;
    int fault[LK_PSRC_COUNT_];
    int l;

    if (sim == NULL) {
        return LK_ERR_INVAL;
    }
    if (c == NULL) {
        lk_sim_power_default(&def);
        c = &def;
    }
    if (!in_range(c->cap_uf, 1000u, 100000000u) || !in_range(c->cap_max_mv, 1000u, 20000u) ||
        c->cap_esr_mohm > 10000u || c->main_mv > 60000u ||
        !in_range(c->main_mohm, 1u, 1000000u) || !in_range(c->in_limit_ma, 1u, 20000u) ||
        !in_range(c->eff_pct, 1u, 100u) || !in_range(c->motor_min_mv, 1u, 60000u) ||
        c->mcu_ma > 1000u || (c->switched != 0 && c->switched != 1)) {
        return LK_ERR_INVAL;
    }
    for (l = 0; l < LK_LOAD_COUNT_; l++) {
        if (c->load_ma[l] > 5000u) {
            return LK_ERR_INVAL;
        }
    }
    pw = &sim->pw;
    memcpy(fault, pw->fault, sizeof fault); /* faults may be set before */
    memset(pw, 0, sizeof *pw);
    memcpy(pw->fault, fault, sizeof fault);
    pw->enabled = 1;
    pw->cfg = *c;
    pw->v = (double)((c->main_mv < c->cap_max_mv) ? c->main_mv : c->cap_max_mv) / 1000.0;
    pw->browned = pw->v < BROWNOUT_V;
    pw->selected = LK_PSRC_MAIN;
    for (l = 0; l < LK_LOAD_COUNT_; l++) {
        pw->load_on[l] = 1;
    }
    pw->rng = sim->cfg.seed ^ 0x6A09E667u; /* its own stream: sources leave lockcore's entropy alone */
    if (pw->rng == 0u) {
        pw->rng = 0x6A09E667u;
    }
    pw->main_mv = c->main_mv;
    refresh_readings(pw);
    sim->port.load_enable = sim_load;
    sim->port.source_select = c->switched ? sim_select : NULL;
    return LK_OK;
}

static int source_ok(const struct lk_sim_source *s)
{
    int k = s->kind;

    if (!in_range(s->mv, 1u, 60000u) || s->hold_ms > 0x7FFFFFFFu ||
        s->attach_ms > 60000u) {
        return 0;
    }
    if ((k == LK_SIM_SRC_USB || k == LK_SIM_SRC_BAT9V || k == LK_SIM_SRC_WIRELESS) &&
        s->eff_pct > 100u) {
        return 0;
    }
    switch (k) {
    case LK_SIM_SRC_USB:
        return in_range(s->mohm, 1u, 1000000u) && in_range(s->limit_ma, 1u, 20000u) &&
               s->off_ma <= 20000u && in_range(s->off_ms, 1u, 3600000u);
    case LK_SIM_SRC_BAT9V:
        return in_range(s->mohm, 1u, 1000000u) && s->limit_ma <= 20000u &&
               s->dropout_per_min <= 6000u &&
               (s->dropout_per_min == 0u || in_range(s->dropout_ms, 1u, 60000u));
    case LK_SIM_SRC_CRANK:
        return in_range(s->power_mw, 1u, 100000u) && in_range(s->rate_mhz, 1u, 100000u) &&
               in_range(s->eff_pct, 1u, 100u) && s->fatigue_s <= 100000u;
    case LK_SIM_SRC_SHAKE:
        return in_range(s->impulse_uj, 1u, 100000000u) && in_range(s->rate_mhz, 1u, 100000u) &&
               in_range(s->eff_pct, 1u, 100u) && s->fatigue_s <= 100000u;
    case LK_SIM_SRC_WIRELESS:
        return in_range(s->power_mw, 1u, 100000u);
    default:
        return 0;
    }
}

int lk_sim_attach(struct lk_sim *sim, const struct lk_sim_source *src)
{
    struct lk_sim_pw_slot *sl;
    int p;

    if (sim == NULL || src == NULL || !sim->pw.enabled || !source_ok(src)) {
        return LK_ERR_INVAL;
    }
    p = slot_of_kind(src->kind);
    sl = &sim->pw.src[p];
    if (sl->state != LK_SIM_SS_ABSENT) {
        return LK_ERR_BUSY;
    }
    slot_clear(sl);
    sl->src = *src;
    if (src->attach_ms == 0u) {
        slot_start(sl);
    } else {
        sl->state = LK_SIM_SS_STARTING;
    }
    refresh_readings(&sim->pw);
    return LK_OK;
}

int lk_sim_detach(struct lk_sim *sim, int psrc)
{
    if (sim == NULL || !sim->pw.enabled || !is_slot(psrc)) {
        return LK_ERR_INVAL;
    }
    slot_clear(&sim->pw.src[psrc]);
    refresh_readings(&sim->pw);
    return LK_OK;
}

int lk_sim_set_offset(struct lk_sim *sim, uint32_t offset_um)
{
    struct lk_sim_pw_slot *sl;

    if (sim == NULL || !sim->pw.enabled) {
        return LK_ERR_INVAL;
    }
    sl = &sim->pw.src[LK_PSRC_WIRELESS];
    if (sl->state == LK_SIM_SS_ABSENT) {
        return LK_ERR_INVAL;
    }
    sl->src.offset_um = offset_um;
    refresh_readings(&sim->pw);
    return LK_OK;
}

int lk_sim_set_main(struct lk_sim *sim, uint32_t voc_mv, uint32_t mohm)
{
    if (sim == NULL || !sim->pw.enabled || voc_mv > 60000u || !in_range(mohm, 1u, 1000000u)) {
        return LK_ERR_INVAL;
    }
    sim->pw.cfg.main_mv = voc_mv;
    sim->pw.cfg.main_mohm = mohm;
    /* Read as the diode has it from this moment: a pack above the node
     * conducts at once and reads the node's voltage; below it, its Voc. */
    if (voc_mv > sim->pw.node_mv) {
        sim->pw.main_mv = sim->pw.node_mv;
        sim->pw.main_ma = (uint32_t)(((uint64_t)(voc_mv - sim->pw.node_mv) * 1000u) / mohm);
    } else {
        sim->pw.main_mv = voc_mv;
        sim->pw.main_ma = 0;
    }
    return LK_OK;
}

int lk_sim_set_node(struct lk_sim *sim, uint32_t mv)
{
    if (sim == NULL || !sim->pw.enabled || mv > sim->pw.cfg.cap_max_mv) {
        return LK_ERR_INVAL;
    }
    sim->pw.v = (double)mv / 1000.0;
    sim->pw.node_mv = mv;
    return LK_OK;
}

int lk_sim_power_fault(struct lk_sim *sim, int psrc, int fault)
{
    if (sim == NULL || psrc < 0 || psrc >= LK_PSRC_COUNT_ || fault < LK_SIM_PWF_NONE ||
        fault > LK_SIM_PWF_POSITIVE) {
        return LK_ERR_INVAL;
    }
    sim->pw.fault[psrc] = fault;
    return LK_OK;
}

uint32_t lk_sim_reserve_uj(const struct lk_sim *sim, uint32_t floor_mv)
{
    double f = (double)floor_mv / 1000.0;
    double uj;

    if (sim == NULL || !sim->pw.enabled || sim->pw.v <= f) {
        return 0;
    }
    uj = 0.5 * (double)sim->pw.cfg.cap_uf * (sim->pw.v * sim->pw.v - f * f);
    if (uj >= 4294967295.0) {
        return UINT32_MAX;
    }
    return (uint32_t)uj;
}
