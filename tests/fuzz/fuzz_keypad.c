/*
 * Fuzz the keypad: bytes become keys for lk_keypad_key, interleaved with
 * time passing (lk_poll through the sim's main loop), on a lock with users
 * of every kind enrolled (tests/fuzz/README.md).
 *
 * Input: byte 0 picks the setup (bit 0: clock starting 10 min before the
 * 32-bit wrap instead of at 1 s; bit 1: a tight config: PINs of exactly 6
 * digits, 8-digit entries, 3 wrong attempts, short timeouts and lockouts).
 * Then one byte per step:
 *   '0'..'9', '#', '*'   that key
 *   0xF0..0xFF           let time pass (a table from 1 ms to a day)
 *   0xE0                 lk_request_lock (the door shuts again)
 *   0xE1                 reboot (lk_init on the same storage)
 *   0xE2..0xE5           set the wall clock (Friday 14:00, 18:00, 09:00 UTC; Saturday)
 *   0xE6                 forget the wall clock
 *   0xE7 b               the raw key b (any value)
 *   anything else        that byte as a key (a non-key: must be refused)
 *
 * Checked besides the common invariants: every result is one the API
 * documents for that key; nothing is taken during a lockout; and a grant is
 * explained: its credential's PIN was typed since the entry began, its user
 * may open (type, enabled, schedule against the wall clock, one use of a
 * disposable user, the second factor of a dual-rule user, the duress alarm
 * of a forced user), or it is an offline code typed with a trusted clock.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define N_SETUPS 4u
static struct fz_snap snaps[N_SETUPS];

enum { ALWAYS, NEVER, SCHEDULED, ONCE, DUAL, DURESS, EXPIRES };

static const struct kp_user {
    uint8_t type;
    uint8_t enabled;
    uint8_t rule;
    uint8_t week_days;
    uint16_t week_start_min, week_end_min;
    uint32_t year_start_s, year_end_s;
    uint16_t expiring_min;
    uint8_t opens; /* ALWAYS, NEVER, ... */
} users[] = {
    /* 0 */ { LK_USER_UNRESTRICTED, 1, 0, 0, 0, 0, 0, 0, 0, ALWAYS },
    /* 1 */ { LK_USER_PROGRAMMING, 1, 0, 0, 0, 0, 0, 0, 0, ALWAYS },
    /* 2 */ { LK_USER_NON_ACCESS, 1, 0, 0, 0, 0, 0, 0, 0, NEVER },
    /* 3 */ { LK_USER_FORCED, 1, 0, 0, 0, 0, 0, 0, 0, DURESS },
    /* 4 */ { LK_USER_DISPOSABLE, 1, 0, 0, 0, 0, 0, 0, 0, ONCE },
    /* 5 */ { LK_USER_WEEK_DAY, 1, 0, 1u << 5, 9 * 60, 17 * 60, 0, 0, 0, SCHEDULED },
    /* 6 */ { LK_USER_YEAR_DAY, 1, 0, 0, 0, 0, FZ_T0 - 3600u, FZ_T0 + 3600u, 0, SCHEDULED },
    /* 7 */ { LK_USER_UNRESTRICTED, 0, 0, 0, 0, 0, 0, 0, 0, NEVER },
    /* 8 */ { LK_USER_UNRESTRICTED, 1, LK_RULE_DUAL, 0, 0, 0, 0, 0, 0, DUAL },
    /* 9 */ { LK_USER_EXPIRING, 1, 0, 0, 0, 0, 0, 0, 10, EXPIRES },
    /* 10 */ { LK_USER_REMOTE_ONLY, 1, 0, 0, 0, 0, 0, 0, 0, NEVER },
    /* 11 */ { LK_USER_SCHEDULE_RESTRICTED, 1, 0, 1u << 5, 13 * 60, 15 * 60, FZ_T0 - 86400u,
               FZ_T0 + 86400u, 0, SCHEDULED },
};
#define N_USERS (sizeof users / sizeof users[0])

static const struct kp_cred {
    uint8_t type;
    uint8_t user;
    const char *pin;
} creds[] = {
    /* 0 */ { LK_CRED_PIN, 0, "246810" },
    /* 1 */ { LK_CRED_PIN, 0, "13579024" }, /* 8 digits: not in the tight config */
    /* 2 */ { LK_CRED_PROGRAMMING_PIN, 1, "975310" },
    /* 3 */ { LK_CRED_PIN, 1, "864209" },
    /* 4 */ { LK_CRED_PIN, 2, "314159" },
    /* 5 */ { LK_CRED_PIN, 3, "271828" },
    /* 6 */ { LK_CRED_PIN, 4, "161803" },
    /* 7 */ { LK_CRED_PIN, 5, "505050" },
    /* 8 */ { LK_CRED_PIN, 6, "606061" },
    /* 9 */ { LK_CRED_PIN, 7, "135790" },
    /* 10 */ { LK_CRED_PIN, 8, "192837" },
    /* 11 */ { LK_CRED_PIN, 8, "564738" },
    /* 12 */ { LK_CRED_PIN, 9, "818283" },
    /* 13 */ { LK_CRED_PIN, 10, "141421" },
    /* 14 */ { LK_CRED_PIN, 11, "707172" },
};
#define N_CREDS (sizeof creds / sizeof creds[0])

