/* H5 link: establishment and reliable delivery (Core Spec Vol 4, Part D).
 *
 * Link establishment (8): both sides send SYNC (0x01 0x7E) until they get
 * SYNC RESPONSE (0x02 0x7D), then CONFIG (0x03 0xFC + configuration field)
 * until CONFIG RESPONSE (0x04 0x7B + field). Each side answers SYNC with
 * SYNC RESPONSE in every state and CONFIG with CONFIG RESPONSE once synced.
 * A SYNC in the active state means the peer has reset: its HCI state is
 * gone, so the link starts over and tells the owner.
 *
 * Configuration field: sliding window size (bits 0-2), out-of-frame flow
 * control (3, never offered here), data integrity check type (4), version
 * (5-7). The window used for sending is the smaller of ours and the peer's.
 *
 * Reliable delivery (6): reliable packets carry seq 0..7; every packet
 * carries ack = the next seq expected from the peer. A reliable packet with
 * another seq (duplicate or out of order) is dropped and re-acknowledged, so
 * the sender goes back to the first unacknowledged packet. Unacknowledged
 * packets are all resent when the retransmission timer fires (go-back-N).
 * Unreliable packets have seq 0 and are never resent.
 *
 * Low power (8.3): Wakeup is answered with Woken (we never sleep); Woken and
 * Sleep are ignored, retransmission covers a peer that dozed off.
 */
#include "h5.h"

#include <string.h>

static const uint8_t MSG_SYNC[2] = { 0x01, 0x7e };
static const uint8_t MSG_SYNC_RSP[2] = { 0x02, 0x7d };
static const uint8_t MSG_CONF[2] = { 0x03, 0xfc };
static const uint8_t MSG_CONF_RSP[2] = { 0x04, 0x7b };
static const uint8_t MSG_WAKEUP[2] = { 0x05, 0xfa };
static const uint8_t MSG_WOKEN[2] = { 0x06, 0xf9 };

const char *bh_h5_state_str(enum bh_h5_state s)
{
	switch (s) {
	case BH_H5_UNINITIALIZED: return "uninitialized";
	case BH_H5_INITIALIZED: return "initialized";
	case BH_H5_ACTIVE: return "active";
	case BH_H5_FAILED: return "failed";
	}
	return "?";
}

const char *bh_h5_event_str(enum bh_h5_event e)
{
	switch (e) {
	case BH_H5_EV_ACTIVE: return "link established";
	case BH_H5_EV_PEER_RESET: return "peer reset (SYNC while active)";
	case BH_H5_EV_SYNC_TIMEOUT: return "no answer to SYNC/CONFIG";
	case BH_H5_EV_RETX_TIMEOUT: return "reliable packets never acknowledged";
	}
	return "?";
}

static uint8_t conf_field(const struct bh_h5_link *l)
{
	return (uint8_t)((l->cfg.window & 7) | (l->cfg.crc ? 0x10 : 0));
}

static void emit(struct bh_h5_link *l, uint8_t type, bool reliable, uint8_t seq,
		 const uint8_t *payload, size_t len)
{
	struct bh_h5_pkt p = {
		.seq = reliable ? seq : 0,
		.ack = l->rx_ack,
		.reliable = reliable,
		.crc = l->state == BH_H5_ACTIVE && l->tx_crc,
		.type = type,
	};
	size_t n = bh_h5_encode(&p, payload, len, l->wire);
	if (!n)
		return;
	/* every packet carries the acknowledgement */
	l->ack_pending = false;
	if (l->port.write)
		l->port.write(l->port.ctx, l->wire, n);
}

static void link_ctrl(struct bh_h5_link *l, const uint8_t msg[2], const uint8_t *field)
{
	uint8_t b[3] = { msg[0], msg[1], field ? *field : 0 };
	emit(l, BH_H5_LINK_CTRL, false, 0, b, field ? 3 : 2);
}

static void notify(struct bh_h5_link *l, enum bh_h5_event ev)
{
	if (l->port.event)
		l->port.event(l->port.ctx, ev);
}

static void restart(struct bh_h5_link *l, bh_time_ms now)
{
	/* Sequence numbers start over; what was in flight belonged to the old
	 * link and is dropped with the peer's state. */
	l->state = BH_H5_UNINITIALIZED;
	l->tx_seq = l->rx_ack = 0;
	l->ack_pending = false;
	l->q_head = l->q_len = l->q_sent = 0;
	l->retx_at = BH_NEVER;
	l->retx_rounds = 0;
	l->establish_start = now;
	l->next_ctrl = now + l->cfg.sync_ms;
	link_ctrl(l, MSG_SYNC, NULL);
}

