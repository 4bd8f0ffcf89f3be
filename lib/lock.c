/*
 * lock: the instance, its validation at init, and the entry points that
 * dispatch to the modules.
 */
#include <stddef.h>

#include "lk_internal.h"

/* While the wall clock is trusted, poll at least this often so the port
 * clock cannot wrap (2^32 ms) between two rebases of the wall clock. */
#define WALL_REBASE_MS 0x40000000u

void lk_deadline_want(struct lk_deadline *d, uint32_t at)
{
    if (!d->set || lk_time_diff(at, d->at) < 0) {
        d->at = at;
        d->set = 1;
    }
}

int lk_read_sensor(const struct lk_lock *lk, int sensor)
{
    uint8_t level = 0xFFu;
    int rc = lk->port->sensor_read(lk->port->ctx, sensor, &level);

    if (rc != LK_OK) {
        return (rc < 0) ? rc : LK_ERR_RANGE;
    }
    return (level <= ((sensor == LK_SENSOR_BOLT) ? LK_BOLT_BETWEEN : 1u)) ? (int)level
                                                                          : LK_ERR_RANGE;
}

static int check_port(const struct lk_port *p)
{
    const uint32_t known_sensors = (1u << LK_SENSOR_COUNT_) - 1u;

    if (p->abi_version != LK_PORT_ABI_VERSION) {
        return LK_ERR_PORT_ABI;
    }
    if (p->now_ms == NULL || p->storage_read == NULL || p->storage_prog == NULL ||
        p->storage_erase == NULL || p->motor_drive == NULL || p->sensor_read == NULL) {
        return LK_ERR_PORT_MISSING;
    }
    if (p->storage_size == 0u || p->erase_size == 0u || p->prog_size == 0u ||
        p->prog_size > p->erase_size || p->erase_size % p->prog_size != 0u ||
        p->storage_size % p->erase_size != 0u) {
        return LK_ERR_GEOMETRY;
    }
    if ((p->sensors_fitted & ~known_sensors) != 0u) {
        return LK_ERR_CONFIG;
    }
    return LK_OK;
}

/* Bounds of the lk_config ranges (struct lk_config states them), by index. */
enum {
    B_0, B_1, B_50, B_60, B_100, B_1000, B_20000, B_60000, B_86400, B_120000, B_604800,
    B_3600000, B_86400000, B_RELOCK, B_TRAVEL, B_PIN_MIN, B_PIN_MAX, B_DIGITS, B_POLICY,
    B_NONE, B_COUNT
};
static const uint32_t bound[B_COUNT] = {
    0u, 1u, 50u, 60u, 100u, 1000u, 20000u, 60000u, 86400u, 120000u, 604800u,
    3600000u, 86400000u, LK_MAX_AUTO_RELOCK_MS, LK_MAX_TRAVEL_MS, LK_PIN_LEN_MIN, LK_PIN_LEN_MAX,
    LK_KEYPAD_DIGITS_MAX, LK_KEY_POLICY_ALARM, LK_U32_MAX
};

/* A numeric lk_config field: its offset and size (1, 2 or 4 bytes), the
 * value a 0 takes (cut to the field's width, as stored), and its range as
 * bound[] indices. Ranges that depend on another field are checked in
 * lk_resolve_config. */
struct cfg_field {
    uint32_t def;
    uint8_t off;
    uint8_t size;
    uint8_t lo;
    uint8_t hi;
};

#define F_SIZE(field) sizeof(((struct lk_config *)0)->field)
#define F(field, def, lo, hi)                                                           \
    { (uint32_t)((def) & (LK_U32_MAX >> (32u - 8u * F_SIZE(field)))),                   \
      (uint8_t)offsetof(struct lk_config, field), (uint8_t)F_SIZE(field), (lo), (hi) }

