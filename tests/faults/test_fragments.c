/* A fragment lost in the middle of a fragmented L2CAP frame (suite
 * 'faults'), against the fake controller, in virtual time. The host is
 * peripheral with a 60-octet readable, writable, indicating value; the fake
 * is the central, its ATT MTU 100, and the controller's LE buffers hold 27
 * octets, so every frame with that value spans three ACL packets.
 *
 * Controller to host (Vol 4, Part E, 5.4.2: a frame is a start packet,
 * PB 0b10, then continuations, PB 0b01; Vol 3, Part A, 3.1: the basic
 * header's length says where it ends): a continuation lost and the rest of
 * the frame delivered, then a new frame; a continuation with no start; a
 * start while a reassembly is in progress. The partial frame is dropped and
 * logged, never delivered, never spliced to what follows, and the link
 * goes on serving.
 *
 * Host to controller: the controller loses the middle packet of a frame
 * the host sent (its Number Of Completed Packets comes all the same). A
 * notification lost so costs that notification only: the next frames go
 * out whole. An indication lost so is a transaction the host waits out
 * (Vol 3, Part F, 3.3.3): BH_ETIMEDOUT after 30 s, and the host ends the
 * link. */
#include "fake_host.h"

#include <blehost/att.h>
#include <blehost/gatt_server.h>
#include <blehost/hci.h>
#include <blehost/host.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VAL_LEN 60
#define LE_BUF 27 /* octets per ACL packet (LE Read Buffer Size) */

static uint8_t initial[VAL_LEN];

static const struct bh_gatt_chr_def chr[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37),
	  .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE | BH_GATT_CHR_NOTIFY | BH_GATT_CHR_INDICATE,
	  .initial = initial, .initial_len = VAL_LEN, .max_len = VAL_LEN },
};
static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0x180d), .chrs = chr,
					    .num_chrs = 1 };

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned start_while, cont_without; /* the drops, as logged */
	unsigned att_timeouts, ind_done;
	bh_status ind_status;
	uint16_t vh;
};

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct fx *x = ctx;
	x->start_while += strstr(msg, "start while reassembling") != NULL;
	x->cont_without += strstr(msg, "continuation without start") != NULL;
	x->att_timeouts += strstr(msg, "ATT transaction timeout") != NULL;
	if (lvl <= x->fh.show || getenv(x->fh.verbose_env))
		fprintf(stderr, "  [host %s] %s\n", layer, msg);
}

static void ev_indication_done(void *ctx, uint16_t conn, uint16_t vh, bh_status st)
{
	struct fx *x = ctx;
	(void)conn;
	(void)vh;
	x->ind_done++;
	x->ind_status = st;
}

static unsigned acl_dropped(struct fx *x)
{
	struct bh_hci_stats s;
	bh_hci_stats(bh_host_hci(x->fh.h), &s);
	return s.acl_dropped;
}

/* Up, connected as peripheral, the MTU exchanged (100). */
static int setup(void **state)
{
	memset(initial, 'a', sizeof(initial));
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "FRAGMENTS_VERBOSE", BH_LOG_WARN);
	/* LE_ACL_Data_Packet_Length 27, 4 packets (Vol 4, Part E, 7.8.2) */
	fake_set_answer(x->fh.f, 0x2002, "\x00\x1b\x00\x04", 4);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	cfg.log_level = BH_LOG_INFO; /* HCI's drops are logged at info */
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.log = ev_log;
	ev.indication_done = ev_indication_done;
	char err[256] = "";
	x->fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	assert_non_null(x->fh.h);
	assert_int_equal(fake_accept(x->fh.f, x->fh.loop), 0);
	fake_host_virtual_time(&x->fh);
	struct bh_gatts *s = bh_host_gatt_server(x->fh.h);
	assert_int_equal(bh_gatts_add_services(s, &svc, 1), BH_OK);
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), BH_OK);
	x->vh = bh_gatts_value_handle(s, &chr[0]);
	assert_int_equal(fake_connect(x->fh.f, false), 0);
	fake_run(x->fh.f, 20);
	assert_int_equal(x->fh.connected, 1);
	static const uint8_t mtu[] = { 0x02, 100, 0 };
	assert_int_equal(fake_l2cap(x->fh.f, 4, mtu, sizeof(mtu)), 0);
	uint8_t rsp[8];
	assert_int_equal(fake_recv(x->fh.f, 4, rsp, sizeof(rsp), 500), 3);
	assert_int_equal(rsp[0], 0x03);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	fake_host_fini(&x->fh);
	free(x);
	return 0;
}

/* An L2CAP frame on CID 4 (basic header, Vol 3, Part A, 3.1) around pdu. */
static size_t att_frame(uint8_t *out, const uint8_t *pdu, size_t len)
{
	out[0] = (uint8_t)len;
	out[1] = (uint8_t)(len >> 8);
	out[2] = 0x04;
	out[3] = 0x00;
	memcpy(out + 4, pdu, len);
	return 4 + len;
}

