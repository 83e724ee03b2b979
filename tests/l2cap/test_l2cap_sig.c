/* L2CAP unit tests: framing, fixed-channel dispatch and MTUs, LE signaling
 * (Command Reject, Connection Parameter Update both roles, RTX). */
#include "l2cap_harness.h"

static void test_fixed_dispatch(void **state)
{
	(void)state;
	struct node n;
	node_init(&n, BH_L2CAP_PERIPHERAL);
	uint8_t p[80] = { 0x0a, 0x01, 0x00 };
	frame_in(&n, BH_L2CAP_CID_ATT, p, 3);
	assert_int_equal(n.nfixed, 1);
	assert_int_equal(n.fixed_cid, BH_L2CAP_CID_ATT);
	assert_int_equal(n.fixed_len, 3);
	frame_in(&n, BH_L2CAP_CID_SMP, p, 65);
	assert_int_equal(n.nfixed, 2);
	assert_int_equal(n.fixed_cid, BH_L2CAP_CID_SMP);
	frame_in(&n, BH_L2CAP_CID_ATT, p, 64); /* exactly the ATT MTU */
	assert_int_equal(n.nfixed, 3);
	/* oversize SDUs are dropped */
	frame_in(&n, BH_L2CAP_CID_SMP, p, 66);
	frame_in(&n, BH_L2CAP_CID_ATT, p, 65);
	assert_int_equal(n.nfixed, 3);
	assert_int_equal(bh_l2cap_stats(n.l2)->dropped_frames, 2);
	/* header length must match the frame, both ways */
	uint8_t f[] = { 0x03, 0x00, 0x04, 0x00, 0x0a, 0x01, 0x00, 0xff };
	bh_l2cap_on_acl(n.l2, H, f, sizeof(f));
	bh_l2cap_on_acl(n.l2, H, f, sizeof(f) - 2);
	bh_l2cap_on_acl(n.l2, H, f, 3);
	bh_l2cap_on_acl(n.l2, H, NULL, 0);
	assert_int_equal(n.nfixed, 3);
	bh_l2cap_on_acl(n.l2, H, f, sizeof(f) - 1);
	assert_int_equal(n.nfixed, 4);
	/* unknown connection, unknown fixed CID, dynamic CID with no channel */
	bh_l2cap_on_acl(n.l2, H + 1, f, sizeof(f) - 1);
	frame_in(&n, 0x0003, p, 3);
	frame_in(&n, 0x0041, p, 3);
	frame_in(&n, 0x0080, p, 3);
	assert_int_equal(n.nfixed, 4);
	assert_int_equal(bh_l2cap_stats(n.l2)->dropped_frames, 10);
	assert_int_equal(n.nf, 0);
	node_free(&n);
}

static void test_send_fixed(void **state)
{
	(void)state;
	struct node n;
	node_init(&n, BH_L2CAP_CENTRAL);
	uint8_t p[70] = { 1, 2, 3 };
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_ATT, p, 3), 0);
	const uint8_t want[] = { 3, 0, 4, 0, 1, 2, 3 };
	assert_int_equal(n.flen[0], sizeof(want));
	assert_memory_equal(n.f[0], want, sizeof(want));
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_ATT, p, 64), 0);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_ATT, p, 65), BH_EINVAL);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_SMP, p, 65), 0);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_SMP, p, 66), BH_EINVAL);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_LE_SIGNALING, p, 3), BH_EINVAL);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_ATT, NULL, 3), BH_EINVAL);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H + 1, BH_L2CAP_CID_ATT, p, 3), BH_ENOTFOUND);
	assert_int_equal(n.nf, 3);
	n.busy = 1;
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_ATT, p, 3), BH_EBUSY);
	bh_l2cap_acl_can_send(n.l2, H);
	assert_int_equal(n.ncansend, 1);
	bh_l2cap_acl_can_send(n.l2, H); /* once per BH_EBUSY */
	assert_int_equal(n.ncansend, 1);
	bh_l2cap_acl_can_send(n.l2, H + 1); /* unknown connection: ignored */
	node_free(&n);
}

/* "Sent, now full" from the port: the next ATT or SMP PDU is refused
 * without being built or offered to the port, until the can-send, which
 * comes although nobody had been refused when the queue filled. */
