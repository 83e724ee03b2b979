/* Scanning: command bytes, legacy and extended reports, fragment
 * reassembly, scan-response merge, dedupe, filters, timeouts, bad input. */
#include "fake_hci.h"

#include <stdio.h>

struct rec {
	size_t n;
	struct bh_gap_device last;
	char names[8][256];
	size_t done_n;
	bh_status done;
};

static void on_dev(void *ctx, const struct bh_gap_device *d)
{
	struct rec *r = ctx;
	if (r->n < 8)
		snprintf(r->names[r->n], sizeof(r->names[0]), "%s", d->name);
	r->n++;
	r->last = *d;
}

static void on_done(void *ctx, bh_status st)
{
	struct rec *r = ctx;
	r->done_n++;
	r->done = st;
}

/* Appends one legacy report (7.7.65.2 layout as controllers send it). */
static size_t leg(uint8_t *b, size_t off, uint8_t type, uint8_t atype, uint8_t last,
		  const uint8_t *data, uint8_t dl, int8_t rssi)
{
	b[off++] = type;
	b[off++] = atype;
	uint8_t a[6] = { 1, 2, 3, 4, 5, last };
	memcpy(b + off, a, 6);
	off += 6;
	b[off++] = dl;
	memcpy(b + off, data, dl);
	off += dl;
	b[off++] = (uint8_t)rssi;
	return off;
}

/* One extended report (7.7.65.13). */
static size_t ext(uint8_t *b, size_t off, uint16_t type, uint8_t last, uint8_t sid,
		  const uint8_t *data, uint8_t dl, int8_t rssi)
{
	bh_put16(b + off, type);
	b[off + 2] = 1; /* random */
	uint8_t a[6] = { 9, 9, 9, 9, 9, last };
	memcpy(b + off + 3, a, 6);
	b[off + 9] = 1;
	b[off + 10] = 1;
	b[off + 11] = sid;
	b[off + 12] = 0x7f;
	b[off + 13] = (uint8_t)rssi;
	bh_put16(b + off + 14, 0);
	b[off + 16] = 0;
	memset(b + off + 17, 0, 6);
	b[off + 23] = dl;
	memcpy(b + off + 24, data, dl);
	return off + 24 + dl;
}

static void start(struct fake *f, struct rec *r, const struct bh_gap_scan_params *base)
{
	struct bh_gap_scan_params p = { .active = true };
	if (base)
		p = *base;
	p.on_device = on_dev;
	p.on_done = on_done;
	p.ctx = r;
	assert_int_equal(bh_gap_scan_start(f->gap, &p), BH_OK);
	fake_pump(f);
	assert_true(bh_gap_scanning(f->gap));
}

