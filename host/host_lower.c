/* Transport, trace and HCI plumbing: bytes in and out of the controller, and
 * HCI events handed to the layer that owns them. */
#include "host_internal.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static uint64_t trace_timestamp(struct bh_host *h)
{
	if (HOST_VIRTUAL(h))
		return bh_transport_virtual_now(h->transport) * 1000u;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* ---- transport → HCI ---- */

static void on_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct bh_host *h = ctx;
	/* Stamped when the idle check next looks (idle_due), once per pass
	 * rather than a clock read per packet. */
	h->rx_seen = true;
	if (HOST_TRACE(h))
		bh_trace_write(HOST_TRACE(h), BH_TRACE_RECEIVED, type, pkt, len, trace_timestamp(h));
	if (host_chipset_rx(h, type, pkt, len))
		return;
	if (h->hci)
		bh_hci_on_packet(h->hci, (enum bh_h4_type)type, pkt, len);
}

/* The controller lost by a failed write, handled from the loop. */
static void loss_run(void *arg)
{
	struct bh_host *h = arg;
	h->loss_timer = 0;
	HOST_CB_ENTER(h);
	if (h->hci)
		bh_hci_on_transport_lost(h->hci);
	HOST_CB_LEAVE(h);
}

/* A write failed inside whatever sent it: an application's call (a GATT
 * read, a notification, a disconnect) or a layer answering a packet. The
 * loss tears every link down and frees their bearers and clients, which
 * are still on the stack below that write: a use after free (session 19,
 * tests/faults/test_reentry_api.c). So the write counts as a packet lost
 * on the way, and the loss is handled by the loop at once, where nothing
 * of a link is below it. Before the controller is up there are no links,
 * and the bring-up wants the error where it sent (bh_hci_start returns
 * it): then it is handled as before. true: deferred. */
static bool loss_defer(struct bh_host *h)
{
	if (!h->ready || h->fatal)
		return false;
	if (h->loss_timer)
		return true;
	long id = bh_loop_timer_at(h->loop, bh_loop_now(h->loop), loss_run, h);
	if (id <= 0)
		return false; /* no memory for the timer: handled where it failed */
	h->loss_timer = id;
	return true;
}

void host_loss_cancel(struct bh_host *h)
{
	if (h->loss_timer)
		bh_loop_timer_cancel(h->loop, h->loss_timer);
	h->loss_timer = 0;
}

static void on_lost(void *ctx, bh_status why)
{
	struct bh_host *h = ctx;
	host_log(h, BH_LOG_ERROR, "transport %s lost: %s", bh_transport_name(h->transport),
		 bh_strerror(why));
	/* A dead transport is read no more (bh_transport_process does
	 * nothing): its descriptors, still watched, would be ready on every
	 * pass (end of file, POLLHUP) and the loop would spin. */
	for (int i = 0; i < h->n_transport_fds; i++)
		bh_loop_unwatch(h->loop, h->transport_fds[i]);
	h->n_transport_fds = 0;
	host_chipset_lost(h, why);
	if (h->sending && loss_defer(h))
		return;
	if (h->hci)
		bh_hci_on_transport_lost(h->hci);
}

static void on_transport_fd(void *arg, int fd, short revents)
{
	struct bh_host *h = arg;
	struct pollfd fds[8];
	int n = bh_transport_pollfds(h->transport, fds, 8);
	for (int i = 0; i < n; i++)
		fds[i].revents = fds[i].fd == fd ? revents : 0;
	HOST_CB_ENTER(h);
	bh_transport_process(h->transport, fds, n);
	HOST_CB_LEAVE(h);
}

static bh_time_ms transport_deadline(void *a)
{
	struct bh_host *h = a;
	bh_time_ms d = bh_transport_next_deadline(h->transport);
	/* A held-back record gets one millisecond of grace: timestamps are
	 * truncated to ms, so the application may still send the expected
	 * packet at the current virtual time. */
	if (HOST_VIRTUAL(h) && d != BH_NEVER && h->replay_blocked_at == d)
		return d + 1;
	return d;
}

bh_time_ms host_layers_deadline(struct bh_host *h)
{
	bh_time_ms d = bh_hci_next_deadline(h->hci);
	bh_time_ms x = bh_l2cap_next_deadline(h->l2cap);
	d = x < d ? x : d;
	x = h->smp ? bh_smp_next_deadline(h->smp) : BH_NEVER;
	d = x < d ? x : d;
	x = bh_gap_next_deadline(h->gap);
	d = x < d ? x : d;
	x = h->refused_retry;
	/* Not the chipset driver's: its own loop source (host_chipset.c) wakes it. */
	return x < d ? x : d;
}

bh_time_ms host_att_deadline(struct bh_host *h)
{
	/* Asked every loop pass: the walk stops after the links in use. */
	bh_time_ms d = BH_NEVER;
	for (unsigned i = 0, seen = 0; seen < h->conns_in_use && i < h->max_conns; i++) {
		struct host_conn *c = h->conns[i];
		if (!c || !c->used)
			continue;
		seen++;
		if (c->att) {
			bh_time_ms x = bh_att_next_deadline(c->att);
			d = x < d ? x : d;
		}
	}
	return d;
}

