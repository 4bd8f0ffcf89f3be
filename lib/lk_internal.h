/* Declarations shared between lockcore's modules; not part of the API. */
#ifndef LK_INTERNAL_H
#define LK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lockcore/lockcore.h"
#include "lk_bytes.h"
#include "lockcore/crypto.h"

/* UINT32_MAX and UINT16_MAX spelled out: clang's freestanding <stdint.h>
 * builds them by token pasting, which clang-tidy reports with no location. */
#define LK_U32_MAX 0xFFFFFFFFu
#define LK_U16_MAX 0xFFFFu

/* Marks an initialised instance ("LKC1"). */
#define LK_MAGIC 0x4C4B4331u

/* Wrap-safe port-time comparisons: valid while |a - b| < 2^31 ms. */
static inline int32_t lk_time_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}
static inline int lk_time_reached(uint32_t now, uint32_t t)
{
    return lk_time_diff(now, t) >= 0;
}

/* Deadline accumulator for one poll: keeps the earliest wanted time. */
struct lk_deadline {
    uint32_t at;
    uint8_t set;
};
void lk_deadline_want(struct lk_deadline *d, uint32_t at);

/* Bytes of one audit entry before prog alignment. */
#define LK_AUDIT_ENTRY_BYTES 24u

/* LK_OK for an initialised instance, else LK_ERR_INVAL / LK_ERR_NOT_INIT. */
int lk_check(const struct lk_lock *lk);

/* Level of sensor (bolt 0..2, switches 0..1) or a negative error; a level
 * out of range or a positive return is LK_ERR_RANGE. */
int lk_read_sensor(const struct lk_lock *lk, int sensor);
/* One numeric configuration field: the value a 0 takes and the range it
 * must then lie in, at offset off of its struct, size 1, 2 or 4 bytes. */
struct lk_cfg_field {
    uint32_t def;
    uint32_t hi;
    uint16_t lo;
    uint8_t off;
    uint8_t size;
};
#define LK_CFG_FIELD(type, name, def, lo, hi)                                            \
    { (def), (hi), (lo), (uint8_t)offsetof(type, name), (uint8_t)sizeof(((type *)0)->name) }
/* Each of the n fields of the struct at base left 0 takes its default (cut
 * to the field's width, as stored); then its range is checked. LK_OK or
 * LK_ERR_CONFIG (the rest unfilled). Serves lk_config and its power part. */
int lk_cfg_fields(void *base, const struct lk_cfg_field *f, size_t n);
/* Copy in (NULL: all zero) to out, fill the defaults and check the ranges:
 * LK_OK or LK_ERR_CONFIG. Out of line (lk_init's frame stays small under
 * the boot's deep credential path). */
int lk_resolve_config(struct lk_config *out, const struct lk_config *in);

/* 1 and *unix_s (the wall clock at port time now) if the wall clock is
 * trusted, else 0. */
int lk_wall_now(const struct lk_lock *lk, uint32_t now, uint32_t *unix_s);

/* 1 if v is a defined enum lk_source value. */
int lk_source_valid(int v);

/* event.c: fill and deliver one event to the application. */
void lk_emit(struct lk_lock *lk, uint32_t now, uint8_t op, uint8_t source, uint8_t reason,
             uint16_t user, uint16_t cred);

/* event.c: indication (best effort) and alarms. lk_alarm raises a
 * momentary alarm; lk_alarm_standing one for a condition that lasts until
 * lk_alarm_clear (raised once per occurrence, silenceable). Both are rate
 * limited per kind (alarm_repeat_ms). */
void lk_indicate(const struct lk_lock *lk, int what);
void lk_indicate_pct(const struct lk_lock *lk, int what, uint8_t percent);
void lk_alarm(struct lk_lock *lk, uint32_t now, uint8_t reason, uint8_t source);
void lk_alarm_standing(struct lk_lock *lk, uint32_t now, uint8_t reason, uint8_t source);
void lk_alarm_clear(struct lk_lock *lk, uint8_t reason);
/* Raise standing alarms the rate limit held back, once it allows. */
void lk_alarm_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl);

/* What the idle bolt did during one poll (actuate reports, override
 * classifies). */
