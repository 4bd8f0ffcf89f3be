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
    unsigned i;

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
    unsigned i;

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
    int rc = st_load(lk, &s);

    if (rc == LK_ERR_NOENT && !lk->cred.offline_bad) {
        rc = st_save(lk, &s);
    }
    return (rc == LK_ERR_CORRUPT) ? LK_OK : rc;
}

/* The six MAC digits for epoch and the 8 kind+parameter digits. */
static uint32_t code_mac(const struct lk_lock *lk, uint32_t epoch, const uint8_t *kp)
{
    static const char label[] = "lockcore offline key v1";
    uint8_t k[LK_SHA256_BYTES];
    uint8_t msg[16];
    uint8_t out[LK_SHA256_BYTES];
    uint32_t m;

    lk_hmac_sha256(lk->cred.key, sizeof lk->cred.key, label, sizeof label - 1u, k);
    msg[0] = 'L';
    msg[1] = 'K';
    msg[2] = 'O';
    msg[3] = 'C';
    msg[4] = (uint8_t)(epoch >> 24);
    msg[5] = (uint8_t)(epoch >> 16);
    msg[6] = (uint8_t)(epoch >> 8);
    msg[7] = (uint8_t)epoch;
    lk_copy(msg + 8, kp, 8);
    lk_hmac_sha256(k, sizeof k, msg, sizeof msg, out);
    m = (((uint32_t)out[0] << 24) | ((uint32_t)out[1] << 16) | ((uint32_t)out[2] << 8) |
         out[3]) % 1000000u;
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

/* 1 if the kind and its parameters are well formed. */
static int well_formed(const uint8_t *d)
{
    uint32_t aa = number(d + 1, 2);
    uint32_t bb = number(d + 3, 2);

    switch (d[0] - '0') {
    case KIND_ONE_TIME:
    case KIND_UNTIL:
    case KIND_CLEAR: return 1;
    case KIND_DAILY: return aa < bb && bb <= 24u;
    default: return 0;
    }
}

/* 1 if the code's window holds at wall time t (docs/offline-codes.md step 4). */
static int in_window(const struct lk_lock *lk, const uint8_t *d, uint32_t t)
{
    uint32_t drift = lk->cfg.offline_drift_s;
    uint32_t hour = t / 3600u;
    uint32_t tz_s = (uint32_t)(lk->cred.tz_min * 60); /* modulo 2^32: adds a negative too */

    switch (d[0] - '0') {
    case KIND_DAILY: {
        uint32_t local = t + tz_s;
        uint32_t day = (t - drift + tz_s) / 86400u;
        uint32_t last = resolve(local / 86400u, number(d + 5, 3), 1000u);
        uint32_t minute = (local % 86400u) / 60u;

        return day <= last && minute + drift / 60u >= number(d + 1, 2) * 60u &&
               minute < number(d + 3, 2) * 60u + drift / 60u;
    }
    case KIND_UNTIL:
        return t < number(d + 1, 7) * 3600u + drift;
    default: {
        uint32_t start = resolve(hour, number(d + 1, 6), 1000000u) * 3600u;

        return t + drift >= start && t < start + lk->cfg.offline_otc_valid_s + drift;
    }
    }
}

/* Record one-time code id as used; 0 if it already was. */
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
    } else {
        /* Forget the oldest by name but keep it (and all below) used. */
        s->floor = s->used[low];
        s->used[low] = id;
    }
    return 1;
}

int lk_offline_enter(struct lk_lock *lk, uint32_t now, const uint8_t *digits, uint8_t n)
{
    struct offline_state s;
    const uint8_t src = LK_SRC_KEYPAD;
    uint16_t cred = LK_INDEX_NONE;
    uint32_t wall;
    uint32_t m;
    uint32_t m0;
    uint32_t m1;
    int rc;

    if (!lk_wall_now(lk, now, &wall)) {
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
    if (n != CODE_DIGITS || !well_formed(digits)) {
        lk_fail_end(lk, now, 0, src);
        return lk_deny(lk, now, src, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    m = number(digits + 8, 6);
    m0 = code_mac(lk, s.epoch, digits);
    m1 = code_mac(lk, s.epoch + 1u, digits);
    if (m != m0 && m != m1) {
        lk_fail_end(lk, now, 0, src);
        return lk_deny(lk, now, src, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    lk_fail_end(lk, now, 1, src);
    cred = (uint16_t)(LK_CRED_OFFLINE_BASE + (uint16_t)(digits[0] - '0'));
    if (m != m0) {
        /* Made after a clear code this lock never saw: catch up. */
        s.epoch += 1u;
        s.n = 0;
        s.floor = 0;
    }
    if (wall < s.high_s) {
        wall = s.high_s; /* a clock set back does not revive a code */
    }
    s.high_s = wall;
    if (digits[0] - '0' != (int)KIND_CLEAR &&
        (lk->cred.mode == LK_MODE_PRIVACY || lk->cred.mode == LK_MODE_VACATION)) {
        rc = st_save(lk, &s);
        (void)lk_deny(lk, now, src, LK_REASON_RESTRICTED, LK_INDEX_NONE, cred);
        return (rc == LK_OK) ? LK_VERDICT_DENIED : rc;
    }
    if (!in_window(lk, digits, wall) ||
        (digits[0] - '0' == (int)KIND_ONE_TIME &&
         !mark_used(&s, resolve(wall / 3600u, number(digits + 1, 6), 1000000u) * 16u +
                            (uint32_t)(digits[7] - '0')))) {
        rc = st_save(lk, &s);
        (void)lk_deny(lk, now, src, LK_REASON_RESTRICTED, LK_INDEX_NONE, cred);
        return (rc == LK_OK) ? LK_VERDICT_DENIED : rc;
    }
    if (digits[0] - '0' == (int)KIND_CLEAR) {
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
    if (digits[0] - '0' == (int)KIND_CLEAR) {
        lk_emit(lk, now, LK_OP_STATE, src, LK_REASON_OFFLINE_CLEARED, LK_INDEX_NONE, cred);
        lk_indicate(lk, LK_IND_GRANTED);
        return LK_VERDICT_CLEARED;
    }
    return lk_grant(lk, now, src, LK_INDEX_NONE, cred);
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
    /* Every one-time code up to now counts as used: the old list is lost. */
    s.high_s = wall;
    s.floor = (wall / 3600u) * 16u + 15u;
    rc = st_save(lk, &s);
    if (rc == LK_OK) {
        lk->cred.offline_bad = 0;
    }
    return rc;
}
