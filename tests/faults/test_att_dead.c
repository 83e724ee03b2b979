/* Calls on a link whose ATT bearer timed out, made before its
 * Disconnection Complete (suite 'faults'), against the fake controller in
 * virtual time. A transaction not done within 30 s fails, and no more ATT
 * PDUs go out on that bearer (Vol 3, Part F, 3.3.3); the host ends the
 * link itself (0x13), but until the controller says the link is gone the
 * application may still call. Each such call must say the bearer timed
 * out (BH_ETIMEDOUT), as the call that waited did, not a bare "not
 * allowed in the current state" (BH_ESTATE) nor "no such characteristic"
 * (BH_ENOTFOUND) from the tree the failed discovery left empty; and send
 * nothing. Once the link is gone, they say that instead. */
#include "fake_host.h"

#include <blehost/att.h>
#include <blehost/gatt_client.h>
#include <blehost/gatt_server.h>
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
	unsigned disconnects; /* Disconnect commands the fake swallowed */
	unsigned ind_done;
	bh_status ind_status;
};

/* The controller takes the host's Disconnect (Command Status) and holds
 * its Disconnection Complete until the test sends it. */
static bool hold_disconnect(void *ctx, struct fake *f, uint16_t op, const uint8_t *p, size_t len)
{
	struct fx *x = ctx;
	(void)p;
	(void)len;
	if (op != 0x0406)
		return false;
	x->disconnects++;
	uint8_t st[4] = { 0, 1, 0x06, 0x04 };
	fake_event(f, 0x0f, st, sizeof(st));
	return true;
}

static void ev_indication_done(void *ctx, uint16_t conn, uint16_t vh, bh_status st)
{
	struct fx *x = ctx;
	(void)conn;
	(void)vh;
	x->ind_done++;
	x->ind_status = st;
}

static const struct bh_gatt_chr_def chr[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37),
	  .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY | BH_GATT_CHR_INDICATE,
	  .initial = "hr", .initial_len = 2 },
};
static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0x180d), .chrs = chr,
					    .num_chrs = 1 };

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "ATT_DEAD_VERBOSE", (enum bh_log_level)-1);
	fake_set_command_hook(x->fh.f, hold_disconnect, x);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 9);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.indication_done = ev_indication_done;
	char err[256] = "";
	x->fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	assert_non_null(x->fh.h);
	assert_int_equal(fake_accept(x->fh.f, x->fh.loop), 0);
	fake_host_virtual_time(&x->fh);
	assert_int_equal(bh_gatts_add_services(bh_host_gatt_server(x->fh.h), &svc, 1), BH_OK);
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), BH_OK);
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

static void connect(struct fx *x, bool central)
{
	assert_int_equal(fake_connect(x->fh.f, central), 0);
	fake_run(x->fh.f, 20);
	assert_int_equal(x->fh.connected, 1);
}

/* The link ends at the controller now (Disconnection Complete, 0x16 as
 * for the host's own Disconnect). */
static void link_gone(struct fx *x)
{
	const uint8_t dc[4] = { 0, (uint8_t)FAKE_CONN_HANDLE, FAKE_CONN_HANDLE >> 8, 0x16 };
	assert_int_equal(fake_event(x->fh.f, 0x05, dc, sizeof(dc)), 0);
	fake_run(x->fh.f, 20);
	assert_int_equal(x->fh.disconnected, 1);
}

static void on_read(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	(void)ctx;
	(void)st;
	(void)res;
	fail_msg("a call that returned an error called back");
}

static void on_notify(void *ctx, uint16_t vh, const uint8_t *v, size_t n, bool ind)
{
	(void)ctx, (void)vh, (void)v, (void)n, (void)ind;
}

/* As central: a read gets no answer and times out; every GATT call made
 * then, before the Disconnection Complete, says BH_ETIMEDOUT and sends
 * nothing; after it, each says the link is gone. */
