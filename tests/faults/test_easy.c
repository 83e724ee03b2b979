/* The host's conveniences (host.h, "Conveniences"; host/host_easy.c) against
 * fake_ctrl, a controller played by the test, through the real H4 unix
 * transport and the whole stack: scanning with results, connecting with
 * parameters in ms, finding/reading/writing by UUID, per-characteristic
 * notification routes, and bond removal on a running host. Every failure
 * path the fake can produce is driven: bad arguments, busy, no such link,
 * link gone, no such characteristic, controller lost, a peer that will not
 * disconnect. Suite 'faults', one process per case. */
#include "fake_host.h"

#include <blehost/blehost.h>
#include <blehost/bond_store.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned notifications;
	char store[64];
};

static void ev_notification(void *ctx, uint16_t handle, uint16_t attr, const uint8_t *v,
			    size_t len, bool ind)
{
	struct fx *x = ctx;
	(void)handle;
	(void)attr;
	(void)v;
	(void)len;
	(void)ind;
	x->notifications++;
}

static const bh_addr fake_peer = { BH_ADDR_PUBLIC, { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 } };

/* store: a bond store directory, or NULL for none; le_features: the 9
 * octets of LE Read Local Supported Features' answer, or NULL for btvirt's. */
/* le_features: LE Read Local Supported Features' answer (NULL: btvirt's);
 * refuse: a command the controller answers with Memory Capacity Exceeded
 * (0x07), or 0. */
static struct fx *fx_new_with(const char *store, const char *le_features, uint16_t refuse)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "FAULTS_VERBOSE", BH_LOG_WARN);
	if (le_features)
		fake_set_answer(x->fh.f, 0x2003, le_features, 9);
	if (refuse)
		fake_set_answer(x->fh.f, refuse, "\x07", 1);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	cfg.store_dir = store ? store : "";
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.notification = ev_notification;
	fake_host_start(&x->fh, &cfg, &ev);
	fake_accept_connects(x->fh.f);
	return x;
}

static struct fx *fx_new(const char *store)
{
	return fx_new_with(store, NULL, 0);
}

static void fx_free(struct fx *x)
{
	fake_host_fini(&x->fh);
	if (x->store[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->store);
		assert_int_equal(system(cmd), 0);
	}
	free(x);
}

static uint16_t fx_connect(struct fx *x)
{
	uint16_t handle = 0;
	assert_int_equal(bh_host_connect_sync(x->fh.h, &fake_peer, 2000, &handle), BH_OK);
	assert_int_equal(handle, FAKE_CONN_HANDLE);
	return handle;
}

/* ---- scanning ---- */

struct adv {
	uint8_t type; /* 0 ADV_IND, 4 SCAN_RSP */
	uint8_t addr_lsb;
	uint8_t data[31];
	uint8_t len;
	int8_t rssi;
};

/* LE Advertising Report (Vol 4, Part E, 7.7.65.2), one report. */
static void send_adv(struct fake *f, const struct adv *a)
{
	uint8_t ev[64] = { 0x02, 1, a->type, 0x00, a->addr_lsb, 0xbb, 0xcc, 0xdd, 0xee, 0xc0,
			   a->len };
	memcpy(ev + 11, a->data, a->len);
	ev[11 + a->len] = (uint8_t)a->rssi;
	assert_int_equal(fake_event(f, 0x3e, ev, (uint8_t)(12 + a->len)), 0);
}

struct inject {
	struct fx *x;
	bool with_other;
};

static void inject_reports(void *arg)
{
	struct inject *in = arg;
	/* "Thermo": flags, complete name, Heart Rate UUID; scan response with
	 * manufacturer data 0x0059 {1,2}. */
	struct adv a = { 0, 0x01, { 2, 0x01, 0x06, 7, 0x09, 'T', 'h', 'e', 'r', 'm', 'o', 3, 0x03,
				    0x0d, 0x18 }, 15, -40 };
	struct adv r = { 4, 0x01, { 5, 0xff, 0x59, 0x00, 1, 2 }, 6, -42 };
	struct adv o = { 0, 0x02, { 6, 0x09, 'O', 't', 'h', 'e', 'r' }, 7, -70 };
	send_adv(in->x->fh.f, &a);
	send_adv(in->x->fh.f, &r);
	if (in->with_other)
		send_adv(in->x->fh.f, &o);
}

static void schedule_reports(struct inject *in)
{
	struct bh_loop *l = in->x->fh.loop;
	assert_true(bh_loop_timer_at(l, bh_loop_now(l) + 30, inject_reports, in) > 0);
}

