/*
 * lock-sim: the picture of a run, as a plain SVG file (no scripts, no
 * external references: any browser shows it). Against one time axis:
 *  - the power each input puts into the reserve (the main battery too);
 *  - the reserve's usable energy as lockcore computes it, with the energy
 *    the next stroke is gated on (lk_power_status need_uj): the "ready to
 *    stroke" line;
 *  - the bolt's position;
 *  - lockcore's events (alarms in red) and the scenario's actions, as
 *    labelled marks.
 * Polylines keep only the samples where a value changes, so flat stretches
 * cost nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "output.h"

#define W 1100
#define ML 84  /* left margin: the axis labels */
#define MR 26
#define PW (W - ML - MR)
#define ROW 15 /* label row height */
#define ROWS_MAX 12
#define CHAR_W 6.3 /* average width of a character of the label font */

struct pic {
    FILE *f;
    const struct run_log *log;
    double x_per_ms;
};

static double xof(const struct pic *p, uint32_t t)
{
    return ML + (double)t * p->x_per_ms;
}

/* printf to the picture; nothing in the measuring pass (f NULL). */
static void out(const struct pic *p, const char *fmt, ...)
{
    va_list ap;

    if (p->f == NULL) {
        return;
    }
    va_start(ap, fmt);
    (void)vfprintf(p->f, fmt, ap);
    va_end(ap);
}

/* s as XML character data. */
static void esc(const struct pic *p, const char *s)
{
    if (p->f == NULL) {
        return;
    }
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': fputs("&amp;", p->f); break;
        case '<': fputs("&lt;", p->f); break;
        case '>': fputs("&gt;", p->f); break;
        case '"': fputs("&quot;", p->f); break;
        default:
            if ((unsigned char)*s >= 0x20u || *s == '\t') {
                fputc(*s, p->f);
            }
            break;
        }
    }
}

/* A round axis maximum at or above v (1, 2, 2.5, 4, 5, 6, 8 x 10^k). */
static double nice_max(double v)
{
    static const double steps[] = { 1.0, 2.0, 2.5, 4.0, 5.0, 6.0, 8.0 };
    double k = 1.0;
    unsigned i;

    if (v <= 0.0) {
        return 1.0;
    }
    while (k * 10.0 <= v) {
        k *= 10.0;
    }
    while (k > v) {
        k /= 10.0;
    }
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (v <= steps[i] * k) {
            return steps[i] * k;
        }
    }
    return 10.0 * k;
}

static uint32_t tick_step(uint32_t duration)
{
    static const uint32_t steps[] = { 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 30000,
                                      60000, 120000, 300000, 600000 };
    unsigned i;

    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (duration / steps[i] <= 12u) {
            return steps[i];
        }
    }
    return 600000;
}

/* Frame, horizontal grid with its labels, time grid, and the title of a
 * panel from y0 (top) of height h, values 0..vmax. */
static void panel(const struct pic *p, int y0, int h, double vmax, const char *title,
                  const char *unit)
{
    uint32_t step = tick_step(p->log->duration);
    uint32_t t;
    int i;

    out(p, "<g class=\"panel\">\n");
    out(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fcfcfc\" "
           "stroke=\"#999\"/>\n",
        ML, y0, PW, h);
    for (i = 0; i <= 4; i++) {
        double y = y0 + h - (double)h * i / 4.0;
        double v = vmax * i / 4.0;

        if (i > 0 && i < 4) {
            out(p, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", ML,
                y, ML + PW, y);
        }
        out(p, "<text x=\"%d\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%g%s</text>\n",
            ML - 6, y + 4.0, v, unit);
    }
    for (t = 0; t <= p->log->duration; t += step) {
        double x = xof(p, t);

        if (t > 0u) {
            out(p, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ececec\"/>\n", x,
                y0, x, y0 + h);
        }
        out(p, "<text x=\"%.1f\" y=\"%d\" class=\"ax\" text-anchor=\"middle\">%g s</text>\n",
            x, y0 + h + 13, (double)t / 1000.0);
    }
    out(p, "<text x=\"%d\" y=\"%d\" class=\"pt\">", ML + 6, y0 + 15);
    esc(p, title);
    out(p, "</text>\n</g>\n");
}

