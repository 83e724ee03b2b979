/* What the host refuses from inside its callbacks (suite 'faults'),
 * against the fake controller.
 *
 * bh_host_free. The layers that called the
 * application are still below it on the stack and go on after it returns,
 * so freeing them there was a use after free (seen under ASan). The host
 * refuses with an error line and keeps serving; the application frees it
 * once the loop has returned, and that free releases everything (ASan's
 * leak check in CI's sanitizer phase). A callback run by bh_host_free
 * itself (a pending read completing with BH_ERESET) that frees again is
 * refused too, not a double free.
 *
 * The blocking helpers and bh_host_run. Running the loop again from inside
 * one of its callbacks processed packets in the middle of another's
 * handling (the transport's parser, a layer's half-done event) and out of
 * order. They return BH_EBUSY there at once, start nothing and log why;
 * called again once the callback has returned, they work. */
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
	unsigned refused;    /* "bh_host_free called from ..." lines */
	unsigned reads;
	bh_status read_status;
	bool free_on_disconnect, free_on_connect;
	bool sync_on_connect;
	int sync_rc, run_rc;
	unsigned nested; /* "blocking call from inside a loop callback" lines */
};

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct fx *x = ctx;
	(void)layer;
	if (lvl == BH_LOG_ERROR && strstr(msg, "bh_host_free called from one of the host's"))
		x->refused++;
	if (lvl == BH_LOG_ERROR && strstr(msg, "blocking call from inside a loop callback"))
		x->nested++;
}

static void ev_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct fx *x = ctx;
	(void)central;
	(void)peer;
	x->fh.connected++;
	x->fh.conn = handle;
	if (x->free_on_connect)
		bh_host_free(x->fh.h);
	if (x->sync_on_connect) {
		uint8_t v[8];
		size_t n = 0;
		x->sync_rc = bh_host_read_sync(x->fh.h, handle, 3, v, sizeof(v), &n);
		x->run_rc = bh_host_run(x->fh.h);
		bh_host_run_for(x->fh.h, 1000);
	}
}

static void ev_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct fx *x = ctx;
	(void)handle;
	x->fh.disconnected++;
	x->fh.disc_reason = reason;
	if (x->free_on_disconnect)
		bh_host_free(x->fh.h);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "FREE_IN_CB_VERBOSE", BH_LOG_WARN);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.log = ev_log;
	ev.connected = ev_connected;
	ev.disconnected = ev_disconnected;
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

static void link_gone(struct fx *x)
{
	const uint8_t dc[4] = { 0, (uint8_t)FAKE_CONN_HANDLE, FAKE_CONN_HANDLE >> 8, 0x13 };
	assert_int_equal(fake_event(x->fh.f, 0x05, dc, sizeof(dc)), 0);
	fake_run(x->fh.f, 50);
}

/* The host serves on: a new link reads a value. */
static void still_serving(struct fx *x, unsigned links)
{
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->fh.connected, links);
	fake_att_autoreply(x->fh.f, FAKE_CONN_HANDLE);
	uint8_t v[8];
	size_t n = 0;
	assert_int_equal(bh_host_read_sync(x->fh.h, FAKE_CONN_HANDLE, 3, v, sizeof(v), &n), BH_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "ok", 2);
}

static void free_from_disconnected(void **state)
{
	struct fx *x = *state;
	x->free_on_disconnect = true;
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->fh.connected, 1);
	link_gone(x);
	assert_int_equal(x->fh.disconnected, 1);
	assert_int_equal(x->refused, 1);
	x->free_on_disconnect = false;
	still_serving(x, 2);
}

static void free_from_connected(void **state)
{
	struct fx *x = *state;
	x->free_on_connect = true;
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->fh.connected, 1);
	assert_int_equal(x->refused, 1);
	x->free_on_connect = false;
	link_gone(x);
	still_serving(x, 2);
}

static void read_frees(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct fx *x = ctx;
	(void)res;
	x->reads++;
	x->read_status = st;
	bh_host_free(x->fh.h);
}

/* An operation's completion (the GATT client's, under the host's
 * transport callback). */
