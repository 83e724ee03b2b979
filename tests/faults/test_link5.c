/* Bluetooth 5 link features against the fake controller (suite 'faults'),
 * for what neither btvirt nor Bumble's controller implements: LE Set Data
 * Length / Data Length Change, LE Set PHY / PHY Update Complete, the L2CAP
 * fallback of a peripheral's parameter request, and a controller without a
 * public address. The fake plays a 5.0 controller (supported-commands bits
 * and LE features below) and the test checks the exact HCI bytes the host
 * sends (Vol 4, Part E, 7.8.33, 7.8.48, 7.8.49) and answers with the exact
 * events of the Core Specification (7.7.65.7, 7.7.65.12, 7.7.65.3). */
#include "fake_host.h"
#include <blehost/gap.h>
#include <blehost/hci.h>
#include <blehost/host.h>
#include <blehost/host_link.h>
#include <blehost/l2cap.h>
#include <blehost/smp_crypto.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned dl_events, phy_events, upd_events;
	uint16_t dl_tx;
	bh_status phy_st, upd_st;
	uint8_t tx_phy, rx_phy;
	double upd_interval;
};

static void ev_updated(void *ctx, uint16_t handle, bh_status st, double interval_ms,
		       uint16_t latency, unsigned timeout_ms)
{
	struct lx *x = ctx;
	(void)handle;
	(void)latency;
	(void)timeout_ms;
	x->upd_events++;
	x->upd_st = st;
	x->upd_interval = interval_ms;
}

static void ev_dl(void *ctx, uint16_t handle, uint16_t txo, uint16_t txt, uint16_t rxo,
		  uint16_t rxt)
{
	struct lx *x = ctx;
	(void)handle;
	(void)txt;
	(void)rxo;
	(void)rxt;
	x->dl_events++;
	x->dl_tx = txo;
}

static void ev_phy(void *ctx, uint16_t handle, bh_status st, uint8_t tx, uint8_t rx)
{
	struct lx *x = ctx;
	(void)handle;
	x->phy_events++;
	x->phy_st = st;
	x->tx_phy = tx;
	x->rx_phy = rx;
}

/* A 5.0 controller: btvirt's bring-up answers plus the DLE/PHY/privacy
 * commands, LE features LE Encryption, Connection Parameters Request,
 * Data Packet Length Extension, LL Privacy, 2M and Coded PHY, and 4 LE
 * buffers of 251 bytes. zero_bdaddr: BD_ADDR 00:00:00:00:00:00. */
static struct lx *lx_new(bool zero_bdaddr)
{
	struct lx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "FAULTS_VERBOSE", BH_LOG_WARN);
	const uint16_t sup[] = { BH_SUP_LE_CONN_UPDATE, BH_SUP_LE_SET_DATA_LENGTH,
				 BH_SUP_LE_WRITE_SUGG_DATA_LENGTH, BH_SUP_LE_SET_DEFAULT_PHY,
				 BH_SUP_LE_SET_PHY };
	fake_add_commands(x->fh.f, sup, sizeof(sup) / sizeof(sup[0]));
	/* Status, LE_Features: bits 0, 1, 5, 6 | 8, 11 */
	fake_set_answer(x->fh.f, 0x2003, "\x00\x63\x09\x00\x00\x00\x00\x00\x00", 9);
	/* Status, LE_ACL_Data_Packet_Length 251, Total_Num 4 */
	fake_set_answer(x->fh.f, 0x2002, "\x00\xfb\x00\x04", 4);
	if (zero_bdaddr)
		fake_set_answer(x->fh.f, 0x1009, "\x00\x00\x00\x00\x00\x00\x00", 7);
	fake_set_async(x->fh.f, BH_HCI_LE_SET_PHY);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.conn_updated = ev_updated;
	fake_host_start(&x->fh, &cfg, &ev);
	struct bh_host_link_events lev = { .ctx = x, .data_length_changed = ev_dl,
					   .phy_updated = ev_phy };
	bh_host_set_link_events(x->fh.h, &lev);
	return x;
}

