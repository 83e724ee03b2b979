/* Unit tests for the USB transport through a fake libusb (usb_seam.h):
 * enumeration and selection, kernel driver detach, command/ACL routing,
 * split events, ACL held until its Connection Complete, unplug, the
 * no-rx-inside-send rule and every open failure path. No hardware. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/transport.h>
#include "usb_seam.h"

/* ---- the fake libusb -------------------------------------------------- */

struct fdev {
	struct libusb_device_descriptor desc;
	struct libusb_config_descriptor cfg;
	struct libusb_interface itf[2];
	struct libusb_interface_descriptor alt[2];
	struct libusb_endpoint_descriptor ep[3];
	uint8_t bus, ports[4];
	int nports;
};

struct comp {
	uint8_t ep;
	uint8_t data[300];
	int len;
	enum libusb_transfer_status status;
};

static struct fake {
	struct fdev dev[4];
	int ndev;
	int fail_init, fail_list, fail_open, fail_claim, fail_detach, fail_submit;
	int driver_active, detached, claimed, released, opened, closed, exited;
	int unplugged;
	struct libusb_transfer *sub[8];
	int nsub;
	int allocs, frees;
	struct comp q[32];
	int nq;
	struct comp late[4]; /* completions that happen during the next control transfer */
	int nlate;
	/* last OUT transfer */
	uint8_t ctl_type, ctl_req;
	uint16_t ctl_idx;
	uint8_t out[300];
	int outlen;
	uint8_t out_ep;
	int ctl_runs_events; /* control_transfer completes queued IN data (like libusb) */
	int in_send_rx;      /* rx calls seen while inside a send */
} F;

static int in_send;
static int in_callback; /* libusb forbids synchronous calls from callbacks */

static void fake_reset(void)
{
	memset(&F, 0, sizeof(F));
}

static void add_dev(uint16_t vid, uint16_t pid, uint8_t dclass, uint8_t iclass, uint8_t bus,
		    const uint8_t *ports, int nports, int neps)
{
	struct fdev *d = &F.dev[F.ndev++];
	d->desc.idVendor = vid;
	d->desc.idProduct = pid;
	d->desc.bDeviceClass = dclass;
	d->desc.bDeviceSubClass = dclass == 0xe0 ? 1 : 0;
	d->desc.bDeviceProtocol = dclass == 0xe0 ? 1 : 0;
	d->bus = bus;
	memcpy(d->ports, ports, (size_t)nports);
	d->nports = nports;
	d->cfg.bNumInterfaces = 1;
	d->cfg.interface = d->itf;
	d->itf[0].altsetting = d->alt;
	d->itf[0].num_altsetting = 1;
	d->alt[0].bInterfaceNumber = 0;
	d->alt[0].bInterfaceClass = iclass;
	d->alt[0].bInterfaceSubClass = iclass == 0xe0 ? 1 : 0;
	d->alt[0].bInterfaceProtocol = iclass == 0xe0 ? 1 : 0;
	d->alt[0].bNumEndpoints = (uint8_t)neps;
	d->alt[0].endpoint = d->ep;
	d->ep[0] = (struct libusb_endpoint_descriptor){ .bEndpointAddress = 0x81, .bmAttributes = 3 };
	d->ep[1] = (struct libusb_endpoint_descriptor){ .bEndpointAddress = 0x82, .bmAttributes = 2 };
	d->ep[2] = (struct libusb_endpoint_descriptor){ .bEndpointAddress = 0x02, .bmAttributes = 2 };
}

