/* GATT client tests for robustness and the cache: malformed responses,
 * transaction timeout, random damage to responses, capacity limits, API
 * misuse, cache export/import, the Database Hash check and Service Changed. */
#include "harness.h"

/* ---- Malformed responses ----------------------------------------------------------- */

/* Runs a full discovery with the response to request `at` replaced. */
static bh_status discover_with(unsigned at, const uint8_t *rsp, size_t len, bh_status st)
{
	struct done d = { 0 };
	T->f.requests = 0;
	T->f.inject_at = at;
	memcpy(T->f.inject, rsp, len);
	T->f.inject_len = len;
	T->f.inject_status = st;
	assert_int_equal(bh_gattc_discover(T->c, NULL, 0, 0, on_done, &d), BH_OK);
	unsigned pumped = fs_pump(&T->f);
	assert_true(pumped < 100); /* never loops */
	assert_int_equal(d.calls, 1);
	assert_int_equal(T->f.n_pending, 0);
	return d.st;
}

static void test_malformed_discovery(void **state)
{
	(void)state;
	/* wrong opcode */
	assert_int_equal(discover_with(1, (const uint8_t *)"\x0b\x01\x02", 3, BH_OK), BH_EPROTO);
	/* short PDU (no length octet) */
	assert_int_equal(discover_with(2, (const uint8_t *)"\x11", 1, BH_OK), BH_EMALFORMED);
	/* second page goes backwards: start below the requested 15 */
	assert_int_equal(
		discover_with(2, (const uint8_t *)"\x11\x06\x01\x00\x03\x00\x00\x18", 8, BH_OK),
		BH_EPROTO);
	/* service end below its start */
	assert_int_equal(
		discover_with(1, (const uint8_t *)"\x11\x06\x05\x00\x03\x00\x00\x18", 8, BH_OK),
		BH_EPROTO);
	/* element length that is no service (4 + 4) */
	assert_int_equal(discover_with(1, (const uint8_t *)"\x11\x08\x01\x00\x03\x00\x00\x18\x00\x00",
				       10, BH_OK),
			 BH_EPROTO);
	/* characteristics: first page fine, second repeats handle 8 (not advancing) */
	assert_int_equal(discover_with(4, (const uint8_t *)"\x09\x07\x08\x00\x02\x09\x00\x2a\x2b", 9,
				       BH_OK),
			 BH_EPROTO);
	/* characteristic element of the wrong length */
	assert_int_equal(discover_with(3, (const uint8_t *)"\x09\x06\x02\x00\x02\x03\x00\x00", 8,
				       BH_OK),
			 BH_EPROTO);
	/* value handle not after its declaration */
	assert_int_equal(discover_with(3, (const uint8_t *)"\x09\x07\x02\x00\x02\x01\x00\x00\x2a", 9,
				       BH_OK),
			 BH_EPROTO);
	/* descriptor handle outside the requested range (first search is [7,7]) */
	assert_int_equal(discover_with(8, (const uint8_t *)"\x05\x01\x03\x00\x02\x29", 6, BH_OK),
			 BH_EPROTO);
	/* an error response naming another request */
	assert_int_equal(discover_with(1, (const uint8_t *)"\x01\x0a\x01\x00\x0a", 5, BH_OK),
			 BH_EPROTO);
	/* the bearer could not decode it */
	assert_int_equal(discover_with(1, (const uint8_t *)"\x11", 1, BH_EMALFORMED), BH_EMALFORMED);
	assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
}

