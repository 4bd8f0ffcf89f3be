/*
 * The lock instance and its entry points.
 *
 * The caller allocates struct lk_lock (statically, on a stack that lives as
 * long as the lock, or anywhere else) and hands it to lk_init; lockcore keeps
 * all of its state there and has no globals. The fields are public only so
 * that sizeof works: treat them as private.
 *
 * Entry points are not reentrant for one instance: call them from one
 * context at a time (e.g. the main loop), never from an ISR. None blocks,
 * apart from what the port's callbacks do.
 */
#ifndef LOCKCORE_LOCK_H
#define LOCKCORE_LOCK_H

#include <stdint.h>

#include "lockcore/config.h"
#include "lockcore/cred.h"
#include "lockcore/event.h"
#include "lockcore/port.h"
#include "lockcore/power.h"

/* Public lock state. */
enum lk_state {
    LK_STATE_UNKNOWN = 0,   /* bolt not known to be at an end (boot, stopped or moved
                               by hand mid-travel, sensor fault) */
    LK_STATE_LOCKED = 1,
    LK_STATE_UNLOCKING = 2, /* motor retracting the bolt */
    LK_STATE_UNLOCKED = 3,
    LK_STATE_LOCKING = 4,   /* motor extending the bolt */
    LK_STATE_JAMMED = 5     /* a stroke failed; cleared by the next good stroke or
                               by the bolt being moved by hand to the other end */
};

/* What a mechanical key movement while the main battery is healthy raises. */
enum lk_key_policy {
    LK_KEY_POLICY_DEFAULT = 0, /* = LK_KEY_POLICY_NOTIFY */
    LK_KEY_POLICY_NOTIFY = 1,  /* the classified KEY event only */
    LK_KEY_POLICY_ALARM = 2    /* also an ALARM with LK_REASON_KEY_WHILE_HEALTHY */
};

/* Mechanical paths for lk_config.manual_paths (same bits as sensors). */
#define LK_PATH_KEY (1u << LK_SENSOR_KEY)
#define LK_PATH_MECH_CODE (1u << LK_SENSOR_MECH_CODE)
#define LK_PATH_THUMBTURN (1u << LK_SENSOR_THUMBTURN)
#define LK_PATH_HANDLE (1u << LK_SENSOR_HANDLE)
#define LK_PATH_ALL (LK_PATH_KEY | LK_PATH_MECH_CODE | LK_PATH_THUMBTURN | LK_PATH_HANDLE)

/*
 * Runtime configuration. A field left 0 takes its LK_DEFAULT_* value from
 * lockcore/config.h (auto_relock_ms, on_event and event_ctx excepted: 0 /
 * NULL there mean off / none); lk_init returns LK_ERR_CONFIG for any value
 * out of the range stated here.
 */
