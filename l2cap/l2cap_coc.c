/* LE credit-based connection-oriented channels (Vol 3, Part A, 3.4 and
 * 4.22-4.24, 10.1): connection and disconnection, SDU segmentation into
 * K-frames within the peer's MPS and credits, reassembly with the receive
 * checks the spec ends in a disconnection, and credit return. */
#include "l2cap_internal.h"

#include <stdlib.h>
#include <string.h>

static struct l2_chan *chan_by_local(struct bh_l2cap *l2, uint16_t handle, uint16_t cid)
{
	for (unsigned i = 0; i < l2->cfg.max_channels; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (ch->in_use && ch->handle == handle && ch->local_cid == cid)
			return ch;
	}
	return NULL;
}

static struct l2_chan *chan_by_peer(struct bh_l2cap *l2, uint16_t handle, uint16_t cid)
{
	for (unsigned i = 0; i < l2->cfg.max_channels; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (ch->in_use && ch->handle == handle && ch->peer_cid == cid &&
		    ch->state != BH_L2CAP_CHAN_WAIT_CONNECT_RSP)
			return ch;
	}
	return NULL;
}

static struct l2_chan *chan_by_ident(struct bh_l2cap *l2, uint16_t handle, uint8_t ident)
{
	for (unsigned i = 0; i < l2->cfg.max_channels; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (ch->in_use && ch->handle == handle && ch->ident == ident &&
		    (ch->state == BH_L2CAP_CHAN_WAIT_CONNECT_RSP ||
		     ch->state == BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP))
			return ch;
	}
	return NULL;
}

/* A free channel with the lowest unused local CID on this connection.
 * A slot's SDU buffers are made by its first channel and kept for the next
 * (a free slot that has them is taken first), so an application that never
 * opens a channel pays nothing for them; NULL when they cannot be made. */
static struct l2_chan *chan_alloc(struct bh_l2cap *l2, uint16_t handle)
{
	struct l2_chan *ch = NULL;
	for (unsigned i = 0; i < l2->cfg.max_channels; i++) {
		struct l2_chan *s = &l2->chans[i];
		if (!s->in_use && (!ch || (s->rx_buf && !ch->rx_buf)))
			ch = s;
	}
	if (!ch)
		return NULL;
	if (!ch->rx_buf && !(ch->rx_buf = malloc(l2->cfg.coc_mtu)))
		return NULL;
	if (!ch->tx_buf && !(ch->tx_buf = malloc(l2->cfg.coc_mtu)))
		return NULL;
	for (uint16_t cid = BH_L2CAP_CID_DYN_MIN; cid <= BH_L2CAP_CID_DYN_MAX; cid++) {
		if (chan_by_local(l2, handle, cid))
			continue;
		uint8_t *rx = ch->rx_buf, *tx = ch->tx_buf;
		memset(ch, 0, sizeof(*ch));
		ch->rx_buf = rx;
		ch->tx_buf = tx;
		ch->in_use = true;
		l2->chans_in_use++;
		ch->handle = handle;
		ch->local_cid = cid;
		ch->local_mtu = l2->cfg.coc_mtu;
		ch->local_mps = l2->cfg.coc_mps;
		return ch;
	}
	return NULL;
}

static void chan_free(struct bh_l2cap *l2, struct l2_chan *ch)
{
	if (ch->in_use)
		l2->chans_in_use--;
	ch->in_use = false;
	ch->state = BH_L2CAP_CHAN_CLOSED;
}

/* Frees the channel, then tells the port (so the callback may reuse it). */
static void chan_closed(struct bh_l2cap *l2, struct l2_chan *ch, bh_status reason)
{
	uint16_t handle = ch->handle, cid = ch->local_cid;
	bool was_open = ch->state == BH_L2CAP_CHAN_OPEN ||
			ch->state == BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP;
	uint16_t spsm = ch->spsm;
	chan_free(l2, ch);
	if (was_open) {
		if (l2->port.coc_disconnected)
			l2->port.coc_disconnected(l2->port.ctx, handle, cid, reason);
	} else if (l2->port.coc_connected) {
		l2->port.coc_connected(l2->port.ctx, handle, cid, spsm, reason);
	}
}

