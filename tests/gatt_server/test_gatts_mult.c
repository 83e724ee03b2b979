/* Multiple Handle Value Notifications end to end in one process: a GATT
 * client (gattc) on a client ATT bearer, wired back to back to a server ATT
 * bearer and the GATT server, as the host wires them (L2CAP left out). The
 * client declares support through Client Supported Features; the server
 * then packs values into ATT 0x23 PDUs within the MTU, and the client
 * bearer delivers each value to its subscriber. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/att.h>
#include <blehost/bh_bytes.h>
#include <blehost/gatt_client.h>
#include <blehost/gatt_server.h>

#define CONN 0x0040
#define QMAX 64

struct side {
	struct bh_att *att;
	uint8_t q[QMAX][BH_ATT_MAX_MTU];
	size_t qlen[QMAX];
	unsigned nq;
	unsigned nmulti, nplain; /* notification PDUs this side sent */
	int busy;                /* send returns BH_EBUSY while > 0 */
};

static struct {
	bh_time_ms now;
	struct bh_env env;
	struct side cli, srv;
	struct bh_gatts *s;
	struct bh_gattc *c;
	/* what the client's subscriber saw */
	unsigned nnote;
	uint16_t note_h[16];
	uint8_t note_v[16][64];
	size_t note_len[16];
} W;

static int side_send(struct side *sd, const uint8_t *pdu, size_t len)
{
	if (sd->busy > 0) {
		sd->busy--;
		return BH_EBUSY;
	}
	assert_true(sd->nq < QMAX);
	memcpy(sd->q[sd->nq], pdu, len);
	sd->qlen[sd->nq++] = len;
	if (pdu[0] == BH_ATT_MULT_NOTIFY)
		sd->nmulti++;
	if (pdu[0] == BH_ATT_NOTIFY)
		sd->nplain++;
	return 0;
}
static int cli_send(void *ctx, const uint8_t *pdu, size_t len) { (void)ctx; return side_send(&W.cli, pdu, len); }
static int srv_send(void *ctx, const uint8_t *pdu, size_t len) { (void)ctx; return side_send(&W.srv, pdu, len); }

static void srv_pdu(void *ctx, const uint8_t *pdu, size_t len)
{
	(void)ctx;
	bh_gatts_on_pdu(W.s, CONN, pdu, len);
}
static void cli_note(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind)
{
	(void)ctx;
	bh_gattc_on_notification(W.c, h, v, len, ind);
}

/* gattc port -> client bearer */
static int c_request(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx)
{
	(void)ctx;
	return bh_att_request(W.cli.att, pdu, len, cb, cbctx);
}
static void c_cancel(void *ctx, void *cbctx) { (void)ctx; bh_att_cancel(W.cli.att, cbctx); }
static int c_command(void *ctx, const uint8_t *pdu, size_t len)
{
	(void)ctx;
	return bh_att_send_command(W.cli.att, pdu, len);
}
static uint16_t c_mtu(void *ctx) { (void)ctx; return bh_att_mtu(W.cli.att); }

/* gatts port -> server bearer */
static int s_respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	(void)ctx;
	(void)conn;
	return bh_att_respond(W.srv.att, pdu, len);
}
static int s_notify(void *ctx, uint16_t conn, uint16_t h, const uint8_t *v, size_t len, bool *t)
{
	(void)ctx;
	(void)conn;
	return bh_att_notify(W.srv.att, h, v, len, t);
}
static int s_notify_multiple(void *ctx, uint16_t conn, const uint8_t *tuples, size_t len)
{
	(void)ctx;
	(void)conn;
	return bh_att_notify_multiple(W.srv.att, tuples, len);
}
static uint16_t s_mtu(void *ctx, uint16_t conn)
{
	(void)ctx;
	(void)conn;
	return bh_att_mtu(W.srv.att);
}

static void pump(void)
{
	for (int guard = 0; guard < 1000; guard++) {
		struct side *from = W.cli.nq ? &W.cli : W.srv.nq ? &W.srv : NULL;
		if (!from)
			return;
		struct side *to = from == &W.cli ? &W.srv : &W.cli;
		uint8_t pdu[BH_ATT_MAX_MTU];
		size_t len = from->qlen[0];
		memcpy(pdu, from->q[0], len);
		from->nq--;
		memmove(from->q[0], from->q[1], from->nq * sizeof(from->q[0]));
		memmove(&from->qlen[0], &from->qlen[1], from->nq * sizeof(from->qlen[0]));
		bh_att_on_pdu(to->att, pdu, len);
	}
	fail_msg("pump did not settle");
}

static void on_value(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind)
{
	(void)ctx;
	(void)ind;
	assert_true(W.nnote < 16 && len <= 64);
	W.note_h[W.nnote] = h;
	memcpy(W.note_v[W.nnote], v, len);
	W.note_len[W.nnote++] = len;
}

