/* ATT PDU names without their texts (-Derror_text=false): every opcode
 * reads as hex ("0x08"), so a log still tells which PDU it was. Valid until
 * the next call on the same thread, as bh_strerror. */
#include <blehost/att.h>

#include <stdio.h>

const char *bh_att_opcode_str(uint8_t opcode)
{
	static _Thread_local char buf[8];
	snprintf(buf, sizeof(buf), "0x%02x", opcode);
	return buf;
}
