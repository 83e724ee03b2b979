"""AD parsing for AdvertisementData (blehost/_ad.py): every field bleak
carries, all UUID sizes, and malformed payloads (kept up to the bad part)."""

from blehost import _ad

U128 = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
U128_LE = bytes(reversed(bytes.fromhex(U128.replace("-", ""))))


def test_every_field_and_uuid_size():
    adv = (bytes([2, 0x01, 0x06])
           + bytes([5, 0x03]) + (0x180D).to_bytes(2, "little") + (0x180F).to_bytes(2, "little")
           + bytes([5, 0x05]) + (0x12345678).to_bytes(4, "little")
           + bytes([17, 0x07]) + U128_LE
           + bytes([2, 0x0A, 0xF9])
           + bytes([5, 0xFF, 0x59, 0x00, 0xAB, 0xCD])
           + bytes([4, 0x08]) + b"sho")
    rsp = (bytes([4, 0x16, 0x0F, 0x18, 0x64])
           + bytes([6, 0x20]) + (0xAABBCCDD).to_bytes(4, "little") + b"\x01"
           + bytes([18, 0x21]) + U128_LE + b"\x02"
           + bytes([6, 0x09]) + b"short")
    ad = _ad.parse(adv, rsp)
    assert ad.local_name == "short"  # complete name wins over the shortened one
    assert ad.service_uuids == ["0000180d-0000-1000-8000-00805f9b34fb",
                                "0000180f-0000-1000-8000-00805f9b34fb",
                                "12345678-0000-1000-8000-00805f9b34fb", U128]
    assert ad.tx_power == -7
    assert ad.manufacturer_data == {0x0059: b"\xab\xcd"}
    assert ad.service_data == {"0000180f-0000-1000-8000-00805f9b34fb": b"\x64",
                               "aabbccdd-0000-1000-8000-00805f9b34fb": b"\x01",
                               U128: b"\x02"}


def test_malformed_payloads_never_raise():
    # a length running past the end: what came before is kept
    ad = _ad.parse(bytes([2, 0x0A, 0x05, 9, 0x09, 0x41]))
    assert ad.tx_power == 5 and ad.local_name is None
    # a zero length ends the significant part
    ad = _ad.parse(bytes([0, 4, 0x09, 0x41, 0x42, 0x43]))
    assert ad.local_name is None
    # short or odd fields are skipped, not misread
    ad = _ad.parse(bytes([2, 0xFF, 0x01, 3, 0x16, 0x0D, 0x18, 2, 0x03, 0x0D, 3, 0x0A, 1, 2]))
    assert ad.manufacturer_data == {} and ad.tx_power is None
    assert ad.service_data == {"0000180d-0000-1000-8000-00805f9b34fb": b""}
    assert ad.service_uuids == []
    # invalid UTF-8 in a name
    assert _ad.parse(bytes([3, 0x09, 0xFF, 0xFE])).local_name == "\ufffd\ufffd"
    for n in range(64):  # arbitrary bytes
        _ad.parse(bytes((i * 37 + n) & 0xFF for i in range(n)))


def test_build_round_trip():
    data = _ad.build(name="x", uuids16=[0x180D], manufacturer={1: b"\x02"},
                     service_data={0x180F: b"\x03"}, tx_power=-3)
    ad = _ad.parse(data)
    assert (ad.local_name, ad.tx_power) == ("x", -3)
    assert ad.manufacturer_data == {1: b"\x02"}
