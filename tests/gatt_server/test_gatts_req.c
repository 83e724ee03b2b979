/* GATT server request tests: every ATT request with valid and invalid input,
 * MTU sizing, the prepare queue. Handles of the demo database:
 *   1 GAP (3 name, 5 appearance), 6 GATT (8 Service Changed, 9 its CCCD,
 *   11 Client Supported Features, 13 Database Hash),
 *   14..25 service 0x180D: 16 HR (notify, CCCD 17), 19 LOC (user desc 20,
 *   format 21), 23 FIX (128-bit, CCCD 24, ext props 25),
 *   26..31 128-bit service: 28 callback value (CCCD 29, ext 30, dsc 31). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gatts_fake.h"

#define C1 0x0040

static int setup(void **state)
{
	static struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);
	assert_int_equal(bh_gatts_connected(f.s, C1), BH_OK);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fake_free(*state);
	return 0;
}

static void test_find_info(void **state)
{
	struct fake *f = *state;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_FIND_INFO_REQ, 0x01, 0x00, 0xff, 0xff);
	/* Format 1, (23 - 2) / 4 = 5 entries. */
	assert_int_equal(r->len, 2 + 5 * 4);
	assert_memory_equal(r->data, "\x05\x01\x01\x00\x00\x28\x02\x00\x03\x28\x03\x00\x00\x2a", 14);
	assert_int_equal(bh_get16(r->data + 2 + 4 * 4), 5);
	/* 128-bit types are format 2 and never mixed with 16-bit ones. */
	r = REQ(f, C1, BH_ATT_FIND_INFO_REQ, 23, 0, 0xff, 0xff);
	assert_int_equal(r->len, 2 + 18);
	assert_int_equal(r->data[1], 2);
	assert_int_equal(bh_get16(r->data + 2), 23);
	assert_int_equal(r->data[4], 0x00);
	assert_int_equal(r->data[19], 0xff);
	r = REQ(f, C1, BH_ATT_FIND_INFO_REQ, 24, 0, 25, 0);
	assert_int_equal(r->len, 2 + 8);
	assert_memory_equal(r->data, "\x05\x01\x18\x00\x02\x29\x19\x00\x00\x29", 10);
	/* Errors. */
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_INFO_REQ, 0, 0, 5, 0), BH_ATT_FIND_INFO_REQ, 0,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_INFO_REQ, 6, 0, 5, 0), BH_ATT_FIND_INFO_REQ, 6,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_INFO_REQ, 100, 0, 200, 0), BH_ATT_FIND_INFO_REQ, 100,
			  BH_ATT_E_ATTRIBUTE_NOT_FOUND);
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_INFO_REQ, 1, 0, 5), BH_ATT_FIND_INFO_REQ, 0,
			  BH_ATT_E_INVALID_PDU);
}

