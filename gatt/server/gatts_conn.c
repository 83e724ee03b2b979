/* GATT server object and per-connection state: creation, connections, CCCD
 * export/import for bonds, notifications and indications, and Service
 * Changed after database changes (Vol 3, Part G, 2.5.2 and 7.1).
 */
#include "gatts_internal.h"

#include <stdlib.h>
#include <string.h>

#define BLOB_VERSION 1
#define BLOB_HDR 20 /* version, csf, hash[16], count (u16) */

void bh_gatts_config_default(struct bh_gatts_config *c)
{
	memset(c, 0, sizeof(*c));
	c->device_name = "blehost";
	c->max_connections = 8;
	c->max_cccds = 32;
	c->prepare_queue = 16;
}

struct bh_gatts *bh_gatts_new(const struct bh_gatts_config *cfg, const struct bh_env *env,
			      const struct bh_gatts_port *port, const struct bh_gatts_events *ev)
{
	if (!cfg || !env || !port)
		return NULL;
	if (!cfg->max_connections || cfg->max_connections > 64 || !cfg->max_cccds ||
	    cfg->max_cccds > 1024 || cfg->prepare_queue > 1024)
		return NULL;
	struct bh_gatts *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->env = env;
	s->port = *port;
	if (ev)
		s->ev = *ev;
	s->conns = calloc(cfg->max_connections, sizeof(*s->conns));
	if (!s->conns)
		goto fail;
	for (unsigned i = 0; i < cfg->max_connections; i++) {
		struct gatts_conn *c = &s->conns[i];
		c->cccd = calloc(cfg->max_cccds, sizeof(*c->cccd));
		if (!c->cccd)
			goto fail;
	}
	if (gatts_add_builtin(s) != BH_OK)
		goto fail;
	/* The device name pointer was copied into the database. */
	s->cfg.device_name = NULL;
	return s;
fail:
	bh_gatts_free(s);
	return NULL;
}

void bh_gatts_free(struct bh_gatts *s)
{
	if (!s)
		return;
	if (s->conns) {
		for (unsigned i = 0; i < s->cfg.max_connections; i++) {
			free(s->conns[i].cccd);
			free(s->conns[i].prep);
		}
		free(s->conns);
	}
	gatts_db_free(s);
	free(s);
}

bh_status bh_gatts_connected(struct bh_gatts *s, uint16_t conn)
{
	if (!s)
		return BH_EINVAL;
	if (gatts_conn_find(s, conn))
		return BH_EEXIST;
	for (unsigned i = 0; i < s->cfg.max_connections; i++) {
		struct gatts_conn *c = &s->conns[i];
		if (c->used)
			continue;
		struct gatts_cccd *cccd = c->cccd;
		struct gatts_prep *prep = c->prep;
		memset(c, 0, sizeof(*c));
		c->cccd = cccd;
		c->prep = prep;
		c->used = true;
		c->conn = conn;
		/* A new client has no cache to be out of date: aware. A bond's
		 * blob may say otherwise on import. */
		c->cache = GATTS_AWARE;
		s->any_connected = true;
		return BH_OK;
	}
	return BH_ENOMEM;
}

void bh_gatts_disconnected(struct bh_gatts *s, uint16_t conn)
{
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c)
		return;
	bool pending = c->ind_pending && !c->ind_is_sc;
	uint16_t h = c->ind_handle;
	c->used = false;
	c->ncccd = 0;
	c->nprep = 0;
	free(c->prep);
	c->prep = NULL;
	c->ind_pending = false;
	if (pending && s->ev.indication_done)
		s->ev.indication_done(s->ev.ctx, conn, h, BH_EDISCONNECTED);
}

uint16_t bh_gatts_cccd_value(const struct bh_gatts *s, uint16_t conn, uint16_t value_handle)
{
	const struct gatts_conn *c = gatts_conn_find(s, conn);
	uint16_t h = c ? bh_gatts_cccd_handle(s, value_handle) : 0;
	return h ? gatts_cccd_get(c, h) : 0;
}

