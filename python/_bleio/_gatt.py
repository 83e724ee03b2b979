"""Service, Characteristic, Descriptor and Connection, local and remote.

Local attributes live in blehost's GATT server (values held by the stack);
a local Service is (re)added to the server each time a characteristic or
descriptor is added to it, so handles are final once the definition is
complete (add everything before advertising, as on CircuitPython).
Remote attributes are what Connection.discover_remote_services found."""

import asyncio
import logging

from blehost import _core
from blehost._host import HostError

from ._errors import BluetoothError, ConnectionError, RoleError
from ._types import UUID, Attribute, perm_bits


log = logging.getLogger("_bleio")


def _stack():
    from . import _adapter
    return _adapter.adapter._stack_up()


def _stack_of(service):
    """A remote service's stack is its connection's adapter's (several
    Adapter objects may run in one process); local ones are _bleio.adapter's."""
    return service.connection._stack if service.remote else _stack()


class Service:
    """Service(uuid, *, secondary=False): a local service."""

    def __init__(self, uuid, *, secondary=False, _remote=None):
        if not isinstance(uuid, UUID):
            raise TypeError("uuid must be a _bleio.UUID")
        self._uuid = uuid
        self._secondary = secondary
        self._chars = []
        self._conn = _remote          # Connection for a remote service
        self.handle = None
        if _remote is None:
            _stack().server.services.append(self)

    uuid = property(lambda self: self._uuid)
    secondary = property(lambda self: self._secondary)
    remote = property(lambda self: self._conn is not None)
    characteristics = property(lambda self: tuple(self._chars))
    connection = property(lambda self: self._conn)

    def __repr__(self):
        return f"<Service: {self._uuid}>"


class Descriptor:
    """A descriptor (local: Descriptor.add_to_characteristic)."""

    def __init__(self):
        raise TypeError("use Descriptor.add_to_characteristic()")

    @classmethod
    def add_to_characteristic(cls, characteristic, uuid, *, read_perm=Attribute.OPEN,
                              write_perm=Attribute.OPEN, max_length=20, fixed_length=False,
                              initial_value=b""):
        if characteristic.service is None or characteristic.service.remote:
            raise RoleError("descriptors are added to local characteristics")
        d = cls._new(characteristic, uuid, None)
        d._def = (read_perm, write_perm, max_length, fixed_length, bytes(initial_value or b""))
        characteristic._descs.append(d)
        _stack().server.rebuild(characteristic.service)
        return d

    @classmethod
    def _new(cls, characteristic, uuid, handle):
        d = object.__new__(cls)
        d._chr = characteristic
        d._uuid = uuid
        d.handle = handle
        return d

    uuid = property(lambda self: self._uuid)
    characteristic = property(lambda self: self._chr)

    @property
    def value(self):
        return self._chr._read_handle(self.handle)

    @value.setter
    def value(self, v):
        self._chr._write_handle(self.handle, bytes(v), True)

    def __repr__(self):
        return f"<Descriptor: {self._uuid}>"