static void test_legacy_commands_and_reports(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r, NULL);
	assert_false(bh_gap_uses_extended(f.gap));
	const uint16_t ops[] = { BH_HCI_LE_SET_SCAN_PARAMS, BH_HCI_LE_SET_SCAN_ENABLE };
	fake_expect_ops(&f, 0, ops, 2);
	/* LE_Scan_Type active, interval 0x60, window 0x30, own public, policy 0 */
	const uint8_t sp[] = { 0x01, 0x60, 0x00, 0x30, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[0], sp, sizeof(sp));
	const uint8_t se[] = { 0x01, 0x01 }; /* enable, filter duplicates */
	fake_expect_params(&f.cmds[1], se, sizeof(se));

	/* Two reports in one event. */
	uint8_t ev[128];
	const uint8_t d1[] = { 0x02, 0x01, 0x06, 0x03, 0x03, 0x0d, 0x18 };
	const uint8_t d2[] = { 0x05, 0x09, 'l', 'a', 'm', 'p' };
	size_t o = 1;
	ev[0] = 2;
	o = leg(ev, o, 0x00, 0, 0xa1, d1, sizeof(d1), -60);
	o = leg(ev, o, 0x03, 1, 0xc2, d2, sizeof(d2), 127);
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	assert_int_equal(bh_gap_seen_count(f.gap), 2);
	assert_string_equal(r.names[1], "lamp");
	assert_int_equal(r.last.rssi, BH_GAP_RSSI_NA);
	assert_false(r.last.connectable);
	const struct bh_gap_device *d = bh_gap_seen_at(f.gap, 0);
	assert_true(d->connectable);
	assert_true(d->scannable);
	assert_int_equal(d->rssi, -60);
	assert_int_equal(d->ad.flags, 6);

	/* Scan response merges into the first device. */
	const uint8_t sr[] = { 0x04, 0x09, 'h', 'r', 'm', 0x05, 0xff, 0x59, 0x00, 0xaa, 0xbb };
	o = 1;
	ev[0] = 1;
	o = leg(ev, o, 0x04, 0, 0xa1, sr, sizeof(sr), -61);
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.last.name, "hrm");
	assert_true(r.last.has_scan_rsp);
	assert_true(r.last.last_was_scan_rsp);
	assert_true(r.last.connectable); /* from the advertisement */
	assert_int_equal(r.last.ad.flags, 6);
	assert_int_equal(r.last.ad.n_uuids, 1);
	assert_non_null(bh_ad_mfr_find(&r.last.ad, 0x0059));
	bh_addr a = { 0, { 1, 2, 3, 4, 5, 0xa1 } };
	d = bh_gap_seen_find(f.gap, &a);
	assert_non_null(d);
	assert_int_equal(d->rsp_len, sizeof(sr));

	/* An identical repeat is not reported; changed data is. */
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 3);
	ev[o - 2] = 0xcc; /* last manufacturer byte */
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 4);

	assert_int_equal(bh_gap_scan_stop(f.gap), BH_OK);
	assert_int_equal(bh_gap_scan_stop(f.gap), BH_ESTATE);
	fake_pump(&f);
	const uint8_t off[] = { 0x00, 0x00 };
	fake_expect_params(fake_last(&f, BH_HCI_LE_SET_SCAN_ENABLE), off, 2);
	assert_int_equal(r.done_n, 1);
	assert_int_equal(r.done, BH_OK);
	assert_false(bh_gap_scanning(f.gap));
	/* Reports after the scan ended are ignored. */
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 4);
	bh_gap_free(f.gap);
}

static void test_all_reports_passive_timeout(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	struct bh_gap_scan_params p = { .active = false, .interval = 0x100, .window = 0x80,
					.timeout_ms = 5000, .all_reports = true };
	start(&f, &r, &p);
	const uint8_t sp[] = { 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00 };
	fake_expect_params(&f.cmds[0], sp, sizeof(sp));
	const uint8_t se[] = { 0x01, 0x00 }; /* duplicates not filtered */
	fake_expect_params(&f.cmds[1], se, sizeof(se));
	uint8_t ev[64];
	const uint8_t d1[] = { 0x02, 0x01, 0x06 };
	size_t o = leg(ev, 1, 0x00, 0, 1, d1, 3, -50);
	ev[0] = 1;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2); /* every report */

	assert_int_equal(bh_gap_next_deadline(f.gap), 6000);
	f.now = 5999;
	bh_gap_on_timeout(f.gap);
	assert_true(bh_gap_scanning(f.gap));
	f.now = 6000;
	bh_gap_on_timeout(f.gap);
	fake_pump(&f);
	assert_int_equal(r.done_n, 1);
	assert_int_equal(r.done, BH_ETIMEDOUT);
	assert_int_equal(bh_gap_next_deadline(f.gap), BH_NEVER);
	/* A new scan clears the table. */
	start(&f, &r, NULL);
	assert_int_equal(bh_gap_seen_count(f.gap), 0);
	bh_gap_free(f.gap);
	assert_int_equal(r.done_n, 2);
	assert_int_equal(r.done, BH_ERESET);
}

