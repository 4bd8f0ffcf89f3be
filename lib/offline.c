/*
 * offline: codes an owner's app makes without a connection to the lock.
 * The algorithm is specified in docs/offline-codes.md; this file follows it
 * step by step.
 */
#include "cred_internal.h"

/* Offset of the count of used names in the persisted state (KEY_OFFLINE). */
#define ST_N 12u

/* The state into v (all zeros unless LK_OK); v has room for the MAC. */
static int st_load(struct lk_lock *lk, uint8_t *v)
{
    int rc = lk_rec_read(lk, KEY_OFFLINE, v, OFFLINE_BYTES);

    if (rc != LK_OK) {
        lk_fill(v, 0, OFFLINE_BYTES);
    }
    if (v[ST_N] > LK_OFFLINE_USED_MAX) {
        v[ST_N] = LK_OFFLINE_USED_MAX;
    }
    return rc;
}

/* Save the state v (its MAC is filled in after it). */
static int st_save(struct lk_lock *lk, uint8_t *v)
{
    return lk_rec_write(lk, KEY_OFFLINE, v, OFFLINE_BYTES);
}

/* The state record exists once any user does, with or without offline codes
 * built in: a firmware that later builds them in must not find it cut out. */
int lk_offline_create(struct lk_lock *lk)
{
    uint8_t *v = lk->cred.work.rec;
    int rc;

    if (lk->cred.offline_bad) {
        return LK_OK; /* found cut out or forged: lk_offline_reset makes it anew */
    }
    rc = st_load(lk, v);
    if (rc == LK_ERR_NOENT) {
        rc = st_save(lk, v);
    }
    return (rc == LK_ERR_CORRUPT) ? LK_OK : rc;
}

#if LK_WITH_OFFLINE

#define KIND_ONE_TIME 1u
#define KIND_DAILY 2u
#define KIND_UNTIL 3u
#define KIND_CLEAR 9u
#define CODE_DIGITS 14u

/* The persisted state (KEY_OFFLINE), worked on in its encoded form: */
#define ST_EPOCH 0u   /* 32 bits */
#define ST_HIGH 4u    /* latest wall time seen at an offline code, 32 bits */
#define ST_FLOOR 8u   /* one-time codes with id <= floor count as used (0: none) */
/* ST_N 12u (above): used names that follow */
#define ST_USED 13u   /* LK_OFFLINE_USED_MAX x 32 bits: id = hour index * 16 + S */

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The epoch moves on: every earlier code is void, no name is used. */
static void next_epoch(uint8_t *v)
{
    lk_put32(v + ST_EPOCH, lk_get32(v + ST_EPOCH) + 1u);
    lk_fill(v + ST_FLOOR, 0, 5); /* floor and n */
}

int lk_offline_mount(struct lk_lock *lk, int users)
{
    uint8_t *v = lk->cred.work.rec;
    int rc = st_load(lk, v);

    if (rc == LK_ERR_NOENT && users) {
        rc = LK_ERR_CORRUPT; /* it exists whenever a user does: cut out */
    }
    if (rc == LK_ERR_CORRUPT) {
        lk->cred.offline_bad = 1;
    }
    return (rc == LK_ERR_NOENT || rc == LK_ERR_CORRUPT) ? LK_OK : rc;
}

/* The six MAC digits for epoch, the 8 kind+parameter digits and the value
 * the lock resolved them to (so a truncated field that wraps around to
 * another hour or day fails the MAC instead of reviving a code). Both
 * HMACs run on one context here rather than through lk_hmac_sha256: one
 * frame less on the stack. */
