/* Conveniences of the public API (host.h, "Conveniences"): scanning with
 * results, connecting with parameters in milliseconds, finding, reading and
 * writing characteristics by UUID, per-characteristic notification routes,
 * and removing bonds while the host runs.
 *
 * Each is a thin composition of the blocking helpers (host_sync.c) and the
 * layers' asynchronous calls; none adds protocol behaviour. Like the
 * helpers, they look links up by handle after every run of the loop: any
 * callback may end a link. */
#include <blehost/host_pairing.h>

#include "host_internal.h"

#include <stdio.h>
#include <string.h>

#define SCAN_DEFAULT_MS 5000
#define FIND_SAFETY_MS 5000 /* loop bound above GAP's own scan timeout */

/* ---- scanning ---- */

void bh_host_scan_result_ad(const struct bh_host_scan_result *r, struct bh_ad *ad)
{
	bh_ad_parse(ad, r->adv, r->adv_len);
	bh_ad_parse_more(ad, r->rsp, r->rsp_len);
}

static void scan_stop(struct bh_host *h)
{
	/* BH_ESTATE: already stopping; on_done will still come. */
	if (h->scan.running)
		bh_gap_scan_stop(h->gap);
}

static void scan_device(void *ctx, const struct bh_gap_device *d)
{
	struct bh_host *h = ctx;
	struct host_scan *s = &h->scan;
	if (!s->out)
		return; /* the helper gave up; the stop is on its way */
	struct bh_host_scan_result *r = NULL;
	for (size_t i = 0; i < s->n; i++)
		if (bh_addr_eq(&s->out[i].addr, &d->addr))
			r = &s->out[i];
	if (!r) {
		if (s->n == s->cap)
			return;
		r = &s->out[s->n++];
		memset(r, 0, sizeof(*r));
		r->addr = d->addr;
	}
	r->identity = d->identity;
	r->rssi = d->rssi;
	r->connectable = d->connectable;
	/* Keep the scan response of an earlier report when this one is an
	 * advertisement alone: GAP merges them, we copy what it merged. */
	r->adv_len = d->adv_len < sizeof(r->adv) ? d->adv_len : sizeof(r->adv);
	memcpy(r->adv, d->adv_data, r->adv_len);
	if (d->has_scan_rsp) {
		r->rsp_len = d->rsp_len < sizeof(r->rsp) ? d->rsp_len : sizeof(r->rsp);
		memcpy(r->rsp, d->rsp_data, r->rsp_len);
	}
	snprintf(r->name, sizeof(r->name), "%s", d->name);
	bh_host_scan_result_ad(r, &r->ad);
	r->reports++;
	if (s->stop_after && s->n >= s->stop_after && !s->done) {
		s->status = BH_OK;
		scan_stop(h);
	}
}

static void scan_done(void *ctx, bh_status reason)
{
	struct bh_host *h = ctx;
	struct host_scan *s = &h->scan;
	s->running = false;
	if (s->done)
		return;
	/* The duration running out is success, unless a match was wanted. */
	if (reason == BH_ETIMEDOUT)
		s->status = s->stop_after && s->n < s->stop_after ? BH_ETIMEDOUT : BH_OK;
	else if (reason != BH_OK)
		s->status = reason;
	s->done = true;
}

int bh_host_scan_sync(struct bh_host *h, const struct bh_host_scan_opts *opts,
		      struct bh_host_scan_result *out, size_t cap, size_t *n)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (n)
		*n = 0;
	if (!out || !cap)
		return BH_EINVAL;
	if (h->fatal)
		return h->fatal_reason;
	if (h->scan.running || bh_gap_scanning(h->gap))
		return BH_EBUSY;
	struct bh_host_scan_opts o = { 0 };
	if (opts)
		o = *opts;
	unsigned ms = o.duration_ms ? o.duration_ms : SCAN_DEFAULT_MS;
	h->scan = (struct host_scan){ .out = out, .cap = cap, .stop_after = o.stop_after,
				      .status = BH_OK };
	struct bh_gap_scan_params p = {
		.active = !o.passive,
		.timeout_ms = ms,
		.filter = o.filter,
		.on_device = scan_device,
		.on_done = scan_done,
		.ctx = h,
	};
	int rc = bh_gap_scan_start(h->gap, &p);
	if (rc) {
		h->scan.out = NULL;
		return rc;
	}
	h->scan.running = true;
	rc = bh_host_wait(h, BH_HOST_NO_LINK, &h->scan.done, ms + FIND_SAFETY_MS);
	size_t got = h->scan.n;
	h->scan.out = NULL;
	if (rc == BH_OK)
		rc = h->scan.status;
	else if (!h->fatal)
		scan_stop(h); /* gave up (loop quit, safety bound): leave nothing running */
	if (n)
		*n = got;
	return rc;
}

