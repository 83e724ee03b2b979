/* Unit tests for the ATT bearer (att/att_bearer.c): raw-PDU tests against a
 * recording port, and two bearers wired back to back through a pump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/att.h>
#include <blehost/bh_bytes.h>

#define MAXPDU 8
struct side {
	struct bh_att *att;
	struct side *peer; /* back to back: sent PDUs queue for the peer */
	uint8_t sent[MAXPDU][600];
	size_t sent_len[MAXPDU];
	unsigned nsent;
	int busy; /* port.send returns BH_EBUSY while > 0 */
	int full; /* port.send sends and says BH_ATT_NOW_FULL while > 0 */
	/* upper-layer observations */
	uint8_t srv[600];
	size_t srv_len;
	unsigned nsrv;
	bool auto_respond; /* answer a Read Request with value 0x42 */
	unsigned nnotif, nind, sent_at_ind;
	uint16_t notif_handle;
	size_t notif_len;
	uint16_t mtu_seen;
	unsigned nmtu, ndead, ncansend;
	bh_status dead_reason;
};

struct done {
	unsigned n;
	bh_status st;
	uint8_t rsp[600];
	size_t len;
	unsigned order; /* global completion order */
};
static unsigned g_order;
static bh_time_ms g_now;
static const struct bh_env env = { .now = bh_manual_clock, .now_ctx = &g_now };

static int p_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct side *s = ctx;
	if (s->busy > 0) {
		s->busy--;
		return BH_EBUSY;
	}
	assert_true(s->nsent < MAXPDU);
	memcpy(s->sent[s->nsent], pdu, len);
	s->sent_len[s->nsent++] = len;
	if (s->full > 0) {
		s->full--;
		return BH_ATT_NOW_FULL;
	}
	return 0;
}
static void p_server_pdu(void *ctx, const uint8_t *pdu, size_t len)
{
	struct side *s = ctx;
	memcpy(s->srv, pdu, len);
	s->srv_len = len;
	s->nsrv++;
	if (s->auto_respond && pdu[0] == BH_ATT_READ_REQ) {
		const uint8_t r[] = { BH_ATT_READ_RSP, 0x42 };
		assert_int_equal(bh_att_respond(s->att, r, sizeof(r)), 0);
	}
}
static void p_notification(void *ctx, uint16_t handle, const uint8_t *v, size_t len, bool ind)
{
	struct side *s = ctx;
	(void)v;
	s->notif_handle = handle;
	s->notif_len = len;
	if (ind) {
		s->nind++;
		s->sent_at_ind = s->nsent; /* the confirmation must come after this */
	} else {
		s->nnotif++;
	}
}
static void p_mtu(void *ctx, uint16_t mtu)
{
	struct side *s = ctx;
	s->mtu_seen = mtu;
	s->nmtu++;
}
static void p_dead(void *ctx, bh_status r)
{
	struct side *s = ctx;
	s->ndead++;
	s->dead_reason = r;
}
static void p_can_send(void *ctx)
{
	struct side *s = ctx;
	s->ncansend++;
}

static void done_cb(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	struct done *d = ctx;
	d->n++;
	d->st = st;
	d->len = len;
	d->order = ++g_order;
	if (rsp)
		memcpy(d->rsp, rsp, len);
	else
		assert_int_equal(len, 0);
}

static void side_init(struct side *s, uint16_t local_mtu)
{
	memset(s, 0, sizeof(*s));
	struct bh_att_config c;
	bh_att_config_default(&c);
	c.local_mtu = local_mtu;
	c.max_queued_requests = 2;
	c.max_queued_indications = 1;
	struct bh_att_port p = { .ctx = s, .send = p_send, .server_pdu = p_server_pdu,
				 .notification = p_notification, .mtu_changed = p_mtu,
				 .dead = p_dead, .can_send = p_can_send };
	s->att = bh_att_new(&c, &env, &p);
	assert_non_null(s->att);
}

