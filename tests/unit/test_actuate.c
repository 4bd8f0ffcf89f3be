/* The motor state machine on the sim port: every state, jam and recovery,
 * auto-relock, port failures. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
}

TestSuite(actuate, .init = setup);

static void start(const struct lk_sim_config *scfg)
{
    fixture_start(&f, scfg);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1), LK_OK);
}

static void run(uint32_t ms)
{
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, ms), LK_OK);
}

static void expect_state(int st)
{
    cr_assert_eq(lk_get_state(&f.lk), st, "state %d, want %d", lk_get_state(&f.lk), st);
}

static void expect_event(unsigned i, uint8_t op, uint8_t source, uint8_t reason)
{
    cr_assert_gt(f.rec.n, i, "only %u events, want #%u", f.rec.n, i);
    cr_assert_eq(f.rec.ev[i].op, op, "event %u op %u want %u", i, f.rec.ev[i].op, op);
    cr_assert_eq(f.rec.ev[i].source, source, "event %u source %u want %u", i,
                 f.rec.ev[i].source, source);
    cr_assert_eq(f.rec.ev[i].reason, reason, "event %u reason %u want %u", i,
                 f.rec.ev[i].reason, reason);
}

Test(actuate, boot_reads_the_bolt_once)
{
    start(NULL);
    expect_state(LK_STATE_LOCKED);
    cr_assert_eq(f.rec.n, 1);
    expect_event(0, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_NONE);
    run(60000);
    cr_assert_eq(f.rec.n, 1, "no news, no events");
}

Test(actuate, boot_with_bolt_between_stays_unknown)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.bolt_start_ppm = LK_SIM_TRAVEL_FULL / 2;
    start(&c);
    expect_state(LK_STATE_UNKNOWN);
    cr_assert_eq(f.rec.n, 0);
    /* a lock request from UNKNOWN drives out and settles the state */
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
    expect_state(LK_STATE_LOCKING);
    run(1000);
    expect_state(LK_STATE_LOCKED);
    expect_event(0, LK_OP_LOCK, LK_SRC_BUTTON, LK_REASON_NONE);
}

Test(actuate, unlock_then_lock)
{
    start(NULL);
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 3, 7), LK_OK);
    expect_state(LK_STATE_UNLOCKING);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_RETRACT);
    run(1000);
    expect_state(LK_STATE_UNLOCKED);
    cr_assert_eq(lk_sim_bolt_level(&f.sim), LK_BOLT_RETRACTED);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST, "motor left powered after the stroke");
    cr_assert_eq(f.sim.last_indication, LK_IND_UNLOCKED);
    cr_assert_eq(f.rec.n, 1);
    expect_event(0, LK_OP_UNLOCK, LK_SRC_KEYPAD, LK_REASON_NONE);
    cr_assert_eq(f.rec.ev[0].user, 3);
    cr_assert_eq(f.rec.ev[0].cred, 7);

    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_REMOTE, 1, LK_INDEX_NONE), LK_OK);
    expect_state(LK_STATE_LOCKING);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_EXTEND);
    run(1000);
    expect_state(LK_STATE_LOCKED);
    cr_assert_eq(lk_sim_bolt_level(&f.sim), LK_BOLT_EXTENDED);
    expect_event(1, LK_OP_LOCK, LK_SRC_REMOTE, LK_REASON_NONE);
    cr_assert_eq(f.sim.last_indication, LK_IND_LOCKED);
    cr_assert_eq(f.sim.violations, 0);
}

