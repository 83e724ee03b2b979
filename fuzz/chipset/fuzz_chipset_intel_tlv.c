/* libFuzzer target: the Intel TLV version parser, the TLV parts' .sfi
 * layout (chipset_intel_tlv.c) and the ROM parts' .bseq walker
 * (chipset_intel_bseq.c). The input is a TLV answer, a .bseq file and,
 * read again with its first two bytes as hardware variant and SBE type, an
 * .sfi file. Also: .bseq commands and events lie inside the file, in order.
 * Checks: never reads out of bounds, names and descriptions stay inside
 * their buffers and terminated, header pieces lie inside the file and
 * before the records, and the secure-send groups tile the records exactly
 * in 4-byte multiples; a TLV firmware id never makes a file name leave
 * intel/; the .sfi version reader stays inside the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/chipset.h>

struct acc {
	size_t next, len;
};

static int on_group(void *ctx, size_t off, size_t n)
{
	struct acc *a = ctx;
	if (off != a->next || n % 4 || off + n > a->len)
		abort();
	a->next = off + n;
	return 0;
}

static const uint8_t *cur;

static int on_bseq(void *ctx, size_t cmd, size_t evt)
{
	struct acc *a = ctx;
	if (cmd < a->next || evt <= cmd || evt + 3 > a->len || evt + 3u + cur[evt + 2] > a->len ||
	    cur[cmd] != 0x01 || cur[evt] != 0x02)
		abort();
	a->next = evt + 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_intel_tlv v;
	char err[96], name[128], line[256];
	if (bh_intel_tlv_parse(data, size, &v, err, sizeof(err)) == BH_OK) {
		/* whatever the firmware id says, the name stays one file in
		 * intel/ (no '/' after it, no "..") */
		bh_intel_tlv_fw_name(&v, "sfi", name, sizeof(name));
		size_t nl = strlen(name);
		if (strncmp(name, "intel/ibt-", 10) || strchr(name + 6, '/') || strstr(name, "..") ||
		    nl < strlen("intel/ibt-0000-0000.sfi") || strcmp(name + nl - 4, ".sfi"))
			abort();
		if (!memchr(v.fw_id, 0, sizeof(v.fw_id)) || (v.fw_id_bad && v.fw_id[0]))
			abort();
		bh_intel_tlv_describe(&v, line, sizeof(line));
		if (strlen(line) >= sizeof(line))
			abort();
	} else if (!memchr(err, 0, sizeof(err))) {
		abort();
	}
	uint8_t build[3];
	bh_intel_sfi_version(data, size, size > 2 ? data[0] : 0, build); /* bounds only */
	struct acc b = { 0, size };
	cur = data;
	bool writes;
	if (bh_intel_bseq_walk(data, size, on_bseq, &b, &writes, err, sizeof(err)) >= 0 &&
	    (b.next > size || (size && !b.next)))
		abort();
	if (size < 2)
		return 0;
	struct bh_intel_sfi_piece h[3];
	size_t pay = 0;
	if (bh_intel_sfi_layout(data, size, data[0], data[1], h, &pay, err, sizeof(err)) != BH_OK)
		return 0;
	for (int i = 0; i < 3; i++)
		if (h[i].off + h[i].len > pay || pay >= size)
			abort();
	struct acc a = { pay, size };
	uint32_t boot;
	int n = bh_intel_sfi_walk_from(data, size, pay, on_group, &a, &boot, err, sizeof(err));
	if (n >= 0 && a.next != size)
		abort();
	return 0;
}
