/* GAP's scan memory is made on first use (the seen-devices table grows,
 * each entry's and each reassembly chain's buffers are made when needed):
 * every such allocation is failed here (the linker wraps the allocator for
 * this test only). A failure drops that report (counted), never delivers
 * part of a chain as whole, and the table keeps its bound; the sanitizer
 * build checks nothing leaks. */
#include "fake_hci.h"

#include "fail_alloc.h"

struct rec {
	size_t n;
};

static void on_dev(void *ctx, const struct bh_gap_device *d)
{
	(void)d;
	((struct rec *)ctx)->n++;
}

static void start(struct fake *f, struct rec *r)
{
	struct bh_gap_scan_params p = { .active = true, .on_device = on_dev, .ctx = r };
	assert_int_equal(bh_gap_scan_start(f->gap, &p), BH_OK);
	fake_pump(f);
	assert_true(bh_gap_scanning(f->gap));
}

/* One legacy report (7.7.65.2) from 01:02:03:04:05:<last>. */
static void legacy(struct fake *f, uint8_t last)
{
	const uint8_t d[] = { 0x02, 0x01, 0x06 };
	uint8_t ev[1 + 9 + sizeof(d) + 1] = { 1, 0x00, 0, 1, 2, 3, 4, 5, last, sizeof(d) };
	memcpy(ev + 10, d, sizeof(d));
	ev[10 + sizeof(d)] = (uint8_t)-50;
	fake_meta(f, BH_LE_ADV_REPORT, ev, sizeof(ev));
}

static unsigned dropped(const struct fake *f)
{
	struct bh_gap_stats gs;
	bh_gap_stats(f->gap, &gs);
	return gs.reports_dropped_nomem;
}

static void test_seen_entry_alloc_fails(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r);
	/* The first device needs the table and its buffers: each of those
	 * allocations failed in turn drops the report, and nothing is kept. */
	unsigned k = 0;
	for (;; k++) {
		failures = 0;
		fail_after = k;
		legacy(&f, 1);
		fail_after = -1;
		if (!failures)
			break;
		assert_int_equal(r.n, 0);
		assert_int_equal(dropped(&f), k + 1);
		assert_int_equal(bh_gap_seen_count(f.gap), 0);
	}
	assert_true(k >= 2); /* the table, the entry's data buffers */
	assert_int_equal(r.n, 1);
	assert_int_equal(bh_gap_seen_count(f.gap), 1);
	bh_gap_free(f.gap);
}

static void test_seen_growth_fails_evicts(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r);
	for (uint8_t i = 1; i <= 4; i++)
		legacy(&f, i);
	assert_int_equal(bh_gap_seen_count(f.gap), 4);
	/* The fifth device needs the table to grow: when it cannot, the
	 * stalest device makes room, as at max_seen. */
	failures = 0;
	fail_after = 0;
	legacy(&f, 5);
	fail_after = -1;
	assert_int_equal(failures, 1);
	assert_int_equal(r.n, 5);
	assert_int_equal(bh_gap_seen_count(f.gap), 4);
	bh_addr first = { 0, { 1, 2, 3, 4, 5, 1 } }, fifth = { 0, { 1, 2, 3, 4, 5, 5 } };
	assert_null(bh_gap_seen_find(f.gap, &first));
	assert_non_null(bh_gap_seen_find(f.gap, &fifth));
	/* With memory back it grows past four. */
	legacy(&f, 1);
	assert_int_equal(bh_gap_seen_count(f.gap), 5);
	/* A new scan starts from an empty table (its memory given back). */
	assert_int_equal(bh_gap_scan_stop(f.gap), BH_OK);
	fake_pump(&f);
	start(&f, &r);
	assert_int_equal(bh_gap_seen_count(f.gap), 0);
	bh_gap_free(f.gap);
}

/* One extended report (7.7.65.13) from random 09:..:09:<last>, SID 0. */
static void ext(struct fake *f, uint16_t type, uint8_t last)
{
	const uint8_t d[] = { 0x02, 0x01, 0x06 };
	uint8_t ev[1 + 24 + sizeof(d)] = { 1 };
	bh_put16(ev + 1, type);
	ev[3] = 1;
	memset(ev + 4, 9, 5);
	ev[9] = last;
	ev[10] = ev[11] = 1;
	ev[13] = 0x7f;
	ev[14] = (uint8_t)-40;
	ev[24] = sizeof(d);
	memcpy(ev + 25, d, sizeof(d));
	fake_meta(f, BH_LE_EXT_ADV_REPORT, ev, sizeof(ev));
}

static void test_reassembly_buffer_alloc_fails(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r);
	/* A chain's first fragment ("more to come") needs a buffer: without
	 * one the chain is given up, and its end is not taken for a whole
	 * report. */
	failures = 0;
	fail_after = 0;
	ext(&f, 0x20, 1);
	fail_after = -1;
	assert_int_equal(failures, 1);
	ext(&f, 0x00, 1);
	assert_int_equal(r.n, 0);
	struct bh_gap_stats gs;
	bh_gap_stats(f.gap, &gs);
	assert_int_equal(gs.reports_dropped_nomem, 1);
	assert_int_equal(gs.chains_abandoned, 1);
	assert_int_equal(gs.chain_tails_dropped, 1);
	/* With memory back the next chain is reassembled: 3 + 3 bytes. */
	ext(&f, 0x20, 1);
	ext(&f, 0x00, 1);
	assert_int_equal(r.n, 1);
	const struct bh_gap_device *d = bh_gap_seen_at(f.gap, 0);
	assert_non_null(d);
	assert_int_equal(d->adv_len, 6);
	bh_gap_free(f.gap);
}

