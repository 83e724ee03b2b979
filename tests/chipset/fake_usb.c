#include "fake_usb.h"

#include <stdlib.h>
#include <string.h>

#define QMAX 64

static struct {
	struct libusb_device_descriptor desc;
	struct libusb_config_descriptor cfg;
	struct libusb_interface itf;
	struct libusb_interface_descriptor alt;
	struct libusb_endpoint_descriptor ep[3];
	struct fake_chip *chip;
	struct libusb_transfer *evt, *acl[4];
	int nacl;
	uint8_t q[QMAX][260];
	size_t qlen[QMAX];
	int qhead, qn;
	int dev; /* the one libusb_device, by address */
} U;

void fake_usb_setup(uint16_t vid, uint16_t pid, struct fake_chip *chip)
{
	memset(&U, 0, sizeof(U));
	U.chip = chip;
	U.desc.idVendor = vid;
	U.desc.idProduct = pid;
	U.desc.bDeviceClass = 0xe0;
	U.desc.bDeviceSubClass = 0x01;
	U.desc.bDeviceProtocol = 0x01;
	U.desc.iManufacturer = 1;
	U.desc.iProduct = 2;
	U.desc.iSerialNumber = 3;
	U.cfg.bNumInterfaces = 1;
	U.cfg.interface = &U.itf;
	U.itf.altsetting = &U.alt;
	U.itf.num_altsetting = 1;
	U.alt.bInterfaceClass = 0xe0;
	U.alt.bInterfaceSubClass = 0x01;
	U.alt.bInterfaceProtocol = 0x01;
	U.alt.bNumEndpoints = 3;
	U.alt.endpoint = U.ep;
	U.ep[0] = (struct libusb_endpoint_descriptor){ .bEndpointAddress = 0x81, .bmAttributes = 3 };
	U.ep[1] = (struct libusb_endpoint_descriptor){ .bEndpointAddress = 0x82, .bmAttributes = 2 };
	U.ep[2] = (struct libusb_endpoint_descriptor){ .bEndpointAddress = 0x02, .bmAttributes = 2 };
}

int fake_usb_pending(void) { return U.qn; }

static void emit(void *ctx, const uint8_t *evt, size_t len)
{
	(void)ctx;
	if (U.qn == QMAX || len > sizeof(U.q[0]))
		return;
	int i = (U.qhead + U.qn++) % QMAX;
	memcpy(U.q[i], evt, len);
	U.qlen[i] = len;
}

static int f_init(libusb_context **c) { *c = (libusb_context *)&U; return 0; }
static void f_exit(libusb_context *c) { (void)c; }
static ssize_t f_list(libusb_context *c, libusb_device ***list)
{
	(void)c;
	libusb_device **l = calloc(2, sizeof(*l));
	if (!U.chip->unplugged)
		l[0] = (libusb_device *)&U.dev;
	*list = l;
	return U.chip->unplugged ? 0 : 1;
}
static void f_free_list(libusb_device **l, int unref) { (void)unref; free(l); }
static int f_desc(libusb_device *d, struct libusb_device_descriptor *out)
{
	(void)d;
	*out = U.desc;
	return 0;
}
static int f_cfg(libusb_device *d, uint8_t idx, struct libusb_config_descriptor **out)
{
	(void)d;
	(void)idx;
	*out = &U.cfg;
	return 0;
}
static void f_free_cfg(struct libusb_config_descriptor *c) { (void)c; }
static uint8_t f_bus(libusb_device *d) { (void)d; return 1; }
static int f_ports(libusb_device *d, uint8_t *p, int len)
{
	(void)d;
	if (len < 1)
		return LIBUSB_ERROR_OVERFLOW;
	p[0] = 4;
	return 1;
}
static int f_open(libusb_device *d, libusb_device_handle **h)
{
	(void)d;
	*h = (libusb_device_handle *)&U;
	return 0;
}
static void f_close(libusb_device_handle *h) { (void)h; }
static int f_kda(libusb_device_handle *h, int i) { (void)h; (void)i; return 0; }
static int f_detach(libusb_device_handle *h, int i) { (void)h; (void)i; return 0; }
static int f_claim(libusb_device_handle *h, int i) { (void)h; (void)i; return 0; }
static int f_release(libusb_device_handle *h, int i) { (void)h; (void)i; return 0; }

