#!/bin/bash
# The blehost program's commands end to end on btvirt (suite 'live'):
#   with-btvirt.sh test_cli_live.sh BLEHOST VERSION
# Two (sometimes three) blehost processes on their own virtual controllers:
# info, bonds (made by a real pairing), advertise (every AD option, checked
# by `scan --json` on another controller, incl. a scan response that
# repeats a service UUID), peripheral --db (values read and written back by
# `read`/`write`), peripheral --random, coc listen/connect piping data both
# ways, --version, a store met without libcrypto, and the error path of
# each, --rpa-timeout seen rotating the advertised RPA. Exit 0 pass, 1 fail.
set -u
B=$(readlink -f "${1:?usage: $0 BLEHOST VERSION}")
VERSION=${2:?usage: $0 BLEHOST VERSION}
[ -n "${BLEHOST_TRANSPORT:-}" ] || { echo "run me through tests/harness/with-btvirt.sh" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/cli-live.XXXXXX")
BG=()
cleanup() {
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
FAILS=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
# run NAME EXPECTED_RC STDERR_REGEX CMD...: rc and (when given) stderr.
run() {
	local name=$1 want=$2 re=$3
	shift 3
	"$@" >"$W/out" 2>"$W/err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit $rc, want $want"
		sed 's/^/     | /' "$W/err" | head -5
		return 1
	fi
	if [ -n "$re" ] && ! grep -Eq -- "$re" "$W/err"; then
		bad "$name: stderr lacks /$re/"
		sed 's/^/     | /' "$W/err" | head -5
		return 1
	fi
	ok "$name"
}
# out_has NAME REGEX: the last run's stdout matches.
out_has() {
	if grep -Eq -- "$2" "$W/out"; then ok "$1"; else
		bad "$1: stdout lacks /$2/"
		sed 's/^/     | /' "$W/out" | head -8
	fi
}
# wait_line FILE REGEX SECONDS
wait_line() {
	for _ in $(seq $(($3 * 10))); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# The address a background blehost printed ("... as AA:BB:...[/type]").
addr_in() { grep -oE '[0-9A-F]{2}(:[0-9A-F]{2}){5}(/random|/public)?' "$1" | head -1; }
S="--store $W/store"

# ---- no controller needed ----
run "--version" 0 "" "$B" --version && out_has "--version prints the version and the build's options" \
	"^blehost $VERSION \\((every option|without [a-z0-9_ ]+), log level (debug|info|warn|error|none)\\)\$"
run "--help" 0 "" "$B" --help && out_has "--help lists coc" "coc listen SPSM"
run "unknown command" 2 "unknown command 'frobnicate'" "$B" frobnicate
run "no command" 2 "usage" "$B"

# ---- info ----
run "info" 0 "" "$B" info && out_has "info: controller address" "^Controller +[0-9A-F:]{17}"
run "info --json" 0 "" "$B" --json info &&
	out_has "info --json: address and buffers" '"address":"[0-9A-F:]{17}.*"le_acl_mtu":[0-9]+'
run "info: bad transport" 1 "unix:/nonexistent" "$B" -t unix:/nonexistent info

# ---- advertise, checked by scan on another controller ----
"$B" advertise --name cli-adv --service 180d --appearance 0x0341 \
	--manufacturer 0x004c:0215aa --service-data 180f:64 --interval 50 \
	--scan-response 03030d18 --timeout 20 >"$W/adv.out" 2>&1 &
BG+=($!)
if wait_line "$W/adv.out" "^advertising as" 10; then
	ok "advertise started"
	run "scan finds the advertiser" 0 "" "$B" --json scan --timeout 4 --name cli-adv
	out_has "advertise --appearance" '"appearance":833'
	out_has "advertise --manufacturer" '"manufacturer_data":\{"76":"0215aa"\}'
	out_has "advertise --service-data" '"service_data":\{"180F":"64"\}'
	out_has "advertise --scan-response sent (the name follows it)" '"raw_scan_response":"03030d180809636c692d616476"'
	# 180D is in the advertisement and again in the scan response.
	out_has "scan lists a UUID repeated in the scan response once" '"service_uuids":\["180D"\],'
	run "scan (text)" 0 "" "$B" scan --timeout 3 --name cli-adv
	if [ "$(grep -c -o '180D' "$W/out")" -ge 1 ] && ! grep -q '180D  180D' "$W/out"; then
		ok "scan text shows 180D once per line"
	else
		bad "scan text repeats 180D"; sed 's/^/     | /' "$W/out"
	fi
else
	bad "advertise did not start"; cat "$W/adv.out"
fi
kill "${BG[-1]}" 2>/dev/null; wait "${BG[-1]}" 2>/dev/null
"$B" advertise --name cli-nc --nonconnectable --timeout 1 >"$W/out" 2>"$W/err"
rc=$?
if [ $rc -eq 0 ] && grep -q "advertising stopped: timed out" "$W/out"; then ok "advertise --timeout ends cleanly"; else bad "advertise --timeout: rc $rc"; cat "$W/out" "$W/err"; fi
run "advertise --interval too short" 1 "bad --interval '19'" "$B" advertise --interval 19
run "advertise --interval too long" 1 "bad --interval" "$B" advertise --interval 10241
run "advertise --interval not a number" 1 "bad --interval" "$B" advertise --interval fast
run "advertise --appearance too big" 1 "bad --appearance" "$B" advertise --appearance 0x10000
run "peripheral --rpa-timeout too short" 1 "bad --rpa-timeout '0.5' \(seconds, 1 to 3600\)" \
	"$B" peripheral --privacy --rpa-timeout 0.5
run "peripheral --rpa-timeout too long" 1 "bad --rpa-timeout" "$B" peripheral --rpa-timeout 3601
run "peripheral --rpa-timeout not a number" 1 "bad --rpa-timeout" "$B" peripheral --rpa-timeout 1m
# --rpa-timeout 1 on a controller: the advertised RPA changes every second;
# a peripheral with the default (15 minutes) keeps one in the same window.
"$B" --store "$W/rpa1" peripheral --privacy --rpa-timeout 1 --name cli-rpa1 --timeout 15 >"$W/r1.out" 2>&1 &
BG+=($!)
"$B" --store "$W/rpa2" peripheral --privacy --name cli-rpa2 --timeout 15 >"$W/r2.out" 2>&1 &
BG+=($!)
if wait_line "$W/r1.out" "^.*advertising +" 10 && wait_line "$W/r2.out" "^.*advertising +" 10; then
	"$B" --json scan --timeout 4.5 >"$W/rs.out" 2>"$W/rs.err"
	# rpas NAME: the distinct addresses NAME advertised from, and how many
	# of them are not resolvable private addresses (top bits 01).
	rpas() {
		local a n=0 notrpa=0
		for a in $(grep "\"name\":\"$1\"" "$W/rs.out" | grep -oE '"address":"[0-9A-F:]{17}"' | sort -u | cut -d'"' -f4); do
			n=$((n + 1))
			case ${a:0:1} in 4 | 5 | 6 | 7) ;; *) notrpa=$((notrpa + 1)) ;; esac
		done
		echo "$n $notrpa"
	}
	read -r n1 x1 <<<"$(rpas cli-rpa1)"
	read -r n2 x2 <<<"$(rpas cli-rpa2)"
	if [ "$n1" -ge 3 ] && [ "$x1" -eq 0 ]; then ok "peripheral --rpa-timeout 1: $n1 RPAs in 4.5 s"; else
		bad "peripheral --rpa-timeout 1: $n1 addresses, $x1 not RPAs"; cat "$W/r1.out" "$W/rs.err"; fi
	if [ "$n2" -eq 1 ] && [ "$x2" -eq 0 ]; then ok "peripheral --privacy (15 min): one RPA in 4.5 s"; else
		bad "peripheral --privacy: $n2 addresses, $x2 not RPAs"; cat "$W/r2.out"; fi
else
	bad "peripheral --privacy did not start"; cat "$W/r1.out" "$W/r2.out"
fi
kill "${BG[-1]}" "${BG[-2]}" 2>/dev/null; wait "${BG[-1]}" "${BG[-2]}" 2>/dev/null
run "advertise --manufacturer no colon" 1 "wants ID:HEX" "$B" advertise --manufacturer 004c
run "advertise --manufacturer bad id" 1 "bad company identifier" "$B" advertise --manufacturer 0x1004c:01
run "advertise --manufacturer bad hex" 1 "bad hex in manufacturer data" "$B" advertise --manufacturer 0x004c:0g
run "advertise --manufacturer too long" 1 "manufacturer data is 28 bytes: at most 27" \
	"$B" advertise --manufacturer "0x004c:$(printf '%056d' 0)"
run "advertise --service-data bad UUID" 1 "bad --service-data UUID" "$B" advertise --service-data xyz:01
run "advertise --service bad UUID" 1 "bad --service UUID" "$B" advertise --service 18z0
run "advertise --scan-response not AD" 1 "is not AD structures" "$B" advertise --scan-response 0503
run "advertise --scan-response too long" 1 "the scan response is 32 bytes: at most 31" \
	"$B" advertise --scan-response "$(printf '%064d' 0)"
run "advertise: fields that fit nowhere" 1 "does not fit" "$B" advertise \
	--manufacturer "0x004c:$(printf '%054d' 0)" --service-data "180f:$(printf '%050d' 0)" \
	--name "a-long-name-for-the-rest"
run "advertise: stray argument" 1 "unexpected argument 'now'" "$B" advertise now

# ---- peripheral --db: a described server, read and written by the client ----
cat >"$W/db.json" <<'EOF'
{ "services": [ { "uuid": "12345678-1234-5678-1234-56789abcdef0",
    "characteristics": [
      { "uuid": "12345678-1234-5678-1234-56789abcdef1", "properties": ["read", "write"],
        "value": "hello db", "max_length": 64, "description": "greeting" },
      { "uuid": "2a19", "properties": ["read", "notify"], "value_hex": "2a",
        "fixed_length": true,
        "descriptors": [ { "uuid": "2908", "value_hex": "0001" } ] } ] } ] }
EOF
"$B" $S peripheral --db "$W/db.json" --name cli-db --timeout 30 >"$W/p.out" 2>&1 &
BG+=($!)
if wait_line "$W/p.out" "advertising.*with the 1 service of" 10; then
	ok "peripheral --db serves the file"
	PA=$(addr_in "$W/p.out")
	run "read a described value by UUID" 0 "" "$B" read "$PA" 12345678-1234-5678-1234-56789abcdef1
	out_has "its initial value" '"hello db"'
	run "write a described value" 0 "" "$B" write "$PA" 12345678-1234-5678-1234-56789abcdef1 6869
	run "read it back" 0 "" "$B" read "$PA" 12345678-1234-5678-1234-56789abcdef1
	out_has "the written value" ': 6869 "hi"'
	run "write past max_length is refused by the server" 1 "Invalid Attribute Value Length|length" \
		"$B" write "$PA" 12345678-1234-5678-1234-56789abcdef1 "$(printf '%0130d' 0)"
	run "gatt tree of the described server" 0 "" "$B" gatt "$PA"
	out_has "descriptor and user description listed" "2908"
	run "write of 513 bytes names the ATT limit" 1 \
		"the value is 513 bytes: at most 512 \(the ATT maximum attribute length\)" \
		"$B" write "$PA" 12345678-1234-5678-1234-56789abcdef1 "$(printf '%01026d' 0)"
	run "write of bad hex" 1 "bad hex in the value" "$B" write "$PA" 0x0010 0x1z
else
	bad "peripheral --db did not start"; cat "$W/p.out"
fi
kill "${BG[-1]}" 2>/dev/null; wait "${BG[-1]}" 2>/dev/null
# --updates: lines on stdin set values and notify subscribers.
mkfifo "$W/upd"
"$B" peripheral --db "$W/db.json" --name cli-upd --updates --timeout 30 <"$W/upd" >"$W/p.out" 2>&1 &
BG+=($!)
exec 7>"$W/upd"
if wait_line "$W/p.out" "advertising" 10; then
	PA=$(addr_in "$W/p.out")
	"$B" --json notify "$PA" 2a19 --count 1 --timeout 15 >"$W/n.out" 2>&1 &
	N=$!
	BG+=($N)
	if wait_line "$W/p.out" "subscribe .*notifications" 10; then
		echo "nonsense 00" >&7
		echo "2a19 zz" >&7
		printf '2a19 55\r\n' >&7
		wait "$N"; nrc=$?
		[ $nrc -eq 0 ] && grep -q '"value":"55"' "$W/n.out" &&
			ok "peripheral --updates: a stdin line notifies the subscriber" ||
			{ bad "peripheral --updates: notify rc $nrc"; cat "$W/n.out"; }
		grep -q "update .*'nonsense': no such characteristic" "$W/p.out" &&
			grep -q "update .*bad hex value" "$W/p.out" &&
			grep -q "update .*= 1 byte, sent to 1 subscriber" "$W/p.out" &&
			ok "peripheral --updates: bad lines reported and skipped" ||
			{ bad "peripheral --updates log"; cat "$W/p.out"; }
		run "read the updated value" 0 "" "$B" read "$PA" 2a19
		out_has "the updated value is stored" ": 55"
	else
		bad "notify did not subscribe"; cat "$W/p.out" "$W/n.out"
	fi
else
	bad "peripheral --updates did not start"; cat "$W/p.out"
fi
exec 7>&-
kill "${BG[-1]}" "${BG[-2]}" 2>/dev/null; wait 2>/dev/null
# Valid JSON the server cannot hold: 22,000 notifying characteristics need
# 66,001 handles (declaration, value, CCCD each).
{
	printf '{"services": [{"uuid": "180d", "characteristics": ['
	printf '{"uuid": "2a19", "properties": ["notify"]},%.0s' {1..21999}
	printf '{"uuid": "2a19", "properties": ["notify"]}]}]}'
} >"$W/huge.json"
run "peripheral --db larger than the handle space" 1 \
	"cannot build the described database: more attributes than the 65535 handles" \
	"$B" peripheral --db "$W/huge.json" --timeout 5
run "peripheral --db missing file" 1 "bad GATT description .*/none.json: No such file" \
	"$B" peripheral --db "$W/none.json"
echo '{"services": [{"uuid": "180d", "characteristics": [{"uuid": "2a37", "properties": ["reed"]}]}]}' >"$W/bad.json"
run "peripheral --db bad file: line and path" 1 \
	'bad.json: line 1: services\[0\].characteristics\[0\].properties\[0\]: unknown property "reed"' \
	"$B" peripheral --db "$W/bad.json"

# ---- peripheral --random, and bonds made by pairing with it ----
"$B" --store "$W/pstore" peripheral --random --timeout 30 >"$W/p.out" 2>&1 &
BG+=($!)
if wait_line "$W/p.out" "advertising" 10; then
	PA=$(addr_in "$W/p.out")
	case "$PA" in
	*/random) ok "peripheral --random advertises a random static address ($PA)" ;;
	*) bad "peripheral --random address $PA" ;;
	esac
	run "bonds list (empty store)" 0 "0 bonds in" "$B" $S bonds list
	run "pair with the random peripheral" 0 "" "$B" $S pair "$PA"
	run "bonds list" 0 "1 bond in" "$B" $S bonds list
	out_has "bonds list shows the peer" "^${PA%/random}"
	run "bonds list --json" 0 "" "$B" $S --json bonds list
	out_has "bonds list --json: keys" '"ltk":true'
	run "bonds clear ADDR" 0 "" "$B" $S bonds clear "$PA"
	out_has "bonds clear ADDR says so" "removed the bond of"
	run "bonds list after clear" 0 "0 bonds in" "$B" $S bonds list
	run "pair again" 0 "" "$B" $S pair "$PA"
	# Without libcrypto (a machine without libssl3) no checksum can be
	# checked: blehost names the library and refuses to start; the bond and
	# our identity stay as they were and are found again with libcrypto.
	mkdir -p "$W/nocrypto" && echo "not a library" >"$W/nocrypto/libcrypto.so.3"
	cp -a "$W/store" "$W/store.before"
	# Built with -Dlibcrypto_static=true the store's SHA-256 is linked in:
	# the same runs read the store as with libcrypto.
	if [ "${BH_LIBCRYPTO_STATIC:-0}" = 1 ]; then
		run "no libcrypto.so.3, SHA-256 linked in: starts" 0 "" \
			env LD_LIBRARY_PATH="$W/nocrypto" "$B" $S info
		run "no libcrypto.so.3, SHA-256 linked in: bonds list" 0 "1 bond in" \
			env LD_LIBRARY_PATH="$W/nocrypto" "$B" $S bonds list
	else
		run "no libcrypto: refuses and names it" 1 "cannot check the bond store .*libcrypto\.so\.3.*install libssl3" \
			env LD_LIBRARY_PATH="$W/nocrypto" "$B" $S info
		run "no libcrypto: bonds list leaves files in place" 0 "unreadable.*left in place" \
			env LD_LIBRARY_PATH="$W/nocrypto" "$B" $S bonds list
	fi
	if diff -r "$W/store" "$W/store.before" >/dev/null; then ok "no libcrypto: store unchanged"
	else bad "no libcrypto: store changed"; ls -la "$W/store"; fi
	run "bonds list with libcrypto again" 0 "1 bond in" "$B" $S bonds list
	run "bonds clear (all)" 0 "" "$B" $S bonds clear
	out_has "bonds clear says all" "all bonds removed"
	run "bonds list after clear all" 0 "0 bonds in" "$B" $S bonds list
