/* The Intel drivers against a fake USB controller that behaves like the
 * chip (fake_chip.c), through the real USB transport and the libusb seam:
 * the legacy bootloader, TLV parts (AX2xx and later, one- and two-stage
 * loads), the same-version check and the 7260/7265 .bseq patches, with
 * their failures. Virtual time, as in test_chipset_usb.c. */
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

static uint8_t fw[70000];

#define BOOT_ADDR 0x00040800u

/* An 8265 in its bootloader (variant 12, device revision 16). */
static size_t intel_open(bool with_ddc, enum fake_kind kind)
{
	rig_open(0x8087, 0x0a2b, kind, NULL);
	size_t n = fw_build_sfi(fw, sizeof(fw), 40, 20, 30, BOOT_ADDR);
	assert_true(n > 644);
	add_file("intel/ibt-12-16.sfi", fw, n);
	if (with_ddc) {
		uint8_t ddc[64];
		add_file("intel/ibt-12-16.ddc", ddc, fw_build_ddc(ddc, sizeof(ddc), 3));
	}
	R.chip.expect_sfi_len = (uint32_t)(n - 644);
	return n;
}

static void intel_bootloader_patched(void **state)
{
	(void)state;
	size_t n = intel_open(true, FAKE_INTEL);
	R.chip.lmp_sub_patched = 0x1f2e;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_int_equal(r->vendor, BH_CHIPSET_INTEL);
	assert_string_equal(r->chip, "Intel 8265");
	assert_int_equal(r->lmp_subversion_after, 0x1f2e);
	assert_int_equal(r->firmware_version, 0x45); /* build number, legacy answer */
	assert_string_equal(r->firmware, "/fw/intel/ibt-12-16.sfi");
	assert_string_equal(r->config, "/fw/intel/ibt-12-16.ddc");
	/* header, key and signature in order, then every record, in groups
	 * of 4-byte multiples */
	assert_int_equal(R.chip.hdr_got[0], 128);
	assert_int_equal(R.chip.hdr_got[3], 256);
	assert_int_equal(R.chip.hdr_got[2], 256);
	assert_false(R.chip.bad_order);
	assert_int_equal(R.chip.dl_len, n - 644);
	assert_memory_equal(R.chip.dl, fw + 644, n - 644);
	assert_int_equal(R.chip.boot_addr, BOOT_ADDR);
	assert_int_equal(R.chip.ddc_records, 3);
	assert_non_null(strstr(r->message, "0x00040800"));
	/* warm start: operational firmware, nothing to load */
	int frags = R.chip.fragments;
	r = rig_run();
	assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
	assert_int_equal(R.chip.fragments, frags);
	rig_close();

	/* without DDC parameters it still comes up */
	intel_open(false, FAKE_INTEL);
	r = rig_run();
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_string_equal(r->config, "");
	rig_close();
}

static void intel_failures(void **state)
{
	(void)state;
	/* no firmware: a bootloader cannot run the standard init */
	rig_open(0x8087, 0x0a2b, FAKE_INTEL, NULL);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_ENOTFOUND);
	assert_non_null(strstr(r->message, "intel/ibt-12-16.sfi"));
	assert_non_null(strstr(r->message, "firmware-iwlwifi"));
	assert_non_null(strstr(r->message, "cannot run without it"));
	rig_close();

	/* the bootloader rejects the image */
	intel_open(true, FAKE_INTEL);
	R.chip.sfi_result = 0x01;
	r = rig_run();
	assert_int_equal(R.result, BH_EPROTO);
	assert_non_null(strstr(r->message, "rejected"));
	assert_int_equal(R.chip.boot_addr, 0); /* never reset */
	rig_close();

	/* the download result never comes */
	intel_open(true, FAKE_INTEL);
	R.chip.expect_sfi_len = 1;
	bh_time_ms t0 = R.now;
	r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	assert_non_null(strstr(r->message, "download result"));
	assert_true(R.now >= t0 + 5000);
	rig_close();

	/* the firmware never announces its boot */
	intel_open(true, FAKE_INTEL);
	R.chip.no_boot_event = true;
	r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	assert_non_null(strstr(r->message, "boot"));
	rig_close();

	/* a truncated file: nothing is sent */
	size_t n = intel_open(true, FAKE_INTEL);
	R.files[0].len = n - 5;
	r = rig_run();
	assert_int_equal(R.result, BH_EMALFORMED);
	assert_int_equal(R.chip.fragments, 0);
	rig_close();

	/* a refused fragment */
	intel_open(true, FAKE_INTEL);
	R.chip.refuse_at_fragment = 4;
	r = rig_run();
	assert_int_equal(R.result, BH_HCI_STATUS(0x1f));
	rig_close();
}

