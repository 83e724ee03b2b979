/* bench_e2e: whole-process figures of two blehost programs on btvirt, the
 * way an application pays for the stack (run loop, transport I/O, libc,
 * the dynamic linker, libcrypto). bench/run_e2e.sh runs it under callgrind
 * and massif and without a tool; bench/README.md explains the figures.
 *
 *   bench_e2e startup            bh_host_new + bh_host_start_sync (default
 *       config), then exit at once: whole-process instructions to
 *       "controller ready".
 *   bench_e2e peer N LEN         advertise the demo database; once the heart
 *       rate value is subscribed, send exactly N notifications of LEN value
 *       bytes (32-bit sequence number first) as fast as flow control
 *       allows; half a second after the last one the central has had
 *       them all (or btvirt dropped some): disconnect.
 *   bench_e2e central ADDR N     connect, exchange MTU, discover the demo
 *       database, subscribe to the heart rate value, receive until the
 *       notification numbered N-1 arrives or the peer disconnects.
 *
 * Both ends print one key=value line at the end (counts, rate, peak RSS,
 * heap in use while connected) and exit 1 unless the work was done: every
 * notification sent, some received, none out of order. Lost ones
 * (btvirt drops what a reader's socket cannot take) are counted and
 * reported so the per-notification division can use what arrived.
 *
 * Needs $BLEHOST_TRANSPORT (tests/harness/with-btvirt.sh). */
#include <blehost/blehost.h>
#include "demo_db.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* A run that makes no progress for this long fails instead of hanging
 * (generous: under callgrind both ends run ~50 times slower). */
#define STALL_S 60.0

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static struct bh_host *start_host(const struct bh_host_events *ev, const char *who)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, ev, err, sizeof(err));
	if (!h || bh_host_start_sync(h, 10000)) {
		fprintf(stderr, "%s: %s\n", who, h ? "bring-up failed" : err);
		if (h)
			bh_host_free(h);
		return NULL;
	}
	return h;
}

/* ---- peer: the notifying side ---- */

struct peer {
	struct bh_host *h;
	struct demo_handles dh;
	uint16_t conn;
	bool subscribed, gone;
	bool in_send; /* can_send may fire from inside bh_gatts_notify */
	size_t len;
	uint32_t n, sent;
};

static void peer_send(struct peer *p)
{
	uint8_t v[512] = { 0 };
	if (p->in_send)
		return;
	p->in_send = true;
	while (p->subscribed && !p->gone && p->sent < p->n) {
		memcpy(v, &p->sent, sizeof(p->sent));
		int rc = bh_gatts_notify(bh_host_gatt_server(p->h), p->conn, p->dh.heart_rate, v,
					 p->len, NULL);
		if (rc == BH_EBUSY)
			break; /* events.can_send calls again */
		if (rc) {
			fprintf(stderr, "peer: notify: %s\n", bh_strerror(rc));
			p->gone = true;
			break;
		}
		p->sent++;
	}
	p->in_send = false;
}

static void peer_subscription(void *ctx, uint16_t conn, uint16_t vh, uint16_t value)
{
	struct peer *p = ctx;
	if (vh != p->dh.heart_rate)
		return;
	p->conn = conn;
	p->subscribed = value & 1;
	peer_send(p);
}

static void peer_can_send(void *ctx, uint16_t conn)
{
	(void)conn;
	peer_send(ctx);
}

static void peer_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct peer *p = ctx;
	(void)conn;
	(void)reason;
	if (p->subscribed || p->sent)
		p->gone = true;
	p->subscribed = false;
}

