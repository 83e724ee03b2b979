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
 * (D dropped)"; exits 1 if nothing came through either.
 *
 *   bench_buffers l2cap PEER SECS [LEN]
 *
 * Starts `PEER coc SECS+10` (bench_notify_peer), connects to the address it
 * prints, opens an L2CAP LE credit-based channel to SPSM 0x0080 and asks
 * for LEN-byte SDUs (default 512, 8..512); events.coc_sdu feeds them into a
 * bh_pktbuf that the reader drains with bh_pktbuf_wait + readinto for SECS
 * from the first one. Every SDU read, in the window and after it until the
 * buffer is empty, is checked: its length, its sequence number (one more
 * than the last read, or further ahead by exactly the SDUs the buffer
 * dropped) and every byte. Only if all passed does it print "l2cap (SDU
 * LEN) P packets/s, B bytes/s (D dropped)"; otherwise, or if none came, it
 * says why and exits 1, so a broken path never yields a figure. */
#include <blehost/blehost.h>

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

/* ---- l2cap: SDUs over a credit-based channel into a bh_pktbuf ---- */

#define COC_SPSM 0x0080

struct cocsink {
	struct bh_pktbuf *pb;
	uint16_t conn, cid;
	bool opened, failed, gone;
	/* Checking. */
	size_t len;
	uint32_t next;   /* sequence number expected next */
	uint64_t gaps;   /* SDUs skipped over: must equal the buffer's drops */
	uint64_t bad;    /* wrong length, older sequence number or wrong byte */
};

static void coc_opened(void *ctx, uint16_t conn, uint16_t cid, uint16_t spsm, bh_status st)
{
	struct cocsink *s = ctx;
	if (conn != s->conn || spsm != COC_SPSM)
		return;
	s->cid = cid;
	s->opened = st == BH_OK;
	s->failed = st != BH_OK;
}

static void coc_sdu(void *ctx, uint16_t conn, uint16_t cid, const uint8_t *sdu, size_t len)
{
	struct cocsink *s = ctx;
	if (conn == s->conn && cid == s->cid)
		bh_pktbuf_feed(s->pb, sdu, len);
}

static void coc_closed(void *ctx, uint16_t conn, uint16_t cid, bh_status reason)
{
	struct cocsink *s = ctx;
	if (conn == s->conn && cid == s->cid) {
		s->gone = true;
		bh_pktbuf_close(s->pb, reason ? reason : BH_EDISCONNECTED);
	}
}

static void coc_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct cocsink *s = ctx;
	(void)reason;
	if (conn == s->conn) {
		s->gone = true;
		bh_pktbuf_close(s->pb, BH_EDISCONNECTED);
	}
}

static void check_sdu(struct cocsink *s, const uint8_t *p, size_t len)
{
	if (len != s->len) {
		s->bad++;
		return;
	}
	uint32_t seq = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	if (seq < s->next) {
		s->bad++; /* duplicated or reordered */
		return;
	}
	s->gaps += seq - s->next;
	s->next = seq + 1;
	for (size_t i = 4; i < len; i++)
		if (p[i] != (uint8_t)(seq * 7u + i)) {
			s->bad++;
			return;
		}
}

/* The peer prints its address once it asked for advertising, which its
 * controller may not have started yet: btvirt fails a connect that comes
 * first at once with 0x3E, where a real peer would just be found later. */
static int connect_peer(struct bh_host *h, const bh_addr *a, uint16_t *conn)
{
	int rc = bh_host_connect_sync(h, a, 5000, conn);
	for (int i = 0; i < 100 && rc == BH_HCI_STATUS(0x3e); i++) {
		bh_host_run_for(h, 10);
		rc = bh_host_connect_sync(h, a, 5000, conn);
	}
	return rc;
}