/* Value of series `which` in sample s, in the panel's unit; < 0 = no
 * value (a gap). */
enum series { S_POWER, S_RESERVE, S_NEED, S_BOLT, S_PHYS };

static double value(const struct rl_sample *s, int which, int input)
{
    switch (which) {
    case S_POWER:
        return (double)s->mw[input] / 1000.0;
    case S_RESERVE:
        return (s->mcu_on && s->reserve_uj != UINT32_MAX) ? (double)s->reserve_uj / 1e6 : -1.0;
    case S_NEED:
        return s->mcu_on ? (double)s->need_uj / 1e6 : -1.0;
    case S_PHYS:
        return (double)s->phys_uj / 1e6;
    default:
        return (double)s->bolt_ppm / 10000.0;
    }
}

/* One series as polylines (split at gaps), keeping only the samples where
 * the value changes. */
static void series(const struct pic *p, int which, int input, int y0, int h, double vmax,
                   const char *style)
{
    const struct run_log *log = p->log;
    unsigned n = log->n_samples;
    unsigned i;
    int open = 0;

    for (i = 0; i < n; i++) {
        double v = value(&log->samples[i], which, input);
        double prev = (i > 0u) ? value(&log->samples[i - 1u], which, input) : -2.0;
        double nextv = (i + 1u < n) ? value(&log->samples[i + 1u], which, input) : -2.0;
        double y;

        if (v < 0.0) {
            if (open) {
                out(p, "%s", "\"/>\n");
                open = 0;
            }
            continue;
        }
        if (open && v == prev && v == nextv) {
            continue;
        }
        if (v > vmax) {
            v = vmax;
        }
        y = y0 + h - v / vmax * h;
        if (!open) {
            out(p, "<polyline %s points=\"", style);
            open = 1;
        }
        out(p, "%.1f,%.1f ", xof(p, log->samples[i].t), y);
    }
    if (open) {
        out(p, "%s", "\"/>\n");
    }
}

/* A white box behind n legend lines from (x, y) (the first line's baseline). */
static void legend_box(const struct pic *p, int x, int y, int w, int n)
{
    out(p, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"white\" "
           "fill-opacity=\"0.85\" stroke=\"#ddd\"/>\n",
        x - 5, y - 13, w, 15 * n + 4);
}

static void legend(const struct pic *p, int x, int y, const char *color, const char *dash,
                   const char *label)
{
    out(p,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
        "stroke-width=\"2.5\"%s%s%s/>\n",
        x, y - 4, x + 18, y - 4, color, dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
        dash ? "\"" : "");
    out(p, "<text x=\"%d\" y=\"%d\" class=\"lg\">", x + 23, y);
    esc(p, label);
    out(p, "%s", "</text>\n");
}

static const char *input_color(int s)
{
    switch (s) {
    case LK_PSRC_MAIN: return "#8c8c8c";
    case LK_PSRC_USB: return "#1f77b4";
    case LK_PSRC_BAT9V: return "#9467bd";
    case LK_PSRC_CRANK: return "#ff7f0e";
    default: return "#2ca02c";
    }
}

