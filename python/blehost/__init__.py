"""blehost for Python: the blehost BLE host stack (user space, HCI straight to
a controller) under asyncio, and a bleak backend on it.

    python3 -m blehost.bleak --transport unix:/tmp/bt-server-le my_bleak_program.py

or in a program: BleakClient(addr, backend=blehost.bleak.BleakClientBlehost).
"""

from ._host import Host, HostError, configure, get_host, close_all, IO_CAPS
from . import _core

__all__ = ["Host", "HostError", "configure", "get_host", "close_all", "IO_CAPS", "_core"]
