"""CircuitPython's `_bleio` on CPython, served by blehost (both roles).

`import _bleio` resolves here when blehost's python/ directory is on the
path. The controller comes from $BLEHOST_TRANSPORT; the stack runs on its
own thread from the first use of `_bleio.adapter`, so programs that poll in
tight loops make progress. See blehost's python/README.md for what differs
from CircuitPython boards."""

from ._adapter import Adapter, adapter
from ._buffers import CharacteristicBuffer, PacketBuffer
from ._errors import BluetoothError, ConnectionError, RoleError, SecurityError
from ._gatt import Characteristic, Connection, Descriptor, Service
from ._types import UUID, Address, Attribute, ScanEntry, ScanResults

__all__ = ["Adapter", "adapter", "Address", "Attribute", "Characteristic",
           "CharacteristicBuffer", "Connection", "Descriptor", "PacketBuffer", "ScanEntry",
           "ScanResults", "Service", "UUID", "BluetoothError", "ConnectionError", "RoleError",
           "SecurityError", "set_adapter"]


def set_adapter(new_adapter):
    """Replaces `_bleio.adapter` (CircuitPython's API for boards with an
    external controller; here e.g. Adapter(transport="usb:0"))."""
    global adapter
    from . import _adapter
    _adapter.adapter = new_adapter
    adapter = new_adapter