static int f_init(libusb_context **c)
{
	*c = (libusb_context *)&F;
	return F.fail_init ? LIBUSB_ERROR_OTHER : 0;
}
static void f_exit(libusb_context *c) { (void)c; F.exited++; }
static ssize_t f_list(libusb_context *c, libusb_device ***list)
{
	(void)c;
	if (F.fail_list)
		return LIBUSB_ERROR_NO_MEM;
	libusb_device **l = calloc((size_t)F.ndev + 1, sizeof(*l));
	for (int i = 0; i < F.ndev; i++)
		l[i] = (libusb_device *)&F.dev[i];
	*list = l;
	return F.ndev;
}
static void f_free_list(libusb_device **l, int unref) { (void)unref; free(l); }
static int f_desc(libusb_device *d, struct libusb_device_descriptor *out)
{
	*out = ((struct fdev *)d)->desc;
	return 0;
}
static int f_cfg(libusb_device *d, uint8_t idx, struct libusb_config_descriptor **out)
{
	(void)idx;
	*out = &((struct fdev *)d)->cfg;
	return 0;
}
static void f_free_cfg(struct libusb_config_descriptor *c) { (void)c; }
static uint8_t f_bus(libusb_device *d) { return ((struct fdev *)d)->bus; }
static int f_ports(libusb_device *d, uint8_t *p, int len)
{
	struct fdev *fd = (struct fdev *)d;
	if (fd->nports > len)
		return LIBUSB_ERROR_OVERFLOW;
	memcpy(p, fd->ports, (size_t)fd->nports);
	return fd->nports;
}
static int f_open(libusb_device *d, libusb_device_handle **h)
{
	(void)d;
	if (F.fail_open)
		return LIBUSB_ERROR_ACCESS;
	F.opened++;
	*h = (libusb_device_handle *)&F;
	return 0;
}
static void f_close(libusb_device_handle *h) { (void)h; F.closed++; }
static int f_kda(libusb_device_handle *h, int i) { (void)h; (void)i; return F.driver_active; }
static int f_detach(libusb_device_handle *h, int i)
{
	(void)h;
	(void)i;
	if (F.fail_detach)
		return LIBUSB_ERROR_ACCESS;
	F.detached++;
	return 0;
}
static int f_claim(libusb_device_handle *h, int i)
{
	(void)h;
	(void)i;
	if (F.fail_claim)
		return LIBUSB_ERROR_BUSY;
	F.claimed++;
	return 0;
}
static int f_release(libusb_device_handle *h, int i) { (void)h; (void)i; F.released++; return 0; }

static int f_events(libusb_context *c, struct timeval *tv, int *completed);

static int f_ctl(libusb_device_handle *h, uint8_t type, uint8_t req, uint16_t val, uint16_t idx,
		 unsigned char *data, uint16_t len, unsigned timeout)
{
	(void)h;
	(void)val;
	(void)timeout;
	assert_false(in_callback);
	if (F.ctl_runs_events) {
		for (int i = 0; i < F.nlate; i++)
			F.q[F.nq++] = F.late[i];
		F.nlate = 0;
		in_send = 1;
		f_events(NULL, NULL, NULL);
		in_send = 0;
	}
	if (F.unplugged)
		return LIBUSB_ERROR_NO_DEVICE;
	F.ctl_type = type;
	F.ctl_req = req;
	F.ctl_idx = idx;
	memcpy(F.out, data, len);
	F.outlen = len;
	F.out_ep = 0;
	return len;
}
static int f_bulk(libusb_device_handle *h, unsigned char ep, unsigned char *data, int len,
		  int *done, unsigned timeout)
{
	(void)h;
	(void)timeout;
	assert_false(in_callback);
	if (F.unplugged)
		return LIBUSB_ERROR_NO_DEVICE;
	memcpy(F.out, data, (size_t)len);
	F.outlen = len;
	F.out_ep = ep;
	*done = len;
	return 0;
}
static struct libusb_transfer *f_alloc(int iso)
{
	(void)iso;
	F.allocs++;
	return calloc(1, sizeof(struct libusb_transfer));
}
static void f_free(struct libusb_transfer *t) { F.frees++; free(t); }
static int f_submit(struct libusb_transfer *t)
{
	if (F.fail_submit || F.unplugged)
		return LIBUSB_ERROR_NO_DEVICE;
	assert_true(F.nsub < 8);
	F.sub[F.nsub++] = t;
	return 0;
}
static int f_cancel(struct libusb_transfer *t)
{
	for (int i = 0; i < F.nsub; i++)
		if (F.sub[i] == t) {
			t->status = LIBUSB_TRANSFER_CANCELLED;
			t->flags |= 0x80; /* marks "cancel pending" in the fake */
			return 0;
		}
	return LIBUSB_ERROR_NOT_FOUND;
}
static struct libusb_transfer *take_sub(uint8_t ep)
{
	for (int i = 0; i < F.nsub; i++)
		if (F.sub[i]->endpoint == ep) {
			struct libusb_transfer *t = F.sub[i];
			F.sub[i] = F.sub[--F.nsub];
			return t;
		}
	return NULL;
}
static int f_events(libusb_context *c, struct timeval *tv, int *completed)
{
	(void)c;
	(void)tv;
	(void)completed;
	for (int i = 0; i < F.nsub; i++)
		if (F.sub[i]->flags & 0x80) {
			struct libusb_transfer *t = F.sub[i];
			F.sub[i--] = F.sub[--F.nsub];
			in_callback = 1;
			t->callback(t);
			in_callback = 0;
		}
	while (F.nq) {
		struct libusb_transfer *t = take_sub(F.q[0].ep);
		if (!t)
			break;
		struct comp cp = F.q[0];
		memmove(F.q, F.q + 1, sizeof(F.q[0]) * (size_t)--F.nq);
		memcpy(t->buffer, cp.data, (size_t)cp.len);
		t->actual_length = cp.len;
		t->status = cp.status;
		in_callback = 1;
		t->callback(t);
		in_callback = 0;
	}
	return 0;
}
static const struct libusb_pollfd **f_pollfds(libusb_context *c)
{
	(void)c;
	static const struct libusb_pollfd pf = { 99, POLLIN };
	const struct libusb_pollfd **l = calloc(2, sizeof(*l));
	l[0] = &pf;
	return l;
}
static void f_free_pollfds(const struct libusb_pollfd **l) { free((void *)l); }
static int f_timeout(libusb_context *c, struct timeval *tv)
{
	(void)c;
	tv->tv_sec = 1;
	tv->tv_usec = 500000;
	return 1;
}
static const char *f_errname(int code) { (void)code; return "FAKE_ERROR"; }

