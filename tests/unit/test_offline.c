/* Offline codes on the lock: the shared vectors (tests/vectors/offline-codes.txt,
 * which the generator passes too), and the attacks on them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_internal.h"
#include "harness.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
    fixture_start(&f, NULL);
}

TestSuite(offline, .init = setup);

static int type(const char *code)
{
    int rc = lk_keypad_key(&f.lk, '*');
    const char *p;

    cr_assert_eq(rc, LK_VERDICT_NONE);
    for (p = code; *p != '\0'; p++) {
        rc = lk_keypad_key(&f.lk, *p);
        if (rc != LK_VERDICT_NONE) {
            return rc;
        }
    }
    return lk_keypad_key(&f.lk, '#');
}

static uint8_t last_denial(void)
{
    int i;

    for (i = (int)f.rec.n - 1; i >= 0; i--) {
        if (f.rec.ev[i].op == LK_OP_DENIED) {
            return f.rec.ev[i].reason;
        }
    }
    return 0xFF;
}

/* Let the stroke a grant started finish, so the next grant is not BUSY. */
static void settle(void)
{
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 3000), LK_OK);
    if (lk_get_state(&f.lk) == LK_STATE_UNLOCKED) {
        cr_assert_eq(lk_request_lock(&f.lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE), LK_OK);
        cr_assert_eq(lk_sim_run(&f.sim, &f.lk, 3000), LK_OK);
    }
}

