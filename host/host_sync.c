/* Blocking helpers for tools and simple programs: each starts one
 * asynchronous operation and runs the loop until it completes. They add no
 * behaviour of their own. */
#include "host_internal.h"

#include <string.h>

#define OP_TIMEOUT_MS 35000 /* above ATT's 30 s transaction timeout */

struct wait {
	bool done;
	bh_status status;
	uint16_t handle;
	uint8_t *out;
	size_t cap, len;
};

static int wait_for(struct bh_host *h, struct wait *w, unsigned timeout_ms)
{
	int rc = bh_loop_run_until(h->loop, &w->done, timeout_ms);
	if (!w->done)
		return rc ? rc : BH_ECANCELLED;
	return w->status;
}

static void on_connect(void *ctx, bh_status st, const struct bh_gap_conn *conn)
{
	struct wait *w = ctx;
	w->status = st;
	if (conn)
		w->handle = conn->handle;
	w->done = true;
}

int bh_host_connect_sync(struct bh_host *h, const bh_addr *addr, unsigned timeout_ms,
			 uint16_t *handle)
{
	struct wait w = { 0 };
	int rc = bh_gap_connect(h->gap, addr, NULL, timeout_ms, on_connect, &w);
	if (rc)
		return rc;
	/* GAP enforces the timeout itself; the loop bound is a safety net. */
	rc = wait_for(h, &w, timeout_ms + 5000);
	if (rc == BH_OK && handle)
		*handle = w.handle;
	return rc;
}

/* Lets what the stack already queued for the controller go out first (the
 * last keys of a pairing, a Write Command): HCI Disconnect would drop it. */
static void drain_tx(struct bh_host *h, unsigned max_ms)
{
	const struct bh_hci_info *i = bh_hci_info(h->hci);
	for (unsigned waited = 0; waited < max_ms; waited += 5) {
		struct bh_hci_stats st;
		bh_hci_stats(h->hci, &st);
		if (st.acl_credits_free >= i->le_acl_credits)
			return;
		bh_host_run_for(h, 5);
	}
}

int bh_host_disconnect_sync(struct bh_host *h, uint16_t handle, uint8_t reason,
			    unsigned timeout_ms)
{
	drain_tx(h, 500);
	int rc = bh_gap_disconnect(h->gap, handle, reason);
	if (rc)
		return rc;
	bh_time_ms end = bh_loop_now(h->loop) + timeout_ms;
	while (host_conn_find(h, handle) && bh_loop_now(h->loop) < end) {
		bool gone = false;
		bh_loop_run_until(h->loop, &gone, 50);
		if (h->fatal)
			return h->fatal_reason;
	}
	return host_conn_find(h, handle) ? BH_ETIMEDOUT : BH_OK;
}

static void on_gattc(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct wait *w = ctx;
	w->status = st;
	w->handle = res ? res->handle : 0;
	if (st == BH_OK && res && w->out) {
		w->len = res->len;
		memcpy(w->out, res->value, res->len < w->cap ? res->len : w->cap);
	}
	w->done = true;
}

int bh_host_exchange_mtu_sync(struct bh_host *h, uint16_t handle, uint16_t *mtu)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return BH_ENOTFOUND;
	struct wait w = { 0 };
	int rc = bh_gattc_exchange_mtu(c->gattc, h->cfg.att_mtu, on_gattc, &w);
	if (rc)
		return rc;
	rc = wait_for(h, &w, OP_TIMEOUT_MS);
	if (mtu)
		*mtu = bh_att_mtu(c->att);
	return rc;
}

int bh_host_discover_sync(struct bh_host *h, uint16_t handle)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return BH_ENOTFOUND;
	struct wait w = { 0 };
	/* A bonded peer's tree came from its bond: check it against the peer's
	 * Database Hash (or Service Changed) instead of discovering again. */
	int rc = bh_gattc_service_count(c->gattc)
			 ? bh_gattc_validate_cache(c->gattc, BH_GATTC_DISC_INCLUDES, on_gattc, &w)
			 : bh_gattc_discover(c->gattc, NULL, 0, BH_GATTC_DISC_INCLUDES, on_gattc, &w);
	return rc ? rc : wait_for(h, &w, OP_TIMEOUT_MS * 4);
}

int bh_host_read_sync(struct bh_host *h, uint16_t handle, uint16_t attr, uint8_t *out,
		      size_t cap, size_t *len)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return BH_ENOTFOUND;
	struct wait w = { .out = out, .cap = cap };
	int rc = bh_gattc_read_long(c->gattc, attr, on_gattc, &w);
	if (rc)
		return rc;
	rc = wait_for(h, &w, OP_TIMEOUT_MS);
	if (len)
		*len = w.len;
	return rc;
}

int bh_host_write_sync(struct bh_host *h, uint16_t handle, uint16_t attr, const uint8_t *val,
		       size_t len, bool with_response)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return BH_ENOTFOUND;
	if (!with_response) {
		/* Wait for room rather than fail: the caller asked to block. */
		for (int tries = 0; tries < 1000; tries++) {
			int rc = bh_gattc_write_cmd(c->gattc, attr, val, len);
			if (rc != BH_EBUSY)
				return rc;
			bh_host_run_for(h, 5);
			if (!host_conn_find(h, handle))
				return BH_EDISCONNECTED;
		}
		return BH_ETIMEDOUT;
	}
	struct wait w = { 0 };
	int rc = bh_gattc_write(c->gattc, attr, val, len, on_gattc, &w);
	return rc ? rc : wait_for(h, &w, OP_TIMEOUT_MS);
}

static void on_notify_ignored(void *ctx, uint16_t vh, const uint8_t *v, size_t len, bool ind)
{
	/* Delivery to the application goes through bh_host_events.notification. */
	(void)ctx;
	(void)vh;
	(void)v;
	(void)len;
	(void)ind;
}

int bh_host_subscribe_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle,
			   bool indicate)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return BH_ENOTFOUND;
	struct wait w = { 0 };
	int rc = bh_gattc_subscribe(c->gattc, value_handle,
				    indicate ? BH_GATTC_INDICATE : BH_GATTC_NOTIFY,
				    on_notify_ignored, NULL, on_gattc, &w);
	return rc ? rc : wait_for(h, &w, OP_TIMEOUT_MS);
}

int bh_host_pair_sync(struct bh_host *h, uint16_t handle, unsigned timeout_ms)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return BH_ENOTFOUND;
	c->pairing_done = false;
	c->pairing_status = BH_OK;
	enum bh_sec_level want = h->cfg.mitm ? BH_SEC_AUTHENTICATED : BH_SEC_ENCRYPTED;
	int rc = bh_smp_request_security(h->smp, handle, want);
	if (rc)
		return rc;
	struct bh_security s = bh_smp_security(h->smp, handle);
	if (s.level >= want && !c->pairing_done && !c->pairing_active)
		return BH_OK; /* already satisfied */
	rc = bh_loop_run_until(h->loop, &c->pairing_done, timeout_ms);
	c = host_conn_find(h, handle);
	if (!c)
		return BH_EDISCONNECTED;
	return c->pairing_done ? c->pairing_status : rc;
}
