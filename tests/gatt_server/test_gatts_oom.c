/* GATT server out-of-memory paths: every allocation the server makes is
 * failed in turn (the linker wraps malloc/calloc/realloc for this test
 * only), and each failure must leave a clean error and an unchanged
 * database; the sanitizer build checks nothing leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gatts_fake.h"

#include "fail_alloc.h"

static void test_new_fails_cleanly(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	bool made = false;
	for (long k = 0; k < 10000 && !made; k++) {
		fail_after = k;
		failures = 0;
		struct bh_gatts *s = fake_server(&f, NULL);
		fail_after = -1;
		if (s) {
			made = true;
			assert_int_equal(failures, 0);
		} else {
			assert_true(failures >= 1);
		}
		fake_free(&f);
	}
	assert_true(made);
}

static void test_add_fails_cleanly(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	uint8_t h0[16];
	bh_gatts_db_hash(f.s, h0);
	bool added = false;
	unsigned nfail = 0;
	for (long k = 0; k < 10000 && !added; k++) {
		memset(&demo_app, 0, sizeof(demo_app));
		fail_after = k;
		bh_status st = bh_gatts_add_services(f.s, demo_svcs, 2);
		fail_after = -1;
		if (st == BH_OK) {
			added = true;
			break;
		}
		nfail++;
		assert_int_equal(st, BH_ENOMEM);
		/* Nothing of it is in the database, the hash is unchanged. */
		assert_int_equal(bh_gatts_service_handle(f.s, &demo_svcs[0]), 0);
		assert_int_equal(bh_gatts_service_handle(f.s, &demo_svcs[1]), 0);
		uint8_t h[16];
		bh_gatts_db_hash(f.s, h);
		assert_memory_equal(h, h0, 16);
	}
	assert_true(added);
	assert_true(nfail >= 3); /* ranges, attribute values, merge, hash buffer */
	/* What was added works and its hash is what a clean add gives. */
	struct fake g;
	fake_init(&g);
	assert_non_null(fake_server(&g, NULL));
	assert_int_equal(bh_gatts_add_services(g.s, demo_svcs, 2), BH_OK);
	uint8_t ha[16], hb[16];
	bh_gatts_db_hash(f.s, ha);
	bh_gatts_db_hash(g.s, hb);
	assert_memory_equal(ha, hb, 16);
	/* Removal needs no memory at all. */
	fail_after = 0;
	assert_int_equal(bh_gatts_remove_service(f.s, 14), BH_OK);
	fail_after = -1;
	fake_free(&g);
	fake_free(&f);
}

/* The prepare-write queue is made on a connection's first Prepare Write:
 * when that allocation fails the peer gets Insufficient Resources (Core
 * Vol 3, Part F, 3.4.1.1), nothing is queued, and the next Prepare Write
 * (memory back) works as if the failure never happened. */
static void test_prepare_queue_alloc_fails(void **state)
{
	(void)state;
	struct fake f;
	fake_demo_linked(&f);
	failures = 0;
	fail_after = 0;
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, 19, 0, 0, 0, 'a');
	fail_after = -1;
	assert_int_equal(failures, 1);
	fake_expect_error(r, BH_ATT_PREP_WRITE_REQ, 19, BH_ATT_E_INSUFF_RESOURCES);
	/* Nothing was queued: executing writes nothing. */
	r = REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b\x01\x02\x03", 4);
	/* With memory back the queue is made and used. */
	r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, 19, 0, 0, 0, 'z');
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	r = REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b" "z", 2);
	bh_gatts_disconnected(f.s, 1);
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_fails_cleanly),
		cmocka_unit_test(test_add_fails_cleanly),
		cmocka_unit_test(test_prepare_queue_alloc_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
