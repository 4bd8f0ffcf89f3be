/*
 * cred: managing users and credentials (enrolment, deletion, lookup), the
 * operating mode and the keys handed out to apps.
 */
#include "cred_internal.h"

/* Contract in cred_internal.h (cred_input.c may use it too). */
int lk_cred_args(const struct lk_lock *lk, const void *ptr, unsigned idx, unsigned n)
{
    int rc = lk_check(lk);

    if (rc == LK_OK && !lk->cred.key_ok) {
        rc = LK_ERR_NOTSUP;
    }
    if (rc == LK_OK && ptr == NULL) {
        rc = LK_ERR_INVAL;
    }
    if (rc == LK_OK && idx >= n) {
        rc = LK_ERR_RANGE;
    }
    return rc;
}

#if !LK_WITH_TOKENS || !LK_WITH_OFFLINE
/* A stripped feature's entry point: the lock checked, then LK_ERR_NOTSUP. */
static int stripped(const struct lk_lock *lk)
{
    int rc = lk_check(lk);

    return (rc != LK_OK) ? rc : LK_ERR_NOTSUP;
}
#endif

/* User record into v (USER_BYTES and its MAC), checked. */
static int user_read(struct lk_lock *lk, unsigned user, uint8_t *v)
{
    return lk_rec_read(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES);
}

/* ---- live-record bitmaps ---- */

#define BITS_MAX ((LK_CREDS_MAX > LK_USERS_MAX) ? LK_CREDS_MAX : LK_USERS_MAX)

/* What a scan marks: every live record, the credentials of the user in
 * want[CRED_USER], or those with want's secret class and digest. */
#define SCAN_LIVE 0u
#define SCAN_USER 1u
#define SCAN_SAME 2u

struct scan {
    uint16_t base;
    uint8_t what;        /* SCAN_* */
    const uint8_t *want; /* a credential record value to compare with */
    uint8_t map[(BITS_MAX + 7u) / 8u];
};

/* PROGRAMMING_PIN shares PIN's secrets (the digest class). */
static unsigned cls(unsigned type)
{
    return (type == LK_CRED_PROGRAMMING_PIN) ? (unsigned)LK_CRED_PIN : type;
}

/* Bit of every key whose latest value is what s->what looks for. */
static void scan_rec(void *ctx, uint16_t key, const uint8_t *val, uint8_t len)
{
    struct scan *s = ctx;
    const uint8_t *w = s->want;
    unsigned i = (unsigned)key - s->base;
    unsigned m = 1u << (i & 7u);
    int hit = val != NULL;

    if (hit && s->what != SCAN_LIVE) {
        hit = len == CRED_BYTES + MAC_BYTES &&
              ((s->what == SCAN_USER)
                   ? val[CRED_USER] == w[CRED_USER]
                   : (cls(val[CRED_TYPE]) == cls(w[CRED_TYPE]) &&
                      lk_ct_equal(val + CRED_DIGEST, w + CRED_DIGEST, DIGEST_BYTES)));
    }
    if (hit) {
        s->map[i >> 3] |= (uint8_t)m;
    } else {
        s->map[i >> 3] &= (uint8_t)~m;
    }
}

/* Mark keys base..base + n - 1 as what asks (s->want set by the caller). */
static int scan_keys(struct lk_lock *lk, struct scan *s, unsigned what, unsigned base,
                     unsigned n)
{
    lk_fill(s->map, 0, sizeof s->map);
    s->base = (uint16_t)base;
    s->what = (uint8_t)what;
    return lk_store_scan(lk, (uint16_t)base, (uint16_t)(base + n - 1u), scan_rec, s);
}

static unsigned bit(const struct scan *s, unsigned i)
{
    return ((uint32_t)s->map[i >> 3] >> (i & 7u)) & 1u;
}

/* Lowest index below n whose bit is b (n if none). */
static unsigned first(const struct scan *s, unsigned n, unsigned b)
{
    unsigned i = 0;

    while (i < n && bit(s, i) != b) {
        i++;
    }
    return i;
}

