"""BleakClient on blehost against `blehost peripheral` (tools/demo_db.c):
every method, and what fails when it should."""

import asyncio

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError

from blehost.bleak import BleakClientBlehost, use_blehost
from conftest import run

use_blehost()


def u16(v):
    return "%08x-0000-1000-8000-00805f9b34fb" % v


def demo(last):
    return "b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d%02x" % last


HRM, BATTERY, MANUFACTURER = u16(0x2A37), u16(0x2A19), u16(0x2A29)
CCCD, USER_DESC = u16(0x2902), u16(0x2901)


def test_connect_services_read_write(peripheral):
    p = peripheral("py-client")

    async def main():
        disconnected = []
        async with BleakClient(p.address, disconnected_callback=disconnected.append,
                               timeout=10) as client:
            assert client.is_connected
            assert client.mtu_size == 517
            svcs = client.services
            assert [s.uuid for s in svcs] == [u16(0x1800), u16(0x1801), u16(0x180D), u16(0x180F),
                                              u16(0x180A), demo(0)]
            assert [s.handle for s in svcs] == sorted(s.handle for s in svcs)
            hr = svcs.get_service(u16(0x180D))
            hrm = hr.get_characteristic(HRM)
            assert hrm.properties == ["notify"]
            assert hrm.service_handle == hr.handle and hrm.service_uuid == hr.uuid
            # declaration handles, as BlueZ's object paths give them
            assert hrm.handle == hrm.obj["value_handle"] - 1
            cccd = hrm.get_descriptor(CCCD)
            assert cccd is not None and cccd.handle > hrm.handle
            assert cccd.characteristic_handle == hrm.handle
            assert svcs.get_characteristic(hrm.handle) is hrm
            assert hrm.max_write_without_response_size == 514

            assert await client.read_gatt_char(MANUFACTURER) == bytearray(b"blehost project")
            long_value = await client.read_gatt_char(demo(1))  # long read (300 bytes)
            assert long_value == bytearray([i & 0xFF for i in range(300)])
            # by handle and by object too
            m = svcs.get_characteristic(MANUFACTURER)
            assert await client.read_gatt_char(m.handle) == b"blehost project"
            assert await client.read_gatt_char(m) == b"blehost project"

            desc = svcs.get_characteristic(demo(1)).get_descriptor(USER_DESC)
            assert len(await client.read_gatt_descriptor(desc.handle)) > 0

            await client.write_gatt_char(demo(1), b"hello blehost", response=True)
            assert await client.read_gatt_char(demo(1)) == b"hello blehost"
            await client.write_gatt_char(demo(1), bytes(range(200)) * 2, response=True)  # long
            assert await client.read_gatt_char(demo(1)) == bytes(range(200)) * 2
            await client.write_gatt_char(demo(2), b"\xc0\xff\xee", response=False)
            assert await client.read_gatt_char(demo(2)) == b"\xc0\xff\xee"
            # the CCCD through write_gatt_descriptor (bleak allows it), read back
            await client.write_gatt_descriptor(cccd.handle, b"\x01\x00")
            assert await client.read_gatt_descriptor(cccd.handle) == b"\x01\x00"
            await client.write_gatt_descriptor(cccd.handle, b"\x00\x00")
        assert not client.is_connected
        assert disconnected == [client]
        assert await p.await_for(r"disconnected +reason 0x13", 5)
    run(main())


def test_notifications_and_indications(peripheral):
    p = peripheral("py-notify")

    async def main():
        device = await BleakScanner.find_device_by_name("py-notify", timeout=10)
        assert device is not None
        client = BleakClient(device, backend=BleakClientBlehost)
        await client.connect()
        try:
            hr, ind = asyncio.Queue(), asyncio.Queue()

            def on_hr(char, data):
                assert char.uuid == HRM
                hr.put_nowait(bytes(data))

            async def on_ind(char, data):  # coroutine callbacks work too
                ind.put_nowait((char.uuid, bytes(data)))

            await client.start_notify(HRM, on_hr)
            a = await asyncio.wait_for(hr.get(), 5)
            b = await asyncio.wait_for(hr.get(), 5)
            assert a[0] == 0 and b[0] == 0 and b[1] != a[1]  # heart rate drifts
            await client.stop_notify(HRM)
            assert await p.await_for(r"CCCD=0 \(off\)", 5)
            await client.start_notify(demo(3), on_ind)  # indicate-only
            assert await asyncio.wait_for(ind.get(), 5) == (demo(3), b"\x01")
            assert await p.await_for(r"indicated .*confirmed", 5)
            with pytest.raises(BleakError):
                await client.start_notify(MANUFACTURER, on_hr)  # neither notify nor indicate
        finally:
            await client.disconnect()
    run(main())


