/* -Dl2cap_coc=false: the credit-based API answers BH_ENOTSUP, and a peer's
 * requests, fed as raw signaling frames through l2cap.c, get the answers of
 * a device without such channels (Vol 3, Part A, 4.1, 4.23, 4.26, 4.28). */
#include "l2cap_harness.h"

static void test_api_not_supported(void **state)
{
	(void)state;
	struct node a;
	node_init(&a, BH_L2CAP_CENTRAL);
	uint16_t cid = 7, cids[2] = { 7, 7 };
	assert_int_equal(bh_l2cap_coc_register(a.l2, 0x0080), BH_ENOTSUP);
	assert_int_equal(bh_l2cap_coc_unregister(a.l2, 0x0080), BH_ENOTSUP);
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, 0x0080, &cid), BH_ENOTSUP);
	assert_int_equal(cid, 0);
	assert_int_equal(bh_l2cap_coc_send(a.l2, H, 0x0040, (const uint8_t *)"x", 1), BH_ENOTSUP);
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, 0x0040), BH_ENOTSUP);
	assert_int_equal(bh_l2cap_ecfc_connect(a.l2, H, 0x0080, 2, 0, cids), BH_ENOTSUP);
	assert_int_equal(cids[0], 0);
	assert_int_equal(cids[1], 0);
	assert_int_equal(bh_l2cap_ecfc_reconfigure(a.l2, H, cids, 1, 100, 64), BH_ENOTSUP);
	struct bh_l2cap_chan_info ci;
	assert_int_equal(bh_l2cap_chan_info(a.l2, H, 0x0040, &ci), BH_ENOTSUP);
	assert_int_equal(a.nf, 0); /* nothing went out */
	node_free(&a);
}

static void test_peer_requests_refused(void **state)
{
	(void)state;
	struct node b;
	node_init(&b, BH_L2CAP_PERIPHERAL);
	/* LE Credit Based Connection Request: SPSM 0x0080, SCID 0x0041, MTU
	 * 100, MPS 23, 4 credits -> refused, SPSM not supported. */
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 3, 0x80, 0x00, 0x41, 0x00, 100, 0, 23, 0, 4, 0);
	EXPECT_SIG(&b, 0, BH_L2CAP_LE_CREDIT_CONN_RSP, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00);
	/* Credit Based Connection Request for two channels: all refused,
	 * Destination CIDs 0. */
	SIG_IN(&b, BH_L2CAP_CREDIT_CONN_REQ, 4, 0x80, 0x00, 64, 0, 64, 0, 4, 0, 0x41, 0x00, 0x42,
	       0x00);
	EXPECT_SIG(&b, 1, BH_L2CAP_CREDIT_CONN_RSP, 4, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0, 0, 0, 0);
	/* Disconnection Request for a channel that cannot exist: Command
	 * Reject, Invalid CID in request, with the two CIDs. */
	SIG_IN(&b, BH_L2CAP_DISCONN_REQ, 5, 0x40, 0x00, 0x41, 0x00);
	EXPECT_SIG(&b, 2, BH_L2CAP_COMMAND_REJECT, 5, 0x02, 0x00, 0x40, 0x00, 0x41, 0x00);
	/* Reconfigure: invalid Destination CID. */
	SIG_IN(&b, BH_L2CAP_CREDIT_RECONF_REQ, 6, 100, 0, 64, 0, 0x41, 0x00);
	EXPECT_SIG(&b, 3, BH_L2CAP_CREDIT_RECONF_RSP, 6, 0x03, 0x00);
	/* A malformed request is still Command Not Understood. */
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_REQ, 7, 0x80, 0x00);
	EXPECT_SIG(&b, 4, BH_L2CAP_COMMAND_REJECT, 7, 0x00, 0x00);
	/* Unmatched responses, credits and K-frames are dropped silently. */
	SIG_IN(&b, BH_L2CAP_LE_CREDIT_CONN_RSP, 8, 0x40, 0, 100, 0, 23, 0, 4, 0, 0, 0);
	SIG_IN(&b, BH_L2CAP_FLOW_CONTROL_CREDIT, 9, 0x40, 0x00, 1, 0);
	const uint8_t k[] = { 1, 0, 0xaa };
	frame_in(&b, 0x0040, k, sizeof(k));
	assert_int_equal(b.nf, 5);
	assert_int_equal(b.nconnected, 0);
	assert_int_equal(b.nrx, 0);
	node_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_not_supported),
		cmocka_unit_test(test_peer_requests_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