static void scan_collects_results(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	struct inject in = { x, true };
	static struct bh_host_scan_result res[4];
	size_t n = 99;

	/* The whole duration: both devices, every field. */
	schedule_reports(&in);
	struct bh_host_scan_opts o = { .duration_ms = 400 };
	assert_int_equal(bh_host_scan_sync(x->fh.h, &o, res, 4, &n), BH_OK);
	assert_int_equal(n, 2);
	const struct bh_host_scan_result *t = res[0].addr.val[0] == 0x01 ? &res[0] : &res[1];
	const struct bh_host_scan_result *other = t == &res[0] ? &res[1] : &res[0];
	assert_string_equal(t->name, "Thermo");
	assert_int_equal(t->rssi, -42); /* the latest report: the scan response */
	assert_true(t->connectable);
	assert_int_equal(t->rsp_len, 6);
	bh_uuid hr = bh_uuid16(0x180d);
	assert_true(bh_ad_has_uuid(&t->ad, &hr));
	const struct bh_ad_mfr *m = bh_ad_mfr_find(&t->ad, 0x0059);
	assert_non_null(m);
	assert_int_equal(m->len, 2);
	assert_int_equal(m->data[1], 2);
	assert_string_equal(other->name, "Other");
	assert_int_equal(other->rssi, -70);
	/* A copy re-parses its own AD. */
	static struct bh_host_scan_result copy;
	copy = *t;
	struct bh_ad ad;
	bh_host_scan_result_ad(&copy, &ad);
	assert_true(ad.name == copy.adv + 5);

	/* Room for one: the second device is not kept. */
	schedule_reports(&in);
	assert_int_equal(bh_host_scan_sync(x->fh.h, &o, res, 1, &n), BH_OK);
	assert_int_equal(n, 1);

	/* Until a filter matches: returns at the match, long before 20 s. */
	struct bh_gap_scan_filter flt = { .name_substr = "Other" };
	struct bh_host_scan_opts until = { .duration_ms = 20000, .filter = &flt, .stop_after = 1 };
	schedule_reports(&in);
	bh_time_ms t0 = bh_loop_now(x->fh.loop);
	assert_int_equal(bh_host_scan_sync(x->fh.h, &until, res, 4, &n), BH_OK);
	assert_true(bh_loop_now(x->fh.loop) - t0 < 10000);
	assert_int_equal(n, 1);
	assert_string_equal(res[0].name, "Other");
	assert_false(bh_gap_scanning(bh_host_gap(x->fh.h)));

	/* No match within the duration: BH_ETIMEDOUT, nothing kept. */
	struct bh_gap_scan_filter none = { .name_substr = "Nobody" };
	until = (struct bh_host_scan_opts){ .duration_ms = 200, .filter = &none, .stop_after = 1 };
	schedule_reports(&in);
	assert_int_equal(bh_host_scan_sync(x->fh.h, &until, res, 4, &n), BH_ETIMEDOUT);
	assert_int_equal(n, 0);
	fx_free(x);
}

