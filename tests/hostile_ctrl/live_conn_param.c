/* live_conn_param: a peer starts a link-layer connection parameter update,
 * live on btvirt (run under tests/harness/with-btvirt.sh). Two hosts on one
 * loop, each on its own virtual controller: the central asks for new
 * parameters with LE Connection Update; both controllers support the
 * Connection Parameters Request procedure, so the peripheral's controller
 * raises LE Remote Connection Parameter Request (Vol 4, Part E, 7.7.65.6)
 * and waits for its host. Then the roles swap: with the peripheral's limits
 * narrowed, the same request is refused. Exit 0 when every check holds.
 *
 * Checks: the peripheral answered (its log says so, in a build with info
 * messages: -Dlog_level=debug or info), LE Connection Update
 * Complete came to both hosts with the parameters asked for, reported in
 * milliseconds; with limits that exclude them, the central's update fails
 * with Unacceptable Connection Parameters (0x3B) and nothing changes. */
#include <blehost/gap.h>
#include <blehost/hci.h>
#include <blehost/host.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct side {
	const char *name;
	struct bh_host *h;
	unsigned connected, updated, answered, refused;
	uint16_t conn;
	bh_status upd_status;
	double interval_ms;
	unsigned timeout_ms;
};

static int failures;
#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
			failures++;                                                \
		}                                                                  \
	} while (0)

static void ev_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct side *s = ctx;
	(void)central;
	(void)peer;
	s->connected++;
	s->conn = handle;
}

static void ev_updated(void *ctx, uint16_t handle, bh_status st, double interval_ms,
		       uint16_t latency, unsigned timeout_ms)
{
	struct side *s = ctx;
	(void)handle;
	(void)latency;
	s->updated++;
	s->upd_status = st;
	s->interval_ms = interval_ms;
	s->timeout_ms = timeout_ms;
	fprintf(stderr, "  %s: update %s, %.2f ms, timeout %u ms\n", s->name, bh_strerror(st),
		interval_ms, timeout_ms);
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct side *s = ctx;
	if (strstr(msg, "peer's parameters accepted"))
		s->answered++;
	if (strstr(msg, "peer's parameters refused"))
		s->refused++;
	if (lvl <= BH_LOG_WARN || getenv("LIVE_VERBOSE"))
		fprintf(stderr, "  [%s %s] %s\n", s->name, layer, msg);
}

static struct bh_host *open_host(struct side *s, struct bh_loop *loop, uint16_t max_interval)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.loop = loop;
	cfg.store_dir = "";
	cfg.log_level = BH_LOG_INFO;
	cfg.peer_conn_limits.interval_max_ms = max_interval * 1.25;
	struct bh_host_events ev = { .ctx = s, .connected = ev_connected,
				     .conn_updated = ev_updated, .log = ev_log };
	char err[256] = "";
	s->h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!s->h || bh_host_start_sync(s->h, 5000)) {
		fprintf(stderr, "%s: %s\n", s->name, s->h ? "bring-up failed" : err);
		exit(1);
	}
	return s->h;
}

static void wait_for(struct bh_loop *loop, const unsigned *count, unsigned want)
{
	for (int i = 0; i < 300 && *count < want; i++) {
		bool never = false;
		bh_loop_run_until(loop, &never, 10);
	}
}

struct upd {
	bool done;
	bh_status st;
};

static void upd_done(void *ctx, bh_status st)
{
	struct upd *u = ctx;
	u->done = true;
	u->st = st;
}

int main(void)
{
	if (!getenv("BLEHOST_TRANSPORT")) {
		fprintf(stderr, "needs BLEHOST_TRANSPORT (run under with-btvirt.sh)\n");
		return 77;
	}
	struct bh_loop *loop = bh_loop_new();
	/* The peripheral accepts intervals up to 40 (50 ms). */
	struct side c = { .name = "central" }, p = { .name = "peripheral" };
	open_host(&c, loop, 0);
	open_host(&p, loop, 40);
	const struct bh_hci_info *pi = bh_hci_info(bh_host_hci(p.h));
	const struct bh_hci_info *ci = bh_hci_info(bh_host_hci(c.h));
	if (!(pi->le_features[0] & 0x02) || !(ci->le_features[0] & 0x02)) {
		fprintf(stderr, "the controller lacks the Connection Parameters Request procedure\n");
		return 77;
	}
	uint8_t ad[] = { 0x02, 0x01, 0x06 };
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN, .data = ad, .data_len = 3 };
	CHECK(bh_gap_adv_start(bh_host_gap(p.h), &ap, NULL, NULL) == 0);
	bh_host_run_for(p.h, 200);
	bh_addr peer = pi->bdaddr;
	uint16_t conn = 0;
	CHECK(bh_host_connect_sync(c.h, &peer, 5000, &conn) == 0);
	wait_for(loop, &p.connected, 1);
	CHECK(p.connected == 1);
	bh_host_run_for(c.h, 300);

	/* Inside the peripheral's limits: 30-45 ms, 4 s. */
	struct bh_gap_conn_params want = { .interval_min = 24, .interval_max = 36,
					   .supervision_timeout = 400 };
	struct upd u = { 0 };
	CHECK(bh_gap_conn_update(bh_host_gap(c.h), conn, &want, upd_done, &u) == 0);
	wait_for(loop, &p.updated, 1);
	wait_for(loop, &c.updated, 1);
	CHECK(p.answered == 1 || !BH_LOG_ON(BH_LOG_INFO));
	CHECK(u.done && u.st == BH_OK);
	CHECK(p.updated == 1 && p.upd_status == BH_OK);
	CHECK(c.updated == 1 && c.upd_status == BH_OK);
	CHECK(p.interval_ms >= 30.0 && p.interval_ms <= 45.0 && p.timeout_ms == 4000);
	CHECK(c.interval_ms == p.interval_ms);

	/* Beyond them: 100 ms is refused by the peripheral's host. */
	struct bh_gap_conn_params slow = { .interval_min = 80, .interval_max = 80,
					   .supervision_timeout = 400 };
	struct upd u2 = { 0 };
	double before = c.interval_ms;
	CHECK(bh_gap_conn_update(bh_host_gap(c.h), conn, &slow, upd_done, &u2) == 0);
	wait_for(loop, &c.updated, 2);
	CHECK(p.refused == 1 || !BH_LOG_ON(BH_LOG_INFO));
	CHECK(u2.done && u2.st == BH_HCI_STATUS(0x3b));
	CHECK(c.updated == 2 && c.upd_status == BH_HCI_STATUS(0x3b) && c.interval_ms == before);

	bh_host_disconnect_sync(c.h, conn, 0x13, 2000);
	bh_host_free(c.h);
	bh_host_free(p.h);
	bh_loop_free(loop);
	fprintf(stderr, "%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
