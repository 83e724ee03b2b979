/* L2CAP unit tests: enhanced credit-based flow control (Vol 3, Part A,
 * 4.25-4.28). Two instances back to back for the end-to-end paths, raw
 * signaling for every refusal the spec defines. */
#include "l2cap_harness.h"

#define SPSM 0x0027 /* EATT's SPSM: any LE SPSM behaves the same */

static void ecfc_cfg(struct bh_l2cap_config *c)
{
	bh_l2cap_config_default(c);
	c->coc_mtu = 200;
	c->coc_mps = 64;
	c->coc_credits = 4;
	c->att_mtu = 64;
}

static void ecfc_node(struct node *n, enum bh_l2cap_role role)
{
	struct bh_l2cap_config c;
	ecfc_cfg(&c);
	node_init_cfg(n, role, &c);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 5 + 3);
}

/* A opens count channels to B in one request. */
static void open_pair(struct node *a, struct node *b, unsigned count, uint16_t *cids)
{
	ecfc_node(a, BH_L2CAP_CENTRAL);
	ecfc_node(b, BH_L2CAP_PERIPHERAL);
	link_nodes(a, b);
	assert_int_equal(bh_l2cap_coc_register(b->l2, SPSM), 0);
	assert_int_equal(bh_l2cap_ecfc_connect(a->l2, H, SPSM, count, 100, cids), 0);
	pump(a, b);
	assert_int_equal(a->nconnected, count);
	assert_int_equal(b->nconnected, count);
	for (unsigned i = 0; i < count; i++) {
		assert_int_equal(a->conn_statuses[i], BH_OK);
		assert_int_equal(a->conn_cids[i], cids[i]);
		assert_int_equal(b->conn_statuses[i], BH_OK);
	}
}

static void test_five_channels_in_one_request(void **state)
{
	(void)state;
	struct node a, b;
	uint16_t cids[5];
	ecfc_node(&a, BH_L2CAP_CENTRAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 5, 100, cids), 0);
	/* SPSM, MTU 100, MPS 64, credits 4, five Source CIDs */
	EXPECT_SIG(&a, 0, BH_L2CAP_CREDIT_CONN_REQ, 1, 0x27, 0, 100, 0, 64, 0, 4, 0, 0x40, 0,
		   0x41, 0, 0x42, 0, 0x43, 0, 0x44, 0);
	node_free(&a);

	open_pair(&a, &b, 5, cids);
	/* B answered with MTU 200 (its coc_mtu), MPS 64, credits 4 */
	struct bh_l2cap_chan_info ci;
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(bh_l2cap_chan_info(a.l2, H, cids[i], &ci), 0);
		assert_true(ci.enhanced);
		assert_int_equal(ci.state, BH_L2CAP_CHAN_OPEN);
		assert_int_equal(ci.peer_cid, 0x40 + i);
		assert_int_equal(ci.peer_mtu, 200);
		assert_int_equal(ci.peer_mps, 64);
		assert_int_equal(ci.local_mtu, 100);
		assert_int_equal(ci.tx_credits, 4);
		assert_int_equal(bh_l2cap_chan_info(b.l2, H, 0x40 + i, &ci), 0);
		assert_int_equal(ci.peer_mtu, 100);
		assert_int_equal(ci.peer_cid, cids[i]);
	}
	/* Data on channel 3 both ways, segmented at MPS 64. */
	uint8_t sdu[200];
	fill(sdu, sizeof(sdu));
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, 0x43, sdu, 100), 0);
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, 0x43, sdu, 101), BH_EINVAL); /* A's MTU 100 */
	pump(&a, &b);
	assert_int_equal(a.nrx, 1);
	assert_int_equal(a.rx_cid, cids[3]);
	assert_int_equal(a.rx_len, 100);
	assert_memory_equal(a.rx, sdu, 100);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cids[1], sdu, 200), 0);
	pump(&a, &b);
	assert_int_equal(b.nrx, 1);
	assert_int_equal(b.rx_cid, 0x41);
	assert_memory_equal(b.rx, sdu, 200);
	/* an enhanced channel closes like any other */
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cids[0]), 0);
	pump(&a, &b);
	assert_int_equal(a.ndisc, 1);
	assert_int_equal(b.ndisc, 1);
	assert_int_equal(b.disc_cid, 0x40);
	node_free(&a);
	node_free(&b);
}

