/* The credential engine: enrolment and its refusals, PINs with decoys, the
 * lockout, user types, schedules, modes, cards, biometrics, tokens, and an
 * image edited by an attacker. (Offline codes: test_offline.c; power cuts
 * around a wrong guess: tests/powercut.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cred_internal.h"
#include "harness.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
    fixture_start(&f, NULL);
}

TestSuite(cred, .init = setup);

static void reboot(void)
{
    f.rec.n = 0;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    harness_settle(&f);
}

static void user(uint16_t idx, uint8_t type)
{
    struct lk_user u;

    memset(&u, 0, sizeof u);
    u.type = type;
    u.enabled = 1;
    if (type == LK_USER_EXPIRING) {
        u.expiring_min = 10;
    }
    cr_assert_eq(lk_user_set(&f.lk, idx, &u), LK_OK);
}

static int pin(uint16_t cred, uint16_t owner, const char *digits)
{
    return lk_cred_set(&f.lk, cred, LK_CRED_PIN, owner, (const uint8_t *)digits,
                       strlen(digits));
}

/* Type keys; returns what the last one returned. */
static int keys(const char *s)
{
    int rc = LK_VERDICT_NONE;

    while (*s != '\0') {
        rc = lk_keypad_key(&f.lk, *s++);
    }
    return rc;
}

static void run(uint32_t ms)
{
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, ms), LK_OK);
}

static const struct lk_event *last(uint8_t op)
{
    int i;

    for (i = (int)f.rec.n - 1; i >= 0; i--) {
        if (f.rec.ev[i].op == op) {
            return &f.rec.ev[i];
        }
    }
    cr_assert_fail("no event with op %u", op);
    return NULL;
}

static void one_user_one_pin(void)
{
    user(0, LK_USER_UNRESTRICTED);
    cr_assert_eq(pin(0, 0, "246810"), LK_OK);
    f.rec.n = 0;
}

Test(cred, pin_opens_and_a_wrong_one_is_denied_with_events)
{
    const struct lk_event *e;

    one_user_one_pin();
    cr_assert_eq(keys("246811#"), LK_VERDICT_DENIED);
    e = last(LK_OP_DENIED);
    cr_assert_eq(e->reason, LK_REASON_INVALID_CREDENTIAL);
    cr_assert_eq(e->source, LK_SRC_KEYPAD);
    cr_assert_eq(e->user, LK_INDEX_NONE);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
    e = last(LK_OP_GRANTED);
    cr_assert_eq(e->user, 0);
    cr_assert_eq(e->cred, 0);
    run(3000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    e = last(LK_OP_UNLOCK);
    cr_assert_eq(e->reason, LK_REASON_NONE);
    cr_assert_eq(e->user, 0);
}

Test(cred, credentials_survive_a_reboot)
{
    one_user_one_pin();
    reboot();
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
}

Test(cred, enrolment_refusals_each_have_their_error)
{
    uint8_t card[LK_CRED_DATA_MAX + 1] = { 1 };

    user(0, LK_USER_UNRESTRICTED);
    cr_assert_eq(pin(0, 0, "111111"), LK_ERR_WEAK);
    cr_assert_eq(pin(0, 0, "123456"), LK_ERR_WEAK);
    cr_assert_eq(pin(0, 0, "987654"), LK_ERR_WEAK);
    cr_assert_eq(pin(0, 0, "8901234"), LK_ERR_WEAK);
    cr_assert_eq(pin(0, 0, "12345"), LK_ERR_RANGE);
    cr_assert_eq(pin(0, 0, "135792468"), LK_ERR_RANGE);
    cr_assert_eq(pin(0, 0, "13579a"), LK_ERR_INVAL);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_PIN, 0, NULL, 6), LK_ERR_INVAL);
    cr_assert_eq(pin(LK_CREDS_MAX, 0, "135792"), LK_ERR_RANGE);
    cr_assert_eq(pin(0, LK_USERS_MAX, "135792"), LK_ERR_RANGE);
    cr_assert_eq(pin(0, 1, "135792"), LK_ERR_NOENT);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_TYPE_COUNT_, 0, card, 4), LK_ERR_NOTSUP);
    cr_assert_eq(lk_cred_set(&f.lk, 0, -1, 0, card, 4), LK_ERR_NOTSUP);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_RFID, 0, card, 0), LK_ERR_RANGE);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_RFID, 0, card, sizeof card), LK_ERR_RANGE);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_REMOTE_TOKEN, 0, card, 4), LK_ERR_RANGE);
    cr_assert_eq(pin(0, 0, "135792"), LK_OK);
    cr_assert_eq(pin(1, 0, "135792"), LK_ERR_EXIST);
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_PROGRAMMING_PIN, 0, (const uint8_t *)"135792", 6),
                 LK_ERR_EXIST);
    cr_assert_eq(pin(0, 0, "135792"), LK_OK, "replacing a credential with itself is fine");
}

