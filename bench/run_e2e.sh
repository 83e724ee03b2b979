#!/bin/sh
# End-to-end figures (issue 16): two blehost processes (bench_e2e) on one
# btvirt, measured as whole processes. Prints key=value lines (mode=e2e_*)
# that bench/run.sh folds into its table and JSON; see bench/README.md.
#
#   bench/run_e2e.sh --build DIR [--os-build DIR] [--quick] [--rss]
#
# DIR: a configured build with bench/bench_e2e and bench/bench_raw.
# --os-build: where the -Os build for the code size goes (configured if
# missing; default DIR-os). --quick: small N, one repetition (a smoke run of
# a few seconds without valgrind figures' precision). --rss: only the native
# runs (rate, peak RSS cold and warm, RSS floor): no valgrind, no -Os build.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=
osbuild=
quick=0
rss_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--os-build) osbuild=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--rss) rss_only=1; shift ;;
	*) echo "usage: $0 --build DIR [--os-build DIR] [--quick] [--rss]" >&2; exit 2 ;;
	esac
done
[ -n "$build" ] || { echo "$0: --build DIR is required" >&2; exit 2; }
build=$(cd "$build" && pwd)
osbuild=${osbuild:-$build-os}

ninja -C "$build" bench/bench_e2e bench/bench_raw bench/bench_rss_floor tests/harness/libafalg_shim.so \
	tests/harness/btvirt_proxy >/dev/null
e2e=$build/bench/bench_e2e
raw=$build/bench/bench_raw
export AFALG_SHIM="$build/tests/harness/libafalg_shim.so"

# The difference method: whole-process totals at N2 minus N1, divided by
# N2 - N1, so start-up, connection, discovery and tear-down drop out.
if [ $quick = 1 ]; then
	n1=200; n2=2000; nrate=2000; reps=1; secs=0.5
else
	n1=2000; n2=20000; nrate=20000; reps=3; secs=1.5
fi
len=185 # one 192-byte ACL packet per notification: btvirt's buffer size

# E2E_KEEP=DIR keeps the outputs there (callgrind files for
# callgrind_annotate, massif files for ms_print).
if [ -n "${E2E_KEEP:-}" ]; then
	tmp=$E2E_KEEP
	mkdir -p "$tmp"
	rm -f "$tmp"/raw.txt
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi

# One peer/central pair. $1: tag, $2: N, $3: wrapper for both ends ("" or
# a valgrind command line with @ where the end's name goes); $7 (optional):
# the peer's Database Hash directory (bench_e2e peer ... HASH_DIR).
cat >"$tmp/pair.sh" <<'EOF'
set -u
tag=$1 n=$2 wrap=$3 e2e=$4 len=$5 dir=$6 hashdir=${7:-}
w() { [ -n "$wrap" ] && echo "$wrap" | sed "s|@|$dir/$tag.$1|g"; }
# Native runs: keep each end's last /proc/PID/smaps (every 50 ms) for the
# RSS by mapping (mode=e2e_rss_maps).
snap() {
	[ -z "$wrap" ] || return 0
	while cat /proc/$1/smaps >"$dir/$tag.$2.sm" 2>/dev/null && [ -s "$dir/$tag.$2.sm" ]; do
		mv "$dir/$tag.$2.sm" "$dir/$tag.$2.smaps"
		sleep 0.05
	done
	rm -f "$dir/$tag.$2.sm"
}
$(w peer) "$e2e" peer "$n" "$len" $hashdir >"$dir/$tag.peer.out" 2>"$dir/$tag.peer.err" &
pid=$!
snap $pid peer &
i=0
while ! grep -q '^peer ' "$dir/$tag.peer.out" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
		echo "FAIL $tag: peer did not start" >&2
		cat "$dir/$tag.peer.err" >&2
		kill $pid 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
addr=$(sed -n 's/^peer //p' "$dir/$tag.peer.out")
$(w central) "$e2e" central "$addr" "$n" >"$dir/$tag.central.out" 2>"$dir/$tag.central.err" &
cpid=$!
snap $cpid central &
wait $cpid
crc=$?
wait $pid
prc=$?
if [ $crc != 0 ] || [ $prc != 0 ]; then
	echo "FAIL $tag: central rc=$crc peer rc=$prc" >&2
	cat "$dir/$tag.central.err" "$dir/$tag.peer.err" >&2
	exit 1
