/* Whole sessions when memory runs out (suite 'faults'). Each allocation a
 * session makes fails in turn (tests/harness/fail_alloc.h), alone and
 * with every later one; each run is a child process of its own under a
 * 20 s alarm, so a crash or a hang is reported with the allocation that
 * caused it. The sweep ends at the first run that needed no failed
 * allocation.
 *
 * As central, against the fake controller's own little ATT server: the
 * host's bring-up, a connection, MTU exchange, discovery, a read, a
 * write, a subscription, a notification, an indication and the
 * disconnection. Every call returns, with BH_OK or an error; a connect
 * that says BH_OK hands out a link the host holds; the indication is
 * confirmed; once memory is back the host still serves: a read on the
 * link if it is up, else a new connection and a read on it (a link it
 * refused was disconnected meanwhile), unless bring-up itself failed or
 * the host reported itself fatal, when a fresh host on a fresh
 * controller must work.
 *
 * As peripheral, the fake a central asking the host's GATT server: every
 * request gets its answer, late if memory was short, and a link the host
 * took still answers a read once memory is back. */
#include "fake_host.h"

#include <blehost/gatt_client.h>
#include <blehost/gatt_server.h>
#include <blehost/att.h>
#include <blehost/host.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fail_alloc.h"

static const bh_addr fake_peer = { BH_ADDR_PUBLIC, { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 } };

/* What a child tells its parent (shared memory). */
struct report {
	unsigned failures; /* allocations failed during the session */
	unsigned notifications; /* delivered to the application */
	int ok;            /* 1: every check held */
	char why[240];
	char steps[1024]; /* each step's status, for the verbose listing */
};

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned notifications;
};

static void ev_notification(void *ctx, uint16_t conn, uint16_t vh, const uint8_t *v, size_t n,
			    bool indication)
{
	struct fx *x = ctx;
	(void)conn;
	(void)vh;
	(void)v;
	(void)n;
	if (!indication)
		x->notifications++;
}

static void note(struct report *r, const char *name, int rc)
{
	size_t used = strlen(r->steps);
	snprintf(r->steps + used, sizeof(r->steps) - used, " %s=%s", name,
		 rc ? bh_strerror(rc) : "ok");
}

/* Handle Value Notification of the fake server's value 0x0003. */
static void send_notification(struct fx *x)
{
	static const uint8_t ntf[] = { 0x1b, 0x03, 0x00, 0x42 };
	fake_l2cap(x->fh.f, 4, ntf, sizeof(ntf));
	fake_run(x->fh.f, 20);
}

static bool read_works(struct fx *x, uint16_t conn)
{
	uint8_t v[16];
	size_t n = 0;
	return bh_host_read_sync(x->fh.h, conn, 3, v, sizeof(v), &n) == BH_OK && n == 2 &&
	       !memcmp(v, "ok", 2);
}

static struct fx *fx_new(void)
{
	struct fx *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	fake_host_init(&x->fh, "OOM_SESSION_VERBOSE", (enum bh_log_level)-1);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 11);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.notification = ev_notification;
	char err[256] = "";
	x->fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!x->fh.h || fake_accept(x->fh.f, x->fh.loop) != 0) {
		fprintf(stderr, "host: %s\n", err);
		exit(3);
	}
	fake_accept_connects(x->fh.f);
	return x;
}

/* A fresh host on a fresh controller: up, connected, read. */
static bool fresh_host_works(void)
{
	struct fx *y = fx_new();
	uint16_t conn = 0;
	bool ok = bh_host_start_sync(y->fh.h, 3000) == BH_OK &&
		  bh_host_connect_sync(y->fh.h, &fake_peer, 2000, &conn) == BH_OK && read_works(y, conn);
	fake_host_fini(&y->fh);
	free(y);
	return ok;
}

