"""Adapter: the one controller, reached through $BLEHOST_TRANSPORT (or
Adapter(transport=...)). Its stack starts on first use, on its own
thread (see _stack.py)."""

import asyncio
import os
import threading

from blehost import _core
from blehost._host import HostError

from ._errors import BluetoothError, ConnectionError
from ._gatt import Connection
from ._server import Server
from ._stack import Stack, translate
from ._types import Address, ScanEntry, ScanResults, prefix_match


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

    def _stack_up(self):
        with self._start_lock:
            if self._stack is None:
                st = Stack(self._transport, **self._options)
                st.server = Server(st)
                st.link_listeners.append(self._on_link)
                st.start()
                st.host.server = st.server
                self._stack = st
            return self._stack

    def _on_link(self, handle, up, reason):  # stack thread, under the lock
        if up:
            c = self._stack.host.conns[handle]
            self._conns[handle] = Connection(self._stack, handle,
                                             Address._from_host(c.peer, c.peer_type))
        else:
            self._conns.pop(handle, None)
            self._stack.server.link_down(handle)

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
        return self._name

    @name.setter
    def name(self, value):
        self._name = str(value)

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
        if directed_to is not None:
            raise NotImplementedError("blehost: directed advertising is not offered by _bleio yet")
        if anonymous and not timeout:
            timeout = 180  # CircuitPython picks the longest allowed
        # CircuitPython stops advertising when a central connects; the
        # program starts it again (restart=False).
        h = st.host

        # returns once the controller enabled it: a central may connect as
        # soon as start_advertising returns, as on boards
        st.run(h.op(h._core.adv_start, data, rsp, connectable, int(interval * 1000),
                    int(timeout * 1000), anonymous, False, what="start advertising",
                    timeout=5), what="start advertising")

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
        st = self._stack_up()
        if self._scan is not None:
            raise BluetoothError("Scan already in progress. Stop it first.")
        if window > interval:
            raise ValueError("window must be <= interval")
        prefixes = bytes(prefixes)
        results = ScanResults(st, buffer_size)

        def listener(addr, addr_type, rssi, txp, conn, adv, rsp):  # stack thread
            if rssi is not None and rssi != _core.RSSI_NA and rssi < minimum_rssi:
                return
            a = Address._from_host(addr, addr_type)
            with st.lock:
                for data, is_rsp in ((adv, False), (rsp, True)):
                    if (data or not is_rsp) and prefix_match(data or b"", prefixes):
                        results._add(ScanEntry(a, bytes(data or b""), rssi, conn, is_rsp))
        listener.active = active
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

    def erase_bonding(self):
        st = self._stack_up()
        st.call(st.host._core.bond_delete, None, what="erase bonding")


adapter = Adapter(transport=os.environ.get("BLEHOST_TRANSPORT"))
