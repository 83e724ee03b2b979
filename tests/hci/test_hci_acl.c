/* HCI layer unit tests: the connection table, ACL fragmentation, flow
 * control from Number Of Completed Packets, and reassembly of malformed
 * input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hci_fake.h"

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	fake_init_btvirt(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	if (f->hci)
		fake_free(f);
	free(f);
	return 0;
}

/* An L2CAP frame of n payload bytes on CID 4 with a recognisable pattern. */
static size_t make_frame(uint8_t *buf, size_t n, uint8_t seed)
{
	bh_put16(buf, (uint16_t)n);
	bh_put16(buf + 2, 0x0004);
	for (size_t i = 0; i < n; i++)
		buf[4 + i] = (uint8_t)(seed + i * 7);
	return 4 + n;
}

static void up(struct fake *f, uint16_t mtu, uint8_t credits, const struct bh_hci_config *cfg)
{
	f->le_mtu = mtu;
	f->le_cnt = credits;
	fake_new_hci(f, cfg);
	fake_bring_up(f);
	fake_clear_sent(f);
}

static unsigned acl_credits(struct fake *f)
{
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	return st.acl_credits_free;
}

static unsigned acl_dropped(struct fake *f)
{
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	return st.acl_dropped;
}

/* Checks the ACL packets sent from index `from` rebuild `frame` for handle
 * with PB 0b00 then 0b01 and no fragment above mtu. */
static void check_fragments(const struct fake *f, unsigned from, uint16_t handle, unsigned mtu,
			    const uint8_t *frame, size_t len)
{
	uint8_t got[4096];
	size_t off = 0;
	unsigned nfrag = 0;
	for (unsigned i = from; i < f->nsent; i++) {
		const struct fake_pkt *p = &f->sent[i];
		if (p->type != BH_H4_ACL)
			continue;
		uint16_t hdr = bh_get16(p->data);
		uint16_t dlen = bh_get16(p->data + 2);
		assert_int_equal(hdr & 0x0fff, handle);
		assert_int_equal((hdr >> 12) & 3, nfrag == 0 ? 0 : 1);
		assert_int_equal((hdr >> 14) & 3, 0);
		assert_int_equal(dlen, p->len - 4);
		assert_true(dlen <= mtu);
		assert_true(dlen > 0);
		memcpy(got + off, p->data + 4, dlen);
		off += dlen;
		nfrag++;
	}
	assert_int_equal(off, len);
	assert_memory_equal(got, frame, len);
	assert_int_equal(nfrag, (len + mtu - 1) / mtu);
}

static void test_fragmentation_mtus(void **state)
{
	struct fake *f = *state;
	const unsigned mtus[] = { 27, 64, 192, 251, 1021 };
	const size_t sizes[] = { 4, 23, 27, 28, 100, 251, 517, 2052 };
	for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		fake_init_btvirt(f);
		up(f, (uint16_t)mtus[m], 255, NULL);
		fake_le_conn(f, 0x0042);
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			uint8_t frame[4 + 2048];
			size_t len = make_frame(frame, sizes[s] - 4, (uint8_t)s);
			unsigned from = f->nsent;
			assert_int_equal(bh_hci_acl_send(f->hci, 0x0042, frame, len), BH_OK);
			check_fragments(f, from, 0x0042, mtus[m], frame, len);
			/* give the credits back so the next frame goes out at once */
			fake_nocp(f, 0x0042, (uint16_t)(f->nsent - from));
			assert_int_equal(acl_credits(f), 255);
		}
		fake_free(f);
	}
}

