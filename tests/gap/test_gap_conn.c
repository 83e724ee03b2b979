/* Connections: create (legacy and extended, exact bytes), cancel, timeout,
 * limits, three simultaneous links, disconnect reasons, connection update,
 * remote features, accept list, connect-to-first-match, bad events. */
#include "fake_hci.h"

struct crec {
	size_t n;
	bh_status st;
	struct bh_gap_conn conn;
	bool had_conn;
};

static void conn_cb(void *ctx, bh_status st, const struct bh_gap_conn *c)
{
	struct crec *r = ctx;
	r->n++;
	r->st = st;
	r->had_conn = c != NULL;
	if (c)
		r->conn = *c;
}

static void done_cb(void *ctx, bh_status st)
{
	bh_status *p = ctx;
	*p = st;
}

static const bh_addr peer1 = { 1, { 0x11, 0x22, 0x33, 0x44, 0x55, 0xc6 } };

static void test_create_legacy(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct crec r = { 0 };
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_EBUSY);
	fake_pump(&f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.cmds[0].op, BH_HCI_LE_CREATE_CONN);
	/* 7.8.12: scan 0x60/0x30, policy 0, peer random + addr, own public,
	 * interval 24..40, latency 0, timeout 400, CE 0..0 */
	const uint8_t cp[25] = { 0x60, 0x00, 0x30, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55,
				 0xc6, 0x00, 0x18, 0x00, 0x28, 0x00, 0x00, 0x00, 0x90, 0x01,
				 0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[0], cp, 25);
	assert_int_equal(r.n, 0);
	fake_conn_complete(&f, 0, 0x0005, 0, &peer1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.st, BH_OK);
	assert_int_equal(r.conn.handle, 5);
	assert_int_equal(r.conn.role, BH_GAP_ROLE_CENTRAL);
	assert_true(bh_addr_eq(&r.conn.peer, &peer1));
	assert_int_equal(r.conn.interval, 40);
	assert_int_equal(r.conn.supervision_timeout, 400);
	assert_false(r.conn.peer_resolved);
	assert_int_equal(f.n_connected, 1);
	assert_int_equal(bh_gap_conn_count(f.gap), 1);
	/* Remote features are read next. */
	fake_pump(&f);
	const struct fake_cmd *c = fake_last(&f, BH_HCI_LE_READ_REMOTE_FEATURES);
	const uint8_t h[] = { 0x05, 0x00 };
	fake_expect_params(c, h, 2);
	const uint8_t fe[] = { 0x00, 0x05, 0x00, 0x01, 0x02, 0, 0, 0, 0, 0, 0 };
	fake_meta(&f, BH_LE_READ_REMOTE_FEATURES_COMPLETE, fe, sizeof(fe));
	const struct bh_gap_conn *conn = bh_gap_conn_get(f.gap, 5);
	assert_true(conn->features_valid);
	assert_int_equal(conn->features[0], 0x01);
	assert_int_equal(f.n_changed, 1);
	/* A failed read leaves them unknown; unknown handle ignored. */
	const uint8_t fe2[] = { 0x00, 0x09, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0 };
	fake_meta(&f, BH_LE_READ_REMOTE_FEATURES_COMPLETE, fe2, sizeof(fe2));
	fake_meta(&f, BH_LE_READ_REMOTE_FEATURES_COMPLETE, fe, 5);
	assert_int_equal(f.n_changed, 1);
	bh_gap_free(f.gap);
}

