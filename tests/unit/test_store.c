/* The record store: values, atomic replacement, compaction, wear, and every
 * kind of bad image. (Power cuts: tests/powercut.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "lk_internal.h"

static struct fixture f;

static void setup(void)
{
    memset(&f, 0, sizeof f);
}

TestSuite(store, .init = setup);

static void reboot(void)
{
    f.rec.n = 0;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
}

static void put_u32(uint16_t key, uint32_t v)
{
    uint8_t b[4];

    memcpy(b, &v, 4);
    cr_assert_eq(lk_store_set(&f.lk, key, b, 4), LK_OK);
}

static uint32_t get_u32(uint16_t key)
{
    uint8_t b[4];
    uint8_t len = 0;
    uint32_t v;

    cr_assert_eq(lk_store_get(&f.lk, key, b, sizeof b, &len), LK_OK, "key %u", key);
    cr_assert_eq(len, 4);
    memcpy(&v, b, 4);
    return v;
}

static void geometry(uint32_t size, uint32_t erase, uint32_t prog, uint8_t erased)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    lk_sim_config_geometry(&c, size, erase, prog, erased);
    fixture_start(&f, &c);
}

Test(store, values_persist_across_reboot)
{
    static const uint8_t big[LK_STORE_VALUE_MAX] = { 1, 2, 3, [LK_STORE_VALUE_MAX - 1] = 9 };
    uint8_t buf[LK_STORE_VALUE_MAX];
    uint8_t len = 0xEE;

    fixture_start(&f, NULL);
    put_u32(1, 0xDEADBEEF);
    cr_assert_eq(lk_store_set(&f.lk, 2, big, sizeof big), LK_OK);
    cr_assert_eq(lk_store_set(&f.lk, 3, NULL, 0), LK_OK);
    reboot();
    cr_assert_eq(f.rec.n, 0, "a clean mount reports nothing");
    cr_assert_eq(get_u32(1), 0xDEADBEEF);
    cr_assert_eq(lk_store_get(&f.lk, 2, buf, sizeof buf, &len), LK_OK);
    cr_assert_eq(len, sizeof big);
    cr_assert_arr_eq(buf, big, sizeof big);
    cr_assert_eq(lk_store_get(&f.lk, 3, buf, sizeof buf, &len), LK_OK);
    cr_assert_eq(len, 0);
    cr_assert_eq(f.sim.violations, 0);
}

Test(store, bad_arguments)
{
    uint8_t buf[8];
    uint8_t len;
    uint8_t big[LK_STORE_VALUE_MAX + 1];

    fixture_start(&f, NULL);
    memset(big, 1, sizeof big);
    cr_assert_eq(lk_store_get(&f.lk, 7, buf, sizeof buf, &len), LK_ERR_NOENT);
    cr_assert_eq(lk_store_set(&f.lk, 7, big, LK_STORE_VALUE_MAX + 1), LK_ERR_RANGE);
    cr_assert_eq(lk_store_set(&f.lk, 7, NULL, 3), LK_ERR_INVAL);
    cr_assert_eq(lk_store_set(&f.lk, 7, big, 12), LK_OK);
    cr_assert_eq(lk_store_get(&f.lk, 7, buf, sizeof buf, &len), LK_ERR_NOSPC);
    cr_assert_eq(len, 12, "the needed size is reported");
}

Test(store, delete_and_missing)
{
    fixture_start(&f, NULL);
    put_u32(9, 1);
    cr_assert_eq(lk_store_del(&f.lk, 9), LK_OK);
    cr_assert_eq(lk_store_get(&f.lk, 9, NULL, 0, &(uint8_t){ 0 }), LK_ERR_NOENT);
    cr_assert_eq(lk_store_del(&f.lk, 9), LK_OK, "deleting twice is fine");
    cr_assert_eq(lk_store_del(&f.lk, 1234), LK_OK);
    reboot();
    cr_assert_eq(lk_store_get(&f.lk, 9, NULL, 0, &(uint8_t){ 0 }), LK_ERR_NOENT);
    put_u32(9, 2);
    cr_assert_eq(get_u32(9), 2);
}

/* Update one counter 1000 times among 20 other live keys; report erases. */
static void wear(const char *name, uint32_t size, uint32_t erase, uint32_t prog, uint8_t ev)
{
    uint32_t i;
    uint32_t erases0;
    uint32_t units = size / erase;
    uint32_t maxu = 0;
    uint32_t touched = 0;

    geometry(size, erase, prog, ev);
    for (i = 0; i < 20; i++) {
        put_u32((uint16_t)(100 + i), i * 7u);
    }
    erases0 = f.sim.n_erase;
    memset(f.sim.unit_erases, 0, sizeof f.sim.unit_erases);
    for (i = 1; i <= 1000; i++) {
        put_u32(1, i);
        if (i % 97u == 0u) {
            reboot();
        }
    }
    cr_assert_eq(get_u32(1), 1000);
    for (i = 0; i < 20; i++) {
        cr_assert_eq(get_u32((uint16_t)(100 + i)), i * 7u, "key lost in compaction");
    }
    for (i = 0; i < units; i++) {
        if (f.sim.unit_erases[i] > maxu) {
            maxu = f.sim.unit_erases[i];
        }
        touched += (f.sim.unit_erases[i] > 0u);
    }
    printf("wear geometry=%s updates=1000 erases=%u max_erases_per_unit=%u units_erased=%u\n",
           name, f.sim.n_erase - erases0, maxu, touched);
    /* never the same unit every time: at most one erase per ~10 updates */
    cr_assert_leq(maxu, 100u, "%s: one unit erased %u times", name, maxu);
    cr_assert_gt(touched, 1u);
    cr_assert_eq(f.sim.violations, 0);
}

