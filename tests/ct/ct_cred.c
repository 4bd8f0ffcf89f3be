/*
 * Constant-time proof for secret comparisons, measured from outside by
 * tests/ct/check-ct.sh with
 *   valgrind --tool=callgrind --toggle-collect=ct_measured
 * so only the instructions of ONE call of the unit under test are counted
 * (the library's work and every sim port callback it makes). Everything
 * else -- the store, the probe's tags, the challenge, the expected
 * response -- is set up before, outside the measured region.
 *
 * usage: ct_cred CASE     one case: set up, measure once, check the result
 *        ct_cred list     "GROUP CASE" per line, for the script
 *
 * Groups (all cases of a group must cost exactly the same):
 *   pin6     lk_match, 6-digit entries: the PIN, its first digit changed,
 *            its last digit changed, a PIN enrolled for nobody, and the PIN
 *            on a store where its credential was deleted
 *   pin16    lk_match, a 16-digit entry (decoys, an 8-digit PIN, decoys):
 *            the same five variants
 *   token    lk_token_check: the right response, its first byte wrong, its
 *            last byte wrong, the right response for a token deleted since,
 *            and an index that holds a PIN (no token). The index lookup
 *            (lk_token_record) runs before, unmeasured: the phone sends the
 *            index in the clear.
 *   offline  lk_offline_mac: a real code (tests/vectors/offline-codes.txt),
 *            its first MAC digit wrong, its last MAC digit wrong, and the
 *            code of the next epoch (matches under epoch + 1)
 *
 * Every case builds its store with the same sequence of records: four
 * users, five credentials (PIN6, PIN8, token, token, PIN8) and one delete.
 * Only WHICH credential is deleted differs: the spare PIN (cred 4) on the
 * "live" store, the credential a case needs absent on the others. So the
 * store has the same records, of the same sizes and types in the same
 * order, in every case; the program prints a signature of that layout and
 * the script checks it is the same across a group. After the measured call
 * the result is checked (a right secret must match, a wrong one must not),
 * so a run never measures the wrong path; the unit is also run once
 * unmeasured from a snapshot first, so lazy binding and first-call effects
 * stay out of the count.
 *
 * Prints "ct_cred group=G case=C layout=HEX records=N result=R ok" and
 * exits 0, or explains and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_internal.h"
#include "lk_sim.h"

#if defined(__clang__)
#define CT_NOINLINE __attribute__((noinline))
#elif defined(__GNUC__)
#define CT_NOINLINE __attribute__((noinline, noclone))
#else
#define CT_NOINLINE
#endif

/* The device key of tests/unit/harness.c and tests/vectors/offline-codes.txt. */
static const uint8_t device_key[32] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* Enrolled credentials. */
#define CRED_PIN6 0u  /* user 0 */
#define CRED_PIN8 1u  /* user 1 */
#define CRED_TOKEN 2u /* user 2 */
#define CRED_TOKEN2 3u /* user 3 */
#define CRED_SPARE 4u /* user 3: deleted on the live store */
#define PIN6 "246810"
#define PIN8 "31415926"
#define PIN_SPARE "80527163"

/* Offline code vectors (epoch 0 and epoch 1 codes of the same hour). */
#define OFF_R 498830u
#define OFF_CODE_E0 "14988300881894"
#define OFF_CODE_E1 "14988300291824"

enum unit { U_MATCH, U_TOKEN, U_OFFLINE };

struct ct_case {
    const char *group;
    const char *name;
    enum unit unit;
    int deleted;       /* credential deleted from the store (CRED_SPARE: none of ours) */
    const char *entry; /* keypad entry (U_MATCH) or offline code (U_OFFLINE) */
    int tweak;         /* U_TOKEN: -1 none, else the response byte flipped */
    uint16_t cred;     /* U_TOKEN: index asked */
    int expect;        /* expected result (see check_result) */
};

#define D16(mid) "9305" mid "7474" /* 16 digits: decoys, 8 digits, decoys */

