#!/bin/sh
# blehost benchmark runner: builds the bench programs, runs them, prints a
# table and, with --json FILE, writes the same figures as JSON.
#
#   bench/run.sh [--json FILE] [--build DIR] [--quick]
#
# DIR defaults to $BUILD or /tmp/build-bench (configured if missing).
# --quick: fewer iterations and shorter live windows (a smoke run).
# In-memory figures need nothing; callgrind figures need valgrind; live
# figures need btvirt (tests/harness/with-btvirt.sh) and are skipped with a
# note when it is missing. See bench/README.md for what each figure means.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-/tmp/build-bench}
json=
quick=0
while [ $# -gt 0 ]; do
	case $1 in
	--json) json=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	*) echo "usage: $0 [--json FILE] [--build DIR] [--quick]" >&2; exit 2 ;;
	esac
done

if [ ! -f "$build/build.ninja" ]; then
	(cd "$src" && meson setup "$build" >/dev/null)
fi
ninja -C "$build" bench/bench_mem bench/bench_live bench/bench_raw \
	tests/harness/libafalg_shim.so >/dev/null

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
res=$out/results.txt
: >"$res"

# Wall-clock figures are repeated $reps times and the best run is kept
# (min time, max rate): on a shared machine the noise only ever slows a run
# down. Instruction counts are exact and run once.
if [ $quick = 1 ]; then
	n_ns=50000; n1=500; n2=2500; secs=0.5; reps=1
else
	n_ns=1000000; n1=2000; n2=12000; secs=1.5; reps=3
fi

# ---- in memory: nanoseconds per operation ----
mem=$build/bench/bench_mem
echo "in-memory timings..." >&2
for rep in $(seq $reps); do
	for mode in rx tx txatt scan; do
		"$mem" $mode $n_ns >>"$res"
	done
done

# ---- in memory: instructions per operation (callgrind) ----
# Two runs of the measured loop with different counts; the difference
# divided by the extra iterations leaves out setup and one-off costs.
if command -v valgrind >/dev/null 2>&1; then
	echo "callgrind..." >&2
	for mode in rx tx txatt scan; do
		ir() {
			valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
				--toggle-collect="bench_${mode}_loop" "$mem" $mode "$1" 2>&1 >/dev/null |
				sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
		}
		a=$(ir $n1)
		b=$(ir $n2)
		echo "mode=ir_$mode instructions_per_op=$(( (b - a) / (n2 - n1) ))" >>"$res"
	done
else
	echo "note=valgrind_missing" >>"$res"
fi

# ---- live on btvirt ----
live=$build/bench/bench_live
raw=$build/bench/bench_raw
export AFALG_SHIM="$build/tests/harness/libafalg_shim.so"
echo "live on btvirt..." >&2
set +e
"$src/tests/harness/with-btvirt.sh" sh -c "
	'$live' ram
	'$live' discovery 23
	'$live' discovery 517
	for rep in \$(seq $reps); do
		for len in 20 185 512; do '$live' notify \$len $secs; done
		for len in 20 185 244; do '$live' wcmd \$len $secs; done
		for len in 27 192; do '$raw' \$len $secs; done
	done
	exit 0" >>"$res" 2>"$out/live.err"
rc=$?
set -e
if [ $rc = 77 ]; then
	echo "note=btvirt_missing" >>"$res"
elif grep -q FAIL "$out/live.err"; then
	grep FAIL "$out/live.err" >&2
fi

# ---- end to end: two blehost processes, whole-process figures ----
e2e_args="--build $build"
[ $quick = 1 ] && e2e_args="$e2e_args --quick"
"$here/run_e2e.sh" $e2e_args >>"$res" || echo "note=e2e_failed" >>"$res"

# ---- the same peaks with libcrypto's AES and SHA-256 linked in ----
# (-Dlibcrypto_static=true, docs/architecture.md): a build of its own; its
# e2e_rss line is kept as e2e_rss_static. Not in a --quick run.
if [ $quick = 0 ]; then
	static=$build-crypto-static
	if [ ! -f "$static/build.ninja" ]; then
		(cd "$src" && meson setup "$static" -Dlibcrypto_static=true >/dev/null)
	fi
	if "$here/run_e2e.sh" --build "$static" --rss >"$out/static.txt"; then
		sed -n 's/^mode=e2e_rss /mode=e2e_rss_static /p' "$out/static.txt" >>"$res"
	else
		echo "note=e2e_crypto_static_failed" >>"$res"
	fi
