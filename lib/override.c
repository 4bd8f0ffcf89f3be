/*
 * override: debounced inputs, classification of bolt movements the motor
 * did not make (key, mechanical code, thumbturn, handle, unknown, forced),
 * door and tamper alarms, movement while unpowered, and the persisted
 * last-known bolt and door state. Decision table: docs/override.md.
 */
#include "lk_internal.h"

/* Record key of the persisted last state: [bolt end, door level, audit
 * sequence number (u32 LE) of the newest entry when it was written]. */
#define KEY_LAST_STATE 0x0100u
#define UNSAVED 0xFFu
/* A bolt sensor that failed is read again after this, ms: slow enough not
 * to drain the battery on a broken sensor, quick enough to recover. */
#define BOLT_RETRY_MS 1000u

static int fitted(const struct lk_lock *lk, int s)
{
    return s == LK_SENSOR_BOLT || (lk->port->sensors_fitted & (1u << s)) != 0u;
}

static int is_path(int s)
{
    return s >= LK_SENSOR_KEY && s <= LK_SENSOR_HANDLE;
}

void lk_ovr_init(struct lk_lock *lk)
{
    struct lk_override *o = &lk->ovr;
    int s;

    for (s = 0; s < LK_SENSOR_COUNT_; s++) {
        o->since[s] = 0;
        o->path_seen[s] = 0;
        o->stable[s] = 0;
        o->cand[s] = 0;
    }
    o->t_door_open = 0;
    o->path_valid = 0;
    o->seen = 0;
    o->sampled = 0;
    o->saved_end = UNSAVED;
    o->saved_door = UNSAVED;
}

/* How many of the newest audit entries boot looks through. */
#define AUDIT_LOOKBACK 32u

static void load_saved(struct lk_lock *lk)
{
    struct lk_event ev;
    uint8_t v[6];
    uint8_t len = 0;
    uint32_t lo;
    uint32_t hi;
    uint32_t seq;
    uint32_t behind;

    if (lk_store_get(lk, KEY_LAST_STATE, v, sizeof v, &len) != LK_OK || len != 6u ||
        v[0] > LK_BOLT_EXTENDED || v[1] > 1u) {
        return;
    }
    lk->ovr.saved_end = v[0];
    lk->ovr.saved_door = v[1];
    /* A movement is logged before the state is saved: one logged after the
     * saved state (a cut fell between the two) is the newer truth, and must
     * not be reported a second time as "while unpowered". */
    if (lk_audit_bounds(lk, &lo, &hi) != LK_OK) {
        return;
    }
    seq = lk_get32(v + 2) + 1u;
    /* wrap-safe: 2^31 or more behind means seq is past hi (nothing to do) */
    behind = hi - seq;
    if (behind >= AUDIT_LOOKBACK && behind < 0x80000000u) {
        seq = hi - AUDIT_LOOKBACK + 1u;
    }
    for (; (int32_t)(hi - seq) >= 0; seq++) {
        if (lk_audit_read(lk, seq, &ev) == LK_OK &&
            (ev.reason == LK_REASON_NONE || ev.reason == LK_REASON_WHILE_UNPOWERED) &&
            (ev.op == LK_OP_LOCK || ev.op == LK_OP_UNLOCK)) {
            lk->ovr.saved_end = (ev.op == LK_OP_LOCK) ? (uint8_t)LK_BOLT_EXTENDED
                                                      : (uint8_t)LK_BOLT_RETRACTED;
        }
    }
}

/* A level change that outlived the debounce. */
static void settled(struct lk_lock *lk, uint32_t now, int s, uint8_t level)
{
    struct lk_override *o = &lk->ovr;

    if (is_path(s) && level == 0u) {
        o->path_seen[s] = now; /* active until just now */
    }
    if (s == LK_SENSOR_DOOR && level == 1u) {
        o->t_door_open = now;
        if (o->stable[LK_SENSOR_BOLT] == LK_BOLT_EXTENDED && !lk_act_moving(lk)) {
            /* The door cannot open past a thrown bolt: it was forced. */
            lk_alarm(lk, now, LK_REASON_DOOR_FORCED_OPEN, LK_SRC_FORCED);
        }
    } else if (s == LK_SENSOR_DOOR) {
        lk_alarm_clear(lk, LK_REASON_DOOR_AJAR);
    } else if (s == LK_SENSOR_TAMPER) {
        if (level == 1u) {
            lk_alarm_standing(lk, now, LK_REASON_ESCUTCHEON_REMOVED, LK_SRC_FORCED);
        } else {
            lk_alarm_clear(lk, LK_REASON_ESCUTCHEON_REMOVED);
        }
    }
    o->stable[s] = level;
}

