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
/* Sensors that are mechanical paths (key .. handle). */
#define PATH_SENSORS 0x1Eu

void lk_ovr_init(struct lk_lock *lk)
{
    struct lk_override *o = &lk->ovr;
    int s;

    lk_fill((uint8_t *)o, 0, sizeof *o);
    o->saved_end = UNSAVED;
    o->saved_door = UNSAVED;
    o->fitted = (uint8_t)(lk->port->sensors_fitted | (1u << LK_SENSOR_BOLT));
    for (s = 0; s < LK_SENSOR_COUNT_; s++) {
        if ((((uint32_t)o->fitted >> s) & 1u) != 0u) {
            o->read[o->n_read++] = (uint8_t)s;
        }
    }
}

/* How many of the newest audit entries boot looks through. */
#define AUDIT_LOOKBACK 32u

static void load_saved(struct lk_lock *lk)
{
    uint8_t v[6];
    uint8_t len = 0;

    if (lk_store_get(lk, KEY_LAST_STATE, v, sizeof v, &len) != LK_OK || len != 6u ||
        v[0] > LK_BOLT_EXTENDED || v[1] > 1u) {
        return;
    }
    lk->ovr.saved_end = v[0];
    lk->ovr.saved_door = v[1];
#if LK_WITH_AUDIT
    {
        struct lk_event ev;
        uint32_t lo;
        uint32_t hi;
        uint32_t seq;
        uint32_t behind;

        /* A movement is logged before the state is saved: one logged after
         * the saved state (a cut fell between the two) is the newer truth,
         * and must not be reported a second time as "while unpowered". */
        seq = lk_get32(v + 2);
        /* all ones: saved by a build without the log, after anything in it */
        if (seq == LK_U32_MAX || lk_audit_bounds(lk, &lo, &hi) != LK_OK) {
            return;
        }
        seq++;
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
#endif
}

/* Sensor s holds a new level (first = its first good reading, taken as it
 * is: a condition already standing, escutcheon off or door open, starts
 * now, and there was nothing before it to clear or to have been forced). */
static void settled(struct lk_lock *lk, uint32_t now, int s, uint32_t level, int first)
{
    struct lk_override *o = &lk->ovr;

    if (s == LK_SENSOR_DOOR) {
        if (level == 0u) {
            lk_alarm_clear(lk, LK_REASON_DOOR_AJAR);
        } else {
            o->t_door_open = now;
            if (!first && o->stable[LK_SENSOR_BOLT] == LK_BOLT_EXTENDED && !lk_act_moving(lk)) {
                /* The door cannot open past a thrown bolt: it was forced. */
                lk_alarm(lk, now, LK_REASON_DOOR_FORCED_OPEN, LK_SRC_FORCED);
            }
        }
    } else if (s == LK_SENSOR_TAMPER) {
        if (level == 0u) {
            lk_alarm_clear(lk, LK_REASON_ESCUTCHEON_REMOVED);
        } else {
            lk_alarm_standing(lk, now, LK_REASON_ESCUTCHEON_REMOVED, LK_SRC_FORCED);
        }
    } else if (s != LK_SENSOR_BOLT && level == 0u) {
        o->path_seen[s] = now; /* a path switch: active until just now */
    }
    o->stable[s] = (uint8_t)level;
    o->cand[s] = (uint8_t)level;
}

/* A good reading of sensor s (seen: it had one before), debounced into
 * stable[s]. */
static void debounce(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl, int s,
                     uint32_t level, int seen)
{
    struct lk_override *o = &lk->ovr;
    uint32_t due;

    if (!seen) {
        o->seen |= (uint8_t)(1u << s);
        settled(lk, now, s, level, 1);
    } else if (s == LK_SENSOR_BOLT && lk_act_moving(lk)) {
        /* A movement the motor makes: its own checks judge it. */
        o->stable[s] = (uint8_t)level;
        o->cand[s] = (uint8_t)level;
    } else if (level == o->stable[s]) {
        o->cand[s] = (uint8_t)level; /* back before the debounce ran out */
    } else {
        if (level != o->cand[s]) {
            o->cand[s] = (uint8_t)level; /* a new candidate: not due before now + debounce */
            o->since[s] = now;
        }
        due = o->since[s] + lk->cfg.debounce_ms;
        if (lk_time_reached(now, due)) {
            settled(lk, now, s, level, 0);
        } else {
            lk_deadline_want(dl, due);
        }
    }
}

/* A legitimate path's switch (a path sensor s) counts as recent while it
 * is active and for path_window_ms after. */
static void track_path(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl, int s)
{
    struct lk_override *o = &lk->ovr;
    uint8_t bit = (uint8_t)(1u << s);

    if (o->stable[s] == 1u) {
        o->path_seen[s] = now;
        o->path_valid |= bit;
    } else if ((o->path_valid & bit) != 0u) {
        /* Forget it once the window is over (woken for that), so a
         * 2^32 ms clock wrap cannot make it recent again. */
        if (now - o->path_seen[s] > lk->cfg.path_window_ms) {
            o->path_valid &= (uint8_t)~bit;
        } else {
            lk_deadline_want(dl, o->path_seen[s] + lk->cfg.path_window_ms + 1u);
        }
    }
}

int lk_ovr_sample(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_override *o = &lk->ovr;
    const struct lk_port *p = lk->port;
    uint32_t max = LK_BOLT_BETWEEN; /* highest level of the sensor read */
    int bolt_rc = LK_OK;
    uint32_t i;

    if (!o->sampled) {
        o->sampled = 1;
        load_saved(lk);
    }
    for (i = 0; i < o->n_read; i++, max = 1u) {
        int s = o->read[i];
        uint32_t seen = ((uint32_t)o->seen >> s) & 1u;
        uint8_t level = 0xFFu;
        int rc = p->sensor_read(p->ctx, s, &level);

        if (rc != LK_OK || level > max) {
            /* Optional switches: a failed read leaves the last level. */
            if (s == LK_SENSOR_BOLT) {
                bolt_rc = (rc < 0) ? rc : LK_ERR_RANGE;
            }
            continue;
        }
        /* Unchanged and not debouncing: the idle case, nothing to do. */
        if (level != o->stable[s] || level != o->cand[s] || !seen) {
            debounce(lk, now, dl, s, level, (int)seen);
        }
        if (((PATH_SENSORS >> s) & 1u) != 0u) {
            track_path(lk, now, dl, s);
        }
    }
    if (bolt_rc == LK_OK && (o->seen & 1u) == 0u) {
        bolt_rc = LK_ERR_IO; /* never read: no level to report */
    }
    if (bolt_rc != LK_OK) {
        lk_deadline_want(dl, now + BOLT_RETRY_MS);
        return bolt_rc;
    }
    return (int)o->stable[LK_SENSOR_BOLT];
}

/* Which legitimate path explains a movement now, else UNKNOWN or FORCED. */
static uint8_t classify(const struct lk_lock *lk, uint32_t now, int unpowered)
{
    const struct lk_override *o = &lk->ovr;
    int s;

    for (s = LK_SENSOR_KEY; s <= LK_SENSOR_HANDLE; s++) {
        if ((o->path_valid & (1u << s)) != 0u &&
            (o->stable[s] == 1u || now - o->path_seen[s] <= lk->cfg.path_window_ms)) {
            /* LK_SRC_KEY .. LK_SRC_HANDLE follow the sensor order */
            return (uint8_t)(LK_SRC_KEY - LK_SENSOR_KEY + s);
        }
    }
    /* No fitted switch moved. Force is the only explanation left when
     * every path the hardware has is sensed (and we were awake to see). */
    if (!unpowered && (lk->cfg.manual_paths & ~(uint32_t)o->fitted) == 0u) {
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

/* Report a movement the motor did not make (kind LK_MOVED_FIRST: the first
 * end position seen since boot, compared with the persisted state). */
static void manual_movement(struct lk_lock *lk, uint32_t now, const struct lk_moved *mv)
{
    const struct lk_override *o = &lk->ovr;
    uint32_t to = mv->to;
    uint32_t first = (mv->kind == LK_MOVED_FIRST);
    uint32_t op = (to == LK_BOLT_EXTENDED) ? LK_OP_LOCK : LK_OP_UNLOCK;
    uint32_t src = classify(lk, now, (int)first);
    uint32_t reason = LK_REASON_NONE;

    if (first) {
        if (o->saved_end == LK_BOLT_EXTENDED && to == LK_BOLT_EXTENDED &&
            o->saved_door == 0u && lk_ovr_door_open(lk)) {
            /* Shut and locked when power went, open past the bolt now. */
            lk_alarm(lk, now, LK_REASON_DOOR_FORCED_OPEN, LK_SRC_FORCED);
        }
        if (o->saved_end == UNSAVED || o->saved_end == to) {
            op = LK_OP_STATE; /* where it was: nothing moved */
            src = LK_SRC_UNSPECIFIED;
        } else {
            /* Moved while we had no power: the dead-battery-and-key case. */
            reason = LK_REASON_WHILE_UNPOWERED;
        }
    }
    lk_emit(lk, now, (uint8_t)op, (uint8_t)src, (uint8_t)reason, LK_INDEX_NONE, LK_INDEX_NONE);
    if (first || op != LK_OP_UNLOCK) {
        return;
    }
    if (src == LK_SRC_FORCED) {
        lk_alarm(lk, now, LK_REASON_DOOR_FORCED_OPEN, LK_SRC_FORCED);
    } else if (src == LK_SRC_KEY && lk->cfg.key_policy == LK_KEY_POLICY_ALARM &&
               battery_healthy(lk)) {
        lk_alarm(lk, now, LK_REASON_KEY_WHILE_HEALTHY, LK_SRC_KEY);
    }
}

void lk_ovr_after(struct lk_lock *lk, uint32_t now, const struct lk_moved *mv,
                  struct lk_deadline *dl)
{
    struct lk_override *o = &lk->ovr;
    uint32_t end = lk->act.bolt_end;
    uint32_t door = o->stable[LK_SENSOR_DOOR]; /* lk_ovr_door_open */

    if (mv->kind != LK_MOVED_NONE) {
        manual_movement(lk, now, mv);
    }
    if (door != 0u) {
        uint32_t due = o->t_door_open + lk->cfg.door_ajar_ms;

        if (lk_time_reached(now, due)) {
            lk_alarm_standing(lk, now, LK_REASON_DOOR_AJAR, LK_SRC_UNSPECIFIED);
        } else {
            lk_deadline_want(dl, due);
        }
    }
    /* Persist what a reboot must compare against; retried next poll if the
     * write fails. */
    if (end <= LK_BOLT_EXTENDED && (end != o->saved_end || door != o->saved_door)) {
        uint8_t v[6];

        v[0] = (uint8_t)end;
        v[1] = (uint8_t)door;
        lk_put32(v + 2, lk->store.audit_seq - 1u);
        if (lk_store_set(lk, KEY_LAST_STATE, v, 6) == LK_OK) {
            o->saved_end = (uint8_t)end;
            o->saved_door = (uint8_t)door;
        }
    }
}
