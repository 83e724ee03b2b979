/* Facts about a link that only extended-capable controllers report: the
 * Channel Selection Algorithm (7.7.65.20) and the advertising set that
 * created a peripheral link (Enhanced Connection Complete v2, Advertising
 * Set Terminated).
 */
#include "gap_internal.h"

/* LE Channel Selection Algorithm (7.7.65.20): 0 = #1, 1 = #2. */
void gap_on_csa(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Connection_Handle(2) Channel_Selection_Algorithm(1) (7.7.65.20) */
	uint16_t h = len >= 3 ? bh_get16(p) & 0x0fff : 0;
	uint8_t algo = len >= 3 ? p[2] : 0;
	struct gap_conn_slot *s = len >= 3 ? gap_slot_find(gap, h) : NULL;
	if (!s || algo > 1) {
		gap_log(gap, BH_LOG_DEBUG, "channel selection event for 0x%03x ignored", h);
		return;
	}
	s->csa = (uint8_t)(algo + 2); /* stored as algorithm number + 1 */
}

uint8_t bh_gap_conn_csa(const struct bh_gap *gap, uint16_t handle)
{
	const struct gap_conn_slot *s = gap_slot_find(gap, handle);
	return s && s->csa ? (uint8_t)(s->csa - 1) : 0;
}

uint8_t bh_gap_conn_adv_handle(const struct bh_gap *gap, uint16_t handle)
{
	const struct gap_conn_slot *s = gap_slot_find(gap, handle);
	return s && s->adv_handle ? (uint8_t)(s->adv_handle - 1) : 0xff;
}
