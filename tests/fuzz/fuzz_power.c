/*
 * Fuzz what reads power (tests/fuzz/README.md), in two worlds chosen by the
 * input's config bytes:
 *
 *  - the legacy sim: one supply voltage (0 mV to 60 V and values past the
 *    range a misbehaving port could report) that both powers the motor (it
 *    stalls below 3.6 V) and is read as the main battery;
 *  - the sim's power model (ports/sim/lk_sim_power.h): a supercap reserve fed
 *    by the main battery through an ideal diode and by emergency sources the
 *    input attaches and detaches with fuzzed parameters (a USB power bank
 *    with its current limit and auto-off, a 9 V battery with contact
 *    dropouts, a crank, a shaken handle, a phone with its handshake and
 *    offset), on a diode-OR or a switched board, with lockcore configured
 *    for that board (docs/power.md's example: a dead 4 x AA pack, 2 Ohm).
 *
 * Steps: time passing, the key and thumbturn moving the bolt by hand,
 * lock/unlock requests, jams, reboots, and in both worlds power_read faults
 * (lk_sim_power_fault) on any input, board vetoes (lk_power_veto); in the
 * power model also sources attached/detached, the phone's offset and the
 * main battery's voltage and resistance.
 *
 * Input: 2 config bytes, then steps (op byte % N_OPS and its operands; see
 * step()):
 *   byte 0  bits 0-1: battery_ok_mv 4600 (default), 1, 60000, 5000;
 *           bit 2: key policy alarm (else notify); bit 3: no motor current
 *           sense; bit 4: auto-relock after 2 s;
 *           power model only: bits 5-6: reserve 1 F, 0.47 F, 2.2 F, 10 F;
 *           bit 7: priorities 9 V first, USB and phone second (equal),
 *           crank never
 *   byte 1  bits 0-1: initial supply 6 V, 4.6 V, 3 V, 0 V (power model: main
 *           battery 3.8 V (dead), 6 V, 4.85 V (just drives), none);
 *           bit 2: the power model; bit 3: switched board (source_select);
 *           bit 4: a request waits 20 s for energy (else 180 s)
 *
 * Checked besides the common invariants:
 *  - KEY_WHILE_HEALTHY is raised only under the alarm policy, for the key,
 *    when the main-battery reading lockcore just took was a good one (LK_OK,
 *    mA >= 0) of battery_ok_mv..60000 mV;
 *  - the motor drives only during a stroke and never past its travel
 *    window; every API result is a documented one;
 *  - every stroke the motor starts ends with the bolt at the end position it
 *    was driven to (followed through a motor_drive wrapper): lockcore never
 *    starts a stroke it cannot finish. Excused: a stroke during which a jam
 *    was set, the bolt was moved by hand or the lock rebooted, and one that
 *    lockcore started on the main battery (not the reserve) while the
 *    input changed that battery;
 *  - lk_power_status is consistent: tier in range, progress 0..100, the
 *    selected input is RESERVE or a qualified, non-vetoed input (after a
 *    poll), and on a switched board the one the port was told;
 *  - an input whose reading is faulted is never qualified, and credits no
 *    power (after a poll); a faulted RESERVE reading is no energy;
 *  - the main battery never receives current (the sim's accounting);
 *  - the sim sees no breach of the port contract.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "lk_internal.h"

static const uint32_t advance_ms[16] = {
    1, 10, 31, 100, 250, 600, 1000, 2000, 2100, 3000, 5000, 10000, 30000, 61000, 300000,
    3600000,
};

/* The power model steps every millisecond: a run is cut to this, and an
 * input gets this much simulated time in all (libFuzzer's 10 s timeout). */
#define PM_RUN_MAX_MS 61000u
#define PM_BUDGET_MS 600000u

static int power_model;      /* this input runs on the sim's power model */
static uint32_t sim_ms_used; /* simulated time this input has run, ms */
static int64_t main_uj_seen; /* the main battery's delivered energy at the last check */

/* ---- instruments: wrappers around the sim's port callbacks ---- */

static int (*sim_drive)(void *ctx, int cmd);
static int (*sim_power_read)(void *ctx, int source, struct lk_power_sample *out);

/* The last MAIN reading the port gave lockcore. */
static struct {
    int rc;
    struct lk_power_sample ps;
} last_main;

