/* Override detection on the sim port: classes under every combination of
 * fitted sensors, debounce edges, simultaneous inputs, movement while
 * unpowered, alarms and their policy, and auto-relock with the door. */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <string.h>

#include "harness.h"
#include "lk_internal.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
}

TestSuite(override, .init = setup);

#define PATHS ((1u << LK_SENSOR_KEY) | (1u << LK_SENSOR_MECH_CODE) | \
               (1u << LK_SENSOR_THUMBTURN) | (1u << LK_SENSOR_HANDLE))

static void run(uint32_t ms)
{
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, ms), LK_OK);
}

static void boot_with(uint32_t fitted, int32_t bolt_ppm)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.sensors_fitted = fitted;
    c.bolt_start_ppm = bolt_ppm;
    fixture_start(&f, &c);
    run(5);
    f.rec.n = 0;
}

static unsigned count(uint8_t op, uint8_t source, uint8_t reason)
{
    unsigned i;
    unsigned n = 0;

    for (i = 0; i < f.rec.n; i++) {
        n += f.rec.ev[i].op == op && f.rec.ev[i].source == source &&
             f.rec.ev[i].reason == reason;
    }
    return n;
}

static void power_cycle(void)
{
    f.rec.n = 0;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    run(5);
}

static unsigned manual_events(void)
{
    unsigned i;
    unsigned n = 0;

    for (i = 0; i < f.rec.n; i++) {
        uint8_t s = f.rec.ev[i].source;

        n += (f.rec.ev[i].op == LK_OP_LOCK || f.rec.ev[i].op == LK_OP_UNLOCK) &&
             (s == LK_SRC_MANUAL || (s >= LK_SRC_KEY && s <= LK_SRC_FORCED));
    }
    return n;
}

/* Unlock by hand through path `used` (a LK_SENSOR_* path, or -1 = no path:
 * force), with `fitted` path sensors, on a lock that has all four paths. */
static uint8_t classify_case(uint32_t fitted, int used)
{
    unsigned i;

    f.cfg.manual_paths = LK_PATH_ALL;
    boot_with(fitted, LK_SIM_TRAVEL_FULL);
    if (used >= 0) {
        cr_assert_eq(lk_sim_set_sensor(&f.sim, used, 1), LK_OK);
        run(50);
    }
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL / 2);
    run(20);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    if (used >= 0) {
        cr_assert_eq(lk_sim_set_sensor(&f.sim, used, 0), LK_OK);
        run(50);
    }
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_eq(manual_events(), 1, "exactly one classified event (fitted %x used %d)",
                 fitted, used);
    for (i = 0; i < f.rec.n; i++) {
        if (f.rec.ev[i].op == LK_OP_UNLOCK) {
            return f.rec.ev[i].source;
        }
    }
    return 0xFF;
}

Test(override, every_class_under_every_combination_of_fitted_sensors)
{
    static const uint8_t class_of[] = { 0, LK_SRC_KEY, LK_SRC_MECH_CODE, LK_SRC_THUMBTURN,
                                        LK_SRC_HANDLE };
    uint32_t combo;
    int used;

    for (combo = 0; combo < 16u; combo++) {
        uint32_t fitted = combo << LK_SENSOR_KEY;

        for (used = -1; used <= LK_SENSOR_HANDLE; used++) {
            uint8_t want;
            uint8_t got;

            if (used == 0) {
                continue; /* the bolt is not a path */
            }
            if (used > 0 && (fitted & (1u << used)) != 0u) {
                want = class_of[used];
            } else if (fitted == PATHS && used < 0) {
                want = LK_SRC_FORCED;
            } else if (fitted == PATHS) {
                continue; /* every path sensed: an unsensed path cannot be used */
            } else {
                want = LK_SRC_MANUAL;
            }
            memset(&f, 0, sizeof f);
            got = classify_case(fitted, used);
            cr_assert_eq(got, want, "fitted %x used %d: class %u, want %u", fitted, used, got,
                         want);
            cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_DOOR_FORCED_OPEN),
                         want == LK_SRC_FORCED ? 1u : 0u);
        }
    }
}

