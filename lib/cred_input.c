/*
 * cred_input: the ways a credential arrives (keypad keys, a card or
 * biometric ID, a remote token's response) and the engine's timers.
 */
#include "cred_internal.h"

#define ENTRY_STARTED 0x01u  /* a key was taken since the last reset */
#define ENTRY_OFFLINE 0x02u  /* began with '*': an offline code */
#define ENTRY_OVERLONG 0x04u /* too many digits: dropped, waits for '#' */
#define OFFLINE_DIGITS 14u
#define CHAL_BYTES 16u       /* a token challenge; lk_cred.chal has 2 more bytes */

static int ready(const struct lk_lock *lk)
{
    int rc = lk_check(lk);

    if (rc == LK_OK && !lk->cred.key_ok) {
        rc = LK_ERR_NOTSUP;
    }
    return rc;
}

#if !LK_WITH_TOKENS || !LK_WITH_PRESENTED
/* A stripped feature's entry point: the lock checked as before, then
 * LK_ERR_NOTSUP (which ready() also gives for a lock without a key). */
static int stripped(const struct lk_lock *lk)
{
    int rc = ready(lk);

    return (rc != LK_OK) ? rc : LK_ERR_NOTSUP;
}
#endif

static void entry_reset(struct lk_cred *c)
{
    lk_wipe(c->entry, sizeof c->entry);
    c->n = 0;
    c->entry_flags = 0;
}

/* The verdict on a presented secret. */
static int present(struct lk_lock *lk, uint32_t now, uint8_t type, uint8_t source,
                   const uint8_t *data, size_t len)
{
    struct lk_probe *p = &lk->cred.probe; /* in the instance: less stack */
    int rc;

    p->type = type;
    p->source = source;
    p->data = data;
    p->len = (uint8_t)len;
    rc = lk_verdict(lk, now, p);
    lk_wipe(p, sizeof *p); /* nothing of the secret stays behind, not even its length */
    return rc;
}

/* '#': judge the entry. */
static int enter(struct lk_lock *lk, uint32_t now)
{
    struct lk_cred *c = &lk->cred;
    uint32_t flags = c->entry_flags;
    int rc;

    if (flags & ENTRY_OVERLONG) {
        rc = LK_VERDICT_NONE; /* already counted and denied */
#if LK_WITH_OFFLINE
    } else if (flags & ENTRY_OFFLINE) {
        rc = lk_offline_enter(lk, now, c->entry, c->n);
#endif
    } else {
        rc = present(lk, now, LK_CRED_PIN, LK_SRC_KEYPAD, c->entry, c->n);
    }
    entry_reset(c);
    return rc;
}

/* An entry past keypad_max_digits: one wrong attempt, denied at once. */
static int overlong(struct lk_lock *lk, uint32_t now)
{
    struct lk_cred *c = &lk->cred;
    int rc;

    entry_reset(c);
    c->entry_flags = ENTRY_STARTED | ENTRY_OVERLONG;
    rc = lk_fail_begin(lk, now, 1);
    if (rc != LK_OK) {
        return rc;
    }
    lk_fail_end(lk, now, 0, LK_SRC_KEYPAD);
    (void)lk_deny(lk, now, LK_SRC_KEYPAD, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE,
                  LK_INDEX_NONE);
    return LK_ERR_RANGE;
}

