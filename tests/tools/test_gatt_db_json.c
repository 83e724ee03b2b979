/* The JSON reader (tools/json_parse.c) and the GATT description loader
 * (tools/gatt_db_json.c) behind `blehost peripheral --db`: what a good
 * file becomes, and for each kind of bad file the line and member path
 * in the error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "demo_db.h"
#include "gatt_db_json.h"
#include "json_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char demo_db_json[];
extern const size_t demo_db_json_len;

static struct jv *parse(const char *s, char *err, size_t n)
{
	return jv_parse(s, strlen(s), err, n);
}

static void test_json_values(void **state)
{
	(void)state;
	char err[256];
	struct jv *v = parse("\xef\xbb\xbf{ \"a\": [1, -2.5e1, true, false, null],\n"
			     "  \"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\", \"o\": {} }", err, sizeof(err));
	assert_non_null(v);
	assert_int_equal(v->type, JV_OBJ);
	const struct jv *a = jv_get(v, "a");
	assert_non_null(a);
	assert_int_equal(a->len, 5);
	assert_true(a->items[0].integral);
	assert_true(a->items[0].num == 1);
	assert_false(a->items[1].integral);
	assert_true(a->items[1].num == -25);
	assert_true(a->items[2].b);
	assert_false(a->items[3].b);
	assert_int_equal(a->items[4].type, JV_NULL);
	const struct jv *s = jv_get(v, "s");
	assert_string_equal(s->str, "x\xc3\xa9\xf0\x9f\x98\x80\n\"");
	assert_int_equal(s->line, 2);
	assert_int_equal(s->col, 8);
	assert_int_equal(jv_get(v, "o")->type, JV_OBJ);
	assert_null(jv_get(v, "missing"));
	jv_free(v);
}

static void test_json_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "", "line 1, column 1: unexpected end of the file" },
		{ "{\"a\": 1,}", "column 9: trailing comma before '}'" },
		{ "[1, 2,]", "trailing comma before ']'" },
		{ "{'a': 1}", "member name in double quotes" },
		{ "['a']", "strings take double quotes, not single" },
		{ "{\"a\" 1}", "expected ':' after \"a\"" },
		{ "{\"a\": 1\n \"b\": 2}", "line 2, column 2: expected ',' or '}' in the object opened at line 1" },
		{ "[1 2]", "expected ',' or ']'" },
		{ "\"abc", "string not closed" },
		{ "\"a\tb\"", "control character in a string" },
		{ "\"\\q\"", "unknown escape '\\q'" },
		{ "\"\\u12\"", "\\u wants four hex digits" },
		{ "\"\\ud800\"", "unpaired UTF-16 surrogate" },
		{ "\"\\udc00\"", "unpaired UTF-16 surrogate" },
		{ "\"\\u0000\"", "\\u0000 is not allowed" },
		{ "\"\xc3\x28\"", "invalid UTF-8" },
		{ "\"\xc0\xaf\"", "invalid UTF-8" }, /* overlong */
		{ "\"\xed\xa0\x80\"", "invalid UTF-8" }, /* encoded surrogate */
		{ "0123", "no leading zeros" },
		{ "1.", "a digit must follow the decimal point" },
		{ "1e+", "a digit must follow the exponent" },
		{ "-", "not a number" },
		{ "tru", "expected a value" },
		{ "{\"a\": 1, \"a\": 2}", "duplicate member \"a\"" },
		{ "{} x", "text after the end of the document" },
		{ "{\"a\": }", "expected a value" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256];
		struct jv *v = parse(cases[i].text, err, sizeof(err));
		if (v || !strstr(err, cases[i].err))
			fail_msg("case %zu '%s': got '%s', want '%s'", i, cases[i].text, v ? "(parsed)" : err,
				 cases[i].err);
	}
	/* Deep nesting is refused, not a stack overflow. */
	char deep[300];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = 0;
	char err[256];
	assert_null(parse(deep, err, sizeof(err)));
	assert_non_null(strstr(err, "nested deeper than 64"));
	/* A tiny error buffer is not overrun. */
	char small[8];
	assert_null(parse("[1 2]", small, sizeof(small)));
	assert_int_equal(strlen(small), 7);
}

