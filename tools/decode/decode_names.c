/* Names the decoder shows that the stack itself never needs: commands and
 * events blehost does not send or handle but other hosts' traces hold
 * (BR/EDR on dual-mode phones, LE features beyond ours), Vol 4, Part E, 7.
 * bh_hci_opcode_str / bh_hci_event_str / bh_hci_le_subevent_str name the
 * rest. */
#include "decode_names.h"

#include <blehost/hci.h>

#include <stdio.h>
#include <string.h>

struct name16 {
	uint16_t v;
	const char *s;
};

static const struct name16 more_opcodes[] = {
	{ 0x0401, "Inquiry" },
	{ 0x0402, "Inquiry Cancel" },
	{ 0x0405, "Create Connection" },
	{ 0x0408, "Create Connection Cancel" },
	{ 0x0409, "Accept Connection Request" },
	{ 0x040a, "Reject Connection Request" },
	{ 0x040b, "Link Key Request Reply" },
	{ 0x040c, "Link Key Request Negative Reply" },
	{ 0x040d, "PIN Code Request Reply" },
	{ 0x040e, "PIN Code Request Negative Reply" },
	{ 0x0411, "Authentication Requested" },
	{ 0x0413, "Set Connection Encryption" },
	{ 0x0419, "Remote Name Request" },
	{ 0x041a, "Remote Name Request Cancel" },
	{ 0x041b, "Read Remote Supported Features" },
	{ 0x041c, "Read Remote Extended Features" },
	{ 0x0428, "Setup Synchronous Connection" },
	{ 0x0429, "Accept Synchronous Connection Request" },
	{ 0x042b, "IO Capability Request Reply" },
	{ 0x042c, "User Confirmation Request Reply" },
	{ 0x042d, "User Confirmation Request Negative Reply" },
	{ 0x0434, "IO Capability Request Negative Reply" },
	{ 0x043d, "Enhanced Setup Synchronous Connection" },
	{ 0x0803, "Hold Mode" },
	{ 0x0807, "QoS Setup" },
	{ 0x0809, "Role Discovery" },
	{ 0x080b, "Switch Role" },
	{ 0x080c, "Read Link Policy Settings" },
	{ 0x080d, "Write Link Policy Settings" },
	{ 0x080f, "Write Default Link Policy Settings" },
	{ 0x0811, "Sniff Subrating" },
	{ 0x0c05, "Set Event Filter" },
	{ 0x0c0d, "Read Stored Link Key" },
	{ 0x0c12, "Delete Stored Link Key" },
	{ 0x0c13, "Write Local Name" },
	{ 0x0c14, "Read Local Name" },
	{ 0x0c16, "Write Connection Accept Timeout" },
	{ 0x0c18, "Write Page Timeout" },
	{ 0x0c1a, "Write Scan Enable" },
	{ 0x0c1c, "Write Page Scan Activity" },
	{ 0x0c1e, "Write Inquiry Scan Activity" },
	{ 0x0c20, "Write Authentication Enable" },
	{ 0x0c23, "Read Class of Device" },
	{ 0x0c24, "Write Class of Device" },
	{ 0x0c25, "Read Voice Setting" },
	{ 0x0c26, "Write Voice Setting" },
	{ 0x0c2d, "Read Transmit Power Level" },
	{ 0x0c31, "Set Controller To Host Flow Control" },
	{ 0x0c33, "Host Buffer Size" },
	{ 0x0c35, "Host Number Of Completed Packets" },
	{ 0x0c37, "Write Link Supervision Timeout" },
	{ 0x0c38, "Read Number Of Supported IAC" },
	{ 0x0c39, "Read Current IAC LAP" },
	{ 0x0c3a, "Write Current IAC LAP" },
	{ 0x0c43, "Write Inquiry Scan Type" },
	{ 0x0c45, "Write Inquiry Mode" },
	{ 0x0c47, "Write Page Scan Type" },
	{ 0x0c52, "Write Extended Inquiry Response" },
	{ 0x0c55, "Read Simple Pairing Mode" },
	{ 0x0c56, "Write Simple Pairing Mode" },
	{ 0x0c58, "Read Inquiry Response Transmit Power Level" },
	{ 0x0c5a, "Read Default Erroneous Data Reporting" },
	{ 0x0c6c, "Read LE Host Support" },
	{ 0x0c79, "Write Secure Connections Host Support" },
	{ 0x0c7b, "Read Authenticated Payload Timeout" },
	{ 0x0c7c, "Write Authenticated Payload Timeout" },
	{ 0x1004, "Read Local Extended Features" },
	{ 0x100b, "Read Local Supported Codecs" },
	{ 0x1404, "Read Link Quality" },
	{ 0x1406, "Read AFH Channel Map" },
	{ 0x2014, "LE Set Host Channel Classification" },
	{ 0x2015, "LE Read Channel Map" },
	{ 0x201d, "LE Receiver Test" },
	{ 0x201e, "LE Transmitter Test" },
	{ 0x201f, "LE Test End" },
	{ 0x2023, "LE Read Suggested Default Data Length" },
	{ 0x2024, "LE Write Suggested Default Data Length" },
	{ 0x2025, "LE Read Local P-256 Public Key" },
	{ 0x2026, "LE Generate DHKey" },
	{ 0x202b, "LE Read Peer Resolvable Address" },
	{ 0x202c, "LE Read Local Resolvable Address" },
	{ 0x2030, "LE Read PHY" },
	{ 0x2031, "LE Set Default PHY" },
	{ 0x2032, "LE Set PHY" },
	{ 0x203e, "LE Set Periodic Advertising Parameters" },
	{ 0x203f, "LE Set Periodic Advertising Data" },
	{ 0x2040, "LE Set Periodic Advertising Enable" },
	{ 0x2044, "LE Periodic Advertising Create Sync" },
	{ 0x2045, "LE Periodic Advertising Create Sync Cancel" },
	{ 0x2046, "LE Periodic Advertising Terminate Sync" },
	{ 0x2047, "LE Add Device To Periodic Advertiser List" },
	{ 0x2048, "LE Remove Device From Periodic Advertiser List" },
	{ 0x2049, "LE Clear Periodic Advertiser List" },
	{ 0x204a, "LE Read Periodic Advertiser List Size" },
	{ 0x204b, "LE Read Transmit Power" },
	{ 0x204c, "LE Read RF Path Compensation" },
	{ 0x204d, "LE Write RF Path Compensation" },
	{ 0x2059, "LE Set Periodic Advertising Receive Enable" },
	{ 0x2064, "LE Set CIG Parameters" },
	{ 0x2074, "LE Set Host Feature" },
	{ 0x207f, "LE Set Extended Advertising Parameters v2" },
};

