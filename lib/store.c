/*
 * store: power-loss-safe records. Two banks (A/B) of append-only records
 * keyed by a 16-bit key; the latest valid record of a key is its value.
 * When the active bank is full, the live records are copied to the other
 * bank, whose header (with a higher generation) is written last, so a cut
 * at any point leaves one complete bank. Format: docs/storage-format.md.
 */
#include "lk_internal.h"

#define FORMAT_VERSION 1u
#define BANK_HDR_BYTES 20u
#define REC_HDR_BYTES 8u
#define KIND_VALUE 0x5Au  /* neither 0x00 nor 0xFF: never an erased byte */
#define KIND_DELETE 0xA5u

enum { REC_END = 0, REC_VALID = 1, REC_BAD = 2 };

/* Locals of this type start zeroed: rec_read fills them only for a valid
 * record, which GCC -O3 cannot see. */
struct rec {
    uint32_t size; /* bytes on storage, prog-aligned */
    uint16_t key;
    uint8_t len;
    uint8_t kind;
};

static uint32_t round_up(uint32_t v, uint32_t unit)
{
    return ((v + unit - 1u) / unit) * unit;
}

int lk_store_layout(const struct lk_port *p, struct lk_store *st)
{
    uint32_t blk;
    uint32_t bank;

    /* Checked before rounding so nothing below can overflow. */
    if (p->prog_size > LK_STORE_PROG_MAX || p->erase_size > p->storage_size / 4u) {
        return LK_ERR_GEOMETRY;
    }
    blk = round_up(LK_STORE_BLOCK_MIN, p->erase_size);
    bank = round_up(LK_STORE_BANK_MIN, blk);
    if (blk > p->storage_size / 4u || bank > (p->storage_size - 2u * blk) / 2u) {
        return LK_ERR_GEOMETRY;
    }
    st->blk = blk;
    st->bank = bank;
    st->hdr = (uint8_t)round_up(BANK_HDR_BYTES, p->prog_size);
    st->slot = (uint8_t)round_up(LK_AUDIT_ENTRY_BYTES, p->prog_size);
    st->audit_blocks = (uint16_t)((p->storage_size - 2u * bank) / blk > 0xFFFFu
                                      ? 0xFFFFu
                                      : (p->storage_size - 2u * bank) / blk);
    st->audit_slots = (uint16_t)((blk / st->slot > 0xFFFFu) ? 0xFFFFu : blk / st->slot);
    return LK_OK;
}

static uint32_t bank_off(const struct lk_lock *lk, uint8_t bank)
{
    return (uint32_t)bank * lk->store.bank;
}

/* Read and check the record at pos of bank into r and v (LK_STORE_VALUE_MAX
 * bytes). REC_VALID; REC_END: erased or bank full; REC_BAD: anything else;
 * negative: port error. */
static int rec_load(const struct lk_lock *lk, uint8_t bank, uint32_t pos, struct rec *r,
                    uint8_t *v)
{
    uint8_t h[REC_HDR_BYTES];
    uint32_t base = bank_off(lk, bank);
    int rc;

    if (pos + REC_HDR_BYTES > lk->store.bank) {
        return REC_END;
    }
    rc = lk_flash_read(lk, base + pos, h, REC_HDR_BYTES);
    if (rc != LK_OK) {
        return rc;
    }
    if (lk_all(h, lk->port->erase_value, REC_HDR_BYTES)) {
        return REC_END;
    }
    r->key = lk_get16(h);
    r->len = h[2];
    r->kind = h[3];
    if ((r->kind != KIND_VALUE && r->kind != KIND_DELETE) || r->len > LK_STORE_VALUE_MAX ||
        (r->kind == KIND_DELETE && r->len != 0u)) {
        return REC_BAD;
    }
    r->size = round_up(REC_HDR_BYTES + r->len, lk->port->prog_size);
    if (pos + r->size > lk->store.bank) {
        return REC_BAD;
    }
    rc = lk_flash_read(lk, base + pos + REC_HDR_BYTES, v, r->len);
    if (rc != LK_OK) {
        return rc;
    }
    if (lk_crc32(lk_crc32(0, h, 4), v, r->len) != lk_get32(h + 4)) {
        return REC_BAD;
    }
    return REC_VALID;
}

/* rec_load into val, or (val NULL) into a buffer wiped afterwards: values
 * may hold the device key. */
static int rec_read(const struct lk_lock *lk, uint8_t bank, uint32_t pos, struct rec *r,
                    uint8_t *val)
{
    uint8_t tmp[LK_STORE_VALUE_MAX];
    int rc;

    if (val != NULL) {
        return rec_load(lk, bank, pos, r, val);
    }
    rc = rec_load(lk, bank, pos, r, tmp);
    lk_wipe(tmp, sizeof tmp);
    return rc;
}

