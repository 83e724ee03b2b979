"""bleak's BaseBleakClient on blehost.

Behaviour follows bleak's BlueZ backend where the program can see it:
connect() by address scans first (BleakDeviceNotFoundError when the device
is not seen within the timeout), then connects, exchanges the MTU and
discovers every service; characteristic handles are declaration handles and
service handles start handles, as BlueZ's object paths give them;
disconnected_callback runs on every disconnection, ours included; unpair()
forgets the bond and disconnects.
"""

import asyncio
import logging
from typing import Union

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError

from .. import _core
from .._host import HostError, get_host

logger = logging.getLogger(__name__)

_PROPS = [(0x01, "broadcast"), (0x02, "read"), (0x04, "write-without-response"),
          (0x08, "write"), (0x10, "notify"), (0x20, "indicate"),
          (0x40, "authenticated-signed-writes"), (0x80, "extended-properties")]

_HCI_REMOTE_USER_TERMINATED = 0x13


def _field(name, doc):
    """A read-only property over an attribute (bleak's ABCs want properties)."""
    return property(lambda self: getattr(self, name), doc=doc)


class BleakGATTServiceBlehost(BleakGATTService):
    def __init__(self, start, end, uuid, primary):
        super().__init__({"start": start, "end": end, "primary": primary})
        self._handle = start
        self._uuid = uuid
        self._chrs = []

    handle = _field("_handle", "The start handle (BlueZ's service path gives the same).")
    uuid = _field("_uuid", "128-bit, lowercase.")
    characteristics = _field("_chrs", "In handle order.")

    def add_characteristic(self, characteristic):
        self._chrs.append(characteristic)


class BleakGATTCharacteristicBlehost(BleakGATTCharacteristic):
    def __init__(self, decl, value_handle, end, props, uuid, service, max_wwr):
        super().__init__({"declaration_handle": decl, "value_handle": value_handle,
                          "end_handle": end, "properties": props}, max_wwr)
        self._handle = decl
        self.value_handle = value_handle
        self._props = props
        self._uuid = uuid
        self._service = service
        self._descs = []

    handle = _field("_handle", "The declaration handle, as on BlueZ.")
    uuid = _field("_uuid", "128-bit, lowercase.")
    descriptors = _field("_descs", "In handle order.")
    service_uuid = property(lambda self: self._service.uuid)
    service_handle = property(lambda self: self._service.handle)

    @property
    def properties(self):
        return [name for bit, name in _PROPS if self._props & bit]

    def get_descriptor(self, specifier):
        for d in self._descs:
            if d.handle == specifier or d.uuid == str(specifier).lower():
                return d
        return None

    def add_descriptor(self, descriptor):
        self._descs.append(descriptor)


class BleakGATTDescriptorBlehost(BleakGATTDescriptor):
    def __init__(self, handle, uuid, chr_):
        super().__init__({"handle": handle})
        self._handle = handle
        self._uuid = uuid
        self._chr = chr_

    handle = _field("_handle", "The descriptor's handle.")
    uuid = _field("_uuid", "128-bit, lowercase.")
    characteristic_handle = property(lambda self: self._chr.handle)
    characteristic_uuid = property(lambda self: self._chr.uuid)


def _bleak_error(e: HostError, what: str) -> BleakError:
    return BleakError(f"{what}: {e.text}")