struct lk_config {
    /* Relock this long after the lock became unlocked (by a stroke, by hand,
     * or found unlocked at boot; not after a jam), ms; 0 = never
     * (1..LK_MAX_AUTO_RELOCK_MS). */
    uint32_t auto_relock_ms;
    /* Motor current is not judged for this long after a stroke starts, ms
     * (1..travel_max_ms-1). */
    uint32_t inrush_blank_ms;
    /* End position reached sooner than this is a sensor fault, ms
     * (1..travel_max_ms-1). */
    uint32_t travel_min_ms;
    /* End position not reached within this is a jam, ms (..LK_MAX_TRAVEL_MS). */
    uint32_t travel_max_ms;
    /* Current above this short of the end position is a stall, mA (50..20000). */
    uint32_t stall_ma;
    /* Brake time after a stroke, before coasting or reversing, ms (1..1000). */
    uint32_t brake_ms;
    /* Poll period requested while the bolt moves, ms (1..100). */
    uint32_t motion_poll_ms;
    /* Inputs must hold a level this long to count (debounce), ms (1..1000). */
    uint32_t debounce_ms;
    /* A path switch active this recently explains a bolt movement, ms
     * (1..60000). */
    uint32_t path_window_ms;
    /* Door open this long raises DOOR_AJAR, ms (1000..3600000). */
    uint32_t door_ajar_ms;
    /* The same alarm is raised at most once per this interval, ms
     * (1000..86400000). */
    uint32_t alarm_repeat_ms;
    /* Main battery at or above this counts as healthy, mV (1..60000). */
    uint32_t battery_ok_mv;
    /* Mechanical paths the hardware has, LK_PATH_* bits; 0 =
     * LK_DEFAULT_MANUAL_PATHS (key and thumbturn). A bolt movement no fitted
     * sensor explains is FORCED only if every path here has a sensor, else
     * UNKNOWN (source MANUAL). */
    uint8_t manual_paths;
    /* enum lk_key_policy; 0 = LK_DEFAULT_KEY_POLICY (notify). */
    uint8_t key_policy;
    /* Credential engine (lockcore/cred.h). PIN lengths, digits
     * (LK_PIN_LEN_MIN..LK_PIN_LEN_MAX, min <= max). */
    uint8_t pin_min_len;
    uint8_t pin_max_len;
    /* Longest keypad entry, digits (pin_max_len..LK_KEYPAD_DIGITS_MAX). */
    uint8_t keypad_max_digits;
    /* Wrong attempts that start a lockout (1..255; Matter
     * WrongCodeEntryLimit). */
    uint8_t wrong_limit;
    /* Wrong guesses (each PIN-length window of a keypad entry is one) that
     * also start a lockout (1..65535). */
    uint16_t guess_limit;
    /* Credential types a lockout ignores, bits 1 << enum lk_cred_type
     * (offline codes count as PIN); 0 = LK_DEFAULT_LOCKOUT_TYPES. */
    uint8_t lockout_types;
    /* A keypad entry is dropped after this long without a key, ms
     * (1000..60000). */
    uint32_t digit_timeout_ms;
    /* Wrong attempts and guesses are counted within this window from the
     * first one, ms (1000..86400000). */
    uint32_t fail_window_ms;
    /* Lockout lengths: first, second, third and later, ms (1000..86400000,
     * each at least the one before). */
    uint32_t lockout_ms[3];
    /* Dual/tri credential rule: window for the further credentials, ms
     * (1000..120000). */
    uint32_t multi_window_ms;
    /* Offline codes: clock tolerance, s (1..86400); one-time code validity,
     * s (60..604800). */
    uint32_t offline_drift_s;
    uint32_t offline_otc_valid_s;
    /* Emergency power arbitration (lockcore/power.h); zeros take defaults. */
    struct lk_power_config power;
    /* Event sink; NULL drops events. */
    lk_event_fn on_event;
    /* Passed to on_event. */
    void *event_ctx;
};

/* Return values of lk_poll besides negative errors. */
#define LK_POLL_DEADLINE 0 /* *next_ms holds the time to call lk_poll again */
#define LK_POLL_IDLE 1     /* nothing pending: sleep until an input interrupt */

/* Actuator bookkeeping (private). */
struct lk_actuate {
    uint8_t state;       /* enum lk_state */
    uint8_t phase;       /* internal motor phase */
    uint8_t motor;       /* last enum lk_motor_cmd sent */
    uint8_t target;      /* enum lk_bolt_pos the running stroke aims for */
    uint8_t op;          /* enum lk_op of the requested operation */
    uint8_t recovering;  /* 1 while the one reverse stroke after a jam runs */
    uint8_t reverse_next;/* 1: after braking, start the recovery stroke */
    uint8_t booting;     /* the brake time after lk_init's COAST runs */
    uint8_t bolt_end;    /* last end position seen, or LK_BOLT_BETWEEN */
    uint8_t relock_armed;
    uint8_t from_end;    /* the running stroke started at the opposite end */
    uint8_t source;      /* enum lk_source of the requested operation */
    uint8_t waiting;     /* 1: the request waits for energy (target holds it) */
    uint8_t jam_alarm;   /* 1: the JAMMED alarm was raised and not yet cleared */
    uint16_t user;
    uint16_t cred;
    uint32_t t_phase;    /* port time the current phase started, ms */
    uint32_t t_relock;   /* port time auto-relock is due, ms */
    uint32_t t_boot;     /* port time lk_init coasted the motor, ms */
    uint32_t t_wait;     /* port time the request began to wait for energy, ms */
};