/* Starts a Disconnection Request (4.6) on an open channel. */
static int chan_disconnect(struct bh_l2cap *l2, struct l2_conn *c, struct l2_chan *ch)
{
	uint8_t d[4];
	bh_put16(d, ch->peer_cid);  /* destination: the peer's endpoint */
	bh_put16(d + 2, ch->local_cid);
	uint8_t ident = l2_next_ident(c);
	int rc = l2_sig_send(l2, c, BH_L2CAP_DISCONN_REQ, ident, d, sizeof(d));
	if (rc)
		return rc;
	ch->state = BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP;
	ch->ident = ident;
	ch->deadline = bh_now(l2->env) + l2->cfg.rtx_ms;
	ch->tx_active = false;
	return 0;
}

/* The peer broke a receive rule of 3.4.3: the spec's answer is to
 * disconnect the channel. The user hears BH_EPROTO now. */
static void chan_violation(struct bh_l2cap *l2, struct l2_conn *c, struct l2_chan *ch,
			   const char *why)
{
	L2_LOG(l2, BH_LOG_WARN, "CID 0x%04x: %s: disconnecting", ch->local_cid, why);
	uint16_t handle = ch->handle, cid = ch->local_cid;
	if (chan_disconnect(l2, c, ch) != 0) {
		chan_closed(l2, ch, BH_EPROTO);
		return;
	}
	/* Keep the slot until the response so the CIDs are not reused early,
	 * but the user is done with it. */
	ch->user_told = true;
	if (l2->port.coc_disconnected)
		l2->port.coc_disconnected(l2->port.ctx, handle, cid, BH_EPROTO);
}

static void chan_finish_disconnect(struct bh_l2cap *l2, struct l2_chan *ch, bh_status reason)
{
	if (ch->user_told) {
		chan_free(l2, ch); /* the user heard BH_EPROTO already */
		return;
	}
	chan_closed(l2, ch, reason);
}

int bh_l2cap_coc_register(struct bh_l2cap *l2, uint16_t spsm)
{
	/* 4.22: LE SPSMs are 0x0001..0x00ff. */
	if (spsm == 0 || spsm > 0x00ff)
		return BH_EINVAL;
	unsigned free_slot = l2->cfg.max_servers;
	for (unsigned i = 0; i < l2->cfg.max_servers; i++) {
		if (l2->servers[i] == spsm)
			return BH_EEXIST;
		if (!l2->servers[i] && free_slot == l2->cfg.max_servers)
			free_slot = i;
	}
	if (free_slot == l2->cfg.max_servers)
		return BH_ENOMEM;
	l2->servers[free_slot] = spsm;
	return 0;
}

int bh_l2cap_coc_unregister(struct bh_l2cap *l2, uint16_t spsm)
{
	for (unsigned i = 0; spsm && i < l2->cfg.max_servers; i++) {
		if (l2->servers[i] == spsm) {
			l2->servers[i] = 0;
			return 0;
		}
	}
	return BH_ENOTFOUND;
}

static bool server_known(const struct bh_l2cap *l2, uint16_t spsm)
{
	for (unsigned i = 0; spsm && i < l2->cfg.max_servers; i++)
		if (l2->servers[i] == spsm)
			return true;
	return false;
}

int bh_l2cap_coc_connect(struct bh_l2cap *l2, uint16_t handle, uint16_t spsm, uint16_t *cid)
{
	if (spsm == 0 || spsm > 0x00ff)
		return BH_EINVAL;
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!c)
		return BH_ENOTFOUND;
	struct l2_chan *ch = chan_alloc(l2, handle);
	if (!ch)
		return BH_ENOMEM;
	uint8_t d[10];
	bh_put16(d, spsm);
	bh_put16(d + 2, ch->local_cid);
	bh_put16(d + 4, l2->cfg.coc_mtu);
	bh_put16(d + 6, l2->cfg.coc_mps);
	bh_put16(d + 8, l2->cfg.coc_credits);
	uint8_t ident = l2_next_ident(c);
	int rc = l2_sig_send(l2, c, BH_L2CAP_LE_CREDIT_CONN_REQ, ident, d, sizeof(d));
	if (rc) {
		chan_free(l2, ch);
		return rc;
	}
	ch->state = BH_L2CAP_CHAN_WAIT_CONNECT_RSP;
	ch->spsm = spsm;
	ch->ident = ident;
	ch->deadline = bh_now(l2->env) + l2->cfg.rtx_ms;
	ch->rx_credits = l2->cfg.coc_credits;
	if (cid)
		*cid = ch->local_cid;
	return 0;
}

