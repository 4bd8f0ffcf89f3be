/* The sim's power model (ports/sim/lk_sim_power.h) against the physics it
 * claims: charge times, limits, auto-off, dropouts, generators, wireless
 * offset, the ideal diode of the main battery, the motor on a draining
 * reserve, switched boards, fault injection, determinism. The sim alone, no
 * lock, except where lk_sim_run's polling is the subject. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static struct lk_sim sim;
static struct fixture f;

static void setup(void)
{
    memset(&sim, 0, sizeof sim);
}

TestSuite(sim_power, .init = setup);

/* Default board with no MCU or load current: the node sees the sources only. */
static void quiet_config(struct lk_sim_power_config *pc)
{
    int l;

    lk_sim_power_default(pc);
    pc->mcu_ma = 0;
    for (l = 0; l < LK_LOAD_COUNT_; l++) {
        pc->load_ma[l] = 0;
    }
}

static void start(const struct lk_sim_power_config *pc, uint32_t seed)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.seed = seed;
    cr_assert_eq(lk_sim_init(&sim, &c), LK_OK);
    cr_assert_eq(lk_sim_power_enable(&sim, pc), LK_OK);
}

static struct lk_power_sample rd(int src)
{
    struct lk_power_sample s;

    cr_assert_eq(sim.port.power_read(sim.port.ctx, src, &s), LK_OK, "power_read(%d)", src);
    return s;
}

static void attach_default(int kind)
{
    struct lk_sim_source s;

    lk_sim_source_default(&s, kind);
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
}

/* ms until the node reaches mv, stepping at most limit ms. */
static uint32_t ms_until_node(uint32_t mv, uint32_t limit)
{
    uint32_t t = 0;

    while (sim.pw.node_mv < mv && t < limit) {
        lk_sim_step(&sim, 1);
        t++;
    }
    return t;
}

static void assert_near(double got, double want, double tol_pct, const char *what)
{
    double d = got - want;

    if (d < 0) {
        d = -d;
    }
    cr_assert_leq(d, want * tol_pct / 100.0, "%s: %.4f, want %.4f (+-%.1f %%)", what, got, want,
                  tol_pct);
}

#define E_MINUS_1 0.36787944117144233

/* 1/2 C (V1^2 - V0^2), J */
static double half_cv2(double c_f, double v0, double v1)
{
    return 0.5 * c_f * (v1 * v1 - v0 * v0);
}

Test(sim_power, off_by_default_reads_as_before)
{
    struct lk_sim_source s;
    struct lk_power_sample ps;

    cr_assert_eq(lk_sim_init(&sim, NULL), LK_OK);
    cr_assert_eq(sim.pw.enabled, 0);
    cr_assert_null(sim.port.source_select);
    cr_assert_null(sim.port.load_enable);
    ps = rd(LK_PSRC_MAIN);
    cr_assert_eq(ps.mv, 6000u);
    cr_assert_eq(ps.ma, 0);
    ps = rd(LK_PSRC_USB);
    cr_assert_eq(ps.mv, 0u);
    ps = rd(LK_PSRC_RESERVE);
    cr_assert_eq(ps.mv, 0u);
    lk_sim_source_default(&s, LK_SIM_SRC_USB);
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_ERR_INVAL, "no sources without the model");
    cr_assert_eq(lk_sim_detach(&sim, LK_PSRC_USB), LK_ERR_INVAL);
    cr_assert_eq(lk_sim_set_main(&sim, 3000, 100), LK_ERR_INVAL);
    cr_assert_eq(lk_sim_reserve_uj(&sim, 0), 0u);
    /* the motor still runs on cfg.supply_mv: 600 ms stroke at 6 V */
    cr_assert_eq(sim.port.motor_drive(sim.port.ctx, LK_MOTOR_RETRACT), LK_OK);
    lk_sim_step(&sim, 601);
    cr_assert_eq(lk_sim_bolt_level(&sim), LK_BOLT_RETRACTED);
}

Test(sim_power, enable_checks_its_config)
{
    struct lk_sim_power_config pc;

    cr_assert_eq(lk_sim_init(&sim, NULL), LK_OK);
    lk_sim_power_default(&pc);
    pc.cap_uf = 999;
    cr_assert_eq(lk_sim_power_enable(&sim, &pc), LK_ERR_INVAL);
    lk_sim_power_default(&pc);
    pc.eff_pct = 0;
    cr_assert_eq(lk_sim_power_enable(&sim, &pc), LK_ERR_INVAL);
    lk_sim_power_default(&pc);
    pc.main_mohm = 0;
    cr_assert_eq(lk_sim_power_enable(&sim, &pc), LK_ERR_INVAL);
    lk_sim_power_default(&pc);
    pc.switched = 2;
    cr_assert_eq(lk_sim_power_enable(&sim, &pc), LK_ERR_INVAL);
    cr_assert_eq(sim.pw.enabled, 0);
    cr_assert_eq(lk_sim_power_enable(&sim, NULL), LK_OK);
    cr_assert_eq(sim.pw.enabled, 1);
    cr_assert_eq(sim.pw.node_mv, 3800u, "starts at the main battery's Voc");
    cr_assert_eq(rd(LK_PSRC_RESERVE).mv, 3800u);
    cr_assert_eq(rd(LK_PSRC_MAIN).mv, 3800u);
    cr_assert_not_null(sim.port.load_enable);
    cr_assert_null(sim.port.source_select, "diode-OR by default");
}

