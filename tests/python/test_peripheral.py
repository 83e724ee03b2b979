"""blehost.peripheral (bluez-peripheral's API) served to the blehost bleak
backend on btvirt: reads through getters, writes through setters (and their
ATT errors), descriptors, notifications from changed(), and a service
removed and added at run time."""

import asyncio
import os
import struct
import sys

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from blehost import _core
from blehost._host import HostError
from blehost.bleak import use_blehost
from blehost.peripheral import (Advertisement, Service, characteristic, descriptor,
                                CharacteristicFlags, DescriptorFlags, NotAuthorizedError,
                                get_message_bus, uuid_bytes)
from conftest import EXAMPLES, Peer, run

use_blehost()

HRM, BSL, HRCP, LABEL = "2a37", "2a38", "2a39", "2a3a"


def full(u):
    return f"0000{u}-0000-1000-8000-00805f9b34fb"


@pytest.fixture
def heart_rate():
    p = Peer([sys.executable, os.path.join(EXAMPLES, "heart_rate_peripheral.py"), "HR-test", "30"],
             ready=r"ready (\S+)")
    yield p
    p.stop()


def test_heart_rate_example_to_bleak(heart_rate):
    addr = heart_rate.wait_for(r"ready (\S+)").group(1)

    async def main():
        dev = await BleakScanner.find_device_by_name("HR-test", timeout=10)
        assert dev is not None and dev.address.upper() == addr.upper()
        async with BleakClient(dev) as client:
            svc = client.services.get_service(full("180d"))
            assert svc is not None
            props = {c.uuid[4:8]: set(c.properties) for c in svc.characteristics}
            assert props[HRM] >= {"read", "notify"} and props[HRCP] == {"write"}
            assert await client.read_gatt_char(full(BSL)) == b"\x02"
            flags, rate, _ = struct.unpack("<BBH", await client.read_gatt_char(full(HRM)))
            assert flags == 8 and 60 <= rate < 100
            # writes reach the setter; its error is the client's ATT error
            await client.write_gatt_char(full(HRCP), b"\x01", response=True)
            assert await heart_rate.await_for(r"control point: reset", 5)
            with pytest.raises(BleakError):
                await client.write_gatt_char(full(HRCP), b"\x07", response=True)
            # descriptor getter and setter
            d = svc.get_characteristic(full(HRCP)).get_descriptor(full(LABEL))
            assert await client.read_gatt_descriptor(d.handle) == b"wrist"
            await client.write_gatt_descriptor(d.handle, b"chest")
            assert await heart_rate.await_for(r"label: chest", 5)
            assert await client.read_gatt_descriptor(d.handle) == b"chest"
            # changed() notifies subscribers
            q = asyncio.Queue()
            await client.start_notify(full(HRM), lambda c, v: q.put_nowait(bytes(v)))
            a = struct.unpack("<BBH", await asyncio.wait_for(q.get(), 5))
            b = struct.unpack("<BBH", await asyncio.wait_for(q.get(), 5))
            assert b[2] == a[2] + 1  # energy counter moves per reading
    run(main())


class Toggle(Service):
    def __init__(self):
        super().__init__("12345678-1234-5678-1234-56789abcdef0", True)

    @characteristic("12345678-1234-5678-1234-56789abcdef1", CharacteristicFlags.READ)
    def value(self, options):
        return b"toggle"


def test_services_added_and_removed_at_run_time():
    async def main():
        bus = await get_message_bus(store_dir="")
        svc = Toggle()
        await svc.register(bus)
        adv = Advertisement("toggle-test", [], 0, 0)
        await adv.register(bus)
        try:
            async with BleakClient(bus.host.address) as client:
                uuids = {s.uuid for s in client.services}
                assert Toggle().uuid in uuids
                v = await client.read_gatt_char("12345678-1234-5678-1234-56789abcdef1")
                assert v == b"toggle"
            await svc.unregister()
            assert svc.handle is None
            async with BleakClient(bus.host.address) as client:
                assert Toggle().uuid not in {s.uuid for s in client.services}
            await svc.register(bus)
            async with BleakClient(bus.host.address) as client:
                assert Toggle().uuid in {s.uuid for s in client.services}
        finally:
            await adv.unregister()
            bus.close()
    run(main())


def test_advertisement_payloads():
    a = Advertisement("Heart Monitor", ["180D"], 0x0340, 60,
                      manufacturerData={0xFFFF: b"\x01\x02"}, serviceData={"180D": b"\x05"})
    ad, rsp = a.payloads()
    assert ad.startswith(b"\x02\x01\x06") and b"\x03\x03\x0d\x18" in ad
    assert b"\x03\x19\x40\x03" in ad and b"\x05\xff\xff\xff\x01\x02" in ad
    assert b"\x04\x16\x0d\x18\x05" in ad
    assert b"Heart Monitor" in ad + rsp and len(ad) <= 31
    long = Advertisement("a-rather-long-device-name-here", ["6e400001-b5a3-f393-e0a9-e50e24dcca9e"],
                         0, 0)
    ad, rsp = long.payloads()
    assert rsp == bytes([30, 0x08]) + b"a-rather-long-device-name-her" and len(ad) <= 31
    assert uuid_bytes("180D") == b"\x0d\x18"


