/*
 * Fuzz offline codes (docs/offline-codes.md): '*' + digits + '#' entries,
 * random ones and genuine ones made here with the real algorithm (K_off
 * from lk_offline_key, lk_hmac_sha256) with fuzzed kind, parameters, epoch
 * and time, with near misses and replays, under fuzzed wall clocks (moving
 * on, jumping back, around the hour index 500000 where the six-digit field
 * stops resolving from zero), time zones, modes, reboots and
 * lk_offline_reset (tests/fuzz/README.md).
 *
 * Input: byte 0 picks the setup (bit 0: clock starting 10 min before the
 * 32-bit wrap; bit 1: 60 s drift and 1 h one-time validity instead of the
 * defaults). Then each step is an op byte (op % N_OPS) and its operand
 * bytes; see step().
 *
 * The oracle is the document itself: before each code the harness reads
 * the lock's offline state (epoch, latest time seen, used list and floor)
 * and works out from docs/offline-codes.md alone what the lock must answer
 * (verdict, denial reason, the epoch after); the lock must agree exactly.
 */
#include <stdlib.h>
#include <string.h>

#include "cred_internal.h"
#include "fuzz_common.h"

#define N_SETUPS 4u

static struct fz_snap snaps[N_SETUPS];
static uint8_t koff[32];

static const uint32_t advance_ms[16] = {
    1, 10, 30, 100, 500, 1000, 2999, 5000, 10000, 30000, 60000, 90000,
    300000, 900000, 3600000, 86400000,
};

/* Per-run model. */
static struct {
    int wall_set;
    uint32_t wall_s, wall_ms;
    char last[14]; /* the last genuine code made, for replays */
    int have_last;
} m;

/* Wall times the harness sets stay within these, so that neither the lock's
 * 32-bit sums (t + drift, local time) nor the model's meet the end of
 * 2^32 s (year 2106) or the start of 1970. */
#define WALL_MIN 1000000000u
#define WALL_MAX (0xFFFFFFFFu - 3u * 86400u - (1u << 20))

