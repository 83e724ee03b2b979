/* Names of ATT PDUs as Vol 3, Part F, 3.4 spells them, for logs and the
 * decoder; att_names_off.c replaces this file in a build without texts. */
#include <blehost/att.h>

/* Indexed by opcode: every PDU but the two commands with flag bits (0x52,
 * 0xd2) lies below 0x24. */
static const char *const names[] = {
	[BH_ATT_ERROR_RSP] = "Error Response",
	[BH_ATT_MTU_REQ] = "Exchange MTU Request",
	[BH_ATT_MTU_RSP] = "Exchange MTU Response",
	[BH_ATT_FIND_INFO_REQ] = "Find Information Request",
	[BH_ATT_FIND_INFO_RSP] = "Find Information Response",
	[BH_ATT_FIND_BY_TYPE_REQ] = "Find By Type Value Request",
	[BH_ATT_FIND_BY_TYPE_RSP] = "Find By Type Value Response",
	[BH_ATT_READ_BY_TYPE_REQ] = "Read By Type Request",
	[BH_ATT_READ_BY_TYPE_RSP] = "Read By Type Response",
	[BH_ATT_READ_REQ] = "Read Request",
	[BH_ATT_READ_RSP] = "Read Response",
	[BH_ATT_READ_BLOB_REQ] = "Read Blob Request",
	[BH_ATT_READ_BLOB_RSP] = "Read Blob Response",
	[BH_ATT_READ_MULT_REQ] = "Read Multiple Request",
	[BH_ATT_READ_MULT_RSP] = "Read Multiple Response",
	[BH_ATT_READ_BY_GROUP_REQ] = "Read By Group Type Request",
	[BH_ATT_READ_BY_GROUP_RSP] = "Read By Group Type Response",
	[BH_ATT_WRITE_REQ] = "Write Request",
	[BH_ATT_WRITE_RSP] = "Write Response",
	[BH_ATT_PREP_WRITE_REQ] = "Prepare Write Request",
	[BH_ATT_PREP_WRITE_RSP] = "Prepare Write Response",
	[BH_ATT_EXEC_WRITE_REQ] = "Execute Write Request",
	[BH_ATT_EXEC_WRITE_RSP] = "Execute Write Response",
	[BH_ATT_READ_MULT_VAR_REQ] = "Read Multiple Variable Request",
	[BH_ATT_READ_MULT_VAR_RSP] = "Read Multiple Variable Response",
	[BH_ATT_MULT_NOTIFY] = "Multiple Handle Value Notification",
	[BH_ATT_NOTIFY] = "Handle Value Notification",
	[BH_ATT_INDICATE] = "Handle Value Indication",
	[BH_ATT_CONFIRM] = "Handle Value Confirmation",
};

const char *bh_att_opcode_str(uint8_t opcode)
{
	const char *s = NULL;
	if (opcode < sizeof(names) / sizeof(names[0]))
		s = names[opcode];
	else if (opcode == BH_ATT_WRITE_CMD)
		s = "Write Command";
	else if (opcode == BH_ATT_SIGNED_WRITE_CMD)
		s = "Signed Write Command";
	return s ? s : "Unknown ATT PDU";
}