static const struct ct_case cases[] = {
    { "pin6", "pin6-correct", U_MATCH, CRED_SPARE, PIN6, -1, 0, 1 },
    { "pin6", "pin6-first-wrong", U_MATCH, CRED_SPARE, "346810", -1, 0, 0 },
    { "pin6", "pin6-last-wrong", U_MATCH, CRED_SPARE, "246811", -1, 0, 0 },
    { "pin6", "pin6-nobody", U_MATCH, CRED_SPARE, "975318", -1, 0, 0 },
    { "pin6", "pin6-deleted", U_MATCH, CRED_PIN6, PIN6, -1, 0, 0 },
    { "pin16", "pin16-correct", U_MATCH, CRED_SPARE, D16(PIN8), -1, 0, 1 },
    { "pin16", "pin16-first-wrong", U_MATCH, CRED_SPARE, D16("41415926"), -1, 0, 0 },
    { "pin16", "pin16-last-wrong", U_MATCH, CRED_SPARE, D16("31415927"), -1, 0, 0 },
    { "pin16", "pin16-nobody", U_MATCH, CRED_SPARE, D16("86420975"), -1, 0, 0 },
    { "pin16", "pin16-deleted", U_MATCH, CRED_PIN8, D16(PIN8), -1, 0, 0 },
    { "token", "token-correct", U_TOKEN, CRED_SPARE, NULL, -1, CRED_TOKEN, 1 },
    { "token", "token-first-wrong", U_TOKEN, CRED_SPARE, NULL, 0, CRED_TOKEN, 0 },
    { "token", "token-last-wrong", U_TOKEN, CRED_SPARE, NULL, 31, CRED_TOKEN, 0 },
    { "token", "token-deleted", U_TOKEN, CRED_TOKEN, NULL, -1, CRED_TOKEN, 0 },
    { "token", "token-index-holds-pin", U_TOKEN, CRED_SPARE, NULL, -1, CRED_PIN6, 0 },
    { "offline", "offline-correct", U_OFFLINE, CRED_SPARE, OFF_CODE_E0, -1, 0, 1 },
    { "offline", "offline-first-wrong", U_OFFLINE, CRED_SPARE, "14988300981894", -1, 0, 0 },
    { "offline", "offline-last-wrong", U_OFFLINE, CRED_SPARE, "14988300881895", -1, 0, 0 },
    { "offline", "offline-next-epoch", U_OFFLINE, CRED_SPARE, OFF_CODE_E1, -1, 0, 2 },
};

#define N_CASES (sizeof cases / sizeof cases[0])

static struct lk_sim sim;
static struct lk_lock lk;
static struct lk_config cfg;
static struct lk_sim sim_snap;
static struct lk_lock lk_snap;

/* What the measured call works on and leaves. */
static const struct ct_case *cur;
static struct lk_probe probe;
static struct lk_match_result match;
static uint8_t token_key[32];
static uint8_t response[32];
static uint8_t user_out;
static int ok_out;
static uint8_t nonce[12];
static uint32_t ok0;
static uint32_t ok1;
static int rc_out;

static void fail(const char *what, int got)
{
    fprintf(stderr, "ct_cred %s: FAIL %s (got %d)\n", cur ? cur->name : "?", what, got);
    exit(1);
}

/* The unit, once. */
static void call_unit(void)
{
    switch (cur->unit) {
    case U_MATCH: rc_out = lk_match(&lk, &probe, &match); break;
    case U_TOKEN:
        ok_out = lk_token_check(&lk, cur->cred, nonce, response, 1) & (rc_out == LK_OK);
        break;
    case U_OFFLINE:
        lk_offline_mac(&lk, 0, (const uint8_t *)cur->entry, OFF_R, &ok0, &ok1);
        rc_out = LK_OK;
        break;
    }
}

/* The measured region: callgrind collects only while this is on the stack. */
static CT_NOINLINE void ct_measured(void)
{
    call_unit();
}

static void add_user(uint16_t idx)
{
    struct lk_user u;
    int rc;

    memset(&u, 0, sizeof u);
    u.type = LK_USER_UNRESTRICTED;
    u.enabled = 1;
    rc = lk_user_set(&lk, idx, &u);
    if (rc != LK_OK) {
        fail("lk_user_set", rc);
    }
}

static void add_pin(uint16_t cred, uint16_t user, const char *digits)
{
    int rc = lk_cred_set(&lk, cred, LK_CRED_PIN, user, (const uint8_t *)digits,
                         strlen(digits));

    if (rc != LK_OK) {
        fail("lk_cred_set (PIN)", rc);
    }
}

static void add_token(uint16_t cred, uint16_t user)
{
    int rc = lk_cred_set(&lk, cred, LK_CRED_REMOTE_TOKEN, user, NULL, 0);

    if (rc != LK_OK) {
        fail("lk_cred_set (token)", rc);
    }
}

/* The same records for every case; only the deleted credential differs. */
static void build_store(int deleted)
{
    int rc;

    memset(&cfg, 0, sizeof cfg);
    rc = lk_sim_init(&sim, NULL);
    if (rc != LK_OK) {
        fail("lk_sim_init", rc);
    }
    lk_sim_set_device_key(&sim, device_key);
    rc = lk_init(&lk, &sim.port, &cfg);
    if (rc != LK_OK) {
        fail("lk_init", rc);
    }
    add_user(0);
    add_user(1);
    add_user(2);
    add_user(3);
    add_pin(CRED_PIN6, 0, PIN6);
    add_pin(CRED_PIN8, 1, PIN8);
    add_token(CRED_TOKEN, 2);
    add_token(CRED_TOKEN2, 3);
    add_pin(CRED_SPARE, 3, PIN_SPARE);
    /* The token's key as the app holds it, before any deletion. */
    rc = lk_token_key(&lk, CRED_TOKEN, token_key);
    if (rc != LK_OK) {
        fail("lk_token_key", rc);
    }
    rc = lk_cred_delete(&lk, (uint16_t)deleted);
    if (rc != LK_OK) {
        fail("lk_cred_delete", rc);
    }
    rc = lk_sim_run(&sim, &lk, 1000); /* settle: bolt read, lock LOCKED */
    if (rc != LK_OK) {
        fail("lk_sim_run", rc);
    }
}

