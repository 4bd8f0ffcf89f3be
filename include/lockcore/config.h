/*
 * lockcore compile-time configuration.
 *
 * Define LK_CONFIG_FILE (e.g. -DLK_CONFIG_FILE='"my_lk_config.h"') to include a
 * file of your own first; anything it does not define falls back to the
 * defaults below. Defaults live only in this file. A value out of range
 * stops the build with an #error naming the option.
 */
#ifndef LOCKCORE_CONFIG_H
#define LOCKCORE_CONFIG_H

#ifdef LK_CONFIG_FILE
#include LK_CONFIG_FILE
#endif

/* Revision of this header's option set; a vendor config may check it. */
#define LK_CONFIG_REVISION 1

/* ---- Features: 1 builds it in, 0 strips it (docs/performance.md has what
 * each one costs). A stripped feature's public functions stay, check their
 * lock argument as before and then return LK_ERR_NOTSUP; its records in the
 * store are kept as they are, so the storage layout does not change. ---- */

/* Offline codes (lk_offline_key, lk_offline_reset; codes typed on the keypad). */
#ifndef LK_WITH_OFFLINE
#define LK_WITH_OFFLINE 1
#endif
/* Remote tokens (lk_token_key/challenge/response, LK_CRED_REMOTE_TOKEN). */
#ifndef LK_WITH_TOKENS
#define LK_WITH_TOKENS 1
#endif
/* Presented credentials: RFID, fingerprint, finger vein, face (lk_cred_present). */
#ifndef LK_WITH_PRESENTED
#define LK_WITH_PRESENTED 1
#endif
/* The audit log in the store (lk_audit_bounds, lk_audit_read; events are
 * still delivered to the event callback without it). */
#ifndef LK_WITH_AUDIT
#define LK_WITH_AUDIT 1
#endif
/* Matter DoorLock mapping of events (lk_event_to_matter). */
#ifndef LK_WITH_MATTER
#define LK_WITH_MATTER 1
#endif
/* Error descriptions (lk_strerror); without them it returns "lockcore error"
 * for every non-zero code and "ok" for 0. */
#ifndef LK_WITH_STRERROR
#define LK_WITH_STRERROR 1
#endif
/* Power inputs the product has, a set of (1u << enum lk_power_source) bits
 * over MAIN..WIRELESS (0x01..0x1F); lockcore never reads or selects the
 * others. */
#ifndef LK_PSRC_FITTED
#define LK_PSRC_FITTED 0x1Fu
#endif

/* ---- Runtime defaults: used when the matching lk_config field is 0. ---- */

/* Motor current is ignored for this long after a stroke starts (inrush), ms. */
#ifndef LK_DEFAULT_INRUSH_BLANK_MS
#define LK_DEFAULT_INRUSH_BLANK_MS 120u
#endif

/* Reaching the end position sooner than this is a fault (sensor glitch), ms. */
#ifndef LK_DEFAULT_TRAVEL_MIN_MS
#define LK_DEFAULT_TRAVEL_MIN_MS 150u
#endif

/* Not reaching the end position within this is a jam, ms. */
#ifndef LK_DEFAULT_TRAVEL_MAX_MS
#define LK_DEFAULT_TRAVEL_MAX_MS 2000u
#endif

/* Motor current above this after blanking, short of the end position, is a
 * stall, mA. */
#ifndef LK_DEFAULT_STALL_MA
#define LK_DEFAULT_STALL_MA 1500u
#endif

/* The motor is braked this long after each stroke before it coasts, ms. */
#ifndef LK_DEFAULT_BRAKE_MS
#define LK_DEFAULT_BRAKE_MS 50u
#endif

/* Poll period requested while the bolt is moving, ms. */
#ifndef LK_DEFAULT_MOTION_POLL_MS
#define LK_DEFAULT_MOTION_POLL_MS 10u
#endif

/* Inputs must hold a new level this long before it counts (debounce), ms. */
#ifndef LK_DEFAULT_DEBOUNCE_MS
#define LK_DEFAULT_DEBOUNCE_MS 30u
#endif

