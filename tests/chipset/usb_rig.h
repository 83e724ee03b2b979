/* The rig of the vendor-driver tests: a chipset driver on the real USB
 * transport over the fake libusb (fake_usb.c) and a fake chip, with
 * firmware files served from memory and a virtual clock. */
#ifndef USB_RIG_H
#define USB_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <blehost/chipset.h>
#include <blehost/transport.h>

#include "fake_usb.h"

struct file {
	const char *name;
	uint8_t *data;
	size_t len;
};

struct rig {
	struct fake_chip chip;
	struct bh_transport *t;
	struct bh_chipset *cs;
	struct bh_env env;
	bh_time_ms now;
	int done_calls;
	bh_status result;
	struct file files[4];
	int nfiles;
	int loads;
	/* How the port writes where a file was found: 0 "/fw/NAME", 1 not at
	 * all, 2 every octet of the buffer, with no terminator. */
	int path_mode;
};
extern struct rig R;

/* A chipset driver (NULL: chosen by the IDs) for a fake chip of this kind
 * at vid:pid; rig_close frees it all, and the files. */
void rig_open(uint16_t vid, uint16_t pid, enum fake_kind kind, const char *driver);
void rig_close(void);
/* A firmware file the driver may load, copied. */
void add_file(const char *name, const uint8_t *data, size_t len);
/* Runs bring-up to its end: events as the transport delivers them, and
 * when the controller is silent, virtual time to the driver's deadline. */
const struct bh_chipset_report *rig_run(void);

#endif