Test(sim_power, start_voltage_capped_at_cap_max)
{
    struct lk_sim_power_config pc;

    lk_sim_power_default(&pc);
    pc.main_mv = 6000;
    start(&pc, 1);
    cr_assert_eq(sim.pw.node_mv, 5000u);
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.node_mv, 5000u, "the main battery does not push past cap_max");
}

Test(sim_power, attach_checks_its_source)
{
    struct lk_sim_source s;

    start(NULL, 1);
    lk_sim_source_default(&s, LK_SIM_SRC_USB);
    s.mohm = 0;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_ERR_INVAL);
    lk_sim_source_default(&s, 9);
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_ERR_INVAL);
    lk_sim_source_default(&s, LK_SIM_SRC_CRANK);
    s.rate_mhz = 0;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_ERR_INVAL);
    attach_default(LK_SIM_SRC_CRANK);
    lk_sim_source_default(&s, LK_SIM_SRC_SHAKE);
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_ERR_BUSY, "shake shares the crank's slot");
    cr_assert_eq(lk_sim_detach(&sim, LK_PSRC_CRANK), LK_OK);
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    cr_assert_eq(lk_sim_detach(&sim, LK_PSRC_MAIN), LK_ERR_INVAL);
    cr_assert_eq(lk_sim_detach(&sim, LK_PSRC_RESERVE), LK_ERR_INVAL);
    cr_assert_eq(lk_sim_set_offset(&sim, 1000), LK_ERR_INVAL, "no phone attached");
}

/* USB at the 500 mA input limit: P = (5 V - 0.5 A x 0.2 Ohm) x 0.5 A = 2.45 W,
 * 80 % into 1 F: 3.8 V -> 5.0 V in 5.28 J / 1.96 W = 2.69 s after the
 * 300 ms debounce. */
Test(sim_power, usb_charges_at_the_input_limit)
{
    struct lk_sim_power_config pc;
    struct lk_power_sample ps;
    double want_s = half_cv2(1.0, 3.8, 5.0) / (4.9 * 0.5 * 0.8);
    uint32_t t;

    quiet_config(&pc);
    start(&pc, 1);
    attach_default(LK_SIM_SRC_USB);
    lk_sim_step(&sim, 299);
    ps = rd(LK_PSRC_USB);
    cr_assert_eq(ps.mv, 0u, "debounce: reads 0");
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].uj, 0u, "debounce: delivers nothing");
    cr_assert_eq(sim.pw.node_mv, 3800u);
    lk_sim_step(&sim, 1);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].state, LK_SIM_SS_ON);
    ps = rd(LK_PSRC_USB);
    cr_assert_eq(ps.mv, 4900u, "terminal voltage Voc - I R");
    cr_assert_eq(ps.ma, 500);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].avail_mw, 1960u);
    t = 1 + ms_until_node(5000, 10000);
    assert_near(t / 1000.0, want_s, 2.0, "charge time, s");
    assert_near(sim.pw.src[LK_PSRC_USB].uj / 1e6, half_cv2(1.0, 3.8, 5.0), 1.0, "energy in, J");
    cr_assert_gt(rd(LK_PSRC_RESERVE).ma, 0, "charge current while charging");
    /* full: the charger stops, the bank gives (next to) nothing */
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.node_mv, 5000u);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 0);
    cr_assert_eq(rd(LK_PSRC_USB).mv, 5000u);
    cr_assert_eq(rd(LK_PSRC_RESERVE).ma, 0);
    cr_assert_eq(lk_sim_reserve_uj(&sim, 3800), 5280000u);
}

/* A bank limited to 100 mA (below in_limit_ma): P = 4.98 V x 0.1 A x 0.8. */
Test(sim_power, usb_bank_limit_below_the_input_limit)
{
    struct lk_sim_power_config pc;
    struct lk_sim_source s;
    double want_s = half_cv2(1.0, 3.8, 5.0) / (4.98 * 0.1 * 0.8);
    uint32_t t;

    quiet_config(&pc);
    start(&pc, 1);
    lk_sim_source_default(&s, LK_SIM_SRC_USB);
    s.limit_ma = 100;
    s.off_ma = 50;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    lk_sim_step(&sim, 300);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 100);
    cr_assert_eq(rd(LK_PSRC_USB).mv, 4980u);
    t = 300 + ms_until_node(5000, 30000);
    assert_near(t / 1000.0, want_s + 0.3, 2.0, "charge time, s");
}

/* Once the cap is full the bank supplies only the loads (~75 mA < 100 mA)
 * and switches itself off after off_ms. */
