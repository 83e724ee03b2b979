/* Advertising command sequences (exact parameter bytes), timeouts,
 * extended fragmentation, connections ending advertising, restart, own
 * addresses (static, RPA, NRPA, rotation, a rotation's refused address
 * write), and connections or high duty directed advertising's timeout
 * reported late against a rotation's or a stop's commands. */
#include "fake_hci.h"

struct arec {
	size_t cb_n, stop_n;
	bh_status cb, stop;
};

static void adv_cb(void *ctx, bh_status st)
{
	struct arec *r = ctx;
	r->cb_n++;
	r->cb = st;
}

static void adv_stopped(void *ctx, bh_status st)
{
	struct arec *r = ctx;
	r->stop_n++;
	r->stop = st;
}

static struct bh_gap_adv_params params(struct arec *r, enum bh_gap_adv_kind k)
{
	struct bh_gap_adv_params p = { .kind = k, .on_stopped = adv_stopped, .ctx = r };
	return p;
}

static void test_legacy_connectable(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	const uint8_t data[] = { 0x02, 0x01, 0x06, 0x04, 0x09, 'a', 'b', 'c' };
	const uint8_t rsp[] = { 0x03, 0x19, 0x40, 0x03 };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_CONN);
	p.data = data;
	p.data_len = sizeof(data);
	p.scan_rsp = rsp;
	p.scan_rsp_len = sizeof(rsp);
	p.interval_min = 0x30;
	p.interval_max = 0x40;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_OK);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_EBUSY);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_SET_ADV_PARAMS, BH_HCI_LE_SET_ADV_DATA,
				 BH_HCI_LE_SET_SCAN_RSP_DATA, BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 4);
	/* 7.8.5: min, max, ADV_IND, own public, peer type+addr, channels 37-39, policy */
	const uint8_t ap[15] = { 0x30, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0,
				 0x07, 0x00 };
	fake_expect_params(&f.cmds[0], ap, 15);
	uint8_t ad[32] = { sizeof(data) };
	memcpy(ad + 1, data, sizeof(data));
	fake_expect_params(&f.cmds[1], ad, 32);
	uint8_t sr[32] = { sizeof(rsp) };
	memcpy(sr + 1, rsp, sizeof(rsp));
	fake_expect_params(&f.cmds[2], sr, 32);
	const uint8_t en[] = { 0x01 };
	fake_expect_params(&f.cmds[3], en, 1);
	assert_int_equal(r.cb_n, 1);
	assert_int_equal(r.cb, BH_OK);
	assert_true(bh_gap_advertising(f.gap));

	/* The caller stops it: disable, no on_stopped. */
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_pump(&f);
	const uint8_t dis[] = { 0x00 };
	fake_expect_params(&f.cmds[4], dis, 1);
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(r.stop_n, 0);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_ESTATE);
	bh_gap_free(f.gap);
}

static void test_legacy_timeout_and_kinds(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_NONCONN);
	p.timeout_ms = 3000;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	/* Non-connectable: no scan response command; default interval 100 ms. */
	const uint16_t ops[] = { BH_HCI_LE_SET_ADV_PARAMS, BH_HCI_LE_SET_ADV_DATA,
				 BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 3);
	assert_int_equal(f.cmds[0].p[4], 0x03);
	assert_int_equal(bh_get16(f.cmds[0].p), 0x00a0);
	assert_int_equal(bh_get16(f.cmds[0].p + 2), 0x00a0);
	assert_int_equal(bh_gap_next_deadline(f.gap), 4000);
	f.now = 4000;
	bh_gap_on_timeout(f.gap);
	fake_pump(&f);
	assert_int_equal(f.cmds[3].op, BH_HCI_LE_SET_ADV_ENABLE);
	assert_int_equal(f.cmds[3].p[0], 0);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_ETIMEDOUT);
	assert_false(bh_gap_advertising(f.gap));

	/* Scannable: ADV_SCAN_IND with scan response. */
	size_t from = f.n;
	p = params(&r, BH_GAP_ADV_SCAN);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(f.cmds[from].p[4], 0x02);
	assert_int_equal(f.n - from, 4);
	bh_gap_adv_stop(f.gap);
	fake_pump(&f);

	/* Directed high and low duty: peer in the parameters, no data. */
	from = f.n;
	p = params(&r, BH_GAP_ADV_DIRECT_HIGH);
	p.peer = (bh_addr){ 1, { 1, 2, 3, 4, 5, 0xc6 } };
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	const uint16_t dops[] = { BH_HCI_LE_SET_ADV_PARAMS, BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, from, dops, 2);
	const uint8_t ap[15] = { 0xa0, 0, 0xa0, 0, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 0xc6, 7, 0 };
	fake_expect_params(&f.cmds[from], ap, 15);
	/* High duty directed ends with Connection Complete status 0x3c. */
	fake_conn_complete(&f, 0x3c, 0, 1, NULL);
	assert_int_equal(r.stop_n, 2);
	assert_int_equal(r.stop, BH_ETIMEDOUT);
	assert_false(bh_gap_advertising(f.gap));
	from = f.n;
	p.kind = BH_GAP_ADV_DIRECT_LOW;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(f.cmds[from].p[4], 0x04);
	bh_gap_free(f.gap);
}

static void test_bad_params(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	uint8_t big[40] = { 0 };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_CONN);
	p.data = big;
	p.data_len = 32;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_ENOTSUP);
	p.data_len = 1651;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_ENOSPACE);
	p.data_len = 3;
	p.data = NULL;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_EINVAL);
	p.data = big;
	p.interval_min = 0x10;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_EINVAL);
	p.interval_min = 0x100;
	p.interval_max = 0x80;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_EINVAL);
	p.interval_max = 0;
	p.channel_map = 0x08;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_EINVAL);
	p.channel_map = 0;
	p.kind = BH_GAP_ADV_DIRECT_HIGH;
	p.peer.type = 2;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_EINVAL);
	p.kind = 9;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_EINVAL);
	assert_int_equal(bh_gap_adv_start(f.gap, NULL, NULL, NULL), BH_EINVAL);
	assert_int_equal(f.n, 0);
	/* Controller refuses the parameters: no enable, callback with the status. */
	p = params(&r, BH_GAP_ADV_CONN);
	f.fail_op = BH_HCI_LE_SET_ADV_PARAMS;
	f.fail_status = 0x12;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.cb_n, 1);
	assert_int_equal(r.cb, BH_HCI_STATUS(0x12));
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_ADV_ENABLE), 0);
	assert_false(bh_gap_advertising(f.gap));
	bh_gap_free(f.gap);
}

