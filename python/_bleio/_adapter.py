"""Adapter: the one controller, reached through $BLEHOST_TRANSPORT (or
Adapter(transport=...)). Its stack starts on first use, on its own
thread (see _stack.py)."""

import asyncio
import functools
import logging
import os
import threading

from blehost import _core
from blehost._host import HostError

from ._errors import BluetoothError, ConnectionError
from ._gatt import Connection
from ._server import Server
from ._stack import Stack, translate
from ._types import Address, ScanEntry, ScanResults, prefix_match

log = logging.getLogger("_bleio")


# The GAP service starts at handle 1 (gatt_server.h); Device Name is its
# first characteristic: declaration 2, value 3 (a stack-held value, <= 248).
GAP_NAME_HANDLE, GAP_NAME_MAX = 3, 248
AD_TX_POWER = 0x0A
SCAN_INTERVAL_MIN, SCAN_INTERVAL_MAX = 0.0025, 40.959375


def _units(seconds):
    """Seconds -> the controller's 0.625 ms units."""
    return max(4, min(0xFFFF, round(seconds / 0.000625)))


def _check_psm(psm):
    if not 0x0001 <= psm <= 0x00FF:
        raise ValueError("psm must be an LE SPSM, 0x0001-0x00ff")


def _with_tx_power(ad, dbm):
    """ad with every Tx Power Level structure saying dbm (what is on air)."""
    out, i = bytearray(ad), 0
    while i < len(out) and out[i]:
        n = out[i]
        if n == 2 and i + 2 < len(out) and out[i + 1] == AD_TX_POWER:
            out[i + 2] = dbm & 0xFF
        i += 1 + n
    return bytes(out)


