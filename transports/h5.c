/* The h5: transport: the H5 link (h5_link.c) on a tty opened like serial:.
 *
 * The link needs the time, which comes from port.env (the run loop's
 * clock): it starts at the first process/deadline call after the port is
 * set, and its SYNC/CONFIG repeats and retransmissions run from
 * bh_transport_process(t, NULL, 0) at bh_transport_next_deadline.
 * Failures detected inside link callbacks are reported after the link call
 * returns, so the link never runs on a transport that was torn down under it.
 */
#include "h5.h"
#include "transport_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct h5t {
	struct bh_transport *t;
	int fd;
	bool started;
	int fail;                 /* status to die with after the link call, 0 = none */
	struct bh_h5_link link;   /* large (queue): lives on the heap with h5t */
};

static bh_time_ms h5t_now(struct h5t *h)
{
	return h->t->port.env ? bh_now(h->t->port.env) : 0;
}

static void h5t_write(void *ctx, const uint8_t *bytes, size_t len)
{
	struct h5t *h = ctx;
	if (h->fail || h->t->dead)
		return;
	struct iovec iov = { (void *)bytes, len };
	int rc = bh_transport_write_all(h->fd, false, &iov, 1);
	if (rc)
		h->fail = BH_ETRANSPORT;
}

static void h5t_deliver(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct h5t *h = ctx;
	bh_transport_deliver(h->t, type, pkt, len);
}

static void h5t_event(void *ctx, enum bh_h5_event ev)
{
	struct h5t *h = ctx;
	const struct bh_env *env = h->t->port.env;
	switch (ev) {
	case BH_H5_EV_ACTIVE:
		if (env)
			BH_LOGF(env, BH_LOG_INFO, "transport",
				"%s: H5 link established (window %u, %s)", h->t->name,
				h->link.tx_win, h->link.tx_crc ? "CRC" : "no CRC");
		return;
	case BH_H5_EV_PEER_RESET:
		if (env)
			BH_LOGF(env, BH_LOG_ERROR, "transport",
				"%s: the controller restarted (H5 SYNC on an active link): its "
				"connections and settings are gone",
				h->t->name);
		break;
	case BH_H5_EV_SYNC_TIMEOUT:
		if (env)
			BH_LOGF(env, BH_LOG_ERROR, "transport",
				"%s: no H5 link: the controller never answered SYNC/CONFIG within "
				"%llu ms (is it a three-wire UART (H5) controller, at this baud "
				"rate, powered and out of reset? For an H4 UART use serial:)",
				h->t->name, (unsigned long long)h->link.cfg.establish_ms);
		break;
	case BH_H5_EV_RETX_TIMEOUT:
		if (env)
			BH_LOGF(env, BH_LOG_ERROR, "transport",
				"%s: the controller stopped acknowledging H5 packets", h->t->name);
		break;
	}
	if (!h->fail)
		h->fail = BH_ETRANSPORT;
}

static void start(struct h5t *h)
{
	if (h->started)
		return;
	h->started = true;
	struct bh_h5_link_port p = {
		.write = h5t_write, .deliver = h5t_deliver, .event = h5t_event, .ctx = h,
	};
	bh_h5_link_init(&h->link, NULL, &p, h5t_now(h));
}

static void settle(struct h5t *h)
{
	if (h->fail)
		bh_transport_die(h->t, h->fail);
}

static int h5t_send(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct h5t *h = t->impl;
	start(h);
	int rc = bh_h5_link_send(&h->link, type, pkt, len, h5t_now(h));
	settle(h);
	if (t->dead)
		return BH_ETRANSPORT;
	return rc == BH_ESTATE ? BH_ETRANSPORT : rc;
}

static int h5t_pollfds(struct bh_transport *t, struct pollfd *fds, int max)
{
	struct h5t *h = t->impl;
	(void)max;
	fds[0] = (struct pollfd){ .fd = h->fd, .events = POLLIN };
	return 1;
}

static void h5t_process(struct bh_transport *t, const struct pollfd *fds, int n)
{
	struct h5t *h = t->impl;
	start(h);
	if (n >= 1 && fds[0].fd == h->fd && fds[0].revents) {
		/* Bounded: a flood of bytes cannot starve the rest of the loop. */
		for (int round = 0; round < 16 && !t->dead && !h->fail; round++) {
			uint8_t buf[4096];
			ssize_t r = read(h->fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (r <= 0) {
				/* a tty returns 0 / EIO once its other end is gone */
				bh_transport_die(t, r == 0 ? BH_ETRANSPORT : BH_EIO);
				return;
			}
			bh_h5_link_rx(&h->link, buf, (size_t)r, h5t_now(h));
			if ((size_t)r < sizeof(buf))
				break;
		}
	}
	if (!t->dead && !h->fail)
		bh_h5_link_timeout(&h->link, h5t_now(h));
	settle(h);
}

static bh_time_ms h5t_next_deadline(struct bh_transport *t)
{
	struct h5t *h = t->impl;
	if (!t->port.env)
		return BH_NEVER;
	if (!h->started)
		return 0; /* start the link establishment now */
	return bh_h5_link_next_deadline(&h->link);
}

static void h5t_close(struct bh_transport *t)
{
	struct h5t *h = t->impl;
	if (h) {
		if (h->fd >= 0)
			close(h->fd);
		free(h);
	}
	t->impl = NULL;
}

static const struct bh_transport_ops h5t_ops = {
	.send = h5t_send,
	.pollfds = h5t_pollfds,
	.process = h5t_process,
	.next_deadline = h5t_next_deadline,
	.close = h5t_close,
};

int bh_transport_open_h5(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	char name[300];
	int fd;
	struct bh_uart_settings u;
	int rc = bh_serial_open(arg, "h5", &fd, &u, name, sizeof(name), err, errlen);
	if (rc)
		return rc;
	struct h5t *h = calloc(1, sizeof(*h));
	struct bh_transport *t = h ? bh_transport_new(&h5t_ops, h, name) : NULL;
	if (!t) {
		free(h);
		close(fd);
		return bh_transport_errf(BH_ENOMEM, err, errlen, "%s: out of memory", name);
	}
	h->t = t;
	h->fd = fd;
	t->uart_fd = fd;
	t->uart = u;
	*out = t;
	return BH_OK;
}
