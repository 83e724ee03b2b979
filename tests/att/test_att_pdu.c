/* Unit tests for the ATT PDU codec (att/att_pdu.c): minimum and exact
 * lengths of every PDU, list shapes, round trips through the encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/att.h>

static int dec(const uint8_t *p, size_t n)
{
	struct bh_att_pdu pdu;
	return bh_att_decode(p, n, &pdu);
}

/* For each opcode: the shortest valid PDU decodes, one octet less does not. */
static void test_min_lengths(void **state)
{
	(void)state;
	static const struct { uint8_t op; uint8_t min; bool fixed; } t[] = {
		{ 0x01, 5, true }, { 0x02, 3, true }, { 0x03, 3, true }, { 0x04, 5, true },
		{ 0x06, 7, false }, { 0x0a, 3, true }, { 0x0b, 1, false }, { 0x0c, 5, true },
		{ 0x0d, 1, false }, { 0x0f, 1, false }, { 0x12, 3, false }, { 0x13, 1, true },
		{ 0x16, 5, false }, { 0x17, 5, false }, { 0x19, 1, true }, { 0x21, 1, false },
		{ 0x1b, 3, false }, { 0x1d, 3, false }, { 0x1e, 1, true }, { 0x52, 3, false },
		{ 0xd2, 15, false },
	};
	uint8_t buf[32];
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = t[i].op;
		assert_int_equal(dec(buf, t[i].min), BH_OK);
		if (t[i].min > 1)
			assert_int_equal(dec(buf, t[i].min - 1), BH_EMALFORMED);
		assert_int_equal(dec(buf, t[i].min + 1), t[i].fixed ? BH_EMALFORMED : BH_OK);
	}
	/* Execute Write: 2 exactly, flags 0 or 1 only. */
	uint8_t ex[] = { 0x18, 0x01 };
	assert_int_equal(dec(ex, 2), BH_OK);
	ex[1] = 2;
	assert_int_equal(dec(ex, 2), BH_EMALFORMED);
	assert_int_equal(dec(ex, 1), BH_EMALFORMED);
	assert_int_equal(dec(NULL, 0), BH_EMALFORMED);
	assert_int_equal(dec(buf, 0), BH_EMALFORMED);
}

static void test_unknown_opcode(void **state)
{
	(void)state;
	struct bh_att_pdu pdu;
	const uint8_t p[] = { 0x3f, 1, 2 };
	assert_int_equal(bh_att_decode(p, sizeof(p), &pdu), BH_ENOTSUP);
	assert_int_equal(pdu.opcode, 0x3f);
#ifndef BH_NO_ERROR_TEXT /* -Derror_text=false: test_att_names_off */
	assert_string_equal(bh_att_opcode_str(0x3f), "Unknown ATT PDU");
	assert_string_equal(bh_att_opcode_str(0x08), "Read By Type Request");
	assert_string_equal(bh_att_opcode_str(BH_ATT_SIGNED_WRITE_CMD), "Signed Write Command");
	assert_string_equal(bh_att_opcode_str(BH_ATT_NOTIFY), "Handle Value Notification");
	assert_string_equal(bh_att_opcode_str(BH_ATT_WRITE_CMD), "Write Command");
	assert_string_equal(bh_att_opcode_str(BH_ATT_MULT_NOTIFY),
			    "Multiple Handle Value Notification");
	assert_string_equal(bh_att_opcode_str(BH_ATT_ERROR_RSP), "Error Response");
	/* Holes in the table and the ends of its range. */
	assert_string_equal(bh_att_opcode_str(0x00), "Unknown ATT PDU");
	assert_string_equal(bh_att_opcode_str(0x22), "Unknown ATT PDU");
	assert_string_equal(bh_att_opcode_str(0x24), "Unknown ATT PDU");
	assert_string_equal(bh_att_opcode_str(0xff), "Unknown ATT PDU");
#endif
}

