/* Unit tests for core/: status strings, byte reader/writer, pools, addresses, UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <blehost/bh_addr.h>
#include <blehost/bh_bytes.h>
#include <blehost/bh_crypto.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>
#include <blehost/bh_pool.h>
#include <blehost/bh_uuid.h>

static void test_strerror_carriers(void **state)
{
	(void)state;
#ifndef BH_NO_ERROR_TEXT /* -Derror_text=false: test_error_text_off */
	assert_string_equal(bh_strerror(BH_ATT_ERROR(0x05)), "ATT: Insufficient Authentication (0x05)");
	assert_string_equal(bh_strerror(BH_HCI_STATUS(0x13)),
			    "HCI: Remote User Terminated Connection (0x13)");
	assert_string_equal(bh_strerror(BH_SMP_REASON(0x04)), "SMP: Confirm Value Failed (0x04)");
	assert_string_equal(bh_strerror(BH_ETIMEDOUT), "timed out");
	assert_string_equal(bh_att_error_str(0x99), "Application Error");
	assert_string_equal(bh_hci_status_str(0xee), "Reserved HCI status");
#endif
	assert_string_equal(bh_err_name(BH_EPROTO), "BH_EPROTO");
	assert_int_equal(bh_status_kind(BH_ATT_ERROR(0x0a)), BH_KIND_ATT);
	assert_int_equal(bh_status_code(BH_ATT_ERROR(0x0a)), 0x0a);
	assert_int_equal(bh_status_kind(BH_EBUSY), 0);
	/* every stack error has a name and text */
	for (bh_status s = 0; s >= BH_ERR_MIN_; s--) {
		assert_non_null(bh_strerror(s));
		assert_true(strncmp(bh_err_name(s), "BH_", 3) == 0);
	}
}

static void test_reader_never_overreads(void **state)
{
	(void)state;
	const uint8_t b[] = { 0x01, 0x34, 0x12, 0x78 };
	struct bh_rd r = bh_rd_init(b, sizeof(b));
	assert_int_equal(bh_rd_u8(&r), 1);
	assert_int_equal(bh_rd_u16(&r), 0x1234);
	assert_true(bh_rd_ok(&r));
	assert_int_equal(bh_rd_u16(&r), 0); /* only one byte left */
	assert_false(bh_rd_ok(&r));
	assert_int_equal(bh_rd_left(&r), 0);
	assert_null(bh_rd_ptr(&r, 1));

	uint8_t out[3];
	struct bh_wr w = bh_wr_init(out, sizeof(out));
	bh_wr_u16(&w, 0xbeef);
	bh_wr_u16(&w, 0x1111);
	assert_true(w.err);
	assert_int_equal(w.len, 2);
	assert_int_equal(out[0], 0xef);
}

static void test_pool_limits_and_injection(void **state)
{
	(void)state;
	struct bh_pool p;
	assert_int_equal(bh_pool_init(&p, "t", 10, 2), BH_OK);
	void *a = bh_pool_alloc(&p), *b = bh_pool_alloc(&p);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(bh_pool_alloc(&p));
	assert_int_equal(bh_pool_high_water(&p), 2);
	bh_pool_free(&p, a);
	assert_int_equal(bh_pool_in_use(&p), 1);
	bh_pool_fail_after(&p, 0);
	assert_null(bh_pool_alloc(&p));
	bh_pool_fail_after(&p, -1);
	a = bh_pool_alloc(&p);
	assert_non_null(a);
	bh_pool_free(&p, a);
	bh_pool_free(&p, b);
	assert_int_equal(bh_pool_in_use(&p), 0);
	assert_int_equal(p.failures, 2);
	bh_pool_destroy(&p);
	assert_int_equal(bh_pool_init(&p, "bad", 0, 1), BH_EINVAL);
}

