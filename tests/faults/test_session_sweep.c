/* Whole sessions with a failure injected at each step in turn (suite
 * 'faults'): each allocation the session makes fails (tests/harness/
 * fail_alloc.h), alone and with every later one; or, at each packet the
 * host sends, the controller ends the link, closes the transport, reports
 * a Hardware Error, loses that command or goes silent (no events, no ACL,
 * its socket open: fake_heal ends it); or, at each ACL packet the host
 * sends, that packet is lost over the air (Number Of Completed Packets
 * for it all the same), or the peer's next packet to the host is
 * (fake_fault_after). Each run is a child process of its own under a
 * 20 s alarm, so a crash or a hang is reported with the step that caused
 * it; runs are in virtual time (fake_host_virtual_time). A sweep ends at
 * the first run in which nothing was injected.
 *
 * A silent controller is found: every call returns, and once they have,
 * the host reports itself fatal within 9 s (idle check or a command's
 * timeout, then the unanswered Reset; architecture.md), unless its
 * bring-up already failed. (The central's silence always finds a command
 * out; central_silence_while_idle is the case only the idle check sees.)
 * A lost ATT request, response, indication or confirmation is a
 * transaction the host waits out (Vol 3, Part F, 3.3.3): a call returns
 * BH_ETIMEDOUT after ATT's 30 s (the central's first such call waited
 * them, virtual), the timeout is logged, no ATT PDU goes out after it, and
 * the host itself ends the link (Disconnect, 0x13); a call times out for
 * nothing else. Both then go on as below:
 * the controller works again, the host serves (or a fresh one does).
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
 * controller must work. The fragmented central plan gives the host
 * 27-octet LE buffers and the fake's server ATT MTU 64, so the write (40
 * octets) goes in two ACL packets, and loses each ACL packet in turn: a
 * lost start or continuation of the write is a request lost. A
 * controller whose bring-up failed and that
 * works again is started again by the same host; links lost with a
 * controller that was reset end with events.disconnected.
 *
 * As peripheral, the fake a central asking the host's GATT server, then
 * a notification and an indication, which the fake confirms: every
 * request gets its answer, late if memory was short (a failed controller
 * may lose it), and a link the host took still answers a read once memory
 * is back, else a new link does. The fragmented peripheral plans run it
 * with a long value and short ACL packets both ways (HOW_FRAGMENTED) and
 * lose each ACL packet in turn, continuations included: a partial frame
 * is dropped, never delivered nor spliced to the next one, and the link
 * serves the next request. */
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
	unsigned notifications; /* delivered to the application (peripheral:
				 * its indication confirmed) */
	int ok;            /* 1: every check held */
	char why[240];
	char steps[1024]; /* each step's status, for the verbose listing */
};

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned notifications;
	unsigned att_timeouts; /* ATT's "transaction timeout" logged */
	/* The first call that returned BH_ETIMEDOUT, and the ATT PDUs the
	 * peer had got by then; what the session's own disconnect said. */
	const char *timed_out;
	unsigned att_then;
	int disconnect_rc; /* BH_ENOTFOUND: the session made none */
	/* The central's calls: when the one running began (virtual ms), and
	 * how long the first that timed out took (-1: none did). */
	bh_time_ms step_at;
	long long waited;
	/* The peripheral's indication: done (events.indication_done), how. */
	unsigned ind_done;
	bh_status ind_status;
};

static void ev_indication_done(void *ctx, uint16_t conn, uint16_t vh, bh_status st)
{
	struct fx *x = ctx;
	(void)conn;
	(void)vh;
	x->ind_done++;
	x->ind_status = st;
	if (st == BH_ETIMEDOUT && !x->timed_out) {
		x->timed_out = "indicate";
		x->att_then = fake_att_count(x->fh.f);
	}
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct fx *x = ctx;
	if (strstr(msg, "ATT transaction timeout"))
		x->att_timeouts++;
	if (lvl <= x->fh.show || getenv(x->fh.verbose_env))
		fprintf(stderr, "  [host %s] %s\n", layer, msg);
}

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

/* A call of the central's session: noted, and the first to time out
 * remembered with what the peer had got by then. */
