/*
 * Power-cut tests for the brute-force counter: a wrong guess must be counted
 * durably BEFORE anything tells its verdict, so cutting the power right after
 * a wrong guess (to dodge the count) never helps an attacker.
 *
 * For every scenario below, on every geometry, untorn and torn, the sim cuts
 * the power after k = 0, 1, 2, ... completed storage writes of one denied
 * attempt until the attempt completes uncut; lockcore re-inits from what
 * survived and these invariants are checked:
 *  (a) lk_init succeeds on the cut image, raises no STORE_CORRUPT /
 *      FACTORY_RESET alarm, and the sim saw no storage contract violation;
 *  (b) the persisted penalty never goes down: (tier, locked) never goes back,
 *      and at equal (tier, locked) neither attempts nor guesses go back (a
 *      lockout starting - tier + 1, locked, counters reset - counts as higher);
 *  (c) if the verdict was revealed before the cut (a DENIED or GRANTED event,
 *      a WRONG_CODE_LIMIT alarm told to the app, a DENIED/GRANTED/ALARM
 *      indication asked of the port, or an API call returned a verdict), the
 *      rebooted counter shows this attempt: attempts + 1 and guesses + g, or
 *      a lockout started;
 *  (d) the uncut attempt is denied (return value, DENIED event with
 *      INVALID_CREDENTIAL, DENIED indication) and counted after a reboot
 *      (for the 5th wrong PIN: a lockout started).
 * Each attempt is followed, inside the armed window, by 200 ms of the main
 * loop (lk_sim_run), so a counter saved lazily by lk_poll would be caught
 * by (c) through the verdict the API call had already returned.
 *
 * usage: powercut_guess [-v | replay yes|no GEOMETRY SCENARIO K]
 *   (no argument)  the full run; -v also prints one line per geometry and
 *                  scenario.
 *   replay         re-run one case as printed in a VIOLATION line, e.g.
 *                  powercut_guess replay yes nor pin-compact 3
 * Prints one line per torn setting; exits 1 on any violation.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_internal.h"
#include "lk_internal.h"
#include "lk_sim.h"

struct geo {
    const char *name;
    uint32_t size, erase, prog;
    uint8_t erased;
};

static const struct geo geos[] = {
    { "nor", 16384, 4096, 1, 0xFF },    { "mcu", 12288, 2048, 8, 0xFF },
    { "eeprom", 10240, 1, 1, 0xFF },    { "nor-00", 16384, 4096, 1, 0x00 },
    { "mcu-00", 12288, 2048, 8, 0x00 }, { "eeprom-00", 10240, 1, 1, 0x00 },
};
#define N_GEOS (sizeof geos / sizeof geos[0])

/* The port-held device key (as tests/unit/harness.c): bytes 0x00..0x1f. */
static const uint8_t device_key[32] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* The enrolled user 0 and its credentials. */
#define CRED_PIN 0u
#define CRED_CARD 1u
#define CRED_TOKEN 2u
static const char good_pin[] = "246810";
static const uint8_t good_card[4] = { 0x04, 0xA1, 0x22, 0x33 };
static const uint8_t wrong_card[4] = { 0x04, 0xA1, 0x22, 0x34 };
/* A one-time offline code (kind 1) whose six MAC digits are wrong (checked:
 * the uncut attempt must be denied with INVALID_CREDENTIAL). */
static const char wrong_offline[] = "*10000030000000#";
#define WALL_S 1800000000u

/* Store record header, bytes (docs/storage-format.md). */
#define REC_HDR 8u

static struct lk_sim sim;
static struct lk_lock lk;
static const struct geo *g;
static jmp_buf cut_jb;
static uint8_t image0[LK_SIM_STORAGE_MAX];

static unsigned violations;
static unsigned long n_revealed; /* cut points where the verdict had shown */
static char last_case[200];       /* the last attempt's states, for replay */
static char where[160];
static int verbose;

static void violation(const char *what)
{
    violations++;
    if (violations <= 40u) {
        printf("VIOLATION %s: %s\n", where, what);
        fflush(stdout);
    }
}

static void fatal(const char *what)
{
    fprintf(stderr, "powercut_guess: %s (%s)\n", what, where);
    exit(2);
}

