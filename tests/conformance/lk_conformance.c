/*
 * The conformance cases and the framework-free runner. Every case uses only
 * the port contract (through lk_checker) and lockcore's public API.
 */
#include "lk_conformance.h"

#include "lk_checker.h"

#define NEED_CURRENT 0x01u
#define NEED_POWER 0x02u
#define NEED_ENTROPY 0x04u
#define NEED_INDICATE 0x08u
#define NEED_SYNC 0x10u
#define NEED_WHOLE_SCRATCH 0x20u
#define NEED_SELECT 0x40u
#define NEED_LOADS 0x80u

/* Everything a case works with; lives on the runner's stack. */
struct conf {
    const struct lk_conf_target *t;
    const struct lk_port *p; /* the vendor port, unwrapped */
    struct lk_checker chk;
    struct lk_lock lk;
    char *msg;
    size_t msg_len;
    size_t msg_used;
};

/* ---- small text helpers (no libc) ---- */

static void say(struct conf *c, const char *s)
{
    while (c->msg != NULL && *s != '\0' && c->msg_used + 1u < c->msg_len) {
        c->msg[c->msg_used++] = *s++;
    }
    if (c->msg != NULL && c->msg_len > 0u) {
        c->msg[c->msg_used] = '\0';
    }
}

static void int_text(char *buf, long v)
{
    char tmp[24];
    unsigned long u = (v < 0) ? (unsigned long)(-(v + 1)) + 1u : (unsigned long)v;
    int n = 0;
    int i = 0;

    do {
        tmp[n++] = (char)('0' + (int)(u % 10u));
        u /= 10u;
    } while (u != 0u);
    if (v < 0) {
        buf[i++] = '-';
    }
    while (n > 0) {
        buf[i++] = tmp[--n];
    }
    buf[i] = '\0';
}

static void say_int(struct conf *c, long v)
{
    char buf[24];

    int_text(buf, v);
    say(c, buf);
}

/* Fail with "<callback> <what> <number>". */
static int fail_cb(struct conf *c, const char *cb, const char *what, long v)
{
    say(c, cb);
    say(c, " ");
    say(c, what);
    say(c, " ");
    say_int(c, v);
    return LK_CONF_FAIL;
}

static int fail(struct conf *c, const char *what)
{
    say(c, what);
    return LK_CONF_FAIL;
}

static int checker_verdict(struct conf *c);

/* A callback failed: the checker's finding names the rule if it has one,
 * else "<callback> <what> <rc>". */
static int rc_fail(struct conf *c, const char *cb, const char *what, long rc)
{
    return (c->chk.violations != 0u) ? checker_verdict(c) : fail_cb(c, cb, what, rc);
}

/* The checker's verdict: a failure naming the callback, or pass. */
static int checker_verdict(struct conf *c)
{
    if (c->chk.violations == 0u) {
        return LK_CONF_PASS;
    }
    say(c, lk_checker_cb_name(c->chk.first_cb));
    say(c, ": ");
    say(c, c->chk.first_rule);
    return LK_CONF_FAIL;
}

static void wrap(struct conf *c)
{
    lk_checker_wrap(&c->chk, c->p, c->t->scratch_off, c->t->scratch_size);
}

/* ---- port cases ---- */

static int case_required(struct conf *c)
{
    const struct lk_port *p = c->p;

    if (p->abi_version != LK_PORT_ABI_VERSION) {
        return fail_cb(c, "abi_version", "is", (long)p->abi_version);
    }
    if (p->now_ms == NULL) return fail(c, "now_ms missing");
    if (p->storage_read == NULL) return fail(c, "storage_read missing");
    if (p->storage_prog == NULL) return fail(c, "storage_prog missing");
    if (p->storage_erase == NULL) return fail(c, "storage_erase missing");
    if (p->motor_drive == NULL) return fail(c, "motor_drive missing");
    if (p->sensor_read == NULL) return fail(c, "sensor_read missing");
    return LK_CONF_PASS;
}

