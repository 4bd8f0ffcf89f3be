/*
 * lockcore error codes: one enum of negative values, errno-aligned where the
 * meaning exists, then lockcore-specific codes, then a range reserved for
 * vendor ports. Every function that can fail returns one of these (0 = OK).
 */
#ifndef LOCKCORE_ERROR_H
#define LOCKCORE_ERROR_H

enum lk_err {
    LK_OK = 0,

    /* errno-aligned */
    LK_ERR_NOENT = -2,    /* no such record or log entry */
    LK_ERR_IO = -5,       /* the port reported a hardware/IO failure */
    LK_ERR_AGAIN = -11,   /* try again later */
    LK_ERR_BUSY = -16,    /* an operation is already in progress */
    LK_ERR_EXIST = -17,   /* already present (e.g. the same PIN enrolled twice) */
    LK_ERR_INVAL = -22,   /* NULL pointer or malformed argument */
    LK_ERR_NOSPC = -28,   /* no room left */
    LK_ERR_RANGE = -34,   /* a value (argument or read from the port) is out of range */
    LK_ERR_CORRUPT = -84, /* stored data failed its checks */
    LK_ERR_NOTSUP = -95,  /* capability not present on this port */

    /* lockcore-specific */
    LK_ERR_PORT_ABI = -200,     /* port.abi_version is not LK_PORT_ABI_VERSION */
    LK_ERR_PORT_MISSING = -201, /* a required port callback is NULL */
    LK_ERR_GEOMETRY = -202,     /* storage geometry is impossible */
    LK_ERR_CONFIG = -203,       /* a configuration value is out of range */
    LK_ERR_NOT_INIT = -204,     /* the lock instance was not initialised by lk_init */
    LK_ERR_WEAK = -205,         /* a PIN too easy to guess (one digit repeated, a straight run) */

    /* -1000 .. -1999 are reserved for vendor ports; lockcore passes them up. */
    LK_ERR_VENDOR_FIRST = -1999,
    LK_ERR_VENDOR_LAST = -1000
};

/*
 * A short, constant English description of err (never NULL). Vendor-range
 * codes give "vendor port error"; unknown codes give "unknown error". Built
 * without the texts (LK_WITH_STRERROR 0, lockcore/config.h) it gives "ok" for
 * LK_OK and "lockcore error" for everything else.
 * Pure function: ISR-safe, never blocks.
 */
const char *lk_strerror(int err);

#endif /* LOCKCORE_ERROR_H */