/* A mechanical-path switch active this recently explains a bolt movement, ms. */
#ifndef LK_DEFAULT_PATH_WINDOW_MS
#define LK_DEFAULT_PATH_WINDOW_MS 3000u
#endif

/* Door open longer than this raises the door-ajar alarm, ms. */
#ifndef LK_DEFAULT_DOOR_AJAR_MS
#define LK_DEFAULT_DOOR_AJAR_MS 30000u
#endif

/* The same alarm is raised at most once per this interval, ms. */
#ifndef LK_DEFAULT_ALARM_REPEAT_MS
#define LK_DEFAULT_ALARM_REPEAT_MS 60000u
#endif

/* Main battery at or above this is healthy (key-use alarm policy), mV;
 * 4600 mV is the top of the "low" tier of a 4xAA pack. */
#ifndef LK_DEFAULT_BATTERY_OK_MV
#define LK_DEFAULT_BATTERY_OK_MV 4600u
#endif

/* Mechanical paths the hardware has when lk_config.manual_paths is 0:
 * key (1u << 1) and thumbturn (1u << 3), as LK_PATH_* bits. */
#ifndef LK_DEFAULT_MANUAL_PATHS
#define LK_DEFAULT_MANUAL_PATHS 0x0Au
#endif

/* Key-use policy when lk_config.key_policy is 0: 1 = notify, 2 = alarm. */
#ifndef LK_DEFAULT_KEY_POLICY
#define LK_DEFAULT_KEY_POLICY 1u
#endif

/* ---- Credential engine (lockcore/cred.h) ---- */

/* Users and credentials the store holds, indices 0..N-1 (1..256 users,
 * 1..1024 credentials). Their records must fit a record bank: see the check
 * at the end of this file and docs/storage-format.md. */
#ifndef LK_USERS_MAX
#define LK_USERS_MAX 16u
#endif
#ifndef LK_CREDS_MAX
#define LK_CREDS_MAX 48u
#endif

/* Bounds for the runtime PIN lengths (lk_config.pin_min_len/pin_max_len);
 * together with LK_KEYPAD_DIGITS_MAX they size the verdict's stack. */
#ifndef LK_PIN_LEN_MIN
#define LK_PIN_LEN_MIN 6u
#endif
#ifndef LK_PIN_LEN_MAX
#define LK_PIN_LEN_MAX 8u
#endif

/* Longest keypad entry, digits (virtual PIN: decoys around the real PIN). */
#ifndef LK_KEYPAD_DIGITS_MAX
#define LK_KEYPAD_DIGITS_MAX 16u
#endif

/* Longest card UID or biometric template ID, bytes. */
#ifndef LK_CRED_DATA_MAX
#define LK_CRED_DATA_MAX 16u
#endif

/* Used one-time offline codes remembered by name (older ones by a floor). */
#ifndef LK_OFFLINE_USED_MAX
#define LK_OFFLINE_USED_MAX 8u
#endif

/* Lifetime of a remote-token challenge, ms. */
#ifndef LK_TOKEN_CHALLENGE_MS
#define LK_TOKEN_CHALLENGE_MS 30000u
#endif

/* Runtime defaults (lk_config fields left 0). */
#ifndef LK_DEFAULT_PIN_MIN_LEN
#define LK_DEFAULT_PIN_MIN_LEN 6u
#endif
#ifndef LK_DEFAULT_PIN_MAX_LEN
#define LK_DEFAULT_PIN_MAX_LEN 8u
#endif
#ifndef LK_DEFAULT_DIGIT_TIMEOUT_MS
#define LK_DEFAULT_DIGIT_TIMEOUT_MS 5000u
#endif
/* GA 374-2019: at most 5 wrong entries within 5 min, then >= 90 s ignored. */
#ifndef LK_DEFAULT_WRONG_LIMIT
#define LK_DEFAULT_WRONG_LIMIT 5u
#endif
/* Wrong guesses (every PIN-length window of an entry is one) that also start
 * a lockout; see docs/security.md for the resulting odds. */
