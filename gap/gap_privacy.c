/* The controller's resolving list (Vol 4, Part E, 7.8.38-7.8.44, 7.8.77):
 * peers' IRKs in the controller, so that it resolves their RPAs itself and
 * can connect to a peer by its identity address (LE Create Connection with
 * Peer_Address_Type 0x02/0x03). The caller loads it while nothing
 * advertises, scans or initiates (the controller refuses changes then). */
#include "gap_internal.h"

#include <string.h>

bool bh_gap_has_resolving_list(struct bh_gap *gap)
{
	const struct bh_hci_info *in = gap->port.info(gap->port.ctx);
	/* LL Privacy is LE feature bit 6 (Vol 6, Part B, 4.6). */
	return in && (in->le_features[0] & 0x40) && gap_supports(gap, BH_SUP_LE_ADD_TO_RESOLVING_LIST) &&
	       gap_supports(gap, BH_SUP_LE_SET_ADDR_RESOLUTION_ENABLE);
}

int bh_gap_resolving_list_clear(struct bh_gap *gap, bh_gap_done_cb cb, void *ctx)
{
	if (!bh_gap_has_resolving_list(gap))
		return BH_ENOTSUP;
	return gap_misc_cmd(gap, BH_HCI_LE_CLEAR_RESOLVING_LIST, NULL, 0, cb, ctx);
}

int bh_gap_resolving_list_add(struct bh_gap *gap, const bh_addr *identity,
			      const uint8_t peer_irk[16], const uint8_t local_irk[16],
			      bh_gap_done_cb cb, void *ctx)
{
	if (!identity || identity->type > BH_ADDR_RANDOM)
		return BH_EINVAL;
	if (!bh_gap_has_resolving_list(gap))
		return BH_ENOTSUP;
	/* Peer_Identity_Address_Type, Peer_Identity_Address, Peer_IRK,
	 * Local_IRK (7.8.38); keys in the controller's byte order (LSB first),
	 * as SMP distributes them. */
	uint8_t p[39];
	p[0] = identity->type;
	memcpy(p + 1, identity->val, 6);
	memcpy(p + 7, peer_irk, 16);
	if (local_irk)
		memcpy(p + 23, local_irk, 16);
	else
		memset(p + 23, 0, 16);
	return gap_misc_cmd(gap, BH_HCI_LE_ADD_TO_RESOLVING_LIST, p, sizeof(p), cb, ctx);
}

int bh_gap_set_privacy_mode(struct bh_gap *gap, const bh_addr *identity, bool device_mode,
			    bh_gap_done_cb cb, void *ctx)
{
	if (!identity || identity->type > BH_ADDR_RANDOM)
		return BH_EINVAL;
	if (!gap_supports(gap, BH_SUP_LE_SET_PRIVACY_MODE))
		return BH_ENOTSUP;
	uint8_t p[8] = { identity->type };
	memcpy(p + 1, identity->val, 6);
	p[7] = device_mode ? 0x01 : 0x00;
	return gap_misc_cmd(gap, BH_HCI_LE_SET_PRIVACY_MODE, p, sizeof(p), cb, ctx);
}

int bh_gap_set_address_resolution(struct bh_gap *gap, bool enable, bh_gap_done_cb cb, void *ctx)
{
	if (!bh_gap_has_resolving_list(gap))
		return BH_ENOTSUP;
	uint8_t p[1] = { enable ? 1 : 0 };
	return gap_misc_cmd(gap, BH_HCI_LE_SET_ADDR_RESOLUTION_ENABLE, p, 1, cb, ctx);
}