Test(cred, bad_user_fields_are_refused)
{
    struct lk_user u;

    memset(&u, 0, sizeof u);
    u.enabled = 1;
    u.type = LK_USER_TYPE_COUNT_;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_CONFIG);
    u.type = LK_USER_EXPIRING; /* needs 1..2880 minutes */
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_CONFIG);
    u.type = LK_USER_WEEK_DAY;
    u.week_days = 0x80;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_CONFIG);
    u.week_days = 1;
    u.week_start_min = 600;
    u.week_end_min = 600;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_CONFIG);
    u.week_end_min = 1441;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_CONFIG);
    u.week_end_min = 700;
    u.rule = 3;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_CONFIG);
    u.rule = 0;
    u.enabled = 2;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_CONFIG);
    u.enabled = 1;
    cr_assert_eq(lk_user_set(&f.lk, LK_USERS_MAX, &u), LK_ERR_RANGE);
    cr_assert_eq(lk_user_set(&f.lk, 0, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_OK);
}

Test(cred, capacity_is_reported_when_full)
{
    uint16_t idx = 0xEEEE;
    unsigned i;
    char p[9];

    for (i = 0; i < LK_USERS_MAX; i++) {
        cr_assert_eq(lk_free_index(&f.lk, 0, &idx), LK_OK);
        cr_assert_eq(idx, i);
        user((uint16_t)i, LK_USER_UNRESTRICTED);
    }
    cr_assert_eq(lk_free_index(&f.lk, 0, &idx), LK_ERR_NOSPC);
    for (i = 0; i < LK_CREDS_MAX; i++) {
        cr_assert_eq(lk_free_index(&f.lk, 1, &idx), LK_OK);
        cr_assert_eq(idx, i);
        snprintf(p, sizeof p, "5%02u7%02u", i, (i * 7u) % 100u);
        cr_assert_eq(pin((uint16_t)i, (uint16_t)(i % LK_USERS_MAX), p), LK_OK, "%s", p);
    }
    cr_assert_eq(lk_free_index(&f.lk, 1, &idx), LK_ERR_NOSPC);
    cr_assert_eq(lk_free_index(&f.lk, 2, &idx), LK_ERR_RANGE);
    /* everything still there after a reboot; the last PIN opens */
    reboot();
    cr_assert_eq(keys(p), LK_VERDICT_NONE);
    cr_assert_eq(keys("#"), LK_VERDICT_GRANTED);
    cr_assert_eq(last(LK_OP_GRANTED)->cred, LK_CREDS_MAX - 1u);
    /* deleting a user deletes its credentials and frees the index */
    cr_assert_eq(lk_user_delete(&f.lk, 3), LK_OK);
    cr_assert_eq(lk_free_index(&f.lk, 1, &idx), LK_OK);
    cr_assert_eq(idx, 3);
    cr_assert_eq(lk_cred_get(&f.lk, 3, &(uint8_t){ 0 }, &idx), LK_ERR_NOENT);
    cr_assert_eq(lk_user_get(&f.lk, 3, &(struct lk_user){ 0 }), LK_ERR_NOENT);
}

Test(cred, virtual_pin_decoys_open_and_every_window_is_a_guess)
{
    struct lk_lockout_info li;

    one_user_one_pin();
    cr_assert_eq(keys("9305246810774#"), LK_VERDICT_GRANTED);
    run(3000);
    /* 16 digits with no PIN in it: 11 + 10 + 9 windows of 6, 7, 8 digits */
    cr_assert_eq(keys("9999888877776666#"), LK_VERDICT_DENIED);
    cr_assert_eq(lk_lockout_info(&f.lk, &li), LK_OK);
    cr_assert_eq(li.guesses, 30);
    /* the PIN at either end of a full-length entry */
    cr_assert_eq(keys("2468109999888877#"), LK_VERDICT_GRANTED);
    cr_assert_eq(lk_lockout_info(&f.lk, &li), LK_OK);
    cr_assert_eq(li.guesses, 0, "a recognised credential resets the count");
}

Test(cred, overlong_entries_and_non_digits)
{
    struct lk_lockout_info li;

    one_user_one_pin();
    cr_assert_eq(keys("1234567890123456"), LK_VERDICT_NONE);
    cr_assert_eq(lk_keypad_key(&f.lk, '7'), LK_ERR_RANGE);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_INVALID_CREDENTIAL);
    cr_assert_eq(lk_keypad_key(&f.lk, '8'), LK_ERR_RANGE);
    cr_assert_eq(lk_keypad_key(&f.lk, '#'), LK_VERDICT_NONE);
    cr_assert_eq(lk_lockout_info(&f.lk, &li), LK_OK);
    cr_assert_eq(li.guesses, 1);
    cr_assert_eq(lk_keypad_key(&f.lk, 'a'), LK_ERR_INVAL);
    cr_assert_eq(lk_keypad_key(&f.lk, '\0'), LK_ERR_INVAL);
    cr_assert_eq(lk_keypad_key(&f.lk, (char)0xB9), LK_ERR_INVAL);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED, "bad keys are ignored, not kept");
    run(3000);
    cr_assert_eq(keys("12*246810#"), LK_VERDICT_GRANTED, "'*' cancels an entry");
}