#ifndef LK_DEFAULT_GUESS_LIMIT
#define LK_DEFAULT_GUESS_LIMIT 32u
#endif
#ifndef LK_DEFAULT_FAIL_WINDOW_MS
#define LK_DEFAULT_FAIL_WINDOW_MS 300000u
#endif
/* Escalating lockouts: the first, second, and third and later, ms. */
#ifndef LK_DEFAULT_LOCKOUT1_MS
#define LK_DEFAULT_LOCKOUT1_MS 90000u
#endif
#ifndef LK_DEFAULT_LOCKOUT2_MS
#define LK_DEFAULT_LOCKOUT2_MS 300000u
#endif
#ifndef LK_DEFAULT_LOCKOUT3_MS
#define LK_DEFAULT_LOCKOUT3_MS 900000u
#endif
/* Credential types a lockout ignores, bits (1 << enum lk_cred_type); offline
 * codes count as PIN. Default: all. */
#ifndef LK_DEFAULT_LOCKOUT_TYPES
#define LK_DEFAULT_LOCKOUT_TYPES 0x7Fu
#endif
/* Dual/tri rule: the further credentials must follow within this, ms. */
#ifndef LK_DEFAULT_MULTI_WINDOW_MS
#define LK_DEFAULT_MULTI_WINDOW_MS 10000u
#endif
/* Offline codes: clock tolerance, s; one-time code validity, s. */
#ifndef LK_DEFAULT_OFFLINE_DRIFT_S
#define LK_DEFAULT_OFFLINE_DRIFT_S 900u
#endif
#ifndef LK_DEFAULT_OFFLINE_OTC_VALID_S
#define LK_DEFAULT_OFFLINE_OTC_VALID_S 21600u
#endif

/* ---- Limits that runtime configuration values are checked against. ---- */

/* Upper bound for any configured motor timing, ms. */
#ifndef LK_MAX_TRAVEL_MS
#define LK_MAX_TRAVEL_MS 30000u
#endif

/* Upper bound for the auto-relock delay, ms (Matter allows 2^32-1 s; a lock
 * that waits longer than a day to relock is a configuration mistake). */
#ifndef LK_MAX_AUTO_RELOCK_MS
#define LK_MAX_AUTO_RELOCK_MS 86400000u
#endif

/* ---- Emergency power (lockcore/power.h, docs/power.md): defaults for
 * lk_config.power fields left 0. ---- */

/* A source must stay inside its window this long to qualify, ms (LTC4417). */
#ifndef LK_DEFAULT_PWR_QUALIFY_MS
#define LK_DEFAULT_PWR_QUALIFY_MS 256u
#endif
/* Poll period while emergency power is in play, ms. */
#ifndef LK_DEFAULT_PWR_POLL_MS
#define LK_DEFAULT_PWR_POLL_MS 50u
#endif
/* Supercapacitor (used with LK_RESERVE_CAP): 1 F, 5.0 V, 100 mOhm. */
#ifndef LK_DEFAULT_PWR_CAP_UF
#define LK_DEFAULT_PWR_CAP_UF 1000000u
#endif
#ifndef LK_DEFAULT_PWR_CAP_MAX_MV
#define LK_DEFAULT_PWR_CAP_MAX_MV 5000u
#endif
#ifndef LK_DEFAULT_PWR_CAP_ESR_MOHM
#define LK_DEFAULT_PWR_CAP_ESR_MOHM 100u
#endif
/* Main battery internal resistance, mOhm (4 x AA, part used). */
#ifndef LK_DEFAULT_PWR_MAIN_MOHM
#define LK_DEFAULT_PWR_MAIN_MOHM 300u
#endif
/* The motor: lowest voltage under load that finishes a stroke, mV, and its
 * running current, mA. */