Test(override, default_paths_key_and_thumbturn)
{
    /* key and thumbturn sensed, defaults say the lock has only those: a
     * movement with both at rest is forced */
    boot_with((1u << LK_SENSOR_KEY) | (1u << LK_SENSOR_THUMBTURN), LK_SIM_TRAVEL_FULL);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_FORCED, 0), 1);
}

Test(override, path_switch_released_before_the_bolt_arrives_still_counts)
{
    boot_with(1u << LK_SENSOR_THUMBTURN, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_THUMBTURN, 1), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_THUMBTURN, 0), LK_OK);
    run(500);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_THUMBTURN, 0), 1);
    /* long after the window, the same switch explains nothing */
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(LK_DEFAULT_PATH_WINDOW_MS + 100);
    f.rec.n = 0;
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_MANUAL, 0), 1);
}

Test(override, chatter_shorter_than_the_window_is_ignored)
{
    int i;

    f.cfg.debounce_ms = 30;
    boot_with((1u << LK_SENSOR_DOOR) | (1u << LK_SENSOR_KEY), LK_SIM_TRAVEL_FULL);
    /* door contact chatters, 25 ms at a time, while locked */
    for (i = 0; i < 10; i++) {
        cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, (uint8_t)(i % 2 == 0)), LK_OK);
        run(25);
    }
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 0), LK_OK);
    run(100);
    cr_assert_eq(f.rec.n, 0, "chatter raised %u events", f.rec.n);
    /* bolt bounces off its end for 20 ms: no movement */
    lk_sim_move_bolt(&f.sim, 0);
    run(20);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(100);
    cr_assert_eq(f.rec.n, 0);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    /* a key pulse of 29 ms does not count as the key being used */
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    run(29);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 0), LK_OK);
    run(10);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_MANUAL, 0), 1);
}

Test(override, a_level_held_just_longer_than_the_window_counts)
{
    f.cfg.debounce_ms = 30;
    boot_with((1u << LK_SENSOR_DOOR) | (1u << LK_SENSOR_KEY), LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    run(31);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 0), LK_OK);
    run(100);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_DOOR_FORCED_OPEN), 1);
    f.rec.n = 0;
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    run(31);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 0), LK_OK);
    run(10);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_KEY, 0), 1);
}

Test(override, key_turned_while_the_motor_runs_is_one_motor_event)
{
    boot_with(1u << LK_SENSOR_KEY, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 1, 1), LK_OK);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    run(1000);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 0), LK_OK);
    run(1000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_KEYPAD, 0), 1);
    cr_assert_eq(manual_events(), 0, "a commanded stroke was classified as manual");
}

Test(override, key_used_while_the_lock_had_no_power)
{
    boot_with(1u << LK_SENSOR_KEY, LK_SIM_TRAVEL_FULL);
    run(100); /* the locked state is persisted */
    /* battery dead: nobody polls; the key opens the door */
    lk_sim_move_bolt(&f.sim, 0);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    power_cycle();
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_eq(f.rec.n, 1);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_KEY, LK_REASON_WHILE_UNPOWERED), 1);
    /* the next boot without a movement reports only the state */
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 0), LK_OK);
    run(100);
    power_cycle();
    cr_assert_eq(f.rec.n, 1);
    cr_assert_eq(f.rec.ev[0].op, LK_OP_STATE);
}

Test(override, unpowered_movement_without_sensors_is_manual)
{
    boot_with(0, 0);
    run(100);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    power_cycle();
    cr_assert_eq(count(LK_OP_LOCK, LK_SRC_MANUAL, LK_REASON_WHILE_UNPOWERED), 1);
    {
        struct lk_matter_event m;

        cr_assert_eq(lk_event_to_matter(&f.rec.ev[0], &m), LK_OK);
        cr_assert_eq(m.kind, LK_MATTER_LOCK_OPERATION);
        cr_assert_eq(m.source, 1);
    }
}

Test(override, door_forced_open_while_bolt_thrown)
{
    boot_with(1u << LK_SENSOR_DOOR, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    run(100);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_DOOR_FORCED_OPEN), 1);
    cr_assert_eq(f.sim.last_indication, LK_IND_ALARM);
}