Test(store, wear_nor) { wear("nor", 16384, 4096, 1, 0xFF); }
Test(store, wear_mcu) { wear("mcu", 12288, 2048, 8, 0xFF); }
Test(store, wear_eeprom) { wear("eeprom", 10240, 1, 1, 0xFF); }
Test(store, wear_nor_zero) { wear("nor-00", 16384, 4096, 1, 0x00); }
Test(store, wear_mcu_zero) { wear("mcu-00", 12288, 2048, 8, 0x00); }
Test(store, wear_eeprom_zero) { wear("eeprom-00", 10240, 1, 1, 0x00); }

Test(store, full_bank_refuses_with_nospc_and_keeps_everything)
{
    uint8_t v[LK_STORE_VALUE_MAX];
    uint16_t k;
    uint16_t n = 0;
    int rc = LK_OK;

    fixture_start(&f, NULL);
    memset(v, 0x3C, sizeof v);
    for (k = 0; k < 500 && rc == LK_OK; k++) {
        v[0] = (uint8_t)k;
        rc = lk_store_set(&f.lk, k, v, sizeof v);
        n += (rc == LK_OK);
    }
    cr_assert_eq(rc, LK_ERR_NOSPC);
    cr_assert_gt(n, 40);
    reboot();
    for (k = 0; k < n; k++) {
        uint8_t out[LK_STORE_VALUE_MAX];
        uint8_t len;

        cr_assert_eq(lk_store_get(&f.lk, k, out, sizeof out, &len), LK_OK, "key %u lost", k);
        cr_assert_eq(out[0], (uint8_t)k);
    }
    /* freeing one key makes room again */
    cr_assert_eq(lk_store_del(&f.lk, 0), LK_OK);
    cr_assert_eq(lk_store_set(&f.lk, 0, v, sizeof v), LK_OK);
}

Test(store, storage_error_is_passed_up_and_nothing_half_written_is_trusted)
{
    fixture_start(&f, NULL);
    put_u32(5, 111);
    f.sim.fail_storage = 1;
    cr_assert_eq(lk_store_set(&f.lk, 5, (const uint8_t *)"\x01\x02\x03\x04", 4), LK_ERR_IO);
    f.sim.fail_storage = 0;
    cr_assert_eq(get_u32(5), 111);
    put_u32(5, 222);
    cr_assert_eq(get_u32(5), 222);
    reboot();
    cr_assert_eq(get_u32(5), 222);
    cr_assert_eq(f.sim.violations, 0);
}

/* Boot on a prepared image: init must succeed, touch nothing outside the
 * region, and the store must work afterwards. */
static void boot_on_image(void (*spoil)(uint8_t *img, uint32_t size), uint8_t want_op,
                          uint8_t want_reason)
{
    fixture_start(&f, NULL);
    put_u32(1, 42);
    put_u32(2, 43);
    put_u32(3, 44);
    spoil(f.sim.storage, f.sim.cfg.storage_size);
    reboot();
    if (want_op != LK_OP_NONE) {
        cr_assert_geq(rec_find(&f.rec, want_op, want_reason), 0, "no event %u/%u", want_op,
                      want_reason);
    } else {
        cr_assert_eq(f.rec.n, 0);
    }
    put_u32(4, 45);
    cr_assert_eq(get_u32(4), 45);
    reboot();
    cr_assert_eq(get_u32(4), 45);
    cr_assert_eq(f.sim.violations, 0);
}

