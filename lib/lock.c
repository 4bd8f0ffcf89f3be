/*
 * lock: the instance, its validation at init, and the entry points that
 * dispatch to the modules.
 */
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

static uint32_t or_default(uint32_t v, uint32_t def)
{
    return (v != 0u) ? v : def;
}

static int in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi;
}

static int resolve_cred_config(const struct lk_config *c)
{
    if (!in_range(c->pin_min_len, LK_PIN_LEN_MIN, c->pin_max_len) ||
        !in_range(c->pin_max_len, c->pin_min_len, LK_PIN_LEN_MAX) ||
        !in_range(c->keypad_max_digits, c->pin_max_len, LK_KEYPAD_DIGITS_MAX) ||
        (c->lockout_types & ~((1u << LK_CRED_TYPE_COUNT_) - 1u)) != 0u ||
        !in_range(c->digit_timeout_ms, 1000u, 60000u) ||
        !in_range(c->fail_window_ms, 1000u, 86400000u) ||
        !in_range(c->lockout_ms[0], 1000u, c->lockout_ms[1]) ||
        !in_range(c->lockout_ms[1], c->lockout_ms[0], c->lockout_ms[2]) ||
        !in_range(c->lockout_ms[2], c->lockout_ms[1], 86400000u) ||
        !in_range(c->multi_window_ms, 1000u, 120000u) ||
        !in_range(c->offline_drift_s, 1u, 86400u) ||
        !in_range(c->offline_otc_valid_s, 60u, 604800u)) {
        return LK_ERR_CONFIG;
    }
    return LK_OK;
}

