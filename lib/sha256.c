/* SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104), constant-time compare and
 * wipe. Written for size, not speed: one rolled 64-round loop over a
 * 16-word circular message schedule. With LK_SHA256_ALT the vendor supplies
 * the three lk_sha256_* functions; everything else here runs on top of them. */
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

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One 64-byte block into the chaining state h. The working state and the
 * schedule are key-derived under HMAC, so they are wiped on the way out. */
static void compress(uint32_t h[8], const uint8_t *blk)
{
    uint32_t w[16];
    uint32_t s[8]; /* a..h */
    uint32_t t1;
    uint32_t t2;
    unsigned i;
    unsigned j;

    for (i = 0; i < 8u; i++) {
        s[i] = h[i];
    }
    for (i = 0; i < 64u; i++) {
        if (i < 16u) {
            j = 4u * i;
            w[i] = ((uint32_t)blk[j] << 24) | ((uint32_t)blk[j + 1u] << 16) |
                   ((uint32_t)blk[j + 2u] << 8) | (uint32_t)blk[j + 3u];
        } else {
            t1 = w[(i - 2u) & 15u];
            t2 = w[(i - 15u) & 15u];
            w[i & 15u] += (ror(t1, 17) ^ ror(t1, 19) ^ (t1 >> 10)) + w[(i - 7u) & 15u] +
                          (ror(t2, 7) ^ ror(t2, 18) ^ (t2 >> 3));
        }
        t1 = s[7] + (ror(s[4], 6) ^ ror(s[4], 11) ^ ror(s[4], 25)) +
             ((s[4] & s[5]) ^ (~s[4] & s[6])) + sha256_k[i] + w[i & 15u];
        t2 = (ror(s[0], 2) ^ ror(s[0], 13) ^ ror(s[0], 22)) +
             ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
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
    lk_wipe(w, sizeof w);
    lk_wipe(s, sizeof s);
}

void lk_sha256_init(struct lk_sha256 *c)
{
    unsigned i;

    for (i = 0; i < 8u; i++) {
        c->h[i] = sha256_iv[i];
    }
    c->len_lo = 0;
    c->len_hi = 0;
    c->fill = 0;
}

void lk_sha256_update(struct lk_sha256 *c, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;

    while (len > 0u) {
        len--;
        c->buf[c->fill] = *p++;
        c->fill++;
        if (c->fill == LK_SHA256_BLOCK_BYTES) {
            compress(c->h, c->buf);
            c->fill = 0;
        }
        c->len_lo++;
        if (c->len_lo == 0u) {
            c->len_hi++;
        }
    }
}

void lk_sha256_final(struct lk_sha256 *c, uint8_t out[LK_SHA256_BYTES])
{
    /* the length in bits, taken before the padding counts itself in */
    uint32_t bits_hi = (c->len_hi << 3) | (c->len_lo >> 29);
    uint32_t bits_lo = c->len_lo << 3;
    uint8_t b = 0x80;
    size_t i; /* indexes out: 4u * i is then a size_t offset, not a widened u32 */

    do {
        lk_sha256_update(c, &b, 1);
        b = 0;
    } while (c->fill != LK_SHA256_BLOCK_BYTES - 8u);
    put32be(c->buf + 56, bits_hi);
    put32be(c->buf + 60, bits_lo);
    compress(c->h, c->buf);
    for (i = 0; i < 8u; i++) {
        put32be(out + 4u * i, c->h[i]);
    }
    lk_wipe(c, sizeof *c);
}

#endif /* !LK_SHA256_ALT */

void lk_hmac_init(struct lk_hmac *h, const uint8_t *key, size_t key_len)
{
    uint8_t pad[LK_SHA256_BLOCK_BYTES];
    size_t i;

    if (key_len > LK_SHA256_BLOCK_BYTES) {
        /* inner is the scratch context here: it is started afresh below */
        lk_sha256_init(&h->inner);
        lk_sha256_update(&h->inner, key, key_len);
        lk_sha256_final(&h->inner, pad);
        key = pad;
        key_len = LK_SHA256_BYTES;
    }
    /* in place when key == pad: byte i is read before it is written */
    for (i = 0; i < LK_SHA256_BLOCK_BYTES; i++) {
        pad[i] = (uint8_t)((i < key_len ? key[i] : 0u) ^ 0x36u);
    }
    lk_sha256_init(&h->inner);
    lk_sha256_update(&h->inner, pad, sizeof pad);
    for (i = 0; i < LK_SHA256_BLOCK_BYTES; i++) {
        pad[i] ^= 0x36u ^ 0x5cu;
    }
    lk_sha256_init(&h->outer);
    lk_sha256_update(&h->outer, pad, sizeof pad);
    lk_wipe(pad, sizeof pad);
}

void lk_hmac_update(struct lk_hmac *h, const void *data, size_t len)
{
    lk_sha256_update(&h->inner, data, len);
}

void lk_hmac_final(struct lk_hmac *h, uint8_t out[LK_SHA256_BYTES])
{
    uint8_t ih[LK_SHA256_BYTES];

    lk_sha256_final(&h->inner, ih);
    lk_sha256_update(&h->outer, ih, sizeof ih);
    lk_sha256_final(&h->outer, out);
    lk_wipe(ih, sizeof ih);
    lk_wipe(h, sizeof *h); /* the finals wiped theirs; an ALT context may differ */
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
