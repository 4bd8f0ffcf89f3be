/* Copy-and-fill port skeleton: see lk_port_template.h and docs/porting.md.
 * Each callback states what it must guarantee (port.h has the full rules). */
#include "lk_port_template.h"

/* Monotonic ms since any origin; wraps at 2^32; never goes back. ISR-safe,
 * never blocks. Typically a 1 kHz tick counter or a free-running timer. */
static uint32_t my_now_ms(void *ctx)
{
    (void)ctx;
    return 0; /* TODO: read your timer */
}

/* Read len bytes at off (any alignment) into buf. May block for the bus. */
static int my_storage_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
    (void)ctx;
    (void)off;
    (void)buf;
    (void)len;
    return LK_ERR_NOTSUP; /* TODO */
}

/* Program len bytes at off; off and len are multiples of prog_size and the
 * bytes are erased. Returns once written (or cached until storage_sync). */
static int my_storage_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    (void)ctx;
    (void)off;
    (void)buf;
    (void)len;
    return LK_ERR_NOTSUP; /* TODO */
}

/* Erase the erase unit at off (a multiple of erase_size) to erase_value. */
static int my_storage_erase(void *ctx, uint32_t off)
{
    (void)ctx;
    (void)off;
    return LK_ERR_NOTSUP; /* TODO */
}

/* Optional: flush a write cache. Delete it (set NULL) if prog is durable. */
static int my_storage_sync(void *ctx)
{
    (void)ctx;
    return LK_ERR_NOTSUP; /* TODO */
}

/* Set the H-bridge to cmd (enum lk_motor_cmd); refuse others with
 * LK_ERR_INVAL. Returns at once; never blocks. */
static int my_motor_drive(void *ctx, int cmd)
{
    (void)ctx;
    (void)cmd;
    return LK_ERR_NOTSUP; /* TODO */
}

/* Optional: motor current in mA (0..65535), e.g. from a shunt ADC. */
static int my_motor_current_ma(void *ctx, uint32_t *ma)
{
    (void)ctx;
    (void)ma;
    return LK_ERR_NOTSUP; /* TODO, or set NULL */
}

/* Level of sensor (enum lk_sensor) into *level: bolt 0..2, switches 0/1;
 * LK_ERR_NOTSUP for a sensor you did not fit, LK_ERR_INVAL for an unknown
 * one. ISR-safe, never blocks. */
static int my_sensor_read(void *ctx, int sensor, uint8_t *level)
{
    (void)ctx;
    (void)sensor;
    (void)level;
    return LK_ERR_NOTSUP; /* TODO */
}

/* Optional: measure a power source (enum lk_power_source), mV and mA into
 * the lock (LK_PSRC_RESERVE: the supercap's voltage). Absent: 0 mV, 0 mA.
 * LK_ERR_NOTSUP for LK_PSRC_MAIN if the board cannot measure its main
 * battery (lockcore then lets the hardware decide). docs/power.md. */
static int my_power_read(void *ctx, int source, struct lk_power_sample *out)
{
    (void)ctx;
    (void)source;
    (void)out;
    return LK_ERR_NOTSUP; /* TODO, or set NULL */
}

/* Optional, switched-input boards: connect only source, break before make;
 * LK_PSRC_RESERVE means connect none (run from the reserve). */
static int my_source_select(void *ctx, int source)
{
    (void)ctx;
    (void)source;
    return LK_ERR_NOTSUP; /* TODO, or set NULL on diode-OR boards */
}

/* Optional: switch a sheddable load (enum lk_load) on or off. */
static int my_load_enable(void *ctx, int load, int on)
{
    (void)ctx;
    (void)load;
    (void)on;
    return LK_ERR_NOTSUP; /* TODO, or set NULL */
}

/* Optional: len bytes from a true random source (TRNG). May block. */
static int my_entropy(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return LK_ERR_NOTSUP; /* TODO, or set NULL */
}

/* Optional, but best for the credential engine: copy the 32-byte device key
 * from OTP, a secure element or read-protected flash (docs/security.md).
 * Never a constant in the firmware. Without it lockcore makes a key from
 * my_entropy at first boot; with neither, the credential calls say
 * LK_ERR_NOTSUP. */
static int my_device_key(void *ctx, uint8_t key[32])
{
    (void)ctx;
    (void)key;
    return LK_ERR_NOTSUP; /* TODO, or set NULL */
}

/* Optional: show or sound what (enum lk_indication); percent for
 * LK_IND_PROGRESS. Start the pattern and return; never block. */
static int my_indicate(void *ctx, int what, uint8_t percent)
{
    (void)ctx;
    (void)what;
    (void)percent;
    return LK_ERR_NOTSUP; /* TODO, or set NULL */
}

void lk_port_template_init(struct lk_port *port, struct my_port_state *state)
{
    port->abi_version = LK_PORT_ABI_VERSION;
    port->ctx = state;
    port->now_ms = my_now_ms;
    /* TODO: your storage region: e.g. 4 sectors of 4 KiB of external NOR */
    port->storage_size = 16384;
    port->erase_size = 4096;
    port->prog_size = 1;
    port->erase_value = 0xFF;
    port->storage_read = my_storage_read;
    port->storage_prog = my_storage_prog;
    port->storage_erase = my_storage_erase;
    port->storage_sync = my_storage_sync;
    port->motor_drive = my_motor_drive;
    port->motor_current_ma = my_motor_current_ma;
    port->sensors_fitted = 0; /* TODO: (1u << LK_SENSOR_DOOR) | ... */
    port->sensor_read = my_sensor_read;
    port->power_read = my_power_read;
    port->source_select = my_source_select;
    port->load_enable = my_load_enable;
    port->entropy = my_entropy;
    port->indicate = my_indicate;
    port->device_key = my_device_key;
}
