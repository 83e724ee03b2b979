"""Links that end from the peer's side: a bleno UART peer that drops the link
in the middle of a notification stream, and an in-process peer host that
disconnects while our operations are queued. The stack keeps serving: a new
connection works afterwards."""

import asyncio

import pytest
from bleak import BleakClient
from bleak.exc import BleakError

import blehost
from blehost import _ad
from blehost.bleak import use_blehost
from conftest import run

use_blehost()

RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
DEVICE_NAME = "00002a00-0000-1000-8000-00805f9b34fb"


def test_uart_echo_against_bleno(bleno_uart):
    async def main():
        async with BleakClient(bleno_uart.address) as client:
            q = asyncio.Queue()
            await client.start_notify(TX, lambda c, d: q.put_nowait(bytes(d)))
            await client.write_gatt_char(RX, b"hello", response=True)
            assert await asyncio.wait_for(q.get(), 5) == b"HELLO"
            await client.write_gatt_char(RX, b"no response", response=False)
            assert await asyncio.wait_for(q.get(), 5) == b"NO RESPONSE"
            await client.stop_notify(TX)
            assert await bleno_uart.await_for(r"UART unsubscribe", 5)
    run(main())


def test_peer_drops_link_during_notification_stream(bleno_uart):
    async def main():
        gone = asyncio.get_running_loop().create_future()
        client = BleakClient(bleno_uart.address,
                             disconnected_callback=lambda c: gone.done() or gone.set_result(c))
        await client.connect()
        got = []
        await client.start_notify(TX, lambda c, d: got.append(bytes(d)))
        await client.write_gatt_char(RX, b"STREAM", response=True)
        assert await asyncio.wait_for(gone, 15) is client
        assert not client.is_connected
        assert got and got == [b"#%d" % (i + 1) for i in range(len(got))], got  # in order
        n = len(got)
        await asyncio.sleep(0.2)
        assert len(got) == n  # nothing after the end
        with pytest.raises(BleakError, match="Not connected"):
            await client.read_gatt_char(TX)
        with pytest.raises(BleakError, match="Not connected"):
            await client.write_gatt_char(RX, b"x")
        with pytest.raises(BleakError, match="Not connected"):
            await client.stop_notify(TX)
        # the stack carries on: the same peer again
        async with BleakClient(bleno_uart.address) as again:
            q = asyncio.Queue()
            await again.start_notify(TX, lambda c, d: q.put_nowait(bytes(d)))
            await again.write_gatt_char(RX, b"back", response=True)
            assert await asyncio.wait_for(q.get(), 5) == b"BACK"
    run(main())


def test_peer_disconnects_with_operations_pending():
    async def main():
        peer = blehost.Host(store_dir="")
        await peer.start()
        try:
            peer.call(peer._core.adv_start, _ad.build(name="py-peer"), b"", True)
            gone = asyncio.get_running_loop().create_future()
            client = BleakClient(peer.address,
                                 disconnected_callback=lambda c: gone.done() or gone.set_result(c))
            await client.connect()
            assert await client.read_gatt_char(DEVICE_NAME)  # the peer's GAP service
            reads = [asyncio.ensure_future(client.read_gatt_char(DEVICE_NAME)) for _ in range(5)]
            await asyncio.sleep(0)  # queued in our GATT client
            (handle,) = list(peer.conns)
            peer.call(peer._core.disconnect, handle, 0x13)
            await asyncio.wait_for(gone, 10)
            results = await asyncio.gather(*reads, return_exceptions=True)
            # each read completed exactly once: with a value, or the disconnect
            assert len(results) == 5
            assert all(isinstance(r, (bytearray, BleakError)) for r in results), results
            assert not client.is_connected
        finally:
            peer.close()
    run(main())