/* Emergency power bookkeeping (private); indexed by enum lk_power_source.
 * Bytes first, then words, then arrays: Thumb-1 loads reach small offsets
 * only (bytes < 32, words < 128), so this order keeps power.c small. */
struct lk_power {
    uint8_t inside;                   /* bits: in the inner window, timing */
    uint8_t qualified;                /* bits: qualified */
    uint8_t full;                     /* bits: qualified for the whole second */
    uint8_t veto;                     /* bits: vetoed by the board */
    uint8_t usable;                   /* bits: fitted emergency inputs not LK_PRIO_NEVER */
    uint8_t selected;                 /* enum lk_power_source, RESERVE = none */
    uint8_t tier;                     /* enum lk_power_tier */
    uint8_t warned;                   /* worst tier already announced */
    uint8_t shed;                     /* bits: loads switched off */
    uint8_t shed_next;                /* bits the pending cut was warned for */
    uint8_t cut_pending;
    uint8_t waiting;                  /* actuate holds a request for energy */
    uint8_t measuring;                /* a stroke runs */
    uint8_t main_drives;              /* main can finish a stroke under load */
    uint8_t main_unsensed;            /* power_read(MAIN) says LK_ERR_NOTSUP */
    uint8_t shown;                    /* percent last indicated, 0xFF = none */
    uint8_t sampled;                  /* at least one sample taken */
    uint8_t measured;                 /* the stroke estimate comes from strokes */
    uint8_t reserve_full;             /* the supercap is at its charger's limit */
    uint16_t low_count;               /* actuations since the LOW warning (persisted) */
    uint32_t t_bucket;                /* start of this second, ms */
    uint32_t main_mv;                 /* main battery, mV, read with the motor off */
    uint32_t rail_mv;                 /* reserve (or main) now, mV */
    uint32_t reserve_uj;              /* usable reserve energy, µJ */
    uint32_t stroke_uj;               /* stroke energy estimate, µJ */
    uint32_t stroke_ms;               /* stroke time estimate, ms */
    uint32_t saved_uj;                /* stroke estimate last persisted, µJ */
    uint32_t meas_uj;                 /* energy of the running stroke so far, µJ */
    uint32_t t_meas;                  /* last stroke sample, ms */
    uint32_t t_stroke;                /* running stroke began, ms */
    uint32_t t_cut;                   /* warned cut falls due, ms */
    uint32_t t_sample;                /* port time of the last sample, ms */
    uint32_t drive_mv;                /* main at or above this drives the motor, mV */
    uint32_t floor_mv;                /* the cap at or below this is empty for the motor, mV */
    uint32_t full_mv;                 /* the cap at or above this is full (97 % of its max), mV */
    uint32_t mw[LK_PSRC_INPUTS];      /* last measured power, mW */
    uint32_t pprev[LK_PSRC_INPUTS];   /* lowest power in the second before */
    uint32_t since[LK_PSRC_INPUTS];   /* reading entered the inner window, ms */
    uint32_t pmin[LK_PSRC_INPUTS];    /* lowest power in this second, mW */
};

/* Override detection bookkeeping (private). The bytes come first: small
 * offsets are cheaper to reach on Thumb-1. */