Test(actuate, stroke_time_follows_supply_voltage)
{
    struct lk_sim_config c;
    uint32_t t0;

    lk_sim_default_config(&c);
    start(&c);
    cr_assert_eq(lk_sim_set_supply(&f.sim, 4000), LK_OK); /* 600 ms at 6 V -> 900 ms at 4 V */
    cr_assert_eq(lk_sim_set_supply(&f.sim, 60001), LK_ERR_INVAL);
    t0 = f.sim.now;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(850);
    expect_state(LK_STATE_UNLOCKING);
    run(200);
    expect_state(LK_STATE_UNLOCKED);
    /* 4 V is a CRITICAL main battery: that STATE event comes first */
    expect_event(1, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_BATTERY_CRITICAL);
    expect_event(2, LK_OP_UNLOCK, LK_SRC_KEYPAD, LK_REASON_NONE);
    cr_assert_geq(f.rec.ev[2].mono_ms - t0, 850);
    cr_assert_leq(f.rec.ev[2].mono_ms - t0, 900);
}

Test(actuate, request_while_moving_is_busy)
{
    start(NULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(100);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_ERR_BUSY);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_ERR_BUSY);
    expect_state(LK_STATE_UNLOCKING);
    run(1000);
    expect_state(LK_STATE_UNLOCKED);
}

Test(actuate, request_for_the_current_position_does_nothing)
{
    uint32_t cmds;

    start(NULL);
    f.rec.n = 0;
    cmds = f.sim.n_motor_cmds;
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(500);
    cr_assert_eq(f.sim.n_motor_cmds, cmds);
    cr_assert_eq(f.rec.n, 0);
    expect_state(LK_STATE_LOCKED);
}

Test(actuate, no_reversal_before_the_brake_time)
{
    uint32_t t_done;

    start(NULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    while (lk_get_state(&f.lk) != LK_STATE_UNLOCKED) {
        run(1);
    }
    t_done = f.sim.now;
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_BRAKE);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_ERR_BUSY);
    run(LK_DEFAULT_BRAKE_MS - 2);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_ERR_BUSY);
    run(2);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    cr_assert_geq(f.sim.now - t_done, LK_DEFAULT_BRAKE_MS);
    run(1000);
    expect_state(LK_STATE_LOCKED);
    cr_assert_eq(f.sim.violations, 0, "reversed without a stop");
}

static void jam_scenario(int current_sense, uint8_t want_reason, uint32_t min_ms, uint32_t max_ms)
{
    struct lk_sim_config c;
    uint32_t t0;
    int i;

    lk_sim_default_config(&c);
    c.current_sense = current_sense;
    c.bolt_start_ppm = 0;
    start(&c);
    f.rec.n = 0;
    lk_sim_jam(&f.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL / 2);
    t0 = f.sim.now;
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 2, 4), LK_OK);
    run(5000);
    expect_state(LK_STATE_JAMMED);
    cr_assert_eq(f.rec.n, 3);
    expect_event(0, LK_OP_LOCK, LK_SRC_KEYPAD, want_reason);
    cr_assert_eq(f.rec.ev[0].user, 2);
    cr_assert_geq(f.rec.ev[0].mono_ms - t0, min_ms, "jam judged too early");
    cr_assert_leq(f.rec.ev[0].mono_ms - t0, max_ms, "jam judged too late");
    expect_event(1, LK_OP_STATE, LK_SRC_KEYPAD, LK_REASON_RECOVERED);
    expect_event(2, LK_OP_ALARM, LK_SRC_KEYPAD, LK_REASON_JAMMED);
    cr_assert_eq(lk_sim_bolt_level(&f.sim), LK_BOLT_RETRACTED, "recovery did not go back");
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST);
    cr_assert_eq(f.sim.last_indication, LK_IND_JAMMED);
    cr_assert_eq(f.sim.violations, 0);
    for (i = 0; i < 3; i++) {
        struct lk_matter_event m;

        cr_assert_eq(lk_event_to_matter(&f.rec.ev[i], &m), LK_OK);
    }
    /* JAMMED holds while nothing changes ... */
    run(60000);
    expect_state(LK_STATE_JAMMED);
    /* ... and a good stroke clears it */
    lk_sim_clear_jam(&f.sim);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 2, 4), LK_OK);
    run(1000);
    expect_state(LK_STATE_LOCKED);
}

Test(actuate, jam_detected_by_stall_current_then_recovered)
{
    /* jam at half travel = 300 ms; stall seen on the next 10 ms poll */
    jam_scenario(1, LK_REASON_STALL, 300, 330);
}