class Characteristic:
    """A characteristic (local: Characteristic.add_to_service)."""
    BROADCAST = 0x01
    READ = 0x02
    WRITE_NO_RESPONSE = 0x04
    WRITE = 0x08
    NOTIFY = 0x10
    INDICATE = 0x20

    def __init__(self):
        raise TypeError("use Characteristic.add_to_service()")

    @classmethod
    def _new(cls, service, uuid, properties, handle):
        c = object.__new__(cls)
        c._service = service
        c._uuid = uuid
        c._props = properties
        c._descs = []
        c.handle = handle
        c._def = None
        return c

    @classmethod
    def add_to_service(cls, service, uuid, *, properties=0, read_perm=Attribute.OPEN,
                       write_perm=Attribute.OPEN, max_length=20, fixed_length=False,
                       initial_value=None, user_description=None):
        if service.remote:
            raise RoleError("characteristics are added to local services")
        if not 0 <= max_length <= 512:
            raise ValueError("max_length must be 0-512")
        perm_bits(read_perm), perm_bits(write_perm)  # validates
        if initial_value is None:
            initial_value = bytes(max_length if fixed_length else 0)
        initial_value = bytes(initial_value)
        if len(initial_value) > max_length or (fixed_length and len(initial_value) != max_length):
            raise ValueError("initial_value length is wrong")
        c = cls._new(service, uuid, properties, None)
        c._def = (read_perm, write_perm, max_length, fixed_length, initial_value, user_description)
        service._chars.append(c)
        _stack().server.rebuild(service)
        return c

    uuid = property(lambda self: self._uuid)
    properties = property(lambda self: self._props)
    service = property(lambda self: self._service)
    descriptors = property(lambda self: tuple(self._descs))

    @property
    def value(self):
        return self._read_handle(self.handle)

    @value.setter
    def value(self, v):
        v = bytes(memoryview(v))
        if self._service.remote:
            self._write_handle(self.handle, v, bool(self._props & self.WRITE) or
                               not self._props & self.WRITE_NO_RESPONSE)
            return
        st = _stack()
        if self._props & (self.NOTIFY | self.INDICATE):
            st.call(st.host._core.gatts_changed, self.handle, v, what="set value")
        else:
            st.call(st.host._core.gatts_set, self.handle, v, what="set value")

    def _read_handle(self, handle):
        st = _stack_of(self._service)
        if not self._service.remote:
            return st.call(st.host._core.gatts_get, handle, what="get value")
        conn = self._service.connection._require()

        async def read():
            _, v = await st.host.op(st.host._core.read, conn, handle, what="read")
            return bytes(v)
        return st.run(read(), what="read")

    def _write_handle(self, handle, v, response):
        st = _stack_of(self._service)
        if not self._service.remote:
            st.call(st.host._core.gatts_set, handle, v, what="set value")
            return
        conn = self._service.connection._require()
        h = st.host

        async def write():
            if response:
                await h.op(h._core.write, conn, handle, v, what="write")
                return
            while h.call(h._core.write_cmd, conn, handle, v, what="write") != 0:
                c = h.conns.get(conn)
                if c is None:
                    raise ConnectionError("link lost")
                c.can_send = asyncio.get_running_loop().create_future()
                await c.can_send
                c.can_send = None
        st.run(write(), what="write")

    def set_cccd(self, *, notify=False, indicate=False):
        if not self._service.remote:
            raise RoleError("set_cccd is for remote characteristics")
        st = _stack_of(self._service)
        conn = self._service.connection._require()
        h = st.host
        bits = (_core.NOTIFY if notify else 0) | (_core.INDICATE if indicate else 0)

        async def go():
            if bits:
                await h.op(h._core.subscribe, conn, self.handle, bits, what="set_cccd")
            else:
                await h.op(h._core.unsubscribe, conn, self.handle, what="set_cccd")
        st.run(go(), what="set_cccd")

    def __repr__(self):
        return f"<Characteristic: {self._uuid}>"


