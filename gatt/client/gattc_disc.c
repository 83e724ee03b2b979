/* GATT client: the service tree and the discovery procedures
 * (Vol 3, Part G, 4.4 to 4.7).
 *
 * One discovery op walks phases: services, includes, characteristics,
 * descriptors, then the Database Hash value. Entries found by the running op
 * are marked fresh; later phases work on fresh entries only, which is what
 * lets a Service Changed re-discovery touch just the range it names.
 *
 * Every response is checked before it changes the tree: element lengths, and
 * handles that must lie in the requested range and move forward. A server
 * that answers with a handle below the requested start would make the loop
 * repeat forever; that is BH_EPROTO.
 */
#include "gattc_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define UUID_PRIMARY 0x2800
#define UUID_SECONDARY 0x2801
#define UUID_INCLUDE 0x2802
#define UUID_CHR 0x2803
#define UUID_CCCD 0x2902
#define UUID_DB_HASH 0x2b2a

const char *gattc_disc_phase_str(int phase)
{
	static const char *const n[] = { "services", "service-by-uuid", "includes",
					 "include-uuids", "characteristics", "descriptors",
					 "hash", "done" };
	return phase >= 0 && phase < (int)(sizeof(n) / sizeof(n[0])) ? n[phase] : "?";
}

size_t gattc_uuid_wire(const bh_uuid *u, uint8_t out[16])
{
	int32_t v = bh_uuid_as16(u);
	if (v >= 0) {
		bh_put16(out, (uint16_t)v);
		return 2;
	}
	/* 32-bit UUIDs travel as 128 bits in ATT (Vol 3, Part F, 3.2.1). */
	bh_uuid_to128(u, out);
	return 16;
}

/* ---- Tree ----------------------------------------------------------------- */

unsigned bh_gattc_service_count(const struct bh_gattc *c) { return c->n_svcs; }
unsigned bh_gattc_chr_count(const struct bh_gattc *c) { return c->n_chrs; }
unsigned bh_gattc_desc_count(const struct bh_gattc *c) { return c->n_descs; }
unsigned bh_gattc_include_count(const struct bh_gattc *c) { return c->n_incls; }

const struct bh_gattc_service *bh_gattc_service_at(const struct bh_gattc *c, unsigned i)
{
	return i < c->n_svcs ? &c->svcs[i].pub : NULL;
}
const struct bh_gattc_chr *bh_gattc_chr_at(const struct bh_gattc *c, unsigned i)
{
	return i < c->n_chrs ? &c->chrs[i].pub : NULL;
}
const struct bh_gattc_desc *bh_gattc_desc_at(const struct bh_gattc *c, unsigned i)
{
	return i < c->n_descs ? &c->descs[i] : NULL;
}
const struct bh_gattc_include *bh_gattc_include_at(const struct bh_gattc *c, unsigned i)
{
	return i < c->n_incls ? &c->incls[i] : NULL;
}

const struct bh_gattc_service *bh_gattc_find_service(const struct bh_gattc *c, const bh_uuid *u)
{
	for (unsigned i = 0; i < c->n_svcs; i++)
		if (bh_uuid_eq(&c->svcs[i].pub.uuid, u))
			return &c->svcs[i].pub;
	return NULL;
}

const struct bh_gattc_chr *bh_gattc_find_chr(const struct bh_gattc *c,
					     const struct bh_gattc_service *svc, const bh_uuid *u)
{
	unsigned from = svc ? svc->first_chr : 0;
	unsigned to = svc ? (unsigned)svc->first_chr + svc->n_chrs : c->n_chrs;
	for (unsigned i = from; i < to && i < c->n_chrs; i++)
		if (bh_uuid_eq(&c->chrs[i].pub.uuid, u))
			return &c->chrs[i].pub;
	return NULL;
}

const struct bh_gattc_desc *bh_gattc_find_desc(const struct bh_gattc *c,
					       const struct bh_gattc_chr *chr, const bh_uuid *u)
{
	if (!chr)
		return NULL;
	for (unsigned i = chr->first_desc; i < (unsigned)chr->first_desc + chr->n_descs &&
					   i < c->n_descs; i++)
		if (bh_uuid_eq(&c->descs[i].uuid, u))
			return &c->descs[i];
	return NULL;
}

const struct bh_gattc_chr *bh_gattc_chr_by_handle(const struct bh_gattc *c, uint16_t handle)
{
	for (unsigned i = 0; i < c->n_chrs; i++) {
		const struct bh_gattc_chr *ch = &c->chrs[i].pub;
		if (handle >= ch->decl_handle && handle <= ch->end_handle)
			return ch;
	}
	return NULL;
}