/* Delivers everything both sides sent, until quiet. */
static void pump(struct side *a, struct side *b)
{
	for (int guard = 0; guard < 100; guard++) {
		struct side *from = a->nsent ? a : b->nsent ? b : NULL;
		if (!from)
			return;
		uint8_t pdu[600];
		size_t len = from->sent_len[0];
		memcpy(pdu, from->sent[0], len);
		for (unsigned i = 1; i < from->nsent; i++) {
			memcpy(from->sent[i - 1], from->sent[i], from->sent_len[i]);
			from->sent_len[i - 1] = from->sent_len[i];
		}
		from->nsent--;
		bh_att_on_pdu(from->peer->att, pdu, len);
	}
	fail_msg("pump did not settle");
}

static void pair(struct side *c, struct side *s, uint16_t cmtu, uint16_t smtu)
{
	side_init(c, cmtu);
	side_init(s, smtu);
	c->peer = s;
	s->peer = c;
}

static void in(struct side *s, const uint8_t *p, size_t n) { bh_att_on_pdu(s->att, p, n); }
#define IN(s, ...) do { const uint8_t _p[] = { __VA_ARGS__ }; in(s, _p, sizeof(_p)); } while (0)
#define SENT_IS(s, i, ...) do { const uint8_t _p[] = { __VA_ARGS__ }; \
	assert_int_equal((s)->sent_len[i], sizeof(_p)); \
	assert_memory_equal((s)->sent[i], _p, sizeof(_p)); } while (0)

static void test_mtu_back_to_back(void **state)
{
	(void)state;
	struct side c, s;
	pair(&c, &s, 100, 517);
	struct done d = { 0 };
	const uint8_t req[] = { BH_ATT_MTU_REQ, 100, 0 };
	assert_int_equal(bh_att_request(c.att, req, sizeof(req), done_cb, &d), 0);
	pump(&c, &s);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_get16(d.rsp + 1), 517); /* server answered with its local MTU */
	assert_int_equal(bh_att_mtu(c.att), 100);
	assert_int_equal(bh_att_mtu(s.att), 100);
	assert_int_equal(c.nmtu, 1);
	assert_int_equal(s.nmtu, 1);
	assert_int_equal(s.nsrv, 0); /* handled by the bearer, not the server */
	bh_att_free(c.att);
	bh_att_free(s.att);
}

static void test_mtu_second_request_ignored(void **state)
{
	(void)state;
	struct side s;
	side_init(&s, 200);
	IN(&s, BH_ATT_MTU_REQ, 10, 0); /* below 23: stays 23 */
	SENT_IS(&s, 0, BH_ATT_MTU_RSP, 200, 0);
	assert_int_equal(bh_att_mtu(s.att), 23);
	assert_int_equal(s.nmtu, 0);
	IN(&s, BH_ATT_MTU_REQ, 100, 0); /* answered, ignored */
	SENT_IS(&s, 1, BH_ATT_MTU_RSP, 200, 0);
	assert_int_equal(bh_att_mtu(s.att), 23);
	IN(&s, BH_ATT_MTU_REQ, 100); /* malformed: Invalid PDU */
	SENT_IS(&s, 2, BH_ATT_ERROR_RSP, BH_ATT_MTU_REQ, 0, 0, BH_ATT_E_INVALID_PDU);
	bh_att_free(s.att);

	side_init(&s, 200);
	IN(&s, BH_ATT_MTU_REQ, 0x00, 0x10);
	assert_int_equal(bh_att_mtu(s.att), 200);
	assert_int_equal(s.mtu_seen, 200);
	bh_att_free(s.att);
}

static void test_request_fifo_back_to_back(void **state)
{
	(void)state;
	struct side c, s;
	pair(&c, &s, 23, 23);
	s.auto_respond = true;
	struct done d1 = { 0 }, d2 = { 0 }, d3 = { 0 }, d4 = { 0 };
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d1), 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d2), 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d3), 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d4), BH_ENOMEM);
	assert_int_equal(c.nsent, 1); /* one outstanding at a time */
	pump(&c, &s);
	assert_int_equal(s.nsrv, 3);
	assert_int_equal(d1.n, 1);
	assert_int_equal(d2.n, 1);
	assert_int_equal(d3.n, 1);
	assert_int_equal(d4.n, 0);
	assert_true(d1.order < d2.order && d2.order < d3.order);
	assert_int_equal(d3.st, BH_OK);
	assert_int_equal(d3.rsp[1], 0x42);
	bh_att_free(c.att);
	bh_att_free(s.att);
}