static void test_find_by_type_value(void **state)
{
	struct fake *f = *state;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x00, 0x28,
				       0x0d, 0x18);
	assert_int_equal(r->len, 5);
	assert_memory_equal(r->data, "\x07\x0e\x00\x19\x00", 5);
	/* The same service searched by its 128-bit form. */
	r = REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x00, 0x28, 0xfb, 0x34, 0x9b, 0x5f,
		0x80, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00, 0x00, 0x0d, 0x18, 0x00, 0x00);
	assert_memory_equal(r->data, "\x07\x0e\x00\x19\x00", 5);
	/* The 128-bit service. */
	r = REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x00, 0x28, 0xf0, 0xde, 0xbc, 0x9a,
		0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0x78, 0x56);
	assert_memory_equal(r->data, "\x07\x1a\x00\x1f\x00", 5);
	/* A non-grouping attribute: its own handle as group end. */
	r = REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x37, 0x2a, 'h', 'e', 'l', 'l', 'o');
	assert_memory_equal(r->data, "\x07\x10\x00\x10\x00", 5);
	/* Service Changed's value (0000 0000) is not readable: not matched. */
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x05, 0x2a, 0, 0, 0, 0),
			  BH_ATT_FIND_BY_TYPE_REQ, 1, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
	/* Outside the range, absent, bad range, short. */
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 15, 0, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18),
			  BH_ATT_FIND_BY_TYPE_REQ, 15, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x00, 0x28, 0x99, 0x99),
			  BH_ATT_FIND_BY_TYPE_REQ, 1, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 0, 0, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18),
			  BH_ATT_FIND_BY_TYPE_REQ, 0, BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x00),
			  BH_ATT_FIND_BY_TYPE_REQ, 0, BH_ATT_E_INVALID_PDU);
	/* MTU bound: add services until more than five match. */
	static const struct bh_gatt_svc_def more[6] = {
		{ .uuid = BH_UUID16_INIT(0x180d) }, { .uuid = BH_UUID16_INIT(0x180d) },
		{ .uuid = BH_UUID16_INIT(0x180d) }, { .uuid = BH_UUID16_INIT(0x180d) },
		{ .uuid = BH_UUID16_INIT(0x180d) }, { .uuid = BH_UUID16_INIT(0x180d) },
	};
	assert_int_equal(bh_gatts_add_services(f->s, more, 6), BH_OK);
	r = REQ(f, C1, BH_ATT_FIND_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18);
	assert_int_equal(r->len, 1 + 5 * 4);
}

static void test_read_by_type(void **state)
{
	struct fake *f = *state;
	/* Characteristic declarations: 7-octet elements, 3 fit in 23. */
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x03, 0x28);
	assert_int_equal(r->len, 2 + 3 * 7);
	assert_memory_equal(r->data, "\x09\x07\x02\x00\x02\x03\x00\x00\x2a", 9);
	assert_int_equal(bh_get16(r->data + 16), 7);
	/* The list stops at the first element of another length. */
	r = REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 19, 0, 0xff, 0xff, 0x03, 0x28);
	assert_int_equal(r->len, 2 + 21);
	assert_int_equal(r->data[1], 21);
	assert_int_equal(bh_get16(r->data + 2), 22);
	/* Database Hash by type. */
	r = REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x2a, 0x2b);
	assert_int_equal(r->len, 2 + 18);
	assert_int_equal(bh_get16(r->data + 2), 13);
	/* Values cut to MTU - 4. */
	assert_int_equal(bh_gatts_set_value(f->s, 16, "0123456789abcdefghij", 20), BH_OK);
	r = REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x37, 0x2a);
	assert_int_equal(r->len, 23);
	assert_int_equal(r->data[1], 2 + 19);
	assert_memory_equal(r->data + 4, "0123456789abcdefghi", 19);
	/* A 128-bit type in the request. */
	r = REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff);
	assert_memory_equal(r->data, "\x09\x06\x17\x00\xaa\xbb\xcc\xdd", 8);
	/* The first match not readable: the error names it. */
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x05, 0x2a),
			  BH_ATT_READ_BY_TYPE_REQ, 8, BH_ATT_E_READ_NOT_PERMITTED);
	/* A callback's error on the first match. */
	demo_app.read_rc = BH_ATT_ERROR(0x80);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x3d, 0x2a),
			  BH_ATT_READ_BY_TYPE_REQ, 28, 0x80);
	demo_app.read_rc = BH_OK;
	r = REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x3d, 0x2a);
	assert_memory_equal(r->data, "\x09\x0a\x1c\x00" "callback", 12);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x99, 0x99),
			  BH_ATT_READ_BY_TYPE_REQ, 1, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 9, 0, 8, 0, 0x03, 0x28),
			  BH_ATT_READ_BY_TYPE_REQ, 9, BH_ATT_E_INVALID_HANDLE);
	/* A 32-bit UUID is not allowed here. */
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x03, 0x28, 0, 0),
			  BH_ATT_READ_BY_TYPE_REQ, 0, BH_ATT_E_INVALID_PDU);
}

