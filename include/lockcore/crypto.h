/*
 * lockcore crypto: SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104), a
 * constant-time compare and a wipe that the compiler cannot drop.
 *
 * The SHA-256 core is replaceable (e.g. by a hardware hash engine): build
 * lib/sha256.c with -DLK_SHA256_ALT and provide lk_sha256_alt.h (defining
 * struct lk_sha256) and the three lk_sha256_* functions with the contracts
 * below. HMAC, lk_ct_equal and lk_wipe then run on top of them.
 *
 * Contexts are caller-owned (sizeof is public) and not thread-safe; use one
 * per computation. Pointers must not be NULL unless stated otherwise.
 */
#ifndef LOCKCORE_CRYPTO_H
#define LOCKCORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define LK_SHA256_BYTES 32u
#define LK_SHA256_BLOCK_BYTES 64u

#ifdef LK_SHA256_ALT
/* vendor defines struct lk_sha256 and implements the three lk_sha256_* functions (e.g. on
 * a hardware hash engine) */
#include "lk_sha256_alt.h"
#else
struct lk_sha256 {
    uint32_t h[8];
    uint32_t len_lo;
    uint32_t len_hi; /* message length so far, in bytes */
    uint32_t w[16];  /* the block being filled, as bytes in message order;
                        its message schedule while it is compressed */
};
#endif

/* Start a SHA-256 computation in c (any prior content is overwritten). */
void lk_sha256_init(struct lk_sha256 *c);
/* Hash len more bytes at data (data may be NULL when len is 0); c must have
 * been started by lk_sha256_init. Any number of calls, any chunk sizes. */
void lk_sha256_update(struct lk_sha256 *c, const void *data, size_t len);
/* Write the 32-byte digest of everything hashed since init to out, then
 * wipe c (init it again to reuse it). */
void lk_sha256_final(struct lk_sha256 *c, uint8_t out[LK_SHA256_BYTES]);

struct lk_hmac {
    struct lk_sha256 inner;
#ifdef LK_SHA256_ALT
    struct lk_sha256 outer;
#else
    uint32_t outer[8]; /* the outer hash's state after its key block: all it
                          needs until the final block */
#endif
};

/* Start an HMAC-SHA256 in h with a key of any length (key may be NULL when
 * key_len is 0); keys longer than 64 bytes are hashed first, per RFC 2104.
 * h holds no copy of the key, only key-derived state: wipe it if abandoned. */
void lk_hmac_init(struct lk_hmac *h, const uint8_t *key, size_t key_len);
/* Authenticate len more bytes at data (data may be NULL when len is 0). */
void lk_hmac_update(struct lk_hmac *h, const void *data, size_t len);
/* Write the 32-byte MAC to out, then wipe h. Truncate by comparing a prefix
 * of out with lk_ct_equal. */
void lk_hmac_final(struct lk_hmac *h, uint8_t out[LK_SHA256_BYTES]);
/* One-shot HMAC-SHA256 of msg_len bytes at msg under key (either may be NULL
 * when its length is 0) into out; wipes its own context. out may overlap
 * key or msg. */
void lk_hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[LK_SHA256_BYTES]);

/* 1 if the n bytes at a and b are equal, else 0; time depends on n only (no
 * early exit, no data-dependent branch). a and b may be NULL when n is 0. */
int lk_ct_equal(const void *a, const void *b, size_t n);
/* Overwrite n bytes at p with zeros through a volatile pointer so the
 * compiler cannot drop it (secrets). p may be NULL when n is 0. */
void lk_wipe(void *p, size_t n);

#endif /* LOCKCORE_CRYPTO_H */
