#!/usr/bin/env bash
# The unit, replay, live (and Bumble) suites again under AddressSanitizer and
# UndefinedBehaviorSanitizer (clang), failing on any report.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-asan
if [ ! -f $dir/build.ninja ]; then
	CC=clang meson setup $dir -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null
fi
ninja -C $dir >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
echo "== sanitizers (ASan + UBSan)"
if meson test -C $dir --print-errorlogs --num-processes 2 --suite unit --suite replay --suite hostile --suite faults --suite hostile_ctrl --suite store --suite matrix --suite bumble \
	--suite live >$dir/test.log 2>&1; then
	grep -E "^(Ok|Fail|Skipped|Timeout):" $dir/test.log | tr '\n' ' '; echo
else
	grep -E "FAIL|TIMEOUT|ERROR: |runtime error|^(Ok|Fail):" $dir/test.log | tail -40
	exit 1
fi
