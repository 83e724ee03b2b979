/* Per-connection wiring: GAP reports a link, and the host gives it an L2CAP
 * entry, an ATT bearer, a GATT client, GATT server state and SMP state; when
 * it goes, they are torn down in the reverse order. */
#include "host_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct host_conn *host_conn_find(struct bh_host *h, uint16_t handle)
{
	for (unsigned i = 0; i < h->max_conns; i++)
		if (h->conns[i] && h->conns[i]->used && h->conns[i]->handle == handle)
			return h->conns[i];
	return NULL;
}

/* ---- ATT bearer port ---- */

static int att_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct host_conn *c = ctx;
	/* "Sent, now full" travels up so that the next notification is
	 * refused before it is built (and the GATT server's before ATT's). */
	int rc = bh_l2cap_send_fixed_flow(c->h->l2cap, c->handle, BH_L2CAP_CID_ATT, pdu, len);
	return rc == BH_L2CAP_NOW_FULL ? BH_ATT_NOW_FULL : rc;
}

static void att_server_pdu(void *ctx, const uint8_t *pdu, size_t len)
{
	struct host_conn *c = ctx;
	if (c->h->ev.att_request)
		c->h->ev.att_request(c->h->ev.ctx, c->handle, pdu, len);
	bh_gatts_on_pdu(c->h->gatts, c->handle, pdu, len);
}

void host_att_notification(struct host_conn *c, uint16_t attr, const uint8_t *v, size_t len,
			   bool ind)
{
	struct bh_host *h = c->h;
	if (h->ev.notification)
		h->ev.notification(h->ev.ctx, c->handle, attr, v, len, ind);
	if (c->gattc)
		bh_gattc_on_notification(c->gattc, attr, v, len, ind);
}

static void att_notification(void *ctx, uint16_t attr, const uint8_t *v, size_t len, bool ind)
{
	host_att_notification(ctx, attr, v, len, ind);
}

static void att_dead(void *ctx, bh_status reason)
{
	struct host_conn *c = ctx;
	host_log(c->h, BH_LOG_WARN, "ATT bearer on 0x%04x dead (%s): disconnecting", c->handle,
		 bh_strerror(reason));
	bh_gap_disconnect(c->h->gap, c->handle, 0x13);
}

static void att_can_send(void *ctx)
{
	struct host_conn *c = ctx;
	bh_gatts_can_send(c->h->gatts, c->handle);
	if (c->h->ev.can_send)
		c->h->ev.can_send(c->h->ev.ctx, c->handle);
}

/* ---- GATT client port ---- */

static int gattc_request(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx)
{
	struct host_conn *c = ctx;
	return bh_att_request(host_eatt_pick(c), pdu, len, cb, cbctx);
}

/* A client request timed out: on an EATT bearer, which host_eatt.c
 * b_dead closes, the unenhanced one is left; on the unenhanced one (dead
 * before the request's callback runs), the link goes (att_dead). */
static bool gattc_bearer_left(void *ctx)
{
	struct host_conn *c = ctx;
	return !bh_att_is_dead(c->att);
}

static void gattc_cancel(void *ctx, void *cbctx)
{
	struct host_conn *c = ctx;
	host_eatt_cancel(c, cbctx);
}

static int gattc_command(void *ctx, const uint8_t *pdu, size_t len)
{
	struct host_conn *c = ctx;
	return bh_att_send_command(c->att, pdu, len);
}

static uint16_t gattc_mtu(void *ctx)
{
	struct host_conn *c = ctx;
	return host_eatt_mtu(c);
}

#ifndef BH_HOST_NO_SIGNED_WRITE
static int gattc_sign(void *ctx, const uint8_t *pdu, size_t len, uint8_t sig[12])
{
	struct host_conn *c = ctx;
	return bh_smp_sign(c->h->smp, c->handle, pdu, len, sig);
}
#endif