static void test_request_args(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	struct done d = { 0 };
	const uint8_t wcmd[] = { BH_ATT_WRITE_CMD, 1, 0, 1 };
	assert_int_equal(bh_att_request(c.att, wcmd, sizeof(wcmd), done_cb, &d), BH_EINVAL);
	assert_int_equal(bh_att_request(c.att, NULL, 0, done_cb, &d), BH_EINVAL);
	uint8_t big[24] = { BH_ATT_WRITE_REQ, 1, 0 };
	assert_int_equal(bh_att_request(c.att, big, sizeof(big), done_cb, &d), BH_EINVAL);
	assert_int_equal(bh_att_request(c.att, big, 23, done_cb, &d), 0);
	assert_int_equal(bh_att_send_command(c.att, big, 23), BH_EINVAL); /* not a command */
	assert_int_equal(bh_att_send_command(c.att, wcmd, sizeof(wcmd)), 0);
	assert_int_equal(d.n, 0);
	bh_att_free(c.att);
	assert_int_equal(d.n, 1); /* free completes pending */
	assert_int_equal(d.st, BH_EDISCONNECTED);
}

static void test_response_matching(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	struct done d = { 0 };
	IN(&c, BH_ATT_READ_RSP, 1); /* nothing outstanding: dropped */
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d), 0);
	/* The peer's one answer is the wrong one: the PDU is dropped and the
	 * request fails at once (its answer will never come), and the bearer
	 * serves the next request. */
	IN(&c, BH_ATT_WRITE_RSP); /* wrong opcode */
	assert_int_equal(d.n, 1);
	assert_int_equal(d.st, BH_EPROTO);
	assert_int_equal(d.len, 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d), 0);
	IN(&c, BH_ATT_ERROR_RSP, BH_ATT_WRITE_REQ, 3, 0, 0x0a); /* error for another request */
	assert_int_equal(d.n, 2);
	assert_int_equal(d.st, BH_EPROTO);
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d), 0);
	IN(&c, BH_ATT_ERROR_RSP, BH_ATT_READ_REQ, 3, 0, 0x02);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.st, BH_ATT_ERROR(0x02));
	assert_int_equal(d.len, 5);
	/* a response that does not decode completes with BH_EMALFORMED */
	const uint8_t fi[] = { BH_ATT_FIND_INFO_REQ, 1, 0, 0xff, 0xff };
	assert_int_equal(bh_att_request(c.att, fi, sizeof(fi), done_cb, &d), 0);
	IN(&c, BH_ATT_FIND_INFO_RSP, 3, 1, 0, 0, 0x28);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.st, BH_EMALFORMED);
	assert_int_equal(d.len, 6);
	/* malformed Error Response too */
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d), 0);
	IN(&c, BH_ATT_ERROR_RSP, BH_ATT_READ_REQ, 3);
	assert_int_equal(d.n, 5);
	assert_int_equal(d.st, BH_EMALFORMED);
	IN(&c, BH_ATT_READ_RSP, 1); /* late duplicate: dropped */
	assert_int_equal(d.n, 5);
	bh_att_free(c.att);
	assert_int_equal(d.n, 5);
}

static void test_transaction_timeout(void **state)
{
	(void)state;
	struct side c;
	g_now = 1000;
	side_init(&c, 23);
	struct done d1 = { 0 }, d2 = { 0 }, di = { 0 };
	assert_int_equal(bh_att_next_deadline(c.att), BH_NEVER);
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d1), 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d2), 0);
	assert_int_equal(bh_att_next_deadline(c.att), 31000);
	g_now = 30999;
	bh_att_on_timeout(c.att);
	assert_int_equal(d1.n, 0);
	g_now = 31000;
	bh_att_on_timeout(c.att);
	assert_int_equal(d1.n, 1);
	assert_int_equal(d1.st, BH_ETIMEDOUT);
	assert_int_equal(d2.n, 1);
	assert_int_equal(d2.st, BH_ETIMEDOUT);
	assert_int_equal(c.ndead, 1);
	assert_int_equal(c.dead_reason, BH_ETIMEDOUT);
	assert_true(bh_att_is_dead(c.att));
	assert_int_equal(bh_att_next_deadline(c.att), BH_NEVER);
	/* every later call fails, saying the bearer timed out (3.3.3) */
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d1), BH_ETIMEDOUT);
	assert_int_equal(bh_att_notify(c.att, 1, rd, 1, NULL), BH_ETIMEDOUT);
	assert_int_equal(bh_att_indicate(c.att, 1, rd, 1, done_cb, &di), BH_ETIMEDOUT);
	assert_int_equal(bh_att_send_command(c.att, (const uint8_t[]){ 0x52, 1, 0 }, 3),
			 BH_ETIMEDOUT);
	assert_int_equal(bh_att_respond(c.att, (const uint8_t[]){ 0x0b }, 1), BH_ETIMEDOUT);
	unsigned before = c.nsent;
	IN(&c, BH_ATT_READ_REQ, 1, 0); /* a dead bearer sends nothing */
	IN(&c, BH_ATT_INDICATE, 1, 0);
	assert_int_equal(c.nsent, before);
	bh_att_on_timeout(c.att);
	bh_att_disconnected(c.att, BH_EDISCONNECTED);
	assert_int_equal(c.ndead, 1);
	bh_att_free(c.att);
	assert_int_equal(d1.n, 1);
	assert_int_equal(d2.n, 1);
	g_now = 0;
}

