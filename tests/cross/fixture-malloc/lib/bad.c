/* Deliberately calls the allocator (and nothing else forbidden), so a test
 * proves cross-check.sh --symbols catches it. */
#include <stddef.h>

void *malloc(size_t n);
void *lk_fixture_get(size_t n);
void *lk_fixture_get(size_t n)
{
    return malloc(n);
}
