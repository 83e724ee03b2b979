"""bluez-peripheral's API on blehost: GATT servers in Python without BlueZ.

Programs written for bluez_peripheral change their imports only::

    from blehost.peripheral import (Service, characteristic, descriptor,
        CharacteristicFlags, DescriptorFlags, Advertisement, NoIoAgent,
        YesNoAgent, get_message_bus, Adapter)

The "bus" is a blehost host on $BLEHOST_TRANSPORT (or the transport given
to get_message_bus). It starts when the first advertisement is registered
(or on bus.start()), so that an agent registered before that sets the IO
capabilities used for pairing; services registered earlier are added then.
Services can be added and removed while running (the GATT server's
Database Hash and Service Changed follow).

Read and write handlers run synchronously inside the stack: they must return
quickly and must not await. A handler that raises answers the ATT request
with the error of a blehost.peripheral error class (ATT codes), else
Unlikely Error.
"""

import asyncio
import enum
import inspect
import logging
import struct
import uuid as _uuid

from . import _core
from ._host import Host, HostError, start_or_close

log = logging.getLogger(__name__)

__all__ = ["Service", "ServiceCollection", "characteristic", "descriptor",
           "CharacteristicFlags", "DescriptorFlags", "CharacteristicReadOptions",
           "CharacteristicWriteOptions", "DescriptorReadOptions", "DescriptorWriteOptions",
           "Advertisement", "PacketType", "AgentCapability", "BaseAgent", "NoIoAgent",
           "YesNoAgent", "KeyboardAgent", "DisplayAgent", "get_message_bus", "Adapter",
           "Bus", "FailedError", "InProgressError", "NotPermittedError",
           "InvalidValueLengthError", "NotAuthorizedError", "NotSupportedError",
           "InvalidOffsetError"]


# ---- errors a handler raises (bluez_peripheral.error), with ATT codes ----

class _AttError(Exception):
    code = 0x0E


class FailedError(_AttError):
    code = 0x0E       # Unlikely Error


class InProgressError(_AttError):
    code = 0xFE       # Procedure Already in Progress (CSS Part B, 1.2)


class NotPermittedError(_AttError):
    code = 0x03       # Write Not Permitted


class InvalidValueLengthError(_AttError):
    code = 0x0D


class NotAuthorizedError(_AttError):
    code = 0x08       # Insufficient Authorization


class NotSupportedError(_AttError):
    code = 0x06       # Request Not Supported


class InvalidOffsetError(_AttError):
    code = 0x07


def uuid_bytes(u):
    """'180D', 0x180D or a 128-bit string -> the UUID little-endian."""
    if isinstance(u, int):
        return struct.pack("<H", u) if u <= 0xFFFF else struct.pack("<I", u)
    s = str(u)
    if len(s) <= 4:
        return struct.pack("<H", int(s, 16))
    if len(s) == 8:
        return struct.pack("<I", int(s, 16))
    return bytes(reversed(_uuid.UUID(s).bytes))


# ---- flags (bluez_peripheral's values) ----

class CharacteristicFlags(enum.Flag):
    INVALID = 0
    BROADCAST = 0x1
    READ = 0x2
    WRITE_WITHOUT_RESPONSE = 0x4
    WRITE = 0x8
    NOTIFY = 0x10
    INDICATE = 0x20
    AUTHENTICATED_SIGNED_WRITES = 0x40
    EXTENDED_PROPERTIES = 0x80
    RELIABLE_WRITE = 0x100
    WRITABLE_AUXILIARIES = 0x200
    ENCRYPT_READ = 0x400
    ENCRYPT_WRITE = 0x800
    ENCRYPT_AUTHENTICATED_READ = 0x1000
    ENCRYPT_AUTHENTICATED_WRITE = 0x2000
    SECURE_READ = 0x4000
    SECURE_WRITE = 0x8000
    AUTHORIZE = 0x10000


