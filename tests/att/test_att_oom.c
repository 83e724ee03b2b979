/* ATT's buffers are made on use: queued requests and indications get one
 * as long as the PDU when queued and give it back when they leave the
 * queue; the queues' rings of entries are made by the first request or
 * indication and doubled as they fill, up to the configured depth;
 * notifications and held responses use one that grows to the longest. A buffer that cannot be made (the linker wraps malloc and
 * calloc and realloc for this test only) is answered BH_ENOMEM (the answer of a full
 * queue) or, for a response, by an Error Response to the peer; nothing is
 * half sent, and the bearer works on. The sanitizer build checks nothing
 * leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/att.h>
#include <blehost/bh_bytes.h>
#include <blehost/bh_err.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

/* Allocations succeed while fail_after > 0 (each one decrements it); at 0
 * they fail. Negative: never fail. */
static long fail_after = -1;
static unsigned failures;
static unsigned allocs; /* allocations asked for, failed or not */

static bool should_fail(void)
{
	allocs++;
	if (fail_after == 0) {
		failures++;
		return true;
	}
	if (fail_after > 0)
		fail_after--;
	return false;
}

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }

struct rec {
	uint8_t last[64];
	size_t last_len;
	unsigned nsent, ndone, nsrv;
	int busy; /* port.send answers BH_EBUSY while > 0 */
	bh_status st;
};

static int p_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct rec *r = ctx;
	if (r->busy > 0) {
		r->busy--;
		return BH_EBUSY;
	}
	r->nsent++;
	r->last_len = len < sizeof(r->last) ? len : sizeof(r->last);
	memcpy(r->last, pdu, r->last_len);
	return 0;
}

static void done_cb(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	struct rec *r = ctx;
	(void)rsp;
	(void)len;
	r->ndone++;
	r->st = st;
}

static void p_server_pdu(void *ctx, const uint8_t *pdu, size_t len)
{
	(void)pdu;
	(void)len;
	((struct rec *)ctx)->nsrv++;
}

static bh_time_ms now;
static const struct bh_env env = { .now = bh_manual_clock, .now_ctx = &now };

static struct bh_att *make(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	struct bh_att_port p = { .ctx = r, .send = p_send, .server_pdu = p_server_pdu };
	struct bh_att *att = bh_att_new(NULL, &env, &p);
	assert_non_null(att);
	return att;
}

static void test_request_alloc_fails(void **state)
{
	(void)state;
	struct rec r;
	struct bh_att *att = make(&r);
	const uint8_t read[] = { BH_ATT_READ_REQ, 0x03, 0x00 };
	failures = 0;
	fail_after = 0;
	assert_int_equal(bh_att_request(att, read, sizeof(read), done_cb, &r), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(failures, 1);
	assert_int_equal(r.nsent, 0);
	assert_int_equal(bh_att_outstanding(att), 0);
	/* the next one goes out and completes */
	assert_int_equal(bh_att_request(att, read, sizeof(read), done_cb, &r), BH_OK);
	assert_int_equal(r.nsent, 1);
	assert_memory_equal(r.last, read, sizeof(read));
	/* a second one queues behind it; its buffer failing leaves the first alone */
	fail_after = 0;
	assert_int_equal(bh_att_request(att, read, sizeof(read), done_cb, &r), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(bh_att_outstanding(att), 1);
	const uint8_t rsp[] = { BH_ATT_READ_RSP, 0x42 };
	bh_att_on_pdu(att, rsp, sizeof(rsp));
	assert_int_equal(r.ndone, 1);
	assert_int_equal(r.st, BH_OK);
	assert_int_equal(bh_att_outstanding(att), 0);
	/* queued ones still waiting when the bearer goes are freed with it */
	assert_int_equal(bh_att_request(att, read, sizeof(read), done_cb, &r), BH_OK);
	assert_int_equal(bh_att_request(att, read, sizeof(read), done_cb, &r), BH_OK);
	bh_att_free(att);
	assert_int_equal(r.ndone, 3);
	assert_int_equal(r.st, BH_EDISCONNECTED);
}

static void test_indication_alloc_fails(void **state)
{
	(void)state;
	struct rec r;
	struct bh_att *att = make(&r);
	const uint8_t v[] = { 1, 2, 3 };
	failures = 0;
	fail_after = 0;
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), done_cb, &r), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(failures, 1);
	assert_int_equal(r.nsent, 0);
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), done_cb, &r), BH_OK);
	assert_int_equal(r.nsent, 1);
	const uint8_t want[] = { BH_ATT_INDICATE, 0x10, 0x00, 1, 2, 3 };
	assert_int_equal(r.last_len, sizeof(want));
	assert_memory_equal(r.last, want, sizeof(want));
	const uint8_t conf[] = { BH_ATT_CONFIRM };
	bh_att_on_pdu(att, conf, sizeof(conf));
	assert_int_equal(r.ndone, 1);
	assert_int_equal(r.st, BH_OK);
	bh_att_free(att);
}

