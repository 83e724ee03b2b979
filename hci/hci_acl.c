/* LE ACL data: host-to-controller flow control, fragmentation and
 * reassembly (Vol 4, Part E, 4.1.1, 5.4.2, 7.7.19; L2CAP basic header
 * Vol 3, Part A, 3.1).
 *
 * Transmit: each connection has a FIFO of whole L2CAP frames (tx pool
 * blocks). With a controller buffer free, the pump sends one fragment of
 * le_acl_mtu bytes at most from the next connection in round-robin order, so
 * one busy link cannot starve the others. Credits come back per connection
 * through Number Of Completed Packets or on disconnection.
 *
 * Receive: a start fragment (PB 0b10) begins a frame; its first four bytes,
 * which may be split over the start and the following continuations (PB
 * 0b01), are the basic header whose length says how long the frame is;
 * fragments are appended until it is complete. Anything inconsistent is
 * dropped and counted.
 */
#include "hci_internal.h"

#include <stdlib.h>

#include <string.h>

#define PB_START_NONFLUSH 0x0 /* host to controller start only, on LE (5.4.2) */
#define PB_CONT 0x1
#define PB_START_FLUSH 0x2 /* controller to host start */

static void set_ready(struct bh_hci *hci, const struct hci_conn *c, bool ready)
{
	size_t i = (size_t)(c - hci->conns);
	uint32_t bit = UINT32_C(1) << (i % 32);
	if (ready)
		hci->tx_ready[i / 32] |= bit;
	else
		hci->tx_ready[i / 32] &= ~bit;
}

/* The first link with a frame queued at or after rr_next, wrapping
 * around: the round-robin order, without walking idle slots. */
static struct hci_conn *next_ready(struct bh_hci *hci)
{
	unsigned n = hci->cfg.max_connections, words = (n + 31) / 32;
	unsigned first = hci->rr_next / 32;
	uint32_t m = hci->tx_ready[first] & (UINT32_MAX << (hci->rr_next % 32));
	for (unsigned k = 0; k <= words; k++) {
		if (m)
			return &hci->conns[((first + k) % words) * 32 + (unsigned)__builtin_ctz(m)];
		m = hci->tx_ready[(first + k + 1) % words];
	}
	return NULL;
}

/* flow: report a queue this frame filled (bh_hci_acl_send_flow). */
static int acl_queue(struct bh_hci *hci, uint16_t handle, const uint8_t *frame, size_t len,
		     bool flow)
{
	if (!frame || len < 4 || len > hci->cfg.rx_max_frame || bh_get16(frame) != len - 4)
		return BH_EINVAL;
	struct hci_conn *c = hci_conn_find(hci, handle);
	if (!c)
		return BH_ENOTFOUND;
	if (c->queued >= hci->cfg.tx_queue_depth) {
		c->want_can_send = true;
		return BH_EBUSY;
	}
	/* Sized to the frame: most are far below rx_max_frame. */
	struct hci_tx_frame *f =
		bh_pool_alloc_sized(&hci->tx_pool, sizeof(*f) + HCI_ACL_HDR + len);
	if (!f)
		return BH_ENOMEM;
	f->next = NULL;
	f->sent = 0;
	f->len = len;
	memcpy(f->data + HCI_ACL_HDR, frame, len);
	if (c->tx_tail) {
		c->tx_tail->next = f;
	} else {
		c->tx_head = f;
		set_ready(hci, c, true);
	}
	c->tx_tail = f;
	c->queued++;
	/* Record per connection, not per pool: the pool is shared. */
	if (++hci->tx_queued > hci->stats.tx_queue_high_water)
		hci->stats.tx_queue_high_water = hci->tx_queued;
	hci_acl_pump(hci);
	/* After the pump: with a credit free the frame went out at once. A
	 * link the pump tore down has nothing queued. */
	if (!flow || c->queued < hci->cfg.tx_queue_depth)
		return BH_OK;
	c->want_can_send = true;
	return BH_HCI_ACL_NOW_FULL;
}

