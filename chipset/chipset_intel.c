/* Intel bring-up: legacy bootloader parts (hardware variants 0x0b-0x14:
 * 8260, 8265, 9260/9560, AX201 and relatives) and the TLV parts (AX210,
 * AX211: variants 0x17-0x1c; their version answer, file name and .sfi
 * layout are in chipset_intel_tlv.c).
 *
 * Facts carried over from the public Linux drivers (btintel, btusb) and
 * Intel's descriptions in them, no code:
 * - Read Version is vendor command 0xFC05; with parameter 0xFF a TLV part
 *   answers a list of (type, length, value) while a legacy part answers its
 *   fixed 10-byte form: status, hardware platform (always 0x37), hardware
 *   variant, hardware revision, firmware variant (0x06 bootloader, 0x23
 *   operational firmware), firmware revision, build number, week, year,
 *   patch number. In the TLV form, type 0x1c is the image type (0x01
 *   bootloader, 0x03 operational).
 * - In the bootloader, Read Boot Params (0xFC0D) gives the device revision
 *   (le16 at offset 4 of the return parameters), the OTP address and
 *   whether every download fragment gets a Command Complete (limited CCE 0).
 * - The firmware is intel/ibt-<variant>-<dev_revid>.sfi (variants 0x0b and
 *   0x0c) or intel/ibt-<variant>-<hw_rev>-<fw_rev>.sfi (0x11 to 0x14). It is
 *   sent with Secure Send (0xFC09; parameter 1 is the fragment type, then up
 *   to 252 bytes): the 128-byte CSS header as type 0x00, the 256-byte public
 *   key as 0x03, the 256-byte signature as 0x02, then from offset 644 the
 *   command records, in groups ending on a 4-byte boundary, as type 0x01.
 * - The bootloader reports the download result with vendor event 0xFF,
 *   sub-code 0x06 (result, opcode, status); Intel Reset (0xFC01: reset type
 *   0, patch enable 1, DDC reload 0, boot option 1, boot address le32 from
 *   the firmware's 0xFC0E record) starts the firmware, which announces
 *   itself with vendor event sub-code 0x02.
 * - DDC parameters (intel/ibt-...ddc: records of length, id le16, data) go
 *   one record per 0xFC8B command; the controller works without them.
 * - A TLV answer from variants 0x11-0x14 (JfP, ThP, HrP, CcP: the 9xxx and
 *   AX201) does not give what their legacy file names need; Linux asks
 *   those again with the legacy form (0xFC05 without parameter) and runs
 *   the legacy bootloader steps. Variants 0x17-0x1f and 0x22 take the
 *   same steps without Read Boot Params (the TLV answer holds those
 *   fields); from 0x1e on twice: the intermediate loader first, then, once
 *   it runs (image type 0x02), the image its firmware id names.
 * - Operational firmware is checked against the file before anything is
 *   done (Linux: "Firmware already loaded"): the build number, week and
 *   year it reports (legacy answer bytes 6-8; TLV: the build number's low
 *   byte and the timestamp) against the file's Write Boot Params record.
 *   Equal: warm start. Different: the file is newer (or older) than what
 *   runs, so Intel Reset with reset type 1, patch enable 1, DDC reload 1,
 *   boot option 0, address 0 sends the controller back to its bootloader;
 *   it re-enumerates, and the next bring-up loads the file. Variants 0x0b
 *   and 0x0c are not checked: their files do not carry the version.
 * - After a download, HCI Read Local Version gives the LMP subversion and
 *   HCI revision the loaded firmware reports.
 */
#include "chipset_intel.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INTEL_OP_READ_VERSION 0xfc05
#define INTEL_OP_BOOT_PARAMS 0xfc0d
#define INTEL_OP_SECURE_SEND 0xfc09
#define INTEL_OP_RESET 0xfc01
#define INTEL_OP_DDC 0xfc8b
#define INTEL_OP_WRITE_BOOT_PARAMS 0xfc0e
#define SFI_HEADER 644
#define SEND_MAX 252
#define DOWNLOAD_MS 5000
#define BOOT_MS 1000

