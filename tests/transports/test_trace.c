/* Unit tests for trace files: writer round trips (btsnoop, pcap), the reader
 * on every public HCI trace (frame counts as tshark gives them), hand-made
 * pcapng / pcap / btsnoop 1001 / little-endian PacketLogger files, and
 * truncated or corrupt files giving BH_EMALFORMED instead of an overread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_build.h"
#include <blehost/transport.h>

#ifndef BH_TRACES_DIR
#define BH_TRACES_DIR "/nonexistent"
#endif

/* ---- writer round trip ------------------------------------------------ */

struct pkt {
	enum bh_trace_dir dir;
	uint8_t type;
	uint8_t len;
	uint8_t data[16];
};

static const struct pkt sample[] = {
	{ BH_TRACE_SENT, 0x01, 3, { 0x03, 0x0c, 0x00 } },
	{ BH_TRACE_RECEIVED, 0x04, 6, { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 } },
	{ BH_TRACE_SENT, 0x02, 11, { 0x40, 0x00, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x02, 0x17, 0x00 } },
	{ BH_TRACE_RECEIVED, 0x02, 11, { 0x40, 0x20, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x03, 0x17, 0x00 } },
	{ BH_TRACE_RECEIVED, 0x04, 7, { 0x13, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00 } },
};

static void write_sample(const char *path)
{
	struct bh_trace_writer *w;
	char err[256];
	assert_int_equal(bh_trace_open_write(path, &w, err, sizeof(err)), BH_OK);
	for (size_t i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
		assert_int_equal(bh_trace_write(w, sample[i].dir, sample[i].type, sample[i].data,
						sample[i].len, 1700000000000000ULL + i * 1500),
				 BH_OK);
	assert_int_equal(bh_trace_close_write(w), BH_OK);
}

static void check_sample(const char *path, enum bh_trace_format fmt)
{
	struct bh_trace_reader *r;
	char err[256];
	assert_int_equal(bh_trace_open_read(path, &r, err, sizeof(err)), BH_OK);
	assert_int_equal(bh_trace_reader_format(r), fmt);
	struct bh_trace_rec rec;
	for (size_t i = 0; i < sizeof(sample) / sizeof(sample[0]); i++) {
		assert_int_equal(bh_trace_next(r, &rec), 1);
		assert_int_equal(rec.dir, sample[i].dir);
		assert_int_equal(rec.type, sample[i].type);
		assert_int_equal(rec.len, sample[i].len);
		assert_memory_equal(rec.data, sample[i].data, rec.len);
		assert_int_equal(rec.timestamp_us, 1700000000000000ULL + i * 1500);
		assert_int_equal(rec.index, i + 1);
	}
	assert_int_equal(bh_trace_next(r, &rec), 0);
	assert_int_equal(bh_trace_next(r, &rec), 0);
	bh_trace_close_read(r);
}

static void test_write_read_btsnoop(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/bh-trace-%d.btsnoop", (int)getpid());
	write_sample(path);
	check_sample(path, BH_TRACE_BTSNOOP);
	/* flags: bit0 received, bit1 command/event; datalink 1002 */
	FILE *f = fopen(path, "rb");
	uint8_t b[16 + 25 + 24];
	assert_int_equal(fread(b, 1, sizeof(b), f), sizeof(b));
	fclose(f);
	assert_int_equal(b[15], 0xea); /* 1002 = 0x3ea */
	assert_int_equal(b[16 + 11], 2);  /* command: sent, cmd/evt */
	assert_int_equal(b[16 + 28 + 11], 3); /* event: received, cmd/evt */
	unlink(path);
	snprintf(path, sizeof(path), "/tmp/bh-trace-%d.log", (int)getpid());
	write_sample(path);
	check_sample(path, BH_TRACE_BTSNOOP);
	unlink(path);
}

static void test_write_read_pcap(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/bh-trace-%d.pcap", (int)getpid());
	write_sample(path);
	check_sample(path, BH_TRACE_PCAP);
	unlink(path);
}

static void test_writer_errors(void **state)
{
	(void)state;
	struct bh_trace_writer *w;
	char err[256];
	assert_int_equal(bh_trace_open_write("/nonexistent/dir/x.pcap", &w, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "/nonexistent/dir/x.pcap"));
	assert_int_equal(bh_trace_open_write(NULL, &w, err, sizeof(err)), BH_EINVAL);
	char path[64];
	snprintf(path, sizeof(path), "/tmp/bh-trace-%d.btsnoop", (int)getpid());
	assert_int_equal(bh_trace_open_write(path, &w, err, sizeof(err)), BH_OK);
	assert_int_equal(bh_trace_write(w, 7, 1, (const uint8_t *)"abc", 3, 0), BH_EINVAL);
	assert_int_equal(bh_trace_write(w, BH_TRACE_SENT, 1, NULL, 3, 0), BH_EINVAL);
	assert_int_equal(bh_trace_write(NULL, BH_TRACE_SENT, 1, (const uint8_t *)"abc", 3, 0), BH_EINVAL);
	assert_int_equal(bh_trace_close_write(w), BH_OK);
	assert_int_equal(bh_trace_close_write(NULL), BH_OK);
	unlink(path);
#ifdef __linux__
	/* a full disk is a write error, not silence */
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(bh_trace_open_write("/dev/full", &w, err, sizeof(err)), BH_EIO);
	}
#endif
}

