/*
 * offline: codes an owner's app makes without a connection to the lock.
 * The algorithm is specified in docs/offline-codes.md; this file follows it
 * step by step.
 */
#include "cred_internal.h"

#define KIND_ONE_TIME 1u
#define KIND_DAILY 2u
#define KIND_UNTIL 3u
#define KIND_CLEAR 9u
#define CODE_DIGITS 14u

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* The persisted state (KEY_OFFLINE). */
struct offline_state {
    uint32_t epoch;
    uint32_t high_s; /* latest wall time seen at an offline code */
    uint32_t floor;  /* one-time codes with id <= floor count as used (0: none) */
    uint8_t n;
    uint32_t used[LK_OFFLINE_USED_MAX]; /* id = hour index * 16 + S */
};

static void st_encode(const struct offline_state *s, uint8_t *v)
{
    size_t i; /* 4u * i below is a pointer offset */

    lk_put32(v, s->epoch);
    lk_put32(v + 4, s->high_s);
    lk_put32(v + 8, s->floor);
    v[12] = s->n;
    for (i = 0; i < LK_OFFLINE_USED_MAX; i++) {
        lk_put32(v + 13 + 4u * i, s->used[i]);
    }
}

static void st_decode(const uint8_t *v, struct offline_state *s)
{
    size_t i; /* 4u * i below is a pointer offset */

    s->epoch = lk_get32(v);
    s->high_s = lk_get32(v + 4);
    s->floor = lk_get32(v + 8);
    s->n = (uint8_t)((v[12] <= LK_OFFLINE_USED_MAX) ? v[12] : LK_OFFLINE_USED_MAX);
    for (i = 0; i < LK_OFFLINE_USED_MAX; i++) {
        s->used[i] = lk_get32(v + 13 + 4u * i);
    }
}

static int st_load(struct lk_lock *lk, struct offline_state *s)
{
    uint8_t v[OFFLINE_BYTES];
    int rc = lk_rec_get(lk, KEY_OFFLINE, v, OFFLINE_BYTES);

    lk_fill((uint8_t *)s, 0, sizeof *s);
    if (rc == LK_OK) {
        st_decode(v, s);
    }
    return rc;
}

static int st_save(struct lk_lock *lk, const struct offline_state *s)
{
    uint8_t v[OFFLINE_BYTES];

    st_encode(s, v);
    return lk_rec_set(lk, KEY_OFFLINE, v, OFFLINE_BYTES);
}

int lk_offline_mount(struct lk_lock *lk, int users)
{
    struct offline_state s;
    int rc = st_load(lk, &s);

    if (rc == LK_ERR_NOENT && users) {
        rc = LK_ERR_CORRUPT; /* it exists whenever a user does: cut out */
    }
    if (rc == LK_ERR_CORRUPT) {
        lk->cred.offline_bad = 1;
    }
    return (rc == LK_ERR_NOENT || rc == LK_ERR_CORRUPT) ? LK_OK : rc;
}

int lk_offline_create(struct lk_lock *lk)
{
    struct offline_state s;
    int rc;

    if (lk->cred.offline_bad) {
        return LK_OK; /* found cut out or forged: lk_offline_reset makes it anew */
    }
    rc = st_load(lk, &s);
    if (rc == LK_ERR_NOENT) {
        rc = st_save(lk, &s);
    }
    return (rc == LK_ERR_CORRUPT) ? LK_OK : rc;
}

/* The six MAC digits for epoch, the 8 kind+parameter digits and the value
 * the lock resolved them to (so a truncated field that wraps around to
 * another hour or day fails the MAC instead of reviving a code). */
static uint32_t code_mac(const struct lk_lock *lk, uint32_t epoch, const uint8_t *kp,
                         uint32_t resolved)
{
    static const char label[] = "lockcore offline key v1";
    uint8_t k[LK_SHA256_BYTES];
    uint8_t msg[20];
    uint8_t out[LK_SHA256_BYTES];
    uint32_t m;

    lk_hmac_sha256(lk->cred.key, sizeof lk->cred.key, label, sizeof label - 1u, k);
    msg[0] = 'L';
    msg[1] = 'K';
    msg[2] = 'O';
    msg[3] = 'C';
    put32be(msg + 4, epoch);
    lk_copy(msg + 8, kp, 8);
    put32be(msg + 16, resolved);
    lk_hmac_sha256(k, sizeof k, msg, sizeof msg, out);
    m = get32be(out) % 1000000u;
    lk_wipe(k, sizeof k);
    lk_wipe(out, sizeof out);
    return m;
}

