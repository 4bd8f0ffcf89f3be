/*
 * The credential engine: users, credentials, the keypad, offline codes,
 * remote tokens, brute-force lockout, schedules and operating modes.
 *
 * Vocabulary follows Matter DoorLock (cluster 0x0101): user types, credential
 * types 0..5 and credential rules keep Matter's numbers. Secrets (PINs, card
 * IDs, template IDs) are stored only as HMAC-SHA256 values under the device
 * key, and every stored user, credential and counter carries a MAC under the
 * same key (docs/security.md).
 *
 * All functions here take an initialised lock (lk_init), are not reentrant
 * for one instance, never block (apart from port callbacks) and must not be
 * called from an ISR. Common errors: LK_ERR_INVAL (NULL pointer),
 * LK_ERR_NOT_INIT, LK_ERR_NOTSUP (the port gives no device key and no
 * entropy to make one, or the call belongs to a feature that was built
 * out: LK_WITH_* in lockcore/config.h), and storage errors as the port
 * returned them.
 */
#ifndef LOCKCORE_CRED_H
#define LOCKCORE_CRED_H

#include <stddef.h>
#include <stdint.h>

struct lk_lock;

/* User types: Matter UserTypeEnum. */
enum lk_user_type {
    LK_USER_UNRESTRICTED = 0,
    LK_USER_YEAR_DAY = 1,    /* only inside the year-day schedule */
    LK_USER_WEEK_DAY = 2,    /* only inside the week-day schedule */
    LK_USER_PROGRAMMING = 3, /* may program the lock; also opens */
    LK_USER_NON_ACCESS = 4,  /* recognised, never opens */
    LK_USER_FORCED = 5,      /* duress: opens, and raises a silent FORCED_USER alarm */
    LK_USER_DISPOSABLE = 6,  /* opens once, then is disabled */
    LK_USER_EXPIRING = 7,    /* opens for expiring_min minutes after its first use */
    LK_USER_SCHEDULE_RESTRICTED = 8, /* inside both schedules that are set */
    LK_USER_REMOTE_ONLY = 9, /* opens only with a remote token */
    LK_USER_TYPE_COUNT_
};

/* Credential types: 0..5 are Matter CredentialTypeEnum. */
enum lk_cred_type {
    LK_CRED_PROGRAMMING_PIN = 0, /* keypad; grants programming, never opens */
    LK_CRED_PIN = 1,
    LK_CRED_RFID = 2,        /* card UID bytes */
    LK_CRED_FINGERPRINT = 3, /* template ID the sensor module reports */
    LK_CRED_FINGER_VEIN = 4,
    LK_CRED_FACE = 5,
    LK_CRED_REMOTE_TOKEN = 6, /* HMAC-SHA256 challenge-response (lk_token_*) */
    LK_CRED_TYPE_COUNT_
};

/* Credential rules: Matter CredentialRuleEnum. */
enum lk_cred_rule {
    LK_RULE_SINGLE = 0,
    LK_RULE_DUAL = 1, /* two different credentials of the user within multi_window_ms */
    LK_RULE_TRI = 2   /* three */
};

/* Operating modes: Matter OperatingModeEnum. */
enum lk_mode {
    LK_MODE_NORMAL = 0,
    LK_MODE_VACATION = 1,  /* keypad, card and biometric refused; remote still opens */
    LK_MODE_PRIVACY = 2,   /* every credential refused */
    LK_MODE_NO_REMOTE = 3, /* remote tokens refused */
    LK_MODE_PASSAGE = 4,   /* credentials as normal; auto-relock suspended */
    LK_MODE_COUNT_
};

/* Outcome of presenting a credential (>= 0; errors are negative). */
#define LK_VERDICT_DENIED 0  /* refused: a DENIED event says why */
#define LK_VERDICT_GRANTED 1 /* a GRANTED event, then the unlock stroke */
#define LK_VERDICT_PENDING 2 /* a dual/tri rule waits for the next credential (a STATE
                                event with LK_REASON_MORE_CREDENTIALS) */
#define LK_VERDICT_NONE 3    /* keypad: key taken, entry not finished */
#define LK_VERDICT_PROGRAMMING 4 /* a programming PIN of a PROGRAMMING user: a STATE
                                    event with LK_REASON_PROGRAMMING; nothing opens */
#define LK_VERDICT_CLEARED 5 /* an offline clear code: every earlier offline code is void */