static void test_acl_send_errors(void **state)
{
	struct fake *f = *state;
	struct bh_hci_config cfg;
	bh_hci_config_default(&cfg);
	cfg.rx_max_frame = 4 + 100;
	up(f, 27, 4, &cfg);
	uint8_t frame[4 + 200];
	size_t len = make_frame(frame, 10, 1);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, frame, len), BH_ENOTFOUND);
	fake_le_conn(f, 0x0001);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, frame, 3), BH_EINVAL);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, NULL, 8), BH_EINVAL);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, frame, len - 1), BH_EINVAL);
	len = make_frame(frame, 101, 1);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, frame, len), BH_EINVAL);
	len = make_frame(frame, 100, 1);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, frame, len), BH_OK);
	bh_hci_fail_alloc(f->hci, -1, 0);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, frame, len), BH_ENOMEM);
	bh_hci_fail_alloc(f->hci, -1, -1);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x0001, frame, len), BH_OK);
	assert_false(bh_hci_acl_can_send(f->hci, 0x0999));
}

/* A controller with one 192-byte buffer, a transmit queue of two, link 0x10
 * up, and a 20-byte frame in `frame` (returns its length). */
static size_t up_one_credit_queue2(struct fake *f, uint8_t frame[64])
{
	struct bh_hci_config cfg;
	bh_hci_config_default(&cfg);
	cfg.tx_queue_depth = 2;
	up(f, 192, 1, &cfg);
	fake_le_conn(f, 0x0010);
	return make_frame(frame, 20, 3);
}

static void test_credits_and_queue_full(void **state)
{
	struct fake *f = *state;
	uint8_t frame[64];
	size_t len = up_one_credit_queue2(f, frame);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x10, frame, len), BH_OK); /* sent */
	assert_int_equal(fake_count(f, BH_H4_ACL), 1);
	assert_int_equal(acl_credits(f), 0);
	assert_int_equal(bh_hci_acl_send(f->hci, 0x10, frame, len), BH_OK); /* queued */
	assert_int_equal(bh_hci_acl_send(f->hci, 0x10, frame, len), BH_OK); /* queued */
	assert_false(bh_hci_acl_can_send(f->hci, 0x10));
	assert_int_equal(bh_hci_acl_send(f->hci, 0x10, frame, len), BH_EBUSY);
	assert_int_equal(fake_count(f, BH_H4_ACL), 1); /* controller buffer is full */
	assert_int_equal(f->can_send_calls, 0);
	fake_nocp(f, 0x10, 1);
	assert_int_equal(fake_count(f, BH_H4_ACL), 2);
	assert_int_equal(f->can_send_calls, 1);
	assert_int_equal(f->last_can_send, 0x10);
	assert_true(bh_hci_acl_can_send(f->hci, 0x10));
	/* no second notification without another BH_EBUSY */
	fake_nocp(f, 0x10, 1);
	assert_int_equal(fake_count(f, BH_H4_ACL), 3);
	assert_int_equal(f->can_send_calls, 1);
	/* a controller that completes more than we sent cannot inflate credits */
	fake_nocp(f, 0x10, 50);
	assert_int_equal(acl_credits(f), 1);
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.tx_queue_high_water, 2);
}

/* bh_hci_acl_send_flow says when a frame filled the queue, and that promise
 * of a can-send holds although nobody was refused. */
static void test_send_flow_now_full(void **state)
{
	struct fake *f = *state;
	uint8_t frame[64];
	size_t len = up_one_credit_queue2(f, frame);
	/* Sent at once: nothing stays queued. */
	assert_int_equal(bh_hci_acl_send_flow(f->hci, 0x10, frame, len), BH_OK);
	assert_int_equal(bh_hci_acl_send_flow(f->hci, 0x10, frame, len), BH_OK);
	assert_int_equal(bh_hci_acl_send_flow(f->hci, 0x10, frame, len), BH_HCI_ACL_NOW_FULL);
	assert_false(bh_hci_acl_can_send(f->hci, 0x10));
	assert_int_equal(f->can_send_calls, 0);
	fake_nocp(f, 0x10, 1);
	assert_int_equal(f->can_send_calls, 1); /* no BH_EBUSY was needed */
	assert_int_equal(f->last_can_send, 0x10);
	/* The plain call never says it and promises nothing. */
	assert_int_equal(bh_hci_acl_send(f->hci, 0x10, frame, len), BH_OK);
	assert_false(bh_hci_acl_can_send(f->hci, 0x10));
	fake_nocp(f, 0x10, 1);
	assert_int_equal(f->can_send_calls, 1);
	/* Unknown links and bad frames as bh_hci_acl_send. */
	assert_int_equal(bh_hci_acl_send_flow(f->hci, 0x11, frame, len), BH_ENOTFOUND);
	assert_int_equal(bh_hci_acl_send_flow(f->hci, 0x10, frame, 3), BH_EINVAL);
}

