/* The GATT client wired to the real ATT bearer (att/att_bearer.c) exactly as
 * the host will wire it, with the fake server answering the bearer's PDUs:
 * checks that the port contract (synchronous cancel, completion on
 * disconnect and timeout, MTU updates) holds end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/att.h>
#include <blehost/bh_bytes.h>
#include <blehost/bh_env.h>
#include "fake_server.h"
#include <blehost/gatt_client.h>

struct link {
	struct fake_server f;
	bh_time_ms now;
	struct bh_xrand rnd;
	struct bh_env env;
	struct bh_att *att;
	struct bh_gattc *c;
	uint8_t out[16][BH_ATT_MAX_MTU];
	size_t out_len[16];
	unsigned n_out;
	unsigned notes;
	uint8_t last_note;
	unsigned confirms;
};

static struct link *L;

/* ---- The wiring the host does ------------------------------------------------ */

static int att_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct link *l = ctx;
	if (pdu[0] == BH_ATT_CONFIRM) {
		l->confirms++;
		return 0;
	}
	assert_true(l->n_out < 16);
	memcpy(l->out[l->n_out], pdu, len);
	l->out_len[l->n_out++] = len;
	return 0;
}

static void att_notification(void *ctx, uint16_t handle, const uint8_t *value, size_t len,
			     bool indication)
{
	struct link *l = ctx;
	bh_gattc_on_notification(l->c, handle, value, len, indication);
}

static int p_request(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx)
{
	return bh_att_request(((struct link *)ctx)->att, pdu, len, cb, cbctx);
}
static void p_cancel(void *ctx, void *cbctx) { bh_att_cancel(((struct link *)ctx)->att, cbctx); }
static int p_command(void *ctx, const uint8_t *pdu, size_t len)
{
	return bh_att_send_command(((struct link *)ctx)->att, pdu, len);
}
static uint16_t p_mtu(void *ctx) { return bh_att_mtu(((struct link *)ctx)->att); }

struct done {
	unsigned calls;
	bh_status st;
	size_t len;
	uint16_t handle;
};

static void on_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct done *d = ctx;
	d->calls++;
	d->st = st;
	d->len = res->len;
	d->handle = res->handle;
}

static void on_note(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind)
{
	struct link *l = ctx;
	(void)h;
	(void)ind;
	l->notes++;
	l->last_note = len ? v[0] : 0;
}

/* The peer answers every request the bearer sent, until quiet. */
static unsigned pump(struct link *l)
{
	unsigned n = 0;
	while (l->n_out && n < 1000) {
		uint8_t req[BH_ATT_MAX_MTU];
		size_t len = l->out_len[0];
		memcpy(req, l->out[0], len);
		memmove(l->out[0], l->out[1], sizeof(l->out[0]) * (l->n_out - 1));
		memmove(l->out_len, l->out_len + 1, sizeof(l->out_len[0]) * (l->n_out - 1));
		l->n_out--;
		if (!bh_att_is_request(req[0]))
			continue;
		uint8_t rsp[BH_ATT_MAX_MTU];
		size_t rl = fs_answer(&l->f, req, len, rsp);
		if (req[0] == BH_ATT_MTU_REQ)
			l->f.mtu = bh_get16(req + 1) < l->f.mtu ? bh_get16(req + 1) : l->f.mtu;
		bh_att_on_pdu(l->att, rsp, rl);
		n++;
	}
	return n;
}

static int setup(void **state)
{
	(void)state;
	static struct link l;
	memset(&l, 0, sizeof(l));
	fs_init(&l.f, 23);
	fs_build_db(&l.f);
	bh_xrand_seed(&l.rnd, 7);
	l.env.now = bh_manual_clock;
	l.env.now_ctx = &l.now;
	l.env.random = bh_xrand_fill;
	l.env.random_ctx = &l.rnd;
	struct bh_att_config ac;
	bh_att_config_default(&ac);
	struct bh_att_port ap = { .ctx = &l, .send = att_send, .notification = att_notification };
	l.att = bh_att_new(&ac, &l.env, &ap);
	assert_non_null(l.att);
	struct bh_gattc_port gp = { .ctx = &l,
				    .request = p_request,
				    .cancel = p_cancel,
				    .command = p_command,
				    .mtu = p_mtu };
	l.c = bh_gattc_new(NULL, &l.env, &gp, NULL);
	assert_non_null(l.c);
	L = &l;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* The host's order: the client first, then the bearer. */
	bh_gattc_free(L->c);
	bh_att_free(L->att);
	return 0;
}

