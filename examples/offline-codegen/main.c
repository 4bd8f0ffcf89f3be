/*
 * offline-codegen: the reference generator of offline codes (docs/offline-codes.md),
 * a host command-line tool. It makes the code an owner's app would make, from K_off,
 * the epoch and the time, with lockcore's HMAC-SHA256; and with --check-vectors it
 * regenerates every `gen` line of tests/vectors/offline-codes.txt.
 *
 * Exit status: 0 done, 1 a vector mismatch or an unreadable/malformed vectors file,
 * 2 bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockcore/crypto.h"

#define KOFF_LABEL "lockcore offline key v1"
#define HOUR_S 3600ull
#define DAY_S 86400ull
#define UNSET (~0ull)

static const char *prog = "offline-codegen";

static void usage(FILE *f)
{
    fprintf(f,
        "usage: %s --key <K_off: 64 hex digits> [--epoch N] <kind> <options>\n"
        "       %s --check-vectors <file>\n"
        "       %s --help\n"
        "\n"
        "Makes an offline code (docs/offline-codes.md). --epoch is the app's epoch\n"
        "(0..4294967295, default 0); a clear code moves the app's epoch on by one.\n"
        "\n"
        "kinds:\n"
        "  one-time (--hour H | --at T) [--seq S]\n"
        "      opens once, from the start of hour index H (= floor(UNIX time / 3600));\n"
        "      --at T: the hour containing UNIX time T (the code is valid from that\n"
        "      hour's start, so T itself is inside the window). S = 0..9 (default 0)\n"
        "      tells apart up to ten one-time codes of the same hour.\n"
        "  daily --from AA --to BB (--until-day D | --until YYYY-MM-DD)\n"
        "      opens every day from local hour AA (0..23) to local hour BB (1..24,\n"
        "      BB > AA), up to and including the lock's local day D (days since\n"
        "      1970-01-01 in the lock's time zone) or that local date.\n"
        "  until (--hour H | --at T)\n"
        "      opens any number of times until hour index H (0..9999999);\n"
        "      --at T: the hour index of T rounded up to the next whole hour if T is\n"
        "      not on one (the code stops at or after T, never before).\n"
        "  clear (--hour H | --at T) [--seq S]\n"
        "      when the lock accepts it every offline code made so far stops working;\n"
        "      hour/seq/window as for one-time. Use --epoch <N+1> afterwards.\n"
        "\n"
        "Prints the code to type as *<14 digits># and a line on its validity.\n"
        "--check-vectors: regenerates every gen line of a vectors file\n"
        "(tests/vectors/offline-codes.txt) and checks its koff against its dk.\n",
        prog, prog, prog);
}

static int bad_usage(const char *what, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "%s: %s: %s\n", prog, what, arg);
    else
        fprintf(stderr, "%s: %s\n", prog, what);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

/* ---------------------------------------------------------------------------
 * The algorithm */

/* The six MAC digits of (epoch, kind, 7 ASCII parameter digits, r) under koff,
 * where r is the full value the parameter's digits name: the hour index for
 * kinds 1, 9 and 3, the local day index for kind 2.
 * msg = "LKOC" || epoch (4 B big-endian) || kind, param (8 ASCII digits) ||
 * r (4 B big-endian), 20 bytes. */
