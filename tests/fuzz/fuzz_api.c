/*
 * Fuzz the credential API: bytes decode to a sequence of calls (user and
 * credential management, presenting credentials, tokens, modes, clocks,
 * free indices, lockout info, the audit log, strokes, reboots and time
 * passing), with invalid arguments as likely as valid ones
 * (tests/fuzz/README.md).
 *
 * Input: byte 0 picks the setup (bit 0: clock starting 10 min before the
 * 32-bit wrap; bit 1: no port device key, so lockcore makes its own and
 * stores it). Then each step is an op byte (op % N_OPS) and the operand
 * bytes that op reads (zeros once the input ends); see the switch in
 * LLVMFuzzerTestOneInput. Many ops take a "sane" bit that maps operands into
 * their valid ranges, so deep paths are reachable as well as the refusals.
 *
 * Checked besides the common invariants: every result is one the API
 * documents for that call, and no storage error or corruption ever shows
 * (none is injected); a model of users, credentials and the mode agrees with
 * what the API reads back, before and after reboots (user_set/get round
 * trips, deleting a user deletes its credentials, a credential's user
 * exists, free indices are free and lowest); and every grant is explained
 * by the model (a live credential of the right type for the source, an
 * enabled user whose type, the mode and the clock allow it).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define N_SETUPS 4u

struct m_user {
    uint8_t live;
    struct lk_user u;
};
struct m_cred {
    uint8_t live;
    uint8_t type;
    uint16_t user;
};
struct model {
    struct m_user user[LK_USERS_MAX];
    struct m_cred cred[LK_CREDS_MAX];
    /* indices the run changed: with the live ones, all check_model reads
     * (each read scans the store; the others are NOENT from the start) */
    uint8_t user_touched[LK_USERS_MAX];
    uint8_t cred_touched[LK_CREDS_MAX];
    int mode;
    int wall_set;
    uint8_t chal[16];
    int chal_set;
};

static struct fz_snap snaps[N_SETUPS];
static struct model models[N_SETUPS];
static struct model m; /* this run's */

static const uint32_t advance_ms[16] = {
    1, 10, 30, 100, 500, 1000, 2999, 5000, 10000, 30000, 60000, 90000,
    300000, 900000, 3600000, 86400000,
};

/* ---- model-checked wrappers ---- */

static void same_user(const struct lk_user *a, const struct lk_user *b)
{
    if (a->type != b->type || a->enabled != b->enabled || a->rule != b->rule ||
        a->week_days != b->week_days || a->week_start_min != b->week_start_min ||
        a->week_end_min != b->week_end_min || a->year_start_s != b->year_start_s ||
        a->year_end_s != b->year_end_s || a->expiring_min != b->expiring_min) {
        fz_fail(__FILE__, __LINE__, "user reads back as set", a->type, b->type);
    }
}

/* Everything the API reads back agrees with the model. */
static void check_model(void)
{
    unsigned i;

    for (i = 0; i < LK_USERS_MAX; i++) {
        struct lk_user u;
        int rc;

        if (!m.user[i].live && !m.user_touched[i]) {
            continue;
        }
        rc = lk_user_get(&fz_lk, (uint16_t)i, &u);

        if (m.user[i].live) {
            if (rc != LK_OK) {
                fz_fail(__FILE__, __LINE__, "a live user reads back", rc, (long)i);
            }
            same_user(&u, &m.user[i].u);
        } else if (rc != LK_ERR_NOENT) {
            fz_fail(__FILE__, __LINE__, "a missing user reads NOENT", rc, (long)i);
        }
    }
    for (i = 0; i < LK_CREDS_MAX; i++) {
        uint8_t type = 0xEE;
        uint16_t user = 0xEEEE;
        int rc;

        if (!m.cred[i].live && !m.cred_touched[i]) {
            continue;
        }
        rc = lk_cred_get(&fz_lk, (uint16_t)i, &type, &user);

        if (m.cred[i].live) {
            if (rc != LK_OK || type != m.cred[i].type || user != m.cred[i].user) {
                fz_fail(__FILE__, __LINE__, "a live credential reads back as set", rc, (long)i);
            }
            FZ_ASSERT(m.user[user].live);
        } else if (rc != LK_ERR_NOENT) {
            fz_fail(__FILE__, __LINE__, "a missing credential reads NOENT", rc, (long)i);
        }
    }
    FZ_ASSERT(lk_get_mode(&fz_lk) == m.mode);
}

