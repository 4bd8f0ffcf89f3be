/*
 * cred: managing users and credentials (enrolment, deletion, lookup), the
 * operating mode and the keys handed out to apps.
 */
#include "cred_internal.h"

/* LK_OK if the credential engine can be used. */
static int ready(const struct lk_lock *lk)
{
    int rc = lk_check(lk);

    if (rc == LK_OK && !lk->cred.key_ok) {
        rc = LK_ERR_NOTSUP;
    }
    return rc;
}

/* ---- live-record bitmaps ---- */

#define BITS_MAX ((LK_CREDS_MAX > LK_USERS_MAX) ? LK_CREDS_MAX : LK_USERS_MAX)

struct bits {
    uint16_t base;
    int (*pred)(const struct bits *b, const uint8_t *val, uint8_t len);
    const uint8_t *want; /* what pred compares with */
    uint8_t map[(BITS_MAX + 7u) / 8u];
};

/* Bit of every key whose latest value satisfies pred. */
static void bits_rec(void *ctx, uint16_t key, const uint8_t *val, uint8_t len)
{
    struct bits *b = ctx;
    unsigned i = (unsigned)(key - b->base);
    uint8_t m = (uint8_t)(1u << (i & 7u));

    if (val != NULL && b->pred(b, val, len)) {
        b->map[i >> 3] |= m;
    } else {
        b->map[i >> 3] &= (uint8_t)~m;
    }
}

static int bits_scan(struct lk_lock *lk, struct bits *b, uint16_t base, unsigned count)
{
    lk_fill(b->map, 0, sizeof b->map);
    b->base = base;
    return lk_store_scan(lk, base, (uint16_t)(base + count - 1u), bits_rec, b);
}

static int bit(const struct bits *b, unsigned i)
{
    return (b->map[i >> 3] >> (i & 7u)) & 1;
}

static int pred_any(const struct bits *b, const uint8_t *val, uint8_t len)
{
    (void)b;
    (void)val;
    (void)len;
    return 1;
}

static int pred_user(const struct bits *b, const uint8_t *val, uint8_t len)
{
    return len == CRED_BYTES + MAC_BYTES && val[CRED_USER] == b->want[0];
}

/* Same secret class and digest (want: type, digest). */
static int pred_same(const struct bits *b, const uint8_t *val, uint8_t len)
{
    uint8_t t = val[CRED_TYPE];
    uint8_t w = b->want[0];

    if (t == LK_CRED_PROGRAMMING_PIN) {
        t = LK_CRED_PIN;
    }
    return len == CRED_BYTES + MAC_BYTES && t == w &&
           lk_ct_equal(val + CRED_DIGEST, b->want + 1, DIGEST_BYTES);
}

/* ---- users ---- */

static int user_valid(const struct lk_user *u)
{
    return u->type < LK_USER_TYPE_COUNT_ && u->enabled <= 1u && u->rule <= LK_RULE_TRI &&
           u->week_days <= 0x7Fu &&
           (u->week_days == 0u ||
            (u->week_start_min < u->week_end_min && u->week_end_min <= 1440u)) &&
           (u->year_end_s == 0u || u->year_start_s < u->year_end_s) &&
           u->expiring_min <= 2880u &&
           (u->type != LK_USER_EXPIRING || u->expiring_min >= 1u);
}

