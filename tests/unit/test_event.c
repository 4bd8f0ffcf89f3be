/* The event record and its mapping down to Matter DoorLock values. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include "lockcore/lockcore.h"

static struct lk_event ev(uint8_t op, uint8_t source, uint8_t reason)
{
    struct lk_event e;

    memset(&e, 0, sizeof e);
    e.op = op;
    e.source = source;
    e.reason = reason;
    return e;
}

static struct lk_matter_event map_ok(struct lk_event e)
{
    struct lk_matter_event m;

    memset(&m, 0xEE, sizeof m);
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_OK, "op %u source %u reason %u", e.op,
                 e.source, e.reason);
    return m;
}

Test(event, record_is_16_bytes_without_padding)
{
    cr_assert_eq(sizeof(struct lk_event), 16);
    cr_assert_eq(offsetof(struct lk_event, mono_ms), 8);
    cr_assert_eq(offsetof(struct lk_event, wall_s), 12);
}

Test(event, sources_map_to_matter_operation_source)
{
    int s;

    for (s = 0; s <= LK_SRC_ALIRO; s++) {
        cr_assert_eq(map_ok(ev(LK_OP_UNLOCK, (uint8_t)s, 0)).source, s);
    }
    /* the finer manual classes all map to Matter Manual (1) */
    cr_assert_eq(map_ok(ev(LK_OP_UNLOCK, LK_SRC_KEY, 0)).source, 1);
    cr_assert_eq(map_ok(ev(LK_OP_UNLOCK, LK_SRC_MECH_CODE, 0)).source, 1);
    cr_assert_eq(map_ok(ev(LK_OP_UNLOCK, LK_SRC_THUMBTURN, 0)).source, 1);
    cr_assert_eq(map_ok(ev(LK_OP_UNLOCK, LK_SRC_HANDLE, 0)).source, 1);
    cr_assert_eq(map_ok(ev(LK_OP_UNLOCK, LK_SRC_FORCED, 0)).source, 1);
}

Test(event, operations)
{
    struct lk_matter_event m = map_ok(ev(LK_OP_LOCK, LK_SRC_AUTO, 0));

    cr_assert_eq(m.kind, LK_MATTER_LOCK_OPERATION);
    cr_assert_eq(m.operation_type, 0); /* Lock */
    cr_assert_eq(m.source, 4);         /* Auto */
    m = map_ok(ev(LK_OP_UNLOCK, LK_SRC_KEYPAD, 0));
    cr_assert_eq(m.kind, LK_MATTER_LOCK_OPERATION);
    cr_assert_eq(m.operation_type, 1); /* Unlock */
    cr_assert_eq(m.source, 3);         /* Keypad */
}

Test(event, operation_errors)
{
    static const uint8_t reason[] = { LK_REASON_INVALID_CREDENTIAL, LK_REASON_DISABLED_USER,
                                      LK_REASON_RESTRICTED, LK_REASON_INSUFFICIENT_ENERGY,
                                      LK_REASON_STALL, LK_REASON_TRAVEL_TIMEOUT,
                                      LK_REASON_TRAVEL_TOO_FAST, LK_REASON_PORT_ERROR };
    static const uint8_t matter[] = { 1, 2, 3, 4, 0, 0, 0, 0 };
    unsigned i;

    for (i = 0; i < sizeof reason; i++) {
        struct lk_matter_event m = map_ok(ev(LK_OP_LOCK, LK_SRC_REMOTE, reason[i]));

        cr_assert_eq(m.kind, LK_MATTER_OPERATION_ERROR);
        cr_assert_eq(m.operation_type, 0);
        cr_assert_eq(m.code, matter[i], "reason %u", reason[i]);
        m = map_ok(ev(LK_OP_DENIED, LK_SRC_KEYPAD, reason[i]));
        cr_assert_eq(m.kind, LK_MATTER_OPERATION_ERROR);
        cr_assert_eq(m.operation_type, 1);
        cr_assert_eq(m.code, matter[i]);
    }
}