/* ---- file formats ------------------------------------------------------ */

int bh_intel_sfi_walk(const uint8_t *fw, size_t len, int (*fn)(void *ctx, size_t off, size_t n),
		      void *ctx, uint32_t *boot_addr, char *err, size_t errlen)
{
	return bh_intel_sfi_walk_from(fw, len, SFI_HEADER, fn, ctx, boot_addr, err, errlen);
}

int bh_intel_sfi_walk_from(const uint8_t *fw, size_t len, size_t payload_off,
			   int (*fn)(void *ctx, size_t off, size_t n), void *ctx,
			   uint32_t *boot_addr, char *err, size_t errlen)
{
	*boot_addr = 0;
	if (len <= payload_off) {
		if (errlen)
			snprintf(err, errlen, "file shorter than its %zu-byte header", payload_off);
		return BH_EMALFORMED;
	}
	size_t start = payload_off, o = payload_off;
	int groups = 0;
	bool have_boot = false;
	while (o < len) {
		if (len - o < 3 || len - o - 3 < fw[o + 2]) {
			if (errlen)
				snprintf(err, errlen, "command record at %zu runs past the end", o);
			return BH_EMALFORMED;
		}
		uint16_t op = bh_get16(fw + o);
		uint8_t plen = fw[o + 2];
		if (op == INTEL_OP_WRITE_BOOT_PARAMS && plen >= 4) {
			*boot_addr = bh_get32(fw + o + 3);
			have_boot = true;
		}
		o += 3u + plen;
		/* Secure Send data must come in 4-byte multiples; the files
		 * carry NOP records so that groups end on such boundaries. */
		if ((o - start) % 4 == 0) {
			if (fn) {
				int rc = fn(ctx, start, o - start);
				if (rc)
					return rc;
			}
			groups++;
			start = o;
		}
	}
	if (start != len) {
		if (errlen)
			snprintf(err, errlen, "records do not end on a 4-byte boundary");
		return BH_EMALFORMED;
	}
	if (!have_boot) {
		if (errlen)
			snprintf(err, errlen, "no boot parameters record (0xfc0e)");
		return BH_EMALFORMED;
	}
	return groups;
}

int bh_intel_ddc_walk(const uint8_t *fw, size_t len,
		      int (*fn)(void *ctx, const uint8_t *rec, size_t n), void *ctx, char *err,
		      size_t errlen)
{
	size_t o = 0;
	int n = 0;
	while (o < len) {
		size_t rl = 1u + fw[o];
		if (fw[o] < 2 || rl > len - o) {
			if (errlen)
				snprintf(err, errlen, "DDC record %d is %s", n + 1,
					 fw[o] < 2 ? "too short" : "cut short");
			return BH_EMALFORMED;
		}
		if (fn) {
			int rc = fn(ctx, fw + o, rl);
			if (rc)
				return rc;
		}
		o += rl;
		n++;
	}
	return n;
}

/* ---- the driver -------------------------------------------------------- */

enum {
	INTEL_VERSION = 1,
	INTEL_VERSION_LEGACY,
	INTEL_BOOT_PARAMS,
	INTEL_SENDING,
	INTEL_WAIT_RESULT,
	INTEL_WAIT_BOOT,
	INTEL_DDC,
	INTEL_VERSION_AFTER,
	INTEL_VERSION_IML,
};

/* The secure-send queue: (type, offset, length) segments, sent in pieces
 * of up to 252 bytes; img_off is the position inside the current one. */
struct seg {
	uint8_t type;
	size_t off, len;
};

struct segq {
	struct seg *s;
	int n, cap;
};