static void test_addr_parse_print(void **state)
{
	(void)state;
	bh_addr a;
	char buf[BH_ADDR_STRLEN];
	assert_int_equal(bh_addr_parse("C0:11:22:33:44:55/random", &a), BH_OK);
	assert_int_equal(a.type, BH_ADDR_RANDOM);
	assert_int_equal(a.val[0], 0x55);
	assert_int_equal(a.val[5], 0xc0);
	assert_int_equal(bh_addr_random_kind(&a), BH_RANDOM_STATIC);
	assert_string_equal(bh_addr_str(&a, buf), "C0:11:22:33:44:55/random");
	assert_int_equal(bh_addr_parse("00:aa:01:00:00:42", &a), BH_OK);
	assert_int_equal(a.type, BH_ADDR_PUBLIC);
	assert_string_equal(bh_addr_str(&a, buf), "00:AA:01:00:00:42/public");
	assert_int_equal(bh_addr_parse("00:aa:01:00:00", &a), BH_EINVAL);
	assert_int_equal(bh_addr_parse("00:aa:01:00:00:4", &a), BH_EINVAL);
	assert_int_equal(bh_addr_parse("00:aa:01:00:00:42/x", &a), BH_EINVAL);
	assert_int_equal(bh_addr_parse("00:aa:01:00:00:42x", &a), BH_EINVAL);
	assert_int_equal(bh_addr_parse(NULL, &a), BH_EINVAL);
}

static void test_uuid(void **state)
{
	(void)state;
	bh_uuid u, v;
	char buf[BH_UUID_STRLEN];
	assert_int_equal(bh_uuid_parse("180d", &u), BH_OK);
	assert_string_equal(bh_uuid_str(&u, buf), "180D");
	assert_string_equal(bh_uuid_name(&u), "Heart Rate");
	assert_int_equal(bh_uuid_parse("0000180D-0000-1000-8000-00805F9B34FB", &v), BH_OK);
	assert_int_equal(v.len, 16);
	assert_true(bh_uuid_eq(&u, &v));
	bh_uuid s = bh_uuid_shorten(&v);
	assert_int_equal(s.len, 2);
	assert_int_equal(bh_uuid_as16(&v), 0x180d);
	assert_int_equal(bh_uuid_parse("12345678-1234-5678-1234-567812345670", &v), BH_OK);
	assert_string_equal(bh_uuid_str(&v, buf), "12345678-1234-5678-1234-567812345670");
	assert_int_equal(v.val[0], 0x70);
	assert_int_equal(bh_uuid_as16(&v), -1);
	assert_null(bh_uuid_name(&v));
	assert_int_equal(bh_uuid_parse("12345", &v), BH_EINVAL);
	assert_int_equal(bh_uuid_parse("zz0d", &v), BH_EINVAL);
	assert_int_equal(bh_uuid_parse("12345678x1234-5678-1234-567812345670", &v), BH_EINVAL);
	const uint8_t w[3] = { 1, 2, 3 };
	assert_int_equal(bh_uuid_from_le(&v, w, 3), BH_EINVAL);
}

