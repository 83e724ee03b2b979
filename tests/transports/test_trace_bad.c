/* Trace files that hold no usable HCI packet, or some bad records among good
 * ones. Each case is built byte by byte, then checked three ways:
 *   1. the reader: bh_trace_verdict names the problem (record, byte offset);
 *   2. the replay transport: bh_transport_open("replay:FILE") refuses the
 *      file with that message, or opens it and keeps the warnings;
 *   3. the CLI (argv[1] = the blehost binary): `blehost -t replay:FILE info`
 *      exits non-zero with the message and never starts bring-up.
 * A good recorded bring-up (tests/pcap/bringup-central.btsnoop) with one bad
 * record and one clock step backwards spliced in still replays `info`, and
 * says what it skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_build.h"
#include <blehost/transport.h>

#ifndef BH_PCAP_DIR
#define BH_PCAP_DIR "tests/pcap"
#endif

static const char *g_blehost;

static const uint8_t reset[] = { 0x01, 0x03, 0x0c, 0x00 };          /* H4 command */
static const uint8_t cc[] = { 0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 }; /* H4 event */
/* an LE link-layer advertising PDU as an over-the-air sniffer stores it */
static const uint8_t ll_adv[] = { 0xd6, 0xbe, 0x89, 0x8e, 0x40, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0 };

static void empty_file(struct buf *b) { b->n = 0; }

static void btsnoop_header_only(struct buf *b) { btsnoop_hdr(b, 1002); }

/* what a user may pass by mistake: a log, a hex dump */
static void text_file(struct buf *b) { putn(b, "hello, world\n", 13); }

static void pcapng_le_ll(struct buf *b)
{
	b->be = false;
	shb(b);
	idb(b, 251, -1); /* LINKTYPE_BLUETOOTH_LE_LL */
	idb(b, 256, -1); /* LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR */
	for (int i = 0; i < 3; i++)
		epb(b, (uint32_t)(i & 1), 1000u * (uint32_t)i, ll_adv, sizeof(ll_adv));
}

static void pcap_le_ll(struct buf *b)
{
	pcap_hdr(b, 65535, 256);
	pcap_rec(b, 1, ll_adv, sizeof(ll_adv), sizeof(ll_adv));
}

static void btsnoop_bad_types(struct buf *b)
{
	btsnoop_hdr(b, 1002);
	uint8_t bad[sizeof(cc)];
	memcpy(bad, cc, sizeof(cc));
	for (uint8_t t = 0x07; t < 0x0a; t++) {
		bad[0] = t;
		btsnoop_rec(b, sizeof(bad), bad, sizeof(bad), 1, 1000u * t);
	}
}

static void btsnoop_zero_length(struct buf *b)
{
	btsnoop_hdr(b, 1002);
	btsnoop_rec(b, 0, NULL, 0, 0, 1);
	btsnoop_rec(b, 0, NULL, 0, 1, 2);
}

static void btsnoop1001_zero_length(struct buf *b)
{
	btsnoop_hdr(b, 1001);
	btsnoop_rec(b, 0, NULL, 0, 3, 1);
}

/* snap length 0, so every record holds 0 of its bytes */
static void pcap_snaplen0(struct buf *b)
{
	pcap_hdr(b, 0, 187);
	pcap_rec(b, 1, reset, 0, sizeof(reset));
	pcap_rec(b, 2, cc, 0, sizeof(cc));
}

static void pcap_cut(struct buf *b)
{
	pcap_hdr(b, 4, 187);
	pcap_rec(b, 1, cc, 4, sizeof(cc));
}

static void pklg_notes_only(struct buf *b)
{
	b->be = true;
	put32(b, 9 + 4), put32(b, 1), put32(b, 0), put8(b, 0xfc), putn(b, "note", 4);
	put32(b, 9), put32(b, 1), put32(b, 1), put8(b, 0x01); /* an event of 0 bytes */
}

