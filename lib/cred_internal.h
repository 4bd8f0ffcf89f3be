/* Declarations shared by the credential engine's files; not part of the API. */
#ifndef LK_CRED_INTERNAL_H
#define LK_CRED_INTERNAL_H

#include "lk_internal.h"

/* Record keys (docs/storage-format.md). */
#define KEY_DEVICE_KEY 0x0200u /* device key made from entropy (raw, 32 bytes) */
#define KEY_LOCKOUT 0x0201u    /* failure counters and lockout tier */
#define KEY_MODE 0x0202u       /* operating mode */
#define KEY_OFFLINE 0x0203u    /* offline-code epoch, clock floor, used codes */
#define KEY_USER0 0x1000u      /* + user index */
#define KEY_CRED0 0x2000u      /* + credential index */

#define MAC_BYTES 8u     /* record MAC: HMAC-SHA256 under the device key, truncated */
#define DIGEST_BYTES 12u /* stored secret digest: HMAC-SHA256, truncated */
#define DIGEST_IN_BYTES 32u /* secrets are zero-padded to this before hashing */

/* Credential record value before its MAC. */
#define CRED_TYPE 0u
#define CRED_USER 1u
#define CRED_LEN 2u /* PIN length, or data length */
#define CRED_DIGEST 4u
#define CRED_BYTES (CRED_DIGEST + DIGEST_BYTES)
#define USER_BYTES 22u
#define LOCKOUT_BYTES 5u
#define OFFLINE_BYTES (13u + 4u * LK_OFFLINE_USED_MAX)

/* PIN windows of a keypad entry, for the largest configuration. */
#define WIN_COUNT(n, l) ((n) >= (l) ? (n) - (l) + 1u : 0u)
#define WIN_MAX                                                                          \
    (WIN_COUNT(LK_KEYPAD_DIGITS_MAX, LK_PIN_LEN_MIN) * (LK_PIN_LEN_MAX - LK_PIN_LEN_MIN + 1u))

/* cred_rec.c: authenticated records and secret digests. */
/* digest of data (len <= DIGEST_IN_BYTES; data[0] readable even for len
 * 0) in its class (PROGRAMMING_PIN shares PIN's). */
void lk_cred_digest(const struct lk_lock *lk, uint8_t type, const uint8_t *data, size_t len,
                    uint8_t out[LK_SHA256_BYTES]);
/* Read key's value of exactly len bytes and check its MAC: LK_OK,
 * LK_ERR_NOENT, LK_ERR_CORRUPT (wrong size or MAC), or a port error. */
int lk_rec_get(struct lk_lock *lk, uint16_t key, uint8_t *val, uint8_t len);
/* 1 if val (len bytes, its MAC after them) is authentic for key. */
int lk_rec_mac_ok(const struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len);
/* Write val (len bytes) with its MAC. */
int lk_rec_set(struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len);
/* Persist attempts, guesses, tier and the locked flag. */
int lk_lockout_save(struct lk_lock *lk);
/* Decode a user record value. */
void lk_user_decode(const uint8_t *v, struct lk_user *u);
void lk_user_encode(const struct lk_user *u, uint8_t *v);

/* verdict.c: what is being presented, and the decision. */
struct lk_probe {
    uint8_t type;   /* enum lk_cred_type searched for (PIN also finds PROGRAMMING_PIN) */
    uint8_t source; /* enum lk_source for events */
    uint8_t nwin;   /* windows (1 except for keypad entries) */
    uint8_t guesses;/* wrong guesses this presentation costs if nothing matches */
    const uint8_t *data; /* the presented secret (keypad digits, card UID, ...) */
    uint8_t len;
    uint32_t tag[WIN_MAX]; /* first digest bytes of each window */
};
/* Window w of a keypad probe: start and length. */
void lk_probe_window(const struct lk_lock *lk, const struct lk_probe *p, unsigned w,
                     uint8_t *start, uint8_t *len);