static void lx_connect(struct lx *x, bool central, const uint8_t remote_features[8])
{
	fake_set_remote_features(x->fh.f, remote_features);
	assert_int_equal(fake_connect(x->fh.f, central), 0);
	for (int i = 0; i < 50 && !x->fh.connected; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(x->fh.connected, 1);
	/* the remote features decide what follows (DLE, LL or L2CAP update) */
	const struct bh_gap_conn *gc = NULL;
	for (int i = 0; i < 300; i++) {
		gc = bh_gap_conn_get(bh_host_gap(x->fh.h), x->fh.conn);
		if (gc && gc->features_valid)
			break;
		fake_run(x->fh.f, 10);
	}
	assert_true(gc && gc->features_valid);
	fake_run(x->fh.f, 20);
}

/* Runs the host until it has sent opcode n times (bounded: 3 s), so that
 * no check depends on how fast a loaded machine runs the loop. */
static void wait_cmd(struct lx *x, uint16_t opcode, unsigned n)
{
	for (int i = 0; i < 300 && fake_cmd_count(x->fh.f, opcode) < n; i++)
		fake_run(x->fh.f, 10);
	assert_true(fake_cmd_count(x->fh.f, opcode) >= n);
}

/* Runs the host until *counter reaches n (bounded: 3 s). */
static void wait_count(struct lx *x, const unsigned *counter, unsigned n)
{
	for (int i = 0; i < 300 && *counter < n; i++)
		fake_run(x->fh.f, 10);
}

static void lx_free(struct lx *x)
{
	fake_host_fini(&x->fh);
	free(x);
}

static const uint8_t feat_dle_cpr[8] = { 0x23 }; /* encryption, conn param req, DLE */
static const uint8_t feat_enc_only[8] = { 0x01 };

/* DLE is on by default: with both sides supporting it the host asks for
 * 251 octets / 2120 us on the new link, takes the Data Length Change, and
 * then sends a 200-byte ATT PDU in one 204-byte ACL packet (the 251-byte
 * controller buffer, not 27-byte pieces). */
static void dle_default_on(void **state)
{
	(void)state;
	struct lx *x = lx_new(false);
	uint8_t p[16];
	/* LE Write Suggested Default Data Length at bring-up: 251, 2120 */
	wait_cmd(x, BH_HCI_LE_WRITE_SUGG_DATA_LENGTH, 1);
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_WRITE_SUGG_DATA_LENGTH, p, sizeof(p)), 4);
	static const uint8_t sugg[4] = { 0xfb, 0x00, 0x48, 0x08 };
	assert_memory_equal(p, sugg, 4);
	lx_connect(x, true, feat_dle_cpr);
	wait_cmd(x, BH_HCI_LE_SET_DATA_LENGTH, 1);
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_SET_DATA_LENGTH, p, sizeof(p)), 6);
	static const uint8_t want[6] = { 0x40, 0x00, 0xfb, 0x00, 0x48, 0x08 };
	assert_memory_equal(p, want, 6);
	/* LE Data Length Change: handle, MaxTx 251/2120, MaxRx 251/2120 */
	static const uint8_t dlc[11] = { 0x07, 0x40, 0x00, 0xfb, 0x00, 0x48, 0x08,
					 0xfb, 0x00, 0x48, 0x08 };
	assert_int_equal(fake_event(x->fh.f, 0x3e, dlc, sizeof(dlc)), 0);
	wait_count(x, &x->dl_events, 1);
	assert_int_equal(x->dl_events, 1);
	assert_int_equal(x->dl_tx, 251);
	struct bh_host_link k;
	assert_int_equal(bh_host_link_get(x->fh.h, x->fh.conn, &k), 0);
	assert_int_equal(k.tx_octets, 251);
	assert_int_equal(k.rx_time_us, 2120);

	unsigned before, max;
	fake_acl_stats(x->fh.f, &before, &max);
	uint8_t big[200];
	memset(big, 0x5a, sizeof(big));
	big[0] = 0x52; /* Write Command, handle 0x0003 */
	big[1] = 0x03;
	big[2] = 0x00;
	assert_int_equal(bh_l2cap_send_fixed(bh_host_l2cap(x->fh.h), x->fh.conn, 4, big, sizeof(big)), 0);
	unsigned after = before;
	for (int i = 0; i < 300 && after == before; i++) {
		fake_run(x->fh.f, 10);
		fake_acl_stats(x->fh.f, &after, &max);
	}
	fake_run(x->fh.f, 20); /* a second fragment would follow at once */
	fake_acl_stats(x->fh.f, &after, &max);
	assert_int_equal(after - before, 1);
	assert_int_equal(max, 204);

	/* A value out of the specification's range is a controller bug:
	 * dropped, the link keeps what it had. */
	static const uint8_t bad[11] = { 0x07, 0x40, 0x00, 0x00, 0x01, 0x48, 0x08,
					 0xfb, 0x00, 0x48, 0x08 };
	fake_event(x->fh.f, 0x3e, bad, sizeof(bad));
	fake_run(x->fh.f, 30);
	assert_int_equal(x->dl_events, 1);
	lx_free(x);
}

