#!/usr/bin/env bash
# The blehost demo: installs what is needed, builds, and shows blehost doing
# its main job. With no Bluetooth hardware it runs on BlueZ's btvirt virtual
# controllers: `blehost peripheral` on one, and on another `blehost scan`
# finding it, `blehost gatt` printing its tree, a read, a write,
# notifications, `blehost pair` with a passkey, and a reconnection that
# re-encrypts from the bond. Every command writes an HCI trace.
#
# Usage: ./demo.sh [TRACE_DIR]     (default: ./demo-traces)
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null
export DEMO_TRACES=$(realpath -m "${1:-demo-traces}")
mkdir -p "$DEMO_TRACES"
export AFALG_SHIM=$PWD/build/tests/harness/libafalg_shim.so
export BTVIRT_PROXY_BIN=$PWD/build/tests/harness/btvirt_proxy
export BLEHOST=$PWD/build/tools/blehost
exec tests/harness/with-btvirt.sh scripts/demo-inner.sh
