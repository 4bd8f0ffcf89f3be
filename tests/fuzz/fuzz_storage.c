/*
 * Fuzz the persisted storage image (docs/storage-format.md): the input
 * becomes the image lk_init mounts, then the lock is used: polls, a keypad
 * entry, a card, a token, every user and credential read, the audit log
 * read at and across its bounds, and an enrolment that must survive a
 * reboot (tests/fuzz/README.md).
 *
 * Input: byte 0 is the mode:
 *   bits 0-1  0: the rest of the input is the image (padded, see bit 4);
 *             1: u16 offset, then bytes XORed over a valid image from there;
 *             2: (u16 offset, u8 value) patches XORed over a valid image;
 *             3: the same patches, written over it
 *   bit 2     geometry: 0 NOR (16 KiB, erase 4096, prog 1, erased 0xFF),
 *             1 MCU flash (12 KiB, erase 2048, prog 8, erased 0x00)
 *   bit 3     device key: 0 from the port, 1 made by lockcore and kept in
 *             the store (so the image holds the key too)
 *   bit 4     mode 0: pad the image with the erase value (0) or the other (1)
 *   bit 5     then fix the CRCs: of both bank headers (where the magic is
 *             there), of every record the banks' record chains reach, and of
 *             every audit slot that is not erased, so the mutations reach
 *             past the CRC checks into what lockcore makes of the values
 * The valid images are made at start-up by using a lock: users and
 * credentials of several kinds, counters, a mode, an offline state, enough
 * churn for bank 1 to be the active one, and a wrapped audit ring.
 *
 * lk_init must succeed on any image (foreign data is wiped and formatted,
 * damaged records are dropped), the sim must see no breach of the flash
 * rules (lockcore never programs a byte that is not erased), every value
 * read back must be in range, and anything written after the mount must
 * survive a reboot.
 */
#include <stdlib.h>
#include <string.h>

#include "cred_internal.h"
#include "fuzz_common.h"

#define N_IMAGES 4u /* geometry x key */
static struct fz_snap snaps[N_IMAGES];

static const uint8_t card[4] = { 0x04, 0xA1, 0x22, 0x33 };

static void geometry(struct lk_sim_config *sc, unsigned mcu)
{
    lk_sim_default_config(sc);
    if (mcu) {
        lk_sim_config_geometry(sc, 12288, 2048, 8, 0x00);
    }
}