bool bh_gatts_change_aware(const struct bh_gatts *s, uint16_t conn)
{
	const struct gatts_conn *c = gatts_conn_find(s, conn);
	return c && c->cache == GATTS_AWARE;
}

static void send_service_changed(struct bh_gatts *s, struct gatts_conn *c);

/* ---- bond blob ------------------------------------------------------------ */

bh_status bh_gatts_export_cccd(const struct bh_gatts *s, uint16_t conn, uint8_t *buf, size_t cap,
			       size_t *len)
{
	const struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c)
		return BH_ENOTFOUND;
	size_t need = BLOB_HDR + 4u * c->ncccd;
	if (len)
		*len = need;
	if (!buf || cap < need)
		return BH_ENOSPACE;
	buf[0] = BLOB_VERSION;
	buf[1] = c->csf;
	/* An unaware client's blob must not look aware after a reconnection:
	 * store a hash that cannot match. */
	const uint8_t *cur = gatts_hash(s, NULL);
	if (cur)
		memcpy(buf + 2, cur, 16);
	else
		memset(buf + 2, 0, 16);
	if (c->cache != GATTS_AWARE || !cur)
		buf[2] ^= 0xff;
	bh_put16(buf + 18, (uint16_t)c->ncccd);
	for (unsigned i = 0; i < c->ncccd; i++) {
		bh_put16(buf + BLOB_HDR + 4 * i, c->cccd[i].handle);
		bh_put16(buf + BLOB_HDR + 4 * i + 2, c->cccd[i].value);
	}
	return BH_OK;
}

/* A blob entry (handle, value) still names a CCCD with a valid value. */
static bool blob_entry_ok(struct bh_gatts *s, const uint8_t *e)
{
	const struct gatts_attr *a = gatts_find(s, bh_get16(e));
	uint16_t v = bh_get16(e + 2);
	return a && a->kind == GATTS_K_CCCD && v && !(v & ~3u);
}

bh_status bh_gatts_import_cccd(struct bh_gatts *s, uint16_t conn, const uint8_t *buf, size_t len)
{
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c)
		return BH_ENOTFOUND;
	if (!buf)
		return BH_EINVAL;
	if (len < BLOB_HDR)
		return BH_EMALFORMED;
	if (buf[0] != BLOB_VERSION)
		return BH_ECORRUPT;
	uint16_t n = bh_get16(buf + 18);
	if (len - BLOB_HDR != 4u * n)
		return BH_EMALFORMED;
	/* Validate everything before touching the connection's state. */
	const uint8_t *e = buf + BLOB_HDR;
	unsigned keep = 0;
	for (unsigned i = 0; i < n; i++)
		keep += blob_entry_ok(s, e + 4 * i);
	if (keep > s->cfg.max_cccds)
		return BH_ENOSPACE;
	c->ncccd = 0;
	for (unsigned i = 0; i < n; i++) {
		uint16_t h = bh_get16(e + 4 * i);
		if (!blob_entry_ok(s, e + 4 * i))
			continue; /* the database changed since the bond was made */
		/* A duplicate: every value kept is non-zero (blob_entry_ok). */
		if (gatts_cccd_get(c, h))
			continue;
		c->cccd[c->ncccd].handle = h;
		c->cccd[c->ncccd++].value = bh_get16(e + 4 * i + 2);
	}
	c->csf = buf[1] & GATTS_CSF_KNOWN_BITS;
	/* No hash to compare (it cannot be computed now): unaware, the side
	 * that costs a Service Changed, not a client with a wrong cache. */
	const uint8_t *cur = gatts_hash(s, NULL);
	c->cache = cur && memcmp(buf + 2, cur, 16) == 0 ? GATTS_AWARE : GATTS_UNAWARE;
	/* The database changed while this bonded client was away: tell it,
	 * with the whole range since what changed is not known (Part G, 7.1). */
	uint16_t sc_cccd = bh_gatts_cccd_handle(s, s->sc_handle);
	if (c->cache != GATTS_AWARE && (gatts_cccd_get(c, sc_cccd) & 2)) {
		c->sc_start = 0x0001;
		c->sc_end = 0xffff;
		c->sc_waiting = true;
		if (!c->ind_pending)
			send_service_changed(s, c);
	}
	return BH_OK;
}