/* ---- connecting with parameters in ms ---- */

/* ms / unit rounded, within [lo, hi] units; 0 ms stays 0 (the default). */
static bool to_units(double ms, double unit, unsigned lo, unsigned hi, uint16_t *out)
{
	if (ms == 0) {
		*out = 0;
		return true;
	}
	/* Also refuses NaN and infinities, without libm. */
	if (!(ms > 0) || !(ms / unit < hi + 1.0))
		return false;
	unsigned u = (unsigned)(ms / unit + 0.5);
	if (u < lo || u > hi)
		return false;
	*out = (uint16_t)u;
	return true;
}

int bh_host_conn_params_hci(const struct bh_host_conn_params *p, struct bh_gap_conn_params *out)
{
	if (!p || !out)
		return BH_EINVAL;
	struct bh_gap_conn_params g = { 0 };
	/* Ranges: Vol 4, Part E, 7.8.12 (LE Create Connection). */
	if (!to_units(p->interval_min_ms, 1.25, 0x0006, 0x0c80, &g.interval_min) ||
	    !to_units(p->interval_max_ms, 1.25, 0x0006, 0x0c80, &g.interval_max) ||
	    !to_units(p->supervision_timeout_ms, 10, 0x000a, 0x0c80, &g.supervision_timeout) ||
	    !to_units(p->scan_interval_ms, 0.625, 0x0004, 0x4000, &g.scan_interval) ||
	    !to_units(p->scan_window_ms, 0.625, 0x0004, 0x4000, &g.scan_window))
		return BH_EINVAL;
	if (p->latency > 0x01f3)
		return BH_EINVAL;
	g.latency = p->latency;
	/* The defaults GAP applies to zero fields, so the checks below see the
	 * values that will be sent. */
	uint16_t imin = g.interval_min ? g.interval_min : 24;  /* 30 ms */
	uint16_t imax = g.interval_max ? g.interval_max : 40;  /* 50 ms */
	uint16_t to = g.supervision_timeout ? g.supervision_timeout : 400;
	uint16_t si = g.scan_interval ? g.scan_interval : 96;  /* 60 ms */
	uint16_t sw = g.scan_window ? g.scan_window : 48;      /* 30 ms */
	if (g.interval_min && !g.interval_max)
		imax = imin > imax ? imin : imax;
	if (g.interval_max && !g.interval_min)
		imin = imax < imin ? imax : imin;
	if (imin > imax || sw > si)
		return BH_EINVAL;
	/* Supervision timeout > (1 + latency) * interval_max * 2 (Vol 6,
	 * Part B, 4.5.2), in ms: to*10 > (1+lat) * imax*1.25 * 2. */
	if ((unsigned)to * 4 <= (1u + g.latency) * imax)
		return BH_EINVAL;
	g.interval_min = imin;
	g.interval_max = imax;
	g.supervision_timeout = to;
	g.scan_interval = si;
	g.scan_window = sw;
	*out = g;
	return BH_OK;
}

int bh_host_connect_params_sync(struct bh_host *h, const bh_addr *addr,
				const struct bh_host_conn_params *p, unsigned timeout_ms,
				uint16_t *handle)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	struct bh_gap_conn_params g;
	if (p && bh_host_conn_params_hci(p, &g))
		return BH_EINVAL;
	return host_connect_sync(h, addr, NULL, p ? &g : NULL, timeout_ms, handle);
}

int bh_host_connect_match_sync(struct bh_host *h, const struct bh_gap_scan_filter *match,
			       const struct bh_host_conn_params *p, unsigned timeout_ms,
			       uint16_t *handle, bh_addr *peer)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	struct bh_gap_conn_params g;
	if (!match || (p && bh_host_conn_params_hci(p, &g)))
		return BH_EINVAL;
	uint16_t conn = 0;
	int rc = host_connect_sync(h, NULL, match, p ? &g : NULL, timeout_ms, &conn);
	/* The link may already have gone again: only report one that is up. */
	struct host_conn *c = rc ? NULL : host_conn_find(h, conn);
	if (!rc && !c)
		rc = BH_EDISCONNECTED;
	if (!rc && handle)
		*handle = conn;
	if (!rc && peer)
		*peer = c->peer;
	return rc;
}

/* ---- characteristics by UUID ---- */

/* The link's GATT client with a tree (discovered now if empty). Valid
 * until the loop runs again. */