/* ---- what the app and the port were told ---- */

static unsigned told_denied;   /* DENIED events (any reason) */
static unsigned told_invalid;  /* ... with INVALID_CREDENTIAL */
static unsigned told_granted;
static unsigned told_limit;    /* ALARM WRONG_CODE_LIMIT */
static unsigned told_corrupt;  /* ALARM STORE_CORRUPT / FACTORY_RESET */

static void on_event(void *ctx, const struct lk_event *ev)
{
    (void)ctx;
    if (ev->op == LK_OP_DENIED) {
        told_denied++;
        if (ev->reason == LK_REASON_INVALID_CREDENTIAL) {
            told_invalid++;
        }
    } else if (ev->op == LK_OP_GRANTED) {
        told_granted++;
    } else if (ev->op == LK_OP_ALARM) {
        if (ev->reason == LK_REASON_WRONG_CODE_LIMIT) {
            told_limit++;
        }
        if (ev->reason == LK_REASON_STORE_CORRUPT || ev->reason == LK_REASON_FACTORY_RESET) {
            told_corrupt++;
        }
    }
}

static void told_reset(void)
{
    told_denied = told_invalid = told_granted = told_limit = told_corrupt = 0;
}

static const struct lk_config lock_cfg = { .on_event = on_event };

/* Return values the operation got from the API (globals: survive longjmp). */
static int ret_verdict;   /* some call returned a verdict (>= 0, not NONE/PENDING) */
static int ret_last;      /* what the attempt's final call returned */

static void note_rc(int rc)
{
    ret_last = rc;
    if (rc >= 0 && rc != LK_VERDICT_NONE && rc != LK_VERDICT_PENDING) {
        ret_verdict = 1;
    }
}

/* ---- the lock ---- */

static void sim_fresh(uint32_t seed)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.seed = seed;
    lk_sim_config_geometry(&c, g->size, g->erase, g->prog, g->erased);
    if (lk_sim_init(&sim, &c) != LK_OK) {
        fatal("sim init failed");
    }
    lk_sim_set_device_key(&sim, device_key);
}

static int boot(void)
{
    int rc;

    told_reset();
    rc = lk_init(&lk, &sim.port, &lock_cfg);
    /* strokes (and so credentials) wait the brake time after a reset */
    sim.now += LK_DEFAULT_BRAKE_MS;
    return rc;
}

static void keys(const char *s)
{
    while (*s != '\0') {
        note_rc(lk_keypad_key(&lk, *s++));
    }
}

/* The persisted penalty as the rebooted lock holds it. */
struct pstate {
    unsigned tier, locked, attempts, guesses;
};

static struct pstate pstate_now(void)
{
    struct lk_lockout_info li;
    struct pstate s;

    s.tier = lk.cred.tier;
    s.locked = lk.cred.locked & 1u;
    s.attempts = lk.cred.attempts;
    s.guesses = lk.cred.guesses;
    if (lk_lockout_info(&lk, &li) != LK_OK) {
        violation("lk_lockout_info failed after boot");
        return s;
    }
    if (li.guesses != s.guesses || (li.remaining_ms != 0u) != (s.locked != 0u)) {
        violation("lk_lockout_info disagrees with the lock's state");
    }
    return s;
}

/* 1 if b is not lower than a (see (b) at the top). */
static int not_lower(const struct pstate *a, const struct pstate *b)
{
    if (b->tier != a->tier) {
        return b->tier > a->tier;
    }
    if (b->locked != a->locked) {
        return b->locked > a->locked;
    }
    return b->attempts >= a->attempts && b->guesses >= a->guesses;
}

/* 1 if b shows one more wrong attempt of g guesses than a, or a lockout. */
static int counted(const struct pstate *a, const struct pstate *b, unsigned guesses)
{
    if (b->tier > a->tier && b->locked) {
        return 1;
    }
    return b->tier == a->tier && b->locked == a->locked && b->attempts >= a->attempts + 1u &&
           b->guesses >= a->guesses + guesses;
}

/* ---- scenarios ---- */

