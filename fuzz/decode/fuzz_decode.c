/* libFuzzer target for `blehost decode`: a raw H4 stream (every packet
 * type, ACL fragments across packets) through the decoder, as text and as
 * JSON. Nothing may crash or read out of bounds, whatever the bytes. */
#include "decode/decode.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!size || !sink)
		return 0;
	struct bh_trace_reader *r;
	char err[128];
	/* The first byte picks the output form and the direction of the
	 * packets; the rest is the H4 stream. */
	if (bh_trace_open_mem(data + 1, size - 1, BH_TRACE_H4, &r, err, sizeof(err)) != BH_OK)
		return 0;
	static struct dec d;
	dec_init(&d, sink, data[0] & 1);
	struct bh_trace_rec rec;
	while (bh_trace_next(r, &rec) == 1) {
		if (data[0] & 2)
			rec.dir = rec.index & 1 ? BH_TRACE_SENT : BH_TRACE_RECEIVED;
		dec_record(&d, &rec);
	}
	dec_free(&d);
	bh_trace_close_read(r);
	return 0;
}
