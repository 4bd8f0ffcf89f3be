/*
 * lock-sim, the scenario parser: setup statements (lines without a time):
 * title, seed, duration, board, config, sensors, bolt, clock, user and the
 * credentials pin, card, finger, token.
 */
#include "parse.h"

#include <stdio.h>
#include <string.h>

static const struct field board_fields[] = {
    FIELD("cap", FQ_UF, struct lk_sim_power_config, cap_uf, NULL),
    FIELD("cap-max", FQ_MV, struct lk_sim_power_config, cap_max_mv, NULL),
    FIELD("esr", FQ_MOHM, struct lk_sim_power_config, cap_esr_mohm, NULL),
    FIELD("main", FQ_MV, struct lk_sim_power_config, main_mv, NULL),
    FIELD("main-resistance", FQ_MOHM, struct lk_sim_power_config, main_mohm, NULL),
    FIELD("input-limit", FQ_MA, struct lk_sim_power_config, in_limit_ma, NULL),
    FIELD("efficiency", FQ_PCT, struct lk_sim_power_config, eff_pct, NULL),
    FIELD("motor-min", FQ_MV, struct lk_sim_power_config, motor_min_mv, NULL),
    FIELD("mcu", FQ_MA, struct lk_sim_power_config, mcu_ma, NULL),
    FIELD("radio", FQ_MA, struct lk_sim_power_config, load_ma[LK_LOAD_RADIO], NULL),
    FIELD("voice", FQ_MA, struct lk_sim_power_config, load_ma[LK_LOAD_VOICE], NULL),
    FIELD("backlight", FQ_MA, struct lk_sim_power_config, load_ma[LK_LOAD_BACKLIGHT], NULL),
    FIELD("fingerprint", FQ_MA, struct lk_sim_power_config, load_ma[LK_LOAD_FINGERPRINT], NULL),
    FIELD("switched", FQ_UINT, struct lk_sim_power_config, switched, NULL),
    { NULL, 0, 0, 0, NULL },
};

static int st_board(struct ps *p)
{
    struct scenario *sc = p->sc;
    int r;

    if (ps_accept(p, "off")) {
        sc->power = 0;
        return ps_end(p);
    }
    sc->power = 1;
    r = ps_fields(p, board_fields, &sc->board);
    if (r == 0 && sc->board.switched > 1) {
        return ps_fail(p, p->end_col, "expected switched=0 (diode-OR) or switched=1");
    }
    return r;
}

static const struct field config_fields[] = {
    FIELD("auto-relock", FQ_MS, struct lk_config, auto_relock_ms, "off"),
    FIELD("travel-max", FQ_MS, struct lk_config, travel_max_ms, NULL),
    FIELD("debounce", FQ_MS, struct lk_config, debounce_ms, NULL),
    FIELD("path-window", FQ_MS, struct lk_config, path_window_ms, NULL),
    FIELD("door-ajar", FQ_MS, struct lk_config, door_ajar_ms, NULL),
    FIELD("alarm-repeat", FQ_MS, struct lk_config, alarm_repeat_ms, NULL),
    FIELD("battery-ok", FQ_MV, struct lk_config, battery_ok_mv, NULL),
    FIELD("wrong-limit", FQ_UINT, struct lk_config, wrong_limit, NULL),
    FIELD("guess-limit", FQ_UINT, struct lk_config, guess_limit, NULL),
    FIELD("digit-timeout", FQ_MS, struct lk_config, digit_timeout_ms, NULL),
    FIELD("fail-window", FQ_MS, struct lk_config, fail_window_ms, NULL),
    FIELD("lockout", FQ_MS, struct lk_config, lockout_ms[0], NULL),
    FIELD("lockout2", FQ_MS, struct lk_config, lockout_ms[1], NULL),
    FIELD("lockout3", FQ_MS, struct lk_config, lockout_ms[2], NULL),
    FIELD("main-resistance", FQ_MOHM, struct lk_config, power.main_mohm, NULL),
    FIELD("qualify", FQ_MS, struct lk_config, power.qualify_ms, NULL),
    FIELD("poll", FQ_MS, struct lk_config, power.poll_ms, NULL),
    FIELD("stroke-energy", FQ_UJ, struct lk_config, power.stroke_uj, NULL),
    FIELD("access-energy", FQ_UJ, struct lk_config, power.access_uj, NULL),
    FIELD("margin", FQ_PCT, struct lk_config, power.margin_pct, NULL),
    FIELD("efficiency", FQ_PCT, struct lk_config, power.eff_pct, NULL),
    FIELD("hold", FQ_MS, struct lk_config, power.hold_ms, NULL),
    FIELD("recovery", FQ_MS, struct lk_config, power.recovery_ms, NULL),
    FIELD("critical", FQ_MV, struct lk_config, power.critical_mv, NULL),
    { NULL, 0, 0, 0, NULL },
};

