"""Several blehost.peripheral advertisements at once on Bumble's virtual
controllers (extended advertising, unlike btvirt's 4.2 one): run by meson
(suite `python`, test python_bumble_adv_sets) under tests/harness/with-bumble.sh
with BUMBLE_ARGS=--ext-adv and BUMBLE_COUNT=3, which exports BUMBLE_T0 (the
peripheral), BUMBLE_T1 (the scanner and central) and BUMBLE_T2 (a second
central)."""

import asyncio
import os
import time

import pytest

from blehost import _core
from blehost._host import Host, HostError, start_or_close
from blehost.peripheral import Advertisement, Bus, PacketType

T0 = os.environ.get("BUMBLE_T0")
T1 = os.environ.get("BUMBLE_T1")
T2 = os.environ.get("BUMBLE_T2")
if not (T0 and T1):
    pytest.skip("run through tests/harness/with-bumble.sh", allow_module_level=True)

# Two sets on their own addresses, and one on the host's own advertising.
ADVERTS = {
    "alpha": dict(address="C1:00:00:00:13:01", company=0x0A01, data=b"\x01\x11"),
    "bravo": dict(address="C1:00:00:00:13:02", company=0x0A02, data=b"\x02\x22\x22"),
    "charlie": dict(address=None, company=0x0A03, data=b"\x03"),
}


@pytest.fixture(autouse=True)
def settle():
    """bumble_ctrl's TCP server drops its sink when it sees a client's
    connection end: a client that connects before the server saw the last
    one go would get no answers (Bumble's tcp_server connection_lost). Each
    test starts once the previous test's clients are surely gone."""
    time.sleep(0.5)
    yield


def parse_ad(raw):
    out = {}
    i = 0
    while i + 1 < len(raw) and raw[i]:
        n = raw[i]
        out.setdefault(raw[i + 1], raw[i + 2:i + 1 + n])
        i += 1 + n
    return out


async def scan(host, seconds):
    """name -> (address, manufacturer data, connectable) seen in seconds."""
    seen = {}

    def on_device(addr, addr_type, rssi, txp, connectable, adv, rsp):
        ad = parse_ad(adv)
        ad.update({k: v for k, v in parse_ad(rsp).items() if k not in ad})
        name = ad.get(0x09)
        if name:
            seen[name.decode()] = (addr, ad.get(0xFF), connectable)
    on_device.active = True
    host.scan_listeners.append(on_device)
    await host.scan_update()
    await asyncio.sleep(seconds)
    host.scan_listeners.remove(on_device)
    await host.scan_update()
    return seen


def expect(seen, names):
    for name in names:
        assert name in seen, f"{name} not seen: {seen}"
        a = ADVERTS[name]
        if a["address"]:
            assert seen[name][0] == a["address"], seen[name]
        assert seen[name][1] == a["company"].to_bytes(2, "little") + a["data"], seen[name]
        assert seen[name][2], f"{name} not connectable"


async def scenario():
    bus = Bus(T0)
    await bus.start()
    central = await start_or_close(Host(T1, store_dir=None))
    try:
        adverts = {}
        for name, a in ADVERTS.items():
            adv = Advertisement(name, ["180D"], 0x0340, address=a["address"],
                                manufacturerData={a["company"]: a["data"]})
            await adv.register(bus)
            adverts[name] = adv
        # the peripheral's handles: 0 for charlie's, sets for the others
        assert bus.legacy_adv is adverts["charlie"]
        assert adverts["alpha"]._set and adverts["bravo"]._set
        assert adverts["alpha"]._set != adverts["bravo"]._set

        expect(await scan(central, 1.5), ADVERTS)

        # a central connects to bravo: its set ends, the others go on
        async with central.connect_lock:
            conn, _ = await central.op(central._core.connect, ADVERTS["bravo"]["address"], 1,
                                       5000, what="connect", timeout=10)
        for _ in range(50):
            if bus.host.conns and adverts["bravo"]._set is None:
                break
            await asyncio.sleep(0.1)
        assert adverts["bravo"]._set is None, "bravo's set still running after the connection"
        seen = await scan(central, 1.5)
        expect(seen, ["alpha", "charlie"])
        assert "bravo" not in seen, seen

        # the link ends: bravo advertises again, as the host's own advertising would
        central.call(central._core.disconnect, conn)
        for _ in range(50):
            if adverts["bravo"]._set is not None:
                break
            await asyncio.sleep(0.1)
        assert adverts["bravo"]._set is not None, "bravo not restarted after the disconnection"

        # alpha unregistered: the rest still seen, alpha not
        await adverts["alpha"].unregister()
        seen = await scan(central, 1.5)
        expect(seen, ["bravo", "charlie"])
        assert "alpha" not in seen, seen

        # the host's own advertising stopped: the sets go on
        await adverts["charlie"].unregister()
        seen = await scan(central, 1.5)
        expect(seen, ["bravo"])
        assert "charlie" not in seen and "alpha" not in seen, seen
        await adverts["bravo"].unregister()
    finally:
        central.close()
        bus.close()