void host_att_timeouts(struct bh_host *h, bh_time_ms now)
{
	/* Every slot: a timeout's callbacks may end links (the count moves),
	 * and this runs only when some deadline of the stack is due. */
	for (unsigned i = 0; i < h->max_conns; i++) {
		struct host_conn *c = h->conns[i];
		if (c && c->used && c->att && bh_att_next_deadline(c->att) <= now)
			bh_att_on_timeout(c->att);
	}
}

bh_time_ms host_stack_deadline(struct bh_host *h)
{
	bh_time_ms d = host_layers_deadline(h), x = host_att_deadline(h);
	d = x < d ? x : d;
	/* "Is any timer of the stack armed" (replay's stall check) counts a
	 * chipset download's wait too; waking for it is its source's job. */
	x = host_chipset_deadline(h);
	return x < d ? x : d;
}

static void replay_run(struct bh_host *h);

static void transport_run(void *a)
{
	struct bh_host *h = a;
	HOST_CB_ENTER(h);
	if (!HOST_VIRTUAL(h))
		bh_transport_process(h->transport, NULL, 0);
	else
		replay_run(h);
	HOST_CB_LEAVE(h);
}

static void replay_run(struct bh_host *h)
{
	/* A record still held back after its grace, with none of the stack's
	 * own timers due, means the stack failed to send what it recorded. */
	bh_time_ms now = bh_transport_virtual_now(h->transport);
	bh_time_ms due = bh_transport_next_deadline(h->transport);
	bool grace_over = h->replay_blocked_at == due && now > due;
	bool idle = grace_over && host_stack_deadline(h) > now;
	int rc = bh_replay_deliver(h->transport, idle);
	if (rc == BH_EBUSY && due <= now)
		h->replay_blocked_at = due;
	else if (rc != BH_EBUSY)
		h->replay_blocked_at = BH_NEVER;
	if (rc == BH_EPROTO)
		host_log(h, BH_LOG_ERROR, "replay mismatch");
	if (bh_replay_done(h->transport))
		bh_loop_quit(h->loop);
}

static void replay_advance(void *ctx, bh_time_ms to)
{
	struct bh_host *h = ctx;
	bh_replay_advance(h->transport, to);
}

int host_lower_open(struct bh_host *h, char *err, size_t errlen)
{
	int rc = bh_transport_open(h->cfg.transport, &h->transport, err, errlen);
	if (rc)
		return rc;
	h->transport_port = (struct bh_transport_port){
		.rx = on_rx,
		.lost = on_lost,
		.ctx = h,
		.env = &h->env,
	};
	bh_transport_set_port(h->transport, &h->transport_port);
	h->virtual_time = bh_transport_is_virtual(h->transport);
	h->replay_blocked_at = BH_NEVER;
	if (HOST_VIRTUAL(h)) {
		bh_loop_set_clock(h->loop, (bh_time_ms(*)(void *))bh_transport_virtual_now,
				  h->transport);
		bh_loop_set_virtual(h->loop, replay_advance, h);
	} else {
		struct pollfd fds[8];
		h->n_transport_fds = bh_transport_pollfds(h->transport, fds, 8);
		for (int i = 0; i < h->n_transport_fds; i++) {
			h->transport_fds[i] = fds[i].fd;
			rc = bh_loop_watch(h->loop, fds[i].fd, fds[i].events, on_transport_fd, h);
			if (rc)
				goto no_memory;
		}
	}
	/* Unwatched, the transport would never be read: bring-up would only
	 * time out, with no word of why. */
	rc = bh_loop_add_input_source(h->loop, transport_deadline, transport_run, h);
	if (rc)
		goto no_memory;
	if (h->cfg.trace_path) {
		rc = bh_trace_open_write(h->cfg.trace_path, &h->trace, err, errlen);
		if (rc)
			return rc;
	}
	return BH_OK;
no_memory:
	snprintf(err, errlen, "out of memory");
	return rc;
}

void host_lower_close(struct bh_host *h)
{
	for (int i = 0; i < h->n_transport_fds; i++)
		bh_loop_unwatch(h->loop, h->transport_fds[i]);
	h->n_transport_fds = 0;
	bh_transport_close(h->transport);
	h->transport = NULL;
	bh_trace_close_write(h->trace);
	h->trace = NULL;
}

/* ---- HCI port ---- */

static int hci_send(void *ctx, enum bh_h4_type type, const uint8_t *pkt, size_t len)
{
	return host_lower_send(ctx, (uint8_t)type, pkt, len);
}

int host_lower_send(struct bh_host *h, uint8_t type, const uint8_t *pkt, size_t len)
{
	/* Lost already, handled from the loop soon: this packet is lost too. */
	if (h->loss_timer)
		return BH_OK;
	if (HOST_TRACE(h))
		bh_trace_write(HOST_TRACE(h), BH_TRACE_SENT, type, pkt, len, trace_timestamp(h));
	h->sending = true;
	int rc = bh_transport_send(h->transport, type, pkt, len);
	h->sending = false;
	/* A failure the transport did not call a loss (it stays open) ends
	 * the controller as well (hci_send would), from the loop too. */
	if (rc < 0 && (h->loss_timer || loss_defer(h)))
		return BH_OK;
	return rc;
}