static void test_send_fixed_now_full(void **state)
{
	(void)state;
	struct node n;
	node_init(&n, BH_L2CAP_PERIPHERAL);
	uint8_t p[70] = { 1, 2, 3 };
	n.full = 1;
	assert_int_equal(bh_l2cap_send_fixed_flow(n.l2, H, BH_L2CAP_CID_ATT, p, 3),
			 BH_L2CAP_NOW_FULL);
	assert_int_equal(n.nf, 1);
	assert_int_equal(bh_l2cap_send_fixed_flow(n.l2, H, BH_L2CAP_CID_ATT, p, 3), BH_EBUSY);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_SMP, p, 3), BH_EBUSY);
	assert_int_equal(n.nf, 1); /* the port never saw them */
	/* Argument errors still come first. */
	assert_int_equal(bh_l2cap_send_fixed_flow(n.l2, H, BH_L2CAP_CID_ATT, p, 65), BH_EINVAL);
	assert_int_equal(bh_l2cap_send_fixed_flow(n.l2, H + 1, BH_L2CAP_CID_ATT, p, 3),
			 BH_ENOTFOUND);
	bh_l2cap_acl_can_send(n.l2, H);
	assert_int_equal(n.ncansend, 1);
	assert_int_equal(bh_l2cap_send_fixed_flow(n.l2, H, BH_L2CAP_CID_ATT, p, 3), 0);
	assert_int_equal(n.nf, 2);
	/* The plain call says 0 for a full queue, and the can-send follows. */
	n.full = 1;
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_SMP, p, 3), 0);
	assert_int_equal(bh_l2cap_send_fixed(n.l2, H, BH_L2CAP_CID_SMP, p, 3), BH_EBUSY);
	bh_l2cap_acl_can_send(n.l2, H);
	assert_int_equal(n.ncansend, 2);
	/* A signaling frame that fills the queue counts as sent (not held, not
	 * resent) and holds back fixed PDUs as well. */
	n.full = 1;
	struct bh_l2cap_conn_params want = { 24, 40, 0, 400 };
	assert_int_equal(bh_l2cap_conn_param_update(n.l2, H, &want), 0);
	assert_int_equal(n.nf, 4);
	assert_int_equal(bh_l2cap_send_fixed_flow(n.l2, H, BH_L2CAP_CID_ATT, p, 3), BH_EBUSY);
	bh_l2cap_acl_can_send(n.l2, H);
	assert_int_equal(n.nf, 4); /* nothing was held */
	assert_int_equal(n.ncansend, 3);
	assert_int_equal(bh_l2cap_send_fixed_flow(n.l2, H, BH_L2CAP_CID_ATT, p, 3), 0);
	assert_int_equal(n.nf, 5);
	node_free(&n);
}

static void test_conn_table(void **state)
{
	(void)state;
	struct bh_l2cap_config c;
	small_cfg(&c);
	c.max_connections = 1;
	struct node n;
	node_init_cfg(&n, BH_L2CAP_CENTRAL, &c);
	assert_int_equal(bh_l2cap_conn_added(n.l2, H, BH_L2CAP_CENTRAL), BH_EEXIST);
	assert_int_equal(bh_l2cap_conn_added(n.l2, H + 1, BH_L2CAP_CENTRAL), BH_ENOMEM);
	bh_l2cap_conn_removed(n.l2, H);
	bh_l2cap_conn_removed(n.l2, H); /* twice: no effect */
	assert_int_equal(bh_l2cap_conn_added(n.l2, H + 1, BH_L2CAP_CENTRAL), 0);
	node_free(&n);
	/* invalid configurations */
	struct bh_l2cap_port p = { .acl_send = n_acl_send };
	small_cfg(&c);
	c.coc_mps = 22;
	assert_null(bh_l2cap_new(&c, &g_env, &p));
	small_cfg(&c);
	c.coc_mtu = 22;
	assert_null(bh_l2cap_new(&c, &g_env, &p));
	assert_null(bh_l2cap_new(NULL, &g_env, &(struct bh_l2cap_port){ 0 }));
	struct bh_l2cap *l2 = bh_l2cap_new(NULL, &g_env, &p);
	assert_non_null(l2);
	bh_l2cap_free(l2);
	bh_l2cap_free(NULL);
}

