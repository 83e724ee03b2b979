/* USB transport (Core Spec Vol 4, Part B): commands by class control
 * transfer on endpoint 0, events by interrupt IN, ACL by bulk IN/OUT.
 *
 * Events and ACL arrive on different endpoints, so their order is lost: an
 * ACL packet can overtake the LE Connection Complete event of its own
 * connection. The transport therefore tracks which handles it has seen in a
 * (LE / LE Enhanced) Connection Complete event and holds ACL for unseen
 * handles (bounded, BH_USB_HOLD_MAX) until that event has been delivered.
 *
 * libusb forbids synchronous calls from a transfer callback (it runs in the
 * event-handling context), and the stack answers from port.rx with
 * synchronous sends. So the callback only parks the finished transfer;
 * process() hands parked data to the framers (and port.rx) after event
 * handling returned, then resubmits. Transfers that finish during a
 * synchronous send are parked the same way, so port.rx is never called from
 * inside bh_transport_send; next_deadline returns 0 while any are parked.
 *
 * All libusb calls go through struct bh_usb_ops (usb_seam.h).
 */
#include "transport_internal.h"
#include "usb_seam.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BH_HAVE_LIBUSB

int bh_transport_open_usb(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	(void)out;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "usb%s%s: this blehost was built without libusb-1.0; install "
				 "libusb-1.0-0-dev and rebuild, or use serial:, unix:, tcp: or hciN",
				 *arg ? ":" : "", arg);
}

unsigned long bh_usb_hold_dropped(const struct bh_transport *t)
{
	(void)t;
	return 0;
}

#else

#include <sys/time.h>

#define CMD_TIMEOUT_MS 1000
#define ACL_TIMEOUT_MS 1000
#define EVT_BUF 264
#define ACL_BUF 1028
#define N_ACL_IN 2

struct held {
	uint16_t handle;
	size_t len;
	uint8_t pkt[BH_H4_MAX_PKT];
};

struct usbt {
	const struct bh_usb_ops *ops;
	struct bh_transport *t;
	libusb_context *ctx;
	libusb_device_handle *h;
	int iface;
	bool claimed;
	uint8_t ep_evt, ep_in, ep_out;
	struct libusb_transfer *evt_tr;
	struct libusb_transfer *acl_tr[N_ACL_IN];
	uint8_t evt_buf[EVT_BUF];
	uint8_t acl_buf[N_ACL_IN][ACL_BUF];
	int in_flight;   /* submitted transfers not yet completed */
	bool closing;
	struct libusb_transfer *parked[1 + N_ACL_IN];
	int nparked;
	struct bh_h4 evt_framer, acl_framer;
	uint16_t handles[BH_USB_MAX_HANDLES];
	int nhandles;
	struct held *hold; /* BH_USB_HOLD_MAX slots, FIFO from hold_head */
	int hold_head, hold_n;
	unsigned long hold_dropped;
};

/* ---- connection tracking and the ACL hold ----------------------------- */

static bool handle_known(struct usbt *u, uint16_t h)
{
	for (int i = 0; i < u->nhandles; i++)
		if (u->handles[i] == h)
			return true;
	return false;
}

static void handle_add(struct usbt *u, uint16_t h)
{
	if (!handle_known(u, h) && u->nhandles < BH_USB_MAX_HANDLES)
		u->handles[u->nhandles++] = h;
}

static void handle_del(struct usbt *u, uint16_t h)
{
	for (int i = 0; i < u->nhandles; i++)
		if (u->handles[i] == h) {
			u->handles[i] = u->handles[--u->nhandles];
			return;
		}
}

/* The handle a successful connection-complete event announces, or -1.
 * Connection Complete (0x03, Vol 4, Part E, 7.7.3): status, handle.
 * LE Connection Complete (0x3e/0x01, 7.7.65.1), LE Enhanced Connection
 * Complete v1/v2 (0x0a, 7.7.65.10; 0x29): subevent, status, handle. */
