/* The conformance table under Criterion on the host, against the sim port;
 * and proof that it fails, naming the callback, on broken ports. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "lk_conformance.h"
#include "lk_port_template.h"
#include "lk_sim.h"

static struct lk_sim sim;

static void sim_target(struct lk_conf_target *t)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.clock_autostep = 1; /* the suite waits on the clock */
    c.sensors_fitted = (1u << LK_SENSOR_DOOR) | (1u << LK_SENSOR_KEY);
    cr_assert_eq(lk_sim_init(&sim, &c), LK_OK);
    memset(t, 0, sizeof *t);
    t->port = &sim.port;
}

ParameterizedTestParameters(conformance, sim_port)
{
    static size_t idx[64];
    size_t i;

    for (i = 0; i < lk_conf_count() && i < 64; i++) {
        idx[i] = i;
    }
    return cr_make_param_array(size_t, idx, lk_conf_count());
}

ParameterizedTest(size_t *i, conformance, sim_port)
{
    struct lk_conf_target t;
    char msg[160];
    int r;

    sim_target(&t);
    r = lk_conf_run_one(&t, *i, msg, sizeof msg);
    /* (the sim counts the invalid arguments the suite passes on purpose as
     * breaches, so its counter says nothing here: the checker judges) */
    cr_assert_neq(r, LK_CONF_FAIL, "%s: %s", lk_conf_name(*i), msg);
}

/* Collects the runner's output. */
static char out[8192];
static void collect(void *ctx, const char *text)
{
    (void)ctx;
    strncat(out, text, sizeof out - strlen(out) - 1u);
}

static int run_all(struct lk_conf_target *t)
{
    out[0] = '\0';
    t->out = collect;
    return lk_conf_run(t);
}

Test(conformance, runner_prints_tap_and_the_closing_line)
{
    struct lk_conf_target t;
    char want[96];
    int failed;

    sim_target(&t);
    failed = run_all(&t);
    cr_assert_eq(failed, 0, "%s", out);
    cr_assert_not_null(strstr(out, "TAP version 13\n1.."));
    /* the sim has no storage_sync (its prog is durable), source_select or
     * load_enable: those cases skip */
    snprintf(want, sizeof want, "lockcore-conformance: %zu passed, 0 failed, 3 skipped\n",
             lk_conf_count() - 3u);
    cr_assert_not_null(strstr(out, want), "%s", out);
    cr_assert_eq(lk_conf_run(NULL), -1);
}

/* ---- deliberately broken ports ---- */

static int flip_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    int rc = sim.port.storage_read(ctx, off, buf, len);

    if (rc == LK_OK && len > 0u) {
        ((uint8_t *)buf)[len - 1u] ^= 0x04u; /* a stuck data line */
    }
    return rc;
}

static int sloppy_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    int rc = sim.port.storage_read(ctx, off, buf, len);

    ((uint8_t *)buf)[len] = 0; /* writes one byte past the buffer */
    return rc;
}

static int stuck_clock_calls;
static uint32_t stuck_clock(void *ctx)
{
    (void)ctx;
    stuck_clock_calls++;
    return 1234;
}

static int lax_motor(void *ctx, int cmd)
{
    (void)ctx;
    (void)cmd;
    return LK_OK; /* accepts anything, even command 4 */
}

static void expect_named_failure(struct lk_port *p, const char *name)
{
    struct lk_conf_target t;
    int failed;

    sim_target(&t);
    t.port = p;
    failed = run_all(&t);
    cr_assert_gt(failed, 0, "a broken %s passed:\n%s", name, out);
    cr_assert_not_null(strstr(out, "not ok"), "%s", out);
    cr_assert_not_null(strstr(out, name), "the failure does not name %s:\n%s", name, out);
    cr_assert_not_null(strstr(out, " failed, "), "%s", out);
}

Test(conformance, broken_storage_read_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.storage_read = flip_read;
    expect_named_failure(&p, "storage_read");
}

Test(conformance, storage_read_overrunning_its_buffer_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.storage_read = sloppy_read;
    expect_named_failure(&p, "storage_read");
}

Test(conformance, stuck_clock_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.now_ms = stuck_clock;
    expect_named_failure(&p, "now_ms");
}

