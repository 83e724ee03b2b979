/* Fault injection (suite 'faults'): a blehost host with its real H4 unix
 * transport and whole stack against fake_ctrl, a controller played by the
 * test. Controller faults (command timeout, Hardware Error), transport loss
 * in the middle of GATT discovery, pairing and a long write, and exhausted
 * pools. Each check: every pending operation completes exactly once with an
 * error, the host recovers or can be created again, and then works. Run it
 * under valgrind --leak-check=full to see that memory is returned. */
#include "fake_host.h"

#include <blehost/gatt_client.h>
#include <blehost/hci.h>
#include <blehost/host.h>
#include <blehost/smp.h>

#include <blehost/bh_pool.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h" /* struct host_conn, host_bond_save: white-box cases */

/* The linker wraps calloc and realloc in this program: while
 * fail_alloc_size is set, one of exactly that many bytes fails (counted). */
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
static size_t fail_alloc_size;
static unsigned alloc_failures;
void *__wrap_calloc(size_t n, size_t m)
{
	if (fail_alloc_size && n * m == fail_alloc_size) {
		alloc_failures++;
		return NULL;
	}
	return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
	if (fail_alloc_size && n == fail_alloc_size) {
		alloc_failures++;
		return NULL;
	}
	return __real_realloc(p, n);
}

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned paired;
	bh_status pair_status;
};

static void ev_paired(void *ctx, uint16_t handle, bh_status st, bool bonded)
{
	struct fx *x = ctx;
	(void)handle;
	(void)bonded;
	x->paired++;
	x->pair_status = st;
}

static struct fx *fx_new(void)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "FAULTS_VERBOSE", BH_LOG_WARN);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 3);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.pairing_complete = ev_paired;
	fake_host_start(&x->fh, &cfg, &ev);
	assert_int_equal(x->fh.ready, 1);
	assert_int_equal(x->fh.last_ready, BH_OK);
	return x;
}

static void fx_free(struct fx *x)
{
	fake_host_fini(&x->fh);
	free(x);
}

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	if (*state)
		fx_free(*state);
	return 0;
}

