/* The audit ring: append, page by sequence number, wrap-around, reboots,
 * and the lock's own events landing in it. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"
#include "lk_internal.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
}

TestSuite(audit, .init = setup);

static struct lk_event mk(uint32_t i)
{
    struct lk_event e;

    memset(&e, 0, sizeof e);
    e.op = LK_OP_UNLOCK;
    e.source = LK_SRC_KEYPAD;
    e.user = (uint16_t)i;
    e.cred = (uint16_t)(i >> 16);
    e.mono_ms = i * 1000u;
    e.wall_s = ~i;
    return e;
}

static void reboot(void)
{
    f.rec.n = 0;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
}

Test(audit, events_of_a_stroke_are_logged_in_order)
{
    uint32_t lo;
    uint32_t hi;
    struct lk_event e;
    uint32_t first;

    fixture_start(&f, NULL);
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(lo, 1);
    cr_assert_eq(hi, 1, "the format event is entry 1");
    cr_assert_eq(lk_audit_read(&f.lk, 1, &e), LK_OK);
    cr_assert_eq(e.reason, LK_REASON_STORE_FORMATTED);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 10), LK_OK);
    first = hi + 1;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 4, 2), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1000), LK_OK);
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(hi - first + 1, f.rec.n, "every reported event is logged");
    for (uint32_t i = 0; i < f.rec.n; i++) {
        cr_assert_eq(lk_audit_read(&f.lk, first + i, &e), LK_OK);
        cr_assert_eq(memcmp(&e, &f.rec.ev[i], sizeof e), 0, "entry %u differs", first + i);
        cr_assert_eq(e.flags & LK_EVF_NOT_LOGGED, 0);
    }
    cr_assert_eq(lk_audit_read(&f.lk, hi + 1, &e), LK_ERR_NOENT);
}

Test(audit, ring_overwrites_oldest_and_sequence_continues_across_reboots)
{
    uint32_t lo;
    uint32_t hi;
    uint32_t seq;
    uint32_t i;
    uint32_t cap;
    struct lk_event e;

    fixture_start(&f, NULL);
    cap = (uint32_t)f.lk.store.audit_blocks * f.lk.store.audit_slots;
    for (i = 0; i < 3u * cap; i++) {
        struct lk_event in = mk(i);

        cr_assert_eq(lk_audit_append(&f.lk, &in, &seq), LK_OK);
        cr_assert_eq(seq, i + 2u, "sequence skipped or repeated");
        if (i % 101u == 0u) {
            reboot();
        }
    }
    reboot();
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(hi, 3u * cap + 1u);
    /* at least one full block of history, at most the whole ring */
    cr_assert_geq(hi - lo + 1u, cap - f.lk.store.audit_slots);
    cr_assert_leq(hi - lo + 1u, cap);
    for (seq = lo; seq <= hi; seq++) {
        struct lk_event want = mk(seq - 2u);

        cr_assert_eq(lk_audit_read(&f.lk, seq, &e), LK_OK, "gap at %u", seq);
        cr_assert_eq(memcmp(&e, &want, sizeof e), 0);
    }
    cr_assert_eq(lk_audit_read(&f.lk, lo - 1u, &e), LK_ERR_NOENT);
    cr_assert_eq(f.sim.violations, 0);
}

Test(audit, bad_arguments)
{
    struct lk_lock raw;
    struct lk_event e;
    uint32_t a;

    fixture_start(&f, NULL);
    memset(&raw, 0, sizeof raw);
    cr_assert_eq(lk_audit_bounds(NULL, &a, &a), LK_ERR_INVAL);
    cr_assert_eq(lk_audit_bounds(&f.lk, NULL, &a), LK_ERR_INVAL);
    cr_assert_eq(lk_audit_bounds(&f.lk, &a, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_audit_bounds(&raw, &a, &a), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_audit_read(NULL, 1, &e), LK_ERR_INVAL);
    cr_assert_eq(lk_audit_read(&f.lk, 1, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_audit_read(&raw, 1, &e), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_audit_read(&f.lk, 0, &e), LK_ERR_NOENT);
    cr_assert_eq(lk_audit_read(&f.lk, 999, &e), LK_ERR_NOENT);
}

Test(audit, write_failure_marks_the_event_not_logged)
{
    fixture_start(&f, NULL);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 10), LK_OK);
    f.rec.n = 0;
    f.sim.fail_storage = 1;
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1000), LK_OK);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED, "a dead log must not stop the lock");
    cr_assert_eq(f.rec.n, 1);
    cr_assert_eq(f.rec.ev[0].flags & LK_EVF_NOT_LOGGED, LK_EVF_NOT_LOGGED);
    f.sim.fail_storage = 0;
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 1000), LK_OK);
    cr_assert_eq(f.rec.ev[1].flags & LK_EVF_NOT_LOGGED, 0);
}

/* A crafted entry holding the last sequence number: lockcore refuses to
 * wrap the sequence (it would repeat numbers), keeps running, and marks
 * its events as not logged. */
Test(audit, crafted_last_sequence_number_does_not_wrap)
{
    static const uint8_t magic[4] = { 'L', 'K', 'A', 1 };
    uint8_t *slot;
    uint32_t lo;
    uint32_t hi;

    fixture_start(&f, NULL);
    slot = f.sim.storage + 2u * f.lk.store.bank + f.lk.store.audit_slot * f.lk.store.slot;
    memset(slot, 0, 20);
    slot[0] = LK_OP_STATE;
    lk_put32(slot + 16, UINT32_MAX);
    lk_put32(slot + 20, lk_crc32(lk_crc32(0, magic, 4), slot, 20));
    reboot();
    cr_assert_eq(f.rec.n, 1, "an exhausted sequence is reported at boot");
    cr_assert_eq(f.rec.ev[0].op, LK_OP_ALARM);
    cr_assert_eq(f.rec.ev[0].reason, LK_REASON_STORE_CORRUPT);
    f.rec.n = 0;
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(hi, UINT32_MAX);
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 10), LK_OK);
    cr_assert_eq(f.rec.n, 1, "the lock still reports its state");
    cr_assert_eq(f.rec.ev[0].flags & LK_EVF_NOT_LOGGED, LK_EVF_NOT_LOGGED);
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(hi, UINT32_MAX);
}

/* A prog that wrote the entry but reported failure must still use up its
 * sequence number: two entries never share one. */
Test(audit, failed_prog_uses_up_its_sequence_number)
{
    struct lk_event e = mk(1);
    uint32_t seq = 0;
    uint32_t lo;
    uint32_t hi;
    struct lk_event got;

    fixture_start(&f, NULL);
    f.sim.fail_storage = 2;
    cr_assert_eq(lk_audit_append(&f.lk, &e, &seq), LK_ERR_IO);
    f.sim.fail_storage = 0;
    e = mk(2);
    cr_assert_eq(lk_audit_append(&f.lk, &e, &seq), LK_OK);
    cr_assert_eq(seq, 3, "the failed append's number was handed out again");
    reboot();
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(hi, 3);
    cr_assert_eq(lk_audit_read(&f.lk, 3, &got), LK_OK);
    cr_assert_eq(got.user, 2);
}