/* One ACL packet to the host: PB 0b10 (start) or 0b01 (continuation). */
static void acl_packet(struct fx *x, bool start, const uint8_t *data, size_t len)
{
	uint8_t pkt[5 + 256] = { 0x02, (uint8_t)FAKE_CONN_HANDLE,
				 (uint8_t)((FAKE_CONN_HANDLE >> 8) | (start ? 0x20 : 0x10)),
				 (uint8_t)len, (uint8_t)(len >> 8) };
	assert_true(len <= 256);
	memcpy(pkt + 5, data, len);
	assert_int_equal(fake_raw(x->fh.f, pkt, 5 + len), 0);
}

/* frame in packets of at most LE_BUF octets; the packet numbered lose
 * (0 the start, -1 none) is lost on the way. */
static void send_frame(struct fx *x, const uint8_t *frame, size_t len, int lose)
{
	for (size_t off = 0, i = 0; off < len; off += LE_BUF, i++) {
		size_t n = len - off < LE_BUF ? len - off : LE_BUF;
		if ((int)i != lose)
			acl_packet(x, off == 0, frame + off, n);
	}
	fake_run(x->fh.f, 20);
}

/* A Write Request of the whole value, every octet c. */
static size_t write_frame(struct fx *x, uint8_t *out, uint8_t c)
{
	uint8_t pdu[3 + VAL_LEN] = { 0x12, (uint8_t)x->vh, (uint8_t)(x->vh >> 8) };
	memset(pdu + 3, c, VAL_LEN);
	return att_frame(out, pdu, sizeof(pdu));
}

/* The host's next ATT PDU within ms (a notification skipped): its length
 * in pdu, or -1. */
static int host_att(struct fx *x, uint8_t *pdu, size_t cap, unsigned ms)
{
	return fake_recv(x->fh.f, 4, pdu, cap, ms);
}

/* The value as a Read Request through whole frames reads it. */
static void value_is(struct fx *x, uint8_t c)
{
	uint8_t fr[16], pdu[128], want[VAL_LEN];
	const uint8_t rd[] = { 0x0a, (uint8_t)x->vh, (uint8_t)(x->vh >> 8) };
	send_frame(x, fr, att_frame(fr, rd, sizeof(rd)), -1);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 500), 1 + VAL_LEN);
	assert_int_equal(pdu[0], 0x0b);
	memset(want, c, sizeof(want));
	assert_memory_equal(pdu + 1, want, VAL_LEN);
}

/* The middle packet of a Write Request is lost, its last one arrives: the
 * frame is short of its length and nothing is delivered. A new frame's
 * start then drops the partial one (logged); the new frame, itself in two
 * packets, is served as it was sent, not spliced to the old one's rest. */
static void c2h_middle_lost_then_new_frame(void **state)
{
	struct fx *x = *state;
	uint8_t fr[128], pdu[128];
	size_t n = write_frame(x, fr, 'B');
	assert_true(n > 2 * LE_BUF); /* three packets */
	send_frame(x, fr, n, 1);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 300), -1); /* no answer to half a write */
	assert_int_equal(acl_dropped(x), 0); /* not yet known to be lost */
	/* A Read Request in two packets: 5 octets, then 2. */
	const uint8_t rd[] = { 0x0a, (uint8_t)x->vh, (uint8_t)(x->vh >> 8) };
	uint8_t rf[8];
	att_frame(rf, rd, sizeof(rd));
	acl_packet(x, true, rf, 5);
	acl_packet(x, false, rf + 5, 2);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 500), 1 + VAL_LEN);
	assert_int_equal(pdu[0], 0x0b);
	uint8_t want[VAL_LEN];
	memset(want, 'a', sizeof(want));
	assert_memory_equal(pdu + 1, want, VAL_LEN); /* the write never happened */
	assert_int_equal(x->start_while, 1);
	assert_int_equal(acl_dropped(x), 1);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 100), -1); /* one answer only */
	/* The same write whole is served: the link goes on. */
	send_frame(x, fr, n, -1);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 500), 1);
	assert_int_equal(pdu[0], 0x13);
	value_is(x, 'B');
	assert_int_equal(acl_dropped(x), 1);
	assert_int_equal(x->fh.disconnected, 0);
}

/* The start packet is lost: its continuations have nothing to continue
 * and are dropped, each logged, even when one holds what looks like a
 * whole frame. The next frame is served. */
static void c2h_start_lost(void **state)
{
	struct fx *x = *state;
	uint8_t fr[128], pdu[128];
	size_t n = write_frame(x, fr, 'C');
	send_frame(x, fr, n, 0);
	/* A whole Read Request, as a continuation. */
	const uint8_t rd[] = { 0x0a, (uint8_t)x->vh, (uint8_t)(x->vh >> 8) };
	uint8_t rf[8];
	acl_packet(x, false, rf, att_frame(rf, rd, sizeof(rd)));
	fake_run(x->fh.f, 20);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 300), -1);
	assert_int_equal(x->cont_without, 3);
	assert_int_equal(acl_dropped(x), 3);
	value_is(x, 'a');
	send_frame(x, fr, n, -1);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 500), 1);
	assert_int_equal(pdu[0], 0x13);
	value_is(x, 'C');
	assert_int_equal(x->start_while, 0);
}

