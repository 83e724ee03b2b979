"""The asyncio side of blehost: one Host per transport, its loop joined to the
running asyncio loop.

How the two loops meet (see docs/architecture.md, "Python"):
  - the host's fds are watched with loop.add_reader/add_writer, its next
    deadline with one loop.call_at handle; when either fires, Host._run()
    calls _core.Host.process() (poll with timeout 0, then dispatch), so
    nothing busy-polls and everything runs on the asyncio thread with the
    GIL held;
  - the C stack reports events and completions by calling this object's
    on_* methods from inside process() (or inside an API call). They only
    record: resolve futures, or queue work on self._work. The queue runs
    after the C call has returned (Host._drain), so user callbacks never
    run inside the stack and may call anything. Exceptions from them go to
    loop.call_exception_handler, like any asyncio callback's.
"""

import asyncio
import atexit
import collections
import logging
import os

from . import _core

log = logging.getLogger("blehost")

IO_CAPS = {
    "DisplayOnly": 0, "DisplayYesNo": 1, "KeyboardOnly": 2,
    "NoInputNoOutput": 3, "KeyboardDisplay": 4,
}

_LOG_LEVELS = {0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO, 3: logging.DEBUG}


class HostError(Exception):
    """An operation failed in the stack: .status is the bh_status, .text
    bh_strerror's text ("ATT: Insufficient Authentication (0x05)")."""

    def __init__(self, status, text=None, what=None):
        self.status = status
        self.text = text or _core.strerror(status)
        super().__init__(f"{what}: {self.text}" if what else self.text)

    @property
    def att_error(self):
        """The ATT error code carried, or None."""
        if self.status > 0 and (self.status >> 16) == _core.KIND_ATT:
            return self.status & 0xFFFF
        return None


def _from_core(e, what=None):
    status, text = e.args
    return HostError(status, text, what)


def _env_bool(name, default):
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    return v.lower() not in ("0", "no", "false", "off")


def config_from_env():
    """Host options from BLEHOST_* variables (what `python3 -m blehost.bleak`
    and programs that never call blehost.configure() get)."""
    cfg = {}
    if os.environ.get("BLEHOST_STORE") is not None:
        cfg["store_dir"] = os.environ["BLEHOST_STORE"]
    if os.environ.get("BLEHOST_IO_CAP"):
        cfg["io_cap"] = os.environ["BLEHOST_IO_CAP"]
    cfg["mitm"] = _env_bool("BLEHOST_MITM", False)
    cfg["auto_security"] = _env_bool("BLEHOST_AUTO_SECURITY", True)
    if os.environ.get("BLEHOST_TRACE"):
        cfg["trace"] = os.environ["BLEHOST_TRACE"]
    if os.environ.get("BLEHOST_SEED"):
        cfg["seed"] = int(os.environ["BLEHOST_SEED"], 0)
    return cfg


class Connection:
    """What the Python side keeps per link."""

    def __init__(self, host, handle, peer, peer_type, central):
        self.host = host
        self.handle = handle
        self.peer = peer
        self.peer_type = peer_type
        self.central = central
        self.connected = True
        self.reason = None
        self.subscriptions = {}       # value handle -> callable(bytearray)
        self.on_disconnect = []       # callables(reason), queued on the loop
        self.can_send = None          # future, set on on_can_send
        self.pair_waiter = None       # future, resolved with a bh_status
        self.agent = None             # pairing prompts (blehost.bleak.agent)
        self.params = None            # (interval ms, latency, timeout ms) after an update


