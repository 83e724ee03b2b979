/* GATT client: the attribute cache (Vol 3, Part G, 2.5.2).
 *
 * The tree is exported as a blob the host stores with the bond, imported on
 * the next connection, and checked against the peer's Database Hash (7.3)
 * before it is trusted. The blob is little-endian:
 *
 *   "BGC" version(1) flags(1: bit 0 hash present) hash(16)
 *   n_svcs(2) n_incls(2) n_chrs(2) n_descs(2)
 *   services:  start(2) end(2) primary(1) uuid_len(1) uuid
 *   includes:  handle(2) start(2) end(2) uuid_len(1) uuid
 *   chars:     decl(2) value(2) end(2) props(1) uuid_len(1) uuid
 *   descs:     handle(2) uuid_len(1) uuid
 *   FNV-1a 32 of everything before (4)
 *
 * Import checks the checksum and every structural rule discovery enforces,
 * because a blob from storage is as untrusted as a peer.
 */
#include "gattc_internal.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_VERSION 1

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void wr_uuid(struct bh_wr *w, const bh_uuid *u)
{
	bh_wr_u8(w, u->len);
	bh_wr_bytes(w, u->val, u->len);
}

static bool rd_uuid(struct bh_rd *r, bh_uuid *u)
{
	uint8_t l = bh_rd_u8(r);
	const uint8_t *p = bh_rd_ptr(r, l);
	return p && bh_uuid_from_le(u, p, l) == BH_OK;
}

size_t bh_gattc_export_size(const struct bh_gattc *c)
{
	size_t n = 3 + 1 + 1 + 16 + 8 + 4;
	for (unsigned i = 0; i < c->n_svcs; i++)
		n += 6 + c->svcs[i].pub.uuid.len;
	for (unsigned i = 0; i < c->n_incls; i++)
		n += 7 + c->incls[i].uuid.len;
	for (unsigned i = 0; i < c->n_chrs; i++)
		n += 8 + c->chrs[i].pub.uuid.len;
	for (unsigned i = 0; i < c->n_descs; i++)
		n += 3 + c->descs[i].uuid.len;
	return n;
}

size_t bh_gattc_export(const struct bh_gattc *c, uint8_t *out, size_t cap)
{
	size_t need = bh_gattc_export_size(c);
	if (!out || cap < need)
		return 0;
	struct bh_wr w = bh_wr_init(out, cap);
	bh_wr_bytes(&w, "BGC", 3);
	bh_wr_u8(&w, CACHE_VERSION);
	bh_wr_u8(&w, c->has_hash ? 1 : 0);
	if (c->has_hash) {
		bh_wr_bytes(&w, c->hash, 16);
	} else {
		static const uint8_t zero[16];
		bh_wr_bytes(&w, zero, 16);
	}
	bh_wr_u16(&w, (uint16_t)c->n_svcs);
	bh_wr_u16(&w, (uint16_t)c->n_incls);
	bh_wr_u16(&w, (uint16_t)c->n_chrs);
	bh_wr_u16(&w, (uint16_t)c->n_descs);
	for (unsigned i = 0; i < c->n_svcs; i++) {
		const struct bh_gattc_service *s = &c->svcs[i].pub;
		bh_wr_u16(&w, s->start);
		bh_wr_u16(&w, s->end);
		bh_wr_u8(&w, s->primary ? 1 : 0);
		wr_uuid(&w, &s->uuid);
	}
	for (unsigned i = 0; i < c->n_incls; i++) {
		const struct bh_gattc_include *in = &c->incls[i];
		bh_wr_u16(&w, in->handle);
		bh_wr_u16(&w, in->start);
		bh_wr_u16(&w, in->end);
		wr_uuid(&w, &in->uuid);
	}
	for (unsigned i = 0; i < c->n_chrs; i++) {
		const struct bh_gattc_chr *ch = &c->chrs[i].pub;
		bh_wr_u16(&w, ch->decl_handle);
		bh_wr_u16(&w, ch->value_handle);
		bh_wr_u16(&w, ch->end_handle);
		bh_wr_u8(&w, ch->props);
		wr_uuid(&w, &ch->uuid);
	}
	for (unsigned i = 0; i < c->n_descs; i++) {
		bh_wr_u16(&w, c->descs[i].handle);
		wr_uuid(&w, &c->descs[i].uuid);
	}
	bh_wr_u32(&w, fnv1a(out, w.len));
	return w.err ? 0 : w.len;
}

bool bh_gattc_db_hash(const struct bh_gattc *c, uint8_t out[16])
{
	if (c->has_hash && out)
		memcpy(out, c->hash, 16);
	return c->has_hash;
}

