/* Little-endian field access and byte helpers: lib/ has no string.h. */
#ifndef LK_BYTES_H
#define LK_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline void lk_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void lk_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint16_t lk_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t lk_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline void lk_fill(uint8_t *p, uint8_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = v;
    }
}

static inline void lk_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        dst[i] = src[i];
    }
}

/* 1 if all n bytes equal v. */
static inline int lk_all(const uint8_t *p, uint8_t v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] != v) {
            return 0;
        }
    }
    return 1;
}

/* CRC-32 (IEEE 802.3, reflected, init and final xor 0xFFFFFFFF), continued
 * from crc (start with 0). lk_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t lk_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif /* LK_BYTES_H */
