/* Unit tests for the H4 framer (transports/h4.c): split, merged, garbage,
 * impossible lengths, fixed-type endpoint streams, packet description. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/transport.h>

#ifndef BH_TRACES_DIR
#define BH_TRACES_DIR "/nonexistent"
#endif

struct got {
	int n;
	uint8_t type[64];
	size_t len[64];
	uint8_t data[64][64];
};

static void collect(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct got *g = ctx;
	assert_true(g->n < 64);
	g->type[g->n] = type;
	g->len[g->n] = len;
	memcpy(g->data[g->n], pkt, len < 64 ? len : 64);
	g->n++;
}

/* cmd Reset, evt Command Complete, ACL 4 bytes, ISO, SCO */
static const uint8_t stream[] = {
	0x01, 0x03, 0x0c, 0x00,
	0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00,
	0x02, 0x40, 0x20, 0x04, 0x00, 0xaa, 0xbb, 0xcc, 0xdd,
	0x05, 0x01, 0x00, 0x02, 0x40, 0x11, 0x22, /* ISO: top length bits are RFU */
	0x03, 0x02, 0x00, 0x01, 0x99,
};

static void check_stream(const struct got *g)
{
	assert_int_equal(g->n, 5);
	assert_int_equal(g->type[0], 0x01);
	assert_int_equal(g->len[0], 3);
	assert_int_equal(g->type[1], 0x04);
	assert_int_equal(g->len[1], 6);
	assert_int_equal(g->data[1][5], 0x00);
	assert_int_equal(g->type[2], 0x02);
	assert_int_equal(g->len[2], 8);
	assert_int_equal(g->data[2][7], 0xdd);
	assert_int_equal(g->type[3], 0x05);
	assert_int_equal(g->len[3], 6);
	assert_int_equal(g->type[4], 0x03);
	assert_int_equal(g->len[4], 4);
}

static void test_merged(void **state)
{
	(void)state;
	struct bh_h4 f;
	struct got g = { 0 };
	bh_h4_init(&f);
	bh_h4_feed(&f, stream, sizeof(stream), collect, &g);
	check_stream(&g);
	assert_int_equal(f.have, 0);
	assert_int_equal(f.garbage, 0);
	assert_int_equal(f.packets, 5);
}

static void test_split_every_size(void **state)
{
	(void)state;
	for (size_t chunk = 1; chunk <= sizeof(stream); chunk++) {
		struct bh_h4 f;
		struct got g = { 0 };
		bh_h4_init(&f);
		for (size_t o = 0; o < sizeof(stream); o += chunk) {
			size_t n = sizeof(stream) - o < chunk ? sizeof(stream) - o : chunk;
			bh_h4_feed(&f, stream + o, n, collect, &g);
		}
		check_stream(&g);
	}
}