static const struct bh_usb_ops fake_ops = {
	f_init, f_exit, f_list, f_free_list, f_desc, f_cfg, f_free_cfg, f_bus, f_ports,
	f_open, f_close, f_kda, f_detach, f_claim, f_release, f_ctl, f_bulk, f_alloc,
	f_free, f_submit, f_cancel, f_events, f_pollfds, f_free_pollfds, f_timeout, f_errname,
};

static void queue(uint8_t ep, const uint8_t *data, int len, enum libusb_transfer_status st)
{
	assert_true(F.nq < 32);
	struct comp *c = &F.q[F.nq++];
	c->ep = ep;
	memcpy(c->data, data, (size_t)len);
	c->len = len;
	c->status = st;
}

/* ---- the stack side --------------------------------------------------- */

struct sink {
	int n;
	uint8_t type[32];
	uint16_t handle[32]; /* ACL handle or event code */
	int lost;
	bh_status why;
	struct bh_transport *answer; /* if set: send a command per event */
};

static void on_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct sink *s = ctx;
	assert_true(s->n < 32);
	assert_true(bh_h4_packet_valid(type, pkt, len));
	if (in_send)
		F.in_send_rx++;
	s->type[s->n] = type;
	s->handle[s->n] = type == 0x02 ? (uint16_t)((pkt[0] | pkt[1] << 8) & 0xfff) : pkt[0];
	s->n++;
	if (s->answer && type == 0x04) {
		static const uint8_t rd_addr[] = { 0x09, 0x10, 0x00 };
		assert_int_equal(bh_transport_send(s->answer, 0x01, rd_addr, 3), BH_OK);
	}
}

static void on_lost(void *ctx, bh_status why)
{
	struct sink *s = ctx;
	s->lost++;
	s->why = why;
}

static bh_time_ms clock_ms = 5000;
static bh_time_ms get_clock(void *ctx) { (void)ctx; return clock_ms; }
static struct bh_env env = { .now = get_clock };

static struct bh_transport *open_ok(const char *arg, struct sink *s)
{
	struct bh_transport *t = NULL;
	char err[512];
	int rc = bh_transport_open_usb_ops(&fake_ops, arg, &t, err, sizeof(err));
	if (rc)
		fail_msg("open failed: %s", err);
	memset(s, 0, sizeof(*s));
	struct bh_transport_port p = { .rx = on_rx, .lost = on_lost, .ctx = s, .env = &env };
	bh_transport_set_port(t, &p);
	return t;
}

static const uint8_t hub_ports[] = { 0 };
static const uint8_t bt_ports[] = { 2, 1 };

static void std_devices(void)
{
	fake_reset();
	add_dev(0x1d6b, 0x0002, 0x09, 0x09, 1, hub_ports, 0, 1);
	add_dev(0x0a12, 0x0001, 0xe0, 0xe0, 1, bt_ports, 2, 3);
}