static int conn_complete_handle(const uint8_t *pkt, size_t len)
{
	struct bh_rd r = bh_rd_init(pkt, len);
	uint8_t code = bh_rd_u8(&r);
	bh_rd_u8(&r);
	if (code == 0x3e) {
		uint8_t sub = bh_rd_u8(&r);
		if (sub != 0x01 && sub != 0x0a && sub != 0x29)
			return -1;
	} else if (code != 0x03) {
		return -1;
	}
	uint8_t status = bh_rd_u8(&r);
	uint16_t h = bh_rd_u16(&r) & 0x0fff;
	return bh_rd_ok(&r) && status == 0 ? h : -1;
}

static void deliver_held(struct usbt *u, uint16_t h)
{
	/* Deliver matching packets in arrival order and compact the rest. */
	int n = u->hold_n, kept = 0;
	for (int i = 0; i < n; i++) {
		struct held *p = &u->hold[(u->hold_head + i) % BH_USB_HOLD_MAX];
		if (p->handle == h) {
			bh_transport_deliver(u->t, 0x02, p->pkt, p->len);
		} else {
			struct held *dst = &u->hold[(u->hold_head + kept) % BH_USB_HOLD_MAX];
			if (dst != p)
				*dst = *p;
			kept++;
		}
	}
	u->hold_n = kept;
}

static void on_evt(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct usbt *u = ctx;
	int h = conn_complete_handle(pkt, len);
	if (h >= 0)
		handle_add(u, (uint16_t)h);
	bh_transport_deliver(u->t, type, pkt, len);
	if (h >= 0)
		deliver_held(u, (uint16_t)h);
	/* Disconnection Complete (7.7.5): status, handle, reason. Forget the
	 * handle only after delivering, so a late ACL is held, not misrouted. */
	struct bh_rd r = bh_rd_init(pkt, len);
	if (bh_rd_u8(&r) == 0x05) {
		bh_rd_u8(&r);
		uint8_t st = bh_rd_u8(&r);
		uint16_t dh = bh_rd_u16(&r) & 0x0fff;
		if (bh_rd_ok(&r) && st == 0)
			handle_del(u, dh);
	}
}

static void on_acl(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct usbt *u = ctx;
	uint16_t h = bh_get16(pkt) & 0x0fff; /* framer guarantees the header */
	if (handle_known(u, h) || u->nhandles >= BH_USB_MAX_HANDLES) {
		bh_transport_deliver(u->t, type, pkt, len);
		return;
	}
	if (u->hold_n == BH_USB_HOLD_MAX) {
		/* bound reached: the oldest held packet goes */
		u->hold_head = (u->hold_head + 1) % BH_USB_HOLD_MAX;
		u->hold_n--;
		u->hold_dropped++;
		if (u->t->port.env)
			BH_LOGF(u->t->port.env, BH_LOG_INFO, "transport",
				"%s: dropped ACL held for unknown handle", u->t->name);
	}
	struct held *p = &u->hold[(u->hold_head + u->hold_n) % BH_USB_HOLD_MAX];
	p->handle = h;
	p->len = len;
	memcpy(p->pkt, pkt, len);
	u->hold_n++;
}

unsigned long bh_usb_hold_dropped(const struct bh_transport *t)
{
	const struct usbt *u = t->impl;
	return u->hold_dropped;
}

/* ---- transfers -------------------------------------------------------- */

static void complete(struct usbt *u, struct libusb_transfer *tr)
{
	if (tr->status == LIBUSB_TRANSFER_COMPLETED) {
		size_t n = tr->actual_length > 0 ? (size_t)tr->actual_length : 0;
		if (n > (size_t)tr->length)
			n = (size_t)tr->length;
		if (tr == u->evt_tr)
			bh_h4_feed(&u->evt_framer, tr->buffer, n, on_evt, u);
		else
			bh_h4_feed(&u->acl_framer, tr->buffer, n, on_acl, u);
	} else if (tr->status != LIBUSB_TRANSFER_TIMED_OUT) {
		/* NO_DEVICE (unplug), ERROR, STALL, OVERFLOW: the link is gone */
		bh_transport_die(u->t, BH_ETRANSPORT);
		return;
	}
	if (u->t->dead || u->closing)
		return;
	if (u->ops->submit_transfer(tr) == 0)
		u->in_flight++;
	else
		bh_transport_die(u->t, BH_ETRANSPORT);
}

static void LIBUSB_CALL on_transfer(struct libusb_transfer *tr)
{
	struct usbt *u = tr->user_data;
	u->in_flight--;
	if (u->closing || u->t->dead)
		return;
	/* each transfer is parked at most once before it is resubmitted */
	if (u->nparked < 1 + N_ACL_IN)
		u->parked[u->nparked++] = tr;
}

