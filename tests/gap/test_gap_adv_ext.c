/* Extended advertising in full, on the fake HCI port with the exact
 * parameter bytes of Vol 4, Part E: several advertising sets at once (own
 * addresses, data > 31 bytes fragmented per 7.8.54, durations and event
 * limits, Advertising Set Terminated per set), controller limits, the
 * legacy fallback, periodic advertising and periodic sync, Coded PHY
 * scanning, Enhanced Connection Complete v2, handle 0's links named by
 * Advertising Set Terminated, the Channel Selection Algorithm event, and
 * the per-family choice of extended commands. */
#include "fake_hci.h"

static struct bh_gap_adv_set_params set_params(struct fake_srec *r, enum bh_gap_adv_kind k)
{
	struct bh_gap_adv_set_params p = { .adv = { .kind = k, .on_stopped = fake_set_stopped,
						    .ctx = r } };
	return p;
}

static bh_addr static_addr(uint8_t last)
{
	bh_addr a = { BH_ADDR_RANDOM, { last, 0x22, 0x33, 0x44, 0x55, 0xc6 } };
	return a;
}

/* Advertising Set Terminated (7.7.65.18). */
static void terminated(struct fake *f, uint8_t status, uint8_t handle, uint16_t conn,
		       uint8_t events)
{
	uint8_t e[5] = { status, handle };
	bh_put16(e + 2, conn);
	e[4] = events;
	fake_meta(f, BH_LE_ADV_SET_TERMINATED, e, 5);
}

static void test_three_sets(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct fake_srec r[3] = { 0 };
	uint8_t h[3];
	static const uint8_t names[3][8] = { { 7, 0x09, 's', 'e', 't', '-', 'o', 'n' },
					     { 7, 0x09, 's', 'e', 't', '-', 't', 'w' },
					     { 7, 0x09, 's', 'e', 't', '-', 't', 'h' } };
	for (int i = 0; i < 3; i++) {
		struct bh_gap_adv_set_params p = set_params(&r[i], BH_GAP_ADV_CONN);
		p.adv.data = names[i];
		p.adv.data_len = 8;
		p.addr = static_addr((uint8_t)(0x10 + i));
		p.sid = (uint8_t)i;
		p.adv.interval_min = 0x30;
		assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h[i], fake_set_cb, &r[i]), BH_OK);
		assert_int_equal(h[i], i + 1);
	}
	fake_pump(&f);
	/* First set: read the number of sets, remove a stale set, parameters,
	 * its own address, data, enable (an empty scan response needs no
	 * command: a new set has none). */
	const uint16_t ops[] = { BH_HCI_LE_READ_NUM_ADV_SETS,    BH_HCI_LE_REMOVE_ADV_SET,
				 BH_HCI_LE_SET_EXT_ADV_PARAMS,   BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR,
				 BH_HCI_LE_SET_EXT_ADV_DATA,     BH_HCI_LE_SET_EXT_ADV_ENABLE,
				 BH_HCI_LE_REMOVE_ADV_SET,       BH_HCI_LE_SET_EXT_ADV_PARAMS,
				 BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, BH_HCI_LE_SET_EXT_ADV_DATA,
				 BH_HCI_LE_SET_EXT_ADV_ENABLE,   BH_HCI_LE_REMOVE_ADV_SET,
				 BH_HCI_LE_SET_EXT_ADV_PARAMS,   BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR,
				 BH_HCI_LE_SET_EXT_ADV_DATA,     BH_HCI_LE_SET_EXT_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 16);
	/* 7.8.53: handle 1, ADV_IND legacy PDU (0x0013), 0x30..0xa0, all
	 * channels, own random, no peer, policy 0, no TX preference, 1M/1M,
	 * SID 0, no scan request notifications. */
	const uint8_t ap[25] = { 0x01, 0x13, 0x00, 0x30, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x07,
				 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x7f, 0x01, 0x00, 0x01, 0x00,
				 0x00 };
	fake_expect_params(&f.cmds[2], ap, 25);
	const uint8_t ra[7] = { 0x01, 0x10, 0x22, 0x33, 0x44, 0x55, 0xc6 };
	fake_expect_params(&f.cmds[3], ra, 7);
	/* 7.8.54: handle, Operation complete (3), Fragment_Preference 1, length, data. */
	uint8_t ad[12] = { 0x01, 0x03, 0x01, 8 };
	memcpy(ad + 4, names[0], 8);
	fake_expect_params(&f.cmds[4], ad, 12);
	const uint8_t en[6] = { 0x01, 0x01, 0x01, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[5], en, 6);
	assert_int_equal(f.cmds[12].p[0], 3);
	assert_int_equal(f.cmds[12].p[23], 2); /* SID */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].cb_n, 1);
		assert_int_equal(r[i].cb, BH_OK);
		assert_true(bh_gap_adv_set_active(f.gap, h[i]));
	}
	bh_addr a2 = bh_gap_adv_set_address(f.gap, h[1]);
	assert_int_equal(a2.val[0], 0x11);

	/* A central connects to set 2: the link, then its Set Terminated. */
	bh_addr peer = { 0, { 1, 2, 3, 4, 5, 6 } };
	fake_conn_complete(&f, 0, 0x0042, 1, &peer);
	terminated(&f, 0x00, 2, 0x0042, 0);
	assert_int_equal(r[1].stop_n, 1);
	assert_int_equal(r[1].stop, BH_OK);
	assert_int_equal(r[0].stop_n + r[2].stop_n, 0);
	assert_false(bh_gap_adv_set_active(f.gap, 2));
	assert_true(bh_gap_adv_set_active(f.gap, 1));
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0042), 2);
	const struct bh_gap_conn *c = bh_gap_conn_get(f.gap, 0x0042);
	assert_non_null(c);
	assert_int_equal(c->local.type, BH_ADDR_RANDOM);
	assert_int_equal(c->local.val[0], 0x11);
	/* A stray Terminated for a set that is not running is ignored. */
	terminated(&f, 0x00, 2, 0x0042, 0);
	terminated(&f, 0x00, 7, 0x0042, 0);
	assert_int_equal(r[1].stop_n, 1);

	/* The caller stops set 1: disable it alone, remove it, no on_stopped. */
	size_t from = f.n;
	assert_int_equal(bh_gap_adv_set_stop(f.gap, 1), BH_OK);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, 1), BH_ESTATE);
	fake_pump(&f);
	const uint16_t sops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_REMOVE_ADV_SET };
	fake_expect_ops(&f, from, sops, 2);
	const uint8_t dis[6] = { 0x00, 0x01, 0x01, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[from], dis, 6);
	assert_int_equal(f.cmds[from + 1].p[0], 1);
	assert_int_equal(r[0].stop_n, 0);
	assert_false(bh_gap_adv_set_active(f.gap, 1));

	/* Set 3 reaches its limit (Limit Reached, 0x43). */
	terminated(&f, 0x43, 3, 0, 5);
	assert_int_equal(r[2].stop_n, 1);
	assert_int_equal(r[2].stop, BH_ETIMEDOUT);
	bh_gap_free(f.gap);
}