/* The stroke in progress, as the motor driver sees it. */
static struct {
    int running;
    int dir;          /* LK_MOTOR_EXTEND / RETRACT */
    int excused;      /* a jam, a hand, a reboot or a main change met it */
    int on_main;      /* lockcore started it on the main battery */
    int rebooting;    /* lk_init (its COAST) is running */
    uint32_t started; /* this input */
    uint32_t finished;
} stk;

static int is_drive(int cmd)
{
    return cmd == LK_MOTOR_EXTEND || cmd == LK_MOTOR_RETRACT;
}

static int track_drive(void *ctx, int cmd)
{
    int was = fz_sim.motor_cmd;
    int rc = sim_drive(ctx, cmd);

    if (rc != LK_OK) {
        return rc;
    }
    if (is_drive(cmd) && !is_drive(was)) {
        stk.running = 1;
        stk.dir = cmd;
        stk.excused = fz_sim.jam_dir != 0 || stk.rebooting;
        stk.on_main = fz_lk.pwr.main_drives;
        stk.started++;
        FZ_TRACE("    stroke %d starts: main_drives %d reserve %u uJ need %u uJ node %u mV",
                 cmd, fz_lk.pwr.main_drives, (unsigned)fz_lk.pwr.reserve_uj,
                 (unsigned)lk_pwr_need(&fz_lk), (unsigned)fz_sim.pw.node_mv);
    } else if (!is_drive(cmd) && is_drive(was)) {
        int want = (stk.dir == LK_MOTOR_EXTEND) ? LK_BOLT_EXTENDED : LK_BOLT_RETRACTED;
        int at_end = lk_sim_bolt_level(&fz_sim) == want;

        FZ_TRACE("    stroke %d stops: at end %d (bolt %d ppm)%s", stk.dir, at_end,
                 (int)fz_sim.bolt_ppm, stk.excused ? " excused" : "");
        stk.running = 0;
        stk.finished += (uint32_t)at_end;
        if (!at_end && !stk.excused && !stk.rebooting && fz_sim.jam_dir == 0) {
            fz_fail(__FILE__, __LINE__, "a stroke lockcore started ends at its end position",
                    (long)fz_sim.bolt_ppm, (long)stk.dir);
        }
    }
    return rc;
}

static int track_power_read(void *ctx, int source, struct lk_power_sample *out)
{
    int rc = sim_power_read(ctx, source, out);

    if (source == LK_PSRC_MAIN && out != NULL) {
        last_main.rc = rc;
        last_main.ps = *out;
    }
    return rc;
}

/* KEY_WHILE_HEALTHY only on a good reading of a healthy battery, checked as
 * the alarm is raised (the reading it was judged on is the last one). */
static void power_event(void *ctx, const struct lk_event *ev)
{
    fz_event(ctx, ev);
    if (ev->op == LK_OP_ALARM && ev->reason == LK_REASON_KEY_WHILE_HEALTHY) {
        if (fz_lk.cfg.key_policy != LK_KEY_POLICY_ALARM || ev->source != LK_SRC_KEY ||
            last_main.rc != LK_OK || last_main.ps.mv < fz_lk.cfg.battery_ok_mv ||
            last_main.ps.mv > 60000u) {
            fz_fail(__FILE__, __LINE__, "KEY_WHILE_HEALTHY only for a healthy battery",
                    (long)last_main.ps.mv, (long)last_main.rc);
        }
        if (last_main.ps.ma < 0) {
            fz_fail(__FILE__, __LINE__,
                    "KEY_WHILE_HEALTHY not on a reading with mA < 0 (absent, port.h)",
                    (long)last_main.ps.mv, (long)last_main.ps.ma);
        }
    }
}

static void instruments_on(void)
{
    sim_drive = fz_sim.port.motor_drive;
    sim_power_read = fz_sim.port.power_read;
    fz_sim.port.motor_drive = track_drive;
    fz_sim.port.power_read = track_power_read;
    memset(&stk, 0, sizeof stk);
    memset(&last_main, 0, sizeof last_main);
}

static void hook_events(void)
{
    fz_lk.cfg.on_event = power_event;
}

/* ---- boot ---- */

