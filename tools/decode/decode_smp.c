/* SMP PDUs (Vol 3, Part H, 3.5 and 3.6). Keys are shown: a decoder of
 * one's own traces is where a researcher wants to see them. */
#include "decode.h"

#include <blehost/bh_err.h>

#include <string.h>

static const char *code_name(uint8_t code)
{
	static const char *const names[] = {
		[0x01] = "Pairing Request",
		[0x02] = "Pairing Response",
		[0x03] = "Pairing Confirm",
		[0x04] = "Pairing Random",
		[0x05] = "Pairing Failed",
		[0x06] = "Encryption Information",
		[0x07] = "Central Identification",
		[0x08] = "Identity Information",
		[0x09] = "Identity Address Information",
		[0x0a] = "Signing Information",
		[0x0b] = "Security Request",
		[0x0c] = "Pairing Public Key",
		[0x0d] = "Pairing DHKey Check",
		[0x0e] = "Pairing Keypress Notification",
	};
	const char *s = code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
	return s ? s : "Unknown SMP Command";
}

static const char *io_name(uint8_t io)
{
	static const char *const names[] = { "DisplayOnly", "DisplayYesNo", "KeyboardOnly",
					     "NoInputNoOutput", "KeyboardDisplay" };
	return io < 5 ? names[io] : "reserved";
}

static void auth_req(struct dout *o, uint8_t a)
{
	out_hex8(o, "auth_req", a);
	out_bool(o, "bonding", (a & 3) == 1);
	out_bool(o, "mitm", a & 0x04);
	out_bool(o, "sc", a & 0x08);
	out_bool(o, "keypress", a & 0x10);
	out_bool(o, "ct2", a & 0x20);
}

/* Key distribution bits (3.6.1): EncKey, IdKey, SignKey, LinkKey. */
static void key_dist(struct dout *o, const char *k, uint8_t v)
{
	char s[40] = "";
	static const char *const bits[] = { "EncKey", "IdKey", "SignKey", "LinkKey" };
	for (int i = 0; i < 4; i++)
		if (v & (1u << i)) {
			if (s[0])
				strcat(s, "|");
			strcat(s, bits[i]);
		}
	out_str(o, k, s[0] ? s : "none");
}

static void bytes(struct dout *o, struct cur *c, const char *k, size_t n)
{
	const uint8_t *p = cur_bytes(c, n);
	if (p)
		out_bytes(o, k, p, n);
}

static void fields(struct dout *o, uint8_t code, struct cur *c)
{
	switch (code) {
	case 0x01:
	case 0x02: {
		uint8_t io = cur_u8(c), oob = cur_u8(c), a = cur_u8(c), ks = cur_u8(c),
			ik = cur_u8(c), rk = cur_u8(c);
		if (c->short_read)
			return;
		out_code(o, "io_capability", io, io_name(io));
		out_bool(o, "oob", oob == 1);
		auth_req(o, a);
		out_int(o, "max_key_size", ks);
		key_dist(o, "initiator_keys", ik);
		key_dist(o, "responder_keys", rk);
		return;
	}
	case 0x03: bytes(o, c, "confirm", 16); return;
	case 0x04: bytes(o, c, "random", 16); return;
	case 0x05: {
		uint8_t r = cur_u8(c);
		if (!c->short_read)
			out_code(o, "reason", r, bh_smp_reason_str(r));
		return;
	}
	case 0x06: bytes(o, c, "ltk", 16); return;
	case 0x07: {
		unsigned ediv = cur_u16(c);
		const uint8_t *rand = cur_bytes(c, 8);
		if (!rand)
			return;
		out_hex16(o, "ediv", ediv);
		out_bytes(o, "rand", rand, 8);
		return;
	}
	case 0x08: bytes(o, c, "irk", 16); return;
	case 0x09: {
		uint8_t t = cur_u8(c);
		const uint8_t *a = cur_bytes(c, 6);
		if (a)
			out_addr(o, "identity", a, t);
		return;
	}
	case 0x0a: bytes(o, c, "csrk", 16); return;
	case 0x0b: {
		uint8_t a = cur_u8(c);
		if (!c->short_read)
			auth_req(o, a);
		return;
	}
	case 0x0c:
		bytes(o, c, "public_key_x", 32);
		bytes(o, c, "public_key_y", 32);
		return;
	case 0x0d: bytes(o, c, "dhkey_check", 16); return;
	case 0x0e: {
		static const char *const kp[] = { "entry started", "digit entered", "digit erased",
						  "cleared", "entry completed" };
		uint8_t t = cur_u8(c);
		if (!c->short_read)
			out_str(o, "keypress", t < 5 ? kp[t] : "reserved");
		return;
	}
	default:
		return;
	}
}

void dec_smp(struct dout *o, struct cur c)
{
	out_opcode_pdu(o, c, "smp", "SMP", "code", code_name, fields);
}
