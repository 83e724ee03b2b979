# shellcheck shell=bash
# Shared by the interop test scripts (sourced, not run). Needs: HERE (this
# folder), BLEHOST (the blehost binary), WORK (a scratch dir).
#
# Results: check/ok/fail count passes and failures so one broken step does
# not hide the others; finish() turns them into the exit code (0 pass, 1 fail).
# Every blocking step is bounded (timeout(1) or a polling loop with a limit).

# INTEROP_CASES / INTEROP_PCAP_DIR: overrides for test_replay_negative.sh only.
CASES="${INTEROP_CASES:-$HERE/replay_cases.txt}"
PCAP_DIR="${INTEROP_PCAP_DIR:-$HERE/../pcap}"
N_OK=0
N_FAIL=0
BG_PIDS=()

ok() { N_OK=$((N_OK + 1)); echo "ok   - $*"; }
fail() { N_FAIL=$((N_FAIL + 1)); echo "FAIL - $*"; }
# check DESCRIPTION CMD...: runs CMD, ok if it succeeds.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

# Kills what we started, by pid (never by name). Installed as the EXIT trap.
cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		# bounded: a process that ignores SIGTERM gets SIGKILL after 2 s
		for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	BG_PIDS=()
}

# need_node: npm packages installed (setup.sh), else exit 77 / 1.
need_node() {
	bash "$HERE/setup.sh"
	local rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 77 ] && echo "SKIP: noble/bleno unavailable" >&2
	exit $rc
}

# case_args NAME: prints "LIVE_STORE REPLAY_STORE ARGS..." of a case.
case_line() {
	local l
	l=$(grep -E "^$1 " "$CASES" | head -n 1)
	[ -n "$l" ] || { echo "no case '$1' in $CASES" >&2; return 1; }
	echo "${l#* }"
}

# wait_for_line FILE REGEX SECONDS: polls until FILE has a line matching.
wait_for_line() {

	for _ in $(seq $(($3 * 10))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# log_mark FILE: current line count, to slice a peer's log per step.
log_mark() { wc -l <"$1" 2>/dev/null || echo 0; }
# log_since FILE MARK: the lines added after MARK.
log_since() { tail -n "+$(($2 + 1))" "$1"; }

# run_case NAME [TIMEOUT_S]: runs the case's blehost command against the live
# controller, recording $WORK/traces/NAME.btsnoop, stdout in $WORK/out/NAME.out
# and stderr in $WORK/out/NAME.err. Sets RC. Live "main" store: $WORK/store-main
# (its state before each run is kept in $WORK/store-before/NAME for recording).
run_case() {
	local name=$1 tmo=${2:-30} line live store
	line=$(case_line "$name") || { RC=99; return; }
	# shellcheck disable=SC2086
	set -- $line
	live=$1
	shift 2
	mkdir -p "$WORK/traces" "$WORK/out" "$WORK/store-before"
	case "$live" in
	fresh) store=$(mktemp -d "$WORK/store-fresh.XXXXXX") ;;
	main)
		store="$WORK/store-main"
		mkdir -p "$store"
		rm -rf "$WORK/store-before/$name"
		cp -a "$store" "$WORK/store-before/$name"
		;;
	*) echo "bad live store '$live' in case $name" >&2; RC=99; return ;;
	esac
	timeout -k 2 "$tmo" "$BLEHOST" --trace "$WORK/traces/$name.btsnoop" --store "$store" "$@" \
		>"$WORK/out/$name.out" 2>"$WORK/out/$name.err"
	RC=$?
	echo "# $name: blehost $* -> rc $RC"
}

# case_ok NAME DESCRIPTION: a check that the case exited 0 (shows its stderr if not).
case_ok() {
	if [ "$RC" -eq 0 ]; then
		ok "$1: $2"
	else
		fail "$1: $2 (rc $RC)"
		sed 's/^/    | /' "$WORK/out/$1.err" | tail -n 20
	fi
}

# record CASE...: copies each case's trace and stdout into tests/pcap as the
# replay test's input (only with INTEROP_RECORD=1, and only when every check
# passed: a broken run must not become the reference). A case whose replay
# store is bond-store also refreshes tests/interop/bond-store/.
record() {
	[ "${INTEROP_RECORD:-0}" = 1 ] || return 0
	if [ "$N_FAIL" -ne 0 ]; then
		echo "not recording: $N_FAIL check(s) failed" >&2
		return 0
	fi
	local c line
	for c in "$@"; do
		line=$(case_line "$c") || continue
		# shellcheck disable=SC2086
		set -- $line
		cp "$WORK/traces/$c.btsnoop" "$PCAP_DIR/interop-$c.btsnoop"
		cp "$WORK/out/$c.out" "$PCAP_DIR/interop-$c.expected"
		if [ "$2" = bond-store ]; then
			rm -rf "$HERE/bond-store"
			cp -a "$WORK/store-before/$c" "$HERE/bond-store"
		fi
		echo "recorded $PCAP_DIR/interop-$c.btsnoop"
	done
}

finish() {
	echo "# $N_OK passed, $N_FAIL failed"
	[ "$N_FAIL" -eq 0 ] && exit 0
	exit 1
}