/* ---- public traces ---------------------------------------------------- */

static const struct {
	const char *file;
	enum bh_trace_format fmt;
	unsigned long frames;  /* tshark -r FILE | wc -l (README) */
	unsigned long skipped; /* frames without an HCI packet */
} pub[] = {
	{ "btstack_sm_pairing.pklg", BH_TRACE_PKLG, 195, 40 },
	{ "yeelock_lock_btsnoop_hci.log", BH_TRACE_BTSNOOP, 690, 0 },
	{ "horizon74_treadmill_btsnoop_hci.log", BH_TRACE_BTSNOOP, 2572, 0 },
	{ "revcar_btsnoop_hci.log", BH_TRACE_BTSNOOP, 149, 0 },
	{ "blefun_btsnoop_hci.log", BH_TRACE_BTSNOOP, 29317, 0 },
	{ "bluetooth_mouse_btsnoop_hci.log", BH_TRACE_BTSNOOP, 1315, 0 },
	{ "airbily_smartwatch_hci.pcapng", BH_TRACE_PCAPNG, 810, 0 },
	{ "bumble_hci_data_001.h4", BH_TRACE_H4, 118, 0 },
	{ "bumble_hci_data_001.pcap", BH_TRACE_PCAP, 118, 0 },
};

static void test_public_traces(void **state)
{
	(void)state;
	char path[512], err[256];
	snprintf(path, sizeof(path), "%s/%s", BH_TRACES_DIR, pub[0].file);
	if (access(path, R_OK) != 0)
		skip();
	for (size_t i = 0; i < sizeof(pub) / sizeof(pub[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", BH_TRACES_DIR, pub[i].file);
		struct bh_trace_reader *r;
		int rc = bh_trace_open_read(path, &r, err, sizeof(err));
		if (rc)
			fail_msg("%s: %s", pub[i].file, err);
		assert_int_equal(bh_trace_reader_format(r), pub[i].fmt);
		struct bh_trace_rec rec;
		unsigned long n = 0, sent = 0, last_index = 0;
		uint64_t last_ts = 0;
		while ((rc = bh_trace_next(r, &rec)) == 1) {
			n++;
			assert_true(rec.type >= 1 && rec.type <= 5);
			assert_true(rec.index > last_index);
			last_index = rec.index;
			if (rec.dir == BH_TRACE_SENT)
				sent++;
			last_ts = rec.timestamp_us;
		}
		if (rc != 0)
			fail_msg("%s: %s", pub[i].file, bh_trace_error(r));
		assert_int_equal(n + bh_trace_skipped(r), pub[i].frames);
		assert_int_equal(bh_trace_skipped(r), pub[i].skipped);
		if (pub[i].fmt != BH_TRACE_H4 && pub[i].fmt != BH_TRACE_PCAP)
			assert_true(sent > 0 && sent < n); /* both directions present */
		if (pub[i].fmt != BH_TRACE_H4)
			assert_true(last_ts > 0);
		bh_trace_close_read(r);
	}
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", BH_TRACES_DIR, name);
	return file_slurp(path, len);
}

/* Reads to the end; returns the final code (0 or BH_EMALFORMED). */
static int drain(const uint8_t *b, size_t len, enum bh_trace_format fmt, unsigned long *n)
{
	struct bh_trace_reader *r;
	char err[256];
	*n = 0;
	int rc = bh_trace_open_mem(b, len, fmt, &r, err, sizeof(err));
	if (rc)
		return rc;
	struct bh_trace_rec rec;
	while ((rc = bh_trace_next(r, &rec)) == 1) {
		(*n)++;
		assert_true(rec.len < (1u << 20));
		volatile uint8_t sum = 0;
		for (size_t i = 0; i < rec.len; i++)
			sum ^= rec.data[i]; /* under ASan any overread shows here */
		(void)sum;
	}
	if (rc < 0) {
		assert_int_equal(rc, BH_EMALFORMED);
		assert_true(strlen(bh_trace_error(r)) > 0);
		assert_int_equal(bh_trace_next(r, &rec), BH_EMALFORMED); /* sticky */
	}
	bh_trace_close_read(r);
	return rc;
}

static void test_truncated_public(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		enum bh_trace_format fmt;
	} small[] = {
		{ "btstack_sm_pairing.pklg", BH_TRACE_PKLG },
		{ "revcar_btsnoop_hci.log", BH_TRACE_BTSNOOP },
		{ "bumble_hci_data_001.h4", BH_TRACE_H4 },
		{ "bumble_hci_data_001.pcap", BH_TRACE_PCAP },
		{ "airbily_smartwatch_hci.pcapng", BH_TRACE_PCAPNG },
	};
	size_t len;
	uint8_t *probe = slurp(small[0].file, &len);
	if (!probe)
		skip();
	free(probe);
	for (size_t i = 0; i < 5; i++) {
		uint8_t *b = slurp(small[i].file, &len);
		assert_non_null(b);
		unsigned long full, n;
		assert_int_equal(drain(b, len, small[i].fmt, &full), 0);
		/* cutting off the last byte always leaves a broken record */
		assert_int_equal(drain(b, len - 1, small[i].fmt, &n), BH_EMALFORMED);
		assert_true(n < full);
		/* every cut point: never crashes, never reports more records */
		size_t step = len / 257 + 1;
		for (size_t cut = 0; cut < len; cut += step) {
			int rc = drain(b, cut, small[i].fmt, &n);
			assert_true(rc == 0 || rc == BH_EMALFORMED || rc == BH_ENOTSUP);
			assert_true(n <= full);
		}
		/* corrupt bytes: flipping each of the first 64 bytes is survivable */
		for (size_t k = 0; k < 64 && k < len; k++) {
			b[k] ^= 0xa5;
			int rc = drain(b, len, small[i].fmt, &n);
			assert_true(rc == 0 || rc == BH_EMALFORMED || rc == BH_ENOTSUP);
			b[k] ^= 0xa5;
		}
		free(b);
	}
}

/* ---- hand-made files -------------------------------------------------- */

static void build_pcapng(struct buf *b, bool be)
{
	memset(b, 0, sizeof(*b));
	b->be = be;
	shb(b);
	idb(b, 201, 9);  /* interface 0: H4 + direction, nanoseconds */
	idb(b, 187, -1); /* interface 1: H4, microseconds */
	idb(b, 1, -1);   /* interface 2: Ethernet, not HCI */
	const uint8_t p0[] = { 0, 0, 0, 0, 0x01, 0x03, 0x0c, 0x00 };
	epb(b, 0, 5000000000ULL, p0, sizeof(p0));
	struct buf unk = { .be = be };
	put32(&unk, 0xdeadbeef);
	block(b, 0x00000bad, &unk); /* unknown block: skipped */
	const uint8_t p1[] = { 0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
	epb(b, 1, 7000000, p1, sizeof(p1));
	const uint8_t eth[] = { 1, 2, 3, 4, 5, 6 };
	epb(b, 2, 7000001, eth, sizeof(eth));
	/* simple packet block: interface 0 (201) */
	struct buf spb = { .be = be };
	const uint8_t p2[] = { 0, 0, 0, 1, 0x02, 0x40, 0x20, 0x01, 0x00, 0x55 };
	put32(&spb, sizeof(p2));
	putn(&spb, p2, sizeof(p2));
	while (spb.n % 4)
		put8(&spb, 0);
	block(b, 3, &spb);
	/* obsolete packet block (type 2): 16-bit interface id, drops */
	struct buf pb = { .be = be };
	const uint8_t p3[] = { 0x04, 0x13, 0x00 };
	put16(&pb, 1);
	put16(&pb, 0);
	put32(&pb, 0);
	put32(&pb, 9000000);
	put32(&pb, sizeof(p3));
	put32(&pb, sizeof(p3));
	putn(&pb, p3, sizeof(p3));
	put8(&pb, 0);
	block(b, 2, &pb);
}

static void test_pcapng_both_endiannesses(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct buf b;
		build_pcapng(&b, be);
		struct bh_trace_reader *r;
		char err[256];
		assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_OK);
		assert_int_equal(bh_trace_reader_format(r), BH_TRACE_PCAPNG);
		struct bh_trace_rec rec;
		assert_int_equal(bh_trace_next(r, &rec), 1);
		assert_int_equal(rec.type, 0x01);
		assert_int_equal(rec.dir, BH_TRACE_SENT);
		assert_int_equal(rec.len, 3);
		assert_int_equal(rec.timestamp_us, 5000000);
		assert_int_equal(bh_trace_next(r, &rec), 1);
		assert_int_equal(rec.type, 0x04);
		assert_int_equal(rec.dir, BH_TRACE_RECEIVED);
		assert_int_equal(rec.timestamp_us, 7000000);
		assert_int_equal(bh_trace_next(r, &rec), 1);
		assert_int_equal(rec.type, 0x02);
		assert_int_equal(rec.dir, BH_TRACE_RECEIVED);
		assert_int_equal(rec.len, 5);
		assert_int_equal(rec.index, 4); /* the Ethernet frame counts as a frame */
		assert_int_equal(bh_trace_next(r, &rec), 1);
		assert_int_equal(rec.type, 0x04);
		assert_int_equal(rec.len, 2);
		assert_int_equal(rec.timestamp_us, 9000000);
		assert_int_equal(bh_trace_next(r, &rec), 0);
		assert_int_equal(bh_trace_skipped(r), 1);
		bh_trace_close_read(r);

		unsigned long n;
		/* block length not a multiple of 4 */
		struct buf c = b;
		c.b[4 + (be ? 3 : 0)] += 1;
		assert_int_equal(drain(c.b, c.n, BH_TRACE_AUTO, &n), BH_EMALFORMED);
		/* trailer mismatch in the first IDB */
		c = b;
		size_t shb_len = 28;
		c.b[shb_len + 20 + 4 + 4 + (be ? 3 : 0)] ^= 0x10;
		assert_int_equal(drain(c.b, c.n, BH_TRACE_AUTO, &n), BH_EMALFORMED);
		/* bad byte-order magic */
		c = b;
		c.b[8] = 0x77;
		assert_int_equal(drain(c.b, c.n, BH_TRACE_AUTO, &n), BH_EMALFORMED);
	}
	/* a packet for an interface that was never described */
	struct buf b = { .be = false };
	shb(&b);
	const uint8_t p[] = { 0x04, 0x0e, 0x01, 0x01 };
	epb(&b, 0, 0, p, sizeof(p));
	unsigned long n;
	assert_int_equal(drain(b.b, b.n, BH_TRACE_AUTO, &n), BH_EMALFORMED);
	/* an EPB whose captured length runs past its block */
	b.n = 0;
	shb(&b);
	idb(&b, 187, -1);
	size_t at = b.n;
	epb(&b, 0, 0, p, sizeof(p));
	b.b[at + 8 + 12] = 200;
	assert_int_equal(drain(b.b, b.n, BH_TRACE_AUTO, &n), BH_EMALFORMED);
	/* bad tsresol */
	b.n = 0;
	shb(&b);
	idb(&b, 187, 40);
	assert_int_equal(drain(b.b, b.n, BH_TRACE_AUTO, &n), BH_EMALFORMED);
	b.n = 0;
	shb(&b);
	idb(&b, 187, 0x83); /* 2^-3 s units */
	epb(&b, 0, 16, p, sizeof(p));
	struct bh_trace_reader *r;
	char err[128];
	assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_OK);
	struct bh_trace_rec rec;
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.timestamp_us, 2000000);
	bh_trace_close_read(r);
}

