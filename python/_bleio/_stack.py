"""The stack thread behind _bleio: one blehost host running its asyncio
loop on a daemon thread, so the stack makes progress while the program
polls (`while not adapter.connected: pass`).

Locking: every _bleio call either reads Python-side state under
``Stack.lock`` (an RLock; the stack thread updates that state under it too)
or hands a coroutine/function to the loop thread and waits for its result.
Nothing but the loop thread ever calls into blehost._core, so the C stack
stays single-threaded. ``Stack.cond`` (on the same lock) wakes readers of
buffers and ScanResults when the stack thread adds data.
"""

import asyncio
import concurrent.futures
import os
import threading

from blehost import _core
from blehost._host import Host, HostError, config_from_env, start_or_close

from ._errors import BluetoothError, ConnectionError, SecurityError


def translate(e, what):
    """HostError -> the _bleio exception a CircuitPython program expects."""
    if isinstance(e, HostError):
        if e.status in (_core.EDISCONNECTED, _core.ENOTFOUND):
            return ConnectionError(f"{what}: {e}")
        if e.status == _core.ETIMEDOUT:
            return ConnectionError(f"{what}: timed out")
        if e.status in (_core.ESECURITY, _core.EPERM) or (e.status > 0 and
                                                          e.status >> 16 == _core.KIND_SMP):
            return SecurityError(f"{what}: {e}")
        return BluetoothError(f"{what}: {e}")
    return e


class _StackHost(Host):
    """Host whose link events also update _bleio's state under the lock."""

    def __init__(self, stack, *a, **kw):
        self._stack = stack
        super().__init__(*a, **kw)

    def on_connected(self, handle, central, addr, addr_type):
        with self._stack.lock:
            super().on_connected(handle, central, addr, addr_type)
            self._stack.link_up(handle)
            self._stack.cond.notify_all()

    def on_disconnected(self, handle, reason):
        with self._stack.lock:
            super().on_disconnected(handle, reason)
            self._stack.link_down(handle, reason)
            self._stack.cond.notify_all()

    def on_device(self, *report):
        with self._stack.lock:
            super().on_device(*report)


class Stack:
    def __init__(self, transport=None, **host_options):
        self.transport = transport or os.environ.get("BLEHOST_TRANSPORT")
        if not self.transport:
            raise BluetoothError("no controller: set BLEHOST_TRANSPORT (see blehost --help)")
        self.options = host_options
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.loop = None
        self.host = None
        self.thread = None
        self.links = {}        # handle -> _bleio.Connection (set by the adapter)
        self.link_listeners = []  # callables(handle, up, reason), run under the lock

    def start(self, timeout=10.0):
        ready = concurrent.futures.Future()
        self.thread = threading.Thread(target=self._main, args=(ready,), daemon=True,
                                       name="blehost-_bleio")
        self.thread.start()
        ready.result(timeout)
        return self

    def _main(self, ready):
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop

        async def up():
            # BLEHOST_STORE, BLEHOST_IO_CAP, ... as for every blehost program;
            # Adapter(...) options win
            opts = config_from_env()
            opts.update(self.options)
            self.host = await start_or_close(_StackHost(self, self.transport, **opts))

        try:
            loop.run_until_complete(up())
        except BaseException as e:
            ready.set_exception(translate(e, "adapter start"))
            loop.close()
            return
        ready.set_result(None)
        try:
            loop.run_forever()
        finally:
            if self.host is not None:
                self.host.close()
            loop.close()

    def link_up(self, handle):
        for fn in list(self.link_listeners):
            fn(handle, True, None)

    def link_down(self, handle, reason):
        for fn in list(self.link_listeners):
            fn(handle, False, reason)

    # ---- calling into the loop thread ----

    def run(self, coro, timeout=None, what="operation"):
        """Runs a coroutine on the stack thread and returns its result."""
        if threading.current_thread() is self.thread:
            raise RuntimeError("_bleio called from a stack callback")
        fut = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            raise ConnectionError(f"{what}: timed out") from None
        except HostError as e:
            raise translate(e, what) from None

    def call(self, fn, *args, what="operation"):
        """Runs fn(*args) on the stack thread (a _core call) and returns."""
        async def once():
            return self.host.call(fn, *args, what=what)
        return self.run(once(), what=what)

    def stop(self):
        if self.loop is not None and self.thread is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
