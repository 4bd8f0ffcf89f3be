/*
 * lock-sim: the one vocabulary of names shared by the scenario parser, the
 * timeline, the picture and the expectation checks, so that a name the
 * timeline prints can be pasted into an expectation as it is.
 */
#ifndef LOCK_SIM_NAMES_H
#define LOCK_SIM_NAMES_H

struct nm {
    int value;
    const char *name;
};

/* Tables end with { -1, NULL }. Names are lower case, words joined by '-'. */
extern const struct nm nm_ops[];     /* enum lk_op: lock, unlock, denied, ... */
extern const struct nm nm_sources[]; /* enum lk_source: keypad, key, forced, ... */
extern const struct nm nm_reasons[]; /* enum lk_reason: ok, locked-out, stall, ... */
extern const struct nm nm_alarms[];  /* alarm reasons only, with short aliases */
extern const struct nm nm_states[];  /* enum lk_state: locked, unlocked, ... */
extern const struct nm nm_users[];   /* enum lk_user_type: unrestricted, forced, ... */
extern const struct nm nm_modes[];   /* enum lk_mode: normal, vacation, ... */
extern const struct nm nm_inputs[];  /* enum lk_power_source: main, usb, 9v, crank, phone */

/* Value of name in tab, or -1. */
int nm_find(const struct nm *tab, const char *name);
/* First name of value in tab, or "?". */
const char *nm_name(const struct nm *tab, int value);
/* "a, b, c" of every name in tab into buf (for "expected one of ..."). */
void nm_list(const struct nm *tab, char *buf, unsigned size);

#endif