static void free_from_read_done(void **state)
{
	struct fx *x = *state;
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	fake_run(x->fh.f, 50);
	fake_att_autoreply(x->fh.f, FAKE_CONN_HANDLE);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE);
	assert_non_null(g);
	assert_int_equal(bh_gattc_read(g, 3, read_frees, x), BH_OK);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->reads, 1);
	assert_int_equal(x->read_status, BH_OK);
	assert_int_equal(x->refused, 1);
	link_gone(x);
	still_serving(x, 2);
}

/* bh_host_free completes the pending read with BH_ERESET; the read's
 * callback frees again: refused, and the first free finishes. */
static void free_from_free(void **state)
{
	struct fx *x = *state;
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	fake_run(x->fh.f, 50);
	/* No autoreply: the read stays pending. */
	struct bh_gattc *g = bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE);
	assert_non_null(g);
	assert_int_equal(bh_gattc_read(g, 3, read_frees, x), BH_OK);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->reads, 0);
	/* The log callback still works while the host frees itself. */
	bh_host_free(x->fh.h);
	x->fh.h = NULL;
	assert_int_equal(x->reads, 1);
	assert_int_equal(x->read_status, BH_ERESET);
	assert_int_equal(x->refused, 1);
}

/* A read helper, bh_host_run and bh_host_run_for from the connected
 * event: refused at once, nothing sent; the same read after it works. */
static void sync_from_connected(void **state)
{
	struct fx *x = *state;
	x->sync_on_connect = true;
	fake_att_autoreply(x->fh.f, FAKE_CONN_HANDLE);
	unsigned att = fake_att_count(x->fh.f);
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->fh.connected, 1);
	assert_int_equal(x->sync_rc, BH_EBUSY);
	assert_int_equal(x->run_rc, BH_EBUSY);
	assert_int_equal(x->nested, 3);
	assert_int_equal(fake_att_count(x->fh.f), att);
	x->sync_on_connect = false;
	uint8_t v[8];
	size_t n = 0;
	assert_int_equal(bh_host_read_sync(x->fh.h, FAKE_CONN_HANDLE, 3, v, sizeof(v), &n), BH_OK);
	assert_memory_equal(v, "ok", 2);
}

/* Any callback of the loop counts, not only the host's own: work posted
 * to the loop that calls a helper. */
static void posted_sync(void *arg)
{
	struct fx *x = arg;
	x->sync_rc = bh_host_start_sync(x->fh.h, 1000);
}

static void sync_from_posted_work(void **state)
{
	struct fx *x = *state;
	x->sync_rc = 1;
	assert_int_equal(bh_loop_post(x->fh.loop, posted_sync, x), 0);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->sync_rc, BH_EBUSY);
	assert_int_equal(x->nested, 1);
	still_serving(x, 1);
}

/* The first bring-up on a controller whose socket is already gone: the
 * HCI Reset cannot be written, events.fatal runs inside bh_host_start,
 * and frees there. Refused; the start returns; the free after it works.
 * The fatal event comes once: the failed send used to raise it again
 * after the transport had reported its loss. */
static void fatal_frees(void *ctx, bh_status st)
{
	struct fx *x = ctx;
	x->fh.fatal++;
	x->fh.last_fatal = st;
	bh_host_free(x->fh.h);
}

static void free_from_fatal_in_start(void **state)
{
	(void)state;
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "FREE_IN_CB_VERBOSE", BH_LOG_WARN);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.log = ev_log;
	ev.fatal = fatal_frees;
	char err[256] = "";
	x->fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	assert_non_null(x->fh.h);
	assert_int_equal(fake_accept(x->fh.f, x->fh.loop), 0);
	fake_close_link(x->fh.f);
	/* The start itself only queued the Reset: the loss is its event. */
	assert_int_equal(bh_host_start(x->fh.h), BH_OK);
	assert_int_equal(x->fh.fatal, 1); /* once: the transport's loss, not the send again */
	assert_int_equal(x->refused, 1);
	fake_host_fini(&x->fh);
	free(x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(free_from_disconnected, setup, teardown),
		cmocka_unit_test_setup_teardown(free_from_connected, setup, teardown),
		cmocka_unit_test_setup_teardown(free_from_read_done, setup, teardown),
		cmocka_unit_test_setup_teardown(free_from_free, setup, teardown),
		cmocka_unit_test_setup_teardown(sync_from_connected, setup, teardown),
		cmocka_unit_test_setup_teardown(sync_from_posted_work, setup, teardown),
		cmocka_unit_test(free_from_fatal_in_start),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