static int user_set(uint16_t idx, const struct lk_user *u)
{
    int rc = lk_user_set(&fz_lk, idx, u);

    FZ_TRACE("  user_set %u type=%u en=%u rule=%u -> %d", idx, u->type, u->enabled, u->rule, rc);
    FZ_RC(rc, LK_OK, LK_ERR_RANGE, LK_ERR_CONFIG, LK_ERR_NOSPC);
    if (rc == LK_OK) {
        struct lk_user back;

        FZ_ASSERT(idx < LK_USERS_MAX);
        m.user_touched[idx] = 1;
        m.user[idx].live = 1;
        m.user[idx].u = *u;
        m.user[idx].u.first_use_s = 0;
        FZ_ASSERT(lk_user_get(&fz_lk, idx, &back) == LK_OK);
        same_user(&back, u);
    } else {
        FZ_ASSERT(rc != LK_ERR_RANGE || idx >= LK_USERS_MAX);
    }
    return rc;
}

static int cred_set(uint16_t idx, int type, uint16_t user, const uint8_t *data, size_t len)
{
    int rc = lk_cred_set(&fz_lk, idx, type, user, data, len);

    FZ_TRACE("  cred_set %u type=%d user=%u len=%u -> %d", idx, type, user, (unsigned)len, rc);
    FZ_RC(rc, LK_OK, LK_ERR_RANGE, LK_ERR_INVAL, LK_ERR_NOTSUP, LK_ERR_NOENT, LK_ERR_WEAK,
          LK_ERR_EXIST, LK_ERR_NOSPC);
    if (rc == LK_OK) {
        uint8_t t;
        uint16_t u;

        FZ_ASSERT(idx < LK_CREDS_MAX && user < LK_USERS_MAX);
        if (!m.user[user].live) {
            fz_fail(__FILE__, __LINE__, "credential enrolled for a missing user", user, idx);
        }
        FZ_ASSERT(type >= 0 && type < LK_CRED_TYPE_COUNT_);
        m.cred_touched[idx] = 1;
        m.cred[idx].live = 1;
        m.cred[idx].type = (uint8_t)type;
        m.cred[idx].user = user;
        FZ_ASSERT(lk_cred_get(&fz_lk, idx, &t, &u) == LK_OK && t == type && u == user);
    } else if (rc == LK_ERR_NOENT) {
        FZ_ASSERT(user < LK_USERS_MAX && !m.user[user].live);
    }
    return rc;
}

/* Grants since the mark: each must be explained by the model. */
static void check_grants(void)
{
    uint32_t n = (fz_ev.n < FZ_EV_LOG) ? fz_ev.n : FZ_EV_LOG;
    uint32_t i;

    for (i = 0; i < n; i++) {
        const struct lk_event *e = &fz_ev.log[i];
        const struct m_cred *c;
        const struct m_user *u;
        int remote;

        if (e->op != LK_OP_GRANTED) {
            continue;
        }
        remote = e->source == LK_SRC_REMOTE;
        if (m.mode == LK_MODE_PRIVACY || (m.mode == LK_MODE_VACATION && !remote) ||
            (m.mode == LK_MODE_NO_REMOTE && remote)) {
            fz_fail(__FILE__, __LINE__, "granted against the operating mode", m.mode, e->source);
        }
        if (e->cred >= LK_CRED_OFFLINE_BASE) {
            FZ_ASSERT(e->source == LK_SRC_KEYPAD && m.wall_set);
            continue;
        }
        if (e->cred >= LK_CREDS_MAX || !m.cred[e->cred].live) {
            fz_fail(__FILE__, __LINE__, "granted credential is live", e->cred, 0);
        }
        c = &m.cred[e->cred];
        FZ_ASSERT(c->user == e->user);
        switch (c->type) {
        case LK_CRED_PIN: FZ_ASSERT(e->source == LK_SRC_KEYPAD); break;
        case LK_CRED_RFID: FZ_ASSERT(e->source == LK_SRC_RFID); break;
        case LK_CRED_REMOTE_TOKEN: FZ_ASSERT(remote); break;
        case LK_CRED_FINGERPRINT:
        case LK_CRED_FINGER_VEIN:
        case LK_CRED_FACE: FZ_ASSERT(e->source == LK_SRC_BIOMETRIC); break;
        default: fz_fail(__FILE__, __LINE__, "a programming PIN opened", e->cred, 0);
        }
        u = &m.user[c->user];
        FZ_ASSERT(u->live);
        if (!u->u.enabled) {
            fz_fail(__FILE__, __LINE__, "a disabled user opened", e->user, 0);
        }
        switch (u->u.type) {
        case LK_USER_NON_ACCESS:
            fz_fail(__FILE__, __LINE__, "a non-access user opened", e->user, 0);
            break;
        case LK_USER_REMOTE_ONLY:
            FZ_ASSERT(c->type == LK_CRED_REMOTE_TOKEN);
            break;
        case LK_USER_YEAR_DAY:
        case LK_USER_WEEK_DAY:
        case LK_USER_SCHEDULE_RESTRICTED:
        case LK_USER_EXPIRING:
            if (!m.wall_set) {
                fz_fail(__FILE__, __LINE__, "a time-bound user opened without a clock", e->user,
                        u->u.type);
            }
            break;
        case LK_USER_DISPOSABLE:
            m.user[c->user].u.enabled = 0; /* used up */
            break;
        default:
            break;
        }
    }
}