static void test_demo_db(void **state)
{
	(void)state;
	char err[256] = "";
	struct gatt_db *db = gatt_db_parse(demo_db_json, demo_db_json_len, err, sizeof(err));
	assert_non_null(db);
	size_t n;
	const struct bh_gatt_svc_def *s = gatt_db_services(db, &n);
	assert_int_equal(n, 4);
	assert_int_equal(bh_uuid_as16(&s[0].uuid), 0x180d);
	assert_int_equal(s[0].num_chrs, 2);
	const struct bh_gatt_chr_def *hr = &s[0].chrs[0];
	assert_int_equal(hr->props, BH_GATT_CHR_NOTIFY);
	assert_int_equal(hr->initial_len, 2);
	assert_memory_equal(hr->initial, "\x00\x48", 2);
	assert_true(hr->fixed_len);
	assert_int_equal(hr->max_len, 2);
	assert_int_equal(s[3].uuid.len, 16);
	assert_int_equal(s[3].num_chrs, 6);
	const struct bh_gatt_chr_def *lv = &s[3].chrs[0];
	assert_int_equal(lv->initial_len, 300);
	assert_int_equal(((const uint8_t *)lv->initial)[299], 43);
	assert_int_equal(lv->max_len, 512);
	assert_string_equal(lv->user_desc, "300-byte read/write value");
	assert_int_equal(s[3].chrs[3].read_perm, BH_GATT_PERM_ENC_NO_MITM);
	assert_int_equal(s[3].chrs[4].read_perm, BH_GATT_PERM_ENC_MITM);
	assert_int_equal(s[3].chrs[5].props, BH_GATT_CHR_READ | BH_GATT_CHR_AUTH_SIGNED_WRITE);
	assert_int_equal(s[3].chrs[5].write_perm, BH_GATT_PERM_ENC_NO_MITM);
	bh_uuid bat = bh_uuid16(0x2a19), svc = bh_uuid16(0x180f), other = bh_uuid16(0x180d);
	assert_ptr_equal(gatt_db_find_chr(db, &svc, &bat), &s[1].chrs[0]);
	assert_ptr_equal(gatt_db_find_chr(db, NULL, &bat), &s[1].chrs[0]);
	assert_null(gatt_db_find_chr(db, &other, &bat));
	gatt_db_free(db);

	/* The same service twice: a characteristic of the second is found
	 * (fuzz_tools_gatt_db found the first one's miss ending the search). */
	static const char twice[] =
		"{\"services\": [{\"uuid\": \"180f\", \"characteristics\": ["
		"{\"uuid\": \"2a19\", \"properties\": [\"read\"], \"value_hex\": \"01\"}]},"
		"{\"uuid\": \"180f\", \"characteristics\": ["
		"{\"uuid\": \"2a1a\", \"properties\": [\"read\"], \"value_hex\": \"02\"}]}]}";
	db = gatt_db_parse(twice, sizeof(twice) - 1, err, sizeof(err));
	assert_non_null(db);
	s = gatt_db_services(db, &n);
	assert_int_equal(n, 2);
	bh_uuid second = bh_uuid16(0x2a1a);
	assert_ptr_equal(gatt_db_find_chr(db, &svc, &second), &s[1].chrs[0]);
	assert_null(gatt_db_find_chr(db, &other, &second));
	gatt_db_free(db);
}

static void same_chr(const struct bh_gatt_chr_def *j, const struct bh_gatt_chr_def *c)
{
	assert_true(bh_uuid_eq(&j->uuid, &c->uuid));
	assert_int_equal(j->props, c->props);
	assert_int_equal(j->ext_props, c->ext_props);
	assert_int_equal(j->read_perm, c->read_perm);
	assert_int_equal(j->write_perm, c->write_perm);
	assert_int_equal(j->initial_len, c->initial_len);
	assert_memory_equal(j->initial, c->initial, j->initial_len);
	assert_int_equal(j->max_len, c->max_len);
	assert_int_equal(j->fixed_len, c->fixed_len);
	assert_int_equal(j->user_desc == NULL, c->user_desc == NULL);
	if (j->user_desc)
		assert_string_equal(j->user_desc, c->user_desc);
	assert_int_equal(j->format == NULL, c->format == NULL);
	assert_int_equal(j->num_dscs, c->num_dscs);
	assert_null(j->read);
	assert_null(c->read);
	assert_null(c->write);
}

