/* L2CAP unit tests: LE credit-based channels. Two instances back to back for
 * the end-to-end paths, raw frames for every check of the receive side. */
#include "l2cap_harness.h"

#define SPSM 0x0080

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
}

/* A connects to B's SPSM; returns A's cid. */
static uint16_t open_pair(struct node *a, struct node *b)
{
	node_init(a, BH_L2CAP_CENTRAL);
	node_init(b, BH_L2CAP_PERIPHERAL);
	link_nodes(a, b);
	assert_int_equal(bh_l2cap_coc_register(b->l2, SPSM), 0);
	uint16_t cid = 0;
	assert_int_equal(bh_l2cap_coc_connect(a->l2, H, SPSM, &cid), 0);
	assert_int_equal(cid, 0x0040);
	pump(a, b);
	assert_int_equal(a->nconnected, 1);
	assert_int_equal(a->conn_status, BH_OK);
	assert_int_equal(b->nconnected, 1);
	assert_int_equal(b->conn_status, BH_OK);
	assert_int_equal(b->conn_spsm, SPSM);
	return cid;
}

static void test_connect_segment_reassemble(void **state)
{
	(void)state;
	struct node a, b;
	uint16_t cid = open_pair(&a, &b);
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cid, &ci), 0);
	assert_int_equal(ci.state, BH_L2CAP_CHAN_OPEN);
	assert_int_equal(ci.peer_mtu, 100);
	assert_int_equal(ci.peer_mps, 23);
	assert_int_equal(ci.tx_credits, 4);
	assert_string_equal(bh_l2cap_chan_state_str(ci.state), "open");

	/* 100 octets: 21 + 23 + 23 + 23 + 10 with 4 credits; B returns 2 after
	 * every 2 K-frames it consumes. */
	uint8_t sdu[100];
	fill(sdu, sizeof(sdu));
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, sizeof(sdu)), 0);
	assert_int_equal(a.nf, 4); /* stalled on credits */
	assert_int_equal(bh_get16(a.f[0]), 23);
	assert_int_equal(bh_get16(a.f[0] + 4), 100); /* SDU length in the first K-frame */
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, 1), BH_EBUSY);
	assert_int_equal(a.ncoc_send, 0);
	pump(&a, &b);
	assert_int_equal(b.nrx, 1);
	assert_int_equal(b.rx_len, 100);
	assert_memory_equal(b.rx, sdu, 100);
	assert_int_equal(b.rx_cid, b.conn_cid);
	assert_int_equal(a.ncoc_send, 1);
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cid, &ci), 0);
	assert_int_equal(ci.tx_credits, 3);
	assert_int_equal(bh_l2cap_chan_info(b.l2, H, b.conn_cid, &ci), 0);
	assert_int_equal(ci.rx_credits, 3);

	/* the other way: an empty SDU and a one-frame one */
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, b.conn_cid, NULL, 0), 0);
	pump(&a, &b);
	assert_int_equal(a.nrx, 1);
	assert_int_equal(a.rx_len, 0);
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, b.conn_cid, sdu, 21), 0);
	pump(&a, &b);
	assert_int_equal(a.nrx, 2);
	assert_memory_equal(a.rx, sdu, 21);
	/* exactly MTU passes, one more does not */
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, b.conn_cid, sdu, 101), BH_EINVAL);
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, b.conn_cid, NULL, 3), BH_EINVAL);
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, b.conn_cid, sdu, 100), 0);
	pump(&a, &b);
	assert_int_equal(a.nrx, 3);
	assert_memory_equal(a.rx, sdu, 100);

	/* orderly disconnect from A */
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cid), 0);
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cid), BH_ESTATE);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, 1), BH_ESTATE);
	pump(&a, &b);
	assert_int_equal(a.ndisc, 1);
	assert_int_equal(a.disc_reason, BH_OK);
	assert_int_equal(b.ndisc, 1);
	assert_int_equal(b.disc_reason, BH_OK);
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cid, &ci), BH_ENOTFOUND);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, 1), BH_ENOTFOUND);
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cid), BH_ENOTFOUND);
	node_free(&a);
	node_free(&b);
}