static void test_set_limits_and_clear(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	f.num_sets = 2;
	fake_gap(&f, NULL);
	struct fake_srec r[3] = { 0 };
	uint8_t h;
	struct bh_gap_adv_set_params p = set_params(&r[0], BH_GAP_ADV_NONCONN);
	/* Handle 0 (bh_gap_adv_start) counts against the controller's sets. */
	struct bh_gap_adv_params legacy_api = { .kind = BH_GAP_ADV_NONCONN };
	assert_int_equal(bh_gap_adv_start(f.gap, &legacy_api, NULL, NULL), BH_OK);
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r[0]), BH_OK);
	p.adv.ctx = &r[1];
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r[1]), BH_OK);
	fake_pump(&f);
	assert_int_equal(r[0].cb, BH_OK);
	/* Three in use, two supported: the second set learns it is one too many. */
	assert_int_equal(r[1].cb_n, 1);
	assert_int_equal(r[1].cb, BH_ENOSPACE);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	/* Known now: refused at once. */
	p.adv.ctx = &r[2];
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r[2]), BH_ENOSPACE);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r[2]), BH_OK);
	fake_pump(&f);
	assert_int_equal(r[2].cb, BH_OK);

	/* Clear: each running set is disabled and removed, then cb once. */
	struct fake_srec cr = { 0 };
	size_t from = f.n;
	assert_int_equal(bh_gap_adv_sets_clear(f.gap, fake_set_cb, &cr), BH_OK);
	assert_int_equal(cr.cb_n, 0);
	fake_pump(&f);
	assert_int_equal(cr.cb_n, 1);
	assert_int_equal(cr.cb, BH_OK);
	assert_int_equal(f.n - from, 4); /* 2 sets x (disable, remove) */
	assert_int_equal(r[0].stop_n + r[2].stop_n, 0);
	assert_false(bh_gap_adv_set_active(f.gap, 1));
	/* Nothing running: LE Clear Advertising Sets for whatever a previous
	 * host left in the controller. */
	from = f.n;
	assert_int_equal(bh_gap_adv_sets_clear(f.gap, fake_set_cb, &cr), BH_OK);
	fake_pump(&f);
	const uint16_t cops[] = { BH_HCI_LE_CLEAR_ADV_SETS };
	fake_expect_ops(&f, from, cops, 1);
	assert_int_equal(cr.cb_n, 2);

	/* A controller refusal at enable (Memory Capacity Exceeded). */
	f.fail_op = BH_HCI_LE_SET_EXT_ADV_ENABLE;
	f.fail_status = 0x07;
	struct fake_srec fr = { 0 };
	p.adv.ctx = &fr;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &fr), BH_OK);
	fake_pump(&f);
	assert_int_equal(fr.cb, BH_ENOSPACE);
	assert_int_equal(fr.stop_n, 0);
	bh_gap_free(f.gap);
}

