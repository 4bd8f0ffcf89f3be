#include "lk_checker.h"

#define GUARD 8u
#define GUARD_BYTE 0xA5u
#define CHUNK 128u

static const char *const cb_names[LK_CHK_COUNT_] = {
    "now_ms", "storage_read", "storage_prog", "storage_erase", "storage_sync",
    "motor_drive", "motor_current_ma", "sensor_read", "power_read", "source_select",
    "load_enable", "entropy", "indicate",
};

const char *lk_checker_cb_name(int cb)
{
    return (cb >= 0 && cb < LK_CHK_COUNT_) ? cb_names[cb] : "?";
}

static struct lk_checker *chk(void *ctx)
{
    return (struct lk_checker *)ctx;
}

static int violate(struct lk_checker *c, int cb, const char *rule)
{
    if (c->violations++ == 0u) {
        c->first_cb = cb;
        c->first_rule = rule;
    }
    return LK_ERR_INVAL;
}

/* A callback's return value: positive values break the contract. */
static int ret(struct lk_checker *c, int cb, int rc)
{
    return (rc > 0) ? violate(c, cb, "returned a positive value") : rc;
}

static void fill(uint8_t *p, uint8_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = v;
    }
}

static int guards_intact(const uint8_t *g, size_t len)
{
    size_t i;

    for (i = 0; i < GUARD; i++) {
        if (g[i] != GUARD_BYTE || g[GUARD + len + i] != GUARD_BYTE) {
            return 0;
        }
    }
    return 1;
}

static uint32_t w_now(void *ctx)
{
    struct lk_checker *c = chk(ctx);

    c->calls[LK_CHK_NOW_MS]++;
    return c->inner->now_ms(c->inner->ctx) + c->clock_offset;
}

static int in_region(const struct lk_port *p, uint32_t off, uint32_t len)
{
    return off <= p->storage_size && len <= p->storage_size - off;
}

static int in_scratch(const struct lk_checker *c, uint32_t off, uint32_t len)
{
    return off >= c->scratch_off && len <= c->scratch_size &&
           off - c->scratch_off <= c->scratch_size - len;
}

/* Read through a guarded buffer, in chunks. */
static int guarded_read(struct lk_checker *c, uint32_t off, uint8_t *out, uint32_t len)
{
    uint8_t g[GUARD + CHUNK + GUARD];
    uint32_t n;
    uint32_t i;
    int rc;

    while (len > 0u) {
        n = (len < CHUNK) ? len : CHUNK;
        fill(g, GUARD_BYTE, sizeof g);
        rc = ret(c, LK_CHK_STORAGE_READ, c->inner->storage_read(c->inner->ctx, off, g + GUARD, n));
        if (!guards_intact(g, n)) {
            return violate(c, LK_CHK_STORAGE_READ, "wrote outside the buffer it was given");
        }
        if (rc != LK_OK) {
            return rc;
        }
        for (i = 0; i < n; i++) {
            out[i] = g[GUARD + i];
        }
        off += n;
        out += n;
        len -= n;
    }
    return LK_OK;
}

static int w_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    struct lk_checker *c = chk(ctx);

    c->calls[LK_CHK_STORAGE_READ]++;
    if (buf == NULL || !in_region(&c->port, off, len)) {
        return violate(c, LK_CHK_STORAGE_READ, "read outside the region");
    }
    return guarded_read(c, off, buf, len);
}

/* Counts a write towards an armed cut; 1 if power is (now) off. */
static int power_off(struct lk_checker *c)
{
    if (c->cut_done) {
        return 1;
    }
    if (c->cut_armed) {
        if (c->cut_after == 0u) {
            c->cut_done = 1;
            return 1;
        }
        c->cut_after--;
    }
    return 0;
}

