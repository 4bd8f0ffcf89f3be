/*
 * lockcore events: one record type for everything the application, a radio
 * stack or the audit log needs. The source vocabulary is a superset of
 * Matter DoorLock's OperationSource (values 0..10 are Matter's own) that
 * keeps key, mechanical code, thumbturn and handle apart as Zigbee does.
 */
#ifndef LOCKCORE_EVENT_H
#define LOCKCORE_EVENT_H

#include <stdint.h>

/* What happened. */
enum lk_op {
    LK_OP_NONE = 0,
    LK_OP_LOCK = 1,     /* bolt thrown; a reason other than NONE or
                           WHILE_UNPOWERED means the attempt failed */
    LK_OP_UNLOCK = 2,   /* bolt retracted; same rule for the reason */
    LK_OP_DENIED = 3,   /* an unlock attempt (credential) was refused; no movement */
    LK_OP_ALARM = 4,    /* reason holds the alarm */
    LK_OP_STATE = 5,    /* lock state learned or changed without a stroke */
    LK_OP_GRANTED = 6,  /* a credential was accepted; the UNLOCK follows (or none, if
                           already unlocked) */
    LK_OP_COUNT_
};

/* Who or what caused it. 0..10 equal Matter OperationSource. */
enum lk_source {
    LK_SRC_UNSPECIFIED = 0,
    LK_SRC_MANUAL = 1, /* by hand, and no fitted sensor can tell how */
    LK_SRC_PROPRIETARY_REMOTE = 2,
    LK_SRC_KEYPAD = 3,
    LK_SRC_AUTO = 4,
    LK_SRC_BUTTON = 5,
    LK_SRC_SCHEDULE = 6,
    LK_SRC_REMOTE = 7,
    LK_SRC_RFID = 8,
    LK_SRC_BIOMETRIC = 9,
    LK_SRC_ALIRO = 10,
    /* finer manual classes; all map to Matter Manual */
    LK_SRC_KEY = 16,       /* mechanical key in the emergency cylinder */
    LK_SRC_MECH_CODE = 17, /* mechanical code mechanism */
    LK_SRC_THUMBTURN = 18, /* inside thumbturn */
    LK_SRC_HANDLE = 19,    /* handle */
    LK_SRC_FORCED = 20,    /* no legitimate path: force */
    LK_SRC_COUNT_
};

/* Why: an operation error or note (op LOCK/UNLOCK/DENIED, and STATE for
 * PORT_ERROR, RECOVERED, NOT_RECOVERED, STORE_FORMATTED, ALARM_SILENCED and
 * the notes from PROGRAMMING on) or
 * an alarm (op ALARM, values from 32). */
enum lk_reason {
    LK_REASON_NONE = 0,
    /* operation errors */
    LK_REASON_INVALID_CREDENTIAL = 1,
    LK_REASON_DISABLED_USER = 2,
    LK_REASON_RESTRICTED = 3,
    LK_REASON_INSUFFICIENT_ENERGY = 4,
    LK_REASON_STALL = 5,          /* motor current showed a stall short of travel */
    LK_REASON_TRAVEL_TIMEOUT = 6, /* end position not reached in travel_max_ms */
    LK_REASON_TRAVEL_TOO_FAST = 7,/* end position reported before travel_min_ms */
    LK_REASON_PORT_ERROR = 8,     /* a motor or sensor callback failed */
    LK_REASON_RECOVERED = 9,      /* jam: the reverse stroke reached the start */
    LK_REASON_NOT_RECOVERED = 10, /* jam: the reverse stroke failed too */
    LK_REASON_STORE_FORMATTED = 11, /* blank storage was formatted (first boot) */
    LK_REASON_WHILE_UNPOWERED = 12, /* the movement happened while the lock had no power */
    LK_REASON_ALARM_SILENCED = 13,  /* an admin silenced the active alarms */
    LK_REASON_PROGRAMMING = 14,     /* STATE: a programming PIN was entered */
    LK_REASON_OFFLINE_CLEARED = 15, /* STATE: a clear code revoked the offline codes */
    LK_REASON_LOCKED_OUT = 16,      /* DENIED: input ignored during a lockout */
    LK_REASON_MORE_CREDENTIALS = 17,/* STATE: a dual/tri rule waits for the next one */
    LK_REASON_WAITING_ENERGY = 18,  /* STATE: an accepted request waits for energy */
    LK_REASON_BATTERY_LOW = 19,     /* STATE: main battery LOW (first warning) */
    LK_REASON_BATTERY_CRITICAL = 20,/* STATE: main battery CRITICAL */
    LK_REASON_BATTERY_TOO_LOW = 21, /* STATE: main battery cannot drive the motor */
    LK_REASON_BATTERY_OK = 22,      /* STATE: main battery good again after a warning */
    /* alarms */
    LK_REASON_JAMMED = 32,
    LK_REASON_FACTORY_RESET = 33,
    LK_REASON_RADIO_POWER_CYCLED = 34,
    LK_REASON_WRONG_CODE_LIMIT = 35,
    LK_REASON_ESCUTCHEON_REMOVED = 36,
    LK_REASON_DOOR_FORCED_OPEN = 37,
    LK_REASON_DOOR_AJAR = 38,
    LK_REASON_FORCED_USER = 39,
    LK_REASON_KEY_WHILE_HEALTHY = 40,
    LK_REASON_STORE_CORRUPT = 41, /* a stored record failed its check and was dropped */
    LK_REASON_COUNT_
};