/* A peer without DLE: no LE Set Data Length; the API still asks. */
static void dle_peer_without(void **state)
{
	(void)state;
	struct lx *x = lx_new(false);
	lx_connect(x, true, feat_enc_only);
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_LE_SET_DATA_LENGTH), 0);
	assert_int_equal(bh_host_set_data_length(x->fh.h, x->fh.conn, 100, 1000), 0);
	assert_int_equal(bh_host_set_data_length(x->fh.h, x->fh.conn, 26, 1000), BH_EINVAL);
	wait_cmd(x, BH_HCI_LE_SET_DATA_LENGTH, 1);
	uint8_t p[8];
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_SET_DATA_LENGTH, p, sizeof(p)), 6);
	static const uint8_t want[6] = { 0x40, 0x00, 0x64, 0x00, 0xe8, 0x03 };
	assert_memory_equal(p, want, 6);
	lx_free(x);
}

/* LE Set PHY 2M: exact bytes, Command Status, then PHY Update Complete
 * reported with the PHYs in force; Coded S8; a default preference. */
static void phy_update(void **state)
{
	(void)state;
	struct lx *x = lx_new(false);
	lx_connect(x, true, feat_dle_cpr);
	assert_int_equal(bh_host_set_phy(x->fh.h, x->fh.conn, BH_HOST_PHY_2M, 0), 0);
	wait_cmd(x, BH_HCI_LE_SET_PHY, 1);
	uint8_t p[8];
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_SET_PHY, p, sizeof(p)), 7);
	static const uint8_t want[7] = { 0x40, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00 };
	assert_memory_equal(p, want, 7);
	/* LE PHY Update Complete: status 0, handle, TX_PHY 2, RX_PHY 2 */
	static const uint8_t puc[6] = { 0x0c, 0x00, 0x40, 0x00, 0x02, 0x02 };
	fake_event(x->fh.f, 0x3e, puc, sizeof(puc));
	wait_count(x, &x->phy_events, 1);
	assert_int_equal(x->phy_events, 1);
	assert_int_equal(x->phy_st, BH_OK);
	assert_int_equal(x->tx_phy, BH_GAP_PHY_2M);
	struct bh_host_link k;
	assert_int_equal(bh_host_link_get(x->fh.h, x->fh.conn, &k), 0);
	assert_int_equal(k.rx_phy, BH_GAP_PHY_2M);

	assert_int_equal(bh_host_set_phy(x->fh.h, x->fh.conn, BH_HOST_PHY_CODED, BH_HOST_CODED_S8), 0);
	wait_cmd(x, BH_HCI_LE_SET_PHY, 2);
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_SET_PHY, p, sizeof(p)), 7);
	static const uint8_t want8[7] = { 0x40, 0x00, 0x00, 0x04, 0x04, 0x02, 0x00 };
	assert_memory_equal(p, want8, 7);
	/* The peer refused: PHY Update Complete with an error, PHY kept. */
	static const uint8_t fail[6] = { 0x0c, 0x1a, 0x40, 0x00, 0x02, 0x02 };
	fake_event(x->fh.f, 0x3e, fail, sizeof(fail));
	wait_count(x, &x->phy_events, 2);
	assert_int_equal(x->phy_events, 2);
	assert_int_equal(x->phy_st, BH_HCI_STATUS(0x1a));
	assert_int_equal(bh_host_link_get(x->fh.h, x->fh.conn, &k), 0);
	assert_int_equal(k.tx_phy, BH_GAP_PHY_2M);

	assert_int_equal(bh_host_set_default_phy(x->fh.h, BH_HOST_PHY_1M | BH_HOST_PHY_2M), 0);
	wait_cmd(x, BH_HCI_LE_SET_DEFAULT_PHY, 1);
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_SET_DEFAULT_PHY, p, sizeof(p)), 3);
	static const uint8_t wantd[3] = { 0x00, 0x03, 0x03 };
	assert_memory_equal(p, wantd, 3);
	/* 8 is no PHY */
	assert_int_equal(bh_host_set_phy(x->fh.h, x->fh.conn, 8, 0), BH_EINVAL);
	lx_free(x);
}