static uint32_t number(const uint8_t *d, unsigned n)
{
    uint32_t v = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        v = v * 10u + (uint32_t)(d[i] - '0');
    }
    return v;
}

/* x with x mod m == r nearest to c (c - m/2 <= x < c + m/2), not below 0. */
static uint32_t resolve(uint32_t c, uint32_t r, uint32_t m)
{
    uint32_t half = m / 2u;
    uint32_t base = (c >= half) ? c - half : 0u;

    return base + (r + m - base % m) % m;
}

static unsigned kind_of(const uint8_t *d)
{
    return (unsigned)(d[0] - '0');
}

/* 1 if the kind and its parameters are well formed. */
static int well_formed(const uint8_t *d)
{
    uint32_t aa = number(d + 1, 2);
    uint32_t bb = number(d + 3, 2);

    switch (kind_of(d)) {
    case KIND_ONE_TIME:
    case KIND_UNTIL:
    case KIND_CLEAR: return 1;
    case KIND_DAILY: return aa < bb && bb <= 24u;
    default: return 0;
    }
}

static uint32_t local_s(const struct lk_lock *lk, uint32_t t)
{
    return t + (uint32_t)(lk->cred.tz_min * 60); /* modulo 2^32: adds a negative too */
}

/* The full hour (kinds 1, 9, 3) or local day (kind 2) the code names, as
 * resolved at wall time t (docs/offline-codes.md step 3). */
static uint32_t resolved(const struct lk_lock *lk, const uint8_t *d, uint32_t t)
{
    switch (kind_of(d)) {
    case KIND_DAILY: return resolve(local_s(lk, t) / 86400u, number(d + 5, 3), 1000u);
    case KIND_UNTIL: return number(d + 1, 7);
    default: return resolve(t / 3600u, number(d + 1, 6), 1000000u);
    }
}

/* 1 if the code's window holds at wall time t (step 5). Compared in whole
 * hours where that is exact, so nothing overflows. */
static int in_window(const struct lk_lock *lk, const uint8_t *d, uint32_t r, uint32_t t)
{
    uint32_t drift = lk->cfg.offline_drift_s;
    uint32_t valid = lk->cfg.offline_otc_valid_s + drift;

    switch (kind_of(d)) {
    case KIND_DAILY: {
        uint32_t minute = (local_s(lk, t) % 86400u) / 60u;

        return local_s(lk, t - drift) / 86400u <= r &&
               minute + drift / 60u >= number(d + 1, 2) * 60u &&
               minute < number(d + 3, 2) * 60u + drift / 60u;
    }
    case KIND_UNTIL:
        return t < drift || (t - drift) / 3600u < r;
    default: /* 3600 r - drift <= t < 3600 r + otc_valid_s + drift */
        return (t + drift) / 3600u >= r && (t < valid || (t - valid) / 3600u < r);
    }
}

/* Record one-time code id as used; 0 if it already was. Every name in the
 * list stays above the floor, and the floor never goes down. */
static int mark_used(struct offline_state *s, uint32_t id)
{
    unsigned i;
    unsigned low = 0;

    if (id <= s->floor) {
        return 0;
    }
    for (i = 0; i < s->n; i++) {
        if (s->used[i] == id) {
            return 0;
        }
        if (s->used[i] < s->used[low]) {
            low = i;
        }
    }
    if (s->n < LK_OFFLINE_USED_MAX) {
        s->used[s->n++] = id;
    } else if (id < s->used[low]) {
        s->floor = id; /* the oldest name of all: the floor covers it */
    } else {
        s->floor = s->used[low];
        s->used[low] = id;
    }
    return 1;
}

void lk_offline_mac(const struct lk_lock *lk, uint32_t epoch, const uint8_t *digits, uint32_t r,
                    uint32_t *ok0, uint32_t *ok1)
{
    uint32_t m = number(digits + 8, 6);

    *ok0 = (uint32_t)(m == code_mac(lk, epoch, digits, r));
    *ok1 = (uint32_t)(m == code_mac(lk, epoch + 1u, digits, r));
}

/* Deny a genuine code (it stays counted: only an opening resets). */
static int refuse(struct lk_lock *lk, uint32_t now, const struct offline_state *s, uint16_t cred)
{
    int rc = st_save(lk, s);

    (void)lk_deny(lk, now, LK_SRC_KEYPAD, LK_REASON_RESTRICTED, LK_INDEX_NONE, cred);
    lk_fail_end(lk, now, 0, LK_SRC_KEYPAD);
    return (rc == LK_OK) ? LK_VERDICT_DENIED : rc;
}

