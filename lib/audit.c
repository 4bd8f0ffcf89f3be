/*
 * audit: a ring of fixed-size event entries in the blocks after the two
 * record banks. Each entry carries its own sequence number and CRC; the
 * newest valid entry tells where to continue after a reboot. Entering a
 * block erases it, dropping its oldest entries. Format:
 * docs/storage-format.md.
 */
#include "lk_internal.h"

#define FORMAT_VERSION 1u
/* The last sequence number, UINT32_MAX. Spelled out: clang's freestanding
 * <stdint.h> builds UINT32_MAX by token pasting, and clang-tidy then reports
 * the pasted suffix with no location, where no NOLINT can reach it. */
#define SEQ_LAST 0xFFFFFFFFu

static uint32_t slot_off(const struct lk_lock *lk, uint16_t block, uint16_t slot)
{
    const struct lk_store *st = &lk->store;

    return 2u * st->bank + (uint32_t)block * st->blk + (uint32_t)slot * st->slot;
}

static uint32_t entry_crc(const uint8_t *e)
{
    static const uint8_t magic[4] = { 'L', 'K', 'A', FORMAT_VERSION };

    return lk_crc32(lk_crc32(0, magic, 4), e, 20);
}

static void encode(uint8_t *e, const struct lk_event *ev, uint32_t seq)
{
    e[0] = ev->op;
    e[1] = ev->source;
    e[2] = ev->reason;
    e[3] = ev->flags;
    lk_put16(e + 4, ev->user);
    lk_put16(e + 6, ev->cred);
    lk_put32(e + 8, ev->mono_ms);
    lk_put32(e + 12, ev->wall_s);
    lk_put32(e + 16, seq);
    lk_put32(e + 20, entry_crc(e));
}

static void decode(const uint8_t *e, struct lk_event *ev)
{
    ev->op = e[0];
    ev->source = e[1];
    ev->reason = e[2];
    ev->flags = e[3];
    ev->user = lk_get16(e + 4);
    ev->cred = lk_get16(e + 6);
    ev->mono_ms = lk_get32(e + 8);
    ev->wall_s = lk_get32(e + 12);
}

/* Read the entry in (block, slot) into e; *seq gets its sequence number if
 * it is valid, else 0. Returns LK_OK or a port error. */
static int entry_at(const struct lk_lock *lk, uint16_t block, uint16_t slot, uint8_t *e,
                    uint32_t *seq)
{
    int rc = lk_flash_read(lk, slot_off(lk, block, slot), e, LK_AUDIT_ENTRY_BYTES);

    *seq = 0;
    if (rc == LK_OK && entry_crc(e) == lk_get32(e + 20)) {
        *seq = lk_get32(e + 16);
    }
    return rc;
}

int lk_audit_mount(struct lk_lock *lk)
{
    struct lk_store *st = &lk->store;
    uint8_t e[LK_AUDIT_ENTRY_BYTES];
    uint32_t max = 0;
    uint32_t seq;
    uint16_t b;
    uint16_t s;
    int rc;

    /* lk_store_layout guarantees both (at least two blocks, one slot each);
     * checked here too, as the ring arithmetic below divides by them. */
    if (st->audit_blocks == 0u || st->audit_slots == 0u) {
        return LK_ERR_GEOMETRY;
    }
    st->audit_block = 0;
    st->audit_slot = 0;
    for (b = 0; b < st->audit_blocks; b++) {
        for (s = 0; s < st->audit_slots; s++) {
            rc = entry_at(lk, b, s, e, &seq);
            if (rc != LK_OK) {
                return rc;
            }
            if (seq > max) {
                max = seq;
                st->audit_block = b;
                st->audit_slot = (uint16_t)(s + 1u);
            }
        }
    }
    /* 0 marks "no entry"; a log that reached the last number (only a
     * crafted image can) refuses further entries rather than wrap. */
    st->audit_seq = (max == SEQ_LAST) ? 0u : max + 1u;
    st->audit_erase = 0;
    if (st->audit_slot >= st->audit_slots) {
        st->audit_block = (uint16_t)((st->audit_block + 1u) % st->audit_blocks);
        st->audit_slot = 0;
    }
    if (st->audit_slot == 0u) {
        rc = lk_flash_erased(lk, slot_off(lk, st->audit_block, 0), st->blk);
        if (rc < 0) {
            return rc;
        }
        st->audit_erase = (rc == 0);
    }
    return LK_OK;
}

