/* Blocking helpers for tools and simple programs: each starts one
 * asynchronous operation and runs the loop until it completes. They add no
 * behaviour of their own.
 *
 * They follow the rule of docs/architecture.md ("Who owns a connection's
 * objects"): no pointer to a connection's objects survives a run of the
 * loop, because any callback run by the loop may end the link. A helper
 * looks the link up by handle, starts the operation with a host_waiter as
 * its context (host-owned, so a completion that comes after the helper gave
 * up lands in the host, not in a dead stack frame), and waits. The link
 * going, or the controller being lost, completes the waiter at once with a
 * named error; after the loop the helper looks the link up again. */
#include "host_internal.h"

#include <string.h>

#define OP_TIMEOUT_MS 35000 /* above ATT's 30 s transaction timeout */

int host_nested(struct bh_host *h)
{
	host_log(h, BH_LOG_ERROR,
		 "blocking call from inside a loop callback: refused (BH_EBUSY); use the "
		 "asynchronous call there");
	return BH_EBUSY;
}

/* ---- waiters ---- */

static struct host_waiter *waiter_get(struct bh_host *h, enum host_wait_kind kind, uint16_t link)
{
	for (unsigned i = 0; i < HOST_WAITERS; i++) {
		struct host_waiter *w = &h->waiters[i];
		if (!w->helper && !w->cb_pending) {
			*w = (struct host_waiter){ .helper = true, .kind = kind, .link = link, .h = h };
			return w;
		}
	}
	return NULL;
}

static void waiter_finish(struct host_waiter *w, bh_status st)
{
	if (w->done)
		return;
	w->done = true;
	w->status = st;
	if (w->flag)
		*w->flag = true;
}

/* The helper leaves. A callback still to come finds no buffer and frees
 * the slot by clearing cb_pending. */
static void waiter_put(struct host_waiter *w)
{
	w->helper = false;
	w->out = NULL;
	w->flag = NULL;
}

void host_waiters_link_lost(struct bh_host *h, uint16_t handle, bh_status reason,
			    uint8_t hci_reason)
{
	h->lost_handle = handle;
	h->lost_status = reason;
	host_subs_link_lost(h, handle);
	for (unsigned i = 0; i < HOST_WAITERS; i++) {
		struct host_waiter *w = &h->waiters[i];
		/* done too: the layers may have completed it a moment ago with
		 * a bare BH_EDISCONNECTED. */
		if (!w->helper || w->link != handle)
			continue;
		/* A flag wait's caller reports it; an operation's caller only
		 * sees BH_EDISCONNECTED, so say here why the link went. */
		if (w->kind != HOST_WAIT_FLAG && hci_reason)
			host_log(h, BH_LOG_WARN, "connection 0x%04x lost while waiting: %s (0x%02x)",
				 handle, bh_hci_status_str(hci_reason), hci_reason);
		else if (w->kind != HOST_WAIT_FLAG)
			host_log(h, BH_LOG_WARN, "connection 0x%04x lost while waiting: %s", handle,
				 bh_strerror(reason));
		waiter_finish(w, reason);
	}
}

void host_waiters_fatal(struct bh_host *h, bh_status reason)
{
	for (unsigned i = 0; i < HOST_WAITERS; i++)
		if (h->waiters[i].helper)
			waiter_finish(&h->waiters[i], reason);
}

void host_waiters_pairing(struct bh_host *h, uint16_t handle, bh_status st)
{
	for (unsigned i = 0; i < HOST_WAITERS; i++) {
		struct host_waiter *w = &h->waiters[i];
		if (w->helper && w->kind == HOST_WAIT_PAIR && w->link == handle)
			waiter_finish(w, st);
	}
}

/* BH_OK if the link is up, else why not: the controller's loss, the named
 * reason the link went with (if it was the last to go), or BH_ENOTFOUND. */
int host_link_status(struct bh_host *h, uint16_t handle)
{
	if (host_conn_find(h, handle))
		return BH_OK;
	if (h->fatal)
		return h->fatal_reason;
	if (h->lost_status && h->lost_handle == handle)
		return h->lost_status;
	return BH_ENOTFOUND;
}