struct done {
	unsigned calls;
	bh_status st;
	uint16_t handle;
};
static void on_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct done *d = ctx;
	d->calls++;
	d->st = st;
	d->handle = res->handle;
}

static uint8_t v30[30];
static const struct bh_gatt_chr_def chrs[4] = {
	{ .uuid = { 2, { 0x01, 0xaa } }, .props = BH_GATT_CHR_NOTIFY | BH_GATT_CHR_READ,
	  .initial = "aa", .initial_len = 2 },
	{ .uuid = { 2, { 0x02, 0xaa } }, .props = BH_GATT_CHR_NOTIFY | BH_GATT_CHR_READ,
	  .initial = "bbbb", .initial_len = 4 },
	{ .uuid = { 2, { 0x03, 0xaa } }, .props = BH_GATT_CHR_NOTIFY | BH_GATT_CHR_READ,
	  .initial = v30, .initial_len = 30 },
	{ .uuid = { 2, { 0x04, 0xaa } }, .props = BH_GATT_CHR_NOTIFY | BH_GATT_CHR_READ,
	  .initial = "c", .initial_len = 1 },
};
static const struct bh_gatt_svc_def svc = { .uuid = { 2, { 0x00, 0xaa } }, .chrs = chrs,
					    .num_chrs = 4 };
static uint16_t vh[4]; /* value handles after discovery */

static int setup(void **state)
{
	(void)state;
	memset(&W, 0, sizeof(W));
	for (int i = 0; i < 30; i++)
		v30[i] = (uint8_t)('A' + i % 26);
	W.env.now = bh_manual_clock;
	W.env.now_ctx = &W.now;
	W.env.log_level = BH_LOG_ERROR;
	struct bh_att_config ac;
	bh_att_config_default(&ac);
	static struct bh_att_port cp, sp;
	cp = (struct bh_att_port){ .send = cli_send, .notification = cli_note };
	sp = (struct bh_att_port){ .send = srv_send, .server_pdu = srv_pdu };
	W.cli.att = bh_att_new(&ac, &W.env, &cp);
	W.srv.att = bh_att_new(&ac, &W.env, &sp);
	static struct bh_gatts_port gp;
	gp = (struct bh_gatts_port){ .respond = s_respond, .notify = s_notify,
				     .notify_multiple = s_notify_multiple, .mtu = s_mtu };
	struct bh_gatts_config gc;
	bh_gatts_config_default(&gc);
	W.s = bh_gatts_new(&gc, &W.env, &gp, NULL);
	assert_non_null(W.s);
	assert_int_equal(bh_gatts_add_services(W.s, &svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(W.s, CONN), BH_OK);
	struct bh_gattc_port pp = { .request = c_request, .cancel = c_cancel,
				    .command = c_command, .mtu = c_mtu };
	W.c = bh_gattc_new(NULL, &W.env, &pp, NULL);
	assert_non_null(W.c);
	struct done d = { 0 };
	assert_int_equal(bh_gattc_discover(W.c, NULL, 0, 0, on_done, &d), BH_OK);
	pump();
	assert_int_equal(d.st, BH_OK);
	for (unsigned i = 0; i < 4; i++) {
		const struct bh_gattc_chr *ch = bh_gattc_find_chr(W.c, NULL, &chrs[i].uuid);
		assert_non_null(ch);
		vh[i] = ch->value_handle;
		memset(&d, 0, sizeof(d));
		assert_int_equal(bh_gattc_subscribe(W.c, vh[i], BH_GATTC_NOTIFY, on_value, NULL,
						    on_done, &d), BH_OK);
		pump();
		assert_int_equal(d.st, BH_OK);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bh_gattc_free(W.c);
	bh_gatts_free(W.s);
	bh_att_free(W.cli.att);
	bh_att_free(W.srv.att);
	return 0;
}

static void expect_note(unsigned i, uint16_t h, const void *v, size_t len)
{
	assert_true(i < W.nnote);
	assert_int_equal(W.note_h[i], h);
	assert_int_equal(W.note_len[i], len);
	assert_memory_equal(W.note_v[i], v, len);
}

static void declare_support(void)
{
	struct done d = { 0 };
	assert_int_equal(bh_gattc_set_client_features(W.c, BH_GATTC_CSF_MULT_NTF, on_done, &d),
			 BH_OK);
	assert_int_equal(bh_gattc_set_client_features(W.c, BH_GATTC_CSF_MULT_NTF, on_done, &d),
			 BH_EBUSY);
	pump();
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_OK);
	assert_true(d.handle > 0);
	/* the server holds the bit: a read returns it */
	uint8_t rd[3] = { BH_ATT_READ_REQ };
	bh_put16(rd + 1, d.handle);
	W.cli.nq = 0;
	bh_att_on_pdu(W.srv.att, rd, 3);
	assert_int_equal(W.srv.nq, 1);
	assert_int_equal(W.srv.q[0][0], BH_ATT_READ_RSP);
	assert_int_equal(W.srv.q[0][1], BH_GATTC_CSF_MULT_NTF);
	W.srv.nq = 0;
}

/* Without the feature bit: four ordinary notifications. */
static void test_client_without_support(void **state)
{
	(void)state;
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, vh, 4), 4);
	assert_int_equal(W.srv.nmulti, 0);
	assert_int_equal(W.srv.nplain, 4);
	pump();
	assert_int_equal(W.nnote, 4);
	expect_note(0, vh[0], "aa", 2);
	expect_note(3, vh[3], "c", 1);
}