Test(sim_power, usb_auto_off_once_the_cap_is_full)
{
    uint32_t t_full;
    uint32_t t;

    start(NULL, 1); /* MCU and all loads on: 90 mA at 3.3 V */
    attach_default(LK_SIM_SRC_USB);
    lk_sim_step(&sim, 300);
    t_full = 300 + ms_until_node(5000, 10000);
    cr_assert_lt(t_full, 10000u);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].low_ms, 0u, "drew 500 mA while charging");
    lk_sim_step(&sim, 5);
    cr_assert_lt(rd(LK_PSRC_USB).ma, 100);
    cr_assert_gt(rd(LK_PSRC_USB).ma, 60, "the loads' 297 mW / 80 %% / 5 V");
    t = 5;
    while (sim.pw.src[LK_PSRC_USB].state == LK_SIM_SS_ON && t < 60000u) {
        lk_sim_step(&sim, 1);
        t++;
    }
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].state, LK_SIM_SS_OFF);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].n_offs, 1u);
    cr_assert_geq(t, 29990u, "off %u ms after full", t);
    cr_assert_leq(t, 30010u, "off %u ms after full", t);
    cr_assert_eq(rd(LK_PSRC_USB).mv, 0u);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 0);
    /* off stays off: the node drains into the loads */
    lk_sim_step(&sim, 2000);
    cr_assert_lt(sim.pw.node_mv, 5000u);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].mw, 0u);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].avail_mw, 0u);
    cr_assert_eq(lk_sim_attach(&sim, &sim.pw.src[LK_PSRC_USB].src), LK_ERR_BUSY,
                 "still plugged in");
    /* unplug, plug again: a new debounce, then it charges */
    cr_assert_eq(lk_sim_detach(&sim, LK_PSRC_USB), LK_OK);
    attach_default(LK_SIM_SRC_USB);
    lk_sim_step(&sim, 301);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 500);
}

/* A load above off_ma keeps the bank on. */
Test(sim_power, usb_stays_on_while_the_draw_is_high)
{
    struct lk_sim_power_config pc;

    lk_sim_power_default(&pc);
    pc.load_ma[LK_LOAD_BACKLIGHT] = 150; /* 210 mA at 3.3 V: ~175 mA from the bank */
    start(&pc, 1);
    attach_default(LK_SIM_SRC_USB);
    lk_sim_step(&sim, 60000);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].state, LK_SIM_SS_ON);
    cr_assert_eq(sim.pw.node_mv, 5000u);
    cr_assert_gt(rd(LK_PSRC_USB).ma, 150);
    /* shedding the backlight lets it drop under off_ma: off 30 s later */
    cr_assert_eq(sim.port.load_enable(sim.port.ctx, LK_LOAD_BACKLIGHT, 0), LK_OK);
    lk_sim_step(&sim, 29000);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].state, LK_SIM_SS_ON);
    lk_sim_step(&sim, 2000);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].state, LK_SIM_SS_OFF);
}

/* 9 V contact dropouts: ~30 a minute, 20 ms each, reading 0 and delivering
 * nothing meanwhile. */
Test(sim_power, bat9v_dropouts_at_the_configured_rate)
{
    uint32_t zero_ms = 0;
    uint32_t t;
    uint32_t n;
    uint32_t seed;

    start(NULL, 1);
    attach_default(LK_SIM_SRC_BAT9V);
    cr_assert_eq(rd(LK_PSRC_BAT9V).mv, 9400u, "no debounce: open circuit at once");
    for (t = 0; t < 60000u; t++) {
        struct lk_power_sample ps;
        const struct lk_sim_pw_slot *sl = &sim.pw.src[LK_PSRC_BAT9V];

        lk_sim_step(&sim, 1);
        ps = rd(LK_PSRC_BAT9V);
        if (sl->dropout) {
            cr_assert_eq(ps.mv, 0u, "dropout reads 0 mV");
            cr_assert_eq(ps.ma, 0);
            cr_assert_eq(sl->mw, 0u, "dropout delivers nothing");
            cr_assert_eq(sl->avail_mw, 0u);
            zero_ms++;
        } else {
            cr_assert_gt(ps.mv, 8000u);
        }
    }
    n = sim.pw.src[LK_PSRC_BAT9V].n_dropouts;
    cr_assert_geq(n, 18u, "%u dropouts in a minute, want ~30", n);
    cr_assert_leq(n, 42u, "%u dropouts in a minute, want ~30", n);
    cr_assert_geq(zero_ms, 20u * n - 20u, "20 ms each");
    cr_assert_leq(zero_ms, 20u * n);

    /* the rate over 5 x 10 minutes: 30 per minute of contact (a dropout
     * cannot start during one): 6e5 ms / (2000 + 20) ms = 297 each */
    n = 0;
    for (seed = 1; seed <= 5; seed++) {
        start(NULL, seed);
        attach_default(LK_SIM_SRC_BAT9V);
        lk_sim_step(&sim, 600000);
        n += sim.pw.src[LK_PSRC_BAT9V].n_dropouts;
    }
    assert_near(n, 5.0 * 297.0, 6.0, "dropouts in 50 minutes");
}

