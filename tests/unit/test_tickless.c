/* Tickless deadlines, auto-relock and clock wrap-around. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
}

TestSuite(tickless, .init = setup);

static void run(uint32_t ms)
{
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, ms), LK_OK);
}

Test(tickless, idle_asks_for_no_wakeup)
{
    uint32_t next = 0xDEADBEEFu;

    fixture_start(&f, NULL);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_IDLE);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_IDLE);
    f.sim.n_polls = 0;
    run(24u * 3600u * 1000u); /* a day */
    cr_assert_eq(f.sim.n_polls, 1, "idle lock woke %u times", f.sim.n_polls);
}

Test(tickless, moving_asks_for_motion_polls)
{
    uint32_t next = 0;

    fixture_start(&f, NULL);
    run(1);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_DEADLINE);
    cr_assert_eq(next, f.sim.now + LK_DEFAULT_MOTION_POLL_MS);
    /* the whole stroke takes a bounded number of polls */
    f.sim.n_polls = 0;
    run(2000);
    cr_assert_leq(f.sim.n_polls, 600 / LK_DEFAULT_MOTION_POLL_MS + 10);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_IDLE);
}

Test(tickless, travel_deadline_caps_the_motion_poll)
{
    uint32_t next = 0;

    f.cfg.motion_poll_ms = 100;
    f.cfg.travel_max_ms = 150;
    f.cfg.travel_min_ms = 10;
    f.cfg.inrush_blank_ms = 10;
    fixture_start(&f, NULL);
    run(1);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    f.sim.now += 100;
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_DEADLINE);
    cr_assert_eq(next, f.sim.now + 50, "travel window end must be a deadline");
}

Test(tickless, auto_relock_deadline)
{
    uint32_t next = 0;
    uint32_t t_unlocked;

    f.cfg.auto_relock_ms = 5000;
    fixture_start(&f, NULL);
    run(1);
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 1, 1), LK_OK);
    while (lk_get_state(&f.lk) != LK_STATE_UNLOCKED) {
        run(1);
    }
    t_unlocked = f.rec.ev[0].mono_ms;
    run(LK_DEFAULT_BRAKE_MS + 5);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_DEADLINE);
    cr_assert_eq(next, t_unlocked + 5000);
    f.sim.n_polls = 0;
    run(4000);
    cr_assert_eq(f.sim.n_polls, 1, "waiting for relock must not tick");
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    run(2000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    cr_assert_eq(f.rec.n, 2);
    cr_assert_eq(f.rec.ev[1].op, LK_OP_LOCK);
    cr_assert_eq(f.rec.ev[1].source, LK_SRC_AUTO);
    cr_assert_eq(f.rec.ev[1].user, LK_INDEX_NONE);
    cr_assert_geq(f.rec.ev[1].mono_ms - t_unlocked, 5000);
}

Test(tickless, auto_relock_off_by_default)
{
    fixture_start(&f, NULL);
    run(1);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 1, 1), LK_OK);
    run(3600u * 1000u);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
}

Test(tickless, auto_relock_after_a_hand_unlock_and_cancelled_by_a_hand_lock)
{
    uint32_t next;

    f.cfg.auto_relock_ms = 3000;
    fixture_start(&f, NULL);
    run(1);
    lk_sim_move_bolt(&f.sim, 0);
    run(1000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    lk_sim_move_bolt(&f.sim, LK_SIM_TRAVEL_FULL);
    run(50);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_IDLE, "relock still armed after a hand lock");
    lk_sim_move_bolt(&f.sim, 0);
    run(3000 + 700); /* relock due after 3 s, plus one stroke */
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    cr_assert_eq(f.rec.ev[f.rec.n - 1].source, LK_SRC_AUTO);
}

Test(tickless, clock_wraps_during_stroke_and_relock)
{
    struct lk_sim_config c;
    uint32_t next;

    lk_sim_default_config(&c);
    c.start_ms = 0xFFFFFFFFu - 300u; /* wraps mid-stroke */
    f.cfg.auto_relock_ms = 2000;
    fixture_start(&f, &c);
    run(1);
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    cr_assert_lt(f.sim.now, 1000u, "clock did not wrap");
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_eq(f.rec.ev[0].reason, LK_REASON_NONE, "wrap misjudged as a fault");
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_DEADLINE);
    cr_assert_eq(next, f.rec.ev[0].mono_ms + 2000u);
    run(2500);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    cr_assert_eq(f.rec.ev[1].source, LK_SRC_AUTO);
}

Test(tickless, relock_deadline_across_the_wrap)
{
    struct lk_sim_config c;
    uint32_t next;

    lk_sim_default_config(&c);
    c.start_ms = 0xFFFFF000u;
    f.cfg.auto_relock_ms = 10000; /* due after the wrap */
    fixture_start(&f, &c);
    run(1);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(800);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_DEADLINE);
    cr_assert_lt(next, 0x10000u, "deadline should have wrapped: %u", next);
    run(4000); /* the clock wraps here; the relock is not due yet */
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    run(7000); /* due at ~10.6 s after the unlock, plus one stroke */
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
}

Test(tickless, wall_clock_stamps_and_rebase_deadline)
{
    uint32_t next;

    fixture_start(&f, NULL);
    run(1);
    cr_assert_eq(lk_set_wall_time(&f.lk, 1800000000u), LK_OK);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_DEADLINE);
    cr_assert_eq(next, f.sim.now + 0x40000000u);
    run(2500);
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    cr_assert_eq(f.rec.ev[0].flags & LK_EVF_WALL_TRUSTED, LK_EVF_WALL_TRUSTED);
    cr_assert_eq(f.rec.ev[0].wall_s, 1800000003u);
    /* 40 days pass with the lock polled when it asks: the stamp is right */
    run(40u * 86400u * 1000u);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    cr_assert_eq(f.rec.ev[1].wall_s - f.rec.ev[0].wall_s, 40u * 86400u + 1u);
    cr_assert_eq(lk_clear_wall_time(&f.lk), LK_OK);
    cr_assert_eq(lk_poll(&f.lk, &next), LK_POLL_IDLE);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    cr_assert_eq(f.rec.ev[2].flags & LK_EVF_WALL_TRUSTED, 0);
    cr_assert_eq(f.rec.ev[2].wall_s, 0);
}

Test(tickless, wall_clock_survives_the_port_clock_wrap)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.start_ms = 0xFFFFFFFFu - 5000u;
    fixture_start(&f, &c);
    run(1);
    cr_assert_eq(lk_set_wall_time(&f.lk, 1800000000u), LK_OK);
    /* 60 days: the 32-bit ms clock wraps once (and a bit) */
    for (int day = 0; day < 60; day++) {
        run(86400u * 1000u);
    }
    cr_assert_lt(f.sim.now, 0xFFFFFFFFu - 5000u, "clock did not wrap");
    f.rec.n = 0;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(1000);
    cr_assert_eq(f.rec.n, 1);
    cr_assert_eq(f.rec.ev[0].wall_s, 1800000000u + 60u * 86400u, "wall_s %u", f.rec.ev[0].wall_s);
}

Test(tickless, auto_relock_also_after_booting_unlocked)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.bolt_start_ppm = 0;
    f.cfg.auto_relock_ms = 5000;
    fixture_start(&f, &c);
    run(4000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    run(2000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED, "a lock that boots unlocked stayed open");
    cr_assert_eq(f.rec.ev[f.rec.n - 1].source, LK_SRC_AUTO);
}
