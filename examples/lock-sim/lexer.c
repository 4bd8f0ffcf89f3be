/*
 * lock-sim, the scenario parser: the words of a line (blank-separated, "..."
 * quotes, '#' starts a comment), the errors about them ("file:line:col:
 * expected ..."), and the values they hold: names, whole numbers, quantities
 * with units (3.8V, 200mohm, 1.5s, 30/min), key=value settings, card UIDs.
 */
#include "parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * errors */

int ps_fail(struct ps *p, int col, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(p->err, p->err_size, "%s:%d:%d: ", p->path, p->line, col);

    if (n < 0 || (size_t)n >= p->err_size) {
        return -1;
    }
    va_start(ap, fmt);
    (void)vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* "expected <what>, got '<tok>'" (or "got end of line" past the end). */
int ps_expected(struct ps *p, const struct tok *t, const char *what)
{
    if (t == NULL) {
        return ps_fail(p, p->end_col, "expected %s, got end of line", what);
    }
    return ps_fail(p, t->col, "expected %s, got %s%s%s", what, t->str ? "\"" : "'", t->text,
                   t->str ? "\"" : "'");
}

/* ------------------------------------------------------------------------
 * the lexer: one line into p->tok */

int ps_lex(struct ps *p, const char *s, size_t len)
{
    size_t i = 0;

    p->n = 0;
    p->i = 0;
    p->end_col = 1;
    while (i < len) {
        struct tok *t;
        size_t k = 0;

        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
            i++;
            continue;
        }
        if (s[i] == '#') {
            break; /* a comment runs to the end of the line */
        }
        if (p->n == TOK_MAX) {
            return ps_fail(p, (int)i + 1, "expected at most %d words on a line", TOK_MAX);
        }
        t = &p->tok[p->n];
        t->col = (int)i + 1;
        t->str = 0;
        if (s[i] == '"') {
            t->str = 1;
            i++;
            while (i < len && s[i] != '"') {
                if (k + 1 >= TOK_TEXT) {
                    return ps_fail(p, t->col, "expected a string of at most %d characters",
                                   TOK_TEXT - 1);
                }
                t->text[k++] = s[i++];
            }
            if (i == len) {
                return ps_fail(p, (int)len + 1,
                               "expected a closing '\"' for the string at column %d", t->col);
            }
            i++; /* the closing quote */
            if (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#') {
                return ps_fail(p, (int)i + 1, "expected a blank after the closing '\"'");
            }
        } else {
            while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#') {
                if (s[i] == '"') {
                    return ps_fail(p, (int)i + 1, "expected a blank before '\"'");
                }
                if (k + 1 >= TOK_TEXT) {
                    return ps_fail(p, t->col, "expected a word of at most %d characters",
                                   TOK_TEXT - 1);
                }
                t->text[k++] = s[i++];
            }
        }
        t->text[k] = '\0';
        p->n++;
        p->end_col = (int)i + 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * token helpers */

struct tok *ps_peek(struct ps *p)
{
    return (p->i < p->n) ? &p->tok[p->i] : NULL;
}

struct tok *ps_next(struct ps *p)
{
    return (p->i < p->n) ? &p->tok[p->i++] : NULL;
}

int ps_is_word(const struct tok *t, const char *w)
{
    return t != NULL && !t->str && strcmp(t->text, w) == 0;
}

/* Take the next token if it is the word w. */
int ps_accept(struct ps *p, const char *w)
{
    if (ps_is_word(ps_peek(p), w)) {
        p->i++;
        return 1;
    }
    return 0;
}

int ps_need_word(struct ps *p, const char *w)
{
    char what[64];

    if (ps_accept(p, w)) {
        return 0;
    }
    (void)snprintf(what, sizeof what, "'%s'", w);
    return ps_expected(p, ps_peek(p), what);
}

int ps_end(struct ps *p)
{
    if (p->i < p->n) {
        return ps_expected(p, ps_peek(p), "end of line");
    }
    return 0;
}

/* A name from tab: its value into *v. */
int ps_need_name(struct ps *p, const struct nm *tab, const char *what, int *v)
{
    char list[600];
    char msg[700];
    struct tok *t = ps_next(p);

    if (t != NULL && !t->str) {
        *v = nm_find(tab, t->text);
        if (*v >= 0) {
            return 0;
        }
    }
    nm_list(tab, list, sizeof list);
    (void)snprintf(msg, sizeof msg, "%s (one of: %s)", what, list);
    return ps_expected(p, t, msg);
}

/* ------------------------------------------------------------------------
 * numbers and quantities */

/* Decimal "123" or "1.25" at s: mantissa and digits after the point; the
 * rest of the word (the unit) in *rest. */
static int split_number(const char *s, uint64_t *mant, unsigned *dec, const char **rest)
{
    int digits = 0;
    int point = 0;

    *mant = 0;
    *dec = 0;
    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9') {
            if (*mant > 100000000000000ull) {
                return -1;
            }
            *mant = *mant * 10u + (uint64_t)(*s - '0');
            digits++;
            if (point) {
                (*dec)++;
            }
        } else if (*s == '.' && !point) {
            point = 1;
        } else {
            break;
        }
    }
    *rest = s;
    return (digits == 0 || *dec > 9u) ? -1 : 0;
}