class DescriptorFlags(enum.Flag):
    INVALID = 0
    READ = 0x1
    WRITE = 0x2
    ENCRYPT_READ = 0x4
    ENCRYPT_WRITE = 0x8
    ENCRYPT_AUTHENTICATED_READ = 0x10
    ENCRYPT_AUTHENTICATED_WRITE = 0x20
    SECURE_READ = 0x40
    SECURE_WRITE = 0x80
    AUTHORIZE = 0x100


# GATT server permission bits (gatt_server.h BH_GATT_PERM_*)
PERM_OPEN, PERM_ENCRYPT, PERM_AUTHEN, PERM_SC = 0x1, 0x2, 0x4, 0x8


def _perm(allowed, enc, authen, secure):
    if not allowed:
        return 0
    p = PERM_OPEN
    if enc:
        p |= PERM_ENCRYPT
    if authen:
        p |= PERM_ENCRYPT | PERM_AUTHEN
    if secure:
        p |= PERM_ENCRYPT | PERM_AUTHEN | PERM_SC | (16 << 8)
    return p


# AUTHORIZE: every access first asks the registered agent's authorize()
# (Insufficient Authorization when it says no); see Bus.authorize. Writable
# ones also have their prepared writes authorized by the setter, called with
# options.prepare_authorize on the first Prepare Write Request of a long or
# reliable write (BlueZ's "prepare-authorize"); see Bus.write.
PERM_AUTHOR, PERM_AUTHOR_PREPARE = 0x10, 0x20


def _author(p, flag, write=False):
    if not p or not flag:
        return p
    return p | PERM_AUTHOR | (PERM_AUTHOR_PREPARE if write else 0)


def _chr_perms(f):
    F = CharacteristicFlags
    writes = F.WRITE | F.WRITE_WITHOUT_RESPONSE | F.AUTHENTICATED_SIGNED_WRITES | F.RELIABLE_WRITE
    rp = _perm(bool(f & F.READ), bool(f & F.ENCRYPT_READ),
               bool(f & F.ENCRYPT_AUTHENTICATED_READ), bool(f & F.SECURE_READ))
    wp = _perm(bool(f & writes), bool(f & F.ENCRYPT_WRITE),
               bool(f & F.ENCRYPT_AUTHENTICATED_WRITE), bool(f & F.SECURE_WRITE))
    return _author(rp, f & F.AUTHORIZE), _author(wp, f & F.AUTHORIZE, True)


def _dsc_perms(f):
    D = DescriptorFlags
    rp = _perm(bool(f & D.READ), bool(f & D.ENCRYPT_READ),
               bool(f & D.ENCRYPT_AUTHENTICATED_READ), bool(f & D.SECURE_READ))
    wp = _perm(bool(f & D.WRITE), bool(f & D.ENCRYPT_WRITE),
               bool(f & D.ENCRYPT_AUTHENTICATED_WRITE), bool(f & D.SECURE_WRITE))
    return _author(rp, f & D.AUTHORIZE), _author(wp, f & D.AUTHORIZE, True)


class _Options:
    def __init__(self, offset=0, mtu=None, device=None, type=None, prepare_authorize=False):
        self.offset = offset
        self.mtu = mtu
        self.device = device
        self.type = type
        self.link = None
        # True: a Prepare Write Request of an AUTHORIZE attribute asks the
        # setter whether to queue it; value is that part, nothing is written
        self.prepare_authorize = prepare_authorize


CharacteristicReadOptions = DescriptorReadOptions = _Options
CharacteristicWriteOptions = DescriptorWriteOptions = _Options


# ---- characteristics and descriptors (class-level decorators) ----

class _Attr:
    """What @characteristic and @descriptor make: a getter, an optional
    setter, and (per service instance, once registered) a handle."""

    def __init__(self, uuid, flags):
        self.uuid = uuid
        self.flags = flags
        self.getter_func = None
        self.setter_func = None
        self.name = None

    def __call__(self, getter):
        self.getter_func = getter
        return self

    def setter(self, setter):
        self.setter_func = setter
        return self

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj._bound(self)


