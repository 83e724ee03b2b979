/* The H4 framer: one H4 byte stream (or one USB endpoint's stream) in
 * arbitrary chunks, whole HCI packets out.
 *
 * H4 is UART transport framing (Core Spec Vol 4, Part A, 2): one packet
 * indicator byte, then the HCI packet as laid out in Vol 4, Part E, 5.4:
 *   command: opcode(2) len(1)        ACL: handle+flags(2) len(2)
 *   SCO:     handle+flags(2) len(1)  event: code(1) len(1)
 *   ISO:     handle+flags(2) len(2, 14 bits; Vol 4, Part E, 5.4.5)
 * A stream has no resync marker, so after garbage we drop one byte at a time
 * until a plausible header appears: an invalid type byte or an impossible
 * length never stalls the stream and never grows the buffer.
 */
#include <blehost/transport.h>

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <string.h>

size_t bh_h4_header_len(uint8_t type)
{
	switch (type) {
	case 0x01: return 3;
	case 0x02: return 4;
	case 0x03: return 3;
	case 0x04: return 2;
	case 0x05: return 4;
	default: return 0;
	}
}

size_t bh_h4_payload_len(uint8_t type, const uint8_t *hdr)
{
	/* The length is the header's last field: one octet, or two in the
	 * four-octet headers (ACL; ISO, whose top two bits are flags). */
	size_t hl = bh_h4_header_len(type);
	if (hl == 4)
		return bh_get16(hdr + 2) & (type == 0x05 ? 0x3fff : 0xffff);
	return hl ? hdr[hl - 1] : 0;
}

bool bh_h4_packet_valid(uint8_t type, const uint8_t *pkt, size_t len)
{
	size_t hl = bh_h4_header_len(type);
	if (!hl || !pkt || len < hl)
		return false;
	size_t pl = bh_h4_payload_len(type, pkt);
	return pl <= BH_H4_MAX_PAYLOAD && hl + pl == len;
}

void bh_h4_init(struct bh_h4 *f)
{
	memset(f, 0, sizeof(*f));
}

void bh_h4_init_fixed(struct bh_h4 *f, uint8_t type)
{
	memset(f, 0, sizeof(*f));
	f->fixed_type = type;
}

/* Parses whole packets from the start of buf (have bytes); returns how many
 * bytes were consumed (packets plus garbage). What is left is shorter than
 * one maximal packet with its type byte, so it always fits f->buf. */
static size_t parse(struct bh_h4 *f, const uint8_t *buf, size_t have, bh_h4_packet_fn cb,
		    void *ctx)
{
	size_t off = 0;
	const size_t skip = f->fixed_type ? 0 : 1; /* type byte in the stream */
	while (off < have) {
		const uint8_t *p = buf + off;
		size_t left = have - off;
		uint8_t type = f->fixed_type ? (uint8_t)f->fixed_type : p[0];
		size_t hl = bh_h4_header_len(type);
		if (!hl) {
			/* not a packet indicator: drop it and look at the next byte */
			f->garbage++;
			off++;
			continue;
		}
		if (left < skip + hl)
			break;
		size_t pl = bh_h4_payload_len(type, p + skip);
		if (pl > BH_H4_MAX_PAYLOAD) {
			if (f->fixed_type) {
				/* an endpoint stream has no type byte to resync on:
				 * everything buffered is suspect */
				f->garbage += left;
				off = have;
				break;
			}
			f->garbage++;
			off++;
			continue;
		}
		if (left < skip + hl + pl)
			break;
		off += skip + hl + pl;
		f->packets++;
		cb(ctx, type, p + skip, hl + pl);
	}
	return off;
}

