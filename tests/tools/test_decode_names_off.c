/* The decoder of `blehost decode` in a -Derror_text=false build: what the
 * stack would name reads as the stack's hex, not as "Unknown", and the
 * decoder's own names (BR/EDR commands, vendor range) stay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <blehost/hci.h>

#include "decode/decode_names.h"

static void stack_hex_decoder_names(void **state)
{
	(void)state;
	assert_string_equal(dec_opcode_name(BH_HCI_LE_SET_SCAN_ENABLE), "0x200c");
	assert_string_equal(dec_opcode_name(0x20ff), "0x20ff");
	assert_string_equal(dec_opcode_name(0x0401), "Inquiry");
	assert_string_equal(dec_opcode_name(0xfc01), "Vendor Command");
	assert_string_equal(dec_event_name(BH_HCI_EVT_DISCONN_COMPLETE), "0x05");
	assert_string_equal(dec_event_name(0xfe), "0xfe");
	assert_string_equal(dec_event_name(0x01), "Inquiry Complete");
	assert_string_equal(dec_subevent_name(BH_LE_CONN_COMPLETE), "0x01");
	assert_string_equal(dec_subevent_name(0x7f), "0x7f");
	assert_string_equal(dec_subevent_name(0x19), "LE CIS Established");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stack_hex_decoder_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
