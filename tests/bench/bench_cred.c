/*
 * Credential-engine benchmark: one verdict per scenario, on the sim port,
 * measured from outside by tests/bench/bench-cred.sh with
 *   valgrind --tool=callgrind --toggle-collect=bench_measured_key
 *            --toggle-collect=bench_measured_present
 * so only the instructions inside the '#' keypress (keypad scenarios) or
 * the lk_cred_present call (card) are counted: the library's work and every
 * port callback it makes (sim_read, sim_prog, sim_now, sim_motor,
 * sim_indicate, ...) plus the application's event callback below.
 *
 * usage: bench_cred SCENARIO [REPS]
 *   worst-16digit   LK_USERS_MAX users, LK_CREDS_MAX 8-digit PINs; a
 *                   16-digit entry, decoys around the last PIN: granted
 *   typical-6digit  one user, one 6-digit PIN typed exactly: granted
 *   wrong-16digit   the full PIN store; a 16-digit entry holding no PIN:
 *                   denied (30 wrong guesses, no lockout yet)
 *   card-fullstore  LK_USERS_MAX users, LK_CREDS_MAX cards (7-byte UIDs);
 *                   the last card: granted
 *   check           every scenario once: verdicts only (a unit test)
 * Each of REPS (default 4) repetitions starts from the same snapshot of the
 * sim and the lock taken after enrolment (restored outside the measured
 * call), so every repetition costs the same. The store's log then holds
 * just the enrolment (no stale records, no compaction due). Prints
 *   bench scenario=NAME reps=N verdict=V storage_reads=R storage_progs=P
 *         storage_erases=E ok
 * (the port storage calls of one measured call)
 * and exits 1 when a verdict, its event or the sim's contract check is not
 * as expected, so a run never measures the wrong path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lk_sim.h"

#if defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#elif defined(__GNUC__)
#define BENCH_NOINLINE __attribute__((noinline, noclone))
#else
#define BENCH_NOINLINE
#endif

#define PIN_LEN 8u /* enrolled PINs of the full store: LK_DEFAULT_PIN_MAX_LEN */
#define CARD_LEN 7u
#define REPS_DEFAULT 4u

/* The measured calls: callgrind collects only while one is on the stack. */
BENCH_NOINLINE int bench_measured_key(struct lk_lock *lk, char key);
BENCH_NOINLINE int bench_measured_present(struct lk_lock *lk, int type, const uint8_t *data,
                                          size_t len);

BENCH_NOINLINE int bench_measured_key(struct lk_lock *lk, char key)
{
    return lk_keypad_key(lk, key);
}

BENCH_NOINLINE int bench_measured_present(struct lk_lock *lk, int type, const uint8_t *data,
                                          size_t len)
{
    return lk_cred_present(lk, type, data, len);
}

static const uint8_t device_key[32] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* The app's event callback: keeps the last verdict event (part of the
 * measured cost, as it would be on a lock). */
struct seen {
    struct lk_event last;
    unsigned n;
};

static struct lk_sim sim;
static struct lk_lock lk;
static struct lk_config cfg;
static struct seen seen;

static struct lk_sim sim_snap;
static struct lk_lock lk_snap;
static struct seen seen_snap;

/* What the scenario's setup leaves for its runs. */
static char entry[LK_KEYPAD_DIGITS_MAX + 2u]; /* keys before '#' */
static uint8_t card[CARD_LEN];
static uint16_t want_cred;
static uint16_t want_user;
/* Storage calls the sim saw during the last measured call. */
static uint32_t n_read;
static uint32_t n_prog;
static uint32_t n_erase;

static void on_event(void *ctx, const struct lk_event *ev)
{
    struct seen *s = ctx;

    if (ev->op == LK_OP_GRANTED || ev->op == LK_OP_DENIED) {
        s->last = *ev;
    }
    s->n++;
}

static void fail(const char *scen, const char *what, int got)
{
    fprintf(stderr, "bench_cred %s: FAIL %s (got %d)\n", scen, what, got);
    exit(1);
}

static void start(const char *scen)
{
    int rc;

    memset(&cfg, 0, sizeof cfg);
    memset(&seen, 0, sizeof seen);
    rc = lk_sim_init(&sim, NULL);
    if (rc != LK_OK) {
        fail(scen, "lk_sim_init", rc);
    }
    lk_sim_set_device_key(&sim, device_key);
    cfg.on_event = on_event;
    cfg.event_ctx = &seen;
    rc = lk_init(&lk, &sim.port, &cfg);
    if (rc != LK_OK) {
        fail(scen, "lk_init", rc);
    }
}

static void add_user(const char *scen, uint16_t idx)
{
    struct lk_user u;
    int rc;

    memset(&u, 0, sizeof u);
    u.type = LK_USER_UNRESTRICTED;
    u.enabled = 1;
    rc = lk_user_set(&lk, idx, &u);
    if (rc != LK_OK) {
        fail(scen, "lk_user_set", rc);
    }
}

