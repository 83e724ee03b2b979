/* libFuzzer target: one trace reader (FUZZ_FORMAT, set by meson) on
 * arbitrary bytes. Reads every record and touches every byte it points at,
 * so ASan catches any overread; errors must be sticky; the verdict must agree
 * with what was read; and the replay transport's open path (which refuses a
 * file with nothing to replay) runs on the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/transport.h>

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
	unsigned long n = 0;
	while ((rc = bh_trace_next(r, &rec)) == 1) {
		n++;
		for (size_t i = 0; i < rec.len; i++)
			fuzz_trace_sink ^= rec.data[i];
		char d[160];
		bh_h4_describe(rec.type, rec.data, rec.len, d, sizeof(d));
	}
	if (rc < 0 && bh_trace_next(r, &rec) != rc)
		abort();
	char msg[512];
	enum bh_trace_problem p = bh_trace_verdict(r, msg, sizeof(msg));
	bool broken = p == BH_TRACE_P_MALFORMED || p == BH_TRACE_P_UNKNOWN_FORMAT;
	if (strlen(msg) >= sizeof(msg) || (rc < 0) != broken ||
	    (rc == 0 && (n > 0) != (p == BH_TRACE_P_NONE)))
		abort();
	bh_trace_close_read(r);

	if (bh_trace_open_mem(data, size, FUZZ_FORMAT, &r, err, sizeof(err)))
		abort(); /* opened once, must open again */
	struct bh_transport *t = NULL;
	rc = bh_replay_open_reader(r, "fuzz", &t, err, sizeof(err));
	if ((rc == BH_OK) != (p == BH_TRACE_P_NONE) || (rc == BH_OK) != (t != NULL))
		abort();
	bh_transport_close(t);
	return 0;
}