static uint16_t acl_handle(const struct fake_pkt *p)
{
	return bh_get16(p->data) & 0x0fff;
}

static void test_nocp_two_connections_round_robin(void **state)
{
	struct fake *f = *state;
	up(f, 27, 2, NULL);
	fake_le_conn(f, 0x0001);
	fake_le_conn(f, 0x0002);
	uint8_t frame[64];
	size_t len = make_frame(frame, 50, 9); /* 54 bytes: 2 fragments at 27 */
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, len), BH_OK);
	assert_int_equal(fake_count(f, BH_H4_ACL), 2); /* both credits used by A */
	assert_int_equal(acl_credits(f), 0);
	/* A queues again first, yet B is not starved: fragments alternate. */
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, len), BH_OK);
	assert_int_equal(bh_hci_acl_send(f->hci, 2, frame, len), BH_OK);
	assert_int_equal(bh_hci_acl_send(f->hci, 2, frame, len), BH_OK);
	assert_int_equal(fake_count(f, BH_H4_ACL), 2);
	fake_nocp(f, 1, 2);
	assert_int_equal(fake_count(f, BH_H4_ACL), 4);
	/* NOCP for both handles in one event (7.7.19) */
	uint8_t p[9] = { 2 };
	bh_put16(p + 1, 1);
	bh_put16(p + 3, 1);
	bh_put16(p + 5, 2);
	bh_put16(p + 7, 1);
	fake_event(f, BH_HCI_EVT_NUM_COMPLETED_PACKETS, p, sizeof(p));
	assert_int_equal(fake_count(f, BH_H4_ACL), 6);
	for (unsigned i = 3; i < 6; i++)
		assert_int_not_equal(acl_handle(&f->sent[i]), acl_handle(&f->sent[i - 1]));
	/* each frame still arrives in order for its own handle */
	for (unsigned i = 2; i < 6; i++) {
		unsigned pb = (bh_get16(f->sent[i].data) >> 12) & 3;
		assert_int_equal(pb, i < 4 ? 0 : 1);
	}
	assert_int_equal(acl_credits(f), 0);
	/* unknown handle and a short NOCP change nothing */
	fake_nocp(f, 0x0333, 5);
	assert_int_equal(acl_credits(f), 0);
	uint8_t shortp[5] = { 2, 1, 0, 1, 0 };
	struct bh_hci_stats before, after;
	bh_hci_stats(f->hci, &before);
	fake_event(f, BH_HCI_EVT_NUM_COMPLETED_PACKETS, shortp, sizeof(shortp));
	bh_hci_stats(f->hci, &after);
	assert_int_equal(after.events_dropped_short, before.events_dropped_short + 1);
	assert_int_equal(acl_credits(f), 0);
	assert_int_equal(f->event_calls, 0); /* NOCP is never forwarded */
}