static void test_find_info_rsp_formats(void **state)
{
	(void)state;
	struct bh_att_pdu pdu;
	const uint8_t f1[] = { 0x05, 0x01, 0x01, 0x00, 0x00, 0x28, 0x02, 0x00, 0x03, 0x28 };
	assert_int_equal(bh_att_decode(f1, sizeof(f1), &pdu), BH_OK);
	assert_int_equal(pdu.u.find_info_rsp.elem_len, 4);
	assert_int_equal(pdu.u.find_info_rsp.len, 8);
	assert_int_equal(bh_att_decode(f1, sizeof(f1) - 1, &pdu), BH_EMALFORMED); /* uneven */
	uint8_t f2[2 + 18] = { 0x05, 0x02, 0x10, 0x00 };
	assert_int_equal(bh_att_decode(f2, sizeof(f2), &pdu), BH_OK);
	assert_int_equal(pdu.u.find_info_rsp.elem_len, 18);
	f2[1] = 1; /* 18 is not a multiple of 4 */
	assert_int_equal(bh_att_decode(f2, sizeof(f2), &pdu), BH_EMALFORMED);
	f2[1] = 3; /* unknown format */
	assert_int_equal(bh_att_decode(f2, sizeof(f2), &pdu), BH_EMALFORMED);
	const uint8_t empty[] = { 0x05, 0x01 };
	assert_int_equal(bh_att_decode(empty, sizeof(empty), &pdu), BH_EMALFORMED);
}

static void test_find_by_type(void **state)
{
	(void)state;
	struct bh_att_pdu pdu;
	const uint8_t req[] = { 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18 };
	assert_int_equal(bh_att_decode(req, sizeof(req), &pdu), BH_OK);
	assert_int_equal(pdu.u.find_by_type_req.type, 0x2800);
	assert_int_equal(pdu.u.find_by_type_req.len, 2);
	assert_int_equal(pdu.u.find_by_type_req.end, 0xffff);
	const uint8_t rsp[] = { 0x07, 0x01, 0x00, 0x05, 0x00, 0x06, 0x00, 0x09, 0x00 };
	assert_int_equal(bh_att_decode(rsp, sizeof(rsp), &pdu), BH_OK);
	assert_int_equal(pdu.u.find_by_type_rsp.len, 8);
	assert_int_equal(bh_att_decode(rsp, sizeof(rsp) - 2, &pdu), BH_EMALFORMED);
	assert_int_equal(bh_att_decode(rsp, 1, &pdu), BH_EMALFORMED);
}

static void test_read_by_type(void **state)
{
	(void)state;
	struct bh_att_pdu pdu;
	uint8_t req[21] = { 0x08, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28 };
	assert_int_equal(bh_att_decode(req, 7, &pdu), BH_OK);
	assert_int_equal(bh_uuid_as16(&pdu.u.read_by_type_req.type), 0x2803);
	assert_int_equal(bh_att_decode(req, 21, &pdu), BH_OK);
	assert_int_equal(pdu.u.read_by_type_req.type.len, 16);
	assert_int_equal(bh_att_decode(req, 9, &pdu), BH_EMALFORMED); /* 32-bit UUID not allowed */
	assert_int_equal(bh_att_decode(req, 8, &pdu), BH_EMALFORMED);
	req[0] = 0x10;
	assert_int_equal(bh_att_decode(req, 7, &pdu), BH_OK);
	assert_int_equal(bh_att_decode(req, 6, &pdu), BH_EMALFORMED);

	/* element length 2+N */
	const uint8_t rsp[] = { 0x09, 0x03, 0x01, 0x00, 0xaa, 0x02, 0x00, 0xbb };
	assert_int_equal(bh_att_decode(rsp, sizeof(rsp), &pdu), BH_OK);
	assert_int_equal(pdu.u.read_by_type_rsp.elem_len, 3);
	assert_int_equal(pdu.u.read_by_type_rsp.len, 6);
	assert_int_equal(bh_att_decode(rsp, sizeof(rsp) - 1, &pdu), BH_EMALFORMED);
	const uint8_t rsp_small[] = { 0x09, 0x01, 0x01, 0x00 };
	assert_int_equal(bh_att_decode(rsp_small, sizeof(rsp_small), &pdu), BH_EMALFORMED);
	const uint8_t rsp_zero[] = { 0x09, 0x00, 0x01, 0x00 };
	assert_int_equal(bh_att_decode(rsp_zero, sizeof(rsp_zero), &pdu), BH_EMALFORMED);
	const uint8_t rsp_bare[] = { 0x09, 0x02, 0x01, 0x00 };
	assert_int_equal(bh_att_decode(rsp_bare, sizeof(rsp_bare), &pdu), BH_OK);

	/* by group: 4+N */
	const uint8_t grp[] = { 0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18 };
	assert_int_equal(bh_att_decode(grp, sizeof(grp), &pdu), BH_OK);
	assert_int_equal(pdu.u.read_by_type_rsp.elem_len, 6);
	const uint8_t grp_bad[] = { 0x11, 0x03, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18 };
	assert_int_equal(bh_att_decode(grp_bad, 5, &pdu), BH_EMALFORMED);
	assert_int_equal(bh_att_decode(grp_bad, sizeof(grp_bad), &pdu), BH_EMALFORMED);
}

