/* Hostile peer vs. the victim's L2CAP reassembly and ATT server (victim =
 * peripheral serving the demo database), and vs. its GATT client discovery
 * (victim = central). Required reactions: Vol 3, Part A, 3 (a frame whose
 * length does not match is discarded), Vol 3, Part F, 3.4.1.1 (Error
 * Response codes) and 3.4 (each request's parameters). */
#include "hostile.h"

#include <blehost/gatt.h>
#include <blehost/gatt_client.h>

#include <stdio.h>
#include <string.h>

#define SILENCE_MS 300

static void expect_silence(struct hx *x, const char *what)
{
	uint8_t rsp[64];
	int n = evil_recv(x->e, EVIL_CID_ATT, rsp, sizeof(rsp), SILENCE_MS);
	if (n >= 0) {
		fprintf(stderr, "FAIL: %s: the victim answered (opcode 0x%02x) a frame it must drop\n",
			what, n > 0 ? rsp[0] : 0);
		fail();
	}
}

/* A start fragment announcing more L2CAP bytes than ever follow, then a
 * new start: the partial frame must be dropped, the new one served. */
static void l2cap_length_truncated(void **state)
{
	struct hx *x = *state;
	uint16_t h = x->v.dh.sensor_location;
	uint8_t f[] = { 10, 0, HX_LE16(EVIL_CID_ATT), 0x0a, HX_LE16(h) }; /* says 10, has 3 */
	assert_int_equal(evil_acl_raw(x->e, EVIL_PB_START_NONFLUSH, f, sizeof(f)), 0);
	expect_silence(x, "truncated L2CAP frame");
	hx_expect_link_alive(x);
}

/* L2CAP length smaller than the ACL payload: the frame is malformed. */
static void l2cap_length_oversized_payload(void **state)
{
	struct hx *x = *state;
	uint16_t h = x->v.dh.sensor_location;
	uint8_t f[] = { 3, 0, HX_LE16(EVIL_CID_ATT), 0x0a, HX_LE16(h), 0xde, 0xad, 0xbe, 0xef };
	assert_int_equal(evil_acl_raw(x->e, EVIL_PB_START_NONFLUSH, f, sizeof(f)), 0);
	expect_silence(x, "ACL payload longer than the L2CAP length");
	hx_expect_link_alive(x);
}

/* L2CAP length 0xFFFF (beyond any receive buffer), then continuations
 * feeding it: all dropped, no unbounded buffering. */
static void l2cap_length_huge(void **state)
{
	struct hx *x = *state;
	uint8_t f[20] = { 0xff, 0xff, HX_LE16(EVIL_CID_ATT), 0x0a };
	assert_int_equal(evil_acl_raw(x->e, EVIL_PB_START_NONFLUSH, f, sizeof(f)), 0);
	uint8_t c[100];
	memset(c, 0x0a, sizeof(c));
	for (int i = 0; i < 20; i++)
		assert_int_equal(evil_acl_raw(x->e, EVIL_PB_CONT, c, sizeof(c)), 0);
	expect_silence(x, "L2CAP length 0xFFFF");
	hx_expect_link_alive(x);
}

/* A complete, valid ATT request sent as a continuation fragment with no
 * start before it: must be dropped. */
static void acl_continuation_without_start(void **state)
{
	struct hx *x = *state;
	uint16_t h = x->v.dh.sensor_location;
	uint8_t f[] = { 3, 0, HX_LE16(EVIL_CID_ATT), 0x0a, HX_LE16(h) };
	assert_int_equal(evil_acl_raw(x->e, EVIL_PB_CONT, f, sizeof(f)), 0);
	expect_silence(x, "continuation without start");
	hx_expect_link_alive(x);
}

/* SweynTooth CVE-2019-19195 (invalid L2CAP fragment): starts announcing an
 * L2CAP length of 0x20 with only 1 or 2 bytes of data, repeated, plus a
 * zero-length start and a start with only half a basic header. */
