/* Unit tests for the btvirt handle proxy's core (btvirt_proxy.c, compiled in
 * here without its poll() loop). Each test plays btvirt 5.66: it feeds the
 * exact packets btdev.c emits for a sequence of host packets (including the
 * wrong handles), and checks what each host is shown and what is gated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define BVP_NO_MAIN
#include "btvirt_proxy.c"

/* ---- packet builders (Core Spec Vol 4, Part E, 5.4 and 7.7) ---- */

struct pkt {
	uint8_t b[64];
	size_t n;
};

static struct pkt le_conn_complete(uint8_t sub, uint8_t status, uint16_t h, uint8_t role)
{
	struct pkt p = { { 0 }, 0 };
	size_t plen = sub == LE_ENH_CONN_COMPLETE ? 31 : 19;
	p.b[0] = H4_EVT;
	p.b[1] = EVT_LE_META;
	p.b[2] = (uint8_t)plen;
	p.b[3] = sub;
	p.b[4] = status;
	bh_put16(&p.b[5], h);
	p.b[7] = role;
	p.n = 3 + plen;
	return p;
}

static struct pkt le_meta_h(uint8_t sub, bool with_status, uint16_t h, size_t plen)
{
	struct pkt p = { { 0 }, 0 };
	p.b[0] = H4_EVT;
	p.b[1] = EVT_LE_META;
	p.b[2] = (uint8_t)plen;
	p.b[3] = sub;
	bh_put16(&p.b[with_status ? 5 : 4], h);
	p.n = 3 + plen;
	return p;
}

static struct pkt acl(uint16_t h, uint8_t flags)
{
	struct pkt p = { { H4_ACL }, 0 };
	bh_put16(&p.b[1], (uint16_t)(h | (uint16_t)flags << 12));
	bh_put16(&p.b[3], 5);
	/* L2CAP: len 1, ATT cid, one ATT byte */
	bh_put16(&p.b[5], 1);
	bh_put16(&p.b[7], 4);
	p.b[9] = 0x0a;
	p.n = 10;
	return p;
}

static struct pkt cmd_h(uint16_t op, uint16_t h, uint8_t plen)
{
	struct pkt p = { { H4_CMD }, 0 };
	bh_put16(&p.b[1], op);
	p.b[3] = plen;
	if (plen >= 2)
		bh_put16(&p.b[4], h);
	p.n = 4 + (size_t)plen;
	return p;
}

static struct pkt create_conn(void)
{
	return cmd_h(OP_LE_CREATE_CONN, 0, 25);
}

static struct pkt disconn_complete(uint8_t status, uint16_t h)
{
	struct pkt p = { { H4_EVT, EVT_DISCONN_COMPLETE, 4, status }, 7 };
	bh_put16(&p.b[4], h);
	p.b[6] = 0x13;
	return p;
}

static struct pkt cmd_status(uint8_t status, uint16_t op)
{
	struct pkt p = { { H4_EVT, EVT_CMD_STATUS, 4, status, 1 }, 7 };
	bh_put16(&p.b[5], op);
	return p;
}

static struct pkt cmd_complete(uint16_t op, uint8_t status)
{
	struct pkt p = { { H4_EVT, EVT_CMD_COMPLETE, 4, 1 }, 7 };
	bh_put16(&p.b[4], op);
	p.b[6] = status;
	return p;
}

/* handle fields as the host sees them */
static uint16_t cc_handle(const struct pkt *p) { return bh_get16(&p->b[5]); }
static uint16_t acl_handle(const struct pkt *p) { return bh_get16(&p->b[1]) & 0x0fff; }

static struct bvp P;
static const uint64_t T0 = 1000;

static int setup(void **state)
{
	(void)state;
	bvp_init(&P, 100);
	return 0;
}

/* A central (slot c) connects to a peripheral (slot p), btvirt style:
 * Command Status, the peripheral's event with the CENTRAL's handle, then
 * the central's. Returns the handle the peripheral's host is shown. */
static uint16_t connect(int c, int p, uint16_t c_handle, uint8_t sub)
{
	struct pkt cmd = create_conn();
	assert_int_equal(bvp_from_host(&P, c, cmd.b, cmd.n, T0), BVP_FORWARD);
	assert_true(bvp_gate_busy(&P));
	struct pkt st = cmd_status(0, OP_LE_CREATE_CONN);
	bvp_from_ctrl(&P, c, st.b, st.n);
	struct pkt pe = le_conn_complete(sub, 0, c_handle, 0x01);
	bvp_from_ctrl(&P, p, pe.b, pe.n);
	struct pkt ce = le_conn_complete(sub, 0, c_handle, 0x00);
	bvp_from_ctrl(&P, c, ce.b, ce.n);
	assert_int_equal(cc_handle(&ce), c_handle); /* the central's is right */
	assert_false(bvp_gate_busy(&P));
	return cc_handle(&pe);
}