static int rec_write(struct lk_lock *lk, uint8_t bank, uint32_t pos, uint16_t key, uint8_t kind,
                     const uint8_t *val, uint8_t len)
{
    uint8_t buf[REC_HDR_BYTES + LK_STORE_VALUE_MAX + LK_STORE_PROG_MAX];
    uint32_t size = round_up(REC_HDR_BYTES + len, lk->port->prog_size);

    lk_fill(buf, lk->port->erase_value, size);
    lk_put16(buf, key);
    buf[2] = len;
    buf[3] = kind;
    lk_copy(buf + REC_HDR_BYTES, val, len);
    lk_put32(buf + 4, lk_crc32(lk_crc32(0, buf, 4), val, len));
    return lk_flash_prog(lk, bank_off(lk, bank) + pos, buf, size);
}

static void hdr_build(const struct lk_lock *lk, uint8_t *h, uint32_t gen)
{
    lk_fill(h, lk->port->erase_value, lk->store.hdr);
    h[0] = 'L';
    h[1] = 'K';
    h[2] = 'R';
    h[3] = FORMAT_VERSION;
    lk_put32(h + 4, gen);
    lk_put32(h + 8, lk->store.bank);
    lk_put16(h + 12, (uint16_t)lk->port->prog_size);
    h[14] = lk->port->erase_value;
    h[15] = 0;
    lk_put32(h + 16, lk_crc32(0, h, 16));
}

/* 1 and *gen if bank holds a valid header, 0 if not, negative on error. */
static int hdr_read(const struct lk_lock *lk, uint8_t bank, uint32_t *gen)
{
    uint8_t h[BANK_HDR_BYTES];
    int rc = lk_flash_read(lk, bank_off(lk, bank), h, BANK_HDR_BYTES);

    if (rc != LK_OK) {
        return rc;
    }
    if (h[0] != 'L' || h[1] != 'K' || h[2] != 'R' || h[3] != FORMAT_VERSION ||
        lk_get32(h + 8) != lk->store.bank || lk_get16(h + 12) != lk->port->prog_size ||
        h[14] != lk->port->erase_value || lk_crc32(0, h, 16) != lk_get32(h + 16)) {
        return 0;
    }
    *gen = lk_get32(h + 4);
    return 1;
}

static int hdr_write(struct lk_lock *lk, uint8_t bank, uint32_t gen)
{
    uint8_t h[BANK_HDR_BYTES + LK_STORE_PROG_MAX];
    int rc;

    hdr_build(lk, h, gen);
    rc = lk_flash_prog(lk, bank_off(lk, bank), h, lk->store.hdr);
    return (rc != LK_OK) ? rc : lk_flash_sync(lk);
}

/* Erase bank and make it the active, empty bank of generation gen. */
static int bank_start(struct lk_lock *lk, uint8_t bank, uint32_t gen)
{
    int rc = lk_flash_erase(lk, bank_off(lk, bank), lk->store.bank);

    if (rc == LK_OK) {
        rc = lk_flash_sync(lk);
    }
    if (rc == LK_OK) {
        rc = hdr_write(lk, bank, gen);
    }
    if (rc == LK_OK) {
        lk->store.active = bank;
        lk->store.gen = gen;
        lk->store.head = lk->store.hdr;
        lk->store.dirty = 0;
    }
    return rc;
}

/* 1 if a valid record with key follows pos (up to head) in bank. */
static int superseded(const struct lk_lock *lk, uint8_t bank, uint32_t pos, uint16_t key)
{
    struct rec r = { 0, 0, 0, 0 };

    while (pos < lk->store.head) {
        int rc = rec_read(lk, bank, pos, &r, NULL);

        if (rc != REC_VALID) {
            return (rc < 0) ? rc : 0;
        }
        if (r.key == key) {
            return 1;
        }
        pos += r.size;
    }
    return 0;
}

/* Copy the live records to the other bank; its header goes last. */
static int compact(struct lk_lock *lk)
{
    struct lk_store *st = &lk->store;
    uint8_t src = st->active;
    uint8_t dst = (uint8_t)(1u - src);
    uint8_t val[LK_STORE_VALUE_MAX];
    /* cppcheck-suppress duplicateAssignExpression ; no slip: the read and
     * write cursors, in different banks, both start after the header */
    uint32_t pos = st->hdr;
    uint32_t out = st->hdr;
    struct rec r = { 0, 0, 0, 0 };
    int rc = lk_flash_erase(lk, bank_off(lk, dst), st->bank);

    while (rc == LK_OK && pos < st->head) {
        rc = rec_read(lk, src, pos, &r, val);
        if (rc != REC_VALID) {
            rc = (rc < 0) ? rc : LK_OK;
            break; /* records past a bad one cannot be located */
        }
        rc = (r.kind == KIND_VALUE) ? superseded(lk, src, pos + r.size, r.key) : 1;
        if (rc == 0) {
            rc = rec_write(lk, dst, out, r.key, KIND_VALUE, val, r.len);
            out += r.size;
        } else if (rc == 1) {
            rc = LK_OK;
        }
        pos += r.size;
    }
    /* Everything copied must be durable before the header that makes the
     * bank the live one. */
    if (rc == LK_OK) {
        rc = lk_flash_sync(lk);
    }
    if (rc == LK_OK) {
        rc = hdr_write(lk, dst, st->gen + 1u);
    }
    if (rc == LK_OK) {
        st->active = dst;
        st->gen += 1u;
        st->head = out;
        st->dirty = 0;
    }
    lk_wipe(val, sizeof val);
    return rc;
}

