/* GATT server database tests: handle assignment, built-in services, the
 * Database Hash vector, definition errors, add/remove, values, bond blobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatts_fake.h"

/* ---- the spec's example database (Vol 3, Part G, Appendix B) ------------- */

static const struct bh_gatt_svc_def ex_svcs[2];
static const struct bh_gatt_svc_def *const ex_glucose_inc[] = { &ex_svcs[1] };
static const struct bh_gatt_chr_def ex_glucose_chrs[] = {
	{ .uuid = BH_UUID16_INIT(0x2a18),
	  .props = BH_GATT_CHR_READ | BH_GATT_CHR_INDICATE | BH_GATT_CHR_EXT_PROPS,
	  .initial = "\x00", .initial_len = 1 },
};
static const struct bh_gatt_chr_def ex_battery_chrs[] = {
	{ .uuid = BH_UUID16_INIT(0x2a19), .props = BH_GATT_CHR_READ, .initial = "\x64",
	  .initial_len = 1 },
};
static const struct bh_gatt_svc_def ex_svcs[2] = {
	{ .uuid = BH_UUID16_INIT(0x1808), .includes = ex_glucose_inc, .num_includes = 1,
	  .chrs = ex_glucose_chrs, .num_chrs = 1 },
	{ .uuid = BH_UUID16_INIT(0x180f), .secondary = true, .chrs = ex_battery_chrs, .num_chrs = 1 },
};

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The expected hash from the shared vector file (MSO first), so the test
 * follows the vector rather than a copy of it. */
static void vector_hash(uint8_t out[16])
{
	/* meson passes the path of ../shared/vectors/smp_vectors.json */
	const char *env = getenv("BH_VECTORS");
	FILE *fp = env ? fopen(env, "r") : NULL;
	static char buf[1 << 20];
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = 0;
	const char *p = strstr(buf, "\"gatt_database_hash\"");
	p = p ? strstr(p, "\"hash\"") : NULL;
	p = p ? strchr(p + 6, '"') : NULL;
	if (!p) {
		/* The vector as printed in the file, if it cannot be read. */
		p = "\"f1ca2d48ecf58bac8a8830bbb9fba990";
	}
	p++;
	for (int i = 0; i < 16; i++)
		out[i] = (uint8_t)(hexval(p[2 * i]) << 4 | hexval(p[2 * i + 1]));
}

static void test_db_hash_spec_example(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	cfg.device_name_writable = true; /* Device Name props 0x0a in the example */
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_add_services(f.s, ex_svcs, 2), BH_OK);

	/* Handles as in the example. */
	assert_int_equal(bh_gatts_service_handle(f.s, &ex_svcs[0]), 14);
	assert_int_equal(bh_gatts_service_handle(f.s, &ex_svcs[1]), 20);
	assert_int_equal(bh_gatts_value_handle(f.s, &ex_glucose_chrs[0]), 17);
	assert_int_equal(bh_gatts_cccd_handle(f.s, 17), 18);
	assert_int_equal(bh_gatts_service_changed_handle(f.s), 8);

	uint8_t want[16], got[16];
	vector_hash(want);
	bh_gatts_db_hash(f.s, got);
	assert_memory_equal(got, want, 16);

	/* The characteristic carries it LSO first. */
	assert_int_equal(bh_gatts_connected(f.s, 0x40), BH_OK);
	const struct fake_pdu *r = REQ(&f, 0x40, BH_ATT_READ_REQ, 13, 0);
	assert_non_null(r);
	assert_int_equal(r->len, 17);
	for (int i = 0; i < 16; i++)
		assert_int_equal(r->data[1 + i], want[15 - i]);

	/* Include declaration value: 0x0014..0x0016, UUID 0x180F. */
	r = REQ(&f, 0x40, BH_ATT_READ_REQ, 15, 0);
	assert_int_equal(r->len, 7);
	assert_memory_equal(r->data + 1, "\x14\x00\x16\x00\x0f\x18", 6);
	fake_free(&f);
}

static void test_builtin_services(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	cfg.device_name = "sensor";
	cfg.appearance = 0x0341;
	cfg.ppcp_present = true;
	cfg.ppcp_min_interval = 6;
	cfg.ppcp_max_interval = 12;
	cfg.ppcp_timeout = 400;
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_READ_REQ, 3, 0);
	assert_int_equal(r->len, 7);
	assert_memory_equal(r->data + 1, "sensor", 6);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 5, 0);
	assert_memory_equal(r->data, "\x0b\x41\x03", 3);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 7, 0);
	assert_memory_equal(r->data, "\x0b\x06\x00\x0c\x00\x00\x00\x90\x01", 9);
	/* Device name not writable by default. */
	r = REQ(&f, 1, BH_ATT_WRITE_REQ, 3, 0, 'x');
	fake_expect_error(r, BH_ATT_WRITE_REQ, 3, BH_ATT_E_WRITE_NOT_PERMITTED);
	/* Service Changed is not readable. */
	uint16_t sc = bh_gatts_service_changed_handle(f.s);
	assert_int_equal(sc, 10);
	r = REQ(&f, 1, BH_ATT_READ_REQ, (uint8_t)sc, 0);
	fake_expect_error(r, BH_ATT_READ_REQ, sc, BH_ATT_E_READ_NOT_PERMITTED);

	/* The application cannot define GAP or GATT again, in any UUID form. */
	struct bh_gatt_svc_def gap = { .uuid = BH_UUID16_INIT(0x1800) };
	assert_int_equal(bh_gatts_add_services(f.s, &gap, 1), BH_EINVAL);
	struct bh_gatt_svc_def gatt128 = {
		.uuid = BH_UUID128_INIT(0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80, 0x00, 0x10,
					0x00, 0x00, 0x01, 0x18, 0x00, 0x00) };
	assert_int_equal(bh_gatts_add_services(f.s, &gatt128, 1), BH_EINVAL);
	/* Nor remove them. */
	assert_int_equal(bh_gatts_remove_service(f.s, 1), BH_EPERM);
	assert_int_equal(bh_gatts_remove_service(f.s, 2), BH_ENOTFOUND);
	fake_free(&f);
}