static void test_malformed_reads(void **state)
{
	(void)state;
	struct done d = { 0 };
	bh_uuid bl = bh_uuid16(0x2a19);
	/* pair outside the requested range */
	T->f.inject_at = 1;
	memcpy(T->f.inject, "\x09\x03\x30\x00\x64", 5);
	T->f.inject_len = 5;
	assert_int_equal(bh_gattc_read_by_uuid(T->c, 1, 0x20, &bl, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_EPROTO);

	/* a tuple length past the end of a short PDU */
	memset(&d, 0, sizeof(d));
	uint16_t hv[2] = { 13, 20 };
	T->f.inject_at = 2;
	memcpy(T->f.inject, "\x21\x02\x00\x00\x48\x09\x00\x10", 8);
	T->f.inject_len = 8;
	assert_int_equal(bh_gattc_read_multiple_var(T->c, hv, 2, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_EPROTO);

	/* a dangling half length field */
	memset(&d, 0, sizeof(d));
	T->f.inject_at = 3;
	memcpy(T->f.inject, "\x21\x01\x00\x07\x05", 5);
	T->f.inject_len = 5;
	assert_int_equal(bh_gattc_read_multiple_var(T->c, hv, 2, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_EPROTO);

	/* wrong opcode for a write */
	memset(&d, 0, sizeof(d));
	T->f.inject_at = 4;
	memcpy(T->f.inject, "\x0b", 1);
	T->f.inject_len = 1;
	assert_int_equal(bh_gattc_write(T->c, 27, (const uint8_t *)"a", 1, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_EPROTO);
}

static void test_timeout_kills_queue(void **state)
{
	(void)state;
	struct done a = { 0 }, b = { 0 };
	T->f.inject_at = 1;
	T->f.inject_len = 0;
	T->f.inject_status = BH_ETIMEDOUT;
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &a), BH_OK);
	assert_int_equal(bh_gattc_read(T->c, 17, on_done, &b), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.st, BH_ETIMEDOUT);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.st, BH_ETIMEDOUT);
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &a), BH_ETIMEDOUT);
}

/* ---- Cache --------------------------------------------------------------------------- */

static void test_cache_export_import(void **state)
{
	(void)state;
	discover(BH_GATTC_DISC_INCLUDES);
	uint8_t blob[2048];
	size_t need = bh_gattc_export_size(T->c);
	assert_int_equal(bh_gattc_export(T->c, blob, need - 1), 0);
	size_t n = bh_gattc_export(T->c, blob, sizeof(blob));
	assert_int_equal(n, need);

	struct bh_gattc *c2 = mk_client(T);
	assert_int_equal(bh_gattc_import(c2, blob, n), BH_OK);
	assert_int_equal(bh_gattc_service_count(c2), bh_gattc_service_count(T->c));
	assert_int_equal(bh_gattc_chr_count(c2), bh_gattc_chr_count(T->c));
	assert_int_equal(bh_gattc_desc_count(c2), bh_gattc_desc_count(T->c));
	assert_int_equal(bh_gattc_include_count(c2), bh_gattc_include_count(T->c));
	for (unsigned i = 0; i < bh_gattc_chr_count(c2); i++)
		assert_memory_equal(bh_gattc_chr_at(c2, i), bh_gattc_chr_at(T->c, i),
				    sizeof(struct bh_gattc_chr));
	for (unsigned i = 0; i < bh_gattc_service_count(c2); i++)
		assert_memory_equal(bh_gattc_service_at(c2, i), bh_gattc_service_at(T->c, i),
				    sizeof(struct bh_gattc_service));
	uint8_t h1[16], h2[16];
	assert_true(bh_gattc_db_hash(c2, h2));
	assert_true(bh_gattc_db_hash(T->c, h1));
	assert_memory_equal(h1, h2, 16);

	/* a flipped bit, a cut blob, garbage: refused, tree unchanged */
	blob[40] ^= 1;
	assert_int_equal(bh_gattc_import(c2, blob, n), BH_ECORRUPT);
	blob[40] ^= 1;
	assert_int_equal(bh_gattc_import(c2, blob, n - 1), BH_ECORRUPT);
	assert_int_equal(bh_gattc_import(c2, blob, 5), BH_ECORRUPT);
	assert_int_equal(bh_gattc_chr_count(c2), bh_gattc_chr_count(T->c));
	/* a consistent checksum over inconsistent content: still refused */
	bh_put16(blob + 29, 0); /* first service start = 0 */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n - 4; i++) {
		h ^= blob[i];
		h *= 16777619u;
	}
	bh_put32(blob + n - 4, h);
	assert_int_equal(bh_gattc_import(c2, blob, n), BH_ECORRUPT);
	assert_int_equal(bh_gattc_service_count(c2), bh_gattc_service_count(T->c));
	bh_gattc_free(c2);
}