/* MTU 23: tuple list room 22. "aa" (6) + "bbbb" (8) fit (14); the 30-octet
 * value (34) can never share a PDU: it goes alone, cut to 20; "c" is left
 * alone at the end: an ordinary notification. */
static void test_packing_mtu23(void **state)
{
	(void)state;
	declare_support();
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, vh, 4), 4);
	assert_int_equal(W.srv.nmulti, 1);
	assert_int_equal(W.srv.nplain, 2);
	/* the multiple PDU on the wire */
	const uint8_t want[] = { BH_ATT_MULT_NOTIFY, (uint8_t)vh[0], 0, 2, 0, 'a', 'a',
				 (uint8_t)vh[1], 0, 4, 0, 'b', 'b', 'b', 'b' };
	assert_int_equal(W.srv.qlen[0], sizeof(want));
	assert_memory_equal(W.srv.q[0], want, sizeof(want));
	pump();
	assert_int_equal(W.nnote, 4);
	expect_note(0, vh[0], "aa", 2);
	expect_note(1, vh[1], "bbbb", 4);
	expect_note(2, vh[2], v30, 20);
	expect_note(3, vh[3], "c", 1);
	/* two short values: one PDU */
	uint16_t two[2] = { vh[3], vh[0] };
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, two, 2), 2);
	assert_int_equal(W.srv.nmulti, 2);
	pump();
	expect_note(4, vh[3], "c", 1);
	expect_note(5, vh[0], "aa", 2);
}

/* A larger MTU takes all four in one PDU. */
static void test_packing_large_mtu(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_exchange_mtu(W.c, 100, on_done, &d), BH_OK);
	pump();
	assert_int_equal(bh_att_mtu(W.srv.att), 100);
	declare_support();
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, vh, 4), 4);
	assert_int_equal(W.srv.nmulti, 1);
	assert_int_equal(W.srv.nplain, 0);
	assert_int_equal(W.srv.qlen[0], 1 + 6 + 8 + 34 + 5);
	pump();
	assert_int_equal(W.nnote, 4);
	expect_note(2, vh[2], v30, 30);
}

/* Errors: nothing is sent for a handle not subscribed or not notifiable;
 * BH_EBUSY reports how many went out. */
static void test_errors_and_busy(void **state)
{
	(void)state;
	declare_support();
	struct done d = { 0 };
	assert_int_equal(bh_gattc_unsubscribe(W.c, vh[1], on_done, &d), BH_OK);
	pump();
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, vh, 4), BH_ESTATE);
	uint16_t bad[2] = { vh[0], 1 };
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, bad, 2), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN + 1, vh, 1), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, vh, 0), BH_EINVAL);
	assert_int_equal(W.srv.nmulti + W.srv.nplain, 0);
	/* first PDU (vh0+vh2: the 30-octet one goes alone) busy */
	uint16_t three[3] = { vh[0], vh[3], vh[2] };
	W.srv.busy = 1;
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, three, 3), 0);
	W.srv.busy = 0;
	assert_int_equal(bh_gatts_notify_multiple(W.s, CONN, three, 3), 3);
	assert_int_equal(W.srv.nmulti, 1);
	assert_int_equal(W.srv.nplain, 1);
	/* the bearer refuses malformed tuple lists */
	const uint8_t one[] = { 1, 0, 1, 0, 'x' };
	assert_int_equal(bh_att_notify_multiple(W.srv.att, one, sizeof(one)), BH_EINVAL);
	const uint8_t cut[] = { 1, 0, 1, 0, 'x', 2, 0, 5, 0, 'y' };
	assert_int_equal(bh_att_notify_multiple(W.srv.att, cut, sizeof(cut)), BH_EINVAL);
	/* bits the client cannot ask for */
	assert_int_equal(bh_gattc_set_client_features(W.c, 0, on_done, &d), BH_EINVAL);
	assert_int_equal(bh_gattc_set_client_features(W.c, 0x08, on_done, &d), BH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_without_support, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packing_mtu23, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packing_large_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_and_busy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