static void clear(struct scan *s, unsigned i)
{
    s->map[i >> 3] &= (uint8_t)~(1u << (i & 7u));
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
    uint8_t v[USER_BYTES + MAC_BYTES];
    struct scan s;
    uint32_t first_use = 0;
    int rc = lk_cred_args(lk, u, user, LK_USERS_MAX);

    if (rc != LK_OK) {
        return rc;
    }
    if (!user_valid(u)) {
        return LK_ERR_CONFIG;
    }
    if (user_read(lk, user, v) == LK_OK && v[0] == u->type) {
        first_use = lk_get32(v + 18);
    }
    /* The counters' and the mode's records (and the offline codes' state)
     * must exist whenever a user does: lk_cred_init treats their absence
     * next to users as tampering. Ones there but forged stay as they are
     * (it reported them). */
    rc = scan_keys(lk, &s, SCAN_LIVE, KEY_LOCKOUT, 2);
    if (rc == LK_OK && !bit(&s, KEY_LOCKOUT - KEY_LOCKOUT)) {
        rc = lk_lockout_save(lk);
    }
    if (rc == LK_OK && !bit(&s, KEY_MODE - KEY_LOCKOUT)) {
        v[0] = lk->cred.mode;
        rc = lk_rec_write(lk, KEY_MODE, v, 1);
    }
    if (rc == LK_OK) {
        rc = lk_offline_create(lk);
    }
    if (rc != LK_OK && rc != LK_ERR_CORRUPT) {
        return rc;
    }
    lk_user_encode(u, v);
    lk_put32(v + 18, first_use); /* kept by lockcore, not taken from u */
    return lk_rec_write(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES);
}

int lk_user_get(struct lk_lock *lk, uint16_t user, struct lk_user *out)
{
    uint8_t v[USER_BYTES + MAC_BYTES];
    int rc = lk_cred_args(lk, out, user, LK_USERS_MAX);

    if (rc == LK_OK) {
        rc = user_read(lk, user, v);
    }
    if (rc == LK_OK) {
        lk_user_decode(v, out);
    }
    return rc;
}

int lk_user_delete(struct lk_lock *lk, uint16_t user)
{
    struct scan s;
    uint8_t w[CRED_USER + 1u];
    unsigned i;
    int rc = lk_cred_args(lk, lk, user, LK_USERS_MAX);

    if (rc != LK_OK) {
        return rc;
    }
    w[CRED_USER] = (uint8_t)user;
    s.want = w;
    rc = scan_keys(lk, &s, SCAN_USER, KEY_CRED0, LK_CREDS_MAX);
    /* Credentials first: a cut part-way leaves the user with fewer. */
    while (rc == LK_OK && (i = first(&s, LK_CREDS_MAX, 1)) < LK_CREDS_MAX) {
        clear(&s, i);
        rc = lk_store_del(lk, (uint16_t)(KEY_CRED0 + i));
    }
    return (rc == LK_OK) ? lk_store_del(lk, (uint16_t)(KEY_USER0 + user)) : rc;
}

/* ---- credentials ---- */

/* A PIN: digits only, pin_min_len..pin_max_len, and not weak: weak is every
 * step (a digit minus the one before, mod 10) equal to the first step, and
 * that 0 (one digit repeated), 1 (a run up) or 9 (a run down). */
static int check_pin(const struct lk_lock *lk, const uint8_t *d, size_t len)
{
    unsigned prev = 0;
    unsigned step = 0;
    unsigned run = 1; /* every step so far equals the first */
    size_t i;

    if (len < lk->cfg.pin_min_len || len > lk->cfg.pin_max_len) {
        return LK_ERR_RANGE;
    }
    if (d == NULL) {
        return LK_ERR_INVAL;
    }
    for (i = 0; i < len; i++) {
        unsigned b = (unsigned)d[i] - (unsigned)'0';
        unsigned diff = b + 10u - prev; /* (b - prev) mod 10 for digits */

        if (b > 9u) {
            return LK_ERR_INVAL;
        }
        diff = (diff >= 10u) ? diff - 10u : diff;
        if (i == 1u) {
            step = diff;
        } else if (i != 0u && diff != step) {
            run = 0;
        }
        prev = b;
    }
    return (run && (step <= 1u || step == 9u)) ? LK_ERR_WEAK : LK_OK;
}

