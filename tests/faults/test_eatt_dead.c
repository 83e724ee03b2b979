/* One EATT bearer's transaction timeout (suite 'faults'), against the fake
 * controller in virtual time. A request on an enhanced bearer is never
 * answered: after ATT's 30 s that bearer only is dead (Vol 3, Part F,
 * 3.3.3; Part G, 5.3.2: each bearer has its own transactions). The host
 * closes its channel (L2CAP_DISCONNECTION_REQ), sends nothing more on it,
 * answers nothing arriving on it, and the link stays: the operation that
 * waited fails with BH_ETIMEDOUT, the ones queued behind it and every later
 * one go out on the unenhanced bearer and the enhanced one left, and
 * succeed. Driven as central (the host opens the two channels; the fake
 * answers the close) and as peripheral (the fake, central, opens them; the
 * host's own GATT client uses them; the close is never answered, and the
 * host drops the channel when its request times out). Indications are sent on the unenhanced bearer only
 * (host_conn.c gatts_indicate), so no indication can time out on an
 * enhanced one. */
#include "fake_host.h"

#include <blehost/bond_store.h>
#include <blehost/gatt_client.h>
#include <blehost/host.h>
#include <blehost/smp.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK FAKE_CONN_HANDLE
#define EATT_SPSM 0x0027
static const bh_addr fake_peer = { BH_ADDR_PUBLIC, { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 } };
static const uint8_t ltk_rand[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
#define LTK_EDIV 0x1234

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	char store[64], hash[64];
	uint16_t peer_cid[2]; /* the fake's CIDs: the host sends to these */
	uint16_t host_cid[2]; /* the host's: the fake sends to these */
};

struct op {
	unsigned done;
	bh_status st;
	size_t len;
};

static void op_cb(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct op *o = ctx;
	o->done++;
	o->st = st;
	o->len = res ? res->len : 0;
}

/* A bond with the fake's peer, for either role's encryption. */
static void make_store(struct fx *x)
{
	strcpy(x->store, "/tmp/bh-eatt-dead-XXXXXX");
	strcpy(x->hash, "/tmp/bh-eatt-dead-hash-XXXXXX");
	assert_non_null(mkdtemp(x->store));
	assert_non_null(mkdtemp(x->hash));
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(x->store, &st), BH_OK);
	static struct bh_bond b;
	memset(&b, 0, sizeof(b));
	b.identity = fake_peer;
	b.peripheral_ltk.valid = true;
	b.peripheral_ltk.key_size = 16;
	b.peripheral_ltk.ediv = LTK_EDIV;
	memcpy(b.peripheral_ltk.rand, ltk_rand, 8);
	memset(b.peripheral_ltk.ltk, 0x42, 16);
	b.central_ltk = b.peripheral_ltk;
	assert_int_equal(bh_bond_store_save(st, &b), BH_OK);
	bh_bond_store_close(st);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	make_store(x);
	fake_host_init(&x->fh, "EATT_DEAD_VERBOSE", (enum bh_log_level)-1);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 21);
	cfg.store_dir = x->store;
	cfg.db_hash_dir = x->hash;
	cfg.eatt_bearers = 2;
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	char err[256] = "";
	x->fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	assert_non_null(x->fh.h);
	assert_int_equal(fake_accept(x->fh.f, x->fh.loop), 0);
	fake_host_virtual_time(&x->fh);
	assert_int_equal(bh_host_start_sync(x->fh.h, 3000), BH_OK);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	fake_host_fini(&x->fh);
	fake_host_remove_dir(x->store);
	fake_host_remove_dir(x->hash);
	free(x);
	return 0;
}

/* Encryption Change (Vol 4, Part E, 7.7.8): on, and SMP has taken it. */
static void encryption_on(struct fx *x)
{
	uint8_t ec[4] = { 0x00, (uint8_t)LINK, LINK >> 8, 0x01 };
	assert_int_equal(fake_event(x->fh.f, 0x08, ec, sizeof(ec)), 0);
	for (int i = 0; i < 200; i++) {
		if (bh_smp_security(bh_host_smp(x->fh.h), LINK).level >= BH_SEC_ENCRYPTED)
			break;
		fake_run(x->fh.f, 5);
	}
	assert_true(bh_smp_security(bh_host_smp(x->fh.h), LINK).level >= BH_SEC_ENCRYPTED);
}

