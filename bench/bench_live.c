/* bench_live: figures that need real controllers (btvirt), two blehost
 * hosts in one process (livepair.c). Run under with-btvirt.sh:
 *
 *   bench_live ram                 heap bytes: fixed per host, per slot, per link
 *   bench_live discovery MTU       full discovery of the demo database
 *   bench_live notify LEN [SECS]   notification throughput, value LEN bytes
 *   bench_live wcmd LEN [SECS]     Write Without Response throughput
 *
 * Each prints one line of key=value pairs for run.sh. Exit 1 when the
 * procedure failed or data arrived out of order, so a figure is never
 * printed for a run that did not work.
 */
#include "livepair.h"

#include <blehost/gatt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rc)
{
	fprintf(stderr, "bench_live: FAIL: %s: %s\n", what, rc ? bh_strerror(rc) : "");
	return 1;
}

/* ---- RAM ---- */

/* Heap bytes a default host takes (its own loop, transport, every layer's
 * pools), with max_connections slots. */
static long host_heap(unsigned max_conns, size_t *out)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	cfg.max_connections = max_conns;
	size_t before = lp_heap_in_use();
	char err[256] = "";
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "bench_live: host: %s\n", err);
		return -1;
	}
	int rc = bh_host_start_sync(h, 5000);
	*out = lp_heap_in_use() - before;
	bh_host_free(h);
	return rc ? -1 : 0;
}

static int run_ram(void)
{
	size_t fixed8 = 0, fixed16 = 0, warm = 0;
	/* The first host pays for one-off allocations (stdio, libcrypto). */
	if (host_heap(8, &warm) || host_heap(8, &fixed8) || host_heap(16, &fixed16))
		return fail("host bring-up", 0);
	struct lp lp;
	if (lp_open(&lp, 0))
		return fail("pair", 0);
	uint16_t conn = 0;
	/* Warm-up links, each doing what the measured one does: the first ones
	 * grow the loop's timer and fd tables, the allocator's free lists and
	 * the pools (which keep the blocks they grew, bounded by their limits)
	 * and the connection slots (each slot's state is made at its first
	 * link and kept for the next) to their working size. Measured on
	 * btvirt: the heap after a cycle grows until the sixth, then stays
	 * flat (so does the soak test's). */
	int rc = 0;
	for (int i = 0; i < 8 && !rc; i++) {
		rc = lp_connect(&lp, &conn);
		if (!rc) {
			uint16_t m = 0;
			bh_host_exchange_mtu_sync(lp.central.h, conn, &m);
			rc = bh_host_discover_sync(lp.central.h, conn);
		}
		if (!rc)
			rc = lp_disconnect(&lp, conn);
	}
	if (rc)
		return fail("warm-up connect", rc);
	lp_run_for(&lp, 50);
	size_t h0 = lp_heap_in_use();
	rc = lp_connect(&lp, &conn);
	if (rc)
		return fail("connect", rc);
	lp_run_for(&lp, 50);
	size_t h1 = lp_heap_in_use();
	uint16_t mtu = 0;
	bh_host_exchange_mtu_sync(lp.central.h, conn, &mtu);
	rc = bh_host_discover_sync(lp.central.h, conn);
	if (rc)
		return fail("discover", rc);
	size_t h2 = lp_heap_in_use();
	rc = lp_disconnect(&lp, conn);
	if (rc)
		return fail("disconnect", rc);
	lp_run_for(&lp, 50);
	size_t h3 = lp_heap_in_use();
	lp_close(&lp);
	/* The link's bytes are for both ends (central and peripheral run the
	 * same per-connection code in host_conn.c). */
	printf("mode=ram host_fixed_bytes=%zu per_slot_bytes=%zu link_both_ends_bytes=%zu "
	       "per_connection_bytes=%zu after_discovery_bytes=%zu leaked_after_disconnect=%ld\n",
	       fixed8, (fixed16 - fixed8) / 8, h1 - h0, (h1 - h0) / 2, h2 - h0,
	       (long)h3 - (long)h0);
	return h3 == h0 ? 0 : fail("heap did not return to its level after disconnect", 0);
}

/* ---- discovery ---- */