static void test_nocp_overreport_does_not_lend_credits(void **state)
{
	struct fake *f = *state;
	up(f, 27, 2, NULL);
	fake_le_conn(f, 0x0001);
	fake_le_conn(f, 0x0002);
	uint8_t frame[16];
	size_t len = make_frame(frame, 8, 1);
	bh_hci_acl_send(f->hci, 1, frame, len);
	bh_hci_acl_send(f->hci, 2, frame, len);
	bh_hci_acl_send(f->hci, 2, frame, len);
	bh_hci_acl_send(f->hci, 2, frame, len);
	assert_int_equal(fake_count(f, BH_H4_ACL), 2);
	/* A had one packet out: only one buffer is free, B's packet still
	 * occupies the other. */
	fake_nocp(f, 1, 5);
	assert_int_equal(fake_count(f, BH_H4_ACL), 3);
	assert_int_equal(acl_credits(f), 0);
	/* and A's count stays sane: one more completion of B frees one */
	fake_nocp(f, 2, 1);
	assert_int_equal(fake_count(f, BH_H4_ACL), 4);
	fake_nocp(f, 2, 2);
	assert_int_equal(acl_credits(f), 2);
	/* 4 reported beyond the one in flight on 1, and an unknown
	 * handle: counted, ignored */
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.credits_excess, 4);
	fake_nocp(f, 0x0009, 3);
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.events_unknown_handle, 1);
	assert_int_equal(st.credits_excess, 4);
	assert_int_equal(acl_credits(f), 2);
}

static void test_disconnect_returns_credits(void **state)
{
	struct fake *f = *state;
	up(f, 27, 3, NULL);
	fake_le_conn(f, 0x0001);
	fake_le_conn(f, 0x0002);
	uint8_t frame[64];
	size_t len = make_frame(frame, 60, 1); /* 3 fragments */
	bh_hci_acl_send(f->hci, 1, frame, len);
	bh_hci_acl_send(f->hci, 1, frame, len);
	assert_int_equal(fake_count(f, BH_H4_ACL), 3);
	len = make_frame(frame, 10, 2);
	bh_hci_acl_send(f->hci, 2, frame, len);
	assert_int_equal(fake_count(f, BH_H4_ACL), 3);
	/* a failed disconnection changes nothing */
	uint8_t bad[4] = { 0x0c, 1, 0, 0x13 };
	fake_event(f, BH_HCI_EVT_DISCONN_COMPLETE, bad, 4);
	assert_true(bh_hci_acl_can_send(f->hci, 1));
	assert_int_equal(f->event_calls, 1); /* forwarded anyway */
	fake_clear_sent(f);
	fake_disconn(f, 1);
	assert_int_equal(f->event_calls, 2);
	assert_int_equal(f->last_event, BH_HCI_EVT_DISCONN_COMPLETE);
	/* A's 3 credits came back; B's frame went, A's queue was dropped */
	assert_int_equal(fake_count(f, BH_H4_ACL), 1);
	assert_int_equal(acl_handle(&f->sent[0]), 2);
	assert_int_equal(acl_credits(f), 2);
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, len), BH_ENOTFOUND);
	assert_false(bh_hci_acl_can_send(f->hci, 1));
	/* a late NOCP for the gone handle is ignored */
	fake_nocp(f, 1, 3);
	assert_int_equal(acl_credits(f), 2);
	fake_nocp(f, 2, 1);
	assert_int_equal(acl_credits(f), 3);
}

