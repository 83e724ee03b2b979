"""PacketBuffer over an L2CAP credit-based channel (blehost extension:
CircuitPython's _bleio has no L2CAP).

    central:    pb = connection.open_l2cap(psm, buffer_size=16)
    peripheral: adapter.listen_l2cap(psm, buffer_size=16)
                pb = adapter.accept_l2cap(psm, timeout=10)

One SDU is one packet: `write` sends one (returns once the stack took it,
as for characteristics), `readinto` takes one (non-blocking, 0 when none).
The packet lengths are the channel's SDU sizes (blehost offers 512); a full
buffer drops the oldest packet (`stats`). After the channel or the link
closes, `readinto` drains what arrived, then raises ConnectionError.

The stack thread routes channel events here (Host.coc) under the lock."""

import asyncio
import collections
import time

from blehost import _core

from ._buffers import PacketBuffer
from ._errors import BluetoothError, ConnectionError

COC_MTU = 512          # blehost's L2CAP default SDU size (l2cap.h coc_mtu)
NO_RESOURCES = 0x0004  # L2CAP result: refused - no resources available


class Router:
    """Per stack: open channels, listened PSMs and channels not yet taken."""

    def __init__(self, st):
        self.st = st
        self.chans = {}        # (conn, cid) -> _L2CAPPacketBuffer
        self.listening = {}    # psm -> buffer_size
        self.pending = {}      # psm -> deque of channels opened by peers, not accepted yet
        self.opening = {}      # (conn, cid) -> future of our connect
        self.peer_mtu = {}     # (conn, psm) -> the peer's MTU from its request

    @classmethod
    def of(cls, st):
        with st.lock:
            if st.host.coc is None:
                st.host.coc = cls(st)
            return st.host.coc

    # ---- events from the stack (inside _core: no calls back in) ----

    def accept(self, conn, psm, peer_mtu):
        if psm not in self.listening:
            return NO_RESOURCES
        self.peer_mtu[(conn, psm)] = peer_mtu
        return 0

    def opened(self, conn, cid, psm, st, peer_mtu=0):
        """peer_mtu: the peer's MTU read from the channel once open (0 when
        unknown: the request's, kept by accept(), or 512)."""
        with self.st.lock:
            ours = self.opening.pop((conn, cid), None)
            if ours is not None:  # open_l2cap waits for it (same thread)
                fut, size = ours
                pb = None
                if not st:  # registered now: SDUs may follow in this same process()
                    pb = self.chans[(conn, cid)] = _L2CAPPacketBuffer(
                        self.st, self, conn, cid, size, peer_mtu or COC_MTU)
                if not fut.done():
                    fut.set_result((st, pb))
                return
            if st:
                return
            if psm not in self.listening:  # ours, but open_l2cap gave up on it
                self.st.host.queue(self._close_quietly, conn, cid)
                return
            asked = self.peer_mtu.pop((conn, psm), COC_MTU)
            pb = _L2CAPPacketBuffer(self.st, self, conn, cid, self.listening[psm],
                                    peer_mtu or asked)
            self.chans[(conn, cid)] = pb
            self.pending.setdefault(psm, collections.deque()).append(pb)
            self.st.cond.notify_all()

    def sdu(self, conn, cid, data):
        with self.st.lock:
            pb = self.chans.get((conn, cid))
            if pb is not None:
                pb._buf.feed(bytes(data))
                self.st.cond.notify_all()

    def closed(self, conn, cid, reason):
        with self.st.lock:
            ours = self.opening.pop((conn, cid), None)
            if ours is not None and not ours[0].done():
                ours[0].set_result((reason or _core.EDISCONNECTED, None))
            pb = self.chans.pop((conn, cid), None)
            if pb is not None:
                pb._closed(reason)

    def can_send(self, conn, cid):
        pb = self.chans.get((conn, cid))
        if pb is not None and pb._room is not None and not pb._room.done():
            pb._room.set_result(True)

    def _close_quietly(self, conn, cid):
        try:
            self.st.host.call(self.st.host._core.coc_close, conn, cid, what="close")
        except Exception:
            pass  # already closed with its link

    # ---- program side ----

    def listen(self, psm, buffer_size):
        st = self.st
        with st.lock:
            first = psm not in self.listening
            self.listening[psm] = buffer_size
        if first:
            st.call(st.host._core.coc_listen, psm, what="listen_l2cap")

    def take(self, psm, timeout):
        st = self.st
        end = None if timeout is None else time.monotonic() + timeout
        with st.lock:
            if psm not in self.listening:
                raise BluetoothError(f"not listening on PSM 0x{psm:04x}: call listen_l2cap first")
            while not self.pending.get(psm):
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return None
                st.cond.wait(left)
            return self.pending[psm].popleft()

    def open(self, conn, psm, buffer_size, timeout):
        st = self.st
        h = st.host

        async def go():
            fut = asyncio.get_running_loop().create_future()
            cid = h.call(h._core.coc_connect, conn, psm, what="open_l2cap")
            with st.lock:
                self.opening[(conn, cid)] = (fut, buffer_size)
            try:
                status, pb = await asyncio.wait_for(fut, timeout)
            finally:
                with st.lock:
                    self.opening.pop((conn, cid), None)
            if status:
                raise ConnectionError(f"open_l2cap(0x{psm:04x}): {_core.strerror(status)}")
            return pb
        return st.run(go(), timeout=timeout + 5, what="open_l2cap")


