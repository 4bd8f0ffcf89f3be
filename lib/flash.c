/*
 * flash: the only code that calls the port's storage callbacks. Checks every
 * return value and keeps all accesses inside the region and aligned.
 */
#include "lk_internal.h"

static int port_rc(int rc)
{
    return (rc > 0) ? LK_ERR_RANGE : rc;
}

static int in_region(const struct lk_port *p, uint32_t off, uint32_t len)
{
    return off <= p->storage_size && len <= p->storage_size - off;
}

int lk_flash_read(const struct lk_lock *lk, uint32_t off, uint8_t *buf, uint32_t len)
{
    const struct lk_port *p = lk->port;

    if (!in_region(p, off, len)) {
        return LK_ERR_RANGE;
    }
    return port_rc(p->storage_read(p->ctx, off, buf, len));
}

int lk_flash_prog(const struct lk_lock *lk, uint32_t off, const uint8_t *buf, uint32_t len)
{
    const struct lk_port *p = lk->port;

    if (!in_region(p, off, len) || off % p->prog_size != 0u || len % p->prog_size != 0u) {
        return LK_ERR_RANGE;
    }
    return port_rc(p->storage_prog(p->ctx, off, buf, len));
}

int lk_flash_erase(const struct lk_lock *lk, uint32_t off, uint32_t len)
{
    const struct lk_port *p = lk->port;
    uint32_t done;

    if (!in_region(p, off, len) || off % p->erase_size != 0u || len % p->erase_size != 0u) {
        return LK_ERR_RANGE;
    }
    for (done = 0; done < len; done += p->erase_size) {
        int rc = port_rc(p->storage_erase(p->ctx, off + done));

        if (rc != LK_OK) {
            return rc;
        }
    }
    return LK_OK;
}

int lk_flash_sync(const struct lk_lock *lk)
{
    const struct lk_port *p = lk->port;

    return (p->storage_sync != NULL) ? port_rc(p->storage_sync(p->ctx)) : LK_OK;
}

int lk_flash_erased(const struct lk_lock *lk, uint32_t off, uint32_t len)
{
    uint8_t buf[32];

    while (len > 0u) {
        uint32_t n = (len < sizeof buf) ? len : (uint32_t)sizeof buf;
        int rc = lk_flash_read(lk, off, buf, n);

        if (rc != LK_OK) {
            return rc;
        }
        if (!lk_all(buf, lk->port->erase_value, n)) {
            return 0;
        }
        off += n;
        len -= n;
    }
    return 1;
}