static void step(struct fx *x, struct report *r, const char *name, int rc)
{
	note(r, name, rc);
	if (rc == BH_ETIMEDOUT && !x->timed_out) {
		x->timed_out = name;
		x->att_then = fake_att_count(x->fh.f);
		x->waited = (long long)(x->fh.vnow - x->step_at);
	}
	x->step_at = x->fh.vnow;
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

/* virt: in virtual time (fake_host_virtual_time). */
static struct fx *fx_new(bool virt)
{
	struct fx *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	fake_host_init(&x->fh, "SESSION_SWEEP_VERBOSE", (enum bh_log_level)-1);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 11);
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.notification = ev_notification;
	ev.log = ev_log;
	ev.indication_done = ev_indication_done;
	x->disconnect_rc = BH_ENOTFOUND;
	x->waited = -1;
	char err[256] = "";
	x->fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!x->fh.h || fake_accept(x->fh.f, x->fh.loop) != 0) {
		fprintf(stderr, "host: %s\n", err);
		exit(3);
	}
	if (virt)
		fake_host_virtual_time(&x->fh);
	fake_accept_connects(x->fh.f);
	return x;
}

/* A fresh host on a fresh controller: up, connected, read. */
static bool fresh_host_works(void)
{
	struct fx *y = fx_new(false);
	uint16_t conn = 0;
	bool ok = bh_host_start_sync(y->fh.h, 3000) == BH_OK &&
		  bh_host_connect_sync(y->fh.h, &fake_peer, 2000, &conn) == BH_OK && read_works(y, conn);
	fake_host_fini(&y->fh);
	free(y);
	return ok;
}

static int ask(struct fx *x, const uint8_t *req, size_t len, unsigned ms);

/* The host serves again after what it went through: a new link and a
 * read on it, within a few seconds (it may be bringing a reset
 * controller up again); or, fatal, a fresh host on a fresh controller
 * does. central: the host's role on the new link. */
static void serves_again(struct fx *x, bool central, struct report *r)
{
	uint8_t rd[3] = { 0x0a, 0x03, 0x00 };
	for (int tries = 0; tries < 10; tries++) {
		if (x->fh.fatal) {
			r->ok = fresh_host_works();
			if (!r->ok)
				snprintf(r->why, sizeof(r->why), "a fresh host did not work after it");
			return;
		}
		if (central) {
			uint16_t c = 0;
			int rc = bh_host_connect_sync(x->fh.h, &fake_peer, 2000, &c);
			if (rc == BH_OK) {
				r->ok = read_works(x, c);
				if (!r->ok)
					snprintf(r->why, sizeof(r->why), "a new link, but no read");
				return;
			}
			snprintf(r->why, sizeof(r->why), "no new link (connect: %s)", bh_strerror(rc));
		} else {
			unsigned before = x->fh.connected;
			if (fake_connect(x->fh.f, false) == 0)
				fake_run(x->fh.f, 20);
			if (x->fh.connected == before + 1) {
				r->ok = ask(x, rd, 3, 2000) == 0x0b;
				if (!r->ok)
					snprintf(r->why, sizeof(r->why), "a new link, but no read");
				return;
			}
			snprintf(r->why, sizeof(r->why), "no new link served");
		}
		fake_run(x->fh.f, 300);
	}
}

/* What fails at step k: allocations (from k on, or k alone), or the
 * controller at the k-th packet the host sends (HOW_FAULT + enum
 * fake_fault - 1). */
enum { HOW_OOM_FROM, HOW_OOM_ALONE, HOW_FAULT };

/* Or'ed into a plan's how: every long frame is fragmented
 * (peripheral_session; session: the write). */
#define HOW_FRAGMENTED 0x100
/* The central's fragmented write: with the fake server's ATT MTU 64 a
 * 40-octet value makes a 47-octet L2CAP frame, two ACL packets to
 * 27-octet LE buffers (a start, then a continuation). */
#define LONG_WRITE "fragmented write: 40 octets, two packets"
#define LONG_WRITE_MTU 64

static const char *const how_name[] = { "", " alone", " link lost", " transport closed",
					" hardware error", " silence", " command lost",
					" ACL lost", " ACL to the host lost",
					" fragment to the host lost" };

/* The fault a plan injects (0: memory). */
static enum fake_fault fault_of(int how)
{
	return how >= HOW_FAULT ? (enum fake_fault)(how - HOW_FAULT + FAKE_DISCONNECT) : 0;
}

