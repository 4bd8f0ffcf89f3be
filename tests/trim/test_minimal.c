/* The minimal configuration of issue #8 (tests/trim/minimal.flags: PIN, key
 * override and USB emergency power only), built from the same sources with
 * every other feature stripped. What is left must work as in the full build;
 * what is stripped must say LK_ERR_NOTSUP and never touch the store; power
 * inputs the product does not have are never read. */
#include <criterion/criterion.h>
#include <string.h>

#include "cred_internal.h"
#include "harness.h"

#if LK_WITH_OFFLINE || LK_WITH_TOKENS || LK_WITH_PRESENTED || LK_WITH_AUDIT || LK_WITH_MATTER || \
    LK_WITH_STRERROR || LK_PSRC_FITTED != 0x03u
#error "build this test with tests/trim/minimal.flags"
#endif

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
}

TestSuite(minimal, .init = setup);

static void run(uint32_t ms)
{
    cr_assert_eq(lk_sim_run(&f.sim, &f.lk, ms), LK_OK);
}

static unsigned count(uint8_t op, uint8_t source)
{
    unsigned i;
    unsigned n = 0;

    for (i = 0; i < f.rec.n; i++) {
        n += f.rec.ev[i].op == op && f.rec.ev[i].source == source;
    }
    return n;
}

static int keys(const char *s)
{
    int rc = LK_VERDICT_NONE;

    while (*s != '\0') {
        rc = lk_keypad_key(&f.lk, *s++);
    }
    return rc;
}

/* Storage programs and erases so far (the sim counts them). */
static uint32_t writes(void)
{
    return f.sim.n_prog + f.sim.n_erase;
}

Test(minimal, a_pin_unlocks_and_a_wrong_one_is_denied)
{
    struct lk_user u;
    uint8_t len = 0;

    fixture_start(&f, NULL);
    harness_settle(&f);
    run(5);
    memset(&u, 0, sizeof u);
    u.type = LK_USER_UNRESTRICTED;
    u.enabled = 1;
    cr_assert_eq(lk_user_set(&f.lk, 0, &u), LK_OK);
    cr_assert_eq(lk_cred_set(&f.lk, 0, LK_CRED_PIN, 0, (const uint8_t *)"246810", 6), LK_OK);
    /* the offline-code state exists once a user does, even here: a firmware
     * that later builds offline codes in must not find it cut out */
    cr_assert_eq(lk_store_get(&f.lk, KEY_OFFLINE, NULL, 0, &len), LK_ERR_NOSPC);
    cr_assert_eq(keys("135799#"), LK_VERDICT_DENIED);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_LOCKED);
    cr_assert_eq(keys("246810#"), LK_VERDICT_GRANTED);
    run(3000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_KEYPAD), 1u);
}

Test(minimal, a_key_turned_by_hand_is_reported)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.sensors_fitted = (1u << LK_SENSOR_DOOR) | (1u << LK_SENSOR_KEY);
    fixture_start(&f, &c);
    run(5);
    f.rec.n = 0;
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 1), LK_OK);
    run(40);
    cr_assert_eq(lk_sim_set_sensor(&f.sim, LK_SENSOR_KEY, 0), LK_OK);
    run(10);
    lk_sim_move_bolt(&f.sim, 0);
    run(50);
    cr_assert_eq(count(LK_OP_UNLOCK, LK_SRC_KEY), 1u);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
}