int lk_audit_append(struct lk_lock *lk, const struct lk_event *ev, uint32_t *seq)
{
    struct lk_store *st = &lk->store;
    uint8_t e[LK_AUDIT_ENTRY_BYTES + LK_STORE_PROG_MAX];
    uint32_t tries;
    int rc;

    if (st->audit_seq == 0u) {
        return LK_ERR_NOSPC;
    }
    /* Bounded: at worst every slot of the current and the next block is
     * skipped as not erased (torn writes), then the next block is erased. */
    for (tries = 0; tries <= 2u * (uint32_t)st->audit_slots; tries++) {
        if (st->audit_slot >= st->audit_slots) {
            st->audit_block = (uint16_t)((st->audit_block + 1u) % st->audit_blocks);
            st->audit_slot = 0;
            st->audit_erase = 1;
        }
        if (st->audit_erase) {
            rc = lk_flash_erase(lk, slot_off(lk, st->audit_block, 0), st->blk);
            if (rc != LK_OK) {
                return rc;
            }
            st->audit_erase = 0;
        }
        rc = lk_flash_erased(lk, slot_off(lk, st->audit_block, st->audit_slot), st->slot);
        if (rc < 0) {
            return rc;
        }
        if (rc == 0) {
            st->audit_slot++; /* a torn entry: step over it */
            continue;
        }
        lk_fill(e, lk->port->erase_value, st->slot);
        encode(e, ev, st->audit_seq);
        rc = lk_flash_prog(lk, slot_off(lk, st->audit_block, st->audit_slot), e, st->slot);
        if (rc == LK_OK) {
            rc = lk_flash_sync(lk);
        }
        st->audit_slot++;
        if (rc == LK_OK && seq != NULL) {
            *seq = st->audit_seq;
        }
        /* Used up even on failure: a failed prog may still have landed. */
        st->audit_seq = (st->audit_seq == SEQ_LAST) ? 0u : st->audit_seq + 1u;
        return rc;
    }
    return LK_ERR_IO;
}

/* Visit every valid entry: find seq (ev != NULL) or the bounds. */
static int scan(struct lk_lock *lk, uint32_t want, struct lk_event *ev, uint32_t *lo,
                uint32_t *hi)
{
    const struct lk_store *st = &lk->store;
    uint8_t e[LK_AUDIT_ENTRY_BYTES];
    uint32_t seq;
    uint16_t b;
    uint16_t s;
    int any = 0;
    int rc;

    for (b = 0; b < st->audit_blocks; b++) {
        for (s = 0; s < st->audit_slots; s++) {
            rc = entry_at(lk, b, s, e, &seq);
            if (rc != LK_OK) {
                return rc;
            }
            if (seq == 0u) {
                continue;
            }
            if (ev != NULL && seq == want) {
                decode(e, ev);
                return LK_OK;
            }
            if (!any || seq < *lo) {
                *lo = seq;
            }
            if (!any || seq > *hi) {
                *hi = seq;
            }
            any = 1;
        }
    }
    return (ev == NULL && any) ? LK_OK : LK_ERR_NOENT;
}

int lk_audit_bounds(struct lk_lock *lk, uint32_t *oldest, uint32_t *newest)
{
    uint32_t lo = 0;
    uint32_t hi = 0;
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (oldest == NULL || newest == NULL) {
        return LK_ERR_INVAL;
    }
    rc = scan(lk, 0, NULL, &lo, &hi);
    if (rc == LK_OK) {
        *oldest = lo;
        *newest = hi;
    }
    return rc;
}

int lk_audit_read(struct lk_lock *lk, uint32_t seq, struct lk_event *ev)
{
    uint32_t lo = 0;
    uint32_t hi = 0;
    int rc = lk_check(lk);

    if (rc != LK_OK) {
        return rc;
    }
    if (ev == NULL) {
        return LK_ERR_INVAL;
    }
    return scan(lk, seq, ev, &lo, &hi);
}