static void test_notifications_and_indications(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	IN(&c, BH_ATT_NOTIFY, 0x10, 0, 1, 2);
	assert_int_equal(c.nnotif, 1);
	assert_int_equal(c.notif_handle, 0x10);
	assert_int_equal(c.notif_len, 2);
	assert_int_equal(c.nsent, 0);
	IN(&c, BH_ATT_NOTIFY, 0x10); /* malformed: dropped */
	assert_int_equal(c.nnotif, 1);
	IN(&c, BH_ATT_INDICATE, 0x11, 0, 7);
	assert_int_equal(c.nind, 1);
	assert_int_equal(c.sent_at_ind, 0); /* not yet confirmed during the callback */
	SENT_IS(&c, 0, BH_ATT_CONFIRM);
	IN(&c, BH_ATT_MULT_NOTIFY, 1, 0, 1, 0, 0xaa, 2, 0, 0, 0);
	assert_int_equal(c.nnotif, 3);
	assert_int_equal(c.notif_handle, 2);
	assert_int_equal(c.notif_len, 0);
	IN(&c, BH_ATT_MULT_NOTIFY, 1, 0, 9, 0, 0xaa, 2, 0, 0, 0); /* bad length: dropped */
	assert_int_equal(c.nnotif, 3);
	/* a confirmation held by BH_EBUSY goes out on can_send */
	c.busy = 1;
	IN(&c, BH_ATT_INDICATE, 0x11, 0);
	assert_int_equal(c.nsent, 1);
	bh_att_can_send(c.att);
	SENT_IS(&c, 1, BH_ATT_CONFIRM);
	assert_int_equal(c.ncansend, 0); /* nobody was waiting */
	bh_att_free(c.att);
}

