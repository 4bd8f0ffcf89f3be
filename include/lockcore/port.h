/*
 * The lockcore port contract: one const struct of callbacks plus a context
 * pointer, filled in by the vendor for their MCU and handed to lk_init.
 *
 * Rules for every callback:
 *  - ctx is lk_port.ctx, passed through untouched.
 *  - Return LK_OK (0) or a negative enum lk_err value; vendor-specific
 *    failures may use LK_ERR_VENDOR_FIRST..LK_ERR_VENDOR_LAST, and lockcore
 *    passes them up unchanged.
 *  - lockcore calls the port only from inside its own entry points, from
 *    the thread or context that called that entry point. Callbacks may block
 *    only where their comment says so.
 *  - Optional callbacks may be NULL; lockcore then does without the
 *    capability. Required ones are checked by lk_init (LK_ERR_PORT_MISSING).
 *  - Every value a callback hands back is range-checked by lockcore; a value
 *    out of range is treated like an error from that callback.
 */
#ifndef LOCKCORE_PORT_H
#define LOCKCORE_PORT_H

#include <stddef.h>
#include <stdint.h>

/* Bumped whenever struct lk_port changes incompatibly. */
#define LK_PORT_ABI_VERSION 1u

/* Motor commands for motor_drive. */
enum lk_motor_cmd {
    LK_MOTOR_COAST = 0,   /* driver off, both terminals floating */
    LK_MOTOR_EXTEND = 1,  /* drive the bolt out (lock) */
    LK_MOTOR_RETRACT = 2, /* drive the bolt in (unlock) */
    LK_MOTOR_BRAKE = 3    /* terminals shorted: stop quickly */
};

/* Sensors for sensor_read. Bolt is required; the rest are optional and
 * listed in lk_port.sensors_fitted as (1u << LK_SENSOR_x). */
enum lk_sensor {
    LK_SENSOR_BOLT = 0,      /* level: enum lk_bolt_pos */
    LK_SENSOR_KEY = 1,       /* level: 1 = key cylinder turned */
    LK_SENSOR_MECH_CODE = 2, /* level: 1 = mechanical code mechanism released */
    LK_SENSOR_THUMBTURN = 3, /* level: 1 = thumbturn moved from rest */
    LK_SENSOR_HANDLE = 4,    /* level: 1 = handle pressed */
    LK_SENSOR_DOOR = 5,      /* level: 1 = door open, 0 = closed */
    LK_SENSOR_TAMPER = 6,    /* level: 1 = front escutcheon removed */
    LK_SENSOR_COUNT_
};

/* Bolt position levels reported for LK_SENSOR_BOLT. */
enum lk_bolt_pos {
    LK_BOLT_RETRACTED = 0, /* fully in: unlocked */
    LK_BOLT_EXTENDED = 1,  /* fully out: locked */
    LK_BOLT_BETWEEN = 2    /* neither end switch made */
};

/* Power sources for power_read / source_select. */
enum lk_power_source {
    LK_PSRC_MAIN = 0,     /* main battery pack */
    LK_PSRC_USB = 1,      /* USB emergency port */
    LK_PSRC_BAT9V = 2,    /* 9 V battery on the emergency pads */
    LK_PSRC_CRANK = 3,    /* hand crank or shaken-handle generator */
    LK_PSRC_WIRELESS = 4, /* phone reverse wireless charging */
    LK_PSRC_RESERVE = 5,  /* the energy reserve (supercapacitor), read only */
    LK_PSRC_COUNT_
};

/* One power measurement. */
struct lk_power_sample {
    uint32_t mv; /* terminal voltage, mV, 0..60000; 0 when absent */
    int32_t ma;  /* current into the lock, mA, >= 0 (the conformance suite checks) */
};

/* Sheddable loads for load_enable, in the order lockcore sheds them. */
enum lk_load {
    LK_LOAD_RADIO = 0,
    LK_LOAD_VOICE = 1,
    LK_LOAD_BACKLIGHT = 2,
    LK_LOAD_FINGERPRINT = 3,
    LK_LOAD_COUNT_
};

/* What to show or sound to the person at the door. */
enum lk_indication {
    LK_IND_GRANTED = 0,
    LK_IND_DENIED = 1,
    LK_IND_LOCKED = 2,
    LK_IND_UNLOCKED = 3,
    LK_IND_LOW_BATTERY = 4,
    LK_IND_PROGRESS = 5, /* "keep going: N %"; percent is 0..100 */
    LK_IND_ALARM = 6,
    LK_IND_JAMMED = 7,
    LK_IND_SILENCED = 8, /* stop the alarm indication */
    LK_IND_COUNT_
};

struct lk_port {
    /* Must equal LK_PORT_ABI_VERSION; lk_init refuses others (LK_ERR_PORT_ABI). */
    uint32_t abi_version;
    /* Passed as the first argument of every callback. */
    void *ctx;

    /* ---- clock (required) ---- */

    /* Monotonic milliseconds since any origin; wraps at 2^32 and lockcore
     * handles the wrap. Must never go backwards (apart from the wrap).
     * Never blocks; ISR-safe. */
    uint32_t (*now_ms)(void *ctx);

    /* ---- non-volatile storage (required) ---- */

