/* ATT PDUs (Vol 3, Part F, 3.4) with the GATT meaning of their fields:
 * handles, ranges, UUIDs (by name where GATT defines one), values and
 * error codes by name. "handles" lists every attribute handle a PDU names,
 * in order, as tshark's btatt.handle does. */
#include "decode.h"

#include <blehost/att.h>
#include <blehost/bh_err.h>
#include <blehost/bh_uuid.h>

#include <stdio.h>

static void uuid(struct dout *o, const char *k, const uint8_t *p, size_t n)
{
	bh_uuid u;
	char s[BH_UUID_STRLEN];
	if ((n != 2 && n != 16) || bh_uuid_from_le(&u, p, n) != BH_OK) {
		out_bytes(o, k, p, n);
		return;
	}
	bh_uuid_str(&u, s);
	out_str(o, k, s);
	const char *name = bh_uuid_name(&u);
	if (name) {
		char nk[48];
		snprintf(nk, sizeof(nk), "%s_name", k);
		out_str(o, nk, name);
	}
}

static void range(struct dout *o, struct cur *c)
{
	unsigned a = cur_u16(c), b = cur_u16(c);
	if (c->short_read)
		return;
	out_hex16(o, "start", a);
	out_hex16(o, "end", b);
}

static void one_handle(struct dout *o, struct cur *c)
{
	unsigned h = cur_u16(c);
	if (c->short_read)
		return;
	out_list_begin(o, "handles");
	out_list_hex16(o, h);
	out_list_end(o);
}

static void value(struct dout *o, struct cur *c)
{
	out_bytes(o, "value", c->p, c->n);
	cur_bytes(c, c->n);
}

/* A response list of fixed-length entries, each starting with a handle
 * (Find Information, Read By Type, Read By Group Type). */
static void handle_list(struct dout *o, struct cur *c, size_t entry)
{
	if (entry < 2) {
		out_str(o, "error", "entry length below 2");
		return;
	}
	out_list_begin(o, "handles");
	struct cur l = *c;
	while (l.n >= entry) {
		out_list_hex16(o, cur_u16(&l));
		cur_bytes(&l, entry - 2);
	}
	out_list_end(o);
	out_int(o, "entries", (long long)(c->n / entry));
	if (c->n % entry)
		out_int(o, "trailing_bytes", (long long)(c->n % entry));
	out_bytes(o, "data", c->p, c->n);
	cur_bytes(c, c->n);
}

