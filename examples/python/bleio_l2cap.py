"""Whole packets both ways over an L2CAP credit-based channel with
_bleio.PacketBuffer (a blehost extension of CircuitPython's API: see
python/README.md), in both roles.

    python3 bleio_l2cap.py peripheral [SECONDS]
    python3 bleio_l2cap.py central COUNT

The peripheral listens on LE SPSM 0x0080, advertises its name and answers
each packet on the channel with the packet reversed. The central finds it
by name, connects, opens the channel, sends COUNT packets of growing length
up to outgoing_packet_length (512) and checks every reply.
"""
import sys
import time

import _bleio

PSM = 0x0080
NAME = b"bleio-l2cap"
PREFIX = bytes([len(NAME) + 1, 0x09]) + NAME


def peripheral(seconds):
    adapter = _bleio.adapter
    adapter.listen_l2cap(PSM, buffer_size=8)  # before any peer may open it
    adapter.start_advertising(b"\x02\x01\x06" + PREFIX)
    print(f"ready {adapter.address}", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        channel = adapter.accept_l2cap(PSM, timeout=0.5)
        if channel is None:
            if not adapter.connected and not adapter.advertising:
                adapter.start_advertising(b"\x02\x01\x06" + PREFIX)
            continue
        print(f"channel open, outgoing_packet_length {channel.outgoing_packet_length}",
              flush=True)
        buf = bytearray(channel.incoming_packet_length)
        try:
            while time.monotonic() < end:
                n = channel.readinto(buf)
                if n:
                    channel.write(bytes(reversed(buf[:n])))
                    print(f"echoed {n}", flush=True)
        except _bleio.ConnectionError:
            print("channel closed", flush=True)


def central(count):
    adapter = _bleio.adapter
    found = None
    for entry in adapter.start_scan(PREFIX, timeout=10, minimum_rssi=-127):
        found = entry
        break
    adapter.stop_scan()
    connection = adapter.connect(found.address, timeout=10)
    channel = connection.open_l2cap(PSM, buffer_size=8)
    out_len = channel.outgoing_packet_length
    print(f"outgoing_packet_length {out_len}", flush=True)
    buf = bytearray(channel.incoming_packet_length)
    ok = 0
    for i in range(count):
        n = 1 + (i * 97) % out_len
        data = bytes((i + k) & 0xFF for k in range(n))
        channel.write(data)
        deadline = time.monotonic() + 5
        got = 0
        while not got and time.monotonic() < deadline:
            got = channel.readinto(buf)
        ok += bytes(buf[:got]) == bytes(reversed(data))
    print(f"packets ok {ok}/{count}", flush=True)
    channel.deinit()
    connection.disconnect()


if __name__ == "__main__":
    if sys.argv[1] == "peripheral":
        peripheral(float(sys.argv[2]) if len(sys.argv) > 2 else 3600)
    else:
        central(int(sys.argv[2]) if len(sys.argv) > 2 else 10)