static void test_conn_table(void **state)
{
	struct fake *f = *state;
	struct bh_hci_config cfg;
	bh_hci_config_default(&cfg);
	cfg.max_connections = 2;
	up(f, 27, 4, &cfg);
	uint8_t frame[16];
	size_t len = make_frame(frame, 4, 0);
	/* failed LE Connection Complete: no handle */
	/* status 0x3e: Connection Failed to be Established */
	uint8_t ev[19] = { BH_LE_CONN_COMPLETE, 0x3e, 0x05, 0x00 };
	fake_event(f, BH_HCI_EVT_LE_META, ev, sizeof(ev));
	assert_int_equal(f->le_meta_calls, 1); /* still forwarded */
	assert_int_equal(bh_hci_acl_send(f->hci, 5, frame, len), BH_ENOTFOUND);
	/* Enhanced v1 (30 bytes after sub-event) and v2 (33) add handles */
	uint8_t enh[31] = { BH_LE_ENH_CONN_COMPLETE, 0x00, 0x07, 0x00 };
	fake_event(f, BH_HCI_EVT_LE_META, enh, sizeof(enh));
	assert_true(bh_hci_acl_can_send(f->hci, 7));
	uint8_t enh2[34] = { BH_LE_ENH_CONN_COMPLETE_V2, 0x00, 0x08, 0x00 };
	fake_event(f, BH_HCI_EVT_LE_META, enh2, sizeof(enh2));
	assert_true(bh_hci_acl_can_send(f->hci, 8));
	/* table full: the third is not tracked */
	fake_le_conn(f, 9);
	assert_false(bh_hci_acl_can_send(f->hci, 9));
	/* an invalid handle is never added */
	fake_disconn(f, 8);
	fake_le_conn(f, 0x0f00);
	assert_false(bh_hci_acl_can_send(f->hci, 0x0f00));
	/* a handle connected twice: the event is dropped, the link and its
	 * packet in flight kept */
	bh_hci_acl_send(f->hci, 7, frame, len);
	fake_le_conn(f, 7);
	assert_true(bh_hci_acl_can_send(f->hci, 7));
	assert_int_equal(acl_credits(f), 3);
	fake_nocp(f, 7, 1);
	assert_int_equal(acl_credits(f), 4);
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.events_invalid, 2); /* 0x0f00 and the second 7 */
}

static void test_rx_reassembly(void **state)
{
	struct fake *f = *state;
	up(f, 27, 4, NULL);
	fake_le_conn(f, 0x0003);
	uint8_t frame[200];
	size_t len = make_frame(frame, 100, 5);
	/* single complete packet, PB 0b10 */
	fake_acl(f, 3, 2, frame, 20);
	assert_int_equal(f->acl_calls, 0); /* only 20 of 104 */
	fake_acl(f, 3, 1, frame + 20, 50);
	fake_acl(f, 3, 1, frame + 70, 0); /* empty continuation: harmless */
	fake_acl(f, 3, 1, frame + 70, 34);
	assert_int_equal(f->acl_calls, 1);
	assert_int_equal(f->last_acl_handle, 3);
	assert_int_equal(f->last_acl_len, len);
	assert_memory_equal(f->last_acl, frame, len);
	/* a whole frame in one packet */
	len = make_frame(frame, 5, 6);
	fake_acl(f, 3, 2, frame, len);
	assert_int_equal(f->acl_calls, 2);
	assert_int_equal(f->last_acl_len, 9);
	/* empty L2CAP payload */
	len = make_frame(frame, 0, 0);
	fake_acl(f, 3, 2, frame, len);
	assert_int_equal(f->acl_calls, 3);
	assert_int_equal(acl_dropped(f), 0);
}

/* A start fragment shorter than the basic header is legal (Vol 4, Part E,
 * 5.4.2): the header is completed by continuations, and the frame's length
 * then bounds the rest. Exact bytes on the wire. */