class Connection:
    """A link to a peer, in either role (from Adapter.connect or
    Adapter.connections)."""

    def __init__(self, stack, handle, address):
        self._stack = stack
        self._handle = handle
        self._address = address
        self._services = ()

    @property
    def connected(self):
        with self._stack.lock:
            return self._handle in self._stack.host.conns

    def _require(self):
        if not self.connected:
            raise ConnectionError("Connection has been disconnected and can no longer be used.")
        return self._handle

    @property
    def address(self):
        return self._address

    @property
    def paired(self):
        if not self.connected:
            return False
        st = self._stack
        try:
            level = st.call(st.host._core.security, self._handle, what="security")[0]
        except BluetoothError:
            return False
        return level > 0

    @property
    def connection_interval(self):
        st = self._stack
        return st.call(st.host._core.conn_params, self._require(), what="interval")[0] * 1.25

    @connection_interval.setter
    def connection_interval(self, value):
        """Asks for value ms (7.5..4000, rounded to 1.25 ms steps) and
        returns once the update ended. As on boards, a peer or controller
        that refuses leaves the interval as it was (no exception)."""
        value = float(value)
        if not 7.5 <= value <= 4000:
            raise ValueError("connection_interval must be in range 7.5-4000 ms")
        st = self._stack
        handle = self._require()
        h = st.host
        units = round(value / 1.25)
        _, latency, timeout = st.call(h._core.conn_params, handle, what="interval")
        # Keep latency and supervision timeout, raising the timeout where the
        # spec demands it: timeout > (1 + latency) * interval * 2 (Vol 6, B, 4.5.2).
        need = (1 + latency) * units * 1.25 * 2 / 10
        timeout = min(0x0C80, max(timeout, int(need) + 1))

        async def go():
            try:
                await h.op(h._core.conn_update, handle, units, units, latency, timeout,
                           what="connection update", timeout=10)
            except HostError as e:
                if e.status in (_core.EDISCONNECTED, _core.ENOTFOUND):
                    raise
                log.info("connection interval %.2f ms refused: %s", value, e)
        st.run(go(), timeout=15, what="connection update")

    def open_l2cap(self, psm, *, buffer_size=16, timeout=10):
        """Opens an L2CAP credit-based channel to the peer's psm (an LE SPSM
        it listens on) and returns it as a PacketBuffer (blehost extension;
        see _l2cap.py). ConnectionError when the peer refuses."""
        from ._adapter import _check_psm
        from ._l2cap import Router
        _check_psm(psm)
        if buffer_size < 1:
            raise ValueError("buffer_size must be >= 1")
        handle = self._require()
        return Router.of(self._stack).open(handle, psm, buffer_size, timeout)

    @property
    def max_packet_length(self):
        st = self._stack
        return st.call(st.host._core.mtu, self._require(), what="mtu") - 3

    # CircuitPython's docs name it `attribute` by mistake; accept both.
    attribute = max_packet_length

    def pair(self, *, bond=True):
        st = self._stack
        handle = self._require()
        h = st.host

        async def go():
            c = h.conns.get(handle)
            if c is None:
                raise ConnectionError("link lost")
            c.pair_waiter = asyncio.get_running_loop().create_future()
            try:
                level = _core.SEC_AUTHENTICATED if h.mitm else _core.SEC_ENCRYPTED
                if h.call(h._core.pair, handle, level, what="pair"):
                    return 0
                return await asyncio.wait_for(c.pair_waiter, 60)
            finally:
                c.pair_waiter = None
        rc = st.run(go(), what="pair")
        if rc:
            from ._errors import SecurityError
            raise SecurityError(f"pairing failed: {_core.strerror(rc)}")

    def disconnect(self):
        st = self._stack
        if not self.connected:
            return
        try:
            st.call(st.host._core.disconnect, self._handle, 0x13, what="disconnect")
        except BluetoothError:
            return
        with st.lock:
            st.cond.wait_for(lambda: self._handle not in st.host.conns, 5)

    def discover_remote_services(self, service_uuids_whitelist=None):
        st = self._stack
        handle = self._require()
        h = st.host

        async def go():
            await h.op(h._core.discover, handle, what="service discovery")
            return h.call(h._core.services, handle)
        tree = st.run(go(), what="service discovery")
        allow = None if service_uuids_whitelist is None else set(service_uuids_whitelist)
        out = []
        for start, _end, suuid, primary, chrs in tree:
            u = _shortest(suuid)
            if allow is not None and u not in allow:
                continue
            s = Service(u, secondary=not primary, _remote=self)
            s.handle = start
            for _decl, vh, _cend, props, cuuid, descs in chrs:
                c = Characteristic._new(s, _shortest(cuuid), props, vh)
                c._descs = [Descriptor._new(c, _shortest(du), dh) for dh, du in descs]
                s._chars.append(c)
            out.append(s)
        self._services = tuple(out)
        return self._services

    def __repr__(self):
        return f"<Connection {self._address}>"


def _shortest(text):
    u = UUID(text)
    if text.endswith("-0000-1000-8000-00805f9b34fb") and text.startswith("0000"):
        return UUID(int(text[4:8], 16))
    return u
