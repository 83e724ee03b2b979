/* Trace files and replay in a build with -Dtrace=false: no btsnoop/pcap
 * writer or reader and no replay: transport. The API still links; opening
 * anything returns BH_ENOTSUP with a message naming the option, so
 * `--trace FILE` and `replay:FILE` fail clearly instead of silently. */
#include "transport_internal.h"

#include <stdio.h>

static const char off_msg[] = "trace files and replay are not in this build (-Dtrace=false)";

const char *bh_trace_format_str(enum bh_trace_format f)
{
	(void)f;
	return "none";
}

int bh_trace_open_write(const char *path, struct bh_trace_writer **out, char *err, size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen, "%s: %s", path, off_msg);
}

int bh_trace_write(struct bh_trace_writer *w, enum bh_trace_dir dir, uint8_t type,
		   const uint8_t *pkt, size_t len, uint64_t timestamp_us)
{
	(void)w, (void)dir, (void)type, (void)pkt, (void)len, (void)timestamp_us;
	return BH_ENOTSUP;
}

int bh_trace_close_write(struct bh_trace_writer *w)
{
	(void)w;
	return BH_OK;
}

int bh_trace_open_read(const char *path, struct bh_trace_reader **out, char *err, size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen, "%s: %s", path, off_msg);
}

int bh_trace_open_mem(const uint8_t *buf, size_t len, enum bh_trace_format fmt,
		      struct bh_trace_reader **out, char *err, size_t errlen)
{
	(void)buf, (void)len, (void)fmt;
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen, "%s", off_msg);
}

/* No reader can exist in this build: these only answer for NULL. */
int bh_trace_next(struct bh_trace_reader *r, struct bh_trace_rec *rec)
{
	(void)r, (void)rec;
	return BH_ENOTSUP;
}

enum bh_trace_format bh_trace_reader_format(const struct bh_trace_reader *r)
{
	(void)r;
	return BH_TRACE_AUTO;
}

unsigned long bh_trace_skipped(const struct bh_trace_reader *r)
{
	(void)r;
	return 0;
}

const char *bh_trace_error(const struct bh_trace_reader *r)
{
	(void)r;
	return off_msg;
}

const char *bh_trace_strerror(enum bh_trace_problem p)
{
	(void)p;
	return off_msg;
}

unsigned long bh_trace_problem_count(const struct bh_trace_reader *r, enum bh_trace_problem p)
{
	(void)r, (void)p;
	return 0;
}

enum bh_trace_problem bh_trace_verdict(const struct bh_trace_reader *r, char *msg, size_t len)
{
	(void)r;
	if (msg && len)
		snprintf(msg, len, "%s", off_msg);
	return BH_TRACE_P_UNKNOWN_FORMAT;
}

void bh_trace_close_read(struct bh_trace_reader *r)
{
	(void)r;
}

bh_time_ms bh_transport_virtual_now(const struct bh_transport *t)
{
	(void)t;
	return 0;
}

int bh_replay_advance(struct bh_transport *t, bh_time_ms now)
{
	(void)t, (void)now;
	return BH_EINVAL; /* documented answer for a transport that is not replay */
}

int bh_replay_deliver(struct bh_transport *t, bool stack_idle)
{
	(void)t, (void)stack_idle;
	return BH_ESTATE;
}

bool bh_replay_done(const struct bh_transport *t)
{
	(void)t;
	return true;
}

int bh_replay_result(const struct bh_transport *t, char *report, size_t len)
{
	(void)t;
	if (report && len)
		snprintf(report, len, "%s", off_msg);
	return BH_ENOTSUP;
}

int bh_replay_open_reader(struct bh_trace_reader *r, const char *name, struct bh_transport **out,
			  char *err, size_t errlen)
{
	(void)r;
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen, "%s: %s", name, off_msg);
}

int bh_transport_open_replay(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen, "replay:%s: %s", arg, off_msg);
}