#ifndef LK_DEFAULT_PWR_MOTOR_MIN_MV
#define LK_DEFAULT_PWR_MOTOR_MIN_MV 3600u
#endif
#ifndef LK_DEFAULT_PWR_MOTOR_MA
#define LK_DEFAULT_PWR_MOTOR_MA 600u
#endif
/* One stroke: 0.6 A at 6 V for ~0.6 s, plus inrush: ~2 J, ~700 ms. */
#ifndef LK_DEFAULT_PWR_STROKE_UJ
#define LK_DEFAULT_PWR_STROKE_UJ 2000000u
#endif
#ifndef LK_DEFAULT_PWR_STROKE_MS
#define LK_DEFAULT_PWR_STROKE_MS 700u
#endif
/* Waking and a PIN entry: 0.05 J + 0.6 J. */
#ifndef LK_DEFAULT_PWR_ACCESS_UJ
#define LK_DEFAULT_PWR_ACCESS_UJ 650000u
#endif
/* Safety factor on a measured stroke estimate, and on the configured
 * guess before any stroke was measured, percent. */
#ifndef LK_DEFAULT_PWR_MARGIN_PCT
#define LK_DEFAULT_PWR_MARGIN_PCT 110u
#endif
#ifndef LK_DEFAULT_PWR_GUESS_MARGIN_PCT
#define LK_DEFAULT_PWR_GUESS_MARGIN_PCT 125u
#endif
/* Source-to-reserve efficiency, percent. */
#ifndef LK_DEFAULT_PWR_EFF_PCT
#define LK_DEFAULT_PWR_EFF_PCT 80u
#endif
/* An accepted credential waits this long for energy, ms (a shaken handle
 * needs ~160 s). */
#ifndef LK_DEFAULT_PWR_HOLD_MS
#define LK_DEFAULT_PWR_HOLD_MS 180000u
#endif
/* A source backs the recovery stroke if it refills one within this, ms. */
#ifndef LK_DEFAULT_PWR_RECOVERY_MS
#define LK_DEFAULT_PWR_RECOVERY_MS 60000u
#endif
/* Main battery CRITICAL below this, mV (4 x AA at 1.05 V). */
#ifndef LK_DEFAULT_PWR_CRITICAL_MV
#define LK_DEFAULT_PWR_CRITICAL_MV 4200u
#endif
/* Actuations promised after the first LOW warning. */
#ifndef LK_DEFAULT_PWR_WARN_ACTUATIONS
#define LK_DEFAULT_PWR_WARN_ACTUATIONS 50u
#endif
/* Warning before a cut, ms (>= 600: time to park and log). */
#ifndef LK_DEFAULT_PWR_WARN_MS
#define LK_DEFAULT_PWR_WARN_MS 600u
#endif

/* ---- Storage layout (see docs/storage-format.md) ---- */

/* Smallest logical block, bytes: erase units smaller than this (EEPROM-like
 * parts) are grouped into blocks of at least this size. */
#ifndef LK_STORE_BLOCK_MIN
#define LK_STORE_BLOCK_MIN 512u
#endif

/* Smallest record bank, bytes; two banks hold the records (A/B), rounded up
 * to whole blocks. Everything after them is the audit ring (>= 2 blocks). */
#ifndef LK_STORE_BANK_MIN
#define LK_STORE_BANK_MIN 4096u
#endif

/* Largest record value, bytes (1..255). Sizes a stack buffer. */
#ifndef LK_STORE_VALUE_MAX
#define LK_STORE_VALUE_MAX 64u
#endif

/* Largest storage prog unit supported, bytes. Sizes a stack buffer. */
#ifndef LK_STORE_PROG_MAX
#define LK_STORE_PROG_MAX 32u
#endif

/* ---- Checks ---- */