static void boot(struct fz_in *in)
{
    static const uint32_t ok_mv[4] = { 0, 1, 60000, 5000 };
    static const uint32_t supply[4] = { 6000, 4600, 3000, 0 };
    static const uint32_t pm_main[4] = { 3800, 6000, 4850, 0 };
    static const uint32_t cap_uf[4] = { 1000000, 470000, 2200000, 10000000 };
    uint8_t b0 = fz_u8(in);
    uint8_t b1 = fz_u8(in);
    struct lk_sim_config sc;
    struct lk_sim_power_config pc;
    int rc;

    power_model = (b1 & 4u) != 0u;
    sim_ms_used = 0;
    lk_sim_default_config(&sc);
    sc.sensors_fitted = (1u << LK_SENSOR_KEY) | (1u << LK_SENSOR_THUMBTURN) |
                        (1u << LK_SENSOR_DOOR);
    sc.current_sense = !(b0 & 8u);
    sc.supply_mv = power_model ? pm_main[b1 & 3u] : supply[b1 & 3u];
    memset(&fz_cfg, 0, sizeof fz_cfg);
    fz_cfg.battery_ok_mv = ok_mv[b0 & 3u];
    fz_cfg.key_policy = (b0 & 4u) ? LK_KEY_POLICY_ALARM : LK_KEY_POLICY_NOTIFY;
    fz_cfg.auto_relock_ms = (b0 & 16u) ? 2000u : 0u;
    fz_cfg.power.hold_ms = (b1 & 16u) ? 20000u : 0u;
    FZ_TRACE("battery_ok %u policy %u supply %u power model %d", (unsigned)fz_cfg.battery_ok_mv,
             fz_cfg.key_policy, (unsigned)sc.supply_mv, power_model);

    /* fz_boot, with the power model and the instruments fitted before
     * lk_init */
    FZ_ASSERT(lk_sim_init(&fz_sim, &sc) == LK_OK);
    lk_sim_set_device_key(&fz_sim, fz_device_key);
    if (power_model) {
        lk_sim_power_default(&pc);
        pc.main_mv = sc.supply_mv;
        pc.cap_uf = cap_uf[(b0 >> 5) & 3u];
        pc.switched = (b1 & 8u) ? 1 : 0;
        FZ_ASSERT(lk_sim_power_enable(&fz_sim, &pc) == LK_OK);
        /* lockcore configured for this board */
        fz_cfg.power.reserve_kind = LK_RESERVE_CAP;
        fz_cfg.power.main_mohm = 2000;
        fz_cfg.power.cap_uf = pc.cap_uf;
        if (b0 & 128u) {
            fz_cfg.power.src[LK_PSRC_BAT9V].priority = 1;
            fz_cfg.power.src[LK_PSRC_USB].priority = 2;
            fz_cfg.power.src[LK_PSRC_WIRELESS].priority = 2;
            fz_cfg.power.src[LK_PSRC_CRANK].priority = LK_PRIO_NEVER;
        }
        FZ_TRACE("cap %u uF switched %d", (unsigned)pc.cap_uf, pc.switched);
    }
    instruments_on();
    fz_cfg.on_event = fz_event;
    fz_cfg.event_ctx = NULL;
    rc = lk_init(&fz_lk, &fz_sim.port, &fz_cfg);
    if (rc != LK_OK) {
        fz_fail(__FILE__, __LINE__, "boot: lk_init", rc, 0);
    }
    hook_events();
    lk_sim_step(&fz_sim, fz_lk.cfg.brake_ms);
    main_uj_seen = fz_sim.pw.main_uj;
    fz_check_world();
}

/* ---- invariants ---- */