def test_errors(peripheral):
    p = peripheral("py-errors")

    async def main():
        with pytest.raises(BleakDeviceNotFoundError):
            await BleakClient("00:11:22:33:44:55", timeout=1.5).connect()
        async with BleakClient(p.address) as client:
            with pytest.raises(BleakError, match="not found"):
                await client.read_gatt_char("0000ffff-0000-1000-8000-00805f9b34fb")
            with pytest.raises(BleakError, match="not found"):
                await client.read_gatt_char(0x7777)
            with pytest.raises(BleakError, match="not found"):
                await client.read_gatt_descriptor(0x7777)
            # a handle the peer does not have: its ATT error reaches the program
            with pytest.raises(BleakError, match="Invalid Handle"):
                await client._backend._read(0x7777, "read")
            # writing a read-only value: the peer's Write Not Permitted
            with pytest.raises(BleakError, match="Write Not Permitted"):
                await client.write_gatt_char(MANUFACTURER, b"x", response=True)
            with pytest.raises(BleakError, match="already connected"):
                await client.connect()
        with pytest.raises(BleakError, match="Not connected"):
            await client.read_gatt_char(MANUFACTURER)
        assert await client.disconnect()  # harmless when already disconnected
    run(main())


def test_two_connections_at_once(peripheral):
    a = peripheral("py-two-a")
    b = peripheral("py-two-b")

    async def main():
        ca, cb = BleakClient(a.address), BleakClient(b.address)
        await asyncio.gather(ca.connect(), cb.connect())
        try:
            qa, qb = asyncio.Queue(), asyncio.Queue()
            await ca.start_notify(HRM, lambda c, d: qa.put_nowait(d))
            await cb.start_notify(HRM, lambda c, d: qb.put_nowait(d))
            ra, rb = await asyncio.gather(ca.read_gatt_char(BATTERY), cb.read_gatt_char(BATTERY))
            assert ra == rb == b"\x64"
            await asyncio.wait_for(qa.get(), 5)
            await asyncio.wait_for(qb.get(), 5)
            await ca.disconnect()
            # the other link carries on
            await asyncio.wait_for(qb.get(), 5)
            assert cb.is_connected and not ca.is_connected
        finally:
            await ca.disconnect()
            await cb.disconnect()
    run(main())


def test_cancelled_connect_leaves_the_host_usable(peripheral):
    p = peripheral("py-cancel")

    async def main():
        import blehost
        from bleak.backends.device import BLEDevice
        host = await blehost.get_host()
        # btvirt refuses an address nobody has at once, with the HCI reason
        ghost = BLEDevice("00:11:22:33:44:66", "ghost", {"address_type": 0}, -127)
        with pytest.raises(BleakError, match="HCI: Connection Failed to be Established"):
            await BleakClient(ghost, timeout=5).connect()
        # give up on a connect while the attempt runs in the stack: it is
        # cancelled, or the link it made anyway is dropped
        dev = BLEDevice(p.address, "py-cancel", {"address_type": 0}, -127)
        task = asyncio.ensure_future(BleakClient(dev, timeout=5).connect())
        while not host._ops:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):
            if not any(c.peer == p.address for c in host.conns.values()):
                break
            await asyncio.sleep(0.05)
        assert not any(c.peer == p.address for c in host.conns.values())
        # and the next attempt is not refused as busy (by address: it scans
        # until the peripheral advertises again after the dropped link)
        async with BleakClient(p.address, timeout=10) as client:
            assert client.is_connected
    run(main())


def test_scanner_filters_kwarg():
    from blehost.bleak import BleakScannerBlehost
    s = BleakScannerBlehost(None, None, "active", bluez={"filters": {"UUIDs": ["0000180D-0000-1000-8000-00805F9B34FB"]}})
    assert s._service_uuids == ["0000180d-0000-1000-8000-00805f9b34fb"]


def test_connect_while_a_scanner_runs(peripheral):
    p = peripheral("py-scan-conn")

    async def main():
        import blehost
        host = await blehost.get_host()
        seen = asyncio.get_running_loop().create_future()

        def cb(d, ad):
            if d.address == p.address and not seen.done():
                seen.set_result(d)

        async with BleakScanner(cb):
            device = await asyncio.wait_for(seen, 10)
            async with BleakClient(device) as client:  # connects during the scan
                assert await client.read_gatt_char(BATTERY) == b"\x64"
                assert host._core.scanning()  # the scanner's scan goes on
        assert not host._core.scanning()
    run(main())


def test_services_filter(peripheral):
    p = peripheral("py-filter")

    async def main():
        async with BleakClient(p.address, services=["180d", demo(0)]) as client:
            assert sorted(s.uuid for s in client.services) == sorted([u16(0x180D), demo(0)])
            with pytest.raises(BleakError, match="not found"):
                await client.read_gatt_char(MANUFACTURER)  # its service was left out
            assert len(await client.read_gatt_char(demo(1))) == 300
    run(main())
