#!/bin/bash
# replay.sh BLEHOST NAME
# Reruns interop case NAME (replay_cases.txt) on its recorded trace:
#   blehost -t replay:tests/pcap/interop-NAME.btsnoop --store STORE ARGS...
# with the case's own arguments (same --seed) and store state (an empty dir,
# or a copy of tests/interop/bond-store/). Passes when blehost exits 0, its
# stdout equals tests/pcap/interop-NAME.expected and it logged no replay
# mismatch. No btvirt, node or network needed.
set -u
BLEHOST=${1:?usage: $0 BLEHOST NAME}
NAME=${2:?usage: $0 BLEHOST NAME}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

TRACE="$PCAP_DIR/interop-$NAME.btsnoop"
EXPECTED="$PCAP_DIR/interop-$NAME.expected"
for f in "$TRACE" "$EXPECTED"; do
	[ -f "$f" ] || { echo "missing $f (record it: INTEROP_RECORD=1, see README.md)" >&2; exit 1; }
done
line=$(case_line "$NAME") || exit 1
# shellcheck disable=SC2086
set -- $line
replay_store=$2
shift 2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/interop-replay.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/store"
case "$replay_store" in
empty) ;;
bond-store)
	[ -d "$HERE/bond-store" ] || { echo "missing $HERE/bond-store" >&2; exit 1; }
	cp -a "$HERE/bond-store/." "$WORK/store/"
	;;
*) echo "bad replay store '$replay_store' in case $NAME" >&2; exit 1 ;;
esac

# Virtual time: even the 6 s peripheral run takes well under a second.
timeout -k 2 60 "$BLEHOST" -t "replay:$TRACE" --store "$WORK/store" "$@" \
	>"$WORK/out" 2>"$WORK/err"
rc=$?
echo "# blehost -t replay:$TRACE $* -> rc $rc"
check "exit code 0" test $rc -eq 0
if diff -u "$EXPECTED" "$WORK/out" >"$WORK/diff"; then
	ok "stdout equals interop-$NAME.expected"
else
	fail "stdout differs from interop-$NAME.expected"
	head -n 40 "$WORK/diff"
fi
if grep -q 'replay mismatch' "$WORK/err"; then
	fail "blehost reported a replay mismatch"
else
	ok "no replay mismatch"
fi
[ "$N_FAIL" -eq 0 ] || { echo "---- stderr"; tail -n 30 "$WORK/err"; }
finish
