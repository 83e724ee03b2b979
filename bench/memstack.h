/* memstack: the blehost layers wired together in memory, for benchmarks.
 *
 * One stack (HCI, L2CAP, GAP, one ATT bearer, a GATT client and a GATT
 * server holding the demo database) is wired the way host/host_conn.c and
 * host/host_lower.c wire them, but its HCI port talks to a tiny in-memory
 * controller instead of a transport: commands are answered with Command
 * Complete, every ACL packet the host sends is counted and answered with a
 * Number Of Completed Packets event (one LE buffer of 192 bytes, like
 * btvirt). No fds, no clock reads (manual clock), no randomness (seeded).
 *
 * This is bench code, not part of libblehost: it exists because the host
 * object (<blehost/host.h>) always opens a transport and has no in-memory one.
 */
#ifndef BH_BENCH_MEMSTACK_H
#define BH_BENCH_MEMSTACK_H

#include <blehost/att.h>
#include "demo_db.h"
#include <blehost/gap.h>
#include <blehost/gatt.h>
#include <blehost/hci.h>
#include <blehost/l2cap.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_HANDLE 0x0040 /* the one connection's handle */

struct memstack {
	bh_time_ms now;
	struct bh_env env;
	struct bh_xrand xrand;

	struct bh_hci *hci;
	struct bh_hci_port hci_port;
	struct bh_l2cap *l2cap;
	struct bh_l2cap_port l2cap_port;
	struct bh_gap *gap;
	struct bh_gap_port gap_port;
	struct bh_gatts *gatts;
	struct bh_gatts_port gatts_port;
	struct bh_gatts_events gatts_events;
	struct demo_handles dh;

	/* The connection (after ms_connect). */
	bool connected;
	struct bh_att *att;
	struct bh_att_port att_port;
	struct bh_gattc *gattc;
	struct bh_gattc_port gattc_port;
	struct bh_gattc_events gattc_events;

	/* In-memory controller: commands waiting for their answer (answered by
	 * ms_pump, never from inside port.send, as a real transport would). */
	uint16_t cmd_queue[32];
	unsigned n_cmds;
	unsigned nocp_owed; /* ACL packets sent and not yet completed */
	uint64_t acl_out_pkts, acl_out_bytes, cmd_out;
	bool ready;
	bh_status ready_status;
	unsigned fatal_calls;
	uint8_t last_acl[260];
	size_t last_acl_len;

	/* What reached the application. */
	uint64_t app_notifications, app_notify_bytes;
	uint64_t att_server_pdus;
};

/* Creates every layer and brings the fake controller up. 0 or -1. */
int ms_init(struct memstack *ms);
void ms_free(struct memstack *ms);
/* Delivers what the controller owes: command answers, then NOCP. */
void ms_pump(struct memstack *ms);
/* Feeds LE Connection Complete (peripheral role) for MS_HANDLE and wires
 * the connection's bearer and GATT client. 0 or -1. */
int ms_connect(struct memstack *ms);
/* Feeds one HCI ACL packet (handle header included, no H4 byte). */
void ms_acl_in(struct memstack *ms, const uint8_t *pkt, size_t len);
/* Builds an ACL packet carrying one ATT PDU on CID 4; returns its length. */
size_t ms_build_att_acl(uint8_t *out, size_t cap, const uint8_t *pdu, size_t len);
/* Subscribes the (simulated) peer to notifications of value handle vh by a
 * Write Request to its CCCD; true when the server accepted it. */
bool ms_peer_subscribe(struct memstack *ms, uint16_t vh);

#endif
