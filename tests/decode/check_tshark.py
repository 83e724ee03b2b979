#!/usr/bin/env python3
"""Checks `blehost decode --json` against tshark, packet by packet.

For every frame both decode, these must agree: the H4 packet type, the HCI
command opcode, the event code and LE sub-event, the ACL connection handle,
the L2CAP channel of each reassembled frame, the L2CAP signaling code, the
ATT opcode, the attribute handles (ours, in order, must all be among
tshark's, which adds the handles inside GATT declarations it decodes), and
the SMP code. Prints how many frames and fields were compared.

usage: check_tshark.py BLEHOST TRACE... (exit 77 when tshark is missing)
A TRACE written OURS=THEIRS decodes OURS with blehost and THEIRS with tshark
(a raw H4 stream, which tshark cannot read, against a pcap of the same
packets).
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

FIELDS = ["frame.number", "hci_h4.type", "bthci_cmd.opcode", "bthci_evt.code",
          "bthci_evt.le_meta_subevent", "bthci_acl.chandle", "btl2cap.cid", "packetlogger.type",
          "btl2cap.cmd_code", "btatt.opcode", "btatt.handle", "btsmp.opcode"]


def ints(s):
    return [int(x, 0) for x in s.split(",") if x != ""]


def tshark(path):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        row = dict(zip(FIELDS, (ints(c) for c in cols)))
        frames[row["frame.number"][0]] = row
    return frames


def ours(blehost, path):
    p = subprocess.run([blehost, "decode", "--json", path], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{path}: blehost decode exited {p.returncode}: {p.stderr}")
    return {o["frame"]: o for o in map(json.loads, p.stdout.splitlines())}


def is_subsequence(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def compare(path, t, o, counts):
    problems = []
    types = {"command": 1, "acl": 2, "sco": 3, "event": 4, "iso": 5}

    def check(frame, what, mine, theirs):
        counts["fields"] += 1
        if mine != theirs:
            problems.append(f"{path} frame {frame}: {what}: ours {mine} tshark {theirs}")

    for n, p in o.items():
        row = t.get(n)
        if row is None:
            problems.append(f"{path} frame {n}: tshark has no such frame")
            continue
        counts["frames"] += 1
        theirs = (row["hci_h4.type"] or [None])[0]
        if theirs is None and row["packetlogger.type"]:
            # PacketLogger's own type (0 command, 1 event, 2/3 ACL out/in,
            # 8/9 SCO out/in) instead of an H4 byte.
            theirs = {0: 1, 1: 4, 2: 2, 3: 2, 8: 3, 9: 3}.get(row["packetlogger.type"][0])
        check(n, "type", types.get(p["type"]), theirs)
        if "hci_cmd" in p and "opcode" in p["hci_cmd"]:
            check(n, "opcode", p["hci_cmd"]["opcode"], (row["bthci_cmd.opcode"] or [None])[0])
        if "hci_evt" in p and "code" in p["hci_evt"]:
            check(n, "event", p["hci_evt"]["code"], (row["bthci_evt.code"] or [None])[0])
            if "subevent" in p["hci_evt"]:
                check(n, "subevent", p["hci_evt"]["subevent"],
                      (row["bthci_evt.le_meta_subevent"] or [None])[0])
        if "hci_acl" in p and "handle" in p["hci_acl"]:
            check(n, "acl handle", p["hci_acl"]["handle"], (row["bthci_acl.chandle"] or [None])[0])
        l2 = p.get("l2cap", {})
        if "cid" in l2:
            check(n, "l2cap cid", l2["cid"], (row["btl2cap.cid"] or [None])[0])
        if "l2cap_sig" in p and "code" in p["l2cap_sig"]:
            check(n, "signaling code", p["l2cap_sig"]["code"], (row["btl2cap.cmd_code"] or [None])[0])
        if "att" in p and "opcode" in p["att"]:
            check(n, "att opcode", p["att"]["opcode"], (row["btatt.opcode"] or [None])[0])
            mine = p["att"].get("handles", [])
            # tshark 4.0 does not decode the fields of the 5.2 PDUs (Read
            # Multiple Variable, Multiple Handle Value Notification).
            unknown_to_tshark = p["att"]["opcode"] in (0x20, 0x21, 0x23)
            if not (unknown_to_tshark and not row["btatt.handle"]):
                counts["fields"] += 1
            if not (unknown_to_tshark and not row["btatt.handle"]) and \
                    not is_subsequence(mine, row["btatt.handle"]):
                problems.append(f"{path} frame {n}: att handles: ours {mine} "
                                f"tshark {row['btatt.handle']}")
        if "smp" in p and "code" in p["smp"]:
            check(n, "smp code", p["smp"]["code"], (row["btsmp.opcode"] or [None])[0])
    return problems


def main():
    if not shutil.which("tshark"):
        print("tshark is missing: skipped")
        return 77
    blehost, traces = sys.argv[1], sys.argv[2:]
    counts = {"frames": 0, "fields": 0}
    problems = []

    def one(arg):
        path, _, theirs = arg.partition("=")
        return path, tshark(theirs or path), ours(blehost, path)

    # tshark takes most of the time (about 0.7 s of start-up per file).
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        for path, t, o in pool.map(one, traces):
            problems += compare(path, t, o, counts)
    for p in problems[:50]:
        print(p)
    print(f"{len(traces)} traces, {counts['frames']} frames, {counts['fields']} fields "
          f"compared with tshark: {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