/* Host `from` sends ACL on `h`; btvirt answers NCP to it (own handle) and
 * forwards the header unchanged to `to`. Returns what `to`'s host sees. */
static uint16_t send_acl(int from, uint16_t h, int to)
{
	struct pkt a = acl(h, 0x0);
	assert_int_equal(bvp_from_host(&P, from, a.b, a.n, T0), BVP_FORWARD);
	assert_true(bvp_gate_busy(&P));
	struct pkt in = acl(h, 0x2); /* btvirt turns START_NO_FLUSH into START */
	bvp_from_ctrl(&P, to, in.b, in.n);
	assert_false(bvp_gate_busy(&P));
	assert_int_equal(bh_get16(&in.b[1]) >> 12, 0x2); /* flags kept */
	assert_memory_equal(&in.b[3], &a.b[3], a.n - 3); /* payload untouched */
	return acl_handle(&in);
}

/* ---- framing ---- */

static void test_h4_frame(void **state)
{
	(void)state;
	const uint8_t cmd[] = { 0x01, 0x03, 0x0c, 0x00 };
	assert_int_equal(bvp_h4_frame(cmd, sizeof(cmd), 4096), 4);
	assert_int_equal(bvp_h4_frame(cmd, 3, 4096), 0); /* header incomplete */
	assert_int_equal(bvp_h4_frame(cmd, 0, 4096), 0);
	const uint8_t evt[] = { 0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00, 0xff };
	assert_int_equal(bvp_h4_frame(evt, sizeof(evt), 4096), 7); /* stops at the packet */
	assert_int_equal(bvp_h4_frame(evt, 6, 4096), 0);
	const uint8_t aclp[] = { 0x02, 0x2a, 0x20, 0x00, 0x10 }; /* 4 KiB payload */
	assert_int_equal(bvp_h4_frame(aclp, sizeof(aclp), 4096), -1);
	assert_int_equal(bvp_h4_frame(aclp, sizeof(aclp), 8192), 0);
	const uint8_t iso[] = { 0x05, 0x00, 0x00, 0x02, 0xc0 }; /* top bits not length */
	assert_int_equal(bvp_h4_frame(iso, sizeof(iso), 4096), 0);
	const uint8_t sco[] = { 0x03, 0x01, 0x00, 0x01, 0x55 };
	assert_int_equal(bvp_h4_frame(sco, sizeof(sco), 4096), 5);
	const uint8_t junk[] = { 0x00, 0x01 };
	assert_int_equal(bvp_h4_frame(junk, sizeof(junk), 4096), -1);
	const uint8_t junk2[] = { 0xff };
	assert_int_equal(bvp_h4_frame(junk2, 1, 4096), -1);
}

/* ---- one link per controller: nothing changes ---- */

static void test_single_link_transparent(void **state)
{
	(void)state;
	int c = bvp_client_add(&P), p = bvp_client_add(&P);
	assert_int_equal(connect(c, p, 0x2a, LE_CONN_COMPLETE), 0x2a);
	assert_int_equal(send_acl(c, 0x2a, p), 0x2a);
	assert_int_equal(send_acl(p, 0x2a, c), 0x2a);
	assert_int_equal(P.st.rewrites, 0);
	/* a command without cross effect is neither gated nor touched */
	struct pkt rd = cmd_h(0x0406, 0x2a, 3);
	assert_int_equal(bvp_from_host(&P, c, rd.b, rd.n, T0), BVP_FORWARD);
	assert_false(bvp_gate_busy(&P));
}

/* ---- the bug: a central with three peripherals ---- */