static int add_group(void *ctx, size_t off, size_t n)
{
	struct segq *q = ctx;
	if (q->n == q->cap)
		return BH_ENOMEM;
	q->s[q->n++] = (struct seg){ 0x01, off, n };
	return 0;
}

/* intel/ibt-<variant>-<dev_revid>.EXT (0x0b, 0x0c) or
 * intel/ibt-<variant>-<hw_rev>-<fw_rev>.EXT (0x11 to 0x14). */
static void file_name(const struct bh_chipset *c, const char *ext, char *out, size_t len)
{
	if (c->intel_tlv)
		bh_intel_tlv_fw_name(&c->tlv, ext, out, len);
	else if (c->hw_variant <= 0x0c)
		snprintf(out, len, "intel/ibt-%u-%u.%s", c->hw_variant, c->dev_revid, ext);
	else
		snprintf(out, len, "intel/ibt-%u-%u-%u.%s", c->hw_variant, c->hw_rev, c->fw_rev, ext);
}

static void send_piece(struct bh_chipset *c)
{
	/* c->img holds the segment array (freed by the core). */
	struct seg *segs = (struct seg *)(void *)c->img;
	size_t i = c->seg_i;
	if (i >= c->img_len) {
		c->dstep = INTEL_WAIT_RESULT;
		chipset_wait(c, DOWNLOAD_MS);
		return;
	}
	size_t left = segs[i].len - c->img_off;
	size_t n = left > SEND_MAX ? SEND_MAX : left;
	uint8_t buf[1 + SEND_MAX];
	buf[0] = segs[i].type;
	memcpy(buf + 1, c->fw + segs[i].off + c->img_off, n);
	c->img_off += n;
	if (c->img_off == segs[i].len) {
		c->seg_i++;
		c->img_off = 0;
	}
	c->rep.commands++;
	chipset_cmd(c, INTEL_OP_SECURE_SEND, buf, 1 + n);
}

static void intel_begin(struct bh_chipset *c)
{
	static const uint8_t tlv = 0xff;
	c->intel_tlv = false; /* a second bring-up starts from scratch */
	c->dstep = INTEL_VERSION;
	chipset_cmd(c, INTEL_OP_READ_VERSION, &tlv, 1);
}

static void start_download(struct bh_chipset *c);

/* What the report calls a TLV part, by hardware variant. */
static const char *tlv_chip(uint8_t variant)
{
	switch (variant) {
	case 0x17: return "Intel TyP (AX210)";
	case 0x18: return "Intel Slr";
	case 0x19: return "Intel Slr-F";
	case 0x1b: return "Intel Mgr";
	case 0x1c: return "Intel GaP (AX211)";
	case 0x1d: return "Intel BlazarU";
	case 0x1e: return "Intel BlazarI";
	case 0x1f: return "Intel Scorpius Peak";
	case 0x20: return "Intel Scorpius Peak2";
	case 0x22: return "Intel BlazarIW";
	}
	return "Intel (TLV)";
}

/* The variants whose TLV bootloader blehost loads (Linux's list). */
static bool tlv_loadable(uint8_t variant)
{
	return (variant >= 0x17 && variant <= 0x1f && variant != 0x1a) || variant == 0x22;
}

/* Operational firmware: is it the file's version? run = build number,
 * week, year as the controller reports them. */
