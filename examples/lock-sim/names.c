/* lock-sim: name tables (names.h). */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "lk_sim.h"

const struct nm nm_ops[] = {
    { LK_OP_LOCK, "lock" },       { LK_OP_UNLOCK, "unlock" }, { LK_OP_DENIED, "denied" },
    { LK_OP_ALARM, "alarm" },     { LK_OP_STATE, "state" },   { LK_OP_GRANTED, "granted" },
    { -1, NULL },
};

const struct nm nm_sources[] = {
    { LK_SRC_UNSPECIFIED, "unspecified" },
    { LK_SRC_MANUAL, "manual" },
    { LK_SRC_PROPRIETARY_REMOTE, "proprietary-remote" },
    { LK_SRC_KEYPAD, "keypad" },
    { LK_SRC_AUTO, "auto" },
    { LK_SRC_BUTTON, "button" },
    { LK_SRC_SCHEDULE, "schedule" },
    { LK_SRC_REMOTE, "remote" },
    { LK_SRC_RFID, "rfid" },
    { LK_SRC_BIOMETRIC, "biometric" },
    { LK_SRC_ALIRO, "aliro" },
    { LK_SRC_KEY, "key" },
    { LK_SRC_MECH_CODE, "mech-code" },
    { LK_SRC_THUMBTURN, "thumbturn" },
    { LK_SRC_HANDLE, "handle" },
    { LK_SRC_FORCED, "forced" },
    { -1, NULL },
};

const struct nm nm_reasons[] = {
    { LK_REASON_NONE, "ok" },
    { LK_REASON_INVALID_CREDENTIAL, "invalid-credential" },
    { LK_REASON_DISABLED_USER, "disabled-user" },
    { LK_REASON_RESTRICTED, "restricted" },
    { LK_REASON_INSUFFICIENT_ENERGY, "insufficient-energy" },
    { LK_REASON_STALL, "stall" },
    { LK_REASON_TRAVEL_TIMEOUT, "travel-timeout" },
    { LK_REASON_TRAVEL_TOO_FAST, "travel-too-fast" },
    { LK_REASON_PORT_ERROR, "port-error" },
    { LK_REASON_RECOVERED, "recovered" },
    { LK_REASON_NOT_RECOVERED, "not-recovered" },
    { LK_REASON_STORE_FORMATTED, "store-formatted" },
    { LK_REASON_WHILE_UNPOWERED, "while-unpowered" },
    { LK_REASON_ALARM_SILENCED, "alarm-silenced" },
    { LK_REASON_PROGRAMMING, "programming" },
    { LK_REASON_OFFLINE_CLEARED, "offline-cleared" },
    { LK_REASON_LOCKED_OUT, "locked-out" },
    { LK_REASON_MORE_CREDENTIALS, "more-credentials" },
    { LK_REASON_WAITING_ENERGY, "waiting-energy" },
    { LK_REASON_BATTERY_LOW, "battery-low" },
    { LK_REASON_BATTERY_CRITICAL, "battery-critical" },
    { LK_REASON_BATTERY_TOO_LOW, "battery-too-low" },
    { LK_REASON_BATTERY_OK, "battery-ok" },
    { LK_REASON_JAMMED, "jammed" },
    { LK_REASON_FACTORY_RESET, "factory-reset" },
    { LK_REASON_RADIO_POWER_CYCLED, "radio-power-cycled" },
    { LK_REASON_WRONG_CODE_LIMIT, "wrong-code-limit" },
    { LK_REASON_ESCUTCHEON_REMOVED, "escutcheon-removed" },
    { LK_REASON_DOOR_FORCED_OPEN, "door-forced-open" },
    { LK_REASON_DOOR_AJAR, "door-ajar" },
    { LK_REASON_FORCED_USER, "forced-user" },
    { LK_REASON_KEY_WHILE_HEALTHY, "key-while-healthy" },
    { LK_REASON_STORE_CORRUPT, "store-corrupt" },
    { -1, NULL },
};