static void connect(struct fx *x, bool central)
{
	assert_int_equal(fake_connect_handle(x->fh.f, LINK, central), 0);
	for (int i = 0; i < 200 && !x->fh.connected; i++)
		fake_run(x->fh.f, 5);
	assert_int_equal(x->fh.connected, 1);
}

/* The next frame on the signaling channel with this code, skipping others
 * (credits). Its length, or -1. */
static int sig_next(struct fx *x, uint8_t code, uint8_t *buf, size_t cap, unsigned ms)
{
	for (;;) {
		int n = fake_recv(x->fh.f, 0x0005, buf, cap, ms);
		if (n < 0 || buf[0] == code)
			return n;
	}
}

/* As central the host encrypts with the bond and opens two EATT channels
 * (Vol 3, Part A, 4.25; Part G, 5.3.2); the fake accepts both, MTU and
 * MPS 64, 10 credits each. */
static void open_as_central(struct fx *x)
{
	connect(x, true);
	assert_int_equal(bh_smp_request_security(bh_host_smp(x->fh.h), LINK, BH_SEC_ENCRYPTED), 0);
	for (int i = 0; i < 200 && !fake_cmd_count(x->fh.f, 0x2019); i++)
		fake_run(x->fh.f, 5);
	encryption_on(x);
	uint8_t req[64];
	int n = sig_next(x, 0x17, req, sizeof(req), 2000);
	assert_int_equal(n, 4 + 8 + 2 * 2);
	assert_int_equal(req[4] | req[5] << 8, EATT_SPSM);
	x->host_cid[0] = (uint16_t)(req[12] | req[13] << 8);
	x->host_cid[1] = (uint16_t)(req[14] | req[15] << 8);
	x->peer_cid[0] = 0x0050;
	x->peer_cid[1] = 0x0051;
	const uint8_t rsp[] = { 0x18, req[1], 12, 0, 64, 0, 64, 0, 10, 0, 0, 0, 0x50, 0, 0x51, 0 };
	assert_int_equal(fake_l2cap_to(x->fh.f, LINK, 0x0005, rsp, sizeof(rsp)), 0);
	fake_run(x->fh.f, 20);
}

/* As peripheral the fake connects, encrypts with the bond (LE Long Term Key
 * Request) and opens two EATT channels, one request each. */
static void open_as_peripheral(struct fx *x)
{
	connect(x, false);
	uint8_t lr[13] = { 0x05, (uint8_t)LINK, LINK >> 8 };
	memcpy(lr + 3, ltk_rand, 8);
	lr[11] = (uint8_t)LTK_EDIV;
	lr[12] = LTK_EDIV >> 8;
	assert_int_equal(fake_event(x->fh.f, 0x3e, lr, sizeof(lr)), 0);
	for (int i = 0; i < 200 && !fake_cmd_count(x->fh.f, 0x201a); i++)
		fake_run(x->fh.f, 5);
	encryption_on(x);
	for (unsigned i = 0; i < 2; i++) {
		uint16_t scid = (uint16_t)(0x0050 + i);
		uint8_t req[14] = { 0x17, (uint8_t)(0x20 + i), 10, 0, (uint8_t)EATT_SPSM,
				    EATT_SPSM >> 8, 64, 0, 64, 0, 10, 0, (uint8_t)scid,
				    (uint8_t)(scid >> 8) };
		assert_int_equal(fake_l2cap_to(x->fh.f, LINK, 0x0005, req, sizeof(req)), 0);
		uint8_t rsp[64];
		assert_int_equal(sig_next(x, 0x18, rsp, sizeof(rsp), 2000), 14);
		assert_int_equal(rsp[10] | rsp[11] << 8, 0x0000);
		x->peer_cid[i] = scid;
		x->host_cid[i] = (uint16_t)(rsp[12] | rsp[13] << 8);
	}
	fake_run(x->fh.f, 20);
}

static unsigned bearers(struct fx *x)
{
	struct bh_host_eatt_info info;
	assert_int_equal(bh_host_eatt_info(x->fh.h, LINK, &info), 0);
	return info.bearers;
}

