/*
 * actuate: the motor state machine. One stroke at a time; every stroke is
 * bounded by a travel window, judged by the bolt end switch and (where the
 * port has it) motor current; a jam gets one reverse stroke, then JAMMED.
 */
#include "lk_internal.h"

enum { PH_IDLE = 0, PH_DRIVE = 1, PH_BRAKE = 2 };

/* bolt_end before the bolt has ever been read at an end position. */
#define BOLT_UNSEEN 0xFFu
/* bolt_end after a stroke lost sight of the bolt: the next end position is
 * learnt, not classified (the motor may have put it there). */
#define BOLT_LOST 0xFEu

static uint8_t state_at(uint8_t bolt)
{
    return (bolt == LK_BOLT_EXTENDED) ? (uint8_t)LK_STATE_LOCKED : (uint8_t)LK_STATE_UNLOCKED;
}

static uint8_t op_towards(uint8_t bolt)
{
    return (bolt == LK_BOLT_EXTENDED) ? (uint8_t)LK_OP_LOCK : (uint8_t)LK_OP_UNLOCK;
}

static uint8_t opposite(uint8_t bolt)
{
    return (bolt == LK_BOLT_EXTENDED) ? (uint8_t)LK_BOLT_RETRACTED : (uint8_t)LK_BOLT_EXTENDED;
}

static int read_bolt(const struct lk_lock *lk)
{
    return lk_read_sensor(lk, LK_SENSOR_BOLT);
}

static int is_drive(uint8_t cmd)
{
    return cmd == LK_MOTOR_EXTEND || cmd == LK_MOTOR_RETRACT;
}

static int motor(struct lk_lock *lk, uint8_t cmd)
{
    int rc = lk->port->motor_drive(lk->port->ctx, cmd);

    if (rc == LK_OK) {
        lk->act.motor = cmd;
    }
    return (rc > 0) ? LK_ERR_RANGE : rc;
}

/* Brake; if the driver refuses, at least stop driving. Then tell power the
 * stroke is over (whole = it ran end to end): after the motor stops, as
 * that may write to flash. */
static void motor_stop_stroke(struct lk_lock *lk, uint32_t now, int whole)
{
    if (motor(lk, LK_MOTOR_BRAKE) != LK_OK) {
        (void)motor(lk, LK_MOTOR_COAST);
    }
    lk->act.phase = PH_BRAKE;
    lk->act.t_phase = now;
    lk->act.reverse_next = 0;
    lk_pwr_stroke_end(lk, now, whole);
}

static void motor_stop(struct lk_lock *lk, uint32_t now)
{
    motor_stop_stroke(lk, now, 0);
}

static void emit_op(struct lk_lock *lk, uint32_t now, uint8_t op, uint8_t reason)
{
    const struct lk_actuate *a = &lk->act;

    lk_emit(lk, now, op, a->source, reason, a->user, a->cred);
}

static void arm_relock(struct lk_lock *lk, uint32_t now)
{
    lk->act.relock_armed = (lk->cfg.auto_relock_ms != 0u);
    lk->act.t_relock = now + lk->cfg.auto_relock_ms;
}

/* The stroke (and its one recovery, if any) is over and failed. */
static void jammed(struct lk_lock *lk, uint32_t now, int bolt, uint8_t note)
{
    struct lk_actuate *a = &lk->act;

    a->state = LK_STATE_JAMMED;
    a->relock_armed = 0;
    a->bolt_end = (bolt >= 0) ? (uint8_t)bolt : (uint8_t)LK_BOLT_BETWEEN;
    if (note != LK_REASON_NONE) {
        emit_op(lk, now, LK_OP_STATE, note);
    }
    lk_alarm_standing(lk, now, LK_REASON_JAMMED, a->source);
}

