/* -Dsigned_write=false, the GATT server: a database cannot declare the
 * authenticated-signed-writes property (BH_ENOTSUP, a warning naming the
 * option, nothing added), and a peer's Signed Write Command, even with a
 * signature the port would accept, is ignored as an unsupported command
 * (Vol 3, Part F, 3.3): nothing verified, written or answered, and the next
 * request is served. A full build verifies and writes the open descriptor
 * below, and adds the signed characteristic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gatts_fake.h"
#include "log_last.h"

static struct log_last warned;

static const struct bh_gatt_chr_def signed_chr[1] = {
	{ .uuid = BH_UUID16_INIT(0x2a3d),
	  .props = BH_GATT_CHR_READ | BH_GATT_CHR_AUTH_SIGNED_WRITE, .initial = "ab",
	  .initial_len = 2 },
};
static const struct bh_gatt_svc_def signed_svc[1] = {
	{ .uuid = BH_UUID16_INIT(0x1850), .chrs = signed_chr, .num_chrs = 1 },
};

/* A descriptor takes a command by its permissions alone, so a full build
 * writes it with any verified Signed Write Command. */
static const struct bh_gatt_dsc_def open_dsc[1] = {
	{ .uuid = BH_UUID16_INIT(0x2906), .read_perm = BH_GATT_PERM_OPEN,
	  .write_perm = BH_GATT_PERM_OPEN, .initial = "old", .initial_len = 3, .max_len = 8 },
};
static const struct bh_gatt_chr_def plain_chr[1] = {
	{ .uuid = BH_UUID16_INIT(0x2a3e), .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE,
	  .initial = "cd", .initial_len = 2, .max_len = 8, .dscs = open_dsc, .num_dscs = 1 },
};
static const struct bh_gatt_svc_def plain_svc[1] = {
	{ .uuid = BH_UUID16_INIT(0x1851), .chrs = plain_chr, .num_chrs = 1 },
};

static void server(struct fake *f)
{
	fake_init(f);
	memset(&warned, 0, sizeof(warned));
	f->env.log = log_last_cb;
	f->env.log_ctx = &warned;
	f->env.log_level = BH_LOG_DEBUG;
	assert_non_null(fake_server(f, NULL));
}

static void test_signed_property_refused(void **state)
{
	(void)state;
	struct fake f;
	server(&f);
	assert_int_equal(bh_gatts_add_services(f.s, signed_svc, 1), BH_ENOTSUP);
	assert_int_equal(warned.n, 1);
	assert_non_null(strstr(warned.msg, "-Dsigned_write=false"));
	assert_non_null(strstr(warned.msg, "signed-writes"));
	assert_int_equal(bh_gatts_service_handle(f.s, &signed_svc[0]), 0);
	/* Nothing of the refused batch is added, with or beside others. */
	const struct bh_gatt_svc_def both[2] = { plain_svc[0], signed_svc[0] };
	assert_int_equal(bh_gatts_add_services(f.s, both, 2), BH_ENOTSUP);
	assert_int_equal(bh_gatts_service_handle(f.s, &both[0]), 0);
	/* Without the property the same database is accepted. */
	assert_int_equal(bh_gatts_add_services(f.s, plain_svc, 1), BH_OK);
	assert_int_not_equal(bh_gatts_service_handle(f.s, &plain_svc[0]), 0);
	fake_free(&f);
}

static void test_signed_write_ignored(void **state)
{
	(void)state;
	struct fake f;
	server(&f);
	assert_int_equal(bh_gatts_add_services(f.s, plain_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	uint16_t value = bh_gatts_value_handle(f.s, &plain_chr[0]);
	assert_int_not_equal(value, 0);
	uint16_t dsc = (uint16_t)(value + 1);
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_READ_REQ, (uint8_t)dsc, (uint8_t)(dsc >> 8));
	assert_non_null(r);
	assert_memory_equal(r->data, "\x0bold", 4);

	f.verify_rc = BH_OK; /* a full build would take the signature */
	uint8_t pdu[3 + 3 + 12] = { BH_ATT_SIGNED_WRITE_CMD, (uint8_t)dsc, (uint8_t)(dsc >> 8),
				    'n', 'e', 'w' };
	fake_cmd(&f, 1, pdu, sizeof(pdu)); /* asserts no response */
	uint8_t to_value[3 + 1 + 12] = { BH_ATT_SIGNED_WRITE_CMD, (uint8_t)value,
					 (uint8_t)(value >> 8), 'x' };
	fake_cmd(&f, 1, to_value, sizeof(to_value));
	/* Malformed (no room for a signature) and unknown handles: ignored too. */
	CMD(&f, 1, BH_ATT_SIGNED_WRITE_CMD, (uint8_t)dsc, (uint8_t)(dsc >> 8), 'y');
	uint8_t stray[3 + 12] = { BH_ATT_SIGNED_WRITE_CMD, 0xff, 0xff };
	fake_cmd(&f, 1, stray, sizeof(stray));
	assert_int_equal(f.nverify, 0);
	assert_int_equal(f.nntf + f.nind, 0);

	r = REQ(&f, 1, BH_ATT_READ_REQ, (uint8_t)dsc, (uint8_t)(dsc >> 8));
	assert_non_null(r);
	assert_int_equal(r->len, 4);
	assert_memory_equal(r->data, "\x0bold", 4);
	r = REQ(&f, 1, BH_ATT_READ_REQ, (uint8_t)value, (uint8_t)(value >> 8));
	assert_non_null(r);
	assert_memory_equal(r->data, "\x0b" "cd", 3);
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_property_refused),
		cmocka_unit_test(test_signed_write_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
