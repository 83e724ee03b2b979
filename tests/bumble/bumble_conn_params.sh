#!/bin/bash
# bumble_conn_params.sh BLEHOST: two blehost instances on two Bumble
# controllers (with-bumble.sh). `peripheral --interval 50
# --supervision-timeout 5000` asks for new parameters as peripheral on the
# link a central opens (LL Connection Parameters Request: both Bumble
# controllers have the feature); `notify --interval 100 --latency 2
# --supervision-timeout 6000` asks as central (LL Connection Update). Both
# updates must complete, and each side must report the parameters in
# force. Also proves issue 14 item 9: Bumble's BD_ADDR is all zero, so the
# peripheral must advertise from its random static address to be reached.
set -u
bh=$1
d=$(mktemp -d)
trap 'kill $pp 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
fail() { echo "bumble_conn_params: $*" >&2; echo "--- peripheral:"; cat "$d/p.out"; echo "--- central:"; cat "$d/c.out"; exit 1; }

$bh -t "$BUMBLE_T0" --store "$d/p" --interval 50 --supervision-timeout 5000 \
	peripheral --timeout 30 >"$d/p.out" 2>&1 &
pp=$!
: >"$d/c.out"
addr=""
for _ in $(seq 1 200); do
	addr=$(grep -o 'advertising *[0-9A-F:]\{17\}/[a-z]*' "$d/p.out" | grep -o '[0-9A-F:]\{17\}/[a-z]*')
	[ -n "$addr" ] && break
	sleep 0.05
done
[ -n "$addr" ] || fail "peripheral did not advertise"
case "$addr" in
00:00:00:00:00:00/*) fail "peripheral advertises from the all-zero address" ;;
*/random) ;;
*) fail "peripheral should use its random static address, got $addr" ;;
esac

$bh -t "$BUMBLE_T1" --store "$d/c" --interval 100 --latency 2 --supervision-timeout 6000 \
	notify "$addr" 2a37 --count 1 --timeout 10 >"$d/c.out" 2>&1 || fail "central failed"
grep -q 'link 0x[0-9a-f]*: interval 100.00 ms, latency 2, timeout 6000 ms' "$d/c.out" ||
	fail "central: update to 100 ms not in force"

# The peripheral sees the central's update and its own complete.
for _ in $(seq 1 200); do
	grep -q 'conn-params *ok: interval 50.00 ms, latency 0, timeout 5000 ms' "$d/p.out" && break
	sleep 0.05
done
grep -q 'conn-params *ok: interval 100.00 ms, latency 2, timeout 6000 ms' "$d/p.out" ||
	fail "peripheral: did not see the central's update"
grep -q 'conn-params *ok: interval 50.00 ms, latency 0, timeout 5000 ms' "$d/p.out" ||
	fail "peripheral: its own update did not complete"
n=$(grep -c 'conn-params' "$d/p.out")
[ "$n" = 2 ] || fail "peripheral: $n parameter reports, want exactly 2"
cat "$d/p.out" "$d/c.out"
echo "bumble_conn_params: both updates completed"
