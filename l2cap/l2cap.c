/* L2CAP object: connections, basic-header framing (Vol 3, Part A, 3.1),
 * fixed-channel dispatch with their MTUs, and the LE signaling channel
 * (CID 5, Vol 3, Part A, 4): command framing and checks, Command Reject,
 * Connection Parameter Update in both roles, held signaling frames, RTX.
 * The credit-based channel commands are handled in l2cap_coc.c. */
#include "l2cap_internal.h"

#include <stdlib.h>
#include <string.h>

void bh_l2cap_config_default(struct bh_l2cap_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_connections = 8;
	c->max_channels = 8;
	c->max_servers = 4;
	c->att_mtu = 517;
	c->coc_mtu = 512;
	c->coc_mps = 247;
	c->coc_credits = 8;
	c->rtx_ms = BH_L2CAP_RTX_MS;
}

const char *bh_l2cap_chan_state_str(enum bh_l2cap_chan_state s)
{
	switch (s) {
	case BH_L2CAP_CHAN_CLOSED: return "closed";
	case BH_L2CAP_CHAN_WAIT_CONNECT_RSP: return "wait-connect-rsp";
	case BH_L2CAP_CHAN_OPEN: return "open";
	case BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP: return "wait-disconnect-rsp";
	}
	return "unknown";
}

bool bh_l2cap_conn_params_valid(const struct bh_l2cap_conn_params *p)
{
	if (p->interval_min < 6 || p->interval_max > 3200 || p->interval_min > p->interval_max)
		return false;
	if (p->latency > 499 || p->timeout < 10 || p->timeout > 3200)
		return false;
	/* timeout (10 ms units) * 10 > (1 + latency) * interval_max (1.25 ms) * 2,
	 * scaled by 4 to stay in integers. */
	return (uint32_t)p->timeout * 4 > (uint32_t)(1 + p->latency) * p->interval_max;
}

struct bh_l2cap *bh_l2cap_new(const struct bh_l2cap_config *cfg, const struct bh_env *env,
			      const struct bh_l2cap_port *port)
{
	if (!env || !port || !port->acl_send)
		return NULL;
	struct bh_l2cap_config c;
	if (cfg)
		c = *cfg;
	else
		bh_l2cap_config_default(&c);
	if (!c.max_connections || c.coc_mtu < COC_MTU_MIN || c.coc_mps < COC_MPS_MIN ||
	    c.coc_mps > COC_MPS_MAX || c.att_mtu < 23 || !c.rtx_ms)
		return NULL;
	struct bh_l2cap *l2 = calloc(1, sizeof(*l2));
	if (!l2)
		return NULL;
	l2->cfg = c;
	l2->env = env;
	l2->port = *port;
	l2->conns = calloc(c.max_connections, sizeof(*l2->conns));
	l2->chans = calloc(c.max_channels ? c.max_channels : 1, sizeof(*l2->chans));
	l2->servers = calloc(c.max_servers ? c.max_servers : 1, sizeof(*l2->servers));
	/* One scratch frame for K-frames and fixed-channel PDUs alike. */
	size_t room = (size_t)c.coc_mtu + 2 > c.att_mtu ? (size_t)c.coc_mtu + 2 : c.att_mtu;
	l2->frame = malloc(BH_L2CAP_HDR_LEN + room);
	/* Channels' SDU buffers are made when a channel first uses a slot
	 * (l2cap_coc.c), not here. */
	if (!l2->conns || !l2->chans || !l2->servers || !l2->frame) {
		bh_l2cap_free(l2);
		return NULL;
	}
	return l2;
}

void bh_l2cap_free(struct bh_l2cap *l2)
{
	if (!l2)
		return;
	for (unsigned i = 0; l2->chans && i < l2->cfg.max_channels; i++) {
		free(l2->chans[i].rx_buf);
		free(l2->chans[i].tx_buf);
	}
	free(l2->chans);
	free(l2->conns);
	free(l2->servers);
	free(l2->frame);
	free(l2);
}

const struct bh_l2cap_stats *bh_l2cap_stats(const struct bh_l2cap *l2) { return &l2->stats; }

struct l2_conn *l2_conn_find(struct bh_l2cap *l2, uint16_t handle)
{
	for (unsigned i = 0; i < l2->cfg.max_connections; i++)
		if (l2->conns[i].in_use && l2->conns[i].handle == handle)
			return &l2->conns[i];
	return NULL;
}

