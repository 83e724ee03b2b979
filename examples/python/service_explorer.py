"""Service explorer (after bleak's examples/service_explorer.py): connects,
prints every service, characteristic and descriptor with handles, and the
values of what is readable.

    python3 service_explorer.py ADDRESS
"""
import asyncio
import sys

from bleak import BleakClient, BleakScanner


async def main(address):
    device = await BleakScanner.find_device_by_address(address, timeout=10.0)
    if device is None:
        print(f"could not find device with address {address}")
        raise SystemExit(1)
    async with BleakClient(device) as client:
        print(f"connected: {client.is_connected}, MTU {client.mtu_size}")
        for service in client.services:
            print(f"[Service] {service}")
            for char in service.characteristics:
                if "read" in char.properties:
                    try:
                        value = bytes(await client.read_gatt_char(char.uuid))
                        extra = f", Value: {value!r}"
                    except Exception as e:
                        extra = f", Error: {e}"
                else:
                    extra = ""
                print(f"  [Characteristic] {char} ({','.join(char.properties)}){extra}")
                for descriptor in char.descriptors:
                    try:
                        value = bytes(await client.read_gatt_descriptor(descriptor.handle))
                        print(f"    [Descriptor] {descriptor}, Value: {value!r}")
                    except Exception as e:
                        print(f"    [Descriptor] {descriptor}, Error: {e}")
    print("disconnected")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
