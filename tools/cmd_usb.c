/* blehost usb: the USB devices that can carry HCI, what blehost would do
 * with each (chipset driver, quirks) and the -t value that picks it. */
#include "cli.h"

#include <blehost/chipset.h>
#include <blehost/transport.h>

#include <stdio.h>

#define MAX_DEVICES 32

static void t_value(const struct bh_usb_device *d, char *out, size_t len)
{
	if (d->unique_id)
		snprintf(out, len, "usb:%04x:%04x", d->vid, d->pid);
	else
		snprintf(out, len, "usb:%s", d->path);
}

int cmd_usb(struct cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_fail(c, "usage: usb");
	struct bh_usb_device devs[MAX_DEVICES];
	char err[256];
	int n = bh_usb_list(devs, MAX_DEVICES, err, sizeof(err));
	if (n < 0)
		return cli_fail(c, "%s", err);
	if (n > MAX_DEVICES)
		n = MAX_DEVICES;
	struct json j;
	if (c->json) {
		json_begin(&j, stdout);
		json_arr(&j, "devices");
	} else if (!n) {
		printf("No USB Bluetooth device found (none with a Bluetooth or Broadcom HCI "
		       "interface).\n");
	}
	for (int i = 0; i < n; i++) {
		const struct bh_usb_device *d = &devs[i];
		const struct bh_chipset_quirk *q = bh_chipset_usb_lookup(d->vid, d->pid);
		char quirks[96], tv[64];
		bh_chipset_quirk_names(q ? q->quirks : 0, quirks, sizeof(quirks));
		t_value(d, tv, sizeof(tv));
		const char *driver = q ? bh_chipset_vendor_str(q->vendor) : "auto";
		if (c->json) {
			json_obj(&j, NULL);
			json_int(&j, "vid", d->vid);
			json_int(&j, "pid", d->pid);
			json_str(&j, "path", d->path);
			json_str(&j, "manufacturer", d->opened ? d->manufacturer : NULL);
			json_str(&j, "product", d->opened ? d->product : NULL);
			json_str(&j, "serial", d->opened ? d->serial : NULL);
			json_bool(&j, "bluetooth_class", d->bluetooth_class);
			json_bool(&j, "kernel_driver", d->kernel_driver);
			json_str(&j, "driver", driver);
			json_str(&j, "device", q ? q->device : NULL);
			json_str(&j, "quirks", quirks);
			json_str(&j, "transport", tv);
			json_close(&j, '}');
			continue;
		}
		printf("%04x:%04x  %-10s %s%s%s%s%s\n", d->vid, d->pid, d->path, d->manufacturer,
		       d->product[0] ? " / " : "", d->product, d->serial[0] ? "  serial " : "",
		       d->serial);
		if (!d->opened)
			printf("           (strings unreadable: no permission on /dev/bus/usb; run as "
			       "root or add a udev rule)\n");
		if (q)
			printf("           driver %s: %s; quirks %s\n", driver, q->device, quirks);
		else
			printf("           driver auto: chosen at bring-up by Read Local Version\n");
		if (!d->bluetooth_class)
			printf("           vendor-specific interface (not class E0)\n");
		if (d->kernel_driver)
			printf("           held by a kernel driver (btusb): blehost detaches it when it "
			       "opens the device\n");
		printf("           -t %s\n", tv);
	}
	if (c->json) {
		json_close(&j, ']');
		json_end(&j);
	}
	return 0;
}
