/*
 * lock-sim, the scenario parser: actions, the lines that start with a time
 * (1.5s, or +500ms after the previous action).
 */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct field usb_fields[] = {
    FIELD("limit", FQ_MA, struct lk_sim_source, limit_ma, NULL),
    FIELD("voltage", FQ_MV, struct lk_sim_source, mv, NULL),
    FIELD("resistance", FQ_MOHM, struct lk_sim_source, mohm, NULL),
    FIELD("debounce", FQ_MS, struct lk_sim_source, attach_ms, NULL),
    FIELD("auto-off", FQ_MA, struct lk_sim_source, off_ma, "off"),
    FIELD("auto-off-after", FQ_MS, struct lk_sim_source, off_ms, NULL),
    FIELD("efficiency", FQ_PCT, struct lk_sim_source, eff_pct, NULL),
    FIELD("hold", FQ_MS, struct lk_sim_source, hold_ms, NULL),
    { NULL, 0, 0, 0, NULL },
};

static const struct field bat9v_fields[] = {
    FIELD("age", FQ_AGE, struct lk_sim_source, mohm, NULL),
    FIELD("resistance", FQ_MOHM, struct lk_sim_source, mohm, NULL),
    FIELD("voltage", FQ_MV, struct lk_sim_source, mv, NULL),
    FIELD("limit", FQ_MA, struct lk_sim_source, limit_ma, "none"),
    FIELD("dropouts", FQ_PERMIN, struct lk_sim_source, dropout_per_min, "none"),
    FIELD("dropout", FQ_MS, struct lk_sim_source, dropout_ms, NULL),
    FIELD("efficiency", FQ_PCT, struct lk_sim_source, eff_pct, NULL),
    FIELD("hold", FQ_MS, struct lk_sim_source, hold_ms, NULL),
    { NULL, 0, 0, 0, NULL },
};

static const struct field crank_fields[] = {
    FIELD("power", FQ_MW, struct lk_sim_source, power_mw, NULL),
    FIELD("rate", FQ_MHZ, struct lk_sim_source, rate_mhz, NULL),
    FIELD("efficiency", FQ_PCT, struct lk_sim_source, eff_pct, NULL),
    FIELD("fatigue", FQ_S, struct lk_sim_source, fatigue_s, "none"),
    FIELD("voltage", FQ_MV, struct lk_sim_source, mv, NULL),
    FIELD("hold", FQ_MS, struct lk_sim_source, hold_ms, NULL),
    { NULL, 0, 0, 0, NULL },
};

static const struct field shake_fields[] = {
    FIELD("energy", FQ_UJ, struct lk_sim_source, impulse_uj, NULL),
    FIELD("rate", FQ_MHZ, struct lk_sim_source, rate_mhz, NULL),
    FIELD("efficiency", FQ_PCT, struct lk_sim_source, eff_pct, NULL),
    FIELD("fatigue", FQ_S, struct lk_sim_source, fatigue_s, "none"),
    FIELD("voltage", FQ_MV, struct lk_sim_source, mv, NULL),
    FIELD("hold", FQ_MS, struct lk_sim_source, hold_ms, NULL),
    { NULL, 0, 0, 0, NULL },
};

static const struct field phone_fields[] = {
    FIELD("power", FQ_MW, struct lk_sim_source, power_mw, NULL),
    FIELD("offset", FQ_UM, struct lk_sim_source, offset_um, NULL),
    FIELD("handshake", FQ_MS, struct lk_sim_source, attach_ms, NULL),
    FIELD("voltage", FQ_MV, struct lk_sim_source, mv, NULL),
    FIELD("efficiency", FQ_PCT, struct lk_sim_source, eff_pct, NULL),
    FIELD("hold", FQ_MS, struct lk_sim_source, hold_ms, NULL),
    { NULL, 0, 0, 0, NULL },
};

/* Source kinds as written: usb, 9v, crank, shake, phone. */
static const struct nm kinds[] = {
    { LK_SIM_SRC_USB, "usb" },     { LK_SIM_SRC_BAT9V, "9v" },
    { LK_SIM_SRC_CRANK, "crank" }, { LK_SIM_SRC_SHAKE, "shake" },
    { LK_SIM_SRC_WIRELESS, "phone" }, { -1, NULL },
};

