#include "harness.h"

#include <criterion/criterion.h>
#include <string.h>

void rec_event(void *ctx, const struct lk_event *ev)
{
    struct rec *r = ctx;

    cr_assert_lt(r->n, REC_MAX, "event recorder overflow");
    r->ev[r->n++] = *ev;
}

int rec_find(const struct rec *r, uint8_t op, uint8_t reason)
{
    unsigned i;

    for (i = 0; i < r->n; i++) {
        if (r->ev[i].op == op && r->ev[i].reason == reason) {
            return (int)i;
        }
    }
    return -1;
}

const uint8_t harness_device_key[32] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

void harness_settle(struct fixture *f)
{
    lk_sim_step(&f->sim, (f->cfg.brake_ms != 0u) ? f->cfg.brake_ms : LK_DEFAULT_BRAKE_MS);
}

void fixture_start(struct fixture *f, const struct lk_sim_config *scfg)
{
    cr_assert_eq(lk_sim_init(&f->sim, scfg), LK_OK);
    /* A port-held device key, so the store starts with no record of ours
     * (test_cred.c covers the key lockcore makes itself). */
    lk_sim_set_device_key(&f->sim, harness_device_key);
    memset(&f->rec, 0, sizeof f->rec);
    f->cfg.on_event = rec_event;
    f->cfg.event_ctx = &f->rec;
    cr_assert_eq(lk_init(&f->lk, &f->sim.port, &f->cfg), LK_OK);
    harness_settle(f);
    /* first boot formats the blank store: tested in test_store.c */
    cr_assert_eq(rec_find(&f->rec, LK_OP_STATE, LK_REASON_STORE_FORMATTED), 0);
    f->rec.n = 0;
}
