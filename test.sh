#!/usr/bin/env bash
# Runs the whole blehost test suite on a fresh Debian 12 machine:
#   unit tests, replay tests (recorded traces), live tests on BlueZ's btvirt
#   virtual controllers, interop tests against noble/bleno (npm), then the
#   live tests under valgrind memcheck, the unit/replay/hostile/faults/live
#   tests under AddressSanitizer + UndefinedBehaviorSanitizer, a warning-free
#   compile in the other documented buildtypes (scripts/buildtypes.sh: gcc and
#   clang release, clang debugoptimized), and a bounded run of every libFuzzer
#   target (FUZZ_SECONDS each, default 12) that must reach its coverage floor.
# Usage: ./test.sh [--quick]   (--quick: the main build's tests only)
set -euo pipefail
cd "$(dirname "$0")"

quick=0
[ "${1:-}" = "--quick" ] && quick=1

scripts/setup.sh
scripts/build.sh

# The closing count reads the logs of this run only.
rm -f build*/meson-logs/*.json build-fuzz/fuzz-summary.txt build-bt/summary.txt

status=0
run_suite() { # name builddir [meson test args...]
	local name=$1 dir=$2
	shift 2
	echo "== $name"
	if meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" >"$dir/test-$name.log" 2>&1; then
		grep -E "^(Ok|Fail|Skipped|Timeout):" "$dir/test-$name.log" | tr '\n' ' '; echo
	else
		status=1
		grep -E "FAIL|TIMEOUT|^(Ok|Fail|Skipped|Timeout):" "$dir/test-$name.log" | tail -40
	fi
}

# Each phase says how long it took: CI has a time budget.
timed() { # name command...
	local name=$1 t0=$SECONDS
	shift
	"$@" || status=1
	echo "== $name: $((SECONDS - t0)) s"
}

timed "main suite" run_suite main build
if [ $quick = 0 ]; then
	timed memcheck scripts/memcheck.sh
	timed sanitizers scripts/sanitize.sh
	timed buildtypes scripts/buildtypes.sh
	timed fuzz scripts/fuzz.sh
fi

# One closing line with the totals of every meson run above.
python3 - "$status" <<'PY'
import glob, json, sys
passed = failed = skipped = 0
for f in glob.glob("build*/meson-logs/*.json"):
    for line in open(f):
        r = json.loads(line)
        res = r.get("result")
        if res in ("OK", "EXPECTEDFAIL"): passed += 1
        elif res == "SKIP": skipped += 1
        else: failed += 1
# each fuzz target run and each buildtype x compiler compile counts as one test
for summary in ("build-fuzz/fuzz-summary.txt", "build-bt/summary.txt"):
    try:
        ok, bad = (int(x) for x in open(summary).read().split())
        passed += ok
        failed += bad
    except (OSError, ValueError):
        pass
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