static void test_partial_kept(void **state)
{
	(void)state;
	struct bh_h4 f;
	struct got g = { 0 };
	bh_h4_init(&f);
	bh_h4_feed(&f, stream, 10, collect, &g); /* cmd + most of the event */
	assert_int_equal(g.n, 1);
	assert_int_equal(f.have, 6);
	bh_h4_feed(&f, stream + 10, 1, collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(f.have, 0);
}

static void test_garbage_resync(void **state)
{
	(void)state;
	uint8_t buf[64];
	const uint8_t junk[] = { 0x00, 0xff, 0x42, 0x06, 0x80 };
	memcpy(buf, junk, sizeof(junk));
	memcpy(buf + sizeof(junk), stream, sizeof(stream));
	struct bh_h4 f;
	struct got g = { 0 };
	bh_h4_init(&f);
	bh_h4_feed(&f, buf, sizeof(junk) + sizeof(stream), collect, &g);
	check_stream(&g);
	assert_int_equal(f.garbage, sizeof(junk));
}

static void test_impossible_length(void **state)
{
	(void)state;
	/* an ACL header announcing 0xffff bytes, then a valid event: the bad
	 * header is dropped byte by byte and the event is still found */
	const uint8_t bad[] = { 0x02, 0xff, 0xff, 0xff, 0xff, 0x04, 0x05, 0x04, 0x00, 0x40, 0x00, 0x13 };
	struct bh_h4 f;
	struct got g = { 0 };
	bh_h4_init(&f);
	bh_h4_feed(&f, bad, sizeof(bad), collect, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.type[0], 0x04);
	assert_int_equal(g.data[0][0], 0x05);
	assert_int_equal(f.garbage, 5);
	/* ISO with a 14-bit length of 0x3fff is also beyond the bound */
	const uint8_t iso[] = { 0x05, 0xff, 0xff, 0xff, 0xff, 0x04, 0x05, 0x04, 0x00, 0x40, 0x00, 0x13 };
	bh_h4_feed(&f, iso, sizeof(iso), collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(f.garbage, 10);
}

static void test_bounded_buffer(void **state)
{
	(void)state;
	/* a maximal ACL packet in one feed, another one in 3-byte chunks */
	size_t total = 1 + 4 + BH_H4_MAX_PAYLOAD;
	uint8_t *big = calloc(1, total);
	assert_non_null(big);
	big[0] = 0x02;
	big[1] = 0x01;
	big[3] = BH_H4_MAX_PAYLOAD & 0xff;
	big[4] = BH_H4_MAX_PAYLOAD >> 8;
	big[total - 1] = 0x77;
	struct bh_h4 f;
	struct got g = { 0 };
	bh_h4_init(&f);
	bh_h4_feed(&f, big, total, collect, &g);
	for (size_t o = 0; o < total; o += 3)
		bh_h4_feed(&f, big + o, total - o < 3 ? total - o : 3, collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[1], 4 + BH_H4_MAX_PAYLOAD);
	/* one more than the maximum is impossible */
	big[3] = (BH_H4_MAX_PAYLOAD + 1) & 0xff;
	big[4] = (BH_H4_MAX_PAYLOAD + 1) >> 8;
	bh_h4_feed(&f, big, 5, collect, &g);
	assert_int_equal(g.n, 2);
	assert_true(f.garbage >= 1);
	assert_true(f.have < 5);
	free(big);
}

static void test_fixed_type(void **state)
{
	(void)state;
	/* USB interrupt endpoint: events without type byte, split over chunks */
	const uint8_t ev[] = { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00, 0x13, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00 };
	struct bh_h4 f;
	struct got g = { 0 };
	bh_h4_init_fixed(&f, 0x04);
	bh_h4_feed(&f, ev, 4, collect, &g);
	assert_int_equal(g.n, 0);
	bh_h4_feed(&f, ev + 4, sizeof(ev) - 4, collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.type[1], 0x04);
	assert_int_equal(g.len[1], 7);
	/* ACL endpoint with an impossible length drops the buffer */
	bh_h4_init_fixed(&f, 0x02);
	const uint8_t acl[] = { 0x40, 0x00, 0xff, 0x7f, 1, 2, 3 };
	bh_h4_feed(&f, acl, sizeof(acl), collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(f.have, 0);
	assert_int_equal(f.garbage, sizeof(acl));
}

static void test_packet_valid_and_describe(void **state)
{
	(void)state;
	const uint8_t cmd[] = { 0x03, 0x0c, 0x00 };
	assert_true(bh_h4_packet_valid(0x01, cmd, 3));
	assert_false(bh_h4_packet_valid(0x01, cmd, 2));
	assert_false(bh_h4_packet_valid(0x06, cmd, 3));
	assert_false(bh_h4_packet_valid(0x01, NULL, 3));
	const uint8_t bad_len[] = { 0x03, 0x0c, 0x01 };
	assert_false(bh_h4_packet_valid(0x01, bad_len, 3));
	char d[160];
	bh_h4_describe(0x01, cmd, 3, d, sizeof(d));
	assert_non_null(strstr(d, "CMD 0x0c03"));
	const uint8_t cc[] = { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
	bh_h4_describe(0x04, cc, sizeof(cc), d, sizeof(d));
	assert_non_null(strstr(d, "Command Complete"));
	assert_non_null(strstr(d, "opcode 0x0c03"));
	const uint8_t acl[] = { 0x40, 0x20, 0x02, 0x00, 1, 2 };
	bh_h4_describe(0x02, acl, sizeof(acl), d, sizeof(d));
	assert_non_null(strstr(d, "ACL handle 0x0040"));
	bh_h4_describe(0x02, acl, 1, d, sizeof(d));
	assert_non_null(strstr(d, "truncated"));
	bh_h4_describe(0x09, acl, 1, d, sizeof(d));
	assert_non_null(strstr(d, "type 0x09"));
}

static void count(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	assert_true(bh_h4_packet_valid(type, pkt, len));
	(*(unsigned long *)ctx)++;
}

/* The bumble fixture: 118 packets back to back; every chunking gives the same. */
static void test_bumble_stream(void **state)
{
	(void)state;
	FILE *fp = fopen(BH_TRACES_DIR "/bumble_hci_data_001.h4", "rb");
	if (!fp)
		skip();
	uint8_t buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	static const size_t chunks[] = { 1, 2, 7, 64, 4096 };
	for (size_t c = 0; c < 5; c++) {
		struct bh_h4 f;
		bh_h4_init(&f);
		unsigned long cnt = 0;
		for (size_t o = 0; o < n; o += chunks[c])
			bh_h4_feed(&f, buf + o, n - o < chunks[c] ? n - o : chunks[c], count, &cnt);
		assert_int_equal(cnt, 118);
		assert_int_equal(f.packets, 118);
		assert_int_equal(f.garbage, 0);
		assert_int_equal(f.have, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merged),
		cmocka_unit_test(test_split_every_size),
		cmocka_unit_test(test_partial_kept),
		cmocka_unit_test(test_garbage_resync),
		cmocka_unit_test(test_impossible_length),
		cmocka_unit_test(test_bounded_buffer),
		cmocka_unit_test(test_fixed_type),
		cmocka_unit_test(test_packet_valid_and_describe),
		cmocka_unit_test(test_bumble_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