int bh_hci_acl_send(struct bh_hci *hci, uint16_t handle, const uint8_t *frame, size_t len)
{
	return acl_queue(hci, handle, frame, len, false);
}

int bh_hci_acl_send_flow(struct bh_hci *hci, uint16_t handle, const uint8_t *frame, size_t len)
{
	return acl_queue(hci, handle, frame, len, true);
}

bool bh_hci_acl_can_send(const struct bh_hci *hci, uint16_t handle)
{
	for (unsigned i = 0; i < hci->cfg.max_connections; i++) {
		const struct hci_conn *c = &hci->conns[i];
		if (c->used && c->handle == handle)
			return c->queued < hci->cfg.tx_queue_depth;
	}
	return false;
}

static void rx_abandon(struct hci_conn *c)
{
	c->rx_active = false;
	c->rx_len = c->rx_expected = 0;
}

void hci_acl_flush_conn(struct bh_hci *hci, struct hci_conn *c)
{
	struct hci_tx_frame *f = c->tx_head;
	while (f) {
		struct hci_tx_frame *n = f->next;
		bh_pool_free(&hci->tx_pool, f);
		f = n;
	}
	c->tx_head = c->tx_tail = NULL;
	set_ready(hci, c, false);
	hci->tx_queued -= c->queued;
	c->queued = 0;
	rx_abandon(c);
}

/* Sends one fragment of c's head frame. Returns false if the transport
 * failed (everything has been torn down). */
static bool send_fragment(struct bh_hci *hci, struct hci_conn *c)
{
	struct hci_tx_frame *f = c->tx_head;
	size_t n = f->len - f->sent;
	if (n > hci->info.le_acl_mtu)
		n = hci->info.le_acl_mtu;
	unsigned pb = f->sent == 0 ? PB_START_NONFLUSH : PB_CONT;
	uint8_t *pkt = f->data + f->sent; /* the header goes just before the fragment */
	bh_put16(pkt, (uint16_t)(c->handle | (pb << 12)));
	bh_put16(pkt + 2, (uint16_t)n);
	f->sent += n;
	c->in_flight++;
	hci->acl_credits--;
	bool done = f->sent == f->len;
	if (done) {
		/* Unlinked before the send: a transport failure tears the link
		 * down (freeing what is queued) while f is still being sent. */
		c->tx_head = f->next;
		if (!c->tx_head) {
			c->tx_tail = NULL;
			set_ready(hci, c, false);
		}
		c->queued--;
		hci->tx_queued--;
	}
	bool ok = hci_send(hci, BH_H4_ACL, pkt, HCI_ACL_HDR + n);
	if (done)
		bh_pool_free(&hci->tx_pool, f);
	return ok;
}

void hci_acl_pump(struct bh_hci *hci)
{
	/* Callbacks (acl_can_send) may queue more; the outer loop sends it. */
	if (hci->acl_pumping || hci->state != HCI_STATE_READY || hci->info.le_acl_mtu == 0)
		return;
	hci->acl_pumping = true;
	unsigned gen = hci->gen;
	unsigned n = hci->cfg.max_connections;
	/* tx_ready: the next link to serve without walking every slot (this
	 * runs once per completed packet); one fragment per turn. */
	struct hci_conn *c;
	while (hci->acl_credits > 0 && (c = next_ready(hci)) != NULL) {
		unsigned i = (unsigned)(c - hci->conns);
		bool was_full = c->queued >= hci->cfg.tx_queue_depth;
		hci->rr_next = i + 1 < n ? i + 1 : 0;
		if (!send_fragment(hci, c) || hci->gen != gen)
			return; /* torn down; acl_pumping was reset */
		if (was_full && c->queued < hci->cfg.tx_queue_depth && c->want_can_send) {
			c->want_can_send = false;
			uint16_t handle = c->handle;
			if (hci->port.acl_can_send)
				hci->port.acl_can_send(hci->port.ctx, handle);
			if (hci->gen != gen)
				return;
		}
	}
	hci->acl_pumping = false;
}