fi
EOF

# Two peers and one central with a link to each (the heap one more link
# costs, mode=e2e_heap2). Same arguments as pair.sh.
cat >"$tmp/pair2.sh" <<'EOF'
set -u
tag=$1 n=$2 wrap=$3 e2e=$4 len=$5 dir=$6
w() { [ -n "$wrap" ] && echo "$wrap" | sed "s|@|$dir/$tag.$1|g"; }
addrs= pids=
for p in peer peerb; do
	$(w $p) "$e2e" peer "$n" "$len" >"$dir/$tag.$p.out" 2>"$dir/$tag.$p.err" &
	pids="$pids $!"
	i=0
	while ! grep -q '^peer ' "$dir/$tag.$p.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			echo "FAIL $tag: $p did not start" >&2
			cat "$dir/$tag.$p.err" >&2
			kill $pids 2>/dev/null
			exit 1
		fi
		sleep 0.1
	done
	addrs="$addrs $(sed -n 's/^peer //p' "$dir/$tag.$p.out")"
done
$(w central) "$e2e" central2 $addrs "$n" >"$dir/$tag.central.out" 2>"$dir/$tag.central.err"
crc=$?
rc=0
for pid in $pids; do wait $pid || rc=1; done
if [ $crc != 0 ] || [ $rc != 0 ]; then
	echo "FAIL $tag: central rc=$crc peers rc=$rc" >&2
	cat "$dir/$tag.central.err" "$dir/$tag.peer.err" "$dir/$tag.peerb.err" >&2
	exit 1
fi
EOF

cg="valgrind --tool=callgrind --callgrind-out-file=@.cg --log-file=@.vg"
ms="valgrind --tool=massif --massif-out-file=@.ms --log-file=@.vg"
have_vg=0
command -v valgrind >/dev/null 2>&1 && have_vg=1
[ $rss_only = 1 ] && have_vg=0
# Peak RSS of the peer cold and warm: each repetition's rate run starts the
# peer with an empty Database Hash directory (it computes the hash, as
# every run did before 2026-12-06, and writes the file), then a second pair
# runs with the same directory (the peer serves the hash from the file),
# then a third with no directory but the hash made when bench_e2e was built
# (bench/bench_db_hash.c, bh_host_config.db_hash_known): a first start of a
# program whose database is fixed at build time.
for rep in $(seq $reps); do mkdir -p "$tmp/hash$rep"; done

# Where the rate runs go. On this kind of VM a wake-up that crosses CPUs
# costs far more than a switch on one CPU, so the rate of any run spread
# over two CPUs follows the scheduler's placement: bench_raw gave 73 k
# packets/s on one CPU and 14 k over two, in the same minute. The figure's
# runs therefore all go on one CPU (E2E_CPU, default the first this
# process may use), btvirt included; one spread run is kept for reference.
# The ceiling is bench_raw split: sender, btvirt and receiver in three
# processes, as between two blehost programs (one process holding both
# ends, bench_raw's default, saves a process switch per packet and is
# reported beside it).
cpu=${E2E_CPU:-$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)}
pin=
command -v taskset >/dev/null 2>&1 && [ -n "$cpu" ] && pin="taskset -c $cpu"
placement=${pin:+cpu$cpu}
placement=${placement:-unpinned}

echo "end to end on btvirt (rate runs: $placement)..." >&2
set +e
$pin "$src/tests/harness/with-btvirt.sh" sh -c "
	set -e
	for rep in \$(seq $reps); do
		'$raw' 192 $secs >>'$tmp/raw.txt'
		'$raw' 192 $secs split >>'$tmp/raw.txt'
		sh '$tmp/pair.sh' rate\$rep $nrate '' '$e2e' $len '$tmp' '$tmp/hash'\$rep
		sh '$tmp/pair.sh' warm\$rep $nrate '' '$e2e' $len '$tmp' '$tmp/hash'\$rep
		sh '$tmp/pair.sh' built\$rep $nrate '' '$e2e' $len '$tmp' built
	done" >&2