static void test_cache_validate_hash(void **state)
{
	(void)state;
	discover(0);
	uint8_t blob[2048];
	size_t n = bh_gattc_export(T->c, blob, sizeof(blob));
	assert_true(n > 0);

	/* same hash: one round trip, tree kept */
	struct bh_gattc *c2 = mk_client(T);
	assert_int_equal(bh_gattc_import(c2, blob, n), BH_OK);
	struct done d = { 0 };
	assert_int_equal(bh_gattc_validate_cache(c2, 0, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_false(d.rediscovered);
	assert_int_equal(bh_gattc_stats(c2)->requests, 1);
	bh_gattc_free(c2);

	/* the peer's database changed: its hash differs, full discovery, and
	 * the hash just read is kept without reading it again */
	fs_attr(&T->f, 9)->value[0] = 0x99;
	fs_attr(&T->f, 24)->value[0] = 0; /* irrelevant to the tree */
	fs_attr(&T->f, 26)->value[0] = BH_GATT_PROP_READ;
	c2 = mk_client(T);
	assert_int_equal(bh_gattc_import(c2, blob, n), BH_OK);
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_validate_cache(c2, 0, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_true(d.rediscovered);
	assert_int_equal(bh_gattc_stats(c2)->requests, 1 + 12);
	uint8_t h[16];
	assert_true(bh_gattc_db_hash(c2, h));
	assert_int_equal(h[0], 0x99);
	assert_int_equal(bh_gattc_find_chr(c2, NULL, &FS_UUID_D)->props, BH_GATT_PROP_READ);
	bh_gattc_free(c2);

	/* no hash on the peer but Service Changed in the cache: kept */
	bh_uuid other = bh_uuid16(0x2a99);
	fs_attr(&T->f, 9)->type = other;
	c2 = mk_client(T);
	assert_int_equal(bh_gattc_import(c2, blob, n), BH_OK);
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_validate_cache(c2, 0, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_false(d.rediscovered);
	bh_gattc_free(c2);

	/* empty cache: straight to discovery */
	c2 = mk_client(T);
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_validate_cache(c2, 0, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_true(d.rediscovered);
	assert_int_equal(bh_gattc_service_count(c2), 4);
	bh_gattc_free(c2);
}

static void test_service_changed(void **state)
{
	(void)state;
	discover(0);
	const struct bh_gattc_service *gap = bh_gattc_service_at(T->c, 0);
	assert_int_equal(gap->start, 1);
	/* the server changes service A; D loses notify */
	fs_attr(&T->f, 26)->value[0] = BH_GATT_PROP_READ;
	bh_gattc_stats_reset(T->c);
	bh_gattc_on_notification(T->c, 6, (const uint8_t *)"\x16\x00\xff\xff", 4, true);
	assert_int_equal(T->notes.general, 0); /* handled, not "unsubscribed" */
	fs_pump(&T->f);
	assert_int_equal(T->notes.sc_calls, 1);
	assert_int_equal(T->notes.sc_status, BH_OK);
	assert_int_equal(T->notes.sc_start, 21); /* widened to the whole service */
	assert_int_equal(T->notes.sc_end, 0xffff);
	/* 1 service page, 3 characteristic pages, 3 descriptor requests
	 * (C: one; D: its range runs to 0xFFFF, so a second ends in Not Found),
	 * and the hash */
	assert_int_equal(bh_gattc_stats(T->c)->requests, 8);
	assert_int_equal(bh_gattc_service_count(T->c), 4);
	assert_int_equal(bh_gattc_chr_count(T->c), 6);
	assert_int_equal(bh_gattc_find_chr(T->c, NULL, &FS_UUID_D)->props, BH_GATT_PROP_READ);
	assert_int_equal(chr16(0x2a37)->cccd_handle, 14);

	/* a bad range is ignored */
	bh_gattc_stats_reset(T->c);
	bh_gattc_on_notification(T->c, 6, (const uint8_t *)"\x16\x00\x01\x00", 4, true);
	bh_gattc_on_notification(T->c, 6, (const uint8_t *)"\x16\x00", 2, true);
	assert_int_equal(T->f.n_pending, 0);
	assert_int_equal(T->notes.sc_calls, 1);

	/* queued behind a running read, and the read is unaffected */
	struct done d = { 0 };
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &d), BH_OK);
	bh_gattc_on_notification(T->c, 6, (const uint8_t *)"\x01\x00\x03\x00", 4, true);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(T->notes.sc_calls, 2);
	assert_int_equal(bh_gattc_service_count(T->c), 4);
	assert_non_null(chr16(0x2a00));
}

static void test_api_misuse(void **state)
{
	(void)state;
	struct bh_gattc_port p = fs_port(&T->f);
	p.request = NULL;
	assert_null(bh_gattc_new(NULL, &T->env, &p, NULL));
	struct bh_gattc_config cfg;
	bh_gattc_config_default(&cfg);
	cfg.max_ops = 0;
	p = fs_port(&T->f);
	assert_null(bh_gattc_new(&cfg, &T->env, &p, NULL));
	struct done d = { 0 };
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &d), BH_OK);
	assert_int_equal(bh_gattc_clear(T->c), BH_ESTATE);
	assert_int_equal(bh_gattc_import(T->c, (const uint8_t *)"x", 1), BH_ESTATE);
	fs_pump(&T->f);
	assert_int_equal(bh_gattc_clear(T->c), BH_OK);
	p.sign = NULL;
	struct bh_gattc *c2 = bh_gattc_new(NULL, &T->env, &p, NULL);
	assert_int_equal(bh_gattc_write_signed(c2, 3, (const uint8_t *)"a", 1), BH_ENOTSUP);
	/* free with an op pending completes it */
	struct done e = { 0 };
	assert_int_equal(bh_gattc_read(c2, 3, on_done, &e), BH_OK);
	bh_gattc_free(c2);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.st, BH_EDISCONNECTED);
	assert_int_equal(T->f.n_pending, 0);
}

