#!/usr/bin/env bash
# The live tests (blehost against blehost on btvirt) under valgrind memcheck:
# any invalid access, use of uninitialised memory or definite leak fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export WITH_BTVIRT_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-origins=no"
echo "== valgrind memcheck (live suite)"
if meson test -C build --print-errorlogs --num-processes 2 --suite live --timeout-multiplier 4 \
	--logbase memcheck >build/test-memcheck.log 2>&1; then
	grep -E "^(Ok|Fail|Skipped|Timeout):" build/test-memcheck.log | tr '\n' ' '; echo
else
	grep -E "FAIL|TIMEOUT|==[0-9]+==|^(Ok|Fail):" build/test-memcheck.log | tail -40
	exit 1
fi