static int waiter_wait(struct bh_host *h, struct host_waiter *w, bh_time_ms timeout_ms)
{
	if (h->fatal)
		waiter_finish(w, h->fatal_reason);
	const bool *flag = w->kind == HOST_WAIT_FLAG ? w->flag : &w->done;
	int rc = BH_OK;
	if (!*flag)
		rc = bh_loop_run_until(h->loop, flag, timeout_ms);
	if (w->done)
		return w->status; /* for a flag wait: only a loss sets done */
	if (*flag)
		return BH_OK;
	return rc ? rc : BH_ECANCELLED;
}

/* Waits for an operation started with w as its context (start_rc: what
 * starting it returned), then gives w back. An operation the helper gave
 * up on (timeout, loop quit, link lost) is cancelled when the link is
 * still there, so no request outlives the helper. */
static int op_finish(struct bh_host *h, struct host_waiter *w, int start_rc, bh_time_ms timeout_ms)
{
	int rc = start_rc;
	if (rc)
		w->cb_pending = false; /* an error return never calls back */
	else
		rc = waiter_wait(h, w, timeout_ms);
	if (w->cb_pending && w->link != HOST_NO_LINK) {
		struct host_conn *c = host_conn_find(h, w->link);
		if (c && c->gattc)
			bh_gattc_cancel(c->gattc, w);
	}
	waiter_put(w);
	return rc;
}

/* The start of every operation on a link: the link must be up (else why
 * not, in *rc), and a waiter is taken as the operation's context. g is the
 * link's GATT client, valid until the loop runs. NULL: *rc says why. */
static struct host_waiter *op_begin(struct bh_host *h, uint16_t handle, struct bh_gattc **g,
				    int *rc)
{
	*rc = host_link_status(h, handle);
	if (*rc)
		return NULL;
	struct host_waiter *w = waiter_get(h, HOST_WAIT_OP, handle);
	if (!w) {
		*rc = BH_EBUSY;
		return NULL;
	}
	w->cb_pending = true;
	*g = host_conn_find(h, handle)->gattc;
	return w;
}

/* ---- completions ---- */

static void on_connect(void *ctx, bh_status st, const struct bh_gap_conn *conn)
{
	struct host_waiter *w = ctx;
	w->cb_pending = false;
	/* GAP made the link but the host refused it (host_conn.c): it is
	 * being disconnected, not a link to hand out. */
	if (st == BH_OK && conn && !host_conn_find(w->h, conn->handle))
		st = w->h->conns_in_use < w->h->max_conns ? BH_ENOMEM : BH_ENOSPACE;
	if (conn && !w->done)
		w->handle = conn->handle;
	waiter_finish(w, st);
}

static void on_gattc(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct host_waiter *w = ctx;
	w->cb_pending = false;
	if (w->done)
		return;
	w->handle = res ? res->handle : 0;
	if (st == BH_OK && res && w->out) {
		w->len = res->len;
		memcpy(w->out, res->value, res->len < w->cap ? res->len : w->cap);
	}
	waiter_finish(w, st);
}

/* ---- helpers ---- */

/* One attempt, to addr as given or to the first device matching `match`. */
static int connect_once(struct bh_host *h, const bh_addr *addr,
			const struct bh_gap_scan_filter *match,
			const struct bh_gap_conn_params *params, unsigned timeout_ms,
			uint16_t *handle)
{
	struct host_waiter *w = waiter_get(h, HOST_WAIT_OP, HOST_NO_LINK);
	if (!w)
		return BH_EBUSY;
	w->cb_pending = true;
	int rc = match ? bh_gap_connect_match(h->gap, match, params, timeout_ms, on_connect, w)
		       : bh_gap_connect(h->gap, addr, params, timeout_ms, on_connect, w);
	/* GAP enforces the timeout itself; the loop bound is a safety net. */
	bool gave_up = false;
	if (!rc) {
		rc = waiter_wait(h, w, timeout_ms + 5000);
		gave_up = w->cb_pending;
	} else {
		w->cb_pending = false;
	}
	if (rc == BH_OK && handle)
		*handle = w->handle;
	waiter_put(w);
	if (gave_up && !h->fatal)
		bh_gap_connect_cancel(h->gap);
	return rc;
}

