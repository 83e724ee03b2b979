#!/bin/bash
# Test B: `blehost peripheral --json` (the demo database, tools/demo_db.c)
# against a noble central (noble_central.js), both on the btvirt that
# with-btvirt.sh started. Run as:  with-btvirt.sh test_blehost_peripheral.sh BLEHOST
#
# noble scans, connects, discovers, reads (incl. the 300-byte value), writes
# (request, command, long), subscribes to Heart Rate notifications and to the
# demo indication, reads the encryption-only value (0x05 -> noble pairs legacy
# Just Works -> retry) and disconnects. Checked: noble's own assertions and
# result lines, and blehost's JSON event log (requests served, pairing
# success, encryption on, one connection, clean exit at --timeout).
#
# Exit 0 pass, 1 fail, 77 skip (noble/bleno not installable).
# Env: INTEROP_OUT, INTEROP_RECORD: as in test_blehost_central.sh.
set -u
# shellcheck disable=SC2034 # used by lib.sh
BLEHOST=$(readlink -f "${1:?usage: $0 BLEHOST}")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[ -n "${BLEHOST_TRANSPORT:-}" ] || { echo "run me through tests/harness/with-btvirt.sh" >&2; exit 1; }
need_node

if [ -n "${INTEROP_OUT:-}" ]; then
	WORK=$INTEROP_OUT
	rm -rf "$WORK"
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/interop-b.XXXXXX")
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

OUT="$WORK/out/b-peripheral.out"
# run_case blocks, so run it in a subshell in the background; it ends at the
# peripheral's own --timeout (6 s), bounded again by timeout(1) at 20 s.
( run_case b-peripheral 20 >"$WORK/run_case.log"; echo "$RC" >"$WORK/rc" ) &
BG_PIDS+=($!)
if ! wait_for_line "$OUT" '"event":"advertising"' 10; then
	fail "blehost peripheral did not start advertising"
	cat "$OUT" "$WORK/out/b-peripheral.err" 2>/dev/null
	finish
fi
ok "blehost peripheral advertising"

CLOG="$WORK/noble.log"
CENTRAL_TIMEOUT_MS=25000 timeout -k 2 30 node "$HERE/noble_central.js" blehost-interop >"$CLOG" 2>&1
crc=$?
check "noble central ran every step (rc $crc)" test "$crc" -eq 0
check "noble: found the peripheral by name, advertising Heart Rate" \
	grep -q '^CENTRAL discover 00:aa:01:00:00:42 public "blehost-interop" 180d' "$CLOG"
check "noble: discovered the four services" \
	grep -q "^CENTRAL services .*180d.*180f.*180a.*b1e400007a2d4c2b9a8e1e5b0a0c0d00" "$CLOG"
check "noble: long read of 300 bytes" grep -q '^CENTRAL read 0d01 len=300$' "$CLOG"
check "noble: write request read back" grep -q '^CENTRAL write+read 0d01 "hello blehost"$' "$CLOG"
check "noble: 400-byte long write read back" grep -q '^CENTRAL long write+read 0d01 len=400$' "$CLOG"
check "noble: write command read back" grep -q '^CENTRAL write-cmd+read 0d02 c0ffee$' "$CLOG"
check "noble: 2 heart rate notifications" grep -qE '^CENTRAL heart-rate 00[0-9a-f]{2} 00[0-9a-f]{2}$' "$CLOG"
check "noble: indication" grep -q '^CENTRAL indication 0d03 01$' "$CLOG"
check "noble: encrypted value after pairing" grep -q '^CENTRAL read 0d04 "encrypted secret"$' "$CLOG"
check "noble: disconnected" grep -q '^CENTRAL disconnected$' "$CLOG"

# the peripheral exits by itself at --timeout
for _ in $(seq 150); do [ -f "$WORK/rc" ] && break; sleep 0.1; done
prc=$(cat "$WORK/rc" 2>/dev/null || echo none)
check "blehost peripheral exited 0 at --timeout (rc $prc)" test "$prc" = 0
check "blehost peripheral: JSON event log (requests served, pairing, encryption, exit)" \
	node "$HERE/check_json.js" periph-log "$OUT"
check "blehost peripheral: one 'request' event per ATT request, none malformed" \
	test "$(grep -c '"event":"request"' "$OUT")" -ge 20 -a "$(grep -c 'malformed' "$OUT")" -eq 0

record b-peripheral
if [ "$N_FAIL" -ne 0 ]; then
	echo "---- noble log ($CLOG)"
	cat "$CLOG"
	echo "---- blehost peripheral stdout"
	cat "$OUT"
	echo "---- blehost peripheral stderr"
	cat "$WORK/out/b-peripheral.err"
	echo "---- logs, traces and outputs in $WORK (with-btvirt.sh as root gives a private /tmp: set INTEROP_OUT to a dir outside /tmp to keep them)"
elif [ -z "${INTEROP_OUT:-}" ]; then
	cleanup
	rm -rf "$WORK"
fi
finish
