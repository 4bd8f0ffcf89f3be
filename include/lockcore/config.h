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
#if LK_MAX_TRAVEL_MS > 600000u
#error "LK_MAX_TRAVEL_MS must not exceed 600000 (10 min)"
#endif

#endif /* LOCKCORE_CONFIG_H */