static void run_parked(struct usbt *u)
{
	/* Snapshot: rx may send, and a send may park more transfers; those
	 * wait for the next process() (next_deadline says 0). */
	struct libusb_transfer *todo[1 + N_ACL_IN];
	int n = u->nparked;
	memcpy(todo, u->parked, sizeof(todo[0]) * (size_t)n);
	u->nparked = 0;
	for (int i = 0; i < n && !u->t->dead; i++)
		complete(u, todo[i]);
}

static int usb_map_err(struct usbt *u, int rc)
{
	if (rc == LIBUSB_ERROR_NO_DEVICE || rc == LIBUSB_ERROR_IO || rc == LIBUSB_ERROR_PIPE) {
		bh_transport_die(u->t, BH_ETRANSPORT);
		return BH_ETRANSPORT;
	}
	return rc == LIBUSB_ERROR_TIMEOUT ? BH_ETIMEDOUT : BH_EIO;
}

static int usb_send(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct usbt *u = t->impl;
	uint8_t buf[BH_H4_MAX_PKT];
	memcpy(buf, pkt, len); /* libusb takes non-const buffers */
	int rc;
	if (type == 0x01) {
		/* Vol 4, Part B, 2.2: HCI commands go to endpoint 0 as a class
		 * request with bmRequestType 0x20 and bRequest 0 (what Linux btusb
		 * sends too; controllers are not required to accept 0x21). */
		rc = u->ops->control_transfer(u->h, LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_ENDPOINT_OUT,
					      0, 0, (uint16_t)u->iface, buf, (uint16_t)len,
					      CMD_TIMEOUT_MS);
		if (rc >= 0 && (size_t)rc != len)
			rc = LIBUSB_ERROR_IO;
	} else if (type == 0x02) {
		int done = 0;
		rc = u->ops->bulk_transfer(u->h, u->ep_out, buf, (int)len, &done, ACL_TIMEOUT_MS);
		if (rc == 0 && (size_t)done != len)
			rc = LIBUSB_ERROR_IO;
	} else {
		return BH_ENOTSUP; /* SCO/ISO need isochronous endpoints */
	}
	return rc < 0 ? usb_map_err(u, rc) : BH_OK;
}

static int usb_pollfds(struct bh_transport *t, struct pollfd *fds, int max)
{
	struct usbt *u = t->impl;
	const struct libusb_pollfd **pf = u->ops->get_pollfds(u->ctx);
	int n = 0;
	for (int i = 0; pf && pf[i] && n < max; i++, n++) {
		fds[n].fd = pf[i]->fd;
		fds[n].events = pf[i]->events;
		fds[n].revents = 0;
	}
	if (pf)
		u->ops->free_pollfds(pf);
	return n;
}

static void usb_process(struct bh_transport *t, const struct pollfd *fds, int n)
{
	struct usbt *u = t->impl;
	(void)fds;
	(void)n;
	run_parked(u);
	if (t->dead)
		return;
	struct timeval tv = { 0, 0 };
	int rc = u->ops->handle_events_timeout_completed(u->ctx, &tv, NULL);
	if (rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED && rc != LIBUSB_ERROR_TIMEOUT) {
		bh_transport_die(t, BH_ETRANSPORT);
		return;
	}
	run_parked(u);
}

static bh_time_ms usb_next_deadline(struct bh_transport *t)
{
	struct usbt *u = t->impl;
	if (u->nparked)
		return 0;
	struct timeval tv;
	if (!t->port.env || u->ops->get_next_timeout(u->ctx, &tv) != 1)
		return BH_NEVER;
	return bh_now(t->port.env) + (bh_time_ms)tv.tv_sec * 1000 + (bh_time_ms)tv.tv_usec / 1000;
}