/* Credential index reported for offline codes: base + kind digit. */
#define LK_CRED_OFFLINE_BASE 0xFF00u

/* A user. Week-day schedule times are local (lk_set_time_zone); year-day
 * times are UNIX seconds (instants, UTC). */
struct lk_user {
    uint8_t type;         /* enum lk_user_type */
    uint8_t enabled;      /* 1 enabled, 0 disabled */
    uint8_t rule;         /* enum lk_cred_rule */
    uint8_t week_days;    /* week-day schedule days, bit 0 Sunday .. bit 6 Saturday
                             (Matter DaysMaskMap); 0 = no week-day schedule */
    uint16_t week_start_min; /* week-day schedule start, minute of the day 0..1439 */
    uint16_t week_end_min;   /* end (exclusive), week_start_min+1..1440 */
    uint32_t year_start_s;   /* year-day schedule start, UNIX s; 0 and 0 = none */
    uint32_t year_end_s;     /* end (exclusive), > year_start_s */
    uint16_t expiring_min;   /* EXPIRING users: minutes after first use, 1..2880 */
    uint32_t first_use_s;    /* EXPIRING users: first use, UNIX s (0 = not used;
                                kept by lockcore, ignored by lk_user_set) */
};

/*
 * Create or replace user (0..LK_USERS_MAX-1). Replacing keeps the user's
 * credentials and an EXPIRING user's first use. Errors: LK_ERR_RANGE (index),
 * LK_ERR_CONFIG (a field out of the ranges above), LK_ERR_NOSPC (store full).
 */
int lk_user_set(struct lk_lock *lk, uint16_t user, const struct lk_user *u);

/* Read user into *out. LK_ERR_NOENT if not set, LK_ERR_CORRUPT if the stored
 * record fails its MAC, LK_ERR_RANGE for the index. */
int lk_user_get(struct lk_lock *lk, uint16_t user, struct lk_user *out);

/* Delete user and all of its credentials. Deleting a missing user is LK_OK.
 * LK_ERR_RANGE for the index. */
int lk_user_delete(struct lk_lock *lk, uint16_t user);

/*
 * Create or replace credential cred (0..LK_CREDS_MAX-1) of type for user
 * (which must exist). data: PIN and PROGRAMMING_PIN: ASCII digits, length
 * pin_min_len..pin_max_len; RFID: 1..LK_CRED_DATA_MAX bytes of card UID;
 * FINGERPRINT, FINGER_VEIN, FACE: 1..LK_CRED_DATA_MAX bytes of template ID;
 * REMOTE_TOKEN: data NULL and len 0 (lockcore draws a fresh nonce from the
 * port's entropy; read the key with lk_token_key).
 * Errors: LK_ERR_RANGE (index, or a length outside the above), LK_ERR_INVAL
 * (a PIN byte not a digit, NULL data), LK_ERR_NOTSUP (unknown type, a token
 * without entropy, a REMOTE_TOKEN built without LK_WITH_TOKENS, or an RFID,
 * FINGERPRINT, FINGER_VEIN or FACE credential built without
 * LK_WITH_PRESENTED), LK_ERR_NOENT (no such user), LK_ERR_WEAK (PIN all
 * one digit, or a straight ascending or descending run such as 123456 or
 * 987654), LK_ERR_EXIST (the same secret is already enrolled for this type),
 * LK_ERR_NOSPC (store full), LK_ERR_CORRUPT (the user's record fails its MAC).
 */
int lk_cred_set(struct lk_lock *lk, uint16_t cred, int type, uint16_t user,
                const uint8_t *data, size_t len);

/* Delete a credential (LK_OK if absent). LK_ERR_RANGE for the index. */
int lk_cred_delete(struct lk_lock *lk, uint16_t cred);

/* Type and user of a credential. LK_ERR_NOENT if absent, LK_ERR_CORRUPT if
 * its MAC fails, LK_ERR_RANGE for the index. */
int lk_cred_get(struct lk_lock *lk, uint16_t cred, uint8_t *type, uint16_t *user);

/* Lowest free user (what 0) or credential (what 1) index into *index, or
 * LK_ERR_NOSPC when every index is taken; LK_ERR_RANGE for what. */
int lk_free_index(struct lk_lock *lk, int what, uint16_t *index);