static void test_central_three_peripherals(void **state)
{
	(void)state;
	int c = bvp_client_add(&P);
	int p[3] = { bvp_client_add(&P), bvp_client_add(&P), bvp_client_add(&P) };
	/* btvirt tells peripherals 2 and 3 the central's 0x002b/0x002c, but each
	 * controller's own counter gave them 0x002a */
	for (int i = 0; i < 3; i++)
		assert_int_equal(connect(c, p[i], (uint16_t)(0x2a + i), LE_CONN_COMPLETE), 0x2a);
	assert_int_equal(P.st.rewrites, 2);
	/* central -> P3 on 0x2c arrives at P3 as 0x2c: shown as P3's 0x2a */
	assert_int_equal(send_acl(c, 0x2c, p[2]), 0x2a);
	/* every peripheral answers on its 0x2a; the central must see 0x2a, 0x2b,
	 * 0x2c: the value alone cannot tell them apart, the gate does */
	assert_int_equal(send_acl(p[1], 0x2a, c), 0x2b);
	assert_int_equal(send_acl(p[0], 0x2a, c), 0x2a);
	assert_int_equal(send_acl(p[2], 0x2a, c), 0x2c);
	/* LE Start Encryption from the central on 0x2b: P2 is asked with 0x2b */
	struct pkt se = cmd_h(OP_LE_START_ENCRYPTION, 0x2b, 28);
	assert_int_equal(bvp_from_host(&P, c, se.b, se.n, T0), BVP_FORWARD);
	struct pkt st = cmd_status(0, OP_LE_START_ENCRYPTION);
	bvp_from_ctrl(&P, c, st.b, st.n);
	assert_true(bvp_gate_busy(&P)); /* success status: the request is still due */
	struct pkt ltk = le_meta_h(LE_LTK_REQUEST, false, 0x2b, 13);
	bvp_from_ctrl(&P, p[1], ltk.b, ltk.n);
	assert_int_equal(bh_get16(&ltk.b[4]), 0x2a);
	assert_false(bvp_gate_busy(&P));
}

/* ---- a peripheral with three centrals ---- */

static void test_peripheral_three_centrals(void **state)
{
	(void)state;
	int per = bvp_client_add(&P);
	int c[3] = { bvp_client_add(&P), bvp_client_add(&P), bvp_client_add(&P) };
	/* every central's controller uses 0x2a; the peripheral's has 2a, 2b, 2c */
	for (int i = 0; i < 3; i++)
		assert_int_equal(connect(c[i], per, 0x2a, LE_ENH_CONN_COMPLETE), 0x2a + i);
	assert_int_equal(send_acl(c[1], 0x2a, per), 0x2b);
	assert_int_equal(send_acl(c[2], 0x2a, per), 0x2c);
	assert_int_equal(send_acl(per, 0x2c, c[2]), 0x2a);
	assert_int_equal(send_acl(per, 0x2b, c[1]), 0x2a);
	/* LE Connection Update from central 2: its own copy is right, the
	 * peripheral's copy carries 0x2a and must read 0x2b */
	struct pkt cu = cmd_h(OP_LE_CONN_UPDATE, 0x2a, 14);
	assert_int_equal(bvp_from_host(&P, c[1], cu.b, cu.n, T0), BVP_FORWARD);
	struct pkt own = le_meta_h(LE_CONN_UPDATE_COMPLETE, true, 0x2a, 10);
	bvp_from_ctrl(&P, c[1], own.b, own.n);
	assert_int_equal(bh_get16(&own.b[5]), 0x2a);
	struct pkt peer = le_meta_h(LE_CONN_UPDATE_COMPLETE, true, 0x2a, 10);
	bvp_from_ctrl(&P, per, peer.b, peer.n);
	assert_int_equal(bh_get16(&peer.b[5]), 0x2b);
	assert_false(bvp_gate_busy(&P));
	/* Remote Connection Parameter Request path, then the peripheral's reply:
	 * the central's copy of the Update Complete carries the peripheral's 0x2c */
	assert_int_equal(bvp_from_host(&P, c[2], cu.b, cu.n, T0), BVP_FORWARD);
	struct pkt rcpr = le_meta_h(LE_REMOTE_CONN_PARAM_REQ, false, 0x2a, 11);
	bvp_from_ctrl(&P, per, rcpr.b, rcpr.n);
	assert_int_equal(bh_get16(&rcpr.b[4]), 0x2c);
	assert_false(bvp_gate_busy(&P));
	struct pkt rep = cmd_h(OP_LE_CONN_PARAM_REPLY, 0x2c, 14);
	assert_int_equal(bvp_from_host(&P, per, rep.b, rep.n, T0), BVP_FORWARD);
	struct pkt cc = cmd_complete(OP_LE_CONN_PARAM_REPLY, 0);
	bvp_from_ctrl(&P, per, cc.b, cc.n);
	struct pkt at_c = le_meta_h(LE_CONN_UPDATE_COMPLETE, true, 0x2c, 10);
	bvp_from_ctrl(&P, c[2], at_c.b, at_c.n);
	assert_int_equal(bh_get16(&at_c.b[5]), 0x2a);
	assert_false(bvp_gate_busy(&P));
	/* negative reply that the controller rejects: no answer comes, gate opens */
	struct pkt neg = cmd_h(OP_LE_CONN_PARAM_NEG_REPLY, 0x2b, 3);
	assert_int_equal(bvp_from_host(&P, per, neg.b, neg.n, T0), BVP_FORWARD);
	struct pkt negc = cmd_complete(OP_LE_CONN_PARAM_NEG_REPLY, 0x0c);
	bvp_from_ctrl(&P, c[0], negc.b, negc.n); /* wrong client: ignored */
	assert_true(bvp_gate_busy(&P));
	bvp_from_ctrl(&P, per, negc.b, negc.n);
	assert_false(bvp_gate_busy(&P));
}