void bh_h4_feed(struct bh_h4 *f, const uint8_t *data, size_t len, bh_h4_packet_fn cb, void *ctx)
{
	while (len) {
		if (f->have == 0) {
			/* Nothing held back: parse the caller's bytes where they are
			 * and keep only the partial packet at the end (a read of
			 * whole packets then costs no copy). */
			size_t used = parse(f, data, len, cb, ctx);
			memcpy(f->buf, data + used, len - used);
			f->have = len - used;
			return;
		}
		/* The tail kept after parse() is shorter than one maximal packet,
		 * which is shorter than buf, so there is always room. */
		size_t room = sizeof(f->buf) - f->have;
		size_t n = len < room ? len : room;
		memcpy(f->buf + f->have, data, n);
		f->have += n;
		data += n;
		len -= n;
		size_t used = parse(f, f->buf, f->have, cb, ctx);
		if (used) {
			memmove(f->buf, f->buf + used, f->have - used);
			f->have -= used;
		}
	}
}

static const char *evt_name(uint8_t code)
{
	switch (code) {
	case 0x03: return "Connection Complete";
	case 0x05: return "Disconnection Complete";
	case 0x08: return "Encryption Change";
	case 0x0e: return "Command Complete";
	case 0x0f: return "Command Status";
	case 0x10: return "Hardware Error";
	case 0x13: return "Number Of Completed Packets";
	case 0x1a: return "Data Buffer Overflow";
	case 0x30: return "Encryption Key Refresh Complete";
	case 0x3e: return "LE Meta";
	case 0xff: return "Vendor";
	default: return "event";
	}
}

void bh_h4_describe(uint8_t type, const uint8_t *pkt, size_t len, char *out, size_t outlen)
{
	if (!outlen)
		return;
	struct bh_rd r = bh_rd_init(pkt, pkt ? len : 0);
	switch (type) {
	case 0x01: {
		uint16_t op = bh_rd_u16(&r);
		uint8_t pl = bh_rd_u8(&r);
		if (!bh_rd_ok(&r))
			snprintf(out, outlen, "CMD (truncated) len %zu", len);
		else
			snprintf(out, outlen, "CMD 0x%04x (ogf 0x%02x ocf 0x%03x) plen %u len %zu", op,
				 op >> 10, op & 0x3ff, pl, len);
		break;
	}
	case 0x02:
	case 0x03:
	case 0x05: {
		uint16_t h = bh_rd_u16(&r);
		unsigned dl = type == 0x03 ? bh_rd_u8(&r) : bh_rd_u16(&r);
		const char *tn = type == 0x02 ? "ACL" : type == 0x03 ? "SCO" : "ISO";
		if (!bh_rd_ok(&r))
			snprintf(out, outlen, "%s (truncated) len %zu", tn, len);
		else
			snprintf(out, outlen, "%s handle 0x%04x flags 0x%x dlen %u len %zu", tn,
				 h & 0x0fff, h >> 12, type == 0x05 ? dl & 0x3fff : dl, len);
		break;
	}
	case 0x04: {
		uint8_t code = bh_rd_u8(&r);
		uint8_t pl = bh_rd_u8(&r);
		if (!bh_rd_ok(&r)) {
			snprintf(out, outlen, "EVT (truncated) len %zu", len);
			break;
		}
		char extra[48] = "";
		if (code == 0x0e) {
			bh_rd_u8(&r);
			uint16_t op = bh_rd_u16(&r);
			if (bh_rd_ok(&r))
				snprintf(extra, sizeof(extra), " (opcode 0x%04x)", op);
		} else if (code == 0x0f) {
			uint8_t st = bh_rd_u8(&r);
			bh_rd_u8(&r);
			uint16_t op = bh_rd_u16(&r);
			if (bh_rd_ok(&r))
				snprintf(extra, sizeof(extra), " (status 0x%02x opcode 0x%04x)", st, op);
		} else if (code == 0x3e) {
			uint8_t sub = bh_rd_u8(&r);
			if (bh_rd_ok(&r))
				snprintf(extra, sizeof(extra), " (subevent 0x%02x)", sub);
		}
		snprintf(out, outlen, "EVT 0x%02x %s%s plen %u len %zu", code, evt_name(code), extra,
			 pl, len);
		break;
	}
	default:
		snprintf(out, outlen, "type 0x%02x len %zu", type, len);
		break;
	}
}