static void check_running(struct bh_chipset *c, const char *name, size_t payload,
			  const uint8_t run[3])
{
	char path[160];
	uint8_t *fw = NULL;
	size_t len = 0;
	uint8_t file[3];
	int rc = chipset_load(c, name, &fw, &len, path, sizeof(path));
	if (rc != BH_OK) {
		chipset_finish(c, BH_CHIPSET_ALREADY_PATCHED, BH_OK,
			       "%s runs its operational firmware (build %u week %u 20%02u); %s %s: "
			       "versions not compared",
			       c->rep.chip, run[0], run[1], run[2], name,
			       rc == BH_ENOTFOUND ? "not found" : "unreadable");
		return;
	}
	snprintf(c->rep.firmware, sizeof(c->rep.firmware), "%s", path);
	rc = bh_intel_sfi_version(fw, len, payload, file);
	free(fw);
	if (rc != BH_OK) {
		chipset_finish(c, BH_CHIPSET_ALREADY_PATCHED, BH_OK,
			       "%s runs its operational firmware (build %u week %u 20%02u); %s has "
			       "no version record: versions not compared",
			       c->rep.chip, run[0], run[1], run[2], path);
		return;
	}
	if (!memcmp(file, run, 3)) {
		chipset_finish(c, BH_CHIPSET_ALREADY_PATCHED, BH_OK,
			       "%s firmware already loaded: it runs build %u week %u 20%02u, the "
			       "version of %s",
			       c->rep.chip, run[0], run[1], run[2], path);
		return;
	}
	/* Back to the bootloader: the controller drops off the bus and comes
	 * back asking for the file. */
	static const uint8_t to_bootloader[8] = { 0x01, 0x01, 0x01, 0x00, 0, 0, 0, 0 };
	chipset_cmd(c, INTEL_OP_RESET, to_bootloader, sizeof(to_bootloader));
	chipset_finish(c, BH_CHIPSET_FAILED, BH_ERESET,
		       "%s runs firmware build %u week %u 20%02u but %s is build %u week %u "
		       "20%02u: reset to its bootloader so that the file loads; run blehost again "
		       "once the controller is back (it re-enumerates)",
		       c->rep.chip, run[0], run[1], run[2], path, file[0], file[1], file[2]);
}

/* TLV answer: which part, and bootloader or operational. */
static void on_tlv(struct bh_chipset *c, const uint8_t *rp, size_t n)
{
	struct bh_intel_tlv *v = &c->tlv;
	char err[96];
	c->rep.chip = "Intel (TLV)";
	int rc = bh_intel_tlv_parse(rp + 1, n - 1, v, err, sizeof(err));
	if (rc) {
		chipset_finish(c, BH_CHIPSET_FAILED, rc, "Intel TLV version answer: %s", err);
		return;
	}
	bh_intel_tlv_describe(v, c->rep.detail, sizeof(c->rep.detail));
	uint8_t variant = bh_intel_hw_variant(v->cnvi_bt);
	bool intel_platform = bh_intel_hw_platform(v->cnvi_bt) == 0x37;
	bool legacy = variant >= 0x11 && variant <= 0x14;
	if (intel_platform && !legacy)
		c->rep.chip = tlv_chip(variant);
	if (v->image_type == 0x03 && intel_platform && tlv_loadable(variant)) {
		char name[128];
		uint8_t run[3] = { (uint8_t)v->build_num, (uint8_t)v->timestamp,
				   (uint8_t)(v->timestamp >> 8) };
		c->hw_variant = variant;
		bh_intel_tlv_fw_name(v, "sfi", name, sizeof(name));
		check_running(c, name, 964, run);
		return;
	}
	if (v->image_type == 0x03 && !(intel_platform && legacy)) {
		chipset_finish(c, BH_CHIPSET_ALREADY_PATCHED, BH_OK,
			       "Intel TLV controller runs its operational firmware (build %u)",
			       (unsigned)v->build_num);
		return;
	}
	if (!intel_platform) {
		chipset_finish(c, BH_CHIPSET_UNKNOWN_CHIP, BH_OK,
			       "Intel TLV version with hardware platform 0x%02x (not 0x37) and "
			       "image type 0x%02x: using the controller as it is",
			       bh_intel_hw_platform(v->cnvi_bt), v->image_type);
		return;
	}
	if (legacy) {
		/* legacy bootloader: its file names come from the legacy form */
		c->dstep = INTEL_VERSION_LEGACY;
		chipset_cmd(c, INTEL_OP_READ_VERSION, NULL, 0);
		return;
	}
	if (!tlv_loadable(variant) || v->image_type != 0x01) {
		chipset_finish(c, BH_CHIPSET_UNKNOWN_CHIP, BH_OK,
			       "Intel TLV hardware variant 0x%02x%s%s%s, image type 0x%02x: not a "
			       "bootloader blehost knows; using the controller as it is",
			       variant, bh_intel_variant_name(variant) ? " (" : "",
			       bh_intel_variant_name(variant) ? bh_intel_variant_name(variant) : "",
			       bh_intel_variant_name(variant) ? ")" : "", v->image_type);
		return;
	}
	if (v->limited_cce) {
		chipset_finish(c, BH_CHIPSET_FAILED, BH_ENOTSUP,
			       "this Intel bootloader does not acknowledge each fragment "
			       "(limited CCE %u): not supported",
			       v->limited_cce);
		return;
	}
	if (!v->have_sbe || v->sbe_type > 1) {
		chipset_finish(c, BH_CHIPSET_FAILED, BH_ENOTSUP,
			       "Intel bootloader secure boot engine type %d%s: blehost knows RSA (0) "
			       "and ECDSA (1)",
			       v->have_sbe ? v->sbe_type : -1, v->have_sbe ? "" : " (not reported)");
		return;
	}
	static const uint8_t zero[6];
	if (v->have_bdaddr)
		c->rep.quirks |= bh_chipset_behaviour_quirks(0, 0, 0, 0, v->otp_bdaddr);
	else
		c->rep.quirks |= bh_chipset_behaviour_quirks(0, 0, 0, 0, zero);
	c->intel_tlv = true;
	c->hw_variant = variant;
	start_download(c);
}