Test(conformance, motor_accepting_garbage_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.motor_drive = lax_motor;
    expect_named_failure(&p, "motor_drive");
}

Test(conformance, missing_required_callback_is_named_without_crashing)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.sensor_read = NULL;
    expect_named_failure(&p, "sensor_read missing");
}

Test(conformance, optional_capabilities_missing_are_skipped)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.entropy = NULL;
    p.indicate = NULL;
    p.power_read = NULL;
    p.motor_current_ma = NULL;
    t.port = &p;
    cr_assert_eq(run_all(&t), 0, "%s", out);
    cr_assert_not_null(strstr(out, "# SKIP needs entropy"), "%s", out);
    cr_assert_not_null(strstr(out, " failed, 7 skipped"), "%s", out); /* + sync, select, loads */
}

Test(conformance, unfilled_template_port_is_refused_naming_a_callback)
{
    static struct lk_port p;
    static struct my_port_state st;
    struct lk_conf_target t;
    struct lk_lock lk;

    lk_port_template_init(&p, &st);
    memset(&t, 0, sizeof t);
    t.port = &p;
    cr_assert_gt(run_all(&t), 0, "%s", out);
    cr_assert_not_null(strstr(out, "storage_erase returned -95"), "%s", out);
    cr_assert_not_null(strstr(out, "motor_drive refused COAST with -95"), "%s", out);
    cr_assert_eq(lk_init(&lk, &p, NULL), LK_ERR_NOTSUP);
}

static int lazy_erase(void *ctx, uint32_t off)
{
    (void)ctx;
    (void)off;
    return LK_OK; /* claims success, erases nothing */
}

static int greedy_erase(void *ctx, uint32_t off)
{
    int rc = sim.port.storage_erase(ctx, off);

    if (rc == LK_OK && off + 2u * 4096u <= sim.cfg.storage_size) {
        rc = sim.port.storage_erase(ctx, off + 4096u); /* and the next unit too */
    }
    return rc;
}

static int positive_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    int rc = sim.port.storage_read(ctx, off, buf, len);

    return (rc == LK_OK) ? 1 : rc;
}

static int lax_select(void *ctx, int source)
{
    (void)ctx;
    (void)source;
    return LK_OK;
}

static int garbage_power(void *ctx, int source, struct lk_power_sample *out)
{
    (void)ctx;
    (void)source;
    out->mv = 5000; /* forgets to set ma */
    return LK_OK;
}

Test(conformance, erase_that_erases_nothing_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.storage_erase = lazy_erase;
    expect_named_failure(&p, "storage_read gave a wrong byte");
}

Test(conformance, erase_that_wipes_its_neighbour_is_caught)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.storage_erase = greedy_erase;
    expect_named_failure(&p, "storage_erase changed the next unit");
}

Test(conformance, writes_outside_a_partial_scratch_region_are_caught)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.storage_erase = greedy_erase;
    t.port = &p;
    t.scratch_size = 8192; /* the suite may only write the first two units */
    sim.storage[8192] = 0x42;
    cr_assert_gt(run_all(&t), 0, "%s", out);
    cr_assert_not_null(strstr(out, "changed outside the scratch region"), "%s", out);
}

Test(conformance, positive_return_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.storage_read = positive_read;
    expect_named_failure(&p, "storage_read: returned a positive value");
}

Test(conformance, source_select_accepting_garbage_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.source_select = lax_select;
    expect_named_failure(&p, "source_select accepted an unknown source");
}

Test(conformance, power_read_leaving_garbage_is_named)
{
    static struct lk_port p;
    struct lk_conf_target t;

    sim_target(&t);
    p = sim.port;
    p.power_read = garbage_power;
    expect_named_failure(&p, "power_read: gave mV above 60000 or a negative mA");
}

Test(conformance, small_erase_units_are_handled)
{
    struct lk_sim_config c;
    struct lk_conf_target t;

    lk_sim_default_config(&c);
    c.clock_autostep = 1;
    lk_sim_config_geometry(&c, 16384, 64, 32, 0x00);
    cr_assert_eq(lk_sim_init(&sim, &c), LK_OK);
    memset(&t, 0, sizeof t);
    t.port = &sim.port;
    cr_assert_eq(run_all(&t), 0, "%s", out);
}