static void sweyntooth_l2cap_fragment_0x20(void **state)
{
	struct hx *x = *state;
	for (int i = 0; i < 30; i++) {
		uint8_t f[6] = { 0x20, 0x00, HX_LE16(EVIL_CID_ATT), 0x0a, 0x03 };
		assert_int_equal(evil_acl_raw(x->e, EVIL_PB_START_NONFLUSH, f, 5u + (unsigned)(i & 1)), 0);
		if (i % 10 == 9) {
			assert_int_equal(evil_acl_raw(x->e, EVIL_PB_START_NONFLUSH, f, 0), 0);
			assert_int_equal(evil_acl_raw(x->e, EVIL_PB_START_NONFLUSH, f, 2), 0);
		}
	}
	expect_silence(x, "L2CAP length 0x20 with 1-2 bytes");
	assert_int_equal(evil_state(x->e)->connected, true);
	hx_expect_link_alive(x);
}

/* Every ATT request cut below its fixed length: Error Response, Invalid PDU
 * (0x04), handle 0 (Vol 3, Part F, 3.4.1.1). */
static void att_requests_shorter_than_opcode_needs(void **state)
{
	struct hx *x = *state;
	static const struct {
		uint8_t pdu[8];
		uint8_t len;
	} cases[] = {
		{ { 0x02, 0x17 }, 2 },                   /* Exchange MTU: 1 of 2 */
		{ { 0x04, 0x01, 0x00, 0xff }, 4 },       /* Find Information: 3 of 4 */
		{ { 0x06, 0x01, 0x00, 0xff, 0xff }, 5 }, /* Find By Type Value: no type */
		{ { 0x08, 0x01, 0x00, 0xff, 0xff, 0x03 }, 6 }, /* Read By Type: 1-byte UUID */
		{ { 0x0a, 0x03 }, 2 },                   /* Read: 1 of 2 */
		{ { 0x0c, 0x03, 0x00, 0x01 }, 4 },       /* Read Blob: offset cut */
		{ { 0x0e, 0x03, 0x00 }, 3 },             /* Read Multiple: one handle */
		{ { 0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28 }, 5 }, /* Read By Group: no UUID */
		{ { 0x12, 0x03 }, 2 },                   /* Write: handle cut */
		{ { 0x16, 0x03, 0x00, 0x00 }, 4 },       /* Prepare Write: offset cut */
		{ { 0x18 }, 1 },                         /* Execute Write: no flags */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t rsp[64];
		int n = hx_att(x, cases[i].pdu, cases[i].len, rsp, sizeof(rsp), 2000);
		hx_expect_att_error(rsp, n, cases[i].pdu[0], 0x0000, 0x04);
	}
	hx_expect_link_alive(x);
}

/* CVE-2019-17517 family: an MTU request cut short is refused without
 * changing the MTU; a later MTU below 23 leaves ATT_MTU at 23 (3.4.2.2). */
static void att_mtu_request_truncated(void **state)
{
	struct hx *x = *state;
	uint8_t rsp[64];
	uint8_t cut[] = { 0x02, 0xff };
	int n = hx_att(x, cut, sizeof(cut), rsp, sizeof(rsp), 2000);
	hx_expect_att_error(rsp, n, 0x02, 0x0000, 0x04);
	uint8_t tiny[] = { 0x02, 0x05, 0x00 };
	n = hx_att(x, tiny, sizeof(tiny), rsp, sizeof(rsp), 2000);
	assert_int_equal(n, 3);
	assert_int_equal(rsp[0], 0x03);
	/* ATT_MTU is max(23, min(5, server)) = 23: a read of the 300-byte value
	 * returns exactly ATT_MTU - 1 = 22 bytes. */
	uint8_t rd[] = { 0x0a, HX_LE16(x->v.dh.long_value) };
	n = hx_att(x, rd, sizeof(rd), rsp, sizeof(rsp), 2000);
	assert_int_equal(n, 23);
	assert_int_equal(rsp[0], 0x0b);
	assert_int_equal(rsp[22], 21);
	hx_expect_link_alive(x);
}