static void test_big_data_phys_duration(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	f.info.le_features[1] |= 1u << 3; /* LE Coded PHY */
	fake_gap(&f, NULL);
	static uint8_t big[600];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	struct fake_srec r = { 0 };
	struct bh_gap_adv_set_params p = set_params(&r, BH_GAP_ADV_NONCONN);
	p.adv.data = big;
	p.adv.data_len = sizeof(big);
	p.adv.timeout_ms = 1234;
	p.max_events = 9;
	p.primary_phy = BH_GAP_PHY_CODED;
	p.secondary_phy = BH_GAP_PHY_2M;
	p.sid = 5;
	p.tx_power = -4;
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_READ_NUM_ADV_SETS, BH_HCI_LE_READ_MAX_ADV_DATA_LEN,
				 BH_HCI_LE_REMOVE_ADV_SET,    BH_HCI_LE_SET_EXT_ADV_PARAMS,
				 BH_HCI_LE_SET_EXT_ADV_DATA,  BH_HCI_LE_SET_EXT_ADV_DATA,
				 BH_HCI_LE_SET_EXT_ADV_DATA,  BH_HCI_LE_SET_EXT_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 8);
	const struct fake_cmd *pc = &f.cmds[3];
	assert_int_equal(bh_get16(pc->p + 1), 0x0000); /* extended, non-connectable */
	assert_int_equal(pc->p[10], 0x00);             /* own public */
	assert_int_equal(pc->p[19], 0xfc);             /* -4 dBm */
	assert_int_equal(pc->p[20], 0x03);             /* primary Coded */
	assert_int_equal(pc->p[22], 0x02);             /* secondary 2M */
	assert_int_equal(pc->p[23], 5);
	/* 251 + 251 + 98 bytes: first (1), intermediate (0), last (2). */
	const uint8_t oper[3] = { 1, 0, 2 }, flen[3] = { 251, 251, 98 };
	for (int i = 0; i < 3; i++) {
		const struct fake_cmd *c = &f.cmds[4 + i];
		assert_int_equal(c->p[0], h);
		assert_int_equal(c->p[1], oper[i]);
		assert_int_equal(c->p[3], flen[i]);
		assert_int_equal(c->len, 4 + flen[i]);
		assert_memory_equal(c->p + 4, big + 251 * i, flen[i]);
	}
	/* Duration 1234 ms -> 124 x 10 ms; Max_Extended_Advertising_Events 9. */
	const uint8_t en[6] = { 0x01, 0x01, 0x01, 124, 0x00, 9 };
	fake_expect_params(&f.cmds[7], en, 6);
	assert_int_equal(r.cb, BH_OK);
	terminated(&f, 0x3c, h, 0, 0);
	assert_int_equal(r.stop, BH_ETIMEDOUT);

	/* Larger than the controller's maximum: BH_ENOSPACE at once now. */
	f.max_adv_len = 200;
	bh_gap_reset(f.gap, BH_ERESET); /* forgets the maximum read before */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.cb, BH_ENOSPACE);
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_ENOSPACE);
	bh_gap_free(f.gap);
}

static void test_invalid_sets(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct fake_srec r = { 0 };
	uint8_t h, rsp[40] = { 0 };
	struct bh_gap_adv_set_params p = set_params(&r, BH_GAP_ADV_CONN);
	p.adv.scan_rsp = rsp;
	p.adv.scan_rsp_len = sizeof(rsp); /* extended connectable is not scannable */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EINVAL);
	p = set_params(&r, BH_GAP_ADV_SCAN);
	p.adv.data = rsp;
	p.adv.data_len = 40; /* extended scannable carries no advertising data */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EINVAL);
	struct bh_gap_periodic_params per = { 0 };
	p = set_params(&r, BH_GAP_ADV_CONN);
	p.periodic = &per; /* periodic needs non-connectable, non-scannable */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EINVAL);
	p = set_params(&r, BH_GAP_ADV_NONCONN);
	p.primary_phy = BH_GAP_PHY_2M; /* never on the primary channels */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EINVAL);
	p = set_params(&r, BH_GAP_ADV_NONCONN);
	p.sid = 16;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EINVAL);
	p = set_params(&r, BH_GAP_ADV_NONCONN);
	p.addr = static_addr(1);
	p.addr.val[5] = 0x46; /* an RPA: the set would never rotate it */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EINVAL);
	p = set_params(&r, BH_GAP_ADV_NONCONN);
	p.adv.timeout_ms = 700000; /* past the 16-bit Duration */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EINVAL);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, 1), BH_ESTATE);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, 0), BH_ESTATE);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, 200), BH_ESTATE);
	assert_int_equal(f.n, 0);
	/* Every set in use (the controller would take more). */
	f.num_sets = 16;
	p = set_params(&r, BH_GAP_ADV_NONCONN);
	for (int i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_OK);
		fake_pump(&f);
	}
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, NULL, NULL), BH_EBUSY);
	bh_gap_free(f.gap);
}

static void test_legacy_fallback(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct fake_srec r = { 0 };
	const uint8_t data[] = { 0x02, 0x01, 0x06 };
	struct bh_gap_adv_set_params p = set_params(&r, BH_GAP_ADV_CONN);
	p.adv.data = data;
	p.adv.data_len = sizeof(data);
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_SET_ADV_PARAMS, BH_HCI_LE_SET_ADV_DATA,
				 BH_HCI_LE_SET_SCAN_RSP_DATA, BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 4);
	assert_int_equal(r.cb, BH_OK);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	/* Only one legacy advertiser exists; extended wishes are refused. */
	struct fake_srec r2 = { 0 };
	struct bh_gap_adv_set_params q = set_params(&r2, BH_GAP_ADV_NONCONN);
	assert_int_equal(bh_gap_adv_set_start(f.gap, &q, &h, NULL, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gap_sync_create(f.gap, &(struct bh_gap_sync_params){ 0 }),
			 BH_ENOTSUP);
	assert_int_equal(bh_gap_adv_read_limits(f.gap, NULL, NULL), BH_EINVAL);
	/* A connection ends legacy advertising: the set's on_stopped(BH_OK). */
	bh_addr peer = { 0, { 9, 9, 9, 9, 9, 9 } };
	fake_conn_complete(&f, 0, 0x0001, 1, &peer);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	fake_disc_complete(&f, 0x0001, 0x13);
	/* Again, then the caller stops it through the set API. */
	p.addr = static_addr(3);
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_ENOTSUP);
	p.addr = (bh_addr){ 0 };
	p.adv.data_len = 40;
	uint8_t big[40] = { 0 };
	p.adv.data = big;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_ENOTSUP);
	p.adv.data = data;
	p.adv.data_len = sizeof(data);
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	size_t from = f.n;
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	fake_pump(&f);
	assert_int_equal(f.cmds[from].op, BH_HCI_LE_SET_ADV_ENABLE);
	assert_int_equal(f.cmds[from].p[0], 0);
	assert_false(bh_gap_advertising(f.gap));
	assert_int_equal(r.stop_n, 1);
	bh_gap_free(f.gap);
}