/* ---- the gate holds a second cross packet until the first is answered ---- */

static void test_gate_holds_and_times_out(void **state)
{
	(void)state;
	int c = bvp_client_add(&P), p1 = bvp_client_add(&P), p2 = bvp_client_add(&P);
	connect(c, p1, 0x2a, LE_CONN_COMPLETE);
	connect(c, p2, 0x2b, LE_CONN_COMPLETE);
	struct pkt a1 = acl(0x2a, 0), a2 = acl(0x2a, 0);
	assert_int_equal(bvp_from_host(&P, p1, a1.b, a1.n, T0), BVP_FORWARD);
	assert_int_equal(bvp_from_host(&P, p2, a2.b, a2.n, T0), BVP_HOLD);
	/* the same host's other traffic is not the gate's business */
	struct pkt rst = cmd_h(0x0c03, 0, 0);
	assert_int_equal(bvp_from_host(&P, p2, rst.b, rst.n, T0), BVP_FORWARD);
	/* unlinked or unknown handles are never gated: btvirt drops them */
	struct pkt stray = acl(0x77, 0);
	assert_int_equal(bvp_from_host(&P, p2, stray.b, stray.n, T0), BVP_FORWARD);
	assert_int_equal(P.st.held, 1);
	assert_int_equal(bvp_next_deadline(&P), T0 + 100);
	bvp_on_timeout(&P, T0 + 99);
	assert_true(bvp_gate_busy(&P));
	bvp_on_timeout(&P, T0 + 100);
	assert_false(bvp_gate_busy(&P));
	assert_int_equal(P.st.gate_timeouts, 1);
	assert_int_equal(bvp_next_deadline(&P), UINT64_MAX);
	/* after a timeout the unique-link fallback still maps p1's ACL */
	struct pkt late = acl(0x2a, 2);
	bvp_from_ctrl(&P, c, late.b, late.n);
	assert_int_equal(acl_handle(&late), 0x2a); /* ambiguous (p1 and p2 use 0x2a): untouched */
	assert_int_equal(bvp_from_host(&P, p2, a2.b, a2.n, T0 + 100), BVP_FORWARD);
	struct pkt in = acl(0x2a, 2);
	bvp_from_ctrl(&P, c, in.b, in.n);
	assert_int_equal(acl_handle(&in), 0x2b);
}

/* ---- disconnection frees handles the way btdev does ---- */

static void test_disconnect_and_reuse(void **state)
{
	(void)state;
	int per = bvp_client_add(&P), c1 = bvp_client_add(&P), c2 = bvp_client_add(&P);
	int c3 = bvp_client_add(&P);
	assert_int_equal(connect(c1, per, 0x2a, LE_CONN_COMPLETE), 0x2a);
	assert_int_equal(connect(c2, per, 0x2a, LE_CONN_COMPLETE), 0x2b);
	/* c1 disconnects: each side is told its own handle */
	struct pkt d = cmd_h(0x0406, 0x2a, 3);
	assert_int_equal(bvp_from_host(&P, c1, d.b, d.n, T0), BVP_FORWARD);
	struct pkt dc1 = disconn_complete(0, 0x2a), dp = disconn_complete(0, 0x2a);
	bvp_from_ctrl(&P, c1, dc1.b, dc1.n);
	bvp_from_ctrl(&P, per, dp.b, dp.n);
	assert_int_equal(bh_get16(&dp.b[4]), 0x2a);
	/* a failed Disconnection Complete frees nothing */
	struct pkt bad = disconn_complete(0x02, 0x2b);
	bvp_from_ctrl(&P, per, bad.b, bad.n);
	/* the freed 0x2a is the lowest free again */
	assert_int_equal(connect(c3, per, 0x2a, LE_CONN_COMPLETE), 0x2a);
	assert_int_equal(send_acl(c2, 0x2a, per), 0x2b);
	assert_int_equal(send_acl(c3, 0x2a, per), 0x2a);
	/* the removed link is gone: ACL on it is not gated */
	struct pkt gone = acl(0x2a, 0);
	assert_int_equal(bvp_from_host(&P, c1, gone.b, gone.n, T0), BVP_FORWARD);
	assert_false(bvp_gate_busy(&P));
}

