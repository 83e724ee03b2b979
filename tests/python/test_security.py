"""Pairing through bleak: insufficient authentication, then pair(), then the
read works; re-encryption with the bond; unpair(); passkey entry and numeric
comparison answered by the program's agent (examples/python/pair.py run
unchanged through `python3 -m blehost.bleak`)."""

import subprocess
import sys
import os

import pytest
from bleak import BleakClient
from bleak.exc import BleakDeviceNotFoundError, BleakError

from blehost.bleak import use_blehost
from conftest import EXAMPLES, run, run_example

use_blehost()


def demo(last):
    return "b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d%02x" % last


def test_insufficient_authentication_then_pair_then_unpair(peripheral):
    p = peripheral("py-sec")

    async def main():
        async with BleakClient(p.address) as client:
            # this process runs with BLEHOST_AUTO_SECURITY=0: the ATT error
            # reaches the program instead of an automatic pairing
            with pytest.raises(BleakError, match="Insufficient (Authentication|Encryption)"):
                await client.read_gatt_char(demo(4))
            assert await client.pair()
            assert await p.await_for(r"paired +success", 5), "\n".join(p.lines)
            assert await client.read_gatt_char(demo(4)) == b"encrypted secret"
            assert await client.pair()  # already paired: at once
            # 0d05 needs MITM protection, which Just Works cannot give
            with pytest.raises(BleakError, match="Insufficient Authentication"):
                await client.read_gatt_char(demo(5))
        n_paired = p.count(r"paired +success")
        # again: the bond re-encrypts the link, no new pairing
        async with BleakClient(p.address) as client:
            assert await client.pair()
            assert await client.read_gatt_char(demo(4)) == b"encrypted secret"
            assert p.count(r"paired +success") == n_paired
            assert await client.unpair()
            assert not client.is_connected
        with pytest.raises(BleakDeviceNotFoundError):
            await client.unpair()  # no bond, no link
    run(main())


def test_numeric_comparison_through_the_agent(peripheral):
    p = peripheral("py-nc", "--io", "DisplayYesNo", "--mitm")
    r = run_example("pair.py", p.address, demo(5),
                    env={"BLEHOST_IO_CAP": "KeyboardDisplay", "BLEHOST_MITM": "1"})
    assert r.returncode == 0, r.stdout + r.stderr
    ours = [l for l in r.stdout.splitlines() if l.startswith("confirming ")]
    theirs = p.wait_for(r"confirm +(\d{6}) \(accepted\)", 5)
    assert ours and theirs and ours[0].split()[1] == theirs.group(1)
    assert "paired: True" in r.stdout
    assert "value: b'authenticated secret'" in r.stdout
    assert "connected after unpair: False" in r.stdout


def pair_with_typed_passkey(p, typed):
    """Runs examples/python/pair.py (KeyboardOnly, MITM) against p, which
    displays a passkey; types typed(shown passkey) into the example's agent."""
    env = dict(os.environ, BLEHOST_IO_CAP="KeyboardOnly", BLEHOST_MITM="1")
    proc = subprocess.Popen([sys.executable, "-m", "blehost.bleak",
                             os.path.join(EXAMPLES, "pair.py"), p.address, demo(5)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        m = p.wait_for(r"passkey +(\d{6})$", 20)
        assert m, "\n".join(p.lines)
        out, err = proc.communicate(typed(m.group(1)) + "\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out, err


def test_passkey_entry_through_the_agent(peripheral):
    p = peripheral("py-pk", "--io", "DisplayOnly", "--mitm")
    rc, out, err = pair_with_typed_passkey(p, lambda shown: shown)
    assert rc == 0, out + err
    assert "passkey shown by" in out and "paired: True" in out
    assert "value: b'authenticated secret'" in out
    assert p.wait_for(r"paired +success", 5)


def test_wrong_passkey_fails_cleanly(peripheral):
    p = peripheral("py-pk-bad", "--io", "DisplayOnly", "--mitm")
    rc, out, err = pair_with_typed_passkey(p, lambda shown: "%06d" % ((int(shown) + 1) % 1000000))
    assert rc != 0
    assert "BleakError" in err and "pairing" in err and "Confirm Value Failed" in err, err