static const struct cfg_field fields[] = {
    F(auto_relock_ms, 0u, B_0, B_RELOCK), /* 0 = off, no default */
    F(inrush_blank_ms, LK_DEFAULT_INRUSH_BLANK_MS, B_1, B_NONE),
    F(travel_min_ms, LK_DEFAULT_TRAVEL_MIN_MS, B_1, B_NONE),
    F(travel_max_ms, LK_DEFAULT_TRAVEL_MAX_MS, B_1, B_TRAVEL),
    F(stall_ma, LK_DEFAULT_STALL_MA, B_50, B_20000),
    F(brake_ms, LK_DEFAULT_BRAKE_MS, B_1, B_1000),
    F(motion_poll_ms, LK_DEFAULT_MOTION_POLL_MS, B_1, B_100),
    F(debounce_ms, LK_DEFAULT_DEBOUNCE_MS, B_1, B_1000),
    F(path_window_ms, LK_DEFAULT_PATH_WINDOW_MS, B_1, B_60000),
    F(door_ajar_ms, LK_DEFAULT_DOOR_AJAR_MS, B_1000, B_3600000),
    F(alarm_repeat_ms, LK_DEFAULT_ALARM_REPEAT_MS, B_1000, B_86400000),
    F(battery_ok_mv, LK_DEFAULT_BATTERY_OK_MV, B_1, B_60000),
    F(manual_paths, LK_DEFAULT_MANUAL_PATHS, B_1, B_NONE),
    F(key_policy, LK_DEFAULT_KEY_POLICY, B_1, B_POLICY),
    F(pin_min_len, LK_DEFAULT_PIN_MIN_LEN, B_PIN_MIN, B_PIN_MAX),
    F(pin_max_len, LK_DEFAULT_PIN_MAX_LEN, B_PIN_MIN, B_PIN_MAX),
    F(keypad_max_digits, LK_KEYPAD_DIGITS_MAX, B_1, B_DIGITS),
    F(wrong_limit, LK_DEFAULT_WRONG_LIMIT, B_1, B_NONE),
    F(guess_limit, LK_DEFAULT_GUESS_LIMIT, B_1, B_NONE),
    F(lockout_types, LK_DEFAULT_LOCKOUT_TYPES, B_0, B_NONE),
    F(digit_timeout_ms, LK_DEFAULT_DIGIT_TIMEOUT_MS, B_1000, B_60000),
    F(fail_window_ms, LK_DEFAULT_FAIL_WINDOW_MS, B_1000, B_86400000),
    F(lockout_ms[0], LK_DEFAULT_LOCKOUT1_MS, B_1000, B_86400000),
    F(lockout_ms[1], LK_DEFAULT_LOCKOUT2_MS, B_1000, B_86400000),
    F(lockout_ms[2], LK_DEFAULT_LOCKOUT3_MS, B_1000, B_86400000),
    F(multi_window_ms, LK_DEFAULT_MULTI_WINDOW_MS, B_1000, B_120000),
    F(offline_drift_s, LK_DEFAULT_OFFLINE_DRIFT_S, B_1, B_86400),
    F(offline_otc_valid_s, LK_DEFAULT_OFFLINE_OTC_VALID_S, B_60, B_604800),
};

#undef F
#undef F_SIZE

int lk_resolve_config(struct lk_config *out, const struct lk_config *in)
{
    uint8_t *base = (uint8_t *)out;
    uint32_t i;

    if (in == NULL) {
        lk_fill(base, 0, sizeof *out);
    } else {
        *out = *in;
    }
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const struct cfg_field *f = &fields[i];
        uint8_t *p = base + f->off;
        uint32_t v = (f->size == 1u) ? *p : (f->size == 2u) ? *(uint16_t *)p : *(uint32_t *)p;

        if (v == 0u) {
            v = f->def;
        }
        if (v < bound[f->lo] || v > bound[f->hi]) {
            return LK_ERR_CONFIG;
        }
        if (f->size == 1u) {
            *p = (uint8_t)v;
        } else if (f->size == 2u) {
            *(uint16_t *)p = (uint16_t)v;
        } else {
            *(uint32_t *)p = v;
        }
    }
    if (out->travel_min_ms >= out->travel_max_ms || out->inrush_blank_ms >= out->travel_max_ms ||
        (out->manual_paths & ~LK_PATH_ALL) != 0u || out->pin_min_len > out->pin_max_len ||
        out->pin_max_len > out->keypad_max_digits ||
        (out->lockout_types & ~((1u << LK_CRED_TYPE_COUNT_) - 1u)) != 0u ||
        out->lockout_ms[0] > out->lockout_ms[1] || out->lockout_ms[1] > out->lockout_ms[2]) {
        return LK_ERR_CONFIG;
    }
    /* Without a cfg, out->power is the all-zero input it is resolved from. */
    return lk_pwr_resolve(&out->power, (in != NULL) ? &in->power : &out->power,
                          out->battery_ok_mv);
}

