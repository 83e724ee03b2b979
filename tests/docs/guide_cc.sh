#!/bin/sh
# guide_cc.sh GUIDE LIBBLEHOST_A INCDIR...: every C program in GUIDE (a
# ```c block holding a main) compiles warning-free and links against the
# library, so the guide's code cannot rot. Suite 'docs'.
set -eu
guide=$1
lib=$2
shift 2
inc=
for d in "$@"; do inc="$inc -I$d"; done
out=$(mktemp -d "${TMPDIR:-/tmp}/bh-guide.XXXXXX")
trap 'rm -rf "$out"' EXIT
awk -v dir="$out" '
	/^```c$/ { n++; f = dir "/prog" n ".c"; inblock = 1; next }
	/^```/ { inblock = 0; next }
	inblock { print > f }
' "$guide"
count=0
for f in "$out"/prog*.c; do
	[ -e "$f" ] || continue
	grep -q 'int main' "$f" || continue
	${CC:-cc} -std=gnu11 -Wall -Wextra -Werror $inc -o "$f.bin" "$f" "$lib" -lcrypto -lusb-1.0 -lpthread
	count=$((count + 1))
done
[ "$count" -ge 1 ] || { echo "FAIL: no program found in $guide"; exit 1; }
echo "guide: $count program(s) compile and link"