static void test_read_by_group_type(void **state)
{
	struct fake *f = *state;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 1, 0, 0xff, 0xff, 0x00, 0x28);
	assert_int_equal(r->len, 2 + 3 * 6);
	assert_memory_equal(r->data,
			    "\x11\x06\x01\x00\x05\x00\x00\x18\x06\x00\x0d\x00\x01\x18\x0e\x00\x19\x00\x0d\x18",
			    20);
	r = REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 26, 0, 0xff, 0xff, 0x00, 0x28);
	assert_int_equal(r->len, 2 + 20);
	assert_memory_equal(r->data, "\x11\x14\x1a\x00\x1f\x00\xf0\xde", 8);
	/* 128-bit form of the Primary Service type. */
	r = REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 26, 0, 0xff, 0xff, 0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00,
		0x00, 0x80, 0x00, 0x10, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00);
	assert_int_equal(r->data[1], 20);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 1, 0, 0xff, 0xff, 0x01, 0x28),
			  BH_ATT_READ_BY_GROUP_REQ, 1, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 1, 0, 0xff, 0xff, 0x03, 0x28),
			  BH_ATT_READ_BY_GROUP_REQ, 1, BH_ATT_E_UNSUPPORTED_GROUP_TYPE);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 32, 0, 0xff, 0xff, 0x00, 0x28),
			  BH_ATT_READ_BY_GROUP_REQ, 32, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 0, 0, 0xff, 0xff, 0x00, 0x28),
			  BH_ATT_READ_BY_GROUP_REQ, 0, BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 1, 0, 0xff, 0xff, 0x00),
			  BH_ATT_READ_BY_GROUP_REQ, 0, BH_ATT_E_INVALID_PDU);
	/* A secondary service. */
	static const struct bh_gatt_svc_def sec = { .uuid = BH_UUID16_INIT(0x180f), .secondary = true };
	assert_int_equal(bh_gatts_add_services(f->s, &sec, 1), BH_OK);
	r = REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 1, 0, 0xff, 0xff, 0x01, 0x28);
	assert_memory_equal(r->data, "\x11\x06\x20\x00\x20\x00\x0f\x18", 8);
}

static void test_read_and_blob(void **state)
{
	struct fake *f = *state;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_REQ, 16, 0);
	assert_int_equal(r->len, 6);
	assert_memory_equal(r->data, "\x0bhello", 6);
	uint8_t long_val[40];
	for (int i = 0; i < 40; i++)
		long_val[i] = (uint8_t)i;
	assert_int_equal(bh_gatts_set_value(f->s, 19, long_val, 40), BH_OK);
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_int_equal(r->len, 23); /* MTU - 1 octets of value */
	assert_memory_equal(r->data + 1, long_val, 22);
	r = REQ(f, C1, BH_ATT_READ_BLOB_REQ, 19, 0, 22, 0);
	assert_int_equal(r->data[0], BH_ATT_READ_BLOB_RSP);
	assert_int_equal(r->len, 19);
	assert_memory_equal(r->data + 1, long_val + 22, 18);
	r = REQ(f, C1, BH_ATT_READ_BLOB_REQ, 19, 0, 40, 0);
	assert_int_equal(r->len, 1); /* offset == length: empty */
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BLOB_REQ, 19, 0, 41, 0), BH_ATT_READ_BLOB_REQ, 19,
			  BH_ATT_E_INVALID_OFFSET);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BLOB_REQ, 19, 0, 0xff, 0xff), BH_ATT_READ_BLOB_REQ, 19,
			  BH_ATT_E_INVALID_OFFSET);
	/* Callbacks see the offset. */
	r = REQ(f, C1, BH_ATT_READ_BLOB_REQ, 28, 0, 4, 0);
	assert_memory_equal(r->data, "\x0d" "back", 5);
	assert_int_equal(demo_app.last_offset, 4);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BLOB_REQ, 28, 0, 9, 0), BH_ATT_READ_BLOB_REQ, 28,
			  BH_ATT_E_INVALID_OFFSET);
	/* Per-connection values through a blob offset. */
	r = REQ(f, C1, BH_ATT_READ_BLOB_REQ, 13, 0, 15, 0);
	assert_int_equal(r->len, 2);
	/* Errors. */
	fake_expect_error(REQ(f, C1, BH_ATT_READ_REQ, 0, 0), BH_ATT_READ_REQ, 0, BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_REQ, 0xe7, 0x03), BH_ATT_READ_REQ, 999,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_REQ, 8, 0), BH_ATT_READ_REQ, 8,
			  BH_ATT_E_READ_NOT_PERMITTED);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_REQ, 16), BH_ATT_READ_REQ, 0, BH_ATT_E_INVALID_PDU);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_REQ, 16, 0, 0), BH_ATT_READ_REQ, 0, BH_ATT_E_INVALID_PDU);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_BLOB_REQ, 16, 0, 0), BH_ATT_READ_BLOB_REQ, 0,
			  BH_ATT_E_INVALID_PDU);
	/* An application error that is not an ATT code becomes Unlikely Error. */
	demo_app.read_rc = BH_ENOMEM;
	fake_expect_error(REQ(f, C1, BH_ATT_READ_REQ, 28, 0), BH_ATT_READ_REQ, 28, BH_ATT_E_UNLIKELY);
	demo_app.read_rc = BH_OK;
	/* A bigger MTU: the whole 40 octets. */
	f->mtu = 100;
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_int_equal(r->len, 41);
}