/* CVE-2019-19192: requests back to back without waiting for responses.
 * The server must neither crash nor wedge: it answers (at most one response
 * per request, in order) and the link serves requests afterwards. */
static void att_back_to_back_requests(void **state)
{
	struct hx *x = *state;
	uint8_t rd[] = { 0x0a, HX_LE16(x->v.dh.sensor_location) };
	for (int i = 0; i < 12; i++)
		assert_int_equal(evil_l2cap(x->e, EVIL_CID_ATT, rd, sizeof(rd)), 0);
	int got = 0;
	uint8_t rsp[64];
	while (evil_recv(x->e, EVIL_CID_ATT, rsp, sizeof(rsp), 500) >= 0) {
		assert_true(rsp[0] == 0x0b || rsp[0] == 0x01);
		got++;
	}
	fprintf(stderr, "  victim answered %d of 12 pipelined requests\n", got);
	assert_in_range(got, 1, 12);
	assert_true(evil_state(x->e)->connected);
	hx_expect_link_alive(x);
}

/* Handle 0 is invalid (3.2.2) and handles beyond the database do not exist:
 * Invalid Handle (0x01) naming the handle. */
static void att_handle_zero_and_beyond_database(void **state)
{
	struct hx *x = *state;
	uint8_t rsp[64];
	const uint16_t hs[] = { 0x0000, 0xfff0, 0xffff };
	for (size_t i = 0; i < 3; i++) {
		uint8_t rd[] = { 0x0a, HX_LE16(hs[i]) };
		hx_expect_att_error(rsp, hx_att(x, rd, 3, rsp, sizeof(rsp), 2000), 0x0a, hs[i], 0x01);
		uint8_t blob[] = { 0x0c, HX_LE16(hs[i]), 0, 0 };
		hx_expect_att_error(rsp, hx_att(x, blob, 5, rsp, sizeof(rsp), 2000), 0x0c, hs[i], 0x01);
		uint8_t wr[] = { 0x12, HX_LE16(hs[i]), 0x55 };
		hx_expect_att_error(rsp, hx_att(x, wr, 4, rsp, sizeof(rsp), 2000), 0x12, hs[i], 0x01);
		uint8_t pw[] = { 0x16, HX_LE16(hs[i]), 0, 0, 0x55 };
		hx_expect_att_error(rsp, hx_att(x, pw, 6, rsp, sizeof(rsp), 2000), 0x16, hs[i], 0x01);
	}
	/* Find Information starting at 0: Invalid Handle, handle 0. */
	uint8_t fi[] = { 0x04, 0, 0, 0xff, 0xff };
	hx_expect_att_error(rsp, hx_att(x, fi, 5, rsp, sizeof(rsp), 2000), 0x04, 0, 0x01);
	/* Find Information past the database end: Attribute Not Found (0x0a). */
	uint8_t fi2[] = { 0x04, 0xf0, 0xff, 0xff, 0xff };
	hx_expect_att_error(rsp, hx_att(x, fi2, 5, rsp, sizeof(rsp), 2000), 0x04, 0xfff0, 0x0a);
	/* Read Multiple naming a missing handle: Invalid Handle for that one. */
	uint8_t rm[] = { 0x0e, HX_LE16(x->v.dh.sensor_location), 0xf0, 0xff };
	hx_expect_att_error(rsp, hx_att(x, rm, 5, rsp, sizeof(rsp), 2000), 0x0e, 0xfff0, 0x01);
	hx_expect_link_alive(x);
}

/* Read By Group Type with start > end or start 0: Invalid Handle naming the
 * start handle (3.4.4.9); a non-grouping type: Unsupported Group Type. */