/* ---- Intel TLV parts (AX210/AX211) -------------------------------------- */

#define TLV_NAME "intel/ibt-0041-0041.sfi"

/* An AX210-like bootloader (variant 0x17, CNVi/CNVR 0x410) and its files. */
static size_t tlv_open(bool with_ddc, uint8_t sbe)
{
	rig_open(0x8087, 0x0032, FAKE_INTEL_TLV, NULL);
	R.chip.patched_version = 0x4321;
	R.chip.tlv_sbe = sbe;
	size_t n = fw_build_sfi_tlv(fw, sizeof(fw), 70, 25, 41, BOOT_ADDR);
	assert_true(n > 964);
	add_file(TLV_NAME, fw, n);
	if (with_ddc) {
		uint8_t ddc[64];
		add_file("intel/ibt-0041-0041.ddc", ddc, fw_build_ddc(ddc, sizeof(ddc), 4));
	}
	R.chip.expect_sfi_len = (uint32_t)(n - 964);
	return n;
}

static void intel_tlv_patched(void **state)
{
	(void)state;
	for (uint8_t sbe = 0; sbe <= 1; sbe++) {
		size_t n = tlv_open(true, sbe);
		R.chip.lmp_sub_patched = 0x2345;
		const struct bh_chipset_report *r = rig_run();
		assert_int_equal(R.result, BH_OK);
		assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
		assert_string_equal(r->chip, "Intel TyP (AX210)");
		/* Read Local Version after the boot: what `info` shows */
		assert_int_equal(r->lmp_subversion, 0x0100);
		assert_int_equal(r->lmp_subversion_after, 0x2345);
		assert_int_equal(r->hci_revision_after, 0x4321);
		assert_string_equal(r->firmware, "/fw/" TLV_NAME);
		assert_string_equal(r->config, "/fw/intel/ibt-0041-0041.ddc");
		/* RSA: CSS header, key and signature from offset 0 (128 + 256 +
		 * 256); ECDSA: from 644 (128 + 96 + 96); the bytes as in the file */
		assert_false(R.chip.bad_order);
		assert_int_equal(R.chip.hdr_dl_len, sbe ? 320 : 640);
		if (sbe) {
			assert_memory_equal(R.chip.hdr_dl, fw + 644, 320);
		} else { /* the 4 bytes at 384 (the RSA exponent) are not sent */
			assert_memory_equal(R.chip.hdr_dl, fw, 384);
			assert_memory_equal(R.chip.hdr_dl + 384, fw + 388, 256);
		}
		assert_int_equal(R.chip.hdr_got[3], sbe ? 96 : 256);
		assert_int_equal(R.chip.hdr_got[2], sbe ? 96 : 256);
		/* every command record after both headers, in 4-byte groups */
		assert_int_equal(R.chip.dl_len, n - 964);
		assert_memory_equal(R.chip.dl, fw + 964, n - 964);
		assert_int_equal(R.chip.boot_addr, BOOT_ADDR);
		assert_int_equal(R.chip.ddc_records, 4);
		assert_non_null(strstr(r->message, sbe ? "ECDSA" : "RSA"));
		assert_non_null(strstr(r->message, "0x00040800"));
		/* the version after the boot, for `blehost info` */
		assert_non_null(strstr(r->detail, "CNVi 0x00000410"));
		assert_non_null(strstr(r->detail, "operational"));
		assert_int_equal(r->firmware_version, 0x12345);
		/* the OTP holds an address: no quirk */
		assert_int_equal(r->quirks & BH_QUIRK_NO_PUBLIC_ADDRESS, 0);
		/* warm start: operational firmware, nothing sent */
		int frags = R.chip.fragments;
		r = rig_run();
		assert_int_equal(R.result, BH_OK);
		assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
		assert_int_equal(R.chip.fragments, frags);
		/* the file was read to compare its version, nothing sent */
		assert_string_equal(r->firmware, "/fw/" TLV_NAME);
		assert_non_null(strstr(r->message, "already loaded"));
		rig_close();
	}

	/* without DDC parameters it still comes up */
	tlv_open(false, 1);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_string_equal(r->config, "");
	rig_close();
}