static void test_cancel_and_timeout(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct crec r = { 0 };
	assert_int_equal(bh_gap_connect_cancel(f.gap), BH_ESTATE);
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_connect_cancel(f.gap), BH_OK);
	assert_int_equal(bh_gap_connect_cancel(f.gap), BH_OK); /* once only */
	fake_pump(&f);
	assert_int_equal(fake_count(&f, BH_HCI_LE_CREATE_CONN_CANCEL), 1);
	assert_int_equal(fake_last(&f, BH_HCI_LE_CREATE_CONN_CANCEL)->len, 0);
	assert_int_equal(r.n, 0);
	/* Vol 4, Part E, 7.8.13: completion with Unknown Connection Identifier. */
	fake_conn_complete(&f, 0x02, 0, 0, NULL);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.st, BH_ECANCELLED);
	assert_false(r.had_conn);
	assert_int_equal(f.n_connected, 0);

	/* Timeout. */
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 2000, conn_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_next_deadline(f.gap), 3000);
	f.now = 3000;
	bh_gap_on_timeout(f.gap);
	fake_pump(&f);
	assert_int_equal(fake_count(&f, BH_HCI_LE_CREATE_CONN_CANCEL), 2);
	fake_conn_complete(&f, 0x02, 0, 0, NULL);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.st, BH_ETIMEDOUT);
	assert_int_equal(bh_gap_next_deadline(f.gap), BH_NEVER);

	/* The connection wins the race with the cancel: it is reported. */
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	bh_gap_connect_cancel(f.gap);
	f.fail_op = BH_HCI_LE_CREATE_CONN_CANCEL;
	f.fail_status = 0x0c;
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0007, 0, &peer1);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.st, BH_OK);
	assert_int_equal(r.conn.handle, 7);

	/* The controller refuses the command: Command Status error. */
	f.fail_op = BH_HCI_LE_CREATE_CONN;
	f.fail_status = 0x0c;
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.st, BH_HCI_STATUS(0x0c));
	/* Other failure statuses come through as carriers. */
	f.fail_op = 0;
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0x3e, 0, 0, NULL);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.st, BH_HCI_STATUS(0x3e));
	/* Reset completes an attempt in progress. */
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	bh_gap_reset(f.gap, BH_ERESET);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.st, BH_ERESET);
	assert_int_equal(bh_gap_conn_count(f.gap), 0);
	bh_gap_free(f.gap);
	assert_int_equal(r.n, 6);
}

