/* Link-layer controls at the host API (<blehost/host_link.h>): connection
 * parameter updates in either role, Data Length Extension and PHY, in ms
 * and octets; HCI units stay below. */
#include "host_internal.h"

#include <blehost/chipset.h>
#include <blehost/host_link.h>

#include <string.h>

static bool le_feature(const uint8_t f[8], unsigned bit)
{
	return (f[bit / 8] >> (bit % 8)) & 1;
}

void host_link_report(struct bh_host *h, const struct bh_gap_conn *gc, bh_status st)
{
	if (gc && h->ev.conn_updated)
		h->ev.conn_updated(h->ev.ctx, gc->handle, st, gc->interval * 1.25, gc->latency,
				   gc->supervision_timeout * 10u);
}

static void report(struct bh_host *h, uint16_t handle, bh_status st)
{
	host_link_report(h, bh_gap_conn_get(h->gap, handle), st);
}

static int l2cap_update(struct bh_host *h, struct host_conn *c)
{
	struct bh_l2cap_conn_params lp = { c->upd.interval_min, c->upd.interval_max,
					   c->upd.latency, c->upd.supervision_timeout };
	int rc = bh_l2cap_conn_param_update(h->l2cap, c->handle, &lp);
	if (rc == BH_OK) {
		c->upd_state = HOST_UPD_L2CAP;
		host_log(h, BH_LOG_INFO, "conn 0x%04x: L2CAP Connection Parameter Update Request",
			 c->handle);
	}
	return rc;
}

/* GAP calls this when LE Connection Update ends: with the Command Status
 * of a refused command, or with LE Connection Update Complete, just
 * before port.conn_updated (host_link_conn_updated) reports the same. A
 * failure is handled here once, and its echo swallowed there. */
static void ll_done(void *ctx, bh_status st)
{
	struct host_conn *c = ctx;
	struct bh_host *h = c->h;
	if (!c->used || c->upd_state != HOST_UPD_LL)
		return;
	c->upd_state = HOST_UPD_NONE;
	c->upd_result = st;
	if (!st || st == BH_EDISCONNECTED)
		return;
	c->upd_swallow = st;
	/* Unsupported Remote Feature (0x1a): the central's controller lacks
	 * the Connection Parameters Request procedure; ask over L2CAP. */
	if (!c->central && st == BH_HCI_STATUS(0x1a) && l2cap_update(h, c) == BH_OK)
		return;
	report(h, c->handle, st);
}

int bh_host_conn_update(struct bh_host *h, uint16_t handle, const struct bh_host_conn_params *p)
{
	/* The one ms->units rule (host.h): an update and a connection accept
	 * the same values. Scan times are converted too, and ignored here. */
	struct bh_gap_conn_params gp;
	int rc = bh_host_conn_params_hci(p, &gp);
	if (rc)
		return rc;
	struct host_conn *c = host_conn_find(h, handle);
	const struct bh_gap_conn *gc = bh_gap_conn_get(h->gap, handle);
	if (!c || !gc)
		return BH_ENOTFOUND;
	if (c->upd_state != HOST_UPD_NONE)
		return BH_EBUSY;
	c->upd = gp;
	c->upd_swallow = BH_OK;
	const struct bh_hci_info *in = bh_hci_info(h->hci);
	bool ll = c->central || (le_feature(in->le_features, 1) && gc->features_valid &&
				 le_feature(gc->features, 1));
	if (!ll)
		return l2cap_update(h, c);
	c->upd_state = HOST_UPD_LL;
	rc = bh_gap_conn_update(h->gap, handle, &gp, ll_done, c);
	if (rc)
		c->upd_state = HOST_UPD_NONE;
	return rc;
}

void host_link_l2cap_apply(struct bh_host *h, uint16_t handle, const struct bh_gap_conn_params *p)
{
	struct host_conn *c = host_conn_find(h, handle);
	int rc = bh_gap_conn_update(h->gap, handle, p, NULL, NULL);
	if (rc == BH_EBUSY && c) {
		/* One LL procedure at a time: after ours. */
		c->l2_upd = *p;
		c->l2_upd_queued = true;
	} else if (rc) {
		host_log(h, BH_LOG_WARN, "conn 0x%04x: cannot apply the peripheral's parameters: %s",
			 handle, bh_strerror(rc));
	}
}