#if LK_DEFAULT_TRAVEL_MIN_MS >= LK_DEFAULT_TRAVEL_MAX_MS
#error "LK_DEFAULT_TRAVEL_MIN_MS must be below LK_DEFAULT_TRAVEL_MAX_MS"
#endif
#if LK_DEFAULT_TRAVEL_MAX_MS > LK_MAX_TRAVEL_MS
#error "LK_DEFAULT_TRAVEL_MAX_MS must not exceed LK_MAX_TRAVEL_MS"
#endif
#if LK_DEFAULT_INRUSH_BLANK_MS >= LK_DEFAULT_TRAVEL_MAX_MS
#error "LK_DEFAULT_INRUSH_BLANK_MS must be below LK_DEFAULT_TRAVEL_MAX_MS"
#endif
#if LK_DEFAULT_MOTION_POLL_MS < 1u || LK_DEFAULT_MOTION_POLL_MS > 100u
#error "LK_DEFAULT_MOTION_POLL_MS must be 1..100"
#endif
#if LK_DEFAULT_BRAKE_MS < 1u || LK_DEFAULT_BRAKE_MS > 1000u
#error "LK_DEFAULT_BRAKE_MS must be 1..1000"
#endif
#if LK_DEFAULT_STALL_MA < 50u || LK_DEFAULT_STALL_MA > 20000u
#error "LK_DEFAULT_STALL_MA must be 50..20000"
#endif
#if LK_DEFAULT_DEBOUNCE_MS < 1u || LK_DEFAULT_DEBOUNCE_MS > 1000u
#error "LK_DEFAULT_DEBOUNCE_MS must be 1..1000"
#endif
#if LK_DEFAULT_DOOR_AJAR_MS < 1000u || LK_DEFAULT_DOOR_AJAR_MS > 3600000u
#error "LK_DEFAULT_DOOR_AJAR_MS must be 1000..3600000"
#endif
#if LK_DEFAULT_ALARM_REPEAT_MS < 1000u || LK_DEFAULT_ALARM_REPEAT_MS > 86400000u
#error "LK_DEFAULT_ALARM_REPEAT_MS must be 1000..86400000"
#endif
#if LK_DEFAULT_PATH_WINDOW_MS < 1u || LK_DEFAULT_PATH_WINDOW_MS > 60000u
#error "LK_DEFAULT_PATH_WINDOW_MS must be 1..60000"
#endif
#if LK_DEFAULT_BATTERY_OK_MV < 1u || LK_DEFAULT_BATTERY_OK_MV > 60000u
#error "LK_DEFAULT_BATTERY_OK_MV must be 1..60000"
#endif
#if LK_DEFAULT_MANUAL_PATHS == 0u || (LK_DEFAULT_MANUAL_PATHS & ~0x1Eu) != 0u
#error "LK_DEFAULT_MANUAL_PATHS must be a non-empty set of LK_PATH_* bits (0x02..0x1E)"
#endif
#if LK_DEFAULT_KEY_POLICY < 1u || LK_DEFAULT_KEY_POLICY > 2u
#error "LK_DEFAULT_KEY_POLICY must be 1 (notify) or 2 (alarm)"
#endif
#if LK_MAX_AUTO_RELOCK_MS < 1u || LK_MAX_AUTO_RELOCK_MS > 0x7FFFFFFFu
#error "LK_MAX_AUTO_RELOCK_MS must be 1..2^31-1 (wrap-safe time comparison)"
#endif
#if LK_STORE_VALUE_MAX < 1u || LK_STORE_VALUE_MAX > 255u
#error "LK_STORE_VALUE_MAX must be 1..255"
#endif
#if LK_STORE_PROG_MAX < 1u || LK_STORE_PROG_MAX > 128u
#error "LK_STORE_PROG_MAX must be 1..128"
#endif
#if LK_STORE_BLOCK_MIN < 64u || LK_STORE_BANK_MIN < LK_STORE_BLOCK_MIN
#error "LK_STORE_BLOCK_MIN must be >= 64 and LK_STORE_BANK_MIN >= LK_STORE_BLOCK_MIN"
#endif
#if LK_DEFAULT_PWR_CRITICAL_MV > LK_DEFAULT_BATTERY_OK_MV
#error "LK_DEFAULT_PWR_CRITICAL_MV must not exceed LK_DEFAULT_BATTERY_OK_MV"
#endif
#if LK_DEFAULT_PWR_MARGIN_PCT < 100u || LK_DEFAULT_PWR_MARGIN_PCT > 400u || \
    LK_DEFAULT_PWR_GUESS_MARGIN_PCT < 100u || LK_DEFAULT_PWR_GUESS_MARGIN_PCT > 400u