static void test_three_links_and_disconnect(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.max_connections = 3;
	cfg.read_remote_features = false;
	fake_gap(&f, &cfg);
	struct crec r = { 0 };
	bh_addr p2 = { 0, { 2, 2, 2, 2, 2, 2 } }, p3 = { 0, { 3, 3, 3, 3, 3, 3 } };
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0001, 0, &peer1);
	assert_int_equal(bh_gap_connect(f.gap, &p2, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0002, 0, &p2);
	/* A peripheral link while a third attempt runs. */
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN };
	assert_int_equal(bh_gap_adv_start(f.gap, &ap, NULL, NULL), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0003, 1, &p3);
	assert_int_equal(bh_gap_conn_count(f.gap), 3);
	assert_int_equal(r.n, 2);
	assert_int_equal(f.n_connected, 3);
	assert_int_equal(bh_gap_conn_get(f.gap, 3)->role, BH_GAP_ROLE_PERIPHERAL);
	/* Table full: config limit refuses at once. */
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_HCI_STATUS(0x09));
	assert_int_equal(bh_gap_adv_start(f.gap, &ap, NULL, NULL), BH_HCI_STATUS(0x09));
	/* A link the controller makes beyond the table is disconnected. */
	size_t from = f.n;
	fake_conn_complete(&f, 0, 0x0009, 1, &p3);
	fake_pump(&f);
	assert_int_equal(f.cmds[from].op, BH_HCI_DISCONNECT);
	assert_int_equal(bh_gap_conn_count(f.gap), 3);
	/* A duplicate handle is ignored. */
	fake_conn_complete(&f, 0, 0x0002, 0, &p3);
	assert_int_equal(f.n_connected, 3);

	/* Disconnect the middle one with a reason. */
	assert_int_equal(bh_gap_disconnect(f.gap, 2, 0x13), BH_OK);
	fake_pump(&f);
	const uint8_t dp[] = { 0x02, 0x00, 0x13 };
	fake_expect_params(fake_last(&f, BH_HCI_DISCONNECT), dp, 3);
	assert_int_equal(bh_gap_conn_count(f.gap), 3); /* until the event */
	fake_disc_complete(&f, 0x0002, 0x16);
	assert_int_equal(f.n_disc, 1);
	assert_int_equal(f.disc_handle[0], 2);
	assert_int_equal(f.disc_reason[0], 0x16);
	assert_int_equal(bh_gap_conn_count(f.gap), 2);
	assert_null(bh_gap_conn_get(f.gap, 2));
	assert_non_null(bh_gap_conn_get(f.gap, 1));
	assert_non_null(bh_gap_conn_at(f.gap, 1));
	assert_null(bh_gap_conn_at(f.gap, 2));
	/* Bad disconnects. */
	assert_int_equal(bh_gap_disconnect(f.gap, 2, 0x13), BH_ENOTFOUND);
	assert_int_equal(bh_gap_disconnect(f.gap, 1, 0x16), BH_EINVAL);
	/* Unknown handle, failed status, short event: ignored. */
	fake_disc_complete(&f, 0x0002, 0x13);
	uint8_t e[4] = { 0x0c, 0x01, 0x00, 0x13 };
	bh_gap_on_event(f.gap, BH_HCI_EVT_DISCONN_COMPLETE, e, 4);
	e[0] = 0;
	bh_gap_on_event(f.gap, BH_HCI_EVT_DISCONN_COMPLETE, e, 3);
	assert_int_equal(f.n_disc, 1);
	assert_int_equal(bh_gap_conn_count(f.gap), 2);
	/* Room again: the controller's own limit comes back as a carrier. */
	assert_int_equal(bh_gap_connect(f.gap, &p2, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0x09, 0, 0, NULL);
	assert_int_equal(r.st, BH_HCI_STATUS(0x09));
	bh_gap_free(f.gap);
}

static void test_conn_update(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct crec r = { 0 };
	assert_int_equal(bh_gap_connect(f.gap, &peer1, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	fake_conn_complete(&f, 0, 0x0010, 0, &peer1);
	fake_pump(&f);
	bh_status st = 99;
	struct bh_gap_conn_params p = { .interval_min = 6, .interval_max = 12, .latency = 4,
					.supervision_timeout = 100 };
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, &p, done_cb, &st), BH_OK);
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, &p, done_cb, &st), BH_EBUSY);
	fake_pump(&f);
	/* 7.8.18: handle, min, max, latency, timeout, CE min/max */
	const uint8_t up[] = { 0x10, 0x00, 0x06, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x64, 0x00,
			       0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_CONN_UPDATE), up, sizeof(up));
	assert_int_equal(st, 99);
	const uint8_t ev[] = { 0x00, 0x10, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x64, 0x00 };
	size_t changed = f.n_changed;
	fake_meta(&f, BH_LE_CONN_UPDATE_COMPLETE, ev, sizeof(ev));
	assert_int_equal(st, BH_OK);
	const struct bh_gap_conn *c = bh_gap_conn_get(f.gap, 0x10);
	assert_int_equal(c->interval, 12);
	assert_int_equal(c->latency, 4);
	assert_int_equal(c->supervision_timeout, 100);
	assert_int_equal(f.n_changed, changed + 1);
	/* Invalid parameters. */
	p.supervision_timeout = 10; /* 100 ms <= (1+4)*15 ms*2 */
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, &p, done_cb, &st), BH_EINVAL);
	p.supervision_timeout = 100;
	p.latency = 0x200;
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, &p, done_cb, &st), BH_EINVAL);
	p.latency = 0;
	p.interval_min = 5;
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, &p, done_cb, &st), BH_EINVAL);
	p.interval_min = 20;
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, &p, done_cb, &st), BH_EINVAL);
	assert_int_equal(bh_gap_conn_update(f.gap, 0x99, NULL, done_cb, &st), BH_ENOTFOUND);
	/* Refused by the controller (Command Status). */
	f.fail_op = BH_HCI_LE_CONN_UPDATE;
	f.fail_status = 0x1e;
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, NULL, done_cb, &st), BH_OK);
	fake_pump(&f);
	assert_int_equal(st, BH_HCI_STATUS(0x1e));
	/* Failed completion event. */
	f.fail_op = 0;
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, NULL, done_cb, &st), BH_OK);
	fake_pump(&f);
	const uint8_t bad[] = { 0x3b, 0x10, 0x00, 0, 0, 0, 0, 0, 0 };
	fake_meta(&f, BH_LE_CONN_UPDATE_COMPLETE, bad, sizeof(bad));
	assert_int_equal(st, BH_HCI_STATUS(0x3b));
	assert_int_equal(c->interval, 12);
	/* Disconnect while an update is pending. */
	assert_int_equal(bh_gap_conn_update(f.gap, 0x10, NULL, done_cb, &st), BH_OK);
	fake_pump(&f);
	fake_disc_complete(&f, 0x0010, 0x08);
	assert_int_equal(st, BH_EDISCONNECTED);
	bh_gap_free(f.gap);
}