/* The next ATT PDU the host sent on any bearer: its channel (the fake's
 * CID, 4 for the unenhanced one) and the PDU (the SDU, for an enhanced
 * one). Length, or -1 when none came within ms. */
static int att_next(struct fx *x, uint16_t *cid, uint8_t *pdu, size_t cap, unsigned ms)
{
	const uint16_t cids[3] = { 0x0004, x->peer_cid[0], x->peer_cid[1] };
	uint8_t buf[128];
	for (unsigned t = 0; t <= ms; t += 10) {
		for (unsigned i = 0; i < 3; i++) {
			int n = fake_recv(x->fh.f, cids[i], buf, sizeof(buf), 0);
			if (n < 0)
				continue;
			*cid = cids[i];
			const uint8_t *p = buf;
			if (i) { /* a K-frame: the SDU length, then the SDU (one frame) */
				assert_true(n >= 2);
				assert_int_equal(buf[0] | buf[1] << 8, n - 2);
				p += 2;
				n -= 2;
			}
			assert_true((size_t)n <= cap);
			memcpy(pdu, p, (size_t)n);
			return n;
		}
		fake_run(x->fh.f, 10);
	}
	return -1;
}

/* Sends an ATT PDU to the host on the bearer the fake calls cid. */
static void att_to_host(struct fx *x, uint16_t cid, const uint8_t *pdu, size_t len)
{
	uint8_t buf[128];
	if (cid == 0x0004) {
		assert_int_equal(fake_l2cap_to(x->fh.f, LINK, 4, pdu, len), 0);
		return;
	}
	uint16_t to = cid == x->peer_cid[0] ? x->host_cid[0] : x->host_cid[1];
	buf[0] = (uint8_t)len;
	buf[1] = (uint8_t)(len >> 8);
	memcpy(buf + 2, pdu, len);
	assert_int_equal(fake_l2cap_to(x->fh.f, LINK, to, buf, len + 2), 0);
}

/* A read through the host's client goes out on a live bearer (never
 * dead_cid), is answered there, and succeeds. Returns its channel. */
static uint16_t read_ok(struct fx *x, struct bh_gattc *g, uint16_t dead_cid)
{
	struct op o = { 0 };
	assert_int_equal(bh_gattc_read(g, 3, op_cb, &o), BH_OK);
	uint8_t pdu[64];
	uint16_t cid = 0;
	assert_int_equal(att_next(x, &cid, pdu, sizeof(pdu), 200), 3);
	assert_int_equal(pdu[0], 0x0a);
	assert_int_not_equal(cid, dead_cid);
	const uint8_t rsp[] = { 0x0b, 'o', 'k' };
	att_to_host(x, cid, rsp, sizeof(rsp));
	fake_run(x->fh.f, 20);
	assert_int_equal(o.done, 1);
	assert_int_equal(o.st, BH_OK);
	assert_int_equal(o.len, 2);
	return cid;
}

/* answer_close: the fake answers the host's L2CAP_DISCONNECTION_REQ;
 * else the request times out (RTX, Vol 3, Part A, 6.2.1) and the host
 * drops the channel all the same. */