/* Every connection to an address goes through here, with or without
 * parameters, so a bonded identity behind RPAs is found the same way by
 * bh_host_connect_sync and bh_host_connect_params_sync. */
int host_connect_sync(struct bh_host *h, const bh_addr *addr,
		      const struct bh_gap_scan_filter *match,
		      const struct bh_gap_conn_params *params, unsigned timeout_ms,
		      uint16_t *handle)
{
	if (match)
		return connect_once(h, NULL, match, params, timeout_ms, handle);
	if (!addr)
		return BH_EINVAL;
	if (h->fatal)
		return h->fatal_reason;
	bh_addr target;
	if (host_privacy_target(h, addr, &target) == HOST_CONNECT_DIRECT)
		return connect_once(h, &target, NULL, params, timeout_ms, handle);
	/* A bonded peer with an IRK that the controller cannot resolve: it
	 * may still use its identity address (first half of the time), else
	 * the host finds it behind an RPA in scan reports (second half). */
	unsigned first = timeout_ms ? timeout_ms / 2 : 5000;
	int rc = connect_once(h, addr, NULL, params, first, handle);
	if (rc != BH_ETIMEDOUT)
		return rc;
	host_log(h, BH_LOG_INFO, "not at its identity address: scanning for an RPA that resolves to it");
	/* The timed-out attempt is still being cancelled (LE Create
	 * Connection Cancel, then its Connection Complete): GAP is busy until
	 * then. Bounded by the controller's answers, not by a guess. */
	struct bh_gap_scan_filter f = { .addr = addr };
	for (unsigned waited = 0;; waited += 10) {
		rc = connect_once(h, addr, &f, params, timeout_ms ? timeout_ms - first : 0, handle);
		if (rc != BH_EBUSY || waited >= 2000 || h->fatal)
			return rc;
		bh_host_run_for(h, 10);
	}
}

int bh_host_connect_sync(struct bh_host *h, const bh_addr *addr, unsigned timeout_ms,
			 uint16_t *handle)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	return host_connect_sync(h, addr, NULL, NULL, timeout_ms, handle);
}

/* Lets what the stack already queued for the controller go out first (the
 * last keys of a pairing, a Write Command): HCI Disconnect would drop it. */
static void drain_tx(struct bh_host *h, uint16_t handle, unsigned max_ms)
{
	const struct bh_hci_info *i = bh_hci_info(h->hci);
	for (unsigned waited = 0; waited < max_ms && host_conn_find(h, handle) && !h->fatal;
	     waited += 5) {
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
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	int rc = host_link_status(h, handle);
	if (rc)
		return rc;
	drain_tx(h, handle, 500);
	rc = host_link_status(h, handle);
	if (rc)
		return rc;
	rc = bh_gap_disconnect(h->gap, handle, reason);
	if (rc)
		return rc;
	bool gone = false;
	rc = bh_host_wait(h, handle, &gone, timeout_ms);
	/* Here the link going is the success we waited for. */
	if (rc == BH_EDISCONNECTED || !host_conn_find(h, handle))
		return h->fatal ? h->fatal_reason : BH_OK;
	return rc ? rc : BH_ETIMEDOUT;
}

int bh_host_exchange_mtu_sync(struct bh_host *h, uint16_t handle, uint16_t *mtu)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	struct bh_gattc *g;
	int rc;
	struct host_waiter *w = op_begin(h, handle, &g, &rc);
	if (!w)
		return rc;
	rc = op_finish(h, w, bh_gattc_exchange_mtu(g, h->cfg.att_mtu, on_gattc, w), OP_TIMEOUT_MS);
	/* Looked up again: the loop ran, the link may be gone. */
	struct host_conn *c = host_conn_find(h, handle);
	if (!rc && !c)
		rc = host_link_status(h, handle);
	if (!rc && mtu)
		*mtu = bh_att_mtu(c->att);
	return rc;
}

int bh_host_discover_sync(struct bh_host *h, uint16_t handle)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	struct bh_gattc *g;
	int rc;
	struct host_waiter *w = op_begin(h, handle, &g, &rc);
	if (!w)
		return rc;
	/* A bonded peer's tree came from its bond: check it against the peer's
	 * Database Hash (or Service Changed) instead of discovering again. */
	rc = bh_gattc_service_count(g)
		     ? bh_gattc_validate_cache(g, BH_GATTC_DISC_INCLUDES, on_gattc, w)
		     : bh_gattc_discover(g, NULL, 0, BH_GATTC_DISC_INCLUDES, on_gattc, w);
	return op_finish(h, w, rc, OP_TIMEOUT_MS * 4);
}