/* Random damage to every other response: whatever arrives, each op
 * completes exactly once, nothing loops, nothing is left behind (run under
 * the sanitizers, nothing is read out of bounds). */
static void test_chaos(void **state)
{
	(void)state;
	struct bh_xrand chaos;
	bh_xrand_seed(&chaos, 42);
	T->f.chaos = &chaos;
	uint8_t big[100];
	memset(big, 0x33, sizeof(big));
	struct bh_gattc_write_item items[2] = { { 27, big, 30 }, { 24, big, 40 } };
	uint16_t hs[3] = { 3, 17, 24 };
	bh_uuid u = bh_uuid16(0x2a19);
	unsigned ok = 0, failed = 0;
	for (unsigned round = 0; round < 300; round++) {
		struct done d[9];
		memset(d, 0, sizeof(d));
		assert_int_equal(bh_gattc_discover(T->c, NULL, 0, BH_GATTC_DISC_INCLUDES, on_done,
						   &d[0]),
				 BH_OK);
		assert_int_equal(bh_gattc_read_long(T->c, 24, on_done, &d[1]), BH_OK);
		assert_int_equal(bh_gattc_write(T->c, 24, big, sizeof(big), on_done, &d[2]), BH_OK);
		assert_int_equal(bh_gattc_write_reliable(T->c, items, 2, on_done, &d[3]), BH_OK);
		assert_int_equal(bh_gattc_read_multiple_var(T->c, hs, 3, on_done, &d[4]), BH_OK);
		assert_int_equal(bh_gattc_read_by_uuid(T->c, 1, 0xffff, &u, on_done, &d[5]), BH_OK);
		assert_int_equal(bh_gattc_validate_cache(T->c, 0, on_done, &d[6]), BH_OK);
		assert_int_equal(bh_gattc_discover_includes(T->c, 21, on_done, &d[7]), BH_OK);
		assert_int_equal(bh_gattc_discover_service_uuid(T->c, &FS_UUID_A, on_done, &d[8]),
				 BH_OK);
		assert_true(fs_pump(&T->f) < 2000);
		for (unsigned i = 0; i < 9; i++) {
			assert_int_equal(d[i].calls, 1);
			if (d[i].st == BH_OK)
				ok++;
			else
				failed++;
		}
		assert_int_equal(T->f.n_pending, 0);
		assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
		/* the tree is always consistent */
		for (unsigned i = 0; i < bh_gattc_chr_count(T->c); i++) {
			const struct bh_gattc_chr *ch = bh_gattc_chr_at(T->c, i);
			const struct bh_gattc_service *sv = bh_gattc_service_at(T->c, ch->service);
			assert_non_null(sv);
			assert_true(ch->decl_handle >= sv->start && ch->end_handle <= sv->end);
			assert_true(ch->value_handle > ch->decl_handle);
		}
		T->f.n_prep = 0;
	}
	/* both outcomes were exercised, many times */
	assert_true(ok > 300);
	assert_true(failed > 300);
}