/* The bootloader's fields reach the report before anything is sent. */
static void intel_tlv_fields_reported(void **state)
{
	(void)state;
	rig_open(0x8087, 0x0032, FAKE_INTEL_TLV, NULL);
	const struct bh_chipset_report *r = rig_run(); /* no file: stops after the version */
	assert_int_equal(R.result, BH_ENOTFOUND);
	assert_non_null(strstr(r->detail, "CNVi 0x00000410 CNVR 0x00000410 variant 0x17"));
	assert_non_null(strstr(r->detail, "bootloader"));
	assert_non_null(strstr(r->detail, "secure boot on, OTP lock off, API lock on"));
	assert_non_null(strstr(r->detail, "SBE RSA"));
	assert_non_null(strstr(r->detail, "minimum firmware build 2 week 12 2020"));
	assert_non_null(strstr(r->detail, "limited CCE 0"));
	rig_close();
}

static void intel_tlv_failures(void **state)
{
	(void)state;
	/* no firmware: the message names the file and the packages */
	rig_open(0x8087, 0x0032, FAKE_INTEL_TLV, NULL);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_ENOTFOUND);
	assert_int_equal(r->outcome, BH_CHIPSET_FAILED);
	assert_non_null(strstr(r->message, TLV_NAME));
	assert_non_null(strstr(r->message, "firmware-iwlwifi"));
	assert_non_null(strstr(r->message, "linux-firmware"));
	assert_int_equal(R.chip.fragments, 0);
	rig_close();

	/* another CNVi/CNVR (type 0x420, step 1): its own file, which is missing */
	tlv_open(true, 0);
	R.chip.tlv_cnvi_top = 0x01000420;
	r = rig_run();
	assert_int_equal(R.result, BH_ENOTFOUND);
	assert_non_null(strstr(r->message, "intel/ibt-0142-0041.sfi"));
	assert_int_equal(R.chip.fragments, 0);
	rig_close();

	/* the bootloader rejects the image: never reset */
	tlv_open(true, 1);
	R.chip.sfi_result = 0x01;
	r = rig_run();
	assert_int_equal(R.result, BH_EPROTO);
	assert_non_null(strstr(r->message, "rejected"));
	assert_int_equal(R.chip.boot_addr, 0);
	rig_close();

	/* a refused secure send fragment (the signature) */
	tlv_open(true, 0);
	R.chip.refuse_at_fragment = 4;
	r = rig_run();
	assert_int_equal(R.result, BH_HCI_STATUS(0x1f));
	assert_int_equal(R.chip.fragments, 4);
	rig_close();

	/* the download result never comes */
	tlv_open(true, 0);
	R.chip.expect_sfi_len = 1;
	bh_time_ms t0 = R.now;
	r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	assert_non_null(strstr(r->message, "download result"));
	assert_true(R.now >= t0 + 5000);
	rig_close();

	/* the firmware never announces its boot */
	tlv_open(true, 0);
	R.chip.no_boot_event = true;
	r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	assert_non_null(strstr(r->message, "boot"));
	assert_int_equal(R.chip.boot_addr, BOOT_ADDR);
	rig_close();

	/* truncated files: inside the ECDSA header, and inside a record */
	size_t cut[2] = { 900, 0 };
	for (int i = 0; i < 2; i++) {
		size_t n = tlv_open(true, 1);
		R.files[0].len = cut[i] ? cut[i] : n - 5;
		r = rig_run();
		assert_int_equal(R.result, BH_EMALFORMED);
		assert_non_null(strstr(r->message, TLV_NAME));
		assert_int_equal(R.chip.fragments, 0);
		rig_close();
	}

	/* a file with only the RSA header (a legacy part's) for a TLV part */
	tlv_open(true, 0);
	R.files[0].data[644] = 0x00;
	r = rig_run();
	assert_int_equal(R.result, BH_EMALFORMED);
	assert_non_null(strstr(r->message, "ECDSA"));
	assert_int_equal(R.chip.fragments, 0);
	rig_close();

	/* a CSS header of another version */
	tlv_open(true, 0);
	R.files[0].data[10] = 0x02;
	r = rig_run();
	assert_int_equal(R.result, BH_EMALFORMED);
	assert_non_null(strstr(r->message, "CSS header version"));
	rig_close();

	/* bootloaders blehost cannot drive: limited CCE, unknown engine */
	tlv_open(true, 0);
	R.chip.tlv_limited_cce = 1;
	r = rig_run();
	assert_int_equal(R.result, BH_ENOTSUP);
	assert_non_null(strstr(r->message, "limited CCE"));
	rig_close();
	tlv_open(true, 2);
	r = rig_run();
	assert_int_equal(R.result, BH_ENOTSUP);
	assert_non_null(strstr(r->message, "secure boot engine type 2"));
	assert_int_equal(R.chip.fragments, 0);
	rig_close();
	tlv_open(true, 0);
	R.chip.tlv_no_sbe = true;
	r = rig_run();
	assert_int_equal(R.result, BH_ENOTSUP);
	assert_non_null(strstr(r->message, "not reported"));
	assert_int_equal(R.chip.fragments, 0);
	rig_close();
}