int lk_user_set(struct lk_lock *lk, uint16_t user, const struct lk_user *u)
{
    uint8_t v[USER_BYTES];
    struct lk_user keep;
    struct lk_user old;
    int rc = ready(lk);

    if (rc != LK_OK || u == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    keep = *u;
    if (user >= LK_USERS_MAX) {
        return LK_ERR_RANGE;
    }
    if (!user_valid(u)) {
        return LK_ERR_CONFIG;
    }
    keep.first_use_s = 0;
    if (lk_rec_get(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES) == LK_OK) {
        lk_user_decode(v, &old);
        if (old.type == u->type) {
            keep.first_use_s = old.first_use_s;
        }
    }
    /* The counters' record must exist whenever a user does (lk_cred_init
     * treats its absence next to users as tampering). */
    rc = lk_rec_get(lk, KEY_LOCKOUT, v, LOCKOUT_BYTES);
    if (rc == LK_ERR_NOENT) {
        rc = lk_lockout_save(lk);
    }
    if (rc == LK_OK || rc == LK_ERR_CORRUPT) {
        rc = lk_offline_create(lk);
    }
    if (rc == LK_OK && lk_rec_get(lk, KEY_MODE, v, 1) == LK_ERR_NOENT) {
        v[0] = lk->cred.mode;
        rc = lk_rec_set(lk, KEY_MODE, v, 1);
    }
    if (rc != LK_OK && rc != LK_ERR_CORRUPT) {
        return rc;
    }
    lk_user_encode(&keep, v);
    return lk_rec_set(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES);
}

int lk_user_get(struct lk_lock *lk, uint16_t user, struct lk_user *out)
{
    uint8_t v[USER_BYTES];
    int rc = ready(lk);

    if (rc != LK_OK || out == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    if (user >= LK_USERS_MAX) {
        return LK_ERR_RANGE;
    }
    rc = lk_rec_get(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES);
    if (rc == LK_OK) {
        lk_user_decode(v, out);
    }
    return rc;
}

int lk_user_delete(struct lk_lock *lk, uint16_t user)
{
    struct bits b;
    uint8_t who = (uint8_t)user;
    unsigned i;
    int rc = ready(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (user >= LK_USERS_MAX) {
        return LK_ERR_RANGE;
    }
    b.pred = pred_user;
    b.want = &who;
    rc = bits_scan(lk, &b, KEY_CRED0, LK_CREDS_MAX);
    /* Credentials first: a cut part-way leaves the user with fewer. */
    for (i = 0; rc == LK_OK && i < LK_CREDS_MAX; i++) {
        if (bit(&b, i)) {
            rc = lk_store_del(lk, (uint16_t)(KEY_CRED0 + i));
        }
    }
    return (rc == LK_OK) ? lk_store_del(lk, (uint16_t)(KEY_USER0 + user)) : rc;
}

/* ---- credentials ---- */

/* 1 if the digits are one repeated or a straight run up or down (mod 10). */
static int pin_weak(const uint8_t *d, size_t n)
{
    int same = 1;
    int up = 1;
    int down = 1;
    size_t i;

    for (i = 1; i < n; i++) {
        unsigned a = (unsigned)(d[i - 1] - '0');
        unsigned b = (unsigned)(d[i] - '0');

        same &= (a == b);
        up &= (b == (a + 1u) % 10u);
        down &= (a == (b + 1u) % 10u);
    }
    return same || up || down;
}

static int check_data(const struct lk_lock *lk, int type, const uint8_t *data, size_t len)
{
    size_t i;

    switch (type) {
    case LK_CRED_PROGRAMMING_PIN:
    case LK_CRED_PIN:
        if (len < lk->cfg.pin_min_len || len > lk->cfg.pin_max_len) {
            return LK_ERR_RANGE;
        }
        if (data == NULL) {
            return LK_ERR_INVAL;
        }
        for (i = 0; i < len; i++) {
            if (data[i] < '0' || data[i] > '9') {
                return LK_ERR_INVAL;
            }
        }
        return pin_weak(data, len) ? LK_ERR_WEAK : LK_OK;
    case LK_CRED_RFID:
    case LK_CRED_FINGERPRINT:
    case LK_CRED_FINGER_VEIN:
    case LK_CRED_FACE:
        if (len < 1u || len > LK_CRED_DATA_MAX) {
            return LK_ERR_RANGE;
        }
        return (data == NULL) ? LK_ERR_INVAL : LK_OK;
    case LK_CRED_REMOTE_TOKEN:
        if (len != 0u) {
            return LK_ERR_RANGE;
        }
        return (lk->port->entropy == NULL) ? LK_ERR_NOTSUP : LK_OK;
    default:
        return LK_ERR_NOTSUP;
    }
}

int lk_cred_set(struct lk_lock *lk, uint16_t cred, int type, uint16_t user,
                const uint8_t *data, size_t len)
{
    uint8_t v[USER_BYTES];
    uint8_t want[1u + LK_SHA256_BYTES];
    struct bits b;
    int rc = ready(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (cred >= LK_CREDS_MAX || user >= LK_USERS_MAX) {
        return LK_ERR_RANGE;
    }
    rc = check_data(lk, type, data, len);
    if (rc == LK_OK) {
        rc = lk_rec_get(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES);
    }
    if (rc != LK_OK) {
        return rc;
    }
    v[CRED_TYPE] = (uint8_t)type;
    v[CRED_USER] = (uint8_t)user;
    v[CRED_LEN] = (uint8_t)len;
    v[3] = 0;
    if (type == LK_CRED_REMOTE_TOKEN) {
        rc = lk->port->entropy(lk->port->ctx, v + CRED_DIGEST, DIGEST_BYTES);
        rc = (rc > 0) ? LK_ERR_RANGE : rc;
    } else {
        want[0] = (type == LK_CRED_PROGRAMMING_PIN) ? (uint8_t)LK_CRED_PIN : (uint8_t)type;
        lk_cred_digest(lk, (uint8_t)type, data, len, want + 1);
        lk_copy(v + CRED_DIGEST, want + 1, DIGEST_BYTES);
        b.pred = pred_same;
        b.want = want;
        rc = bits_scan(lk, &b, KEY_CRED0, LK_CREDS_MAX);
        if (rc == LK_OK) {
            unsigned i;

            for (i = 0; i < LK_CREDS_MAX; i++) {
                if (i != cred && bit(&b, i)) {
                    rc = LK_ERR_EXIST;
                }
            }
        }
        lk_wipe(want, sizeof want);
    }
    if (rc == LK_OK) {
        rc = lk_rec_set(lk, (uint16_t)(KEY_CRED0 + cred), v, CRED_BYTES);
    }
    lk_wipe(v, sizeof v);
    return rc;
}

int lk_cred_delete(struct lk_lock *lk, uint16_t cred)
{
    int rc = ready(lk);

    if (rc != LK_OK) {
        return rc;
    }
    return (cred < LK_CREDS_MAX) ? lk_store_del(lk, (uint16_t)(KEY_CRED0 + cred))
                                 : LK_ERR_RANGE;
}

int lk_cred_get(struct lk_lock *lk, uint16_t cred, uint8_t *type, uint16_t *user)
{
    uint8_t v[CRED_BYTES];
    int rc = ready(lk);

    if (rc != LK_OK || type == NULL || user == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    if (cred >= LK_CREDS_MAX) {
        return LK_ERR_RANGE;
    }
    rc = lk_rec_get(lk, (uint16_t)(KEY_CRED0 + cred), v, CRED_BYTES);
    if (rc == LK_OK) {
        *type = v[CRED_TYPE];
        *user = v[CRED_USER];
    }
    lk_wipe(v, sizeof v);
    return rc;
}

int lk_free_index(struct lk_lock *lk, int what, uint16_t *index)
{
    struct bits b;
    unsigned n = (what == 0) ? LK_USERS_MAX : LK_CREDS_MAX;
    unsigned i;
    int rc = ready(lk);

    if (rc != LK_OK || index == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    if (what != 0 && what != 1) {
        return LK_ERR_RANGE;
    }
    b.pred = pred_any;
    b.want = NULL;
    rc = bits_scan(lk, &b, (what == 0) ? KEY_USER0 : KEY_CRED0, n);
    for (i = 0; rc == LK_OK && i < n; i++) {
        if (!bit(&b, i)) {
            *index = (uint16_t)i;
            return LK_OK;
        }
    }
    return (rc == LK_OK) ? LK_ERR_NOSPC : rc;
}

/* ---- keys for apps ---- */

static const uint8_t token_label[3] = { 'L', 'K', 'T' };
static const char offline_label[] = "lockcore offline key v1";

int lk_token_record(struct lk_lock *lk, uint16_t cred, uint8_t nonce[DIGEST_BYTES],
                    uint8_t *user)
{
    uint8_t v[CRED_BYTES];
    int rc = lk_rec_get(lk, (uint16_t)(KEY_CRED0 + cred), v, CRED_BYTES);

    if (rc == LK_OK && v[CRED_TYPE] != LK_CRED_REMOTE_TOKEN) {
        rc = LK_ERR_NOENT;
    }
    if (rc != LK_OK) {
        lk_fill(v, 0, sizeof v);
    }
    *user = v[CRED_USER];
    lk_copy(nonce, v + CRED_DIGEST, DIGEST_BYTES);
    lk_wipe(v, sizeof v);
    return rc;
}

void lk_token_derive(const struct lk_lock *lk, uint16_t cred, const uint8_t *nonce,
                     uint8_t key[32])
{
    uint8_t idx[2];
    struct lk_hmac h;

    lk_put16(idx, cred);
    lk_hmac_init(&h, lk->cred.key, sizeof lk->cred.key);
    lk_hmac_update(&h, token_label, sizeof token_label);
    lk_hmac_update(&h, idx, sizeof idx);
    lk_hmac_update(&h, nonce, DIGEST_BYTES);
    lk_hmac_final(&h, key);
}

int lk_token_key(struct lk_lock *lk, uint16_t cred, uint8_t key[32])
{
    uint8_t nonce[DIGEST_BYTES];
    uint8_t user;
    int rc = ready(lk);

    if (rc != LK_OK || key == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    if (cred >= LK_CREDS_MAX) {
        return LK_ERR_RANGE;
    }
    rc = lk_token_record(lk, cred, nonce, &user);
    if (rc == LK_OK) {
        lk_token_derive(lk, cred, nonce, key);
    }
    lk_wipe(nonce, sizeof nonce);
    return rc;
}

int lk_offline_key(struct lk_lock *lk, uint8_t key[32])
{
    int rc = ready(lk);

    if (rc != LK_OK || key == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    lk_hmac_sha256(lk->cred.key, sizeof lk->cred.key, offline_label, sizeof offline_label - 1u,
                   key);
    return LK_OK;
}

/* ---- settings ---- */

int lk_set_mode(struct lk_lock *lk, int mode)
{
    uint8_t v;
    int rc = ready(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (mode < 0 || mode >= LK_MODE_COUNT_) {
        return LK_ERR_RANGE;
    }
    v = (uint8_t)mode;
    rc = lk_rec_set(lk, KEY_MODE, &v, 1);
    if (rc == LK_OK) {
        lk->cred.mode = v;
    }
    return rc;
}

int lk_get_mode(const struct lk_lock *lk)
{
    int rc = lk_check(lk);

    return (rc != LK_OK) ? rc : (int)lk->cred.mode;
}

int lk_set_time_zone(struct lk_lock *lk, int offset_min)
{
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (offset_min < -720 || offset_min > 840) {
        return LK_ERR_RANGE;
    }
    lk->cred.tz_min = (int16_t)offset_min;
    return LK_OK;
}

int lk_lockout_info(const struct lk_lock *lk, struct lk_lockout_info *out)
{
    const struct lk_cred *c;
    uint32_t next;
    int rc = lk_check(lk);

    if (rc != LK_OK || out == NULL) {
        return (rc != LK_OK) ? rc : LK_ERR_INVAL;
    }
    c = &lk->cred;
    next = lk_lockout_len(lk, (uint8_t)((c->tier < 255u) ? c->tier + 1u : 255u)) / 1000u;
    out->wrong_limit = lk->cfg.wrong_limit;
    out->disable_s_next = (uint8_t)((next > 255u) ? 255u : next);
    out->guesses = c->guesses;
    out->remaining_ms = 0;
    if (c->locked) {
        int32_t left = lk_time_diff(c->t_unlock, lk->port->now_ms(lk->port->ctx));

        out->remaining_ms = (left > 0) ? (uint32_t)left : 0u;
    }
    return LK_OK;
}