/* Every plan runs in virtual time (fake_host_virtual_time): ATT's 30 s,
 * command timeouts and the idle check take no real time, and a loop that
 * spins (a descriptor ready for ever) stops time, so the run hangs and
 * is reported. SESSION_SWEEP_REAL_TIME set: on the real clock, as before
 * session 18 (about 45 s for the other plans; the silence and lost-ACL
 * plans need virtual time, as ATT's 30 s outlasts a run's alarm). */
static bool virtual_time(void) { return !getenv("SESSION_SWEEP_REAL_TIME"); }

static void inject(struct fx *x, long k, int how)
{
	if (how >= HOW_FAULT) {
		fake_fault_after(x->fh.f, k, FAKE_CONN_HANDLE, fault_of(how));
		return;
	}
	failures = 0;
	fail_one = how == HOW_OOM_ALONE;
	fail_after = k;
}

/* Ends the injection: what it did (failed allocations, or 1 if the
 * fault happened). */
static unsigned injected(struct fx *x, int how)
{
	if (how >= HOW_FAULT) {
		bool fired = fake_fired(x->fh.f);
		fake_fault_after(x->fh.f, -1, 0, 0);
		fake_heal(x->fh.f);
		return fired;
	}
	fail_after = -1;
	fail_one = false;
	return failures;
}

/* After a call timed out, time for the host to end the link by itself
 * (its Disconnect may wait for a command credit: within a command
 * timeout), before the session goes on. */
static void link_ends(struct fx *x)
{
	for (int t = 0; x->timed_out && t < 2000 && x->fh.connected > x->fh.disconnected; t += 100)
		fake_run(x->fh.f, 100);
}

/* An ATT PDU whose loss leaves the host waiting for an answer (Vol 3,
 * Part F, 3.4.8): a request or an indication it sent, a response or a
 * confirmation it was sent. */
static bool att_owed(int op, bool from_host)
{
	static const uint8_t req[] = { 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e,
				       0x10, 0x12, 0x16, 0x18, 0x20, 0x1d };
	static const uint8_t rsp[] = { 0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d,
				       0x0f, 0x11, 0x13, 0x17, 0x19, 0x21, 0x1e };
	if (op < 0)
		return false;
	return memchr(from_host ? req : rsp, op, from_host ? sizeof(req) : sizeof(rsp)) != NULL;
}

/* What a lost ACL packet must lead to, and a silent controller: false
 * with r->why when it did not. started: the host's bring-up succeeded
 * (else it said it failed). */
static bool fault_checks(struct fx *x, int how, bool started, struct report *r)
{
	enum fake_fault kind = fault_of(how);
	bool acl_kind = kind == FAKE_ACL_LOST || kind == FAKE_ACL_LOST_IN || kind == FAKE_FRAG_LOST_IN;
	if (!fake_fired(x->fh.f))
		return true;
	if (kind == FAKE_SILENCE && started) {
		/* Whatever was pending has ended by now (every call returned):
		 * the idle check or a command's timeout finds the controller
		 * silent, and the Reset that is not answered either makes it
		 * fatal, within 9 s (architecture.md). */
		for (int t = 0; t < 9000 + 1000 && !x->fh.fatal; t += 100)
			fake_run(x->fh.f, 100);
		if (!x->fh.fatal) {
			snprintf(r->why, sizeof(r->why), "a silent controller went unnoticed for 10 s");
			return false;
		}
		return true;
	}
	if (!acl_kind)
		return true;
	bool from_host = false;
	int op = fake_lost_att(x->fh.f, &from_host);
	bool owed = att_owed(op, from_host);
	const char *dir = from_host ? "from" : "to";
	if (owed && !x->timed_out) {
		snprintf(r->why, sizeof(r->why), "ATT 0x%02x %s the host lost, no call timed out", op,
			 dir);
	} else if (!owed && x->timed_out) {
		snprintf(r->why, sizeof(r->why), "%s timed out with nothing owed lost (0x%02x %s)",
			 x->timed_out, op & 0xff, dir);
	} else if (owed && !x->att_timeouts) {
		/* Vol 3, Part F, 3.3.3: the transaction failed, and the
		 * higher layers are told. */
		snprintf(r->why, sizeof(r->why), "no ATT transaction timeout reported");
	} else if (owed && virtual_time() && x->waited >= 0 &&
		   (x->waited < BH_ATT_TIMEOUT_MS || x->waited > BH_ATT_TIMEOUT_MS + 1000)) {
		/* The call waited out ATT's 30 s, no less and not much more. */
		snprintf(r->why, sizeof(r->why), "%s timed out after %lld ms", x->timed_out,
			 x->waited);
	} else if (owed && fake_att_count(x->fh.f) != x->att_then) {
		/* No more ATT PDUs on this bearer. */
		snprintf(r->why, sizeof(r->why), "ATT PDUs sent after %s timed out", x->timed_out);
	} else if (owed) {
		/* The host ends the link whose bearer died (0x13), by itself:
		 * the session's own disconnect finds it gone. */
		uint8_t p[3] = { 0 };
		bool ended = fake_cmd_count(x->fh.f, 0x0406) == 1 &&
			     fake_last_cmd(x->fh.f, 0x0406, p, 3) == 3 && p[0] == 0x40 &&
			     p[1] == 0x00 && p[2] == 0x13 && x->disconnect_rc != BH_OK &&
			     x->fh.disconnected >= 1;
		if (!ended)
			snprintf(r->why, sizeof(r->why), "the link was not torn down after %s timed out",
				 x->timed_out);
		return ended;
	} else {
		return true;
	}
	return false;
}

