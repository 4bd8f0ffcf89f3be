/*
 * verdict: match a presented credential against the store in constant time,
 * apply the user's rights, schedules and the operating mode, keep the
 * brute-force counters, and report the decision.
 */
#include "cred_internal.h"

/* 1 if x == 0, without a branch. */
static uint32_t is_zero(uint32_t x)
{
    return ((x | (0u - x)) >> 31) ^ 1u;
}

void lk_probe_window(const struct lk_lock *lk, const struct lk_probe *p, unsigned w,
                     uint8_t *start, uint8_t *len)
{
    uint32_t rem = w;
    uint32_t done = 0;
    uint32_t st = 0;
    uint32_t ln = p->len;
    unsigned l;

    /* Walks every PIN length whichever window w is, without a branch on w:
     * confirm() looks up a matched window and a dummy one at equal cost. */
    for (l = lk->cfg.pin_min_len; p->type == LK_CRED_PIN && l <= lk->cfg.pin_max_len; l++) {
        uint32_t n = WIN_COUNT((uint32_t)p->len, l);
        uint32_t take = (done ^ 1u) & ((rem - n) >> 31); /* rem < n (both < 2^31) */
        uint32_t m = 0u - take;

        st = (st & ~m) | (rem & m);
        ln = (ln & ~m) | (l & m);
        done |= take;
        rem -= n & (0u - (done ^ 1u));
    }
    *start = (uint8_t)st;
    *len = (uint8_t)ln;
}

void lk_probe_tags(const struct lk_lock *lk, struct lk_probe *p)
{
    uint8_t d[LK_SHA256_BYTES];
    unsigned w;
    unsigned n = 1;

    if (p->type == LK_CRED_PIN) {
        unsigned l;

        n = 0;
        for (l = lk->cfg.pin_min_len; l <= lk->cfg.pin_max_len; l++) {
            n += WIN_COUNT((unsigned)p->len, l);
        }
    }
    p->nwin = (uint8_t)n;
    p->guesses = (uint8_t)((n > 0u) ? n : 1u);
    for (w = 0; w < n; w++) {
        uint8_t s;
        uint8_t l;

        lk_probe_window(lk, p, w, &s, &l);
        lk_cred_digest(lk, p->type, p->data + s, l, d);
        p->tag[w] = lk_get32(d);
    }
    lk_wipe(d, sizeof d);
}

/* ---- matching ---- */

struct cand {
    uint16_t key;
    uint8_t win;
    uint8_t used;
    uint8_t val[CRED_BYTES + MAC_BYTES];
};

struct scan {
    const struct lk_lock *lk;
    const struct lk_probe *p;
    struct cand c[3]; /* two candidate slots and a sink for non-matches */
};

static int type_fits(uint8_t probe, uint8_t rec)
{
    return rec == probe || (probe == LK_CRED_PIN && rec == LK_CRED_PROGRAMMING_PIN);
}

/* Every record costs the same whatever the secrets: all windows are
 * compared, without an early exit. A record's later value or deletion drops
 * an earlier match of the same key, so only live credentials remain. */
static void match_rec(void *ctx, uint16_t key, const uint8_t *val, uint8_t len)
{
    struct scan *s = ctx;
    const struct lk_probe *p = s->p;
    uint32_t d;
    uint32_t hit = 0;
    uint32_t which = 0;
    unsigned w = 0;
    unsigned l;
    unsigned i;

    for (i = 0; i < 2u; i++) {
        s->c[i].used &= (uint8_t)(is_zero((uint32_t)s->c[i].key ^ key) ^ 1u);
    }
    if (val == NULL || len != CRED_BYTES + MAC_BYTES || !type_fits(p->type, val[CRED_TYPE])) {
        return;
    }
    d = lk_get32(val + CRED_DIGEST);
    for (l = 0; l < p->nwin; l++) {
        uint8_t ws;
        uint8_t wl;
        uint32_t eq;
        uint32_t mask;

        lk_probe_window(s->lk, p, w, &ws, &wl);
        eq = is_zero(p->tag[w] ^ d) & is_zero((uint32_t)wl ^ val[CRED_LEN]);
        mask = 0u - (eq & (hit ^ 1u));
        which = (which & ~mask) | (w & mask);
        hit |= eq;
        w++;
    }
    /* The first free slot on a hit, else the sink: the same stores either way. */
    {
        uint32_t free0 = (uint32_t)s->c[0].used ^ 1u;
        uint32_t free1 = (uint32_t)s->c[1].used ^ 1u;
        uint32_t to0 = hit & free0;
        uint32_t to1 = hit & (free0 ^ 1u) & free1;
        struct cand *c = &s->c[2u - 2u * to0 - to1];

        c->used = (uint8_t)hit;
        c->key = key;
        c->win = (uint8_t)which;
        lk_copy(c->val, val, len);
    }
}

