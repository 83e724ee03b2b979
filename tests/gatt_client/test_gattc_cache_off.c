/* GATT client built with -Dgatt_caching=false (gattc_cache_off.c) against
 * the fake server: no cache blob goes out or comes in, validate_cache
 * discovers again, and Service Changed is followed by re-discovery while
 * the subscriptions inside the range are dropped and reported (BH_ENOTSUP)
 * instead of carried over; nothing is routed by their old handles. Each
 * check fails on a build with the cache and re-subscription in. */
#include "harness.h"

struct resub_log {
	unsigned n;
	uint16_t old_h[8], new_h[8];
	bh_status st[8];
	unsigned sc_before[8]; /* services_changed calls seen when reported */
};
static struct resub_log g_log;
static struct notes *g_again; /* subscribe again at 28 from the callback */

static void on_resub(void *ctx, uint16_t old_h, uint16_t new_h, bh_status st)
{
	(void)ctx;
	if (g_log.n < 8) {
		g_log.old_h[g_log.n] = old_h;
		g_log.new_h[g_log.n] = new_h;
		g_log.st[g_log.n] = st;
		g_log.sc_before[g_log.n] = T->notes.sc_calls;
	}
	g_log.n++;
	if (g_again)
		assert_int_equal(bh_gattc_subscribe(T->c, 28, BH_GATTC_NOTIFY, on_note, g_again,
						    NULL, NULL),
				 BH_OK);
}

static int setup(void **state)
{
	setup23(state);
	bh_gattc_free(T->c);
	struct bh_gattc_port port = fs_port(&T->f);
	struct bh_gattc_events ev = { .ctx = &T->notes, .unsubscribed = on_general,
				      .services_changed = on_sc, .resubscribed = on_resub,
				      .disconnected = on_disc };
	T->c = bh_gattc_new(NULL, &T->env, &port, &ev);
	assert_non_null(T->c);
	memset(&g_log, 0, sizeof(g_log));
	g_again = NULL;
	return 0;
}

static void test_no_cache(void **state)
{
	(void)state;
	discover(0);
	assert_true(bh_gattc_service_count(T->c) > 0);
	uint8_t blob[4096];
	assert_int_equal(bh_gattc_export_size(T->c), 0);
	assert_int_equal(bh_gattc_export(T->c, blob, sizeof(blob)), 0);
	memset(blob, 0, sizeof(blob));
	memcpy(blob, "BGC\x01", 4);
	assert_int_equal(bh_gattc_import(T->c, blob, 64), BH_ENOTSUP);
	/* The tree is not checked but discovered again. */
	unsigned before = T->f.requests;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_validate_cache(T->c, 0, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_OK);
	assert_true(d.rediscovered);
	assert_true(T->f.requests > before + 2);
	assert_non_null(chr16(0x2a37));
	assert_int_equal(bh_gattc_validate_cache(T->c, 0x80, on_done, &d), BH_EINVAL);
}

static void subscribe(uint16_t vh, struct notes *n)
{
	struct done d = { 0 };
	assert_int_equal(bh_gattc_subscribe(T->c, vh, BH_GATTC_NOTIFY, on_note, n, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
}

static void indicate_service_changed(uint16_t s, uint16_t e)
{
	uint8_t v[4];
	bh_put16(v, s);
	bh_put16(v + 2, e);
	bh_gattc_on_notification(T->c, 6, v, 4, true);
}

/* The server adds a User Description to C: D moves from 27 to 28 (CCCD
 * 29), and the server forgets the CCCD, as a rebuilt database does. */
static void move_d(void)
{
	fs_insert(&T->f, 26, 0x2901, "new", 3);
	fs_attr(&T->f, 29)->value[0] = 0;
}

static void test_service_changed_drops_subscriptions(void **state)
{
	(void)state;
	discover(0);
	struct notes hr = { 0 }, dn = { 0 };
	subscribe(13, &hr); /* 2A37, outside the change */
	subscribe(27, &dn); /* D, inside it */
	move_d();
	unsigned before = T->f.requests;
	indicate_service_changed(21, 0xffff);
	/* Old handle unrouted from the indication on, during re-discovery. */
	bh_gattc_on_notification(T->c, 27, (const uint8_t *)"a", 1, false);
	assert_int_equal(dn.n, 0);
	assert_int_equal(T->notes.general, 0);
	assert_int_equal(g_log.n, 0);
	fs_pump(&T->f);
	assert_int_equal(T->notes.sc_calls, 1);
	assert_int_equal(T->notes.sc_status, BH_OK);
	assert_true(T->f.requests > before);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(g_log.old_h[0], 27);
	assert_int_equal(g_log.new_h[0], 0);
	assert_int_equal(g_log.st[0], BH_ENOTSUP);
	assert_int_equal(g_log.sc_before[0], 0); /* before services_changed */
	/* The tree has D at 28 now; no CCCD was written for it. */
	assert_int_equal(chr16(0x2a37)->value_handle, 13);
	assert_non_null(bh_gattc_chr_by_handle(T->c, 28));
	assert_int_equal(bh_gattc_chr_by_handle(T->c, 28)->value_handle, 28);
	assert_int_equal(fs_attr(&T->f, 29)->value[0], 0);
	bh_gattc_on_notification(T->c, 27, (const uint8_t *)"b", 1, false);
	bh_gattc_on_notification(T->c, 28, (const uint8_t *)"c", 1, false);
	assert_int_equal(dn.n, 0);
	assert_int_equal(T->notes.general, 2);
	/* The one outside the range is untouched. */
	bh_gattc_on_notification(T->c, 13, (const uint8_t *)"h", 1, false);
	assert_int_equal(hr.n, 1);
	/* The application subscribes again by the new handle. */
	subscribe(28, &dn);
	assert_int_equal(fs_attr(&T->f, 29)->value[0], 1);
	bh_gattc_on_notification(T->c, 28, (const uint8_t *)"d", 1, false);
	assert_int_equal(dn.n, 1);
}

/* Subscribing again from inside the report (the handle is new, so the
 * loop cannot meet it again). Then a link lost during a re-discovery: the
 * subscription in the range is unrouted at once, and ends with the link
 * like every other one (disconnected, no resubscribed report). */
static void test_subscribe_from_report_and_link_lost(void **state)
{
	(void)state;
	discover(0);
	struct notes dn = { 0 }, again = { 0 };
	subscribe(27, &dn);
	move_d();
	g_again = &again;
	indicate_service_changed(21, 0xffff);
	fs_pump(&T->f);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(fs_attr(&T->f, 29)->value[0], 1);
	bh_gattc_on_notification(T->c, 28, (const uint8_t *)"x", 1, false);
	assert_int_equal(again.n, 1);
	assert_int_equal(dn.n, 0);

	g_again = NULL;
	indicate_service_changed(21, 0xffff);
	fs_pump_n(&T->f, 1);
	bh_gattc_on_notification(T->c, 28, (const uint8_t *)"y", 1, false);
	assert_int_equal(again.n, 1);
	bh_gattc_disconnected(T->c, BH_EDISCONNECTED);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(T->notes.sc_calls, 2);
	assert_int_equal(T->notes.sc_status, BH_EDISCONNECTED);
	assert_int_equal(T->notes.disc_calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_changed_drops_subscriptions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subscribe_from_report_and_link_lost, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("gatt_client_cache_off", tests, NULL, NULL);
}