static void test_connect_api_checks(void **state)
{
	(void)state;
	struct node a;
	uint16_t cids[6];
	struct bh_l2cap_config c;
	ecfc_cfg(&c);
	c.max_channels = 3;
	node_init_cfg(&a, BH_L2CAP_CENTRAL, &c);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 0, 100, cids), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 6, 100, cids), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, 0, 1, 100, cids), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, 0x100, 1, 100, cids), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 1, 63, cids), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 1, 201, cids), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 1, 100, NULL), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H + 1, SPSM, 1, 100, cids), BH_ENOTFOUND);
	/* four channels do not fit in three slots: nothing is kept or sent */
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 4, 100, cids), BH_ENOMEM);
	assert_int_equal(a.nf, 0);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 3, 0, cids), 0);
	EXPECT_SIG(&a, 0, BH_L2CAP_CREDIT_CONN_REQ, 0, 0x27, 0, 200, 0, 64, 0, 4, 0, 0x40, 0,
		   0x41, 0, 0x42, 0);
	node_free(&a);
	/* an MPS below 64 cannot do ECFC at all */
	ecfc_cfg(&c);
	c.coc_mps = 63;
	node_init_cfg(&a, BH_L2CAP_CENTRAL, &c);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 1, 100, cids), BH_EINVAL);
	node_free(&a);
}

/* Every refusal of 4.26, as a peer sees it on the wire. */
static void test_conn_req_refusals(void **state)
{
	(void)state;
	struct node b;
	struct bh_l2cap_config c;
	ecfc_cfg(&c);
	c.max_channels = 3;
	node_init_cfg(&b, BH_L2CAP_PERIPHERAL, &c);
	/* SPSM not registered: all refused, Destination CIDs 0 */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 1, 0x27, 0, 100, 0, 64, 0, 1, 0, 0x40, 0, 0x41, 0);
	EXPECT_SIG(&b, 0, BH_L2CAP_CREDIT_CONN_RSP, 1, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0);
	assert_int_equal(bh_l2cap_coc_register(b.l2, SPSM), 0);
	/* MTU 63 and MPS 63 are below the ECFC minimum: unacceptable parameters */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 2, 0x27, 0, 63, 0, 64, 0, 1, 0, 0x40, 0);
	EXPECT_SIG(&b, 1, BH_L2CAP_CREDIT_CONN_RSP, 2, 0, 0, 0, 0, 0, 0, 0x0b, 0, 0, 0);
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 3, 0x27, 0, 64, 0, 63, 0, 1, 0, 0x40, 0);
	EXPECT_SIG(&b, 2, BH_L2CAP_CREDIT_CONN_RSP, 3, 0, 0, 0, 0, 0, 0, 0x0b, 0, 0, 0);
	/* no Source CID at all: invalid parameters */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 4, 0x27, 0, 64, 0, 64, 0, 1, 0);
	EXPECT_SIG(&b, 3, BH_L2CAP_CREDIT_CONN_RSP, 4, 0, 0, 0, 0, 0, 0, 0x0c, 0);
	/* the accept policy refuses them all (insufficient encryption) */
	b.accept_result = BH_L2CAP_LE_INSUFF_ENCRYPTION;
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 5, 0x27, 0, 64, 0, 64, 0, 1, 0, 0x40, 0);
	EXPECT_SIG(&b, 4, BH_L2CAP_CREDIT_CONN_RSP, 5, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0);
	b.accept_result = 0;
	assert_int_equal(b.nconnected, 0);
	/* some refused: an invalid Source CID (0x0004 is fixed), a duplicate;
	 * the valid one opens and its Destination CID lines up */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 6, 0x27, 0, 64, 0, 64, 0, 1, 0, 0x04, 0, 0x50, 0,
	       0x50, 0);
	EXPECT_SIG(&b, 5, BH_L2CAP_CREDIT_CONN_RSP, 6, 200, 0, 64, 0, 4, 0, 0x09, 0, 0, 0, 0x40, 0,
		   0, 0);
	assert_int_equal(b.nconnected, 1);
	/* a Source CID already in use on this link */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 7, 0x27, 0, 64, 0, 64, 0, 1, 0, 0x51, 0, 0x50, 0);
	EXPECT_SIG(&b, 6, BH_L2CAP_CREDIT_CONN_RSP, 7, 200, 0, 64, 0, 4, 0, 0x0a, 0, 0x41, 0, 0, 0);
	assert_int_equal(b.nconnected, 2);
	/* out of channels: the third fits, the fourth and fifth do not */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 8, 0x27, 0, 64, 0, 64, 0, 1, 0, 0x52, 0, 0x53, 0,
	       0x54, 0);
	EXPECT_SIG(&b, 7, BH_L2CAP_CREDIT_CONN_RSP, 8, 200, 0, 64, 0, 4, 0, 0x04, 0, 0x42, 0, 0, 0,
		   0, 0);
	assert_int_equal(b.nconnected, 3);
	/* a length that is not 8 + 2n cannot be parsed: Command Reject */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 9, 0x27, 0, 64, 0, 64, 0, 1, 0, 0x55);
	EXPECT_SIG(&b, 8, BH_L2CAP_COMMAND_REJECT, 9, 0, 0);
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 10, 0x27, 0, 64);
	EXPECT_SIG(&b, 9, BH_L2CAP_COMMAND_REJECT, 10, 0, 0);
	/* six Source CIDs exceed the signaling MTU of 23: MTU exceeded */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 11, 0x27, 0, 64, 0, 64, 0, 1, 0, 0x60, 0, 0x61, 0,
	       0x62, 0, 0x63, 0, 0x64, 0, 0x65, 0);
	EXPECT_SIG(&b, 10, BH_L2CAP_COMMAND_REJECT, 11, 1, 0, 23, 0);
	assert_int_equal(b.nconnected, 3);
	node_free(&b);
}