static void test_refusals(void **state)
{
	(void)state;
	struct node a, b;
	struct bh_l2cap_config c;
	small_cfg(&c);
	c.max_channels = 1;
	node_init(&a, BH_L2CAP_CENTRAL);
	node_init_cfg(&b, BH_L2CAP_PERIPHERAL, &c);
	link_nodes(&a, &b);
	uint16_t cid;
	/* SPSM nobody registered */
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	pump(&a, &b);
	assert_int_equal(a.nconnected, 1);
	assert_int_equal(a.conn_status, BH_L2CAP_RESULT(BH_L2CAP_LE_SPSM_NOT_SUPPORTED));
	assert_int_equal(b.nconnected, 0);
	/* the accept policy refuses */
	assert_int_equal(bh_l2cap_coc_register(b.l2, SPSM), 0);
	b.accept_result = BH_L2CAP_LE_INSUFF_AUTHORIZATION;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_L2CAP_RESULT(BH_L2CAP_LE_INSUFF_AUTHORIZATION));
	/* no room for a second channel */
	b.accept_result = 0;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_OK);
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	assert_int_equal(cid, 0x0041);
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_L2CAP_RESULT(BH_L2CAP_LE_NO_RESOURCES));
	assert_int_equal(a.nconnected, 4);
	assert_int_equal(b.nconnected, 1);
	/* our own table is full too */
	assert_int_equal(bh_l2cap_coc_connect(b.l2, H, SPSM, &cid), BH_ENOMEM);
	/* API argument checks */
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, 0, &cid), BH_EINVAL);
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, 0x100, &cid), BH_EINVAL);
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H + 1, SPSM, &cid), BH_ENOTFOUND);
	assert_int_equal(bh_l2cap_coc_register(a.l2, 0), BH_EINVAL);
	assert_int_equal(bh_l2cap_coc_register(a.l2, 0x100), BH_EINVAL);
	assert_int_equal(bh_l2cap_coc_register(b.l2, SPSM), BH_EEXIST);
	for (uint16_t s = 1; s <= 3; s++)
		assert_int_equal(bh_l2cap_coc_register(b.l2, s), 0);
	assert_int_equal(bh_l2cap_coc_register(b.l2, 4), BH_ENOMEM); /* max_servers 4 */
	assert_int_equal(bh_l2cap_coc_unregister(b.l2, 2), 0);
	assert_int_equal(bh_l2cap_coc_unregister(b.l2, 2), BH_ENOTFOUND);
	assert_int_equal(bh_l2cap_coc_register(b.l2, 4), 0);
	node_free(&a);
	node_free(&b);
}

static void test_conn_req_checks(void **state)
{
	(void)state;
	struct node b;
	node_init(&b, BH_L2CAP_PERIPHERAL);
	assert_int_equal(bh_l2cap_coc_register(b.l2, SPSM), 0);
	/* SPSM, SCID, MTU, MPS, credits */
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 1, 0x80, 0, 0x20, 0, 100, 0, 23, 0, 1, 0);
	EXPECT_SIG(&b, 0, BH_L2CAP_LE_CREDIT_CONN_RSP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x09, 0);
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 2, 0x80, 0, 0x50, 0, 22, 0, 23, 0, 1, 0);
	EXPECT_SIG(&b, 1, BH_L2CAP_LE_CREDIT_CONN_RSP, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0);
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 3, 0x80, 0, 0x50, 0, 100, 0, 22, 0, 1, 0);
	EXPECT_SIG(&b, 2, BH_L2CAP_LE_CREDIT_CONN_RSP, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0);
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 4, 0x80, 0, 0x50, 0, 100, 0, 0xfe, 0xff, 1, 0);
	EXPECT_SIG(&b, 3, BH_L2CAP_LE_CREDIT_CONN_RSP, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0);
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 5, 0x80, 0, 0x50, 0, 100, 0, 23, 0, 1, 0);
	EXPECT_SIG(&b, 4, BH_L2CAP_LE_CREDIT_CONN_RSP, 5, 0x40, 0, 100, 0, 23, 0, 4, 0, 0, 0);
	assert_int_equal(b.nconnected, 1);
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 6, 0x80, 0, 0x50, 0, 100, 0, 23, 0, 1, 0);
	EXPECT_SIG(&b, 5, BH_L2CAP_LE_CREDIT_CONN_RSP, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0);
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 7, 0x80, 0, 0x51, 0, 100, 0, 23, 0, 1);
	EXPECT_SIG(&b, 6, BH_L2CAP_COMMAND_REJECT, 7, 0, 0);
	assert_int_equal(b.nconnected, 1);
	/* the peer gave 1 credit: a 30-octet SDU sends one K-frame and waits */
	uint8_t sdu[30];
	fill(sdu, sizeof(sdu));
	assert_int_equal(bh_l2cap_coc_send(b.l2, H, 0x40, sdu, sizeof(sdu)), 0);
	assert_int_equal(b.nf, 8);
	assert_int_equal(bh_get16(b.f[7]), 23);
	assert_int_equal(bh_get16(b.f[7] + 2), 0x50);
	SIG_IN(&b, BH_L2CAP_FLOW_CONTROL_CREDIT, 8, 0x50, 0, 5, 0);
	assert_int_equal(b.nf, 9);
	assert_int_equal(bh_get16(b.f[8]), 9);
	assert_memory_equal(b.f[8] + 4, sdu + 21, 9);
	assert_int_equal(b.ncoc_send, 1);
	node_free(&b);
}

