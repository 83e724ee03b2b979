/* HCI opcode, event and LE sub-event names without their texts
 * (-Derror_text=false): every value reads as the hex the default build
 * gives an unknown one ("0x2040", "0x05"), so a log still tells which
 * command or event it was. Same thread-local buffer rule as hci_names.c. */
#include <blehost/hci.h>

#include <stdio.h>

const char *bh_hci_opcode_str(uint16_t opcode)
{
	static _Thread_local char buf[8];
	snprintf(buf, sizeof(buf), "0x%04x", opcode);
	return buf;
}

const char *bh_hci_event_str(uint8_t code)
{
	static _Thread_local char buf[8];
	snprintf(buf, sizeof(buf), "0x%02x", code);
	return buf;
}

const char *bh_hci_le_subevent_str(uint8_t sub)
{
	static _Thread_local char buf[8];
	snprintf(buf, sizeof(buf), "0x%02x", sub);
	return buf;
}
