/*
 * Fuzz what reads power: sequences of supply voltages (0 mV to 60 V and
 * values past the range a misbehaving port could report), time passing,
 * the key and thumbturn moving the bolt by hand, lock/unlock requests,
 * jams and reboots (tests/fuzz/README.md). Today the supply decides whether
 * the motor can move the bolt (the sim stalls it below 3.6 V) and whether a
 * key used while the main battery is healthy raises KEY_WHILE_HEALTHY; the
 * emergency power arbitration (not written yet) will read power_read too,
 * and this harness is the place to extend for it.
 *
 * Input: 2 config bytes, then steps (op byte % N_OPS and its operands; see
 * step()):
 *   byte 0  bits 0-1: battery_ok_mv 4600 (default), 1, 60000, 5000;
 *           bit 2: key policy alarm (else notify); bit 3: no motor current
 *           sense; bit 4: auto-relock after 2 s
 *   byte 1  bits 0-1: initial supply 6 V, 4.6 V, 3 V, 0 V
 *
 * Checked besides the common invariants: KEY_WHILE_HEALTHY is raised only
 * under the alarm policy, for the key, with the supply the port reports in
 * battery_ok_mv..60000 mV; the motor drives only during a stroke and never
 * past its travel window; every API result is a documented one.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static const uint32_t advance_ms[16] = {
    1, 10, 31, 100, 250, 600, 1000, 2000, 2100, 3000, 5000, 10000, 30000, 61000, 300000,
    3600000,
};

static void boot(struct fz_in *in)
{
    static const uint32_t ok_mv[4] = { 0, 1, 60000, 5000 };
    static const uint32_t supply[4] = { 6000, 4600, 3000, 0 };
    uint8_t b0 = fz_u8(in);
    uint8_t b1 = fz_u8(in);
    struct lk_sim_config sc;

    lk_sim_default_config(&sc);
    sc.sensors_fitted = (1u << LK_SENSOR_KEY) | (1u << LK_SENSOR_THUMBTURN) |
                        (1u << LK_SENSOR_DOOR);
    sc.current_sense = !(b0 & 8u);
    sc.supply_mv = supply[b1 & 3u];
    memset(&fz_cfg, 0, sizeof fz_cfg);
    fz_cfg.battery_ok_mv = ok_mv[b0 & 3u];
    fz_cfg.key_policy = (b0 & 4u) ? LK_KEY_POLICY_ALARM : LK_KEY_POLICY_NOTIFY;
    fz_cfg.auto_relock_ms = (b0 & 16u) ? 2000u : 0u;
    FZ_TRACE("battery_ok %u policy %u supply %u", (unsigned)fz_cfg.battery_ok_mv,
             fz_cfg.key_policy, (unsigned)sc.supply_mv);
    fz_boot(&sc, 1);
}

/* Alarms raised since the mark are explained by the supply now. */
static void check_alarms(void)
{
    uint32_t n = (fz_ev.n < FZ_EV_LOG) ? fz_ev.n : FZ_EV_LOG;
    uint32_t i;

    for (i = 0; i < n; i++) {
        const struct lk_event *e = &fz_ev.log[i];

        if (e->op == LK_OP_ALARM && e->reason == LK_REASON_KEY_WHILE_HEALTHY) {
            uint32_t mv = fz_sim.cfg.supply_mv;

            if (fz_lk.cfg.key_policy != LK_KEY_POLICY_ALARM || e->source != LK_SRC_KEY ||
                mv < fz_lk.cfg.battery_ok_mv || mv > 60000u) {
                fz_fail(__FILE__, __LINE__, "KEY_WHILE_HEALTHY only for a healthy battery",
                        (long)mv, (long)fz_lk.cfg.battery_ok_mv);
            }
        }
    }
}

enum {
    OP_SUPPLY, OP_PORT_REPORTS, OP_RUN, OP_KEY, OP_THUMBTURN, OP_HAND, OP_REQUEST, OP_REBOOT,
    OP_JAM, OP_DOOR, N_OPS
};

static void step(struct fz_in *in)
{
    static const uint32_t mv[] = {
        0, 1, 3599, 3600, 4599, 4600, 4601, 5000, 6000, 9000, 12000, 59999, 60000, 60001,
        65535, 0xFFFFFFFFu,
    };
    int rc;
    unsigned op = fz_u8(in) % N_OPS;

    fz_ev_mark();
    switch (op) {
    case OP_SUPPLY: {
        uint8_t b = fz_u8(in);
        uint32_t v = (b < 0xF0u) ? FZ_PICK(mv, b) : fz_u16(in);

        rc = lk_sim_set_supply(&fz_sim, v);
        FZ_TRACE("  supply %u mV -> %d", (unsigned)v, rc);
        FZ_ASSERT((rc == LK_OK) == (v <= 60000u));
        break;
    }
    case OP_PORT_REPORTS: {
        /* the port's power_read reports a value past 60 V (the sim's
         * setter refuses it, so it is written directly) */
        uint32_t v = 60001u + fz_u16(in) * 16u;

        FZ_TRACE("  supply reads %u mV", (unsigned)v);
        fz_sim.cfg.supply_mv = v;
        break;
    }
    case OP_RUN: {
        uint32_t ms = advance_ms[fz_u8(in) & 15u];

        FZ_TRACE("  run %u ms", (unsigned)ms);
        fz_run(ms);
        break;
    }
    case OP_KEY:
    case OP_THUMBTURN:
    case OP_DOOR: {
        int s = (op == OP_KEY) ? LK_SENSOR_KEY
                               : (op == OP_THUMBTURN) ? LK_SENSOR_THUMBTURN : LK_SENSOR_DOOR;
        uint8_t level = fz_u8(in) & 1u;

        FZ_TRACE("  sensor %d = %u", s, level);
        FZ_ASSERT(lk_sim_set_sensor(&fz_sim, s, level) == LK_OK);
        fz_run(50);
        break;
    }
    case OP_HAND: {
        /* the bolt thrown by hand to the other end (with whatever switch
         * is active now) */
        int32_t to = (lk_sim_bolt_level(&fz_sim) == LK_BOLT_EXTENDED) ? 0 : LK_SIM_TRAVEL_FULL;

        FZ_TRACE("  bolt by hand to %d", (int)to);
        lk_sim_move_bolt(&fz_sim, LK_SIM_TRAVEL_FULL / 2);
        fz_run(150);
        lk_sim_move_bolt(&fz_sim, to);
        fz_run(150);
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
        rc = fz_reboot();
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
        }
        break;
    }
    default:
        break;
    }
    check_alarms();
    fz_check_world();
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
    return 0;
}
