/*
 * lock-sim, the scenario parser: expectations, the lines that start with
 * "expect".
 */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* [by T | after T | between T and T | at T (states)]; W_ANY if none. */
static int window(struct ps *p, struct sc_expect *e, int state)
{
    if (ps_accept(p, "by")) {
        e->when = W_BY;
        return ps_need_time(p, &e->t1);
    }
    if (ps_accept(p, "after")) {
        e->when = W_AFTER;
        return ps_need_time(p, &e->t1);
    }
    if (state && ps_accept(p, "at")) {
        e->when = W_AT;
        return ps_need_time(p, &e->t1);
    }
    if (ps_accept(p, "between")) {
        e->when = W_BETWEEN;
        if (ps_need_time(p, &e->t1) != 0 || ps_need_word(p, "and") != 0 ||
            ps_need_time(p, &e->t2) != 0) {
            return -1;
        }
        if (e->t2 < e->t1) {
            return ps_fail(p, p->tok[p->i - 1].col,
                           "expected the second time at or after the first");
        }
        return 0;
    }
    e->when = W_ANY;
    if (ps_peek(p) != NULL) {
        return ps_expected(p, ps_peek(p), state ? "'by', 'at', 'after', 'between' or end of line"
                                          : "'by', 'after', 'between' or end of line");
    }
    return 0;
}

/* event filters: [source S] [reason R] [user N] [count N] */
static int event_filters(struct ps *p, struct sc_expect *e)
{
    for (;;) {
        uint32_t v = 0;

        if (ps_accept(p, "source")) {
            if (ps_need_name(p, nm_sources, "an event source", &e->source) != 0) {
                return -1;
            }
        } else if (ps_accept(p, "reason")) {
            if (ps_need_name(p, nm_reasons, "an event reason", &e->reason) != 0) {
                return -1;
            }
        } else if (ps_accept(p, "user")) {
            if (ps_need_uint(p, "a user index", 0, 65535, &v) != 0) {
                return -1;
            }
            e->user = (int)v;
        } else if (ps_accept(p, "count")) {
            if (ps_need_uint(p, "a count", 0, 100000, &v) != 0) {
                return -1;
            }
            e->count = (int)v;
        } else {
            return 0;
        }
    }
}

int ps_expectation(struct ps *p)
{
    struct scenario *sc = p->sc;
    struct sc_expect *e;
    struct tok *t;
    size_t n = 0;
    int k;

    if (sc->n_exps == sc->cap_exps) {
        unsigned cap = sc->cap_exps ? 2u * sc->cap_exps : 16u;
        struct sc_expect *ne = realloc(sc->exps, cap * sizeof *ne);

        if (ne == NULL) {
            return ps_fail(p, 1, "expected less than this (out of memory)");
        }
        sc->exps = ne;
        sc->cap_exps = cap;
    }
    e = &sc->exps[sc->n_exps];
    memset(e, 0, sizeof *e);
    e->line = p->line;
    e->op = e->source = e->reason = e->user = -1;
    e->count = -1;
    for (k = 0; k < p->n && n < sizeof e->text; k++) {
        int w = snprintf(e->text + n, sizeof e->text - n, "%s%s%s%s", k > 0 ? " " : "",
                         p->tok[k].str ? "\"" : "", p->tok[k].text, p->tok[k].str ? "\"" : "");

        if (w < 0) {
            break;
        }
        n += (unsigned)w;
    }
    if (ps_accept(p, "never")) {
        e->kind = EXP_STATE;
        e->when = W_NEVER;
        if (ps_need_name(p, nm_states, "a lock state", &e->state) != 0) {
            return -1;
        }
    } else if (ps_accept(p, "no")) {
        e->negate = 1;
        if (ps_accept(p, "aborted")) {
            e->kind = EXP_NO_ABORTED;
            if (ps_need_word(p, "strokes") != 0) {
                return -1;
            }
        } else if (ps_accept(p, "alarm")) {
            e->kind = EXP_EVENT;
            e->op = LK_OP_ALARM;
            t = ps_peek(p);
            if (t != NULL && !ps_is_word(t, "by") && !ps_is_word(t, "after") &&
                !ps_is_word(t, "between") &&
                ps_need_name(p, nm_alarms, "an alarm", &e->reason) != 0) {
                return -1;
            }
            if (window(p, e, 0) != 0) {
                return -1;
            }
        } else if (ps_accept(p, "event")) {
            e->kind = EXP_EVENT;
            if (ps_need_name(p, nm_ops, "an event", &e->op) != 0 || event_filters(p, e) != 0 ||
                window(p, e, 0) != 0) {
                return -1;
            }
        } else {
            return ps_expected(p, ps_peek(p), "'alarm', 'event' or 'aborted strokes' after 'no'");
        }
    } else if (ps_accept(p, "alarm")) {
        e->kind = EXP_EVENT;
        e->op = LK_OP_ALARM;
        if (ps_need_name(p, nm_alarms, "an alarm", &e->reason) != 0 || event_filters(p, e) != 0 ||
            window(p, e, 0) != 0) {
            return -1;
        }
    } else if (ps_accept(p, "event")) {
        e->kind = EXP_EVENT;
        if (ps_need_name(p, nm_ops, "an event", &e->op) != 0 || event_filters(p, e) != 0 ||
            window(p, e, 0) != 0) {
            return -1;
        }
    } else {
        t = ps_peek(p);
        e->kind = EXP_STATE;
        if (t == NULL || t->str || nm_find(nm_states, t->text) < 0) {
            return ps_expected(p, t,
                            "a lock state (locked, unlocked, jammed, ...), 'never', 'no', "
                            "'alarm' or 'event'");
        }
        e->state = nm_find(nm_states, ps_next(p)->text);
        if (window(p, e, 1) != 0) {
            return -1;
        }
    }
    sc->n_exps++;
    return ps_end(p);
}

