#!/usr/bin/env bash
# Configures and compiles blehost (library, CLI, bench and every test
# program; no test is run) in other buildtypes and compilers than the main
# build, under the project's -Werror: a buildtype a user may ask for must
# build warning-free, and optimisation levels bring their own warnings
# (-Warray-bounds, -Wformat-truncation, -Wmaybe-uninitialized at -O2/-O3/-Os).
#
# Usage: scripts/buildtypes.sh [CC:BUILDTYPE[:lean|:le_gatt|:le_nosign|:crypto_static]...]
# Default (CI): gcc:release clang:release clang:debugoptimized gcc:minsize:lean
# gcc:minsize:le_gatt gcc:minsize:le_nosign gcc:debugoptimized:crypto_static.
# ":lean" builds with every leave-out option off (bench/run_size.sh lists
# them and what each saves) and log messages below warnings compiled out
# (-Dlog_level=warn), and runs suite 'lean': the tests that the left-out API
# answers with its named error (BH_ENOTSUP) and that info and debug messages
# never reach the log callback (test_log_level_off). ":le_gatt" is the size
# benchmark's LE feature set (GATT client and server kept, the rest off as in
# bench/run_size.sh) and runs the lean tests that only such a build has
# (test_gattc_cache_off: the GATT client without its attribute cache); it
# links with link-time optimisation (-Db_lto=true), which bench/README.md
# gives as the smallest build, so that one compiles warning-free too.
# ":le_nosign" is le_gatt without signed writes (-Dsigned_write=false, no
# LTO): the only profile whose lean tests reach the GATT client's and
# server's refusals of signed writes (lean has no GATT at all).
# ":crypto_static" links libcrypto's AES, SHA-256 and CRYPTO_memcmp from
# libcrypto.a (-Dlibcrypto_static=true) and builds and runs only suite
# 'libcrypto': the known-answer tests, the bond store, and the runs where
# libcrypto.so.3 cannot be loaded, which that option turns round. The fourth
# documented pair, gcc:debugoptimized, is the main build (./build, which
# test.sh builds first). All five meson buildtypes (debug debugoptimized
# release minsize plain) with both compilers: scripts/buildtypes.sh all
#
# Each pair is one test in test.sh's closing count: "OK FAILED" goes to
# build-bt/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=("$@")
[ ${#pairs[@]} -gt 0 ] || pairs=(gcc:release clang:release clang:debugoptimized gcc:minsize:lean
	gcc:minsize:le_gatt gcc:minsize:le_nosign gcc:debugoptimized:crypto_static)
lean_opts=(-Dchipset=false -Dh5=false -Dtrace=false -Dusb=disabled -Dl2cap_coc=false
	-Dgatt_client=false -Dgatt_server=false -Dsmp_legacy=false -Dsockets=false -Duart_speed=false
	-Derror_text=false)
lean_opts+=(-Dext_adv=false -Dsigned_write=false -Dlog_level=warn)
le_gatt_opts=(-Dchipset=false -Dh5=false -Dtrace=false -Dusb=disabled -Dl2cap_coc=false
	-Dsockets=false -Duart_speed=false -Derror_text=false -Dext_adv=false -Dgatt_caching=false
	-Dlog_level=warn)
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
# ninja targets for a build: all of them, or with "lean_targets" the
# libraries, tools/blehost and the tests of suite 'lean' (*_off).
targets_of() {
	if [ "${2:-}" = suite_targets ]; then
		# The library and the programs of the tests in suite $3.
		ninja -C "$1" build.ninja >/dev/null
		echo libblehost.a
		meson introspect "$1" --tests | python3 -c '
import json, os, sys
build, suite = os.path.abspath(sys.argv[1]), sys.argv[2]
for t in json.load(sys.stdin):
    if any(s.split(":")[-1] == suite for s in t["suite"]):
        print(os.path.relpath(t["cmd"][0], build))' "$1" "$3"
		return 0
	fi
	[ "${2:-}" = lean_targets ] || return 0
	# A reused directory regenerates first, so new tests are listed.
	ninja -C "$1" build.ninja >/dev/null
	ninja -C "$1" -t targets all |
		grep -oE '^(libblehost\.(a|so[.0-9]*)|tools/blehost|tests/[a-z0-9_]+/test_[a-z0-9_]*_off):' |
		tr -d :
}
ok=0
bad=0
echo "== buildtypes (${pairs[*]})"
for pair in "${pairs[@]}"; do
	cc=${pair%%:*}
	bt=${pair#*:}
	opts=()
	check=(true)
	targets=()
	profile=
	case $bt in
	*:lean) profile=lean opts=("${lean_opts[@]}") ;;
	*:le_gatt) profile=le_gatt opts=("${le_gatt_opts[@]}" -Db_lto=true) ;;
	*:le_nosign) profile=le_nosign opts=("${le_gatt_opts[@]}" -Dsigned_write=false) ;;
	*:crypto_static) profile=crypto_static opts=(-Dlibcrypto_static=true) ;;
	esac
	if [ "$profile" = crypto_static ]; then
		bt=${bt%:"$profile"}
		dir=$top/$cc-$bt-$profile
		check=(meson test -C "$dir" --suite libcrypto --no-rebuild --num-processes 2 --print-errorlogs)
		targets=(suite_targets libcrypto)
	elif [ -n "$profile" ]; then
		bt=${bt%:"$profile"}
		dir=$top/$cc-$bt-$profile
		check=(meson test -C "$dir" --suite lean --no-rebuild --num-processes 2 --print-errorlogs)
		# Only the library, the program and the lean tests: the other tests
		# and tools compile the same sources as the full builds above, and
		# building them all again at -Os cost CI about ten minutes.
		targets=(lean_targets)
	else
		dir=$top/$cc-$bt
	fi
	log=$dir.log
	start=$SECONDS
	# werror is the project default; stated so a local override cannot hide a warning.
	# A reused directory takes the options again: a profile's list may
	# have changed since it was made.
	if { if [ -f $dir/build.ninja ]; then meson configure $dir -Dwerror=true "${opts[@]}"
	     else CC=$cc meson setup $dir --buildtype="$bt" -Dwerror=true "${opts[@]}"; fi; } \
		>"$log" 2>&1 &&
		ninja -C $dir $(targets_of "$dir" "${targets[@]}") >>"$log" 2>&1 &&
		"${check[@]}" >>"$log" 2>&1; then
		echo "  $cc $bt${profile:+ $profile}: ok ($((SECONDS - start)) s)"
		ok=$((ok + 1))
	else
		echo "  $cc $bt${profile:+ $profile}: FAILED ($log)"
		grep -E "(error|warning):" "$log" | head -20 || tail -20 "$log"
		bad=$((bad + 1))
	fi
done
echo "$ok $bad" >$top/summary.txt
[ $bad = 0 ]