static void hex(const char *s, uint8_t *out, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned v;

        cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

Test(offline, the_lock_passes_the_shared_vectors)
{
    char line[256];
    uint8_t dk[32];
    uint8_t koff[32];
    uint8_t mine[32];
    unsigned checks = 0;
    unsigned lineno = 0;
    unsigned long prev = 0;
    FILE *in = fopen(LK_FIXTURE_DIR "/../vectors/offline-codes.txt", "r");

    cr_assert_not_null(in);
    while (fgets(line, sizeof line, in) != NULL) {
        unsigned long now;
        int tz;
        char code[32];
        char expect[16];
        int rc;

        lineno++;
        if (strncmp(line, "dk ", 3) == 0) {
            hex(line + 3, dk, 32);
            lk_sim_set_device_key(&f.sim, dk);
            f.rec.n = 0;
            cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    harness_settle(&f);
        } else if (strncmp(line, "koff ", 5) == 0) {
            hex(line + 5, koff, 32);
            cr_assert_eq(lk_offline_key(&f.lk, mine), LK_OK);
            cr_assert_eq(memcmp(mine, koff, 32), 0, "K_off differs from the vectors'");
        } else if (sscanf(line, "check now=%lu tz=%d code=%31s expect=%15s", &now, &tz, code,
                          expect) == 4) {
            cr_assert_geq(now, prev);
            /* the port clock moves with the wall clock (failure window,
             * lockouts), in one jump */
            f.sim.now += (uint32_t)((now - prev > 86400u ? 86400u : now - prev) * 1000u);
            prev = now;
            cr_assert_eq(lk_set_wall_time(&f.lk, (uint32_t)now), LK_OK);
            cr_assert_eq(lk_set_time_zone(&f.lk, tz), LK_OK);
            f.rec.n = 0;
            rc = type(code);
            if (strcmp(expect, "granted") == 0) {
                cr_assert_eq(rc, LK_VERDICT_GRANTED, "line %u: %d", lineno, rc);
                settle();
            } else if (strcmp(expect, "cleared") == 0) {
                cr_assert_eq(rc, LK_VERDICT_CLEARED, "line %u: %d", lineno, rc);
            } else {
                cr_assert_eq(rc, LK_VERDICT_DENIED, "line %u: %d", lineno, rc);
                cr_assert_eq(last_denial(),
                             strcmp(expect, "invalid") == 0 ? LK_REASON_INVALID_CREDENTIAL
                                                            : LK_REASON_RESTRICTED,
                             "line %u", lineno);
            }
            checks++;
        }
    }
    fclose(in);
    cr_assert_geq(checks, 40u, "only %u checks read", checks);
}

/* A one-time code (vectors' first) for 2026-11-27 14:00 UTC under the
 * harness device key (the vectors' too). */
#define OTC "14988300881894"
#define T0 1795788000u

Test(offline, no_trusted_clock_no_offline_code)
{
    cr_assert_eq(type(OTC), LK_VERDICT_DENIED);
    cr_assert_eq(last_denial(), LK_REASON_RESTRICTED);
    cr_assert_eq(lk_set_wall_time(&f.lk, T0 + 600u), LK_OK);
    cr_assert_eq(type(OTC), LK_VERDICT_GRANTED, "the refusal did not use it up");
}

Test(offline, a_used_one_time_code_stays_used_across_reboot_and_clock_games)
{
    cr_assert_eq(lk_set_wall_time(&f.lk, T0 + 600u), LK_OK);
    cr_assert_eq(type(OTC), LK_VERDICT_GRANTED);
    settle();
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    harness_settle(&f);
    cr_assert_eq(lk_set_wall_time(&f.lk, T0 + 700u), LK_OK);
    cr_assert_eq(type(OTC), LK_VERDICT_DENIED, "replayed after a reboot");
    cr_assert_eq(last_denial(), LK_REASON_RESTRICTED);
}

Test(offline, setting_the_clock_back_does_not_revive_an_expired_code)
{
    /* expired at 20:15 UTC; seen (refused) at 21:00 */
    cr_assert_eq(lk_set_wall_time(&f.lk, T0 + 7u * 3600u), LK_OK);
    cr_assert_eq(type(OTC), LK_VERDICT_DENIED);
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    harness_settle(&f);
    cr_assert_eq(lk_set_wall_time(&f.lk, T0 + 600u), LK_OK);
    cr_assert_eq(type(OTC), LK_VERDICT_DENIED);
    cr_assert_eq(last_denial(), LK_REASON_RESTRICTED);
}

Test(offline, malformed_codes_count_as_wrong_guesses_and_the_lockout_covers_them)
{
    struct lk_lockout_info li;
    unsigned i;

    cr_assert_eq(lk_set_wall_time(&f.lk, T0 + 600u), LK_OK);
    cr_assert_eq(type("1498830090176"), LK_VERDICT_DENIED); /* 13 digits */
    cr_assert_eq(last_denial(), LK_REASON_INVALID_CREDENTIAL);
    cr_assert_eq(type("44988300901767"), LK_VERDICT_DENIED); /* kind 4 */
    cr_assert_eq(type("14988300881895"), LK_VERDICT_DENIED); /* MAC off by one */
    cr_assert_eq(lk_lockout_info(&f.lk, &li), LK_OK);
    cr_assert_eq(li.guesses, 3);
    cr_assert_eq(lk_keypad_key(&f.lk, '*'), LK_VERDICT_NONE);
    for (i = 0; i < 14; i++) {
        cr_assert_eq(lk_keypad_key(&f.lk, '1'), LK_VERDICT_NONE);
    }
    cr_assert_eq(lk_keypad_key(&f.lk, '1'), LK_ERR_RANGE, "15 digits after '*'");
    cr_assert_eq(lk_keypad_key(&f.lk, '#'), LK_VERDICT_NONE);
    cr_assert_eq(type("14988300000000"), LK_VERDICT_DENIED); /* the 5th: lockout */
    cr_assert_eq(lk_keypad_key(&f.lk, '*'), LK_ERR_AGAIN);
}

Test(offline, state_cut_out_of_the_image_refuses_codes_until_reset)
{
    struct lk_user u = { .type = LK_USER_UNRESTRICTED, .enabled = 1 };

    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_OK);
    cr_assert_eq(lk_store_del(&f.lk, KEY_OFFLINE), LK_OK);
    f.rec.n = 0;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    harness_settle(&f);
    cr_assert_geq(rec_find(&f.rec, LK_OP_ALARM, LK_REASON_STORE_CORRUPT), 0);
    cr_assert_eq(lk_set_wall_time(&f.lk, T0 + 600u), LK_OK);
    cr_assert_eq(type(OTC), LK_VERDICT_DENIED);
    cr_assert_eq(last_denial(), LK_REASON_RESTRICTED);
    /* found by the fuzzer: users could not be added until the reset */
    cr_assert_eq(lk_user_set(&f.lk, 1, &u), LK_OK);
    cr_assert_eq(lk_offline_reset(&f.lk, 0), LK_OK);
    cr_assert_eq(type(OTC), LK_VERDICT_DENIED, "one-time codes up to now count as used");
    cr_assert_eq(lk_clear_wall_time(&f.lk), LK_OK);
    cr_assert_eq(lk_offline_reset(&f.lk, 0), LK_ERR_AGAIN);
}
