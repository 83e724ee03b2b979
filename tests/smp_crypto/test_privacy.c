/* Unit tests for smp/privacy: RPA generation and resolution (ah vector from
 * shared/vectors/smp_vectors.json), static and non-resolvable addresses, and
 * the resolver table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_env.h>
#include <blehost/privacy.h>
#include "smp_vectors.h"

static bh_addr rnd_addr(const uint8_t mso[6])
{
	bh_addr a = { .type = BH_ADDR_RANDOM };
	bh_swap(a.val, mso, 6);
	return a;
}

/* A random source that replays fixed octets (cycling). */
struct fixed {
	const uint8_t *b;
	size_t n, pos, calls;
};
static void fixed_fill(void *ctx, uint8_t *out, size_t n)
{
	struct fixed *f = ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = f->b[f->pos++ % f->n];
	f->calls++;
}

static void test_rpa_make_matches_vector(void **state)
{
	(void)state;
	uint8_t irk[16], prand[3];
	bh_swap(irk, V_ah_inputs_IRK, 16);
	bh_swap(prand, V_ah_inputs_prand, 3);
	bh_addr a;
	assert_int_equal(bh_rpa_make(irk, prand, &a), BH_OK);
	assert_int_equal(a.type, BH_ADDR_RANDOM);
	assert_memory_equal(a.val, V_ah_expected_rpa_hci_wire_order, 6);
	bh_addr exp = rnd_addr(V_ah_expected_rpa_msb_first);
	assert_true(bh_addr_eq(&a, &exp));
	assert_int_equal(bh_addr_random_kind(&a), BH_RANDOM_RPA);
	/* the top two bits are forced to 01 whatever the random octets say */
	prand[2] |= 0xc0;
	assert_int_equal(bh_rpa_make(irk, prand, &a), BH_OK);
	assert_memory_equal(a.val, V_ah_expected_rpa_hci_wire_order, 6);
}

static void test_rpa_resolution_cases(void **state)
{
	(void)state;
	uint8_t irk[16];
	bh_swap(irk, V_ah_inputs_IRK, 16);
	struct {
		const uint8_t *addr;
		bool resolves;
	} cases[] = {
		{ V_ah_rpa_resolution_cases_0_addr, V_ah_rpa_resolution_cases_0_resolves },
		{ V_ah_rpa_resolution_cases_1_addr, V_ah_rpa_resolution_cases_1_resolves },
		{ V_ah_rpa_resolution_cases_2_addr, V_ah_rpa_resolution_cases_2_resolves },
		{ V_ah_rpa_resolution_cases_3_addr, V_ah_rpa_resolution_cases_3_resolves },
	};
	for (size_t i = 0; i < 4; i++) {
		bh_addr a = rnd_addr(cases[i].addr);
		assert_int_equal(bh_rpa_resolve(irk, &a), cases[i].resolves);
	}
	/* a public address with RPA-looking bits is not an RPA */
	bh_addr p = rnd_addr(V_ah_rpa_resolution_cases_0_addr);
	p.type = BH_ADDR_PUBLIC;
	assert_false(bh_rpa_resolve(irk, &p));
	/* an all-zero IRK never resolves, even an address made with it */
	uint8_t zero[16] = { 0 };
	bh_addr z;
	uint8_t r[3] = { 1, 2, 3 };
	assert_int_equal(bh_rpa_make(zero, r, &z), BH_OK);
	assert_false(bh_rpa_resolve(zero, &z));
	/* another IRK does not resolve the vector's RPA */
	irk[0] ^= 1;
	bh_addr a0 = rnd_addr(V_ah_rpa_resolution_cases_0_addr);
	assert_false(bh_rpa_resolve(irk, &a0));
	assert_false(bh_rpa_resolve(NULL, &a0));
}

static void test_rpa_degenerate_prand_refused(void **state)
{
	(void)state;
	uint8_t irk[16];
	bh_swap(irk, V_ah_inputs_IRK, 16);
	bh_addr a;
	const uint8_t zeros[3] = { 0, 0, 0x00 }, ones[3] = { 0xff, 0xff, 0xff };
	assert_int_equal(bh_rpa_make(irk, zeros, &a), BH_EINVAL);
	assert_int_equal(bh_rpa_make(irk, ones, &a), BH_EINVAL);
	/* generate draws again past a degenerate prand */
	const uint8_t script[6] = { 0xff, 0xff, 0xff, 0x94, 0x81, 0x70 };
	struct fixed f = { script, 6, 0, 0 };
	struct bh_env env = { .random = fixed_fill, .random_ctx = &f };
	assert_int_equal(bh_rpa_generate(&env, irk, &a), BH_OK);
	assert_int_equal(f.calls, 2);
	assert_memory_equal(a.val, V_ah_expected_rpa_hci_wire_order, 6);
	assert_true(bh_rpa_resolve(irk, &a));
	/* a stuck source is reported, not looped on forever */
	struct fixed stuck = { zeros, 3, 0, 0 };
	env.random_ctx = &stuck;
	assert_int_equal(bh_rpa_generate(&env, irk, &a), BH_EIO);
}