/* Check both candidate slots in full (digest and MAC), empty ones too, so
 * the cost does not tell a near miss from a miss. Returns 1 and the slot in
 * *slot if one holds a live, authentic match (else 0, *slot 0); *forged is
 * set for a digest match whose MAC fails. */
static int confirm(const struct lk_lock *lk, const struct lk_probe *p, struct scan *s,
                   int *forged, uint32_t *slot)
{
    uint8_t d[LK_SHA256_BYTES];
    uint32_t none = 1;
    uint32_t found = 0;
    uint32_t bad = 0;
    unsigned i;

    for (i = 0; i < 2u; i++) {
        const struct cand *c = &s->c[i];
        uint8_t ws;
        uint8_t wl;
        uint32_t dig_ok;
        uint32_t ok;

        lk_probe_window(lk, p, c->win, &ws, &wl); /* an empty slot: window 0 */
        lk_cred_digest(lk, p->type, p->data + ws, wl, d);
        dig_ok = (uint32_t)lk_ct_equal(d, c->val + CRED_DIGEST, DIGEST_BYTES) & c->used;
        ok = dig_ok & (uint32_t)lk_rec_mac_ok(lk, c->key, c->val, CRED_BYTES);
        bad |= dig_ok & (ok ^ 1u);
        ok &= none;
        found = (found & ~(0u - ok)) | (i & (0u - ok));
        none &= ok ^ 1u;
    }
    lk_wipe(d, sizeof d);
    *forged = (int)bad;
    *slot = found;
    return (int)(none ^ 1u);
}

/* ---- lockout ---- */

uint32_t lk_lockout_len(const struct lk_lock *lk, uint8_t tier)
{
    return lk->cfg.lockout_ms[(tier >= 3u) ? 2u : ((tier == 0u) ? 0u : tier - 1u)];
}

int lk_locked_out(const struct lk_lock *lk, uint8_t type)
{
    return lk->cred.locked && (lk->cfg.lockout_types & (1u << type)) != 0u;
}

int lk_verdict_opened(int verdict)
{
    return verdict == LK_VERDICT_GRANTED || verdict == LK_VERDICT_PROGRAMMING ||
           verdict == LK_VERDICT_CLEARED;
}

int lk_refuse_locked(struct lk_lock *lk, uint32_t now, uint8_t source)
{
    if ((lk->cred.locked & LOCK_NOTED) == 0u) {
        lk->cred.locked |= LOCK_NOTED; /* once per lockout: no log flood */
        lk_emit(lk, now, LK_OP_DENIED, source, LK_REASON_LOCKED_OUT, LK_INDEX_NONE,
                LK_INDEX_NONE);
    }
    lk_indicate(lk, LK_IND_DENIED);
    return LK_ERR_AGAIN;
}

static int over_limit(const struct lk_lock *lk)
{
    return lk->cred.attempts >= lk->cfg.wrong_limit || lk->cred.guesses >= lk->cfg.guess_limit;
}

