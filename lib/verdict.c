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

void lk_probe_tags(struct lk_lock *lk, struct lk_probe *p)
{
    struct lk_cred *cr = &lk->cred;
    /* each digest lands in the candidates' space, unused until lk_match */
    uint8_t *d = (uint8_t *)cr->cand;
    uint32_t w = 0;
    uint32_t l;
    uint32_t k;

    p->lo = p->len;
    p->hi = p->len;
    if (p->type == LK_CRED_PIN) {
        p->lo = lk->cfg.pin_min_len;
        p->hi = lk->cfg.pin_max_len;
    }
    for (l = p->lo; l <= p->hi; l++) {
        for (k = 0; k < WIN_COUNT((uint32_t)p->len, l); k++) {
            lk_cred_digest(lk, p->type, p->data + k, l, d);
            cr->work.tag[w++] = lk_get32(d);
        }
    }
    p->guesses = (uint8_t)((w > 0u) ? w : 1u);
    lk_wipe(d, LK_SHA256_BYTES);
}

/* ---- matching ---- */

struct scan {
    struct lk_lock *lk;
    const struct lk_probe *p;
};

static int type_fits(uint32_t probe, uint32_t rec)
{
    return rec == probe || (probe == LK_CRED_PIN && rec == LK_CRED_PROGRAMMING_PIN);
}

/* Every record costs the same whatever the secrets: all windows are
 * compared, without an early exit. A record's later value or deletion drops
 * an earlier match of the same key, so only live credentials remain. */
static void match_rec(void *ctx, uint16_t key, const uint8_t *val, uint8_t len)
{
    const struct scan *s = ctx;
    const struct lk_probe *p = s->p;
    struct lk_cred *cr = &s->lk->cred;
    struct lk_cand_ *c;
    uint32_t d;
    uint32_t hit = 0;
    uint32_t start = 0;
    uint32_t wlen = 0;
    uint32_t w = 0;
    uint32_t l;
    uint32_t k;
    uint32_t free0;

    for (k = 0; k < 2u; k++) {
        cr->cand[k].used &= (uint8_t)(is_zero((uint32_t)cr->cand[k].key ^ key) ^ 1u);
    }
    if (val == NULL || len != CRED_BYTES + MAC_BYTES || !type_fits(p->type, val[CRED_TYPE])) {
        return;
    }
    d = lk_get32(val + CRED_DIGEST);
    for (l = p->lo; l <= p->hi; l++) {
        for (k = 0; k < WIN_COUNT((uint32_t)p->len, l); k++) {
            uint32_t eq = is_zero(cr->work.tag[w] ^ d) & is_zero(l ^ val[CRED_LEN]);
            uint32_t mask = 0u - (eq & (hit ^ 1u)); /* the first hit only */

            start = (start & ~mask) | (k & mask);
            wlen = (wlen & ~mask) | (l & mask);
            hit |= eq;
            w++;
        }
    }
    /* The first free slot on a hit, else the sink: the same stores either way. */
    free0 = (uint32_t)cr->cand[0].used ^ 1u;
    c = &cr->cand[2u - 2u * (hit & free0) - (hit & (free0 ^ 1u) & (cr->cand[1].used ^ 1u))];
    c->used = (uint8_t)hit;
    c->key = key;
    c->start = (uint8_t)start;
    c->len = (uint8_t)wlen;
    lk_copy(c->val, val, len);
}

/* Match p (tags computed) against every stored credential, then check both
 * candidate slots in full (digest and MAC), empty ones too, so the cost
 * does not tell a near miss from a miss. */
