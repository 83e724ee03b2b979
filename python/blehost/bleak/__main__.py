"""python3 -m blehost.bleak [--transport SPEC] [options] PROGRAM.py [ARGS...]

Runs an unmodified bleak program with blehost as its backend: the program
sees sys.argv = [PROGRAM.py, ARGS...] and runs as __main__.
"""

import argparse
import os
import runpy
import sys


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python3 -m blehost.bleak",
        description="Run a bleak program on blehost (no BlueZ, a bare controller).")
    p.add_argument("--transport", help="controller (default $BLEHOST_TRANSPORT), e.g. "
                   "unix:/tmp/bt-server-le, hci0 user channel, usb")
    p.add_argument("--store", help="bond store directory ('' for memory only)")
    p.add_argument("--io", help="IO capability: NoInputNoOutput (default), DisplayOnly, "
                   "DisplayYesNo, KeyboardOnly, KeyboardDisplay")
    p.add_argument("--mitm", action="store_true", help="ask for MITM protection when pairing")
    p.add_argument("--trace", help="write an HCI trace (btsnoop, or pcap by extension)")
    p.add_argument("-m", dest="module", help="run a module instead of a file")
    p.add_argument("program", nargs="?", help="the bleak program (a .py file)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    if not a.program and not a.module:
        p.error("give a PROGRAM.py or -m MODULE")
    if a.transport:
        os.environ["BLEHOST_TRANSPORT"] = a.transport
    if not os.environ.get("BLEHOST_TRANSPORT"):
        p.error("no transport: pass --transport or set BLEHOST_TRANSPORT")
    for opt, env in ((a.store, "BLEHOST_STORE"), (a.io, "BLEHOST_IO_CAP"),
                     (a.trace, "BLEHOST_TRACE")):
        if opt is not None:
            os.environ[env] = opt
    if a.mitm:
        os.environ["BLEHOST_MITM"] = "1"

    from . import use_blehost
    use_blehost()
    if a.module:
        sys.argv = [a.module] + ([a.program] if a.program else []) + a.args
        runpy.run_module(a.module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [a.program] + a.args
        sys.path.insert(0, os.path.dirname(os.path.abspath(a.program)))
        runpy.run_path(a.program, run_name="__main__")


if __name__ == "__main__":
    main()