struct lk_override {
    uint8_t stable[LK_SENSOR_COUNT_];      /* debounced levels */
    uint8_t cand[LK_SENSOR_COUNT_];        /* level waiting out the debounce */
    uint8_t read[LK_SENSOR_COUNT_];        /* sensors read, in order (the bolt first) */
    uint8_t n_read;                        /* how many: read[0..n_read-1] */
    uint8_t fitted;                        /* them as bits: the fitted ones and the bolt */
    uint8_t path_valid;                    /* path_seen bits that hold a time */
    uint8_t seen;                          /* sensors read successfully at least once */
    uint8_t sampled;                       /* first sample taken */
    uint8_t saved_end;                     /* bolt end in the persisted state */
    uint8_t saved_door;                    /* door level in the persisted state */
    uint32_t since[LK_SENSOR_COUNT_];      /* when cand started differing, ms */
    uint32_t path_seen[LK_SENSOR_COUNT_];  /* last time a path switch was active */
    uint32_t t_door_open;                  /* when the door (stably) opened */
};

/* Alarm bookkeeping (private): rate limit and silence per alarm kind. */
#define LK_ALARM_KINDS 5
struct lk_alarms {
    uint32_t last[LK_ALARM_KINDS];  /* when each kind was last raised, ms */
    uint8_t source[LK_ALARM_KINDS]; /* enum lk_source to raise each kind with */
    uint8_t raised;                 /* kinds raised within the last repeat interval */
    uint8_t active;                 /* standing conditions (tamper, ajar, jam); a silenced
                                       one stays set until its condition clears */
    uint8_t pending;                /* standing kinds held back by the rate limit */
};

/* Persistent storage bookkeeping (private); see docs/storage-format.md. */
struct lk_store {
    uint32_t blk;         /* logical block, bytes (whole erase units) */
    uint32_t bank;        /* one record bank, bytes (whole blocks) */
    uint32_t gen;         /* generation of the active bank */
    uint32_t head;        /* next free offset in the active bank */
    uint32_t audit_seq;   /* sequence number the next audit entry gets */
    uint16_t audit_blocks;
    uint16_t audit_block; /* block the next entry goes to */
    uint16_t audit_slot;  /* slot in that block */
    uint16_t audit_slots; /* slots per block */
    uint8_t hdr;          /* bank header size, bytes (prog-aligned) */
    uint8_t slot;         /* audit slot size, bytes (prog-aligned) */
    uint8_t active;       /* bank 0 or 1 */
    uint8_t dirty;        /* the bank tail is not clean: compact before writing */
    uint8_t audit_erase;  /* audit_block must be erased before its first entry */
};

/* Keypad entry buffer: a PIN entry or an offline code (14 digits). */
#define LK_ENTRY_BYTES_ (LK_KEYPAD_DIGITS_MAX > 14u ? LK_KEYPAD_DIGITS_MAX : 14u)
/* PIN windows of the longest keypad entry, over every PIN length. */
#define LK_WIN_MAX_                                                                      \
    ((LK_KEYPAD_DIGITS_MAX - LK_PIN_LEN_MIN + 1u) * (LK_PIN_LEN_MAX - LK_PIN_LEN_MIN + 1u))
/* A credential record value with its MAC (lib/cred_internal.h checks it). */
#define LK_CRED_REC_BYTES_ 24u

