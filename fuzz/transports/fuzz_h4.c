/* libFuzzer target: the H4 framer in both modes, fed the input in chunks
 * whose sizes come from the input itself. Every packet it emits must be
 * consistent (bh_h4_packet_valid) and the buffer must stay bounded. */
#include <stdint.h>
#include <stdlib.h>

#include <blehost/transport.h>

static void check(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	if (!bh_h4_packet_valid(type, pkt, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bh_h4 f;
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	if (mode & 1)
		bh_h4_init_fixed(&f, (mode & 2) ? 0x02 : 0x04);
	else
		bh_h4_init(&f);
	size_t off = 0, step = (size_t)(mode >> 2) + 1;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		bh_h4_feed(&f, data + off, n, check, NULL);
		if (f.have > sizeof(f.buf))
			abort();
		off += n;
		step = step * 3 % 97 + 1;
	}
	char d[160];
	bh_h4_describe(mode, data, size, d, sizeof(d));
	return 0;
}