class characteristic(_Attr):  # noqa: N801 (bluez_peripheral's spelling)
    """@characteristic(uuid, flags=CharacteristicFlags.READ) on a getter
    ``def f(self, options) -> bytes``; ``@f.setter def f(self, value, options)``."""

    def __init__(self, uuid, flags=CharacteristicFlags.READ):
        super().__init__(uuid, flags)
        self.descriptors = []


class descriptor(_Attr):  # noqa: N801
    """@descriptor(uuid, characteristic, flags=DescriptorFlags.READ)."""

    def __init__(self, uuid, characteristic, flags=DescriptorFlags.READ):
        super().__init__(uuid, flags)
        self.characteristic = characteristic
        characteristic.descriptors.append(self)


class _BoundAttr:
    """A characteristic or descriptor of one registered service instance."""

    def __init__(self, service, attr):
        self.service = service
        self.attr = attr
        self.handle = None

    @property
    def uuid(self):
        return self.attr.uuid

    @property
    def flags(self):
        return self.attr.flags

    def changed(self, new_value):
        """Notifies or indicates new_value to every subscribed client."""
        bus = self.service._bus
        if bus is None or bus.host is None or self.handle is None:
            return
        sent, busy = bus.host.call(bus.host._core.gatts_changed, self.handle, bytes(new_value))
        if busy:
            log.warning("%s: %d subscriber(s) had no room for the notification", self.uuid, busy)


class Service:
    """A primary (or secondary) service; subclass it and declare
    characteristics with the decorators."""

    def __init__(self, uuid, primary=True, includes=None):
        self.uuid = uuid
        self.primary = primary
        self.includes = includes or []
        self._bound_attrs = {}
        self._bus = None
        self.handle = None

    def _bound(self, attr):
        b = self._bound_attrs.get(attr)
        if b is None:
            b = self._bound_attrs[attr] = _BoundAttr(self, attr)
        return b

    def _characteristics(self):
        seen = []
        for klass in reversed(type(self).__mro__):
            for v in vars(klass).values():
                if isinstance(v, characteristic) and v not in seen:
                    seen.append(v)
        return seen

    def _definition(self):
        chrs = []
        for c in self._characteristics():
            f = c.flags
            rp, wp = _chr_perms(f)
            ext = ((0x1 if f & CharacteristicFlags.RELIABLE_WRITE else 0) |
                   (0x2 if f & CharacteristicFlags.WRITABLE_AUXILIARIES else 0))
            dscs = []
            for d in c.descriptors:
                drp, dwp = _dsc_perms(d.flags)
                dscs.append((uuid_bytes(d.uuid), drp, dwp, b"", 512, False,
                             bool(drp), bool(dwp)))
            chrs.append((uuid_bytes(c.uuid), f.value & 0xFF, ext, rp, wp, b"", 512, False,
                         bool(rp), bool(wp), None, dscs))
        return (uuid_bytes(self.uuid), not self.primary, chrs)

    async def register(self, bus, path=None, adapter=None):
        """Adds the service to the bus's GATT server (now if the host is up,
        else when it starts)."""
        if self._bus is not None:
            raise FailedError("service already registered")
        self._bus = bus
        bus.services.append(self)
        if bus.host is not None:
            bus._add(self)

    async def unregister(self):
        """Removes the service at run time (clients get Service Changed)."""
        bus, self._bus = self._bus, None
        if bus is None:
            return
        bus.services.remove(self)
        if bus.host is not None and self.handle is not None:
            bus._remove(self)
        self.handle = None


class ServiceCollection:
    def __init__(self, services=None):
        self._services = list(services or [])

    def add_service(self, s):
        self._services.append(s)

    def remove_service(self, s):
        self._services.remove(s)

    async def register(self, bus, path=None, adapter=None):
        for s in self._services:
            await s.register(bus, path, adapter)

    async def unregister(self):
        for s in self._services:
            await s.unregister()


# ---- advertisements ----

class PacketType(enum.Enum):
    BROADCAST = 0
    PERIPHERAL = 1


def _ad(kind, payload):
    if len(payload) > 29:
        raise ValueError(f"AD type 0x{kind:02x} is too long")
    return bytes([len(payload) + 1, kind]) + payload


