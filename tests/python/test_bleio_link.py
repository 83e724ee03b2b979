"""_bleio link parameters on btvirt, in-process adapters (each its own
stack thread and virtual controller), checked on the air and in the HCI
commands each host sent (btsnoop traces): directed advertising, the
advertising power, scan interval/window/extended, connection_interval set
from either role, and adapter.name in the GAP Device Name characteristic."""

import os
import struct
import time

import pytest

import _bleio
from conftest import hci_commands

T = os.environ.get("BLEHOST_TRANSPORT")
LE_SET_ADV_PARAMS, LE_SET_ADV_DATA, LE_SET_SCAN_PARAMS = 0x2006, 0x2008, 0x200B


@pytest.fixture
def pair_of_adapters(tmp_path):
    made = []

    def make(name):
        a = _bleio.Adapter(transport=T, trace=str(tmp_path / f"{name}.btsnoop"))
        a.trace = tmp_path / f"{name}.btsnoop"
        made.append(a)
        return a
    yield make
    for a in made:
        a.enabled = False


def wait_until(cond, timeout=10):
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        time.sleep(0.01)
    return cond()


def test_scan_interval_window_extended_checks(pair_of_adapters):
    central = pair_of_adapters("central")
    with pytest.raises(ValueError, match="interval must be in range"):
        central.start_scan(interval=0.001)
    with pytest.raises(ValueError, match="interval must be in range"):
        central.start_scan(interval=41)
    with pytest.raises(ValueError, match="window must be <= interval"):
        central.start_scan(interval=0.05, window=0.1)
    with pytest.raises(ValueError, match="window must be >= 0.0025"):
        central.start_scan(interval=0.05, window=0.001)
    with pytest.raises(ValueError, match="non-zero timeout must be >= interval"):
        central.start_scan(interval=0.5, window=0.1, timeout=0.1)
    # btvirt is a 4.2 controller: no extended scanning, so no interval past
    # legacy's 10.24 s and extended=True is refused, both before scanning
    with pytest.raises(ValueError, match="10.24"):
        central.start_scan(interval=20, window=0.1)
    with pytest.raises(_bleio.BluetoothError, match="extended"):
        central.start_scan(extended=True)
    for entry in central.start_scan(interval=0.05, window=0.025, timeout=0.3, active=False):
        pass
    for entry in central.start_scan(timeout=0.2):  # CircuitPython's defaults: 0.1 / 0.1
        pass
    central.enabled = False
    scans = [p for op, p in hci_commands(central.trace) if op == LE_SET_SCAN_PARAMS]
    # type, interval, window (0.625 ms units), own address type, filter policy
    got = [(p[0], *struct.unpack("<HH", p[1:5])) for p in scans]
    assert got == [(0, 80, 40), (1, 160, 160)], got


def test_directed_tx_power_interval_and_name(pair_of_adapters):
    per = pair_of_adapters("peripheral")
    central = pair_of_adapters("central")
    # the power this controller advertises at goes into the Tx Power Level AD
    power = per.tx_power
    assert isinstance(power, int) and -127 <= power <= 20
    per.start_advertising(b"\x02\x01\x06\x02\x0a\x7f\x05\x09txpw", tx_power=8)
    seen = None
    for entry in central.start_scan(b"\x05\x09txpw", timeout=10):
        if entry.address == per.address:
            seen = entry
            break
    central.stop_scan()
    per.stop_advertising()
    assert seen is not None and b"\x02\x0a" + struct.pack("b", power) in seen.advertisement_bytes

    # directed advertising to the central, which connects
    with pytest.raises(ValueError):
        per.start_advertising(b"", directed_to=central.address, connectable=False)
    with pytest.raises(TypeError):
        per.start_advertising(b"", directed_to="00:11:22:33:44:55")
    per.name = "py13 name é"
    per.start_advertising(b"\x02\x01\x06", directed_to=central.address)
    assert per.advertising
    # a third device neither sees it nor connects to it; the central does
    other = pair_of_adapters("other")
    assert not [e for e in other.start_scan(timeout=1, minimum_rssi=-127)
                if e.address == per.address]
    with pytest.raises(_bleio.BluetoothError):
        other.connect(per.address, timeout=2)
    other.enabled = False
    conn = central.connect(per.address, timeout=10)
    try:
        assert wait_until(lambda: per.connected)
        # GAP Device Name (0x2A00) read by the peer says adapter.name
        gap = conn.discover_remote_services([_bleio.UUID(0x1800)])[0]
        name = [c for c in gap.characteristics if c.uuid == _bleio.UUID(0x2A00)][0]
        assert name.value == "py13 name é".encode()
        per.name = "renamed"
        assert name.value == b"renamed" and per.name == "renamed"
        with pytest.raises(ValueError):
            per.name = "x" * 249

        # connection_interval: set by the central; both ends see it
        with pytest.raises(ValueError):
            conn.connection_interval = 5
        conn.connection_interval = 48.75
        assert conn.connection_interval == 48.75
        pconn = per.connections[0]
        assert wait_until(lambda: pconn.connection_interval == 48.75)
        conn.connection_interval = 100
        assert conn.connection_interval == pconn.connection_interval == 100
        # from the peripheral's side too (LE Connection Update as peripheral)
        pconn.connection_interval = 30
        assert pconn.connection_interval == 30
        assert wait_until(lambda: conn.connection_interval == 30)
    finally:
        conn.disconnect()
    per.enabled = False
    central_peer = central.address._host
    adv = [p for op, p in hci_commands(per.trace) if op == LE_SET_ADV_PARAMS]
    # the last parameters: ADV_DIRECT_IND low duty (0x04), peer = the central
    p = adv[-1]
    assert p[4] == 0x04 and p[6] == central_peer[1], p.hex()
    assert p[7:13] == bytes.fromhex(central_peer[0].replace(":", ""))[::-1]
    data = [p for op, p in hci_commands(per.trace) if op == LE_SET_ADV_DATA]
    assert b"\x02\x0a" + struct.pack("b", power) in data[0]