/* A stroke was judged stuck: stop, then reverse once, or give up. */
static void stuck(struct lk_lock *lk, uint32_t now, int bolt, uint8_t reason)
{
    struct lk_actuate *a = &lk->act;

    motor_stop(lk, now);
    if (a->recovering) {
        jammed(lk, now, bolt, LK_REASON_NOT_RECOVERED);
        return;
    }
    emit_op(lk, now, a->op, reason);
    a->reverse_next = 1;
}

/* from_end: the bolt starts at the opposite end position, so the whole
 * travel lies ahead and travel_min_ms applies. */
static int start_stroke(struct lk_lock *lk, uint32_t now, uint8_t target, uint8_t from_end)
{
    struct lk_actuate *a = &lk->act;
    int rc;

    a->target = target;
    a->from_end = from_end;
    rc = motor(lk, (target == LK_BOLT_EXTENDED) ? LK_MOTOR_EXTEND : LK_MOTOR_RETRACT);
    if (rc != LK_OK) {
        motor_stop(lk, now);
        return rc;
    }
    a->phase = PH_DRIVE;
    a->t_phase = now;
    lk_pwr_stroke_begin(lk, now);
    a->state = (target == LK_BOLT_EXTENDED) ? (uint8_t)LK_STATE_LOCKING
                                            : (uint8_t)LK_STATE_UNLOCKING;
    return LK_OK;
}

/* The request no longer waits for energy (started, expired, replaced). */
static void stop_waiting(struct lk_lock *lk)
{
    if (lk->act.waiting) {
        lk->act.waiting = 0;
        lk_pwr_wait(lk, 0);
    }
}

/* Energy gate passed: start the stroke, or report the driver's refusal. */
static int go(struct lk_lock *lk, uint32_t now, uint8_t target, int bolt)
{
    int rc;

    lk->act.relock_armed = 0;
    rc = start_stroke(lk, now, target, (uint8_t)(bolt == opposite(target)));
    if (rc != LK_OK) {
        lk->act.state = LK_STATE_UNKNOWN;
        emit_op(lk, now, lk->act.op, LK_REASON_PORT_ERROR);
    }
    return rc;
}

void lk_act_init(struct lk_lock *lk)
{
    struct lk_actuate *a = &lk->act;

    a->state = LK_STATE_UNKNOWN;
    a->phase = PH_IDLE;
    a->motor = LK_MOTOR_COAST;
    a->target = LK_BOLT_BETWEEN;
    a->op = LK_OP_NONE;
    a->recovering = 0;
    a->reverse_next = 0;
    a->booting = 0;
    a->bolt_end = BOLT_UNSEEN;
    a->relock_armed = 0;
    a->source = LK_SRC_UNSPECIFIED;
    a->user = LK_INDEX_NONE;
    a->cred = LK_INDEX_NONE;
    a->t_phase = 0;
    a->t_relock = 0;
    a->t_boot = 0;
    a->waiting = 0;
    a->t_wait = 0;
}

void lk_act_boot(struct lk_lock *lk, uint32_t now)
{
    lk->act.t_boot = now;
    lk->act.booting = 1;
}

int lk_act_busy(struct lk_lock *lk, uint32_t now)
{
    struct lk_actuate *a = &lk->act;

    /* The motor may have been driving either way when the MCU reset: the
     * COAST lk_init sent ends that stroke, and the bridge gets its brake
     * time before the first stroke, whichever way that goes. */
    if (a->booting && lk_time_reached(now, a->t_boot + lk->cfg.brake_ms)) {
        a->booting = 0;
    }
    return a->booting || lk_act_moving(lk);
}

