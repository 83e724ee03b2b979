/* -Dgatt_client=false: procedures return BH_ENOTSUP and send nothing; a
 * peer's indication, through the real ATT bearer wired as the host wires
 * it, still reaches the application (events.unsubscribed) and is confirmed
 * by the bearer (Vol 3, Part F, 3.4.7.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/att.h>
#include <blehost/gatt_client.h>

struct wire {
	struct bh_att *att;
	struct bh_gattc *c;
	uint8_t sent[8][32];
	size_t sent_len[8];
	unsigned nsent;
	unsigned nunsub, ndisc;
	uint16_t unsub_handle;
	bool unsub_ind;
};

static bh_time_ms g_now;
static const struct bh_env g_env = { .now = bh_manual_clock, .now_ctx = &g_now };

static int att_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct wire *w = ctx;
	assert_true(w->nsent < 8 && len <= sizeof(w->sent[0]));
	memcpy(w->sent[w->nsent], pdu, len);
	w->sent_len[w->nsent++] = len;
	return 0;
}

static void att_notification(void *ctx, uint16_t handle, const uint8_t *value, size_t len,
			     bool indication)
{
	struct wire *w = ctx;
	bh_gattc_on_notification(w->c, handle, value, len, indication);
}

static int c_request(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx)
{
	struct wire *w = ctx;
	return bh_att_request(w->att, pdu, len, cb, cbctx);
}

static void c_cancel(void *ctx, void *cbctx)
{
	struct wire *w = ctx;
	bh_att_cancel(w->att, cbctx);
}

static uint16_t c_mtu(void *ctx)
{
	struct wire *w = ctx;
	return bh_att_mtu(w->att);
}

static void ev_unsub(void *ctx, uint16_t handle, const uint8_t *value, size_t len, bool ind)
{
	struct wire *w = ctx;
	(void)value, (void)len;
	w->nunsub++;
	w->unsub_handle = handle;
	w->unsub_ind = ind;
}

static void ev_disc(void *ctx, bh_status reason)
{
	struct wire *w = ctx;
	assert_int_equal(reason, BH_EDISCONNECTED);
	w->ndisc++;
}

static void done_cb(void *ctx, bh_status status, const struct bh_gattc_result *res)
{
	(void)ctx, (void)status, (void)res;
	fail_msg("no operation may complete");
}

static void wire_up(struct wire *w)
{
	memset(w, 0, sizeof(*w));
	struct bh_att_port ap = { .ctx = w, .send = att_send, .notification = att_notification };
	struct bh_att_config ac;
	bh_att_config_default(&ac);
	w->att = bh_att_new(&ac, &g_env, &ap);
	assert_non_null(w->att);
	struct bh_gattc_port cp = { .ctx = w, .request = c_request, .cancel = c_cancel,
				    .mtu = c_mtu };
	struct bh_gattc_events ev = { .ctx = w, .unsubscribed = ev_unsub,
				      .disconnected = ev_disc };
	struct bh_gattc_config cc;
	bh_gattc_config_default(&cc);
	w->c = bh_gattc_new(&cc, &g_env, &cp, &ev);
	assert_non_null(w->c);
}

static void test_procedures_not_supported(void **state)
{
	(void)state;
	struct wire w;
	wire_up(&w);
	uint16_t hs[2] = { 3, 5 };
	assert_int_equal(bh_gattc_discover(w.c, NULL, 0, 0, done_cb, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gattc_discover_services(w.c, done_cb, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gattc_read(w.c, 3, done_cb, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gattc_read_multiple(w.c, hs, 2, done_cb, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gattc_write(w.c, 3, (const uint8_t *)"x", 1, done_cb, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gattc_write_cmd(w.c, 3, (const uint8_t *)"x", 1), BH_ENOTSUP);
	assert_int_equal(bh_gattc_write_signed(w.c, 3, (const uint8_t *)"x", 1), BH_ENOTSUP);
	assert_int_equal(bh_gattc_exchange_mtu(w.c, 247, done_cb, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gattc_subscribe(w.c, 3, 1, NULL, NULL, done_cb, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gattc_import(w.c, (const uint8_t *)"x", 1), BH_ENOTSUP);
	assert_int_equal(bh_gattc_service_count(w.c), 0);
	assert_null(bh_gattc_service_at(w.c, 0));
	assert_int_equal(bh_gattc_mtu(w.c), BH_ATT_DEFAULT_MTU);
	assert_int_equal(w.nsent, 0); /* nothing reached the peer */
	assert_true(bh_gattc_is_connected(w.c));
	bh_gattc_disconnected(w.c, BH_EDISCONNECTED);
	bh_gattc_disconnected(w.c, BH_EDISCONNECTED);
	assert_int_equal(w.ndisc, 1);
	assert_false(bh_gattc_is_connected(w.c));
	bh_gattc_free(w.c);
	bh_att_free(w.att);
}

static void test_indication_confirmed(void **state)
{
	(void)state;
	struct wire w;
	wire_up(&w);
	const uint8_t ind[] = { BH_ATT_INDICATE, 0x05, 0x00, 0xaa };
	bh_att_on_pdu(w.att, ind, sizeof(ind));
	assert_int_equal(w.nunsub, 1);
	assert_int_equal(w.unsub_handle, 5);
	assert_true(w.unsub_ind);
	assert_int_equal(w.nsent, 1);
	assert_int_equal(w.sent_len[0], 1);
	assert_int_equal(w.sent[0][0], BH_ATT_CONFIRM);
	const uint8_t ntf[] = { BH_ATT_NOTIFY, 0x07, 0x00, 0xbb };
	bh_att_on_pdu(w.att, ntf, sizeof(ntf));
	assert_int_equal(w.nunsub, 2);
	assert_false(w.unsub_ind);
	assert_int_equal(w.nsent, 1);
	assert_int_equal(bh_gattc_stats(w.c)->indications, 1);
	assert_int_equal(bh_gattc_stats(w.c)->notifications, 1);
	bh_gattc_free(w.c);
	bh_att_free(w.att);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procedures_not_supported),
		cmocka_unit_test(test_indication_confirmed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