class Advertisement:
    """Advertisement(localName, serviceUUIDs, appearance, timeout, ...): what
    bluez_peripheral.advert.Advertisement takes. The name goes to the scan
    response when the data would not fit in 31 bytes."""

    def __init__(self, localName, serviceUUIDs, appearance, timeout=0, discoverable=True,
                 packet_type=PacketType.PERIPHERAL, manufacturerData=None, solicitUUIDs=None,
                 serviceData=None, includes=None, duration=2, interval=None, address=None):
        self.local_name = localName
        # blehost extension: an own random address ("C1:..", static or
        # non-resolvable) for this advertisement; it then always runs on an
        # advertising set, so needs LE extended advertising
        self.address = address
        self._set = None          # the advertising set's handle, when on one
        self.service_uuids = list(serviceUUIDs or [])
        self.appearance = appearance
        self.timeout = timeout
        self.discoverable = discoverable
        self.packet_type = packet_type
        self.manufacturer_data = dict(manufacturerData or {})
        self.solicit_uuids = list(solicitUUIDs or [])
        self.service_data = dict(serviceData or {})
        self.interval = interval
        self._bus = None

    def payloads(self):
        """(advertising data, scan response) as bytes."""
        ad = []
        if self.packet_type == PacketType.PERIPHERAL or self.discoverable:
            ad.append(_ad(0x01, bytes([0x06 if self.discoverable else 0x04])))
        u16 = b"".join(uuid_bytes(u) for u in self.service_uuids if len(uuid_bytes(u)) == 2)
        u128 = b"".join(uuid_bytes(u) for u in self.service_uuids if len(uuid_bytes(u)) == 16)
        if u16:
            ad.append(_ad(0x03, u16))
        if u128:
            ad.append(_ad(0x07, u128))
        sol = b"".join(uuid_bytes(u) for u in self.solicit_uuids if len(uuid_bytes(u)) == 2)
        if sol:
            ad.append(_ad(0x14, sol))
        if self.appearance:
            ad.append(_ad(0x19, struct.pack("<H", self.appearance)))
        for company, data in self.manufacturer_data.items():
            ad.append(_ad(0xFF, struct.pack("<H", company) + bytes(data)))
        for u, data in self.service_data.items():
            b = uuid_bytes(u)
            ad.append(_ad({2: 0x16, 4: 0x20, 16: 0x21}[len(b)], b + bytes(data)))
        name = self.local_name.encode() if self.local_name else b""
        # a name longer than an AD structure holds goes out shortened (0x08)
        name = _ad(0x09, name) if len(name) <= 29 else _ad(0x08, name[:29]) if name else b""
        data = b"".join(ad)
        if len(data) + len(name) <= 31:
            return data + name, b""
        if len(data) > 31:
            raise ValueError("advertising data longer than 31 bytes")
        return data, name

    async def register(self, bus, adapter=None, path=None):
        """Starts advertising (and the host, if not yet up). Connectable for
        PERIPHERAL; it restarts after each disconnection until unregistered
        or the timeout (seconds, 0 = none) passes.

        Several advertisements may be registered at once, each with its own
        data and timeout: the first takes the host's own advertising, the
        others advertising sets (LE extended advertising). On a controller
        without extended advertising (Bluetooth 4.2) only one runs at a time:
        registering a second raises HostError (ENOTSUP), the first goes on."""
        await bus.start()
        if self._bus is not None:
            raise HostError(_core.EBUSY, what="advertisement already registered")
        ad, rsp = self.payloads()
        h = bus.host
        connectable = self.packet_type == PacketType.PERIPHERAL
        interval_ms = int((self.interval or 0) * 1000)
        if bus.legacy_adv is None and self.address is None:
            bus.legacy_adv = self
            try:
                # returns once the controller enabled it (a client may connect at once)
                await h.op(h._core.adv_start, ad, rsp, connectable, interval_ms,
                           int(self.timeout * 1000), False, connectable, what="advertising",
                           timeout=5)
            except BaseException:
                bus.legacy_adv = None
                raise
        else:
            self._deadline = (asyncio.get_running_loop().time() + self.timeout
                              if self.timeout else None)
            self._bus = bus
            try:
                await self._start_set(ad, rsp, connectable, interval_ms, int(self.timeout * 1000))
            except BaseException:
                self._bus = None
                raise
        self._bus = bus

    async def _start_set(self, ad, rsp, connectable, interval_ms, timeout_ms):
        h = self._bus.host
        try:
            handle, _ = await h.op(h._core.adv_set_start, ad, rsp, connectable, interval_ms,
                                   timeout_ms, self.address, what="advertising set", timeout=5)
        except HostError as e:
            if e.status in (_core.EBUSY, _core.ENOTSUP, _core.ENOSPACE):
                raise HostError(e.status, what="another advertisement at once (needs LE "
                                "extended advertising and a free advertising set)") from None
            raise
        self._set = handle
        h.adv_set_listeners[handle] = lambda st: self._set_stopped(st, handle, ad, rsp,
                                                                  connectable, interval_ms)

    def _set_stopped(self, st, set_handle, ad, rsp, connectable, interval_ms):
        """A set ended by itself: a connection took it (status 0), then it
        restarts when that link ends, as the host's own advertising does
        (when the controller did not say which link it was: when any link
        ends); a timeout ends it for good."""
        self._set = None
        bus = self._bus
        if st != 0 or bus is None or bus.host is None or not connectable:
            return
        h = bus.host
        link = next((c for c in list(h.conns)
                     if h.call(h._core.conn_adv_handle, c) == set_handle), None)

        def relaunch(handle, reason):
            if link is not None and handle != link:
                return  # another link: keep waiting for ours
            if relaunch in h.disconnect_listeners:
                h.disconnect_listeners.remove(relaunch)
            if self._bus is not bus or self._set is not None:
                return
            left = 0
            if self._deadline is not None:
                left = int((self._deadline - asyncio.get_running_loop().time()) * 1000)
                if left <= 0:
                    return
            task = asyncio.ensure_future(self._start_set(ad, rsp, connectable, interval_ms, left))
            task.add_done_callback(
                lambda t: t.cancelled() or t.exception() is None or h.report(
                    t.exception(), "blehost.peripheral: advertisement not restarted"))
        h.disconnect_listeners.append(relaunch)

    async def unregister(self):
        bus, self._bus = self._bus, None
        if bus is None or bus.host is None:
            return
        h = bus.host
        if bus.legacy_adv is self:
            bus.legacy_adv = None
            try:
                h.call(h._core.adv_stop)
            except HostError:
                pass  # the timeout ended it already
            return
        handle, self._set = self._set, None
        if handle is not None:
            h.adv_set_listeners.pop(handle, None)
            try:
                h.call(h._core.adv_set_stop, handle)
            except HostError:
                pass  # ended by itself meanwhile