static void test_bad_definitions(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	uint8_t before[16], after[16];
	bh_gatts_db_hash(f.s, before);

	struct bh_gatt_chr_def too_long = { .uuid = BH_UUID16_INIT(0x2a00 + 0x100), .props = 2,
					    .initial = "abc", .initial_len = 3, .max_len = 2 };
	struct bh_gatt_svc_def s1 = { .uuid = BH_UUID16_INIT(0x1234), .chrs = &too_long, .num_chrs = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &s1, 1), BH_EINVAL);

	struct bh_gatt_chr_def huge = { .uuid = BH_UUID16_INIT(0x2b00), .max_len = 513 };
	s1.chrs = &huge;
	assert_int_equal(bh_gatts_add_services(f.s, &s1, 1), BH_EINVAL);

	struct bh_gatt_chr_def fixed_bad = { .uuid = BH_UUID16_INIT(0x2b00), .initial = "ab",
					     .initial_len = 2, .max_len = 4, .fixed_len = true };
	s1.chrs = &fixed_bad;
	assert_int_equal(bh_gatts_add_services(f.s, &s1, 1), BH_EINVAL);

	struct bh_gatt_dsc_def cccd = { .uuid = BH_UUID16_INIT(0x2902) };
	struct bh_gatt_chr_def with_cccd = { .uuid = BH_UUID16_INIT(0x2b00), .dscs = &cccd, .num_dscs = 1 };
	s1.chrs = &with_cccd;
	assert_int_equal(bh_gatts_add_services(f.s, &s1, 1), BH_EINVAL);

	struct bh_gatt_chr_def bad_uuid = { .uuid = { 3, { 0 } } };
	s1.chrs = &bad_uuid;
	assert_int_equal(bh_gatts_add_services(f.s, &s1, 1), BH_EINVAL);

	struct bh_gatt_chr_def bad_ext = { .uuid = BH_UUID16_INIT(0x2b00), .ext_props = 0x4 };
	s1.chrs = &bad_ext;
	assert_int_equal(bh_gatts_add_services(f.s, &s1, 1), BH_EINVAL);

	/* An include of a service that is nowhere. */
	struct bh_gatt_svc_def other = { .uuid = BH_UUID16_INIT(0x1235) };
	const struct bh_gatt_svc_def *inc[] = { &other };
	struct bh_gatt_svc_def s2 = { .uuid = BH_UUID16_INIT(0x1234), .includes = inc, .num_includes = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &s2, 1), BH_EINVAL);

	/* A good service followed by a bad one: nothing is added. */
	struct bh_gatt_svc_def pair[2] = { { .uuid = BH_UUID16_INIT(0x1234) }, s1 };
	assert_int_equal(bh_gatts_add_services(f.s, pair, 2), BH_EINVAL);
	assert_int_equal(bh_gatts_service_handle(f.s, &pair[0]), 0);
	bh_gatts_db_hash(f.s, after);
	assert_memory_equal(before, after, 16);

	/* The same definition twice. */
	assert_int_equal(bh_gatts_add_services(f.s, &other, 1), BH_OK);
	assert_int_equal(bh_gatts_add_services(f.s, &other, 1), BH_EEXIST);
	assert_int_equal(bh_gatts_add_services(f.s, NULL, 1), BH_EINVAL);

	/* Bad configs. */
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	cfg.max_connections = 0;
	assert_null(bh_gatts_new(&cfg, &f.env, &f.port, NULL));
	bh_gatts_config_default(&cfg);
	char name[300];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	cfg.device_name = name;
	assert_null(bh_gatts_new(&cfg, &f.env, &f.port, NULL));
	assert_null(bh_gatts_new(NULL, &f.env, &f.port, NULL));
	fake_free(&f);
}