static int gattc_raise(void *ctx, uint8_t att_error, void (*done)(void *, bh_status), void *dctx)
{
	struct host_conn *c = ctx;
	if (!c->h->cfg.auto_security)
		return BH_EPERM;
	return host_raise_security(c, att_error, done, dctx);
}

/* ---- GATT server port ---- */

static int gatts_respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	struct host_conn *c = host_conn_find(ctx, conn);
	return c ? bh_att_respond(c->serving ? c->serving : c->att, pdu, len) : BH_ENOTFOUND;
}

static int gatts_notify(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v, size_t len,
			bool *truncated)
{
	struct host_conn *c = host_conn_find(ctx, conn);
	if (!c)
		return BH_ENOTFOUND;
	int rc = bh_att_notify(c->att, attr, v, len, truncated);
	return rc == 0 && bh_att_full(c->att) ? BH_GATTS_NOW_FULL : rc;
}

static int gatts_notify_multiple(void *ctx, uint16_t conn, const uint8_t *tuples, size_t len)
{
	struct host_conn *c = host_conn_find(ctx, conn);
	return c ? bh_att_notify_multiple(c->att, tuples, len) : BH_ENOTFOUND;
}

static void indication_done(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	(void)rsp;
	(void)len;
	struct host_conn *c = ctx;
	bh_gatts_indication_done(c->h->gatts, c->handle, st);
}

static int gatts_indicate(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v, size_t len)
{
	struct host_conn *c = host_conn_find(ctx, conn);
	return c ? bh_att_indicate(c->att, attr, v, len, indication_done, c) : BH_ENOTFOUND;
}

static uint16_t gatts_mtu(void *ctx, uint16_t conn)
{
	struct host_conn *c = host_conn_find(ctx, conn);
	return c ? bh_att_mtu(c->serving ? c->serving : c->att) : BH_ATT_DEFAULT_MTU;
}

static void gatts_security(void *ctx, uint16_t conn, struct bh_gatts_security *out)
{
	struct bh_host *h = ctx;
	memset(out, 0, sizeof(*out));
	if (!h->smp)
		return;
	struct bh_security s = bh_smp_security(h->smp, conn);
	out->encrypted = s.level >= BH_SEC_ENCRYPTED;
	out->authenticated = s.level >= BH_SEC_AUTHENTICATED;
	out->secure_connections = s.sc;
	out->key_size = s.key_size;
	out->has_ltk = s.bonded;
}

#ifndef BH_HOST_NO_SIGNED_WRITE
static bh_status gatts_verify(void *ctx, uint16_t conn, const uint8_t *msg, size_t len,
			      const uint8_t sig[12], bool *authenticated)
{
	struct bh_host *h = ctx;
	struct bh_bond b;
	struct host_conn *c = host_conn_find(h, conn);
	*authenticated = c && host_bond_lookup(h, &c->identity, &b) && b.authenticated;
	return bh_smp_verify(h->smp, conn, msg, len, sig);
}
#endif

static void gatts_subscription(void *ctx, uint16_t conn, uint16_t value_handle, uint16_t value)
{
	struct bh_host *h = ctx;
	host_log(h, BH_LOG_INFO, "conn 0x%04x: CCCD of 0x%04x = %u", conn, value_handle, value);
	struct host_conn *c = host_conn_find(h, conn);
	if (c)
		host_save_conn_state(h, c, false);
	if (h->ev.subscription)
		h->ev.subscription(h->ev.ctx, conn, value_handle, value);
}

static void gatts_indication_done(void *ctx, uint16_t conn, uint16_t value_handle, bh_status st)
{
	struct bh_host *h = ctx;
	if (h->ev.indication_done)
		h->ev.indication_done(h->ev.ctx, conn, value_handle, st);
}

/* ---- L2CAP port ---- */