struct lrec {
	size_t n;
	bh_status st;
	unsigned sets, max;
};

static void limits_cb(void *ctx, bh_status st, unsigned sets, unsigned max)
{
	struct lrec *l = ctx;
	l->n++;
	l->st = st;
	l->sets = sets;
	l->max = max;
}

static void test_read_limits(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	f.num_sets = 6;
	f.max_adv_len = 0x0672;
	fake_gap(&f, NULL);
	struct lrec l = { 0 };
	assert_int_equal(bh_gap_adv_read_limits(f.gap, limits_cb, &l), BH_OK);
	assert_int_equal(bh_gap_adv_read_limits(f.gap, limits_cb, &l), BH_EBUSY);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_READ_NUM_ADV_SETS, BH_HCI_LE_READ_MAX_ADV_DATA_LEN };
	fake_expect_ops(&f, 0, ops, 2);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.st, BH_OK);
	assert_int_equal(l.sets, 6);
	assert_int_equal(l.max, 0x0672);
	/* A refused read ends it with the controller's error. */
	f.fail_op = BH_HCI_LE_READ_NUM_ADV_SETS;
	f.fail_status = 0x01;
	assert_int_equal(bh_gap_adv_read_limits(f.gap, limits_cb, &l), BH_OK);
	fake_pump(&f);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.st, BH_HCI_STATUS(0x01));
	bh_gap_free(f.gap);
}

static void test_periodic_advertising(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	static uint8_t pd[300];
	for (size_t i = 0; i < sizeof(pd); i++)
		pd[i] = (uint8_t)(i * 7);
	struct bh_gap_periodic_params per = { .interval_min = 0x0028, .interval_max = 0x0030,
					      .include_tx_power = true, .data = pd,
					      .data_len = sizeof(pd) };
	struct fake_srec r = { 0 };
	struct bh_gap_adv_set_params p = set_params(&r, BH_GAP_ADV_NONCONN);
	p.periodic = &per;
	p.sid = 3;
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_READ_NUM_ADV_SETS,      BH_HCI_LE_READ_MAX_ADV_DATA_LEN,
				 BH_HCI_LE_REMOVE_ADV_SET,         BH_HCI_LE_SET_EXT_ADV_PARAMS,
				 BH_HCI_LE_SET_PERIODIC_ADV_PARAMS, BH_HCI_LE_SET_PERIODIC_ADV_DATA,
				 BH_HCI_LE_SET_PERIODIC_ADV_DATA,  BH_HCI_LE_SET_PERIODIC_ADV_ENABLE,
				 BH_HCI_LE_SET_EXT_ADV_ENABLE };
	fake_expect_ops(&f, 0, ops, 9);
	assert_int_equal(bh_get16(f.cmds[3].p + 1), 0x0000); /* extended, non-conn, non-scan */
	/* 7.8.61: handle, min, max, properties (bit 6: include TxPower). */
	const uint8_t pp[7] = { 0x01, 0x28, 0x00, 0x30, 0x00, 0x40, 0x00 };
	fake_expect_params(&f.cmds[4], pp, 7);
	/* 7.8.62: handle, operation, length, data: 252 first, 48 last. */
	assert_int_equal(f.cmds[5].p[1], 1);
	assert_int_equal(f.cmds[5].p[2], 252);
	assert_int_equal(f.cmds[5].len, 3 + 252);
	assert_memory_equal(f.cmds[5].p + 3, pd, 252);
	assert_int_equal(f.cmds[6].p[1], 2);
	assert_int_equal(f.cmds[6].p[2], 48);
	assert_memory_equal(f.cmds[6].p + 3, pd + 252, 48);
	const uint8_t pe[2] = { 0x01, 0x01 };
	fake_expect_params(&f.cmds[7], pe, 2);
	assert_int_equal(r.cb, BH_OK);

	/* Stop: disable, periodic disable, remove (7.8.59 refuses otherwise). */
	size_t from = f.n;
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	fake_pump(&f);
	const uint16_t sops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_SET_PERIODIC_ADV_ENABLE,
				  BH_HCI_LE_REMOVE_ADV_SET };
	fake_expect_ops(&f, from, sops, 3);
	const uint8_t pdis[2] = { 0x00, 0x01 };
	fake_expect_params(&f.cmds[from + 1], pdis, 2);

	/* A failing step fails the start and drops only this set's rest. */
	f.fail_op = BH_HCI_LE_SET_PERIODIC_ADV_PARAMS;
	f.fail_status = 0x12;
	from = f.n;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.cb, BH_HCI_STATUS(0x12));
	assert_int_equal(fake_last(&f, BH_HCI_LE_SET_EXT_ADV_ENABLE) - f.cmds < (long)from, 1);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	bh_gap_free(f.gap);
}

/* ---- periodic sync ---- */

struct prec {
	size_t sync_n, rep_n, lost_n;
	bh_status sync_st, lost_st;
	struct bh_gap_sync_info info;
	uint8_t data[2000];
	size_t len;
	bool incomplete;
	int8_t rssi;
};

