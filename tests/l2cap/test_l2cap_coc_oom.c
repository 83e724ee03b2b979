/* LE credit-based channels' SDU buffers are made on use: none at
 * bh_l2cap_new, two per slot when a channel first takes it, kept for the
 * next channel; when they cannot be made, our own connect fails with
 * BH_ENOMEM and a peer's request gets No Resources, nothing leaks and the
 * next attempt works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fail_alloc.h"
#include "l2cap_harness.h"

#define SPSM 0x0080

/* Blocks of the channels' SDU size (small_cfg's coc_mtu) asked for since
 * alloc_count was `since`, from the allocator's log. */
static unsigned sdu_blocks_since(unsigned since)
{
	unsigned n = 0;
	for (unsigned k = since; k < alloc_count; k++)
		if (alloc_log[k % FAIL_ALLOC_LOG].n == 100)
			n++;
	return n;
}

/* Two linked nodes, b serving SPSM, with no allocation failing. */
static void linked_pair(struct node *a, struct node *b)
{
	fail_after = -1;
	node_init(a, BH_L2CAP_CENTRAL);
	node_init(b, BH_L2CAP_PERIPHERAL);
	link_nodes(a, b);
	assert_int_equal(bh_l2cap_coc_register(b->l2, SPSM), 0);
}

static void test_buffers_made_on_use(void **state)
{
	(void)state;
	unsigned before = alloc_count;
	struct node a, b;
	linked_pair(&a, &b); /* max_channels 8 by default */
	assert_true(alloc_count - before < FAIL_ALLOC_LOG);
	assert_int_equal(sdu_blocks_since(before), 0);

	uint16_t cid;
	before = alloc_count;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_OK);
	assert_int_equal(sdu_blocks_since(before), 4); /* two each side */

	/* Closed and opened again: the slot's buffers are reused. */
	assert_int_equal(bh_l2cap_coc_disconnect(a.l2, H, cid), 0);
	pump(&a, &b);
	assert_int_equal(a.ndisc, 1);
	before = alloc_count;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_OK);
	assert_int_equal(alloc_count, before);
	bh_l2cap_free(a.l2);
	bh_l2cap_free(b.l2);
}

static void test_our_connect_without_memory(void **state)
{
	(void)state;
	struct node a, b;
	linked_pair(&a, &b);
	uint16_t cid;
	for (long k = 0; k < 2; k++) { /* the first buffer, then the second */
		fail_after = k;
		failures = 0;
		assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), BH_ENOMEM);
		assert_int_equal(failures, 1);
		assert_int_equal(a.nf, 0); /* nothing went out */
	}
	fail_after = -1;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_OK);
	assert_int_equal(a.nconnected, 1);
	bh_l2cap_free(a.l2);
	bh_l2cap_free(b.l2);
}

static void test_peer_request_without_memory(void **state)
{
	(void)state;
	struct node a, b;
	linked_pair(&a, &b);
	uint16_t cid;
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	/* a's request is out; b cannot make its buffers when it arrives. */
	uint8_t f[700];
	size_t len = pop(&a, f);
	fail_after = 0;
	failures = 0;
	bh_l2cap_on_acl(b.l2, H, f, len);
	assert_true(failures >= 1);
	fail_after = -1;
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_L2CAP_RESULT(BH_L2CAP_LE_NO_RESOURCES));
	assert_int_equal(b.nconnected, 0);
	/* Memory back: the same request succeeds (no slot was lost). */
	assert_int_equal(bh_l2cap_coc_connect(a.l2, H, SPSM, &cid), 0);
	pump(&a, &b);
	assert_int_equal(a.conn_status, BH_OK);
	assert_int_equal(b.nconnected, 1);
	bh_l2cap_free(a.l2);
	bh_l2cap_free(b.l2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffers_made_on_use),
		cmocka_unit_test(test_our_connect_without_memory),
		cmocka_unit_test(test_peer_request_without_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
