"""A Nordic-UART-style echo written against CircuitPython's _bleio, run on
CPython with blehost (`import _bleio` is blehost's module).

    python3 bleio_uart.py peripheral [SECONDS]   # echoes lines upper-cased
    python3 bleio_uart.py central LINE [LINE...] # sends lines, prints replies

The peripheral prints "ready <address>" once advertising; both poll in
tight loops as CircuitPython programs do (the stack runs on its own thread).
"""
import sys
import time

import _bleio

UART = _bleio.UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
RX = _bleio.UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")  # central writes here
TX = _bleio.UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")  # peripheral notifies here
UART_PREFIX = bytes([17, 0x07]) + UART.uuid128  # AD: complete list of 128-bit UUIDs
# either list (bleno, for one, advertises the incomplete one)
EITHER_LIST = UART_PREFIX + bytes([17, 0x06]) + UART.uuid128


def peripheral(seconds):
    adapter = _bleio.adapter
    service = _bleio.Service(UART)
    tx = _bleio.Characteristic.add_to_service(
        service, TX, properties=_bleio.Characteristic.NOTIFY,
        read_perm=_bleio.Attribute.OPEN, write_perm=_bleio.Attribute.NO_ACCESS, max_length=64)
    rx = _bleio.Characteristic.add_to_service(
        service, RX,
        properties=_bleio.Characteristic.WRITE | _bleio.Characteristic.WRITE_NO_RESPONSE,
        read_perm=_bleio.Attribute.NO_ACCESS, write_perm=_bleio.Attribute.OPEN, max_length=64)
    rx_buffer = _bleio.CharacteristicBuffer(rx, timeout=0.2, buffer_size=256)
    name = b"bleio-uart"
    adv = b"\x02\x01\x06" + UART_PREFIX
    scan_response = bytes([len(name) + 1, 0x09]) + name
    adapter.start_advertising(adv, scan_response=scan_response)
    print(f"ready {adapter.address}", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        while not adapter.connected and time.monotonic() < end:
            pass
        while adapter.connected:
            line = rx_buffer.readline()
            if line:
                print(f"got {line!r}", flush=True)
                tx.value = line.upper()
        if time.monotonic() < end:
            adapter.start_advertising(adv, scan_response=scan_response)


def central(lines):
    adapter = _bleio.adapter
    found = None
    for entry in adapter.start_scan(EITHER_LIST, timeout=10, minimum_rssi=-127):
        if entry.matches(EITHER_LIST, all=False):
            found = entry
            break
    adapter.stop_scan()
    if found is None:
        print("no UART peripheral found")
        raise SystemExit(1)
    connection = adapter.connect(found.address, timeout=10)
    uart = connection.discover_remote_services([UART])[0]
    chars = {c.uuid: c for c in uart.characteristics}
    replies = _bleio.CharacteristicBuffer(chars[TX], timeout=5, buffer_size=256)
    for line in lines:
        chars[RX].value = line.encode() + b"\n"
        reply = replies.readline()
        print(f"reply {reply.decode().strip() if reply else None}", flush=True)
    connection.disconnect()
    print(f"connected after disconnect: {connection.connected}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "peripheral":
        peripheral(float(sys.argv[2]) if len(sys.argv) > 2 else 3600)
    else:
        central(sys.argv[2:])