static void hci_event(void *ctx, uint8_t code, const uint8_t *p, size_t len)
{
	struct bh_host *h = ctx;
	switch (code) {
	case BH_HCI_EVT_ENCRYPT_CHANGE:
	case BH_HCI_EVT_ENCRYPT_CHANGE_V2:
		if (len >= 4 && h->smp) {
			uint16_t handle = bh_get16(p + 1) & 0x0fff;
			bh_smp_on_encrypt_change(h->smp, handle, p[0], p[3] != 0);
			if (h->ev.encryption_changed)
				h->ev.encryption_changed(h->ev.ctx, handle,
							 p[0] ? BH_HCI_STATUS(p[0]) : BH_OK, p[3] != 0);
		}
		break;
	case BH_HCI_EVT_ENCRYPT_KEY_REFRESH_COMPLETE:
		if (len >= 3 && h->smp)
			bh_smp_on_key_refresh(h->smp, bh_get16(p + 1) & 0x0fff, p[0]);
		break;
	default:
		bh_gap_on_event(h->gap, code, p, len);
		break;
	}
}

static void hci_le_meta(void *ctx, uint8_t sub, const uint8_t *p, size_t len)
{
	struct bh_host *h = ctx;
	if (sub == BH_LE_LTK_REQUEST) {
		if (len >= 12 && h->smp)
			bh_smp_on_ltk_request(h->smp, bh_get16(p) & 0x0fff, bh_get64(p + 2),
					      bh_get16(p + 10));
		return;
	}
	bh_gap_on_le_meta(h->gap, sub, p, len);
}

static void hci_acl(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	struct bh_host *h = ctx;
	bh_l2cap_on_acl(h->l2cap, handle, frame, len);
}

static void hci_acl_can_send(void *ctx, uint16_t handle)
{
	struct bh_host *h = ctx;
	bh_l2cap_acl_can_send(h->l2cap, handle);
}

static void hci_ready(void *ctx, bh_status result)
{
	struct bh_host *h = ctx;
	if (h->ready) {
		/* Recovery after a command timeout reset the controller: every
		 * link is gone without a Disconnection Complete. */
		bh_gap_reset(h->gap, BH_ERESET);
		host_conn_drop_all(h, BH_ERESET, true);
	}
	if (result == BH_OK && host_smp_create(h))
		result = BH_ENOMEM;
	h->ready = result == BH_OK;
	h->ready_status = result;
	h->last_rx = bh_now(&h->env);
	h->ready_done = true;
	/* A controller without a public address (BD_ADDR all zero: Zephyr HCI
	 * dongles, Bumble) would advertise and connect from 00:00:00:00:00:00,
	 * which no peer can reach: our stored random static address stands in
	 * for it everywhere (SMP takes it as our identity for the same reason). */
	bool no_public = h->ready && bh_host_no_public_address(h);
	char a[BH_ADDR_STRLEN]; /* written whole by bh_addr_str */
	if (no_public && !h->cfg.privacy)
		host_log(h, BH_LOG_INFO, "controller has no public address: using random static %s",
			 bh_addr_str(&h->ident.static_addr, a));
	if (h->ready)
		host_privacy_load(h);
	/* Data Length Extension on by default: the largest LL payload for
	 * links the controller starts (7.8.35); per link GAP asks as well. */
	if (h->ready && bh_hci_le_feature(h->hci, 5) &&
	    bh_hci_supports(h->hci, BH_SUP_LE_WRITE_SUGG_DATA_LENGTH))
		bh_gap_set_default_data_length(h->gap, 251, 2120, NULL, NULL);
	if (h->ready && h->cfg.privacy)
		bh_gap_set_own_address(h->gap, BH_GAP_OWN_RPA, NULL, NULL, NULL);
	else if (h->ready && (h->cfg.use_random_address || no_public))
		bh_gap_set_own_address(h->gap, BH_GAP_OWN_STATIC, &h->ident.static_addr, NULL, NULL);
	if (h->ev.ready)
		h->ev.ready(h->ev.ctx, result);
}

static void hci_fatal(void *ctx, bh_status reason)
{
	struct bh_host *h = ctx;
	host_log(h, BH_LOG_ERROR, "controller unusable: %s", bh_strerror(reason));
	h->ready = false;
	h->fatal = true;
	h->fatal_reason = reason;
	h->ready_done = true;
	h->ready_status = reason;
	bh_gap_reset(h->gap, reason);
	host_conn_drop_all(h, reason, true);
	host_waiters_fatal(h, reason);
	if (h->ev.fatal)
		h->ev.fatal(h->ev.ctx, reason);
}

void host_hci_port_init(struct bh_host *h)
{
	h->hci_port = (struct bh_hci_port){
		.ctx = h,
		.send = hci_send,
		.event = hci_event,
		.le_meta = hci_le_meta,
		.acl = hci_acl,
		.acl_can_send = hci_acl_can_send,
		.ready = hci_ready,
		.fatal = hci_fatal,
	};
}
