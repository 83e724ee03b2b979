/* Link-layer settings of a connection that Core 5.0 lets the host drive:
 * the LL data length (Data Length Extension, Vol 6, Part B, 5.1.9) and the
 * PHY (5.1.10). The host asks with LE Set Data Length (Vol 4, Part E,
 * 7.8.33) and LE Set PHY (7.8.49); either side's controller may change them
 * at any time, which arrives as LE Data Length Change (7.7.65.7) and LE
 * PHY Update Complete (7.7.65.12).
 */
#include "gap_internal.h"

#include <string.h>

/* Vol 6, Part B, 4.5.10: the LL data PDU payload and time bounds. */
#define DL_MIN_OCTETS 27
#define DL_MAX_OCTETS 251
#define DL_MIN_TIME 328
#define DL_MAX_TIME 17040
/* 251 octets on the 1M PHY: (251 + 14) * 8 us. Controllers adapt the time
 * to the PHY in use (5.1.9). */
#define DL_AUTO_TIME 2120

void gap_link_init(struct bh_gap_conn *c)
{
	c->max_tx_octets = c->max_rx_octets = DL_MIN_OCTETS;
	c->max_tx_time = c->max_rx_time = DL_MIN_TIME;
	c->tx_phy = c->rx_phy = BH_GAP_PHY_1M;
}

const char *bh_gap_phy_str(uint8_t phy)
{
	switch (phy) {
	case BH_GAP_PHY_1M: return "1M";
	case BH_GAP_PHY_2M: return "2M";
	case BH_GAP_PHY_CODED: return "Coded";
	default: return "?";
	}
}

static bool le_feature(struct bh_gap *gap, unsigned bit)
{
	const struct bh_hci_info *in = gap->port.info(gap->port.ctx);
	return in && (in->le_features[bit / 8] >> (bit % 8)) & 1;
}

static void auto_done(void *ctx, bh_status st)
{
	/* A controller may refuse (e.g. the link is going): nothing to undo,
	 * the link keeps 27 octets. */
	(void)ctx;
	(void)st;
}

void gap_link_features(struct bh_gap *gap, uint16_t handle)
{
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s || gap->cfg.no_auto_data_length || !le_feature(gap, 5) ||
	    !(s->c.features[0] & (1u << 5)) || !gap_supports(gap, BH_SUP_LE_SET_DATA_LENGTH))
		return;
	if (bh_gap_set_data_length(gap, handle, DL_MAX_OCTETS, DL_AUTO_TIME, auto_done, NULL))
		gap_log(gap, BH_LOG_WARN, "connection 0x%03x: cannot queue LE Set Data Length",
			handle);
}

static bool dl_valid(uint16_t octets, uint16_t time)
{
	return octets >= DL_MIN_OCTETS && octets <= DL_MAX_OCTETS && time >= DL_MIN_TIME &&
	       time <= DL_MAX_TIME;
}

int bh_gap_set_data_length(struct bh_gap *gap, uint16_t handle, uint16_t tx_octets,
			   uint16_t tx_time_us, bh_gap_done_cb cb, void *ctx)
{
	if (!dl_valid(tx_octets, tx_time_us))
		return BH_EINVAL;
	if (!gap_slot_find(gap, handle))
		return BH_ENOTFOUND;
	if (!gap_supports(gap, BH_SUP_LE_SET_DATA_LENGTH))
		return BH_ENOTSUP;
	uint8_t p[6];
	bh_put16(p, handle);
	bh_put16(p + 2, tx_octets);
	bh_put16(p + 4, tx_time_us);
	gap_log(gap, BH_LOG_DEBUG, "connection 0x%03x: asking for %u octets / %u us", handle,
		tx_octets, tx_time_us);
	return gap_misc_cmd(gap, BH_HCI_LE_SET_DATA_LENGTH, p, sizeof(p), cb, ctx);
}

int bh_gap_set_default_data_length(struct bh_gap *gap, uint16_t tx_octets, uint16_t tx_time_us,
				   bh_gap_done_cb cb, void *ctx)
{
	if (!dl_valid(tx_octets, tx_time_us))
		return BH_EINVAL;
	if (!gap_supports(gap, BH_SUP_LE_WRITE_SUGG_DATA_LENGTH))
		return BH_ENOTSUP;
	uint8_t p[4];
	bh_put16(p, tx_octets);
	bh_put16(p + 2, tx_time_us);
	return gap_misc_cmd(gap, BH_HCI_LE_WRITE_SUGG_DATA_LENGTH, p, sizeof(p), cb, ctx);
}