static void one_bearer_times_out(struct fx *x, bool answer_close)
{
	assert_int_equal(bearers(x), 2);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, LINK);
	assert_non_null(g);
	uint8_t pdu[64];
	uint16_t cid = 0;

	/* Reads, answered, until one goes out on an enhanced bearer: that
	 * one is never answered. */
	struct op a = { 0 }, b = { 0 };
	for (unsigned i = 0;; i++) {
		assert_true(i < 4);
		memset(&a, 0, sizeof(a));
		assert_int_equal(bh_gattc_read(g, 3, op_cb, &a), BH_OK);
		assert_int_equal(att_next(x, &cid, pdu, sizeof(pdu), 200), 3);
		if (cid != 0x0004)
			break;
		const uint8_t rsp[] = { 0x0b, 'o', 'k' };
		att_to_host(x, cid, rsp, sizeof(rsp));
		fake_run(x->fh.f, 20);
		assert_int_equal(a.st, BH_OK);
	}
	const uint16_t dead = cid;
	/* Queued behind it. */
	assert_int_equal(bh_gattc_read(g, 3, op_cb, &b), BH_OK);
	for (unsigned t = 0; t < BH_ATT_TIMEOUT_MS + 1000 && !a.done; t += 500)
		fake_run(x->fh.f, 500);
	assert_int_equal(a.done, 1);
	assert_int_equal(a.st, BH_ETIMEDOUT);

	/* The queued read goes on, on another bearer. */
	assert_int_equal(b.done, 0);
	assert_int_equal(att_next(x, &cid, pdu, sizeof(pdu), 200), 3);
	assert_int_not_equal(cid, dead);
	const uint8_t rsp[] = { 0x0b, 'o', 'k' };
	att_to_host(x, cid, rsp, sizeof(rsp));
	fake_run(x->fh.f, 20);
	assert_int_equal(b.done, 1);
	assert_int_equal(b.st, BH_OK);

	/* The host closes that channel only (Vol 3, Part A, 4.6): its DCID
	 * the fake's CID. The link stays. */
	uint8_t dr[64];
	assert_int_equal(sig_next(x, 0x06, dr, sizeof(dr), 500), 8);
	assert_int_equal(dr[4] | dr[5] << 8, dead);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x0406), 0);
	assert_int_equal(x->fh.disconnected, 0);

	/* Until the channel is gone: a late answer on it changes nothing, a
	 * request on it is not answered, later reads avoid it. */
	const uint8_t late[] = { 0x0b, 'l', 'a', 't', 'e' };
	att_to_host(x, dead, late, sizeof(late));
	const uint8_t rq[] = { 0x0a, 0x01, 0x00 };
	att_to_host(x, dead, rq, sizeof(rq));
	fake_run(x->fh.f, 50);
	assert_int_equal(a.done, 1);
	assert_int_equal(b.done, 1);
	bool used[2] = { false, false };
	for (unsigned i = 0; i < 6; i++) {
		uint16_t c = read_ok(x, g, dead);
		used[c == 0x0004 ? 0 : 1] = true;
	}
	assert_true(used[0] && used[1]); /* both live bearers serve */
	assert_int_equal(fake_recv(x->fh.f, dead, pdu, sizeof(pdu), 0), -1);

	/* L2CAP_DISCONNECTION_RSP, or none: the bearer is gone; the rest
	 * serve on. */
	if (answer_close) {
		uint8_t drsp[8] = { 0x07, dr[1], 4, 0, dr[4], dr[5], dr[6], dr[7] };
		assert_int_equal(fake_l2cap_to(x->fh.f, LINK, 0x0005, drsp, sizeof(drsp)), 0);
		fake_run(x->fh.f, 20);
	} else {
		for (unsigned t = 0; t < 61000 && bearers(x) == 2; t += 1000)
			fake_run(x->fh.f, 1000);
	}
	assert_int_equal(bearers(x), 1);
	for (unsigned i = 0; i < 3; i++)
		read_ok(x, g, dead);
	assert_int_equal(fake_recv(x->fh.f, dead, pdu, sizeof(pdu), 0), -1);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x0406), 0);
	assert_int_equal(x->fh.disconnected, 0);
}

static void central_one_bearer_times_out(void **state)
{
	struct fx *x = *state;
#ifndef WITH_EATT
	skip();
#endif
	open_as_central(x);
	one_bearer_times_out(x, true);
}

static void peripheral_one_bearer_times_out(void **state)
{
	struct fx *x = *state;
#ifndef WITH_EATT
	skip();
#endif
	open_as_peripheral(x);
	one_bearer_times_out(x, false);
}

/* A long write (Vol 3, Part G, 4.9.4) whose Prepare Write Request on an
 * enhanced bearer is never answered: the write fails with BH_ETIMEDOUT,
 * and since the link and the client's prepare queue at the server stay
 * (Part F, 3.4.6), an Execute Write Request with flags 0 (cancel) goes out
 * on a live bearer; then reads go on. */