/* Number_Of_Handles(1), then Connection_Handle(2) Num_Completed_Packets(2)
 * per handle (Vol 4, Part E, 7.7.19). */
void hci_acl_on_nocp(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	/* The table's minimum length (1) was checked. */
	uint8_t num = p[0];
	if (len - 1 < (size_t)num * 4) {
		hci->stats.events_dropped_short++;
		hci_log(hci, BH_LOG_INFO, "short Number Of Completed Packets: %u handles in %zu bytes",
			num, len);
		return;
	}
	for (unsigned i = 0; i < num; i++) {
		uint16_t handle = bh_get16(p + 1 + 4 * i) & 0x0fff;
		uint16_t count = bh_get16(p + 3 + 4 * i);
		struct hci_conn *c = hci_conn_find(hci, handle);
		if (!c) {
			/* Credits of a link already gone were returned then. */
			hci->stats.events_unknown_handle++;
			hci_log(hci, BH_LOG_INFO, "completed packets for unknown handle 0x%03x", handle);
			continue;
		}
		/* A controller that reports more than we sent must not inflate
		 * our credits past what it can hold. */
		if (count > c->in_flight) {
			hci_log(hci, BH_LOG_INFO, "handle 0x%03x: %u completed, %u in flight", handle,
				count, c->in_flight);
			hci->stats.credits_excess += count - c->in_flight;
			count = (uint16_t)c->in_flight;
		}
		c->in_flight -= count;
		hci->acl_credits += count;
	}
	if (hci->acl_credits > hci->info.le_acl_credits)
		hci->acl_credits = hci->info.le_acl_credits;
	hci_acl_pump(hci);
}

/* handle: the packet's own, even when no link has it (0xfff: too short to
 * say). */
static void rx_drop(struct bh_hci *hci, unsigned handle, const char *why)
{
	hci->stats.acl_dropped++;
	hci_log(hci, BH_LOG_INFO, "ACL 0x%03x dropped: %s", handle, why);
}

/* Once the basic header is in (it may take several fragments: a start
 * fragment as short as one byte is legal, Vol 4, Part E, 5.4.2), the frame's
 * length is known: bound the reassembly by it and by rx_max_frame. Returns
 * false if the frame was dropped. */
static bool rx_learn_length(struct bh_hci *hci, struct hci_conn *c)
{
	if (c->rx_expected || c->rx_len < 4)
		return true;
	size_t total = 4 + (size_t)bh_get16(c->rx);
	if (total > hci->cfg.rx_max_frame) {
		rx_abandon(c);
		rx_drop(hci, c->handle, "frame larger than rx_max_frame");
		return false;
	}
	if (c->rx_len > total) {
		rx_abandon(c);
		rx_drop(hci, c->handle, "fragment overruns frame");
		return false;
	}
	c->rx_expected = total;
	return true;
}

/* Makes room for need bytes (at most rx_max_frame, checked by the caller):
 * the whole frame when its length is known (total, or 0), else at least
 * double what is there, so a frame in many fragments costs few
 * reallocations. */
static bool rx_reserve(struct bh_hci *hci, struct hci_conn *c, size_t need, size_t total)
{
	if (need <= c->rx_cap)
		return true;
	size_t cap = total && total <= hci->cfg.rx_max_frame ? total : 2 * c->rx_cap;
	if (cap < HCI_RX_MIN)
		cap = HCI_RX_MIN;
	if (cap < need)
		cap = need;
	if (cap > hci->cfg.rx_max_frame)
		cap = hci->cfg.rx_max_frame;
	uint8_t *rx = realloc(c->rx, cap);
	if (!rx)
		return false;
	c->rx = rx;
	c->rx_cap = cap;
	return true;
}

