/* Unit tests for H5, the three-wire UART transport (transports/h5*.c), from
 * the rules of Core Spec Vol 4, Part D: SLIP escaping, header checksum,
 * CRC, link establishment, sequence/ack wraparound, window, retransmission,
 * duplicates, corruption, low-power messages, peer reset, give-ups; then the
 * h5: transport on a pty against a peer link. Virtual time throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5.h"

/* ---- a recording port ---- */

#define MAXF 128
struct rec {
	int nf;
	size_t flen[MAXF];
	uint8_t f[MAXF][320];
	int np;
	uint8_t ptype[MAXF];
	size_t plen[MAXF];
	uint8_t p[MAXF][64];
	int nev;
	enum bh_h5_event ev[8];
};

static void rec_write(void *ctx, const uint8_t *b, size_t len)
{
	struct rec *r = ctx;
	assert_true(r->nf < MAXF && len <= sizeof(r->f[0]));
	memcpy(r->f[r->nf], b, len);
	r->flen[r->nf++] = len;
}

static void rec_deliver(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct rec *r = ctx;
	assert_true(r->np < MAXF);
	r->ptype[r->np] = type;
	r->plen[r->np] = len;
	memcpy(r->p[r->np++], pkt, len < 64 ? len : 64);
}

static void rec_event(void *ctx, enum bh_h5_event ev)
{
	struct rec *r = ctx;
	assert_true(r->nev < 8);
	r->ev[r->nev++] = ev;
}

/* Decodes recorded frame i into a packet (frame kept in *buf). */
struct dec {
	uint8_t buf[BH_H5_MAX_FRAME];
	size_t len;
	int n;
};
static void dec_cb(void *ctx, const uint8_t *f, size_t len)
{
	struct dec *d = ctx;
	memcpy(d->buf, f, len);
	d->len = len;
	d->n++;
}
static struct bh_h5_pkt frame_pkt(const struct rec *r, int i, struct dec *d)
{
	struct bh_h5_slip s;
	bh_h5_slip_init(&s);
	memset(d, 0, sizeof(*d));
	bh_h5_slip_feed(&s, r->f[i], r->flen[i], dec_cb, d);
	assert_int_equal(d->n, 1);
	struct bh_h5_pkt p;
	assert_int_equal(bh_h5_parse(d->buf, d->len, &p), BH_OK);
	return p;
}

static void feed_pkt(struct bh_h5_link *l, uint8_t type, bool reliable, uint8_t seq, uint8_t ack,
		     bool crc, const uint8_t *payload, size_t len, bh_time_ms now)
{
	uint8_t wire[BH_H5_MAX_WIRE];
	struct bh_h5_pkt p = { .seq = seq, .ack = ack, .reliable = reliable, .crc = crc,
			       .type = type };
	size_t n = bh_h5_encode(&p, payload, len, wire);
	assert_true(n > 0);
	bh_h5_link_rx(l, wire, n, now);
}

