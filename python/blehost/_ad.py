"""Advertising data (Core Specification Supplement, Part A): the fields
bleak's AdvertisementData carries, parsed from the raw AD bytes that
blehost._core hands over (advertisement, then scan response)."""

import uuid as _uuid

BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def uuid16_str(v):
    return "%08x%s" % (v, BASE_UUID_SUFFIX)


def uuid_from_le(b):
    """A UUID string (bleak's form: 128-bit, lowercase) from wire bytes."""
    if len(b) in (2, 4):
        return uuid16_str(int.from_bytes(b, "little"))
    return str(_uuid.UUID(bytes=bytes(reversed(b))))


def iter_ad(data):
    """(type, value) per AD structure; stops at a zero length or a
    structure running past the end (kept as far as it parsed)."""
    i = 0
    n = len(data)
    while i < n:
        ln = data[i]
        if ln == 0 or i + 1 + ln > n:
            return
        yield data[i + 1], bytes(data[i + 2:i + 1 + ln])
        i += 1 + ln


class ParsedAd:
    __slots__ = ("local_name", "manufacturer_data", "service_data", "service_uuids",
                 "tx_power", "platform_data")

    def __init__(self):
        self.local_name = None
        self.manufacturer_data = {}
        self.service_data = {}
        self.service_uuids = []
        self.tx_power = None


def parse(*payloads):
    """Merges the payloads in order (scan response after advertisement): later
    single values win, lists and maps accumulate, like BlueZ's device
    properties."""
    ad = ParsedAd()
    for data in payloads:
        for t, v in iter_ad(data):
            if t in (0x08, 0x09):
                # The Complete Local Name wins over a Shortened one.
                if t == 0x09 or ad.local_name is None:
                    ad.local_name = v.decode("utf-8", "replace")
            elif t in (0x02, 0x03):
                ad.service_uuids += [uuid_from_le(v[i:i + 2]) for i in range(0, len(v) - 1, 2)]
            elif t in (0x04, 0x05):
                ad.service_uuids += [uuid_from_le(v[i:i + 4]) for i in range(0, len(v) - 3, 4)]
            elif t in (0x06, 0x07):
                ad.service_uuids += [uuid_from_le(v[i:i + 16]) for i in range(0, len(v) - 15, 16)]
            elif t == 0x0A and len(v) == 1:
                ad.tx_power = int.from_bytes(v, "little", signed=True)
            elif t == 0xFF and len(v) >= 2:
                ad.manufacturer_data[int.from_bytes(v[:2], "little")] = v[2:]
            elif t == 0x16 and len(v) >= 2:
                ad.service_data[uuid_from_le(v[:2])] = v[2:]
            elif t == 0x20 and len(v) >= 4:
                ad.service_data[uuid_from_le(v[:4])] = v[4:]
            elif t == 0x21 and len(v) >= 16:
                ad.service_data[uuid_from_le(v[:16])] = v[16:]
    # de-duplicate, keeping order
    ad.service_uuids = list(dict.fromkeys(ad.service_uuids))
    return ad


def build(name=None, uuids16=(), manufacturer=None, service_data=None, tx_power=None,
          flags=0x06):
    """AD bytes for a test advertiser (the inverse of parse, for the fields
    blehost's tests advertise)."""
    out = bytearray()

    def add(t, v):
        out.extend(bytes([len(v) + 1, t]) + bytes(v))

    if flags is not None:
        add(0x01, [flags])
    if uuids16:
        add(0x03, b"".join(u.to_bytes(2, "little") for u in uuids16))
    if tx_power is not None:
        add(0x0A, tx_power.to_bytes(1, "little", signed=True))
    if manufacturer:
        for cid, data in manufacturer.items():
            add(0xFF, cid.to_bytes(2, "little") + bytes(data))
    if service_data:
        for u16, data in service_data.items():
            add(0x16, u16.to_bytes(2, "little") + bytes(data))
    if name is not None:
        add(0x09, name.encode())
    return bytes(out)
