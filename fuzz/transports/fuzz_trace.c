/* libFuzzer target: one trace reader (FUZZ_FORMAT, set by meson) on
 * arbitrary bytes. Reads every record and touches every byte it points at,
 * so ASan catches any overread; errors must be sticky. */
#include <stdint.h>
#include <stdlib.h>

#include "transport.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT BH_TRACE_AUTO
#endif

/* global, so reading every byte is not optimised away */
volatile uint8_t fuzz_trace_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_trace_reader *r;
	char err[256];
	if (bh_trace_open_mem(data, size, FUZZ_FORMAT, &r, err, sizeof(err)))
		return 0;
	struct bh_trace_rec rec;
	int rc;
	while ((rc = bh_trace_next(r, &rec)) == 1) {
		for (size_t i = 0; i < rec.len; i++)
			fuzz_trace_sink ^= rec.data[i];
		char d[160];
		bh_h4_describe(rec.type, rec.data, rec.len, d, sizeof(d));
	}
	if (rc < 0 && bh_trace_next(r, &rec) != rc)
		abort();
	bh_trace_close_read(r);
	return 0;
}