static const struct bad_case {
	const char *name;
	const char *ext;
	void (*build)(struct buf *b);
	int open_rc;                  /* bh_trace_open_* */
	enum bh_trace_problem verdict; /* after reading to the end */
	int replay_rc;                /* bh_transport_open("replay:...") */
	const char *says[3];          /* in the replay and CLI message */
} cases[] = {
	{ "empty", ".btsnoop", empty_file, BH_EMALFORMED, BH_TRACE_P_EMPTY_FILE, BH_EMALFORMED,
	  { "the file is empty", "0 bytes" } },
	{ "text", ".log", text_file, BH_OK, BH_TRACE_P_UNKNOWN_FORMAT, BH_ENOTSUP,
	  { "not a trace format blehost reads", "starts with 68 65 6c 6c",
	    "invalid packet type or length (at byte 0)" } },
	{ "header-only", ".btsnoop", btsnoop_header_only, BH_OK, BH_TRACE_P_NO_RECORDS,
	  BH_EMALFORMED, { "no records after its header", "btsnoop" } },
	{ "pcapng-le-ll", ".pcapng", pcapng_le_ll, BH_OK, BH_TRACE_P_NO_HCI_LINK, BH_ENOTSUP,
	  { "no interface in the file carries HCI packets", "251 (BLUETOOTH_LE_LL)",
	    "256 (BLUETOOTH_LE_LL_WITH_PHDR)" } },
	{ "pcap-le-ll", ".pcap", pcap_le_ll, BH_ENOTSUP, BH_TRACE_P_NONE, BH_ENOTSUP,
	  { "link type 256 (BLUETOOTH_LE_LL_WITH_PHDR)", "sniffer" } },
	{ "bad-h4-type", ".btsnoop", btsnoop_bad_types, BH_OK, BH_TRACE_P_NO_HCI, BH_EMALFORMED,
	  { "of 3 btsnoop records", "3 records: H4 packet type byte is not 0x01-0x05",
	    "first: record 1 at byte 16" } },
	{ "zero-length", ".btsnoop", btsnoop_zero_length, BH_OK, BH_TRACE_P_NO_HCI, BH_EMALFORMED,
	  { "no record in the file is a usable HCI packet", "2 records: record holds no bytes",
	    "record 1 at byte 16" } },
	{ "zero-length-1001", ".btsnoop", btsnoop1001_zero_length, BH_OK, BH_TRACE_P_NO_HCI,
	  BH_EMALFORMED, { "1 record: record holds no bytes" } },
	{ "snaplen-0", ".pcap", pcap_snaplen0, BH_OK, BH_TRACE_P_NO_HCI, BH_EMALFORMED,
	  { "2 records: record cut short by the capture's snap length (first: record 1 at byte 24)",
	    "snap length 0" } },
	{ "cut-by-snaplen", ".pcap", pcap_cut, BH_OK, BH_TRACE_P_NO_HCI, BH_EMALFORMED,
	  { "1 record: record cut short" } },
	{ "pklg-notes", ".pklg", pklg_notes_only, BH_OK, BH_TRACE_P_NO_HCI, BH_EMALFORMED,
	  { "1 record: frame carries no HCI packet", "1 record: record holds no bytes" } },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void case_path(const struct bad_case *c, char *path, size_t len)
{
	snprintf(path, len, "/tmp/bh-bad-trace-%d-%s%s", (int)getpid(), c->name, c->ext);
}

static void check_says(const struct bad_case *c, const char *text)
{
	for (int k = 0; k < 3 && c->says[k]; k++)
		if (!strstr(text, c->says[k]))
			fail_msg("%s: \"%s\" not in: %s", c->name, c->says[k], text);
}

static void test_reader_verdicts(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct bad_case *c = &cases[i];
		struct buf b = { 0 };
		c->build(&b);
		struct bh_trace_reader *r = NULL;
		char err[256] = "";
		enum bh_trace_format fmt = !strcmp(c->ext, ".pklg") ? BH_TRACE_PKLG : BH_TRACE_AUTO;
		int rc = bh_trace_open_mem(b.b, b.n, fmt, &r, err, sizeof(err));
		if (rc != c->open_rc)
			fail_msg("%s: open gave %d (%s), want %d", c->name, rc, err, c->open_rc);
		if (rc) {
			assert_null(r);
			check_says(c, err);
			continue;
		}
		struct bh_trace_rec rec;
		while ((rc = bh_trace_next(r, &rec)) == 1)
			fail_msg("%s: record %lu returned", c->name, rec.index);
		/* only a file that is not a trace at all ends in an error */
		assert_int_equal(rc, c->verdict == BH_TRACE_P_UNKNOWN_FORMAT ? BH_EMALFORMED : 0);
		char msg[512];
		enum bh_trace_problem p = bh_trace_verdict(r, msg, sizeof(msg));
		if (p != c->verdict)
			fail_msg("%s: verdict %s, want %s (%s)", c->name, bh_trace_strerror(p),
				 bh_trace_strerror(c->verdict), msg);
		check_says(c, msg);
		bh_trace_close_read(r);
	}
	/* every problem has its own text */
	for (int p = 0; p < BH_TRACE_P_COUNT_; p++)
		for (int q = 0; q < p; q++)
			assert_string_not_equal(bh_trace_strerror((enum bh_trace_problem)p),
						bh_trace_strerror((enum bh_trace_problem)q));
	assert_string_equal(bh_trace_strerror(BH_TRACE_P_COUNT_), "unknown trace problem");
	assert_int_equal(bh_trace_verdict(NULL, NULL, 0), BH_TRACE_P_MALFORMED);
}