static void test_pcap_variants(void **state)
{
	(void)state;
	/* little-endian, nanosecond magic, LINKTYPE 187 */
	struct buf b = { .be = false };
	put32(&b, 0xa1b23c4d);
	put16(&b, 2), put16(&b, 4), put32(&b, 0), put32(&b, 0), put32(&b, 65535), put32(&b, 187);
	const uint8_t p[] = { 0x01, 0x03, 0x0c, 0x00 };
	put32(&b, 3), put32(&b, 500000000), put32(&b, 4), put32(&b, 4);
	putn(&b, p, 4);
	struct bh_trace_reader *r;
	char err[256];
	assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_OK);
	struct bh_trace_rec rec;
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.timestamp_us, 3500000);
	assert_int_equal(rec.dir, BH_TRACE_SENT);
	assert_int_equal(bh_trace_next(r, &rec), 0);
	bh_trace_close_read(r);
	/* record length beyond the file */
	b.b[24 + 8] = 50;
	unsigned long n;
	assert_int_equal(drain(b.b, b.n, BH_TRACE_AUTO, &n), BH_EMALFORMED);
	/* not an HCI link type */
	b.b[20] = 1;
	assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_ENOTSUP);
	assert_non_null(strstr(err, "link type 1"));
	/* short header */
	assert_int_equal(bh_trace_open_mem(b.b, 10, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_EMALFORMED);
	/* 201 record shorter than its direction word */
	b.b[20] = 201;
	b.b[24 + 8] = 2;
	b.b[24 + 12] = 2;
	assert_int_equal(drain(b.b, 24 + 16 + 2, BH_TRACE_AUTO, &n), 0); /* skipped, counted */
	assert_int_equal(n, 0);
	assert_int_equal(bh_trace_open_mem(b.b, 24 + 16 + 2, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_OK);
	assert_int_equal(bh_trace_next(r, &rec), 0);
	assert_int_equal(bh_trace_problem_count(r, BH_TRACE_P_SHORT), 1);
	char msg[256];
	assert_int_equal(bh_trace_verdict(r, msg, sizeof(msg)), BH_TRACE_P_NO_HCI);
	assert_non_null(strstr(msg, "1 record: record shorter than its 4-byte direction header "
				    "(first: record 1 at byte 24)"));
	bh_trace_close_read(r);
}

static void test_btsnoop_variants(void **state)
{
	(void)state;
	struct buf b = { .be = true };
	putn(&b, "btsnoop\0", 8);
	put32(&b, 1), put32(&b, 1001);
	const uint8_t ev[] = { 0x0e, 0x01, 0x01 };
	put32(&b, 3), put32(&b, 3), put32(&b, 3), put32(&b, 0), put32(&b, 0x00dcddb3), put32(&b, 0x0f2f8000 + 42);
	putn(&b, ev, 3);
	const uint8_t acl[] = { 0x40, 0x00, 0x00, 0x00 };
	put32(&b, 4), put32(&b, 4), put32(&b, 0), put32(&b, 0), put32(&b, 0), put32(&b, 7);
	putn(&b, acl, 4);
	struct bh_trace_reader *r;
	char err[256];
	assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_OK);
	struct bh_trace_rec rec;
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.type, 0x04);
	assert_int_equal(rec.dir, BH_TRACE_RECEIVED);
	assert_int_equal(rec.timestamp_us, 42);
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.type, 0x02);
	assert_int_equal(rec.dir, BH_TRACE_SENT);
	assert_int_equal(bh_trace_next(r, &rec), 0);
	bh_trace_close_read(r);
	unsigned long n;
	assert_int_equal(drain(b.b, b.n - 1, BH_TRACE_AUTO, &n), BH_EMALFORMED);
	assert_int_equal(drain(b.b, 16 + 10, BH_TRACE_AUTO, &n), BH_EMALFORMED);
	b.b[15] = 0xeb; /* 1003 */
	assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_ENOTSUP);
	b.b[11] = 2; /* version 2 */
	assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_AUTO, &r, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_int_equal(bh_trace_open_mem(b.b, 12, BH_TRACE_BTSNOOP, &r, err, sizeof(err)),
			 BH_EMALFORMED);
}

