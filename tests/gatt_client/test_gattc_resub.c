/* GATT client: re-subscription after Service Changed. The fake server's
 * database changes under the client (handles move, a characteristic goes),
 * the client gets the Service Changed indication and must write the CCCDs
 * at their new handles and keep routing to the same subscriber. */
#include "harness.h"

struct resub_log {
	unsigned n;
	uint16_t old_h[8], new_h[8];
	bh_status st[8];
};
static struct resub_log g_log;

static void on_resub(void *ctx, uint16_t old_h, uint16_t new_h, bh_status st)
{
	(void)ctx;
	if (g_log.n < 8) {
		g_log.old_h[g_log.n] = old_h;
		g_log.new_h[g_log.n] = new_h;
		g_log.st[g_log.n] = st;
	}
	g_log.n++;
}

static int setup(void **state)
{
	setup23(state);
	bh_gattc_free(T->c);
	struct bh_gattc_port port = fs_port(&T->f);
	struct bh_gattc_events ev = { .ctx = &T->notes, .unsubscribed = on_general,
				      .services_changed = on_sc, .resubscribed = on_resub };
	T->c = bh_gattc_new(NULL, &T->env, &port, &ev);
	assert_non_null(T->c);
	memset(&g_log, 0, sizeof(g_log));
	return 0;
}

static void service_changed(uint16_t s, uint16_t e)
{
	uint8_t v[4];
	bh_put16(v, s);
	bh_put16(v + 2, e);
	bh_gattc_on_notification(T->c, 6, v, 4, true);
	fs_pump(&T->f);
}

