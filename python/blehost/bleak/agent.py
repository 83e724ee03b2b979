"""Pairing prompts: what the program is asked while pairing.

Pass an agent to BleakClient.pair(callbacks=agent) (the keyword later bleak
versions use) or BleakClient(..., blehost={"agent": agent}). Any object with
these methods (plain or async) will do; missing ones fall back to the
defaults below.

    display_passkey(address, passkey)      show the 6 digits to the user
    request_passkey(address) -> int|None   the digits shown on the peer (None: reject)
    confirm_number(address, number) -> bool  numeric comparison: same number?

The IO capability the host announces is the host's (one per transport):
blehost.configure(io_cap="KeyboardDisplay") or BLEHOST_IO_CAP, default
NoInputNoOutput (Just Works), as BlueZ's default agent.
"""

import inspect
import logging
import os
import sys

logger = logging.getLogger(__name__)


class DefaultAgent:
    """Prints passkeys to stderr, takes a requested passkey from
    $BLEHOST_PASSKEY (else rejects), accepts numeric comparison only when
    $BLEHOST_CONFIRM is 1/yes (else rejects: nobody compared)."""

    def display_passkey(self, address, passkey):
        print(f"blehost: passkey for {address}: {passkey:06d}", file=sys.stderr)

    def request_passkey(self, address):
        v = os.environ.get("BLEHOST_PASSKEY")
        return int(v) if v else None

    def confirm_number(self, address, number):
        print(f"blehost: confirm {number:06d} for {address}", file=sys.stderr)
        return os.environ.get("BLEHOST_CONFIRM", "").lower() in ("1", "yes", "true")


_default = DefaultAgent()


async def _ask(agent, name, *args):
    fn = getattr(agent, name, None) or getattr(_default, name)
    r = fn(*args)
    if inspect.isawaitable(r):
        r = await r
    return r


async def answer(host, handle, agent, kind, value):
    """Runs one prompt on the loop and sends the reply to the stack."""
    from .._host import HostError
    c = host.conns.get(handle)
    address = c.peer if c else None
    agent = agent or _default
    try:
        if kind == "display_passkey":
            await _ask(agent, "display_passkey", address, value)
            return
        if kind == "request_passkey":
            try:
                pk = await _ask(agent, "request_passkey", address)
            except Exception as e:
                host.report(e, "blehost: request_passkey raised: rejecting")
                pk = None
            host.call(host._core.passkey_reply, handle, pk is not None, int(pk or 0) % 1000000)
        elif kind == "confirm_number":
            try:
                ok = bool(await _ask(agent, "confirm_number", address, value))
            except Exception as e:
                host.report(e, "blehost: confirm_number raised: rejecting")
                ok = False
            host.call(host._core.confirm_reply, handle, ok)
    except HostError as e:
        # The pairing ended meanwhile (timeout, disconnect): nothing to answer.
        logger.debug("pairing prompt on 0x%04x not answered: %s", handle, e)
    except Exception as e:
        host.report(e, f"blehost: pairing prompt {kind} failed")