static const uint8_t SYNC_RSP[] = { 0x02, 0x7d };
static const uint8_t EVT_CC[] = { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
static const uint8_t CMD_RESET[] = { 0x03, 0x0c, 0x00 };

/* Brings l to ACTIVE with the peer's config field. */
static void establish(struct bh_h5_link *l, struct rec *r, uint8_t peer_field)
{
	bh_h5_link_init(l, NULL, &(struct bh_h5_link_port){ rec_write, rec_deliver, rec_event, r },
			0);
	feed_pkt(l, BH_H5_LINK_CTRL, false, 0, 0, false, SYNC_RSP, 2, 0);
	uint8_t conf_rsp[3] = { 0x04, 0x7b, peer_field };
	feed_pkt(l, BH_H5_LINK_CTRL, false, 0, 0, false, conf_rsp, 3, 0);
	assert_int_equal(l->state, BH_H5_ACTIVE);
	r->nf = r->np = r->nev = 0;
}

/* ---- codec ---- */

static void test_slip_escaping(void **state)
{
	(void)state;
	const uint8_t payload[] = { 0x0e, 0x04, 0xc0, 0xdb, 0x00, 0xc0 };
	struct bh_h5_pkt p = { .seq = 3, .ack = 5, .reliable = true, .type = BH_H5_EVT };
	uint8_t wire[BH_H5_MAX_WIRE];
	size_t n = bh_h5_encode(&p, payload, sizeof(payload), wire);
	/* header 0x83|5<<3 = 0xab, 0x64, 0x00, checksum 0xff-(0xab+0x64) = 0xf0 */
	const uint8_t want[] = { 0xc0, 0xab, 0x64, 0x00, 0xf0, 0x0e, 0x04, 0xdb, 0xdc,
				 0xdb, 0xdd, 0x00, 0xdb, 0xdc, 0xc0 };
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(wire, want, n);
	/* and back, split into single bytes */
	struct bh_h5_slip s;
	struct dec d = { 0 };
	bh_h5_slip_init(&s);
	for (size_t i = 0; i < n; i++)
		bh_h5_slip_feed(&s, wire + i, 1, dec_cb, &d);
	assert_int_equal(d.n, 1);
	struct bh_h5_pkt q;
	assert_int_equal(bh_h5_parse(d.buf, d.len, &q), BH_OK);
	assert_int_equal(q.seq, 3);
	assert_int_equal(q.ack, 5);
	assert_true(q.reliable);
	assert_false(q.crc);
	assert_int_equal(q.type, BH_H5_EVT);
	assert_int_equal(q.len, sizeof(payload));
	assert_memory_equal(q.payload, payload, sizeof(payload));
}

static void test_slip_noise_bad_escape_overflow(void **state)
{
	(void)state;
	struct bh_h5_slip s;
	struct dec d = { 0 };
	bh_h5_slip_init(&s);
	/* noise before the first delimiter, a bad escape, back-to-back ends */
	const uint8_t in[] = { 0x11, 0x22, 0xc0, 0x01, 0xdb, 0x05, 0x02, 0xc0, 0xc0,
			       0xc0, 0x07, 0xdb, 0xdd, 0xc0 };
	bh_h5_slip_feed(&s, in, sizeof(in), dec_cb, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.len, 2);
	assert_int_equal(d.buf[0], 0x07);
	assert_int_equal(d.buf[1], 0xdb);
	assert_int_equal(s.dropped, 1);
	/* a frame longer than any legal packet is dropped, buffer bounded */
	static uint8_t big[BH_H5_MAX_FRAME + 100];
	memset(big, 0x55, sizeof(big));
	big[0] = 0xc0;
	bh_h5_slip_feed(&s, big, sizeof(big), dec_cb, &d);
	assert_true(s.have <= sizeof(s.buf));
	bh_h5_slip_feed(&s, (const uint8_t[]){ 0xc0 }, 1, dec_cb, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(s.dropped, 2);
}

static void test_header_checksum(void **state)
{
	(void)state;
	/* the SYNC message as every H5 implementation sends it */
	const uint8_t sync[] = { 0x00, 0x2f, 0x00, 0xd0, 0x01, 0x7e };
	assert_int_equal(bh_h5_hdr_checksum(sync), 0xd0);
	struct bh_h5_pkt p;
	assert_int_equal(bh_h5_parse(sync, sizeof(sync), &p), BH_OK);
	assert_int_equal(p.type, BH_H5_LINK_CTRL);
	uint8_t bad[sizeof(sync)];
	memcpy(bad, sync, sizeof(sync));
	bad[3] ^= 0x01;
	assert_int_equal(bh_h5_parse(bad, sizeof(bad), &p), BH_EMALFORMED);
	/* length field disagreeing with the frame */
	assert_int_equal(bh_h5_parse(sync, sizeof(sync) - 1, &p), BH_EMALFORMED);
	assert_int_equal(bh_h5_parse(sync, 3, &p), BH_EMALFORMED);
	/* payload too large to encode */
	uint8_t wire[BH_H5_MAX_WIRE];
	static uint8_t huge[BH_H5_MAX_PAYLOAD + 1];
	assert_int_equal(bh_h5_encode(&p, huge, sizeof(huge), wire), 0);
	assert_int_not_equal(bh_h5_encode(&p, huge, BH_H5_MAX_PAYLOAD, wire), 0);
}

static void test_crc(void **state)
{
	(void)state;
	/* CRC-CCITT LSB-first, init 0xffff ("123456789" -> 0x6f91), bit-reversed */
	assert_int_equal(bh_h5_crc((const uint8_t *)"123456789", 9), 0x89f6);
	struct bh_h5_pkt p = { .seq = 1, .ack = 2, .reliable = true, .crc = true,
			       .type = BH_H5_CMD };
	uint8_t wire[BH_H5_MAX_WIRE];
	size_t n = bh_h5_encode(&p, CMD_RESET, sizeof(CMD_RESET), wire);
	struct bh_h5_slip s;
	struct dec d = { 0 };
	bh_h5_slip_init(&s);
	bh_h5_slip_feed(&s, wire, n, dec_cb, &d);
	assert_int_equal(d.len, 4 + 3 + 2);
	uint16_t c = bh_h5_crc(d.buf, 7);
	assert_int_equal(d.buf[7], c >> 8); /* most significant byte first */
	assert_int_equal(d.buf[8], c & 0xff);
	struct bh_h5_pkt q;
	assert_int_equal(bh_h5_parse(d.buf, d.len, &q), BH_OK);
	assert_true(q.crc);
	assert_int_equal(q.len, 3);
	for (size_t i = 4; i < d.len; i++) { /* any payload or CRC bit flip is caught */
		d.buf[i] ^= 0x10;
		assert_int_equal(bh_h5_parse(d.buf, d.len, &q), BH_EMALFORMED);
		d.buf[i] ^= 0x10;
	}
}

/* ---- link establishment ---- */

static void test_establishment(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	bh_h5_link_init(&l, NULL, &(struct bh_h5_link_port){ rec_write, rec_deliver, rec_event, &r },
			1000);
	const uint8_t sync[] = { 0xc0, 0x00, 0x2f, 0x00, 0xd0, 0x01, 0x7e, 0xc0 };
	assert_int_equal(r.nf, 1);
	assert_memory_equal(r.f[0], sync, sizeof(sync));
	assert_int_equal(l.state, BH_H5_UNINITIALIZED);
	/* HCI packets wait for the link */
	assert_int_equal(bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 1000), BH_OK);
	assert_int_equal(r.nf, 1);
	/* the peer's SYNC is answered; CONFIG before sync is ignored */
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x01, 0x7e }, 2, 1010);
	const uint8_t sync_rsp[] = { 0xc0, 0x00, 0x2f, 0x00, 0xd0, 0x02, 0x7d, 0xc0 };
	assert_int_equal(r.nf, 2);
	assert_memory_equal(r.f[1], sync_rsp, sizeof(sync_rsp));
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x03, 0xfc, 0x13 }, 3,
		 1010);
	assert_int_equal(r.nf, 2);
	/* SYNC repeats every 100 ms */
	assert_int_equal(bh_h5_link_next_deadline(&l), 1100);
	bh_h5_link_timeout(&l, 1099);
	assert_int_equal(r.nf, 2);
	bh_h5_link_timeout(&l, 1100);
	assert_int_equal(r.nf, 3);
	assert_memory_equal(r.f[2], sync, sizeof(sync));
	/* SYNC RESPONSE -> CONFIG (window 4, CRC offered); 0xc0 checksum escaped */
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, SYNC_RSP, 2, 1150);
	assert_int_equal(l.state, BH_H5_INITIALIZED);
	const uint8_t conf[] = { 0xc0, 0x00, 0x3f, 0x00, 0xdb, 0xdc, 0x03, 0xfc, 0x14, 0xc0 };
	assert_int_equal(r.nf, 4);
	assert_memory_equal(r.f[3], conf, sizeof(conf));
	bh_h5_link_timeout(&l, 1250);
	assert_int_equal(r.nf, 5);
	assert_memory_equal(r.f[4], conf, sizeof(conf));
	/* the peer's CONFIG is answered now */
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x03, 0xfc, 0x13 }, 3,
		 1260);
	assert_int_equal(r.nf, 6);
	struct dec d;
	struct bh_h5_pkt p = frame_pkt(&r, 5, &d);
	assert_int_equal(p.len, 3);
	assert_memory_equal(p.payload, ((const uint8_t[]){ 0x04, 0x7b, 0x14 }), 3);
	/* CONFIG RESPONSE: window 2, no CRC -> active; the queued command goes */
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x04, 0x7b, 0x02 }, 3,
		 1270);
	assert_int_equal(l.state, BH_H5_ACTIVE);
	assert_int_equal(l.tx_win, 2);
	assert_false(l.tx_crc);
	assert_int_equal(r.nev, 1);
	assert_int_equal(r.ev[0], BH_H5_EV_ACTIVE);
	assert_int_equal(r.nf, 7);
	p = frame_pkt(&r, 6, &d);
	assert_true(p.reliable);
	assert_false(p.crc);
	assert_int_equal(p.seq, 0);
	assert_int_equal(p.type, BH_H5_CMD);
	assert_memory_equal(p.payload, CMD_RESET, 3);
	assert_int_equal(bh_h5_link_next_deadline(&l), 1270 + 250);
}