static void test_server_rules(void **state)
{
	(void)state;
	struct side s;
	side_init(&s, 23);
	IN(&s, BH_ATT_READ_REQ, 1, 0);
	assert_int_equal(s.nsrv, 1);
	IN(&s, BH_ATT_WRITE_REQ, 1, 0, 5); /* second request before we responded */
	assert_int_equal(s.nsrv, 1);
	assert_int_equal(s.nsent, 0);
	IN(&s, BH_ATT_WRITE_CMD, 1, 0, 5); /* commands pass through meanwhile */
	assert_int_equal(s.nsrv, 2);
	IN(&s, BH_ATT_WRITE_CMD, 1); /* malformed command: ignored */
	IN(&s, 0x7f, 1, 2); /* unknown command: ignored */
	assert_int_equal(s.nsrv, 2);
	assert_int_equal(s.nsent, 0);
	/* response must match the request being served */
	assert_int_equal(bh_att_respond(s.att, (const uint8_t[]){ BH_ATT_WRITE_RSP }, 1), BH_EINVAL);
	uint8_t big[24] = { BH_ATT_READ_RSP };
	assert_int_equal(bh_att_respond(s.att, big, sizeof(big)), BH_EINVAL);
	assert_int_equal(bh_att_respond(s.att, (const uint8_t[]){ BH_ATT_READ_RSP, 9 }, 2), 0);
	SENT_IS(&s, 0, BH_ATT_READ_RSP, 9);
	assert_int_equal(bh_att_respond(s.att, (const uint8_t[]){ BH_ATT_READ_RSP, 9 }, 2), BH_ESTATE);
	/* unknown request: Request Not Supported, by the bearer */
	IN(&s, 0x3e, 1, 2);
	SENT_IS(&s, 1, BH_ATT_ERROR_RSP, 0x3e, 0, 0, BH_ATT_E_REQUEST_NOT_SUPPORTED);
	/* malformed known request: Invalid PDU */
	IN(&s, BH_ATT_READ_REQ, 1);
	SENT_IS(&s, 2, BH_ATT_ERROR_RSP, BH_ATT_READ_REQ, 0, 0, BH_ATT_E_INVALID_PDU);
	assert_int_equal(s.nsrv, 2);
	/* the bearer is free again: an Error Response via respond works */
	IN(&s, BH_ATT_READ_REQ, 1, 0);
	uint8_t e[5];
	bh_att_encode_error(e, BH_ATT_READ_REQ, 1, BH_ATT_E_READ_NOT_PERMITTED);
	/* held on BH_EBUSY, sent on can_send; meanwhile a new request is dropped */
	s.busy = 1;
	assert_int_equal(bh_att_respond(s.att, e, 5), 0);
	assert_int_equal(s.nsent, 3);
	IN(&s, BH_ATT_READ_REQ, 2, 0);
	assert_int_equal(s.nsrv, 3);
	bh_att_can_send(s.att);
	SENT_IS(&s, 3, BH_ATT_ERROR_RSP, BH_ATT_READ_REQ, 1, 0, BH_ATT_E_READ_NOT_PERMITTED);
	/* a PDU longer than our MTU is dropped */
	uint8_t huge[30] = { BH_ATT_WRITE_REQ, 1, 0 };
	in(&s, huge, sizeof(huge));
	assert_int_equal(s.nsrv, 3);
	bh_att_free(s.att);

	/* no server attached: requests get Request Not Supported */
	struct bh_att_port p = { .ctx = &s, .send = p_send };
	memset(&s, 0, sizeof(s));
	s.att = bh_att_new(NULL, &env, &p);
	IN(&s, BH_ATT_READ_REQ, 1, 0);
	SENT_IS(&s, 0, BH_ATT_ERROR_RSP, BH_ATT_READ_REQ, 0, 0, BH_ATT_E_REQUEST_NOT_SUPPORTED);
	IN(&s, BH_ATT_READ_REQ, 1, 0);
	assert_int_equal(s.nsent, 2);
	bh_att_free(s.att);
	assert_null(bh_att_new(NULL, &env, &(struct bh_att_port){ 0 }));
}

/* "Sent, now full" from the port: notifications and commands are refused
 * unbuilt until bh_att_can_send; what is kept (requests) counts as sent. */
static void test_notify_now_full(void **state)
{
	(void)state;
	struct side s;
	side_init(&s, 100);
	uint8_t v[4] = { 1, 2, 3, 4 };
	const uint8_t tuples[] = { 1, 0, 1, 0, 0xaa, 2, 0, 1, 0, 0xbb };
	s.full = 1;
	assert_int_equal(bh_att_notify(s.att, 5, v, sizeof(v), NULL), 0);
	assert_int_equal(s.nsent, 1);
	assert_true(bh_att_full(s.att));
	assert_int_equal(bh_att_notify(s.att, 5, v, sizeof(v), NULL), BH_EBUSY);
	assert_int_equal(bh_att_send_command(s.att, (const uint8_t[]){ 0x52, 1, 0 }, 3), BH_EBUSY);
	assert_int_equal(bh_att_notify_multiple(s.att, tuples, sizeof(tuples)), BH_EBUSY);
	assert_int_equal(bh_att_notify(s.att, 5, NULL, 3, NULL), BH_EINVAL); /* checks first */
	assert_int_equal(s.nsent, 1); /* never offered to the port */
	bh_att_can_send(s.att);
	assert_int_equal(s.ncansend, 1);
	assert_false(bh_att_full(s.att));
	assert_int_equal(bh_att_notify(s.att, 5, v, sizeof(v), NULL), 0);
	assert_int_equal(s.nsent, 2);
	/* A request that fills the queue went: not resent on the can-send, and
	 * with nobody refused nobody is told. */
	s.full = 1;
	struct done d = { 0 };
	assert_int_equal(bh_att_request(s.att, (const uint8_t[]){ BH_ATT_READ_REQ, 3, 0 }, 3,
					done_cb, &d),
			 0);
	assert_int_equal(s.nsent, 3);
	assert_true(bh_att_full(s.att));
	bh_att_can_send(s.att);
	assert_int_equal(s.nsent, 3);
	assert_int_equal(s.ncansend, 1);
	/* The notification that filled it is told, although never refused:
	 * whoever saw bh_att_full may wait for that. */
	s.full = 1;
	assert_int_equal(bh_att_notify(s.att, 5, v, sizeof(v), NULL), 0);
	assert_true(bh_att_full(s.att));
	bh_att_can_send(s.att);
	assert_int_equal(s.ncansend, 2);
	bh_att_free(s.att);
	assert_int_equal(d.n, 1);
}

