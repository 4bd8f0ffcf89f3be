#!/bin/sh
# Footprint and CPU figures (issue #8, docs/performance.md): sizes, instance
# and stack per core from footprint.py, then host instruction counts of
# single operations (ops.c, built at -O2) under callgrind.
#   footprint.sh SRCROOT WORKDIR OPS_EXE
set -eu
src=$1
work=$2
ops=$3
mkdir -p "$work"
python3 "$src/tests/footprint/footprint.py" "$src" "$work"
command -v valgrind >/dev/null || { echo "FAIL: valgrind not installed" >&2; exit 1; }
for op in idle-poll input-poll keypad-verdict audit-append init-full; do
    out=$work/cg.$op
    if ! valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=fp_measured \
            "$ops" "$op" >"$work/ops.$op" 2>&1 || ! grep -q "^op=$op .* ok\$" "$work/ops.$op"; then
        echo "FAIL: $op:" >&2
        cat "$work/ops.$op" >&2
        exit 1
    fi
    n=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out")
    echo "instructions op=$op count=$n build=-O2"
done