static const uint32_t advance_ms[16] = {
    1, 10, 30, 100, 500, 1000, 2999, 5000, 10000, 30000, 60000, 90000,
    300000, 900000, 3600000, 86400000,
};

static const uint32_t wall_times[4] = {
    FZ_T0, FZ_T0 + 4u * 3600u, FZ_T0 - 5u * 3600u, FZ_T0 + 86400u,
};

/* Per-run model (reset at the start of each run). */
static struct {
    char shadow[64];      /* digits typed since the entry last surely began */
    unsigned shadow_n;
    int shadow_lost;      /* more digits than shadow holds: skip the PIN check */
    int offline_entry;    /* the entry began with '*' */
    int wall_set;
    uint32_t wall_s, wall_ms; /* wall clock wall_s set at port time wall_ms */
    unsigned once_used;   /* grants of the disposable user */
    int pend_set;         /* dual-rule user: last credential that left it pending */
    uint16_t pend_cred;
    uint32_t pend_ms;
    int first_use_set;    /* expiring user: first use, wall s */
    uint32_t first_use_s;
    uint32_t multi_window_ms;
} m;

static void prepare(unsigned setup)
{
    struct lk_sim_config sc;
    unsigned i;
    int rc;

    lk_sim_default_config(&sc);
    sc.start_ms = (setup & 1u) ? 0u - 600000u : 1000u;
    memset(&fz_cfg, 0, sizeof fz_cfg);
    fz_cfg.auto_relock_ms = 8000;
    if (setup & 2u) {
        fz_cfg.auto_relock_ms = 3000;
        fz_cfg.pin_min_len = 6;
        fz_cfg.pin_max_len = 6;
        fz_cfg.keypad_max_digits = 8;
        fz_cfg.wrong_limit = 3;
        fz_cfg.guess_limit = 12;
        fz_cfg.digit_timeout_ms = 1000;
        fz_cfg.fail_window_ms = 60000;
        fz_cfg.lockout_ms[0] = 2000;
        fz_cfg.lockout_ms[1] = 5000;
        fz_cfg.lockout_ms[2] = 60000;
        fz_cfg.multi_window_ms = 3000;
    }
    fz_boot(&sc, 1);
    for (i = 0; i < N_USERS; i++) {
        struct lk_user u;

        memset(&u, 0, sizeof u);
        u.type = users[i].type;
        u.enabled = users[i].enabled;
        u.rule = users[i].rule;
        u.week_days = users[i].week_days;
        u.week_start_min = users[i].week_start_min;
        u.week_end_min = users[i].week_end_min;
        u.year_start_s = users[i].year_start_s;
        u.year_end_s = users[i].year_end_s;
        u.expiring_min = users[i].expiring_min;
        rc = lk_user_set(&fz_lk, (uint16_t)i, &u);
        if (rc != LK_OK) {
            fz_fail(__FILE__, __LINE__, "prepare: lk_user_set", rc, (long)i);
        }
    }
    for (i = 0; i < N_CREDS; i++) {
        size_t len = strlen(creds[i].pin);

        rc = lk_cred_set(&fz_lk, (uint16_t)i, creds[i].type, creds[i].user,
                         (const uint8_t *)creds[i].pin, len);
        if (rc != ((len > fz_lk.cfg.pin_max_len) ? LK_ERR_RANGE : LK_OK)) {
            fz_fail(__FILE__, __LINE__, "prepare: lk_cred_set", rc, (long)i);
        }
    }
    fz_run(100); /* the first poll reads the bolt */
    fz_snap_take(&snaps[setup]);
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

static uint32_t wall_now(void)
{
    return m.wall_s + (fz_sim.now - m.wall_ms) / 1000u;
}

/* As lockcore does at each poll, so the model's clock never wraps. */
static void rebase_wall(void)
{
    uint32_t secs = (fz_sim.now - m.wall_ms) / 1000u;

    m.wall_s += secs;
    m.wall_ms += secs * 1000u;
}

static void shadow_reset(void)
{
    m.shadow_n = 0;
    m.shadow_lost = 0;
    m.offline_entry = 0;
}

static int typed(const char *pin)
{
    size_t len = strlen(pin);
    unsigned i;

    if (m.shadow_lost) {
        return 1; /* unknown: give the benefit of the doubt */
    }
    for (i = 0; i + len <= m.shadow_n; i++) {
        if (memcmp(m.shadow + i, pin, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Wall-clock schedule of users 5, 6, 11 with 2 s of slack at the edges
 * (lockcore rounds port ms to s on its own). */
static int schedule_allows(unsigned u, uint32_t w)
{
    const struct kp_user *k = &users[u];
    int slack;

    for (slack = -2; slack <= 2; slack++) {
        uint32_t t = w + (uint32_t)slack;
        uint32_t minute = (t % 86400u) / 60u;
        uint32_t wday = (t / 86400u + 4u) % 7u;
        int in = 1;

        if (k->year_end_s != 0u && !(t >= k->year_start_s && t < k->year_end_s)) {
            in = 0;
        }
        if (k->week_days != 0u && (((k->week_days >> wday) & 1u) == 0u ||
                                    minute < k->week_start_min || minute >= k->week_end_min)) {
            in = 0;
        }
        if (in) {
            return 1;
        }
    }
    return 0;
}

/* A GRANTED event: is it explained? */
static void check_grant(const struct lk_event *e, int duress)
{
    const struct kp_cred *c;
    const struct kp_user *u;

    FZ_ASSERT(e->source == LK_SRC_KEYPAD);
    if (e->cred >= LK_CRED_OFFLINE_BASE) {
        /* an offline code: only with a trusted clock, typed after '*' */
        FZ_ASSERT(m.wall_set && m.offline_entry);
        FZ_ASSERT(e->user == LK_INDEX_NONE);
        return;
    }
    if (e->cred >= N_CREDS || creds[e->cred].type != LK_CRED_PIN) {
        fz_fail(__FILE__, __LINE__, "granted credential is an enrolled PIN", e->cred, 0);
    }
    c = &creds[e->cred];
    if (e->user != c->user) {
        fz_fail(__FILE__, __LINE__, "granted user owns the credential", e->user, e->cred);
    }
    if (!typed(c->pin)) {
        fz_fail(__FILE__, __LINE__, "granted PIN was typed in this entry", e->cred, 0);
    }
    u = &users[c->user];
    switch (u->opens) {
    case ALWAYS:
        break;
    case NEVER:
        fz_fail(__FILE__, __LINE__, "a user that never opens was granted", e->user, 0);
        break;
    case SCHEDULED:
        FZ_ASSERT(m.wall_set);
        if (!schedule_allows(c->user, wall_now())) {
            fz_fail(__FILE__, __LINE__, "granted outside the schedule", e->user,
                    (long)wall_now());
        }
        break;
    case ONCE:
        m.once_used++;
        if (m.once_used > 1u) {
            fz_fail(__FILE__, __LINE__, "disposable user opened twice", e->user, 0);
        }
        break;
    case DUAL:
        if (!m.pend_set || m.pend_cred == e->cred ||
            fz_sim.now - m.pend_ms >= m.multi_window_ms) {
            fz_fail(__FILE__, __LINE__, "dual-rule user granted without a second factor",
                    e->cred, m.pend_set ? m.pend_cred : -1);
        }
        m.pend_set = 0;
        break;
    case DURESS:
        if (duress < 0) {
            fz_fail(__FILE__, __LINE__, "forced user granted without its silent alarm", 0, 0);
        }
        break;
    case EXPIRES:
        FZ_ASSERT(m.wall_set);
        if (!m.first_use_set) {
            m.first_use_set = 1;
            m.first_use_s = wall_now();
        } else if (wall_now() - m.first_use_s >= 10u * 60u + 2u) {
            fz_fail(__FILE__, __LINE__, "expiring user granted after it expired",
                    (long)wall_now(), (long)m.first_use_s);
        }
        break;
    default:
        break;
    }
}

static void press(uint8_t raw)
{
    char key = (char)raw;
    struct lk_lockout_info li;
    int is_digit = key >= '0' && key <= '9';
    int rc;
    int g;
    int i;

    FZ_ASSERT(lk_lockout_info(&fz_lk, &li) == LK_OK);
    fz_ev_mark();
    rc = lk_keypad_key(&fz_lk, key);
    FZ_TRACE("  key 0x%02x -> %d", raw, rc);
    if (li.remaining_ms > 0u) {
        if (rc != LK_ERR_AGAIN) {
            fz_fail(__FILE__, __LINE__, "a key taken during a lockout", rc, (long)li.remaining_ms);
        }
    }
    if (is_digit) {
        FZ_RC(rc, LK_VERDICT_NONE, LK_ERR_AGAIN, LK_ERR_RANGE);
        if (m.shadow_n < sizeof m.shadow) {
            m.shadow[m.shadow_n++] = key;
        } else {
            m.shadow_lost = 1;
        }
    } else if (key == '*') {
        FZ_RC(rc, LK_VERDICT_NONE, LK_ERR_AGAIN);
        shadow_reset();
        m.offline_entry = 1;
    } else if (key == '#') {
        FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_VERDICT_NONE,
              LK_VERDICT_PROGRAMMING, LK_VERDICT_CLEARED, LK_ERR_AGAIN, LK_ERR_BUSY);
    } else {
        FZ_RC(rc, LK_ERR_INVAL, LK_ERR_AGAIN);
    }
    /* the events agree with the verdict */
    g = fz_ev_find(LK_OP_GRANTED, -1);
    if ((rc == LK_VERDICT_GRANTED) != (g >= 0)) {
        fz_fail(__FILE__, __LINE__, "GRANTED verdict <=> GRANTED event", rc, g);
    }
    if (g >= 0) {
        int duress = -1;

        for (i = 0; i < g; i++) {
            if (fz_ev.log[i].op == LK_OP_ALARM && fz_ev.log[i].reason == LK_REASON_FORCED_USER &&
                fz_ev.log[i].user == fz_ev.log[g].user) {
                duress = i;
            }
        }
        check_grant(&fz_ev.log[g], duress);
    }
    if (rc == LK_VERDICT_PENDING) {
        int p = fz_ev_find(LK_OP_STATE, LK_REASON_MORE_CREDENTIALS);

        FZ_ASSERT(p >= 0);
        FZ_ASSERT(fz_ev.log[p].user == 8u);
        m.pend_set = 1;
        m.pend_cred = fz_ev.log[p].cred;
        m.pend_ms = fz_sim.now;
    }
    if (rc == LK_VERDICT_PROGRAMMING) {
        int p = fz_ev_find(LK_OP_STATE, LK_REASON_PROGRAMMING);

        FZ_ASSERT(p >= 0 && fz_ev.log[p].cred == 2u && fz_ev.log[p].user == 1u);
        FZ_ASSERT(typed(creds[2].pin));
    }
    if (rc == LK_VERDICT_CLEARED) {
        FZ_ASSERT(m.wall_set && m.offline_entry);
    }
    if (rc == LK_VERDICT_DENIED) {
        FZ_ASSERT(fz_ev_find(LK_OP_DENIED, -1) >= 0);
    }
    if (key == '#' && rc != LK_ERR_BUSY) {
        shadow_reset();
    } else if (rc == LK_ERR_AGAIN) {
        shadow_reset(); /* a lockout drops the entry */
    }
    fz_check_world();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = { data, size };
    unsigned setup = fz_u8(&in) % N_SETUPS;
    int rc;

    fz_ev_reset();
    memset(&m, 0, sizeof m);
    fz_snap_restore(&snaps[setup]);
    m.multi_window_ms = fz_lk.cfg.multi_window_ms;
    FZ_TRACE("setup %u", setup);
    while (in.n > 0u) {
        uint8_t b = fz_u8(&in);

        if (b >= 0xF0u) {
            FZ_TRACE("  run %u ms", (unsigned)advance_ms[b & 15u]);
            fz_run(advance_ms[b & 15u]);
            rebase_wall();
        } else if (b == 0xE0u) {
            rc = lk_request_lock(&fz_lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE);
            FZ_TRACE("  request lock -> %d", rc);
            FZ_RC(rc, LK_OK, LK_ERR_BUSY);
            fz_check_world();
        } else if (b == 0xE1u) {
            rc = fz_reboot();
            FZ_TRACE("  reboot -> %d", rc);
            if (rc != LK_OK) {
                fz_fail(__FILE__, __LINE__, "reboot on lockcore's own storage", rc, 0);
            }
            m.wall_set = 0; /* the wall clock is not persisted */
            fz_check_world();
        } else if (b >= 0xE2u && b <= 0xE5u) {
            m.wall_set = 1;
            m.wall_s = wall_times[b - 0xE2u];
            m.wall_ms = fz_sim.now;
            FZ_TRACE("  wall %u", (unsigned)m.wall_s);
            FZ_ASSERT(lk_set_wall_time(&fz_lk, m.wall_s) == LK_OK);
        } else if (b == 0xE6u) {
            m.wall_set = 0;
            FZ_TRACE("  clear wall");
            FZ_ASSERT(lk_clear_wall_time(&fz_lk) == LK_OK);
        } else if (b == 0xE7u) {
            press(fz_u8(&in));
        } else {
            press(b);
        }
    }
    return 0;
}
