/* blehost host: link-layer controls of a connection, in application units
 * (milliseconds, octets), for both roles: connection parameter updates,
 * Data Length Extension and PHY (Core 5.0), and what the host decided
 * about the controller's own address.
 *
 * Every request is asynchronous: the outcome arrives as an event, and any
 * event may come without a request (the peer or the controller changed the
 * link on its own). Intervals are given in ms (multiples of 1.25 ms),
 * timeouts in ms (multiples of 10 ms); HCI units stay inside the stack.
 */
#ifndef BH_HOST_LINK_H
#define BH_HOST_LINK_H

#include <blehost/host.h>

#include <stdbool.h>
#include <stdint.h>

/* Connection parameters: struct bh_host_conn_params (<blehost/host.h>);
 * an update uses its interval, latency and supervision timeout only. */

/* Asks for new connection parameters on a link, either role. Central: the
 * LL Connection Update procedure (LE Connection Update). Peripheral: the
 * LL Connection Parameters Request procedure when both controllers support
 * it (LE feature bit 1, remote features known), else (or when the
 * controller answers Unsupported Remote Feature) the L2CAP Connection
 * Parameter Update Request (Vol 3, Part A, 4.20). The parameters finally in
 * force arrive on events.conn_updated; a refusal by the central over L2CAP
 * arrives there as BH_EPERM with the unchanged parameters. Returns BH_OK,
 * BH_EINVAL (p fails bh_host_conn_params_hci: zero fields take its
 * defaults, values are rounded to whole units), BH_ENOTFOUND,
 * BH_EBUSY (an update is already running on the link). */
int bh_host_conn_update(struct bh_host *h, uint16_t handle, const struct bh_host_conn_params *p);

/* The same, running the loop until the update ends: BH_OK with the new
 * parameters in force (bh_host_link_get), BH_EPERM (the central refused),
 * the controller's error or loss, BH_ETIMEDOUT, BH_EDISCONNECTED (also for a
 * link that had already gone). */
int bh_host_conn_update_sync(struct bh_host *h, uint16_t handle,
			     const struct bh_host_conn_params *p, unsigned timeout_ms);

/* What a link is like now. */
struct bh_host_link {
	bool central;
	double interval_ms;
	uint16_t latency;
	unsigned timeout_ms;
	uint16_t tx_octets, tx_time_us, rx_octets, rx_time_us; /* LL data length */
	uint8_t tx_phy, rx_phy; /* BH_GAP_PHY_1M, _2M, _CODED */
};
int bh_host_link_get(struct bh_host *h, uint16_t handle, struct bh_host_link *out);

/* Data Length Extension: on by default (largest payload on every link both
 * controllers allow). This asks for tx_octets (27..251) / tx_time_us
 * (328..17040) on one link; events.data_length_changed reports the result.
 * BH_ENOTSUP when the controller lacks LE Set Data Length. */
int bh_host_set_data_length(struct bh_host *h, uint16_t handle, uint16_t tx_octets,
			    uint16_t tx_time_us);

/* PHY preference as a set: BH_HOST_PHY_* bits. */
enum { BH_HOST_PHY_1M = 1, BH_HOST_PHY_2M = 2, BH_HOST_PHY_CODED = 4 };
/* Coded PHY coding preference. */
enum { BH_HOST_CODED_ANY = 0, BH_HOST_CODED_S2 = 1, BH_HOST_CODED_S8 = 2 };
/* LE Set PHY on one link (both directions); events.phy_updated reports
 * the PHYs in force. BH_EINVAL for a PHY the controller lacks. */
int bh_host_set_phy(struct bh_host *h, uint16_t handle, uint8_t phys, uint8_t coded);
/* The same, running the loop until PHY Update Complete: BH_OK (PHYs in
 * bh_host_link_get), the controller's error or loss, BH_ETIMEDOUT,
 * BH_EDISCONNECTED (the link went, now or before). */
int bh_host_set_phy_sync(struct bh_host *h, uint16_t handle, uint8_t phys, uint8_t coded,
			 unsigned timeout_ms);
/* LE Set Default PHY for later links (0 = no preference). */
int bh_host_set_default_phy(struct bh_host *h, uint8_t phys);
/* "1m", "2m", "coded", "coded-s2", "coded-s8" to a set and coding. 0 or -1. */
int bh_host_phy_parse(const char *s, uint8_t *phys, uint8_t *coded);

/* Link events; every member may be NULL. */
struct bh_host_link_events {
	void *ctx;
	void (*data_length_changed)(void *ctx, uint16_t handle, uint16_t tx_octets,
				    uint16_t tx_time_us, uint16_t rx_octets, uint16_t rx_time_us);
	/* status BH_OK with the PHYs in force, or the controller's error. */
	void (*phy_updated)(void *ctx, uint16_t handle, bh_status status, uint8_t tx_phy,
			    uint8_t rx_phy);
};
void bh_host_set_link_events(struct bh_host *h, const struct bh_host_link_events *ev);

/* The controller reported no public address (BD_ADDR 00:00:00:00:00:00):
 * the host then uses its stored random static address everywhere. */
bool bh_host_no_public_address(const struct bh_host *h);
/* Our address as peers see it now (random static, RPA or public). */
bh_addr bh_host_own_address(struct bh_host *h);

#endif
