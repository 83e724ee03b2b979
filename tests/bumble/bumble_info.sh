#!/bin/bash
# bumble_info.sh BLEHOST: `blehost info` on a Bumble controller sees what the
# launcher exposes: the extended advertising commands (hidden by Bumble's own
# bitmap, shown by bumble_ctrl.py because Bumble has their handlers), Bumble's
# 64 x 27-byte LE buffers, and its all-zero public address.
set -eu
bh=$1
out=$($bh -t "$BUMBLE_T0" info)
echo "$out"
fail() { echo "bumble_info: $*" >&2; exit 1; }
grep -Eq 'LE Set Extended Advertising Parameters +yes' <<<"$out" || fail "extended advertising hidden"
grep -Eq 'LE ACL buffers +64 x 27 bytes' <<<"$out" || fail "buffers"
grep -q 'Data Packet Length Extension' <<<"$out" || fail "features"
# the second controller answers too
$bh -t "$BUMBLE_T1" info >/dev/null || fail "second controller"
