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
    ev.user = user;
    ev.cred = cred;
    ev.mono_ms = now;
    ev.wall_s = 0;
#if LK_WITH_AUDIT
    ev.flags = lk_wall_now(lk, now, &ev.wall_s) ? LK_EVF_WALL_TRUSTED : 0u;
    /* Logged before the app hears of it, so nothing reported is missing
     * from the log after a power cut. */
    if (lk_audit_append(lk, &ev, NULL) != LK_OK) {
        ev.flags |= LK_EVF_NOT_LOGGED;
    }
#else
    /* No log in this build: no event is in it. */
    ev.flags = lk_wall_now(lk, now, &ev.wall_s) ? LK_EVF_WALL_TRUSTED | LK_EVF_NOT_LOGGED
                                                 : LK_EVF_NOT_LOGGED;
#endif
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

/* The alarm kinds lockcore raises itself, by index (bit k of the masks in
 * struct lk_alarms). */
static const uint8_t alarm_reason[LK_ALARM_KINDS] = {
    LK_REASON_JAMMED, LK_REASON_DOOR_FORCED_OPEN, LK_REASON_ESCUTCHEON_REMOVED,
    LK_REASON_DOOR_AJAR, LK_REASON_KEY_WHILE_HEALTHY,
};

/* Kind of reason, LK_ALARM_KINDS if lockcore does not raise it (that bit
 * is never set in the masks of struct lk_alarms). */
static uint32_t alarm_kind(uint8_t reason)
{
    uint32_t k = 0;

    while (k < LK_ALARM_KINDS && alarm_reason[k] != reason) {
        k++;
    }
    return k;
}

/* Emit and indicate kind k, at most once per alarm_repeat_ms. Returns 0 if
 * the rate limit held it back. */
static int raise_alarm(struct lk_lock *lk, uint32_t now, uint32_t k)
{
    struct lk_alarms *a = &lk->alarms;
    uint32_t bit = 1u << k;

    if ((a->raised & bit) != 0u && now - a->last[k] < lk->cfg.alarm_repeat_ms) {
        return 0;
    }
    a->raised = (uint8_t)(a->raised | bit);
    a->last[k] = now;
    lk_emit(lk, now, LK_OP_ALARM, a->source[k], alarm_reason[k], LK_INDEX_NONE, LK_INDEX_NONE);
    lk_indicate(lk, (k == 0u) ? LK_IND_JAMMED : LK_IND_ALARM);
    return 1;
}

void lk_alarm(struct lk_lock *lk, uint32_t now, uint8_t reason, uint8_t source)
{
    uint32_t k = alarm_kind(reason);

    if (k < LK_ALARM_KINDS) {
        lk->alarms.source[k] = source;
        (void)raise_alarm(lk, now, k); /* a momentary repeat inside the window is dropped */
    }
}

void lk_alarm_standing(struct lk_lock *lk, uint32_t now, uint8_t reason, uint8_t source)
{
    struct lk_alarms *a = &lk->alarms;
    uint32_t k = alarm_kind(reason);
    uint8_t bit = (uint8_t)(1u << k);

    if (k >= LK_ALARM_KINDS || (a->active & bit) != 0u) {
        return; /* not ours, or raised when the condition began */
    }
    a->active |= bit;
    a->source[k] = source;
    if (!raise_alarm(lk, now, k)) {
        a->pending |= bit; /* held back by the rate limit: raised when it allows */
    }
}

void lk_alarm_clear(struct lk_lock *lk, uint8_t reason)
{
    uint8_t keep = (uint8_t)~(1u << alarm_kind(reason));

    lk->alarms.active &= keep;
    lk->alarms.pending &= keep;
}

void lk_alarm_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_alarms *a = &lk->alarms;
    uint32_t k;

    if (a->raised == 0u) {
        return; /* idle: pending kinds are raised ones too */
    }
    for (k = 0; k < LK_ALARM_KINDS; k++) {
        uint32_t bit = 1u << k;
        uint32_t until = a->last[k] + lk->cfg.alarm_repeat_ms;

        if ((a->raised & bit) == 0u) {
            continue;
        }
        if (!lk_time_reached(now, until)) {
            lk_deadline_want(dl, until);
        } else if ((a->pending & bit) != 0u) {
            a->pending = (uint8_t)(a->pending & ~bit);
            (void)raise_alarm(lk, now, k);
        } else {
            /* Window over: forget it, so a 2^32 ms clock wrap cannot make an
             * old raise look recent. */
            a->raised = (uint8_t)(a->raised & ~bit);
        }
    }
}