static void scan_failures(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	static struct bh_host_scan_result res[2];
	size_t n = 7;
	assert_int_equal(bh_host_scan_sync(x->fh.h, NULL, NULL, 2, &n), BH_EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(bh_host_scan_sync(x->fh.h, NULL, res, 0, &n), BH_EINVAL);

	/* Someone else's scan is running: BH_EBUSY, theirs untouched. */
	struct bh_gap_scan_params p = { .active = true };
	assert_int_equal(bh_gap_scan_start(bh_host_gap(x->fh.h), &p), BH_OK);
	assert_int_equal(bh_host_scan_sync(x->fh.h, NULL, res, 2, &n), BH_EBUSY);
	assert_true(bh_gap_scanning(bh_host_gap(x->fh.h)));
	assert_int_equal(bh_gap_scan_stop(bh_host_gap(x->fh.h)), BH_OK);
	fake_run(x->fh.f, 50);

	/* The controller dies while we scan: its loss, at once. */
	struct inject in = { x, false };
	schedule_reports(&in);
	fake_fault_on_command(x->fh.f, 0x200c, FAKE_HWERROR); /* LE Set Scan Enable */
	struct bh_host_scan_opts o = { .duration_ms = 10000 };
	int rc = bh_host_scan_sync(x->fh.h, &o, res, 2, &n);
	assert_true(fake_fired(x->fh.f));
	assert_true(rc < 0 && rc != BH_OK && rc != BH_ETIMEDOUT);
	fx_free(x);

	/* Transport closed mid-scan: the helper returns with the loss. */
	x = fx_new(NULL);
	fake_fault_on_command(x->fh.f, 0x200c, FAKE_CLOSE);
	rc = bh_host_scan_sync(x->fh.h, &o, res, 2, &n);
	assert_int_equal(rc, BH_ETRANSPORT);
	/* And a host that is lost says so before starting. */
	assert_int_equal(bh_host_scan_sync(x->fh.h, &o, res, 2, &n), BH_ETRANSPORT);
	fx_free(x);
}

/* ---- connecting with parameters in ms ---- */

static uint16_t le16at(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void connect_with_params(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	struct bh_host_conn_params p = { .interval_min_ms = 15, .interval_max_ms = 30,
					 .latency = 2, .supervision_timeout_ms = 2000,
					 .scan_interval_ms = 100, .scan_window_ms = 50 };
	uint16_t handle = 0;
	assert_int_equal(bh_host_connect_params_sync(x->fh.h, &fake_peer, &p, 2000, &handle), BH_OK);
	assert_int_equal(handle, FAKE_CONN_HANDLE);
	/* LE Create Connection (7.8.12) carried them in HCI units. */
	uint8_t cmd[32];
	assert_int_equal(fake_last_cmd(x->fh.f, 0x200d, cmd, sizeof(cmd)), 25);
	assert_int_equal(le16at(cmd + 0), 160); /* 100 ms / 0.625 */
	assert_int_equal(le16at(cmd + 2), 80);
	assert_int_equal(le16at(cmd + 13), 12); /* 15 ms / 1.25 */
	assert_int_equal(le16at(cmd + 15), 24);
	assert_int_equal(le16at(cmd + 17), 2);
	assert_int_equal(le16at(cmd + 19), 200); /* 2000 ms / 10 */
	fx_free(x);
}

/* p converts to exactly these units (interval min/max, timeout, scan
 * interval/window). */
static void expect_units(const struct bh_host_conn_params *p, uint16_t imin, uint16_t imax,
			 uint16_t to, uint16_t si, uint16_t sw)
{
	struct bh_gap_conn_params g;
	assert_int_equal(bh_host_conn_params_hci(p, &g), BH_OK);
	assert_int_equal(g.interval_min, imin);
	assert_int_equal(g.interval_max, imax);
	assert_int_equal(g.supervision_timeout, to);
	assert_int_equal(g.scan_interval, si);
	assert_int_equal(g.scan_window, sw);
}

/* The edges of the one ms->units rule (host.h), which connecting and
 * bh_host_conn_update share: the largest values, rounding at half a unit
 * on each side of a range end, and supervision timeout > (1 + latency) *
 * interval_max * 2 (Vol 6, Part B, 4.5.2) just met and just missed. */
static void conn_params_rule_edges(void **state)
{
	(void)state;
	struct bh_gap_conn_params g;
	/* Zeroes are the defaults: 30-50 ms, 4 s, 60/30 ms. */
	const struct bh_host_conn_params z = { 0 };
	expect_units(&z, 24, 40, 400, 96, 48);
	struct bh_host_conn_params p = { .interval_min_ms = 4000, .interval_max_ms = 4000,
					 .supervision_timeout_ms = 32000,
					 .scan_interval_ms = 10240, .scan_window_ms = 10240 };
	expect_units(&p, 0x0c80, 0x0c80, 0x0c80, 0x4000, 0x4000);
	/* 4000.6 ms is 3200.48 units, rounded down and taken; 4000.7 ms is
	 * 3200.56, rounded up past the range. */
	p.interval_max_ms = 4000.6;
	assert_int_equal(bh_host_conn_params_hci(&p, &g), BH_OK);
	assert_int_equal(g.interval_max, 0x0c80);
	p.interval_max_ms = 4000.7;
	assert_int_equal(bh_host_conn_params_hci(&p, &g), BH_EINVAL);
	/* 6.9 ms is 5.52 units -> 6 (7.5 ms); 6.8 ms is 5.44 -> 5, too short. */
	struct bh_host_conn_params lo = { .interval_min_ms = 6.9, .interval_max_ms = 6.9 };
	assert_int_equal(bh_host_conn_params_hci(&lo, &g), BH_OK);
	assert_int_equal(g.interval_min, 6);
	lo.interval_min_ms = lo.interval_max_ms = 6.8;
	assert_int_equal(bh_host_conn_params_hci(&lo, &g), BH_EINVAL);
	/* Not whole units: rounded to the nearest, half up. */
	struct bh_host_conn_params nw = { .interval_min_ms = 30.6, .interval_max_ms = 30.7,
					  .supervision_timeout_ms = 4005,
					  .scan_interval_ms = 60.3 };
	/* 24.48, 24.56, 400.5, 96.48 units; the window keeps its default */
	expect_units(&nw, 24, 25, 401, 96, 48);
	/* Timeout rule at 100 ms, latency 0: 200 ms is not more than
	 * 100 * 2 ms and is refused, 210 ms is taken. */
	struct bh_host_conn_params t = { .interval_min_ms = 100, .interval_max_ms = 100,
					 .supervision_timeout_ms = 200 };
	assert_int_equal(bh_host_conn_params_hci(&t, &g), BH_EINVAL);
	t.supervision_timeout_ms = 210;
	assert_int_equal(bh_host_conn_params_hci(&t, &g), BH_OK);
	assert_int_equal(g.supervision_timeout, 21);
	/* Latency 499 at 7.5 ms: the timeout must be more than 7500 ms. */
	struct bh_host_conn_params l = { .interval_min_ms = 7.5, .interval_max_ms = 7.5,
					 .latency = 499, .supervision_timeout_ms = 7500 };
	assert_int_equal(bh_host_conn_params_hci(&l, &g), BH_EINVAL);
	l.supervision_timeout_ms = 7510;
	assert_int_equal(bh_host_conn_params_hci(&l, &g), BH_OK);
	assert_int_equal(g.latency, 499);
	/* The rule uses interval_max: min 7.5 ms alone takes the 50 ms default
	 * maximum, so 100 ms of timeout is not enough with latency 0. */
	struct bh_host_conn_params m = { .interval_min_ms = 7.5, .supervision_timeout_ms = 100 };
	assert_int_equal(bh_host_conn_params_hci(&m, &g), BH_EINVAL);
	m.supervision_timeout_ms = 110;
	assert_int_equal(bh_host_conn_params_hci(&m, &g), BH_OK);
	assert_int_equal(g.interval_max, 40);
	/* Infinity and NULL. */
	struct bh_host_conn_params inf = { .interval_min_ms = 1.0 / 0.0 };
	assert_int_equal(bh_host_conn_params_hci(&inf, &g), BH_EINVAL);
	assert_int_equal(bh_host_conn_params_hci(NULL, &g), BH_EINVAL);
	assert_int_equal(bh_host_conn_params_hci(&p, NULL), BH_EINVAL);
}

static void connect_params_refused(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	const struct bh_host_conn_params bad[] = {
		{ .interval_min_ms = 5, .interval_max_ms = 10 },         /* below 7.5 ms */
		{ .interval_min_ms = 10, .interval_max_ms = 4100 },      /* above 4 s */
		{ .interval_min_ms = 50, .interval_max_ms = 30 },        /* min > max */
		{ .interval_min_ms = -1, .interval_max_ms = 30 },        /* negative */
		{ .interval_min_ms = 0.0 / 0.0, .interval_max_ms = 30 }, /* NaN */
		{ .latency = 500 },                                      /* > 499 */
		{ .supervision_timeout_ms = 50 },                        /* < 100 ms */
		{ .supervision_timeout_ms = 40000 },                     /* > 32 s */
		/* 1000 ms <= (1 + 10) * 100 ms * 2: the link would drop. */
		{ .interval_max_ms = 100, .latency = 10, .supervision_timeout_ms = 1000 },
		{ .scan_interval_ms = 30, .scan_window_ms = 60 },        /* window > interval */
		{ .scan_interval_ms = 20000 },                           /* > 10.24 s */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bh_gap_conn_params g = { .latency = 77 };
		assert_int_equal(bh_host_conn_params_hci(&bad[i], &g), BH_EINVAL);
		assert_int_equal(g.latency, 77); /* untouched */
		uint16_t handle = 0;
		assert_int_equal(bh_host_connect_params_sync(x->fh.h, &fake_peer, &bad[i], 500,
							     &handle),
				 BH_EINVAL);
	}
	assert_int_equal(fake_cmd_count(x->fh.f, 0x200d), 0); /* nothing was sent */
	/* The controller lost while connecting: its loss. */
	struct bh_host_conn_params ok = { .interval_min_ms = 30, .interval_max_ms = 30 };
	fake_fault_on_command(x->fh.f, 0x200d, FAKE_CLOSE);
	assert_int_equal(bh_host_connect_params_sync(x->fh.h, &fake_peer, &ok, 2000, NULL),
			 BH_ETRANSPORT);
	fx_free(x);
}

static void connect_match(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	struct inject in = { x, true };
	struct bh_gap_scan_filter flt = { .name_substr = "Therm" };
	struct bh_host_conn_params p = { .interval_min_ms = 50, .interval_max_ms = 50 };
	uint16_t handle = 0;
	bh_addr peer = { 0 };
	schedule_reports(&in);
	assert_int_equal(bh_host_connect_match_sync(x->fh.h, &flt, &p, 5000, &handle, &peer), BH_OK);
	assert_int_equal(handle, FAKE_CONN_HANDLE);
	/* LE Create Connection went to the matching advertiser, 50 ms. */
	uint8_t cmd[32];
	assert_int_equal(fake_last_cmd(x->fh.f, 0x200d, cmd, sizeof(cmd)), 25);
	assert_int_equal(cmd[6], 0x01); /* address 0x01 is "Thermo", 0x02 "Other" */
	assert_int_equal(le16at(cmd + 13), 40);
	assert_int_equal(peer.val[5], 0x66); /* what the controller reported */
	assert_int_equal(bh_host_disconnect_sync(x->fh.h, handle, 0x13, 2000), BH_OK);

	/* Nothing matches: BH_ETIMEDOUT, and no connection was attempted. */
	unsigned creates = fake_cmd_count(x->fh.f, 0x200d);
	struct bh_gap_scan_filter none = { .name_substr = "Nobody" };
	schedule_reports(&in);
	assert_int_equal(bh_host_connect_match_sync(x->fh.h, &none, NULL, 300, &handle, NULL),
			 BH_ETIMEDOUT);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x200d), creates);
	/* Bad arguments: nothing sent. */
	struct bh_host_conn_params bad = { .latency = 999 };
	assert_int_equal(bh_host_connect_match_sync(x->fh.h, NULL, NULL, 300, &handle, NULL),
			 BH_EINVAL);
	assert_int_equal(bh_host_connect_match_sync(x->fh.h, &flt, &bad, 300, &handle, NULL),
			 BH_EINVAL);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x200d), creates);
	fx_free(x);
}

