/* Connections: central creation (LE Create Connection 7.8.12 or LE Extended
 * Create Connection 7.8.66), cancel and timeout (LE Create Connection
 * Cancel 7.8.13), the connection table filled from LE (Enhanced)
 * Connection Complete (7.7.65.1, 7.7.65.10), peripheral links from
 * advertising, LE Connection Update (7.8.18 / 7.7.65.3), remote features
 * (7.8.21 / 7.7.65.4) and Disconnect (7.1.6 / 7.7.5).
 */
#include "gap_internal.h"

#include <string.h>

enum { CONN_CREATE, CONN_CANCEL, CONN_FEATURES, CONN_UPDATE, CONN_DISC };

unsigned gap_conn_used(const struct bh_gap *gap)
{
	unsigned n = 0;
	for (unsigned i = 0; i < gap->cfg.max_connections; i++)
		n += gap->conns[i].used;
	return n;
}

struct gap_conn_slot *gap_slot_find(const struct bh_gap *gap, uint16_t handle)
{
	for (unsigned i = 0; i < gap->cfg.max_connections; i++)
		if (gap->conns[i].used && gap->conns[i].c.handle == handle)
			return &gap->conns[i];
	return NULL;
}

const struct bh_gap_conn *bh_gap_conn_get(const struct bh_gap *gap, uint16_t handle)
{
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	return s ? &s->c : NULL;
}

size_t bh_gap_conn_count(const struct bh_gap *gap)
{
	return gap_conn_used(gap);
}

const struct bh_gap_conn *bh_gap_conn_at(const struct bh_gap *gap, size_t idx)
{
	for (unsigned i = 0; i < gap->cfg.max_connections; i++)
		if (gap->conns[i].used && idx-- == 0)
			return &gap->conns[i].c;
	return NULL;
}

/* Fills defaults and checks the ranges of 7.8.12, including the rule that
 * the supervision timeout exceeds (1 + latency) * interval_max * 2. */
int gap_params_fix(struct bh_gap_conn_params *o, const struct bh_gap_conn_params *p)
{
	struct bh_gap_conn_params d = { 24, 40, 0, 400, 0, 0, 0x0060, 0x0030 };
	if (p) {
		*o = *p;
		if (!o->interval_min && !o->interval_max) {
			o->interval_min = d.interval_min;
			o->interval_max = d.interval_max;
		}
		if (!o->interval_max)
			o->interval_max = o->interval_min;
		if (!o->supervision_timeout)
			o->supervision_timeout = d.supervision_timeout;
	} else {
		*o = d;
	}
	if (o->interval_min < 6 || o->interval_max > 0x0c80 || o->interval_min > o->interval_max)
		return BH_EINVAL;
	if (o->latency > 0x01f3)
		return BH_EINVAL;
	if (o->supervision_timeout < 0x000a || o->supervision_timeout > 0x0c80)
		return BH_EINVAL;
	/* timeout*10 ms > (1 + latency) * max*1.25 ms * 2  <=>  timeout*4 > (1+lat)*max */
	if ((uint32_t)o->supervision_timeout * 4 <= (uint32_t)(1 + o->latency) * o->interval_max)
		return BH_EINVAL;
	if (o->min_ce_len > o->max_ce_len)
		return BH_EINVAL;
	return gap_scan_timing(&o->scan_interval, &o->scan_window);
}

static void init_finish(struct bh_gap *gap, bh_status st, const struct bh_gap_conn *c)
{
	bh_gap_connect_cb cb = gap->init_cb;
	void *ctx = gap->init_ctx;
	gap->init_state = INIT_IDLE;
	gap->init_deadline = BH_NEVER;
	gap->init_cb = NULL;
	gap->init_cancel_reason = BH_OK;
	gap->init_cmd_sent = false;
	if (cb)
		cb(ctx, st, c);
}

static void conn_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		      uintptr_t arg)
{
	(void)ret;
	(void)len;
	uint16_t handle = (uint16_t)(arg >> 8);
	switch (arg & 0xff) {
	case CONN_CREATE:
		if (gap->init_state != INIT_CREATING)
			return;
		if (st) {
			gap_cmd_drop(gap, PROC_CONN);
			init_finish(gap, gap->init_cancel_reason ? gap->init_cancel_reason : st, NULL);
			return;
		}
		gap->init_cmd_sent = true;
		return;
	case CONN_CANCEL:
		/* Command Disallowed here means the connection completed first;
		 * its Connection Complete decides the outcome. */
		if (st)
			gap_log(gap, BH_LOG_DEBUG, "create connection cancel: %s", bh_strerror(st));
		return;
	case CONN_UPDATE: {
		struct gap_conn_slot *s = gap_slot_find(gap, handle);
		if (st && s && s->upd_pending) {
			s->upd_pending = false;
			if (s->upd_cb)
				s->upd_cb(s->upd_ctx, st);
		}
		return;
	}
	default:
		if (st)
			gap_log(gap, BH_LOG_WARN, "command for handle 0x%03x: %s", handle,
				bh_strerror(st));
		return;
	}
}