static const struct unit u_mv[] = { { "V", 1000, 1 }, { "mV", 1, 1 }, { NULL, 0, 0 } };
static const struct unit u_mohm[] = { { "ohm", 1000, 1 }, { "mohm", 1, 1 }, { "kohm", 1000000, 1 },
                                      { "\xCE\xA9", 1000, 1 }, { "m\xCE\xA9", 1, 1 },
                                      { NULL, 0, 0 } };
static const struct unit u_ma[] = { { "A", 1000, 1 }, { "mA", 1, 1 }, { NULL, 0, 0 } };
static const struct unit u_mw[] = { { "W", 1000, 1 }, { "mW", 1, 1 }, { NULL, 0, 0 } };
static const struct unit u_uj[] = { { "J", 1000000, 1 }, { "mJ", 1000, 1 }, { "uJ", 1, 1 },
                                    { NULL, 0, 0 } };
static const struct unit u_uf[] = { { "F", 1000000, 1 }, { "mF", 1000, 1 }, { "uF", 1, 1 },
                                    { NULL, 0, 0 } };
static const struct unit u_um[] = { { "mm", 1000, 1 }, { "um", 1, 1 }, { NULL, 0, 0 } };
static const struct unit u_ms[] = { { "s", 1000, 1 }, { "ms", 1, 1 }, { "min", 60000, 1 },
                                    { "h", 3600000, 1 }, { NULL, 0, 0 } };
static const struct unit u_pct[] = { { "%", 1, 1 }, { NULL, 0, 0 } };
/* rates in thousandths per second */
static const struct unit u_mhz[] = { { "/s", 1000, 1 }, { "Hz", 1000, 1 }, { "/min", 1000, 60 },
                                     { NULL, 0, 0 } };

const struct qty q_mv = { "a voltage such as 3.8V or 3800mV", u_mv };
const struct qty q_mohm = { "a resistance such as 2ohm or 200mohm", u_mohm };
const struct qty q_ma = { "a current such as 500mA or 1.5A", u_ma };
const struct qty q_mw = { "a power such as 500mW or 2W", u_mw };
const struct qty q_uj = { "an energy such as 2J or 30mJ", u_uj };
const struct qty q_uf = { "a capacitance such as 1F or 470mF", u_uf };
const struct qty q_um = { "a distance such as 6mm or 500um", u_um };
const struct qty q_ms = { "a time such as 1.5s, 300ms or 2min", u_ms };
const struct qty q_pct = { "a percentage such as 80%", u_pct };
const struct qty q_mhz = { "a rate such as 2/s or 30/min", u_mhz };

/* The word t as quantity q, rounded to whole base units, into *out. */
int ps_quantity(struct ps *p, const struct tok *t, const struct qty *q, uint32_t *out)
{
    uint64_t mant;
    unsigned dec;
    const char *rest;
    const struct unit *u;

    if (t == NULL || t->str || split_number(t->text, &mant, &dec, &rest) != 0) {
        return ps_expected(p, t, q->what);
    }
    for (u = q->units; u->sfx != NULL; u++) {
        if (strcmp(rest, u->sfx) == 0) {
            uint64_t den = u->div;
            uint64_t v;
            unsigned k;

            for (k = 0; k < dec; k++) {
                den *= 10u;
            }
            v = (mant * u->mul + den / 2u) / den;
            if (v > UINT32_MAX) {
                return ps_fail(p, t->col, "expected %s no larger than 4294967295 base units",
                               q->what);
            }
            *out = (uint32_t)v;
            return 0;
        }
    }
    return ps_expected(p, t, q->what);
}