def test_flags_map_to_server_permissions():
    from blehost.peripheral import _chr_perms, _dsc_perms, DescriptorFlags
    F = CharacteristicFlags
    assert _chr_perms(F.READ) == (0x1, 0)
    assert _chr_perms(F.NOTIFY) == (0, 0)
    assert _chr_perms(F.READ | F.ENCRYPT_READ | F.WRITE) == (0x3, 0x1)
    assert _chr_perms(F.WRITE_WITHOUT_RESPONSE | F.ENCRYPT_AUTHENTICATED_WRITE) == (0, 0x7)
    assert _chr_perms(F.READ | F.SECURE_READ) == (0x1 | 0x2 | 0x4 | 0x8 | (16 << 8), 0)
    # AUTHORIZE asks (the agent, then the handler), never opens silently
    assert _chr_perms(F.READ | F.AUTHORIZE) == (0x11, 0)
    assert _dsc_perms(DescriptorFlags.READ | DescriptorFlags.ENCRYPT_WRITE |
                      DescriptorFlags.WRITE) == (0x1, 0x3)
    # writable AUTHORIZE attributes also authorize prepared writes (0x20)
    assert _chr_perms(F.READ | F.WRITE | F.AUTHORIZE) == (0x11, 0x31)
    assert _dsc_perms(DescriptorFlags.WRITE | DescriptorFlags.AUTHORIZE) == (0, 0x31)


SECRET = "a0e10001-1b2c-4d5e-8f90-a1b2c3d4e5f6"


class Secret(Service):
    def __init__(self):
        super().__init__("a0e10000-1b2c-4d5e-8f90-a1b2c3d4e5f6", True)

    @characteristic(SECRET, CharacteristicFlags.READ | CharacteristicFlags.ENCRYPT_AUTHENTICATED_READ)
    def secret(self, options):
        return b"mitm only"


def pair_through_agents(peripheral_agent, client_io, client_agent, name):
    import blehost

    async def main():
        bus = await get_message_bus(store_dir="")
        await Secret().register(bus)
        await peripheral_agent.register(bus)
        adv = Advertisement(name, [], 0, 0)
        await adv.register(bus)
        client_host = blehost.Host(store_dir="", io_cap=client_io, mitm=True, auto_security=False)
        try:
            await client_host.start()
            async with BleakClient(bus.host.address,
                                   blehost={"host": client_host, "agent": client_agent}) as c:
                with pytest.raises(BleakError):
                    await c.read_gatt_char(SECRET)  # Insufficient Authentication
                assert await c.pair(protection_level=3)
                assert await c.read_gatt_char(SECRET) == b"mitm only"
        finally:
            client_host.close()
            await adv.unregister()
            bus.close()
    run(main())


def test_yes_no_agent_numeric_comparison():
    from blehost.peripheral import YesNoAgent
    asked, ours = [], []

    class Confirm:
        def confirm_number(self, address, number):
            ours.append(number)
            return True

    pair_through_agents(YesNoAgent(lambda n: asked.append(n) or True), "KeyboardDisplay",
                        Confirm(), "nc-test")
    assert asked and asked == ours


def test_display_agent_and_typed_passkey():
    from blehost.peripheral import DisplayAgent
    shown = []

    class Typist:
        async def request_passkey(self, address):
            for _ in range(100):
                if shown:
                    return shown[0]
                await asyncio.sleep(0.05)
            return None

    pair_through_agents(DisplayAgent(shown.append), "KeyboardOnly", Typist(), "pk-test")
    assert shown and 0 <= shown[0] <= 999999


GUARD = "a0e20001-1b2c-4d5e-8f90-a1b2c3d4e5f6"


class Battery(Service):
    def __init__(self):
        super().__init__("180F", False)  # secondary: reached through the include

    @characteristic("2A19", CharacteristicFlags.READ)
    def level(self, options):
        return b"\x55"


class Guarded(Service):
    def __init__(self, battery):
        super().__init__("a0e20000-1b2c-4d5e-8f90-a1b2c3d4e5f6", True, includes=[battery])
        self.locked = True
        self.written = []

    @characteristic(GUARD, CharacteristicFlags.READ | CharacteristicFlags.WRITE |
                    CharacteristicFlags.AUTHORIZE)
    def guarded(self, options):
        if self.locked:
            from blehost.peripheral import NotAuthorizedError
            raise NotAuthorizedError()
        return b"open"

    @guarded.setter
    def guarded(self, value, options):
        self.written.append(value)


