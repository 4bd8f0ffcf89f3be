/*
 * The lockcore conformance suite: one table of C99 cases that check a
 * vendor port against the port contract, and lockcore running on it. Run it
 * on the target with lk_conf_run (TAP through a callback, no printf, no
 * malloc) or case by case from any test framework (lk_conf_run_one). Cases
 * that need an optional capability the port lacks are skipped, not failed.
 * See docs/porting.md.
 */
#ifndef LK_CONFORMANCE_H
#define LK_CONFORMANCE_H

#include <stddef.h>
#include <stdint.h>

#include "lockcore/lockcore.h"

struct lk_conf_target {
    const struct lk_port *port; /* the port under test */
    /* Storage the suite may overwrite: whole erase units; size 0 = the whole
     * region. lockcore itself uses the whole region in the scenario cases,
     * so point the port at a region that holds nothing precious. */
    uint32_t scratch_off;
    uint32_t scratch_size;
    /* Optional: re-initialise the port as after a reset (storage keeps its
     * contents), so "a record survives re-init" covers the port's own
     * start-up code too. NULL: only lockcore is re-initialised. */
    int (*reinit)(void *ctx);
    void *reinit_ctx;
    /* Output for lk_conf_run: called with pieces of text, never NULL. */
    void (*out)(void *ctx, const char *text);
    void *out_ctx;
};

/* Results of one case. */
#define LK_CONF_PASS 0
#define LK_CONF_FAIL 1
#define LK_CONF_SKIP 2

/* Number of cases, and the name of case i (NULL if out of range). */
size_t lk_conf_count(void);
const char *lk_conf_name(size_t i);

/*
 * Run case i against t. Returns LK_CONF_PASS, LK_CONF_FAIL or LK_CONF_SKIP;
 * msg (msg_len bytes, may be NULL) gets why it failed or skipped, naming the
 * callback at fault. Uses about 2 KiB of stack, lockcore's own included.
 */
int lk_conf_run_one(const struct lk_conf_target *t, size_t i, char *msg, size_t msg_len);

/*
 * Run every case, writing TAP through t->out and, last, the line
 * "lockcore-conformance: N passed, N failed, N skipped". Returns the number
 * of failed cases (0 = conformant), or -1 if t or t->out is NULL.
 */
int lk_conf_run(const struct lk_conf_target *t);

#endif
