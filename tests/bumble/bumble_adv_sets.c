/* Live on two Bumble virtual controllers (run by with-bumble.sh with
 * BUMBLE_ARGS=--ext-adv): blehost A advertises three sets at once (its own
 * static address, two addresses of their own, one with 300 bytes of data
 * sent in two LE Set Extended Advertising Data fragments); blehost B scans
 * and must find all three, with the long payload whole; B then connects to
 * the first set over LE Extended Create Connection (checked in B's trace),
 * A's set reports it was taken by the link (Advertising Set Terminated)
 * while the other two keep advertising, and an MTU exchange crosses the
 * link both ways.
 *
 * usage: bumble_adv_sets TRACE_DIR */
#include "bumble_host.h"

#include <blehost/gap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) do { fprintf(stderr, "bumble_adv_sets: " __VA_ARGS__); fputc('\n', stderr); \
		       return 1; } while (0)

struct set {
	uint8_t handle;
	bool started, stopped;
	bh_status start_st, stop_st;
	bh_addr addr;
	uint8_t data[800];
	size_t len;
};

struct seen {
	bool found[3];
	size_t len[3];
	bool data_ok[3];
	unsigned n;
	struct set *sets;
};

static void started(void *ctx, bh_status st)
{
	struct set *s = ctx;
	s->started = true;
	s->start_st = st;
}

static void stopped(void *ctx, bh_status st)
{
	struct set *s = ctx;
	s->stopped = true;
	s->stop_st = st;
}

static void on_device(void *ctx, const struct bh_gap_device *d)
{
	struct seen *sn = ctx;
	for (int i = 0; i < 3; i++) {
		if (!bh_addr_eq(&d->addr, &sn->sets[i].addr))
			continue;
		if (!sn->found[i])
			sn->n++;
		sn->found[i] = true;
		sn->len[i] = d->adv_len;
		sn->data_ok[i] = d->adv_len == sn->sets[i].len &&
				 !memcmp(d->adv_data, sn->sets[i].data, d->adv_len);
	}
}

static void scan_done(void *ctx, bh_status st)
{
	(void)ctx;
	(void)st;
}

/* Does the btsnoop trace hold an HCI command with this opcode? */
static bool trace_has_command(const char *path, uint16_t opcode)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	uint8_t hdr[24];
	bool found = false;
	if (fread(hdr, 1, 16, f) == 16) {
		while (!found && fread(hdr, 1, 24, f) == 24) {
			uint32_t incl = (uint32_t)hdr[4] << 24 | hdr[5] << 16 | hdr[6] << 8 | hdr[7];
			uint32_t flags = hdr[11];
			uint8_t pkt[1100];
			if (incl > sizeof(pkt) || fread(pkt, 1, incl, f) != incl)
				break;
			/* H4 datalink: type 0x01 is a command (sent: flags bit 0 clear). */
			if (!(flags & 1) && incl >= 3 && pkt[0] == 0x01 &&
			    (pkt[1] | pkt[2] << 8) == opcode)
				found = true;
		}
	}
	fclose(f);
	return found;
}

static struct bh_host *open_host(struct bh_loop *loop, const char *t, const char *trace,
				 uint64_t seed)
{
	struct bh_host_config cfg;
	bumble_host_config(&cfg, loop, t, seed);
	cfg.trace_path = trace;
	return bumble_host_start(&cfg, "bumble_adv_sets");
}

struct lim {
	bool done;
	bh_status st;
	unsigned sets, max;
};

static void lim_cb(void *ctx, bh_status st, unsigned sets, unsigned max)
{
	struct lim *l = ctx;
	l->done = true;
	l->st = st;
	l->sets = sets;
	l->max = max;
}

