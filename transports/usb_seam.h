/* Internal to transports/ (and its tests): the thin seam between the USB
 * transport and libusb-1.0. Every libusb call the transport makes goes
 * through one of these pointers, so tests drive the transport with a fake
 * libusb (enumeration, transfers, unplug) and no hardware.
 */
#ifndef BH_USB_SEAM_H
#define BH_USB_SEAM_H

#include <blehost/transport.h>

#ifdef BH_HAVE_LIBUSB
#include <libusb.h>

struct bh_usb_ops {
	int (*init)(libusb_context **ctx);
	void (*exit)(libusb_context *ctx);
	ssize_t (*get_device_list)(libusb_context *ctx, libusb_device ***list);
	void (*free_device_list)(libusb_device **list, int unref);
	int (*get_device_descriptor)(libusb_device *dev, struct libusb_device_descriptor *desc);
	int (*get_config_descriptor)(libusb_device *dev, uint8_t idx,
				     struct libusb_config_descriptor **cfg);
	void (*free_config_descriptor)(struct libusb_config_descriptor *cfg);
	uint8_t (*get_bus_number)(libusb_device *dev);
	int (*get_port_numbers)(libusb_device *dev, uint8_t *ports, int len);
	int (*open)(libusb_device *dev, libusb_device_handle **h);
	void (*close)(libusb_device_handle *h);
	int (*kernel_driver_active)(libusb_device_handle *h, int iface);
	int (*detach_kernel_driver)(libusb_device_handle *h, int iface);
	int (*claim_interface)(libusb_device_handle *h, int iface);
	int (*release_interface)(libusb_device_handle *h, int iface);
	int (*control_transfer)(libusb_device_handle *h, uint8_t type, uint8_t req, uint16_t val,
				uint16_t idx, unsigned char *data, uint16_t len, unsigned timeout);
	int (*bulk_transfer)(libusb_device_handle *h, unsigned char ep, unsigned char *data,
			     int len, int *transferred, unsigned timeout);
	struct libusb_transfer *(*alloc_transfer)(int iso_packets);
	void (*free_transfer)(struct libusb_transfer *tr);
	int (*submit_transfer)(struct libusb_transfer *tr);
	int (*cancel_transfer)(struct libusb_transfer *tr);
	int (*handle_events_timeout_completed)(libusb_context *ctx, struct timeval *tv,
					       int *completed);
	const struct libusb_pollfd **(*get_pollfds)(libusb_context *ctx);
	void (*free_pollfds)(const struct libusb_pollfd **fds);
	int (*get_next_timeout)(libusb_context *ctx, struct timeval *tv);
	const char *(*error_name)(int code);
	/* Optional (bh_usb_list only): ASCII string descriptor. */
	int (*get_string)(libusb_device_handle *h, uint8_t idx, unsigned char *data, int len);
};

/* The real libusb, dlopen'd on first use (usb_libusb.c) so that a process
 * on another transport never maps libusb and libudev (peak RSS, issue 16).
 * Sets *ops and returns 0, or BH_ENOTSUP with a message in err if
 * libusb-1.0.so.0 cannot be loaded or lacks a function. Thread-safe; a
 * failure is remembered (the same message every time). */
int bh_usb_libusb_ops(const struct bh_usb_ops **ops, char *err, size_t errlen);
/* Loads the library soname into *ops (tests: a missing library, one without
 * libusb's functions). On success *handle is the dlopen handle. */
int bh_usb_libusb_load(const char *soname, struct bh_usb_ops *ops, void **handle, char *err,
		       size_t errlen);

/* bh_usb_list through ops. */
int bh_usb_list_ops(const struct bh_usb_ops *ops, struct bh_usb_device *out, int max, char *err,
		    size_t errlen);
/* "BUS-PORT.PORT" of d. */
void bh_usb_dev_path(const struct bh_usb_ops *ops, libusb_device *d, char *out, size_t len);

/* Opens the USB transport through ops; arg as after "usb:" ("" for any). */
int bh_transport_open_usb_ops(const struct bh_usb_ops *ops, const char *arg,
			      struct bh_transport **out, char *err, size_t errlen);
#endif

/* ACL held back for a handle whose Connection Complete has not been seen. */
#define BH_USB_HOLD_MAX 8
/* Connection handles the USB transport tracks (Connection Complete seen). */
#define BH_USB_MAX_HANDLES 64

/* Packets dropped because the hold queue overflowed (tests). */
unsigned long bh_usb_hold_dropped(const struct bh_transport *t);

#endif
