/* EATT (Core 5.2, Vol 3, Part G, 5.3.2 and Part F, 3.2.11): extra ATT
 * bearers, each on an L2CAP enhanced credit-based channel to SPSM 0x0027,
 * only on an encrypted link. Each bearer is an ordinary bh_att instance
 * whose PDUs are the channel's SDUs and whose ATT_MTU is the channel MTU.
 * The GATT client's requests are spread over every bearer of the link; the
 * GATT server answers a request on the bearer it arrived on (host_conn.c
 * reads c->serving). */
#include "host_internal.h"

#include <string.h>

static struct host_eatt *by_cid(struct host_conn *c, uint16_t cid)
{
	for (unsigned i = 0; i < BH_HOST_EATT_MAX; i++)
		if (c->eatt[i].used && c->eatt[i].cid == cid)
			return &c->eatt[i];
	return NULL;
}

static unsigned open_count(const struct host_conn *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < BH_HOST_EATT_MAX; i++)
		n += c->eatt[i].used;
	return n;
}

static bool link_encrypted(struct bh_host *h, uint16_t handle)
{
	return h->smp && bh_smp_security(h->smp, handle).level >= BH_SEC_ENCRYPTED;
}

int host_eatt_init(struct bh_host *h)
{
	if (!h->cfg.eatt_bearers)
		return 0;
	return bh_l2cap_coc_register(h->l2cap, HOST_EATT_SPSM);
}

/* ---- bearer port ---- */

static int b_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct host_eatt *b = ctx;
	/* A one-frame SDU completes inside coc_send, whose can-send event
	 * must not reach the bearer while it is still in this call: it would
	 * take the PDU as held and send it again. */
	b->sending = true;
	int rc = bh_l2cap_coc_send(b->c->h->l2cap, b->c->handle, b->cid, pdu, len);
	b->sending = false;
	return rc;
}

static void b_server_pdu(void *ctx, const uint8_t *pdu, size_t len)
{
	struct host_eatt *b = ctx;
	struct host_conn *c = b->c;
	struct bh_host *h = c->h;
	if (bh_att_is_request(pdu[0]))
		b->served++;
	if (h->ev.att_request)
		h->ev.att_request(h->ev.ctx, c->handle, pdu, len);
	/* The server answers before bh_gatts_on_pdu returns (gatt_server.h). */
	c->serving = b->att;
	bh_gatts_on_pdu(h->gatts, c->handle, pdu, len);
	c->serving = NULL;
}

static void b_notification(void *ctx, uint16_t attr, const uint8_t *v, size_t len, bool ind)
{
	struct host_eatt *b = ctx;
	host_att_notification(b->c, attr, v, len, ind);
}

static void b_dead(void *ctx, bh_status reason)
{
	struct host_eatt *b = ctx;
	/* A timed-out transaction ends this bearer only (Part F, 3.3.3). */
	host_log(b->c->h, BH_LOG_WARN, "EATT bearer 0x%04x dead (%s): closing it", b->cid,
		 bh_strerror(reason));
	bh_l2cap_coc_disconnect(b->c->h->l2cap, b->c->handle, b->cid);
}

static void b_can_send(void *ctx)
{
	struct host_eatt *b = ctx;
	bh_gatts_can_send(b->c->h->gatts, b->c->handle);
}

static bh_time_ms b_deadline(void *ctx) { return bh_att_next_deadline(((struct host_eatt *)ctx)->att); }
static void b_run(void *ctx)
{
	struct host_eatt *b = ctx;
	struct bh_host *h = b->c->h; /* the timeout may close b */
	HOST_CB_ENTER(h);
	bh_att_on_timeout(b->att);
	HOST_CB_LEAVE(h);
}

/* ---- L2CAP channel events ---- */

uint16_t host_eatt_accept(struct bh_host *h, uint16_t handle)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c || !h->cfg.eatt_bearers)
		return BH_L2CAP_LE_SPSM_NOT_SUPPORTED;
	/* Part G, 5.3.2: EATT only on an encrypted link. */
	if (!link_encrypted(h, handle))
		return BH_L2CAP_LE_INSUFF_ENCRYPTION;
	if (open_count(c) >= h->cfg.eatt_bearers)
		return BH_L2CAP_LE_NO_RESOURCES;
	return BH_L2CAP_LE_SUCCESS;
}

bool host_eatt_opened(struct bh_host *h, uint16_t handle, uint16_t cid, uint16_t spsm,
		      bh_status st)
{
	if (spsm != HOST_EATT_SPSM || !h->cfg.eatt_bearers)
		return false;
	struct host_conn *c = host_conn_find(h, handle);
	if (st != BH_OK) {
		host_log(h, BH_LOG_INFO, "conn 0x%04x: EATT bearer refused: %s", handle,
			 bh_strerror(st));
		return true;
	}
	struct bh_l2cap_chan_info ci;
	struct host_eatt *b = NULL;
	for (unsigned i = 0; c && i < BH_HOST_EATT_MAX && !b; i++)
		if (!c->eatt[i].used && i < h->cfg.eatt_bearers)
			b = &c->eatt[i];
	if (!b || bh_l2cap_chan_info(h->l2cap, handle, cid, &ci) != 0) {
		/* More than we accept (a peer's second request): close it. */
		bh_l2cap_coc_disconnect(h->l2cap, handle, cid);
		return true;
	}
	memset(b, 0, sizeof(*b));
	b->c = c;
	b->cid = cid;
	b->port = (struct bh_att_port){ .ctx = b, .send = b_send, .server_pdu = b_server_pdu,
					.notification = b_notification, .dead = b_dead,
					.can_send = b_can_send };
	struct bh_att_config ac;
	bh_att_config_default(&ac);
	ac.local_mtu = ci.local_mtu < BH_ATT_MAX_MTU ? ci.local_mtu : BH_ATT_MAX_MTU;
	b->att = bh_att_new(&ac, &h->env, &b->port);
	/* Without its loop source the bearer's transaction timeout never runs. */
	if (!b->att || bh_loop_add_source(h->loop, b_deadline, b_run, b)) {
		bh_att_free(b->att);
		b->att = NULL;
		bh_l2cap_coc_disconnect(h->l2cap, handle, cid);
		return true;
	}
	bh_att_set_fixed_mtu(b->att, ci.peer_mtu < ci.local_mtu ? ci.peer_mtu : ci.local_mtu);
	b->used = true;
	host_log(h, BH_LOG_INFO, "conn 0x%04x: EATT bearer 0x%04x open, MTU %u", handle, cid,
		 bh_att_mtu(b->att));
	return true;
}