Test(actuate, jam_without_current_sense_found_by_travel_window)
{
    jam_scenario(0, LK_REASON_TRAVEL_TIMEOUT, LK_DEFAULT_TRAVEL_MAX_MS,
                 LK_DEFAULT_TRAVEL_MAX_MS + 1);
}

Test(actuate, jam_both_ways_is_not_recovered)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.bolt_start_ppm = 0;
    start(&c);
    f.rec.n = 0;
    lk_sim_jam(&f.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL / 2);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(400);
    /* now the way back jams too */
    lk_sim_jam(&f.sim, LK_MOTOR_RETRACT, LK_SIM_TRAVEL_FULL / 4);
    run(5000);
    expect_state(LK_STATE_JAMMED);
    cr_assert_eq(f.rec.n, 3);
    expect_event(0, LK_OP_LOCK, LK_SRC_KEYPAD, LK_REASON_STALL);
    expect_event(1, LK_OP_STATE, LK_SRC_KEYPAD, LK_REASON_NOT_RECOVERED);
    expect_event(2, LK_OP_ALARM, LK_SRC_KEYPAD, LK_REASON_JAMMED);
    cr_assert_eq(lk_sim_bolt_level(&f.sim), LK_BOLT_BETWEEN);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST);
    /* a hand pushing the bolt home clears the jam, as a manual lock */
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(50);
    expect_state(LK_STATE_LOCKED);
    expect_event(3, LK_OP_LOCK, LK_SRC_MANUAL, LK_REASON_NONE);
}

/* Below the motor's minimum voltage its stall current falls under the
 * threshold too: the travel window is what catches it. */
Test(actuate, motor_too_weak_is_a_jam_not_a_hang)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.supply_mv = 3000;
    start(&c);
    /* A board that measures no power: with power_read the energy gate
     * would not start this stroke at all (test_power). */
    f.sim.port.power_read = NULL;
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(5000);
    expect_state(LK_STATE_JAMMED);
    expect_event(0, LK_OP_UNLOCK, LK_SRC_KEYPAD, LK_REASON_TRAVEL_TIMEOUT);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST);
}

Test(actuate, end_switch_too_early_is_a_fault)
{
    start(NULL);
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    f.sim.bolt_force = LK_BOLT_RETRACTED; /* switch claims "in" at once */
    run(20);
    expect_state(LK_STATE_JAMMED);
    expect_event(0, LK_OP_UNLOCK, LK_SRC_KEYPAD, LK_REASON_TRAVEL_TOO_FAST);
    expect_event(1, LK_OP_ALARM, LK_SRC_KEYPAD, LK_REASON_JAMMED);
    cr_assert_eq(f.rec.n, 2, "no recovery stroke on a lying switch");
    run(200);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST);
}

Test(actuate, sensor_failure_mid_stroke_stops_the_motor)
{
    start(NULL);
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(100);
    f.sim.fail_sensor = 1;
    run(20);
    expect_state(LK_STATE_UNKNOWN);
    expect_event(0, LK_OP_UNLOCK, LK_SRC_KEYPAD, LK_REASON_PORT_ERROR);
    run(200);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST);
    cr_assert_eq(f.rec.n, 1);
    /* the sensor comes back: the state follows the bolt */
    f.sim.fail_sensor = 0;
    run(10);
    expect_state(LK_STATE_UNKNOWN); /* stopped mid-travel */
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    expect_state(LK_STATE_UNLOCKED);
}

Test(actuate, out_of_range_bolt_level_is_a_sensor_failure)
{
    start(NULL);
    f.rec.n = 0;
    f.sim.bolt_force = 7;
    run(10);
    expect_state(LK_STATE_UNKNOWN);
    expect_event(0, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_PORT_ERROR);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_ERR_RANGE);
    expect_event(1, LK_OP_UNLOCK, LK_SRC_KEYPAD, LK_REASON_PORT_ERROR);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST, "moved blind");
}