static void test_autodetect_and_routing(void **state)
{
	(void)state;
	std_devices();
	F.driver_active = 1;
	struct sink s;
	struct bh_transport *t = open_ok("", &s);
	assert_string_equal(bh_transport_name(t), "usb:1-2.1 (0a12:0001)");
	assert_int_equal(F.detached, 1);
	assert_int_equal(F.claimed, 1);
	assert_int_equal(F.nsub, 3); /* interrupt IN + 2 bulk IN */
	struct pollfd fds[4];
	assert_int_equal(bh_transport_pollfds(t, fds, 4), 1);
	assert_int_equal(fds[0].fd, 99);
	assert_int_equal(bh_transport_next_deadline(t), 5000 + 1500);

	const uint8_t reset[] = { 0x03, 0x0c, 0x00 };
	assert_int_equal(bh_transport_send(t, 0x01, reset, 3), BH_OK);
	assert_int_equal(F.ctl_type, 0x20); /* class request, host to device */
	assert_int_equal(F.ctl_req, 0);
	assert_int_equal(F.ctl_idx, 0);
	assert_int_equal(F.outlen, 3);
	assert_memory_equal(F.out, reset, 3);
	const uint8_t acl[] = { 0x40, 0x00, 0x01, 0x00, 0xaa };
	assert_int_equal(bh_transport_send(t, 0x02, acl, 5), BH_OK);
	assert_int_equal(F.out_ep, 0x02);
	assert_int_equal(F.outlen, 5);
	const uint8_t sco[] = { 0x40, 0x00, 0x00 };
	assert_int_equal(bh_transport_send(t, 0x03, sco, 3), BH_ENOTSUP);

	/* an event split over two interrupt transfers comes out whole, once */
	const uint8_t cc[] = { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
	queue(0x81, cc, 3, LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, fds, 1);
	assert_int_equal(s.n, 0);
	queue(0x81, cc + 3, 3, LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, fds, 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.type[0], 0x04);
	assert_int_equal(F.nsub, 3); /* resubmitted */
	/* a timed-out IN transfer is simply resubmitted */
	queue(0x81, cc, 0, LIBUSB_TRANSFER_TIMED_OUT);
	bh_transport_process(t, fds, 1);
	assert_int_equal(s.lost, 0);
	assert_int_equal(F.nsub, 3);

	bh_transport_close(t);
	assert_int_equal(F.released, 1);
	assert_int_equal(F.closed, 1);
	assert_int_equal(F.exited, 1);
	assert_int_equal(F.allocs, F.frees);
}

static const uint8_t le_cc_40[] = { 0x3e, 0x13, 0x01, 0x00, 0x40, 0x00, 0x00, 0x00, 1, 2, 3,
				    4,    5,    6,    0x18, 0,    0,    0,    0x48, 0, 0 };
static const uint8_t acl_40[] = { 0x40, 0x20, 0x05, 0x00, 0x01, 0x00, 0x04, 0x00, 0x0a };

static void test_acl_held_until_connection_complete(void **state)
{
	(void)state;
	std_devices();
	struct sink s;
	struct bh_transport *t = open_ok("", &s);
	/* ACL for 0x0040 completes before the LE Connection Complete */
	queue(0x82, acl_40, sizeof(acl_40), LIBUSB_TRANSFER_COMPLETED);
	queue(0x81, le_cc_40, sizeof(le_cc_40), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.type[0], 0x04);
	assert_int_equal(s.type[1], 0x02);
	assert_int_equal(s.handle[1], 0x40);
	/* now known: delivered at once */
	queue(0x82, acl_40, sizeof(acl_40), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.type[2], 0x02);
	/* a failed connection complete (status != 0) releases nothing */
	uint8_t failed[sizeof(le_cc_40)];
	memcpy(failed, le_cc_40, sizeof(failed));
	failed[3] = 0x3e;
	failed[4] = 0x41;
	uint8_t acl_41[sizeof(acl_40)];
	memcpy(acl_41, acl_40, sizeof(acl_41));
	acl_41[0] = 0x41;
	queue(0x82, acl_41, sizeof(acl_41), LIBUSB_TRANSFER_COMPLETED);
	queue(0x81, failed, sizeof(failed), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.type[3], 0x04);
	/* Enhanced Connection Complete (0x0a) for 0x41 releases the held one */
	uint8_t enh[33] = { 0x3e, 31, 0x0a, 0x00, 0x41, 0x00 };
	queue(0x81, enh, sizeof(enh), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.type[5], 0x02);
	assert_int_equal(s.handle[5], 0x41);
	/* after Disconnection Complete, ACL for 0x40 is held again */
	const uint8_t disc[] = { 0x05, 0x04, 0x00, 0x40, 0x00, 0x13 };
	queue(0x81, disc, sizeof(disc), LIBUSB_TRANSFER_COMPLETED);
	queue(0x82, acl_40, sizeof(acl_40), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 7);
	assert_int_equal(s.type[6], 0x04);
	bh_transport_close(t);
}

static void test_hold_is_bounded(void **state)
{
	(void)state;
	std_devices();
	struct sink s;
	struct bh_transport *t = open_ok("", &s);
	for (int i = 0; i < BH_USB_HOLD_MAX + 3; i++) {
		uint8_t a[sizeof(acl_40)];
		memcpy(a, acl_40, sizeof(a));
		a[8] = (uint8_t)i;
		queue(0x82, a, sizeof(a), LIBUSB_TRANSFER_COMPLETED);
		bh_transport_process(t, NULL, 0);
	}
	assert_int_equal(s.n, 0);
	assert_int_equal(bh_usb_hold_dropped(t), 3);
	queue(0x81, le_cc_40, sizeof(le_cc_40), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 1 + BH_USB_HOLD_MAX);
	bh_transport_close(t);
}

static void test_unplug(void **state)
{
	(void)state;
	std_devices();
	struct sink s;
	struct bh_transport *t = open_ok("", &s);
	queue(0x82, acl_40, 0, LIBUSB_TRANSFER_NO_DEVICE);
	F.unplugged = 1;
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.lost, 1);
	assert_int_equal(s.why, BH_ETRANSPORT);
	const uint8_t reset[] = { 0x03, 0x0c, 0x00 };
	assert_int_equal(bh_transport_send(t, 0x01, reset, 3), BH_ETRANSPORT);
	struct pollfd fds[2];
	assert_int_equal(bh_transport_pollfds(t, fds, 2), 0);
	assert_int_equal(bh_transport_next_deadline(t), BH_NEVER);
	bh_transport_close(t);
	assert_int_equal(s.lost, 1);

	/* unplug noticed by a command */
	std_devices();
	t = open_ok("", &s);
	F.unplugged = 1;
	assert_int_equal(bh_transport_send(t, 0x01, reset, 3), BH_ETRANSPORT);
	assert_int_equal(s.lost, 1);
	bh_transport_close(t);
}

