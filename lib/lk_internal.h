/* Declarations shared between lockcore's modules; not part of the API. */
#ifndef LK_INTERNAL_H
#define LK_INTERNAL_H

#include <stdint.h>

#include "lockcore/lockcore.h"

/* Marks an initialised instance ("LKC1"). */
#define LK_MAGIC 0x4C4B4331u

/* Wrap-safe port-time comparisons: valid while |a - b| < 2^31 ms. */
static inline int32_t lk_time_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}
static inline int lk_time_reached(uint32_t now, uint32_t t)
{
    return lk_time_diff(now, t) >= 0;
}

/* Deadline accumulator for one poll: keeps the earliest wanted time. */
struct lk_deadline {
    uint32_t at;
    uint8_t set;
};
void lk_deadline_want(struct lk_deadline *d, uint32_t at);

/* 1 if v is a defined enum lk_source value. */
int lk_source_valid(int v);

/* event.c: fill and deliver one event to the application. */
void lk_emit(struct lk_lock *lk, uint32_t now, uint8_t op, uint8_t source, uint8_t reason,
             uint16_t user, uint16_t cred);

/* actuate.c: the motor state machine. */
void lk_act_init(struct lk_lock *lk);
int lk_act_request(struct lk_lock *lk, uint32_t now, uint8_t target, int source, uint16_t user,
                   uint16_t cred);
void lk_act_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl);

#endif /* LK_INTERNAL_H */