class BleakClientBlehost(BaseBleakClient):
    """Client backend. Extra keyword argument (optional): blehost={"transport":
    ..., "agent": pairing prompts (see blehost.bleak.agent)}."""

    def __init__(self, address_or_ble_device: Union[BLEDevice, str], services=None, *,
                 blehost: dict = None, **kwargs):
        super().__init__(address_or_ble_device, **kwargs)
        opts = blehost or {}
        self._transport = opts.get("transport")
        self._agent = opts.get("agent")
        self._given_host = opts.get("host")  # a blehost.Host of the caller's
        self._requested_services = services
        self._addr_type = None
        if isinstance(address_or_ble_device, BLEDevice):
            d = address_or_ble_device.details
            if isinstance(d, dict) and "address_type" in d:
                self._addr_type = d["address_type"]
                self._transport = self._transport or d.get("transport")
        self._host = None
        self._conn = None
        self._mtu = None

    # ---- connection ----

    async def _find_type(self, timeout):
        """Scans until the address is seen; returns its address type."""
        host = self._host
        loop = asyncio.get_running_loop()
        found = loop.create_future()
        want = self.address.upper()

        def listener(addr, addr_type, *rest):
            if addr.upper() == want and not found.done():
                found.set_result(addr_type)

        listener.active = True
        host.scan_listeners.append(listener)
        try:
            await host.scan_update()
            return await asyncio.wait_for(found, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            host.scan_listeners.remove(listener)
            await host.scan_update()

    async def connect(self, **kwargs) -> bool:
        if self.is_connected:
            raise BleakError("Client is already connected")
        timeout = kwargs.get("timeout", self._timeout)
        try:
            self._host = self._given_host or await get_host(self._transport)
        except HostError as e:
            raise _bleak_error(e, "blehost") from None
        host = self._host
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self._addr_type is None:
            t = await self._find_type(timeout)
            if t is None:
                raise BleakDeviceNotFoundError(
                    self.address, f"Device with address {self.address} was not found.")
            self._addr_type = t
        async with host.connect_lock:
            remaining = max(deadline - loop.time(), 0.1)
            try:
                handle, _ = await host.op(host._core.connect, self.address, self._addr_type,
                                          int(remaining * 1000), what="connect",
                                          on_late=self._late_connect)
            except asyncio.CancelledError:
                # The program gave up (asyncio.wait_for, task cancelled): stop
                # the attempt so the next connect is not refused as busy.
                try:
                    host.call(host._core.connect_cancel)
                except HostError:
                    pass  # completed meanwhile: _late_connect drops the link
                raise
            except HostError as e:
                if e.status == _core.ETIMEDOUT:
                    raise asyncio.TimeoutError() from None
                raise _bleak_error(e, f"connecting to {self.address}") from None
        conn = host.conns.get(handle)
        if conn is None:
            raise BleakError(f"connecting to {self.address}: the link ended at once")
        self._conn = conn
        conn.agent = self._agent
        conn.on_disconnect.append(self._on_disconnect)
        try:
            remaining = max(deadline - loop.time(), 1.0)
            await asyncio.wait_for(self._setup(), remaining)
        except BaseException:
            await self._drop()
            raise
        return True

    def _late_connect(self, st, handle):
        """A connection that completed after connect() was given up."""
        if st == 0 and self._host is not None and handle in self._host.conns:
            try:
                self._host.call(self._host._core.disconnect, handle, _HCI_REMOTE_USER_TERMINATED)
            except HostError:
                pass

    async def _setup(self):
        host, conn = self._host, self._conn
        try:
            await host.op(host._core.exchange_mtu, conn.handle, 517, what="MTU exchange")
        except HostError as e:
            # Peers that refuse the exchange stay at 23 (as BlueZ does).
            if not conn.connected:
                raise _bleak_error(e, "MTU exchange") from None
        self._mtu = host.call(host._core.mtu, conn.handle)
        await self.get_services()

    async def _drop(self):
        conn = self._conn
        if conn is not None and conn.connected:
            try:
                await self.disconnect()
            except Exception:
                pass

    def _on_disconnect(self, reason):
        logger.debug("%s disconnected (reason 0x%02x)", self.address, reason)
        self.services = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> bool:
        conn = self._conn
        if conn is None or not conn.connected:
            return True
        host = self._host
        loop = asyncio.get_running_loop()
        gone = loop.create_future()
        conn.on_disconnect.insert(0, lambda reason: gone.done() or gone.set_result(reason))
        try:
            host.call(host._core.disconnect, conn.handle, _HCI_REMOTE_USER_TERMINATED,
                      what="disconnect")
        except HostError:
            if not conn.connected:
                return True
            raise
        await asyncio.wait_for(gone, 10)
        return True

    @property
    def is_connected(self) -> bool:
        return self._DeprecatedIsConnectedReturn(
            self._conn is not None and self._conn.connected)

    @property
    def mtu_size(self) -> int:
        return self._mtu or 23

    # ---- security ----

    async def pair(self, *args, callbacks=None, protection_level: int = None, **kwargs) -> bool:
        """Pairs (or re-encrypts with a stored bond). protection_level as in
        bleak's WinRT backend: 1/2 = encryption, 3 = encryption with MITM
        protection (default: the host's mitm option). callbacks: an agent
        for the passkey / numeric comparison prompts."""
        conn = self._require()
        host = self._host
        if callbacks is not None:
            conn.agent = callbacks
        level = _core.SEC_AUTHENTICATED if (protection_level == 3 or
                                            (protection_level is None and host.mitm)) \
            else _core.SEC_ENCRYPTED
        conn.pair_waiter = asyncio.get_running_loop().create_future()
        try:
            done = host.call(host._core.pair, conn.handle, level, what="pair")
            if done:
                return True
            st = await asyncio.wait_for(conn.pair_waiter, 60)
        except HostError as e:
            raise _bleak_error(e, "pairing") from None
        finally:
            conn.pair_waiter = None
        if st:
            raise BleakError(f"pairing with {self.address} failed: {_core.strerror(st)}")
        return True

    async def unpair(self) -> bool:
        host = self._host or self._given_host or await get_host(self._transport)
        self._host = host
        try:
            host.call(host._core.bond_delete, self.address,
                      self._addr_type if self._addr_type is not None else -1)
            had_bond = True
        except HostError as e:
            if e.status != _core.ENOTFOUND:
                raise _bleak_error(e, "unpair") from None
            had_bond = False
        was_connected = bool(self.is_connected)
        await self.disconnect()
        if not had_bond and not was_connected:
            raise BleakDeviceNotFoundError(
                self.address, f"Device with address {self.address} was not found.")
        return True

    # ---- GATT ----

    def _require(self):
        if not self.is_connected:
            raise BleakError("Not connected")
        return self._conn

    async def get_services(self, **kwargs) -> BleakGATTServiceCollection:
        conn = self._require()
        if self.services is not None:
            return self.services
        host = self._host
        try:
            await host.op(host._core.discover, conn.handle, what="service discovery")
        except HostError as e:
            raise _bleak_error(e, "service discovery") from None
        tree = host.call(host._core.services, conn.handle)
        coll = BleakGATTServiceCollection()
        max_wwr = self.mtu_size - 3
        wanted = self._requested_services
        for start, end, suuid, primary, chrs in tree:
            if wanted and suuid not in wanted:
                continue
            s = BleakGATTServiceBlehost(start, end, suuid, primary)
            coll.add_service(s)
            for decl, vh, cend, props, cuuid, descs in chrs:
                c = BleakGATTCharacteristicBlehost(decl, vh, cend, props, cuuid, s, max_wwr)
                coll.add_characteristic(c)
                for dh, duuid in descs:
                    coll.add_descriptor(BleakGATTDescriptorBlehost(dh, duuid, c))
        self.services = coll
        return coll

    def _chr(self, spec) -> BleakGATTCharacteristicBlehost:
        if isinstance(spec, BleakGATTCharacteristic):
            return spec
        if self.services is None:
            raise BleakError("Service Discovery has not been performed yet")
        c = self.services.get_characteristic(spec)
        if c is None:
            raise BleakError(f"Characteristic {spec} was not found!")
        return c

    async def _read(self, attr, what):
        conn = self._require()
        try:
            _, value = await self._host.op(self._host._core.read, conn.handle, attr, what=what)
        except HostError as e:
            raise _bleak_error(e, what) from None
        return bytearray(value or b"")

    async def read_gatt_char(self, char_specifier, **kwargs) -> bytearray:
        self._require()
        c = self._chr(char_specifier)
        return await self._read(c.value_handle, f"read of {c.uuid}")

    async def read_gatt_descriptor(self, handle: int, **kwargs) -> bytearray:
        self._require()
        if self.services.get_descriptor(handle) is None:
            raise BleakError(f"Descriptor with handle {handle} was not found!")
        return await self._read(handle, f"read of descriptor {handle}")

    async def _write(self, attr, data, what):
        conn = self._require()
        try:
            await self._host.op(self._host._core.write, conn.handle, attr, bytes(data), what=what)
        except HostError as e:
            raise _bleak_error(e, what) from None

    async def write_gatt_char(self, char_specifier, data, response: bool = False) -> None:
        self._require()
        c = self._chr(char_specifier)
        if response:
            return await self._write(c.value_handle, data, f"write to {c.uuid}")
        conn = self._require()
        host = self._host
        data = bytes(data)
        while True:
            try:
                rc = host.call(host._core.write_cmd, conn.handle, c.value_handle, data)
            except HostError as e:
                raise _bleak_error(e, f"write without response to {c.uuid}") from None
            if rc == 0:
                return
            # No room in the controller's buffers: wait for it, as BlueZ's
            # AcquireWrite socket would block.
            conn.can_send = asyncio.get_running_loop().create_future()
            await conn.can_send
            conn.can_send = None
            self._require()

    async def write_gatt_descriptor(self, handle: int, data) -> None:
        self._require()
        if self.services.get_descriptor(handle) is None:
            raise BleakError(f"Descriptor with handle {handle} was not found!")
        await self._write(handle, data, f"write to descriptor {handle}")

    async def start_notify(self, characteristic: BleakGATTCharacteristic,
                           callback: NotifyCallback, **kwargs) -> None:
        """Notifications if the characteristic has them, else indications
        (BlueZ's StartNotify rule); force_indicate=True picks indications."""
        conn = self._require()
        c = self._chr(characteristic)
        props = c._props
        indicate = bool(props & 0x20) and (kwargs.get("force_indicate") or not props & 0x10)
        if not props & 0x30:
            raise BleakError(f"Characteristic {c.uuid} does not notify or indicate")
        conn.subscriptions[c.value_handle] = callback
        try:
            await self._host.op(self._host._core.subscribe, conn.handle, c.value_handle,
                                _core.INDICATE if indicate else _core.NOTIFY,
                                what=f"start_notify on {c.uuid}")
        except HostError as e:
            conn.subscriptions.pop(c.value_handle, None)
            raise _bleak_error(e, f"start_notify on {c.uuid}") from None

    async def stop_notify(self, char_specifier) -> None:
        conn = self._require()
        c = self._chr(char_specifier)
        conn.subscriptions.pop(c.value_handle, None)
        try:
            await self._host.op(self._host._core.unsubscribe, conn.handle, c.value_handle,
                                what=f"stop_notify on {c.uuid}")
        except HostError as e:
            raise _bleak_error(e, f"stop_notify on {c.uuid}") from None

