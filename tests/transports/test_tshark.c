/* Cross-checks against tshark: traces we write decode with no malformed
 * packet, and our reader counts the same frames as tshark in every public
 * HCI trace. Exit 77 (skip) only when tshark is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <blehost/transport.h>

#ifndef BH_TRACES_DIR
#define BH_TRACES_DIR "/nonexistent"
#endif

/* Output lines of a shell command (stderr dropped), or -1. */
static long count_lines(const char *cmd, char *first, size_t flen)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	long n = 0;
	char line[4096];
	while (fgets(line, sizeof(line), p)) {
		if (n == 0 && first)
			snprintf(first, flen, "%s", line);
		n++;
	}
	int st = pclose(p);
	return st == 0 ? n : -1;
}

/* Realistic traffic: Reset, its Command Complete, LE Connection Complete,
 * an ATT Exchange MTU request out and its response in, Number Of Completed
 * Packets, Disconnect and its Command Status. */
static const struct {
	enum bh_trace_dir dir;
	uint8_t type;
	uint8_t len;
	uint8_t d[40];
} traffic[] = {
	{ BH_TRACE_SENT, 1, 3, { 0x03, 0x0c, 0x00 } },
	{ BH_TRACE_RECEIVED, 4, 6, { 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 } },
	{ BH_TRACE_RECEIVED, 4, 21, { 0x3e, 0x13, 0x01, 0x00, 0x40, 0x00, 0x00, 0x01, 0x11, 0x22, 0x33,
				      0x44, 0x55, 0x66, 0x18, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00 } },
	{ BH_TRACE_SENT, 2, 11, { 0x40, 0x00, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x02, 0xf7, 0x00 } },
	{ BH_TRACE_RECEIVED, 4, 7, { 0x13, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00 } },
	{ BH_TRACE_RECEIVED, 2, 11, { 0x40, 0x20, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x03, 0x17, 0x00 } },
	{ BH_TRACE_SENT, 1, 6, { 0x06, 0x04, 0x03, 0x40, 0x00, 0x13 } },
	{ BH_TRACE_RECEIVED, 4, 6, { 0x0f, 0x04, 0x00, 0x01, 0x06, 0x04 } },
};
#define NTRAFFIC (sizeof(traffic) / sizeof(traffic[0]))

static void check_written(const char *ext)
{
	char path[128], cmd[400], first[4096] = "";
	snprintf(path, sizeof(path), "/tmp/bh-tshark-%d%s", (int)getpid(), ext);
	struct bh_trace_writer *w;
	char err[256];
	assert_int_equal(bh_trace_open_write(path, &w, err, sizeof(err)), BH_OK);
	for (size_t i = 0; i < NTRAFFIC; i++)
		assert_int_equal(bh_trace_write(w, traffic[i].dir, traffic[i].type, traffic[i].d,
						traffic[i].len, 1700000000000000ULL + i * 1000),
				 BH_OK);
	assert_int_equal(bh_trace_close_write(w), BH_OK);

	snprintf(cmd, sizeof(cmd), "tshark -r '%s' 2>/dev/null", path);
	assert_int_equal(count_lines(cmd, NULL, 0), NTRAFFIC);
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y _ws.malformed 2>/dev/null", path);
	long bad = count_lines(cmd, first, sizeof(first));
	if (bad != 0)
		fail_msg("%s: %ld malformed packets: %s", path, bad, first);
	/* the decode names what we wrote, in the right direction */
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -V 2>/dev/null | grep -E 'Command Opcode: Reset|LE Connection "
		 "Complete|Exchange MTU Request|Exchange MTU Response|Sent|Rcvd'",
		 path);
	long hits = count_lines(cmd, NULL, 0);
	assert_true(hits >= 5);
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -T fields -e hci_h4.direction 2>/dev/null | sort | uniq -c", path);
	assert_int_equal(count_lines(cmd, NULL, 0), 2); /* both directions seen */
	unlink(path);
}

static void test_written_btsnoop_not_malformed(void **state)
{
	(void)state;
	check_written(".btsnoop");
}

static void test_written_pcap_not_malformed(void **state)
{
	(void)state;
	check_written(".pcap");
}

static void test_public_counts_match_tshark(void **state)
{
	(void)state;
	static const char *files[] = {
		"btstack_sm_pairing.pklg", "yeelock_lock_btsnoop_hci.log",
		"horizon74_treadmill_btsnoop_hci.log", "revcar_btsnoop_hci.log",
		"blefun_btsnoop_hci.log", "bluetooth_mouse_btsnoop_hci.log",
		"airbily_smartwatch_hci.pcapng", "bumble_hci_data_001.pcap",
	};
	char path[512], cmd[700], err[256];
	snprintf(path, sizeof(path), "%s/%s", BH_TRACES_DIR, files[0]);
	if (access(path, R_OK) != 0)
		skip();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", BH_TRACES_DIR, files[i]);
		snprintf(cmd, sizeof(cmd), "tshark -r '%s' 2>/dev/null", path);
		long want = count_lines(cmd, NULL, 0);
		assert_true(want > 0);
		/* frames tshark decodes as HCI (the rest are PacketLogger notes) */
		snprintf(cmd, sizeof(cmd),
			 "tshark -r '%s' -Y 'bthci_cmd || bthci_evt || bthci_acl || bthci_sco || "
			 "bthci_iso' 2>/dev/null",
			 path);
		long want_hci = count_lines(cmd, NULL, 0);
		struct bh_trace_reader *r;
		assert_int_equal(bh_trace_open_read(path, &r, err, sizeof(err)), BH_OK);
		struct bh_trace_rec rec;
		long n = 0;
		int rc;
		while ((rc = bh_trace_next(r, &rec)) == 1)
			n++;
		assert_int_equal(rc, 0);
		if (n + (long)bh_trace_skipped(r) != want || n != want_hci)
			fail_msg("%s: reader %ld + %lu skipped, tshark %ld frames, %ld HCI", files[i], n,
				 bh_trace_skipped(r), want, want_hci);
		bh_trace_close_read(r);
	}
}

int main(void)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("tshark not installed: skipping\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_btsnoop_not_malformed),
		cmocka_unit_test(test_written_pcap_not_malformed),
		cmocka_unit_test(test_public_counts_match_tshark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