/* Our request answered in every way 4.26 allows, and some it does not. */
static void test_conn_rsp_handling(void **state)
{
	(void)state;
	struct node a;
	uint16_t cids[5];
	g_now = 0;
	ecfc_node(&a, BH_L2CAP_CENTRAL);
	/* partial success: the second channel refused for resources */
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 3, 100, cids), 0);
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, 1, 80, 0, 70, 0, 2, 0, 0x04, 0, 0x60, 0, 0, 0, 0x61, 0);
	assert_int_equal(a.nconnected, 3);
	assert_int_equal(a.conn_statuses[0], BH_OK);
	assert_int_equal(a.conn_statuses[1], BH_L2CAP_RESULT(BH_L2CAP_LE_NO_RESOURCES));
	assert_int_equal(a.conn_statuses[2], BH_OK);
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cids[2], &ci), 0);
	assert_int_equal(ci.peer_cid, 0x61);
	assert_int_equal(ci.peer_mtu, 80);
	assert_int_equal(ci.peer_mps, 70);
	assert_int_equal(ci.tx_credits, 2);
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cids[1], &ci), BH_ENOTFOUND);
	/* the same response again matches nothing */
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, 1, 80, 0, 70, 0, 2, 0, 0x04, 0, 0x60, 0, 0, 0, 0x61, 0);
	assert_int_equal(a.nconnected, 3);
	assert_int_equal(bh_l2cap_stats(a.l2)->sig_dropped, 1);

	/* all refused, with or without the CID list */
	a.nconnected = 0;
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 2, 100, cids), 0);
	uint8_t id = a.f[a.nf - 1][5];
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, id, 0, 0, 0, 0, 0, 0, 0x05, 0, 0, 0, 0, 0);
	assert_int_equal(a.nconnected, 2);
	assert_int_equal(a.conn_statuses[1], BH_L2CAP_RESULT(BH_L2CAP_LE_INSUFF_AUTHENTICATION));
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 2, 100, cids), 0);
	id = a.f[a.nf - 1][5];
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, id, 0, 0, 0, 0, 0, 0, 0x02, 0);
	assert_int_equal(a.nconnected, 4);
	assert_int_equal(a.conn_statuses[3], BH_L2CAP_RESULT(BH_L2CAP_LE_SPSM_NOT_SUPPORTED));

	/* wrong number of Destination CIDs, or MPS below 64: malformed; the
	 * channels the peer thinks it opened are disconnected */
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 2, 100, cids), 0);
	id = a.f[a.nf - 1][5];
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, id, 80, 0, 70, 0, 2, 0, 0, 0, 0x62, 0);
	assert_int_equal(a.nconnected, 6);
	assert_int_equal(a.conn_statuses[5], BH_EMALFORMED);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 1, 100, cids), 0);
	id = a.f[a.nf - 1][5];
	unsigned before = a.nf;
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, id, 80, 0, 63, 0, 2, 0, 0, 0, 0x63, 0);
	assert_int_equal(a.nconnected, 7);
	assert_int_equal(a.conn_statuses[6], BH_EMALFORMED);
	assert_int_equal(a.nf, before + 1);
	EXPECT_SIG(&a, before, BH_L2CAP_DISCONN_REQ, 0, 0x63, 0, cids[0], 0);
	/* a Destination CID we already talk to, and one outside the range */
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 2, 100, cids), 0);
	id = a.f[a.nf - 1][5];
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, id, 80, 0, 70, 0, 2, 0, 0, 0, 0x60, 0, 0x80, 0);
	assert_int_equal(a.nconnected, 9);
	assert_int_equal(a.conn_statuses[7], BH_EMALFORMED);
	assert_int_equal(a.conn_statuses[8], BH_EMALFORMED);

	/* Command Reject ends every channel of the request */
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 3, 100, cids), 0);
	id = a.f[a.nf - 1][5];
	SIG_IN(&a, BH_L2CAP_COMMAND_REJECT, id, 0, 0);
	assert_int_equal(a.nconnected, 12);
	for (unsigned i = 9; i < 12; i++)
		assert_int_equal(a.conn_statuses[i], BH_ENOTSUP);
	/* an LE Credit Based Connection Response does not answer ECFC */
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 1, 100, cids), 0);
	id = a.f[a.nf - 1][5];
	SIG_IN(&a, BH_L2CAP_LE_CREDIT_CONN_RSP, id, 0x70, 0, 100, 0, 64, 0, 1, 0, 0, 0);
	assert_int_equal(a.nconnected, 12);
	/* ... and the request times out after RTX */
	g_now += 30000;
	assert_true(bh_l2cap_next_deadline(a.l2) <= g_now);
	bh_l2cap_on_timeout(a.l2);
	assert_int_equal(a.nconnected, 13);
	assert_int_equal(a.conn_statuses[12], BH_ETIMEDOUT);
	node_free(&a);
}

