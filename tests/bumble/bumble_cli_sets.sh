#!/bin/bash
# bumble_cli_sets.sh BLEHOST (BUMBLE_ARGS=--ext-adv): `blehost advertise` with
# three --set options on one Bumble controller, `blehost scan` on the other
# finds all three names at their own addresses, the 200-byte one whole.
set -u
bh=$1
fail() { echo "bumble_cli_sets: $*" >&2; cat "$adv_out" >&2; exit 1; }
adv_out=$(mktemp)
$bh -t "$BUMBLE_T0" advertise --set name=alpha,addr=C1:00:00:00:14:01 \
	--set name=bravo,addr=C1:00:00:00:14:02,sid=1 \
	--set name=charlie,addr=C1:00:00:00:14:03,sid=2,size=200,nonconnectable \
	--timeout 20 >"$adv_out" 2>&1 &
apid=$!
trap 'kill $apid 2>/dev/null; rm -f "$adv_out"' EXIT
for _ in $(seq 1 200); do
	[ "$(grep -c 'advertising as' "$adv_out")" = 3 ] && break
	kill -0 $apid 2>/dev/null || fail "advertise exited"
	sleep 0.05
done
[ "$(grep -c 'advertising as' "$adv_out")" = 3 ] || fail "sets did not start"
scan=$($bh -t "$BUMBLE_T1" --json scan --timeout 2) || fail "scan failed"
for n in alpha:C1:00:00:00:14:01 bravo:C1:00:00:00:14:02 charlie:C1:00:00:00:14:03; do
	name=${n%%:*} addr=${n#*:}
	grep -q "\"address\":\"$addr\".*\"name\":\"$name\"" <<<"$scan" || fail "$name not found: $scan"
done
# charlie's 200 bytes: 400 hex digits of raw advertising data
grep "\"name\":\"charlie\"" <<<"$scan" | grep -Eq '"raw":"[0-9a-f]{400}"' || fail "charlie's 200 bytes"
kill -INT $apid
wait $apid || fail "advertise exit status"
grep -q "set 3 advertising as C1:00:00:00:14:03/random: charlie (200 bytes)" "$adv_out" || fail "output"
echo ok