static void check_power(int polled)
{
    struct lk_power_status st;
    const struct lk_power *p = &fz_lk.pwr;
    int s;

    FZ_ASSERT(lk_power_status(&fz_lk, &st) == LK_OK);
    FZ_ASSERT(st.tier <= LK_TIER_TOO_LOW);
    FZ_ASSERT(st.progress <= 100u);
    FZ_ASSERT(st.selected <= LK_PSRC_RESERVE);
    FZ_ASSERT((st.qualified & ~0x1Fu) == 0u);
    FZ_ASSERT(st.waiting == (fz_lk.act.waiting != 0u));
    if (fz_sim.pw.main_uj < main_uj_seen) {
        fz_fail(__FILE__, __LINE__, "the main battery never receives current",
                (long)fz_sim.pw.main_uj, (long)main_uj_seen);
    }
    main_uj_seen = fz_sim.pw.main_uj;
    if (!polled || !p->sampled) {
        return;
    }
    /* As of the last poll: the selection is a usable input, or none. */
    if (st.selected != LK_PSRC_RESERVE) {
        int ok = (st.qualified & ~p->veto & (1u << st.selected)) != 0u ||
                 (st.selected == LK_PSRC_MAIN && p->main_unsensed && !(p->veto & 1u));

        if (!ok) {
            fz_fail(__FILE__, __LINE__, "selected: a qualified, non-vetoed input",
                    (long)st.selected, (long)st.qualified);
        }
        if ((p->veto & (1u << st.selected)) != 0u) {
            fz_fail(__FILE__, __LINE__, "a vetoed input is never selected", (long)st.selected,
                    (long)p->veto);
        }
    }
    if (fz_sim.port.source_select != NULL && fz_sim.pw.selected != (int)st.selected) {
        fz_fail(__FILE__, __LINE__, "switched board: the port connects what lockcore selected",
                (long)fz_sim.pw.selected, (long)st.selected);
    }
    for (s = LK_PSRC_MAIN; s < LK_PSRC_INPUTS; s++) {
        if (fz_sim.pw.fault[s] != LK_SIM_PWF_NONE &&
            ((st.qualified & (1u << s)) != 0u || st.mw[s] != 0u)) {
            fz_fail(__FILE__, __LINE__, "a faulted reading is an absent source", (long)s,
                    (long)fz_sim.pw.fault[s]);
        }
    }
    if (fz_lk.cfg.power.reserve_kind == LK_RESERVE_CAP &&
        fz_sim.pw.fault[LK_PSRC_RESERVE] != LK_SIM_PWF_NONE && st.reserve_uj != 0u) {
        fz_fail(__FILE__, __LINE__, "a faulted RESERVE reading is no energy",
                (long)st.reserve_uj, (long)fz_sim.pw.fault[LK_PSRC_RESERVE]);
    }
}

/* ---- steps ---- */

static void run_ms(uint32_t ms)
{
    if (power_model) {
        if (ms > PM_RUN_MAX_MS) {
            ms = PM_RUN_MAX_MS;
        }
        if (sim_ms_used >= PM_BUDGET_MS) {
            ms = 1; /* out of budget: the steps still happen, time hardly passes */
        }
    }
    sim_ms_used += ms;
    FZ_TRACE("  run %u ms", (unsigned)ms);
    fz_run(ms);
}

/* Main battery changed under a stroke lockcore runs on it: its doing no more. */
static void main_changed(void)
{
    if (stk.running && stk.on_main) {
        stk.excused = 1;
    }
}

/* After a change of the main battery in the power model: 1 ms of physics
 * before lockcore may read it. lk_sim_set_main makes power_read(MAIN) report
 * the new open-circuit voltage until the next step, also when the ideal
 * diode conducts at once (a fresh pack on a low node reads as the node,
 * not its Voc): a reading no board can give (reported). */
static void main_settles(void)
{
    if (power_model) {
        lk_sim_step(&fz_sim, 1);
        sim_ms_used++;
    }
}

static void hand_moves_bolt(int32_t ppm)
{
    if (stk.running) {
        stk.excused = 1;
    }
    lk_sim_move_bolt(&fz_sim, ppm);
}

/* An emergency source with fuzzed parameters, each in the sim's accepted
 * range: a mask byte says which fields leave their default, then one byte
 * per field picks its value. */
