#include "lk_internal.h"

int lk_source_valid(int v)
{
    return (v >= LK_SRC_UNSPECIFIED && v <= LK_SRC_ALIRO) ||
           (v >= LK_SRC_KEY && v < LK_SRC_COUNT_);
}

void lk_emit(struct lk_lock *lk, uint32_t now, uint8_t op, uint8_t source, uint8_t reason,
             uint16_t user, uint16_t cred)
{
    struct lk_event ev;

    ev.op = op;
    ev.source = source;
    ev.reason = reason;
    ev.flags = 0;
    ev.user = user;
    ev.cred = cred;
    ev.mono_ms = now;
    ev.wall_s = 0;
    if (lk_wall_now(lk, now, &ev.wall_s)) {
        ev.flags |= LK_EVF_WALL_TRUSTED;
    }
    /* Logged before the app hears of it, so nothing reported is missing
     * from the log after a power cut. */
    if (lk_audit_append(lk, &ev, NULL) != LK_OK) {
        ev.flags |= LK_EVF_NOT_LOGGED;
    }
    if (lk->cfg.on_event != NULL) {
        lk->cfg.on_event(lk->cfg.event_ctx, &ev);
    }
}

void lk_indicate(const struct lk_lock *lk, int what)
{
    lk_indicate_pct(lk, what, 0);
}

void lk_indicate_pct(const struct lk_lock *lk, int what, uint8_t percent)
{
    if (lk->port->indicate != NULL) {
        (void)lk->port->indicate(lk->port->ctx, what, percent);
    }
}

/* The alarm kinds lockcore raises itself, by index. */
static const uint8_t alarm_reason[LK_ALARM_KINDS] = {
    LK_REASON_JAMMED, LK_REASON_DOOR_FORCED_OPEN, LK_REASON_ESCUTCHEON_REMOVED,
    LK_REASON_DOOR_AJAR, LK_REASON_KEY_WHILE_HEALTHY,
};

static int alarm_kind(uint8_t reason)
{
    int k;

    for (k = 0; k < LK_ALARM_KINDS; k++) {
        if (alarm_reason[k] == reason) {
            return k;
        }
    }
    return -1;
}

/* Emit and indicate, at most once per alarm_repeat_ms for each kind.
 * Returns 0 if the rate limit held it back. */
static int raise_alarm(struct lk_lock *lk, uint32_t now, int k)
{
    struct lk_alarms *a = &lk->alarms;
    uint8_t bit = (uint8_t)(1u << k);

    if ((a->raised & bit) != 0u && now - a->last[k] < lk->cfg.alarm_repeat_ms) {
        return 0;
    }
    a->raised |= bit;
    a->last[k] = now;
    lk_emit(lk, now, LK_OP_ALARM, a->source[k], alarm_reason[k], LK_INDEX_NONE, LK_INDEX_NONE);
    lk_indicate(lk, (k == 0) ? LK_IND_JAMMED : LK_IND_ALARM);
    return 1;
}

void lk_alarm(struct lk_lock *lk, uint32_t now, uint8_t reason, uint8_t source)
{
    int k = alarm_kind(reason);

    if (k >= 0) {
        lk->alarms.source[k] = source;
        (void)raise_alarm(lk, now, k); /* a momentary repeat inside the window is dropped */
    }
}

void lk_alarm_standing(struct lk_lock *lk, uint32_t now, uint8_t reason, uint8_t source)
{
    struct lk_alarms *a = &lk->alarms;
    int k = alarm_kind(reason);
    uint8_t bit;

    if (k < 0 || (a->active & (1u << k)) != 0u) {
        return; /* raised when the condition began */
    }
    bit = (uint8_t)(1u << k);
    a->active |= bit;
    a->source[k] = source;
    if (!raise_alarm(lk, now, k)) {
        a->pending |= bit; /* held back by the rate limit: raised when it allows */
    }
}

void lk_alarm_clear(struct lk_lock *lk, uint8_t reason)
{
    int k = alarm_kind(reason);

    if (k >= 0) {
        uint8_t keep = (uint8_t)~(1u << k);

        lk->alarms.active &= keep;
        lk->alarms.silenced &= keep;
        lk->alarms.pending &= keep;
    }
}

void lk_alarm_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_alarms *a = &lk->alarms;
    int k;

    for (k = 0; k < LK_ALARM_KINDS; k++) {
        uint8_t bit = (uint8_t)(1u << k);
        uint32_t until = a->last[k] + lk->cfg.alarm_repeat_ms;

        if ((a->raised & bit) == 0u) {
            continue;
        }
        if (!lk_time_reached(now, until)) {
            lk_deadline_want(dl, until);
        } else if ((a->pending & bit) != 0u) {
            a->pending &= (uint8_t)~bit;
            (void)raise_alarm(lk, now, k);
        } else {
            /* Window over: forget it, so a 2^32 ms clock wrap cannot make an
             * old raise look recent. */
            a->raised &= (uint8_t)~bit;
        }
    }
}

