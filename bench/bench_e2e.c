/* bench_e2e: whole-process figures of two blehost programs on btvirt, the
 * way an application pays for the stack (run loop, transport I/O, libc,
 * the dynamic linker, libcrypto). bench/run_e2e.sh runs it under callgrind
 * and massif and without a tool; bench/README.md explains the figures.
 *
 *   bench_e2e startup            bh_host_new + bh_host_start_sync (default
 *       config), then exit at once: whole-process instructions to
 *       "controller ready".
 *   bench_e2e peer N LEN [HASH_DIR]   advertise the demo database; once the
 *       heart rate value is subscribed, send exactly N notifications of LEN
 *       value bytes (32-bit sequence number first; bench_peer.c) as fast as
 *       flow control allows; half a second after the last one the central
 *       has had them all (or btvirt dropped some): disconnect. HASH_DIR
 *       (bh_host_config.db_hash_dir): keep the Database Hash there, so a
 *       second start with the same database serves it without computing
 *       it (and without loading libcrypto: libcrypto=0 in its line).
 *       built instead of HASH_DIR: no directory, but the hash made for the
 *       demo database when this program was built (bench_db_hash.c,
 *       bh_host_config.db_hash_known), so even a first start computes none.
 *   bench_e2e central ADDR N     connect, exchange MTU, discover the demo
 *       database, subscribe to the heart rate value, receive until the
 *       notification numbered N-1 arrives or the peer disconnects.
 *   bench_e2e central2 ADDR ADDR N   the same with two peers at once (two
 *       links on one controller: btvirt needs its handle proxy), for the
 *       heap one more link costs.
 *
 * Both ends print one key=value line at the end (counts, rate, peak RSS,
 * heap in use while connected) and exit 1 unless the work was done: every
 * notification sent, some received, none out of order. Lost ones
 * (btvirt drops what a reader's socket cannot take) are counted and
 * reported so the per-notification division can use what arrived.
 *
 * Needs $BLEHOST_TRANSPORT (tests/harness/with-btvirt.sh). */
#include "bench_peer.h"
#include "no_libcrypto.h"

/* The demo database's gatt_db_hash file, made at build time
 * (bench_db_hash.c, embedded by tools/embed_text.py). */
extern const char demo_db_hash[];
extern const size_t demo_db_hash_len;

#include <blehost/bh_bytes.h>

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

/* ---- peer: the notifying side (bench_peer.c) ---- */

static int run_peer(uint32_t n, size_t len, const char *hash_dir)
{
	struct bh_host_config cfg;
	bench_host_config(&cfg, hash_dir);
	if (hash_dir && !strcmp(hash_dir, "built")) {
		cfg.db_hash_dir = NULL;
		cfg.db_hash_known = (const uint8_t *)demo_db_hash;
		cfg.db_hash_known_len = demo_db_hash_len;
	}
	struct bench_peer p;
	if (bench_peer_start(&p, "bench-e2e", len, n, &cfg))
		return 1;
	uint64_t seen = 0;
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
			fprintf(stderr, "peer: stalled after %llu of %u\n", (unsigned long long)p.sent, n);
			break;
		}
	}
	printf("mode=e2e_peer sent=%llu of=%u peak_rss_kb=%ld libcrypto=%d\n",
	       (unsigned long long)p.sent, n, peak_rss_kb(), libcrypto_mapped());
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
	uint32_t seq = bh_get32(v);
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
	struct bh_host *h = bench_start_host(&ev, "central", NULL);
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

/* ---- central with two links: the heap one more link costs ---- */

struct central2 {
	struct central c[2];
	uint16_t conn[2];
};

static struct central *central2_of(struct central2 *c2, uint16_t conn)
{
	return conn == c2->conn[0] ? &c2->c[0] : conn == c2->conn[1] ? &c2->c[1] : NULL;
}

static void central2_notification(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v,
				  size_t len, bool ind)
{
	struct central *c = central2_of(ctx, conn);
	if (c)
		central_notification(c, conn, attr, v, len, ind);
}