static int l2_acl_send(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	struct bh_host *h = ctx;
	int rc = bh_hci_acl_send_flow(h->hci, handle, frame, len);
	return rc == BH_HCI_ACL_NOW_FULL ? BH_L2CAP_NOW_FULL : rc;
}

static void l2_fixed_rx(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *pdu, size_t len)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return;
	if (cid == BH_L2CAP_CID_ATT)
		bh_att_on_pdu(c->att, pdu, len);
	else if (cid == BH_L2CAP_CID_SMP && h->smp)
		bh_smp_on_pdu(h->smp, handle, pdu, len);
}

static void l2_can_send(void *ctx, uint16_t handle)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return;
	if (h->smp)
		bh_smp_on_can_send(h->smp, handle);
	bh_att_can_send(c->att);
}

static struct bh_gap_conn_params gap_params(const struct bh_l2cap_conn_params *p)
{
	return (struct bh_gap_conn_params){
		.interval_min = p->interval_min,
		.interval_max = p->interval_max,
		.latency = p->latency,
		.supervision_timeout = p->timeout,
	};
}

/* A peripheral's L2CAP Connection Parameter Update Request: the same
 * limits as for the link-layer request (cfg.peer_conn_limits). */
static bool l2_conn_param_request(void *ctx, uint16_t handle, const struct bh_l2cap_conn_params *p)
{
	struct bh_host *h = ctx;
	struct bh_gap_conn_params gp = gap_params(p);
	(void)handle;
	return bh_gap_peer_params_acceptable(h->gap, &gp);
}

static void l2_conn_update(void *ctx, uint16_t handle, const struct bh_l2cap_conn_params *p)
{
	struct bh_gap_conn_params gp = gap_params(p);
	host_link_l2cap_apply(ctx, handle, &gp);
}

/* ---- L2CAP credit-based channels: straight to the application ---- */

#ifndef BH_HOST_NO_COC

static uint16_t l2_coc_accept(void *ctx, uint16_t handle, uint16_t spsm, uint16_t peer_mtu)
{
	struct bh_host *h = ctx;
	if (spsm == HOST_EATT_SPSM && h->cfg.eatt_bearers)
		return host_eatt_accept(h, handle);
	return h->ev.coc_accept ? h->ev.coc_accept(h->ev.ctx, handle, spsm, peer_mtu) : 0;
}

static void l2_coc_connected(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm,
			     bh_status st)
{
	struct bh_host *h = ctx;
	if (host_eatt_opened(h, handle, cid, spsm, st))
		return;
	if (h->ev.coc_opened)
		h->ev.coc_opened(h->ev.ctx, handle, cid, spsm, st);
}

static void l2_coc_rx(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len)
{
	struct bh_host *h = ctx;
	if (host_eatt_rx(h, handle, cid, sdu, len))
		return;
	if (h->ev.coc_sdu)
		h->ev.coc_sdu(h->ev.ctx, handle, cid, sdu, len);
}

static void l2_coc_disconnected(void *ctx, uint16_t handle, uint16_t cid, bh_status reason)
{
	struct bh_host *h = ctx;
	if (host_eatt_closed(h, handle, cid, reason))
		return;
	if (h->ev.coc_closed)
		h->ev.coc_closed(h->ev.ctx, handle, cid, reason);
}

static void l2_coc_can_send(void *ctx, uint16_t handle, uint16_t cid)
{
	struct bh_host *h = ctx;
	if (host_eatt_can_send(h, handle, cid))
		return;
	if (h->ev.coc_can_send)
		h->ev.coc_can_send(h->ev.ctx, handle, cid);
}
#endif

int bh_host_coc_listen(struct bh_host *h, uint16_t spsm)
{
	return bh_l2cap_coc_register(h->l2cap, spsm);
}

int bh_host_coc_connect(struct bh_host *h, uint16_t handle, uint16_t spsm, uint16_t *cid)
{
	return bh_l2cap_coc_connect(h->l2cap, handle, spsm, cid);
}

