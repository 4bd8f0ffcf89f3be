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

/* rec_load results; REC_VALID is LK_OK so a port error passes through. */
enum { REC_VALID = 0, REC_END = 1, REC_BAD = 2 };

/* One record of the active bank, its header; the value stays in storage
 * unless the caller of rec_load asks for it. */
struct rec {
    uint32_t pos;  /* offset in the bank */
    uint32_t size; /* bytes on storage, prog-aligned */
    uint16_t key;
    uint8_t len;
    uint8_t kind;
    uint8_t last; /* the value's last byte, as read (damaged() judges it) */
};

/* Records go to storage in pieces of this buffer's size, a multiple of
 * prog_size: no record-sized buffer on the deepest stack path (a verdict
 * whose counter write compacts the bank). */
#define CHUNK_MAX LK_STORE_PROG_MAX

static uint32_t round_up(uint32_t v, uint32_t unit)
{
    return ((v + unit - 1u) / unit) * unit;
}

static uint32_t rec_size(const struct lk_lock *lk, uint32_t len)
{
    return round_up(REC_HDR_BYTES + len, lk->port->prog_size);
}

static uint32_t chunk_size(const struct lk_lock *lk)
{
    return (CHUNK_MAX / lk->port->prog_size) * lk->port->prog_size;
}

#if LK_WITH_AUDIT
/* At most 0xFFFF: the ring counters are 16-bit. */
static uint16_t sat16(uint32_t v)
{
    return (uint16_t)((v > 0xFFFFu) ? 0xFFFFu : v);
}
#endif

int lk_store_layout(const struct lk_port *p, struct lk_store *st)
{
    uint32_t quarter = p->storage_size / 4u;
    uint32_t blk;
    uint32_t bank;

    /* Checked before rounding so nothing below can overflow. */
    if (p->prog_size > LK_STORE_PROG_MAX || p->erase_size > quarter) {
        return LK_ERR_GEOMETRY;
    }
    blk = round_up(LK_STORE_BLOCK_MIN, p->erase_size);
    bank = round_up(LK_STORE_BANK_MIN, blk);
    /* Two banks and at least two audit blocks, with or without the log. */
    if (blk > quarter || bank > (p->storage_size - 2u * blk) / 2u) {
        return LK_ERR_GEOMETRY;
    }
    st->blk = blk;
    st->bank = bank;
    st->hdr = (uint8_t)round_up(BANK_HDR_BYTES, p->prog_size);
#if LK_WITH_AUDIT
    st->slot = (uint8_t)round_up(LK_AUDIT_ENTRY_BYTES, p->prog_size);
    st->audit_blocks = sat16((p->storage_size - 2u * bank) / blk);
    st->audit_slots = sat16(blk / st->slot);
#endif
    return LK_OK;
}

static uint32_t bank_off(const struct lk_lock *lk, uint32_t bank)
{
    return bank * lk->store.bank;
}

/* Load the header of the record at r->pos of the active bank into r and
 * check it, its value into val (r->len bytes) unless val is NULL.
 * REC_VALID; REC_END: erased, or no room for a header before st->head;
 * REC_BAD: anything else (key, len and kind then still hold its header,
 * and the value was read (val, r->last) if the header is plausible and the
 * value lies before st->head); negative: port error. */