/* GAP's command queue is a ring made by the first command of a burst,
 * doubled (4, 8, ... GAP_CMDQ) as more wait, and freed when GAP is idle.
 * A procedure that reserves its commands and cannot get the room answers
 * BH_ENOMEM and sends nothing; once idle, the next command needs the ring
 * again (a failure then shows it was freed). */
static void test_cmd_queue_alloc_fails(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	struct bh_gap_scan_params p = { .active = true, .on_device = on_dev, .ctx = &r };
	failures = 0;
	fail_after = 0;
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(failures, 1);
	assert_int_equal(f.n, 0);
	assert_false(bh_gap_scanning(f.gap));
	start(&f, &r);
	/* idle again: the ring was given back, stopping needs it anew. A stop
	 * that cannot queue its disable keeps it owed, as with a full queue
	 * (send_disable): the controller still scans, so GAP says so, and the
	 * disable goes out a second later, once the ring can be made. */
	size_t sent = f.n;
	failures = 0;
	fail_after = 0;
	assert_int_equal(bh_gap_scan_stop(f.gap), BH_OK);
	fail_after = -1;
	assert_int_equal(failures, 1);
	assert_int_equal(f.n, sent);
	assert_true(bh_gap_scanning(f.gap));
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 1000);
	f.now += 1000;
	bh_gap_on_timeout(f.gap);
	assert_int_equal(f.n, sent + 1);
	assert_int_equal(f.cmds[sent].op, BH_HCI_LE_SET_SCAN_ENABLE);
	assert_int_equal(f.cmds[sent].p[0], 0);
	fake_pump(&f);
	assert_false(bh_gap_scanning(f.gap));
	/* and it is made again for the next burst */
	sent = f.n;
	start(&f, &r);
	assert_true(f.n > sent);
	bh_gap_free(f.gap);
}

/* A single command that finds the ring full and cannot grow it gets
 * BH_ENOMEM, the answer a full queue gives; those queued go out in order
 * and a later command grows the ring. */
static void test_cmd_queue_growth_fails(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.read_remote_features = false;
	fake_gap(&f, &cfg);
	for (uint16_t h = 1; h <= 7; h++)
		fake_conn_complete(&f, 0, h, 0, NULL);
	assert_int_equal(f.n, 0);
	/* one in flight, four in the first ring */
	for (uint16_t h = 1; h <= 5; h++)
		assert_int_equal(bh_gap_disconnect(f.gap, h, 0x13), BH_OK);
	assert_int_equal(f.n, 1);
	failures = 0;
	fail_after = 0;
	assert_int_equal(bh_gap_disconnect(f.gap, 6, 0x13), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(failures, 1);
	assert_int_equal(bh_gap_disconnect(f.gap, 7, 0x13), BH_OK); /* grows to 8 */
	fake_pump(&f);
	assert_int_equal(fake_count(&f, BH_HCI_DISCONNECT), 6);
	const uint16_t want[] = { 1, 2, 3, 4, 5, 7 };
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(bh_get16(f.cmds[i].p), want[i]);
	bh_gap_free(f.gap);
}

/* Advertising's data buffers are made by the first start (a central that
 * never advertises has none), then its commands' room: each failed in turn
 * answers BH_ENOMEM with nothing sent, and the next start works with the
 * data given. */
static void test_adv_alloc_fails(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	const uint8_t ad[] = { 0x02, 0x01, 0x06 };
	struct bh_gap_adv_params p = { .kind = BH_GAP_ADV_NONCONN, .data = ad,
				       .data_len = sizeof(ad) };
	unsigned k = 0;
	int rc;
	for (;; k++) {
		failures = 0;
		fail_after = k;
		rc = bh_gap_adv_start(f.gap, &p, NULL, NULL);
		fail_after = -1;
		if (!failures)
			break;
		assert_int_equal(rc, BH_ENOMEM);
		assert_int_equal(f.n, 0);
		assert_false(bh_gap_advertising(f.gap));
	}
	assert_true(k >= 2); /* the data buffers, the command ring */
	assert_int_equal(rc, BH_OK);
	fake_pump(&f);
	const struct fake_cmd *c = fake_last(&f, BH_HCI_LE_SET_ADV_DATA);
	assert_non_null(c);
	assert_int_equal(c->p[0], sizeof(ad));
	assert_memory_equal(c->p + 1, ad, sizeof(ad));
	bh_gap_free(f.gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seen_entry_alloc_fails),
		cmocka_unit_test(test_seen_growth_fails_evicts),
		cmocka_unit_test(test_reassembly_buffer_alloc_fails),
		cmocka_unit_test(test_cmd_queue_alloc_fails),
		cmocka_unit_test(test_cmd_queue_growth_fails),
		cmocka_unit_test(test_adv_alloc_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