int bh_host_coc_send(struct bh_host *h, uint16_t handle, uint16_t cid, const uint8_t *sdu,
		     size_t len)
{
	return bh_l2cap_coc_send(h->l2cap, handle, cid, sdu, len);
}

int bh_host_coc_close(struct bh_host *h, uint16_t handle, uint16_t cid)
{
	return bh_l2cap_coc_disconnect(h->l2cap, handle, cid);
}

/* ---- GAP port: connections come and go ---- */

static int gap_hci_cmd(void *ctx, uint16_t opcode, const void *params, size_t len,
		       bh_hci_cmd_cb cb, void *cbctx)
{
	struct bh_host *h = ctx;
	return bh_hci_cmd(h->hci, opcode, params, len, cb, cbctx);
}

static const struct bh_hci_info *gap_info(void *ctx)
{
	struct bh_host *h = ctx;
	return bh_hci_info(h->hci);
}

/* Gives a link's slot back. Its memory stays (freed with the host): a
 * command completion for the old link may still come with it as context
 * and must find used == false (host_link.c). */
static void conn_release(struct host_conn *c)
{
	if (c->used)
		c->h->conns_in_use--;
	memset(c, 0, sizeof(*c));
}

static void conn_teardown(struct bh_host *h, struct host_conn *c, bh_status reason,
			  uint8_t hci_reason)
{
	/* First, so a helper waiting on the link gets the real reason (the
	 * controller's loss), not the bare "disconnected" the layers below
	 * complete their operations with. It only runs once we return. */
	host_waiters_link_lost(h, c->handle, reason, hci_reason);
	host_save_conn_state(h, c, true);
	host_finish_raise(c, reason);
	if (h->smp)
		bh_smp_conn_removed(h->smp, c->handle);
	bh_gatts_disconnected(h->gatts, c->handle);
	if (c->gattc)
		bh_gattc_disconnected(c->gattc, reason);
	if (c->att)
		bh_att_disconnected(c->att, reason);
	bh_l2cap_conn_removed(h->l2cap, c->handle);
	bh_gattc_free(c->gattc);
	bh_att_free(c->att);
	conn_release(c);
}

/* A link the host cannot take: Remote Device Terminated due to Low
 * Resources (0x14). Memory short enough to refuse a link may refuse the
 * command too; the link must not stay up at the controller, held by
 * nobody, so the Disconnect is tried again until it goes. */
static void refuse(struct bh_host *h, uint16_t handle, const char *why)
{
	host_log(h, BH_LOG_ERROR, "%s for connection 0x%04x", why, handle);
	if (bh_gap_disconnect(h->gap, handle, 0x14) == BH_OK)
		return;
	if (h->n_refused == HOST_REFUSED_MAX) {
		host_log(h, BH_LOG_ERROR, "connection 0x%04x: cannot disconnect it", handle);
		return;
	}
	if (!h->n_refused)
		h->refused_retry = bh_now(&h->env) + HOST_REFUSED_RETRY_MS;
	h->refused[h->n_refused++] = handle;
}

static void refused_drop(struct bh_host *h, unsigned i)
{
	h->refused[i] = h->refused[--h->n_refused];
	if (!h->n_refused)
		h->refused_retry = BH_NEVER;
}

void host_refused_retry(struct bh_host *h, bh_time_ms now)
{
	if (now < h->refused_retry)
		return;
	for (unsigned i = h->n_refused; i-- > 0;) {
		int rc = bh_gap_disconnect(h->gap, h->refused[i], 0x14);
		if (rc == BH_OK || rc == BH_ENOTFOUND)
			refused_drop(h, i);
	}
	if (h->n_refused)
		h->refused_retry = now + HOST_REFUSED_RETRY_MS;
}

