"""A synchronous, pygatt-style adapter over blehost (for programs written
against pygatt's BLEBackend / BLEDevice).

    from blehost.pygatt import BlehostBackend, BLEAddressType
    adapter = BlehostBackend()            # transport: $BLEHOST_TRANSPORT
    adapter.start()
    print(adapter.filtered_scan("Heart", timeout=5))
    device = adapter.connect("00:AA:01:00:00:42", address_type=BLEAddressType.public)
    print(device.char_read("00002a29-0000-1000-8000-00805f9b34fb"))
    device.subscribe("00002a37-0000-1000-8000-00805f9b34fb", callback=lambda h, v: print(h, v))
    adapter.stop()

The adapter owns a host (its own controller connection) and an asyncio loop
on a background thread; every method blocks the calling thread until that
loop has done the work. Subscription callbacks run on the background thread
(as pygatt's do) with (value_handle, bytearray). It is the bleak backend
underneath: one code path for both.
"""

import asyncio
import threading

from bleak.exc import BleakError

from . import _core
from ._host import Host, HostError, config_from_env
from .bleak.client import BleakClientBlehost
from .bleak.scanner import BleakScannerBlehost


class BLEError(Exception):
    """pygatt's error for a failed operation."""


class NotConnectedError(BLEError):
    """The device is not (or no longer) connected."""


class BLEAddressType:
    public = "public"
    random = "random"


class Characteristic:
    def __init__(self, uuid, handle):
        self.uuid = uuid
        self.handle = handle
        self.descriptors = {}


class BlehostBackend:
    """start / stop / scan / filtered_scan / connect / clear_bond."""

    def __init__(self, transport=None, **host_options):
        self._transport = transport
        self._options = host_options
        self._loop = None
        self._thread = None
        self._host = None
        self._devices = []

    def _run(self, coro, timeout=None):
        if self._loop is None:
            raise BLEError("backend not started")
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return fut.result(timeout)
        except HostError as e:
            raise BLEError(str(e)) from None
        except BleakError as e:
            raise (NotConnectedError if "Not connected" in str(e) else BLEError)(str(e)) from None

    def start(self):
        if self._loop is not None:
            return
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="blehost-pygatt",
                                        daemon=True)
        self._thread.start()
        opts = config_from_env()
        opts.update(self._options)

        async def start_host():
            h = Host(self._transport, **opts)
            try:
                return await h.start()
            except BaseException:
                h.close()
                raise
        try:
            self._host = self._run(start_host(), 15)
        except BaseException:
            self._stop_loop()
            raise

    def _stop_loop(self):
        loop, self._loop = self._loop, None
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)
        loop.close()

    def stop(self):
        """Disconnects every device and frees the host and the thread."""
        if self._loop is None:
            return
        for d in list(self._devices):
            try:
                d.disconnect()
            except BLEError:
                pass

        async def close():
            self._host.close()
        self._run(close(), 10)
        self._host = None
        self._stop_loop()

    def supports_unbonded(self):
        return True

    def scan(self, timeout=10, run_as_root=False, name_filter=None, **kwargs):
        """[{'address', 'name', 'rssi'}] of the devices seen in timeout seconds."""
        async def scan():
            s = BleakScannerBlehost(None, None, kwargs.get("scanning_mode", "active"),
                                    blehost={"host": self._host})
            await s.start()
            try:
                await asyncio.sleep(timeout)
            finally:
                await s.stop()
            return [{"address": d.address, "name": ad.local_name, "rssi": ad.rssi}
                    for d, ad in s.seen_devices.values()]
        devices = self._run(scan(), timeout + 10)
        if name_filter:
            devices = [d for d in devices if d["name"] and name_filter in d["name"]]
        return devices

    def filtered_scan(self, name_filter="", *args, **kwargs):
        return self.scan(*args, name_filter=name_filter, **kwargs)

    def connect(self, address, timeout=5.0, address_type=BLEAddressType.public, **kwargs):
        client = BleakClientBlehost(address, blehost={"host": self._host}, timeout=timeout)
        client._addr_type = 1 if address_type == BLEAddressType.random else 0

        async def connect():
            await client.connect(timeout=timeout)
        try:
            self._run(connect(), timeout + 30)
        except (BLEError, asyncio.TimeoutError) as e:
            raise NotConnectedError(f"could not connect to {address}: {e}") from None
        dev = BlehostDevice(self, address, client)
        self._devices.append(dev)
        return dev

    def clear_bond(self, address=None):
        """Forgets one device's bond, or every bond."""
        async def clear():
            try:
                self._host.call(self._host._core.bond_delete, address)
            except HostError as e:
                if address is None or e.status != _core.ENOTFOUND:  # nothing to forget
                    raise
        self._run(clear(), 10)