/* A good reading (level >= 0) of sensor s, debounced into stable[s]. */
static void debounce(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl, int s, int level,
                     int moving)
{
    struct lk_override *o = &lk->ovr;

    if ((o->seen & (1u << s)) == 0u) {
        /* First good reading: taken as it is, and a condition already
         * standing (escutcheon off, door open) starts now. */
        o->seen |= (uint8_t)(1u << s);
        o->stable[s] = (uint8_t)level;
        o->cand[s] = (uint8_t)level;
        if (s == LK_SENSOR_DOOR && level == 1) {
            o->t_door_open = now;
        }
        if (s == LK_SENSOR_TAMPER && level == 1) {
            lk_alarm_standing(lk, now, LK_REASON_ESCUTCHEON_REMOVED, LK_SRC_FORCED);
        }
    } else if (s == LK_SENSOR_BOLT && moving) {
        /* A movement the motor makes: its own checks judge it. */
        o->stable[s] = (uint8_t)level;
        o->cand[s] = (uint8_t)level;
    } else if (level == o->stable[s]) {
        o->cand[s] = (uint8_t)level;
    } else if (level != o->cand[s]) {
        o->cand[s] = (uint8_t)level;
        o->since[s] = now;
        lk_deadline_want(dl, now + lk->cfg.debounce_ms);
    } else if (lk_time_reached(now, o->since[s] + lk->cfg.debounce_ms)) {
        settled(lk, now, s, (uint8_t)level);
    } else {
        lk_deadline_want(dl, o->since[s] + lk->cfg.debounce_ms);
    }
}

/* A legitimate path's switch (is_path(s)) counts as recent while it is
 * active and for path_window_ms after. */
static void track_path(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl, int s)
{
    struct lk_override *o = &lk->ovr;

    if (o->stable[s] == 1u) {
        o->path_seen[s] = now;
        o->path_valid |= (uint8_t)(1u << s);
    } else if ((o->path_valid & (1u << s)) != 0u) {
        /* Forget it once the window is over (woken for that), so a
         * 2^32 ms clock wrap cannot make it recent again. */
        if (now - o->path_seen[s] > lk->cfg.path_window_ms) {
            o->path_valid &= (uint8_t)~(1u << s);
        } else {
            lk_deadline_want(dl, o->path_seen[s] + lk->cfg.path_window_ms + 1u);
        }
    }
}

int lk_ovr_sample(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_override *o = &lk->ovr;
    int moving = lk_act_moving(lk);
    int bolt_rc = LK_OK;
    int s;

    if (!o->sampled) {
        load_saved(lk);
    }
    for (s = 0; s < LK_SENSOR_COUNT_; s++) {
        int level;

        if (!fitted(lk, s)) {
            continue;
        }
        level = lk_read_sensor(lk, s);
        if (level < 0) {
            /* Optional switches: a failed read leaves the last level. */
            if (s == LK_SENSOR_BOLT) {
                bolt_rc = level;
            }
            continue;
        }
        debounce(lk, now, dl, s, level, moving);
        if (is_path(s)) {
            track_path(lk, now, dl, s);
        }
    }
    o->sampled = 1;
    if (bolt_rc == LK_OK && (o->seen & 1u) == 0u) {
        bolt_rc = LK_ERR_IO; /* never read: no level to report */
    }
    if (bolt_rc != LK_OK) {
        lk_deadline_want(dl, now + BOLT_RETRY_MS);
    }
    return (bolt_rc != LK_OK) ? bolt_rc : (int)o->stable[LK_SENSOR_BOLT];
}

int lk_ovr_door_open(const struct lk_lock *lk)
{
    return fitted(lk, LK_SENSOR_DOOR) && lk->ovr.stable[LK_SENSOR_DOOR] == 1u;
}