class Host:
    """One host (controller + stack) on one transport."""

    def __init__(self, transport=None, *, store_dir=None, io_cap="NoInputNoOutput",
                 mitm=False, bondable=True, auto_security=True, sc_only=False,
                 legacy_only=False, seed=None, trace=None, log_level=None,
                 random_address=False):
        if isinstance(io_cap, str):
            io_cap = IO_CAPS[io_cap]
        if log_level is None:
            log_level = 2 if log.isEnabledFor(logging.INFO) else 1
        self.transport = transport or os.environ.get("BLEHOST_TRANSPORT")
        self.io_cap = io_cap
        self.mitm = mitm
        self._loop = None
        self._watched = {}            # fd -> events
        self._timer = None
        self._timer_when = None
        self._work = collections.deque()
        self._draining = False
        self._ops = {}                # token -> future
        self._late = {}               # token -> callable(status, handle): op given up on
        self._token = 0
        self.conns = {}               # handle -> Connection
        self.scan_listeners = []      # callables(addr, type, rssi, txp, conn, adv, rsp)
        self._scan_active = None      # (active, all_reports) of the running scan
        self._scan_done = None        # future while a stop is pending
        self.connect_lock = asyncio.Lock()
        self.scan_lock = asyncio.Lock()
        self._ready = None
        self.fatal = None
        self.server = None            # GATT server handler (blehost.peripheral)
        self.agent = None             # prompts on links without their own agent
        self.coc = None               # L2CAP channel handler (_bleio's PacketBuffer)
        self.conn_update_listeners = []  # callables(handle, status, interval_ms), queued
        self.adv_set_listeners = {}   # set handle -> callable(status): a set ended by itself
        self.disconnect_listeners = []  # callables(handle, reason), queued
        self._core = _core.Host(self, self.transport, store_dir, io_cap, mitm, bondable,
                                auto_security, sc_only, legacy_only, log_level, seed, trace,
                                random_address)

    # ---- lifetime ----

    async def start(self, timeout=10.0):
        self.attach()
        self._ready = self._loop.create_future()
        self.call(self._core.start)
        st = await asyncio.wait_for(self._ready, timeout)
        if st:
            raise HostError(st, what="controller bring-up")
        return self

    def close(self):
        self.detach()
        if self._core is not None:
            try:
                self._core.close()
            finally:
                self._drain()

    @property
    def address(self):
        return self._core.own_address()[0]

    # ---- joining asyncio ----

    def attach(self, loop=None):
        """Joins the running asyncio loop (again, after asyncio.run made a new one)."""
        loop = loop or asyncio.get_running_loop()
        if self._loop is loop:
            return
        self.detach()
        self._loop = loop
        # asyncio locks belong to one loop: new ones for the new loop
        self.connect_lock = asyncio.Lock()
        self.scan_lock = asyncio.Lock()
        self._kick()

    def detach(self):
        loop = self._loop
        if loop is None:
            return
        for fd, ev in self._watched.items():
            if not loop.is_closed():
                if ev & _core.POLLIN:
                    loop.remove_reader(fd)
                if ev & _core.POLLOUT:
                    loop.remove_writer(fd)
        self._watched = {}
        if self._timer:
            self._timer.cancel()
        self._timer = self._timer_when = None
        self._loop = None

    def _run(self):
        """An fd is ready or the deadline came: one dispatch, then the work it queued."""
        if self._core is None or self._loop is None:
            return
        self._timer = self._timer_when = None
        try:
            self._core.process()
        finally:
            self._kick()

    def _kick(self):
        """After any call into the stack: run queued work, then re-arm the
        fd watches and the deadline timer from what the loop now wants."""
        self._drain()
        loop = self._loop
        if loop is None or self._core is None or loop.is_closed():
            return
        want = dict(self._core.fds())
        for fd, ev in list(self._watched.items()):
            if want.get(fd) != ev:
                if ev & _core.POLLIN:
                    loop.remove_reader(fd)
                if ev & _core.POLLOUT:
                    loop.remove_writer(fd)
                del self._watched[fd]
        for fd, ev in want.items():
            if fd not in self._watched:
                if ev & _core.POLLIN:
                    loop.add_reader(fd, self._run)
                if ev & _core.POLLOUT:
                    loop.add_writer(fd, self._run)
                self._watched[fd] = ev
        when = self._core.next_deadline()
        if when != self._timer_when:
            if self._timer:
                self._timer.cancel()
            self._timer = None if when is None else loop.call_at(when, self._run)
            self._timer_when = when

    def call(self, fn, *args, what=None):
        """Calls a _core method (outside any callback) and re-arms the loop."""
        try:
            return fn(*args)
        except _core.Error as e:
            raise _from_core(e, what) from None
        finally:
            self._kick()

    def queue(self, fn, *args):
        """Runs fn(*args) on the loop thread once the stack has returned."""
        self._work.append((fn, args))

    def _drain(self):
        if self._draining:
            return
        self._draining = True
        try:
            while self._work:
                fn, args = self._work.popleft()
                try:
                    fn(*args)
                except Exception as e:  # reported, never fatal to the stack
                    self.report(e, f"blehost: exception in callback {fn!r}")
        finally:
            self._draining = False

    def report(self, exc, message):
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_exception_handler({"message": message, "exception": exc})
        else:
            log.error(message, exc_info=exc)

    # ---- operations: a token per C completion, a future per token ----

    def _op(self):
        self._token += 1
        fut = self._loop.create_future()
        self._ops[self._token] = fut
        return self._token, fut

    async def op(self, fn, *args, what=None, timeout=None, on_late=None):
        """Starts a _core operation taking a trailing token; returns (handle,
        value) or raises HostError with the completion's status. If the
        caller gives up (cancelled, timeout), on_late(status, handle) runs
        when the stack completes the operation after all."""
        if self._loop is None:
            self.attach()
        token, fut = self._op()
        try:
            self.call(fn, *args, token, what=what)
        except BaseException:
            del self._ops[token]
            raise
        if on_late is not None:
            # Registered before waiting: the completion may come in the same
            # loop iteration as the cancellation, before we could see it.
            self._late[token] = on_late
        try:
            st, handle, value = await (asyncio.wait_for(fut, timeout) if timeout else fut)
        except BaseException:
            late = self._late.pop(token, None)
            if late is not None and fut.done() and not fut.cancelled():
                # The result came, but the caller was cancelled before it
                # could take it: it is late all the same.
                late(*fut.result()[:2])
            elif late is not None:
                self._late[token] = late
            raise
        finally:
            self._ops.pop(token, None)
        self._late.pop(token, None)  # we got the result: nothing late
        if st:
            raise HostError(st, what=what)
        return handle, value

    # ---- scanning: one controller scan shared by every listener ----

    async def scan_update(self):
        """Makes the controller scan match the listeners: active if any
        wants active, off when none is left."""
        async with self.scan_lock:
            await self._scan_update()

    async def _scan_update(self):
        want = None
        if self.scan_listeners:
            active = any(getattr(lst, "active", True) for lst in self.scan_listeners)
            # Scan interval and window (0.625 ms units): the first listener
            # that asks for them (_bleio's start_scan); else GAP's defaults.
            timing = next((lst.timing for lst in self.scan_listeners
                           if getattr(lst, "timing", None)), (0, 0))
            want = (active, True, *timing)
        if want == self._scan_active:
            return
        if self._scan_active is not None:
            self._scan_done = self._loop.create_future()
            try:
                self.call(self._core.scan_stop, what="stop scanning")
                await asyncio.wait_for(self._scan_done, 5)
            except HostError:
                pass  # already stopped (a connection took it over, a reset)
            finally:
                self._scan_done = None
            self._scan_active = None
        if want is not None:
            self.call(self._core.scan_start, *want, what="start scanning")
            self._scan_active = want

    # ---- events from _core (inside the stack: record or queue only) ----

    def on_ready(self, st):
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(st)

    def on_fatal(self, st):
        """The controller is gone (transport closed, hardware error): the
        stack has ended every link and operation; tell the Python side."""
        self.fatal = st
        log.error("blehost: controller lost: %s", _core.strerror(st))
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(st)
        self.on_scan_done(st)
        for handle in list(self.conns):
            self.on_disconnected(handle, 0x1F)  # Unspecified Error: no HCI event came

    def on_log(self, level, layer, msg):
        log.log(_LOG_LEVELS.get(level, logging.DEBUG), "%s: %s", layer, msg)

    def on_op(self, token, st, handle, value):
        fut = self._ops.pop(token, None)
        if fut is not None and not fut.done():
            fut.set_result((st, handle, value))
            return
        late = self._late.pop(token, None)  # the caller gave up on it
        if late is not None:
            self.queue(late, st, handle)

    def on_device(self, addr, addr_type, rssi, tx_power, connectable, adv, rsp):
        for lst in self.scan_listeners:
            self.queue(lst, addr, addr_type, rssi, tx_power, connectable, adv, rsp)

    def on_scan_done(self, st):
        self._scan_active = None
        if self._scan_done is not None and not self._scan_done.done():
            self._scan_done.set_result(st)

    def on_connected(self, handle, central, addr, addr_type):
        self.conns[handle] = Connection(self, handle, addr, addr_type, central)

    def on_disconnected(self, handle, reason):
        c = self.conns.pop(handle, None)
        if c is None:
            return
        c.connected = False
        c.reason = reason
        c.subscriptions.clear()
        for fut in (c.can_send, c.pair_waiter):
            if fut is not None and not fut.done():
                fut.set_result(_core.EDISCONNECTED)
        for cb in c.on_disconnect:
            self.queue(cb, reason)
        for cb in self.disconnect_listeners:
            self.queue(cb, handle, reason)

    def on_adv_set_stopped(self, handle, st):
        cb = self.adv_set_listeners.pop(handle, None)
        if cb is not None:
            self.queue(cb, st)

    def on_conn_updated(self, handle, st, interval_ms, latency, timeout_ms):
        c = self.conns.get(handle)
        if c is not None and st == 0:
            c.params = (interval_ms, latency, timeout_ms)
        for lst in self.conn_update_listeners:
            self.queue(lst, handle, st, interval_ms)

    # L2CAP credit-based channels: to self.coc (inside the stack, no calls back in)
    def on_coc_accept(self, handle, spsm, peer_mtu):
        return self.coc.accept(handle, spsm, peer_mtu) if self.coc else 0x0004

    def on_coc_opened(self, handle, cid, spsm, st, peer_mtu):
        if self.coc:
            self.coc.opened(handle, cid, spsm, st, peer_mtu)

    def on_coc_sdu(self, handle, cid, sdu):
        if self.coc:
            self.coc.sdu(handle, cid, sdu)

    def on_coc_closed(self, handle, cid, reason):
        if self.coc:
            self.coc.closed(handle, cid, reason)

    def on_coc_can_send(self, handle, cid):
        if self.coc:
            self.coc.can_send(handle, cid)

    def on_encryption(self, handle, st, enabled, pairing_active):
        c = self.conns.get(handle)
        if c is None or c.pair_waiter is None or c.pair_waiter.done():
            return
        # A re-encryption with a stored bond ends a pair request; during a
        # pairing only on_pairing does (after the keys were distributed).
        if st != 0 or (enabled and not pairing_active):
            c.pair_waiter.set_result(st)

    def on_pairing(self, handle, st, bonded):
        c = self.conns.get(handle)
        if c is not None and c.pair_waiter is not None and not c.pair_waiter.done():
            c.pair_waiter.set_result(st)

    def _agent(self, handle):
        c = self.conns.get(handle)
        return c.agent if c is not None and c.agent is not None else self.agent

    def on_passkey_display(self, handle, passkey):
        self.queue(self._prompt, handle, "display_passkey", passkey)

    def on_passkey_request(self, handle):
        self.queue(self._prompt, handle, "request_passkey", None)

    def on_confirm_number(self, handle, number):
        self.queue(self._prompt, handle, "confirm_number", number)

    def _prompt(self, handle, kind, value):
        """Asks the link's agent (or the default one) and replies."""
        from .bleak.agent import answer  # the policy lives with the agents
        self._loop.create_task(answer(self, handle, self._agent(handle), kind, value))

    def on_notification(self, handle, attr, value, indication):
        c = self.conns.get(handle)
        if c is not None:
            cb = c.subscriptions.get(attr)
            if cb is not None:
                self._work.append((cb, (bytearray(value),)))

    # GATT server: answered synchronously inside the stack (no calls back in)
    def on_gatts_read(self, conn, handle, offset):
        return self.server.read(conn, handle, offset) if self.server else 0x0E

    def on_gatts_write(self, conn, handle, offset, value, flags):
        return self.server.write(conn, handle, offset, value, flags) if self.server else 0x0E

    def on_gatts_authorize(self, conn, handle, write):
        fn = getattr(self.server, "authorize", None)
        return fn(conn, handle, write) if fn else 0

    def on_subscription(self, conn, value_handle, value):
        if self.server:
            self.queue(self.server.subscription, conn, value_handle, value)

    def on_indication_done(self, conn, value_handle, st):
        if self.server:
            self.queue(self.server.indication_done, conn, value_handle, st)

    def on_can_send(self, handle):
        c = self.conns.get(handle)
        if c is not None and c.can_send is not None and not c.can_send.done():
            c.can_send.set_result(0)


