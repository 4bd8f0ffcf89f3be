/*
 * lock-sim: plays a scenario file on the sim port (docs/lock-sim.md) and
 * shows what lockcore decided, when and why: a timeline on the terminal,
 * an SVG picture, and a verdict on the scenario's expectations. With no
 * file it plays the power-bank scenario shipped in examples/scenarios.
 *
 * Exit status: 0 every expectation holds; 1 one failed; 2 the scenario,
 * the command line or a file could not be used.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define LOCK_SIM_POSIX 1
#endif

#include "output.h"
#include "run.h"
#include "scenario.h"

#ifndef LOCK_SIM_SCENARIO_DIR
#define LOCK_SIM_SCENARIO_DIR "examples/scenarios"
#endif

#define DEFAULT_SCENARIO "power-bank.scn"

static void usage(FILE *f)
{
    fputs(
        "usage: lock-sim [options] [scenario]\n"
        "\n"
        "Plays a scenario on lockcore's simulated lock and prints the timeline: each\n"
        "lockcore event, action and power note with the time, the reserve's energy, the\n"
        "energy the next stroke needs, the input powering the lock and the bolt. Writes\n"
        "an SVG picture and checks the scenario's expectations. Without a scenario it\n"
        "plays " DEFAULT_SCENARIO " (a dead battery, a power bank, a PIN).\n"
        "\n"
        "options:\n"
        "  -o, --svg FILE  write the picture to FILE (default: lock-sim-<scenario>.svg\n"
        "                  in the directory of the lock-sim executable)\n"
        "      --no-svg    write no picture\n"
        "  -q, --quiet     no timeline: only the expectations and the verdict\n"
        "      --sample MS plot sample period, 1..50 ms (default 10)\n"
        "      --check     only parse the scenario\n"
        "  -h, --help      this text\n"
        "\n"
        "scenario format (docs/lock-sim.md has all of it): one statement per line, '#'\n"
        "starts a comment, \"...\" quotes; times as 1.5s, 300ms, 2min (+500ms: after the\n"
        "previous action). Setup lines have no time:\n"
        "  title \"...\"   seed N   duration 60s   bolt locked|unlocked   clock UNIX-S\n"
        "  board off | board cap=1F main=3.8V main-resistance=2ohm switched=1 ...\n"
        "  config auto-relock=30s reserve=cap|main key-policy=alarm wrong-limit=5 ...\n"
        "  sensors key mech-code thumbturn handle door tamper | sensors none\n"
        "  user 0 unrestricted|forced|disposable|...    pin 0 user 0 246810\n"
        "  card 1 user 0 04A1B2C3    finger 2 user 0 7    token 3 user 0\n"
        "Actions start with their time:\n"
        "  2s main 3.8V 2ohm          2s attach usb limit=500mA   (9v age=old,\n"
        "  crank rate=2/s, shake energy=30mJ, phone offset=2mm; detach usb)\n"
        "  2s move-phone 8mm          2s keys \"246810#\" [every 300ms]\n"
        "  2s card 04A1B2C3   2s finger 7   2s remote 3 [wrong]\n"
        "  2s offline one-time|until 2h|clear|\"14 digits\"\n"
        "  2s key|mech-code|thumbturn|handle|force unlock|lock [over 800ms]\n"
        "  2s door open|force|close   2s escutcheon remove|refit\n"
        "  2s jam lock|unlock at 40%   2s unjam   2s request lock|unlock [by remote]\n"
        "  2s silence [by 0]   2s mode privacy   2s say \"...\"\n"
        "Expectations:\n"
        "  expect unlocked by 8s | locked at 30s | unlocked between 5s and 8s\n"
        "  expect never unlocked   expect no aborted strokes\n"
        "  expect alarm forced-open [by 10s]   expect no alarm [key-while-healthy]\n"
        "  expect [no] event denied [source keypad] [reason locked-out] [count 5] [after 3s]\n"
        "\n"
        "exit status: 0 every expectation holds; 1 one failed (printed with why);\n"
        "2 a scenario error (file:line:col: expected ...), a missing file, an\n"
        "unwritable picture or bad usage.\n",
        f);
}

static int bad_usage(const char *fmt, const char *arg)
{
    fputs("lock-sim: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n(lock-sim --help shows the options)\n", stderr);
    return 2;
}

/* The directory of the running executable, into dir. */
static void exe_dir(const char *argv0, char *dir, size_t size)
{
    const char *slash = strrchr(argv0, '/');

    if (slash != NULL) {
        size_t n = (size_t)(slash - argv0);

        (void)snprintf(dir, size, "%.*s", (int)(n ? n : 1u), argv0);
        return;
    }
#ifdef LOCK_SIM_POSIX
    {
        ssize_t n = readlink("/proc/self/exe", dir, size - 1u);

        if (n > 0) {
            char *s;

            dir[n] = '\0';
            s = strrchr(dir, '/');
            if (s != NULL) {
                *s = '\0';
                return;
            }
        }
    }
#endif
    (void)snprintf(dir, size, ".");
}

