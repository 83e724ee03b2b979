"""CharacteristicBuffer and PacketBuffer over blehost's C buffers
(<blehost/host_buffers.h> through blehost._core.CharBuf / PktBuf).

The stack thread feeds them (notifications of a remote characteristic, or
peers' writes to a local one) under the _bleio lock and wakes readers;
readers wait on the lock's condition with their timeout. Full: the oldest
data is dropped (as on CircuitPython) and counted (`dropped`)."""

import asyncio
import time

from blehost import _core

from ._errors import BluetoothError, ConnectionError


def _stack():
    from . import _adapter
    return _adapter.adapter._stack_up()


class _Source:
    """Wiring common to both buffers: where the bytes come from."""

    def _attach(self, characteristic, feed):
        self._chr = characteristic
        service = characteristic.service
        st = self._st = service.connection._stack if service.remote else _stack()
        self._feed_fn = feed
        if characteristic.service.remote:
            conn = characteristic.service.connection
            self._conn = conn._require()
            h = st.host
            props = characteristic.properties
            bits = _core.NOTIFY if props & 0x10 else _core.INDICATE

            async def sub():
                c = h.conns.get(self._conn)
                if c is None:
                    raise ConnectionError("link lost")
                c.subscriptions[characteristic.handle] = self._on_notify
                await h.op(h._core.subscribe, self._conn, characteristic.handle, bits,
                           what="subscribe")
            with st.lock:
                st.link_listeners.append(self._on_link)
            st.run(sub(), what="subscribe")
        else:
            self._conn = None
            with st.lock:
                st.server.listeners.setdefault(characteristic.handle, []).append(self._on_write)

    def _on_notify(self, value):  # stack thread, queued after the C callback
        with self._st.lock:
            self._feed_fn(bytes(value))
            self._st.cond.notify_all()

    def _on_write(self, conn, value):  # stack thread, under the lock
        self._feed_fn(value)

    def _on_link(self, handle, up, reason):  # stack thread, under the lock
        if not up and handle == self._conn:
            self._buf.close(_core.EDISCONNECTED)

    def _detach(self):
        st = self._st
        with st.lock:
            if self._on_link in st.link_listeners:
                st.link_listeners.remove(self._on_link)
            ls = st.server.listeners.get(self._chr.handle, [])
            if self._on_write in ls:
                ls.remove(self._on_write)
            self._buf.close(_core.ECANCELLED)


class CharacteristicBuffer(_Source):
    """CharacteristicBuffer(characteristic, *, timeout=1, buffer_size=64)."""

    def __init__(self, characteristic, *, timeout=1, buffer_size=64):
        if buffer_size < 1:
            raise ValueError("buffer_size must be >= 1")
        self._buf = _core.CharBuf(buffer_size)
        self.timeout = timeout
        self._attach(characteristic, self._buf.feed)

    def _wait(self, want, line, timeout):
        st = self._st
        end = None if timeout is None else time.monotonic() + timeout
        with st.lock:
            while self._buf.ready(want, line) == _core.EBUSY:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return
                st.cond.wait(left if left is not None else 0.5)

    @property
    def in_waiting(self):
        with self._st.lock:
            return self._buf.stats()[0]

    @property
    def dropped(self):
        """Bytes lost because the buffer was full (blehost extension)."""
        with self._st.lock:
            return self._buf.stats()[1]

    def read(self, nbytes=None):
        if nbytes is None:
            # everything that arrives until the timeout
            end = time.monotonic() + self.timeout
            with self._st.lock:
                while time.monotonic() < end and self._buf.stats()[3] == 0:
                    self._st.cond.wait(end - time.monotonic())
                data = self._buf.read()
        else:
            self._wait(nbytes, False, self.timeout)
            with self._st.lock:
                data = self._buf.read(nbytes)
        return data or None

    def readinto(self, buf):
        mv = memoryview(buf)
        self._wait(len(mv), False, self.timeout)
        with self._st.lock:
            n = self._buf.readinto(mv)
        return n or None

    def readline(self):
        self._wait(0, True, self.timeout)
        with self._st.lock:
            line = self._buf.readline()
            if not line:  # timed out without a newline: what there is
                line = self._buf.read()
        return line or None

    def reset_input_buffer(self):
        with self._st.lock:
            self._buf.reset()

    def deinit(self):
        self._detach()