/* Which legitimate path explains a movement now, else UNKNOWN or FORCED. */
static uint8_t classify(const struct lk_lock *lk, uint32_t now, int unpowered)
{
    static const uint8_t class_of[LK_SENSOR_HANDLE + 1] = { 0, LK_SRC_KEY, LK_SRC_MECH_CODE,
                                                            LK_SRC_THUMBTURN, LK_SRC_HANDLE };
    const struct lk_override *o = &lk->ovr;
    int s;

    for (s = LK_SENSOR_KEY; s <= LK_SENSOR_HANDLE; s++) {
        if ((o->path_valid & (1u << s)) != 0u &&
            (o->stable[s] == 1u || now - o->path_seen[s] <= lk->cfg.path_window_ms)) {
            return class_of[s];
        }
    }
    /* No fitted switch moved. Force is the only explanation left when
     * every path the hardware has is sensed (and we were awake to see). */
    if (!unpowered && (lk->cfg.manual_paths & ~lk->port->sensors_fitted) == 0u) {
        return LK_SRC_FORCED;
    }
    return LK_SRC_MANUAL;
}

static int battery_healthy(const struct lk_lock *lk)
{
    struct lk_power_sample ps;

    if (lk->port->power_read == NULL ||
        lk->port->power_read(lk->port->ctx, LK_PSRC_MAIN, &ps) != LK_OK) {
        return 0; /* unknown is not healthy: no alarm on a guess */
    }
    /* a negative current is a bad reading (port.h): not a battery */
    return ps.mv >= lk->cfg.battery_ok_mv && ps.mv <= 60000u && ps.ma >= 0;
}

static void manual_movement(struct lk_lock *lk, uint32_t now, const struct lk_moved *mv)
{
    const struct lk_override *o = &lk->ovr;
    uint8_t op = (mv->to == LK_BOLT_EXTENDED) ? (uint8_t)LK_OP_LOCK : (uint8_t)LK_OP_UNLOCK;
    uint8_t src;

    if (mv->kind == LK_MOVED_FIRST) {
        if (o->saved_end == LK_BOLT_EXTENDED && mv->to == LK_BOLT_EXTENDED &&
            o->saved_door == 0u && lk_ovr_door_open(lk)) {
            /* Shut and locked when power went, open past the bolt now. */
            lk_alarm(lk, now, LK_REASON_DOOR_FORCED_OPEN, LK_SRC_FORCED);
        }
        if (o->saved_end == UNSAVED || o->saved_end == mv->to) {
            lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_NONE, LK_INDEX_NONE,
                    LK_INDEX_NONE);
            return;
        }
        /* Moved while we had no power: the dead-battery-and-key case. */
        lk_emit(lk, now, op, classify(lk, now, 1), LK_REASON_WHILE_UNPOWERED, LK_INDEX_NONE,
                LK_INDEX_NONE);
        return;
    }
    src = classify(lk, now, 0);
    lk_emit(lk, now, op, src, LK_REASON_NONE, LK_INDEX_NONE, LK_INDEX_NONE);
    if (src == LK_SRC_FORCED && op == LK_OP_UNLOCK) {
        lk_alarm(lk, now, LK_REASON_DOOR_FORCED_OPEN, LK_SRC_FORCED);
    }
    if (src == LK_SRC_KEY && op == LK_OP_UNLOCK && lk->cfg.key_policy == LK_KEY_POLICY_ALARM &&
        battery_healthy(lk)) {
        lk_alarm(lk, now, LK_REASON_KEY_WHILE_HEALTHY, LK_SRC_KEY);
    }
}

void lk_ovr_after(struct lk_lock *lk, uint32_t now, const struct lk_moved *mv,
                  struct lk_deadline *dl)
{
    struct lk_override *o = &lk->ovr;
    uint8_t end = lk->act.bolt_end;
    uint8_t door = (uint8_t)lk_ovr_door_open(lk);

    if (mv->kind != LK_MOVED_NONE) {
        manual_movement(lk, now, mv);
    }
    if (door) {
        uint32_t due = o->t_door_open + lk->cfg.door_ajar_ms;

        if (lk_time_reached(now, due)) {
            lk_alarm_standing(lk, now, LK_REASON_DOOR_AJAR, LK_SRC_UNSPECIFIED);
        } else {
            lk_deadline_want(dl, due);
        }
    }
    /* Persist what a reboot must compare against; retried next poll if the
     * write fails. */
    if ((end == LK_BOLT_EXTENDED || end == LK_BOLT_RETRACTED) &&
        (end != o->saved_end || door != o->saved_door)) {
        uint8_t v[6];

        v[0] = end;
        v[1] = door;
        lk_put32(v + 2, lk->store.audit_seq - 1u);
        if (lk_store_set(lk, KEY_LAST_STATE, v, 6) == LK_OK) {
            o->saved_end = end;
            o->saved_door = door;
        }
    }
}