static void test_config_response_without_field(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	bh_h5_link_init(&l, NULL, &(struct bh_h5_link_port){ rec_write, rec_deliver, rec_event, &r },
			0);
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, SYNC_RSP, 2, 0);
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x04, 0x7b }, 2, 0);
	assert_int_equal(l.state, BH_H5_ACTIVE);
	assert_int_equal(l.tx_win, 1);
	assert_false(l.tx_crc);
	/* with CRC agreed, our packets carry it */
	struct rec r2 = { 0 };
	establish(&l, &r2, 0x17);
	assert_int_equal(l.tx_win, 4);
	assert_true(l.tx_crc);
	bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 0);
	struct dec d;
	assert_true(frame_pkt(&r2, 0, &d).crc);
}

static void test_never_syncs(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	bh_h5_link_init(&l, NULL, &(struct bh_h5_link_port){ rec_write, rec_deliver, rec_event, &r },
			0);
	bh_time_ms now = 0;
	while (bh_h5_link_next_deadline(&l) != BH_NEVER && now < 10000) {
		now = bh_h5_link_next_deadline(&l);
		bh_h5_link_timeout(&l, now);
	}
	assert_int_equal(l.state, BH_H5_FAILED);
	assert_int_equal(now, 1500);
	assert_int_equal(r.nf, 15); /* SYNC at 0, 100, ..., 1400 */
	assert_int_equal(r.nev, 1);
	assert_int_equal(r.ev[0], BH_H5_EV_SYNC_TIMEOUT);
	assert_int_equal(bh_h5_link_send(&l, 0x01, CMD_RESET, 3, now), BH_ESTATE);
	/* a late answer changes nothing */
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, SYNC_RSP, 2, now);
	assert_int_equal(l.state, BH_H5_FAILED);
	assert_int_equal(r.nf, 15);
}