static void spoil_random(uint8_t *img, uint32_t size)
{
    uint32_t x = 12345;

    for (uint32_t i = 0; i < size; i++) {
        x = x * 1103515245u + 12345u;
        img[i] = (uint8_t)(x >> 16);
    }
}
static void spoil_zero(uint8_t *img, uint32_t size) { memset(img, 0x00, size); }
static void spoil_ff(uint8_t *img, uint32_t size) { memset(img, 0xFF, size); }
static void spoil_version(uint8_t *img, uint32_t size)
{
    (void)size;
    img[3] = 2; /* bank 0 header: format version 2 */
}
/* Record 2 (key 2) value byte: a complete record whose CRC now fails. */
static void spoil_crc_mid(uint8_t *img, uint32_t size)
{
    (void)size;
    img[16 + 12 + 8] ^= 0x01;
}
static void spoil_crc_last(uint8_t *img, uint32_t size)
{
    (void)size;
    img[16 + 24 + 8 + 3] ^= 0x40;
}
/* Fill the bank until a 60-byte record no longer fits, then put a record
 * header there that claims 60 bytes: it runs past the end of the bank. */
static void spoil_truncated(uint8_t *img, uint32_t size)
{
    uint32_t off;
    uint16_t k = 0x4000; /* clear of the keys lockcore's modules use */

    (void)size;
    while (f.lk.store.head + 8u + 60u <= f.lk.store.bank) {
        put_u32(k++, 7);
    }
    cr_assert_eq(f.lk.store.active, 0);
    off = f.lk.store.head;
    img[off] = 1;
    img[off + 1] = 0;
    img[off + 2] = 60;
    img[off + 3] = 0x5A;
    memset(img + off + 4, 0x11, f.lk.store.bank - off - 4);
}

Test(store, random_bytes) { boot_on_image(spoil_random, LK_OP_ALARM, LK_REASON_FACTORY_RESET); }
Test(store, all_zero) { boot_on_image(spoil_zero, LK_OP_ALARM, LK_REASON_FACTORY_RESET); }
Test(store, all_ff_is_blank) { boot_on_image(spoil_ff, LK_OP_STATE, LK_REASON_STORE_FORMATTED); }
Test(store, wrong_version) { boot_on_image(spoil_version, LK_OP_ALARM, LK_REASON_FACTORY_RESET); }
Test(store, bad_crc_mid_bank) { boot_on_image(spoil_crc_mid, LK_OP_ALARM, LK_REASON_STORE_CORRUPT); }
Test(store, bad_crc_last_record) { boot_on_image(spoil_crc_last, LK_OP_ALARM, LK_REASON_STORE_CORRUPT); }
Test(store, truncated_record_at_the_end) { boot_on_image(spoil_truncated, LK_OP_ALARM, LK_REASON_STORE_CORRUPT); }

Test(store, bad_crc_drops_only_what_cannot_be_trusted)
{
    fixture_start(&f, NULL);
    put_u32(1, 42);
    put_u32(2, 43);
    put_u32(3, 44);
    spoil_crc_last(f.sim.storage, f.sim.cfg.storage_size);
    reboot();
    cr_assert_eq(get_u32(1), 42);
    cr_assert_eq(get_u32(2), 43);
    cr_assert_eq(lk_store_get(&f.lk, 3, NULL, 0, &(uint8_t){ 0 }), LK_ERR_NOENT);
}

static void load_fixture(const char *name, const struct lk_sim_config *c, uint32_t size)
{
    static uint8_t img[LK_SIM_STORAGE_MAX];
    char path[512];
    FILE *in;

    snprintf(path, sizeof path, "%s/%s", LK_FIXTURE_DIR, name);
    in = fopen(path, "rb");
    cr_assert_not_null(in, "fixture %s missing", path);
    cr_assert_eq(fread(img, 1, size, in), size);
    fclose(in);
    cr_assert_eq(lk_sim_init(&f.sim, c), LK_OK);
    memcpy(f.sim.storage, img, size);
    f.cfg.on_event = rec_event;
    f.cfg.event_ctx = &f.rec;
    cr_assert_eq(lk_init(&f.lk, &f.sim.port, &f.cfg), LK_OK);
    cr_assert_eq(f.rec.n, 0, "the fixture must mount cleanly (event %u/%u)",
                 f.rec.n ? f.rec.ev[0].op : 0, f.rec.n ? f.rec.ev[0].reason : 0);
}

static void expect_common_records(void)
{
    uint8_t buf[LK_STORE_VALUE_MAX];
    uint8_t len = 0;
    uint32_t i;

    cr_assert_eq(get_u32(1), 41);
    cr_assert_eq(lk_store_get(&f.lk, 2, buf, sizeof buf, &len), LK_OK);
    cr_assert_eq(len, LK_STORE_VALUE_MAX);
    for (i = 0; i < len; i++) {
        cr_assert_eq(buf[i], (uint8_t)(i * 3u + 1u));
    }
    cr_assert_eq(lk_store_get(&f.lk, 3, buf, sizeof buf, &len), LK_ERR_NOENT);
    cr_assert_eq(lk_store_get(&f.lk, 4, buf, sizeof buf, &len), LK_OK);
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(buf, "v3", 2), 0);
}

