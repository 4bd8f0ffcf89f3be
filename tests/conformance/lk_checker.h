/*
 * The conformance checker: wraps any vendor port and enforces the port
 * contract on every call lockcore (or the suite) makes through it — prog
 * only into erased bytes, aligned in-range accesses inside the scratch
 * region, values in range, guard bytes around every buffer handed to the
 * port untouched — counts calls, and injects power cuts at the port
 * boundary. C99, no allocation, no libc.
 */
#ifndef LK_CHECKER_H
#define LK_CHECKER_H

#include <stddef.h>
#include <stdint.h>

#include "lockcore/lockcore.h"

/* Callbacks, for call counts and messages. */
enum lk_chk_cb {
    LK_CHK_NOW_MS, LK_CHK_STORAGE_READ, LK_CHK_STORAGE_PROG, LK_CHK_STORAGE_ERASE,
    LK_CHK_STORAGE_SYNC, LK_CHK_MOTOR_DRIVE, LK_CHK_MOTOR_CURRENT, LK_CHK_SENSOR_READ,
    LK_CHK_POWER_READ, LK_CHK_SOURCE_SELECT, LK_CHK_LOAD_ENABLE, LK_CHK_ENTROPY,
    LK_CHK_INDICATE, LK_CHK_COUNT_
};

struct lk_checker {
    struct lk_port port;         /* the checked port: hand &chk->port to lk_init */
    const struct lk_port *inner; /* the vendor's port */
    uint32_t scratch_off;        /* writes must stay inside [off, off + size) */
    uint32_t scratch_size;
    uint32_t calls[LK_CHK_COUNT_];
    uint32_t violations;
    int first_cb;                /* enum lk_chk_cb of the first violation, -1 none */
    const char *first_rule;      /* what it broke */
    uint32_t clock_offset;       /* added to now_ms (to push the clock to a wrap) */
    /* power cut: after cut_after more completed writes, every write fails */
    int cut_armed;
    uint32_t cut_after;
    int cut_done;
    int cut_torn;                /* the cut write half lands (prog) or lands unacknowledged */
};

/* Wrap inner. scratch_size 0 means the whole region. */
void lk_checker_wrap(struct lk_checker *c, const struct lk_port *inner, uint32_t scratch_off,
                     uint32_t scratch_size);
/* Cut power after `after` more completed storage writes: that write fails
 * (torn = 1: a prog lands its first half, an erase lands unacknowledged) and
 * every later write fails too, until the checker is wrapped again. */
void lk_checker_arm_cut(struct lk_checker *c, uint32_t after, int torn);
/* The callback's name as declared in struct lk_port. */
const char *lk_checker_cb_name(int cb);

#endif