/* The fake opens a link with the host as central. */
static void fx_connect(struct fx *x)
{
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	for (int i = 0; i < 50 && !x->fh.connected; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(x->fh.connected, 1);
	assert_int_equal(x->fh.conn, FAKE_CONN_HANDLE);
}

static int att_next(struct fx *x, uint8_t *buf, size_t cap)
{
	return fake_att_next(x->fh.f, buf, cap, 2000);
}

struct op {
	bool done;
	unsigned calls;
	bh_status st;
	uint8_t value[32];
	size_t len;
};

static void on_op(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct op *o = ctx;
	o->calls++;
	o->st = st;
	o->done = true;
	if (res && res->value) {
		o->len = res->len < sizeof(o->value) ? res->len : sizeof(o->value);
		memcpy(o->value, res->value, o->len);
	}
}

/* A GATT read through the whole stack, answered by the fake. */
static void expect_read_works(struct fx *x)
{
	assert_true(fake_gatt_read_ok(x->fh.f, bh_host_gattc(x->fh.h, x->fh.conn)));
}

/* A new host on a new fake controller comes up and serves a GATT read:
 * nothing the lost one left behind stops the next one. */
static void expect_fresh_host_works(void)
{
	struct fx *y = fx_new();
	fx_connect(y);
	expect_read_works(y);
	fx_free(y);
}

struct cmd {
	bool done;
	unsigned calls;
	bh_status st;
};

static void on_cmd(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct cmd *c = ctx;
	(void)ret;
	(void)len;
	c->calls++;
	c->st = st;
	c->done = true;
}

/* ---- controller faults ---- */

/* The controller never answers a command: the caller gets BH_ETIMEDOUT
 * once, the host resets the controller and runs the bring-up again (ready
 * again), and then commands work. */
static void command_timeout_recovers(void **state)
{
	struct fx *x = *state;
	struct bh_hci *hci = bh_host_hci(x->fh.h);
	fake_mute(x->fh.f, 0x1009); /* Read BD_ADDR */
	unsigned resets = fake_cmd_count(x->fh.f, 0x0c03);
	struct cmd c = { 0 };
	assert_int_equal(bh_hci_cmd(hci, 0x1009, NULL, 0, on_cmd, &c), 0);
	assert_true(fake_run_until(x->fh.f, &c.done, 4000));
	assert_int_equal(c.st, BH_ETIMEDOUT);
	fake_mute(x->fh.f, 0); /* the controller is back */
	for (int i = 0; i < 200 && x->fh.ready < 2; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(c.calls, 1);
	assert_true(fake_cmd_count(x->fh.f, 0x0c03) > resets);
	assert_int_equal(x->fh.ready, 2);
	assert_int_equal(x->fh.last_ready, BH_OK);
	assert_int_equal(x->fh.fatal, 0);
	struct bh_hci_stats s;
	bh_hci_stats(hci, &s);
	assert_int_equal(s.cmds_timed_out, 1);
	assert_int_equal(s.recoveries, 1);
	struct cmd c2 = { 0 };
	assert_int_equal(bh_hci_cmd(hci, 0x1009, NULL, 0, on_cmd, &c2), 0);
	assert_true(fake_run_until(x->fh.f, &c2.done, 2000));
	assert_int_equal(c2.st, BH_OK);
	fx_connect(x);
	expect_read_works(x);
}

/* Hardware Error: the host reports fatal(BH_EHWERROR) once, a pending
 * command and a pending GATT operation complete with an error once, the
 * link is dropped; bh_host_start brings it back. */
static void hardware_error(void **state)
{
	struct fx *x = *state;
	fx_connect(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, x->fh.conn);
	assert_non_null(g);
	struct op o = { 0 };
	assert_int_equal(bh_gattc_read(g, 0x0003, on_op, &o), 0);
	uint8_t req[64];
	assert_true(att_next(x, req, sizeof(req)) > 0);
	fake_mute(x->fh.f, 0x1009);
	struct cmd c = { 0 };
	assert_int_equal(bh_hci_cmd(bh_host_hci(x->fh.h), 0x1009, NULL, 0, on_cmd, &c), 0);
	fake_run(x->fh.f, 20);
	uint8_t code = 0x42;
	assert_int_equal(fake_event(x->fh.f, 0x10, &code, 1), 0);
	for (int i = 0; i < 100 && !x->fh.fatal; i++)
		fake_run(x->fh.f, 10);
	fake_run(x->fh.f, 50);
	assert_int_equal(x->fh.fatal, 1);
	assert_int_equal(x->fh.last_fatal, BH_EHWERROR);
	assert_int_equal(c.calls, 1);
	assert_int_not_equal(c.st, BH_OK);
	assert_int_equal(o.calls, 1);
	assert_int_not_equal(o.st, BH_OK);
	assert_null(bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE));
	fake_mute(x->fh.f, 0);
	x->fh.connected = 0;
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), 0);
	assert_int_equal(x->fh.last_ready, BH_OK);
	fx_connect(x);
	expect_read_works(x);
	assert_int_equal(x->fh.fatal, 1);
}

/* ---- transport lost in the middle of procedures ---- */

static void expect_transport_lost(struct fx *x)
{
	for (int i = 0; i < 100 && !x->fh.fatal; i++)
		fake_run(x->fh.f, 10);
	fake_run(x->fh.f, 50); /* nothing may complete twice meanwhile */
	assert_int_equal(x->fh.fatal, 1);
	assert_int_equal(x->fh.last_fatal, BH_ETRANSPORT);
	assert_null(bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE));
	/* The dead transport is watched no more: its descriptor, at end of
	 * file, would be ready on every pass and the loop would spin (100 %
	 * CPU in real time, no time passing in virtual time). Nothing of the
	 * loop's is ready now. */
	struct pollfd fds[64];
	int n = bh_loop_pollfds(x->fh.loop, fds, 64);
	assert_int_equal(poll(fds, (nfds_t)n, 0), 0);
}

