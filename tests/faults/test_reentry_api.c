/* Public calls that run an application callback before they return, and
 * that callback calling back into the API (suite 'faults'), against the
 * fake controller, under ASan in CI's sanitizer phase.
 *
 * send_fails_in_read: a call that sends (here bh_gattc_read) on a transport
 * whose peer has gone. The write fails inside the call; the controller is
 * lost there and then, and the application hears events.disconnected and
 * events.fatal before the call returns.
 *
 * cancel_reenters: bh_gattc_cancel completes operations with BH_ECANCELLED
 * before it returns; their callbacks start new operations with the same
 * context and cancel again. Each operation completes exactly once, the
 * outer cancel touches none of the new ones, and they run afterwards. */
#include "fake_host.h"

#include <blehost/gatt_client.h>
#include <blehost/host.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned reads, cancelled, ok;
	bh_status read_status;
	/* cancel_reenters: what the completions do. */
	unsigned restart; /* how many completions start a new read with the same ctx */
	unsigned inner_cancels;
	unsigned inner_cancelled;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "REENTRY_VERBOSE", BH_LOG_WARN);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 7);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	fake_host_start(&x->fh, &cfg, &ev);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	fake_host_fini(&x->fh);
	free(x);
	return 0;
}

static void link_up(struct fx *x)
{
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->fh.connected, 1);
}

static void read_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct fx *x = ctx;
	(void)res;
	x->reads++;
	x->read_status = st;
}

/* The peer of the transport is gone and the loop has not seen it yet: the
 * read's request is written at once and the write fails. The loss tears
 * every link down, freeing the link's client and bearer; done inside
 * bh_gattc_read, that was while the call was still running in them (a use
 * after free, seen under ASan). The write now counts as a packet lost and
 * the loss is handled by the loop: the call returns BH_OK having called
 * nothing, and the read then completes once, with the loss. */
static void send_fails_in_read(void **state)
{
	struct fx *x = *state;
	link_up(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE);
	assert_non_null(g);
	fake_close_link(x->fh.f);
	assert_int_equal(bh_gattc_read(g, 3, read_done, x), BH_OK);
	assert_int_equal(x->reads, 0);
	assert_int_equal(x->fh.fatal, 0);
	assert_int_equal(x->fh.disconnected, 0);
	/* A second call before the loop ran: its packet is lost as well. */
	assert_int_equal(bh_gattc_read(g, 3, read_done, x), BH_OK);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->reads, 2);
	assert_int_equal(x->read_status, BH_ETRANSPORT);
	assert_int_equal(x->fh.fatal, 1);
	assert_int_equal(x->fh.last_fatal, BH_ETRANSPORT);
	assert_int_equal(x->fh.disconnected, 1);
	assert_null(bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE));
	assert_int_equal(bh_host_lost(x->fh.h), BH_ETRANSPORT);
}

/* The same with a Write Command (sent at once, queued nowhere): BH_OK, the
 * packet lost, the loss from the loop. */
static void send_fails_in_write_cmd(void **state)
{
	struct fx *x = *state;
	link_up(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE);
	assert_non_null(g);
	fake_close_link(x->fh.f);
	const uint8_t v[2] = { 1, 2 };
	assert_int_equal(bh_gattc_write_cmd(g, 3, v, sizeof(v)), BH_OK);
	assert_int_equal(x->fh.fatal, 0);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->fh.fatal, 1);
	assert_int_equal(x->fh.disconnected, 1);
	assert_null(bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE));
}

/* The loss waiting for the loop when the host is freed: the free completes
 * the read with BH_ERESET and the timer goes with the host (ASan: no
 * timer left calling into freed memory, no leak). */
static void send_fails_then_free(void **state)
{
	struct fx *x = *state;
	link_up(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE);
	assert_non_null(g);
	fake_close_link(x->fh.f);
	assert_int_equal(bh_gattc_read(g, 3, read_done, x), BH_OK);
	bh_host_free(x->fh.h);
	x->fh.h = NULL;
	assert_int_equal(x->reads, 1);
	assert_int_equal(x->read_status, BH_ERESET);
	bh_loop_iterate(x->fh.loop, 0);
	assert_int_equal(x->reads, 1);
}

struct reent {
	struct fx *x;
	struct bh_gattc *g;
};

static struct reent R;

static void cancel_cb(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct fx *x = R.x;
	(void)res;
	assert_ptr_equal(ctx, &R);
	x->reads++;
	if (st == BH_ECANCELLED)
		x->cancelled++;
	else if (st == BH_OK)
		x->ok++;
	if (st != BH_ECANCELLED || !x->restart)
		return;
	x->restart--;
	/* A new read with the same ctx: the cancel running now must not touch
	 * it. Then a nested cancel for the same ctx: it cancels that new read
	 * only (the outer one's victims are no longer queued). */
	assert_int_equal(bh_gattc_read(R.g, 3, cancel_cb, &R), BH_OK);
	if (x->inner_cancels) {
		x->inner_cancels--;
		x->inner_cancelled += bh_gattc_cancel(R.g, &R);
	}
}

static void cancel_reenters(void **state)
{
	struct fx *x = *state;
	link_up(x);
	R.x = x;
	R.g = bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE);
	assert_non_null(R.g);
	fake_att_autoreply(x->fh.f, FAKE_CONN_HANDLE);
	/* The loop does not run: the first read's request is out, its answer
	 * not read yet; two more are queued. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(bh_gattc_read(R.g, 3, cancel_cb, &R), BH_OK);
	assert_int_equal(x->reads, 0);
	x->restart = 3;
	x->inner_cancels = 1;
	unsigned n = bh_gattc_cancel(R.g, &R);
	assert_int_equal(n, 3);
	/* 3 cancelled by the outer call, 1 by the nested one (the read the
	 * first completion started; its own completion started another, and
	 * so on until restart ran out). */
	assert_int_equal(x->inner_cancelled, 1);
	assert_int_equal(x->cancelled, 4);
	assert_int_equal(x->reads, 4);
	/* The reads started by the last completions are still to run (the
	 * answer to the cancelled request is dropped). */
	fake_run(x->fh.f, 200);
	assert_int_equal(x->cancelled, 4);
	assert_int_equal(x->ok, 2);
	assert_int_equal(x->reads, 6);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(send_fails_in_read, setup, teardown),
		cmocka_unit_test_setup_teardown(send_fails_in_write_cmd, setup, teardown),
		cmocka_unit_test_setup_teardown(send_fails_then_free, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_reenters, setup, teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
