#!/bin/bash
# test_replay_negative.sh BLEHOST: proves the interop replay tests can fail.
# Runs replay.sh on tampered copies of the manifest and reference files and
# expects each run to fail (exit 1): a changed expected stdout, a changed
# --seed (SMP randoms differ from the recording), the reconnect case without
# its bond store (blehost pairs instead of re-encrypting), a different
# handle, and a missing trace. One untampered case must still pass.
set -u
BLEHOST=${1:?usage: $0 BLEHOST}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/interop-neg.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
cp "$HERE/../pcap"/interop-a-* "$WORK/" 2>/dev/null
cp "$HERE/replay_cases.txt" "$WORK/cases.txt"

# replay_rc NAME: replay.sh's exit code on the tampered copies
replay_rc() {
	INTEROP_CASES="$WORK/cases.txt" INTEROP_PCAP_DIR="$WORK" \
		bash "$HERE/replay.sh" "$BLEHOST" "$1" >"$WORK/$1.log" 2>&1
	echo $?
}
expect_fail() {
	local rc
	rc=$(replay_rc "$1")
	if [ "$rc" = 1 ]; then ok "$2: replay fails"; else fail "$2: replay.sh exited $rc, want 1"; cat "$WORK/$1.log"; fi
}

check "untampered a-read passes" test "$(replay_rc a-read)" = 0

printf 'x' >>"$WORK/interop-a-read-back.expected"
expect_fail a-read-back "changed expected stdout"

sed -i 's/--seed 114 /--seed 999 /' "$WORK/cases.txt"
expect_fail a-pair-read "pairing replayed with another --seed"

sed -i 's/^a-reconnect main bond-store /a-reconnect main empty /' "$WORK/cases.txt"
expect_fail a-reconnect "reconnect without the bond store"

sed -i 's/^\(a-read-back-cmd .* read [^ ]*\) [^ ]*$/\1 0x000c/' "$WORK/cases.txt"
expect_fail a-read-back-cmd "read of another handle"

rm "$WORK/interop-a-write.btsnoop"
expect_fail a-write "missing trace"
finish
