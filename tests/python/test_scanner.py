"""BleakScanner on blehost: what an advertiser on btvirt sends reaches
AdvertisementData field by field, active vs passive, UUID filters, the
find_device_* helpers, several scanners at once."""

import asyncio

from bleak import BleakScanner

import blehost
from blehost import _ad
from blehost.bleak import BleakScannerBlehost, use_blehost
from conftest import run

use_blehost()

HR = "0000180d-0000-1000-8000-00805f9b34fb"
BATT = "0000180f-0000-1000-8000-00805f9b34fb"


async def advertiser(name, **fields):
    """A second host in this process advertising AD built from fields; the
    name goes in the scan response, so only active scanning sees it."""
    h = blehost.Host(store_dir="")
    await h.start()
    ad = _ad.build(**fields)
    rsp = _ad.build(name=name, flags=None)
    h.call(h._core.adv_start, ad, rsp, True)
    return h


def test_active_scan_sees_every_field():
    async def main():
        adv = await advertiser("py-adv", uuids16=[0x180D], manufacturer={0x05F1: b"\x01\x02"},
                               service_data={0x180F: b"\x64"}, tx_power=-7)
        try:
            seen = asyncio.get_running_loop().create_future()

            def cb(device, ad):
                if device.address == adv.address and ad.local_name and not seen.done():
                    seen.set_result((device, ad))

            async with BleakScanner(cb) as scanner:
                device, ad = await asyncio.wait_for(seen, 10)
                assert device.name == "py-adv"
                assert ad.local_name == "py-adv"
                assert ad.service_uuids == [HR]
                assert ad.manufacturer_data == {0x05F1: b"\x01\x02"}
                assert ad.service_data == {BATT: b"\x64"}
                assert ad.tx_power == -7
                # btvirt reports RSSI 127 (not available): bleak's -127, as on BlueZ
                assert isinstance(ad.rssi, int) and -127 <= ad.rssi < 20
                both = scanner.discovered_devices_and_advertisement_data
                assert both[adv.address][0] is device
                assert both[adv.address][1].local_name == "py-adv"
                assert device in scanner.discovered_devices
        finally:
            adv.close()
    run(main())


def test_passive_scan_gets_no_scan_response():
    async def main():
        adv = await advertiser("py-passive", manufacturer={0x1234: b"\xAA"})
        try:
            reports = []

            def cb(device, ad):
                if device.address == adv.address:
                    reports.append(ad)

            async with BleakScanner(cb, scanning_mode="passive"):
                for _ in range(100):
                    if reports:
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)  # time for a scan response, were one asked for
            assert reports
            # no scan requests sent: the name (scan response only) never came;
            # the active test above shows the same advertiser's name arriving
            assert all(r.local_name is None for r in reports)
            assert reports[-1].manufacturer_data == {0x1234: b"\xAA"}
        finally:
            adv.close()
    run(main())


def test_service_uuid_filter_and_two_scanners():
    async def main():
        a = await advertiser("py-hr", uuids16=[0x180D])
        b = await advertiser("py-batt", uuids16=[0x180F])
        try:
            hr_seen, batt_seen = set(), set()
            s1 = BleakScanner(lambda d, ad: hr_seen.add(d.address), service_uuids=[HR])
            s2 = BleakScanner(lambda d, ad: batt_seen.add(d.address), service_uuids=[BATT.upper()])
            await s1.start()
            await s2.start()
            for _ in range(100):
                if a.address in hr_seen and b.address in batt_seen:
                    break
                await asyncio.sleep(0.1)
            host = await blehost.get_host()
            await s1.stop()
            # the controller keeps scanning for the other scanner, then stops
            assert host._core.scanning()
            await s2.stop()
            assert not host._core.scanning()
            assert a.address in hr_seen and b.address not in hr_seen
            assert b.address in batt_seen and a.address not in batt_seen
        finally:
            a.close()
            b.close()
    run(main())


def test_find_device_by_address_and_name():
    async def main():
        adv = await advertiser("py-find", uuids16=[0x180D])
        try:
            d = await BleakScanner.find_device_by_address(adv.address, timeout=10)
            assert d is not None and d.address == adv.address
            d = await BleakScanner.find_device_by_name("py-find", timeout=10)
            assert d is not None and d.address == adv.address
            d = await BleakScanner.discover(timeout=1.0, return_adv=True)
            assert adv.address in d
            missing = await BleakScanner.find_device_by_address("00:11:22:33:44:55", timeout=1)
            assert missing is None
        finally:
            adv.close()
    run(main())


def test_backend_kwarg_and_async_callback():
    async def main():
        adv = await advertiser("py-backend")
        try:
            got = asyncio.get_running_loop().create_future()

            async def cb(device, ad):
                if ad.local_name == "py-backend" and not got.done():
                    got.set_result(device.address)

            async with BleakScanner(cb, backend=BleakScannerBlehost):
                assert await asyncio.wait_for(got, 10) == adv.address
        finally:
            adv.close()
    run(main())