static void test_rx_short_start(void **state)
{
	struct fake *f = *state;
	up(f, 27, 4, NULL);
	fake_le_conn(f, 0x0003);
	/* ATT Read Request for 0x0003 split 2 + 5: length 3, CID 4 */
	const uint8_t p1[] = { 0x03, 0x20, 0x02, 0x00, 0x03, 0x00 };
	const uint8_t p2[] = { 0x03, 0x10, 0x05, 0x00, 0x04, 0x00, 0x0a, 0x03, 0x00 };
	bh_hci_on_packet(f->hci, BH_H4_ACL, p1, sizeof(p1));
	assert_int_equal(f->acl_calls, 0);
	bh_hci_on_packet(f->hci, BH_H4_ACL, p2, sizeof(p2));
	assert_int_equal(f->acl_calls, 1);
	const uint8_t want[] = { 0x03, 0x00, 0x04, 0x00, 0x0a, 0x03, 0x00 };
	assert_int_equal(f->last_acl_len, sizeof(want));
	assert_memory_equal(f->last_acl, want, sizeof(want));
	/* one byte at a time, a zero-length start first */
	fake_acl(f, 3, 2, want, 0);
	for (size_t i = 0; i < sizeof(want); i++)
		fake_acl(f, 3, 1, want + i, 1);
	assert_int_equal(f->acl_calls, 2);
	assert_memory_equal(f->last_acl, want, sizeof(want));
	/* 1 + 6 */
	fake_acl(f, 3, 2, want, 1);
	fake_acl(f, 3, 1, want + 1, 6);
	assert_int_equal(f->acl_calls, 3);
	assert_int_equal(acl_dropped(f), 0);
	/* the header, once known, bounds the frame: 3 + 5 overruns 7 */
	const uint8_t over[] = { 0x03, 0x00, 0x04, 0x00, 0x0a, 0x03, 0x00, 0xee };
	fake_acl(f, 3, 2, over, 3);
	fake_acl(f, 3, 1, over + 3, 5);
	assert_int_equal(acl_dropped(f), 1);
	assert_int_equal(f->acl_calls, 3);
	/* a header announcing more than rx_max_frame is dropped when complete */
	const uint8_t huge[] = { 0xff, 0xff, 0x04, 0x00 };
	fake_acl(f, 3, 2, huge, 2);
	fake_acl(f, 3, 1, huge + 2, 2);
	assert_int_equal(acl_dropped(f), 2);
	fake_acl(f, 3, 1, want, 3); /* its rest: no start any more */
	assert_int_equal(acl_dropped(f), 3);
	/* the link still works */
	fake_acl(f, 3, 2, want, sizeof(want));
	assert_int_equal(f->acl_calls, 4);
}

/* Packet_Boundary_Flag 0b00 is host to controller only on LE, 0b11 is not
 * LE at all (5.4.2): the packet is dropped and counted, a reassembly in
 * progress and the link carry on. */
static void test_rx_bad_boundary_flag(void **state)
{
	struct fake *f = *state;
	up(f, 27, 4, NULL);
	fake_le_conn(f, 0x0003);
	const uint8_t want[] = { 0x03, 0x00, 0x04, 0x00, 0x0a, 0x03, 0x00 };
	const uint8_t pb00[] = { 0x03, 0x00, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x0a, 0x03, 0x00 };
	bh_hci_on_packet(f->hci, BH_H4_ACL, pb00, sizeof(pb00));
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.acl_bad_boundary, 1);
	assert_int_equal(st.acl_dropped, 1);
	assert_int_equal(f->acl_calls, 0);
	fake_acl(f, 3, 2, want, 4);
	fake_acl(f, 3, 0, want, sizeof(want)); /* in the middle of a frame */
	fake_acl(f, 3, 3, want, sizeof(want));
	fake_acl(f, 3, 1, want + 4, 3);
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.acl_bad_boundary, 3);
	assert_int_equal(st.acl_dropped, 3);
	assert_int_equal(f->acl_calls, 1);
	assert_memory_equal(f->last_acl, want, sizeof(want));
	assert_true(bh_hci_acl_can_send(f->hci, 3));
}

