/*
 * lock-sim: playing a scenario on the sim port and recording what happened:
 * lockcore's events, the actions, notes on the power inputs, the lock's
 * state over time, and plot samples. The timeline, the picture and the
 * expectation checks all read this log; none of them runs anything.
 */
#ifndef LOCK_SIM_RUN_H
#define LOCK_SIM_RUN_H

#include <stdint.h>

#include "scenario.h"

enum rl_kind {
    RL_EVENT,  /* ev: a lockcore event */
    RL_ACTION, /* text: a scenario action as written (line: its line) */
    RL_NOTE    /* text: what the sim or lockcore's power arbitration did */
};

struct rl_item {
    uint32_t t; /* ms */
    int kind;   /* enum rl_kind */
    int line;   /* RL_ACTION: the scenario line */
    struct lk_event ev;
    char text[160];
    uint32_t reserve_uj; /* lockcore's view (lk_power_status) at the time */
    uint32_t need_uj;
    int input;   /* enum lk_power_source selected, -1 = no power model */
    int bolt_pct;
    int mcu_on;
    int minor;   /* RL_NOTE: timeline only (gauge steps, load switching) */
};

/* Plot inputs: power into the reserve per input (the main battery too). */
#define RL_INPUTS LK_PSRC_INPUTS

struct rl_sample {
    uint32_t t;
    uint32_t mw[RL_INPUTS]; /* average power each input put into the node since the
                               last sample, mW (MAIN..WIRELESS); a crank or a
                               shaken handle (one impulse per turn): over the
                               last second */
    uint64_t uj[RL_INPUTS]; /* energy each input put into the node so far, uJ */
    uint32_t reserve_uj;    /* lockcore: usable reserve energy */
    uint32_t need_uj;       /* lockcore: energy the next stroke is gated on */
    uint32_t phys_uj;       /* the sim: usable energy above lockcore's floor now (lockcore's
                               figure is as of its last poll: it sleeps when idle) */
    int32_t bolt_ppm;
    uint8_t mcu_on;
};

struct rl_state {
    uint32_t t;
    int state; /* enum lk_state from t on (-1: the MCU is off) */
};

struct run_log {
    struct rl_item *items;
    unsigned n_items, cap_items;
    struct rl_sample *samples;
    unsigned n_samples, cap_samples;
    struct rl_state *states;
    unsigned n_states, cap_states;
    uint32_t duration;
    uint32_t sample_ms;
    int power;          /* the power model was on */
    unsigned aborted;   /* strokes that stopped with the bolt between its ends */
    uint32_t t_aborted; /* the first of them, ms */
    uint32_t violations;/* sim port contract violations */
    uint32_t brownouts;
    char fatal[512];    /* set when the run could not go on (a refused setup, ...) */
};

/* Play sc, sampling the plots every sample_ms (1..50). Returns 0, or -1
 * with log->fatal set (the log holds what happened until then). */
int run_scenario(const struct scenario *sc, uint32_t sample_ms, struct run_log *log);
void run_log_free(struct run_log *log);

#endif