static void test_read_multiple(void **state)
{
	struct fake *f = *state;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_MULT_REQ, 16, 0, 19, 0, 28, 0);
	assert_int_equal(r->len, 1 + 5 + 3 + 8);
	assert_memory_equal(r->data, "\x0fhello\x01\x02\x03" "callback", 17);
	/* Cut at MTU - 1. */
	r = REQ(f, C1, BH_ATT_READ_MULT_REQ, 28, 0, 28, 0, 28, 0);
	assert_int_equal(r->len, 23);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_MULT_REQ, 16, 0, 0xe7, 0x03), BH_ATT_READ_MULT_REQ, 999,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_MULT_REQ, 16, 0, 8, 0), BH_ATT_READ_MULT_REQ, 8,
			  BH_ATT_E_READ_NOT_PERMITTED);
	/* Even past the MTU every handle is checked. */
	fake_expect_error(REQ(f, C1, BH_ATT_READ_MULT_REQ, 28, 0, 28, 0, 28, 0, 0, 0),
			  BH_ATT_READ_MULT_REQ, 0, BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_MULT_REQ, 16, 0), BH_ATT_READ_MULT_REQ, 0,
			  BH_ATT_E_INVALID_PDU);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_MULT_REQ, 16, 0, 19), BH_ATT_READ_MULT_REQ, 0,
			  BH_ATT_E_INVALID_PDU);

	/* Variable: length-value tuples. */
	r = REQ(f, C1, BH_ATT_READ_MULT_VAR_REQ, 16, 0, 19, 0);
	assert_int_equal(r->len, 1 + 2 + 5 + 2 + 3);
	assert_memory_equal(r->data, "\x21\x05\x00hello\x03\x00\x01\x02\x03", 13);
	/* The length is the value's; the value is cut when the PDU is full. */
	r = REQ(f, C1, BH_ATT_READ_MULT_VAR_REQ, 28, 0, 28, 0, 16, 0);
	assert_int_equal(r->len, 23);
	assert_memory_equal(r->data, "\x21\x08\x00" "callback\x08\x00" "callback\x05\x00", 23);
	/* Exactly one octet left: no room for another length. */
	r = REQ(f, C1, BH_ATT_READ_MULT_VAR_REQ, 3, 0, 23, 0, 23, 0, 16, 0, 16, 0);
	assert_int_equal(r->len, 22);
	assert_memory_equal(r->data, "\x21\x07\x00" "blehost\x04\x00\xaa\xbb\xcc\xdd\x04\x00", 16);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_MULT_VAR_REQ, 16, 0, 0, 0), BH_ATT_READ_MULT_VAR_REQ, 0,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_READ_MULT_VAR_REQ, 16, 0), BH_ATT_READ_MULT_VAR_REQ, 0,
			  BH_ATT_E_INVALID_PDU);
}

