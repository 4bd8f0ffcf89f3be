/* Property test: 100,000 random steps (fixed seed) of switches, hand
 * movements, bounces, motor requests, door and tamper, and power cycles.
 * Throughout: no crash, the state stays defined, every event is well formed,
 * and every uncommanded bolt movement yields exactly one classified event,
 * with no such event without a movement. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lk_sim.h"

static struct lk_sim sim;
static struct lk_lock lk;
static struct lk_config cfg;
static unsigned long manual_seen;
static unsigned long events_seen;
static uint32_t rng = 0xC0FFEEu;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

static void on_event(void *ctx, const struct lk_event *ev)
{
    struct lk_matter_event m;

    (void)ctx;
    events_seen++;
    cr_assert_eq(lk_event_to_matter(ev, &m), LK_OK, "malformed event op %u src %u reason %u",
                 ev->op, ev->source, ev->reason);
    if ((ev->op == LK_OP_LOCK || ev->op == LK_OP_UNLOCK) &&
        (ev->source == LK_SRC_MANUAL || (ev->source >= LK_SRC_KEY && ev->source <= LK_SRC_FORCED))) {
        manual_seen++;
    }
}

static void run(uint32_t ms)
{
    int st;

    cr_assert_eq(lk_sim_run(&sim, &lk, ms), LK_OK);
    st = lk_get_state(&lk);
    cr_assert(st >= LK_STATE_UNKNOWN && st <= LK_STATE_JAMMED, "state %d", st);
    cr_assert_eq(sim.violations, 0);
}

static int settled_at_end(void)
{
    int st = lk_get_state(&lk);

    return (st == LK_STATE_LOCKED || st == LK_STATE_UNLOCKED) &&
           sim.motor_cmd == LK_MOTOR_COAST && lk_sim_bolt_level(&sim) != LK_BOLT_BETWEEN;
}

Test(override_property, random_walk_100k_steps, .timeout = 300)
{
    struct lk_sim_config c;
    unsigned long expected = 0;
    unsigned long step;

    lk_sim_default_config(&c);
    c.seed = 2026;
    c.sensors_fitted = (1u << LK_SENSOR_COUNT_) - 2u; /* every optional sensor */
    cr_assert_eq(lk_sim_init(&sim, &c), LK_OK);
    cfg.on_event = on_event;
    cfg.manual_paths = LK_PATH_ALL;
    cfg.auto_relock_ms = 7000;
    cr_assert_eq(lk_init(&lk, &sim.port, &cfg), LK_OK);
    run(100);

    for (step = 0; step < 100000ul; step++) {
        uint32_t action = rnd(100);

        if (action < 25) { /* a switch changes */
            int s = LK_SENSOR_KEY + (int)rnd(LK_SENSOR_COUNT_ - 1);

            cr_assert_eq(lk_sim_set_sensor(&sim, s, (uint8_t)rnd(2)), LK_OK);
            run(1 + rnd(60));
        } else if (action < 40) { /* a hand turns the bolt to the other end */
            if (settled_at_end()) {
                int32_t to = lk_sim_bolt_level(&sim) == LK_BOLT_EXTENDED ? 0 : LK_SIM_TRAVEL_FULL;

                lk_sim_move_bolt(&sim, LK_SIM_TRAVEL_FULL / 2);
                run(5 + rnd(40));
                lk_sim_move_bolt(&sim, to);
                run(LK_DEFAULT_DEBOUNCE_MS + 5 + rnd(30));
                expected++;
                cr_assert_eq(manual_seen, expected, "step %lu: %lu classified events for %lu "
                             "movements", step, manual_seen, expected);
            }
        } else if (action < 50) { /* the bolt bounces off its end */
            if (settled_at_end()) {
                int32_t home = lk_sim_bolt_level(&sim) == LK_BOLT_EXTENDED ? LK_SIM_TRAVEL_FULL : 0;

                lk_sim_move_bolt(&sim, LK_SIM_TRAVEL_FULL / 2);
                run(1 + rnd(LK_DEFAULT_DEBOUNCE_MS - 2));
                lk_sim_move_bolt(&sim, home);
                run(LK_DEFAULT_DEBOUNCE_MS + 5);
                cr_assert_eq(manual_seen, expected, "step %lu: a bounce made an event", step);
            }
        } else if (action < 65) { /* a motor request */
            int rc = rnd(2) ? lk_request_unlock(&lk, LK_SRC_KEYPAD, 1, 1)
                            : lk_request_lock(&lk, LK_SRC_REMOTE, 1, 1);

            cr_assert(rc == LK_OK || rc == LK_ERR_BUSY, "request gave %d", rc);
            run(1 + rnd(1500));
        } else if (action < 67) { /* power cut while idle, maybe a hand move while dead */
            if (settled_at_end()) {
                run(100);
                if (rnd(2)) {
                    int32_t to =
                        lk_sim_bolt_level(&sim) == LK_BOLT_EXTENDED ? 0 : LK_SIM_TRAVEL_FULL;

                    lk_sim_move_bolt(&sim, to);
                    expected++;
                }
                cr_assert_eq(lk_init(&lk, &sim.port, &cfg), LK_OK);
                run(LK_DEFAULT_DEBOUNCE_MS + 5);
                cr_assert_eq(manual_seen, expected, "step %lu: unpowered movement", step);
            }
        } else {
            run(1 + rnd(3000));
        }
        cr_assert_eq(manual_seen, expected, "step %lu: an event without a movement", step);
    }
    printf("override-property steps=100000 hand_movements=%lu classified=%lu events=%lu\n",
           expected, manual_seen, events_seen);
    cr_assert_gt(expected, 5000, "the walk moved the bolt too rarely to mean much");
    cr_assert_gt(events_seen, expected);
}
