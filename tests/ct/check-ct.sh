#!/bin/sh
# Constant-time proof for secret comparisons (docs/security.md, "Matching
# without leaking"): runs every case of tests/ct/ct_cred.c under
#   valgrind --tool=callgrind --toggle-collect=ct_measured
# so only the instructions of the one measured call of the unit are counted
# (lk_match, lk_token_check or lk_offline_mac, with the sim port callbacks
# they make), and requires every case of a group to cost EXACTLY the same.
# Also requires the store layout (ct_cred's signature of the records'
# shapes) to be the same across a group, so equal stores are compared.
#
# usage: check-ct.sh CT_CRED_EXE [OUTDIR]
#   OUTDIR keeps the callgrind files (ct.<case>.out) for callgrind_annotate;
#   without it a temporary directory is used and removed.
# Prints
#   ct group=G case=C instructions=N
#   ct group=G equal=yes|no
# and exits 1 if a group's counts differ, a layout differs, a run fails or a
# count cannot be parsed.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 CT_CRED_EXE [OUTDIR]" >&2
    exit 2
fi
exe=$1
command -v valgrind >/dev/null 2>&1 || { echo "FAIL: valgrind not installed" >&2; exit 1; }
[ -x "$exe" ] || { echo "FAIL: $exe is not an executable" >&2; exit 1; }
if [ $# -eq 2 ]; then
    out=$2
    mkdir -p "$out"
    rm -f "$out"/ct.*
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT INT TERM
fi

is_num() {
    case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac
}

"$exe" list >"$out/ct.list" || { echo "FAIL: $exe list" >&2; exit 1; }
[ -s "$out/ct.list" ] || { echo "FAIL: $exe lists no case" >&2; exit 1; }

status=0
groups=$(awk '{ print $1 }' "$out/ct.list" | uniq)
for g in $groups; do
    first=""
    first_layout=""
    equal=yes
    # case names are single words (ct_cred list)
    # shellcheck disable=SC2013
    for c in $(awk -v g="$g" '$1 == g { print $2 }' "$out/ct.list"); do
        cg=$out/ct.$c.out
        if ! valgrind --tool=callgrind --callgrind-out-file="$cg" \
                --toggle-collect=ct_measured "$exe" "$c" \
                >"$out/ct.$c.stdout" 2>"$out/ct.$c.stderr"; then
            echo "FAIL: case $c under callgrind:" >&2
            cat "$out/ct.$c.stdout" "$out/ct.$c.stderr" >&2
            status=1
            equal=no
            continue
        fi
        pat="s/^ct_cred group=$g case=$c layout=\([0-9a-f]*\) records=\([0-9]*\) .* ok\$/\1:\2/p"
        layout=$(sed -n "$pat" "$out/ct.$c.stdout")
        # "totals:" (or, failing that, "summary:"): Ir, the only event collected
        n=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$cg")
        [ -n "$n" ] || n=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$cg")
        if [ -z "$layout" ] || ! is_num "$n" || [ "$n" -eq 0 ]; then
            echo "FAIL: case $c: cannot parse its result line or callgrind total ($n)" >&2
            cat "$out/ct.$c.stdout" >&2
            status=1
            equal=no
            continue
        fi
        echo "ct group=$g case=$c instructions=$n"
        if [ -z "$first" ]; then
            first=$n
            first_layout=$layout
            continue
        fi
        if [ "$layout" != "$first_layout" ]; then
            echo "FAIL: case $c: store layout $layout differs from the group's $first_layout" >&2
            status=1
            equal=no
        fi
        if [ "$n" -ne "$first" ]; then
            equal=no
        fi
    done
    echo "ct group=$g equal=$equal"
    if [ "$equal" != yes ]; then
        status=1
    fi
done
exit $status
