/*
 * Power-cut tests (the littlefs model): the sim storage cuts power after N
 * completed writes (optionally tearing the cut write), lockcore re-inits
 * from what survived, and invariants are checked:
 *  - init never fails on a cut image, and the store stays writable;
 *  - every record holds its old or its new value, others are untouched;
 *  - audit entries are the ones appended, the newest block has no gap,
 *    every event reported to the app is in the log, and a sequence number
 *    handed out is never handed out again.
 *
 * usage: powercut [linear | exhaustive2 | replay yes|no GEOMETRY OP N1 [N2]]
 *   linear       cut after 0, 1, 2, ... writes until the operation completes,
 *                untorn and torn, for every operation on every geometry.
 *   exhaustive2  two cuts: every first cut point, then every cut point of
 *                the retried operation (NOR and MCU-flash geometries).
 *   replay       re-run one case as printed in a VIOLATION line, e.g.
 *                powercut replay yes nor counter-compact 15
 * Prints one line per schedule; exits 1 on any violation and prints the cut
 * list that reproduces it.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define KEY_COUNTER 1u
#define KEY_NEW 2u
#define KEY_VICTIM 3u
#define KEY_FILL 100u
#define N_FILL 12u
#define KEY_PROBE 77u
#define LOG_MAX 4096u

/* What the world should hold. */
struct model {
    uint32_t counter;       /* key 1 before the op */
    uint32_t victim;        /* key 3 before the op (delete target) */
    uint32_t log_hi;        /* newest audit seq before the op */
    uint32_t issued_max;    /* largest seq ever returned by a completed append */
    struct lk_event log[LOG_MAX]; /* entry content by seq */
};

static struct lk_sim sim;
static struct lk_lock lk;
static struct model model;
static struct model model0;
static uint8_t image0[LK_SIM_STORAGE_MAX];
static uint8_t image1[LK_SIM_STORAGE_MAX];
static const struct geo *g;
static jmp_buf cut_jb;

/* Events the app was told about since the last reboot. */
static struct lk_event told[64];
static unsigned n_told;

static unsigned violations;
static char where[160];

static void violation(const char *what)
{
    violations++;
    if (violations <= 20u) {
        fprintf(stderr, "VIOLATION %s: %s\n", where, what);
    }
}

static void on_event(void *ctx, const struct lk_event *ev)
{
    (void)ctx;
    if (n_told < sizeof told / sizeof told[0]) {
        told[n_told++] = *ev;
    }
}

static const struct lk_config lock_cfg = { .on_event = on_event };

static int boot(void)
{
    n_told = 0;
    return lk_init(&lk, &sim.port, &lock_cfg);
}

static void sim_fresh(uint32_t seed)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.seed = seed;
    lk_sim_config_geometry(&c, g->size, g->erase, g->prog, g->erased);
    if (lk_sim_init(&sim, &c) != LK_OK) {
        fprintf(stderr, "sim init failed\n");
        exit(2);
    }
}

static int put_u32(uint16_t key, uint32_t v)
{
    uint8_t b[4];

    lk_put32(b, v);
    return lk_store_set(&lk, key, b, 4);
}

/* Value of key, or -1 if absent, -2 on error. */
static int64_t get_u32(uint16_t key)
{
    uint8_t b[4];
    uint8_t len = 0;
    int rc = lk_store_get(&lk, key, b, 4, &len);

    if (rc == LK_ERR_NOENT) {
        return -1;
    }
    if (rc != LK_OK || len != 4u) {
        return -2;
    }
    return lk_get32(b);
}

static struct lk_event mk_event(uint32_t tag)
{
    struct lk_event e;

    memset(&e, 0, sizeof e);
    e.op = LK_OP_LOCK;
    e.source = LK_SRC_REMOTE;
    e.user = (uint16_t)tag;
    e.mono_ms = tag * 3u;
    e.wall_s = 0xABCD0000u | tag;
    return e;
}

static void append_logged(struct lk_event e)
{
    uint32_t seq = 0;

    if (lk_audit_append(&lk, &e, &seq) != LK_OK || seq >= LOG_MAX) {
        fprintf(stderr, "prelude append failed\n");
        exit(2);
    }
    model.log[seq] = e;
    model.log_hi = seq;
    if (seq > model.issued_max) {
        model.issued_max = seq;
    }
}

