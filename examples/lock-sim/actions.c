/*
 * lock-sim: the scenario's actions on the sim and on lockcore -- the main
 * battery, the emergency sources, keys typed one by one, cards, fingerprints,
 * remote tokens and offline codes as the owner's phone and app make them,
 * hands on the key, code, thumbturn or handle, the door, the escutcheon,
 * jams, requests, silence and modes.
 */
#include "runner.h"

#include <stdio.h>
#include <string.h>

/* A note for an entry point's refusal (rc < 0). */
static void refusal(struct runner *r, const char *what, int rc)
{
    switch (rc) {
    case LK_ERR_AGAIN:
        note(r, "%s ignored: locked out", what);
        break;
    case LK_ERR_BUSY:
        note(r, "%s refused: busy (the bolt is moving or the motor settles)", what);
        break;
    default:
        note(r, "%s refused: %s", what, lk_strerror(rc));
        break;
    }
}

/* ------------------------------------------------------------------------
 * offline codes, as the owner's app makes them (docs/offline-codes.md) */

static void put_digits(char *dst, uint32_t v, unsigned n)
{
    while (n-- > 0u) {
        dst[n] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

static int offline_code(struct runner *r, const struct sc_action *a, char code[15])
{
    uint8_t koff[32];
    uint8_t msg[20];
    uint8_t mac[LK_SHA256_BYTES];
    uint32_t t = rn_wall_now(r);
    uint32_t rv;
    uint32_t m;
    char param[8];

    if (lk_offline_key(&r->lk, koff) != LK_OK) {
        return -1;
    }
    if (a->a == 3) {
        uint32_t end = t + (a->v + 999u) / 1000u;

        rv = end / 3600u + ((end % 3600u) != 0u ? 1u : 0u);
        put_digits(param, rv, 7);
    } else {
        rv = t / 3600u;
        put_digits(param, rv % 1000000u, 6);
        param[6] = (char)('0' + a->b);
    }
    memcpy(msg, "LKOC", 4);
    msg[4] = (uint8_t)(r->epoch >> 24);
    msg[5] = (uint8_t)(r->epoch >> 16);
    msg[6] = (uint8_t)(r->epoch >> 8);
    msg[7] = (uint8_t)r->epoch;
    msg[8] = (uint8_t)('0' + a->a);
    memcpy(msg + 9, param, 7);
    msg[16] = (uint8_t)(rv >> 24);
    msg[17] = (uint8_t)(rv >> 16);
    msg[18] = (uint8_t)(rv >> 8);
    msg[19] = (uint8_t)rv;
    lk_hmac_sha256(koff, sizeof koff, msg, sizeof msg, mac);
    m = ((uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 |
         (uint32_t)mac[3]) % 1000000u;
    code[0] = (char)('0' + a->a);
    memcpy(code + 1, param, 7);
    put_digits(code + 8, m, 6);
    code[14] = '\0';
    if (a->a == 9) {
        r->epoch++; /* the app moves on after issuing a clear code */
    }
    return 0;
}

static void start_typing(struct runner *r, const char *keys, uint32_t every)
{
    (void)snprintf(r->typing, sizeof r->typing, "%s", keys);
    r->type_len = (unsigned)strlen(r->typing);
    r->type_i = 0;
    r->type_next = rn_now(r);
    r->type_every = every;
    r->type_noted = 0;
}

void rn_type_key(struct runner *r)
{
    char c = r->typing[r->type_i++];
    int rc;

    r->type_next = rn_now(r) + r->type_every;
    if (!r->mcu_on) {
        if (!r->type_noted) {
            note(r, "keys lost: the MCU is off");
            r->type_noted = 1;
        }
        return;
    }
    rc = lk_keypad_key(&r->lk, c);
    rn_fill_status(r);
    r->need_poll = 1;
    if (rc == LK_ERR_AGAIN) {
        if (!r->type_noted) {
            note(r, "keypad ignored: locked out");
            r->type_noted = 1;
        }
    } else if (rc == LK_ERR_BUSY) {
        note(r, "'#' refused: the bolt is moving (the entry is kept)");
    } else if (rc == LK_ERR_RANGE) {
        note(r, "entry too long: dropped (counts as a wrong attempt)");
    } else if (rc < 0) {
        refusal(r, "key", rc);
    }
}

static void credential(struct runner *r, int type, const struct sc_action *a)
{
    int rc;

    if (!r->mcu_on) {
        note(r, "ignored: the MCU is off");
        return;
    }
    rc = lk_cred_present(&r->lk, type, a->data, a->len);
    rn_fill_status(r);
    r->need_poll = 1;
    if (rc < 0) {
        refusal(r, type == LK_CRED_RFID ? "card" : "fingerprint", rc);
    }
}

static void remote(struct runner *r, const struct sc_action *a)
{
    uint8_t key[32];
    uint8_t chal[16];
    uint8_t msg[18];
    uint8_t mac[32];
    int rc;

    if (!r->mcu_on) {
        note(r, "ignored: the MCU is off");
        return;
    }
    /* the owner's phone holds the token key it was given at enrolment */
    if (lk_token_key(&r->lk, (uint16_t)a->a, key) != LK_OK) {
        memset(key, 0, sizeof key); /* no such token: the phone has no key */
    }
    rc = lk_token_challenge(&r->lk, chal);
    if (rc != LK_OK) {
        refusal(r, "challenge", rc);
        return;
    }
    memcpy(msg, chal, 16);
    msg[16] = (uint8_t)((unsigned)a->a >> 8);
    msg[17] = (uint8_t)a->a;
    lk_hmac_sha256(key, sizeof key, msg, sizeof msg, mac);
    if (a->b) {
        mac[0] ^= 0x01u;
    }
    rc = lk_token_response(&r->lk, (uint16_t)a->a, mac);
    rn_fill_status(r);
    r->need_poll = 1;
    if (rc < 0) {
        refusal(r, "token", rc);
    }
}

int rn_act(struct runner *r, const struct sc_action *a)
{
    const struct scenario *sc = r->sc;
    struct rl_item *it;
    int rc = LK_OK;

    it = rn_add_item(r, RL_ACTION, a->kind == ACT_SAY ? "-- %s" : "%s", a->text);
    it->line = a->line;
    switch (a->kind) {
    case ACT_SAY:
        break;
    case ACT_MAIN:
        if (sc->power) {
            rc = lk_sim_set_main(&r->sim, a->u, a->v != 0u ? a->v : r->sim.pw.cfg.main_mohm);
        } else {
            rc = lk_sim_set_supply(&r->sim, a->u);
        }
        break;
    case ACT_ATTACH:
        rc = lk_sim_attach(&r->sim, &a->src);
        if (rc == LK_ERR_BUSY) {
            note(r, "not attached: the slot holds a source (detach it first)");
            rc = LK_OK;
        }
        break;
    case ACT_DETACH:
        rc = lk_sim_detach(&r->sim, a->a);
        r->slot_state[a->a] = LK_SIM_SS_ABSENT;
        r->gone[a->a] = r->sim.pw.src[a->a].n_gone;
        break;
    case ACT_MOVE_PHONE:
        if (lk_sim_set_offset(&r->sim, a->u) != LK_OK) {
            note(r, "no phone on the coil");
        }
        break;
    case ACT_KEYS:
        start_typing(r, a->keys, a->u);
        break;
    case ACT_OFFLINE: {
        char code[15];
        char keys[SC_KEYS_MAX];

        if (a->a == 0) {
            start_typing(r, a->keys, a->u);
        } else if (!r->mcu_on || offline_code(r, a, code) != 0) {
            note(r, "no offline code: the MCU is off");
        } else {
            (void)snprintf(keys, sizeof keys, "*%s#", code);
            note(r, "the app's code: %s", keys);
            start_typing(r, keys, a->u);
        }
        break;
    }
    case ACT_CARD:
        credential(r, LK_CRED_RFID, a);
        break;
    case ACT_FINGER:
        credential(r, LK_CRED_FINGERPRINT, a);
        break;
    case ACT_REMOTE:
        remote(r, a);
        break;
    case ACT_HAND:
        if (r->hand && r->hand_sensor >= 0) {
            (void)lk_sim_set_sensor(&r->sim, r->hand_sensor, 0); /* the last hand lets go */
        }
        r->hand = 1;
        r->hand_sensor = a->a;
        r->hand_from = r->sim.bolt_ppm;
        r->hand_to = a->b ? 0 : LK_SIM_TRAVEL_FULL;
        r->hand_t0 = rn_now(r);
        r->hand_dur = a->u;
        if (a->a >= 0) {
            (void)lk_sim_set_sensor(&r->sim, a->a, 1);
        }
        break;
    case ACT_DOOR:
        rc = lk_sim_set_sensor(&r->sim, LK_SENSOR_DOOR, (uint8_t)a->a);
        break;
    case ACT_ESCUTCHEON:
        rc = lk_sim_set_sensor(&r->sim, LK_SENSOR_TAMPER, (uint8_t)a->a);
        break;
    case ACT_JAM:
        rc = lk_sim_jam(&r->sim, a->a, (int32_t)a->u);
        break;
    case ACT_UNJAM:
        lk_sim_clear_jam(&r->sim);
        break;
    case ACT_REQUEST:
        if (!r->mcu_on) {
            note(r, "ignored: the MCU is off");
            break;
        }
        rc = a->a ? lk_request_unlock(&r->lk, a->b, LK_INDEX_NONE, LK_INDEX_NONE)
                  : lk_request_lock(&r->lk, a->b, LK_INDEX_NONE, LK_INDEX_NONE);
        rn_fill_status(r);
        r->need_poll = 1;
        if (rc < 0) {
            refusal(r, "request", rc);
        }
        rc = LK_OK;
        break;
    case ACT_SILENCE:
        if (r->mcu_on) {
            (void)lk_alarm_silence(&r->lk, (uint16_t)a->a, LK_INDEX_NONE);
            rn_fill_status(r);
            r->need_poll = 1;
        }
        break;
    case ACT_MODE:
        if (r->mcu_on) {
            rc = lk_set_mode(&r->lk, a->a);
            rn_fill_status(r);
            r->need_poll = 1;
            if (rc < 0) {
                refusal(r, "mode", rc);
            }
            rc = LK_OK;
        }
        break;
    default:
        break;
    }
    if (rc != LK_OK) {
        return rn_fatal(r, "%s:%d: the sim refused this action: %s (a value out of its range, see "
                        "ports/sim/lk_sim_power.h)",
                     sc->path, a->line, lk_strerror(rc));
    }
    return 0;
}

/* The hand's movement for this millisecond. */
void rn_hand_step(struct runner *r)
{
    uint32_t el = rn_now(r) - r->hand_t0;

    if (!r->hand) {
        return;
    }
    if (el < r->hand_dur) {
        int64_t d = (int64_t)r->hand_to - r->hand_from;

        lk_sim_move_bolt(&r->sim, (int32_t)(r->hand_from + d * (int64_t)el / (int64_t)r->hand_dur));
    } else if (el == r->hand_dur) {
        lk_sim_move_bolt(&r->sim, r->hand_to);
    } else if (el >= r->hand_dur + 200u) {
        /* the key, code, thumbturn or handle returns to rest */
        if (r->hand_sensor >= 0) {
            (void)lk_sim_set_sensor(&r->sim, r->hand_sensor, 0);
        }
        r->hand = 0;
    }
}

