/*
 * lock-sim: watching the run. Notes for the timeline on the emergency
 * inputs (dropouts, auto-off, handshakes, a generator running down, loads
 * shed) and on lockcore (qualification, selection, the gauge, strokes that
 * stopped between the ends); the lock's state over time; plot samples.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

#include "names.h"

/* Every input level as one number: a change is an input interrupt. */
uint32_t rn_signature(const struct runner *r)
{
    uint32_t sig = (uint32_t)lk_sim_bolt_level(&r->sim);
    int s;

    for (s = 1; s < LK_SENSOR_COUNT_; s++) {
        sig |= (uint32_t)(r->sim.levels[s] & 1u) << (3 + s);
    }
    if (r->sc->power) {
        if (r->sim.pw.main_mv != 0u) {
            sig |= 1u << 16;
        }
        for (s = LK_PSRC_USB; s <= LK_PSRC_WIRELESS; s++) {
            if (r->sim.pw.src[s].mv != 0u) {
                sig |= 1u << (16 + s);
            }
        }
    }
    return sig;
}

static const char *input_name(int s)
{
    return nm_name(nm_inputs, s);
}

void rn_watch_slots(struct runner *r)
{
    static const char *const load_names[LK_LOAD_COUNT_] = { "radio", "voice", "backlight",
                                                            "fingerprint" };
    int loads = 0;
    int s;

    for (s = 0; s < LK_LOAD_COUNT_; s++) {
        loads |= r->sim.pw.load_on[s] ? 1 << s : 0;
    }
    if (loads != r->loads) {
        /* one line for the loads switched off, one for those back on */
        int on;

        for (on = 0; on <= 1; on++) {
            char list[160] = "";
            size_t n = 0;

            for (s = 0; s < LK_LOAD_COUNT_; s++) {
                int bit = 1 << s;

                if ((loads & bit) != (r->loads & bit) && ((loads & bit) != 0) == on) {
                    int w = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
                                     load_names[s]);

                    n = (w > 0 && (size_t)w < sizeof list - n) ? n + (size_t)w : n;
                }
            }
            if (n > 0u) {
                minor_note(r, "lockcore: %s %s", on ? "back on:" : "sheds", list);
            }
        }
        r->loads = loads;
    }

    for (s = LK_PSRC_USB; s <= LK_PSRC_WIRELESS; s++) {
        const struct lk_sim_pw_slot *sl = &r->sim.pw.src[s];
        const char *nm = (sl->src.kind == LK_SIM_SRC_SHAKE) ? "shake" : input_name(s);

        if (sl->n_dropouts != r->dropouts[s]) {
            r->dropouts[s] = sl->n_dropouts;
            note(r, "%s: contact dropout (%lu ms)", nm, (unsigned long)sl->src.dropout_ms);
        }
        if (sl->n_offs != r->offs[s]) {
            r->offs[s] = sl->n_offs;
            note(r, "%s: bank switched itself off (<%lu mA for %lu s)", nm,
                 (unsigned long)sl->src.off_ma, (unsigned long)(sl->src.off_ms / 1000u));
        }
        if (sl->n_gone != r->gone[s]) {
            r->gone[s] = sl->n_gone;
            note(r, "%s: %s", input_name(s),
                 s == LK_PSRC_CRANK ? "the generator has run down" : "taken away (hold time over)");
        }
        if (sl->state != r->slot_state[s]) {
            if (sl->state == LK_SIM_SS_ON && r->slot_state[s] == LK_SIM_SS_STARTING) {
                note(r, "%s: %s", nm,
                     s == LK_PSRC_WIRELESS ? "handshake done, the phone transmits"
                                           : "output on (debounce over)");
            }
            if (sl->state == LK_SIM_SS_ON && sl->turning &&
                r->slot_state[s] == LK_SIM_SS_ABSENT) {
                note(r, "%s: turning starts", nm);
            }
            r->slot_state[s] = sl->state;
        }
    }
}