static void on_sync(void *ctx, bh_status st, const struct bh_gap_sync_info *in)
{
	struct prec *p = ctx;
	p->sync_n++;
	p->sync_st = st;
	if (in)
		p->info = *in;
	else
		assert_int_not_equal(st, BH_OK);
}

static void on_report(void *ctx, const struct bh_gap_periodic_report *r)
{
	struct prec *p = ctx;
	p->rep_n++;
	memcpy(p->data, r->data, r->len);
	p->len = r->len;
	p->incomplete = r->incomplete;
	p->rssi = r->rssi;
}

static void on_lost(void *ctx, uint16_t h, bh_status st)
{
	(void)h;
	struct prec *p = ctx;
	p->lost_n++;
	p->lost_st = st;
}

static void sync_established(struct fake *f, uint8_t status, uint16_t handle)
{
	/* 7.7.65.14: status, handle, SID 3, random, address, 2M, 0x0050, accuracy */
	uint8_t e[15] = { status };
	bh_put16(e + 1, handle);
	e[3] = 3;
	e[4] = BH_ADDR_RANDOM;
	memcpy(e + 5, "\x01\x02\x03\x04\x05\xc6", 6);
	e[11] = 2;
	bh_put16(e + 12, 0x0050);
	e[14] = 0;
	fake_meta(f, BH_LE_PERIODIC_SYNC_ESTABLISHED, e, 15);
}

static void periodic_report(struct fake *f, uint16_t handle, uint8_t status, const uint8_t *d,
			    uint8_t len)
{
	/* 7.7.65.15: handle, TX power, RSSI, CTE type, data status, length, data */
	uint8_t e[7 + 255] = { 0 };
	bh_put16(e, handle);
	e[2] = 0x7f;
	e[3] = (uint8_t)-60;
	e[4] = 0xff;
	e[5] = status;
	e[6] = len;
	memcpy(e + 7, d, len);
	fake_meta(f, BH_LE_PERIODIC_ADV_REPORT, e, 7u + len);
}

static void test_periodic_sync(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct prec pr = { 0 };
	struct bh_gap_sync_params sp = { .addr = { BH_ADDR_RANDOM,
						   { 0x01, 0x02, 0x03, 0x04, 0x05, 0xc6 } },
					 .sid = 3,
					 .skip = 1,
					 .timeout_ms = 4000,
					 .on_sync = on_sync,
					 .on_report = on_report,
					 .on_lost = on_lost,
					 .ctx = &pr };
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_OK);
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_EBUSY);
	fake_pump(&f);
	/* 7.8.67: options 0, SID, address type and address, skip 1,
	 * timeout 400 x 10 ms, any CTE. */
	const uint8_t cs[14] = { 0x00, 0x03, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0xc6,
				 0x01, 0x00, 0x90, 0x01, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_PERIODIC_CREATE_SYNC), cs, 14);
	/* Reports before the sync exists are nobody's. */
	periodic_report(&f, 0x0007, 0, (const uint8_t *)"x", 1);
	assert_int_equal(pr.rep_n, 0);
	sync_established(&f, 0, 0x0007);
	assert_int_equal(pr.sync_n, 1);
	assert_int_equal(pr.sync_st, BH_OK);
	assert_int_equal(pr.info.sync_handle, 7);
	assert_int_equal(pr.info.sid, 3);
	assert_int_equal(pr.info.phy, 2);
	assert_int_equal(pr.info.interval, 0x0050);
	assert_int_equal(bh_gap_sync_count(f.gap), 1);

	/* 200 + 200 + 100 bytes in three fragments: one report of 500. */
	static uint8_t d[500];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i ^ 0x5a);
	periodic_report(&f, 7, 1, d, 200);
	periodic_report(&f, 7, 1, d + 200, 200);
	assert_int_equal(pr.rep_n, 0);
	periodic_report(&f, 7, 0, d + 400, 100);
	assert_int_equal(pr.rep_n, 1);
	assert_int_equal(pr.len, 500);
	assert_memory_equal(pr.data, d, 500);
	assert_false(pr.incomplete);
	assert_int_equal(pr.rssi, -60);
	/* Truncated by the controller. */
	periodic_report(&f, 7, 1, d, 50);
	periodic_report(&f, 7, 2, d + 50, 10);
	assert_int_equal(pr.rep_n, 2);
	assert_int_equal(pr.len, 60);
	assert_true(pr.incomplete);
	/* A report whose Data_Length runs past the event is dropped. */
	uint8_t bad[9] = { 0x07, 0x00, 0x7f, 0xc4, 0xff, 0x00, 0x05, 'a', 'b' };
	fake_meta(&f, BH_LE_PERIODIC_ADV_REPORT, bad, sizeof(bad));
	assert_int_equal(pr.rep_n, 2);
	struct bh_gap_stats st;
	bh_gap_stats(f.gap, &st);
	assert_int_equal(st.reports_rejected, 1);
	/* A chain that never ends stays bounded by BH_AD_EXT_MAX. */
	for (int i = 0; i < 10; i++)
		periodic_report(&f, 7, 1, d, 247);
	periodic_report(&f, 7, 0, d, 10);
	assert_int_equal(pr.rep_n, 3);
	assert_int_equal(pr.len, BH_AD_EXT_MAX);
	assert_true(pr.incomplete);

	/* Sync Lost. */
	uint8_t lost[2] = { 0x07, 0x00 };
	fake_meta(&f, BH_LE_PERIODIC_SYNC_LOST, lost, 2);
	assert_int_equal(pr.lost_n, 1);
	assert_int_equal(pr.lost_st, BH_ETIMEDOUT);
	assert_int_equal(bh_gap_sync_count(f.gap), 0);
	fake_meta(&f, BH_LE_PERIODIC_SYNC_LOST, lost, 2);
	assert_int_equal(pr.lost_n, 1);

	/* Create, cancel: Sync Established with Operation Cancelled by Host. */
	assert_int_equal(bh_gap_sync_cancel(f.gap), BH_ESTATE);
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_OK);
	assert_int_equal(bh_gap_sync_cancel(f.gap), BH_OK);
	fake_pump(&f);
	assert_non_null(fake_last(&f, BH_HCI_LE_PERIODIC_CREATE_SYNC_CANCEL));
	sync_established(&f, 0x44, 0);
	assert_int_equal(pr.sync_n, 2);
	assert_int_equal(pr.sync_st, BH_ECANCELLED);

	/* Refused at Command Status: no event will follow. */
	f.fail_op = BH_HCI_LE_PERIODIC_CREATE_SYNC;
	f.fail_status = 0x0c;
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_OK);
	fake_pump(&f);
	assert_int_equal(pr.sync_n, 3);
	assert_int_equal(pr.sync_st, BH_HCI_STATUS(0x0c));
	f.fail_op = 0;

	/* Established, terminated by the caller: command, no on_lost. */
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_OK);
	fake_pump(&f);
	sync_established(&f, 0, 0x0009);
	assert_int_equal(bh_gap_sync_terminate(f.gap, 0x0009), BH_OK);
	assert_int_equal(bh_gap_sync_terminate(f.gap, 0x0009), BH_ESTATE);
	fake_pump(&f);
	const uint8_t th[2] = { 0x09, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_PERIODIC_TERMINATE_SYNC), th, 2);
	assert_int_equal(pr.lost_n, 1);

	/* A sync and a pending create when the controller resets. */
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_OK);
	fake_pump(&f);
	sync_established(&f, 0, 0x000a);
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_OK);
	fake_pump(&f);
	size_t syncs = pr.sync_n;
	bh_gap_reset(f.gap, BH_ERESET);
	assert_int_equal(pr.lost_n, 2);
	assert_int_equal(pr.lost_st, BH_ERESET);
	assert_int_equal(pr.sync_n, syncs + 1);
	assert_int_equal(pr.sync_st, BH_ERESET);
	/* Bad parameters. */
	sp.sid = 16;
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_EINVAL);
	sp.sid = 0;
	sp.timeout_ms = 50;
	assert_int_equal(bh_gap_sync_create(f.gap, &sp), BH_EINVAL);
	bh_gap_free(f.gap);
}