/* ---- setup ---- */

static void prepare(unsigned setup)
{
    static const uint8_t card[4] = { 0x04, 0xA1, 0x22, 0x33 };
    static const uint8_t finger[2] = { 0x00, 0x07 };
    struct lk_sim_config sc;
    struct lk_user u;

    lk_sim_default_config(&sc);
    sc.start_ms = (setup & 1u) ? 0u - 600000u : 1000u;
    sc.seed = 7;
    memset(&fz_cfg, 0, sizeof fz_cfg);
    fz_cfg.auto_relock_ms = 5000;
    fz_boot(&sc, !(setup & 2u));
    memset(&m, 0, sizeof m);
    memset(&u, 0, sizeof u);
    u.enabled = 1;
    u.type = LK_USER_UNRESTRICTED;
    FZ_ASSERT(user_set(0, &u) == LK_OK);
    u.type = LK_USER_DISPOSABLE;
    FZ_ASSERT(user_set(1, &u) == LK_OK);
    u.type = LK_USER_REMOTE_ONLY;
    FZ_ASSERT(user_set(2, &u) == LK_OK);
    u.type = LK_USER_WEEK_DAY;
    u.week_days = 1u << 5;
    u.week_start_min = 9 * 60;
    u.week_end_min = 17 * 60;
    FZ_ASSERT(user_set(3, &u) == LK_OK);
    FZ_ASSERT(cred_set(0, LK_CRED_PIN, 0, (const uint8_t *)"246810", 6) == LK_OK);
    FZ_ASSERT(cred_set(1, LK_CRED_RFID, 0, card, sizeof card) == LK_OK);
    FZ_ASSERT(cred_set(2, LK_CRED_REMOTE_TOKEN, 2, NULL, 0) == LK_OK);
    FZ_ASSERT(cred_set(3, LK_CRED_PIN, 1, (const uint8_t *)"161803", 6) == LK_OK);
    FZ_ASSERT(cred_set(4, LK_CRED_FINGERPRINT, 3, finger, sizeof finger) == LK_OK);
    fz_run(100);
    check_model();
    fz_snap_take(&snaps[setup]);
    models[setup] = m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned s;

    (void)argc;
    (void)argv;
    fz_trace = getenv("LK_FUZZ_TRACE") != NULL;
    for (s = 0; s < N_SETUPS; s++) {
        prepare(s);
    }
    return 0;
}

/* ---- operands ---- */

static uint16_t user_idx(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    /* mostly valid indices, sometimes just past the end or far out */
    if (b < 0xF0u) {
        return (uint16_t)(b % (LK_USERS_MAX + 1u));
    }
    return (b == 0xFFu) ? 0xFFFFu : (uint16_t)(LK_USERS_MAX + (b & 0x0Fu) * 37u);
}

static uint16_t cred_idx(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    if (b < 0xF0u) {
        return (uint16_t)(b % (LK_CREDS_MAX + 1u));
    }
    return (b == 0xFFu) ? 0xFFFFu : (uint16_t)(LK_CREDS_MAX + (b & 0x0Fu) * 37u);
}

