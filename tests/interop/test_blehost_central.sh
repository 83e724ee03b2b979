#!/bin/bash
# Test A: blehost as central (the CLI, one process per step) against a bleno
# peripheral (bleno_peripheral.js), both on the btvirt that with-btvirt.sh
# started. Run as:  with-btvirt.sh test_blehost_central.sh BLEHOST
#
# Steps (cases "a-*" in replay_cases.txt; each blehost run records a trace):
# scan by name and by service UUID (--json), full GATT tree (--json), read,
# long read (512 bytes), write request + read back, write command + read back,
# long write (300 bytes) + read back, 3 notifications (--count), 3 indications,
# a read of the encryption-only value that makes blehost pair (legacy Just
# Works: all bleno does) and retry, then a new process with the same --store
# that re-encrypts from the bond without pairing. Each process disconnects.
#
# Exit 0 pass, 1 fail, 77 skip (noble/bleno not installable).
# Env: INTEROP_OUT=DIR keeps logs, traces and outputs there (default: a temp
#      dir, removed on success); INTEROP_RECORD=1 copies traces and outputs
#      into tests/pcap/ as the replay tests' reference (only if all passed).
set -u
# shellcheck disable=SC2034 # used by lib.sh
BLEHOST=$(readlink -f "${1:?usage: $0 BLEHOST}")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
[ -n "${BLEHOST_TRANSPORT:-}" ] || { echo "run me through tests/harness/with-btvirt.sh" >&2; exit 1; }
need_node

if [ -n "${INTEROP_OUT:-}" ]; then
	WORK=$INTEROP_OUT
	rm -rf "$WORK"
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/interop-a.XXXXXX")
fi
trap cleanup EXIT
trap 'exit 130' INT TERM

ADDR=00:AA:01:00:00:42
BASE=7e5a0000-1b2c-4d3e-8f40-5a6b7c8d9e0
PLOG="$WORK/bleno.log"
BLENO_DEVICE_NAME=bleno-interop BTVIRT_KERNEL_LOG=1 \
	node "$HERE/bleno_peripheral.js" >"$PLOG" 2>&1 &
BG_PIDS+=($!)
if ! wait_for_line "$PLOG" '^PERIPH advertising bleno-interop' 15; then
	fail "bleno did not start advertising"
	cat "$PLOG"
	finish
fi
ok "bleno advertising as bleno-interop"
# bleno must be btvirt's first client for $ADDR to be its address
check "bleno has address $ADDR" grep -qi "^PERIPH address $ADDR" "$PLOG"

# expect_out CASE TEXT: the case's stdout is exactly TEXT (plus newline).
expect_out() {
	if [ "$(cat "$WORK/out/$1.out")" = "$2" ]; then
		ok "$1: output '$2'"
	else
		fail "$1: output '$(head -c 200 "$WORK/out/$1.out")', want '$2'"
	fi
}
json() { node "$HERE/check_json.js" "$@"; }

# --- scan -----------------------------------------------------------------
run_case a-scan-name 20
case_ok a-scan-name "scan --name"
check "a-scan-name: JSON report with name and service" \
	json scan "$WORK/out/a-scan-name.out" "$ADDR" bleno-interop "${BASE}0"
run_case a-scan-service 20
case_ok a-scan-service "scan --service"
check "a-scan-service: JSON report with name and service" \
	json scan "$WORK/out/a-scan-service.out" "$ADDR" bleno-interop "${BASE}0"

# --- GATT tree --------------------------------------------------------------
run_case a-gatt 30
case_ok a-gatt "gatt"
check "a-gatt: JSON tree (services, properties, values, CCCDs)" json gatt-bleno "$WORK/out/a-gatt.out"

# --- reads and writes ---------------------------------------------------------
run_case a-read
case_ok a-read "read"
expect_out a-read '0x000c: 626c656e6f20696e7465726f702072656164 "bleno interop read"'

mark=$(log_mark "$PLOG")
run_case a-read-long
case_ok a-read-long "long read"
check "a-read-long: 512 bytes, byte k = (7k+3) mod 256" json value "$WORK/out/a-read-long.out" \
	"$(node -e 'process.stdout.write(Buffer.alloc(512).map((_, k) => (k * 7 + 3) & 255).toString("hex"))')"
check "a-read-long: bleno served Read + 2 Read Blobs (offsets 0, 255, 510)" \
	test "$(log_since "$PLOG" "$mark" | grep -c '^PERIPH read long')" -eq 3

mark=$(log_mark "$PLOG")
run_case a-write
case_ok a-write "write request"
expect_out a-write 'wrote 13 bytes to 0x0010'
check "a-write: bleno got a Write Request" \
	grep -q '^PERIPH write req len=13 48656c6c6f2c20626c656e6f21$' <(log_since "$PLOG" "$mark")
run_case a-read-back
case_ok a-read-back "read back"
expect_out a-read-back '0x0010: 48656c6c6f2c20626c656e6f21 "Hello, bleno!"'

