/*
 * lock-sim: checking a run against the scenario's expectations. States are
 * judged on the state lockcore reported every millisecond (lk_get_state),
 * events on lockcore's events, aborted strokes on the bolt the sim moved.
 */
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "output.h"

const char *fmt_ms(char *buf, size_t size, uint32_t ms)
{
    (void)snprintf(buf, size, "%lu.%03lu s", (unsigned long)(ms / 1000u),
                   (unsigned long)(ms % 1000u));
    return buf;
}

/* The first time state s begins at or after from, or -1. */
static long first_from(const struct run_log *log, int s, uint32_t from)
{
    unsigned i;

    for (i = 0; i < log->n_states; i++) {
        if (log->states[i].state != s) {
            continue;
        }
        if (log->states[i].t >= from) {
            return (long)log->states[i].t;
        }
        /* began before from: does it still hold at from? */
        if (i + 1u == log->n_states || log->states[i + 1u].t > from) {
            return (long)from;
        }
    }
    return -1;
}

static int state_at(const struct run_log *log, uint32_t t, uint32_t *since)
{
    int s = -1;
    unsigned i;

    *since = 0;
    for (i = 0; i < log->n_states && log->states[i].t <= t; i++) {
        s = log->states[i].state;
        *since = log->states[i].t;
    }
    return s;
}

static const char *state_name(int s)
{
    return s < 0 ? "off (the MCU had no power)" : nm_name(nm_states, s);
}

/* Returns 1 if e holds; why gets the evidence either way. */
static int check_state(const struct sc_expect *e, const struct run_log *log, char *why,
                       size_t size)
{
    const char *nm = nm_name(nm_states, e->state);
    long first = first_from(log, e->state, 0);
    char a[32];
    char b[32];
    uint32_t since;
    int s;

    switch (e->when) {
    case W_AT:
        s = state_at(log, e->t1, &since);
        (void)snprintf(why, size, "at %s the lock was %s (since %s)", fmt_ms(a, sizeof a, e->t1),
                       state_name(s), fmt_ms(b, sizeof b, since));
        return s == e->state;
    case W_NEVER:
        if (first < 0) {
            (void)snprintf(why, size, "never %s", nm);
            return 1;
        }
        (void)snprintf(why, size, "%s at %s", nm, fmt_ms(a, sizeof a, (uint32_t)first));
        return 0;
    default:
        break;
    }
    if (first < 0) {
        (void)snprintf(why, size, "never %s in the %s run", nm,
                       fmt_ms(a, sizeof a, log->duration));
        return 0;
    }
    (void)snprintf(why, size, "first %s at %s", nm, fmt_ms(a, sizeof a, (uint32_t)first));
    switch (e->when) {
    case W_BY:
        return (uint32_t)first <= e->t1;
    case W_AFTER:
        return (uint32_t)first >= e->t1;
    case W_BETWEEN:
        return (uint32_t)first >= e->t1 && (uint32_t)first <= e->t2;
    default:
        return 1;
    }
}

static int event_matches(const struct sc_expect *e, const struct lk_event *ev)
{
    return (e->op < 0 || ev->op == e->op) && (e->source < 0 || ev->source == e->source) &&
           (e->reason < 0 || ev->reason == e->reason) && (e->user < 0 || ev->user == e->user);
}

static int in_window(const struct sc_expect *e, uint32_t t)
{
    switch (e->when) {
    case W_BY: return t <= e->t1;
    case W_AFTER: return t >= e->t1;
    case W_BETWEEN: return t >= e->t1 && t <= e->t2;
    default: return 1;
    }
}

static void describe(char *buf, size_t size, const struct rl_item *it)
{
    char t[32];

    (void)snprintf(buf, size, "%s %s %s at %s", nm_name(nm_ops, it->ev.op),
                   nm_name(nm_sources, it->ev.source), nm_name(nm_reasons, it->ev.reason),
                   fmt_ms(t, sizeof t, it->t));
}

static int check_event(const struct sc_expect *e, const struct run_log *log, char *why,
                       size_t size)
{
    const struct rl_item *first_in = NULL;
    const struct rl_item *first_any = NULL;
    unsigned n = 0;
    unsigned i;
    char d[160];

    for (i = 0; i < log->n_items; i++) {
        const struct rl_item *it = &log->items[i];

        if (it->kind != RL_EVENT || !event_matches(e, &it->ev)) {
            continue;
        }
        if (first_any == NULL) {
            first_any = it;
        }
        if (in_window(e, it->t)) {
            if (first_in == NULL) {
                first_in = it;
            }
            n++;
        }
    }
    if (e->negate) {
        if (n == 0u) {
            (void)snprintf(why, size, "none");
            return 1;
        }
        describe(d, sizeof d, first_in);
        (void)snprintf(why, size, "%u found, the first: %s", n, d);
        return 0;
    }
    if (e->count >= 0) {
        if (first_in != NULL) {
            describe(d, sizeof d, first_in);
            (void)snprintf(why, size, "%u found, the first: %s", n, d);
        } else {
            (void)snprintf(why, size, "none found");
        }
        return n == (unsigned)e->count;
    }
    if (first_in != NULL) {
        describe(d, sizeof d, first_in);
        (void)snprintf(why, size, "%s", d);
        return 1;
    }
    if (first_any != NULL) {
        describe(d, sizeof d, first_any);
        (void)snprintf(why, size, "none in the window; the first was %s", d);
    } else {
        (void)snprintf(why, size, "no such event in the run");
    }
    return 0;
}

unsigned expect_check(FILE *out, const struct scenario *sc, const struct run_log *log)
{
    unsigned failed = 0;
    unsigned i;

    if (out != NULL && sc->n_exps > 0u) {
        fprintf(out, "expectations:\n");
    }
    for (i = 0; i < sc->n_exps; i++) {
        const struct sc_expect *e = &sc->exps[i];
        char why[320];
        char t[32];
        int ok;

        switch (e->kind) {
        case EXP_STATE:
            ok = check_state(e, log, why, sizeof why);
            break;
        case EXP_EVENT:
            ok = check_event(e, log, why, sizeof why);
            break;
        default:
            ok = log->aborted == 0u;
            if (ok) {
                (void)snprintf(why, sizeof why, "none");
            } else {
                (void)snprintf(why, sizeof why,
                               "%u stroke(s) stopped with the bolt between its ends, the first "
                               "at %s",
                               log->aborted, fmt_ms(t, sizeof t, log->t_aborted));
            }
            break;
        }
        if (!ok) {
            failed++;
        }
        if (out != NULL) {
            fprintf(out, "  %-4s %s:%d: %s -- %s\n", ok ? "ok" : "FAIL", sc->path, e->line,
                    e->text, why);
        }
    }
    if (log->violations != 0u) {
        failed++;
        if (out != NULL) {
            fprintf(out, "  FAIL the sim port saw %lu contract violation(s) by lockcore\n",
                    (unsigned long)log->violations);
        }
    }
    return failed;
}
