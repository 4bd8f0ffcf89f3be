/* Deliberately breaks every rule cross-check.sh --symbols enforces, so a
 * test proves the checker can fail. */
#include <stddef.h>

void *malloc(size_t n);
int lk_bad_counter;
static int lk_bad_init = 3;

float lk_bad_scale(float x, int n);
float lk_bad_scale(float x, int n)
{
    void *p = malloc((size_t)n);

    lk_bad_counter += lk_bad_init + (p != NULL);
    return x * (float)n / 3.0f;
}