/* ---- scanning on the Coded PHY, reports, connections ---- */

static void dev_cb(void *ctx, const struct bh_gap_device *d)
{
	*(uint16_t *)ctx = d->periodic_interval;
}

static void test_coded_scan_and_periodic_interval(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	uint16_t pint = 0;
	struct bh_gap_scan_params sp = { .active = false, .phys = BH_GAP_PHY_MASK_1M |
								 BH_GAP_PHY_MASK_CODED,
					 .on_device = dev_cb, .ctx = &pint };
	/* No LE Coded PHY feature: refused. */
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_ENOTSUP);
	f.info.le_features[1] |= 1u << 3;
	sp.phys = BH_GAP_PHY_MASK_2M;
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_EINVAL);
	sp.phys = BH_GAP_PHY_MASK_1M | BH_GAP_PHY_MASK_CODED;
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	/* 7.8.64: own public, policy 0, PHYs 0b101, then passive 0x60/0x30 for
	 * 1M and again for Coded. */
	const uint8_t q[13] = { 0x00, 0x00, 0x05, 0x00, 0x60, 0x00, 0x30, 0x00,
				0x00, 0x60, 0x00, 0x30, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_SET_EXT_SCAN_PARAMS), q, 13);
	/* An extended report from a periodic advertiser on Coded. */
	uint8_t e[1 + 24 + 3] = { 1 };
	bh_put16(e + 1, 0x0000);          /* non-connectable, extended, complete */
	e[3] = BH_ADDR_RANDOM;
	memcpy(e + 4, "\x01\x02\x03\x04\x05\xc6", 6);
	e[10] = 3;                        /* primary Coded */
	e[11] = 3;
	e[12] = 3;                        /* SID */
	e[13] = 0x7f;
	e[14] = (uint8_t)-70;
	bh_put16(e + 15, 0x0050);         /* Periodic_Advertising_Interval */
	e[24] = 3;
	memcpy(e + 25, "\x02\x01\x06", 3);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, e, sizeof(e));
	assert_int_equal(pint, 0x0050);
	const struct bh_gap_device *d = bh_gap_seen_at(f.gap, 0);
	assert_non_null(d);
	assert_int_equal(d->primary_phy, 3);
	assert_int_equal(d->sid, 3);
	bh_gap_scan_stop(f.gap);
	fake_pump(&f);
	bh_gap_free(f.gap);

	/* A legacy controller cannot scan Coded. */
	fake_init(&f, false);
	f.info.le_features[1] |= 1u << 3;
	fake_gap(&f, NULL);
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_ENOTSUP);
	sp.phys = 0;
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	assert_non_null(fake_last(&f, BH_HCI_LE_SET_SCAN_PARAMS));
	bh_gap_free(f.gap);
}