static void test_pklg_little_endian(void **state)
{
	(void)state;
	struct buf b = { .be = false };
	const uint8_t cmd[] = { 0x03, 0x0c, 0x00 };
	put32(&b, 9 + 3), put32(&b, 10), put32(&b, 20), put8(&b, 0x00), putn(&b, cmd, 3);
	put32(&b, 9 + 4), put32(&b, 10), put32(&b, 21), put8(&b, 0xfc), putn(&b, "note", 4);
	const uint8_t acl[] = { 0x40, 0x20, 0x00, 0x00 };
	put32(&b, 9 + 4), put32(&b, 11), put32(&b, 0), put8(&b, 0x03), putn(&b, acl, 4);
	struct bh_trace_reader *r;
	char err[256];
	assert_int_equal(bh_trace_open_mem(b.b, b.n, BH_TRACE_PKLG, &r, err, sizeof(err)), BH_OK);
	struct bh_trace_rec rec;
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.type, 0x01);
	assert_int_equal(rec.timestamp_us, 10000020);
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.type, 0x02);
	assert_int_equal(rec.dir, BH_TRACE_RECEIVED);
	assert_int_equal(rec.index, 3);
	assert_int_equal(bh_trace_next(r, &rec), 0);
	assert_int_equal(bh_trace_skipped(r), 1);
	bh_trace_close_read(r);
	unsigned long n;
	b.b[0] = 5; /* shorter than its own header */
	assert_int_equal(drain(b.b, b.n, BH_TRACE_PKLG, &n), BH_EMALFORMED);
}