static void test_capacity(void **state)
{
	(void)state;
	discover(0);
	uint8_t blob[2048];
	size_t n = bh_gattc_export(T->c, blob, sizeof(blob));

	struct bh_gattc_config cfg;
	bh_gattc_config_default(&cfg);
	cfg.max_chrs = 3;
	struct bh_gattc *c2 = mk_client_cfg(&cfg);
	assert_int_equal(bh_gattc_import(c2, blob, n), BH_ENOSPACE);
	assert_int_equal(bh_gattc_chr_count(c2), 0);
	struct done d = { 0 };
	assert_int_equal(bh_gattc_discover(c2, NULL, 0, 0, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_ENOSPACE);
	assert_int_equal(bh_gattc_chr_count(c2), 3); /* consistent, incomplete */
	assert_int_equal(bh_gattc_service_at(c2, 1)->n_chrs, 2);
	bh_gattc_free(c2);
}

struct chain {
	struct bh_gattc *c;
	struct done second;
	int start_ret;
};

static void on_chain(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct chain *ch = ctx;
	(void)res;
	assert_int_equal(st, BH_OK);
	ch->start_ret = bh_gattc_read(ch->c, 17, on_done, &ch->second);
}

static void test_callback_starts_op_with_full_pool(void **state)
{
	(void)state;
	struct bh_gattc_config cfg;
	bh_gattc_config_default(&cfg);
	cfg.max_ops = 1;
	struct chain ch = { 0 };
	ch.c = mk_client_cfg(&cfg);
	assert_int_equal(bh_gattc_read_long(ch.c, 24, on_chain, &ch), BH_OK);
	assert_int_equal(bh_gattc_read(ch.c, 3, on_done, &ch.second), BH_ENOMEM);
	fs_pump(&T->f);
	assert_int_equal(ch.start_ret, BH_OK);
	assert_int_equal(ch.second.calls, 1);
	assert_int_equal(ch.second.value[0], 0x64);
	/* the lead may report a bearer timeout as the end of the link */
	bh_gattc_disconnected(ch.c, BH_ETIMEDOUT);
	assert_false(bh_gattc_is_connected(ch.c));
	assert_int_equal(T->notes.disc_reason, BH_ETIMEDOUT);
	bh_gattc_free(ch.c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_discovery, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_reads, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kills_queue, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_cache_export_import, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_cache_validate_hash, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_service_changed, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_api_misuse, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_capacity, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_chaos, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_callback_starts_op_with_full_pool, setup23,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