static void test_reconfigure_both_ways(void **state)
{
	(void)state;
	struct node a, b;
	uint16_t cids[3];
	g_now = 0;
	open_pair(&a, &b, 3, cids);
	/* A raises its MTU on two channels */
	uint16_t two[2] = { cids[0], cids[2] };
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, two, 2, 150, 64), 0);
	EXPECT_SIG(&a, 0, BH_L2CAP_CREDIT_RECONF_REQ, 0, 150, 0, 64, 0, cids[0], 0, cids[2], 0);
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, two, 1, 160, 64), BH_EEXIST);
	pump(&a, &b);
	assert_int_equal(a.nreconf, 2);
	assert_false(a.reconf_by_peer);
	assert_int_equal(a.reconf_status, BH_OK);
	assert_int_equal(b.nreconf, 2);
	assert_true(b.reconf_by_peer);
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(b.l2, H, 0x40, &ci), 0);
	assert_int_equal(ci.peer_mtu, 150);
	assert_int_equal(bh_l2cap_chan_info(b.l2, H, 0x41, &ci), 0);
	assert_int_equal(ci.peer_mtu, 100);
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cids[2], &ci), 0);
	assert_int_equal(ci.local_mtu, 150);
	/* B may now send 150 octets on those, still only 100 on the other */
	uint8_t sdu[150];
	fill(sdu, sizeof(sdu));
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, 0x42, sdu, 150), 0);
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, 0x41, sdu, 150), BH_EINVAL);
	pump(&a, &b);
	assert_int_equal(a.nrx, 1);
	assert_int_equal(a.rx_len, 150);
	/* API rules of 4.27 */
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, two, 2, 120, 64), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, two, 2, 201, 64), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, two, 2, 150, 63), BH_EINVAL);
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, two, 0, 150, 64), BH_EINVAL);
	uint16_t bad[2] = { cids[0], 0x77 };
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, bad, 2, 150, 64), BH_ENOTFOUND);
	uint16_t twice[2] = { cids[0], cids[0] };
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, twice, 2, 150, 64), BH_EINVAL);
	/* B's peer refuses: our values stay */
	a.nreconf = 0;
	assert_int_equal(bh_l2cap_ecfc_reconfigure(b.l2, H, (uint16_t[]){ 0x41 }, 1, 200, 64), 0);
	unsigned last = b.nf - 1;
	uint8_t id = b.f[last][5];
	b.nf = 0;
	b.nreconf = 0;
	assert_int_equal(bh_l2cap_chan_info(b.l2, H, 0x41, &ci), 0);
	assert_int_equal(ci.local_mtu, 200);
	SIG_IN(&b, BH_L2CAP_CREDIT_RECONF_RSP, id, 0x04, 0);
	assert_int_equal(b.nreconf, 1);
	assert_int_equal(b.reconf_status, BH_L2CAP_RESULT(BH_L2CAP_RECONF_UNACCEPTABLE));
	assert_int_equal(bh_l2cap_chan_info(b.l2, H, 0x41, &ci), 0);
	assert_int_equal(ci.local_mtu, 200); /* B's coc_mtu: it never offered less */
	/* a reconfigure that never gets an answer times out */
	assert_int_equal(bh_l2cap_ecfc_reconfigure(b.l2, H, (uint16_t[]){ 0x41 }, 1, 200, 64), 0);
	g_now += 30000;
	bh_l2cap_on_timeout(b.l2);
	assert_int_equal(b.nreconf, 2);
	assert_int_equal(b.reconf_status, BH_ETIMEDOUT);
	/* an LE-only channel is not reconfigurable */
	uint16_t le_cid;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &le_cid), 0);
	pump(&a, &b);
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, le_cid, &ci), 0);
	assert_int_equal(ci.state, BH_L2CAP_CHAN_OPEN);
	assert_false(ci.enhanced);
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, &le_cid, 1, 150, 64), BH_ESTATE);
	node_free(&a);
	node_free(&b);
}