static void test_extended_fragmented(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	uint8_t data[400];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_NONCONN);
	p.data = data;
	p.data_len = sizeof(data);
	p.timeout_ms = 5000;
	p.interval_min = 0x100;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_READ_MAX_ADV_DATA_LEN, BH_HCI_LE_REMOVE_ADV_SET,
				 BH_HCI_LE_SET_EXT_ADV_PARAMS, BH_HCI_LE_SET_EXT_ADV_DATA,
				 BH_HCI_LE_SET_EXT_ADV_DATA, BH_HCI_LE_SET_EXT_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 6);
	/* 7.8.53: handle 0, properties 0 (extended non-connectable non-scannable),
	 * 3-byte intervals, channels, own, peer, policy, tx 0x7f, PHYs, SID, notif */
	const uint8_t ep[25] = { 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x07,
				 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x7f, 0x01, 0x00, 0x01,
				 0x00, 0x00 };
	fake_expect_params(&f.cmds[2], ep, 25);
	/* first fragment: handle, op 1, preference 1, 251 bytes */
	assert_int_equal(f.cmds[3].len, 4 + 251);
	assert_memory_equal(f.cmds[3].p, "\x00\x01\x01\xfb", 4);
	assert_memory_equal(f.cmds[3].p + 4, data, 251);
	assert_int_equal(f.cmds[4].len, 4 + 149);
	assert_memory_equal(f.cmds[4].p, "\x00\x02\x01\x95", 4);
	assert_memory_equal(f.cmds[4].p + 4, data + 251, 149);
	/* enable, one set, handle 0, duration 500 x 10 ms, no event limit */
	const uint8_t en[] = { 0x01, 0x01, 0x00, 0xf4, 0x01, 0x00 };
	fake_expect_params(&f.cmds[5], en, 6);
	assert_int_equal(r.cb, BH_OK);
	assert_int_equal(bh_gap_next_deadline(f.gap), BH_NEVER); /* the controller times it */
	/* Advertising Set Terminated, status Advertising Timeout. */
	const uint8_t term[] = { 0x3c, 0x00, 0x00, 0x00, 0x10 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_ETIMEDOUT);
	assert_false(bh_gap_advertising(f.gap));

	/* The maximum is known now: too big is refused at once. */
	f.max_adv_len = 300;
	bh_gap_free(f.gap);
	fake_init(&f, true);
	f.max_adv_len = 300;
	fake_gap(&f, NULL);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.cb, BH_ENOSPACE);
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_EXT_ADV_ENABLE), 0);
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_ENOSPACE);
	/* Extended PDUs cannot be connectable and scannable at once. */
	p.kind = BH_GAP_ADV_CONN;
	p.data_len = 100;
	p.scan_rsp = data;
	p.scan_rsp_len = 10;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_EINVAL);
	p.kind = BH_GAP_ADV_SCAN;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_EINVAL);
	bh_gap_free(f.gap);
}

static void test_extended_legacy_pdus_and_connection(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	const uint8_t data[] = { 0x02, 0x01, 0x06 };
	const uint8_t rsp[] = { 0x03, 0x09, 'h', 'i' };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_CONN);
	p.data = data;
	p.data_len = 3;
	p.scan_rsp = rsp;
	p.scan_rsp_len = 4;
	p.restart_on_disconnect = true;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_REMOVE_ADV_SET, BH_HCI_LE_SET_EXT_ADV_PARAMS,
				 BH_HCI_LE_SET_EXT_ADV_DATA, BH_HCI_LE_SET_EXT_SCAN_RSP_DATA,
				 BH_HCI_LE_SET_EXT_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 5);
	assert_int_equal(bh_get16(f.cmds[1].p + 1), 0x0013); /* legacy ADV_IND */
	const uint8_t d[] = { 0x00, 0x03, 0x01, 0x03, 0x02, 0x01, 0x06 }; /* op 3 complete */
	fake_expect_params(&f.cmds[2], d, sizeof(d));
	const uint8_t en[] = { 0x01, 0x01, 0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[4], en, 6);

	/* A central connects: Connection Complete, then Set Terminated. */
	bh_addr peer = { 1, { 1, 1, 1, 1, 1, 0xc1 } };
	fake_conn_complete(&f, 0, 0x0040, 1, &peer);
	assert_int_equal(f.n_connected, 1);
	assert_int_equal(f.connected[0].role, BH_GAP_ROLE_PERIPHERAL);
	assert_true(bh_gap_advertising(f.gap)); /* until the set says so */
	const uint8_t term[] = { 0x00, 0x00, 0x40, 0x00, 0x01 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_advertising(f.gap));
	fake_pump(&f);
	/* The link ends: advertising starts again with the same data. */
	size_t from = f.n;
	fake_disc_complete(&f, 0x0040, 0x13);
	fake_pump(&f);
	assert_true(bh_gap_advertising(f.gap));
	assert_int_equal(f.n - from, 5);
	fake_expect_params(&f.cmds[from + 2], d, sizeof(d));
	/* Other handles' terminations and short events are ignored. */
	const uint8_t other[] = { 0x00, 0x03, 0x41, 0x00, 0x01 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, other, 5);
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 3);
	assert_true(bh_gap_advertising(f.gap));
	bh_gap_free(f.gap);
}

