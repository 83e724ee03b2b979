#!/bin/sh
# Code size per build option (issue 16): .text + .rodata at -Os (meson
# buildtype minsize, NDEBUG; meson.build adds -Oz where the compiler has
# it, gcc 12 and clang, since session 14), once with every feature on and once per
# leave-out option, then with all of them off ("lean", the configuration
# scripts/buildtypes.sh builds in CI). Prints key=value lines (mode=size_*)
# like bench/run_e2e.sh: code_bytes is bench/bench_size (bench_e2e's both
# roles with the demo database declared in C, as an application compiles
# its database in); json_db_code_bytes is bench_e2e itself, which loads the
# database from JSON at run time (the figure before 2026-12-05's size8, and
# what bench/run_e2e.sh reports).
#
#   bench/run_size.sh [--dir DIR] [--quick]
#
# DIR: where the build directory goes (default /tmp/bh-size; reused, so a
# second run only relinks). --quick: only "full" and "lean" (two builds).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
dir=/tmp/bh-size
quick=0
while [ $# -gt 0 ]; do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	*) echo "usage: $0 [--dir DIR] [--quick]" >&2; exit 2 ;;
	esac
done
mkdir -p "$dir"

# name:meson options (comma-separated), each on top of every option at its
# default. Keep "lean" equal to lean_opts in scripts/buildtypes.sh.
# "le_gatt" keeps GATT client and server and both pairing kinds (the feature
# set of BTstack's LE-only build that issue 16 compares with) and leaves out
# everything else an option can. Both compile out log messages below
# warnings (-Dlog_level=warn: a product keeps its errors and warnings);
# "log_level" is the most it can save (-Dlog_level=none). "le_gatt_lto" is
# le_gatt linked with link-time optimisation (-Db_lto=true), as CI builds it;
# "le_gatt_lto_nolog" the same without any log message (-Dlog_level=none),
# for a product that wants the smallest code and keeps only return codes.
defaults=-Dchipset=true,-Dh5=true,-Dtrace=true,-Dusb=auto,-Dl2cap_coc=true
defaults=$defaults,-Dgatt_client=true,-Dgatt_server=true,-Dsmp_legacy=true
defaults=$defaults,-Dsockets=true,-Duart_speed=true,-Derror_text=true
defaults=$defaults,-Dext_adv=true,-Dgatt_caching=true,-Dsigned_write=true
defaults=$defaults,-Dlog_level=debug
defaults=$defaults,-Db_lto=false
lean=-Dchipset=false,-Dh5=false,-Dtrace=false,-Dusb=disabled,-Dl2cap_coc=false
lean=$lean,-Dgatt_client=false,-Dgatt_server=false,-Dsmp_legacy=false
lean=$lean,-Dsockets=false,-Duart_speed=false,-Derror_text=false
lean=$lean,-Dext_adv=false,-Dsigned_write=false,-Dlog_level=warn
le_gatt=-Dchipset=false,-Dh5=false,-Dtrace=false,-Dusb=disabled,-Dl2cap_coc=false
le_gatt=$le_gatt,-Dsockets=false,-Duart_speed=false,-Derror_text=false
le_gatt=$le_gatt,-Dext_adv=false,-Dgatt_caching=false,-Dlog_level=warn
configs="full:
chipset:-Dchipset=false
h5:-Dh5=false
trace:-Dtrace=false
usb:-Dusb=disabled
l2cap_coc:-Dl2cap_coc=false
gatt_client:-Dgatt_client=false
gatt_server:-Dgatt_server=false
smp_legacy:-Dsmp_legacy=false
sockets:-Dsockets=false
uart_speed:-Duart_speed=false
error_text:-Derror_text=false
ext_adv:-Dext_adv=false
gatt_caching:-Dgatt_caching=false
signed_write:-Dsigned_write=false
log_warn:-Dlog_level=warn
log_level:-Dlog_level=none
le_gatt:$le_gatt
le_gatt_lto:$le_gatt,-Db_lto=true
le_gatt_lto_nolog:$le_gatt,-Db_lto=true,-Dlog_level=none
lean:$lean"
[ $quick = 1 ] && configs=$(echo "$configs" | grep -E '^(full|lean):')

code_bytes() {
	size -A "$1" | awk '$1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 }
		END { printf "text_bytes=%d rodata_bytes=%d code_bytes=%d", t, r, t + r }'
}

# One build directory, reconfigured per line: the options only swap files in
# meson, so each step recompiles a library or two and relinks.
b=$dir/minsize
if [ ! -f "$b/build.ninja" ]; then
	(cd "$src" && meson setup "$b" -Dbuildtype=minsize -Db_ndebug=true \
		-Dtests=disabled -Dpython=disabled \
		-Dpython_interpreter="$(command -v python3)" >/dev/null)
fi
full=
echo "$configs" | while IFS=: read -r name opts; do
	set -- $(echo "$defaults,$opts" | tr , ' ')
	# A directory made before an option existed only knows it after a
	# reconfigure (meson configure refuses unknown options).
	meson configure "$b" "$@" >/dev/null 2>&1 ||
		meson setup --reconfigure "$b" "$src" "$@" >/dev/null
	ninja -C "$b" bench/bench_size bench/bench_e2e >/dev/null
	line=$(code_bytes "$b/bench/bench_size")
	bytes=${line##*code_bytes=}
	json=$(code_bytes "$b/bench/bench_e2e")
	[ "$name" = full ] && full=$bytes
	echo "mode=size_$name $line saved_bytes=$((${full:-$bytes} - bytes))" \
		"json_db_code_bytes=${json##*code_bytes=} options=${opts:-none}"
done
