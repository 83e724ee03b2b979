#!/usr/bin/env python3
"""Bumble virtual controllers for blehost's live tests.

    bumble_ctrl.py [--count N] [--public I=AA:BB:CC:DD:EE:FF ...]
                   [--clear-le-features MASK] [--ready FILE] [--log FILE] [--ext-adv]

Starts N (default 2) Bumble `Controller` objects on one `LocalLink` (one
simulated radio), each served as H4 on its own 127.0.0.1 TCP port that the
kernel picks (no race for a "free" port). When all listen, writes one line
per controller, "tcp:127.0.0.1:PORT", to --ready (atomically: written to
FILE.tmp then renamed) or to stdout, and runs until SIGTERM/SIGINT.

Why a launcher of our own rather than Bumble's apps/controllers.py:
 - Bumble's Read Local Supported Commands bitmap hides commands it has
   handlers for (extended advertising, periodic advertising, extended create
   connection, ...) and lists some it answers with Unknown HCI Command (LE
   Set Data Length, LE Set PHY, LE Encrypt, ...). A host that believes the
   bitmap (as blehost does) would never use the former and would fail on
   the latter. Here the bitmap lists exactly the commands with an
   `on_<name>` handler, so the host sees what the emulator really does.
 - LinkController adds the link-layer procedures Bumble leaves out and the
   live tests need (connection update in both roles, a resolving list that
   resolves): see its docstring.
 - --public I=ADDR gives controller I a public address; by default it is
   00:00:00:00:00:00 (Bumble's default, like many Zephyr dongles), which the
   host must detect and replace with a random static address.

Needs Bumble (../shared/peers/bumble) on PYTHONPATH with its pyshim; exits
77 when its Python dependencies are missing (meson's "skip").
"""

import argparse
import asyncio
import os
import signal
import socket
import sys

try:
    from bumble import crypto, hci
    from bumble.controller import Connection, Controller
    from bumble import core as bumble_core, ll
    from bumble.link import LocalLink
    from bumble.transport.tcp_server import open_tcp_server_transport_with_socket
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"bumble_ctrl: Bumble not importable ({exc}); skipping", file=sys.stderr)
    sys.exit(77)


