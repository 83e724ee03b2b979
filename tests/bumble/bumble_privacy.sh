#!/bin/bash
# bumble_privacy.sh BLEHOST: issue 14 item 5 on two Bumble controllers.
# `peripheral --privacy` advertises from an RPA; a central pairs with it
# (bond with the peer's IRK and identity), then, in a new process,
# `read IDENTITY` must connect: the bond's IRK is loaded into the
# controller's resolving list at bring-up and LE Create Connection names
# the identity (Peer_Address_Type 0x03). `scan` must show the identity
# beside the RPA.
# With "host" as second argument (controllers started without LL Privacy),
# the host's own resolution is the fallback: after an attempt at the
# identity address (half the connect timeout), it scans until a report
# resolves to the identity, then connects to that RPA.
set -u
bh=$1
mode=${2:-controller}
d=$(mktemp -d)
pp=""
trap '[ -n "$pp" ] && kill $pp 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
fail() { echo "bumble_privacy: $*" >&2; for f in "$d"/*.out; do echo "--- $f"; cat "$f"; done; exit 1; }

$bh -t "$BUMBLE_T0" --store "$d/p" peripheral --privacy --timeout 60 >"$d/p.out" 2>&1 &
pp=$!
rpa=""
for _ in $(seq 1 200); do
	rpa=$(grep -o 'advertising *[0-9A-F:]\{17\}/random' "$d/p.out" | grep -o '[0-9A-F:]\{17\}/random')
	[ -n "$rpa" ] && break
	sleep 0.05
done
[ -n "$rpa" ] || fail "peripheral did not advertise"
# An RPA: the two top bits of the most significant octet are 0b01.
case "${rpa:0:1}" in 4|5|6|7) ;; *) fail "$rpa is not a resolvable private address" ;; esac

$bh -t "$BUMBLE_T1" --store "$d/c" pair "$rpa" >"$d/pair.out" 2>&1 || fail "pairing failed"
grep -q bonded "$d/pair.out" || fail "not bonded"
$bh --store "$d/c" bonds list >"$d/bonds.out" 2>&1
grep -q IRK "$d/bonds.out" || fail "the bond has no IRK"
id=$(grep -o '[0-9A-F:]\{17\}/[a-z]*' "$d/bonds.out" | head -1)
[ -n "$id" ] && [ "${id%/*}" != "${rpa%/*}" ] || fail "no identity distinct from the RPA"

$bh -v -t "$BUMBLE_T1" --store "$d/c" read "$id" 2a19 >"$d/read.out" 2>&1 ||
	fail "read by identity $id failed"
# Which way the identity was reached is only in info messages, which a
# -Dlog_level=warn (or less) build leaves out.
if ! $bh --version | grep -Eq 'log level (debug|info)\)$'; then
	echo "bumble_privacy: info messages not in this build, the path taken is not checked"
elif [ "$mode" = host ]; then
	grep -q 'resolving list: ' "$d/read.out" && fail "resolving list used without LL Privacy"
	grep -q "connecting to $id: no resolving list, the host resolves" "$d/read.out" &&
		grep -q "not at its identity address: scanning for an RPA" "$d/read.out" ||
		fail "did not fall back to host resolution"
else
	grep -q 'resolving list: 1 bonded peer(s) loaded' "$d/read.out" || fail "resolving list not loaded"
	grep -q "connecting to $id by identity (controller resolving list)" "$d/read.out" ||
		fail "did not connect through the controller's resolving list"
fi
grep -q '^0x[0-9a-f]*: 64' "$d/read.out" || fail "battery level not read"

$bh -t "$BUMBLE_T1" --store "$d/c" scan --timeout 2 >"$d/scan.out" 2>&1 || fail "scan failed"
grep -q "^$rpa .*identity $id" "$d/scan.out" || fail "scan does not show the identity beside the RPA"
cat "$d/read.out" "$d/scan.out"
echo "bumble_privacy ($mode): bonded privacy peer $rpa reached by identity $id"