static void attach(struct fz_in *in)
{
    static const uint32_t mv[] = { 5000, 4300, 4428, 4429, 5600, 5601, 9400, 9000, 4999,
                                   5150, 6000, 3000, 15000, 60000, 1, 2999 };
    static const uint32_t mohm[] = { 50, 200, 500, 1700, 2000, 20000, 100000, 1000000 };
    static const uint32_t limit_ma[] = { 1, 60, 100, 500, 3000, 20000, 0, 235 };
    static const uint32_t attach_ms[] = { 0, 1, 100, 300, 500, 1200, 5000, 60000 };
    static const uint32_t off_ma[] = { 0, 50, 100, 150, 20000 };
    static const uint32_t off_ms[] = { 1, 100, 12000, 30000, 120000, 3600000 };
    static const uint32_t drop_per_min[] = { 0, 30, 300, 6000 };
    static const uint32_t drop_ms[] = { 1, 20, 200, 5000, 60000 };
    static const uint32_t power_mw[] = { 1, 200, 500, 2000, 3000, 100000 };
    static const uint32_t rate_mhz[] = { 1, 500, 2000, 3000, 100000 };
    static const uint32_t impulse_uj[] = { 1, 5000, 30000, 100000, 100000000 };
    static const uint32_t eff_pct[] = { 0, 1, 50, 80, 100 };
    static const uint32_t fatigue_s[] = { 0, 1, 60, 100000 };
    static const uint32_t offset_um[] = { 0, 5000, 9999, 10000, 25000, 1 };
    static const uint32_t hold_ms[] = { 0, 1, 500, 5000, 15000, 60000 };
    struct lk_sim_source s;
    int kind = 1 + fz_u8(in) % 5;
    uint16_t mask = fz_u16(in);
    int rc;
    int slot;

    lk_sim_source_default(&s, kind);
    if (mask & 1u) {
        s.mv = FZ_PICK(mv, fz_u8(in));
    }
    if (mask & 2u) {
        s.mohm = FZ_PICK(mohm, fz_u8(in));
    }
    if (mask & 4u) {
        s.limit_ma = FZ_PICK(limit_ma, fz_u8(in));
        if (kind == LK_SIM_SRC_USB && s.limit_ma == 0u) {
            s.limit_ma = 1; /* a bank always has a limit */
        }
    }
    if (mask & 8u) {
        s.attach_ms = FZ_PICK(attach_ms, fz_u8(in));
    }
    if (mask & 16u) {
        s.off_ma = FZ_PICK(off_ma, fz_u8(in));
        s.off_ms = FZ_PICK(off_ms, fz_u8(in));
    }
    if (mask & 32u) {
        s.dropout_per_min = FZ_PICK(drop_per_min, fz_u8(in));
        s.dropout_ms = FZ_PICK(drop_ms, fz_u8(in));
    }
    if (mask & 64u) {
        s.power_mw = FZ_PICK(power_mw, fz_u8(in));
    }
    if (mask & 128u) {
        s.rate_mhz = FZ_PICK(rate_mhz, fz_u8(in));
    }
    if (mask & 256u) {
        s.impulse_uj = FZ_PICK(impulse_uj, fz_u8(in));
    }
    if (mask & 512u) {
        s.eff_pct = FZ_PICK(eff_pct, fz_u8(in));
        if ((kind == LK_SIM_SRC_CRANK || kind == LK_SIM_SRC_SHAKE) && s.eff_pct == 0u) {
            s.eff_pct = 1;
        }
    }
    if (mask & 1024u) {
        s.fatigue_s = FZ_PICK(fatigue_s, fz_u8(in));
    }
    if (mask & 2048u) {
        s.offset_um = FZ_PICK(offset_um, fz_u8(in));
    }
    if (mask & 4096u) {
        s.hold_ms = FZ_PICK(hold_ms, fz_u8(in));
    }
    rc = lk_sim_attach(&fz_sim, &s);
    slot = (kind == LK_SIM_SRC_USB) ? LK_PSRC_USB
           : (kind == LK_SIM_SRC_BAT9V) ? LK_PSRC_BAT9V
           : (kind == LK_SIM_SRC_WIRELESS) ? LK_PSRC_WIRELESS : LK_PSRC_CRANK;
    FZ_TRACE("  attach kind %d (mask %#x: %u mV %u mOhm lim %u att %u off %u/%u drop %u/%u "
             "%u mW %u mHz %u uJ eff %u fat %u off %u um hold %u) -> %d",
             kind, (unsigned)mask, (unsigned)s.mv, (unsigned)s.mohm, (unsigned)s.limit_ma,
             (unsigned)s.attach_ms, (unsigned)s.off_ma, (unsigned)s.off_ms,
             (unsigned)s.dropout_per_min, (unsigned)s.dropout_ms, (unsigned)s.power_mw,
             (unsigned)s.rate_mhz, (unsigned)s.impulse_uj, (unsigned)s.eff_pct,
             (unsigned)s.fatigue_s, (unsigned)s.offset_um, (unsigned)s.hold_ms, rc);
    if (!power_model) {
        FZ_ASSERT(rc == LK_ERR_INVAL);
    } else if (fz_sim.pw.src[slot].state != LK_SIM_SS_ABSENT && rc != LK_OK) {
        FZ_ASSERT(rc == LK_ERR_BUSY);
    } else {
        FZ_ASSERT(rc == LK_OK); /* every value above is in the accepted range */
    }
}

