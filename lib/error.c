#include <stdint.h>

#include "lockcore/config.h"
#include "lockcore/error.h"

#if LK_WITH_STRERROR
/* Every code, negated, in the order of its text in texts. */
#define CODE(e) ((uint8_t) - (e))
static const uint8_t codes[] = {
    CODE(LK_OK),           CODE(LK_ERR_NOENT),        CODE(LK_ERR_IO),
    CODE(LK_ERR_AGAIN),    CODE(LK_ERR_BUSY),         CODE(LK_ERR_EXIST),
    CODE(LK_ERR_INVAL),    CODE(LK_ERR_NOSPC),        CODE(LK_ERR_RANGE),
    CODE(LK_ERR_CORRUPT),  CODE(LK_ERR_NOTSUP),       CODE(LK_ERR_PORT_ABI),
    CODE(LK_ERR_PORT_MISSING), CODE(LK_ERR_GEOMETRY), CODE(LK_ERR_CONFIG),
    CODE(LK_ERR_NOT_INIT), CODE(LK_ERR_WEAK),
};

/* The texts one after another, each ended by its '\0': one per code, then
 * the one for unknown codes and the one for the vendor range. */
static const char texts[] = "ok\0"
                            "no such entry\0"
                            "port I/O failure\0"
                            "try again later\0"
                            "operation in progress\0"
                            "already present\0"
                            "invalid argument\0"
                            "no space left\0"
                            "value out of range\0"
                            "stored data corrupt\0"
                            "not supported by this port\0"
                            "port ABI version mismatch\0"
                            "required port callback missing\0"
                            "impossible storage geometry\0"
                            "configuration value out of range\0"
                            "lock instance not initialised\0"
                            "PIN too easy to guess\0"
                            "unknown error\0"
                            "vendor port error";

const char *lk_strerror(int err)
{
    const char *t = texts;
    unsigned n = 0;

    while (n < sizeof codes && err != -(int)codes[n]) {
        n++;
    }
    if (err >= LK_ERR_VENDOR_FIRST && err <= LK_ERR_VENDOR_LAST) {
        n = sizeof codes + 1u;
    }
    for (; n > 0u; n--) {
        while (*t++ != '\0') {
        }
    }
    return t;
}
#else
const char *lk_strerror(int err)
{
    return (err == LK_OK) ? "ok" : "lockcore error";
}
#endif