static void test_notify_truncation_and_busy(void **state)
{
	(void)state;
	struct side s;
	side_init(&s, 100);
	uint8_t v[40];
	memset(v, 0xab, sizeof(v));
	bool cut = false;
	assert_int_equal(bh_att_notify(s.att, 5, v, sizeof(v), &cut), 0);
	assert_true(cut);
	assert_int_equal(s.sent_len[0], 23);
	assert_int_equal(bh_att_notify(s.att, 5, v, 20, &cut), 0);
	assert_false(cut);
	assert_int_equal(s.sent_len[1], 23);
	assert_int_equal(bh_att_notify(s.att, 5, NULL, 3, NULL), BH_EINVAL);
	s.busy = 1;
	assert_int_equal(bh_att_notify(s.att, 5, v, 1, NULL), BH_EBUSY);
	assert_int_equal(s.nsent, 2);
	bh_att_can_send(s.att);
	assert_int_equal(s.ncansend, 1);
	bh_att_can_send(s.att);
	assert_int_equal(s.ncansend, 1); /* told once per BH_EBUSY */
	s.busy = 1;
	assert_int_equal(bh_att_send_command(s.att, (const uint8_t[]){ 0x52, 1, 0 }, 3), BH_EBUSY);
	bh_att_can_send(s.att);
	assert_int_equal(s.ncansend, 2);
	/* after an exchange to 100 the cut moves */
	IN(&s, BH_ATT_MTU_REQ, 100, 0);
	assert_int_equal(bh_att_notify(s.att, 5, v, sizeof(v), &cut), 0);
	assert_false(cut);
	assert_int_equal(s.sent_len[3], 43);
	bh_att_free(s.att);
}

static void test_indications_queue(void **state)
{
	(void)state;
	struct side c, s;
	g_now = 0;
	pair(&c, &s, 23, 23);
	struct done d1 = { 0 }, d2 = { 0 }, d3 = { 0 };
	const uint8_t v[30] = { 1 };
	assert_int_equal(bh_att_indicate(s.att, 7, v, sizeof(v), done_cb, &d1), 0);
	assert_int_equal(bh_att_indicate(s.att, 8, v, 1, done_cb, &d2), 0);
	assert_int_equal(bh_att_indicate(s.att, 9, v, 1, done_cb, &d3), BH_ENOMEM);
	assert_int_equal(bh_att_indicate(s.att, 9, NULL, 1, done_cb, &d3), BH_EINVAL);
	assert_int_equal(s.nsent, 1); /* one at a time */
	assert_int_equal(s.sent_len[0], 23); /* truncated to MTU-3 */
	IN(&s, BH_ATT_CONFIRM, 0); /* malformed confirmation: dropped */
	assert_int_equal(d1.n, 0);
	pump(&s, &c);
	assert_int_equal(c.nind, 2);
	assert_int_equal(d1.n, 1);
	assert_int_equal(d1.st, BH_OK);
	assert_int_equal(d2.n, 1);
	assert_true(d1.order < d2.order);
	IN(&s, BH_ATT_CONFIRM); /* unexpected: dropped */
	assert_int_equal(d2.n, 1);
	/* an unconfirmed indication kills the bearer after 30 s */
	assert_int_equal(bh_att_indicate(s.att, 7, v, 1, done_cb, &d3), 0);
	assert_int_equal(bh_att_next_deadline(s.att), 30000);
	g_now = 30000;
	bh_att_on_timeout(s.att);
	assert_int_equal(d3.n, 1);
	assert_int_equal(d3.st, BH_ETIMEDOUT);
	assert_int_equal(s.ndead, 1);
	bh_att_free(c.att);
	bh_att_free(s.att);
	g_now = 0;
}

