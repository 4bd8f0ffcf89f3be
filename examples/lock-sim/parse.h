/*
 * lock-sim: what the scenario parser's files share (lexer.c, parse_setup.c,
 * parse_action.c, parse_expect.c, parser.c): one line's words, the parse
 * state, and the helpers that read words as values. Every helper that fails
 * has written "file:line:col: expected ..." into the error buffer and
 * returns -1.
 */
#ifndef LOCK_SIM_PARSE_H
#define LOCK_SIM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "scenario.h"

#define TOK_MAX 48
#define TOK_TEXT 128

struct tok {
    int col; /* 1-based column of its first character */
    int str; /* 1: a "quoted string" (text without the quotes) */
    char text[TOK_TEXT];
};

struct ps {
    const char *path;
    int line;
    struct tok tok[TOK_MAX];
    int n;
    int i;       /* next token */
    int end_col; /* column just past the statement (before a comment) */
    char *err;
    size_t err_size;
    struct scenario *sc;
    uint32_t last_t;   /* time of the previous action, ms */
    uint32_t latest_t; /* latest time named anywhere, ms */
    int set_reserve, set_main_r; /* config named reserve= / main-resistance= */
};

/* Errors: "path:line:col: <fmt>", and "expected <what>, got '<t>'" (t NULL:
 * "got end of line"). Both return -1. */
int ps_fail(struct ps *p, int col, const char *fmt, ...);
int ps_expected(struct ps *p, const struct tok *t, const char *what);

/* Split one line (len bytes at s) into p->tok. */
int ps_lex(struct ps *p, const char *s, size_t len);

/* Words: the next one (NULL at the end), the next taken, a word test, take
 * the next if it is w, need it to be w, need the end of the line, need a
 * name from tab (its value into *v). */
struct tok *ps_peek(struct ps *p);
struct tok *ps_next(struct ps *p);
int ps_is_word(const struct tok *t, const char *w);
int ps_accept(struct ps *p, const char *w);
int ps_need_word(struct ps *p, const char *w);
int ps_end(struct ps *p);
int ps_need_name(struct ps *p, const struct nm *tab, const char *what, int *v);

/* Quantities with units, in base units (mV, mOhm, mA, mW, uJ, uF, um, ms,
 * %, thousandths per second), rounded. */
struct unit {
    const char *sfx;
    uint32_t mul; /* base units per one of this unit */
    uint32_t div;
};

struct qty {
    const char *what; /* "a voltage such as 3.8V or 3800mV" */
    const struct unit *units;
};

extern const struct qty q_mv, q_mohm, q_ma, q_mw, q_uj, q_uf, q_um, q_ms, q_pct, q_mhz;

int ps_quantity(struct ps *p, const struct tok *t, const struct qty *q, uint32_t *out);
int ps_need_qty(struct ps *p, const struct qty *q, uint32_t *out);
int ps_need_uint(struct ps *p, const char *what, uint32_t lo, uint32_t hi, uint32_t *out);
/* A time that is not an action's (an expectation's, the duration); it
 * counts towards the default duration. */
int ps_need_time(struct ps *p, uint32_t *ms);
/* Card UID in hex (1..16 bytes); fingerprint template ID 0..65535 as 2 bytes. */
int ps_need_hex(struct ps *p, uint8_t *out, size_t *len);
int ps_need_finger(struct ps *p, uint8_t *out, size_t *len);

/* key=value settings stored into a struct through a table of fields. */
enum fq {
    FQ_MV, FQ_MOHM, FQ_MA, FQ_MW, FQ_UJ, FQ_UF, FQ_UM, FQ_MS, FQ_PCT, FQ_MHZ,
    FQ_PERMIN, /* a rate, stored per minute */
    FQ_S,      /* a time, stored in whole seconds */
    FQ_UINT,   /* a whole number */
    FQ_AGE     /* fresh / used / old: a 9 V battery's internal resistance, mOhm */
};

struct field {
    const char *key;
    int fq;               /* enum fq */
    size_t off;           /* into the struct being filled */
    size_t size;          /* 1, 2 or 4 bytes */
    const char *off_word; /* a word that stores 0 ("off", "none"), or NULL */
};

#define FIELD(key, fq, type, member, off_word) \
    { key, fq, offsetof(type, member), sizeof(((type *)0)->member), off_word }

/* One key=value word t: 1 when its key is in fs (the value stored into
 * base), 0 when it is not, -1 on a bad value. */
int ps_one_field(struct ps *p, const struct field *fs, void *base, struct tok *t);
/* "expected a setting name=value (one of: <extra>, <fs keys>), got ..." */
int ps_unknown_field(struct ps *p, const struct field *fs, struct tok *t, const char *extra);
/* key=value words from fs to the end of the line. */
int ps_fields(struct ps *p, const struct field *fs, void *base);

/* The statements, the first word already taken (a setup word or the
 * action's time); each reads to the end of its line. */
int ps_setup(struct ps *p, struct tok *verb);
int ps_action(struct ps *p, struct tok *time);
int ps_expectation(struct ps *p);

#endif
