/*
 * lock-sim: what the runner's files share (runner.c: the run, the log,
 * lockcore's boot and polls; actions.c: the scenario's actions; observe.c:
 * watching the sim and lockcore for the timeline and the plots).
 */
#ifndef LOCK_SIM_RUNNER_H
#define LOCK_SIM_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "scenario.h"

/* Wall clock at 0 s when the scenario sets none (2026-01-01T00:00:00Z): the
 * owner's app makes offline codes with it; lockcore itself has no trusted
 * time then. */
#define DEFAULT_WALL_S 1767225600u

struct runner {
    struct lk_sim sim; /* first: port callbacks get &sim as their ctx */
    struct lk_lock lk;
    struct lk_port port;
    struct lk_config cfg;
    int (*sim_indicate)(void *ctx, int what, uint8_t percent);
    const struct scenario *sc;
    struct run_log *log;
    unsigned next_act;
    int mcu_on;
    int booted;
    int need_poll;
    int have_deadline;
    uint32_t deadline;
    uint32_t sig;
    unsigned unfilled; /* items from here on still need lockcore's status */
    /* keys being typed */
    char typing[SC_KEYS_MAX + 4];
    unsigned type_len, type_i;
    uint32_t type_next, type_every;
    int type_noted; /* a lost or ignored key of this entry was noted */
    /* a hand moving the bolt (key, mechanical code, thumbturn, handle, force) */
    int hand;
    int hand_sensor;
    int32_t hand_from, hand_to;
    uint32_t hand_t0, hand_dur;
    /* what was last seen, to note changes */
    int qualified;
    int selected;
    int progress;
    int progress_q;
    int state;
    int driving;
    unsigned strokes;
    int slot_state[LK_PSRC_COUNT_];
    uint32_t dropouts[LK_PSRC_COUNT_];
    uint32_t offs[LK_PSRC_COUNT_];
    uint32_t gone[LK_PSRC_COUNT_];
    int loads; /* bits: sheddable loads on (the sim's load switches) */
    uint64_t uj_prev[RL_INPUTS];
    int64_t main_prev;
    uint32_t t_prev_sample;
    uint32_t floor_mv; /* lockcore's floor for usable energy: motor_min + motor_ma x ESR */
    uint32_t epoch; /* the owner app's offline-code epoch */
    uint32_t wall0;
};

/* The sim clock, ms (it starts at 0: scenario time). */
uint32_t rn_now(const struct runner *r);
/* The wall clock the owner's app goes by, UNIX s. */
uint32_t rn_wall_now(const struct runner *r);

/* Room for one more of n elements of size at *p (capacity *cap). */
void *rn_grow(void *p, unsigned *cap, unsigned n, size_t size);
/* Append a log item of kind (enum rl_kind), text from fmt (may be NULL). */
struct rl_item *rn_add_item(struct runner *r, int kind, const char *fmt, ...);
#define note(r, ...) ((void)rn_add_item((r), RL_NOTE, __VA_ARGS__))
/* A note for the timeline only, not the picture. */
#define minor_note(r, ...) (rn_add_item((r), RL_NOTE, __VA_ARGS__)->minor = 1)
/* Give the items logged since the last call lockcore's power view. */
void rn_fill_status(struct runner *r);
/* Stop the run with this message (log->fatal); returns -1. */
int rn_fatal(struct runner *r, const char *fmt, ...);

/* actions.c: play one scenario action now (0, or -1 after rn_fatal); type
 * the next key of an entry; move the bolt by hand for this millisecond. */
int rn_act(struct runner *r, const struct sc_action *a);
void rn_type_key(struct runner *r);
void rn_hand_step(struct runner *r);

/* observe.c: every input level as one number (a change is an input
 * interrupt); notes on the emergency inputs' slots and on lockcore's state,
 * power view and aborted strokes; one plot sample. */
uint32_t rn_signature(const struct runner *r);
void rn_watch_slots(struct runner *r);
void rn_watch_lock(struct runner *r);
void rn_sample(struct runner *r);

#endif