static void test_demo_handles_and_values(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);
	assert_int_equal(bh_gatts_service_handle(f.s, &demo_svcs[0]), 14);
	assert_int_equal(bh_gatts_value_handle(f.s, &demo_a_chrs[DEMO_HR]), 16);
	assert_int_equal(bh_gatts_cccd_handle(f.s, 16), 17);
	assert_int_equal(bh_gatts_value_handle(f.s, &demo_a_chrs[DEMO_LOC]), 19);
	assert_int_equal(bh_gatts_cccd_handle(f.s, 19), 0);
	assert_int_equal(bh_gatts_value_handle(f.s, &demo_a_chrs[DEMO_FIX]), 23);
	assert_int_equal(bh_gatts_service_handle(f.s, &demo_svcs[1]), 26);
	assert_int_equal(bh_gatts_value_handle(f.s, &demo_b_chrs[0]), 28);
	assert_int_equal(bh_gatts_dsc_handle(f.s, &demo_b_dscs[0]), 31);

	uint8_t buf[64];
	size_t n;
	assert_int_equal(bh_gatts_get_value(f.s, 16, buf, sizeof(buf), &n), BH_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(bh_gatts_set_value(f.s, 16, "0123456789", 10), BH_OK);
	assert_int_equal(bh_gatts_set_value(f.s, 16, buf, 21), BH_EINVAL); /* > max_len */
	assert_int_equal(bh_gatts_set_value(f.s, 23, "ab", 2), BH_EINVAL);   /* fixed 4 */
	assert_int_equal(bh_gatts_set_value(f.s, 23, "abcd", 4), BH_OK);
	assert_int_equal(bh_gatts_set_value(f.s, 15, "x", 1), BH_EINVAL);    /* a declaration */
	assert_int_equal(bh_gatts_set_value(f.s, 999, "x", 1), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_get_value(f.s, 16, buf, 4, &n), BH_OK);
	assert_int_equal(n, 4);
	assert_int_equal(bh_gatts_get_value(f.s, 999, buf, 4, &n), BH_ENOTFOUND);

	/* Presentation format and user description. */
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_READ_REQ, 20, 0);
	assert_int_equal(r->len, 9);
	assert_memory_equal(r->data + 1, "Location", 8);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 21, 0);
	assert_memory_equal(r->data, "\x0b\x04\xff\x00\x27\x01\x00\x00", 8);
	/* Extended properties of the fixed chr: reliable write. */
	r = REQ(&f, 1, BH_ATT_READ_REQ, 25, 0);
	assert_memory_equal(r->data, "\x0b\x01\x00", 3);
	/* The declaration says EXT_PROPS although only ext_props was set. */
	r = REQ(&f, 1, BH_ATT_READ_REQ, 22, 0);
	assert_int_equal(r->len, 1 + 3 + 16);
	assert_int_equal(r->data[1], 0x02 | 0x08 | 0x04 | 0x20 | 0x40 | 0x80);
	fake_free(&f);
}

static const struct bh_gatt_chr_def rt_chr = { .uuid = BH_UUID16_INIT(0x2a6e),
					       .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY,
					       .initial = "\x10\x20", .initial_len = 2 };
static const struct bh_gatt_svc_def rt_svc = { .uuid = BH_UUID16_INIT(0x181a), .chrs = &rt_chr,
					       .num_chrs = 1 };

static void test_add_remove_service_changed(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);
	uint16_t sc = bh_gatts_service_changed_handle(f.s);
	uint16_t sc_cccd = bh_gatts_cccd_handle(f.s, sc);
	assert_int_equal(sc_cccd, 9);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_EEXIST);
	/* conn 1 subscribes to Service Changed, conn 2 does not. */
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_WRITE_REQ, (uint8_t)sc_cccd, 0, 0x02, 0x00);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);

	uint8_t h0[16], h1[16], h2[16];
	bh_gatts_db_hash(f.s, h0);
	/* Remove service A (14..25): indicated with its range. */
	assert_int_equal(bh_gatts_remove_service(f.s, 14), BH_OK);
	assert_int_equal(f.nind, 1);
	assert_int_equal(f.ind[0].conn, 1);
	assert_int_equal(f.ind[0].handle, sc);
	assert_memory_equal(f.ind[0].data, "\x0e\x00\x19\x00", 4);
	bh_gatts_db_hash(f.s, h1);
	assert_memory_not_equal(h0, h1, 16);
	assert_int_equal(bh_gatts_value_handle(f.s, &demo_a_chrs[0]), 0);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 16, 0);
	fake_expect_error(r, BH_ATT_READ_REQ, 16, BH_ATT_E_INVALID_HANDLE);
	assert_false(bh_gatts_change_aware(f.s, 1));
	assert_false(bh_gatts_change_aware(f.s, 2));

	/* Add another while the first indication is outstanding: merged and
	 * sent after the confirmation. It takes the gap at 14. */
	assert_int_equal(bh_gatts_add_services(f.s, &rt_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_service_handle(f.s, &rt_svc), 14);
	assert_int_equal(f.nind, 1);
	bh_gatts_indication_done(f.s, 1, BH_OK);
	assert_int_equal(f.nind, 2);
	assert_memory_equal(f.ind[1].data, "\x0e\x00\x11\x00", 4);
	assert_false(bh_gatts_change_aware(f.s, 1));
	bh_gatts_indication_done(f.s, 1, BH_OK);
	assert_true(bh_gatts_change_aware(f.s, 1));
	assert_false(bh_gatts_change_aware(f.s, 2));
	/* Service Changed confirmations are not application indications. */
	assert_int_equal(f.nind_done, 0);

	/* Removing and re-adding the same thing gives the same hash. */
	assert_int_equal(bh_gatts_remove_service(f.s, 14), BH_OK);
	bh_gatts_db_hash(f.s, h2);
	assert_memory_equal(h1, h2, 16);
	assert_int_equal(bh_gatts_remove_service(f.s, 14), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_remove_service(f.s, 28), BH_ENOTFOUND); /* not a service */

	/* A failed Service Changed send is retried after the next confirmation
	 * rather than lost: here the port refuses. */
	bh_gatts_indication_done(f.s, 1, BH_OK);
	f.indicate_rc = BH_EBUSY;
	unsigned before = f.nind;
	assert_int_equal(bh_gatts_add_services(f.s, &rt_svc, 1), BH_OK);
	assert_int_equal(f.nind, before);
	f.indicate_rc = 0;
	bh_gatts_can_send(f.s, 1);
	assert_int_equal(f.nind, before + 1);
	assert_int_equal(f.ncan_send, 1);
	assert_memory_equal(f.ind[before].data, "\x0e\x00\x11\x00", 4);
	fake_free(&f);
}

