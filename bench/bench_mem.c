/* bench_mem: per-operation cost of the host's data path, fed from memory.
 *
 *   bench_mem rx N [VALUE_LEN]    HCI ACL notification -> application callback
 *   bench_mem tx N [VALUE_LEN]    bh_gatts_notify -> bytes at the HCI port
 *   bench_mem txatt N [VALUE_LEN] bh_att_notify -> bytes at the HCI port
 *   bench_mem scan N              LE Advertising Reports -> GAP seen table
 *
 * Each mode sets the stack up (memstack.c), runs its loop once to warm up,
 * then runs the measured loop `bench_<mode>_loop` N times and prints one
 * line of key=value pairs: ns_per_op (CLOCK_MONOTONIC over the loop) and
 * counters that prove the work was done. The loop functions are not inlined
 * so `valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=bench_rx_loop` counts only their instructions (run.sh).
 *
 * Every mode checks that each operation really reached its end (callback
 * count, bytes at the port, reports seen) and exits 1 otherwise, so a
 * broken path cannot produce a flattering figure.
 */
#include "memstack.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int fail(const char *what)
{
	fprintf(stderr, "bench_mem: FAIL: %s\n", what);
	return 1;
}

/* ---- receive ---- */

NOINLINE void bench_rx_loop(struct memstack *ms, const uint8_t *pkt, size_t len, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ms_acl_in(ms, pkt, len);
}

static int run_rx(unsigned n, size_t vlen)
{
	struct memstack ms;
	if (ms_init(&ms) || ms_connect(&ms))
		return fail("stack setup");
	/* Handle Value Notification (Vol 3, Part F, 3.4.7.1) of the heart
	 * rate value; vlen must fit the default MTU of 23 (no exchange). */
	if (vlen > BH_ATT_DEFAULT_MTU - 3)
		vlen = BH_ATT_DEFAULT_MTU - 3;
	uint8_t pdu[3 + 256];
	pdu[0] = 0x1b;
	bh_put16(pdu + 1, ms.dh.heart_rate);
	for (size_t i = 0; i < vlen; i++)
		pdu[3 + i] = (uint8_t)i;
	uint8_t pkt[300];
	size_t plen = ms_build_att_acl(pkt, sizeof(pkt), pdu, 3 + vlen);
	bench_rx_loop(&ms, pkt, plen, 100); /* warm-up */
	uint64_t before = ms.app_notifications;
	double t0 = now_ns();
	bench_rx_loop(&ms, pkt, plen, n);
	double t1 = now_ns();
	uint64_t got = ms.app_notifications - before;
	printf("mode=rx ops=%u value_len=%zu acl_bytes=%zu ns_per_op=%.1f delivered=%llu\n", n,
	       vlen, plen, (t1 - t0) / n, (unsigned long long)got);
	ms_free(&ms);
	return got == n ? 0 : fail("not every notification reached the application");
}

/* ---- transmit ---- */

NOINLINE void bench_tx_loop(struct memstack *ms, const uint8_t *v, size_t len, unsigned n,
			    unsigned *errors)
{
	for (unsigned i = 0; i < n; i++) {
		if (bh_gatts_notify(ms->gatts, MS_HANDLE, ms->dh.heart_rate, v, len, NULL))
			(*errors)++;
		ms_pump(ms); /* the controller completes the packet (NOCP) */
	}
}

NOINLINE void bench_txatt_loop(struct memstack *ms, const uint8_t *v, size_t len, unsigned n,
			       unsigned *errors)
{
	for (unsigned i = 0; i < n; i++) {
		if (bh_att_notify(ms->att, ms->dh.heart_rate, v, len, NULL))
			(*errors)++;
		ms_pump(ms);
	}
}

static int run_tx(unsigned n, size_t vlen, bool att_only)
{
	struct memstack ms;
	if (ms_init(&ms) || ms_connect(&ms))
		return fail("stack setup");
	if (!ms_peer_subscribe(&ms, ms.dh.heart_rate))
		return fail("peer could not subscribe");
	if (vlen > BH_ATT_DEFAULT_MTU - 3)
		vlen = BH_ATT_DEFAULT_MTU - 3;
	uint8_t v[256];
	for (size_t i = 0; i < vlen; i++)
		v[i] = (uint8_t)(i * 7);
	unsigned errors = 0;
	void (*loop)(struct memstack *, const uint8_t *, size_t, unsigned, unsigned *) =
		att_only ? bench_txatt_loop : bench_tx_loop;
	loop(&ms, v, vlen, 100, &errors); /* warm-up */
	uint64_t pk0 = ms.acl_out_pkts, by0 = ms.acl_out_bytes;
	double t0 = now_ns();
	loop(&ms, v, vlen, n, &errors);
	double t1 = now_ns();
	uint64_t pkts = ms.acl_out_pkts - pk0, bytes = ms.acl_out_bytes - by0;
	/* The last packet must be our notification, byte for byte. */
	bool last_ok = ms.last_acl_len == 4 + 4 + 3 + vlen && ms.last_acl[8] == 0x1b &&
		       bh_get16(ms.last_acl + 9) == ms.dh.heart_rate &&
		       !memcmp(ms.last_acl + 11, v, vlen);
	printf("mode=%s ops=%u value_len=%zu ns_per_op=%.1f acl_packets=%llu acl_bytes=%llu "
	       "errors=%u\n",
	       att_only ? "txatt" : "tx", n, vlen, (t1 - t0) / n, (unsigned long long)pkts,
	       (unsigned long long)bytes, errors);
	ms_free(&ms);
	if (errors || pkts != n)
		return fail("not every notification reached the HCI port");
	return last_ok ? 0 : fail("the last packet sent is not the notification");
}

