"""The pygatt-style synchronous adapter against `blehost peripheral`."""

import threading

import pytest

from blehost.pygatt import BLEAddressType, BLEError, BlehostBackend, NotConnectedError

HRM = "00002a37-0000-1000-8000-00805f9b34fb"
MANUFACTURER = "00002a29-0000-1000-8000-00805f9b34fb"
RW = "b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d01"
SECRET = "b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d04"


def test_pygatt_adapter(peripheral):
    p = peripheral("py-gatt")
    adapter = BlehostBackend(store_dir="", auto_security=False)
    adapter.start()
    try:
        found = adapter.filtered_scan("py-gatt", timeout=1.5)
        assert [d["address"] for d in found] == [p.address]
        assert found[0]["name"] == "py-gatt"
        assert any(d["address"] == p.address for d in adapter.scan(timeout=1.0))
        with pytest.raises(NotConnectedError):
            adapter.connect("00:11:22:33:44:55", timeout=1.0)

        dev = adapter.connect(p.address, timeout=5, address_type=BLEAddressType.public)
        assert dev.char_read(MANUFACTURER) == bytearray(b"blehost project")
        dev.char_write(RW, b"pygatt", wait_for_response=True)
        assert dev.char_read(RW) == b"pygatt"
        assert dev.char_read_handle(dev.get_handle(RW)) == b"pygatt"
        dev.char_write_handle(dev.get_handle(RW), b"by handle")
        assert dev.char_read(RW) == b"by handle"
        assert HRM in dev.discover_characteristics()
        with pytest.raises(BLEError):
            dev.char_read("0000ffff-0000-1000-8000-00805f9b34fb")

        got, threads = [], set()
        event = threading.Event()

        def on_hr(handle, value):
            got.append((handle, bytes(value)))
            threads.add(threading.current_thread().name)
            event.set()
        dev.subscribe(HRM, callback=on_hr)
        assert event.wait(5)
        assert got[0][0] == dev.get_handle(HRM) and got[0][1][0] == 0
        assert threads == {"blehost-pygatt"}  # callbacks on the adapter's thread
        dev.unsubscribe(HRM)
        assert p.wait_for(r"CCCD=0 \(off\)", 5)

        with pytest.raises(BLEError, match="Insufficient"):
            dev.char_read(SECRET)
        dev.bond()
        assert dev.char_read(SECRET) == b"encrypted secret"
        adapter.clear_bond(p.address)
        adapter.clear_bond()  # all: harmless when empty
        dev.disconnect()
        with pytest.raises(NotConnectedError):
            dev.char_read(MANUFACTURER)
    finally:
        adapter.stop()