static void test_start_errors(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	struct bh_gap_scan_params p = { .interval = 0x10, .window = 0x20, .on_done = on_done,
					.ctx = &r };
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_EINVAL);
	p.interval = 2;
	p.window = 2;
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_EINVAL);
	assert_int_equal(bh_gap_scan_start(f.gap, NULL), BH_EINVAL);
	p.interval = p.window = 0;
	bh_uuid us[9];
	struct bh_gap_scan_filter flt = { .uuids = us, .n_uuids = 9 };
	p.filter = &flt;
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_ENOSPACE);
	flt.n_uuids = 0;
	flt.name_substr = "this name is far longer than thirty-one chars";
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_ENOSPACE);
	flt.name_substr = NULL;
	const uint8_t badp[] = { 0x05, 0xff, 0x4c };
	flt.prefixes = badp;
	flt.prefixes_len = sizeof(badp);
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_EINVAL);
	const uint8_t zp[] = { 0x00 };
	flt.prefixes = zp;
	flt.prefixes_len = 1;
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_EINVAL);
	assert_int_equal(f.n, 0);
	p.filter = NULL;

	/* The controller refuses the parameters: enable is never sent. */
	f.fail_op = BH_HCI_LE_SET_SCAN_PARAMS;
	f.fail_status = 0x12;
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_OK);
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_EBUSY);
	fake_pump(&f);
	assert_int_equal(r.done_n, 1);
	assert_int_equal(r.done, BH_HCI_STATUS(0x12));
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_SCAN_ENABLE), 0);
	assert_false(bh_gap_scanning(f.gap));

	/* Enable refused. */
	f.fail_op = BH_HCI_LE_SET_SCAN_ENABLE;
	f.fail_status = 0x0c;
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.done_n, 2);
	assert_int_equal(r.done, BH_HCI_STATUS(0x0c));

	/* The port refuses to queue. */
	f.fail_op = 0;
	f.hci_rc = BH_ENOMEM;
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_OK);
	assert_int_equal(r.done_n, 3);
	assert_int_equal(r.done, BH_ENOMEM);
	f.hci_rc = 0;

	/* Stop while starting: the enable runs, then the disable; done once. */
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_OK);
	assert_int_equal(bh_gap_scan_stop(f.gap), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.done_n, 4);
	assert_int_equal(r.done, BH_OK);
	assert_false(bh_gap_scanning(f.gap));
	bh_gap_free(f.gap);
	assert_int_equal(r.done_n, 4);
}

static void test_malformed_reports(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r, NULL);
	uint8_t ev[80];
	const uint8_t d[] = { 0x02, 0x01, 0x06 };
	struct bh_gap_stats gs;
	unsigned rej = 0;
#define REJECTED()                                                      \
	do {                                                            \
		bh_gap_stats(f.gap, &gs);                               \
		assert_int_equal(gs.reports_rejected, ++rej);           \
	} while (0)
	/* Three announced, one present: the whole event is refused. */
	size_t o = leg(ev, 1, 0x00, 0, 1, d, 3, -40);
	ev[0] = 3;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 0);
	REJECTED();
	/* Two announced, the second cut short: the first is not shown either. */
	ev[0] = 2;
	o = leg(ev, 1, 0x00, 0, 1, d, 3, -40);
	o = leg(ev, o, 0x00, 0, 2, d, 3, -40);
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o - 1);
	assert_int_equal(r.n, 0);
	REJECTED();
	/* One announced, two present. */
	ev[0] = 1;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 0);
	REJECTED();
	/* and both announced: both shown */
	ev[0] = 2;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	/* Data length 40 > 31 */
	o = leg(ev, 1, 0x00, 0, 2, d, 3, -40);
	ev[9] = 40;
	ev[0] = 1;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, 1 + 10 + 40);
	assert_int_equal(r.n, 2);
	REJECTED();
	/* Length past the end of the event. */
	ev[9] = 20;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	REJECTED();
	/* Reserved event type and address type are skipped, the rest kept. */
	ev[0] = 2;
	o = leg(ev, 1, 0x07, 0, 3, d, 3, -40);
	o = leg(ev, o, 0x00, 0x09, 4, d, 3, -40);
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	r.n = 1;
	/* Malformed AD inside a well-formed report: kept, flagged. */
	const uint8_t bad[] = { 0x02, 0x01, 0x06, 0x09, 0x09, 'x' };
	o = leg(ev, 1, 0x00, 0, 5, bad, sizeof(bad), -40);
	ev[0] = 1;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	assert_true(r.last.ad.malformed);
	assert_int_equal(r.last.ad.flags, 6);
	/* Empty and zero-report events. */
	fake_meta(&f, BH_LE_ADV_REPORT, ev, 0);
	REJECTED();
	ev[0] = 0;
	fake_meta(&f, BH_LE_ADV_REPORT, ev, 1);
	REJECTED();
	/* Extended report cut short. */
	ev[0] = 1;
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, 10);
	REJECTED();
	assert_int_equal(r.n, 2);