/* Connectable legacy advertising that restarts after a disconnect (*p),
 * taken by a central on link handle: advertising then ends (BH_OK). */
static void restartable_taken(struct fake *f, struct arec *r, struct bh_gap_adv_params *p,
			      uint16_t handle)
{
	*p = params(r, BH_GAP_ADV_CONN);
	p->restart_on_disconnect = true;
	size_t stops = r->stop_n;
	assert_int_equal(bh_gap_adv_start(f->gap, p, NULL, NULL), BH_OK);
	fake_pump(f);
	bh_addr peer = { 0, { 1, 1, 1, 1, 1, 1 } };
	fake_conn_complete(f, 0, handle, 1, &peer);
	assert_int_equal(r->stop_n, stops + 1);
	assert_int_equal(r->stop, BH_OK);
	assert_false(bh_gap_advertising(f->gap));
}

static void test_legacy_connection_stops_and_restarts(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	struct bh_gap_adv_params p;
	restartable_taken(&f, &r, &p, 0x0001);
	bh_addr peer = { 0, { 1, 1, 1, 1, 1, 1 } };
	const struct bh_gap_conn *c = bh_gap_conn_get(f.gap, 1);
	assert_non_null(c);
	assert_int_equal(c->local.type, BH_ADDR_PUBLIC);
	assert_memory_equal(c->local.val, f.info.bdaddr.val, 6);
	fake_pump(&f);
	size_t from = f.n;
	fake_disc_complete(&f, 0x0001, 0x08);
	assert_int_equal(f.n_disc, 1);
	assert_int_equal(f.disc_reason[0], 0x08);
	fake_pump(&f);
	assert_int_equal(f.n - from, 4);
	assert_true(bh_gap_advertising(f.gap));
	/* Once the caller stops it (even while a link holds it), a later
	 * disconnect does not restart. */
	fake_conn_complete(&f, 0, 0x0002, 1, &peer);
	fake_pump(&f);
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_ESTATE);
	fake_disc_complete(&f, 0x0002, 0x13);
	fake_pump(&f);
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_ADV_ENABLE), 2);
	/* A peripheral link not created by our advertising never restarts it. */
	p.restart_on_disconnect = true;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0003, 1, &peer);
	fake_disc_complete(&f, 0x0003, 0x13);
	fake_pump(&f);
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_ADV_ENABLE), 4);
	bh_gap_free(f.gap);
}

/* A restart the controller refuses has no caller to answer: on_stopped
 * says so, and no later disconnect tries it again. A start the controller
 * refuses is not restarted by the link of the run before it. */
static void test_restart_refused(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	struct bh_gap_adv_params p;
	restartable_taken(&f, &r, &p, 0x0001);
	fake_pump(&f);
	f.fail_op = BH_HCI_LE_SET_ADV_ENABLE;
	f.fail_status = 0x0c;
	fake_disc_complete(&f, 0x0001, 0x13);
	fake_pump(&f);
	assert_int_equal(r.stop_n, 2);
	assert_int_equal(r.stop, BH_HCI_STATUS(0x0c));
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_ESTATE); /* nothing kept */

	/* Run A takes a link; start B is refused; A's link ends: no restart. */
	f.fail_op = 0;
	restartable_taken(&f, &r, &p, 0x0002);
	fake_pump(&f);
	f.fail_op = BH_HCI_LE_SET_ADV_PARAMS;
	struct arec rb = { 0 };
	struct bh_gap_adv_params pb = params(&rb, BH_GAP_ADV_CONN);
	pb.restart_on_disconnect = true;
	assert_int_equal(bh_gap_adv_start(f.gap, &pb, adv_cb, &rb), BH_OK);
	fake_pump(&f);
	assert_int_equal(rb.cb_n, 1);
	assert_int_equal(rb.cb, BH_HCI_STATUS(0x0c));
	f.fail_op = 0;
	size_t from = f.n;
	fake_disc_complete(&f, 0x0002, 0x13);
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(rb.stop_n, 0);
	bh_gap_free(f.gap);

	/* At the connection limit a start is refused at once: the link that
	 * filled it ending does not start it either. */
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.max_connections = 1;
	fake_init(&f, false);
	fake_gap(&f, &cfg);
	restartable_taken(&f, &r, &p, 0x0003);
	fake_pump(&f);
	assert_int_equal(bh_gap_adv_start(f.gap, &pb, NULL, NULL), BH_HCI_STATUS(0x09));
	from = f.n;
	fake_disc_complete(&f, 0x0003, 0x13);
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_false(bh_gap_advertising(f.gap));
	bh_gap_free(f.gap);
}

static void addr_cb(void *ctx, bh_status st)
{
	*(bh_status *)ctx = st;
}

static void test_own_addresses(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	bh_status st = 99;
	/* Static: generated, top bits 0b11. */
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_STATIC, NULL, addr_cb, &st),
			 BH_OK);
	fake_pump(&f);
	assert_int_equal(st, BH_OK);
	const struct fake_cmd *c = fake_last(&f, BH_HCI_LE_SET_RANDOM_ADDRESS);
	assert_non_null(c);
	assert_int_equal(c->len, 6);
	assert_int_equal(c->p[5] & 0xc0, 0xc0);
	bh_addr own = bh_gap_own_address(f.gap);
	assert_memory_equal(own.val, c->p, 6);
	/* A caller-given static address must be static. */
	bh_addr bad = { 1, { 1, 2, 3, 4, 5, 0x40 } };
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_STATIC, &bad, NULL, NULL),
			 BH_EINVAL);
	bh_addr good = { 1, { 1, 2, 3, 4, 5, 0xc0 } };
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_STATIC, &good, NULL, NULL),
			 BH_OK);
	fake_pump(&f);
	fake_expect_params(fake_last(&f, BH_HCI_LE_SET_RANDOM_ADDRESS), good.val, 6);
	/* Advertising uses own type random. */
	struct arec r = { 0 };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_NONCONN);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(fake_last(&f, BH_HCI_LE_SET_ADV_PARAMS)->p[5], 0x01);
	/* Not while advertising. */
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_PUBLIC, NULL, NULL, NULL),
			 BH_ESTATE);
	bh_gap_adv_stop(f.gap);
	fake_pump(&f);

	/* NRPA: top bits 0b00. Anonymous advertising uses a fresh one. */
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_NRPA, NULL, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(fake_last(&f, BH_HCI_LE_SET_RANDOM_ADDRESS)->p[5] & 0xc0, 0x00);
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_PUBLIC, NULL, NULL, NULL), BH_OK);
	size_t from = f.n;
	p.anonymous = true;
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(f.cmds[from].op, BH_HCI_LE_SET_RANDOM_ADDRESS);
	assert_int_equal(f.cmds[from].p[5] & 0xc0, 0x00);
	assert_int_equal(f.cmds[from + 1].p[5], 0x01); /* own type random */
	bh_gap_free(f.gap);
}