Test(actuate, motor_failure_at_request_is_passed_up)
{
    start(NULL);
    f.rec.n = 0;
    f.sim.fail_motor = 1;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_ERR_IO);
    expect_state(LK_STATE_UNKNOWN);
    expect_event(0, LK_OP_UNLOCK, LK_SRC_KEYPAD, LK_REASON_PORT_ERROR);
    f.sim.fail_motor = 0;
    run(100);
    expect_state(LK_STATE_LOCKED); /* bolt never moved: state re-read */
}

Test(actuate, hand_movement_is_reported_as_manual)
{
    start(NULL);
    f.rec.n = 0;
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL / 2);
    run(50);
    expect_state(LK_STATE_UNKNOWN); /* mid-turn: neither locked nor unlocked */
    cr_assert_eq(f.rec.n, 0);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL); /* turned back: nothing happened */
    run(50);
    expect_state(LK_STATE_LOCKED);
    expect_event(0, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_NONE);
    f.rec.n = 0;
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL / 2);
    run(50);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    expect_state(LK_STATE_UNLOCKED);
    expect_event(0, LK_OP_UNLOCK, LK_SRC_MANUAL, LK_REASON_NONE);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(50);
    expect_state(LK_STATE_LOCKED);
    expect_event(1, LK_OP_LOCK, LK_SRC_MANUAL, LK_REASON_NONE);
    cr_assert_eq(f.rec.n, 2);
}

Test(actuate, busy_through_the_whole_jam_recovery)
{
    struct lk_sim_config c;
    int busy_polls = 0;

    lk_sim_default_config(&c);
    c.bolt_start_ppm = 0;
    start(&c);
    cr_assert_eq(lk_sim_jam(&f.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL / 2), LK_OK);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    while (lk_get_state(&f.lk) != LK_STATE_JAMMED) {
        int rc = lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0);

        cr_assert_eq(rc, LK_ERR_BUSY, "request accepted mid-recovery at %u", f.sim.now);
        busy_polls++;
        run(5);
        cr_assert_lt(busy_polls, 1000, "never finished");
    }
    cr_assert_gt(busy_polls, 60, "recovery should span brake + reverse stroke");
    cr_assert_eq(f.sim.violations, 0);
}

Test(actuate, jam_while_retracting_goes_back_out)
{
    start(NULL);
    f.rec.n = 0;
    cr_assert_eq(lk_sim_jam(&f.sim, LK_MOTOR_RETRACT, LK_SIM_TRAVEL_FULL / 3), LK_OK);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_RFID, 5, 6), LK_OK);
    run(5000);
    expect_state(LK_STATE_JAMMED);
    expect_event(0, LK_OP_UNLOCK, LK_SRC_RFID, LK_REASON_STALL);
    expect_event(1, LK_OP_STATE, LK_SRC_RFID, LK_REASON_RECOVERED);
    expect_event(2, LK_OP_ALARM, LK_SRC_RFID, LK_REASON_JAMMED);
    cr_assert_eq(lk_sim_bolt_level(&f.sim), LK_BOLT_EXTENDED, "door must stay locked");
}

Test(actuate, short_recovery_stroke_is_not_too_fast)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.bolt_start_ppm = 0;
    start(&c);
    f.rec.n = 0;
    /* jams at 8 %: the way back is ~50 ms, well under travel_min_ms */
    cr_assert_eq(lk_sim_jam(&f.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL * 8 / 100), LK_OK);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(3000);
    expect_event(1, LK_OP_STATE, LK_SRC_KEYPAD, LK_REASON_RECOVERED);
}

Test(actuate, stroke_from_mid_travel_is_not_too_fast)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.bolt_start_ppm = LK_SIM_TRAVEL_FULL * 9 / 10;
    start(&c);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    expect_state(LK_STATE_LOCKED);
    expect_event(0, LK_OP_LOCK, LK_SRC_KEYPAD, LK_REASON_NONE);
}

