"""Bytes per second through _bleio's CharacteristicBuffer and PacketBuffer
(the C buffers under the stack thread) fed by `bench_notify_peer peer LEN
SECS` on btvirt, next to the same figures from the C API (bench_buffers);
then a PacketBuffer over an L2CAP credit-based channel between two
in-process adapters (--l2cap-len bytes per SDU, each write waits until the
stack took it; the receiver polls readinto).

    with-btvirt.sh python3 bench/bench_bleio.py --peer build/bench/bench_notify_peer \
        --cbench build/bench/bench_buffers [--len 20] [--secs 2]

Exits 1 if no data came through a buffer (CI runs it with short windows)."""

import argparse
import os
import subprocess
import sys
import time

from bench_bleak import start_peer  # the same peer process (bench_notify_peer)


def run_py(addr, secs):
    import _bleio
    text = addr.upper()
    a = _bleio.Address(bytes.fromhex(text.replace(":", ""))[::-1], _bleio.Address.PUBLIC)
    conn = _bleio.adapter.connect(a, timeout=10)
    svc = conn.discover_remote_services([_bleio.UUID(0x180D)])[0]
    hrm = [c for c in svc.characteristics if c.uuid == _bleio.UUID(0x2A37)][0]
    out = {}
    buf = _bleio.CharacteristicBuffer(hrm, timeout=0.05, buffer_size=4096)
    chunk = bytearray(512)
    n, end = 0, time.monotonic() + secs / 2
    t0 = time.monotonic()
    while time.monotonic() < end:
        got = buf.readinto(chunk)
        n += got or 0
    out["charbuf_Bps"] = n / (time.monotonic() - t0)
    out["charbuf_dropped"] = buf.dropped
    buf.deinit()
    pb = _bleio.PacketBuffer(hrm, buffer_size=64)
    pkt = bytearray(pb.incoming_packet_length)
    k = nb = 0
    t0 = time.monotonic()
    end = t0 + secs / 2
    while time.monotonic() < end:
        got = pb.readinto(pkt)
        if got:
            k += 1
            nb += got
    dt = time.monotonic() - t0
    out["pktbuf_pps"], out["pktbuf_Bps"] = k / dt, nb / dt
    out["pktbuf_dropped"] = pb.stats[2]
    conn.disconnect()
    return out


def run_l2cap(secs, sdu_len):
    import threading
    import _bleio
    t = os.environ["BLEHOST_TRANSPORT"]
    rx_ad, tx_ad = _bleio.Adapter(transport=t), _bleio.Adapter(transport=t)
    rx_ad.listen_l2cap(0x80, buffer_size=64)
    rx_ad.start_advertising(b"\x02\x01\x06")
    conn = tx_ad.connect(rx_ad.address, timeout=10)
    tx = conn.open_l2cap(0x80, buffer_size=64)
    rx = rx_ad.accept_l2cap(0x80, timeout=10)
    stop = threading.Event()
    got = [0, 0]

    def reader():
        buf = bytearray(rx.incoming_packet_length)
        while not stop.is_set():
            n = rx.readinto(buf)
            if n:
                got[0] += 1
                got[1] += n
            else:
                time.sleep(0.0005)
    th = threading.Thread(target=reader)
    th.start()
    pkt = bytes(range(256)) * (sdu_len // 256 + 1)
    sent = 0
    t0 = time.monotonic()
    while time.monotonic() < t0 + secs:
        tx.write(pkt[:sdu_len])
        sent += 1
    time.sleep(0.2)  # the last SDUs in flight
    stop.set()
    th.join()
    dt = time.monotonic() - t0
    r = {"l2cap_sent": sent, "l2cap_pps": got[0] / dt, "l2cap_Bps": got[1] / dt,
         "l2cap_dropped": rx.stats[2]}
    conn.disconnect()
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True)
    ap.add_argument("--cbench")
    ap.add_argument("--len", type=int, default=20)
    ap.add_argument("--secs", type=float, default=2.0)
    ap.add_argument("--l2cap-len", type=int, default=512)
    args = ap.parse_args()
    ok = True
    if args.cbench:
        p, addr = start_peer(args.peer, args.len, args.secs + 10)
        r = subprocess.run([args.cbench, addr, str(args.secs)], capture_output=True, text=True)
        p.terminate()
        p.wait()
        print(f"C      (LEN {args.len}): " + " | ".join(r.stdout.strip().splitlines()))
        ok &= r.returncode == 0
    p, addr = start_peer(args.peer, args.len, args.secs + 10)
    try:
        r = run_py(addr, args.secs)
    finally:
        p.terminate()
        p.wait()
    print(f"_bleio (LEN {args.len}): charbuf {r['charbuf_Bps']:.0f} bytes/s "
          f"({r['charbuf_dropped']} dropped) | pktbuf {r['pktbuf_pps']:.0f} packets/s, "
          f"{r['pktbuf_Bps']:.0f} bytes/s ({r['pktbuf_dropped']} dropped)")
    ok &= r["charbuf_Bps"] > 0 and r["pktbuf_pps"] > 0
    r = run_l2cap(args.secs / 2, args.l2cap_len)
    print(f"_bleio L2CAP (SDU {args.l2cap_len}): {r['l2cap_pps']:.0f} packets/s, "
          f"{r['l2cap_Bps']:.0f} bytes/s ({r['l2cap_sent']} sent, {r['l2cap_dropped']} dropped)")
    ok &= r["l2cap_pps"] > 0
    sys.stdout.flush()
    os._exit(0 if ok else 1)  # the _bleio stack thread is a daemon: no teardown wait


if __name__ == "__main__":
    main()
