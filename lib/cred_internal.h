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
/* User record value (lk_user_encode). */
#define USER_TYPE 0u
#define USER_ENABLED 1u
#define USER_RULE 2u
#define USER_WEEK_DAYS 3u
#define USER_WEEK_START 4u /* 16 bits */
#define USER_WEEK_END 6u   /* 16 bits */
#define USER_YEAR_START 8u /* 32 bits */
#define USER_YEAR_END 12u  /* 32 bits */
#define USER_EXPIRING 16u  /* 16 bits */
#define USER_FIRST_USE 18u /* 32 bits */
#define USER_BYTES 22u
#define LOCKOUT_BYTES 5u
#define OFFLINE_BYTES (13u + 4u * LK_OFFLINE_USED_MAX)

/* PIN windows of length l in a keypad entry of n digits; at most
 * LK_WIN_MAX_ (lockcore/lock.h) over all lengths. */
#define WIN_COUNT(n, l) ((n) >= (l) ? (n) - (l) + 1u : 0u)
#if USER_BYTES + MAC_BYTES > 56u || OFFLINE_BYTES + MAC_BYTES > 56u || LK_SHA256_BYTES > 56u || \
    LK_SHA256_BYTES > 3u * (4u + LK_CRED_REC_BYTES_)
#error "lk_cred.work.rec and .cand (lockcore/lock.h) must hold a user record, the offline state and a digest"
#endif
#if CRED_BYTES + MAC_BYTES != LK_CRED_REC_BYTES_
#error "LK_CRED_REC_BYTES_ (lockcore/lock.h) must be the credential record size"
#endif

/* cred.c: the checks every credential call starts with, in this order:
 * lk_check, the engine usable (a device key: else LK_ERR_NOTSUP), ptr not
 * NULL (LK_ERR_INVAL), idx < n (LK_ERR_RANGE). */
int lk_cred_args(const struct lk_lock *lk, const void *ptr, unsigned idx, unsigned n);

/* cred_rec.c: authenticated records and secret digests. */
/* digest of data (len <= DIGEST_IN_BYTES; data[0] readable even for len
 * 0) in its class (PROGRAMMING_PIN shares PIN's). */
void lk_cred_digest(const struct lk_lock *lk, uint8_t type, const uint8_t *data, size_t len,
                    uint8_t out[LK_SHA256_BYTES]);
/* 1 if val (len bytes, its MAC after them) is authentic for key. */
int lk_rec_mac_ok(const struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len);
/* Authenticated records, in place: rec holds len bytes of value and room
 * for the MAC after them (len + MAC_BYTES). lk_rec_read reads key's value
 * of exactly len bytes and checks its MAC: LK_OK, LK_ERR_NOENT,
 * LK_ERR_CORRUPT (wrong size or MAC), or a port error; rec keeps what it
 * read even when it fails. lk_rec_write fills in the MAC and writes. */
int lk_rec_read(struct lk_lock *lk, uint16_t key, uint8_t *rec, uint8_t len);
int lk_rec_write(struct lk_lock *lk, uint16_t key, uint8_t *rec, uint8_t len);
/* lk_rec_read into val (len bytes, no room for the MAC needed) through a
 * buffer on the stack; the library uses lk_rec_read (tools may use this). */
int lk_rec_get(struct lk_lock *lk, uint16_t key, uint8_t *val, uint8_t len);
/* Persist attempts, guesses, tier and the locked flag. */
int lk_lockout_save(struct lk_lock *lk);
/* Decode a user record value. */
void lk_user_decode(const uint8_t *v, struct lk_user *u);
void lk_user_encode(const struct lk_user *u, uint8_t *v);

/* verdict.c: what is being presented, and the decision. */
/* (struct lk_probe, what is presented, and struct lk_match_result are in
 * struct lk_cred: lk->cred.probe and lk->cred.match.) */
/* (lk_probe_tags and lk_match are apart from lk_verdict so that their
 * buffers are not on the stack under lk_decide.) */
/* The tag of every window of p into lk->cred.tag, in window order (by
 * length, then start); sets p's lo, hi and guesses. */
void lk_probe_tags(struct lk_lock *lk, struct lk_probe *p);
/* Match p (tags computed) against every stored credential. Its cost depends
 * on the number of records and windows only, not on the secrets. */
int lk_match(struct lk_lock *lk, const struct lk_probe *p, struct lk_match_result *m);
/* Length of the lockout of tier (1 = first), ms. */
uint32_t lk_lockout_len(const struct lk_lock *lk, uint8_t tier);
/* lk_cred.locked bits besides 1 (a lockout runs). */
#define LOCK_NOTED 0x02u /* its LOCKED_OUT denial was reported */
/* Input refused by a lockout: one DENIED (LOCKED_OUT) event per lockout;
 * returns LK_ERR_AGAIN. */
int lk_refuse_locked(struct lk_lock *lk, uint32_t now, uint8_t source);
/* The rights of user (schedules, mode, rules) for a recognised credential,
 * its record (authentic) in lk->cred.work.rec: LK_VERDICT_GRANTED if the
 * door may open (a duress alarm raised), LK_RIGHTS_SAVE if it may once the
 * record, changed by a one-shot effect, is saved, else the verdict it ended
 * with (events emitted). Apart from lk_decide, which reads and saves the
 * record, so that its frame is not under the store's. */
#define LK_RIGHTS_SAVE 0x100
int lk_rights(struct lk_lock *lk, uint32_t now, uint8_t source, uint8_t ctype, uint16_t user,
              uint16_t cred);
/* RESTRICTED unless the time rules of the user record v allow now; NONE
 * if they do. (Apart from lk_rights to keep its frame small.) */
uint8_t lk_time_rules(const struct lk_lock *lk, uint32_t now, const uint8_t *v);
/* After a recognised credential of user: its record and lk_rights decide.
 * LK_VERDICT_GRANTED: the caller grants (lk_grant), from its own, shallower
 * frame; anything else is the verdict or an error, events emitted. */
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
/* Check a keypad entry of n digits as an offline code at wall time t: bit
 * 0 set if its MAC holds under epoch, bit 1 under epoch + 1 (both always
 * computed for a well-formed code); *r the value its digits resolve to.
 * (This and lk_offline_admit are apart from lk_offline_enter to keep its
 * frame small.) */
uint32_t lk_offline_code(const struct lk_lock *lk, const uint8_t *digits, uint32_t n,
                         uint32_t t, uint32_t epoch, uint32_t *r);
/* 1 if the code's window holds at wall time t and, for a one-time code,
 * it was not used yet (it is marked used in the state in lk->cred.work). */
uint32_t lk_offline_admit(struct lk_lock *lk, const uint8_t *digits, uint32_t r, uint32_t t);
/* Create the state record if it is missing (with the first user). */
int lk_offline_create(struct lk_lock *lk);
int lk_offline_enter(struct lk_lock *lk, uint32_t now, const uint8_t *digits, uint8_t n);

#endif /* LK_CRED_INTERNAL_H */
