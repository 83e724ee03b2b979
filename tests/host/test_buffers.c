/* Characteristic and packet buffers: full (drop oldest / refuse, counted),
 * empty, lines, timeouts in virtual time, packets longer than the limit,
 * and a disconnect while a reader waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_err.h>
#include <blehost/host_buffers.h>
#include <blehost/loop.h>

static bh_time_ms vnow;
static bh_time_ms vclock(void *c) { (void)c; return vnow; }
static void vadvance(void *c, bh_time_ms to) { (void)c; vnow = to; }

static struct bh_loop *vloop(void)
{
	struct bh_loop *l = bh_loop_new();
	vnow = 1000;
	bh_loop_set_clock(l, vclock, NULL);
	bh_loop_set_virtual(l, vadvance, NULL);
	return l;
}

static void feed(struct bh_charbuf *b, const char *s)
{
	bh_charbuf_feed(b, (const uint8_t *)s, strlen(s));
}

static void test_charbuf_empty_and_read(void **state)
{
	(void)state;
	struct bh_charbuf *b = bh_charbuf_new(8, BH_BUF_DROP_OLDEST);
	uint8_t out[16];
	assert_int_equal(bh_charbuf_in_waiting(b), 0);
	assert_int_equal(bh_charbuf_read(b, out, sizeof(out)), 0);
	assert_int_equal(bh_charbuf_readline(b, out, sizeof(out)), 0);
	assert_int_equal(bh_charbuf_ready(b, 1, false), BH_EBUSY);
	feed(b, "abc");
	assert_int_equal(bh_charbuf_in_waiting(b), 3);
	assert_int_equal(bh_charbuf_read(b, out, 2), 2);
	assert_memory_equal(out, "ab", 2);
	feed(b, "defghi"); /* wraps around the ring */
	assert_int_equal(bh_charbuf_read(b, out, sizeof(out)), 7);
	assert_memory_equal(out, "cdefghi", 7);
	feed(b, "xyz");
	bh_charbuf_reset(b);
	assert_int_equal(bh_charbuf_in_waiting(b), 0);
	assert_null(bh_charbuf_new(0, BH_BUF_REFUSE));
	assert_null(bh_charbuf_new(4, (enum bh_buf_full)7));
	bh_charbuf_free(b);
}

static void test_charbuf_full_drop_oldest(void **state)
{
	(void)state;
	struct bh_charbuf *b = bh_charbuf_new(4, BH_BUF_DROP_OLDEST);
	uint8_t out[8];
	feed(b, "abc");
	assert_int_equal(bh_charbuf_feed(b, (const uint8_t *)"de", 2), 2);
	assert_int_equal(bh_charbuf_dropped(b), 1);
	assert_int_equal(bh_charbuf_read(b, out, 8), 4);
	assert_memory_equal(out, "bcde", 4);
	/* Longer than the whole buffer: the newest bytes stay. */
	feed(b, "z");
	assert_int_equal(bh_charbuf_feed(b, (const uint8_t *)"123456", 6), 4);
	assert_int_equal(bh_charbuf_dropped(b), 1 + 1 + 2);
	assert_int_equal(bh_charbuf_read(b, out, 8), 4);
	assert_memory_equal(out, "3456", 4);
	assert_int_equal(bh_charbuf_refused(b), 0);
	bh_charbuf_free(b);
}

static void test_charbuf_full_refuse(void **state)
{
	(void)state;
	struct bh_charbuf *b = bh_charbuf_new(4, BH_BUF_REFUSE);
	uint8_t out[8];
	feed(b, "abc");
	assert_int_equal(bh_charbuf_feed(b, (const uint8_t *)"def", 3), 1);
	assert_int_equal(bh_charbuf_refused(b), 2);
	assert_int_equal(bh_charbuf_feed(b, (const uint8_t *)"g", 1), 0);
	assert_int_equal(bh_charbuf_refused(b), 3);
	assert_int_equal(bh_charbuf_read(b, out, 8), 4);
	assert_memory_equal(out, "abcd", 4);
	assert_int_equal(bh_charbuf_dropped(b), 0);
	bh_charbuf_free(b);
}

