/*
 * A minimal firmware image for measuring lockcore's footprint: a port whose
 * callbacks do nothing, one lock instance, and a call to every public entry
 * point, so that --gc-sections keeps exactly what a firmware using all of
 * lockcore pulls in. Arguments come from volatile objects so that nothing is
 * folded away. footprint.py checks that every function declared in
 * include/lockcore is called here.
 */
#include <stddef.h>
#include <stdint.h>

#include "lockcore/lockcore.h"

/* GCC may emit calls to these for struct copies and zeroing even in
 * freestanding code; every firmware's C library has them. Counted as the
 * image's, not lockcore's. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    while (n-- > 0u) {
        *d++ = *s++;
    }
    return dst;
}
void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;

    while (n-- > 0u) {
        *d++ = (uint8_t)c;
    }
    return dst;
}

static volatile uint32_t v32;
static volatile int vint;
static volatile uint8_t vbuf[64];

static uint32_t p_now(void *ctx) { (void)ctx; return v32; }
static int p_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    (void)ctx; (void)off; (void)buf; (void)len;
    return vint;
}
static int p_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    (void)ctx; (void)off; (void)buf; (void)len;
    return vint;
}
static int p_erase(void *ctx, uint32_t off) { (void)ctx; (void)off; return vint; }
static int p_sync(void *ctx) { (void)ctx; return vint; }
static int p_motor(void *ctx, int cmd) { (void)ctx; (void)cmd; return vint; }
static int p_current(void *ctx, uint32_t *ma) { (void)ctx; *ma = v32; return vint; }
static int p_sensor(void *ctx, int s, uint8_t *level) { (void)ctx; (void)s; *level = 0; return vint; }
static int p_power(void *ctx, int s, struct lk_power_sample *out)
{
    (void)ctx; (void)s;
    out->mv = v32;
    out->ma = (int32_t)v32;
    return vint;
}
static int p_select(void *ctx, int s) { (void)ctx; (void)s; return vint; }
static int p_load(void *ctx, int l, int on) { (void)ctx; (void)l; (void)on; return vint; }
static int p_entropy(void *ctx, void *buf, size_t len) { (void)ctx; (void)buf; (void)len; return vint; }
static int p_indicate(void *ctx, int what, uint8_t pct) { (void)ctx; (void)what; (void)pct; return vint; }
static int p_key(void *ctx, uint8_t key[32]) { (void)ctx; key[0] = 0; return vint; }
static void on_event(void *ctx, const struct lk_event *ev) { (void)ctx; v32 = ev->mono_ms; }

static const struct lk_port port = {
    LK_PORT_ABI_VERSION, NULL, p_now, 16384u, 4096u, 1u, 0xFFu, p_read, p_prog, p_erase,
    p_sync, p_motor, p_current, 0x7Eu, p_sensor, p_power, p_select, p_load, p_entropy,
    p_indicate, p_key,
};

/* The one instance: its size is the "instance" figure. */
struct lk_lock lk_footprint_instance;

void _start(void);
void _start(void)
{
    struct lk_lock *lk = &lk_footprint_instance;
    struct lk_config cfg = { 0 };
    struct lk_user u = { 0 };
    struct lk_lockout_info lo;
    struct lk_power_status ps;
    struct lk_event ev;
    struct lk_matter_event me;
    struct lk_sha256 sha;
    struct lk_hmac hmac;
    uint8_t out[32];
    uint8_t type = 0;
    uint16_t idx = 0;
    uint32_t a = 0;
    uint32_t b = 0;

    cfg.on_event = on_event;
    for (;;) {
        v32 = (uint32_t)lk_init(lk, &port, &cfg);
        v32 = (uint32_t)lk_poll(lk, &a);
        v32 = (uint32_t)lk_request_unlock(lk, vint, (uint16_t)v32, (uint16_t)v32);
        v32 = (uint32_t)lk_request_lock(lk, vint, (uint16_t)v32, (uint16_t)v32);
        v32 = (uint32_t)lk_get_state(lk);
        v32 = (uint32_t)lk_alarm_silence(lk, (uint16_t)v32, (uint16_t)v32);
        v32 = (uint32_t)lk_set_wall_time(lk, v32);
        v32 = (uint32_t)lk_clear_wall_time(lk);
        v32 = (uint32_t)lk_user_set(lk, (uint16_t)v32, &u);
        v32 = (uint32_t)lk_user_get(lk, (uint16_t)v32, &u);
        v32 = (uint32_t)lk_user_delete(lk, (uint16_t)v32);
        v32 = (uint32_t)lk_cred_set(lk, (uint16_t)v32, vint, (uint16_t)v32,
                                    (const uint8_t *)vbuf, v32);
        v32 = (uint32_t)lk_cred_delete(lk, (uint16_t)v32);
        v32 = (uint32_t)lk_cred_get(lk, (uint16_t)v32, &type, &idx);
        v32 = (uint32_t)lk_free_index(lk, vint, &idx);
        v32 = (uint32_t)lk_keypad_key(lk, (char)vint);
        v32 = (uint32_t)lk_cred_present(lk, vint, (const uint8_t *)vbuf, v32);
        v32 = (uint32_t)lk_token_key(lk, (uint16_t)v32, out);
        v32 = (uint32_t)lk_token_challenge(lk, out);
        v32 = (uint32_t)lk_token_response(lk, (uint16_t)v32, out);
        v32 = (uint32_t)lk_offline_key(lk, out);
        v32 = (uint32_t)lk_offline_reset(lk, v32);
        v32 = (uint32_t)lk_set_mode(lk, vint);
        v32 = (uint32_t)lk_get_mode(lk);
        v32 = (uint32_t)lk_set_time_zone(lk, vint);
        v32 = (uint32_t)lk_lockout_info(lk, &lo);
        v32 = (uint32_t)lk_power_status(lk, &ps);
        v32 = (uint32_t)lk_power_veto(lk, vint, vint);
        v32 = (uint32_t)lk_audit_bounds(lk, &a, &b);
        v32 = (uint32_t)lk_audit_read(lk, v32, &ev);
        v32 = (uint32_t)lk_event_to_matter(&ev, &me);
        v32 = (uint32_t)(uintptr_t)lk_strerror(vint);
        lk_sha256_init(&sha);
        lk_sha256_update(&sha, (const void *)vbuf, v32);
        lk_sha256_final(&sha, out);
        lk_hmac_init(&hmac, out, v32);
        lk_hmac_update(&hmac, (const void *)vbuf, v32);
        lk_hmac_final(&hmac, out);
        lk_hmac_sha256(out, v32, (const void *)vbuf, v32, out);
        v32 = (uint32_t)lk_ct_equal(out, (const void *)vbuf, v32);
        lk_wipe(out, sizeof out);
        v32 = out[0];
    }
}