Test(actuate, jam_during_auto_relock_leaves_it_jammed_and_reported)
{
    f.cfg.auto_relock_ms = 1000;
    start(NULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    expect_state(LK_STATE_UNLOCKED);
    f.rec.n = 0;
    cr_assert_eq(lk_sim_jam(&f.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL / 2), LK_OK);
    run(5000);
    expect_state(LK_STATE_JAMMED);
    expect_event(0, LK_OP_LOCK, LK_SRC_AUTO, LK_REASON_STALL);
    expect_event(2, LK_OP_ALARM, LK_SRC_AUTO, LK_REASON_JAMMED);
    cr_assert_eq(f.rec.n, 3, "no second automatic attempt");
    run(60000);
    cr_assert_eq(f.rec.n, 3);
}

Test(actuate, driver_that_will_not_stop_is_retried_until_it_does)
{
    uint32_t next;

    start(NULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(300);
    f.sim.fail_motor = 1; /* brake and coast both refused from now on */
    run(1000);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_RETRACT, "sim should still be driving");
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_DEADLINE, "lockcore gave up on the stop");
    cr_assert_leq(next - f.sim.now, LK_DEFAULT_MOTION_POLL_MS);
    f.sim.fail_motor = 0;
    run(LK_DEFAULT_MOTION_POLL_MS + 1);
    cr_assert_neq(f.sim.motor_cmd, LK_MOTOR_RETRACT, "motor left driving");
    run(200);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_COAST);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_IDLE);
    cr_assert_eq(f.sim.violations, 0);
}

Test(actuate, bare_port_without_optional_callbacks_or_event_sink)
{
    struct lk_sim_config c;
    struct lk_port bare;

    lk_sim_default_config(&c);
    c.current_sense = 0;
    cr_assert_eq(lk_sim_init(&f.sim, &c), LK_OK);
    bare = f.sim.port;
    bare.indicate = NULL;
    bare.entropy = NULL;
    bare.power_read = NULL;
    bare.storage_sync = NULL;
    cr_assert_eq(lk_init(&f.lk, &bare, NULL), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, LK_DEFAULT_BRAKE_MS), LK_OK);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1000), LK_OK);
    expect_state(LK_STATE_UNLOCKED);
    cr_assert_eq(lk_sim_jam(&f.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL / 2), LK_OK);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 5000), LK_OK);
    expect_state(LK_STATE_JAMMED);
    cr_assert_eq(f.sim.n_indications, 0);
    cr_assert_eq(f.sim.violations, 0);
}

static int positive_motor_cmds;
static int positive_after_init(void *ctx, int cmd)
{
    (void)ctx;
    (void)cmd;
    return (positive_motor_cmds++ == 0) ? LK_OK : 4;
}

Test(actuate, positive_motor_return_is_a_range_error)
{
    struct lk_port p;

    cr_assert_eq(lk_sim_init(&f.sim, NULL), LK_OK);
    p = f.sim.port;
    p.motor_drive = positive_after_init;
    positive_motor_cmds = 0;
    cr_assert_eq(lk_init(&f.lk, &p, NULL), LK_OK);
    lk_sim_step(&f.sim, LK_DEFAULT_BRAKE_MS);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_ERR_RANGE);
}

/* Found by the fuzzer: a reset while the motor drives, then a stroke the
 * other way at once, reversed the bridge with no brake time. */
Test(actuate, no_stroke_within_the_brake_time_after_a_reboot)
{
    fixture_start(&f, NULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 100), LK_OK);
    cr_assert_eq(f.sim.motor_cmd, LK_MOTOR_RETRACT, "mid-stroke");
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK); /* a watchdog reset */
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE),
                 LK_ERR_BUSY);
    lk_sim_step(&f.sim, LK_DEFAULT_BRAKE_MS - 1u);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE),
                 LK_ERR_BUSY);
    lk_sim_step(&f.sim, 1);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 3000), LK_OK);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    cr_assert_eq(f.sim.violations, 0);
}
