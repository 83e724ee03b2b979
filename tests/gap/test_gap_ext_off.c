/* GAP built with -Dext_adv=false (suite 'lean'), on the fake HCI port
 * playing a controller that HAS extended advertising: the host still uses
 * only the legacy commands (as with force_legacy), what needs extended
 * commands answers BH_ENOTSUP before anything is sent, an advertising set
 * runs as the one legacy set, and the events only extended commands make a
 * controller send are ignored. Every check here fails on a build with the
 * extended paths in (they would pick the extended commands). */
#include "fake_hci.h"

static const bh_addr peer = { BH_ADDR_PUBLIC, { 1, 2, 3, 4, 5, 6 } };

static void gap_on_ext_controller(struct fake *f)
{
	fake_init(f, true);
	fake_gap(f, NULL);
	assert_false(bh_gap_uses_extended(f->gap));
	assert_false(bh_gap_extended_built());
}

static void test_legacy_commands(void **state)
{
	(void)state;
	static struct fake f;
	gap_on_ext_controller(&f);

	/* Advertising: legacy parameters, data, scan response, enable. */
	const uint8_t data[] = { 0x02, 0x01, 0x06 };
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN, .data = data,
					.data_len = sizeof(data) };
	assert_int_equal(bh_gap_adv_start(f.gap, &ap, NULL, NULL), BH_OK);
	fake_pump(&f);
	const uint16_t adv[] = { BH_HCI_LE_SET_ADV_PARAMS, BH_HCI_LE_SET_ADV_DATA,
				 BH_HCI_LE_SET_SCAN_RSP_DATA, BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, 0, adv, 4);
	assert_true(bh_gap_advertising(f.gap));
	size_t from = f.n;
	assert_int_equal(bh_gap_adv_stop(f.gap), BH_OK);
	fake_pump(&f);
	const uint16_t stop[] = { BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, from, stop, 1);
	assert_int_equal(f.cmds[from].p[0], 0);

	/* More than a legacy PDU holds needs extended advertising. */
	uint8_t big[40] = { 0 };
	ap.data = big;
	ap.data_len = sizeof(big);
	from = f.n;
	assert_int_equal(bh_gap_adv_start(f.gap, &ap, NULL, NULL), BH_ENOTSUP);
	assert_int_equal(f.n, from);

	/* Scanning: legacy parameters and enable; the Coded PHY is refused. */
	struct bh_gap_scan_params sp = { .active = true };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	const uint16_t scan[] = { BH_HCI_LE_SET_SCAN_PARAMS, BH_HCI_LE_SET_SCAN_ENABLE };
	fake_expect_ops(&f, from, scan, 2);
	assert_int_equal(bh_gap_scan_stop(f.gap), BH_OK);
	fake_pump(&f);
	f.info.le_features[1] |= 1u << 3; /* LE Coded PHY */
	sp.phys = BH_GAP_PHY_MASK_1M | BH_GAP_PHY_MASK_CODED;
	from = f.n;
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_ENOTSUP);
	assert_int_equal(f.n, from);

	/* Connecting: LE Create Connection. */
	assert_int_equal(bh_gap_connect(f.gap, &peer, NULL, 0, NULL, NULL), BH_OK);
	fake_pump(&f);
	const uint16_t conn[] = { BH_HCI_LE_CREATE_CONN };
	fake_expect_ops(&f, from, conn, 1);
	fake_conn_complete(&f, 0, 0x0040, 0, &peer);
	assert_int_equal(f.n_connected, 1);
	assert_int_equal(bh_gap_uses_extended(f.gap), false);
	bh_gap_free(f.gap);
}

struct rec {
	size_t n, stop_n;
	bh_status st, stop;
};

static void done_cb(void *ctx, bh_status st)
{
	struct rec *r = ctx;
	r->n++;
	r->st = st;
}

static void stopped_cb(void *ctx, bh_status st)
{
	struct rec *r = ctx;
	r->stop_n++;
	r->stop = st;
}

static void limits_cb(void *ctx, bh_status st, unsigned sets, unsigned max)
{
	(void)sets;
	(void)max;
	done_cb(ctx, st);
}