static int run_discovery(uint16_t want_mtu)
{
	struct lp lp;
	if (lp_open(&lp, want_mtu))
		return fail("pair", 0);
	uint16_t conn = 0, mtu = 0;
	int rc = lp_connect(&lp, &conn);
	if (rc)
		return fail("connect", rc);
	rc = bh_host_exchange_mtu_sync(lp.central.h, conn, &mtu);
	if (rc || mtu != want_mtu)
		return fail("MTU exchange", rc);
	struct bh_gattc *g = bh_host_gattc(lp.central.h, conn);
	bh_gattc_stats_reset(g);
	double t0 = lp_seconds();
	rc = bh_host_discover_sync(lp.central.h, conn);
	double t1 = lp_seconds();
	if (rc)
		return fail("discover", rc);
	const struct bh_gattc_stats *st = bh_gattc_stats(g);
	unsigned svcs = bh_gattc_service_count(g), chrs = bh_gattc_chr_count(g);
	printf("mode=discovery mtu=%u requests=%u ms=%.1f services=%u characteristics=%u\n", mtu,
	       st->requests, (t1 - t0) * 1000, svcs, chrs);
	rc = lp_disconnect(&lp, conn);
	lp_close(&lp);
	/* The demo database: GAP, GATT, Heart Rate, Battery, Device
	 * Information and the demo service. */
	if (svcs < 6 || chrs < 10)
		return fail("discovery found less than the demo database", 0);
	return rc ? fail("disconnect", rc) : 0;
}

/* ---- throughput ---- */

static int run_stream(bool notify, size_t len, double secs)
{
	struct lp lp;
	if (lp_open(&lp, 0))
		return fail("pair", 0);
	uint16_t conn = 0, mtu = 0;
	int rc = lp_connect(&lp, &conn);
	if (!rc)
		rc = bh_host_exchange_mtu_sync(lp.central.h, conn, &mtu);
	if (rc)
		return fail("connect/MTU", rc);
	if (len > (size_t)mtu - 3)
		len = (size_t)mtu - 3;
	struct lp_role *rx = notify ? &lp.central : &lp.peripheral;
	struct lp_role *tx = notify ? &lp.peripheral : &lp.central;
	const uint64_t *pkts = notify ? &rx->notifications : &rx->write_cmds;
	const uint64_t *bytes = notify ? &rx->notify_bytes : &rx->write_cmd_bytes;
	if (notify) {
		rc = lp_subscribe_hr(&lp, conn, 1);
		if (rc)
			return fail("subscribe", rc);
		lp_stream_notify(&lp, UINT64_MAX, len);
	} else {
		lp_stream_write_cmd(&lp, conn, UINT64_MAX, len);
	}
	/* Measure a window after a short ramp-up, on the receiver's counts. */
	lp_wait_count(&lp, pkts, 1, 2000);
	lp_run_for(&lp, 200);
	uint64_t p0 = *pkts, b0 = *bytes;
	double t0 = lp_seconds();
	lp_run_for(&lp, (unsigned)(secs * 1000));
	double t1 = lp_seconds();
	uint64_t p1 = *pkts, b1 = *bytes;
	lp_stream_stop(&lp);
	lp_run_for(&lp, 200); /* drain */
	uint64_t sent = tx->sent, got = *pkts;
	double dt = t1 - t0;
	/* Write Commands carry their own 16-bit sequence in the value; the
	 * peripheral only counts them, so order is checked for notifications. */
	printf("mode=%s value_len=%zu mtu=%u secs=%.2f packets_per_s=%.0f bytes_per_s=%.0f "
	       "sent=%llu received=%llu seq_errors=%llu busy_retries=%llu\n",
	       notify ? "notify" : "wcmd", len, mtu, dt, (p1 - p0) / dt, (b1 - b0) / dt,
	       (unsigned long long)sent, (unsigned long long)got,
	       (unsigned long long)rx->seq_errors, (unsigned long long)tx->busy);
	int err = tx->send_error;
	rc = lp_disconnect(&lp, conn);
	lp_close(&lp);
	if (err)
		return fail("sender", err);
	if (p1 == p0)
		return fail("nothing received in the window", 0);
	if (got != sent || rx->seq_errors)
		return fail("lost or reordered packets", 0);
	return rc ? fail("disconnect", rc) : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "ram"))
		return run_ram();
	if (argc >= 3 && !strcmp(argv[1], "discovery"))
		return run_discovery((uint16_t)atoi(argv[2]));
	if (argc >= 3 && (!strcmp(argv[1], "notify") || !strcmp(argv[1], "wcmd")))
		return run_stream(!strcmp(argv[1], "notify"), (size_t)atoi(argv[2]),
				  argc > 3 ? atof(argv[3]) : 1.5);
	fprintf(stderr, "usage: %s ram | discovery MTU | notify LEN [SECS] | wcmd LEN [SECS]\n",
		argv[0]);
	return 2;
}
