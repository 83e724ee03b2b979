#!/bin/bash
# with-bumble.sh CMD [ARGS...]
#
# Runs CMD next to private Bumble virtual controllers (tests/harness/
# bumble_ctrl.py: N Controllers on one simulated radio link, each served as
# H4 on a TCP port the kernel picks), exports BUMBLE_T0, BUMBLE_T1, ... as
# blehost transport values ("tcp:127.0.0.1:PORT", for `blehost -t`) and
# BUMBLE_COUNT, and returns CMD's exit code. Several runs never collide: each
# has its own ports.
#
# Exit 77 (meson's "skip") only when Bumble or its Python dependencies are
# missing (Debian packages: see scripts/setup.sh); any other failure to start
# is an error.
#
# Env: BUMBLE_DIR (default: ../shared/peers/bumble beside the repository),
# BUMBLE_PYTHON (default /usr/bin/python3, Debian's, whose packages Bumble
# uses), BUMBLE_COUNT (default 2), BUMBLE_PUBLIC ("0=AA:..:FF 1=..", public
# addresses; default all-zero like Bumble), BUMBLE_LOG (Bumble's debug log,
# default none), BUMBLE_ARGS (more bumble_ctrl.py options, e.g.
# "--clear-le-features 0x40"). WITH_BUMBLE_WRAPPER runs CMD under a tool, like
# WITH_BTVIRT_WRAPPER.
set -u

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

here=$(dirname "$(readlink -f "$0")")
repo=$(readlink -f "$here/../..")
bdir=${BUMBLE_DIR:-$repo/../shared/peers/bumble}
py=${BUMBLE_PYTHON:-/usr/bin/python3}

if [ ! -d "$bdir/bumble" ]; then
	echo "with-bumble: Bumble not found at $bdir; skipping" >&2
	exit 77
fi
if [ ! -x "$py" ]; then
	echo "with-bumble: $py not found; skipping" >&2
	exit 77
fi
export PYTHONPATH="$bdir/pyshim:$bdir${PYTHONPATH:+:$PYTHONPATH}"
if ! missing=$("$py" -c 'import bumble.controller, bumble.link, bumble.transport.tcp_server' 2>&1); then
	echo "with-bumble: Bumble's Python dependencies are missing (scripts/setup.sh installs them); skipping" >&2
	echo "$missing" | tail -1 >&2
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/with-bumble.XXXXXX") || exit 1
ready="$work/ready"
count=${BUMBLE_COUNT:-2}
pubargs=()
for p in ${BUMBLE_PUBLIC:-}; do
	pubargs+=(--public "$p")
done
logargs=()
[ -n "${BUMBLE_LOG:-}" ] && logargs=(--log "$BUMBLE_LOG")

# shellcheck disable=SC2086
"$py" "$here/bumble_ctrl.py" --count "$count" --ready "$ready" \
	"${pubargs[@]}" "${logargs[@]}" ${BUMBLE_ARGS:-} 2>"$work/stderr" &
bpid=$!

stop_bumble() {
	if kill -0 "$bpid" 2>/dev/null; then
		kill "$bpid" 2>/dev/null
		wait "$bpid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap stop_bumble EXIT
trap 'exit 130' INT TERM

# Python start-up under load can take a while: 20 s before giving up.
for _ in $(seq 1 400); do
	[ -s "$ready" ] && break
	if ! kill -0 "$bpid" 2>/dev/null; then
		wait "$bpid"
		rc=$?
		cat "$work/stderr" >&2
		[ "$rc" = 77 ] && exit 77
		echo "with-bumble: bumble_ctrl.py exited ($rc) before serving" >&2
		exit 1
	fi
	sleep 0.05
done
if [ ! -s "$ready" ]; then
	echo "with-bumble: controllers did not come up within 20 s" >&2
	exit 1
fi

i=0
while read -r t; do
	export "BUMBLE_T$i=$t"
	i=$((i + 1))
done <"$ready"
export BUMBLE_COUNT=$i

case "$1" in
*.sh) BLEHOST_WRAPPER=${WITH_BUMBLE_WRAPPER:-} "$@" ;;
*) ${WITH_BUMBLE_WRAPPER:-} "$@" ;;
esac
rc=$?
stop_bumble
trap - EXIT
exit $rc