static void gap_connected(void *ctx, const struct bh_gap_conn *gc)
{
	struct bh_host *h = ctx;
	/* A slot made before and free now first, else a slot not made yet. */
	unsigned slot = h->max_conns;
	for (unsigned i = 0; i < h->max_conns; i++) {
		if (h->conns[i] && !h->conns[i]->used) {
			slot = i;
			break;
		}
		if (!h->conns[i] && slot == h->max_conns)
			slot = i;
	}
	/* Made on first use: a slot never used costs a pointer. Out of memory
	 * refuses the link as a full table does. */
	if (slot == h->max_conns ||
	    (!h->conns[slot] && !(h->conns[slot] = calloc(1, sizeof(struct host_conn))))) {
		refuse(h, gc->handle, slot == h->max_conns ? "no room" : "out of memory");
		return;
	}
	struct host_conn *c = h->conns[slot];
	c->used = true;
	h->conns_in_use++;
	c->h = h;
	c->handle = gc->handle;
	c->central = gc->role == BH_GAP_ROLE_CENTRAL;
	c->peer = gc->peer;
	/* GAP has already asked host_resolve (port.resolve_rpa). */
	c->identity = gc->peer_identity;

	/* Field by field: the slot is zero (calloc'd, or cleared by
	 * conn_release), so what is not named stays NULL. */
	c->att_port.ctx = c;
	c->att_port.send = att_send;
	c->att_port.server_pdu = att_server_pdu;
	c->att_port.notification = att_notification;
	c->att_port.dead = att_dead;
	c->att_port.can_send = att_can_send;
	struct bh_att_config ac;
	bh_att_config_default(&ac);
	ac.local_mtu = h->cfg.att_mtu;
	c->att = bh_att_new(&ac, &h->env, &c->att_port);

	c->gattc_port.ctx = c;
	c->gattc_port.request = gattc_request;
	c->gattc_port.cancel = gattc_cancel;
	c->gattc_port.bearer_left = gattc_bearer_left;
	c->gattc_port.command = gattc_command;
	c->gattc_port.mtu = gattc_mtu;
#ifndef BH_HOST_NO_SIGNED_WRITE
	c->gattc_port.sign = gattc_sign;
#endif
	c->gattc_port.raise_security = gattc_raise;
	struct bh_gattc_config cc;
	bh_gattc_config_default(&cc);
	c->gattc = bh_gattc_new(&cc, &h->env, &c->gattc_port, &c->gattc_events);

	if (!c->att || !c->gattc || bh_l2cap_conn_added(h->l2cap, c->handle,
			c->central ? BH_L2CAP_CENTRAL : BH_L2CAP_PERIPHERAL)) {
		bh_gattc_free(c->gattc);
		bh_att_free(c->att);
		conn_release(c);
		refuse(h, gc->handle, "out of memory");
		return;
	}
	bh_gatts_connected(h->gatts, c->handle);
	/* The bond's CCCDs wait for encryption with its key
	 * (smp_security_changed): a peer that merely uses a bonded
	 * address gets no notifications meant for the bonded one. */
	host_restore_gatt_cache(h, c);
	if (h->smp)
		bh_smp_conn_added(h->smp, c->handle, c->central, &gc->local, &c->peer);
	if (h->ev.connected)
		h->ev.connected(h->ev.ctx, c->handle, c->central, &c->peer);
}

static void gap_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, handle);
	for (unsigned i = 0; i < h->n_refused; i++) {
		if (h->refused[i] == handle) {
			refused_drop(h, i);
			break;
		}
	}
	/* A link the host refused was never reported connected. */
	if (!c)
		return;
	conn_teardown(h, c, BH_EDISCONNECTED, reason);
	if (h->ev.disconnected)
		h->ev.disconnected(h->ev.ctx, handle, reason);
}

