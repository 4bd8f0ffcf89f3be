/*
 * Shared pieces of the libFuzzer harnesses (tests/fuzz/README.md): a byte
 * reader, the one sim port and lock every harness drives, snapshots of a
 * prepared sim + lock that each run starts from, an event sink that checks
 * every event lockcore emits, and return-code checks.
 *
 * Rules every harness keeps: all state lives in the statics below (or the
 * harness's own), which each run resets before it starts, so a run depends
 * on its input only (libFuzzer must be able to replay a crash file alone).
 * A broken invariant calls fz_fail, which prints it and abort()s, which
 * libFuzzer reports as a crash and saves the input for.
 */
#ifndef LK_FUZZ_COMMON_H
#define LK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "lk_sim.h"

/* libFuzzer's entry points (no header declares them). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- invariants ---- */

void fz_fail(const char *file, int line, const char *what, long a, long b);
#define FZ_ASSERT(c)                                                                    \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fz_fail(__FILE__, __LINE__, #c, 0, 0);                                      \
        }                                                                               \
    } while (0)
/* Check that rc is one of the listed values (a terminated list). */
#define FZ_RC(rc, ...) fz_rc_in(__FILE__, __LINE__, #rc, (rc), (const int[]){ __VA_ARGS__, 99999 })
void fz_rc_in(const char *file, int line, const char *what, int rc, const int *allowed);

/* LK_FUZZ_TRACE=1 in the environment: print what a run does (for reading a
 * crash reproduction). Read once per process. */
extern int fz_trace;
void fz_tracef(const char *fmt, ...);
#define FZ_TRACE(...)                                                                   \
    do {                                                                                \
        if (fz_trace) {                                                                 \
            fz_tracef(__VA_ARGS__);                                                     \
        }                                                                               \
    } while (0)

/* ---- input ---- */

struct fz_in {
    const uint8_t *p;
    size_t n;
};
/* Next bytes of the input; zeros once it is used up. */
uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
uint32_t fz_u32(struct fz_in *in);
/* Copy up to n bytes into out, zero-filling what the input lacks. */
void fz_bytes(struct fz_in *in, uint8_t *out, size_t n);

/* ---- the world ---- */

extern struct lk_sim fz_sim;
extern struct lk_lock fz_lk;
extern struct lk_config fz_cfg;

/* The key tests/unit uses (bytes 0x00..0x1f; the offline-code vectors'). */
extern const uint8_t fz_device_key[32];
/* A Friday, 2026-11-27 14:00 UTC (the offline-code example's hour). */
#define FZ_T0 1795788000u

/* A prepared state: the sim (storage included) and the lock with its config. */
struct fz_snap {
    struct lk_sim sim;
    struct lk_lock lk;
    struct lk_config cfg;
};
void fz_snap_take(struct fz_snap *s);
/* Restore fz_sim / fz_lk / fz_cfg to s. Copies the sim's storage region and
 * its other fields, not the wear counters (nothing reads them). */
void fz_snap_restore(const struct fz_snap *s);

/* Set up fz_sim from scfg (NULL: defaults), with the port device key when
 * port_key, and lk_init fz_lk with fz_cfg (its on_event is set here);
 * asserts success; then lets the brake time after boot pass. */
void fz_boot(const struct lk_sim_config *scfg, int port_key);
/* lk_init again on the same storage (a reboot); returns its result. */
int fz_reboot(void);

/* Advance ms of sim time as the firmware's main loop (lk_sim_run); asserts
 * it ran. */
void fz_run(uint32_t ms);
/* Type a string at the keypad; returns the last result. */
int fz_keys(const char *s);

/* Universal invariants after every step: the sim saw no port-contract
 * breach, the state is a defined one. */
void fz_check_world(void);
/* The motor drives only while a stroke runs (state LOCKING or UNLOCKING)
 * and never longer than the travel window plus a poll period; call after
 * lk_poll ran. Skipped while the sim's motor driver is made to fail (it
 * then cannot be stopped). */
void fz_check_motor(void);

/* ---- events ---- */

#define FZ_EV_LOG 64u
struct fz_events {
    uint32_t total;
    uint32_t n;                     /* events since fz_ev_mark; the first FZ_EV_LOG in log */
    struct lk_event log[FZ_EV_LOG];
    struct lk_event last;
    uint32_t reasons[LK_REASON_COUNT_]; /* per reason, since the run started */
    uint32_t ops[LK_OP_COUNT_];         /* per op, since the run started */
};
extern struct fz_events fz_ev;
/* The sink: checks each event (defined op, source, reason and flags, and a
 * valid Matter mapping), logs it. */
void fz_event(void *ctx, const struct lk_event *ev);
void fz_ev_reset(void);
void fz_ev_mark(void);
/* Index in fz_ev.log of the last event with op (and reason, unless -1) since
 * the mark, or -1. */
int fz_ev_find(uint8_t op, int reason);

/* Map a byte to one of n table entries. */
#define FZ_PICK(tab, b) ((tab)[(b) % (sizeof(tab) / sizeof((tab)[0]))])

#endif /* LK_FUZZ_COMMON_H */
