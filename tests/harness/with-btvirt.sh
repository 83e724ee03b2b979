#!/bin/bash
# with-btvirt.sh CMD [ARGS...]
#
# Runs CMD next to a private BlueZ btvirt (virtual LE controllers served on
# /tmp/bt-server-le), exports BLEHOST_TRANSPORT=unix:/tmp/bt-server-le and
# BTVIRT_SOCKET=/tmp/bt-server-le (both /tmp/bt-proxy-le with the handle
# proxy, below), and returns CMD's exit code.
#
# Isolation: btvirt's socket paths are fixed, so two runs would collide.
#  - as root: a private mount namespace with a fresh tmpfs on /tmp. Every
#    entry of the real /tmp (build directories, ...) is bind-mounted back
#    into it, except old bt-server-* sockets, so absolute paths keep working.
#  - otherwise: runs are serialised with flock on $TMPDIR/blehost-btvirt.lock.
#
# AF_ALG: btvirt needs the kernel's AF_ALG crypto sockets. When this kernel
# has none, btvirt is started with LD_PRELOAD=$AFALG_SHIM (tests/harness/
# afalg_shim.c). Exit 77 (meson's "skip") when btvirt is not installed or the
# shim is needed but AFALG_SHIM is not set.
#
# Handle proxy: when BTVIRT_PROXY_BIN is set (unless BTVIRT_PROXY=0), or with
# BTVIRT_PROXY=1, $BTVIRT_PROXY_BIN (tests/harness/
# btvirt_proxy.c) is started between the clients and btvirt on
# /tmp/bt-proxy-le, and BLEHOST_TRANSPORT/BTVIRT_SOCKET point at it. It fixes
# btvirt's connection handles when a controller has several links (see
# btvirt_proxy.c); with one link per controller it changes nothing.
#
# Env: BTVIRT (default: btvirt from PATH), BTVIRT_ARGS (default "-s -l0"),
# BTVIRT_LOG (btvirt's output, default /dev/null), AFALG_SHIM,
# BTVIRT_PROXY (1: must use the proxy, 0: never), BTVIRT_PROXY_BIN, BTVIRT_PROXY_ARGS (e.g.
# -v), BTVIRT_PROXY_LOG (proxy's stderr, default: ours).
set -u

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

self=$(readlink -f "$0")

if [ -z "${WITH_BTVIRT_STAGE:-}" ]; then
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
		unshare -m --propagation private true 2>/dev/null; then
		WITH_BTVIRT_STAGE=ns exec unshare -m --propagation private "$self" "$@"
	fi
	lock="${TMPDIR:-/tmp}/blehost-btvirt.lock"
	exec 9>"$lock" || exit 1
	flock 9
	export WITH_BTVIRT_STAGE=locked
fi

if [ "${WITH_BTVIRT_STAGE}" = ns ]; then
	# Hold the real /tmp as our cwd while a tmpfs covers it, then bind its
	# entries back one by one. --no-canonicalize makes mount pass the
	# relative source path to the kernel, which resolves it against our cwd
	# (the covered /tmp); canonicalized, it would name the new tmpfs itself.
	orig_pwd=$PWD
	cd /tmp || exit 1
	mount -t tmpfs -o mode=1777 tmpfs /tmp || exit 1
	for e in .[!.]* ..?* *; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		case "$e" in bt-server-*) continue ;; esac
		if [ -L "$e" ]; then
			cp -P "$e" "/tmp/$e"
		elif [ -d "$e" ]; then
			# Entries may vanish meanwhile (other jobs' temporary dirs).
			mkdir -p "/tmp/$e" && mount --no-canonicalize --bind "$e" "/tmp/$e" 2>/dev/null || true
		fi
		# Plain files are left out: they are other jobs' transient files.
	done
	# back where we were called from (relative CMD paths), now via the binds
	cd "$orig_pwd" || exit 1
fi
unset WITH_BTVIRT_STAGE

btvirt_bin="${BTVIRT:-$(command -v btvirt || true)}"
if [ -z "$btvirt_bin" ] || [ ! -x "$btvirt_bin" ]; then
	echo "with-btvirt: btvirt not installed (Debian: bluez-test-tools); skipping" >&2
	exit 77
fi

# Does this kernel offer AF_ALG (family 38)? python3 if present, else assume not.
have_afalg() {
	command -v python3 >/dev/null 2>&1 || return 1
	python3 -c 'import socket; socket.socket(38, socket.SOCK_SEQPACKET, 0)' 2>/dev/null
}

