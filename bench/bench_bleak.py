"""Notifications per second into a bleak start_notify callback through
blehost, versus the C API, from the same peripheral on the same btvirt, and
the cost per notification in the Python layer.

    tests/harness/with-btvirt.sh /usr/bin/python3 bench/bench_bleak.py \
        --peer build/bench/bench_notify_peer [--len 20] [--secs 3] [--json FILE]

(PYTHONPATH=build/python, or under `meson devenv -C build`.) Runs
bench_notify_peer as the peripheral twice: once for its own C central, once
for a bleak client with the blehost backend in this process. Both count the
notifications of a window of SECS seconds after the first one and check the
sequence numbers (exit 1 on duplicates, reordering or no traffic; gaps
are reported as lost, see bench_notify_peer.c). CPU per
notification is the central's user+system time over the window divided by
the count (getrusage: the C central is a child process, the Python one this
process); "Python layer" is a loop-free micro-benchmark of what happens
above the C stack for one notification (the _core event into Host, the
queue, bleak's callback wrapper, the user callback).
"""

import argparse
import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import time


def start_peer(peer_bin, length, secs):
    p = subprocess.Popen([peer_bin, "peer", str(length), str(secs)], stdout=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    m = re.match(r"peer ([0-9A-F:]{17})", line)
    if not m:
        p.kill()
        raise SystemExit(f"bench_notify_peer did not start: {line!r}")
    return p, m.group(1)


def finish_peer(p):
    out = p.stdout.read()
    p.wait(10)
    m = re.search(r"sent (\d+)", out)
    return int(m.group(1)) if m else 0


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_c(peer_bin, length, secs):
    p, addr = start_peer(peer_bin, length, secs + 15)
    c0 = cpu_children()
    r = subprocess.run([peer_bin, "central", addr, str(secs)], capture_output=True, text=True,
                       timeout=secs + 30)
    cpu = cpu_children() - c0  # the central's CPU (the peer is still running)
    finish_peer(p)
    m = re.search(r"central (\d+) notifications in ([\d.]+) s, (\d+)/s, (\d+) out of order, "
                  r"(\d+) lost", r.stdout)
    if r.returncode or not m:
        raise SystemExit(f"C central failed: {r.stdout} {r.stderr}")
    n = int(m.group(1))
    return {"notifications": n, "seconds": float(m.group(2)), "rate": int(m.group(3)),
            "lost": int(m.group(5)), "cpu_us_per_notification": cpu / n * 1e6 if n else None}


async def run_py_client(addr, secs):
    from bleak import BleakClient
    from blehost.bleak import BleakClientBlehost

    state = {"n": 0, "bad": 0, "lost": 0, "next": None}

    def callback(char, data):
        seq = data[0] | data[1] << 8
        if state["next"] is not None and seq != state["next"]:
            gap = (seq - state["next"]) & 0xFFFF
            if gap < 0x8000:
                state["lost"] += gap  # btvirt dropped them (see bench_notify_peer.c)
            else:
                state["bad"] += 1
        state["next"] = (seq + 1) & 0xFFFF
        state["n"] += 1

    async with BleakClient(addr, backend=BleakClientBlehost) as client:
        await client.start_notify("00002a37-0000-1000-8000-00805f9b34fb", callback)
        for _ in range(500):
            if state["n"]:
                break
            await asyncio.sleep(0.01)
        n0, t0, c0 = state["n"], time.monotonic(), cpu_self()
        await asyncio.sleep(secs)
        n, dt, cpu = state["n"] - n0, time.monotonic() - t0, cpu_self() - c0
    if not n or state["bad"]:
        raise SystemExit(f"Python central: {n} notifications, {state['bad']} out of order")
    return {"notifications": n, "seconds": dt, "rate": int(n / dt), "lost": state["lost"],
            "cpu_us_per_notification": cpu / n * 1e6}


def run_py(peer_bin, length, secs):
    p, addr = start_peer(peer_bin, length, secs + 15)
    try:
        return asyncio.run(run_py_client(addr, secs))
    finally:
        finish_peer(p)


def python_layer_ns(iterations=200000):
    """One notification above the C stack, without I/O: Host.on_notification
    (as _core calls it) -> queue -> drain -> bleak's partial -> callback."""
    import functools

    import blehost
    from blehost._host import Connection

    class Bare(blehost.Host):
        def __init__(self):  # no controller: only the Python side
            import collections
            self._work = collections.deque()
            self._draining = False
            self.conns = {}
            self._loop = None

    h = Bare()
    c = Connection(h, 0x40, "00:00:00:00:00:01", 0, True)
    h.conns[0x40] = c
    count = [0]

    def user(char, data):
        count[0] += 1
    c.subscriptions[0x10] = functools.partial(user, "char")
    value = bytes(20)
    t0 = time.perf_counter()
    for _ in range(iterations):
        h.on_notification(0x40, 0x10, value, False)
        h._drain()
    dt = time.perf_counter() - t0
    assert count[0] == iterations
    return dt / iterations * 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True, help="path of bench_notify_peer")
    ap.add_argument("--len", type=int, default=20)
    ap.add_argument("--secs", type=float, default=3.0)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not os.environ.get("BLEHOST_TRANSPORT"):
        raise SystemExit("run under tests/harness/with-btvirt.sh")
    res = {"len": a.len, "c": run_c(a.peer, a.len, a.secs), "python": run_py(a.peer, a.len, a.secs),
           "python_layer_ns": python_layer_ns()}
    c, py = res["c"], res["python"]
    print(f"notifications of {a.len} bytes, btvirt, {a.secs:g} s windows")
    for name, r in (("C API central", c), ("bleak on blehost", py)):
        print(f"  {name:18s} {r['rate']:8d}/s   CPU {r['cpu_us_per_notification']:7.1f} "
              f"us/notification   lost {r['lost']}")
    print(f"  Python layer alone   {res['python_layer_ns'] / 1000:7.2f} us/notification (no I/O)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