Test(cred, an_entry_times_out_between_digits)
{
    one_user_one_pin();
    cr_assert_eq(keys("246"), LK_VERDICT_NONE);
    run(LK_DEFAULT_DIGIT_TIMEOUT_MS + 10u);
    cr_assert_eq(keys("810#"), LK_VERDICT_DENIED);
    cr_assert_eq(keys("246"), LK_VERDICT_NONE);
    run(LK_DEFAULT_DIGIT_TIMEOUT_MS - 100u);
    cr_assert_eq(keys("810#"), LK_VERDICT_GRANTED);
}

Test(cred, lockout_escalates_and_ignores_even_the_right_pin)
{
    struct lk_lockout_info li;
    unsigned i;

    one_user_one_pin();
    for (i = 0; i < 5; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    }
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_WRONG_CODE_LIMIT), 0);
    cr_assert_eq(lk_keypad_key(&f.lk, '2'), LK_ERR_AGAIN);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_LOCKED_OUT);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, (const uint8_t *)"card", 4), LK_ERR_AGAIN);
    cr_assert_eq(lk_lockout_info(&f.lk, &li), LK_OK);
    cr_assert_eq(li.wrong_limit, 5);
    cr_assert_gt(li.remaining_ms, 89000u);
    cr_assert_leq(li.remaining_ms, 90000u);
    cr_assert_eq(li.disable_s_next, 255, "the 300 s tier is capped for Matter");
    run(89000);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
    run(1100);
    /* second lockout: 5 min */
    for (i = 0; i < 5; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    }
    run(299000);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
    run(1100);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
}

Test(cred, the_guess_limit_counts_decoy_windows)
{
    one_user_one_pin();
    cr_assert_eq(keys("9999888877776666#"), LK_VERDICT_DENIED); /* 30 guesses */
    cr_assert_eq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_WRONG_CODE_LIMIT), -1);
    cr_assert_eq(keys("99998888#"), LK_VERDICT_DENIED); /* 3 more: 33 >= 32 */
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_WRONG_CODE_LIMIT), 0);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
}

Test(cred, the_count_survives_reboots_and_a_lockout_restarts_in_full)
{
    struct lk_lockout_info li;
    unsigned i;

    one_user_one_pin();
    for (i = 0; i < 3; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    }
    reboot();
    cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    reboot();
    cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
    run(60000);
    reboot();
    cr_assert_eq(lk_lockout_info(&f.lk, &li), LK_OK);
    cr_assert_eq(li.remaining_ms, 90000u - LK_DEFAULT_BRAKE_MS,
                 "a reboot restarts the lockout in full (then the harness waited the brake time)");
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
    run(90100);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
}

Test(cred, the_failure_window_forgets_old_mistakes)
{
    unsigned i;

    one_user_one_pin();
    for (i = 0; i < 4; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    }
    run(LK_DEFAULT_FAIL_WINDOW_MS + 1000u);
    for (i = 0; i < 4; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    }
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
}

Test(cred, user_types)
{
    uint32_t forced_alarm_ind;

    user(0, LK_USER_NON_ACCESS);
    user(1, LK_USER_FORCED);
    user(2, LK_USER_DISPOSABLE);
    user(3, LK_USER_REMOTE_ONLY);
    cr_assert_eq(pin(0, 0, "314159"), LK_OK);
    cr_assert_eq(pin(1, 1, "271828"), LK_OK);
    cr_assert_eq(pin(2, 2, "161803"), LK_OK);
    cr_assert_eq(pin(3, 3, "141421"), LK_OK);
    cr_assert_eq(keys("314159#"), LK_VERDICT_DENIED);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_RESTRICTED);
    cr_assert_eq(keys("141421#"), LK_VERDICT_DENIED);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_RESTRICTED);

    forced_alarm_ind = f.sim.ind_count[LK_IND_ALARM];
    cr_assert_eq(keys("271828#"), LK_VERDICT_GRANTED);
    cr_assert_eq(last(LK_OP_ALARM)->reason, LK_REASON_FORCED_USER);
    cr_assert_eq(last(LK_OP_ALARM)->user, 1);
    cr_assert_eq(f.sim.ind_count[LK_IND_ALARM], forced_alarm_ind, "duress alarm is silent");
    run(3000);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
    run(3000);

    cr_assert_eq(keys("161803#"), LK_VERDICT_GRANTED);
    reboot();
    cr_assert_eq(keys("161803#"), LK_VERDICT_DENIED);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_DISABLED_USER);
}