def test_authorize_and_included_service():
    """AUTHORIZE: the agent's authorize() and then the getter/setter decide
    (Insufficient Authorization otherwise); a service includes a secondary
    one (Include declaration read by the client)."""
    import blehost
    from blehost.peripheral import NoIoAgent
    asked, allow_writes = [], [False]

    def authorize(device, uuid, write):
        asked.append((device, uuid, write))
        return not write or allow_writes[0]

    async def main():
        bus = await get_message_bus(store_dir="")
        battery = Battery()
        guarded = Guarded(battery)
        await battery.register(bus)
        await guarded.register(bus)
        await NoIoAgent(authorize=authorize).register(bus)
        adv = Advertisement("auth-test", [], 0, 0)
        await adv.register(bus)
        client_host = blehost.Host(store_dir="")
        try:
            await client_host.start()
            async with BleakClient(bus.host.address, blehost={"host": client_host}) as c:
                with pytest.raises(BleakError, match="Insufficient Authorization"):
                    await c.read_gatt_char(GUARD)  # the getter says no
                guarded.locked = False
                assert await c.read_gatt_char(GUARD) == b"open"
                with pytest.raises(BleakError, match="Insufficient Authorization"):
                    await c.write_gatt_char(GUARD, b"w1", response=True)  # the agent says no
                assert guarded.written == []
                allow_writes[0] = True
                await c.write_gatt_char(GUARD, b"w2", response=True)
                assert guarded.written == [b"w2"]
                assert [w for _, u, w in asked] == [False, False, True, True]
                assert all(u == GUARD and d == client_host.address for d, u, _ in asked)
                # Include declaration right after the service declaration:
                # the battery service's range and its 16-bit UUID
                svc = c.services.get_service(guarded.uuid)
                conn = next(iter(client_host.conns))
                _, v = await client_host.op(client_host._core.read, conn, svc.handle + 1,
                                            what="read include")
                assert bytes(v) == struct.pack("<HHH", battery.handle, battery.handle + 2, 0x180F)
                assert svc.handle == battery.handle + 3
        finally:
            client_host.close()
            await adv.unregister()
            bus.close()
    run(main())


LONG = "a0e30001-1b2c-4d5e-8f90-a1b2c3d4e5f6"
LONG_DSC = "a0e30002-1b2c-4d5e-8f90-a1b2c3d4e5f6"


class LongWrites(Service):
    """An AUTHORIZE characteristic and descriptor whose setters record each
    call and refuse prepared writes while self.refuse is set."""

    def __init__(self):
        super().__init__("a0e30000-1b2c-4d5e-8f90-a1b2c3d4e5f6", True)
        self.calls = []       # (what, value, offset, prepare_authorize, type)
        self.refuse = True
        self.value = b""

    @characteristic(LONG, CharacteristicFlags.READ | CharacteristicFlags.WRITE |
                    CharacteristicFlags.RELIABLE_WRITE | CharacteristicFlags.AUTHORIZE)
    def long_value(self, options):
        return self.value

    @long_value.setter
    def long_value(self, value, options):
        self.calls.append(("chr", value, options.offset, options.prepare_authorize, options.type))
        if options.prepare_authorize:
            if self.refuse:
                raise NotAuthorizedError()
            return
        self.value = self.value[:options.offset] + value

    @descriptor(LONG_DSC, long_value, DescriptorFlags.WRITE | DescriptorFlags.AUTHORIZE)
    def long_dsc(self, options):
        return b""

    @long_dsc.setter
    def long_dsc(self, value, options):
        self.calls.append(("dsc", value, options.offset, options.prepare_authorize, options.type))
        if options.prepare_authorize:
            raise NotAuthorizedError()


def att_errors_received(path):
    """[(request opcode, handle, code)] of the ATT Error Responses the host
    received, from its btsnoop trace (H4, datalink 1002)."""
    data = open(path, "rb").read()
    out, i = [], 16
    while i + 24 <= len(data):
        incl, flags = struct.unpack(">4xII", data[i:i + 12])
        pkt = data[i + 24:i + 24 + incl]
        i += 24 + incl
        # received ACL, first fragment, L2CAP CID 4 (ATT), opcode Error Response
        if flags & 3 == 1 and pkt[:1] == b"\x02" and len(pkt) >= 14 and \
                pkt[2] & 0x30 != 0x10 and pkt[7:9] == b"\x04\x00" and pkt[9] == 0x01:
            out.append((pkt[10], pkt[11] | pkt[12] << 8, pkt[13]))
    return out