/* ---- notifications and indications ----------------------------------------- */

static bh_status value_for(struct bh_gatts *s, uint16_t conn, uint16_t handle, const void **value,
			   size_t *len, struct gatts_attr **out)
{
	struct gatts_attr *a = gatts_find(s, handle);
	if (!a || a->kind != GATTS_K_VALUE || !a->cccd)
		return BH_ENOTFOUND;
	*out = a;
	if (*value)
		return *len <= BH_ATT_MAX_VALUE ? BH_OK : BH_EINVAL;
	if (a->read) {
		/* A callback-served value: ask it, as a peer's read would. The
		 * callers go on with `a` after it returns, so the database must
		 * not move under it: adding or removing a service there is
		 * refused (BH_ESTATE) as inside a request's callback. */
		size_t n = 0;
		bool was = s->in_request;
		s->in_request = true;
		uint8_t code = gatts_read_value(s, conn, a, 0, s->ntf_buf, sizeof(s->ntf_buf), &n);
		s->in_request = was;
		if (code)
			return BH_ATT_ERROR(code);
		*value = s->ntf_buf;
		*len = n;
		return BH_OK;
	}
	*value = a->val;
	*len = a->len;
	return BH_OK;
}

bh_status bh_gatts_notify(struct bh_gatts *s, uint16_t conn, uint16_t value_handle,
			  const void *value, size_t len, bool *truncated)
{
	if (!s)
		return BH_EINVAL;
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c)
		return BH_ENOTFOUND;
	/* First: an application that notifies until BH_EBUSY meets this once
	 * per notification sent, so it skips the lookups below. What they
	 * would refuse is refused after bh_gatts_can_send. */
	if (c->ntf_full)
		return BH_EBUSY;
	struct gatts_attr *a;
	bh_status st = value_for(s, conn, value_handle, &value, &len, &a);
	if (st != BH_OK)
		return st;
	if (!(gatts_cccd_get(c, a->cccd) & 1))
		return BH_ESTATE;
	if (truncated)
		*truncated = false;
	if (!s->port.notify)
		return BH_ENOTSUP;
	return gatts_port_notify(s, c, value_handle, value, len, truncated);
}

int gatts_port_notify(struct bh_gatts *s, struct gatts_conn *c, uint16_t handle,
		      const void *value, size_t len, bool *truncated)
{
	int rc = s->port.notify(s->port.ctx, c->conn, handle, value, len, truncated);
	if (rc != BH_GATTS_NOW_FULL)
		return rc;
	c->ntf_full = true;
	return BH_OK;
}

static bh_status send_indication(struct bh_gatts *s, struct gatts_conn *c, uint16_t handle,
				 const void *value, size_t len, bool is_sc)
{
	if (c->ind_pending)
		return BH_EBUSY;
	if (!s->port.indicate)
		return BH_ENOTSUP;
	int rc = s->port.indicate(s->port.ctx, c->conn, handle, value, len);
	if (rc != 0)
		return rc;
	c->ind_pending = true;
	c->ind_is_sc = is_sc;
	c->ind_handle = handle;
	return BH_OK;
}

bh_status bh_gatts_indicate(struct bh_gatts *s, uint16_t conn, uint16_t value_handle,
			    const void *value, size_t len)
{
	if (!s)
		return BH_EINVAL;
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c)
		return BH_ENOTFOUND;
	struct gatts_attr *a;
	bh_status st = value_for(s, conn, value_handle, &value, &len, &a);
	if (st != BH_OK)
		return st;
	if (!(gatts_cccd_get(c, a->cccd) & 2))
		return BH_ESTATE;
	/* The bearer truncates nothing for indications: cut to MTU-3 here. */
	size_t max = (size_t)gatts_mtu(s, conn) - 3;
	return send_indication(s, c, value_handle, value, len < max ? len : max, false);
}

