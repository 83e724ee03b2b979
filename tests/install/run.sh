#!/bin/sh
# run.sh BUILD_DIR APP_C: installs the build into a temporary DESTDIR with
# `meson install --destdir`, then compiles, links and runs APP_C against
# that copy only, through pkg-config (PKG_CONFIG_SYSROOT_DIR and
# PKG_CONFIG_PATH point into it): once with the shared library, once with
# the static one and `pkg-config --static`. Suite 'install'.
set -eu
build=$(cd "$1" && pwd)
app=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cc=${CC:-cc}
dest=$(mktemp -d "${TMPDIR:-/tmp}/bh-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$dest/install.log" 2>&1 ||
	{ cat "$dest/install.log"; exit 1; }
pc=$(find "$dest" -name blehost.pc | head -n1)
[ -n "$pc" ] || { echo "FAIL: no blehost.pc installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
hdr=$(find "$dest" -path '*/include/blehost/blehost.h' | head -n1)
[ -n "$hdr" ] || { echo "FAIL: blehost/blehost.h not installed"; exit 1; }
# Installed headers include each other only through the blehost/ prefix.
if grep -n '#include "' "$(dirname "$hdr")"/*.h; then
	echo "FAIL: an installed header includes by bare name"; exit 1
fi

export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_PATH="$(dirname "$pc")"
cflags=$(pkg-config --cflags blehost)
case "$cflags" in *"$dest"*) ;; *) echo "FAIL: Cflags not in DESTDIR: $cflags"; exit 1 ;; esac

# Shared: the program must load libblehost.so from the installed copy.
$cc -std=c11 -Wall -Wextra -Werror -o "$dest/app" "$app" $cflags $(pkg-config --libs blehost)
LD_LIBRARY_PATH="$libdir" "$dest/app"
LD_LIBRARY_PATH="$libdir" ldd "$dest/app" | grep -q "$libdir/libblehost.so" ||
	{ echo "FAIL: shared app does not use the installed libblehost.so"; exit 1; }

# Static: --static must name every private dependency (libcrypto, ...).
libs=$(pkg-config --static --libs blehost | sed 's/-lblehost\b/-l:libblehost.a/')
$cc -std=c11 -Wall -Wextra -Werror -o "$dest/app_static" "$app" $cflags $libs
"$dest/app_static"
if ldd "$dest/app_static" | grep -q libblehost; then
	echo "FAIL: static app still needs libblehost.so"; exit 1
fi
echo "install: shared and static builds against $dest work"
