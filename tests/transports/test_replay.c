/* Unit tests for the replay transport: a trace written with the trace
 * writer is replayed against a small fake "stack" that answers; matches,
 * every kind of mismatch, virtual time, and the run-loop contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <blehost/transport.h>

static const uint8_t reset[] = { 0x03, 0x0c, 0x00 };
static const uint8_t cc_reset[] = { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
static const uint8_t rd_addr[] = { 0x09, 0x10, 0x00 };
static const uint8_t rd_version[] = { 0x01, 0x10, 0x00 };
static const uint8_t cc_addr[] = { 0x0e, 0x0a, 0x01, 0x09, 0x10, 0x00, 1, 2, 3, 4, 5, 6 };
static const uint8_t le_cc[] = { 0x3e, 0x13, 0x01, 0x00, 0x40, 0x00, 0x01, 0x01, 0x11, 0x22, 0x33,
				 0x44, 0x55, 0x66, 0x18, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00 };
static const uint8_t mtu_req[] = { 0x40, 0x20, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x02, 0xf7, 0x00 };
static const uint8_t mtu_rsp[] = { 0x40, 0x00, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x03, 0x17, 0x00 };
static const uint8_t disc[] = { 0x05, 0x04, 0x00, 0x40, 0x00, 0x13 };

struct rec {
	enum bh_trace_dir dir;
	uint8_t type;
	const uint8_t *p;
	size_t len;
	uint64_t ms;
};

#define R(d, t, a, ms) { d, t, a, sizeof(a), ms }
static const struct rec script[] = {
	R(BH_TRACE_SENT, 1, reset, 0),
	R(BH_TRACE_RECEIVED, 4, cc_reset, 10),
	R(BH_TRACE_SENT, 1, rd_addr, 11),
	R(BH_TRACE_RECEIVED, 4, cc_addr, 20),
	R(BH_TRACE_RECEIVED, 4, le_cc, 1000),
	R(BH_TRACE_RECEIVED, 2, mtu_req, 1050),
	R(BH_TRACE_SENT, 2, mtu_rsp, 1051),
	R(BH_TRACE_RECEIVED, 4, disc, 2000),
};
#define NSCRIPT (sizeof(script) / sizeof(script[0]))

static void write_trace(const char *path, const struct rec *s, size_t n)
{
	struct bh_trace_writer *w;
	char err[256];
	assert_int_equal(bh_trace_open_write(path, &w, err, sizeof(err)), BH_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(bh_trace_write(w, s[i].dir, s[i].type, s[i].p, s[i].len,
						1600000000000000ULL + s[i].ms * 1000),
				 BH_OK);
	assert_int_equal(bh_trace_close_write(w), BH_OK);
}

/* The fake stack: Reset at start, Read BD_ADDR after Reset completes,
 * answers the MTU request. Knobs break it in specific ways. */
struct stack {
	struct bh_transport *t;
	bool wrong_second_cmd;
	bool mute_mtu;
	bool extra_at_disc;
	int rx;
	bh_time_ms le_cc_at;
	bh_time_ms disc_at;
};

static void st_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct stack *s = ctx;
	s->rx++;
	(void)len;
	if (type == 4 && pkt[0] == 0x0e && pkt[3] == 0x03 && pkt[4] == 0x0c)
		bh_transport_send(s->t, 1, s->wrong_second_cmd ? rd_version : rd_addr, 3);
	if (type == 4 && pkt[0] == 0x3e)
		s->le_cc_at = bh_transport_virtual_now(s->t);
	if (type == 2 && len >= 9 && pkt[8] == 0x02 && !s->mute_mtu)
		bh_transport_send(s->t, 2, mtu_rsp, sizeof(mtu_rsp));
	if (type == 4 && pkt[0] == 0x05) {
		s->disc_at = bh_transport_virtual_now(s->t);
		if (s->extra_at_disc)
			bh_transport_send(s->t, 1, reset, 3);
	}
}

static char trace_path[64];

static struct bh_transport *open_replay(struct stack *s, const struct rec *sc, size_t n)
{
	snprintf(trace_path, sizeof(trace_path), "/tmp/bh-replay-%d.pcap", (int)getpid());
	write_trace(trace_path, sc, n);
	char spec[96], err[256];
	snprintf(spec, sizeof(spec), "replay:%s", trace_path);
	struct bh_transport *t;
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	unlink(trace_path);
	s->t = t;
	struct bh_transport_port p = { .rx = st_rx, .ctx = s };
	bh_transport_set_port(t, &p);
	return t;
}

/* The loop from transport.h; the fake stack has no timers of its own. */
static int run(struct bh_transport *t, char *report, size_t len)
{
	for (int guard = 0; guard < 1000 && !bh_replay_done(t); guard++) {
		int rc = bh_replay_deliver(t, true);
		if (rc == BH_OK)
			continue;
		if (rc != BH_EBUSY)
			break;
		bh_time_ms next = bh_transport_next_deadline(t);
		if (next == BH_NEVER)
			break;
		bh_replay_advance(t, next);
	}
	return bh_replay_result(t, report, len);
}

