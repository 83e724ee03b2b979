/* A GATT server whose Database Hash cannot be computed: libcrypto (loaded
 * on first use) is missing (tests/harness/no_libcrypto.h). A hash
 * that does not describe the database must never reach a client: reads get
 * Unlikely Error, a bonded client is restored change-unaware, and the rest
 * of the server keeps working. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/bh_crypto.h>

#include "gatts_fake.h"
#include "no_libcrypto.h"

#define SC_CCCD 9
#define HASH_VALUE 13

#ifdef BH_LIBCRYPTO_STATIC
/* -Dlibcrypto_static=true: AES is linked in, so the hash is computed where
 * libcrypto.so.3 cannot be loaded, and served; nothing maps the library. */
static void test_hash_without_shared_libcrypto(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);
	uint8_t h[16] = { 0 };
	assert_int_equal(bh_gatts_db_hash(f.s, h), BH_OK);
	assert_memory_not_equal(h, (uint8_t[16]){ 0 }, 16);
	assert_int_equal(bh_gatts_connected(f.s, 7), BH_OK);
	const struct fake_pdu *r = REQ(&f, 7, BH_ATT_READ_REQ, HASH_VALUE, 0);
	assert_int_equal(r->data[0], BH_ATT_READ_RSP);
	for (int i = 0; i < 16; i++) /* the characteristic's value is the hash */
		assert_int_equal(r->data[1 + i], h[15 - i]);
	assert_int_equal(libcrypto_mapped(), 0);
	fake_free(&f);
}
#else
static void test_hash_unavailable(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);

	uint8_t h[16];
	memset(h, 0xaa, sizeof(h));
	assert_int_equal(bh_gatts_db_hash(f.s, h), BH_ENOTSUP);
	assert_memory_equal(h, (uint8_t[16]){ 0 }, 16);
	assert_non_null(bh_crypto_error());
	assert_non_null(strstr(bh_crypto_error(), "cannot load libcrypto.so.3"));

	assert_int_equal(bh_gatts_connected(f.s, 7), BH_OK);
	/* The characteristic, by handle and by type. */
	const struct fake_pdu *r = REQ(&f, 7, BH_ATT_READ_REQ, HASH_VALUE, 0);
	fake_expect_error(r, BH_ATT_READ_REQ, HASH_VALUE, BH_ATT_E_UNLIKELY);
	r = REQ(&f, 7, BH_ATT_READ_BY_TYPE_REQ, 0x01, 0x00, 0xff, 0xff, 0x2a, 0x2b);
	fake_expect_error(r, BH_ATT_READ_BY_TYPE_REQ, HASH_VALUE, BH_ATT_E_UNLIKELY);
	/* Everything else still answers. */
	r = REQ(&f, 7, BH_ATT_READ_REQ, 16, 0);
	assert_int_equal(r->data[0], BH_ATT_READ_RSP);
	assert_memory_equal(r->data + 1, "hello", 5);

	/* An aware client's bond blob, made without a hash: restored later,
	 * the client counts as unaware and is told to look again. */
	REQ(&f, 7, BH_ATT_WRITE_REQ, SC_CCCD, 0, 0x02, 0x00);
	assert_true(bh_gatts_change_aware(f.s, 7));
	uint8_t blob[BH_GATTS_CCCD_BLOB_MAX(4)];
	size_t n = 0;
	assert_int_equal(bh_gatts_export_cccd(f.s, 7, blob, sizeof(blob), &n), BH_OK);
	bh_gatts_disconnected(f.s, 7);
	assert_int_equal(bh_gatts_connected(f.s, 8), BH_OK);
	unsigned nind = f.nind;
	assert_int_equal(bh_gatts_import_cccd(f.s, 8, blob, n), BH_OK);
	assert_false(bh_gatts_change_aware(f.s, 8));
	assert_int_equal(f.nind, nind + 1);
	assert_int_equal(f.ind[nind].conn, 8);
	assert_memory_equal(f.ind[nind].data, "\x01\x00\xff\xff", 4);
	fake_free(&f);
}

/* A hash cached for exactly this database is served without libcrypto;
 * any other database (one octet differs) still needs it. */
static void test_cached_hash_needs_no_crypto(void **state)
{
	(void)state;
	struct fake_hash_cache c;
	memset(&c, 0, sizeof(c));
	struct bh_gatts_config cfg;
	fake_hash_cache_config(&cfg, &c);
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, &cfg));
	fake_demo(&f);
	uint8_t h[16];
	/* Nothing cached: computing fails, nothing is stored. */
	assert_int_equal(bh_gatts_db_hash(f.s, h), BH_ENOTSUP);
	assert_int_equal(c.nlookup, 1);
	assert_int_equal(c.nstore, 0);
	assert_true(c.seen_len > 0);

	/* Cached for these octets (as an earlier run would have): served. */
	memcpy(c.msg, c.seen, c.seen_len);
	c.len = c.seen_len;
	for (int i = 0; i < 16; i++)
		c.hash[i] = (uint8_t)(0xc0 + i);
	c.have = true;
	assert_int_equal(bh_gatts_db_hash(f.s, h), BH_OK);
	assert_memory_equal(h, c.hash, 16);
	assert_int_equal(bh_gatts_connected(f.s, 7), BH_OK);
	const struct fake_pdu *r = REQ(&f, 7, BH_ATT_READ_REQ, HASH_VALUE, 0);
	assert_int_equal(r->data[0], BH_ATT_READ_RSP);
	assert_int_equal(r->data[1], 0xcf);
	assert_int_equal(r->data[16], 0xc0);
	assert_int_equal(c.nstore, 0);
	fake_free(&f);

	/* The same database with one value octet changed in the cached copy
	 * (the last: a declaration's value) or one handle: not served. */
	const size_t at[2] = { c.len - 1, 0 };
	for (int k = 0; k < 2; k++) {
		c.msg[at[k]] ^= 0x01;
		fake_init(&f);
		assert_non_null(fake_server(&f, &cfg));
		fake_demo(&f);
		memset(h, 0xaa, 16);
		assert_int_equal(bh_gatts_db_hash(f.s, h), BH_ENOTSUP);
		assert_memory_equal(h, (uint8_t[16]){ 0 }, 16);
		assert_int_equal(bh_gatts_connected(f.s, 7), BH_OK);
		r = REQ(&f, 7, BH_ATT_READ_REQ, HASH_VALUE, 0);
		fake_expect_error(r, BH_ATT_READ_REQ, HASH_VALUE, BH_ATT_E_UNLIKELY);
		fake_free(&f);
		c.msg[at[k]] ^= 0x01;
	}
}

#endif

int main(int argc, char **argv)
{
	(void)argc;
	if (!no_libcrypto_child())
		return no_libcrypto_run(argv);
	const struct CMUnitTest tests[] = {
#ifdef BH_LIBCRYPTO_STATIC
		cmocka_unit_test(test_hash_without_shared_libcrypto),
#else
		cmocka_unit_test(test_hash_unavailable),
		cmocka_unit_test(test_cached_hash_needs_no_crypto),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