/* Appends one fragment's data and delivers the frame when it is whole. */
static void rx_append(struct bh_hci *hci, struct hci_conn *c, const uint8_t *data, size_t dlen)
{
	/* Until the length is known only the header's missing bytes can be
	 * checked against rx_max_frame (the buffer's size). */
	size_t limit = c->rx_expected ? c->rx_expected : hci->cfg.rx_max_frame;
	if (dlen > limit - c->rx_len) {
		/* The reason first: abandoning clears rx_expected. */
		rx_drop(hci, c->handle,
			c->rx_expected ? "fragment overruns frame" : "frame larger than rx_max_frame");
		rx_abandon(c);
		return;
	}
	size_t known = c->rx_expected;
	if (!known && c->rx_len == 0 && dlen >= 4)
		known = 4 + (size_t)bh_get16(data);
	if (!rx_reserve(hci, c, c->rx_len + dlen, known)) {
		rx_abandon(c);
		hci->stats.acl_dropped++;
		hci->stats.acl_dropped_nomem++;
		/* Ours, not the peer's: an operator's warning, unlike rx_drop. */
		hci_log(hci, BH_LOG_WARN, "ACL 0x%03x dropped: out of memory for reassembly",
			c->handle);
		return;
	}
	memcpy(c->rx + c->rx_len, data, dlen);
	c->rx_len += dlen;
	if (!rx_learn_length(hci, c) || !c->rx_expected || c->rx_len < c->rx_expected)
		return;
	size_t total = c->rx_len;
	/* Reset before the callback: it may disconnect or feed more. The
	 * buffer stays intact until the next packet for this handle. */
	rx_abandon(c);
	uint16_t handle = c->handle;
	/* If the link ends inside the callback (a teardown), its buffer is
	 * freed only once the callback is done with it. */
	uint8_t *outer = hci->rx_delivering;
	hci->rx_delivering = c->rx;
	if (hci->port.acl)
		hci->port.acl(hci->port.ctx, handle, c->rx, total);
	hci->rx_delivering = outer;
	if (!outer) {
		free(hci->rx_orphan);
		hci->rx_orphan = NULL;
	}
}

void hci_acl_on_packet(struct bh_hci *hci, const uint8_t *pkt, size_t len)
{
	/* Handle(12) PB(2) BC(2), Data_Total_Length(2), Data (5.4.2) */
	uint16_t hdr = len >= 4 ? bh_get16(pkt) : 0, dlen = len >= 4 ? bh_get16(pkt + 2) : 0;
	const uint8_t *data = pkt + 4;
	if (len < 4 || len - 4 < dlen) {
		rx_drop(hci, len >= 2 ? bh_get16(pkt) & 0x0fffu : 0xfffu, "truncated packet");
		return;
	}
	uint16_t handle = hdr & 0x0fff;
	unsigned pb = (hdr >> 12) & 0x3;
	struct hci_conn *c = hci_conn_find(hci, handle);
	if (!c) {
		rx_drop(hci, handle, "unknown handle");
		return;
	}
	if (pb != PB_START_FLUSH && pb != PB_CONT) {
		/* 0b00 (first non-flushable) is host to controller only on LE and
		 * 0b11 is BR/EDR only (5.4.2): the packet is dropped, the link and
		 * any reassembly in progress carry on. */
		hci->stats.acl_bad_boundary++;
		rx_drop(hci, c->handle,
			pb == PB_START_NONFLUSH ? "packet boundary flag 0b00 from the controller"
						: "packet boundary flag 0b11");
		return;
	}
	if (pb == PB_START_FLUSH) {
		if (c->rx_active) {
			/* The rest of the previous frame was lost: drop it, keep
			 * this start. */
			rx_abandon(c);
			rx_drop(hci, c->handle, "start while reassembling");
		}
		if (dlen >= 4 && 4 + (size_t)bh_get16(data) == dlen && dlen <= hci->cfg.rx_max_frame) {
			/* A whole frame in one packet (the usual case): hand it up
			 * from where it is, without the reassembly copy. */
			if (hci->port.acl)
				hci->port.acl(hci->port.ctx, handle, data, dlen);
			return;
		}
		c->rx_active = true;
		rx_append(hci, c, data, dlen);
		return;
	}
	if (!c->rx_active) {
		rx_drop(hci, c->handle, "continuation without start");
		return;
	}
	rx_append(hci, c, data, dlen);
}