/* ---- operations ---- */

static struct lk_event op_event;

static void prelude_kv(void)
{
    uint32_t i;

    for (i = 0; i < N_FILL; i++) {
        (void)put_u32((uint16_t)(KEY_FILL + i), 1000u + i);
    }
    model.counter = 5;
    model.victim = 99;
    (void)put_u32(KEY_COUNTER, model.counter);
    (void)put_u32(KEY_VICTIM, model.victim);
}

static void prelude_near_compaction(void)
{
    uint32_t rec = ((12u + g->prog - 1u) / g->prog) * g->prog;

    prelude_kv();
    /* update the counter until the next update must compact */
    while (lk.store.head + rec <= lk.store.bank) {
        model.counter++;
        (void)put_u32(KEY_COUNTER, model.counter);
    }
}

/* As above, but the next compaction goes into a bank that still holds an
 * older header and records (the second compaction ever). */
static void prelude_second_compaction(void)
{
    uint32_t rec = ((12u + g->prog - 1u) / g->prog) * g->prog;

    prelude_kv();
    while (lk.store.active == 0u) {
        model.counter++;
        (void)put_u32(KEY_COUNTER, model.counter);
    }
    while (lk.store.head + rec <= lk.store.bank) {
        model.counter++;
        (void)put_u32(KEY_COUNTER, model.counter);
    }
}

static void prelude_block_full(void)
{
    uint32_t tag = 1;

    prelude_kv();
    /* fill the whole ring, so the next append must erase its oldest block */
    while (!(lk.store.audit_block == lk.store.audit_blocks - 1u &&
             lk.store.audit_slot >= lk.store.audit_slots)) {
        append_logged(mk_event(tag++));
    }
}

static void op_set_new(void) { (void)put_u32(KEY_NEW, 0x600DF00Du); }
static void op_counter(void) { (void)put_u32(KEY_COUNTER, model.counter + 1u); }
static void op_delete(void) { (void)lk_store_del(&lk, KEY_VICTIM); }
static void op_append(void)
{
    uint32_t seq = 0;

    if (lk_audit_append(&lk, &op_event, &seq) == LK_OK && seq > model.issued_max) {
        model.issued_max = seq;
    }
}
static void op_stroke(void)
{
    (void)lk_request_unlock(&lk, LK_SRC_KEYPAD, 1, 1);
    (void)lk_sim_run(&sim, &lk, 1000);
}

struct scenario {
    const char *name;
    void (*prelude)(void);
    void (*op)(void);
    int is_format; /* the operation is the first boot itself */
};

static const struct scenario scenarios[] = {
    { "format", NULL, NULL, 1 },
    { "set-new", prelude_kv, op_set_new, 0 },
    { "counter", prelude_kv, op_counter, 0 },
    { "counter-compact", prelude_near_compaction, op_counter, 0 },
    { "counter-compact-2", prelude_second_compaction, op_counter, 0 },
    { "delete", prelude_kv, op_delete, 0 },
    { "audit-append", prelude_kv, op_append, 0 },
    { "audit-rotate", prelude_block_full, op_append, 0 },
    { "stroke", prelude_kv, op_stroke, 0 },
};

/* ---- invariants, after a reboot from the surviving image ---- */

static void check_kv(const struct scenario *s, int completed)
{
    int64_t v;
    uint32_t i;

    if (s->is_format) {
        return;
    }
    for (i = 0; i < N_FILL; i++) {
        if (get_u32((uint16_t)(KEY_FILL + i)) != 1000 + (int64_t)i) {
            violation("an untouched record changed");
        }
    }
    v = get_u32(KEY_COUNTER);
    if (s->op == op_counter) {
        if (v != model.counter && v != model.counter + 1u) {
            violation("counter is neither old nor new");
        }
        if (completed && v != model.counter + 1u) {
            violation("completed counter update lost");
        }
    } else if (v != model.counter) {
        violation("counter changed");
    }
    v = get_u32(KEY_NEW);
    if (s->op == op_set_new) {
        if (v != -1 && v != 0x600DF00D) {
            violation("new record is neither absent nor new");
        }
        if (completed && v != 0x600DF00D) {
            violation("completed write lost");
        }
    } else if (v != -1) {
        violation("a record appeared");
    }
    v = get_u32(KEY_VICTIM);
    if (s->op == op_delete) {
        if (v != -1 && v != model.victim) {
            violation("deleted record is neither old nor absent");
        }
        if (completed && v != -1) {
            violation("completed delete lost");
        }
    } else if (v != model.victim) {
        violation("a record vanished");
    }
}