static void start_lockout(struct lk_lock *lk, uint32_t now, uint8_t source)
{
    struct lk_cred *c = &lk->cred;

    c->tier = (uint8_t)((c->tier < 255u) ? c->tier + 1u : 255u);
    c->locked = 1;
    c->attempts = 0;
    c->guesses = 0;
    c->window_open = 0;
    c->t_unlock = now + lk_lockout_len(lk, c->tier);
    (void)lk_lockout_save(lk); /* the counters saved before the verdict already hold it */
    lk_emit(lk, now, LK_OP_ALARM, source, LK_REASON_WRONG_CODE_LIMIT, LK_INDEX_NONE,
            LK_INDEX_NONE);
    lk_indicate(lk, LK_IND_ALARM);
}

int lk_fail_begin(struct lk_lock *lk, uint32_t now, uint8_t guesses)
{
    struct lk_cred *c = &lk->cred;
    uint32_t g = (uint32_t)c->guesses + guesses;

    if (c->window_open && !lk_time_reached(now, c->t_window + lk->cfg.fail_window_ms)) {
        c->attempts = (uint8_t)((c->attempts < 255u) ? c->attempts + 1u : 255u);
        c->guesses = (uint16_t)((g < 0xFFFFu) ? g : 0xFFFFu);
    } else {
        c->window_open = 1;
        c->t_window = now;
        c->attempts = 1;
        c->guesses = guesses;
    }
    return lk_lockout_save(lk);
}

void lk_fail_end(struct lk_lock *lk, uint32_t now, int opened, uint8_t source)
{
    struct lk_cred *c = &lk->cred;

    if (opened) {
        c->attempts = 0;
        c->guesses = 0;
        c->tier = 0;
        c->window_open = 0;
        (void)lk_lockout_save(lk);
    } else if (over_limit(lk)) {
        start_lockout(lk, now, source);
    }
}

/* ---- decision ---- */

int lk_deny(struct lk_lock *lk, uint32_t now, uint8_t source, uint8_t reason, uint16_t user,
            uint16_t cred)
{
    lk_emit(lk, now, LK_OP_DENIED, source, reason, user, cred);
    lk_indicate(lk, LK_IND_DENIED);
    return LK_VERDICT_DENIED;
}

int lk_grant(struct lk_lock *lk, uint32_t now, uint8_t source, uint16_t user, uint16_t cred)
{
    int rc;

    lk_emit(lk, now, LK_OP_GRANTED, source, LK_REASON_NONE, user, cred);
    lk_indicate(lk, LK_IND_GRANTED);
    rc = lk_act_request(lk, now, LK_BOLT_RETRACTED, source, user, cred);
    return (rc < 0) ? rc : LK_VERDICT_GRANTED;
}

static int in_window(uint32_t t, uint32_t start, uint32_t end)
{
    return t >= start && t < end;
}

/* RESTRICTED unless the user's time rules allow now; NONE if they do. */
static uint8_t time_rules(const struct lk_lock *lk, uint32_t now, const struct lk_user *u)
{
    uint32_t wall;
    uint32_t local;
    uint32_t minute;
    uint32_t wday;
    int has_year = u->year_end_s != 0u;
    int has_week = u->week_days != 0u;
    int ok = 1;

    switch (u->type) {
    case LK_USER_YEAR_DAY: ok = has_year; break;
    case LK_USER_WEEK_DAY: ok = has_week; break;
    case LK_USER_SCHEDULE_RESTRICTED: ok = has_year || has_week; break;
    case LK_USER_EXPIRING: has_year = 0; has_week = 0; break;
    default: return LK_REASON_NONE;
    }
    if (!ok || !lk_wall_now(lk, now, &wall)) {
        return LK_REASON_RESTRICTED; /* no trusted time: time-bound users wait */
    }
    local = wall + (uint32_t)(lk->cred.tz_min * 60); /* modulo 2^32 */
    minute = (local % 86400u) / 60u;
    wday = (local / 86400u + 4u) % 7u; /* 1970-01-01 was a Thursday */
    if (has_year && !in_window(wall, u->year_start_s, u->year_end_s)) {
        ok = 0;
    }
    if (has_week && (((u->week_days >> wday) & 1u) == 0u ||
                     !in_window(minute, u->week_start_min, u->week_end_min))) {
        ok = 0;
    }
    if (u->type == LK_USER_EXPIRING && u->first_use_s != 0u &&
        wall - u->first_use_s >= (uint32_t)u->expiring_min * 60u) {
        ok = 0;
    }
    return ok ? LK_REASON_NONE : LK_REASON_RESTRICTED;
}

