/* The Realtek and Broadcom drivers (Intel: test_chipset_usb_intel.c), and
 * the USB listing, against a fake USB controller that behaves like the
 * chip (fake_chip.c), through the real USB transport and the libusb seam:
 * ROM version answers, download acknowledgements, the reset and changed
 * version after a download, and the failures (wrong ROM version, truncated
 * firmware, a download command that is never answered, a refused record,
 * the device re-enumerating, missing files). Virtual time: the driver's
 * waits and timeouts advance a clock, nothing sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_build.h"
#include "usb_rig.h"

/* ---- Realtek ------------------------------------------------------------ */

#define RTL_VERSION 0x0a0b1234u

static uint8_t fw[70000], patch0[300], patch1[40000], config[40];

/* An RTL8761B epatch v1 with patches for ROM versions 0 and 1 (chip ids 1
 * and 2), and a config file. */
static size_t rtl_files(uint16_t patch1_len, bool with_config)
{
	fw_fill(patch0, sizeof(patch0), 10);
	fw_fill(patch1, sizeof(patch1), 11);
	fw_fill(config, sizeof(config), 12);
	struct fw_v1_patch ps[] = { { 1, patch0, sizeof(patch0) }, { 2, patch1, patch1_len } };
	size_t n = fw_build_epatch_v1(fw, sizeof(fw), RTL_VERSION, 14, ps, 2);
	assert_true(n > 0);
	add_file("rtl_bt/rtl8761bu_fw.bin", fw, n);
	if (with_config)
		add_file("rtl_bt/rtl8761bu_config.bin", config, sizeof(config));
	R.chip.patched_version = RTL_VERSION;
	return n;
}

static void realtek_v1_patched(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	rtl_files(1000, true);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_int_equal(r->vendor, BH_CHIPSET_REALTEK);
	assert_string_equal(r->chip, "RTL8761B");
	assert_int_equal(r->rom_version, 1);
	assert_int_equal(r->lmp_subversion, 0x8761);
	assert_int_equal(r->lmp_subversion_after, 0x1234);
	assert_int_equal(r->hci_revision_after, 0x0a0b);
	assert_string_equal(r->firmware, "/fw/rtl_bt/rtl8761bu_fw.bin");
	assert_string_equal(r->config, "/fw/rtl_bt/rtl8761bu_config.bin");
	/* the chip got the ROM-1 patch with the version in its last four
	 * bytes, then the config, in 1040 / 252 + 1 = 5 fragments */
	assert_int_equal(R.chip.dl_len, 1040);
	assert_memory_equal(R.chip.dl, patch1, 996);
	const uint8_t v[4] = { 0x34, 0x12, 0x0b, 0x0a };
	assert_memory_equal(R.chip.dl + 996, v, 4);
	assert_memory_equal(R.chip.dl + 1000, config, 40);
	assert_int_equal(R.chip.fragments, 5);
	assert_int_equal(r->commands, 5);
	assert_false(R.chip.bad_index);
	assert_true(R.chip.patched);
	assert_non_null(strstr(r->message, "patched"));

	/* warm start: the controller already runs the patch */
	int frags = R.chip.fragments;
	r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
	assert_int_equal(R.chip.fragments, frags);
	rig_close();
}

static void realtek_v2_large_wraps_index(void **state)
{
	(void)state;
	rig_open(0x0bda, 0x8771, FAKE_REALTEK, NULL);
	fw_fill(patch1, sizeof(patch1), 20);
	/* 40000 bytes in two prioritised subsections: 159 fragments, so the
	 * index runs 0..0x7f, then wraps to 1 */
	struct fw_v2_subsec ss[] = {
		{ 1, 2, 7, 0, patch1 + 30000, 10000 },
		{ 1, 1, 7, 0, patch0, 300 }, /* ROM 0's, not ours */
		{ 1, 2, 1, 0, patch1, 30000 },
	};
	size_t n = fw_build_epatch_v2(fw, sizeof(fw), RTL_VERSION, 14, ss, 3);
	add_file("rtl_bt/rtl8761bu_fw.bin", fw, n);
	R.chip.patched_version = RTL_VERSION;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_int_equal(R.chip.dl_len, 40000);
	assert_memory_equal(R.chip.dl, patch1, 40000);
	assert_int_equal(R.chip.fragments, 40000 / 252 + 1);
	assert_false(R.chip.bad_index);
	assert_string_equal(r->config, ""); /* no config file: the patch alone */
	rig_close();
}

static void realtek_no_firmware(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK); /* the ROM still runs LE */
	assert_int_equal(r->outcome, BH_CHIPSET_NO_FIRMWARE);
	assert_non_null(strstr(r->message, "rtl_bt/rtl8761bu_fw.bin"));
	assert_non_null(strstr(r->message, "firmware-realtek"));
	assert_non_null(strstr(r->message, "may still work"));
	assert_int_equal(R.chip.fragments, 0);
	assert_false(R.chip.patched);
	rig_close();
}

