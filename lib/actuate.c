/*
 * actuate: the motor state machine. One stroke at a time; every stroke is
 * bounded by a travel window, judged by the bolt end switch and (where the
 * port has it) motor current; a jam gets one reverse stroke, then JAMMED.
 */
#include "lk_internal.h"

enum { PH_IDLE = LK_ACT_IDLE, PH_DRIVE = 1, PH_BRAKE = 2 };

/* bolt_end before the bolt has ever been read at an end position. */
#define BOLT_UNSEEN 0xFFu
/* bolt_end after a stroke lost sight of the bolt: the next end position is
 * learnt, not classified (the motor may have put it there). */
#define BOLT_LOST 0xFEu

/* Word-sized parameters: cheaper than uint8_t ones on Thumb-1. */
static uint8_t state_at(uint32_t bolt)
{
    return (bolt == LK_BOLT_EXTENDED) ? (uint8_t)LK_STATE_LOCKED : (uint8_t)LK_STATE_UNLOCKED;
}

static uint32_t opposite(uint32_t bolt)
{
    return (bolt == LK_BOLT_EXTENDED) ? LK_BOLT_RETRACTED : LK_BOLT_EXTENDED;
}

static int is_drive(uint32_t cmd)
{
    return cmd == LK_MOTOR_EXTEND || cmd == LK_MOTOR_RETRACT;
}

static int motor(struct lk_lock *lk, uint32_t cmd)
{
    int rc = lk->port->motor_drive(lk->port->ctx, (int)cmd);

    if (rc == LK_OK) {
        lk->act.motor = (uint8_t)cmd;
    }
    return (rc > 0) ? LK_ERR_RANGE : rc;
}

/* Brake; if the driver refuses, at least stop driving. */
static void brake(struct lk_lock *lk)
{
    if (motor(lk, LK_MOTOR_BRAKE) != LK_OK) {
        (void)motor(lk, LK_MOTOR_COAST);
    }
}

/* Brake, and time the brake phase from now. */
static void halt(struct lk_lock *lk, uint32_t now)
{
    brake(lk);
    lk->act.phase = PH_BRAKE;
    lk->act.t_phase = now;
    lk->act.reverse_next = 0;
}

/* Stop the stroke, then tell power it is over (whole = it ran end to end):
 * after the motor stops, as that may write to flash. */
static void motor_stop(struct lk_lock *lk, uint32_t now, int whole)
{
    halt(lk, now);
    lk_pwr_stroke_end(lk, now, whole);
}

/* An event about the requested operation, for its requester. */
static void emit_op(struct lk_lock *lk, uint32_t now, uint32_t op, uint32_t reason)
{
    const struct lk_actuate *a = &lk->act;

    lk_emit(lk, now, (uint8_t)op, a->source, (uint8_t)reason, a->user, a->cred);
}

/* A STATE event nobody asked for (the bolt seen, or not, while idle). */
static void emit_state(struct lk_lock *lk, uint32_t now, uint32_t reason)
{
    lk_emit(lk, now, LK_OP_STATE, LK_SRC_UNSPECIFIED, (uint8_t)reason, LK_INDEX_NONE,
            LK_INDEX_NONE);
}

/* The bolt is at end position bolt: the state follows it, and an unlocked
 * bolt is due an auto-relock if arm (and auto-relock is on). */
static void reach(struct lk_lock *lk, uint32_t now, uint32_t bolt, int arm)
{
    struct lk_actuate *a = &lk->act;

    a->bolt_end = (uint8_t)bolt;
    a->state = state_at(bolt);
    a->relock_armed = (uint8_t)(arm && bolt == LK_BOLT_RETRACTED && lk->cfg.auto_relock_ms != 0u);
    a->t_relock = now + lk->cfg.auto_relock_ms;
}