static void att_read_by_group_start_after_end(void **state)
{
	struct hx *x = *state;
	uint8_t rsp[64];
	uint8_t r1[] = { 0x10, 0x10, 0x00, 0x01, 0x00, 0x00, 0x28 };
	hx_expect_att_error(rsp, hx_att(x, r1, 7, rsp, sizeof(rsp), 2000), 0x10, 0x0010, 0x01);
	uint8_t r2[] = { 0x10, 0x00, 0x00, 0xff, 0xff, 0x00, 0x28 };
	hx_expect_att_error(rsp, hx_att(x, r2, 7, rsp, sizeof(rsp), 2000), 0x10, 0x0000, 0x01);
	uint8_t r3[] = { 0x10, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28 };
	hx_expect_att_error(rsp, hx_att(x, r3, 7, rsp, sizeof(rsp), 2000), 0x10, 0x0001, 0x10);
	/* Read By Type and Find Information with start > end: same rule. */
	uint8_t r4[] = { 0x08, 0x10, 0x00, 0x01, 0x00, 0x03, 0x28 };
	hx_expect_att_error(rsp, hx_att(x, r4, 7, rsp, sizeof(rsp), 2000), 0x08, 0x0010, 0x01);
	uint8_t r5[] = { 0x04, 0x10, 0x00, 0x01, 0x00 };
	hx_expect_att_error(rsp, hx_att(x, r5, 5, rsp, sizeof(rsp), 2000), 0x04, 0x0010, 0x01);
	hx_expect_link_alive(x);
}

/* Prepare Write until the queue is full (Prepare Queue Full, 0x09), cancel
 * with Execute Write (flags 0), then a normal long write goes through. */
static void att_prepare_write_flood(void **state)
{
	struct hx *x = *state;
	uint16_t h = x->v.dh.long_value;
	uint8_t rsp[64];
	int accepted = 0, full = 0;
	for (int i = 0; i < 300 && !full; i++) {
		uint8_t pw[5 + 18] = { 0x16, HX_LE16(h), HX_LE16((uint16_t)(i % 16) * 18) };
		memset(pw + 5, (uint8_t)i, 18);
		int n = hx_att(x, pw, sizeof(pw), rsp, sizeof(rsp), 2000);
		assert_true(n > 0);
		if (rsp[0] == 0x17) {
			assert_int_equal(n, (int)sizeof(pw));
			assert_memory_equal(rsp + 1, pw + 1, sizeof(pw) - 1); /* echo */
			accepted++;
		} else {
			hx_expect_att_error(rsp, n, 0x16, h, 0x09);
			full = 1;
		}
	}
	fprintf(stderr, "  prepare queue took %d writes before Prepare Queue Full\n", accepted);
	assert_true(full);
	assert_true(accepted >= 1);
	uint8_t cancel[] = { 0x18, 0x00 };
	int n = hx_att(x, cancel, 2, rsp, sizeof(rsp), 2000);
	assert_int_equal(n, 1);
	assert_int_equal(rsp[0], 0x19);
	/* The value did not change (cancelled): still bytes 0, 1, 2, ... */
	uint8_t rd[] = { 0x0a, HX_LE16(h) };
	n = hx_att(x, rd, 3, rsp, sizeof(rsp), 2000);
	assert_int_equal(n, 23);
	assert_int_equal(rsp[1], 0);
	assert_int_equal(rsp[5], 4);
	/* The queue is usable again: two prepares and an execute. */
	uint8_t p1[] = { 0x16, HX_LE16(h), 0, 0, 'a', 'b' };
	uint8_t p2[] = { 0x16, HX_LE16(h), 2, 0, 'c' };
	assert_int_equal(hx_att(x, p1, sizeof(p1), rsp, sizeof(rsp), 2000), (int)sizeof(p1));
	assert_int_equal(rsp[0], 0x17);
	assert_int_equal(hx_att(x, p2, sizeof(p2), rsp, sizeof(rsp), 2000), (int)sizeof(p2));
	assert_int_equal(rsp[0], 0x17);
	uint8_t exec[] = { 0x18, 0x01 };
	assert_int_equal(hx_att(x, exec, 2, rsp, sizeof(rsp), 2000), 1);
	assert_int_equal(rsp[0], 0x19);
	n = hx_att(x, rd, 3, rsp, sizeof(rsp), 2000);
	assert_int_equal(n, 4);
	assert_memory_equal(rsp + 1, "abc", 3);
}