#define LK_MOVED_NONE 0u
#define LK_MOVED_FIRST 1u  /* first end position seen since boot */
#define LK_MOVED_MANUAL 2u /* reached the other end without the motor */
struct lk_moved {
    uint8_t kind;
    uint8_t to; /* enum lk_bolt_pos reached */
};

/* actuate.c: the motor state machine. bolt is the debounced bolt level (or
 * a negative read error) for following hand movements while idle; a due
 * auto-relock waits while the door is open or in passage mode. */
void lk_act_init(struct lk_lock *lk);
int lk_act_request(struct lk_lock *lk, uint32_t now, uint8_t target, int source, uint16_t user,
                   uint16_t cred);
void lk_act_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl, int bolt,
                 struct lk_moved *mv);
/* struct lk_actuate.phase while the motor is not in charge of the bolt. */
#define LK_ACT_IDLE 0u
/* 1 if lk_act_poll would do nothing (the idle poll, checked inline): the
 * motor off, nothing armed or waiting, the bolt at the end position it was
 * at and the state settled. */
static inline int lk_act_quiet(const struct lk_lock *lk, int bolt)
{
    const struct lk_actuate *a = &lk->act;

    return a->phase == LK_ACT_IDLE &&
           (a->motor == LK_MOTOR_COAST || a->motor == LK_MOTOR_BRAKE) && !a->waiting &&
           !a->relock_armed && bolt == (int)a->bolt_end && a->state != LK_STATE_UNKNOWN;
}
/* After lk_init's COAST at port time now: no stroke for brake_ms. */
void lk_act_boot(struct lk_lock *lk, uint32_t now);
/* 1 if a request now would be refused as LK_ERR_BUSY (moving, braking, or
 * the brake time after boot). */
int lk_act_busy(struct lk_lock *lk, uint32_t now);
/* 1 while the motor is driving, braking, or recovering a jam. */
int lk_act_moving(const struct lk_lock *lk);

/* override.c: inputs, classification, alarms, persisted last state. */
void lk_ovr_init(struct lk_lock *lk);
/* Read and debounce the inputs; returns the debounced bolt level or a
 * negative bolt read error. */
int lk_ovr_sample(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl);
/* 1 if a door sensor is fitted and the door is (debounced) open: the level
 * of a sensor that is not fitted stays 0. */
static inline int lk_ovr_door_open(const struct lk_lock *lk)
{
    return lk->ovr.stable[LK_SENSOR_DOOR] == 1u;
}
void lk_ovr_after(struct lk_lock *lk, uint32_t now, const struct lk_moved *mv,
                  struct lk_deadline *dl);

/* cred*.c: the credential engine. lk_cred_init loads the device key and the
 * persisted counters after the store is mounted; lk_cred_boot_events emits
 * what it found (once the instance is valid); lk_cred_poll runs timeouts. */
int lk_cred_init(struct lk_lock *lk);
void lk_cred_boot_events(struct lk_lock *lk);
void lk_cred_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl);

/* power.c / power_gate.c: emergency power arbitration (docs/power.md).
 * lk_pwr_resolve fills the power defaults and checks ranges (LK_OK or
 * LK_ERR_CONFIG); in may be out (lk_init resolves a NULL cfg in place).
 * lk_pwr_init runs after the store is mounted; lk_pwr_poll samples the
 * inputs, qualifies, selects, sets the tier and sheds loads. */
int lk_pwr_resolve(struct lk_power_config *out, const struct lk_power_config *in,
                   uint32_t battery_ok_mv);
void lk_pwr_init(struct lk_lock *lk);
void lk_pwr_poll(struct lk_lock *lk, uint32_t now, struct lk_deadline *dl);
/* Sample the inputs now (qualification, reserve energy) without the rest
 * of the poll; used before a stroke is judged. */
void lk_pwr_sample(struct lk_lock *lk, uint32_t now);
/* actuate asks before every stroke: 1 if it may start. recovery = 1 for
 * the reverse stroke after a jam (the reserve alone must finish it); 0 for
 * a stroke that also needs a recovery stroke covered. */
int lk_pwr_affordable(struct lk_lock *lk, uint32_t now, int recovery);
/* actuate reports: a request waits for energy (1) or no longer (0); a stroke
 * begins, a motor current sample during it (mA), and its end (ok = reached
 * its end position), which refines the estimates and counts actuations. */