void gap_conn_step_failed(struct bh_gap *gap, bh_status st)
{
	conn_done(gap, st, NULL, 0, CONN_CREATE);
}

/* Connection_Interval_Min/Max, Max_Latency, Supervision_Timeout,
 * Min/Max_CE_Length: the same twelve octets in LE (Extended) Create
 * Connection and LE Connection Update (7.8.12, 7.8.66, 7.8.18). */
static void put_params(uint8_t *p, const struct bh_gap_conn_params *c)
{
	const uint16_t v[] = { c->interval_min, c->interval_max, c->latency,
			       c->supervision_timeout, c->min_ce_len, c->max_ce_len };
	for (int i = 0; i < 6; i++)
		bh_put16(p + 2 * i, v[i]);
}

static int queue_create(struct bh_gap *gap)
{
	const struct bh_gap_conn_params *c = &gap->init_params;
	uint8_t policy = gap->init_accept_list ? 1 : 0;
	int rc = gap_prepare_addr(gap, PROC_CONN);
	if (rc)
		return rc;
	if (gap_ext_conn(gap)) {
		uint8_t p[26] = { policy, gap_own_type(gap), gap->init_peer.type };
		memcpy(p + 3, gap->init_peer.val, 6);
		p[9] = 0x01; /* Initiating_PHYs: LE 1M */
		bh_put16(p + 10, c->scan_interval);
		bh_put16(p + 12, c->scan_window);
		put_params(p + 14, c);
		return gap_cmd(gap, PROC_CONN, BH_HCI_LE_EXT_CREATE_CONN, p, 26, conn_done,
			       CONN_CREATE);
	}
	uint8_t p[25];
	bh_put16(p, c->scan_interval);
	bh_put16(p + 2, c->scan_window);
	p[4] = policy;
	p[5] = gap->init_peer.type;
	memcpy(p + 6, gap->init_peer.val, 6);
	p[12] = gap_own_type(gap);
	put_params(p + 13, c);
	return gap_cmd(gap, PROC_CONN, BH_HCI_LE_CREATE_CONN, p, 25, conn_done, CONN_CREATE);
}

static int connect_prepare(struct bh_gap *gap, const struct bh_gap_conn_params *params,
			   unsigned timeout_ms, bh_gap_connect_cb cb, void *ctx)
{
	if (gap->init_state != INIT_IDLE)
		return BH_EBUSY;
	if (gap_conn_used(gap) >= gap->cfg.max_connections)
		return BH_HCI_STATUS(0x09); /* Connection Limit Exceeded */
	if (gap->rotating)
		return BH_EBUSY;
	int rc = gap_params_fix(&gap->init_params, params);
	if (rc)
		return rc;
	if ((rc = gap_cmd_reserve(gap, 4)))
		return rc;
	gap->init_cb = cb;
	gap->init_ctx = ctx;
	gap->init_cancel_reason = BH_OK;
	gap->init_cmd_sent = false;
	gap->init_deadline = timeout_ms ? bh_now(gap->env) + timeout_ms : BH_NEVER;
	return BH_OK;
}

static int connect_common(struct bh_gap *gap, const bh_addr *peer, bool accept_list,
			  const struct bh_gap_conn_params *params, unsigned timeout_ms,
			  bh_gap_connect_cb cb, void *ctx)
{
	int rc = connect_prepare(gap, params, timeout_ms, cb, ctx);
	if (rc)
		return rc;
	gap->init_accept_list = accept_list;
	if (peer)
		gap->init_peer = *peer;
	else
		memset(&gap->init_peer, 0, sizeof(gap->init_peer));
	gap->init_state = INIT_CREATING;
	rc = queue_create(gap);
	if (rc) {
		gap_cmd_drop(gap, PROC_CONN);
		gap->init_state = INIT_IDLE;
		gap->init_deadline = BH_NEVER;
		gap->init_cb = NULL;
	}
	return rc;
}

int bh_gap_connect(struct bh_gap *gap, const bh_addr *peer, const struct bh_gap_conn_params *params,
		   unsigned timeout_ms, bh_gap_connect_cb cb, void *ctx)
{
	if (!peer || peer->type > BH_ADDR_RANDOM_ID)
		return BH_EINVAL;
	return connect_common(gap, peer, false, params, timeout_ms, cb, ctx);
}