static void enrol(void)
{
    struct lk_user u;

    memset(&u, 0, sizeof u);
    u.type = LK_USER_UNRESTRICTED;
    u.enabled = 1;
    if (lk_user_set(&lk, 0, &u) != LK_OK ||
        lk_cred_set(&lk, CRED_PIN, LK_CRED_PIN, 0, (const uint8_t *)good_pin,
                    strlen(good_pin)) != LK_OK ||
        lk_cred_set(&lk, CRED_CARD, LK_CRED_RFID, 0, good_card, sizeof good_card) != LK_OK ||
        lk_cred_set(&lk, CRED_TOKEN, LK_CRED_REMOTE_TOKEN, 0, NULL, 0) != LK_OK) {
        fatal("enrolment failed");
    }
}

static void prelude_none(void)
{
}

/* Four wrong PINs: the next one reaches wrong_limit. */
static void prelude_four_wrong(void)
{
    unsigned i;

    for (i = 0; i + 1u < LK_DEFAULT_WRONG_LIMIT; i++) {
        keys("111222#");
        if (ret_last != LK_VERDICT_DENIED) {
            fatal("prelude: wrong PIN not denied");
        }
    }
    if (lk.cred.locked || lk.cred.attempts != LK_DEFAULT_WRONG_LIMIT - 1u) {
        fatal("prelude: unexpected counter");
    }
}

/* Rewrite user 0 (then the mode) until the counter record no longer fits
 * the active bank: the attempt's first write must compact. */
static void prelude_near_full(void)
{
    uint32_t p = g->prog;
    uint32_t csize = ((REC_HDR + LOCKOUT_BYTES + MAC_BYTES + p - 1u) / p) * p;
    uint32_t usize = ((REC_HDR + USER_BYTES + MAC_BYTES + p - 1u) / p) * p;
    uint32_t msize = ((REC_HDR + 1u + MAC_BYTES + p - 1u) / p) * p;
    struct lk_user u;

    if (msize > csize) {
        fatal("prelude: mode record larger than the counter record");
    }
    if (lk_user_get(&lk, 0, &u) != LK_OK) {
        fatal("prelude: user 0 missing");
    }
    while (lk.store.head + usize + csize <= lk.store.bank) {
        if (lk_user_set(&lk, 0, &u) != LK_OK) {
            fatal("prelude: user rewrite failed");
        }
    }
    while (lk.store.head + csize <= lk.store.bank) {
        if (lk_set_mode(&lk, LK_MODE_NORMAL) != LK_OK) {
            fatal("prelude: mode write failed");
        }
    }
}

static void op_pin(void) { keys("111222#"); }
static void op_long(void) { keys("9999888877776666#"); }
static void op_card(void) { note_rc(lk_cred_present(&lk, LK_CRED_RFID, wrong_card, sizeof wrong_card)); }
static void op_offline(void) { keys(wrong_offline); }
static void op_token(void)
{
    uint8_t chal[16];
    uint8_t mac[32];

    if (lk_token_challenge(&lk, chal) != LK_OK) {
        fatal("token challenge failed");
    }
    memset(mac, 0x5A, sizeof mac); /* not HMAC(key, chal || 0x0002) */
    note_rc(lk_token_response(&lk, CRED_TOKEN, mac));
}

struct scenario {
    const char *name;
    void (*prelude)(void);
    void (*op)(void);
    unsigned guesses; /* wrong guesses the attempt costs */
    int lockout;      /* the attempt starts a lockout */
    int compacts;     /* the attempt's counter write compacts the store */
    int wall;         /* needs a trusted wall clock */
};

static const struct scenario scenarios[] = {
    { "pin", prelude_none, op_pin, 1, 0, 0, 0 },
    { "pin-16-digits", prelude_none, op_long, 30, 0, 0, 0 },
    { "pin-5th-lockout", prelude_four_wrong, op_pin, 1, 1, 0, 0 },
    { "card", prelude_none, op_card, 1, 0, 0, 0 },
    { "offline-code", prelude_none, op_offline, 1, 0, 0, 1 },
    { "remote-token", prelude_none, op_token, 1, 0, 0, 0 },
    { "pin-compact", prelude_near_full, op_pin, 1, 0, 1, 0 },
};
#define N_SCENARIOS (sizeof scenarios / sizeof scenarios[0])

