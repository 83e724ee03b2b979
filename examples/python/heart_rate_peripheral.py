"""A heart-rate peripheral in bluez-peripheral's style, served by blehost
(no BlueZ): Heart Rate Measurement notifies a new reading every second,
Body Sensor Location is readable, Heart Rate Control Point is writable
(writing 1 resets the energy-expended counter), and a writable
user-description-style descriptor holds a label.

    BLEHOST_TRANSPORT=... python3 heart_rate_peripheral.py [NAME] [SECONDS]

Prints "ready <address>" once advertising, then each control-point write.
"""
import asyncio
import struct
import sys

from blehost.peripheral import (Advertisement, CharacteristicFlags as CharFlags, DescriptorFlags,
                                NoIoAgent, Service, characteristic, descriptor, get_message_bus,
                                Adapter, NotPermittedError)


class HeartRateService(Service):
    def __init__(self):
        super().__init__("180D", True)
        self.energy = 0
        self.rate = 60
        self.label = b"wrist"

    @characteristic("2A37", CharFlags.NOTIFY | CharFlags.READ)
    def heart_rate_measurement(self, options):
        return struct.pack("<BBH", 0x08, self.rate, self.energy)

    @characteristic("2A38", CharFlags.READ)
    def body_sensor_location(self, options):
        return bytes([2])  # wrist

    @characteristic("2A39", CharFlags.WRITE)
    def control_point(self, options):
        pass

    @control_point.setter
    def control_point(self, value, options):
        if value != b"\x01":
            raise NotPermittedError("only 'reset energy expended' (1) is defined")
        self.energy = 0
        print("control point: reset", flush=True)

    @descriptor("2A3A", control_point, DescriptorFlags.READ | DescriptorFlags.WRITE)
    def control_label(self, options):
        return self.label

    @control_label.setter
    def control_label(self, value, options):
        self.label = value
        print(f"label: {value.decode(errors='replace')}", flush=True)

    def update_heart_rate(self, new_rate):
        self.rate = new_rate
        self.energy += 1
        self.heart_rate_measurement.changed(struct.pack("<BBH", 0x08, new_rate, self.energy))


async def main(name, seconds):
    bus = await get_message_bus()
    service = HeartRateService()
    await service.register(bus)
    agent = NoIoAgent()
    await agent.register(bus)
    adapter = await Adapter.get_first(bus)
    advert = Advertisement(name, ["180D"], 0x0340, 0)
    await advert.register(bus, adapter)
    print(f"ready {await adapter.get_address()}", flush=True)
    rate = 60
    for _ in range(int(seconds)):
        await asyncio.sleep(1)
        rate = 60 + (rate - 59) % 40
        service.update_heart_rate(rate)
    await advert.unregister()
    bus.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "Heart Monitor",
                     float(sys.argv[2]) if len(sys.argv) > 2 else 3600))