static void test_charbuf_readline(void **state)
{
	(void)state;
	struct bh_charbuf *b = bh_charbuf_new(8, BH_BUF_DROP_OLDEST);
	uint8_t out[8];
	feed(b, "ab");
	assert_int_equal(bh_charbuf_ready(b, 0, true), BH_EBUSY);
	assert_int_equal(bh_charbuf_readline(b, out, 8), 0); /* no line yet */
	feed(b, "\ncd\n");
	assert_int_equal(bh_charbuf_line_len(b), 3);
	assert_int_equal(bh_charbuf_readline(b, out, 8), 3);
	assert_memory_equal(out, "ab\n", 3);
	assert_int_equal(bh_charbuf_readline(b, out, 8), 3);
	assert_memory_equal(out, "cd\n", 3);
	/* A line longer than the buffer: a full buffer is handed out whole. */
	feed(b, "0123456789");
	assert_int_equal(bh_charbuf_ready(b, 0, true), BH_OK);
	assert_int_equal(bh_charbuf_readline(b, out, 8), 8);
	assert_memory_equal(out, "23456789", 8);
	/* Closed: the unterminated tail is readable. */
	feed(b, "xy");
	bh_charbuf_close(b, BH_EDISCONNECTED);
	assert_int_equal(bh_charbuf_readline(b, out, 8), 2);
	bh_charbuf_free(b);
}

static void feed_later(void *arg) { feed(arg, "hello\n"); }

static void test_charbuf_wait_and_timeout(void **state)
{
	(void)state;
	struct bh_loop *l = vloop();
	struct bh_charbuf *b = bh_charbuf_new(64, BH_BUF_DROP_OLDEST);
	/* Nothing arrives: times out after exactly the timeout (virtual). */
	assert_int_equal(bh_charbuf_wait(l, b, 1, false, 250), BH_ETIMEDOUT);
	assert_int_equal(vnow, 1250);
	assert_int_equal(bh_charbuf_wait(l, b, 1, false, 0), BH_ETIMEDOUT);
	/* Data arrives at +100 ms: the wait ends then. */
	bh_loop_timer_at(l, vnow + 100, feed_later, b);
	assert_int_equal(bh_charbuf_wait(l, b, 0, true, 1000), BH_OK);
	assert_int_equal(vnow, 1350);
	/* Not enough bytes for want: waits the whole timeout, data stays. */
	assert_int_equal(bh_charbuf_wait(l, b, 10, false, 50), BH_ETIMEDOUT);
	assert_int_equal(bh_charbuf_in_waiting(b), 6);
	assert_int_equal(bh_charbuf_wait(l, b, 6, false, 50), BH_OK);
	bh_charbuf_free(b);
	bh_loop_free(l);
}

static void close_later(void *arg) { bh_charbuf_close(arg, BH_EDISCONNECTED); }

static void test_charbuf_disconnect_wakes_reader(void **state)
{
	(void)state;
	struct bh_loop *l = vloop();
	struct bh_charbuf *b = bh_charbuf_new(64, BH_BUF_DROP_OLDEST);
	feed(b, "ab");
	bh_loop_timer_at(l, vnow + 30, close_later, b);
	assert_int_equal(bh_charbuf_wait(l, b, 10, false, BH_NEVER), BH_EDISCONNECTED);
	assert_int_equal(vnow, 1030);
	assert_int_equal(bh_charbuf_status(b), BH_EDISCONNECTED);
	assert_int_equal(bh_charbuf_in_waiting(b), 2); /* still readable */
	assert_int_equal(bh_charbuf_feed(b, (const uint8_t *)"c", 1), 0);
	bh_charbuf_free(b);
	bh_loop_free(l);
}

static void test_pktbuf_packets(void **state)
{
	(void)state;
	struct bh_pktbuf *b = bh_pktbuf_new(2, 4, 5, BH_BUF_DROP_OLDEST);
	uint8_t out[8];
	size_t len = 99;
	assert_int_equal(bh_pktbuf_readinto(b, out, 8, &len), BH_EBUSY);
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"abcd", 4), BH_OK);
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"", 0), BH_OK);
	/* Longer than the limit: refused whole and counted, never cut. */
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"abcde", 5), BH_ENOSPACE);
	assert_int_equal(bh_pktbuf_oversize(b), 1);
	/* Full: the oldest goes. */
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"xy", 2), BH_OK);
	assert_int_equal(bh_pktbuf_dropped(b), 1);
	assert_int_equal(bh_pktbuf_in_count(b), 2);
	assert_int_equal(bh_pktbuf_readinto(b, out, 8, &len), BH_OK);
	assert_int_equal(len, 0);
	/* Reader's buffer too small: told the length, the packet stays. */
	assert_int_equal(bh_pktbuf_readinto(b, out, 1, &len), BH_ENOSPACE);
	assert_int_equal(len, 2);
	assert_int_equal(bh_pktbuf_readinto(b, out, 2, &len), BH_OK);
	assert_memory_equal(out, "xy", 2);
	/* Negotiated length shrinks, then grows back to the maximum. */
	assert_int_equal(bh_pktbuf_set_lengths(b, 2, 5), BH_OK);
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"abc", 3), BH_ENOSPACE);
	assert_int_equal(bh_pktbuf_set_lengths(b, 5, 5), BH_EINVAL);
	assert_int_equal(bh_pktbuf_set_lengths(b, 4, 5), BH_OK);
	assert_int_equal(bh_pktbuf_in_len(b), 4);
	bh_pktbuf_free(b);
	assert_null(bh_pktbuf_new(0, 4, 4, BH_BUF_REFUSE));
	assert_null(bh_pktbuf_new(1, 65536, 4, BH_BUF_REFUSE));
}

