"""_bleio's L2CAP PacketBuffer opened towards a peer that accepts a smaller
MTU than ours (a Bumble device listening with MTU 100): the packets we send
are bounded by the peer's MTU from its connection response, not by 512.
Run with test_py_adv_sets.py (meson test python_bumble_adv_sets):
BUMBLE_T0 is our _bleio adapter, BUMBLE_T1 the Bumble device."""

import asyncio
import os
import threading
import time

import pytest

import _bleio

T0 = os.environ.get("BUMBLE_T0")
T1 = os.environ.get("BUMBLE_T1")
if not (T0 and T1):
    pytest.skip("run through tests/harness/with-bumble.sh", allow_module_level=True)

from bumble import l2cap  # noqa: E402  (Bumble's path comes from with-bumble.sh)
from bumble.device import Device  # noqa: E402
from bumble.hci import Address  # noqa: E402
from bumble.transport import open_transport  # noqa: E402

PEER = "F0:13:13:13:13:13"
PSM = 0x80
PEER_MTU = 100


class BumblePeer(threading.Thread):
    """A Bumble device on its own loop: advertises, accepts one channel on
    PSM with MTU 100 and keeps the SDUs it receives."""

    def __init__(self):
        super().__init__(daemon=True)
        self.ready = threading.Event()
        self.sdus = []
        self.loop = None
        self.stop_event = None
        self.error = None

    def run(self):
        try:
            asyncio.run(self.main())
        except Exception as e:  # reported by the test
            self.error = e
            self.ready.set()

    async def main(self):
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        async with await open_transport("tcp-client:" + T1.split(":", 1)[1]) as (src, sink):
            device = Device.with_hci("mtu-peer", Address(PEER), src, sink)
            await device.power_on()

            def on_channel(chan):
                chan.sink = self.sdus.append
            device.create_l2cap_server(
                spec=l2cap.LeCreditBasedChannelSpec(psm=PSM, mtu=PEER_MTU, mps=64),
                handler=on_channel)
            await device.start_advertising(advertising_data=b"\x02\x01\x06")
            self.ready.set()
            await self.stop_event.wait()

    def stop(self):
        if self.loop is not None and self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.join(5)


def test_l2cap_outgoing_length_is_the_peers_mtu():
    time.sleep(0.5)  # the last test's clients gone (see test_py_adv_sets.settle)
    peer = BumblePeer()
    peer.start()
    assert peer.ready.wait(10) and peer.error is None, peer.error
    adapter = _bleio.Adapter(transport=T0)
    try:
        conn = adapter.connect(_bleio.Address(bytes.fromhex(PEER.replace(":", ""))[::-1],
                                              _bleio.Address.RANDOM_STATIC), timeout=10)
        pb = conn.open_l2cap(PSM, buffer_size=8)
        assert pb.outgoing_packet_length == PEER_MTU
        assert pb.incoming_packet_length == 512
        with pytest.raises(ValueError):
            pb.write(b"x" * (PEER_MTU + 1))
        sent = [b"a" * PEER_MTU, b"b" * 50, b"c"]
        for p in sent:
            assert pb.write(p) == len(p)
        end = time.monotonic() + 10
        while len(peer.sdus) < len(sent) and time.monotonic() < end:
            time.sleep(0.01)
        assert [bytes(s) for s in peer.sdus] == sent
        pb.deinit()
        conn.disconnect()
    finally:
        adapter.enabled = False
        peer.stop()
