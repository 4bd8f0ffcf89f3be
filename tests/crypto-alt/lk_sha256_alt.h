/* A vendor's SHA-256 context, as lockcore/crypto.h includes it under
 * LK_SHA256_ALT. This test "vendor" keeps the reference implementation's
 * context as bytes (alt.c copies it in and out) behind a marker that proves
 * the context went through this vendor's init. */
#ifndef LK_SHA256_ALT_H
#define LK_SHA256_ALT_H

#include <stdint.h>

#define ALT_MAGIC 0x5a17c0deu

struct lk_sha256 {
    uint32_t magic;
    uint32_t ref[32]; /* room for the reference context (alt.c checks) */
};

#endif /* LK_SHA256_ALT_H */
