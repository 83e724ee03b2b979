/* The GATT client's memory is made on use: the tree (services,
 * characteristics, descriptors, includes) grows as discovery finds it, the
 * subscription table as the app subscribes, the re-subscription records at
 * the link's first Service Changed, the long-read buffer at its first long
 * read. Every such allocation is failed in turn
 * (the linker wraps the allocator for this test only): the app gets
 * BH_ENOMEM, the client stays usable and consistent, and with memory back
 * the same steps work; the sanitizer build checks nothing leaks. */
#include "harness.h"

#include "fail_alloc.h"

static void counts(unsigned *s, unsigned *c)
{
	*s = bh_gattc_service_count(T->c);
	*c = 0;
	for (unsigned i = 0; i < *s; i++) {
		const struct bh_gattc_service *sv = bh_gattc_service_at(T->c, i);
		assert_non_null(sv);
		for (uint16_t h = sv->start; h <= sv->end && h; h++)
			*c += bh_gattc_chr_by_handle(T->c, h) != NULL &&
			      bh_gattc_chr_by_handle(T->c, h)->decl_handle == h;
	}
}

static void test_discovery_alloc_fails(void **state)
{
	(void)state;
	/* What a discovery with memory finds. */
	setup_mtu(23);
	discover(BH_GATTC_DISC_INCLUDES);
	unsigned ns, nc;
	counts(&ns, &nc);
	assert_true(ns >= 2 && nc >= 2);
	teardown(NULL);

	unsigned nfail = 0;
	for (long k = 0; k < 1000; k++) {
		setup_mtu(23);
		struct done d = { 0 };
		failures = 0;
		fail_after = k;
		int rc = bh_gattc_discover(T->c, NULL, 0, BH_GATTC_DISC_INCLUDES, on_done, &d);
		if (rc == BH_OK)
			fs_pump(&T->f);
		fail_after = -1;
		if (!failures) {
			assert_int_equal(rc, BH_OK);
			assert_int_equal(d.st, BH_OK);
			teardown(NULL);
			break;
		}
		nfail++;
		if (rc != BH_OK) {
			assert_int_equal(rc, BH_ENOMEM);
		} else {
			assert_int_equal(d.calls, 1);
			assert_int_equal(d.st, BH_ENOMEM);
		}
		/* Still usable: with memory back the whole database is found. */
		discover(BH_GATTC_DISC_INCLUDES);
		unsigned s2, c2;
		counts(&s2, &c2);
		assert_int_equal(s2, ns);
		assert_int_equal(c2, nc);
		teardown(NULL);
	}
	assert_true(nfail >= 3); /* services, characteristics, descriptors */
}

/* Creating a client fails cleanly at each of its allocations: NULL, and
 * (sanitizer build) nothing leaks. */
static void test_new_alloc_fails(void **state)
{
	(void)state;
	setup_mtu(23);
	bh_gattc_free(T->c);
	T->c = NULL;
	for (long k = 0;; k++) {
		failures = 0;
		fail_after = k;
		struct bh_gattc *c = mk_client(T);
		fail_after = -1;
		if (!failures) {
			assert_non_null(c);
			T->c = c;
			break;
		}
		assert_null(c);
	}
	teardown(NULL);
}

/* The subscription table is made by the first subscription (not with the
 * client). When that fails the app gets BH_ENOMEM, the answer of a full
 * table: nothing is written, the op goes back to the pool, the value is not
 * routed. With memory back the subscription works. */