/* ---- by UUID ---- */

static void by_uuid(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	uint16_t link = fx_connect(x);
	bh_uuid hrm = bh_uuid16(0x2a37), hrs = bh_uuid16(0x180d), bas = bh_uuid16(0x180f);
	bh_uuid cccd = bh_uuid16(0x2902), absent = bh_uuid16(0x2a19);
	uint16_t vh = 0, dh = 0;
	/* Discovers on first use. */
	assert_int_equal(bh_host_find_chr_sync(x->fh.h, link, NULL, &hrm, &vh), BH_OK);
	assert_int_equal(vh, 3);
	assert_int_equal(bh_host_find_chr_sync(x->fh.h, link, &hrs, &hrm, &vh), BH_OK);
	assert_int_equal(bh_host_find_desc_sync(x->fh.h, link, vh, &cccd, &dh), BH_OK);
	assert_int_equal(dh, 4);
	assert_int_equal(bh_host_find_chr_sync(x->fh.h, link, &bas, &hrm, &vh), BH_ENOTFOUND);
	assert_int_equal(bh_host_find_chr_sync(x->fh.h, link, NULL, &absent, &vh), BH_ENOTFOUND);
	assert_int_equal(bh_host_find_desc_sync(x->fh.h, link, 3, &absent, &dh), BH_ENOTFOUND);
	assert_int_equal(bh_host_find_desc_sync(x->fh.h, link, 2, &cccd, &dh), BH_ENOTFOUND);
	assert_int_equal(bh_host_find_chr_sync(x->fh.h, link, NULL, NULL, &vh), BH_EINVAL);
	assert_int_equal(bh_host_find_desc_sync(x->fh.h, link, 3, NULL, &dh), BH_EINVAL);

	uint8_t buf[8];
	size_t len = 0;
	assert_int_equal(bh_host_read_uuid_sync(x->fh.h, link, &hrm, buf, sizeof(buf), &len), BH_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "ok", 2);
	assert_int_equal(bh_host_read_uuid_sync(x->fh.h, link, &absent, buf, sizeof(buf), &len),
			 BH_ENOTFOUND);
	assert_int_equal(len, 0);
	const uint8_t v[] = { 1, 2 };
	assert_int_equal(bh_host_write_uuid_sync(x->fh.h, link, &hrm, v, 2, true), BH_OK);
	assert_true(fake_att_wrote(x->fh.f));
	assert_int_equal(bh_host_write_uuid_sync(x->fh.h, link, &absent, v, 2, true), BH_ENOTFOUND);

	/* No such link, then a link that went. */
	assert_int_equal(bh_host_find_chr_sync(x->fh.h, 0x0123, NULL, &hrm, &vh), BH_ENOTFOUND);
	assert_int_equal(bh_host_disconnect_sync(x->fh.h, link, 0x13, 2000), BH_OK);
	assert_int_equal(bh_host_read_uuid_sync(x->fh.h, link, &hrm, buf, sizeof(buf), &len),
			 BH_EDISCONNECTED);
	assert_int_equal(bh_host_write_uuid_sync(x->fh.h, link, &hrm, v, 2, false), BH_EDISCONNECTED);
	fx_free(x);
}