Test(override, door_opened_while_unlocked_is_no_alarm_until_ajar)
{
    f.cfg.door_ajar_ms = 5000;
    boot_with(1u << LK_SENSOR_DOOR, 0);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    run(4900);
    cr_assert_eq(f.rec.n, 0);
    run(200);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_DOOR_AJAR), 1);
    run(60000);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_DOOR_AJAR), 1,
                 "ajar raised once per opening");
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 0), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    run(5200);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_DOOR_AJAR), 2);
}

Test(override, tamper_alarm_is_rate_limited_then_raised_when_allowed)
{
    boot_with(1u << LK_SENSOR_TAMPER, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 1), LK_OK);
    run(100);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_ESCUTCHEON_REMOVED), 1);
    /* put back and off again within the repeat interval: held back ... */
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 0), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 1), LK_OK);
    run(100);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_ESCUTCHEON_REMOVED), 1);
    /* ... and raised once the interval allows, since it still stands */
    run(LK_DEFAULT_ALARM_REPEAT_MS);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_ESCUTCHEON_REMOVED), 2);
    /* a standing alarm does not repeat by itself */
    run(10u * LK_DEFAULT_ALARM_REPEAT_MS);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_ESCUTCHEON_REMOVED), 2);
}

Test(override, silence_drops_an_alarm_the_rate_limit_held_back)
{
    boot_with(1u << LK_SENSOR_TAMPER, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 1), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 0), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 1), LK_OK);
    run(100);
    cr_assert_eq(lk_alarm_silence(&f.lk, 0, 3), LK_OK);
    cr_assert_eq(f.sim.last_indication, LK_IND_SILENCED);
    cr_assert_eq(count(LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_ALARM_SILENCED), 1);
    cr_assert_eq(f.rec.ev[f.rec.n - 1].cred, 3);
    run(3u * LK_DEFAULT_ALARM_REPEAT_MS);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_ESCUTCHEON_REMOVED), 1,
                 "silenced alarm came back while the condition stood");
    /* cleared and begun anew: raised again */
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 0), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 1), LK_OK);
    run(100);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_ESCUTCHEON_REMOVED), 2);
    cr_assert_eq(lk_alarm_silence(NULL, 0, 0), LK_ERR_INVAL);
}

Test(override, tamper_already_off_at_boot_alarms)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.sensors_fitted = 1u << LK_SENSOR_TAMPER;
    fixture_start(&f, &c);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_TAMPER, 1), LK_OK);
    run(5);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_ESCUTCHEON_REMOVED), 1);
}

Test(override, ajar_held_back_by_the_rate_limit_is_raised_later)
{
    f.cfg.door_ajar_ms = 5000;
    boot_with(1u << LK_SENSOR_DOOR, 0);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    run(6000);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_DOOR_AJAR), 1);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 0), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    run(6000); /* ajar again, 12 s after the first alarm */
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_DOOR_AJAR), 1);
    run(LK_DEFAULT_ALARM_REPEAT_MS);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_DOOR_AJAR), 2,
                 "an ajar door was never reported the second time");
}

Test(override, door_forced_while_the_lock_had_no_power)
{
    boot_with(1u << LK_SENSOR_DOOR, LK_SIM_TRAVEL_FULL);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    power_cycle();
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_DOOR_FORCED_OPEN), 1);
}

Test(override, unpowered_movement_is_never_called_forced)
{
    f.cfg.manual_paths = LK_PATH_ALL;
    boot_with(PATHS, LK_SIM_TRAVEL_FULL);
    run(100);
    lk_sim_move_bolt(&f.sim, 0);
    power_cycle();
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_MANUAL, LK_REASON_WHILE_UNPOWERED), 1);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_DOOR_FORCED_OPEN), 0);
}

static int first_read_fails;
static int flaky_sensor(void *ctx, int sensor, uint8_t *level)
{
    if (sensor == LK_SENSOR_BOLT && first_read_fails > 0) {
        first_read_fails--;
        return LK_ERR_IO;
    }
    return f.sim.port.sensor_read(ctx, sensor, level);
}