/* Settle (the bolt is read, the lock is LOCKED), then snapshot. */
static void settle(const char *scen)
{
    int rc = lk_sim_run(&sim, &lk, 1000);

    if (rc != LK_OK) {
        fail(scen, "lk_sim_run", rc);
    }
    if (lk_get_state(&lk) != LK_STATE_LOCKED) {
        fail(scen, "lock not LOCKED before the verdict", lk_get_state(&lk));
    }
    sim_snap = sim;
    lk_snap = lk;
    seen_snap = seen;
}

/* LK_USERS_MAX users and LK_CREDS_MAX 8-digit PINs; credential i belongs to
 * user i % LK_USERS_MAX. The digits come from a fixed generator; a weak or
 * duplicate PIN is replaced by the next one. Returns the last PIN. */
static void full_pin_store(const char *scen, char last[PIN_LEN + 1u])
{
    uint32_t x = 20240611u;
    unsigned i;
    int rc;

    start(scen);
    for (i = 0; i < LK_USERS_MAX; i++) {
        add_user(scen, (uint16_t)i);
    }
    for (i = 0; i < LK_CREDS_MAX; i++) {
        do {
            unsigned k;

            for (k = 0; k < PIN_LEN; k++) {
                x = x * 1103515245u + 12345u;
                last[k] = (char)('0' + (x >> 16) % 10u);
            }
            last[PIN_LEN] = '\0';
            rc = lk_cred_set(&lk, (uint16_t)i, LK_CRED_PIN, (uint16_t)(i % LK_USERS_MAX),
                             (const uint8_t *)last, PIN_LEN);
        } while (rc == LK_ERR_WEAK || rc == LK_ERR_EXIST);
        if (rc != LK_OK) {
            fail(scen, "lk_cred_set (PIN)", rc);
        }
    }
    want_cred = (uint16_t)(LK_CREDS_MAX - 1u);
    want_user = (uint16_t)((LK_CREDS_MAX - 1u) % LK_USERS_MAX);
}

static void setup_worst(const char *scen)
{
    char pin[PIN_LEN + 1u];

    full_pin_store(scen, pin);
    /* 4 decoys, the PIN, decoys up to LK_KEYPAD_DIGITS_MAX digits */
    strcpy(entry, "9305");
    strcat(entry, pin);
    while (strlen(entry) < LK_KEYPAD_DIGITS_MAX) {
        strcat(entry, "7");
        if (strlen(entry) < LK_KEYPAD_DIGITS_MAX) {
            strcat(entry, "4");
        }
    }
    settle(scen);
}

static void setup_wrong(const char *scen)
{
    char pin[PIN_LEN + 1u];
    unsigned k;

    full_pin_store(scen, pin);
    /* LK_KEYPAD_DIGITS_MAX digits; the run checks that no window opens */
    for (k = 0; k < LK_KEYPAD_DIGITS_MAX; k++) {
        entry[k] = "8642097531"[k % 10u];
    }
    entry[LK_KEYPAD_DIGITS_MAX] = '\0';
    settle(scen);
}

static void setup_typical(const char *scen)
{
    int rc;

    start(scen);
    add_user(scen, 0);
    rc = lk_cred_set(&lk, 0, LK_CRED_PIN, 0, (const uint8_t *)"246810", 6);
    if (rc != LK_OK) {
        fail(scen, "lk_cred_set (PIN)", rc);
    }
    strcpy(entry, "246810");
    want_cred = 0;
    want_user = 0;
    settle(scen);
}

static void setup_card(const char *scen)
{
    unsigned i;
    int rc;

    start(scen);
    for (i = 0; i < LK_USERS_MAX; i++) {
        add_user(scen, (uint16_t)i);
    }
    for (i = 0; i < LK_CREDS_MAX; i++) {
        /* 7-byte NFC UIDs: manufacturer 0x04, then distinct bytes */
        card[0] = 0x04;
        card[1] = (uint8_t)(0x52u + i);
        card[2] = 0x9B;
        card[3] = (uint8_t)(i * 37u);
        card[4] = 0x33;
        card[5] = (uint8_t)(0x80u ^ i);
        card[6] = 0x01;
        rc = lk_cred_set(&lk, (uint16_t)i, LK_CRED_RFID, (uint16_t)(i % LK_USERS_MAX), card,
                         sizeof card);
        if (rc != LK_OK) {
            fail(scen, "lk_cred_set (RFID)", rc);
        }
    }
    /* card still holds the last one */
    want_cred = (uint16_t)(LK_CREDS_MAX - 1u);
    want_user = (uint16_t)((LK_CREDS_MAX - 1u) % LK_USERS_MAX);
    settle(scen);
}

/* One repetition from the snapshot: the keys before '#' unmeasured, then
 * the measured '#' (or card). Returns the verdict. */
