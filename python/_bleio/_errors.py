"""_bleio's exceptions (CircuitPython names)."""


class BluetoothError(Exception):
    """Catchall exception for Bluetooth related errors."""


class ConnectionError(BluetoothError):  # noqa: A001 (CircuitPython's name)
    """Raised when a connection is unavailable."""


class RoleError(BluetoothError):
    """Raised when a resource is used as the mismatched role (central vs peripheral)."""


class SecurityError(BluetoothError):
    """Raised when a security related error occurs."""