static void read_user(struct fz_in *in, struct lk_user *u)
{
    uint8_t sane = fz_u8(in) & 1u;

    memset(u, 0, sizeof *u);
    u->type = fz_u8(in);
    u->enabled = fz_u8(in);
    u->rule = fz_u8(in);
    u->week_days = fz_u8(in);
    u->week_start_min = fz_u16(in);
    u->week_end_min = fz_u16(in);
    u->year_start_s = fz_u32(in);
    u->year_end_s = fz_u32(in);
    u->expiring_min = fz_u16(in);
    u->first_use_s = fz_u32(in); /* ignored by lk_user_set */
    if (sane) {
        u->type %= LK_USER_TYPE_COUNT_;
        u->enabled &= 1u;
        u->rule %= 3u;
        u->week_days &= 0x7Fu;
        u->week_start_min %= 1440u;
        u->week_end_min = (uint16_t)(u->week_start_min + 1u +
                                     u->week_end_min % (1440u - u->week_start_min));
        if (u->year_end_s != 0u) {
            u->year_start_s = FZ_T0 + (uint32_t)((int32_t)(int16_t)u->year_start_s * 3600);
            u->year_end_s = u->year_start_s + 1u + (u->year_end_s & 0xFFFFu) * 60u;
        } else {
            u->year_start_s = 0;
        }
        u->expiring_min = (uint16_t)(1u + u->expiring_min % 2880u);
    }
}

/* Credential data: digits for a PIN when sane, else raw bytes. */
static size_t read_data(struct fz_in *in, uint8_t *buf, size_t cap, int digits)
{
    size_t len = fz_u8(in) % (cap + 1u);
    size_t i;

    fz_bytes(in, buf, len);
    if (digits) {
        for (i = 0; i < len; i++) {
            buf[i] = (uint8_t)('0' + buf[i] % 10u);
        }
    }
    return len;
}

/* A defined source mostly, else any int. */
static int read_source(struct fz_in *in)
{
    static const int sources[] = { LK_SRC_UNSPECIFIED, LK_SRC_KEYPAD, LK_SRC_BUTTON,
                                   LK_SRC_REMOTE, LK_SRC_AUTO, LK_SRC_THUMBTURN,
                                   LK_SRC_FORCED, 11, 15, LK_SRC_COUNT_, -1, 255 };
    return FZ_PICK(sources, fz_u8(in));
}

/* ---- ops ---- */

enum {
    OP_USER_SET, OP_USER_DELETE, OP_USER_GET, OP_CRED_SET, OP_CRED_DELETE, OP_CRED_GET,
    OP_CRED_PRESENT, OP_TOKEN_CHALLENGE, OP_TOKEN_RESPONSE, OP_TOKEN_KEY, OP_SET_MODE,
    OP_WALL, OP_CLEAR_WALL, OP_TIME_ZONE, OP_FREE_INDEX, OP_LOCKOUT_INFO, OP_REBOOT, OP_RUN,
    OP_KEY, OP_KEYS_PIN, OP_REQUEST, OP_SILENCE, OP_AUDIT, OP_OFFLINE_RESET, OP_OFFLINE_KEY,
    OP_CHECK_MODEL, N_OPS
};

