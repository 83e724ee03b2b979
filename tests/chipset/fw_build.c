/* Firmware files in the vendor formats, as the public drivers describe them
 * (see chipset/chipset_realtek.c and chipset_broadcom.c for the facts). */
#include "fw_build.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

static const uint8_t sig[4] = { 0x51, 0x04, 0xfd, 0x77 };

/* The tail every epatch ends with: the project id instruction, read
 * backwards as opcode 0, length 1, data = project, then the signature. */
static size_t tail(uint8_t *p, uint8_t project)
{
	p[0] = project;
	p[1] = 1;
	p[2] = 0;
	memcpy(p + 3, sig, 4);
	return 7;
}

size_t fw_build_epatch_v1(uint8_t *out, size_t cap, uint32_t fw_version, uint8_t project,
			  const struct fw_v1_patch *p, int n)
{
	size_t need = 14 + 8 * (size_t)n + 7;
	for (int i = 0; i < n; i++)
		need += p[i].len;
	if (need > cap)
		return 0;
	memcpy(out, "Realtech", 8);
	put32(out + 8, fw_version);
	put16(out + 12, (uint16_t)n);
	size_t off = 14 + 8 * (size_t)n;
	for (int i = 0; i < n; i++) {
		put16(out + 14 + 2 * i, p[i].chip_id);
		put16(out + 14 + 2 * n + 2 * i, p[i].len);
		put32(out + 14 + 4 * n + 4 * i, (uint32_t)off);
		memcpy(out + off, p[i].data, p[i].len);
		off += p[i].len;
	}
	return off + tail(out + off, project);
}

static size_t v2_head(uint8_t *out, uint32_t fw_version, uint32_t nsec)
{
	memcpy(out, "RTBTCore", 8);
	put32(out + 8, fw_version);
	put32(out + 12, 0);
	put32(out + 16, nsec);
	return 20;
}

static size_t subsec(uint8_t *p, const struct fw_v2_subsec *s)
{
	p[0] = s->eco;
	p[1] = s->prio;
	p[2] = s->key_id;
	p[3] = 0;
	put32(p + 4, s->len);
	memcpy(p + 8, s->data, s->len);
	return 8 + s->len;
}

size_t fw_build_epatch_v2(uint8_t *out, size_t cap, uint32_t fw_version, uint8_t project,
			  const struct fw_v2_subsec *s, int n)
{
	size_t need = 20 + 7;
	for (int i = 0; i < n; i++)
		need += 8 + 4 + 8 + s[i].len;
	if (need > cap)
		return 0;
	size_t o = v2_head(out, fw_version, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		put32(out + o, s[i].section_opcode);
		put32(out + o + 4, 4 + 8 + s[i].len);
		put16(out + o + 8, 1);
		put16(out + o + 10, 0);
		o += 12;
		o += subsec(out + o, &s[i]);
	}
	return o + tail(out + o, project);
}

size_t fw_build_epatch_v2_packed(uint8_t *out, size_t cap, uint32_t fw_version, uint8_t project,
				 uint32_t opcode, const struct fw_v2_subsec *s, int n)
{
	size_t body = 4;
	for (int i = 0; i < n; i++)
		body += 8 + s[i].len;
	if (20 + 8 + body + 7 > cap)
		return 0;
	size_t o = v2_head(out, fw_version, 1);
	put32(out + o, opcode);
	put32(out + o + 4, (uint32_t)body);
	put16(out + o + 8, (uint16_t)n);
	put16(out + o + 10, 0);
	o += 12;
	for (int i = 0; i < n; i++)
		o += subsec(out + o, &s[i]);
	return o + tail(out + o, project);
}

size_t fw_build_hcd(uint8_t *out, size_t cap, const struct fw_hcd_rec *r, int n)
{
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		if (o + 3 + r[i].len > cap)
			return 0;
		put16(out + o, r[i].opcode);
		out[o + 2] = r[i].len;
		memcpy(out + o + 3, r[i].data, r[i].len);
		o += 3u + r[i].len;
	}
	return o;
}

