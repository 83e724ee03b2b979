"""blehost as a bleak 0.20 backend.

    from blehost.bleak import BleakClientBlehost, BleakScannerBlehost
    BleakClient(address, backend=BleakClientBlehost)
    BleakScanner(callback, backend=BleakScannerBlehost)

or run an unchanged program with `python3 -m blehost.bleak PROGRAM.py`, which
calls use_blehost() first so BleakScanner/BleakClient default to blehost.
The transport comes from $BLEHOST_TRANSPORT (or blehost.configure()).
"""

import bleak
import bleak.backends.client
import bleak.backends.scanner

from .agent import DefaultAgent
from .client import BleakClientBlehost
from .scanner import BleakScannerBlehost

__all__ = ["BleakClientBlehost", "BleakScannerBlehost", "DefaultAgent", "use_blehost"]


def use_blehost():
    """Makes blehost the default backend of BleakScanner and BleakClient in
    this process (bleak looks the platform backend up by these names)."""
    def scanner_type():
        return BleakScannerBlehost

    def client_type():
        return BleakClientBlehost

    bleak.get_platform_scanner_backend_type = scanner_type
    bleak.get_platform_client_backend_type = client_type
    bleak.backends.scanner.get_platform_scanner_backend_type = scanner_type
    bleak.backends.client.get_platform_client_backend_type = client_type
