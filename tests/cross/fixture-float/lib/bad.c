/* Deliberately needs soft-float helpers on Cortex-M0+ (and nothing else
 * forbidden), so a test proves cross-check.sh --symbols catches them. */
int lk_fixture_scale(int x, int n);
int lk_fixture_scale(int x, int n)
{
    return (int)((float)x * (float)n / 3.0f);
}
