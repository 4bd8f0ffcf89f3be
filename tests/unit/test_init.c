/* lk_init: every defect of port and config is refused with its own error,
 * and the instance is unusable afterwards. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static struct lk_sim sim;
static struct lk_lock lk;

static void setup(void)
{
    cr_assert_eq(lk_sim_init(&sim, NULL), LK_OK);
    memset(&lk, 0xA5, sizeof lk);
}

TestSuite(init, .init = setup);

static void expect_refused(const struct lk_port *p, const struct lk_config *c, int err)
{
    uint32_t next;

    cr_assert_eq(lk_init(&lk, p, c), err, "lk_init gave %d, want %d", lk_init(&lk, p, c), err);
    cr_assert_eq(lk_poll(&lk, &next), LK_ERR_NOT_INIT);
    cr_assert_eq(lk_get_state(&lk), LK_ERR_NOT_INIT);
}

Test(init, accepts_the_sim_port_with_defaults)
{
    cr_assert_eq(lk_init(&lk, &sim.port, NULL), LK_OK);
    cr_assert_eq(sim.violations, 0);
    cr_assert_eq(lk_get_state(&lk), LK_STATE_UNKNOWN);
    cr_assert_eq(sim.motor_cmd, LK_MOTOR_COAST);
    cr_assert_eq(sim.n_motor_cmds, 1, "init puts the motor in a known state");
    cr_assert_eq(lk.cfg.travel_max_ms, LK_DEFAULT_TRAVEL_MAX_MS);
    cr_assert_eq(lk.cfg.auto_relock_ms, 0);
}

Test(init, null_arguments)
{
    cr_assert_eq(lk_init(NULL, &sim.port, NULL), LK_ERR_INVAL);
    expect_refused(NULL, NULL, LK_ERR_INVAL);
}

Test(init, failed_reinit_leaves_a_working_instance_unusable)
{
    struct lk_port p = sim.port;

    cr_assert_eq(lk_init(&lk, &sim.port, NULL), LK_OK);
    cr_assert_eq(lk_get_state(&lk), LK_STATE_UNKNOWN);
    expect_refused(NULL, NULL, LK_ERR_INVAL);
    cr_assert_eq(lk_init(&lk, &sim.port, NULL), LK_OK);
    p.motor_drive = NULL;
    expect_refused(&p, NULL, LK_ERR_PORT_MISSING);
}

static int positive_motor(void *ctx, int cmd)
{
    (void)ctx;
    (void)cmd;
    return 3;
}

Test(init, positive_port_return_is_range_error)
{
    struct lk_port p = sim.port;

    p.motor_drive = positive_motor;
    expect_refused(&p, NULL, LK_ERR_RANGE);
}

static int failing_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    (void)ctx;
    (void)off;
    (void)buf;
    (void)len;
    return LK_ERR_IO;
}

Test(init, storage_read_error_is_passed_up)
{
    struct lk_port p = sim.port;

    p.storage_read = failing_read;
    expect_refused(&p, NULL, LK_ERR_IO);
}

Test(init, abi_mismatch)
{
    struct lk_port p = sim.port;

    p.abi_version = LK_PORT_ABI_VERSION + 1u;
    expect_refused(&p, NULL, LK_ERR_PORT_ABI);
    p.abi_version = 0;
    expect_refused(&p, NULL, LK_ERR_PORT_ABI);
}

Test(init, each_required_callback_missing)
{
    struct lk_port p;

    p = sim.port; p.now_ms = NULL; expect_refused(&p, NULL, LK_ERR_PORT_MISSING);
    p = sim.port; p.storage_read = NULL; expect_refused(&p, NULL, LK_ERR_PORT_MISSING);
    p = sim.port; p.storage_prog = NULL; expect_refused(&p, NULL, LK_ERR_PORT_MISSING);
    p = sim.port; p.storage_erase = NULL; expect_refused(&p, NULL, LK_ERR_PORT_MISSING);
    p = sim.port; p.motor_drive = NULL; expect_refused(&p, NULL, LK_ERR_PORT_MISSING);
    p = sim.port; p.sensor_read = NULL; expect_refused(&p, NULL, LK_ERR_PORT_MISSING);
}

Test(init, optional_callbacks_may_be_null)
{
    struct lk_port p = sim.port;

    p.storage_sync = NULL;
    p.motor_current_ma = NULL;
    p.power_read = NULL;
    p.source_select = NULL;
    p.load_enable = NULL;
    p.entropy = NULL;
    p.indicate = NULL;
    cr_assert_eq(lk_init(&lk, &p, NULL), LK_OK);
}

static void geometry(uint32_t size, uint32_t erase, uint32_t prog, int want)
{
    struct lk_port p = sim.port;

    p.storage_size = size;
    p.erase_size = erase;
    p.prog_size = prog;
    expect_refused(&p, NULL, want);
}

Test(init, impossible_geometry)
{
    geometry(0, 4096, 1, LK_ERR_GEOMETRY);
    geometry(16384, 0, 1, LK_ERR_GEOMETRY);
    geometry(16384, 4096, 0, LK_ERR_GEOMETRY);
    geometry(16384, 4096, 8192, LK_ERR_GEOMETRY); /* prog larger than erase */
    geometry(16384, 4096, 3, LK_ERR_GEOMETRY);    /* erase not a multiple of prog */
    geometry(20000, 4096, 1, LK_ERR_GEOMETRY);    /* size not a multiple of erase */
    geometry(12288, 4096, 1, LK_ERR_GEOMETRY);    /* no room for 2 banks + 2 audit blocks */
    geometry(8704, 1, 1, LK_ERR_GEOMETRY);        /* EEPROM: one audit block short */
    geometry(16384, 4096, LK_STORE_PROG_MAX * 2u, LK_ERR_GEOMETRY); /* prog unit too big */
}

