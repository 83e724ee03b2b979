/* Hostile peer vs. the victim's enhanced credit-based flow control (Vol 3,
 * Part A, 4.25-4.28): malformed and abusive L2CAP_CREDIT_BASED_CONNECTION_REQ
 * and L2CAP_CREDIT_BASED_RECONFIGURE_REQ get the spec's result codes (or
 * Command Reject where the command cannot be parsed), no channel is opened
 * or changed by a refused request, and the link keeps serving ATT. */
#include "hostile.h"

#include <blehost/host.h>

#include <stdio.h>
#include <string.h>

#define SPSM 0x80

static int sig(struct hx *x, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap)
{
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SIG, cmd, len), 0);
	return evil_recv(x->e, EVIL_CID_SIG, rsp, cap, 2000);
}

static void dump_fail(const char *what, const uint8_t *rsp, int n)
{
	fprintf(stderr, "FAIL: %s; got %d octets:", what, n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %02x", rsp[i]);
	fprintf(stderr, "\n");
	fail();
}

/* Expects L2CAP_CREDIT_BASED_CONNECTION_RSP id/result with these Destination CIDs. */
static void expect_conn_rsp(const uint8_t *rsp, int n, uint8_t id, uint16_t result,
			    const uint16_t *dcids, unsigned ndcid, const char *what)
{
	if (n != (int)(12 + 2 * ndcid) || rsp[0] != 0x18 || rsp[1] != id ||
	    (rsp[10] | rsp[11] << 8) != result)
		dump_fail(what, rsp, n);
	for (unsigned i = 0; i < ndcid; i++) {
		uint16_t d = (uint16_t)(rsp[12 + 2 * i] | rsp[13 + 2 * i] << 8);
		if ((dcids[i] == 0) != (d == 0))
			dump_fail(what, rsp, n);
	}
}

static void expect_code(const uint8_t *rsp, int n, uint8_t code, uint8_t id, uint16_t first,
			const char *what)
{
	if (n < 6 || rsp[0] != code || rsp[1] != id || (rsp[4] | rsp[5] << 8) != first)
		dump_fail(what, rsp, n);
}

/* Requests the victim must refuse as a whole, or cannot parse. */
static void ecfc_conn_req_malformed(void **state)
{
	struct hx *x = *state;
	uint8_t rsp[64];
	/* nobody listens on the SPSM: all refused, SPSM not supported */
	uint8_t a[] = { 0x17, 0x51, 10, 0, SPSM, 0, 100, 0, 100, 0, 4, 0, 0x40, 0 };
	expect_conn_rsp(rsp, sig(x, a, sizeof(a), rsp, sizeof(rsp)), 0x51, 0x0002,
			(uint16_t[]){ 0 }, 1, "unregistered SPSM");
	assert_int_equal(bh_host_coc_listen(x->v.h, SPSM), 0);
	/* MTU 23 (an LE CoC minimum, below ECFC's 64): unacceptable parameters */
	uint8_t b[] = { 0x17, 0x52, 10, 0, SPSM, 0, 23, 0, 100, 0, 4, 0, 0x40, 0 };
	expect_conn_rsp(rsp, sig(x, b, sizeof(b), rsp, sizeof(rsp)), 0x52, 0x000b,
			(uint16_t[]){ 0 }, 1, "MTU 23");
	/* MPS 0xffff (above 65533) */
	uint8_t c[] = { 0x17, 0x53, 10, 0, SPSM, 0, 100, 0, 0xff, 0xff, 4, 0, 0x40, 0 };
	expect_conn_rsp(rsp, sig(x, c, sizeof(c), rsp, sizeof(rsp)), 0x53, 0x000b,
			(uint16_t[]){ 0 }, 1, "MPS 65535");
	/* no Source CID: invalid parameters */
	uint8_t d[] = { 0x17, 0x54, 8, 0, SPSM, 0, 100, 0, 100, 0, 4, 0 };
	expect_conn_rsp(rsp, sig(x, d, sizeof(d), rsp, sizeof(rsp)), 0x54, 0x000c, NULL, 0,
			"no Source CID");
	/* half a Source CID: Command Reject, not understood */
	uint8_t e[] = { 0x17, 0x55, 9, 0, SPSM, 0, 100, 0, 100, 0, 4, 0, 0x40 };
	expect_code(rsp, sig(x, e, sizeof(e), rsp, sizeof(rsp)), 0x01, 0x55, 0x0000, "odd length");
	/* six Source CIDs: beyond the signaling MTU, Command Reject reason 1 */
	uint8_t f[] = { 0x17, 0x56, 20, 0, SPSM, 0, 100, 0, 100, 0, 4, 0,
			0x40, 0, 0x41, 0, 0x42, 0, 0x43, 0, 0x44, 0, 0x45, 0 };
	expect_code(rsp, sig(x, f, sizeof(f), rsp, sizeof(rsp)), 0x01, 0x56, 0x0001,
		    "six Source CIDs");
	hx_expect_link_alive(x);
}

/* Some Source CIDs bad: those get Destination CID 0, the good one opens;
 * then reconfiguration abuse on the open channel. */
static void ecfc_bad_source_cids_and_reconfigure(void **state)
{
	struct hx *x = *state;
	uint8_t rsp[64];
	assert_int_equal(bh_host_coc_listen(x->v.h, SPSM), 0);
	/* 0x0004 is the fixed ATT channel; 0x0041 twice */
	uint8_t a[] = { 0x17, 0x61, 14, 0, SPSM, 0, 100, 0, 100, 0, 4, 0,
			0x04, 0, 0x41, 0, 0x41, 0 };
	int n = sig(x, a, sizeof(a), rsp, sizeof(rsp));
	expect_conn_rsp(rsp, n, 0x61, 0x0009, (uint16_t[]){ 0, 1, 0 }, 3, "bad Source CIDs");
	/* a Source CID that is already open on this link */
	uint8_t b[] = { 0x17, 0x62, 10, 0, SPSM, 0, 100, 0, 100, 0, 4, 0, 0x41, 0 };
	expect_conn_rsp(rsp, sig(x, b, sizeof(b), rsp, sizeof(rsp)), 0x62, 0x000a,
			(uint16_t[]){ 0 }, 1, "Source CID in use");
	/* reconfigure: lower MTU, unknown CID, MPS below 64, odd length */
	uint8_t r1[] = { 0x19, 0x63, 6, 0, 99, 0, 100, 0, 0x41, 0 };
	expect_code(rsp, sig(x, r1, sizeof(r1), rsp, sizeof(rsp)), 0x1a, 0x63, 0x0001,
		    "MTU reduction");
	uint8_t r2[] = { 0x19, 0x64, 8, 0, 120, 0, 100, 0, 0x41, 0, 0x77, 0 };
	expect_code(rsp, sig(x, r2, sizeof(r2), rsp, sizeof(rsp)), 0x1a, 0x64, 0x0003,
		    "unknown CID");
	uint8_t r3[] = { 0x19, 0x65, 6, 0, 120, 0, 10, 0, 0x41, 0 };
	expect_code(rsp, sig(x, r3, sizeof(r3), rsp, sizeof(rsp)), 0x1a, 0x65, 0x0004,
		    "MPS 10");
	uint8_t r4[] = { 0x19, 0x66, 5, 0, 120, 0, 100, 0, 0x41 };
	expect_code(rsp, sig(x, r4, sizeof(r4), rsp, sizeof(rsp)), 0x01, 0x66, 0x0000,
		    "reconfigure with odd length");
	/* a response nobody asked for is dropped silently */
	uint8_t r5[] = { 0x1a, 0x67, 2, 0, 0, 0 };
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SIG, r5, sizeof(r5)), 0);
	uint8_t r6[] = { 0x18, 0x68, 10, 0, 100, 0, 100, 0, 4, 0, 0, 0, 0x42, 0 };
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SIG, r6, sizeof(r6)), 0);
	if (evil_recv(x->e, EVIL_CID_SIG, rsp, sizeof(rsp), 300) >= 0)
		dump_fail("unsolicited responses answered", rsp, 6);
	/* the valid reconfigure still works, and the channel carries data */
	uint8_t r7[] = { 0x19, 0x69, 6, 0, 200, 0, 100, 0, 0x41, 0 };
	expect_code(rsp, sig(x, r7, sizeof(r7), rsp, sizeof(rsp)), 0x1a, 0x69, 0x0000,
		    "valid reconfigure");
	hx_expect_link_alive(x);
}