Test(event, alarms)
{
    static const uint8_t reason[] = { LK_REASON_JAMMED, LK_REASON_FACTORY_RESET,
                                      LK_REASON_RADIO_POWER_CYCLED, LK_REASON_WRONG_CODE_LIMIT,
                                      LK_REASON_ESCUTCHEON_REMOVED, LK_REASON_DOOR_FORCED_OPEN,
                                      LK_REASON_DOOR_AJAR, LK_REASON_FORCED_USER };
    static const uint8_t matter[] = { 0, 1, 3, 4, 5, 6, 7, 8 };
    unsigned i;

    for (i = 0; i < sizeof reason; i++) {
        struct lk_matter_event m = map_ok(ev(LK_OP_ALARM, LK_SRC_UNSPECIFIED, reason[i]));

        cr_assert_eq(m.kind, LK_MATTER_ALARM);
        cr_assert_eq(m.code, matter[i], "reason %u", reason[i]);
    }
    /* lockcore's own alarm with no Matter code */
    cr_assert_eq(map_ok(ev(LK_OP_ALARM, LK_SRC_KEY, LK_REASON_KEY_WHILE_HEALTHY)).kind,
                 LK_MATTER_NONE);
}

Test(event, events_matter_has_no_counterpart_for)
{
    cr_assert_eq(map_ok(ev(LK_OP_STATE, LK_SRC_UNSPECIFIED, 0)).kind, LK_MATTER_NONE);
    cr_assert_eq(map_ok(ev(LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_RECOVERED)).kind,
                 LK_MATTER_NONE);
    cr_assert_eq(map_ok(ev(LK_OP_NONE, LK_SRC_UNSPECIFIED, 0)).kind, LK_MATTER_NONE);
}

Test(event, malformed_events_refused)
{
    struct lk_event e = ev(LK_OP_LOCK, LK_SRC_KEYPAD, 0);
    struct lk_matter_event m;

    cr_assert_eq(lk_event_to_matter(NULL, &m), LK_ERR_INVAL);
    cr_assert_eq(lk_event_to_matter(&e, NULL), LK_ERR_INVAL);
    e = ev(LK_OP_COUNT_, LK_SRC_KEYPAD, 0);
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
    e = ev(LK_OP_LOCK, 11, 0);
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
    e = ev(LK_OP_LOCK, LK_SRC_COUNT_, 0);
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
    e = ev(LK_OP_LOCK, LK_SRC_KEYPAD, LK_REASON_COUNT_);
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
    e = ev(LK_OP_ALARM, LK_SRC_KEYPAD, LK_REASON_STALL); /* not an alarm */
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
    e = ev(LK_OP_LOCK, LK_SRC_KEYPAD, LK_REASON_JAMMED); /* alarm as an op error */
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
    e = ev(LK_OP_LOCK, LK_SRC_KEYPAD, LK_REASON_BATTERY_OK + 1); /* a gap in enum lk_reason */
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
    e = ev(LK_OP_LOCK, LK_SRC_KEYPAD, 31);
    cr_assert_eq(lk_event_to_matter(&e, &m), LK_ERR_RANGE);
}

Test(event, denial_without_detail_is_unspecified)
{
    struct lk_matter_event m = map_ok(ev(LK_OP_DENIED, LK_SRC_KEYPAD, LK_REASON_NONE));

    cr_assert_eq(m.kind, LK_MATTER_OPERATION_ERROR);
    cr_assert_eq(m.operation_type, 1);
    cr_assert_eq(m.code, 0);
}

Test(event, storage_events)
{
    cr_assert_eq(map_ok(ev(LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_STORE_FORMATTED)).kind,
                 LK_MATTER_NONE);
    cr_assert_eq(map_ok(ev(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_STORE_CORRUPT)).kind,
                 LK_MATTER_NONE);
    cr_assert_eq(map_ok(ev(LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_FACTORY_RESET)).code, 1);
}