static void conn_result(void *ctx, bh_status st, const struct bh_gap_conn *c)
{
	assert_null(c);
	*(bh_status *)ctx = st;
}

static void test_rpa_rotation(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.own_addr = BH_GAP_OWN_RPA;
	fake_gap(&f, &cfg);
	struct bh_gap_scan_params sp = { .active = true };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_SET_RANDOM_ADDRESS, BH_HCI_LE_SET_SCAN_PARAMS,
				 BH_HCI_LE_SET_SCAN_ENABLE };
	fake_expect_ops(&f, 0, ops, 3);
	assert_int_equal(f.n_make_rpa, 1);
	assert_int_equal(f.cmds[0].p[5] & 0xc0, 0x40);
	assert_int_equal(f.cmds[1].p[5], 0x01);
	/* Advertising at the same time shares the address. */
	struct arec r = { 0 };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_NONCONN);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_RANDOM_ADDRESS), 1);
	/* 15 minutes later: pause both, new address, resume both. */
	assert_int_equal(bh_gap_next_deadline(f.gap), 1000 + 15 * 60 * 1000);
	f.now = 1000 + 15 * 60 * 1000;
	size_t from = f.n;
	bh_gap_on_timeout(f.gap);
	fake_pump(&f);
	const uint16_t rops[] = { BH_HCI_LE_SET_ADV_ENABLE, BH_HCI_LE_SET_SCAN_ENABLE,
				  BH_HCI_LE_SET_RANDOM_ADDRESS, BH_HCI_LE_SET_ADV_ENABLE,
				  BH_HCI_LE_SET_SCAN_ENABLE };
	fake_expect_ops(&f, from, rops, 5);
	assert_int_equal(f.cmds[from].p[0], 0);
	assert_int_equal(f.cmds[from + 1].p[0], 0);
	assert_int_equal(f.cmds[from + 3].p[0], 1);
	assert_int_equal(f.cmds[from + 4].p[0], 1);
	assert_int_equal(f.n_make_rpa, 2);
	assert_memory_not_equal(f.cmds[0].p, f.cmds[from + 2].p, 6);
	assert_true(bh_gap_scanning(f.gap));
	assert_true(bh_gap_advertising(f.gap));
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 15 * 60 * 1000);
	/* Nothing on air at the next deadline: the address is dropped, the
	 * next one made (bh_gap_own_address tells it) but not written, and
	 * the next start writes it. */
	bh_gap_scan_stop(f.gap);
	bh_gap_adv_stop(f.gap);
	fake_pump(&f);
	f.now += 15 * 60 * 1000;
	from = f.n;
	bh_gap_on_timeout(f.gap);
	assert_int_equal(f.n, from);
	assert_int_equal(f.n_make_rpa, 3);
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	assert_int_equal(f.n_make_rpa, 3);
	assert_int_equal(f.cmds[from].op, BH_HCI_LE_SET_RANDOM_ADDRESS);

	/* The controller refuses the random address: the scan start fails with
	 * its status and no parameters are sent; same for a connection. */
	bh_gap_free(f.gap);
	fake_init(&f, false);
	fake_gap(&f, &cfg);
	f.fail_op = BH_HCI_LE_SET_RANDOM_ADDRESS;
	f.fail_status = 0x12;
	bh_status done = 99;
	sp.on_done = addr_cb;
	sp.ctx = &done;
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	assert_int_equal(done, BH_HCI_STATUS(0x12));
	assert_false(bh_gap_scanning(f.gap));
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_SCAN_PARAMS), 0);
	struct arec ar = { 0 };
	struct bh_gap_adv_params np = params(&ar, BH_GAP_ADV_NONCONN);
	assert_int_equal(bh_gap_adv_start(f.gap, &np, adv_cb, &ar), BH_OK);
	fake_pump(&f);
	assert_int_equal(ar.cb, BH_HCI_STATUS(0x12));
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_ADV_PARAMS), 0);
	bh_addr peer = { 0, { 1, 2, 3, 4, 5, 6 } };
	assert_int_equal(bh_gap_connect(f.gap, &peer, NULL, 0, conn_result, &done), BH_OK);
	fake_pump(&f);
	assert_int_equal(done, BH_HCI_STATUS(0x12));
	assert_int_equal(fake_count(&f, BH_HCI_LE_CREATE_CONN), 0);
	bh_gap_free(f.gap);

	/* Without make_rpa, RPA is not supported. */
	fake_init(&f, false);
	struct bh_gap_port port = { .ctx = &f, .hci_cmd = fake_hci_cmd, .info = fake_info };
	struct bh_gap *g = bh_gap_new(&cfg, &f.env, &port);
	assert_non_null(g);
	assert_int_equal(bh_gap_scan_start(g, &sp), BH_ENOTSUP);
	assert_int_equal(bh_gap_set_own_address(g, BH_GAP_OWN_RPA, NULL, NULL, NULL), BH_ENOTSUP);
	bh_gap_free(g);
	/* Bad configurations are refused. */
	cfg.max_connections = 0;
	assert_null(bh_gap_new(&cfg, &f.env, &port));
	bh_gap_config_default(&cfg);
	cfg.scan_data_max = 10;
	assert_null(bh_gap_new(&cfg, &f.env, &port));
	port.hci_cmd = NULL;
	bh_gap_config_default(&cfg);
	assert_null(bh_gap_new(&cfg, &f.env, &port));
}

