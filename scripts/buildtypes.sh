#!/usr/bin/env bash
# Configures and compiles blehost (library, CLI, bench and every test
# program; no test is run) in other buildtypes and compilers than the main
# build, under the project's -Werror: a buildtype a user may ask for must
# build warning-free, and optimisation levels bring their own warnings
# (-Warray-bounds, -Wformat-truncation, -Wmaybe-uninitialized at -O2/-O3/-Os).
#
# Usage: scripts/buildtypes.sh [CC:BUILDTYPE...]
# Default (CI): gcc:release clang:release clang:debugoptimized. The fourth
# documented pair, gcc:debugoptimized, is the main build (./build, which
# test.sh builds first). All five meson buildtypes (debug debugoptimized
# release minsize plain) with both compilers: scripts/buildtypes.sh all
#
# Each pair is one test in test.sh's closing count: "OK FAILED" goes to
# build-bt/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=("$@")
[ ${#pairs[@]} -gt 0 ] || pairs=(gcc:release clang:release clang:debugoptimized)
if [ "${pairs[*]}" = all ]; then
	pairs=()
	for cc in gcc clang; do
		for bt in debug debugoptimized release minsize plain; do
			pairs+=("$cc:$bt")
		done
	done
fi
top=build-bt
mkdir -p $top
rm -f $top/summary.txt
ok=0
bad=0
echo "== buildtypes (${pairs[*]})"
for pair in "${pairs[@]}"; do
	cc=${pair%%:*}
	bt=${pair#*:}
	dir=$top/$cc-$bt
	log=$top/$cc-$bt.log
	start=$SECONDS
	# werror is the project default; stated so a local override cannot hide a warning.
	if { [ -f $dir/build.ninja ] ||
		CC=$cc meson setup $dir --buildtype="$bt" -Dwerror=true; } >"$log" 2>&1 &&
		ninja -C $dir >>"$log" 2>&1; then
		echo "  $cc $bt: ok ($((SECONDS - start)) s)"
		ok=$((ok + 1))
	else
		echo "  $cc $bt: FAILED ($log)"
		grep -E "(error|warning):" "$log" | head -20 || tail -20 "$log"
		bad=$((bad + 1))
	fi
done
echo "$ok $bad" >$top/summary.txt
[ $bad = 0 ]