Test(sim_power, bat9v_fresh_at_the_input_limit)
{
    struct lk_sim_power_config pc;
    struct lk_sim_source s;

    quiet_config(&pc);
    start(&pc, 1);
    lk_sim_source_default(&s, LK_SIM_SRC_BAT9V);
    s.dropout_per_min = 0;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    lk_sim_step(&sim, 1);
    cr_assert_eq(rd(LK_PSRC_BAT9V).ma, 500);
    cr_assert_eq(rd(LK_PSRC_BAT9V).mv, 8400u);
    cr_assert_eq(sim.pw.src[LK_PSRC_BAT9V].mw, 3360u, "8.4 V x 0.5 A x 80 %%");
}

/* An old 9 V (20 Ohm): the converter stops at the max-power point,
 * Voc / 2R = 235 mA, delivering Voc^2 / 4R x 80 % = 0.884 W. */
Test(sim_power, bat9v_old_delivers_its_max_power)
{
    struct lk_sim_power_config pc;
    struct lk_sim_source s;

    quiet_config(&pc);
    pc.cap_uf = 10000000; /* 10 F: not full within the test */
    start(&pc, 1);
    lk_sim_source_default(&s, LK_SIM_SRC_BAT9V);
    s.mohm = 20000;
    s.dropout_per_min = 0;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    lk_sim_step(&sim, 10000);
    cr_assert_eq(rd(LK_PSRC_BAT9V).ma, 235);
    cr_assert_eq(rd(LK_PSRC_BAT9V).mv, 4700u);
    assert_near(sim.pw.src[LK_PSRC_BAT9V].uj / 1e6, 9.4 * 9.4 / (4.0 * 20.0) * 0.8 * 10.0, 0.5,
                "energy in 10 s, J");
}

/* Crank: 500 mW x 70 % with fatigue e^(-t/60 s): over 60 s the node gets
 * 0.35 W x 60 s x (1 - 1/e) = 13.27 J, in 120 impulses. */
Test(sim_power, crank_energy_follows_the_fatigue_integral)
{
    struct lk_sim_power_config pc;
    double want = 0.5 * 0.7 * 60.0 * (1.0 - E_MINUS_1);
    double v0;

    quiet_config(&pc);
    pc.cap_uf = 10000000;
    start(&pc, 1);
    v0 = sim.pw.v;
    attach_default(LK_SIM_SRC_CRANK);
    lk_sim_step(&sim, 499);
    cr_assert_eq(rd(LK_PSRC_CRANK).mv, 0u, "no turn completed yet");
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].uj, 0u);
    cr_assert_eq(sim.pw.node_mv, 3800u);
    lk_sim_step(&sim, 1);
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].n_impulses, 1u);
    cr_assert_gt(sim.pw.src[LK_PSRC_CRANK].uj, 170000u, "one impulse of ~0.175 J");
    cr_assert_eq(rd(LK_PSRC_CRANK).mv, 6000u);
    cr_assert_eq(rd(LK_PSRC_CRANK).ma, 58, "350 mW / 6 V");
    lk_sim_step(&sim, 59500);
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].n_impulses, 120u);
    assert_near(sim.pw.src[LK_PSRC_CRANK].uj / 1e6, want, 1.0, "crank energy in 60 s, J");
    assert_near(half_cv2(10.0, v0, sim.pw.v), want, 1.0, "energy stored in the node, J");
    cr_assert_eq(rd(LK_PSRC_CRANK).ma, 21, "350 mW / e / 6 V after 60 s of fatigue");
}

Test(sim_power, crank_reading_fades_after_the_person_stops)
{
    struct lk_sim_source s;
    uint32_t t = 0;

    start(NULL, 1);
    lk_sim_source_default(&s, LK_SIM_SRC_CRANK);
    s.hold_ms = 10000;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    lk_sim_step(&sim, 10000);
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].turning, 0);
    cr_assert_eq(rd(LK_PSRC_CRANK).mv, 6000u, "still reads right after stopping");
    while (rd(LK_PSRC_CRANK).mv != 0u && t < 5000u) {
        lk_sim_step(&sim, 1);
        t++;
    }
    /* last impulse at 9500 ms: reads until 1.5 periods (750 ms) later */
    cr_assert_eq(t, 251u, "reading gone %u ms after the stop", t);
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].state, LK_SIM_SS_ABSENT);
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].n_gone, 1u);
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].n_impulses, 19u, "the totals stay");
    cr_assert_eq(rd(LK_PSRC_CRANK).ma, 0);
}

/* Shaken handle: 30 mJ x 3 /s x 60 % = 54 mW into the node. */
Test(sim_power, shake_energy_per_second)
{
    struct lk_sim_power_config pc;

    quiet_config(&pc);
    pc.cap_uf = 10000000;
    start(&pc, 1);
    attach_default(LK_SIM_SRC_SHAKE);
    lk_sim_step(&sim, 10000);
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].n_impulses, 30u);
    assert_near(sim.pw.src[LK_PSRC_CRANK].uj / 1e6 / 10.0, 0.054, 0.5, "J per second");
    cr_assert_eq(sim.pw.src[LK_PSRC_CRANK].avail_mw, 54u);
    cr_assert_eq(rd(LK_PSRC_CRANK).mv, 6000u, "reads like the crank");
    cr_assert_eq(rd(LK_PSRC_CRANK).ma, 9, "54 mW / 6 V");
}