static int case_geometry(struct conf *c)
{
    const struct lk_port *p = c->p;
    uint32_t size = (c->t->scratch_size != 0u) ? c->t->scratch_size : p->storage_size;

    if (p->storage_size == 0u || p->erase_size == 0u || p->prog_size == 0u) {
        return fail(c, "storage geometry has a zero size");
    }
    if (p->prog_size > LK_STORE_PROG_MAX) {
        return fail_cb(c, "prog_size", "is above LK_STORE_PROG_MAX:", (long)p->prog_size);
    }
    if (p->erase_size % p->prog_size != 0u || p->storage_size % p->erase_size != 0u) {
        return fail(c, "storage geometry: units do not divide");
    }
    if (c->t->scratch_off % p->erase_size != 0u || size % p->erase_size != 0u ||
        c->t->scratch_off > p->storage_size || size > p->storage_size - c->t->scratch_off ||
        size / p->erase_size < 2u) {
        return fail(c, "scratch region is not two or more whole erase units inside the region");
    }
    return LK_CONF_PASS;
}

/* Read [off, off+len) and check every byte equals want (or pattern). */
static int expect_bytes(struct conf *c, uint32_t off, uint32_t len, int erased, uint8_t seed)
{
    uint8_t buf[64];
    uint32_t i;
    int rc;

    while (len > 0u) {
        uint32_t n = (len < sizeof buf) ? len : (uint32_t)sizeof buf;

        rc = c->chk.port.storage_read(&c->chk, off, buf, n);
        if (rc != LK_OK) {
            return rc_fail(c, "storage_read", "returned", rc);
        }
        for (i = 0; i < n; i++) {
            uint8_t want = erased ? c->p->erase_value : (uint8_t)(seed + 37u * (off + i));

            if (buf[i] != want) {
                return fail_cb(c, "storage_read", "gave a wrong byte at offset", (long)(off + i));
            }
        }
        off += n;
        len -= n;
    }
    return checker_verdict(c);
}

static int erase_at(struct conf *c, uint32_t off)
{
    int rc = c->chk.port.storage_erase(&c->chk, off);

    return (rc == LK_OK) ? checker_verdict(c) : rc_fail(c, "storage_erase", "returned", rc);
}

static int prog_pattern(struct conf *c, uint32_t off, uint8_t seed);

/* Write into two neighbouring units, erase one: it reads erased, and its
 * neighbour is untouched. */
static int case_erase(struct conf *c)
{
    const uint32_t a = c->t->scratch_off;
    const uint32_t b = a + c->p->erase_size;
    int r;

    if ((r = erase_at(c, a)) != LK_CONF_PASS || (r = erase_at(c, b)) != LK_CONF_PASS ||
        (r = expect_bytes(c, a, c->p->erase_size, 1, 0)) != LK_CONF_PASS ||
        (r = prog_pattern(c, a, 5)) != LK_CONF_PASS || (r = prog_pattern(c, b, 5)) != LK_CONF_PASS ||
        (r = expect_bytes(c, a, c->p->prog_size, 0, 5)) != LK_CONF_PASS ||
        (r = erase_at(c, a)) != LK_CONF_PASS) {
        return r;
    }
    if ((r = expect_bytes(c, a, c->p->erase_size, 1, 0)) != LK_CONF_PASS) {
        return r;
    }
    if ((r = expect_bytes(c, b, c->p->prog_size, 0, 5)) != LK_CONF_PASS) {
        say(c, " (storage_erase changed the next unit)");
        return r;
    }
    return erase_at(c, b);
}

/* Program one prog unit of pattern at off (erased before). */
static int prog_pattern(struct conf *c, uint32_t off, uint8_t seed)
{
    uint8_t buf[LK_STORE_PROG_MAX];
    uint32_t i;
    int rc;

    if (c->p->prog_size > sizeof buf) {
        return fail(c, "prog_size larger than LK_STORE_PROG_MAX");
    }
    for (i = 0; i < c->p->prog_size; i++) {
        buf[i] = (uint8_t)(seed + 37u * (off + i));
    }
    rc = c->chk.port.storage_prog(&c->chk, off, buf, c->p->prog_size);
    return (rc == LK_OK) ? checker_verdict(c) : rc_fail(c, "storage_prog", "returned", rc);
}

