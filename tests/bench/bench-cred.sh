#!/bin/sh
# Credential-engine figures (a benchmark, not a timed test):
#  - host instructions per verdict: callgrind on the plain bench_cred
#    program, counting only inside its measured wrapper (the '#' keypress or
#    the lk_cred_present call), the sim port's callbacks and the app's event
#    callback included; the program repeats the verdict from one snapshot
#    and the total is divided by its repetitions;
#  - Cortex-M0+ -Os size of the credential and crypto code and of the whole
#    library (arm-none-eabi-size; text includes .rodata, also shown apart).
# Builds nothing of the project: takes the bench executable and the source
# root. usage: bench-cred.sh BENCH_CRED_EXE SRCROOT
# Prints
#   instructions op=verdict-... count=N
#   footprint core=m0plus part=... file=F text=N data=N bss=N rodata=N
#   footprint core=m0plus part=cred|crypto|library text=N data=N bss=N rodata=N
# and exits non-zero if a tool is missing, a verdict is not the expected
# one, or a figure cannot be parsed.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 BENCH_CRED_EXE SRCROOT" >&2
    exit 2
fi
exe=$1
src=$(cd "$2" && pwd)
for tool in valgrind arm-none-eabi-gcc arm-none-eabi-size; do
    command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool not installed" >&2; exit 1; }
done
[ -x "$exe" ] || { echo "FAIL: $exe is not an executable" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

is_num() {
    case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac
}

# ---- instructions per verdict ----
for pair in worst-16digit:verdict-worst-16digit typical-6digit:verdict-typical-6digit \
            wrong-16digit:verdict-wrong-16digit card-fullstore:verdict-card-fullstore; do
    scen=${pair%%:*}
    op=${pair#*:}
    out=$tmp/cg.$scen
    if ! valgrind --tool=callgrind --callgrind-out-file="$out" \
            --toggle-collect=bench_measured_key --toggle-collect=bench_measured_present \
            "$exe" "$scen" >"$tmp/stdout.$scen" 2>"$tmp/stderr.$scen"; then
        echo "FAIL: $scen under callgrind:" >&2
        cat "$tmp/stdout.$scen" "$tmp/stderr.$scen" >&2
        exit 1
    fi
    reps=$(sed -n "s/^bench scenario=$scen reps=\([0-9]*\) verdict=.* ok\$/\1/p" "$tmp/stdout.$scen")
    # "totals:" (or, failing that, "summary:"): Ir, the only event collected
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out")
    [ -n "$total" ] || total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out")
    if ! is_num "$reps" || ! is_num "$total" || [ "$reps" -eq 0 ] || [ "$total" -eq 0 ]; then
        echo "FAIL: $scen: cannot parse reps ($reps) or callgrind total ($total)" >&2
        exit 1
    fi
    if [ $((total % reps)) -ne 0 ]; then
        # Every repetition starts from the same snapshot: a remainder means
        # they did not cost the same, and the mean would hide it.
        echo "FAIL: $scen: total $total not a multiple of $reps repetitions" >&2
        exit 1
    fi
    echo "instructions op=$op count=$((total / reps))"
done

# ---- Cortex-M0+ footprint ----
m0="arm-none-eabi-gcc -std=c99 -mcpu=cortex-m0plus -mthumb -Os -ffreestanding -ffunction-sections -fdata-sections"
mkdir "$tmp/m0"
for c in "$src"/lib/*.c; do
    f=$(basename "$c" .c)
    # shellcheck disable=SC2086
    $m0 -I"$src/include" -I"$src/lib" -c "$c" -o "$tmp/m0/$f.o" || {
        echo "FAIL: $c does not compile for Cortex-M0+" >&2
        exit 1
    }
done

# text data bss (Berkeley, as arm-none-eabi-size prints them) and rodata
# (the .rodata* sections, part of text) of one object.
sizes() {
    b=$(arm-none-eabi-size -B "$1" | awk 'NR == 2 { print $1, $2, $3 }')
    r=$(arm-none-eabi-size -A "$1" | awk '$1 ~ /^\.rodata/ { s += $2 } END { print s + 0 }')
    echo "$b $r"
}

# part NAME FILE... (file names without .c): one line per file, then the sum
part() {
    name=$1
    shift
    tt=0 td=0 tb=0 tr=0
    for f in "$@"; do
        [ -f "$tmp/m0/$f.o" ] || { echo "FAIL: no lib/$f.c" >&2; exit 1; }
        read -r t d b r <<EOF
$(sizes "$tmp/m0/$f.o")
EOF
        for v in "$t" "$d" "$b" "$r"; do
            is_num "$v" || { echo "FAIL: cannot parse the size of $f.o" >&2; exit 1; }
        done
        if [ "$name" != library ]; then
            echo "footprint core=m0plus part=$name file=$f.c text=$t data=$d bss=$b rodata=$r"
        fi
        tt=$((tt + t)) td=$((td + d)) tb=$((tb + b)) tr=$((tr + r))
    done
    echo "footprint core=m0plus part=$name text=$tt data=$td bss=$tb rodata=$tr"
}

part cred cred cred_input cred_rec verdict offline
part crypto sha256
# shellcheck disable=SC2046
part library $(cd "$tmp/m0" && for o in *.o; do echo "${o%.o}"; done)
