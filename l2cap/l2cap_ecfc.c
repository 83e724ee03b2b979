/* Enhanced credit-based flow control (Core 5.2+, Vol 3, Part A, 3.4 and
 * 4.25-4.28): up to five channels opened by one
 * L2CAP_CREDIT_BASED_CONNECTION_REQ, and L2CAP_CREDIT_BASED_RECONFIGURE_REQ
 * in both directions. Once open, an enhanced channel is an ordinary
 * credit-based channel of l2cap_coc.c (same K-frames, credits and
 * disconnection); only its MTU/MPS may change afterwards. */
#include "l2cap_internal.h"

#include <string.h>

#define ECFC_REQ_FIXED 8 /* SPSM, MTU, MPS, Initial Credits */
#define ECFC_RSP_FIXED 8 /* MTU, MPS, Initial Credits, Result */
#define RECONF_FIXED 4   /* MTU, MPS */

static bool ecfc_params_ok(uint16_t mtu, uint16_t mps)
{
	return mtu >= BH_L2CAP_ECFC_MTU_MIN && mps >= BH_L2CAP_ECFC_MPS_MIN &&
	       mps <= COC_MPS_MAX;
}

static bool dyn_cid(uint16_t cid)
{
	return cid >= BH_L2CAP_CID_DYN_MIN && cid <= BH_L2CAP_CID_DYN_MAX;
}

int bh_l2cap_ecfc_connect(struct bh_l2cap *l2, uint16_t handle, uint16_t spsm, unsigned count,
			  uint16_t mtu, uint16_t cids[])
{
	if (mtu == 0)
		mtu = l2->cfg.coc_mtu;
	if (spsm == 0 || spsm > 0x00ff || count == 0 || count > BH_L2CAP_ECFC_MAX_CHANNELS ||
	    !cids || mtu > l2->cfg.coc_mtu || !ecfc_params_ok(mtu, l2->cfg.coc_mps))
		return BH_EINVAL;
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!c)
		return BH_ENOTFOUND;
	struct l2_chan *chans[BH_L2CAP_ECFC_MAX_CHANNELS];
	uint8_t d[ECFC_REQ_FIXED + 2 * BH_L2CAP_ECFC_MAX_CHANNELS];
	bh_put16(d, spsm);
	bh_put16(d + 2, mtu);
	bh_put16(d + 4, l2->cfg.coc_mps);
	bh_put16(d + 6, l2->cfg.coc_credits);
	unsigned n = 0;
	for (; n < count; n++) {
		/* Claimed now (so the next alloc picks another CID), given back
		 * below if the request cannot go out. */
		chans[n] = l2_chan_alloc(l2, handle);
		if (!chans[n])
			break;
		chans[n]->state = BH_L2CAP_CHAN_WAIT_CONNECT_RSP;
		chans[n]->ecfc = true;
		bh_put16(d + ECFC_REQ_FIXED + 2 * n, chans[n]->local_cid);
	}
	uint8_t ident = 0;
	int rc = n < count ? BH_ENOMEM : 0;
	if (!rc) {
		ident = l2_next_ident(c);
		rc = l2_sig_send(l2, c, BH_L2CAP_CREDIT_CONN_REQ, ident, d,
				 ECFC_REQ_FIXED + 2 * count);
	}
	for (unsigned i = 0; i < n; i++) {
		struct l2_chan *ch = chans[i];
		if (rc) {
			l2_chan_free(l2, ch);
			continue;
		}
		ch->spsm = spsm;
		ch->ident = ident;
		ch->ecfc_slot = (uint8_t)i;
		ch->deadline = bh_now(l2->env) + l2->cfg.rtx_ms;
		ch->rx_credits = l2->cfg.coc_credits;
		ch->local_mtu = mtu;
		cids[i] = ch->local_cid;
	}
	return rc;
}

/* Our result for the whole request, before looking at each Source CID. */
static uint16_t conn_req_verdict(struct bh_l2cap *l2, struct l2_conn *c, uint16_t spsm,
				 uint16_t mtu, uint16_t mps, unsigned n)
{
	if (n == 0)
		return BH_L2CAP_LE_INVALID_PARAMS;
	if (!l2_server_known(l2, spsm))
		return BH_L2CAP_LE_SPSM_NOT_SUPPORTED;
	if (!ecfc_params_ok(mtu, mps))
		return BH_L2CAP_LE_UNACCEPTABLE_PARAMS;
	if (!ecfc_params_ok(l2->cfg.coc_mtu, l2->cfg.coc_mps))
		return BH_L2CAP_LE_NO_RESOURCES; /* we cannot offer the minimum */
	if (l2->port.coc_accept)
		return l2->port.coc_accept(l2->port.ctx, c->handle, spsm, mtu);
	return BH_L2CAP_LE_SUCCESS;
}