static int power_panel(const struct pic *p, int y0)
{
    const struct run_log *log = p->log;
    const int h = 170;
    double vmax = 0.0;
    unsigned i;
    int s;
    int lx = ML + PW - 122;
    int ly = y0 + 16;
    int used[RL_INPUTS];
    int n_used = 0;

    for (i = 0; i < log->n_samples; i++) {
        for (s = 0; s < RL_INPUTS; s++) {
            double v = (double)log->samples[i].mw[s] / 1000.0;

            if (v > vmax) {
                vmax = v;
            }
        }
    }
    vmax = nice_max(vmax);
    panel(p, y0, h, vmax, "power into the reserve, per input (crank and shake: 1 s average)",
          " W");
    for (s = 0; s < RL_INPUTS; s++) {
        char style[96];

        used[s] = 0;
        for (i = 0; i < log->n_samples && !used[s]; i++) {
            used[s] = log->samples[i].mw[s] != 0u;
        }
        if (!used[s]) {
            continue;
        }
        n_used++;
        (void)snprintf(style, sizeof style,
                       "fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" stroke-linejoin=\"round\"",
                       input_color(s));
        series(p, S_POWER, s, y0, h, vmax, style);
    }
    if (n_used > 0) {
        legend_box(p, lx, ly, 120, n_used);
    }
    for (s = 0; s < RL_INPUTS; s++) {
        if (used[s]) {
            legend(p, lx, ly, input_color(s), NULL,
                   s == LK_PSRC_MAIN ? "main battery" : nm_name(nm_inputs, s));
            ly += 15;
        }
    }
    return y0 + h + 30;
}

