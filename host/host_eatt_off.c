/* EATT in a build with -Dl2cap_coc=false: no enhanced credit-based
 * channels, so no enhanced bearer can ever open. host_eatt_init still asks
 * L2CAP to register SPSM 0x0027 when eatt_bearers > 0, so that bh_host_new
 * fails as it does with host_eatt.c (L2CAP answers BH_ENOTSUP and logs the
 * option); with eatt_bearers 0 every link has its unenhanced bearer only,
 * which is what host_eatt.c does then too. Peers' ECFC requests are refused
 * in l2cap_coc_off.c before they reach the host, which then has no channel
 * callbacks at all (BH_HOST_NO_COC). */
#include "host_internal.h"

#include <string.h>

int host_eatt_init(struct bh_host *h)
{
	if (!h->cfg.eatt_bearers)
		return 0;
	return bh_l2cap_coc_register(h->l2cap, HOST_EATT_SPSM);
}

void host_eatt_link_encrypted(struct bh_host *h, struct host_conn *c) { (void)h, (void)c; }

struct bh_att *host_eatt_pick(struct host_conn *c) { return c->att; }

uint16_t host_eatt_mtu(struct host_conn *c) { return bh_att_mtu(c->att); }

void host_eatt_cancel(struct host_conn *c, void *cbctx) { bh_att_cancel(c->att, cbctx); }

int bh_host_eatt_info(struct bh_host *h, uint16_t handle, struct bh_host_eatt_info *out)
{
	if (!host_conn_find(h, handle) || !out)
		return BH_ENOTFOUND;
	memset(out, 0, sizeof(*out));
	return BH_OK;
}
