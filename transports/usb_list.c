/* Lists the USB devices that can carry HCI, for `blehost usb`: IDs, bus
 * path, strings, and whether a kernel driver holds them. Read-only: it
 * opens a device only to read its strings and never claims it. */
#include "transport_internal.h"
#include "usb_seam.h"

#include <stdio.h>
#include <string.h>

#ifndef BH_HAVE_LIBUSB

int bh_usb_list(struct bh_usb_device *out, int max, char *err, size_t errlen)
{
	(void)out;
	(void)max;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "this blehost was built without libusb-1.0; install "
				 "libusb-1.0-0-dev and rebuild");
}

#else

/* The interface that carries HCI, or -1: E0/01/01, else vendor-specific
 * FF/01/01 (how Broadcom parts present it). */
static int hci_interface(const struct bh_usb_ops *ops, libusb_device *d, bool *bt)
{
	struct libusb_config_descriptor *cfg = NULL;
	if (ops->get_config_descriptor(d, 0, &cfg) != 0 || !cfg)
		return -1;
	int found = -1;
	for (int i = 0; i < cfg->bNumInterfaces && found < 0; i++) {
		if (cfg->interface[i].num_altsetting < 1)
			continue;
		const struct libusb_interface_descriptor *a = &cfg->interface[i].altsetting[0];
		if (a->bInterfaceSubClass != 0x01 || a->bInterfaceProtocol != 0x01)
			continue;
		if (a->bInterfaceClass == 0xe0 || a->bInterfaceClass == 0xff) {
			found = a->bInterfaceNumber;
			*bt = a->bInterfaceClass == 0xe0;
		}
	}
	ops->free_config_descriptor(cfg);
	return found;
}

static void read_string(const struct bh_usb_ops *ops, libusb_device_handle *h, uint8_t idx,
			char *out, size_t len)
{
	out[0] = 0;
	if (!idx || !ops->get_string)
		return;
	unsigned char buf[128];
	int n = ops->get_string(h, idx, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	/* Strings come from the device: keep printable ASCII only. */
	size_t o = 0;
	for (int i = 0; i < n && o + 1 < len; i++)
		out[o++] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '?';
	out[o] = 0;
}

int bh_usb_list_ops(const struct bh_usb_ops *ops, struct bh_usb_device *out, int max, char *err,
		    size_t errlen)
{
	libusb_context *ctx = NULL;
	int rc = ops->init(&ctx);
	if (rc < 0)
		return bh_transport_errf(BH_EIO, err, errlen, "usb: libusb init failed: %s",
					 ops->error_name(rc));
	libusb_device **list = NULL;
	ssize_t nd = ops->get_device_list(ctx, &list);
	if (nd < 0) {
		ops->exit(ctx);
		return bh_transport_errf(BH_EIO, err, errlen, "usb: cannot list devices: %s",
					 ops->error_name((int)nd));
	}
	int n = 0;
	for (ssize_t i = 0; i < nd && list[i]; i++) {
		struct libusb_device_descriptor dd;
		bool bt = false;
		if (ops->get_device_descriptor(list[i], &dd) != 0)
			continue;
		int iface = hci_interface(ops, list[i], &bt);
		if (iface < 0)
			continue;
		if (n < max) {
			struct bh_usb_device *o = &out[n];
			memset(o, 0, sizeof(*o));
			o->vid = dd.idVendor;
			o->pid = dd.idProduct;
			o->bluetooth_class = bt;
			bh_usb_dev_path(ops, list[i], o->path, sizeof(o->path));
			libusb_device_handle *h = NULL;
			if (ops->open(list[i], &h) == 0 && h) {
				o->opened = true;
				read_string(ops, h, dd.iManufacturer, o->manufacturer,
					    sizeof(o->manufacturer));
				read_string(ops, h, dd.iProduct, o->product, sizeof(o->product));
				read_string(ops, h, dd.iSerialNumber, o->serial, sizeof(o->serial));
				o->kernel_driver = ops->kernel_driver_active(h, iface) == 1;
				ops->close(h);
			}
		}
		n++;
	}
	ops->free_device_list(list, 1);
	ops->exit(ctx);
	int shown = n < max ? n : max;
	for (int i = 0; i < shown; i++) {
		out[i].unique_id = true;
		for (int k = 0; k < shown; k++)
			if (k != i && out[k].vid == out[i].vid && out[k].pid == out[i].pid)
				out[i].unique_id = false;
	}
	return n;
}

int bh_usb_list(struct bh_usb_device *out, int max, char *err, size_t errlen)
{
	const struct bh_usb_ops *ops;
	int rc = bh_usb_libusb_ops(&ops, err, errlen);
	return rc ? rc : bh_usb_list_ops(ops, out, max, err, errlen);
}

#endif