static int case_prog_read(struct conf *c)
{
    const uint32_t unit = c->p->prog_size;
    const uint32_t per_erase = c->p->erase_size / unit;
    const uint32_t first = c->t->scratch_off;
    const uint32_t last_unit = first + c->chk.scratch_size - c->p->erase_size;
    const uint32_t last = first + c->chk.scratch_size - unit;
    /* an odd prog unit inside the first erase unit, if it has room */
    const uint32_t k = (per_erase >= 4u) ? 3u : (per_erase >= 2u) ? 1u : 0u;
    const uint32_t odd = first + k * unit;
    uint8_t b[3];
    int r;

    if ((r = erase_at(c, first)) != LK_CONF_PASS || (r = erase_at(c, last_unit)) != LK_CONF_PASS ||
        (r = prog_pattern(c, first, 11)) != LK_CONF_PASS ||
        (r = prog_pattern(c, last, 11)) != LK_CONF_PASS ||
        (k != 0u && (r = prog_pattern(c, odd, 11)) != LK_CONF_PASS)) {
        return r;
    }
    if ((r = expect_bytes(c, first, unit, 0, 11)) != LK_CONF_PASS ||
        (r = expect_bytes(c, last, unit, 0, 11)) != LK_CONF_PASS ||
        (k != 0u && (r = expect_bytes(c, odd, unit, 0, 11)) != LK_CONF_PASS) ||
        (k > 1u && (r = expect_bytes(c, first + unit, (k - 1u) * unit, 1, 0)) != LK_CONF_PASS)) {
        return r;
    }
    /* reads have no alignment rule: 3 bytes from an odd offset */
    if (unit >= 4u) {
        if (c->chk.port.storage_read(&c->chk, first + 1u, b, 3) != LK_OK) {
            return rc_fail(c, "storage_read", "refused an unaligned read with", -1);
        }
        if (b[0] != (uint8_t)(11u + 37u * (first + 1u)) || b[2] != (uint8_t)(11u + 37u * (first + 3u))) {
            return fail(c, "storage_read gave a wrong byte on an unaligned read");
        }
    }
    return checker_verdict(c);
}

static int case_sync(struct conf *c)
{
    int rc = c->chk.port.storage_sync(&c->chk);

    return (rc == LK_OK) ? LK_CONF_PASS : fail_cb(c, "storage_sync", "returned", rc);
}

static int case_clock(struct conf *c)
{
    uint32_t start = c->p->now_ms(c->p->ctx);
    uint32_t prev = start;
    uint32_t now;
    unsigned long i;

    for (i = 0; i < 2000000ul; i++) {
        now = c->p->now_ms(c->p->ctx);
        if ((int32_t)(now - prev) < 0) {
            return fail_cb(c, "now_ms", "went backwards by", (long)(prev - now));
        }
        prev = now;
        if (now - start >= 3u) {
            return LK_CONF_PASS;
        }
    }
    return fail(c, "now_ms never advanced 3 ms");
}

static int case_entropy(struct conf *c)
{
    uint8_t a[32];
    uint8_t b[32];
    unsigned same = 0;
    unsigned differ = 0;
    unsigned i;
    int rc = c->chk.port.entropy(&c->chk, a, sizeof a);

    if (rc == LK_OK) {
        rc = c->chk.port.entropy(&c->chk, b, sizeof b);
    }
    if (rc != LK_OK) {
        return rc_fail(c, "entropy", "returned", rc);
    }
    for (i = 1; i < sizeof a; i++) {
        same += (a[i] == a[0]);
        differ += (a[i] != b[i]);
    }
    if (same == sizeof a - 1u) {
        return fail(c, "entropy returned a constant buffer");
    }
    if (differ == 0u) {
        return fail(c, "entropy repeated itself");
    }
    return checker_verdict(c);
}

static int case_motor(struct conf *c)
{
    int rc;

    if ((rc = c->chk.port.motor_drive(&c->chk, LK_MOTOR_COAST)) != LK_OK) {
        return rc_fail(c, "motor_drive", "refused COAST with", rc);
    }
    if ((rc = c->chk.port.motor_drive(&c->chk, LK_MOTOR_BRAKE)) != LK_OK) {
        return rc_fail(c, "motor_drive", "refused BRAKE with", rc);
    }
    if ((rc = c->chk.port.motor_drive(&c->chk, 4)) >= 0) {
        return rc_fail(c, "motor_drive", "accepted command 4, returned", rc);
    }
    if ((rc = c->chk.port.motor_drive(&c->chk, -1)) >= 0) {
        return rc_fail(c, "motor_drive", "accepted command -1, returned", rc);
    }
    (void)c->chk.port.motor_drive(&c->chk, LK_MOTOR_COAST);
    return LK_CONF_PASS;
}

