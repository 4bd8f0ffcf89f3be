#!/bin/sh
# Compile lib/ for a target with its cross compiler, warnings as errors.
# With --symbols, also archive it and prove it needs no allocator and no
# floating-point helpers, and has zero bytes of .data and .bss.
#
# With --must-refuse (implies --symbols), the library must compile but fail
# those checks: it proves the checks can fail, on a fixture.
#
# usage: cross-check.sh [--symbols | --must-refuse] SRCROOT OUTDIR CC [CFLAGS...]
set -eu

symbols=0
must_refuse=0
case "$1" in
    --symbols) symbols=1; shift ;;
    --must-refuse) symbols=1; must_refuse=1; shift ;;
esac
src=$1
out=$2
cc=$3
shift 3

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "FAIL: $cc not found (install it; see README)" >&2
    exit 1
fi

rm -rf "$out"
mkdir -p "$out"
warn="-std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
-Wmissing-prototypes -Wvla -Wcast-qual -Wconversion -Wsign-conversion"
objs=""
for f in "$src"/lib/*.c; do
    o="$out/$(basename "$f" .c).o"
    # shellcheck disable=SC2086
    "$cc" $warn "$@" -I"$src/include" -c "$f" -o "$o"
    objs="$objs $o"
done
echo "compiled:$objs"

[ "$symbols" = 1 ] || exit 0

prefix=${cc%gcc}
# shellcheck disable=SC2086
"${prefix}ar" rcs "$out/liblockcore.a" $objs

# What the archive needs from outside: undefined in some object and
# defined in none.
"${prefix}nm" -u "$out/liblockcore.a" | awk 'NF >= 2 {print $2}' | sort -u > "$out/undef.txt"
"${prefix}nm" -g --defined-only "$out/liblockcore.a" | awk 'NF >= 3 {print $3}' | sort -u > "$out/def.txt"
undef=$(comm -23 "$out/undef.txt" "$out/def.txt")
echo "needs from outside: $(echo $undef)"
# ARM EABI float helpers (__aeabi_f*, __aeabi_d*, int<->float), libgcc's
# generic ones (__addsf3, __floatsidf, __fixdfsi, ...), and the allocator.
bad=$(echo "$undef" | grep -E '^(malloc|calloc|realloc|free|__aeabi_(f|d|u?i2|u?l2).*|__.*[sdt]f[23]|__float.*|__fix.*|__extend.*|__trunc.*)$' || true)
failed=0
if [ -n "$bad" ]; then
    echo "FAIL: the library needs forbidden symbols: $(echo $bad)" >&2
    failed=1
fi

"${prefix}size" -t "$out/liblockcore.a" > "$out/size.txt"
cat "$out/size.txt"
totals=$(awk '/\(TOTALS\)/ {print $2, $3}' "$out/size.txt")
set -- $totals
if [ "$#" -ne 2 ] || [ "$1" -ne 0 ] || [ "$2" -ne 0 ]; then
    echo "FAIL: .data/.bss must be 0 bytes, got data=${1:-?} bss=${2:-?}" >&2
    failed=1
fi
if [ "$must_refuse" = 1 ]; then
    if [ "$failed" = 1 ]; then
        echo "ok: the fixture was refused, as it must be"
        exit 0
    fi
    echo "FAIL: the checks passed a library they must refuse" >&2
    exit 1
fi
[ "$failed" = 0 ] || exit 1
echo "ok: no allocator, no float helpers, data=0 bss=0"