static void test_cccd_export_import(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);
	assert_int_equal(bh_gatts_connected(f.s, 7), BH_OK);
	REQ(&f, 7, BH_ATT_WRITE_REQ, 17, 0, 0x01, 0x00); /* HR notify */
	REQ(&f, 7, BH_ATT_WRITE_REQ, 24, 0, 0x02, 0x00); /* FIX indicate */
	REQ(&f, 7, BH_ATT_WRITE_REQ, 11, 0, 0x01);       /* robust caching */
	REQ(&f, 7, BH_ATT_WRITE_REQ, 9, 0, 0x02, 0x00);  /* Service Changed */
	assert_int_equal(bh_gatts_cccd_value(f.s, 7, 16), 1);
	assert_int_equal(bh_gatts_cccd_value(f.s, 7, 23), 2);

	uint8_t blob[BH_GATTS_CCCD_BLOB_MAX(4)];
	size_t n = 0;
	assert_int_equal(bh_gatts_export_cccd(f.s, 7, blob, 10, &n), BH_ENOSPACE);
	assert_int_equal(n, 20 + 12);
	assert_int_equal(bh_gatts_export_cccd(f.s, 7, blob, sizeof(blob), &n), BH_OK);
	assert_int_equal(bh_gatts_export_cccd(f.s, 99, blob, sizeof(blob), &n), BH_ENOTFOUND);
	bh_gatts_disconnected(f.s, 7);
	assert_int_equal(bh_gatts_cccd_value(f.s, 7, 16), 0);

	/* Reconnect and restore. */
	assert_int_equal(bh_gatts_connected(f.s, 8), BH_OK);
	assert_int_equal(bh_gatts_cccd_value(f.s, 8, 16), 0);
	assert_int_equal(bh_gatts_import_cccd(f.s, 8, blob, n), BH_OK);
	assert_int_equal(bh_gatts_cccd_value(f.s, 8, 16), 1);
	assert_int_equal(bh_gatts_cccd_value(f.s, 8, 23), 2);
	assert_true(bh_gatts_change_aware(f.s, 8));
	const struct fake_pdu *r = REQ(&f, 8, BH_ATT_READ_REQ, 11, 0);
	assert_memory_equal(r->data, "\x0b\x01", 2);
	assert_int_equal(bh_gatts_notify(f.s, 8, 16, NULL, 0, NULL), BH_OK);

	/* Bad blobs leave the state alone. */
	assert_int_equal(bh_gatts_import_cccd(f.s, 8, blob, 5), BH_EMALFORMED);
	assert_int_equal(bh_gatts_import_cccd(f.s, 8, blob, n - 1), BH_EMALFORMED);
	uint8_t bad[sizeof(blob)];
	memcpy(bad, blob, n);
	bad[0] = 9;
	assert_int_equal(bh_gatts_import_cccd(f.s, 8, bad, n), BH_ECORRUPT);
	assert_int_equal(bh_gatts_import_cccd(f.s, 8, NULL, n), BH_EINVAL);
	assert_int_equal(bh_gatts_import_cccd(f.s, 99, blob, n), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_cccd_value(f.s, 8, 16), 1);

	/* Entries pointing at non-CCCD handles are dropped. */
	memcpy(bad, blob, n);
	bh_put16(bad + 20, 16); /* a value handle, not a CCCD */
	assert_int_equal(bh_gatts_import_cccd(f.s, 8, bad, n), BH_OK);
	assert_int_equal(bh_gatts_cccd_value(f.s, 8, 16) + bh_gatts_cccd_value(f.s, 8, 23), 2);

	/* A blob from before a database change: the client is unaware. */
	bh_gatts_disconnected(f.s, 8);
	assert_int_equal(bh_gatts_add_services(f.s, &rt_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 9), BH_OK);
	unsigned nind = f.nind;
	assert_int_equal(bh_gatts_import_cccd(f.s, 9, blob, n), BH_OK);
	assert_false(bh_gatts_change_aware(f.s, 9));
	/* Told at once, with the whole range. */
	assert_int_equal(f.nind, nind + 1);
	assert_int_equal(f.ind[nind].conn, 9);
	assert_memory_equal(f.ind[nind].data, "\x01\x00\xff\xff", 4);
	r = REQ(&f, 9, BH_ATT_READ_REQ, 16, 0);
	fake_expect_error(r, BH_ATT_READ_REQ, 0, BH_ATT_E_DB_OUT_OF_SYNC);
	/* ... and exporting it keeps it unaware. */
	assert_int_equal(bh_gatts_export_cccd(f.s, 9, bad, sizeof(bad), &n), BH_OK);
	bh_gatts_disconnected(f.s, 9);
	assert_int_equal(bh_gatts_connected(f.s, 10), BH_OK);
	assert_int_equal(bh_gatts_import_cccd(f.s, 10, bad, n), BH_OK);
	assert_false(bh_gatts_change_aware(f.s, 10));
	/* Its confirmation makes it aware. */
	bh_gatts_indication_done(f.s, 10, BH_OK);
	assert_true(bh_gatts_change_aware(f.s, 10));
	/* An aware bond's blob sends nothing. */
	assert_int_equal(bh_gatts_export_cccd(f.s, 10, bad, sizeof(bad), &n), BH_OK);
	bh_gatts_disconnected(f.s, 10);
	assert_int_equal(bh_gatts_connected(f.s, 11), BH_OK);
	nind = f.nind;
	assert_int_equal(bh_gatts_import_cccd(f.s, 11, bad, n), BH_OK);
	assert_true(bh_gatts_change_aware(f.s, 11));
	assert_int_equal(f.nind, nind);
	fake_free(&f);
}