static int case_current(struct conf *c)
{
    uint32_t ma = 0;
    int rc = c->chk.port.motor_current_ma(&c->chk, &ma);

    return (rc == LK_OK) ? checker_verdict(c) : fail_cb(c, "motor_current_ma", "returned", rc);
}

static int case_sensors(struct conf *c)
{
    uint8_t level = 0;
    int s;
    int rc = c->chk.port.sensor_read(&c->chk, LK_SENSOR_BOLT, &level);

    if (rc != LK_OK) {
        return rc_fail(c, "sensor_read", "(bolt) returned", rc);
    }
    if (level > LK_BOLT_BETWEEN) {
        return rc_fail(c, "sensor_read", "(bolt) gave level", level);
    }
    for (s = LK_SENSOR_KEY; s < LK_SENSOR_COUNT_; s++) {
        rc = c->chk.port.sensor_read(&c->chk, s, &level);
        if ((c->p->sensors_fitted & (1u << s)) == 0u) {
            if (rc != LK_ERR_NOTSUP) {
                return rc_fail(c, "sensor_read", "of an unfitted sensor did not say NOTSUP:", rc);
            }
        } else if (rc != LK_OK || level > 1u) {
            return rc_fail(c, "sensor_read", "of a fitted sensor failed or gave level",
                           rc != LK_OK ? rc : level);
        }
    }
    if ((rc = c->chk.port.sensor_read(&c->chk, LK_SENSOR_COUNT_ + 20, &level)) >= 0) {
        return rc_fail(c, "sensor_read", "accepted an unknown sensor, returned", rc);
    }
    return checker_verdict(c);
}

static int case_power(struct conf *c)
{
    struct lk_power_sample ps;
    int s;
    int rc;

    for (s = 0; s < LK_PSRC_COUNT_; s++) {
        rc = c->chk.port.power_read(&c->chk, s, &ps);
        if (rc != LK_OK) {
            return rc_fail(c, "power_read", "returned", rc);
        }
        if (ps.mv > 60000u) {
            return rc_fail(c, "power_read", "gave mV above 60000:", (long)ps.mv);
        }
    }
    if ((rc = c->chk.port.power_read(&c->chk, LK_PSRC_COUNT_ + 20, &ps)) >= 0) {
        return rc_fail(c, "power_read", "accepted an unknown source, returned", rc);
    }
    return checker_verdict(c);
}

static int case_select(struct conf *c)
{
    int s;
    int rc;

    for (s = 0; s < LK_PSRC_RESERVE; s++) {
        rc = c->chk.port.source_select(&c->chk, s);
        if (rc != LK_OK && rc != LK_ERR_NOTSUP) {
            return rc_fail(c, "source_select", "refused a valid source with", rc);
        }
    }
    if ((rc = c->chk.port.source_select(&c->chk, LK_PSRC_COUNT_ + 20)) >= 0) {
        return rc_fail(c, "source_select", "accepted an unknown source, returned", rc);
    }
    (void)c->chk.port.source_select(&c->chk, LK_PSRC_MAIN);
    return checker_verdict(c);
}

static int case_loads(struct conf *c)
{
    int l;
    int rc;

    for (l = 0; l < LK_LOAD_COUNT_; l++) {
        if ((rc = c->chk.port.load_enable(&c->chk, l, 0)) != LK_OK ||
            (rc = c->chk.port.load_enable(&c->chk, l, 1)) != LK_OK) {
            return rc_fail(c, "load_enable", "refused a valid load with", rc);
        }
    }
    if ((rc = c->chk.port.load_enable(&c->chk, LK_LOAD_COUNT_ + 20, 1)) >= 0) {
        return rc_fail(c, "load_enable", "accepted an unknown load, returned", rc);
    }
    return checker_verdict(c);
}

static int case_indicate(struct conf *c)
{
    int w;
    int rc;

    for (w = 0; w < LK_IND_COUNT_; w++) {
        rc = c->chk.port.indicate(&c->chk, w, (uint8_t)(w == LK_IND_PROGRESS ? 50 : 0));
        if (rc != LK_OK) {
            return rc_fail(c, "indicate", "refused a valid indication with", rc);
        }
    }
    if ((rc = c->chk.port.indicate(&c->chk, LK_IND_COUNT_ + 20, 0)) >= 0) {
        return rc_fail(c, "indicate", "accepted an unknown indication, returned", rc);
    }
    if ((rc = c->chk.port.indicate(&c->chk, LK_IND_PROGRESS, 101)) >= 0) {
        return rc_fail(c, "indicate", "accepted 101 %, returned", rc);
    }
    return LK_CONF_PASS;
}