else
	bad "peripheral --random did not start"; cat "$W/p.out"
fi
kill "${BG[-1]}" 2>/dev/null; wait "${BG[-1]}" 2>/dev/null
run "bonds clear bad address" 1 "bad address 'nope'" "$B" $S bonds clear nope

# ---- a connect made before the peer advertises ----
# btvirt answers LE Create Connection to an address nobody advertises at
# with 0x3E (Connection Failed to be Established) at once, where a real
# controller waits. blehost tries again within --connect-timeout, so a
# peripheral that starts advertising a second later is reached. Before,
# `read` failed at once: the race behind a flaky "write a described value".
# The same store gives the peripheral the same random static address.
"$B" -v $S read "$PA" 2a19 --connect-timeout 15 >"$W/late.out" 2>"$W/late.err" &
late=$!
wait_line "$W/late.err" "trying again" 10
"$B" --store "$W/pstore" peripheral --random --timeout 30 >"$W/p2.out" 2>&1 &
BG+=($!)
if wait "$late" && grep -q "trying again" "$W/late.err" && grep -q '"d"\|64' "$W/late.out"; then
	ok "read reaches a peripheral that starts advertising later (0x3E tried again)"
else
	bad "read of a peripheral that starts later"; sed 's/^/     | /' "$W/late.err" "$W/late.out" | head -8