/* All_PHYs bit 0/1: "no preference" for TX/RX when that set is empty. */
static uint8_t all_phys(uint8_t tx, uint8_t rx)
{
	return (uint8_t)((tx ? 0 : 1) | (rx ? 0 : 2));
}

static bool phys_valid(struct bh_gap *gap, uint8_t tx, uint8_t rx)
{
	uint8_t m = tx | rx;
	if (m & ~7u)
		return false;
	/* A PHY the controller does not have is refused here rather than with
	 * the controller's Unsupported Feature (7.8.49). */
	if ((m & BH_GAP_PHY_MASK_2M) && !le_feature(gap, 8))
		return false;
	if ((m & BH_GAP_PHY_MASK_CODED) && !le_feature(gap, 11))
		return false;
	return true;
}

int bh_gap_set_default_phy(struct bh_gap *gap, uint8_t tx_phys, uint8_t rx_phys,
			   bh_gap_done_cb cb, void *ctx)
{
	if (!phys_valid(gap, tx_phys, rx_phys))
		return BH_EINVAL;
	if (!gap_supports(gap, BH_SUP_LE_SET_DEFAULT_PHY))
		return BH_ENOTSUP;
	uint8_t p[3] = { all_phys(tx_phys, rx_phys), tx_phys, rx_phys };
	return gap_misc_cmd(gap, BH_HCI_LE_SET_DEFAULT_PHY, p, sizeof(p), cb, ctx);
}

int bh_gap_set_phy(struct bh_gap *gap, uint16_t handle, uint8_t tx_phys, uint8_t rx_phys,
		   uint8_t coded, bh_gap_done_cb cb, void *ctx)
{
	if (!phys_valid(gap, tx_phys, rx_phys) || coded > BH_GAP_CODED_S8)
		return BH_EINVAL;
	if (!gap_slot_find(gap, handle))
		return BH_ENOTFOUND;
	if (!gap_supports(gap, BH_SUP_LE_SET_PHY))
		return BH_ENOTSUP;
	uint8_t p[7];
	bh_put16(p, handle);
	p[2] = all_phys(tx_phys, rx_phys);
	p[3] = tx_phys;
	p[4] = rx_phys;
	bh_put16(p + 5, coded);
	return gap_misc_cmd(gap, BH_HCI_LE_SET_PHY, p, sizeof(p), cb, ctx);
}

void gap_on_data_length_change(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Connection_Handle(2) MaxTxOctets MaxTxTime MaxRxOctets MaxRxTime */
	if (len < 10)
		return;
	uint16_t handle = bh_get16(p) & 0x0fff;
	uint16_t to = bh_get16(p + 2), tt = bh_get16(p + 4), ro = bh_get16(p + 6),
		 rt = bh_get16(p + 8);
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s)
		return;
	/* Values outside the specification's range are a controller bug:
	 * keep what we had rather than trust them. */
	if (!dl_valid(to, tt) || !dl_valid(ro, rt)) {
		gap_log(gap, BH_LOG_INFO, "connection 0x%03x: bad data length change dropped",
			handle);
		return;
	}
	s->c.max_tx_octets = to;
	s->c.max_tx_time = tt;
	s->c.max_rx_octets = ro;
	s->c.max_rx_time = rt;
	gap_log(gap, BH_LOG_INFO, "connection 0x%03x: data length tx %u octets / %u us, rx %u / %u",
		handle, to, tt, ro, rt);
	if (gap->port.data_length_changed)
		gap->port.data_length_changed(gap->port.ctx, &s->c);
}

void gap_on_phy_update_complete(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Status Connection_Handle(2) TX_PHY RX_PHY */
	if (len < 5)
		return;
	uint8_t status = p[0];
	uint16_t handle = bh_get16(p + 1) & 0x0fff;
	uint8_t tx = p[3], rx = p[4];
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s)
		return;
	bh_status st = status ? BH_HCI_STATUS(status) : BH_OK;
	if (!status) {
		if (tx < BH_GAP_PHY_1M || tx > BH_GAP_PHY_CODED || rx < BH_GAP_PHY_1M ||
		    rx > BH_GAP_PHY_CODED) {
			gap_log(gap, BH_LOG_INFO, "connection 0x%03x: bad PHY update dropped",
				handle);
			return;
		}
		s->c.tx_phy = tx;
		s->c.rx_phy = rx;
		gap_log(gap, BH_LOG_INFO, "connection 0x%03x: PHY tx %s rx %s", handle,
			bh_gap_phy_str(tx), bh_gap_phy_str(rx));
	}
	if (gap->port.phy_updated)
		gap->port.phy_updated(gap->port.ctx, &s->c, st);
}