int lk_offline_enter(struct lk_lock *lk, uint32_t now, const uint8_t *digits, uint8_t n)
{
    struct offline_state s;
    const uint8_t src = LK_SRC_KEYPAD;
    uint16_t cred;
    uint32_t t;
    uint32_t r;
    uint32_t ok0;
    uint32_t ok1;
    unsigned kind;
    int rc;

    if (!lk_wall_now(lk, now, &t)) {
        return lk_deny(lk, now, src, LK_REASON_RESTRICTED, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    rc = st_load(lk, &s);
    if (rc != LK_OK && !(rc == LK_ERR_NOENT && !lk->cred.offline_bad)) {
        if (rc < 0 && rc != LK_ERR_NOENT && rc != LK_ERR_CORRUPT) {
            return rc;
        }
        /* State cut out of the image or forged: replays cannot be ruled
         * out, so no offline code opens until lk_offline_reset. */
        return lk_deny(lk, now, src, LK_REASON_RESTRICTED, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    rc = lk_fail_begin(lk, now, 1);
    if (rc != LK_OK) {
        return rc;
    }
    if (t < s.high_s) {
        t = s.high_s; /* a clock set back does not revive a code */
    }
    if (n != CODE_DIGITS || !well_formed(digits)) {
        ok0 = 0;
        ok1 = 0;
        r = 0;
    } else {
        r = resolved(lk, digits, t);
        lk_offline_mac(lk, s.epoch, digits, r, &ok0, &ok1);
    }
    if ((ok0 | ok1) == 0u) {
        lk_fail_end(lk, now, 0, src);
        return lk_deny(lk, now, src, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    kind = kind_of(digits);
    cred = (uint16_t)(LK_CRED_OFFLINE_BASE + kind);
    if (!ok0) {
        /* Made after a clear code this lock never saw: catch up. */
        s.epoch += 1u;
        s.n = 0;
        s.floor = 0;
    }
    s.high_s = t;
    if (kind != KIND_CLEAR &&
        (lk->cred.mode == LK_MODE_PRIVACY || lk->cred.mode == LK_MODE_VACATION)) {
        return refuse(lk, now, &s, cred);
    }
    if (!in_window(lk, digits, r, t) ||
        (kind == KIND_ONE_TIME && !mark_used(&s, r * 16u + (uint32_t)(digits[7] - '0')))) {
        return refuse(lk, now, &s, cred);
    }
    if (kind == KIND_CLEAR) {
        s.epoch += 1u;
        s.n = 0;
        s.floor = 0;
    }
    /* Saved before the door opens: a cut cannot make a used code new. */
    rc = st_save(lk, &s);
    if (rc != LK_OK) {
        lk_emit(lk, now, LK_OP_DENIED, src, LK_REASON_PORT_ERROR, LK_INDEX_NONE, cred);
        return rc;
    }
    if (kind == KIND_CLEAR) {
        lk_emit(lk, now, LK_OP_STATE, src, LK_REASON_OFFLINE_CLEARED, LK_INDEX_NONE, cred);
        lk_indicate(lk, LK_IND_GRANTED);
        rc = LK_VERDICT_CLEARED;
    } else {
        rc = lk_grant(lk, now, src, LK_INDEX_NONE, cred);
    }
    lk_fail_end(lk, now, lk_verdict_opened(rc), src);
    return rc;
}

int lk_offline_reset(struct lk_lock *lk, uint32_t epoch)
{
    struct offline_state s;
    uint32_t wall = 0;
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (!lk->cred.key_ok) {
        return LK_ERR_NOTSUP;
    }
    if (!lk_wall_now(lk, lk->port->now_ms(lk->port->ctx), &wall)) {
        return LK_ERR_AGAIN;
    }
    lk_fill((uint8_t *)&s, 0, sizeof s);
    s.epoch = epoch;
    /* Every one-time code that could have been used by now (drift
     * included) counts as used: the old list is lost. */
    s.high_s = wall;
    s.floor = ((wall + lk->cfg.offline_drift_s) / 3600u) * 16u + 15u;
    rc = st_save(lk, &s);
    if (rc == LK_OK) {
        lk->cred.offline_bad = 0;
    }
    return rc;
}
