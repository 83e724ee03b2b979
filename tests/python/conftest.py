"""Fixtures for the blehost Python tests (suite `python`, run by meson under
tests/harness/with-btvirt.sh): peers on the same btvirt as our host.

Env from meson: BLEHOST_TRANSPORT (with-btvirt.sh), BLEHOST_BIN (the CLI, for
`blehost peripheral`), BLEHOST_EXAMPLES (examples/python), PYTHONPATH (the
build tree's python/), BLEHOST_STORE (a private bond store)."""

import asyncio
import os
import re
import subprocess
import sys
import threading
import time

import pytest

import blehost

BLEHOST_BIN = os.environ.get("BLEHOST_BIN", "blehost")
EXAMPLES = os.environ.get("BLEHOST_EXAMPLES",
                          os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python"))
HERE = os.path.dirname(os.path.abspath(__file__))

if not os.environ.get("BLEHOST_TRANSPORT"):
    pytest.skip("run through tests/harness/with-btvirt.sh", allow_module_level=True)


def run(coro, timeout=60):
    """Runs one test coroutine on a fresh loop (as a bleak program would),
    bounded so a hang fails instead of blocking the suite."""
    async def bounded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(bounded())


class Peer:
    """A peer process on btvirt whose output lines are collected."""

    def __init__(self, argv, env=None, ready=None, timeout=10):
        self.lines = []
        self.cond = threading.Condition()
        e = dict(os.environ)
        e.update(env or {})
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, env=e)
        threading.Thread(target=self._read, daemon=True).start()
        if ready:
            m = self.wait_for(ready, timeout)
            if m is None:
                self.stop()
                raise RuntimeError(f"peer {argv} not ready:\n" + "\n".join(self.lines))
            self.match = m

    def _read(self):
        for line in self.p.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def wait_for(self, regex, timeout=10, start=0):
        """The first line from index start matching regex, waiting for it."""
        rx = re.compile(regex)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    async def await_for(self, regex, timeout=10, start=0):
        """wait_for from a coroutine: the loop (and our host) keeps running."""
        return await asyncio.get_running_loop().run_in_executor(
            None, self.wait_for, regex, timeout, start)

    def count(self, regex):
        rx = re.compile(regex)
        with self.cond:
            return sum(1 for line in self.lines if rx.search(line))

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def kill(self):
        """Gone without a word: the link ends by supervision timeout or the
        controller's disconnect, as when a device dies."""
        self.p.kill()
        self.p.wait()


def blehost_peripheral(name, *args, env=None):
    p = Peer([BLEHOST_BIN, "--store", "", "peripheral", "--name", name, *args], env=env,
             ready=r"advertising +([0-9A-F:]{17})/(public|random)")
    p.address = p.match.group(1)
    return p


@pytest.fixture
def peripheral():
    peers = []

    def start(name="blehost-py", *args, env=None):
        p = blehost_peripheral(name, *args, env=env)
        peers.append(p)
        return p
    yield start
    for p in peers:
        p.stop()


def node_available():
    return subprocess.call(["bash", os.path.join(HERE, "..", "interop", "setup.sh")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


@pytest.fixture
def bleno_uart():
    if not node_available():
        pytest.skip("node/bleno unavailable (tests/interop/setup.sh)")
    p = Peer(["node", os.path.join(HERE, "bleno_uart.js")], env={"PERIPH_NAME": "bleno-uart"},
             ready=r"UART advertising ([0-9a-f:]{17})")
    p.address = p.match.group(1).upper()
    yield p
    p.stop()


def run_example(name, *args, env=None, timeout=60, stdin=None):
    """Runs examples/python/NAME through `python3 -m blehost.bleak`, unchanged."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "blehost.bleak", os.path.join(EXAMPLES, name),
                           *args], env=e, capture_output=True, text=True, timeout=timeout,
                          input=stdin)


def pytest_sessionfinish(session, exitstatus):
    blehost.close_all()


def hci_commands(path):
    """[(opcode, params)] of the HCI commands the host sent, from a btsnoop
    trace (datalink 1002, H4) that Host(trace=...) wrote."""
    import struct
    data = open(path, "rb").read()
    assert data[:8] == b"btsnoop\0" and struct.unpack(">I", data[12:16])[0] == 1002
    out, i = [], 16
    while i + 24 <= len(data):
        incl, flags = struct.unpack(">4xII", data[i:i + 12])
        pkt = data[i + 24:i + 24 + incl]
        i += 24 + incl
        if flags & 3 == 2 and pkt[:1] == b"\x01" and len(pkt) >= 4:  # sent command
            out.append((pkt[1] | pkt[2] << 8, pkt[4:4 + pkt[3]]))
    return out