int lk_init(struct lk_lock *lk, const struct lk_port *port, const struct lk_config *cfg)
{
    uint8_t found = 0;
    int rc;

    if (lk == NULL) {
        return LK_ERR_INVAL;
    }
    lk->magic = 0;
    if (port == NULL) {
        return LK_ERR_INVAL;
    }
    rc = check_port(port);
    if (rc == LK_OK) {
        rc = lk_store_layout(port, &lk->store);
    }
    if (rc == LK_OK) {
        rc = lk_resolve_config(&lk->cfg, cfg);
    }
    if (rc != LK_OK) {
        return rc;
    }
    lk->port = port;
    lk->wall_base_s = 0;
    lk->wall_base_ms = 0;
    lk->wall_trusted = 0;
    lk_act_init(lk);
    lk_ovr_init(lk);
    lk_fill((uint8_t *)&lk->alarms, 0, sizeof lk->alarms);
    rc = port->motor_drive(port->ctx, LK_MOTOR_COAST);
    if (rc == LK_OK) {
        lk_act_boot(lk, port->now_ms(port->ctx));
        rc = lk_store_mount(lk, &found);
    }
    if (rc == LK_OK) {
        rc = lk_cred_init(lk);
    }
    if (rc == LK_OK) {
        lk_pwr_init(lk);
    }
    if (rc != LK_OK) {
        return (rc < 0) ? rc : LK_ERR_RANGE;
    }
    lk->magic = LK_MAGIC;
    lk_cred_boot_events(lk);
    if (found != 0u) {
        /* What mounting found, one event per LK_STORE_FOUND_* bit. */
        static const uint8_t found_ev[3][2] = {
            { LK_OP_STATE, LK_REASON_STORE_FORMATTED },
            { LK_OP_ALARM, LK_REASON_FACTORY_RESET },
            { LK_OP_ALARM, LK_REASON_STORE_CORRUPT },
        };
        uint32_t now = port->now_ms(port->ctx);
        uint32_t i;

        for (i = 0; i < 3u; i++) {
            if ((found & (1u << i)) != 0u) {
                lk_emit(lk, now, found_ev[i][0], LK_SRC_UNSPECIFIED, found_ev[i][1],
                        LK_INDEX_NONE, LK_INDEX_NONE);
            }
        }
    }
    return LK_OK;
}

int lk_check(const struct lk_lock *lk)
{
    if (lk == NULL) {
        return LK_ERR_INVAL;
    }
    return (lk->magic == LK_MAGIC) ? LK_OK : LK_ERR_NOT_INIT;
}

/* Move the wall-clock base forward in whole seconds, so it never lags the
 * port clock by more than a second. */
static void rebase_wall(struct lk_lock *lk, uint32_t now)
{
    uint32_t secs = (now - lk->wall_base_ms) / 1000u;

    lk->wall_base_s += secs;
    lk->wall_base_ms += secs * 1000u;
}

int lk_poll(struct lk_lock *lk, uint32_t *next_ms)
{
    struct lk_deadline dl = { 0, 0 };
    struct lk_moved mv = { LK_MOVED_NONE, 0 };
    uint32_t now;
    int bolt;
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (next_ms == NULL) {
        return LK_ERR_INVAL;
    }
    now = lk->port->now_ms(lk->port->ctx);
    if (lk->wall_trusted) {
        rebase_wall(lk, now);
        lk_deadline_want(&dl, now + WALL_REBASE_MS);
    }
    /* Power first: a stroke judged in this poll sees fresh readings. */
    lk_pwr_poll(lk, now, &dl);
    bolt = lk_ovr_sample(lk, now, &dl);
    if (!lk_act_quiet(lk, bolt)) {
        lk_act_poll(lk, now, &dl, bolt, &mv);
    }
    lk_ovr_after(lk, now, &mv, &dl);
    /* Only a JAMMED alarm raised since the last clear has bits to clear. */
    if (lk->act.jam_alarm && lk->act.state != LK_STATE_JAMMED) {
        lk->act.jam_alarm = 0;
        lk_alarm_clear(lk, LK_REASON_JAMMED);
    }
    lk_alarm_poll(lk, now, &dl);
    lk_cred_poll(lk, now, &dl);
    if (!dl.set) {
        return LK_POLL_IDLE;
    }
    *next_ms = dl.at;
    return LK_POLL_DEADLINE;
}

static int request(struct lk_lock *lk, uint8_t target, int source, uint16_t user, uint16_t cred)
{
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (!lk_source_valid(source)) {
        return LK_ERR_RANGE;
    }
    return lk_act_request(lk, lk->port->now_ms(lk->port->ctx), target, source, user, cred);
}

int lk_request_unlock(struct lk_lock *lk, int source, uint16_t user, uint16_t cred)
{
    return request(lk, LK_BOLT_RETRACTED, source, user, cred);
}

int lk_request_lock(struct lk_lock *lk, int source, uint16_t user, uint16_t cred)
{
    return request(lk, LK_BOLT_EXTENDED, source, user, cred);
}

int lk_get_state(const struct lk_lock *lk)
{
    int rc = lk_check(lk);

    return (rc != LK_OK) ? rc : (int)lk->act.state;
}

int lk_wall_now(const struct lk_lock *lk, uint32_t now, uint32_t *unix_s)
{
    if (!lk->wall_trusted) {
        return 0;
    }
    *unix_s = lk->wall_base_s + (now - lk->wall_base_ms) / 1000u;
    return 1;
}

int lk_set_wall_time(struct lk_lock *lk, uint32_t unix_s)
{
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    lk->wall_base_s = unix_s;
    lk->wall_base_ms = lk->port->now_ms(lk->port->ctx);
    lk->wall_trusted = 1;
    return LK_OK;
}

int lk_clear_wall_time(struct lk_lock *lk)
{
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    lk->wall_trusted = 0;
    return LK_OK;
}
