#!/bin/sh
# Number arguments a user typed wrong (suite unit): each is refused with a
# message naming the option before a controller is opened (the transport
# given does not exist, so reaching it would fail differently). Before
# tools/cli_args.c, "--timeout abc" ran with no timeout at all, "--min-rssi
# -200" filtered at +56 dBm and "--passkey 12x" entered 000012.
#
#   test_cli_args.sh BLEHOST
set -u
B=$1
T=serial:/nonexistent/blehost-no-tty
A=00:11:22:33:44:55
fails=0
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# NAME STATUS STDERR-ERE ARGS...
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$B" -t $T "$@" >"$W/out" 2>"$W/err" </dev/null
	got=$?
	if [ "$got" -ne "$want" ] || ! grep -Eq -- "$pat" "$W/err"; then
		echo "not ok - $name: status $got (want $want), output:"
		sed 's/^/     | /' "$W/out" "$W/err" | head -8
		fails=$((fails + 1))
	else
		echo "ok - $name"
	fi
}

expect "scan --timeout abc" 1 "bad --timeout 'abc' \(seconds" scan --timeout abc
expect "scan --timeout 5x" 1 "bad --timeout '5x'" scan --timeout 5x
expect "scan --timeout -1" 1 "bad --timeout '-1'" scan --timeout -1
expect "scan --timeout inf" 1 "bad --timeout 'inf'" scan --timeout inf
expect "scan --min-rssi -200" 1 "bad --min-rssi '-200' \(dBm, -127 to 20\)" scan --min-rssi -200
expect "scan --min-rssi loud" 1 "bad --min-rssi 'loud'" scan --min-rssi loud
expect "advertise --timeout 1e" 1 "bad --timeout '1e'" advertise --timeout 1e
expect "advertise --appearance -1" 1 "bad --appearance '-1'" advertise --appearance -1
expect "advertise --manufacturer 0x10000:aa" 1 "bad company identifier '0x10000'" advertise --manufacturer 0x10000:aa
expect "peripheral --timeout ' 5'" 1 "bad --timeout ' 5'" peripheral --timeout " 5"
expect "gatt --connect-timeout x" 1 "bad --connect-timeout 'x'" gatt $A --connect-timeout x
expect "read --connect-timeout 0x10" 1 "bad --connect-timeout '0x10'" read $A 2a37 --connect-timeout 0x10
expect "notify --count -1" 1 "bad --count '-1'" notify $A 2a37 --count -1
expect "notify --count 3x" 1 "bad --count '3x'" notify $A 2a37 --count 3x
expect "notify --timeout nan" 1 "bad --timeout 'nan'" notify $A 2a37 --timeout nan
expect "pair --passkey 12x" 1 "bad --passkey '12x' \(1 to 6 digits" pair $A --passkey 12x
expect "pair --passkey 1234567" 1 "bad --passkey '1234567'" pair $A --passkey 1234567
expect "pair --connect-timeout ten" 1 "bad --connect-timeout 'ten'" pair $A --connect-timeout ten
expect "coc --timeout x" 1 "bad --timeout 'x'" coc listen 0x80 --timeout x
expect "coc --connect-timeout x" 1 "bad --connect-timeout 'x'" coc connect $A 0x80 --connect-timeout x
# --set needs extended advertising; without it the command says so first.
case "$("$B" --version)" in *ext_adv*) ;; *)
	expect "--set sid=16" 1 "--set: bad sid '16' \(0 to 15\)" advertise --set name=a,sid=16
	expect "--set sid=x" 1 "--set: bad sid 'x'" advertise --set sid=x
	expect "--set mfr=zz:01" 1 "--set: bad mfr company 'zz'" advertise --set mfr=zz:01
	expect "--set mfr=0x10000:01" 1 "--set: bad mfr company '0x10000'" advertise --set mfr=0x10000:01
	expect "--set size=-3" 1 "--set: bad size '-3'" advertise --set size=-3
	expect "--set timeout=soon" 1 "--set: bad timeout 'soon'" advertise --set timeout=soon
	expect "--set max-events=256" 1 "--set: bad max-events '256' \(0 to 255\)" advertise --set max-events=256
	expect "--set periodic-interval=5" 1 "--set: bad periodic-interval '5' \(ms, 7.5" advertise --set periodic-interval=5
;; esac
expect "--seed abc" 2 "bad --seed 'abc'" --seed abc info
expect "--seed 12z" 2 "bad --seed '12z'" --seed 12z info
# A number that is right reaches the controller (and fails there).
expect "scan --timeout 0.5 opens the transport" 1 "nonexistent" scan --timeout 0.5 --min-rssi -70
expect "pair --passkey 000123 opens the transport" 1 "nonexistent" pair $A --passkey 000123

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