static void session(long k, int how, struct report *r)
{
	bool frag = how & HOW_FRAGMENTED;
	how &= ~HOW_FRAGMENTED;
	struct fx *x = fx_new(virtual_time());
	if (frag) {
		/* 27 octets, 4 packets; the fake's server takes MTU 64. */
		fake_set_answer(x->fh.f, 0x2002, "\x00\x1b\x00\x04", 4);
		fake_set_att_mtu(x->fh.f, LONG_WRITE_MTU);
	}
	uint16_t conn = 0, mtu = 0;
	bool up = false;
	inject(x, k, how);
	int rc = bh_host_start_sync(x->fh.h, 3000);
	note(r, "start", rc);
	bool started = rc == BH_OK;
	if (started) {
		rc = bh_host_connect_sync(x->fh.h, &fake_peer, 2000, &conn);
		note(r, "connect", rc);
		up = rc == BH_OK;
	}
	bool handed_out_unheld = false, indicated = false, unfragmented = false;
	if (up) {
		x->step_at = x->fh.vnow;
		rc = bh_host_exchange_mtu_sync(x->fh.h, conn, &mtu);
		step(x, r, "mtu", rc);
		handed_out_unheld = rc == BH_ENOTFOUND;
		step(x, r, "discover", bh_host_discover_sync(x->fh.h, conn));
		uint8_t v[16];
		size_t n = 0;
		step(x, r, "read", bh_host_read_sync(x->fh.h, conn, 3, v, sizeof(v), &n));
		const char *wv = frag ? LONG_WRITE : "w";
		unsigned p0 = 0, p1 = 0, max = 0;
		fake_acl_stats(x->fh.f, &p0, &max);
		rc = bh_host_write_sync(x->fh.h, conn, 3, (const uint8_t *)wv, strlen(wv), true);
		fake_acl_stats(x->fh.f, &p1, &max);
		step(x, r, "write", rc);
		if (frag && (max > 27 || (rc == BH_OK && mtu == LONG_WRITE_MTU && p1 - p0 < 2)))
			unfragmented = true;
		step(x, r, "subscribe", bh_host_subscribe_sync(x->fh.h, conn, 3, false));
		send_notification(x);
		static const uint8_t ind[] = { 0x1d, 0x03, 0x00, 0x43 };
		fake_l2cap(x->fh.f, 4, ind, sizeof(ind));
		/* A controller that failed may have lost it, or its answer. */
		indicated = how < HOW_FAULT;
		fake_run(x->fh.f, 3 * BH_ATT_RETRY_MS);
		link_ends(x);
		rc = bh_host_disconnect_sync(x->fh.h, conn, 0x13, 2000);
		note(r, "disconnect", rc);
		x->disconnect_rc = rc;
		up = false;
	}
	bool held = fault_checks(x, how, started, r);
	r->failures = injected(x, how);
	r->notifications = x->notifications;
	if (held && unfragmented) {
		held = false;
		snprintf(r->why, sizeof(r->why), "the write went in one ACL packet, or one over 27");
	}
	if (!held)
		goto out;

	/* Memory is back (the controller works again): the host serves
	 * again, or said it cannot. */
	if (handed_out_unheld) {
		r->ok = 0;
		snprintf(r->why, sizeof(r->why), "connect returned a link the host does not hold");
	} else if (!started && (x->fh.fatal || how < HOW_FAULT)) {
		r->ok = fresh_host_works();
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "a fresh host did not work after it");
	} else if (!started) {
		/* The controller failed its bring-up and works again: starting
		 * once more brings the same host up. */
		rc = bh_host_start_sync(x->fh.h, 3000);
		if (rc != BH_OK)
			snprintf(r->why, sizeof(r->why), "started again: %s", bh_strerror(rc));
		else
			serves_again(x, true, r);
	} else if (x->fh.connected > x->fh.disconnected && !x->fh.fatal) {
		/* The indication is confirmed, late if memory was short (the
		 * bearer tries again). */
		fake_run(x->fh.f, 3 * BH_ATT_RETRY_MS);
		r->ok = read_works(x, conn);
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "the link is up but a read fails");
		/* A controller that lost a command is reset when the command
		 * times out, and its links end with it: the host must then
		 * serve a new one. */
		if (!r->ok && how >= HOW_FAULT &&
		    (x->fh.connected == x->fh.disconnected || x->fh.fatal))
			serves_again(x, true, r);
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
		serves_again(x, true, r);
	}