int lk_match(struct lk_lock *lk, const struct lk_probe *p, struct lk_match_result *m)
{
    struct lk_cred *cr = &lk->cred;
    uint8_t *d = cr->work.rec; /* the tags are done with after the scan */
    struct scan s;
    const struct lk_cand_ *c;
    uint32_t none = 1;
    uint32_t found = 0;
    uint32_t bad = 0;
    uint32_t i;
    int rc;

    lk_fill((uint8_t *)cr->cand, 0, sizeof cr->cand);
    cr->cand[0].key = 0xFFFFu;
    cr->cand[1].key = 0xFFFFu;
    s.lk = lk;
    s.p = p;
    rc = lk_store_scan(lk, KEY_CRED0, (uint16_t)(KEY_CRED0 + LK_CREDS_MAX - 1u), match_rec, &s);
    for (i = 0; rc == LK_OK && i < 2u; i++) {
        uint32_t dig_ok;
        uint32_t ok;

        c = &cr->cand[i];
        /* an empty slot digests an empty window: the same cost */
        lk_cred_digest(lk, p->type, p->data + c->start, c->len, d);
        dig_ok = (uint32_t)lk_ct_equal(d, c->val + CRED_DIGEST, DIGEST_BYTES) & c->used;
        ok = dig_ok & (uint32_t)lk_rec_mac_ok(lk, c->key, c->val, CRED_BYTES);
        bad |= dig_ok & (ok ^ 1u);
        ok &= none;
        found = (found & ~(0u - ok)) | (i & (0u - ok));
        none &= ok ^ 1u;
    }
    c = &cr->cand[found]; /* meaningful only when found */
    m->found = (uint8_t)(none ^ 1u);
    m->forged = (uint8_t)bad;
    m->type = c->val[CRED_TYPE];
    m->user = c->val[CRED_USER];
    m->cred = (uint16_t)(c->key - KEY_CRED0);
    lk_wipe(d, LK_SHA256_BYTES);
    lk_wipe(cr->cand, sizeof cr->cand);
    return rc;
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

uint8_t lk_time_rules(const struct lk_lock *lk, uint32_t now, const uint8_t *v)
{
    uint32_t type = v[USER_TYPE];
    uint32_t days = v[USER_WEEK_DAYS];
    uint32_t year_end = lk_get32(v + USER_YEAR_END);
    uint32_t first = lk_get32(v + USER_FIRST_USE);
    uint32_t wall;
    uint32_t local;
    uint32_t minute;
    int has_year = year_end != 0u;
    int has_week = days != 0u;
    int ok = 1;

    switch (type) {
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
    if (has_year && !in_window(wall, lk_get32(v + USER_YEAR_START), year_end)) {
        ok = 0;
    }
    /* 1970-01-01 was a Thursday */
    if (has_week && (((days >> ((local / 86400u + 4u) % 7u)) & 1u) == 0u ||
                     !in_window(minute, lk_get16(v + USER_WEEK_START),
                                lk_get16(v + USER_WEEK_END)))) {
        ok = 0;
    }
    if (type == LK_USER_EXPIRING && first != 0u &&
        wall - first >= (uint32_t)lk_get16(v + USER_EXPIRING) * 60u) {
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
static int rule_met(struct lk_lock *lk, uint32_t now, uint32_t rule, uint16_t user,
                    uint16_t cred)
{
    struct lk_cred *c = &lk->cred;
    uint32_t need = rule + 1u;
    uint32_t i;

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

/* Apply the one-shot effects of the user record v: 1 if it changed (it
 * must be saved before the door opens). */
static int use_up(const struct lk_lock *lk, uint32_t now, uint8_t *v)
{
    uint32_t wall = 0;

    if (v[USER_TYPE] == LK_USER_DISPOSABLE) {
        v[USER_ENABLED] = 0;
        return 1;
    }
    if (v[USER_TYPE] == LK_USER_EXPIRING && lk_get32(v + USER_FIRST_USE) == 0u &&
        lk_wall_now(lk, now, &wall)) {
        lk_put32(v + USER_FIRST_USE, (wall != 0u) ? wall : 1u);
        return 1;
    }
    return 0;
}

int lk_rights(struct lk_lock *lk, uint32_t now, uint8_t source, uint8_t ctype, uint16_t user,
              uint16_t cred)
{
    const uint8_t *v = lk->cred.work.rec;
    uint32_t type = 0;
    uint8_t op = LK_OP_STATE;
    uint8_t reason;
    int rc;

    if (!v[USER_ENABLED]) {
        reason = LK_REASON_DISABLED_USER;
    } else if (ctype == LK_CRED_PROGRAMMING_PIN) {
        reason = (v[USER_TYPE] == LK_USER_PROGRAMMING) ? LK_REASON_PROGRAMMING
                                                       : LK_REASON_RESTRICTED;
    } else {
        type = v[USER_TYPE];
        reason = mode_rules(lk, source);
        if (reason == LK_REASON_NONE &&
            (type == LK_USER_NON_ACCESS ||
             (type == LK_USER_REMOTE_ONLY && ctype != LK_CRED_REMOTE_TOKEN))) {
            reason = LK_REASON_RESTRICTED;
        }
        if (reason == LK_REASON_NONE) {
            reason = lk_time_rules(lk, now, v);
        }
    }
    /* One event for each outcome but a plain grant. */
    if (reason == LK_REASON_PROGRAMMING) {
        rc = LK_VERDICT_PROGRAMMING;
    } else if (reason != LK_REASON_NONE) {
        return lk_deny(lk, now, source, reason, user, cred);
    } else if (!rule_met(lk, now, v[USER_RULE], user, cred)) {
        reason = LK_REASON_MORE_CREDENTIALS;
        rc = LK_VERDICT_PENDING;
    } else if (type == LK_USER_FORCED) {
        /* Duress: opens as usual; the alarm is silent (no indication). A
         * forced user has no one-shot effect to save. */
        op = LK_OP_ALARM;
        reason = LK_REASON_FORCED_USER;
        rc = LK_VERDICT_GRANTED;
    } else {
        return use_up(lk, now, lk->cred.work.rec) ? LK_RIGHTS_SAVE : LK_VERDICT_GRANTED;
    }
    lk_emit(lk, now, op, source, reason, user, cred);
    return rc;
}

/* After a recognised credential: the user's rights decide. */
int lk_decide(struct lk_lock *lk, uint32_t now, uint8_t source, uint8_t ctype, uint16_t user,
              uint16_t cred)
{
    uint8_t *v = lk->cred.work.rec;
    uint16_t key = (uint16_t)(KEY_USER0 + user);
    int rc = lk_rec_read(lk, key, v, USER_BYTES);

    if (rc != LK_OK) {
        if (rc == LK_ERR_CORRUPT) {
            lk_emit(lk, now, LK_OP_ALARM, source, LK_REASON_STORE_CORRUPT, user, cred);
        }
        return lk_deny(lk, now, source, LK_REASON_INVALID_CREDENTIAL, user, cred);
    }
    rc = lk_rights(lk, now, source, ctype, user, cred);
    if (rc == LK_RIGHTS_SAVE) {
        /* saved before the door opens */
        rc = lk_rec_write(lk, key, v, USER_BYTES);
        if (rc != LK_OK) {
            lk_emit(lk, now, LK_OP_DENIED, source, LK_REASON_PORT_ERROR, user, cred);
            return rc;
        }
        rc = LK_VERDICT_GRANTED;
    }
    return rc;
}

int lk_verdict(struct lk_lock *lk, uint32_t now, struct lk_probe *p)
{
    const struct lk_match_result *m = &lk->cred.match;
    int rc;

    lk_probe_tags(lk, p);
    /* Counted as wrong before anything is known, so a cut during the
     * check or before the answer never saves a guess. */
    rc = lk_fail_begin(lk, now, p->guesses);
    if (rc == LK_OK) {
        rc = lk_match(lk, p, &lk->cred.match);
    }
    /* wiped before lk_decide, which reuses the space for the user record */
    lk_wipe(lk->cred.work.tag, sizeof lk->cred.work.tag);
    if (rc != LK_OK) {
        return rc;
    }
    if (m->found) {
        rc = lk_decide(lk, now, p->source, m->type, m->user, m->cred);
        if (rc == LK_VERDICT_GRANTED) {
            rc = lk_grant(lk, now, p->source, m->user, m->cred);
        }
        lk_fail_end(lk, now, lk_verdict_opened(rc), p->source);
        return rc;
    }
    if (m->forged) {
        lk_emit(lk, now, LK_OP_ALARM, p->source, LK_REASON_STORE_CORRUPT, LK_INDEX_NONE,
                LK_INDEX_NONE);
    }
    lk_fail_end(lk, now, 0, p->source);
    return lk_deny(lk, now, p->source, LK_REASON_INVALID_CREDENTIAL, LK_INDEX_NONE,
                   LK_INDEX_NONE);
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
