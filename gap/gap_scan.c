/* Scanning: legacy (LE Set Scan Parameters/Enable, Vol 4, Part E, 7.8.10-11)
 * or extended (LE Set Extended Scan Parameters/Enable, 7.8.64-65); the
 * bounded seen-devices table with scan-response merge; filters. Reports are
 * parsed and reassembled in gap_report.c.
 */
#include "gap_internal.h"

#include <stdlib.h>
#include <string.h>

enum { SCAN_STEP = 0, SCAN_ENABLED = 1, SCAN_DISABLED = 2, SCAN_ROTATE = 3 };

int gap_scan_init(struct bh_gap *gap)
{
	/* Only the reassembly bookkeeping now: the seen-devices table grows
	 * as devices are seen (up to max_seen) and each entry's data buffers
	 * and each chain's buffer are made on first use, so a process that
	 * never scans holds none of it. */
	gap->n_seen_slots = 0;
	gap->seen = NULL;
	gap->frags = calloc(gap->cfg.reassembly_slots, sizeof(*gap->frags));
	gap->dead = calloc(gap->cfg.reassembly_slots, sizeof(*gap->dead));
	if (!gap->frags || !gap->dead)
		return BH_ENOMEM;
	return BH_OK;
}

static void seen_release(struct bh_gap *gap)
{
	for (unsigned i = 0; i < gap->n_seen_slots; i++) {
		free(gap->seen[i].adv);
		free(gap->seen[i].rsp);
	}
	free(gap->seen);
	gap->seen = NULL;
	gap->n_seen_slots = 0;
}

static void frags_release(struct bh_gap *gap)
{
	for (unsigned i = 0; gap->frags && i < gap->cfg.reassembly_slots; i++) {
		free(gap->frags[i].buf);
		gap->frags[i].buf = NULL;
	}
}

void gap_scan_free(struct bh_gap *gap)
{
	seen_release(gap);
	frags_release(gap);
	free(gap->frags);
	free(gap->dead);
}

/* ---- filters ---- */

int gap_filter_copy(struct gap_filter *dst, const struct bh_gap_scan_filter *f)
{
	memset(dst, 0, sizeof(*dst));
	if (!f)
		return BH_OK;
	dst->set = true;
	if (f->n_uuids > 8)
		return BH_ENOSPACE;
	if (f->n_uuids && !f->uuids)
		return BH_EINVAL;
	if (f->n_uuids)
		memcpy(dst->uuids, f->uuids, f->n_uuids * sizeof(f->uuids[0]));
	dst->n_uuids = f->n_uuids;
	if (f->name_substr) {
		if (strlen(f->name_substr) >= sizeof(dst->name))
			return BH_ENOSPACE;
		strcpy(dst->name, f->name_substr);
		dst->has_name = true;
	}
	dst->use_min_rssi = f->use_min_rssi;
	dst->min_rssi = f->min_rssi;
	if (f->addr) {
		dst->has_addr = true;
		dst->addr = *f->addr;
		dst->addr_any_type = f->addr_any_type;
	}
	if (f->prefixes_len) {
		if (!f->prefixes)
			return BH_EINVAL;
		if (f->prefixes_len > sizeof(dst->prefixes))
			return BH_ENOSPACE;
		/* Every prefix is length | type | bytes and must be whole. */
		for (size_t off = 0; off < f->prefixes_len; off += f->prefixes[off] + 1u)
			if (f->prefixes[off] == 0 || f->prefixes[off] > f->prefixes_len - off - 1)
				return BH_EINVAL;
		memcpy(dst->prefixes, f->prefixes, f->prefixes_len);
		dst->prefixes_len = f->prefixes_len;
		dst->prefix_all = f->prefix_match_all;
	}
	return BH_OK;
}

static bool prefix_in(const uint8_t *pfx, size_t plen, const uint8_t *data, size_t len)
{
	/* AD structures: Length(1) then that many octets */
	for (size_t off = 0; off < len;) {
		uint8_t l = data[off++];
		if (l == 0 || l > len - off)
			break;
		if (l >= plen && memcmp(data + off, pfx, plen) == 0)
			return true;
		off += l;
	}
	return false;
}

