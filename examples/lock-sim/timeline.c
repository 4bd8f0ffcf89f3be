/*
 * lock-sim: the timeline on the terminal. One line per lockcore event
 * (upper case), per scenario action ('>') and per note on the power inputs
 * and the sim, each with lockcore's view of the reserve at that moment.
 * Names are the ones expectations use.
 */
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "output.h"

static void joules(char *buf, size_t size, uint32_t uj, int power)
{
    if (!power) {
        (void)snprintf(buf, size, "-");
    } else if (uj == UINT32_MAX) {
        (void)snprintf(buf, size, "main");
    } else {
        (void)snprintf(buf, size, "%lu.%02lu J", (unsigned long)(uj / 1000000u),
                       (unsigned long)(uj % 1000000u / 10000u));
    }
}

static void header(FILE *out, const struct scenario *sc)
{
    const struct lk_sim_power_config *b = &sc->board;

    fprintf(out, "lock-sim: %s (%s)\n", sc->title, sc->path);
    if (sc->power) {
        fprintf(out,
                "board: %lu.%02lu F supercap to %lu.%02lu V, main battery %lu.%02lu V / "
                "%lu.%02lu ohm, %s inputs; lockcore reserve=%s\n",
                (unsigned long)(b->cap_uf / 1000000u),
                (unsigned long)(b->cap_uf % 1000000u / 10000u),
                (unsigned long)(b->cap_max_mv / 1000u),
                (unsigned long)(b->cap_max_mv % 1000u / 10u),
                (unsigned long)(b->main_mv / 1000u), (unsigned long)(b->main_mv % 1000u / 10u),
                (unsigned long)(b->main_mohm / 1000u), (unsigned long)(b->main_mohm % 1000u / 10u),
                b->switched ? "switched" : "diode-OR",
                sc->cfg.power.reserve_kind == LK_RESERVE_CAP ? "cap" : "main");
    } else {
        fprintf(out, "board: no power model (a healthy 6 V supply)\n");
    }
    fprintf(out, "%9s  %-58s %8s %8s  %-6s %4s\n", "time", "what", "reserve", "needs",
            "input", "bolt");
}

void timeline_print(FILE *out, const struct scenario *sc, const struct run_log *log)
{
    unsigned i;

    header(out, sc);
    for (i = 0; i < log->n_items; i++) {
        const struct rl_item *it = &log->items[i];
        char what[200];
        char res[24];
        char need[24];
        const char *input = "-";

        if (it->kind == RL_EVENT) {
            char who[48] = "";
            char op[16];
            size_t k;

            (void)snprintf(op, sizeof op, "%s", nm_name(nm_ops, it->ev.op));
            for (k = 0; op[k] != '\0'; k++) {
                if (op[k] >= 'a' && op[k] <= 'z') {
                    op[k] = (char)(op[k] - 'a' + 'A');
                }
            }
            if (it->ev.user != LK_INDEX_NONE) {
                (void)snprintf(who, sizeof who, " (user %u%s", (unsigned)it->ev.user,
                               it->ev.cred != LK_INDEX_NONE ? "" : ")");
                if (it->ev.cred != LK_INDEX_NONE) {
                    size_t n = strlen(who);

                    (void)snprintf(who + n, sizeof who - n, ", cred %u)", (unsigned)it->ev.cred);
                }
            }
            (void)snprintf(what, sizeof what, "%-8s %-10s %s%s", op,
                           it->ev.source == LK_SRC_UNSPECIFIED
                               ? "-"
                               : nm_name(nm_sources, it->ev.source),
                           nm_name(nm_reasons, it->ev.reason), who);
        } else if (it->kind == RL_ACTION) {
            (void)snprintf(what, sizeof what, "> %s", it->text);
        } else {
            (void)snprintf(what, sizeof what, "  %s", it->text);
        }
        if (it->mcu_on && log->power) {
            joules(res, sizeof res, it->reserve_uj, 1);
            if (it->need_uj == 0u) {
                (void)snprintf(need, sizeof need, "-");
            } else {
                joules(need, sizeof need, it->need_uj, 1);
            }
            if (it->input >= 0 && it->input != LK_PSRC_RESERVE) {
                input = nm_name(nm_inputs, it->input);
            }
        } else {
            (void)snprintf(res, sizeof res, "-");
            (void)snprintf(need, sizeof need, "-");
        }
        fprintf(out, "%5lu.%03lu  %-58s %8s %8s  %-6s %3d%%\n", (unsigned long)(it->t / 1000u),
                (unsigned long)(it->t % 1000u), what, res, need, input, it->bolt_pct);
    }
}