#undef REJECTED
	bh_gap_free(f.gap);
}

/* Extended reports: Num_Reports against the event, the same as legacy. */
static void test_ext_report_counts(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r, NULL);
	uint8_t ev[255];
	const uint8_t d[] = { 0x02, 0x01, 0x06 };
	struct bh_gap_stats gs;
	ev[0] = 3; /* three announced, two present */
	size_t o = ext(ev, 1, 0x0000, 1, 1, d, 3, -40);
	o = ext(ev, o, 0x0000, 2, 1, d, 3, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	ev[0] = 1; /* one announced, two present */
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	ev[0] = 0;
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 0);
	bh_gap_stats(f.gap, &gs);
	assert_int_equal(gs.reports_rejected, 3);
	ev[0] = 2;
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	/* A legacy PDU marked "more to come" is corrupt: skipped. */
	ev[0] = 1;
	o = ext(ev, 1, 0x0013 | 0x20, 3, 0xff, d, 3, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	bh_gap_free(f.gap);
}

/* A chain that never ends is never shown, whatever ends it (quiet for the
 * timeout, its slot taken); its late tail is dropped, not shown as a whole
 * report. One past BH_AD_EXT_MAX bytes is shown, marked incomplete. */
static void test_ext_chains_bounded(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	struct bh_gap_config c;
	bh_gap_config_default(&c);
	c.scan_data_max = BH_AD_EXT_MAX;
	fake_gap(&f, &c);
	struct rec r = { 0 };
	start(&f, &r, NULL);
	uint8_t ev[255];
	uint8_t chunk[200];
	memset(chunk, 0, sizeof(chunk));
	struct bh_gap_stats gs;
	ev[0] = 1;
	/* more, then nothing for 2 s + 1 ms, then its "complete" tail */
	size_t o = ext(ev, 1, 0x0000 | 0x20, 1, 1, chunk, 100, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	f.now += 2001;
	o = ext(ev, 1, 0x0000, 1, 1, chunk, 50, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	bh_gap_stats(f.gap, &gs);
	assert_int_equal(r.n, 0);
	assert_int_equal(gs.chains_abandoned, 1);
	assert_int_equal(gs.chain_tails_dropped, 1);
	/* the next advertising event of that device is whole again */
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 1);
	assert_false(r.last.incomplete);
	assert_int_equal(r.last.adv_len, 50);
	/* 9 x 200 = 1800 > 1650 bytes: shown as incomplete, kept to 1650 */
	for (int i = 0; i < 8; i++) {
		o = ext(ev, 1, 0x0000 | 0x20, 2, 1, chunk, 200, -40);
		fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	}
	o = ext(ev, 1, 0x0000, 2, 1, chunk, 200, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	assert_true(r.last.incomplete);
	assert_true(r.last.data_clipped);
	assert_int_equal(r.last.adv_len, BH_AD_EXT_MAX);
	/* truncated by the controller: shown, incomplete, counted */
	o = ext(ev, 1, 0x0000 | 0x20, 3, 1, chunk, 20, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	o = ext(ev, 1, 0x0000 | 0x40, 3, 1, chunk, 0, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 3);
	assert_true(r.last.incomplete);
	assert_int_equal(r.last.adv_len, 20);
	bh_gap_stats(f.gap, &gs);
	assert_int_equal(gs.chains_truncated, 2);
	assert_int_equal(gs.chains_abandoned, 1);
	bh_gap_free(f.gap);
}

static void test_ext_fragments(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r, NULL);
	assert_true(bh_gap_uses_extended(f.gap));
	assert_true(bh_gap_extended_built());
	/* Own public, policy 0, PHYs LE 1M, active, interval 0x60, window 0x30 */
	const uint8_t sp[] = { 0x00, 0x00, 0x01, 0x01, 0x60, 0x00, 0x30, 0x00 };
	fake_expect_params(&f.cmds[0], sp, sizeof(sp));
	assert_int_equal(f.cmds[0].op, BH_HCI_LE_SET_EXT_SCAN_PARAMS);
	const uint8_t se[] = { 0x01, 0x01, 0, 0, 0, 0 };
	fake_expect_params(&f.cmds[1], se, sizeof(se));
	assert_int_equal(f.cmds[1].op, BH_HCI_LE_SET_EXT_SCAN_ENABLE);

	/* A 300-byte payload: 200 + 100 with data status "more" then "complete",
	 * interleaved with another SID of the same device. */
	uint8_t payload[300];
	payload[0] = 0x09;
	payload[1] = 0x09;
	memset(payload + 2, 'n', 8);
	payload[10] = (uint8_t)(300 - 11);
	payload[11] = 0xff;
	for (int i = 12; i < 300; i++)
		payload[i] = (uint8_t)i;
	uint8_t ev[260];
	ev[0] = 1;
	size_t o = ext(ev, 1, 0x0001 | 0x20, 0x42, 3, payload, 200, -70);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 0); /* waiting for the rest */
	const uint8_t other[] = { 0x02, 0x01, 0x06 };
	o = ext(ev, 1, 0x0000, 0x42, 5, other, 3, -71);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.last.sid, 5);
	o = ext(ev, 1, 0x0001, 0x42, 3, payload + 200, 100, -72);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.last.adv_len, 256); /* scan_data_max */
	assert_true(r.last.data_clipped);
	assert_string_equal(r.last.name, "nnnnnnnn");
	assert_int_equal(r.last.sid, 3);
	assert_true(r.last.connectable);
	assert_false(r.last.legacy);
	assert_int_equal(bh_gap_seen_count(f.gap), 1);

	/* Truncated chain: status 0b10 marks it incomplete. */
	o = ext(ev, 1, 0x0000 | 0x20, 0x43, 1, payload, 50, -50);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	o = ext(ev, 1, 0x0000 | 0x40, 0x43, 1, payload + 50, 20, -50);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 3);
	assert_true(r.last.incomplete);
	assert_int_equal(r.last.adv_len, 70);
	assert_false(r.last.data_clipped);

	/* Legacy PDUs through the extended report, with a scan response. */
	o = ext(ev, 1, 0x13, 0x44, 0xff, other, 3, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	const uint8_t nm[] = { 0x03, 0x09, 'o', 'k' };
	o = ext(ev, 1, 0x1b, 0x44, 0xff, nm, 4, -41);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 5);
	assert_true(r.last.legacy);
	assert_true(r.last.last_was_scan_rsp);
	assert_string_equal(r.last.name, "ok");
	assert_int_equal(r.last.ad.flags, 6);
	/* A legacy PDU claiming 40 bytes is dropped. */
	o = ext(ev, 1, 0x13, 0x45, 0xff, payload, 40, -40);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 5);
	bh_gap_free(f.gap);
}