static bool prefixes_match(const struct gap_filter *f, const struct bh_gap_device *dev)
{
	/* Checked whole by gap_filter_copy: length(1) then the prefix */
	for (size_t off = 0; off < f->prefixes_len;) {
		uint8_t l = f->prefixes[off++];
		if (l > f->prefixes_len - off)
			break;
		const uint8_t *p = f->prefixes + off;
		off += l;
		bool hit = prefix_in(p, l, dev->adv_data, dev->adv_len) ||
			   prefix_in(p, l, dev->rsp_data, dev->rsp_len);
		if (hit && !f->prefix_all)
			return true;
		if (!hit && f->prefix_all)
			return false;
	}
	return f->prefix_all;
}

bool gap_filter_match_int(const struct gap_filter *f, const struct bh_gap_device *dev)
{
	if (!f->set)
		return true;
	if (f->has_addr) {
		bool hit = false;
		const bh_addr *cand[2] = { &dev->addr, &dev->identity };
		for (int i = 0; i < 2; i++)
			if (memcmp(cand[i]->val, f->addr.val, 6) == 0 &&
			    (f->addr_any_type || (cand[i]->type & 1) == (f->addr.type & 1)))
				hit = true;
		if (!hit)
			return false;
	}
	if (f->use_min_rssi && (dev->rssi == BH_GAP_RSSI_NA || dev->rssi < f->min_rssi))
		return false;
	if (f->n_uuids) {
		bool hit = false;
		for (size_t i = 0; i < f->n_uuids && !hit; i++)
			hit = bh_ad_has_uuid(&dev->ad, &f->uuids[i]);
		if (!hit)
			return false;
	}
	if (f->has_name && !strstr(dev->name, f->name))
		return false;
	if (f->prefixes_len && !prefixes_match(f, dev))
		return false;
	return true;
}

bool bh_gap_filter_match(const struct bh_gap_scan_filter *f, const struct bh_gap_device *dev)
{
	struct gap_filter tmp;
	if (gap_filter_copy(&tmp, f))
		return false;
	return gap_filter_match_int(&tmp, dev);
}

/* ---- start / stop ---- */

static void scan_finish(struct bh_gap *gap, bh_status reason)
{
	bool internal = gap->scan_internal;
	void (*done)(void *, bh_status) = gap->scan.on_done;
	void *ctx = gap->scan.ctx;
	gap->scan_state = SCAN_IDLE;
	gap->scan_deadline = BH_NEVER;
	gap->scan_internal = false;
	if (internal)
		gap_conn_match_scan_ended(gap, reason);
	else if (done)
		done(ctx, reason);
}

static void scan_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		      uintptr_t arg)
{
	(void)ret;
	(void)len;
	switch (arg) {
	case SCAN_STEP:
	case SCAN_ENABLED:
		if (gap->scan_state != SCAN_STARTING)
			return; /* a stop is already queued behind us */
		if (st) {
			gap_cmd_drop(gap, PROC_SCAN);
			scan_finish(gap, st);
			return;
		}
		if (arg == SCAN_ENABLED) {
			gap->scan_state = SCAN_ON;
			if (gap->scan.timeout_ms)
				gap->scan_deadline = bh_now(gap->env) + gap->scan.timeout_ms;
		}
		return;
	case SCAN_DISABLED:
		/* Even a failed disable ends the scan for the caller: the usual
		 * failure is Command Disallowed because it was not running. */
		if (gap->scan_state == SCAN_STOPPING)
			scan_finish(gap, gap->scan_stop_reason);
		return;
	default:
		if (st)
			gap_log(gap, BH_LOG_WARN, "scan re-enable after rotation: %s",
				bh_strerror(st));
		return;
	}
}

void gap_scan_step_failed(struct bh_gap *gap, bh_status st)
{
	scan_done(gap, st, NULL, 0, SCAN_STEP);
}

static int queue_enable(struct bh_gap *gap, bool enable, uintptr_t arg)
{
	/* Filter_Duplicates off when every report is wanted. */
	uint8_t dup = enable && !gap->scan.all_reports ? 1 : 0;
	if (gap_ext_scan(gap)) {
		uint8_t p[6] = { enable, dup, 0, 0, 0, 0 }; /* Duration 0, Period 0: host timer */
		return gap_cmd(gap, PROC_SCAN, BH_HCI_LE_SET_EXT_SCAN_ENABLE, p, 6, scan_done, arg);
	}
	uint8_t p[2] = { enable, dup };
	return gap_cmd(gap, PROC_SCAN, BH_HCI_LE_SET_SCAN_ENABLE, p, 2, scan_done, arg);
}