static int rec_load(const struct lk_lock *lk, struct rec *r, uint8_t *val)
{
    const struct lk_store *st = &lk->store;
    uint8_t h[REC_HDR_BYTES];
    uint8_t part[16] = { 0 }; /* the value passes through here when val is NULL */
    uint32_t off = bank_off(lk, st->active) + r->pos;
    uint32_t crc;
    uint32_t at;
    int rc;

    r->kind = 0; /* no header read yet */
    r->last = 0;
    if (r->pos + REC_HDR_BYTES > st->head) {
        return REC_END;
    }
    rc = lk_flash_read(lk, off, h, REC_HDR_BYTES);
    if (rc != LK_OK) {
        return rc;
    }
    if (lk_all(h, lk->port->erase_value, REC_HDR_BYTES)) {
        return REC_END;
    }
    r->key = lk_get16(h);
    r->len = h[2];
    r->kind = h[3];
    r->size = rec_size(lk, r->len);
    if ((r->kind != KIND_VALUE && r->kind != KIND_DELETE) || r->len > LK_STORE_VALUE_MAX ||
        r->pos + REC_HDR_BYTES + r->len > st->head) {
        return REC_BAD;
    }
    crc = lk_crc32(0, h, 4);
    for (at = 0; at < r->len; at += sizeof part) {
        uint32_t n = (r->len - at < sizeof part) ? r->len - at : sizeof part;
        uint8_t *dst = (val != NULL) ? val + at : part;

        rc = lk_flash_read(lk, off + REC_HDR_BYTES + at, dst, n);
        if (rc != LK_OK) {
            break;
        }
        crc = lk_crc32(crc, dst, n);
        r->last = dst[n - 1u];
    }
    lk_wipe(part, sizeof part); /* records may hold secrets' digests */
    if (rc != LK_OK) {
        return rc;
    }
    if ((r->kind == KIND_DELETE && r->len != 0u) || r->pos + r->size > st->head ||
        crc != lk_get32(h + 4)) {
        return REC_BAD;
    }
    return REC_VALID;
}

/* From r->pos on, the first valid record of key: 1 with r on it, 0 if
 * there is none before the head or a record that fails its checks,
 * negative on a port error. */
static int find(const struct lk_lock *lk, uint16_t key, struct rec *r)
{
    int rc;

    while ((rc = rec_load(lk, r, NULL)) == REC_VALID) {
        if (r->key == key) {
            return 1;
        }
        r->pos += r->size;
    }
    return (rc < 0) ? rc : 0;
}

/* Bytes 0..3 of a record header as one little-endian word. */
static uint32_t rec_head(uint16_t key, uint8_t kind, uint8_t len)
{
    return (uint32_t)key | ((uint32_t)len << 16) | ((uint32_t)kind << 24);
}

/* Write the record with header word head (rec_head) at off, chunk by
 * chunk: header, check, value, then the erase value up to its prog-aligned
 * size. The value comes from val, or (val NULL, len > 0) from the record of
 * the same header at from in storage: compaction copies a record without
 * holding its value. A cut between chunks leaves the record's last byte
 * unwritten: a torn write, as mount judges it. */
static int rec_write(struct lk_lock *lk, uint32_t off, uint32_t head, const uint8_t *val,
                     uint32_t from)
{
    uint8_t buf[CHUNK_MAX];
    uint32_t len = (head >> 16) & 0xFFu;
    uint32_t end = REC_HDR_BYTES + len;
    uint32_t size = rec_size(lk, len);
    uint32_t chunk = chunk_size(lk);
    uint32_t crc;
    uint32_t at;
    int rc = LK_OK;

    lk_put32(buf, head);
    crc = (val != NULL || len == 0u) ? lk_crc32(lk_crc32(0, buf, 4), val, len) : 0u;
    for (at = 0; rc == LK_OK && at < size; at += chunk) {
        uint32_t n = (size - at < chunk) ? size - at : chunk;
        uint32_t i;

        if (val == NULL && len != 0u) {
            rc = lk_flash_read(lk, from + at, buf, n); /* header and check included */
        }
        for (i = 0; rc == LK_OK && i < n; i++) {
            uint32_t b = at + i;

            if (b >= end) {
                buf[i] = lk->port->erase_value;
            } else if (val == NULL && len != 0u) {
                continue; /* as read */
            } else if (b < 4u) {
                buf[i] = (uint8_t)(head >> (8u * b));
            } else if (b < REC_HDR_BYTES) {
                buf[i] = (uint8_t)(crc >> (8u * (b - 4u)));
            } else {
                buf[i] = val[b - REC_HDR_BYTES];
            }
        }
        if (rc == LK_OK) {
            rc = lk_flash_prog(lk, off + at, buf, n);
        }
    }
    lk_wipe(buf, sizeof buf);
    return rc;
}

/* The header of a bank of generation gen for this geometry, padded to
 * st->hdr bytes. */
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

/* 1 and *gen if bank holds a valid header, 0 if not, negative on error.
 * Bytes 0..14 must be what this geometry writes (byte 15 is reserved and
 * only covered by the CRC). */