rc=$?
if [ $rc = 0 ]; then
	"$src/tests/harness/with-btvirt.sh" sh -c "
	set -e
	'$raw' 192 $secs >'$tmp/raw_spread.txt'
	'$raw' 192 $secs split >>'$tmp/raw_spread.txt'
	sh '$tmp/pair.sh' spread $nrate '' '$e2e' $len '$tmp' built
	if [ $have_vg = 1 ]; then
		valgrind --tool=callgrind --callgrind-out-file='$tmp/startup.cg' \
			--log-file='$tmp/startup.vg' '$e2e' startup
		sh '$tmp/pair.sh' cg1 $n1 '$cg' '$e2e' $len '$tmp'
		sh '$tmp/pair.sh' cg2 $n2 '$cg' '$e2e' $len '$tmp'
		sh '$tmp/pair.sh' ms $n1 '$ms' '$e2e' $len '$tmp'
	fi" >&2
	rc=$?
fi
# Two links from one controller need btvirt's handle proxy
# (tests/harness/btvirt_proxy.c); only this run uses it.
if [ $rc = 0 ] && [ $have_vg = 1 ]; then
	BTVIRT_PROXY=1 BTVIRT_PROXY_BIN="$build/tests/harness/btvirt_proxy" \
		"$src/tests/harness/with-btvirt.sh" sh "$tmp/pair2.sh" ms2 $n1 "$ms" "$e2e" $len "$tmp" >&2
	rc=$?
fi
set -e
if [ $rc = 77 ]; then
	echo "note=btvirt_missing_e2e"
	exit 0
elif [ $rc != 0 ]; then
	echo "FAIL e2e (rc $rc)" >&2
	exit 1
fi