static int append(struct lk_lock *lk, uint16_t key, uint8_t kind, const uint8_t *val,
                  uint8_t len)
{
    struct lk_store *st = &lk->store;
    uint32_t size = round_up(REC_HDR_BYTES + len, lk->port->prog_size);
    int rc;

    /* Never program over bytes that are not erased (stray data past the
     * log, or what a failed write left): compact to a fresh bank instead. */
    if (!st->dirty && st->head + size <= st->bank) {
        rc = lk_flash_erased(lk, bank_off(lk, st->active) + st->head, size);
        if (rc < 0) {
            return rc;
        }
        st->dirty = (rc == 0);
    }
    if (st->dirty || st->head + size > st->bank) {
        rc = compact(lk);
        if (rc != LK_OK) {
            return rc;
        }
        if (st->head + size > st->bank) {
            return LK_ERR_NOSPC;
        }
    }
    rc = rec_write(lk, st->active, st->head, key, kind, val, len);
    if (rc == LK_OK) {
        rc = lk_flash_sync(lk);
    }
    if (rc != LK_OK) {
        st->dirty = 1; /* the slot may hold part of a record: never write there again */
        return rc;
    }
    st->head += size;
    return LK_OK;
}

int lk_store_set(struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len)
{
    if (len > LK_STORE_VALUE_MAX) {
        return LK_ERR_RANGE;
    }
    if (val == NULL && len != 0u) {
        return LK_ERR_INVAL;
    }
    return append(lk, key, KIND_VALUE, val, len);
}

int lk_store_del(struct lk_lock *lk, uint16_t key)
{
    uint8_t len;
    int rc = lk_store_get(lk, key, NULL, 0, &len);

    if (rc == LK_ERR_NOENT) {
        return LK_OK;
    }
    if (rc != LK_OK && rc != LK_ERR_NOSPC) {
        return rc;
    }
    return append(lk, key, KIND_DELETE, NULL, 0);
}

int lk_store_get(struct lk_lock *lk, uint16_t key, uint8_t *buf, uint8_t cap, uint8_t *len)
{
    const struct lk_store *st = &lk->store;
    uint8_t val[LK_STORE_VALUE_MAX];
    uint32_t pos = st->hdr;
    uint32_t found = 0;
    struct rec r = { 0, 0, 0, 0 };
    struct rec hit = { 0, 0, 0, 0 };
    int rc;

    while (pos < st->head) {
        rc = rec_read(lk, st->active, pos, &r, NULL);
        if (rc < 0) {
            return rc;
        }
        if (rc != REC_VALID) {
            break;
        }
        if (r.key == key) {
            found = pos;
            hit = r;
        }
        pos += r.size;
    }
    if (found == 0u || hit.kind == KIND_DELETE) {
        return LK_ERR_NOENT;
    }
    *len = hit.len;
    if (hit.len > cap) {
        return LK_ERR_NOSPC;
    }
    rc = rec_read(lk, st->active, found, &r, val);
    if (rc == REC_VALID) {
        lk_copy(buf, val, hit.len);
        rc = LK_OK;
    } else if (rc >= 0) {
        rc = LK_ERR_CORRUPT;
    }
    lk_wipe(val, sizeof val);
    return rc;
}

int lk_store_scan(struct lk_lock *lk, uint16_t lo, uint16_t hi, lk_store_scan_fn fn, void *ctx)
{
    const struct lk_store *st = &lk->store;
    uint8_t val[LK_STORE_VALUE_MAX];
    uint32_t pos = st->hdr;
    struct rec r = { 0, 0, 0, 0 };

    while (pos < st->head) {
        int rc = rec_read(lk, st->active, pos, &r, val);

        if (rc < 0) {
            return rc;
        }
        if (rc != REC_VALID) {
            break;
        }
        if (r.key >= lo && r.key <= hi) {
            fn(ctx, r.key, (r.kind == KIND_VALUE) ? val : NULL, r.len);
        }
        pos += r.size;
    }
    lk_wipe(val, sizeof val); /* records may hold secrets' digests */
    return LK_OK;
}