int lk_act_request(struct lk_lock *lk, uint32_t now, uint8_t target, int source, uint16_t user,
                   uint16_t cred)
{
    struct lk_actuate *a = &lk->act;
    int bolt;

    /* Also while braking: the bridge needs its brake time before it may
     * drive the other way. */
    if (lk_act_busy(lk, now)) {
        return LK_ERR_BUSY;
    }
    stop_waiting(lk); /* a new request replaces a waiting one */
    a->op = op_towards(target);
    a->source = (uint8_t)source;
    a->user = user;
    a->cred = cred;
    a->recovering = 0;

    bolt = read_bolt(lk);
    if (bolt < 0) {
        emit_op(lk, now, a->op, LK_REASON_PORT_ERROR);
        return bolt;
    }
    if (bolt == target) {
        /* Already there: nothing to move. A JAMMED or UNKNOWN state is
         * settled by the reading, which is news worth an event. */
        a->bolt_end = target;
        if (a->state != state_at(target)) {
            a->state = state_at(target);
            emit_op(lk, now, LK_OP_STATE, LK_REASON_NONE);
            if (target == LK_BOLT_RETRACTED) {
                arm_relock(lk, now);
            }
        }
        return LK_OK;
    }
    if (!lk_pwr_affordable(lk, now, 0)) {
        /* Accepted, not refused: it runs by itself once the energy is
         * there, or fails with INSUFFICIENT_ENERGY after hold_ms. */
        a->relock_armed = 0;
        a->target = target;
        a->waiting = 1;
        a->t_wait = now;
        emit_op(lk, now, LK_OP_STATE, LK_REASON_WAITING_ENERGY);
        lk_pwr_wait(lk, 1);
        return LK_OK;
    }
    return go(lk, now, target, bolt);
}

static void poll_drive(struct lk_lock *lk, uint32_t now)
{
    struct lk_actuate *a = &lk->act;
    uint32_t elapsed = now - a->t_phase;
    uint32_t ma = 0;
    int bolt = read_bolt(lk);
    int have_ma = lk->port->motor_current_ma != NULL &&
                  lk->port->motor_current_ma(lk->port->ctx, &ma) == LK_OK && ma <= 65535u;

    if (have_ma) {
        lk_pwr_stroke_sample(lk, now, ma);
    }

    if (bolt < 0) {
        /* Blind: stop rather than drive into an end stop we cannot see. */
        motor_stop(lk, now);
        a->state = LK_STATE_UNKNOWN;
        a->bolt_end = BOLT_LOST;
        emit_op(lk, now, a->op, LK_REASON_PORT_ERROR);
        return;
    }
    if (bolt == a->target) {
        /* Only a whole stroke, end to end, teaches power what one costs: a
         * reverse stroke after a jam or one from mid-travel is shorter. */
        motor_stop_stroke(lk, now,
                          a->from_end && !a->recovering && elapsed >= lk->cfg.travel_min_ms);
        if (a->from_end && elapsed < lk->cfg.travel_min_ms) {
            /* Faster than the mechanism can move: the end switch lies. */
            if (!a->recovering) {
                emit_op(lk, now, a->op, LK_REASON_TRAVEL_TOO_FAST);
            }
            jammed(lk, now, bolt, a->recovering ? LK_REASON_NOT_RECOVERED : LK_REASON_NONE);
        } else if (a->recovering) {
            jammed(lk, now, bolt, LK_REASON_RECOVERED);
        } else {
            a->bolt_end = (uint8_t)bolt;
            a->state = state_at((uint8_t)bolt);
            emit_op(lk, now, a->op, LK_REASON_NONE);
            lk_indicate(lk, (bolt == LK_BOLT_EXTENDED) ? LK_IND_LOCKED : LK_IND_UNLOCKED);
            if (bolt == LK_BOLT_RETRACTED) {
                arm_relock(lk, now);
            }
        }
        return;
    }
    if (elapsed >= lk->cfg.inrush_blank_ms && have_ma && ma > lk->cfg.stall_ma) {
        stuck(lk, now, bolt, LK_REASON_STALL);
        return;
    }
    if (elapsed >= lk->cfg.travel_max_ms) {
        stuck(lk, now, bolt, LK_REASON_TRAVEL_TIMEOUT);
    }
}