/* 4.25: the peer asks for up to five channels at once. */
bool l2_ecfc_on_conn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len)
{
	/* Longer than five CIDs cannot pass the signaling MTU check. */
	if (len < ECFC_REQ_FIXED || (len - ECFC_REQ_FIXED) % 2)
		return false;
	unsigned n = (unsigned)(len - ECFC_REQ_FIXED) / 2;
	uint16_t spsm = bh_get16(d), mtu = bh_get16(d + 2), mps = bh_get16(d + 4);
	uint16_t credits = bh_get16(d + 6);
	uint16_t result = conn_req_verdict(l2, c, spsm, mtu, mps, n);
	uint16_t handle = c->handle;
	uint16_t opened[BH_L2CAP_ECFC_MAX_CHANNELS] = { 0 };
	unsigned nopen = 0;
	uint16_t partial = 0;
	for (unsigned i = 0; result == BH_L2CAP_LE_SUCCESS && i < n; i++) {
		uint16_t scid = bh_get16(d + ECFC_REQ_FIXED + 2 * i);
		bool dup = false;
		for (unsigned j = 0; j < i; j++)
			dup |= bh_get16(d + ECFC_REQ_FIXED + 2 * j) == scid;
		uint16_t why = BH_L2CAP_LE_SUCCESS;
		struct l2_chan *ch = NULL;
		if (!dyn_cid(scid))
			why = BH_L2CAP_LE_INVALID_SOURCE_CID;
		else if (dup || l2_chan_by_peer(l2, handle, scid))
			why = BH_L2CAP_LE_SOURCE_CID_IN_USE;
		else if (!(ch = l2_chan_alloc(l2, handle)))
			why = BH_L2CAP_LE_NO_RESOURCES;
		if (!ch) {
			/* "Some connections refused": the first reason is the
			 * result; this one gets Destination CID 0. */
			if (!partial)
				partial = why;
			continue;
		}
		ch->state = BH_L2CAP_CHAN_OPEN;
		ch->ecfc = true;
		ch->ecfc_slot = (uint8_t)i;
		ch->spsm = spsm;
		ch->peer_cid = scid;
		ch->peer_mtu = mtu;
		ch->peer_mps = mps;
		ch->tx_credits = credits;
		ch->rx_credits = l2->cfg.coc_credits;
		opened[nopen++] = ch->local_cid;
	}
	if (result == BH_L2CAP_LE_SUCCESS)
		result = partial;

	uint8_t rsp[ECFC_RSP_FIXED + 2 * BH_L2CAP_ECFC_MAX_CHANNELS] = { 0 };
	if (nopen) {
		bh_put16(rsp, l2->cfg.coc_mtu);
		bh_put16(rsp + 2, l2->cfg.coc_mps);
		bh_put16(rsp + 4, l2->cfg.coc_credits);
	}
	bh_put16(rsp + 6, result);
	/* Destination CIDs line up with the Source CIDs; 0 where refused. */
	for (unsigned i = 0, k = 0; i < n && k < nopen; i++) {
		struct l2_chan *ch = l2_chan_by_local(l2, handle, opened[k]);
		if (ch->ecfc_slot == i) {
			bh_put16(rsp + ECFC_RSP_FIXED + 2 * i, ch->local_cid);
			k++;
		}
	}
	if (l2_sig_send(l2, c, BH_L2CAP_CREDIT_CONN_RSP, ident, rsp, ECFC_RSP_FIXED + 2 * n)) {
		for (unsigned k = 0; k < nopen; k++) /* the peer never hears of them */
			l2_chan_free(l2, l2_chan_by_local(l2, handle, opened[k]));
		return true;
	}
	/* Any callback may end a channel or the link: look each one up again. */
	for (unsigned k = 0; k < nopen; k++) {
		struct l2_chan *ch = l2_conn_find(l2, handle) ?
					     l2_chan_by_local(l2, handle, opened[k]) : NULL;
		if (ch && ch->state == BH_L2CAP_CHAN_OPEN && l2->port.coc_connected)
			l2->port.coc_connected(l2->port.ctx, handle, opened[k], spsm, BH_OK);
	}
	return true;
}

/* Fire-and-forget Disconnection Request for a channel the peer opened but
 * we cannot use; its response is dropped as unmatched. */