fi

# ---- linked code size per leave-out build option (bench/run_size.sh) ----
# Full run: every option alone; quick: all on and all off ("lean").
size_args="--dir $build-size"
[ $quick = 1 ] && size_args="$size_args --quick"
"$here/run_size.sh" $size_args >>"$res" || echo "note=size_failed" >>"$res"

# ---- code size per layer (text of each static library) ----
for lib in $(find "$build" -name 'libbh_*.a' ! -path '*/tests/*' | sort); do
	name=$(basename "$lib" .a | sed 's/^libbh_//')
	text=$(size -t "$lib" | tail -1 | awk '{print $1}')
	echo "mode=size layer=$name text_bytes=$text" >>"$res"
done

python3 - "$res" "$json" "$reps" <<'EOF'
import json, sys, datetime, platform
rows = []
for line in open(sys.argv[1]):
    kv = dict(p.split('=', 1) for p in line.split() if '=' in p)
    if kv:
        rows.append(kv)
def num(v):
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v
rows = [{k: num(v) for k, v in r.items()} for r in rows]

# Keep the best of repeated runs: one row per mode and group key.
def keep_best(rows, mode, group, metric, smaller):
    picked, rest = {}, []
    for r in rows:
        if r.get('mode') != mode:
            rest.append(r)
            continue
        k = r.get(group)
        if k not in picked or (r[metric] < picked[k][metric]) == smaller:
            picked[k] = r
    return rest + sorted(picked.values(), key=lambda r: r.get(group) or 0)
for m in ('rx', 'tx', 'txatt', 'scan'):
    rows = keep_best(rows, m, 'mode', 'ns_per_op', True)
for m in ('notify', 'wcmd'):
    rows = keep_best(rows, m, 'value_len', 'packets_per_s', False)
rows = keep_best(rows, 'raw', 'acl_len', 'packets_per_s', False)
rows = keep_best(rows, 'discovery', 'mtu', 'ms', True)
by = lambda m: [r for r in rows if r.get('mode') == m]
def one(m, key):
    r = by(m)
    return r[0].get(key) if r else None

doc = {'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
       'machine': platform.node(), 'cpu': platform.processor() or platform.machine(),
       'wall_clock_repetitions_best_of': int(sys.argv[3])}
doc['receive'] = {'ns_per_notification': one('rx', 'ns_per_op'),
                  'instructions_per_notification': one('ir_rx', 'instructions_per_op'),
                  'value_len': one('rx', 'value_len')}
doc['transmit_gatts'] = {'ns_per_notification': one('tx', 'ns_per_op'),
                         'instructions_per_notification': one('ir_tx', 'instructions_per_op')}
doc['transmit_att'] = {'ns_per_notification': one('txatt', 'ns_per_op'),
                       'instructions_per_notification': one('ir_txatt', 'instructions_per_op')}
doc['scan'] = {'reports_per_s': one('scan', 'reports_per_s'),
               'ns_per_report': one('scan', 'ns_per_op'),
               'instructions_per_report': one('ir_scan', 'instructions_per_op'),
               'distinct_devices': one('scan', 'devices')}
doc['throughput'] = [dict(kind=r['mode'], value_len=r['value_len'],
                          packets_per_s=r['packets_per_s'], bytes_per_s=r['bytes_per_s'])
                     for r in rows if r.get('mode') in ('notify', 'wcmd')]
doc['btvirt_ceiling'] = [dict(acl_len=r['acl_len'], value_len=r['value_len'],
                              packets_per_s=r['packets_per_s'],
                              value_bytes_per_s=r['value_bytes_per_s'])
                         for r in by('raw')]
doc['discovery'] = [dict(mtu=r['mtu'], requests=r['requests'], ms=r['ms'])
                    for r in by('discovery')]
ram = by('ram')
doc['ram'] = {k: ram[0][k] for k in ('host_fixed_bytes', 'per_slot_bytes',
              'per_connection_bytes', 'leaked_after_disconnect')} if ram else None
