/*
 * lock-sim: a parsed scenario file (docs/lock-sim.md has the format): the
 * setup (board, lockcore config, sensors, users and credentials), the
 * time-stamped actions, and the expectations.
 */
#ifndef LOCK_SIM_SCENARIO_H
#define LOCK_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "lk_sim.h"

#define SC_TEXT_MAX 120 /* a statement as written, for the timeline */
#define SC_KEYS_MAX 40  /* keys typed by one keys/offline action */
#define SC_USERS_MAX 16
#define SC_CREDS_MAX 32

/* Actions. */
enum sc_act {
    ACT_SAY,        /* text: a note in the timeline */
    ACT_MAIN,       /* u = open-circuit mV, v = mOhm (0: keep) */
    ACT_ATTACH,     /* src */
    ACT_DETACH,     /* a = enum lk_power_source slot */
    ACT_MOVE_PHONE, /* u = offset, um */
    ACT_KEYS,       /* keys, u = ms between keys */
    ACT_CARD,       /* data/len */
    ACT_FINGER,     /* data/len */
    ACT_REMOTE,     /* a = credential index, b = 1: a wrong answer */
    ACT_OFFLINE,    /* a = kind digit (1, 3, 9) or 0 with keys = 14 digits typed as they
                       are; b = seq (kinds 1, 9); v = validity, ms (kind 3); u = ms
                       between keys */
    ACT_HAND,       /* a = sensor (LK_SENSOR_KEY..HANDLE) or -1 (force), b = 1 unlock /
                       0 lock, u = ms the movement takes */
    ACT_DOOR,       /* a = 1 open / 0 close, b = 1 said "force" */
    ACT_ESCUTCHEON, /* a = 1 removed / 0 refitted */
    ACT_JAM,        /* a = LK_MOTOR_EXTEND / RETRACT, u = ppm where it stops */
    ACT_UNJAM,
    ACT_REQUEST,    /* a = 1 unlock / 0 lock, b = enum lk_source */
    ACT_SILENCE,    /* a = user index of the admin */
    ACT_MODE        /* a = enum lk_mode */
};

struct sc_action {
    uint32_t t;  /* ms */
    int line;
    int kind;    /* enum sc_act */
    char text[SC_TEXT_MAX];
    struct lk_sim_source src;
    int a, b;
    uint32_t u, v;
    uint8_t data[LK_CRED_DATA_MAX];
    size_t len;
    char keys[SC_KEYS_MAX];
};

/* Expectations. */
enum sc_exp {
    EXP_STATE,     /* the lock's state (state) */
    EXP_EVENT,     /* an event matching op/source/reason/user */
    EXP_NO_ABORTED /* no stroke ended with the bolt between its ends */
};

enum sc_when {
    W_ANY = 0,  /* at some time in the run */
    W_BY,       /* at or before t1 */
    W_AT,       /* state: holds at t1 */
    W_AFTER,    /* state: first reached at or after t1; event: at or after t1 */
    W_BETWEEN,  /* state: first reached in [t1, t2]; event: in [t1, t2] */
    W_NEVER     /* state: never holds */
};

struct sc_expect {
    int line;
    char text[SC_TEXT_MAX];
    int kind;    /* enum sc_exp */
    int negate;  /* event: "no" (none may match) */
    int state;   /* EXP_STATE: enum lk_state */
    int when;    /* enum sc_when */
    uint32_t t1, t2;
    int op, source, reason, user; /* EXP_EVENT filters, -1 = any */
    int count;   /* EXP_EVENT: exactly this many, -1 = at least one */
};

struct sc_user {
    int line;
    uint16_t idx;
    uint8_t type;
};

struct sc_cred {
    int line;
    uint16_t idx, user;
    int type; /* enum lk_cred_type */
    uint8_t data[LK_CRED_DATA_MAX];
    size_t len;
};

struct scenario {
    char path[512];
    char name[64];           /* file name without directory and extension */
    char title[SC_TEXT_MAX]; /* title line, or the name */
    uint32_t seed;
    int power;               /* 1: the sim's power model (board) is on */
    struct lk_sim_power_config board;
    uint32_t sensors;        /* fitted optional sensors, 1u << LK_SENSOR_x */
    int32_t bolt_ppm;        /* bolt at the start */
    struct lk_config cfg;    /* lockcore's (the runner sets on_event) */
    int have_clock;
    uint32_t clock_s;        /* trusted wall clock at 0 s, UNIX s */
    uint32_t duration;       /* ms */
    int have_duration;
    struct sc_user users[SC_USERS_MAX];
    unsigned n_users;
    struct sc_cred creds[SC_CREDS_MAX];
    unsigned n_creds;
    struct sc_action *acts;
    unsigned n_acts, cap_acts;
    struct sc_expect *exps;
    unsigned n_exps, cap_exps;
};

/*
 * Read and parse the scenario at path into *sc. On success returns 0. On a
 * syntax error writes "path:line:col: expected ..." into err and returns
 * -1; on a file that cannot be read, "lock-sim: cannot read ..." and -2.
 */
int scenario_load(const char *path, struct scenario *sc, char *err, size_t err_size);
/* Parse text (NUL-terminated) as if read from path; as scenario_load. */
int scenario_parse(const char *path, const char *text, struct scenario *sc, char *err,
                   size_t err_size);
void scenario_free(struct scenario *sc);

#endif