static void test_write_request(void **state)
{
	struct fake *f = *state;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_WRITE_REQ, 19, 0, 'a', 'b', 'c', 'd');
	assert_int_equal(r->len, 1);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b" "abcd", 5);
	/* Empty write. */
	r = REQ(f, C1, BH_ATT_WRITE_REQ, 19, 0);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_int_equal(r->len, 1);
	/* Fixed length 4: a shorter write changes the first octets only, a
	 * longer one is refused. */
	r = REQ(f, C1, BH_ATT_WRITE_REQ, 23, 0, 1, 2, 3);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	r = REQ(f, C1, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0b\x01\x02\x03\xdd", 5);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 23, 0, 1, 2, 3, 4, 5), BH_ATT_WRITE_REQ, 23,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	r = REQ(f, C1, BH_ATT_WRITE_REQ, 23, 0, 1, 2, 3, 4);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	/* Longer than max_len (64). */
	f->mtu = 100;
	uint8_t big[3 + 65] = { BH_ATT_WRITE_REQ, 19, 0 };
	fake_expect_error(fake_req(f, C1, big, sizeof(big)), BH_ATT_WRITE_REQ, 19,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	r = fake_req(f, C1, big, sizeof(big) - 1);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	/* Not writable: declarations, read-only values, the hash. */
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 15, 0, 1), BH_ATT_WRITE_REQ, 15,
			  BH_ATT_E_WRITE_NOT_PERMITTED);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 16, 0, 1), BH_ATT_WRITE_REQ, 16,
			  BH_ATT_E_WRITE_NOT_PERMITTED);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 13, 0, 1), BH_ATT_WRITE_REQ, 13,
			  BH_ATT_E_WRITE_NOT_PERMITTED);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 31, 0, 1), BH_ATT_WRITE_REQ, 31,
			  BH_ATT_E_WRITE_NOT_PERMITTED);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 0, 0, 1), BH_ATT_WRITE_REQ, 0,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 0xe7, 0x03, 1), BH_ATT_WRITE_REQ, 999,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 19), BH_ATT_WRITE_REQ, 0, BH_ATT_E_INVALID_PDU);
	/* Callback-served: flags 0, its error passes through. */
	r = REQ(f, C1, BH_ATT_WRITE_REQ, 28, 0, 'x', 'y');
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	assert_int_equal(demo_app.last_flags, 0);
	assert_memory_equal(demo_app.val, "xy", 2);
	demo_app.write_rc = BH_ATT_ERROR(BH_ATT_E_VALUE_NOT_ALLOWED);
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 28, 0, 'x'), BH_ATT_WRITE_REQ, 28,
			  BH_ATT_E_VALUE_NOT_ALLOWED);
	demo_app.write_rc = BH_OK;
	/* Client Supported Features: short write. */
	fake_expect_error(REQ(f, C1, BH_ATT_WRITE_REQ, 11, 0), BH_ATT_WRITE_REQ, 11,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
}