/* ---- one scenario ---- */

/* Build image0: a formatted store, user 0 with PIN, card and token, and the
 * scenario's prelude. */
static void prepare(const struct scenario *s)
{
    sim_fresh(1);
    if (boot() != LK_OK) {
        fatal("prepare: first boot failed");
    }
    (void)lk_sim_run(&sim, &lk, 5); /* first bolt reading */
    enrol();
    s->prelude();
    memcpy(image0, sim.storage, g->size);
}

/* Boot image0, run the attempt with a cut after n writes, reboot from what
 * survived and check. Returns 1 if the attempt completed uncut. */
static int attempt(const struct scenario *s, uint32_t n, int torn)
{
    volatile int completed = 0;
    struct pstate before;
    struct pstate after;
    uint32_t ind0[LK_IND_COUNT_];
    uint32_t gen0;
    int revealed;
    int ind_denied;
    const char *how;

    sim_fresh(n + 1u);
    memcpy(sim.storage, image0, g->size);
    if (boot() != LK_OK) {
        fatal("boot of the prepared image failed");
    }
    (void)lk_sim_run(&sim, &lk, 5);
    if (s->wall && lk_set_wall_time(&lk, WALL_S) != LK_OK) {
        fatal("lk_set_wall_time failed");
    }
    before = pstate_now();
    gen0 = lk.store.gen;
    memcpy(ind0, sim.ind_count, sizeof ind0);
    told_reset();
    ret_verdict = 0;
    ret_last = LK_VERDICT_NONE;
    if (setjmp(cut_jb) == 0) {
        lk_sim_arm_cut(&sim, n, torn, &cut_jb);
        s->op();
        (void)lk_sim_run(&sim, &lk, 200);
        lk_sim_disarm_cut(&sim);
        completed = 1;
    }
    ind_denied = sim.ind_count[LK_IND_DENIED] != ind0[LK_IND_DENIED];
    revealed = told_denied || told_granted || told_limit || ret_verdict || ind_denied ||
               sim.ind_count[LK_IND_GRANTED] != ind0[LK_IND_GRANTED] ||
               sim.ind_count[LK_IND_ALARM] != ind0[LK_IND_ALARM];
    how = completed       ? "the attempt completed"
          : told_denied   ? "the app was told DENIED"
          : told_limit    ? "the app was told WRONG_CODE_LIMIT"
          : ind_denied    ? "the port indicated DENIED"
          : ret_verdict   ? "the API returned a verdict"
                          : "the verdict was indicated";
    if (revealed && !completed) {
        n_revealed++;
    }
    if (completed) {
        if (ret_last != LK_VERDICT_DENIED) {
            violation("the completed attempt did not return LK_VERDICT_DENIED");
        }
        if (told_invalid != 1u || told_granted != 0u) {
            violation("the completed attempt did not report one DENIED INVALID_CREDENTIAL");
        }
        if (!ind_denied) {
            violation("the completed attempt did not indicate LK_IND_DENIED");
        }
        if (s->lockout && told_limit != 1u) {
            violation("the completed 5th attempt raised no WRONG_CODE_LIMIT alarm");
        }
        if (s->compacts && lk.store.gen == gen0) {
            fatal("the attempt did not compact: fix prelude_near_full");
        }
    }

    /* Reboot from the surviving image (the sim keeps its storage). */
    if (boot() != LK_OK) {
        violation("(a) lk_init failed on the surviving image");
        return 1;
    }
    if (sim.violations != 0u) {
        violation("(a) the sim saw storage contract violations");
    }
    if (told_corrupt != 0u) {
        violation("(a) the reboot raised STORE_CORRUPT or FACTORY_RESET");
    }
    after = pstate_now();
    snprintf(last_case, sizeof last_case,
             "revealed=%d tier/locked/attempts/guesses %u/%u/%u/%u -> %u/%u/%u/%u", revealed,
             before.tier, before.locked, before.attempts, before.guesses, after.tier,
             after.locked, after.attempts, after.guesses);
    if (!not_lower(&before, &after)) {
        char b[200];

        snprintf(b, sizeof b,
                 "(b) the penalty went down: tier/locked/attempts/guesses %u/%u/%u/%u -> "
                 "%u/%u/%u/%u",
                 before.tier, before.locked, before.attempts, before.guesses, after.tier,
                 after.locked, after.attempts, after.guesses);
        violation(b);
    }
    if ((revealed || completed) && !counted(&before, &after, s->guesses)) {
        char b[240];

        snprintf(b, sizeof b,
                 "(%s) %s but the rebooted counter does not show the attempt: "
                 "tier/locked/attempts/guesses %u/%u/%u/%u -> %u/%u/%u/%u",
                 completed ? "d" : "c", how,
                 before.tier, before.locked, before.attempts, before.guesses, after.tier,
                 after.locked, after.attempts, after.guesses);
        violation(b);
    }
    if (completed && s->lockout && !(after.locked && after.tier == before.tier + 1u)) {
        violation("(d) the completed 5th attempt did not leave a lockout");
    }
    return completed;
}