/* ---- reliable delivery ---- */

static void test_window_and_wraparound(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	establish(&l, &r, 0x03);
	assert_int_equal(l.tx_win, 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 0), BH_OK);
	assert_int_equal(r.nf, 3); /* window 3 */
	struct dec d;
	for (int i = 0; i < 3; i++)
		assert_int_equal(frame_pkt(&r, i, &d).seq, i);
	/* pure ack for seq 0 and 1 -> two more, seq 3 and 4 */
	feed_pkt(&l, BH_H5_ACK, false, 0, 2, false, NULL, 0, 10);
	assert_int_equal(r.nf, 5);
	assert_int_equal(frame_pkt(&r, 3, &d).seq, 3);
	assert_int_equal(frame_pkt(&r, 4, &d).seq, 4);
	/* an ack for packets never sent is ignored */
	feed_pkt(&l, BH_H5_ACK, false, 0, 7, false, NULL, 0, 10);
	assert_int_equal(l.q_sent, 3);
	feed_pkt(&l, BH_H5_ACK, false, 0, 5, false, NULL, 0, 10);
	assert_int_equal(l.q_len, 0);
	assert_int_equal(bh_h5_link_next_deadline(&l), BH_NEVER);
	/* seq wraps 7 -> 0 */
	r.nf = 0;
	for (int i = 0; i < 4; i++) {
		bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 20);
		struct bh_h5_pkt p = frame_pkt(&r, r.nf - 1, &d);
		assert_int_equal(p.seq, (5 + i) & 7);
		feed_pkt(&l, BH_H5_ACK, false, 0, (uint8_t)((6 + i) & 7), false, NULL, 0, 20);
	}
	assert_int_equal(l.tx_seq, 1);
	/* incoming seq wraps too, and every packet carries our ack */
	r.nf = 0;
	for (int i = 0; i < 10; i++)
		feed_pkt(&l, BH_H5_EVT, true, (uint8_t)(i & 7), l.tx_seq, false, EVT_CC,
			 sizeof(EVT_CC), 30);
	assert_int_equal(r.np, 10);
	assert_int_equal(r.nf, 10); /* one pure ack each */
	struct bh_h5_pkt a = frame_pkt(&r, 9, &d);
	assert_int_equal(a.type, BH_H5_ACK);
	assert_false(a.reliable);
	assert_int_equal(a.ack, 10 & 7);
}

static void test_retransmission(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	establish(&l, &r, 0x04);
	bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 100);
	bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 120);
	assert_int_equal(r.nf, 2);
	assert_int_equal(bh_h5_link_next_deadline(&l), 350);
	bh_h5_link_timeout(&l, 349);
	assert_int_equal(r.nf, 2);
	bh_h5_link_timeout(&l, 350);
	assert_int_equal(r.nf, 4); /* both resent, same seq */
	struct dec d;
	assert_int_equal(frame_pkt(&r, 2, &d).seq, 0);
	assert_int_equal(frame_pkt(&r, 3, &d).seq, 1);
	/* ack of the first one stops its resending and restarts the timer */
	feed_pkt(&l, BH_H5_ACK, false, 0, 1, false, NULL, 0, 400);
	assert_int_equal(bh_h5_link_next_deadline(&l), 650);
	bh_h5_link_timeout(&l, 650);
	assert_int_equal(r.nf, 5);
	assert_int_equal(frame_pkt(&r, 4, &d).seq, 1);
	/* nobody acks: give up after max_retx rounds */
	bh_time_ms now = 650;
	while (l.state == BH_H5_ACTIVE && now < 60000) {
		now = bh_h5_link_next_deadline(&l);
		bh_h5_link_timeout(&l, now);
	}
	assert_int_equal(l.state, BH_H5_FAILED);
	assert_int_equal(r.ev[r.nev - 1], BH_H5_EV_RETX_TIMEOUT);
	assert_int_equal(l.stats.tx_retx, 2 + 20);
}