static void test_write_command(void **state)
{
	struct fake *f = *state;
	CMD(f, C1, BH_ATT_WRITE_CMD, 23, 0, 9, 8, 7, 6);
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0b\x09\x08\x07\x06", 5);
	/* Errors are dropped silently: wrong length, no WRITE_NO_RSP
	 * property, unknown handle, declaration, too short. */
	CMD(f, C1, BH_ATT_WRITE_CMD, 23, 0, 1, 2, 3, 4, 5);
	CMD(f, C1, BH_ATT_WRITE_CMD, 19, 0, 1);
	CMD(f, C1, BH_ATT_WRITE_CMD, 0xe7, 0x03, 1);
	CMD(f, C1, BH_ATT_WRITE_CMD, 0, 0, 1);
	CMD(f, C1, BH_ATT_WRITE_CMD, 15, 0, 1);
	CMD(f, C1, BH_ATT_WRITE_CMD, 23);
	r = REQ(f, C1, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0b\x09\x08\x07\x06", 5);
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b\x01\x02\x03", 4);
	/* Callback gets the command flag; its error goes nowhere. */
	CMD(f, C1, BH_ATT_WRITE_CMD, 28, 0, 'q');
	assert_int_equal(demo_app.last_flags, BH_GATT_WRITE_F_CMD);
	demo_app.write_rc = BH_ATT_ERROR(0x80);
	CMD(f, C1, BH_ATT_WRITE_CMD, 28, 0, 'q');
	assert_int_equal(demo_app.nwrite, 2);
}

static void test_signed_write(void **state)
{
	struct fake *f = *state;
	uint8_t pdu[3 + 4 + 12] = { BH_ATT_SIGNED_WRITE_CMD, 23, 0, 'w', 'x', 'y', 'z' };
	fake_cmd(f, C1, pdu, sizeof(pdu));
	assert_int_equal(f->nverify, 1);
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0bwxyz", 5);
	/* Bad signature: dropped. */
	f->verify_rc = BH_ESECURITY;
	pdu[3] = 'A';
	fake_cmd(f, C1, pdu, sizeof(pdu));
	assert_int_equal(f->nverify, 2);
	r = REQ(f, C1, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0bwxyz", 5);
	f->verify_rc = BH_OK;
	/* No AUTH_SIGNED_WRITE property on 19: dropped after verification. */
	uint8_t pdu19[3 + 1 + 12] = { BH_ATT_SIGNED_WRITE_CMD, 19, 0, 'n' };
	fake_cmd(f, C1, pdu19, sizeof(pdu19));
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b\x01\x02\x03", 4);
	/* Too short for a signature: never verified. */
	unsigned nv = f->nverify;
	CMD(f, C1, BH_ATT_SIGNED_WRITE_CMD, 23, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
	assert_int_equal(f->nverify, nv);
	/* Without a verifier every signed write is dropped. */
	fake_free(f);
	f->port.verify_signed = NULL;
	assert_non_null(fake_server(f, NULL));
	fake_demo(f);
	assert_int_equal(bh_gatts_connected(f->s, C1), BH_OK);
	pdu[3] = 'B';
	fake_cmd(f, C1, pdu, sizeof(pdu));
	assert_int_equal(f->nverify, nv);
	r = REQ(f, C1, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0b\xaa\xbb\xcc\xdd", 5);
}

static void test_prepare_execute(void **state)
{
	struct fake *f = *state;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 0, 0, 'a', 'b', 'c', 'd', 'e');
	/* The response echoes the request. */
	assert_int_equal(r->len, 10);
	assert_memory_equal(r->data, "\x17\x13\x00\x00\x00" "abcde", 10);
	r = REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 5, 0, 'f', 'g');
	assert_memory_equal(r->data, "\x17\x13\x00\x05\x00" "fg", 7);
	/* Nothing written before execution. */
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b\x01\x02\x03", 4);
	r = REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->len, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_int_equal(r->len, 8);
	assert_memory_equal(r->data, "\x0b" "abcdefg", 8);
	/* Empty queue. */
	r = REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);

	/* Cancel. */
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 0, 0, 'Z');
	r = REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 0);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b" "abcdefg", 8);

	/* Bad offset found at execution: nothing of the queue is written. */
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 0, 0, 'Q');
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 9, 0, 'R');
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1), BH_ATT_EXEC_WRITE_REQ, 19,
			  BH_ATT_E_INVALID_OFFSET);
	r = REQ(f, C1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b" "abcdefg", 8);
	/* The queue is gone after a failed execution. */
	r = REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	/* Too long for max_len 64. */
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	    15, 16, 17, 18);
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 25, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	    15, 16, 17, 18);
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 43, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	    15, 16, 17, 18);
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 19, 0, 61, 0, 1, 2, 3, 4);
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1), BH_ATT_EXEC_WRITE_REQ, 19,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	/* Fixed length value: partial prepared writes are fine within it. */
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 23, 0, 2, 0, 0x55, 0x66);
	r = REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	r = REQ(f, C1, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0b\xaa\xbb\x55\x66", 5);
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 23, 0, 3, 0, 0x55, 0x66);
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1), BH_ATT_EXEC_WRITE_REQ, 23,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	/* A CCCD through a prepared write needs offset 0 and two octets. */
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 17, 0, 1, 0, 1);
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1), BH_ATT_EXEC_WRITE_REQ, 17,
			  BH_ATT_E_INVALID_OFFSET);
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 17, 0, 0, 0, 1);
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1), BH_ATT_EXEC_WRITE_REQ, 17,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 17, 0, 0, 0, 1, 0);
	r = REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	assert_int_equal(bh_gatts_cccd_value(f->s, C1, 16), 1);

	/* Callback values get offsets and the prepared flag; their errors
	 * end the execution. */
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 28, 0, 2, 0, 'Z');
	r = REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	assert_int_equal(demo_app.last_offset, 2);
	assert_int_equal(demo_app.last_flags, BH_GATT_WRITE_F_PREPARED);
	demo_app.write_rc = BH_ATT_ERROR(0x81);
	REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 28, 0, 0, 0, 'Z');
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 1), BH_ATT_EXEC_WRITE_REQ, 28, 0x81);
	demo_app.write_rc = BH_OK;

	/* Prepare errors: handle, permission, malformed, bad flags. */
	fake_expect_error(REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 0, 0, 0, 0, 1), BH_ATT_PREP_WRITE_REQ, 0,
			  BH_ATT_E_INVALID_HANDLE);
	fake_expect_error(REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 16, 0, 0, 0, 1), BH_ATT_PREP_WRITE_REQ, 16,
			  BH_ATT_E_WRITE_NOT_PERMITTED);
	fake_expect_error(REQ(f, C1, BH_ATT_PREP_WRITE_REQ, 16, 0, 0), BH_ATT_PREP_WRITE_REQ, 0,
			  BH_ATT_E_INVALID_PDU);
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ, 2), BH_ATT_EXEC_WRITE_REQ, 0,
			  BH_ATT_E_INVALID_PDU);
	fake_expect_error(REQ(f, C1, BH_ATT_EXEC_WRITE_REQ), BH_ATT_EXEC_WRITE_REQ, 0,
			  BH_ATT_E_INVALID_PDU);
}