void lk_pwr_wait(struct lk_lock *lk, int waiting);
void lk_pwr_stroke_begin(struct lk_lock *lk, uint32_t now);
void lk_pwr_stroke_sample(struct lk_lock *lk, uint32_t now, uint32_t ma);
void lk_pwr_stroke_end(struct lk_lock *lk, uint32_t now, int ok);
/* power_gate.c helpers shared with power.c: recompute reserve_uj from the
 * last sample; the energy the next stroke is gated on (0 while the main
 * battery drives); progress 0..100 towards it; the power qualified
 * emergency inputs have proven, mW; count an actuation towards CRITICAL. */
void lk_pwr_energy(struct lk_lock *lk);
uint32_t lk_pwr_need(const struct lk_lock *lk);
uint8_t lk_pwr_progress(const struct lk_lock *lk);
uint32_t lk_pwr_proven_mw(const struct lk_lock *lk);
void lk_pwr_count_actuation(struct lk_lock *lk);
/* Persist the actuation count and the learnt stroke estimate (key 0x0300). */
void lk_pwr_save(struct lk_lock *lk);
/* floor(a * b / c) without a 64-bit division, saturating at UINT32_MAX;
 * c > 0. */
uint32_t lk_muldiv(uint32_t a, uint32_t b, uint32_t c);

/* flash.c: checked access to the port's storage. Offsets and lengths in
 * bytes from the start of the region; errors as the port returned them
 * (positive returns become LK_ERR_RANGE), LK_ERR_RANGE for a bad span. */
int lk_flash_read(const struct lk_lock *lk, uint32_t off, uint8_t *buf, uint32_t len);
int lk_flash_prog(const struct lk_lock *lk, uint32_t off, const uint8_t *buf, uint32_t len);
int lk_flash_erase(const struct lk_lock *lk, uint32_t off, uint32_t len);
int lk_flash_sync(const struct lk_lock *lk);
/* 1 if the span reads all erase_value, 0 if not, or a negative error. */
int lk_flash_erased(const struct lk_lock *lk, uint32_t off, uint32_t len);

/* store.c: the record store (two A/B banks of append-only records). */
#define LK_STORE_FOUND_FORMATTED 0x01u /* storage was blank and got formatted */
#define LK_STORE_FOUND_RESET 0x02u     /* no valid bank: wiped and formatted */
#define LK_STORE_FOUND_DAMAGED 0x04u   /* a record failed its check and was dropped */
/* Compute the layout from the port geometry: LK_OK or LK_ERR_GEOMETRY. */
int lk_store_layout(const struct lk_port *p, struct lk_store *st);
/* Mount (format or repair as needed); *found gets LK_STORE_FOUND_* bits. */
int lk_store_mount(struct lk_lock *lk, uint8_t *found);
/* Latest value of key into buf (cap bytes), its length into *len.
 * LK_ERR_NOENT if never written or deleted; LK_ERR_NOSPC if cap is short. */
int lk_store_get(struct lk_lock *lk, uint16_t key, uint8_t *buf, uint8_t cap, uint8_t *len);
/* Replace key's value atomically: after a power cut at any point the key
 * holds the old or the new value. LK_ERR_RANGE if len > LK_STORE_VALUE_MAX,
 * LK_ERR_NOSPC if the live records do not fit one bank. */
int lk_store_set(struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len);
/* Delete key (atomically, as lk_store_set). Deleting a missing key is OK. */
int lk_store_del(struct lk_lock *lk, uint16_t key);

/* Call fn for every valid record with lo <= key <= hi, in the order written
 * (older values of a key come before newer ones; val NULL marks a delete).
 * fn must not write to the store. Port errors are returned. */
typedef void (*lk_store_scan_fn)(void *ctx, uint16_t key, const uint8_t *val, uint8_t len);
int lk_store_scan(struct lk_lock *lk, uint16_t lo, uint16_t hi, lk_store_scan_fn fn, void *ctx);

/* audit.c: the audit ring that follows the two banks. */
int lk_audit_mount(struct lk_lock *lk);
/* Append ev with the next sequence number (*seq, may be NULL). */
int lk_audit_append(struct lk_lock *lk, const struct lk_event *ev, uint32_t *seq);

#endif /* LK_INTERNAL_H */