Test(override, bolt_unreadable_at_boot_makes_no_phantom_movement)
{
    static struct lk_port p;

    boot_with(0, LK_SIM_TRAVEL_FULL);
    run(100); /* locked state persisted */
    p = f.sim.port;
    p.sensor_read = flaky_sensor;
    first_read_fails = 3;
    f.rec.n = 0;
    cr_assert_eq(lk_init(&f.lk, &p, &f.cfg), LK_OK);
    run(3500); /* retried once a second */
    cr_assert_eq(manual_events(), 0, "a bolt that never moved was reported moving");
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
}

Test(override, read_error_mid_stroke_then_the_end_is_learnt_not_forced)
{
    f.cfg.manual_paths = LK_PATH_ALL;
    boot_with(PATHS, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(100);
    f.sim.fail_sensor = 1;
    run(50);
    f.sim.fail_sensor = 0;
    lk_sim_move_bolt(&f.sim, 0);
    run(100);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_FORCED, 0), 0);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_DOOR_FORCED_OPEN), 0);
}

Test(override, partial_turn_keeps_the_auto_relock)
{
    f.cfg.auto_relock_ms = 5000;
    boot_with(0, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(2000);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL / 2);
    run(100);
    lk_sim_move_bolt(&f.sim, 0);
    run(100);
    run(10000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED, "relock lost after a partial turn");
}

Test(override, key_wins_over_other_active_paths_and_classes_work_for_locking)
{
    f.cfg.manual_paths = LK_PATH_ALL;
    boot_with(PATHS, 0);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_THUMBTURN, 1), LK_OK);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    run(50);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(50);
    cr_assert_eq(count(LK_OP_LOCK, LK_SRC_KEY, 0), 1);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 0), LK_OK);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_THUMBTURN, 0), LK_OK);
    run(LK_DEFAULT_PATH_WINDOW_MS + 100);
    f.rec.n = 0;
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_HANDLE, 1), LK_OK);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_MECH_CODE, 1), LK_OK);
    run(50);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_MECH_CODE, 0), 1);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_HANDLE, 0), LK_OK);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_MECH_CODE, 0), LK_OK);
    run(LK_DEFAULT_PATH_WINDOW_MS + 100);
    /* forced the other way (bolt pushed out): the class, but no forced-open alarm */
    f.rec.n = 0;
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(50);
    cr_assert_eq(count(LK_OP_LOCK, LK_SRC_FORCED, 0), 1);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_FORCED, LK_REASON_DOOR_FORCED_OPEN), 0);
}

Test(override, old_path_activity_is_forgotten_across_a_clock_wrap)
{
    boot_with(1u << LK_SENSOR_KEY, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    run(100);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 0), LK_OK);
    run(100);
    /* idle for a whole turn of the 32-bit clock, then a hand turns the bolt */
    run(0xFFFFFFFFu - 150u);
    f.rec.n = 0;
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_MANUAL, 0), 1, "a key used 49 days ago was blamed");
}

static unsigned key_alarm_case(uint8_t policy, uint32_t battery_mv)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.sensors_fitted = 1u << LK_SENSOR_KEY;
    c.supply_mv = battery_mv;
    f.cfg.key_policy = policy;
    fixture_start(&f, &c);
    run(5);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    run(50);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_KEY, 0), 1);
    return count(LK_OP_ALARM, LK_SRC_KEY, LK_REASON_KEY_WHILE_HEALTHY);
}

Test(override, key_while_healthy_policy)
{
    cr_assert_eq(key_alarm_case(LK_KEY_POLICY_ALARM, 6000), 1);
    memset(&f, 0, sizeof f);
    cr_assert_eq(key_alarm_case(LK_KEY_POLICY_NOTIFY, 6000), 0);
    memset(&f, 0, sizeof f);
    cr_assert_eq(key_alarm_case(LK_KEY_POLICY_DEFAULT, 6000), 0);
    memset(&f, 0, sizeof f);
    cr_assert_eq(key_alarm_case(LK_KEY_POLICY_ALARM, 4000), 0, "a weak battery excuses the key");
}

Test(override, auto_relock_waits_for_the_door_to_close)
{
    f.cfg.auto_relock_ms = 2000;
    boot_with(1u << LK_SENSOR_DOOR, LK_SIM_TRAVEL_FULL);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(800);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    f.sim.n_polls = 0;
    run(10000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED, "threw the bolt into an open door");
    cr_assert_lt(f.sim.n_polls, 10, "waiting for the door must not spin (%u polls)",
                 f.sim.n_polls);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 0), LK_OK);
    run(1000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    cr_assert_eq(count(LK_OP_LOCK, LK_SRC_AUTO, 0), 1);
}