/* Answers the next unanswered command with status (0 = success). */
static void answer(struct fake *f, uint8_t status)
{
	assert_true(f->next_done < f->n);
	struct fake_cmd *c = &f->cmds[f->next_done++];
	uint8_t ret[1] = { status };
	c->cb(c->ctx, status ? BH_HCI_STATUS(status) : BH_OK, ret, 1);
}

static void test_connection_before_enable_confirmed(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct arec r = { 0 };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_CONN);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_OK);
	/* The link comes before the enable's Command Complete is processed
	 * (the enable is out: before it, the controller is not advertising
	 * this run, and a link would be news of an earlier one). */
	while (f.cmds[f.n - 1].op != BH_HCI_LE_SET_ADV_ENABLE)
		answer(&f, 0);
	bh_addr peer = { 0, { 1, 1, 1, 1, 1, 1 } };
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	assert_int_equal(r.cb_n, 1);
	assert_int_equal(r.cb, BH_OK);
	assert_int_equal(r.stop_n, 1);
	fake_pump(&f);
	assert_int_equal(r.cb_n, 1);
	assert_int_equal(r.stop_n, 1);
	assert_false(bh_gap_advertising(f.gap));
	bh_gap_free(f.gap);
}

static void test_extended_rpa_rotation_and_reset(void **state)
{
	(void)state;
	static struct fake f;
	fake_gap_rpa(&f, true);
	struct arec r = { 0 };
	struct bh_gap_adv_params p = params(&r, BH_GAP_ADV_CONN);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_REMOVE_ADV_SET, BH_HCI_LE_SET_EXT_ADV_PARAMS,
				 BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, BH_HCI_LE_SET_EXT_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 4);
	assert_int_equal(f.cmds[1].p[10], 0x01); /* own random */
	assert_int_equal(f.cmds[2].p[0], 0);     /* handle */
	assert_int_equal(f.cmds[2].p[6] & 0xc0, 0x40);
	f.now += 60000;
	size_t from = f.n;
	bh_gap_on_timeout(f.gap);
	fake_pump(&f);
	const uint16_t rops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_SET_RANDOM_ADDRESS,
				  BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, BH_HCI_LE_SET_EXT_ADV_ENABLE };
	fake_expect_ops(&f, from, rops, 4);
	/* Handle 0 only: other advertising sets keep running (7.8.56). */
	const uint8_t dis[] = { 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[from], dis, 6);
	assert_memory_equal(f.cmds[from + 1].p, f.cmds[from + 2].p + 1, 6);
	assert_memory_not_equal(f.cmds[2].p + 1, f.cmds[from + 2].p + 1, 6);
	assert_int_equal(f.cmds[from + 3].p[0], 1);

	/* A peripheral link, a scan, then the controller is reset. */
	struct bh_gap_scan_params sp = { .on_done = adv_stopped, .ctx = &r };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	bh_addr peer = { 0, { 1, 1, 1, 1, 1, 1 } };
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	assert_int_equal(bh_gap_conn_count(f.gap), 1);
	size_t stops = r.stop_n;
	bh_gap_reset(f.gap, BH_ERESET);
	assert_int_equal(r.stop_n, stops + 2); /* scan on_done and adv on_stopped */
	assert_int_equal(r.stop, BH_ERESET);
	assert_false(bh_gap_scanning(f.gap));
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(bh_gap_conn_count(f.gap), 0);
	assert_int_equal(f.n_disc, 0);
	/* The next controller is legacy-only: GAP follows it. */
	memset(f.info.commands, 0, sizeof(f.info.commands));
	assert_false(bh_gap_uses_extended(f.gap));
	from = f.n;
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	assert_int_equal(f.cmds[from].op, BH_HCI_LE_SET_RANDOM_ADDRESS);
	assert_int_equal(f.cmds[from + 1].op, BH_HCI_LE_SET_SCAN_PARAMS);
	bh_gap_free(f.gap);
}

/* Advertising of kind k on handle 0 (legacy commands unless ext) from an
 * RPA rotated every 60 s, its rotation due; the address it started from in
 * *a. */
static void rot_adv_kind(struct fake *f, bool ext, enum bh_gap_adv_kind k, struct arec *r,
			 bh_addr *a)
{
	fake_init(f, ext);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.own_addr = BH_GAP_OWN_RPA;
	cfg.rpa_timeout_ms = 60000;
	cfg.read_remote_features = false; /* only the commands under test */
	fake_gap(f, &cfg);
	*r = (struct arec){ 0 };
	struct bh_gap_adv_params p = params(r, k);
	assert_int_equal(bh_gap_adv_start(f->gap, &p, adv_cb, r), BH_OK);
	fake_pump(f);
	assert_int_equal(r->cb, BH_OK);
	*a = bh_gap_own_address(f->gap);
	f->now += 60000;
	bh_gap_on_timeout(f->gap);
}

/* Connectable undirected advertising, as rot_adv_kind. */
static void rot_adv(struct fake *f, bool ext, struct arec *r, bh_addr *a)
{
	rot_adv_kind(f, ext, BH_GAP_ADV_CONN, r, a);
}

static void expect_local(const struct fake *f, uint16_t handle, const bh_addr *a)
{
	const struct bh_gap_conn *c = bh_gap_conn_get(f->gap, handle);
	assert_non_null(c);
	assert_memory_equal(c->local.val, a->val, 6);
}

