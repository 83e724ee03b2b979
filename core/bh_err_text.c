/* The English texts of bh_strerror and the Core Specification's names of
 * HCI, ATT and SMP codes (-Derror_text=true, the default). */
#include "bh_err_text.h"

static const char *const stack_texts[] = {
	"success",
	"out of memory (buffer pool exhausted)",
	"invalid argument",
	"timed out",
	"disconnected",
	"busy, try again when capacity returns",
	"not supported",
	"malformed data",
	"cancelled",
	"not found",
	"I/O error",
	"transport to the controller lost",
	"controller hardware error",
	"not allowed in the current state",
	"does not fit",
	"reset while pending",
	"insufficient security",
	"refused",
	"already exists",
	"stored data is corrupt",
	"protocol violation by the peer",
	"refused: it would replace a bond with a weaker one",
	"stored file is a symlink, not a regular file, or owned by another user",
};
_Static_assert(sizeof(stack_texts) / sizeof(stack_texts[0]) == 1 - BH_ERR_MIN_,
	       "a text for every stack error");

const char *bh_err_text(bh_status s)
{
	return stack_texts[-s];
}

const char *bh_hci_status_str(uint8_t c)
{
	static const char *const t[] = {
		[0x00] = "Success",
		[0x01] = "Unknown HCI Command",
		[0x02] = "Unknown Connection Identifier",
		[0x03] = "Hardware Failure",
		[0x04] = "Page Timeout",
		[0x05] = "Authentication Failure",
		[0x06] = "PIN or Key Missing",
		[0x07] = "Memory Capacity Exceeded",
		[0x08] = "Connection Timeout",
		[0x09] = "Connection Limit Exceeded",
		[0x0a] = "Synchronous Connection Limit To A Device Exceeded",
		[0x0b] = "Connection Already Exists",
		[0x0c] = "Command Disallowed",
		[0x0d] = "Connection Rejected due to Limited Resources",
		[0x0e] = "Connection Rejected Due To Security Reasons",
		[0x0f] = "Connection Rejected due to Unacceptable BD_ADDR",
		[0x10] = "Connection Accept Timeout Exceeded",
		[0x11] = "Unsupported Feature or Parameter Value",
		[0x12] = "Invalid HCI Command Parameters",
		[0x13] = "Remote User Terminated Connection",
		[0x14] = "Remote Device Terminated Connection due to Low Resources",
		[0x15] = "Remote Device Terminated Connection due to Power Off",
		[0x16] = "Connection Terminated By Local Host",
		[0x17] = "Repeated Attempts",
		[0x18] = "Pairing Not Allowed",
		[0x19] = "Unknown LMP PDU",
		[0x1a] = "Unsupported Remote Feature",
		[0x1b] = "SCO Offset Rejected",
		[0x1c] = "SCO Interval Rejected",
		[0x1d] = "SCO Air Mode Rejected",
		[0x1e] = "Invalid LMP Parameters / Invalid LL Parameters",
		[0x1f] = "Unspecified Error",
		[0x20] = "Unsupported LMP Parameter Value / Unsupported LL Parameter Value",
		[0x21] = "Role Change Not Allowed",
		[0x22] = "LMP Response Timeout / LL Response Timeout",
		[0x23] = "LMP Error Transaction Collision / LL Procedure Collision",
		[0x24] = "LMP PDU Not Allowed",
		[0x25] = "Encryption Mode Not Acceptable",
		[0x26] = "Link Key cannot be Changed",
		[0x27] = "Requested QoS Not Supported",
		[0x28] = "Instant Passed",
		[0x29] = "Pairing With Unit Key Not Supported",
		[0x2a] = "Different Transaction Collision",
		[0x2c] = "QoS Unacceptable Parameter",
		[0x2d] = "QoS Rejected",
		[0x2e] = "Channel Classification Not Supported",
		[0x2f] = "Insufficient Security",
		[0x30] = "Parameter Out Of Mandatory Range",
		[0x32] = "Role Switch Pending",
		[0x34] = "Reserved Slot Violation",
		[0x35] = "Role Switch Failed",
		[0x36] = "Extended Inquiry Response Too Large",
		[0x37] = "Secure Simple Pairing Not Supported By Host",
		[0x38] = "Host Busy - Pairing",
		[0x39] = "Connection Rejected due to No Suitable Channel Found",
		[0x3a] = "Controller Busy",
		[0x3b] = "Unacceptable Connection Parameters",
		[0x3c] = "Advertising Timeout",
		[0x3d] = "Connection Terminated due to MIC Failure",
		[0x3e] = "Connection Failed to be Established / Synchronization Timeout",
		[0x40] = "Coarse Clock Adjustment Rejected but Will Try to Adjust Using Clock Dragging",
		[0x41] = "Type0 Submap Not Defined",
		[0x42] = "Unknown Advertising Identifier",
		[0x43] = "Limit Reached",
		[0x44] = "Operation Cancelled by Host",
		[0x45] = "Packet Too Long",
		[0x46] = "Too Late",
		[0x47] = "Too Early",
	};
	if (c < sizeof(t) / sizeof(t[0]) && t[c])
		return t[c];
	return "Reserved HCI status";
}

const char *bh_att_error_str(uint8_t c)
{
	static const char *const t[] = {
		[0x01] = "Invalid Handle",
		[0x02] = "Read Not Permitted",
		[0x03] = "Write Not Permitted",
		[0x04] = "Invalid PDU",
		[0x05] = "Insufficient Authentication",
		[0x06] = "Request Not Supported",
		[0x07] = "Invalid Offset",
		[0x08] = "Insufficient Authorization",
		[0x09] = "Prepare Queue Full",
		[0x0a] = "Attribute Not Found",
		[0x0b] = "Attribute Not Long",
		[0x0c] = "Encryption Key Size Too Short",
		[0x0d] = "Invalid Attribute Value Length",
		[0x0e] = "Unlikely Error",
		[0x0f] = "Insufficient Encryption",
		[0x10] = "Unsupported Group Type",
		[0x11] = "Insufficient Resources",
		[0x12] = "Database Out Of Sync",
		[0x13] = "Value Not Allowed",
	};
	if (c < sizeof(t) / sizeof(t[0]) && t[c])
		return t[c];
	if (c >= 0x80 && c <= 0x9f)
		return "Application Error";
	switch (c) {
	case 0xfc: return "Write Request Rejected";
	case 0xfd: return "Client Characteristic Configuration Descriptor Improperly Configured";
	case 0xfe: return "Procedure Already in Progress";
	case 0xff: return "Out of Range";
	default: return "Reserved ATT error";
	}
}

const char *bh_smp_reason_str(uint8_t c)
{
	static const char *const t[] = {
		[0x01] = "Passkey Entry Failed",
		[0x02] = "OOB Not Available",
		[0x03] = "Authentication Requirements",
		[0x04] = "Confirm Value Failed",
		[0x05] = "Pairing Not Supported",
		[0x06] = "Encryption Key Size",
		[0x07] = "Command Not Supported",
		[0x08] = "Unspecified Reason",
		[0x09] = "Repeated Attempts",
		[0x0a] = "Invalid Parameters",
		[0x0b] = "DHKey Check Failed",
		[0x0c] = "Numeric Comparison Failed",
		[0x0d] = "BR/EDR pairing in progress",
		[0x0e] = "Cross-transport Key Derivation/Generation not allowed",
		[0x0f] = "Key Rejected",
	};
	if (c < sizeof(t) / sizeof(t[0]) && t[c])
		return t[c];
	return "Reserved SMP reason";
}