static void test_replay_matches(void **state)
{
	(void)state;
	struct stack s = { 0 };
	struct bh_transport *t = open_replay(&s, script, NSCRIPT);
	assert_true(bh_transport_is_virtual(t));
	assert_int_equal(bh_transport_virtual_now(t), 0);
	struct pollfd fds[2];
	assert_int_equal(bh_transport_pollfds(t, fds, 2), 0);
	char report[2048];
	/* before anything: not finished */
	assert_int_equal(bh_replay_result(t, report, sizeof(report)), BH_ESTATE);
	assert_non_null(strstr(report, "record #1"));
	/* the first controller packet waits for the Reset command */
	assert_int_equal(bh_transport_next_deadline(t), 10);
	bh_replay_advance(t, 10);
	assert_int_equal(bh_replay_deliver(t, false), BH_EBUSY);
	assert_int_equal(bh_transport_send(t, 1, reset, 3), BH_OK);
	assert_int_equal(run(t, report, sizeof(report)), 0);
	assert_true(bh_replay_done(t));
	assert_non_null(strstr(report, "replay OK: 8 records"));
	assert_int_equal(s.rx, 5);
	assert_int_equal(s.le_cc_at, 1000);
	assert_int_equal(s.disc_at, 2000);
	assert_int_equal(bh_transport_virtual_now(t), 2000);
	assert_int_equal(bh_replay_deliver(t, true), BH_ESTATE);
	assert_int_equal(bh_transport_next_deadline(t), BH_NEVER);
	bh_transport_close(t);
}

static void test_replay_wrong_bytes(void **state)
{
	(void)state;
	struct stack s = { .wrong_second_cmd = true };
	struct bh_transport *t = open_replay(&s, script, NSCRIPT);
	bh_transport_send(t, 1, reset, 3);
	char report[2048];
	assert_int_equal(run(t, report, sizeof(report)), BH_EPROTO);
	assert_true(bh_replay_done(t));
	assert_non_null(strstr(report, "record #3"));
	assert_non_null(strstr(report, "differs"));
	assert_non_null(strstr(report, "expected: CMD 0x1009"));
	assert_non_null(strstr(report, "[01 09 10 00]"));
	assert_non_null(strstr(report, "actual:   CMD 0x1001"));
	assert_non_null(strstr(report, "[01 01 10 00]"));
	/* the replay stopped: no more deliveries */
	assert_int_equal(s.rx, 1);
	assert_int_equal(bh_replay_deliver(t, true), BH_ESTATE);
	bh_transport_close(t);
}

static void test_replay_missing_packet(void **state)
{
	(void)state;
	struct stack s = { .mute_mtu = true };
	struct bh_transport *t = open_replay(&s, script, NSCRIPT);
	bh_transport_send(t, 1, reset, 3);
	/* while the stack is busy, the blocked record just waits */
	bh_replay_advance(t, 5000);
	bh_transport_process(t, NULL, 0);
	assert_int_equal(s.rx, 4);
	assert_false(bh_replay_done(t));
	char report[2048];
	assert_int_equal(run(t, report, sizeof(report)), BH_EPROTO);
	assert_non_null(strstr(report, "record #7"));
	assert_non_null(strstr(report, "expected packet not sent"));
	assert_non_null(strstr(report, "ACL handle 0x0040"));
	assert_non_null(strstr(report, "(nothing sent)"));
	assert_int_equal(s.rx, 4); /* Disconnection Complete was never delivered */
	bh_transport_close(t);
}

static void test_replay_unexpected_extra(void **state)
{
	(void)state;
	struct stack s = { .extra_at_disc = true };
	struct bh_transport *t = open_replay(&s, script, NSCRIPT);
	bh_transport_send(t, 1, reset, 3);
	char report[2048];
	assert_int_equal(run(t, report, sizeof(report)), BH_EPROTO);
	assert_non_null(strstr(report, "packet sent when the trace expects none"));
	assert_non_null(strstr(report, "actual:   CMD 0x0c03"));
	bh_transport_close(t);
}

static void test_replay_end_of_trace_missing(void **state)
{
	(void)state;
	/* the trace ends with a command the stack never sends */
	const struct rec sc[] = {
		R(BH_TRACE_SENT, 1, reset, 0),
		R(BH_TRACE_RECEIVED, 4, cc_reset, 3),
		R(BH_TRACE_SENT, 1, rd_version, 4),
	};
	struct stack s = { 0 };
	struct bh_transport *t = open_replay(&s, sc, 3);
	bh_transport_send(t, 1, reset, 3);
	/* the stack answers Reset with Read BD_ADDR, not what was recorded */
	char report[2048];
	assert_int_equal(run(t, report, sizeof(report)), BH_EPROTO);
	assert_non_null(strstr(report, "record #3"));
	bh_transport_close(t);

	const struct rec sc2[] = {
		R(BH_TRACE_RECEIVED, 4, cc_reset, 3),
		R(BH_TRACE_SENT, 1, rd_version, 4),
	};
	struct stack s2 = { .wrong_second_cmd = false };
	t = open_replay(&s2, sc2, 2);
	assert_int_equal(bh_replay_deliver(t, true), BH_OK); /* stack sends rd_addr: mismatch */
	assert_int_equal(bh_replay_result(t, report, sizeof(report)), BH_EPROTO);
	bh_transport_close(t);

	struct stack s3 = { 0 };
	const struct rec sc3[] = { R(BH_TRACE_SENT, 1, reset, 0) };
	t = open_replay(&s3, sc3, 1);
	assert_int_equal(bh_replay_deliver(t, false), BH_EBUSY);
	assert_int_equal(bh_replay_deliver(t, true), BH_EPROTO);
	assert_int_equal(bh_replay_result(t, report, sizeof(report)), BH_EPROTO);
	assert_non_null(strstr(report, "end of trace"));
	bh_transport_close(t);
}