class Adapter:
    """Adapter(*, transport=None, **host_options): blehost host options as
    for blehost.Host (store_dir, io_cap, mitm, seed, trace ...)."""

    def __init__(self, *, transport=None, **host_options):
        self._transport = transport
        self._options = host_options
        self._stack = None
        self._start_lock = threading.Lock()
        self._name = None
        self._conns = {}          # handle -> Connection
        self._scan = None         # (ScanResults, listener, timer handle)
        self._tx_power = None     # controller's advertising dBm; False: unknown

    def _stack_up(self):
        with self._start_lock:
            if self._stack is None:
                st = Stack(self._transport, **self._options)
                st.server = Server(st)
                st.link_listeners.append(functools.partial(self._on_link, st))
                st.start()
                st.host.server = st.server
                self._stack = st
                if self._name is not None:  # set while the stack was off
                    self._write_name(st)
            return self._stack

    def _on_link(self, st, handle, up, reason):  # stack thread, under the lock
        # st, not self._stack: links also end while enabled = False stops it
        if up:
            c = st.host.conns[handle]
            self._conns[handle] = Connection(st, handle, Address._from_host(c.peer, c.peer_type))
        else:
            self._conns.pop(handle, None)
            st.server.link_down(handle)

    # ---- state ----

    @property
    def enabled(self):
        return self._stack is not None

    @enabled.setter
    def enabled(self, value):
        if value:
            self._stack_up()
        elif self._stack is not None:
            st, self._stack = self._stack, None
            st.stop()
            self._conns.clear()

    @property
    def address(self):
        st = self._stack_up()
        text, t = st.call(st.host._core.own_address, what="address")
        return Address._from_host(text, t)

    @property
    def name(self):
        if self._name is None:
            b = self.address.address_bytes
            self._name = f"CIRCUITPY{b[1]:02x}{b[0]:02x}"
            self._write_name()
        return self._name

    @name.setter
    def name(self, value):
        value = str(value)
        if len(value.encode()) > GAP_NAME_MAX:
            raise ValueError(f"name is at most {GAP_NAME_MAX} bytes (UTF-8)")
        self._name = value
        self._write_name()

    def _write_name(self, st=None):
        """The GAP Device Name characteristic (0x2A00) a connected peer
        reads says adapter.name, as on boards."""
        st = st or self._stack_up()
        st.call(st.host._core.gatts_set, GAP_NAME_HANDLE, self._name.encode(),
                what="device name")

    @property
    def advertising(self):
        st = self._stack_up()
        return st.call(st.host._core.advertising, what="advertising")

    @property
    def connected(self):
        st = self._stack_up()
        with st.lock:
            return bool(st.host.conns)

    @property
    def connections(self):
        st = self._stack_up()
        with st.lock:
            return tuple(self._conns[h] for h in sorted(self._conns))

    # ---- advertising ----

    def start_advertising(self, data, *, scan_response=None, connectable=True, anonymous=False,
                          timeout=0, interval=0.1, tx_power=0, directed_to=None):
        st = self._stack_up()
        data = bytes(memoryview(data))
        rsp = bytes(memoryview(scan_response)) if scan_response is not None else b""
        if not 0.02 <= interval <= 10.24:
            raise ValueError("interval must be in range 0.02-10.24")
        direct = {}
        if directed_to is not None:
            if not isinstance(directed_to, Address):
                raise TypeError("directed_to must be a _bleio.Address")
            if not connectable:
                raise ValueError("directed advertising is connectable")
            text, t = directed_to._host
            direct = {"direct": text, "direct_type": t}
        if anonymous and not timeout:
            timeout = 180  # CircuitPython picks the longest allowed
        h = st.host
        power = self._adv_power(st)
        if power is not None:
            if tx_power != power:
                log.info("tx_power %d dBm requested; this controller advertises at %d dBm "
                         "(legacy HCI cannot set it)", tx_power, power)
            data, rsp = _with_tx_power(data, power), _with_tx_power(rsp, power)
        # CircuitPython stops advertising when a central connects; the
        # program starts it again (restart=False).
        start = functools.partial(h._core.adv_start, **direct)

        # returns once the controller enabled it: a central may connect as
        # soon as start_advertising returns, as on boards
        st.run(h.op(start, data, rsp, connectable, int(interval * 1000),
                    int(timeout * 1000), anonymous, False, what="start advertising",
                    timeout=5), what="start advertising")

    def _adv_power(self, st):
        """The controller's advertising power in dBm (LE Read Advertising
        Physical Channel Tx Power, read once), None if it cannot tell."""
        if self._tx_power is None:
            h = st.host

            async def read():
                try:
                    return (await h.op(h._core.adv_tx_power, what="tx power", timeout=5))[1]
                except (HostError, asyncio.TimeoutError):
                    return False
            self._tx_power = st.run(read(), what="tx power")
        return self._tx_power if self._tx_power is not False else None

    @property
    def tx_power(self):
        """The power (dBm) this controller advertises at (blehost extension,
        read-only: see start_advertising's tx_power)."""
        return self._adv_power(self._stack_up())

    @staticmethod
    async def _settle(h, advertising):
        """Waits (at most 2 s) for `advertising` to settle after a stop."""
        for _ in range(400):
            if h._core.advertising() == advertising:
                return
            await asyncio.sleep(0.005)

    def stop_advertising(self):
        st = self._stack_up()
        h = st.host

        async def stop():
            try:
                h.call(h._core.adv_stop, what="stop advertising")
            except HostError:
                return  # not advertising: nothing to stop
            await self._settle(h, False)
        st.run(stop(), what="stop advertising")

    # ---- scanning ----

    def start_scan(self, prefixes=b"", *, buffer_size=512, extended=False, timeout=None,
                   interval=0.1, window=0.1, minimum_rssi=-80, active=True):
        # CircuitPython's checks, in its order, with its messages
        if not SCAN_INTERVAL_MIN <= interval <= SCAN_INTERVAL_MAX:
            raise ValueError("interval must be in range 0.0025-40.959375")
        if timeout is not None and timeout != 0 and timeout < interval:
            raise ValueError("non-zero timeout must be >= interval")
        if window > interval:
            raise ValueError("window must be <= interval")
        if window < SCAN_INTERVAL_MIN:
            raise ValueError("window must be >= 0.0025")
        st = self._stack_up()
        if self._scan is not None:
            raise BluetoothError("Scan already in progress. Stop it first.")
        ext = st.call(st.host._core.uses_extended, what="start scan")
        units = (_units(interval), _units(window))
        if not ext:
            # Legacy LE Set Scan Parameters stops at 0x4000 (10.24 s); the
            # longer intervals CircuitPython allows need extended scanning.
            if units[0] > 0x4000:
                raise ValueError("interval must be in range 0.0025-10.24 on a controller "
                                 "without extended scanning")
            if extended:
                raise BluetoothError("extended scanning needs a controller with LE Extended "
                                     "Advertising (this one is Bluetooth 4.x)")
        prefixes = bytes(prefixes)
        results = ScanResults(st, buffer_size)

        def listener(addr, addr_type, rssi, txp, conn, adv, rsp):  # stack thread
            if rssi is not None and rssi != _core.RSSI_NA and rssi < minimum_rssi:
                return
            if not extended and max(len(adv or b""), len(rsp or b"")) > 31:
                return  # only an extended advertisement carries more
            a = Address._from_host(addr, addr_type)
            with st.lock:
                for data, is_rsp in ((adv, False), (rsp, True)):
                    if (data or not is_rsp) and prefix_match(data or b"", prefixes):
                        results._add(ScanEntry(a, bytes(data or b""), rssi, conn, is_rsp))
        listener.active = active
        listener.timing = units
        h = st.host

        async def go():
            h.scan_listeners.append(listener)
            await h.scan_update()
            if timeout is not None:
                return asyncio.get_running_loop().call_later(
                    timeout, lambda: asyncio.ensure_future(self._end_scan_async()))
            return None
        self._scan = (results, listener, None)
        try:
            timer = st.run(go(), what="start scan")
        except BaseException:
            self._scan = None
            raise
        self._scan = (results, listener, timer)
        return results

    def scan(self, timeout, **kwargs):
        """start_scan(timeout=timeout, ...): the older spelling that the
        Connection usage example of CircuitPython's _bleio docs still uses
        (``for entry in _bleio.adapter.scan(2.5)``)."""
        return self.start_scan(timeout=timeout, **kwargs)

    async def _end_scan_async(self):
        scan, self._scan = self._scan, None
        if scan is None:
            return
        results, listener, timer = scan
        if timer is not None:
            timer.cancel()
        h = self._stack.host
        if listener in h.scan_listeners:
            h.scan_listeners.remove(listener)
        try:
            await h.scan_update()
        finally:
            results._finish()

    def stop_scan(self):
        if self._stack is None or self._scan is None:
            return
        self._stack.run(self._end_scan_async(), what="stop scan")

    # ---- connecting ----

    def connect(self, address, *, timeout):
        st = self._stack_up()
        text, t = address._host
        h = st.host

        async def go():
            async with h.connect_lock:
                try:
                    handle, _ = await h.op(h._core.connect, text, t, int(timeout * 1000),
                                           what="connect")
                except asyncio.CancelledError:
                    try:
                        h.call(h._core.connect_cancel)
                    except HostError:
                        pass
                    raise
            try:
                await h.op(h._core.exchange_mtu, handle, 517, what="MTU exchange")
            except HostError:
                pass  # stays at 23
            return handle
        try:
            handle = st.run(go(), timeout=timeout + 10, what="connect")
        except ConnectionError:
            raise
        except HostError as e:
            raise translate(e, "connect") from None
        with st.lock:
            c = self._conns.get(handle)
        if c is None:
            raise ConnectionError("the link ended at once")
        return c

    # ---- L2CAP credit-based channels (blehost extension, see _l2cap.py) ----

    def listen_l2cap(self, psm, *, buffer_size=16):
        """Accepts channels peers open on psm (an LE SPSM, 0x0001-0x00ff);
        each becomes a PacketBuffer of buffer_size packets for accept_l2cap."""
        from ._l2cap import Router
        _check_psm(psm)
        if buffer_size < 1:
            raise ValueError("buffer_size must be >= 1")
        Router.of(self._stack_up()).listen(psm, buffer_size)

    def accept_l2cap(self, psm, *, timeout=None):
        """The next channel a peer opened on psm (a PacketBuffer), waiting
        up to timeout seconds (None: forever); None when none came."""
        from ._l2cap import Router
        _check_psm(psm)
        return Router.of(self._stack_up()).take(psm, timeout)

    def erase_bonding(self):
        st = self._stack_up()
        st.call(st.host._core.bond_delete, None, what="erase bonding")


adapter = Adapter(transport=os.environ.get("BLEHOST_TRANSPORT"))
