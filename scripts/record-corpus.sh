#!/usr/bin/env bash
# Re-records the scenario traces in tests/pcap/ from live runs on btvirt.
# Run after a change that alters what the stack sends; then commit the traces.
# Usage: scripts/record-corpus.sh [SCENARIO...]   (default: every scenario)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
export AFALG_SHIM=$PWD/build/tests/harness/libafalg_shim.so
export BTVIRT_PROXY_BIN=$PWD/build/tests/harness/btvirt_proxy
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(build/tests/live/scenario list | cut -d' ' -f1)
for s in "${names[@]}"; do
	rm -f tests/pcap/"$s"-*.btsnoop tests/pcap/"$s".meta
	if tests/harness/with-btvirt.sh build/tests/live/scenario live "$s" "$PWD/tests/pcap" >/tmp/record-$s.log 2>&1; then
		echo "recorded $s: $(ls tests/pcap/"$s"-*.btsnoop | xargs -n1 basename | tr '\n' ' ')"
	else
		echo "FAILED $s (see /tmp/record-$s.log)"; tail -5 /tmp/record-$s.log
		rm -f tests/pcap/"$s"-*.btsnoop tests/pcap/"$s".meta
	fi
done