/* Proves that handle 0 and the controller agree when a connection that
 * took the advertising just before a rotation's disable is reported late:
 * with the disable out, the rotation's queued re-enable is dropped (the old
 * code sent it, putting advertising back on the air while the host said it
 * stopped); with the re-enable out, or answered, one more disable follows;
 * the link's local address is the one before the rotation until the
 * re-enable is answered; a refused re-enable ends the advertising with
 * on_stopped and the controller's status instead of leaving the host
 * believing it runs. Extended commands on handle 0 (Terminated) alike. */
static void test_rotation_races(void **state)
{
	(void)state;
	static struct fake f;
	struct arec r;
	bh_addr old, peer = { 0, { 1, 1, 1, 1, 1, 1 } };

	rot_adv(&f, false, &r, &old);
	size_t from = f.n - 1; /* the rotation's disable, out */
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	fake_pump(&f);
	const uint16_t dropped[] = { BH_HCI_LE_SET_ADV_ENABLE, BH_HCI_LE_SET_RANDOM_ADDRESS };
	fake_expect_ops(&f, from, dropped, 2);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_advertising(f.gap));
	expect_local(&f, 0x0001, &old);
	bh_gap_free(f.gap);

	rot_adv(&f, false, &r, &old);
	from = f.n - 1;
	answer(&f, 0); /* disable */
	answer(&f, 0); /* LE Set Random Address: the re-enable goes out */
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	fake_pump(&f);
	const uint16_t again[] = { BH_HCI_LE_SET_ADV_ENABLE, BH_HCI_LE_SET_RANDOM_ADDRESS,
				   BH_HCI_LE_SET_ADV_ENABLE, BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, from, again, 4);
	assert_int_equal(f.cmds[from + 2].p[0], 1);
	assert_int_equal(f.cmds[from + 3].p[0], 0);
	assert_int_equal(r.stop_n, 1);
	assert_false(bh_gap_advertising(f.gap));
	expect_local(&f, 0x0001, &old);
	bh_gap_free(f.gap);

	rot_adv(&f, false, &r, &old);
	fake_pump(&f);
	bh_addr now = bh_gap_own_address(f.gap);
	from = f.n;
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	fake_pump(&f);
	assert_int_equal(f.n - from, 1);
	assert_int_equal(f.cmds[from].op, BH_HCI_LE_SET_ADV_ENABLE);
	assert_int_equal(f.cmds[from].p[0], 0);
	expect_local(&f, 0x0001, &now);
	bh_gap_free(f.gap);

	rot_adv(&f, false, &r, &old);
	answer(&f, 0);
	answer(&f, 0);
	answer(&f, 0x0c); /* the re-enable: Command Disallowed */
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_HCI_STATUS(0x0c));
	assert_false(bh_gap_advertising(f.gap));
	bh_gap_free(f.gap);

	/* Extended commands: LE Advertising Set Terminated for handle 0 with
	 * the re-enable out. */
	rot_adv(&f, true, &r, &old);
	from = f.n - 1;
	answer(&f, 0); /* disable */
	answer(&f, 0); /* LE Set Random Address */
	answer(&f, 0); /* LE Set Advertising Set Random Address: the re-enable goes out */
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	uint8_t term[5] = { 0x00, 0x00, 0x01, 0x00, 0 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
	fake_pump(&f);
	assert_int_equal(f.n - from, 5);
	const uint8_t dis[] = { 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[from + 4], dis, 6);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_advertising(f.gap));
	expect_local(&f, 0x0001, &old);
	bh_gap_free(f.gap);
}

/* Proves the rule written in gap.h (bh_gap_adv_params.on_stopped) for a
 * refused address write during a rotation: the re-enable still goes out,
 * the advertising goes on from its old address, and the host says so (the
 * old code took the new address when the write was queued, so a later
 * link got a local address the controller never advertised from). Legacy
 * commands (LE Set Random Address) and extended ones (LE Set Advertising
 * Set Random Address, 7.8.52) alike; an accepted write is taken. */
static void test_rotation_address_refused(void **state)
{
	(void)state;
	static struct fake f;
	struct arec r;
	bh_addr old, peer = { 0, { 1, 1, 1, 1, 1, 1 } };
	uint8_t term[5] = { 0x00, 0x00, 0x01, 0x00, 0 };

	for (int ext = 0; ext < 2; ext++) {
		rot_adv(&f, ext, &r, &old);
		size_t from = f.n - 1;
		answer(&f, 0); /* disable */
		if (ext)
			answer(&f, 0); /* LE Set Random Address (scanning's, GAP's) */
		answer(&f, 0x0c); /* the advertising's address: Command Disallowed */
		fake_pump(&f);
		assert_int_equal(f.cmds[f.n - 1].op,
				 ext ? BH_HCI_LE_SET_EXT_ADV_ENABLE : BH_HCI_LE_SET_ADV_ENABLE);
		assert_int_equal(f.cmds[f.n - 1].p[0], 1);
		/* Extended: GAP's own address is written back before it, so
		 * scanning and initiating stay on handle 0's
		 * (test_gap_privacy.c, test_rotation_adv_addr_refused). */
		assert_int_equal(f.n - from, ext ? 5 : 3);
		if (ext) {
			assert_int_equal(f.cmds[f.n - 2].op, BH_HCI_LE_SET_RANDOM_ADDRESS);
			assert_memory_equal(f.cmds[f.n - 2].p, old.val, 6);
		}
		assert_int_equal(r.stop_n, 0);
		assert_true(bh_gap_advertising(f.gap));
		fake_conn_complete(&f, 0, 0x0001, 1, &peer);
		if (ext)
			fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
		expect_local(&f, 0x0001, &old);
		assert_int_equal(r.stop_n, 1);
		bh_gap_free(f.gap);

		/* Taken: the link after the re-enable's answer is from the new one. */
		rot_adv(&f, ext, &r, &old);
		fake_pump(&f);
		const struct fake_cmd *w = fake_last(&f, ext ? BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR
							     : BH_HCI_LE_SET_RANDOM_ADDRESS);
		fake_conn_complete(&f, 0, 0x0001, 1, &peer);
		if (ext)
			fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
		const struct bh_gap_conn *c = bh_gap_conn_get(f.gap, 0x0001);
		assert_non_null(c);
		assert_memory_equal(c->local.val, w->p + ext, 6);
		assert_memory_not_equal(c->local.val, old.val, 6);
		bh_gap_free(f.gap);
	}
}

