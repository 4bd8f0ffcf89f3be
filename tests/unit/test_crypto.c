/* SHA-256 against the FIPS 180-4 / NIST examples, HMAC-SHA256 against all of
 * RFC 4231, chunking and padding boundaries, the constant-time compare and
 * the wipe. Expected values are the published ones (and, where marked,
 * Python's hashlib/hmac), never this code's own output. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lockcore/crypto.h"

TestSuite(crypto);

/* hex (lower case, even length, at most 2 * max digits) into out; its length */
static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = strlen(hex) / 2;
    size_t i;
    unsigned v;

    cr_assert(n <= max);
    for (i = 0; i < n; i++) {
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void assert_digest(const uint8_t *got, const char *want_hex, const char *what)
{
    uint8_t want[LK_SHA256_BYTES];
    size_t n = unhex(want_hex, want, sizeof want);

    cr_assert(memcmp(got, want, n) == 0, "%s: digest differs from %s", what, want_hex);
}

static uint8_t million_a[1000000];

struct sha_vector {
    const char *name;
    const uint8_t *msg;
    size_t len;
    const char *digest;
};

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"). */
static const struct sha_vector *nist(size_t *n)
{
    static struct sha_vector v[5];

    memset(million_a, 'a', sizeof million_a);
    v[0] = (struct sha_vector){"abc", (const uint8_t *)"abc", 3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"};
    v[1] = (struct sha_vector){"448-bit",
        (const uint8_t *)"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"};
    v[2] = (struct sha_vector){"896-bit",
        (const uint8_t *)"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                         "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"};
    v[3] = (struct sha_vector){"empty", (const uint8_t *)"", 0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"};
    v[4] = (struct sha_vector){"million a", million_a, sizeof million_a,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"};
    *n = 5;
    return v;
}

static void sha_chunked(const uint8_t *msg, size_t len, size_t chunk, uint8_t out[32])
{
    struct lk_sha256 c;
    size_t off = 0;
    size_t k;

    lk_sha256_init(&c);
    while (off < len) {
        k = len - off < chunk ? len - off : chunk;
        lk_sha256_update(&c, msg + off, k);
        off += k;
    }
    lk_sha256_final(&c, out);
}

Test(crypto, sha256_nist_examples)
{
    size_t n;
    const struct sha_vector *v = nist(&n);
    size_t i;
    struct lk_sha256 c;
    uint8_t out[LK_SHA256_BYTES];

    for (i = 0; i < n; i++) {
        lk_sha256_init(&c);
        lk_sha256_update(&c, v[i].msg, v[i].len);
        lk_sha256_final(&c, out);
        assert_digest(out, v[i].digest, v[i].name);
    }
}

Test(crypto, sha256_any_chunking_gives_the_same_digest)
{
    static const size_t chunks[] = {1, 3, 63, 64, 65};
    size_t n;
    const struct sha_vector *v = nist(&n);
    size_t i;
    size_t k;
    uint8_t out[LK_SHA256_BYTES];
    char what[64];

    for (i = 0; i < n; i++) {
        for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
            sha_chunked(v[i].msg, v[i].len, chunks[k], out);
            snprintf(what, sizeof what, "%s in %zu-byte chunks", v[i].name, chunks[k]);
            assert_digest(out, v[i].digest, what);
        }
    }
}

/* Lengths around the 55/56-byte padding split and the block size: expected
 * values from Python's hashlib.sha256(b"a" * n). */
Test(crypto, sha256_padding_boundaries)
{
    static const struct {
        size_t n;
        const char *digest;
    } v[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    uint8_t msg[120];
    uint8_t out[LK_SHA256_BYTES];
    char what[32];
    size_t i;

    memset(msg, 'a', sizeof msg);
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        sha_chunked(msg, v[i].n, v[i].n, out);
        snprintf(what, sizeof what, "%zu x 'a'", v[i].n);
        assert_digest(out, v[i].digest, what);
        sha_chunked(msg, v[i].n, 7, out);
        assert_digest(out, v[i].digest, what);
    }
}

Test(crypto, sha256_null_data_with_zero_length)
{
    struct lk_sha256 c;
    uint8_t out[LK_SHA256_BYTES];

    lk_sha256_init(&c);
    lk_sha256_update(&c, NULL, 0);
    lk_sha256_update(&c, "abc", 3);
    lk_sha256_update(&c, NULL, 0);
    lk_sha256_final(&c, out);
    assert_digest(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                  "abc around empty updates");
}

Test(crypto, sha256_byte_count_carries_into_the_high_word)
{
    struct lk_sha256 c;

    lk_sha256_init(&c);
    c.len_lo = 0xFFFFFFFFu;
    lk_sha256_update(&c, "x", 1);
    cr_assert_eq(c.len_lo, 0u);
    cr_assert_eq(c.len_hi, 1u);
}

/* The 64-bit bit count in the last block, beyond what a test can hash for
 * real: "abc" ending a message of 0xE_2000_0003 bytes (bit count
 * 0x71_0000_0018). Expected value: an independent pure-Python SHA-256 (checked
 * against hashlib) fed that last block. */
Test(crypto, sha256_encodes_lengths_past_32_bits)
{
    struct lk_sha256 c;
    uint8_t out[LK_SHA256_BYTES];

    lk_sha256_init(&c);
    c.len_hi = 0x0Eu;
    c.len_lo = 0x20000000u;
    lk_sha256_update(&c, "abc", 3);
    lk_sha256_final(&c, out);
    assert_digest(out, "06859aede739bfddfe8366f18df6697838f8031b03d656f6127891a1251b26cc",
                  "abc at byte count 0xE20000003");
}

Test(crypto, sha256_final_wipes_the_context)
{
    struct lk_sha256 c;
    uint8_t out[LK_SHA256_BYTES];
    static const uint8_t zero[sizeof(struct lk_sha256)];

    lk_sha256_init(&c);
    lk_sha256_update(&c, "secret", 6);
    lk_sha256_final(&c, out);
    cr_assert(memcmp(&c, zero, sizeof c) == 0);
}

struct hmac_vector {
    uint8_t key[131];
    size_t key_len;
    uint8_t data[152];
    size_t data_len;
    const char *mac; /* RFC 4231 compares only the first 16 bytes of case 5 */
};

/* RFC 4231 section 4, test cases 1..7. */
static void rfc4231(struct hmac_vector v[7])
{
    static const char d6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char d7[] = "This is a test using a larger than block-size key and a larger "
                             "than block-size data. The key needs to be hashed before being "
                             "used by the HMAC algorithm.";
    size_t i;

    memset(v, 0, 7 * sizeof v[0]);
    memset(v[0].key, 0x0b, v[0].key_len = 20);
    memcpy(v[0].data, "Hi There", v[0].data_len = 8);
    v[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";

    memcpy(v[1].key, "Jefe", v[1].key_len = 4);
    memcpy(v[1].data, "what do ya want for nothing?", v[1].data_len = 28);
    v[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    memset(v[2].key, 0xaa, v[2].key_len = 20);
    memset(v[2].data, 0xdd, v[2].data_len = 50);
    v[2].mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";

    for (i = 0; i < 25; i++) {
        v[3].key[i] = (uint8_t)(i + 1);
    }
    v[3].key_len = 25;
    memset(v[3].data, 0xcd, v[3].data_len = 50);
    v[3].mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";

    memset(v[4].key, 0x0c, v[4].key_len = 20);
    memcpy(v[4].data, "Test With Truncation", v[4].data_len = 20);
    v[4].mac = "a3b6167473100ee06e0c796c2955552b";

    memset(v[5].key, 0xaa, v[5].key_len = 131);
    memcpy(v[5].data, d6, v[5].data_len = sizeof d6 - 1);
    v[5].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";

    memset(v[6].key, 0xaa, v[6].key_len = 131);
    memcpy(v[6].data, d7, v[6].data_len = sizeof d7 - 1);
    v[6].mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
}

static void assert_mac(const uint8_t *got, const char *want_hex, int tc, const char *how)
{
    uint8_t want[LK_SHA256_BYTES];
    size_t n = unhex(want_hex, want, sizeof want);

    cr_assert_eq(n, tc == 5 ? 16u : 32u);
    cr_assert(memcmp(got, want, n) == 0, "RFC 4231 case %d (%s) differs", tc, how);
    cr_assert(lk_ct_equal(got, want, n), "RFC 4231 case %d (%s): lk_ct_equal", tc, how);
}

Test(crypto, hmac_rfc4231_all_cases_one_shot)
{
    struct hmac_vector v[7];
    uint8_t out[LK_SHA256_BYTES];
    int i;

    rfc4231(v);
    for (i = 0; i < 7; i++) {
        lk_hmac_sha256(v[i].key, v[i].key_len, v[i].data, v[i].data_len, out);
        assert_mac(out, v[i].mac, i + 1, "one shot");
    }
}

Test(crypto, hmac_rfc4231_all_cases_streamed)
{
    static const size_t chunks[] = {1, 3, 63, 64, 65};
    struct hmac_vector v[7];
    struct lk_hmac h;
    uint8_t out[LK_SHA256_BYTES];
    size_t k;
    size_t off;
    size_t n;
    int i;

    rfc4231(v);
    for (i = 0; i < 7; i++) {
        for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
            lk_hmac_init(&h, v[i].key, v[i].key_len);
            for (off = 0; off < v[i].data_len; off += n) {
                n = v[i].data_len - off < chunks[k] ? v[i].data_len - off : chunks[k];
                lk_hmac_update(&h, v[i].data + off, n);
            }
            lk_hmac_final(&h, out);
            assert_mac(out, v[i].mac, i + 1, "streamed");
        }
    }
}

/* Keys at and just past the block size (hashed only past it), and the empty
 * key and message: expected values from Python's hmac.new(key, msg, sha256). */
Test(crypto, hmac_key_length_boundaries)
{
    uint8_t key[65];
    uint8_t out[LK_SHA256_BYTES];

    memset(key, 0x55, sizeof key);
    lk_hmac_sha256(key, 64, "x", 1, out);
    assert_digest(out, "a05d203ff38ae1799782be564cd00c7471528a19a7fecd341005aaaae161ec31",
                  "64-byte key");
    lk_hmac_sha256(key, 65, "x", 1, out);
    assert_digest(out, "06e9fcfa84357fde25773c5d29b4760c9841bc398f07cbc51c4db146b221753e",
                  "65-byte key");
    lk_hmac_sha256(NULL, 0, NULL, 0, out);
    assert_digest(out, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
                  "empty key and message");
}

Test(crypto, hmac_final_wipes_the_context)
{
    struct lk_hmac h;
    uint8_t out[LK_SHA256_BYTES];
    static const uint8_t zero[sizeof(struct lk_hmac)];

    lk_hmac_init(&h, (const uint8_t *)"Jefe", 4);
    lk_hmac_update(&h, "msg", 3);
    lk_hmac_final(&h, out);
    cr_assert(memcmp(&h, zero, sizeof h) == 0);
}

Test(crypto, ct_equal)
{
    uint8_t a[32];
    uint8_t b[32];
    size_t i;
    unsigned bit;

    for (i = 0; i < sizeof a; i++) {
        a[i] = b[i] = (uint8_t)(i * 37u + 1u);
    }
    cr_assert_eq(lk_ct_equal(a, b, sizeof a), 1, "equal");
    cr_assert_eq(lk_ct_equal(a, a, sizeof a), 1, "same buffer");
    cr_assert_eq(lk_ct_equal(a, b, 0), 1, "n = 0");
    cr_assert_eq(lk_ct_equal(NULL, NULL, 0), 1, "NULL with n = 0");

    b[0] ^= 0x80;
    cr_assert_eq(lk_ct_equal(a, b, sizeof a), 0, "first byte differs");
    cr_assert_eq(lk_ct_equal(a, b, 0), 1, "n = 0 looks at nothing");
    cr_assert_eq(lk_ct_equal(a + 1, b + 1, sizeof a - 1), 1, "difference outside the range");
    b[0] ^= 0x80;

    b[31] ^= 0x01;
    cr_assert_eq(lk_ct_equal(a, b, sizeof a), 0, "last byte differs");
    cr_assert_eq(lk_ct_equal(a, b, sizeof a - 1), 1, "difference outside the range");
    b[31] ^= 0x01;

    /* every single-bit difference, at every position */
    for (i = 0; i < sizeof a; i++) {
        for (bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            cr_assert_eq(lk_ct_equal(a, b, sizeof a), 0, "byte %zu bit %u", i, bit);
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* all bytes different (a difference of 0xFF everywhere) */
    memset(a, 0x00, sizeof a);
    memset(b, 0xFF, sizeof b);
    cr_assert_eq(lk_ct_equal(a, b, sizeof a), 0, "all differ");
}

Test(crypto, wipe_zeroes_exactly_the_range)
{
    uint8_t buf[40];
    size_t i;

    memset(buf, 0xA5, sizeof buf);
    lk_wipe(buf + 4, 32);
    for (i = 0; i < sizeof buf; i++) {
        cr_assert_eq(buf[i], (i < 4 || i >= 36) ? 0xA5 : 0x00, "byte %zu", i);
    }
    lk_wipe(buf, 0);
    cr_assert_eq(buf[0], 0xA5, "n = 0 writes nothing");
    lk_wipe(NULL, 0);
}
