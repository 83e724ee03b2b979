/* libFuzzer target: the Broadcom .hcd walker (chipset_broadcom.c). Checks:
 * never reads out of bounds, the records it reports tile the file exactly,
 * and only vendor opcodes come out. */
#include <stdint.h>
#include <stdlib.h>

#include <blehost/chipset.h>

struct acc {
	size_t bytes;
	const uint8_t *base, *end;
};

static int on_rec(void *ctx, uint16_t op, const uint8_t *p, size_t n)
{
	struct acc *a = ctx;
	if (op >> 10 != 0x3f || (n && (p < a->base || p + n > a->end)))
		abort();
	a->bytes += 3 + n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acc a = { 0, data, data + size };
	char err[96];
	int n = bh_bcm_hcd_walk(data, size, on_rec, &a, err, sizeof(err));
	if (n >= 0 && a.bytes != size)
		abort();
	if (n < 0 && n != BH_EMALFORMED)
		abort();
	return 0;
}