const struct bh_gattc_service *bh_gattc_service_by_handle(const struct bh_gattc *c,
							  uint16_t handle)
{
	for (unsigned i = 0; i < c->n_svcs; i++)
		if (handle >= c->svcs[i].pub.start && handle <= c->svcs[i].pub.end)
			return &c->svcs[i].pub;
	return NULL;
}

const struct gattc_chr *gattc_find_chr16(const struct bh_gattc *c, uint16_t uuid16)
{
	bh_uuid u = bh_uuid16(uuid16);
	for (unsigned i = 0; i < c->n_chrs; i++)
		if (bh_uuid_eq(&c->chrs[i].pub.uuid, &u))
			return &c->chrs[i];
	return NULL;
}

void gattc_tree_clear(struct bh_gattc *c)
{
	c->n_svcs = c->n_chrs = c->n_descs = c->n_incls = 0;
	c->has_hash = false;
}

int bh_gattc_clear(struct bh_gattc *c)
{
	if (c->cur || c->head)
		return BH_ESTATE;
	gattc_tree_clear(c);
	return BH_OK;
}

/* Every tree entry starts with the handle it is sorted and dropped by. */
_Static_assert(offsetof(struct gattc_svc, pub.start) == 0 &&
		       offsetof(struct gattc_chr, pub.decl_handle) == 0 &&
		       offsetof(struct bh_gattc_desc, handle) == 0 &&
		       offsetof(struct bh_gattc_include, handle) == 0,
	       "tree entries start with their handle");

