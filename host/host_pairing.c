/* Pairing state and bond removal on a live host (see host_pairing.h). */
#include <blehost/host_pairing.h>

#include "host_internal.h"

#include <stdlib.h>
#include <string.h>

bh_status bh_host_bond_delete(struct bh_host *h, const bh_addr *peer)
{
	bh_addr id = *peer;
	host_resolve(h, peer, &id);
	if (h->resolver)
		bh_resolver_remove(h->resolver, &id);
	if (h->store)
		return bh_bond_store_delete(h->store, &id);
	struct bh_bond *m = host_mem_bond(h, &id);
	if (!m)
		return BH_ENOTFOUND;
	*m = h->mem_bonds[--h->n_mem_bonds];
	return BH_OK;
}

bh_status bh_host_bonds_clear(struct bh_host *h)
{
	if (h->resolver)
		bh_resolver_clear(h->resolver);
	h->n_mem_bonds = 0;
	free(h->mem_bonds); /* grown again by the next bond */
	h->mem_bonds = NULL;
	h->cap_mem_bonds = 0;
	return h->store ? bh_bond_store_clear(h->store) : BH_OK;
}

bool bh_host_pairing_active(struct bh_host *h, uint16_t handle)
{
	struct host_conn *c = host_conn_find(h, handle);
	return c && c->pairing_active;
}