/* Tags for every window of p (p->data, len, type set). */
void lk_probe_tags(const struct lk_lock *lk, struct lk_probe *p);
/* Length of the lockout of tier (1 = first), ms. */
uint32_t lk_lockout_len(const struct lk_lock *lk, uint8_t tier);
/* lk_cred.locked bits besides 1 (a lockout runs). */
#define LOCK_NOTED 0x02u /* its LOCKED_OUT denial was reported */
/* Input refused by a lockout: one DENIED (LOCKED_OUT) event per lockout;
 * returns LK_ERR_AGAIN. */
int lk_refuse_locked(struct lk_lock *lk, uint32_t now, uint8_t source);
/* After a recognised credential of user: rights, schedules, mode, rules. */
int lk_decide(struct lk_lock *lk, uint32_t now, uint8_t source, uint8_t ctype, uint16_t user,
              uint16_t cred);
/* 1 if a lockout runs that covers type. */
int lk_locked_out(const struct lk_lock *lk, uint8_t type);
/* Count a presentation as wrong before its verdict is known (persisted);
 * returns an error if that could not be stored (no verdict may follow). */
int lk_fail_begin(struct lk_lock *lk, uint32_t now, uint8_t guesses);
/* Finish the count: only a presentation that opened (granted, programming,
 * a clear code) resets it and the lockout tier; anything else, a recognised
 * credential refused by its rights included, stays counted and may start a
 * lockout. */
void lk_fail_end(struct lk_lock *lk, uint32_t now, int opened, uint8_t source);
/* 1 for the verdicts that reset the count. */
int lk_verdict_opened(int verdict);
/* What lk_match found. */
struct lk_match_result {
    uint8_t found;  /* a live credential matched, digest and MAC */
    uint8_t forged; /* a digest matched but its record's MAC did not */
    uint8_t type;   /* the matching credential's type, index and user */
    uint16_t cred;
    uint16_t user;
};
/* Match p (tags computed) against every stored credential. Its cost depends
 * on the number of records and windows only, not on the secrets. */
int lk_match(struct lk_lock *lk, struct lk_probe *p, struct lk_match_result *m);
/* Match p against the store and decide; returns the verdict or an error. */
int lk_verdict(struct lk_lock *lk, uint32_t now, struct lk_probe *p);
/* Emit a denial. */
int lk_deny(struct lk_lock *lk, uint32_t now, uint8_t source, uint8_t reason, uint16_t user,
            uint16_t cred);
/* Grant: GRANTED event, then the unlock stroke (a busy motor is reported). */
int lk_grant(struct lk_lock *lk, uint32_t now, uint8_t source, uint16_t user, uint16_t cred);

/* Lockout timer for lk_poll. */
void lk_lockout_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl);

/* Remote tokens (cred.c, cred_input.c). lk_token_record reads credential
 * cred: its nonce and user if it is a token (else zeros and LK_ERR_NOENT or
 * the read error) — the index is public, its lookup need not be constant.
 * lk_token_derive makes the token key from a nonce. lk_token_check: 1 if
 * mac answers the open challenge (open 1) for that nonce; it costs the same
 * whatever mac and nonce are. */
int lk_token_record(struct lk_lock *lk, uint16_t cred, uint8_t nonce[DIGEST_BYTES],
                    uint8_t *user);
void lk_token_derive(const struct lk_lock *lk, uint16_t cred, const uint8_t *nonce,
                     uint8_t key[32]);
int lk_token_check(struct lk_lock *lk, uint16_t cred, const uint8_t *nonce,
                   const uint8_t mac[32], int open);

/* offline.c: a 14-digit offline code (ASCII) entered at the keypad. */
/* Check the persisted state at boot (users: any user exists). */
int lk_offline_mount(struct lk_lock *lk, int users);
/* Whether the six MAC digits of a well-formed code (digits: 14 ASCII digits,
 * r: the resolved value) match under epoch (*ok0) and epoch + 1 (*ok1);
 * both are always computed, whatever the digits. */
void lk_offline_mac(const struct lk_lock *lk, uint32_t epoch, const uint8_t *digits, uint32_t r,
                    uint32_t *ok0, uint32_t *ok1);
/* Create the state record if it is missing (with the first user). */
int lk_offline_create(struct lk_lock *lk);
int lk_offline_enter(struct lk_lock *lk, uint32_t now, const uint8_t *digits, uint8_t n);

#endif /* LK_CRED_INTERNAL_H */