static void test_subscription_table_alloc_fails(void **state)
{
	(void)state;
	setup_mtu(23);
	discover(0);
	struct notes hr = { 0 };
	unsigned nfail = 0;
	for (long k = 0;; k++) {
		struct done d = { 0 };
		unsigned req0 = T->f.requests;
		failures = 0;
		fail_after = k;
		int rc = bh_gattc_subscribe(T->c, 13, BH_GATTC_NOTIFY, on_note, &hr, on_done, &d);
		fail_after = -1;
		if (!failures) {
			assert_int_equal(rc, BH_OK);
			fs_pump(&T->f);
			assert_int_equal(d.st, BH_OK);
			break;
		}
		nfail++;
		assert_int_equal(rc, BH_ENOMEM);
		assert_int_equal(d.calls, 0);
		assert_int_equal(T->f.requests, req0);
		assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
		bh_gattc_on_notification(T->c, 13, (const uint8_t *)"n", 1, false);
		assert_int_equal(hr.n, 0);
		assert_int_equal(T->notes.general, nfail);
	}
	assert_int_equal(nfail, 1); /* the table, at the first subscription */
	assert_int_equal(fs_attr(&T->f, 14)->value[0], 1);
	bh_gattc_on_notification(T->c, 13, (const uint8_t *)"n", 1, false);
	assert_int_equal(hr.n, 1);
	teardown(NULL);
}

/* Room for values is made on use: the buffer a long read's value is
 * handed over in by the link's first long read (not with the client), and
 * the op block made by discovery grows to hold a long value only when one
 * is read. When either fails the app gets BH_ENOMEM and nothing is sent or
 * queued; with memory back the read works, and a later long read allocates
 * nothing (the buffer and the grown block are kept). */
static void test_long_read_buffer_alloc_fails(void **state)
{
	(void)state;
	setup_mtu(23);
	discover(0);
	struct fs_attr *a = fs_add(&T->f, 0x2a00, "", 0);
	for (unsigned i = 0; i < 60; i++)
		a->value[i] = (uint8_t)(i * 7 + 1);
	a->len = 60; /* three responses at ATT_MTU 23 */
	unsigned nfail = 0;
	for (long k = 0;; k++) {
		struct done d = { 0 };
		unsigned req0 = T->f.requests;
		failures = 0;
		fail_after = k;
		int rc = bh_gattc_read_long(T->c, a->handle, on_done, &d);
		fail_after = -1;
		if (!failures) {
			assert_int_equal(rc, BH_OK);
			fs_pump(&T->f);
			assert_int_equal(d.st, BH_OK);
			assert_int_equal(d.len, 60);
			assert_memory_equal(d.value, a->value, 60);
			break;
		}
		nfail++;
		assert_int_equal(rc, BH_ENOMEM);
		assert_int_equal(d.calls, 0);
		assert_int_equal(T->f.requests, req0);
		assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
	}
	assert_int_equal(nfail, 2); /* the result buffer, then the op block grown */
	struct done d = { 0 };
	failures = 0;
	fail_after = 0;
	int rc = bh_gattc_read_long(T->c, a->handle, on_done, &d);
	if (rc == BH_OK)
		fs_pump(&T->f);
	fail_after = -1;
	assert_int_equal(failures, 0);
	assert_int_equal(rc, BH_OK);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 60);
	teardown(NULL);
}

/* A short read's value lies in the bearer's buffer, wherever that is. An
 * op block holds only the part of its value buffer its kind uses, so the
 * bearer's buffer may lie just past the block, where a whole buffer would
 * have reached: the value must still reach the app as it is, not be taken
 * for a long read's (whose buffer no long read made yet). Found by
 * fuzz_gatt_client (memcpy to a NULL result buffer). */
static void test_short_read_value_past_op_block(void **state)
{
	(void)state;
	setup_mtu(23);
	struct done d = { 0 };
	alloc_pad = 64;
	unsigned from = alloc_count;
	int rc = bh_gattc_read(T->c, 3, on_done, &d);
	alloc_pad = 0;
	assert_int_equal(rc, BH_OK);
	assert_int_equal(T->f.n_pending, 1);
	struct fs_pending p = T->f.pending[0];
	T->f.n_pending = 0;
	/* The block the op lives in, and test-owned memory right after it. */
	uint8_t *after = NULL;
	for (unsigned i = from; i < alloc_count; i++) {
		const struct fail_alloc_rec *r = &alloc_log[i % FAIL_ALLOC_LOG];
		uint8_t *b = r->p;
		if ((uint8_t *)p.cbctx >= b && (uint8_t *)p.cbctx < b + r->n)
			after = b + r->n;
	}
	assert_non_null(after);
	after[0] = BH_ATT_READ_RSP;
	memcpy(after + 1, "abc", 3);
	p.cb(p.cbctx, BH_OK, after, 4);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 3);
	assert_memory_equal(d.value, "abc", 3);
	teardown(NULL);
}

