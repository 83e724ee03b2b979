/* The real libusb behind struct bh_usb_ops, loaded with dlopen the first
 * time a USB transport is opened or listed. Linking libusb-1.0 directly
 * made every blehost process map it and libudev and run their relocations
 * (about 180 KB of peak RSS, bench/README.md) even on a serial, socket or
 * HCI-channel transport. libusb.h still gives the types and the inline
 * transfer fillers at build time; only the functions come from dlsym.
 */
#include "transport_internal.h"
#include "usb_seam.h"

#ifdef BH_HAVE_LIBUSB

#include <blehost/bh_dl.h>

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define BH_LIBUSB_SONAME "libusb-1.0.so.0"

/* Each member of struct bh_usb_ops and the libusb function it holds. */
static const struct bh_dl_sym syms[] = {
	{ "libusb_init", offsetof(struct bh_usb_ops, init), false },
	{ "libusb_exit", offsetof(struct bh_usb_ops, exit), false },
	{ "libusb_get_device_list", offsetof(struct bh_usb_ops, get_device_list), false },
	{ "libusb_free_device_list", offsetof(struct bh_usb_ops, free_device_list), false },
	{ "libusb_get_device_descriptor", offsetof(struct bh_usb_ops, get_device_descriptor), false },
	{ "libusb_get_config_descriptor", offsetof(struct bh_usb_ops, get_config_descriptor), false },
	{ "libusb_free_config_descriptor", offsetof(struct bh_usb_ops, free_config_descriptor), false },
	{ "libusb_get_bus_number", offsetof(struct bh_usb_ops, get_bus_number), false },
	{ "libusb_get_port_numbers", offsetof(struct bh_usb_ops, get_port_numbers), false },
	{ "libusb_open", offsetof(struct bh_usb_ops, open), false },
	{ "libusb_close", offsetof(struct bh_usb_ops, close), false },
	{ "libusb_kernel_driver_active", offsetof(struct bh_usb_ops, kernel_driver_active), false },
	{ "libusb_detach_kernel_driver", offsetof(struct bh_usb_ops, detach_kernel_driver), false },
	{ "libusb_claim_interface", offsetof(struct bh_usb_ops, claim_interface), false },
	{ "libusb_release_interface", offsetof(struct bh_usb_ops, release_interface), false },
	{ "libusb_control_transfer", offsetof(struct bh_usb_ops, control_transfer), false },
	{ "libusb_bulk_transfer", offsetof(struct bh_usb_ops, bulk_transfer), false },
	{ "libusb_alloc_transfer", offsetof(struct bh_usb_ops, alloc_transfer), false },
	{ "libusb_free_transfer", offsetof(struct bh_usb_ops, free_transfer), false },
	{ "libusb_submit_transfer", offsetof(struct bh_usb_ops, submit_transfer), false },
	{ "libusb_cancel_transfer", offsetof(struct bh_usb_ops, cancel_transfer), false },
	{ "libusb_handle_events_timeout_completed",
	  offsetof(struct bh_usb_ops, handle_events_timeout_completed), false },
	{ "libusb_get_pollfds", offsetof(struct bh_usb_ops, get_pollfds), false },
	{ "libusb_free_pollfds", offsetof(struct bh_usb_ops, free_pollfds), false },
	{ "libusb_get_next_timeout", offsetof(struct bh_usb_ops, get_next_timeout), false },
	{ "libusb_error_name", offsetof(struct bh_usb_ops, error_name), false },
	{ "libusb_get_string_descriptor_ascii", offsetof(struct bh_usb_ops, get_string), true },
};

int bh_usb_libusb_load(const char *soname, struct bh_usb_ops *ops, void **handle, char *err,
		       size_t errlen)
{
	const char *missing, *why;
	int rc = bh_dl_load(soname, syms, sizeof(syms) / sizeof(syms[0]), ops, sizeof(*ops),
			    handle, &missing, &why);
	if (rc && missing)
		return bh_transport_errf(rc, err, errlen, "usb: %s has no %s: not libusb-1.0",
					 soname, missing);
	if (rc)
		return bh_transport_errf(rc, err, errlen,
					 "usb: cannot load %s (%s); install libusb-1.0-0 or use "
					 "serial:, unix:, tcp: or hciN",
					 soname, why);
	return BH_OK;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct bh_usb_ops real_ops;
static int load_rc;
static char load_err[256];

static void load_once(void)
{
	void *h;
	/* Kept open for the process's life: transfers may outlive a close. */
	load_rc = bh_usb_libusb_load(BH_LIBUSB_SONAME, &real_ops, &h, load_err, sizeof(load_err));
}

int bh_usb_libusb_ops(const struct bh_usb_ops **ops, char *err, size_t errlen)
{
	pthread_once(&once, load_once);
	if (load_rc) {
		*ops = NULL;
		if (err && errlen)
			snprintf(err, errlen, "%s", load_err);
		return load_rc;
	}
	*ops = &real_ops;
	return BH_OK;
}

#endif