static void by_uuid_link_lost_in_discovery(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	uint16_t link = fx_connect(x);
	bh_uuid hrm = bh_uuid16(0x2a37);
	uint16_t vh = 0;
	/* The peer drops the link at the first discovery request. */
	fake_fault_on_frame(x->fh.f, link, FAKE_DISCONNECT);
	assert_int_equal(bh_host_find_chr_sync(x->fh.h, link, NULL, &hrm, &vh), BH_EDISCONNECTED);
	assert_true(fake_fired(x->fh.f));
	fx_free(x);
}

/* ---- per-characteristic routes ---- */

struct route {
	unsigned calls;
	uint16_t link, vh;
	uint8_t last;
};

static void on_value(void *ctx, uint16_t handle, uint16_t vh, const uint8_t *v, size_t len,
		     bool ind)
{
	struct route *r = ctx;
	assert_false(ind);
	assert_int_equal(len, 1);
	r->calls++;
	r->link = handle;
	r->vh = vh;
	r->last = v[0];
}

static void notify(struct fx *x, uint8_t value)
{
	const uint8_t pdu[] = { 0x1b, 0x03, 0x00, value }; /* Handle Value Notification */
	assert_int_equal(fake_l2cap(x->fh.f, 0x0004, pdu, sizeof(pdu)), 0);
	fake_run(x->fh.f, 30);
}