def read_packets(pb, n, timeout=10):
    """n packets from a PacketBuffer (readinto does not block: poll)."""
    out, buf = [], bytearray(pb.incoming_packet_length)
    end = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < end:
        k = pb.readinto(buf)
        if k:
            out.append(bytes(buf[:k]))
        else:
            time.sleep(0.002)
    return out


def test_l2cap_packet_buffer_both_ways(pair_of_adapters):
    per = pair_of_adapters("peripheral")
    central = pair_of_adapters("central")
    with pytest.raises(ValueError):
        per.listen_l2cap(0x100)
    with pytest.raises(_bleio.BluetoothError):
        per.accept_l2cap(0x80, timeout=0)  # not listening
    per.listen_l2cap(0x80, buffer_size=4)
    assert per.accept_l2cap(0x80, timeout=0.05) is None
    per.start_advertising(b"\x02\x01\x06")
    conn = central.connect(per.address, timeout=10)
    with pytest.raises(_bleio.ConnectionError):
        conn.open_l2cap(0x81)  # nobody listens there: the peer refuses
    pb = conn.open_l2cap(0x80, buffer_size=32)
    ppb = per.accept_l2cap(0x80, timeout=5)
    assert ppb is not None
    assert pb.incoming_packet_length == pb.outgoing_packet_length == 512
    assert ppb.outgoing_packet_length == 512
    # whole packets of any size up to the SDU limit, in order, both ways
    sizes = [1, 20, 23, 247, 248, 300, 511, 512]
    sent = [bytes([i]) * n for i, n in enumerate(sizes)]
    for half in (sent[:4], sent[4:]):  # the peripheral keeps 4 packets
        for p in half:
            assert pb.write(p[1:], header=p[:1]) == len(p)
        assert read_packets(ppb, 4) == half
    got = sent
    for p in got:
        ppb.write(p[::-1])
    assert read_packets(pb, len(sent)) == [p[::-1] for p in sent]
    with pytest.raises(ValueError):
        pb.write(b"x" * 513)
    # a full buffer keeps the newest packets and counts the rest
    for i in range(10):
        pb.write(bytes([0x40 + i]) * 100)
    assert wait_until(lambda: ppb.stats[0] == 4 and ppb.stats[2] == 6), ppb.stats
    assert [p[0] for p in read_packets(ppb, 4)] == [0x46, 0x47, 0x48, 0x49]
    # closing: the peer's reader drains, then sees the channel gone
    pb.write(b"last")
    pb.deinit()
    assert read_packets(ppb, 1) == [b"last"]
    assert wait_until(lambda: _raises(ppb))
    with pytest.raises(_bleio.ConnectionError):
        pb.write(b"after")
    conn.disconnect()


def _raises(pb):
    try:
        pb.readinto(bytearray(8))
        return False
    except _bleio.ConnectionError:
        return True
