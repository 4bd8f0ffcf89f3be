#!/bin/sh
# Footprint and CPU figures (issue #8, docs/performance.md): sizes, instance
# and stack per core for the full and the minimal configuration, what each
# feature option saves, then host instruction counts of single operations
# (ops.c, built at -O2) under callgrind.
#   footprint.sh SRCROOT WORKDIR OPS_EXE
set -eu
src=$1
work=$2
ops=$3
mkdir -p "$work"
python3 "$src/tests/footprint/footprint.py" "$src" "$work" --configs=full,minimal --options
command -v valgrind >/dev/null || { echo "FAIL: valgrind not installed" >&2; exit 1; }
python3 "$src/tests/footprint/instructions.py" "$src" "$ops" "$work"