static int kind_slot(int kind)
{
    switch (kind) {
    case LK_SIM_SRC_USB: return LK_PSRC_USB;
    case LK_SIM_SRC_BAT9V: return LK_PSRC_BAT9V;
    case LK_SIM_SRC_WIRELESS: return LK_PSRC_WIRELESS;
    default: return LK_PSRC_CRANK;
    }
}

static int act_attach(struct ps *p, struct sc_action *a)
{
    int kind = 0;
    const struct field *fs;

    if (ps_need_name(p, kinds, "a source", &kind) != 0) {
        return -1;
    }
    lk_sim_source_default(&a->src, kind);
    switch (kind) {
    case LK_SIM_SRC_USB: fs = usb_fields; break;
    case LK_SIM_SRC_BAT9V: fs = bat9v_fields; break;
    case LK_SIM_SRC_CRANK: fs = crank_fields; break;
    case LK_SIM_SRC_SHAKE: fs = shake_fields; break;
    default: fs = phone_fields; break;
    }
    return ps_fields(p, fs, &a->src);
}

/* The keys of a keys action: a quoted string of 0-9, '*' and '#'. */
static int keys_string(struct ps *p, struct sc_action *a)
{
    struct tok *t = ps_next(p);
    size_t n;
    size_t i;

    if (t == NULL || !t->str) {
        return ps_expected(p, t, "the keys in quotes, such as \"246810#\"");
    }
    n = strlen(t->text);
    if (n == 0u || n >= sizeof a->keys) {
        return ps_fail(p, t->col, "expected 1 to %u keys", (unsigned)sizeof a->keys - 1u);
    }
    for (i = 0; i < n; i++) {
        char c = t->text[i];

        if (!((c >= '0' && c <= '9') || c == '*' || c == '#')) {
            return ps_fail(p, t->col + 1 + (int)i, "expected a key 0-9, '*' or '#', got '%c'", c);
        }
    }
    memcpy(a->keys, t->text, n + 1u);
    return 0;
}

/* [every <time>]: ms between keys, default 300 ms. */
static int key_interval(struct ps *p, struct sc_action *a)
{
    a->u = 300;
    if (ps_accept(p, "every")) {
        if (ps_need_qty(p, &q_ms, &a->u) != 0) {
            return -1;
        }
        if (a->u == 0u || a->u > 60000u) {
            return ps_fail(p, p->tok[p->i - 1].col, "expected 1ms..60s between keys");
        }
    }
    return 0;
}

static int act_offline(struct ps *p, struct sc_action *a)
{
    struct tok *t = ps_peek(p);

    a->a = 0;
    a->b = 0;
    a->v = 0;
    if (t != NULL && t->str) {
        size_t n = strlen(t->text);
        size_t i;

        p->i++;
        for (i = 0; i < n; i++) {
            if (t->text[i] < '0' || t->text[i] > '9') {
                return ps_fail(p, t->col + 1 + (int)i,
                               "expected an offline code's digits, got '%c'", t->text[i]);
            }
        }
        if (n != 14u) {
            return ps_expected(p, t, "an offline code of 14 digits (without '*' and '#')");
        }
        (void)snprintf(a->keys, sizeof a->keys, "*%.14s#", t->text);
    } else if (ps_accept(p, "one-time")) {
        a->a = 1;
    } else if (ps_accept(p, "clear")) {
        a->a = 9;
    } else if (ps_accept(p, "until")) {
        a->a = 3;
        if (ps_need_qty(p, &q_ms, &a->v) != 0) {
            return -1;
        }
    } else {
        return ps_expected(p, t, "one-time, until <time>, clear, or 14 digits in quotes");
    }
    if ((a->a == 1 || a->a == 9) && ps_accept(p, "seq")) {
        uint32_t s = 0;

        if (ps_need_uint(p, "a sequence digit", 0, 9, &s) != 0) {
            return -1;
        }
        a->b = (int)s;
    }
    return key_interval(p, a);
}

/* key|mech-code|thumbturn|handle|force lock|unlock [over <time>] */
static int act_hand(struct ps *p, struct sc_action *a, int sensor)
{
    a->a = sensor;
    if (ps_accept(p, "unlock")) {
        a->b = 1;
    } else if (ps_accept(p, "lock")) {
        a->b = 0;
    } else {
        return ps_expected(p, ps_peek(p), "'unlock' or 'lock'");
    }
    a->u = 800;
    if (ps_accept(p, "over")) {
        if (ps_need_qty(p, &q_ms, &a->u) != 0) {
            return -1;
        }
        if (a->u == 0u || a->u > 60000u) {
            return ps_fail(p, p->tok[p->i - 1].col, "expected a movement of 1ms..60s");
        }
    }
    return 0;
}

