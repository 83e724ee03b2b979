#!/bin/sh
# blehost usb on whatever this machine has (CI machines: no USB Bluetooth
# device): text and --json agree on the count, the JSON parses, and a stray
# argument is a usage error. The listing itself (strings, drivers, quirks,
# the -t value) is tested on a fake bus in tests/chipset (chipset_usb).
set -u
B=$1
fail=0
text=$("$B" usb) || { echo "blehost usb failed"; fail=1; }
json=$("$B" --json usb) || { echo "blehost --json usb failed"; fail=1; }
n=$(printf '%s' "$json" | python3 -c "import json,sys; print(len(json.load(sys.stdin)[\"devices\"]))") ||
	{ echo "bad JSON: $json"; fail=1; n=-1; }
if [ "$n" = 0 ]; then
	printf '%s' "$text" | grep -q "No USB Bluetooth device found" || { echo "text: $text"; fail=1; }
else
	[ "$(printf '%s\n' "$text" | grep -c 'usb:')" -ge "$n" ] || { echo "text lacks -t values: $text"; fail=1; }
fi
if "$B" usb extra 2>/dev/null; then
	echo "blehost usb extra: accepted"
	fail=1
fi
"$B" usb extra 2>&1 | grep -q "usage: usb" || { echo "no usage message"; fail=1; }
echo "usb: $n device(s), $fail failure(s)"
exit $fail
