"""Two devices at once (after bleak's examples/two_devices.py): connects to
both concurrently, prints notifications from each for a few seconds.

    python3 two_devices.py ADDRESS1 ADDRESS2 CHAR_UUID [SECONDS]
"""
import asyncio
import sys

from bleak import BleakClient, BleakScanner


async def connect_to_device(lock, address, char_uuid, seconds, counts):
    async with lock:  # scan and connect one at a time, as bleak recommends
        device = await BleakScanner.find_device_by_address(address, timeout=10)
        if device is None:
            print(f"{address} not found")
            return
        client = BleakClient(device)
        await client.connect()
    try:
        def callback(char, data):
            counts[address] = counts.get(address, 0) + 1
            print(f"{address} {char.uuid}: {data.hex()}", flush=True)

        await client.start_notify(char_uuid, callback)
        await asyncio.sleep(seconds)
        await client.stop_notify(char_uuid)
    finally:
        await client.disconnect()


async def main(a1, a2, char_uuid, seconds):
    lock = asyncio.Lock()
    counts = {}
    await asyncio.gather(connect_to_device(lock, a1, char_uuid, seconds, counts),
                         connect_to_device(lock, a2, char_uuid, seconds, counts))
    for a in (a1, a2):
        print(f"{a}: {counts.get(a, 0)} notifications")


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], a[1], a[2], float(a[3]) if len(a) > 3 else 3.0))