static void test_discovery_then_mtu(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_discover(L->c, NULL, 0, 0, on_done, &d), BH_OK);
	assert_int_equal(pump(L), 13);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_chr_count(L->c), 6);

	memset(&d, 0, sizeof(d));
	L->f.mtu = 517;
	assert_int_equal(bh_gattc_exchange_mtu(L->c, 517, on_done, &d), BH_OK);
	pump(L);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.handle, 517);
	assert_int_equal(bh_gattc_mtu(L->c), 517);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_discover(L->c, NULL, 0, 0, on_done, &d), BH_OK);
	assert_int_equal(pump(L), 11);
	assert_int_equal(d.st, BH_OK);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_read_long(L->c, 24, on_done, &d), BH_OK);
	assert_int_equal(pump(L), 1);
	assert_int_equal(d.len, 300);
}

static void test_cancel_on_the_air(void **state)
{
	(void)state;
	struct done a = { 0 }, b = { 0 };
	assert_int_equal(bh_gattc_read(L->c, 3, on_done, &a), BH_OK);
	assert_int_equal(bh_gattc_read(L->c, 17, on_done, &b), BH_OK);
	assert_int_equal(L->n_out, 1);
	assert_int_equal(bh_gattc_cancel(L->c, &a), 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.st, BH_ECANCELLED);
	pump(L); /* the late answer to the cancelled read is dropped */
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.st, BH_OK);
	assert_int_equal(b.len, 1);
}

static void test_bearer_disconnect_first(void **state)
{
	(void)state;
	struct done d = { 0 }, r = { 0 };
	assert_int_equal(bh_gattc_discover(L->c, NULL, 0, 0, on_done, &d), BH_OK);
	assert_int_equal(bh_gattc_read(L->c, 3, on_done, &r), BH_OK);
	bh_att_disconnected(L->att, BH_EDISCONNECTED);
	bh_gattc_disconnected(L->c, BH_EDISCONNECTED);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_EDISCONNECTED);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.st, BH_EDISCONNECTED);
}

static void test_client_disconnect_first(void **state)
{
	(void)state;
	struct done d = { 0 }, r = { 0 };
	assert_int_equal(bh_gattc_read_long(L->c, 24, on_done, &d), BH_OK);
	assert_int_equal(bh_gattc_write(L->c, 27, (const uint8_t *)"w", 1, on_done, &r), BH_OK);
	bh_gattc_disconnected(L->c, BH_EDISCONNECTED);
	/* the bearer no longer holds a callback into the client */
	bh_att_disconnected(L->att, BH_EDISCONNECTED);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_EDISCONNECTED);
	assert_int_equal(r.calls, 1);
}

static void test_transaction_timeout(void **state)
{
	(void)state;
	struct done a = { 0 }, b = { 0 };
	assert_int_equal(bh_gattc_read(L->c, 3, on_done, &a), BH_OK);
	assert_int_equal(bh_gattc_read(L->c, 17, on_done, &b), BH_OK);
	L->n_out = 0; /* the peer never answers */
	L->now += BH_ATT_TIMEOUT_MS + 1;
	bh_att_on_timeout(L->att);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.st, BH_ETIMEDOUT);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.st, BH_ETIMEDOUT);
	assert_int_equal(bh_gattc_read(L->c, 3, on_done, &a), BH_ETIMEDOUT);
}

static void test_notifications_through_bearer(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_discover(L->c, NULL, 0, 0, on_done, &d), BH_OK);
	pump(L);
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_subscribe(L->c, 27, BH_GATTC_INDICATE | BH_GATTC_NOTIFY, on_note,
					    L, on_done, &d),
			 BH_OK);
	pump(L);
	assert_int_equal(d.st, BH_OK);
	assert_memory_equal(fs_attr(&L->f, 28)->value, "\x03\x00", 2);
	bh_att_on_pdu(L->att, (const uint8_t *)"\x1b\x1b\x00\x05", 4);
	bh_att_on_pdu(L->att, (const uint8_t *)"\x1d\x1b\x00\x06", 4);
	assert_int_equal(L->notes, 2);
	assert_int_equal(L->last_note, 6);
	assert_int_equal(L->confirms, 1);
	assert_int_equal(bh_gattc_write_cmd(L->c, 24, (const uint8_t *)"c", 1), BH_OK);
	assert_int_equal(L->n_out, 1);
	assert_int_equal(L->out[0][0], BH_ATT_WRITE_CMD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discovery_then_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_on_the_air, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bearer_disconnect_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_disconnect_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notifications_through_bearer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