static void central2_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct central *c = central2_of(ctx, conn);
	if (c)
		central_disconnected(c, conn, reason);
}

/* As central, with two peers at once: connect to both, exchange MTU,
 * discover both databases, subscribe to both, receive from both. */
static int run_central2(const char *addr0, const char *addr1, uint32_t n)
{
	struct central2 c2 = { .c = { { .n = n }, { .n = n } }, .conn = { 0xffff, 0xffff } };
	struct bh_host_events ev = { .ctx = &c2, .notification = central2_notification,
				     .disconnected = central2_disconnected };
	struct bh_host *h = bench_start_host(&ev, "central2", NULL);
	if (!h)
		return 1;
	const char *addr[2] = { addr0, addr1 };
	for (int i = 0; i < 2; i++) {
		bh_addr a;
		uint16_t mtu;
		if (bh_addr_parse(addr[i], &a) || bh_host_connect_sync(h, &a, 10000, &c2.conn[i]) ||
		    bh_host_exchange_mtu_sync(h, c2.conn[i], &mtu) ||
		    bh_host_discover_sync(h, c2.conn[i])) {
			fprintf(stderr, "central2: cannot connect to %s\n", addr[i]);
			return 1;
		}
	}
	bh_uuid hr = bh_uuid16(0x2a37);
	for (int i = 0; i < 2; i++) {
		const struct bh_gattc_chr *chr =
			bh_gattc_find_chr(bh_host_gattc(h, c2.conn[i]), NULL, &hr);
		if (!chr)
			return 1;
		c2.c[i].vh = chr->value_handle;
	}
	size_t heap = mallinfo2().uordblks;
	for (int i = 0; i < 2; i++)
		if (bh_host_subscribe_sync(h, c2.conn[i], c2.c[i].vh, false))
			return 1;
	double last = seconds();
	uint32_t seen = 0;
	while ((!c2.c[0].done && !c2.c[0].gone) || (!c2.c[1].done && !c2.c[1].gone)) {
		bh_host_run_for(h, 50);
		double t = seconds();
		if (c2.c[0].got + c2.c[1].got != seen) {
			seen = c2.c[0].got + c2.c[1].got;
			last = t;
		} else if (t - last > STALL_S) {
			fprintf(stderr, "central2: stalled after %u of %u\n", seen, 2 * n);
			break;
		}
	}
	printf("mode=e2e_central2 received=%u,%u of=%u lost=%u,%u out_of_order=%u "
	       "heap_connected_bytes=%zu peak_rss_kb=%ld\n",
	       c2.c[0].got, c2.c[1].got, n, c2.c[0].lost, c2.c[1].lost, c2.c[0].bad + c2.c[1].bad,
	       heap, peak_rss_kb());
	for (int i = 0; i < 2; i++)
		if (!c2.c[i].gone)
			bh_host_disconnect_sync(h, c2.conn[i], 0x13, 3000);
	bh_host_free(h);
	return c2.c[0].got && c2.c[1].got && !c2.c[0].bad && !c2.c[1].bad ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "startup")) {
		struct bh_host_events ev = { 0 };
		if (!bench_start_host(&ev, "startup", NULL))
			return 1;
		/* Stop the count at "controller ready": tear-down is not start-up. */
		fflush(stdout);
		_exit(0);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "peer"))
		return run_peer((uint32_t)strtoul(argv[2], NULL, 10), (size_t)atoi(argv[3]),
				argc == 5 ? argv[4] : NULL);
	if (argc == 4 && !strcmp(argv[1], "central"))
		return run_central(argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc == 5 && !strcmp(argv[1], "central2"))
		return run_central2(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 10));
	fprintf(stderr, "usage: %s startup | peer N LEN [HASH_DIR|built] | central ADDR N | central2 ADDR ADDR N\n",
		argv[0]);
	return 2;
}