int lk_keypad_key(struct lk_lock *lk, char key)
{
    struct lk_cred *c;
    uint32_t now;
    uint32_t flags;
    int rc = ready(lk);

    if (rc != LK_OK) {
        return rc;
    }
    c = &lk->cred;
    now = lk->port->now_ms(lk->port->ctx);
    if (lk_locked_out(lk, LK_CRED_PIN)) {
        entry_reset(c);
        return (key == '#') ? lk_refuse_locked(lk, now, LK_SRC_KEYPAD) : LK_ERR_AGAIN;
    }
    if ((c->entry_flags & ENTRY_STARTED) &&
        lk_time_reached(now, c->t_key + lk->cfg.digit_timeout_ms)) {
        entry_reset(c); /* lk_poll normally drops it first */
    }
    if (key != '#' && key != '*' && (key < '0' || key > '9')) {
        return LK_ERR_INVAL;
    }
    c->t_key = now;
    if (key == '#') {
        /* A grant now could not move the bolt, and a one-time credential
         * would be spent for nothing: keep the entry for another '#'. */
        return lk_act_busy(lk, now) ? LK_ERR_BUSY : enter(lk, now);
    }
    flags = c->entry_flags;
    if (key == '*') {
        entry_reset(c); /* cancel */
#if LK_WITH_OFFLINE
        if (!(flags & ENTRY_STARTED)) {
            c->entry_flags = ENTRY_STARTED | ENTRY_OFFLINE;
        }
#endif
        return LK_VERDICT_NONE;
    }
    c->entry_flags = (uint8_t)(flags | ENTRY_STARTED);
    if (flags & ENTRY_OVERLONG) {
        return LK_ERR_RANGE;
    }
    if (c->n >= ((flags & ENTRY_OFFLINE) ? OFFLINE_DIGITS : lk->cfg.keypad_max_digits)) {
        return overlong(lk, now);
    }
    c->entry[c->n++] = (uint8_t)key;
    return LK_VERDICT_NONE;
}