static void usb_free(struct usbt *u)
{
	if (u->h) {
		u->closing = true;
		struct libusb_transfer *trs[1 + N_ACL_IN] = { u->evt_tr, u->acl_tr[0], u->acl_tr[1] };
		for (int i = 0; i < 1 + N_ACL_IN; i++)
			if (trs[i])
				u->ops->cancel_transfer(trs[i]);
		/* Cancelled transfers still complete through the event loop; they
		 * must not be freed before. Bounded in case the device is gone. */
		for (int i = 0; i < 50 && u->in_flight > 0; i++) {
			struct timeval tv = { 0, 20000 };
			u->ops->handle_events_timeout_completed(u->ctx, &tv, NULL);
		}
		for (int i = 0; i < 1 + N_ACL_IN; i++)
			if (trs[i] && u->in_flight <= 0)
				u->ops->free_transfer(trs[i]);
		if (u->claimed)
			u->ops->release_interface(u->h, u->iface);
		u->ops->close(u->h);
	}
	if (u->ctx)
		u->ops->exit(u->ctx);
	free(u->hold);
	free(u);
}

static void usb_close(struct bh_transport *t)
{
	usb_free(t->impl);
	t->impl = NULL;
}

static const struct bh_transport_ops usb_ops = {
	.send = usb_send,
	.pollfds = usb_pollfds,
	.process = usb_process,
	.next_deadline = usb_next_deadline,
	.close = usb_close,
};

/* ---- device selection ------------------------------------------------- */

struct want {
	int kind; /* 0 any Bluetooth, 1 vid:pid, 2 bus-path */
	uint16_t vid, pid;
	uint8_t bus;
	uint8_t ports[8];
	int nports;
};

static int parse_arg(const char *arg, struct want *w)
{
	memset(w, 0, sizeof(*w));
	if (!*arg)
		return 0;
	char *end;
	if (strchr(arg, '-')) {
		unsigned long b = strtoul(arg, &end, 10);
		if (end == arg || *end != '-' || b > 255)
			return -1;
		w->kind = 2;
		w->bus = (uint8_t)b;
		const char *p = end + 1;
		for (;;) {
			unsigned long v = strtoul(p, &end, 10);
			if (end == p || v > 255 || w->nports == 8)
				return -1;
			w->ports[w->nports++] = (uint8_t)v;
			if (!*end)
				return 0;
			if (*end != '.')
				return -1;
			p = end + 1;
		}
	}
	unsigned long v = strtoul(arg, &end, 16);
	if (end == arg || *end != ':' || v > 0xffff)
		return -1;
	const char *p = end + 1;
	unsigned long d = strtoul(p, &end, 16);
	if (end == p || *end || d > 0xffff)
		return -1;
	w->kind = 1;
	w->vid = (uint16_t)v;
	w->pid = (uint16_t)d;
	return 0;
}

void bh_usb_dev_path(const struct bh_usb_ops *ops, libusb_device *d, char *out, size_t len)
{
	uint8_t ports[8];
	int n = ops->get_port_numbers(d, ports, 8);
	int o = snprintf(out, len, "%u-", ops->get_bus_number(d));
	if (n <= 0)
		snprintf(out + o, len - (size_t)o, "0");
	for (int i = 0; i < n && (size_t)o < len; i++)
		o += snprintf(out + o, len - (size_t)o, i ? ".%u" : "%u", ports[i]);
}

/* Finds the Bluetooth interface (E0/01/01, Vol 4, Part B, 2.1) or, when
 * want_any_iface, interface 0; and its interrupt IN, bulk IN and bulk OUT
 * endpoints. Returns 1 if found. */
static int find_endpoints(const struct bh_usb_ops *ops, libusb_device *d, bool dev_is_bt,
			  bool want_any_iface, struct usbt *u)
{
	struct libusb_config_descriptor *cfg = NULL;
	if (ops->get_config_descriptor(d, 0, &cfg) != 0 || !cfg)
		return 0;
	int found = 0;
	for (int i = 0; i < cfg->bNumInterfaces && !found; i++) {
		const struct libusb_interface *itf = &cfg->interface[i];
		if (itf->num_altsetting < 1)
			continue;
		const struct libusb_interface_descriptor *a = &itf->altsetting[0];
		bool bt = a->bInterfaceClass == 0xe0 && a->bInterfaceSubClass == 0x01 &&
			  a->bInterfaceProtocol == 0x01;
		if (!bt && !(dev_is_bt && i == 0) && !(want_any_iface && i == 0))
			continue;
		uint8_t ev = 0, in = 0, out = 0;
		for (int e = 0; e < a->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ep = &a->endpoint[e];
			int tt = ep->bmAttributes & 0x03;
			bool is_in = ep->bEndpointAddress & 0x80;
			if (tt == LIBUSB_TRANSFER_TYPE_INTERRUPT && is_in && !ev)
				ev = ep->bEndpointAddress;
			else if (tt == LIBUSB_TRANSFER_TYPE_BULK && is_in && !in)
				in = ep->bEndpointAddress;
			else if (tt == LIBUSB_TRANSFER_TYPE_BULK && !is_in && !out)
				out = ep->bEndpointAddress;
		}
		if (ev && in && out) {
			u->iface = a->bInterfaceNumber;
			u->ep_evt = ev;
			u->ep_in = in;
			u->ep_out = out;
			found = 1;
		}
	}
	ops->free_config_descriptor(cfg);
	return found;
}

