/* The links' ATT bearers on the host's one stack loop source (host.c,
 * host_lower.c): their deadlines are walked up to the links in use, and
 * their timeouts run from that source. A whole host on the fake controller
 * of tests/faults; the host's clock and its loop's are moved by the test
 * (white box: struct bh_host), so ATT's 30 s transaction timeout takes no
 * real time. */
#include "fake_host.h"

#include <blehost/gatt_client.h>
#include <blehost/host.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"

static bh_time_ms offset; /* what the test added to the real clock */
static bh_time_ms test_now(void *ctx)
{
	(void)ctx;
	return bh_monotonic_ms(NULL) + offset;
}

struct op {
	unsigned calls;
	bool done;
	bh_status st;
};

static void on_op(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct op *o = ctx;
	(void)res;
	o->calls++;
	o->st = st;
	o->done = true;
}

static void wait_connected(struct fake_host *fh, unsigned n)
{
	for (int i = 0; i < 100 && fh->connected < n; i++)
		fake_run(fh->f, 10);
	assert_int_equal(fh->connected, n);
}

/* Link A in slot 0 and B in slot 1; A goes. A request on B, never
 * answered: its timer counts (the walk does not stop at the free slot 0)
 * and fires 30 s later, from the stack's source. */
static void test_att_timeout_behind_freed_slot(void **state)
{
	(void)state;
	struct fake_host fh;
	fake_host_init(&fh, "HOST_ATT_VERBOSE", BH_LOG_ERROR);
	struct bh_host_config cfg;
	fake_host_config(&fh, &cfg, 5);
	struct bh_host_events ev;
	fake_host_events(&fh, &ev);
	fake_host_start(&fh, &cfg, &ev);
	offset = 0;
	bh_loop_set_clock(fh.loop, test_now, NULL);
	fh.h->env.now = test_now;
	fh.h->env.now_ctx = NULL;

	fake_att_autoreply(fh.f, 0x0040);
	fake_att_autoreply(fh.f, 0x0041);
	assert_int_equal(fake_connect_handle(fh.f, 0x0040, true), 0);
	wait_connected(&fh, 1);
	assert_int_equal(fake_connect_handle(fh.f, 0x0041, true), 0);
	wait_connected(&fh, 2);
	fake_run(fh.f, 100); /* what the host sends on a new link is answered */
	assert_int_equal(host_att_deadline(fh.h), BH_NEVER);
	assert_non_null(host_conn_find(fh.h, 0x0041));
	assert_ptr_equal(fh.h->conns[1], host_conn_find(fh.h, 0x0041));

	fake_fault_now(fh.f, 0x0040, FAKE_DISCONNECT);
	for (int i = 0; i < 100 && !fh.disconnected; i++)
		fake_run(fh.f, 10);
	assert_int_equal(fh.disconnected, 1);
	assert_null(host_conn_find(fh.h, 0x0040));

	fake_att_autoreply_stop(fh.f, 0x0041);
	static struct op o; /* static: the host may complete it at teardown */
	memset(&o, 0, sizeof(o));
	bh_time_ms asked = test_now(NULL);
	assert_int_equal(bh_gattc_read(bh_host_gattc(fh.h, 0x0041), 0x0003, on_op, &o), 0);
	fake_run(fh.f, 50);
	assert_false(o.done);
	bh_time_ms d = host_att_deadline(fh.h);
	assert_true(d >= asked + 30000 && d <= test_now(NULL) + 30000);
	assert_int_equal(host_stack_deadline(fh.h), d);

	offset += 30000 + 100;
	assert_true(fake_run_until(fh.f, &o.done, 2000));
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.st, BH_ETIMEDOUT);
	fake_host_fini(&fh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_att_timeout_behind_freed_slot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