static void test_replay_refuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct bad_case *c = &cases[i];
		struct buf b = { 0 };
		c->build(&b);
		char path[128], spec[160], err[512] = "";
		case_path(c, path, sizeof(path));
		assert_int_equal(buf_write(&b, path), 0);
		snprintf(spec, sizeof(spec), "replay:%s", path);
		struct bh_transport *t = NULL;
		int rc = bh_transport_open(spec, &t, err, sizeof(err));
		if (rc != c->replay_rc)
			fail_msg("%s: replay open gave %d (%s), want %d", c->name, rc, err,
				 c->replay_rc);
		assert_null(t);
		check_says(c, err);
		assert_non_null(strstr(err, path)); /* names the file */
		unlink(path);
	}
}

/* Runs blehost with stderr to a file; returns the exit status (-1 on a
 * signal) and the output in out. */
static int run_cli(const char *spec, char *out, size_t outlen)
{
	char errpath[96];
	snprintf(errpath, sizeof(errpath), "/tmp/bh-bad-trace-%d.err", (int)getpid());
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = freopen(errpath, "w", stderr);
		if (!f || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execl(g_blehost, g_blehost, "-t", spec, "info", (char *)NULL);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	FILE *f = fopen(errpath, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, outlen - 1, f);
	out[n] = 0;
	fclose(f);
	unlink(errpath);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli_refuses(void **state)
{
	(void)state;
	if (!g_blehost)
		skip();
	for (size_t i = 0; i < NCASES; i++) {
		const struct bad_case *c = &cases[i];
		struct buf b = { 0 };
		c->build(&b);
		char path[128], spec[160], out[4096];
		case_path(c, path, sizeof(path));
		assert_int_equal(buf_write(&b, path), 0);
		snprintf(spec, sizeof(spec), "replay:%s", path);
		int st = run_cli(spec, out, sizeof(out));
		if (st <= 0)
			fail_msg("%s: blehost exited %d: %s", c->name, st, out);
		check_says(c, out);
		if (strstr(out, "bring-up") || strstr(out, "timed out") || strstr(out, "mismatch"))
			fail_msg("%s: blehost started the controller: %s", c->name, out);
		unlink(path);
	}
}

/* ---- bad records among good ones ----------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The recorded bring-up with, after its second record, one record whose H4
 * type byte is 0x09 and, from the third good record on, a clock 5 s behind. */
static void spliced_bringup(const char *out_path, size_t *bad_off)
{
	size_t len = 0;
	uint8_t *g = file_slurp(BH_PCAP_DIR "/bringup-central.btsnoop", &len);
	assert_non_null(g);
	size_t second_end = 16;
	for (int k = 0; k < 2; k++)
		second_end += 24 + be32(g + second_end + 4);
	FILE *f = fopen(out_path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(g, 1, second_end, f), second_end);
	struct buf bad = { .be = true };
	uint8_t junk[sizeof(cc)];
	memcpy(junk, cc, sizeof(cc));
	junk[0] = 0x09;
	btsnoop_rec(&bad, sizeof(junk), junk, sizeof(junk), 1, 0); /* skipped: time unused */
	assert_int_equal(fwrite(bad.b, 1, bad.n, f), bad.n);
	*bad_off = second_end;
	/* the rest, each timestamp 5 s earlier than recorded */
	for (size_t o = second_end; o < len;) {
		uint32_t incl = be32(g + o + 4);
		uint64_t t = (uint64_t)be32(g + o + 16) << 32 | be32(g + o + 20);
		t -= 5000000;
		for (int k = 0; k < 8; k++)
			g[o + 16 + k] = (uint8_t)(t >> (56 - 8 * k));
		o += 24 + incl;
	}
	assert_int_equal(fwrite(g + second_end, 1, len - second_end, f), len - second_end);
	fclose(f);
	free(g);
}

static void test_bad_records_among_good(void **state)
{
	(void)state;
	char path[96], msg[512];
	snprintf(path, sizeof(path), "/tmp/bh-bad-trace-%d-spliced.btsnoop", (int)getpid());
	size_t bad_off;
	spliced_bringup(path, &bad_off);
	char want_bad[96];
	snprintf(want_bad, sizeof(want_bad),
		 "1 record: H4 packet type byte is not 0x01-0x05 (first: record 3 at byte %zu)",
		 bad_off);
	/* the reader: the bad record skipped, the step back counted, both said */
	struct bh_trace_reader *r;
	assert_int_equal(bh_trace_open_read(path, &r, msg, sizeof(msg)), BH_OK);
	struct bh_trace_rec rec;
	unsigned long n = 0;
	while (bh_trace_next(r, &rec) == 1) {
		assert_int_not_equal(rec.index, 3);
		n++;
	}
	assert_int_equal(bh_trace_problem_count(r, BH_TRACE_P_BAD_TYPE), 1);
	assert_int_equal(bh_trace_problem_count(r, BH_TRACE_P_TIME_BACK), 1);
	assert_int_equal(bh_trace_skipped(r), 1);
	assert_int_equal(bh_trace_verdict(r, msg, sizeof(msg)), BH_TRACE_P_NONE);
	assert_non_null(strstr(msg, want_bad));
	assert_non_null(strstr(msg, "1 record: timestamp earlier than the record before (first: record 4"));
	bh_trace_close_read(r);
	assert_true(n > 10);
	/* the CLI: the whole bring-up replays, the skipped record is named */
	if (g_blehost) {
		char spec[128], out[8192];
		snprintf(spec, sizeof(spec), "replay:%s", path);
		int st = run_cli(spec, out, sizeof(out));
		if (st != 0)
			fail_msg("blehost exited %d: %s", st, out);
		if (!strstr(out, want_bad) || !strstr(out, "timestamp earlier"))
			fail_msg("warning missing: %s", out);
	}
	unlink(path);
}

int main(int argc, char **argv)
{
	g_blehost = argc > 1 ? argv[1] : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_verdicts),
		cmocka_unit_test(test_replay_refuses),
		cmocka_unit_test(test_cli_refuses),
		cmocka_unit_test(test_bad_records_among_good),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