async def start_or_close(h):
    """Starts h; a host whose bring-up fails is closed (its controller and
    transport released) before the error goes on."""
    try:
        await h.start()
    except BaseException:
        h.close()
        raise
    return h


# ---- one shared host per transport in the process ----

_hosts = {}
_defaults = {}


def configure(transport=None, **options):
    """Sets the transport and host options used by hosts created from now
    on (bleak programs never name a transport)."""
    if transport is not None:
        os.environ["BLEHOST_TRANSPORT"] = transport
    _defaults.update(options)


async def get_host(transport=None):
    """The started host for a transport (default $BLEHOST_TRANSPORT),
    created on first use and shared by every scanner and client."""
    transport = transport or os.environ.get("BLEHOST_TRANSPORT")
    if not transport:
        raise HostError(_core.EINVAL, "no transport: set BLEHOST_TRANSPORT or pass --transport")
    h = _hosts.get(transport)
    if h is not None and h._core is not None and h.fatal is None:
        h.attach()
        if h._ready is not None and not h._ready.done():
            await h._ready
        return h
    if h is not None:
        h.close()
    opts = config_from_env()
    opts.update(_defaults)
    h = Host(transport, **opts)
    _hosts[transport] = h
    try:
        await start_or_close(h)
    except BaseException:
        _hosts.pop(transport, None)
        raise
    return h


def close_all():
    """Frees every shared host: links end, pending operations complete."""
    for h in list(_hosts.values()):
        h.close()
    _hosts.clear()


# At exit, while the interpreter is whole: freeing a host calls back into
# Python (pending operations complete), which must not happen mid-teardown.
atexit.register(close_all)
