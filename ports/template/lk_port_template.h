/*
 * Copy-and-fill port skeleton. Copy ports/template/ into your firmware,
 * rename, and replace each callback's body in lk_port_template.c with your
 * MCU's code; docs/porting.md walks through it. Until filled, every callback
 * returns LK_ERR_NOTSUP and lk_init / the conformance suite refuse the port.
 */
#ifndef LK_PORT_TEMPLATE_H
#define LK_PORT_TEMPLATE_H

#include "lockcore/lockcore.h"

/* Your port's private state (peripheral handles, storage base, ...). */
struct my_port_state {
    uint32_t unused;
};

/* Fill *port for your board; state is passed back to every callback. */
void lk_port_template_init(struct lk_port *port, struct my_port_state *state);

#endif
