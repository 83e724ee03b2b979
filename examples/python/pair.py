"""Pairing: connects, pairs, reads a characteristic that needs encryption.

    python3 pair.py ADDRESS CHAR_UUID

Plain bleak has no way to answer passkey prompts on Linux (BlueZ's agent
does); on blehost the prompts go to the agent given to pair(callbacks=...)
if the backend accepts it, else to blehost's default agent (passkey from
$BLEHOST_PASSKEY, numeric comparison accepted with BLEHOST_CONFIRM=1).
"""
import asyncio
import sys

from bleak import BleakClient


class Agent:
    """Answers the prompts on the console (used when the backend takes one)."""

    def display_passkey(self, address, passkey):
        print(f"passkey for {address}: {passkey:06d}", flush=True)

    def confirm_number(self, address, number):
        print(f"confirming {number:06d} for {address}", flush=True)
        return True

    async def request_passkey(self, address):
        print(f"passkey shown by {address}? ", end="", flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        return int(line) if line.strip() else None


async def main(address, char_uuid):
    async with BleakClient(address) as client:
        try:
            paired = await client.pair(callbacks=Agent())
        except TypeError:  # a backend without agents
            paired = await client.pair()
        print(f"paired: {paired}")
        print(f"value: {bytes(await client.read_gatt_char(char_uuid))!r}")
        await client.unpair()
        print(f"connected after unpair: {client.is_connected}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