static void test_no_rx_inside_send(void **state)
{
	(void)state;
	std_devices();
	struct sink s;
	struct bh_transport *t = open_ok("", &s);
	F.ctl_runs_events = 1;
	const uint8_t cc[] = { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
	queue(0x81, cc, sizeof(cc), LIBUSB_TRANSFER_COMPLETED);
	const uint8_t reset[] = { 0x03, 0x0c, 0x00 };
	assert_int_equal(bh_transport_send(t, 0x01, reset, 3), BH_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(F.in_send_rx, 0);
	assert_int_equal(bh_transport_next_deadline(t), 0); /* come back at once */
	F.ctl_runs_events = 0;
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(F.nsub, 3);
	/* the stack answers an event synchronously from rx: the send runs
	 * outside libusb's callback, and data finishing meanwhile is parked */
	queue(0x81, le_cc_40, sizeof(le_cc_40), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 2);
	s.answer = t;
	F.ctl_runs_events = 1;
	queue(0x81, cc, sizeof(cc), LIBUSB_TRANSFER_COMPLETED);
	F.late[0] = (struct comp){ .ep = 0x82, .len = sizeof(acl_40),
				   .status = LIBUSB_TRANSFER_COMPLETED };
	memcpy(F.late[0].data, acl_40, sizeof(acl_40));
	F.nlate = 1;
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(F.nlate, 0); /* the ACL did finish inside the send */
	assert_int_equal(F.outlen, 3);
	assert_int_equal(F.out[0], 0x09);
	assert_int_equal(bh_transport_next_deadline(t), 0);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.type[3], 0x02);
	assert_int_equal(F.in_send_rx, 0);
	bh_transport_close(t);
}

static void test_selection(void **state)
{
	(void)state;
	/* a composite device (class 0xEF) with a Bluetooth interface 0 */
	fake_reset();
	add_dev(0x1d6b, 0x0002, 0x09, 0x09, 1, hub_ports, 0, 1);
	add_dev(0x8087, 0x0a2b, 0xef, 0xe0, 3, bt_ports, 2, 3);
	add_dev(0x0bda, 0x8771, 0xe0, 0xe0, 1, (const uint8_t[]){ 4 }, 1, 3);
	struct sink s;
	struct bh_transport *t = open_ok("", &s); /* first Bluetooth one */
	assert_string_equal(bh_transport_name(t), "usb:3-2.1 (8087:0a2b)");
	bh_transport_close(t);
	t = open_ok("0bda:8771", &s);
	assert_string_equal(bh_transport_name(t), "usb:1-4 (0bda:8771)");
	bh_transport_close(t);
	t = open_ok("3-2.1", &s);
	assert_string_equal(bh_transport_name(t), "usb:3-2.1 (8087:0a2b)");
	bh_transport_close(t);

	char err[512];
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "1234:5678", &t, err, sizeof(err)),
			 BH_ENOTFOUND);
	assert_non_null(strstr(err, "8087:0a2b at 3-2.1"));
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "9-9", &t, err, sizeof(err)),
			 BH_ENOTFOUND);
	/* the hub picked by VID:PID has no Bluetooth endpoints */
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "1d6b:0002", &t, err, sizeof(err)),
			 BH_ENOTSUP);
	assert_non_null(strstr(err, "no Bluetooth interface"));
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "xyz", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "1-", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "12345:1", &t, err, sizeof(err)),
			 BH_EINVAL);
}

