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
 *   bench_notify_peer coc SECS           advertise as "bench-coc" and listen
 *       for an L2CAP LE credit-based channel on SPSM 0x0080; a 4-byte
 *       little-endian SDU from the central asks for SDUs of that length
 *       (8..512), which it then streams through a bh_pktbuf's outgoing queue
 *       one SDU at a time (coc_can_send) until the link ends or SECS pass:
 *       each SDU carries its sequence number (32-bit little-endian) then
 *       bytes (uint8_t)(seq * 7 + i) at offsets i >= 4, so the receiver
 *       (bench_buffers l2cap) checks every byte. Prints "peer ADDR" when
 *       advertising and "sent N" at the end.
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
	if (bench_peer_start(&p, "bench-peer", len, 0, NULL))
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
	struct bh_host *h = bench_start_host(&ev, "central", NULL);
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

/* ---- coc: an L2CAP credit-based channel server streaming SDUs ---- */

#define COC_SPSM 0x0080

struct cocpeer {
	struct bh_host *h;
	struct bh_pktbuf *out;
	uint16_t conn, cid;
	bool open, gone, pumping, again;
	size_t len;          /* SDU length asked for; 0 until the request */
	uint64_t queued, sent;
	uint8_t sdu[512];
};

/* Tops the outgoing queue up, then hands the stack its oldest SDU.
 * coc_can_send may fire from inside bh_host_coc_send (the SDU went out at
 * once): that nested call only asks for another round, taken once the sent
 * SDU is popped, so no SDU is peeked twice. */
static void coc_pump(struct cocpeer *p)
{
	if (p->pumping) {
		p->again = true;
		return;
	}
	p->pumping = true;
	do {
		p->again = false;
		if (!p->open || !p->len)
			break;
		for (;;) {
			uint32_t seq = (uint32_t)p->queued;
			p->sdu[0] = (uint8_t)seq;
			p->sdu[1] = (uint8_t)(seq >> 8);
			p->sdu[2] = (uint8_t)(seq >> 16);
			p->sdu[3] = (uint8_t)(seq >> 24);
			for (size_t i = 4; i < p->len; i++)
				p->sdu[i] = (uint8_t)(seq * 7u + i);
			if (bh_pktbuf_write(p->out, NULL, 0, p->sdu, p->len) != BH_OK)
				break;
			p->queued++;
		}
		const uint8_t *pkt;
		size_t len;
		if (bh_pktbuf_out_peek(p->out, &pkt, &len) == BH_OK) {
			int rc = bh_host_coc_send(p->h, p->conn, p->cid, pkt, len);
			if (rc == BH_OK) {
				bh_pktbuf_out_pop(p->out);
				p->sent++;
			} else if (rc != BH_EBUSY) {
				fprintf(stderr, "peer: coc send: %s\n", bh_strerror(rc));
				p->gone = true;
			}
		}
	} while (p->again);
	p->pumping = false;
}

static void coc_opened(void *ctx, uint16_t conn, uint16_t cid, uint16_t spsm, bh_status st)
{
	struct cocpeer *p = ctx;
	if (spsm != COC_SPSM || st != BH_OK)
		return;
	p->conn = conn;
	p->cid = cid;
	p->open = true;
}

static void coc_sdu(void *ctx, uint16_t conn, uint16_t cid, const uint8_t *sdu, size_t len)
{
	struct cocpeer *p = ctx;
	if (!p->open || conn != p->conn || cid != p->cid || len != 4 || p->len)
		return;
	uint32_t want = (uint32_t)sdu[0] | (uint32_t)sdu[1] << 8 | (uint32_t)sdu[2] << 16 |
			(uint32_t)sdu[3] << 24;
	if (want < 8 || want > sizeof(p->sdu)) {
		fprintf(stderr, "peer: SDU length %u not in 8..%zu\n", (unsigned)want,
			sizeof(p->sdu));
		p->gone = true;
		return;
	}
	p->len = want;
	coc_pump(p);
}

static void coc_can_send(void *ctx, uint16_t conn, uint16_t cid)
{
	struct cocpeer *p = ctx;
	if (p->open && conn == p->conn && cid == p->cid)
		coc_pump(p);
}

static void coc_closed(void *ctx, uint16_t conn, uint16_t cid, bh_status reason)
{
	struct cocpeer *p = ctx;
	(void)reason;
	if (p->open && conn == p->conn && cid == p->cid) {
		p->open = false;
		p->gone = true;
	}
}

static void coc_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct cocpeer *p = ctx;
	(void)reason;
	/* A link that ends before the channel opened is not the run's end. */
	if (p->open || p->sent) {
		p->open = false;
		p->gone = true;
	}
	(void)conn;
}

static int run_coc(double secs)
{
	struct cocpeer p = { 0 };
	struct bh_host_events ev = { .ctx = &p, .coc_opened = coc_opened, .coc_sdu = coc_sdu,
				     .coc_can_send = coc_can_send, .coc_closed = coc_closed,
				     .disconnected = coc_disconnected };
	if (!(p.out = bh_pktbuf_new(8, 4, sizeof(p.sdu), BH_BUF_REFUSE)))
		return 1;
	if (!(p.h = bench_start_host(&ev, "peer", NULL))) {
		bh_pktbuf_free(p.out);
		return 1;
	}
	uint8_t adv[31];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, adv, sizeof(adv));
	bh_ad_add_flags(&b, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_name(&b, "bench-coc", true);
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN, .data = adv, .data_len = b.len };
	if (bh_host_coc_listen(p.h, COC_SPSM) || bh_gap_adv_start(bh_host_gap(p.h), &ap, NULL, NULL)) {
		fprintf(stderr, "peer: cannot listen or advertise\n");
		bh_host_free(p.h);
		bh_pktbuf_free(p.out);
		return 1;
	}
	char a[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(p.h));
	printf("peer %s\n", bh_addr_str_bare(&own, a));
	fflush(stdout);
	double end = seconds() + secs;
	while (!p.gone && seconds() < end)
		bh_host_run_for(p.h, 50);
	printf("sent %llu\n", (unsigned long long)p.sent);
	bh_host_free(p.h);
	bh_pktbuf_free(p.out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "peer"))
		return run_peer((size_t)atoi(argv[2]), atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "central"))
		return run_central(argv[2], atof(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "coc"))
		return run_coc(atof(argv[2]));
	fprintf(stderr, "usage: %s peer LEN SECS | central ADDR SECS | coc SECS\n", argv[0]);
	return 2;
}
