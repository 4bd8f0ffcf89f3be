/*
 * Optional power model of the host simulation port (issue #6 item 5): the
 * electrical side of emergency power, so that lockcore's arbitration can be
 * tested against physics and benchmarked against the physical lower bound
 * (/work/shared/domain.md section 5 gives the figures used as defaults).
 *
 * Off unless lk_sim_power_enable is called: the sim then behaves exactly as
 * without this file (power_read(MAIN) reads cfg.supply_mv, the motor runs on
 * cfg.supply_mv, no source_select or load_enable callback).
 *
 * When on, the sim models one rail node, a supercapacitor (C, max voltage,
 * ESR), fed by:
 *  - the main battery (open-circuit voltage and internal resistance) through
 *    an ideal diode: current only ever flows out of it;
 *  - the emergency inputs attached with lk_sim_attach (USB power bank, 9 V
 *    battery on the pads, hand crank or shaken handle, phone reverse
 *    wireless), USB / 9 V / wireless through a converter of efficiency
 *    eff_pct, crank and shake as one energy impulse per turn or shake. The
 *    charger stops at cap_max_mv: at the top the inputs deliver only what
 *    the loads draw.
 * and drained by the MCU, the sheddable loads (port.load_enable) and the
 * motor, which sees the node voltage less I x ESR.
 *
 * Physics runs in 1 ms steps (lk_sim_step; lk_sim_run then steps every
 * millisecond instead of skipping idle time; time that cfg.clock_autostep
 * adds inside now_ms passes without physics). Everything is deterministic
 * from the sim seed: random events (9 V dropouts) draw from the sim's
 * xorshift32 on a stream of their own, so attaching a source does not change
 * the entropy lockcore gets. Uses doubles (soft-float on the QEMU boards the
 * sim also runs on), no libm.
 *
 * Units: mV, mA, mW, mOhm, uF, uJ, ms, um. Include lk_sim.h, not this file.
 */
#ifndef LK_SIM_POWER_H
#define LK_SIM_POWER_H

#include <stdint.h>

#include "lockcore/lockcore.h"

struct lk_sim;

/* Kinds of emergency source (struct lk_sim_source.kind). */
enum lk_sim_src_kind {
    LK_SIM_SRC_USB = 1,      /* USB power bank: slot LK_PSRC_USB */
    LK_SIM_SRC_BAT9V = 2,    /* 9 V battery held on the pads: slot LK_PSRC_BAT9V */
    LK_SIM_SRC_CRANK = 3,    /* hand crank: slot LK_PSRC_CRANK */
    LK_SIM_SRC_SHAKE = 4,    /* shaken handle: slot LK_PSRC_CRANK as well */
    LK_SIM_SRC_WIRELESS = 5  /* phone reverse wireless: slot LK_PSRC_WIRELESS */
};

/*
 * One emergency source. lk_sim_source_default fills in the domain.md
 * defaults for a kind; fields a kind does not use are ignored (and left 0
 * by the default). Accepted ranges (lk_sim_attach returns LK_ERR_INVAL
 * outside them) are wider than the real-world ranges, given in [] here, so
 * that tests and benchmarks can go past them.
 */