static int tree(struct bh_host *h, uint16_t handle, struct bh_gattc **g)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c) {
		int rc = bh_host_read_sync(h, handle, 0, NULL, 0, NULL); /* the named reason */
		return rc ? rc : BH_EDISCONNECTED;
	}
	if (!bh_gattc_service_count(c->gattc)) {
		int rc = bh_host_discover_sync(h, handle);
		if (rc)
			return rc;
		c = host_conn_find(h, handle);
		if (!c)
			return BH_EDISCONNECTED;
	}
	*g = c->gattc;
	return BH_OK;
}

int bh_host_find_chr_sync(struct bh_host *h, uint16_t handle, const bh_uuid *svc,
			  const bh_uuid *chr, uint16_t *value_handle)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (!chr)
		return BH_EINVAL;
	struct bh_gattc *g = NULL;
	int rc = tree(h, handle, &g);
	if (rc)
		return rc;
	const struct bh_gattc_service *s = NULL;
	if (svc && !(s = bh_gattc_find_service(g, svc)))
		return BH_ENOTFOUND;
	const struct bh_gattc_chr *ch = bh_gattc_find_chr(g, s, chr);
	if (!ch)
		return BH_ENOTFOUND;
	if (value_handle)
		*value_handle = ch->value_handle;
	return BH_OK;
}

int bh_host_find_desc_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle,
			   const bh_uuid *desc, uint16_t *desc_handle)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (!desc)
		return BH_EINVAL;
	struct bh_gattc *g = NULL;
	int rc = tree(h, handle, &g);
	if (rc)
		return rc;
	const struct bh_gattc_chr *ch = bh_gattc_chr_by_handle(g, value_handle);
	if (!ch || ch->value_handle != value_handle)
		return BH_ENOTFOUND;
	const struct bh_gattc_desc *d = bh_gattc_find_desc(g, ch, desc);
	if (!d)
		return BH_ENOTFOUND;
	if (desc_handle)
		*desc_handle = d->handle;
	return BH_OK;
}

int bh_host_read_uuid_sync(struct bh_host *h, uint16_t handle, const bh_uuid *chr, uint8_t *out,
			   size_t cap, size_t *len)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (len)
		*len = 0;
	uint16_t vh;
	int rc = bh_host_find_chr_sync(h, handle, NULL, chr, &vh);
	return rc ? rc : bh_host_read_sync(h, handle, vh, out, cap, len);
}

int bh_host_write_uuid_sync(struct bh_host *h, uint16_t handle, const bh_uuid *chr,
			    const uint8_t *val, size_t len, bool with_response)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	uint16_t vh;
	int rc = bh_host_find_chr_sync(h, handle, NULL, chr, &vh);
	return rc ? rc : bh_host_write_sync(h, handle, vh, val, len, with_response);
}

/* ---- per-characteristic notification routes ---- */

static struct host_sub *sub_find(struct bh_host *h, uint16_t link, uint16_t vh)
{
	for (unsigned i = 0; i < HOST_SUBS; i++)
		if (h->subs[i].used && h->subs[i].link == link && h->subs[i].value_handle == vh)
			return &h->subs[i];
	return NULL;
}

static void sub_notify(void *ctx, uint16_t vh, const uint8_t *v, size_t len, bool ind)
{
	struct host_sub *s = ctx;
	if (s->used && s->fn)
		s->fn(s->ctx, s->link, vh, v, len, ind);
}

void host_subs_link_lost(struct bh_host *h, uint16_t handle)
{
	for (unsigned i = 0; i < HOST_SUBS; i++)
		if (h->subs[i].link == handle)
			h->subs[i].used = false;
}

int bh_host_subscribe_cb_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle,
			      bool indicate, bh_host_notify_fn fn, void *ctx)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (!fn)
		return BH_EINVAL;
	if (!host_conn_find(h, handle))
		return bh_host_subscribe_sync(h, handle, value_handle, indicate); /* why not */
	struct host_sub *s = sub_find(h, handle, value_handle);
	bool fresh = !s;
	for (unsigned i = 0; !s && i < HOST_SUBS; i++)
		if (!h->subs[i].used)
			s = &h->subs[i];
	if (!s)
		return BH_ENOMEM;
	struct host_sub before = *s;
	*s = (struct host_sub){ .used = true, .link = handle, .value_handle = value_handle,
				.fn = fn, .ctx = ctx, .h = h };
	int rc = host_cccd_sync(h, handle, value_handle,
				indicate ? BH_GATTC_INDICATE : BH_GATTC_NOTIFY, sub_notify, s);
	/* The link may have gone meanwhile (its routes are already freed). */
	if (rc && s->used && s->link == handle) {
		if (fresh)
			s->used = false;
		else
			*s = before; /* the layer still routes to the old subscription */
	}
	return rc;
}

