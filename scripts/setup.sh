#!/usr/bin/env bash
# Installs what blehost needs on Debian 12 (build, tests, virtual controllers,
# trace decoders, fuzzing). Idempotent and quiet when everything is present.
set -euo pipefail

pkgs=(build-essential meson ninja-build pkg-config libusb-1.0-0-dev libssl-dev
      libcmocka-dev bluez-test-tools bluez tshark clang libclang-rt-14-dev llvm
      valgrind util-linux python3-dev python3-bleak python3-pytest
      # Bumble virtual controllers (tests/harness/with-bumble.sh)
      python3-pyee python3-click python3-humanize python3-platformdirs
      python3-prompt-toolkit python3-prettytable python3-websockets python3-serial
      python3-serial-asyncio python3-usb python3-usb1 python3-aiohttp
      python3-typing-extensions python3-appdirs python3-cryptography
      libudev-dev doxygen)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "setup: dependencies present"