/* After a bad record at pos: quiet if it looks like a write torn by a power
 * cut (its last byte never landed and nothing follows it), else damage. */
static int damage_at(const struct lk_lock *lk, uint8_t bank, uint32_t pos)
{
    const struct lk_store *st = &lk->store;
    uint32_t base = bank_off(lk, bank);
    uint32_t max_rec = round_up(REC_HDR_BYTES + LK_STORE_VALUE_MAX, lk->port->prog_size);
    uint32_t after = pos + max_rec;
    uint8_t h[REC_HDR_BYTES];
    uint8_t last;
    int rc = lk_flash_read(lk, base + pos, h, REC_HDR_BYTES);

    if (rc != LK_OK) {
        return rc;
    }
    if ((h[3] == KIND_VALUE || h[3] == KIND_DELETE) && h[2] <= LK_STORE_VALUE_MAX) {
        if (pos + REC_HDR_BYTES + h[2] > st->bank) {
            return 1; /* runs past the bank end: lockcore never writes that */
        }
        rc = lk_flash_read(lk, base + pos + REC_HDR_BYTES + h[2] - 1u, &last, 1);
        if (rc != LK_OK) {
            return rc;
        }
        if (h[2] > 0u && last != lk->port->erase_value) {
            return 1; /* fully written, yet its check fails */
        }
    }
    if (after >= st->bank) {
        return 0;
    }
    rc = lk_flash_erased(lk, base + after, st->bank - after);
    return (rc < 0) ? rc : !rc;
}

/* Mount with no valid bank header: a blank region is formatted, anything
 * else reset (bank 1 erased); bank 0 starts at generation 1. */
static int mount_fresh(struct lk_lock *lk, uint8_t *found)
{
    int rc = lk_flash_erased(lk, 0, 2u * lk->store.bank);

    if (rc < 0) {
        return rc;
    }
    *found = rc ? LK_STORE_FOUND_FORMATTED : LK_STORE_FOUND_RESET;
    if (!rc) {
        rc = lk_flash_erase(lk, bank_off(lk, 1), lk->store.bank);
        if (rc != LK_OK) {
            return rc;
        }
    }
    return bank_start(lk, 0, 1);
}

/* Mount the active bank (st->active, st->gen set): walk its records to the
 * head, then judge what follows the last valid one. */
static int mount_active(struct lk_lock *lk, uint8_t *found)
{
    struct lk_store *st = &lk->store;
    struct rec r = { 0, 0, 0, 0 };
    int rc;

    st->head = st->hdr;
    st->dirty = 0;
    for (;;) {
        rc = rec_read(lk, st->active, st->head, &r, NULL);
        if (rc != REC_VALID) {
            break;
        }
        st->head += r.size;
    }
    if (rc == REC_BAD) {
        st->dirty = 1;
        rc = damage_at(lk, st->active, st->head);
        if (rc > 0) {
            *found |= LK_STORE_FOUND_DAMAGED;
        }
    } else if (rc == REC_END && st->head < st->bank) {
        /* the tail must be clean to append there */
        rc = lk_flash_erased(lk, bank_off(lk, st->active) + st->head,
                             (st->bank - st->head < 64u) ? st->bank - st->head : 64u);
        st->dirty = (rc == 0);
    }
    return (rc > 0) ? LK_OK : rc;
}

int lk_store_mount(struct lk_lock *lk, uint8_t *found)
{
    struct lk_store *st = &lk->store;
    uint32_t gen0 = 0;
    uint32_t gen1 = 0;
    int ok0 = hdr_read(lk, 0, &gen0);
    int ok1 = (ok0 < 0) ? ok0 : hdr_read(lk, 1, &gen1);
    int rc;

    *found = 0;
    if (ok0 < 0 || ok1 < 0) {
        return (ok0 < 0) ? ok0 : ok1;
    }
    if (!ok0 && !ok1) {
        rc = mount_fresh(lk, found);
    } else {
        /* Wrap-safe: the two generations differ by one in normal use, so
         * "newer" survives the u32 wrap, even one forced by a crafted image. */
        st->active = (uint8_t)((ok0 && (!ok1 || (int32_t)(gen0 - gen1) >= 0)) ? 0u : 1u);
        st->gen = (st->active == 0u) ? gen0 : gen1;
        rc = mount_active(lk, found);
    }
    if (rc == LK_OK) {
        rc = lk_audit_mount(lk);
    }
    if (rc == LK_OK && st->audit_seq == 0u) {
        *found |= LK_STORE_FOUND_DAMAGED; /* sequence exhausted: a crafted log */
    }
    return rc;
}