/* Discovery, a subscription and a short write share the one op block
 * discovery made; a write longer than GATTC_BUF_MIN grows it, and when that
 * fails the write gets BH_ENOMEM with nothing sent, the next try works. */
static void test_write_room_made_on_use(void **state)
{
	(void)state;
	setup_mtu(23);
	discover(0);
	struct notes hr = { 0 };
	struct done d = { 0 };
	failures = 0;
	fail_after = 0;
	int rc = bh_gattc_subscribe(T->c, 13, BH_GATTC_NOTIFY, on_note, &hr, on_done, &d);
	fail_after = -1;
	assert_int_equal(rc, BH_ENOMEM); /* the subscription table: made on use */
	assert_int_equal(failures, 1);
	rc = bh_gattc_subscribe(T->c, 13, BH_GATTC_NOTIFY, on_note, &hr, on_done, &d);
	assert_int_equal(rc, BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	/* 20 bytes fit the block as it is: no allocation. */
	struct fs_attr *a = fs_add(&T->f, 0x2a00, "", 0);
	uint8_t v[60];
	for (unsigned i = 0; i < sizeof(v); i++)
		v[i] = (uint8_t)(3 * i + 5);
	memset(&d, 0, sizeof(d));
	failures = 0;
	fail_after = 0;
	rc = bh_gattc_write(T->c, a->handle, v, 20, on_done, &d);
	if (rc == BH_OK)
		fs_pump(&T->f);
	fail_after = -1;
	assert_int_equal(failures, 0);
	assert_int_equal(rc, BH_OK);
	assert_int_equal(d.st, BH_OK);
	/* 60 bytes (a long write at ATT_MTU 23) need the block grown. */
	unsigned req0 = T->f.requests;
	memset(&d, 0, sizeof(d));
	failures = 0;
	fail_after = 0;
	rc = bh_gattc_write_long(T->c, a->handle, v, sizeof(v), on_done, &d);
	fail_after = -1;
	assert_int_equal(rc, BH_ENOMEM);
	assert_int_equal(failures, 1);
	assert_int_equal(T->f.requests, req0);
	assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
	rc = bh_gattc_write_long(T->c, a->handle, v, sizeof(v), on_done, &d);
	assert_int_equal(rc, BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(a->len, sizeof(v));
	assert_memory_equal(a->value, v, sizeof(v));
	teardown(NULL);
}

/* The table still ends at max_subscriptions: one more is BH_ENOMEM. */
static void test_subscription_table_bounded(void **state)
{
	(void)state;
	setup_mtu(23);
	bh_gattc_free(T->c);
	struct bh_gattc_config cfg;
	bh_gattc_config_default(&cfg);
	cfg.max_subscriptions = 1;
	T->c = mk_client_cfg(&cfg);
	assert_non_null(T->c);
	discover(0);
	struct notes n = { 0 };
	struct done d = { 0 };
	assert_int_equal(bh_gattc_subscribe(T->c, 13, BH_GATTC_NOTIFY, on_note, &n, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_subscribe(T->c, 27, BH_GATTC_NOTIFY, on_note, &n, NULL, NULL),
			 BH_ENOMEM);
	assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
	/* the one there can be changed in place */
	assert_int_equal(bh_gattc_subscribe(T->c, 13, BH_GATTC_NOTIFY, on_note, &n, NULL, NULL),
			 BH_OK);
	fs_pump(&T->f);
	teardown(NULL);
}

struct resub_rec {
	unsigned n;
	uint16_t old_h, new_h;
	bh_status st;
};
static struct resub_rec g_resub;

static void on_resub(void *ctx, uint16_t old_h, uint16_t new_h, bh_status st)
{
	(void)ctx;
	g_resub.n++;
	g_resub.old_h = old_h;
	g_resub.new_h = new_h;
	g_resub.st = st;
}

static void resub_client(void)
{
	setup_mtu(23);
	bh_gattc_free(T->c);
	struct bh_gattc_port port = fs_port(&T->f);
	struct bh_gattc_events ev = { .ctx = &T->notes, .unsubscribed = on_general,
				      .services_changed = on_sc, .resubscribed = on_resub };
	T->c = bh_gattc_new(NULL, &T->env, &port, &ev);
	assert_non_null(T->c);
	memset(&g_resub, 0, sizeof(g_resub));
}

static void sub_ok(uint16_t vh, struct notes *n)
{
	struct done d = { 0 };
	assert_int_equal(bh_gattc_subscribe(T->c, vh, BH_GATTC_NOTIFY, on_note, n, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
}

/* The re-subscription records are made by the link's first Service
 * Changed. Each allocation from the indication on is failed in turn: the
 * app hears services_changed with BH_ENOMEM and the subscription inside the
 * range reported lost (resubscribed, new handle 0, BH_ENOMEM); its old
 * handle routes nothing any more (the server forgot the CCCD, and the
 * handle may name another attribute now); the one outside the range is
 * left alone. A discovery and subscription with memory back work, and so
 * does the next Service Changed. */
static void test_resub_records_alloc_fails(void **state)
{
	(void)state;
	const uint8_t sc[4] = { 21, 0, 0xff, 0xff };
	unsigned nfail = 0;
	for (long k = 0;; k++) {
		resub_client();
		discover(0);
		struct notes hr = { 0 }, dn = { 0 };
		sub_ok(13, &hr);
		sub_ok(27, &dn);
		failures = 0;
		fail_after = k;
		bh_gattc_on_notification(T->c, 6, sc, sizeof(sc), true);
		fail_after = -1;
		fs_pump(&T->f);
		if (!failures) {
			assert_int_equal(T->notes.sc_status, BH_OK);
			assert_int_equal(g_resub.n, 1);
			assert_int_equal(g_resub.st, BH_OK);
			assert_int_equal(g_resub.new_h, 27);
			teardown(NULL);
			break;
		}
		nfail++;
		assert_int_equal(T->notes.sc_calls, 1);
		assert_int_equal(T->notes.sc_status, BH_ENOMEM);
		assert_int_equal(g_resub.n, 1);
		assert_int_equal(g_resub.old_h, 27);
		assert_int_equal(g_resub.new_h, 0);
		assert_int_equal(g_resub.st, BH_ENOMEM);
		bh_gattc_on_notification(T->c, 27, (const uint8_t *)"d", 1, false);
		assert_int_equal(dn.n, 0);
		bh_gattc_on_notification(T->c, 13, (const uint8_t *)"h", 1, false);
		assert_int_equal(hr.n, 1);
		/* With memory back: found again, subscribed again, and the next
		 * Service Changed carries the subscription across. */
		discover(0);
		sub_ok(27, &dn);
		bh_gattc_on_notification(T->c, 6, sc, sizeof(sc), true);
		fs_pump(&T->f);
		assert_int_equal(T->notes.sc_calls, 2);
		assert_int_equal(T->notes.sc_status, BH_OK);
		assert_int_equal(g_resub.n, 2);
		assert_int_equal(g_resub.st, BH_OK);
		assert_int_equal(g_resub.new_h, 27);
		bh_gattc_on_notification(T->c, 27, (const uint8_t *)"d", 1, false);
		assert_int_equal(dn.n, 1);
		teardown(NULL);
	}
	assert_true(nfail >= 1); /* the records, at the first Service Changed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_alloc_fails),
		cmocka_unit_test(test_new_alloc_fails),
		cmocka_unit_test(test_subscription_table_alloc_fails),
		cmocka_unit_test(test_subscription_table_bounded),
		cmocka_unit_test(test_long_read_buffer_alloc_fails),
		cmocka_unit_test(test_write_room_made_on_use),
		cmocka_unit_test(test_short_read_value_past_op_block),
		cmocka_unit_test(test_resub_records_alloc_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