static void test_prepare_queue_full(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	cfg.prepare_queue = 3;
	assert_non_null(fake_server(&f, &cfg));
	fake_demo(&f);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_OK);
	for (uint8_t i = 0; i < 3; i++) {
		const struct fake_pdu *r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, 19, 0, i, 0, 'a' + i);
		assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	}
	fake_expect_error(REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, 19, 0, 3, 0, 'd'), BH_ATT_PREP_WRITE_REQ, 19,
			  BH_ATT_E_PREPARE_QUEUE_FULL);
	/* The queue is per connection. */
	const struct fake_pdu *r = REQ(&f, 2, BH_ATT_PREP_WRITE_REQ, 19, 0, 0, 0, 'x');
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	r = REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b" "abc", 4);
	/* Disconnecting drops conn 2's queue. */
	bh_gatts_disconnected(f.s, 2);
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_OK);
	r = REQ(&f, 2, BH_ATT_EXEC_WRITE_REQ, 1);
	assert_int_equal(r->data[0], BH_ATT_EXEC_WRITE_RSP);
	r = REQ(&f, 1, BH_ATT_READ_REQ, 19, 0);
	assert_memory_equal(r->data, "\x0b" "abc", 4);

	/* A zero-length queue answers Prepare Queue Full at once. */
	fake_free(&f);
	cfg.prepare_queue = 0;
	assert_non_null(fake_server(&f, &cfg));
	fake_demo(&f);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	fake_expect_error(REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, 19, 0, 0, 0, 'd'), BH_ATT_PREP_WRITE_REQ, 19,
			  BH_ATT_E_PREPARE_QUEUE_FULL);
	fake_free(&f);
}