class LinkController(Controller):
    """Bumble's Controller plus the link-layer procedures blehost's live
    tests need and Bumble leaves out (test-side emulation, modelled on the
    Core Specification; nothing of it is in blehost):

    - LE Connection Update (Vol 4, Part E, 7.8.18) in both roles: from the
      central, the LL Connection Update procedure (Vol 6, Part B, 5.1.1):
      both hosts get LE Connection Update Complete with the new parameters
      (interval = Connection_Interval_Max). From the peripheral, the LL
      Connection Parameters Request procedure (5.1.7): the central's host
      gets LE Remote Connection Parameter Request and answers with the
      (Negative) Reply (7.8.31/7.8.32); on a reply both hosts get the
      Update Complete, on a refusal the peripheral's host gets it with the
      central's reason.
    - LE Create Connection Cancel ends the attempt with LE Connection
      Complete (status 0x02), as 7.8.13 says (Bumble keeps initiating).
    - The resolving list (7.8.38-7.8.44): entries are stored, and with
      address resolution on, LE Create Connection to a peer identity
      address (Peer_Address_Type 0x02/0x03) connects to whichever
      advertiser's RPA resolves with that entry's IRK (ah(), Vol 3, Part
      H, 2.2.2); the central's host then gets LE Enhanced Connection
      Complete with the identity and the peer's RPA.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolving_list = {}  # (identity type, bytes) -> peer IRK
        self.param_requests = {}  # our handle -> (peer ctrl, peer conn)

    # --- connection update ---
    def _peer_of(self, conn):
        ctrl = self.link.find_le_controller(conn.peer_address)
        if ctrl is None:
            return None, None
        return ctrl, ctrl.le_connections.get(conn.self_address)

    def _update_complete(self, conn, status, interval=0, latency=0, timeout=0):
        self.send_hci_packet(hci.HCI_LE_Connection_Update_Complete_Event(
            status=status, connection_handle=conn.handle,
            connection_interval=interval, peripheral_latency=latency,
            supervision_timeout=timeout))

    def _apply_update(self, conn, interval, latency, timeout):
        # An "instant" later both ends switch (no real timing is modelled).
        peer_ctrl, peer_conn = self._peer_of(conn)
        self._update_complete(conn, 0, interval, latency, timeout)
        if peer_conn is not None:
            peer_ctrl._update_complete(peer_conn, 0, interval, latency, timeout)

    def on_hci_le_connection_update_command(self, command):
        conn = self.find_le_connection_by_handle(command.connection_handle)
        if conn is None:
            self._send_hci_command_status(
                hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR, command.op_code)
            return None
        self._send_hci_command_status(hci.HCI_COMMAND_STATUS_PENDING, command.op_code)
        if conn.role == hci.Role.CENTRAL:
            asyncio.get_running_loop().call_later(
                0.01, self._apply_update, conn, command.connection_interval_max,
                command.max_latency, command.supervision_timeout)
            return None
        peer_ctrl, peer_conn = self._peer_of(conn)
        if peer_conn is None:
            return None
        peer_ctrl.param_requests[peer_conn.handle] = (self, conn)
        peer_ctrl.send_hci_packet(hci.HCI_LE_Remote_Connection_Parameter_Request_Event(
            connection_handle=peer_conn.handle,
            interval_min=command.connection_interval_min,
            interval_max=command.connection_interval_max,
            max_latency=command.max_latency, timeout=command.supervision_timeout))
        return None

    def on_hci_le_remote_connection_parameter_request_reply_command(self, command):
        req = self.param_requests.pop(command.connection_handle, None)
        conn = self.find_le_connection_by_handle(command.connection_handle)
        if req is None or conn is None:
            return hci.HCI_StatusAndConnectionHandleReturnParameters(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                connection_handle=command.connection_handle)
        asyncio.get_running_loop().call_later(
            0.01, self._apply_update, conn, command.interval_max, command.max_latency,
            command.timeout)
        return hci.HCI_StatusAndConnectionHandleReturnParameters(
            status=hci.HCI_ErrorCode.SUCCESS, connection_handle=command.connection_handle)

    def on_hci_le_remote_connection_parameter_request_negative_reply_command(self, command):
        req = self.param_requests.pop(command.connection_handle, None)
        if req is not None:
            peer_ctrl, peer_conn = req
            asyncio.get_running_loop().call_soon(
                peer_ctrl._update_complete, peer_conn, command.reason)
        return hci.HCI_StatusAndConnectionHandleReturnParameters(
            status=hci.HCI_ErrorCode.SUCCESS if req else
            hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
            connection_handle=command.connection_handle)

    # --- initiating ---
    def on_hci_le_create_connection_cancel_command(self, _command):
        # Bumble answers success but keeps initiating and never ends the
        # attempt. Vol 4, Part E, 7.8.13: the cancelled attempt ends with
        # LE Connection Complete, status Unknown Connection Identifier.
        if self.pending_le_connection is None:
            return hci.HCI_StatusReturnParameters(
                hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        asyncio.get_running_loop().call_soon(
            self.send_hci_packet, hci.HCI_LE_Connection_Complete_Event(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                connection_handle=0, role=0, peer_address_type=0,
                peer_address=hci.Address.ANY, connection_interval=0,
                peripheral_latency=0, supervision_timeout=0, central_clock_accuracy=0))
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    # --- resolving list ---
    def on_hci_le_add_device_to_resolving_list_command(self, command):
        if len(self.resolving_list) >= self.resolving_list_size:
            return hci.HCI_StatusReturnParameters(
                hci.HCI_ErrorCode.MEMORY_CAPACITY_EXCEEDED_ERROR)
        key = (command.peer_identity_address_type, bytes(command.peer_identity_address))
        self.resolving_list[key] = bytes(command.peer_irk)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def on_hci_le_remove_device_from_resolving_list_command(self, command):
        key = (command.peer_identity_address_type, bytes(command.peer_identity_address))
        found = self.resolving_list.pop(key, None) is not None
        return hci.HCI_StatusReturnParameters(
            hci.HCI_ErrorCode.SUCCESS if found else
            hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR)

    def on_hci_le_clear_resolving_list_command(self, _command):
        self.resolving_list.clear()
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def on_hci_le_set_privacy_mode_command(self, command):
        # Device privacy mode changes which PDUs are accepted, not how
        # an RPA resolves: nothing to model for these tests.
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def _resolves_to(self, rpa, id_type, id_bytes):
        irk = self.resolving_list.get((id_type & 1, id_bytes))
        if irk is None or not rpa.is_resolvable:
            return False
        b = bytes(rpa)
        return crypto.ah(irk, b[3:6]) == b[0:3]

    def on_advertising_pdu(self, pdu):
        pending = self.pending_le_connection
        if (pending is not None and self.le_address_resolution
                and getattr(pending, 'peer_address_type', 0) in (2, 3)
                and self._resolves_to(pdu.advertiser_address, pending.peer_address_type,
                                      bytes(pending.peer_address))):
            saved, self.pending_le_connection = self.pending_le_connection, None
            super().on_advertising_pdu(pdu)  # scan reports only
            self.pending_le_connection = saved
            self._connect_resolved(pdu.advertiser_address)
            return
        super().on_advertising_pdu(pdu)

    def _connect_resolved(self, rpa):
        pending = self.pending_le_connection
        self_address = (self.public_address
                        if pending.own_address_type == hci.OwnAddressType.PUBLIC
                        else self.random_address)
        handle = self.allocate_connection_handle()
        conn = Connection(controller=self, handle=handle, role=hci.Role.CENTRAL,
                          self_address=self_address, peer_address=rpa, link=self.link,
                          transport=bumble_core.PhysicalTransport.LE,
                          link_type=hci.HCI_Connection_Complete_Event.LinkType.ACL)
        self.le_connections[rpa] = conn
        interval = pending.connection_interval_min
        latency, timeout = pending.max_latency, pending.supervision_timeout
        self.send_advertising_pdu(ll.ConnectInd(
            initiator_address=self_address, advertiser_address=rpa,
            interval=interval, latency=latency, timeout=timeout))
        identity = hci.Address(bytes(pending.peer_address), pending.peer_address_type)
        self.send_hci_packet(hci.HCI_LE_Enhanced_Connection_Complete_Event(
            status=hci.HCI_ErrorCode.SUCCESS, connection_handle=handle,
            role=hci.Role.CENTRAL, peer_address_type=pending.peer_address_type,
            peer_address=identity, local_resolvable_private_address=hci.Address.ANY,
            peer_resolvable_private_address=rpa, connection_interval=interval,
            peripheral_latency=latency, supervision_timeout=timeout,
            central_clock_accuracy=0))
        self.pending_le_connection = None


def handled_opcodes():
    """Opcodes of every HCI command the Controller class has a handler for."""
    ops = set()
    for opcode, name in hci.HCI_Command.command_names.items():
        if hasattr(LinkController, f"on_{name.lower()}"):
            ops.add(opcode)
    return ops


def parse_public(values, count):
    out = {}
    for v in values:
        idx, _, addr = v.partition("=")
        i = int(idx)
        if not 0 <= i < count or len(addr.split(":")) != 6:
            raise SystemExit(f"bumble_ctrl: bad --public {v!r}")
        out[i] = addr
    return out


async def serve(args):
    link = LocalLink()
    publics = parse_public(args.public, args.count)
    extra = handled_opcodes()
    transports, lines = [], []
    for i in range(args.count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        transport = await open_tcp_server_transport_with_socket(sock)
        transports.append(transport)
        ctrl = LinkController(
            f"C{i}",
            host_source=transport.source,
            host_sink=transport.sink,
            link=link,
            public_address=publics.get(i),
        )
        # Exactly the commands with a handler (a per-instance set: the class
        # attribute is shared by all controllers).
        ctrl.supported_commands = set(extra)
        if args.clear_le_features:
            ctrl.le_features = hci.LeFeatureMask(
                ctrl.le_features.value & ~args.clear_le_features)
        if args.ext_adv:
            # Bumble has the extended advertising handlers (several sets,
            # Set Terminated, extended create connection) but does not
            # claim the LE feature; --ext-adv claims it, which also makes
            # its scanner send LE Extended Advertising Reports.
            ctrl.le_features |= hci.LeFeatureMask.LE_EXTENDED_ADVERTISING
        lines.append(f"tcp:127.0.0.1:{port}")

    text = "".join(line + "\n" for line in lines)
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(text)
        os.replace(tmp, args.ready)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(None))
    await stop
    for t in transports:
        t.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=2)
    ap.add_argument("--public", action="append", default=[],
                    metavar="I=ADDR", help="public address of controller I")
    ap.add_argument("--ready", help="file to write the transports to")
    ap.add_argument("--log", help="Bumble debug log file")
    ap.add_argument("--clear-le-features", type=lambda v: int(v, 0), default=0,
                    metavar="MASK", help="LE feature bits to clear (e.g. 0x40: no LL "
                    "Privacy, to test a host's fallbacks)")
    ap.add_argument("--ext-adv", action="store_true",
                    help="claim the LE Extended Advertising feature")
    args = ap.parse_args()
    if args.count < 1:
        raise SystemExit("bumble_ctrl: --count must be >= 1")
    if args.log:
        import logging
        logging.basicConfig(filename=args.log, level=logging.DEBUG)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
