#!/usr/bin/env bash
# Builds every libFuzzer target (clang, -Dfuzz=true) and runs each for a
# bounded time (FUZZ_SECONDS, default 12) on seeds from tests/pcap/ and the
# target's own corpus, FUZZ_JOBS targets at a time (default 2, one per core
# of the CI machine); any crash, leak or sanitizer report fails, and so does
# a target whose final coverage (libFuzzer's "cov:", edges) stays below its
# floor in fuzz/coverage-floors.txt (a blind target, one whose code is not
# instrumented, stops at a handful of edges), or that has no floor there.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-fuzz
secs=${FUZZ_SECONDS:-12}
floors=fuzz/coverage-floors.txt
if [ ! -f $dir/build.ninja ]; then
	CC=clang meson setup $dir -Dfuzz=true -Dtests=disabled -Db_lundef=false >/dev/null
fi
ninja -C $dir >/dev/null
targets=$(find $dir/fuzz -maxdepth 2 -type f -executable -name 'fuzz_*' | sort)
rm -rf $dir/seeds
$dir/fuzz/make_seeds $dir/seeds tests/pcap/*.btsnoop >/dev/null
# The GATT description loader starts from the demo database's description.
mkdir -p $dir/seeds/fuzz_tools_gatt_db && cp tools/demo_db.json $dir/seeds/fuzz_tools_gatt_db/
# The bond file decoder starts from the interop suite's store: each file as
# it is (first octet 0) and its body to be sealed again (see the target).
b=$dir/seeds/fuzz_bond_codec
mkdir -p $b
for f in tests/interop/bond-store/*.bond tests/interop/bond-store/local_identity; do
	how=0; sealed=3
	case $f in *local_identity) how=4; sealed=7 ;; esac
	{ printf "\\$(printf %03o $how)"; cat "$f"; } >"$b/raw-$(basename "$f")"
	{ printf "\\$(printf %03o $sealed)"; sed '1d;$d' "$f"; } >"$b/sealed-$(basename "$f")"
done
[ -n "$targets" ] || { echo "fuzz: no targets built"; exit 1; }
jobs=${FUZZ_JOBS:-2}
echo "== fuzz ($(echo "$targets" | wc -l) targets, ${secs}s each, $jobs at a time)"
# One target's run; its verdict goes to $dir/NAME.result ("ok ..." or
# "FAILED ..."), read in order below so the output does not interleave.
run_one() {
	local t=$1 name corpus seeds runs cov floor
	name=$(basename "$t")
	corpus=$dir/corpus/$name
	mkdir -p "$corpus" "$dir/artifacts"
	seeds=()
	[ -d "$dir/seeds/$name" ] && seeds+=("$dir/seeds/$name")
	if "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$name-" "$corpus" "${seeds[@]}" \
		>"$dir/$name.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/$name.log" | grep -o '[0-9]*$' || echo '?')
		cov=$(grep -o 'cov: [0-9]*' "$dir/$name.log" | tail -1 | grep -o '[0-9]*$' || echo 0)
		floor=$(awk -v t="$name" '$1 == t { print $2 }' $floors)
		if [ -z "$floor" ]; then
			echo "FAILED (no coverage floor in $floors; cov $cov)"
		elif [ "$cov" -lt "$floor" ]; then
			echo "FAILED (cov $cov edges < floor $floor: is its code instrumented?)"
		else
			echo "ok ($runs runs, cov $cov >= $floor)"
		fi
	else
		echo "FAILED (exit status $?)"
	fi >"$dir/$name.result"
}
rm -f $dir/*.result
running=0
for t in $targets; do
	run_one "$t" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait
fail=0
ok=0
bad=0
for t in $targets; do
	name=$(basename "$t")
	res=$(cat "$dir/$name.result" 2>/dev/null || echo "FAILED (no result)")
	echo "  $name: $res"
	case $res in
	ok*) ok=$((ok + 1)) ;;
	*) fail=1; bad=$((bad + 1)); case $res in *"exit status"*) tail -30 "$dir/$name.log" ;; esac ;;
	esac
done
echo "$ok $bad" >$dir/fuzz-summary.txt
exit $fail