/* ---- lockcore on this port ---- */

static int init_lock(struct conf *c)
{
    int rc = lk_init(&c->lk, &c->chk.port, NULL);

    if (rc != LK_OK) {
        say(c, "lk_init: ");
        say(c, lk_strerror(rc));
        if (c->chk.violations != 0u) {
            say(c, "; ");
            (void)checker_verdict(c);
        }
        return LK_CONF_FAIL;
    }
    return checker_verdict(c);
}

static int case_lock_init(struct conf *c)
{
    uint32_t next;
    int r = init_lock(c);
    int rc;

    if (r != LK_CONF_PASS) {
        return r;
    }
    rc = lk_poll(&c->lk, &next);
    if (rc < 0) {
        return fail_cb(c, "lk_poll", "returned", rc);
    }
    return checker_verdict(c);
}

/* Log one event (an alarm silence, which moves nothing) and return its
 * sequence number, or 0. */
static uint32_t log_one(struct conf *c, uint16_t tag)
{
    uint32_t lo;
    uint32_t hi = 0;

    if (lk_alarm_silence(&c->lk, tag, (uint16_t)(tag + 1u)) != LK_OK ||
        lk_audit_bounds(&c->lk, &lo, &hi) != LK_OK) {
        return 0;
    }
    return hi;
}

static int expect_logged(struct conf *c, uint32_t seq, uint16_t tag)
{
    struct lk_event ev;
    int rc = lk_audit_read(&c->lk, seq, &ev);

    if (rc != LK_OK) {
        return fail_cb(c, "persisted entry lost after re-init: lk_audit_read", "returned", rc);
    }
    if (ev.user != tag || ev.cred != tag + 1u || ev.reason != LK_REASON_ALARM_SILENCED) {
        return fail(c, "persisted entry changed after re-init");
    }
    return LK_CONF_PASS;
}

static int case_roundtrip(struct conf *c)
{
    uint32_t seq;
    int r = init_lock(c);

    if (r != LK_CONF_PASS) {
        return r;
    }
    seq = log_one(c, 700);
    if (seq == 0u) {
        return fail(c, "could not write a record through the port");
    }
    if (c->t->reinit != NULL && (r = c->t->reinit(c->t->reinit_ctx)) != LK_OK) {
        return fail_cb(c, "reinit", "returned", r);
    }
    if ((r = init_lock(c)) != LK_CONF_PASS) {
        return r;
    }
    return expect_logged(c, seq, 700);
}

/* Cut power at every write of one logged event in turn (untorn and torn),
 * until an attempt completes: lockcore must re-init on what survived, keep
 * every earlier entry, and keep the cut entry whole or not at all. */
static int case_power_cut(struct conf *c)
{
    uint32_t n;
    uint32_t seq;
    uint32_t lo;
    uint32_t hi;
    int torn;
    int r;

    for (torn = 0; torn <= 1; torn++) {
        for (n = 0; n < 64u; n++) {
            int cut;

            wrap(c);
            if ((r = init_lock(c)) != LK_CONF_PASS) {
                return r;
            }
            seq = log_one(c, (uint16_t)(800u + n));
            if (seq == 0u) {
                return fail(c, "could not write a record through the port");
            }
            lk_checker_arm_cut(&c->chk, n, torn);
            (void)log_one(c, 900);
            cut = c->chk.cut_done;
            /* power comes back: a fresh instance on what survived */
            wrap(c);
            if ((r = init_lock(c)) != LK_CONF_PASS) {
                say(c, " (after a cut)");
                return r;
            }
            if ((r = expect_logged(c, seq, (uint16_t)(800u + n))) != LK_CONF_PASS) {
                return r;
            }
            if (lk_audit_bounds(&c->lk, &lo, &hi) != LK_OK ||
                (hi > seq && expect_logged(c, hi, 900) != LK_CONF_PASS)) {
                return fail(c, "the entry being written at the cut is neither whole nor absent");
            }
            if (log_one(c, 901) == 0u) {
                return fail(c, "storage not writable after a power cut");
            }
            if (!cut) {
                break; /* every write of the operation has been cut once */
            }
        }
    }
    return checker_verdict(c);
}

