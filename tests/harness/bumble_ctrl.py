#!/usr/bin/env python3
"""Bumble virtual controllers for blehost's live tests.

    bumble_ctrl.py [--count N] [--public I=AA:BB:CC:DD:EE:FF ...]
                   [--ready FILE] [--log FILE] [--ext-adv]

Starts N (default 2) Bumble `Controller` objects on one `LocalLink` (one
simulated radio), each served as H4 on its own 127.0.0.1 TCP port that the
kernel picks (no race for a "free" port). When all listen, writes one line
per controller, "tcp:127.0.0.1:PORT", to --ready (atomically: written to
FILE.tmp then renamed) or to stdout, and runs until SIGTERM/SIGINT.

Why a launcher of our own rather than Bumble's apps/controllers.py:
 - Bumble's Read Local Supported Commands bitmap hides commands it has
   handlers for (extended advertising, periodic advertising, extended create
   connection, ...). A host that believes the bitmap (as blehost does) would
   never use them. Here every command with an `on_<name>` handler on the
   Controller class is added to the bitmap, and nothing else: a command
   without a handler stays hidden, so the host sees what the emulator really
   does.
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
    from bumble import hci
    from bumble.controller import Controller
    from bumble.link import LocalLink
    from bumble.transport.tcp_server import open_tcp_server_transport_with_socket
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"bumble_ctrl: Bumble not importable ({exc}); skipping", file=sys.stderr)
    sys.exit(77)


def handled_opcodes():
    """Opcodes of every HCI command the Controller class has a handler for."""
    ops = set()
    for opcode, name in hci.HCI_Command.command_names.items():
        if hasattr(Controller, f"on_{name.lower()}"):
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
        ctrl = Controller(
            f"C{i}",
            host_source=transport.source,
            host_sink=transport.sink,
            link=link,
            public_address=publics.get(i),
        )
        # per-instance copy: the class attribute is shared by all controllers
        ctrl.supported_commands = set(ctrl.supported_commands) | extra
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