static void prepare(unsigned img)
{
    static const uint8_t finger[2] = { 0x00, 0x07 };
    struct lk_sim_config sc;
    struct lk_user u;
    unsigned i;

    geometry(&sc, img & 1u);
    sc.seed = 3;
    memset(&fz_cfg, 0, sizeof fz_cfg);
    fz_cfg.auto_relock_ms = 4000;
    fz_boot(&sc, !(img & 2u));
    memset(&u, 0, sizeof u);
    u.enabled = 1;
    u.type = LK_USER_UNRESTRICTED;
    FZ_ASSERT(lk_user_set(&fz_lk, 0, &u) == LK_OK);
    u.type = LK_USER_PROGRAMMING;
    FZ_ASSERT(lk_user_set(&fz_lk, 1, &u) == LK_OK);
    u.type = LK_USER_REMOTE_ONLY;
    FZ_ASSERT(lk_user_set(&fz_lk, 2, &u) == LK_OK);
    u.type = LK_USER_EXPIRING;
    u.expiring_min = 10;
    FZ_ASSERT(lk_user_set(&fz_lk, 3, &u) == LK_OK);
    u.type = LK_USER_WEEK_DAY;
    u.week_days = 0x3E;
    u.week_start_min = 8 * 60;
    u.week_end_min = 18 * 60;
    FZ_ASSERT(lk_user_set(&fz_lk, 4, &u) == LK_OK);
    FZ_ASSERT(lk_cred_set(&fz_lk, 0, LK_CRED_PIN, 0, (const uint8_t *)"246810", 6) == LK_OK);
    FZ_ASSERT(lk_cred_set(&fz_lk, 1, LK_CRED_RFID, 0, card, sizeof card) == LK_OK);
    FZ_ASSERT(lk_cred_set(&fz_lk, 2, LK_CRED_REMOTE_TOKEN, 2, NULL, 0) == LK_OK);
    FZ_ASSERT(lk_cred_set(&fz_lk, 3, LK_CRED_PROGRAMMING_PIN, 1, (const uint8_t *)"975310", 6) ==
              LK_OK);
    FZ_ASSERT(lk_cred_set(&fz_lk, 4, LK_CRED_FINGERPRINT, 3, finger, sizeof finger) == LK_OK);
    FZ_ASSERT(lk_cred_set(&fz_lk, 5, LK_CRED_PIN, 4, (const uint8_t *)"505050", 6) == LK_OK);
    FZ_ASSERT(lk_set_wall_time(&fz_lk, FZ_T0) == LK_OK);
    FZ_ASSERT(lk_offline_reset(&fz_lk, 5) == LK_OK);
    /* the expiring user's first use */
    FZ_ASSERT(lk_cred_present(&fz_lk, LK_CRED_FINGERPRINT, finger, sizeof finger) ==
              LK_VERDICT_GRANTED);
    fz_run(3000);
    /* churn: bank 1 becomes the active one */
    for (i = 0; fz_lk.store.active == 0u || i < 20u; i++) {
        FZ_ASSERT(i < 2000u);
        FZ_ASSERT(lk_set_mode(&fz_lk, (int)(i % 2u) * LK_MODE_NO_REMOTE) == LK_OK);
    }
    FZ_ASSERT(lk_set_mode(&fz_lk, LK_MODE_PASSAGE) == LK_OK);
    FZ_ASSERT(fz_keys("111222#") == LK_VERDICT_DENIED); /* counters */
    FZ_ASSERT(fz_keys("13579246#") == LK_VERDICT_DENIED);
    /* a wrapped audit ring: more events than it holds */
    for (i = 0; i < (unsigned)fz_lk.store.audit_blocks * fz_lk.store.audit_slots + 20u; i++) {
        FZ_ASSERT(lk_alarm_silence(&fz_lk, LK_INDEX_NONE, LK_INDEX_NONE) == LK_OK);
    }
    FZ_ASSERT(lk_set_mode(&fz_lk, LK_MODE_NORMAL) == LK_OK);
    fz_run(100);
    fz_snap_take(&snaps[img]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned i;

    (void)argc;
    (void)argv;
    fz_trace = getenv("LK_FUZZ_TRACE") != NULL;
    for (i = 0; i < N_IMAGES; i++) {
        prepare(i);
    }
    return 0;
}

static void build_image(uint8_t mode, struct fz_in *in)
{
    uint32_t size = fz_sim.cfg.storage_size;
    uint8_t *st = fz_sim.storage;

    switch (mode & 3u) {
    case 0: {
        uint8_t pad = fz_sim.cfg.erase_value;
        size_t n = (in->n < size) ? in->n : size;

        if (mode & 0x10u) {
            pad = (uint8_t)~pad;
        }
        memset(st, pad, size);
        memcpy(st, in->p, n);
        in->n = 0;
        break;
    }
    case 1: {
        uint32_t off = fz_u16(in) % size;

        while (in->n > 0u && off < size) {
            st[off++] ^= fz_u8(in);
        }
        break;
    }
    default:
        while (in->n > 0u) {
            uint32_t off = fz_u16(in) % size;
            uint8_t v = fz_u8(in);

            st[off] = (uint8_t)(((mode & 3u) == 2u) ? st[off] ^ v : v);
        }
        break;
    }
}

static int erased(const uint8_t *p, uint32_t n)
{
    while (n-- > 0u) {
        if (*p++ != fz_sim.cfg.erase_value) {
            return 0;
        }
    }
    return 1;
}

/* docs/storage-format.md: CRC-32 (lk_crc32) of bank header bytes 0..15 at
 * 16; of a record's bytes 0..3 and its value at 4; of "LKA" 0x01 and an
 * audit slot's bytes 0..19 at 20. */
static void fix_crcs(void)
{
    static const uint8_t audit_magic[4] = { 'L', 'K', 'A', 0x01 };
    const struct lk_store *st = &fz_lk.store; /* the snapshot's: this geometry's layout */
    uint8_t *img = fz_sim.storage;
    uint32_t prog = fz_sim.cfg.prog_size;
    uint32_t b;
    uint32_t i;

    for (b = 0; b < 2u; b++) {
        uint32_t base = b * st->bank;
        uint32_t off = base + st->hdr;

        if (memcmp(img + base, "LKR", 3) == 0) {
            lk_put32(img + base + 16, lk_crc32(0, img + base, 16));
        }
        while (off + 8u <= base + st->bank && !erased(img + off, 8)) {
            uint32_t len = img[off + 2];
            uint32_t total = (8u + len + prog - 1u) / prog * prog;

            if (off + total > base + st->bank) {
                break;
            }
            lk_put32(img + off + 4, lk_crc32(lk_crc32(0, img + off, 4), img + off + 8, len));
            off += total;
        }
    }
    for (i = 0; i < (uint32_t)st->audit_blocks * st->audit_slots; i++) {
        uint8_t *p = img + 2u * st->bank + (i / st->audit_slots) * st->blk +
                     (i % st->audit_slots) * st->slot;

        if (!erased(p, LK_AUDIT_ENTRY_BYTES)) {
            lk_put32(p + 20, lk_crc32(lk_crc32(0, audit_magic, 4), p, 20));
        }
    }
}

static int user_ok(const struct lk_user *u)
{
    return u->type < LK_USER_TYPE_COUNT_ && u->enabled <= 1u && u->rule <= LK_RULE_TRI &&
           u->week_days <= 0x7Fu &&
           (u->week_days == 0u ||
            (u->week_start_min < u->week_end_min && u->week_end_min <= 1440u)) &&
           (u->year_end_s == 0u || u->year_start_s < u->year_end_s) && u->expiring_min <= 2880u;
}

/* crafted: the image may hold audit entries lockcore never wrote (CRCs
 * fixed), so the bounds need not describe one ring's worth of history */
static void read_everything(int crafted)
{
    struct lk_user u;
    struct lk_event ev;
    struct lk_lockout_info li;
    uint32_t oldest = 0;
    uint32_t newest = 0;
    uint32_t cap = (uint32_t)fz_lk.store.audit_blocks * fz_lk.store.audit_slots;
    unsigned i;
    int rc;

    for (i = 0; i < LK_USERS_MAX; i++) {
        rc = lk_user_get(&fz_lk, (uint16_t)i, &u);
        FZ_RC(rc, LK_OK, LK_ERR_NOENT, LK_ERR_CORRUPT);
        if (rc == LK_OK && !user_ok(&u)) {
            fz_fail(__FILE__, __LINE__, "a stored user reads back valid", (long)i, u.type);
        }
    }
    for (i = 0; i < LK_CREDS_MAX; i++) {
        uint8_t type;
        uint16_t user;

        rc = lk_cred_get(&fz_lk, (uint16_t)i, &type, &user);
        FZ_RC(rc, LK_OK, LK_ERR_NOENT, LK_ERR_CORRUPT);
        if (rc == LK_OK && (type >= LK_CRED_TYPE_COUNT_ || user >= LK_USERS_MAX)) {
            fz_fail(__FILE__, __LINE__, "a stored credential reads back valid", type, user);
        }
    }
    FZ_ASSERT(lk_lockout_info(&fz_lk, &li) == LK_OK);
    rc = lk_get_mode(&fz_lk);
    FZ_ASSERT(rc >= 0 && rc < LK_MODE_COUNT_);
    rc = lk_audit_bounds(&fz_lk, &oldest, &newest);
    FZ_RC(rc, LK_OK, LK_ERR_NOENT);
    if (rc == LK_OK) {
        uint32_t seq;

        FZ_TRACE("  audit %u..%u (ring of %u)", (unsigned)oldest, (unsigned)newest, (unsigned)cap);
        if (!crafted && newest - oldest >= cap) {
            fz_fail(__FILE__, __LINE__, "audit bounds within the ring", (long)oldest, (long)newest);
        }
        /* Eight entries spread over the bounds, ends included: each read
         * scans the ring, so reading them all would cost a ring's square. */
        for (i = 0; i < 8u; i++) {
            seq = oldest + (uint32_t)(((uint64_t)(newest - oldest) * i) / 7u);
            rc = lk_audit_read(&fz_lk, seq, &ev);
            FZ_RC(rc, LK_OK, LK_ERR_NOENT);
        }
        /* Outside the bounds nothing is held. (Crafted sequence numbers may
         * lie anywhere, so "outside" has no meaning there.) */
        if (!crafted) {
            FZ_ASSERT(lk_audit_read(&fz_lk, newest + 1u, &ev) == LK_ERR_NOENT);
            FZ_ASSERT(lk_audit_read(&fz_lk, newest + 0x80000000u, &ev) == LK_ERR_NOENT);
            if (oldest != 0u) {
                FZ_ASSERT(lk_audit_read(&fz_lk, oldest - 1u, &ev) == LK_ERR_NOENT);
            }
        }
    } else {
        FZ_ASSERT(lk_audit_read(&fz_lk, 1u, &ev) == LK_ERR_NOENT); /* an empty log */
    }
}

static void use_it(void)
{
    uint8_t chal[16];
    uint8_t key[32];
    uint8_t mac[32];
    uint8_t msg[18];
    int rc;

    fz_run(200);
    rc = fz_keys("246810#");
    FZ_TRACE("  pin -> %d", rc);
    FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_VERDICT_NONE,
          LK_VERDICT_PROGRAMMING, LK_ERR_AGAIN, LK_ERR_BUSY);
    fz_run(3000);
    rc = lk_cred_present(&fz_lk, LK_CRED_RFID, card, sizeof card);
    FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_ERR_AGAIN,
          LK_ERR_BUSY);
    fz_run(3000);
    FZ_ASSERT(lk_token_challenge(&fz_lk, chal) == LK_OK);
    rc = lk_token_key(&fz_lk, 2, key);
    FZ_RC(rc, LK_OK, LK_ERR_NOENT, LK_ERR_CORRUPT);
    memcpy(msg, chal, 16);
    msg[16] = 0;
    msg[17] = 2;
    lk_hmac_sha256(key, 32, msg, sizeof msg, mac);
    rc = lk_token_response(&fz_lk, 2, mac);
    FZ_RC(rc, LK_VERDICT_DENIED, LK_VERDICT_GRANTED, LK_VERDICT_PENDING, LK_ERR_AGAIN,
          LK_ERR_BUSY);
    fz_run(5000);
}