static void test_duplicates_and_gaps(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	establish(&l, &r, 0x04);
	struct dec d;
	feed_pkt(&l, BH_H5_EVT, true, 0, 0, false, EVT_CC, sizeof(EVT_CC), 0);
	assert_int_equal(r.np, 1);
	assert_int_equal(r.ptype[0], 0x04);
	assert_int_equal(frame_pkt(&r, 0, &d).ack, 1);
	/* the same again (our ack was lost): dropped, re-acknowledged */
	feed_pkt(&l, BH_H5_EVT, true, 0, 0, false, EVT_CC, sizeof(EVT_CC), 0);
	assert_int_equal(r.np, 1);
	assert_int_equal(r.nf, 2);
	assert_int_equal(frame_pkt(&r, 1, &d).ack, 1);
	assert_int_equal(l.stats.rx_dup, 1);
	/* a gap (seq 2 when 1 is expected): dropped, ack says 1 */
	feed_pkt(&l, BH_H5_EVT, true, 2, 0, false, EVT_CC, sizeof(EVT_CC), 0);
	assert_int_equal(r.np, 1);
	assert_int_equal(frame_pkt(&r, 2, &d).ack, 1);
	assert_int_equal(l.stats.rx_ooo, 1);
	/* an unreliable ack-only packet is not acknowledged */
	feed_pkt(&l, BH_H5_ACK, false, 0, 0, false, NULL, 0, 0);
	assert_int_equal(r.nf, 3);
	/* a reliable packet that is not a consistent HCI packet is acked, not delivered */
	feed_pkt(&l, BH_H5_EVT, true, 1, 0, false, (const uint8_t[]){ 0x0e, 0x09, 0x01 }, 3, 0);
	assert_int_equal(r.np, 1);
	assert_int_equal(frame_pkt(&r, 3, &d).ack, 2);
}

static void test_corrupt_dropped(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	establish(&l, &r, 0x14);
	uint8_t wire[BH_H5_MAX_WIRE];
	struct bh_h5_pkt p = { .seq = 0, .reliable = true, .crc = true, .type = BH_H5_EVT };
	size_t n = bh_h5_encode(&p, EVT_CC, sizeof(EVT_CC), wire);
	wire[7] ^= 0x02; /* a payload byte (no escapes in this frame) */
	bh_h5_link_rx(&l, wire, n, 0);
	assert_int_equal(r.np, 0);
	assert_int_equal(r.nf, 0); /* nothing to acknowledge */
	assert_int_equal(l.stats.rx_bad, 1);
	assert_int_equal(l.rx_ack, 0);
	wire[7] ^= 0x02;
	wire[2] ^= 0x80; /* header: checksum catches it */
	bh_h5_link_rx(&l, wire, n, 0);
	assert_int_equal(r.np, 0);
	wire[2] ^= 0x80;
	bh_h5_link_rx(&l, wire, n, 0);
	assert_int_equal(r.np, 1);
	/* a reliable link-control or pre-config HCI packet is ignored */
	feed_pkt(&l, BH_H5_LINK_CTRL, true, 1, 0, false, (const uint8_t[]){ 0x01, 0x7e }, 2, 0);
	assert_int_equal(l.state, BH_H5_ACTIVE);
}

static void test_low_power_ignored(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	establish(&l, &r, 0x04);
	struct dec d;
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x05, 0xfa }, 2, 0);
	assert_int_equal(r.nf, 1); /* Wakeup -> Woken */
	struct bh_h5_pkt p = frame_pkt(&r, 0, &d);
	assert_memory_equal(p.payload, ((const uint8_t[]){ 0x06, 0xf9 }), 2);
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x06, 0xf9 }, 2, 0);
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x07, 0x78 }, 2, 0);
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x09 }, 1, 0);
	assert_int_equal(r.nf, 1);
	assert_int_equal(l.state, BH_H5_ACTIVE);
	assert_int_equal(r.nev, 0);
	feed_pkt(&l, BH_H5_EVT, true, 0, 0, false, EVT_CC, sizeof(EVT_CC), 0);
	assert_int_equal(r.np, 1);
}

static void test_peer_reset(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	establish(&l, &r, 0x04);
	bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 0);
	feed_pkt(&l, BH_H5_EVT, true, 0, 0, false, EVT_CC, sizeof(EVT_CC), 0);
	r.nf = 0;
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x01, 0x7e }, 2, 500);
	assert_int_equal(r.nev, 1);
	assert_int_equal(r.ev[0], BH_H5_EV_PEER_RESET);
	assert_int_equal(l.state, BH_H5_UNINITIALIZED);
	assert_int_equal(l.q_len, 0);
	assert_int_equal(l.rx_ack, 0);
	/* our SYNC, then the SYNC RESPONSE */
	struct dec d;
	assert_int_equal(r.nf, 2);
	assert_memory_equal(frame_pkt(&r, 0, &d).payload, ((const uint8_t[]){ 0x01, 0x7e }), 2);
	assert_memory_equal(frame_pkt(&r, 1, &d).payload, SYNC_RSP, 2);
	/* establishment starts over, with fresh sequence numbers */
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, SYNC_RSP, 2, 510);
	feed_pkt(&l, BH_H5_LINK_CTRL, false, 0, 0, false, (const uint8_t[]){ 0x04, 0x7b, 0x04 }, 3,
		 520);
	assert_int_equal(l.state, BH_H5_ACTIVE);
	r.nf = 0;
	bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 530);
	assert_int_equal(frame_pkt(&r, 0, &d).seq, 0);
}