# ---- agents ----

class AgentCapability(enum.Enum):
    KEYBOARD_DISPLAY = 0
    DISPLAY_ONLY = 1
    DISPLAY_YES_NO = 2
    KEYBOARD_ONLY = 3
    NO_INPUT_NO_OUTPUT = 4


_IO_CAP = {
    AgentCapability.DISPLAY_ONLY: "DisplayOnly",
    AgentCapability.DISPLAY_YES_NO: "DisplayYesNo",
    AgentCapability.KEYBOARD_ONLY: "KeyboardOnly",
    AgentCapability.NO_INPUT_NO_OUTPUT: "NoInputNoOutput",
    AgentCapability.KEYBOARD_DISPLAY: "KeyboardDisplay",
}


class BaseAgent:
    """Answers pairing prompts. Subclasses override the coroutines; the
    defaults refuse (nobody was asked)."""

    def __init__(self, capability, authorize=None):
        self.capability = capability
        self._authorize = authorize

    def authorize(self, device, uuid, write):
        """Access to an AUTHORIZE characteristic or descriptor (blehost
        extension, BlueZ's AuthorizeService for attributes): the agent's
        authorize=callable(device, uuid, write) -> bool, answered at once;
        without one, allowed (the getter/setter decides)."""
        return True if self._authorize is None else bool(self._authorize(device, uuid, write))

    async def register(self, bus, default=True, path=None):
        bus._set_agent(self)

    async def unregister(self):
        pass

    # blehost's prompt interface (blehost.bleak.agent.answer)
    async def display_passkey(self, address, passkey):
        pass

    async def request_passkey(self, address):
        return None

    async def confirm_number(self, address, number):
        return False


