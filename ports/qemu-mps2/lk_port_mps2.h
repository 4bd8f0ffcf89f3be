/*
 * lockcore port for QEMU's mps2-an385 board (Cortex-M3): the reference
 * bare-metal port. Time from the CMSDK APB timer 0 (25 MHz), storage in a
 * RAM region that behaves like NOR flash (erase 4096 to 0xFF, prog only into
 * erased bytes), a motor driver that records its command, and a bolt
 * switch that always reads extended (the board has neither), no optional
 * sensors, no entropy source.
 */
#ifndef LK_PORT_MPS2_H
#define LK_PORT_MPS2_H

#include "lockcore/lockcore.h"

#define LK_MPS2_STORAGE_SIZE (16u * 1024u)

struct lk_mps2 {
    struct lk_port port;
    uint32_t last_ticks; /* timer reading at the last now_ms */
    uint32_t ms;         /* milliseconds so far */
    uint32_t sub_ticks;  /* ticks not yet a whole millisecond */
    int motor;           /* last enum lk_motor_cmd */
    uint8_t storage[LK_MPS2_STORAGE_SIZE];
};

/* Start the timer, erase the storage, fill in m->port. */
void lk_mps2_init(struct lk_mps2 *m);

/* As after a reset: restart the timer and refill m->port, keeping the
 * storage. An lk_conf_target.reinit callback (ctx = m). */
int lk_mps2_reinit(void *m);

#endif