static void subscribe_routes(void **state)
{
	(void)state;
	struct fx *x = fx_new(NULL);
	uint16_t link = fx_connect(x);
	struct route a = { 0 }, b = { 0 };
	assert_int_equal(bh_host_discover_sync(x->fh.h, link), BH_OK);
	assert_int_equal(bh_host_subscribe_cb_sync(x->fh.h, link, 3, false, on_value, &a), BH_OK);
	notify(x, 0x55);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.link, link);
	assert_int_equal(a.vh, 3);
	assert_int_equal(a.last, 0x55);
	assert_int_equal(x->notifications, 1); /* the host-wide callback too */
	/* Subscribing again replaces the callback. */
	assert_int_equal(bh_host_subscribe_cb_sync(x->fh.h, link, 3, false, on_value, &b), BH_OK);
	notify(x, 0x56);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	/* Unsubscribed: the route ends, the CCCD is written with 0. */
	assert_int_equal(bh_host_unsubscribe_sync(x->fh.h, link, 3), BH_OK);
	notify(x, 0x57);
	assert_int_equal(b.calls, 1);
	assert_int_equal(x->notifications, 3);

	/* Refusals. */
	assert_int_equal(bh_host_subscribe_cb_sync(x->fh.h, link, 3, false, NULL, &a), BH_EINVAL);
	assert_int_equal(bh_host_subscribe_cb_sync(x->fh.h, link, 9, false, on_value, &a),
			 BH_ENOTFOUND);
	/* Heart Rate Measurement notifies but cannot indicate. */
	assert_int_equal(bh_host_subscribe_cb_sync(x->fh.h, link, 3, true, on_value, &a),
			 BH_ENOTSUP);
	assert_int_equal(bh_host_subscribe_cb_sync(x->fh.h, 0x0123, 3, false, on_value, &a),
			 BH_ENOTFOUND);
	assert_int_equal(bh_host_unsubscribe_sync(x->fh.h, 0x0123, 3), BH_ENOTFOUND);
	notify(x, 0x58);
	assert_int_equal(a.calls, 1); /* the refused ones left no route */

	/* The link goes: its routes end with it. A new link on the same
	 * handle does not reach the old callback. */
	assert_int_equal(bh_host_subscribe_cb_sync(x->fh.h, link, 3, false, on_value, &a), BH_OK);
	assert_int_equal(bh_host_disconnect_sync(x->fh.h, link, 0x13, 2000), BH_OK);
	assert_int_equal(bh_host_unsubscribe_sync(x->fh.h, link, 3), BH_EDISCONNECTED);
	link = fx_connect(x);
	assert_int_equal(bh_host_discover_sync(x->fh.h, link), BH_OK);
	notify(x, 0x59);
	assert_int_equal(a.calls, 1);
	fx_free(x);
}

/* ---- bonds ---- */

static void save_bond(const char *dir, const bh_addr *id)
{
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(dir, &st), BH_OK);
	static struct bh_bond b;
	memset(&b, 0, sizeof(b));
	b.identity = *id;
	b.central_ltk.valid = true;
	b.central_ltk.key_size = 16;
	memset(b.central_ltk.ltk, 0x42, 16);
	assert_int_equal(bh_bond_store_save(st, &b), BH_OK);
	bh_bond_store_close(st);
}