static void test_replay_time_and_api_errors(void **state)
{
	(void)state;
	struct stack s = { 0 };
	struct bh_transport *t = open_replay(&s, script, NSCRIPT);
	bh_transport_send(t, 1, reset, 3);
	assert_int_equal(bh_replay_deliver(t, true), BH_EBUSY); /* not yet 10 ms */
	bh_replay_advance(t, 9);
	assert_int_equal(bh_replay_deliver(t, true), BH_EBUSY);
	bh_replay_advance(t, 20);
	bh_replay_advance(t, 3); /* never backwards */
	assert_int_equal(bh_transport_virtual_now(t), 20);
	assert_int_equal(bh_replay_deliver(t, true), BH_OK);
	assert_int_equal(bh_replay_deliver(t, true), BH_OK);
	assert_int_equal(s.rx, 2);
	assert_int_equal(bh_transport_next_deadline(t), 1000);
	/* invalid packets are refused before the comparison */
	assert_int_equal(bh_transport_send(t, 9, reset, 3), BH_EINVAL);
	assert_false(bh_replay_done(t));
	bh_transport_close(t);

	assert_false(bh_transport_is_virtual(NULL));
	assert_int_equal(bh_replay_advance(NULL, 5), BH_EINVAL);
	assert_int_equal(bh_replay_deliver(NULL, true), BH_EINVAL);
	assert_true(bh_replay_done(NULL));
	char report[64];
	assert_int_equal(bh_replay_result(NULL, report, sizeof(report)), BH_EINVAL);
	assert_int_equal(bh_transport_virtual_now(NULL), 0);
}

/* A trace of the replay itself carries the virtual times. */
static void test_replay_traced(void **state)
{
	(void)state;
	struct stack s = { 0 };
	struct bh_transport *t = open_replay(&s, script, NSCRIPT);
	char tpath[64], err[256];
	snprintf(tpath, sizeof(tpath), "/tmp/bh-replay-out-%d.pcap", (int)getpid());
	struct bh_trace_writer *w;
	assert_int_equal(bh_trace_open_write(tpath, &w, err, sizeof(err)), BH_OK);
	bh_transport_set_trace(t, w);
	bh_transport_send(t, 1, reset, 3);
	char report[256];
	assert_int_equal(run(t, report, sizeof(report)), 0);
	bh_transport_close(t);
	assert_int_equal(bh_trace_close_write(w), BH_OK);
	struct bh_trace_reader *r;
	assert_int_equal(bh_trace_open_read(tpath, &r, err, sizeof(err)), BH_OK);
	struct bh_trace_rec rec;
	for (size_t i = 0; i < NSCRIPT; i++) {
		assert_int_equal(bh_trace_next(r, &rec), 1);
		assert_int_equal(rec.dir, script[i].dir);
		assert_int_equal(rec.len, script[i].len);
		assert_memory_equal(rec.data, script[i].p, rec.len);
		/* answers go out at the virtual time of what caused them */
		if (script[i].dir == BH_TRACE_RECEIVED)
			assert_int_equal(rec.timestamp_us, script[i].ms * 1000);
	}
	assert_int_equal(bh_trace_next(r, &rec), 0);
	bh_trace_close_read(r);
	unlink(tpath);
}

static void test_replay_corrupt_trace(void **state)
{
	(void)state;
	char path[64], spec[96], err[256];
	snprintf(path, sizeof(path), "/tmp/bh-replay-bad-%d.btsnoop", (int)getpid());
	write_trace(path, script, NSCRIPT);
	truncate(path, 16 + 24 + 2); /* cut inside the first record */
	snprintf(spec, sizeof(spec), "replay:%s", path);
	struct bh_transport *t = NULL;
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_EMALFORMED);
	assert_null(t);
	assert_non_null(strstr(err, "past the end"));
	unlink(path);
	assert_int_equal(bh_replay_open_reader(NULL, "x", &t, err, sizeof(err)), BH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_matches),
		cmocka_unit_test(test_replay_wrong_bytes),
		cmocka_unit_test(test_replay_missing_packet),
		cmocka_unit_test(test_replay_unexpected_extra),
		cmocka_unit_test(test_replay_end_of_trace_missing),
		cmocka_unit_test(test_replay_time_and_api_errors),
		cmocka_unit_test(test_replay_corrupt_trace),
		cmocka_unit_test(test_replay_traced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