/* 4.27 refusals on the wire; nothing changes on any channel. */
static void test_reconf_req_refusals(void **state)
{
	(void)state;
	struct node a, b;
	uint16_t cids[2];
	open_pair(&a, &b, 2, cids);
	a.nf = 0;
	/* B's endpoints are 0x40 and 0x41: the peer (B) names them */
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 1, 199, 0, 64, 0, 0x40, 0, 0x41, 0);
	EXPECT_SIG(&a, 0, BH_L2CAP_CREDIT_RECONF_RSP, 1, 0x01, 0); /* MTU 200 -> 199 */
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 2, 200, 0, 64, 0, 0x40, 0, 0x49, 0);
	EXPECT_SIG(&a, 1, BH_L2CAP_CREDIT_RECONF_RSP, 2, 0x03, 0); /* unknown CID */
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 3, 210, 0, 64, 0, 0x40, 0, 0x40, 0);
	EXPECT_SIG(&a, 2, BH_L2CAP_CREDIT_RECONF_RSP, 3, 0x03, 0); /* named twice */
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 4, 210, 0, 63, 0, 0x40, 0);
	EXPECT_SIG(&a, 3, BH_L2CAP_CREDIT_RECONF_RSP, 4, 0x04, 0); /* MPS below 64 */
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 5, 210, 0, 64, 0);
	EXPECT_SIG(&a, 4, BH_L2CAP_CREDIT_RECONF_RSP, 5, 0x04, 0); /* no CID */
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 6, 210, 0, 64, 0, 0x40);
	EXPECT_SIG(&a, 5, BH_L2CAP_COMMAND_REJECT, 6, 0, 0); /* odd length */
	assert_int_equal(a.nreconf, 0);
	/* MPS may shrink for one channel at a time only */
	node_free(&a);
	node_free(&b);
	struct bh_l2cap_config c;
	ecfc_cfg(&c);
	c.coc_mps = 100;
	node_init_cfg(&b, BH_L2CAP_PERIPHERAL, &c);
	node_init_cfg(&a, BH_L2CAP_CENTRAL, &c);
	link_nodes(&a, &b);
	assert_int_equal(bh_l2cap_coc_register(b.l2, SPSM), 0);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 2, 100, cids), 0);
	pump(&a, &b);
	a.nf = 0;
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 7, 200, 0, 80, 0, 0x40, 0, 0x41, 0);
	EXPECT_SIG(&a, 0, BH_L2CAP_CREDIT_RECONF_RSP, 7, 0x02, 0);
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cids[0], &ci), 0);
	assert_int_equal(ci.peer_mps, 100);
	SIG_IN(&a, BH_L2CAP_CREDIT_RECONF_REQ, 8, 200, 0, 80, 0, 0x41, 0);
	EXPECT_SIG(&a, 1, BH_L2CAP_CREDIT_RECONF_RSP, 8, 0x00, 0);
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cids[1], &ci), 0);
	assert_int_equal(ci.peer_mps, 80);
	assert_int_equal(a.nreconf, 1);
	assert_true(a.reconf_by_peer);
	/* the next SDU goes out in 80-octet K-frames */
	uint8_t sdu[100];
	fill(sdu, sizeof(sdu));
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cids[1], sdu, 100), 0);
	assert_int_equal(bh_get16(a.f[2]), 80);
	/* and our own MPS shrink applies once the peer agreed */
	assert_int_equal(bh_l2cap_ecfc_reconfigure(b.l2, H, (uint16_t[]){ 0x40 }, 1, 200, 70), 0);
	assert_int_equal(bh_l2cap_chan_info(b.l2, H, 0x40, &ci), 0);
	assert_int_equal(ci.local_mps, 100);
	pump(&a, &b);
	assert_int_equal(b.nreconf, 1);
	assert_int_equal(b.reconf_status, BH_OK);
	assert_int_equal(bh_l2cap_chan_info(b.l2, H, 0x40, &ci), 0);
	assert_int_equal(ci.local_mps, 70);
	/* a K-frame above the new MPS breaks 3.4.3: channel disconnected */
	uint8_t kf[2 + 71];
	bh_put16(kf, 71);
	memset(kf + 2, 1, 71);
	b.nf = 0;
	frame_in(&b, 0x40, kf, 70); /* SDU length + 68 octets: at the MPS */
	assert_int_equal(b.ndisc, 0);
	frame_in(&b, 0x40, kf, 71);
	assert_int_equal(b.ndisc, 1);
	assert_int_equal(b.disc_reason, BH_EPROTO);
	node_free(&a);
	node_free(&b);
}