void rn_watch_lock(struct runner *r)
{
    struct lk_power_status st;
    int state = r->mcu_on ? lk_get_state(&r->lk) : -1;
    int driving = r->sim.motor_cmd == LK_MOTOR_EXTEND || r->sim.motor_cmd == LK_MOTOR_RETRACT;
    struct run_log *log = r->log;

    if (state != r->state) {
        log->states = rn_grow(log->states, &log->cap_states, log->n_states, sizeof *log->states);
        log->states[log->n_states].t = rn_now(r);
        log->states[log->n_states].state = state;
        log->n_states++;
        r->state = state;
    }
    if (r->driving && !driving && lk_sim_bolt_level(&r->sim) == LK_BOLT_BETWEEN) {
        if (log->aborted == 0u) {
            log->t_aborted = rn_now(r);
        }
        log->aborted++;
        note(r, "stroke stopped with the bolt between its ends (%d %% out)",
             (int)((r->sim.bolt_ppm + 5000) / 10000));
    }
    if (driving && !r->driving) {
        r->strokes++;
    }
    r->driving = driving;
    if (!r->mcu_on || !r->sc->power || lk_power_status(&r->lk, &st) != LK_OK) {
        return;
    }
    if ((int)st.qualified != r->qualified) {
        int s;

        for (s = 0; s < LK_PSRC_INPUTS; s++) {
            unsigned bit = 1u << s;

            if ((st.qualified & bit) != 0u && ((unsigned)r->qualified & bit) == 0u) {
                note(r, "lockcore: %s qualified", input_name(s));
            } else if ((st.qualified & bit) == 0u && ((unsigned)r->qualified & bit) != 0u) {
                note(r, "lockcore: %s dropped", input_name(s));
            }
        }
        r->qualified = st.qualified;
    }
    if ((int)st.selected != r->selected) {
        if (st.selected == LK_PSRC_RESERVE) {
            minor_note(r, "lockcore: no input selected (the reserve alone)");
        } else {
            minor_note(r, "lockcore: selects %s", input_name(st.selected));
        }
        r->selected = st.selected;
    }
    /* the gauge the person sees, while it matters (before the first stroke
     * and while a request waits for energy), at each quarter it climbs to */
    if (driving) {
        r->progress_q = 0; /* a new wait starts its gauge afresh */
    } else if (r->progress / 25 > r->progress_q && (st.waiting || r->strokes == 0u)) {
        r->progress_q = r->progress / 25;
        minor_note(r, "progress shown: %d %%", r->progress);
    }
    rn_fill_status(r);
}

void rn_sample(struct runner *r)
{
    struct run_log *log = r->log;
    struct rl_sample *sm;
    struct lk_power_status st;
    uint32_t dt = rn_now(r) - r->t_prev_sample;
    int s;

    log->samples = rn_grow(log->samples, &log->cap_samples, log->n_samples, sizeof *log->samples);
    sm = &log->samples[log->n_samples++];
    memset(sm, 0, sizeof *sm);
    sm->t = rn_now(r);
    sm->bolt_ppm = r->sim.bolt_ppm;
    sm->mcu_on = (uint8_t)r->mcu_on;
    if (r->mcu_on && lk_power_status(&r->lk, &st) == LK_OK) {
        sm->reserve_uj = st.reserve_uj;
        sm->need_uj = st.need_uj;
    }
    if (!r->sc->power) {
        r->t_prev_sample = rn_now(r);
        return;
    }
    sm->phys_uj = lk_sim_reserve_uj(&r->sim, r->floor_mv);
    for (s = LK_PSRC_USB; s <= LK_PSRC_WIRELESS; s++) {
        uint64_t uj = r->sim.pw.src[s].uj;

        sm->uj[s] = uj;
        sm->mw[s] = dt ? (uint32_t)((uj - r->uj_prev[s]) / dt) : 0u;
        r->uj_prev[s] = uj;
    }
    /* a crank or a shaken handle delivers one impulse per turn: its power is
     * the average over the last second */
    {
        uint32_t back = 1000u / log->sample_ms;
        const struct rl_sample *old = (log->n_samples > back) ? sm - back : &log->samples[0];
        uint32_t span = sm->t - old->t;

        sm->mw[LK_PSRC_CRANK] =
            span ? (uint32_t)((sm->uj[LK_PSRC_CRANK] - old->uj[LK_PSRC_CRANK]) / span) : 0u;
    }
    if (r->sim.pw.main_uj > 0) {
        sm->uj[LK_PSRC_MAIN] = (uint64_t)r->sim.pw.main_uj;
    }
    sm->mw[LK_PSRC_MAIN] = (dt && r->sim.pw.main_uj > r->main_prev)
                               ? (uint32_t)((r->sim.pw.main_uj - r->main_prev) / dt)
                               : 0u;
    r->main_prev = r->sim.pw.main_uj;
    r->t_prev_sample = rn_now(r);
}