#error "LK_DEFAULT_PWR_MARGIN_PCT and LK_DEFAULT_PWR_GUESS_MARGIN_PCT must be 100..400"
#endif
#if LK_DEFAULT_PWR_QUALIFY_MS < 1u || LK_DEFAULT_PWR_QUALIFY_MS > 5000u
#error "LK_DEFAULT_PWR_QUALIFY_MS must be 1..5000"
#endif
#if (LK_WITH_OFFLINE != 0 && LK_WITH_OFFLINE != 1) || (LK_WITH_TOKENS != 0 && LK_WITH_TOKENS != 1) || \
    (LK_WITH_PRESENTED != 0 && LK_WITH_PRESENTED != 1) || (LK_WITH_AUDIT != 0 && LK_WITH_AUDIT != 1) || \
    (LK_WITH_MATTER != 0 && LK_WITH_MATTER != 1) || (LK_WITH_STRERROR != 0 && LK_WITH_STRERROR != 1)
#error "LK_WITH_* options must be 0 or 1"
#endif
#if (LK_PSRC_FITTED & 0x01u) == 0u || (LK_PSRC_FITTED & ~0x1Fu) != 0u
#error "LK_PSRC_FITTED must include the main battery (0x01) and only bits 0x01..0x1F"
#endif
#if LK_MAX_TRAVEL_MS > 600000u
#error "LK_MAX_TRAVEL_MS must not exceed 600000 (10 min)"
#endif

#if LK_USERS_MAX < 1u || LK_USERS_MAX > 256u || LK_CREDS_MAX < 1u || LK_CREDS_MAX > 1024u
#error "LK_USERS_MAX must be 1..256 and LK_CREDS_MAX 1..1024"
#endif
#if LK_PIN_LEN_MIN < 4u || LK_PIN_LEN_MAX < LK_PIN_LEN_MIN || LK_PIN_LEN_MAX > 12u || \
    LK_KEYPAD_DIGITS_MAX < LK_PIN_LEN_MAX || LK_KEYPAD_DIGITS_MAX > 32u
#error "need 4 <= LK_PIN_LEN_MIN <= LK_PIN_LEN_MAX <= 12 and LK_PIN_LEN_MAX <= LK_KEYPAD_DIGITS_MAX <= 32"
#endif
#if LK_DEFAULT_PIN_MIN_LEN < LK_PIN_LEN_MIN || LK_DEFAULT_PIN_MAX_LEN > LK_PIN_LEN_MAX || \
    LK_DEFAULT_PIN_MIN_LEN > LK_DEFAULT_PIN_MAX_LEN
#error "LK_DEFAULT_PIN_MIN_LEN..LK_DEFAULT_PIN_MAX_LEN must lie in LK_PIN_LEN_MIN..LK_PIN_LEN_MAX"
#endif
#if LK_CRED_DATA_MAX < 4u || LK_CRED_DATA_MAX > 32u
#error "LK_CRED_DATA_MAX must be 4..32"
#endif
#if LK_OFFLINE_USED_MAX < 1u || LK_OFFLINE_USED_MAX > 8u
#error "LK_OFFLINE_USED_MAX must be 1..8 (one record holds them)"
#endif
#if LK_STORE_VALUE_MAX < 13u + 4u * LK_OFFLINE_USED_MAX + 8u
#error "LK_STORE_VALUE_MAX must hold the offline-code record: 13 + 4 * LK_OFFLINE_USED_MAX + 8"
#endif
#if LK_DEFAULT_WRONG_LIMIT < 1u || LK_DEFAULT_WRONG_LIMIT > 255u
#error "LK_DEFAULT_WRONG_LIMIT must be 1..255 (Matter WrongCodeEntryLimit)"
#endif
/* Users (40 bytes with record header) and credentials (32) must leave at
 * least a quarter of a bank for counters and churn. */
#if (LK_USERS_MAX * 40u + LK_CREDS_MAX * 32u + 256u) * 4u > (LK_STORE_BANK_MIN - 20u) * 3u
#error "LK_USERS_MAX/LK_CREDS_MAX do not fit LK_STORE_BANK_MIN: raise it (docs/storage-format.md)"
#endif

#endif /* LOCKCORE_CONFIG_H */