/* A callback that drops the link while an ECFC response is reported. */
static struct node *g_dropper;
static void drop_on_connect(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm, bh_status st)
{
	n_connected(ctx, handle, cid, spsm, st);
	bh_l2cap_conn_removed(g_dropper->l2, H);
}

static void test_link_dropped_in_callback(void **state)
{
	(void)state;
	struct node a;
	struct bh_l2cap_config c;
	ecfc_cfg(&c);
	memset(&a, 0, sizeof(a));
	struct bh_l2cap_port p = {
		.ctx = &a, .acl_send = n_acl_send, .coc_connected = drop_on_connect,
		.coc_disconnected = n_disc,
	};
	a.l2 = bh_l2cap_new(&c, &g_env, &p);
	g_dropper = &a;
	assert_int_equal(bh_l2cap_conn_added(a.l2, H, BH_L2CAP_CENTRAL), 0);
	uint16_t cids[3];
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, SPSM, 3, 100, cids), 0);
	SIG_IN(&a, BH_L2CAP_CREDIT_CONN_RSP, 1, 80, 0, 70, 0, 2, 0, 0, 0, 0x60, 0, 0x61, 0, 0x62, 0);
	/* first reported open, then the link went: the other two closed once */
	assert_int_equal(a.nconnected, 1);
	assert_int_equal(a.ndisc, 3);
	bh_l2cap_free(a.l2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_five_channels_in_one_request),
		cmocka_unit_test(test_connect_api_checks),
		cmocka_unit_test(test_conn_req_refusals),
		cmocka_unit_test(test_conn_rsp_handling),
		cmocka_unit_test(test_reconfigure_both_ways),
		cmocka_unit_test(test_reconf_req_refusals),
		cmocka_unit_test(test_link_dropped_in_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