static void gap_conn_updated(void *ctx, const struct bh_gap_conn *gc, bh_status st)
{
	struct bh_host *h = ctx;
	if (host_link_conn_updated(h, gc->handle, st))
		return;
	host_log(h, st ? BH_LOG_WARN : BH_LOG_INFO,
		 "conn 0x%04x: parameter update %s: interval %.2f ms, latency %u, timeout %u ms",
		 gc->handle, st ? bh_strerror(st) : "done", gc->interval * 1.25, gc->latency,
		 gc->supervision_timeout * 10u);
	host_link_report(h, gc, st);
}

/* GAP learnt the link's local address after reporting it (an advertising
 * set's Terminated names the set): pairing must hash that one. */
static void gap_conn_changed(void *ctx, const struct bh_gap_conn *gc)
{
	struct bh_host *h = ctx;
	if (h->smp)
		bh_smp_conn_local(h->smp, gc->handle, &gc->local);
}

static bool gap_resolve(void *ctx, const bh_addr *rpa, bh_addr *identity)
{
	return host_resolve(ctx, rpa, identity);
}

static int gap_make_rpa(void *ctx, bh_addr *out)
{
	struct bh_host *h = ctx;
	return bh_rpa_generate(&h->env, h->ident.irk, out);
}

void host_conn_drop_all(struct bh_host *h, bh_status reason, bool tell)
{
	if (!h->conns)
		return;
	for (unsigned i = 0; i < h->max_conns; i++) {
		struct host_conn *c = h->conns[i];
		if (!c || !c->used)
			continue;
		uint16_t handle = c->handle;
		conn_teardown(h, c, reason, 0);
		/* The application counts its links by these events: one that
		 * went with the controller ends like any other, as ended by
		 * us (Connection Terminated by Local Host). */
		if (tell && h->ev.disconnected)
			h->ev.disconnected(h->ev.ctx, handle, 0x16);
	}
}

void host_conn_ports_init(struct bh_host *h)
{
	/* Field by field: the host was calloc'd, so what is not named stays
	 * NULL without zeroing each struct again. */
	h->l2cap_port.ctx = h;
	h->l2cap_port.acl_send = l2_acl_send;
	h->l2cap_port.fixed_rx = l2_fixed_rx;
	h->l2cap_port.can_send = l2_can_send;
	h->l2cap_port.conn_param_request = l2_conn_param_request;
	h->l2cap_port.conn_update = l2_conn_update;
	h->l2cap_port.conn_param_result = host_link_l2cap_result;
#ifndef BH_HOST_NO_COC
	h->l2cap_port.coc_accept = l2_coc_accept;
	h->l2cap_port.coc_connected = l2_coc_connected;
	h->l2cap_port.coc_rx = l2_coc_rx;
	h->l2cap_port.coc_disconnected = l2_coc_disconnected;
	h->l2cap_port.coc_can_send = l2_coc_can_send;
#endif
	h->gap_port.ctx = h;
	h->gap_port.hci_cmd = gap_hci_cmd;
	h->gap_port.info = gap_info;
	h->gap_port.connected = gap_connected;
	h->gap_port.disconnected = gap_disconnected;
	h->gap_port.conn_updated = gap_conn_updated;
	h->gap_port.conn_changed = gap_conn_changed;
	h->gap_port.data_length_changed = host_link_data_length;
	h->gap_port.phy_updated = host_link_phy;
	h->gap_port.resolve_rpa = gap_resolve;
	h->gap_port.make_rpa = gap_make_rpa;
	h->gatts_port.ctx = h;
	h->gatts_port.respond = gatts_respond;
	h->gatts_port.notify = gatts_notify;
	h->gatts_port.notify_multiple = gatts_notify_multiple;
	h->gatts_port.indicate = gatts_indicate;
	h->gatts_port.mtu = gatts_mtu;
	h->gatts_port.security = gatts_security;
#ifndef BH_HOST_NO_SIGNED_WRITE
	h->gatts_port.verify_signed = gatts_verify;
#endif
	h->gatts_events.ctx = h;
	h->gatts_events.subscription = gatts_subscription;
	h->gatts_events.indication_done = gatts_indication_done;
}