static void test_bounded_queue(void **state)
{
	(void)state;
	struct rec r = { 0 };
	static struct bh_h5_link l;
	bh_h5_link_init(&l, NULL, &(struct bh_h5_link_port){ rec_write, rec_deliver, rec_event, &r },
			0);
	for (int i = 0; i < BH_H5_TXQ; i++)
		assert_int_equal(bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 0), BH_OK);
	assert_int_equal(bh_h5_link_send(&l, 0x01, CMD_RESET, 3, 0), BH_EBUSY);
	assert_int_equal(bh_h5_link_send(&l, 0x01, CMD_RESET, 2, 0), BH_EINVAL);
	assert_int_equal(bh_h5_link_send(&l, 0x09, CMD_RESET, 3, 0), BH_EINVAL);
	/* SCO is unreliable and not queued */
	assert_int_equal(bh_h5_link_send(&l, 0x03, (const uint8_t[]){ 1, 0, 0 }, 3, 0), BH_OK);
	assert_int_equal(r.nf, 1);
}

/* ---- two links over a lossy, corrupting, reordering wire ---- */

struct wire_end {
	struct bh_h5_link *peer;
	uint32_t *rng;
	int loss, corrupt, reorder; /* percent */
	uint8_t held[BH_H5_MAX_WIRE];
	size_t held_len;
	int next;      /* content of the next in-order delivery */
	bh_time_ms *now;
	/* frames in flight: delivered at the next pump */
	uint8_t q[64][BH_H5_MAX_WIRE / 8];
	size_t qlen[64];
	int nq;
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void wire_write(void *ctx, const uint8_t *b, size_t len)
{
	struct wire_end *w = ctx;
	if ((int)(rnd(w->rng) % 100) < w->loss)
		return;
	assert_true(w->nq < 64 && len <= sizeof(w->q[0]));
	memcpy(w->q[w->nq], b, len);
	if ((int)(rnd(w->rng) % 100) < w->corrupt)
		w->q[w->nq][1 + rnd(w->rng) % (len - 2)] ^= (uint8_t)(1u << (rnd(w->rng) % 8));
	w->qlen[w->nq++] = len;
	if (w->nq >= 2 && (int)(rnd(w->rng) % 100) < w->reorder) {
		uint8_t tmp[sizeof(w->q[0])];
		size_t tl = w->qlen[w->nq - 1];
		memcpy(tmp, w->q[w->nq - 1], tl);
		memcpy(w->q[w->nq - 1], w->q[w->nq - 2], w->qlen[w->nq - 2]);
		w->qlen[w->nq - 1] = w->qlen[w->nq - 2];
		memcpy(w->q[w->nq - 2], tmp, tl);
		w->qlen[w->nq - 2] = tl;
	}
}

static void wire_deliver(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct wire_end *w = ctx;
	/* exactly once and in order, whatever the wire did */
	assert_int_equal(type, 0x02);
	assert_int_equal(len, 8);
	assert_int_equal(pkt[4], w->next);
	w->next++;
}

static void wire_event(void *ctx, enum bh_h5_event ev)
{
	(void)ctx;
	assert_int_equal(ev, BH_H5_EV_ACTIVE);
}

/* Delivers what is on the wire; returns whether anything moved. */
static bool wire_pump(struct wire_end *w)
{
	if (!w->nq)
		return false;
	static uint8_t q[64][BH_H5_MAX_WIRE / 8];
	size_t qlen[64];
	int n = w->nq;
	memcpy(q, w->q, sizeof(q));
	memcpy(qlen, w->qlen, sizeof(qlen));
	w->nq = 0;
	for (int i = 0; i < n; i++)
		bh_h5_link_rx(w->peer, q[i], qlen[i], *w->now);
	return true;
}

/* Runs N ACL packets each way; b offers CRC or not (without it payload
 * corruption is undetectable by design, so the wire only corrupts with it). */
static void run_pair(bool b_crc, int corrupt, uint32_t seed)
{
	static struct bh_h5_link a, b;
	uint32_t rng = seed;
	bh_time_ms now = 0;
	static struct wire_end wa, wb;
	wa = (struct wire_end){ .peer = &b, .rng = &rng, .loss = 15, .corrupt = corrupt, .reorder = 15,
				.now = &now };
	wb = (struct wire_end){ .peer = &a, .rng = &rng, .loss = 15, .corrupt = corrupt, .reorder = 15,
				.now = &now };
	struct bh_h5_cfg cfg = { .window = 4, .crc = true, .establish_ms = 60000, .max_retx = 1000 };
	bh_h5_link_init(&a, &cfg, &(struct bh_h5_link_port){ wire_write, wire_deliver, wire_event, &wa },
			0);
	cfg.window = 3;
	cfg.crc = b_crc;
	bh_h5_link_init(&b, &cfg, &(struct bh_h5_link_port){ wire_write, wire_deliver, wire_event, &wb },
			0);
	int sent_a = 0, sent_b = 0;
	const int N = 100;
	for (int step = 0; step < 20000 && (a.stats.rx_delivered < (unsigned)N ||
					    b.stats.rx_delivered < (unsigned)N);
	     step++) {
		uint8_t acl[8] = { 0x40, 0x00, 0x04, 0x00 };
		while (sent_a < N && a.state == BH_H5_ACTIVE) {
			acl[4] = (uint8_t)sent_a;
			if (bh_h5_link_send(&a, 0x02, acl, 8, now) != BH_OK)
				break;
			sent_a++;
		}
		while (sent_b < N && b.state == BH_H5_ACTIVE) {
			acl[4] = (uint8_t)sent_b;
			if (bh_h5_link_send(&b, 0x02, acl, 8, now) != BH_OK)
				break;
			sent_b++;
		}
		bool moved = wire_pump(&wa);
		moved |= wire_pump(&wb);
		if (!moved) {
			bh_time_ms da = bh_h5_link_next_deadline(&a), db = bh_h5_link_next_deadline(&b);
			bh_time_ms d = da < db ? da : db;
			assert_true(d != BH_NEVER);
			if (d > now)
				now = d;
			bh_h5_link_timeout(&a, now);
			bh_h5_link_timeout(&b, now);
		}
	}
	assert_int_equal(a.state, BH_H5_ACTIVE);
	assert_int_equal(b.state, BH_H5_ACTIVE);
	assert_int_equal(a.stats.rx_delivered, N);
	assert_int_equal(b.stats.rx_delivered, N);
	assert_int_equal(wa.next, N);
	assert_int_equal(wb.next, N);
	assert_true(a.stats.tx_retx > 0);
	if (corrupt)
		assert_true(a.stats.rx_bad > 0 && b.stats.rx_bad > 0);
	assert_true(a.stats.rx_dup + a.stats.rx_ooo + b.stats.rx_dup + b.stats.rx_ooo > 0);
	assert_int_equal(a.tx_win, 3);
	assert_int_equal(a.tx_crc, b_crc);
	assert_int_equal(b.tx_crc, b_crc);
}

static void test_lossy_pair_crc(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 20; seed++)
		run_pair(true, 10, seed * 7919);
}