int bh_l2cap_conn_added(struct bh_l2cap *l2, uint16_t handle, enum bh_l2cap_role role)
{
	if (l2_conn_find(l2, handle))
		return BH_EEXIST;
	for (unsigned i = 0; i < l2->cfg.max_connections; i++) {
		struct l2_conn *c = &l2->conns[i];
		if (c->in_use)
			continue;
		memset(c, 0, sizeof(*c));
		c->in_use = true;
		l2->conns_in_use++;
		c->handle = handle;
		c->role = role;
		c->next_ident = 1;
		return 0;
	}
	return BH_ENOMEM;
}

void bh_l2cap_conn_removed(struct bh_l2cap *l2, uint16_t handle)
{
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!c)
		return;
	/* Free the slot first so callbacks see the connection gone (and may
	 * even reuse the slot). */
	bool param = c->param_pending;
	c->param_pending = false;
	c->sigq_count = 0;
	c->in_use = false;
	l2->conns_in_use--;
	l2_coc_conn_removed(l2, handle);
	if (param && l2->port.conn_param_result)
		l2->port.conn_param_result(l2->port.ctx, handle, BH_EDISCONNECTED);
}

uint8_t l2_next_ident(struct l2_conn *c)
{
	/* Identifier 0 is invalid (Vol 3, Part A, 4). */
	uint8_t id = c->next_ident;
	c->next_ident = (uint8_t)(id == 255 ? 1 : id + 1);
	return id;
}

int l2_sig_send(struct bh_l2cap *l2, struct l2_conn *c, uint8_t code, uint8_t ident,
		const uint8_t *data, size_t len)
{
	uint8_t f[SIG_FRAME_MAX];
	size_t n = BH_L2CAP_HDR_LEN + SIG_HDR_LEN + len;
	if (n > sizeof(f))
		return BH_EINVAL;
	bh_put16(f, (uint16_t)(SIG_HDR_LEN + len));
	bh_put16(f + 2, BH_L2CAP_CID_LE_SIGNALING);
	f[4] = code;
	f[5] = ident;
	bh_put16(f + 6, (uint16_t)len);
	if (len)
		memcpy(f + 8, data, len);
	/* Held frames go first so commands keep their order. */
	if (c->sigq_count == 0) {
		int rc = l2_acl_send(l2, c, f, n);
		if (rc != BH_EBUSY) {
			if (rc)
				L2_LOG(l2, BH_LOG_WARN, "signaling send failed: %d", rc);
			return 0;
		}
	}
	if (c->sigq_count == SIGQ_DEPTH) {
		L2_LOG(l2, BH_LOG_WARN, "signaling queue full: command 0x%02x dropped", code);
		l2->stats.sig_dropped++;
		return BH_EBUSY;
	}
	unsigned slot = (c->sigq_head + c->sigq_count++) % SIGQ_DEPTH;
	memcpy(c->sigq[slot], f, n);
	c->sigq_len[slot] = (uint8_t)n;
	return 0;
}

static bool flush_sig(struct bh_l2cap *l2, struct l2_conn *c)
{
	while (c->sigq_count) {
		unsigned s = c->sigq_head;
		int rc = l2_acl_send(l2, c, c->sigq[s], c->sigq_len[s]);
		if (rc == BH_EBUSY)
			return false;
		c->sigq_head = (s + 1) % SIGQ_DEPTH;
		c->sigq_count--;
	}
	return true;
}

void bh_l2cap_acl_can_send(struct bh_l2cap *l2, uint16_t handle)
{
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!c)
		return;
	c->acl_full = false; /* before the sends below: they may fill it again */
	if (!flush_sig(l2, c))
		return;
	l2_coc_can_send(l2, c);
	c = l2_conn_find(l2, handle); /* a callback may have removed it */
	if (c && c->fixed_wants) {
		c->fixed_wants = false;
		if (l2->port.can_send)
			l2->port.can_send(l2->port.ctx, handle);
	}
}

int l2_acl_send(struct bh_l2cap *l2, struct l2_conn *c, const uint8_t *frame, size_t len)
{
	int rc = l2->port.acl_send(l2->port.ctx, c->handle, frame, len);
	if (rc != BH_L2CAP_NOW_FULL)
		return rc;
	c->acl_full = true;
	return 0;
}