/* As peripheral with a central whose controller lacks the Connection
 * Parameters Request procedure, bh_host_conn_update goes over L2CAP: a
 * Connection Parameter Update Request with the exact units (Vol 3, Part A,
 * 4.20), then the central's LE Connection Update Complete ends it. A
 * refusal (result 1) ends it with BH_EPERM. */
static void conn_update_l2cap_fallback(void **state)
{
	(void)state;
	struct lx *x = lx_new(false);
	lx_connect(x, false, feat_enc_only);
	struct bh_host_conn_params p = { .interval_min_ms = 50, .interval_max_ms = 75,
					 .latency = 1, .supervision_timeout_ms = 4000 };
	assert_int_equal(bh_host_conn_update(x->fh.h, x->fh.conn, &p), 0);
	assert_int_equal(bh_host_conn_update(x->fh.h, x->fh.conn, &p), BH_EBUSY);
	uint8_t sig[32];
	int n = fake_recv(x->fh.f, 5, sig, sizeof(sig), 1000);
	/* code 0x12, ident, length 8, interval 40..60, latency 1, timeout 400 */
	assert_int_equal(n, 12);
	static const uint8_t want[12] = { 0x12, 0x00, 0x08, 0x00, 0x28, 0x00, 0x3c, 0x00,
					  0x01, 0x00, 0x90, 0x01 };
	assert_int_equal(sig[0], want[0]);
	assert_memory_equal(sig + 2, want + 2, 10);
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_LE_CONN_UPDATE), 0);
	uint8_t rsp[6] = { 0x13, sig[1], 0x02, 0x00, 0x00, 0x00 }; /* accepted */
	fake_l2cap(x->fh.f, 5, rsp, sizeof(rsp));
	fake_run(x->fh.f, 30);
	assert_int_equal(x->upd_events, 0);
	/* LE Connection Update Complete: status 0, handle, interval 48, latency 1, timeout 400 */
	static const uint8_t ucc[10] = { 0x03, 0x00, 0x40, 0x00, 0x30, 0x00, 0x01, 0x00, 0x90, 0x01 };
	fake_event(x->fh.f, 0x3e, ucc, sizeof(ucc));
	wait_count(x, &x->upd_events, 1);
	assert_int_equal(x->upd_events, 1);
	assert_int_equal(x->upd_st, BH_OK);
	assert_true(x->upd_interval == 60.0);

	assert_int_equal(bh_host_conn_update(x->fh.h, x->fh.conn, &p), 0);
	n = fake_recv(x->fh.f, 5, sig, sizeof(sig), 1000);
	assert_int_equal(n, 12);
	uint8_t rej[6] = { 0x13, sig[1], 0x02, 0x00, 0x01, 0x00 }; /* rejected */
	fake_l2cap(x->fh.f, 5, rej, sizeof(rej));
	wait_count(x, &x->upd_events, 2);
	assert_int_equal(x->upd_events, 2);
	assert_int_equal(x->upd_st, BH_EPERM);

	/* The same rule as connecting (bh_host_conn_params_hci): 51 ms rounds
	 * to 41 units and is taken; a timeout of 300 ms is not more than
	 * (1 + 1) * 75 ms * 2 and is refused before anything is sent. */
	p.interval_min_ms = 51;
	p.supervision_timeout_ms = 300;
	assert_int_equal(bh_host_conn_update(x->fh.h, x->fh.conn, &p), BH_EINVAL);
	lx_free(x);
}