static void check_audit(const struct scenario *s, int completed, unsigned attempts,
                        const struct lk_event *reported, unsigned n_reported)
{
    uint32_t lo = 0;
    uint32_t hi = 0;
    uint32_t seq;
    uint32_t keep;
    struct lk_event e;
    unsigned i;

    if (lk_audit_bounds(&lk, &lo, &hi) != LK_OK) {
        if (!s->is_format) {
            violation("audit log empty");
        }
        return;
    }
    if (hi < model.log_hi) {
        violation("audit newest went back");
    }
    /* the newest block's worth of history has no gap */
    keep = lk.store.audit_slots;
    for (seq = hi; seq >= lo && hi - seq < keep; seq--) {
        int present = (lk_audit_read(&lk, seq, &e) == LK_OK);

        if (!present && seq <= model.log_hi) {
            violation("gap in the newest audit entries");
        }
        if (seq == 0u) {
            break;
        }
    }
    for (seq = lo; seq <= hi; seq++) {
        if (lk_audit_read(&lk, seq, &e) != LK_OK) {
            continue;
        }
        if (seq <= model.log_hi && seq < LOG_MAX && model.log[seq].op != LK_OP_NONE &&
            memcmp(&e, &model.log[seq], sizeof e) != 0) {
            violation("audit entry content changed");
        }
        if (s->op == op_append && seq > model.log_hi && memcmp(&e, &op_event, sizeof e) != 0) {
            violation("unexpected audit entry");
        }
    }
    if (s->op == op_append) {
        if (hi > model.log_hi + attempts) {
            violation("more entries than appends");
        }
        if (completed && hi == model.log_hi) {
            violation("completed append lost");
        }
    }
    /* everything the app was told is in the log (logged before reported) */
    for (i = 0; i < n_reported; i++) {
        int found = 0;

        for (seq = model.log_hi + 1u; seq <= hi && !found; seq++) {
            found = lk_audit_read(&lk, seq, &e) == LK_OK &&
                    memcmp(&e, &reported[i], sizeof e) == 0;
        }
        if (!found && !(reported[i].flags & LK_EVF_NOT_LOGGED)) {
            violation("an event reported to the app is missing from the log");
        }
    }
}

/* The store and the log still accept writes, and a new sequence number is
 * above every one handed out before. */
static void check_writable(uint32_t tag)
{
    struct lk_event e = mk_event(0x7000u + (tag & 0xFFFu));
    uint32_t seq = 0;

    if (put_u32(KEY_PROBE, tag) != LK_OK) {
        violation("store not writable after the cut");
        return;
    }
    if (lk_audit_append(&lk, &e, &seq) != LK_OK) {
        violation("audit not writable after the cut");
        return;
    }
    if (seq <= model.issued_max) {
        violation("audit sequence number reused or went back");
    }
    if (boot() != LK_OK) {
        violation("re-init failed after probe");
        return;
    }
    if (get_u32(KEY_PROBE) != (int64_t)tag) {
        violation("probe value lost");
    }
    if (lk_audit_read(&lk, seq, &e) != LK_OK) {
        violation("probe entry lost");
    }
}

/* ---- schedules ---- */

static uint32_t image_writes;

/* Prepare image0 and model0 for scenario s on geometry g. */
static void prepare(const struct scenario *s)
{
    memset(&model, 0, sizeof model);
    sim_fresh(1);
    if (!s->is_format) {
        if (boot() != LK_OK) {
            fprintf(stderr, "prepare: boot failed\n");
            exit(2);
        }
        (void)lk_sim_run(&sim, &lk, 5); /* first bolt reading */
        {
            uint32_t lo;
            uint32_t hi;
            uint32_t seq;
            struct lk_event e;

            if (lk_audit_bounds(&lk, &lo, &hi) == LK_OK) {
                for (seq = lo; seq <= hi && seq < LOG_MAX; seq++) {
                    if (lk_audit_read(&lk, seq, &e) == LK_OK) {
                        model.log[seq] = e;
                    }
                }
                model.log_hi = hi;
                model.issued_max = hi;
            }
        }
        s->prelude();
    }
    op_event = mk_event(0x5555u);
    memcpy(image0, sim.storage, g->size);
    model0 = model;
}

