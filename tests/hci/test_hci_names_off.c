/* A -Derror_text=false build: HCI opcodes, events and LE sub-events read as
 * the hex the default build gives an unknown value; no name is left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <blehost/hci.h>

static void hex_instead_of_names(void **state)
{
	(void)state;
	assert_string_equal(bh_hci_opcode_str(BH_HCI_LE_SET_SCAN_ENABLE), "0x200c");
	assert_string_equal(bh_hci_opcode_str(BH_HCI_RESET), "0x0c03");
	assert_string_equal(bh_hci_opcode_str(BH_HCI_LE_SET_PERIODIC_ADV_DATA), "0x203f");
	assert_string_equal(bh_hci_opcode_str(0x20ff), "0x20ff");
	assert_string_equal(bh_hci_opcode_str(0), "0x0000");
	assert_string_equal(bh_hci_opcode_str(0xffff), "0xffff");
	assert_string_equal(bh_hci_event_str(BH_HCI_EVT_DISCONN_COMPLETE), "0x05");
	assert_string_equal(bh_hci_event_str(BH_HCI_EVT_LE_META), "0x3e");
	assert_string_equal(bh_hci_event_str(0xff), "0xff");
	assert_string_equal(bh_hci_le_subevent_str(BH_LE_CONN_COMPLETE), "0x01");
	assert_string_equal(bh_hci_le_subevent_str(BH_LE_ENH_CONN_COMPLETE_V2), "0x29");
	assert_string_equal(bh_hci_le_subevent_str(0x3f), "0x3f");
	/* Every value, not only the ones above: no name comes back. */
	char want[8];
	for (unsigned v = 0; v <= 0xffff; v++) {
		snprintf(want, sizeof(want), "0x%04x", v);
		assert_string_equal(bh_hci_opcode_str((uint16_t)v), want);
	}
	for (unsigned v = 0; v <= 0xff; v++) {
		snprintf(want, sizeof(want), "0x%02x", v);
		assert_string_equal(bh_hci_event_str((uint8_t)v), want);
		assert_string_equal(bh_hci_le_subevent_str((uint8_t)v), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hex_instead_of_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
