/* Connection attempts that time out and are cancelled, which btvirt cannot
 * show (it fails a connection to an absent device at once): recorded
 * against the fake controller of tests/faults/, replayed from the trace.
 *
 *   conn_cancel live TRACE     record (needs no btvirt)
 *   conn_cancel replay TRACE   replay the recording
 *
 * Both runs make the same calls: connect with a 300 ms timeout (GAP sends
 * LE Create Connection Cancel, the attempt ends with BH_ETIMEDOUT), connect
 * and cancel after 50 ms (BH_ECANCELLED), then connect and succeed. */
#include "fake_ctrl.h"
#include <blehost/gap.h>
#include <blehost/host.h>

#include <stdio.h>
#include <string.h>

struct attempt {
	bool done;
	unsigned calls;
	bh_status st;
};

static void on_connect(void *ctx, bh_status st, const struct bh_gap_conn *conn)
{
	(void)conn;
	struct attempt *a = ctx;
	a->calls++;
	a->st = st;
	a->done = true;
}

static int failures;
#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);      \
			failures++;                                                       \
		}                                                                         \
	} while (0)

static void succeed_soon(void *arg)
{
	fake_connect(arg, true);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "live") && strcmp(argv[1], "replay"))) {
		fprintf(stderr, "usage: %s live|replay TRACE\n", argv[0]);
		return 2;
	}
	bool live = !strcmp(argv[1], "live");
	char transport[600], err[256];
	struct fake *f = NULL;
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.seeded = true;
	cfg.seed = 7;
	cfg.store_dir = "";
	if (live) {
		f = fake_new();
		if (!f)
			return 1;
		cfg.transport = fake_transport(f);
		cfg.trace_path = argv[2];
	} else {
		snprintf(transport, sizeof(transport), "replay:%s", argv[2]);
		cfg.transport = transport;
	}
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "FAIL: %s\n", err);
		return 1;
	}
	struct bh_loop *l = bh_host_loop(h);
	if (live && fake_accept(f, l))
		return 1;
	CHECK(bh_host_start_sync(h, 5000) == 0);
	struct bh_gap *gap = bh_host_gap(h);
	bh_addr peer;
	bh_addr_parse("C0:DE:00:00:00:01/random", &peer);

	/* 1. Nobody answers: the timeout cancels the attempt. */
	struct attempt a = { 0 };
	CHECK(bh_gap_connect(gap, &peer, NULL, 300, on_connect, &a) == 0);
	bh_loop_run_until(l, &a.done, 3000);
	CHECK(a.calls == 1 && a.st == BH_ETIMEDOUT);

	/* 2. The caller cancels. */
	struct attempt b = { 0 };
	bool never = false;
	CHECK(bh_gap_connect(gap, &peer, NULL, 0, on_connect, &b) == 0);
	bh_loop_run_until(l, &never, 50);
	CHECK(!b.done);
	CHECK(bh_gap_connect_cancel(gap) == 0);
	bh_loop_run_until(l, &b.done, 3000);
	CHECK(b.calls == 1 && b.st == BH_ECANCELLED);

	/* 3. The stack is fine afterwards: a connection that succeeds. */
	struct attempt c = { 0 };
	CHECK(bh_gap_connect(gap, &peer, NULL, 2000, on_connect, &c) == 0);
	if (live)
		bh_loop_timer_at(l, bh_loop_now(l) + 20, succeed_soon, f);
	bh_loop_run_until(l, &c.done, 3000);
	CHECK(c.calls == 1 && c.st == BH_OK);
	bh_loop_run_until(l, &never, 50);
	CHECK(a.calls == 1 && b.calls == 1 && c.calls == 1);

	if (!live) {
		for (int i = 0; i < 100 && !bh_host_replay_done(h); i++)
			bh_loop_run_until(l, &never, 1000);
		char report[4096] = "";
		if (bh_host_replay_result(h, report, sizeof(report))) {
			fprintf(stderr, "FAIL: replay\n%s\n", report);
			failures++;
		}
	}
	/* The fake watches its socket on the host's loop: it goes first. */
	fake_free(f);
	bh_host_free(h);
	printf("conn_cancel (%s): %s\n", argv[1], failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