/* The stroke (and its one recovery, if any) is over and failed. */
static void jammed(struct lk_lock *lk, uint32_t now, int bolt, uint32_t note)
{
    struct lk_actuate *a = &lk->act;

    a->state = LK_STATE_JAMMED;
    a->relock_armed = 0;
    a->bolt_end = (bolt >= 0) ? (uint8_t)bolt : (uint8_t)LK_BOLT_BETWEEN;
    if (note != LK_REASON_NONE) {
        emit_op(lk, now, LK_OP_STATE, note);
    }
    a->jam_alarm = 1;
    lk_alarm_standing(lk, now, LK_REASON_JAMMED, a->source);
}

/* A stroke was judged stuck: stop, then reverse once, or give up. */
static void stuck(struct lk_lock *lk, uint32_t now, int bolt, uint32_t reason)
{
    struct lk_actuate *a = &lk->act;

    motor_stop(lk, now, 0);
    if (a->recovering) {
        jammed(lk, now, bolt, LK_REASON_NOT_RECOVERED);
        return;
    }
    emit_op(lk, now, a->op, reason);
    a->reverse_next = 1;
}

/* from_end: the bolt starts at the opposite end position, so the whole
 * travel lies ahead and travel_min_ms applies. */
static int start_stroke(struct lk_lock *lk, uint32_t now, uint32_t target, int from_end)
{
    struct lk_actuate *a = &lk->act;
    int rc;

    a->target = (uint8_t)target;
    a->from_end = (uint8_t)from_end;
    rc = motor(lk, (target == LK_BOLT_EXTENDED) ? LK_MOTOR_EXTEND : LK_MOTOR_RETRACT);
    if (rc != LK_OK) {
        halt(lk, now); /* no stroke began: power has nothing to close */
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
static int go(struct lk_lock *lk, uint32_t now, uint32_t target, int bolt)
{
    int rc;

    lk->act.relock_armed = 0;
    rc = start_stroke(lk, now, target, bolt == (int)opposite(target));
    if (rc != LK_OK) {
        lk->act.state = LK_STATE_UNKNOWN;
        emit_op(lk, now, lk->act.op, LK_REASON_PORT_ERROR);
    }
    return rc;
}

/* Take on a new operation towards target for source, user and cred. */
static void begin_op(struct lk_actuate *a, uint32_t target, uint32_t source, uint16_t user,
                     uint16_t cred)
{
    a->op = (target == LK_BOLT_EXTENDED) ? (uint8_t)LK_OP_LOCK : (uint8_t)LK_OP_UNLOCK;
    a->source = (uint8_t)source;
    a->user = user;
    a->cred = cred;
    a->recovering = 0;
}

void lk_act_init(struct lk_lock *lk)
{
    struct lk_actuate *a = &lk->act;

    /* Zero is PH_IDLE, LK_STATE_UNKNOWN, LK_MOTOR_COAST, LK_OP_NONE and
     * LK_SRC_UNSPECIFIED. */
    lk_fill((uint8_t *)a, 0, sizeof *a);
    a->target = LK_BOLT_BETWEEN;
    a->bolt_end = BOLT_UNSEEN;
    a->user = LK_INDEX_NONE;
    a->cred = LK_INDEX_NONE;
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
    begin_op(a, target, (uint32_t)source, user, cred);

    bolt = lk_read_sensor(lk, LK_SENSOR_BOLT);
    if (bolt < 0) {
        emit_op(lk, now, a->op, LK_REASON_PORT_ERROR);
        return bolt;
    }
    if (bolt == target) {
        /* Already there: nothing to move. A JAMMED or UNKNOWN state is
         * settled by the reading, which is news worth an event. */
        if (a->state != state_at(target)) {
            reach(lk, now, target, 1);
            emit_op(lk, now, LK_OP_STATE, LK_REASON_NONE);
        }
        a->bolt_end = target;
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
    const struct lk_config *c = &lk->cfg;
    uint32_t elapsed = now - a->t_phase;
    uint32_t ma = 0;
    int bolt = lk_read_sensor(lk, LK_SENSOR_BOLT);
    int have_ma = lk->port->motor_current_ma != NULL &&
                  lk->port->motor_current_ma(lk->port->ctx, &ma) == LK_OK && ma <= 65535u;

    if (have_ma) {
        lk_pwr_stroke_sample(lk, now, ma);
    }

    if (bolt < 0) {
        /* Blind: stop rather than drive into an end stop we cannot see. */
        motor_stop(lk, now, 0);
        a->state = LK_STATE_UNKNOWN;
        a->bolt_end = BOLT_LOST;
        emit_op(lk, now, a->op, LK_REASON_PORT_ERROR);
    } else if (bolt == a->target) {
        /* Faster than the mechanism can move: the end switch lies. */
        int too_fast = a->from_end && elapsed < c->travel_min_ms;

        /* Only a whole stroke, end to end, teaches power what one costs: a
         * reverse stroke after a jam or one from mid-travel is shorter. */
        motor_stop(lk, now, a->from_end && !a->recovering && !too_fast);
        if (a->recovering) {
            jammed(lk, now, bolt, too_fast ? LK_REASON_NOT_RECOVERED : LK_REASON_RECOVERED);
        } else if (too_fast) {
            emit_op(lk, now, a->op, LK_REASON_TRAVEL_TOO_FAST);
            jammed(lk, now, bolt, LK_REASON_NONE);
        } else {
            reach(lk, now, (uint32_t)bolt, 1);
            emit_op(lk, now, a->op, LK_REASON_NONE);
            lk_indicate(lk, (bolt == LK_BOLT_EXTENDED) ? LK_IND_LOCKED : LK_IND_UNLOCKED);
        }
    } else if (elapsed >= c->inrush_blank_ms && have_ma && ma > c->stall_ma) {
        stuck(lk, now, bolt, LK_REASON_STALL);
    } else if (elapsed >= c->travel_max_ms) {
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
        if (lk_pwr_affordable(lk, now, 1)) {
            a->reverse_next = 0;
            a->recovering = 1;
            if (start_stroke(lk, now, opposite(a->target), 0) != LK_OK) {
                jammed(lk, now, LK_BOLT_BETWEEN, LK_REASON_NOT_RECOVERED);
            }
            return;
        }
        /* Braked, bolt between ends: wait for the energy a while. */
        if (lk_time_diff(now, a->t_phase) < (int32_t)lk->cfg.power.recovery_ms) {
            return;
        }
    }
    /* Coasting draws nothing; a refused coast leaves the brake on, which
     * is safe, so it is not worth a fault. */
    (void)motor(lk, LK_MOTOR_COAST);
    a->phase = PH_IDLE;
    if (a->reverse_next) {
        a->reverse_next = 0; /* the energy for the recovery never came */
        jammed(lk, now, LK_BOLT_BETWEEN, LK_REASON_NOT_RECOVERED);
    }
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
    if (lk_read_sensor(lk, LK_SENSOR_BOLT) != LK_BOLT_RETRACTED) {
        return;
    }
    begin_op(a, LK_BOLT_EXTENDED, LK_SRC_AUTO, LK_INDEX_NONE, LK_INDEX_NONE);
    if (!lk_pwr_affordable(lk, now, 0)) {
        emit_op(lk, now, LK_OP_LOCK, LK_REASON_INSUFFICIENT_ENERGY);
        return;
    }
    (void)go(lk, now, LK_BOLT_EXTENDED, LK_BOLT_RETRACTED);
}

/* A due auto-relock waits while the door is open or in passage mode. */
static int relock_held(const struct lk_lock *lk)
{
    return lk_ovr_door_open(lk) || lk->cred.mode == LK_MODE_PASSAGE;
}

/* No STATE event from poll_idle. */
#define NO_NEWS 0xFFu

/* Not moving: follow the (debounced) bolt through hand movements and the
 * first reading at boot, reporting them in *mv for override to classify;
 * then auto-relock. */
static void poll_idle(struct lk_lock *lk, uint32_t now, int bolt, struct lk_moved *mv)
{
    struct lk_actuate *a = &lk->act;
    uint32_t news = NO_NEWS;

    if (bolt < 0) {
        if (a->state != LK_STATE_UNKNOWN) {
            a->state = LK_STATE_UNKNOWN;
            news = LK_REASON_PORT_ERROR;
        }
    } else if (bolt == LK_BOLT_BETWEEN) {
        /* Moved off its end by hand: neither locked nor unlocked now. */
        if (a->state == LK_STATE_LOCKED || a->state == LK_STATE_UNLOCKED) {
            a->state = LK_STATE_UNKNOWN;
            a->relock_armed = 0;
        }
    } else if (bolt != a->bolt_end && a->bolt_end != BOLT_LOST) {
        /* By hand, or found at boot (unlocked: due a relock). */
        mv->kind = (a->bolt_end == BOLT_UNSEEN) ? LK_MOVED_FIRST : LK_MOVED_MANUAL;
        mv->to = (uint8_t)bolt;
        reach(lk, now, (uint32_t)bolt, 1);
    } else if (bolt != a->bolt_end || a->state == LK_STATE_UNKNOWN) {
        /* Learnt after a stroke lost sight of it (no relock: the motor may
         * have put it there), or turned part way and back (still due). */
        reach(lk, now, (uint32_t)bolt, bolt == a->bolt_end);
        news = LK_REASON_NONE;
    }
    if (news != NO_NEWS) {
        emit_state(lk, now, news);
    }

    if (a->waiting && poll_waiting(lk, now, bolt)) {
        return;
    }
    if (!a->relock_armed) {
        return;
    }
    if (a->state != LK_STATE_UNLOCKED) {
        a->relock_armed = 0;
    } else if (lk_time_reached(now, a->t_relock) && !relock_held(lk)) {
        relock_now(lk, now);
    }
}

int lk_act_moving(const struct lk_lock *lk)
{
    return lk->act.phase != PH_IDLE || is_drive(lk->act.motor);
}

void lk_act_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl, int bolt,
                 struct lk_moved *mv)
{
    struct lk_actuate *a = &lk->act;
    const struct lk_config *c = &lk->cfg;

    if (a->phase == PH_DRIVE) {
        poll_drive(lk, now);
    } else {
        if (a->phase == PH_BRAKE) {
            poll_brake(lk, now);
        }
        /* Also right after the brake is released: the bolt is read the
         * moment the motor stops being in charge of it. */
        if (a->phase == PH_IDLE) {
            poll_idle(lk, now, bolt, mv);
        }
    }
    /* A driver that refused to stop is asked again at every poll, and soon:
     * a motor left driving would burn the battery and the gearbox. */
    if (a->phase != PH_DRIVE && is_drive(a->motor)) {
        brake(lk);
        if (is_drive(a->motor)) {
            lk_deadline_want(dl, now + c->motion_poll_ms);
        } else if (a->phase == PH_BRAKE) {
            a->t_phase = now; /* the brake time starts when the brake does */
        }
    }
    /* Deadlines follow from the phase the machine is in after this poll. */
    if (a->phase == PH_DRIVE) {
        lk_deadline_want(dl, now + c->motion_poll_ms);
        lk_deadline_want(dl, a->t_phase + c->travel_max_ms);
    } else if (a->phase == PH_BRAKE && !is_drive(a->motor)) {
        uint32_t braked = a->t_phase + c->brake_ms;

        if (a->reverse_next && lk_time_reached(now, braked)) {
            lk_deadline_want(dl, now + c->power.poll_ms); /* recovery waits for energy */
        } else {
            lk_deadline_want(dl, braked);
        }
    }
    if (a->waiting) {
        lk_deadline_want(dl, a->t_wait + c->power.hold_ms);
    }
    /* A relock held by an open door waits for the door, not the clock. */
    if (a->relock_armed && a->phase == PH_IDLE &&
        !(lk_time_reached(now, a->t_relock) && relock_held(lk))) {
        lk_deadline_want(dl, a->t_relock);
    }
}