static void vendor_geometry(uint32_t size, uint32_t erase, uint32_t prog, uint8_t erased)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    lk_sim_config_geometry(&c, size, erase, prog, erased);
    cr_assert_eq(lk_sim_init(&sim, &c), LK_OK);
    cr_assert_eq(lk_init(&lk, &sim.port, NULL), LK_OK, "%u/%u/%u/%02x refused", size, erase,
                 prog, erased);
    cr_assert_eq(sim.violations, 0);
}

Test(init, vendor_geometries_accepted)
{
    vendor_geometry(16384, 4096, 1, 0xFF); /* NOR */
    vendor_geometry(12288, 2048, 8, 0xFF); /* MCU internal flash */
    vendor_geometry(10240, 1, 1, 0xFF);    /* EEPROM-like */
    vendor_geometry(16384, 4096, 1, 0x00);
    vendor_geometry(12288, 2048, 8, 0x00);
    vendor_geometry(10240, 1, 1, 0x00);
    vendor_geometry(65536, 4096, 32, 0xFF); /* largest prog unit, bigger region */
}

Test(init, unknown_sensor_bits)
{
    struct lk_port p = sim.port;

    p.sensors_fitted = 1u << LK_SENSOR_COUNT_;
    expect_refused(&p, NULL, LK_ERR_CONFIG);
    p.sensors_fitted = (1u << LK_SENSOR_COUNT_) - 1u;
    cr_assert_eq(lk_init(&lk, &p, NULL), LK_OK);
}

static void config_case(void (*mod)(struct lk_config *), int want)
{
    struct lk_config c;

    memset(&c, 0, sizeof c);
    mod(&c);
    if (want == LK_OK) {
        cr_assert_eq(lk_init(&lk, &sim.port, &c), LK_OK);
    } else {
        expect_refused(&sim.port, &c, want);
    }
}

static void relock_too_long(struct lk_config *c) { c->auto_relock_ms = LK_MAX_AUTO_RELOCK_MS + 1u; }
static void relock_max(struct lk_config *c) { c->auto_relock_ms = LK_MAX_AUTO_RELOCK_MS; }
static void travel_too_long(struct lk_config *c) { c->travel_max_ms = LK_MAX_TRAVEL_MS + 1u; }
static void travel_max(struct lk_config *c) { c->travel_max_ms = LK_MAX_TRAVEL_MS; }
static void min_not_below_max(struct lk_config *c) { c->travel_min_ms = 500; c->travel_max_ms = 500; }
static void blank_not_below_max(struct lk_config *c) { c->inrush_blank_ms = 2000; c->travel_max_ms = 2000; }
static void stall_low(struct lk_config *c) { c->stall_ma = 49; }
static void stall_high(struct lk_config *c) { c->stall_ma = 20001; }
static void stall_edges(struct lk_config *c) { c->stall_ma = 50; }
static void brake_high(struct lk_config *c) { c->brake_ms = 1001; }
static void poll_high(struct lk_config *c) { c->motion_poll_ms = 101; }
static void all_edges_ok(struct lk_config *c)
{
    c->brake_ms = 1000;
    c->motion_poll_ms = 100;
    c->stall_ma = 20000;
    c->travel_min_ms = 1;
    c->inrush_blank_ms = 1;
    c->travel_max_ms = 2;
}

Test(init, config_out_of_range)
{
    config_case(relock_too_long, LK_ERR_CONFIG);
    config_case(travel_too_long, LK_ERR_CONFIG);
    config_case(min_not_below_max, LK_ERR_CONFIG);
    config_case(blank_not_below_max, LK_ERR_CONFIG);
    config_case(stall_low, LK_ERR_CONFIG);
    config_case(stall_high, LK_ERR_CONFIG);
    config_case(brake_high, LK_ERR_CONFIG);
    config_case(poll_high, LK_ERR_CONFIG);
}

Test(init, config_range_edges_accepted)
{
    config_case(relock_max, LK_OK);
    config_case(travel_max, LK_OK);
    config_case(stall_edges, LK_OK);
    config_case(all_edges_ok, LK_OK);
}

Test(init, motor_error_at_init_is_passed_up)
{
    sim.fail_motor = 1;
    expect_refused(&sim.port, NULL, LK_ERR_IO);
}

static int vendor_motor(void *ctx, int cmd)
{
    (void)ctx;
    (void)cmd;
    return LK_ERR_VENDOR_FIRST + 7;
}

Test(init, vendor_error_passes_through_unchanged)
{
    struct lk_port p = sim.port;

    p.motor_drive = vendor_motor;
    expect_refused(&p, NULL, LK_ERR_VENDOR_FIRST + 7);
}

Test(init, reinit_after_failure_works)
{
    struct lk_port p = sim.port;

    p.abi_version = 99;
    expect_refused(&p, NULL, LK_ERR_PORT_ABI);
    cr_assert_eq(lk_init(&lk, &sim.port, NULL), LK_OK);
    cr_assert_eq(lk_get_state(&lk), LK_STATE_UNKNOWN);
}