/* The last packet is lost and the next frame's start comes while the
 * first is its last packet short: dropped when the start comes,
 * and the new write (a different value) is the one made. */
static void c2h_last_lost_then_write(void **state)
{
	struct fx *x = *state;
	uint8_t f1[128], f2[128], pdu[128];
	size_t n1 = write_frame(x, f1, 'D');
	send_frame(x, f1, n1, 2);
	size_t n2 = write_frame(x, f2, 'E');
	send_frame(x, f2, n2, -1);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 500), 1);
	assert_int_equal(pdu[0], 0x13);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 100), -1);
	assert_int_equal(x->start_while, 1);
	value_is(x, 'E');
}

/* The fake writes the CCCD: bits 0x0001 notify, 0x0002 indicate. */
static void subscribe(struct fx *x, uint8_t bits)
{
	uint8_t pdu[8];
	const uint8_t cccd[] = { 0x12, (uint8_t)(x->vh + 1), (uint8_t)((x->vh + 1) >> 8), bits, 0 };
	assert_int_equal(fake_l2cap(x->fh.f, 4, cccd, sizeof(cccd)), 0);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 500), 1);
	assert_int_equal(pdu[0], 0x13);
}

/* The host's notification loses its middle packet at the controller: the
 * peer gets no notification (its reassembly drops the rest); the next
 * notification and a long read response go out whole, and the link
 * stays. */
static void h2c_notification_middle_lost(void **state)
{
	struct fx *x = *state;
	uint8_t pdu[128], v[VAL_LEN];
	memset(v, 'n', sizeof(v));
	struct bh_gatts *s = bh_host_gatt_server(x->fh.h);
	subscribe(x, 0x01);
	unsigned before = 0, max = 0;
	fake_acl_stats(x->fh.f, &before, &max);
	fake_fault_after(x->fh.f, 1, FAKE_CONN_HANDLE, FAKE_ACL_LOST);
	assert_int_equal(bh_gatts_notify(s, FAKE_CONN_HANDLE, x->vh, v, sizeof(v), NULL), BH_OK);
	fake_run(x->fh.f, 100);
	assert_true(fake_fired(x->fh.f));
	unsigned after = 0;
	fake_acl_stats(x->fh.f, &after, &max);
	assert_int_equal(after - before, 2); /* start and last: the middle lost */
	assert_true(max <= LE_BUF);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 100), -1);
	memset(v, 'm', sizeof(v));
	assert_int_equal(bh_gatts_notify(s, FAKE_CONN_HANDLE, x->vh, v, sizeof(v), NULL), BH_OK);
	assert_int_equal(host_att(x, pdu, sizeof(pdu), 500), 3 + VAL_LEN);
	assert_int_equal(pdu[0], 0x1b);
	assert_memory_equal(pdu + 3, v, VAL_LEN);
	value_is(x, 'a');
	assert_int_equal(x->fh.disconnected, 0);
}

/* The host's indication loses its middle packet: no confirmation comes,
 * the host waits ATT's 30 s, reports BH_ETIMEDOUT once, logs the timeout,
 * sends no ATT PDU after it and ends the link (0x13). */
static void h2c_indication_middle_lost(void **state)
{
	struct fx *x = *state;
	uint8_t v[VAL_LEN];
	memset(v, 'i', sizeof(v));
	subscribe(x, 0x02);
	fake_fault_after(x->fh.f, 1, FAKE_CONN_HANDLE, FAKE_ACL_LOST);
	struct bh_gatts *s = bh_host_gatt_server(x->fh.h);
	assert_int_equal(bh_gatts_indicate(s, FAKE_CONN_HANDLE, x->vh, v, sizeof(v)), BH_OK);
	fake_run(x->fh.f, 100);
	assert_true(fake_fired(x->fh.f));
	bool from_host = false;
	assert_int_equal(fake_lost_att(x->fh.f, &from_host), 0x1d);
	assert_true(from_host);
	unsigned att_then = fake_att_count(x->fh.f);
	for (unsigned t = 0; t < BH_ATT_TIMEOUT_MS + 2000 && !x->ind_done; t += 100)
		fake_run(x->fh.f, 100);
	assert_int_equal(x->ind_done, 1);
	assert_int_equal(x->ind_status, BH_ETIMEDOUT);
	assert_int_equal(x->att_timeouts, 1);
	for (unsigned t = 0; t < 2000 && !x->fh.disconnected; t += 100)
		fake_run(x->fh.f, 100);
	uint8_t p[3];
	assert_int_equal(fake_cmd_count(x->fh.f, 0x0406), 1);
	assert_int_equal(fake_last_cmd(x->fh.f, 0x0406, p, 3), 3);
	assert_int_equal(p[2], 0x13);
	assert_int_equal(x->fh.disconnected, 1);
	assert_int_equal(fake_att_count(x->fh.f), att_then);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(c2h_middle_lost_then_new_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(c2h_start_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(c2h_last_lost_then_write, setup, teardown),
		cmocka_unit_test_setup_teardown(h2c_notification_middle_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(h2c_indication_middle_lost, setup, teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