static void test_reassembly_slots_bounded(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, true);
	struct bh_gap_config c;
	bh_gap_config_default(&c);
	c.reassembly_slots = 1;
	c.max_seen = 2;
	fake_gap(&f, &c);
	struct rec r = { 0 };
	start(&f, &r, NULL);
	uint8_t ev[80];
	const uint8_t a[] = { 0x02, 0x01, 0x06 }, b[] = { 0x02, 0x0a, 0x04 };
	ev[0] = 1;
	size_t o = ext(ev, 1, 0x20, 1, 0, a, 3, -1);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	/* A second chain steals the only slot; the first one's end arrives
	 * alone and is dropped (it is not a whole report), the second ends. */
	o = ext(ev, 1, 0x20, 2, 0, a, 3, -1);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	o = ext(ev, 1, 0x00, 1, 0, b, 3, -1);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 0);
	struct bh_gap_stats gs;
	bh_gap_stats(f.gap, &gs);
	assert_int_equal(gs.chains_abandoned, 1);
	assert_int_equal(gs.chain_tails_dropped, 1);
	o = ext(ev, 1, 0x00, 2, 0, b, 3, -1);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.last.adv_len, 6);
	o = ext(ev, 1, 0x00, 1, 0, b, 3, -1); /* its next event is whole */
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.last.adv_len, 3);
	/* The table holds two devices: a third evicts the stalest. */
	o = ext(ev, 1, 0x00, 3, 0, b, 3, -1);
	fake_meta(&f, BH_LE_EXT_ADV_REPORT, ev, o);
	assert_int_equal(bh_gap_seen_count(f.gap), 2);
	bh_addr gone = { 1, { 9, 9, 9, 9, 9, 2 } }, kept = { 1, { 9, 9, 9, 9, 9, 3 } };
	assert_null(bh_gap_seen_find(f.gap, &gone));
	assert_non_null(bh_gap_seen_find(f.gap, &kept));
	bh_gap_free(f.gap);
}