/* The last message logged, for the reason a frame was dropped with. */
static char last_log[160];
static void keep_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	(void)ctx;
	(void)lvl;
	(void)layer;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static void test_rx_malformed(void **state)
{
	struct fake *f = *state;
	struct bh_hci_config cfg;
	bh_hci_config_default(&cfg);
	cfg.rx_max_frame = 4 + 64;
	up(f, 27, 4, &cfg);
	f->env.log = keep_log;
	f->env.log_level = BH_LOG_INFO;
	fake_le_conn(f, 0x0003);
	uint8_t frame[200];
	make_frame(frame, 60, 5);
	unsigned d = 0;

	/* continuation without a start */
	fake_acl(f, 3, 1, frame, 10);
	assert_int_equal(acl_dropped(f), ++d);
	/* a start while one is in progress: the old one is dropped, the new one kept */
	fake_acl(f, 3, 2, frame, 20);
	fake_acl(f, 3, 2, frame, 20);
	assert_int_equal(acl_dropped(f), ++d);
	fake_acl(f, 3, 1, frame + 20, 44);
	assert_int_equal(f->acl_calls, 1);
	assert_int_equal(f->last_acl_len, 64);
	/* a continuation that overruns the declared length drops the frame,
	 * and says so (the reason was once chosen after the length was cleared) */
	fake_acl(f, 3, 2, frame, 20);
	fake_acl(f, 3, 1, frame + 20, 45);
	assert_int_equal(acl_dropped(f), ++d);
	assert_non_null(strstr(last_log, "fragment overruns frame"));
	fake_acl(f, 3, 1, frame + 20, 44); /* the rest arrives: no start any more */
	assert_int_equal(acl_dropped(f), ++d);
	assert_int_equal(f->acl_calls, 1);
	/* a start longer than its frame */
	uint8_t small[20];
	make_frame(small, 4, 1);
	fake_acl(f, 3, 2, small, 12);
	assert_int_equal(acl_dropped(f), ++d);
	/* a frame larger than rx_max_frame */
	uint8_t big[80];
	make_frame(big, 65, 1);
	fake_acl(f, 3, 2, big, 27);
	assert_int_equal(acl_dropped(f), ++d);
	fake_acl(f, 3, 1, big + 27, 27); /* its continuation has no start */
	assert_int_equal(acl_dropped(f), ++d);
	/* a start with part of the basic header, then another start */
	fake_acl(f, 3, 2, frame, 3);
	assert_int_equal(acl_dropped(f), d);
	fake_acl(f, 3, 2, small, 8);
	assert_int_equal(acl_dropped(f), ++d);
	assert_int_equal(f->acl_calls, 2);
	/* PB 0b11 is not allowed on LE */
	fake_acl(f, 3, 3, small, 8);
	assert_int_equal(acl_dropped(f), ++d);
	/* unknown handle: the log names the packet's */
	fake_acl(f, 4, 2, small, 8);
	assert_int_equal(acl_dropped(f), ++d);
	assert_string_equal(last_log, "ACL 0x004 dropped: unknown handle");
	/* header says more data than the packet has */
	uint8_t pkt[12] = { 0x03, 0x20, 20, 0 };
	bh_hci_on_packet(f->hci, BH_H4_ACL, pkt, sizeof(pkt));
	assert_int_equal(acl_dropped(f), ++d);
	assert_string_equal(last_log, "ACL 0x003 dropped: truncated packet");
	/* shorter than an ACL header */
	bh_hci_on_packet(f->hci, BH_H4_ACL, pkt, 3);
	assert_int_equal(acl_dropped(f), ++d);
	bh_hci_on_packet(f->hci, BH_H4_ACL, NULL, 0);
	assert_int_equal(acl_dropped(f), ++d);
	assert_string_equal(last_log, "ACL 0xfff dropped: truncated packet");
	assert_int_equal(f->acl_calls, 2);
	/* the connection still works, and so does a second one */
	fake_le_conn(f, 0x0004);
	fake_acl(f, 4, 2, small, 8);
	fake_acl(f, 3, 2, small, 8);
	assert_int_equal(f->acl_calls, 4);
	/* a partial frame is discarded on disconnection */
	fake_acl(f, 3, 2, frame, 20);
	fake_disconn(f, 3);
	fake_le_conn(f, 3);
	fake_acl(f, 3, 1, frame + 20, 44);
	assert_int_equal(acl_dropped(f), ++d);
	assert_int_equal(f->acl_calls, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fragmentation_mtus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_send_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credits_and_queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_flow_now_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nocp_two_connections_round_robin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nocp_overreport_does_not_lend_credits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_returns_credits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_reassembly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_short_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_bad_boundary_flag, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