int ps_action(struct ps *p, struct tok *tt)
{
    struct scenario *sc = p->sc;
    struct sc_action *a;
    struct tok *verb;
    uint32_t t = 0;
    int rel = tt->text[0] == '+';
    struct tok tm = *tt;
    size_t n = 0;
    int k;
    int r;

    if (rel) {
        memmove(tm.text, tm.text + 1, strlen(tm.text));
        tm.col++;
    }
    if (ps_quantity(p, &tm, &q_ms, &t) != 0) {
        return -1;
    }
    if (rel) {
        t += p->last_t;
    } else if (t < p->last_t) {
        return ps_fail(p, tt->col,
                       "expected a time at or after %lu.%03lus (the previous action's), got '%s'",
                       (unsigned long)(p->last_t / 1000u), (unsigned long)(p->last_t % 1000u),
                       tt->text);
    }
    if (t > 3600000u) {
        return ps_fail(p, tt->col, "expected a time within the first 60min");
    }
    p->last_t = t;
    if (t > p->latest_t) {
        p->latest_t = t;
    }
    if (sc->n_acts == sc->cap_acts) {
        unsigned cap = sc->cap_acts ? 2u * sc->cap_acts : 32u;
        struct sc_action *na = realloc(sc->acts, cap * sizeof *na);

        if (na == NULL) {
            return ps_fail(p, 1, "expected less than this (out of memory)");
        }
        sc->acts = na;
        sc->cap_acts = cap;
    }
    a = &sc->acts[sc->n_acts];
    memset(a, 0, sizeof *a);
    a->t = t;
    a->line = p->line;
    /* the statement as written, after its time */
    for (k = p->i; k < p->n && n < sizeof a->text; k++) {
        int w = snprintf(a->text + n, sizeof a->text - n, "%s%s%s%s", k > p->i ? " " : "",
                         p->tok[k].str ? "\"" : "", p->tok[k].text, p->tok[k].str ? "\"" : "");

        if (w < 0) {
            break;
        }
        n += (unsigned)w;
    }
    verb = ps_next(p);
    if (verb == NULL || verb->str) {
        return ps_expected(p, verb, "an action after the time");
    }
    r = 0;
    if (ps_is_word(verb, "say")) {
        struct tok *s = ps_next(p);

        a->kind = ACT_SAY;
        if (s == NULL || !s->str) {
            return ps_expected(p, s, "the note in quotes");
        }
        (void)snprintf(a->text, sizeof a->text, "%.*s", (int)sizeof a->text - 1, s->text);
    } else if (ps_is_word(verb, "main")) {
        a->kind = ACT_MAIN;
        r = ps_need_qty(p, &q_mv, &a->u);
        if (r == 0 && ps_peek(p) != NULL) {
            r = ps_need_qty(p, &q_mohm, &a->v);
            if (r == 0 && a->v == 0u) {
                return ps_fail(p, p->tok[p->i - 1].col, "expected a resistance above 0");
            }
        }
    } else if (ps_is_word(verb, "attach")) {
        a->kind = ACT_ATTACH;
        r = act_attach(p, a);
    } else if (ps_is_word(verb, "detach")) {
        int kind = 0;

        a->kind = ACT_DETACH;
        r = ps_need_name(p, kinds, "a source", &kind);
        a->a = kind_slot(kind);
    } else if (ps_is_word(verb, "move-phone")) {
        a->kind = ACT_MOVE_PHONE;
        r = ps_need_qty(p, &q_um, &a->u);
    } else if (ps_is_word(verb, "keys")) {
        a->kind = ACT_KEYS;
        r = keys_string(p, a);
        if (r == 0) {
            r = key_interval(p, a);
        }
    } else if (ps_is_word(verb, "card")) {
        a->kind = ACT_CARD;
        r = ps_need_hex(p, a->data, &a->len);
    } else if (ps_is_word(verb, "finger")) {
        a->kind = ACT_FINGER;
        r = ps_need_finger(p, a->data, &a->len);
    } else if (ps_is_word(verb, "remote")) {
        uint32_t c = 0;

        a->kind = ACT_REMOTE;
        r = ps_need_uint(p, "a remote-token credential index", 0, LK_CREDS_MAX - 1u, &c);
        a->a = (int)c;
        if (r == 0 && ps_accept(p, "wrong")) {
            a->b = 1;
        }
    } else if (ps_is_word(verb, "offline")) {
        a->kind = ACT_OFFLINE;
        r = act_offline(p, a);
    } else if (ps_is_word(verb, "key")) {
        a->kind = ACT_HAND;
        r = act_hand(p, a, LK_SENSOR_KEY);
    } else if (ps_is_word(verb, "mech-code")) {
        a->kind = ACT_HAND;
        r = act_hand(p, a, LK_SENSOR_MECH_CODE);
    } else if (ps_is_word(verb, "thumbturn")) {
        a->kind = ACT_HAND;
        r = act_hand(p, a, LK_SENSOR_THUMBTURN);
    } else if (ps_is_word(verb, "handle")) {
        a->kind = ACT_HAND;
        r = act_hand(p, a, LK_SENSOR_HANDLE);
    } else if (ps_is_word(verb, "force")) {
        a->kind = ACT_HAND;
        r = act_hand(p, a, -1);
    } else if (ps_is_word(verb, "door")) {
        a->kind = ACT_DOOR;
        if (ps_accept(p, "open")) {
            a->a = 1;
        } else if (ps_accept(p, "force")) {
            a->a = 1;
            a->b = 1;
        } else if (ps_accept(p, "close")) {
            a->a = 0;
        } else {
            return ps_expected(p, ps_peek(p), "'open', 'force' or 'close'");
        }
    } else if (ps_is_word(verb, "escutcheon")) {
        a->kind = ACT_ESCUTCHEON;
        if (ps_accept(p, "remove")) {
            a->a = 1;
        } else if (ps_accept(p, "refit")) {
            a->a = 0;
        } else {
            return ps_expected(p, ps_peek(p), "'remove' or 'refit'");
        }
    } else if (ps_is_word(verb, "jam")) {
        uint32_t pct = 0;

        a->kind = ACT_JAM;
        if (ps_accept(p, "lock")) {
            a->a = LK_MOTOR_EXTEND;
        } else if (ps_accept(p, "unlock")) {
            a->a = LK_MOTOR_RETRACT;
        } else {
            return ps_expected(p, ps_peek(p), "'lock' or 'unlock' (the stroke the jam stops)");
        }
        if (ps_need_word(p, "at") != 0 || ps_need_qty(p, &q_pct, &pct) != 0) {
            return -1;
        }
        if (pct > 100u) {
            return ps_fail(p, p->tok[p->i - 1].col, "expected a bolt position 0%%..100%%");
        }
        a->u = pct * 10000u;
    } else if (ps_is_word(verb, "unjam")) {
        a->kind = ACT_UNJAM;
    } else if (ps_is_word(verb, "request")) {
        a->kind = ACT_REQUEST;
        a->b = LK_SRC_BUTTON;
        if (ps_accept(p, "unlock")) {
            a->a = 1;
        } else if (ps_accept(p, "lock")) {
            a->a = 0;
        } else {
            return ps_expected(p, ps_peek(p), "'lock' or 'unlock'");
        }
        if (ps_accept(p, "by")) {
            r = ps_need_name(p, nm_sources, "a source", &a->b);
        }
    } else if (ps_is_word(verb, "silence")) {
        uint32_t u = 0;

        a->kind = ACT_SILENCE;
        if (ps_accept(p, "by")) {
            r = ps_need_uint(p, "the admin's user index", 0, LK_USERS_MAX - 1u, &u);
        }
        a->a = (int)u;
    } else if (ps_is_word(verb, "mode")) {
        a->kind = ACT_MODE;
        r = ps_need_name(p, nm_modes, "an operating mode", &a->a);
    } else {
        return ps_expected(p, verb,
                        "an action (say, main, attach, detach, move-phone, keys, card, finger, "
                        "remote, offline, key, mech-code, thumbturn, handle, force, door, "
                        "escutcheon, jam, unjam, request, silence, mode)");
    }
    if (r != 0) {
        return -1;
    }
    if (a->kind == ACT_ATTACH || a->kind == ACT_DETACH || a->kind == ACT_MOVE_PHONE) {
        if (!sc->power) {
            return ps_fail(p, verb->col,
                           "expected a board with the power model for '%s' (not 'board off')",
                           verb->text);
        }
    }
    sc->n_acts++;
    return ps_end(p);
}

