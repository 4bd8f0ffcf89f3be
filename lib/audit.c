/*
 * audit: a ring of fixed-size event entries in the blocks after the two
 * record banks. Each entry carries its own sequence number and CRC; the
 * newest valid entry tells where to continue after a reboot. Entering a
 * block erases it, dropping its oldest entries. Format:
 * docs/storage-format.md. Without LK_WITH_AUDIT the ring stays reserved
 * (the layout does not change) but is never read or written.
 */
#include "lk_internal.h"

#if LK_WITH_AUDIT

/* lk_crc32(0, "LKA\x01", 4): every entry's CRC starts with the magic and
 * the format version (1), so a foreign or older entry is invalid. */
#define ENTRY_CRC_SEED 0x122C146Au
/* The last sequence number, UINT32_MAX. Spelled out: clang's freestanding
 * <stdint.h> builds UINT32_MAX by token pasting, and clang-tidy then reports
 * the pasted suffix with no location, where no NOLINT can reach it. */
#define SEQ_LAST 0xFFFFFFFFu

static uint32_t slot_off(const struct lk_lock *lk, uint32_t block, uint32_t slot)
{
    const struct lk_store *st = &lk->store;

    return 2u * st->bank + block * st->blk + slot * st->slot;
}

/* Step to the first slot of the next block of the ring. */
static void next_block(struct lk_store *st)
{
    st->audit_block = (uint16_t)(st->audit_block + 1u);
    if (st->audit_block >= st->audit_blocks) {
        st->audit_block = 0;
    }
    st->audit_slot = 0;
}

/* What the ring holds: the lowest and highest sequence numbers (hi 0: no
 * entry), and where the entry after hi goes (block, slot, before wrapping). */
struct ring {
    uint32_t lo;
    uint32_t hi;
    uint16_t block;
    uint16_t slot;
};

/* Visit every valid entry: decode the one numbered want (never 0) into ev
 * and return 1, or fill *rg and return LK_OK; negative on a port error. */
static int scan(const struct lk_lock *lk, uint32_t want, struct lk_event *ev, struct ring *rg)
{
    const struct lk_store *st = &lk->store;
    uint8_t e[LK_AUDIT_ENTRY_BYTES];
    uint32_t b;
    uint32_t s;
    uint32_t seq;
    int rc;

    rg->lo = SEQ_LAST;
    rg->hi = 0;
    rg->block = 0;
    rg->slot = 0;
    for (b = 0; b < st->audit_blocks; b++) {
        for (s = 0; s < st->audit_slots; s++) {
            rc = lk_flash_read(lk, slot_off(lk, b, s), e, LK_AUDIT_ENTRY_BYTES);
            if (rc != LK_OK) {
                return rc;
            }
            seq = lk_get32(e + 16);
            if (lk_crc32(ENTRY_CRC_SEED, e, 20) != lk_get32(e + 20) || seq == 0u) {
                continue;
            }
            if (seq == want) {
                ev->op = e[0];
                ev->source = e[1];
                ev->reason = e[2];
                ev->flags = e[3];
                ev->user = lk_get16(e + 4);
                ev->cred = lk_get16(e + 6);
                ev->mono_ms = lk_get32(e + 8);
                ev->wall_s = lk_get32(e + 12);
                return 1;
            }
            if (seq < rg->lo) {
                rg->lo = seq;
            }
            if (seq > rg->hi) {
                rg->hi = seq;
                rg->block = (uint16_t)b;
                rg->slot = (uint16_t)(s + 1u);
            }
        }
    }
    return LK_OK;
}

int lk_audit_mount(struct lk_lock *lk)
{
    struct lk_store *st = &lk->store;
    struct ring rg;
    int rc = scan(lk, 0, NULL, &rg);

    if (rc != LK_OK) {
        return rc;
    }
    /* 0 marks "no entry": a log that reached the last number (only a
     * crafted image can) refuses further entries rather than wrap. */
    st->audit_seq = rg.hi + 1u;
    st->audit_block = rg.block;
    st->audit_slot = rg.slot;
    st->audit_erase = 0;
    if (st->audit_slot >= st->audit_slots) {
        next_block(st);
    }
    if (st->audit_slot == 0u) {
        rc = lk_flash_erased(lk, slot_off(lk, st->audit_block, 0), st->blk);
        st->audit_erase = (rc == 0);
    }
    return (rc < 0) ? rc : LK_OK;
}

