/*
 * cred_rec: the credential engine's persistence. Every value carries a MAC
 * under the device key bound to its record key, so an edited image (a user
 * added, rights raised, a counter zeroed) fails the check; secrets are kept
 * only as HMAC digests under the same key. Layout: docs/storage-format.md.
 */
#include "cred_internal.h"

/* Start h under the device key with the 5 bytes at in: the label "LK" and
 * tag (written here), then in[3] and in[4] as the caller set them. */
static void hmac_start(const struct lk_lock *lk, struct lk_hmac *h, uint8_t *in, uint8_t tag)
{
    in[0] = 'L';
    in[1] = 'K';
    in[2] = tag;
    lk_hmac_init(h, lk->cred.key, sizeof lk->cred.key);
    lk_hmac_update(h, in, 5);
}

void lk_cred_digest(const struct lk_lock *lk, uint8_t type, const uint8_t *data, size_t len,
                    uint8_t out[LK_SHA256_BYTES])
{
    struct lk_hmac h;
    uint8_t in[8];
    uint32_t i;

    in[3] = (type == LK_CRED_PROGRAMMING_PIN) ? (uint8_t)LK_CRED_PIN : type;
    in[4] = (uint8_t)len;
    hmac_start(lk, &h, in, 'D');
    /* Zero-padded to a fixed size with a branch-free copy (data[0] stands
     * in past the end), so the cost is the same for any length: a real
     * window and a dummy one cost alike. */
    for (i = 0; i < DIGEST_IN_BYTES; i++) {
        uint32_t m = 0u - ((i - (uint32_t)len) >> 31); /* all ones while i < len */

        in[i & 7u] = (uint8_t)(data[i & m] & m);
        if ((i & 7u) == 7u) {
            lk_hmac_update(&h, in, sizeof in);
        }
    }
    lk_hmac_final(&h, out);
    lk_wipe(in, sizeof in);
}

/* The MAC of key's value val (len bytes). put != NULL: its first MAC_BYTES
 * into put (returns 1); else 1 if they equal val[len..], 0 if not. */
static int rec_mac(const struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len,
                   uint8_t *put)
{
    struct lk_hmac h;
    uint8_t mac[LK_SHA256_BYTES];
    int ok = 1;

    lk_put16(mac + 3, key);
    hmac_start(lk, &h, mac, 'M');
    lk_hmac_update(&h, val, len);
    lk_hmac_final(&h, mac);
    if (put != NULL) {
        lk_copy(put, mac, MAC_BYTES);
    } else {
        ok = lk_ct_equal(mac, val + len, MAC_BYTES);
    }
    lk_wipe(mac, sizeof mac);
    return ok;
}

int lk_rec_mac_ok(const struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len)
{
    return rec_mac(lk, key, val, len, NULL);
}

int lk_rec_read(struct lk_lock *lk, uint16_t key, uint8_t *rec, uint8_t len)
{
    uint8_t got = 0;
    /* A longer record does not fit (NOSPC): not one of ours either. */
    int rc = lk_store_get(lk, key, rec, (uint8_t)(len + MAC_BYTES), &got);

    if (rc == LK_OK && got == len + MAC_BYTES) {
        return rec_mac(lk, key, rec, len, NULL) ? LK_OK : LK_ERR_CORRUPT;
    }
    return (rc == LK_OK || rc == LK_ERR_NOSPC) ? LK_ERR_CORRUPT : rc;
}

int lk_rec_write(struct lk_lock *lk, uint16_t key, uint8_t *rec, uint8_t len)
{
    (void)rec_mac(lk, key, rec, len, rec + len);
    return lk_store_set(lk, key, rec, (uint8_t)(len + MAC_BYTES));
}

int lk_rec_get(struct lk_lock *lk, uint16_t key, uint8_t *val, uint8_t len)
{
    uint8_t buf[OFFLINE_BYTES + MAC_BYTES]; /* the largest record */
    int rc = LK_ERR_RANGE;

    if (len <= sizeof buf - MAC_BYTES) {
        rc = lk_rec_read(lk, key, buf, len);
    }
    if (rc == LK_OK) {
        lk_copy(val, buf, len);
    }
    lk_wipe(buf, sizeof buf);
    return rc;
}

int lk_lockout_save(struct lk_lock *lk)
{
    const struct lk_cred *c = &lk->cred;
    uint8_t v[LOCKOUT_BYTES + MAC_BYTES];

    v[0] = c->attempts;
    lk_put16(v + 1, c->guesses);
    v[3] = c->tier;
    v[4] = (uint8_t)(c->locked != 0u);
    return lk_rec_write(lk, KEY_LOCKOUT, v, LOCKOUT_BYTES);
}