/* Boot from image and run the op with a cut after n writes. Returns 1 if
 * the op completed, 0 if it was cut; *writes gets the writes it made. */
static int attempt(const struct scenario *s, const uint8_t *image, uint32_t n, int torn,
                   uint32_t seed, uint32_t *writes, struct lk_event *reported,
                   unsigned *n_reported)
{
    volatile int completed = 0;
    uint32_t w0;

    sim_fresh(seed);
    memcpy(sim.storage, image, g->size);
    model = model0;
    if (!s->is_format && boot() != LK_OK) {
        violation("boot before the operation failed");
        return 1;
    }
    n_told = 0;
    w0 = lk_sim_writes(&sim);
    if (setjmp(cut_jb) == 0) {
        lk_sim_arm_cut(&sim, n, torn, &cut_jb);
        if (s->is_format) {
            (void)boot();
        } else {
            s->op();
        }
        lk_sim_disarm_cut(&sim);
        completed = 1;
    }
    *writes = lk_sim_writes(&sim) - w0;
    memcpy(reported, told, n_told * sizeof told[0]);
    *n_reported = n_told;
    return completed;
}

static void after_cut(const struct scenario *s, int completed, unsigned attempts,
                      const struct lk_event *reported, unsigned n_reported, uint32_t tag)
{
    if (boot() != LK_OK) {
        violation("init failed on the surviving image");
        return;
    }
    check_kv(s, completed);
    check_audit(s, completed, attempts, reported, n_reported);
    check_writable(tag);
}

struct tally {
    unsigned long ops, cuts;
};

static void linear(const struct scenario *s, int torn, struct tally *t)
{
    static struct lk_event reported[64];
    unsigned n_reported;
    uint32_t n;
    uint32_t writes = 0;
    unsigned v0 = violations;
    unsigned long cuts = 0;

    prepare(s);
    for (n = 0;; n++) {
        int done;

        snprintf(where, sizeof where, "schedule=linear torn=%s geometry=%s op=%s cuts=[%u]",
                 torn ? "yes" : "no", g->name, s->name, (unsigned)n);
        done = attempt(s, image0, n, torn, n + 1u, &writes, reported, &n_reported);
        after_cut(s, done, 1, reported, n_reported, n);
        if (done) {
            break;
        }
        cuts++;
    }
    image_writes = writes;
    t->ops += writes;
    t->cuts += cuts;
    printf("powercut schedule=linear torn=%s geometry=%s op=%s ops=%u cuts=%lu violations=%u\n",
           torn ? "yes" : "no", g->name, s->name, (unsigned)writes, cuts, violations - v0);
}

static void exhaustive2(const struct scenario *s, int torn, struct tally *t)
{
    static struct lk_event reported[64];
    unsigned n_reported;
    uint32_t n1;
    uint32_t n2;
    uint32_t writes = 0;
    unsigned v0 = violations;
    unsigned long cuts = 0;

    prepare(s);
    for (n1 = 0;; n1++) {
        snprintf(where, sizeof where, "schedule=exhaustive2 torn=%s geometry=%s op=%s cuts=[%u]",
                 torn ? "yes" : "no", g->name, s->name, (unsigned)n1);
        if (attempt(s, image0, n1, torn, n1 + 1u, &writes, reported, &n_reported)) {
            break;
        }
        cuts++;
        memcpy(image1, sim.storage, g->size);
        for (n2 = 0;; n2++) {
            int done;

            snprintf(where, sizeof where,
                     "schedule=exhaustive2 torn=%s geometry=%s op=%s cuts=[%u,%u]",
                     torn ? "yes" : "no", g->name, s->name, (unsigned)n1, (unsigned)n2);
            /* the retry runs on the image the first cut left */
            done = attempt(s, image1, n2, torn, 7919u * n1 + n2 + 1u, &writes, reported,
                           &n_reported);
            after_cut(s, done, 2, reported, n_reported, n1 * 1000u + n2);
            if (done) {
                break;
            }
            cuts++;
        }
    }
    t->ops += writes; /* of the uncut run that ended the outer loop */
    t->cuts += cuts;
    printf("powercut schedule=exhaustive2 torn=%s geometry=%s op=%s ops=%u cuts=%lu "
           "violations=%u\n",
           torn ? "yes" : "no", g->name, s->name, (unsigned)writes, cuts, violations - v0);
}