void bh_h5_link_init(struct bh_h5_link *l, const struct bh_h5_cfg *cfg,
		     const struct bh_h5_link_port *port, bh_time_ms now)
{
	memset(l, 0, sizeof(*l));
	l->port = *port;
	l->cfg = (struct bh_h5_cfg){ .window = 4, .crc = true, .sync_ms = 100,
				     .establish_ms = 1500, .retx_ms = 250, .max_retx = 20 };
	if (cfg) {
		if (cfg->window >= 1 && cfg->window <= 7)
			l->cfg.window = cfg->window;
		l->cfg.crc = cfg->crc;
		if (cfg->sync_ms)
			l->cfg.sync_ms = cfg->sync_ms;
		if (cfg->establish_ms)
			l->cfg.establish_ms = cfg->establish_ms;
		if (cfg->retx_ms)
			l->cfg.retx_ms = cfg->retx_ms;
		if (cfg->max_retx)
			l->cfg.max_retx = cfg->max_retx;
	}
	bh_h5_slip_init(&l->slip);
	restart(l, now);
}

static struct bh_h5_txslot *slot(struct bh_h5_link *l, unsigned i)
{
	return &l->q[(l->q_head + i) % BH_H5_TXQ];
}

/* Sends queued packets while the window has room. */
static void pump(struct bh_h5_link *l, bh_time_ms now)
{
	if (l->state != BH_H5_ACTIVE)
		return;
	while (l->q_sent < l->q_len && l->q_sent < l->tx_win) {
		struct bh_h5_txslot *s = slot(l, l->q_sent);
		emit(l, s->type, true, (uint8_t)((l->tx_seq + l->q_sent) & 7), s->data, s->len);
		l->q_sent++;
		l->stats.tx_reliable++;
		if (l->retx_at == BH_NEVER)
			l->retx_at = now + l->cfg.retx_ms;
	}
}

/* The peer's ack field: every packet before seq `ack` arrived. */
static void on_ack(struct bh_h5_link *l, uint8_t ack, bh_time_ms now)
{
	unsigned n = (unsigned)((ack - l->tx_seq) & 7);
	if (!n || n > l->q_sent)
		return; /* nothing new, or an ack for packets never sent: stale */
	l->q_head = (l->q_head + n) % BH_H5_TXQ;
	l->q_len -= n;
	l->q_sent -= n;
	l->tx_seq = ack;
	l->retx_rounds = 0;
	l->retx_at = l->q_sent ? now + l->cfg.retx_ms : BH_NEVER;
}

static void on_link_ctrl(struct bh_h5_link *l, const uint8_t *p, size_t len, bh_time_ms now)
{
	if (len < 2)
		return;
	if (!memcmp(p, MSG_SYNC, 2)) {
		if (l->state == BH_H5_ACTIVE) {
			l->stats.peer_resets++;
			restart(l, now);
			link_ctrl(l, MSG_SYNC_RSP, NULL);
			notify(l, BH_H5_EV_PEER_RESET);
			return;
		}
		link_ctrl(l, MSG_SYNC_RSP, NULL);
	} else if (!memcmp(p, MSG_SYNC_RSP, 2)) {
		if (l->state == BH_H5_UNINITIALIZED) {
			l->state = BH_H5_INITIALIZED;
			uint8_t f = conf_field(l);
			link_ctrl(l, MSG_CONF, &f);
			l->next_ctrl = now + l->cfg.sync_ms;
		}
	} else if (!memcmp(p, MSG_CONF, 2)) {
		if (l->state != BH_H5_UNINITIALIZED) {
			uint8_t f = conf_field(l);
			link_ctrl(l, MSG_CONF_RSP, &f);
		}
	} else if (!memcmp(p, MSG_CONF_RSP, 2)) {
		if (l->state != BH_H5_INITIALIZED)
			return;
		/* Without a field the peer is a version 1.0 device: window 1, no CRC. */
		uint8_t f = len >= 3 ? p[2] : 0x01;
		uint8_t w = f & 7 ? f & 7 : 1;
		l->tx_win = w < l->cfg.window ? w : l->cfg.window;
		l->tx_crc = l->cfg.crc && (f & 0x10);
		l->state = BH_H5_ACTIVE;
		l->next_ctrl = BH_NEVER;
		notify(l, BH_H5_EV_ACTIVE);
		pump(l, now);
	} else if (!memcmp(p, MSG_WAKEUP, 2)) {
		if (l->state == BH_H5_ACTIVE)
			link_ctrl(l, MSG_WOKEN, NULL);
	}
	/* Woken, Sleep and anything unknown: nothing to do. */
}

static void on_frame(void *ctx, const uint8_t *frame, size_t len);

struct rx_ctx {
	struct bh_h5_link *l;
	bh_time_ms now;
};

void bh_h5_link_rx(struct bh_h5_link *l, const uint8_t *data, size_t len, bh_time_ms now)
{
	struct rx_ctx c = { l, now };
	bh_h5_slip_feed(&l->slip, data, len, on_frame, &c);
	if (l->ack_pending && l->state == BH_H5_ACTIVE) {
		l->stats.tx_acks++;
		emit(l, BH_H5_ACK, false, 0, NULL, 0);
	}
}