/* LE Remote Connection Parameter Request (7.7.65.6) in both roles: every
 * request is answered at once, with the Reply (7.8.31) inside the limits
 * or the Negative Reply (7.8.32); exact command bytes. */
static void req_event(struct fake *f, uint16_t handle, uint16_t min, uint16_t max, uint16_t lat,
		      uint16_t to)
{
	uint8_t e[10];
	uint16_t v[] = { handle, min, max, lat, to };
	for (int i = 0; i < 5; i++)
		bh_put16(e + 2 * i, v[i]);
	fake_meta(f, BH_LE_REMOTE_CONN_PARAM_REQUEST, e, sizeof(e));
	fake_pump(f);
}

static void expect_neg(const struct fake *f, uint16_t handle, uint8_t reason)
{
	const uint8_t want[] = { (uint8_t)handle, (uint8_t)(handle >> 8), reason };
	fake_expect_params(fake_last(f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY), want, 3);
}

static void test_remote_conn_param_request(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	fake_gap(&f, &cfg);
	fake_conn_complete(&f, 0, 0x0010, 0, &peer1); /* we are central */
	bh_addr peer2 = peer1;
	peer2.val[0] = 0x99;
	fake_conn_complete(&f, 0, 0x0011, 1, &peer2); /* we are peripheral */
	fake_pump(&f);

	/* What a phone asks: 7.5-15 ms, latency 0, 2 s. Accepted as asked. */
	req_event(&f, 0x0010, 6, 12, 0, 200);
	const uint8_t rep[] = { 0x10, 0x00, 0x06, 0x00, 0x0c, 0x00, 0x00, 0x00, 0xc8, 0x00,
				0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY), rep, sizeof(rep));
	assert_int_equal(f.n_param_req, 1);
	/* (fake_pump answered with the status octet alone, as btvirt does.) */
	/* The update completes: reported with the new parameters. */
	const uint8_t upd[] = { 0x00, 0x10, 0x00, 0x0c, 0x00, 0x00, 0x00, 0xc8, 0x00 };
	fake_meta(&f, BH_LE_CONN_UPDATE_COMPLETE, upd, sizeof(upd));
	assert_int_equal(f.n_updated, 1);
	assert_int_equal(f.updated_status, BH_OK);
	assert_int_equal(f.updated.handle, 0x10);
	assert_int_equal(f.updated.interval, 12);
	assert_int_equal(f.updated.supervision_timeout, 200);
	/* Peripheral role: 4 s interval, 32 s, the limits' edges; with latency
	 * 499 ... */
	req_event(&f, 0x0011, 0x0c80, 0x0c80, 0x01f3, 0x0c80);
	fake_meta(&f, BH_LE_REMOTE_CONN_PARAM_REQUEST, NULL, 0); /* malformed: ignored */
	/* ... 32 s <= (1 + 499) * 4 s * 2 breaks the timeout rule: invalid;
	 * with latency 1 it holds. */
	expect_neg(&f, 0x0011, 0x1e);
	assert_int_equal(fake_count(&f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY), 1);
	req_event(&f, 0x0011, 0x0c80, 0x0c80, 1, 0x0c80);
	const uint8_t rep3[] = { 0x11, 0x00, 0x80, 0x0c, 0x80, 0x0c, 0x01, 0x00, 0x80, 0x0c,
				 0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY), rep3, sizeof(rep3));
	/* Out of the specification's ranges: Invalid LL Parameters. */
	size_t neg = fake_count(&f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY);
	req_event(&f, 0x0010, 5, 12, 0, 200);      /* interval below 7.5 ms */
	req_event(&f, 0x0010, 12, 6, 0, 200);      /* min above max */
	req_event(&f, 0x0010, 6, 12, 0x01f4, 200); /* latency 500 */
	req_event(&f, 0x0010, 6, 12, 0, 9);        /* timeout below 100 ms */
	req_event(&f, 0x0010, 6, 12, 0, 0);        /* zero timeout */
	assert_int_equal(fake_count(&f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY), neg + 5);
	expect_neg(&f, 0x0010, 0x1e);
	bh_gap_free(f.gap);

	/* Application limits: 30 ms..1 s, latency <= 4, timeout 1..6 s. */
	fake_init(&f, false);
	cfg.peer_params = (struct bh_gap_conn_limits){ 24, 800, 4, 100, 600 };
	fake_gap(&f, &cfg);
	fake_conn_complete(&f, 0, 0x0010, 0, &peer1);
	fake_pump(&f);
	req_event(&f, 0x0010, 6, 12, 0, 200); /* wholly below 30 ms */
	expect_neg(&f, 0x0010, 0x3b);
	req_event(&f, 0x0010, 6, 40, 10, 200); /* overlaps: narrowed to 24-40, latency 4 */
	const uint8_t nar[] = { 0x10, 0x00, 0x18, 0x00, 0x28, 0x00, 0x04, 0x00, 0xc8, 0x00,
				0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY), nar, sizeof(nar));
	neg = fake_count(&f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY);
	req_event(&f, 0x0010, 24, 40, 0, 800);  /* timeout above 6 s */
	req_event(&f, 0x0010, 24, 40, 0, 50);   /* timeout below 1 s */
	req_event(&f, 0x0010, 900, 1000, 0, 600); /* wholly above 1 s */
	assert_int_equal(fake_count(&f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY), neg + 3);
	expect_neg(&f, 0x0010, 0x3b);
	/* The application's hook refuses, or answers with its own choice;
	 * one outside the limits is refused. */
	f.refuse_params = true;
	req_event(&f, 0x0010, 24, 40, 0, 200);
	assert_int_equal(fake_count(&f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY), neg + 4);
	f.refuse_params = false;
	struct bh_gap_conn_params mine = { .interval_min = 32, .interval_max = 32,
					   .latency = 2, .supervision_timeout = 300 };
	f.set_params = &mine;
	req_event(&f, 0x0010, 24, 40, 0, 200);
	const uint8_t own[] = { 0x10, 0x00, 0x20, 0x00, 0x20, 0x00, 0x02, 0x00, 0x2c, 0x01,
				0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY), own, sizeof(own));
	mine.latency = 5;
	req_event(&f, 0x0010, 24, 40, 0, 200);
	assert_int_equal(fake_count(&f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY), neg + 5);
	f.set_params = NULL;
	/* A handle GAP does not know (the link is going): Unknown Connection
	 * Identifier. */
	req_event(&f, 0x0033, 24, 40, 0, 200);
	expect_neg(&f, 0x0033, 0x02);
	/* The same limits for a request that came another way (L2CAP). */
	struct bh_gap_conn_params q = { .interval_min = 24, .interval_max = 40,
					.supervision_timeout = 200 };
	assert_true(bh_gap_peer_params_acceptable(f.gap, &q));
	q.interval_min = 6; /* below 30 ms */
	assert_false(bh_gap_peer_params_acceptable(f.gap, &q));
	q.interval_min = 24;
	q.latency = 5; /* above 4 */
	assert_false(bh_gap_peer_params_acceptable(f.gap, &q));
	q.latency = 0;
	q.supervision_timeout = 0; /* missing */
	assert_false(bh_gap_peer_params_acceptable(f.gap, &q));
	/* A failed update is reported too, with the old parameters. */
	size_t n = f.n_updated;
	const uint8_t bad[] = { 0x3b, 0x10, 0x00, 0, 0, 0, 0, 0, 0 };
	fake_meta(&f, BH_LE_CONN_UPDATE_COMPLETE, bad, sizeof(bad));
	assert_int_equal(f.n_updated, n + 1);
	assert_int_equal(f.updated_status, BH_HCI_STATUS(0x3b));
	assert_int_equal(f.updated.interval, 40);
	bh_gap_free(f.gap);
}