static int cmp_handle(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Sorts tree array `which` by handle. The arrays are NULL until discovery
 * finds something, and qsort must not be given NULL even for no elements. */
static void tree_sort(struct bh_gattc *c, unsigned which)
{
	size_t size;
	struct gattc_vec *v = gattc_vec(c, which, &size);
	if (v->n > 1)
		qsort(v->p, v->n, size, cmp_handle);
}

/* Drops the entries of tree array `which` whose handle is in [lo, hi],
 * keeping the order of the rest. */
static void drop_range(struct bh_gattc *c, unsigned which, uint16_t lo, uint16_t hi)
{
	size_t size;
	struct gattc_vec *v = gattc_vec(c, which, &size);
	uint8_t *p = v->p;
	unsigned k = 0;
	for (unsigned i = 0; i < v->n; i++) {
		uint16_t h = *(const uint16_t *)(p + i * size);
		if (h >= lo && h <= hi)
			continue;
		if (k != i)
			memcpy(p + k * size, p + i * size, size);
		k++;
	}
	v->n = k;
}

static int svc_index(const struct bh_gattc *c, uint16_t handle)
{
	for (unsigned i = 0; i < c->n_svcs; i++)
		if (handle >= c->svcs[i].pub.start && handle <= c->svcs[i].pub.end)
			return (int)i;
	return -1;
}

/* Sorts every array by handle and recomputes the index links. Entries that
 * belong to nothing (a characteristic outside every service) are dropped:
 * the tree stays consistent whatever a server sent. */
void gattc_tree_reindex(struct bh_gattc *c)
{
	for (unsigned k = GATTC_SVCS; k <= GATTC_INCLS; k++)
		tree_sort(c, k);
	for (unsigned i = 0; i < c->n_svcs; i++) {
		struct bh_gattc_service *s = &c->svcs[i].pub;
		s->first_chr = s->n_chrs = s->first_incl = s->n_incls = 0;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < c->n_chrs; i++) {
		int si = svc_index(c, c->chrs[i].pub.decl_handle);
		if (si < 0)
			continue;
		c->chrs[n] = c->chrs[i];
		struct bh_gattc_chr *ch = &c->chrs[n].pub;
		struct bh_gattc_service *s = &c->svcs[si].pub;
		ch->service = (uint16_t)si;
		ch->first_desc = ch->n_descs = 0;
		ch->cccd_handle = 0;
		if (ch->end_handle > s->end)
			ch->end_handle = s->end;
		if (!s->n_chrs)
			s->first_chr = (uint16_t)n;
		s->n_chrs++;
		n++;
	}
	c->n_chrs = n;
	n = 0;
	unsigned ci = 0;
	for (unsigned i = 0; i < c->n_descs; i++) {
		uint16_t h = c->descs[i].handle;
		while (ci < c->n_chrs && c->chrs[ci].pub.end_handle < h)
			ci++;
		if (ci >= c->n_chrs || h <= c->chrs[ci].pub.value_handle)
			continue;
		struct bh_gattc_chr *ch = &c->chrs[ci].pub;
		struct bh_gattc_desc *d = &c->descs[n];
		*d = c->descs[i];
		d->chr = (uint16_t)ci;
		if (!ch->n_descs)
			ch->first_desc = (uint16_t)n;
		ch->n_descs++;
		bh_uuid cccd = bh_uuid16(UUID_CCCD);
		if (!ch->cccd_handle && bh_uuid_eq(&d->uuid, &cccd))
			ch->cccd_handle = d->handle;
		n++;
	}
	c->n_descs = n;
	n = 0;
	for (unsigned i = 0; i < c->n_incls; i++) {
		int si = svc_index(c, c->incls[i].handle);
		if (si < 0)
			continue;
		struct bh_gattc_service *s = &c->svcs[si].pub;
		if (!s->n_incls)
			s->first_incl = (uint16_t)n;
		s->n_incls++;
		c->incls[n++] = c->incls[i];
	}
	c->n_incls = n;
}

/* Drops every entry with a handle in [lo, hi]. */
static void tree_remove_range(struct bh_gattc *c, uint16_t lo, uint16_t hi)
{
	for (unsigned k = GATTC_SVCS; k <= GATTC_INCLS; k++)
		drop_range(c, k, lo, hi);
}

static void clear_fresh(struct bh_gattc *c)
{
	for (unsigned i = 0; i < c->n_svcs; i++)
		c->svcs[i].fresh = false;
	for (unsigned i = 0; i < c->n_chrs; i++)
		c->chrs[i].fresh = false;
}

/* ---- Phases -------------------------------------------------------------------- */

static void step(struct gattc_op *op);

static bool allowed(const struct gattc_disc *d, const bh_uuid *u)
{
	if (!d->n_allow)
		return true;
	for (unsigned i = 0; i < d->n_allow; i++)
		if (bh_uuid_eq(&d->allow[i], u))
			return true;
	return false;
}

static bool overlaps_any(const struct bh_gattc *c, uint16_t s, uint16_t e)
{
	for (unsigned i = 0; i < c->n_svcs; i++)
		if (s <= c->svcs[i].pub.end && e >= c->svcs[i].pub.start)
			return true;
	return false;
}

static int add_svc(struct bh_gattc *c, uint16_t s, uint16_t e, const bh_uuid *u, bool primary)
{
	int rc;
	struct gattc_svc *sv = gattc_add(c, GATTC_SVCS, &rc);
	if (!sv)
		return rc;
	sv->pub.start = s;
	sv->pub.end = e;
	sv->pub.uuid = *u;
	sv->pub.primary = primary;
	sv->fresh = true;
	return BH_OK;
}

/* Finds the next run of adjacent fresh services from d->idx and makes it
 * the current range. Characteristic and include discovery run over the
 * whole run at once: one procedure over [first.start, last.end] finds what
 * per-service procedures would, in fewer round trips. */
static bool next_group(struct bh_gattc *c, struct gattc_disc *d)
{
	while (d->idx < c->n_svcs && !c->svcs[d->idx].fresh)
		d->idx++;
	if (d->idx >= c->n_svcs)
		return false;
	d->cur = c->svcs[d->idx].pub.start;
	d->range_end = c->svcs[d->idx].pub.end;
	d->idx++;
	while (d->idx < c->n_svcs && c->svcs[d->idx].fresh) {
		d->range_end = c->svcs[d->idx].pub.end;
		d->idx++;
	}
	return true;
}

/* Next phase after the current one is exhausted. */
static void advance(struct gattc_op *op)
{
	struct bh_gattc *c = op->c;
	struct gattc_disc *d = &op->u.d;
	d->cur = 0;
	d->idx = 0;
	switch (d->phase) {
	case PH_SVC:
	case PH_SVC_UUID:
		tree_sort(c, GATTC_SVCS);
		if (d->what == DISC_SERVICES || d->what == DISC_SVC_UUID)
			d->phase = PH_DONE;
		else
			d->phase = (d->flags & BH_GATTC_DISC_INCLUDES) ? PH_INCL : PH_CHR;
		break;
	case PH_INCL:
		d->phase = PH_INCL_UUID;
		break;
	case PH_INCL_UUID:
		/* Included services that are not primary services we know are
		 * secondary services: add them so their contents are found. */
		for (unsigned i = 0; i < c->n_incls; i++) {
			const struct bh_gattc_include *in = &c->incls[i];
			if (in->uuid.len && !overlaps_any(c, in->start, in->end) &&
			    add_svc(c, in->start, in->end, &in->uuid, false) != BH_OK)
				break;
		}
		tree_sort(c, GATTC_SVCS);
		d->phase = d->what == DISC_INCLUDES ? PH_DONE : PH_CHR;
		break;
	case PH_CHR:
		for (unsigned i = 0; i < c->n_chrs; i++) {
			struct gattc_chr *ch = &c->chrs[i];
			if (ch->fresh && !ch->pub.end_handle)
				ch->pub.end_handle = c->svcs[ch->pub.service].pub.end;
		}
		tree_sort(c, GATTC_CHRS);
		if (d->what == DISC_CHRS)
			d->phase = PH_DONE;
		else
			d->phase = (d->flags & BH_GATTC_DISC_NO_DESCS) ? PH_HASH : PH_DESC;
		break;
	case PH_DESC:
		d->phase = d->what == DISC_DESCS ? PH_DONE : PH_HASH;
		break;
	default:
		d->phase = PH_DONE;
		break;
	}
}

static void step(struct gattc_op *op)
{
	struct bh_gattc *c = op->c;
	struct gattc_disc *d = &op->u.d;
	for (;;) {
		switch (d->phase) {
		case PH_SVC:
			gattc_send_range(op, BH_ATT_READ_BY_GROUP_REQ, d->cur, d->hi, UUID_PRIMARY, NULL);
			return;
		case PH_SVC_UUID:
			gattc_send_range(op, BH_ATT_FIND_BY_TYPE_REQ, d->cur, d->hi, UUID_PRIMARY,
					 &d->filter);
			return;
		case PH_INCL:
		case PH_CHR:
			if (!d->cur && !next_group(c, d)) {
				advance(op);
				continue;
			}
			gattc_send_range(op, BH_ATT_READ_BY_TYPE_REQ, d->cur, d->range_end,
					 d->phase == PH_INCL ? UUID_INCLUDE : UUID_CHR, NULL);
			return;
		case PH_INCL_UUID:
			while (d->idx < c->n_incls && c->incls[d->idx].uuid.len)
				d->idx++;
			if (d->idx >= c->n_incls) {
				advance(op);
				continue;
			}
			{
				struct bh_gattc_include *in = &c->incls[d->idx];
				/* Known as a primary service: no round trip needed. */
				bool known = false;
				for (unsigned i = 0; i < c->n_svcs; i++)
					if (c->svcs[i].pub.start == in->start) {
						in->uuid = c->svcs[i].pub.uuid;
						known = true;
						break;
					}
				if (known)
					continue;
				gattc_send_read(op, in->start);
			}
			return;
		case PH_DESC:
			if (!d->cur) {
				while (d->idx < c->n_chrs &&
				       (!c->chrs[d->idx].fresh ||
					c->chrs[d->idx].pub.value_handle >=
						c->chrs[d->idx].pub.end_handle))
					d->idx++;
				if (d->idx >= c->n_chrs) {
					advance(op);
					continue;
				}
				d->cur = (uint16_t)(c->chrs[d->idx].pub.value_handle + 1);
				d->range_end = c->chrs[d->idx].pub.end_handle;
				d->idx++;
			}
			gattc_send_range(op, BH_ATT_FIND_INFO_REQ, d->cur, d->range_end, -1, NULL);
			return;
		case PH_HASH: {
			if (d->hash_known) {
				memcpy(c->hash, d->hash, 16);
				c->has_hash = true;
				d->phase = PH_DONE;
				continue;
			}
			const struct gattc_chr *h = gattc_find_chr16(c, UUID_DB_HASH);
			c->has_hash = false;
			if (!h) {
				d->phase = PH_DONE;
				continue;
			}
			gattc_send_read(op, h->pub.value_handle);
			return;
		}
		case PH_DONE:
		default: {
			struct bh_gattc_result res = { .rediscovered = d->rediscovered };
			gattc_complete(op, BH_OK, &res);
			return;
		}
		}
	}
}

/* The current range is exhausted when the last handle reached its end
 * (or 0xFFFF, past which nothing can follow). */
static void range_next(struct gattc_op *op, uint16_t last, uint16_t end)
{
	struct gattc_disc *d = &op->u.d;
	if (last >= end || last == 0xffff) {
		if (d->phase == PH_SVC || d->phase == PH_SVC_UUID)
			advance(op);
		else
			d->cur = 0; /* next group / characteristic */
	} else {
		d->cur = (uint16_t)(last + 1);
	}
	step(op);
}

/* One element of a Read By Group Type (el 6 or 20) or Find By Type Value
 * (el 4, the UUID is the filter) response: a service from h to the end
 * handle at p, which the walk continues after (*hi). */
static bh_status add_group(struct bh_gattc *c, struct gattc_disc *d, uint16_t h,
			   const uint8_t *p, size_t n, uint16_t *hi)
{
	uint16_t e = bh_get16(p);
	bh_uuid u = d->filter;
	if (n > 2 && bh_uuid_from_le(&u, p + 2, n - 2) != BH_OK)
		return BH_EPROTO;
	if (e < h)
		return BH_EPROTO;
	int known = svc_index(c, h);
	if (d->phase == PH_SVC_UUID && known >= 0 && c->svcs[known].pub.start == h &&
	    c->svcs[known].pub.end == e) {
		/* Already known: the by-UUID procedure only adds. */
	} else if (allowed(d, &u)) {
		if (overlaps_any(c, h, e))
			return BH_EPROTO;
		int r2 = add_svc(c, h, e, &u, true);
		if (r2)
			return r2;
	}
	*hi = e;
	return BH_OK;
}

/* One element of a Read By Type (includes, characteristics) or Find
 * Information (descriptors) response: h is its handle, already checked to lie
 * in the range and move forward; p and n are the rest of the element. */
static bh_status add_incl(struct bh_gattc *c, uint16_t h, const uint8_t *p, size_t n)
{
	uint16_t start = bh_get16(p), end = bh_get16(p + 2);
	if (end < start || start == 0)
		return BH_EPROTO;
	int rc;
	struct bh_gattc_include *in = gattc_add(c, GATTC_INCLS, &rc);
	if (!in)
		return rc;
	in->handle = h;
	in->start = start;
	in->end = end;
	if (n == 6)
		in->uuid = bh_uuid16(bh_get16(p + 4));
	return BH_OK;
}

static bh_status add_chr(struct bh_gattc *c, struct gattc_disc *d, uint16_t h, const uint8_t *p,
			 size_t n)
{
	uint8_t props = p[0];
	uint16_t vh = bh_get16(p + 1);
	bh_uuid u;
	if (bh_uuid_from_le(&u, p + 3, n - 3) != BH_OK)
		return BH_EPROTO;
	int si = svc_index(c, h);
	/* A declaration inside the service bounds the previous
	 * characteristic, whether or not the filter keeps it. */
	if (d->last_chr >= 0) {
		struct gattc_chr *prev = &c->chrs[d->last_chr];
		if ((int)prev->pub.service == si && !prev->pub.end_handle)
			prev->pub.end_handle = (uint16_t)(h - 1);
	}
	if (si < 0 || !c->svcs[si].fresh)
		return BH_OK;
	if (vh <= h || vh > c->svcs[si].pub.end)
		return BH_EPROTO;
	d->last_chr = -1;
	if (d->has_filter && !bh_uuid_eq(&u, &d->filter))
		return BH_OK;
	int rc;
	struct gattc_chr *ch = gattc_add(c, GATTC_CHRS, &rc);
	if (!ch)
		return rc;
	ch->pub.decl_handle = h;
	ch->pub.value_handle = vh;
	ch->pub.props = props;
	ch->pub.uuid = u;
	ch->pub.service = (uint16_t)si;
	ch->fresh = true;
	d->last_chr = (int)c->n_chrs - 1;
	return BH_OK;
}

static bh_status add_desc(struct bh_gattc *c, uint16_t h, const uint8_t *p, size_t n)
{
	bh_uuid u;
	if (bh_uuid_from_le(&u, p, n) != BH_OK)
		return BH_EPROTO;
	int rc;
	struct bh_gattc_desc *de = gattc_add(c, GATTC_DESCS, &rc);
	if (!de)
		return rc;
	de->handle = h;
	de->uuid = u;
	return BH_OK;
}

/* Every search shares one walk: element lengths by phase (services 6 or
 * 20, or 4 by UUID; includes 6 or 8, characteristics 7 or 21, descriptors
 * 4 or 18 by format; bh_att_decode has checked that the list is whole, not
 * empty, and that a Find Information format is 1 or 2), then each
 * element's handle in the range and past the previous element (a service's
 * end handle, else its handle). */
static bh_status on_list(struct gattc_op *op, const struct bh_att_pdu *pdu, uint16_t end,
			 uint16_t *last)
{
	struct bh_gattc *c = op->c;
	struct gattc_disc *d = &op->u.d;
	unsigned el = pdu->u.read_by_type_rsp.elem_len;
	const uint8_t *data = pdu->u.read_by_type_rsp.data;
	size_t len = pdu->u.read_by_type_rsp.len;
	bool ok = true;
	if (d->phase == PH_DESC) {
		/* The format decided the length (4 or 18). */
		el = pdu->u.find_info_rsp.elem_len;
		data = pdu->u.find_info_rsp.data;
		len = pdu->u.find_info_rsp.len;
	} else if (d->phase == PH_SVC_UUID) {
		el = 4;
		data = pdu->u.find_by_type_rsp.data;
		len = pdu->u.find_by_type_rsp.len;
	} else if (d->phase == PH_SVC) {
		ok = el == 6 || el == 20;
	} else if (d->phase == PH_INCL) {
		ok = el == 6 || el == 8;
	} else {
		ok = el == 7 || el == 21;
	}
	if (!ok)
		return BH_EPROTO;
	uint16_t next = d->cur;
	for (const uint8_t *p = data; len >= el; p += el, len -= el) {
		uint16_t h = bh_get16(p), hi = h;
		if (h < next || h > end)
			return BH_EPROTO;
		bh_status rc = d->phase == PH_DESC   ? add_desc(c, h, p + 2, el - 2)
			     : d->phase == PH_INCL ? add_incl(c, h, p + 2, el - 2)
			     : d->phase == PH_CHR  ? add_chr(c, d, h, p + 2, el - 2)
						   : add_group(c, d, h, p + 2, el - 2, &hi);
		if (rc)
			return rc;
		*last = hi;
		if (hi == 0xffff)
			break;
		next = (uint16_t)(hi + 1);
	}
	return BH_OK;
}

void gattc_disc_rsp(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu)
{
	struct bh_gattc *c = op->c;
	struct gattc_disc *d = &op->u.d;
	if (bh_status_kind(st) == BH_KIND_ATT) {
		uint8_t code = (uint8_t)bh_status_code(st);
		/* Attribute Not Found ends each search loop (4.4 to 4.7). */
		if (code == BH_ATT_E_ATTRIBUTE_NOT_FOUND && d->phase != PH_INCL_UUID &&
		    d->phase != PH_HASH) {
			range_next(op, 0xffff, 0xffff);
			return;
		}
		if (d->phase == PH_HASH) {
			/* The hash is an optimisation for the next connection;
			 * failing to read it does not spoil the discovery. */
			d->phase = PH_DONE;
			step(op);
			return;
		}
	}
	if (st != BH_OK) {
		struct bh_gattc_result res = { .handle = pdu ? pdu->u.error.handle : 0 };
		gattc_complete(op, st, &res);
		return;
	}
	uint16_t last = 0;
	bh_status r;
	switch (d->phase) {
	case PH_SVC:
	case PH_SVC_UUID:
	case PH_INCL:
	case PH_CHR:
	case PH_DESC: {
		uint16_t end = d->phase == PH_SVC || d->phase == PH_SVC_UUID ? d->hi : d->range_end;
		r = on_list(op, pdu, end, &last);
		if (r == BH_OK)
			range_next(op, last, end);
		break;
	}
	case PH_INCL_UUID: {
		bh_uuid u;
		r = BH_OK;
		if (bh_uuid_from_le(&u, pdu->u.value.value, pdu->u.value.len) != BH_OK ||
		    u.len == 4)
			r = BH_EPROTO;
		if (r == BH_OK) {
			c->incls[d->idx].uuid = u;
			d->idx++;
			step(op);
		}
		break;
	}
	case PH_HASH:
		r = BH_OK;
		if (pdu->u.value.len == 16) {
			memcpy(c->hash, pdu->u.value.value, 16);
			c->has_hash = true;
		}
		d->phase = PH_DONE;
		step(op);
		break;
	default:
		r = BH_EPROTO;
		break;
	}
	if (r != BH_OK) {
		BH_LOGF(&c->env, BH_LOG_INFO, "gatt", "discovery (%s): bad response: %s",
			gattc_disc_phase_str(d->phase), bh_strerror(r));
		gattc_complete(op, r, NULL);
	}
}

void gattc_disc_finish(struct gattc_op *op, bh_status st)
{
	struct bh_gattc *c = op->c;
	if (op->kind != OP_DISCOVER)
		return;
	gattc_tree_reindex(c);
	clear_fresh(c);
	if (op->u.d.what == DISC_RANGE)
		gattc_resub_apply(c, st);
	if (op->u.d.what == DISC_RANGE && c->ev.services_changed)
		c->ev.services_changed(c->ev.ctx, op->u.d.lo, op->u.d.hi, st);
}

void gattc_disc_start(struct gattc_op *op)
{
	struct bh_gattc *c = op->c;
	struct gattc_disc *d = &op->u.d;
	d->last_chr = -1;
	d->cur = 0;
	d->idx = 0;
	clear_fresh(c);
	switch (d->what) {
	case DISC_FULL:
	case DISC_SERVICES:
		gattc_tree_clear(c);
		c->disc_flags = d->flags;
		/* A Service Changed re-discovery keeps to the same services. */
		memcpy(c->allow, d->allow, sizeof(c->allow));
		c->n_allow = d->n_allow;
		d->phase = PH_SVC;
		d->cur = d->lo;
		break;
	case DISC_RANGE: {
		/* Widen to whole services: a service cut in half by the range is
		 * re-discovered whole. */
		for (unsigned i = 0; i < c->n_svcs; i++) {
			const struct bh_gattc_service *s = &c->svcs[i].pub;
			if (s->start <= d->hi && s->end >= d->lo) {
				if (s->start < d->lo)
					d->lo = s->start;
				if (s->end > d->hi)
					d->hi = s->end;
			}
		}
		gattc_resub_collect(c, d->lo, d->hi);
		tree_remove_range(c, d->lo, d->hi);
		c->has_hash = false;
		memcpy(d->allow, c->allow, sizeof(d->allow));
		d->n_allow = c->n_allow;
		d->phase = PH_SVC;
		d->cur = d->lo;
		break;
	}
	case DISC_SVC_UUID:
		d->phase = PH_SVC_UUID;
		d->cur = d->lo;
		break;
	case DISC_INCLUDES:
	case DISC_CHRS: {
		int si = svc_index(c, d->lo);
		if (si < 0 || c->svcs[si].pub.start != d->lo) {
			gattc_complete(op, BH_ENOTFOUND, NULL);
			return;
		}
		const struct bh_gattc_service *s = &c->svcs[si].pub;
		if (d->what == DISC_INCLUDES) {
			drop_range(c, GATTC_INCLS, s->start, s->end);
			d->phase = PH_INCL;
		} else {
			/* Keep the service and its includes, drop its old
			 * characteristics and descriptors. Services never
			 * overlap (discovery and import refuse it), so no other
			 * one starts in its range. */
			drop_range(c, GATTC_CHRS, s->start, s->end);
			drop_range(c, GATTC_DESCS, s->start, s->end);
			d->phase = PH_CHR;
		}
		c->svcs[si].fresh = true;
		break;
	}
	case DISC_DESCS: {
		const struct bh_gattc_chr *ch = bh_gattc_chr_by_handle(c, d->lo);
		if (!ch || ch->value_handle != d->lo) {
			gattc_complete(op, BH_ENOTFOUND, NULL);
			return;
		}
		if (ch->value_handle < ch->end_handle)
			drop_range(c, GATTC_DESCS, (uint16_t)(ch->value_handle + 1),
				   ch->end_handle);
		/* ch is the pub of an entry of c->chrs. */
		c->chrs[(const struct gattc_chr *)(const void *)ch - c->chrs].fresh = true;
		d->phase = PH_DESC;
		break;
	}
	default:
		gattc_complete(op, BH_EINVAL, NULL);
		return;
	}
	step(op);
}

void gattc_disc_begin_full(struct gattc_op *op, unsigned flags)
{
	struct gattc_disc *d = &op->u.d;
	op->kind = OP_DISCOVER;
	d->what = DISC_FULL;
	d->flags = flags;
	d->lo = 1;
	d->hi = 0xffff;
	d->n_allow = 0;
	d->rediscovered = true;
	gattc_disc_start(op);
}

/* ---- Public entry points -------------------------------------------------------- */

static int disc_new(struct bh_gattc *c, uint8_t what, uint16_t lo, uint16_t hi, unsigned flags,
		    bh_gattc_cb cb, void *ctx, struct gattc_op **out)
{
	int err;
	struct gattc_op *op = gattc_op_new(c, OP_DISCOVER, 0, cb, ctx, &err);
	if (!op)
		return err;
	op->u.d.what = what;
	op->u.d.lo = lo;
	op->u.d.hi = hi;
	op->u.d.flags = flags;
	*out = op;
	return BH_OK;
}

int bh_gattc_discover(struct bh_gattc *c, const bh_uuid *allow, unsigned n_allow, unsigned flags,
		      bh_gattc_cb cb, void *ctx)
{
	if (n_allow > GATTC_MAX_ALLOW || (n_allow && !allow) ||
	    (flags & ~(unsigned)(BH_GATTC_DISC_INCLUDES | BH_GATTC_DISC_NO_DESCS)))
		return BH_EINVAL;
	struct gattc_op *op = NULL;
	int r = disc_new(c, DISC_FULL, 1, 0xffff, flags, cb, ctx, &op);
	if (r)
		return r;
	for (unsigned i = 0; i < n_allow; i++)
		op->u.d.allow[i] = allow[i];
	op->u.d.n_allow = n_allow;
	gattc_op_submit(op);
	return BH_OK;
}

/* The op's first step (gattc_validate_start) is in gattc_cache.c, or in
 * gattc_cache_off.c where it discovers at once. */
int bh_gattc_validate_cache(struct bh_gattc *c, unsigned flags, bh_gattc_cb cb, void *ctx)
{
	if (flags & ~(unsigned)(BH_GATTC_DISC_INCLUDES | BH_GATTC_DISC_NO_DESCS))
		return BH_EINVAL;
	int err;
	struct gattc_op *op = gattc_op_new(c, OP_VALIDATE, 0, cb, ctx, &err);
	if (!op)
		return err;
	op->u.d.flags = flags;
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_discover_services(struct bh_gattc *c, bh_gattc_cb cb, void *ctx)
{
	struct gattc_op *op = NULL;
	int r = disc_new(c, DISC_SERVICES, 1, 0xffff, 0, cb, ctx, &op);
	if (r)
		return r;
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_discover_service_uuid(struct bh_gattc *c, const bh_uuid *uuid, bh_gattc_cb cb,
				   void *ctx)
{
	if (!uuid || (uuid->len != 2 && uuid->len != 4 && uuid->len != 16))
		return BH_EINVAL;
	struct gattc_op *op = NULL;
	int r = disc_new(c, DISC_SVC_UUID, 1, 0xffff, 0, cb, ctx, &op);
	if (r)
		return r;
	op->u.d.filter = *uuid;
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_discover_includes(struct bh_gattc *c, uint16_t service_start, bh_gattc_cb cb,
			       void *ctx)
{
	struct gattc_op *op = NULL;
	int r = disc_new(c, DISC_INCLUDES, service_start, service_start, BH_GATTC_DISC_INCLUDES,
			 cb, ctx, &op);
	if (r)
		return r;
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_discover_chrs(struct bh_gattc *c, uint16_t service_start, const bh_uuid *uuid,
			   bh_gattc_cb cb, void *ctx)
{
	struct gattc_op *op = NULL;
	int r = disc_new(c, DISC_CHRS, service_start, service_start, 0, cb, ctx, &op);
	if (r)
		return r;
	if (uuid) {
		op->u.d.filter = *uuid;
		op->u.d.has_filter = true;
	}
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_discover_descs(struct bh_gattc *c, uint16_t value_handle, bh_gattc_cb cb, void *ctx)
{
	struct gattc_op *op = NULL;
	int r = disc_new(c, DISC_DESCS, value_handle, value_handle, 0, cb, ctx, &op);
	if (r)
		return r;
	gattc_op_submit(op);
	return BH_OK;
}

/* Queued behind whatever runs: the tree must not change under a procedure. */
void gattc_service_changed(struct bh_gattc *c, const uint8_t *value, size_t len)
{
	/* Vol 3, Part G, 7.1: Affected Attribute Handle Range, start..end. */
	uint16_t s = len == 4 ? bh_get16(value) : 0, e = len == 4 ? bh_get16(value + 2) : 0;
	if (s == 0 || e < s) {
		BH_LOGF(&c->env, BH_LOG_INFO, "gatt", "Service Changed with a bad range ignored");
		return;
	}
	struct gattc_op *op = NULL;
	if (gattc_resub_reserve(c) != BH_OK ||
	    disc_new(c, DISC_RANGE, s, e, c->disc_flags, NULL, NULL, &op) != BH_OK) {
		/* No op to re-discover with, or nothing to carry the
		 * subscriptions across with: drop the range so nothing stale is
		 * used, neither its attributes nor routes by its old handles. */
		tree_remove_range(c, s, e);
		gattc_tree_reindex(c);
		c->has_hash = false;
		gattc_resub_drop(c, s, e, BH_ENOMEM);
		if (c->ev.services_changed)
			c->ev.services_changed(c->ev.ctx, s, e, BH_ENOMEM);
		return;
	}
	gattc_op_submit(op);
}