/* config takes key=value words; reserve=, key-policy= and paths= take
 * names. */
static int st_config(struct ps *p)
{
    struct lk_config *c = &p->sc->cfg;
    struct tok *t;

    while ((t = ps_peek(p)) != NULL) {
        if (!t->str && strncmp(t->text, "reserve=", 8) == 0) {
            p->i++;
            if (strcmp(t->text + 8, "cap") == 0) {
                c->power.reserve_kind = LK_RESERVE_CAP;
            } else if (strcmp(t->text + 8, "main") == 0) {
                c->power.reserve_kind = LK_RESERVE_MAIN;
            } else {
                return ps_fail(p, t->col + 8, "expected reserve=cap or reserve=main, got '%s'",
                               t->text + 8);
            }
            p->set_reserve = 1;
        } else if (!t->str && strncmp(t->text, "key-policy=", 11) == 0) {
            p->i++;
            if (strcmp(t->text + 11, "notify") == 0) {
                c->key_policy = LK_KEY_POLICY_NOTIFY;
            } else if (strcmp(t->text + 11, "alarm") == 0) {
                c->key_policy = LK_KEY_POLICY_ALARM;
            } else {
                return ps_fail(p, t->col + 11,
                               "expected key-policy=notify or key-policy=alarm, got '%s'",
                               t->text + 11);
            }
        } else if (!t->str && strncmp(t->text, "paths=", 6) == 0) {
            /* paths=key,thumbturn,...: the mechanical paths the lock has */
            static const struct nm paths[] = {
                { LK_PATH_KEY, "key" },           { LK_PATH_MECH_CODE, "mech-code" },
                { LK_PATH_THUMBTURN, "thumbturn" }, { LK_PATH_HANDLE, "handle" },
                { -1, NULL },
            };
            char *s = t->text + 6;
            int col = t->col + 6;

            p->i++;
            c->manual_paths = 0;
            for (;;) {
                char *comma = strchr(s, ',');
                int v;

                if (comma != NULL) {
                    *comma = '\0';
                }
                v = nm_find(paths, s);
                if (v < 0) {
                    return ps_fail(p, col,
                                   "expected a path: key, mech-code, thumbturn or handle, got '%s'",
                                   s);
                }
                c->manual_paths = (uint8_t)(c->manual_paths | (unsigned)v);
                if (comma == NULL) {
                    break;
                }
                col += (int)(comma - s) + 1;
                s = comma + 1;
            }
        } else {
            int r;

            p->i++;
            r = ps_one_field(p, config_fields, c, t);
            if (r < 0) {
                return -1;
            }
            if (r == 0) {
                return ps_unknown_field(p, config_fields, t, "reserve=, key-policy=, paths=");
            }
            if (strncmp(t->text, "main-resistance=", 16) == 0) {
                p->set_main_r = 1;
            }
        }
    }
    return 0;
}

static int st_sensors(struct ps *p)
{
    static const struct nm sensors[] = {
        { LK_SENSOR_KEY, "key" },       { LK_SENSOR_MECH_CODE, "mech-code" },
        { LK_SENSOR_THUMBTURN, "thumbturn" }, { LK_SENSOR_HANDLE, "handle" },
        { LK_SENSOR_DOOR, "door" },     { LK_SENSOR_TAMPER, "tamper" },
        { -1, NULL },
    };
    int s = 0;

    p->sc->sensors = 0;
    if (ps_accept(p, "none")) {
        return ps_end(p);
    }
    do {
        if (ps_need_name(p, sensors, "a sensor", &s) != 0) {
            return -1;
        }
        p->sc->sensors |= 1u << s;
    } while (ps_peek(p) != NULL);
    return 0;
}

static int st_user(struct ps *p)
{
    struct scenario *sc = p->sc;
    struct sc_user *u;
    uint32_t idx = 0;
    int type = LK_USER_UNRESTRICTED;

    if (sc->n_users == SC_USERS_MAX) {
        return ps_fail(p, 1, "expected at most %d users", SC_USERS_MAX);
    }
    if (ps_need_uint(p, "a user index", 0, LK_USERS_MAX - 1u, &idx) != 0) {
        return -1;
    }
    if (ps_peek(p) != NULL && ps_need_name(p, nm_users, "a user type", &type) != 0) {
        return -1;
    }
    u = &sc->users[sc->n_users++];
    u->line = p->line;
    u->idx = (uint16_t)idx;
    u->type = (uint8_t)type;
    return ps_end(p);
}