/* The notification buffer is made by the first notification and grown to
 * the longest: when that fails the app gets BH_ENOMEM, nothing is sent. */
static void test_notify_alloc_fails(void **state)
{
	(void)state;
	struct rec r;
	struct bh_att *att = make(&r);
	const uint8_t v[] = { 9, 8, 7 };
	fail_after = 0;
	assert_int_equal(bh_att_notify(att, 0x0010, v, sizeof(v), NULL), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(r.nsent, 0);
	assert_int_equal(bh_att_notify(att, 0x0010, v, sizeof(v), NULL), BH_OK);
	const uint8_t want[] = { BH_ATT_NOTIFY, 0x10, 0x00, 9, 8, 7 };
	assert_int_equal(r.last_len, sizeof(want));
	assert_memory_equal(r.last, want, sizeof(want));
	/* a longer one needs it grown: failing, the short one still works */
	const uint8_t tuples[] = { 0x10, 0x00, 0x01, 0x00, 0xaa, 0x11, 0x00, 0x02, 0x00, 0xbb, 0xcc };
	fail_after = 0;
	assert_int_equal(bh_att_notify_multiple(att, tuples, sizeof(tuples)), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(r.nsent, 1);
	assert_int_equal(bh_att_notify(att, 0x0010, v, sizeof(v), NULL), BH_OK);
	assert_memory_equal(r.last, want, sizeof(want));
	bh_att_free(att);
}

/* A response the link cannot take now is held (its buffer made then).
 * Without memory for it the peer still gets an answer when there is room:
 * Error Response, Insufficient Resources (Vol 3, Part F, 3.4.1.1), for the
 * request's opcode. The next request is served normally. */
static void test_held_response_alloc_fails(void **state)
{
	(void)state;
	struct rec r;
	struct bh_att *att = make(&r);
	const uint8_t read[] = { BH_ATT_READ_REQ, 0x03, 0x00 };
	const uint8_t rsp[] = { BH_ATT_READ_RSP, 0x42, 0x43 };
	bh_att_on_pdu(att, read, sizeof(read));
	assert_int_equal(r.nsrv, 1);
	r.busy = 1;
	fail_after = 0;
	assert_int_equal(bh_att_respond(att, rsp, sizeof(rsp)), BH_OK);
	fail_after = -1;
	assert_int_equal(failures > 0, true);
	assert_int_equal(r.nsent, 0);
	bh_att_can_send(att);
	assert_int_equal(r.nsent, 1);
	const uint8_t err[] = { BH_ATT_ERROR_RSP, BH_ATT_READ_REQ, 0x00, 0x00,
				BH_ATT_E_INSUFF_RESOURCES };
	assert_int_equal(r.last_len, sizeof(err));
	assert_memory_equal(r.last, err, sizeof(err));
	/* next: held with memory, sent as given */
	bh_att_on_pdu(att, read, sizeof(read));
	assert_int_equal(r.nsrv, 2);
	r.busy = 1;
	assert_int_equal(bh_att_respond(att, rsp, sizeof(rsp)), BH_OK);
	bh_att_can_send(att);
	assert_int_equal(r.nsent, 2);
	assert_int_equal(r.last_len, sizeof(rsp));
	assert_memory_equal(r.last, rsp, sizeof(rsp));
	bh_att_free(att);
}

/* Completion order: each request or indication's ctx is its number. */
static int order[32];
static unsigned n_order;
static bh_status order_st;

static void order_cb(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	(void)rsp;
	(void)len;
	assert_true(n_order < 32);
	order[n_order++] = *(const int *)ctx;
	order_st = st;
}

static const int ids[32] = { 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
			     16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };

/* An idle bearer has made no ring: creating one is a single allocation
 * (the bearer), not the bearer plus a ring for each queue's full depth. */
static void test_idle_bearer_has_no_rings(void **state)
{
	(void)state;
	struct rec r;
	allocs = 0;
	struct bh_att *att = make(&r);
	assert_int_equal(allocs, 1);
	bh_att_free(att);
}

/* The request ring grows when a request finds it full (after two), here
 * while it has wrapped. Each allocation of such a request fails in turn:
 * BH_ENOMEM, the request is not queued, the ones queued keep their order.
 * With memory it grows to the configured depth (the outstanding request
 * and 16 queued) and no further: the next gets BH_ENOMEM, a full queue's
 * answer. Responses complete the requests in the order they were made. */
static void test_request_ring_grows(void **state)
{
	(void)state;
	struct rec r;
	struct bh_att *att = make(&r);
	const uint8_t read[] = { BH_ATT_READ_REQ, 0x03, 0x00 };
	const uint8_t rsp[] = { BH_ATT_READ_RSP, 0x42 };
	n_order = 0;
	/* Two made, the first answered, a third queued: the ring has wrapped. */
	assert_int_equal(bh_att_request(att, read, sizeof(read), order_cb, (void *)&ids[0]), BH_OK);
	assert_int_equal(bh_att_request(att, read, sizeof(read), order_cb, (void *)&ids[1]), BH_OK);
	bh_att_on_pdu(att, rsp, sizeof(rsp));
	assert_int_equal(n_order, 1);
	assert_int_equal(bh_att_request(att, read, sizeof(read), order_cb, (void *)&ids[2]), BH_OK);
	assert_int_equal(bh_att_outstanding(att), 2);
	/* The fourth needs the ring grown: each of its allocations fails. */
	unsigned nfail = 0;
	for (long k = 0;; k++) {
		failures = 0;
		fail_after = k;
		int rc = bh_att_request(att, read, sizeof(read), order_cb, (void *)&ids[3]);
		fail_after = -1;
		if (!failures) {
			assert_int_equal(rc, BH_OK);
			break;
		}
		nfail++;
		assert_int_equal(rc, BH_ENOMEM);
		assert_int_equal(bh_att_outstanding(att), 2);
		assert_int_equal(n_order, 1);
	}
	assert_int_equal(nfail, 2); /* the ring, then the PDU's buffer */
	assert_int_equal(bh_att_outstanding(att), 3);
	for (int i = 4; i < 18; i++)
		assert_int_equal(
			bh_att_request(att, read, sizeof(read), order_cb, (void *)&ids[i]), BH_OK);
	assert_int_equal(bh_att_outstanding(att), 17);
	allocs = 0;
	assert_int_equal(bh_att_request(att, read, sizeof(read), order_cb, (void *)&ids[18]),
			 BH_ENOMEM);
	assert_int_equal(allocs, 0); /* full: refused before any allocation */
	assert_int_equal(r.nsent, 2); /* one outstanding at a time */
	for (unsigned i = 1; i < 18; i++) {
		bh_att_on_pdu(att, rsp, sizeof(rsp));
		assert_int_equal(n_order, i + 1);
		assert_int_equal(order[i], (int)i);
		assert_int_equal(order_st, BH_OK);
	}
	assert_int_equal(bh_att_outstanding(att), 0);
	assert_int_equal(r.nsent, 18);
	bh_att_free(att);
}

/* The same for indications: one outstanding and 4 queued at most. */
static void test_indication_ring_grows(void **state)
{
	(void)state;
	struct rec r;
	struct bh_att *att = make(&r);
	const uint8_t v[] = { 1, 2, 3 };
	const uint8_t conf[] = { BH_ATT_CONFIRM };
	n_order = 0;
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[0]),
			 BH_OK);
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[1]),
			 BH_OK);
	bh_att_on_pdu(att, conf, sizeof(conf));
	assert_int_equal(n_order, 1);
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[2]),
			 BH_OK);
	unsigned nfail = 0;
	for (long k = 0;; k++) {
		failures = 0;
		fail_after = k;
		int rc = bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[3]);
		fail_after = -1;
		if (!failures) {
			assert_int_equal(rc, BH_OK);
			break;
		}
		nfail++;
		assert_int_equal(rc, BH_ENOMEM);
		assert_int_equal(n_order, 1);
		assert_int_equal(r.nsent, 2);
	}
	assert_int_equal(nfail, 2);
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[4]),
			 BH_OK);
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[5]),
			 BH_OK);
	allocs = 0;
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[6]),
			 BH_ENOMEM);
	assert_int_equal(allocs, 0);
	for (unsigned i = 1; i < 6; i++) {
		bh_att_on_pdu(att, conf, sizeof(conf));
		assert_int_equal(n_order, i + 1);
		assert_int_equal(order[i], (int)i);
		assert_int_equal(order_st, BH_OK);
	}
	assert_int_equal(r.nsent, 6);
	/* Queued ones still there when the bearer goes complete once. */
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[7]),
			 BH_OK);
	assert_int_equal(bh_att_indicate(att, 0x0010, v, sizeof(v), order_cb, (void *)&ids[8]),
			 BH_OK);
	bh_att_free(att);
	assert_int_equal(n_order, 8);
	assert_int_equal(order[6], 7);
	assert_int_equal(order[7], 8);
	assert_int_equal(order_st, BH_EDISCONNECTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_bearer_has_no_rings),
		cmocka_unit_test(test_request_ring_grows),
		cmocka_unit_test(test_indication_ring_grows),
		cmocka_unit_test(test_request_alloc_fails),
		cmocka_unit_test(test_indication_alloc_fails),
		cmocka_unit_test(test_notify_alloc_fails),
		cmocka_unit_test(test_held_response_alloc_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
