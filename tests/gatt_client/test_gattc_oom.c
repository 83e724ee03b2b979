/* The GATT client's tree (services, characteristics, descriptors,
 * includes) grows as discovery finds it. Every allocation of a discovery is
 * failed in turn (the linker wraps the allocator for this test only): the
 * app gets BH_ENOMEM, the client stays usable, and a discovery with memory
 * back finds the whole database; the sanitizer build checks nothing
 * leaks. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_alloc_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