static bh_time_ms no_clock(void *ctx)
{
	(void)ctx;
	return 0;
}

static int no_respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	(void)ctx, (void)conn, (void)pdu, (void)len;
	return 0;
}

static uint16_t mtu23(void *ctx, uint16_t conn)
{
	(void)ctx, (void)conn;
	return 23;
}

/* tools/demo_db_c.c (what bench_size serves) is tools/demo_db.json: the
 * same definitions, and servers holding them have the same attributes,
 * values, hash and demo handles. */
static void test_demo_db_in_c(void **state)
{
	(void)state;
	char err[256] = "";
	struct gatt_db *db = gatt_db_parse(demo_db_json, demo_db_json_len, err, sizeof(err));
	assert_non_null(db);
	size_t n, nc;
	const struct bh_gatt_svc_def *s = gatt_db_services(db, &n);
	const struct bh_gatt_svc_def *c = demo_db_c_services(&nc);
	assert_int_equal(n, nc);
	for (size_t i = 0; i < n; i++) {
		assert_true(bh_uuid_eq(&s[i].uuid, &c[i].uuid));
		assert_int_equal(s[i].secondary, c[i].secondary);
		assert_int_equal(s[i].num_includes, c[i].num_includes);
		assert_int_equal(s[i].num_include_handles, c[i].num_include_handles);
		assert_int_equal(s[i].num_chrs, c[i].num_chrs);
		for (size_t k = 0; k < s[i].num_chrs; k++)
			same_chr(&s[i].chrs[k], &c[i].chrs[k]);
	}

	struct bh_env env = { .now = no_clock, .log_level = BH_LOG_ERROR };
	struct bh_gatts_port port = { .respond = no_respond, .mtu = mtu23 };
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	struct bh_gatts *gj = bh_gatts_new(&cfg, &env, &port, NULL);
	struct bh_gatts *gc = bh_gatts_new(&cfg, &env, &port, NULL);
	assert_non_null(gj);
	assert_non_null(gc);
	assert_int_equal(bh_gatts_add_services(gj, s, n), BH_OK);
	struct demo_handles dh;
	assert_int_equal(demo_db_add(gc, &dh), BH_OK);
	uint8_t hj[16], hc[16];
	assert_int_equal(bh_gatts_db_hash(gj, hj), BH_OK);
	assert_int_equal(bh_gatts_db_hash(gc, hc), BH_OK);
	assert_memory_equal(hj, hc, 16);
	unsigned values = 0;
	for (unsigned h = 1; h < 0x100; h++) {
		uint8_t vj[512], vc[512];
		size_t lj = 0, lc = 0;
		bh_status sj = bh_gatts_get_value(gj, (uint16_t)h, vj, sizeof(vj), &lj);
		assert_int_equal(sj, bh_gatts_get_value(gc, (uint16_t)h, vc, sizeof(vc), &lc));
		if (sj)
			continue;
		values++;
		assert_int_equal(lj, lc);
		assert_memory_equal(vj, vc, lj);
	}
	assert_true(values >= 9);
	const struct bh_gatt_chr_def *demo = s[3].chrs;
	uint16_t want[] = { bh_gatts_value_handle(gj, &s[0].chrs[0]),
			    bh_gatts_value_handle(gj, &s[0].chrs[1]),
			    bh_gatts_value_handle(gj, &s[1].chrs[0]),
			    bh_gatts_value_handle(gj, &s[2].chrs[0]),
			    bh_gatts_value_handle(gj, &demo[0]), bh_gatts_value_handle(gj, &demo[1]),
			    bh_gatts_value_handle(gj, &demo[2]), bh_gatts_value_handle(gj, &demo[3]),
			    bh_gatts_value_handle(gj, &demo[4]), bh_gatts_value_handle(gj, &demo[5]) };
	uint16_t got[] = { dh.heart_rate, dh.sensor_location, dh.battery, dh.manufacturer,
			   dh.long_value, dh.write_cmd, dh.indicate, dh.encrypted,
			   dh.authenticated, dh.signed_write };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_not_equal(want[i], 0);
		assert_int_equal(want[i], got[i]);
	}
	bh_gatts_free(gj);
	bh_gatts_free(gc);
	gatt_db_free(db);
}