kv() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" "$1" | head -1; }
collected() { sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$1"; }
peak_heap() { # massif: the largest heap snapshot (useful bytes + malloc's extra)
	awk -F= '/^mem_heap_B=/{h=$2} /^mem_heap_extra_B=/{t=h+$2; if (t>m) m=t} END{print m+0}' "$1"
}

# Throughput: the best run's rate over the best raw ceiling of this run.
best_rate=0
best_rss_c=0
best_rss_p=0
for f in "$tmp"/rate*.central.out; do
	r=$(kv "$f" packets_per_s)
	[ "${r%.*}" -gt "$best_rate" ] && best_rate=${r%.*}
	c=$(kv "$f" peak_rss_kb)
	[ "$c" -gt "$best_rss_c" ] && best_rss_c=$c
	p=$(kv "${f%.central.out}.peer.out" peak_rss_kb)
	[ "$p" -gt "$best_rss_p" ] && best_rss_p=$p
done
best_rss_w=0
for f in "$tmp"/warm*.peer.out; do
	p=$(kv "$f" peak_rss_kb)
	[ "$p" -gt "$best_rss_w" ] && best_rss_w=$p
done
best_rss_b=0
for f in "$tmp"/built*.peer.out; do
	p=$(kv "$f" peak_rss_kb)
	[ "$p" -gt "$best_rss_b" ] && best_rss_b=$p
done
# The best of each kind of raw run: split=1 (three processes) or 0 (one).
raw_best() { sed -n "s/.* split=$2 .*packets_per_s=\([0-9]*\).*/\1/p" "$1" | sort -n | tail -1; }
ceiling=$(raw_best "$tmp/raw.txt" 1)
ceiling1=$(raw_best "$tmp/raw.txt" 0)
spread=$(kv "$tmp/spread.central.out" packets_per_s)
spread=${spread%.*}
spread_ceiling=$(raw_best "$tmp/raw_spread.txt" 1)
heap_c=$(kv "$tmp/rate1.central.out" heap_connected_bytes)
echo "mode=e2e_rate value_len=$len notifications=$nrate placement=$placement packets_per_s=$best_rate" \
	"raw_ceiling_packets_per_s=$ceiling share_percent=$(( best_rate * 100 / ceiling ))" \
	"raw_one_process_packets_per_s=$ceiling1 share_one_process_percent=$(( best_rate * 100 / ceiling1 ))"
echo "mode=e2e_rate_spread packets_per_s=$spread raw_ceiling_packets_per_s=$spread_ceiling" \
	"raw_one_process_packets_per_s=$(raw_best "$tmp/raw_spread.txt" 0)" \
	"share_percent=$(( spread * 100 / spread_ceiling ))"
# peer_peak_kb: the first start (hash computed, libcrypto loaded), the
# figure's meaning since it was first measured; peer_warm_peak_kb: the start
# after it, the hash served from the file; peer_built_peak_kb: a first
# start with the hash built in. Largest of the repetitions.
echo "mode=e2e_rss central_peak_kb=$best_rss_c peer_peak_kb=$best_rss_p" \
	"peer_warm_peak_kb=$best_rss_w peer_built_peak_kb=$best_rss_b" \
	"heap_connected_in_use_bytes=$heap_c" \
	"peer_libcrypto=$(kv "$tmp/rate1.peer.out" libcrypto)" \
	"peer_warm_libcrypto=$(kv "$tmp/warm1.peer.out" libcrypto)" \
	"peer_built_libcrypto=$(kv "$tmp/built1.peer.out" libcrypto)"
# RSS by mapping of the first rate run's ends, largest first: name:KB.
rss_maps() {
	[ -s "$1" ] || return 0
	awk '/^[0-9a-f]+-[0-9a-f]+ /{n=($6==""?"[anon]":$6); sub(".*/","",n)} /^Rss:/{r[n]+=$2}
		END{for (k in r) print r[k], k}' "$1" | sort -rn | head -8 | awk '{printf "%s%s:%s", (NR > 1 ? "," : ""), $2, $1}'
}
for end in central peer; do
	echo "mode=e2e_rss_maps end=$end kb_by_mapping=$(rss_maps "$tmp/rate1.$end.smaps")"
done
echo "mode=e2e_rss_maps end=peer_warm kb_by_mapping=$(rss_maps "$tmp/warm1.peer.smaps")"
echo "mode=e2e_rss_maps end=peer_built kb_by_mapping=$(rss_maps "$tmp/built1.peer.smaps")"

# The floor under those figures: the least of 3 runs of a program that only
# exits, and of one that only computes an AES-CMAC through blehost's core.
floor() {
	for _ in 1 2 3; do "$build/bench/bench_rss_floor" "$1" | sed 's/.*peak_rss_kb=//'; done | sort -n | head -1
}
echo "mode=e2e_rss_floor libc_kb=$(floor libc) aes_cmac_kb=$(floor aes_cmac)"

if [ $have_vg = 1 ]; then
	rx1=$(collected "$tmp/cg1.central.vg"); rx2=$(collected "$tmp/cg2.central.vg")
	tx1=$(collected "$tmp/cg1.peer.vg"); tx2=$(collected "$tmp/cg2.peer.vg")
	# Divide by what arrived (btvirt may drop some when a reader lags).
	g1=$(kv "$tmp/cg1.central.out" received); g2=$(kv "$tmp/cg2.central.out" received)
	echo "mode=e2e_ir n1=$n1 n2=$n2 rx_per_notification=$(( (rx2 - rx1) / (g2 - g1) ))" \
		"tx_per_notification=$(( (tx2 - tx1) / (n2 - n1) ))" \
		"lost_n1=$(kv "$tmp/cg1.central.out" lost) lost_n2=$(kv "$tmp/cg2.central.out" lost)"
	echo "mode=e2e_startup instructions=$(collected "$tmp/startup.vg")"
	echo "mode=e2e_heap central_peak_bytes=$(peak_heap "$tmp/ms.central.ms")" \
		"peer_peak_bytes=$(peak_heap "$tmp/ms.peer.ms")"
	c2=$(peak_heap "$tmp/ms2.central.ms")
	echo "mode=e2e_heap2 central_two_links_peak_bytes=$c2" \
		"per_extra_link_bytes=$((c2 - $(peak_heap "$tmp/ms.central.ms")))"
elif [ $rss_only = 0 ]; then
	echo "note=valgrind_missing_e2e"
fi
[ $rss_only = 1 ] && exit 0

# Code size: the linked bench_e2e (both roles, the demo database loaded
# from JSON) at -Os, and bench_size (the same program with the database
# declared in C: probe_code_bytes; see bench/README.md).
if [ ! -f "$osbuild/build.ninja" ]; then
	(cd "$src" && meson setup "$osbuild" -Dbuildtype=minsize -Db_ndebug=true \
		-Dpython_interpreter="$(command -v python3)" >/dev/null)
fi
ninja -C "$osbuild" bench/bench_e2e bench/bench_size >/dev/null
probe=$(size -A "$osbuild/bench/bench_size" | awk '
	$1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 } END { print t + r }')
size -A "$osbuild/bench/bench_e2e" | awk -v probe="$probe" '
	$1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 }
	END { printf "mode=e2e_size text_bytes=%d rodata_bytes=%d code_bytes=%d probe_code_bytes=%d\n",
		t, r, t + r, probe }'
