#include <blehost/bh_uuid.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_err.h>

#include <stdio.h>
#include <string.h>

/* 00000000-0000-1000-8000-00805F9B34FB, little-endian. */
static const uint8_t base_uuid[16] = { 0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80,
				       0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

int bh_uuid_from_le(bh_uuid *out, const uint8_t *p, size_t len)
{
	if (len != 2 && len != 4 && len != 16)
		return BH_EINVAL;
	memset(out, 0, sizeof(*out));
	out->len = (uint8_t)len;
	memcpy(out->val, p, len);
	return BH_OK;
}

void bh_uuid_to128(const bh_uuid *u, uint8_t out[16])
{
	if (u->len == 16) {
		memcpy(out, u->val, 16);
		return;
	}
	memcpy(out, base_uuid, 16);
	memcpy(out + 12, u->val, u->len);
}

int32_t bh_uuid_as16(const bh_uuid *u)
{
	uint8_t f[16];
	bh_uuid_to128(u, f);
	if (memcmp(f, base_uuid, 12) != 0 || f[14] || f[15])
		return -1;
	return f[12] | (f[13] << 8);
}

bh_uuid bh_uuid_shorten(const bh_uuid *u)
{
	uint8_t f[16];
	bh_uuid r = *u;
	bh_uuid_to128(u, f);
	if (memcmp(f, base_uuid, 12) != 0)
		return r;
	memset(&r, 0, sizeof(r));
	if (!f[14] && !f[15]) {
		r.len = 2;
		memcpy(r.val, f + 12, 2);
	} else {
		r.len = 4;
		memcpy(r.val, f + 12, 4);
	}
	return r;
}

bool bh_uuid_eq(const bh_uuid *a, const bh_uuid *b)
{
	/* Same form: the bytes decide, no expansion to 128 bits. */
	if (a->len == b->len)
		return memcmp(a->val, b->val, a->len) == 0;
	uint8_t fa[16], fb[16];
	bh_uuid_to128(a, fa);
	bh_uuid_to128(b, fb);
	return memcmp(fa, fb, 16) == 0;
}

int bh_uuid_parse(const char *s, bh_uuid *out)
{
	uint8_t be[16];
	size_t n = 0;
	if (!s)
		return BH_EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t slen = strlen(s);
	bool dashed = slen == 36;
	if (dashed && (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-'))
		return BH_EINVAL;
	if (!dashed && slen != 4 && slen != 8 && slen != 32)
		return BH_EINVAL;
	for (size_t i = 0; i < slen;) {
		if (dashed && s[i] == '-') {
			i++;
			continue;
		}
		int hi = bh_hexval(s[i]), lo = i + 1 < slen ? bh_hexval(s[i + 1]) : -1;
		if (hi < 0 || lo < 0 || n >= 16)
			return BH_EINVAL;
		be[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	memset(out, 0, sizeof(*out));
	out->len = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		out->val[i] = be[n - 1 - i];
	return BH_OK;
}

char *bh_uuid_str(const bh_uuid *u, char buf[BH_UUID_STRLEN])
{
	const uint8_t *v = u->val;
	if (u->len == 2)
		snprintf(buf, BH_UUID_STRLEN, "%04X", v[0] | (v[1] << 8));
	else if (u->len == 4)
		snprintf(buf, BH_UUID_STRLEN, "%08X",
			 (unsigned)(v[0] | (v[1] << 8) | (v[2] << 16) | ((unsigned)v[3] << 24)));
	else
		snprintf(buf, BH_UUID_STRLEN,
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 v[15], v[14], v[13], v[12], v[11], v[10], v[9], v[8], v[7], v[6], v[5],
			 v[4], v[3], v[2], v[1], v[0]);
	return buf;
}
