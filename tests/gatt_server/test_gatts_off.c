/* -Dgatt_server=false: a peer's requests reach the left-out server through
 * the real ATT bearer, wired as the host wires it (server_pdu ->
 * bh_gatts_on_pdu -> respond -> bh_att_respond), and each gets Request Not
 * Supported with handle 0x0000 (Vol 3, Part F, 3.4.1.1); commands are
 * ignored; the bearer keeps answering Exchange MTU itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/att.h>
#include <blehost/gatt_server.h>

struct wire {
	struct bh_att *att;
	struct bh_gatts *s;
	uint8_t sent[8][32];
	size_t sent_len[8];
	unsigned nsent;
	unsigned nresp;
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

static void att_server_pdu(void *ctx, const uint8_t *pdu, size_t len)
{
	struct wire *w = ctx;
	bh_gatts_on_pdu(w->s, 0x0040, pdu, len);
}

static int gatts_respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	struct wire *w = ctx;
	assert_int_equal(conn, 0x0040);
	w->nresp++;
	return bh_att_respond(w->att, pdu, len);
}

static void wire_up(struct wire *w)
{
	memset(w, 0, sizeof(*w));
	struct bh_att_port ap = { .ctx = w, .send = att_send, .server_pdu = att_server_pdu };
	struct bh_att_config ac;
	bh_att_config_default(&ac);
	w->att = bh_att_new(&ac, &g_env, &ap);
	assert_non_null(w->att);
	struct bh_gatts_port sp = { .ctx = w, .respond = gatts_respond };
	struct bh_gatts_config sc;
	bh_gatts_config_default(&sc);
	w->s = bh_gatts_new(&sc, &g_env, &sp, NULL);
	assert_non_null(w->s);
	assert_int_equal(bh_gatts_connected(w->s, 0x0040), BH_OK);
}

static void wire_down(struct wire *w)
{
	bh_gatts_disconnected(w->s, 0x0040);
	bh_gatts_free(w->s);
	bh_att_free(w->att);
}

#define PDU_IN(w, ...) do { const uint8_t _p[] = { __VA_ARGS__ }; \
	bh_att_on_pdu((w)->att, _p, sizeof(_p)); } while (0)

static void expect_error(struct wire *w, unsigned i, uint8_t req)
{
	const uint8_t want[] = { BH_ATT_ERROR_RSP, req, 0x00, 0x00, BH_ATT_E_REQUEST_NOT_SUPPORTED };
	assert_true(i < w->nsent);
	assert_int_equal(w->sent_len[i], sizeof(want));
	assert_memory_equal(w->sent[i], want, sizeof(want));
}

static void test_requests_not_supported(void **state)
{
	(void)state;
	struct wire w;
	wire_up(&w);
	/* Primary service discovery: Read By Group Type, 0x0001-0xffff, 0x2800. */
	PDU_IN(&w, BH_ATT_READ_BY_GROUP_REQ, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28);
	expect_error(&w, 0, BH_ATT_READ_BY_GROUP_REQ);
	/* The bearer is free again: the next request is answered too. */
	PDU_IN(&w, BH_ATT_READ_REQ, 0x03, 0x00);
	expect_error(&w, 1, BH_ATT_READ_REQ);
	PDU_IN(&w, BH_ATT_WRITE_REQ, 0x03, 0x00, 0x01);
	expect_error(&w, 2, BH_ATT_WRITE_REQ);
	assert_int_equal(w.nresp, 3);
	/* Commands get no answer. */
	PDU_IN(&w, BH_ATT_WRITE_CMD, 0x03, 0x00, 0x01);
	assert_int_equal(w.nsent, 3);
	/* Exchange MTU stays with the bearer. */
	PDU_IN(&w, BH_ATT_MTU_REQ, 0x40, 0x00);
	assert_int_equal(w.nsent, 4);
	assert_int_equal(w.sent[3][0], BH_ATT_MTU_RSP);
	assert_int_equal(w.nresp, 3);
	wire_down(&w);
}

static void test_api_not_supported(void **state)
{
	(void)state;
	struct wire w;
	wire_up(&w);
	static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0x180f) };
	assert_int_equal(bh_gatts_add_services(w.s, &svc, 1), BH_ENOTSUP);
	assert_int_equal(bh_gatts_service_handle(w.s, &svc), 0);
	assert_int_equal(bh_gatts_set_value(w.s, 3, "x", 1), BH_ENOTSUP);
	size_t len = 9;
	uint8_t buf[4];
	assert_int_equal(bh_gatts_get_value(w.s, 3, buf, sizeof(buf), &len), BH_ENOTSUP);
	assert_int_equal(len, 0);
	assert_int_equal(bh_gatts_notify(w.s, 0x0040, 3, "x", 1, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gatts_indicate(w.s, 0x0040, 3, "x", 1), BH_ENOTSUP);
	assert_int_equal(bh_gatts_changed(w.s, 3, "x", 1, NULL), BH_ENOTSUP);
	assert_int_equal(bh_gatts_export_cccd(w.s, 0x0040, buf, sizeof(buf), &len), BH_ENOTSUP);
	uint8_t hash[16];
	memset(hash, 0xaa, sizeof(hash));
	assert_int_equal(bh_gatts_db_hash(w.s, hash), BH_ENOTSUP);
	assert_memory_equal(hash, (uint8_t[16]){ 0 }, 16);
	assert_int_equal(w.nsent, 0);
	wire_down(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_not_supported),
		cmocka_unit_test(test_api_not_supported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