int bh_l2cap_send_fixed_flow(struct bh_l2cap *l2, uint16_t handle, uint16_t cid,
			     const uint8_t *pdu, size_t len)
{
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!c)
		return BH_ENOTFOUND;
	size_t mtu = cid == BH_L2CAP_CID_ATT ? l2->cfg.att_mtu
		     : cid == BH_L2CAP_CID_SMP ? BH_L2CAP_SMP_MTU : 0;
	if (!mtu || len > mtu || (len && !pdu))
		return BH_EINVAL;
	if (c->acl_full) {
		/* Refused unbuilt: the lower layer owes a can-send. */
		c->fixed_wants = true;
		return BH_EBUSY;
	}
	uint8_t *buf = l2->frame;
	bh_put16(buf, (uint16_t)len);
	bh_put16(buf + 2, cid);
	if (len)
		memcpy(buf + BH_L2CAP_HDR_LEN, pdu, len);
	int rc = l2->port.acl_send(l2->port.ctx, handle, buf, len + BH_L2CAP_HDR_LEN);
	if (rc == BH_L2CAP_NOW_FULL)
		c->acl_full = true;
	/* Full or refused: whoever sends next waits for port.can_send. */
	if (rc == BH_EBUSY || rc == BH_L2CAP_NOW_FULL)
		c->fixed_wants = true;
	return rc;
}

int bh_l2cap_send_fixed(struct bh_l2cap *l2, uint16_t handle, uint16_t cid, const uint8_t *pdu,
			size_t len)
{
	int rc = bh_l2cap_send_fixed_flow(l2, handle, cid, pdu, len);
	return rc == BH_L2CAP_NOW_FULL ? 0 : rc;
}

void bh_l2cap_on_acl(struct bh_l2cap *l2, uint16_t handle, const uint8_t *frame, size_t len)
{
	/* Length(2) Channel ID(2) Payload (Vol 3, Part A, 3.1) */
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!frame || len < BH_L2CAP_HDR_LEN || bh_get16(frame) != len - BH_L2CAP_HDR_LEN || !c) {
		L2_LOG(l2, BH_LOG_INFO, "frame on 0x%04x dropped: bad header or unknown connection",
		       handle);
		l2->stats.dropped_frames++;
		return;
	}
	uint16_t plen = (uint16_t)(len - BH_L2CAP_HDR_LEN), cid = bh_get16(frame + 2);
	const uint8_t *p = frame + BH_L2CAP_HDR_LEN;
	switch (cid) {
	case BH_L2CAP_CID_ATT:
	case BH_L2CAP_CID_SMP: {
		/* Vol 3, Part A, 3.1 / Part H, 3.2: a PDU above the channel MTU
		 * is discarded. */
		size_t mtu = cid == BH_L2CAP_CID_ATT ? l2->cfg.att_mtu : BH_L2CAP_SMP_MTU;
		if (plen > mtu) {
			L2_LOG(l2, BH_LOG_INFO, "%u octets on CID 0x%04x exceed MTU %zu: dropped",
			       plen, cid, mtu);
			l2->stats.dropped_frames++;
			return;
		}
		if (l2->port.fixed_rx)
			l2->port.fixed_rx(l2->port.ctx, handle, cid, p, plen);
		return;
	}
	case BH_L2CAP_CID_LE_SIGNALING:
		l2_sig_on_frame(l2, c, p, plen);
		return;
	default:
		if (cid >= BH_L2CAP_CID_DYN_MIN && cid <= BH_L2CAP_CID_DYN_MAX &&
		    l2_coc_on_kframe(l2, c, cid, p, plen))
			return;
		L2_LOG(l2, BH_LOG_DEBUG, "frame for unknown CID 0x%04x dropped", cid);
		l2->stats.dropped_frames++;
		return;
	}
}

bh_time_ms bh_l2cap_next_deadline(const struct bh_l2cap *l2)
{
	bh_time_ms t = l2_coc_next_deadline(l2);
	/* One walk for both per-link timers (the loop asks this every pass):
	 * Connection Parameter Update and Credit Based Reconfigure. */
	for (unsigned i = 0, seen = 0; seen < l2->conns_in_use && i < l2->cfg.max_connections;
	     i++) {
		const struct l2_conn *c = &l2->conns[i];
		if (!c->in_use)
			continue;
		seen++;
		if (c->param_pending && c->param_deadline < t)
			t = c->param_deadline;
		if (c->reconf_pending && c->reconf_deadline < t)
			t = c->reconf_deadline;
	}
	return t;
}