/* ---- victim = central: discovery against lying responses ---- */

struct op_done {
	bool done;
	unsigned calls;
	bh_status st;
};

static void on_op(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct op_done *d = ctx;
	(void)res;
	d->calls++;
	d->st = st;
	d->done = true;
}

/* Answers the victim's ATT requests with fn until the operation ends or the
 * victim has asked max_rounds times; returns the requests served. */
typedef int (*lie_fn)(int round, const uint8_t *req, int n, uint8_t *rsp);

static int serve_lies(struct hx *x, struct op_done *d, lie_fn fn, int max_rounds)
{
	int rounds = 0;
	while (!d->done && rounds <= max_rounds) {
		uint8_t req[600], rsp[64];
		int n = evil_recv(x->e, EVIL_CID_ATT, req, sizeof(req), 3000);
		if (n < 1)
			break;
		if (req[0] == 0x02) { /* the victim's own MTU exchange: answer honestly */
			uint8_t m[] = { 0x03, 23, 0 };
			assert_int_equal(evil_l2cap(x->e, EVIL_CID_ATT, m, 3), 0);
			continue;
		}
		int k = fn(rounds++, req, n, rsp);
		assert_int_equal(evil_l2cap(x->e, EVIL_CID_ATT, rsp, (size_t)k), 0);
	}
	evil_run(x->e, 100);
	return rounds;
}

/* Every Read By Group Type response claims the same service 0x0001-0x0005,
 * whatever start the victim asked for: the next start never advances. */
static int lie_same_group(int round, const uint8_t *req, int n, uint8_t *rsp)
{
	(void)round;
	(void)req;
	(void)n;
	const uint8_t r[] = { 0x11, 6, 0x01, 0x00, 0x05, 0x00, 0x0d, 0x18 };
	memcpy(rsp, r, sizeof(r));
	return sizeof(r);
}

static void check_discovery_ends(struct hx *x, struct op_done *d, int rounds, const char *what)
{
	fprintf(stderr, "  %s: %d lying responses, done=%d calls=%u status=%s\n", what, rounds,
		d->done, d->calls, bh_strerror(d->st));
	if (!d->done) {
		fprintf(stderr, "FAIL: %s: discovery never ended (loops forever on a peer that does "
				"not advance)\n", what);
		fail();
	}
	assert_int_equal(d->calls, 1);
	assert_true(rounds <= 6);
	/* A response that does not advance is a protocol error, never success
	 * with a corrupt tree. */
	assert_int_not_equal(d->st, BH_OK);
	assert_true(evil_state(x->e)->connected || x->v.disconnected);
}

static void discovery_services_never_advance(void **state)
{
	struct hx *x = *state;
	struct bh_gattc *g = bh_host_gattc(x->v.h, x->v.conn);
	assert_non_null(g);
	struct op_done d = { 0 };
	assert_int_equal(bh_gattc_discover_services(g, on_op, &d), 0);
	int rounds = serve_lies(x, &d, lie_same_group, 50);
	check_discovery_ends(x, &d, rounds, "services");
}

/* Services go backwards: the first response covers 0x0010-0x0020, the next
 * one 0x0001-0x0005 (below the start the victim asked for). */