static void refuse_opened(struct bh_l2cap *l2, struct l2_conn *c, uint16_t dcid, uint16_t scid)
{
	uint8_t d[4];
	bh_put16(d, dcid);
	bh_put16(d + 2, scid);
	(void)l2_sig_send(l2, c, BH_L2CAP_DISCONN_REQ, l2_next_ident(c), d, sizeof(d));
}

/* 4.26: the answer to our request; one Destination CID per channel asked. */
void l2_ecfc_on_conn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len)
{
	uint16_t handle = c->handle;
	struct l2_chan *mine[BH_L2CAP_ECFC_MAX_CHANNELS] = { NULL };
	unsigned count = 0;
	for (unsigned i = 0; i < l2->cfg.max_channels; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (ch->in_use && ch->handle == handle && ch->ecfc && ch->ident == ident &&
		    ch->state == BH_L2CAP_CHAN_WAIT_CONNECT_RSP &&
		    ch->ecfc_slot < BH_L2CAP_ECFC_MAX_CHANNELS && !mine[ch->ecfc_slot]) {
			mine[ch->ecfc_slot] = ch;
			count++;
		}
	}
	if (!count) {
		L2_LOG(l2, BH_LOG_INFO, "unexpected Credit Based Connection Response dropped");
		l2->stats.sig_dropped++;
		return;
	}
	bool shape_ok = len >= ECFC_RSP_FIXED && (len - ECFC_RSP_FIXED) % 2 == 0;
	unsigned n = shape_ok ? (unsigned)(len - ECFC_RSP_FIXED) / 2 : 0;
	uint16_t mtu = shape_ok ? bh_get16(d) : 0, mps = shape_ok ? bh_get16(d + 2) : 0;
	uint16_t credits = shape_ok ? bh_get16(d + 4) : 0;
	uint16_t result = shape_ok ? bh_get16(d + 6) : 0;
	bool any = false;
	for (unsigned i = 0; i < n; i++)
		any |= bh_get16(d + ECFC_RSP_FIXED + 2 * i) != 0;
	bh_status all = BH_OK; /* one outcome for every channel, or per channel */
	if (!shape_ok || (any && n != count)) {
		all = BH_EMALFORMED;
	} else if (!any) {
		/* Everything refused (some peers send no CID list then). */
		all = result ? BH_L2CAP_RESULT(result) : BH_EMALFORMED;
	} else if (!ecfc_params_ok(mtu, mps)) {
		for (unsigned i = 0; i < n; i++) {
			uint16_t dcid = bh_get16(d + ECFC_RSP_FIXED + 2 * i);
			if (dyn_cid(dcid))
				refuse_opened(l2, c, dcid, mine[i]->local_cid);
		}
		all = BH_EMALFORMED;
	}
	if (all != BH_OK)
		L2_LOG(l2, BH_LOG_WARN, "Credit Based Connection Response: %s", bh_strerror(all));

	/* Decide every channel first, then tell the port (callbacks may end
	 * the link, after which no pointer here is valid). */
	uint16_t cids[BH_L2CAP_ECFC_MAX_CHANNELS];
	bh_status st[BH_L2CAP_ECFC_MAX_CHANNELS];
	uint16_t spsm = 0;
	for (unsigned i = 0; i < count; i++) {
		struct l2_chan *ch = mine[i];
		cids[i] = ch->local_cid;
		spsm = ch->spsm;
		st[i] = all;
		if (all == BH_OK) {
			uint16_t dcid = bh_get16(d + ECFC_RSP_FIXED + 2 * i);
			bool dup = false;
			for (unsigned j = 0; j < i; j++)
				dup |= bh_get16(d + ECFC_RSP_FIXED + 2 * j) == dcid;
			if (dcid == 0)
				st[i] = result ? BH_L2CAP_RESULT(result) : BH_EMALFORMED;
			else if (!dyn_cid(dcid) || dup || l2_chan_by_peer(l2, handle, dcid))
				st[i] = BH_EMALFORMED;
			if (st[i] == BH_OK) {
				ch->state = BH_L2CAP_CHAN_OPEN;
				ch->peer_cid = dcid;
				ch->peer_mtu = mtu;
				ch->peer_mps = mps;
				ch->tx_credits = credits;
				continue;
			}
		}
		l2_chan_free(l2, ch);
	}
	for (unsigned i = 0; i < count; i++) {
		if (st[i] == BH_OK) {
			/* Already reported closed if a callback dropped the link. */
			struct l2_chan *ch = l2_conn_find(l2, handle) ?
						     l2_chan_by_local(l2, handle, cids[i]) : NULL;
			if (!ch || ch->state != BH_L2CAP_CHAN_OPEN)
				continue;
		}
		if (l2->port.coc_connected)
			l2->port.coc_connected(l2->port.ctx, handle, cids[i], spsm, st[i]);
	}
}