/* Parses into the client's arrays; the caller restores them on failure. */
static int parse(struct bh_gattc *c, const uint8_t *blob, size_t len)
{
	struct bh_rd r = bh_rd_init(blob, len - 4);
	const uint8_t *magic = bh_rd_ptr(&r, 3);
	if (!magic || memcmp(magic, "BGC", 3) != 0 || bh_rd_u8(&r) != CACHE_VERSION)
		return BH_ECORRUPT;
	uint8_t flags = bh_rd_u8(&r);
	uint8_t hash[16];
	bh_rd_copy(&r, hash, 16);
	unsigned ns = bh_rd_u16(&r), ni = bh_rd_u16(&r), nc = bh_rd_u16(&r), nd = bh_rd_u16(&r);
	if (!bh_rd_ok(&r) || (flags & ~1u))
		return BH_ECORRUPT;
	if (ns > c->cfg.max_services || ni > c->cfg.max_includes || nc > c->cfg.max_chrs ||
	    nd > c->cfg.max_descs)
		return BH_ENOSPACE;
	/* Room first, so running out of memory leaves the old tree as it was
	 * (capacities only grow here, so bh_gattc_import's restore fits). */
	int rc = gattc_reserve((void **)&c->svcs, &c->cap_svcs, ns, c->cfg.max_services,
			       sizeof(*c->svcs));
	if (!rc)
		rc = gattc_reserve((void **)&c->incls, &c->cap_incls, ni, c->cfg.max_includes,
				   sizeof(*c->incls));
	if (!rc)
		rc = gattc_reserve((void **)&c->chrs, &c->cap_chrs, nc, c->cfg.max_chrs,
				   sizeof(*c->chrs));
	if (!rc)
		rc = gattc_reserve((void **)&c->descs, &c->cap_descs, nd, c->cfg.max_descs,
				   sizeof(*c->descs));
	if (rc)
		return rc;
	gattc_tree_clear(c);
	uint32_t prev_end = 0;
	for (unsigned i = 0; i < ns; i++) {
		struct gattc_svc *s = &c->svcs[i];
		memset(s, 0, sizeof(*s));
		s->pub.start = bh_rd_u16(&r);
		s->pub.end = bh_rd_u16(&r);
		uint8_t prim = bh_rd_u8(&r);
		if (!rd_uuid(&r, &s->pub.uuid) || prim > 1 || !s->pub.start ||
		    s->pub.end < s->pub.start || s->pub.start <= prev_end)
			return BH_ECORRUPT;
		s->pub.primary = prim;
		prev_end = s->pub.end;
		c->n_svcs++;
	}
	uint32_t prev = 0;
	for (unsigned i = 0; i < ni; i++) {
		struct bh_gattc_include *in = &c->incls[i];
		memset(in, 0, sizeof(*in));
		in->handle = bh_rd_u16(&r);
		in->start = bh_rd_u16(&r);
		in->end = bh_rd_u16(&r);
		if (!rd_uuid(&r, &in->uuid) || in->handle <= prev || in->end < in->start ||
		    !bh_gattc_service_by_handle(c, in->handle))
			return BH_ECORRUPT;
		prev = in->handle;
		c->n_incls++;
	}
	prev = 0;
	for (unsigned i = 0; i < nc; i++) {
		struct gattc_chr *ch = &c->chrs[i];
		memset(ch, 0, sizeof(*ch));
		ch->pub.decl_handle = bh_rd_u16(&r);
		ch->pub.value_handle = bh_rd_u16(&r);
		ch->pub.end_handle = bh_rd_u16(&r);
		ch->pub.props = bh_rd_u8(&r);
		const struct bh_gattc_service *s = bh_gattc_service_by_handle(c, ch->pub.decl_handle);
		if (!rd_uuid(&r, &ch->pub.uuid) || ch->pub.decl_handle <= prev || !s ||
		    ch->pub.value_handle <= ch->pub.decl_handle ||
		    ch->pub.end_handle < ch->pub.value_handle || ch->pub.end_handle > s->end)
			return BH_ECORRUPT;
		prev = ch->pub.end_handle;
		c->n_chrs++;
	}
	prev = 0;
	for (unsigned i = 0; i < nd; i++) {
		struct bh_gattc_desc *d = &c->descs[i];
		memset(d, 0, sizeof(*d));
		d->handle = bh_rd_u16(&r);
		const struct bh_gattc_chr *ch = bh_gattc_chr_by_handle(c, d->handle);
		if (!rd_uuid(&r, &d->uuid) || d->handle <= prev || !ch ||
		    d->handle <= ch->value_handle)
			return BH_ECORRUPT;
		prev = d->handle;
		c->n_descs++;
	}
	if (!bh_rd_ok(&r) || bh_rd_left(&r))
		return BH_ECORRUPT;
	c->has_hash = flags & 1;
	memcpy(c->hash, hash, 16);
	gattc_tree_reindex(c);
	return BH_OK;
}

