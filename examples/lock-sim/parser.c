/*
 * lock-sim: the scenario parser's driver. One statement per line; a line
 * that starts with a time (1.5s, 300ms, 2min, or +500ms after the previous
 * action) is an action (parse_action.c), one that starts with "expect" an
 * expectation (parse_expect.c), any other setup (parse_setup.c); the words
 * and values are lexer.c's. docs/lock-sim.md is the reference. The first
 * error stops the parse with "file:line:col: expected ...".
 */
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void defaults(struct scenario *sc, const char *path)
{
    const char *base = strrchr(path, '/');
    char *dot;

    memset(sc, 0, sizeof *sc);
    (void)snprintf(sc->path, sizeof sc->path, "%s", path);
    base = (base != NULL) ? base + 1 : path;
    (void)snprintf(sc->name, sizeof sc->name, "%s", base);
    dot = strrchr(sc->name, '.');
    if (dot != NULL && dot != sc->name) {
        *dot = '\0';
    }
    sc->seed = 1;
    sc->power = 1;
    lk_sim_power_default(&sc->board);
    sc->sensors = (1u << LK_SENSOR_KEY) | (1u << LK_SENSOR_MECH_CODE) |
                  (1u << LK_SENSOR_THUMBTURN) | (1u << LK_SENSOR_HANDLE) |
                  (1u << LK_SENSOR_DOOR) | (1u << LK_SENSOR_TAMPER);
    sc->bolt_ppm = LK_SIM_TRAVEL_FULL;
    /* docs/power.md's board: a 1 F supercap, a dead 4 x AA pack */
    sc->cfg.power.reserve_kind = LK_RESERVE_CAP;
    sc->cfg.power.main_mohm = 2000;
}

int scenario_parse(const char *path, const char *text, struct scenario *sc, char *err,
                   size_t err_size)
{
    struct ps p;
    const char *s = text;

    defaults(sc, path);
    memset(&p, 0, sizeof p);
    p.path = path;
    p.err = err;
    p.err_size = err_size;
    p.sc = sc;
    err[0] = '\0';
    while (*s != '\0') {
        const char *eol = strchr(s, '\n');
        size_t len = (eol != NULL) ? (size_t)(eol - s) : strlen(s);
        struct tok *first;
        int r;

        p.line++;
        if (ps_lex(&p, s, len) != 0) {
            return -1;
        }
        first = ps_next(&p);
        if (first == NULL) {
            r = 0;
        } else if (!first->str && ((first->text[0] >= '0' && first->text[0] <= '9') ||
                                   first->text[0] == '+')) {
            r = ps_action(&p, first);
        } else if (ps_is_word(first, "expect")) {
            r = ps_expectation(&p);
        } else {
            r = ps_setup(&p, first);
        }
        if (r != 0) {
            return -1;
        }
        s += len;
        if (*s == '\n') {
            s++;
        }
    }
    if (!sc->power) {
        if (!p.set_reserve) {
            sc->cfg.power.reserve_kind = LK_RESERVE_MAIN;
        }
        if (!p.set_main_r) {
            sc->cfg.power.main_mohm = 0;
        }
    } else {
        /* lockcore is configured for the board it runs on */
        sc->cfg.power.cap_uf = sc->board.cap_uf;
        sc->cfg.power.cap_max_mv = sc->board.cap_max_mv;
        sc->cfg.power.cap_esr_mohm = sc->board.cap_esr_mohm;
        sc->cfg.power.motor_min_mv = sc->board.motor_min_mv;
    }
    if (sc->title[0] == '\0') {
        (void)snprintf(sc->title, sizeof sc->title, "%s", sc->name);
    }
    if (!sc->have_duration) {
        sc->duration = p.latest_t + 5000u;
    }
    return 0;
}

int scenario_load(const char *path, struct scenario *sc, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;
    size_t cap = 0;
    int r;

    memset(sc, 0, sizeof *sc);
    if (f == NULL) {
        (void)snprintf(err, err_size, "lock-sim: cannot read scenario '%s': %s", path,
                       strerror(errno));
        return -2;
    }
    for (;;) {
        size_t got;

        if (cap - n < 4096u) {
            char *nb;

            cap = cap ? 2u * cap : 16384u;
            nb = realloc(buf, cap + 1u);
            if (nb == NULL || cap > (16u << 20)) {
                free(nb);
                (void)fclose(f);
                (void)snprintf(err, err_size, "lock-sim: scenario '%s' is too large", path);
                return -2;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0u) {
            break;
        }
    }
    if (ferror(f)) {
        (void)snprintf(err, err_size, "lock-sim: cannot read scenario '%s': %s", path,
                       strerror(errno));
        (void)fclose(f);
        free(buf);
        return -2;
    }
    (void)fclose(f);
    if (memchr(buf, '\0', n) != NULL) {
        (void)snprintf(err, err_size, "%s:1:1: expected a text file (it holds a NUL byte)", path);
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    r = scenario_parse(path, buf, sc, err, err_size);
    free(buf);
    return r;
}

void scenario_free(struct scenario *sc)
{
    free(sc->acts);
    free(sc->exps);
    sc->acts = NULL;
    sc->exps = NULL;
    sc->n_acts = sc->cap_acts = 0;
    sc->n_exps = sc->cap_exps = 0;
}