static void test_full_features(void **state)
{
	(void)state;
	const char *text =
		"{\"services\": [\n"
		" {\"uuid\": \"0xfe00\", \"secondary\": true},\n"
		" {\"uuid\": \"0000180f-0000-1000-8000-00805f9b34fb\", \"characteristics\": [\n"
		"  {\"uuid\": \"2a19\", \"properties\": [\"read\", \"write\", \"reliable-write\",\n"
		"     \"writable-auxiliaries\", \"broadcast\", \"indicate\"],\n"
		"   \"read\": \"secure-connections\", \"write\": \"authenticated\",\n"
		"   \"value_hex\": \"0x01:02-03 04\", \"max_length\": \"0x10\", \"description\": \"d\",\n"
		"   \"format\": {\"format\": 4, \"exponent\": -2, \"unit\": \"0x27ad\", \"namespace\": 1,\n"
		"              \"description\": 0},\n"
		"   \"descriptors\": [{\"uuid\": \"2908\", \"write\": \"open\", \"value\": \"ab\",\n"
		"                     \"max_length\": 2, \"fixed_length\": true}]}]}]}";
	char err[256] = "";
	struct gatt_db *db = gatt_db_parse(text, strlen(text), err, sizeof(err));
	if (!db)
		fail_msg("%s", err);
	size_t n;
	const struct bh_gatt_svc_def *s = gatt_db_services(db, &n);
	assert_int_equal(n, 2);
	assert_true(s[0].secondary);
	assert_int_equal(s[0].num_chrs, 0);
	assert_int_equal(s[1].uuid.len, 2); /* a Base UUID shortened */
	const struct bh_gatt_chr_def *c = &s[1].chrs[0];
	assert_int_equal(c->props, BH_GATT_CHR_READ | BH_GATT_CHR_WRITE | BH_GATT_CHR_BROADCAST |
					   BH_GATT_CHR_INDICATE);
	assert_int_equal(c->ext_props,
			 BH_GATT_CHR_EXT_RELIABLE_WRITE | BH_GATT_CHR_EXT_WRITABLE_AUX);
	assert_int_equal(c->read_perm, BH_GATT_PERM_LESC_MITM);
	assert_int_equal(c->write_perm, BH_GATT_PERM_ENC_MITM);
	assert_int_equal(c->initial_len, 4);
	assert_memory_equal(c->initial, "\x01\x02\x03\x04", 4);
	assert_int_equal(c->max_len, 16);
	assert_int_equal(c->format->exponent, -2);
	assert_int_equal(c->format->unit, 0x27ad);
	assert_int_equal(c->num_dscs, 1);
	assert_int_equal(c->dscs[0].read_perm, BH_GATT_PERM_OPEN);
	assert_int_equal(c->dscs[0].write_perm, BH_GATT_PERM_OPEN);
	assert_true(c->dscs[0].fixed_len);
	gatt_db_free(db);
}

/* A service holding one characteristic given by CHR (JSON members). */
#define ONE_CHR(chr) "{\"services\": [{\"uuid\": \"180d\", \"characteristics\": [\n{" chr "}]}]}"
#define CHR0 "services[0].characteristics[0]"

