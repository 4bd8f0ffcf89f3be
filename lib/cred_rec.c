/*
 * cred_rec: the credential engine's persistence. Every value carries a MAC
 * under the device key bound to its record key, so an edited image (a user
 * added, rights raised, a counter zeroed) fails the check; secrets are kept
 * only as HMAC digests under the same key. Layout: docs/storage-format.md.
 */
#include "cred_internal.h"

static const uint8_t mac_label[3] = { 'L', 'K', 'M' };
static const uint8_t digest_label[3] = { 'L', 'K', 'D' };

void lk_cred_digest(const struct lk_lock *lk, uint8_t type, const uint8_t *data, size_t len,
                    uint8_t out[LK_SHA256_BYTES])
{
    struct lk_hmac h;
    uint8_t in[2u + DIGEST_IN_BYTES];
    uint32_t i;

    in[0] = (type == LK_CRED_PROGRAMMING_PIN) ? (uint8_t)LK_CRED_PIN : type;
    in[1] = (uint8_t)len;
    /* Zero-padded to a fixed size with a branch-free copy (data[0] stands
     * in past the end), so the cost is the same for any length: a real
     * window and a dummy one cost alike. */
    for (i = 0; i < DIGEST_IN_BYTES; i++) {
        uint32_t m = 0u - ((i - (uint32_t)len) >> 31); /* all ones while i < len */

        in[2u + i] = (uint8_t)(data[i & m] & m);
    }
    lk_hmac_init(&h, lk->cred.key, sizeof lk->cred.key);
    lk_hmac_update(&h, digest_label, sizeof digest_label);
    lk_hmac_update(&h, in, sizeof in);
    lk_hmac_final(&h, out);
    lk_wipe(in, sizeof in);
}

static void rec_mac(const struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len,
                    uint8_t out[LK_SHA256_BYTES])
{
    struct lk_hmac h;
    uint8_t k[2];

    lk_put16(k, key);
    lk_hmac_init(&h, lk->cred.key, sizeof lk->cred.key);
    lk_hmac_update(&h, mac_label, sizeof mac_label);
    lk_hmac_update(&h, k, sizeof k);
    lk_hmac_update(&h, val, len);
    lk_hmac_final(&h, out);
}

int lk_rec_mac_ok(const struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len)
{
    uint8_t mac[LK_SHA256_BYTES];
    int ok;

    rec_mac(lk, key, val, len, mac);
    ok = lk_ct_equal(mac, val + len, MAC_BYTES);
    lk_wipe(mac, sizeof mac);
    return ok;
}

int lk_rec_get(struct lk_lock *lk, uint16_t key, uint8_t *val, uint8_t len)
{
    uint8_t buf[LK_STORE_VALUE_MAX];
    uint8_t got = 0;
    int rc = lk_store_get(lk, key, buf, sizeof buf, &got);

    if (rc == LK_OK) {
        rc = (got == len + MAC_BYTES && lk_rec_mac_ok(lk, key, buf, len)) ? LK_OK
                                                                          : LK_ERR_CORRUPT;
    }
    if (rc == LK_ERR_NOSPC) {
        rc = LK_ERR_CORRUPT; /* longer than any record of ours */
    }
    if (rc == LK_OK) {
        lk_copy(val, buf, len);
    }
    lk_wipe(buf, sizeof buf);
    return rc;
}

int lk_rec_set(struct lk_lock *lk, uint16_t key, const uint8_t *val, uint8_t len)
{
    uint8_t buf[LK_STORE_VALUE_MAX];
    uint8_t mac[LK_SHA256_BYTES];
    int rc;

    if ((unsigned)len + MAC_BYTES > sizeof buf) {
        return LK_ERR_RANGE;
    }
    lk_copy(buf, val, len);
    rec_mac(lk, key, val, len, mac);
    lk_copy(buf + len, mac, MAC_BYTES);
    rc = lk_store_set(lk, key, buf, (uint8_t)(len + MAC_BYTES));
    lk_wipe(buf, sizeof buf);
    lk_wipe(mac, sizeof mac);
    return rc;
}

int lk_lockout_save(struct lk_lock *lk)
{
    const struct lk_cred *c = &lk->cred;
    uint8_t v[LOCKOUT_BYTES];

    v[0] = c->attempts;
    lk_put16(v + 1, c->guesses);
    v[3] = c->tier;
    v[4] = (uint8_t)(c->locked != 0u);
    return lk_rec_set(lk, KEY_LOCKOUT, v, sizeof v);
}

