#include "lk_port_mps2.h"

#include <string.h>

/* CMSDK APB timer 0 on the AN385 (ARM DAI 0385): counts down at PCLK. */
#define TIMER0_BASE 0x40000000u
#define TIMER_CTRL (*(volatile uint32_t *)(TIMER0_BASE + 0x0u))
#define TIMER_VALUE (*(volatile uint32_t *)(TIMER0_BASE + 0x4u))
#define TIMER_RELOAD (*(volatile uint32_t *)(TIMER0_BASE + 0x8u))
#define PCLK_HZ 25000000u
#define TICKS_PER_MS (PCLK_HZ / 1000u)

static struct lk_mps2 *board(void *ctx)
{
    return (struct lk_mps2 *)ctx;
}

/* Extends the 32-bit down-counter (one turn every ~171 s) to a 32-bit ms
 * clock; lockcore calls it far more often than once per turn. */
static uint32_t mps2_now(void *ctx)
{
    struct lk_mps2 *m = board(ctx);
    uint32_t ticks = TIMER_VALUE;
    uint32_t elapsed = m->last_ticks - ticks; /* counts down */

    m->last_ticks = ticks;
    m->sub_ticks += elapsed;
    m->ms += m->sub_ticks / TICKS_PER_MS;
    m->sub_ticks %= TICKS_PER_MS;
    return m->ms;
}

static int mps2_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    struct lk_mps2 *m = board(ctx);

    if (buf == NULL || off > LK_MPS2_STORAGE_SIZE || len > LK_MPS2_STORAGE_SIZE - off) {
        return LK_ERR_INVAL;
    }
    memcpy(buf, &m->storage[off], len);
    return LK_OK;
}

static int mps2_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    struct lk_mps2 *m = board(ctx);
    const uint8_t *src = buf;
    uint32_t i;

    if (buf == NULL || off > LK_MPS2_STORAGE_SIZE || len > LK_MPS2_STORAGE_SIZE - off) {
        return LK_ERR_INVAL;
    }
    for (i = 0; i < len; i++) {
        if (m->storage[off + i] != 0xFFu) {
            return LK_ERR_IO; /* NOR cannot set bits without an erase */
        }
    }
    for (i = 0; i < len; i++) {
        m->storage[off + i] = src[i];
    }
    return LK_OK;
}

static int mps2_erase(void *ctx, uint32_t off)
{
    struct lk_mps2 *m = board(ctx);

    if (off % 4096u != 0u || off >= LK_MPS2_STORAGE_SIZE) {
        return LK_ERR_INVAL;
    }
    memset(&m->storage[off], 0xFF, 4096u);
    return LK_OK;
}

static int mps2_motor(void *ctx, int cmd)
{
    if (cmd < LK_MOTOR_COAST || cmd > LK_MOTOR_BRAKE) {
        return LK_ERR_INVAL;
    }
    board(ctx)->motor = cmd;
    return LK_OK;
}

static int mps2_sensor(void *ctx, int sensor, uint8_t *level)
{
    (void)ctx;
    if (level == NULL || sensor < 0 || sensor >= LK_SENSOR_COUNT_) {
        return LK_ERR_INVAL;
    }
    if (sensor != LK_SENSOR_BOLT) {
        return LK_ERR_NOTSUP;
    }
    *level = LK_BOLT_EXTENDED; /* no bolt on this board: it reads locked */
    return LK_OK;
}

static void start(struct lk_mps2 *m)
{
    TIMER_CTRL = 0;
    TIMER_RELOAD = 0xFFFFFFFFu;
    TIMER_VALUE = 0xFFFFFFFFu;
    TIMER_CTRL = 1u; /* enable, PCLK, no interrupt */
    m->last_ticks = TIMER_VALUE;

    m->port.abi_version = LK_PORT_ABI_VERSION;
    m->port.ctx = m;
    m->port.now_ms = mps2_now;
    m->port.storage_size = LK_MPS2_STORAGE_SIZE;
    m->port.erase_size = 4096;
    m->port.prog_size = 1;
    m->port.erase_value = 0xFF;
    m->port.storage_read = mps2_read;
    m->port.storage_prog = mps2_prog;
    m->port.storage_erase = mps2_erase;
    m->port.motor_drive = mps2_motor;
    m->port.sensor_read = mps2_sensor;
}

void lk_mps2_init(struct lk_mps2 *m)
{
    memset(m, 0, sizeof *m);
    memset(m->storage, 0xFF, sizeof m->storage);
    start(m);
}

int lk_mps2_reinit(void *ctx)
{
    struct lk_mps2 *m = ctx;
    uint32_t ms = m->ms;

    memset(&m->port, 0, sizeof m->port);
    start(m);
    m->ms = ms; /* the clock must not go back across the port's restart */
    return LK_OK;
}