static void test_params_valid(void **state)
{
	(void)state;
	struct bh_l2cap_conn_params p = { 6, 6, 0, 10 };
	assert_true(bh_l2cap_conn_params_valid(&p));
	p = (struct bh_l2cap_conn_params){ 5, 6, 0, 10 };
	assert_false(bh_l2cap_conn_params_valid(&p));
	p = (struct bh_l2cap_conn_params){ 24, 3201, 0, 3200 };
	assert_false(bh_l2cap_conn_params_valid(&p));
	p = (struct bh_l2cap_conn_params){ 40, 24, 0, 400 };
	assert_false(bh_l2cap_conn_params_valid(&p));
	p = (struct bh_l2cap_conn_params){ 24, 40, 500, 3200 };
	assert_false(bh_l2cap_conn_params_valid(&p));
	p = (struct bh_l2cap_conn_params){ 24, 40, 0, 9 };
	assert_false(bh_l2cap_conn_params_valid(&p));
	p = (struct bh_l2cap_conn_params){ 24, 40, 0, 3201 };
	assert_false(bh_l2cap_conn_params_valid(&p));
	/* timeout must exceed (1 + latency) * interval_max * 2: 40*1.25*2*4 = 400 ms */
	p = (struct bh_l2cap_conn_params){ 24, 40, 3, 40 };
	assert_false(bh_l2cap_conn_params_valid(&p));
	p = (struct bh_l2cap_conn_params){ 24, 40, 3, 41 };
	assert_true(bh_l2cap_conn_params_valid(&p));
}

static void test_param_update_back_to_back(void **state)
{
	(void)state;
	struct node c, p;
	node_init(&c, BH_L2CAP_CENTRAL);
	node_init(&p, BH_L2CAP_PERIPHERAL);
	link_nodes(&c, &p);
	struct bh_l2cap_conn_params want = { 24, 40, 0, 400 };
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H, &want), 0);
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H, &want), BH_EEXIST);
	pump(&c, &p);
	assert_int_equal(c.nparam_req, 1);
	assert_int_equal(c.nupdate, 1);
	assert_memory_equal(&c.upd, &want, sizeof(want));
	assert_int_equal(p.nresult, 1);
	assert_int_equal(p.param_result, BH_OK);
	/* policy says no */
	c.refuse_params = true;
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H, &want), 0);
	pump(&c, &p);
	assert_int_equal(c.nupdate, 1);
	assert_int_equal(p.nresult, 2);
	assert_int_equal(p.param_result, BH_L2CAP_RESULT(1));
	/* API checks */
	struct bh_l2cap_conn_params bad = { 2, 40, 0, 400 };
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H, &bad), BH_EINVAL);
	assert_int_equal(bh_l2cap_conn_param_update(c.l2, H, &want), BH_ESTATE);
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H + 1, &want), BH_ENOTFOUND);
	node_free(&c);
	node_free(&p);
}

static void test_param_req_raw(void **state)
{
	(void)state;
	struct node c;
	node_init(&c, BH_L2CAP_CENTRAL);
	/* out of range: rejected without asking the app */
	SIG_IN(&c, BH_L2CAP_CONN_PARAM_REQ, 7, 5, 0, 40, 0, 0, 0, 0x90, 0x01);
	EXPECT_SIG(&c, 0, BH_L2CAP_CONN_PARAM_RSP, 7, 1, 0);
	assert_int_equal(c.nparam_req, 0);
	assert_int_equal(c.nupdate, 0);
	/* wrong length: Command Reject, not understood */
	SIG_IN(&c, BH_L2CAP_CONN_PARAM_REQ, 8, 24, 0, 40, 0, 0, 0, 0x90);
	EXPECT_SIG(&c, 1, BH_L2CAP_COMMAND_REJECT, 8, 0, 0);
	/* a response nobody asked for: dropped */
	SIG_IN(&c, BH_L2CAP_CONN_PARAM_RSP, 9, 0, 0);
	assert_int_equal(c.nf, 2);
	assert_int_equal(c.nresult, 0);
	assert_int_equal(bh_l2cap_stats(c.l2)->sig_dropped, 1);
	node_free(&c);

	/* a peripheral rejects the request */
	struct node p;
	node_init(&p, BH_L2CAP_PERIPHERAL);
	SIG_IN(&p, BH_L2CAP_CONN_PARAM_REQ, 3, 24, 0, 40, 0, 0, 0, 0x90, 0x01);
	EXPECT_SIG(&p, 0, BH_L2CAP_COMMAND_REJECT, 3, 0, 0);
	assert_int_equal(p.nupdate, 0);
	assert_int_equal(bh_l2cap_stats(p.l2)->sig_rejects_sent, 1);
	node_free(&p);
}

/* The deadline walk counts links in use and stops after the last: a
 * timer on a link behind a freed slot is still found, and a removed link
 * no longer counts. */