static void transport_closed_during_discovery(void **state)
{
	struct fx *x = *state;
	fx_connect(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, x->fh.conn);
	struct op o = { 0 };
	assert_int_equal(bh_gattc_discover(g, NULL, 0, 0, on_op, &o), 0);
	uint8_t req[64];
	assert_true(att_next(x, req, sizeof(req)) > 0);
	assert_int_equal(req[0], 0x10); /* Read By Group Type: discovery is running */
	/* One honest service, then the transport dies mid-procedure. */
	uint8_t rsp[] = { 0x11, 6, 0x01, 0x00, 0x05, 0x00, 0x0d, 0x18 };
	assert_int_equal(fake_l2cap(x->fh.f, 0x0004, rsp, sizeof(rsp)), 0);
	assert_true(att_next(x, req, sizeof(req)) > 0);
	fake_close_link(x->fh.f);
	expect_transport_lost(x);
	assert_int_equal(o.calls, 1);
	assert_int_not_equal(o.st, BH_OK);
	fprintf(stderr, "  discovery ended with %s\n", bh_strerror(o.st));
	fx_free(x);
	*state = NULL;
	expect_fresh_host_works();
}

static void transport_closed_during_pairing(void **state)
{
	struct fx *x = *state;
	fx_connect(x);
	assert_int_equal(bh_smp_pair(bh_host_smp(x->fh.h), x->fh.conn, NULL), 0);
	uint8_t req[80];
	int n = fake_recv(x->fh.f, 0x0006, req, sizeof(req), 2000);
	assert_int_equal(n, 7);
	assert_int_equal(req[0], 0x01); /* Pairing Request */
	uint8_t pres[7] = { 0x02, 0x03, 0x00, 0x09, 16, req[5] & 3, req[6] & 3 };
	assert_int_equal(fake_l2cap(x->fh.f, 0x0006, pres, 7), 0);
	n = fake_recv(x->fh.f, 0x0006, req, sizeof(req), 2000); /* its public key */
	assert_true(n > 0);
	fake_close_link(x->fh.f);
	expect_transport_lost(x);
	assert_int_equal(x->paired, 1);
	assert_int_not_equal(x->pair_status, BH_OK);
	fprintf(stderr, "  pairing ended with %s\n", bh_strerror(x->pair_status));
	fx_free(x);
	*state = NULL;
	expect_fresh_host_works();
}

static void transport_closed_during_long_write(void **state)
{
	struct fx *x = *state;
	fx_connect(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, x->fh.conn);
	uint8_t val[100];
	for (int i = 0; i < 100; i++)
		val[i] = (uint8_t)i;
	struct op o = { 0 };
	assert_int_equal(bh_gattc_write_long(g, 0x0010, val, sizeof(val), on_op, &o), 0);
	uint8_t req[64];
	int n = att_next(x, req, sizeof(req));
	assert_true(n > 5);
	assert_int_equal(req[0], 0x16); /* Prepare Write */
	req[0] = 0x17; /* echo it: the first segment is accepted */
	assert_int_equal(fake_l2cap(x->fh.f, 0x0004, req, (size_t)n), 0);
	n = att_next(x, req, sizeof(req));
	assert_true(n > 0);
	assert_int_equal(req[0], 0x16);
	fake_close_link(x->fh.f);
	expect_transport_lost(x);
	assert_int_equal(o.calls, 1);
	assert_int_not_equal(o.st, BH_OK);
	fprintf(stderr, "  long write ended with %s\n", bh_strerror(o.st));
	fx_free(x);
	*state = NULL;
	expect_fresh_host_works();
}

/* ---- pools exhausted ---- */

/* HCI command pool: bh_hci_cmd fails with BH_ENOMEM and never calls back;
 * once released, commands work. */
static void hci_command_pool_exhausted(void **state)
{
	struct fx *x = *state;
	struct bh_hci *hci = bh_host_hci(x->fh.h);
	bh_hci_fail_alloc(hci, 0, -1);
	struct cmd c = { 0 };
	assert_int_equal(bh_hci_cmd(hci, 0x1009, NULL, 0, on_cmd, &c), BH_ENOMEM);
	fake_run(x->fh.f, 50);
	assert_int_equal(c.calls, 0);
	bh_hci_fail_alloc(hci, -1, -1);
	assert_int_equal(bh_hci_cmd(hci, 0x1009, NULL, 0, on_cmd, &c), 0);
	assert_true(fake_run_until(x->fh.f, &c.done, 2000));
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.st, BH_OK);
}