static uint8_t mode_rules(const struct lk_lock *lk, uint8_t source)
{
    switch (lk->cred.mode) {
    case LK_MODE_PRIVACY: return LK_REASON_RESTRICTED;
    case LK_MODE_VACATION: return (source == LK_SRC_REMOTE) ? LK_REASON_NONE : LK_REASON_RESTRICTED;
    case LK_MODE_NO_REMOTE: return (source == LK_SRC_REMOTE) ? LK_REASON_RESTRICTED : LK_REASON_NONE;
    default: return LK_REASON_NONE;
    }
}

/* Dual/tri rule: 1 when enough different credentials of user were given. */
static int rule_met(struct lk_lock *lk, uint32_t now, const struct lk_user *u, uint16_t user,
                    uint16_t cred)
{
    struct lk_cred *c = &lk->cred;
    unsigned need = (unsigned)u->rule + 1u;
    unsigned i;

    if (need <= 1u) {
        return 1;
    }
    if (c->pend_n == 0u || c->pend_user != user ||
        lk_time_reached(now, c->t_pend + lk->cfg.multi_window_ms)) {
        c->pend_n = 0;
        c->pend_user = user;
        c->t_pend = now;
    }
    for (i = 0; i < c->pend_n; i++) {
        if (c->pend_cred[i] == cred) {
            return 0; /* the same credential twice is not a second factor */
        }
    }
    if (c->pend_n + 1u >= need) {
        c->pend_n = 0;
        return 1;
    }
    c->pend_cred[c->pend_n++] = cred;
    lk_indicate(lk, LK_IND_PROGRESS);
    return 0;
}

/* The user's one-shot effects, persisted before the door opens. */
static int use_up(struct lk_lock *lk, uint32_t now, struct lk_user *u, uint16_t user)
{
    uint8_t v[USER_BYTES];
    uint32_t wall = 0;

    if (u->type == LK_USER_DISPOSABLE) {
        u->enabled = 0;
    } else if (u->type == LK_USER_EXPIRING && u->first_use_s == 0u &&
               lk_wall_now(lk, now, &wall)) {
        u->first_use_s = (wall != 0u) ? wall : 1u;
    } else {
        return LK_OK;
    }
    lk_user_encode(u, v);
    return lk_rec_set(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES);
}

