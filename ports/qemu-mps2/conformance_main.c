/* Runs the conformance suite on the emulated MCU: TAP on the semihosting
 * console, the failure count as the exit status. */
#include <stdio.h>

#include "lk_conformance.h"
#include "lk_port_mps2.h"

static struct lk_mps2 board;

static void out(void *ctx, const char *text)
{
    (void)ctx;
    fputs(text, stdout);
}

int main(void)
{
    struct lk_conf_target t = { 0 };
    int failed;

    lk_mps2_init(&board);
    t.port = &board.port;
    t.reinit = lk_mps2_reinit;
    t.reinit_ctx = &board;
    t.out = out;
    failed = lk_conf_run(&t);
    fflush(stdout);
    return failed;
}