preload=""
if ! have_afalg; then
	if [ -z "${AFALG_SHIM:-}" ] || [ ! -f "${AFALG_SHIM}" ]; then
		echo "with-btvirt: kernel lacks AF_ALG and AFALG_SHIM is not set; skipping" >&2
		exit 77
	fi
	preload=$(readlink -f "$AFALG_SHIM")
fi

# Proxy: forced by BTVIRT_PROXY=1, off with BTVIRT_PROXY=0, otherwise used
# whenever BTVIRT_PROXY_BIN is given (meson passes it).
use_proxy=0
case "${BTVIRT_PROXY:-}" in
1)
	if [ -z "${BTVIRT_PROXY_BIN:-}" ] || [ ! -x "${BTVIRT_PROXY_BIN}" ]; then
		echo "with-btvirt: BTVIRT_PROXY=1 but BTVIRT_PROXY_BIN is not an executable" >&2
		exit 1
	fi
	use_proxy=1
	;;
0) ;;
*) [ -n "${BTVIRT_PROXY_BIN:-}" ] && [ -x "${BTVIRT_PROXY_BIN}" ] && use_proxy=1 ;;
esac

sock=/tmp/bt-server-le
proxy_sock=/tmp/bt-proxy-le
rm -f /tmp/bt-server-le /tmp/bt-server-bredrle /tmp/bt-server-bredr /tmp/bt-server-amp \
	/tmp/bt-server-mon "$proxy_sock" 2>/dev/null
# btvirt writes to its clients with writev() and keeps SIGPIPE's default
# action: a client (or the proxy's link for one) that closes while btvirt
# is sending it an event kills the whole btvirt, and every later client of
# the test finds no controller. It is started with SIGPIPE ignored (kept
# across exec), so such a write just fails. Seen once in CI: live-cli under
# valgrind lost btvirt right after a scan client exited.
# shellcheck disable=SC2086
if [ -n "$preload" ]; then
	(trap '' PIPE; LD_PRELOAD="$preload${LD_PRELOAD:+:$LD_PRELOAD}" exec "$btvirt_bin" \
		${BTVIRT_ARGS:--s -l0} >"${BTVIRT_LOG:-/dev/null}" 2>&1) &
else
	(trap '' PIPE; exec "$btvirt_bin" ${BTVIRT_ARGS:--s -l0} >"${BTVIRT_LOG:-/dev/null}" 2>&1) &
fi
btvirt_pid=$!

proxy_pid=""
stop_btvirt() {
	if [ -n "$proxy_pid" ] && kill -0 "$proxy_pid" 2>/dev/null; then
		kill "$proxy_pid" 2>/dev/null
		wait "$proxy_pid" 2>/dev/null
	fi
	if kill -0 "$btvirt_pid" 2>/dev/null; then
		kill "$btvirt_pid" 2>/dev/null
		wait "$btvirt_pid" 2>/dev/null
	fi
}
trap stop_btvirt EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
	[ -S "$sock" ] && break
	if ! kill -0 "$btvirt_pid" 2>/dev/null; then
		echo "with-btvirt: btvirt exited before serving $sock" >&2
		exit 1
	fi
	sleep 0.05
done
if [ ! -S "$sock" ]; then
	echo "with-btvirt: $sock did not appear within 5 s" >&2
	exit 1
fi

if [ "$use_proxy" = 1 ]; then
	# shellcheck disable=SC2086
	"$BTVIRT_PROXY_BIN" -l "$proxy_sock" -s "$sock" ${BTVIRT_PROXY_ARGS:-} \
		2>>"${BTVIRT_PROXY_LOG:-/dev/stderr}" &
	proxy_pid=$!
	for _ in $(seq 1 100); do
		[ -S "$proxy_sock" ] && break
		if ! kill -0 "$proxy_pid" 2>/dev/null; then
			echo "with-btvirt: btvirt_proxy exited before serving $proxy_sock" >&2
			exit 1
		fi
		sleep 0.05
	done
	if [ ! -S "$proxy_sock" ]; then
		echo "with-btvirt: $proxy_sock did not appear within 5 s" >&2
		exit 1
	fi
	sock=$proxy_sock
fi

export BLEHOST_TRANSPORT="unix:$sock"
export BTVIRT_SOCKET="$sock"
# WITH_BTVIRT_WRAPPER (e.g. "valgrind --error-exitcode=1") runs CMD under a tool.
# A shell-script CMD is not the code under test: it gets the wrapper as
# BLEHOST_WRAPPER and puts it in front of the programs it starts.
case "$1" in
*.sh) BLEHOST_WRAPPER=${WITH_BTVIRT_WRAPPER:-} "$@" ;;
*) ${WITH_BTVIRT_WRAPPER:-} "$@" ;;
esac
rc=$?
stop_btvirt
trap - EXIT
exit $rc