void bh_l2cap_on_timeout(struct bh_l2cap *l2)
{
	bh_time_ms now = bh_now(l2->env);
	for (unsigned i = 0; i < l2->cfg.max_connections; i++)
		if (l2->conns[i].in_use)
			l2_sig_timeout(l2, &l2->conns[i], now);
	l2_coc_timeout(l2, now);
	l2_ecfc_timeout(l2, now);
}

/* ---- LE signaling channel ---------------------------------------------- */

void l2_sig_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident, uint16_t reason,
		   const uint8_t *data, size_t len)
{
	uint8_t d[6];
	bh_put16(d, reason);
	if (len > 4)
		len = 4;
	if (len)
		memcpy(d + 2, data, len);
	l2->stats.sig_rejects_sent++;
	(void)l2_sig_send(l2, c, BH_L2CAP_COMMAND_REJECT, ident, d, 2 + len);
}

static void param_done(struct bh_l2cap *l2, struct l2_conn *c, bh_status st)
{
	c->param_pending = false;
	if (l2->port.conn_param_result)
		l2->port.conn_param_result(l2->port.ctx, c->handle, st);
}

/* 4.20: only the central answers; a peripheral rejects the command. */
__attribute__((noinline)) static bool on_param_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len)
{
	/* Not understood, as a peripheral: rejected by l2_sig_on_frame. */
	if (len != 8 || c->role != BH_L2CAP_CENTRAL)
		return false;
	/* Interval Min, Interval Max, Latency, Timeout: 2 octets each (4.20) */
	struct bh_l2cap_conn_params p = { bh_get16(d), bh_get16(d + 2), bh_get16(d + 4),
					  bh_get16(d + 6) };
	bool accept = bh_l2cap_conn_params_valid(&p);
	uint16_t handle = c->handle;
	if (accept && l2->port.conn_param_request) {
		accept = l2->port.conn_param_request(l2->port.ctx, handle, &p);
		if (!(c = l2_conn_find(l2, handle)))
			return true; /* the app dropped the link meanwhile */
	}
	uint8_t rsp[2];
	bh_put16(rsp, accept ? 0x0000 : 0x0001); /* 4.21: accepted / rejected */
	(void)l2_sig_send(l2, c, BH_L2CAP_CONN_PARAM_RSP, ident, rsp, 2);
	/* The response goes first, then the central starts the update. */
	if (accept && l2->port.conn_update)
		l2->port.conn_update(l2->port.ctx, handle, &p);
	return true;
}

static void on_param_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len)
{
	if (!c->param_pending || c->param_ident != ident || len != 2) {
		L2_LOG(l2, BH_LOG_INFO, "unexpected Connection Parameter Update Response dropped");
		l2->stats.sig_dropped++;
		return;
	}
	uint16_t result = bh_get16(d);
	param_done(l2, c, result == 0 ? BH_OK : BH_L2CAP_RESULT(result));
}

static void on_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident, size_t len)
{
	if (len < 2) {
		l2->stats.sig_dropped++;
		return;
	}
	if (c->param_pending && c->param_ident == ident) {
		param_done(l2, c, BH_ENOTSUP);
		return;
	}
	if (!l2_ecfc_on_reject(l2, c, ident) && !l2_coc_on_reject(l2, c, ident)) {
		L2_LOG(l2, BH_LOG_INFO, "Command Reject with unknown identifier %u dropped", ident);
		l2->stats.sig_dropped++;
	}
}

/* One command to its handler; false: not understood. Out of line, with
 * the handlers' arguments already in place, so most cases are one jump. */