int lk_cred_present(struct lk_lock *lk, int type, const uint8_t *data, size_t len)
{
#if LK_WITH_PRESENTED
    uint32_t now;
    uint8_t source;
    int rc = ready(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if ((unsigned)type - LK_CRED_RFID > (unsigned)(LK_CRED_FACE - LK_CRED_RFID)) {
        return LK_ERR_NOTSUP; /* RFID, FINGERPRINT, FINGER_VEIN, FACE only */
    }
    if (data == NULL) {
        return LK_ERR_INVAL;
    }
    if (len < 1u || len > LK_CRED_DATA_MAX) {
        return LK_ERR_RANGE;
    }
    source = (type == LK_CRED_RFID) ? LK_SRC_RFID : LK_SRC_BIOMETRIC;
    now = lk->port->now_ms(lk->port->ctx);
    if (lk_locked_out(lk, (uint8_t)type)) {
        return lk_refuse_locked(lk, now, source);
    }
    if (lk_act_busy(lk, now)) {
        return LK_ERR_BUSY;
    }
    return present(lk, now, (uint8_t)type, source, data, len);
#else
    (void)type;
    (void)data;
    (void)len;
    return stripped(lk);
#endif
}

#if LK_WITH_TOKENS

int lk_token_challenge(struct lk_lock *lk, uint8_t challenge[16])
{
    struct lk_cred *c;
    int rc = ready(lk);

    if (rc != LK_OK || challenge == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    c = &lk->cred;
    if (lk->port->entropy == NULL) {
        return LK_ERR_NOTSUP;
    }
    c->chal_open = 0;
    rc = lk->port->entropy(lk->port->ctx, c->chal, CHAL_BYTES);
    if (rc != LK_OK) {
        return (rc < 0) ? rc : LK_ERR_RANGE;
    }
    c->chal_open = 1;
    c->t_chal = lk->port->now_ms(lk->port->ctx);
    lk_copy(challenge, c->chal, CHAL_BYTES);
    return LK_OK;
}

int lk_token_check(struct lk_lock *lk, uint16_t cred, const uint8_t *nonce,
                   const uint8_t mac[32], int open)
{
    struct lk_cred *c = &lk->cred;
    uint8_t key[LK_SHA256_BYTES];
    int ok;

    lk_token_derive(lk, cred, nonce, key);
    /* the message, challenge || cred big-endian, in place after the challenge */
    c->chal[CHAL_BYTES] = (uint8_t)(cred >> 8);
    c->chal[CHAL_BYTES + 1u] = (uint8_t)cred;
    lk_hmac_sha256(key, sizeof key, c->chal, CHAL_BYTES + 2u, key); /* out may be key */
    ok = lk_ct_equal(key, mac, sizeof key) & open;
    lk_wipe(key, sizeof key);
    lk_wipe(c->chal, sizeof c->chal);
    return ok;
}

int lk_token_response(struct lk_lock *lk, uint16_t cred, const uint8_t mac[32])
{
    struct lk_cred *c;
    uint32_t now;
    uint8_t user = 0;
    int open;
    int ok = 0;
    int rc = ready(lk);

    if (rc != LK_OK || mac == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    if (cred >= LK_CREDS_MAX) {
        return LK_ERR_RANGE;
    }
    c = &lk->cred;
    now = lk->port->now_ms(lk->port->ctx);
    if (lk_locked_out(lk, LK_CRED_REMOTE_TOKEN)) {
        c->chal_open = 0;
        return lk_refuse_locked(lk, now, LK_SRC_REMOTE);
    }
    if (lk_act_busy(lk, now)) {
        return LK_ERR_BUSY; /* the challenge stays open for another try */
    }
    open = c->chal_open && !lk_time_reached(now, c->t_chal + LK_TOKEN_CHALLENGE_MS);
    c->chal_open = 0; /* one response per challenge: a replay finds none */
    rc = lk_fail_begin(lk, now, 1);
    if (rc == LK_OK) {
        uint8_t nonce[DIGEST_BYTES];

        rc = lk_token_record(lk, cred, nonce, &user);
        ok = lk_token_check(lk, cred, nonce, mac, open) & (rc == LK_OK);
        lk_wipe(nonce, sizeof nonce);
    }
    if (rc != LK_OK && rc != LK_ERR_NOENT && rc != LK_ERR_CORRUPT) {
        return rc;
    }
    if (rc == LK_ERR_CORRUPT) {
        lk_emit(lk, now, LK_OP_ALARM, LK_SRC_REMOTE, LK_REASON_STORE_CORRUPT, LK_INDEX_NONE,
                cred);
    }
    if (!ok) {
        lk_fail_end(lk, now, 0, LK_SRC_REMOTE);
        return lk_deny(lk, now, LK_SRC_REMOTE, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE,
                       cred);
    }
    rc = lk_decide(lk, now, LK_SRC_REMOTE, LK_CRED_REMOTE_TOKEN, user, cred);
    if (rc == LK_VERDICT_GRANTED) {
        rc = lk_grant(lk, now, LK_SRC_REMOTE, user, cred);
    }
    lk_fail_end(lk, now, lk_verdict_opened(rc), LK_SRC_REMOTE);
    return rc;
}

#else /* !LK_WITH_TOKENS */

/* NOLINTNEXTLINE(readability-non-const-parameter): the public signature */
int lk_token_challenge(struct lk_lock *lk, uint8_t challenge[16])
{
    (void)challenge;
    return stripped(lk);
}

int lk_token_response(struct lk_lock *lk, uint16_t cred, const uint8_t mac[32])
{
    (void)cred;
    (void)mac;
    return stripped(lk);
}

#endif /* LK_WITH_TOKENS */

/* Entry timeout, challenge lifetime, dual/tri window, lockout end. */
void lk_cred_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_cred *c = &lk->cred;

    if ((c->entry_flags | c->chal_open | c->pend_n | c->locked) == 0u) {
        return; /* idle */
    }
    if (c->entry_flags & ENTRY_STARTED) {
        uint32_t until = c->t_key + lk->cfg.digit_timeout_ms;

        if (lk_time_reached(now, until)) {
            entry_reset(c); /* abandoned: nothing was checked, nothing counted */
        } else {
            lk_deadline_want(dl, until);
        }
    }
#if LK_WITH_TOKENS
    if (c->chal_open) {
        uint32_t until = c->t_chal + LK_TOKEN_CHALLENGE_MS;

        if (lk_time_reached(now, until)) {
            c->chal_open = 0;
            lk_wipe(c->chal, sizeof c->chal);
        } else {
            lk_deadline_want(dl, until);
        }
    }
#endif
    if (c->pend_n != 0u) {
        uint32_t until = c->t_pend + lk->cfg.multi_window_ms;

        if (lk_time_reached(now, until)) {
            c->pend_n = 0;
        } else {
            lk_deadline_want(dl, until);
        }
    }
    lk_lockout_poll(lk, now, dl);
}