/* Wireless: nothing during the 1.2 s handshake; 2 W x 80 % aligned,
 * x (1 - offset/10 mm)^2 with offset, nothing from 10 mm. */
Test(sim_power, wireless_handshake_and_offset)
{
    struct lk_sim_power_config pc;
    uint64_t e0;

    quiet_config(&pc);
    pc.cap_uf = 10000000;
    start(&pc, 1);
    attach_default(LK_SIM_SRC_WIRELESS);
    lk_sim_step(&sim, 1199);
    cr_assert_eq(rd(LK_PSRC_WIRELESS).mv, 0u, "handshake reads 0");
    cr_assert_eq(sim.pw.src[LK_PSRC_WIRELESS].uj, 0u, "handshake delivers nothing");
    cr_assert_eq(sim.pw.src[LK_PSRC_WIRELESS].state, LK_SIM_SS_STARTING);
    lk_sim_step(&sim, 1);
    cr_assert_eq(rd(LK_PSRC_WIRELESS).mv, 5000u);
    cr_assert_eq(rd(LK_PSRC_WIRELESS).ma, 400, "2 W at 5 V");
    e0 = sim.pw.src[LK_PSRC_WIRELESS].uj;
    lk_sim_step(&sim, 1000);
    assert_near((double)(sim.pw.src[LK_PSRC_WIRELESS].uj - e0) / 1e6, 1.6, 0.5, "aligned, J/s");

    cr_assert_eq(lk_sim_set_offset(&sim, 5000), LK_OK);
    cr_assert_eq(sim.pw.src[LK_PSRC_WIRELESS].avail_mw, 400u, "1.6 W x (1 - 0.5)^2");
    e0 = sim.pw.src[LK_PSRC_WIRELESS].uj;
    lk_sim_step(&sim, 1000);
    assert_near((double)(sim.pw.src[LK_PSRC_WIRELESS].uj - e0) / 1e6, 0.4, 0.5,
                "5 mm off, J/s");

    cr_assert_eq(lk_sim_set_offset(&sim, 10000), LK_OK);
    e0 = sim.pw.src[LK_PSRC_WIRELESS].uj;
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.src[LK_PSRC_WIRELESS].uj, e0, "nothing at 10 mm");
    cr_assert_eq(rd(LK_PSRC_WIRELESS).mv, 0u);
    cr_assert_eq(lk_sim_set_offset(&sim, 25000), LK_OK);
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.src[LK_PSRC_WIRELESS].uj, e0, "nothing beyond");
    cr_assert_eq(lk_sim_set_offset(&sim, 0), LK_OK);
    lk_sim_step(&sim, 1);
    cr_assert_eq(rd(LK_PSRC_WIRELESS).mv, 5000u, "back on the coil");
}

/* The dead main battery (primary cells) never takes current, also with the
 * node charged far above its open-circuit voltage. */
Test(sim_power, main_battery_never_receives_current)
{
    int64_t last = 0;
    uint32_t t;

    start(NULL, 1);
    attach_default(LK_SIM_SRC_USB);
    for (t = 0; t < 20000u; t++) {
        struct lk_power_sample ps;

        lk_sim_step(&sim, 1);
        ps = rd(LK_PSRC_MAIN);
        cr_assert_geq(ps.ma, 0);
        cr_assert_geq(sim.pw.main_uj, last, "main energy fell at %u ms", t);
        if (sim.pw.node_mv > 3800u) {
            cr_assert_eq(sim.pw.main_uj, last, "main delivered above its Voc");
            cr_assert_eq(ps.ma, 0);
            cr_assert_eq(ps.mv, 3800u, "open circuit");
        }
        last = sim.pw.main_uj;
    }
    cr_assert_eq(sim.pw.node_mv, 5000u);
    /* before the bank came in, the main carried the MCU and loads */
    cr_assert_gt(sim.pw.main_uj, 0);
    /* a fresh main battery does charge a low node */
    cr_assert_eq(lk_sim_detach(&sim, LK_PSRC_USB), LK_OK);
    cr_assert_eq(lk_sim_set_node(&sim, 3000), LK_OK);
    lk_sim_step(&sim, 1);
    cr_assert_gt(rd(LK_PSRC_MAIN).ma, 300, "(3.8 - 3.0) V / 2 Ohm");
    cr_assert_lt(rd(LK_PSRC_MAIN).mv, 3100u, "terminal voltage sags under the current");
    cr_assert_gt(sim.pw.main_uj, last);
}

/* The motor on a small reserve with no main battery: the node sags below
 * motor_min under load and the bolt stops between the ends. */