static int hdr_read(const struct lk_lock *lk, uint32_t bank, uint32_t *gen)
{
    uint8_t h[BANK_HDR_BYTES];
    uint8_t want[BANK_HDR_BYTES + LK_STORE_PROG_MAX];
    uint32_t i;
    int rc = lk_flash_read(lk, bank_off(lk, bank), h, BANK_HDR_BYTES);

    if (rc != LK_OK) {
        return rc;
    }
    *gen = lk_get32(h + 4);
    hdr_build(lk, want, *gen);
    for (i = 0; i < 15u; i++) {
        if (h[i] != want[i]) {
            return 0;
        }
    }
    return lk_crc32(0, h, 16) == lk_get32(h + 16);
}

/* Make bank dst, erased and filled up to out, the active bank of generation
 * gen: everything in it is durable before the header that makes it live. */
static int bank_seal(struct lk_lock *lk, uint32_t dst, uint32_t gen, uint32_t out)
{
    struct lk_store *st = &lk->store;
    int rc = lk_flash_sync(lk);

    if (rc == LK_OK) {
        uint8_t h[BANK_HDR_BYTES + LK_STORE_PROG_MAX];

        hdr_build(lk, h, gen);
        rc = lk_flash_prog(lk, bank_off(lk, dst), h, st->hdr);
    }
    if (rc == LK_OK) {
        rc = lk_flash_sync(lk);
    }
    if (rc == LK_OK) {
        st->active = (uint8_t)dst;
        st->gen = gen;
        st->head = out;
        st->dirty = 0;
    }
    return rc;
}

/* Copy the live records of the active bank to the other one, which then
 * becomes the active bank (one generation up). */
static int compact(struct lk_lock *lk)
{
    struct lk_store *st = &lk->store;
    uint32_t dst = 1u - st->active;
    uint32_t out = st->hdr;
    struct rec r;
    struct rec later;
    int rc = lk_flash_erase(lk, bank_off(lk, dst), st->bank);

    r.pos = st->hdr;
    while (rc == LK_OK) {
        rc = rec_load(lk, &r, NULL);
        if (rc != REC_VALID) {
            rc = (rc < 0) ? rc : LK_OK;
            break; /* records past a bad one cannot be located */
        }
        later.pos = r.pos + r.size;
        rc = (r.kind == KIND_VALUE) ? find(lk, r.key, &later) : 1;
        if (rc == 0) {
            rc = rec_write(lk, bank_off(lk, dst) + out, rec_head(r.key, KIND_VALUE, r.len), NULL,
                           bank_off(lk, st->active) + r.pos);
            out += r.size;
        } else if (rc > 0) {
            rc = LK_OK; /* deleted, or superseded by a later record */
        }
        r.pos += r.size;
    }
    return (rc == LK_OK) ? bank_seal(lk, dst, st->gen + 1u, out) : rc;
}

/* Append the record with header word head (rec_head) and its value. */
static int append(struct lk_lock *lk, uint32_t head, const uint8_t *val)
{
    struct lk_store *st = &lk->store;
    uint32_t size = rec_size(lk, (head >> 16) & 0xFFu);
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
    rc = rec_write(lk, bank_off(lk, st->active) + st->head, head, val, 0);
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
    return append(lk, rec_head(key, KIND_VALUE, len), val);
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
    return append(lk, rec_head(key, KIND_DELETE, 0), NULL);
}

int lk_store_get(struct lk_lock *lk, uint16_t key, uint8_t *buf, uint8_t cap, uint8_t *len)
{
    struct rec r;
    uint32_t found = 0;
    uint8_t kind = 0;
    uint8_t n = 0;
    int rc;

    /* The header of the latest record of key, then its value. */
    r.pos = lk->store.hdr;
    while ((rc = find(lk, key, &r)) > 0) {
        found = r.pos;
        kind = r.kind;
        n = r.len;
        r.pos += r.size;
    }
    if (rc == 0 && (found == 0u || kind == KIND_DELETE)) {
        rc = LK_ERR_NOENT;
    } else if (rc == 0) {
        *len = n;
        r.pos = found;
        rc = (n > cap) ? LK_ERR_NOSPC : rec_load(lk, &r, (n != 0u) ? buf : NULL);
        if (rc != REC_VALID && rc != LK_ERR_NOSPC && n != 0u) {
            lk_wipe(buf, n); /* what failed its check is not handed out */
        }
        if (rc > 0) {
            rc = LK_ERR_CORRUPT;
        }
    }
    return rc;
}