/* pin|card|finger|token <cred> user <user> [secret] */
static int st_cred(struct ps *p, int type)
{
    struct scenario *sc = p->sc;
    struct sc_cred *c;
    uint32_t idx = 0;
    uint32_t user = 0;

    if (sc->n_creds == SC_CREDS_MAX) {
        return ps_fail(p, 1, "expected at most %d credentials", SC_CREDS_MAX);
    }
    c = &sc->creds[sc->n_creds];
    memset(c, 0, sizeof *c);
    if (ps_need_uint(p, "a credential index", 0, LK_CREDS_MAX - 1u, &idx) != 0 ||
        ps_need_word(p, "user") != 0 ||
        ps_need_uint(p, "a user index", 0, LK_USERS_MAX - 1u, &user) != 0) {
        return -1;
    }
    c->line = p->line;
    c->idx = (uint16_t)idx;
    c->user = (uint16_t)user;
    c->type = type;
    if (type == LK_CRED_PIN) {
        struct tok *t = ps_next(p);
        size_t n;
        size_t i;

        if (t == NULL) {
            return ps_expected(p, t, "the PIN's digits");
        }
        n = strlen(t->text);
        for (i = 0; i < n; i++) {
            if (t->text[i] < '0' || t->text[i] > '9') {
                return ps_fail(p, t->col + (int)i + t->str,
                               "expected the PIN's digits 0-9, got '%c'", t->text[i]);
            }
        }
        if (n == 0u || n > LK_CRED_DATA_MAX) {
            return ps_expected(p, t, "a PIN of 1 to 16 digits");
        }
        memcpy(c->data, t->text, n);
        c->len = n;
    } else if (type == LK_CRED_RFID) {
        if (ps_need_hex(p, c->data, &c->len) != 0) {
            return -1;
        }
    } else if (type == LK_CRED_FINGERPRINT) {
        if (ps_need_finger(p, c->data, &c->len) != 0) {
            return -1;
        }
    }
    sc->n_creds++;
    return ps_end(p);
}

int ps_setup(struct ps *p, struct tok *verb)
{
    struct scenario *sc = p->sc;
    uint32_t v = 0;

    if (ps_is_word(verb, "title")) {
        struct tok *t = ps_next(p);

        if (t == NULL || !t->str) {
            return ps_expected(p, t, "a quoted title, such as \"Power bank on the USB port\"");
        }
        (void)snprintf(sc->title, sizeof sc->title, "%.*s", (int)sizeof sc->title - 1, t->text);
        return ps_end(p);
    }
    if (ps_is_word(verb, "seed")) {
        if (ps_need_uint(p, "a seed", 0, 0xFFFFFFFFu, &sc->seed) != 0) {
            return -1;
        }
        return ps_end(p);
    }
    if (ps_is_word(verb, "duration")) {
        if (ps_need_time(p, &sc->duration) != 0) {
            return -1;
        }
        if (sc->duration == 0u || sc->duration > 3600000u) {
            return ps_fail(p, p->tok[1].col, "expected a duration of 1ms..60min");
        }
        sc->have_duration = 1;
        return ps_end(p);
    }
    if (ps_is_word(verb, "board")) {
        return st_board(p);
    }
    if (ps_is_word(verb, "config")) {
        return st_config(p);
    }
    if (ps_is_word(verb, "sensors")) {
        return st_sensors(p);
    }
    if (ps_is_word(verb, "bolt")) {
        if (ps_accept(p, "locked")) {
            sc->bolt_ppm = LK_SIM_TRAVEL_FULL;
        } else if (ps_accept(p, "unlocked")) {
            sc->bolt_ppm = 0;
        } else {
            return ps_expected(p, ps_peek(p), "'locked' or 'unlocked'");
        }
        return ps_end(p);
    }
    if (ps_is_word(verb, "clock")) {
        if (ps_need_uint(p, "a trusted wall-clock time in UNIX seconds", 1, 0xFFFFFFFFu, &v) != 0) {
            return -1;
        }
        sc->have_clock = 1;
        sc->clock_s = v;
        return ps_end(p);
    }
    if (ps_is_word(verb, "user")) {
        return st_user(p);
    }
    if (ps_is_word(verb, "pin")) {
        return st_cred(p, LK_CRED_PIN);
    }
    if (ps_is_word(verb, "card")) {
        return st_cred(p, LK_CRED_RFID);
    }
    if (ps_is_word(verb, "finger")) {
        return st_cred(p, LK_CRED_FINGERPRINT);
    }
    if (ps_is_word(verb, "token")) {
        return st_cred(p, LK_CRED_REMOTE_TOKEN);
    }
    return ps_expected(p, verb,
                    "a time (such as 1.5s) starting an action, 'expect', or a setup word "
                    "(title, seed, duration, board, config, sensors, bolt, clock, user, pin, "
                    "card, finger, token)");
}

