/* libFuzzer target: the Realtek epatch parser (chipset_realtek.c). The
 * first byte picks the ROM version and the chip (lmp subversion); bit 7 of
 * it asks for a well-formed v1 or v2 file built from the rest of the input
 * (sizes and contents), then damaged at input-chosen offsets, so the search
 * starts past the signature checks. Checks: never reads out of bounds
 * (ASan), and a patch it returns is non-empty and no longer than the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/chipset.h>

#include "../../tests/chipset/fw_build.h"

static const uint16_t lmps[4] = { 0x8761, 0x8822, 0x8723, 0x8852 };
static const uint8_t projects[4] = { 14, 13, 9, 20 };

static void check(const uint8_t *fw, size_t len, uint16_t lmp, uint8_t rom)
{
	uint8_t *out = NULL;
	size_t olen = 0;
	uint32_t ver;
	char err[96];
	int rc = bh_rtl_epatch_extract(fw, len, lmp, rom, &out, &olen, &ver, err, sizeof(err));
	if (rc == BH_OK && (!out || !olen || olen > len))
		abort();
	if (rc != BH_OK && out)
		abort();
	free(out);
}

static size_t build(const uint8_t *d, size_t n, uint8_t sel, uint8_t *buf, size_t cap)
{
	uint8_t project = projects[sel & 3];
	if (sel & 0x40) {
		struct fw_v2_subsec s[4];
		int k = 0;
		size_t o = 0;
		while (k < 4 && o + 4 <= n) {
			uint32_t len = d[o + 3] % 64;
			s[k] = (struct fw_v2_subsec){ 1u + d[o] % 3, d[o + 1] % 4, d[o + 2] % 8,
						      (uint8_t)(d[o + 2] >> 6), d + o, len };
			if (o + len > n)
				s[k].len = (uint32_t)(n - o);
			o += 4;
			k++;
		}
		return fw_build_epatch_v2(buf, cap, 0x01020304, project, s, k);
	}
	struct fw_v1_patch p[3];
	int k = 0;
	size_t o = 0;
	while (k < 3 && o + 3 <= n) {
		uint16_t len = (uint16_t)(4 + d[o + 2] % 200);
		p[k] = (struct fw_v1_patch){ (uint16_t)(1 + d[o] % 4), d, len };
		if (len > n)
			p[k].len = (uint16_t)(n < 4 ? 4 : n);
		if (p[k].len > n) /* the data pointer must cover len bytes */
			return 0;
		o += 3;
		k++;
	}
	return fw_build_epatch_v1(buf, cap, 0x01020304, project, p, k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	uint16_t lmp = lmps[(sel >> 2) & 3];
	uint8_t rom = (sel >> 4) & 3;
	if (!(sel & 0x80)) {
		check(data + 1, size - 1, lmp, rom);
		return 0;
	}
	static uint8_t buf[16384];
	size_t half = (size - 1) / 2;
	size_t n = build(data + 1, half, sel, buf, sizeof(buf));
	if (!n)
		return 0;
	/* damage: (offset, byte) pairs from the rest of the input */
	for (size_t i = 1 + half; i + 2 < size; i += 3) {
		size_t at = ((size_t)data[i] << 8 | data[i + 1]) % n;
		buf[at] = data[i + 2];
	}
	check(buf, n, lmp, rom);
	/* and the same file cut short */
	check(buf, n - (size % n), lmp, rom);
	return 0;
}