/* memcpy for the tree's arrays, which are NULL while empty. */
static void copy_n(void *dst, const void *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

int bh_gattc_import(struct bh_gattc *c, const uint8_t *blob, size_t len)
{
	if (c->cur || c->head)
		return BH_ESTATE;
	if (!blob || len < 4 + 3 + 1 + 1 + 16 + 8)
		return BH_ECORRUPT;
	if (bh_get32(blob + len - 4) != fnv1a(blob, len - 4))
		return BH_ECORRUPT;
	/* The old tree survives a bad blob: keep a copy until the new one
	 * proved whole (import is not on the data path; malloc is fine). */
	struct bh_gattc saved = *c;
	struct gattc_svc *svcs = malloc(sizeof(*svcs) * (c->n_svcs + 1));
	struct gattc_chr *chrs = malloc(sizeof(*chrs) * (c->n_chrs + 1));
	struct bh_gattc_desc *descs = malloc(sizeof(*descs) * (c->n_descs + 1));
	struct bh_gattc_include *incls = malloc(sizeof(*incls) * (c->n_incls + 1));
	int r = BH_ENOMEM;
	if (svcs && chrs && descs && incls) {
		copy_n(svcs, c->svcs, sizeof(*svcs) * c->n_svcs);
		copy_n(chrs, c->chrs, sizeof(*chrs) * c->n_chrs);
		copy_n(descs, c->descs, sizeof(*descs) * c->n_descs);
		copy_n(incls, c->incls, sizeof(*incls) * c->n_incls);
		r = parse(c, blob, len);
		if (r != BH_OK) {
			copy_n(c->svcs, svcs, sizeof(*svcs) * saved.n_svcs);
			copy_n(c->chrs, chrs, sizeof(*chrs) * saved.n_chrs);
			copy_n(c->descs, descs, sizeof(*descs) * saved.n_descs);
			copy_n(c->incls, incls, sizeof(*incls) * saved.n_incls);
			c->n_svcs = saved.n_svcs;
			c->n_chrs = saved.n_chrs;
			c->n_descs = saved.n_descs;
			c->n_incls = saved.n_incls;
			c->has_hash = saved.has_hash;
			memcpy(c->hash, saved.hash, 16);
		}
	}
	free(svcs);
	free(chrs);
	free(descs);
	free(incls);
	return r;
}

/* ---- Database Hash check --------------------------------------------------- */

void gattc_validate_start(struct gattc_op *op)
{
	struct bh_gattc *c = op->c;
	if (!c->n_svcs) {
		gattc_disc_begin_full(op, op->u.d.flags);
		return;
	}
	/* Read Using Characteristic UUID over the whole range: one round trip,
	 * and no need to know where the hash lives. */
	gattc_send_range(op, BH_ATT_READ_BY_TYPE_REQ, 0x0001, 0xffff, 0x2b2a, NULL);
}

void gattc_validate_rsp(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu)
{
	struct bh_gattc *c = op->c;
	unsigned flags = op->u.d.flags;
	if (st == BH_ATT_ERROR(BH_ATT_E_ATTRIBUTE_NOT_FOUND)) {
		/* No hash. A bonded peer with Service Changed tells us about
		 * changes (2.5.2), so its cache stays good; otherwise we cannot
		 * know, and must look again. */
		if (gattc_find_chr16(c, 0x2a05)) {
			struct bh_gattc_result res = { .rediscovered = false };
			gattc_complete(op, BH_OK, &res);
			return;
		}
		gattc_disc_begin_full(op, flags);
		return;
	}
	if (st != BH_OK) {
		struct bh_gattc_result res = { .handle = pdu ? pdu->u.error.handle : 0 };
		gattc_complete(op, st, &res);
		return;
	}
	if (pdu->u.read_by_type_rsp.elem_len != 18) {
		gattc_complete(op, BH_EPROTO, NULL);
		return;
	}
	const uint8_t *hash = pdu->u.read_by_type_rsp.data + 2;
	if (c->has_hash && memcmp(hash, c->hash, 16) == 0) {
		struct bh_gattc_result res = { .rediscovered = false };
		gattc_complete(op, BH_OK, &res);
		return;
	}
	BH_LOGF(&c->env, BH_LOG_INFO, "gatt", "database hash differs: discovering again");
	/* The value just read is the new hash: no second read after discovery. */
	op->u.d.hash_known = true;
	memcpy(op->u.d.hash, hash, 16);
	gattc_disc_begin_full(op, flags);
}