fi
kill "${BG[-1]}" 2>/dev/null; wait "${BG[-1]}" 2>/dev/null
run "bonds: unknown subcommand" 1 "usage: bonds" "$B" $S bonds frob
run "bonds: unreadable store" 1 "" "$B" --store /proc/version bonds list

# ---- pair: the passkey typed at the prompt (passkey entry, a typo first) ----
# The peripheral displays, `pair` reads the keyboard from a fifo. "12x"
# must be asked again (it once entered 000000) and the right key pairs.
"$B" --store "$W/kstore" peripheral --io DisplayOnly --mitm --timeout 40 >"$W/k.out" 2>&1 &
BG+=($!)
if wait_line "$W/k.out" "advertising" 10; then
	KA=$(addr_in "$W/k.out")
	mkfifo "$W/keys"
	trap '' PIPE # a `pair` that ended early must fail the case, not kill the script
	"$B" --store "$W/kcstore" pair "$KA" --io KeyboardOnly --mitm <"$W/keys" \
		>"$W/kp.out" 2>"$W/kp.err" &
	kp=$!
	exec 8>"$W/keys"
	if wait_line "$W/kp.err" "Enter the passkey" 20; then
		echo "12x" >&8 2>/dev/null
		if wait_line "$W/kp.err" "not a passkey" 5; then ok "pair: a mistyped passkey is asked for again"
		else bad "pair: a mistyped passkey was not refused"; fi
		wait_line "$W/k.out" "passkey +[0-9]{6}" 5
		echo "$(sed -nE 's/.*passkey +([0-9]{6})$/\1/p' "$W/k.out" | head -1)" >&8 2>/dev/null
	else
		bad "pair: no passkey prompt"; sed 's/^/     | /' "$W/kp.err" | head -5
	fi
	exec 8>&-
	trap - PIPE
	if wait "$kp"; then ok "pair: the passkey typed after the typo pairs"
	else bad "pair with the typed passkey failed"; sed 's/^/     | /' "$W/kp.err" | head -5; fi
	if grep -Eq "paired +success" "$W/k.out"; then ok "peripheral: pairing by passkey entry succeeded"
	else bad "peripheral saw no successful pairing"; sed 's/^/     | /' "$W/k.out" | head -8; fi