struct lk_sim_source {
    int kind;                 /* enum lk_sim_src_kind */
    /* USB, 9 V: open-circuit voltage, mV (1..60000): USB 5000 [4750-5250],
     * 9 V 9400 [9000-9600]. CRANK, SHAKE: the generator voltage read while
     * turning, mV (1..60000), 6000. WIRELESS: the voltage read while
     * delivering, mV (1..60000), 5000. */
    uint32_t mv;
    /* USB, 9 V: internal resistance, mOhm (1..1000000): USB 200 [50-500],
     * 9 V 2000 [1700 fresh - 20000 old]. */
    uint32_t mohm;
    /* USB: the bank's current limit, mA (1..20000), 500 [100-3000].
     * 9 V: 0 (none) or a limit in mA. The converter also stops at the power
     * model's in_limit_ma and never draws past the max-power point Voc/(2R). */
    uint32_t limit_ma;
    /* USB: attach debounce, ms (0..60000), 300 [100-500]. WIRELESS: the
     * handshake, ms (0..60000), 1200. Others: a delay before the source
     * starts (normally 0). Meanwhile the source reads 0 and delivers
     * nothing. */
    uint32_t attach_ms;
    /* USB auto-off: the bank switches itself off (reads 0, delivers nothing
     * until detached and attached again) when its output current stays
     * below off_ma (0..20000, 100 [50-150]; 0 = never) for off_ms (1..3600000,
     * 30000 [12000-120000]). */
    uint32_t off_ma;
    uint32_t off_ms;
    /* 9 V contact dropouts at random (seeded) times, mean rate per minute
     * (0..6000; 30, i.e. ~0.5/s), each dropout_ms long (1..60000; 20), during
     * which it reads 0 and delivers nothing. */
    uint32_t dropout_per_min;
    uint32_t dropout_ms;
    /* CRANK: mechanical average power, mW (1..100000), 500 [200-2000].
     * WIRELESS: power at the receiver when aligned, mW (1..100000), 2000
     * [500-3000]. */
    uint32_t power_mw;
    /* CRANK, SHAKE: turns or shakes per second x 1000 (1..100000): crank
     * 2000, shake 3000. */
    uint32_t rate_mhz;
    /* SHAKE: mechanical energy per shake, uJ (1..100000000), 30000
     * [5000-100000]. */
    uint32_t impulse_uj;
    /* CRANK, SHAKE: harvest efficiency, percent (1..100): crank 70, shake
     * 60. USB, 9 V, WIRELESS: 0 = the power model's eff_pct (the converter),
     * 1..100 overrides it for this source. */
    uint32_t eff_pct;
    /* CRANK, SHAKE: fatigue time constant, s (0..100000): power x
     * e^(-t/fatigue_s) from when turning started; 0 = no fatigue. Crank 60,
     * shake 0. */
    uint32_t fatigue_s;
    /* WIRELESS: offset of the phone from the coil, um (any value):
     * P = power_mw x (1 - offset/10 mm)^2, 0 from 10 mm on. Changed at run
     * time with lk_sim_set_offset. */
    uint32_t offset_um;
    /* The person removes the source (or stops turning) this long after it
     * was attached, ms; 0 = until lk_sim_detach. Default 0 for every kind
     * (domain.md: a 9 V battery is held ~15 s [5-60]). */
    uint32_t hold_ms;
};

/* Fill *s with the domain.md defaults for kind (enum lk_sim_src_kind); an
 * unknown kind gives all zeros but kind. */
void lk_sim_source_default(struct lk_sim_source *s, int kind);

/* The power model's board and loads. lk_sim_power_enable checks the ranges
 * in (). */
struct lk_sim_power_config {
    uint32_t cap_uf;        /* reserve capacitance, uF (1000..100000000): 1000000 */
    uint32_t cap_max_mv;    /* the charger stops there, mV (1000..20000): 5000 */
    uint32_t cap_esr_mohm;  /* capacitor ESR, mOhm (0..10000): 100; only the motor's
                               current is big enough to matter, so only the motor
                               sees it */
    uint32_t main_mv;       /* main battery open-circuit voltage, mV (0..60000): 3800 (dead 4xAA) */
    uint32_t main_mohm;     /* main battery internal resistance, mOhm (1..1000000): 2000 */
    uint32_t in_limit_ma;   /* converter input current limit (USB, 9 V), mA (1..20000): 500 */
    uint32_t eff_pct;       /* converter efficiency USB / 9 V / wireless to node, % (1..100): 80 */
    uint32_t motor_min_mv;  /* below this under load the bolt does not move, mV (1..60000): 3600 */
    uint32_t mcu_ma;        /* MCU current at 3.3 V, mA (0..1000): 5 */
    /* Sheddable loads at 3.3 V, mA (0..5000), enum lk_load order: radio 15,
     * voice 20, backlight 30, fingerprint 20. All on until load_enable. */
    uint32_t load_ma[LK_LOAD_COUNT_];
    /* 0: diode-OR board, every present input delivers, no source_select.
     * 1: switched board: port.source_select is offered and only the
     * selected emergency input delivers (the others read their
     * open-circuit voltage with 0 mA); selecting LK_PSRC_MAIN or
     * LK_PSRC_RESERVE disconnects every emergency input (MAIN always stays
     * on its diode). Nothing is selected (MAIN) at the start. */
    int switched;
};

/* Fill *c with the defaults given in struct lk_sim_power_config: 1 F,
 * 5000 mV, 100 mOhm, dead main 3800 mV / 2000 mOhm, 500 mA, 80 %, 3600 mV,
 * MCU 5 mA, loads 15/20/30/20 mA, diode-OR. */
void lk_sim_power_default(struct lk_sim_power_config *c);

/* Turn the power model on with *c (NULL = defaults), after lk_sim_init and
 * before lk_init: the node starts at main_mv (at most cap_max_mv), every
 * load on, no emergency source. Offers port.load_enable, and
 * port.source_select on switched boards. LK_OK, or LK_ERR_INVAL (sim NULL, a
 * value out of range). */