Test(cred, programming_pin)
{
    user(0, LK_USER_PROGRAMMING);
    user(1, LK_USER_UNRESTRICTED);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_PROGRAMMING_PIN, 0, (const uint8_t *)"975310", 6),
                 LK_OK);
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_PROGRAMMING_PIN, 1, (const uint8_t *)"864201", 6),
                 LK_OK);
    cr_assert_eq(keys("975310#"), LK_VERDICT_PROGRAMMING);
    cr_assert_eq(last(LK_OP_STATE)->reason, LK_REASON_PROGRAMMING);
    cr_assert_eq(keys("864201#"), LK_VERDICT_DENIED, "only a programming user may program");
    run(3000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
}

static void schedule_user(uint16_t idx, uint8_t type, uint8_t days, uint16_t from, uint16_t to,
                          uint32_t y0, uint32_t y1)
{
    struct lk_user u;

    memset(&u, 0, sizeof u);
    u.type = type;
    u.enabled = 1;
    u.week_days = days;
    u.week_start_min = from;
    u.week_end_min = to;
    u.year_start_s = y0;
    u.year_end_s = y1;
    cr_assert_eq(lk_user_set(&f.lk, idx, &u), LK_OK);
}

#define FRI_2026_11_27_1400 1795788000u /* a Friday, 14:00 UTC */

Test(cred, schedules_need_trusted_time_and_unrestricted_users_do_not)
{
    schedule_user(0, LK_USER_WEEK_DAY, 1u << 5, 9 * 60, 17 * 60, 0, 0); /* Fridays 9-17 */
    schedule_user(1, LK_USER_YEAR_DAY, 0, 0, 0, FRI_2026_11_27_1400 - 3600u,
                  FRI_2026_11_27_1400 + 3600u);
    user(2, LK_USER_UNRESTRICTED);
    cr_assert_eq(pin(0, 0, "505050"), LK_OK);
    cr_assert_eq(pin(1, 1, "606060"), LK_OK);
    cr_assert_eq(pin(2, 2, "707070"), LK_OK);

    cr_assert_eq(keys("505050#"), LK_VERDICT_DENIED);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_RESTRICTED);
    cr_assert_eq(keys("606060#"), LK_VERDICT_DENIED);
    cr_assert_eq(keys("707070#"), LK_VERDICT_GRANTED);
    run(3000);

    cr_assert_eq(lk_set_wall_time(&f.lk, FRI_2026_11_27_1400), LK_OK);
    cr_assert_eq(keys("505050#"), LK_VERDICT_GRANTED);
    cr_assert_eq(keys("606060#"), LK_VERDICT_GRANTED);
    /* 16:59 UTC but 18:59 local at UTC+2: outside 9-17 */
    cr_assert_eq(lk_set_time_zone(&f.lk, 120), LK_OK);
    cr_assert_eq(lk_set_wall_time(&f.lk, FRI_2026_11_27_1400 + 3u * 3600u - 60u), LK_OK);
    cr_assert_eq(keys("505050#"), LK_VERDICT_DENIED);
    cr_assert_eq(keys("606060#"), LK_VERDICT_DENIED, "year-day window over");
    cr_assert_eq(lk_set_time_zone(&f.lk, 0), LK_OK);
    cr_assert_eq(keys("505050#"), LK_VERDICT_GRANTED);
    /* a Saturday */
    cr_assert_eq(lk_set_wall_time(&f.lk, FRI_2026_11_27_1400 + 86400u), LK_OK);
    cr_assert_eq(keys("505050#"), LK_VERDICT_DENIED);
    /* the wall clock lost (e.g. the app found it wrong) */
    cr_assert_eq(lk_clear_wall_time(&f.lk), LK_OK);
    cr_assert_eq(keys("707070#"), LK_VERDICT_GRANTED);
    cr_assert_eq(lk_set_time_zone(&f.lk, 841), LK_ERR_RANGE);
    cr_assert_eq(lk_set_time_zone(&f.lk, -721), LK_ERR_RANGE);
}

Test(cred, an_expiring_user_expires_across_a_reboot)
{
    user(0, LK_USER_EXPIRING); /* 10 minutes */
    cr_assert_eq(pin(0, 0, "818283"), LK_OK);
    cr_assert_eq(keys("818283#"), LK_VERDICT_DENIED, "no trusted time yet");
    cr_assert_eq(lk_set_wall_time(&f.lk, FRI_2026_11_27_1400), LK_OK);
    cr_assert_eq(keys("818283#"), LK_VERDICT_GRANTED);
    run(3000);
    reboot();
    cr_assert_eq(lk_set_wall_time(&f.lk, FRI_2026_11_27_1400 + 9u * 60u), LK_OK);
    cr_assert_eq(keys("818283#"), LK_VERDICT_GRANTED);
    run(3000);
    reboot();
    cr_assert_eq(lk_set_wall_time(&f.lk, FRI_2026_11_27_1400 + 10u * 60u), LK_OK);
    cr_assert_eq(keys("818283#"), LK_VERDICT_DENIED);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_RESTRICTED);
}