out:
	fake_host_fini(&x->fh);
	free(x);
}

typedef void (*session_fn)(long k, int how, struct report *r);

/* Runs are mostly waits (timeouts, the loop's runs): SWEEP_BATCH of them
 * at once, each with its own fake controller, and their results read in
 * order. */
#define SWEEP_BATCH 4

static pid_t start_run(session_fn run, long k, int how, struct report *r)
{
	memset(r, 0, sizeof(*r));
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka's handlers would turn a crash into a failed test in
		 * the child: the parent is to see the signal. */
		static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		alarm(20);
		run(k, how, r);
		exit(0); /* not _exit: LeakSanitizer looks at exit */
	}
	return pid;
}

static void sweep(session_fn run, int plan_how)
{
	int how = plan_how & ~HOW_FRAGMENTED; /* the names' index */
	enum fake_fault kind = fault_of(how);
	const char *what = how < HOW_FAULT ? "allocation"
			   : kind == FAKE_ACL_LOST || kind == FAKE_ACL_LOST_IN ||
					   kind == FAKE_FRAG_LOST_IN
				   ? "ACL packet"
				   : "packet";
	struct report *rs = mmap(NULL, SWEEP_BATCH * sizeof(*rs), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(rs != MAP_FAILED);
	const struct report *last = NULL;
	long k = 0;
	while (!last && k < 100000) {
		pid_t pids[SWEEP_BATCH];
		for (int i = 0; i < SWEEP_BATCH; i++)
			pids[i] = start_run(run, k + i, plan_how, &rs[i]);
		int ws[SWEEP_BATCH];
		for (int i = 0; i < SWEEP_BATCH; i++)
			assert_int_equal(waitpid(pids[i], &ws[i], 0), pids[i]);
		/* In order, up to the first run in which nothing was injected. */
		for (int i = 0; i < SWEEP_BATCH && !last; i++, k++) {
			const struct report *r = &rs[i];
			if (getenv("SESSION_SWEEP_VERBOSE"))
				fprintf(stderr, "  %s %ld%s:%s%s%s\n", what, k, how_name[how],
					r->steps, r->ok ? "" : " NOT OK: ", r->why);
			if (WIFSIGNALED(ws[i]))
				fail_msg("%s %ld%s: the session died of signal %d (%s) after%s", what,
					 k, how_name[how], WTERMSIG(ws[i]),
					 WTERMSIG(ws[i]) == SIGALRM ? "a hang" : "a crash", r->steps);
			if (!WIFEXITED(ws[i]) || WEXITSTATUS(ws[i]) != 0)
				fail_msg("%s %ld: the child exited %d", what, k, WEXITSTATUS(ws[i]));
			if (!r->ok)
				fail_msg("%s %ld%s: %s (steps:%s)", what, k, how_name[how], r->why,
					 r->steps);
			if (!r->failures)
				last = r;
		}
	}
	assert_non_null(last);
	k--; /* the run with nothing injected */
	/* A session allocates and sends more than a few times: an early end
	 * failed nothing. The whole session, nothing failing, got its
	 * notification. (A lost command waits for the next command: a
	 * peripheral's session has few.) */
	assert_true(k > (how == HOW_FAULT + FAKE_DROP - 1 ? 0 : 5));
	/* (The peripheral's: its indication confirmed.) */
	assert_int_equal(last->notifications, 1);
	print_message("  %ld %ss\n", k, what);
	munmap(rs, SWEEP_BATCH * sizeof(*rs));
}

/* ---- the peripheral's session: the fake is a central asking the host's
 * GATT server ---- */

static const struct bh_gatt_chr_def hr_chr[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37),
	  .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY | BH_GATT_CHR_INDICATE,
	  .initial = "hr", .initial_len = 2 },
};
static const struct bh_gatt_svc_def hr_svc = { .uuid = BH_UUID16_INIT(0x180d), .chrs = hr_chr,
					       .num_chrs = 1 };

