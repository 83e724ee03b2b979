/* A -Derror_text=false build: ATT PDUs read as their hex opcode, known or
 * not; no name is left. The codec itself is the default build's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <blehost/att.h>

static void hex_instead_of_names(void **state)
{
	(void)state;
	assert_string_equal(bh_att_opcode_str(BH_ATT_READ_BY_TYPE_REQ), "0x08");
	assert_string_equal(bh_att_opcode_str(BH_ATT_READ_BY_TYPE_RSP), "0x09");
	assert_string_equal(bh_att_opcode_str(BH_ATT_WRITE_CMD), "0x52");
	assert_string_equal(bh_att_opcode_str(BH_ATT_SIGNED_WRITE_CMD), "0xd2");
	assert_string_equal(bh_att_opcode_str(0x3f), "0x3f");
	char want[8];
	for (unsigned v = 0; v <= 0xff; v++) {
		snprintf(want, sizeof(want), "0x%02x", v);
		assert_string_equal(bh_att_opcode_str((uint8_t)v), want);
	}
	/* The names go, the codec stays: a known PDU still decodes. */
	struct bh_att_pdu pdu;
	const uint8_t read[] = { BH_ATT_READ_REQ, 0x03, 0x00 };
	assert_int_equal(bh_att_decode(read, sizeof(read), &pdu), BH_OK);
	assert_int_equal(pdu.opcode, BH_ATT_READ_REQ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hex_instead_of_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