static void realtek_wrong_rom_version(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	rtl_files(1000, true);
	R.chip.rom_version = 5; /* the file has patches for ROM 0 and 1 only */
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_ENOTFOUND);
	assert_int_equal(r->outcome, BH_CHIPSET_FAILED);
	assert_non_null(strstr(r->message, "no patch for this ROM version"));
	assert_non_null(strstr(r->message, "ROM version 5"));
	assert_int_equal(R.chip.fragments, 0);
	rig_close();
}

static void realtek_truncated_firmware(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	size_t n = rtl_files(1000, true);
	R.files[0].len = n - 100;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_EMALFORMED);
	assert_non_null(strstr(r->message, "truncated"));
	assert_int_equal(R.chip.fragments, 0); /* nothing half-sent */
	rig_close();
}

static void realtek_download_timeout(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	rtl_files(1000, true);
	R.chip.mute_at_cmd = 5; /* version, ROM version, two fragments, then silence */
	bh_time_ms t0 = R.now;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	assert_non_null(strstr(r->message, "0xfc20"));
	assert_int_equal(R.now, t0 + 1000);
	assert_int_equal(R.chip.fragments, 2); /* the third was never answered */
	rig_close();
}

static void realtek_fragment_refused(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	rtl_files(1000, true);
	R.chip.refuse_at_fragment = 2;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_HCI_STATUS(0x1f));
	assert_int_equal(r->outcome, BH_CHIPSET_FAILED);
	assert_int_equal(R.chip.fragments, 2);
	rig_close();
}

static void realtek_reenumerates(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	rtl_files(1000, true);
	R.chip.unplug_after_reset_on_patch = true;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_ETRANSPORT);
	assert_non_null(strstr(r->message, "re-enumerated"));
	rig_close();
}

static void realtek_by_manufacturer_and_unknown_chip(void **state)
{
	(void)state;
	/* an ID the table does not know: Read Local Version names Realtek */
	rig_open(0x1234, 0x5678, FAKE_REALTEK, NULL);
	rtl_files(1000, true);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(r->vendor, BH_CHIPSET_REALTEK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	rig_close();

	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	R.chip.hci_rev = 0x0099;
	r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_UNKNOWN_CHIP);
	assert_int_equal(R.loads, 0);
	rig_close();

	/* driver "none" sends nothing at all */
	rig_open(0x2357, 0x0604, FAKE_REALTEK, "none");
	r = rig_run();
	assert_int_equal(r->outcome, BH_CHIPSET_NOTHING_TO_DO);
	assert_int_equal(R.chip.ncmds, 0);
	rig_close();

	/* an unknown forced driver is a clear error */
	rig_open(0x2357, 0x0604, FAKE_REALTEK, "qualcomm");
	r = rig_run();
	assert_int_equal(R.result, BH_EINVAL);
	assert_non_null(strstr(r->message, "qualcomm"));
	rig_close();
}

static void version_timeout_and_plain_controller(void **state)
{
	(void)state;
	rig_open(0x2357, 0x0604, FAKE_REALTEK, NULL);
	R.chip.mute_at_cmd = 1;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	assert_non_null(strstr(r->message, "0x1001"));
	rig_close();

	/* a Zephyr nRF dongle: nothing to download, no public address */
	rig_open(0x2fe3, 0x000b, FAKE_PLAIN, NULL);
	r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_NOTHING_TO_DO);
	assert_true(r->quirks & BH_QUIRK_NO_PUBLIC_ADDRESS);
	assert_int_equal(R.chip.ncmds, 1);
	rig_close();
}

/* ---- Broadcom ----------------------------------------------------------- */

static uint8_t rec[4][240];

static size_t bcm_file(void)
{
	struct fw_hcd_rec rs[5];
	for (int i = 0; i < 4; i++) {
		fw_fill(rec[i], sizeof(rec[i]), 30u + (uint32_t)i);
		rs[i] = (struct fw_hcd_rec){ 0xfc4c, rec[i], 240 };
	}
	static const uint8_t launch[4] = { 0xff, 0xff, 0xff, 0xff };
	rs[4] = (struct fw_hcd_rec){ 0xfc4e, launch, 4 };
	return fw_build_hcd(fw, sizeof(fw), rs, 5);
}

static void broadcom_patched(void **state)
{
	(void)state;
	rig_open(0x0a5c, 0x21e8, FAKE_BROADCOM, NULL);
	size_t n = bcm_file();
	add_file("brcm/BCM20702A1-0a5c-21e8.hcd", fw, n);
	R.chip.patched_version = 0x1234;
	bh_time_ms t0 = R.now;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_string_equal(r->chip, "BCM20702A1");
	assert_string_equal(r->firmware, "/fw/brcm/BCM20702A1-0a5c-21e8.hcd");
	assert_int_equal(R.chip.records, 5);
	assert_true(R.chip.launched);
	assert_int_equal(R.chip.dl_len, 4 * 240 + 4);
	assert_memory_equal(R.chip.dl + 240, rec[1], 240);
	assert_int_equal(r->hci_revision_after, 0x1234);
	/* 50 ms after the minidriver, 250 ms for the new firmware to start */
	assert_true(R.now >= t0 + 300);
	rig_close();
}