int bh_host_read_sync(struct bh_host *h, uint16_t handle, uint16_t attr, uint8_t *out,
		      size_t cap, size_t *len)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	struct bh_gattc *g;
	int rc;
	struct host_waiter *w = op_begin(h, handle, &g, &rc);
	if (!w)
		return rc;
	w->out = out;
	w->cap = cap;
	rc = bh_gattc_read_long(g, attr, on_gattc, w);
	size_t got = 0;
	rc = op_finish(h, w, rc, OP_TIMEOUT_MS);
	if (!rc)
		got = w->len;
	if (len)
		*len = got;
	return rc;
}

int bh_host_write_sync(struct bh_host *h, uint16_t handle, uint16_t attr, const uint8_t *val,
		       size_t len, bool with_response)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	int rc;
	if (!with_response) {
		/* Wait for room rather than fail: the caller asked to block. The
		 * link is looked up again after every run of the loop. */
		for (int tries = 0; tries < 1000; tries++) {
			rc = host_link_status(h, handle);
			if (rc)
				return rc;
			rc = bh_gattc_write_cmd(host_conn_find(h, handle)->gattc, attr, val, len);
			if (rc != BH_EBUSY)
				return rc;
			bh_host_run_for(h, 5);
		}
		return BH_ETIMEDOUT;
	}
	struct bh_gattc *g;
	struct host_waiter *w = op_begin(h, handle, &g, &rc);
	if (!w)
		return rc;
	rc = bh_gattc_write(g, attr, val, len, on_gattc, w);
	return op_finish(h, w, rc, OP_TIMEOUT_MS);
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

int host_cccd_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle, uint16_t what,
		   bh_gattc_notify_cb ncb, void *nctx)
{
	struct bh_gattc *g;
	int rc;
	struct host_waiter *w = op_begin(h, handle, &g, &rc);
	if (!w)
		return rc;
	rc = what ? bh_gattc_subscribe(g, value_handle, what, ncb, nctx, on_gattc, w)
		  : bh_gattc_unsubscribe(g, value_handle, on_gattc, w);
	return op_finish(h, w, rc, OP_TIMEOUT_MS);
}

int bh_host_subscribe_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle,
			   bool indicate)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	return host_cccd_sync(h, handle, value_handle,
			      indicate ? BH_GATTC_INDICATE : BH_GATTC_NOTIFY, on_notify_ignored, NULL);
}

int bh_host_pair_sync(struct bh_host *h, uint16_t handle, unsigned timeout_ms)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	int rc = host_link_status(h, handle);
	if (rc)
		return rc;
	/* Registered first: a pairing may end inside the request itself. */
	struct host_waiter *w = waiter_get(h, HOST_WAIT_PAIR, handle);
	if (!w)
		return BH_EBUSY;
	enum bh_sec_level want = h->cfg.mitm ? BH_SEC_AUTHENTICATED : BH_SEC_ENCRYPTED;
	rc = bh_smp_request_security(h->smp, handle, want);
	if (!rc && !w->done) {
		struct host_conn *c = host_conn_find(h, handle);
		struct bh_security s = bh_smp_security(h->smp, handle);
		if (c && s.level >= want && !c->pairing_active)
			waiter_finish(w, BH_OK); /* already satisfied */
	}
	if (!rc)
		rc = waiter_wait(h, w, timeout_ms);
	waiter_put(w);
	return rc;
}

int bh_host_wait(struct bh_host *h, uint16_t handle, bool *done, bh_time_ms timeout_ms)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (handle != BH_HOST_NO_LINK) {
		int rc = host_link_status(h, handle);
		if (rc) {
			*done = true;
			return rc;
		}
	}
	struct host_waiter *w = waiter_get(h, HOST_WAIT_FLAG, handle);
	if (!w)
		return BH_EBUSY;
	w->flag = done;
	int rc = waiter_wait(h, w, timeout_ms);
	waiter_put(w);
	return rc;
}