int lk_audit_append(struct lk_lock *lk, const struct lk_event *ev, uint32_t *seq)
{
    struct lk_store *st = &lk->store;
    uint8_t e[LK_AUDIT_ENTRY_BYTES + LK_STORE_PROG_MAX];
    /* Bounded: at worst every slot of the current and the next block is
     * skipped as not erased (torn writes), then the next block is erased. */
    uint32_t tries = 2u * st->audit_slots + 1u;
    uint32_t off;
    int rc;

    if (st->audit_seq == 0u) {
        return LK_ERR_NOSPC;
    }
    for (;;) {
        if (st->audit_slot >= st->audit_slots) {
            next_block(st);
            st->audit_erase = 1;
        }
        off = slot_off(lk, st->audit_block, 0);
        if (st->audit_erase) {
            rc = lk_flash_erase(lk, off, st->blk);
            if (rc != LK_OK) {
                return rc;
            }
            st->audit_erase = 0;
        }
        off += (uint32_t)st->audit_slot * st->slot;
        rc = lk_flash_erased(lk, off, st->slot);
        if (rc < 0) {
            return rc;
        }
        st->audit_slot++; /* ours, or a torn entry stepped over */
        if (rc > 0) {
            break;
        }
        if (--tries == 0u) {
            return LK_ERR_IO;
        }
    }
    lk_fill(e, lk->port->erase_value, st->slot);
    e[0] = ev->op;
    e[1] = ev->source;
    e[2] = ev->reason;
    e[3] = ev->flags;
    lk_put16(e + 4, ev->user);
    lk_put16(e + 6, ev->cred);
    lk_put32(e + 8, ev->mono_ms);
    lk_put32(e + 12, ev->wall_s);
    lk_put32(e + 16, st->audit_seq);
    lk_put32(e + 20, lk_crc32(ENTRY_CRC_SEED, e, 20));
    rc = lk_flash_prog(lk, off, e, st->slot);
    if (rc == LK_OK) {
        rc = lk_flash_sync(lk);
    }
    if (rc == LK_OK && seq != NULL) {
        *seq = st->audit_seq;
    }
    /* Used up even on failure: a failed prog may still have landed. After
     * the last number this is 0: nothing more is appended. */
    st->audit_seq++;
    return rc;
}

#else /* !LK_WITH_AUDIT */

/* The ring is left as it is. Sequence 0: the last-state record (override.c)
 * then holds 0xFFFFFFFF, which tells a build with the log not to look for
 * movements in it that this build's saved state has overtaken. */
int lk_audit_mount(struct lk_lock *lk)
{
    lk->store.audit_seq = 0;
    return LK_OK;
}

/* NOLINTNEXTLINE(readability-non-const-parameter): the internal signature */
int lk_audit_append(struct lk_lock *lk, const struct lk_event *ev, uint32_t *seq)
{
    (void)lk;
    (void)ev;
    (void)seq;
    return LK_OK;
}

#endif /* LK_WITH_AUDIT */

/* NOLINTNEXTLINE(readability-non-const-parameter): the public signature */
int lk_audit_bounds(struct lk_lock *lk, uint32_t *oldest, uint32_t *newest)
{
    int rc = lk_check(lk);
#if LK_WITH_AUDIT
    struct ring rg;

    if (rc == LK_OK && (oldest == NULL || newest == NULL)) {
        rc = LK_ERR_INVAL;
    }
    if (rc == LK_OK) {
        rc = scan(lk, 0, NULL, &rg);
    }
    if (rc == LK_OK && rg.hi == 0u) {
        rc = LK_ERR_NOENT;
    }
    if (rc == LK_OK) {
        *oldest = rg.lo;
        *newest = rg.hi;
    }
    return rc;
#else
    (void)oldest;
    (void)newest;
    return (rc != LK_OK) ? rc : LK_ERR_NOTSUP;
#endif
}

int lk_audit_read(struct lk_lock *lk, uint32_t seq, struct lk_event *ev)
{
    int rc = lk_check(lk);
#if LK_WITH_AUDIT
    struct ring rg;

    if (rc == LK_OK && ev == NULL) {
        rc = LK_ERR_INVAL;
    }
    if (rc == LK_OK) {
        rc = scan(lk, seq, ev, &rg);
    }
    /* not found: overwritten, not written yet, torn, or 0 */
    return (rc > 0) ? LK_OK : (rc < 0) ? rc : LK_ERR_NOENT;
#else
    (void)seq;
    (void)ev;
    return (rc != LK_OK) ? rc : LK_ERR_NOTSUP;
#endif
}