else
	bad "peripheral --io DisplayOnly did not start"; cat "$W/k.out"
fi
kill "${BG[-1]}" 2>/dev/null; wait "${BG[-1]}" 2>/dev/null
# The peripheral types: a BLEHOST_PASSKEY that is not a passkey is
# refused, not entered as 000000.
BLEHOST_PASSKEY=abc "$B" --store "$W/k2store" peripheral --io KeyboardOnly --mitm --timeout 40 \
	>"$W/k2.out" 2>&1 &
BG+=($!)
if wait_line "$W/k2.out" "advertising" 10; then
	run "pair: the peripheral's BLEHOST_PASSKEY is not a passkey" 1 "" \
		"$B" --store "$W/k2cstore" pair "$(addr_in "$W/k2.out")" --io DisplayOnly --mitm
	if grep -q "BLEHOST_PASSKEY 'abc' is not 1 to 6 digits: rejecting" "$W/k2.out"; then
		ok "peripheral: a bad BLEHOST_PASSKEY is rejected"
	else bad "peripheral: bad BLEHOST_PASSKEY not rejected"; sed 's/^/     | /' "$W/k2.out" | head -8; fi
else
	bad "peripheral --io KeyboardOnly did not start"; cat "$W/k2.out"
fi
kill "${BG[-1]}" 2>/dev/null; wait "${BG[-1]}" 2>/dev/null

