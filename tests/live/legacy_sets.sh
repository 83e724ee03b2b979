#!/bin/bash
# legacy_sets.sh BLEHOST: on btvirt (4.2, no extended advertising) the
# extended options fall back or fail clearly: one `advertise --set` runs as
# legacy advertising and times out cleanly; a second set, extended scanning
# and the Coded PHY are refused with a message naming what is missing.
set -u
bh=$1
fail() { echo "legacy_sets: $*" >&2; exit 1; }
out=$($bh advertise --set name=legacy1 --timeout 1 2>&1) || fail "one set: $out"
grep -q "set 1 advertising as .*: legacy1" <<<"$out" || fail "one set: $out"
out=$($bh advertise --set name=a --set name=b --timeout 1 2>&1) && fail "two sets accepted"
grep -q "no extended advertising: one legacy set only" <<<"$out" || fail "two sets: $out"
out=$($bh scan --extended --timeout 1 2>&1) && fail "--extended accepted"
grep -q "no extended scanning" <<<"$out" || fail "--extended: $out"
out=$($bh scan --phy coded --timeout 1 2>&1) && fail "--phy coded accepted"
grep -q "no extended scanning" <<<"$out" || fail "--phy coded: $out"
echo ok