/* HOW_FRAGMENTED: the same with a 60-octet value, notified and indicated
 * as long: with ATT MTU 64 and the controller's 27-octet LE buffers
 * (LE Read Buffer Size, Vol 4, Part E, 7.8.2), the read response, the
 * notification and the indication each take three ACL packets to the
 * controller; the fake's requests reach the host in packets of
 * FRAG_TO_HOST octets, so most of them are fragmented too. */
#define LONG_VALUE "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
#define FRAG_TO_HOST 5
static const struct bh_gatt_chr_def hr_chr_long[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37),
	  .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY | BH_GATT_CHR_INDICATE,
	  .initial = LONG_VALUE, .initial_len = sizeof(LONG_VALUE) - 1 },
};
static const struct bh_gatt_svc_def hr_svc_long = { .uuid = BH_UUID16_INIT(0x180d),
						    .chrs = hr_chr_long, .num_chrs = 1 };

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

static void peripheral_session(long k, int how, struct report *r)
{
	bool frag = how & HOW_FRAGMENTED;
	how &= ~HOW_FRAGMENTED;
	struct fx *x = fx_new(virtual_time());
	const struct bh_gatt_chr_def *chr = frag ? hr_chr_long : hr_chr;
	const char *nv = frag ? LONG_VALUE : "n", *iv = frag ? LONG_VALUE : "i";
	if (frag) {
		/* 27 octets, 4 packets */
		fake_set_answer(x->fh.f, 0x2002, "\x00\x1b\x00\x04", 4);
		fake_set_acl_fragment(x->fh.f, FRAG_TO_HOST);
	}
	assert_int_equal(bh_gatts_add_services(bh_host_gatt_server(x->fh.h),
					       frag ? &hr_svc_long : &hr_svc, 1),
			 BH_OK);
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), BH_OK);
	uint16_t vh = bh_gatts_value_handle(bh_host_gatt_server(x->fh.h), chr);
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
		{ "subscribe", { 0x12, (uint8_t)(lo + 1), hi, 0x03, 0x00 }, 5 },
	};
	inject(x, k, how);
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
		note(r, "notify", bh_gatts_notify(bh_host_gatt_server(x->fh.h), x->fh.conn, vh, nv,
						  strlen(nv), NULL));
	if (x->fh.connected > x->fh.disconnected) {
		/* The host's own transaction: an indication, which the fake
		 * confirms (Vol 3, Part F, 3.4.7.2-3); lost, it is the host
		 * that waits out ATT's 30 s. */
		int rc = bh_gatts_indicate(bh_host_gatt_server(x->fh.h), x->fh.conn, vh, iv,
					   strlen(iv));
		note(r, "indicate", rc);
		if (rc == BH_OK) {
			uint8_t pdu[64];
			bool got = false; /* (what else comes is the notification) */
			for (unsigned t = 0; t < 500 && !got && !x->ind_done; t += 20)
				got = fake_recv(x->fh.f, 4, pdu, sizeof(pdu), 20) > 0 && pdu[0] == 0x1d;
			if (got) {
				static const uint8_t cfm[] = { 0x1e };
				fake_l2cap(x->fh.f, 4, cfm, 1);
			}
			unsigned wait = virtual_time() ? BH_ATT_TIMEOUT_MS + 1000 : 500;
			for (unsigned t = 0; t < wait && !x->ind_done; t += 100)
				fake_run(x->fh.f, 100);
			note(r, "confirmed", !x->ind_done ? BH_EBUSY : x->ind_status);
			link_ends(x);
			r->notifications = x->ind_done && x->ind_status == BH_OK;
		}
	}
	fake_run(x->fh.f, 20);
	bool held = fault_checks(x, how, true, r);
	r->failures = injected(x, how);
	if (!held)
		goto out;

	/* Memory is back: the answer owed comes (the bearer tries it again),
	 * and the link, if the host took it, is served. */
	uint8_t rd[3] = { 0x0a, lo, hi };
	if (how >= HOW_FAULT)
		fake_run(x->fh.f, 300); /* a reset controller is brought up again */
	if (!answered && how < HOW_FAULT && answer(x, 1000) == -1) {
		/* A failed controller may have lost it; memory is no excuse. */
		snprintf(r->why, sizeof(r->why), "a request never got its answer");
	} else if (x->fh.connected > x->fh.disconnected && !x->fh.fatal) {
		r->ok = ask(x, rd, 3, 2000) == 0x0b;
		if (!r->ok)
			snprintf(r->why, sizeof(r->why), "the link is up but a read is not answered");
	} else {
		/* Refused, or gone with the link or the controller: the next
		 * link is served. */
		fake_run(x->fh.f, 3 * 100);
		serves_again(x, false, r);
	}