void fw_fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static size_t record(uint8_t *p, uint16_t op, const uint8_t *d, uint8_t n)
{
	put16(p, op);
	p[2] = n;
	memcpy(p + 3, d, n);
	return 3u + n;
}

/* A NOP record bringing o to a multiple of 4 (from the 644 start, itself
 * a multiple of 4). */
static size_t pad(uint8_t *p, size_t o)
{
	static const uint8_t zero[4];
	size_t need = (4 - (o + 3) % 4) % 4;
	return record(p, 0xfc02, zero, (uint8_t)need);
}

static size_t sfi_records(uint8_t *out, size_t cap, size_t hdr, uint32_t seed, int n,
			  uint8_t rec_len, uint32_t boot_addr);

uint8_t fw_build_sfi_version[3] = { 0x45, 0x30, 0x15 };

size_t fw_build_sfi(uint8_t *out, size_t cap, uint32_t seed, int n, uint8_t rec_len,
		    uint32_t boot_addr)
{
	return sfi_records(out, cap, 644, seed, n, rec_len, boot_addr);
}

size_t fw_build_sfi_tlv(uint8_t *out, size_t cap, uint32_t seed, int n, uint8_t rec_len,
			uint32_t boot_addr)
{
	size_t len = sfi_records(out, cap, 964, seed, n, rec_len, boot_addr);
	if (!len)
		return 0;
	put32(out + 8, 0x00010000);       /* RSA CSS header version */
	out[644] = 0x06;                  /* ECDSA CSS header type */
	put32(out + 644 + 8, 0x00020000); /* its version */
	return len;
}

static size_t sfi_records(uint8_t *out, size_t cap, size_t hdr, uint32_t seed, int n,
			  uint8_t rec_len, uint32_t boot_addr)
{
	if (cap < hdr + (size_t)(n + 1) * (3 + 255 + 6))
		return 0;
	fw_fill(out, hdr, seed);
	size_t o = hdr;
	uint8_t d[255];
	for (int i = 0; i < n; i++) {
		fw_fill(d, rec_len, seed + 1 + (uint32_t)i);
		o += record(out + o, 0xfc8e, d, rec_len);
		if (o % 4)
			o += pad(out + o, o);
	}
	uint8_t bp[7] = { 0, 0, 0, 0, fw_build_sfi_version[0], fw_build_sfi_version[1],
			  fw_build_sfi_version[2] };
	put32(bp, boot_addr);
	o += record(out + o, 0xfc0e, bp, sizeof(bp));
	if (o % 4)
		o += pad(out + o, o);
	return o;
}

size_t fw_build_ddc(uint8_t *out, size_t cap, int n)
{
	if (cap < (size_t)n * 7)
		return 0;
	for (int i = 0; i < n; i++) {
		out[7 * i] = 6;
		put16(out + 7 * i + 1, (uint16_t)(0x0100 + i));
		fw_fill(out + 7 * i + 3, 4, (uint32_t)i);
	}
	return (size_t)n * 7;
}

size_t fw_build_bseq(uint8_t *out, size_t cap, int n, uint8_t rec_len, bool mem_write)
{
	if (cap < 64 + (size_t)n * (4 + 255 + 7))
		return 0;
	size_t o = 0;
	/* a setup command with two expected events: the last one counts */
	static const uint8_t setup[] = { 0x01, 0x22, 0xfc, 0x01, 0x00,
					 0x02, 0xff, 0x02, 0x2a, 0x00,
					 0x02, 0x0e, 0x04, 0x01, 0x22, 0xfc, 0x00 };
	memcpy(out, setup, sizeof(setup));
	o += sizeof(setup);
	uint16_t op = mem_write ? 0xfc8e : 0xfc2f;
	for (int i = 0; i < n; i++) {
		out[o++] = 0x01;
		put16(out + o, op);
		o += 2;
		out[o++] = rec_len;
		fw_fill(out + o, rec_len, 100u + (uint32_t)i);
		o += rec_len;
		uint8_t ev[7] = { 0x02, 0x0e, 0x04, 0x01, (uint8_t)op, (uint8_t)(op >> 8), 0x00 };
		memcpy(out + o, ev, sizeof(ev));
		o += sizeof(ev);
	}
	return o;
}