static void test_conn_rsp_checks(void **state)
{
	(void)state;
	struct node a;
	g_now = 0;
	node_init(&a, BH_L2CAP_CENTRAL);
	uint16_t cid;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	EXPECT_SIG(&a, 0, BH_L2CAP_LE_CREDIT_CONN_REQ, 0, 0x80, 0, 0x40, 0, 100, 0, 23, 0, 4, 0);
	uint8_t id = a.f[0][5];
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cid, &ci), 0);
	assert_int_equal(ci.state, BH_L2CAP_CHAN_WAIT_CONNECT_RSP);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, (const uint8_t *)"x", 1), BH_ESTATE);
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cid), BH_ESTATE);
	SIG_IN(&a, BH_L2CAP_LE_CREDIT_CONN_RSP, (uint8_t)(id + 1), 0x50, 0, 100, 0, 23, 0, 1, 0, 0, 0);
	SIG_IN(&a, BH_L2CAP_LE_CREDIT_CONN_RSP, id, 0x50, 0, 100, 0, 23, 0, 1, 0, 0);
	assert_int_equal(a.nconnected, 0);
	/* invalid DCID in a success response */
	SIG_IN(&a, BH_L2CAP_LE_CREDIT_CONN_RSP, id, 0x20, 0, 100, 0, 23, 0, 1, 0, 0, 0);
	assert_int_equal(a.nconnected, 1);
	assert_int_equal(a.conn_status, BH_EMALFORMED);
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, cid, &ci), BH_ENOTFOUND);
	/* MPS below 23 */
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	id = a.f[1][5];
	SIG_IN(&a, BH_L2CAP_LE_CREDIT_CONN_RSP, id, 0x50, 0, 100, 0, 22, 0, 1, 0, 0, 0);
	assert_int_equal(a.conn_status, BH_EMALFORMED);
	/* refused with a result code */
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	id = a.f[2][5];
	SIG_IN(&a, BH_L2CAP_LE_CREDIT_CONN_RSP, id, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0);
	assert_int_equal(a.conn_status, BH_L2CAP_RESULT(5));
	/* Command Reject */
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	id = a.f[3][5];
	SIG_IN(&a, BH_L2CAP_COMMAND_REJECT, id, 0, 0);
	assert_int_equal(a.conn_status, BH_ENOTSUP);
	/* RTX */
	g_now = 100;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	assert_int_equal(bh_l2cap_next_deadline(a.l2), 30100);
	g_now = 30099;
	bh_l2cap_on_timeout(a.l2);
	assert_int_equal(a.nconnected, 4);
	g_now = 30100;
	bh_l2cap_on_timeout(a.l2);
	assert_int_equal(a.nconnected, 5);
	assert_int_equal(a.conn_status, BH_ETIMEDOUT);
	assert_int_equal(bh_l2cap_next_deadline(a.l2), BH_NEVER);
	node_free(&a);
	g_now = 0;
}