/* Starts connectable advertising on handle 0 with every command answered. */
static void adv_on(struct fake *f, struct arec *r)
{
	*r = (struct arec){ 0 };
	struct bh_gap_adv_params p = params(r, BH_GAP_ADV_CONN);
	assert_int_equal(bh_gap_adv_start(f->gap, &p, adv_cb, r), BH_OK);
	fake_pump(f);
	assert_int_equal(r->cb, BH_OK);
}

/* Proves handle 0's stop window (legacy commands): a connection that took
 * the advertising just before the stop's disable, reported only once the
 * application advertises again. Reported before the new run's enable went
 * out, it is news of the old run: the new run goes on (the old code ended
 * it, then enabled it: on the air while the host said it stopped).
 * Reported after that enable was answered, the host cannot tell it from
 * the new run's own link: it ends the run and disables once more. Once a
 * connection came while stopping, the next run's link brings no extra
 * disable. */
static void test_late_link_after_stop(void **state)
{
	(void)state;
	static struct fake f;
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.read_remote_features = false;
	bh_addr peer = { 0, { 1, 1, 1, 1, 1, 1 } };
	struct arec r, r2;

	fake_init(&f, false);
	fake_gap(&f, &cfg);
	adv_on(&f, &r);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_pump(&f);
	r2 = (struct arec){ 0 };
	struct bh_gap_adv_params p = params(&r2, BH_GAP_ADV_CONN);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r2), BH_OK);
	fake_conn_complete(&f, 0, 0x0001, 1, &peer); /* its enable not out yet */
	assert_int_equal(r2.stop_n, 0);
	fake_pump(&f);
	assert_int_equal(r2.cb, BH_OK);
	assert_int_equal(r2.stop_n, 0);
	assert_true(bh_gap_advertising(f.gap));
	assert_int_equal(bh_gap_conn_count(f.gap), 1);
	bh_gap_free(f.gap);

	fake_init(&f, false);
	fake_gap(&f, &cfg);
	adv_on(&f, &r);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_pump(&f);
	adv_on(&f, &r2);
	size_t from = f.n;
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	fake_pump(&f);
	assert_int_equal(f.n - from, 1);
	assert_int_equal(f.cmds[from].op, BH_HCI_LE_SET_ADV_ENABLE);
	assert_int_equal(f.cmds[from].p[0], 0);
	assert_int_equal(r2.stop_n, 1);
	assert_int_equal(r2.stop, BH_OK);
	assert_false(bh_gap_advertising(f.gap));
	bh_gap_free(f.gap);

	fake_init(&f, false);
	fake_gap(&f, &cfg);
	adv_on(&f, &r);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_conn_complete(&f, 0, 0x0001, 1, &peer); /* while stopping */
	fake_pump(&f);
	assert_int_equal(r.stop_n, 0);
	adv_on(&f, &r2);
	from = f.n;
	fake_conn_complete(&f, 0, 0x0002, 1, &peer);
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_int_equal(r2.stop_n, 1);
	bh_gap_free(f.gap);
}

/* Connection Complete, Advertising Timeout (0x3C): high duty directed
 * advertising ended unanswered (7.7.65.1). */
static void dir_timeout(struct fake *f)
{
	fake_conn_complete(f, 0x3c, 0x0000, 1, NULL);
}

/* Starts advertising of kind k on handle 0, every command answered. */
static void adv_kind_on(struct fake *f, struct arec *r, enum bh_gap_adv_kind k)
{
	*r = (struct arec){ 0 };
	struct bh_gap_adv_params p = params(r, k);
	assert_int_equal(bh_gap_adv_start(f->gap, &p, adv_cb, r), BH_OK);
	fake_pump(f);
	assert_int_equal(r->cb, BH_OK);
}

/* A new gap on f (legacy commands) whose high duty directed run on handle
 * 0 was started and then stopped, every command answered. */
static void directed_stopped(struct fake *f, const struct bh_gap_config *cfg, struct arec *r)
{
	fake_init(f, false);
	fake_gap(f, cfg);
	adv_kind_on(f, r, BH_GAP_ADV_DIRECT_HIGH);
	assert_int_equal(bh_gap_adv_stop(f->gap), BH_OK);
	fake_pump(f);
}

/* Asserts that commands [from..] are exactly one disable of handle 0. */
static void expect_one_disable(const struct fake *f, size_t from)
{
	assert_int_equal(f->n - from, 1);
	assert_true(f->cmds[from].op == BH_HCI_LE_SET_ADV_ENABLE ||
		    f->cmds[from].op == BH_HCI_LE_SET_EXT_ADV_ENABLE);
	assert_int_equal(f->cmds[from].p[0], 0);
}

/* Asserts that the run r records was ended by high duty directed
 * advertising's timeout (on_stopped once, BH_ETIMEDOUT) and is off in the
 * host and, by commands [from..] being one disable, in the controller. */
static void expect_timeout_off(const struct fake *f, size_t from, const struct arec *r)
{
	expect_one_disable(f, from);
	assert_int_equal(r->stop_n, 1);
	assert_int_equal(r->stop, BH_ETIMEDOUT);
	assert_false(bh_gap_advertising(f->gap));
}

/* Proves that high duty directed advertising's timeout (Connection Complete
 * 0x3C) follows the late-report rules of a connection. After a rotation's
 * re-enable went out, it ends the advertising with one more disable (the
 * old code only ended it in the host: the controller had obeyed the
 * re-enable). After a stop: before the new run's enable went out it is
 * news of the old run and ends nothing, and settles what the stop left
 * owed (the old code sent a needless disable at the new run's own end);
 * after that enable it cannot be told from the new run's own, which it
 * ends with one more disable (the old code left the controller on); a run
 * of another kind cannot be the one reported and goes on. With extended
 * commands the one end may come as both a Connection Complete and an
 * Advertising Set Terminated (7.8.56): the second, reaching a new run,
 * ends it with one more disable (the old code left the controller on). */