static void on_legacy_version(struct bh_chipset *c, const uint8_t *rp)
{
	uint8_t variant = rp[2], fw_variant = rp[4];
	if (variant == 0x07 || variant == 0x08) {
		intel_rom_begin(c, rp); /* chipset_intel_bseq.c */
		return;
	}
	c->hw_variant = variant;
	c->hw_rev = rp[3];
	c->fw_rev = rp[5];
	c->rep.rom_version = rp[3];
	c->rep.chip = variant == 0x0b ? "Intel 8260" : variant == 0x0c ? "Intel 8265"
		    : variant >= 0x11 && variant <= 0x14 ? "Intel 9xxx" : "Intel";
	if (fw_variant == 0x23 && variant >= 0x11 && variant <= 0x14) {
		char name[64];
		file_name(c, "sfi", name, sizeof(name));
		check_running(c, name, SFI_HEADER, rp + 6);
		return;
	}
	if (fw_variant == 0x23) {
		/* 8260/8265: their files do not carry the version */
		chipset_finish(c, BH_CHIPSET_ALREADY_PATCHED, BH_OK,
			       "Intel controller runs its operational firmware (build %u week %u "
			       "20%02u)",
			       rp[6], rp[7], rp[8]);
		return;
	}
	if (fw_variant != 0x06 || variant < 0x0b || variant > 0x14) {
		chipset_finish(c, BH_CHIPSET_UNKNOWN_CHIP, BH_OK,
			       "Intel hardware variant 0x%02x, firmware variant 0x%02x: not a "
			       "bootloader blehost knows; using the controller as it is",
			       variant, fw_variant);
		return;
	}
	c->dstep = INTEL_BOOT_PARAMS;
	chipset_cmd(c, INTEL_OP_BOOT_PARAMS, NULL, 0);
}