static void test_open_failures(void **state)
{
	(void)state;
	struct bh_transport *t = NULL;
	char err[512];
	fake_reset();
	add_dev(0x1d6b, 0x0002, 0x09, 0x09, 1, hub_ports, 0, 1);
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "", &t, err, sizeof(err)), BH_ENOTFOUND);
	assert_non_null(strstr(err, "no USB Bluetooth controller found; attached: 1d6b:0002 at 1-0"));
	assert_int_equal(F.exited, 1);

	std_devices();
	F.fail_init = 1;
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "", &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "init"));
	std_devices();
	F.fail_list = 1;
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "", &t, err, sizeof(err)), BH_EIO);
	std_devices();
	F.fail_open = 1;
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "", &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "permission"));
	std_devices();
	F.driver_active = 1;
	F.fail_detach = 1;
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "", &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "kernel driver"));
	assert_int_equal(F.closed, 1);
	std_devices();
	F.fail_claim = 1;
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "", &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "claim"));
	assert_int_equal(F.released, 0);
	std_devices();
	F.fail_submit = 1;
	assert_int_equal(bh_transport_open_usb_ops(&fake_ops, "", &t, err, sizeof(err)), BH_EIO);
	assert_int_equal(F.released, 1);
	assert_int_equal(F.allocs, F.frees);
	assert_null(t);
}

static void test_garbage_on_endpoints(void **state)
{
	(void)state;
	std_devices();
	struct sink s;
	struct bh_transport *t = open_ok("", &s);
	/* ACL header claiming 0x7fff bytes: dropped, the stream recovers */
	const uint8_t bad[] = { 0x40, 0x20, 0xff, 0x7f, 1, 2 };
	queue(0x82, bad, sizeof(bad), LIBUSB_TRANSFER_COMPLETED);
	queue(0x81, le_cc_40, sizeof(le_cc_40), LIBUSB_TRANSFER_COMPLETED);
	queue(0x82, acl_40, sizeof(acl_40), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.type[1], 0x02);
	/* a too-short conn complete event is delivered but tracks nothing */
	const uint8_t short_cc[] = { 0x3e, 0x02, 0x01, 0x00 };
	queue(0x81, short_cc, sizeof(short_cc), LIBUSB_TRANSFER_COMPLETED);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.lost, 0);
	bh_transport_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_autodetect_and_routing),
		cmocka_unit_test(test_acl_held_until_connection_complete),
		cmocka_unit_test(test_hold_is_bounded),
		cmocka_unit_test(test_unplug),
		cmocka_unit_test(test_no_rx_inside_send),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_open_failures),
		cmocka_unit_test(test_garbage_on_endpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
