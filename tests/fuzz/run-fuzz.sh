#!/bin/sh
# Smoke-run one libFuzzer harness (tests/fuzz/README.md).
#
# usage: run-fuzz.sh HARNESS CORPUS SECONDS WORKDIR [libFuzzer args...]
#
# Copies the seed corpus CORPUS into a fresh WORKDIR/corpus (so the seeds in
# the source tree stay as they are), fuzzes for SECONDS with crash files
# going to WORKDIR, and prints libFuzzer's final stats line and one summary
# line, also written to WORKDIR/summary:
#   fuzz harness=<name> seconds=<s> execs=<n> crashes=<0|1>
# Exits non-zero when the harness crashed (a sanitizer report, an abort on a
# broken invariant, a leak, an input running over 10 s, or running out of
# memory); the report, the crash file's path and hex and the command that
# reproduces it are printed, and kept in WORKDIR/report.
set -u

if [ $# -lt 4 ]; then
    echo "usage: $0 HARNESS CORPUS SECONDS WORKDIR [libFuzzer args...]" >&2
    exit 2
fi
harness=$1
corpus=$2
seconds=$3
work=$4
shift 4
case $harness in
    /*) ;;
    *) harness="$(pwd)/$harness" ;; # so the printed reproduction works from anywhere
esac
name=$(basename "$harness")
name=${name#fuzz_}

rm -rf "$work"
mkdir -p "$work/corpus" || exit 2
cp "$corpus"/* "$work/corpus/" 2>/dev/null || true
log="$work/fuzz.log"

UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS
"$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/" "$@" "$work/corpus" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
crashes=0
if [ "$rc" != 0 ]; then
    crashes=1
fi

if [ -n "$done_line" ]; then
    echo "$done_line"
fi
if [ "$crashes" = 1 ]; then
    {
        echo "== fuzz_$name failed (exit $rc); from its log ($log):"
        # the sanitizer or invariant report and the stack, without the
        # progress lines before it
        first=$(grep -n -m 1 -E 'invariant broken|runtime error|^==[0-9]+== ?ERROR|^ERROR:' "$log" |
            cut -d: -f1)
        if [ -n "$first" ]; then
            tail -n "+$first" "$log" | head -n 80
        else
            tail -n 60 "$log"
        fi
        for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
            [ -f "$f" ] || continue
            echo "== input: $f ($(wc -c <"$f") bytes):"
            od -An -tx1 -v "$f" | head -n 40
            echo "== reproduce: LK_FUZZ_TRACE=1 $harness $f"
        done
    } >"$work/report"
    cat "$work/report"
fi
line="fuzz harness=$name seconds=$seconds execs=${execs:-0} crashes=$crashes"
echo "$line"
echo "$line" >"$work/summary"
exit "$crashes"