static uint32_t mac_digits(const uint8_t koff[32], uint32_t epoch, unsigned kind,
                           const char param[7], uint32_t r)
{
    uint8_t msg[20];
    uint8_t mac[LK_SHA256_BYTES];
    uint32_t m;

    memcpy(msg, "LKOC", 4);
    msg[4] = (uint8_t)(epoch >> 24);
    msg[5] = (uint8_t)(epoch >> 16);
    msg[6] = (uint8_t)(epoch >> 8);
    msg[7] = (uint8_t)epoch;
    msg[8] = (uint8_t)('0' + kind);
    memcpy(msg + 9, param, 7);
    msg[16] = (uint8_t)(r >> 24);
    msg[17] = (uint8_t)(r >> 16);
    msg[18] = (uint8_t)(r >> 8);
    msg[19] = (uint8_t)r;
    lk_hmac_sha256(koff, 32, msg, sizeof msg, mac);
    m = (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 |
        (uint32_t)mac[3];
    return m % 1000000u;
}

/* Writes the low n decimal digits of v at dst, with leading zeros (no NUL). */
static void put_digits(char *dst, unsigned long long v, unsigned n)
{
    while (n-- > 0) {
        dst[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* code: 14 digits + NUL. kind: 0..9. param: 7 digits. r: the full value. */
static void make_code(char code[15], const uint8_t koff[32], uint32_t epoch, unsigned kind,
                      const char param[7], uint32_t r)
{
    put_digits(code, kind, 1);
    memcpy(code + 1, param, 7);
    put_digits(code + 8, mac_digits(koff, epoch, kind, param, r), 6);
    code[14] = '\0';
}

/* ---------------------------------------------------------------------------
 * Calendar (proleptic Gregorian, UTC; no timegm/gmtime needed) */

static int is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d (y >= 1970 here, so no negative division). */
static long days_from_civil(long y, int m, int d)
{
    long yy = m <= 2 ? y - 1 : y;
    long era = yy / 400;
    long yoe = yy - era * 400;                                    /* 0..399 */
    long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* 0..365 */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             /* 0..146096 */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(unsigned long long z, long *y, int *m, int *d)
{
    unsigned long long zz = z + 719468;
    unsigned long long era = zz / 146097;
    unsigned long long doe = zz - era * 146097;
    unsigned long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned long long mp = (5 * doy + 2) / 153;
    unsigned long long dd = doy - (153 * mp + 2) / 5 + 1;
    unsigned long long mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (long)(yoe + era * 400 + (mm <= 2 ? 1 : 0));
    *m = (int)mm;
    *d = (int)dd;
}

/* "YYYY-MM-DD" of a day index. */
static void day_str(char out[64], unsigned long long day)
{
    long y;
    int m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(out, 64, "%04ld-%02d-%02d", y, m, d);
}

/* "YYYY-MM-DD HH:00" of an hour index. */
static void hour_str(char out[80], unsigned long long hour)
{
    char day[64];
    day_str(day, hour / 24);
    snprintf(out, 80, "%s %02u:00", day, (unsigned)(hour % 24));
}

/* Parses YYYY-MM-DD (1970..9999) into a day index; 0 on success. */
static int parse_date(const char *s, unsigned long long *day)
{
    long y;
    int m, d, i;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    y = (s[0] - '0') * 1000L + (s[1] - '0') * 100L + (s[2] - '0') * 10L + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *day = (unsigned long long)days_from_civil(y, m, d);
    return 0;
}

/* ---------------------------------------------------------------------------
 * Parsing helpers */

/* Strict unsigned decimal, at most max; 0 on success. */
static int parse_u(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly 64 hex digits into 32 bytes; 0 on success. */
static int parse_key(const char *s, uint8_t out[32])
{
    size_t i;

    if (s == NULL || strlen(s) != 64)
        return -1;
    for (i = 0; i < 32; i++) {
        int hi = hexval((unsigned char)s[2 * i]);
        int lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    size_t i;
    if (strlen(s) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* ---------------------------------------------------------------------------
 * --check-vectors */

/* The value of the 7 parameter digits from..from+n-1, as a number. */
static unsigned long long digits_value(const char *param, unsigned from, unsigned n)
{
    unsigned long long v = 0;
    unsigned i;
    for (i = from; i < from + n; i++)
        v = v * 10 + (unsigned long long)(param[i] - '0');
    return v;
}

/* 1 if r is a full value the parameter digits of kind can name: its low six
 * digits are HHHHHH (kinds 1, 9), its low three DDD (kind 2), it is HHHHHHH
 * (kind 3); any r for other kinds (the MAC is defined over any digits). */
static int r_matches(unsigned kind, const char *param, unsigned long long r)
{
    switch (kind) {
    case 1:
    case 9: return r % 1000000u == digits_value(param, 0, 6);
    case 2: return r % 1000u == digits_value(param, 4, 3);
    case 3: return r == digits_value(param, 0, 7);
    default: return 1;
    }
}

/* The value of "name=value" in tok, or NULL. */
static const char *kv(const char *tok, const char *name)
{
    size_t n = strlen(name);
    if (tok != NULL && strncmp(tok, name, n) == 0 && tok[n] == '=')
        return tok + n + 1;
    return NULL;
}

static int check_vectors(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    uint8_t dk[32], koff[32], derived[32];
    int have_dk = 0, have_koff = 0;
    unsigned long lineno = 0, gens = 0, checks = 0, bad = 0;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot open %s\n", prog, path);
        return 1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *tok[8];
        size_t n = 0, len = strlen(line);
        char *p;

        lineno++;
        if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
            fprintf(stderr, "%s:%lu: line too long\n", path, lineno);
            bad++;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        /* tokens are separated by single spaces */
        p = line;
        for (;;) {
            char *sp = strchr(p, ' ');
            if (n == sizeof tok / sizeof tok[0])
                break;
            tok[n++] = p;
            if (sp == NULL)
                break;
            *sp = '\0';
            p = sp + 1;
        }

        if (strcmp(tok[0], "dk") == 0 && n == 2 && parse_key(tok[1], dk) == 0) {
            have_dk = 1;
        } else if (strcmp(tok[0], "koff") == 0 && n == 2 && parse_key(tok[1], koff) == 0) {
            have_koff = 1;
        } else if (strcmp(tok[0], "gen") == 0 && n == 6) {
            const char *e = kv(tok[1], "epoch"), *k = kv(tok[2], "kind");
            const char *prm = kv(tok[3], "param"), *rv = kv(tok[4], "r");
            const char *want = kv(tok[5], "code");
            unsigned long long epoch, kind, r;
            char code[15];

            if (parse_u(e, 0xFFFFFFFFull, &epoch) != 0 || parse_u(k, 9, &kind) != 0 ||
                prm == NULL || !all_digits(prm, 7) || parse_u(rv, 0xFFFFFFFFull, &r) != 0 ||
                want == NULL || !all_digits(want, 14)) {
                fprintf(stderr, "%s:%lu: malformed gen line\n", path, lineno);
                bad++;
                continue;
            }
            if (!r_matches((unsigned)kind, prm, r)) {
                fprintf(stderr, "%s:%lu: r=%llu is not a value param=%s names\n", path, lineno,
                        r, prm);
                bad++;
                continue;
            }
            if (!have_koff) {
                fprintf(stderr, "%s:%lu: gen line before the koff line\n", path, lineno);
                bad++;
                continue;
            }
            make_code(code, koff, (uint32_t)epoch, (unsigned)kind, prm, (uint32_t)r);
            gens++;
            if (strcmp(code, want) != 0) {
                fprintf(stderr, "%s:%lu: MISMATCH epoch=%llu kind=%llu param=%s r=%llu: "
                        "expected %s, generated %s\n",
                        path, lineno, epoch, kind, prm, r, want, code);
                bad++;
            }
        } else if (strcmp(tok[0], "check") == 0 && n == 5 && kv(tok[1], "now") != NULL &&
                   kv(tok[2], "tz") != NULL && kv(tok[3], "code") != NULL &&
                   kv(tok[4], "expect") != NULL) {
            checks++; /* the lock's tests replay these */
        } else {
            fprintf(stderr, "%s:%lu: unrecognised line\n", path, lineno);
            bad++;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: read error on %s\n", prog, path);
        bad++;
    }
    fclose(f);

    if (!have_dk || !have_koff) {
        fprintf(stderr, "%s: %s has no dk or no koff line\n", prog, path);
        bad++;
    } else {
        lk_hmac_sha256(dk, sizeof dk, KOFF_LABEL, sizeof KOFF_LABEL - 1, derived);
        if (memcmp(derived, koff, sizeof koff) != 0) {
            fprintf(stderr, "%s: MISMATCH koff is not HMAC-SHA256(dk, \"" KOFF_LABEL "\")\n",
                    prog);
            bad++;
        }
    }
    if (gens == 0) {
        fprintf(stderr, "%s: %s has no gen lines\n", prog, path);
        bad++;
    }
    if (bad != 0) {
        fprintf(stderr, "%s: %lu problem(s) in %s\n", prog, bad, path);
        return 1;
    }
    printf("%s: %lu gen vectors OK (koff matches dk; %lu check lines not run here)\n", prog,
           gens, checks);
    return 0;
}

/* ---------------------------------------------------------------------------
 * main */

enum kind { K_NONE, K_ONE_TIME, K_DAILY, K_UNTIL, K_CLEAR };

int main(int argc, char **argv)
{
    const char *key_arg = NULL, *vectors = NULL, *until_date = NULL;
    unsigned long long epoch = 0, hour = UNSET, at = UNSET, seq = UNSET;
    unsigned long long from = UNSET, to = UNSET, until_day = UNSET;
    enum kind kind = K_NONE;
    uint8_t koff[32];
    char param[8], code[15];
    unsigned kdigit = 0;
    uint32_t r = 0; /* the full value the parameter digits name, in the MAC */
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (kind != K_NONE)
                return bad_usage("more than one kind", a);
            if (strcmp(a, "one-time") == 0)
                kind = K_ONE_TIME;
            else if (strcmp(a, "daily") == 0)
                kind = K_DAILY;
            else if (strcmp(a, "until") == 0)
                kind = K_UNTIL;
            else if (strcmp(a, "clear") == 0)
                kind = K_CLEAR;
            else
                return bad_usage("unknown kind", a);
            continue;
        }
        if (v == NULL)
            return bad_usage("option needs a value", a);
        i++;
        if (strcmp(a, "--key") == 0) {
            key_arg = v;
        } else if (strcmp(a, "--check-vectors") == 0) {
            vectors = v;
        } else if (strcmp(a, "--epoch") == 0) {
            if (parse_u(v, 0xFFFFFFFFull, &epoch) != 0)
                return bad_usage("--epoch wants 0..4294967295", v);
        } else if (strcmp(a, "--hour") == 0) {
            if (parse_u(v, 9999999ull, &hour) != 0)
                return bad_usage("--hour wants an hour index 0..9999999", v);
        } else if (strcmp(a, "--at") == 0) {
            if (parse_u(v, 9999999ull * HOUR_S, &at) != 0)
                return bad_usage("--at wants UNIX seconds (up to hour index 9999999)", v);
        } else if (strcmp(a, "--seq") == 0) {
            if (parse_u(v, 9, &seq) != 0)
                return bad_usage("--seq wants 0..9", v);
        } else if (strcmp(a, "--from") == 0) {
            if (parse_u(v, 23, &from) != 0)
                return bad_usage("--from wants a local hour 0..23", v);
        } else if (strcmp(a, "--to") == 0) {
            if (parse_u(v, 24, &to) != 0 || to == 0)
                return bad_usage("--to wants a local hour 1..24", v);
        } else if (strcmp(a, "--until-day") == 0) {
            if (parse_u(v, 9999999ull, &until_day) != 0)
                return bad_usage("--until-day wants a local day index", v);
        } else if (strcmp(a, "--until") == 0) {
            until_date = v;
        } else {
            return bad_usage("unknown option", a);
        }
    }

    if (vectors != NULL) {
        if (kind != K_NONE || key_arg != NULL || argc != 3)
            return bad_usage("--check-vectors takes only a file", NULL);
        return check_vectors(vectors);
    }
    if (kind == K_NONE)
        return bad_usage("no kind given (one-time, daily, until, clear)", NULL);
    if (key_arg == NULL)
        return bad_usage("--key <K_off> is required", NULL);
    if (parse_key(key_arg, koff) != 0)
        return bad_usage("--key wants exactly 64 hex digits", key_arg);

    /* per kind: which options it takes */
    if (kind == K_DAILY) {
        if (hour != UNSET || at != UNSET || seq != UNSET)
            return bad_usage("daily takes --from, --to and --until-day or --until", NULL);
        if (from == UNSET || to == UNSET)
            return bad_usage("daily needs --from AA and --to BB", NULL);
        if (to <= from)
            return bad_usage("daily needs --to greater than --from", NULL);
        if ((until_day == UNSET) == (until_date == NULL))
            return bad_usage("daily needs one of --until-day D and --until YYYY-MM-DD", NULL);
        if (until_date != NULL && parse_date(until_date, &until_day) != 0)
            return bad_usage("--until wants a date YYYY-MM-DD (1970 or later)", until_date);
    } else {
        if (from != UNSET || to != UNSET || until_day != UNSET || until_date != NULL)
            return bad_usage("--from/--to/--until-day/--until are for daily codes", NULL);
        if ((hour == UNSET) == (at == UNSET))
            return bad_usage("give one of --hour H and --at T", NULL);
        if (kind == K_UNTIL && seq != UNSET)
            return bad_usage("--seq is for one-time and clear codes", NULL);
        if (at != UNSET)
            hour = kind == K_UNTIL ? (at + HOUR_S - 1) / HOUR_S : at / HOUR_S;
        if (seq == UNSET)
            seq = 0;
    }

    switch (kind) {
    case K_ONE_TIME:
    case K_CLEAR:
        kdigit = kind == K_ONE_TIME ? 1u : 9u;
        put_digits(param, hour % 1000000u, 6);
        put_digits(param + 6, seq, 1);
        r = (uint32_t)hour;
        break;
    case K_DAILY:
        kdigit = 2;
        put_digits(param, from, 2);
        put_digits(param + 2, to, 2);
        put_digits(param + 4, until_day % 1000u, 3);
        r = (uint32_t)until_day;
        break;
    case K_UNTIL:
        kdigit = 3;
        put_digits(param, hour, 7);
        r = (uint32_t)hour;
        break;
    case K_NONE:
        return 2;
    }
    param[7] = '\0';
    make_code(code, koff, (uint32_t)epoch, kdigit, param, r);
    printf("*%s#\n", code);

    {
        char when[80], day[64];
        switch (kind) {
        case K_ONE_TIME:
        case K_CLEAR:
            hour_str(when, hour);
            printf("%s (epoch %llu, seq %llu): valid from %s UTC (hour index %llu) for "
                   "offline_otc_valid_s (default 6 h), give or take offline_drift_s "
                   "(default 15 min); %s\n",
                   kind == K_ONE_TIME ? "one-time code" : "clear code", epoch, seq, when, hour,
                   kind == K_ONE_TIME ? "opens once"
                                      : "opens nothing; ends every earlier code, "
                                        "make new codes with the next epoch");
            break;
        case K_DAILY:
            day_str(day, until_day);
            printf("daily code (epoch %llu): every day, %02llu:00 to %02llu:00 lock local "
                   "time (give or take offline_drift_s), up to and including local day "
                   "%llu (%s); the lock reads the day digits as a day from 500 days before "
                   "its own date to 499 after, so the code is invalid to a lock more than "
                   "499 days before that day (or more than 500 after)\n",
                   epoch, from, to, until_day, day);
            break;
        case K_UNTIL:
            hour_str(when, hour);
            printf("valid-until code (epoch %llu): opens any number of times until %s UTC "
                   "(hour index %llu), give or take offline_drift_s (default 15 min)\n",
                   epoch, when, hour);
            break;
        case K_NONE:
            break;
        }
    }
    return 0;
}