Test(override, stroke_against_the_door_frame_is_a_jam)
{
    boot_with(1u << LK_SENSOR_DOOR, 0);
    /* door shut but sagging: the frame stops the bolt at 30 % */
    cr_assert_eq(lk_sim_jam(&f.sim, LK_MOTOR_EXTEND, LK_SIM_TRAVEL_FULL * 3 / 10), LK_OK);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(3000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_JAMMED);
    cr_assert_eq(count(LK_OP_LOCK, LK_SRC_KEYPAD, 0), 0, "reported a stroke that failed");
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_KEYPAD, LK_REASON_JAMMED), 1);
}

Test(override, bad_config_refused)
{
    struct lk_config c;
    int i;

    cr_assert_eq(lk_sim_init(&f.sim, NULL), LK_OK);
    for (i = 0; i < 7; i++) {
        memset(&c, 0, sizeof c);
        switch (i) {
        case 0: c.manual_paths = 1u << LK_SENSOR_DOOR; break; /* not a path */
        case 1: c.key_policy = 3; break;
        case 2: c.debounce_ms = 1001; break;
        case 3: c.door_ajar_ms = 999; break;
        case 4: c.alarm_repeat_ms = 500; break;
        case 5: c.path_window_ms = 60001; break;
        default: c.battery_ok_mv = 60001; break;
        }
        cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_ERR_CONFIG, "case %d accepted", i);
    }
}

Test(override, failed_optional_sensor_keeps_its_last_level)
{
    f.cfg.door_ajar_ms = 5000;
    boot_with(1u << LK_SENSOR_DOOR, 0);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_DOOR, 1), LK_OK);
    run(100);
    f.sim.cfg.sensors_fitted = 0; /* the sim now answers NOTSUP for the door */
    run(6000);
    cr_assert_eq(count(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_DOOR_AJAR), 1,
                 "a failed read must not close the door");
}

/* A movement is logged, then the new state saved: power cut between the two
 * must not make the next boot report the same movement again. */
Test(override, cut_between_the_event_and_the_saved_state_reports_once)
{
    jmp_buf jb;
    volatile int cut = 0;

    boot_with(0, LK_SIM_TRAVEL_FULL);
    run(100);
    lk_sim_move_bolt(&f.sim, 0);
    if (setjmp(jb) == 0) {
        lk_sim_arm_cut(&f.sim, 1, 0, &jb); /* the audit entry lands, the state write is cut */
        run(100);
        lk_sim_disarm_cut(&f.sim);
    } else {
        cut = 1;
    }
    cr_assert(cut, "the cut did not happen where intended");
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_MANUAL, 0), 1, "the movement was reported");
    power_cycle();
    cr_assert_eq(manual_events(), 0, "reported twice: %u events after the reboot", f.rec.n);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
}

/* A firmware built without the audit log (LK_WITH_AUDIT 0) saved the last
 * state with sequence 0xFFFFFFFF after the bolt moved; the log still holds
 * the older movements of an earlier full build. Booting a full build again
 * must trust the saved state, not an older logged movement. */
Test(override, a_state_saved_without_the_log_is_newer_than_the_log)
{
    static const uint8_t saved[6] = { LK_BOLT_RETRACTED, 0, 0xFF, 0xFF, 0xFF, 0xFF };

    boot_with(0, LK_SIM_TRAVEL_FULL);
    run(100);
    lk_sim_move_bolt(&f.sim, 0);
    run(100);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(100);
    cr_assert_eq(count(LK_OP_LOCK, LK_SRC_MANUAL, 0), 1, "the full build logged the relock");
    /* the stripped build's life: unlocked, state saved without a sequence */
    lk_sim_move_bolt(&f.sim, 0);
    cr_assert_eq(lk_store_set(&f.lk, 0x0100u, saved, sizeof saved), LK_OK);
    power_cycle();
    cr_assert_eq(manual_events(), 0, "a movement nobody made was reported: %u events", f.rec.n);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
}