static void start_download(struct bh_chipset *c)
{
	struct bh_chipset_report *r = &c->rep;
	char name[128], err[128];
	free(c->img);
	free(c->fw);
	c->img = c->fw = NULL;
	c->img_len = c->fw_len = 0;
	file_name(c, "sfi", name, sizeof(name));
	if (!chipset_load_firmware(c, name, false))
		return;
	struct bh_intel_sfi_piece hdr[3] = { { 0x00, 0, 128 }, { 0x03, 128, 256 }, { 0x02, 388, 256 } };
	size_t payload = SFI_HEADER;
	int groups = BH_OK;
	if (c->intel_tlv)
		groups = bh_intel_sfi_layout(c->fw, c->fw_len, c->hw_variant, c->tlv.sbe_type, hdr,
					     &payload, err, sizeof(err));
	if (groups == BH_OK)
		groups = bh_intel_sfi_walk_from(c->fw, c->fw_len, payload, NULL, NULL,
						&c->boot_addr, err, sizeof(err));
	if (groups < 0) {
		chipset_finish(c, BH_CHIPSET_FAILED, groups,
			       "%s: %s; reinstall %s, or point $BLEHOST_FIRMWARE_PATH at a good copy",
			       r->firmware, err, bh_chipset_firmware_package(r->vendor));
		return;
	}
	struct segq q = { calloc((size_t)groups + 3, sizeof(struct seg)), 3, groups + 3 };
	if (!q.s) {
		chipset_finish(c, BH_CHIPSET_FAILED, BH_ENOMEM, "out of memory");
		return;
	}
	/* CSS header, public key, signature */
	for (int i = 0; i < 3; i++)
		q.s[i] = (struct seg){ hdr[i].type, hdr[i].off, hdr[i].len };
	bh_intel_sfi_walk_from(c->fw, c->fw_len, payload, add_group, &q, &c->boot_addr, err,
			       sizeof(err));
	c->img = (uint8_t *)q.s;
	c->img_len = (size_t)q.n;
	c->img_off = 0;
	c->seg_i = 0;
	r->download_bytes += c->fw_len; /* both images of a two-stage boot */
	c->dstep = INTEL_SENDING;
	send_piece(c);
}

/* DDC: optional. The records are sent one per command from img_off. */
static void next_ddc(struct bh_chipset *c)
{
	if (c->img_off >= c->fw_len) {
		static const uint8_t tlv = 0xff;
		c->dstep = INTEL_VERSION_AFTER;
		chipset_cmd(c, INTEL_OP_READ_VERSION, &tlv, 1);
		return;
	}
	const uint8_t *rec = c->fw + c->img_off;
	size_t n = 1u + rec[0];
	c->img_off += n;
	c->rep.commands++;
	chipset_cmd(c, INTEL_OP_DDC, rec, n);
}

static void start_ddc(struct bh_chipset *c)
{
	char name[128], path[160], err[128];
	free(c->fw);
	c->fw = NULL;
	c->fw_len = 0;
	file_name(c, "ddc", name, sizeof(name));
	c->dstep = INTEL_DDC;
	c->img_off = 0;
	int rc = chipset_load(c, name, &c->fw, &c->fw_len, path, sizeof(path));
	if (rc == BH_OK && bh_intel_ddc_walk(c->fw, c->fw_len, NULL, NULL, err, sizeof(err)) < 0) {
		chipset_log(c, BH_LOG_WARN, "%s: %s: not applied", path, err);
		c->fw_len = 0;
	} else if (rc == BH_OK) {
		snprintf(c->rep.config, sizeof(c->rep.config), "%s", path);
	} else {
		/* The controller works without its DDC parameters. */
		chipset_log(c, BH_LOG_WARN, "%s not found: running without DDC parameters", name);
		c->fw_len = 0;
	}
	next_ddc(c);
}

