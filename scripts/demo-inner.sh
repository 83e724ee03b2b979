#!/usr/bin/env bash
# The demo's steps, run by demo.sh next to a private btvirt
# (BLEHOST_TRANSPORT is set by tests/harness/with-btvirt.sh).
set -uo pipefail
T=$DEMO_TRACES
work=$(mktemp -d)
plog=$work/peripheral.log
trap 'kill $ppid 2>/dev/null; wait $ppid 2>/dev/null; rm -rf "$work"' EXIT

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { # name, then the blehost arguments
	local name=$1
	shift
	say "blehost $*"
	"$BLEHOST" --store "$work/central-bonds" --trace "$T/$name.btsnoop" "$@"
}

say "blehost peripheral --io DisplayOnly --mitm   (in the background, on its own controller)"
"$BLEHOST" --store "$work/peripheral-bonds" --trace "$T/peripheral.btsnoop" \
	peripheral --io DisplayOnly --mitm >"$plog" 2>&1 &
ppid=$!
for _ in $(seq 50); do grep -q advertising "$plog" && break; sleep 0.1; done
sed 's/^/  | /' "$plog"

run 1-scan scan --timeout 2 --name blehost-demo || exit 1
addr=$("$BLEHOST" --json scan --timeout 2 --name blehost-demo | head -1 |
	sed -n 's/.*"address":"\([0-9A-F:]*\)".*/\1/p')
[ -n "$addr" ] || { echo "demo: the peripheral was not found"; exit 1; }

run 2-gatt gatt "$addr" || exit 1
run 3-read read "$addr" 2a29 || exit 1
run 4-write write "$addr" b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d01 48656c6c6f || exit 1
run 5-read read "$addr" b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d01 || exit 1
run 6-notify notify "$addr" 2a37 --count 3 --timeout 10 || exit 1

# Passkey entry: the peripheral displays it, the user types it here. The
# demo plays the user: it reads the passkey from the peripheral's log.
(
	for _ in $(seq 100); do
		pk=$(grep -o 'passkey *[0-9]\{6\}' "$plog" | tail -1 | grep -o '[0-9]\{6\}')
		[ -n "$pk" ] && break
		sleep 0.1
	done
	echo "$pk"
) | run 7-pair pair "$addr" --io KeyboardOnly --mitm || exit 1

# A new connection: the bond re-encrypts the link without pairing again,
# and the value that needs authentication is readable.
run 8-reconnect -v read "$addr" b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d05 2>&1 | grep -v "^\[.*debug" || exit 1

say "blehost bonds list"
"$BLEHOST" --store "$work/central-bonds" bonds list

printf '\n\033[1mThe peripheral saw (ATT requests counted, not listed):\033[0m\n'
grep -v '] request ' "$plog" | sed 's/^/  | /'
printf '  | (%s ATT requests served)\n' "$(grep -c '] request ' "$plog")"
printf '\nHCI traces (open with wireshark, tshark -r or btmon -r):\n'
ls -1 "$T"/*.btsnoop | sed 's/^/  /'
