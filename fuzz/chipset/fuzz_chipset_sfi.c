/* libFuzzer target: the Intel .sfi and .ddc walkers (chipset_intel.c). The
 * input is both files at once. Checks: never reads out of bounds, the
 * secure-send groups tile the records exactly in 4-byte multiples, and DDC
 * records stay inside the file. */
#include <stdint.h>
#include <stdlib.h>

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

static int on_ddc(void *ctx, const uint8_t *rec, size_t n)
{
	(void)rec;
	struct acc *a = ctx;
	a->next += n;
	if (a->next > a->len)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acc a = { 644, size };
	uint32_t boot;
	char err[96];
	int n = bh_intel_sfi_walk(data, size, on_group, &a, &boot, err, sizeof(err));
	if (n >= 0 && a.next != size)
		abort();
	struct acc d = { 0, size };
	n = bh_intel_ddc_walk(data, size, on_ddc, &d, err, sizeof(err));
	if (n >= 0 && d.next != size)
		abort();
	return 0;
}