static void intel_vendor_event(struct bh_chipset *c, const uint8_t *p, size_t n)
{
	if (p[0] == 0x06 && c->dstep == INTEL_WAIT_RESULT) {
		/* Secure Send result: result, opcode le16, status. */
		if (n != 5 || p[1] != 0) {
			chipset_finish(c, BH_CHIPSET_FAILED, BH_EPROTO,
				       "the bootloader rejected the firmware (result 0x%02x): the "
				       "file may be for another revision, or damaged",
				       n >= 2 ? p[1] : 0xff);
			return;
		}
		c->wait_until = BH_NEVER;
		uint8_t rp[8] = { 0x00, 0x01, 0x00, 0x01 };
		bh_put32(rp + 4, c->boot_addr);
		c->dstep = INTEL_WAIT_BOOT;
		c->got_boot_event = false;
		chipset_cmd(c, INTEL_OP_RESET, rp, sizeof(rp));
		/* The firmware may boot without answering the reset: the boot
		 * event is what counts, within a second. */
		c->pending = 0;
		c->cmd_deadline = BH_NEVER;
		chipset_wait(c, BOOT_MS);
		return;
	}
	if (p[0] == 0x02 && c->dstep == INTEL_WAIT_BOOT) {
		c->wait_until = BH_NEVER;
		c->got_boot_event = true;
		if (c->intel_tlv && c->hw_variant >= 0x1e && c->tlv.image_type == 0x01) {
			/* the intermediate loader runs: it names the image */
			static const uint8_t tlv = 0xff;
			c->dstep = INTEL_VERSION_IML;
			chipset_cmd(c, INTEL_OP_READ_VERSION, &tlv, 1);
			return;
		}
		start_ddc(c);
	}
}

static void intel_timer(struct bh_chipset *c)
{
	if (c->dstep == INTEL_WAIT_RESULT)
		chipset_finish(c, BH_CHIPSET_FAILED, BH_ETIMEDOUT,
			       "the bootloader did not report the download result within %d ms",
			       DOWNLOAD_MS);
	else if (c->dstep == INTEL_WAIT_BOOT)
		chipset_finish(c, BH_CHIPSET_FAILED, BH_ETIMEDOUT,
			       "the firmware did not announce its boot within %d ms", BOOT_MS);
}

void intel_patched(struct bh_chipset *c)
{
	c->dstep = INTEL_LOCAL_VERSION_AFTER;
	chipset_cmd(c, HCI_OP_READ_LOCAL_VERSION, NULL, 0);
}

/* The intermediate loader's TLV answer: image type 0x02 and the firmware
 * id that names the operational image. */
static void on_iml_version(struct bh_chipset *c, const uint8_t *rp, size_t n)
{
	struct bh_intel_tlv v;
	char err[96];
	int rc = bh_intel_tlv_parse(rp + 1, n - 1, &v, err, sizeof(err));
	if (rc == BH_OK && (v.image_type != 0x02 || v.fw_id_bad)) {
		rc = BH_EPROTO;
		snprintf(err, sizeof(err), "%s",
			 v.fw_id_bad ? "its firmware id is not a file name"
				     : "it does not report the intermediate loader (image 0x02)");
	}
	if (rc) {
		chipset_finish(c, BH_CHIPSET_FAILED, rc,
			       "Intel intermediate loader booted, then its version answer: %s", err);
		return;
	}
	/* Linux re-reads into the same fields: what the loader leaves out
	 * keeps the bootloader's value (the secure boot engine). */
	if (!v.have_sbe) {
		v.sbe_type = c->tlv.sbe_type;
		v.have_sbe = c->tlv.have_sbe;
	}
	c->tlv = v;
	bh_intel_tlv_describe(&v, c->rep.detail, sizeof(c->rep.detail));
	start_download(c);
}