static void test_read_multiple(void **state)
{
	(void)state;
	struct bh_att_pdu pdu;
	const uint8_t req[] = { 0x0e, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00 };
	assert_int_equal(bh_att_decode(req, 5, &pdu), BH_OK);
	assert_int_equal(pdu.u.read_mult_req.count, 2);
	assert_int_equal(bh_att_decode(req, 7, &pdu), BH_OK);
	assert_int_equal(pdu.u.read_mult_req.count, 3);
	assert_int_equal(bh_att_decode(req, 6, &pdu), BH_EMALFORMED);
	assert_int_equal(bh_att_decode(req, 3, &pdu), BH_EMALFORMED); /* one handle only */
	uint8_t var[7];
	memcpy(var, req, 7);
	var[0] = 0x20;
	assert_int_equal(bh_att_decode(var, 5, &pdu), BH_OK);
	assert_int_equal(bh_att_decode(var, 4, &pdu), BH_EMALFORMED);
	assert_int_equal(bh_att_decode(var, 6, &pdu), BH_EMALFORMED);
}

static void test_mult_notify(void **state)
{
	(void)state;
	struct bh_att_pdu pdu;
	const uint8_t ok[] = { 0x23, 0x01, 0x00, 0x01, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00 };
	assert_int_equal(bh_att_decode(ok, sizeof(ok), &pdu), BH_OK);
	assert_int_equal(pdu.u.mult_notify.len, 9);
	/* one tuple only */
	const uint8_t one[] = { 0x23, 0x01, 0x00, 0x05, 0x00, 1, 2, 3, 4, 5 };
	assert_int_equal(bh_att_decode(one, sizeof(one), &pdu), BH_EMALFORMED);
	/* length field runs past the end */
	const uint8_t over[] = { 0x23, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x05, 0x00, 1 };
	assert_int_equal(bh_att_decode(over, sizeof(over), &pdu), BH_EMALFORMED);
	/* trailing partial tuple */
	const uint8_t trail[] = { 0x23, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03 };
	assert_int_equal(bh_att_decode(trail, sizeof(trail), &pdu), BH_EMALFORMED);
}

static void test_signed_write(void **state)
{
	(void)state;
	struct bh_att_pdu pdu;
	uint8_t p[3 + 2 + 12] = { 0xd2, 0x10, 0x00, 0xaa, 0xbb };
	for (int i = 0; i < 12; i++)
		p[5 + i] = (uint8_t)(0x40 + i);
	assert_int_equal(bh_att_decode(p, sizeof(p), &pdu), BH_OK);
	assert_int_equal(pdu.u.signed_write.handle, 0x10);
	assert_int_equal(pdu.u.signed_write.len, 2);
	assert_int_equal(pdu.u.signed_write.signature[0], 0x40);
	assert_int_equal(pdu.u.signed_write.signature[11], 0x4b);
	assert_true(bh_att_is_command(0xd2));

	uint8_t out[32];
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), sizeof(p));
	assert_memory_equal(out, p, sizeof(p));
	pdu.u.signed_write.signature = NULL;
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), 0);
}

static void test_classify(void **state)
{
	(void)state;
	const uint8_t reqs[] = { 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e, 0x10, 0x12, 0x16, 0x18, 0x20 };
	for (size_t i = 0; i < sizeof(reqs); i++) {
		assert_true(bh_att_is_request(reqs[i]));
		assert_false(bh_att_is_response(reqs[i]));
		assert_int_equal(bh_att_response_for(reqs[i]), reqs[i] + 1);
		assert_true(bh_att_is_response((uint8_t)(reqs[i] + 1)));
	}
	assert_true(bh_att_is_response(0x01));
	assert_false(bh_att_is_response(0x1b));
	assert_false(bh_att_is_response(0x1e));
	assert_false(bh_att_is_request(0x1d));
	assert_false(bh_att_is_request(0x52));
	assert_int_equal(bh_att_response_for(0x52), 0);
	assert_int_equal(bh_att_response_for(0x1b), 0);
	assert_true(bh_att_is_command(0x52));
	assert_false(bh_att_is_command(0x12));
	assert_false(bh_att_is_response(0x00));
	assert_false(bh_att_is_response(0xff));
}