static int run(struct bh_loop *loop, struct bh_host *a, struct bh_host *b)
{
	struct bh_gap *ga = bh_host_gap(a), *gb = bh_host_gap(b);
	struct lim l = { 0 };
	if (bh_gap_adv_read_limits(ga, lim_cb, &l))
		FAIL("no extended advertising on the Bumble controller (BUMBLE_ARGS=--ext-adv?)");
	bh_loop_run_until(loop, &l.done, 5000);
	if (!l.done || l.st || l.sets < 3 || l.max < 300)
		FAIL("controller limits: %s, %u sets, %u bytes", bh_strerror(l.st), l.sets, l.max);
	printf("controller: %u advertising sets, %u bytes of data each\n", l.sets, l.max);

	static struct set sets[3];
	static const char *names[3] = { "adv14-one", "adv14-two", "adv14-three" };
	for (int i = 0; i < 3; i++) {
		struct set *s = &sets[i];
		struct bh_ad_builder bld;
		bh_ad_build_init(&bld, s->data, sizeof(s->data));
		if (i < 2)
			bh_ad_add_flags(&bld, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
		bh_ad_add_name(&bld, names[i], true);
		if (i == 2) { /* far past 31 bytes */
			uint8_t pad[200];
			for (size_t k = 0; k < sizeof(pad); k++)
				pad[k] = (uint8_t)k;
			bh_ad_add_manufacturer(&bld, 0xffff, pad, sizeof(pad));
		}
		s->len = bld.len;
		struct bh_gap_adv_set_params p = {
			.adv = { .kind = i < 2 ? BH_GAP_ADV_CONN : BH_GAP_ADV_NONCONN,
				 .data = s->data, .data_len = s->len, .interval_min = 0x20,
				 .on_stopped = stopped, .ctx = s },
			.sid = (uint8_t)i,
		};
		if (i) { /* addresses of their own, random static */
			p.addr.type = BH_ADDR_RANDOM;
			uint8_t v[6] = { (uint8_t)i, 0x14, 0xad, 0x00, 0x00, 0xc0 };
			memcpy(p.addr.val, v, 6);
		}
		int rc = bh_gap_adv_set_start(ga, &p, &s->handle, started, s);
		if (rc)
			FAIL("set %d: %s", i + 1, bh_strerror(rc));
		bh_loop_run_until(loop, &s->started, 5000);
		if (!s->started || s->start_st)
			FAIL("set %d did not start: %s", i + 1, bh_strerror(s->start_st));
		s->addr = bh_gap_adv_set_address(ga, s->handle);
		char ab[BH_ADDR_STRLEN];
		printf("set %u: %s %s, %zu bytes\n", s->handle, bh_addr_str(&s->addr, ab), names[i],
		       s->len);
	}

	struct seen sn = { .sets = sets };
	struct bh_gap_scan_params sp = { .active = true, .timeout_ms = 10000, .on_device = on_device,
					 .on_done = scan_done, .ctx = &sn };
	if (bh_gap_scan_start(gb, &sp))
		FAIL("scan");
	bh_time_ms t0 = bh_now(bh_host_env(b));
	for (int k = 0; k < 100 && sn.n < 3; k++) {
		bool never = false;
		bh_loop_run_until(loop, &never, 100);
	}
	bh_time_ms took = bh_now(bh_host_env(b)) - t0;
	bh_gap_scan_stop(gb);
	bool never = false;
	bh_loop_run_until(loop, &never, 200);
	for (int i = 0; i < 3; i++) {
		if (!sn.found[i])
			FAIL("set %d (%s) not found by the scanner", i + 1, names[i]);
		if (!sn.data_ok[i])
			FAIL("set %d: scanner got %zu bytes, %zu sent, or other bytes", i + 1, sn.len[i],
			     sets[i].len);
	}
	printf("scanner found all 3 sets in %llu ms (set 3: %zu bytes whole)\n",
	       (unsigned long long)took, sn.len[2]);

	/* A fourth set with 600 bytes: three LE Set Extended Advertising Data
	 * fragments (first, intermediate, last) the controller accepts.
	 * Bumble's scanner sends each report in one event, so it cannot show
	 * more than 229 bytes: this one is started after the scan. */
	static struct set big;
	struct bh_ad_builder bb;
	bh_ad_build_init(&bb, big.data, sizeof(big.data));
	static const uint8_t zeros[250];
	while (bb.len < 350 && !bh_ad_add_manufacturer(&bb, 0xffff, zeros, 250))
		;
	big.len = bb.len;
	struct bh_gap_adv_set_params bp = {
		.adv = { .kind = BH_GAP_ADV_NONCONN, .data = big.data, .data_len = big.len,
			 .on_stopped = stopped, .ctx = &big },
		.sid = 3,
		.addr = { BH_ADDR_RANDOM, { 4, 0x14, 0xad, 0x00, 0x00, 0xc0 } },
	};
	if (bh_gap_adv_set_start(ga, &bp, &big.handle, started, &big))
		FAIL("set 4");
	bh_loop_run_until(loop, &big.started, 5000);
	if (!big.started || big.start_st)
		FAIL("set 4 (%zu bytes) did not start: %s", big.len, bh_strerror(big.start_st));
	printf("set %u: %zu bytes in %zu fragments accepted\n", big.handle, big.len,
	       (big.len + 250) / 251);
	bh_gap_adv_set_stop(ga, big.handle);

	uint16_t conn;
	int rc = bh_host_connect_sync(b, &sets[0].addr, 10000, &conn);
	if (rc)
		FAIL("connect to set 1: %s", bh_strerror(rc));
	bh_loop_run_until(loop, &sets[0].stopped, 5000);
	if (!sets[0].stopped || sets[0].stop_st != BH_OK)
		FAIL("set 1 not ended by the connection (%s)", bh_strerror(sets[0].stop_st));
	if (sets[1].stopped || sets[2].stopped || !bh_gap_adv_set_active(ga, sets[1].handle) ||
	    !bh_gap_adv_set_active(ga, sets[2].handle))
		FAIL("sets 2 and 3 should still advertise");
	if (bh_gap_conn_count(ga) != 1)
		FAIL("peripheral has %zu links", bh_gap_conn_count(ga));
	const struct bh_gap_conn *pc = bh_gap_conn_at(ga, 0);
	if (bh_gap_conn_adv_handle(ga, pc->handle) != sets[0].handle)
		FAIL("the link is not attributed to set 1");
	if (!bh_addr_eq(&pc->local, &sets[0].addr))
		FAIL("the link's local address is not set 1's");
	uint16_t mtu = 0;
	if ((rc = bh_host_exchange_mtu_sync(b, conn, &mtu)))
		FAIL("MTU exchange over the link: %s", bh_strerror(rc));
	printf("connected to set 1 over the extended path, MTU %u; sets 2 and 3 still on\n", mtu);
	bh_host_disconnect_sync(b, conn, 0x13, 5000);
	for (int i = 1; i < 3; i++)
		bh_gap_adv_set_stop(ga, sets[i].handle);
	bh_loop_run_until(loop, &never, 300);
	return 0;
}

/* After the hosts are freed, their traces are complete. */
static int check_trace(const char *trace_b)
{
	if (!trace_has_command(trace_b, BH_HCI_LE_EXT_CREATE_CONN))
		FAIL("the central did not use LE Extended Create Connection");
	if (trace_has_command(trace_b, BH_HCI_LE_CREATE_CONN))
		FAIL("the central used LE Create Connection");
	return 0;
}

int main(int argc, char **argv)
{
	const char *t0 = getenv("BUMBLE_T0"), *t1 = getenv("BUMBLE_T1");
	if (argc < 2 || !t0 || !t1) {
		fprintf(stderr, "usage: with-bumble.sh bumble_adv_sets TRACE_DIR\n");
		return 2;
	}
	char ta[512], tb[512];
	snprintf(ta, sizeof(ta), "%s/bumble-adv-sets-peripheral.btsnoop", argv[1]);
	snprintf(tb, sizeof(tb), "%s/bumble-adv-sets-central.btsnoop", argv[1]);
	struct bh_loop *loop = bh_loop_new();
	struct bh_host *a = loop ? open_host(loop, t0, ta, 1) : NULL;
	struct bh_host *b = a ? open_host(loop, t1, tb, 2) : NULL;
	int rc = b ? run(loop, a, b) : 1;
	bh_host_free(b);
	bh_host_free(a);
	bh_loop_free(loop);
	if (!rc)
		rc = check_trace(tb);
	if (!rc)
		printf("ok\n");
	return rc;
}