static bool path_matches(const struct bh_usb_ops *ops, libusb_device *d, const struct want *w)
{
	uint8_t ports[8];
	int n = ops->get_port_numbers(d, ports, 8);
	return ops->get_bus_number(d) == w->bus && n == w->nports &&
	       !memcmp(ports, w->ports, (size_t)n);
}

static int submit_in(struct usbt *u, struct libusb_transfer **slot, uint8_t ep, uint8_t *buf,
		     int len, bool interrupt)
{
	struct libusb_transfer *tr = u->ops->alloc_transfer(0);
	if (!tr)
		return LIBUSB_ERROR_NO_MEM;
	*slot = tr;
	if (interrupt)
		libusb_fill_interrupt_transfer(tr, u->h, ep, buf, len, on_transfer, u, 0);
	else
		libusb_fill_bulk_transfer(tr, u->h, ep, buf, len, on_transfer, u, 0);
	int rc = u->ops->submit_transfer(tr);
	if (rc == 0)
		u->in_flight++;
	return rc;
}

int bh_transport_open_usb_ops(const struct bh_usb_ops *ops, const char *arg,
			      struct bh_transport **out, char *err, size_t errlen)
{
	struct want w;
	if (parse_arg(arg, &w) < 0)
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "usb:%s: use usb, usb:VID:PID (hex, e.g. usb:0a12:0001) or "
					 "usb:BUS-PORT.PORT (e.g. usb:1-2.1)",
					 arg);
	struct usbt *u = calloc(1, sizeof(*u));
	if (u)
		u->hold = calloc(BH_USB_HOLD_MAX, sizeof(*u->hold));
	if (!u || !u->hold) {
		if (u)
			free(u);
		return bh_transport_errf(BH_ENOMEM, err, errlen, "usb: out of memory");
	}
	u->ops = ops;
	bh_h4_init_fixed(&u->evt_framer, 0x04);
	bh_h4_init_fixed(&u->acl_framer, 0x02);
	int rc = ops->init(&u->ctx);
	if (rc < 0) {
		u->ctx = NULL;
		usb_free(u);
		return bh_transport_errf(BH_EIO, err, errlen, "usb: libusb init failed: %s",
					 ops->error_name(rc));
	}
	libusb_device **list = NULL;
	ssize_t nd = ops->get_device_list(u->ctx, &list);
	if (nd < 0) {
		usb_free(u);
		return bh_transport_errf(BH_EIO, err, errlen, "usb: cannot list devices: %s",
					 ops->error_name((int)nd));
	}
	char attached[512] = "";
	size_t alen = 0;
	libusb_device *chosen = NULL;
	struct libusb_device_descriptor cd = { 0 };
	char cpath[64] = "";
	for (ssize_t i = 0; i < nd && list[i]; i++) {
		struct libusb_device_descriptor dd;
		if (ops->get_device_descriptor(list[i], &dd) != 0)
			continue;
		char path[64];
		bh_usb_dev_path(ops, list[i], path, sizeof(path));
		if (alen < sizeof(attached) - 1)
			alen += (size_t)snprintf(attached + alen, sizeof(attached) - alen, "%s%04x:%04x at %s",
						 alen ? ", " : "", dd.idVendor, dd.idProduct, path);
		if (alen >= sizeof(attached))
			alen = sizeof(attached) - 1;
		if (chosen)
			continue;
		bool dev_bt = dd.bDeviceClass == 0xe0 && dd.bDeviceSubClass == 0x01 &&
			      dd.bDeviceProtocol == 0x01;
		bool picked = (w.kind == 1 && dd.idVendor == w.vid && dd.idProduct == w.pid) ||
			      (w.kind == 2 && path_matches(ops, list[i], &w));
		if (w.kind != 0 && !picked)
			continue;
		if (find_endpoints(ops, list[i], dev_bt, picked, u)) {
			chosen = list[i];
			cd = dd;
			snprintf(cpath, sizeof(cpath), "%s", path);
		} else if (picked) {
			ops->free_device_list(list, 1);
			usb_free(u);
			return bh_transport_errf(BH_ENOTSUP, err, errlen,
						 "usb:%s: device %04x:%04x at %s has no Bluetooth "
						 "interface (interrupt IN + bulk IN/OUT endpoints)",
						 arg, dd.idVendor, dd.idProduct, path);
		}
	}
	if (!chosen) {
		ops->free_device_list(list, 1);
		usb_free(u);
		if (w.kind == 0)
			return bh_transport_errf(BH_ENOTFOUND, err, errlen,
						 "usb: no USB Bluetooth controller found; attached: %s; "
						 "plug one in, pick one with -t usb:VID:PID, or use another "
						 "transport (serial:, unix:, tcp:, hciN)",
						 alen ? attached : "none");
		return bh_transport_errf(BH_ENOTFOUND, err, errlen,
					 "usb:%s: no such device; attached: %s; use -t usb:VID:PID "
					 "or usb:BUS-PORT.PORT from that list",
					 arg, alen ? attached : "none");
	}
	rc = ops->open(chosen, &u->h);
	ops->free_device_list(list, 1);
	if (rc != 0) {
		u->h = NULL;
		usb_free(u);
		return bh_transport_errf(BH_EIO, err, errlen,
					 "usb:%s (%04x:%04x): cannot open: %s (need permission on "
					 "/dev/bus/usb: run as root or add a udev rule)",
					 cpath, cd.idVendor, cd.idProduct, ops->error_name(rc));
	}
	if (ops->kernel_driver_active(u->h, u->iface) == 1) {
		/* btusb owns it: take it over, as the user asked for this device */
		rc = ops->detach_kernel_driver(u->h, u->iface);
		if (rc != 0) {
			usb_free(u);
			return bh_transport_errf(BH_EIO, err, errlen,
						 "usb:%s: cannot detach the kernel driver: %s (run as "
						 "root, or unbind btusb)",
						 cpath, ops->error_name(rc));
		}
	}
	rc = ops->claim_interface(u->h, u->iface);
	if (rc != 0) {
		int iface = u->iface;
		usb_free(u);
		return bh_transport_errf(BH_EIO, err, errlen,
					 "usb:%s: cannot claim interface %d: %s (is another program "
					 "using the controller?)",
					 cpath, iface, ops->error_name(rc));
	}
	u->claimed = true;
	char name[96];
	snprintf(name, sizeof(name), "usb:%s (%04x:%04x)", cpath, cd.idVendor, cd.idProduct);
	u->t = bh_transport_new(&usb_ops, u, name);
	if (!u->t) {
		usb_free(u);
		return bh_transport_errf(BH_ENOMEM, err, errlen, "usb: out of memory");
	}
	u->t->has_usb_id = true;
	u->t->usb_vid = cd.idVendor;
	u->t->usb_pid = cd.idProduct;
	rc = submit_in(u, &u->evt_tr, u->ep_evt, u->evt_buf, EVT_BUF, true);
	for (int i = 0; i < N_ACL_IN && rc == 0; i++)
		rc = submit_in(u, &u->acl_tr[i], u->ep_in, u->acl_buf[i], ACL_BUF, false);
	if (rc != 0) {
		struct bh_transport *t = u->t;
		bh_transport_close(t);
		return bh_transport_errf(BH_EIO, err, errlen, "%s: cannot start transfers: %s", name,
					 ops->error_name(rc));
	}
	*out = u->t;
	return BH_OK;
}

int bh_transport_open_usb(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	const struct bh_usb_ops *ops;
	int rc = bh_usb_libusb_ops(&ops, err, errlen);
	return rc ? rc : bh_transport_open_usb_ops(ops, arg, out, err, errlen);
}

#endif