Test(cred, dual_rule_needs_two_different_credentials_in_time)
{
    struct lk_user u;

    memset(&u, 0, sizeof u);
    u.type = LK_USER_UNRESTRICTED;
    u.enabled = 1;
    u.rule = LK_RULE_DUAL;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_OK);
    cr_assert_eq(pin(0, 0, "246810"), LK_OK);
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_RFID, 0, (const uint8_t *)"\x04\xA1\x22\x33", 4),
                 LK_OK);
    cr_assert_eq(keys("246810#"), LK_VERDICT_PENDING);
    cr_assert_eq(last(LK_OP_STATE)->reason, LK_REASON_MORE_CREDENTIALS);
    cr_assert_eq(last(LK_OP_STATE)->user, 0);
    cr_assert_eq(keys("246810#"), LK_VERDICT_PENDING, "the same credential twice");
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, (const uint8_t *)"\x04\xA1\x22\x33", 4),
                 LK_VERDICT_GRANTED);
    run(3000);
    cr_assert_eq(keys("246810#"), LK_VERDICT_PENDING);
    run(LK_DEFAULT_MULTI_WINDOW_MS + 100u);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, (const uint8_t *)"\x04\xA1\x22\x33", 4),
                 LK_VERDICT_PENDING, "the window closed: this starts again");
}

Test(cred, cards_and_biometric_ids)
{
    static const uint8_t card[7] = { 0x04, 0x52, 0x9B, 0x12, 0x33, 0x80, 0x01 };
    static const uint8_t finger[2] = { 0x00, 0x07 };

    user(0, LK_USER_UNRESTRICTED);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_RFID, 0, card, sizeof card), LK_OK);
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_FINGERPRINT, 0, finger, sizeof finger), LK_OK);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, card, 6), LK_VERDICT_DENIED);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_FACE, finger, 2), LK_VERDICT_DENIED,
                 "a face ID is not a fingerprint ID");
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, card, sizeof card), LK_VERDICT_GRANTED);
    cr_assert_eq(last(LK_OP_GRANTED)->source, LK_SRC_RFID);
    run(3000);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_FINGERPRINT, finger, 2), LK_VERDICT_GRANTED);
    cr_assert_eq(last(LK_OP_GRANTED)->source, LK_SRC_BIOMETRIC);
    cr_assert_eq(last(LK_OP_GRANTED)->cred, 1);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_PIN, card, 6), LK_ERR_NOTSUP);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, card, 0), LK_ERR_RANGE);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, card, LK_CRED_DATA_MAX + 1u), LK_ERR_RANGE);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, NULL, 4), LK_ERR_INVAL);
}

static void token_mac(const uint8_t key[32], const uint8_t chal[16], uint16_t cred,
                      uint8_t out[32])
{
    uint8_t msg[18];

    memcpy(msg, chal, 16);
    msg[16] = (uint8_t)(cred >> 8);
    msg[17] = (uint8_t)cred;
    lk_hmac_sha256(key, 32, msg, sizeof msg, out);
}

Test(cred, remote_token_challenge_response_and_replay)
{
    uint8_t key[32];
    uint8_t chal[16];
    uint8_t mac[32];

    user(0, LK_USER_REMOTE_ONLY);
    cr_assert_eq(lk_cred_set(&f.lk, 5, LK_CRED_REMOTE_TOKEN, 0, NULL, 0), LK_OK);
    cr_assert_eq(lk_token_key(&f.lk, 5, key), LK_OK);
    cr_assert_eq(lk_token_key(&f.lk, 4, key + 0), LK_ERR_NOENT);
    cr_assert_eq(lk_token_key(&f.lk, 5, key), LK_OK);

    cr_assert_eq(lk_token_challenge(&f.lk, chal), LK_OK);
    token_mac(key, chal, 5, mac);
    cr_assert_eq(lk_token_response(&f.lk, 5, mac), LK_VERDICT_GRANTED);
    cr_assert_eq(last(LK_OP_GRANTED)->source, LK_SRC_REMOTE);
    run(3000);
    cr_assert_eq(lk_token_response(&f.lk, 5, mac), LK_VERDICT_DENIED, "replay");
    cr_assert_eq(lk_token_challenge(&f.lk, chal), LK_OK);
    token_mac(key, chal, 4, mac);
    cr_assert_eq(lk_token_response(&f.lk, 4, mac), LK_VERDICT_DENIED, "not a token");
    cr_assert_eq(lk_token_challenge(&f.lk, chal), LK_OK);
    token_mac(key, chal, 5, mac);
    mac[0] ^= 0x80;
    cr_assert_eq(lk_token_response(&f.lk, 5, mac), LK_VERDICT_DENIED, "one bit off");
    cr_assert_eq(lk_token_challenge(&f.lk, chal), LK_OK);
    token_mac(key, chal, 5, mac);
    run(LK_TOKEN_CHALLENGE_MS + 10u);
    cr_assert_eq(lk_token_response(&f.lk, 5, mac), LK_VERDICT_DENIED, "challenge expired");
    cr_assert_eq(lk_token_response(&f.lk, LK_CREDS_MAX, mac), LK_ERR_RANGE);
    /* re-enrolling draws a new key: the old phone is out */
    cr_assert_eq(lk_cred_set(&f.lk, 5, LK_CRED_REMOTE_TOKEN, 0, NULL, 0), LK_OK);
    cr_assert_eq(lk_token_challenge(&f.lk, chal), LK_OK);
    token_mac(key, chal, 5, mac);
    cr_assert_eq(lk_token_response(&f.lk, 5, mac), LK_VERDICT_DENIED);
}