class PacketBuffer(_Source):
    """PacketBuffer(characteristic, *, buffer_size, max_packet_size=None)."""

    def __init__(self, characteristic, *, buffer_size, max_packet_size=None):
        if buffer_size < 1:
            raise ValueError("buffer_size must be >= 1")
        self._max = max_packet_size or (512 if characteristic.service.remote
                                        else characteristic._def[2])
        self._buf = _core.PktBuf(buffer_size, 512, 512)
        self._attach(characteristic, self._feed)
        self._buf.set_lengths(self.incoming_packet_length, 512)

    def _feed(self, pkt):  # stack thread, under the lock
        rc = self._buf.feed(pkt)
        if rc == _core.ENOSPACE:
            pass  # longer than incoming_packet_length: counted in stats()

    def _mtu_payload(self, conn):
        try:
            return self._st.host._core.mtu(conn) - 3
        except Exception:
            return 20

    def _peer(self):
        """The connection packets go to: ours (remote characteristic), or
        the first subscriber of a local one."""
        if self._conn is not None:
            return self._conn
        with self._st.lock:
            subs = self._st.server.subscribers.get(self._chr.handle) or []
            return subs[0] if subs else None

    @property
    def incoming_packet_length(self):
        if self._conn is not None:
            return min(self._max, self._mtu_len(self._conn))
        return self._max

    def _mtu_len(self, conn):
        return self._st.call(self._st.host._core.mtu, conn, what="mtu") - 3

    packet_size = incoming_packet_length

    @property
    def outgoing_packet_length(self):
        conn = self._peer()
        if conn is None:
            return self._max if self._conn is None else 20
        return min(self._max, self._mtu_len(conn))

    def readinto(self, buf):
        mv = memoryview(buf)
        with self._st.lock:
            rc, n = self._buf.readinto(mv)
        if rc == _core.ENOSPACE:
            raise ValueError(f"Buffer too short by {n - len(mv)} bytes")
        if rc in (_core.EBUSY, 0):
            return n if rc == 0 else 0
        if self._conn is not None:
            raise ConnectionError("Not connected")
        return 0

    def write(self, data, *, header=None):
        st = self._st
        header = bytes(header or b"")
        data = bytes(memoryview(data))
        conn = self._peer()
        if conn is None:
            if self._conn is None:
                return 0  # nobody subscribed: nothing to send to (CircuitPython drops it)
            raise ConnectionError("Not connected")
        if len(header) + len(data) > self.outgoing_packet_length:
            raise ValueError("Total length of data and header exceeds outgoing_packet_length")
        with st.lock:
            rc = self._buf.write(header, data)
        if rc:
            raise BluetoothError(f"packet not queued: {_core.strerror(rc)}")
        st.run(self._drain(conn), what="write")
        return len(header) + len(data)

    async def _drain(self, conn):
        h = self._st.host
        remote = self._conn is not None
        vh = self._chr.handle
        indicate = not remote and not self._chr.properties & 0x10
        while True:
            with self._st.lock:
                pkt = self._buf.peek()
            if pkt is None:
                return
            if remote:
                rc = h.call(h._core.write_cmd, conn, vh, pkt, what="write")
            else:
                rc = h.call(h._core.gatts_notify, conn, vh, pkt, indicate, what="notify")
            if rc == 0:
                with self._st.lock:
                    self._buf.pop()
                continue
            if rc != _core.EBUSY:
                with self._st.lock:
                    self._buf.pop()
                raise BluetoothError(f"packet not sent: {_core.strerror(rc)}")
            c = h.conns.get(conn)
            if c is None:
                raise ConnectionError("Not connected")
            c.can_send = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(c.can_send, 0.05)  # indications: poll
            except asyncio.TimeoutError:
                pass
            c.can_send = None

    @property
    def stats(self):
        """(in_count, out_count, dropped, refused, oversize, status,
        in_len, out_len) of the C buffer (blehost extension)."""
        with self._st.lock:
            return self._buf.stats()

    def deinit(self):
        self._detach()