/* The alarm reasons under their full names, then short aliases. */
const struct nm nm_alarms[] = {
    { LK_REASON_JAMMED, "jammed" },
    { LK_REASON_FACTORY_RESET, "factory-reset" },
    { LK_REASON_RADIO_POWER_CYCLED, "radio-power-cycled" },
    { LK_REASON_WRONG_CODE_LIMIT, "wrong-code-limit" },
    { LK_REASON_ESCUTCHEON_REMOVED, "escutcheon-removed" },
    { LK_REASON_DOOR_FORCED_OPEN, "door-forced-open" },
    { LK_REASON_DOOR_AJAR, "door-ajar" },
    { LK_REASON_FORCED_USER, "forced-user" },
    { LK_REASON_KEY_WHILE_HEALTHY, "key-while-healthy" },
    { LK_REASON_STORE_CORRUPT, "store-corrupt" },
    { LK_REASON_DOOR_FORCED_OPEN, "forced-open" },
    { LK_REASON_FORCED_USER, "duress" },
    { LK_REASON_ESCUTCHEON_REMOVED, "tamper" },
    { -1, NULL },
};

const struct nm nm_states[] = {
    { LK_STATE_UNKNOWN, "unknown" },   { LK_STATE_LOCKED, "locked" },
    { LK_STATE_UNLOCKING, "unlocking" }, { LK_STATE_UNLOCKED, "unlocked" },
    { LK_STATE_LOCKING, "locking" },   { LK_STATE_JAMMED, "jammed" },
    { -1, NULL },
};

const struct nm nm_users[] = {
    { LK_USER_UNRESTRICTED, "unrestricted" },
    { LK_USER_YEAR_DAY, "year-day" },
    { LK_USER_WEEK_DAY, "week-day" },
    { LK_USER_PROGRAMMING, "programming" },
    { LK_USER_NON_ACCESS, "non-access" },
    { LK_USER_FORCED, "forced" },
    { LK_USER_DISPOSABLE, "disposable" },
    { LK_USER_EXPIRING, "expiring" },
    { LK_USER_SCHEDULE_RESTRICTED, "schedule-restricted" },
    { LK_USER_REMOTE_ONLY, "remote-only" },
    { LK_USER_FORCED, "duress" },
    { -1, NULL },
};

const struct nm nm_modes[] = {
    { LK_MODE_NORMAL, "normal" },   { LK_MODE_VACATION, "vacation" },
    { LK_MODE_PRIVACY, "privacy" }, { LK_MODE_NO_REMOTE, "no-remote" },
    { LK_MODE_PASSAGE, "passage" }, { -1, NULL },
};

const struct nm nm_inputs[] = {
    { LK_PSRC_MAIN, "main" },   { LK_PSRC_USB, "usb" },         { LK_PSRC_BAT9V, "9v" },
    { LK_PSRC_CRANK, "crank" }, { LK_PSRC_WIRELESS, "phone" }, { LK_PSRC_RESERVE, "reserve" },
    { -1, NULL },
};

int nm_find(const struct nm *tab, const char *name)
{
    for (; tab->name != NULL; tab++) {
        if (strcmp(tab->name, name) == 0) {
            return tab->value;
        }
    }
    return -1;
}

const char *nm_name(const struct nm *tab, int value)
{
    for (; tab->name != NULL; tab++) {
        if (tab->value == value) {
            return tab->name;
        }
    }
    return "?";
}

void nm_list(const struct nm *tab, char *buf, unsigned size)
{
    unsigned n = 0;

    buf[0] = '\0';
    for (; tab->name != NULL && n < size; tab++) {
        int w = snprintf(buf + n, size - n, "%s%s", n == 0u ? "" : ", ", tab->name);

        if (w < 0) {
            break;
        }
        n += (unsigned)w;
    }
}
