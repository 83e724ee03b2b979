/* The connection handle table: which handles exist, so ACL for anything
 * else is dropped and credits are accounted per connection.
 *
 * A handle is added on LE Connection Complete (Vol 4, Part E, 7.7.65.1) or
 * LE Enhanced Connection Complete v1/v2 (7.7.65.10) with status 0, and
 * removed on Disconnection Complete (7.7.5) with status 0. A handle that is
 * connected twice, or out of range, is a controller fault: the event is
 * dropped and the existing link kept.
 */
#include "hci_internal.h"

#include <stdlib.h>

struct hci_conn *hci_conn_find(struct bh_hci *hci, uint16_t handle)
{
	for (unsigned i = 0; i < hci->cfg.max_connections; i++)
		if (hci->conns[i].used && hci->conns[i].handle == handle)
			return &hci->conns[i];
	return NULL;
}

struct hci_conn *hci_conn_add(struct bh_hci *hci, uint16_t handle)
{
	struct hci_conn *c;
	for (unsigned i = 0; i < hci->cfg.max_connections; i++) {
		c = &hci->conns[i];
		if (c->used)
			continue;
		*c = (struct hci_conn){ .used = true, .handle = handle };
		return c;
	}
	hci_log(hci, BH_LOG_ERROR, "connection table full, handle 0x%03x untracked", handle);
	return NULL;
}

void hci_conn_remove(struct bh_hci *hci, struct hci_conn *c)
{
	/* Packets the controller still held for this link are flushed by the
	 * controller: their credits come back with the disconnection
	 * (Vol 4, Part E, 4.3). */
	hci->acl_credits += c->in_flight;
	if (hci->acl_credits > hci->info.le_acl_credits)
		hci->acl_credits = hci->info.le_acl_credits;
	hci_acl_flush_conn(hci, c);
	if (c->rx && c->rx == hci->rx_delivering)
		hci->rx_orphan = c->rx; /* freed once the delivery returns */
	else
		free(c->rx);
	*c = (struct hci_conn){ 0 };
}

void hci_conn_remove_all(struct bh_hci *hci)
{
	for (unsigned i = 0; i < hci->cfg.max_connections; i++)
		if (hci->conns[i].used)
			hci_conn_remove(hci, &hci->conns[i]);
	hci->acl_credits = hci->info.le_acl_credits;
}

bool hci_conn_on_le_meta(struct bh_hci *hci, uint8_t sub, const uint8_t *p, size_t len)
{
	if (sub != BH_LE_CONN_COMPLETE && sub != BH_LE_ENH_CONN_COMPLETE &&
	    sub != BH_LE_ENH_CONN_COMPLETE_V2)
		return true;
	/* All three start with Status(1) Connection_Handle(2); the minimum
	 * length was checked by the dispatcher. */
	if (len < 3 || p[0] != 0)
		return true;
	uint16_t handle = bh_get16(p + 1) & 0x0fff;
	/* Before bring-up ends the controller has just been reset and has no
	 * links: a connection event then is stale, and nobody may use it. */
	if (hci->state != HCI_STATE_READY) {
		hci_log(hci, BH_LOG_INFO, "connection 0x%03x before bring-up ended dropped", handle);
		return false;
	}
	/* The layers above must agree with the table: a link the table cannot
	 * hold is passed on (GAP disconnects what it has no room for), a
	 * contradiction is not. */
	if (handle > HCI_MAX_CONN_HANDLE || hci_conn_find(hci, handle)) {
		hci->stats.events_invalid++;
		hci_log(hci, BH_LOG_INFO, "%s connection handle 0x%03x: event dropped",
			handle > HCI_MAX_CONN_HANDLE ? "invalid" : "already connected", handle);
		return false;
	}
	hci_conn_add(hci, handle);
	return true;
}

void hci_conn_on_disconn(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	/* Status(1) Connection_Handle(2) Reason(1) (7.7.5) */
	if (len < 3)
		return;
	uint8_t status = p[0];
	uint16_t handle = bh_get16(p + 1) & 0x0fff;
	struct hci_conn *c = hci_conn_find(hci, handle);
	if (!c) {
		/* Passed on all the same: a link the full table never held is
		 * still known to GAP. */
		hci->stats.events_unknown_handle++;
		hci_log(hci, BH_LOG_INFO, "Disconnection Complete for unknown handle 0x%03x",
			handle);
		return;
	}
	if (status != 0)
		return;
	hci_conn_remove(hci, c);
	/* Freed credits may let other connections send. */
	hci_acl_pump(hci);
}