static void test_handle_space_runs_out(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	static struct bh_gatt_chr_def many[30000];
	for (size_t i = 0; i < 30000; i++)
		many[i] = (struct bh_gatt_chr_def){ .uuid = BH_UUID16_INIT(0x2b00) };
	struct bh_gatt_svc_def big[2] = {
		{ .uuid = BH_UUID16_INIT(0x1234), .chrs = many, .num_chrs = 30000 },
		{ .uuid = BH_UUID16_INIT(0x1235), .chrs = many, .num_chrs = 3000 },
	};
	assert_int_equal(bh_gatts_add_services(f.s, big, 1), BH_OK);
	assert_int_equal(bh_gatts_add_services(f.s, &big[1], 1), BH_ENOSPACE);
	assert_int_equal(bh_gatts_remove_service(f.s, 14), BH_OK);
	assert_int_equal(bh_gatts_add_services(f.s, &big[1], 1), BH_OK);
	assert_int_equal(bh_gatts_service_handle(f.s, &big[1]), 14);
	fake_free(&f);
}

/* Callbacks run inside a request: the database must not move under it. */
struct reentry {
	struct bh_gatts *s;
	bh_status add_rc, remove_rc;
	unsigned calls;
};

static bh_status reentry_write(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			       const uint8_t *value, size_t len, unsigned flags)
{
	struct reentry *r = user;
	(void)conn;
	(void)offset;
	(void)value;
	(void)len;
	(void)flags;
	r->calls++;
	r->add_rc = bh_gatts_add_services(r->s, &rt_svc, 1);
	r->remove_rc = bh_gatts_remove_service(r->s, (uint16_t)(handle - 2));
	return BH_OK;
}

static void test_no_db_change_inside_request(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	static struct reentry re;
	memset(&re, 0, sizeof(re));
	re.s = f.s;
	struct bh_gatt_chr_def chr = { .uuid = BH_UUID16_INIT(0x2b10), .props = BH_GATT_CHR_WRITE,
				       .write = reentry_write, .user = &re };
	struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0x1999), .chrs = &chr, .num_chrs = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &svc, 1), BH_OK);
	assert_int_equal(bh_gatts_value_handle(f.s, &chr), 16);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_WRITE_REQ, 16, 0, 1);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	assert_int_equal(re.calls, 1);
	assert_int_equal(re.add_rc, BH_ESTATE);
	assert_int_equal(re.remove_rc, BH_ESTATE);
	/* Outside a request both work. */
	assert_int_equal(bh_gatts_remove_service(f.s, 14), BH_OK);
	assert_int_equal(bh_gatts_add_services(f.s, &rt_svc, 1), BH_OK);
	fake_free(&f);
}

static void test_broadcast_sccd(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	static const struct bh_gatt_chr_def chr = { .uuid = BH_UUID16_INIT(0x2a6e),
						    .props = BH_GATT_CHR_READ | BH_GATT_CHR_BROADCAST |
							     BH_GATT_CHR_NOTIFY,
						    .initial = "\x01", .initial_len = 1 };
	static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0x181a), .chrs = &chr,
						    .num_chrs = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	/* 14 service, 15 decl, 16 value, 17 CCCD, 18 SCCD. */
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_FIND_INFO_REQ, 17, 0, 18, 0);
	assert_memory_equal(r->data, "\x05\x01\x11\x00\x02\x29\x12\x00\x03\x29", 10);
	r = REQ(&f, 1, BH_ATT_WRITE_REQ, 18, 0, 1, 0);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	uint8_t v[2];
	size_t n;
	assert_int_equal(bh_gatts_get_value(f.s, 18, v, 2, &n), BH_OK);
	assert_memory_equal(v, "\x01\x00", 2);
	/* Shared by all clients, unlike the CCCD. */
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_OK);
	r = REQ(&f, 2, BH_ATT_READ_REQ, 18, 0);
	assert_memory_equal(r->data, "\x0b\x01\x00", 3);
	fake_expect_error(REQ(&f, 1, BH_ATT_WRITE_REQ, 18, 0, 2, 0), BH_ATT_WRITE_REQ, 18,
			  BH_ATT_E_VALUE_NOT_ALLOWED);
	fake_expect_error(REQ(&f, 1, BH_ATT_WRITE_REQ, 18, 0, 1), BH_ATT_WRITE_REQ, 18,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, 18, 0, 1, 0, 0);
	fake_expect_error(REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1), BH_ATT_EXEC_WRITE_REQ, 18,
			  BH_ATT_E_INVALID_OFFSET);
	REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, 18, 0, 0, 0, 0, 0);
	r = REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	assert_int_equal(bh_gatts_get_value(f.s, 18, v, 2, &n), BH_OK);
	assert_memory_equal(v, "\x00\x00", 2);
	fake_free(&f);
}

