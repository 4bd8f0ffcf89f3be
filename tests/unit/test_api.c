/* Every public function given NULL, an uninitialised instance or an
 * out-of-range argument returns its documented error and changes nothing. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
    fixture_start(&f, NULL);
}

TestSuite(api, .init = setup);

Test(api, null_instance)
{
    uint32_t next;

    cr_assert_eq(lk_poll(NULL, &next), LK_ERR_INVAL);
    cr_assert_eq(lk_request_unlock(NULL, LK_SRC_KEYPAD, 0, 0), LK_ERR_INVAL);
    cr_assert_eq(lk_request_lock(NULL, LK_SRC_KEYPAD, 0, 0), LK_ERR_INVAL);
    cr_assert_eq(lk_get_state(NULL), LK_ERR_INVAL);
    cr_assert_eq(lk_set_wall_time(NULL, 1), LK_ERR_INVAL);
    cr_assert_eq(lk_clear_wall_time(NULL), LK_ERR_INVAL);
}

Test(api, uninitialised_instance)
{
    struct lk_lock raw;
    uint32_t next;

    memset(&raw, 0, sizeof raw);
    cr_assert_eq(lk_poll(&raw, &next), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_request_unlock(&raw, LK_SRC_KEYPAD, 0, 0), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_request_lock(&raw, LK_SRC_KEYPAD, 0, 0), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_get_state(&raw), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_set_wall_time(&raw, 1), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_clear_wall_time(&raw), LK_ERR_NOT_INIT);
}

Test(api, poll_needs_somewhere_to_put_the_deadline)
{
    cr_assert_eq(lk_poll(&f.lk, NULL), LK_ERR_INVAL);
    cr_assert_eq(f.sim.n_motor_cmds, 1);
}

Test(api, request_source_out_of_range)
{
    static const int bad[] = { -1, 11, 12, 15, LK_SRC_COUNT_, 255, 100000 };
    unsigned i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(lk_request_unlock(&f.lk, bad[i], 0, 0), LK_ERR_RANGE, "source %d", bad[i]);
        cr_assert_eq(lk_request_lock(&f.lk, bad[i], 0, 0), LK_ERR_RANGE, "source %d", bad[i]);
    }
    cr_assert_eq(f.sim.n_motor_cmds, 1, "a refused request must not move the motor");
    cr_assert_eq(f.rec.n, 0);
}

Test(api, every_defined_source_accepted)
{
    int s;

    for (s = 0; s < LK_SRC_COUNT_; s++) {
        int want = (s > LK_SRC_ALIRO && s < LK_SRC_KEY) ? LK_ERR_RANGE : LK_OK;

        /* bolt starts extended, so lock is a no-op that still validates */
        cr_assert_eq(lk_request_lock(&f.lk, s, LK_INDEX_NONE, LK_INDEX_NONE), want, "source %d", s);
    }
}

Test(api, strerror_names_every_code)
{
    static const int codes[] = { LK_OK, LK_ERR_IO, LK_ERR_AGAIN, LK_ERR_BUSY, LK_ERR_INVAL,
                                 LK_ERR_NOSPC, LK_ERR_RANGE, LK_ERR_CORRUPT, LK_ERR_NOTSUP,
                                 LK_ERR_PORT_ABI, LK_ERR_PORT_MISSING, LK_ERR_GEOMETRY,
                                 LK_ERR_CONFIG, LK_ERR_NOT_INIT };
    const char *unknown = lk_strerror(12345);
    unsigned i;
    unsigned j;

    cr_assert_str_eq(unknown, "unknown error");
    cr_assert_str_eq(lk_strerror(-1), "unknown error");
    cr_assert_str_eq(lk_strerror(LK_ERR_VENDOR_FIRST), "vendor port error");
    cr_assert_str_eq(lk_strerror(LK_ERR_VENDOR_LAST), "vendor port error");
    cr_assert_str_eq(lk_strerror(LK_ERR_VENDOR_FIRST - 1), "unknown error");
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        cr_assert_not_null(lk_strerror(codes[i]));
        cr_assert_str_neq(lk_strerror(codes[i]), unknown, "code %d has no text", codes[i]);
        for (j = 0; j < i; j++) {
            cr_assert_str_neq(lk_strerror(codes[i]), lk_strerror(codes[j]));
        }
    }
}