static int w_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    struct lk_checker *c = chk(ctx);
    const struct lk_port *p = c->inner;
    uint8_t back[CHUNK];
    uint32_t done;
    uint32_t i;
    int rc;

    c->calls[LK_CHK_STORAGE_PROG]++;
    if (buf == NULL || !in_region(p, off, len) || off % p->prog_size != 0u ||
        len % p->prog_size != 0u) {
        return violate(c, LK_CHK_STORAGE_PROG, "misaligned or outside the region");
    }
    if (!in_scratch(c, off, len)) {
        return violate(c, LK_CHK_STORAGE_PROG, "outside the scratch region");
    }
    for (done = 0; done < len; done += CHUNK) {
        uint32_t n = (len - done < CHUNK) ? len - done : CHUNK;

        rc = guarded_read(c, off + done, back, n);
        if (rc != LK_OK) {
            return rc;
        }
        for (i = 0; i < n; i++) {
            if (back[i] != p->erase_value) {
                return violate(c, LK_CHK_STORAGE_PROG,
                               "into bytes that do not read back erased (a bad erase or read?)");
            }
        }
    }
    if (power_off(c)) {
        /* torn: the first half (in whole prog units) lands, then power goes */
        uint32_t part = (len / 2u) - (len / 2u) % p->prog_size;

        if (c->cut_torn && part > 0u) {
            (void)p->storage_prog(p->ctx, off, buf, part);
        }
        return LK_ERR_IO;
    }
    return ret(c, LK_CHK_STORAGE_PROG, p->storage_prog(p->ctx, off, buf, len));
}

static int w_erase(void *ctx, uint32_t off)
{
    struct lk_checker *c = chk(ctx);
    const struct lk_port *p = c->inner;

    c->calls[LK_CHK_STORAGE_ERASE]++;
    if (off % p->erase_size != 0u || !in_region(p, off, p->erase_size)) {
        return violate(c, LK_CHK_STORAGE_ERASE, "misaligned or outside the region");
    }
    if (!in_scratch(c, off, p->erase_size)) {
        return violate(c, LK_CHK_STORAGE_ERASE, "outside the scratch region");
    }
    if (power_off(c)) {
        if (c->cut_torn) {
            (void)p->storage_erase(p->ctx, off); /* erased, but never acknowledged */
        }
        return LK_ERR_IO;
    }
    return ret(c, LK_CHK_STORAGE_ERASE, p->storage_erase(p->ctx, off));
}

static int w_sync(void *ctx)
{
    struct lk_checker *c = chk(ctx);

    c->calls[LK_CHK_STORAGE_SYNC]++;
    return c->cut_done ? LK_ERR_IO
                       : ret(c, LK_CHK_STORAGE_SYNC, c->inner->storage_sync(c->inner->ctx));
}

static int w_motor(void *ctx, int cmd)
{
    struct lk_checker *c = chk(ctx);

    c->calls[LK_CHK_MOTOR_DRIVE]++;
    return ret(c, LK_CHK_MOTOR_DRIVE, c->inner->motor_drive(c->inner->ctx, cmd));
}

static int w_current(void *ctx, uint32_t *ma)
{
    struct lk_checker *c = chk(ctx);
    uint32_t g[3] = { 0xA5A5A5A5u, 0xFFFFFFFFu, 0xA5A5A5A5u };
    int rc;

    c->calls[LK_CHK_MOTOR_CURRENT]++;
    rc = ret(c, LK_CHK_MOTOR_CURRENT, c->inner->motor_current_ma(c->inner->ctx, &g[1]));
    if (g[0] != 0xA5A5A5A5u || g[2] != 0xA5A5A5A5u) {
        return violate(c, LK_CHK_MOTOR_CURRENT, "wrote outside the value it was given");
    }
    if (rc == LK_OK && g[1] > 65535u) {
        return violate(c, LK_CHK_MOTOR_CURRENT, "current above 65535 mA");
    }
    *ma = g[1];
    return rc;
}

static int w_sensor(void *ctx, int sensor, uint8_t *level)
{
    struct lk_checker *c = chk(ctx);
    uint8_t g[GUARD + 1 + GUARD];
    int rc;

    c->calls[LK_CHK_SENSOR_READ]++;
    fill(g, GUARD_BYTE, sizeof g);
    rc = ret(c, LK_CHK_SENSOR_READ, c->inner->sensor_read(c->inner->ctx, sensor, &g[GUARD]));
    if (!guards_intact(g, 1)) {
        return violate(c, LK_CHK_SENSOR_READ, "wrote outside the level it was given");
    }
    *level = g[GUARD];
    return rc;
}

