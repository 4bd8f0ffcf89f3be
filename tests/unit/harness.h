/* Shared fixture for the host unit tests: a sim port, a lock, and an event
 * recorder. */
#ifndef LK_TEST_HARNESS_H
#define LK_TEST_HARNESS_H

#include "lk_sim.h"

#define REC_MAX 64

struct rec {
    struct lk_event ev[REC_MAX];
    unsigned n;
};

struct fixture {
    struct lk_sim sim;
    struct lk_lock lk;
    struct lk_config cfg;
    struct rec rec;
};

/* The recorder as an lk_event_fn. */
void rec_event(void *ctx, const struct lk_event *ev);
/* Index of the first recorded event with this op and reason, or -1. */
int rec_find(const struct rec *r, uint8_t op, uint8_t reason);

/* The device key fixture_start gives the sim port (bytes 0x00..0x1f, the
 * key of tests/vectors/offline-codes.txt). */
extern const uint8_t harness_device_key[32];

/* Let the brake time after lk_init pass (strokes are refused before: the
 * motor may have been driving when the MCU reset). */
void harness_settle(struct fixture *f);

/* Set up sim (scfg NULL = defaults) and lock (cfg fields as in f->cfg,
 * events into f->rec, emptied after the first-boot format event); asserts
 * success. */
void fixture_start(struct fixture *f, const struct lk_sim_config *scfg);

#endif