int bh_l2cap_ecfc_reconfigure(struct bh_l2cap *l2, uint16_t handle, const uint16_t *cids,
			      unsigned count, uint16_t mtu, uint16_t mps)
{
	if (!cids || count == 0 || count > BH_L2CAP_ECFC_MAX_CHANNELS || mtu > l2->cfg.coc_mtu ||
	    mps > l2->cfg.coc_mps || !ecfc_params_ok(mtu, mps))
		return BH_EINVAL;
	struct l2_conn *c = l2_conn_find(l2, handle);
	if (!c)
		return BH_ENOTFOUND;
	if (c->reconf_pending)
		return BH_EEXIST;
	struct l2_chan *chans[BH_L2CAP_ECFC_MAX_CHANNELS];
	uint8_t d[RECONF_FIXED + 2 * BH_L2CAP_ECFC_MAX_CHANNELS];
	bh_put16(d, mtu);
	bh_put16(d + 2, mps);
	for (unsigned i = 0; i < count; i++) {
		struct l2_chan *ch = l2_chan_by_local(l2, handle, cids[i]);
		if (!ch || ch->user_told)
			return BH_ENOTFOUND;
		if (!ch->ecfc || ch->state != BH_L2CAP_CHAN_OPEN)
			return BH_ESTATE;
		for (unsigned j = 0; j < i; j++)
			if (cids[j] == cids[i])
				return BH_EINVAL;
		/* 4.27: the MTU never shrinks; the MPS only for one channel. */
		if (mtu < ch->local_mtu || (mps < ch->local_mps && count > 1))
			return BH_EINVAL;
		chans[i] = ch;
		/* The Destination CIDs are the endpoints on our side. */
		bh_put16(d + RECONF_FIXED + 2 * i, ch->local_cid);
	}
	uint8_t ident = l2_next_ident(c);
	int rc = l2_sig_send(l2, c, BH_L2CAP_CREDIT_RECONF_REQ, ident, d, RECONF_FIXED + 2 * count);
	if (rc)
		return rc;
	c->reconf_pending = true;
	c->reconf_ident = ident;
	c->reconf_n = (uint8_t)count;
	c->reconf_mps = mps;
	c->reconf_deadline = bh_now(l2->env) + l2->cfg.rtx_ms;
	for (unsigned i = 0; i < count; i++) {
		struct l2_chan *ch = chans[i];
		c->reconf_cids[i] = ch->local_cid;
		c->reconf_old_mtu[i] = ch->local_mtu;
		c->reconf_old_mps[i] = ch->local_mps;
		/* The peer may use the new values as soon as it has our request:
		 * receive with them now, and with a shrinking MPS only once the
		 * peer has agreed. */
		ch->local_mtu = mtu;
		if (mps > ch->local_mps)
			ch->local_mps = mps;
	}
	return 0;
}

static void reconf_done(struct bh_l2cap *l2, struct l2_conn *c, bh_status st)
{
	uint16_t handle = c->handle;
	unsigned n = c->reconf_n;
	uint16_t cids[BH_L2CAP_ECFC_MAX_CHANNELS];
	memcpy(cids, c->reconf_cids, sizeof(cids));
	c->reconf_pending = false;
	for (unsigned i = 0; i < n; i++) {
		struct l2_chan *ch = l2_chan_by_local(l2, handle, cids[i]);
		if (!ch)
			continue;
		if (st == BH_OK) {
			ch->local_mps = c->reconf_mps;
		} else {
			ch->local_mtu = c->reconf_old_mtu[i];
			ch->local_mps = c->reconf_old_mps[i];
		}
	}
	for (unsigned i = 0; i < n; i++) {
		struct l2_chan *ch = l2_conn_find(l2, handle) ?
					     l2_chan_by_local(l2, handle, cids[i]) : NULL;
		if (ch && !ch->user_told && l2->port.ecfc_reconfigured)
			l2->port.ecfc_reconfigured(l2->port.ctx, handle, cids[i], false, st);
	}
}