static int energy_panel(const struct pic *p, int y0)
{
    const struct run_log *log = p->log;
    const int h = 150;
    double vmax = 0.0;
    unsigned i;

    for (i = 0; i < log->n_samples; i++) {
        double r = value(&log->samples[i], S_RESERVE, 0);
        double n = value(&log->samples[i], S_NEED, 0);
        double ph = value(&log->samples[i], S_PHYS, 0);

        if (r > vmax) {
            vmax = r;
        }
        if (n > vmax) {
            vmax = n;
        }
        if (ph > vmax) {
            vmax = ph;
        }
    }
    vmax = nice_max(vmax);
    panel(p, y0, h, vmax, "usable energy in the reserve, and what the next stroke needs", " J");
    series(p, S_PHYS, 0, y0, h, vmax,
           "fill=\"none\" stroke=\"#17becf\" stroke-width=\"2.5\" stroke-linejoin=\"round\"");
    series(p, S_RESERVE, 0, y0, h, vmax,
           "fill=\"none\" stroke=\"#0b5563\" stroke-width=\"1\" stroke-dasharray=\"1 2\"");
    series(p, S_NEED, 0, y0, h, vmax,
           "fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"");
    legend_box(p, ML + PW - 262, y0 + 16, 256, 3);
    legend(p, ML + PW - 262, y0 + 16, "#17becf", NULL, "usable energy (the sim's physics)");
    legend(p, ML + PW - 262, y0 + 31, "#0b5563", "1 2", "lockcore's figure, at its last poll");
    legend(p, ML + PW - 262, y0 + 46, "#d62728", "6 4", "ready to stroke (lockcore's need)");
    return y0 + h + 30;
}

static int bolt_panel(const struct pic *p, int y0)
{
    const int h = 80;

    panel(p, y0, h, 100.0, "bolt (0 = retracted, 100 = thrown)", " %");
    series(p, S_BOLT, 0, y0, h, 100.0,
           "fill=\"none\" stroke=\"#333\" stroke-width=\"2\" stroke-linejoin=\"round\"");
    return y0 + h + 30;
}

static const char *event_color(const struct lk_event *ev)
{
    switch (ev->op) {
    case LK_OP_ALARM: return "#d62728";
    case LK_OP_DENIED: return "#e377c2";
    case LK_OP_GRANTED: return "#2ca02c";
    case LK_OP_UNLOCK:
    case LK_OP_LOCK:
        return (ev->reason == LK_REASON_NONE || ev->reason == LK_REASON_WHILE_UNPOWERED)
                   ? "#1f77b4"
                   : "#d62728";
    default: return "#7f7f7f";
    }
}

/* Label of an item for the lanes. */
static void label_of(const struct rl_item *it, char *buf, size_t size)
{
    if (it->kind == RL_EVENT) {
        char op[16];
        size_t k;

        (void)snprintf(op, sizeof op, "%s", nm_name(nm_ops, it->ev.op));
        for (k = 0; op[k] != '\0'; k++) {
            if (op[k] >= 'a' && op[k] <= 'z') {
                op[k] = (char)(op[k] - 'a' + 'A');
            }
        }
        const char *src = it->ev.source == LK_SRC_UNSPECIFIED ? ""
                                                               : nm_name(nm_sources, it->ev.source);

        if (it->ev.op == LK_OP_ALARM) {
            (void)snprintf(buf, size, "ALARM %s", nm_name(nm_reasons, it->ev.reason));
        } else if (it->ev.reason == LK_REASON_NONE) {
            (void)snprintf(buf, size, "%s %s", op, src[0] ? src : "ok");
        } else {
            (void)snprintf(buf, size, "%s%s%s %s", op, src[0] ? " " : "", src,
                           nm_name(nm_reasons, it->ev.reason));
        }
    } else {
        (void)snprintf(buf, size, "%s", it->text);
    }
}

/* A lane of labelled marks for items of one kind; labels go to the first
 * row where they do not overlap. Returns the y below the lane. */
static int lane(const struct pic *p, int y0, int kind, const char *title)
{
    const struct run_log *log = p->log;
    double row_end[ROWS_MAX];
    int rows_used = 1;
    unsigned hidden = 0;
    unsigned i;
    int r;
    int count = 0;

    for (r = 0; r < ROWS_MAX; r++) {
        row_end[r] = -1e9;
    }
    for (i = 0; i < log->n_items; i++) {
        count += log->items[i].kind == kind && !log->items[i].minor;
    }
    out(p, "<text x=\"%d\" y=\"%d\" class=\"pt\">", ML - 78, y0 + 12);
    esc(p, title);
    out(p, "</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", ML,
        y0, ML + PW, y0);
    for (i = 0; i < log->n_items; i++) {
        const struct rl_item *it = &log->items[i];
        char label[200];
        double x = xof(p, it->t);
        double w;
        double left;
        double start;
        const char *color;
        int row = -1;

        if (it->kind != kind || it->minor) {
            continue;
        }
        label_of(it, label, sizeof label);
        w = (double)strlen(label) * CHAR_W + 8.0;
        /* the label starts just right of its mark, or further left so it
         * ends at the picture's edge; it takes [left, left + w] of its row */
        left = x + 6.0;
        if (left + w > W - 4.0) {
            left = W - 4.0 - w;
        }
        start = (left < x - 4.0) ? left : x - 4.0;
        for (r = 0; r < ROWS_MAX; r++) {
            if (row_end[r] < start) {
                row = r;
                break;
            }
        }
        color = kind == RL_EVENT ? event_color(&it->ev) : kind == RL_NOTE ? "#17becf" : "#555";
        if (row < 0) {
            /* no room: a mark on the axis, its label as a tooltip only */
            out(p, "<circle cx=\"%.1f\" cy=\"%d\" r=\"2.5\" fill=\"%s\"><title>", x, y0,
                color);
            esc(p, label);
            out(p, "%s", "</title></circle>\n");
            hidden++;
            continue;
        }
        row_end[row] = ((left + w > x + 4.0) ? left + w : x + 4.0) + 4.0;
        if (row + 1 > rows_used) {
            rows_used = row + 1;
        }
        {
            int y = y0 + ROW * (row + 1);

            out(p, "<g><title>");
            esc(p, label);
            out(p,
                "</title><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"0.8\"/>",
                x, y0, x, y - 4, color);
            if (kind == RL_NOTE) {
                out(p, "<rect x=\"%.1f\" y=\"%d\" width=\"6\" height=\"6\" fill=\"%s\"/>",
                    x - 3.0, y - 7, color);
            } else if (kind == RL_EVENT) {
                out(p, "<circle cx=\"%.1f\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>", x, y - 4,
                    color);
            } else {
                out(p, "<path d=\"M%.1f %d l-4 -7 h8 z\" fill=\"%s\"/>", x, y - 1, color);
            }
            out(p, "<text x=\"%.1f\" y=\"%d\" class=\"lb\" fill=\"%s\">", left, y,
                kind == RL_EVENT ? color : "#333");
            esc(p, label);
            out(p, "%s", "</text></g>\n");
        }
    }
    if (hidden > 0u) {
        out(p, "<text x=\"%d\" y=\"%d\" class=\"ax\">(%u more without room for a label: "
                      "hover the dots)</text>\n",
            ML, y0 + ROW * (rows_used + 1), hidden);
        rows_used++;
    }
    if (count == 0) {
        out(p, "<text x=\"%d\" y=\"%d\" class=\"ax\">none</text>\n", ML + 6, y0 + ROW);
    }
    return y0 + ROW * (rows_used + 1) + 12;
}

/* Thin vertical lines through the plots at alarms and strokes. */
static void guides(const struct pic *p, int y_top, int y_bottom)
{
    const struct run_log *log = p->log;
    unsigned i;

    for (i = 0; i < log->n_items; i++) {
        const struct rl_item *it = &log->items[i];

        if (it->kind != RL_EVENT) {
            continue;
        }
        if (it->ev.op == LK_OP_ALARM || it->ev.op == LK_OP_LOCK || it->ev.op == LK_OP_UNLOCK) {
            double x = xof(p, it->t);

            out(p,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"0.8\" stroke-dasharray=\"2 3\" opacity=\"0.7\"/>\n",
                x, y_top, x, y_bottom, event_color(&it->ev));
        }
    }
}

/* The whole picture; returns its height. With p->f NULL only measures. */
static int draw(struct pic *p, const struct scenario *sc, unsigned failed, int height)
{
    const struct run_log *log = p->log;
    int y;
    int pass = failed == 0u && log->fatal[0] == '\0';

    out(p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out(p, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
           "height=\"%d\" viewBox=\"0 0 %d %d\">\n",
        W, height, W, height);
    out(p, "%s", "<style>text{font-family:DejaVu Sans,Verdana,Arial,sans-serif}"
                 ".ax{font-size:10px;fill:#555}.pt{font-size:12px;font-weight:bold;fill:#333}"
                 ".lg{font-size:11px;fill:#333}.lb{font-size:10.5px}"
                 ".t1{font-size:18px;font-weight:bold}.t2{font-size:12px;fill:#444}</style>\n");
    out(p, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    out(p, "<text x=\"16\" y=\"28\" class=\"t1\">lock-sim: ");
    esc(p, sc->title);
    out(p, "</text>\n<text x=\"16\" y=\"48\" class=\"t2\">");
    esc(p, sc->path);
    if (sc->n_exps > 0u) {
        out(p, " \xE2\x80\x94 %u expectation%s: ", sc->n_exps, sc->n_exps == 1u ? "" : "s");
        if (pass) {
            out(p, "all hold");
        } else {
            out(p, "%u failed", failed);
        }
    }
    out(p, " \xE2\x80\x94 plots sampled every %lu ms</text>\n", (unsigned long)log->sample_ms);
    y = 66;
    if (log->power) {
        y = power_panel(p, y);
        y = energy_panel(p, y);
    } else {
        out(p, "<text x=\"%d\" y=\"80\" class=\"t2\">no power model: a healthy 6 V supply</text>\n",
            ML);
        y = 96;
    }
    y = bolt_panel(p, y);
    guides(p, 66, y - 30);
    y = lane(p, y, RL_EVENT, "lockcore");
    y = lane(p, y + 4, RL_NOTE, "notes");
    y = lane(p, y + 4, RL_ACTION, "scenario");
    out(p, "</svg>\n");
    return y + 10;
}

int svg_write(FILE *f, const struct scenario *sc, const struct run_log *log, unsigned failed)
{
    struct pic p;
    int h;

    p.f = NULL;
    p.log = log;
    p.x_per_ms = (double)PW / (double)(log->duration ? log->duration : 1u);
    h = draw(&p, sc, failed, 0);
    p.f = f;
    (void)draw(&p, sc, failed, h);
    return (fflush(f) != 0 || ferror(f)) ? -1 : 0;
}