static const struct name16 more_events[] = {
	{ 0x01, "Inquiry Complete" },
	{ 0x02, "Inquiry Result" },
	{ 0x03, "Connection Complete" },
	{ 0x04, "Connection Request" },
	{ 0x06, "Authentication Complete" },
	{ 0x07, "Remote Name Request Complete" },
	{ 0x0b, "Read Remote Supported Features Complete" },
	{ 0x12, "Role Change" },
	{ 0x14, "Mode Change" },
	{ 0x15, "Return Link Keys" },
	{ 0x16, "PIN Code Request" },
	{ 0x17, "Link Key Request" },
	{ 0x18, "Link Key Notification" },
	{ 0x1b, "Max Slots Change" },
	{ 0x20, "Page Scan Repetition Mode Change" },
	{ 0x22, "Inquiry Result with RSSI" },
	{ 0x23, "Read Remote Extended Features Complete" },
	{ 0x2c, "Synchronous Connection Complete" },
	{ 0x2e, "Sniff Subrating" },
	{ 0x2f, "Extended Inquiry Result" },
	{ 0x31, "IO Capability Request" },
	{ 0x32, "IO Capability Response" },
	{ 0x33, "User Confirmation Request" },
	{ 0x34, "User Passkey Request" },
	{ 0x36, "Simple Pairing Complete" },
	{ 0x38, "Link Supervision Timeout Changed" },
	{ 0x3b, "User Passkey Notification" },
	{ 0x3d, "Remote Host Supported Features Notification" },
	{ 0x57, "Authenticated Payload Timeout Expired" },
};

static const struct name16 more_subevents[] = {
	{ 0x0e, "LE Periodic Advertising Sync Established" },
	{ 0x0f, "LE Periodic Advertising Report" },
	{ 0x10, "LE Periodic Advertising Sync Lost" },
	{ 0x19, "LE CIS Established" },
	{ 0x1a, "LE CIS Request" },
	{ 0x21, "LE Request Peer SCA Complete" },
	{ 0x22, "LE Path Loss Threshold" },
	{ 0x24, "LE Periodic Advertising Sync Established v2" },
};

static const char *lookup(const struct name16 *t, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return NULL;
}

#define LOOKUP(t, v) lookup((t), sizeof(t) / sizeof((t)[0]), (v))

/* The stack's name when it has one (it spells "0x...." otherwise). */
static bool named(const char *s)
{
	return strncmp(s, "0x", 2) != 0;
}

/* A build without texts (-Derror_text=false) names no code in the stack:
 * one this file does not name either reads as the stack's hex there, not as
 * "Unknown". Asked before the lookup, which reuses the stack's buffer. */
static bool stack_names(void)
{
	return named(bh_hci_event_str(BH_HCI_EVT_CMD_COMPLETE));
}

const char *dec_opcode_name(uint16_t op)
{
	bool texts = stack_names();
	const char *s = bh_hci_opcode_str(op);
	if (named(s))
		return s;
	if ((op >> 10) == 0x3f)
		return "Vendor Command";
	const char *m = LOOKUP(more_opcodes, op);
	return m ? m : texts ? "Unknown Command" : s;
}

const char *dec_event_name(uint8_t code)
{
	bool texts = stack_names();
	const char *s = bh_hci_event_str(code);
	if (named(s))
		return s;
	const char *m = LOOKUP(more_events, code);
	return m ? m : texts ? "Unknown Event" : s;
}

const char *dec_subevent_name(uint8_t sub)
{
	bool texts = stack_names();
	const char *s = bh_hci_le_subevent_str(sub);
	if (named(s))
		return s;
	const char *m = LOOKUP(more_subevents, sub);
	return m ? m : texts ? "Unknown LE Meta Subevent" : s;
}