/* A host whose store holds a bond with an IRK for fake_peer, on a
 * controller with LL Privacy (LE features: bits 0, 1, 3 and 6) that
 * refuses `refuse` (0: nothing). */
static struct fx *fx_with_irk_bond(uint16_t refuse)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/bh-easy-XXXXXX");
	assert_non_null(mkdtemp(dir));
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(dir, &st), BH_OK);
	static struct bh_bond b;
	memset(&b, 0, sizeof(b));
	b.identity = fake_peer;
	b.has_irk = true;
	memset(b.irk, 0x5a, 16);
	b.central_ltk.valid = true;
	b.central_ltk.key_size = 16;
	memset(b.central_ltk.ltk, 0x42, 16);
	assert_int_equal(bh_bond_store_save(st, &b), BH_OK);
	bh_bond_store_close(st);
	/* Status, LE features: bits 0, 1, 3 and 6 (LL Privacy). */
	struct fx *x = fx_new_with(dir, "\x00\x4b\x00\x00\x00\x00\x00\x00\x00", refuse);
	snprintf(x->store, sizeof(x->store), "%s", dir);
	return x;
}

/* A bonded identity with an IRK, reached by bh_host_connect_params_sync:
 * the targeting of bh_host_connect_sync applies too. With LL Privacy
 * (LE feature bit 6) the bond's IRK is in the controller's resolving list,
 * so LE Create Connection names the identity (Peer_Address_Type 0x02,
 * Vol 4, Part E, 7.8.12) and carries the parameters asked for. */
static void connect_params_bonded_identity(void **state)
{
	(void)state;
	struct fx *x = fx_with_irk_bond(0);
	struct bh_host_conn_params p = { .interval_min_ms = 15, .interval_max_ms = 15,
					 .supervision_timeout_ms = 1000 };
	uint16_t handle = 0;
	assert_int_equal(bh_host_connect_params_sync(x->fh.h, &fake_peer, &p, 2000, &handle), BH_OK);
	assert_int_equal(handle, FAKE_CONN_HANDLE);
	/* The bond went in first (LE Add Device To Resolving List). */
	assert_int_equal(fake_cmd_count(x->fh.f, 0x2027), 1);
	uint8_t cmd[32];
	assert_int_equal(fake_last_cmd(x->fh.f, 0x200d, cmd, sizeof(cmd)), 25);
	assert_int_equal(cmd[5], 0x02); /* public identity address, resolved by the controller */
	assert_memory_equal(cmd + 6, fake_peer.val, 6);
	assert_int_equal(le16at(cmd + 13), 12); /* 15 ms / 1.25 */
	assert_int_equal(le16at(cmd + 19), 100);
	fx_free(x);
}

/* A controller with LL Privacy that refuses the bond's IRK (LE Add Device
 * To Resolving List) or address resolution (LE Set Address Resolution
 * Enable), with Memory Capacity Exceeded, cannot resolve the peer's RPAs:
 * the host must not name the identity as one the controller resolves
 * (Peer_Address_Type 0x02 would never match), but try the identity address
 * itself (0x00), and then scan and resolve RPAs on its own
 * (host_connect_sync). The fake accepts the first attempt. */
static void connect_resolving_list_refused(void **state)
{
	(void)state;
	static const uint16_t refused[] = { 0x2027, 0x202d };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct fx *x = fx_with_irk_bond(refused[i]);
		fake_run(x->fh.f, 50);
		assert_int_equal(fake_cmd_count(x->fh.f, refused[i]), 1);
		uint16_t handle = 0;
		assert_int_equal(bh_host_connect_sync(x->fh.h, &fake_peer, 2000, &handle), BH_OK);
		uint8_t cmd[32];
		assert_int_equal(fake_last_cmd(x->fh.f, 0x200d, cmd, sizeof(cmd)), 25);
		assert_int_equal(cmd[5], BH_ADDR_PUBLIC); /* the identity address as it is */
		assert_memory_equal(cmd + 6, fake_peer.val, 6);
		fx_free(x);
	}
}

static struct fx *fx_with_bonds(unsigned n)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/bh-easy-XXXXXX");
	assert_non_null(mkdtemp(dir));
	save_bond(dir, &fake_peer);
	if (n > 1) {
		bh_addr other = { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } };
		save_bond(dir, &other);
	}
	struct fx *x = fx_new(dir);
	snprintf(x->store, sizeof(x->store), "%s", dir);
	return x;
}