out:
	fake_host_fini(&x->fh);
	free(x);
}

/* A link refused for want of memory, whose Disconnect could not even be
 * queued, ends by itself before the retry; the next link gets the same
 * handle. The retry must not end that one. */
static void refused_handle_reused(void **state)
{
	(void)state;
	struct fx *x = fx_new(false);
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

/* The central_silence plan always has a command out when the controller
 * goes silent. Here it goes silent while the central's link is idle (a
 * client waiting for notifications: nothing pending, no command out, no
 * timer armed), so only the idle check can notice: Read Local Version
 * once the controller said nothing for idle_check_ms (5 s), unanswered
 * within the command timeout (2 s), then the Reset, unanswered too: fatal
 * within 9 s (architecture.md), BH_ETIMEDOUT. Then the controller works
 * again and a fresh host on it serves. */
static void central_silence_while_idle(void **state)
{
	(void)state;
	struct fx *x = fx_new(true);
	uint16_t conn = 0;
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), BH_OK);
	assert_int_equal(bh_host_connect_sync(x->fh.h, &fake_peer, 2000, &conn), BH_OK);
	assert_int_equal(bh_host_discover_sync(x->fh.h, conn), BH_OK);
	assert_int_equal(bh_host_subscribe_sync(x->fh.h, conn, 3, false), BH_OK);
	assert_true(read_works(x, conn));
	fake_run(x->fh.f, 100);
	unsigned cmds = fake_cmd_count(x->fh.f, 0), version = fake_cmd_count(x->fh.f, 0x1001),
		 resets = fake_cmd_count(x->fh.f, 0x0c03);
	fake_fault_now(x->fh.f, FAKE_CONN_HANDLE, FAKE_SILENCE);
	bh_time_ms t0 = x->fh.vnow;
	for (int t = 0; t < 9000 + 1000 && !x->fh.fatal; t += 100)
		fake_run(x->fh.f, 100);
	assert_int_equal(x->fh.fatal, 1);
	assert_true(x->fh.vnow - t0 <= 9000 + 100);
	print_message("  fatal %llu ms after the silence\n", (unsigned long long)(x->fh.vnow - t0));
	assert_int_equal(bh_host_lost(x->fh.h), BH_ETIMEDOUT);
	/* The idle check found it: the first command after the silence. */
	assert_int_equal(fake_cmd_count(x->fh.f, 0x1001), version + 1);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x0c03), resets + 1);
	assert_int_equal(fake_cmd_count(x->fh.f, 0), cmds + 2);
	assert_int_equal(x->fh.disconnected, 1); /* the link went with it */
	fake_heal(x->fh.f);
	fake_host_fini(&x->fh);
	free(x);
	assert_true(fresh_host_works());
}

struct plan {
	session_fn run;
	int how;
};

static void sweep_plan(void **state)
{
	const struct plan *p = *state;
	sweep(p->run, p->how);
}