static void test_lossy_pair_no_crc(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 20; seed++)
		run_pair(false, 0, seed * 104729);
}

/* ---- the h5: transport on a pty, a peer link on the master side ---- */

struct pty_peer {
	int master;
	struct bh_h5_link link;
	int got_cmds;
	int rx_events, lost;
	bh_status why;
	bh_time_ms now;
};

static void peer_write(void *ctx, const uint8_t *b, size_t len)
{
	struct pty_peer *pp = ctx;
	assert_int_equal(write(pp->master, b, len), (ssize_t)len);
}

static void peer_deliver(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct pty_peer *pp = ctx;
	assert_int_equal(type, 0x01);
	assert_int_equal(len, 3);
	assert_memory_equal(pkt, CMD_RESET, 3);
	pp->got_cmds++;
	bh_h5_link_send(&pp->link, 0x04, EVT_CC, sizeof(EVT_CC), pp->now);
}

static void peer_event(void *ctx, enum bh_h5_event ev)
{
	(void)ctx;
	(void)ev;
}

static void tp_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct pty_peer *pp = ctx;
	assert_int_equal(type, 0x04);
	assert_memory_equal(pkt, EVT_CC, len);
	pp->rx_events++;
}

static void tp_lost(void *ctx, bh_status why)
{
	struct pty_peer *pp = ctx;
	pp->lost++;
	pp->why = why;
}

/* One loop turn: the transport's fd and deadline, then the peer's bytes. */
static void pty_turn(struct bh_transport *t, struct pty_peer *pp, bool peer_on)
{
	struct pollfd fds[BH_TRANSPORT_MAX_FDS + 1];
	int n = bh_transport_pollfds(t, fds, BH_TRANSPORT_MAX_FDS);
	fds[n] = (struct pollfd){ .fd = pp->master, .events = POLLIN };
	poll(fds, (nfds_t)n + 1, 2);
	if (n)
		bh_transport_process(t, fds, n);
	if (fds[n].revents & POLLIN) {
		uint8_t buf[4096];
		ssize_t r = read(pp->master, buf, sizeof(buf));
		if (r > 0 && peer_on)
			bh_h5_link_rx(&pp->link, buf, (size_t)r, pp->now);
	}
	if (bh_transport_next_deadline(t) <= pp->now)
		bh_transport_process(t, NULL, 0);
	if (peer_on)
		bh_h5_link_timeout(&pp->link, pp->now);
	pp->now += 10; /* virtual: 10 ms per turn, whatever the real time */
}