/*
 * One key from the keypad: '0'..'9', '#' (enter) or '*' (as the first key:
 * an offline code follows; later: cancel the entry). The entry is discarded
 * after digit_timeout_ms without a key. Returns LK_VERDICT_NONE while
 * collecting, the verdict on '#', LK_ERR_AGAIN while locked out (the key is
 * ignored), LK_ERR_BUSY for '#' while the bolt is moving (the entry is kept:
 * press '#' again), LK_ERR_INVAL for any other character (ignored),
 * LK_ERR_RANGE once the entry exceeds keypad_max_digits (the entry is dropped
 * and counts as one wrong attempt; '#' or '*' starts again).
 */
int lk_keypad_key(struct lk_lock *lk, char key);

/*
 * A card UID (LK_CRED_RFID) or a template ID the biometric module matched
 * (LK_CRED_FINGERPRINT, FINGER_VEIN, FACE), 1..LK_CRED_DATA_MAX bytes.
 * Returns the verdict, LK_ERR_AGAIN while locked out, LK_ERR_BUSY while the
 * bolt is moving (nothing checked: present it again), LK_ERR_NOTSUP for
 * another type (and for every type when built without LK_WITH_PRESENTED),
 * LK_ERR_RANGE for the length.
 */
int lk_cred_present(struct lk_lock *lk, int type, const uint8_t *data, size_t len);

/*
 * Remote tokens. lk_token_key gives the 32-byte key of REMOTE_TOKEN
 * credential cred, to hand once to its owner's phone (LK_ERR_NOENT if cred is
 * not a token, LK_ERR_CORRUPT if its record fails its MAC). lk_token_challenge draws 16 fresh bytes from the port's
 * entropy (LK_ERR_NOTSUP without one); it stays valid for
 * LK_TOKEN_CHALLENGE_MS or until a response is checked, whichever is first,
 * and a new challenge replaces it. lk_token_response checks
 * mac = HMAC-SHA256(key, challenge || cred as 2 bytes big-endian) for cred;
 * without an open challenge (never asked, used, expired: a replay) it is
 * denied. Returns the verdict, LK_ERR_AGAIN while locked out, or
 * LK_ERR_BUSY while the bolt is moving (the challenge stays open).
 * Built without LK_WITH_TOKENS, all three return LK_ERR_NOTSUP (after the
 * lock argument's own check).
 */
int lk_token_key(struct lk_lock *lk, uint16_t cred, uint8_t key[32]);
int lk_token_challenge(struct lk_lock *lk, uint8_t challenge[16]);
int lk_token_response(struct lk_lock *lk, uint16_t cred, const uint8_t mac[32]);

/* The offline-code key K_off (docs/offline-codes.md), for the owner's app.
 * LK_ERR_NOTSUP when built without LK_WITH_OFFLINE. */
int lk_offline_key(struct lk_lock *lk, uint8_t key[32]);

/*
 * Start the offline codes afresh at epoch (the owner app's current one),
 * after lockcore found their state cut out of or forged in the store (it
 * then refuses offline codes and raised STORE_CORRUPT). Every one-time code
 * up to the current hour counts as used. Needs a trusted wall clock
 * (LK_ERR_AGAIN without). LK_ERR_NOTSUP when built without LK_WITH_OFFLINE.
 */
int lk_offline_reset(struct lk_lock *lk, uint32_t epoch);

/* Set the operating mode (enum lk_mode, persisted). Leaving PASSAGE lets a
 * held auto-relock run at the next lk_poll: call it. LK_ERR_RANGE for mode. */
int lk_set_mode(struct lk_lock *lk, int mode);
/* The operating mode (>= 0) or an error. */
int lk_get_mode(const struct lk_lock *lk);

/* Local time offset from UTC for schedules and daily offline codes, minutes
 * (-720..840). Not persisted: set it with the wall clock. LK_ERR_RANGE. */
int lk_set_time_zone(struct lk_lock *lk, int offset_min);

/* Lockout state for Matter: WrongCodeEntryLimit, UserCodeTemporaryDisableTime
 * (the lockout the next limit would start, s) and the time the current
 * lockout has left (ms, 0 if none), into *out (not NULL: LK_ERR_INVAL). */
struct lk_lockout_info {
    uint8_t wrong_limit;
    uint8_t disable_s_next; /* capped at 255 as Matter's attribute is */
    uint16_t guesses;       /* wrong guesses counted in the current window */
    uint32_t remaining_ms;
};
int lk_lockout_info(const struct lk_lock *lk, struct lk_lockout_info *out);

#endif /* LOCKCORE_CRED_H */
