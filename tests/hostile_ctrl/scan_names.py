#!/usr/bin/env python3
"""Hostile advertiser names through `blehost scan` (suite hostile_ctrl).

Runs scan_inject (fake controller + the real blehost binary) twice:
--json, whose every line must be strict JSON (python's json module, which
refuses raw control characters) carrying each name's exact value, with
name_hex beside a name that is not UTF-8, and "truncated" true only for the
chain the controller ended truncated; and the terminal form, which must
hold no control byte but the line ends, one line per device (no line forged
by a name), each name escaped as \\xNN where it is not printable UTF-8.
Usage: scan_names.py SCAN_INJECT BLEHOST
"""
import json
import subprocess
import sys

inject, blehost = sys.argv[1], sys.argv[2]

NAMES = {  # address -> (exact bytes, terminal form)
    "D1:22:33:44:55:01": (b"\x1b]0;pwned\x07\x1b[2J\r\nAA:BB",
                          r"\x1b]0;pwned\x07\x1b[2J\x0d\x0aAA:BB"),
    "D1:22:33:44:55:02": (b"\xff\xfe\xc3(\x08\x08\x7f", r"\xff\xfe\xc3(\x08\x08\x7f"),
    "D1:22:33:44:55:03": (b"\xe2\x80\xaeevil\xc2\x9b31m", r"\xe2\x80\xaeevil\xc2\x9b31m"),
    "D1:22:33:44:55:04": ("Café ✓".encode(), "Café ✓"),
    "D1:22:33:44:55:05": (b"LongNa", "LongNa"),  # cut short: truncated
}
TRUNCATED = {"D1:22:33:44:55:05"}


def run(*opts):
    p = subprocess.run([inject, blehost, *opts], capture_output=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"blehost {' '.join(opts)} scan failed ({p.returncode}):\n"
                 f"{p.stderr.decode(errors='replace')}")
    return p.stdout, p.stderr


def no_controls(raw, what):
    for b in raw:
        if (b < 0x20 and b != 0x0a) or b == 0x7f:
            sys.exit(f"{what}: control byte 0x{b:02x} reached the terminal: {raw!r}")
    text = raw.decode("utf-8")  # strict: invalid UTF-8 fails here
    for ch in text:
        if 0x80 <= ord(ch) <= 0x9f or ord(ch) in (0x202e, 0x2028, 0x2029):
            sys.exit(f"{what}: control U+{ord(ch):04X} reached the terminal")
    return text


# --json: valid, exact
out, _ = run("--json")
no_controls(out, "--json")
seen = {}
for line in out.decode().splitlines():
    d = json.loads(line)
    seen[d["address"]] = d
for addr, (raw, _) in NAMES.items():
    d = seen.get(addr.replace(":", ""), seen.get(addr))
    if d is None:
        sys.exit(f"--json: {addr} missing from {list(seen)}")
    if d["truncated"] is not (addr in TRUNCATED):
        sys.exit(f"--json: {addr} truncated: {d['truncated']}")
    try:
        exact = raw.decode("utf-8")
        if d["name"] != exact or "name_hex" in d:
            sys.exit(f"--json: {addr} name {d['name']!r}, want {exact!r}")
    except UnicodeDecodeError:
        if d["name"] != raw.decode("utf-8", errors="replace"):
            sys.exit(f"--json: {addr} name {d['name']!r}")
        if bytes.fromhex(d["name_hex"]) != raw:
            sys.exit(f"--json: {addr} name_hex {d.get('name_hex')!r}")
print(f"--json: {len(seen)} devices, every line strict JSON, names exact")

# terminal form: escaped, one line per device
out, err = run("-v")
text = no_controls(out, "terminal")
lines = text.splitlines()
if len(lines) != len(NAMES):
    sys.exit(f"terminal: {len(lines)} lines for {len(NAMES)} devices:\n{text}")
for addr, (_, shown) in NAMES.items():
    row = [l for l in lines if l.startswith(addr)]
    if len(row) != 1 or shown not in row[0]:
        sys.exit(f"terminal: {addr}: want {shown!r} in {row!r}")
    if ("(truncated)" in row[0]) != (addr in TRUNCATED):
        sys.exit(f"terminal: {addr}: truncated mark wrong in {row[0]!r}")
if b"hci: " not in err or b"bad packet boundary flag" not in err:
    sys.exit(f"-v printed no HCI counters: {err!r}")
print(f"terminal: {len(lines)} lines, names escaped")