static void intel_tlv_garbled(void **state)
{
	(void)state;
	/* unknown types, an empty entry and odd sizes are skipped */
	tlv_open(true, 0);
	R.chip.tlv_garbled = true;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	rig_close();

	/* an entry that runs past the end: refused, nothing sent */
	tlv_open(true, 0);
	R.chip.tlv_cut = true;
	r = rig_run();
	assert_int_equal(R.result, BH_EMALFORMED);
	assert_non_null(strstr(r->message, "runs past the end"));
	assert_int_equal(R.chip.fragments, 0);
	rig_close();

	/* not the Intel platform, or a variant blehost does not know:
	 * used as it is */
	uint32_t bt[2] = { 0x00173800, 0x00213700 };
	for (int i = 0; i < 2; i++) {
		tlv_open(true, 0);
		R.chip.tlv_cnvi_bt = bt[i];
		r = rig_run();
		assert_int_equal(R.result, BH_OK);
		assert_int_equal(r->outcome, BH_CHIPSET_UNKNOWN_CHIP);
		assert_int_equal(R.chip.fragments, 0);
		rig_close();
	}
}

/* AX201 (HrP, variant 0x13) answers the TLV form, but its files are named
 * from the legacy one: asked again, then the legacy bootloader steps. */
static void intel_tlv_legacy_variant(void **state)
{
	(void)state;
	rig_open(0x8087, 0x0026, FAKE_INTEL_TLV, NULL);
	R.chip.tlv_cnvi_bt = 0x00133700;
	R.chip.legacy_variant = 0x13;
	size_t n = fw_build_sfi(fw, sizeof(fw), 44, 12, 60, BOOT_ADDR);
	add_file("intel/ibt-19-0-16.sfi", fw, n);
	R.chip.expect_sfi_len = (uint32_t)(n - 644);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_string_equal(r->firmware, "/fw/intel/ibt-19-0-16.sfi");
	assert_int_equal(R.chip.hdr_dl_len, 640);
	assert_memory_equal(R.chip.hdr_dl, fw, 384);
	assert_memory_equal(R.chip.hdr_dl + 384, fw + 388, 256);
	assert_int_equal(R.chip.dl_len, n - 644);
	assert_memory_equal(R.chip.dl, fw + 644, n - 644);
	/* operational, it answers the TLV form */
	assert_non_null(strstr(r->detail, "operational"));
	rig_close();
}