class BlehostDevice:
    """pygatt's BLEDevice: reads, writes and subscriptions by UUID or handle."""

    def __init__(self, backend, address, client):
        self._backend = backend
        self._address = address
        self._client = client
        self._callbacks = {}  # value handle -> [callbacks]

    def _run(self, coro, timeout=35):
        return self._backend._run(coro, timeout)

    def _chr(self, uuid):
        c = self._client.services.get_characteristic(str(uuid).lower())
        if c is None:
            raise BLEError(f"No characteristic found matching {uuid}")
        return c

    def get_handle(self, char_uuid):
        """The value handle of a characteristic."""
        if not self._client.is_connected:
            raise NotConnectedError()
        return self._chr(char_uuid).value_handle

    def discover_characteristics(self):
        return {c.uuid: Characteristic(c.uuid, c.value_handle)
                for c in self._client.services.characteristics.values()}

    def char_read(self, uuid, timeout=None):
        return self._run(self._client.read_gatt_char(self._chr_checked(uuid)),
                         timeout or 35)

    def char_read_handle(self, handle, timeout=None):
        return self._run(self._client._read(handle, f"read of handle {handle}"), timeout or 35)

    def char_write(self, uuid, value, wait_for_response=True):
        self._run(self._client.write_gatt_char(self._chr_checked(uuid), bytes(value),
                                               response=wait_for_response))

    def char_write_handle(self, handle, value, wait_for_response=True, timeout=30):
        c = self._client.services and next(
            (c for c in self._client.services.characteristics.values()
             if c.value_handle == handle), None)
        if c is not None:
            self._run(self._client.write_gatt_char(c, bytes(value), response=wait_for_response),
                      timeout)
        else:  # a descriptor or an unknown handle: a plain Write Request
            self._run(self._client._write(handle, bytes(value), f"write to handle {handle}"),
                      timeout)

    def _chr_checked(self, uuid):
        if not self._client.is_connected:
            raise NotConnectedError()
        return self._chr(uuid)

    def subscribe(self, uuid, callback=None, indication=False, wait_for_response=True):
        c = self._chr_checked(uuid)
        vh = c.value_handle
        first = vh not in self._callbacks
        cbs = self._callbacks.setdefault(vh, [])
        if callback is not None:
            cbs.append(callback)
        if not first:
            return

        def deliver(data, vh=vh):
            for cb in list(self._callbacks.get(vh, ())):
                cb(vh, data)
        self._run(self._client.start_notify(c, deliver, force_indicate=indication))

    def unsubscribe(self, uuid, wait_for_response=True):
        c = self._chr_checked(uuid)
        if self._callbacks.pop(c.value_handle, None) is not None:
            self._run(self._client.stop_notify(c))

    def bond(self, permanent=False):
        if not self._client.is_connected:
            raise NotConnectedError()
        self._run(self._client.pair(), 70)

    def disconnect(self):
        self._run(self._client.disconnect(), 15)
        if self in self._backend._devices:
            self._backend._devices.remove(self)