static void test_xrand_is_deterministic(void **state)
{
	(void)state;
	struct bh_xrand r1, r2;
	uint8_t a[37], b[37];
	bh_xrand_seed(&r1, 42);
	bh_xrand_seed(&r2, 42);
	bh_xrand_fill(&r1, a, sizeof(a));
	bh_xrand_fill(&r2, b, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	bh_xrand_seed(&r2, 43);
	bh_xrand_fill(&r2, b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* RFC 4493 / Core Spec Vol 3 Part H D.1, from ../shared/vectors/smp_vectors.json */
static void test_aes_cmac_vectors(void **state)
{
	(void)state;
	static const struct { const char *m, *t; } cases[] = {
		{ "", "bb1d6929e95937287fa37d129b756746" },
		{ "6bc1bee22e409f96e93d7e117393172a", "070a16b46b4d4144f79bdd9dd04a287c" },
		{ "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411",
		  "dfa66747de9ae63030ca32611497c827" },
		{ "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411"
		  "e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
		  "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	uint8_t k[16], m[64], t[16], out[16];
	unhex("2b7e151628aed2a6abf7158809cf4f3c", k);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unhex(cases[i].m, m);
		unhex(cases[i].t, t);
		assert_int_equal(bh_aes_cmac(k, m, strlen(cases[i].m) / 2, out), BH_OK);
		assert_memory_equal(out, t, 16);
	}
	/* AES-128 of zero block under the RFC key: L = 7df76b0c1ab899b33e42f047b91b546f */
	uint8_t zero[16] = { 0 }, l[16];
	unhex("7df76b0c1ab899b33e42f047b91b546f", l);
	assert_int_equal(bh_aes128(k, zero, out), BH_OK);
	assert_memory_equal(out, l, 16);
}

/* Both allocators share the pool's bounds, high-water mark and fault
 * injection; only bh_pool_alloc zeroes a reused block. */
static void test_pool_alloc_uninit(void **state)
{
	(void)state;
	struct bh_pool p;
	assert_int_equal(bh_pool_init(&p, "t", 24, 2), BH_OK);
	uint8_t *a = bh_pool_alloc_uninit(&p);
	assert_non_null(a);
	memset(a, 0xab, 24);
	bh_pool_free(&p, a);
	uint8_t *b = bh_pool_alloc_uninit(&p);
	assert_ptr_equal(a, b); /* last freed is handed out first */
	assert_int_equal(b[0], 0xab); /* not zeroed */
	bh_pool_free(&p, b);
	uint8_t *c = bh_pool_alloc(&p);
	assert_ptr_equal(a, c);
	for (int i = 0; i < 24; i++)
		assert_int_equal(c[i], 0);
	assert_non_null(bh_pool_alloc_uninit(&p));
	assert_null(bh_pool_alloc_uninit(&p)); /* exhausted */
	assert_int_equal(bh_pool_high_water(&p), 2);
	assert_int_equal(p.failures, 1);
	bh_pool_free(&p, c);
	bh_pool_fail_after(&p, 0);
	assert_null(bh_pool_alloc_uninit(&p)); /* injected */
	assert_int_equal(p.failures, 2);
	assert_int_equal(bh_pool_in_use(&p), 1);
	bh_pool_destroy(&p);
}

/* Sized blocks: made as large as first asked, grown when a reuse needs
 * more (never above block_size), under the same bound and injection. */
static void test_pool_alloc_sized(void **state)
{
	(void)state;
	struct bh_pool p;
	assert_int_equal(bh_pool_init(&p, "t", 1000, 2), BH_OK);
	assert_null(bh_pool_alloc_sized(&p, 1001)); /* above block_size */
	assert_int_equal(p.failures, 1);
	uint8_t *a = bh_pool_alloc_sized(&p, 100);
	assert_non_null(a);
	memset(a, 0x5a, 100);
	bh_pool_free(&p, a);
	uint8_t *b = bh_pool_alloc_sized(&p, 50); /* fits: the same block */
	assert_ptr_equal(a, b);
	assert_int_equal(b[99], 0x5a);
	bh_pool_free(&p, b);
	uint8_t *c = bh_pool_alloc_sized(&p, 600); /* grown */
	assert_non_null(c);
	assert_true(bh_pool_owns(&p, c));
	assert_int_equal(c[99], 0x5a); /* realloc kept the contents */
	memset(c, 0x11, 600);
	uint8_t *d = bh_pool_alloc(&p); /* a new block, full size, zeroed */
	assert_non_null(d);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(d[i], 0);
	assert_null(bh_pool_alloc_sized(&p, 8)); /* exhausted */
	assert_int_equal(bh_pool_high_water(&p), 2);
	bh_pool_free(&p, c);
	bh_pool_fail_after(&p, 0);
	assert_null(bh_pool_alloc_sized(&p, 8)); /* injected */
	bh_pool_fail_after(&p, -1);
	uint8_t *e = bh_pool_alloc(&p); /* the grown block, grown again to full size */
	assert_ptr_not_equal(e, NULL);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(e[i], 0);
	bh_pool_free(&p, e);
	bh_pool_free(&p, d);
	assert_int_equal(bh_pool_in_use(&p), 0);
	bh_pool_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_carriers),
		cmocka_unit_test(test_reader_never_overreads),
		cmocka_unit_test(test_pool_limits_and_injection),
		cmocka_unit_test(test_addr_parse_print),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_xrand_is_deterministic),
		cmocka_unit_test(test_aes_cmac_vectors),
		cmocka_unit_test(test_pool_alloc_uninit),
		cmocka_unit_test(test_pool_alloc_sized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