static void test_busy_request_retry(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	struct done d = { 0 };
	c.busy = 2;
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d), 0);
	assert_int_equal(c.nsent, 0);
	IN(&c, BH_ATT_READ_RSP, 1); /* not sent yet: nothing outstanding */
	assert_int_equal(d.n, 0);
	bh_att_can_send(c.att); /* still busy */
	assert_int_equal(c.nsent, 0);
	bh_att_can_send(c.att);
	SENT_IS(&c, 0, BH_ATT_READ_REQ, 3, 0);
	IN(&c, BH_ATT_READ_RSP, 1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.st, BH_OK);
	/* an indication held by BH_EBUSY also goes out on can_send */
	c.busy = 1;
	assert_int_equal(bh_att_indicate(c.att, 1, rd, 1, done_cb, &d), 0);
	assert_int_equal(c.nsent, 1);
	bh_att_can_send(c.att);
	SENT_IS(&c, 1, BH_ATT_INDICATE, 1, 0, BH_ATT_READ_REQ);
	bh_att_free(c.att);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.st, BH_EDISCONNECTED);
}

static void test_disconnect_exactly_once(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	struct done d1 = { 0 }, d2 = { 0 }, d3 = { 0 }, d4 = { 0 };
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d1), 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d2), 0);
	assert_int_equal(bh_att_indicate(c.att, 1, rd, 1, done_cb, &d3), 0);
	assert_int_equal(bh_att_indicate(c.att, 1, rd, 1, done_cb, &d4), 0);
	bh_att_disconnected(c.att, BH_HCI_STATUS(0x13));
	assert_int_equal(d1.n, 1);
	assert_int_equal(d1.st, BH_HCI_STATUS(0x13));
	assert_int_equal(d2.n, 1);
	assert_int_equal(d3.n, 1);
	assert_int_equal(d4.n, 1);
	assert_int_equal(d4.st, BH_HCI_STATUS(0x13));
	assert_int_equal(c.ndead, 0); /* a disconnect is not a timeout */
	bh_att_disconnected(c.att, BH_EDISCONNECTED);
	/* the reason it went; its first one, as the pending calls got */
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &d1), BH_HCI_STATUS(0x13));
	bh_att_free(c.att);
	assert_int_equal(d1.n + d2.n + d3.n + d4.n, 4);
}

static void test_cancel(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	struct done a = { 0 }, b = { 0 }, x = { 0 };
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	const uint8_t rd2[] = { BH_ATT_READ_REQ, 4, 0 };
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &a), 0);
	assert_int_equal(bh_att_request(c.att, rd2, 3, done_cb, &b), 0);
	assert_int_equal(bh_att_request(c.att, rd2, 3, done_cb, &x), 0);
	bh_att_cancel(c.att, &b); /* queued: removed */
	assert_int_equal(b.n, 1);
	assert_int_equal(b.st, BH_ECANCELLED);
	bh_att_cancel(c.att, &a); /* on the air: completes now, response dropped later */
	assert_int_equal(a.n, 1);
	assert_int_equal(a.st, BH_ECANCELLED);
	assert_int_equal(c.nsent, 1);
	bh_att_cancel(c.att, &a); /* twice: no second completion */
	assert_int_equal(a.n, 1);
	IN(&c, BH_ATT_READ_RSP, 1);
	assert_int_equal(a.n, 1);
	SENT_IS(&c, 1, BH_ATT_READ_REQ, 4, 0); /* x goes next */
	IN(&c, BH_ATT_READ_RSP, 2);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.st, BH_OK);
	/* cancelling an unsent (busy) head frees the bearer at once */
	c.busy = 1;
	assert_int_equal(bh_att_request(c.att, rd, 3, done_cb, &a), 0);
	assert_int_equal(bh_att_request(c.att, rd2, 3, done_cb, &b), 0);
	assert_int_equal(c.nsent, 2);
	bh_att_cancel(c.att, &a);
	assert_int_equal(a.n, 2);
	SENT_IS(&c, 2, BH_ATT_READ_REQ, 4, 0);
	bh_att_free(c.att);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.st, BH_EDISCONNECTED);
}