/* As peripheral with a central that has the procedure: LE Connection
 * Update from the peripheral (LL Connection Parameters Request). When the
 * central's controller answers Unsupported Remote Feature after all, the
 * host goes on over L2CAP and reports nothing until that ends. */
static void conn_update_ll_then_l2cap(void **state)
{
	(void)state;
	struct lx *x = lx_new(false);
	lx_connect(x, false, feat_dle_cpr);
	struct bh_host_conn_params p = { .interval_min_ms = 30, .interval_max_ms = 30,
					 .supervision_timeout_ms = 2000 };
	assert_int_equal(bh_host_conn_update(x->fh.h, x->fh.conn, &p), 0);
	wait_cmd(x, BH_HCI_LE_CONN_UPDATE, 1);
	uint8_t q[16];
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_CONN_UPDATE, q, sizeof(q)), 14);
	static const uint8_t want[14] = { 0x40, 0x00, 0x18, 0x00, 0x18, 0x00, 0x00, 0x00,
					  0xc8, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_memory_equal(q, want, 14);
	static const uint8_t unsup[10] = { 0x03, 0x1a, 0x40, 0x00, 0x18, 0x00, 0x00, 0x00, 0xc8, 0x00 };
	fake_event(x->fh.f, 0x3e, unsup, sizeof(unsup));
	uint8_t sig[32];
	assert_int_equal(fake_recv(x->fh.f, 5, sig, sizeof(sig), 1000), 12);
	assert_int_equal(sig[0], 0x12);
	assert_int_equal(x->upd_events, 0);
	lx_free(x);
}

/* BD_ADDR 00:00:00:00:00:00: detected, and the random static address is
 * written and used (advertising and connecting use own type random). */
static void zero_public_address(void **state)
{
	(void)state;
	struct lx *x = lx_new(true);
	wait_cmd(x, BH_HCI_LE_SET_RANDOM_ADDRESS, 1);
	assert_true(bh_host_no_public_address(x->fh.h));
	bh_addr own = bh_host_own_address(x->fh.h);
	assert_int_equal(own.type, BH_ADDR_RANDOM);
	assert_int_equal(own.val[5] & 0xc0, 0xc0); /* static */
	uint8_t p[8];
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_SET_RANDOM_ADDRESS, p, sizeof(p)), 6);
	assert_memory_equal(p, own.val, 6);
	lx_free(x);
}

static void set_started(void *ctx, bh_status st)
{
	*(bh_status *)ctx = st;
}

/* A peripheral link from an advertising set with an address of its own,
 * reported as controllers before 5.4 (and Bumble's) do: an LE Connection
 * Complete that names no set, then the set's Advertising Set Terminated
 * (7.7.65.18). The address the central connected to, and hashes in
 * legacy pairing's c1 (Vol 3, Part H, 2.2.3), is the set's: the fake
 * central pairs Just Works against it and the host must answer its
 * Pairing Random with its own, not Pairing Failed (Confirm Value Failed).
 * The old host gave SMP the address GAP guessed at the connection event. */