static void on_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct rx_ctx *c = ctx;
	struct bh_h5_link *l = c->l;
	struct bh_h5_pkt p;
	if (l->state == BH_H5_FAILED)
		return;
	l->stats.rx_frames++;
	if (bh_h5_parse(frame, len, &p) != BH_OK) {
		l->stats.rx_bad++;
		return;
	}
	if (p.type == BH_H5_LINK_CTRL) {
		if (!p.reliable)
			on_link_ctrl(l, p.payload, p.len, c->now);
		return;
	}
	if (l->state != BH_H5_ACTIVE)
		return; /* HCI traffic before configuration: not ours to take */
	on_ack(l, p.ack, c->now);
	if (p.type == BH_H5_ACK) {
		pump(l, c->now); /* the window may have opened */
		return;
	}
	if (p.reliable) {
		if (p.seq != l->rx_ack) {
			/* a duplicate (our ack was lost) or a gap: say again what we
			 * expect so the peer goes back to it */
			if (((l->rx_ack - p.seq) & 7) <= 4)
				l->stats.rx_dup++;
			else
				l->stats.rx_ooo++;
			l->ack_pending = true;
			return;
		}
		l->rx_ack = (uint8_t)((l->rx_ack + 1) & 7);
		l->ack_pending = true;
	}
	switch (p.type) {
	case BH_H5_CMD:
	case BH_H5_ACL:
	case BH_H5_SCO:
	case BH_H5_EVT:
	case BH_H5_ISO:
		if (bh_h4_packet_valid(p.type, p.payload, p.len)) {
			l->stats.rx_delivered++;
			if (l->port.deliver)
				l->port.deliver(l->port.ctx, p.type, p.payload, p.len);
		} else {
			l->stats.rx_bad++;
		}
		break;
	default:
		break; /* vendor packets and reserved types: acknowledged, unused */
	}
	/* Our window may have opened (acks arrived): send more, which also
	 * carries the acknowledgement. The callback above may have queued. */
	pump(l, c->now);
}

int bh_h5_link_send(struct bh_h5_link *l, uint8_t type, const uint8_t *pkt, size_t len,
		    bh_time_ms now)
{
	if (l->state == BH_H5_FAILED)
		return BH_ESTATE;
	if (!bh_h4_packet_valid(type, pkt, len) || len > BH_H5_MAX_PAYLOAD)
		return BH_EINVAL;
	if (type == BH_H5_SCO) {
		if (l->state == BH_H5_ACTIVE)
			emit(l, type, false, 0, pkt, len);
		return BH_OK;
	}
	if (l->q_len == BH_H5_TXQ)
		return BH_EBUSY;
	struct bh_h5_txslot *s = slot(l, l->q_len++);
	s->type = type;
	s->len = (uint16_t)len;
	memcpy(s->data, pkt, len);
	pump(l, now);
	return BH_OK;
}

bh_time_ms bh_h5_link_next_deadline(const struct bh_h5_link *l)
{
	switch (l->state) {
	case BH_H5_UNINITIALIZED:
	case BH_H5_INITIALIZED:
		return l->next_ctrl;
	case BH_H5_ACTIVE:
		return l->retx_at;
	case BH_H5_FAILED:
		break;
	}
	return BH_NEVER;
}

static void fail(struct bh_h5_link *l, enum bh_h5_event ev)
{
	l->state = BH_H5_FAILED;
	l->retx_at = l->next_ctrl = BH_NEVER;
	notify(l, ev);
}

void bh_h5_link_timeout(struct bh_h5_link *l, bh_time_ms now)
{
	if (l->state == BH_H5_UNINITIALIZED || l->state == BH_H5_INITIALIZED) {
		if (now < l->next_ctrl)
			return;
		if (now - l->establish_start >= l->cfg.establish_ms) {
			fail(l, BH_H5_EV_SYNC_TIMEOUT);
			return;
		}
		if (l->state == BH_H5_UNINITIALIZED) {
			link_ctrl(l, MSG_SYNC, NULL);
		} else {
			uint8_t f = conf_field(l);
			link_ctrl(l, MSG_CONF, &f);
		}
		l->next_ctrl = now + l->cfg.sync_ms;
		return;
	}
	if (l->state != BH_H5_ACTIVE || now < l->retx_at)
		return;
	if (++l->retx_rounds > l->cfg.max_retx) {
		fail(l, BH_H5_EV_RETX_TIMEOUT);
		return;
	}
	/* go back to the oldest unacknowledged packet and resend the window */
	for (unsigned i = 0; i < l->q_sent; i++) {
		struct bh_h5_txslot *s = slot(l, i);
		emit(l, s->type, true, (uint8_t)((l->tx_seq + i) & 7), s->data, s->len);
		l->stats.tx_retx++;
	}
	l->retx_at = l->q_sent ? now + l->cfg.retx_ms : BH_NEVER;
}