static void test_directed_timeout_late(void **state)
{
	(void)state;
	static struct fake f;
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.read_remote_features = false;
	struct arec r, r2;
	bh_addr old;
	bh_addr peer = { 0, { 1, 1, 1, 1, 1, 1 } };

	rot_adv_kind(&f, false, BH_GAP_ADV_DIRECT_HIGH, &r, &old);
	answer(&f, 0); /* disable */
	answer(&f, 0); /* LE Set Random Address: the re-enable goes out */
	dir_timeout(&f);
	size_t from = f.n;
	fake_pump(&f);
	expect_timeout_off(&f, from, &r);
	bh_gap_free(f.gap);

	/* Stop, new run; the old run's timeout before its enable is out. */
	directed_stopped(&f, &cfg, &r);
	r2 = (struct arec){ 0 };
	struct bh_gap_adv_params p = params(&r2, BH_GAP_ADV_DIRECT_HIGH);
	assert_int_equal(bh_gap_adv_start(f.gap, &p, adv_cb, &r2), BH_OK);
	dir_timeout(&f);
	fake_pump(&f);
	assert_int_equal(r2.cb, BH_OK);
	assert_int_equal(r2.stop_n, 0);
	assert_true(bh_gap_advertising(f.gap));
	from = f.n;
	dir_timeout(&f); /* the new run's own */
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_int_equal(r2.stop_n, 1);
	assert_int_equal(r2.stop, BH_ETIMEDOUT);
	bh_gap_free(f.gap);

	/* ... after the new run's enable was answered. */
	directed_stopped(&f, &cfg, &r);
	adv_kind_on(&f, &r2, BH_GAP_ADV_DIRECT_HIGH);
	from = f.n;
	dir_timeout(&f);
	fake_pump(&f);
	expect_timeout_off(&f, from, &r2);
	bh_gap_free(f.gap);

	/* ... to a new run that is not high duty directed. */
	directed_stopped(&f, &cfg, &r);
	adv_kind_on(&f, &r2, BH_GAP_ADV_CONN);
	from = f.n;
	dir_timeout(&f);
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_int_equal(r2.stop_n, 0);
	assert_true(bh_gap_advertising(f.gap));
	fake_conn_complete(&f, 0, 0x0001, 1, &peer); /* its own link */
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_int_equal(r2.stop_n, 1);
	bh_gap_free(f.gap);

	/* Extended commands: both reports of one end, a new run between. */
	fake_init(&f, true);
	fake_gap(&f, &cfg);
	adv_kind_on(&f, &r, BH_GAP_ADV_DIRECT_HIGH);
	dir_timeout(&f);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_ETIMEDOUT);
	adv_kind_on(&f, &r2, BH_GAP_ADV_DIRECT_HIGH);
	from = f.n;
	uint8_t term[5] = { 0x3c, 0x00, 0x00, 0x00, 0 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
	fake_pump(&f);
	expect_timeout_off(&f, from, &r2);
	/* The other order: Terminated first, the Connection Complete after. */
	adv_kind_on(&f, &r, BH_GAP_ADV_DIRECT_HIGH);
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
	fake_pump(&f);
	assert_int_equal(r.stop_n, 1);
	adv_kind_on(&f, &r2, BH_GAP_ADV_DIRECT_HIGH);
	from = f.n;
	dir_timeout(&f);
	fake_pump(&f);
	expect_timeout_off(&f, from, &r2);
	bh_gap_free(f.gap);

	/* Extended commands, handle 0 and a set both high duty directed: the
	 * event names neither, so both end, each disabled for sure. */
	fake_init(&f, true);
	fake_gap(&f, &cfg);
	adv_kind_on(&f, &r, BH_GAP_ADV_DIRECT_HIGH);
	struct fake_srec sr = { 0 };
	struct bh_gap_adv_set_params sp = { .adv = { .kind = BH_GAP_ADV_DIRECT_HIGH,
						     .on_stopped = fake_set_stopped, .ctx = &sr } };
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &sp, &h, fake_set_cb, &sr), BH_OK);
	fake_pump(&f);
	assert_int_equal(sr.cb, BH_OK);
	from = f.n;
	dir_timeout(&f);
	fake_pump(&f);
	assert_int_equal(f.n - from, 2);
	for (int k = 0; k < 2; k++) {
		const struct fake_cmd *c = &f.cmds[from + k];
		assert_int_equal(c->op, BH_HCI_LE_SET_EXT_ADV_ENABLE);
		assert_int_equal(c->p[0], 0);
		assert_int_equal(c->p[2], k ? h : 0); /* handle 0, then the set */
	}
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_ETIMEDOUT);
	assert_int_equal(sr.stop_n, 1);
	assert_int_equal(sr.stop, BH_ETIMEDOUT);
	assert_false(bh_gap_advertising(f.gap));
	assert_false(bh_gap_adv_set_active(f.gap, h));
	bh_gap_free(f.gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_connectable),
		cmocka_unit_test(test_legacy_timeout_and_kinds),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_extended_fragmented),
		cmocka_unit_test(test_extended_legacy_pdus_and_connection),
		cmocka_unit_test(test_legacy_connection_stops_and_restarts),
		cmocka_unit_test(test_restart_refused),
		cmocka_unit_test(test_own_addresses),
		cmocka_unit_test(test_rpa_rotation),
		cmocka_unit_test(test_connection_before_enable_confirmed),
		cmocka_unit_test(test_extended_rpa_rotation_and_reset),
		cmocka_unit_test(test_rotation_races),
		cmocka_unit_test(test_rotation_address_refused),
		cmocka_unit_test(test_late_link_after_stop),
		cmocka_unit_test(test_directed_timeout_late),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