static void set_link_pairing(void **state)
{
	(void)state;
	if (!bh_gap_extended_built())
		skip();
	struct lx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "FAULTS_VERBOSE", BH_LOG_WARN);
	const uint16_t sup[] = { BH_SUP_LE_SET_ADV_SET_RANDOM_ADDR, BH_SUP_LE_SET_EXT_ADV_PARAMS,
				 BH_SUP_LE_SET_EXT_ADV_ENABLE, BH_SUP_LE_READ_MAX_ADV_DATA_LEN,
				 BH_SUP_LE_READ_NUM_ADV_SETS, BH_SUP_LE_REMOVE_ADV_SET };
	fake_add_commands(x->fh.f, sup, sizeof(sup) / sizeof(sup[0]));
	/* LE_Features: LE Encryption (bit 0), LE Extended Advertising (bit 12) */
	fake_set_answer(x->fh.f, 0x2003, "\x00\x01\x10\x00\x00\x00\x00\x00\x00", 9);
	fake_set_answer(x->fh.f, 0x2036, "\x00\x00", 2); /* Selected_TX_Power */
	fake_set_answer(x->fh.f, 0x203a, "\x00\xfb\x00", 3);
	fake_set_answer(x->fh.f, 0x203b, "\x00\x04", 2);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	fake_host_start(&x->fh, &cfg, &ev);
	struct bh_gap *gap = bh_host_gap(x->fh.h);
	static const bh_addr own = { BH_ADDR_RANDOM, { 0x05, 0x14, 0xad, 0x00, 0x00, 0xc0 } };
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_CONN }, .addr = own };
	uint8_t handle = 0;
	bh_status st = BH_EBUSY;
	assert_int_equal(bh_gap_adv_set_start(gap, &p, &handle, set_started, &st), 0);
	for (int i = 0; i < 100 && st == BH_EBUSY; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(st, BH_OK);
	uint8_t q[8];
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, q, sizeof(q)), 7);
	assert_int_equal(q[0], handle);
	assert_memory_equal(q + 1, own.val, 6);

	assert_int_equal(fake_connect(x->fh.f, false), 0);
	const uint8_t term[6] = { 0x12, 0x00, handle, FAKE_CONN_HANDLE & 0xff, FAKE_CONN_HANDLE >> 8,
				  0x00 };
	assert_int_equal(fake_event(x->fh.f, 0x3e, term, sizeof(term)), 0);
	for (int i = 0; i < 50 && !x->fh.connected; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(x->fh.connected, 1);
	const struct bh_gap_conn *gc = bh_gap_conn_get(gap, FAKE_CONN_HANDLE);
	assert_non_null(gc);
	assert_true(bh_addr_eq(&gc->local, &own));

	/* Just Works, legacy: NoInputNoOutput, bonding, no MITM, no SC. */
	static const bh_addr central = { BH_ADDR_PUBLIC, { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 } };
	const uint8_t preq[7] = { 0x01, 0x03, 0x00, 0x01, 16, 0x00, 0x00 };
	uint8_t pres[32], pdu[32], mrand[16], mconfirm[17] = { 0x03 }, tk[16] = { 0 };
	assert_int_equal(fake_l2cap(x->fh.f, 0x0006, preq, sizeof(preq)), 0);
	assert_int_equal(fake_recv(x->fh.f, 0x0006, pres, sizeof(pres), 2000), 7);
	assert_int_equal(pres[0], 0x02);
	for (int i = 0; i < 16; i++)
		mrand[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(bh_smp_c1(tk, mrand, preq, pres, central.type, central.val, own.type,
				   own.val, mconfirm + 1),
			 BH_OK);
	assert_int_equal(fake_l2cap(x->fh.f, 0x0006, mconfirm, sizeof(mconfirm)), 0);
	assert_int_equal(fake_recv(x->fh.f, 0x0006, pdu, sizeof(pdu), 2000), 17);
	assert_int_equal(pdu[0], 0x03); /* the host's Pairing Confirm */
	uint8_t r[17] = { 0x04 };
	memcpy(r + 1, mrand, 16);
	assert_int_equal(fake_l2cap(x->fh.f, 0x0006, r, sizeof(r)), 0);
	int n = fake_recv(x->fh.f, 0x0006, pdu, sizeof(pdu), 2000);
	if (pdu[0] == 0x05)
		fail_msg("Pairing Failed, reason 0x%02x", pdu[1]);
	assert_int_equal(n, 17);
	assert_int_equal(pdu[0], 0x04); /* its Pairing Random: our confirm matched */
	lx_free(x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dle_default_on),
		cmocka_unit_test(dle_peer_without),
		cmocka_unit_test(phy_update),
		cmocka_unit_test(conn_update_l2cap_fallback),
		cmocka_unit_test(conn_update_ll_then_l2cap),
		cmocka_unit_test(zero_public_address),
		cmocka_unit_test(set_link_pairing),
	};
	if (argc == 2) {
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (!strcmp(argv[1], tests[i].name)) {
				struct CMUnitTest one[1] = { tests[i] };
				return _cmocka_run_group_tests(tests[i].name, one, 1, NULL, NULL) ? 1 : 0;
			}
		fprintf(stderr, "no such case: %s\n", argv[1]);
		return 2;
	}
	return cmocka_run_group_tests_name("link5", tests, NULL, NULL);
}