/* Credential engine bookkeeping (private). */
struct lk_cred {
    /* (scalars first: short offsets for Thumb-1 loads) */
    uint8_t key_ok;         /* key holds the device key */
    uint8_t mode;           /* enum lk_mode */
    uint8_t n;              /* digits in entry */
    uint8_t entry_flags;    /* offline code / over-long / started */
    uint8_t attempts;       /* wrong attempts in the window (persisted) */
    uint8_t tier;           /* lockouts since the last opening (persisted) */
    uint8_t locked;         /* a lockout runs (persisted) */
    uint8_t window_open;    /* t_window holds the window start */
    uint8_t pend_n;         /* credentials already given towards a dual/tri rule */
    uint8_t chal_open;      /* chal is an unused remote-token challenge */
    uint8_t offline_bad;    /* offline-code state missing or forged: codes refused */
    uint8_t boot_corrupt;   /* a record of ours failed its MAC at boot: alarm */
    int16_t tz_min;         /* local offset from UTC, minutes */
    uint16_t guesses;       /* wrong guesses in the window (persisted) */
    uint16_t pend_user;
    uint16_t pend_cred[2];
    uint32_t t_key;         /* last keypad key */
    uint32_t t_window;      /* start of the counting window */
    uint32_t t_unlock;      /* end of the lockout */
    uint32_t t_pend;        /* first credential of a dual/tri rule */
    uint32_t t_chal;        /* challenge issued */
    uint8_t key[32];        /* device key */
    uint8_t entry[LK_ENTRY_BYTES_]; /* keypad digits (a secret: wiped) */
    uint8_t chal[18];       /* the challenge, then room for the cred index a
                               response MACs after it */
    /* The verdict's working set, kept here rather than on the stack (the
     * instance is not reentrant); tags and candidates are wiped after use. */
    struct lk_probe {          /* what is presented */
        const uint8_t *data;   /* the secret (keypad digits, card UID, ...) */
        uint8_t type;          /* enum lk_cred_type searched for (PIN also finds
                                  PROGRAMMING_PIN) */
        uint8_t source;        /* enum lk_source for events */
        uint8_t len;
        uint8_t lo;            /* set by the verdict: window lengths lo..hi */
        uint8_t hi;            /* (PIN lengths; else len..len) */
        uint8_t guesses;       /* wrong guesses it costs if nothing matches */
    } probe;
    struct lk_match_result {   /* what the match found */
        uint8_t found;         /* a live credential matched, digest and MAC */
        uint8_t forged;        /* a digest matched but its record's MAC did not */
        uint8_t type;          /* the matching credential's type, user and index */
        uint8_t user;
        uint16_t cred;
    } match;
    union {
        uint32_t tag[LK_WIN_MAX_]; /* first digest bytes of each window presented */
        uint8_t rec[56];           /* or a record being judged (a user, the offline-
                                      code state; value and MAC) once the tags are done */
    } work;
    struct lk_cand_ {
        uint16_t key;
        uint8_t start; /* the window that matched: its start and length */
        uint8_t len;
        uint8_t used;  /* holds a match */
        uint8_t val[LK_CRED_REC_BYTES_];
    } cand[3];                 /* two candidate records and a sink for misses */
};

/* The lock instance (private fields; see top of file). */
struct lk_lock {
    uint32_t magic;
    const struct lk_port *port;
    struct lk_config cfg; /* resolved: no zero defaults left */
    struct lk_actuate act;
    struct lk_override ovr;
    struct lk_alarms alarms;
    struct lk_store store;
    struct lk_cred cred;
    struct lk_power pwr;
    uint32_t wall_base_s;  /* wall clock at wall_base_ms, UNIX s */
    uint32_t wall_base_ms; /* port time wall_base_s was taken, ms */
    uint8_t wall_trusted;
};

/*
 * Check port and cfg and initialise lk. cfg may be NULL for all defaults.
 * lk keeps a pointer to port (which must outlive it) and a copy of cfg.
 * Drives the motor to COAST so it is in a known state after a reset, then
 * mounts the storage: blank storage is formatted (a STATE event with
 * LK_REASON_STORE_FORMATTED); storage holding no valid lockcore data is
 * wiped and formatted (an ALARM event with LK_REASON_FACTORY_RESET); a record
 * that fails its check is dropped, with an ALARM event with
 * LK_REASON_STORE_CORRUPT unless it looks like a write torn by a power cut
 * (docs/storage-format.md); an exhausted audit sequence raises the same
 * alarm. A power cut at any moment leaves storage that mounts. The bolt is first read by the next lk_poll, so the state starts as
 * LK_STATE_UNKNOWN.
 * Errors: LK_ERR_INVAL (lk or port NULL), LK_ERR_PORT_ABI,
 * LK_ERR_PORT_MISSING (now_ms, storage_read/prog/erase, motor_drive or
 * sensor_read NULL), LK_ERR_GEOMETRY (see port.h and docs/storage-format.md
 * for the minimum region), LK_ERR_CONFIG (a cfg field out of range, or
 * port.sensors_fitted naming an unknown sensor), or the error motor_drive or
 * a storage callback returned (positive returns become LK_ERR_RANGE). On
 * error lk is left unusable (LK_ERR_NOT_INIT), even if it was initialised
 * before.
 */