int bh_gap_connect_accept_list(struct bh_gap *gap, const struct bh_gap_conn_params *params,
			       unsigned timeout_ms, bh_gap_connect_cb cb, void *ctx)
{
	return connect_common(gap, NULL, true, params, timeout_ms, cb, ctx);
}

int bh_gap_connect_match(struct bh_gap *gap, const struct bh_gap_scan_filter *filter,
			 const struct bh_gap_conn_params *params, unsigned timeout_ms,
			 bh_gap_connect_cb cb, void *ctx)
{
	if (gap->scan_state != SCAN_IDLE)
		return BH_EBUSY;
	int rc = connect_prepare(gap, params, timeout_ms, cb, ctx);
	if (rc)
		return rc;
	struct bh_gap_scan_params sp = { .active = true, .filter = filter };
	gap->init_accept_list = false;
	gap->init_state = INIT_MATCHING;
	rc = gap_scan_start_int(gap, &sp, true);
	if (rc) {
		gap->init_state = INIT_IDLE;
		gap->init_deadline = BH_NEVER;
		gap->init_cb = NULL;
	}
	return rc;
}

void gap_conn_match_found(struct bh_gap *gap, const struct bh_gap_device *dev)
{
	if (gap->init_state != INIT_MATCHING || !dev->connectable ||
	    dev->addr.type > BH_ADDR_RANDOM_ID)
		return;
	gap->init_peer = dev->addr;
	gap->init_state = INIT_CREATING;
	gap_scan_stop_int(gap, BH_OK);
	int rc = queue_create(gap);
	if (rc)
		init_finish(gap, rc, NULL);
}

void gap_conn_match_scan_ended(struct bh_gap *gap, bh_status reason)
{
	/* Only an end while still matching fails the attempt; after a match
	 * the stop was ours and initiation carries on. */
	if (gap->init_state == INIT_MATCHING)
		init_finish(gap, reason == BH_OK ? BH_ECANCELLED : reason, NULL);
}

static int cancel_with(struct bh_gap *gap, bh_status reason)
{
	switch (gap->init_state) {
	case INIT_IDLE:
		return BH_ESTATE;
	case INIT_MATCHING:
		gap->init_deadline = BH_NEVER;
		gap_scan_stop_int(gap, reason);
		return BH_OK;
	case INIT_CREATING:
		if (gap->init_cancel_reason)
			return BH_OK; /* already on its way */
		gap->init_cancel_reason = reason;
		gap->init_deadline = BH_NEVER;
		if (!gap->init_cmd_sent && gap_cmd_drop(gap, PROC_CONN)) {
			/* Never reached the controller. */
			init_finish(gap, reason, NULL);
			return BH_OK;
		}
		/* Its completion is the Connection Complete with Unknown
		 * Connection Identifier (0x02), Vol 4, Part E, 7.8.13. */
		return gap_cmd(gap, PROC_CONN, BH_HCI_LE_CREATE_CONN_CANCEL, NULL, 0, conn_done,
			       CONN_CANCEL);
	}
	return BH_ESTATE;
}

int bh_gap_connect_cancel(struct bh_gap *gap)
{
	return cancel_with(gap, BH_ECANCELLED);
}

void gap_conn_timeout(struct bh_gap *gap)
{
	if (cancel_with(gap, BH_ETIMEDOUT) < 0 && gap->init_state == INIT_CREATING) {
		/* The cancel could not even be queued: report rather than hang. */
		init_finish(gap, BH_ETIMEDOUT, NULL);
	}
}

static const uint8_t zero6[6];

static bool addr_zero(const uint8_t v[6])
{
	return memcmp(v, zero6, 6) == 0;
}