/* ---- a client closing frees its peers' handles, silently, like btdev_destroy ---- */

static void test_client_close(void **state)
{
	(void)state;
	int per = bvp_client_add(&P), c1 = bvp_client_add(&P), c2 = bvp_client_add(&P);
	connect(c1, per, 0x2a, LE_CONN_COMPLETE);
	connect(c2, per, 0x2a, LE_CONN_COMPLETE); /* per: 0x2b */
	/* c2 starts ACL towards per, then goes away before btvirt answers */
	struct pkt a = acl(0x2a, 0);
	assert_int_equal(bvp_from_host(&P, c2, a.b, a.n, T0), BVP_FORWARD);
	assert_true(bvp_gate_busy(&P));
	bvp_client_remove(&P, c2);
	assert_false(bvp_gate_busy(&P));
	int c4 = bvp_client_add(&P);
	assert_int_equal(c4, c2); /* slot reused, state fresh */
	assert_int_equal(connect(c4, per, 0x2a, LE_CONN_COMPLETE), 0x2b);
	bvp_client_remove(&P, 99); /* out of range: ignored */
	bvp_client_remove(&P, -1);
	/* unknown slots are passed through untouched */
	struct pkt x = acl(0x2a, 0);
	assert_int_equal(bvp_from_host(&P, 12, x.b, x.n, T0), BVP_FORWARD);
	bvp_from_ctrl(&P, 12, x.b, x.n);
	assert_int_equal(acl_handle(&x), 0x2a);
}

/* ---- connection attempts that fail or are not ours ---- */

static void test_create_failures(void **state)
{
	(void)state;
	int c = bvp_client_add(&P), p = bvp_client_add(&P);
	/* Command Status with an error ends the attempt */
	struct pkt cmd = create_conn();
	assert_int_equal(bvp_from_host(&P, c, cmd.b, cmd.n, T0), BVP_FORWARD);
	struct pkt st = cmd_status(0x0c, OP_LE_CREATE_CONN);
	bvp_from_ctrl(&P, p, st.b, st.n); /* other client's status: not ours */
	assert_true(bvp_gate_busy(&P));
	bvp_from_ctrl(&P, c, st.b, st.n);
	assert_false(bvp_gate_busy(&P));
	/* Connection Failed to be Established: only the central hears of it */
	struct pkt ext = cmd_h(OP_LE_EXT_CREATE_CONN, 0, 10);
	assert_int_equal(bvp_from_host(&P, c, ext.b, ext.n, T0), BVP_FORWARD);
	struct pkt fail = le_conn_complete(LE_ENH_CONN_COMPLETE, 0x3e, 0, 0x00);
	bvp_from_ctrl(&P, c, fail.b, fail.n);
	assert_false(bvp_gate_busy(&P));
	assert_int_equal(P.cl[c].n, 0);
	/* a peripheral link nobody proxied is still given its real handle */
	struct pkt pe1 = le_conn_complete(LE_CONN_COMPLETE, 0, 0x30, 0x01);
	bvp_from_ctrl(&P, p, pe1.b, pe1.n);
	assert_int_equal(cc_handle(&pe1), 0x2a);
	struct pkt pe2 = le_conn_complete(LE_CONN_COMPLETE, 0, 0x30, 0x01);
	bvp_from_ctrl(&P, p, pe2.b, pe2.n);
	assert_int_equal(cc_handle(&pe2), 0x2b);
	/* ... but not linked: its ACL passes ungated */
	struct pkt a = acl(0x2a, 0);
	assert_int_equal(bvp_from_host(&P, p, a.b, a.n, T0), BVP_FORWARD);
	assert_false(bvp_gate_busy(&P));
}