static void test_extended_create_and_resolution(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct crec r = { 0 };
	struct bh_gap_conn_params p = { .interval_min = 8, .interval_max = 8,
					.supervision_timeout = 200, .scan_interval = 0x40,
					.scan_window = 0x40 };
	assert_int_equal(bh_gap_connect(f.gap, &peer1, &p, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(f.cmds[0].op, BH_HCI_LE_EXT_CREATE_CONN);
	/* 7.8.66: policy, own, peer type, peer, PHYs 1M, then the 1M block */
	const uint8_t cp[26] = { 0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0xc6, 0x01,
				 0x40, 0x00, 0x40, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00,
				 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[0], cp, 26);
	/* Enhanced Connection Complete, peer resolved by the controller. */
	uint8_t e[30] = { 0x00, 0x21, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	const uint8_t local_rpa[6] = { 1, 2, 3, 4, 5, 0x41 }, peer_rpa[6] = { 6, 5, 4, 3, 2, 0x42 };
	memcpy(e + 11, local_rpa, 6);
	memcpy(e + 17, peer_rpa, 6);
	bh_put16(e + 23, 8);
	bh_put16(e + 25, 0);
	bh_put16(e + 27, 200);
	fake_meta(&f, BH_LE_ENH_CONN_COMPLETE, e, 30);
	assert_int_equal(r.st, BH_OK);
	assert_true(r.conn.peer_resolved);
	assert_int_equal(r.conn.peer_identity.type, BH_ADDR_RANDOM);
	assert_int_equal(r.conn.peer_identity.val[5], 0xff);
	assert_int_equal(r.conn.peer.type, BH_ADDR_RANDOM);
	assert_memory_equal(r.conn.peer.val, peer_rpa, 6);
	assert_memory_equal(r.conn.local.val, local_rpa, 6);
	/* Host-side resolution with resolve_rpa, v2 event (33 bytes). */
	f.resolve = true;
	f.identity = (bh_addr){ 0, { 9, 8, 7, 6, 5, 4 } };
	bh_addr rpa = { 1, { 1, 1, 1, 1, 1, 0x55 } };
	assert_int_equal(bh_gap_connect(f.gap, &rpa, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	uint8_t e2[33] = { 0x00, 0x22, 0x00, 0x00, 0x01, 1, 1, 1, 1, 1, 0x55 };
	bh_put16(e2 + 23, 24);
	bh_put16(e2 + 27, 400);
	fake_meta(&f, BH_LE_ENH_CONN_COMPLETE_V2, e2, 33);
	assert_int_equal(r.st, BH_OK);
	assert_true(r.conn.peer_resolved);
	assert_true(bh_addr_eq(&r.conn.peer_identity, &f.identity));
	assert_true(bh_addr_eq(&r.conn.peer, &rpa));
	assert_int_equal(r.conn.local.type, BH_ADDR_PUBLIC);
	/* Short / bad events change nothing. */
	assert_true(bh_gap_uses_extended(f.gap));
	fake_meta(&f, BH_LE_ENH_CONN_COMPLETE, e2, 20);
	e2[1] = 0x23;
	e2[3] = 7; /* bad role */
	fake_meta(&f, BH_LE_ENH_CONN_COMPLETE, e2, 30);
	assert_int_equal(bh_gap_conn_count(f.gap), 2);
	bh_gap_free(f.gap);
}

static void test_accept_list(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	bh_status s1 = 99, s2 = 99, s3 = 99;
	assert_int_equal(bh_gap_accept_list_add(f.gap, &peer1, done_cb, &s1), BH_OK);
	assert_int_equal(bh_gap_accept_list_remove(f.gap, &peer1, done_cb, &s2), BH_OK);
	assert_int_equal(bh_gap_accept_list_clear(f.gap, done_cb, &s3), BH_OK);
	bh_addr bad = { 2, { 0 } };
	assert_int_equal(bh_gap_accept_list_add(f.gap, &bad, NULL, NULL), BH_EINVAL);
	f.fail_op = BH_HCI_LE_CLEAR_ACCEPT_LIST;
	f.fail_status = 0x0c;
	fake_pump(&f);
	const uint8_t ap[] = { 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0xc6 };
	fake_expect_params(&f.cmds[0], ap, 7);
	assert_int_equal(f.cmds[0].op, BH_HCI_LE_ADD_TO_ACCEPT_LIST);
	fake_expect_params(&f.cmds[1], ap, 7);
	assert_int_equal(f.cmds[1].op, BH_HCI_LE_REMOVE_FROM_ACCEPT_LIST);
	assert_int_equal(f.cmds[2].len, 0);
	assert_int_equal(s1, BH_OK);
	assert_int_equal(s2, BH_OK);
	assert_int_equal(s3, BH_HCI_STATUS(0x0c));
	f.fail_op = 0;
	/* Connect through the list: policy 1; the list is locked meanwhile. */
	struct crec r = { 0 };
	assert_int_equal(bh_gap_connect_accept_list(f.gap, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(fake_last(&f, BH_HCI_LE_CREATE_CONN)->p[4], 0x01);
	assert_int_equal(bh_gap_accept_list_add(f.gap, &peer1, NULL, NULL), BH_ESTATE);
	fake_conn_complete(&f, 0, 0x0030, 0, &peer1);
	assert_int_equal(r.st, BH_OK);
	/* Pending list commands complete on reset. */
	s1 = 99;
	f.hci_rc = 0;
	assert_int_equal(bh_gap_accept_list_clear(f.gap, done_cb, &s1), BH_OK);
	bh_gap_reset(f.gap, BH_ERESET);
	assert_int_equal(s1, BH_ERESET);
	bh_gap_free(f.gap);
}

static void test_connect_match(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct crec r = { 0 };
	struct bh_gap_scan_filter flt = { .name_substr = "Watch" };
	assert_int_equal(bh_gap_connect_match(f.gap, &flt, NULL, 10000, conn_cb, &r), BH_OK);
	fake_pump(&f);
	assert_true(bh_gap_scanning(f.gap));
	assert_int_equal(bh_gap_scan_stop(f.gap), BH_ESTATE); /* owned by the attempt */
	/* Non-matching and non-connectable matching devices are passed over. */
	uint8_t ev[64] = { 1, 0x03, 0x00, 1, 1, 1, 1, 1, 1, 7, 6, 0x09, 'W', 'a', 't', 'c', 'h',
			   (uint8_t)-40 };
	fake_meta(&f, BH_LE_ADV_REPORT, ev, 18);
	assert_int_equal(fake_count(&f, BH_HCI_LE_CREATE_CONN), 0);
	ev[1] = 0x00;
	ev[11] = 0x08; /* "Watch" shortened, connectable, address ...02 */
	ev[3] = 2;
	size_t from = f.n;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, 18);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_SET_SCAN_ENABLE, BH_HCI_LE_CREATE_CONN };
	fake_expect_ops(&f, from, ops, 2);
	assert_int_equal(f.cmds[from].p[0], 0);
	const uint8_t peer[6] = { 2, 1, 1, 1, 1, 1 };
	assert_memory_equal(f.cmds[from + 1].p + 6, peer, 6);
	assert_int_equal(f.cmds[from + 1].p[5], 0);
	assert_false(bh_gap_scanning(f.gap));
	bh_addr pa = { 0, { 2, 1, 1, 1, 1, 1 } };
	fake_conn_complete(&f, 0, 0x0044, 0, &pa);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.st, BH_OK);
	assert_int_equal(bh_gap_next_deadline(f.gap), BH_NEVER);

	/* Nothing matches before the timeout. */
	assert_int_equal(bh_gap_connect_match(f.gap, &flt, NULL, 5000, conn_cb, &r), BH_OK);
	fake_pump(&f);
	f.now += 5000;
	bh_gap_on_timeout(f.gap);
	fake_pump(&f);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.st, BH_ETIMEDOUT);
	assert_false(bh_gap_scanning(f.gap));
	/* Cancelled while scanning. */
	assert_int_equal(bh_gap_connect_match(f.gap, &flt, NULL, 0, conn_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_scan_start(f.gap, &(struct bh_gap_scan_params){ 0 }), BH_EBUSY);
	assert_int_equal(bh_gap_connect_cancel(f.gap), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.st, BH_ECANCELLED);
	/* Refused while a user scan runs. */
	struct bh_gap_scan_params sp = { 0 };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	assert_int_equal(bh_gap_connect_match(f.gap, &flt, NULL, 0, conn_cb, &r), BH_EBUSY);
	bh_gap_free(f.gap);
}

static void test_family_choice(void **state)
{
	(void)state;
	static struct fake f;
	/* Extended commands without the LE Extended Advertising feature: legacy. */
	fake_init(&f, true);
	f.info.le_features[1] = 0;
	fake_gap(&f, NULL);
	assert_false(bh_gap_uses_extended(f.gap));
	bh_gap_free(f.gap);
	/* force_legacy wins. */
	fake_init(&f, true);
	struct bh_gap_config c;
	bh_gap_config_default(&c);
	c.force_legacy = true;
	fake_gap(&f, &c);
	assert_false(bh_gap_uses_extended(f.gap));
	bh_gap_free(f.gap);
	/* Before bring-up: not decided yet, decided once the facts exist. */
	fake_init(&f, true);
	f.info_null = true;
	fake_gap(&f, NULL);
	assert_false(bh_gap_uses_extended(f.gap));
	f.info_null = false;
	assert_true(bh_gap_uses_extended(f.gap));
	bh_addr own = bh_gap_own_address(f.gap);
	assert_memory_equal(own.val, f.info.bdaddr.val, 6);
	bh_gap_free(f.gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_legacy),
		cmocka_unit_test(test_cancel_and_timeout),
		cmocka_unit_test(test_three_links_and_disconnect),
		cmocka_unit_test(test_conn_update),
		cmocka_unit_test(test_remote_conn_param_request),
		cmocka_unit_test(test_extended_create_and_resolution),
		cmocka_unit_test(test_accept_list),
		cmocka_unit_test(test_connect_match),
		cmocka_unit_test(test_family_choice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