void gap_on_conn_complete(struct bh_gap *gap, const uint8_t *p, size_t len, uint8_t sub)
{
	/* Status(1) Connection_Handle(2) Role(1) Peer_Address_Type(1)
	 * Peer_Address(6), the enhanced events' Local and Peer RPAs (6, 6),
	 * Interval Latency Timeout (2 each), Central_Clock_Accuracy(1), and
	 * v2's Advertising_Handle (7.7.65.1, 7.7.65.10): read from a copy, so
	 * what the event lacks reads as zeros. */
	bool enh = sub != BH_LE_CONN_COMPLETE;
	size_t need = enh ? (sub == BH_LE_ENH_CONN_COMPLETE_V2 ? 31 : 30) : 18;
	uint8_t e[31] = { 0 };
	memcpy(e, p, len < need ? len : need);
	uint8_t status = e[0];
	uint16_t handle = bh_get16(e + 1) & 0x0fff;
	uint8_t role = e[3];
	bh_addr peer = { e[4] };
	memcpy(peer.val, e + 5, 6);
	const uint8_t *local_rpa = enh ? e + 11 : zero6, *peer_rpa = enh ? e + 17 : zero6;
	const uint8_t *t = e + (enh ? 23 : 11);
	uint16_t interval = bh_get16(t), latency = bh_get16(t + 2), timeout = bh_get16(t + 4);
	/* v2 says which advertising set the link came from. */
	uint8_t adv_handle = need == 31 ? e[30] : 0xff;
	if (len < need && status == 0) {
		gap_log(gap, BH_LOG_INFO, "short connection complete dropped");
		return;
	}
	if (status) {
		if (status == 0x3c) { /* Advertising Timeout: directed advertising ended */
			gap_adv_on_directed_timeout(gap);
			gap_sets_on_directed_timeout(gap);
			return;
		}
		if (gap->init_state == INIT_CREATING) {
			bh_status st = status == 0x02 && gap->init_cancel_reason
					       ? gap->init_cancel_reason
					       : BH_HCI_STATUS(status);
			init_finish(gap, st, NULL);
		}
		return;
	}
	if (role > 1 || peer.type > BH_ADDR_RANDOM_ID || gap_slot_find(gap, handle)) {
		gap_log(gap, BH_LOG_INFO, "invalid connection complete for 0x%03x", handle);
		return;
	}
	struct gap_conn_slot *s = NULL;
	for (unsigned i = 0; i < gap->cfg.max_connections && !s; i++)
		if (!gap->conns[i].used)
			s = &gap->conns[i];
	if (!s) {
		/* The controller accepted more links than we are configured for. */
		uint8_t d[3];
		bh_put16(d, handle);
		d[2] = 0x13;
		gap_cmd(gap, PROC_MISC, BH_HCI_DISCONNECT, d, 3, conn_done,
			CONN_DISC | ((uintptr_t)handle << 8));
		if (role == BH_GAP_ROLE_CENTRAL && gap->init_state == INIT_CREATING)
			init_finish(gap, BH_HCI_STATUS(0x09), NULL);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	struct bh_gap_conn *c = &s->c;
	c->handle = handle;
	c->role = role;
	c->interval = interval;
	c->latency = latency;
	c->supervision_timeout = timeout;
	gap_link_init(c);
	c->peer = peer;
	c->peer_resolved = gap_identity(gap, &peer, &c->peer_identity);
	/* Resolved by the controller: the air address is Peer_RPA. */
	if (peer.type > BH_ADDR_RANDOM && !addr_zero(peer_rpa)) {
		c->peer.type = BH_ADDR_RANDOM;
		memcpy(c->peer.val, peer_rpa, 6);
	}
	if (role == BH_GAP_ROLE_PERIPHERAL && adv_handle != 0xff)
		s->adv_handle = (uint8_t)(adv_handle + 1);
	if (!addr_zero(local_rpa)) {
		/* The controller's word: no guess of the host's replaces it. */
		s->local_ctrl = true;
		c->local.type = BH_ADDR_RANDOM;
		memcpy(c->local.val, local_rpa, 6);
	} else if (s->adv_handle > 1 && gap_sets_own(gap, adv_handle, &c->local)) {
		/* from one of bh_gap_adv_set_start's sets: its own address */
	} else if (role == BH_GAP_ROLE_PERIPHERAL) {
		/* With extended commands an event naming no set may be a set's:
		 * its Terminated says, and until then the one set it can be
		 * from, else handle 0's run that produced it, though reported
		 * after it ended and GAP's address changed. */
		uint8_t h = adv_handle == 0xff ? gap_sets_sole_source(gap) : 0;
		if (!h || !gap_sets_own(gap, h, &c->local))
			gap_adv_link_addr(gap, &c->local);
	} else {
		gap_own_address(gap, &c->local);
	}

	if (gap->port.connected)
		gap->port.connected(gap->port.ctx, c);
	if (role == BH_GAP_ROLE_PERIPHERAL)
		gap_adv_on_conn(gap, s);
	else if (gap->init_state == INIT_CREATING)
		init_finish(gap, BH_OK, c);
	if (gap->cfg.read_remote_features && gap_slot_find(gap, handle)) {
		uint8_t h[2];
		bh_put16(h, handle);
		gap_cmd(gap, PROC_MISC, BH_HCI_LE_READ_REMOTE_FEATURES, h, 2, conn_done,
			CONN_FEATURES | ((uintptr_t)handle << 8));
	}
}

void gap_on_disconn_complete(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Status(1) Connection_Handle(2) Reason(1) (7.7.5) */
	if (len < 4 || p[0])
		return;
	uint16_t handle = bh_get16(p + 1) & 0x0fff;
	uint8_t reason = p[3];
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s)
		return;
	bool from_adv = s->from_adv;
	bool upd = s->upd_pending;
	bh_gap_done_cb ucb = s->upd_cb;
	void *uctx = s->upd_ctx;
	s->used = false;
	if (upd && ucb)
		ucb(uctx, BH_EDISCONNECTED);
	if (gap->port.disconnected)
		gap->port.disconnected(gap->port.ctx, handle, reason);
	gap_adv_on_disconnect(gap, from_adv);
}