__attribute__((noinline)) static bool sig_handle(struct bh_l2cap *l2, struct l2_conn *c,
						 uint8_t ident, const uint8_t *d, size_t dlen,
						 uint8_t code)
{
	switch (code) {
	case BH_L2CAP_COMMAND_REJECT:
		on_reject(l2, c, ident, dlen);
		return true;
	case BH_L2CAP_CONN_PARAM_REQ:
		return on_param_req(l2, c, ident, d, dlen);
	case BH_L2CAP_CONN_PARAM_RSP:
		on_param_rsp(l2, c, ident, d, dlen);
		return true;
	case BH_L2CAP_LE_CREDIT_CONN_REQ:
		return l2_coc_on_conn_req(l2, c, ident, d, dlen);
	case BH_L2CAP_LE_CREDIT_CONN_RSP:
		l2_coc_on_conn_rsp(l2, c, ident, d, dlen);
		return true;
	case BH_L2CAP_DISCONN_REQ:
		return l2_coc_on_disconn_req(l2, c, ident, d, dlen);
	case BH_L2CAP_DISCONN_RSP:
		l2_coc_on_disconn_rsp(l2, c, ident, d, dlen);
		return true;
	case BH_L2CAP_FLOW_CONTROL_CREDIT:
		l2_coc_on_credits(l2, c, d, dlen);
		return true;
	case BH_L2CAP_CREDIT_CONN_REQ:
		return l2_ecfc_on_conn_req(l2, c, ident, d, dlen);
	case BH_L2CAP_CREDIT_CONN_RSP:
		l2_ecfc_on_conn_rsp(l2, c, ident, d, dlen);
		return true;
	case BH_L2CAP_CREDIT_RECONF_REQ:
		return l2_ecfc_on_reconf_req(l2, c, ident, d, dlen);
	case BH_L2CAP_CREDIT_RECONF_RSP:
		l2_ecfc_on_reconf_rsp(l2, c, ident, d, dlen);
		return true;
	default:
		return false;
	}
}

void l2_sig_on_frame(struct bh_l2cap *l2, struct l2_conn *c, const uint8_t *pdu, size_t len)
{
	/* Code(1) Identifier(1) Length(2) Data (Vol 3, Part A, 4) */
	if (len < SIG_HDR_LEN) {
		l2->stats.sig_dropped++;
		return;
	}
	uint8_t code = pdu[0], ident = pdu[1];
	uint16_t dlen = bh_get16(pdu + 2);
	size_t left = len - SIG_HDR_LEN;
	const uint8_t *d = pdu + SIG_HDR_LEN;
	if (len > BH_L2CAP_SIG_MTU) {
		/* 4.1: reason 1 carries our signaling MTU. */
		uint8_t mtu[2];
		bh_put16(mtu, BH_L2CAP_SIG_MTU);
		l2_sig_reject(l2, c, ident, BH_L2CAP_REJ_MTU_EXCEEDED, mtu, 2);
		return;
	}
	if (ident == 0) {
		/* 4: identifier 0 is never valid; nothing sane to answer. */
		L2_LOG(l2, BH_LOG_INFO, "signaling command with identifier 0 dropped");
		l2->stats.sig_dropped++;
		return;
	}
	if (dlen != left && code == BH_L2CAP_COMMAND_REJECT) {
		l2->stats.sig_dropped++; /* never reject a reject: no ping-pong */
		return;
	}
	/* LE carries one command per C-frame; a length that does not match
	 * the frame means the command cannot be parsed. */
	if (dlen != left || !sig_handle(l2, c, ident, d, dlen, code))
		l2_sig_reject(l2, c, ident, BH_L2CAP_REJ_NOT_UNDERSTOOD, NULL, 0);
}

int bh_l2cap_conn_param_update(struct bh_l2cap *l2, uint16_t handle,
			       const struct bh_l2cap_conn_params *p)
{
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!c)
		return BH_ENOTFOUND;
	if (!p || !bh_l2cap_conn_params_valid(p))
		return BH_EINVAL;
	if (c->role != BH_L2CAP_PERIPHERAL)
		return BH_ESTATE;
	if (c->param_pending)
		return BH_EEXIST;
	uint8_t d[8];
	bh_put16(d, p->interval_min);
	bh_put16(d + 2, p->interval_max);
	bh_put16(d + 4, p->latency);
	bh_put16(d + 6, p->timeout);
	uint8_t ident = l2_next_ident(c);
	int rc = l2_sig_send(l2, c, BH_L2CAP_CONN_PARAM_REQ, ident, d, sizeof(d));
	if (rc)
		return rc;
	c->param_pending = true;
	c->param_ident = ident;
	c->param_deadline = bh_now(l2->env) + l2->cfg.rtx_ms;
	return 0;
}

void l2_sig_timeout(struct bh_l2cap *l2, struct l2_conn *c, bh_time_ms now)
{
	if (c->param_pending && now >= c->param_deadline) {
		L2_LOG(l2, BH_LOG_WARN, "Connection Parameter Update Request timed out");
		param_done(l2, c, BH_ETIMEDOUT);
	}
}