class _L2CAPPacketBuffer(PacketBuffer):
    """A PacketBuffer whose packets are the SDUs of one L2CAP channel."""

    def __init__(self, st, router, conn, cid, buffer_size, peer_mtu):
        if buffer_size < 1:
            raise ValueError("buffer_size must be >= 1")
        self._st = st
        self._router = router
        self._conn = conn
        self._cid = cid
        self._chr = None
        self._room = None
        self._out_len = min(COC_MTU, peer_mtu)
        self._buf = _core.PktBuf(buffer_size, COC_MTU, self._out_len)

    def _closed(self, reason):  # stack thread, under the lock
        self._buf.close(reason or _core.EDISCONNECTED)
        if self._room is not None and not self._room.done():
            self._room.set_result(False)
        self._st.cond.notify_all()

    @property
    def psm_channel(self):
        """(connection handle, local channel id) (blehost extension)."""
        return self._conn, self._cid

    @property
    def incoming_packet_length(self):
        return COC_MTU

    packet_size = incoming_packet_length

    @property
    def outgoing_packet_length(self):
        return self._out_len

    def write(self, data, *, header=None):
        header = bytes(header or b"")
        data = bytes(memoryview(data))
        if len(header) + len(data) > self._out_len:
            raise ValueError("Total length of data and header exceeds outgoing_packet_length")
        with self._st.lock:
            if (self._conn, self._cid) not in self._router.chans:
                raise ConnectionError("Not connected")
            rc = self._buf.write(header, data)
        if rc:
            raise BluetoothError(f"packet not queued: {_core.strerror(rc)}")
        self._st.run(self._drain(self._conn), what="write")
        return len(header) + len(data)

    async def _drain(self, conn):
        h = self._st.host
        while True:
            with self._st.lock:
                pkt = self._buf.peek()
                open_ = (self._conn, self._cid) in self._router.chans
            if pkt is None:
                return
            if not open_:
                raise ConnectionError("Not connected")
            rc = h.call(h._core.coc_send, conn, self._cid, pkt, what="write")
            if rc == 0:
                with self._st.lock:
                    self._buf.pop()
                continue
            # EBUSY: the previous SDU is still going out; coc_can_send wakes us
            self._room = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self._room, 5)
            except asyncio.TimeoutError:
                pass  # credits may come without a can_send if the SDU was tiny: retry
            self._room = None

    def deinit(self):
        """Closes the channel (Disconnection Request)."""
        st = self._st
        with st.lock:
            open_ = self._router.chans.pop((self._conn, self._cid), None) is not None
        if open_:
            try:
                st.call(st.host._core.coc_close, self._conn, self._cid, what="deinit")
            except BluetoothError:
                pass  # already going: the link ended
            with st.lock:
                self._buf.close(0)