void gap_on_conn_update_complete(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Status(1) Connection_Handle(2) Interval(2) Latency(2) Timeout(2) (7.7.65.3) */
	if (len < 9)
		return;
	uint8_t status = p[0];
	uint16_t handle = bh_get16(p + 1) & 0x0fff;
	uint16_t interval = bh_get16(p + 3), latency = bh_get16(p + 5), timeout = bh_get16(p + 7);
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s)
		return;
	if (status == 0) {
		s->c.interval = interval;
		s->c.latency = latency;
		s->c.supervision_timeout = timeout;
	}
	bh_status st = status ? BH_HCI_STATUS(status) : BH_OK;
	if (s->upd_pending) {
		s->upd_pending = false;
		if (s->upd_cb)
			s->upd_cb(s->upd_ctx, st);
	}
	/* Any callback may have ended the link: look it up again each time. */
	if ((s = gap_slot_find(gap, handle)) && gap->port.conn_updated)
		gap->port.conn_updated(gap->port.ctx, &s->c, st);
	if (status == 0 && (s = gap_slot_find(gap, handle)) && gap->port.conn_changed)
		gap->port.conn_changed(gap->port.ctx, &s->c);
}

void gap_on_remote_features(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Status(1) Connection_Handle(2) LE_Features(8) (7.7.65.4) */
	if (len < 11 || p[0])
		return;
	uint16_t handle = bh_get16(p + 1) & 0x0fff;
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s)
		return;
	memcpy(s->c.features, p + 3, 8);
	s->c.features_valid = true;
	if (gap->port.conn_changed)
		gap->port.conn_changed(gap->port.ctx, &s->c);
	if (gap_slot_find(gap, handle))
		gap_link_features(gap, handle);
}

int bh_gap_disconnect(struct bh_gap *gap, uint16_t handle, uint8_t reason)
{
	/* Reasons allowed for HCI_Disconnect (Vol 4, Part E, 7.1.6). */
	static const uint8_t ok[] = { 0x05, 0x13, 0x14, 0x15, 0x1a, 0x29, 0x3b };
	if (!memchr(ok, reason, sizeof(ok)))
		return BH_EINVAL;
	if (!gap_slot_find(gap, handle))
		return BH_ENOTFOUND;
	uint8_t p[3];
	bh_put16(p, handle);
	p[2] = reason;
	return gap_cmd(gap, PROC_MISC, BH_HCI_DISCONNECT, p, 3, conn_done,
		       CONN_DISC | ((uintptr_t)handle << 8));
}

int bh_gap_conn_update(struct bh_gap *gap, uint16_t handle, const struct bh_gap_conn_params *p,
		       bh_gap_done_cb cb, void *ctx)
{
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s)
		return BH_ENOTFOUND;
	if (s->upd_pending)
		return BH_EBUSY;
	struct bh_gap_conn_params c;
	int rc = gap_params_fix(&c, p);
	if (rc)
		return rc;
	uint8_t q[14];
	bh_put16(q, handle);
	put_params(q + 2, &c);
	s->upd_pending = true;
	s->upd_cb = cb;
	s->upd_ctx = ctx;
	rc = gap_cmd(gap, PROC_MISC, BH_HCI_LE_CONN_UPDATE, q, 14, conn_done,
		     CONN_UPDATE | ((uintptr_t)handle << 8));
	if (rc)
		s->upd_pending = false;
	return rc;
}

void gap_conn_reset(struct bh_gap *gap, bh_status reason)
{
	if (gap->init_state != INIT_IDLE)
		init_finish(gap, reason, NULL);
	for (unsigned i = 0; i < gap->cfg.max_connections; i++) {
		struct gap_conn_slot *s = &gap->conns[i];
		if (!s->used)
			continue;
		s->used = false;
		if (s->upd_pending && s->upd_cb)
			s->upd_cb(s->upd_ctx, reason);
	}
}