static void poll_brake(struct lk_lock *lk, uint32_t now)
{
    struct lk_actuate *a = &lk->act;

    if (is_drive(a->motor) || !lk_time_reached(now, a->t_phase + lk->cfg.brake_ms)) {
        return; /* still driving: lk_act_poll retries the stop */
    }
    if (a->reverse_next) {
        if (!lk_pwr_affordable(lk, now, 1)) {
            /* Braked, bolt between ends: wait for the energy a while. */
            if (lk_time_diff(now, a->t_phase) >= (int32_t)lk->cfg.power.recovery_ms) {
                a->reverse_next = 0;
                (void)motor(lk, LK_MOTOR_COAST);
                a->phase = PH_IDLE;
                jammed(lk, now, LK_BOLT_BETWEEN, LK_REASON_NOT_RECOVERED);
            }
            return;
        }
        a->reverse_next = 0;
        a->recovering = 1;
        if (start_stroke(lk, now, opposite(a->target), 0) != LK_OK) {
            jammed(lk, now, LK_BOLT_BETWEEN, LK_REASON_NOT_RECOVERED);
        }
        return;
    }
    /* Coasting draws nothing; a refused coast leaves the brake on, which
     * is safe, so it is not worth a fault. */
    (void)motor(lk, LK_MOTOR_COAST);
    a->phase = PH_IDLE;
}

/* A request waiting for energy: 1 if it started its stroke now. */
static int poll_waiting(struct lk_lock *lk, uint32_t now, int bolt)
{
    struct lk_actuate *a = &lk->act;

    if (bolt == a->target) {
        stop_waiting(lk); /* moved there by hand meanwhile */
    } else if (lk_time_diff(now, a->t_wait) >= (int32_t)lk->cfg.power.hold_ms) {
        stop_waiting(lk);
        emit_op(lk, now, a->op, LK_REASON_INSUFFICIENT_ENERGY);
    } else if (bolt >= 0 && lk_pwr_affordable(lk, now, 0)) {
        stop_waiting(lk);
        (void)go(lk, now, a->target, bolt);
        return 1;
    }
    return 0;
}

/* Auto-relock is due: start it, unless a hand is on the bolt or the
 * energy is not there (skipped, and said so). */
static void relock_now(struct lk_lock *lk, uint32_t now)
{
    struct lk_actuate *a = &lk->act;

    a->relock_armed = 0;
    /* The debounced level lags: a hand may be turning the bolt right
     * now. Then it is theirs to finish, not the motor's. */
    if (read_bolt(lk) != LK_BOLT_RETRACTED) {
        return;
    }
    a->op = LK_OP_LOCK;
    a->source = LK_SRC_AUTO;
    a->user = LK_INDEX_NONE;
    a->cred = LK_INDEX_NONE;
    a->recovering = 0;
    if (!lk_pwr_affordable(lk, now, 0)) {
        emit_op(lk, now, LK_OP_LOCK, LK_REASON_INSUFFICIENT_ENERGY);
        return;
    }
    if (start_stroke(lk, now, LK_BOLT_EXTENDED, 1) != LK_OK) {
        a->state = LK_STATE_UNKNOWN;
        emit_op(lk, now, LK_OP_LOCK, LK_REASON_PORT_ERROR);
    }
}

/* Not moving: follow the (debounced) bolt through hand movements and the
 * first reading at boot, reporting them in *mv for override to classify;
 * then auto-relock. */
static void poll_idle(struct lk_lock *lk, uint32_t now, int bolt, int hold_relock,
                      struct lk_moved *mv)
{
    struct lk_actuate *a = &lk->act;