enum {
    /* the legacy ops (the seeds' numbering) */
    OP_SUPPLY, OP_PORT_REPORTS, OP_RUN, OP_KEY, OP_THUMBTURN, OP_HAND, OP_REQUEST, OP_REBOOT,
    OP_JAM, OP_DOOR,
    /* emergency power */
    OP_ATTACH, OP_DETACH, OP_OFFSET, OP_FAULT, OP_MAIN, OP_VETO, OP_RUN_MS, N_OPS
};

static void step(struct fz_in *in)
{
    static const uint32_t mv[] = {
        0, 1, 3599, 3600, 4599, 4600, 4601, 5000, 6000, 9000, 12000, 59999, 60000, 60001,
        65535, 0xFFFFFFFFu,
    };
    int rc;
    int polled = 0;
    unsigned op = fz_u8(in) % N_OPS;

    fz_ev_mark();
    switch (op) {
    case OP_SUPPLY: {
        uint8_t b = fz_u8(in);
        uint32_t v = (b < 0xF0u) ? FZ_PICK(mv, b) : fz_u16(in);

        main_changed();
        rc = lk_sim_set_supply(&fz_sim, v);
        FZ_TRACE("  supply %u mV -> %d", (unsigned)v, rc);
        FZ_ASSERT((rc == LK_OK) == (v <= 60000u));
        main_settles();
        break;
    }
    case OP_PORT_REPORTS: {
        /* the port's power_read reports a value past 60 V (the sim's
         * setter refuses it, so it is written directly; with the power
         * model on it changes nothing the port reports) */
        uint32_t v = 60001u + fz_u16(in) * 16u;

        FZ_TRACE("  supply reads %u mV", (unsigned)v);
        main_changed();
        fz_sim.cfg.supply_mv = v;
        break;
    }
    case OP_RUN:
        run_ms(advance_ms[fz_u8(in) & 15u]);
        polled = 1;
        break;
    case OP_KEY:
    case OP_THUMBTURN:
    case OP_DOOR: {
        int s = (op == OP_KEY) ? LK_SENSOR_KEY
                               : (op == OP_THUMBTURN) ? LK_SENSOR_THUMBTURN : LK_SENSOR_DOOR;
        uint8_t level = fz_u8(in) & 1u;

        FZ_TRACE("  sensor %d = %u", s, level);
        FZ_ASSERT(lk_sim_set_sensor(&fz_sim, s, level) == LK_OK);
        run_ms(50);
        polled = 1;
        break;
    }
    case OP_HAND: {
        /* the bolt thrown by hand to the other end (with whatever switch
         * is active now) */
        int32_t to = (lk_sim_bolt_level(&fz_sim) == LK_BOLT_EXTENDED) ? 0 : LK_SIM_TRAVEL_FULL;

        FZ_TRACE("  bolt by hand to %d", (int)to);
        hand_moves_bolt(LK_SIM_TRAVEL_FULL / 2);
        run_ms(150);
        hand_moves_bolt(to);
        run_ms(150);
        polled = 1;
        break;
    }
    case OP_REQUEST: {
        uint8_t how = fz_u8(in);

        rc = (how & 1u) ? lk_request_unlock(&fz_lk, LK_SRC_REMOTE, 0, 0)
                        : lk_request_lock(&fz_lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE);
        FZ_TRACE("  request %s -> %d", (how & 1u) ? "unlock" : "lock", rc);
        FZ_RC(rc, LK_OK, LK_ERR_BUSY);
        break;
    }
    case OP_REBOOT:
        stk.rebooting = 1;
        rc = fz_reboot();
        stk.rebooting = 0;
        hook_events();
        FZ_TRACE("  reboot -> %d", rc);
        if (rc != LK_OK) {
            fz_fail(__FILE__, __LINE__, "reboot on lockcore's own storage", rc, 0);
        }
        break;
    case OP_JAM: {
        uint8_t b = fz_u8(in);

        if (b & 1u) {
            lk_sim_clear_jam(&fz_sim);
        } else {
            FZ_ASSERT(lk_sim_jam(&fz_sim, (b & 2u) ? LK_MOTOR_EXTEND : LK_MOTOR_RETRACT,
                                 (int32_t)((b >> 2) % 63u) * 16000) == LK_OK);
            if (stk.running) {
                stk.excused = 1;
            }
        }
        break;
    }
    case OP_ATTACH:
        attach(in);
        break;
    case OP_DETACH: {
        int slot = LK_PSRC_USB + fz_u8(in) % 4;

        rc = lk_sim_detach(&fz_sim, slot);
        FZ_TRACE("  detach %d -> %d", slot, rc);
        FZ_ASSERT(rc == (power_model ? LK_OK : LK_ERR_INVAL));
        break;
    }
    case OP_OFFSET: {
        static const uint32_t um[] = { 0, 1000, 5000, 9000, 9999, 10000, 15000, 0xFFFFFFFFu };
        uint32_t v = FZ_PICK(um, fz_u8(in));

        rc = lk_sim_set_offset(&fz_sim, v);
        FZ_TRACE("  phone offset %u um -> %d", (unsigned)v, rc);
        FZ_ASSERT(rc == ((power_model && fz_sim.pw.src[LK_PSRC_WIRELESS].state !=
                                             LK_SIM_SS_ABSENT)
                             ? LK_OK
                             : LK_ERR_INVAL));
        break;
    }
    case OP_FAULT: {
        uint8_t b = fz_u8(in);
        int s = b % LK_PSRC_COUNT_;
        int fault = (b / LK_PSRC_COUNT_) % 5;

        FZ_TRACE("  power_read(%d) fault %d", s, fault);
        FZ_ASSERT(lk_sim_power_fault(&fz_sim, s, fault) == LK_OK);
        break;
    }
    case OP_MAIN: {
        static const uint32_t voc[] = { 0, 1000, 3000, 3600, 3800, 4200, 4600, 4799, 4800,
                                        4850, 4900, 5000, 6000, 9000, 15000, 60000 };
        static const uint32_t mohm[] = { 1, 100, 300, 800, 1500, 2000 };
        uint32_t v = FZ_PICK(voc, fz_u8(in));
        uint32_t r = FZ_PICK(mohm, fz_u8(in));

        /* never worse than the end-of-life figure lockcore is configured
         * with (main_mohm 2000): a pack past it is a misconfigured board */
        main_changed();
        rc = lk_sim_set_main(&fz_sim, v, r);
        FZ_TRACE("  main %u mV %u mOhm -> %d", (unsigned)v, (unsigned)r, rc);
        FZ_ASSERT(rc == (power_model ? LK_OK : LK_ERR_INVAL));
        main_settles();
        break;
    }
    case OP_VETO: {
        uint8_t b = fz_u8(in);
        int s = (int)(b % 7u) - 1;       /* -1 and RESERVE: out of range */
        int veto = (int)((b / 7u) % 3u); /* 2: out of range */

        rc = lk_power_veto(&fz_lk, s, veto);
        FZ_TRACE("  veto %d = %d -> %d", s, veto, rc);
        FZ_ASSERT(rc == ((s >= LK_PSRC_MAIN && s < LK_PSRC_INPUTS && veto <= 1) ? LK_OK
                                                                                : LK_ERR_RANGE));
        break;
    }
    case OP_RUN_MS:
        run_ms(1u + fz_u16(in) % 4000u);
        polled = 1;
        break;
    default:
        break;
    }
    fz_check_world();
    check_power(polled);
    if (op != OP_SUPPLY && op != OP_PORT_REPORTS && op != OP_JAM) {
        fz_check_motor();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_trace = getenv("LK_FUZZ_TRACE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = { data, size };

    fz_ev_reset();
    boot(&in);
    while (in.n > 0u) {
        step(&in);
    }
    FZ_TRACE("strokes started %u finished at their end %u", (unsigned)stk.started,
             (unsigned)stk.finished);
    return 0;
}