Test(cred, operating_modes)
{
    uint8_t key[32];
    uint8_t chal[16];
    uint8_t mac[32];

    one_user_one_pin();
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_REMOTE_TOKEN, 0, NULL, 0), LK_OK);
    cr_assert_eq(lk_token_key(&f.lk, 1, key), LK_OK);
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_VACATION), LK_OK);
    reboot();
    cr_assert_eq(lk_get_mode(&f.lk), LK_MODE_VACATION, "the mode is persisted");
    cr_assert_eq(keys("246810#"), LK_VERDICT_DENIED);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_RESTRICTED);
    cr_assert_eq(lk_token_challenge(&f.lk, chal), LK_OK);
    token_mac(key, chal, 1, mac);
    cr_assert_eq(lk_token_response(&f.lk, 1, mac), LK_VERDICT_GRANTED);
    run(3000);
    cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
    run(3000);
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_NO_REMOTE), LK_OK);
    cr_assert_eq(lk_token_challenge(&f.lk, chal), LK_OK);
    token_mac(key, chal, 1, mac);
    cr_assert_eq(lk_token_response(&f.lk, 1, mac), LK_VERDICT_DENIED);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
    run(3000);
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_PRIVACY), LK_OK);
    cr_assert_eq(keys("246810#"), LK_VERDICT_DENIED);
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_COUNT_), LK_ERR_RANGE);
    cr_assert_eq(lk_set_mode(&f.lk, -1), LK_ERR_RANGE);
}

Test(cred, passage_mode_suspends_auto_relock)
{
    f.cfg.auto_relock_ms = 5000;
    reboot();
    one_user_one_pin();
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_PASSAGE), LK_OK);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
    run(20000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_NORMAL), LK_OK);
    run(1000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED, "relock once passage ends");
}

Test(cred, a_recognised_but_refused_credential_does_not_reset_the_count)
{
    struct lk_user u = { .type = LK_USER_UNRESTRICTED, .enabled = 0 };
    unsigned i;

    one_user_one_pin();
    cr_assert_eq(lk_user_set(&f.lk, 1, &u), LK_OK);
    cr_assert_eq(pin(1, 1, "135790"), LK_OK);
    /* a stolen PIN of a disabled user between guesses must not help */
    for (i = 0; i < 2; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
        cr_assert_eq(keys("135790#"), LK_VERDICT_DENIED);
        cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_DISABLED_USER);
    }
    cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_WRONG_CODE_LIMIT), 0);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
}

Test(cred, a_one_shot_credential_is_not_spent_while_the_bolt_moves)
{
    user(0, LK_USER_DISPOSABLE);
    cr_assert_eq(pin(0, 0, "161803"), LK_OK);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
    run(20);
    cr_assert_eq(keys("161803#"), LK_ERR_BUSY);
    cr_assert_eq(rec_find(&f.rec, LK_OP_GRANTED, LK_REASON_NONE), -1);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, (const uint8_t *)"card", 4), LK_ERR_BUSY);
    while (lk_act_moving(&f.lk)) {
        run(10);
    }
    cr_assert_eq(keys("#"), LK_VERDICT_GRANTED, "the entry was kept for another '#'");
}

/* ---- an attacker with the flash ---- */



/* Rewrite a record as an attacker would: valid CRC, whatever bytes. */
static void forge(uint16_t key, const uint8_t *val, uint8_t len)
{
    cr_assert_eq(lk_store_set(&f.lk, key, val, len), LK_OK);
}

static void raw(uint16_t key, uint8_t *val, uint8_t *len)
{
    cr_assert_eq(lk_store_get(&f.lk, key, val, LK_STORE_VALUE_MAX, len), LK_OK);
}