int bh_host_unsubscribe_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	struct host_sub *s = sub_find(h, handle, value_handle);
	if (s)
		s->used = false; /* stops at once, whatever the CCCD write does */
	return host_cccd_sync(h, handle, value_handle, 0, NULL, NULL);
}

/* ---- bonds ---- */

struct bond_list {
	bh_addr *out;
	size_t cap, n;
};

static int bond_list_add(void *ctx, const struct bh_bond *b)
{
	struct bond_list *l = ctx;
	if (l->n < l->cap)
		l->out[l->n] = b->identity;
	l->n++;
	return 0;
}

int bh_host_bond_list(struct bh_host *h, bh_addr *out, size_t cap)
{
	struct bond_list l = { .out = out, .cap = out ? cap : 0 };
	if (h->store) {
		int rc = bh_bond_store_load_all(h->store, bond_list_add, &l);
		if (rc)
			return rc;
	} else {
		for (unsigned i = 0; i < h->n_mem_bonds; i++)
			bond_list_add(&l, &h->mem_bonds[i]);
	}
	return (int)l.n;
}

/* Disconnects every link to identity (all == true: to any bonded peer),
 * each looked up again after the loop ran. */
static int disconnect_peers(struct bh_host *h, const bh_addr *identity, bool all,
			    unsigned timeout_ms)
{
	uint16_t handles[64];
	unsigned n = 0;
	for (unsigned i = 0; i < h->max_conns && n < 64; i++) {
		const struct host_conn *c = h->conns[i];
		if (!c || !c->used)
			continue;
		struct bh_bond b;
		bool match = all ? host_bond_lookup(h, &c->identity, &b)
				 : bh_addr_eq(&c->identity, identity) || bh_addr_eq(&c->peer, identity);
		if (match)
			handles[n++] = c->handle;
	}
	for (unsigned i = 0; i < n; i++) {
		int rc = bh_host_disconnect_sync(h, handles[i], 0x13 /* Remote User Terminated */,
						 timeout_ms);
		if (rc && rc != BH_EDISCONNECTED && rc != BH_ENOTFOUND)
			return rc;
	}
	return h->fatal ? h->fatal_reason : BH_OK;
}

static void accept_list_done(void *ctx, bh_status st)
{
	struct bh_host *h = ctx;
	h->accept_list.status = st;
	h->accept_list.done = true;
}

/* Takes identity off the controller's filter accept list. The list may not
 * hold it (Core Vol 4, Part E, 7.8.17 leaves that answer to the
 * controller), so the controller's answer is logged, not returned. The
 * result lands in the host, so a completion after a give-up is harmless. */
static void accept_list_remove(struct bh_host *h, const bh_addr *identity, unsigned timeout_ms)
{
	h->accept_list.done = false;
	int rc = bh_gap_accept_list_remove(h->gap, identity, accept_list_done, h);
	if (!rc)
		rc = bh_host_wait(h, BH_HOST_NO_LINK, &h->accept_list.done, timeout_ms);
	if (!rc)
		rc = h->accept_list.status;
	if (rc)
		host_log(h, BH_LOG_INFO, "bond removal: accept list: %s", bh_strerror(rc));
}

int bh_host_bond_remove_sync(struct bh_host *h, const bh_addr *peer, unsigned timeout_ms)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (!peer)
		return BH_EINVAL;
	if (h->fatal)
		return h->fatal_reason;
	bh_addr id = *peer;
	host_resolve(h, peer, &id);
	int rc = disconnect_peers(h, &id, false, timeout_ms);
	if (rc)
		return rc; /* the bond stays: the peer may still be connected */
	rc = bh_host_bond_delete(h, &id);
	accept_list_remove(h, &id, timeout_ms);
	return rc;
}

int bh_host_bond_remove_all_sync(struct bh_host *h, unsigned timeout_ms)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	if (h->fatal)
		return h->fatal_reason;
	bh_addr ids[32];
	int n = bh_host_bond_list(h, ids, 32);
	if (n < 0)
		return n;
	int rc = disconnect_peers(h, NULL, true, timeout_ms);
	if (rc)
		return rc;
	rc = bh_host_bonds_clear(h);
	for (int i = 0; i < n && i < 32; i++)
		accept_list_remove(h, &ids[i], timeout_ms);
	return rc;
}