static void test_unknown_and_odd_pdus(void **state)
{
	struct fake *f = *state;
	/* Unknown request: Request Not Supported. */
	fake_expect_error(REQ(f, C1, 0x30, 1, 2), 0x30, 0, BH_ATT_E_REQUEST_NOT_SUPPORTED);
	fake_expect_error(REQ(f, C1, 0x3e), 0x3e, 0, BH_ATT_E_REQUEST_NOT_SUPPORTED);
	/* Unknown command: ignored. */
	CMD(f, C1, 0x7f, 1, 2, 3);
	CMD(f, C1, 0xff);
	/* Responses, notifications, confirmations sent to a server: dropped. */
	CMD(f, C1, BH_ATT_READ_RSP, 1);
	CMD(f, C1, BH_ATT_NOTIFY, 1, 0, 1);
	CMD(f, C1, BH_ATT_CONFIRM);
	CMD(f, C1, BH_ATT_ERROR_RSP, 0x0a, 1, 0, 1);
	/* Nothing at all. */
	bh_gatts_on_pdu(f->s, C1, NULL, 0);
	bh_gatts_on_pdu(f->s, C1, (const uint8_t *)"", 0);
	assert_int_equal(f->nrsp, 0);
	/* A connection the server was not told about. */
	fake_expect_error(REQ(f, 0x99, BH_ATT_READ_REQ, 16, 0), BH_ATT_READ_REQ, 0, BH_ATT_E_UNLIKELY);
	CMD(f, 0x99, BH_ATT_WRITE_CMD, 23, 0, 1, 2, 3, 4);
	/* A nonsense MTU from the port is clamped, never trusted. */
	f->mtu = 5;
	fake_free(f);
	f->port.mtu = NULL; /* no MTU callback: the default 23 */
	assert_non_null(fake_server(f, NULL));
	fake_demo(f);
	assert_int_equal(bh_gatts_connected(f->s, C1), BH_OK);
	f->mtu = 23; /* what the fake's respond() checks against */
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_FIND_INFO_REQ, 1, 0, 0xff, 0xff);
	assert_int_equal(r->len, 22);
}

static void test_respond_refused(void **state)
{
	struct fake *f = *state;
	/* The bearer refusing a response is its business; the server stays
	 * consistent and answers the next request. */
	f->respond_rc = BH_EBUSY;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_REQ, 16, 0);
	assert_non_null(r);
	f->respond_rc = 0;
	r = REQ(f, C1, BH_ATT_READ_REQ, 16, 0);
	assert_memory_equal(r->data, "\x0bhello", 6);
}

static void test_bigger_mtu(void **state)
{
	struct fake *f = *state;
	f->mtu = 517;
	const struct fake_pdu *r = REQ(f, C1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x03, 0x28);
	/* All 16-bit characteristic declarations up to the 128-bit one. */
	assert_int_equal(r->data[1], 7);
	assert_int_equal(r->len, 2 + 7 * 7);
	r = REQ(f, C1, BH_ATT_FIND_INFO_REQ, 1, 0, 22, 0);
	assert_int_equal(r->len, 2 + 22 * 4);
	r = REQ(f, C1, BH_ATT_READ_BY_GROUP_REQ, 1, 0, 0xff, 0xff, 0x00, 0x28);
	assert_int_equal(r->len, 2 + 3 * 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_by_type_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_by_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_by_group_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_and_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_multiple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_execute, setup, teardown),
		cmocka_unit_test(test_prepare_queue_full),
		cmocka_unit_test_setup_teardown(test_unknown_and_odd_pdus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_respond_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bigger_mtu, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