Test(sim_power, motor_stalls_mid_travel_when_the_cap_runs_out)
{
    struct lk_sim_power_config pc;
    int32_t at;
    uint32_t ma;
    uint64_t node_e0;

    lk_sim_power_default(&pc);
    pc.cap_uf = 220000; /* 0.22 F */
    pc.main_mv = 0;
    start(&pc, 1);
    cr_assert_eq(lk_sim_set_node(&sim, 4200), LK_OK);
    node_e0 = lk_sim_reserve_uj(&sim, 0);
    cr_assert_eq(sim.port.motor_drive(sim.port.ctx, LK_MOTOR_RETRACT), LK_OK);
    lk_sim_step(&sim, 1000);
    at = sim.bolt_ppm;
    cr_assert_lt(at, LK_SIM_TRAVEL_FULL - LK_SIM_SWITCH_BAND, "it moved: %d", at);
    cr_assert_gt(at, LK_SIM_SWITCH_BAND, "it did not finish: %d", at);
    cr_assert_eq(lk_sim_bolt_level(&sim), LK_BOLT_BETWEEN);
    cr_assert_eq(sim.stalled, 1);
    cr_assert_lt(sim.pw.motor_mv, 3600u);
    cr_assert_eq(sim.port.motor_current_ma(sim.port.ctx, &ma), LK_OK);
    cr_assert_geq(ma + 2u, 2400u * sim.pw.motor_mv / 6000u, "stall current ~ V: %u mA", ma);
    cr_assert_leq(ma, 2400u * sim.pw.motor_mv / 6000u + 2u, "stall current ~ V: %u mA", ma);
    cr_assert_gt(sim.pw.motor_uj, 0u);
    cr_assert_leq(sim.pw.motor_uj + sim.pw.load_uj, node_e0, "energy from the node only");
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.bolt_ppm, at, "stays where it stalled");
    cr_assert_eq(sim.port.motor_drive(sim.port.ctx, LK_MOTOR_COAST), LK_OK);
}

/* Control: the same stroke from a full 5 F reserve finishes, slower than at
 * 6 V (stroke time ~ 1/V). */
Test(sim_power, motor_finishes_on_a_full_reserve)
{
    struct lk_sim_power_config pc;
    uint32_t t = 0;

    lk_sim_power_default(&pc);
    pc.cap_uf = 5000000;
    pc.main_mv = 0;
    start(&pc, 1);
    cr_assert_eq(lk_sim_set_node(&sim, 5000), LK_OK);
    cr_assert_eq(sim.port.motor_drive(sim.port.ctx, LK_MOTOR_RETRACT), LK_OK);
    while (lk_sim_bolt_level(&sim) != LK_BOLT_RETRACTED && t < 3000u) {
        lk_sim_step(&sim, 1);
        t++;
    }
    cr_assert_eq(lk_sim_bolt_level(&sim), LK_BOLT_RETRACTED);
    cr_assert_gt(t, 700u, "%u ms: slower than 600 ms at 6 V", t);
    cr_assert_lt(t, 900u, "%u ms", t);
    /* ~0.6 A x ~4.9 V x 0.75 s ~ 2.2 J */
    assert_near(sim.pw.motor_uj / 1e6, 2.2, 15.0, "stroke energy, J");
}

/* Switched board: only the selected input delivers; the others read their
 * open-circuit voltage and 0 mA. */
Test(sim_power, switched_board_only_the_selected_source_delivers)
{
    struct lk_sim_power_config pc;
    struct lk_sim_source s;
    uint64_t usb;
    uint64_t bat;

    quiet_config(&pc);
    pc.cap_uf = 10000000;
    pc.switched = 1;
    start(&pc, 1);
    cr_assert_not_null(sim.port.source_select);
    attach_default(LK_SIM_SRC_USB);
    lk_sim_source_default(&s, LK_SIM_SRC_BAT9V);
    s.dropout_per_min = 0;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    lk_sim_step(&sim, 1000);
    cr_assert_eq(rd(LK_PSRC_USB).mv, 5000u);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 0);
    cr_assert_eq(rd(LK_PSRC_BAT9V).mv, 9400u);
    cr_assert_eq(rd(LK_PSRC_BAT9V).ma, 0);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].uj + sim.pw.src[LK_PSRC_BAT9V].uj, 0u,
                 "nothing selected");
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].avail_mw, 1960u, "available all the same");

    cr_assert_eq(sim.port.source_select(sim.port.ctx, LK_PSRC_USB), LK_OK);
    lk_sim_step(&sim, 1000);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 500);
    cr_assert_eq(rd(LK_PSRC_BAT9V).mv, 9400u);
    cr_assert_eq(rd(LK_PSRC_BAT9V).ma, 0);
    cr_assert_eq(sim.pw.src[LK_PSRC_BAT9V].uj, 0u);
    assert_near(sim.pw.src[LK_PSRC_USB].uj / 1e6, 1.96, 0.5, "USB, 1 s");

    cr_assert_eq(sim.port.source_select(sim.port.ctx, LK_PSRC_BAT9V), LK_OK);
    usb = sim.pw.src[LK_PSRC_USB].uj;
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].uj, usb);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 0);
    cr_assert_eq(rd(LK_PSRC_BAT9V).ma, 500);
    assert_near(sim.pw.src[LK_PSRC_BAT9V].uj / 1e6, 3.36, 0.5, "9 V, 1 s");

    cr_assert_eq(sim.port.source_select(sim.port.ctx, LK_PSRC_RESERVE), LK_OK);
    bat = sim.pw.src[LK_PSRC_BAT9V].uj;
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.src[LK_PSRC_USB].uj, usb, "RESERVE disconnects every input");
    cr_assert_eq(sim.pw.src[LK_PSRC_BAT9V].uj, bat);

    cr_assert_eq(sim.port.source_select(sim.port.ctx, LK_PSRC_COUNT_), LK_ERR_INVAL);
    cr_assert_eq(sim.port.source_select(sim.port.ctx, -1), LK_ERR_INVAL);
    cr_assert_eq(sim.violations, 2u);
}