    if (bolt < 0) {
        if (a->state != LK_STATE_UNKNOWN) {
            a->state = LK_STATE_UNKNOWN;
            lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_PORT_ERROR,
                    LK_INDEX_NONE, LK_INDEX_NONE);
        }
    } else if (bolt == LK_BOLT_BETWEEN) {
        /* Moved off its end by hand: neither locked nor unlocked now. */
        if (a->state == LK_STATE_LOCKED || a->state == LK_STATE_UNLOCKED) {
            a->state = LK_STATE_UNKNOWN;
            a->relock_armed = 0;
        }
    } else if (a->bolt_end == BOLT_LOST) {
        a->bolt_end = (uint8_t)bolt;
        a->state = state_at((uint8_t)bolt);
        lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_NONE, LK_INDEX_NONE,
                LK_INDEX_NONE);
    } else if (bolt != a->bolt_end) {
        mv->kind = (a->bolt_end == BOLT_UNSEEN) ? LK_MOVED_FIRST : LK_MOVED_MANUAL;
        mv->to = (uint8_t)bolt;
        a->bolt_end = (uint8_t)bolt;
        a->state = state_at((uint8_t)bolt);
        a->relock_armed = 0;
        if (bolt == LK_BOLT_RETRACTED) {
            arm_relock(lk, now); /* by hand, or found unlocked at boot */
        }
    } else if (a->state == LK_STATE_UNKNOWN) {
        a->state = state_at((uint8_t)bolt);
        lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_NONE, LK_INDEX_NONE,
                LK_INDEX_NONE);
        if (bolt == LK_BOLT_RETRACTED) {
            arm_relock(lk, now); /* turned part way and back: still due a relock */
        }
    }

    if (a->waiting && poll_waiting(lk, now, bolt)) {
        return;
    }
    if (!a->relock_armed) {
        return;
    }
    if (a->state != LK_STATE_UNLOCKED) {
        a->relock_armed = 0;
    } else if (lk_time_reached(now, a->t_relock) && !hold_relock) {
        relock_now(lk, now);
    }
}

int lk_act_moving(const struct lk_lock *lk)
{
    return lk->act.phase != PH_IDLE || is_drive(lk->act.motor);
}

void lk_act_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl, int bolt,
                 int hold_relock, struct lk_moved *mv)
{
    struct lk_actuate *a = &lk->act;

    if (a->phase == PH_DRIVE) {
        poll_drive(lk, now);
    } else {
        if (a->phase == PH_BRAKE) {
            poll_brake(lk, now);
        }
        /* Also right after the brake is released: the bolt is read the
         * moment the motor stops being in charge of it. */
        if (a->phase == PH_IDLE) {
            poll_idle(lk, now, bolt, hold_relock, mv);
        }
    }
    /* A driver that refused to stop is asked again at every poll, and soon:
     * a motor left driving would burn the battery and the gearbox. */
    if (a->phase != PH_DRIVE && is_drive(a->motor)) {
        if (motor(lk, LK_MOTOR_BRAKE) != LK_OK) {
            (void)motor(lk, LK_MOTOR_COAST);
        }
        if (is_drive(a->motor)) {
            lk_deadline_want(dl, now + lk->cfg.motion_poll_ms);
        } else if (a->phase == PH_BRAKE) {
            a->t_phase = now; /* the brake time starts when the brake does */
        }
    }
    /* Deadlines follow from the phase the machine is in after this poll. */
    if (a->phase == PH_DRIVE) {
        lk_deadline_want(dl, now + lk->cfg.motion_poll_ms);
        lk_deadline_want(dl, a->t_phase + lk->cfg.travel_max_ms);
    } else if (a->phase == PH_BRAKE && !is_drive(a->motor)) {
        if (a->reverse_next && lk_time_reached(now, a->t_phase + lk->cfg.brake_ms)) {
            lk_deadline_want(dl, now + lk->cfg.power.poll_ms); /* recovery waits for energy */
        } else {
            lk_deadline_want(dl, a->t_phase + lk->cfg.brake_ms);
        }
    }
    if (a->waiting) {
        lk_deadline_want(dl, a->t_wait + lk->cfg.power.hold_ms);
    }
    /* A relock held by an open door waits for the door, not the clock. */
    if (a->relock_armed && a->phase == PH_IDLE &&
        !(hold_relock && lk_time_reached(now, a->t_relock))) {
        lk_deadline_want(dl, a->t_relock);
    }
}
