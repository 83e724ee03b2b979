#!/usr/bin/env python3
"""`blehost decode` on packets a peer, a controller or a damaged file could
hold: each is decoded as far as its bytes go and says what is missing; the
file goes on; the JSON stays valid. usage: test_malformed.py BLEHOST"""
import json
import os
import struct
import subprocess
import sys
import tempfile

# (direction 0 sent / 1 received, H4 type, bytes, what the text must say)
CASES = [
    (0, 1, b"\x03", "truncated"),                               # command header cut
    (0, 1, b"\x03\x0c\x05\x01", "parameter length does not match"),
    (1, 4, b"\x0e\x04\x01\x03\x0c", "parameter length does not match"),
    (1, 4, b"\x3e\x01\x01", "truncated"),                        # Conn Complete, no fields
    (1, 4, b"\x3e\x0c\x02\x01\x00\x00\x01\x02\x03\x04\x05\x06\x09\x02", "truncated"),
    (1, 4, b"\x13\x03\x02\x40\x00", "truncated"),               # 2 handles promised
    (1, 2, b"\x40\x10\x05\x00\x01\x00", "length field does not match"),
    (1, 2, b"\x40\x10\x02\x00\x01\x00", "continuation without a start"),
    (1, 2, b"\x40\x20\x06\x00\x09\x00\x04\x00\x0a\x03", "fragment"),  # L2CAP wants 9
    (1, 2, b"\x40\x20\x05\x00\x01\x00\x04\x00\x0a", "previous frame left incomplete"),
    (1, 2, b"\x40\x20\x05\x00\x01\x00\x04\x00\x01", "truncated"),    # Error Response cut
    (1, 2, b"\x40\x20\x06\x00\x02\x00\x06\x00\x0c\x01", "truncated"), # public key cut
    (1, 2, b"\x40\x20\x08\x00\x04\x00\x05\x00\x14\x01\x08\x00", "truncated"),
    (1, 4, b"\x3e\x06\x02\x01\x00\x00\x05\x04", "truncated"),   # adv report cut
    (1, 4, b"\x3e\x0e\x02\x01\x00\x00\x01\x02\x03\x04\x05\x06\x02\x05\x09\xc0", "AD structure runs past"),
    (1, 7, b"\x00", None),                                       # not HCI: skipped by the reader
]


def btsnoop(records):
    out = bytearray(b"btsnoop\0" + struct.pack(">II", 1, 1002))
    for i, (d, t, data) in enumerate(records):
        pkt = bytes([t]) + data
        out += struct.pack(">IIIIq", len(pkt), len(pkt), d, 0, 0x00dcddb30f2f8000 + i)
        out += pkt
    return bytes(out)


def main():
    blehost = sys.argv[1]
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bad.btsnoop")
        with open(path, "wb") as f:
            f.write(btsnoop([(d, t, b) for d, t, b, _ in CASES] +
                            [(0, 1, b"\x03\x0c\x00")]))  # a good packet after all of them
        text = subprocess.run([blehost, "decode", path], capture_output=True, text=True)
        js = subprocess.run([blehost, "decode", "--json", path], capture_output=True, text=True)
        for p in (text, js):
            if p.returncode not in (0, 1) or "Sanitizer" in p.stderr:
                print(f"decode crashed or failed: {p.returncode} {p.stderr}")
                return 1
        blocks = {}
        for line in text.stdout.splitlines():
            if line.startswith("#"):
                cur = int(line[1:].split()[0])
                blocks[cur] = line
            else:
                blocks[cur] += "\n" + line
        for i, (_, _, _, want) in enumerate(CASES, start=1):
            if want is None:
                continue
            if want not in blocks.get(i, ""):
                print(f"case {i}: wanted '{want}' in:\n{blocks.get(i)}")
                fails += 1
        objs = [json.loads(l) for l in js.stdout.splitlines()]
        frames = [o["frame"] for o in objs]
        if len(objs) != len(CASES) or frames[-1] != len(CASES) + 1:
            print(f"JSON: {len(objs)} packets, frames {frames}")
            fails += 1
        if "Reset" not in blocks.get(len(CASES) + 1, ""):
            print("the good packet after the bad ones was not decoded")
            fails += 1
        # A file cut inside a record: the packets before it, then exit 1.
        with open(path, "wb") as f:
            f.write(btsnoop([(0, 1, b"\x03\x0c\x00"), (1, 4, b"\x0e\x04\x01\x03\x0c\x00")])[:-3])
        p = subprocess.run([blehost, "decode", path], capture_output=True, text=True)
        if p.returncode != 1 or "Reset" not in p.stdout or not p.stderr:
            print(f"cut file: rc {p.returncode} out {p.stdout!r} err {p.stderr!r}")
            fails += 1
        p = subprocess.run([blehost, "decode", os.path.join(tmp, "missing")],
                           capture_output=True, text=True)
        if p.returncode != 1 or "missing" not in p.stderr:
            print(f"missing file: rc {p.returncode} err {p.stderr!r}")
            fails += 1
        p = subprocess.run([blehost, "decode"], capture_output=True, text=True)
        if p.returncode != 2:
            print(f"no file: rc {p.returncode}")
            fails += 1
    print(f"{len(CASES)} malformed packets: {fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
