/* HCI's reassembly buffers are made per link on first use, grown when a
 * frame needs more and freed when the link ends. Here every such
 * allocation fails in turn (the linker wraps the allocator for this test
 * only): the frame is dropped and counted (acl_dropped_nomem), never
 * delivered in part, the link carries on and the next frame arrives whole.
 * The sanitizer build checks nothing leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hci_fake.h"

void *__real_realloc(void *p, size_t n);

/* Reallocations succeed while fail_after > 0 (each one decrements it); at
 * 0 they fail. Negative: never fail. Only realloc: the reassembly buffers
 * and growing a transmit block are its only users, so bring-up is
 * untouched. */
static long fail_after = -1;
static unsigned reallocs;

void *__wrap_realloc(void *p, size_t n)
{
	reallocs++;
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	return __real_realloc(p, n);
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	fake_init_btvirt(f);
	f->le_mtu = 27;
	f->le_cnt = 4;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_le_conn(f, 0x0003);
	fail_after = -1;
	reallocs = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	fail_after = -1;
	fake_free(f);
	free(f);
	return 0;
}

static struct bh_hci_stats stats(struct fake *f)
{
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	return st;
}

/* An L2CAP frame of n payload bytes on CID 4, fed in fragments of frag. */
static void feed(struct fake *f, uint16_t handle, size_t n, size_t frag, uint8_t seed,
		 uint8_t *frame)
{
	bh_put16(frame, (uint16_t)n);
	bh_put16(frame + 2, 0x0004);
	for (size_t i = 0; i < n; i++)
		frame[4 + i] = (uint8_t)(seed + i * 3);
	for (size_t off = 0; off < 4 + n; off += frag) {
		size_t len = 4 + n - off < frag ? 4 + n - off : frag;
		fake_acl(f, handle, off ? 1 : 2, frame + off, len);
	}
}

/* A whole frame in one packet needs no buffer at all. */
static void test_unfragmented_needs_no_buffer(void **state)
{
	struct fake *f = *state;
	uint8_t frame[64];
	feed(f, 3, 20, 64, 1, frame);
	assert_int_equal(f->acl_calls, 1);
	assert_int_equal(reallocs, 0);
}

/* The first fragment's buffer, and then its growth to the frame's length
 * (a start of 2 bytes makes the smallest buffer; the header then announces
 * 300 bytes), each fail in turn. */
static void test_buffer_fails_in_turn(void **state)
{
	struct fake *f = *state;
	uint8_t frame[400];
	for (long k = 0; k < 2; k++) {
		/* a fresh link: no buffer yet */
		fake_disconn(f, 3);
		fake_le_conn(f, 3);
		fail_after = k;
		unsigned calls = f->acl_calls, nomem = stats(f).acl_dropped_nomem;
		unsigned dropped = stats(f).acl_dropped;
		feed(f, 3, 300, 2, (uint8_t)k, frame); /* 2 bytes, then 2, then the rest */
		/* The first failure drops the frame; its remaining fragments are
		 * continuations without start, dropped as before. */
		assert_int_equal(f->acl_calls, calls);
		assert_int_equal(stats(f).acl_dropped_nomem, nomem + 1);
		assert_true(stats(f).acl_dropped > dropped);
		/* the link carries on: the same frame arrives whole */
		fail_after = -1;
		feed(f, 3, 300, 27, 9, frame);
		assert_int_equal(f->acl_calls, calls + 1);
		assert_int_equal(f->last_acl_len, 304);
		assert_memory_equal(f->last_acl, frame, 304);
	}
	/* The buffer is kept while the link lasts: no reallocation now. */
	unsigned before = reallocs;
	feed(f, 3, 300, 27, 4, frame);
	assert_int_equal(reallocs, before);
	assert_memory_equal(f->last_acl, frame, 304);
	/* A larger frame grows it. */
	feed(f, 3, 380, 27, 5, frame);
	assert_int_equal(reallocs, before + 1);
	assert_int_equal(f->last_acl_len, 384);
	assert_memory_equal(f->last_acl, frame, 384);
}

/* A failed growth in the middle of a frame leaves the old buffer in
 * place (realloc failing keeps it): the frame is dropped, the buffer freed
 * with the link (checked by the sanitizer build), a new link starts
 * without one. */
static void test_growth_fails_then_link_ends(void **state)
{
	struct fake *f = *state;
	uint8_t frame[400];
	feed(f, 3, 40, 27, 1, frame); /* a 64-byte buffer */
	assert_int_equal(f->acl_calls, 1);
	fail_after = 0;
	feed(f, 3, 300, 27, 2, frame);
	assert_int_equal(f->acl_calls, 1);
	assert_int_equal(stats(f).acl_dropped_nomem, 1);
	fail_after = -1;
	fake_disconn(f, 3);
	fake_le_conn(f, 3);
	unsigned before = reallocs;
	feed(f, 3, 300, 27, 3, frame);
	assert_int_equal(reallocs, before + 1); /* made afresh, the frame's size at once */
	assert_int_equal(f->acl_calls, 2);
	assert_memory_equal(f->last_acl, frame, 304);
}

/* Transmit frames take pool blocks sized to the frame: a block made for a
 * small frame is grown (realloc) when a larger one reuses it. When that
 * fails the send answers BH_ENOMEM (as an exhausted pool does), the block
 * stays free and usable, and the same send works afterwards. */
static void test_tx_block_growth_fails(void **state)
{
	struct fake *f = *state;
	uint8_t frame[204];
	bh_put16(frame, 6);
	bh_put16(frame + 2, 0x0004);
	memset(frame + 4, 0x33, 200);
	assert_int_equal(bh_hci_acl_send(f->hci, 3, frame, 10), BH_OK); /* made, sent, freed */
	assert_int_equal(reallocs, 0);
	bh_put16(frame, 200);
	fail_after = 0;
	assert_int_equal(bh_hci_acl_send(f->hci, 3, frame, 204), BH_ENOMEM);
	fail_after = -1;
	assert_int_equal(reallocs, 1);
	bh_put16(frame, 6);
	fake_clear_sent(f);
	assert_int_equal(bh_hci_acl_send(f->hci, 3, frame, 10), BH_OK); /* the block is still there */
	assert_int_equal(reallocs, 1);
	bh_put16(frame, 200);
	assert_int_equal(bh_hci_acl_send(f->hci, 3, frame, 204), BH_OK);
	assert_int_equal(reallocs, 2);
	/* 4 credits: the first send took one, so 1 + 2 fragments now */
	assert_int_equal(fake_count(f, BH_H4_ACL), 1 + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unfragmented_needs_no_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_fails_in_turn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growth_fails_then_link_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_block_growth_fails, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