/* ---- scan reports ---- */

struct scan_count {
	unsigned devices, done;
};

static void on_device(void *ctx, const struct bh_gap_device *d)
{
	(void)d;
	((struct scan_count *)ctx)->devices++;
}

static void on_done(void *ctx, bh_status st)
{
	(void)st;
	((struct scan_count *)ctx)->done++;
}

#define SCAN_DEVICES 50

/* One LE Advertising Report event (Vol 4, Part E, 7.7.65.2) with one
 * report: ADV_IND from a public address with flags and a name. */
static size_t build_report(uint8_t *out, unsigned dev)
{
	struct bh_wr w = bh_wr_init(out, 64);
	bh_wr_u8(&w, BH_HCI_EVT_LE_META);
	bh_wr_u8(&w, 0); /* length, patched below */
	bh_wr_u8(&w, BH_LE_ADV_REPORT);
	bh_wr_u8(&w, 1);    /* Num_Reports */
	bh_wr_u8(&w, 0x00); /* ADV_IND */
	bh_wr_u8(&w, 0x00); /* public */
	uint8_t addr[6] = { (uint8_t)dev, (uint8_t)(dev >> 8), 0x33, 0x44, 0x55, 0x66 };
	bh_wr_bytes(&w, addr, 6);
	uint8_t ad[] = { 2, 0x01, 0x06, 9, 0x09, 'b', 'e', 'n', 'c', 'h', '-', 'A', 'B', 3, 0x03,
			 0x0d, 0x18 };
	ad[10] = (uint8_t)('A' + dev % 26);
	bh_wr_u8(&w, sizeof(ad));
	bh_wr_bytes(&w, ad, sizeof(ad));
	bh_wr_u8(&w, (uint8_t)-60); /* RSSI */
	out[1] = (uint8_t)(w.len - 2);
	return w.len;
}

NOINLINE void bench_scan_loop(struct memstack *ms, uint8_t (*reports)[64], const size_t *lens,
			      unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned d = i % SCAN_DEVICES;
		bh_hci_on_packet(ms->hci, BH_H4_EVT, reports[d], lens[d]);
	}
}

static int run_scan(unsigned n)
{
	struct memstack ms;
	if (ms_init(&ms))
		return fail("stack setup");
	struct scan_count sc = { 0 };
	struct bh_gap_scan_params p = { .active = false, .on_device = on_device,
					.on_done = on_done, .ctx = &sc };
	if (bh_gap_scan_start(ms.gap, &p))
		return fail("scan start");
	ms_pump(&ms);
	if (!bh_gap_scanning(ms.gap))
		return fail("not scanning after the controller answered");
	static uint8_t reports[SCAN_DEVICES][64];
	size_t lens[SCAN_DEVICES];
	for (unsigned d = 0; d < SCAN_DEVICES; d++)
		lens[d] = build_report(reports[d], d);
	bench_scan_loop(&ms, reports, lens, SCAN_DEVICES); /* warm-up: every device once */
	unsigned first = sc.devices;
	double t0 = now_ns();
	bench_scan_loop(&ms, reports, lens, n);
	double t1 = now_ns();
	double secs = (t1 - t0) / 1e9;
	printf("mode=scan ops=%u ns_per_op=%.1f reports_per_s=%.0f devices=%u seen=%zu "
	       "callbacks_after_warmup=%u\n",
	       n, (t1 - t0) / n, n / secs, SCAN_DEVICES, bh_gap_seen_count(ms.gap),
	       sc.devices - first);
	size_t seen = bh_gap_seen_count(ms.gap);
	bh_gap_scan_stop(ms.gap);
	ms_pump(&ms);
	ms_free(&ms);
	if (first != SCAN_DEVICES || seen != SCAN_DEVICES)
		return fail("every device should be seen exactly once");
	/* Unchanged data is deduplicated: no callback after the warm-up. */
	return sc.devices == first ? 0 : fail("duplicates reached the application");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s rx|tx|txatt|scan N [VALUE_LEN]\n", argv[0]);
		return 2;
	}
	unsigned n = (unsigned)strtoul(argv[2], NULL, 0);
	size_t vlen = argc > 3 ? strtoul(argv[3], NULL, 0) : 20;
	if (!n)
		return 2;
	if (!strcmp(argv[1], "rx"))
		return run_rx(n, vlen);
	if (!strcmp(argv[1], "tx"))
		return run_tx(n, vlen, false);
	if (!strcmp(argv[1], "txatt"))
		return run_tx(n, vlen, true);
	if (!strcmp(argv[1], "scan"))
		return run_scan(n);
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 2;
}
