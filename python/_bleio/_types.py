"""UUID, Address, Attribute, ScanEntry and ScanResults."""

import collections
import re
import time
import uuid as _uuid

_BASE = bytes(reversed(_uuid.UUID("00000000-0000-1000-8000-00805f9b34fb").bytes))


class UUID:
    """UUID(value): an int (16-bit), a 16-byte buffer (little-endian) or a
    string ('180D' or the 128-bit form). 32-bit UUIDs are not supported
    (as on CircuitPython)."""

    def __init__(self, value):
        if isinstance(value, UUID):
            self._b = value._b
        elif isinstance(value, int):
            if not 0 <= value <= 0xFFFF:
                raise ValueError("UUID integer value must be 0-0xffff")
            self._b = value.to_bytes(2, "little")
        elif isinstance(value, str):
            s = value.strip()
            if re.fullmatch(r"(0x)?[0-9a-fA-F]{4}", s):
                self._b = int(s, 16).to_bytes(2, "little")
            else:
                try:
                    self._b = bytes(reversed(_uuid.UUID(s).bytes))
                except ValueError:
                    raise ValueError("UUID string not 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'") from None
        else:
            b = bytes(memoryview(value))
            if len(b) != 16:
                raise ValueError("UUID buffer must be 16 bytes")
            self._b = b

    @property
    def size(self):
        return 16 if len(self._b) == 2 else 128

    @property
    def uuid16(self):
        return int.from_bytes(self._b[:2] if len(self._b) == 2 else self._b[12:14], "little")

    @property
    def uuid128(self):
        if len(self._b) == 2:
            raise AttributeError("16-bit UUID has no uuid128")
        return self._b

    def pack_into(self, buffer, offset=0):
        n = len(self._b)
        if len(buffer) - offset < n:
            raise IndexError("Buffer too small")
        buffer[offset:offset + n] = self._b

    @property
    def le_bytes(self):
        """The UUID as on the wire (blehost extension)."""
        return self._b

    @property
    def full(self):
        """The 128-bit string form (blehost extension)."""
        b = self._b if len(self._b) == 16 else _BASE[:12] + self._b + _BASE[14:]
        return str(_uuid.UUID(bytes=bytes(reversed(b))))

    def __eq__(self, other):
        return isinstance(other, UUID) and self._b == other._b

    def __hash__(self):
        return hash(self._b)

    def __repr__(self):
        if len(self._b) == 2:
            return f"UUID(0x{self.uuid16:04x})"
        return f"UUID('{self.full}')"


class Address:
    """Address(address, address_type): address_bytes little-endian."""
    PUBLIC = 0
    RANDOM_STATIC = 1
    RANDOM_PRIVATE_RESOLVABLE = 2
    RANDOM_PRIVATE_NON_RESOLVABLE = 3

    def __init__(self, address, address_type):
        b = bytes(memoryview(address))
        if len(b) != 6:
            raise ValueError("Address must be 6 bytes long")
        if address_type not in range(4):
            raise ValueError("Address type out of range")
        self._b = b
        self._t = address_type

    @classmethod
    def _from_host(cls, text, host_type):
        b = bytes(reversed(bytes.fromhex(text.replace(":", ""))))
        if host_type == 0:
            return cls(b, cls.PUBLIC)
        top = b[5] >> 6
        t = {3: cls.RANDOM_STATIC, 1: cls.RANDOM_PRIVATE_RESOLVABLE}.get(
            top, cls.RANDOM_PRIVATE_NON_RESOLVABLE)
        return cls(b, t)

    @property
    def _host(self):
        """(text, host address type) for blehost._core."""
        return ":".join(f"{x:02X}" for x in reversed(self._b)), (0 if self._t == 0 else 1)

    @property
    def address_bytes(self):
        return self._b

    @property
    def type(self):
        return self._t

    def __eq__(self, other):
        return isinstance(other, Address) and self._b == other._b and self._t == other._t

    def __hash__(self):
        return hash((self._b, self._t))

    def __repr__(self):
        return f"<Address {self._host[0].lower()}>"