static int resolve_config(struct lk_config *out, const struct lk_config *in)
{
    static const struct lk_config none = { 0 };

    if (in == NULL) {
        in = &none;
    }
    *out = *in;
    out->inrush_blank_ms = or_default(in->inrush_blank_ms, LK_DEFAULT_INRUSH_BLANK_MS);
    out->travel_min_ms = or_default(in->travel_min_ms, LK_DEFAULT_TRAVEL_MIN_MS);
    out->travel_max_ms = or_default(in->travel_max_ms, LK_DEFAULT_TRAVEL_MAX_MS);
    out->stall_ma = or_default(in->stall_ma, LK_DEFAULT_STALL_MA);
    out->brake_ms = or_default(in->brake_ms, LK_DEFAULT_BRAKE_MS);
    out->motion_poll_ms = or_default(in->motion_poll_ms, LK_DEFAULT_MOTION_POLL_MS);
    out->debounce_ms = or_default(in->debounce_ms, LK_DEFAULT_DEBOUNCE_MS);
    out->path_window_ms = or_default(in->path_window_ms, LK_DEFAULT_PATH_WINDOW_MS);
    out->door_ajar_ms = or_default(in->door_ajar_ms, LK_DEFAULT_DOOR_AJAR_MS);
    out->alarm_repeat_ms = or_default(in->alarm_repeat_ms, LK_DEFAULT_ALARM_REPEAT_MS);
    out->battery_ok_mv = or_default(in->battery_ok_mv, LK_DEFAULT_BATTERY_OK_MV);
    out->manual_paths = (uint8_t)or_default(in->manual_paths, LK_DEFAULT_MANUAL_PATHS);
    out->key_policy = (uint8_t)or_default(in->key_policy, LK_DEFAULT_KEY_POLICY);
    out->pin_min_len = (uint8_t)or_default(in->pin_min_len, LK_DEFAULT_PIN_MIN_LEN);
    out->pin_max_len = (uint8_t)or_default(in->pin_max_len, LK_DEFAULT_PIN_MAX_LEN);
    out->keypad_max_digits = (uint8_t)or_default(in->keypad_max_digits, LK_KEYPAD_DIGITS_MAX);
    out->wrong_limit = (uint8_t)or_default(in->wrong_limit, LK_DEFAULT_WRONG_LIMIT);
    out->guess_limit = (uint16_t)or_default(in->guess_limit, LK_DEFAULT_GUESS_LIMIT);
    out->lockout_types = (uint8_t)or_default(in->lockout_types, LK_DEFAULT_LOCKOUT_TYPES);
    out->digit_timeout_ms = or_default(in->digit_timeout_ms, LK_DEFAULT_DIGIT_TIMEOUT_MS);
    out->fail_window_ms = or_default(in->fail_window_ms, LK_DEFAULT_FAIL_WINDOW_MS);
    out->lockout_ms[0] = or_default(in->lockout_ms[0], LK_DEFAULT_LOCKOUT1_MS);
    out->lockout_ms[1] = or_default(in->lockout_ms[1], LK_DEFAULT_LOCKOUT2_MS);
    out->lockout_ms[2] = or_default(in->lockout_ms[2], LK_DEFAULT_LOCKOUT3_MS);
    out->multi_window_ms = or_default(in->multi_window_ms, LK_DEFAULT_MULTI_WINDOW_MS);
    out->offline_drift_s = or_default(in->offline_drift_s, LK_DEFAULT_OFFLINE_DRIFT_S);
    out->offline_otc_valid_s = or_default(in->offline_otc_valid_s, LK_DEFAULT_OFFLINE_OTC_VALID_S);

    if (out->auto_relock_ms > LK_MAX_AUTO_RELOCK_MS || out->travel_max_ms > LK_MAX_TRAVEL_MS ||
        out->travel_min_ms >= out->travel_max_ms ||
        out->inrush_blank_ms >= out->travel_max_ms || out->stall_ma < 50u ||
        out->stall_ma > 20000u || out->brake_ms > 1000u || out->motion_poll_ms > 100u ||
        out->debounce_ms > 1000u || out->path_window_ms > 60000u ||
        out->door_ajar_ms < 1000u || out->door_ajar_ms > 3600000u ||
        out->alarm_repeat_ms < 1000u || out->alarm_repeat_ms > 86400000u ||
        out->battery_ok_mv > 60000u || (out->manual_paths & ~LK_PATH_ALL) != 0u ||
        out->key_policy > LK_KEY_POLICY_ALARM) {
        return LK_ERR_CONFIG;
    }
    if (lk_pwr_resolve(&out->power, &in->power, out->battery_ok_mv) != LK_OK) {
        return LK_ERR_CONFIG;
    }
    return resolve_cred_config(out);
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
        rc = resolve_config(&lk->cfg, cfg);
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
        uint32_t now = port->now_ms(port->ctx);

        if (found & LK_STORE_FOUND_FORMATTED) {
            lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_STORE_FORMATTED,
                    LK_INDEX_NONE, LK_INDEX_NONE);
        }
        if (found & LK_STORE_FOUND_RESET) {
            lk_emit(lk, now, LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_FACTORY_RESET,
                    LK_INDEX_NONE, LK_INDEX_NONE);
        }
        if (found & LK_STORE_FOUND_DAMAGED) {
            lk_emit(lk, now, LK_OP_ALARM, LK_SRC_UNSPECIFIED, LK_REASON_STORE_CORRUPT,
                    LK_INDEX_NONE, LK_INDEX_NONE);
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
    uint32_t now;
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
    {
        struct lk_moved mv = { LK_MOVED_NONE, 0 };
        int bolt;

        /* Power first: a stroke judged in this poll sees fresh readings. */
        lk_pwr_poll(lk, now, &dl);
        bolt = lk_ovr_sample(lk, now, &dl);

        lk_act_poll(lk, now, &dl, bolt,
                    lk_ovr_door_open(lk) || lk->cred.mode == LK_MODE_PASSAGE, &mv);
        lk_ovr_after(lk, now, &mv, &dl);
        if (lk->act.state != LK_STATE_JAMMED) {
            lk_alarm_clear(lk, LK_REASON_JAMMED);
        }
        lk_alarm_poll(lk, now, &dl);
        lk_cred_poll(lk, now, &dl);
    }
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