static void test_pktbuf_refuse_and_out(void **state)
{
	(void)state;
	struct bh_pktbuf *b = bh_pktbuf_new(1, 4, 5, BH_BUF_REFUSE);
	const uint8_t *p;
	size_t len;
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"a", 1), BH_OK);
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"b", 1), BH_EBUSY);
	assert_int_equal(bh_pktbuf_refused(b), 1);
	/* Outgoing: header + data in one packet, never longer than out_len. */
	assert_int_equal(bh_pktbuf_out_peek(b, &p, &len), BH_EBUSY);
	assert_int_equal(bh_pktbuf_write(b, (const uint8_t *)"H", 1, (const uint8_t *)"12345", 5),
			 BH_ENOSPACE);
	assert_int_equal(bh_pktbuf_write(b, (const uint8_t *)"H", 1, (const uint8_t *)"1234", 4),
			 BH_OK);
	assert_int_equal(bh_pktbuf_write(b, NULL, 0, (const uint8_t *)"x", 1), BH_EBUSY);
	assert_int_equal(bh_pktbuf_out_peek(b, &p, &len), BH_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "H1234", 5);
	bh_pktbuf_out_pop(b);
	assert_int_equal(bh_pktbuf_out_count(b), 0);
	bh_pktbuf_free(b);
}

static struct bh_pktbuf *later_pb;
static void pkt_later(void *arg) { (void)arg; bh_pktbuf_feed(later_pb, (const uint8_t *)"p", 1); }
static void pkt_close_later(void *arg) { (void)arg; bh_pktbuf_close(later_pb, BH_EDISCONNECTED); }
static void pkt_sent_later(void *arg) { (void)arg; bh_pktbuf_out_pop(later_pb); }

static void test_pktbuf_wait_timeout_disconnect(void **state)
{
	(void)state;
	struct bh_loop *l = vloop();
	struct bh_pktbuf *b = bh_pktbuf_new(4, 20, 20, BH_BUF_DROP_OLDEST);
	later_pb = b;
	uint8_t out[20];
	size_t len;
	assert_int_equal(bh_pktbuf_wait(l, b, 100), BH_ETIMEDOUT);
	assert_int_equal(vnow, 1100);
	bh_loop_timer_at(l, vnow + 20, pkt_later, NULL);
	assert_int_equal(bh_pktbuf_wait(l, b, 1000), BH_OK);
	assert_int_equal(vnow, 1120);
	assert_int_equal(bh_pktbuf_readinto(b, out, sizeof(out), &len), BH_OK);
	/* Flush waits for the sender to take the queued packet. */
	bh_pktbuf_write(b, NULL, 0, (const uint8_t *)"q", 1);
	assert_int_equal(bh_pktbuf_flush(l, b, 10), BH_ETIMEDOUT);
	bh_loop_timer_at(l, vnow + 5, pkt_sent_later, NULL);
	assert_int_equal(bh_pktbuf_flush(l, b, 100), BH_OK);
	/* A reader waiting forever wakes on disconnect. */
	bh_pktbuf_write(b, NULL, 0, (const uint8_t *)"r", 1);
	bh_loop_timer_at(l, vnow + 40, pkt_close_later, NULL);
	assert_int_equal(bh_pktbuf_wait(l, b, BH_NEVER), BH_EDISCONNECTED);
	assert_int_equal(bh_pktbuf_readinto(b, out, sizeof(out), &len), BH_EDISCONNECTED);
	assert_int_equal(bh_pktbuf_out_count(b), 0);
	assert_int_equal(bh_pktbuf_write(b, NULL, 0, (const uint8_t *)"s", 1), BH_ESTATE);
	assert_int_equal(bh_pktbuf_feed(b, (const uint8_t *)"s", 1), BH_ESTATE);
	assert_int_equal(bh_pktbuf_flush(l, b, 10), BH_EDISCONNECTED);
	bh_pktbuf_free(b);
	bh_loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_charbuf_empty_and_read),
		cmocka_unit_test(test_charbuf_full_drop_oldest),
		cmocka_unit_test(test_charbuf_full_refuse),
		cmocka_unit_test(test_charbuf_readline),
		cmocka_unit_test(test_charbuf_wait_and_timeout),
		cmocka_unit_test(test_charbuf_disconnect_wakes_reader),
		cmocka_unit_test(test_pktbuf_packets),
		cmocka_unit_test(test_pktbuf_refuse_and_out),
		cmocka_unit_test(test_pktbuf_wait_timeout_disconnect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