/* 4.28 */
void l2_ecfc_on_reconf_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	if (!c->reconf_pending || c->reconf_ident != ident || len != 2) {
		L2_LOG(l2, BH_LOG_INFO, "unexpected Credit Based Reconfigure Response dropped");
		l2->stats.sig_dropped++;
		return;
	}
	uint16_t result = bh_get16(d);
	reconf_done(l2, c, result == BH_L2CAP_RECONF_SUCCESS ? BH_OK : BH_L2CAP_RESULT(result));
}

/* 4.27: the peer changes its receive MTU/MPS on some of our channels. All
 * or nothing: a refused request changes no channel. */
bool l2_ecfc_on_reconf_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	if (len < RECONF_FIXED || (len - RECONF_FIXED) % 2)
		return false;
	unsigned n = (unsigned)(len - RECONF_FIXED) / 2;
	uint16_t mtu = bh_get16(d), mps = bh_get16(d + 2);
	uint16_t handle = c->handle;
	uint16_t result = BH_L2CAP_RECONF_SUCCESS;
	struct l2_chan *chans[BH_L2CAP_ECFC_MAX_CHANNELS];
	if (n == 0 || !ecfc_params_ok(mtu, mps))
		result = BH_L2CAP_RECONF_UNACCEPTABLE;
	for (unsigned i = 0; result == BH_L2CAP_RECONF_SUCCESS && i < n; i++) {
		/* The peer names its own endpoints: our peer_cid. */
		struct l2_chan *ch = l2_chan_by_peer(l2, handle, bh_get16(d + RECONF_FIXED + 2 * i));
		for (unsigned j = 0; ch && j < i; j++)
			if (chans[j] == ch)
				ch = NULL; /* named twice */
		if (!ch || !ch->ecfc || ch->user_told || ch->state != BH_L2CAP_CHAN_OPEN)
			result = BH_L2CAP_RECONF_INVALID_CID;
		else if (mtu < ch->peer_mtu)
			result = BH_L2CAP_RECONF_MTU_REDUCED;
		else if (mps < ch->peer_mps && n > 1)
			result = BH_L2CAP_RECONF_MPS_REDUCED;
		chans[i] = ch;
	}
	uint16_t cids[BH_L2CAP_ECFC_MAX_CHANNELS];
	for (unsigned i = 0; result == BH_L2CAP_RECONF_SUCCESS && i < n; i++) {
		chans[i]->peer_mtu = mtu;
		chans[i]->peer_mps = mps;
		cids[i] = chans[i]->local_cid;
	}
	uint8_t rsp[2];
	bh_put16(rsp, result);
	(void)l2_sig_send(l2, c, BH_L2CAP_CREDIT_RECONF_RSP, ident, rsp, sizeof(rsp));
	if (result != BH_L2CAP_RECONF_SUCCESS) {
		L2_LOG(l2, BH_LOG_INFO, "Credit Based Reconfigure Request refused: 0x%04x", result);
		return true;
	}
	for (unsigned i = 0; i < n; i++)
		if (l2_conn_find(l2, handle) && l2_chan_by_local(l2, handle, cids[i]) &&
		    l2->port.ecfc_reconfigured)
			l2->port.ecfc_reconfigured(l2->port.ctx, handle, cids[i], true, BH_OK);
	return true;
}

bool l2_ecfc_on_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident)
{
	if (c->reconf_pending && c->reconf_ident == ident) {
		reconf_done(l2, c, BH_ENOTSUP);
		return true;
	}
	uint16_t handle = c->handle;
	uint16_t cids[BH_L2CAP_ECFC_MAX_CHANNELS], spsm = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < l2->cfg.max_channels && n < BH_L2CAP_ECFC_MAX_CHANNELS; i++) {
		struct l2_chan *ch = &l2->chans[i];
		if (ch->in_use && ch->handle == handle && ch->ecfc && ch->ident == ident &&
		    ch->state == BH_L2CAP_CHAN_WAIT_CONNECT_RSP) {
			cids[n++] = ch->local_cid;
			spsm = ch->spsm;
			l2_chan_free(l2, ch);
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (l2->port.coc_connected)
			l2->port.coc_connected(l2->port.ctx, handle, cids[i], spsm, BH_ENOTSUP);
	return n > 0;
}

void l2_ecfc_timeout(struct bh_l2cap *l2, bh_time_ms now)
{
	for (unsigned i = 0; i < l2->cfg.max_connections; i++) {
		struct l2_conn *c = &l2->conns[i];
		if (c->in_use && c->reconf_pending && now >= c->reconf_deadline) {
			L2_LOG(l2, BH_LOG_WARN, "Credit Based Reconfigure Request timed out");
			reconf_done(l2, c, BH_ETIMEDOUT);
		}
	}
}