static void test_enhanced_v2_and_csa(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct fake_srec r = { 0 };
	struct bh_gap_adv_set_params p = set_params(&r, BH_GAP_ADV_CONN);
	p.addr = static_addr(0x77);
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	/* 7.7.65.10 (v2): ..., Central_Clock_Accuracy, Advertising_Handle,
	 * Sync_Handle. */
	uint8_t e[33] = { 0x00 };
	bh_put16(e + 1, 0x0043);
	e[3] = 1; /* peripheral */
	e[4] = 0;
	memcpy(e + 5, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	bh_put16(e + 23, 24);
	bh_put16(e + 25, 0);
	bh_put16(e + 27, 72);
	e[29] = 0;
	e[30] = h;
	bh_put16(e + 31, 0xffff);
	fake_meta(&f, BH_LE_ENH_CONN_COMPLETE_V2, e, sizeof(e));
	assert_int_equal(f.n_connected, 1);
	/* The local address the peer sees is the set's own one, known at once. */
	assert_int_equal(f.connected[0].local.type, BH_ADDR_RANDOM);
	assert_int_equal(f.connected[0].local.val[0], 0x77);
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0043), h);
	assert_int_equal(bh_gap_conn_csa(f.gap, 0x0043), 0);
	/* LE Channel Selection Algorithm (7.7.65.20): #2. */
	uint8_t csa[3] = { 0x43, 0x00, 0x01 };
	fake_meta(&f, BH_LE_CHANNEL_SEL_ALGO, csa, 3);
	assert_int_equal(bh_gap_conn_csa(f.gap, 0x0043), 2);
	/* Unknown handle, reserved value, short event: ignored. */
	uint8_t bad[3] = { 0x44, 0x00, 0x00 };
	fake_meta(&f, BH_LE_CHANNEL_SEL_ALGO, bad, 3);
	uint8_t res[3] = { 0x43, 0x00, 0x05 };
	fake_meta(&f, BH_LE_CHANNEL_SEL_ALGO, res, 3);
	fake_meta(&f, BH_LE_CHANNEL_SEL_ALGO, csa, 2);
	assert_int_equal(bh_gap_conn_csa(f.gap, 0x0043), 2);
	assert_int_equal(bh_gap_conn_csa(f.gap, 0x0099), 0);
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0099), 0xff);
	terminated(&f, 0, h, 0x0043, 0);
	assert_int_equal(r.stop, BH_OK);
	bh_gap_free(f.gap);
}

/* Proves that a link from handle 0 (bh_gap_adv_start) whose Connection
 * Complete names no set (v1, Enhanced v1) gets handle 0 from its
 * Advertising Set Terminated, like a set's (the old code left it 0xff):
 * from the run it ended, and from a run already stopped (late); a
 * Terminated that is not a connection's names no link. */
static void test_handle0_link_from_terminated(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct fake_srec r = { 0 };
	struct bh_gap_adv_params p = { .kind = BH_GAP_ADV_CONN, .on_stopped = fake_set_stopped,
				       .ctx = &r };
	bh_addr peer = { 0, { 1, 2, 3, 4, 5, 6 } };
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0040, 1, &peer);
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0040), 0xff); /* not known yet */
	terminated(&f, 0x00, 0, 0x0040, 0);
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0040), 0);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);

	/* Stopped, then a connection that took it just before the disable. */
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0041, 1, &peer);
	terminated(&f, 0x00, 0, 0x0041, 0);
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0041), 0);
	assert_int_equal(r.stop_n, 1);

	/* Its Duration ran out: the Connection_Handle field means nothing. */
	fake_conn_complete(&f, 0, 0x0042, 0, &peer); /* a central link */
	assert_int_equal(bh_gap_adv_start(f.gap, &p, NULL, NULL), BH_OK);
	fake_pump(&f);
	terminated(&f, 0x3c, 0, 0x0042, 0);
	assert_int_equal(r.stop_n, 2);
	assert_int_equal(r.stop, BH_ETIMEDOUT);
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0042), 0xff);
	bh_gap_free(f.gap);
}

/* Proves that a set running high duty directed advertising learns of its
 * timeout when it comes only as a Connection Complete with Advertising
 * Timeout (0x3C), which names no set (7.8.56: instead of or beside its
 * Terminated): it ends (on_stopped BH_ETIMEDOUT) with one disable of its
 * handle (the old code left it running in the host forever), a set of
 * another kind goes on, a new run whose enable is not out yet is not ended
 * by it, and the Terminated of the run it ended, coming too once a new run
 * is on, ends that run with one more disable. */