int lk_alarm_silence(struct lk_lock *lk, uint16_t user, uint16_t cred)
{
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    /* The standing kinds stay active, so none is raised again before its
     * condition clears and begins anew. */
    lk->alarms.pending = 0;
    lk_indicate(lk, LK_IND_SILENCED);
    lk_emit(lk, lk->port->now_ms(lk->port->ctx), LK_OP_STATE, LK_SRC_UNSPECIFIED,
            LK_REASON_ALARM_SILENCED, user, cred);
    return LK_OK;
}

#if LK_WITH_MATTER
/* Matter's code for reason: OperationErrorEnum for an operation error,
 * AlarmCodeEnum for an alarm; -1 where Matter has none (the notes, such as
 * RECOVERED, only add detail to a failure already reported). */
static int matter_code(uint32_t r)
{
    if (r <= LK_REASON_INSUFFICIENT_ENERGY) {
        return (int)r; /* NONE (a denial with no detail: Unspecified) .. same numbers */
    }
    if (r <= LK_REASON_PORT_ERROR) {
        return 0; /* STALL, TRAVEL_*, PORT_ERROR: Unspecified */
    }
    if (r == LK_REASON_LOCKED_OUT) {
        return LK_REASON_RESTRICTED;
    }
    if (r >= LK_REASON_JAMMED && r <= LK_REASON_FORCED_USER) {
        /* LockJammed 0, LockFactoryReset 1, then Matter skips 2 */
        return (int)(r - LK_REASON_JAMMED) + (r >= LK_REASON_RADIO_POWER_CYCLED);
    }
    return -1;
}
#endif

int lk_event_to_matter(const struct lk_event *ev, struct lk_matter_event *out)
{
    uint32_t op;
    uint32_t reason;
    int alarm;
#if LK_WITH_MATTER
    int code;
#endif

    if (ev == NULL || out == NULL) {
        return LK_ERR_INVAL;
    }
    op = ev->op;
    reason = ev->reason;
    alarm = reason >= LK_REASON_JAMMED;
    if (!lk_source_valid(ev->source) || op >= LK_OP_COUNT_ || reason >= LK_REASON_COUNT_ ||
        (!alarm && reason > LK_REASON_BATTERY_OK) || (op == LK_OP_ALARM) != alarm) {
        return LK_ERR_RANGE;
    }
#if LK_WITH_MATTER
    out->kind = LK_MATTER_NONE;
    out->operation_type = 0;
    out->source = (ev->source <= LK_SRC_ALIRO) ? ev->source : (uint8_t)LK_SRC_MANUAL;
    out->code = 0;
    if (op == LK_OP_LOCK || op == LK_OP_UNLOCK || op == LK_OP_DENIED) {
        /* A denial is a refused unlock: credentials are presented to open. */
        out->operation_type = (op != LK_OP_LOCK);
        /* A movement seen only at boot still happened: an operation. */
        if (op != LK_OP_DENIED &&
            (reason == LK_REASON_NONE || reason == LK_REASON_WHILE_UNPOWERED)) {
            out->kind = LK_MATTER_LOCK_OPERATION;
            return LK_OK;
        }
        out->kind = LK_MATTER_OPERATION_ERROR;
    } else if (op == LK_OP_ALARM) {
        out->kind = LK_MATTER_ALARM;
    } else {
        return LK_OK; /* NONE, STATE, GRANTED (its UNLOCK reports): no Matter event */
    }
    code = matter_code(reason);
    if (code < 0) {
        out->kind = LK_MATTER_NONE;
    } else {
        out->code = (uint8_t)code;
    }
    return LK_OK;
#else
    return LK_ERR_NOTSUP;
#endif
}