bool host_link_conn_updated(struct bh_host *h, uint16_t handle, bh_status st)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return false;
	if (c->l2_upd_queued) {
		c->l2_upd_queued = false;
		host_link_l2cap_apply(h, handle, &c->l2_upd);
	}
	if (st && st == c->upd_swallow) {
		c->upd_swallow = BH_OK;
		return true;
	}
	if (c->upd_state == HOST_UPD_L2CAP && !st) {
		/* the central applied what we asked for over L2CAP */
		c->upd_state = HOST_UPD_NONE;
		c->upd_result = BH_OK;
	}
	return false;
}

void host_link_l2cap_result(void *ctx, uint16_t handle, bh_status st)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, handle);
	if (!c || c->upd_state != HOST_UPD_L2CAP)
		return;
	if (st == BH_OK)
		return; /* accepted: LE Connection Update Complete follows */
	c->upd_state = HOST_UPD_NONE;
	c->upd_result = st == BH_L2CAP_RESULT(1) ? BH_EPERM : st;
	host_log(h, BH_LOG_INFO, "conn 0x%04x: central refused the parameters: %s", handle,
		 bh_strerror(st));
	if (st != BH_EDISCONNECTED)
		report(h, handle, c->upd_result);
}

int bh_host_link_get(struct bh_host *h, uint16_t handle, struct bh_host_link *out)
{
	const struct bh_gap_conn *gc = bh_gap_conn_get(h->gap, handle);
	if (!gc)
		return BH_ENOTFOUND;
	*out = (struct bh_host_link){
		.central = gc->role == BH_GAP_ROLE_CENTRAL,
		.interval_ms = gc->interval * 1.25,
		.latency = gc->latency,
		.timeout_ms = gc->supervision_timeout * 10u,
		.tx_octets = gc->max_tx_octets,
		.tx_time_us = gc->max_tx_time,
		.rx_octets = gc->max_rx_octets,
		.rx_time_us = gc->max_rx_time,
		.tx_phy = gc->tx_phy,
		.rx_phy = gc->rx_phy,
	};
	return BH_OK;
}

static void cmd_logged(void *ctx, bh_status st)
{
	if (st)
		host_log(ctx, BH_LOG_WARN, "link command failed: %s", bh_strerror(st));
}

int bh_host_set_data_length(struct bh_host *h, uint16_t handle, uint16_t tx_octets,
			    uint16_t tx_time_us)
{
	return bh_gap_set_data_length(h->gap, handle, tx_octets, tx_time_us, cmd_logged, h);
}

/* LE Set PHY's Command Status failure never becomes a PHY Update Complete:
 * report it as one, so the caller always hears the outcome. */
static void phy_done(void *ctx, bh_status st)
{
	struct host_conn *c = ctx;
	if (!c->used || !c->phy_pending || !st)
		return; /* accepted: PHY Update Complete follows */
	c->phy_pending = false;
	c->phy_result = st;
	struct bh_host *h = c->h;
	const struct bh_gap_conn *gc = bh_gap_conn_get(h->gap, c->handle);
	if (st != BH_EDISCONNECTED && gc && h->link_ev.phy_updated)
		h->link_ev.phy_updated(h->link_ev.ctx, c->handle, st, gc->tx_phy, gc->rx_phy);
}

int bh_host_set_phy(struct bh_host *h, uint16_t handle, uint8_t phys, uint8_t coded)
{
	struct host_conn *c = host_conn_find(h, handle);
	if (!c)
		return BH_ENOTFOUND;
	if (c->phy_pending)
		return BH_EBUSY;
	c->phy_pending = true;
	int rc = bh_gap_set_phy(h->gap, handle, phys, phys, coded, phy_done, c);
	if (rc)
		c->phy_pending = false;
	return rc;
}

int bh_host_set_default_phy(struct bh_host *h, uint8_t phys)
{
	return bh_gap_set_default_phy(h->gap, phys, phys, cmd_logged, h);
}

