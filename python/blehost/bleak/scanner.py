"""bleak's BaseBleakScanner on blehost.

Several scanners share their transport's host; the controller scans while
any of them runs (actively if any wants active). Like BlueZ, what a device
advertised is accumulated per device (a scan response adds to the
advertisement, a later advertisement refreshes what changed), seen_devices is
cleared when a scanner starts, and BLEDevice.name is the local name or, with
none, the address with dashes (BlueZ's Alias).
"""

import logging
from typing import List, Optional

from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.exc import BleakError

from .. import _ad
from .._host import HostError, get_host

logger = logging.getLogger(__name__)


class BleakScannerBlehost(BaseBleakScanner):
    """Scanner backend. Extra keyword arguments (all optional):

    blehost: dict with "transport" (else $BLEHOST_TRANSPORT) or "host" (a
    started blehost.Host to use instead of the shared one).
    """

    def __init__(self, detection_callback: Optional[AdvertisementDataCallback],
                 service_uuids: Optional[List[str]], scanning_mode: str = "active", *,
                 blehost: dict = None, bluez: dict = None, **kwargs):
        super().__init__(detection_callback, service_uuids)
        if scanning_mode not in ("active", "passive"):
            raise BleakError(f"scanning_mode must be 'active' or 'passive', not {scanning_mode!r}")
        self.active = scanning_mode == "active"
        self._transport = (blehost or {}).get("transport")
        self._given_host = (blehost or {}).get("host")  # a blehost.Host of the caller's
        self._host = None
        self._props = {}  # address -> accumulated ParsedAd fields
        filters = kwargs.get("filters", (bluez or {}).get("filters"))
        if filters:
            self.set_scanning_filter(filters=filters)

    def _listener(self, addr, addr_type, rssi, tx_power, connectable, adv, rsp):
        ad = _ad.parse(adv, rsp)
        old = self._props.get(addr)
        if old is not None:
            # Accumulate like BlueZ's device properties.
            if ad.local_name is None:
                ad.local_name = old.local_name
            ad.manufacturer_data = {**old.manufacturer_data, **ad.manufacturer_data}
            ad.service_data = {**old.service_data, **ad.service_data}
            ad.service_uuids = list(dict.fromkeys(old.service_uuids + ad.service_uuids))
            if ad.tx_power is None:
                ad.tx_power = old.tx_power
        self._props[addr] = ad
        if self._service_uuids:
            have = set(ad.service_uuids) | set(ad.service_data)
            if not have.intersection(self._service_uuids):
                return
        adv_data = AdvertisementData(
            local_name=ad.local_name,
            manufacturer_data=ad.manufacturer_data,
            service_data=ad.service_data,
            service_uuids=ad.service_uuids,
            tx_power=ad.tx_power,
            rssi=rssi if rssi != 127 else -127,
            platform_data=(addr, {"address_type": "random" if addr_type & 1 else "public",
                                  "connectable": connectable, "adv": adv, "scan_rsp": rsp}),
        )
        name = ad.local_name if ad.local_name is not None else addr.replace(":", "-")
        details = {"address_type": addr_type, "transport": self._host.transport}
        device = self.create_or_update_device(addr, name, details, adv_data)
        if self._callback is not None:
            self._callback(device, adv_data)

    # Listeners are compared by identity; expose the mode on the bound method's target.
    async def start(self) -> None:
        if self._host is not None:
            raise BleakError("Scanner already started")
        self._host = self._given_host or await get_host(self._transport)
        self.seen_devices = {}
        self._props = {}
        self._bound = _Listener(self)
        self._host.scan_listeners.append(self._bound)
        try:
            await self._host.scan_update()
        except HostError as e:
            self._host.scan_listeners.remove(self._bound)
            self._host = None
            raise BleakError(f"cannot start scanning: {e}") from None

    async def stop(self) -> None:
        host, self._host = self._host, None
        if host is None:
            return
        if self._bound in host.scan_listeners:
            host.scan_listeners.remove(self._bound)
        await host.scan_update()

    def set_scanning_filter(self, **kwargs) -> None:
        """Accepts bleak's "filters" dict; "UUIDs" replaces the service UUID
        filter (other BlueZ discovery filters have no meaning here)."""
        filters = kwargs.get("filters", {})
        if "UUIDs" in filters:
            self._service_uuids = [u.lower() for u in filters["UUIDs"]]
        for k in filters:
            if k != "UUIDs":
                logger.warning("Filter '%s' is not supported by the blehost backend.", k)


class _Listener:
    """What the host calls per report; carries the scanner's mode."""

    __slots__ = ("scanner",)

    def __init__(self, scanner):
        self.scanner = scanner

    @property
    def active(self):
        return self.scanner.active

    def __call__(self, *args):
        self.scanner._listener(*args)