/* On a little-endian target without padding inside its first 18 bytes,
 * a user record is struct lk_user's own first 18 bytes, then first_use_s
 * (after two bytes of padding in the struct): copied, not field by field. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define USER_AS_BYTES (offsetof(struct lk_user, expiring_min) == 16u)
#else
#define USER_AS_BYTES 0
#endif

void lk_user_encode(const struct lk_user *u, uint8_t *v)
{
    if (USER_AS_BYTES) {
        lk_copy(v, (const uint8_t *)u, 18);
        lk_put32(v + 18, u->first_use_s);
        return;
    }
    v[0] = u->type;
    v[1] = u->enabled;
    v[2] = u->rule;
    v[3] = u->week_days;
    lk_put16(v + 4, u->week_start_min);
    lk_put16(v + 6, u->week_end_min);
    lk_put32(v + 8, u->year_start_s);
    lk_put32(v + 12, u->year_end_s);
    lk_put16(v + 16, u->expiring_min);
    lk_put32(v + 18, u->first_use_s);
}

void lk_user_decode(const uint8_t *v, struct lk_user *u)
{
    if (USER_AS_BYTES) {
        lk_copy((uint8_t *)u, v, 18);
        u->first_use_s = lk_get32(v + 18);
        return;
    }
    u->type = v[0];
    u->enabled = v[1];
    u->rule = v[2];
    u->week_days = v[3];
    u->week_start_min = lk_get16(v + 4);
    u->week_end_min = lk_get16(v + 6);
    u->year_start_s = lk_get32(v + 8);
    u->year_end_s = lk_get32(v + 12);
    u->expiring_min = lk_get16(v + 16);
    u->first_use_s = lk_get32(v + 18);
}

/* Notes lk_cred_init leaves for lk_cred_boot_events. */
#define BOOT_TAMPERED 0x80u /* counters missing or forged: lock out, alarm */
#define BOOT_OVER 0x40u     /* counters at the limit, lockout not yet saved */

/* What lk_cred_init's one pass over the store found: whether any user
 * record was seen, and the latest values of the counters (0) and the mode
 * (1) as lk_rec_read would read them (got: length + 1; 0 none or deleted). */
struct boot {
    uint8_t users;
    uint8_t got[2];
    uint8_t val[2][LOCKOUT_BYTES + MAC_BYTES];
};

static void boot_rec(void *ctx, uint16_t key, const uint8_t *val, uint8_t len)
{
    struct boot *b = ctx;
    unsigned i = (unsigned)key - KEY_LOCKOUT;

    if (key >= KEY_USER0) {
        b->users |= (uint8_t)(val != NULL);
    } else if (i < 2u) {
        b->got[i] = 0;
        if (val != NULL) {
            b->got[i] = (uint8_t)(len + 1u);
            lk_copy(b->val[i], val, (len < sizeof b->val[i]) ? len : sizeof b->val[i]);
        }
    }
}

/* The value (len bytes) of KEY_LOCKOUT + i the pass found: LK_OK,
 * LK_ERR_NOENT or LK_ERR_CORRUPT. */
static int boot_get(const struct lk_lock *lk, const struct boot *b, unsigned i, uint8_t len)
{
    if (b->got[i] == 0u) {
        return LK_ERR_NOENT;
    }
    return (b->got[i] == len + MAC_BYTES + 1u &&
            rec_mac(lk, (uint16_t)(KEY_LOCKOUT + i), b->val[i], len, NULL))
               ? LK_OK
               : LK_ERR_CORRUPT;
}

static int load_key(struct lk_lock *lk)
{
    const struct lk_port *p = lk->port;
    struct lk_cred *c = &lk->cred;
    uint8_t len = 0;
    int rc;

    if (p->device_key != NULL) {
        rc = p->device_key(p->ctx, c->key);
        return (rc > 0) ? LK_ERR_RANGE : rc;
    }
    rc = lk_store_get(lk, KEY_DEVICE_KEY, c->key, sizeof c->key, &len);
    if (rc == LK_OK && len == sizeof c->key) {
        return LK_OK;
    }
    if (rc != LK_OK && rc != LK_ERR_NOENT && rc != LK_ERR_NOSPC) {
        return rc;
    }
    if (p->entropy == NULL) {
        return LK_ERR_NOTSUP;
    }
    /* First boot (or a lost key record: everything the old key protected
     * then fails its MAC and is refused). */
    rc = p->entropy(p->ctx, c->key, sizeof c->key);
    if (rc == LK_OK) {
        rc = lk_store_set(lk, KEY_DEVICE_KEY, c->key, sizeof c->key);
    }
    return (rc > 0) ? LK_ERR_RANGE : rc;
}