static void subscribe(uint16_t vh, uint16_t what, struct notes *n)
{
	struct done d = { 0 };
	assert_int_equal(bh_gattc_subscribe(T->c, vh, what, on_note, n, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
}

static void test_handles_moved(void **state)
{
	(void)state;
	discover(0);
	struct notes hr = { 0 }, dn = { 0 };
	subscribe(13, BH_GATTC_NOTIFY, &hr);  /* 2A37, outside the change */
	subscribe(27, BH_GATTC_INDICATE, &dn); /* D in service A */
	assert_int_equal(fs_attr(&T->f, 28)->value[0], 2);
	/* The server adds a User Description to C: D moves to 28 (CCCD 29),
	 * and forgets the CCCD, as a rebuilt database does. */
	fs_insert(&T->f, 26, 0x2901, "new", 3);
	fs_attr(&T->f, 29)->value[0] = 0;
	unsigned writes_before = T->f.requests;
	service_changed(21, 0xffff);
	assert_int_equal(T->notes.sc_calls, 1);
	assert_int_equal(T->notes.sc_status, BH_OK);
	assert_int_equal(chr16(0x2a37)->value_handle, 13);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(g_log.old_h[0], 27);
	assert_int_equal(g_log.new_h[0], 28);
	assert_int_equal(g_log.st[0], BH_OK);
	/* the CCCD at its new handle holds the indicate bit again */
	assert_int_equal(fs_attr(&T->f, 29)->value[0], 2);
	assert_int_equal(fs_attr(&T->f, 29)->value[1], 0);
	assert_true(T->f.requests > writes_before);
	/* indications reach the same subscriber under the new handle; the old
	 * handle is not routed any more */
	bh_gattc_on_notification(T->c, 28, (const uint8_t *)"x", 1, true);
	assert_int_equal(dn.n, 1);
	assert_int_equal(dn.handle[0], 28);
	bh_gattc_on_notification(T->c, 27, (const uint8_t *)"y", 1, true);
	assert_int_equal(dn.n, 1);
	assert_int_equal(T->notes.general, 1);
	/* the heart-rate subscription outside the range was left alone */
	bh_gattc_on_notification(T->c, 13, (const uint8_t *)"z", 1, false);
	assert_int_equal(hr.n, 1);
}

static void test_characteristic_gone(void **state)
{
	(void)state;
	discover(0);
	struct notes dn = { 0 }, hr = { 0 };
	subscribe(27, BH_GATTC_NOTIFY, &dn);
	subscribe(13, BH_GATTC_NOTIFY, &hr);
	/* D (26..28) removed from the end of the database */
	T->f.n_attrs = 25;
	service_changed(21, 0xffff);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(g_log.old_h[0], 27);
	assert_int_equal(g_log.new_h[0], 0);
	assert_int_equal(g_log.st[0], BH_ENOTFOUND);
	bh_gattc_on_notification(T->c, 27, (const uint8_t *)"y", 1, false);
	assert_int_equal(dn.n, 0);
	/* a change that covers everything rewrites the heart-rate CCCD too
	 * (handle unchanged: the server forgot it all the same) */
	fs_attr(&T->f, 14)->value[0] = 0;
	service_changed(1, 0xffff);
	assert_int_equal(g_log.n, 2);
	assert_int_equal(g_log.old_h[1], 13);
	assert_int_equal(g_log.new_h[1], 13);
	assert_int_equal(g_log.st[1], BH_OK);
	assert_int_equal(fs_attr(&T->f, 14)->value[0], 1);
}

/* The characteristic came back without the notify property: the write is
 * refused locally and the subscription dropped. Then a link loss while a
 * re-subscription is waiting reports it once. */
static void test_property_lost_and_link_lost(void **state)
{
	(void)state;
	discover(0);
	struct notes dn = { 0 };
	subscribe(27, BH_GATTC_NOTIFY, &dn);
	fs_attr(&T->f, 26)->value[0] = BH_GATT_PROP_READ | BH_GATT_PROP_INDICATE;
	service_changed(21, 0xffff);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(g_log.st[0], BH_ENOTSUP);
	/* subscribe for indications, then the link goes during re-discovery */
	subscribe(27, BH_GATTC_INDICATE, &dn);
	uint8_t v[4] = { 21, 0, 0xff, 0xff };
	bh_gattc_on_notification(T->c, 6, v, 4, true);
	fs_pump_n(&T->f, 1);
	bh_gattc_disconnected(T->c, BH_EDISCONNECTED);
	assert_int_equal(g_log.n, 2);
	assert_int_equal(g_log.old_h[1], 27);
	assert_int_equal(g_log.st[1], BH_EDISCONNECTED);
}

/* No op free for the re-discovery (the pool is full): the range leaves
 * the tree, and the subscription inside it is reported lost (BH_ENOMEM,
 * new handle 0) and routes nothing: its handle may name another attribute
 * now. The one outside the range is left alone. */
static void test_no_op_for_rediscovery(void **state)
{
	(void)state;
	bh_gattc_free(T->c);
	struct bh_gattc_config cfg;
	bh_gattc_config_default(&cfg);
	cfg.max_ops = 1;
	struct bh_gattc_port port = fs_port(&T->f);
	struct bh_gattc_events ev = { .ctx = &T->notes, .unsubscribed = on_general,
				      .services_changed = on_sc, .resubscribed = on_resub };
	T->c = bh_gattc_new(&cfg, &T->env, &port, &ev);
	assert_non_null(T->c);
	discover(0);
	struct notes hr = { 0 }, dn = { 0 };
	subscribe(13, BH_GATTC_NOTIFY, &hr);
	subscribe(27, BH_GATTC_NOTIFY, &dn);
	struct done rd = { 0 };
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &rd), BH_OK); /* holds the one op */
	uint8_t v[4] = { 21, 0, 0xff, 0xff };
	bh_gattc_on_notification(T->c, 6, v, 4, true);
	assert_int_equal(T->notes.sc_calls, 1);
	assert_int_equal(T->notes.sc_status, BH_ENOMEM);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(g_log.old_h[0], 27);
	assert_int_equal(g_log.new_h[0], 0);
	assert_int_equal(g_log.st[0], BH_ENOMEM);
	assert_null(bh_gattc_chr_by_handle(T->c, 27));
	bh_gattc_on_notification(T->c, 27, (const uint8_t *)"d", 1, false);
	assert_int_equal(dn.n, 0);
	bh_gattc_on_notification(T->c, 13, (const uint8_t *)"h", 1, false);
	assert_int_equal(hr.n, 1);
	fs_pump(&T->f);
	assert_int_equal(rd.st, BH_OK);
}

/* (Client Supported Features, beside the re-subscription it serves:) a
 * server without the characteristic answers Attribute Not Found: ENOTSUP.
 * With one, the bits are added to what it holds. */
static void test_client_features(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_set_client_features(T->c, BH_GATTC_CSF_MULT_NTF, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_ENOTSUP);
	struct fs_attr *a = fs_add(&T->f, 0x2b29, "\x01", 1);
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_set_client_features(T->c, BH_GATTC_CSF_MULT_NTF, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.handle, a->handle);
	assert_int_equal(a->value[0], 0x05);
	/* a zero-length value is not a Client Supported Features value */
	a->len = 0;
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_set_client_features(T->c, BH_GATTC_CSF_EATT, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handles_moved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_characteristic_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_property_lost_and_link_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_op_for_rediscovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_features, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