static void central_long_write_times_out(void **state)
{
	struct fx *x = *state;
#ifndef WITH_EATT
	skip();
#endif
	open_as_central(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, LINK);
	assert_non_null(g);
	uint8_t val[100];
	memset(val, 'v', sizeof(val));
	struct op w = { 0 };
	assert_int_equal(bh_gattc_write_long(g, 3, val, sizeof(val), op_cb, &w), BH_OK);
	uint8_t pdu[64];
	uint16_t cid = 0;
	/* Prepare Write Requests on the unenhanced bearer are answered (an
	 * echo), until one goes out on an enhanced bearer. */
	for (unsigned i = 0;; i++) {
		assert_true(i < 4);
		int n = att_next(x, &cid, pdu, sizeof(pdu), 200);
		assert_true(n > 5);
		assert_int_equal(pdu[0], 0x16);
		if (cid != 0x0004)
			break;
		pdu[0] = 0x17;
		att_to_host(x, cid, pdu, (size_t)n);
	}
	const uint16_t dead = cid;
	for (unsigned t = 0; t < BH_ATT_TIMEOUT_MS + 1000 && !w.done; t += 500)
		fake_run(x->fh.f, 500);
	assert_int_equal(w.done, 1);
	assert_int_equal(w.st, BH_ETIMEDOUT);
	assert_int_equal(att_next(x, &cid, pdu, sizeof(pdu), 200), 2);
	assert_int_equal(pdu[0], 0x18);
	assert_int_equal(pdu[1], 0x00);
	assert_int_not_equal(cid, dead);
	const uint8_t ew[] = { 0x19 };
	att_to_host(x, cid, ew, sizeof(ew));
	fake_run(x->fh.f, 20);
	for (unsigned i = 0; i < 3; i++)
		read_ok(x, g, dead);
	assert_int_equal(fake_recv(x->fh.f, dead, pdu, sizeof(pdu), 0), -1);
	assert_int_equal(fake_cmd_count(x->fh.f, 0x0406), 0);
	assert_int_equal(x->fh.disconnected, 0);
}

/* The same when the write's first Prepare Write Request is the one lost:
 * no response said the server holds anything, yet it may (the request
 * may have reached it), so the cancel goes out all the same. Writes whose
 * first request goes out on the unenhanced bearer are refused there (Write
 * Not Permitted) until one goes out on an enhanced bearer. */
static void central_first_prepare_times_out(void **state)
{
	struct fx *x = *state;
#ifndef WITH_EATT
	skip();
#endif
	open_as_central(x);
	struct bh_gattc *g = bh_host_gattc(x->fh.h, LINK);
	assert_non_null(g);
	uint8_t val[100];
	memset(val, 'v', sizeof(val));
	struct op w = { 0 };
	uint8_t pdu[64];
	uint16_t cid = 0;
	for (unsigned i = 0;; i++) {
		assert_true(i < 4);
		memset(&w, 0, sizeof(w));
		assert_int_equal(bh_gattc_write_long(g, 3, val, sizeof(val), op_cb, &w), BH_OK);
		int n = att_next(x, &cid, pdu, sizeof(pdu), 200);
		assert_true(n > 5);
		assert_int_equal(pdu[0], 0x16);
		if (cid != 0x0004)
			break;
		const uint8_t err[] = { 0x01, 0x16, 0x03, 0x00, 0x03 };
		att_to_host(x, cid, err, sizeof(err));
		fake_run(x->fh.f, 20);
		assert_int_equal(w.done, 1);
		assert_int_not_equal(w.st, BH_OK);
		/* Nothing was prepared: no cancel. */
		assert_int_equal(att_next(x, &cid, pdu, sizeof(pdu), 0), -1);
	}
	const uint16_t dead = cid;
	for (unsigned t = 0; t < BH_ATT_TIMEOUT_MS + 1000 && !w.done; t += 500)
		fake_run(x->fh.f, 500);
	assert_int_equal(w.done, 1);
	assert_int_equal(w.st, BH_ETIMEDOUT);
	assert_int_equal(att_next(x, &cid, pdu, sizeof(pdu), 200), 2);
	assert_int_equal(pdu[0], 0x18);
	assert_int_equal(pdu[1], 0x00);
	assert_int_not_equal(cid, dead);
	const uint8_t ew[] = { 0x19 };
	att_to_host(x, cid, ew, sizeof(ew));
	fake_run(x->fh.f, 20);
	read_ok(x, g, dead);
	assert_int_equal(x->fh.disconnected, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(central_one_bearer_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(peripheral_one_bearer_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(central_long_write_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(central_first_prepare_times_out, setup, teardown),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
