#!/bin/bash
# Live H5 test: with-btvirt.sh test_h5_live.sh BLEHOST H5_BRIDGE
#
# h5_bridge (an H5 controller on a pty, relaying to its own btvirt
# controller over H4) injects frame loss, bit flips and reordering on the
# pty, both directions, from a fixed seed. Over h5:/dev/pts/N, blehost must
# still: (1) run `info` (bring-up: Reset, reads, event mask...), and
# (2) connect to a `blehost peripheral` on another btvirt controller and
# read its Device Name (GATT read by UUID). Checked: both succeed, with the
# expected content, and the bridge really injected faults.
# Exit 0 pass, 1 fail.
set -u
BLEHOST=$(readlink -f "${1:?usage: $0 BLEHOST H5_BRIDGE}")
BRIDGE=$(readlink -f "${2:?usage: $0 BLEHOST H5_BRIDGE}")
SOCK=${BTVIRT_SOCKET:?run me through tests/harness/with-btvirt.sh}
SEED=${H5_SEED:-20261204}
FAULTS=${H5_FAULTS:-6 3 6} # loss% corrupt% reorder%, per frame and direction
WORK=$(mktemp -d "${TMPDIR:-/tmp}/h5live.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for f in "$WORK"/*.out "$WORK"/*.err; do echo "---- $f"; tail -40 "$f"; done
	echo "---- bridge log (last 40 lines)"; tail -40 "$WORK/bridge.err"
	exit 1
}

# shellcheck disable=SC2086 # three numbers
"$BRIDGE" "$SOCK" "$SEED" "$WORK/pty" $FAULTS 2>"$WORK/bridge.err" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/pty" ] && break; sleep 0.1; done
[ -s "$WORK/pty" ] || fail "h5_bridge did not start"
PTY=$(cat "$WORK/pty")
echo "h5_bridge on $PTY (seed $SEED)"

# 1. info over H5
timeout -k 2 15 ${BLEHOST_WRAPPER:-} "$BLEHOST" -t "h5:$PTY" info >"$WORK/info.out" 2>"$WORK/info.err" ||
	fail "blehost info over h5:$PTY (rc $?)"
grep -qE '^Controller +([0-9A-F]{2}:){5}[0-9A-F]{2}' "$WORK/info.out" ||
	fail "info printed no controller address"
echo "ok: blehost info over h5:$PTY"

# 2. a GATT read over H5 from a peripheral on plain H4
timeout -k 2 20 ${BLEHOST_WRAPPER:-} "$BLEHOST" -t "unix:$SOCK" --json peripheral --name h5-peer --timeout 15 \
	>"$WORK/periph.out" 2>"$WORK/periph.err" &
PIDS+=($!)
ADDR=
for _ in $(seq 100); do
	ADDR=$(grep '"advertising"' "$WORK/periph.out" 2>/dev/null |
		grep -oE '([0-9A-F]{2}:){5}[0-9A-F]{2}' | head -1)
	[ -n "$ADDR" ] && break
	sleep 0.1
done
[ -n "$ADDR" ] || fail "blehost peripheral did not advertise"
timeout -k 2 15 ${BLEHOST_WRAPPER:-} "$BLEHOST" -t "h5:$PTY" read "$ADDR" 2a00 >"$WORK/read.out" 2>"$WORK/read.err" ||
	fail "blehost read $ADDR 2a00 over h5:$PTY (rc $?)"
grep -q '^0x0003: 626c65686f7374 "blehost"$' "$WORK/read.out" || fail "read did not return the peripheral's Device Name"
echo "ok: GATT read of $ADDR's Device Name over h5:$PTY"

grep -q '^h5 link: link established (window 4, CRC on)' "$WORK/bridge.err" ||
	fail "the H5 link did not negotiate window 4 with CRC"
n=$(grep -c '^fault ' "$WORK/bridge.err")
drops=$(grep -c '^fault drop' "$WORK/bridge.err")
flips=$(grep -c '^fault corrupt' "$WORK/bridge.err")
reorders=$(grep -c '^fault reorder' "$WORK/bridge.err")
echo "faults injected: $n (drop $drops, corrupt $flips, reorder $reorders)"
[ "$drops" -gt 0 ] && [ "$flips" -gt 0 ] && [ "$reorders" -gt 0 ] ||
	fail "the bridge did not inject every kind of fault"
echo "PASS"
exit 0
