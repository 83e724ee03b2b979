"""Scan with a detection callback (bleak's "detection_callback" example).

    python3 scanner_callback.py [--name NAME] [--timeout S] [--passive]

Prints each device once with what it advertised; with --name, stops as soon
as that device is seen. Plain bleak: run it with `python3 -m blehost.bleak`.
"""
import argparse
import asyncio

from bleak import BleakScanner


async def main(args):
    seen = set()
    found = asyncio.Event()

    def callback(device, advertisement_data):
        if device.address in seen:
            return
        if advertisement_data.local_name is None and args.name:
            return  # wait for the scan response with the name
        seen.add(device.address)
        print(f"{device.address} name={advertisement_data.local_name!r} "
              f"uuids={advertisement_data.service_uuids} "
              f"mfr={ {k: v.hex() for k, v in advertisement_data.manufacturer_data.items()} } "
              f"svc_data={ {k: v.hex() for k, v in advertisement_data.service_data.items()} } "
              f"tx_power={advertisement_data.tx_power}", flush=True)
        if args.name and advertisement_data.local_name == args.name:
            found.set()

    async with BleakScanner(callback, scanning_mode="passive" if args.passive else "active"):
        try:
            await asyncio.wait_for(found.wait(), args.timeout)
        except asyncio.TimeoutError:
            pass
    if args.name and not found.is_set():
        print(f"{args.name} not found")
        raise SystemExit(1)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--name")
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--passive", action="store_true")
    asyncio.run(main(p.parse_args()))