# ---- coc: two processes piping data both ways ----
head -c 5000 /dev/urandom >"$W/tx.bin"
# listener SPSM STDIN STDOUT [ARGS]: `coc listen` in the background; sets L
# (its pid) and LA (its address), or fails and returns 1.
listener() {
	"$B" coc listen "$1" --timeout 30 "${@:4}" <"$2" >"$3" 2>"$W/l.err" &
	L=$!
	BG+=($L)
	if ! wait_line "$W/l.err" "listening on SPSM" 10; then
		bad "coc listen $1 did not start"; cat "$W/l.err"
		return 1
	fi
	LA=$(addr_in "$W/l.err")
}
# connect -> listen: the listener keeps receiving (--stay) after its own empty stdin.
if listener 0x80 /dev/null "$W/rx1.bin" --stay; then
	run "coc connect sends stdin and closes at its end" 0 "" "$B" coc connect "$LA" 0x80 <"$W/tx.bin"
	wait "$L"; lrc=$?
	[ $lrc -eq 0 ] && ok "coc listen ends 0 when the peer closes" || bad "coc listen rc $lrc"
	cmp -s "$W/tx.bin" "$W/rx1.bin" && ok "coc: 5000 bytes connect -> listen intact" ||
		bad "coc: connect -> listen data differs ($(stat -c %s "$W/rx1.bin") bytes)"
