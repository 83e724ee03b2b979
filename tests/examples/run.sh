#!/bin/bash
# run.sh EXAMPLES_DIR CASE: runs one C example (examples/c) the way a user
# would, against a peer that is itself an example, each on its own btvirt
# controller (run under tests/harness/with-btvirt.sh, which exports
# BLEHOST_TRANSPORT). Checks the exit codes and what both sides printed.
# Suite 'examples'.
set -u
dir=$1
case_=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/bh-example.XXXXXX")
peer_pid=
cleanup() {
	if [ -n "$peer_pid" ]; then
		kill "$peer_pid" 2>/dev/null
		wait "$peer_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$work"/*.log; do
		[ -e "$f" ] && { echo "--- $(basename "$f")"; cat "$f"; }
	done
	exit 1
}

# Starts a peer example in the background and waits (bounded) for its
# ready line.
peer() {
	local ready=$1
	shift
	"$@" >"$work/peer.log" 2>&1 &
	peer_pid=$!
	for _ in $(seq 1 200); do
		grep -q "$ready" "$work/peer.log" && return 0
		kill -0 "$peer_pid" 2>/dev/null || fail "peer exited early"
		sleep 0.05
	done
	fail "peer not ready"
}

# Runs the example under test; its output goes to out.log and stdout.
run() {
	"$@" >"$work/out.log" 2>&1
	local rc=$?
	cat "$work/out.log"
	return $rc
}

name=blehost-example-$$
case "$case_" in
scanner)
	peer "advertising" "$dir/example_peripheral" --name "$name" --seconds 60
	run "$dir/example_scanner" 10 "$name" || fail "scanner did not find $name"
	grep -q "name \"$name\"" "$work/out.log" || fail "no name in the result"
	grep -q "service 6e400000-b5a3-f393-e0a9-e50e24dcca9e" "$work/out.log" ||
		fail "no service UUID in the result"
	;;
rw_client)
	peer "advertising" "$dir/example_peripheral" --name "$name" --seconds 60
	run "$dir/example_rw_client" "$name" "written by the test" || fail "rw_client failed"
	grep -q 'message was "hello"' "$work/out.log" || fail "first read"
	grep -q "message written by .*: written by the test" "$work/peer.log" ||
		fail "the peripheral did not see the write"
	;;
notify_logger)
	peer "advertising" "$dir/example_peripheral" --name "$name" --seconds 60
	run "$dir/example_notify_logger" "$name" 5 || fail "notify_logger failed"
	[ "$(grep -c ' counter ' "$work/out.log")" -ge 5 ] || fail "fewer than 5 notifications"
	grep -q "counter unsubscribed" "$work/peer.log" || fail "the peripheral saw no unsubscribe"
	;;
pairing)
	peer "advertising" "$dir/example_peripheral" --name "$name" --passkey --seconds 60
	# The user reads the passkey off the peripheral and types it: a fifo
	# plays the keyboard.
	mkfifo "$work/keys"
	"$dir/example_pairing" "$name" <"$work/keys" >"$work/out.log" 2>&1 &
	pid=$!
	exec 8>"$work/keys"
	key=
	for _ in $(seq 1 400); do
		key=$(sed -n 's/^passkey \([0-9]\{6\}\) .*/\1/p' "$work/peer.log" | head -n1)
		[ -n "$key" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$key" ] || { exec 8>&-; wait "$pid"; fail "no passkey shown"; }
	echo "$key" >&8
	exec 8>&-
	wait "$pid"
	rc=$?
	cat "$work/out.log"
	[ $rc -eq 0 ] || fail "pairing failed"
	grep -q 'secret is "secret"' "$work/out.log" || fail "secret not read"
	grep -q "pairing 0x.*: success" "$work/peer.log" || fail "the peripheral saw no pairing"
	;;
l2cap_echo)
	peer "listening" "$dir/example_l2cap_echo" server --name "$name" --seconds 60
	run "$dir/example_l2cap_echo" client "$name" || fail "l2cap_echo client failed"
	[ "$(grep -c '^echo: ' "$work/out.log")" -eq 3 ] || fail "not three echoes"
	[ "$(grep -c '^echoed ' "$work/peer.log")" -eq 3 ] || fail "server did not echo three"
	;;
own_loop)
	peer "advertising" "$dir/example_peripheral" --name "$name" --seconds 60
	run "$dir/example_own_loop" "$name" 10 || fail "own_loop did not find $name"
	;;
*)
	echo "unknown case $case_"
	exit 2
	;;
esac
echo "example $case_: ok"
