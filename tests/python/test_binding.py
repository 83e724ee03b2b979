"""The asyncio binding itself: no busy polling, callbacks never re-enter the
stack, exceptions in callbacks are reported and the stack carries on, one
host per transport across asyncio.run calls."""

import asyncio
import sys

import pytest
from bleak import BleakScanner

import blehost
from blehost import _ad, _core
from blehost.bleak import use_blehost
from conftest import run

use_blehost()


def test_idle_host_does_not_poll():
    async def main():
        h = await blehost.get_host()
        calls = 0
        real = h._core

        class Counting:
            def __getattr__(self, name):
                return getattr(real, name)

            def process(self):
                nonlocal calls
                calls += 1
                return real.process()

        h._core = Counting()
        try:
            await asyncio.sleep(1.0)
        finally:
            h._core = real
        # nothing to do: woken only by real deadlines, never in a loop
        assert calls <= 5, calls
    run(main())


def test_shared_host_survives_new_event_loops():
    a = run(blehost.get_host())
    b = run(blehost.get_host())
    assert a is b and a._core is not None


class ReenteringHost(blehost.Host):
    reentry = None

    def on_ready(self, st):
        try:
            self._core.scan_start(True, True)  # from inside the stack: refused
        except RuntimeError as e:
            self.reentry = e
        super().on_ready(st)


def test_callbacks_cannot_reenter_the_stack():
    async def main():
        h = ReenteringHost(store_dir="")
        try:
            await h.start()
            assert isinstance(h.reentry, RuntimeError)
            assert "re-entered" in str(h.reentry)
            # outside a callback the same call works
            h.call(h._core.scan_start, True, True)
            assert h._core.scanning()
        finally:
            h.close()
    run(main())


def test_exceptions_in_callbacks_are_reported():
    async def main():
        adv = blehost.Host(store_dir="")
        await adv.start()
        adv.call(adv._core.adv_start, _ad.build(name="py-raise"), b"", False)
        loop = asyncio.get_running_loop()
        reported = []
        loop.set_exception_handler(lambda l, ctx: reported.append(ctx))
        seen = []

        def cb(device, ad):
            if ad.local_name == "py-raise":
                seen.append(device)
                raise ValueError("user bug")

        try:
            async with BleakScanner(cb):
                for _ in range(100):
                    if seen and reported:
                        break
                    await asyncio.sleep(0.05)
            assert seen and reported
            assert isinstance(reported[0]["exception"], ValueError)
            # the stack carries on
            d = await BleakScanner.find_device_by_name("py-raise", timeout=10)
            assert d is not None
        finally:
            adv.close()
    run(main())


class RaisingHandler(blehost.Host):
    def on_device(self, *args):
        raise KeyError("handler bug")


def test_exception_in_handler_goes_to_unraisablehook():
    caught = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: caught.append(u.exc_value)

    async def main():
        adv = blehost.Host(store_dir="")
        await adv.start()
        adv.call(adv._core.adv_start, _ad.build(name="py-handler"), b"", False)
        h = RaisingHandler(store_dir="")
        try:
            await h.start()
            h.call(h._core.scan_start, False, True)
            for _ in range(100):
                if caught:
                    break
                await asyncio.sleep(0.05)
            assert h._core.scanning()  # still running after the exception
        finally:
            h.close()
            adv.close()
    try:
        run(main())
    finally:
        sys.unraisablehook = old
    assert caught and isinstance(caught[0], KeyError)


def test_errors_carry_the_status():
    with pytest.raises(OSError, match="blehost"):
        blehost.Host("unix:/nonexistent/socket")
    e = blehost.HostError(_core.ETIMEDOUT)
    assert e.status == _core.ETIMEDOUT and "tim" in str(e).lower()
    assert blehost.HostError((_core.KIND_ATT << 16) | 0x05).att_error == 0x05


def test_controller_lost_fails_start_instead_of_hanging(tmp_path):
    import socket
    path = str(tmp_path / "ctrl.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    async def main():
        h = blehost.Host("unix:" + path, store_dir="")
        conn, _ = srv.accept()
        try:
            start = asyncio.ensure_future(h.start(timeout=20))
            await asyncio.sleep(0.2)  # HCI Reset went out, no answer
            assert conn.recv(16)[:1] == b"\x01"  # an H4 command
            conn.close()  # the controller goes away
            t0 = asyncio.get_running_loop().time()
            with pytest.raises(blehost.HostError):
                await start
            assert asyncio.get_running_loop().time() - t0 < 5
            assert h.fatal is not None
        finally:
            h.close()
            srv.close()
    run(main())