static int w_power(void *ctx, int source, struct lk_power_sample *out)
{
    struct lk_checker *c = chk(ctx);
    struct lk_power_sample g[3];
    const uint8_t *b = (const uint8_t *)g;
    size_t i;
    int rc;

    c->calls[LK_CHK_POWER_READ]++;
    fill((uint8_t *)g, GUARD_BYTE, sizeof g);
    rc = ret(c, LK_CHK_POWER_READ, c->inner->power_read(c->inner->ctx, source, &g[1]));
    for (i = 0; i < sizeof g[0]; i++) {
        if (b[i] != GUARD_BYTE || b[2u * sizeof g[0] + i] != GUARD_BYTE) {
            return violate(c, LK_CHK_POWER_READ, "wrote outside the sample it was given");
        }
    }
    if (rc == LK_OK && (g[1].mv > 60000u || g[1].ma < 0)) {
        return violate(c, LK_CHK_POWER_READ, "gave mV above 60000 or a negative mA");
    }
    *out = g[1];
    return rc;
}

static int w_select(void *ctx, int source)
{
    struct lk_checker *c = chk(ctx);

    c->calls[LK_CHK_SOURCE_SELECT]++;
    return ret(c, LK_CHK_SOURCE_SELECT, c->inner->source_select(c->inner->ctx, source));
}

static int w_load(void *ctx, int load, int on)
{
    struct lk_checker *c = chk(ctx);

    c->calls[LK_CHK_LOAD_ENABLE]++;
    return ret(c, LK_CHK_LOAD_ENABLE, c->inner->load_enable(c->inner->ctx, load, on));
}

static int w_entropy(void *ctx, void *buf, size_t len)
{
    struct lk_checker *c = chk(ctx);
    uint8_t g[GUARD + 64 + GUARD];
    uint8_t *out = buf;
    size_t n;
    size_t i;
    int rc;

    c->calls[LK_CHK_ENTROPY]++;
    while (len > 0u) {
        n = (len < 64u) ? len : 64u;
        fill(g, GUARD_BYTE, sizeof g);
        rc = ret(c, LK_CHK_ENTROPY, c->inner->entropy(c->inner->ctx, g + GUARD, n));
        if (!guards_intact(g, n)) {
            return violate(c, LK_CHK_ENTROPY, "wrote outside the buffer it was given");
        }
        if (rc != LK_OK) {
            return rc;
        }
        for (i = 0; i < n; i++) {
            out[i] = g[GUARD + i];
        }
        out += n;
        len -= n;
    }
    return LK_OK;
}

static int w_indicate(void *ctx, int what, uint8_t percent)
{
    struct lk_checker *c = chk(ctx);

    c->calls[LK_CHK_INDICATE]++;
    return ret(c, LK_CHK_INDICATE, c->inner->indicate(c->inner->ctx, what, percent));
}

void lk_checker_wrap(struct lk_checker *c, const struct lk_port *inner, uint32_t scratch_off,
                     uint32_t scratch_size)
{
    const struct lk_port *p = inner;
    int i;

    c->inner = inner;
    c->scratch_off = scratch_off;
    c->scratch_size = (scratch_size != 0u) ? scratch_size : p->storage_size;
    for (i = 0; i < LK_CHK_COUNT_; i++) {
        c->calls[i] = 0;
    }
    c->violations = 0;
    c->first_cb = -1;
    c->first_rule = "";
    c->clock_offset = 0;
    c->cut_armed = 0;
    c->cut_after = 0;
    c->cut_done = 0;
    c->cut_torn = 0;

    c->port = *p;
    c->port.ctx = c;
    /* Missing callbacks stay NULL, so lockcore sees exactly the vendor's
     * capabilities. */
    c->port.now_ms = p->now_ms ? w_now : NULL;
    c->port.storage_read = p->storage_read ? w_read : NULL;
    c->port.storage_prog = p->storage_prog ? w_prog : NULL;
    c->port.storage_erase = p->storage_erase ? w_erase : NULL;
    c->port.storage_sync = p->storage_sync ? w_sync : NULL;
    c->port.motor_drive = p->motor_drive ? w_motor : NULL;
    c->port.motor_current_ma = p->motor_current_ma ? w_current : NULL;
    c->port.sensor_read = p->sensor_read ? w_sensor : NULL;
    c->port.power_read = p->power_read ? w_power : NULL;
    c->port.source_select = p->source_select ? w_select : NULL;
    c->port.load_enable = p->load_enable ? w_load : NULL;
    c->port.entropy = p->entropy ? w_entropy : NULL;
    c->port.indicate = p->indicate ? w_indicate : NULL;
}

void lk_checker_arm_cut(struct lk_checker *c, uint32_t after, int torn)
{
    c->cut_armed = 1;
    c->cut_after = after;
    c->cut_done = 0;
    c->cut_torn = torn;
}