/* Re-run one printed case: replay yes|no GEOMETRY OP N1 [N2]. */
static int replay(int argc, char **argv)
{
    static struct lk_event reported[64];
    unsigned n_reported;
    const struct scenario *s = NULL;
    int torn = strcmp(argv[2], "yes") == 0;
    uint32_t writes;
    uint32_t n1;
    size_t i;
    int done;

    g = NULL;
    for (i = 0; i < sizeof geos / sizeof geos[0]; i++) {
        if (strcmp(geos[i].name, argv[3]) == 0) {
            g = &geos[i];
        }
    }
    for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (strcmp(scenarios[i].name, argv[4]) == 0) {
            s = &scenarios[i];
        }
    }
    if (g == NULL || s == NULL) {
        fprintf(stderr, "unknown geometry or op\n");
        return 2;
    }
    n1 = (uint32_t)strtoul(argv[5], NULL, 10);
    snprintf(where, sizeof where, "replay torn=%s geometry=%s op=%s cuts=[%s%s%s]", argv[2],
             g->name, s->name, argv[5], argc > 6 ? "," : "", argc > 6 ? argv[6] : "");
    prepare(s);
    done = attempt(s, image0, n1, torn, n1 + 1u, &writes, reported, &n_reported);
    if (!done && argc > 6) {
        uint32_t n2 = (uint32_t)strtoul(argv[6], NULL, 10);

        memcpy(image1, sim.storage, g->size);
        done = attempt(s, image1, n2, torn, 7919u * n1 + n2 + 1u, &writes, reported,
                       &n_reported);
        after_cut(s, done, 2, reported, n_reported, n1 * 1000u + n2);
    } else {
        after_cut(s, done, 1, reported, n_reported, n1);
    }
    printf("%s completed=%d violations=%u\n", where, done, violations);
    return violations == 0u ? 0 : 1;
}

int main(int argc, char **argv)
{
    int exhaustive;

#ifdef POWERCUT_NO_ARGS
    argc = 1; /* semihosting passes the image name as argv[1] */
#endif
    exhaustive = (argc > 1 && strcmp(argv[1], "exhaustive2") == 0);
    size_t gi;
    size_t si;
    int torn;

    if (argc >= 6 && strcmp(argv[1], "replay") == 0) {
        return replay(argc, argv);
    }
    if (argc > 1 && !exhaustive && strcmp(argv[1], "linear") != 0) {
        fprintf(stderr, "usage: %s [linear | exhaustive2 | replay yes|no GEOMETRY OP N1 [N2]]\n",
                argv[0]);
        return 2;
    }
    for (torn = 0; torn <= 1; torn++) {
        struct tally t = { 0, 0 };
        unsigned v0 = violations;

        for (gi = 0; gi < sizeof geos / sizeof geos[0]; gi++) {
            g = &geos[gi];
            if (exhaustive && g->erase < 1024u) {
                continue; /* EEPROM: thousands of 1-byte erases squared */
            }
#ifdef POWERCUT_NO_ARGS
            if (g->erase < 1024u) {
                continue; /* on an emulated MCU, EEPROM's 4,100-erase compactions take minutes */
            }
#endif
            for (si = 0; si < sizeof scenarios / sizeof scenarios[0]; si++) {
                if (exhaustive) {
                    exhaustive2(&scenarios[si], torn, &t);
                } else {
                    linear(&scenarios[si], torn, &t);
                }
            }
        }
        printf("powercut schedule=%s torn=%s ops=%lu cuts=%lu violations=%u\n",
               exhaustive ? "exhaustive2" : "linear", torn ? "yes" : "no", t.ops, t.cuts,
               violations - v0);
    }
    return violations == 0u ? 0 : 1;
}