static void test_sets_and_sync(void **state)
{
	(void)state;
	static struct fake f;
	gap_on_ext_controller(&f);
	struct rec r = { 0 };
	const uint8_t data[] = { 0x02, 0x01, 0x06 };
	struct bh_gap_adv_set_params p = {
		.adv = { .kind = BH_GAP_ADV_CONN, .data = data, .data_len = sizeof(data),
			 .on_stopped = stopped_cb, .ctx = &r },
	};
	/* Anything only an extended set can do: refused, nothing sent. */
	uint8_t h = 0xee;
	p.extended_pdu = true;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, done_cb, &r), BH_ENOTSUP);
	p.extended_pdu = false;
	p.secondary_phy = 2;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, done_cb, &r), BH_ENOTSUP);
	p.secondary_phy = 0;
	p.max_events = 3;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, done_cb, &r), BH_ENOTSUP);
	p.max_events = 0;
	assert_int_equal(h, 0xee);
	assert_int_equal(f.n, 0);

	/* A set that fits legacy advertising runs as the one legacy set. */
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, done_cb, &r), BH_OK);
	assert_int_equal(h, 1);
	fake_pump(&f);
	const uint16_t adv[] = { BH_HCI_LE_SET_ADV_PARAMS, BH_HCI_LE_SET_ADV_DATA,
				 BH_HCI_LE_SET_SCAN_RSP_DATA, BH_HCI_LE_SET_ADV_ENABLE };
	fake_expect_ops(&f, 0, adv, 4);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.st, BH_OK);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	uint8_t h2;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h2, done_cb, &r), BH_ENOTSUP);

	/* Advertising Set Terminated is not a legacy event: ignored, the set
	 * and handle 0 keep running. */
	uint8_t term[5] = { 0, 1 };
	bh_put16(term + 2, 0x0041);
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
	term[1] = 0;
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, term, 5);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	assert_true(bh_gap_advertising(f.gap));
	assert_int_equal(r.stop_n, 0);

	/* A connection ends legacy advertising: the set's on_stopped(BH_OK). */
	fake_conn_complete(&f, 0, 0x0041, 1, &peer);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0041), 0xff);

	/* Controller limits and periodic sync need extended advertising. */
	size_t from = f.n;
	struct rec lr = { 0 };
	assert_int_equal(bh_gap_adv_read_limits(f.gap, limits_cb, &lr), BH_ENOTSUP);
	struct bh_gap_sync_params sy = { .addr = peer, .sid = 1 };
	assert_int_equal(bh_gap_sync_create(f.gap, &sy), BH_ENOTSUP);
	assert_int_equal(bh_gap_sync_cancel(f.gap), BH_ESTATE);
	assert_int_equal(bh_gap_sync_terminate(f.gap, 1), BH_ESTATE);
	assert_int_equal(f.n, from);
	assert_int_equal(lr.n, 0);

	/* Clearing the sets needs no LE Clear Advertising Sets. */
	struct rec cr = { 0 };
	assert_int_equal(bh_gap_adv_sets_clear(f.gap, done_cb, &cr), BH_OK);
	fake_pump(&f);
	assert_int_equal(cr.n, 1);
	assert_int_equal(cr.st, BH_OK);
	assert_int_equal(fake_count(&f, BH_HCI_LE_CLEAR_ADV_SETS), 0);
	bh_gap_free(f.gap);
}

static size_t n_dev;

static void on_device(void *ctx, const struct bh_gap_device *dev)
{
	(void)ctx;
	(void)dev;
	n_dev++;
}

static void test_extended_events_ignored(void **state)
{
	(void)state;
	static struct fake f;
	gap_on_ext_controller(&f);
	struct bh_gap_scan_params sp = { .all_reports = true, .on_device = on_device };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	n_dev = 0;

	/* LE Extended Advertising Report, one complete legacy ADV_IND from
	 * 11:22:33:44:55:66 carrying Flags: not used. */
	uint8_t ext[1 + 24 + 3] = { 1 };
	bh_put16(ext + 1, 0x0013);
	ext[3] = BH_ADDR_PUBLIC;
	memcpy(ext + 4, "\x66\x55\x44\x33\x22\x11", 6);
	ext[10] = 1;    /* primary PHY */
	ext[12] = 0xff; /* no SID */
	ext[13] = 0x7f;
	ext[14] = (uint8_t)-50;
	ext[24] = 3;
	memcpy(ext + 25, "\x02\x01\x06", 3);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ext, sizeof(ext));
	assert_int_equal(n_dev, 0);
	assert_int_equal(bh_gap_seen_count(f.gap), 0);

	/* The same device in a legacy LE Advertising Report: seen. */
	uint8_t leg[1 + 9 + 3 + 1] = { 1, 0x00, BH_ADDR_PUBLIC };
	memcpy(leg + 3, "\x66\x55\x44\x33\x22\x11", 6);
	leg[9] = 3;
	memcpy(leg + 10, "\x02\x01\x06", 3);
	leg[13] = (uint8_t)-50;
	fake_meta(&f, BH_LE_ADV_REPORT, leg, sizeof(leg));
	assert_int_equal(n_dev, 1);
	assert_int_equal(bh_gap_seen_count(f.gap), 1);

	/* Periodic sync events nobody asked for: nothing is made of them. */
	uint8_t est[15] = { 0 };
	bh_put16(est + 1, 7);
	fake_meta(&f, BH_LE_PERIODIC_SYNC_ESTABLISHED, est, sizeof(est));
	assert_int_equal(bh_gap_sync_count(f.gap), 0);
	uint8_t rep[7 + 1] = { 7, 0, 0x7f, 0xc4, 0xff, 0, 1, 'x' };
	fake_meta(&f, BH_LE_PERIODIC_ADV_REPORT, rep, sizeof(rep));
	uint8_t lost[2] = { 7, 0 };
	fake_meta(&f, BH_LE_PERIODIC_SYNC_LOST, lost, sizeof(lost));
	struct bh_gap_stats st;
	bh_gap_stats(f.gap, &st);
	assert_int_equal(st.reports_rejected, 0);
	assert_int_equal(n_dev, 1);
	bh_gap_free(f.gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_commands),
		cmocka_unit_test(test_sets_and_sync),
		cmocka_unit_test(test_extended_events_ignored),
	};
	return cmocka_run_group_tests_name("gap_ext_off", tests, NULL, NULL);
}