/* A port that does not say where it found the file, or fills the whole
 * buffer: the report's firmware is empty, or cut to the buffer. */
static void broadcom_port_path(void **state)
{
	(void)state;
	for (int mode = 1; mode <= 2; mode++) {
		rig_open(0x0a5c, 0x21e8, FAKE_BROADCOM, NULL);
		R.path_mode = mode;
		add_file("brcm/BCM20702A1.hcd", fw, bcm_file());
		const struct bh_chipset_report *r = rig_run();
		assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
		if (mode == 1) {
			assert_string_equal(r->firmware, "");
		} else {
			assert_int_equal(strlen(r->firmware), sizeof(r->firmware) - 1);
			assert_int_equal(strspn(r->firmware, "x"), sizeof(r->firmware) - 1);
		}
		rig_close();
	}
}

static void broadcom_generic_name_and_missing(void **state)
{
	(void)state;
	rig_open(0x0a5c, 0x21e8, FAKE_BROADCOM, NULL);
	size_t n = bcm_file();
	add_file("brcm/BCM20702A1.hcd", fw, n);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_string_equal(r->firmware, "/fw/brcm/BCM20702A1.hcd");
	rig_close();

	rig_open(0x0a5c, 0x21e8, FAKE_BROADCOM, NULL);
	r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_NO_FIRMWARE);
	assert_non_null(strstr(r->message, "brcm/BCM20702A1-0a5c-21e8.hcd"));
	assert_non_null(strstr(r->message, "broadcom-bt-firmware"));
	assert_int_equal(R.chip.ncmds, 1);
	rig_close();
}

static void broadcom_malformed_and_refused(void **state)
{
	(void)state;
	rig_open(0x0a5c, 0x21e8, FAKE_BROADCOM, NULL);
	size_t n = bcm_file();
	fw[3 + 240] = 0x03; /* record 2 becomes HCI Reset (0x0c03) */
	fw[3 + 240 + 1] = 0x0c;
	add_file("brcm/BCM20702A1.hcd", fw, n);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_EMALFORMED);
	assert_non_null(strstr(r->message, "record 2"));
	assert_false(R.chip.in_minidriver); /* nothing sent */
	assert_int_equal(R.chip.records, 0);
	rig_close();

	rig_open(0x0a5c, 0x21e8, FAKE_BROADCOM, NULL);
	n = bcm_file();
	add_file("brcm/BCM20702A1.hcd", fw, n - 2); /* cut inside the last record */
	r = rig_run();
	assert_int_equal(R.result, BH_EMALFORMED);
	rig_close();

	rig_open(0x0a5c, 0x21e8, FAKE_BROADCOM, NULL);
	n = bcm_file();
	add_file("brcm/BCM20702A1.hcd", fw, n);
	R.chip.refuse_at_fragment = 3;
	r = rig_run();
	assert_int_equal(R.result, BH_HCI_STATUS(0x1f));
	assert_int_equal(R.chip.records, 3);
	assert_false(R.chip.launched);
	rig_close();
}

/* ---- Intel -------------------------------------------------------------- */

static void usb_list_reads_ids_path_and_strings(void **state)
{
	(void)state;
	struct fake_chip chip;
	fake_chip_init(&chip, FAKE_REALTEK);
	fake_usb_setup(0x2357, 0x0604, &chip);
	struct bh_usb_device d[2];
	char err[128];
	assert_int_equal(bh_usb_list_ops(&fake_usb_ops, d, 2, err, sizeof(err)), 1);
	assert_int_equal(d[0].vid, 0x2357);
	assert_int_equal(d[0].pid, 0x0604);
	assert_string_equal(d[0].path, "1-4");
	assert_string_equal(d[0].manufacturer, "Realtek");
	assert_string_equal(d[0].product, "Bluetooth Radio");
	assert_string_equal(d[0].serial, "00E0?4C");
	assert_true(d[0].bluetooth_class);
	assert_true(d[0].opened);
	assert_true(d[0].unique_id);
	assert_int_equal(chip.ncmds, 0); /* listing never talks HCI */
	/* a device gone (re-enumerating) is simply not listed */
	chip.unplugged = true;
	assert_int_equal(bh_usb_list_ops(&fake_usb_ops, d, 2, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(realtek_v1_patched),
		cmocka_unit_test(realtek_v2_large_wraps_index),
		cmocka_unit_test(realtek_no_firmware),
		cmocka_unit_test(realtek_wrong_rom_version),
		cmocka_unit_test(realtek_truncated_firmware),
		cmocka_unit_test(realtek_download_timeout),
		cmocka_unit_test(realtek_fragment_refused),
		cmocka_unit_test(realtek_reenumerates),
		cmocka_unit_test(realtek_by_manufacturer_and_unknown_chip),
		cmocka_unit_test(version_timeout_and_plain_controller),
		cmocka_unit_test(broadcom_patched),
		cmocka_unit_test(broadcom_port_path),
		cmocka_unit_test(broadcom_generic_name_and_missing),
		cmocka_unit_test(broadcom_malformed_and_refused),
		cmocka_unit_test(usb_list_reads_ids_path_and_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
