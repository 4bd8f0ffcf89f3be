/* Deliberately has .data and .bss and nothing else forbidden, so a test
 * proves cross-check.sh --symbols catches library globals. */
int lk_fixture_zeroed;
int lk_fixture_set = 7;

int lk_fixture_touch(void);
int lk_fixture_touch(void)
{
    return ++lk_fixture_zeroed + lk_fixture_set;
}
