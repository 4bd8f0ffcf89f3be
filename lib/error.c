#include "lockcore/error.h"

const char *lk_strerror(int err)
{
    switch (err) {
    case LK_OK: return "ok";
    case LK_ERR_NOENT: return "no such entry";
    case LK_ERR_IO: return "port I/O failure";
    case LK_ERR_AGAIN: return "try again later";
    case LK_ERR_BUSY: return "operation in progress";
    case LK_ERR_EXIST: return "already present";
    case LK_ERR_INVAL: return "invalid argument";
    case LK_ERR_NOSPC: return "no space left";
    case LK_ERR_RANGE: return "value out of range";
    case LK_ERR_CORRUPT: return "stored data corrupt";
    case LK_ERR_NOTSUP: return "not supported by this port";
    case LK_ERR_PORT_ABI: return "port ABI version mismatch";
    case LK_ERR_PORT_MISSING: return "required port callback missing";
    case LK_ERR_GEOMETRY: return "impossible storage geometry";
    case LK_ERR_CONFIG: return "configuration value out of range";
    case LK_ERR_NOT_INIT: return "lock instance not initialised";
    case LK_ERR_WEAK: return "PIN too easy to guess";
    default: break;
    }
    if (err >= LK_ERR_VENDOR_FIRST && err <= LK_ERR_VENDOR_LAST) {
        return "vendor port error";
    }
    return "unknown error";
}