static int check_data(const struct lk_lock *lk, unsigned type, const uint8_t *data, size_t len)
{
    if (type <= LK_CRED_PIN) {
        return check_pin(lk, data, len);
    }
#if LK_WITH_PRESENTED
    if (type <= LK_CRED_FACE) {
        if (len < 1u || len > LK_CRED_DATA_MAX) {
            return LK_ERR_RANGE;
        }
        return (data == NULL) ? LK_ERR_INVAL : LK_OK;
    }
#endif
#if LK_WITH_TOKENS
    if (type == LK_CRED_REMOTE_TOKEN) {
        if (len != 0u) {
            return LK_ERR_RANGE;
        }
        return (lk->port->entropy == NULL) ? LK_ERR_NOTSUP : LK_OK;
    }
#endif
    return LK_ERR_NOTSUP;
}

int lk_cred_set(struct lk_lock *lk, uint16_t cred, int type, uint16_t user,
                const uint8_t *data, size_t len)
{
    /* The user's record, then the new credential's value with the whole
     * digest after its header (CRED_BYTES of it are stored). */
    uint8_t v[CRED_DIGEST + LK_SHA256_BYTES];
    struct scan s;
    int rc = lk_cred_args(lk, lk, cred, LK_CREDS_MAX);

    if (rc == LK_OK && user >= LK_USERS_MAX) {
        rc = LK_ERR_RANGE;
    }
    if (rc == LK_OK) {
        rc = check_data(lk, (unsigned)type, data, len);
    }
    if (rc == LK_OK) {
        rc = user_read(lk, user, v);
    }
    if (rc != LK_OK) {
        return rc;
    }
    v[CRED_TYPE] = (uint8_t)type;
    v[CRED_USER] = (uint8_t)user;
    v[CRED_LEN] = (uint8_t)len;
    v[3] = 0;
#if LK_WITH_TOKENS
    if (type == LK_CRED_REMOTE_TOKEN) {
        rc = lk->port->entropy(lk->port->ctx, v + CRED_DIGEST, DIGEST_BYTES);
        rc = (rc > 0) ? LK_ERR_RANGE : rc;
    } else
#endif
    {
        /* A secret is enrolled once per class: refuse it under another index. */
        lk_cred_digest(lk, (uint8_t)type, data, len, v + CRED_DIGEST);
        s.want = v;
        rc = scan_keys(lk, &s, SCAN_SAME, KEY_CRED0, LK_CREDS_MAX);
        clear(&s, cred);
        if (rc == LK_OK && first(&s, LK_CREDS_MAX, 1) < LK_CREDS_MAX) {
            rc = LK_ERR_EXIST;
        }
    }
    if (rc == LK_OK) {
        rc = lk_rec_write(lk, (uint16_t)(KEY_CRED0 + cred), v, CRED_BYTES);
    }
    lk_wipe(v, sizeof v);
    return rc;
}

int lk_cred_delete(struct lk_lock *lk, uint16_t cred)
{
    int rc = lk_cred_args(lk, lk, cred, LK_CREDS_MAX);

    return (rc == LK_OK) ? lk_store_del(lk, (uint16_t)(KEY_CRED0 + cred)) : rc;
}