static int lie_backwards(int round, const uint8_t *req, int n, uint8_t *rsp)
{
	(void)req;
	(void)n;
	const uint8_t r0[] = { 0x11, 6, 0x10, 0x00, 0x20, 0x00, 0x0d, 0x18 };
	const uint8_t r1[] = { 0x11, 6, 0x01, 0x00, 0x05, 0x00, 0x0f, 0x18 };
	memcpy(rsp, round ? r1 : r0, sizeof(r0));
	return sizeof(r0);
}

static void discovery_services_go_backwards(void **state)
{
	struct hx *x = *state;
	struct bh_gattc *g = bh_host_gattc(x->v.h, x->v.conn);
	assert_non_null(g);
	struct op_done d = { 0 };
	assert_int_equal(bh_gattc_discover_services(g, on_op, &d), 0);
	int rounds = serve_lies(x, &d, lie_backwards, 50);
	check_discovery_ends(x, &d, rounds, "services backwards");
}

/* Full discovery: one honest service 0x0001-0x0010, then characteristic
 * declarations whose handle is at or below the start the victim asked for
 * (Read By Type, 3.4.4.2): characteristic discovery never advances. */
static int lie_chr_stuck(int round, const uint8_t *req, int n, uint8_t *rsp)
{
	(void)round;
	uint16_t start = n >= 3 ? (uint16_t)(req[1] | req[2] << 8) : 1;
	uint16_t type = n >= 7 ? (uint16_t)(req[5] | req[6] << 8) : 0;
	if (req[0] == 0x10 && start == 1) {
		const uint8_t r[] = { 0x11, 6, 0x01, 0x00, 0x10, 0x00, 0x0d, 0x18 };
		memcpy(rsp, r, sizeof(r));
		return sizeof(r);
	}
	if (req[0] == 0x08 && type == 0x2803) {
		uint16_t decl = start > 1 ? (uint16_t)(start - 1) : 1;
		const uint8_t r[] = { 0x09, 7, HX_LE16(decl), 0x02, HX_LE16(decl), 0x37, 0x2a };
		memcpy(rsp, r, sizeof(r));
		return sizeof(r);
	}
	const uint8_t e[] = { 0x01, req[0], HX_LE16(start), 0x0a }; /* Attribute Not Found */
	memcpy(rsp, e, sizeof(e));
	return sizeof(e);
}

static void discovery_chrs_never_advance(void **state)
{
	struct hx *x = *state;
	struct bh_gattc *g = bh_host_gattc(x->v.h, x->v.conn);
	assert_non_null(g);
	struct op_done d = { 0 };
	assert_int_equal(bh_gattc_discover(g, NULL, 0, BH_GATTC_DISC_NO_DESCS, on_op, &d), 0);
	int rounds = serve_lies(x, &d, lie_chr_stuck, 50);
	check_discovery_ends(x, &d, rounds, "characteristics");
}

#define PT(f) cmocka_unit_test_setup_teardown(f, hx_setup_peripheral, hx_teardown)
#define CT(f) cmocka_unit_test_setup_teardown(f, hx_setup_central, hx_teardown)

const struct CMUnitTest hx_l2cap_att_tests[] = {
	PT(l2cap_length_truncated),
	PT(l2cap_length_oversized_payload),
	PT(l2cap_length_huge),
	PT(acl_continuation_without_start),
	PT(sweyntooth_l2cap_fragment_0x20),
	PT(att_requests_shorter_than_opcode_needs),
	PT(att_mtu_request_truncated),
	PT(att_back_to_back_requests),
	PT(att_handle_zero_and_beyond_database),
	PT(att_read_by_group_start_after_end),
	PT(att_prepare_write_flood),
	CT(discovery_services_never_advance),
	CT(discovery_services_go_backwards),
	CT(discovery_chrs_never_advance),
};
const size_t hx_n_l2cap_att_tests = sizeof(hx_l2cap_att_tests) / sizeof(hx_l2cap_att_tests[0]);