static void test_raw_h4_errors(void **state)
{
	(void)state;
	const uint8_t ok[] = { 0x04, 0x0e, 0x01, 0x01, 0x01, 0x03, 0x0c, 0x00 };
	unsigned long n;
	assert_int_equal(drain(ok, sizeof(ok), BH_TRACE_AUTO, &n), 0);
	assert_int_equal(n, 2);
	const uint8_t junk[] = { 0x04, 0x0e, 0x01, 0x01, 0x09, 0x03, 0x0c, 0x00 };
	assert_int_equal(drain(junk, sizeof(junk), BH_TRACE_H4, &n), BH_EMALFORMED);
	assert_int_equal(n, 1);
	/* an empty file is refused at open, whatever the format */
	assert_int_equal(drain(ok, 0, BH_TRACE_H4, &n), BH_EMALFORMED);
	assert_int_equal(n, 0);
	struct bh_trace_reader *r;
	char err[128];
	assert_int_equal(bh_trace_open_read("/nonexistent.btsnoop", &r, err, sizeof(err)), BH_EIO);
	assert_int_equal(bh_trace_open_mem(NULL, 5, BH_TRACE_AUTO, &r, err, sizeof(err)), BH_EINVAL);
	assert_string_equal(bh_trace_format_str(BH_TRACE_PCAPNG), "pcapng");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read_btsnoop),
		cmocka_unit_test(test_write_read_pcap),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_public_traces),
		cmocka_unit_test(test_truncated_public),
		cmocka_unit_test(test_pcapng_both_endiannesses),
		cmocka_unit_test(test_pcap_variants),
		cmocka_unit_test(test_btsnoop_variants),
		cmocka_unit_test(test_pklg_little_endian),
		cmocka_unit_test(test_raw_h4_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