static void test_db_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "[]", "line 1: (top): the description must be an object with \"services\", not an array" },
		{ "{}", "(top): \"services\" is missing" },
		{ "{\"services\": {}}", "services: must be an array, not an object" },
		{ "{\"services\": []}", "services: no service given" },
		{ "{\"services\": [], \"extra\": 1}", "unknown member \"extra\" (known: services)" },
		{ "{\"services\": [7]}", "services[0]: a service must be an object, not a number" },
		{ "{\"services\": [{}]}", "services[0]: \"uuid\" is missing" },
		{ "{\"services\": [{\"uuid\": 180}]}", "services[0].uuid: must be a string, not a number" },
		{ "{\"services\": [{\"uuid\": \"18 0d\"}]}", "services[0].uuid: \"18 0d\" is not a UUID" },
		{ "{\"services\": [{\"uuid\": \"1800\"}]}", "the server adds the GAP (1800) service itself" },
		{ "{\"services\": [{\"uuid\": \"1801\"}]}", "the server adds the GATT (1801) service itself" },
		{ "{\"services\": [{\"uuid\": \"180d\", \"secondary\": 1}]}",
		  "services[0].secondary: must be a boolean" },
		{ "{\"services\": [{\"uuid\": \"180d\", \"characteristic\": []}]}",
		  "services[0]: unknown member \"characteristic\" (known: uuid, secondary, characteristics)" },
		{ "{\"services\": [{\"uuid\": \"180d\", \"characteristics\": [[]]}]}",
		  CHR0 ": a characteristic must be an object, not an array" },
		{ ONE_CHR("\"uuid\": \"2a37\""), "line 2: " CHR0 ": \"properties\" is missing" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": []"),
		  CHR0 ".properties: a characteristic needs at least one property" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": \"read\""),
		  CHR0 ".properties: must be an array, not a string" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\", \"reed\"]"),
		  CHR0 ".properties[1]: unknown property \"reed\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\", 2]"),
		  CHR0 ".properties[1]: must be a string, not a number" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\", \"read\"]"),
		  CHR0 ".properties[1]: \"read\" is listed twice" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"propertis\": [\"read\"]"),
		  CHR0 ": unknown member \"propertis\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"read\": \"secret\""),
		  CHR0 ".read: unknown permission \"secret\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"read\": \"none\""),
		  CHR0 ".read: \"none\" contradicts the read property" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"notify\"], \"read\": \"open\""),
		  CHR0 ".read: \"open\" access without the read property" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"write\": \"encrypted\""),
		  CHR0 ".write: \"encrypted\" access without the write" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"write\"], \"write\": \"none\""),
		  CHR0 ".write: \"none\" contradicts the write" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"value\": \"a\", \"value_hex\": \"00\""),
		  CHR0 ".value_hex: give \"value\" or \"value_hex\", not both" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"value_hex\": \"123\""),
		  CHR0 ".value_hex: not pairs of hex digits at \"3\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"value_hex\": \"zz\""),
		  CHR0 ".value_hex: not pairs of hex digits" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"value\": 5"),
		  CHR0 ".value: must be a string, not a number" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"max_length\": 513"),
		  CHR0 ".max_length: must be a whole number from 0 to 512" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"max_length\": 1.5"),
		  CHR0 ".max_length: must be a whole number" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"max_length\": -1"),
		  CHR0 ".max_length: must be a whole number" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"max_length\": \"lots\""),
		  CHR0 ".max_length: \"lots\" is not a number from 0 to 512" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"max_length\": true"),
		  CHR0 ".max_length: must be a number, not a boolean" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"value\": \"abc\", \"max_length\": 2"),
		  CHR0 ".max_length: 2 is shorter than the value (3 bytes)" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"value\": \"abc\", \"max_length\": 4, "
			  "\"fixed_length\": true"),
		  CHR0 ".fixed_length: the value is 3 bytes but a fixed length of 4" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"fixed_length\": \"yes\""),
		  CHR0 ".fixed_length: must be a boolean, not a string" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"description\": []"),
		  CHR0 ".description: must be a string, not an array" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"format\": {\"unit\": 70000}"),
		  CHR0 ".format.unit: must be a whole number from 0 to 65535" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"format\": {\"exponent\": 200}"),
		  CHR0 ".format.exponent: must be a whole number from -128 to 127" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"format\": {\"units\": 1}"),
		  CHR0 ".format: unknown member \"units\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": {}"),
		  CHR0 ".descriptors: must be an array, not an object" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [1]"),
		  CHR0 ".descriptors[0]: a descriptor must be an object, not a number" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"notify\"], \"descriptors\": [{\"uuid\": \"2902\"}]"),
		  CHR0 ".descriptors[0].uuid: not definable here (Client Characteristic Configuration" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{\"uuid\": \"2901\"}]"),
		  "use \"description\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{\"uuid\": \"2900\"}]"),
		  "Characteristic Extended Properties" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{\"uuid\": \"2903\"}]"),
		  "Server Characteristic Configuration" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{\"uuid\": \"2904\"}]"),
		  "use \"format\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{}]"),
		  CHR0 ".descriptors[0]: \"uuid\" is missing" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{\"uuid\": \"2908\", "
			  "\"read\": \"maybe\"}]"),
		  CHR0 ".descriptors[0].read: unknown permission \"maybe\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{\"uuid\": \"2908\", "
			  "\"properties\": []}]"),
		  CHR0 ".descriptors[0]: unknown member \"properties\"" },
		{ ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], \"descriptors\": [{\"uuid\": \"2908\", "
			  "\"value\": \"abc\", \"max_length\": 1}]"),
		  CHR0 ".descriptors[0].max_length: 1 is shorter than the value" },
		{ "{\"services\": [{\"uuid\": \"180d\"}, {\"uuid\": \"180f\", \"characteristics\": [\n\n"
		  "{\"uuid\": \"2a19\", \"properties\": [\"write\"], \"read\": \"open\"}]}]}",
		  "line 3: services[1].characteristics[0].read: \"open\" access without the read" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		struct gatt_db *db = gatt_db_parse(cases[i].text, strlen(cases[i].text), err, sizeof(err));
		if (db || !strstr(err, cases[i].err)) {
			gatt_db_free(db);
			fail_msg("case %zu: got '%s', want '%s'", i, db ? "(parsed)" : err, cases[i].err);
		}
	}
}

