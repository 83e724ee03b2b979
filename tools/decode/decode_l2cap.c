/* L2CAP basic frames on an LE link (Vol 3, Part A, 3.1 and 4): the channel,
 * then ATT, SMP or the LE signaling channel by fixed CID. Dynamic channels
 * (credit-based) show their payload. */
#include "decode.h"

#include <blehost/l2cap.h>

static const char *cid_name(uint16_t cid)
{
	switch (cid) {
	case 0x0001: return "BR/EDR signaling";
	case 0x0002: return "connectionless";
	case 0x0004: return "ATT";
	case 0x0005: return "LE signaling";
	case 0x0006: return "SMP";
	case 0x0007: return "BR/EDR SMP";
	default: return cid >= 0x0040 ? "dynamic" : "reserved";
	}
}

void dec_l2cap(struct dout *o, const uint8_t *frame, size_t len)
{
	struct cur c = cur_make(frame, len);
	uint16_t plen = cur_u16(&c), cid = cur_u16(&c);
	out_layer(o, "l2cap", "L2CAP", NULL);
	if (c.short_read) {
		out_truncated(o, len);
		return;
	}
	out_hex16(o, "cid", cid);
	out_str(o, "channel", cid_name(cid));
	out_int(o, "len", plen);
	if (plen < c.n) /* reassembly stopped at the length; extra bytes are odd */
		c.n = plen;
	switch (cid) {
	case 0x0004: dec_att(o, c); break;
	case 0x0006: dec_smp(o, c); break;
	case 0x0001:
	case 0x0005: dec_l2cap_sig(o, c); break;
	default: out_bytes(o, "payload", c.p, c.n); break;
	}
}

static const char *sig_name(uint8_t code)
{
	static const char *const names[] = {
		[0x01] = "Command Reject",
		[0x02] = "Connection Request",
		[0x03] = "Connection Response",
		[0x04] = "Configuration Request",
		[0x05] = "Configuration Response",
		[0x06] = "Disconnection Request",
		[0x07] = "Disconnection Response",
		[0x08] = "Echo Request",
		[0x09] = "Echo Response",
		[0x0a] = "Information Request",
		[0x0b] = "Information Response",
		[0x12] = "Connection Parameter Update Request",
		[0x13] = "Connection Parameter Update Response",
		[0x14] = "LE Credit Based Connection Request",
		[0x15] = "LE Credit Based Connection Response",
		[0x16] = "Flow Control Credit Indication",
		[0x17] = "Credit Based Connection Request",
		[0x18] = "Credit Based Connection Response",
		[0x19] = "Credit Based Reconfigure Request",
		[0x1a] = "Credit Based Reconfigure Response",
	};
	const char *s = code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
	return s ? s : "Unknown Signaling Command";
}

static void cids(struct dout *o, struct cur *c, const char *k)
{
	out_list_begin(o, k);
	while (c->n >= 2)
		out_list_hex16(o, cur_u16(c));
	out_list_end(o);
}

/* One signaling command's fields (Vol 3, Part A, 4). */
static void sig_fields(struct dout *o, uint8_t code, struct cur *c)
{
	switch (code) {
	case 0x01: {
		unsigned r = cur_u16(c);
		if (!c->short_read)
			out_hex16(o, "reason", r);
		break;
	}
	case 0x06:
	case 0x07: {
		unsigned d = cur_u16(c), s = cur_u16(c);
		if (c->short_read)
			break;
		out_hex16(o, "dcid", d);
		out_hex16(o, "scid", s);
		break;
	}
	case 0x12:
		out_conn_range(o, c);
		break;
	case 0x13: {
		unsigned r = cur_u16(c);
		if (!c->short_read)
			out_str(o, "result", r == 0 ? "accepted" : r == 1 ? "rejected" : "?");
		break;
	}
	case 0x14: {
		unsigned psm = cur_u16(c), scid = cur_u16(c), mtu = cur_u16(c), mps = cur_u16(c),
			 cr = cur_u16(c);
		if (c->short_read)
			break;
		out_hex16(o, "spsm", psm);
		out_hex16(o, "scid", scid);
		out_int(o, "mtu", mtu);
		out_int(o, "mps", mps);
		out_int(o, "credits", cr);
		break;
	}
	case 0x15: {
		unsigned dcid = cur_u16(c), mtu = cur_u16(c), mps = cur_u16(c), cr = cur_u16(c),
			 r = cur_u16(c);
		if (c->short_read)
			break;
		out_hex16(o, "dcid", dcid);
		out_int(o, "mtu", mtu);
		out_int(o, "mps", mps);
		out_int(o, "credits", cr);
		out_hex16(o, "result", r);
		break;
	}
	case 0x16: {
		unsigned cid = cur_u16(c), cr = cur_u16(c);
		if (c->short_read)
			break;
		out_hex16(o, "cid", cid);
		out_int(o, "credits", cr);
		break;
	}
	case 0x17: {
		unsigned psm = cur_u16(c), mtu = cur_u16(c), mps = cur_u16(c), cr = cur_u16(c);
		if (c->short_read)
			break;
		out_hex16(o, "spsm", psm);
		out_int(o, "mtu", mtu);
		out_int(o, "mps", mps);
		out_int(o, "credits", cr);
		cids(o, c, "scids");
		break;
	}
	case 0x18: {
		unsigned mtu = cur_u16(c), mps = cur_u16(c), cr = cur_u16(c), r = cur_u16(c);
		if (c->short_read)
			break;
		out_int(o, "mtu", mtu);
		out_int(o, "mps", mps);
		out_int(o, "credits", cr);
		out_hex16(o, "result", r);
		cids(o, c, "dcids");
		break;
	}
	case 0x19: {
		unsigned mtu = cur_u16(c), mps = cur_u16(c);
		if (c->short_read)
			break;
		out_int(o, "mtu", mtu);
		out_int(o, "mps", mps);
		cids(o, c, "dcids");
		break;
	}
	case 0x1a: {
		unsigned r = cur_u16(c);
		if (!c->short_read)
			out_hex16(o, "result", r);
		break;
	}
	default:
		break;
	}
}

void dec_l2cap_sig(struct dout *o, struct cur c)
{
	/* A C-frame may hold several commands (BR/EDR); LE holds one. */
	do {
		size_t total = c.n;
		uint8_t code = cur_u8(&c), id = cur_u8(&c);
		uint16_t len = cur_u16(&c);
		out_layer(o, "l2cap_sig", "L2CAP Signaling", c.short_read ? NULL : sig_name(code));
		if (c.short_read || len > c.n) {
			out_truncated(o, total);
			return;
		}
		out_hex8(o, "code", code);
		out_int(o, "id", id);
		struct cur body = cur_make(c.p, len);
		cur_bytes(&c, len);
		sig_fields(o, code, &body);
		if (body.short_read)
			out_truncated(o, len);
		else if (body.n)
			out_bytes(o, "data", body.p, body.n);
	} while (c.n && !c.short_read);
}