static bool params_ok(uint16_t mtu, uint16_t mps)
{
	return mtu >= COC_MTU_MIN && mps >= COC_MPS_MIN && mps <= COC_MPS_MAX;
}

/* 4.22: LE Credit Based Connection Request. */
bool l2_coc_on_conn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			const uint8_t *d, size_t len)
{
	if (len != 10)
		return false;
	/* SPSM, Source CID, MTU, MPS, Initial Credits: 2 octets each */
	uint16_t spsm = bh_get16(d), scid = bh_get16(d + 2), mtu = bh_get16(d + 4);
	uint16_t mps = bh_get16(d + 6), credits = bh_get16(d + 8);
	uint16_t result = BH_L2CAP_LE_SUCCESS;
	struct l2_chan *ch = NULL;
	if (!server_known(l2, spsm))
		result = BH_L2CAP_LE_SPSM_NOT_SUPPORTED;
	else if (scid < BH_L2CAP_CID_DYN_MIN || scid > BH_L2CAP_CID_DYN_MAX)
		result = BH_L2CAP_LE_INVALID_SOURCE_CID;
	else if (chan_by_peer(l2, c->handle, scid))
		result = BH_L2CAP_LE_SOURCE_CID_IN_USE;
	else if (!params_ok(mtu, mps))
		result = BH_L2CAP_LE_UNACCEPTABLE_PARAMS;
	else if (l2->port.coc_accept)
		result = l2->port.coc_accept(l2->port.ctx, c->handle, spsm, mtu);
	if (result == BH_L2CAP_LE_SUCCESS && !(ch = chan_alloc(l2, c->handle)))
		result = BH_L2CAP_LE_NO_RESOURCES;

	uint8_t rsp[10] = { 0 };
	if (ch) {
		ch->state = BH_L2CAP_CHAN_OPEN;
		ch->spsm = spsm;
		ch->peer_cid = scid;
		ch->peer_mtu = mtu;
		ch->peer_mps = mps;
		ch->tx_credits = credits;
		ch->rx_credits = l2->cfg.coc_credits;
		bh_put16(rsp, ch->local_cid);
		bh_put16(rsp + 2, l2->cfg.coc_mtu);
		bh_put16(rsp + 4, l2->cfg.coc_mps);
		bh_put16(rsp + 6, l2->cfg.coc_credits);
	}
	bh_put16(rsp + 8, result);
	if (l2_sig_send(l2, c, BH_L2CAP_LE_CREDIT_CONN_RSP, ident, rsp, sizeof(rsp)) != 0 && ch) {
		chan_free(l2, ch); /* the peer never hears of it */
		return true;
	}
	if (ch && l2->port.coc_connected)
		l2->port.coc_connected(l2->port.ctx, c->handle, ch->local_cid, spsm, BH_OK);
	return true;
}

/* 4.23: the answer to our request. */
void l2_coc_on_conn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			const uint8_t *d, size_t len)
{
	struct l2_chan *ch = chan_by_ident(l2, c->handle, ident);
	if (!ch || ch->ecfc || ch->state != BH_L2CAP_CHAN_WAIT_CONNECT_RSP || len != 10) {
		L2_LOG(l2, BH_LOG_INFO, "unexpected LE Credit Based Connection Response dropped");
		l2->stats.sig_dropped++;
		return;
	}
	/* Destination CID, MTU, MPS, Initial Credits, Result: 2 octets each */
	uint16_t dcid = bh_get16(d), mtu = bh_get16(d + 2), mps = bh_get16(d + 4);
	uint16_t credits = bh_get16(d + 6), result = bh_get16(d + 8);
	if (result != BH_L2CAP_LE_SUCCESS) {
		chan_closed(l2, ch, BH_L2CAP_RESULT(result));
		return;
	}
	if (dcid < BH_L2CAP_CID_DYN_MIN || dcid > BH_L2CAP_CID_DYN_MAX ||
	    chan_by_peer(l2, c->handle, dcid) || !params_ok(mtu, mps)) {
		L2_LOG(l2, BH_LOG_INFO, "invalid LE Credit Based Connection Response");
		chan_closed(l2, ch, BH_EMALFORMED);
		return;
	}
	ch->state = BH_L2CAP_CHAN_OPEN;
	ch->peer_cid = dcid;
	ch->peer_mtu = mtu;
	ch->peer_mps = mps;
	ch->tx_credits = credits;
	if (l2->port.coc_connected)
		l2->port.coc_connected(l2->port.ctx, c->handle, ch->local_cid, ch->spsm, BH_OK);
}