static void where_set(const struct scenario *s, int torn, uint32_t n)
{
    snprintf(where, sizeof where, "%s %s torn=%s cut=%u", g->name, s->name,
             torn ? "yes" : "no", (unsigned)n);
}

/* Cut after 0, 1, 2, ... writes until the attempt completes; returns the
 * number of cuts made. */
static unsigned long linear(const struct scenario *s, int torn)
{
    unsigned long cuts = 0;
    unsigned long r0 = n_revealed;
    unsigned v0 = violations;
    uint32_t n;

    snprintf(where, sizeof where, "%s %s torn=%s prepare", g->name, s->name,
             torn ? "yes" : "no");
    prepare(s);
    for (n = 0;; n++) {
        where_set(s, torn, n);
        if (attempt(s, n, torn)) {
            break;
        }
        cuts++;
        if (n > 100000u) {
            fatal("the attempt never completes");
        }
    }
    if (verbose) {
        printf("powercut-guess torn=%s geometry=%s scenario=%s cuts=%lu revealed=%lu "
               "violations=%u\n",
               torn ? "yes" : "no", g->name, s->name, cuts, n_revealed - r0, violations - v0);
    }
    return cuts;
}

static int replay(char **argv)
{
    const struct scenario *s = NULL;
    int torn = strcmp(argv[2], "yes") == 0;
    uint32_t n = (uint32_t)strtoul(argv[5], NULL, 10);
    size_t i;
    int done;

    g = NULL;
    for (i = 0; i < N_GEOS; i++) {
        if (strcmp(geos[i].name, argv[3]) == 0) {
            g = &geos[i];
        }
    }
    for (i = 0; i < N_SCENARIOS; i++) {
        if (strcmp(scenarios[i].name, argv[4]) == 0) {
            s = &scenarios[i];
        }
    }
    if (g == NULL || s == NULL) {
        fprintf(stderr, "unknown geometry or scenario\n");
        return 2;
    }
    prepare(s);
    where_set(s, torn, n);
    done = attempt(s, n, torn);
    printf("replay %s completed=%d %s violations=%u\n", where, done, last_case, violations);
    return violations == 0u ? 0 : 1;
}

int main(int argc, char **argv)
{
    size_t gi;
    size_t si;
    int torn;

    if (argc >= 6 && strcmp(argv[1], "replay") == 0) {
        return replay(argv);
    }
    if (argc > 1 && strcmp(argv[1], "-v") != 0) {
        fprintf(stderr, "usage: %s [-v | replay yes|no GEOMETRY SCENARIO K]\n", argv[0]);
        return 2;
    }
    verbose = argc > 1;
    for (torn = 0; torn <= 1; torn++) {
        unsigned long cuts = 0;
        unsigned v0 = violations;

        for (gi = 0; gi < N_GEOS; gi++) {
            g = &geos[gi];
            for (si = 0; si < N_SCENARIOS; si++) {
                cuts += linear(&scenarios[si], torn);
            }
        }
        printf("powercut-guess torn=%s scenarios=%u geometries=%u cuts=%lu violations=%u\n",
               torn ? "yes" : "no", (unsigned)N_SCENARIOS, (unsigned)N_GEOS, cuts,
               violations - v0);
        fflush(stdout);
    }
    return violations == 0u ? 0 : 1;
}