int main(void)
{
	/* SESSION_SWEEP_K=k[,one]: that run alone, in this process (for a
	 * debugger), its steps printed. */
	const char *only = getenv("SESSION_SWEEP_K");
	if (only) {
		struct report r = { 0 };
		const char *how = strstr(only, ",how=");
		(strstr(only, ",peripheral") ? peripheral_session : session)(
			atol(only), how ? atoi(how + 5) : HOW_OOM_FROM, &r);
		printf("failures %u ok %d%s%s\nsteps:%s\n", r.failures, r.ok, r.ok ? "" : ": ",
		       r.why, r.steps);
		return r.ok ? 0 : 1;
	}
	/* SESSION_SWEEP_PLAN=pattern: the plans whose names match (cmocka's
	 * filter, '*' and '?'). */
	if (getenv("SESSION_SWEEP_PLAN"))
		cmocka_set_test_filter(getenv("SESSION_SWEEP_PLAN"));
	static const struct plan plans[] = {
		{ session, HOW_OOM_FROM },
		{ session, HOW_OOM_ALONE },
		{ session, HOW_FAULT + FAKE_DISCONNECT - 1 },
		{ session, HOW_FAULT + FAKE_CLOSE - 1 },
		{ session, HOW_FAULT + FAKE_HWERROR - 1 },
		{ session, HOW_FAULT + FAKE_DROP - 1 },
		{ session, HOW_FAULT + FAKE_SILENCE - 1 },
		{ session, HOW_FAULT + FAKE_ACL_LOST - 1 },
		{ session, HOW_FAULT + FAKE_ACL_LOST_IN - 1 },
		{ peripheral_session, HOW_OOM_FROM },
		{ peripheral_session, HOW_OOM_ALONE },
		{ peripheral_session, HOW_FAULT + FAKE_DISCONNECT - 1 },
		{ peripheral_session, HOW_FAULT + FAKE_CLOSE - 1 },
		{ peripheral_session, HOW_FAULT + FAKE_HWERROR - 1 },
		{ peripheral_session, HOW_FAULT + FAKE_DROP - 1 },
		{ peripheral_session, HOW_FAULT + FAKE_SILENCE - 1 },
		{ peripheral_session, HOW_FAULT + FAKE_ACL_LOST - 1 },
		{ peripheral_session, HOW_FAULT + FAKE_ACL_LOST_IN - 1 },
		{ peripheral_session, (HOW_FAULT + FAKE_ACL_LOST - 1) | HOW_FRAGMENTED },
		{ peripheral_session, (HOW_FAULT + FAKE_FRAG_LOST_IN - 1) | HOW_FRAGMENTED },
		{ session, (HOW_FAULT + FAKE_ACL_LOST - 1) | HOW_FRAGMENTED },
	};
#define PLAN(name, i) { name, sweep_plan, NULL, NULL, (void *)&plans[i] }
	const struct CMUnitTest tests[] = {
		PLAN("central_out_of_memory_from_each", 0),
		PLAN("central_out_of_memory_each_once", 1),
		PLAN("central_link_lost_at_each_packet", 2),
		PLAN("central_transport_closed_at_each_packet", 3),
		PLAN("central_hardware_error_at_each_packet", 4),
		PLAN("central_command_lost_at_each_packet", 5),
		PLAN("central_silence_at_each_packet", 6),
		PLAN("central_acl_lost_at_each_acl_packet", 7),
		PLAN("central_acl_to_host_lost_at_each_acl_packet", 8),
		PLAN("central_fragmented_write_acl_lost_at_each_acl_packet", 20),
		cmocka_unit_test(refused_handle_reused),
		cmocka_unit_test(central_silence_while_idle),
		PLAN("peripheral_out_of_memory_from_each", 9),
		PLAN("peripheral_out_of_memory_each_once", 10),
		PLAN("peripheral_link_lost_at_each_packet", 11),
		PLAN("peripheral_transport_closed_at_each_packet", 12),
		PLAN("peripheral_hardware_error_at_each_packet", 13),
		PLAN("peripheral_command_lost_at_each_packet", 14),
		PLAN("peripheral_silence_at_each_packet", 15),
		PLAN("peripheral_acl_lost_at_each_acl_packet", 16),
		PLAN("peripheral_acl_to_host_lost_at_each_acl_packet", 17),
		PLAN("peripheral_fragmented_acl_lost_at_each_acl_packet", 18),
		PLAN("peripheral_fragmented_acl_to_host_lost_at_each_acl_packet", 19),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