int bh_gatts_changed(struct bh_gatts *s, uint16_t value_handle, const void *value, size_t len,
		     unsigned *busy)
{
	if (busy)
		*busy = 0;
	if (!s)
		return BH_EINVAL;
	struct gatts_attr *a = gatts_find(s, value_handle);
	uint16_t cccd = bh_gatts_cccd_handle(s, value_handle);
	if (!a || a->kind != GATTS_K_VALUE || !cccd)
		return BH_ENOTFOUND;
	if (value && !a->read) {
		bh_status st = bh_gatts_set_value(s, value_handle, value, len);
		if (st != BH_OK)
			return st;
		value = NULL; /* send what is stored now */
	}
	int sent = 0;
	for (unsigned i = 0; i < s->cfg.max_connections; i++) {
		struct gatts_conn *c = &s->conns[i];
		if (!c->used)
			continue;
		uint16_t v = gatts_cccd_get(c, cccd);
		bh_status st = BH_ESTATE;
		if (v & 1)
			st = bh_gatts_notify(s, c->conn, value_handle, value, len, NULL);
		else if (v & 2)
			st = bh_gatts_indicate(s, c->conn, value_handle, value, len);
		if (st == BH_OK)
			sent++;
		else if (st == BH_EBUSY && busy)
			(*busy)++;
	}
	return sent;
}

/* ---- Service Changed --------------------------------------------------------- */

static void send_service_changed(struct bh_gatts *s, struct gatts_conn *c)
{
	uint8_t v[4];
	bh_put16(v, c->sc_start);
	bh_put16(v + 2, c->sc_end);
	if (send_indication(s, c, s->sc_handle, v, 4, true) == BH_OK)
		c->sc_waiting = false;
}

void gatts_db_changed(struct bh_gatts *s, uint16_t start, uint16_t end)
{
	if (!s->any_connected || !s->sc_handle)
		return;
	uint16_t sc_cccd = bh_gatts_cccd_handle(s, s->sc_handle);
	for (unsigned i = 0; i < s->cfg.max_connections; i++) {
		struct gatts_conn *c = &s->conns[i];
		if (!c->used)
			continue;
		/* Every connected client's cache is now stale (2.5.2.1). */
		c->cache = GATTS_UNAWARE;
		if (!(gatts_cccd_get(c, sc_cccd) & 2))
			continue;
		if (c->sc_waiting) {
			/* Merge with the range not yet indicated. */
			if (start < c->sc_start)
				c->sc_start = start;
			if (end > c->sc_end)
				c->sc_end = end;
		} else {
			c->sc_start = start;
			c->sc_end = end;
			c->sc_waiting = true;
		}
		send_service_changed(s, c);
	}
}

void bh_gatts_indication_done(struct bh_gatts *s, uint16_t conn, bh_status st)
{
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c || !c->ind_pending)
		return;
	c->ind_pending = false;
	if (c->ind_is_sc) {
		/* A confirmed Service Changed makes the client aware (2.5.2.1)
		 * unless another change is still waiting to be told. */
		if (st == BH_OK && !c->sc_waiting) {
			c->cache = GATTS_AWARE;
		}
	} else if (s->ev.indication_done) {
		s->ev.indication_done(s->ev.ctx, conn, c->ind_handle, st);
	}
	/* The callback may have sent another or disconnected. */
	c = gatts_conn_find(s, conn);
	if (c && c->sc_waiting && !c->ind_pending)
		send_service_changed(s, c);
}

void bh_gatts_can_send(struct bh_gatts *s, uint16_t conn)
{
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c)
		return;
	c->ntf_full = false; /* before the sends below: they may fill it again */
	/* A Service Changed the bearer refused earlier goes first. */
	if (c->sc_waiting && !c->ind_pending)
		send_service_changed(s, c);
	if (s->ev.can_send)
		s->ev.can_send(s->ev.ctx, conn);
}

bh_status gatts_ntf_value(struct bh_gatts *s, uint16_t conn, uint16_t handle, const void **value,
			  size_t *len, struct gatts_attr **out)
{
	return value_for(s, conn, handle, value, len, out);
}