/* ---- garbage never crashes and never changes state ---- */

static void test_garbage(void **state)
{
	(void)state;
	int c = bvp_client_add(&P), p = bvp_client_add(&P);
	connect(c, p, 0x2a, LE_CONN_COMPLETE);
	struct bvp before;
	memcpy(&before, &P, sizeof(P));
	const uint8_t shorts[][8] = {
		{ H4_EVT, EVT_LE_META, 0 },				/* no subevent */
		{ H4_EVT, EVT_LE_META, 3, LE_CONN_COMPLETE, 0, 0x2b },	/* truncated */
		{ H4_EVT, EVT_LE_META, 2, LE_LTK_REQUEST, 0x2a },	/* no handle */
		{ H4_EVT, EVT_LE_META, 3, LE_CONN_UPDATE_COMPLETE, 0, 0x2a },
		{ H4_EVT, EVT_DISCONN_COMPLETE, 2, 0, 0x2a },		/* short */
		{ H4_EVT, EVT_CMD_STATUS, 3, 1, 1, 0x0d },		/* short */
		{ H4_EVT, EVT_LE_META, 9, LE_CONN_COMPLETE },		/* plen > data */
		{ H4_ACL, 0x2a, 0x00, 0x00 },				/* short ACL */
		{ 0x99, 1, 2, 3, 4, 5, 6, 7 },
	};
	const size_t lens[] = { 3, 6, 5, 6, 5, 6, 4, 4, 8 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t copy[8];
		memcpy(copy, shorts[i], sizeof(copy));
		bvp_from_ctrl(&P, p, copy, lens[i]);
		assert_memory_equal(copy, shorts[i], sizeof(copy));
		assert_int_equal(bvp_from_host(&P, c, copy, lens[i], T0), BVP_FORWARD);
	}
	bvp_from_ctrl(&P, p, NULL, 0);
	assert_memory_equal(&before, &P, sizeof(P));
	/* a cross command too short to carry its handle is not gated */
	struct pkt se = cmd_h(OP_LE_START_ENCRYPTION, 0x2a, 1);
	assert_int_equal(bvp_from_host(&P, c, se.b, se.n, T0), BVP_FORWARD);
	assert_false(bvp_gate_busy(&P));
}

/* ---- bounded tables ---- */

static void test_limits(void **state)
{
	(void)state;
	for (int i = 0; i < BVP_MAX_CLIENTS; i++)
		assert_int_equal(bvp_client_add(&P), i);
	assert_int_equal(bvp_client_add(&P), -1);
	/* more peripheral links than tracked: the extra one passes untouched */
	for (int i = 0; i < BVP_MAX_HANDLES; i++) {
		struct pkt pe = le_conn_complete(LE_CONN_COMPLETE, 0, 0x2a, 0x01);
		bvp_from_ctrl(&P, 0, pe.b, pe.n);
		assert_int_equal(cc_handle(&pe), 0x2a + i);
	}
	struct pkt pe = le_conn_complete(LE_CONN_COMPLETE, 0, 0x2a, 0x01);
	bvp_from_ctrl(&P, 0, pe.b, pe.n);
	assert_int_equal(cc_handle(&pe), 0x2a);
	assert_int_equal(P.st.untracked, 1);
	/* link table full: connections still get real handles, just unlinked */
	bvp_init(&P, 100);
	for (int i = 0; i < BVP_MAX_CLIENTS; i++)
		bvp_client_add(&P);
	int made = 0;
	for (int c = 0; c < 8; c++)
		for (int k = 0; k < 9; k++, made++)
			connect(c, 8 + (made % 8), (uint16_t)(0x2a + k), LE_CONN_COMPLETE);
	assert_true(P.st.untracked >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_h4_frame, setup),
		cmocka_unit_test_setup(test_single_link_transparent, setup),
		cmocka_unit_test_setup(test_central_three_peripherals, setup),
		cmocka_unit_test_setup(test_peripheral_three_centrals, setup),
		cmocka_unit_test_setup(test_gate_holds_and_times_out, setup),
		cmocka_unit_test_setup(test_disconnect_and_reuse, setup),
		cmocka_unit_test_setup(test_client_close, setup),
		cmocka_unit_test_setup(test_create_failures, setup),
		cmocka_unit_test_setup(test_garbage, setup),
		cmocka_unit_test_setup(test_limits, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