static void roundtrip(const uint8_t *p, size_t n)
{
	struct bh_att_pdu pdu;
	assert_int_equal(bh_att_decode(p, n, &pdu), BH_OK);
	uint8_t out[64];
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), n);
	assert_memory_equal(out, p, n);
	assert_int_equal(bh_att_encode(&pdu, out, n - 1), 0); /* does not fit */
}

static void test_roundtrips(void **state)
{
	(void)state;
	const uint8_t a[] = { 0x01, 0x0a, 0x05, 0x00, 0x0a };
	const uint8_t b[] = { 0x02, 0x05, 0x02 };
	const uint8_t c[] = { 0x04, 0x01, 0x00, 0xff, 0xff };
	const uint8_t d[] = { 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18 };
	const uint8_t e[] = { 0x08, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28 };
	const uint8_t f[] = { 0x09, 0x03, 0x01, 0x00, 0xaa };
	const uint8_t g[] = { 0x0c, 0x03, 0x00, 0x16, 0x00 };
	const uint8_t h[] = { 0x0e, 0x01, 0x00, 0x02, 0x00 };
	const uint8_t i[] = { 0x16, 0x03, 0x00, 0x16, 0x00, 1, 2, 3 };
	const uint8_t j[] = { 0x18, 0x00 };
	const uint8_t k[] = { 0x1d, 0x03, 0x00, 9 };
	const uint8_t l[] = { 0x0b, 1, 2, 3 };
	const uint8_t m[] = { 0x05, 0x01, 0x01, 0x00, 0x00, 0x28 };
	const uint8_t n[] = { 0x23, 0x01, 0x00, 0x01, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00 };
	const uint8_t o[] = { 0x13 };
	const uint8_t q[] = { 0x0a, 0x03, 0x00 };
	roundtrip(a, sizeof(a)); roundtrip(b, sizeof(b)); roundtrip(c, sizeof(c));
	roundtrip(d, sizeof(d)); roundtrip(e, sizeof(e)); roundtrip(f, sizeof(f));
	roundtrip(g, sizeof(g)); roundtrip(h, sizeof(h)); roundtrip(i, sizeof(i));
	roundtrip(j, sizeof(j)); roundtrip(k, sizeof(k)); roundtrip(l, sizeof(l));
	roundtrip(m, sizeof(m)); roundtrip(n, sizeof(n)); roundtrip(q, sizeof(q));
	uint8_t out[4];
	struct bh_att_pdu pdu;
	assert_int_equal(bh_att_decode(o, 1, &pdu), BH_OK);
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), 1);
}

static void test_encode_rejects_invalid(void **state)
{
	(void)state;
	uint8_t out[64];
	struct bh_att_pdu pdu = { .opcode = 0x3f };
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), 0);
	/* empty Find Information Response list */
	pdu = (struct bh_att_pdu){ .opcode = BH_ATT_FIND_INFO_RSP };
	pdu.u.find_info_rsp.format = 1;
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), 0);
	/* Read Multiple with a single handle */
	const uint8_t hs[] = { 1, 0 };
	pdu = (struct bh_att_pdu){ .opcode = BH_ATT_READ_MULT_REQ };
	pdu.u.read_mult_req.handles = hs;
	pdu.u.read_mult_req.count = 1;
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), 0);
	/* a 32-bit UUID goes out as 128 bits */
	pdu = (struct bh_att_pdu){ .opcode = BH_ATT_READ_BY_GROUP_REQ };
	pdu.u.read_by_type_req.start = 1;
	pdu.u.read_by_type_req.end = 0xffff;
	const uint8_t u32[] = { 0x78, 0x56, 0x34, 0x12 };
	assert_int_equal(bh_uuid_from_le(&pdu.u.read_by_type_req.type, u32, 4), 0);
	assert_int_equal(bh_att_encode(&pdu, out, sizeof(out)), 21);
	assert_int_equal(out[17], 0x78);
	assert_int_equal(out[20], 0x12);
	assert_int_equal(bh_att_encode(NULL, out, sizeof(out)), 0);
	assert_int_equal(bh_att_encode_error(out, 0x0a, 0x1234, 0x02), 5);
	const uint8_t err[] = { 0x01, 0x0a, 0x34, 0x12, 0x02 };
	assert_memory_equal(out, err, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_lengths),
		cmocka_unit_test(test_unknown_opcode),
		cmocka_unit_test(test_find_info_rsp_formats),
		cmocka_unit_test(test_find_by_type),
		cmocka_unit_test(test_read_by_type),
		cmocka_unit_test(test_read_multiple),
		cmocka_unit_test(test_mult_notify),
		cmocka_unit_test(test_signed_write),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_encode_rejects_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