static uint32_t code_mac(const struct lk_lock *lk, uint32_t epoch, const uint8_t *kp,
                         uint32_t resolved)
{
    static const char label[] = "lockcore offline key v1";
    static const uint8_t tag[4] = { 'L', 'K', 'O', 'C' };
    struct lk_hmac h;
    uint8_t k[LK_SHA256_BYTES];
    uint32_t m;

    lk_hmac_init(&h, lk->cred.key, sizeof lk->cred.key);
    lk_hmac_update(&h, label, sizeof label - 1u);
    lk_hmac_final(&h, k); /* K_off */
    lk_hmac_init(&h, k, sizeof k);
    lk_hmac_update(&h, tag, sizeof tag);
    put32be(k, epoch); /* K_off is no longer needed: k is the scratch now */
    lk_hmac_update(&h, k, 4);
    lk_hmac_update(&h, kp, 8);
    put32be(k, resolved);
    lk_hmac_update(&h, k, 4);
    lk_hmac_final(&h, k);
    m = (((uint32_t)k[0] << 24) | ((uint32_t)k[1] << 16) | ((uint32_t)k[2] << 8) | k[3]) %
        1000000u;
    lk_wipe(k, sizeof k);
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

/* Record one-time code id as used in state v; 0 if it already was. Every
 * name in the list stays above the floor, and the floor never goes down. */
static int mark_used(uint8_t *v, uint32_t id)
{
    uint8_t *used = v + ST_USED;
    size_t n = v[ST_N]; /* size_t: 4u * i below is a pointer offset */
    size_t i;
    size_t low = 0;

    if (id <= lk_get32(v + ST_FLOOR)) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        uint32_t u = lk_get32(used + 4u * i);

        if (u == id) {
            return 0;
        }
        if (u < lk_get32(used + 4u * low)) {
            low = i;
        }
    }
    if (n < LK_OFFLINE_USED_MAX) {
        lk_put32(used + 4u * n, id);
        v[ST_N] = (uint8_t)(n + 1u);
    } else if (id < lk_get32(used + 4u * low)) {
        lk_put32(v + ST_FLOOR, id); /* the oldest name of all: the floor covers it */
    } else {
        lk_copy(v + ST_FLOOR, used + 4u * low, 4);
        lk_put32(used + 4u * low, id);
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

uint32_t lk_offline_code(const struct lk_lock *lk, const uint8_t *digits, uint32_t n,
                         uint32_t t, uint32_t epoch, uint32_t *r)
{
    uint32_t m;
    uint32_t v;

    *r = 0;
    if (n != CODE_DIGITS || !well_formed(digits)) {
        return 0;
    }
    v = resolved(lk, digits, t);
    *r = v;
    m = number(digits + 8, 6);
    return (uint32_t)(m == code_mac(lk, epoch, digits, v)) |
           ((uint32_t)(m == code_mac(lk, epoch + 1u, digits, v)) << 1);
}

uint32_t lk_offline_admit(struct lk_lock *lk, const uint8_t *digits, uint32_t r, uint32_t t)
{
    return (uint32_t)(in_window(lk, digits, r, t) &&
                      (kind_of(digits) != KIND_ONE_TIME ||
                       mark_used(lk->cred.work.rec, r * 16u + (uint32_t)(digits[7] - '0'))));
}

/* Deny a genuine code (it stays counted: only an opening resets). */
static int refuse(struct lk_lock *lk, uint32_t now, uint8_t *v, uint16_t cred)
{
    int rc = st_save(lk, v);

    (void)lk_deny(lk, now, LK_SRC_KEYPAD, LK_REASON_RESTRICTED, LK_INDEX_NONE, cred);
    lk_fail_end(lk, now, 0, LK_SRC_KEYPAD);
    return (rc == LK_OK) ? LK_VERDICT_DENIED : rc;
}

int lk_offline_enter(struct lk_lock *lk, uint32_t now, const uint8_t *digits, uint8_t n)
{
    uint8_t *v = lk->cred.work.rec;
    const uint8_t src = LK_SRC_KEYPAD;
    uint16_t cred;
    uint32_t t;
    uint32_t r;
    uint32_t ok;
    unsigned kind;
    int rc;

    if (!lk_wall_now(lk, now, &t)) {
        return lk_deny(lk, now, src, LK_REASON_RESTRICTED, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    rc = st_load(lk, v);
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
    if (t < lk_get32(v + ST_HIGH)) {
        t = lk_get32(v + ST_HIGH); /* a clock set back does not revive a code */
    }
    ok = lk_offline_code(lk, digits, n, t, lk_get32(v + ST_EPOCH), &r);
    if (ok == 0u) {
        lk_fail_end(lk, now, 0, src);
        return lk_deny(lk, now, src, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    kind = kind_of(digits);
    cred = (uint16_t)(LK_CRED_OFFLINE_BASE + kind);
    if ((ok & 1u) == 0u) {
        next_epoch(v); /* made after a clear code this lock never saw: catch up */
    }
    lk_put32(v + ST_HIGH, t);
    if ((kind != KIND_CLEAR &&
         (lk->cred.mode == LK_MODE_PRIVACY || lk->cred.mode == LK_MODE_VACATION)) ||
        !lk_offline_admit(lk, digits, r, t)) {
        return refuse(lk, now, v, cred);
    }
    if (kind == KIND_CLEAR) {
        next_epoch(v);
    }
    /* Saved before the door opens: a cut cannot make a used code new. */
    rc = st_save(lk, v);
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
    uint8_t *v = lk->cred.work.rec;
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
    lk_fill(v, 0, OFFLINE_BYTES);
    lk_put32(v + ST_EPOCH, epoch);
    /* Every one-time code that could have been used by now (drift
     * included) counts as used: the old list is lost. */
    lk_put32(v + ST_HIGH, wall);
    lk_put32(v + ST_FLOOR, ((wall + lk->cfg.offline_drift_s) / 3600u) * 16u + 15u);
    rc = st_save(lk, v);
    if (rc == LK_OK) {
        lk->cred.offline_bad = 0;
    }
    return rc;
}

#else /* !LK_WITH_OFFLINE: the state record is kept as it is, never read */

int lk_offline_mount(struct lk_lock *lk, int users)
{
    (void)lk;
    (void)users;
    return LK_OK;
}


int lk_offline_reset(struct lk_lock *lk, uint32_t epoch)
{
    int rc = lk_check(lk);

    (void)epoch;
    return (rc != LK_OK) ? rc : LK_ERR_NOTSUP;
}

#endif /* LK_WITH_OFFLINE */
