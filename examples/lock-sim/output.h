/*
 * lock-sim: what a run shows. The timeline on a terminal (timeline.c), the
 * verdict on each expectation (expect.c) and the SVG picture (svg.c), all
 * read from the run log.
 */
#ifndef LOCK_SIM_OUTPUT_H
#define LOCK_SIM_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "run.h"
#include "scenario.h"

/* "12.345 s" into buf. */
const char *fmt_ms(char *buf, size_t size, uint32_t ms);

/* The timeline: a header on the board, then one line per event, action and
 * note with the time, reserve energy, what the next stroke needs, the input
 * lockcore selected and the bolt. */
void timeline_print(FILE *out, const struct scenario *sc, const struct run_log *log);

/* Check every expectation (and that the sim saw no contract violation),
 * printing one line each ("ok" or "FAIL" with the reason) when out is not
 * NULL. Returns the number that failed. */
unsigned expect_check(FILE *out, const struct scenario *sc, const struct run_log *log);

/* Write the picture to f: each input's power, the reserve's energy with the
 * "ready to stroke" line, the bolt, events and actions as labelled marks.
 * failed = expectations that failed (shown in the title). Returns 0, or -1
 * on a write error. */
int svg_write(FILE *f, const struct scenario *sc, const struct run_log *log, unsigned failed);

#endif
