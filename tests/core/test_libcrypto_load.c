/* The dlopen'd libcrypto (core/bh_libcrypto.c): a process that links
 * libblehost does not map libcrypto until it first needs a cryptographic
 * function; the first use loads it and gives libcrypto's results; a missing
 * library, or one without libcrypto's functions, is BH_ENOTSUP with a
 * message that names it, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <blehost/bh_crypto.h>
#include <blehost/bh_err.h>
#include <blehost/bh_libcrypto.h>

/* Whether a library whose path contains name is mapped in this process. */
static int mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	char line[512];
	int found = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			found = 1;
	fclose(f);
	return found;
}

static void test_not_mapped_until_used(void **state)
{
	(void)state;
	/* This program links bh_core, as every blehost program does, and
	 * libcrypto must not come with it. Wiping needs no libcrypto. */
	assert_false(mapped("/libcrypto.so"));
	uint8_t wipe[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, zero[8] = { 0 };
	bh_cleanse(wipe, sizeof(wipe));
	assert_memory_equal(wipe, zero, 8);
	assert_false(mapped("/libcrypto.so"));

	/* FIPS-197 C.1: the first AES use loads libcrypto and is its AES. */
	static const uint8_t key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
					 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	static const uint8_t pt[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	static const uint8_t ct[16] = { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
					0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a };
	uint8_t out[16];
	int rc = bh_aes128(key, pt, out);
	if (rc == BH_ENOTSUP) {
		/* No libcrypto runtime here: the error names it. */
		assert_non_null(strstr(bh_libcrypto_error(), BH_LIBCRYPTO_SONAME));
		skip();
	}
	assert_int_equal(rc, BH_OK);
	assert_memory_equal(out, ct, 16);
#ifdef BH_LIBCRYPTO_STATIC
	/* -Dlibcrypto_static=true: AES and CRYPTO_memcmp are libcrypto.a's,
	 * linked in; only P-256 (bh_libcrypto) loads the shared library. */
	assert_int_equal(bh_ct_memcmp(ct, ct, 16), 0);
	assert_int_not_equal(bh_ct_memcmp(ct, pt, 16), 0);
	assert_false(mapped("/libcrypto.so"));
	assert_ptr_equal(bh_libcrypto_sym()->AES_encrypt, AES_encrypt);
#else
	assert_true(mapped("/libcrypto.so"));
	assert_null(bh_libcrypto_error());
	assert_ptr_equal(bh_libcrypto_sym(), bh_libcrypto());
#endif

	/* A second call returns the same table. */
	const struct bh_libcrypto *lc = bh_libcrypto();
	assert_non_null(lc);
	assert_ptr_equal(bh_libcrypto(), lc);
	assert_non_null(lc->EC_POINT_mul);
	assert_true(mapped("/libcrypto.so"));
	assert_int_equal(bh_ct_memcmp(ct, ct, 16), 0);
	assert_int_not_equal(bh_ct_memcmp(ct, pt, 16), 0);
}

static void test_missing_library(void **state)
{
	(void)state;
	struct bh_libcrypto lc;
	void *h = (void *)1;
	char err[256] = "";
	assert_int_equal(bh_libcrypto_load("libblehost-no-such-crypto.so.3", &lc, &h, err,
					   sizeof(err)),
			 BH_ENOTSUP);
	assert_null(h);
	assert_null(lc.AES_encrypt);
	assert_non_null(strstr(err, "cannot load libblehost-no-such-crypto.so.3"));
}

static void test_library_without_libcrypto(void **state)
{
	(void)state;
	struct bh_libcrypto lc;
	void *h = (void *)1;
	char err[256] = "";
	/* libc loads but has none of libcrypto's functions. */
	assert_int_equal(bh_libcrypto_load("libc.so.6", &lc, &h, err, sizeof(err)), BH_ENOTSUP);
	assert_null(h);
	assert_null(lc.AES_encrypt);
	assert_non_null(strstr(err, "libc.so.6 has no AES_set_encrypt_key"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_mapped_until_used),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_library_without_libcrypto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