int lk_init(struct lk_lock *lk, const struct lk_port *port, const struct lk_config *cfg);

/*
 * Run everything that is due: read the bolt, advance the motor state
 * machine, auto-relock, emit events. Call it when the deadline it returned
 * passes and after any input interrupt; calling it early or often is
 * harmless. On LK_POLL_DEADLINE, *next_ms is the port time (ms, compare
 * with wrap-around) to call again; on LK_POLL_IDLE nothing is pending.
 * Port failures met while polling are handled here rather than returned: an
 * event with LK_REASON_PORT_ERROR, and a motor that must stop is braked
 * (then coasted), retried every motion_poll_ms until the driver obeys.
 * Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT.
 */
int lk_poll(struct lk_lock *lk, uint32_t *next_ms);

/*
 * Ask for the bolt to be retracted (unlock) or extended (lock) on behalf of
 * source (enum lk_source), user and cred (indices or LK_INDEX_NONE), who
 * lockcore records in the resulting events. The credential decision is the
 * caller's. Reads the bolt, starts the stroke and returns; lk_poll finishes
 * it. Already in the requested end position: LK_OK and no stroke (a STATE
 * event only if that settles an UNKNOWN or JAMMED state).
 * Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT, LK_ERR_RANGE (source not an
 * enum lk_source value, or the bolt sensor reported a level out of range),
 * LK_ERR_BUSY (a stroke, its brake time or a jam recovery is running, or
 * lk_init coasted the motor less than brake_ms ago: it may have been
 * driving the other way when the MCU reset), or
 * the error sensor_read or motor_drive returned (positive returns become
 * LK_ERR_RANGE); port errors also emit an event with LK_REASON_PORT_ERROR.
 */
int lk_request_unlock(struct lk_lock *lk, int source, uint16_t user, uint16_t cred);
/* As lk_request_unlock, for extending the bolt. */
int lk_request_lock(struct lk_lock *lk, int source, uint16_t user, uint16_t cred);

/*
 * The current enum lk_state (>= 0), or LK_ERR_INVAL / LK_ERR_NOT_INIT.
 */
int lk_get_state(const struct lk_lock *lk);

/*
 * Silence the alarms now standing (tamper, door ajar, jammed) on behalf of
 * user/cred, an admin the application has verified: lockcore indicates
 * LK_IND_SILENCED, emits a STATE event with LK_REASON_ALARM_SILENCED, and
 * drops any standing alarm the rate limit was still holding back. A silenced
 * alarm is raised again only after its condition has cleared and begun anew.
 * Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT.
 */
int lk_alarm_silence(struct lk_lock *lk, uint16_t user, uint16_t cred);

/*
 * Tell lockcore the wall-clock time, UNIX seconds, from a trusted source
 * (app, radio network). From then on events carry wall_s and
 * LK_EVF_WALL_TRUSTED. While it is set, lk_poll asks to be called at least
 * every 2^30 ms (~12 days) so the 32-bit port clock cannot wrap unseen.
 * Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT.
 */
int lk_set_wall_time(struct lk_lock *lk, uint32_t unix_s);

/*
 * Forget the wall-clock time (e.g. the app learnt it was wrong); events are
 * then stamped with port time only. Errors: LK_ERR_INVAL, LK_ERR_NOT_INIT.
 */
int lk_clear_wall_time(struct lk_lock *lk);

#endif /* LOCKCORE_LOCK_H */