static void bond_remove(void **state)
{
	(void)state;
	struct fx *x = fx_with_bonds(2);
	bh_addr ids[4];
	assert_int_equal(bh_host_bond_list(x->fh.h, ids, 4), 2);
	assert_int_equal(bh_host_bond_list(x->fh.h, NULL, 0), 2);
	uint16_t link = fx_connect(x);
	(void)link;

	/* The connected peer: disconnected first, then forgotten, and taken
	 * off the filter accept list. */
	assert_int_equal(bh_host_bond_remove_sync(x->fh.h, &fake_peer, 2000), BH_OK);
	assert_int_equal(x->fh.disconnected, 1);
	uint8_t cmd[8];
	assert_int_equal(fake_last_cmd(x->fh.f, 0x0406, cmd, sizeof(cmd)), 3);
	assert_int_equal(cmd[2], 0x13);
	assert_int_equal(fake_last_cmd(x->fh.f, 0x2012, cmd, sizeof(cmd)), 7);
	assert_int_equal(cmd[0], BH_ADDR_PUBLIC);
	assert_memory_equal(cmd + 1, fake_peer.val, 6);
	assert_int_equal(bh_host_bond_list(x->fh.h, ids, 4), 1);
	assert_int_equal(ids[0].val[5], 0xc6);
	/* Again: no bond. */
	assert_int_equal(bh_host_bond_remove_sync(x->fh.h, &fake_peer, 2000), BH_ENOTFOUND);
	assert_int_equal(bh_host_bond_remove_sync(x->fh.h, NULL, 2000), BH_EINVAL);

	/* All: the remaining one goes too; links to unbonded peers stay. */
	link = fx_connect(x);
	assert_int_equal(bh_host_bond_remove_all_sync(x->fh.h, 2000), BH_OK);
	assert_int_equal(bh_host_bond_list(x->fh.h, ids, 4), 0);
	assert_int_equal(x->fh.disconnected, 1);
	assert_int_equal(bh_host_read_sync(x->fh.h, link, 3, cmd, sizeof(cmd), NULL), BH_OK);
	fx_free(x);
}

static void bond_remove_all_disconnects(void **state)
{
	(void)state;
	struct fx *x = fx_with_bonds(2);
	fx_connect(x);
	assert_int_equal(bh_host_bond_remove_all_sync(x->fh.h, 2000), BH_OK);
	assert_int_equal(x->fh.disconnected, 1);
	assert_int_equal(bh_host_bond_list(x->fh.h, NULL, 0), 0);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x2012), 2);
	fx_free(x);
}

static void bond_remove_failures(void **state)
{
	(void)state;
	/* The peer's link will not go (the controller never completes the
	 * Disconnect): the bond is kept, and the caller hears why. */
	struct fx *x = fx_with_bonds(1);
	fx_connect(x);
	fake_mute(x->fh.f, 0x0406);
	assert_int_equal(bh_host_bond_remove_sync(x->fh.h, &fake_peer, 300), BH_ETIMEDOUT);
	assert_int_equal(bh_host_bond_list(x->fh.h, NULL, 0), 1);
	assert_int_equal(bh_host_bond_remove_all_sync(x->fh.h, 300), BH_ETIMEDOUT);
	assert_int_equal(bh_host_bond_list(x->fh.h, NULL, 0), 1);
	/* Controller lost: refused, bond kept. */
	fake_close_link(x->fh.f);
	fake_run(x->fh.f, 50);
	assert_int_equal(bh_host_bond_remove_sync(x->fh.h, &fake_peer, 300), BH_ETRANSPORT);
	assert_int_equal(bh_host_bond_remove_all_sync(x->fh.h, 300), BH_ETRANSPORT);
	assert_int_equal(bh_host_bond_list(x->fh.h, NULL, 0), 1);
	fx_free(x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(scan_collects_results),
		cmocka_unit_test(scan_failures),
		cmocka_unit_test(connect_with_params),
		cmocka_unit_test(conn_params_rule_edges),
		cmocka_unit_test(connect_params_refused),
		cmocka_unit_test(connect_params_bonded_identity),
		cmocka_unit_test(connect_resolving_list_refused),
		cmocka_unit_test(connect_match),
		cmocka_unit_test(by_uuid),
		cmocka_unit_test(by_uuid_link_lost_in_discovery),
		cmocka_unit_test(subscribe_routes),
		cmocka_unit_test(bond_remove),
		cmocka_unit_test(bond_remove_all_disconnects),
		cmocka_unit_test(bond_remove_failures),
	};
	if (argc > 1) {
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (!strcmp(all[i].name, argv[1]))
				return _cmocka_run_group_tests(argv[1], &all[i], 1, NULL, NULL);
		fprintf(stderr, "no case %s\n", argv[1]);
		return 2;
	}
	return cmocka_run_group_tests(all, NULL, NULL);
}