/* ACL transmit pool: a frame cannot be queued (BH_ENOMEM); a GATT read
 * that needs a buffer must either fail at once with BH_ENOMEM or complete
 * exactly once (sent when a buffer is back, or failed with an error) within
 * a bounded time; then reads work again. */
static void acl_tx_pool_exhausted(void **state)
{
	struct fx *x = *state;
	fx_connect(x);
	struct bh_hci *hci = bh_host_hci(x->fh.h);
	fake_run(x->fh.f, 100); /* let the host's own connection set-up traffic go out */
	uint8_t frame[] = { 3, 0, 4, 0, 0x0a, 0x03, 0x00 };
	bh_hci_fail_alloc(hci, -1, 0);
	assert_int_equal(bh_hci_acl_send(hci, x->fh.conn, frame, sizeof(frame)), BH_ENOMEM);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, x->fh.conn);
	/* static: if the check below fails, the host completes it at teardown */
	static struct op o;
	memset(&o, 0, sizeof(o));
	int rc = bh_gattc_read(g, 0x0003, on_op, &o);
	fake_run(x->fh.f, 100);
	bh_hci_fail_alloc(hci, -1, -1);
	if (rc == 0 && !o.done) {
		/* Accepted while no buffer could be had: now that one is back it
		 * must go out (or the read must fail), not sit until ATT's 30 s
		 * transaction timeout. */
		uint8_t req[64];
		int n = att_next(x, req, sizeof(req));
		if (n != 3 && !o.done) {
			fprintf(stderr, "FAIL: a GATT read accepted while the ACL pool was empty "
					"was never sent after the pool was released, nor failed\n");
			fail();
		}
		if (n == 3) {
			uint8_t rsp[] = { 0x0b, 'o', 'k' };
			assert_int_equal(fake_l2cap(x->fh.f, 0x0004, rsp, 3), 0);
			assert_true(fake_run_until(x->fh.f, &o.done, 2000));
		}
	} else if (rc != 0) {
		assert_int_equal(rc, BH_ENOMEM);
	}
	if (rc == 0)
		assert_int_equal(o.calls, 1);
	expect_read_works(x);
}

/* GATT client operation pool: operations fail with BH_ENOMEM at once (no
 * callback), and work again when the pool is released. */
static void gattc_op_pool_exhausted(void **state)
{
	struct fx *x = *state;
	fx_connect(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, x->fh.conn);
	struct bh_pool *p = bh_gattc_op_pool(g);
	assert_non_null(p);
	unsigned in_use = bh_pool_in_use(p);
	bh_pool_fail_after(p, 0);
	struct op o = { 0 };
	assert_int_equal(bh_gattc_read(g, 0x0003, on_op, &o), BH_ENOMEM);
	assert_int_equal(bh_gattc_discover_services(g, on_op, &o), BH_ENOMEM);
	uint8_t v = 1;
	assert_int_equal(bh_gattc_write(g, 0x0003, &v, 1, on_op, &o), BH_ENOMEM);
	fake_run(x->fh.f, 50);
	assert_int_equal(o.calls, 0);
	assert_int_equal(bh_pool_in_use(p), in_use);
	bh_pool_fail_after(p, -1);
	expect_read_works(x);
	assert_int_equal(bh_pool_in_use(p), in_use);
}

/* Exhaustion by use: max_ops operations at once, the next gets BH_ENOMEM;
 * when they finish (here: by disconnection, each exactly once) the pool is
 * empty again. */