static int run_peer(uint32_t n, size_t len)
{
	struct peer p = { .n = n, .len = len };
	struct bh_host_events ev = { .ctx = &p, .subscription = peer_subscription,
				     .can_send = peer_can_send, .disconnected = peer_disconnected };
	if (len < 4 || len > 512 || !(p.h = start_host(&ev, "peer")))
		return 1;
	if (demo_db_add(bh_host_gatt_server(p.h), &p.dh))
		return 1;
	uint8_t adv[31];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, adv, sizeof(adv));
	bh_ad_add_flags(&b, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_name(&b, "bench-e2e", true);
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN, .data = adv, .data_len = b.len };
	if (bh_gap_adv_start(bh_host_gap(p.h), &ap, NULL, NULL))
		return 1;
	char a[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(p.h));
	printf("peer %s\n", bh_addr_str_bare(&own, a));
	fflush(stdout);
	uint32_t seen = 0;
	double last = seconds();
	bool hung_up = false;
	while (!p.gone) {
		bh_host_run_for(p.h, 50);
		double t = seconds();
		if (p.sent != seen) {
			seen = p.sent;
			last = t;
		} else if (p.sent == n && !hung_up && t - last > 0.5) {
			/* The central may have lost the last one: end the run. */
			hung_up = true;
			bh_host_disconnect_sync(p.h, p.conn, 0x13, 3000);
		} else if (t - last > STALL_S) {
			fprintf(stderr, "peer: stalled after %u of %u\n", p.sent, n);
			break;
		}
	}
	printf("mode=e2e_peer sent=%u of=%u peak_rss_kb=%ld\n", p.sent, n, peak_rss_kb());
	bh_host_free(p.h);
	return p.sent == n ? 0 : 1;
}

/* ---- central: the receiving side ---- */

struct central {
	uint16_t vh;
	uint32_t n, got, lost, bad, next;
	bool done, gone;
	double first, last;
};

static void central_notification(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v,
				 size_t len, bool ind)
{
	struct central *c = ctx;
	(void)conn;
	(void)ind;
	if (attr != c->vh || len < 4)
		return;
	uint32_t seq;
	memcpy(&seq, v, sizeof(seq));
	c->last = seconds();
	if (c->got++ == 0)
		c->first = c->last;
	if (seq < c->next)
		c->bad++;
	else
		c->lost += seq - c->next;
	c->next = seq + 1;
	if (seq + 1 >= c->n)
		c->done = true;
}

static void central_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct central *c = ctx;
	(void)conn;
	(void)reason;
	c->gone = true;
}

static int run_central(const char *addr, uint32_t n)
{
	struct central c = { .n = n };
	struct bh_host_events ev = { .ctx = &c, .notification = central_notification,
				     .disconnected = central_disconnected };
	struct bh_host *h = start_host(&ev, "central");
	bh_addr a;
	uint16_t conn, mtu;
	if (!h || bh_addr_parse(addr, &a) || bh_host_connect_sync(h, &a, 10000, &conn) ||
	    bh_host_exchange_mtu_sync(h, conn, &mtu) || bh_host_discover_sync(h, conn)) {
		fprintf(stderr, "central: cannot connect to %s\n", addr);
		return 1;
	}
	bh_uuid hr = bh_uuid16(0x2a37);
	const struct bh_gattc_chr *chr = bh_gattc_find_chr(bh_host_gattc(h, conn), NULL, &hr);
	if (!chr)
		return 1;
	c.vh = chr->value_handle;
	/* Heap of a connected process: one link, demo database discovered. */
	size_t heap = mallinfo2().uordblks;
	if (bh_host_subscribe_sync(h, conn, chr->value_handle, false))
		return 1;
	double last = seconds();
	uint32_t seen = 0;
	while (!c.done && !c.gone) {
		bh_host_run_for(h, 50);
		double t = seconds();
		if (c.got != seen) {
			seen = c.got;
			last = t;
		} else if (t - last > STALL_S) {
			fprintf(stderr, "central: stalled after %u of %u\n", c.got, n);
			break;
		}
	}
	double dt = c.last - c.first;
	printf("mode=e2e_central received=%u of=%u lost=%u out_of_order=%u secs=%.3f "
	       "packets_per_s=%.0f heap_connected_bytes=%zu peak_rss_kb=%ld\n",
	       c.got, n, c.lost, c.bad, dt, c.got > 1 && dt > 0 ? (c.got - 1) / dt : 0.0, heap,
	       peak_rss_kb());
	if (!c.gone)
		bh_host_disconnect_sync(h, conn, 0x13, 3000);
	bh_host_free(h);
	return c.got && !c.bad ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "startup")) {
		struct bh_host_events ev = { 0 };
		if (!start_host(&ev, "startup"))
			return 1;
		/* Stop the count at "controller ready": tear-down is not start-up. */
		fflush(stdout);
		_exit(0);
	}
	if (argc == 4 && !strcmp(argv[1], "peer"))
		return run_peer((uint32_t)strtoul(argv[2], NULL, 10), (size_t)atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "central"))
		return run_central(argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: %s startup | peer N LEN | central ADDR N\n", argv[0]);
	return 2;
}