static int run_l2cap(const char *peer, double secs, size_t sdu_len)
{
	if (sdu_len < 8 || sdu_len > 512) {
		fprintf(stderr, "bench_buffers: SDU length %zu not in 8..512\n", sdu_len);
		return 2;
	}
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "'%s' coc %.1f", peer, secs + 10);
	FILE *pp = popen(cmd, "r");
	char line[128];
	char addr[64];
	if (!pp || !fgets(line, sizeof(line), pp) || sscanf(line, "peer %63s", addr) != 1) {
		fprintf(stderr, "bench_buffers: %s did not start\n", peer);
		if (pp)
			pclose(pp);
		return 1;
	}
	struct cocsink s = { .len = sdu_len };
	s.pb = bh_pktbuf_new(64, sdu_len, 4, BH_BUF_DROP_OLDEST);
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	struct bh_host_events ev = { .ctx = &s, .coc_opened = coc_opened, .coc_sdu = coc_sdu,
				     .coc_closed = coc_closed, .disconnected = coc_disconnected };
	char err[256];
	struct bh_host *h = s.pb ? bh_host_new(&cfg, &ev, err, sizeof(err)) : NULL;
	bh_addr a;
	uint16_t cid;
	int rc = 1;
	int e = 0;
	const char *what = "start";
	if (!h || (e = bh_host_start_sync(h, 10000)) || (what = "parse", e = bh_addr_parse(addr, &a)) ||
	    (what = "connect", e = connect_peer(h, &a, &s.conn)) ||
	    (what = "open a channel", e = bh_host_coc_connect(h, s.conn, COC_SPSM, &cid))) {
		fprintf(stderr, "bench_buffers: %s (%s): %s\n", what, addr,
			h ? bh_strerror(e) : err);
		goto out;
	}
	struct bh_loop *loop = bh_host_loop(h);
	for (double t = seconds(); !s.opened && !s.failed && !s.gone && seconds() - t < 5;)
		bh_host_run_for(h, 10);
	uint8_t req[4] = { (uint8_t)sdu_len, (uint8_t)(sdu_len >> 8), 0, 0 };
	if (!s.opened || bh_host_coc_send(h, s.conn, s.cid, req, sizeof(req))) {
		fprintf(stderr, "bench_buffers: no channel to SPSM 0x%04x\n", COC_SPSM);
		goto out;
	}
	uint8_t sdu[512];
	size_t len;
	if (bh_pktbuf_wait(loop, s.pb, 5000) != BH_OK) {
		fprintf(stderr, "bench_buffers: no SDU came\n");
		goto out;
	}
	uint64_t pkts = 0, bytes = 0;
	double t0 = seconds(), end = t0 + secs;
	while (seconds() < end) {
		bh_status st = bh_pktbuf_wait(loop, s.pb, 50);
		if (st != BH_OK && st != BH_ETIMEDOUT)
			break;
		while (bh_pktbuf_readinto(s.pb, sdu, sizeof(sdu), &len) == BH_OK) {
			check_sdu(&s, sdu, len);
			pkts++;
			bytes += len;
		}
	}
	double dt = seconds() - t0;
	/* Ending the link stops the feed; what the buffer still holds is
	 * checked too, so every drop shows as a gap before a later SDU. */
	if (!s.gone)
		bh_host_disconnect_sync(h, s.conn, 0x13, 3000);
	while (bh_pktbuf_readinto(s.pb, sdu, sizeof(sdu), &len) == BH_OK)
		check_sdu(&s, sdu, len);
	uint64_t dropped = bh_pktbuf_dropped(s.pb);
	if (s.bad || s.gaps != dropped || bh_pktbuf_oversize(s.pb) || !pkts)
		fprintf(stderr,
			"bench_buffers: l2cap check failed: %llu bad SDUs, %llu missing vs "
			"%llu dropped, %llu oversize, %llu read\n",
			(unsigned long long)s.bad, (unsigned long long)s.gaps,
			(unsigned long long)dropped, (unsigned long long)bh_pktbuf_oversize(s.pb),
			(unsigned long long)pkts);
	else {
		printf("l2cap (SDU %zu) %.0f packets/s, %.0f bytes/s (%llu dropped)\n", sdu_len,
		       (double)pkts / dt, (double)bytes / dt, (unsigned long long)dropped);
		rc = 0;
	}
out:
	if (h)
		bh_host_free(h);
	bh_pktbuf_free(s.pb);
	/* The peer ends with the link; its "sent N" goes to our stderr. */
	while (fgets(line, sizeof(line), pp))
		fputs(line, stderr);
	pclose(pp);
	return rc;
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "l2cap"))
		return run_l2cap(argv[2], atof(argv[3]), argc == 5 ? (size_t)atoi(argv[4]) : 512);
	if (argc != 3) {
		fprintf(stderr, "usage: bench_buffers ADDR SECS | l2cap PEER SECS [LEN]\n");
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