/* Diode-OR: every present input delivers. */
Test(sim_power, diode_or_board_every_source_delivers)
{
    struct lk_sim_power_config pc;
    struct lk_sim_source s;

    quiet_config(&pc);
    pc.cap_uf = 10000000;
    start(&pc, 1);
    cr_assert_null(sim.port.source_select);
    attach_default(LK_SIM_SRC_USB);
    lk_sim_source_default(&s, LK_SIM_SRC_BAT9V);
    s.dropout_per_min = 0;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    attach_default(LK_SIM_SRC_WIRELESS);
    lk_sim_step(&sim, 2200);
    cr_assert_eq(rd(LK_PSRC_USB).ma, 500);
    cr_assert_eq(rd(LK_PSRC_BAT9V).ma, 500);
    cr_assert_eq(rd(LK_PSRC_WIRELESS).ma, 400);
    assert_near(sim.pw.src[LK_PSRC_WIRELESS].uj / 1e6, 1.6, 0.5, "wireless, 1 s");
}

Test(sim_power, loads_switch_and_check_their_arguments)
{
    uint32_t all;

    start(NULL, 1);
    lk_sim_step(&sim, 1);
    all = sim.pw.load_mw;
    cr_assert_eq(all, 297u, "(5 + 15 + 20 + 30 + 20) mA x 3.3 V");
    cr_assert_eq(sim.port.load_enable(sim.port.ctx, LK_LOAD_BACKLIGHT, 0), LK_OK);
    lk_sim_step(&sim, 1);
    cr_assert_eq(sim.pw.load_mw, all - 99u);
    cr_assert_eq(sim.port.load_enable(sim.port.ctx, LK_LOAD_BACKLIGHT, 1), LK_OK);
    lk_sim_step(&sim, 1);
    cr_assert_eq(sim.pw.load_mw, all);
    cr_assert_eq(sim.violations, 0u);
    cr_assert_eq(sim.port.load_enable(sim.port.ctx, LK_LOAD_COUNT_, 0), LK_ERR_INVAL);
    cr_assert_eq(sim.port.load_enable(sim.port.ctx, -1, 1), LK_ERR_INVAL);
    cr_assert_eq(sim.port.load_enable(sim.port.ctx, LK_LOAD_RADIO, 2), LK_ERR_INVAL);
    cr_assert_eq(sim.violations, 3u);
}

/* Below 2 V the MCU browns out: counted once per fall, loads stop. */
Test(sim_power, brownouts_are_counted)
{
    struct lk_sim_power_config pc;

    lk_sim_power_default(&pc);
    pc.cap_uf = 22000; /* 22 mF */
    pc.main_mv = 0;
    start(&pc, 1);
    cr_assert_eq(lk_sim_set_node(&sim, 2100), LK_OK);
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.n_brownouts, 1u);
    cr_assert_eq(sim.pw.load_mw, 0u);
    cr_assert_lt(sim.pw.node_mv, 2000u);
    cr_assert_eq(lk_sim_set_node(&sim, 2100), LK_OK);
    lk_sim_step(&sim, 1000);
    cr_assert_eq(sim.pw.n_brownouts, 2u);
}

