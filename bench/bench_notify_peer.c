/* bench_notify_peer: the two ends of a notification stream as separate
 * processes on btvirt, so the same peripheral can feed a C central and a
 * Python (bleak on blehost) central (bench/bench_bleak.py).
 *
 *   bench_notify_peer peer LEN SECS      advertise the demo database as
 *       "bench-peer"; once the heart rate value is subscribed, notify LEN-byte
 *       values (sequence number first, little-endian: the central reads its
 *       low 16 bits; bench_peer.c) as fast as flow control allows
 *       (retrying on events.can_send) until the link ends or SECS pass.
 *       Prints "peer ADDR" when advertising and "sent N" at the end.
 *   bench_notify_peer central ADDR SECS  connect, discover, subscribe to the
 *       heart rate value with the C API and count notifications for SECS
 *       (from the first one); prints "central N notifications in T s, R/s,
 *       E out of order, L lost" and exits 1 if none came or any came out of
 *       order (duplicated or older than one before). Lost ones (gaps in the
 *       sequence) are counted, not fatal: btvirt drops packets a slow
 *       reader's socket cannot take, which a separate-process pair shows
 *       under load.
 *
 * Needs $BLEHOST_TRANSPORT (tests/harness/with-btvirt.sh). */
#include "bench_peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_peer(size_t len, double secs)
{
	struct bench_peer p;
	if (bench_peer_start(&p, "bench-peer", len, 0))
		return 1;
	double end = seconds() + secs;
	while (!p.gone && seconds() < end)
		bh_host_run_for(p.h, 50);
	printf("sent %llu\n", (unsigned long long)p.sent);
	bh_host_free(p.h);
	return 0;
}

struct central {
	uint16_t vh;
	uint64_t n, bad, lost;
	uint16_t next;
	double first;
};

static void central_notification(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v,
				 size_t len, bool ind)
{
	struct central *c = ctx;
	(void)conn;
	(void)ind;
	if (attr != c->vh || len < 2)
		return;
	uint16_t seq = (uint16_t)(v[0] | v[1] << 8);
	if (c->n == 0)
		c->first = seconds();
	else if (seq != c->next) {
		/* Ahead: values lost on the way (btvirt drops what a slow reader's
		 * socket cannot take); behind: duplicated or reordered. */
		uint16_t gap = (uint16_t)(seq - c->next);
		if (gap < 0x8000)
			c->lost += gap;
		else
			c->bad++;
	}
	c->next = (uint16_t)(seq + 1);
	c->n++;
}

static int run_central(const char *addr, double secs)
{
	struct central c = { 0 };
	struct bh_host_events ev = { .ctx = &c, .notification = central_notification };
	struct bh_host *h = bench_start_host(&ev, "central");
	bh_addr a;
	uint16_t conn, mtu;
	if (!h || bh_addr_parse(addr, &a) ||
	    bh_host_connect_sync(h, &a, 5000, &conn) || bh_host_exchange_mtu_sync(h, conn, &mtu) ||
	    bh_host_discover_sync(h, conn)) {
		fprintf(stderr, "central: cannot connect to %s\n", addr);
		return 1;
	}
	bh_uuid hr = bh_uuid16(0x2a37);
	const struct bh_gattc_chr *chr = bh_gattc_find_chr(bh_host_gattc(h, conn), NULL, &hr);
	if (!chr || bh_host_subscribe_sync(h, conn, chr->value_handle, false))
		return 1;
	c.vh = chr->value_handle;
	double start = seconds();
	while (!c.n && seconds() - start < 5)
		bh_host_run_for(h, 10);
	uint64_t n0 = c.n;
	double t0 = seconds();
	bh_host_run_for(h, (unsigned)(secs * 1000));
	double dt = seconds() - t0;
	uint64_t n = c.n - n0;
	printf("central %llu notifications in %.2f s, %.0f/s, %llu out of order, %llu lost\n",
	       (unsigned long long)n, dt, (double)n / dt, (unsigned long long)c.bad,
	       (unsigned long long)c.lost);
	bh_host_disconnect_sync(h, conn, 0x13, 3000);
	bh_host_free(h);
	return n && !c.bad ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "peer"))
		return run_peer((size_t)atoi(argv[2]), atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "central"))
		return run_central(argv[2], atof(argv[3]));
	fprintf(stderr, "usage: %s peer LEN SECS | central ADDR SECS\n", argv[0]);
	return 2;
}