/* FNV-1a over every record's shape: credential key or the exact key,
 * length, value or delete. Equal signatures: equal store layouts. */
struct layout {
    uint32_t h;
    unsigned n;
};

static void layout_mix(struct layout *l, uint32_t v)
{
    unsigned i;

    for (i = 0; i < 4u; i++) {
        l->h = (l->h ^ ((v >> (8u * i)) & 0xFFu)) * 16777619u;
    }
}

static void layout_rec(void *ctx, uint16_t key, const uint8_t *val, uint8_t len)
{
    struct layout *l = ctx;
    int is_cred = key >= KEY_CRED0 && key < KEY_CRED0 + LK_CREDS_MAX;

    layout_mix(l, is_cred ? 0x10000u : key);
    layout_mix(l, len);
    layout_mix(l, val == NULL ? 0u : 1u + (is_cred ? val[CRED_TYPE] : 0u));
    l->n++;
}

static void prepare(void)
{
    uint8_t msg[18];
    int rc;

    switch (cur->unit) {
    case U_MATCH:
        memset(&probe, 0, sizeof probe);
        probe.type = LK_CRED_PIN;
        probe.source = LK_SRC_KEYPAD;
        probe.data = (const uint8_t *)cur->entry;
        probe.len = (uint8_t)strlen(cur->entry);
        lk_probe_tags(&lk, &probe);
        break;
    case U_TOKEN:
        rc = lk_token_challenge(&lk, msg);
        if (rc != LK_OK) {
            fail("lk_token_challenge", rc);
        }
        /* the response for CRED_TOKEN (docs: HMAC(key, challenge || cred BE)) */
        msg[16] = (uint8_t)(cur->cred >> 8);
        msg[17] = (uint8_t)cur->cred;
        lk_hmac_sha256(token_key, sizeof token_key, msg, sizeof msg, response);
        if (cur->tweak >= 0) {
            response[cur->tweak] ^= 0x01u;
        }
        /* the index lookup (public: the phone sends it) is not measured */
        rc_out = lk_token_record(&lk, cur->cred, nonce, &user_out);
        break;
    case U_OFFLINE:
        if (strlen(cur->entry) != 14u) {
            fail("offline code is not 14 digits", (int)strlen(cur->entry));
        }
        break;
    }
}

/* 1 if the right secret matched and a wrong one did not; *res gets the
 * result as printed. */
static int check_result(int *res)
{
    switch (cur->unit) {
    case U_MATCH:
        *res = match.found;
        return rc_out == LK_OK && !match.forged && match.found == cur->expect &&
               (!match.found || (match.cred == CRED_PIN6 && match.user == 0) ||
                (match.cred == CRED_PIN8 && match.user == 1));
    case U_TOKEN:
        *res = ok_out;
        if (cur->expect) {
            return rc_out == LK_OK && ok_out == 1 && user_out == 2;
        }
        return ok_out == 0 &&
               ((cur->deleted == (int)cur->cred || cur->cred != CRED_TOKEN) ? rc_out == LK_ERR_NOENT
                                                                      : rc_out == LK_OK);
    case U_OFFLINE:
        *res = (int)(ok0 | (ok1 << 1));
        return *res == cur->expect;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct layout lay = { 2166136261u, 0 };
    unsigned i;
    int res = 0;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: ct_cred CASE|list\n");
        return 2;
    }
    if (strcmp(argv[1], "list") == 0) {
        for (i = 0; i < N_CASES; i++) {
            printf("%s %s\n", cases[i].group, cases[i].name);
        }
        return 0;
    }
    for (i = 0; i < N_CASES && cur == NULL; i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cur = &cases[i];
        }
    }
    if (cur == NULL) {
        fprintf(stderr, "ct_cred: unknown case %s\n", argv[1]);
        return 2;
    }
    build_store(cur->deleted);
    rc = lk_store_scan(&lk, 0, 0xFFFFu, layout_rec, &lay);
    if (rc != LK_OK) {
        fail("lk_store_scan", rc);
    }
    sim_snap = sim;
    lk_snap = lk;
    /* Unmeasured warm-up from the snapshot, then the measured call from it. */
    prepare();
    call_unit();
    sim = sim_snap;
    lk = lk_snap;
    prepare();
    ct_measured();
    if (!check_result(&res)) {
        fail("unexpected result of the measured call", res);
    }
    if (sim.violations != 0u) {
        fail("sim port contract violations", (int)sim.violations);
    }
    printf("ct_cred group=%s case=%s layout=%08lx records=%u result=%d ok\n", cur->group,
           cur->name, (unsigned long)lay.h, lay.n, res);
    return 0;
}
