"""The local GATT server behind _bleio's local Services: definitions sent
to blehost._core, and the handler the stack calls (on its thread, under
the _bleio lock) for peers' writes and subscriptions."""

from ._types import perm_bits

_WRITES = 0x04 | 0x08


class Server:
    def __init__(self, stack):
        self.stack = stack
        self.services = []
        self.listeners = {}     # handle -> [callable(conn, bytes)] (buffers)
        self.subscribers = {}   # value handle -> [conn] in subscription order

    def _definition(self, service):
        chrs = []
        for c in service._chars:
            rp, wp, max_len, fixed, initial, desc = c._def
            props = c.properties
            dscs = []
            for d in c._descs:
                drp, dwp, dmax, dfixed, dinit = d._def
                dscs.append((d.uuid.le_bytes, perm_bits(drp), perm_bits(dwp), dinit, dmax, dfixed,
                             False, bool(perm_bits(dwp))))
            chrs.append((c.uuid.le_bytes, props, 0,
                         perm_bits(rp) if props & 0x02 else 0,
                         perm_bits(wp) if props & _WRITES else 0,
                         initial, max_len, fixed, False, bool(props & _WRITES), desc, dscs))
        return (service.uuid.le_bytes, service.secondary, chrs)

    def rebuild(self, service):
        """(Re)adds service with everything defined so far; values set
        meanwhile are kept."""
        st = self.stack
        h = st.host

        async def go():
            if service.handle is not None:
                for c in service._chars:
                    if c.handle is not None:
                        rp, wp, m, f, _init, desc = c._def
                        c._def = (rp, wp, m, f, h._core.gatts_get(c.handle), desc)
                h.call(h._core.gatts_remove, service.handle, what="remove service")
            svc, chrs = h.call(h._core.gatts_add, self._definition(service), what="add service")
            with st.lock:
                for k in [k for k, v in self.listeners.items() if not v]:
                    del self.listeners[k]
                old = {c.handle: c for c in service._chars}
                service.handle = svc
                for c, (vh, _cccd, dhs) in zip(service._chars, chrs):
                    moved = self.listeners.pop(c.handle, None) if c.handle in old else None
                    c.handle = vh
                    if moved:
                        self.listeners[vh] = moved
                    for d, dh in zip(c._descs, dhs):
                        d.handle = dh
        st.run(go(), what="add service")

    # ---- handler interface (blehost._host.Host.server), stack thread ----

    def read(self, conn, handle, offset):
        return 0x02  # values are stack-held: no read callbacks registered

    def write(self, conn, handle, offset, value, flags):
        with self.stack.lock:
            for fn in self.listeners.get(handle, ()):
                fn(conn, bytes(value))
            self.stack.cond.notify_all()
        return 0

    def subscription(self, conn, value_handle, value):
        with self.stack.lock:
            subs = self.subscribers.setdefault(value_handle, [])
            if value and conn not in subs:
                subs.append(conn)
            elif not value and conn in subs:
                subs.remove(conn)

    def indication_done(self, conn, value_handle, st):
        pass

    def link_down(self, handle):
        for subs in self.subscribers.values():
            if handle in subs:
                subs.remove(handle)
