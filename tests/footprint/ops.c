/*
 * Host instruction counts of single lockcore operations (issue #8), on the
 * sim port. Run under
 *   valgrind --tool=callgrind --toggle-collect=fp_measured ops OP
 * so only fp_measured (the one operation, with the port callbacks it makes)
 * is counted. OPs:
 *   idle-poll     lk_poll with nothing pending (healthy battery, bolt locked)
 *   input-poll    lk_poll right after the door sensor changed level
 *   keypad-verdict the '#' after a right 6-digit PIN, one user enrolled
 *   audit-append  one audit log entry (lk_audit_append)
 *   init-full     lk_init over a store holding LK_USERS_MAX users and
 *                 LK_CREDS_MAX PINs
 * Prints "op=OP rc=N ok" and exits 1 if the operation did not do what it
 * should (so a run never measures the wrong path).
 */
#include <stdio.h>
#include <string.h>

#include "lk_internal.h"
#include "lk_sim.h"

#if defined(__clang__)
#define FP_NOINLINE __attribute__((noinline))
#else
#define FP_NOINLINE __attribute__((noinline, noclone))
#endif

static struct lk_sim sim;
static struct lk_lock lk;
static struct lk_config cfg;
static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

enum { OP_IDLE, OP_INPUT, OP_KEYPAD, OP_AUDIT, OP_INIT };

FP_NOINLINE int fp_measured(int op, char k);
FP_NOINLINE int fp_measured(int op, char k)
{
    uint32_t next = 0;
    struct lk_event ev = { LK_OP_STATE, LK_SRC_UNSPECIFIED, LK_REASON_NONE, 0, 0, 0, 0, 0 };

    switch (op) {
    case OP_IDLE:
    case OP_INPUT:
        return lk_poll(&lk, &next);
    case OP_KEYPAD:
        return lk_keypad_key(&lk, k);
    case OP_AUDIT:
        return lk_audit_append(&lk, &ev, NULL);
    default:
        return lk_init(&lk, &sim.port, &cfg);
    }
}

static int boot(void)
{
    struct lk_sim_config c;

    lk_sim_default_config(&c);
    c.sensors_fitted = 1u << LK_SENSOR_DOOR;
    if (lk_sim_init(&sim, &c) != LK_OK) {
        return -1;
    }
    lk_sim_set_device_key(&sim, key);
    if (lk_init(&lk, &sim.port, &cfg) != LK_OK) {
        return -1;
    }
    return lk_sim_run(&sim, &lk, 2000);
}

static int pin(uint16_t c, uint32_t base, uint8_t *out)
{
    struct lk_user u;
    uint32_t v = base + c * 7919u;
    int i;

    memset(&u, 0, sizeof u);
    u.type = LK_USER_UNRESTRICTED;
    u.enabled = 1;
    if (lk_user_set(&lk, (uint16_t)(c % LK_USERS_MAX), &u) != LK_OK) {
        return -1;
    }
    for (i = 5; i >= 0; i--) {
        out[i] = (uint8_t)('0' + v % 10u);
        v /= 10u;
    }
    return lk_cred_set(&lk, c, LK_CRED_PIN, (uint16_t)(c % LK_USERS_MAX), out, 6);
}

int main(int argc, char **argv)
{
    static const char *const names[] = { "idle-poll", "input-poll", "keypad-verdict",
                                         "audit-append", "init-full" };
    uint8_t digits[6];
    int op;
    int rc;
    int i;

    for (op = 0; op < 5; op++) {
        if (argc == 2 && strcmp(argv[1], names[op]) == 0) {
            break;
        }
    }
    if (op == 5 || boot() != LK_OK) {
        fprintf(stderr, "usage: ops idle-poll|input-poll|keypad-verdict|audit-append|init-full\n");
        return 2;
    }
    switch (op) {
    case OP_IDLE:
        rc = fp_measured(op, 0);
        if (rc != LK_POLL_IDLE) {
            goto bad;
        }
        break;
    case OP_INPUT:
        lk_sim_set_sensor(&sim, LK_SENSOR_DOOR, 1);
        rc = fp_measured(op, 0);
        if (rc != LK_POLL_DEADLINE) {
            goto bad; /* the debounce asks to be called back */
        }
        break;
    case OP_KEYPAD:
        if (pin(0, 271828u, digits) != LK_OK) {
            goto bad;
        }
        for (i = 0; i < 6; i++) {
            lk_keypad_key(&lk, (char)digits[i]);
        }
        rc = fp_measured(op, '#');
        if (rc != LK_VERDICT_GRANTED) {
            goto bad;
        }
        break;
    case OP_AUDIT:
        rc = fp_measured(op, 0);
        if (rc != LK_OK) {
            goto bad;
        }
        break;
    default:
        for (i = 0; i < (int)LK_CREDS_MAX; i++) {
            if (pin((uint16_t)i, 100003u, digits) != LK_OK) {
                goto bad;
            }
        }
        rc = fp_measured(op, 0);
        if (rc != LK_OK) {
            goto bad;
        }
        break;
    }
    printf("op=%s rc=%d ok\n", names[op], rc);
    return sim.violations == 0u ? 0 : 1;
bad:
    fprintf(stderr, "op=%s did not take the measured path\n", names[op]);
    return 1;
}