static int f_ctl(libusb_device_handle *h, uint8_t type, uint8_t req, uint16_t val, uint16_t idx,
		 unsigned char *data, uint16_t len, unsigned timeout)
{
	(void)h;
	(void)type;
	(void)req;
	(void)val;
	(void)idx;
	(void)timeout;
	if (U.chip->unplugged)
		return LIBUSB_ERROR_NO_DEVICE;
	if (len < 3 || data[2] != len - 3u)
		return LIBUSB_ERROR_INVALID_PARAM;
	fake_chip_command(U.chip, (uint16_t)(data[0] | data[1] << 8), data + 3, data[2], emit, NULL);
	return len;
}
static int f_bulk(libusb_device_handle *h, unsigned char ep, unsigned char *data, int len,
		  int *done, unsigned timeout)
{
	(void)h;
	(void)ep;
	(void)data;
	(void)timeout;
	if (U.chip->unplugged)
		return LIBUSB_ERROR_NO_DEVICE;
	*done = len;
	return 0;
}
static struct libusb_transfer *f_alloc(int iso)
{
	(void)iso;
	return calloc(1, sizeof(struct libusb_transfer));
}
static void f_free_tr(struct libusb_transfer *tr) { free(tr); }
static int f_submit(struct libusb_transfer *tr)
{
	if (U.chip->unplugged)
		return LIBUSB_ERROR_NO_DEVICE;
	if (tr->endpoint == 0x81)
		U.evt = tr;
	else if (U.nacl < 4)
		U.acl[U.nacl++] = tr;
	return 0;
}
static void finish(struct libusb_transfer *tr, enum libusb_transfer_status st, int len)
{
	tr->status = st;
	tr->actual_length = len;
	tr->callback(tr);
}
static int f_cancel(struct libusb_transfer *tr)
{
	if (tr == U.evt)
		U.evt = NULL;
	for (int i = 0; i < U.nacl; i++)
		if (U.acl[i] == tr)
			U.acl[i] = U.acl[--U.nacl];
	finish(tr, LIBUSB_TRANSFER_CANCELLED, 0);
	return 0;
}
static int f_events(libusb_context *c, struct timeval *tv, int *completed)
{
	(void)c;
	(void)tv;
	(void)completed;
	if (U.chip->unplugged) {
		struct libusb_transfer *e = U.evt;
		U.evt = NULL;
		if (e)
			finish(e, LIBUSB_TRANSFER_NO_DEVICE, 0);
		return 0;
	}
	if (U.evt && U.qn) {
		struct libusb_transfer *e = U.evt;
		U.evt = NULL;
		size_t n = U.qlen[U.qhead];
		memcpy(e->buffer, U.q[U.qhead], n);
		U.qhead = (U.qhead + 1) % QMAX;
		U.qn--;
		finish(e, LIBUSB_TRANSFER_COMPLETED, (int)n);
	}
	return 0;
}
static const struct libusb_pollfd **f_pollfds(libusb_context *c)
{
	(void)c;
	return calloc(1, sizeof(struct libusb_pollfd *));
}
static void f_free_pollfds(const struct libusb_pollfd **fds) { free((void *)fds); }
static int f_next_timeout(libusb_context *c, struct timeval *tv)
{
	(void)c;
	(void)tv;
	return 0;
}
static const char *f_err(int code) { (void)code; return "FAKE_ERROR"; }
static int f_string(libusb_device_handle *h, uint8_t idx, unsigned char *data, int len)
{
	(void)h;
	/* the serial has a byte a terminal must not see */
	static const char *const s[] = { "", "Realtek", "Bluetooth Radio", "00E0\0334C" };
	if (idx > 3)
		return LIBUSB_ERROR_INVALID_PARAM;
	int n = (int)strlen(s[idx]);
	n = n < len ? n : len;
	memcpy(data, s[idx], (size_t)n);
	return n;
}

const struct bh_usb_ops fake_usb_ops = {
	.init = f_init,
	.exit = f_exit,
	.get_device_list = f_list,
	.free_device_list = f_free_list,
	.get_device_descriptor = f_desc,
	.get_config_descriptor = f_cfg,
	.free_config_descriptor = f_free_cfg,
	.get_bus_number = f_bus,
	.get_port_numbers = f_ports,
	.open = f_open,
	.close = f_close,
	.kernel_driver_active = f_kda,
	.detach_kernel_driver = f_detach,
	.claim_interface = f_claim,
	.release_interface = f_release,
	.control_transfer = f_ctl,
	.bulk_transfer = f_bulk,
	.alloc_transfer = f_alloc,
	.free_transfer = f_free_tr,
	.submit_transfer = f_submit,
	.cancel_transfer = f_cancel,
	.handle_events_timeout_completed = f_events,
	.get_pollfds = f_pollfds,
	.free_pollfds = f_free_pollfds,
	.get_next_timeout = f_next_timeout,
	.error_name = f_err,
	.get_string = f_string,
};