/* Enrol a user and a PIN where the image has room; what was stored must be
 * there after a reboot. */
static void enrol_and_reboot(void)
{
    struct lk_user u;
    struct lk_user back;
    uint16_t ui = 0xFFFF;
    uint16_t ci = 0xFFFF;
    int urc = -1;
    int crc = -1;
    int mrc;
    int rc;
    uint8_t type;
    uint16_t owner;

    memset(&u, 0, sizeof u);
    u.type = LK_USER_YEAR_DAY;
    u.enabled = 1;
    u.rule = LK_RULE_SINGLE;
    u.year_start_s = FZ_T0;
    u.year_end_s = FZ_T0 + 86400u;
    rc = lk_free_index(&fz_lk, 0, &ui);
    FZ_RC(rc, LK_OK, LK_ERR_NOSPC);
    if (rc == LK_OK) {
        urc = lk_user_set(&fz_lk, ui, &u);
        FZ_TRACE("  enrol user %u -> %d", ui, urc);
        FZ_RC(urc, LK_OK, LK_ERR_NOSPC, LK_ERR_CORRUPT);
    }
    if (urc == LK_OK && lk_free_index(&fz_lk, 1, &ci) == LK_OK) {
        crc = lk_cred_set(&fz_lk, ci, LK_CRED_PIN, ui, (const uint8_t *)"580147", 6);
        FZ_TRACE("  enrol cred %u -> %d", ci, crc);
        FZ_RC(crc, LK_OK, LK_ERR_NOSPC, LK_ERR_EXIST, LK_ERR_CORRUPT);
    }
    mrc = lk_set_mode(&fz_lk, LK_MODE_NO_REMOTE);
    FZ_RC(mrc, LK_OK, LK_ERR_NOSPC);
    rc = fz_reboot();
    FZ_TRACE("  reboot -> %d", rc);
    if (rc != LK_OK) {
        fz_fail(__FILE__, __LINE__, "reboot after writing to a mounted image", rc, 0);
    }
    fz_check_world();
    if (urc == LK_OK) {
        rc = lk_user_get(&fz_lk, ui, &back);
        if (rc != LK_OK || back.type != u.type || back.year_end_s != u.year_end_s) {
            fz_fail(__FILE__, __LINE__, "an enrolled user survives a reboot", rc, ui);
        }
    }
    if (crc == LK_OK) {
        rc = lk_cred_get(&fz_lk, ci, &type, &owner);
        if (rc != LK_OK || type != LK_CRED_PIN || owner != ui) {
            fz_fail(__FILE__, __LINE__, "an enrolled credential survives a reboot", rc, ci);
        }
    }
    if (mrc == LK_OK) {
        FZ_ASSERT(lk_get_mode(&fz_lk) == LK_MODE_NO_REMOTE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_in in = { data, size };
    uint8_t mode = fz_u8(&in);
    unsigned img = ((mode >> 2) & 1u) | ((mode >> 2) & 2u);
    int rc;

    fz_ev_reset();
    fz_snap_restore(&snaps[img]);
    build_image(mode, &in);
    if (mode & 0x20u) {
        fix_crcs();
    }
    FZ_TRACE("mode 0x%02x image %u", mode, img);
    rc = fz_reboot();
    FZ_TRACE("  lk_init -> %d", rc);
    if (rc != LK_OK) {
        fz_fail(__FILE__, __LINE__, "lk_init mounts any image", rc, 0);
    }
    fz_check_world();
    read_everything((mode & 0x20u) != 0u);
    use_it();
    enrol_and_reboot();
    read_everything((mode & 0x20u) != 0u);
    return 0;
}
