/* A fake libusb (transports/usb_seam.h) with one USB Bluetooth device whose
 * controller is a fake_chip: commands by control transfer go to the chip,
 * its events come back on the interrupt IN transfer, one per event-handling
 * call, as libusb would deliver them. Unplugging completes the outstanding
 * transfers with NO_DEVICE and fails later calls, as a re-enumerating
 * device does. */
#ifndef BH_TEST_FAKE_USB_H
#define BH_TEST_FAKE_USB_H

#include "fake_chip.h"
#include "usb_seam.h"

extern const struct bh_usb_ops fake_usb_ops;

/* Sets the device the fake enumerates and the chip behind it. */
void fake_usb_setup(uint16_t vid, uint16_t pid, struct fake_chip *chip);
/* Events queued but not yet delivered. */
int fake_usb_pending(void);

#endif