static int open_pty(char *name, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	snprintf(name, len, "h5:%s", ptsname(m));
	return m;
}

static void test_transport_on_pty(void **state)
{
	(void)state;
	static struct pty_peer pp;
	memset(&pp, 0, sizeof(pp));
	char spec[128];
	pp.master = open_pty(spec, sizeof(spec));
	struct bh_transport *t = NULL;
	char err[256];
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	assert_non_null(strstr(bh_transport_name(t), "h5:/dev/pts/"));
	struct bh_env env = { .now = bh_manual_clock, .now_ctx = &pp.now };
	bh_transport_set_port(t, &(struct bh_transport_port){ .rx = tp_rx, .lost = tp_lost,
							       .ctx = &pp, .env = &env });
	/* the command waits in the queue until the link is up */
	assert_int_equal(bh_transport_send(t, 0x01, CMD_RESET, 3), BH_OK);
	bh_h5_link_init(&pp.link, NULL,
			&(struct bh_h5_link_port){ peer_write, peer_deliver, peer_event, &pp },
			pp.now);
	for (int i = 0; i < 300 && pp.rx_events < 1; i++)
		pty_turn(t, &pp, true);
	assert_int_equal(pp.got_cmds, 1);
	assert_int_equal(pp.rx_events, 1);
	assert_int_equal(pp.lost, 0);
	/* the controller restarts: its SYNC on an active link = transport lost */
	bh_h5_link_init(&pp.link, NULL,
			&(struct bh_h5_link_port){ peer_write, peer_deliver, peer_event, &pp },
			pp.now);
	for (int i = 0; i < 100 && !pp.lost; i++)
		pty_turn(t, &pp, true);
	assert_int_equal(pp.lost, 1);
	assert_int_equal(pp.why, BH_ETRANSPORT);
	assert_int_equal(bh_transport_send(t, 0x01, CMD_RESET, 3), BH_ETRANSPORT);
	bh_transport_close(t);
	close(pp.master);
}

static void test_transport_never_syncs(void **state)
{
	(void)state;
	static struct pty_peer pp;
	memset(&pp, 0, sizeof(pp));
	char spec[128];
	pp.master = open_pty(spec, sizeof(spec));
	struct bh_transport *t = NULL;
	char err[256];
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	struct bh_env env = { .now = bh_manual_clock, .now_ctx = &pp.now };
	bh_transport_set_port(t, &(struct bh_transport_port){ .rx = tp_rx, .lost = tp_lost,
							       .ctx = &pp, .env = &env });
	int turns = 0;
	while (!pp.lost && turns++ < 1000)
		pty_turn(t, &pp, false);
	assert_int_equal(pp.lost, 1);
	assert_int_equal(pp.why, BH_ETRANSPORT);
	assert_true(pp.now >= 1500 && pp.now <= 1600);
	assert_int_equal(bh_transport_pollfds(t, (struct pollfd[1]){ 0 }, 1), 0);
	bh_transport_close(t);
	close(pp.master);
}

static void test_transport_spec_errors(void **state)
{
	(void)state;
	struct bh_transport *t = NULL;
	char err[256];
	assert_int_equal(bh_transport_open("h5:", &t, err, sizeof(err)), BH_EINVAL);
	assert_non_null(strstr(err, "h5:"));
	assert_int_equal(bh_transport_open("h5:/dev/null,99999999", &t, err, sizeof(err)), BH_EINVAL);
	assert_non_null(strstr(err, "h5:/dev/null: bad option '99999999'"));
	assert_int_equal(bh_transport_open("h5:/nonexistent/tty", &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "h5:/nonexistent/tty: cannot open"));
	assert_int_equal(bh_transport_open("h5:/dev/null", &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "not a tty"));
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slip_escaping),
		cmocka_unit_test(test_slip_noise_bad_escape_overflow),
		cmocka_unit_test(test_header_checksum),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_establishment),
		cmocka_unit_test(test_config_response_without_field),
		cmocka_unit_test(test_never_syncs),
		cmocka_unit_test(test_window_and_wraparound),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_duplicates_and_gaps),
		cmocka_unit_test(test_corrupt_dropped),
		cmocka_unit_test(test_low_power_ignored),
		cmocka_unit_test(test_peer_reset),
		cmocka_unit_test(test_bounded_queue),
		cmocka_unit_test(test_lossy_pair_crc),
		cmocka_unit_test(test_lossy_pair_no_crc),
		cmocka_unit_test(test_transport_on_pty),
		cmocka_unit_test(test_transport_never_syncs),
		cmocka_unit_test(test_transport_spec_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
