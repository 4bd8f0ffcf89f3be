/* Proves the LK_SHA256_ALT hook: the library's HMAC (lib/sha256.c built with
 * -DLK_SHA256_ALT, linked in) must run on the lk_sha256_* below, which count
 * their calls and delegate to the reference implementation, compiled into
 * this file from lib/sha256.c under ref_* names. Exit status 0 = pass. */
#include <stdio.h>
#include <string.h>

/* The reference, in its default (non-ALT) form, every public name renamed. */
#undef LK_SHA256_ALT
#define lk_sha256 ref_sha256
#define lk_sha256_init ref_sha256_init
#define lk_sha256_update ref_sha256_update
#define lk_sha256_final ref_sha256_final
#define lk_hmac ref_hmac
#define lk_hmac_init ref_hmac_init
#define lk_hmac_update ref_hmac_update
#define lk_hmac_final ref_hmac_final
#define lk_hmac_sha256 ref_hmac_sha256
#define lk_ct_equal ref_ct_equal
#define lk_wipe ref_wipe
#include "sha256.c"
#undef lk_sha256
#undef lk_sha256_init
#undef lk_sha256_update
#undef lk_sha256_final
#undef lk_hmac
#undef lk_hmac_init
#undef lk_hmac_update
#undef lk_hmac_final
#undef lk_hmac_sha256
#undef lk_ct_equal
#undef lk_wipe

/* The public header again, now as the ALT library sees it. */
#undef LOCKCORE_CRYPTO_H
#define LK_SHA256_ALT
#include "lockcore/crypto.h"

static unsigned n_init;
static unsigned n_update;
static unsigned n_final;
static unsigned n_unstarted; /* update/final on a context this vendor did not init */

void lk_sha256_init(struct lk_sha256 *c)
{
    struct ref_sha256 r;

    n_init++;
    ref_sha256_init(&r);
    memcpy(c->ref, &r, sizeof r);
    c->magic = ALT_MAGIC;
}

void lk_sha256_update(struct lk_sha256 *c, const void *data, size_t len)
{
    struct ref_sha256 r;

    n_update++;
    if (c->magic != ALT_MAGIC) {
        n_unstarted++;
    }
    memcpy(&r, c->ref, sizeof r);
    ref_sha256_update(&r, data, len);
    memcpy(c->ref, &r, sizeof r);
}

void lk_sha256_final(struct lk_sha256 *c, uint8_t out[LK_SHA256_BYTES])
{
    struct ref_sha256 r;

    n_final++;
    if (c->magic != ALT_MAGIC) {
        n_unstarted++;
    }
    memcpy(&r, c->ref, sizeof r);
    ref_sha256_final(&r, out);
    memset(c, 0, sizeof *c);
}

static int check(const char *what, const uint8_t *key, size_t key_len, const char *msg,
                 const uint8_t want[LK_SHA256_BYTES])
{
    uint8_t out[LK_SHA256_BYTES];

    n_init = n_update = n_final = n_unstarted = 0;
    lk_hmac_sha256(key, key_len, msg, strlen(msg), out);
    printf("%s: init %u, update %u, final %u calls to the ALT functions\n", what, n_init,
           n_update, n_final);
    if (memcmp(out, want, LK_SHA256_BYTES) != 0) {
        printf("FAIL: %s: wrong MAC\n", what);
        return 1;
    }
    if (n_init < 2 || n_update < 3 || n_final < 2 || n_unstarted != 0) {
        printf("FAIL: %s: the HMAC did not run on the ALT SHA-256\n", what);
        return 1;
    }
    return 0;
}

int main(void)
{
    /* RFC 4231 test case 2 */
    static const uint8_t mac2[LK_SHA256_BYTES] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26,
        0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
        0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
    };
    /* RFC 4231 test case 6 (a 131-byte key: hashed first, also on the ALT side) */
    static const uint8_t mac6[LK_SHA256_BYTES] = {
        0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26, 0xaa,
        0xcb, 0xf5, 0xb7, 0x7f, 0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14,
        0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54,
    };
    uint8_t key6[131];
    int fails = 0;

    if (sizeof(struct ref_sha256) > sizeof(((struct lk_sha256 *)0)->ref)) {
        printf("FAIL: the test's ALT context is too small for the reference one\n");
        return 1;
    }
    fails += check("RFC 4231 case 2", (const uint8_t *)"Jefe", 4,
                   "what do ya want for nothing?", mac2);
    memset(key6, 0xaa, sizeof key6);
    fails += check("RFC 4231 case 6", key6, sizeof key6,
                   "Test Using Larger Than Block-Size Key - Hash Key First", mac6);
    if (fails == 0) {
        printf("ok: lk_hmac_sha256 ran on the LK_SHA256_ALT implementation\n");
    }
    return fails != 0;
}