static int run_once(int is_card)
{
    const char *k;
    uint32_t r0;
    uint32_t p0;
    uint32_t e0;
    int rc;

    sim = sim_snap;
    lk = lk_snap;
    seen = seen_snap;
    for (k = entry; !is_card && *k != '\0'; k++) {
        rc = lk_keypad_key(&lk, *k);
        if (rc != LK_VERDICT_NONE) {
            return -1000 + rc;
        }
    }
    r0 = sim.n_read;
    p0 = sim.n_prog;
    e0 = sim.n_erase;
    if (is_card) {
        rc = bench_measured_present(&lk, LK_CRED_RFID, card, sizeof card);
    } else {
        rc = bench_measured_key(&lk, '#');
    }
    n_read = sim.n_read - r0;
    n_prog = sim.n_prog - p0;
    n_erase = sim.n_erase - e0;
    return rc;
}

static void expect_granted(const char *scen, int rc, uint8_t source)
{
    if (rc != LK_VERDICT_GRANTED) {
        fail(scen, "verdict is not GRANTED", rc);
    }
    if (seen.last.op != LK_OP_GRANTED || seen.last.source != source) {
        fail(scen, "no GRANTED event from the expected source", seen.last.op);
    }
    if (seen.last.cred != want_cred || seen.last.user != want_user) {
        fail(scen, "GRANTED for another credential", (int)seen.last.cred);
    }
}

static void expect_denied(const char *scen, int rc, unsigned guesses)
{
    struct lk_lockout_info li;

    if (rc != LK_VERDICT_DENIED) {
        fail(scen, "verdict is not DENIED", rc);
    }
    if (seen.last.op != LK_OP_DENIED || seen.last.reason != LK_REASON_INVALID_CREDENTIAL ||
        seen.last.source != LK_SRC_KEYPAD) {
        fail(scen, "no DENIED (INVALID_CREDENTIAL) keypad event", seen.last.reason);
    }
    rc = lk_lockout_info(&lk, &li);
    if (rc != LK_OK || li.guesses != guesses || li.remaining_ms != 0u) {
        fail(scen, "wrong guess count, or a lockout started", (int)li.guesses);
    }
}

struct scenario {
    const char *name;
    void (*setup)(const char *scen);
    int is_card;
    int granted;
};

static const struct scenario scenarios[] = {
    { "worst-16digit", setup_worst, 0, 1 },
    { "typical-6digit", setup_typical, 0, 1 },
    { "wrong-16digit", setup_wrong, 0, 0 },
    { "card-fullstore", setup_card, 1, 1 },
};

#define N_SCEN (sizeof scenarios / sizeof scenarios[0])

/* Windows of LK_PIN_LEN_MIN..LK_PIN_LEN_MAX digits (the default lengths) in
 * an entry of n digits: the wrong guesses it counts. */
static unsigned windows(unsigned n)
{
    unsigned l;
    unsigned w = 0;

    for (l = LK_DEFAULT_PIN_MIN_LEN; l <= LK_DEFAULT_PIN_MAX_LEN; l++) {
        w += (n >= l) ? n - l + 1u : 0u;
    }
    return w;
}

static void run_scenario(const struct scenario *s, unsigned reps)
{
    unsigned r;
    int rc = 0;

    s->setup(s->name);
    for (r = 0; r < reps; r++) {
        rc = run_once(s->is_card);
        if (s->granted) {
            expect_granted(s->name, rc, s->is_card ? LK_SRC_RFID : LK_SRC_KEYPAD);
        } else {
            expect_denied(s->name, rc, windows((unsigned)strlen(entry)));
        }
        if (sim.violations != 0u) {
            fail(s->name, "sim port contract violations", (int)sim.violations);
        }
    }
    printf("bench scenario=%s reps=%u verdict=%d storage_reads=%lu storage_progs=%lu "
           "storage_erases=%lu ok\n",
           s->name, reps, rc, (unsigned long)n_read, (unsigned long)n_prog,
           (unsigned long)n_erase);
}

int main(int argc, char **argv)
{
    unsigned reps = REPS_DEFAULT;
    unsigned i;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_cred worst-16digit|typical-6digit|wrong-16digit|"
                        "card-fullstore|check [REPS]\n");
        return 2;
    }
    if (argc == 3) {
        long v = strtol(argv[2], NULL, 10);

        if (v < 1 || v > 1000) {
            fprintf(stderr, "bench_cred: REPS must be 1..1000\n");
            return 2;
        }
        reps = (unsigned)v;
    }
    if (strcmp(argv[1], "check") == 0) {
        for (i = 0; i < N_SCEN; i++) {
            run_scenario(&scenarios[i], 1);
        }
        return 0;
    }
    for (i = 0; i < N_SCEN; i++) {
        if (strcmp(argv[1], scenarios[i].name) == 0) {
            run_scenario(&scenarios[i], reps);
            return 0;
        }
    }
    fprintf(stderr, "bench_cred: unknown scenario %s\n", argv[1]);
    return 2;
}