static void gattc_op_pool_full_then_released(void **state)
{
	struct fx *x = *state;
	fx_connect(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, x->fh.conn);
	struct bh_pool *p = bh_gattc_op_pool(g);
	enum { MAX = 64 };
	struct op o[MAX + 1];
	memset(o, 0, sizeof(o));
	int started = 0, rc = 0;
	while (started < MAX && (rc = bh_gattc_read(g, 0x0003, on_op, &o[started])) == 0)
		started++;
	fprintf(stderr, "  %d operations accepted before %s\n", started, bh_strerror(rc));
	assert_int_equal(rc, BH_ENOMEM);
	assert_true(started >= 1);
	assert_int_equal(bh_pool_in_use(p), (unsigned)started);
	/* The link drops: every one completes once with an error. */
	uint8_t dc[4] = { 0, (uint8_t)FAKE_CONN_HANDLE, FAKE_CONN_HANDLE >> 8, 0x08 };
	assert_int_equal(fake_event(x->fh.f, 0x05, dc, 4), 0);
	for (int i = 0; i < 50 && !x->fh.disconnected; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(x->fh.disconnected, 1);
	for (int i = 0; i < started; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_int_not_equal(o[i].st, BH_OK);
	}
	x->fh.connected = 0;
	fx_connect(x);
	expect_read_works(x);
}

/* A link's host state is made when the link comes up (host_conn.c). When
 * that fails the link is refused as when the table is full: HCI Disconnect
 * with Remote Device Terminated due to Low Resources (0x14), and the app
 * hears of no connection. The next link works. */
static void conn_alloc_refused(void **state)
{
	struct fx *x = *state;
	fail_alloc_size = sizeof(struct host_conn);
	alloc_failures = 0;
	assert_int_equal(fake_connect(x->fh.f, true), 0);
	for (int i = 0; i < 50 && !fake_cmd_count(x->fh.f, BH_HCI_DISCONNECT); i++)
		fake_run(x->fh.f, 10);
	fail_alloc_size = 0;
	assert_int_equal(alloc_failures, 1);
	assert_int_equal(x->fh.connected, 0);
	uint8_t p[3];
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_DISCONNECT, p, sizeof(p)), 3);
	assert_int_equal(p[0] | p[1] << 8, FAKE_CONN_HANDLE);
	assert_int_equal(p[2], 0x14);
	/* Its end is not reported either: the app never had it. The next
	 * link (the same handle) shows it ended. */
	fake_run(x->fh.f, 100);
	assert_int_equal(x->fh.disconnected, 0);
	fx_connect(x);
	expect_read_works(x);
}

/* The in-memory bond table (no store_dir) grows 1, 2, 4, 8 as bonds are
 * saved (host_bond_save, which SMP's save_bond reaches at the end of a
 * bonding; called directly here, no pairing). A growth that fails leaves
 * that bond unsaved (logged) and the saved ones intact; the next save
 * grows the table. */
static void bond_table_growth_fails(void **state)
{
	struct fx *x = *state;
	struct bh_bond b;
	memset(&b, 0, sizeof(b));
	b.identity.type = BH_ADDR_PUBLIC;
	bh_addr list[4];
	for (unsigned k = 1; k <= 2; k++) {
		b.identity.val[0] = (uint8_t)k;
		fail_alloc_size = k * sizeof(struct bh_bond); /* growth to k entries */
		alloc_failures = 0;
		host_bond_save(x->fh.h, &b);
		fail_alloc_size = 0;
		assert_int_equal(alloc_failures, 1);
		assert_int_equal(bh_host_bond_list(x->fh.h, list, 4), (int)k - 1);
		host_bond_save(x->fh.h, &b);
		assert_int_equal(bh_host_bond_list(x->fh.h, list, 4), (int)k);
	}
	struct bh_bond got;
	bh_addr first = { .type = BH_ADDR_PUBLIC, .val = { 1 } };
	assert_true(host_bond_lookup(x->fh.h, &first, &got));
	assert_true(bh_addr_eq(&got.identity, &first));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(command_timeout_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(hardware_error, setup, teardown),
		cmocka_unit_test_setup_teardown(transport_closed_during_discovery, setup, teardown),
		cmocka_unit_test_setup_teardown(transport_closed_during_pairing, setup, teardown),
		cmocka_unit_test_setup_teardown(transport_closed_during_long_write, setup, teardown),
		cmocka_unit_test_setup_teardown(hci_command_pool_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(acl_tx_pool_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(gattc_op_pool_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(gattc_op_pool_full_then_released, setup, teardown),
		cmocka_unit_test_setup_teardown(conn_alloc_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(bond_table_growth_fails, setup, teardown),
	};
	/* One case by name (meson runs each in its own process), or all. */
	if (argc == 2) {
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (!strcmp(argv[1], tests[i].name)) {
				struct CMUnitTest one[1] = { tests[i] };
				return _cmocka_run_group_tests(tests[i].name, one, 1, NULL, NULL) ? 1 : 0;
			}
		fprintf(stderr, "no such case: %s\n", argv[1]);
		return 2;
	}
	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