/* Builds a device record through a scan, for the filter tests. */
static const struct bh_gap_device *dev_with(struct fake *f, uint8_t last, const uint8_t *d,
					    uint8_t dl, int8_t rssi)
{
	uint8_t ev[64];
	ev[0] = 1;
	size_t o = leg(ev, 1, 0x00, 1, last, d, dl, rssi);
	fake_meta(f, BH_LE_ADV_REPORT, ev, o);
	bh_addr a = { 1, { 1, 2, 3, 4, 5, last } };
	return bh_gap_seen_find(f->gap, &a);
}

static void test_filters(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct rec r = { 0 };
	start(&f, &r, NULL);
	const uint8_t d1[] = { 0x03, 0x03, 0x0d, 0x18, 0x07, 0x09, 'S', 'e', 'n', 's', 'o', 'r',
			       0x05, 0xff, 0x4c, 0x00, 0x02, 0x15 };
	const struct bh_gap_device *dev = dev_with(&f, 0x10, d1, sizeof(d1), -50);
	assert_non_null(dev);
	struct bh_gap_scan_filter flt = { 0 };
	assert_true(bh_gap_filter_match(NULL, dev));
	assert_true(bh_gap_filter_match(&flt, dev));
	bh_uuid u[2] = { bh_uuid16(0x180f), bh_uuid16(0x180d) };
	flt.uuids = u;
	flt.n_uuids = 1;
	assert_false(bh_gap_filter_match(&flt, dev));
	flt.n_uuids = 2;
	assert_true(bh_gap_filter_match(&flt, dev));
	flt.n_uuids = 0;
	flt.name_substr = "nso";
	assert_true(bh_gap_filter_match(&flt, dev));
	flt.name_substr = "nsx";
	assert_false(bh_gap_filter_match(&flt, dev));
	flt.name_substr = NULL;
	flt.use_min_rssi = true;
	flt.min_rssi = -50;
	assert_true(bh_gap_filter_match(&flt, dev));
	flt.min_rssi = -49;
	assert_false(bh_gap_filter_match(&flt, dev));
	flt.use_min_rssi = false;
	bh_addr a = { 1, { 1, 2, 3, 4, 5, 0x10 } };
	flt.addr = &a;
	assert_true(bh_gap_filter_match(&flt, dev));
	a.type = 0;
	assert_false(bh_gap_filter_match(&flt, dev));
	flt.addr_any_type = true;
	assert_true(bh_gap_filter_match(&flt, dev));
	a.val[0] = 7;
	assert_false(bh_gap_filter_match(&flt, dev));
	flt.addr = NULL;
	/* _bleio prefixes: Apple manufacturer prefix, and a name prefix. */
	const uint8_t p_any[] = { 0x03, 0xff, 0x4c, 0x00, 0x03, 0x09, 'X', 'y' };
	flt.prefixes = p_any;
	flt.prefixes_len = sizeof(p_any);
	assert_true(bh_gap_filter_match(&flt, dev));
	flt.prefix_match_all = true;
	assert_false(bh_gap_filter_match(&flt, dev));
	const uint8_t p_all[] = { 0x03, 0xff, 0x4c, 0x00, 0x03, 0x09, 'S', 'e' };
	flt.prefixes = p_all;
	assert_true(bh_gap_filter_match(&flt, dev));
	/* A prefix longer than the structure does not match. */
	const uint8_t p_long[] = { 0x06, 0xff, 0x4c, 0x00, 0x02, 0x15, 0x00 };
	flt.prefixes = p_long;
	flt.prefixes_len = sizeof(p_long);
	assert_false(bh_gap_filter_match(&flt, dev));
	/* Several criteria at once. */
	flt = (struct bh_gap_scan_filter){ .uuids = u + 1, .n_uuids = 1, .name_substr = "Sen",
					   .use_min_rssi = true, .min_rssi = -80 };
	assert_true(bh_gap_filter_match(&flt, dev));
	/* RSSI not available never passes a minimum. */
	const uint8_t d2[] = { 0x02, 0x01, 0x06 };
	const struct bh_gap_device *dev2 = dev_with(&f, 0x11, d2, 3, 127);
	flt = (struct bh_gap_scan_filter){ .use_min_rssi = true, .min_rssi = -127 };
	assert_false(bh_gap_filter_match(&flt, dev2));
	bh_gap_free(f.gap);

	/* Integrated: only matching devices are reported; a name that comes in
	 * the scan response makes the device match then. */
	fake_init(&f, false);
	fake_gap(&f, NULL);
	memset(&r, 0, sizeof(r));
	struct bh_gap_scan_filter nf = { .name_substr = "Sen" };
	struct bh_gap_scan_params p = { .active = true, .filter = &nf };
	start(&f, &r, &p);
	dev_with(&f, 0x20, d2, 3, -30);
	assert_int_equal(r.n, 0);
	uint8_t ev[64];
	ev[0] = 1;
	size_t o = leg(ev, 1, 0x04, 1, 0x20, d1 + 4, 8, -30);
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.last.name, "Sensor");
	assert_int_equal(bh_gap_seen_count(f.gap), 1);
	bh_gap_free(f.gap);
}