/* 4.6: Disconnection Request; DCID is our endpoint, SCID the peer's. */
bool l2_coc_on_disconn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	if (len != 4)
		return false;
	uint16_t dcid = bh_get16(d), scid = bh_get16(d + 2);
	struct l2_chan *ch = chan_by_local(l2, c->handle, dcid);
	if (!ch || ch->state == BH_L2CAP_CHAN_WAIT_CONNECT_RSP || ch->peer_cid != scid) {
		/* 4.1: reason 2 with the endpoints as the requester named them
		 * (local = our side first). */
		uint8_t data[4];
		bh_put16(data, dcid);
		bh_put16(data + 2, scid);
		l2_sig_reject(l2, c, ident, BH_L2CAP_REJ_INVALID_CID, data, sizeof(data));
		return true;
	}
	(void)l2_sig_send(l2, c, BH_L2CAP_DISCONN_RSP, ident, d, 4);
	chan_finish_disconnect(l2, ch, BH_OK);
	return true;
}

void l2_coc_on_disconn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	struct l2_chan *ch = chan_by_ident(l2, c->handle, ident);
	if (!ch || ch->state != BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP || len != 4 ||
	    bh_get16(d) != ch->peer_cid || bh_get16(d + 2) != ch->local_cid) {
		L2_LOG(l2, BH_LOG_INFO, "unexpected Disconnection Response dropped");
		l2->stats.sig_dropped++;
		return;
	}
	chan_finish_disconnect(l2, ch, BH_OK);
}

bool l2_coc_on_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident)
{
	struct l2_chan *ch = chan_by_ident(l2, c->handle, ident);
	if (!ch)
		return false;
	if (ch->state == BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP)
		chan_finish_disconnect(l2, ch, BH_ENOTSUP);
	else
		chan_closed(l2, ch, BH_ENOTSUP);
	return true;
}

static void chan_pump(struct bh_l2cap *l2, struct l2_conn *c, struct l2_chan *ch);

/* 4.24: LE Flow Control Credit. */
void l2_coc_on_credits(struct bh_l2cap *l2, struct l2_conn *c, const uint8_t *d, size_t len)
{
	if (len != 4) {
		l2->stats.sig_dropped++;
		return;
	}
	uint16_t cid = bh_get16(d), credits = bh_get16(d + 2);
	struct l2_chan *ch = chan_by_peer(l2, c->handle, cid);
	if (!ch || ch->state != BH_L2CAP_CHAN_OPEN) {
		l2->stats.sig_dropped++;
		return;
	}
	if (ch->tx_credits + credits > 65535) {
		chan_violation(l2, c, ch, "credit count above 65535");
		return;
	}
	ch->tx_credits += credits;
	chan_pump(l2, c, ch);
}

/* Gives the peer back what it used once half the window is gone, so a
 * steady sender is never stalled and we send few credit packets. */
static void return_credits(struct bh_l2cap *l2, struct l2_conn *c, struct l2_chan *ch)
{
	uint16_t full = l2->cfg.coc_credits;
	if (ch->rx_credits > full / 2)
		return;
	uint8_t d[4];
	bh_put16(d, ch->local_cid);
	bh_put16(d + 2, (uint16_t)(full - ch->rx_credits));
	if (l2_sig_send(l2, c, BH_L2CAP_FLOW_CONTROL_CREDIT, l2_next_ident(c), d, 4) == 0)
		ch->rx_credits = full;
}