doc['code_size_text'] = {r['layer']: r['text_bytes'] for r in by('size')}
doc['code_size_options'] = {r['mode'][5:]: dict(code_bytes=r['code_bytes'],
                                                saved_bytes=r['saved_bytes'],
                                                json_db_code_bytes=r.get('json_db_code_bytes'))
                             for r in rows if str(r.get('mode', '')).startswith('size_')}
doc['notes'] = [r['note'] for r in rows if 'note' in r]

# Issue 16: whole-process figures and their targets (bench/run_e2e.sh).
e2e = {m: (by(m) or [{}])[0] for m in
       ('e2e_ir', 'e2e_startup', 'e2e_heap', 'e2e_rss', 'e2e_rate', 'e2e_rate_spread', 'e2e_size', 'e2e_heap2',
        'e2e_rss_floor', 'e2e_rss_static')}
def kb(v):
    return None if v is None else round(v / 1024, 1)
doc['end_to_end'] = [
    dict(figure='receive, instructions per notification',
         value=e2e['e2e_ir'].get('rx_per_notification'), target_max=1600),
    dict(figure='transmit, instructions per notification',
         value=e2e['e2e_ir'].get('tx_per_notification'), target_max=3000),
    dict(figure='start-up to controller ready, instructions',
         value=e2e['e2e_startup'].get('instructions'), target_max=4400000),
    dict(figure='heap high-water, connected central (massif), KB',
         value=kb(e2e['e2e_heap'].get('central_peak_bytes')), target_max=64),
    dict(figure='heap high-water, notifying peer (massif), KB',
         value=kb(e2e['e2e_heap'].get('peer_peak_bytes')), target_max=64),
    dict(figure='heap per extra link, central (massif, two links minus one), KB',
         value=kb(e2e['e2e_heap2'].get('per_extra_link_bytes')), target_max=8),
    dict(figure='peak RSS, central, KB',
         value=e2e['e2e_rss'].get('central_peak_kb'), target_max=3072),
    dict(figure='peak RSS, peer, first start (hash computed), KB',
         value=e2e['e2e_rss'].get('peer_peak_kb'), target_max=3072),
    dict(figure='peak RSS, peer, first start (hash computed), -Dlibcrypto_static=true, KB',
         value=e2e['e2e_rss_static'].get('peer_peak_kb'), target_max=3072),
    dict(figure='peak RSS, peer, second start (hash from file), KB',
         value=e2e['e2e_rss'].get('peer_warm_peak_kb'), target_max=3072),
    dict(figure='peak RSS, peer, first start (hash built in), KB',
         value=e2e['e2e_rss'].get('peer_built_peak_kb'), target_max=3072),
    dict(figure='code, bench_e2e at -Os (-Oz), .text+.rodata, KB',
         value=kb(e2e['e2e_size'].get('code_bytes')), target_max=98),
    dict(figure='code, bench_size (database in C) at -Os (-Oz), .text+.rodata, KB',
         value=kb(e2e['e2e_size'].get('probe_code_bytes')), target_max=98),
    # Issue 16's 98 KB is for BTstack's LE feature set: le_gatt (run_size.sh;
    # not in a --quick run).
    dict(figure='code, le_gatt (LE feature set), bench_size at -Os (-Oz), KB',
         value=kb(doc['code_size_options'].get('le_gatt', {}).get('code_bytes')), target_max=98),
    dict(figure='code, le_gatt linked with LTO, bench_size at -Os (-Oz), KB',
         value=kb(doc['code_size_options'].get('le_gatt_lto', {}).get('code_bytes')),
         target_max=98),
    dict(figure='code, le_gatt with LTO and no log messages, bench_size, KB',
         value=kb(doc['code_size_options'].get('le_gatt_lto_nolog', {}).get('code_bytes')),
         target_max=98),
    dict(figure='notifications/s on one CPU, share of btvirt raw ceiling, %',
         value=e2e['e2e_rate'].get('share_percent'), target_min=80),
]
doc['end_to_end_detail'] = e2e

def f(v, unit=''):
    if v is None:
        return 'n/a'
    if isinstance(v, float):
        v = round(v, 1)
    return f'{v:,}{unit}'

print(f"blehost benchmarks, {doc['date']}")
print(f"{'figure':58} {'value':>16}")
def row(name, v, unit=''):
    print(f'{name:58} {f(v, unit):>16}')