int bh_host_phy_parse(const char *s, uint8_t *phys, uint8_t *coded)
{
	static const struct {
		const char *name;
		uint8_t phys, coded;
	} t[] = {
		{ "1m", BH_HOST_PHY_1M, 0 },
		{ "2m", BH_HOST_PHY_2M, 0 },
		{ "coded", BH_HOST_PHY_CODED, BH_HOST_CODED_ANY },
		{ "coded-s2", BH_HOST_PHY_CODED, BH_HOST_CODED_S2 },
		{ "coded-s8", BH_HOST_PHY_CODED, BH_HOST_CODED_S8 },
	};
	for (size_t i = 0; s && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].name)) {
			*phys = t[i].phys;
			*coded = t[i].coded;
			return 0;
		}
	return -1;
}

void bh_host_set_link_events(struct bh_host *h, const struct bh_host_link_events *ev)
{
	if (ev)
		h->link_ev = *ev;
	else
		memset(&h->link_ev, 0, sizeof(h->link_ev));
}

void host_link_data_length(void *ctx, const struct bh_gap_conn *gc)
{
	struct bh_host *h = ctx;
	host_log(h, BH_LOG_INFO, "conn 0x%04x: data length tx %u octets/%u us, rx %u/%u",
		 gc->handle, gc->max_tx_octets, gc->max_tx_time, gc->max_rx_octets,
		 gc->max_rx_time);
	if (h->link_ev.data_length_changed)
		h->link_ev.data_length_changed(h->link_ev.ctx, gc->handle, gc->max_tx_octets,
					       gc->max_tx_time, gc->max_rx_octets,
					       gc->max_rx_time);
}

void host_link_phy(void *ctx, const struct bh_gap_conn *gc, bh_status st)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, gc->handle);
	if (c) {
		c->phy_pending = false;
		c->phy_result = st;
	}
	host_log(h, st ? BH_LOG_WARN : BH_LOG_INFO, "conn 0x%04x: PHY update %s: tx %s rx %s",
		 gc->handle, st ? bh_strerror(st) : "done", bh_gap_phy_str(gc->tx_phy),
		 bh_gap_phy_str(gc->rx_phy));
	if (h->link_ev.phy_updated)
		h->link_ev.phy_updated(h->link_ev.ctx, gc->handle, st, gc->tx_phy, gc->rx_phy);
}

/* BD_ADDR reads all zero, or the chipset quirk table says the part has
 * no address of its own. */
bool bh_host_no_public_address(const struct bh_host *h)
{
	static const uint8_t zero[6];
	const struct bh_chipset_report *r = bh_host_chipset(h);
	if (r && r->quirks & BH_QUIRK_NO_PUBLIC_ADDRESS)
		return true;
	return !memcmp(bh_hci_info(h->hci)->bdaddr.val, zero, 6);
}

bh_addr bh_host_own_address(struct bh_host *h)
{
	return bh_gap_own_address(h->gap);
}

/* Runs the loop in short slices until the request ends, the link goes or
 * the time is up. The connection is looked up afresh each time: any
 * callback may end the link meanwhile. */
static int wait_conn(struct bh_host *h, uint16_t handle, bool phy, unsigned timeout_ms)
{
	for (unsigned waited = 0;; waited += 10) {
		/* A lost controller takes every link with it: say that, not
		 * that this one went. */
		if (h->fatal)
			return h->fatal_reason;
		struct host_conn *c = host_conn_find(h, handle);
		if (!c)
			return BH_EDISCONNECTED;
		if (phy && !c->phy_pending)
			return c->phy_result;
		if (!phy && c->upd_state == HOST_UPD_NONE)
			return c->upd_result;
		if (waited >= timeout_ms)
			return BH_ETIMEDOUT;
		bh_host_run_for(h, 10);
	}
}

int bh_host_conn_update_sync(struct bh_host *h, uint16_t handle,
			     const struct bh_host_conn_params *p, unsigned timeout_ms)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	/* A lost link or controller is named, as by every blocking helper. */
	int rc = host_link_status(h, handle);
	if (!rc)
		rc = bh_host_conn_update(h, handle, p);
	return rc ? rc : wait_conn(h, handle, false, timeout_ms);
}

int bh_host_set_phy_sync(struct bh_host *h, uint16_t handle, uint8_t phys, uint8_t coded,
			 unsigned timeout_ms)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	int rc = host_link_status(h, handle);
	if (!rc)
		rc = bh_host_set_phy(h, handle, phys, coded);
	return rc ? rc : wait_conn(h, handle, true, timeout_ms);
}