    /* Geometry, bytes. storage_size is a whole number of erase units of
     * erase_size; erase_size is a whole number of prog units of prog_size;
     * prog_size <= LK_STORE_PROG_MAX; the region holds two record banks and
     * two audit blocks (docs/storage-format.md: e.g. 16 KiB for 4 KiB
     * erase units). lk_init checks this (LK_ERR_GEOMETRY). */
    uint32_t storage_size;
    uint32_t erase_size;
    uint32_t prog_size;
    /* Byte value an erased unit reads back as (0xFF for NOR, often 0x00). */
    uint8_t erase_value;

    /* Storage callbacks are called only from lockcore entry points, never
     * need to be ISR-safe, and may block for the operation's own time. */

    /* Read len bytes at byte offset off of the region into buf. Any
     * alignment; off + len <= storage_size. */
    int (*storage_read)(void *ctx, uint32_t off, void *buf, uint32_t len);
    /* Program len bytes at off. off and len are multiples of prog_size and
     * every byte reads erase_value before. Returns when the bytes are written
     * to the part, or to a write cache that storage_sync flushes. A failure
     * may leave any of the bytes written. */
    int (*storage_prog)(void *ctx, uint32_t off, const void *buf, uint32_t len);
    /* Erase the erase unit starting at off (a multiple of erase_size) so it
     * reads erase_value. */
    int (*storage_erase)(void *ctx, uint32_t off);
    /* Optional: make every earlier prog and erase durable (flush a write
     * cache) before returning. lockcore calls it after each record it
     * appends and each audit entry, after erasing a bank, and before and
     * after writing a bank header (records copied by a compaction share the
     * one before the header), so order on the part follows the order that
     * matters. NULL when prog and erase are durable on return. */
    int (*storage_sync)(void *ctx);

    /* ---- motor (required) ---- */

    /* Set the H-bridge to cmd (enum lk_motor_cmd) and return at once; the
     * core never asks for a direction change without a BRAKE or COAST in
     * between. Never blocks. */
    int (*motor_drive)(void *ctx, int cmd);
    /* Optional: motor current now, mA (0..65535). Used for stall detection;
     * NULL means the core relies on end switches and the travel window. An
     * error or a value above 65535 counts as "no reading" for that poll (the
     * travel window still bounds the stroke). Never blocks beyond one ADC
     * conversion; not called from ISRs. */
    int (*motor_current_ma)(void *ctx, uint32_t *ma);

    /* ---- sensors (required: bolt position) ---- */

    /* Bit mask of optional sensors fitted: (1u << LK_SENSOR_x). The bolt
     * sensor is always present and need not be listed. */
    uint32_t sensors_fitted;
    /* Current, already-electrical level of sensor (enum lk_sensor) into
     * *level; see enum lk_sensor for the meaning. Never blocks; ISR-safe.
     * LK_ERR_NOTSUP for a sensor that is not fitted. */
    int (*sensor_read)(void *ctx, int sensor, uint8_t *level);

    /* ---- power (all optional) ---- */

    /* Measure source (enum lk_power_source) now: its terminal voltage and
     * the current it delivers into the lock (for LK_PSRC_RESERVE, the
     * reserve's voltage and charge current). An absent source reads mv = 0,
     * ma = 0; an error, mv above 60000 or ma below 0 counts as absent.
     * LK_ERR_NOTSUP for LK_PSRC_MAIN means the board does not measure its
     * main battery: lockcore then treats it as able to drive the motor.
     * May block for one ADC conversion (< 1 ms). docs/power.md. */
    int (*power_read)(void *ctx, int source, struct lk_power_sample *out);
    /* Switched-input boards: connect only source (enum lk_power_source),
     * disconnecting the others first (break before make); LK_PSRC_RESERVE
     * means connect none (run from the reserve). The main battery's own
     * path may stay as it is. NULL on diode-OR boards, which lockcore only
     * monitors. Never blocks. */
    int (*source_select)(void *ctx, int source);
    /* Switch a sheddable load (enum lk_load) on (on = 1) or off (0).
     * Never blocks. */
    int (*load_enable)(void *ctx, int load, int on);

    /* ---- entropy (optional) ---- */

    /* Fill buf with len bytes from a true or well-seeded random source.
     * May block until enough entropy is available. */
    int (*entropy)(void *ctx, void *buf, size_t len);

    /* ---- indication (optional) ---- */

    /* Show or sound what (enum lk_indication); percent is 0..100 for
     * LK_IND_PROGRESS and 0 otherwise. Must not block: start the beep or LED
     * pattern and return. */
    int (*indicate)(void *ctx, int what, uint8_t percent);

    /* ---- device key (optional) ---- */

    /* Copy the 32-byte per-device secret into key, from a place an attacker
     * with the board cannot read (OTP, secure element, protected flash); 0
     * on success. Called by lk_init. Without this callback lockcore makes the
     * key from entropy at first boot and keeps it in the record store
     * (docs/security.md says what that costs); without either the credential
     * engine is unavailable (LK_ERR_NOTSUP). There is no default key. */
    int (*device_key)(void *ctx, uint8_t key[32]);
};

#endif /* LOCKCORE_PORT_H */