print('-- in memory (one connection, MTU 23, 20-byte values) --')
row('receive: ACL -> app callback, instructions/notification', doc['receive']['instructions_per_notification'])
row('receive: ACL -> app callback, ns/notification', doc['receive']['ns_per_notification'])
row('transmit: bh_gatts_notify -> HCI port, instructions', doc['transmit_gatts']['instructions_per_notification'])
row('transmit: bh_gatts_notify -> HCI port, ns', doc['transmit_gatts']['ns_per_notification'])
row('transmit: bh_att_notify -> HCI port, instructions', doc['transmit_att']['instructions_per_notification'])
row('transmit: bh_att_notify -> HCI port, ns', doc['transmit_att']['ns_per_notification'])
row('scan: reports parsed+deduplicated per second', doc['scan']['reports_per_s'])
row('scan: instructions per report', doc['scan']['instructions_per_report'])
print('-- live on btvirt (1 LE ACL buffer of 192 bytes, no DLE, MTU 517) --')
for t in doc['throughput']:
    n = 'notifications' if t['kind'] == 'notify' else 'write w/o response'
    row(f"{n}, {t['value_len']} B values: packets/s", t['packets_per_s'])
    row(f"{n}, {t['value_len']} B values: value bytes/s", t['bytes_per_s'])
for t in doc['btvirt_ceiling']:
    row(f"btvirt raw ceiling, {t['acl_len']} B ACL: packets/s", t['packets_per_s'])
    row(f"btvirt raw ceiling, {t['acl_len']} B ACL: value bytes/s", t['value_bytes_per_s'])
for d in doc['discovery']:
    row(f"discovery of the demo database, MTU {d['mtu']}: round trips", d['requests'])
    row(f"discovery of the demo database, MTU {d['mtu']}: ms", d['ms'])
if doc['ram']:
    row('RAM: fixed per host (default config, 8 slots), bytes', doc['ram']['host_fixed_bytes'])
    row('RAM: per connection slot (preallocated), bytes', doc['ram']['per_slot_bytes'])
    row('RAM: per live connection (allocated at connect), bytes', doc['ram']['per_connection_bytes'])
    row('RAM: heap left after disconnect, bytes', doc['ram']['leaked_after_disconnect'])
print('-- end to end: two blehost processes on btvirt, 185 B notifications --')
for e in doc['end_to_end']:
    t = e.get('target_max')
    goal = f'<= {t:,}' if t is not None else f">= {e['target_min']}"
    v = e['value']
    ok = '' if v is None else ('  ok' if (v <= t if t is not None else v >= e['target_min']) else '  MISSED')
    print(f"{e['figure']:58} {f(v):>16}  target {goal}{ok}")
r = e2e['e2e_rate']
if r:
    print(f"  e2e {f(r.get('packets_per_s'))} notifications/s on {r.get('placement')}, btvirt raw "
          f"ceiling {f(r.get('raw_ceiling_packets_per_s'))} packets/s in the same run (three "
          f"processes, as the pair); one process holding both ends: "
          f"{f(r.get('raw_one_process_packets_per_s'))}, share {f(r.get('share_one_process_percent'))} %")
rs = e2e.get('e2e_rate_spread')
if rs:
    print(f"  spread over every CPU (scheduler-bound here, not the figure): e2e "
          f"{f(rs.get('packets_per_s'))}, raw {f(rs.get('raw_ceiling_packets_per_s'))} "
          f"(one process {f(rs.get('raw_one_process_packets_per_s'))}), share {f(rs.get('share_percent'))} %")
fl = e2e['e2e_rss_floor']
if fl:
    print(f"  peak RSS floor: {f(fl.get('libc_kb'))} KB a program that only exits, "
          f"{f(fl.get('aes_cmac_kb'))} KB one that only computes an AES-CMAC (libcrypto)")
print('-- code size (text of each layer library) --')
for k, v in doc['code_size_text'].items():
    row(f'{k}', v, ' B')
for n in doc['notes']:
    print('note:', n)
if sys.argv[2]:
    with open(sys.argv[2], 'w') as fh:
        json.dump(doc, fh, indent=2)
        fh.write('\n')
EOF