static void test_deadline_walk_slots(void **state)
{
	(void)state;
	struct node p;
	g_now = 500;
	node_init(&p, BH_L2CAP_PERIPHERAL);
	assert_int_equal(bh_l2cap_conn_added(p.l2, H + 1, BH_L2CAP_PERIPHERAL), 0);
	bh_l2cap_conn_removed(p.l2, H); /* slot 0 free, the link in slot 1 */
	struct bh_l2cap_conn_params want = { 24, 40, 0, 400 };
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H + 1, &want), 0);
	assert_int_equal(bh_l2cap_next_deadline(p.l2), 30500);
	assert_int_equal(bh_l2cap_conn_added(p.l2, H, BH_L2CAP_PERIPHERAL), 0);
	assert_int_equal(bh_l2cap_next_deadline(p.l2), 30500);
	bh_l2cap_conn_removed(p.l2, H + 1);
	assert_int_equal(bh_l2cap_next_deadline(p.l2), BH_NEVER);
	node_free(&p);
}

static void test_param_rsp_matching_and_rtx(void **state)
{
	(void)state;
	struct node p;
	g_now = 500;
	node_init(&p, BH_L2CAP_PERIPHERAL);
	struct bh_l2cap_conn_params want = { 24, 40, 0, 400 };
	assert_int_equal(bh_l2cap_next_deadline(p.l2), BH_NEVER);
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H, &want), 0);
	EXPECT_SIG(&p, 0, BH_L2CAP_CONN_PARAM_REQ, 0, 24, 0, 40, 0, 0, 0, 0x90, 0x01);
	uint8_t id = p.f[0][5];
	assert_int_not_equal(id, 0);
	assert_int_equal(bh_l2cap_next_deadline(p.l2), 30500);
	SIG_IN(&p, BH_L2CAP_CONN_PARAM_RSP, (uint8_t)(id + 1), 0, 0); /* wrong identifier */
	SIG_IN(&p, BH_L2CAP_CONN_PARAM_RSP, id, 0); /* wrong length */
	assert_int_equal(p.nresult, 0);
	g_now = 30499;
	bh_l2cap_on_timeout(p.l2);
	assert_int_equal(p.nresult, 0);
	g_now = 30500;
	bh_l2cap_on_timeout(p.l2);
	assert_int_equal(p.nresult, 1);
	assert_int_equal(p.param_result, BH_ETIMEDOUT);
	assert_int_equal(bh_l2cap_next_deadline(p.l2), BH_NEVER);
	SIG_IN(&p, BH_L2CAP_CONN_PARAM_RSP, id, 0, 0); /* too late: dropped */
	assert_int_equal(p.nresult, 1);
	/* Command Reject ends the request with BH_ENOTSUP */
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H, &want), 0);
	id = p.f[1][5];
	SIG_IN(&p, BH_L2CAP_COMMAND_REJECT, id, 0, 0);
	assert_int_equal(p.nresult, 2);
	assert_int_equal(p.param_result, BH_ENOTSUP);
	/* disconnect while pending */
	assert_int_equal(bh_l2cap_conn_param_update(p.l2, H, &want), 0);
	bh_l2cap_conn_removed(p.l2, H);
	assert_int_equal(p.nresult, 3);
	assert_int_equal(p.param_result, BH_EDISCONNECTED);
	bh_l2cap_on_timeout(p.l2);
	assert_int_equal(p.nresult, 3);
	node_free(&p);
	g_now = 0;
}