Test(minimal, stripped_features_say_notsup_and_write_nothing)
{
    uint8_t buf[32] = { 0 };
    uint32_t a;
    uint32_t b;
    struct lk_event ev;
    struct lk_matter_event me;
    uint32_t before;

    fixture_start(&f, NULL);
    harness_settle(&f);
    memset(&ev, 0, sizeof ev);
    ev.op = LK_OP_UNLOCK;
    before = writes();
    cr_assert_eq(lk_offline_key(&f.lk, buf), LK_ERR_NOTSUP);
    cr_assert_eq(lk_offline_reset(&f.lk, 1), LK_ERR_NOTSUP);
    cr_assert_eq(lk_token_key(&f.lk, 0, buf), LK_ERR_NOTSUP);
    cr_assert_eq(lk_token_challenge(&f.lk, buf), LK_ERR_NOTSUP);
    cr_assert_eq(lk_token_response(&f.lk, 0, buf), LK_ERR_NOTSUP);
    cr_assert_eq(lk_cred_present(&f.lk, LK_CRED_RFID, buf, 4), LK_ERR_NOTSUP);
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_RFID, 0, buf, 4), LK_ERR_NOTSUP);
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_FINGERPRINT, 0, buf, 4), LK_ERR_NOTSUP);
    cr_assert_eq(lk_cred_set(&f.lk, 1, LK_CRED_REMOTE_TOKEN, 0, buf, 0), LK_ERR_NOTSUP);
    cr_assert_eq(lk_audit_bounds(&f.lk, &a, &b), LK_ERR_NOTSUP);
    cr_assert_eq(lk_audit_read(&f.lk, 1, &ev), LK_ERR_NOTSUP);
    cr_assert_eq(lk_event_to_matter(&ev, &me), LK_ERR_NOTSUP);
    cr_assert_eq(lk_power_veto(&f.lk, LK_PSRC_BAT9V, 1), LK_ERR_NOTSUP);
    cr_assert_eq(writes(), before, "a stripped feature wrote to the store");
    /* the lock argument is still checked first */
    cr_assert_eq(lk_offline_key(NULL, buf), LK_ERR_INVAL);
    cr_assert_eq(lk_token_challenge(NULL, buf), LK_ERR_INVAL);
    cr_assert_eq(lk_audit_bounds(NULL, &a, &b), LK_ERR_INVAL);
    cr_assert_str_eq(lk_strerror(LK_OK), "ok");
    cr_assert_str_eq(lk_strerror(LK_ERR_IO), "lockcore error");
}

/* ---- USB emergency power, with the other inputs never read ---- */

static int (*sim_power_read)(void *ctx, int source, struct lk_power_sample *out);
static unsigned reads[LK_PSRC_COUNT_];

static int counting_power_read(void *ctx, int source, struct lk_power_sample *out)
{
    if (source >= 0 && source < LK_PSRC_COUNT_) {
        reads[source]++;
    }
    return sim_power_read(ctx, source, out);
}

Test(minimal, usb_unlocks_a_dead_lock_and_unfitted_inputs_are_never_read)
{
    struct lk_sim_config sc;
    struct lk_sim_power_config pc;
    struct lk_sim_source usb;
    struct lk_sim_source bat;
    struct lk_power_status st;

    lk_sim_default_config(&sc);
    cr_assert_eq(lk_sim_init(&f.sim, &sc), LK_OK);
    lk_sim_power_default(&pc); /* dead main pack, 1 F supercap */
    cr_assert_eq(lk_sim_power_enable(&f.sim, &pc), LK_OK);
    lk_sim_set_device_key(&f.sim, harness_device_key);
    sim_power_read = f.sim.port.power_read;
    f.sim.port.power_read = counting_power_read;
    memset(reads, 0, sizeof reads);
    f.cfg.power.reserve_kind = LK_RESERVE_CAP;
    f.cfg.power.main_mohm = 2000;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    harness_settle(&f);

    lk_sim_source_default(&usb, LK_SIM_SRC_USB);
    lk_sim_source_default(&bat, LK_SIM_SRC_BAT9V);
    bat.dropout_per_min = 0;
    cr_assert_eq(lk_sim_attach(&f.sim, &bat), LK_OK);
    cr_assert_eq(lk_sim_attach(&f.sim, &usb), LK_OK);
    run(2000);
    cr_assert_eq(lk_power_status(&f.lk, &st), LK_OK);
    cr_assert_eq(st.qualified & (1u << LK_PSRC_USB), 1u << LK_PSRC_USB, "USB qualifies");
    cr_assert_eq(st.qualified & (1u << LK_PSRC_BAT9V), 0u, "no 9 V input on this product");
    cr_assert_eq(lk_request_unlock(&f.lk, LK_SRC_KEYPAD, 0, 0), LK_OK);
    run(20000);
    cr_assert_eq(lk_get_state(&f.lk), LK_STATE_UNLOCKED);
    cr_assert_gt(reads[LK_PSRC_USB], 0u);
    cr_assert_gt(reads[LK_PSRC_MAIN], 0u);
    cr_assert_eq(reads[LK_PSRC_BAT9V] + reads[LK_PSRC_CRANK] + reads[LK_PSRC_WIRELESS], 0u,
                 "an input the product does not have was read");
}
