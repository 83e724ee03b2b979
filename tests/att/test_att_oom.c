/* ATT's queued requests and indications get their buffer when queued (as
 * long as the PDU) and give it back when they leave the queue. A buffer
 * that cannot be made (the linker wraps malloc for this test only) is
 * answered BH_ENOMEM, the answer of a full queue: nothing is sent or kept,
 * and the bearer works on. The sanitizer build checks nothing leaks. */
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

/* Allocations succeed while fail_after > 0 (each one decrements it); at 0
 * they fail. Negative: never fail. */
static long fail_after = -1;
static unsigned failures;

void *__wrap_malloc(size_t n)
{
	if (fail_after == 0) {
		failures++;
		return NULL;
	}
	if (fail_after > 0)
		fail_after--;
	return __real_malloc(n);
}

struct rec {
	uint8_t last[64];
	size_t last_len;
	unsigned nsent, ndone;
	bh_status st;
};

static int p_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct rec *r = ctx;
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

static bh_time_ms now;
static const struct bh_env env = { .now = bh_manual_clock, .now_ctx = &now };

static struct bh_att *make(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	struct bh_att_port p = { .ctx = r, .send = p_send };
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_alloc_fails),
		cmocka_unit_test(test_indication_alloc_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
