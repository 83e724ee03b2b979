/* GATT client built with -Dgatt_caching=false, in place of gattc_cache.c
 * and gattc_resub.c: no attribute cache kept across connections (Vol 3,
 * Part G, 2.5.2) and no re-subscription after Service Changed.
 *
 * - bh_gattc_export writes nothing and bh_gattc_import answers BH_ENOTSUP,
 *   so a bonded peer's attributes are discovered on every connection.
 * - bh_gattc_validate_cache has no cache to check: it discovers again
 *   (res->rediscovered true), the answer a full build gives for a tree it
 *   cannot trust.
 * - Service Changed is still followed as the specification requires: the
 *   range is re-discovered and services_changed reported, so the tree never
 *   holds stale attributes. A subscription inside the range is not carried
 *   over: from the indication on nothing is routed by its old handle (which
 *   may name another attribute now, and whose CCCD the server has
 *   forgotten), and once the re-discovery ends it is dropped and reported
 *   through resubscribed(old, 0, BH_ENOTSUP), before services_changed. The
 *   application subscribes again by the new handles. (A link lost before
 *   that ends it with every other subscription: events.disconnected.)
 */
#include "gattc_internal.h"

#include <string.h>

size_t bh_gattc_export_size(const struct bh_gattc *c)
{
	(void)c;
	return 0;
}

size_t bh_gattc_export(const struct bh_gattc *c, uint8_t *out, size_t cap)
{
	(void)c;
	(void)out;
	(void)cap;
	return 0;
}

int bh_gattc_import(struct bh_gattc *c, const uint8_t *blob, size_t len)
{
	(void)c;
	(void)blob;
	(void)len;
	return BH_ENOTSUP;
}

/* Discovery still reads the Database Hash: an application may compare it. */
bool bh_gattc_db_hash(const struct bh_gattc *c, uint8_t out[16])
{
	if (c->has_hash && out)
		memcpy(out, c->hash, 16);
	return c->has_hash;
}

void gattc_validate_start(struct gattc_op *op)
{
	gattc_disc_begin_full(op, op->u.d.flags);
}

/* The op became a discovery above before sending anything, so responses
 * reach it as one; this only keeps the engine's dispatch whole. */
void gattc_validate_rsp(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu)
{
	gattc_disc_rsp(op, st, pdu);
}

int gattc_resub_reserve(struct bh_gattc *c)
{
	(void)c;
	return BH_OK; /* no records to make */
}

void gattc_resub_collect(struct bh_gattc *c, uint16_t lo, uint16_t hi)
{
	/* A live subscription always has a callback (write_cccd). */
	for (unsigned i = 0; i < c->n_subs; i++)
		if (c->subs[i].value_handle >= lo && c->subs[i].value_handle <= hi)
			c->subs[i].cb = NULL;
}

void gattc_resub_apply(struct bh_gattc *c, bh_status disc_status)
{
	(void)disc_status;
	/* One at a time, the table searched again after each report: the
	 * callback may unsubscribe others or subscribe (with a callback). */
	for (;;) {
		unsigned i = 0;
		while (i < c->n_subs && c->subs[i].cb)
			i++;
		if (i == c->n_subs)
			return;
		uint16_t old = c->subs[i].value_handle;
		c->subs[i] = c->subs[--c->n_subs];
		BH_LOGF(&c->env, BH_LOG_INFO, "gatt",
			"subscription 0x%04x dropped by Service Changed (no re-subscription in this build)",
			old);
		if (c->ev.resubscribed)
			c->ev.resubscribed(c->ev.ctx, old, 0, BH_ENOTSUP);
	}
}