int lk_cred_get(struct lk_lock *lk, uint16_t cred, uint8_t *type, uint16_t *user)
{
    uint8_t v[CRED_BYTES + MAC_BYTES];
    int rc = lk_cred_args(lk, (type != NULL) ? user : NULL, cred, LK_CREDS_MAX);

    if (rc == LK_OK) {
        rc = lk_rec_read(lk, (uint16_t)(KEY_CRED0 + cred), v, CRED_BYTES);
    }
    if (rc == LK_OK) {
        *type = v[CRED_TYPE];
        *user = v[CRED_USER];
    }
    lk_wipe(v, sizeof v);
    return rc;
}

int lk_free_index(struct lk_lock *lk, int what, uint16_t *index)
{
    struct scan s;
    unsigned n = (what == 0) ? LK_USERS_MAX : LK_CREDS_MAX;
    unsigned i;
    int rc = lk_cred_args(lk, index, (unsigned)what, 2u);

    if (rc == LK_OK) {
        rc = scan_keys(lk, &s, SCAN_LIVE, (what == 0) ? KEY_USER0 : KEY_CRED0, n);
    }
    if (rc != LK_OK) {
        return rc;
    }
    i = first(&s, n, 0);
    if (i >= n) {
        return LK_ERR_NOSPC;
    }
    *index = (uint16_t)i;
    return LK_OK;
}

/* ---- keys for apps ---- */

#if LK_WITH_TOKENS
static const uint8_t token_label[3] = { 'L', 'K', 'T' };

int lk_token_record(struct lk_lock *lk, uint16_t cred, uint8_t nonce[DIGEST_BYTES],
                    uint8_t *user)
{
    uint8_t v[CRED_BYTES + MAC_BYTES];
    int rc = lk_rec_read(lk, (uint16_t)(KEY_CRED0 + cred), v, CRED_BYTES);

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
    int rc = lk_cred_args(lk, key, cred, LK_CREDS_MAX);

    if (rc != LK_OK) {
        return rc;
    }
    rc = lk_token_record(lk, cred, nonce, &user);
    if (rc == LK_OK) {
        lk_token_derive(lk, cred, nonce, key);
    }
    lk_wipe(nonce, sizeof nonce);
    return rc;
}
#else
/* NOLINTNEXTLINE(readability-non-const-parameter): the public signature */
int lk_token_key(struct lk_lock *lk, uint16_t cred, uint8_t key[32])
{
    (void)cred;
    (void)key;
    return stripped(lk);
}
#endif

/* NOLINTNEXTLINE(readability-non-const-parameter): the public signature */
int lk_offline_key(struct lk_lock *lk, uint8_t key[32])
{
#if LK_WITH_OFFLINE
    static const char label[] = "lockcore offline key v1";
    int rc = lk_cred_args(lk, key, 0, 1);

    if (rc == LK_OK) {
        lk_hmac_sha256(lk->cred.key, sizeof lk->cred.key, label, sizeof label - 1u, key);
    }
    return rc;
#else
    (void)key;
    return stripped(lk);
#endif
}

/* ---- settings ---- */

int lk_set_mode(struct lk_lock *lk, int mode)
{
    int rc = lk_cred_args(lk, lk, (unsigned)mode, LK_MODE_COUNT_);

    if (rc == LK_OK) {
        uint8_t v[1u + MAC_BYTES];

        v[0] = (uint8_t)mode;
        rc = lk_rec_write(lk, KEY_MODE, v, 1);
    }
    if (rc == LK_OK) {
        lk->cred.mode = (uint8_t)mode;
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

    if (rc == LK_OK && (unsigned)offset_min + 720u > 720u + 840u) {
        rc = LK_ERR_RANGE;
    }
    if (rc == LK_OK) {
        lk->cred.tz_min = (int16_t)offset_min;
    }
    return rc;
}

int lk_lockout_info(const struct lk_lock *lk, struct lk_lockout_info *out)
{
    const struct lk_cred *c;
    uint32_t next;
    int rc = lk_check(lk);

    if (rc == LK_OK && out == NULL) {
        rc = LK_ERR_INVAL;
    }
    if (rc != LK_OK) {
        return rc;
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