class Attribute:
    """Security modes for read_perm / write_perm (CircuitPython's values)."""
    NO_ACCESS = 0x00
    OPEN = 0x11
    ENCRYPT_NO_MITM = 0x21
    ENCRYPT_WITH_MITM = 0x31
    LESC_ENCRYPT_WITH_MITM = 0x41
    SIGNED_NO_MITM = 0x12
    SIGNED_WITH_MITM = 0x22


_PERMS = {  # security mode -> blehost GATT server permission bits
    Attribute.NO_ACCESS: 0x0000,
    Attribute.OPEN: 0x0001,
    Attribute.ENCRYPT_NO_MITM: 0x0003,
    Attribute.ENCRYPT_WITH_MITM: 0x0007,
    Attribute.LESC_ENCRYPT_WITH_MITM: 0x0001 | 0x0002 | 0x0004 | 0x0008 | (16 << 8),
    # Signed writes are checked by the server against the bond's CSRK; the
    # attribute itself is open for them.
    Attribute.SIGNED_NO_MITM: 0x0001,
    Attribute.SIGNED_WITH_MITM: 0x0001,
}


def perm_bits(mode):
    try:
        return _PERMS[mode]
    except KeyError:
        raise ValueError("Invalid security_mode") from None


def _structures(data):
    i = 0
    while i < len(data):
        n = data[i]
        if n == 0 or i + 1 + n > len(data):
            return
        yield data[i + 1:i + 1 + n]
        i += 1 + n


def prefix_match(data, prefixes, any_=True):
    """CircuitPython's prefix rule: prefixes is length-prefixed records;
    a record matches an AD structure that starts with it."""
    prefixes = bytes(prefixes)
    if not prefixes:
        return True
    recs = list(_structures(prefixes))
    structs = list(_structures(data))
    hits = [any(s.startswith(p) for s in structs) for p in recs]
    return any(hits) if any_ else all(hits)


class ScanEntry:
    """One advertisement or scan response (no public constructor)."""

    def __init__(self, address, data, rssi, connectable, scan_response):
        self._address = address
        self._data = data
        self._rssi = rssi
        self._connectable = connectable
        self._scan_response = scan_response

    address = property(lambda self: self._address)
    advertisement_bytes = property(lambda self: self._data)
    rssi = property(lambda self: self._rssi)
    connectable = property(lambda self: self._connectable)
    scan_response = property(lambda self: self._scan_response)

    @property
    def name(self):
        """The Complete (or else Shortened) Local Name in this packet, or
        None: the docs' Connection usage example reads entry.name."""
        found = None
        i, d = 0, self._data
        while i + 1 < len(d) and d[i]:
            n, kind = d[i], d[i + 1]
            if kind in (0x08, 0x09) and i + 1 + n <= len(d):
                text = d[i + 2:i + 1 + n].decode("utf-8", "replace")
                if kind == 0x09:
                    return text
                found = text
            i += 1 + n
        return found

    def matches(self, prefixes, *, all=True):  # noqa: A002 (CircuitPython's name)
        return prefix_match(self._data, prefixes, any_=not all)

    def __repr__(self):
        return f"<ScanEntry {self._address} rssi={self._rssi}>"


class ScanResults:
    """Iterator over ScanEntry; blocks while the scan runs and nothing is
    buffered, StopIteration once the scan ended and the buffer is empty."""

    def __init__(self, stack, buffer_size):
        self._stack = stack
        self._q = collections.deque()
        self._bytes = 0
        self._limit = buffer_size
        self.done = False

    def _add(self, entry):  # stack thread, under the lock
        n = len(entry.advertisement_bytes)
        if self._bytes + n > self._limit:
            return  # full: dropped, as CircuitPython's ring buffer does
        self._q.append(entry)
        self._bytes += n
        self._stack.cond.notify_all()

    def _finish(self):
        with self._stack.lock:
            self.done = True
            self._stack.cond.notify_all()

    def __iter__(self):
        return self

    def __next__(self):
        with self._stack.lock:
            while not self._q:
                if self.done:
                    raise StopIteration
                self._stack.cond.wait(0.1)
            e = self._q.popleft()
            self._bytes -= len(e.advertisement_bytes)
            return e


def deadline(timeout):
    return None if timeout is None else time.monotonic() + timeout