static void test_uuid_forms_and_includes(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	/* A 32-bit UUID goes out as 128 bits; a 128-bit one on the Base UUID
	 * as 16 bits. */
	static const struct bh_gatt_svc_def s32 = { .uuid = { 4, { 0x78, 0x56, 0x34, 0x12 } } };
	static const struct bh_gatt_chr_def c128 = {
		.uuid = BH_UUID128_INIT(0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80, 0x00, 0x10,
					0x00, 0x00, 0x19, 0x2a, 0x00, 0x00),
		.props = BH_GATT_CHR_READ, .initial = "\x50", .initial_len = 1 };
	static const struct bh_gatt_svc_def *const inc[] = { &s32 };
	static const struct bh_gatt_svc_def s16 = { .uuid = BH_UUID16_INIT(0x180f), .includes = inc,
						    .num_includes = 1, .chrs = &c128, .num_chrs = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &s32, 1), BH_OK);
	/* Including a service added earlier. */
	assert_int_equal(bh_gatts_add_services(f.s, &s16, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_READ_REQ, 14, 0);
	assert_int_equal(r->len, 17);
	assert_memory_equal(r->data + 1, "\xfb\x34\x9b\x5f\x80\x00\x00\x80\x00\x10\x00\x00\x78\x56\x34\x12", 16);
	/* 15 s16, 16 include (no UUID: it is 128-bit), 17 decl, 18 value. */
	r = REQ(&f, 1, BH_ATT_READ_REQ, 16, 0);
	assert_int_equal(r->len, 5);
	assert_memory_equal(r->data + 1, "\x0e\x00\x0e\x00", 4);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 17, 0);
	assert_memory_equal(r->data, "\x0b\x02\x12\x00\x19\x2a", 6);
	/* Including itself, or a non-service definition address. */
	static const struct bh_gatt_svc_def self;
	static const struct bh_gatt_svc_def *const selfinc[] = { &self };
	struct bh_gatt_svc_def selfdef = { .uuid = BH_UUID16_INIT(0x1999), .includes = selfinc,
					   .num_includes = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &selfdef, 1), BH_EINVAL);
	fake_free(&f);
}

/* Includes named by handle (bindings whose definitions do not outlive the
 * add call): one Include declaration each, 16-bit UUID only when it is. */
static void test_includes_by_handle(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	struct bh_gatt_svc_def a = { .uuid = BH_UUID16_INIT(0x180f) };
	struct bh_gatt_svc_def b = { .uuid = BH_UUID128_INIT(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
							       13, 14, 15, 16),
				     .secondary = true };
	assert_int_equal(bh_gatts_add_services(f.s, &a, 1), BH_OK);
	assert_int_equal(bh_gatts_add_services(f.s, &b, 1), BH_OK);
	uint16_t ha = bh_gatts_service_handle(f.s, &a), hb = bh_gatts_service_handle(f.s, &b);
	assert_int_equal(hb, ha + 1);
	const uint16_t incs[] = { hb, ha };
	static const struct bh_gatt_chr_def chr = { .uuid = BH_UUID16_INIT(0x2a19),
						    .props = BH_GATT_CHR_READ, .initial = "\x07",
						    .initial_len = 1 };
	struct bh_gatt_svc_def c = { .uuid = BH_UUID16_INIT(0x1234), .include_handles = incs,
				     .num_include_handles = 2, .chrs = &chr, .num_chrs = 1 };
	/* A handle that is not a service declaration, or no handle at all. */
	const uint16_t bad[] = { 3 };
	struct bh_gatt_svc_def d = { .uuid = BH_UUID16_INIT(0x1235), .include_handles = bad,
				     .num_include_handles = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &d, 1), BH_EINVAL);
	d.include_handles = NULL;
	assert_int_equal(bh_gatts_add_services(f.s, &d, 1), BH_EINVAL);
	assert_int_equal(bh_gatts_service_handle(f.s, &d), 0);
	assert_int_equal(bh_gatts_add_services(f.s, &c, 1), BH_OK);
	uint16_t hc = bh_gatts_service_handle(f.s, &c);
	assert_int_equal(hc, hb + 1);
	/* A binding forgets its definitions; the same address may then be
	 * added again as a new service (not BH_EEXIST), and lookups find it. */
	bh_gatts_forget_defs(f.s, &a);
	assert_int_equal(bh_gatts_service_handle(f.s, &a), 0);
	a.uuid = bh_uuid16(0x181a);
	assert_int_equal(bh_gatts_add_services(f.s, &a, 1), BH_OK);
	assert_int_equal(bh_gatts_service_handle(f.s, &a), hc + 5);
	bh_gatts_forget_defs(f.s, &a);
	bh_gatts_forget_defs(f.s, NULL); /* nothing to forget */
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	/* hc+1: the 128-bit service (start, end, no UUID), hc+2: 0x180f. */
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_READ_REQ, hc + 1, 0);
	uint8_t want_b[4] = { (uint8_t)hb, 0, (uint8_t)hb, 0 };
	assert_int_equal(r->len, 5);
	assert_memory_equal(r->data + 1, want_b, 4);
	r = REQ(&f, 1, BH_ATT_READ_REQ, hc + 2, 0);
	uint8_t want_a[6] = { (uint8_t)ha, 0, (uint8_t)ha, 0, 0x0f, 0x18 };
	assert_int_equal(r->len, 7);
	assert_memory_equal(r->data + 1, want_a, 6);
	/* Read By Type 0x2802 over the service finds both, in handle order. */
	r = REQ(&f, 1, BH_ATT_READ_BY_TYPE_REQ, hc, 0, 0xff, 0xff, 0x02, 0x28);
	assert_int_equal(r->data[0], BH_ATT_READ_BY_TYPE_RSP);
	assert_int_equal(r->data[1], 6); /* one length per response: the first (4 + 2) */
	assert_int_equal(bh_get16(r->data + 2), hc + 1);
	/* The characteristic follows the includes. */
	r = REQ(&f, 1, BH_ATT_READ_REQ, hc + 3, 0);
	assert_int_equal(r->data[1], BH_GATT_CHR_READ);
	assert_int_equal(bh_get16(r->data + 2), hc + 4);
	fake_free(&f);
}