static int case_clock_wrap(struct conf *c)
{
    uint32_t next = 0;
    uint32_t now;
    uint32_t prev;
    uint32_t start;
    unsigned long i;
    int wrapped = 0;
    int r;
    int rc;

    /* Shift the port's clock to 100 ms before the wrap, then poll across. */
    c->chk.clock_offset = 0xFFFFFFFFu - 100u - c->p->now_ms(c->p->ctx);
    if ((r = init_lock(c)) != LK_CONF_PASS) {
        return r;
    }
    if (lk_set_wall_time(&c->lk, 1800000000u) != LK_OK) {
        return fail(c, "lk_set_wall_time failed");
    }
    start = c->chk.port.now_ms(&c->chk);
    prev = start;
    for (i = 0; i < 20000000ul; i++) {
        rc = lk_poll(&c->lk, &next);
        now = c->chk.port.now_ms(&c->chk);
        if (rc != LK_POLL_DEADLINE || (int32_t)(next - now) <= 0 ||
            next - now > 0x40000000u) {
            return fail_cb(c, "lockcore across the clock wrap: lk_poll", "returned", rc);
        }
        wrapped |= (now < prev);
        prev = now;
        if (now - start >= 250u) {
            return wrapped ? checker_verdict(c) : fail(c, "the clock did not wrap");
        }
    }
    return fail(c, "now_ms did not advance 250 ms");
}

/* ---- the table ---- */

struct conf_case {
    const char *name;
    uint32_t needs;
    int (*fn)(struct conf *c);
};

static const struct conf_case cases[] = {
    { "port: ABI version and required callbacks", 0, case_required },
    { "port: storage geometry and scratch region", 0, case_geometry },
    { "storage: erase reads back the erase value", 0, case_erase },
    { "storage: prog and read at first, last and odd offsets", 0, case_prog_read },
    { "storage: sync", NEED_SYNC, case_sync },
    { "clock: monotonic and advancing", 0, case_clock },
    { "entropy: not constant, not repeating", NEED_ENTROPY, case_entropy },
    { "motor: stop commands accepted, invalid refused", 0, case_motor },
    { "motor: current in range", NEED_CURRENT, case_current },
    { "sensors: levels in range, unknown and unfitted refused", 0, case_sensors },
    { "power: every source in range, unknown refused", NEED_POWER, case_power },
    { "power: source select accepts sources, refuses unknown", NEED_SELECT, case_select },
    { "power: load enable accepts loads, refuses unknown", NEED_LOADS, case_loads },
    { "indicate: every indication accepted, invalid refused", NEED_INDICATE, case_indicate },
    { "lockcore: init and first poll on this port", NEED_WHOLE_SCRATCH, case_lock_init },
    { "lockcore: a record survives re-init", NEED_WHOLE_SCRATCH, case_roundtrip },
    { "lockcore: recovers from power cuts at the port boundary", NEED_WHOLE_SCRATCH,
      case_power_cut },
    { "lockcore: deadlines across the 2^32 ms clock wrap", NEED_WHOLE_SCRATCH, case_clock_wrap },
};

#define N_CASES (sizeof cases / sizeof cases[0])

size_t lk_conf_count(void)
{
    return N_CASES;
}

const char *lk_conf_name(size_t i)
{
    return (i < N_CASES) ? cases[i].name : NULL;
}

/* Why a case cannot run on this port, or NULL. */
static const char *missing(const struct conf *c, uint32_t needs)
{
    const struct lk_port *p = c->p;

    if ((needs & NEED_CURRENT) && p->motor_current_ma == NULL) return "needs motor_current_ma";
    if ((needs & NEED_POWER) && p->power_read == NULL) return "needs power_read";
    if ((needs & NEED_ENTROPY) && p->entropy == NULL) return "needs entropy";
    if ((needs & NEED_INDICATE) && p->indicate == NULL) return "needs indicate";
    if ((needs & NEED_SYNC) && p->storage_sync == NULL) return "needs storage_sync";
    if ((needs & NEED_SELECT) && p->source_select == NULL) return "needs source_select";
    if ((needs & NEED_LOADS) && p->load_enable == NULL) return "needs load_enable";
    if ((needs & NEED_WHOLE_SCRATCH) &&
        (c->t->scratch_off != 0u ||
         (c->t->scratch_size != 0u && c->t->scratch_size != p->storage_size))) {
        return "needs the whole storage region as scratch";
    }
    return NULL;
}

