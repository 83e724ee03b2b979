/* Re-subscription after Service Changed (Vol 3, Part G, 7.1): handles in
 * the changed range may have moved, and the server forgets the CCCDs there
 * (2.5.2), so a client that only re-discovered would silently stop getting
 * notifications. Each subscription in the range is remembered by service and
 * characteristic UUID, found again in the new tree, and its CCCD rewritten;
 * notifications keep reaching the same callback under the new handle. */
#include "gattc_internal.h"

#include <stdlib.h>
#include <string.h>

/* How many services with the same UUID come before s in the tree. */
static uint16_t svc_nth(const struct bh_gattc *c, unsigned si)
{
	uint16_t n = 0;
	for (unsigned i = 0; i < si; i++)
		n += bh_uuid_eq(&c->svcs[i].pub.uuid, &c->svcs[si].pub.uuid);
	return n;
}

static uint16_t chr_nth(const struct bh_gattc *c, unsigned ci)
{
	const struct bh_gattc_chr *ch = &c->chrs[ci].pub;
	const struct bh_gattc_service *s = &c->svcs[ch->service].pub;
	uint16_t n = 0;
	for (unsigned i = s->first_chr; i < ci; i++)
		n += bh_uuid_eq(&c->chrs[i].pub.uuid, &ch->uuid);
	return n;
}

int gattc_resub_reserve(struct bh_gattc *c)
{
	if (!c->resub)
		c->resub = calloc(c->cfg.max_subscriptions, sizeof(*c->resub));
	return c->resub ? BH_OK : BH_ENOMEM;
}

static struct gattc_resub *resub_slot(struct bh_gattc *c)
{
	for (unsigned i = 0; c->resub && i < c->cfg.max_subscriptions; i++)
		if (!c->resub[i].used)
			return &c->resub[i];
	return NULL;
}

void gattc_resub_collect(struct bh_gattc *c, uint16_t lo, uint16_t hi)
{
	for (unsigned i = 0; i < c->n_subs;) {
		struct gattc_sub *s = &c->subs[i];
		const struct bh_gattc_chr *ch = bh_gattc_chr_by_handle(c, s->value_handle);
		struct gattc_resub *r = NULL;
		if (s->value_handle < lo || s->value_handle > hi || !ch ||
		    ch->value_handle != s->value_handle || !(r = resub_slot(c))) {
			i++;
			continue;
		}
		/* chrs[] holds struct gattc_chr, whose first member is pub. */
		unsigned ci = (unsigned)((const struct gattc_chr *)(const void *)ch - c->chrs);
		*r = (struct gattc_resub){
			.c = c, .used = true,
			.svc_uuid = c->svcs[ch->service].pub.uuid, .chr_uuid = ch->uuid,
			.svc_nth = svc_nth(c, ch->service), .chr_nth = chr_nth(c, ci),
			.old_handle = s->value_handle, .what = s->what, .cb = s->cb, .ctx = s->ctx,
		};
		/* Stale from here on: nothing is routed by the old handle. */
		c->subs[i] = c->subs[--c->n_subs];
	}
}

static const struct bh_gattc_chr *find_again(const struct bh_gattc *c,
					     const struct gattc_resub *r)
{
	uint16_t sn = 0;
	for (unsigned si = 0; si < c->n_svcs; si++) {
		const struct bh_gattc_service *s = &c->svcs[si].pub;
		if (!bh_uuid_eq(&s->uuid, &r->svc_uuid) || sn++ != r->svc_nth)
			continue;
		uint16_t cn = 0;
		for (unsigned ci = s->first_chr; ci < (unsigned)s->first_chr + s->n_chrs; ci++)
			if (bh_uuid_eq(&c->chrs[ci].pub.uuid, &r->chr_uuid) && cn++ == r->chr_nth)
				return &c->chrs[ci].pub;
		return NULL;
	}
	return NULL;
}

static void report(struct gattc_resub *r, bh_status st)
{
	struct bh_gattc *c = r->c;
	uint16_t old = r->old_handle, now = st == BH_OK ? r->new_handle : 0;
	r->used = false;
	BH_LOGF(&c->env, st ? BH_LOG_WARN : BH_LOG_INFO, "gatt",
		"re-subscribe 0x%04x -> 0x%04x: %s", old, now, bh_strerror(st));
	if (c->ev.resubscribed)
		c->ev.resubscribed(c->ev.ctx, old, now, st);
}

static void write_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	(void)res;
	report(ctx, st);
}

void gattc_resub_apply(struct bh_gattc *c, bh_status disc_status)
{
	/* The writes queue behind the discovery that is completing now. */
	bool was_kicking = c->kicking;
	c->kicking = true;
	for (unsigned i = 0; c->resub && i < c->cfg.max_subscriptions; i++) {
		struct gattc_resub *r = &c->resub[i];
		if (!r->used || r->writing)
			continue;
		if (disc_status != BH_OK) {
			/* The new tree is incomplete: nothing to match against. */
			report(r, disc_status);
			continue;
		}
		const struct bh_gattc_chr *ch = find_again(c, r);
		if (!ch) {
			report(r, BH_ENOTFOUND);
			continue;
		}
		r->new_handle = ch->value_handle;
		r->writing = true;
		int st = bh_gattc_subscribe(c, ch->value_handle, r->what, r->cb, r->ctx, write_done,
					    r);
		if (st != BH_OK) {
			r->writing = false;
			report(r, st);
		}
	}
	c->kicking = was_kicking;
}
