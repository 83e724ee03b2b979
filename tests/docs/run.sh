#!/bin/sh
# run.sh DOXYFILE SRCDIR: the API reference builds without a single Doxygen
# warning (WARN_AS_ERROR), documents the conveniences, and the check itself
# can fail (the same configuration on a header with a doc error must fail).
# Also: docs/guide.md names every example of examples/c and only those.
# Exit 77 (skip) only when doxygen is not installed. Suite 'docs'.
set -u
doxyfile=$1
src=$2
command -v doxygen >/dev/null 2>&1 || { echo "doxygen not installed: skipping"; exit 77; }
out=$(mktemp -d "${TMPDIR:-/tmp}/bh-docs.XXXXXX")
trap 'rm -rf "$out"' EXIT

if ! { cat "$doxyfile"; echo "OUTPUT_DIRECTORY = $out"; } | doxygen - >"$out/log" 2>&1; then
	cat "$out/log"; echo "FAIL: doxygen warned"; exit 1
fi
if [ -s "$out/log" ]; then
	cat "$out/log"; echo "FAIL: doxygen printed something"; exit 1
fi
for sym in bh_host_scan_sync bh_host_subscribe_cb_sync bh_host_bond_remove_sync bh_gap_scan_start \
	   bh_gattc_discover bh_loop_dispatch; do
	grep -rqs "$sym" "$out/html" || { echo "FAIL: $sym not in the reference"; exit 1; }
done
grep -q "Scans and collects the devices seen" "$out/html/host_8h.html" ||
	{ echo "FAIL: header comments did not become documentation"; exit 1; }
mkdir "$out/bad"
printf '/** Bad: @param nosuch names no parameter. */\nint bad(int a);\n' >"$out/bad/bad.h"
if { cat "$doxyfile"; echo "OUTPUT_DIRECTORY = $out/strict"; echo "INPUT = $out/bad"; echo "INPUT_FILTER ="; } |
	doxygen - >/dev/null 2>&1; then
	echo "FAIL: WARN_AS_ERROR did not fail a run with warnings"; exit 1
fi

guide="$src/docs/guide.md"
[ -f "$guide" ] || { echo "FAIL: no docs/guide.md"; exit 1; }
for f in "$src"/examples/c/*.c; do
	grep -q "examples/c/$(basename "$f")" "$guide" ||
		{ echo "FAIL: guide does not mention examples/c/$(basename "$f")"; exit 1; }
done
for f in $(grep -o 'examples/c/[a-z_0-9]*\.c' "$guide" | sort -u); do
	[ -f "$src/$f" ] || { echo "FAIL: guide names $f, which does not exist"; exit 1; }
done
echo "docs: reference warning-free ($(ls "$out/html" | wc -l) files), guide names every example"