Test(cred, an_image_edited_to_raise_rights_is_refused)
{
    uint8_t v[LK_STORE_VALUE_MAX];
    uint8_t len;

    user(0, LK_USER_NON_ACCESS);
    cr_assert_eq(pin(0, 0, "314159"), LK_OK);
    raw(KEY_USER0, v, &len);
    v[0] = LK_USER_UNRESTRICTED;
    forge(KEY_USER0, v, len);
    reboot();
    cr_assert_eq(keys("314159#"), LK_VERDICT_DENIED);
    cr_assert_eq(last(LK_OP_DENIED)->reason, LK_REASON_INVALID_CREDENTIAL);
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_STORE_CORRUPT), 0);
    cr_assert_eq(lk_user_get(&f.lk, 0, &(struct lk_user){ 0 }), LK_ERR_CORRUPT);
}

Test(cred, an_image_edited_to_add_a_credential_is_refused)
{
    uint8_t v[LK_STORE_VALUE_MAX];
    uint8_t len;
    uint8_t type;
    uint16_t who;

    user(0, LK_USER_UNRESTRICTED);
    cr_assert_eq(pin(0, 0, "314159"), LK_OK);
    /* copy the record to another index: its MAC is bound to the key */
    raw(KEY_CRED0, v, &len);
    forge(KEY_CRED0 + 1u, v, len);
    cr_assert_eq(lk_cred_delete(&f.lk, 0), LK_OK);
    cr_assert_eq(lk_cred_get(&f.lk, 1, &type, &who), LK_ERR_CORRUPT);
    cr_assert_eq(keys("314159#"), LK_VERDICT_DENIED);
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_STORE_CORRUPT), 0);
    /* a made-up record with a made-up MAC */
    memset(v, 0x5A, sizeof v);
    v[CRED_TYPE] = LK_CRED_RFID;
    v[CRED_USER] = 0;
    forge(KEY_CRED0 + 2u, v, CRED_BYTES + MAC_BYTES);
    cr_assert_eq(lk_cred_get(&f.lk, 2, &type, &who), LK_ERR_CORRUPT);
    /* a record of the wrong size is corrupt, not a crash */
    forge(KEY_CRED0 + 3u, v, 3);
    cr_assert_eq(lk_cred_get(&f.lk, 3, &type, &who), LK_ERR_CORRUPT);
    forge(KEY_CRED0 + 4u, v, LK_STORE_VALUE_MAX);
    cr_assert_eq(lk_cred_get(&f.lk, 4, &type, &who), LK_ERR_CORRUPT);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, v, 4), LK_VERDICT_DENIED);
}

Test(cred, an_image_edited_to_zero_the_counter_locks_out)
{
    uint8_t v[LK_STORE_VALUE_MAX];
    uint8_t len;
    unsigned i;

    one_user_one_pin();
    for (i = 0; i < 4; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    }
    raw(KEY_LOCKOUT, v, &len);
    cr_assert_eq(v[0], 4);
    v[0] = 0; /* attempts */
    v[1] = 0; /* guesses */
    forge(KEY_LOCKOUT, v, len);
    reboot();
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_STORE_CORRUPT), 0);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN, "forged counter: locked out");
    /* deleting the record outright is noticed too */
    run(900100);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
    cr_assert_eq(lk_store_del(&f.lk, KEY_LOCKOUT), LK_OK);
    reboot();
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_STORE_CORRUPT), 0);
    cr_assert_eq(keys("246810#"), LK_ERR_AGAIN);
}

Test(cred, the_device_key_is_made_once_from_entropy_and_kept)
{
    uint8_t k1[32];
    uint8_t k2[32];

    lk_sim_set_device_key(&f.sim, NULL);
    reboot();
    cr_assert_eq(lk_offline_key(&f.lk, k1), LK_OK);
    one_user_one_pin();
    reboot();
    cr_assert_eq(lk_offline_key(&f.lk, k2), LK_OK);
    cr_assert_eq(memcmp(k1, k2, 32), 0);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
    lk_sim_set_device_key(&f.sim, harness_device_key);
    reboot();
    cr_assert_eq(lk_offline_key(&f.lk, k2), LK_OK);
    cr_assert_neq(memcmp(k1, k2, 32), 0, "not a fixed default");
    /* under another key every record of ours reads as forged */
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_STORE_CORRUPT), 0);
    cr_assert_neq(keys("246810#"), LK_VERDICT_GRANTED);
}

Test(cred, without_key_or_entropy_the_lock_works_but_credentials_do_not)
{
    struct lk_user u = { .type = LK_USER_UNRESTRICTED, .enabled = 1 };
    uint16_t idx;

    cr_assert_eq(lk_sim_init(&f.sim, NULL), LK_OK);
    f.sim.port.entropy = NULL;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    harness_settle(&f);
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_ERR_NOTSUP);
    cr_assert_eq(lk_keypad_key(&f.lk, '1'), LK_ERR_NOTSUP);
    cr_assert_eq(lk_free_index(&f.lk, 0, &idx), LK_ERR_NOTSUP);
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
}