static void session(long k, bool one, struct report *r)
{
	struct fx *x = fx_new();
	uint16_t conn = 0, mtu = 0;
	bool up = false;
	failures = 0;
	fail_one = one;
	fail_after = k;
	int rc = bh_host_start_sync(x->fh.h, 3000);
	note(r, "start", rc);
	bool started = rc == BH_OK;
	if (started) {
		rc = bh_host_connect_sync(x->fh.h, &fake_peer, 2000, &conn);
		note(r, "connect", rc);
		up = rc == BH_OK;
	}
	bool handed_out_unheld = false, indicated = false;
	if (up) {
		rc = bh_host_exchange_mtu_sync(x->fh.h, conn, &mtu);
		note(r, "mtu", rc);
		handed_out_unheld = rc == BH_ENOTFOUND;
		note(r, "discover", bh_host_discover_sync(x->fh.h, conn));
		uint8_t v[16];
		size_t n = 0;
		note(r, "read", bh_host_read_sync(x->fh.h, conn, 3, v, sizeof(v), &n));
		note(r, "write", bh_host_write_sync(x->fh.h, conn, 3, (const uint8_t *)"w", 1, true));
		note(r, "subscribe", bh_host_subscribe_sync(x->fh.h, conn, 3, false));
		send_notification(x);
		static const uint8_t ind[] = { 0x1d, 0x03, 0x00, 0x43 };
		fake_l2cap(x->fh.f, 4, ind, sizeof(ind));
		indicated = true;
		fake_run(x->fh.f, 3 * BH_ATT_RETRY_MS);
		rc = bh_host_disconnect_sync(x->fh.h, conn, 0x13, 2000);
		note(r, "disconnect", rc);
		up = false;
	}
	fail_after = -1;
	fail_one = false;
	r->failures = failures;
	r->notifications = x->notifications;

	/* Memory is back: the host serves again, or said it cannot. */
	if (handed_out_unheld) {
		r->ok = 0;
		snprintf(r->why, sizeof(r->why), "connect returned a link the host does not hold");
	} else if (!started || x->fh.fatal) {
		r->ok = fresh_host_works();
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "a fresh host did not work after it");
	} else if (x->fh.connected > x->fh.disconnected) {
		/* The indication is confirmed, late if memory was short (the
		 * bearer tries again). */
		fake_run(x->fh.f, 3 * BH_ATT_RETRY_MS);
		r->ok = read_works(x, conn);
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "the link is up but a read fails");
		if (indicated && !fake_att_confirms(x->fh.f)) {
			r->ok = 0;
			snprintf(r->why, sizeof(r->why), "the indication was never confirmed");
		}
	} else {
		if (indicated && !fake_att_confirms(x->fh.f)) {
			r->ok = 0;
			snprintf(r->why, sizeof(r->why), "the indication was not confirmed");
			goto out;
		}
		/* A link the host refused is disconnected meanwhile (the fake
		 * gives every link the same handle: one left up at the
		 * controller would stop the next). */
		fake_run(x->fh.f, 3 * 100);
		uint16_t again = 0;
		rc = bh_host_connect_sync(x->fh.h, &fake_peer, 2000, &again);
		r->ok = rc == BH_OK && read_works(x, again);
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "no new link and read (connect: %s)",
				 bh_strerror(rc));
	}
out:
	fake_host_fini(&x->fh);
	free(x);
}

typedef void (*session_fn)(long k, bool one, struct report *r);

static void sweep(session_fn run, bool one)
{
	struct report *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(r != MAP_FAILED);
	long k;
	for (k = 0; k < 100000; k++) {
		memset(r, 0, sizeof(*r));
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* cmocka's handlers would turn a crash into a failed test
			 * in the child: the parent is to see the signal. */
			static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
			for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
				signal(sigs[i], SIG_DFL);
			alarm(20);
			run(k, one, r);
			exit(0); /* not _exit: LeakSanitizer looks at exit */
		}
		int ws;
		assert_int_equal(waitpid(pid, &ws, 0), pid);
		if (getenv("OOM_SESSION_VERBOSE"))
			fprintf(stderr, "  allocation %ld%s:%s%s%s\n", k, one ? " alone" : "", r->steps,
				r->ok ? "" : " NOT OK: ", r->why);
		if (WIFSIGNALED(ws))
			fail_msg("allocation %ld%s: the session died of signal %d (%s) after%s", k,
				 one ? " alone" : "", WTERMSIG(ws),
				 WTERMSIG(ws) == SIGALRM ? "a hang" : "a crash", r->steps);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			fail_msg("allocation %ld: the child exited %d", k, WEXITSTATUS(ws));
		if (!r->ok)
			fail_msg("allocation %ld%s: %s (steps:%s)", k, one ? " alone" : "", r->why,
				 r->steps);
		if (!r->failures)
			break;
	}
	/* A session allocates more than a few times: an early end failed
	 * nothing. The whole session, nothing failing, got its notification. */
	assert_true(k > 10);
	if (run == session)
		assert_int_equal(r->notifications, 1);
	munmap(r, sizeof(*r));
}

static void session_fails_from_each(void **state)
{
	(void)state;
	sweep(session, false);
}

static void session_fails_each_once(void **state)
{
	(void)state;
	sweep(session, true);
}

/* ---- the peripheral's session: the fake is a central asking the host's
 * GATT server ---- */

static const struct bh_gatt_chr_def hr_chr[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37), .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY,
	  .initial = "hr", .initial_len = 2 },
};
static const struct bh_gatt_svc_def hr_svc = { .uuid = BH_UUID16_INIT(0x180d), .chrs = hr_chr,
					       .num_chrs = 1 };

/* The host's answer to the fake's request: its opcode, or -1 for none
 * within ms. */
static int answer(struct fx *x, unsigned ms)
{
	uint8_t rsp[64];
	for (;;) {
		int n = fake_recv(x->fh.f, 4, rsp, sizeof(rsp), ms);
		if (n <= 0)
			return -1;
		if (rsp[0] != 0x1b) /* a notification is not the answer */
			return rsp[0];
	}
}

/* One request from the fake; the answer as above. Every request must get
 * one: a client waits 30 s for it and then gives the bearer up (Vol 3,
 * Part F, 3.3.3). */
static int ask(struct fx *x, const uint8_t *req, size_t len, unsigned ms)
{
	fake_l2cap(x->fh.f, 4, req, len);
	return answer(x, ms);
}