static void test_service_changed_merge(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	REQ(&f, 1, BH_ATT_WRITE_REQ, 9, 0, 2, 0);
	/* The bearer has no room: both changes wait and go as one range. */
	f.indicate_rc = BH_EBUSY;
	static const struct bh_gatt_svc_def a = { .uuid = BH_UUID16_INIT(0x1811) };
	static const struct bh_gatt_svc_def b = { .uuid = BH_UUID16_INIT(0x1812) };
	assert_int_equal(bh_gatts_add_services(f.s, &a, 1), BH_OK);
	assert_int_equal(bh_gatts_add_services(f.s, &b, 1), BH_OK);
	assert_int_equal(bh_gatts_remove_service(f.s, 14), BH_OK);
	assert_int_equal(f.nind, 0);
	f.indicate_rc = 0;
	bh_gatts_can_send(f.s, 1);
	assert_int_equal(f.nind, 1);
	assert_memory_equal(f.ind[0].data, "\x0e\x00\x0f\x00", 4);
	/* Duplicate entries in a blob count once. */
	uint8_t blob[BH_GATTS_CCCD_BLOB_MAX(2)];
	size_t n;
	assert_int_equal(bh_gatts_export_cccd(f.s, 1, blob, sizeof(blob), &n), BH_OK);
	assert_int_equal(n, 24);
	memcpy(blob + 24, blob + 20, 4);
	blob[18] = 2;
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_OK);
	assert_int_equal(bh_gatts_import_cccd(f.s, 2, blob, 28), BH_OK);
	uint8_t out[BH_GATTS_CCCD_BLOB_MAX(2)];
	assert_int_equal(bh_gatts_export_cccd(f.s, 2, out, sizeof(out), &n), BH_OK);
	assert_int_equal(n, 24);
	fake_free(&f);
}

/* ---- the Database Hash cache (bh_gatts_config.hash_lookup/hash_store) ---- */

static const struct bh_gatt_chr_def hc_chrs_r[] = {
	{ .uuid = BH_UUID16_INIT(0x2a19), .props = BH_GATT_CHR_READ, .initial = "\x64",
	  .initial_len = 1 },
};
/* The same with one bit more in the declaration's properties octet. */
static const struct bh_gatt_chr_def hc_chrs_rw[] = {
	{ .uuid = BH_UUID16_INIT(0x2a19), .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE,
	  .initial = "\x64", .initial_len = 1 },
};
static const struct bh_gatt_svc_def hc_svc = { .uuid = BH_UUID16_INIT(0x180f), .chrs = hc_chrs_r,
					       .num_chrs = 1 };
static const struct bh_gatt_svc_def hc_svc_rw = { .uuid = BH_UUID16_INIT(0x180f),
						  .chrs = hc_chrs_rw, .num_chrs = 1 };
static const struct bh_gatt_svc_def hc_pad = { .uuid = BH_UUID16_INIT(0x1811) };

/* The hash a server without a cache computes for one database. */
static void hc_reference(const struct bh_gatt_svc_def *svc, uint8_t out[16])
{
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	assert_int_equal(bh_gatts_add_services(f.s, svc, 1), BH_OK);
	assert_int_equal(bh_gatts_db_hash(f.s, out), BH_OK);
	fake_free(&f);
}