/* lk_event.flags bits */
#define LK_EVF_WALL_TRUSTED 0x01u /* wall_s is set from a trusted wall clock */
#define LK_EVF_NOT_LOGGED 0x02u   /* the audit log could not store this event (every
                                     event, in a build without the log) */

/* Index value meaning "no user" / "no credential". */
#define LK_INDEX_NONE 0xFFFFu

/* One event. 16 bytes, no padding; the audit log stores the same record. */
struct lk_event {
    uint8_t op;       /* enum lk_op */
    uint8_t source;   /* enum lk_source */
    uint8_t reason;   /* enum lk_reason */
    uint8_t flags;    /* LK_EVF_* */
    uint16_t user;    /* user index or LK_INDEX_NONE */
    uint16_t cred;    /* credential index or LK_INDEX_NONE */
    uint32_t mono_ms; /* port clock when it happened, ms (wraps at 2^32) */
    uint32_t wall_s;  /* UNIX seconds; meaningful only with LK_EVF_WALL_TRUSTED */
};

/*
 * Application event callback. Called synchronously from inside lockcore
 * entry points (lk_init, lk_poll, lk_request_*, lk_alarm_silence), after the
 * event is in the audit log (if the build has one); keep it short and do not
 * call back into the same lock instance from it.
 */
typedef void (*lk_event_fn)(void *ctx, const struct lk_event *ev);

/* Matter DoorLock event kinds an lk_event maps to. */
enum lk_matter_kind {
    LK_MATTER_NONE = 0,            /* nothing to report over Matter */
    LK_MATTER_LOCK_OPERATION = 1,  /* LockOperation event */
    LK_MATTER_OPERATION_ERROR = 2, /* LockOperationError event */
    LK_MATTER_ALARM = 3            /* DoorLockAlarm event */
};

/* An lk_event in Matter DoorLock (cluster 0x0101) values. */
struct lk_matter_event {
    uint8_t kind;           /* enum lk_matter_kind */
    uint8_t operation_type; /* LockOperationTypeEnum: Lock 0, Unlock 1, ForcedUserEvent 3 */
    uint8_t source;         /* OperationSourceEnum 0..10 */
    uint8_t code;           /* OperationErrorEnum (errors) or AlarmCodeEnum (alarms) */
};

/*
 * Map ev down to Matter's values. LOCK/UNLOCK without a reason (or with
 * WHILE_UNPOWERED: the movement happened) become a LockOperation; with an operation-error reason, and DENIED always (as a
 * refused Unlock), a LockOperationError; ALARM a DoorLockAlarm where Matter
 * has the code. Returns LK_OK with out filled (kind LK_MATTER_NONE for
 * events Matter has no counterpart for), LK_ERR_INVAL for NULL pointers,
 * LK_ERR_RANGE when ev holds values outside the enums above or pairs an
 * alarm reason with a non-alarm op (or the reverse), and, once the arguments
 * passed those checks, LK_ERR_NOTSUP in a build without the mapping
 * (LK_WITH_MATTER 0, lockcore/config.h; out is then left untouched).
 * Pure function: ISR-safe, never blocks.
 */
int lk_event_to_matter(const struct lk_event *ev, struct lk_matter_event *out);

#endif /* LOCKCORE_EVENT_H */