void lk_user_encode(const struct lk_user *u, uint8_t *v)
{
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

static void any_user(void *ctx, uint16_t key, const uint8_t *val, uint8_t len)
{
    (void)key;
    (void)len;
    if (val != NULL) {
        *(uint8_t *)ctx = 1;
    }
}

static int load_key(struct lk_lock *lk)
{
    const struct lk_port *p = lk->port;
    struct lk_cred *c = &lk->cred;
    uint8_t len = 0;
    int rc;

    if (p->device_key != NULL) {
        rc = p->device_key(p->ctx, c->key);
        return (rc == 0) ? LK_OK : ((rc < 0) ? rc : LK_ERR_RANGE);
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
    uint8_t v[LOCKOUT_BYTES];
    uint8_t users = 0;
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
    rc = lk_store_scan(lk, KEY_USER0, KEY_USER0 + LK_USERS_MAX - 1u, any_user, &users);
    if (rc == LK_OK) {
        rc = lk_offline_mount(lk, users);
    }
    if (rc == LK_OK) {
        rc = lk_rec_get(lk, KEY_MODE, v, 1);
        if (rc == LK_OK && v[0] < LK_MODE_COUNT_) {
            c->mode = v[0];
        } else if (rc == LK_ERR_CORRUPT || rc == LK_OK || users) {
            /* Forged, or cut out while users exist (it is written with the
             * first user): the strictest mode until the owner sets one. */
            c->mode = LK_MODE_PRIVACY;
            c->boot_corrupt = 1;
        }
        rc = (rc == LK_ERR_NOENT || rc == LK_ERR_CORRUPT) ? LK_OK : rc;
    }
    if (rc != LK_OK) {
        return rc;
    }
    rc = lk_rec_get(lk, KEY_LOCKOUT, v, LOCKOUT_BYTES);
    if (rc == LK_OK) {
        c->attempts = v[0];
        c->guesses = lk_get16(v + 1);
        c->tier = v[3];
        c->locked = (uint8_t)(v[4] != 0u);
    } else if (rc == LK_ERR_NOENT) {
        /* The counter record exists once any user does: its absence next
         * to users means it was cut out of the image. */
        if (users) {
            c->locked = BOOT_TAMPERED | 1u;
            c->tier = 3;
        }
    } else if (rc == LK_ERR_CORRUPT) {
        c->locked = BOOT_TAMPERED | 1u;
        c->tier = 3;
    } else {
        return rc;
    }
    if (c->locked == 0u && (c->attempts >= lk->cfg.wrong_limit ||
                            c->guesses >= lk->cfg.guess_limit)) {
        /* Cut between the last wrong guess's count and its lockout. */
        c->locked = BOOT_OVER | 1u;
        c->tier = (uint8_t)((c->tier < 255u) ? c->tier + 1u : 255u);
        c->attempts = 0;
        c->guesses = 0;
    }
    /* After a reset the time a lockout or window had left is unknown:
     * both restart in full (cutting the power never shortens them). */
    {
        uint32_t now = lk->port->now_ms(lk->port->ctx);

        c->t_window = now;
        c->window_open = (uint8_t)(c->attempts != 0u || c->guesses != 0u);
        c->t_unlock = now + lk_lockout_len(lk, c->tier);
    }
    return LK_OK;
}

void lk_cred_boot_events(struct lk_lock *lk)
{
    struct lk_cred *c = &lk->cred;

    uint8_t found = c->locked;

    if (c->offline_bad || c->boot_corrupt) {
        lk_emit(lk, lk->port->now_ms(lk->port->ctx), LK_OP_ALARM, LK_SRC_UNSPECIFIED,
                LK_REASON_STORE_CORRUPT, LK_INDEX_NONE, LK_INDEX_NONE);
    }
    if ((found & (BOOT_TAMPERED | BOOT_OVER)) == 0u) {
        return;
    }
    c->locked = 1;
    (void)lk_lockout_save(lk); /* a valid record again, holding the lockout */
    lk_emit(lk, lk->port->now_ms(lk->port->ctx), LK_OP_ALARM, LK_SRC_UNSPECIFIED,
            (found & BOOT_TAMPERED) ? LK_REASON_STORE_CORRUPT : LK_REASON_WRONG_CODE_LIMIT,
            LK_INDEX_NONE, LK_INDEX_NONE);
}