static void test_rpa_generate_random(void **state)
{
	(void)state;
	struct bh_xrand xr;
	bh_xrand_seed(&xr, 7);
	struct bh_env env = { .random = bh_xrand_fill, .random_ctx = &xr };
	uint8_t irk[16];
	bh_swap(irk, V_ah_inputs_IRK, 16);
	bh_addr prev = { 0 };
	for (int i = 0; i < 100; i++) {
		bh_addr a;
		assert_int_equal(bh_rpa_generate(&env, irk, &a), BH_OK);
		assert_int_equal(bh_addr_random_kind(&a), BH_RANDOM_RPA);
		assert_true(bh_rpa_resolve(irk, &a));
		assert_false(bh_addr_eq(&a, &prev));
		prev = a;
	}
}

static void test_static_addr(void **state)
{
	(void)state;
	struct bh_xrand xr;
	bh_xrand_seed(&xr, 9);
	struct bh_env env = { .random = bh_xrand_fill, .random_ctx = &xr };
	for (int i = 0; i < 100; i++) {
		bh_addr a;
		assert_int_equal(bh_static_addr_generate(&env, &a), BH_OK);
		assert_int_equal(a.type, BH_ADDR_RANDOM);
		assert_int_equal(bh_addr_random_kind(&a), BH_RANDOM_STATIC);
		assert_true(bh_static_addr_valid(&a));
	}
	/* all-ones random part is refused: the source's first draw is all 0xff */
	const uint8_t script[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6 };
	struct fixed f = { script, 12, 0, 0 };
	env.random = fixed_fill;
	env.random_ctx = &f;
	bh_addr a;
	assert_int_equal(bh_static_addr_generate(&env, &a), BH_OK);
	assert_int_equal(f.calls, 2);
	assert_int_equal(a.val[0], 1);
	assert_int_equal(a.val[5], 0xc6);
	/* all zeros forever: BH_EIO */
	const uint8_t z[1] = { 0 };
	struct fixed fz = { z, 1, 0, 0 };
	env.random_ctx = &fz;
	assert_int_equal(bh_static_addr_generate(&env, &a), BH_EIO);
	/* validity check */
	bh_addr bad = { BH_ADDR_RANDOM, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	assert_false(bh_static_addr_valid(&bad));
	bad.val[0] = 0xfe;
	assert_true(bh_static_addr_valid(&bad));
	bad.type = BH_ADDR_PUBLIC;
	assert_false(bh_static_addr_valid(&bad));
	bh_addr rpa = rnd_addr(V_ah_expected_rpa_msb_first);
	assert_false(bh_static_addr_valid(&rpa));
}

static void test_nrpa(void **state)
{
	(void)state;
	/* first draw equals the public address (after masking), second is all
	 * zeros, third is good */
	const uint8_t script[18] = { 1, 2, 3, 4, 5, 0x06, 0, 0, 0, 0, 0, 0xc0, 9, 8, 7, 6, 5, 0xc4 };
	struct fixed f = { script, 18, 0, 0 };
	struct bh_env env = { .random = fixed_fill, .random_ctx = &f };
	bh_addr pub = { BH_ADDR_PUBLIC, { 1, 2, 3, 4, 5, 6 } };
	bh_addr a;
	assert_int_equal(bh_nrpa_generate(&env, &pub, &a), BH_OK);
	assert_int_equal(f.calls, 3);
	assert_int_equal(a.type, BH_ADDR_RANDOM);
	assert_int_equal(bh_addr_random_kind(&a), BH_RANDOM_NRPA);
	assert_int_equal(a.val[0], 9);
	assert_int_equal(a.val[5], 0x04);
	/* without a public address the first draw is fine */
	f.pos = 0;
	f.calls = 0;
	assert_int_equal(bh_nrpa_generate(&env, NULL, &a), BH_OK);
	assert_int_equal(f.calls, 1);
	assert_int_equal(bh_nrpa_generate(NULL, NULL, &a), BH_EINVAL);
}

static void test_resolver_table(void **state)
{
	(void)state;
	struct bh_resolver *r = bh_resolver_new(2);
	assert_non_null(r);
	assert_null(bh_resolver_new(0));
	uint8_t irk[16], irk2[16], got_irk[16];
	bh_swap(irk, V_ah_inputs_IRK, 16);
	memcpy(irk2, irk, 16);
	irk2[3] ^= 0x5a;
	bh_addr id1 = { BH_ADDR_PUBLIC, { 1, 2, 3, 4, 5, 6 } };
	bh_addr id2 = { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } };
	bh_addr id3 = { BH_ADDR_PUBLIC, { 9, 9, 9, 9, 9, 9 } };
	bh_addr rpa = rnd_addr(V_ah_expected_rpa_msb_first);
	bh_addr got;

	assert_int_equal(bh_resolver_find(r, &rpa, &got, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_resolver_add(r, &id2, irk2), BH_OK);
	assert_int_equal(bh_resolver_find(r, &rpa, &got, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_resolver_add(r, &id1, irk), BH_OK);
	assert_int_equal(bh_resolver_count(r), 2);
	assert_int_equal(bh_resolver_find(r, &rpa, &got, got_irk), BH_OK);
	assert_true(bh_addr_eq(&got, &id1));
	assert_memory_equal(got_irk, irk, 16);
	/* full */
	assert_int_equal(bh_resolver_add(r, &id3, irk), BH_ENOSPACE);
	/* re-adding an identity replaces its IRK rather than taking a slot */
	assert_int_equal(bh_resolver_add(r, &id1, irk2), BH_OK);
	assert_int_equal(bh_resolver_count(r), 2);
	assert_int_equal(bh_resolver_find(r, &rpa, &got, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_resolver_add(r, &id1, irk), BH_OK);
	/* bad entries */
	uint8_t zero[16] = { 0 };
	assert_int_equal(bh_resolver_add(r, &id3, zero), BH_EINVAL);
	bh_addr not_static = { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0x46 } };
	assert_int_equal(bh_resolver_add(r, &not_static, irk), BH_EINVAL);
	/* remove: the other entry survives and still resolves */
	assert_int_equal(bh_resolver_remove(r, &id2), BH_OK);
	assert_int_equal(bh_resolver_remove(r, &id2), BH_ENOTFOUND);
	assert_int_equal(bh_resolver_count(r), 1);
	assert_int_equal(bh_resolver_find(r, &rpa, &got, NULL), BH_OK);
	/* a static or public address is never "resolved" */
	bh_addr st = rnd_addr(V_ah_rpa_resolution_cases_2_addr);
	assert_int_equal(bh_resolver_find(r, &st, &got, NULL), BH_ENOTFOUND);
	bh_resolver_clear(r);
	assert_int_equal(bh_resolver_count(r), 0);
	assert_int_equal(bh_resolver_find(r, &rpa, NULL, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_resolver_find(NULL, &rpa, NULL, NULL), BH_EINVAL);
	bh_resolver_free(r);
	bh_resolver_free(NULL);
}

/* The table's memory grows as entries come, never past its maximum, and
 * every entry stays findable across each growth. */
static void test_resolver_grows(void **state)
{
	(void)state;
	assert_null(bh_resolver_new(4097));
	struct bh_resolver *r = bh_resolver_new(4096);
	assert_non_null(r);
	uint8_t irk[16], other[16];
	bh_swap(irk, V_ah_inputs_IRK, 16);
	bh_addr rpa = rnd_addr(V_ah_expected_rpa_msb_first), got;
	for (unsigned i = 0; i < 100; i++) {
		bh_addr id = { BH_ADDR_PUBLIC, { (uint8_t)i, 1, 2, 3, 4, 5 } };
		memcpy(other, irk, 16);
		other[0] = (uint8_t)(other[0] ^ (i + 1));
		assert_int_equal(bh_resolver_add(r, &id, i == 77 ? irk : other), BH_OK);
	}
	assert_int_equal(bh_resolver_count(r), 100);
	assert_int_equal(bh_resolver_find(r, &rpa, &got, NULL), BH_OK);
	assert_int_equal(got.val[0], 77);
	bh_resolver_free(r);

	/* A maximum that is not a step of the growth still holds whole. */
	r = bh_resolver_new(5);
	for (unsigned i = 0; i < 6; i++) {
		bh_addr id = { BH_ADDR_PUBLIC, { (uint8_t)i, 1, 2, 3, 4, 5 } };
		assert_int_equal(bh_resolver_add(r, &id, i == 4 ? irk : other),
				 i < 5 ? BH_OK : BH_ENOSPACE);
	}
	assert_int_equal(bh_resolver_find(r, &rpa, &got, NULL), BH_OK);
	assert_int_equal(got.val[0], 4);
	bh_resolver_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpa_make_matches_vector),
		cmocka_unit_test(test_rpa_resolution_cases),
		cmocka_unit_test(test_rpa_degenerate_prand_refused),
		cmocka_unit_test(test_rpa_generate_random),
		cmocka_unit_test(test_static_addr),
		cmocka_unit_test(test_nrpa),
		cmocka_unit_test(test_resolver_table),
		cmocka_unit_test(test_resolver_grows),
	};
	return cmocka_run_group_tests_name("privacy", tests, NULL, NULL);
}