int lk_sim_power_enable(struct lk_sim *sim, const struct lk_sim_power_config *c);

/* Attach *src (struct copied) at its slot, the lk_power_source of its kind
 * (SHAKE uses LK_PSRC_CRANK); the attach time, debounce / handshake and
 * hold_ms count from now. LK_OK; LK_ERR_INVAL (power model off, NULL, bad
 * kind or field); LK_ERR_BUSY (the slot holds a source, also one that
 * switched itself off; a source whose hold_ms ran out has left its slot). */
int lk_sim_attach(struct lk_sim *sim, const struct lk_sim_source *src);

/* Remove the source at slot psrc (LK_PSRC_USB..LK_PSRC_WIRELESS); LK_OK
 * also when the slot is empty. LK_ERR_INVAL (power model off, bad psrc). */
int lk_sim_detach(struct lk_sim *sim, int psrc);

/* Move the phone on the wireless slot to offset_um from the coil. LK_OK;
 * LK_ERR_INVAL (power model off, no wireless source attached). */
int lk_sim_set_offset(struct lk_sim *sim, uint32_t offset_um);

/* Change the main battery: open-circuit voltage, mV (0..60000), internal
 * resistance, mOhm (1..1000000). The node voltage does not jump. LK_OK or
 * LK_ERR_INVAL (power model off, out of range). In power mode
 * lk_sim_set_supply(mv) sets main_mv too. */
int lk_sim_set_main(struct lk_sim *sim, uint32_t voc_mv, uint32_t mohm);

/* Set the node (capacitor) voltage, mV (0..cap_max_mv), e.g. to start a
 * test with a charged or an empty reserve. LK_OK or LK_ERR_INVAL. */
int lk_sim_set_node(struct lk_sim *sim, uint32_t mv);

/* Faults power_read reports for one source (lk_sim_power_fault). */
enum lk_sim_power_fault {
    LK_SIM_PWF_NONE = 0,     /* the physical reading */
    LK_SIM_PWF_MV_HIGH = 1,  /* mv = 60001 (out of the contract's range) */
    LK_SIM_PWF_MA_NEG = 2,   /* ma = -1 */
    LK_SIM_PWF_ERROR = 3,    /* the callback returns LK_ERR_IO */
    LK_SIM_PWF_POSITIVE = 4  /* the callback returns 1 (neither OK nor an error) */
};

/* Make power_read(psrc) (LK_PSRC_MAIN..LK_PSRC_RESERVE) report fault (enum
 * lk_sim_power_fault) from now on; LK_SIM_PWF_NONE clears it. Works with
 * the power model on or off (off, MAIN reads as before the fault).
 * LK_OK or LK_ERR_INVAL. */
int lk_sim_power_fault(struct lk_sim *sim, int psrc, int fault);

/* Energy in the reserve above floor_mv now: 1/2 C (V^2 - floor^2), uJ,
 * 0 below floor or with the power model off; saturates at UINT32_MAX. */
uint32_t lk_sim_reserve_uj(const struct lk_sim *sim, uint32_t floor_mv);

/* State of an emergency slot (struct lk_sim_pw_slot.state). */
enum lk_sim_src_state {
    LK_SIM_SS_ABSENT = 0,   /* nothing attached */
    LK_SIM_SS_STARTING = 1, /* attach debounce / handshake: reads 0, delivers nothing */
    LK_SIM_SS_ON = 2,       /* attached and working (a 9 V dropout: see .dropout) */
    LK_SIM_SS_OFF = 3       /* USB bank switched itself off: until detached */
    /* a source whose hold_ms ran out returns to ABSENT (see .n_gone) */
};

/*
 * One emergency input slot, indexed by enum lk_power_source (sim->pw.src[];
 * entries MAIN and RESERVE are unused). Read-only for tests and benchmarks.
 */