/* The newer CNVi variants: BlazarU (0x1d) loads like the AX2xx; BlazarI
 * (0x1e) boots an intermediate loader first, whose firmware id names the
 * image it loads next. */
static void intel_tlv_newer_variants(void **state)
{
	(void)state;
	static uint8_t iml[8192], img[8192];
	assert_string_equal(bh_intel_variant_name(0x1d), "BlazarU");
	assert_string_equal(bh_intel_variant_name(0x1e), "BlazarI");
	assert_string_equal(bh_intel_variant_name(0x1f), "Scorpius Peak");
	assert_string_equal(bh_intel_variant_name(0x22), "BlazarIW");
	assert_string_equal(bh_intel_variant_name(0x1c), "GaP");
	assert_null(bh_intel_variant_name(0x21));

	/* BlazarU: one image, the plain name */
	size_t n = tlv_open(true, 1);
	R.chip.tlv_cnvi_bt = 0x001d3700;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_string_equal(r->chip, "Intel BlazarU");
	assert_string_equal(r->firmware, "/fw/" TLV_NAME);
	assert_int_equal(R.chip.dl_len, n - 964);
	assert_non_null(strstr(r->detail, "variant 0x1d (BlazarU)"));
	assert_int_equal(R.chip.iml_boots, 0);
	rig_close();

	/* BlazarI: -iml.sfi from the bootloader, then -<fw id>.sfi and .ddc */
	for (int ddc = 0; ddc < 2; ddc++) {
		rig_open(0x8087, 0x0037, FAKE_INTEL_TLV, NULL);
		R.chip.tlv_cnvi_bt = 0x001e3700;
		R.chip.tlv_sbe = 1;
		R.chip.tlv_fw_id = "a0b1-usb";
		size_t n1 = fw_build_sfi_tlv(iml, sizeof(iml), 81, 6, 40, 0x00010000);
		size_t n2 = fw_build_sfi_tlv(img, sizeof(img), 82, 14, 52, BOOT_ADDR);
		add_file("intel/ibt-0041-0041-iml.sfi", iml, n1);
		add_file("intel/ibt-0041-0041-a0b1-usb.sfi", img, n2);
		if (ddc) {
			uint8_t d[64];
			add_file("intel/ibt-0041-0041-a0b1-usb.ddc", d, fw_build_ddc(d, sizeof(d), 2));
		}
		R.chip.expect_sfi_len = (uint32_t)(n1 - 964);
		R.chip.expect_sfi_len2 = (uint32_t)(n2 - 964);
		r = rig_run();
		assert_int_equal(R.result, BH_OK);
		assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
		assert_string_equal(r->chip, "Intel BlazarI");
		assert_int_equal(R.chip.iml_boots, 1);
		assert_false(R.chip.bad_order);
		/* both images' records, the loader's first, each byte as in its file */
		assert_int_equal(R.chip.dl_len, (n1 - 964) + (n2 - 964));
		assert_memory_equal(R.chip.dl, iml + 964, n1 - 964);
		assert_memory_equal(R.chip.dl + (n1 - 964), img + 964, n2 - 964);
		/* the second boot went to the image's own boot address */
		assert_int_equal(R.chip.boot_addr, BOOT_ADDR);
		assert_string_equal(r->firmware, "/fw/intel/ibt-0041-0041-a0b1-usb.sfi");
		assert_string_equal(r->config, ddc ? "/fw/intel/ibt-0041-0041-a0b1-usb.ddc" : "");
		assert_int_equal(R.chip.ddc_records, ddc ? 2 : 0);
		assert_non_null(strstr(r->detail, "firmware id a0b1-usb"));
		rig_close();
	}

	/* no loader file: the message names it */
	rig_open(0x8087, 0x0037, FAKE_INTEL_TLV, NULL);
	R.chip.tlv_cnvi_bt = 0x001e3700;
	r = rig_run();
	assert_int_equal(R.result, BH_ENOTFOUND);
	assert_non_null(strstr(r->message, "intel/ibt-0041-0041-iml.sfi"));
	rig_close();

	/* a firmware id that is no file name: refused after the loader boots */
	rig_open(0x8087, 0x0037, FAKE_INTEL_TLV, NULL);
	R.chip.tlv_cnvi_bt = 0x001e3700;
	R.chip.tlv_fw_id = "../../etc/x";
	n = fw_build_sfi_tlv(iml, sizeof(iml), 81, 6, 40, 0x00010000);
	add_file("intel/ibt-0041-0041-iml.sfi", iml, n);
	R.chip.expect_sfi_len = (uint32_t)(n - 964);
	int loads = 0;
	r = rig_run();
	loads = R.loads;
	assert_int_equal(R.result, BH_EPROTO);
	assert_int_equal(R.chip.iml_boots, 1);
	assert_non_null(strstr(r->message, "firmware id"));
	assert_int_equal(loads, 1); /* only the loader file was looked up */
	rig_close();

	/* the loader does not say it runs (the fake stays a bootloader) */
	rig_open(0x8087, 0x0037, FAKE_INTEL_TLV, NULL);
	R.chip.tlv_cnvi_bt = 0x001e3700;
	add_file("intel/ibt-0041-0041-iml.sfi", iml, n);
	R.chip.expect_sfi_len = (uint32_t)(n - 964);
	R.chip.no_boot_event = true;
	r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	rig_close();
}

