/* SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104), constant-time compare and
 * wipe. Written for size, not speed: one rolled 64-round loop over a
 * 16-word circular message schedule built in the context's block buffer.
 * With LK_SHA256_ALT the vendor supplies the three lk_sha256_* functions and
 * the HMAC here runs on them alone; the built-in core gets a leaner HMAC
 * that reaches into its context. */
#include "lockcore/crypto.h"

#ifndef LK_SHA256_ALT

static const uint32_t sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static const uint32_t sha256_iv[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

static uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

static void set_iv(uint32_t h[8])
{
    unsigned i;

    for (i = 0; i < 8u; i++) {
        h[i] = sha256_iv[i];
    }
}

static uint32_t get32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* n bytes of the words v, big-endian, to p. */
static void put_be(uint8_t *p, const uint32_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(v[i >> 2] >> (24u - 8u * (i & 3u)));
    }
}

/* One 64-byte block, held as bytes in w, into the chaining state h. The
 * schedule is built in w itself (so no 64-byte copy on the stack): w is
 * garbage afterwards. The working state is key-derived under HMAC, so it is
 * wiped on the way out. */
static void compress(uint32_t h[8], uint32_t w[16])
{
    uint32_t s[8]; /* a..h */
    uint32_t t1;
    uint32_t t2;
    unsigned i;
    unsigned j;

    for (i = 0; i < 16u; i++) {
        w[i] = get32be((const uint8_t *)&w[i]);
        s[i & 7u] = h[i & 7u]; /* twice over: smaller than a loop of its own */
    }
    for (i = 0; i < 64u; i++) {
        if (i >= 16u) {
            t1 = w[(i - 2u) & 15u];
            t2 = w[(i - 15u) & 15u];
            /* the sigma and Sigma functions nested: ror(x ^ ror(x, b - a), a)
             * is ror(x, a) ^ ror(x, b), in fewer registers */
            w[i & 15u] += (ror(t1 ^ ror(t1, 2), 17) ^ (t1 >> 10)) + w[(i - 7u) & 15u] +
                          (ror(t2 ^ ror(t2, 11), 7) ^ (t2 >> 3));
        }
        /* Ch(e, f, g) = g ^ (e & (f ^ g)); Maj(a, b, c) = (a & (b | c)) | (b & c) */
        t1 = s[7] + ror(s[4] ^ ror(s[4] ^ ror(s[4], 14), 5), 6) +
             (s[6] ^ (s[4] & (s[5] ^ s[6]))) + sha256_k[i] + w[i & 15u];
        t2 = ror(s[0] ^ ror(s[0] ^ ror(s[0], 9), 11), 2) +
             ((s[0] & (s[1] | s[2])) | (s[1] & s[2]));
        /* h = g, ..., e = d + t1, ..., b = a; the add also keeps GCC from
         * turning a pure shift into a memmove call */
        for (j = 7; j > 0; j--) {
            s[j] = s[j - 1u] + (j == 4u ? t1 : 0u);
        }
        s[0] = t1 + t2;
    }
    for (i = 0; i < 8u; i++) {
        h[i] += s[i];
    }
    lk_wipe(s, sizeof s);
}

void lk_sha256_init(struct lk_sha256 *c)
{
    set_iv(c->h);
    c->len_lo = 0;
    c->len_hi = 0;
}

void lk_sha256_update(struct lk_sha256 *c, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;

    while (len > 0u) {
        uint32_t at = c->len_lo & (LK_SHA256_BLOCK_BYTES - 1u); /* bytes in the block */

        len--;
        ((uint8_t *)c->w)[at] = *p++;
        c->len_lo++;
        if (c->len_lo == 0u) {
            c->len_hi++;
        }
        if (at == LK_SHA256_BLOCK_BYTES - 1u) {
            compress(c->h, c->w);
        }
    }
}

void lk_sha256_final(struct lk_sha256 *c, uint8_t out[LK_SHA256_BYTES])
{
    uint8_t *blk = (uint8_t *)c->w;
    uint32_t at = c->len_lo & (LK_SHA256_BLOCK_BYTES - 1u); /* bytes in the block */
    uint32_t hi = (c->len_hi << 3) | (c->len_lo >> 29); /* the length in bits */
    uint32_t lo = c->len_lo << 3;
    unsigned i;

    /* 0x80, zeros up to 8 bytes short of a block end (in a block of its
     * own if the length does not fit), then the length in bits */
    blk[at++] = 0x80;
    while (at != LK_SHA256_BLOCK_BYTES - 8u) {
        if (at == LK_SHA256_BLOCK_BYTES) {
            compress(c->h, c->w);
            at = 0;
        }
        blk[at++] = 0;
    }
    for (i = 0; i < 4u; i++) {
        blk[63u - i] = (uint8_t)lo;
        blk[59u - i] = (uint8_t)hi;
        lo >>= 8;
        hi >>= 8;
    }
    compress(c->h, c->w);
    put_be(out, c->h, LK_SHA256_BYTES);
    lk_wipe(c, sizeof *c);
}

