/* Pairing state and bond removal on a running host, for bindings that drive
 * the host asynchronously (the Python package: bleak's pair/unpair) and
 * cannot use the blocking bh_host_pair_sync.
 *
 * Bond removal covers the store (or the in-memory bonds) and the resolving
 * list together, so a forgotten peer's RPAs are no longer resolved and its
 * next connection pairs anew. */
#ifndef BH_HOST_PAIRING_H
#define BH_HOST_PAIRING_H

#include <stdbool.h>
#include <stdint.h>

#include <blehost/bh_addr.h>
#include <blehost/bh_err.h>

struct bh_host;

/* Deletes the bond of a peer (an identity address, or an RPA the host
 * resolves). BH_ENOTFOUND when there was none; the store's error otherwise.
 * A link that is up keeps its current encryption until it ends. */
bh_status bh_host_bond_delete(struct bh_host *h, const bh_addr *peer);
/* Deletes every bond (not the local identity). */
bh_status bh_host_bonds_clear(struct bh_host *h);

/* Whether a pairing runs on the link (a Pairing Request or Response went out
 * and events.pairing_complete has not come yet). An encryption change while
 * it runs is a step of that pairing; without one it is a re-encryption with
 * a stored bond, and completes a pair request by itself. */
bool bh_host_pairing_active(struct bh_host *h, uint16_t handle);

#endif