def test_three_advertisements_at_once():
    asyncio.run(asyncio.wait_for(scenario(), 60))


async def own_link_restarts():
    """Two connectable sets; a central connects through each. The set whose
    link ends restarts, the other (whose link goes on) does not until its
    own link ends. Both sets use the host's own random address: Bumble's
    virtual link answers link control from a controller's last set address,
    so sets with addresses of their own lose their links' disconnections."""
    assert T2, "BUMBLE_COUNT=3 (tests/python/meson.build)"
    # three random static addresses, each host its own (memory-only stores)
    bus = Bus(T0, random_address=True, store_dir="")
    await bus.start()
    c1 = await start_or_close(Host(T1, store_dir="", random_address=True))
    c2 = await start_or_close(Host(T2, store_dir="", random_address=True))
    try:
        # the first advertisement takes the host's own advertising: once the
        # sets run it goes, so the links come through the sets
        first = Advertisement("first", [], 0, packet_type=PacketType.BROADCAST)
        x = Advertisement("x-set", ["180D"], 0)
        y = Advertisement("y-set", ["180D"], 0)
        for a in (first, x, y):
            await a.register(bus)
        assert bus.legacy_adv is first and x._set and y._set
        await first.unregister()
        x_h, y_h = x._set, y._set

        async def until(cond, what):
            for _ in range(50):
                if cond():
                    return
                await asyncio.sleep(0.1)
            raise AssertionError(what)

        links = {}
        for c in (c1, c2):
            async with c.connect_lock:
                links[c], _ = await c.op(c._core.connect, bus.host.address, 1, 5000,
                                         what="connect", timeout=10)
            await until(lambda: len(bus.host.conns) == len(links), "no peripheral link")
        await until(lambda: x._set is None and y._set is None, "a set still runs")
        # which set each link came through
        by_peer = {bus.host.conns[h].peer.upper(): bus.host.call(bus.host._core.conn_adv_handle, h)
                   for h in bus.host.conns}
        assert sorted(by_peer.values()) == sorted([x_h, y_h]), (by_peer, x_h, y_h)
        first, second = (c1, c2) if by_peer[c1.address.upper()] == x_h else (c2, c1)
        # the link through y ends: y restarts, x waits for its own link
        second.call(second._core.disconnect, links[second])
        await until(lambda: y._set is not None, "y not restarted after its link ended")
        await asyncio.sleep(0.5)
        assert x._set is None, "x restarted when another link ended"
        first.call(first._core.disconnect, links[first])
        await until(lambda: x._set is not None, "x not restarted after its link ended")
        for a in (x, y):
            await a.unregister()
    finally:
        c2.close()
        c1.close()
        bus.close()


def test_set_restarts_when_its_own_link_ends():
    asyncio.run(asyncio.wait_for(own_link_restarts(), 60))


async def one_too_many():
    """An advertisement registered twice is refused; the first goes on."""
    bus = Bus(T0)
    await bus.start()
    try:
        adv = Advertisement("solo", [], 0)
        await adv.register(bus)
        with pytest.raises(HostError):
            await adv.register(bus)
        assert bus.host.call(bus.host._core.advertising)
        await adv.unregister()
    finally:
        bus.close()


def test_register_twice_refused():
    asyncio.run(asyncio.wait_for(one_too_many(), 30))


async def bleio_scan(adapter_data):
    central = await start_or_close(Host(T1, store_dir=None))
    try:
        seen = {}

        def on_device(addr, addr_type, rssi, txp, connectable, adv, rsp):
            if parse_ad(adv).get(0x09) == b"bleio-ext":
                seen["adv"] = bytes(adv)
        on_device.active = True
        central.scan_listeners.append(on_device)
        await central.scan_update()
        for _ in range(30):
            if seen:
                break
            await asyncio.sleep(0.1)
        central.scan_listeners.remove(on_device)
        await central.scan_update()
        return seen.get("adv")
    finally:
        central.close()


def test_bleio_advertisement_on_an_extended_set():
    """_bleio keeps CircuitPython's one advertisement, but on a controller
    with extended advertising it goes out on an extended advertising set
    (handle 0): 60 bytes of data, which legacy PDUs cannot carry, arrive
    whole."""
    import _bleio
    adapter = _bleio.Adapter(transport=T0)
    try:
        data = (bytes([10, 0x09]) + b"bleio-ext" +
                bytes([48, 0xFF, 0x34, 0x12]) + bytes(range(45)))
        assert len(data) == 60
        adapter.start_advertising(data, connectable=False)
        assert adapter.advertising
        got = asyncio.run(asyncio.wait_for(bleio_scan(data), 20))
        assert got is not None, "not seen"
        assert got.startswith(data), got.hex()
        adapter.stop_advertising()
    finally:
        adapter.enabled = False
