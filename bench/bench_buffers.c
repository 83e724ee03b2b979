/* bench_buffers: bytes per second through the C characteristic buffer and
 * packet buffer (<blehost/host_buffers.h>) fed by a live notification stream
 * from `bench_notify_peer peer LEN SECS` on btvirt.
 *
 *   bench_buffers ADDR SECS
 *
 * Subscribes to the peer's heart rate value; for SECS/2 the notifications
 * go into a bh_charbuf that the reader drains with bh_charbuf_wait + read,
 * then for SECS/2 into a bh_pktbuf drained with bh_pktbuf_wait + readinto.
 * Prints "charbuf B bytes/s (D dropped)" and "pktbuf P packets/s, B bytes/s
 * (D dropped)"; exits 1 if nothing came through either. */
#include <blehost/blehost.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sink {
	uint16_t vh;
	struct bh_charbuf *cb; /* one of the two is fed at a time */
	struct bh_pktbuf *pb;
};

static void on_notification(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v, size_t len,
			    bool ind)
{
	(void)conn;
	(void)ind;
	struct sink *s = ctx;
	if (attr != s->vh)
		return;
	if (s->cb)
		bh_charbuf_feed(s->cb, v, len);
	else if (s->pb)
		bh_pktbuf_feed(s->pb, v, len);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_buffers ADDR SECS\n");
		return 2;
	}
	double half = atof(argv[2]) / 2;
	struct sink s = { 0 };
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	struct bh_host_events ev = { .ctx = &s, .notification = on_notification };
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, &ev, err, sizeof(err));
	bh_addr a;
	uint16_t conn, mtu;
	if (!h || bh_host_start_sync(h, 10000) || bh_addr_parse(argv[1], &a) ||
	    bh_host_connect_sync(h, &a, 5000, &conn) || bh_host_exchange_mtu_sync(h, conn, &mtu) ||
	    bh_host_discover_sync(h, conn)) {
		fprintf(stderr, "bench_buffers: cannot connect to %s\n", argv[1]);
		return 1;
	}
	bh_uuid hr = bh_uuid16(0x2a37);
	const struct bh_gattc_chr *chr = bh_gattc_find_chr(bh_host_gattc(h, conn), NULL, &hr);
	if (!chr)
		return 1;
	s.vh = chr->value_handle;
	struct bh_loop *loop = bh_host_loop(h);
	struct bh_charbuf *cb = bh_charbuf_new(4096, BH_BUF_DROP_OLDEST);
	struct bh_pktbuf *pb = bh_pktbuf_new(64, mtu - 3u, mtu - 3u, BH_BUF_DROP_OLDEST);
	uint8_t chunk[4096];
	s.cb = cb;
	if (bh_host_subscribe_sync(h, conn, s.vh, false))
		return 1;
	uint64_t bytes = 0;
	double t0 = seconds(), end = t0 + half;
	while (seconds() < end) {
		if (bh_charbuf_wait(loop, cb, 512, false, 50) == BH_EDISCONNECTED)
			break;
		bytes += bh_charbuf_read(cb, chunk, sizeof(chunk));
	}
	double dt = seconds() - t0;
	printf("charbuf %.0f bytes/s (%llu dropped)\n", (double)bytes / dt,
	       (unsigned long long)bh_charbuf_dropped(cb));
	s.cb = NULL;
	s.pb = pb;
	uint64_t pkts = 0, pbytes = 0;
	t0 = seconds();
	end = t0 + half;
	while (seconds() < end) {
		size_t len;
		if (bh_pktbuf_wait(loop, pb, 50) != BH_OK)
			continue;
		while (bh_pktbuf_readinto(pb, chunk, sizeof(chunk), &len) == BH_OK) {
			pkts++;
			pbytes += len;
		}
	}
	dt = seconds() - t0;
	printf("pktbuf %.0f packets/s, %.0f bytes/s (%llu dropped)\n", (double)pkts / dt,
	       (double)pbytes / dt, (unsigned long long)bh_pktbuf_dropped(pb));
	bh_host_disconnect_sync(h, conn, 0x13, 3000);
	bh_host_free(h);
	bh_charbuf_free(cb);
	bh_pktbuf_free(pb);
	return bytes && pkts ? 0 : 1;
}