/* EATT only on an encrypted link (Vol 3, Part G, 5.3.2): the victim has
 * EATT on, the link is not encrypted, so every bearer is refused with
 * Insufficient Encryption; ATT on CID 4 keeps working. */
static void eatt_refused_unencrypted(void **state)
{
	struct hx *x = *state;
	uint8_t rsp[64];
	uint8_t a[] = { 0x17, 0x71, 12, 0, 0x27, 0, 100, 0, 100, 0, 4, 0, 0x40, 0, 0x41, 0 };
	expect_conn_rsp(rsp, sig(x, a, sizeof(a), rsp, sizeof(rsp)), 0x71, 0x0008,
			(uint16_t[]){ 0, 0 }, 2, "EATT on an unencrypted link");
	/* and the request shapes are still judged first */
	uint8_t b[] = { 0x17, 0x72, 10, 0, 0x27, 0, 23, 0, 100, 0, 4, 0, 0x40, 0 };
	expect_conn_rsp(rsp, sig(x, b, sizeof(b), rsp, sizeof(rsp)), 0x72, 0x000b,
			(uint16_t[]){ 0 }, 1, "EATT MTU 23");
	hx_expect_link_alive(x);
}

static int setup_eatt(void **state)
{
	hx_victim_eatt = 2;
	int rc = hx_setup_peripheral(state);
	hx_victim_eatt = 0;
	return rc;
}

#define PT(f) cmocka_unit_test_setup_teardown(f, hx_setup_peripheral, hx_teardown)

const struct CMUnitTest hx_ecfc_tests[] = {
	PT(ecfc_conn_req_malformed),
	PT(ecfc_bad_source_cids_and_reconfigure),
	cmocka_unit_test_setup_teardown(eatt_refused_unencrypted, setup_eatt, hx_teardown),
};
const size_t hx_n_ecfc_tests = sizeof(hx_ecfc_tests) / sizeof(hx_ecfc_tests[0]);