static void fields(struct dout *o, uint8_t op, struct cur *c)
{
	switch (op) {
	case 0x01: { /* Error Response */
		uint8_t req = cur_u8(c);
		unsigned h = cur_u16(c);
		uint8_t e = cur_u8(c);
		if (c->short_read)
			return;
		out_hex8(o, "request", req);
		out_str(o, "request_name", bh_att_opcode_str(req));
		out_list_begin(o, "handles");
		out_list_hex16(o, h);
		out_list_end(o);
		out_code(o, "error", e, bh_att_error_str(e));
		return;
	}
	case 0x02:
	case 0x03: {
		unsigned mtu = cur_u16(c);
		if (!c->short_read)
			out_int(o, "mtu", mtu);
		return;
	}
	case 0x04: /* Find Information Request */
		range(o, c);
		return;
	case 0x05: { /* Find Information Response */
		uint8_t fmt = cur_u8(c);
		if (c->short_read)
			return;
		out_int(o, "format", fmt);
		handle_list(o, c, fmt == 2 ? 18 : 4);
		return;
	}
	case 0x06: { /* Find By Type Value Request */
		range(o, c);
		const uint8_t *t = cur_bytes(c, 2);
		if (!t)
			return;
		uuid(o, "type", t, 2);
		value(o, c);
		return;
	}
	case 0x07: { /* Find By Type Value Response: found handle, group end */
		out_list_begin(o, "handles");
		struct cur l = *c;
		while (l.n >= 4) {
			out_list_hex16(o, cur_u16(&l));
			cur_u16(&l);
		}
		out_list_end(o);
		out_bytes(o, "data", c->p, c->n);
		cur_bytes(c, c->n);
		return;
	}
	case 0x08: /* Read By Type Request */
	case 0x10: /* Read By Group Type Request */
		range(o, c);
		if (!c->short_read && (c->n == 2 || c->n == 16)) {
			uuid(o, "type", c->p, c->n);
			cur_bytes(c, c->n);
		}
		return;
	case 0x09:   /* Read By Type Response */
	case 0x11: { /* Read By Group Type Response */
		uint8_t len = cur_u8(c);
		if (c->short_read)
			return;
		out_int(o, "entry_len", len);
		handle_list(o, c, len);
		return;
	}
	case 0x0a: /* Read Request */
		one_handle(o, c);
		return;
	case 0x0c: /* Read Blob Request */
	case 0x0b: /* Read Response */
	case 0x0d: /* Read Blob Response */
	case 0x0f: /* Read Multiple Response */
		if (op == 0x0c) {
			one_handle(o, c);
			unsigned off = cur_u16(c);
			if (!c->short_read)
				out_int(o, "offset", off);
			return;
		}
		value(o, c);
		return;
	case 0x0e:   /* Read Multiple Request */
	case 0x20: { /* Read Multiple Variable Length Request */
		out_list_begin(o, "handles");
		while (c->n >= 2)
			out_list_hex16(o, cur_u16(c));
		out_list_end(o);
		return;
	}
	case 0x12: /* Write Request */
	case 0x52: /* Write Command */
	case 0x1b: /* Handle Value Notification */
	case 0x1d: /* Handle Value Indication */
		one_handle(o, c);
		if (!c->short_read)
			value(o, c);
		return;
	case 0xd2: { /* Signed Write Command: value, then a 12-byte signature */
		one_handle(o, c);
		if (c->short_read || c->n < 12) {
			c->short_read = true;
			return;
		}
		out_bytes(o, "value", c->p, c->n - 12);
		cur_bytes(c, c->n - 12);
		out_bytes(o, "signature", c->p, 12);
		cur_bytes(c, 12);
		return;
	}
	case 0x16:   /* Prepare Write Request */
	case 0x17: { /* Prepare Write Response */
		one_handle(o, c);
		unsigned off = cur_u16(c);
		if (c->short_read)
			return;
		out_int(o, "offset", off);
		value(o, c);
		return;
	}
	case 0x18: { /* Execute Write Request */
		uint8_t f = cur_u8(c);
		if (!c->short_read)
			out_str(o, "flags", f == 1 ? "write" : f == 0 ? "cancel" : "reserved");
		return;
	}
	case 0x21: { /* Read Multiple Variable Length Response */
		unsigned i = 0;
		while (c->n >= 2) {
			unsigned len = cur_u16(c);
			size_t take = len <= c->n ? len : c->n; /* the last may be cut to the MTU */
			char k[24];
			snprintf(k, sizeof(k), "value%u", i++);
			out_bytes(o, k, c->p, take);
			cur_bytes(c, take);
		}
		return;
	}
	case 0x23: { /* Multiple Handle Value Notification */
		out_list_begin(o, "handles");
		struct cur l = *c;
		while (l.n >= 4) {
			out_list_hex16(o, cur_u16(&l));
			unsigned len = cur_u16(&l);
			if (!cur_bytes(&l, len))
				break;
		}
		out_list_end(o);
		out_bytes(o, "data", c->p, c->n);
		cur_bytes(c, c->n);
		return;
	}
	default: /* responses without parameters, unknown opcodes */
		return;
	}
}

void dec_att(struct dout *o, struct cur c)
{
	out_opcode_pdu(o, c, "att", "ATT", "opcode", bh_att_opcode_str, fields);
}