/* HMAC on the built-in core: the outer hash is kept as its chaining state
 * only (32 bytes instead of a second context) and both key blocks are
 * compressed straight from the key. */

/* state = SHA-256 chaining value after the one block (key ^ x, zero-padded
 * to 64 bytes), built in w. key may lie in state: it is read first. */
static void key_block(uint32_t state[8], uint32_t w[16], const uint8_t *key, size_t key_len,
                      uint32_t x)
{
    uint8_t *blk = (uint8_t *)w;
    size_t i;

    for (i = 0; i < LK_SHA256_BLOCK_BYTES; i++) {
        blk[i] = (uint8_t)((i < key_len ? key[i] : 0u) ^ x);
    }
    set_iv(state);
    compress(state, w);
}

void lk_hmac_init(struct lk_hmac *h, const uint8_t *key, size_t key_len)
{
    if (key_len > LK_SHA256_BLOCK_BYTES) {
        /* the key's hash waits in outer, which is filled last */
        lk_sha256_init(&h->inner);
        lk_sha256_update(&h->inner, key, key_len);
        lk_sha256_final(&h->inner, (uint8_t *)h->outer);
        key = (const uint8_t *)h->outer;
        key_len = LK_SHA256_BYTES;
    }
    h->inner.len_lo = LK_SHA256_BLOCK_BYTES;
    h->inner.len_hi = 0;
    key_block(h->inner.h, h->inner.w, key, key_len, 0x36u);
    key_block(h->outer, h->inner.w, key, key_len, 0x5cu); /* inner's block is free again */
}

void lk_hmac_final(struct lk_hmac *h, uint8_t out[LK_SHA256_BYTES])
{
    unsigned i;

    /* out holds the inner digest until the outer hash, continued in the
     * inner context, overwrites it */
    lk_sha256_final(&h->inner, out);
    for (i = 0; i < 8u; i++) {
        h->inner.h[i] = h->outer[i];
    }
    h->inner.len_lo = LK_SHA256_BLOCK_BYTES;
    lk_sha256_update(&h->inner, out, LK_SHA256_BYTES);
    lk_sha256_final(&h->inner, out);
    lk_wipe(h, sizeof *h);
}

#else /* LK_SHA256_ALT: HMAC on the vendor's three functions only */

/* Start c on the block key ^ x, zero-padded to 64 bytes. */
static void key_block(struct lk_sha256 *c, const uint8_t *key, size_t key_len, uint32_t x)
{
    uint8_t pad[LK_SHA256_BLOCK_BYTES];
    size_t i;

    for (i = 0; i < LK_SHA256_BLOCK_BYTES; i++) {
        pad[i] = (uint8_t)((i < key_len ? key[i] : 0u) ^ x);
    }
    lk_sha256_init(c);
    lk_sha256_update(c, pad, sizeof pad);
    lk_wipe(pad, sizeof pad);
}

void lk_hmac_init(struct lk_hmac *h, const uint8_t *key, size_t key_len)
{
    uint8_t kh[LK_SHA256_BYTES];

    if (key_len > LK_SHA256_BLOCK_BYTES) {
        lk_sha256_init(&h->inner);
        lk_sha256_update(&h->inner, key, key_len);
        lk_sha256_final(&h->inner, kh);
        key = kh;
        key_len = LK_SHA256_BYTES;
    }
    key_block(&h->inner, key, key_len, 0x36u);
    key_block(&h->outer, key, key_len, 0x5cu);
    lk_wipe(kh, sizeof kh);
}

void lk_hmac_final(struct lk_hmac *h, uint8_t out[LK_SHA256_BYTES])
{
    lk_sha256_final(&h->inner, out);
    lk_sha256_update(&h->outer, out, LK_SHA256_BYTES);
    lk_sha256_final(&h->outer, out);
    lk_wipe(h, sizeof *h); /* the finals wiped theirs; a vendor's may not */
}

#endif /* LK_SHA256_ALT */

void lk_hmac_update(struct lk_hmac *h, const void *data, size_t len)
{
    lk_sha256_update(&h->inner, data, len);
}

void lk_hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[LK_SHA256_BYTES])
{
    struct lk_hmac h;

    lk_hmac_init(&h, key, key_len);
    lk_hmac_update(&h, msg, msg_len);
    lk_hmac_final(&h, out);
}

int lk_ct_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = (const uint8_t *)a;
    const uint8_t *y = (const uint8_t *)b;
    uint32_t d = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        d |= (uint32_t)(x[i] ^ y[i]);
    }
    /* d is 0..255: d - 1 borrows into bit 8 only when d == 0 */
    return (int)(((d - 1u) >> 8) & 1u);
}

void lk_wipe(void *p, size_t n)
{
    volatile uint8_t *q = (volatile uint8_t *)p;

    while (n > 0u) {
        n--;
        q[n] = 0;
    }
}
