/*
 * lockcore host simulation port: a virtual clock, RAM-backed storage that
 * enforces flash rules, a physical model of a motorised bolt, the sensors,
 * and fault injection, all driven by tests and examples through this API.
 * Deterministic: the same config (seed included) and the same calls give
 * the same results. Host-only (uses the C library).
 */
#ifndef LK_SIM_H
#define LK_SIM_H

#include <setjmp.h>
#include <stdint.h>

#include "lockcore/lockcore.h"
#include "lk_sim_power.h"

/* Largest storage region the sim can emulate, bytes. */
#define LK_SIM_STORAGE_MAX (64u * 1024u)

/* Bolt travel in parts per million: 0 = fully retracted, 1e6 = fully out. */
#define LK_SIM_TRAVEL_FULL 1000000
/* The end switches make this close to each end, ppm. */
#define LK_SIM_SWITCH_BAND 20000
/* The H-bridge must be stopped this long before driving the other way, ms. */
#define LK_SIM_MIN_REVERSE_MS 20u

struct lk_sim_config {
    uint32_t seed;           /* seeds entropy; 0 is allowed */
    uint32_t start_ms;       /* initial clock value (set near 2^32 to test wrap) */
    uint32_t storage_size;   /* bytes, <= LK_SIM_STORAGE_MAX */
    uint32_t erase_size;     /* bytes */
    uint32_t prog_size;      /* bytes */
    uint8_t erase_value;     /* 0xFF (NOR) or 0x00 */
    uint32_t supply_mv;      /* motor supply, mV; below 3600 the motor cannot move */
    uint32_t stroke_ms_6v;   /* full stroke time at 6 V, ms (time is ~ 1/V) */
    uint32_t run_ma;         /* running current, mA (not scaled by the supply) */
    uint32_t stall_ma;       /* stall current at 6 V, mA (~ V) */
    uint32_t inrush_ms;      /* inrush (2 x run current) after each start, ms */
    int32_t bolt_start_ppm;  /* initial bolt position */
    int current_sense;       /* 1: the port offers motor_current_ma */
    uint32_t clock_autostep; /* ms the clock advances at each now_ms call (0 = only
                                lk_sim_step moves it); for code that waits on the clock */
    uint32_t sensors_fitted; /* optional sensors: (1u << LK_SENSOR_x) */
};

struct lk_sim {
    struct lk_port port; /* hand &sim->port to lk_init */
    struct lk_sim_config cfg;
    uint32_t now;
    uint32_t rng;

    uint8_t storage[LK_SIM_STORAGE_MAX];
    uint32_t n_read, n_prog, n_erase;
    uint32_t violations;     /* contract breaches seen by the sim (must stay 0) */
    uint32_t unit_erases[LK_SIM_STORAGE_MAX]; /* erase count per erase unit (wear) */

    /* Power-cut injection (see lk_sim_arm_cut). */
    jmp_buf *cut_jmp;        /* where a cut longjmps to */
    int cut_armed;
    uint32_t cut_after;      /* completed writes still allowed before the cut */
    int cut_torn;            /* 1: the cut operation partly lands */
    uint32_t n_cuts;

    int motor_cmd;           /* enum lk_motor_cmd now applied */
    uint32_t motor_run_ms;   /* ms since the current drive command */
    uint32_t n_motor_cmds;
    int last_drive;          /* last EXTEND/RETRACT commanded, 0 = none yet */
    uint32_t t_stopped;      /* when the motor last stopped driving */
    int32_t bolt_ppm;
    int stalled;             /* driven into an end stop or a jam */
    int jam_dir;             /* LK_MOTOR_EXTEND/RETRACT that jams, 0 = none */
    int32_t jam_ppm;         /* where the jam stops the bolt */

    uint8_t levels[LK_SENSOR_COUNT_]; /* optional switch levels */
    int bolt_force;          /* >= 0: the bolt sensor reports this instead */
    int fail_motor;          /* 1: motor_drive returns LK_ERR_IO */
    int fail_sensor;         /* 1: sensor_read returns LK_ERR_IO */
    int fail_storage;        /* 1: storage prog and erase return LK_ERR_IO;
                                2: prog writes, then returns LK_ERR_IO */

    uint8_t device_key[32];  /* served by port.device_key once set */
    int last_indication;     /* enum lk_indication, -1 = none yet */
    uint32_t n_indications;
    uint32_t ind_count[LK_IND_COUNT_]; /* indications seen, per kind */