static void test_rpa_resolution_and_identity(void **state)
{
	(void)state;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	f.resolve = true;
	f.identity = (bh_addr){ 0, { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } };
	struct rec r = { 0 };
	start(&f, &r, NULL);
	const uint8_t d[] = { 0x02, 0x01, 0x06 };
	/* 0x4x top bits = RPA */
	const struct bh_gap_device *dev = dev_with(&f, 0x45, d, 3, -30);
	assert_true(dev->resolved);
	assert_true(bh_addr_eq(&dev->identity, &f.identity));
	assert_true(bh_gap_seen_find(f.gap, &f.identity) == dev);
	/* Static addresses are not passed to resolve_rpa. */
	dev = dev_with(&f, 0xc5, d, 3, -30);
	assert_false(dev->resolved);
	/* Controller-resolved identity types 2/3. */
	uint8_t ev[64];
	ev[0] = 1;
	size_t o = leg(ev, 1, 0x00, 3, 0xc6, d, 3, -30);
	fake_meta(&f, BH_LE_ADV_REPORT, ev, o);
	assert_true(r.last.resolved);
	assert_int_equal(r.last.identity.type, BH_ADDR_RANDOM);
	bh_gap_free(f.gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_commands_and_reports),
		cmocka_unit_test(test_all_reports_passive_timeout),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_malformed_reports),
		cmocka_unit_test(test_ext_fragments),
		cmocka_unit_test(test_reassembly_slots_bounded),
		cmocka_unit_test(test_ext_report_counts),
		cmocka_unit_test(test_ext_chains_bounded),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_rpa_resolution_and_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