static void prepare(unsigned setup)
{
    struct lk_sim_config sc;
    struct lk_user u;

    lk_sim_default_config(&sc);
    sc.start_ms = (setup & 1u) ? 0u - 600000u : 1000u;
    memset(&fz_cfg, 0, sizeof fz_cfg);
    if (setup & 2u) {
        fz_cfg.offline_drift_s = 60;
        fz_cfg.offline_otc_valid_s = 3600;
    }
    fz_boot(&sc, 1);
    memset(&u, 0, sizeof u);
    u.type = LK_USER_UNRESTRICTED;
    u.enabled = 1;
    FZ_ASSERT(lk_user_set(&fz_lk, 0, &u) == LK_OK); /* creates the offline state */
    FZ_ASSERT(lk_cred_set(&fz_lk, 0, LK_CRED_PIN, 0, (const uint8_t *)"246810", 6) == LK_OK);
    FZ_ASSERT(lk_offline_key(&fz_lk, koff) == LK_OK);
    fz_run(100);
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

/* ---- the model, from docs/offline-codes.md ---- */

struct state {
    int rc; /* of reading it */
    uint32_t epoch, high_s, floor;
    uint8_t n;
    uint32_t used[LK_OFFLINE_USED_MAX];
};

static void read_state(struct state *s)
{
    uint8_t v[OFFLINE_BYTES];
    unsigned i;

    memset(s, 0, sizeof *s);
    s->rc = lk_rec_get(&fz_lk, KEY_OFFLINE, v, OFFLINE_BYTES);
    if (s->rc == LK_OK) {
        s->epoch = lk_get32(v);
        s->high_s = lk_get32(v + 4);
        s->floor = lk_get32(v + 8);
        s->n = v[12];
        FZ_ASSERT(s->n <= LK_OFFLINE_USED_MAX);
        for (i = 0; i < LK_OFFLINE_USED_MAX; i++) {
            s->used[i] = lk_get32(v + 13 + 4 * i);
        }
    }
}

static uint32_t wall_now(void)
{
    return m.wall_s + (fz_sim.now - m.wall_ms) / 1000u;
}

static void rebase_wall(void)
{
    uint32_t secs = (fz_sim.now - m.wall_ms) / 1000u;

    m.wall_s += secs;
    m.wall_ms += secs * 1000u;
}

static uint32_t num(const char *d, unsigned n)
{
    uint32_t v = 0;

    while (n-- > 0u) {
        v = v * 10u + (uint32_t)(*d++ - '0');
    }
    return v;
}

static void put_num(char *d, uint32_t v, unsigned n)
{
    while (n-- > 0u) {
        d[n] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

/* M for epoch, the 8 kind+parameter digits and R. */
static uint32_t mac_digits(uint32_t epoch, const char *kp, uint32_t r)
{
    uint8_t msg[20];
    uint8_t out[32];

    memcpy(msg, "LKOC", 4);
    msg[4] = (uint8_t)(epoch >> 24);
    msg[5] = (uint8_t)(epoch >> 16);
    msg[6] = (uint8_t)(epoch >> 8);
    msg[7] = (uint8_t)epoch;
    memcpy(msg + 8, kp, 8);
    msg[16] = (uint8_t)(r >> 24);
    msg[17] = (uint8_t)(r >> 16);
    msg[18] = (uint8_t)(r >> 8);
    msg[19] = (uint8_t)r;
    lk_hmac_sha256(koff, sizeof koff, msg, sizeof msg, out);
    return (((uint32_t)out[0] << 24) | ((uint32_t)out[1] << 16) | ((uint32_t)out[2] << 8) |
            out[3]) % 1000000u;
}

/* Local day index of UNIX time t (step "Time"; t - drift may go below
 * the epoch only outside WALL_MIN..WALL_MAX). */
static int64_t local_day(int64_t t)
{
    int64_t l = t + 60 * (int64_t)fz_lk.cred.tz_min;

    return (l >= 0) ? l / 86400 : -((-l + 86399) / 86400);
}

/* Step 3: the value nearest to c whose low digits (mod m) are r. */
static int64_t resolve(int64_t c, int64_t r, int64_t mod)
{
    int64_t base = c - mod / 2;

    if (base < 0) {
        base = 0;
    }
    return base + (((r - base) % mod) + mod) % mod;
}

struct verdict {
    int rc;        /* LK_VERDICT_* */
    int reason;    /* for DENIED */
    int genuine;   /* MAC matched: the state moves on */
    uint32_t epoch_after;
    uint32_t high_after;
};

static void expect(const char *d, unsigned n, const struct state *s, struct verdict *v)
{
    uint32_t drift = fz_lk.cfg.offline_drift_s;
    uint32_t valid = fz_lk.cfg.offline_otc_valid_s;
    unsigned kind = (n > 0u) ? (unsigned)(d[0] - '0') : 0u;
    uint32_t e = s->epoch;
    int64_t t;
    int64_t r = 0;
    uint32_t mac;
    int ok0;
    int ok1;
    int in;

    memset(v, 0, sizeof *v);
    v->rc = LK_VERDICT_DENIED;
    v->reason = LK_REASON_RESTRICTED;
    v->epoch_after = s->epoch;
    v->high_after = s->high_s;
    /* no trusted clock, or the state missing (with users) or forged */
    if (!m.wall_set || (s->rc != LK_OK && !(s->rc == LK_ERR_NOENT && !fz_lk.cred.offline_bad))) {
        return;
    }
    t = wall_now();
    if (t < (int64_t)s->high_s) {
        t = s->high_s;
    }
    v->reason = LK_REASON_INVALID_CREDENTIAL;
    if (n != 14u || (kind != 1u && kind != 2u && kind != 3u && kind != 9u) ||
        (kind == 2u && !(num(d + 1, 2) < num(d + 3, 2) && num(d + 3, 2) <= 24u))) {
        return;
    }
    switch (kind) {
    case 2: r = resolve(local_day(t), num(d + 5, 3), 1000); break;
    case 3: r = num(d + 1, 7); break;
    default: r = resolve(t / 3600, num(d + 1, 6), 1000000); break;
    }
    mac = num(d + 8, 6);
    ok0 = mac == mac_digits(e, d, (uint32_t)r);
    ok1 = mac == mac_digits(e + 1u, d, (uint32_t)r);
    if (!ok0 && !ok1) {
        return;
    }
    /* genuine from here on */
    v->genuine = 1;
    v->reason = LK_REASON_RESTRICTED;
    v->high_after = (uint32_t)t;
    if (!ok0) {
        e += 1u;
    }
    v->epoch_after = e;
    if (kind != 9u && (fz_lk.cred.mode == LK_MODE_VACATION || fz_lk.cred.mode == LK_MODE_PRIVACY)) {
        return;
    }
    switch (kind) {
    case 2: {
        int64_t minute = (t + 60 * (int64_t)fz_lk.cred.tz_min) % 86400 / 60;
        int64_t w = drift / 60u;

        in = local_day(t - (int64_t)drift) <= r && 60 * (int64_t)num(d + 1, 2) - w <= minute &&
             minute < 60 * (int64_t)num(d + 3, 2) + w;
        break;
    }
    case 3: in = t < 3600 * r + drift; break;
    default: in = 3600 * r - drift <= t && t < 3600 * r + valid + drift; break;
    }
    if (!in) {
        return;
    }
    if (kind == 1u) {
        uint32_t id = (uint32_t)r * 16u + (uint32_t)(d[7] - '0');
        unsigned i;

        if (ok0) { /* under the new epoch the list and floor start empty */
            if (id <= s->floor) {
                return;
            }
            for (i = 0; i < s->n; i++) {
                if (s->used[i] == id) {
                    return;
                }
            }
        }
    }
    if (kind == 9u) {
        v->rc = LK_VERDICT_CLEARED;
        v->epoch_after = e + 1u;
    } else {
        v->rc = LK_VERDICT_GRANTED;
    }
}

/* ---- entering codes ---- */

static void enter(const char *d, unsigned n)
{
    struct state before;
    struct state after;
    struct verdict want;
    unsigned i;
    int rc;
    int denied;

    if (fz_lk.cred.entry_flags != 0u) {
        (void)lk_keypad_key(&fz_lk, '*'); /* cancel what raw keys began */
    }
    read_state(&before);
    expect(d, n, &before, &want);
    fz_ev_mark();
    rc = lk_keypad_key(&fz_lk, '*');
    FZ_RC(rc, LK_VERDICT_NONE, LK_ERR_AGAIN);
    if (rc == LK_ERR_AGAIN) {
        FZ_TRACE("  code: locked out");
        return;
    }
    for (i = 0; i < n; i++) {
        rc = lk_keypad_key(&fz_lk, d[i]);
        if (i < 14u) {
            FZ_RC(rc, LK_VERDICT_NONE);
        } else if (i == 14u) {
            FZ_RC(rc, LK_ERR_RANGE); /* overlong: one wrong attempt, denied */
        } else {
            FZ_RC(rc, LK_ERR_RANGE, LK_ERR_AGAIN);
        }
    }
    rc = lk_keypad_key(&fz_lk, '#');
    FZ_TRACE("  code *%.*s# (wall %u%s, epoch %u, T %u) -> %d, want %d/%d", (int)n, d,
             (unsigned)wall_now(), m.wall_set ? "" : " untrusted", (unsigned)before.epoch,
             (unsigned)before.high_s, rc, want.rc, want.reason);
    if (rc == LK_ERR_BUSY) {
        (void)lk_keypad_key(&fz_lk, '*');
        return;
    }
    if (n > 14u) {
        FZ_RC(rc, LK_VERDICT_NONE, LK_ERR_AGAIN); /* the overlong entry ends */
        return;
    }
    if (rc != want.rc) {
        fz_fail(__FILE__, __LINE__, "verdict as docs/offline-codes.md says", rc, want.rc);
    }
    denied = fz_ev_find(LK_OP_DENIED, -1);
    if (rc == LK_VERDICT_DENIED) {
        FZ_ASSERT(denied >= 0);
        if (fz_ev.log[denied].reason != want.reason) {
            fz_fail(__FILE__, __LINE__, "denial reason as docs/offline-codes.md says",
                    fz_ev.log[denied].reason, want.reason);
        }
    } else if (rc == LK_VERDICT_GRANTED) {
        int g = fz_ev_find(LK_OP_GRANTED, -1);

        FZ_ASSERT(g >= 0 && fz_ev.log[g].cred == LK_CRED_OFFLINE_BASE + (unsigned)(d[0] - '0'));
    } else {
        FZ_ASSERT(fz_ev_find(LK_OP_STATE, LK_REASON_OFFLINE_CLEARED) >= 0);
    }
    read_state(&after);
    if (before.rc == LK_OK && after.rc == LK_OK &&
        (after.epoch != want.epoch_after || after.high_s != want.high_after)) {
        fz_fail(__FILE__, __LINE__, "epoch and latest time after the code", (long)after.epoch,
                (long)want.epoch_after);
    }
}

/* A genuine code from operands (docs/offline-codes.md, "What the guest
 * types"), maybe with one digit changed. */
static void make_code(struct fz_in *in, char *d)
{
    static const unsigned kinds[4] = { 1, 2, 3, 9 };
    static const int32_t epoch_delta[4] = { 0, 1, 2, -1 };
    struct state s;
    uint8_t sel = fz_u8(in);
    uint8_t a = fz_u8(in);
    uint8_t b = fz_u8(in);
    uint8_t c = fz_u8(in);
    unsigned kind = kinds[sel & 3u];
    uint32_t t = m.wall_set ? wall_now() : FZ_T0;
    uint32_t r;

    read_state(&s);
    if (s.high_s > t && (sel & 0x40u)) {
        t = s.high_s;
    }
    d[0] = (char)('0' + kind);
    switch (kind) {
    case 2: {
        uint32_t aa = b % 25u;
        uint32_t bb = c % 26u;

        r = (uint32_t)(local_day(t) + (int8_t)a);
        put_num(d + 1, aa, 2);
        put_num(d + 3, bb, 2);
        put_num(d + 5, r % 1000u, 3);
        break;
    }
    case 3:
        r = t / 3600u + (uint32_t)(int32_t)(int16_t)(a | (b << 8));
        put_num(d + 1, r % 10000000u, 7);
        break;
    default:
        r = t / 3600u + (uint32_t)(int32_t)(int8_t)a;
        put_num(d + 1, r % 1000000u, 6);
        put_num(d + 7, b % 10u, 1);
        break;
    }
    put_num(d + 8, mac_digits(s.epoch + (uint32_t)epoch_delta[(sel >> 2) & 3u], d, r), 6);
    if (sel & 0x10u) {
        unsigned at = c % 14u;

        d[at] = (char)('0' + (d[at] - '0' + 1 + (sel >> 5)) % 10);
    }
}

enum {
    OP_WALL, OP_CLEAR_WALL, OP_TIME_ZONE, OP_RANDOM_CODE, OP_GENUINE_CODE, OP_REBOOT, OP_RUN,
    OP_MODE, OP_RESET, OP_SETTLE, OP_RAW_KEY, OP_REPLAY, N_OPS
};

static void step(struct fz_in *in)
{
    char d[16];
    unsigned i;
    unsigned n;
    int rc;
    unsigned op = fz_u8(in) % N_OPS;

    fz_ev_mark();
    switch (op) {
    case OP_WALL: {
        uint8_t how = fz_u8(in);
        uint32_t v = fz_u32(in);
        uint32_t t;

        switch (how % 5u) {
        case 0: t = FZ_T0 + (uint32_t)((int32_t)(int16_t)v * 60); break;
        case 1: t = (m.wall_set ? wall_now() : FZ_T0) + (v & 0xFFFFFu); break; /* on */
        case 2: t = WALL_MIN + v % (WALL_MAX - WALL_MIN); break;
        case 3: t = 1800000000u + (uint32_t)((int32_t)(int16_t)v * 60); break; /* hour 500000 */
        default: t = (m.wall_set ? wall_now() : FZ_T0) - (v & 0xFFFFFu); break; /* back */
        }
        if (t < WALL_MIN || t > WALL_MAX) {
            t = FZ_T0;
        }
        FZ_TRACE("  wall %u", (unsigned)t);
        FZ_ASSERT(lk_set_wall_time(&fz_lk, t) == LK_OK);
        m.wall_set = 1;
        m.wall_s = t;
        m.wall_ms = fz_sim.now;
        break;
    }
    case OP_CLEAR_WALL:
        FZ_ASSERT(lk_clear_wall_time(&fz_lk) == LK_OK);
        m.wall_set = 0;
        break;
    case OP_TIME_ZONE: {
        int tz = (int)((unsigned)fz_u16(in) % 1600u) - 740;

        rc = lk_set_time_zone(&fz_lk, tz);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE);
        FZ_ASSERT((rc == LK_OK) == (tz >= -720 && tz <= 840));
        break;
    }
    case OP_RANDOM_CODE:
        n = fz_u8(in) % 17u;
        for (i = 0; i < n; i++) {
            d[i] = (char)('0' + fz_u8(in) % 10u);
        }
        enter(d, n);
        break;
    case OP_GENUINE_CODE:
        make_code(in, d);
        memcpy(m.last, d, 14);
        m.have_last = 1;
        enter(d, 14);
        break;
    case OP_REPLAY:
        if (m.have_last) {
            enter(m.last, 14);
        }
        break;
    case OP_REBOOT:
        rc = fz_reboot();
        FZ_TRACE("  reboot -> %d", rc);
        if (rc != LK_OK) {
            fz_fail(__FILE__, __LINE__, "reboot on lockcore's own storage", rc, 0);
        }
        m.wall_set = 0;
        break;
    case OP_RUN: {
        uint8_t b = fz_u8(in);

        FZ_TRACE("  run %u ms", (unsigned)advance_ms[b & 15u]);
        fz_run(advance_ms[b & 15u]);
        rebase_wall();
        break;
    }
    case OP_MODE: {
        int mode = fz_u8(in) % (LK_MODE_COUNT_ + 1u);

        rc = lk_set_mode(&fz_lk, mode);
        FZ_RC(rc, LK_OK, LK_ERR_RANGE);
        break;
    }
    case OP_RESET: {
        struct state s;
        uint32_t epoch;

        read_state(&s);
        epoch = s.epoch + (uint32_t)(int32_t)(int8_t)fz_u8(in);
        rc = lk_offline_reset(&fz_lk, epoch);
        FZ_TRACE("  offline_reset %u -> %d", (unsigned)epoch, rc);
        FZ_RC(rc, LK_OK, LK_ERR_AGAIN);
        FZ_ASSERT((rc == LK_OK) == (m.wall_set != 0));
        if (rc == LK_OK) {
            read_state(&s);
            FZ_ASSERT(s.rc == LK_OK && s.epoch == epoch && s.n == 0u);
            /* every one-time code up to the current hour (+ drift) counts as used */
            FZ_ASSERT(s.floor >= ((wall_now() + fz_lk.cfg.offline_drift_s) / 3600u) * 16u + 15u);
        }
        break;
    }
    case OP_SETTLE:
        fz_run(3000);
        if (lk_get_state(&fz_lk) == LK_STATE_UNLOCKED) {
            rc = lk_request_lock(&fz_lk, LK_SRC_BUTTON, LK_INDEX_NONE, LK_INDEX_NONE);
            FZ_RC(rc, LK_OK, LK_ERR_BUSY);
            fz_run(3000);
        }
        rebase_wall();
        break;
    case OP_RAW_KEY: {
        uint8_t k = fz_u8(in);

        rc = lk_keypad_key(&fz_lk, (char)k);
        FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_VERDICT_NONE,
              LK_VERDICT_PROGRAMMING, LK_VERDICT_CLEARED, LK_ERR_AGAIN, LK_ERR_BUSY,
              LK_ERR_INVAL, LK_ERR_RANGE);
        break;
    }
    default:
        break;
    }
    fz_check_world();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = { data, size };
    unsigned setup = fz_u8(&in) % N_SETUPS;

    fz_ev_reset();
    memset(&m, 0, sizeof m);
    fz_snap_restore(&snaps[setup]);
    FZ_TRACE("setup %u", setup);
    while (in.n > 0u) {
        step(&in);
    }
    return 0;
}