static void intel_complete(struct bh_chipset *c, uint16_t op, const uint8_t *rp, size_t n)
{
	if (c->dstep == INTEL_LOCAL_VERSION_AFTER) {
		if (!n || rp[0]) {
			chipset_finish(c, BH_CHIPSET_FAILED, n ? BH_HCI_STATUS(rp[0]) : BH_EMALFORMED,
				       "Read Local Version after the Intel download failed");
			return;
		}
		if (chipset_version_after(c, rp, n))
			chipset_finish(c, BH_CHIPSET_PATCHED, BH_OK, NULL);
		return;
	}
	if (c->dstep >= INTEL_ROM_ENTER) {
		intel_rom_complete(c, op, rp, n);
		return;
	}
	if (!n || rp[0]) {
		chipset_finish(c, BH_CHIPSET_FAILED, n ? BH_HCI_STATUS(rp[0]) : BH_EMALFORMED,
			       "Intel command 0x%04x failed (%s)", op,
			       n ? "controller refused it" : "empty answer");
		return;
	}
	switch (c->dstep) {
	case INTEL_VERSION:
		if (n == 10 && rp[1] == 0x37)
			on_legacy_version(c, rp);
		else
			on_tlv(c, rp, n);
		return;
	case INTEL_VERSION_IML:
		on_iml_version(c, rp, n);
		return;
	case INTEL_VERSION_LEGACY:
		if (n == 10 && rp[1] == 0x37) {
			on_legacy_version(c, rp);
			return;
		}
		chipset_finish(c, BH_CHIPSET_FAILED, BH_EMALFORMED,
			       "Intel legacy version answer has %zu bytes, not 10", n);
		return;
	case INTEL_BOOT_PARAMS:
		/* status, OTP format/content/patch, device revision (le16),
		 * secure boot, key from header, key type, OTP/API/debug
		 * locks, OTP address (6), minimum build (3), limited CCE,
		 * unlocked state: 23 bytes. */
		if (n != 23) {
			chipset_finish(c, BH_CHIPSET_FAILED, BH_EMALFORMED,
				       "Intel boot parameters have %zu bytes, not 23", n);
			return;
		}
		if (rp[21]) {
			chipset_finish(c, BH_CHIPSET_FAILED, BH_ENOTSUP,
				       "this Intel bootloader does not acknowledge each fragment "
				       "(limited CCE): not supported");
			return;
		}
		c->dev_revid = bh_get16(rp + 4);
		/* no address in the OTP: none in the firmware either */
		c->rep.quirks |= bh_chipset_behaviour_quirks(0, 0, 0, 0, rp + 12);
		start_download(c);
		return;
	case INTEL_SENDING:
		send_piece(c);
		return;
	case INTEL_DDC:
		next_ddc(c);
		return;
	case INTEL_VERSION_AFTER: {
		/* Legacy parts from JfP on answer the TLV form once operational. */
		struct bh_intel_tlv after;
		char err[96];
		bool legacy_ok = n == 10 && rp[1] == 0x37 && rp[4] == 0x23;
		bool tlv_ok = !legacy_ok &&
			      bh_intel_tlv_parse(rp + 1, n - 1, &after, err, sizeof(err)) == BH_OK &&
			      after.image_type == 0x03;
		if (legacy_ok) {
			c->rep.firmware_version = rp[6]; /* build number */
		} else if (tlv_ok) {
			bh_intel_tlv_describe(&after, c->rep.detail, sizeof(c->rep.detail));
			c->rep.firmware_version = after.build_num;
		} else {
			chipset_finish(c, BH_CHIPSET_FAILED, BH_EPROTO,
				       "after the download the controller does not report its "
				       "operational firmware");
			return;
		}
		snprintf(c->rep.message, sizeof(c->rep.message),
			 "%s firmware loaded (%zu bytes in %u commands%s), booted at 0x%08x%s",
			 c->rep.chip, c->rep.download_bytes, c->rep.commands,
			 !c->intel_tlv ? "" : c->tlv.sbe_type ? ", ECDSA signature"
							     : ", RSA signature",
			 c->boot_addr, c->rep.config[0] ? ", DDC applied" : "");
		intel_patched(c);
		return;
	}
	}
}

const struct chipset_driver bh_chipset_intel = {
	.vendor = BH_CHIPSET_INTEL,
	.begin = intel_begin,
	.complete = intel_complete,
	.timer = intel_timer,
	.vendor_event = intel_vendor_event,
};