/* Operational firmware against the file: the same build, week and year is
 * a warm start; another version sends the controller back to its
 * bootloader (Intel Reset type 1) so the next bring-up loads the file. */
static void intel_same_version_check(void **state)
{
	(void)state;
	static const uint8_t other[3] = { 0x46, 0x30, 0x15 };
	/* TLV part, same version: nothing sent but the version read */
	tlv_open(true, 0);
	R.chip.intel_operational = true;
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
	assert_non_null(strstr(r->message, "already loaded: it runs build 69 week 48 2021"));
	assert_int_equal(R.chip.fragments, 0);
	assert_int_equal(R.chip.to_bootloader, 0);
	assert_int_equal(R.chip.ncmds, 2); /* Read Local Version, Intel Read Version */
	rig_close();

	/* TLV part, the file is another build: back to the bootloader */
	memcpy(fw_build_sfi_version, other, 3);
	tlv_open(true, 0);
	memcpy(fw_build_sfi_version, (uint8_t[3]){ 0x45, 0x30, 0x15 }, 3);
	R.chip.intel_operational = true;
	r = rig_run();
	assert_int_equal(R.result, BH_ERESET);
	assert_int_equal(r->outcome, BH_CHIPSET_FAILED);
	assert_int_equal(R.chip.to_bootloader, 1);
	assert_int_equal(R.chip.fragments, 0);
	assert_non_null(strstr(r->message, "runs firmware build 69 week 48 2021"));
	assert_non_null(strstr(r->message, "is build 70 week 48 2021"));
	assert_non_null(strstr(r->message, "run blehost again"));
	/* the controller is a bootloader now: the next bring-up loads the file */
	r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_true(R.chip.fragments > 0);
	rig_close();

	/* no file, or one without a version record: keeps what runs */
	rig_open(0x8087, 0x0032, FAKE_INTEL_TLV, NULL);
	R.chip.intel_operational = true;
	r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
	assert_non_null(strstr(r->message, TLV_NAME " not found: versions not compared"));
	assert_int_equal(R.chip.to_bootloader, 0);
	rig_close();
	size_t n = tlv_open(false, 0);
	R.files[0].len = 964 + 2; /* a record cut inside its header */
	R.chip.intel_operational = true;
	r = rig_run();
	assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
	assert_non_null(strstr(r->message, "no version record"));
	assert_int_equal(R.chip.to_bootloader, 0);
	rig_close();

	/* a legacy-named part (AX201, HrP 0x13) in operational firmware: the
	 * legacy answer's bytes 6-8 against ibt-19-0-16.sfi */
	for (int same = 1; same >= 0; same--) {
		rig_open(0x8087, 0x0026, FAKE_INTEL_TLV, NULL);
		R.chip.tlv_cnvi_bt = 0x00133700;
		R.chip.legacy_variant = 0x13;
		R.chip.intel_operational = true;
		if (!same)
			R.chip.run_build[2] = 0x16; /* 2022 */
		n = fw_build_sfi(fw, sizeof(fw), 44, 12, 60, BOOT_ADDR);
		add_file("intel/ibt-19-0-16.sfi", fw, n);
		r = rig_run();
		assert_int_equal(r->outcome, same ? BH_CHIPSET_ALREADY_PATCHED : BH_CHIPSET_FAILED);
		assert_int_equal(R.chip.to_bootloader, same ? 0 : 1);
		assert_string_equal(r->firmware, "/fw/intel/ibt-19-0-16.sfi");
		assert_int_equal(R.chip.fragments, 0);
		rig_close();
	}

	/* 8265 (variant 0x0c): its files carry no version; not compared */
	intel_open(true, FAKE_INTEL);
	R.chip.intel_operational = true;
	r = rig_run();
	assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
	assert_int_equal(R.loads, 0);
	assert_int_equal(R.chip.to_bootloader, 0);
	rig_close();
}