int lk_cred_init(struct lk_lock *lk)
{
    struct lk_cred *c = &lk->cred;
    struct boot b;
    unsigned attempts = 0;
    unsigned guesses = 0;
    unsigned tier = 0;
    unsigned locked = 0;
    uint32_t now;
    int rc;

    lk_fill((uint8_t *)c, 0, sizeof *c);
    rc = load_key(lk);
    if (rc == LK_ERR_NOTSUP) {
        return LK_OK; /* the lock still works; credential calls say NOTSUP */
    }
    if (rc != LK_OK) {
        lk_wipe(c->key, sizeof c->key);
        return rc;
    }
    c->key_ok = 1;
    lk_fill((uint8_t *)&b, 0, sizeof b);
    /* One pass for the counters, the mode and whether users exist. */
    rc = lk_store_scan(lk, KEY_LOCKOUT, KEY_USER0 + LK_USERS_MAX - 1u, boot_rec, &b);
#if LK_WITH_OFFLINE
    if (rc == LK_OK) {
        rc = lk_offline_mount(lk, b.users);
    }
#endif
    if (rc != LK_OK) {
        return rc;
    }
    rc = boot_get(lk, &b, KEY_MODE - KEY_LOCKOUT, 1);
    if (rc == LK_OK && b.val[1][0] < LK_MODE_COUNT_) {
        c->mode = b.val[1][0];
    } else if (rc != LK_ERR_NOENT || b.users) {
        /* Forged, or cut out while users exist (it is written with the
         * first user): the strictest mode until the owner sets one. */
        c->mode = LK_MODE_PRIVACY;
        c->boot_corrupt = 1;
    }
    rc = boot_get(lk, &b, 0, LOCKOUT_BYTES);
    if (rc == LK_OK) {
        const uint8_t *v = b.val[0];

        attempts = v[0];
        guesses = lk_get16(v + 1);
        tier = v[3];
        locked = (v[4] != 0u) ? 1u : 0u;
        if (!locked && (attempts >= lk->cfg.wrong_limit || guesses >= lk->cfg.guess_limit)) {
            /* Cut between the last wrong guess's count and its lockout. */
            locked = BOOT_OVER | 1u;
            tier = (tier < 255u) ? tier + 1u : 255u;
            attempts = 0;
            guesses = 0;
        }
    } else if (rc != LK_ERR_NOENT || b.users) {
        /* Forged, or cut out of the image: it exists once any user does. */
        locked = BOOT_TAMPERED | 1u;
        tier = 3;
    }
    c->attempts = (uint8_t)attempts;
    c->guesses = (uint16_t)guesses;
    c->tier = (uint8_t)tier;
    c->locked = (uint8_t)locked;
    /* After a reset the time a lockout or window had left is unknown:
     * both restart in full (cutting the power never shortens them). */
    now = lk->port->now_ms(lk->port->ctx);
    c->t_window = now;
    c->window_open = (uint8_t)(attempts != 0u || guesses != 0u);
    c->t_unlock = now + lk_lockout_len(lk, (uint8_t)tier);
    return LK_OK;
}

static void boot_alarm(struct lk_lock *lk, uint8_t reason)
{
    lk_emit(lk, lk->port->now_ms(lk->port->ctx), LK_OP_ALARM, LK_SRC_UNSPECIFIED, reason,
            LK_INDEX_NONE, LK_INDEX_NONE);
}

void lk_cred_boot_events(struct lk_lock *lk)
{
    struct lk_cred *c = &lk->cred;
    uint8_t found = c->locked;

    if (c->offline_bad || c->boot_corrupt) {
        boot_alarm(lk, LK_REASON_STORE_CORRUPT);
    }
    if ((found & (BOOT_TAMPERED | BOOT_OVER)) != 0u) {
        c->locked = 1;
        (void)lk_lockout_save(lk); /* a valid record again, holding the lockout */
        boot_alarm(lk, (found & BOOT_TAMPERED) ? LK_REASON_STORE_CORRUPT
                                               : LK_REASON_WRONG_CODE_LIMIT);
    }
}
