/* -Dsigned_write=false: the demo database (`blehost peripheral`'s default,
 * tools/demo_db.json compiled in, and tools/demo_db_c.c that the benchmarks
 * serve) gives demo 06 an encrypted write instead of the signed-write
 * property that such a server refuses, so it still serves. A user's own
 * description with that property is still refused, naming the option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "demo_db.h"
#include "gatt_db_json.h"

#include <blehost/gatt_server.h>

#include <string.h>

static bh_time_ms no_clock(void *ctx)
{
	(void)ctx;
	return 0;
}

static int no_respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	(void)ctx;
	(void)conn;
	(void)pdu;
	(void)len;
	return 0;
}

static uint16_t mtu23(void *ctx, uint16_t conn)
{
	(void)ctx;
	(void)conn;
	return 23;
}

static struct bh_gatts *server(void)
{
	static struct bh_env env = { .now = no_clock, .log_level = BH_LOG_ERROR };
	static struct bh_gatts_port port = { .respond = no_respond, .mtu = mtu23 };
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	struct bh_gatts *s = bh_gatts_new(&cfg, &env, &port, NULL);
	assert_non_null(s);
	return s;
}

/* The properties octet of the characteristic whose value is at vh. */
static uint8_t props_of(struct bh_gatts *s, uint16_t vh)
{
	uint8_t decl[19];
	size_t len = 0;
	assert_int_equal(bh_gatts_get_value(s, (uint16_t)(vh - 1), decl, sizeof(decl), &len), BH_OK);
	assert_true(len >= 3);
	assert_int_equal(decl[1] | decl[2] << 8, vh);
	return decl[0];
}

extern const char demo_db_json[];
extern const size_t demo_db_json_len;

static void test_demo_serves(void **state)
{
	(void)state;
	/* The JSON description (`blehost peripheral`) and the C one (bench). */
	char err[256] = "";
	struct gatt_db *db = gatt_db_parse(demo_db_json, demo_db_json_len, err, sizeof(err));
	assert_non_null(db);
	assert_string_equal(err, "");
	struct bh_gatts *sj = server(), *sc = server();
	size_t n;
	const struct bh_gatt_svc_def *d = gatt_db_services(db, &n);
	assert_int_equal(bh_gatts_add_services(sj, d, n), BH_OK);
	struct demo_handles dh;
	assert_int_equal(demo_db_add(sc, &dh), BH_OK);
	assert_int_not_equal(dh.signed_write, 0);
	uint8_t want = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE;
	assert_int_equal(props_of(sc, dh.signed_write), want);
	assert_int_equal(props_of(sj, dh.signed_write), want);
	uint8_t hj[16], hc[16];
	assert_int_equal(bh_gatts_db_hash(sj, hj), BH_OK);
	assert_int_equal(bh_gatts_db_hash(sc, hc), BH_OK);
	assert_memory_equal(hj, hc, 16); /* the same database both ways */
	bh_gatts_free(sj);
	bh_gatts_free(sc);
	gatt_db_free(db);
}

static void test_user_db_refused(void **state)
{
	(void)state;
	static const char json[] =
		"{ \"services\": [ { \"uuid\": \"b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d00\",\n"
		"  \"characteristics\": [ { \"uuid\": \"2a00\",\n"
		"    \"properties\": [\"read\", \"signed-write\"] } ] } ] }\n";
	char err[256] = "";
	struct gatt_db *db = gatt_db_parse(json, strlen(json), err, sizeof(err));
	assert_non_null(db);
	struct bh_gatts *s = server();
	size_t n;
	const struct bh_gatt_svc_def *d = gatt_db_services(db, &n);
	assert_int_equal(bh_gatts_add_services(s, d, n), BH_ENOTSUP);
	bh_gatts_free(s);
	gatt_db_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_serves),
		cmocka_unit_test(test_user_db_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