struct lk_sim_pw_slot {
    struct lk_sim_source src; /* as attached */
    int state;                /* enum lk_sim_src_state */
    int dropout;              /* 9 V: 1 during a contact dropout */
    int turning;              /* CRANK/SHAKE: 1 while the person turns / shakes */
    uint32_t t_ms;            /* ms since attached */
    uint32_t mv;              /* physical reading now (before faults), mV */
    int32_t ma;               /* physical reading now: current drawn from it, mA */
    uint32_t avail_mw;        /* power it could push into the node now if connected
                                 and the node were not full, mW at the node (the
                                 "power actually available"; crank / shake: the
                                 average of the impulses) */
    uint32_t mw;              /* power it pushed into the node in the last ms, mW
                                 (crank / shake: 0 but in an impulse's ms) */
    /* Totals of this slot since lk_sim_power_enable (detach and attach keep
     * them; take differences for one attachment): */
    uint64_t uj;              /* energy delivered into the node, uJ */
    uint64_t lost_uj;         /* crank / shake: impulse energy not taken (node full
                                 or input not selected), uJ */
    uint32_t n_dropouts;      /* 9 V dropouts begun */
    uint32_t n_impulses;      /* crank turns / shakes completed */
    uint32_t n_offs;          /* USB auto-offs (each stays until detach) */
    uint32_t n_gone;          /* times hold_ms ran out (the source left its slot) */
    /* internal */
    uint32_t low_ms;          /* USB: ms the draw has stayed below off_ma */
    uint32_t drop_left;       /* 9 V: ms left in the dropout */
    uint32_t phase;           /* CRANK/SHAKE: fraction of a turn, 1e-6 turns */
    uint32_t since_impulse;   /* CRANK/SHAKE: ms since the last impulse */
    int had_impulse;
    double in_a;              /* input current now, A */
    double fatigue;           /* e^(-t/fatigue_s) */
    double pending_j;         /* crank: harvested energy waiting for the turn, J */
    double acc_j;             /* energy delivered, J (uj is its integer part x 1e6) */
};

/* Power model state: sim->pw. Read-only for tests and benchmarks. */
struct lk_sim_pw {
    int enabled;                 /* 1 once lk_sim_power_enable succeeded */
    struct lk_sim_power_config cfg;
    uint32_t node_mv;            /* node (capacitor) voltage, mV */
    uint32_t charge_ma;          /* charge current into the capacitor, mA, >= 0,
                                    averaged over ~100 ms (power_read(RESERVE)) */
    uint32_t main_mv;            /* main battery terminal voltage now, mV */
    uint32_t main_ma;            /* current the main battery delivers now, mA */
    int64_t main_uj;             /* energy the main battery delivered, uJ (signed:
                                    a back-feed would make it fall) */
    uint64_t motor_uj;           /* energy the motor took from the node (its ESR
                                    loss included), uJ */
    uint64_t load_uj;            /* energy the MCU and loads took from the node, uJ */
    uint32_t motor_mv;           /* motor supply under load in the last ms, mV */
    uint32_t motor_ma;           /* motor current in the last ms, mA */
    uint32_t load_mw;            /* MCU + loads now, mW at the node */
    uint32_t n_brownouts;        /* times the node fell below 2000 mV (MCU reset) */
    int browned;                 /* 1 while the node is below 2000 mV */
    int selected;                /* switched boards: enum lk_power_source selected */
    uint32_t n_selects;          /* source_select calls accepted */
    uint8_t load_on[LK_LOAD_COUNT_]; /* 1 = load on (port.load_enable) */
    uint32_t n_load_calls;       /* load_enable calls accepted */
    int fault[LK_PSRC_COUNT_];   /* enum lk_sim_power_fault per power_read source */
    struct lk_sim_pw_slot src[LK_PSRC_COUNT_];
    /* internal */
    uint32_t rng;                /* the power model's own xorshift32 stream */
    double v;                    /* node voltage, V */
    double charge_avg_a;         /* charge current average, A */
    double main_j, motor_j, load_j;
};

/* ---- internal: between lk_sim.c and lk_sim_power.c ---- */

/* xorshift32 step on *state (the sim's generator). */
uint32_t lk_sim_xorshift32(uint32_t *state);
/* One millisecond of power physics; motor_ma is the motor's current now. */
void lk_sim_pw_step(struct lk_sim *sim, uint32_t motor_ma);
/* Motor supply, mV, with the motor drawing load_ma from the node. */
uint32_t lk_sim_pw_motor_mv(const struct lk_sim *sim, uint32_t load_ma);
/* Stall current, mA, of a motor drawing stall_ma_6v at 6 V, on the node. */
uint32_t lk_sim_pw_stall_ma(const struct lk_sim *sim, uint32_t stall_ma_6v);
/* port.power_read in power mode (source and out already checked). */
int lk_sim_pw_read(struct lk_sim *sim, int source, struct lk_power_sample *out);
/* Bit per input MAIN..WIRELESS reading non-zero mV (input "interrupts"). */
uint32_t lk_sim_pw_presence(const struct lk_sim *sim);

#endif /* LK_SIM_POWER_H */