static void test_set_directed_timeout_conn_complete(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct fake_srec rd = { 0 }, rc = { 0 };
	struct bh_gap_adv_set_params pd = set_params(&rd, BH_GAP_ADV_DIRECT_HIGH);
	pd.adv.peer = (bh_addr){ BH_ADDR_PUBLIC, { 1, 2, 3, 4, 5, 6 } };
	pd.adv.timeout_ms = 1280;
	struct bh_gap_adv_set_params pc = set_params(&rc, BH_GAP_ADV_CONN);
	uint8_t hd, hc;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &pc, &hc, fake_set_cb, &rc), BH_OK);
	assert_int_equal(bh_gap_adv_set_start(f.gap, &pd, &hd, fake_set_cb, &rd), BH_OK);
	fake_pump(&f);
	assert_int_equal(rd.cb, BH_OK);
	size_t from = f.n;
	fake_conn_complete(&f, 0x3c, 0x0000, 1, NULL);
	fake_pump(&f);
	assert_int_equal(f.n - from, 1);
	const uint8_t dis[6] = { 0x00, 0x01, hd, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[from], dis, 6);
	assert_int_equal(rd.stop_n, 1);
	assert_int_equal(rd.stop, BH_ETIMEDOUT);
	assert_false(bh_gap_adv_set_active(f.gap, hd));
	assert_true(bh_gap_adv_set_active(f.gap, hc));
	assert_int_equal(rc.stop_n, 0);

	/* A new run, its enable not out: a 0x3C now is of the run before. */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &pd, &hd, fake_set_cb, &rd), BH_OK);
	fake_conn_complete(&f, 0x3c, 0x0000, 1, NULL);
	fake_pump(&f);
	assert_int_equal(rd.stop_n, 1);
	assert_true(bh_gap_adv_set_active(f.gap, hd));
	/* The first run's Terminated too, once the new run is on: it cannot
	 * be told from the new run's own, which it ends, off for sure. */
	from = f.n;
	terminated(&f, 0x3c, hd, 0x0000, 0);
	fake_pump(&f);
	assert_int_equal(f.n - from, 1);
	fake_expect_params(&f.cmds[from], dis, 6);
	assert_int_equal(rd.stop_n, 2);
	assert_int_equal(rd.stop, BH_ETIMEDOUT);
	bh_gap_free(f.gap);
}

/* A controller listing extended advertising and create connection but not
 * extended scanning (Bumble's): each family it has goes extended. */
static void test_partial_families(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_set_sup(&f, BH_SUP_LE_SET_EXT_ADV_PARAMS);
	fake_set_sup(&f, BH_SUP_LE_SET_EXT_ADV_ENABLE);
	fake_set_sup(&f, BH_SUP_LE_EXT_CREATE_CONN);
	f.info.le_features[1] |= 1u << 4;
	fake_gap(&f, NULL);
	assert_false(bh_gap_uses_extended(f.gap));
	struct fake_srec r = { 0 };
	struct bh_gap_adv_set_params p = set_params(&r, BH_GAP_ADV_NONCONN);
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	/* No Read Number of Sets in its bitmap: not asked. */
	assert_int_equal(fake_count(&f, BH_HCI_LE_READ_NUM_ADV_SETS), 0);
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_EXT_ADV_ENABLE), 1);
	struct bh_gap_scan_params sp = { 0 };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_SCAN_PARAMS), 1);
	bh_gap_scan_stop(f.gap);
	fake_pump(&f);
	bh_addr peer = { 1, { 1, 2, 3, 4, 5, 0xc6 } };
	assert_int_equal(bh_gap_connect(f.gap, &peer, NULL, 0, NULL, NULL), BH_OK);
	fake_pump(&f);
	assert_int_equal(fake_count(&f, BH_HCI_LE_EXT_CREATE_CONN), 1);
	bh_gap_free(f.gap);
}

/* An advertising set that makes the GAP's first RPA starts its rotation
 * clock (Vol 3, Part C, 10.7.1.2), as the main advertiser and scanning do:
 * a scan started later uses that RPA and gets a new one when it expires.
 * The set itself advertises from an RPA of its own, not that one: this
 * test used to show the two sharing it until the first rotation, which
 * linked the set to the scanner (rpa14 gives a set its own at start). */
static void test_set_rpa_rotates(void **state)
{
	(void)state;
	static struct fake f;
	fake_gap_rpa(&f, true);
	struct fake_srec r = { 0 };
	struct bh_gap_adv_set_params p = set_params(&r, BH_GAP_ADV_NONCONN);
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.cb, BH_OK);
	const struct fake_cmd *set_addr = fake_last(&f, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR);
	assert_non_null(set_addr);
	assert_int_equal(set_addr->p[6] & 0xc0, 0x40); /* resolvable private */
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 60000);

	struct bh_gap_scan_params sp = { 0 };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	const struct fake_cmd *first = fake_last(&f, BH_HCI_LE_SET_RANDOM_ADDRESS);
	assert_non_null(first);
	assert_int_equal(first->p[5] & 0xc0, 0x40);
	assert_memory_not_equal(first->p, set_addr->p + 1, 6); /* not the set's */
	size_t n = fake_count(&f, BH_HCI_LE_SET_RANDOM_ADDRESS);
	f.now += 60000;
	bh_gap_on_timeout(f.gap);
	fake_pump(&f);
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_RANDOM_ADDRESS), n + 1);
	const struct fake_cmd *next = fake_last(&f, BH_HCI_LE_SET_RANDOM_ADDRESS);
	assert_memory_not_equal(next->p, first->p, 6);
	assert_int_equal(next->p[5] & 0xc0, 0x40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_sets),
		cmocka_unit_test(test_set_limits_and_clear),
		cmocka_unit_test(test_big_data_phys_duration),
		cmocka_unit_test(test_invalid_sets),
		cmocka_unit_test(test_legacy_fallback),
		cmocka_unit_test(test_read_limits),
		cmocka_unit_test(test_periodic_advertising),
		cmocka_unit_test(test_periodic_sync),
		cmocka_unit_test(test_coded_scan_and_periodic_interval),
		cmocka_unit_test(test_enhanced_v2_and_csa),
		cmocka_unit_test(test_handle0_link_from_terminated),
		cmocka_unit_test(test_set_directed_timeout_conn_complete),
		cmocka_unit_test(test_partial_families),
		cmocka_unit_test(test_set_rpa_rotates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