static void test_sig_malformed(void **state)
{
	(void)state;
	struct node n;
	node_init(&n, BH_L2CAP_CENTRAL);
	SIG_IN(&n, 0x55, 4, 1, 2); /* unknown code */
	EXPECT_SIG(&n, 0, BH_L2CAP_COMMAND_REJECT, 4, 0, 0);
	SIG_IN(&n, 0x08, 4); /* Echo Request is BR/EDR only */
	EXPECT_SIG(&n, 1, BH_L2CAP_COMMAND_REJECT, 4, 0, 0);
	SIG_IN(&n, 0x55, 0, 1); /* identifier 0: dropped */
	assert_int_equal(n.nf, 2);
	const uint8_t short_hdr[] = { 0x12, 0x05, 0x08 };
	frame_in(&n, BH_L2CAP_CID_LE_SIGNALING, short_hdr, sizeof(short_hdr));
	assert_int_equal(n.nf, 2);
	/* length field disagrees with the frame */
	const uint8_t bad_len[] = { 0x12, 0x05, 0x09, 0x00, 24, 0, 40, 0, 0, 0, 0x90, 0x01 };
	frame_in(&n, BH_L2CAP_CID_LE_SIGNALING, bad_len, sizeof(bad_len));
	EXPECT_SIG(&n, 2, BH_L2CAP_COMMAND_REJECT, 5, 0, 0);
	/* a malformed Command Reject is never answered */
	const uint8_t bad_rej[] = { 0x01, 0x05, 0x09, 0x00, 0, 0 };
	frame_in(&n, BH_L2CAP_CID_LE_SIGNALING, bad_rej, sizeof(bad_rej));
	SIG_IN(&n, BH_L2CAP_COMMAND_REJECT, 6, 0); /* too short */
	SIG_IN(&n, BH_L2CAP_COMMAND_REJECT, 6, 0, 0); /* unknown identifier */
	assert_int_equal(n.nf, 3);
	/* above the signaling MTU of 23: reason 1 with our MTU */
	uint8_t big[24] = { 0x55, 0x0c, 20, 0 };
	frame_in(&n, BH_L2CAP_CID_LE_SIGNALING, big, sizeof(big));
	EXPECT_SIG(&n, 3, BH_L2CAP_COMMAND_REJECT, 0x0c, 1, 0, 23, 0);
	/* Disconnection Request for a CID we do not have: reason 2 with the CIDs */
	SIG_IN(&n, BH_L2CAP_DISCONN_REQ, 0x0d, 0x40, 0x00, 0x41, 0x00);
	EXPECT_SIG(&n, 4, BH_L2CAP_COMMAND_REJECT, 0x0d, 2, 0, 0x40, 0, 0x41, 0);
	SIG_IN(&n, BH_L2CAP_DISCONN_REQ, 0x0e, 0x40, 0x00); /* short */
	EXPECT_SIG(&n, 5, BH_L2CAP_COMMAND_REJECT, 0x0e, 0, 0);
	/* stray responses and credits are dropped silently */
	SIG_IN(&n, BH_L2CAP_DISCONN_RSP, 0x0f, 0x40, 0x00, 0x41, 0x00);
	SIG_IN(&n, BH_L2CAP_LE_CREDIT_CONN_RSP, 0x0f, 0x40, 0, 23, 0, 23, 0, 1, 0, 0, 0);
	SIG_IN(&n, BH_L2CAP_FLOW_CONTROL_CREDIT, 0x0f, 0x40, 0x00, 1, 0);
	SIG_IN(&n, BH_L2CAP_FLOW_CONTROL_CREDIT, 0x0f, 0x40, 0x00);
	assert_int_equal(n.nf, 6);
	assert_int_equal(bh_l2cap_stats(n.l2)->sig_rejects_sent, 6);
	node_free(&n);
}

static void test_sig_queue_when_busy(void **state)
{
	(void)state;
	struct node n;
	node_init(&n, BH_L2CAP_CENTRAL);
	n.busy_all = 1;
	for (uint8_t i = 1; i <= 5; i++)
		SIG_IN(&n, 0x55, i, 0); /* four are held, the fifth is lost */
	assert_int_equal(n.nf, 0);
	assert_int_equal(bh_l2cap_stats(n.l2)->sig_dropped, 1);
	n.busy_all = 0;
	n.busy = 1;
	bh_l2cap_acl_can_send(n.l2, H); /* still busy: keeps all four */
	assert_int_equal(n.nf, 0);
	bh_l2cap_acl_can_send(n.l2, H);
	assert_int_equal(n.nf, 4);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_SIG(&n, i, BH_L2CAP_COMMAND_REJECT, (uint8_t)(i + 1), 0, 0);
	/* a peripheral's request that cannot be held reports BH_EBUSY */
	node_free(&n);
	node_init(&n, BH_L2CAP_PERIPHERAL);
	n.busy_all = 1;
	for (uint8_t i = 1; i <= 4; i++)
		SIG_IN(&n, 0x55, i, 0);
	struct bh_l2cap_conn_params want = { 24, 40, 0, 400 };
	assert_int_equal(bh_l2cap_conn_param_update(n.l2, H, &want), BH_EBUSY);
	assert_int_equal(bh_l2cap_next_deadline(n.l2), BH_NEVER);
	node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_dispatch),
		cmocka_unit_test(test_send_fixed),
		cmocka_unit_test(test_send_fixed_now_full),
		cmocka_unit_test(test_deadline_walk_slots),
		cmocka_unit_test(test_conn_table),
		cmocka_unit_test(test_params_valid),
		cmocka_unit_test(test_param_update_back_to_back),
		cmocka_unit_test(test_param_req_raw),
		cmocka_unit_test(test_param_rsp_matching_and_rtx),
		cmocka_unit_test(test_sig_malformed),
		cmocka_unit_test(test_sig_queue_when_busy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