static void peripheral_session(long k, bool one, struct report *r)
{
	struct fx *x = fx_new();
	assert_int_equal(bh_gatts_add_services(bh_host_gatt_server(x->fh.h), &hr_svc, 1), BH_OK);
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), BH_OK);
	uint16_t vh = bh_gatts_value_handle(bh_host_gatt_server(x->fh.h), &hr_chr[0]);
	uint8_t lo = (uint8_t)vh, hi = (uint8_t)(vh >> 8);
	const struct {
		const char *name;
		uint8_t pdu[8];
		uint8_t len;
	} steps[] = {
		{ "mtu", { 0x02, 0x40, 0x00 }, 3 },
		{ "services", { 0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28 }, 7 },
		{ "chrs", { 0x08, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28 }, 7 },
		{ "read", { 0x0a, lo, hi }, 3 },
		{ "subscribe", { 0x12, (uint8_t)(lo + 1), hi, 0x01, 0x00 }, 5 },
	};
	failures = 0;
	fail_one = one;
	fail_after = k;
	bool answered = true;
	if (fake_connect(x->fh.f, false) == 0)
		fake_run(x->fh.f, 20);
	/* As a client does, the next request waits for the last answer. */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && x->fh.connected && answered;
	     i++) {
		int op = ask(x, steps[i].pdu, steps[i].len, 500);
		note(r, steps[i].name, op == -1 ? BH_ETIMEDOUT : op == 0x01 ? BH_EPROTO : 0);
		answered = op != -1;
	}
	if (x->fh.connected > x->fh.disconnected)
		note(r, "notify", bh_gatts_notify(bh_host_gatt_server(x->fh.h), x->fh.conn, vh, "n", 1,
						  NULL));
	fake_run(x->fh.f, 20);
	fail_after = -1;
	fail_one = false;
	r->failures = failures;

	/* Memory is back: the answer owed comes (the bearer tries it again),
	 * and the link, if the host took it, is served. */
	uint8_t rd[3] = { 0x0a, lo, hi };
	if (!answered && answer(x, 1000) == -1) {
		snprintf(r->why, sizeof(r->why), "a request never got its answer");
	} else if (x->fh.connected > x->fh.disconnected) {
		r->ok = ask(x, rd, 3, 2000) == 0x0b;
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "the link is up but a read is not answered");
	} else {
		/* Refused: disconnected meanwhile, and the next link is served. */
		fake_run(x->fh.f, 3 * 100);
		unsigned before = x->fh.connected;
		r->ok = fake_connect(x->fh.f, false) == 0 && (fake_run(x->fh.f, 20), 1) &&
			x->fh.connected == before + 1 && ask(x, rd, 3, 2000) == 0x0b;
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "no new link served");
	}
	fake_host_fini(&x->fh);
	free(x);
}

/* A link refused for want of memory, whose Disconnect could not even be
 * queued, ends by itself before the retry; the next link gets the same
 * handle. The retry must not end that one. */
static void refused_handle_reused(void **state)
{
	(void)state;
	struct fx *x = fx_new();
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), BH_OK);
	fail_after = 0; /* every allocation fails from here */
	assert_int_equal(fake_connect(x->fh.f, false), 0);
	fake_run(x->fh.f, 20);
	unsigned refused = failures;
	static const uint8_t gone[] = { 0x00, 0x40, 0x00, 0x13 }; /* Disconnection Complete */
	assert_int_equal(fake_event(x->fh.f, 0x05, gone, sizeof(gone)), 0);
	fake_run(x->fh.f, 20);
	fail_after = -1;
	assert_true(refused >= 2); /* the link's state and its Disconnect */
	assert_int_equal(x->fh.connected, 0);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x0406), 0);

	assert_int_equal(fake_connect(x->fh.f, false), 0);
	fake_run(x->fh.f, 3 * 100);
	assert_int_equal(x->fh.connected, 1);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x0406), 0);
	assert_int_equal(x->fh.disconnected, 0);
	fake_host_fini(&x->fh);
	free(x);
}

static void peripheral_fails_from_each(void **state)
{
	(void)state;
	sweep(peripheral_session, false);
}

static void peripheral_fails_each_once(void **state)
{
	(void)state;
	sweep(peripheral_session, true);
}

int main(void)
{
	/* OOM_SESSION_K=k[,one]: that run alone, in this process (for a
	 * debugger), its steps printed. */
	const char *only = getenv("OOM_SESSION_K");
	if (only) {
		struct report r = { 0 };
		(strstr(only, ",peripheral") ? peripheral_session : session)(
			atol(only), strstr(only, ",one") != NULL, &r);
		printf("failures %u ok %d%s%s\nsteps:%s\n", r.failures, r.ok, r.ok ? "" : ": ",
		       r.why, r.steps);
		return r.ok ? 0 : 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(session_fails_from_each),
		cmocka_unit_test(session_fails_each_once),
		cmocka_unit_test(refused_handle_reused),
		cmocka_unit_test(peripheral_fails_from_each),
		cmocka_unit_test(peripheral_fails_each_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