/* B with an open channel 0x40 to the raw peer's CID 0x50, credits given to us. */
static void open_raw(struct node *b, uint16_t credits)
{
	node_init(b, BH_L2CAP_PERIPHERAL);
	assert_int_equal(bh_l2cap_coc_register(b->l2, SPSM), 0);
	SIG_IN(b, BH_L2CAP_LE_CREDIT_CONN_REQ, 1, 0x80, 0, 0x50, 0, 100, 0, 23, 0,
	       (uint8_t)credits, (uint8_t)(credits >> 8));
	assert_int_equal(b->nconnected, 1);
	b->nf = 0;
}

static void kframe(struct node *b, const uint8_t *p, size_t n) { frame_in(b, 0x40, p, n); }

/* The violation produced a Disconnection Request and BH_EPROTO; the peer's
 * response then frees the channel without a second callback. */
static void expect_violation(struct node *b)
{
	assert_int_equal(b->ndisc, 1);
	assert_int_equal(b->disc_reason, BH_EPROTO);
	assert_int_equal(b->disc_cid, 0x40);
	unsigned i = b->nf - 1;
	EXPECT_SIG(b, i, BH_L2CAP_DISCONN_REQ, 0, 0x50, 0, 0x40, 0);
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(b->l2, H, 0x40, &ci), BH_ENOTFOUND);
	uint8_t k[] = { 1, 0, 9 };
	kframe(b, k, sizeof(k)); /* data after the violation is dropped */
	assert_int_equal(b->nrx, 0);
	SIG_IN(b, BH_L2CAP_DISCONN_RSP, b->f[i][5], 0x50, 0, 0x40, 0);
	assert_int_equal(b->ndisc, 1);
	/* the CID is free again */
	SIG_IN(b, BH_L2CAP_LE_CREDIT_CONN_REQ, 99, 0x80, 0, 0x51, 0, 100, 0, 23, 0, 1, 0);
	assert_int_equal(b->nconnected, 2);
	assert_int_equal(b->conn_cid, 0x40);
	node_free(b);
}

static void test_rx_violations(void **state)
{
	(void)state;
	struct node b;
	uint8_t k[40] = { 0 };

	open_raw(&b, 0); /* K-frame larger than our MPS (23) */
	bh_put16(k, 30);
	kframe(&b, k, 24);
	expect_violation(&b);

	open_raw(&b, 0); /* SDU length above our MTU (100) */
	bh_put16(k, 101);
	kframe(&b, k, 10);
	expect_violation(&b);

	open_raw(&b, 0); /* first K-frame too short for the SDU length */
	kframe(&b, k, 1);
	expect_violation(&b);

	open_raw(&b, 0); /* K-frames add up to more than the SDU length */
	bh_put16(k, 30);
	kframe(&b, k, 23);
	assert_int_equal(b.nrx, 0);
	kframe(&b, k, 10);
	expect_violation(&b);

	open_raw(&b, 0); /* credits past 65535 */
	SIG_IN(&b, BH_L2CAP_FLOW_CONTROL_CREDIT, 2, 0x50, 0, 0xff, 0xff);
	assert_int_equal(b.ndisc, 0);
	SIG_IN(&b, BH_L2CAP_FLOW_CONTROL_CREDIT, 3, 0x50, 0, 1, 0);
	expect_violation(&b);

	/* K-frame without credit: our credit returns cannot go out (the
	 * link is stuck), so a peer that keeps sending runs out. */
	open_raw(&b, 0);
	b.busy_all = 1;
	bh_put16(k, 1);
	unsigned sent = 0;
	while (b.ndisc == 0 && sent < 40) {
		kframe(&b, k, 3);
		sent++;
	}
	assert_int_equal(b.ndisc, 1);
	assert_int_equal(b.disc_reason, BH_EPROTO);
	assert_int_equal(b.nrx, sent - 1); /* every SDU before the violation arrived */
	assert_int_equal(sent, 4 * 2 + 4 + 1); /* 4 returns held, then the window ran dry */
	node_free(&b);
}

