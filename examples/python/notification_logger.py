"""Notification logger (after bleak's examples/enable_notifications.py):
subscribes to a characteristic and prints every notification or indication.

    python3 notification_logger.py ADDRESS CHAR_UUID [COUNT] [TIMEOUT_S]
"""
import asyncio
import sys

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic


async def main(address, char_uuid, count, timeout):
    got = asyncio.Queue()

    def notification_handler(characteristic: BleakGATTCharacteristic, data: bytearray):
        print(f"{characteristic.uuid}: {data.hex()}", flush=True)
        got.put_nowait(data)

    async with BleakClient(address) as client:
        await client.start_notify(char_uuid, notification_handler)
        for _ in range(count):
            await asyncio.wait_for(got.get(), timeout)
        await client.stop_notify(char_uuid)
    print(f"{count} notifications")


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], a[1], int(a[2]) if len(a) > 2 else 3,
                     float(a[3]) if len(a) > 3 else 10.0))