class NoIoAgent(BaseAgent):
    """Just Works pairing only."""

    def __init__(self, authorize=None):
        super().__init__(AgentCapability.NO_INPUT_NO_OUTPUT, authorize)


class YesNoAgent(BaseAgent):
    """Numeric comparison: request_confirmation(passkey) -> bool (may be a
    coroutine); cancel() is called when the peer gives up."""

    def __init__(self, request_confirmation, cancel=None, authorize=None):
        super().__init__(AgentCapability.DISPLAY_YES_NO, authorize)
        self._confirm = request_confirmation
        self._cancel = cancel

    async def confirm_number(self, address, number):
        r = self._confirm(number)
        return bool(await r if inspect.isawaitable(r) else r)


class KeyboardAgent(BaseAgent):
    """Passkey entry on our side: request_passkey() -> int."""

    def __init__(self, request_passkey, authorize=None):
        super().__init__(AgentCapability.KEYBOARD_ONLY, authorize)
        self._request = request_passkey

    async def request_passkey(self, address):
        r = self._request()
        return await r if inspect.isawaitable(r) else r


class DisplayAgent(BaseAgent):
    """Passkey display: display_passkey(passkey) shows the six digits."""

    def __init__(self, display_passkey, authorize=None):
        super().__init__(AgentCapability.DISPLAY_ONLY, authorize)
        self._display = display_passkey

    async def display_passkey(self, address, passkey):
        r = self._display(passkey)
        if inspect.isawaitable(r):
            await r


# ---- the bus: one blehost host and its GATT server ----

