#!/bin/sh
# blehost built with -Dext_adv=false (suite lean): --version says so, and
# every command that needs extended advertising says "not in this build"
# before it opens a controller (the transport given does not exist, so
# reaching it would fail differently).
#
#   test_cli_ext_off.sh BLEHOST
set -u
B=$1
T=serial:/nonexistent/blehost-no-tty
fails=0
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# NAME STATUS STDERR-ERE COMMAND...
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$W/out" 2>"$W/err"
	got=$?
	if [ "$got" -ne "$want" ] || ! grep -Eq -- "$pat" "$W/err" "$W/out"; then
		echo "not ok - $name: status $got (want $want), output:"
		sed 's/^/     | /' "$W/out" "$W/err" | head -8
		fails=$((fails + 1))
	else
		echo "ok - $name"
	fi
}

expect "--version names ext_adv" 0 '^blehost .*\(without .*ext_adv.*, log level [a-z]+\)$' \
	"$B" --version
expect "scan --extended" 1 '^blehost: extended scanning is not in this build \(-Dext_adv=false\)$' \
	"$B" -t "$T" scan --extended
expect "scan --phy coded" 1 'extended scanning is not in this build \(-Dext_adv=false\)' \
	"$B" -t "$T" scan --phy coded
expect "scan --periodic" 1 'periodic advertising is not in this build \(-Dext_adv=false\)' \
	"$B" -t "$T" scan --periodic
expect "advertise with two sets" 1 '2 advertising sets: extended advertising is not in this build \(-Dext_adv=false: one legacy set only\)' \
	"$B" -t "$T" advertise --set name=a --set name=b
# One set is legacy advertising, which this build has: it gets as far as
# the transport.
expect "advertise with one set reaches the transport" 1 'nonexistent' \
	"$B" -t "$T" advertise --set name=a
[ "$fails" -eq 0 ]