int gap_scan_queue_enable(struct bh_gap *gap, bool enable)
{
	return queue_enable(gap, enable, SCAN_ROTATE);
}

static void clear_table(struct bh_gap *gap)
{
	/* A new scan starts from an empty table: give the memory back (the
	 * previous scan's peak need not be this one's). */
	seen_release(gap);
	frags_release(gap);
	for (unsigned i = 0; i < gap->cfg.reassembly_slots; i++)
		gap->frags[i].used = gap->dead[i].used = false;
}

void bh_gap_stats(const struct bh_gap *gap, struct bh_gap_stats *out)
{
	*out = gap->stats;
}

int gap_scan_timing(uint16_t *interval, uint16_t *window)
{
	if (!*interval)
		*interval = 0x0060;
	if (!*window)
		*window = *interval < 0x0030 ? *interval : 0x0030;
	/* Vol 4, Part E, 7.8.10 and 7.8.12: 0x0004..0x4000 and window <= interval. */
	if (*interval < 4 || *interval > 0x4000 || *window < 4 || *window > *interval)
		return BH_EINVAL;
	return BH_OK;
}

int gap_scan_start_int(struct bh_gap *gap, const struct bh_gap_scan_params *p, bool internal)
{
	if (!p)
		return BH_EINVAL;
	if (gap->scan_state != SCAN_IDLE)
		return BH_EBUSY;
	struct bh_gap_scan_params sp = *p;
	if (gap_scan_timing(&sp.interval, &sp.window))
		return BH_EINVAL;
	if (!sp.phys)
		sp.phys = BH_GAP_PHY_MASK_1M;
	if (sp.phys & ~(BH_GAP_PHY_MASK_1M | BH_GAP_PHY_MASK_CODED))
		return BH_EINVAL; /* there is no scanning on LE 2M (7.8.64) */
	if (sp.phys != BH_GAP_PHY_MASK_1M) {
		const struct bh_hci_info *in = gap->port.info(gap->port.ctx);
		/* LE feature bit 11 is LE Coded PHY (Vol 6, Part B, 4.6). */
		if (!gap_ext_scan(gap) || !in || !((in->le_features[1] >> 3) & 1))
			return BH_ENOTSUP;
	}
	struct gap_filter f;
	int rc = gap_filter_copy(&f, p->filter);
	if (rc)
		return rc;
	if ((rc = gap_cmd_reserve(gap, 4)))
		return rc;
	sp.filter = NULL; /* the copy in scan_filter is what counts */
	gap->scan = sp;
	gap->scan_filter = f;
	gap->scan_internal = internal;
	clear_table(gap);
	rc = gap_prepare_addr(gap, PROC_SCAN);
	if (rc)
		return rc;
	uint8_t type = sp.active ? 1 : 0, policy = sp.use_accept_list ? 1 : 0;
	if (gap_ext_scan(gap)) {
		/* One Scan_Type/Interval/Window triple per PHY bit, 1M first (7.8.64). */
		uint8_t q[13] = { gap_own_type(gap), policy, sp.phys };
		size_t n = 3;
		for (int i = 0; i < 2; i++) {
			if (!(sp.phys & (i ? BH_GAP_PHY_MASK_CODED : BH_GAP_PHY_MASK_1M)))
				continue;
			q[n] = type;
			bh_put16(q + n + 1, sp.interval);
			bh_put16(q + n + 3, sp.window);
			n += 5;
		}
		rc = gap_cmd(gap, PROC_SCAN, BH_HCI_LE_SET_EXT_SCAN_PARAMS, q, n, scan_done,
			     SCAN_STEP);
	} else {
		uint8_t q[7] = { type };
		bh_put16(q + 1, sp.interval);
		bh_put16(q + 3, sp.window);
		q[5] = gap_own_type(gap);
		q[6] = policy;
		rc = gap_cmd(gap, PROC_SCAN, BH_HCI_LE_SET_SCAN_PARAMS, q, 7, scan_done, SCAN_STEP);
	}
	gap->scan_state = SCAN_STARTING;
	if (rc == BH_OK)
		rc = queue_enable(gap, true, SCAN_ENABLED);
	if (rc) {
		gap_cmd_drop(gap, PROC_SCAN);
		gap->scan_state = SCAN_IDLE;
	}
	return rc;
}