/* A checksum of the storage outside the scratch region (0 when the scratch
 * region is the whole region), read straight from the port. */
static uint32_t outside_scratch_sum(struct conf *c)
{
    const struct lk_port *p = c->p;
    uint8_t buf[64];
    uint32_t sum = 0;
    uint32_t off;
    uint32_t i;

    for (off = 0; off < p->storage_size; off += sizeof buf) {
        uint32_t n = (p->storage_size - off < sizeof buf) ? p->storage_size - off : sizeof buf;

        if (off + n > c->chk.scratch_off && off < c->chk.scratch_off + c->chk.scratch_size) {
            continue; /* chunks touching scratch are the suite's own */
        }
        if (p->storage_read(p->ctx, off, buf, n) != LK_OK) {
            return 0;
        }
        for (i = 0; i < n; i++) {
            sum = (sum << 5 | sum >> 27) ^ buf[i];
        }
    }
    return sum;
}

int lk_conf_run_one(const struct lk_conf_target *t, size_t i, char *msg, size_t msg_len)
{
    struct conf c;
    const char *skip;

    c.msg = msg;
    c.msg_len = msg_len;
    c.msg_used = 0;
    say(&c, "");
    if (t == NULL || t->port == NULL || i >= N_CASES) {
        return fail(&c, "no port or no such case");
    }
    c.t = t;
    c.p = t->port;
    if (i > 0u && case_required(&c) != LK_CONF_PASS) {
        return LK_CONF_FAIL; /* names the missing callback; nothing else is safe */
    }
    if (i > 1u && case_geometry(&c) != LK_CONF_PASS) {
        return LK_CONF_FAIL;
    }
    skip = missing(&c, cases[i].needs);
    if (skip != NULL) {
        say(&c, skip);
        return LK_CONF_SKIP;
    }
    wrap(&c);
    {
        uint32_t before = outside_scratch_sum(&c);
        int r = cases[i].fn(&c);

        if (outside_scratch_sum(&c) != before) {
            say(&c, (r == LK_CONF_FAIL) ? "; and " : "");
            return fail(&c, "storage was changed outside the scratch region");
        }
        return r;
    }
}

int lk_conf_run(const struct lk_conf_target *t)
{
    char msg[160];
    char num[24];
    long counts[3] = { 0, 0, 0 };
    size_t i;

    if (t == NULL || t->out == NULL) {
        return -1;
    }
    t->out(t->out_ctx, "TAP version 13\n1..");
    int_text(num, (long)N_CASES);
    t->out(t->out_ctx, num);
    t->out(t->out_ctx, "\n");
    for (i = 0; i < N_CASES; i++) {
        int r = lk_conf_run_one(t, i, msg, sizeof msg);

        counts[r]++;
        t->out(t->out_ctx, r == LK_CONF_FAIL ? "not ok " : "ok ");
        int_text(num, (long)(i + 1u));
        t->out(t->out_ctx, num);
        t->out(t->out_ctx, " - ");
        t->out(t->out_ctx, cases[i].name);
        if (r == LK_CONF_SKIP) {
            t->out(t->out_ctx, " # SKIP ");
            t->out(t->out_ctx, msg);
        } else if (r == LK_CONF_FAIL) {
            t->out(t->out_ctx, "\n  # ");
            t->out(t->out_ctx, msg);
        }
        t->out(t->out_ctx, "\n");
    }
    t->out(t->out_ctx, "lockcore-conformance: ");
    int_text(num, counts[LK_CONF_PASS]);
    t->out(t->out_ctx, num);
    t->out(t->out_ctx, " passed, ");
    int_text(num, counts[LK_CONF_FAIL]);
    t->out(t->out_ctx, num);
    t->out(t->out_ctx, " failed, ");
    int_text(num, counts[LK_CONF_SKIP]);
    t->out(t->out_ctx, num);
    t->out(t->out_ctx, " skipped\n");
    return (int)counts[LK_CONF_FAIL];
}