fi
# listen -> connect: the listener sends a file and closes; the connector stays.
if listener 0x81 "$W/tx.bin" /dev/null; then
	run "coc connect --stay receives until the peer closes" 0 "" \
		"$B" coc connect "$LA" 0x81 --stay </dev/null
	cp "$W/out" "$W/rx2.bin"
	wait "$L"; lrc=$?
	[ $lrc -eq 0 ] && ok "coc listen ends 0 after sending its stdin" || bad "coc listen rc $lrc"
	cmp -s "$W/tx.bin" "$W/rx2.bin" && ok "coc: 5000 bytes listen -> connect intact" ||
		bad "coc: listen -> connect data differs"
fi
# The connector's reader goes away mid-transfer: it ends with an error.
# More than a pipe holds (64 KiB), so the transfer cannot end before the
# reader has gone, however late `head` runs.
head -c 100000 /dev/urandom >"$W/tx-big.bin"
if listener 0x83 "$W/tx-big.bin" /dev/null; then
	"$B" coc connect "$LA" 0x83 --stay </dev/null 2>"$W/err" | head -c 10 >/dev/null
	crc=${PIPESTATUS[0]}
	if [ "$crc" -eq 1 ] && grep -q "coc: stdout closed" "$W/err"; then
		ok "coc: stdout closed mid-transfer ends with an error"
	else
		bad "coc: stdout closed: rc $crc: $(cat "$W/err")"
	fi
	kill "$L" 2>/dev/null; wait "$L" 2>/dev/null
fi
# Nobody listens on 0x82 there: the peer refuses the channel.
if listener 0x81 /dev/null /dev/null --stay; then
	run "coc connect to an SPSM nobody serves" 1 "the channel did not open" \
		"$B" coc connect "$LA" 0x82 </dev/null
	kill "$L" 2>/dev/null; wait "$L" 2>/dev/null
fi
run "coc listen --timeout with no peer" 1 "no channel within --timeout" \
	"$B" coc listen 0x80 --timeout 1 </dev/null
run "coc connect to nobody" 1 "cannot connect" \
	"$B" coc connect 00:11:22:33:44:55 0x80 --connect-timeout 1 </dev/null
run "coc bad SPSM" 1 "bad SPSM '0x100'" "$B" coc listen 0x100
run "coc SPSM 0" 1 "bad SPSM '0'" "$B" coc connect 00:11:22:33:44:55 0
run "coc bad address" 1 "bad address 'xx'" "$B" coc connect xx 0x80
run "coc: unknown mode" 1 "usage: coc" "$B" coc accept 0x80
run "coc: missing SPSM" 1 "usage: coc" "$B" coc listen

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
