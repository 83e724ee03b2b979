#!/bin/bash
# tests/interop/setup.sh: installs noble and bleno (pinned in package.json /
# package-lock.json) into tests/interop/node_modules. Exits 0 at once when they
# are already there, 77 (meson: skipped) when npm or the registry is not
# available, 1 on any other failure. The native bluetooth-hci-socket binding is
# never built (.npmrc: omit=optional, ignore-scripts=true): btvirt-hci-socket.js
# replaces it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 1

installed() {
	[ -f node_modules/@abandonware/noble/package.json ] &&
		[ -f node_modules/@abandonware/bleno/package.json ] &&
		grep -q '"version": "1.9.2-26"' node_modules/@abandonware/noble/package.json &&
		grep -q '"version": "0.6.2"' node_modules/@abandonware/bleno/package.json
}
installed && exit 0

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "interop setup: node/npm not installed; skipping" >&2
	exit 77
fi

# Several tests may call us at once (meson runs interop tests one by one, but
# a developer may not): one installer at a time.
exec 8>"$here/.setup.lock" || exit 1
flock 8
installed && exit 0

# The registry check is bounded so an offline machine skips quickly instead of
# waiting for npm's own retries.
if ! timeout 30 npm ping --fetch-retries=0 >/dev/null 2>&1; then
	echo "interop setup: the npm registry is not reachable; skipping (run tests/interop/setup.sh once online)" >&2
	exit 77
fi
if [ -f package-lock.json ]; then
	cmd=(npm ci --no-audit --no-fund)
else
	cmd=(npm install --no-audit --no-fund)
fi
if ! timeout 170 "${cmd[@]}" >"$here/.setup.log" 2>&1; then
	cat "$here/.setup.log" >&2
	if grep -qiE 'ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|network' "$here/.setup.log"; then
		echo "interop setup: npm could not reach the registry; skipping" >&2
		exit 77
	fi
	echo "interop setup: ${cmd[*]} failed" >&2
	exit 1
fi
installed || { echo "interop setup: noble/bleno missing after install" >&2; exit 1; }
exit 0
