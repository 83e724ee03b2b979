/* Controller-based privacy: at bring-up the bonded peers' IRKs go into
 * the controller's resolving list, address resolution is switched on and
 * each peer gets device privacy mode; connecting to a bonded peer by its
 * identity address then names it as an identity (Peer_Address_Type
 * 0x02/0x03) so that the controller finds it behind whatever RPA it uses.
 * Without a resolving list (or for a peer not in it), the host's own
 * resolution is the fallback: a connection attempt to the identity (the
 * peer may not use RPAs), then a scan until a report resolves to the
 * identity, and a connection to the RPA seen (host_sync.c). */
#include "host_internal.h"

#include <string.h>

static struct host_rl *rl_find(struct bh_host *h, const bh_addr *id)
{
	for (unsigned i = 0; i < h->n_rl; i++)
		if (bh_addr_eq(&h->rl[i].identity, id))
			return &h->rl[i];
	return NULL;
}

static void rl_add_done(void *ctx, bh_status st)
{
	struct host_rl *e = ctx;
	if (st) {
		char a[BH_ADDR_STRLEN];
		host_log(e->h, BH_LOG_WARN, "resolving list: %s not added: %s",
			 bh_addr_str(&e->identity, a), bh_strerror(st));
		e->in_ctrl = false;
	}
}

/* The controller resolves none of them: the host does. */
static void rl_not_in_ctrl(struct bh_host *h)
{
	for (unsigned i = 0; i < h->n_rl; i++)
		h->rl[i].in_ctrl = false;
}

static void rl_enable_done(void *ctx, bh_status st)
{
	struct bh_host *h = ctx;
	if (st) {
		host_log(h, BH_LOG_WARN, "address resolution not enabled: %s (host resolution only)",
			 bh_strerror(st));
		rl_not_in_ctrl(h);
	}
}

static void mode_done(void *ctx, bh_status st)
{
	if (st)
		host_log(ctx, BH_LOG_INFO, "privacy mode not set: %s", bh_strerror(st));
}

static int rl_collect(void *ctx, const struct bh_bond *b)
{
	struct bh_host *h = ctx;
	if (!b->has_irk || h->n_rl >= HOST_RL_MAX || rl_find(h, &b->identity))
		return 0;
	struct host_rl *e = &h->rl[h->n_rl++];
	*e = (struct host_rl){ .h = h, .identity = b->identity };
	memcpy(e->irk, b->irk, 16);
	return 0;
}

void host_privacy_load(struct bh_host *h)
{
	h->n_rl = 0;
	if (!bh_gap_has_resolving_list(h->gap))
		return;
	if (h->store)
		bh_bond_store_load_all(h->store, rl_collect, h);
	for (unsigned i = 0; i < h->n_mem_bonds; i++)
		rl_collect(h, &h->mem_bonds[i]);
	if (!h->n_rl)
		return;
	/* Entries count as loaded from the moment they are queued: a connect
	 * right after bring-up is queued behind them. A failure clears them. */
	if (bh_gap_resolving_list_clear(h->gap, NULL, NULL))
		return;
	for (unsigned i = 0; i < h->n_rl; i++) {
		struct host_rl *e = &h->rl[i];
		e->in_ctrl = bh_gap_resolving_list_add(h->gap, &e->identity, e->irk, NULL,
						       rl_add_done, e) == BH_OK;
		if (e->in_ctrl)
			bh_gap_set_privacy_mode(h->gap, &e->identity, true, mode_done, h);
	}
	if (bh_gap_set_address_resolution(h->gap, true, rl_enable_done, h)) {
		rl_not_in_ctrl(h);
		return;
	}
	host_log(h, BH_LOG_INFO, "resolving list: %u bonded peer(s) loaded", h->n_rl);
}

bool host_privacy_in_controller(struct bh_host *h, const bh_addr *identity)
{
	struct host_rl *e = rl_find(h, identity);
	return e && e->in_ctrl;
}

enum host_connect_how host_privacy_target(struct bh_host *h, const bh_addr *addr, bh_addr *target)
{
	*target = *addr;
	if (addr->type > BH_ADDR_RANDOM)
		return HOST_CONNECT_DIRECT;
	struct bh_bond b;
	/* Only an identity we hold an IRK for can be behind an RPA. */
	if (!host_bond_lookup(h, addr, &b) || !b.has_irk || !bh_addr_eq(&b.identity, addr))
		return HOST_CONNECT_DIRECT;
	char a[BH_ADDR_STRLEN]; /* written whole by bh_addr_str */
	if (host_privacy_in_controller(h, addr)) {
		target->type = (uint8_t)(addr->type | 2); /* 0x02 / 0x03: identity */
		host_log(h, BH_LOG_INFO, "connecting to %s by identity (controller resolving list)",
			 bh_addr_str(addr, a));
		return HOST_CONNECT_DIRECT;
	}
	host_log(h, BH_LOG_INFO, "connecting to %s: no resolving list, the host resolves",
		 bh_addr_str(addr, a));
	return HOST_CONNECT_SCAN;
}