bool l2_coc_on_kframe(struct bh_l2cap *l2, struct l2_conn *c, uint16_t cid, const uint8_t *p,
		      size_t len)
{
	struct l2_chan *ch = chan_by_local(l2, c->handle, cid);
	if (!ch)
		return false;
	if (ch->state != BH_L2CAP_CHAN_OPEN) {
		l2->stats.dropped_frames++;
		return true;
	}
	/* 3.4.3: each rule broken here ends in disconnecting the channel. */
	if (ch->rx_credits == 0) {
		chan_violation(l2, c, ch, "K-frame without credit");
		return true;
	}
	ch->rx_credits--;
	if (len > ch->local_mps) {
		chan_violation(l2, c, ch, "K-frame larger than our MPS");
		return true;
	}
	struct bh_rd r = bh_rd_init(p, len);
	if (!ch->rx_in_sdu) {
		uint16_t sdu_len = bh_rd_u16(&r);
		if (!bh_rd_ok(&r)) {
			chan_violation(l2, c, ch, "first K-frame without SDU length");
			return true;
		}
		if (sdu_len > ch->local_mtu) {
			chan_violation(l2, c, ch, "SDU length above our MTU");
			return true;
		}
		ch->rx_sdu_len = sdu_len;
		ch->rx_len = 0;
		ch->rx_in_sdu = true;
	}
	size_t n;
	const uint8_t *payload = bh_rd_rest(&r, &n);
	if (n > (size_t)(ch->rx_sdu_len - ch->rx_len)) {
		chan_violation(l2, c, ch, "K-frames longer than the SDU");
		return true;
	}
	if (n)
		memcpy(ch->rx_buf + ch->rx_len, payload, n);
	ch->rx_len = (uint16_t)(ch->rx_len + n);
	uint16_t handle = c->handle;
	if (ch->rx_len == ch->rx_sdu_len) {
		ch->rx_in_sdu = false;
		if (l2->port.coc_rx)
			l2->port.coc_rx(l2->port.ctx, handle, cid, ch->rx_buf, ch->rx_len);
	}
	/* The callback may have closed the channel or the link. */
	c = l2_conn_find(l2, handle);
	ch = c ? chan_by_local(l2, handle, cid) : NULL;
	if (ch && ch->state == BH_L2CAP_CHAN_OPEN)
		return_credits(l2, c, ch);
	return true;
}

/* Sends K-frames while there is an SDU, credit and link room. */
static void chan_pump(struct bh_l2cap *l2, struct l2_conn *c, struct l2_chan *ch)
{
	while (ch->tx_active && ch->tx_credits > 0) {
		/* K-frames never exceed the peer's MPS, which counts the SDU
		 * length field of the first one (3.4.2). */
		size_t room = ch->peer_mps;
		uint8_t *f = l2->frame + BH_L2CAP_HDR_LEN;
		size_t hdr = 0;
		if (!ch->tx_started) {
			bh_put16(f, ch->tx_len);
			hdr = 2;
		}
		size_t n = ch->tx_len - ch->tx_off;
		if (n > room - hdr)
			n = room - hdr;
		if (n)
			memcpy(f + hdr, ch->tx_buf + ch->tx_off, n);
		bh_put16(l2->frame, (uint16_t)(hdr + n));
		bh_put16(l2->frame + 2, ch->peer_cid);
		int rc = l2_acl_send(l2, c, l2->frame, BH_L2CAP_HDR_LEN + hdr + n);
		if (rc == BH_EBUSY)
			return; /* retried on bh_l2cap_acl_can_send */
		if (rc)
			L2_LOG(l2, BH_LOG_WARN, "K-frame send failed: %d", rc);
		ch->tx_credits--;
		ch->tx_started = true;
		ch->tx_off = (uint16_t)(ch->tx_off + n);
		if (ch->tx_off == ch->tx_len) {
			ch->tx_active = false;
			if (l2->port.coc_can_send)
				l2->port.coc_can_send(l2->port.ctx, c->handle, ch->local_cid);
			return;
		}
	}
}

int bh_l2cap_coc_send(struct bh_l2cap *l2, uint16_t handle, uint16_t cid, const uint8_t *sdu,
		      size_t len)
{
	struct l2_conn *c = l2_conn_find(l2, handle);
	struct l2_chan *ch = c ? chan_by_local(l2, handle, cid) : NULL;
	if (!ch)
		return BH_ENOTFOUND;
	if (ch->state != BH_L2CAP_CHAN_OPEN)
		return BH_ESTATE;
	if (len > ch->peer_mtu || len > l2->cfg.coc_mtu || (len && !sdu))
		return BH_EINVAL;
	if (ch->tx_active)
		return BH_EBUSY;
	if (len)
		memcpy(ch->tx_buf, sdu, len);
	ch->tx_len = (uint16_t)len;
	ch->tx_off = 0;
	ch->tx_started = false;
	ch->tx_active = true;
	chan_pump(l2, c, ch);
	return 0;
}

