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

void fixture_start(struct fixture *f, const struct lk_sim_config *scfg)
{
    cr_assert_eq(lk_sim_init(&f->sim, scfg), LK_OK);
    memset(&f->rec, 0, sizeof f->rec);
    f->cfg.on_event = rec_event;
    f->cfg.event_ctx = &f->rec;
    cr_assert_eq(lk_init(&f->lk, &f->sim.port, &f->cfg), LK_OK);
    /* first boot formats the blank store: tested in test_store.c */
    cr_assert_eq(rec_find(&f->rec, LK_OP_STATE, LK_REASON_STORE_FORMATTED), 0);
    f->rec.n = 0;
}