int ps_need_qty(struct ps *p, const struct qty *q, uint32_t *out)
{
    return ps_quantity(p, ps_next(p), q, out);
}

/* A plain whole number lo..hi. */
int ps_need_uint(struct ps *p, const char *what, uint32_t lo, uint32_t hi, uint32_t *out)
{
    struct tok *t = ps_next(p);
    char msg[160];
    char *end;
    unsigned long v;

    (void)snprintf(msg, sizeof msg, "%s (a whole number %lu..%lu)", what, (unsigned long)lo,
                   (unsigned long)hi);
    if (t == NULL || t->str || t->text[0] < '0' || t->text[0] > '9') {
        return ps_expected(p, t, msg);
    }
    errno = 0;
    v = strtoul(t->text, &end, 10);
    if (*end != '\0' || errno != 0 || v < lo || v > hi) {
        return ps_expected(p, t, msg);
    }
    *out = (uint32_t)v;
    return 0;
}

/* A time of an action or an expectation (no '+'), into *ms. */
int ps_need_time(struct ps *p, uint32_t *ms)
{
    if (ps_need_qty(p, &q_ms, ms) != 0) {
        return -1;
    }
    if (*ms > p->latest_t) {
        p->latest_t = *ms;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * key=value arguments */

static const struct qty *fq_qty(int fq)
{
    switch (fq) {
    case FQ_MV: return &q_mv;
    case FQ_MOHM: return &q_mohm;
    case FQ_MA: return &q_ma;
    case FQ_MW: return &q_mw;
    case FQ_UJ: return &q_uj;
    case FQ_UF: return &q_uf;
    case FQ_UM: return &q_um;
    case FQ_PCT: return &q_pct;
    case FQ_MHZ:
    case FQ_PERMIN: return &q_mhz;
    default: return &q_ms;
    }
}

static void store(void *base, const struct field *f, uint32_t v)
{
    unsigned char *dst = (unsigned char *)base + f->off;

    if (f->size == 1u) {
        uint8_t x = (uint8_t)v;
        memcpy(dst, &x, 1);
    } else if (f->size == 2u) {
        uint16_t x = (uint16_t)v;
        memcpy(dst, &x, 2);
    } else {
        memcpy(dst, &v, 4);
    }
}

/* The value of field f written as t (at column col) into base. */
static int field_value(struct ps *p, const struct field *f, struct tok *t, void *base)
{
    uint32_t v = 0;
    uint32_t lim = (f->size == 1u) ? 0xFFu : (f->size == 2u) ? 0xFFFFu : 0xFFFFFFFFu;

    if (f->off_word != NULL && strcmp(t->text, f->off_word) == 0) {
        store(base, f, 0);
        return 0;
    }
    if (f->fq == FQ_AGE) {
        static const struct nm ages[] = {
            { 2000, "fresh" }, { 8000, "used" }, { 20000, "old" }, { -1, NULL },
        };
        int a = nm_find(ages, t->text);

        if (a < 0) {
            return ps_expected(p, t, "a battery age: fresh (2 ohm), used (8 ohm) or old (20 ohm)");
        }
        store(base, f, (uint32_t)a);
        return 0;
    }
    if (f->fq == FQ_UINT) {
        char *end;
        unsigned long x;

        errno = 0;
        x = strtoul(t->text, &end, 10);
        if (t->text[0] < '0' || t->text[0] > '9' || *end != '\0' || errno != 0 || x > lim) {
            char msg[64];

            (void)snprintf(msg, sizeof msg, "a whole number 0..%lu", (unsigned long)lim);
            return ps_expected(p, t, msg);
        }
        store(base, f, (uint32_t)x);
        return 0;
    }
    if (ps_quantity(p, t, fq_qty(f->fq), &v) != 0) {
        if (f->off_word != NULL) {
            char msg[160];

            (void)snprintf(msg, sizeof msg, "%s, or %s", fq_qty(f->fq)->what, f->off_word);
            return ps_expected(p, t, msg);
        }
        return -1;
    }
    if (f->fq == FQ_PERMIN) {
        v = (uint32_t)(((uint64_t)v * 60u + 500u) / 1000u);
    } else if (f->fq == FQ_S) {
        v = (v + 500u) / 1000u;
    }
    if (v > lim) {
        return ps_fail(p, t->col, "expected a value no larger than %lu (the field's size)",
                       (unsigned long)lim);
    }
    store(base, f, v);
    return 0;
}

/* One key=value word t: 1 when its key is in fs (and the value stored),
 * 0 when it is not, -1 on a bad value. */
int ps_one_field(struct ps *p, const struct field *fs, void *base, struct tok *t)
{
    char *eq = t->str ? NULL : strchr(t->text, '=');
    const struct field *f;
    int r = 0;

    if (eq == NULL) {
        return 0;
    }
    *eq = '\0';
    for (f = fs; f->key != NULL; f++) {
        if (strcmp(f->key, t->text) == 0) {
            struct tok v;

            v.col = t->col + (int)(eq - t->text) + 1;
            v.str = 0;
            (void)snprintf(v.text, sizeof v.text, "%s", eq + 1);
            r = (field_value(p, f, &v, base) != 0) ? -1 : 1;
            break;
        }
    }
    *eq = '=';
    return r;
}

/* "expected a setting name=value (one of: ...)" for t; extra names first. */
int ps_unknown_field(struct ps *p, const struct field *fs, struct tok *t, const char *extra)
{
    char list[600];
    char msg[700];
    unsigned n = 0;
    const struct field *f;
    int w = snprintf(list, sizeof list, "%s", extra);

    n = (w > 0) ? (unsigned)w : 0u;
    for (f = fs; f->key != NULL && n < sizeof list; f++) {
        w = snprintf(list + n, sizeof list - n, "%s%s=", n == 0u ? "" : ", ", f->key);
        if (w < 0) {
            break;
        }
        n += (unsigned)w;
    }
    (void)snprintf(msg, sizeof msg, "a setting name=value (one of: %s)", list);
    return ps_expected(p, t, msg);
}

/* key=value words, each key from fs, to the end of the line. */
int ps_fields(struct ps *p, const struct field *fs, void *base)
{
    struct tok *t;

    while ((t = ps_next(p)) != NULL) {
        int r = ps_one_field(p, fs, base, t);

        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            return ps_unknown_field(p, fs, t, "");
        }
    }
    return 0;
}

/* Hex bytes (a card UID), 1..LK_CRED_DATA_MAX of them. */
int ps_need_hex(struct ps *p, uint8_t *out, size_t *len)
{
    struct tok *t = ps_next(p);
    size_t n;
    size_t i;

    if (t == NULL || t->str) {
        return ps_expected(p, t, "a card UID in hex, such as 04A1B2C3");
    }
    n = strlen(t->text);
    if (n == 0u || n % 2u != 0u || n / 2u > LK_CRED_DATA_MAX) {
        return ps_expected(p, t, "a card UID of 1 to 16 bytes in hex (an even number of digits)");
    }
    for (i = 0; i < n; i += 2u) {
        unsigned v;
        char two[3] = { t->text[i], t->text[i + 1u], '\0' };
        char *end;

        v = (unsigned)strtoul(two, &end, 16);
        if (*end != '\0' || two[0] == '+' || two[0] == '-' || two[0] == ' ') {
            return ps_fail(p, t->col + (int)i, "expected hex digits 0-9 A-F, got '%s'", two);
        }
        out[i / 2u] = (uint8_t)v;
    }
    *len = n / 2u;
    return 0;
}

/* A fingerprint template ID 0..65535 as the 2 bytes the module reports. */
int ps_need_finger(struct ps *p, uint8_t *out, size_t *len)
{
    uint32_t id = 0;

    if (ps_need_uint(p, "a fingerprint template ID", 0, 65535, &id) != 0) {
        return -1;
    }
    out[0] = (uint8_t)(id >> 8);
    out[1] = (uint8_t)id;
    *len = 2;
    return 0;
}

