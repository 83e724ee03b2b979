/* H5 codec: SLIP framing, packet header, data integrity check.
 *
 * Vol 4, Part D:
 *   - SLIP (3): frames start and end with 0xC0; inside, 0xC0 is sent as
 *     0xDB 0xDC and 0xDB as 0xDB 0xDD. 0xDB 0xDE / 0xDB 0xDF (XON/XOFF) only
 *     exist with out-of-frame flow control, which blehost never negotiates,
 *     so they are bad escapes here.
 *   - Header (7.2): byte 0 = seq (bits 0-2), ack (3-5), data integrity check
 *     present (6), reliable (7); byte 1 = packet type (bits 0-3) and payload
 *     length bits 0-3 (4-7); byte 2 = length bits 4-11; byte 3 = checksum so
 *     that the four bytes sum to 0xFF.
 *   - Data integrity check (7.3): 16-bit CRC-CCITT over header and payload,
 *     sent most significant byte first.
 */
#include "h5.h"

#include <string.h>

uint8_t bh_h5_hdr_checksum(const uint8_t hdr[3])
{
	return (uint8_t)~(uint8_t)(hdr[0] + hdr[1] + hdr[2]);
}

/* The CCITT polynomial fed LSB first (0x8408 is 0x1021 reflected), as UARTs
 * shift bits out; the register is then reversed so the CRC's most
 * significant bit is the first one on the wire. */
uint16_t bh_h5_crc(const uint8_t *data, size_t len)
{
	uint16_t crc = 0xffff;
	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
	}
	uint16_t rev = 0;
	for (int b = 0; b < 16; b++)
		if (crc & (1u << b))
			rev |= (uint16_t)(1u << (15 - b));
	return rev;
}

static size_t put_escaped(uint8_t *out, size_t o, uint8_t c)
{
	if (c == BH_H5_SLIP_END) {
		out[o++] = BH_H5_SLIP_ESC;
		out[o++] = 0xdc;
	} else if (c == BH_H5_SLIP_ESC) {
		out[o++] = BH_H5_SLIP_ESC;
		out[o++] = 0xdd;
	} else {
		out[o++] = c;
	}
	return o;
}

size_t bh_h5_encode(const struct bh_h5_pkt *p, const uint8_t *payload, size_t len, uint8_t *out)
{
	if (len > BH_H5_MAX_PAYLOAD || (len && !payload))
		return 0;
	uint8_t raw[BH_H5_HDR_LEN + 2];
	raw[0] = (uint8_t)((p->seq & 7) | (p->ack & 7) << 3 | (p->crc ? 0x40 : 0) |
			   (p->reliable ? 0x80 : 0));
	raw[1] = (uint8_t)((p->type & 0x0f) | (len & 0x0f) << 4);
	raw[2] = (uint8_t)(len >> 4);
	raw[3] = bh_h5_hdr_checksum(raw);
	size_t o = 0;
	out[o++] = BH_H5_SLIP_END;
	for (int i = 0; i < BH_H5_HDR_LEN; i++)
		o = put_escaped(out, o, raw[i]);
	for (size_t i = 0; i < len; i++)
		o = put_escaped(out, o, payload[i]);
	if (p->crc) {
		uint8_t tmp[BH_H5_HDR_LEN + BH_H5_MAX_PAYLOAD];
		memcpy(tmp, raw, BH_H5_HDR_LEN);
		if (len)
			memcpy(tmp + BH_H5_HDR_LEN, payload, len);
		uint16_t c = bh_h5_crc(tmp, BH_H5_HDR_LEN + len);
		o = put_escaped(out, o, (uint8_t)(c >> 8));
		o = put_escaped(out, o, (uint8_t)c);
	}
	out[o++] = BH_H5_SLIP_END;
	return o;
}

int bh_h5_parse(const uint8_t *frame, size_t len, struct bh_h5_pkt *p)
{
	if (len < BH_H5_HDR_LEN)
		return BH_EMALFORMED;
	if ((uint8_t)(frame[0] + frame[1] + frame[2] + frame[3]) != 0xff)
		return BH_EMALFORMED;
	size_t plen = (size_t)(frame[1] >> 4) | (size_t)frame[2] << 4;
	bool crc = frame[0] & 0x40;
	if (len != BH_H5_HDR_LEN + plen + (crc ? 2 : 0))
		return BH_EMALFORMED;
	if (crc) {
		uint16_t want = (uint16_t)(frame[len - 2] << 8 | frame[len - 1]);
		if (bh_h5_crc(frame, len - 2) != want)
			return BH_EMALFORMED;
	}
	p->seq = frame[0] & 7;
	p->ack = (frame[0] >> 3) & 7;
	p->crc = crc;
	p->reliable = frame[0] & 0x80;
	p->type = frame[1] & 0x0f;
	p->payload = frame + BH_H5_HDR_LEN;
	p->len = plen;
	return BH_OK;
}

void bh_h5_slip_init(struct bh_h5_slip *s)
{
	memset(s, 0, sizeof(*s));
}

void bh_h5_slip_feed(struct bh_h5_slip *s, const uint8_t *data, size_t len, bh_h5_frame_fn cb,
		     void *ctx)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (c == BH_H5_SLIP_END) {
			/* An end with nothing in it is the start of the next frame
			 * (back-to-back delimiters are allowed). */
			if (s->in_frame && s->have) {
				if (s->bad || s->esc) {
					s->dropped++;
				} else {
					s->frames++;
					cb(ctx, s->buf, s->have);
				}
			}
			s->in_frame = true;
			s->have = 0;
			s->esc = s->bad = false;
			continue;
		}
		if (!s->in_frame || s->bad)
			continue; /* noise between frames, or the rest of a bad frame */
		if (s->esc) {
			s->esc = false;
			if (c == 0xdc)
				c = BH_H5_SLIP_END;
			else if (c == 0xdd)
				c = BH_H5_SLIP_ESC;
			else {
				s->bad = true;
				continue;
			}
		} else if (c == BH_H5_SLIP_ESC) {
			s->esc = true;
			continue;
		}
		if (s->have == sizeof(s->buf)) {
			s->bad = true;
			continue;
		}
		s->buf[s->have++] = c;
	}
}