static void step(struct fz_in *in)
{
    uint8_t buf[LK_CRED_DATA_MAX + 8u];
    uint8_t key[32];
    struct lk_user u;
    uint16_t idx;
    size_t len;
    int rc;
    unsigned i;
    unsigned op = fz_u8(in) % N_OPS;

    fz_ev_mark();
    switch (op) {
    case OP_USER_SET:
        idx = user_idx(in);
        read_user(in, &u);
        (void)user_set(idx, &u);
        break;
    case OP_USER_DELETE:
        idx = user_idx(in);
        rc = lk_user_delete(&fz_lk, idx);
        FZ_TRACE("  user_delete %u -> %d", idx, rc);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE);
        if (rc == LK_OK) {
            m.user[idx].live = 0;
            m.user_touched[idx] = 1;
            for (i = 0; i < LK_CREDS_MAX; i++) {
                if (m.cred[i].live && m.cred[i].user == idx) {
                    uint8_t t;
                    uint16_t w;

                    m.cred[i].live = 0;
                    m.cred_touched[i] = 1;
                    if (lk_cred_get(&fz_lk, (uint16_t)i, &t, &w) != LK_ERR_NOENT) {
                        fz_fail(__FILE__, __LINE__, "a deleted user's credential is gone",
                                idx, (long)i);
                    }
                }
            }
            FZ_ASSERT(lk_user_get(&fz_lk, idx, &u) == LK_ERR_NOENT);
        }
        break;
    case OP_USER_GET:
        idx = user_idx(in);
        rc = lk_user_get(&fz_lk, idx, &u);
        FZ_RC(rc, LK_OK, LK_ERR_NOENT, LK_ERR_RANGE);
        FZ_ASSERT((rc == LK_ERR_RANGE) == (idx >= LK_USERS_MAX));
        if (rc == LK_OK) {
            FZ_ASSERT(m.user[idx].live);
            same_user(&u, &m.user[idx].u);
        } else if (rc == LK_ERR_NOENT) {
            FZ_ASSERT(!m.user[idx].live);
        }
        break;
    case OP_CRED_SET: {
        uint8_t sane = fz_u8(in);
        int type = (int)(int8_t)fz_u8(in);
        uint16_t owner;

        if (sane & 1u) {
            type = (int)((unsigned)type & 0x7Fu) % LK_CRED_TYPE_COUNT_;
        }
        idx = cred_idx(in);
        owner = user_idx(in);
        len = read_data(in, buf, sizeof buf, (sane & 2u) != 0u);
        (void)cred_set(idx, type, owner, (sane & 4u) ? NULL : buf, len);
        break;
    }
    case OP_CRED_DELETE:
        idx = cred_idx(in);
        rc = lk_cred_delete(&fz_lk, idx);
        FZ_TRACE("  cred_delete %u -> %d", idx, rc);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE);
        if (rc == LK_OK) {
            uint8_t t;
            uint16_t w;

            m.cred[idx].live = 0;
            m.cred_touched[idx] = 1;
            FZ_ASSERT(lk_cred_get(&fz_lk, idx, &t, &w) == LK_ERR_NOENT);
        }
        break;
    case OP_CRED_GET: {
        uint8_t t;
        uint16_t w;

        idx = cred_idx(in);
        rc = lk_cred_get(&fz_lk, idx, &t, &w);
        FZ_RC(rc, LK_OK, LK_ERR_NOENT, LK_ERR_RANGE);
        if (rc == LK_OK) {
            FZ_ASSERT(m.cred[idx].live && m.cred[idx].type == t && m.cred[idx].user == w);
            FZ_ASSERT(lk_user_get(&fz_lk, w, &u) == LK_OK);
        } else if (rc == LK_ERR_NOENT) {
            FZ_ASSERT(!m.cred[idx].live);
        }
        break;
    }
    case OP_CRED_PRESENT: {
        int type = (int)(int8_t)fz_u8(in);

        len = read_data(in, buf, sizeof buf, 0);
        rc = lk_cred_present(&fz_lk, type, buf, len);
        FZ_TRACE("  present type=%d len=%u -> %d", type, (unsigned)len, rc);
        FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_ERR_AGAIN,
              LK_ERR_BUSY, LK_ERR_NOTSUP, LK_ERR_RANGE);
        break;
    }
    case OP_TOKEN_CHALLENGE:
        rc = lk_token_challenge(&fz_lk, m.chal);
        FZ_TRACE("  challenge -> %d", rc);
        FZ_RC(rc, LK_OK);
        m.chal_set = 1;
        break;
    case OP_TOKEN_RESPONSE: {
        uint8_t how = fz_u8(in);
        uint8_t mac[32];
        uint8_t msg[18];

        idx = cred_idx(in);
        if ((how & 1u) && lk_token_key(&fz_lk, idx, key) == LK_OK) {
            /* the right answer (to the last challenge seen, if any) */
            memcpy(msg, m.chal, 16);
            msg[16] = (uint8_t)(idx >> 8);
            msg[17] = (uint8_t)idx;
            lk_hmac_sha256(key, 32, msg, sizeof msg, mac);
            if (how & 2u) {
                mac[fz_u8(in) % 32u] ^= (uint8_t)(1u << (how >> 5));
            }
        } else {
            fz_bytes(in, mac, sizeof mac);
        }
        rc = lk_token_response(&fz_lk, idx, mac);
        FZ_TRACE("  response cred=%u how=%u -> %d", idx, how, rc);
        FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_ERR_AGAIN,
              LK_ERR_BUSY, LK_ERR_RANGE);
        break;
    }
    case OP_TOKEN_KEY:
        idx = cred_idx(in);
        rc = lk_token_key(&fz_lk, idx, key);
        FZ_RC(rc, LK_OK, LK_ERR_NOENT, LK_ERR_RANGE);
        if (rc == LK_OK) {
            FZ_ASSERT(m.cred[idx].live && m.cred[idx].type == LK_CRED_REMOTE_TOKEN);
        }
        break;
    case OP_SET_MODE: {
        int mode = (int)(int8_t)fz_u8(in);

        rc = lk_set_mode(&fz_lk, mode);
        FZ_TRACE("  mode %d -> %d", mode, rc);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE);
        FZ_ASSERT((rc == LK_OK) == (mode >= 0 && mode < LK_MODE_COUNT_));
        if (rc == LK_OK) {
            m.mode = mode;
        }
        FZ_ASSERT(lk_get_mode(&fz_lk) == m.mode);
        break;
    }
    case OP_WALL: {
        uint8_t how = fz_u8(in);
        uint32_t v = fz_u32(in);
        uint32_t t = (how & 1u) ? v : FZ_T0 + (uint32_t)((int32_t)(int16_t)v * 60);

        FZ_TRACE("  wall %u", (unsigned)t);
        FZ_ASSERT(lk_set_wall_time(&fz_lk, t) == LK_OK);
        m.wall_set = 1;
        break;
    }
    case OP_CLEAR_WALL:
        FZ_ASSERT(lk_clear_wall_time(&fz_lk) == LK_OK);
        m.wall_set = 0;
        break;
    case OP_TIME_ZONE: {
        int tz = (int)(int16_t)fz_u16(in);

        rc = lk_set_time_zone(&fz_lk, tz);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE);
        FZ_ASSERT((rc == LK_OK) == (tz >= -720 && tz <= 840));
        break;
    }
    case OP_FREE_INDEX: {
        int what = (int)(int8_t)fz_u8(in);

        idx = 0xEEEEu;
        rc = lk_free_index(&fz_lk, what, &idx);
        FZ_TRACE("  free_index %d -> %d (%u)", what, rc, idx);
        FZ_RC(rc, LK_OK, LK_ERR_NOSPC, LK_ERR_RANGE);
        FZ_ASSERT((rc == LK_ERR_RANGE) == (what != 0 && what != 1));
        if (rc == LK_OK || rc == LK_ERR_NOSPC) {
            unsigned n = (what == 0) ? LK_USERS_MAX : LK_CREDS_MAX;
            unsigned lowest = n;

            for (i = n; i-- > 0u;) {
                if (!((what == 0) ? m.user[i].live : m.cred[i].live)) {
                    lowest = i;
                }
            }
            if (rc == LK_OK ? idx != lowest : lowest != n) {
                fz_fail(__FILE__, __LINE__, "free index is the lowest free one", rc,
                        (long)idx);
            }
        }
        break;
    }
    case OP_LOCKOUT_INFO: {
        struct lk_lockout_info li;

        FZ_ASSERT(lk_lockout_info(&fz_lk, &li) == LK_OK);
        FZ_ASSERT(li.wrong_limit == fz_lk.cfg.wrong_limit);
        FZ_ASSERT(li.remaining_ms <= fz_lk.cfg.lockout_ms[2]);
        break;
    }
    case OP_REBOOT:
        rc = fz_reboot();
        FZ_TRACE("  reboot -> %d", rc);
        if (rc != LK_OK) {
            fz_fail(__FILE__, __LINE__, "reboot on lockcore's own storage", rc, 0);
        }
        m.wall_set = 0;
        m.chal_set = 0;
        check_model();
        break;
    case OP_RUN: {
        uint8_t b = fz_u8(in);

        FZ_TRACE("  run %u ms", (unsigned)advance_ms[b & 15u]);
        fz_run(advance_ms[b & 15u]);
        break;
    }
    case OP_KEY: {
        uint8_t k = fz_u8(in);

        rc = lk_keypad_key(&fz_lk, (char)k);
        FZ_TRACE("  key 0x%02x -> %d", k, rc);
        FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_VERDICT_NONE,
              LK_VERDICT_PROGRAMMING, LK_VERDICT_CLEARED, LK_ERR_AGAIN, LK_ERR_BUSY,
              LK_ERR_INVAL, LK_ERR_RANGE);
        break;
    }
    case OP_KEYS_PIN: {
        /* a whole PIN entry: digits then '#' */
        len = read_data(in, buf, sizeof buf - 1u, 1);
        buf[len] = 0;
        rc = LK_VERDICT_NONE;
        for (i = 0; i < len; i++) {
            rc = lk_keypad_key(&fz_lk, (char)buf[i]);
            FZ_RC(rc, LK_VERDICT_NONE, LK_ERR_AGAIN, LK_ERR_RANGE);
        }
        rc = lk_keypad_key(&fz_lk, '#');
        FZ_TRACE("  pin %s# -> %d", (const char *)buf, rc);
        FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_VERDICT_NONE,
              LK_VERDICT_PROGRAMMING, LK_VERDICT_CLEARED, LK_ERR_AGAIN, LK_ERR_BUSY);
        break;
    }
    case OP_REQUEST: {
        uint8_t how = fz_u8(in);
        int src = read_source(in);
        uint16_t who = fz_u16(in);
        uint16_t with = fz_u16(in);
        int valid = (src >= 0 && src <= LK_SRC_ALIRO) || (src >= LK_SRC_KEY && src < LK_SRC_COUNT_);

        rc = (how & 1u) ? lk_request_unlock(&fz_lk, src, who, with)
                        : lk_request_lock(&fz_lk, src, who, with);
        FZ_TRACE("  request %s src=%d -> %d", (how & 1u) ? "unlock" : "lock", src, rc);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE, LK_ERR_BUSY);
        if ((rc == LK_ERR_RANGE) != !valid) {
            fz_fail(__FILE__, __LINE__, "request: RANGE exactly for an undefined source", rc, src);
        }
        break;
    }
    case OP_SILENCE: {
        uint16_t who = fz_u16(in);
        uint16_t with = fz_u16(in);

        FZ_ASSERT(lk_alarm_silence(&fz_lk, who, with) == LK_OK);
        break;
    }
    case OP_AUDIT: {
        uint32_t oldest = 0;
        uint32_t newest = 0;
        struct lk_event ev;

        rc = lk_audit_bounds(&fz_lk, &oldest, &newest);
        FZ_RC(rc, LK_OK, LK_ERR_NOENT);
        if (rc == LK_OK) {
            FZ_ASSERT((int32_t)(newest - oldest) >= 0);
            FZ_ASSERT(lk_audit_read(&fz_lk, newest, &ev) == LK_OK);
            FZ_ASSERT(lk_audit_read(&fz_lk, newest + 1u, &ev) == LK_ERR_NOENT);
            rc = lk_audit_read(&fz_lk, oldest + fz_u16(in), &ev);
            FZ_RC(rc, LK_OK, LK_ERR_NOENT);
        }
        break;
    }
    case OP_OFFLINE_RESET:
        rc = lk_offline_reset(&fz_lk, fz_u32(in));
        FZ_RC(rc, LK_OK, LK_ERR_AGAIN);
        FZ_ASSERT((rc == LK_OK) == (m.wall_set != 0));
        break;
    case OP_OFFLINE_KEY:
        FZ_ASSERT(lk_offline_key(&fz_lk, key) == LK_OK);
        break;
    case OP_CHECK_MODEL:
        check_model();
        break;
    default:
        break;
    }
    check_grants();
    fz_check_world();
    if (fz_ev.reasons[LK_REASON_STORE_CORRUPT] != 0u || fz_ev.reasons[LK_REASON_FACTORY_RESET] != 0u ||
        fz_ev.reasons[LK_REASON_PORT_ERROR] != 0u) {
        fz_fail(__FILE__, __LINE__, "no corruption, reset or port error without a fault",
                (long)fz_ev.reasons[LK_REASON_STORE_CORRUPT], (long)fz_ev.reasons[LK_REASON_PORT_ERROR]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = { data, size };
    unsigned setup = fz_u8(&in) % N_SETUPS;

    fz_ev_reset();
    fz_snap_restore(&snaps[setup]);
    m = models[setup];
    FZ_TRACE("setup %u", setup);
    while (in.n > 0u) {
        step(&in);
    }
    return 0;
}