Test(cred, null_and_uninitialised)
{
    struct lk_lock raw_lk;
    uint8_t b[32];
    uint16_t idx;

    memset(&raw_lk, 0, sizeof raw_lk);
    cr_assert_eq(lk_keypad_key(NULL, '1'), LK_ERR_INVAL);
    cr_assert_eq(lk_keypad_key(&raw_lk, '1'), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_user_set(&f.lk, 0, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_user_get(&f.lk, 0, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_cred_get(&f.lk, 0, NULL, &idx), LK_ERR_INVAL);
    cr_assert_eq(lk_free_index(&f.lk, 0, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_token_key(&f.lk, 0, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_token_challenge(&f.lk, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_token_response(&f.lk, 0, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_offline_key(&f.lk, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_offline_key(&raw_lk, b), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_lockout_info(&f.lk, NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_get_mode(NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_user_delete(&f.lk, LK_USERS_MAX), LK_ERR_RANGE);
    cr_assert_eq(lk_cred_delete(&f.lk, LK_CREDS_MAX), LK_ERR_RANGE);
    cr_assert_eq(lk_user_delete(&f.lk, 7), LK_OK, "deleting nothing is fine");
}

Test(cred, config_ranges_are_checked)
{
    struct lk_config c;

    memset(&c, 0, sizeof c);
    c.pin_min_len = LK_PIN_LEN_MIN - 1u;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_ERR_CONFIG);
    memset(&c, 0, sizeof c);
    c.pin_max_len = LK_PIN_LEN_MAX + 1u;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_ERR_CONFIG);
    memset(&c, 0, sizeof c);
    c.keypad_max_digits = LK_KEYPAD_DIGITS_MAX + 1u;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_ERR_CONFIG);
    memset(&c, 0, sizeof c);
    c.lockout_ms[0] = 400000; /* longer than the second tier */
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_ERR_CONFIG);
    memset(&c, 0, sizeof c);
    c.lockout_types = 0x80;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_ERR_CONFIG);
    memset(&c, 0, sizeof c);
    c.offline_otc_valid_s = 10;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_ERR_CONFIG);
    memset(&c, 0, sizeof c);
    c.wrong_limit = 3;
    c.lockout_ms[0] = 10000;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &c), LK_OK);
}

Test(cred, a_forged_or_missing_mode_record_falls_back_to_privacy)
{
    uint8_t v[LK_STORE_VALUE_MAX];
    uint8_t len;

    one_user_one_pin();
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_PRIVACY), LK_OK);
    raw(KEY_MODE, v, &len);
    v[0] = LK_MODE_NORMAL; /* old MAC */
    forge(KEY_MODE, v, len);
    reboot();
    cr_assert_eq(lk_get_mode(&f.lk), LK_MODE_PRIVACY);
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_STORE_CORRUPT), 0);
    cr_assert_eq(keys("246810#"), LK_VERDICT_DENIED);
    cr_assert_eq(lk_set_mode(&f.lk, LK_MODE_NORMAL), LK_OK);
    cr_assert_eq(lk_store_del(&f.lk, KEY_MODE), LK_OK);
    reboot();
    cr_assert_eq(lk_get_mode(&f.lk), LK_MODE_PRIVACY, "cut out of the image");
}

Test(cred, keys_at_the_maximum_rate_during_a_lockout_change_nothing)
{
    static const char typed[] = "2468101357924681#*";
    uint32_t progs;
    unsigned denied = 0;
    unsigned i;

    one_user_one_pin();
    run(100); /* the first poll learns the bolt's state (an event, a write) */
    for (i = 0; i < 5; i++) {
        cr_assert_eq(keys("111222#"), LK_VERDICT_DENIED);
    }
    progs = f.sim.n_prog;
    f.rec.n = 0;
    /* one key per millisecond for the whole 90 s lockout, the right PIN
     * among them, polled as a firmware would */
    for (i = 0; i < 89000u; i++) {
        int rc = lk_keypad_key(&f.lk, typed[i % (sizeof typed - 1u)]);

        cr_assert(rc == LK_ERR_AGAIN, "key %u: %d", i, rc);
        f.sim.now += 1u;
        if (i % 64u == 0u) {
            uint32_t next;

            cr_assert_geq(lk_poll(&f.lk, &next), 0);
        }
    }
    for (i = 0; i < f.rec.n; i++) {
        cr_assert_neq(f.rec.ev[i].op, LK_OP_GRANTED);
        denied += (f.rec.ev[i].op == LK_OP_DENIED);
    }
    cr_assert_eq(denied, 1, "one LOCKED_OUT denial per lockout, not one per key");
    cr_assert_eq(f.sim.n_prog - progs, 1u, "only the LOCKED_OUT audit entry is written, not %u",
                 f.sim.n_prog - progs);
    run(1100);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
}