/* After a recognised credential: the user's rights decide. */
int lk_decide(struct lk_lock *lk, uint32_t now, uint8_t source, uint8_t ctype,
                  uint16_t user, uint16_t cred)
{
    uint8_t v[USER_BYTES];
    struct lk_user u;
    uint8_t reason;
    int rc = lk_rec_get(lk, (uint16_t)(KEY_USER0 + user), v, USER_BYTES);

    if (rc != LK_OK) {
        if (rc == LK_ERR_CORRUPT) {
            lk_emit(lk, now, LK_OP_ALARM, source, LK_REASON_STORE_CORRUPT, user, cred);
        }
        return lk_deny(lk, now, source, LK_REASON_INVALID_CREDENTIAL, user, cred);
    }
    lk_user_decode(v, &u);
    if (!u.enabled) {
        return lk_deny(lk, now, source, LK_REASON_DISABLED_USER, user, cred);
    }
    if (ctype == LK_CRED_PROGRAMMING_PIN) {
        if (u.type != LK_USER_PROGRAMMING) {
            return lk_deny(lk, now, source, LK_REASON_RESTRICTED, user, cred);
        }
        lk_emit(lk, now, LK_OP_STATE, source, LK_REASON_PROGRAMMING, user, cred);
        return LK_VERDICT_PROGRAMMING;
    }
    reason = mode_rules(lk, source);
    if (reason == LK_REASON_NONE &&
        (u.type == LK_USER_NON_ACCESS ||
         (u.type == LK_USER_REMOTE_ONLY && ctype != LK_CRED_REMOTE_TOKEN))) {
        reason = LK_REASON_RESTRICTED;
    }
    if (reason == LK_REASON_NONE) {
        reason = time_rules(lk, now, &u);
    }
    if (reason != LK_REASON_NONE) {
        return lk_deny(lk, now, source, reason, user, cred);
    }
    if (!rule_met(lk, now, &u, user, cred)) {
        lk_emit(lk, now, LK_OP_STATE, source, LK_REASON_MORE_CREDENTIALS, user, cred);
        return LK_VERDICT_PENDING;
    }
    rc = use_up(lk, now, &u, user);
    if (rc != LK_OK) {
        lk_emit(lk, now, LK_OP_DENIED, source, LK_REASON_PORT_ERROR, user, cred);
        return rc;
    }
    if (u.type == LK_USER_FORCED) {
        /* Duress: opens as usual; the alarm is silent (no indication). */
        lk_emit(lk, now, LK_OP_ALARM, source, LK_REASON_FORCED_USER, user, cred);
    }
    return lk_grant(lk, now, source, user, cred);
}

int lk_match(struct lk_lock *lk, struct lk_probe *p, struct lk_match_result *m)
{
    struct scan s;
    int forged = 0;
    uint32_t slot = 0;
    int rc;

    lk_fill((uint8_t *)&s, 0, sizeof s);
    s.lk = lk;
    s.p = p;
    s.c[0].key = 0xFFFFu;
    s.c[1].key = 0xFFFFu;
    rc = lk_store_scan(lk, KEY_CRED0, (uint16_t)(KEY_CRED0 + LK_CREDS_MAX - 1u), match_rec, &s);
    m->found = (uint8_t)((rc == LK_OK) ? confirm(lk, p, &s, &forged, &slot) : 0);
    m->forged = (uint8_t)forged;
    /* Filled from a slot either way; meaningful only when found. */
    m->cred = (uint16_t)(s.c[slot].key - KEY_CRED0);
    m->user = s.c[slot].val[CRED_USER];
    m->type = s.c[slot].val[CRED_TYPE];
    lk_wipe(&s, sizeof s);
    return rc;
}

int lk_verdict(struct lk_lock *lk, uint32_t now, struct lk_probe *p)
{
    struct lk_match_result m;
    int rc;

    lk_probe_tags(lk, p);
    /* Counted as wrong before anything is known, so a cut during the
     * check or before the answer never saves a guess. */
    rc = lk_fail_begin(lk, now, p->guesses);
    if (rc == LK_OK) {
        rc = lk_match(lk, p, &m);
    }
    if (rc != LK_OK) {
        return rc;
    }
    if (!m.found) {
        if (m.forged) {
            lk_emit(lk, now, LK_OP_ALARM, p->source, LK_REASON_STORE_CORRUPT, LK_INDEX_NONE,
                    LK_INDEX_NONE);
        }
        lk_fail_end(lk, now, 0, p->source);
        return lk_deny(lk, now, p->source, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE,
                       LK_INDEX_NONE);
    }
    rc = lk_decide(lk, now, p->source, m.type, m.user, m.cred);
    lk_fail_end(lk, now, lk_verdict_opened(rc), p->source);
    return rc;
}

/* A lockout that ended is saved as over; one still running sets a deadline. */
void lk_lockout_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl)
{
    struct lk_cred *c = &lk->cred;

    if (!c->locked) {
        return;
    }
    if (!lk_time_reached(now, c->t_unlock)) {
        lk_deadline_want(dl, c->t_unlock);
        return;
    }
    c->locked = 0;
    (void)lk_lockout_save(lk); /* if lost, the next boot locks out again: safe */
}