static void expect_fixture_event(uint32_t seq, uint32_t i)
{
    struct lk_event e;

    cr_assert_eq(lk_audit_read(&f.lk, seq, &e), LK_OK, "entry %u missing", seq);
    cr_assert_eq(e.op, LK_OP_UNLOCK);
    cr_assert_eq(e.user, i);
    cr_assert_eq(e.cred, 10 + i);
    cr_assert_eq(e.mono_ms, 1000u * i);
    cr_assert_eq(e.wall_s, 1800000000u + i);
    cr_assert_eq(e.flags, LK_EVF_WALL_TRUSTED);
}

/* Images written by format version 1 (tests/fixtures/make-store-fixture.c)
 * must keep loading: credentials stored in the field must survive updates. */
Test(store, format_v1_fixture_nor_still_loads)
{
    uint32_t lo;
    uint32_t hi;
    uint32_t i;
    struct lk_event e;

    load_fixture("store-v1-nor.bin", NULL, 16384);
    expect_common_records();
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(lo, 1);
    cr_assert_eq(hi, 6);
    cr_assert_eq(lk_audit_read(&f.lk, 1, &e), LK_OK);
    cr_assert_eq(e.reason, LK_REASON_STORE_FORMATTED);
    for (i = 0; i < 5; i++) {
        expect_fixture_event(2 + i, i);
    }
    /* and it keeps working: the next entry continues the sequence */
    cr_assert_eq(lk_audit_append(&f.lk, &e, &i), LK_OK);
    cr_assert_eq(i, 7);
    cr_assert_eq(f.sim.violations, 0);
}

Test(store, format_v1_fixture_mcu_zero_bank1_wrapped_ring_still_loads)
{
    struct lk_sim_config c;
    uint32_t lo;
    uint32_t hi;
    uint32_t seq;

    lk_sim_default_config(&c);
    lk_sim_config_geometry(&c, 12288, 2048, 8, 0x00);
    load_fixture("store-v1-mcu00.bin", &c, 12288);
    cr_assert_eq(f.lk.store.active, 1);
    expect_common_records();
    cr_assert_eq(get_u32(5), 7);
    cr_assert_eq(lk_audit_bounds(&f.lk, &lo, &hi), LK_OK);
    cr_assert_eq(hi, 201);
    cr_assert_gt(lo, 2, "the ring should have wrapped");
    for (seq = lo; seq <= hi; seq++) {
        expect_fixture_event(seq, seq - 2u);
    }
    put_u32(6, 8);
    reboot();
    cr_assert_eq(get_u32(6), 8);
    cr_assert_eq(f.sim.violations, 0);
}

static void set_gen(uint32_t bank_off, uint32_t gen)
{
    uint8_t *h = f.sim.storage + bank_off;

    lk_put32(h + 4, gen);
    lk_put32(h + 16, lk_crc32(0, h, 16));
}

/* Generations compare wrap-safely: bank 1 at generation 0 is newer than
 * bank 0 at 0xFFFFFFFF (a crafted image, or 4 billion compactions). */
Test(store, generation_wraps_safely)
{
    uint32_t v = 0;

    fixture_start(&f, NULL);
    while (f.lk.store.active == 0u) {
        put_u32(1, ++v);
    }
    cr_assert_eq(f.lk.store.gen, 2);
    set_gen(0, 0xFFFFFFFFu);
    set_gen(f.lk.store.bank, 0);
    reboot();
    cr_assert_eq(f.lk.store.active, 1);
    cr_assert_eq(get_u32(1), v);
    cr_assert_eq(f.rec.n, 0);
}

/* A stray written byte beyond the end of the log (bit rot, a crafted
 * image, a failed write) must never be programmed over: lockcore moves to
 * a fresh bank instead, and no acknowledged write is lost. */
Test(store, never_programs_over_stray_bytes_past_the_log)
{
    uint32_t i;

    fixture_start(&f, NULL);
    put_u32(1, 1);
    f.sim.storage[f.lk.store.head + 72u] = 0x12;
    reboot();
    for (i = 2; i <= 12; i++) {
        put_u32(1, i);
    }
    cr_assert_eq(get_u32(1), 12);
    reboot();
    cr_assert_eq(get_u32(1), 12);
    cr_assert_eq(f.sim.violations, 0, "programmed over a byte that was not erased");
}