static void test_disconnect_mid_sdu(void **state)
{
	(void)state;
	struct node a, b;
	uint16_t cid = open_pair(&a, &b);
	uint8_t sdu[100], f[700];
	fill(sdu, sizeof(sdu));
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, sizeof(sdu)), 0);
	/* B sees two K-frames, then closes the channel */
	for (int i = 0; i < 2; i++) {
		size_t n = pop(&a, f);
		bh_l2cap_on_acl(b.l2, H, f, n);
	}
	a.nf = 0; /* the rest is lost in flight */
	b.nf = 0; /* so are B's credits */
	assert_int_equal(bh_l2cap_coc_disconnect(b.l2, H, b.conn_cid), 0);
	pump(&a, &b);
	assert_int_equal(b.nrx, 0);
	assert_int_equal(a.ndisc, 1);
	assert_int_equal(a.disc_reason, BH_OK);
	assert_int_equal(b.ndisc, 1);
	assert_int_equal(a.ncoc_send, 0);
	node_free(&a);
	node_free(&b);

	/* link loss: open channel, pending connect, half-sent SDU: each once */
	cid = open_pair(&a, &b);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, sizeof(sdu)), 0);
	uint16_t cid2;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid2), 0);
	bh_l2cap_conn_removed(a.l2, H);
	assert_int_equal(a.ndisc, 1);
	assert_int_equal(a.disc_reason, BH_EDISCONNECTED);
	assert_int_equal(a.nconnected, 2);
	assert_int_equal(a.conn_status, BH_EDISCONNECTED);
	assert_int_equal(a.conn_cid, cid2);
	bh_l2cap_on_timeout(a.l2);
	bh_l2cap_acl_can_send(a.l2, H);
	assert_int_equal(a.ndisc, 1);
	assert_int_equal(a.nconnected, 2);
	assert_int_equal(a.ncoc_send, 0);
	node_free(&a);
	node_free(&b);
}

static void test_disconnect_timeout_and_crossing(void **state)
{
	(void)state;
	struct node a, b;
	g_now = 0;
	uint16_t cid = open_pair(&a, &b);
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cid), 0);
	a.nf = 0; /* never arrives */
	assert_int_equal(bh_l2cap_next_deadline(a.l2), 30000);
	g_now = 30000;
	bh_l2cap_on_timeout(a.l2);
	assert_int_equal(a.ndisc, 1);
	assert_int_equal(a.disc_reason, BH_ETIMEDOUT);
	node_free(&a);
	node_free(&b);

	/* both sides disconnect at once: each answers the other, once */
	g_now = 0;
	cid = open_pair(&a, &b);
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cid), 0);
	assert_int_equal(bh_l2cap_coc_disconnect(b.l2, H, b.conn_cid), 0);
	pump(&a, &b);
	assert_int_equal(a.ndisc, 1);
	assert_int_equal(a.disc_reason, BH_OK);
	assert_int_equal(b.ndisc, 1);
	assert_int_equal(bh_l2cap_next_deadline(a.l2), BH_NEVER);
	node_free(&a);
	node_free(&b);
}

/* coc_can_send runs inside bh_l2cap_coc_send when the whole SDU fits the
 * credits. Sending the next SDU from there is allowed (host.h): each one
 * goes out whole and in order, the last one stalled on credits is finished
 * by the peer's credits. */
static unsigned g_more;

static void send_next(struct node *n, uint16_t cid)
{
	if (!g_more)
		return;
	g_more--;
	uint8_t v[1] = { (uint8_t)(0x10 + g_more) };
	assert_int_equal(bh_l2cap_coc_send(n->l2, H, cid, v, 1), 0);
}