static void test_value_limits(void **state)
{
	(void)state;
	/* 513 bytes of text, then 512 (the ATT maximum, accepted). */
	char text[700], err[256];
	for (int len = 513; len >= 512; len--) {
		int n = snprintf(text, sizeof(text), ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], "
							     "\"value\": \"%0*d\""), len, 0);
		struct gatt_db *db = gatt_db_parse(text, (size_t)n, err, sizeof(err));
		if (len == 513) {
			assert_null(db);
			assert_non_null(strstr(err, CHR0 ".value: 513 bytes: an attribute value is at most 512"));
		} else {
			assert_non_null(db);
			size_t ns;
			assert_int_equal(gatt_db_services(db, &ns)[0].chrs[0].initial_len, 512);
			gatt_db_free(db);
		}
	}
	/* The same for a description. */
	int n = snprintf(text, sizeof(text), ONE_CHR("\"uuid\": \"2a37\", \"properties\": [\"read\"], "
						     "\"description\": \"%0513d\""), 0);
	assert_null(gatt_db_parse(text, (size_t)n, err, sizeof(err)));
	assert_non_null(strstr(err, CHR0 ".description: 513 bytes: at most 512"));
}

static void test_load_file(void **state)
{
	(void)state;
	char err[512];
	assert_null(gatt_db_load("/nonexistent/db.json", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/db.json: No such file or directory");
	assert_null(gatt_db_load("/", err, sizeof(err)));
	assert_non_null(strstr(err, "/: "));
	char path[] = "/tmp/gatt_db_json_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	/* Larger than GATT_DB_MAX_FILE: refused before parsing. */
	for (size_t i = 0; i <= GATT_DB_MAX_FILE; i += 64)
		fputs("                                                               \n", f);
	fclose(f);
	assert_null(gatt_db_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "larger than 1048576 bytes"));
	f = fopen(path, "w");
	fputs("{\"services\": [{\"uuid\": \"180d\"}]}\n", f);
	fclose(f);
	struct gatt_db *db = gatt_db_load(path, err, sizeof(err));
	assert_non_null(db);
	gatt_db_free(db);
	f = fopen(path, "w");
	fputs("{\"services\": [{\"uuid\": \"180d\"}]", f);
	fclose(f);
	assert_null(gatt_db_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 1, column 32: expected ',' or '}'"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),  cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_demo_db),      cmocka_unit_test(test_full_features),
		cmocka_unit_test(test_db_errors),    cmocka_unit_test(test_value_limits),
		cmocka_unit_test(test_load_file),    cmocka_unit_test(test_demo_db_in_c),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
