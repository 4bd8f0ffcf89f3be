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

/* The numeric lk_config fields: the value a 0 takes and their ranges
 * (struct lk_config states them). Ranges that depend on another field are
 * checked in lk_resolve_config. */
#define F(field, def, lo, hi) LK_CFG_FIELD(struct lk_config, field, def, lo, hi)
static const struct lk_cfg_field fields[] = {
    F(auto_relock_ms, 0u, 0u, LK_MAX_AUTO_RELOCK_MS), /* 0 = off, no default */
    F(inrush_blank_ms, LK_DEFAULT_INRUSH_BLANK_MS, 1u, LK_U32_MAX),
    F(travel_min_ms, LK_DEFAULT_TRAVEL_MIN_MS, 1u, LK_U32_MAX),
    F(travel_max_ms, LK_DEFAULT_TRAVEL_MAX_MS, 1u, LK_MAX_TRAVEL_MS),
    F(stall_ma, LK_DEFAULT_STALL_MA, 50u, 20000u),
    F(brake_ms, LK_DEFAULT_BRAKE_MS, 1u, 1000u),
    F(motion_poll_ms, LK_DEFAULT_MOTION_POLL_MS, 1u, 100u),
    F(debounce_ms, LK_DEFAULT_DEBOUNCE_MS, 1u, 1000u),
    F(path_window_ms, LK_DEFAULT_PATH_WINDOW_MS, 1u, 60000u),
    F(door_ajar_ms, LK_DEFAULT_DOOR_AJAR_MS, 1000u, 3600000u),
    F(alarm_repeat_ms, LK_DEFAULT_ALARM_REPEAT_MS, 1000u, 86400000u),
    F(battery_ok_mv, LK_DEFAULT_BATTERY_OK_MV, 1u, 60000u),
    F(manual_paths, LK_DEFAULT_MANUAL_PATHS, 1u, LK_U32_MAX),
    F(key_policy, LK_DEFAULT_KEY_POLICY, 1u, LK_KEY_POLICY_ALARM),
    F(pin_min_len, LK_DEFAULT_PIN_MIN_LEN, LK_PIN_LEN_MIN, LK_PIN_LEN_MAX),
    F(pin_max_len, LK_DEFAULT_PIN_MAX_LEN, LK_PIN_LEN_MIN, LK_PIN_LEN_MAX),
    F(keypad_max_digits, LK_KEYPAD_DIGITS_MAX, 1u, LK_KEYPAD_DIGITS_MAX),
    F(wrong_limit, LK_DEFAULT_WRONG_LIMIT, 1u, LK_U32_MAX),
    F(guess_limit, LK_DEFAULT_GUESS_LIMIT, 1u, LK_U32_MAX),
    F(lockout_types, LK_DEFAULT_LOCKOUT_TYPES, 0u, LK_U32_MAX),
    F(digit_timeout_ms, LK_DEFAULT_DIGIT_TIMEOUT_MS, 1000u, 60000u),
    F(fail_window_ms, LK_DEFAULT_FAIL_WINDOW_MS, 1000u, 86400000u),
    F(lockout_ms[0], LK_DEFAULT_LOCKOUT1_MS, 1000u, 86400000u),
    F(lockout_ms[1], LK_DEFAULT_LOCKOUT2_MS, 1000u, 86400000u),
    F(lockout_ms[2], LK_DEFAULT_LOCKOUT3_MS, 1000u, 86400000u),
    F(multi_window_ms, LK_DEFAULT_MULTI_WINDOW_MS, 1000u, 120000u),
    F(offline_drift_s, LK_DEFAULT_OFFLINE_DRIFT_S, 1u, 86400u),
    F(offline_otc_valid_s, LK_DEFAULT_OFFLINE_OTC_VALID_S, 60u, 604800u),
};
#undef F

int lk_cfg_fields(void *base, const struct lk_cfg_field *f, size_t n)
{
    for (; n != 0u; n--, f++) {
        uint8_t *p = (uint8_t *)base + f->off;
        uint32_t v = (f->size == 1u) ? *p : (f->size == 2u) ? *(uint16_t *)p : *(uint32_t *)p;

        if (v == 0u) {
            v = f->def;
        }
        /* stored, and checked, as the field holds it */
        if (f->size == 1u) {
            v = (uint8_t)v;
            *p = (uint8_t)v;
        } else if (f->size == 2u) {
            v = (uint16_t)v;
            *(uint16_t *)p = (uint16_t)v;
        } else {
            *(uint32_t *)p = v;
        }
        if (v < f->lo || v > f->hi) {
            return LK_ERR_CONFIG;
        }
    }
    return LK_OK;
}

int lk_resolve_config(struct lk_config *out, const struct lk_config *in)
{
    if (in == NULL) {
        lk_fill((uint8_t *)out, 0, sizeof *out);
    } else {
        *out = *in;
    }
    if (lk_cfg_fields(out, fields, sizeof fields / sizeof fields[0]) != LK_OK) {
        return LK_ERR_CONFIG;
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