    /* lk_sim_run bookkeeping */
    int have_deadline;
    uint32_t deadline;
    uint32_t n_polls;
    int last_inputs;     /* input signature at the last poll */

    /* Optional power model (lk_sim_power.h): off (pw.enabled = 0) unless
     * lk_sim_power_enable was called. */
    struct lk_sim_pw pw;
};

/* Fill c with the defaults: seed 1, clock 0, 16 KiB NOR (erase 4096,
 * prog 1, 0xFF), 6 V supply, 600 ms stroke, 600 mA run, 2400 mA stall,
 * 30 ms inrush, bolt extended (locked), current sense on, no optional
 * sensors. */
void lk_sim_default_config(struct lk_sim_config *c);

/* Set the storage geometry fields of c (bytes; erased = erase value). */
void lk_sim_config_geometry(struct lk_sim_config *c, uint32_t size, uint32_t erase,
                            uint32_t prog, uint8_t erased);

/* Initialise sim from cfg (NULL = defaults): erased storage, bolt at its
 * start position, and sim->port filled in. Returns LK_OK or LK_ERR_INVAL
 * for an impossible config (storage larger than LK_SIM_STORAGE_MAX, zero
 * erase or prog size, zero stroke time, supply above 60 V, bolt start
 * outside 0..1e6). */
int lk_sim_init(struct lk_sim *sim, const struct lk_sim_config *cfg);

/* Advance the clock and the physics by ms milliseconds, in 1 ms steps
 * (with the power model on, its physics too). */
void lk_sim_step(struct lk_sim *sim, uint32_t ms);

/* Advance ms milliseconds while playing the firmware's main loop: call
 * lk_poll at the start, whenever the deadline it returned is reached, and
 * whenever an input level changes (an input interrupt). Returns LK_OK or
 * the first negative lk_poll result. While the motor is off it skips to the
 * next deadline; with the power model on it steps every millisecond, and a
 * power input appearing or disappearing (its power_read mV going 0 <-> not
 * 0) is an input interrupt too. */
int lk_sim_run(struct lk_sim *sim, struct lk_lock *lk, uint32_t ms);

/* Make strokes in direction dir (LK_MOTOR_EXTEND or LK_MOTOR_RETRACT) stop
 * at at_ppm (0..1e6) until lk_sim_clear_jam. LK_OK or LK_ERR_INVAL. */
int lk_sim_jam(struct lk_sim *sim, int dir, int32_t at_ppm);
void lk_sim_clear_jam(struct lk_sim *sim);

/* Cut power after `after` more completed storage writes (prog or erase):
 * the next write then does not complete and the sim longjmps to *where
 * (which the caller set with setjmp) instead of returning. With torn = 1 the
 * cut write partly lands: a prog writes only its first k bytes (k from the
 * seed, 0 <= k < len); an erase erases the first half of the unit and leaves
 * the rest as random garbage. The cut disarms itself. */
void lk_sim_arm_cut(struct lk_sim *sim, uint32_t after, int torn, jmp_buf *where);
/* Disarm a cut that has not happened. */
void lk_sim_disarm_cut(struct lk_sim *sim);
/* Completed storage writes (prog + erase) so far. */
uint32_t lk_sim_writes(const struct lk_sim *sim);

/* Set an optional switch (LK_SENSOR_KEY .. LK_SENSOR_TAMPER) to level 0/1;
 * it reads back only if fitted. LK_OK or LK_ERR_INVAL. */
int lk_sim_set_sensor(struct lk_sim *sim, int sensor, uint8_t level);

/* Set the motor supply (and main battery) voltage, mV (0..60000): stroke
 * time and stall current follow it. With the power model on the motor runs
 * from the node instead and this sets the main battery's open-circuit
 * voltage (as lk_sim_set_main). LK_OK or LK_ERR_INVAL. */
int lk_sim_set_supply(struct lk_sim *sim, uint32_t mv);

/* Serve key through port.device_key (a secure element's key), from the next
 * lk_init on; NULL removes the callback (lockcore then makes its own). */
void lk_sim_set_device_key(struct lk_sim *sim, const uint8_t key[32]);

/* Move the bolt by hand to ppm (key, thumbturn, force). */
void lk_sim_move_bolt(struct lk_sim *sim, int32_t ppm);

/* What the bolt sensor reads now (enum lk_bolt_pos). */
int lk_sim_bolt_level(const struct lk_sim *sim);

#endif /* LK_SIM_H */