int lk_store_scan(struct lk_lock *lk, uint16_t lo, uint16_t hi, lk_store_scan_fn fn, void *ctx)
{
    struct rec r;
    uint8_t val[LK_STORE_VALUE_MAX];
    int rc;

    for (r.pos = lk->store.hdr; (rc = rec_load(lk, &r, val)) == REC_VALID; r.pos += r.size) {
        if (r.key >= lo && r.key <= hi) {
            fn(ctx, r.key, (r.kind == KIND_VALUE) ? val : NULL, r.len);
        }
    }
    lk_wipe(val, sizeof val); /* records may hold secrets' digests */
    return (rc < 0) ? rc : LK_OK;
}

/* After the bad record r at the head: 0 if it looks like a write torn by a
 * power cut (its last byte never landed and nothing follows it), 1 if it
 * is damage, negative on a port error. */
static int damaged(const struct lk_lock *lk, const struct rec *r)
{
    const struct lk_store *st = &lk->store;
    uint32_t after = r->pos + rec_size(lk, LK_STORE_VALUE_MAX);
    int rc;

    if ((r->kind == KIND_VALUE || r->kind == KIND_DELETE) && r->len <= LK_STORE_VALUE_MAX) {
        if (r->pos + REC_HDR_BYTES + r->len > st->bank) {
            return 1; /* runs past the bank end: lockcore never writes that */
        }
        /* rec_load read the value of such a record */
        if (r->len > 0u && r->last != lk->port->erase_value) {
            return 1; /* fully written, yet its check fails */
        }
    }
    if (after >= st->bank) {
        return 0;
    }
    rc = lk_flash_erased(lk, bank_off(lk, st->active) + after, st->bank - after);
    return (rc < 0) ? rc : !rc;
}

/* Mount the active bank (st->active, st->gen set): walk its records to the
 * head, then judge what follows the last valid one. */
static int mount_active(struct lk_lock *lk, uint8_t *found)
{
    struct lk_store *st = &lk->store;
    struct rec r;
    int rc;

    st->head = st->bank; /* the walk's limit: the whole bank */
    for (r.pos = st->hdr; (rc = rec_load(lk, &r, NULL)) == REC_VALID; r.pos += r.size) {
    }
    st->head = r.pos;
    st->dirty = (rc != REC_END);
    if (rc == REC_BAD) {
        rc = damaged(lk, &r);
        if (rc > 0) {
            *found |= LK_STORE_FOUND_DAMAGED;
        }
    } else if (rc == REC_END && r.pos < st->bank) {
        /* the tail must be clean to append there */
        rc = lk_flash_erased(lk, bank_off(lk, st->active) + r.pos,
                             (st->bank - r.pos < 64u) ? st->bank - r.pos : 64u);
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
    if (ok1 < 0) {
        return ok1;
    }
    if (ok0 || ok1) {
        /* Wrap-safe: the two generations differ by one in normal use, so
         * "newer" survives the u32 wrap, even one forced by a crafted image. */
        st->active = (uint8_t)((ok0 && (!ok1 || (int32_t)(gen0 - gen1) >= 0)) ? 0u : 1u);
        st->gen = (st->active == 0u) ? gen0 : gen1;
        rc = mount_active(lk, found);
    } else {
        /* No valid bank header: a blank region is formatted, anything else
         * reset (bank 1 erased); bank 0 starts at generation 1. */
        rc = lk_flash_erased(lk, 0, 2u * st->bank);
        if (rc < 0) {
            return rc;
        }
        *found = rc ? LK_STORE_FOUND_FORMATTED : LK_STORE_FOUND_RESET;
        rc = rc ? LK_OK : lk_flash_erase(lk, bank_off(lk, 1), st->bank);
        if (rc == LK_OK) {
            rc = lk_flash_erase(lk, 0, st->bank);
        }
        if (rc == LK_OK) {
            rc = bank_seal(lk, 0, 1, st->hdr);
        }
    }
    if (rc == LK_OK) {
        rc = lk_audit_mount(lk);
    }
#if LK_WITH_AUDIT
    if (rc == LK_OK && st->audit_seq == 0u) {
        *found |= LK_STORE_FOUND_DAMAGED; /* sequence exhausted: a crafted log */
    }
#endif
    return rc;
}