def test_prepare_authorize_long_write(tmp_path):
    """AUTHORIZE and prepared writes, as BlueZ does it: a blehost central's
    long write (ATT_MTU 23, four Prepare Write Requests) asks the setter once,
    on the first part, with options.prepare_authorize; its refusal answers
    that Prepare Write Request with Insufficient Authorization naming the
    attribute's handle and nothing is written; once it accepts, the other
    parts are queued without asking and Execute Write hands every part to the
    setter (type "reliable"). The agent's authorize() is asked at each
    Prepare Write Request. Same for a descriptor."""
    import blehost
    from blehost.peripheral import NoIoAgent
    asked = []

    def authorize(device, uuid, write):
        asked.append((uuid, write))
        return True

    async def main():
        bus = await get_message_bus(store_dir="")
        svc = LongWrites()
        await svc.register(bus)
        await NoIoAgent(authorize=authorize).register(bus)
        adv = Advertisement("long-write", [], 0, 0)
        await adv.register(bus)
        trace = str(tmp_path / "central.btsnoop")
        ch = blehost.Host(store_dir="", trace=trace)
        try:
            await ch.start()
            addr, addr_type = bus.host._core.own_address()
            conn, _ = await ch.op(ch._core.connect, addr, addr_type, 10000, what="connect")
            assert ch.call(ch._core.mtu, conn) == 23  # no MTU exchange: 18 octets a part
            vh, dh = svc.long_value.handle, svc.long_dsc.handle
            value = bytes(range(60))
            with pytest.raises(HostError) as e:
                await ch.op(ch._core.write, conn, vh, value, what="long write")
            assert e.value.att_error == 0x08, e.value
            assert svc.calls == [("chr", value[:18], 0, True, "reliable")] and svc.value == b""
            assert asked == [(LONG, True)]
            svc.calls.clear()
            svc.refuse = False
            await ch.op(ch._core.write, conn, vh, value, what="long write")
            assert svc.calls == [("chr", value[:18], 0, True, "reliable")] + [
                ("chr", value[o:o + 18], o, False, "reliable") for o in (0, 18, 36, 54)]
            assert svc.value == value
            assert asked == [(LONG, True)] * 5  # each Prepare Write Request
            _, v = await ch.op(ch._core.read, conn, vh, what="long read")
            assert bytes(v) == value
            svc.calls.clear()
            with pytest.raises(HostError) as e:
                await ch.op(ch._core.write, conn, dh, value[:30], what="long descriptor write")
            assert e.value.att_error == 0x08, e.value
            assert svc.calls == [("dsc", value[:18], 0, True, "reliable")]
        finally:
            ch.close()
            await adv.unregister()
            bus.close()
        # on the air: each refusal named its request and attribute
        assert att_errors_received(trace) == [(0x16, vh, 0x08), (0x16, dh, 0x08)]
    run(main())


def test_noble_central_against_peripheral_api(heart_rate):
    """noble (Node) as the central of the bluez-peripheral-style heart-rate
    example: discovery, reads and writes of a value and a descriptor, and
    notifications."""
    from conftest import HERE, node_available
    if not node_available():
        pytest.skip("node/noble unavailable (tests/interop/setup.sh)")
    n = Peer(["node", os.path.join(HERE, "noble_heart_rate.js"), "HR-test"])
    assert n.wait_for(r"NOBLE (PASS|FAIL)", 40) and n.count(r"NOBLE PASS") == 1, \
        "\n".join(n.lines)
    assert heart_rate.wait_for(r"control point: reset", 5)
    assert heart_rate.wait_for(r"label: chest", 5)


def test_second_advertisement_refused_without_extended_advertising():
    """btvirt's controller is 4.2: one advertisement at a time. A second
    raises HostError (ENOTSUP) and the first goes on; once the first is
    unregistered, the second starts. Several at once:
    tests/bumble/test_py_adv_sets.py."""
    async def main():
        bus = await get_message_bus(store_dir="")
        first = Advertisement("first-adv", [], 0, 0)
        second = Advertisement("second-adv", [], 0, 0)
        await first.register(bus)
        try:
            with pytest.raises(HostError) as e:
                await second.register(bus)
            assert e.value.status == _core.ENOTSUP, e.value
            assert "extended advertising" in str(e.value)
            assert bus.host.call(bus.host._core.advertising)
            await first.unregister()
            for _ in range(50):  # the controller's disable completes
                if not bus.host.call(bus.host._core.advertising):
                    break
                await asyncio.sleep(0.05)
            assert not bus.host.call(bus.host._core.advertising)
            await second.register(bus)
            assert bus.legacy_adv is second
            assert bus.host.call(bus.host._core.advertising)
            await second.unregister()
        finally:
            await first.unregister()
            bus.close()
    run(main())
