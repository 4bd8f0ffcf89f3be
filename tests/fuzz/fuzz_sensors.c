/*
 * Fuzz the inputs and the motor state machine: sequences of sensor levels
 * (valid, and out-of-range ones a misbehaving port could report), bolt
 * movements by hand, jams, sensor and motor driver failures, lock/unlock
 * requests, time passing with and without polls, and reboots
 * (tests/fuzz/README.md).
 *
 * Input: 4 config bytes, then steps (op byte % N_OPS and its operands; see
 * step()):
 *   byte 0  bits 0-5: optional sensors fitted (key, mech code, thumbturn,
 *           handle, door, tamper)
 *   byte 1  bits 0-3: manual paths (LK_PATH_* >> 1; 0 = default); bits 4-5:
 *           key policy (0 default, 1 notify, 2/3 alarm)
 *   byte 2  bits 0-1: auto-relock off/3 s/30 s/0.5 s; bit 2: no motor current
 *           sense; bits 3-4: bolt starts extended/retracted/mid-way/at a switch
 *           edge; bits 5-6: supply 6 V/4 V/3 V (too weak to move)/9 V
 *   byte 3  bit 0: tight timings (short travel window, debounce, door ajar,
 *           alarm repeat, path window); bit 1: clock near the 32-bit wrap
 *
 * Checked besides the common invariants (the sim sees no breach of the port
 * contract: no reversal without a stop and the bridge's dead time, no
 * out-of-range command): the motor drives only during a stroke and never
 * past its travel window; every API result is a documented one.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static const uint32_t advance_ms[16] = {
    1, 5, 10, 29, 31, 50, 100, 300, 700, 1000, 2100, 3000, 10000, 31000, 65000, 600000,
};

static int read_source(struct fz_in *in)
{
    static const int sources[] = { LK_SRC_BUTTON, LK_SRC_KEYPAD, LK_SRC_REMOTE,
                                   LK_SRC_AUTO, LK_SRC_MANUAL, LK_SRC_KEY,
                                   LK_SRC_UNSPECIFIED, LK_SRC_FORCED, 12, -3 };
    return FZ_PICK(sources, fz_u8(in));
}

static int32_t read_ppm(struct fz_in *in)
{
    static const int32_t spots[] = {
        0, LK_SIM_TRAVEL_FULL, LK_SIM_TRAVEL_FULL / 2, LK_SIM_SWITCH_BAND,
        LK_SIM_SWITCH_BAND + 1, LK_SIM_TRAVEL_FULL - LK_SIM_SWITCH_BAND,
        LK_SIM_TRAVEL_FULL - LK_SIM_SWITCH_BAND - 1, -5, LK_SIM_TRAVEL_FULL + 5,
    };
    uint8_t b = fz_u8(in);

    if (b < 0xC0u) {
        return FZ_PICK(spots, b);
    }
    return (int32_t)(fz_u32(in) % (LK_SIM_TRAVEL_FULL + 1u));
}

static void boot(struct fz_in *in)
{
    static const uint32_t relock[4] = { 0, 3000, 30000, 500 };
    static const int32_t start[4] = { LK_SIM_TRAVEL_FULL, 0, LK_SIM_TRAVEL_FULL / 2,
                                      LK_SIM_TRAVEL_FULL - LK_SIM_SWITCH_BAND };
    static const uint32_t supply[4] = { 6000, 4000, 3000, 9000 };
    uint8_t b0 = fz_u8(in);
    uint8_t b1 = fz_u8(in);
    uint8_t b2 = fz_u8(in);
    uint8_t b3 = fz_u8(in);
    struct lk_sim_config sc;
    uint8_t policy = (uint8_t)((b1 >> 4) & 3u);

    lk_sim_default_config(&sc);
    sc.sensors_fitted = (uint32_t)(b0 & 0x3Fu) << 1;
    sc.current_sense = !(b2 & 4u);
    sc.bolt_start_ppm = start[(b2 >> 3) & 3u];
    sc.supply_mv = supply[(b2 >> 5) & 3u];
    sc.start_ms = (b3 & 2u) ? 0u - 30000u : 0u;
    memset(&fz_cfg, 0, sizeof fz_cfg);
    fz_cfg.manual_paths = (uint8_t)((b1 & 0x0Fu) << 1);
    fz_cfg.key_policy = (policy == 3u) ? 2u : policy;
    fz_cfg.auto_relock_ms = relock[b2 & 3u];
    if (b3 & 1u) {
        fz_cfg.travel_max_ms = 900;
        fz_cfg.travel_min_ms = 100;
        fz_cfg.inrush_blank_ms = 40;
        fz_cfg.debounce_ms = 5;
        fz_cfg.door_ajar_ms = 2000;
        fz_cfg.alarm_repeat_ms = 1000;
        fz_cfg.path_window_ms = 200;
        fz_cfg.brake_ms = 20;
        fz_cfg.motion_poll_ms = 7;
    }
    FZ_TRACE("fitted 0x%02x paths 0x%02x policy %u relock %u start %d supply %u tight %u",
             (unsigned)sc.sensors_fitted, fz_cfg.manual_paths, fz_cfg.key_policy,
             (unsigned)fz_cfg.auto_relock_ms, (int)sc.bolt_start_ppm, (unsigned)sc.supply_mv,
             b3 & 1u);
    fz_boot(&sc, 1);
}

enum {
    OP_SENSOR, OP_POKE_LEVEL, OP_BOLT_FORCE, OP_MOVE_BOLT, OP_JAM, OP_CLEAR_JAM, OP_RUN,
    OP_REQUEST, OP_FAIL, OP_SILENCE, OP_REBOOT, OP_STEP_UNPOLLED, OP_KEY_TURN, N_OPS
};

static void step(struct fz_in *in)
{
    uint32_t next = 0;
    int rc;
    int polled = 1;
    unsigned op = fz_u8(in) % N_OPS;

    fz_ev_mark();
    switch (op) {
    case OP_SENSOR: {
        int s = fz_u8(in) % 8u;
        uint8_t level = fz_u8(in) % 3u;

        rc = lk_sim_set_sensor(&fz_sim, s, level);
        FZ_TRACE("  sensor %d = %u -> %d", s, level, rc);
        FZ_ASSERT((rc == LK_OK) == (s > LK_SENSOR_BOLT && s < LK_SENSOR_COUNT_ && level <= 1u));
        polled = 0;
        break;
    }
    case OP_POKE_LEVEL: {
        /* a port reporting a level out of range */
        int s = 1 + fz_u8(in) % (LK_SENSOR_COUNT_ - 1);

        fz_sim.levels[s] = fz_u8(in);
        FZ_TRACE("  level %d := %u", s, fz_sim.levels[s]);
        polled = 0;
        break;
    }
    case OP_BOLT_FORCE: {
        uint8_t b = fz_u8(in);

        fz_sim.bolt_force = (b >= 0x80u) ? -1 : (int)(b % 6u);
        FZ_TRACE("  bolt sensor forced to %d", fz_sim.bolt_force);
        polled = 0;
        break;
    }
    case OP_MOVE_BOLT: {
        int32_t ppm = read_ppm(in);

        FZ_TRACE("  bolt moved to %d", (int)ppm);
        lk_sim_move_bolt(&fz_sim, ppm);
        polled = 0;
        break;
    }
    case OP_JAM: {
        uint8_t b = fz_u8(in);
        int dir = (b & 1u) ? LK_MOTOR_EXTEND : LK_MOTOR_RETRACT;
        int32_t at;

        if (b & 2u) {
            dir = (int)(b >> 2) % 5; /* also COAST, BRAKE and beyond: refused */
        }
        at = read_ppm(in);
        rc = lk_sim_jam(&fz_sim, dir, at);
        FZ_TRACE("  jam dir %d at %d -> %d", dir, (int)at, rc);
        polled = 0;
        break;
    }
    case OP_CLEAR_JAM:
        lk_sim_clear_jam(&fz_sim);
        polled = 0;
        break;
    case OP_RUN: {
        uint32_t ms = advance_ms[fz_u8(in) & 15u];

        if (fz_sim.fail_motor && ms > 2000u) {
            ms = 2000u; /* a motor that cannot be stopped makes the sim step every ms */
        }
        FZ_TRACE("  run %u ms", (unsigned)ms);
        fz_run(ms);
        break;
    }
    case OP_REQUEST: {
        uint8_t how = fz_u8(in);
        int src = read_source(in);

        rc = (how & 1u) ? lk_request_unlock(&fz_lk, src, LK_INDEX_NONE, LK_INDEX_NONE)
                        : lk_request_lock(&fz_lk, src, LK_INDEX_NONE, LK_INDEX_NONE);
        FZ_TRACE("  request %s src %d -> %d", (how & 1u) ? "unlock" : "lock", src, rc);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE, LK_ERR_BUSY, LK_ERR_IO);
        FZ_ASSERT(rc != LK_ERR_IO || fz_sim.fail_sensor || fz_sim.fail_motor);
        /* no poll: a stop the motor driver refused is retried only then */
        polled = 0;
        break;
    }
    case OP_FAIL: {
        uint8_t b = fz_u8(in);

        fz_sim.fail_sensor = b & 1u;
        fz_sim.fail_motor = (b >> 1) & 1u;
        FZ_TRACE("  fail sensor %d motor %d", fz_sim.fail_sensor, fz_sim.fail_motor);
        polled = 0;
        break;
    }
    case OP_SILENCE:
        FZ_ASSERT(lk_alarm_silence(&fz_lk, LK_INDEX_NONE, LK_INDEX_NONE) == LK_OK);
        polled = 0;
        break;
    case OP_REBOOT:
        rc = fz_reboot();
        FZ_TRACE("  reboot -> %d", rc);
        FZ_RC(rc, LK_OK, LK_ERR_IO); /* IO: the motor driver failed its COAST */
        if (rc != LK_OK) {
            FZ_ASSERT(fz_sim.fail_motor);
            fz_sim.fail_motor = 0;
            rc = fz_reboot();
            FZ_ASSERT(rc == LK_OK);
        }
        break;
    case OP_STEP_UNPOLLED: {
        /* the firmware late to poll: time and the bolt move on unseen */
        uint32_t ms = (uint32_t)fz_u8(in) * 8u;

        FZ_TRACE("  %u ms unpolled", (unsigned)ms);
        lk_sim_step(&fz_sim, ms);
        rc = lk_poll(&fz_lk, &next);
        FZ_RC(rc, LK_POLL_DEADLINE, LK_POLL_IDLE);
        break;
    }
    case OP_KEY_TURN: {
        /* a key (or thumbturn) throws the bolt by hand, as a person would */
        int s = (fz_u8(in) & 1u) ? LK_SENSOR_THUMBTURN : LK_SENSOR_KEY;
        int32_t to = (lk_sim_bolt_level(&fz_sim) == LK_BOLT_EXTENDED) ? 0 : LK_SIM_TRAVEL_FULL;

        FZ_TRACE("  %s turned", (s == LK_SENSOR_KEY) ? "key" : "thumbturn");
        (void)lk_sim_set_sensor(&fz_sim, s, 1);
        fz_run(100);
        lk_sim_move_bolt(&fz_sim, LK_SIM_TRAVEL_FULL / 2);
        fz_run(200);
        lk_sim_move_bolt(&fz_sim, to);
        fz_run(100);
        (void)lk_sim_set_sensor(&fz_sim, s, 0);
        break;
    }
    default:
        polled = 0;
        break;
    }
    fz_check_world();
    if (polled) {
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