int bh_l2cap_coc_disconnect(struct bh_l2cap *l2, uint16_t handle, uint16_t cid)
{
	struct l2_conn *c = l2_conn_find(l2, handle);
	struct l2_chan *ch = c ? chan_by_local(l2, handle, cid) : NULL;
	if (!ch)
		return BH_ENOTFOUND;
	if (ch->state != BH_L2CAP_CHAN_OPEN)
		return BH_ESTATE;
	return chan_disconnect(l2, c, ch);
}

int bh_l2cap_chan_info(const struct bh_l2cap *l2, uint16_t handle, uint16_t cid,
		       struct bh_l2cap_chan_info *out)
{
	struct l2_chan *ch = chan_by_local((struct bh_l2cap *)l2, handle, cid);
	if (!ch || ch->user_told)
		return BH_ENOTFOUND;
	out->state = ch->state;
	out->spsm = ch->spsm;
	out->local_cid = ch->local_cid;
	out->peer_cid = ch->peer_cid;
	out->peer_mtu = ch->peer_mtu;
	out->peer_mps = ch->peer_mps;
	out->tx_credits = (uint16_t)ch->tx_credits;
	out->rx_credits = ch->rx_credits;
	out->enhanced = ch->ecfc;
	out->local_mtu = ch->local_mtu;
	out->local_mps = ch->local_mps;
	return 0;
}

void l2_coc_can_send(struct bh_l2cap *l2, struct l2_conn *c)
{
	uint16_t handle = c->handle;
	for (unsigned i = 0; l2->chans_in_use && i < l2->cfg.max_channels; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (!ch->in_use || ch->handle != handle || ch->state != BH_L2CAP_CHAN_OPEN ||
		    !ch->tx_active)
			continue;
		chan_pump(l2, c, ch);
		/* Only a pump runs callbacks, so only then can the link be gone:
		 * this runs once per completed packet, on every link. */
		if (!l2_conn_find(l2, handle))
			return; /* a callback dropped the link */
	}
}

void l2_coc_conn_removed(struct bh_l2cap *l2, uint16_t handle)
{
	for (unsigned i = 0; i < l2->cfg.max_channels; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (ch->in_use && ch->handle == handle)
			chan_finish_disconnect(l2, ch, BH_EDISCONNECTED);
	}
}

bh_time_ms l2_coc_next_deadline(const struct bh_l2cap *l2)
{
	bh_time_ms t = BH_NEVER;
	for (unsigned i = 0; l2->chans_in_use && i < l2->cfg.max_channels; i++) {
		const struct l2_chan *ch = &l2->chans[i];
		if (ch->in_use && (ch->state == BH_L2CAP_CHAN_WAIT_CONNECT_RSP ||
				   ch->state == BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP) &&
		    ch->deadline < t)
			t = ch->deadline;
	}
	return t;
}

void l2_coc_timeout(struct bh_l2cap *l2, bh_time_ms now)
{
	for (unsigned i = 0; i < l2->cfg.max_channels; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (!ch->in_use || now < ch->deadline ||
		    (ch->state != BH_L2CAP_CHAN_WAIT_CONNECT_RSP &&
		     ch->state != BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP))
			continue;
		L2_LOG(l2, BH_LOG_WARN, "CID 0x%04x: signaling request timed out", ch->local_cid);
		chan_finish_disconnect(l2, ch, BH_ETIMEDOUT);
	}
}

/* For l2cap_ecfc.c, which opens and closes channels of the same table. */
struct l2_chan *l2_chan_by_local(struct bh_l2cap *l2, uint16_t handle, uint16_t cid)
{
	return chan_by_local(l2, handle, cid);
}

struct l2_chan *l2_chan_by_peer(struct bh_l2cap *l2, uint16_t handle, uint16_t cid)
{
	return chan_by_peer(l2, handle, cid);
}

struct l2_chan *l2_chan_alloc(struct bh_l2cap *l2, uint16_t handle)
{
	return chan_alloc(l2, handle);
}

void l2_chan_free(struct bh_l2cap *l2, struct l2_chan *ch)
{
	chan_free(l2, ch);
}

bool l2_server_known(const struct bh_l2cap *l2, uint16_t spsm)
{
	return server_known(l2, spsm);
}
