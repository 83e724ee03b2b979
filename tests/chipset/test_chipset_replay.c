/* Recorded vendor bring-up, replayed. `record VENDOR FILE` runs the whole
 * host (unix H4 transport) against tests/faults' fake controller with a
 * vendor chip model (fake_chip.c) answering until it is patched, and writes
 * the trace; `replay VENDOR FILE` replays that trace in virtual time and
 * checks that the host sends exactly what was recorded (every download
 * fragment, byte for byte) and ends patched. The firmware files are built
 * afresh in the documented formats into a temporary
 * $BLEHOST_FIRMWARE_PATH, identically each run. The traces in tests/pcap/
 * were recorded this way: from the fake, not from hardware. */
#include <blehost/blehost.h>

#include "fake_chip.h"
#include "fw_build.h"
#include "../faults/fake_ctrl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void put(const char *name, const uint8_t *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(2);
	}
	fclose(f);
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* The firmware a driver reads: an RTL8761B (UART: no USB ID here) epatch v1 (patches for ROM
 * versions 0 and 1) with its config, a BCM20702A1 .hcd, an 8265's or an
 * AX210's (vendor "intel-tlv") .sfi and .ddc, a 7260's .bseq ("intel-rom"). */
static void make_firmware(const char *vendor)
{
	bool realtek = !strcmp(vendor, "realtek"), intel = !strncmp(vendor, "intel", 5);
	snprintf(dir, sizeof(dir), "/tmp/bh-fw-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	atexit(cleanup);
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/%s", dir, realtek ? "rtl_bt" : intel ? "intel" : "brcm");
	mkdir(sub, 0700);
	static uint8_t fw[8192], p0[200], p1[700], cfg[30];
	if (realtek) {
		fw_fill(p0, sizeof(p0), 1);
		fw_fill(p1, sizeof(p1), 2);
		fw_fill(cfg, sizeof(cfg), 3);
		struct fw_v1_patch ps[] = { { 1, p0, sizeof(p0) }, { 2, p1, sizeof(p1) } };
		put("rtl_bt/rtl8761b_fw.bin", fw,
		    fw_build_epatch_v1(fw, sizeof(fw), 0x0a0b1234, 14, ps, 2));
		put("rtl_bt/rtl8761b_config.bin", cfg, sizeof(cfg));
	} else if (!strcmp(vendor, "intel-rom")) {
		put("intel/ibt-hw-37.7.10-fw-1.80.2.3.d.bseq", fw,
		    fw_build_bseq(fw, sizeof(fw), 6, 60, true));
	} else if (!strcmp(vendor, "intel-tlv")) {
		put("intel/ibt-0041-0041.sfi", fw,
		    fw_build_sfi_tlv(fw, sizeof(fw), 41, 12, 30, 0x00040800));
		put("intel/ibt-0041-0041.ddc", cfg, fw_build_ddc(cfg, sizeof(cfg), 3));
	} else if (intel) {
		put("intel/ibt-12-16.sfi", fw, fw_build_sfi(fw, sizeof(fw), 40, 12, 30, 0x00040800));
		put("intel/ibt-12-16.ddc", cfg, fw_build_ddc(cfg, sizeof(cfg), 3));
	} else {
		static const uint8_t launch[4] = { 0xff, 0xff, 0xff, 0xff };
		fw_fill(p1, 3 * 200, 4);
		struct fw_hcd_rec rs[] = { { 0xfc4c, p1, 200 }, { 0xfc4c, p1 + 200, 200 },
					   { 0xfc4c, p1 + 400, 200 }, { 0xfc4e, launch, 4 } };
		put("brcm/BCM20702A1.hcd", fw, fw_build_hcd(fw, sizeof(fw), rs, 4));
	}
	setenv("BLEHOST_FIRMWARE_PATH", dir, 1);
}

struct chip_play {
	struct fake_chip chip;
	bool done;
};

static void emit(void *ctx, const uint8_t *evt, size_t len)
{
	fake_event(ctx, evt[0], evt + 2, (uint8_t)(len - 2));
}

/* The chip answers until it has been patched and read once more; the
 * standard init after that is the fake controller's. */
static bool hook(void *ctx, struct fake *f, uint16_t op, const uint8_t *p, size_t n)
{
	struct chip_play *cp = ctx;
	if (cp->done)
		return false;
	fake_chip_command(&cp->chip, op, p, n, emit, f);
	if (cp->chip.patched && op == 0x1001)
		cp->done = true;
	return true;
}

/* `blehost info` on the replayed bring-up: what it prints about it. */
static int cli(const char *vendor, const char *trace, const char *exe)
{
	bool tlv = !strcmp(vendor, "intel-tlv"), rom = !strcmp(vendor, "intel-rom");
	const char *want_text = !strcmp(vendor, "realtek")
					? "Chipset        realtek RTL8761B: patched"
				: !strcmp(vendor, "intel") ? "Chipset        intel Intel 8265: patched"
				: tlv ? "Chipset        intel Intel TyP (AX210): patched"
				: rom ? "Chipset        intel Intel 7260: patched"
				      : "Chipset        broadcom BCM20702A1: patched";
	const char *want_file = !strcmp(vendor, "realtek") ? "/rtl_bt/rtl8761b_fw.bin + "
				: !strcmp(vendor, "intel") ? "/intel/ibt-12-16.sfi + "
				: tlv ? "/intel/ibt-0041-0041.sfi + "
				: rom ? "/intel/ibt-hw-37.7.10-fw-1.80.2.3.d.bseq"
				      : "/brcm/BCM20702A1.hcd";
	int fails = 0;
	for (int json = 0; json < 2; json++) {
		char cmd[1024], out[8192] = "";
		snprintf(cmd, sizeof(cmd), "'%s' %s --store '%s/store' --seed 7 --chipset %s -t "
			 "replay:'%s' info 2>&1",
			 exe, json ? "--json" : "", dir, tlv || rom ? "intel" : vendor, trace);
		FILE *p = popen(cmd, "r");
		size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
		out[n] = 0;
		int st = p ? pclose(p) : -1;
		const char *w1 = json ? "\"outcome\":\"patched\"" : want_text;
		const char *w2 = json ? "\"download_commands\":" : want_file;
		/* the TLV fields, after the boot */
		const char *w3 = !tlv ? w1 : json ? "\"detail\":\"CNVi 0x00000410"
						: "Version        CNVi 0x00000410";
		/* Intel: the LMP subversion the loaded firmware reports */
		const char *w4 = strncmp(vendor, "intel", 5) ? w1
				 : json ? "\"lmp_subversion_before\":256,\"hci_revision_before\":256,"
					  "\"lmp_subversion_after\":9029"
					: "LMP subversion 0x0100 -> 0x2345";
		if (st != 0 || !strstr(out, w1) || !strstr(out, w2) || !strstr(out, w3) ||
		    !strstr(out, w4)) {
			fprintf(stderr, "%s\n-> exit %d, wanted \"%s\", \"%s\", \"%s\" in:\n%s\n",
				cmd, st, w1, w2, w4, out);
			fails++;
		} else {
			fputs(out, stdout);
		}
	}
	return fails ? 1 : 0;
}

/* Read BD_ADDR answers 00:00:00:00:00:00 (a Zephyr nRF controller). */
static bool zero_addr(void *ctx, struct fake *f, uint16_t op, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	if (op != 0x1009)
		return false;
	uint8_t cc[3 + 7] = { 1, 0x09, 0x10, 0 };
	fake_event(f, 0x0e, cc, sizeof(cc));
	return true;
}

/* The no-public-address quirk: the host takes its static random address
 * (LE Set Random Address, top bits 11) instead of advertising from 0. */
static int no_public_address(void)
{
	struct fake *f = fake_new();
	if (!f)
		return 2;
	fake_set_command_hook(f, zero_addr, NULL);
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.seeded = true;
	cfg.seed = 7;
	cfg.store_dir = "";
	cfg.transport = fake_transport(f);
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h || fake_accept(f, bh_host_loop(h)) || bh_host_start_sync(h, 3000)) {
		fprintf(stderr, "bring-up failed: %s\n", err);
		return 1;
	}
	bh_host_run_for(h, 50);
	uint8_t a[6];
	int n = fake_last_cmd(f, 0x2005, a, sizeof(a));
	int rc = n == 6 && (a[5] & 0xc0) == 0xc0 ? 0 : 1;
	if (rc)
		fprintf(stderr, "no LE Set Random Address with a static address (%d)\n", n);
	else
		printf("zero BD_ADDR: static random address %02X:%02X:%02X:%02X:%02X:%02X set\n", a[5],
		       a[4], a[3], a[2], a[1], a[0]);
	fake_free(f); /* first: it watches its socket in the host's loop */
	bh_host_free(h);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "no-public-address"))
		return no_public_address();
	if (argc == 5 && !strcmp(argv[1], "cli")) {
		make_firmware(argv[2]);
		return cli(argv[2], argv[3], argv[4]);
	}
	if (argc != 4 || (strcmp(argv[1], "record") && strcmp(argv[1], "replay")) ||
	    (strcmp(argv[2], "realtek") && strcmp(argv[2], "broadcom") && strcmp(argv[2], "intel") &&
	     strcmp(argv[2], "intel-tlv") && strcmp(argv[2], "intel-rom"))) {
		fprintf(stderr,
			"usage: %s record|replay realtek|broadcom|intel|intel-tlv|intel-rom FILE\n",
			argv[0]);
		return 2;
	}
	bool record = !strcmp(argv[1], "record");
	bool realtek = !strcmp(argv[2], "realtek");
	bool intel = !strcmp(argv[2], "intel"), tlv = !strcmp(argv[2], "intel-tlv");
	bool rom = !strcmp(argv[2], "intel-rom");
	make_firmware(argv[2]);

	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.seeded = true;
	cfg.seed = 7;
	cfg.store_dir = "";
	cfg.chipset = tlv || rom ? "intel" : argv[2];
	cfg.log_level = getenv("CHIPSET_TEST_LOG") ? BH_LOG_DEBUG : BH_LOG_WARN;
	struct fake *f = NULL;
	struct chip_play cp = { 0 };
	char spec[512];
	if (record) {
		f = fake_new();
		if (!f)
			return 2;
		fake_chip_init(&cp.chip, realtek ? FAKE_REALTEK
					 : intel ? FAKE_INTEL
					 : tlv ? FAKE_INTEL_TLV
					 : rom ? FAKE_INTEL_ROM : FAKE_BROADCOM);
		cp.chip.patched_version = realtek ? 0x0a0b1234 : 0x4321;
		cp.chip.lmp_sub_patched = 0x2345; /* Intel: what the firmware reports */
		cp.chip.tlv_sbe = 1; /* ECDSA */
		if (intel || tlv) {
			char path[256];
			snprintf(path, sizeof(path), "%s/intel/%s", dir,
				 tlv ? "ibt-0041-0041.sfi" : "ibt-12-16.sfi");
			struct stat st;
			stat(path, &st);
			cp.chip.expect_sfi_len = (uint32_t)st.st_size - (tlv ? 964 : 644);
		}
		fake_set_command_hook(f, hook, &cp);
		cfg.transport = fake_transport(f);
		cfg.trace_path = argv[3];
	} else {
		snprintf(spec, sizeof(spec), "replay:%s", argv[3]);
		cfg.transport = spec;
	}
	char err[256] = "";
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "bh_host_new: %s\n", err);
		return 1;
	}
	if (f && fake_accept(f, bh_host_loop(h))) {
		fprintf(stderr, "fake_accept failed\n");
		return 1;
	}
	int rc = bh_host_start_sync(h, 5000);
	const struct bh_chipset_report *r = bh_host_chipset(h);
	int fails = 0;
	if (rc || !r || r->outcome != BH_CHIPSET_PATCHED) {
		fprintf(stderr, "bring-up: %s; chipset %s: %s\n", bh_strerror(rc),
			r ? bh_chipset_outcome_str(r->outcome) : "not run", r ? r->message : "");
		fails++;
	} else {
		printf("%s: %s (%zu bytes, %u vendor commands)\n", argv[2], r->message,
		       r->download_bytes, r->commands);
	}
	if (!record) {
		for (int i = 0; i < 500 && !bh_host_replay_done(h); i++)
			bh_host_run_for(h, 10);
		char report[1024] = "";
		if (bh_host_replay_result(h, report, sizeof(report)) != BH_OK) {
			fprintf(stderr, "replay: %s\n", report);
			fails++;
		}
	} else {
		bh_host_run_for(h, 50);
		if (!cp.done) {
			fprintf(stderr, "the chip model never finished\n");
			fails++;
		}
	}
	fake_free(f); /* first: it watches its socket in the host's loop */
	bh_host_free(h);
	return fails ? 1 : 0;
}