static void test_db_hash_cache(void **state)
{
	(void)state;
	struct fake_hash_cache c;
	memset(&c, 0, sizeof(c));
	struct bh_gatts_config cfg;
	fake_hash_cache_config(&cfg, &c);
	uint8_t want[16], got[16];
	hc_reference(&hc_svc, want);

	/* First start: nothing cached, so it is computed and handed over. */
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_add_services(f.s, &hc_svc, 1), BH_OK);
	assert_int_equal(c.nlookup, 0); /* lazily, not at each change */
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	assert_memory_equal(got, want, 16);
	assert_int_equal(c.nlookup, 1);
	assert_int_equal(c.nstore, 1);
	assert_memory_equal(c.hash, want, 16);
	/* The octets of Vol 3, Part G, 7.3: the GAP service declaration first. */
	assert_memory_equal(c.msg, "\x01\x00\x00\x28\x00\x18", 6);
	/* Known now: not asked again, not computed again. */
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	assert_int_equal(c.nlookup, 1);
	assert_int_equal(c.nstore, 1);
	fake_free(&f);

	/* Second start, same database: the cached hash is served as it is
	 * (made different here to tell it from a computed one), through the
	 * API and the characteristic (LSO first), and nothing is computed. */
	memset(c.hash, 0x5a, 16);
	c.hash[0] = 0x01;
	fake_init(&f);
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_add_services(f.s, &hc_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_READ_REQ, 13, 0);
	assert_int_equal(r->data[0], BH_ATT_READ_RSP);
	assert_int_equal(r->len, 17);
	assert_int_equal(r->data[16], 0x01);
	assert_int_equal(r->data[1], 0x5a);
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	assert_memory_equal(got, c.hash, 16);
	assert_int_equal(c.nlookup, 2);
	assert_int_equal(c.nstore, 1);
	fake_free(&f);

	/* One value octet differs (a characteristic's properties): the cache
	 * does not match, the hash is computed and replaces it. */
	uint8_t rw[16];
	hc_reference(&hc_svc_rw, rw);
	assert_memory_not_equal(rw, want, 16);
	fake_init(&f);
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_add_services(f.s, &hc_svc_rw, 1), BH_OK);
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	assert_memory_equal(got, rw, 16);
	assert_int_equal(c.nlookup, 3);
	assert_int_equal(c.nstore, 2);
	assert_memory_equal(c.hash, rw, 16);
	fake_free(&f);

	/* Back to the first database, cached again, then the same attributes
	 * one handle-range later (a service added before it and removed): the
	 * types and values are equal, only handles differ; computed again. */
	memset(&c, 0, sizeof(c));
	fake_init(&f);
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_add_services(f.s, &hc_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	size_t first_len = c.len;
	fake_free(&f);
	fake_init(&f);
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_add_services(f.s, &hc_pad, 1), BH_OK);
	uint16_t pad = bh_gatts_service_handle(f.s, &hc_pad);
	assert_int_equal(bh_gatts_add_services(f.s, &hc_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_remove_service(f.s, pad), BH_OK);
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	assert_int_equal(c.nlookup, 2);
	assert_int_equal(c.seen_len, first_len); /* same length, other handles */
	assert_int_equal(c.nstore, 2);
	assert_memory_not_equal(got, want, 16);
	fake_free(&f);

	/* A change after the hash was served asks again (and computes). */
	fake_init(&f);
	assert_non_null(fake_server(&f, &cfg));
	assert_int_equal(bh_gatts_add_services(f.s, &hc_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	assert_memory_equal(got, want, 16);
	assert_int_equal(c.nstore, 3);
	assert_int_equal(bh_gatts_add_services(f.s, &hc_pad, 1), BH_OK);
	assert_int_equal(bh_gatts_db_hash(f.s, got), BH_OK);
	assert_int_equal(c.nlookup, 4);
	assert_int_equal(c.nstore, 4);
	assert_memory_not_equal(got, want, 16);
	fake_free(&f);
}

/* bh_gatts_notify / bh_gatts_indicate with value NULL ask a callback-served
 * value's read callback before they return. A read callback that changed
 * the database there (removed the service, added one) left the call going
 * on with the attribute it had looked up before: the notification was then
 * refused with BH_ESTATE (what the stale entry said; no ASan report here).
 * Changing the database is now refused there, as inside a request's
 * callback (BH_ESTATE), and the notification goes out. */
struct reent_read {
	struct bh_gatts *s;
	uint16_t svc;
	bh_status remove_st, add_st;
	unsigned calls;
};
static struct reent_read g_rr;

static bh_status rr_read(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			 uint8_t *buf, size_t cap, size_t *len)
{
	(void)user;
	(void)conn;
	(void)handle;
	(void)offset;
	g_rr.calls++;
	g_rr.remove_st = bh_gatts_remove_service(g_rr.s, g_rr.svc);
	g_rr.add_st = bh_gatts_add_services(g_rr.s, &rt_svc, 1);
	assert_true(cap >= 2);
	buf[0] = 0x42;
	buf[1] = 0x43;
	*len = 2;
	return BH_OK;
}

static const struct bh_gatt_chr_def rr_chr = { .uuid = BH_UUID16_INIT(0x2a6f),
					       .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY |
							BH_GATT_CHR_INDICATE,
					       .read = rr_read };
static const struct bh_gatt_svc_def rr_svc = { .uuid = BH_UUID16_INIT(0x181b), .chrs = &rr_chr,
					       .num_chrs = 1 };

static void test_notify_read_cb_changes_db(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	assert_int_equal(bh_gatts_add_services(f.s, &rr_svc, 1), BH_OK);
	g_rr = (struct reent_read){ .s = f.s, .svc = bh_gatts_service_handle(f.s, &rr_svc) };
	uint16_t vh = bh_gatts_value_handle(f.s, &rr_chr);
	uint16_t cccd = bh_gatts_cccd_handle(f.s, vh);
	assert_int_not_equal(cccd, 0);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	REQ(&f, 1, BH_ATT_WRITE_REQ, (uint8_t)cccd, (uint8_t)(cccd >> 8), 0x01, 0x00);
	unsigned before = f.nntf;
	assert_int_equal(bh_gatts_cccd_value(f.s, 1, vh), 1);
	assert_int_equal(bh_gatts_notify(f.s, 1, vh, NULL, 0, NULL), BH_OK);
	assert_int_equal(g_rr.calls, 1);
	assert_int_equal(g_rr.remove_st, BH_ESTATE);
	assert_int_equal(g_rr.add_st, BH_ESTATE);
	assert_int_equal(f.nntf, before + 1);
	REQ(&f, 1, BH_ATT_WRITE_REQ, (uint8_t)cccd, (uint8_t)(cccd >> 8), 0x02, 0x00);
	assert_int_equal(bh_gatts_indicate(f.s, 1, vh, NULL, 0), BH_OK);
	assert_int_equal(g_rr.calls, 2);
	assert_int_equal(g_rr.remove_st, BH_ESTATE);
	/* Outside the callback the database changes as before. */
	assert_int_equal(bh_gatts_remove_service(f.s, g_rr.svc), BH_OK);
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_hash_spec_example),
		cmocka_unit_test(test_builtin_services),
		cmocka_unit_test(test_bad_definitions),
		cmocka_unit_test(test_demo_handles_and_values),
		cmocka_unit_test(test_add_remove_service_changed),
		cmocka_unit_test(test_notify_read_cb_changes_db),
		cmocka_unit_test(test_cccd_export_import),
		cmocka_unit_test(test_handle_space_runs_out),
		cmocka_unit_test(test_no_db_change_inside_request),
		cmocka_unit_test(test_broadcast_sccd),
		cmocka_unit_test(test_uuid_forms_and_includes),
		cmocka_unit_test(test_includes_by_handle),
		cmocka_unit_test(test_service_changed_merge),
		cmocka_unit_test(test_db_hash_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