mark=$(log_mark "$PLOG")
run_case a-write-cmd
case_ok a-write-cmd "write without response"
expect_out a-write-cmd 'wrote 3 bytes to 0x0010 (without response)'
check "a-write-cmd: bleno got a Write Command before the disconnection" \
	grep -q '^PERIPH write cmd len=3 c0ffee$' <(log_since "$PLOG" "$mark")
run_case a-read-back-cmd
case_ok a-read-back-cmd "read back"
expect_out a-read-back-cmd '0x0010: c0ffee'

# shellcheck disable=SC2046 # the case line is split on blanks on purpose
LONG_HEX=$(set -- $(case_line a-write-long); echo "${@: -1}")
mark=$(log_mark "$PLOG")
run_case a-write-long
case_ok a-write-long "long write"
expect_out a-write-long 'wrote 300 bytes to 0x0010'
check "a-write-long: bleno assembled 300 bytes (Prepare + Execute Write)" \
	grep -q "^PERIPH write req len=300 $LONG_HEX\$" <(log_since "$PLOG" "$mark")
run_case a-read-back-long
case_ok a-read-back-long "long read back"
check "a-read-back-long: the 300 bytes written" json value "$WORK/out/a-read-back-long.out" "$LONG_HEX"

# --- notifications and indications --------------------------------------------
run_case a-notify
case_ok a-notify "notify --count 3"
check "a-notify: 3 notifications in order" json events "$WORK/out/a-notify.out" notification \
	'notify #1' 'notify #2' 'notify #3'
mark=$(log_mark "$PLOG")
run_case a-indicate
case_ok a-indicate "notify --indicate --count 3"
check "a-indicate: 3 indications in order" json events "$WORK/out/a-indicate.out" indication \
	'indicate #1' 'indicate #2' 'indicate #3'
# bleno sends the next indication only after the previous one's confirmation,
# and blehost confirms the third before it unsubscribes and disconnects.
check "a-indicate: bleno saw the 3 confirmations" \
	test "$(log_since "$PLOG" "$mark" | grep -c '^PERIPH indicate-confirmed')" -eq 3

# --- security: pairing, then re-encryption from the bond ------------------------
mark=$(log_mark "$PLOG")
run_case a-pair-read
case_ok a-pair-read "read of the encryption-only value"
expect_out a-pair-read '0x0018: 656e6372797074656420736563726574 "encrypted secret"'
seg=$(log_since "$PLOG" "$mark")
check "a-pair-read: bleno saw legacy pairing (Pairing Request, Confirm, Random)" \
	grep -qz 'smp pairing-request.*smp pairing-confirm.*smp pairing-random' <<<"$seg"
check "a-pair-read: link encrypted with the STK before the value was served" \
	grep -qz 'encrypt on.*secure-read 0' <<<"$seg"
check "a-pair-read: blehost stored a bond for bleno" \
	test -s "$WORK/store-main/00aa01000042-public.bond"

mark=$(log_mark "$PLOG")
run_case a-reconnect
case_ok a-reconnect "read again from a new process with the same --store"
expect_out a-reconnect '0x0018: 656e6372797074656420736563726574 "encrypted secret"'
seg=$(log_since "$PLOG" "$mark")
check "a-reconnect: no SMP traffic at all (no new pairing)" \
	test "$(grep -c '^PERIPH smp' <<<"$seg")" -eq 0
check "a-reconnect: bleno answered the LTK request with the bond's key" \
	grep -q 'LTK request handle [0-9]*: reply' <<<"$seg"
check "a-reconnect: encryption on before the value was served" \
	grep -qz 'encrypt on.*secure-read 0' <<<"$seg"
# An info message: not in a -Dlog_level=warn (or less) build.
"$BLEHOST" --version | grep -Eq 'log level (debug|info)\)$' &&
	check "a-reconnect: blehost -v log reports the encrypted link" \
		grep -q 'security encrypted key size 16' "$WORK/out/a-reconnect.err"

# --- every process disconnected cleanly -----------------------------------------
sleep 0.2
n_acc=$(grep -c '^PERIPH accept' "$PLOG")
n_disc=$(grep -c '^PERIPH disconnect' "$PLOG")
check "disconnect: bleno saw $n_acc connections and as many disconnections" \
	test "$n_acc" -eq 13 -a "$n_disc" -eq "$n_acc"

record a-scan-name a-scan-service a-gatt a-read a-read-long a-write a-read-back a-write-cmd \
	a-read-back-cmd a-write-long a-read-back-long a-notify a-indicate a-pair-read a-reconnect
if [ "$N_FAIL" -ne 0 ]; then
	echo "---- bleno log ($PLOG)"
	cat "$PLOG"
	echo "---- logs, traces and outputs in $WORK (with-btvirt.sh as root gives a private /tmp: set INTEROP_OUT to a dir outside /tmp to keep them)"
elif [ -z "${INTEROP_OUT:-}" ]; then
	cleanup
	rm -rf "$WORK"
fi
finish