/* ---- Intel ROM parts (7260/7265): .bseq in manufacturer mode ------------ */

#define BSEQ_NAME "intel/ibt-hw-37.7.10-fw-1.80.2.3.d.bseq"
#define BSEQ_DEFAULT "intel/ibt-hw-37.7.bseq"

static size_t rom_open(const char *name, int n, bool mem_write)
{
	rig_open(0x8087, 0x07dc, FAKE_INTEL_ROM, NULL);
	size_t len = fw_build_bseq(fw, sizeof(fw), n, 40, mem_write);
	assert_true(len > 0);
	if (name)
		add_file(name, fw, len);
	return len;
}

static void intel_rom_patched(void **state)
{
	(void)state;
	const char *names[2] = { BSEQ_NAME, BSEQ_DEFAULT };
	for (int i = 0; i < 2; i++) {
		rom_open(names[i], 9, true);
		R.chip.lmp_sub_patched = 0x0c5c;
		const struct bh_chipset_report *r = rig_run();
		assert_int_equal(R.result, BH_OK);
		assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
		assert_string_equal(r->chip, "Intel 7260");
		assert_int_equal(r->lmp_subversion_after, 0x0c5c);
		assert_non_null(strstr(r->firmware, names[i]));
		/* manufacturer mode once, the setup command and 9 writes, each
		 * write's parameters as in the file, then the patch activated */
		assert_int_equal(R.chip.mfg_enters, 1);
		assert_int_equal(R.chip.records, 10);
		assert_int_equal(R.chip.dl_len, 9 * 40);
		for (int k = 0; k < 9; k++)
			assert_memory_equal(R.chip.dl + 40 * k, fw + 17 + (size_t)k * 51 + 4, 40);
		assert_int_equal(R.chip.mfg_exit_reset, 0x02);
		assert_non_null(strstr(r->message, "patch 0x05 active"));
		/* warm start: the patch number says it is patched */
		r = rig_run();
		assert_int_equal(r->outcome, BH_CHIPSET_ALREADY_PATCHED);
		assert_int_equal(R.chip.mfg_enters, 1);
		rig_close();
	}

	/* a file without memory writes: manufacturer mode left without reset */
	rom_open(BSEQ_NAME, 3, false);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_PATCHED);
	assert_int_equal(R.chip.records, 4);
	assert_int_equal(R.chip.mfg_exit_reset, 0x00);
	assert_non_null(strstr(r->message, "no reset"));
	rig_close();
}