int bh_gap_scan_start(struct bh_gap *gap, const struct bh_gap_scan_params *p)
{
	if (gap->init_state == INIT_MATCHING)
		return BH_EBUSY;
	return gap_scan_start_int(gap, p, false);
}

/* The disable, or with no room for it (queue full, out of memory) a
 * retry shortly: ended at once, the scan would go on in the controller
 * (its enable out or still queued) while GAP said idle, and a scan
 * started from on_done would take that enable's answer as its own. */
static void send_disable(struct bh_gap *gap)
{
	gap->scan_deadline = BH_NEVER;
	if (queue_enable(gap, false, SCAN_DISABLED))
		gap->scan_deadline = bh_now(gap->env) + 1000;
}

void gap_scan_stop_int(struct bh_gap *gap, bh_status reason)
{
	if (gap->scan_state != SCAN_ON && gap->scan_state != SCAN_STARTING)
		return;
	gap->scan_state = SCAN_STOPPING;
	gap->scan_stop_reason = reason;
	send_disable(gap);
}

int bh_gap_scan_stop(struct bh_gap *gap)
{
	if (gap->scan_internal)
		return BH_ESTATE; /* owned by connect_match: use bh_gap_connect_cancel */
	if (gap->scan_state == SCAN_IDLE || gap->scan_state == SCAN_STOPPING)
		return BH_ESTATE;
	gap_scan_stop_int(gap, BH_OK);
	return BH_OK;
}

bool bh_gap_scanning(const struct bh_gap *gap)
{
	return gap->scan_state != SCAN_IDLE;
}

void gap_scan_timeout(struct bh_gap *gap)
{
	/* Stopping, the deadline is a disable still owed (send_disable). */
	if (gap->scan_state == SCAN_STOPPING)
		send_disable(gap);
	else
		gap_scan_stop_int(gap, BH_ETIMEDOUT);
}

void gap_scan_reset(struct bh_gap *gap, bh_status reason)
{
	if (gap->scan_state != SCAN_IDLE)
		scan_finish(gap, reason);
}

/* ---- seen-devices table ---- */

size_t bh_gap_seen_count(const struct bh_gap *gap)
{
	size_t n = 0;
	for (unsigned i = 0; i < gap->n_seen_slots; i++)
		n += gap->seen[i].used;
	return n;
}

const struct bh_gap_device *bh_gap_seen_at(const struct bh_gap *gap, size_t idx)
{
	for (unsigned i = 0; i < gap->n_seen_slots; i++)
		if (gap->seen[i].used && idx-- == 0)
			return &gap->seen[i].dev;
	return NULL;
}

static struct gap_seen *seen_lookup(const struct bh_gap *gap, const bh_addr *a)
{
	for (unsigned i = 0; i < gap->n_seen_slots; i++)
		if (gap->seen[i].used && gap->seen[i].dev.addr.type == a->type &&
		    memcmp(gap->seen[i].dev.addr.val, a->val, 6) == 0)
			return &gap->seen[i];
	return NULL;
}

const struct bh_gap_device *bh_gap_seen_find(const struct bh_gap *gap, const bh_addr *a)
{
	struct gap_seen *s = seen_lookup(gap, a);
	if (s)
		return &s->dev;
	for (unsigned i = 0; i < gap->n_seen_slots; i++)
		if (gap->seen[i].used && bh_addr_eq(&gap->seen[i].dev.identity, a))
			return &gap->seen[i].dev;
	return NULL;
}

/* Doubles the table (from 4) up to max_seen. Entries' data buffers are
 * separate blocks, so the devices' adv_data/rsp_data stay put; the
 * entries themselves move, which is why no bh_gap_device pointer may be
 * kept past a return to the loop (gap.h). */
static bool seen_grow(struct bh_gap *gap)
{
	unsigned max = gap->cfg.max_seen, n = gap->n_seen_slots;
	if (n >= max)
		return false;
	unsigned want = n ? 2 * n : 4;
	if (want > max)
		want = max;
	struct gap_seen *t = realloc(gap->seen, want * sizeof(*t));
	if (!t)
		return false;
	memset(t + n, 0, (want - n) * sizeof(*t));
	gap->seen = t;
	gap->n_seen_slots = want;
	return true;
}

/* A free entry with its buffers made, the table grown if need be, or the
 * stalest device's entry; NULL when no memory can be had for an entry. */