int lk_alarm_silence(struct lk_lock *lk, uint16_t user, uint16_t cred)
{
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    lk->alarms.silenced = lk->alarms.active;
    lk->alarms.pending = 0;
    lk_indicate(lk, LK_IND_SILENCED);
    lk_emit(lk, lk->port->now_ms(lk->port->ctx), LK_OP_STATE, LK_SRC_UNSPECIFIED,
            LK_REASON_ALARM_SILENCED, user, cred);
    return LK_OK;
}

/* Matter OperationErrorEnum for an operation-error reason; -1 for the
 * notes (RECOVERED, ...) that add detail to a failure already reported. */
static int matter_op_error(uint8_t reason)
{
    switch (reason) {
    case LK_REASON_NONE: return 0; /* a denial with no detail: Unspecified */
    case LK_REASON_INVALID_CREDENTIAL: return 1;
    case LK_REASON_DISABLED_USER: return 2;
    case LK_REASON_RESTRICTED:
    case LK_REASON_LOCKED_OUT: return 3;
    case LK_REASON_INSUFFICIENT_ENERGY: return 4;
    case LK_REASON_STALL:
    case LK_REASON_TRAVEL_TIMEOUT:
    case LK_REASON_TRAVEL_TOO_FAST:
    case LK_REASON_PORT_ERROR: return 0; /* Unspecified */
    default: return -1;
    }
}

/* Matter AlarmCodeEnum for an alarm reason; -1 if Matter has none. */
static int matter_alarm(uint8_t reason)
{
    switch (reason) {
    case LK_REASON_JAMMED: return 0;
    case LK_REASON_FACTORY_RESET: return 1;
    case LK_REASON_RADIO_POWER_CYCLED: return 3;
    case LK_REASON_WRONG_CODE_LIMIT: return 4;
    case LK_REASON_ESCUTCHEON_REMOVED: return 5;
    case LK_REASON_DOOR_FORCED_OPEN: return 6;
    case LK_REASON_DOOR_AJAR: return 7;
    case LK_REASON_FORCED_USER: return 8;
    default: return -1;
    }
}

static int is_alarm_reason(uint8_t r)
{
    return r >= LK_REASON_JAMMED && r < LK_REASON_COUNT_;
}

static int is_note_reason(uint8_t r)
{
    return r <= LK_REASON_BATTERY_OK;
}

int lk_event_to_matter(const struct lk_event *ev, struct lk_matter_event *out)
{
    int code;

    if (ev == NULL || out == NULL) {
        return LK_ERR_INVAL;
    }
    if (!lk_source_valid(ev->source) || ev->op >= LK_OP_COUNT_ ||
        !(is_note_reason(ev->reason) || is_alarm_reason(ev->reason)) ||
        (ev->op == LK_OP_ALARM) != is_alarm_reason(ev->reason)) {
        return LK_ERR_RANGE;
    }
    out->kind = LK_MATTER_NONE;
    out->operation_type = 0;
    out->source = (ev->source <= LK_SRC_ALIRO) ? ev->source : (uint8_t)LK_SRC_MANUAL;
    out->code = 0;

    switch (ev->op) {
    case LK_OP_LOCK:
    case LK_OP_UNLOCK:
    case LK_OP_DENIED:
        /* A denial is a refused unlock: credentials are presented to open. */
        out->operation_type = (uint8_t)((ev->op == LK_OP_LOCK) ? 0u : 1u);
        /* A movement seen only at boot still happened: an operation. */
        if ((ev->reason == LK_REASON_NONE || ev->reason == LK_REASON_WHILE_UNPOWERED) &&
            ev->op != LK_OP_DENIED) {
            out->kind = LK_MATTER_LOCK_OPERATION;
            return LK_OK;
        }
        code = matter_op_error(ev->reason);
        if (code >= 0) {
            out->kind = LK_MATTER_OPERATION_ERROR;
            out->code = (uint8_t)code;
        }
        return LK_OK;
    case LK_OP_ALARM:
        code = matter_alarm(ev->reason);
        if (code >= 0) {
            out->kind = LK_MATTER_ALARM;
            out->code = (uint8_t)code;
        }
        return LK_OK;
    default:
        return LK_OK; /* NONE, STATE, GRANTED (its UNLOCK reports): no Matter event */
    }
}