static void intel_rom_failures(void **state)
{
	(void)state;
	/* no patch: the ROM runs alone, and the message says which files */
	rom_open(NULL, 3, true);
	const struct bh_chipset_report *r = rig_run();
	assert_int_equal(R.result, BH_OK);
	assert_int_equal(r->outcome, BH_CHIPSET_NO_FIRMWARE);
	assert_non_null(strstr(r->message, BSEQ_NAME));
	assert_non_null(strstr(r->message, BSEQ_DEFAULT));
	assert_non_null(strstr(r->message, "firmware-iwlwifi"));
	assert_int_equal(R.chip.mfg_enters, 0);
	rig_close();

	/* an answer that differs from the file: patch deactivated */
	rom_open(BSEQ_NAME, 5, true);
	R.chip.refuse_at_fragment = 3;
	r = rig_run();
	assert_int_equal(R.result, BH_EPROTO);
	assert_int_equal(r->outcome, BH_CHIPSET_FAILED);
	assert_non_null(strstr(r->message, "command 0xfc8e"));
	assert_non_null(strstr(r->message, "deactivated"));
	assert_int_equal(R.chip.records, 3);
	assert_int_equal(R.chip.mfg_exit_reset, 0x01);
	assert_false(R.chip.patched);
	rig_close();

	/* truncated at every length inside the last command: nothing sent */
	size_t n = rom_open(BSEQ_NAME, 2, true);
	rig_close();
	for (size_t cut = n - 51 + 1; cut < n; cut++) {
		rom_open(BSEQ_NAME, 2, true);
		R.files[0].len = cut;
		r = rig_run();
		assert_int_equal(R.result, BH_EMALFORMED);
		assert_int_equal(R.chip.mfg_enters, 0);
		rig_close();
	}

	/* a command expecting another event than its Command Complete */
	rom_open(BSEQ_NAME, 2, true);
	R.files[0].data[11] = 0xff;
	r = rig_run();
	assert_int_equal(R.result, BH_ENOTSUP);
	assert_non_null(strstr(r->message, "expects event 0xff"));
	assert_int_equal(R.chip.mfg_enters, 0);
	rig_close();

	/* the controller goes quiet in manufacturer mode */
	rom_open(BSEQ_NAME, 4, true);
	R.chip.mute_at_cmd = 6;
	r = rig_run();
	assert_int_equal(R.result, BH_ETIMEDOUT);
	rig_close();
}

/* ---- listing for `blehost usb` ------------------------------------------ */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intel_bootloader_patched),
		cmocka_unit_test(intel_failures),
		cmocka_unit_test(intel_tlv_patched),
		cmocka_unit_test(intel_tlv_fields_reported),
		cmocka_unit_test(intel_tlv_failures),
		cmocka_unit_test(intel_tlv_garbled),
		cmocka_unit_test(intel_tlv_legacy_variant),
		cmocka_unit_test(intel_tlv_newer_variants),
		cmocka_unit_test(intel_same_version_check),
		cmocka_unit_test(intel_rom_patched),
		cmocka_unit_test(intel_rom_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