class Bus:
    """Stands for bluez_peripheral's D-Bus connection: owns the host."""

    def __init__(self, transport=None, **host_options):
        self.transport = transport
        self.options = host_options
        self.host = None
        self.agent = None
        self.services = []
        self.attrs = {}           # handle -> (_BoundAttr, is_descriptor)
        self.conn_mtu = {}
        self.legacy_adv = None    # the Advertisement on the host's own advertising

    async def start(self):
        if self.host is not None:
            return self
        opts = dict(self.options)
        opts.setdefault("store_dir", None)
        if self.agent is not None:
            opts["io_cap"] = _IO_CAP[self.agent.capability]
            opts.setdefault("mitm", self.agent.capability != AgentCapability.NO_INPUT_NO_OUTPUT)
        h = Host(self.transport, **opts)
        h.server = self
        h.agent = self.agent
        self.host = await start_or_close(h)
        for s in self.services:
            self._add(s)
        return self

    def _set_agent(self, agent):
        if self.host is not None and agent.capability != getattr(self.agent, "capability", None):
            log.warning("agent registered after the host started: its IO capability "
                        "applies from the next start")
        self.agent = agent
        if self.host is not None:
            self.host.agent = agent

    def _add(self, service):
        h = self.host
        # Include declarations name services already in the database, as
        # BlueZ includes only registered ones: register them first.
        incs = []
        for inc in service.includes:
            if inc.handle is None or inc._bus is not self:
                log.warning("%s: included service %s is not registered: left out",
                            service.uuid, inc.uuid)
            else:
                incs.append(inc.handle)
        svc_handle, chrs = h.call(h._core.gatts_add, service._definition(), incs,
                                  what="add service")
        service.handle = svc_handle
        for c, (vh, _cccd, dhs) in zip(service._characteristics(), chrs):
            b = service._bound(c)
            b.handle = vh
            self.attrs[vh] = (b, False)
            for d, dh in zip(c.descriptors, dhs):
                bd = service._bound(d)
                bd.handle = dh
                self.attrs[dh] = (bd, True)

    def _remove(self, service):
        self.host.call(self.host._core.gatts_remove, service.handle, what="remove service")
        for k in [k for k, (b, _) in self.attrs.items() if b.service is service]:
            self.attrs[k][0].handle = None
            del self.attrs[k]

    # handler interface used by blehost._host.Host (inside the stack)
    def _options(self, conn, offset):
        c = self.host.conns.get(conn)
        return _Options(offset=offset, device=c.peer if c else None)

    def read(self, conn, handle, offset):
        entry = self.attrs.get(handle)
        if entry is None or entry[0].attr.getter_func is None:
            return 0x02  # Read Not Permitted
        b = entry[0]
        try:
            v = b.attr.getter_func(b.service, self._options(conn, offset))
            return bytes(v if v is not None else b"")
        except _AttError as e:
            return e.code
        except Exception as e:
            self.host.report(e, f"blehost.peripheral: getter of {b.uuid} raised")
            return 0x0E

    def write(self, conn, handle, offset, value, flags):
        entry = self.attrs.get(handle)
        if entry is None or entry[0].attr.setter_func is None:
            return 0x03  # Write Not Permitted
        b = entry[0]
        opts = self._options(conn, offset)
        opts.type = "command" if flags & 1 else ("reliable" if flags & 4 else "request")
        # BH_GATT_WRITE_F_AUTHORIZE: the first Prepare Write Request of an
        # AUTHORIZE attribute in a queue; returning accepts it, raising
        # (NotAuthorizedError, ...) answers it with that ATT error
        opts.prepare_authorize = bool(flags & 8)
        try:
            b.attr.setter_func(b.service, bytes(value), opts)
            return 0
        except _AttError as e:
            return e.code
        except Exception as e:
            self.host.report(e, f"blehost.peripheral: setter of {b.uuid} raised")
            return 0x0E

    def authorize(self, conn, handle, write):
        """An AUTHORIZE attribute is accessed (inside the stack): the agent's
        authorize(device, uuid, write) decides; without one the access goes
        on to the getter/setter, which may raise NotAuthorizedError (BlueZ
        leaves the decision to the application the same way)."""
        entry = self.attrs.get(handle)
        if entry is None:
            return NotAuthorizedError.code
        c = self.host.conns.get(conn)
        agent = self.agent
        if agent is None:
            return 0
        try:
            ok = agent.authorize(c.peer if c else None, entry[0].uuid, write)
            if inspect.isawaitable(ok):
                ok.close()
                raise TypeError("authorize() must answer at once (it runs inside the stack)")
        except Exception as e:
            self.host.report(e, "blehost.peripheral: agent's authorize raised")
            return NotAuthorizedError.code
        return 0 if ok else NotAuthorizedError.code

    def subscription(self, conn, value_handle, value):
        log.info("0x%04x: CCCD of 0x%04x = %d", conn, value_handle, value)

    def indication_done(self, conn, value_handle, st):
        if st:
            log.info("0x%04x: indication of 0x%04x: %s", conn, value_handle, _core.strerror(st))

    async def wait_for_disconnect(self):
        """Serves until the task is cancelled (bluez_peripheral's idiom)."""
        await asyncio.Event().wait()

    def close(self):
        if self.host is not None:
            self.host.close()
            self.host = None


async def get_message_bus(transport=None, **host_options):
    """A Bus on $BLEHOST_TRANSPORT (or transport); host options as for
    blehost.Host (store_dir, seed, trace, ...)."""
    return Bus(transport, **host_options)


class Adapter:
    """bluez_peripheral.util.Adapter: the bus's controller."""

    def __init__(self, bus):
        self._bus = bus

    @classmethod
    async def get_first(cls, bus):
        return cls(bus)

    @classmethod
    async def get_all(cls, bus):
        return [cls(bus)]

    async def get_address(self):
        await self._bus.start()
        return self._bus.host.address

    async def get_powered(self):
        return self._bus.host is not None

    async def set_powered(self, val):
        if val:
            await self._bus.start()