/* The default scenario: next to the sources this was built from, else
 * beside the executable. */
static void default_scenario(const char *dir, char *path, size_t size)
{
    const char *tries[3];
    char a[1024];
    char b[1024];
    unsigned i;

    (void)snprintf(a, sizeof a, "%.900s/scenarios/%s", dir, DEFAULT_SCENARIO);
    (void)snprintf(b, sizeof b, "%.900s/../../examples/scenarios/%s", dir, DEFAULT_SCENARIO);
    tries[0] = LOCK_SIM_SCENARIO_DIR "/" DEFAULT_SCENARIO;
    tries[1] = a;
    tries[2] = b;
    for (i = 0; i < 3u; i++) {
        FILE *fp = fopen(tries[i], "r"); /* (not access(): bare-metal builds have no unistd) */

        if (fp != NULL) {
            (void)fclose(fp);
            (void)snprintf(path, size, "%s", tries[i]);
            return;
        }
    }
    (void)snprintf(path, size, "%s", tries[0]); /* the error names the first */
}

int main(int argc, char **argv)
{
    static struct scenario sc;
    struct run_log log;
    const char *scen = NULL;
    const char *svg_path = NULL;
    char dir[1024];
    char def_scen[1200];
    char def_svg[1200];
    char err[1024];
    int quiet = 0;
    int no_svg = 0;
    int check = 0;
    unsigned long sample_ms = 10;
    unsigned failed;
    FILE *svg = NULL;
    int i;
    int r;

#ifdef LOCK_SIM_NO_ARGS
    argc = 1; /* a bare-metal board hands over its own image path: the default run */
#endif
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--svg") == 0) {
            if (++i == argc) {
                return bad_usage("%s needs a file name", a);
            }
            svg_path = argv[i];
        } else if (strcmp(a, "--no-svg") == 0) {
            no_svg = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--check") == 0) {
            check = 1;
        } else if (strcmp(a, "--sample") == 0) {
            char *end;

            if (++i == argc) {
                return bad_usage("%s needs a period in ms", a);
            }
            errno = 0;
            sample_ms = strtoul(argv[i], &end, 10);
            if (*end != '\0' || errno != 0 || sample_ms < 1u || sample_ms > 50u) {
                return bad_usage("--sample takes 1..50 (ms), not '%s'", argv[i]);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return bad_usage("unknown option '%s'", a);
        } else if (scen != NULL) {
            return bad_usage("one scenario at a time ('%s' is the second)", a);
        } else {
            scen = a;
        }
    }
    exe_dir(argv[0], dir, sizeof dir);
    if (scen == NULL) {
        default_scenario(dir, def_scen, sizeof def_scen);
        scen = def_scen;
    }
    r = scenario_load(scen, &sc, err, sizeof err);
    if (r != 0) {
        fprintf(stderr, "%s\n", err);
        scenario_free(&sc);
        return 2;
    }
    if (check) {
        printf("%s: %u actions, %u expectations\n", scen, sc.n_acts, sc.n_exps);
        scenario_free(&sc);
        return 0;
    }
    if (!no_svg) {
        if (svg_path == NULL) {
            (void)snprintf(def_svg, sizeof def_svg, "%s/lock-sim-%s.svg", dir, sc.name);
            svg_path = def_svg;
        }
        /* opened before the run: a path that cannot be written fails at once */
        svg = fopen(svg_path, "w");
        if (svg == NULL) {
            fprintf(stderr, "lock-sim: cannot write picture '%s': %s\n", svg_path,
                    strerror(errno));
            scenario_free(&sc);
            return 2;
        }
    }
    r = run_scenario(&sc, (uint32_t)sample_ms, &log);
    if (!quiet) {
        timeline_print(stdout, &sc, &log);
    }
    if (r != 0) {
        fflush(stdout);
        fprintf(stderr, "%s\n", log.fatal);
        if (svg != NULL) {
            (void)fclose(svg);
        }
        run_log_free(&log);
        scenario_free(&sc);
        return 2;
    }
    failed = expect_check(stdout, &sc, &log);
    if (svg != NULL) {
        int wr = svg_write(svg, &sc, &log, failed);

        if (fclose(svg) != 0 || wr != 0) {
            fprintf(stderr, "lock-sim: cannot write picture '%s': %s\n", svg_path,
                    strerror(errno));
            run_log_free(&log);
            scenario_free(&sc);
            return 2;
        }
        printf("picture: %s\n", svg_path);
    }
    if (failed == 0u) {
        printf("lock-sim: %s: %s\n", sc.name,
               sc.n_exps == 0u ? "no expectations" : "every expectation holds");
    } else {
        printf("lock-sim: %s: %u of %u expectations FAILED\n", sc.name, failed,
               sc.n_exps + (log.violations != 0u ? 1u : 0u));
    }
    run_log_free(&log);
    scenario_free(&sc);
    return failed == 0u ? 0 : 1;
}
