"""Whole packets both ways with _bleio.PacketBuffer (CircuitPython API on
CPython through blehost), and a JSON-over-characteristic exchange.

    python3 bleio_packets.py peripheral [SECONDS]
    python3 bleio_packets.py central COUNT

The peripheral answers each packet it is written with the packet reversed
(a notification of the same length), and keeps a JSON status document in
a readable/writable characteristic. The central sends COUNT packets of
growing length up to its outgoing_packet_length, checks every reply, then
reads the JSON document, writes an update and reads it back.
"""
import json
import sys
import time

import _bleio

SVC = _bleio.UUID("8e7f0001-2d1c-4b1a-9c6b-2a9f0c0e5b10")
PKT = _bleio.UUID("8e7f0002-2d1c-4b1a-9c6b-2a9f0c0e5b10")
DOC = _bleio.UUID("8e7f0003-2d1c-4b1a-9c6b-2a9f0c0e5b10")
PREFIX = bytes([17, 0x07]) + SVC.uuid128
C = _bleio.Characteristic


def peripheral(seconds):
    adapter = _bleio.adapter
    service = _bleio.Service(SVC)
    pkt = C.add_to_service(service, PKT, properties=C.NOTIFY | C.WRITE_NO_RESPONSE,
                           max_length=244)
    doc = C.add_to_service(service, DOC, properties=C.READ | C.WRITE, max_length=200,
                           initial_value=json.dumps({"count": 0}).encode(),
                           user_description="status (JSON)")
    packets = _bleio.PacketBuffer(pkt, buffer_size=8)
    adapter.start_advertising(b"\x02\x01\x06" + PREFIX)
    print(f"ready {adapter.address}", flush=True)
    buf = bytearray(packets.incoming_packet_length)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n = packets.readinto(buf)
        if n:
            packets.write(bytes(reversed(buf[:n])))
            print(f"echoed {n}", flush=True)
        elif not adapter.connected and not adapter.advertising:
            adapter.start_advertising(b"\x02\x01\x06" + PREFIX)
    del doc


def central(count):
    adapter = _bleio.adapter
    found = None
    for entry in adapter.start_scan(PREFIX, timeout=10, minimum_rssi=-127):
        found = entry
        break
    adapter.stop_scan()
    connection = adapter.connect(found.address, timeout=10)
    service = connection.discover_remote_services([SVC])[0]
    chars = {c.uuid: c for c in service.characteristics}
    # a remote characteristic's maximum length is not discoverable: say it
    packets = _bleio.PacketBuffer(chars[PKT], buffer_size=8, max_packet_size=244)
    out_len = packets.outgoing_packet_length
    print(f"outgoing_packet_length {out_len} max_packet_length {connection.max_packet_length}",
          flush=True)
    buf = bytearray(packets.incoming_packet_length)
    ok = 0
    for i in range(count):
        n = 1 + (i * 37) % out_len
        data = bytes((i + k) & 0xFF for k in range(n))
        packets.write(data)
        deadline = time.monotonic() + 5
        got = 0
        while not got and time.monotonic() < deadline:
            got = packets.readinto(buf)
        ok += bytes(buf[:got]) == bytes(reversed(data))
    print(f"packets ok {ok}/{count}", flush=True)
    doc = chars[DOC]
    state = json.loads(doc.value)
    state["count"] = ok
    doc.value = json.dumps(state).encode()
    print(f"json {json.loads(doc.value)}", flush=True)
    print(f"descriptors {[str(d.value, 'utf-8') for d in doc.descriptors if d.uuid == _bleio.UUID(0x2901)]}",
          flush=True)
    connection.disconnect()


if __name__ == "__main__":
    if sys.argv[1] == "peripheral":
        peripheral(float(sys.argv[2]) if len(sys.argv) > 2 else 3600)
    else:
        central(int(sys.argv[2]) if len(sys.argv) > 2 else 10)
