/* A firmware-like consumer of lockcore, built by the CMake and Meson
 * integration tests: links the library and the conformance suite and
 * checks a few calls answer as documented. Exit 0 on success. */
#include <stdio.h>
#include <string.h>

#include "lk_conformance.h"
#include "lockcore/lockcore.h"

int main(void)
{
    struct lk_lock lk;
    struct lk_port bad;

    memset(&bad, 0, sizeof bad);
    if (lk_init(&lk, NULL, NULL) != LK_ERR_INVAL || lk_init(&lk, &bad, NULL) != LK_ERR_PORT_ABI ||
        lk_conf_count() == 0u || strcmp(lk_strerror(LK_ERR_GEOMETRY), "impossible storage geometry") != 0) {
        puts("consumer: lockcore answered wrongly");
        return 1;
    }
    printf("consumer: linked lockcore and %u conformance cases\n", (unsigned)lk_conf_count());
    return 0;
}