static void central_calls_after_timeout(void **state)
{
	struct fx *x = *state;
	connect(x, true);
	uint16_t conn = FAKE_CONN_HANDLE;
	uint8_t v[8];
	size_t n = 0;
	/* The fake never answers: ATT's 30 s pass (virtual). */
	assert_int_equal(bh_host_read_sync(x->fh.h, conn, 3, v, sizeof(v), &n), BH_ETIMEDOUT);
	fake_run(x->fh.f, 100);
	assert_int_equal(x->disconnects, 1); /* the host ends the link... */
	assert_int_equal(x->fh.disconnected, 0); /* ...which is not gone yet */
	unsigned att = fake_att_count(x->fh.f);
	assert_int_equal(bh_host_read_sync(x->fh.h, conn, 3, v, sizeof(v), &n), BH_ETIMEDOUT);
	assert_int_equal(bh_host_write_sync(x->fh.h, conn, 3, (const uint8_t *)"w", 1, true),
			 BH_ETIMEDOUT);
	assert_int_equal(bh_host_write_sync(x->fh.h, conn, 3, (const uint8_t *)"w", 1, false),
			 BH_ETIMEDOUT);
	uint16_t mtu = 0;
	assert_int_equal(bh_host_exchange_mtu_sync(x->fh.h, conn, &mtu), BH_ETIMEDOUT);
	assert_int_equal(bh_host_discover_sync(x->fh.h, conn), BH_ETIMEDOUT);
	/* The tree is empty (no discovery): the bearer's death comes first. */
	assert_int_equal(bh_host_subscribe_sync(x->fh.h, conn, 3, false), BH_ETIMEDOUT);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, conn);
	assert_non_null(g);
	assert_int_equal(bh_gattc_read(g, 3, on_read, NULL), BH_ETIMEDOUT);
	assert_int_equal(bh_gattc_subscribe(g, 3, BH_GATTC_NOTIFY, on_notify, NULL, on_read, NULL),
			 BH_ETIMEDOUT);
	fake_run(x->fh.f, 100);
	assert_int_equal(fake_att_count(x->fh.f), att); /* nothing more went out */
	assert_int_equal(x->disconnects, 1);

	link_gone(x);
	int rc = bh_host_read_sync(x->fh.h, conn, 3, v, sizeof(v), &n);
	assert_true(rc == BH_EDISCONNECTED || rc == BH_HCI_STATUS(0x16));
	assert_int_equal(bh_host_subscribe_sync(x->fh.h, conn, 3, false), rc);
}

/* As peripheral: an indication is never confirmed and times out; the
 * server's notifications and indications on that link, before the
 * Disconnection Complete, say BH_ETIMEDOUT and send nothing. */
static void peripheral_calls_after_timeout(void **state)
{
	struct fx *x = *state;
	connect(x, false);
	struct bh_gatts *s = bh_host_gatt_server(x->fh.h);
	uint16_t vh = bh_gatts_value_handle(s, &chr[0]);
	const uint8_t cccd[] = { 0x12, (uint8_t)(vh + 1), (uint8_t)((vh + 1) >> 8), 0x03, 0 };
	assert_int_equal(fake_l2cap(x->fh.f, 4, cccd, sizeof(cccd)), 0);
	uint8_t pdu[32];
	assert_int_equal(fake_recv(x->fh.f, 4, pdu, sizeof(pdu), 500), 1);
	assert_int_equal(bh_gatts_indicate(s, FAKE_CONN_HANDLE, vh, "i", 1), BH_OK);
	assert_true(fake_recv(x->fh.f, 4, pdu, sizeof(pdu), 500) > 0);
	assert_int_equal(pdu[0], 0x1d);
	for (unsigned t = 0; t < BH_ATT_TIMEOUT_MS + 1000 && !x->ind_done; t += 100)
		fake_run(x->fh.f, 100);
	assert_int_equal(x->ind_done, 1);
	assert_int_equal(x->ind_status, BH_ETIMEDOUT);
	fake_run(x->fh.f, 100);
	assert_int_equal(x->disconnects, 1);
	assert_int_equal(x->fh.disconnected, 0);
	unsigned att = fake_att_count(x->fh.f);
	assert_int_equal(bh_gatts_notify(s, FAKE_CONN_HANDLE, vh, "n", 1, NULL), BH_ETIMEDOUT);
	assert_int_equal(bh_gatts_indicate(s, FAKE_CONN_HANDLE, vh, "j", 1), BH_ETIMEDOUT);
	fake_run(x->fh.f, 100);
	assert_int_equal(fake_att_count(x->fh.f), att);
	assert_int_equal(x->ind_done, 1);
	link_gone(x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(central_calls_after_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(peripheral_calls_after_timeout, setup, teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