/* bh_att_cancel runs the callbacks before it returns. A callback that
 * queues a new request with the same ctx (a retry) must not see it
 * cancelled by the call still running: that cancel was for the requests
 * there when it started. Before: the new request was cancelled too, its
 * callback queued another, and so on without end (here stopped after 5). */
struct requeue {
	struct side *s;
	unsigned n, cancelled, requeues;
	bh_status st;
};

static void requeue_cb(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	struct requeue *q = ctx;
	(void)rsp;
	(void)len;
	q->n++;
	q->st = st;
	if (st != BH_ECANCELLED)
		return;
	q->cancelled++;
	if (q->requeues == 0)
		return;
	q->requeues--;
	const uint8_t rd[] = { BH_ATT_READ_REQ, 5, 0 };
	assert_int_equal(bh_att_request(q->s->att, rd, 3, requeue_cb, q), 0);
}

static void test_cancel_requeue(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	struct requeue q = { .s = &c, .requeues = 5 };
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	assert_int_equal(bh_att_request(c.att, rd, 3, requeue_cb, &q), 0);
	bh_att_cancel(c.att, &q); /* on the air: completes, its callback queues a retry */
	assert_int_equal(q.cancelled, 1);
	assert_int_equal(q.requeues, 4);
	/* The retry goes out once the cancelled request is answered. */
	assert_int_equal(c.nsent, 1);
	IN(&c, BH_ATT_READ_RSP, 1);
	assert_int_equal(q.n, 1);
	SENT_IS(&c, 1, BH_ATT_READ_REQ, 5, 0);
	IN(&c, BH_ATT_READ_RSP, 2);
	assert_int_equal(q.n, 2);
	assert_int_equal(q.st, BH_OK);
	bh_att_free(c.att);
	assert_int_equal(q.n, 2);
}

/* A cancel for another ctx nested in a cancel's callback: both sets
 * complete, each request once. */
struct nested {
	struct side *s;
	void *other;
	unsigned n;
};

static void nested_cb(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	struct nested *q = ctx;
	(void)rsp;
	(void)len;
	assert_int_equal(st, BH_ECANCELLED);
	if (q->n++ == 0 && q->other)
		bh_att_cancel(q->s->att, q->other);
}

static void test_cancel_nested(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, 23);
	struct nested a = { .s = &c }, b = { .s = &c };
	a.other = &b;
	const uint8_t rd[] = { BH_ATT_READ_REQ, 3, 0 };
	/* a, b, a: the second a is behind b. */
	c.busy = 1; /* the head stays unsent: every one is removable */
	assert_int_equal(bh_att_request(c.att, rd, 3, nested_cb, &a), 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, nested_cb, &b), 0);
	assert_int_equal(bh_att_request(c.att, rd, 3, nested_cb, &a), 0);
	bh_att_cancel(c.att, &a);
	assert_int_equal(a.n, 2);
	assert_int_equal(b.n, 1);
	/* The nested call's end sent the second a (now the head), which the
	 * outer one then cancelled on the air: it holds the bearer until
	 * answered, its callback done. */
	assert_int_equal(bh_att_outstanding(c.att), 1);
	bh_att_free(c.att);
	assert_int_equal(a.n, 2);
	assert_int_equal(b.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtu_back_to_back),
		cmocka_unit_test(test_mtu_second_request_ignored),
		cmocka_unit_test(test_request_fifo_back_to_back),
		cmocka_unit_test(test_request_args),
		cmocka_unit_test(test_response_matching),
		cmocka_unit_test(test_transaction_timeout),
		cmocka_unit_test(test_notifications_and_indications),
		cmocka_unit_test(test_server_rules),
		cmocka_unit_test(test_notify_now_full),
		cmocka_unit_test(test_notify_truncation_and_busy),
		cmocka_unit_test(test_indications_queue),
		cmocka_unit_test(test_busy_request_retry),
		cmocka_unit_test(test_disconnect_exactly_once),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_cancel_requeue),
		cmocka_unit_test(test_cancel_nested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
