"""UART-style exchange (after bleak's examples/uart_service.py): finds a
device advertising the Nordic UART Service, subscribes to TX and writes
each argument to RX, printing what comes back.

    python3 uart_echo.py LINE [LINE...]
"""
import asyncio
import sys

from bleak import BleakClient, BleakScanner

UART_SERVICE_UUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
UART_RX_CHAR_UUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
UART_TX_CHAR_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"


async def main(lines):
    def match_nus_uuid(device, adv):
        return UART_SERVICE_UUID.lower() in adv.service_uuids

    device = await BleakScanner.find_device_by_filter(match_nus_uuid, timeout=10)
    if device is None:
        print("no matching device found")
        raise SystemExit(1)
    rx_queue = asyncio.Queue()

    def handle_rx(_, data: bytearray):
        rx_queue.put_nowait(bytes(data))

    async with BleakClient(device) as client:
        await client.start_notify(UART_TX_CHAR_UUID, handle_rx)
        nus = client.services.get_service(UART_SERVICE_UUID)
        rx_char = nus.get_characteristic(UART_RX_CHAR_UUID)
        for i, line in enumerate(lines):
            data = line.encode()
            # alternate write without / with response, as a terminal would
            await client.write_gatt_char(rx_char, data, response=bool(i % 2))
            print(f"sent: {data!r}")
            print(f"received: {await asyncio.wait_for(rx_queue.get(), 10)!r}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