bool host_eatt_rx(struct bh_host *h, uint16_t handle, uint16_t cid, const uint8_t *sdu,
		  size_t len)
{
	struct host_conn *c = host_conn_find(h, handle);
	struct host_eatt *b = c ? by_cid(c, cid) : NULL;
	if (!b)
		return false;
	bh_att_on_pdu(b->att, sdu, len);
	return true;
}

bool host_eatt_can_send(struct bh_host *h, uint16_t handle, uint16_t cid)
{
	struct host_conn *c = host_conn_find(h, handle);
	struct host_eatt *b = c ? by_cid(c, cid) : NULL;
	if (!b)
		return false;
	if (!b->sending)
		bh_att_can_send(b->att);
	return true;
}

bool host_eatt_closed(struct bh_host *h, uint16_t handle, uint16_t cid, bh_status reason)
{
	struct host_conn *c = host_conn_find(h, handle);
	struct host_eatt *b = c ? by_cid(c, cid) : NULL;
	if (!b)
		return false;
	/* Out of the rotation first: completions below may issue requests. */
	b->used = false;
	bh_loop_remove_source(h->loop, b);
	struct bh_att *att = b->att;
	b->att = NULL;
	bh_att_disconnected(att, reason == BH_OK ? BH_EDISCONNECTED : reason);
	bh_att_free(att);
	host_log(h, BH_LOG_INFO, "conn 0x%04x: EATT bearer 0x%04x closed", handle, cid);
	return true;
}

void host_eatt_link_encrypted(struct bh_host *h, struct host_conn *c)
{
	unsigned n = h->cfg.eatt_bearers;
	if (!n || !c->central || c->eatt_started)
		return;
	if (n > BH_HOST_EATT_MAX)
		n = BH_HOST_EATT_MAX;
	uint16_t cids[BH_HOST_EATT_MAX];
	uint16_t mtu = h->cfg.att_mtu < 512 ? h->cfg.att_mtu : 512;
	if (mtu < BH_L2CAP_ECFC_MTU_MIN)
		mtu = BH_L2CAP_ECFC_MTU_MIN;
	int st = bh_l2cap_ecfc_connect(h->l2cap, c->handle, HOST_EATT_SPSM, n, mtu, cids);
	if (st)
		host_log(h, BH_LOG_WARN, "conn 0x%04x: EATT not started: %s", c->handle,
			 bh_strerror(st));
	else
		c->eatt_started = true;
}

/* ---- GATT client side ---- */

struct bh_att *host_eatt_pick(struct host_conn *c)
{
	/* The least busy bearer; ties go round the bearers in turn, so a
	 * client running one procedure at a time still uses every bearer. */
	struct bh_att *all[1 + BH_HOST_EATT_MAX];
	struct host_eatt *owner[1 + BH_HOST_EATT_MAX];
	unsigned n = 0;
	all[n] = c->att;
	owner[n++] = NULL;
	for (unsigned i = 0; i < BH_HOST_EATT_MAX; i++)
		if (c->eatt[i].used && !bh_att_is_dead(c->eatt[i].att)) {
			all[n] = c->eatt[i].att;
			owner[n++] = &c->eatt[i];
		}
	unsigned start = c->eatt_rr++ % n, best = start;
	for (unsigned k = 1; k < n; k++) {
		unsigned i = (start + k) % n;
		if (bh_att_outstanding(all[i]) < bh_att_outstanding(all[best]))
			best = i;
	}
	if (owner[best])
		owner[best]->sent++;
	return all[best];
}

uint16_t host_eatt_mtu(struct host_conn *c)
{
	uint16_t m = bh_att_mtu(c->att);
	for (unsigned i = 0; i < BH_HOST_EATT_MAX; i++)
		if (c->eatt[i].used && bh_att_mtu(c->eatt[i].att) < m)
			m = bh_att_mtu(c->eatt[i].att);
	return m;
}

void host_eatt_cancel(struct host_conn *c, void *cbctx)
{
	bh_att_cancel(c->att, cbctx);
	for (unsigned i = 0; i < BH_HOST_EATT_MAX; i++)
		if (c->eatt[i].used)
			bh_att_cancel(c->eatt[i].att, cbctx);
}

int bh_host_eatt_info(struct bh_host *h, uint16_t handle, struct bh_host_eatt_info *out)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c || !out)
		return BH_ENOTFOUND;
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < BH_HOST_EATT_MAX; i++) {
		const struct host_eatt *b = &c->eatt[i];
		if (!b->used)
			continue;
		unsigned k = out->bearers++;
		out->b[k].cid = b->cid;
		out->b[k].mtu = bh_att_mtu(b->att);
		out->b[k].requests_sent = b->sent;
		out->b[k].requests_served = b->served;
	}
	return BH_OK;
}