static void test_send_from_can_send(void **state)
{
	(void)state;
	struct node a, b;
	uint16_t cid = open_pair(&a, &b);
	a.on_can_send = send_next;
	g_more = 5; /* 6 one-frame SDUs in all, 4 credits */
	const uint8_t first[1] = { 0x42 };
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, first, 1), 0);
	/* 4 went out inside the call (3 of them from callbacks), the 5th
	 * waits for credits. */
	assert_int_equal(a.nf, 4);
	assert_int_equal(a.ncoc_send, 4);
	assert_int_equal(g_more, 1);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, first, 1), BH_EBUSY);
	pump(&a, &b);
	assert_int_equal(g_more, 0);
	assert_int_equal(a.ncoc_send, 6);
	assert_int_equal(b.nrx, 6);
	assert_int_equal(b.rx_len, 1);
	assert_int_equal(b.rx[0], 0x10); /* the last one sent */
	node_free(&a);
	node_free(&b);
}

static void test_backpressure(void **state)
{
	(void)state;
	struct node a, b;
	uint16_t cid = open_pair(&a, &b);
	uint8_t sdu[60];
	fill(sdu, sizeof(sdu));
	a.busy = 1;
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, sizeof(sdu)), 0);
	assert_int_equal(a.nf, 0);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, cid, sdu, 1), BH_EBUSY);
	a.busy = 1;
	bh_l2cap_acl_can_send(a.l2, H); /* still no room */
	assert_int_equal(a.nf, 0);
	bh_l2cap_acl_can_send(a.l2, H);
	assert_int_equal(a.nf, 3); /* 21 + 23 + 16 */
	assert_int_equal(a.ncoc_send, 1);
	pump(&a, &b);
	assert_int_equal(b.nrx, 1);
	assert_memory_equal(b.rx, sdu, sizeof(sdu));
	/* a connection request that cannot be sent nor held */
	a.busy_all = 1;
	uint16_t c2;
	for (int i = 0; i < 4; i++)
		assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &c2), 0);
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &c2), BH_EBUSY);
	a.busy_all = 0;
	bh_l2cap_acl_can_send(a.l2, H);
	pump(&a, &b);
	assert_int_equal(a.nconnected, 5);
	assert_int_equal(a.conn_status, BH_OK);
	node_free(&a);
	node_free(&b);
}

/* A peer breaking the rules on one connection leaves the other alone. */
static void test_other_connection_unaffected(void **state)
{
	(void)state;
	struct node b;
	open_raw(&b, 0);
	assert_int_equal(bh_l2cap_conn_added(b.l2, H + 1, BH_L2CAP_PERIPHERAL), 0);
	const uint8_t req[] = { 0x14, 1, 10, 0, 0x80, 0, 0x50, 0, 100, 0, 23, 0, 1, 0 };
	frame_in_h(&b, H + 1, BH_L2CAP_CID_LE_SIGNALING, req, sizeof(req));
	assert_int_equal(b.nconnected, 2);
	assert_int_equal(b.conn_cid, 0x40); /* same local CID, other link */
	assert_int_equal(b.last_handle, H + 1);
	uint8_t k[40] = { 0 };
	bh_put16(k, 101); /* SDU above our MTU on H */
	kframe(&b, k, 10);
	assert_int_equal(b.ndisc, 1);
	assert_int_equal(b.last_handle, H);
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(b.l2, H + 1, 0x40, &ci), 0);
	assert_int_equal(ci.state, BH_L2CAP_CHAN_OPEN);
	bh_put16(k, 3);
	frame_in_h(&b, H + 1, 0x40, k, 5);
	assert_int_equal(b.nrx, 1);
	assert_int_equal(b.rx_len, 3);
	bh_l2cap_conn_removed(b.l2, H);
	assert_int_equal(b.ndisc, 1); /* already told BH_EPROTO: not again */
	assert_int_equal(bh_l2cap_chan_info(b.l2, H + 1, 0x40, &ci), 0);
	bh_l2cap_conn_removed(b.l2, H + 1);
	assert_int_equal(b.ndisc, 2);
	assert_int_equal(b.disc_reason, BH_EDISCONNECTED);
	node_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_segment_reassemble),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_conn_req_checks),
		cmocka_unit_test(test_conn_rsp_checks),
		cmocka_unit_test(test_rx_violations),
		cmocka_unit_test(test_disconnect_mid_sdu),
		cmocka_unit_test(test_disconnect_timeout_and_crossing),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_send_from_can_send),
		cmocka_unit_test(test_other_connection_unaffected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
