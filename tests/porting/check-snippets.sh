#!/bin/sh
# Compiles every ```c block of docs/porting.md as its own C99 translation
# unit, warnings as errors, so the porting guide cannot rot.
# usage: check-snippets.sh SRCROOT WORKDIR [CC [CFLAGS...]]
set -eu
src=$1
work=$2
cc=${3:-cc}
shift 2
[ "$#" -gt 0 ] && shift
flags="$*"
rm -rf "$work"
mkdir -p "$work"
awk -v dir="$work" '
    /^```c$/ { n++; f = sprintf("%s/snippet%02d.c", dir, n); inblock = 1; next }
    /^```/   { inblock = 0; next }
    inblock  { print > f }
' "$src/docs/porting.md"
count=0
for f in "$work"/snippet*.c; do
    [ -e "$f" ] || { echo "FAIL: no C snippets found" >&2; exit 1; }
    # the config snippet is a header: include it as LK_CONFIG_FILE
    if grep -q 'my_lockcore_config.h' "$f"; then
        cp "$f" "$work/my_lockcore_config.h"
        printf '#include "lockcore/lockcore.h"\nint lk_cfg_probe = LK_DEFAULT_DEBOUNCE_MS;\n' > "$f"
        extra="-DLK_CONFIG_FILE=\"my_lockcore_config.h\" -I$work"
    else
        extra=""
    fi
    # shellcheck disable=SC2086
    "$cc" -std=c99 -Wall -Wextra -Wpedantic -Werror -Wmissing-prototypes $flags $extra \
        -I"$src/include" -I"$src/tests/conformance" -c "$f" -o "${f%.c}.o"
    count=$((count + 1))
done
echo "compiled $count snippets from docs/porting.md"