static struct gap_seen *seen_alloc(struct bh_gap *gap)
{
	size_t cap = gap->cfg.scan_data_max;
	struct gap_seen *s = NULL, *old = NULL;
	for (unsigned i = 0; i < gap->n_seen_slots && !s; i++) {
		if (!gap->seen[i].used)
			s = &gap->seen[i];
		else if (!old || gap->seen[i].stamp < old->stamp)
			old = &gap->seen[i];
	}
	if (!s) {
		unsigned n = gap->n_seen_slots;
		/* The table is bounded: at max_seen (or when it cannot grow)
		 * the stalest device makes room. */
		s = seen_grow(gap) ? &gap->seen[n] : old;
	}
	if (!s)
		return NULL;
	if (!s->adv)
		s->adv = malloc(cap);
	if (!s->rsp)
		s->rsp = malloc(cap);
	if (!s->adv || !s->rsp)
		return NULL;
	return s;
}

bool gap_identity(struct bh_gap *gap, const bh_addr *a, bh_addr *id)
{
	*id = *a;
	if (a->type == BH_ADDR_PUBLIC_ID || a->type == BH_ADDR_RANDOM_ID) {
		/* The controller resolved it from its resolving list. */
		id->type = a->type & 1;
		return true;
	}
	bh_addr r;
	if (a->type == BH_ADDR_RANDOM && bh_addr_random_kind(a) == BH_RANDOM_RPA &&
	    gap->port.resolve_rpa && gap->port.resolve_rpa(gap->port.ctx, a, &r)) {
		*id = r;
		return true;
	}
	return false;
}

void gap_deliver(struct bh_gap *gap, const struct gap_report *r)
{
	size_t cap = gap->cfg.scan_data_max;
	struct gap_seen *s = seen_lookup(gap, &r->addr);
	bool changed = false;
	if (!s) {
		s = seen_alloc(gap);
		if (!s) {
			gap->stats.reports_dropped_nomem++;
			return;
		}
		memset(&s->dev, 0, sizeof(s->dev));
		s->used = true;
		s->dev.addr = r->addr;
		s->dev.resolved = gap_identity(gap, &r->addr, &s->dev.identity);
		changed = true;
	}
	struct bh_gap_device *d = &s->dev;
	size_t n = r->len < cap ? r->len : cap;
	uint8_t *buf = r->scan_rsp ? s->rsp : s->adv;
	size_t *blen = r->scan_rsp ? &d->rsp_len : &d->adv_len;
	if (*blen != n || (n && memcmp(buf, r->data, n) != 0))
		changed = true;
	if (n)
		memcpy(buf, r->data, n);
	*blen = n;
	d->adv_data = s->adv;
	d->rsp_data = s->rsp;
	if (r->scan_rsp) {
		d->has_scan_rsp = true;
	} else {
		if (d->connectable != r->connectable || d->scannable != r->scannable ||
		    d->directed != r->directed)
			changed = true;
		d->connectable = r->connectable;
		d->scannable = r->scannable;
		d->directed = r->directed;
	}
	d->last_was_scan_rsp = r->scan_rsp;
	d->legacy = r->legacy;
	d->incomplete = r->truncated;
	d->data_clipped = r->clipped || r->len > cap;
	d->rssi = r->rssi;
	d->tx_power = r->tx_power;
	d->sid = r->sid;
	d->primary_phy = r->pphy;
	d->secondary_phy = r->sphy;
	d->periodic_interval = r->periodic_interval;
	d->last_seen = bh_now(gap->env);
	s->stamp = ++gap->stamp;

	bh_ad_parse(&d->ad, d->adv_data, d->adv_len);
	bh_ad_parse_more(&d->ad, d->rsp_data, d->rsp_len);
	size_t nl = d->ad.name_len < sizeof(d->name) - 1 ? d->ad.name_len : sizeof(d->name) - 1;
	if (nl)
		memcpy(d->name, d->ad.name, nl);
	d->name[nl] = 0;

	if (gap->scan_state != SCAN_ON && gap->scan_state != SCAN_STARTING)
		return; /* stopping: keep the table current but stay quiet */
	if (!changed && !gap->scan.all_reports)
		return;
	if (!gap_filter_match_int(&gap->scan_filter, d))
		return;
	if (gap->scan_internal)
		gap_conn_match_found(gap, d);
	else if (gap->scan.on_device)
		gap->scan.on_device(gap->scan.ctx, d);
}