Test(sim_power, faults_are_reported_through_power_read)
{
    struct lk_power_sample ps;
    int src;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        cr_assert_eq(lk_sim_init(&sim, NULL), LK_OK);
        if (pass == 1) {
            cr_assert_eq(lk_sim_power_enable(&sim, NULL), LK_OK);
            attach_default(LK_SIM_SRC_USB);
            lk_sim_step(&sim, 400);
        }
        for (src = LK_PSRC_MAIN; src <= LK_PSRC_RESERVE; src++) {
            struct lk_power_sample good = rd(src);

            cr_assert_eq(lk_sim_power_fault(&sim, src, LK_SIM_PWF_MV_HIGH), LK_OK);
            ps = rd(src);
            cr_assert_eq(ps.mv, 60001u, "source %d", src);
            cr_assert_eq(ps.ma, good.ma);
            cr_assert_eq(lk_sim_power_fault(&sim, src, LK_SIM_PWF_MA_NEG), LK_OK);
            ps = rd(src);
            cr_assert_eq(ps.ma, -1, "source %d", src);
            cr_assert_eq(ps.mv, good.mv);
            cr_assert_eq(lk_sim_power_fault(&sim, src, LK_SIM_PWF_ERROR), LK_OK);
            cr_assert_eq(sim.port.power_read(sim.port.ctx, src, &ps), LK_ERR_IO);
            cr_assert_eq(lk_sim_power_fault(&sim, src, LK_SIM_PWF_POSITIVE), LK_OK);
            cr_assert_eq(sim.port.power_read(sim.port.ctx, src, &ps), 1);
            cr_assert_eq(lk_sim_power_fault(&sim, src, LK_SIM_PWF_NONE), LK_OK);
            ps = rd(src);
            cr_assert_eq(ps.mv, good.mv);
            cr_assert_eq(ps.ma, good.ma);
        }
        cr_assert_eq(lk_sim_power_fault(&sim, LK_PSRC_COUNT_, LK_SIM_PWF_ERROR), LK_ERR_INVAL);
        cr_assert_eq(lk_sim_power_fault(&sim, LK_PSRC_MAIN, 5), LK_ERR_INVAL);
        cr_assert_eq(sim.violations, 0u);
    }
}

/* A scenario touching every random and physical part. */
static void scenario(uint32_t seed, uint64_t out[8])
{
    struct lk_sim_power_config pc;
    struct lk_sim_source s;

    lk_sim_power_default(&pc);
    start(&pc, seed);
    lk_sim_source_default(&s, LK_SIM_SRC_BAT9V);
    s.hold_ms = 15000;
    cr_assert_eq(lk_sim_attach(&sim, &s), LK_OK);
    attach_default(LK_SIM_SRC_CRANK);
    lk_sim_step(&sim, 3000);
    cr_assert_eq(sim.port.motor_drive(sim.port.ctx, LK_MOTOR_RETRACT), LK_OK);
    lk_sim_step(&sim, 1500);
    cr_assert_eq(sim.port.motor_drive(sim.port.ctx, LK_MOTOR_BRAKE), LK_OK);
    lk_sim_step(&sim, 20000);
    out[0] = sim.pw.src[LK_PSRC_BAT9V].n_dropouts + ((uint64_t)sim.pw.src[LK_PSRC_BAT9V].n_gone << 32);
    out[1] = sim.pw.src[LK_PSRC_CRANK].uj;
    out[2] = sim.pw.node_mv;
    out[3] = (uint64_t)sim.pw.main_uj;
    out[4] = sim.pw.motor_uj;
    out[5] = sim.pw.load_uj;
    out[6] = (uint64_t)sim.bolt_ppm;
    out[7] = sim.pw.rng;
}

Test(sim_power, same_seed_same_results)
{
    uint64_t a[8];
    uint64_t b[8];
    uint64_t c[8];

    scenario(7, a);
    scenario(7, b);
    scenario(8, c);
    cr_assert_arr_eq(a, b, sizeof a);
    cr_assert_gt(a[0] & 0xFFFFFFFFu, 0u, "dropouts happened");
    cr_assert_eq(a[0] >> 32, 1u, "the 9 V was taken away after 15 s");
    cr_assert_neq(a[7], c[7], "another seed, other dropout times");
}

/* lk_sim_run with the model on: physics runs while the lock is idle, and a
 * source appearing or disappearing makes a poll at once. */
Test(sim_power, run_integrates_and_polls_on_source_changes)
{
    struct lk_sim_source s;
    uint32_t n;

    memset(&f, 0, sizeof f);
    cr_assert_eq(lk_sim_init(&f.sim, NULL), LK_OK);
    cr_assert_eq(lk_sim_power_enable(&f.sim, NULL), LK_OK);
    lk_sim_set_device_key(&f.sim, harness_device_key);
    f.cfg.on_event = rec_event;
    f.cfg.event_ctx = &f.rec;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1000), LK_OK);

    lk_sim_source_default(&s, LK_SIM_SRC_USB);
    s.hold_ms = 6000; /* the person pulls it out 6 s after plugging it in */
    cr_assert_eq(lk_sim_attach(&f.sim, &s), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 299), LK_OK);
    n = f.sim.n_polls;
    /* each lk_sim_run polls once at its start; a second poll is the interrupt */
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1), LK_OK);
    cr_assert_geq(f.sim.n_polls, n + 2u, "the bank appearing is an input interrupt");
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 5000), LK_OK);
    cr_assert_eq(f.sim.pw.node_mv, 5000u, "charged while the lock idled");
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 699), LK_OK);
    cr_assert_neq(f.sim.pw.src[LK_PSRC_USB].mv, 0u);
    n = f.sim.n_polls;
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1), LK_OK);
    cr_assert_eq(f.sim.pw.src[LK_PSRC_USB].mv, 0u, "gone");
    cr_assert_geq(f.sim.n_polls, n + 2u, "the bank leaving is an input interrupt");
    cr_assert_eq(f.sim.violations, 0u);
}
