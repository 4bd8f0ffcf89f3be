/*
 * Emergency power arbitration: source qualification and selection, the
 * energy reserve, energy-gated strokes, main-battery tiers and load shedding
 * (docs/power.md). Everything here runs inside lk_poll and the request entry
 * points; this header holds the configuration and the read-outs.
 *
 * Units: mV, mA, mW, mΩ, µF, µJ, ms. No floating point anywhere.
 */
#ifndef LOCKCORE_POWER_H
#define LOCKCORE_POWER_H

#include <stdint.h>

#include "lockcore/port.h"

/* Inputs lockcore arbitrates: enum lk_power_source MAIN..WIRELESS. */
#define LK_PSRC_INPUTS 5

/* Priority value that keeps a source from ever being selected. */
#define LK_PRIO_NEVER 255u

/* Main-battery tiers, worst last. */
enum lk_power_tier {
    LK_TIER_OK = 0,       /* at or above lk_config.battery_ok_mv */
    LK_TIER_LOW = 1,      /* below battery_ok_mv: warned once, actuations counted */
    LK_TIER_CRITICAL = 2, /* below critical_mv, or warn_actuations used up since LOW */
    LK_TIER_TOO_LOW = 3   /* cannot finish a stroke under motor load: emergency mode */
};

/* One input's qualification window and priority. A field left 0 takes the
 * per-source default in docs/power.md. */
struct lk_source_config {
    /* Window the source must stay inside, mV (1..60000, min < max). It is
     * dropped the moment a reading leaves [min_mv, max_mv]. */
    uint32_t min_mv;
    uint32_t max_mv;
    /* Hysteresis, mV: to qualify, readings must lie in
     * [min_mv + hyst_mv, max_mv - hyst_mv] for qualify_ms; 0 = 3 % of
     * min_mv (at least 1 mV). */
    uint16_t hyst_mv;
    /* 1 = chosen first ... 254; LK_PRIO_NEVER = never selected (the
     * board cannot use it); 0 = default (USB 1, BAT9V 2, WIRELESS 3,
     * CRANK 4). MAIN's is not used: the main battery is chosen first
     * whenever it can drive the motor, and never otherwise. */
    uint8_t priority;
};

/* Reserve kinds. */
enum lk_reserve_kind {
    LK_RESERVE_MAIN = 0, /* no separate store: the main battery is the reserve */
    LK_RESERVE_CAP = 1   /* a supercapacitor, read as LK_PSRC_RESERVE */
};

/*
 * Power configuration: lk_config.power. A field left 0 takes its
 * LK_DEFAULT_PWR_* value (lockcore/config.h); lk_init returns LK_ERR_CONFIG
 * for a value outside the range given here.
 */
struct lk_power_config {
    /* Per input, indexed by enum lk_power_source (MAIN..WIRELESS). */
    struct lk_source_config src[LK_PSRC_INPUTS];
    /* Time a source must stay inside its window to qualify, ms (1..5000). */
    uint32_t qualify_ms;
    /* Poll period lockcore asks for while an emergency input is present or
     * a request waits for energy, ms (1..1000). */
    uint32_t poll_ms;
    /* enum lk_reserve_kind, and for LK_RESERVE_CAP the capacitor:
     * capacitance, µF (1000..100000000); highest voltage, mV (1000..20000);
     * ESR, mΩ (0..10000; 0 is the default, not zero ESR). */
    uint8_t reserve_kind;
    uint32_t cap_uf;
    uint32_t cap_max_mv;
    uint32_t cap_esr_mohm;
    /* Main battery internal resistance, mΩ (1..100000): sets its voltage
     * under motor load. */
    uint32_t main_mohm;
    /* Lowest voltage under load at which the motor still finishes a stroke,
     * mV (1000..20000); motor running current, mA (10..20000). */
    uint32_t motor_min_mv;
    uint32_t motor_ma;
    /* First estimate of one stroke's energy at the reserve, µJ
     * (1000..100000000), and its duration, ms (1..LK_MAX_TRAVEL_MS). Both
     * are refined from strokes measured with motor_current_ma. */
    uint32_t stroke_uj;
    uint32_t stroke_ms;
    /* Energy of waking and taking a credential, µJ (1..100000000); part of
     * the progress target before a credential is accepted. */
    uint32_t access_uj;
    /* Safety factor on a stroke estimate learnt from measured strokes,
     * percent (100..400), and on the configured stroke_uj before any
     * stroke was measured (100..400): a guess needs more. */
    uint16_t margin_pct;
    uint16_t guess_margin_pct;
    /* Source-to-reserve conversion efficiency, percent (1..100). */
    uint16_t eff_pct;
    /* An accepted request waits this long for energy, ms (1000..3600000). */
    uint32_t hold_ms;
    /* A qualified source backs the recovery stroke if its proven power
     * refills one stroke (with margin) within this, ms (1000..600000). */
    uint32_t recovery_ms;
    /* Main battery below this is CRITICAL, mV (1..battery_ok_mv). */
    uint32_t critical_mv;
    /* Actuations allowed after the first LOW warning before CRITICAL
     * (1..65535). */
    uint16_t warn_actuations;
    /* A warning precedes each load cut by this, ms (600..10000: time to
     * park and log). */
    uint16_t warn_ms;
};

/* A snapshot of the arbitration, for the application and tests. */
struct lk_power_status {
    uint8_t tier;          /* enum lk_power_tier */
    uint8_t selected;      /* enum lk_power_source powering the lock; RESERVE = none */
    uint8_t qualified;     /* bit (1u << source) per qualified input */
    uint8_t shed;          /* bit (1u << enum lk_load) per load switched off */
    uint8_t waiting;       /* 1: a request waits for energy */
    uint8_t progress;      /* 0..100: reserve energy against what the next step needs */
    uint16_t actuations_left; /* before CRITICAL, counted from the LOW warning */
    uint32_t reserve_uj;   /* usable reserve energy now, µJ (saturates) */
    uint32_t need_uj;      /* energy the next stroke is gated on, µJ */
    uint32_t stroke_uj;    /* current stroke-energy estimate, µJ */
    uint32_t proven_mw;    /* power the qualified inputs have sustained, mW */
    uint32_t mw[LK_PSRC_INPUTS]; /* last measured power per input, mW */
};

struct lk_lock;

/*
 * Fill *out with the current arbitration state (as of the last lk_poll or
 * request). Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT. Never calls the
 * port.
 */
int lk_power_status(const struct lk_lock *lk, struct lk_power_status *out);

/*
 * Board veto: veto = 1 stops source (enum lk_power_source MAIN..WIRELESS)
 * from being selected or credited until vetoed = 0 again (e.g. the board
 * saw reverse current or an over-temperature). Takes effect at once; the
 * next lk_poll selects again. Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT,
 * LK_ERR_RANGE (source or veto out of range), LK_ERR_NOTSUP (source is not
 * in LK_PSRC_FITTED: the product has no such input).
 */
int lk_power_veto(struct lk_lock *lk, int source, int veto);

#endif /* LOCKCORE_POWER_H */
