/* Intel TLV version parts (AX2xx: hardware variants 0x17 TyP, 0x18 Slr,
 * 0x19 Slr-F, 0x1b Mgr, 0x1c GaP; the newer CNVi 0x1d BlazarU, 0x1e
 * BlazarI, 0x1f Scorpius Peak, 0x20 Scorpius Peak2, 0x22 BlazarIW): the TLV
 * Read Version answer, the firmware name, and where the secure-send pieces
 * of their .sfi are.
 *
 * Facts carried over from the public Linux driver (btintel) and the
 * descriptions around it, no code:
 * - The answer to 0xFC05 with parameter 0xFF is the status, then entries
 *   of (type u8, length u8, value). Types: 0x10 CNVi top, 0x11 CNVR top,
 *   0x12 CNVi BT, 0x13 CNVR BT (le32 each), 0x16 device revision (le16),
 *   0x1c image type (0x01 bootloader, 0x03 operational), 0x1d timestamp
 *   (week, year), 0x1e build type, 0x1f build number (le32), 0x28 secure
 *   boot, 0x2a OTP lock, 0x2b API lock, 0x2c debug lock, 0x2d minimum
 *   firmware build (number, week, year), 0x2e limited CCE, 0x2f secure boot
 *   engine type (0 RSA, 1 ECDSA), 0x30 the OTP BD_ADDR. The bootloader-only
 *   fields (limited CCE, SBE type) mean nothing in operational firmware.
 * - Platform = bits 8-15 of CNVi BT (always 0x37), variant = bits 16-21.
 * - File: intel/ibt-%04x-%04x.sfi (and .ddc) from the CNVi and CNVR top
 *   values: type (bits 0-11) << 4 | step (bits 24-27), byte-swapped.
 * - Variants up to 0x14 use RSA only, their .sfi has the 644-byte RSA
 *   header; from 0x17 the .sfi carries the RSA header then a 320-byte
 *   ECDSA one, and the SBE type picks which goes to the bootloader: RSA
 *   (CSS 128 from 0, key 256 from 128, signature 256 from 388) or ECDSA
 *   (CSS 128 from 644, key 96 from 772, signature 96 from 868). The
 *   command records start after both headers (964) either way.
 * - Variants 0x1e on load an intermediate loader first: in the bootloader
 *   the file is ibt-<cnvi>-<cnvr>-iml.sfi; once it runs (image type 0x02)
 *   the answer carries a firmware id (type 0x50, a string) and the image
 *   is ibt-<cnvi>-<cnvr>-<fw_id>.sfi (.ddc alike), the plain name without
 *   an id. The names of the variants are the comments Intel's driver
 *   gives them (GaP is Gale Peak2; BlazarU and GaP come with Meteor Lake,
 *   BlazarI Lunar Lake, Scorpius Peak Panther Lake, Scorpius Peak2 Nova
 *   Lake, BlazarIW Wildcat Lake).
 * - The Write Boot Params record (0xFC0E) of an .sfi holds the boot
 *   address (le32) then the firmware's build number, week and year; an
 *   operational controller reporting the same three runs that file.
 */
#include "chipset_internal.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <string.h>

#define RSA_HEADER_LEN 644
#define ECDSA_HEADER_LEN 320
#define CSS_VERSION_OFFSET 8
#define CSS_VERSION_RSA 0x00010000u
#define CSS_VERSION_ECDSA 0x00020000u
#define ECDSA_CSS_TYPE 0x06

uint8_t bh_intel_hw_platform(uint32_t cnvi_bt)
{
	return (uint8_t)((cnvi_bt >> 8) & 0xff);
}

uint8_t bh_intel_hw_variant(uint32_t cnvi_bt)
{
	return (uint8_t)((cnvi_bt >> 16) & 0x3f);
}

const char *bh_intel_variant_name(uint8_t hw_variant)
{
	switch (hw_variant) {
	case 0x17: return "TyP";
	case 0x18: return "Slr";
	case 0x19: return "Slr-F";
	case 0x1b: return "Mgr";
	case 0x1c: return "GaP";
	case 0x1d: return "BlazarU";
	case 0x1e: return "BlazarI";
	case 0x1f: return "Scorpius Peak";
	case 0x20: return "Scorpius Peak2";
	case 0x22: return "BlazarIW";
	}
	return NULL;
}

#define TLV_FW_ID 0x50

/* The firmware id goes into a file name: only letters, digits, '-' and
 * '_' (and at most 64 of them) are taken, so a controller cannot steer the
 * lookup elsewhere ("../"). The string ends at its first NUL. */
static void store_fw_id(struct bh_intel_tlv *v, const uint8_t *val, uint8_t len)
{
	size_t n = 0;
	while (n < len && val[n])
		n++;
	v->fw_id[0] = 0;
	v->fw_id_bad = n >= sizeof(v->fw_id);
	for (size_t i = 0; i < n && !v->fw_id_bad; i++) {
		char ch = (char)val[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
		if (!ok)
			v->fw_id_bad = true;
	}
	if (!v->fw_id_bad) {
		memcpy(v->fw_id, val, n);
		v->fw_id[n] = 0;
	}
}

/* How many value bytes a used type needs (0: not used, skipped). */
static size_t field_size(uint8_t type)
{
	switch (type) {
	case 0x10: case 0x11: case 0x12: case 0x13: case 0x1f:
		return 4;
	case 0x16: case 0x1d:
		return 2;
	case 0x2d:
		return 3;
	case 0x30:
		return 6;
	case 0x1c: case 0x1e: case 0x28: case 0x2a: case 0x2b: case 0x2c: case 0x2e: case 0x2f:
		return 1;
	default:
		return 0;
	}
}

static void store(struct bh_intel_tlv *v, uint8_t type, const uint8_t *val)
{
	switch (type) {
	case 0x10: v->cnvi_top = bh_get32(val); break;
	case 0x11: v->cnvr_top = bh_get32(val); break;
	case 0x12: v->cnvi_bt = bh_get32(val); break;
	case 0x13: v->cnvr_bt = bh_get32(val); break;
	case 0x16: v->dev_rev_id = bh_get16(val); break;
	case 0x1c: v->image_type = val[0]; break;
	case 0x1d: v->timestamp = bh_get16(val); break;
	case 0x1e: v->build_type = val[0]; break;
	case 0x1f: v->build_num = bh_get32(val); break;
	case 0x28: v->secure_boot = val[0]; break;
	case 0x2a: v->otp_lock = val[0]; break;
	case 0x2b: v->api_lock = val[0]; break;
	case 0x2c: v->debug_lock = val[0]; break;
	case 0x2d: memcpy(v->min_fw, val, 3); break;
	case 0x2e: v->limited_cce = val[0]; break;
	case 0x2f:
		v->sbe_type = val[0];
		v->have_sbe = true;
		break;
	case 0x30:
		memcpy(v->otp_bdaddr, val, 6);
		v->have_bdaddr = true;
		break;
	}
}

int bh_intel_tlv_parse(const uint8_t *p, size_t n, struct bh_intel_tlv *v, char *err,
		       size_t errlen)
{
	memset(v, 0, sizeof(*v));
	size_t o = 0;
	while (o < n) {
		if (n - o < 2 || n - o - 2 < p[o + 1]) {
			if (errlen)
				snprintf(err, errlen, "TLV entry at %zu (type 0x%02x) runs past the end",
					 o, p[o]);
			return BH_EMALFORMED;
		}
		uint8_t type = p[o], len = p[o + 1];
		size_t need = field_size(type);
		if (type == TLV_FW_ID) {
			store_fw_id(v, p + o + 2, len);
		} else if (!need) {
			v->unknown++;
		} else if (len < need) {
			if (errlen)
				snprintf(err, errlen, "TLV type 0x%02x has %u bytes, needs %zu", type,
					 len, need);
			return BH_EMALFORMED;
		} else {
			store(v, type, p + o + 2);
		}
		o += 2u + len;
	}
	return BH_OK;
}

static unsigned top_id(uint32_t top)
{
	uint16_t id = (uint16_t)(((top & 0xfffu) << 4) | ((top >> 24) & 0xfu));
	return (unsigned)(uint16_t)((id >> 8) | (id << 8));
}

void bh_intel_tlv_fw_name(const struct bh_intel_tlv *v, const char *ext, char *out, size_t len)
{
	unsigned cnvi = top_id(v->cnvi_top), cnvr = top_id(v->cnvr_top);
	if (bh_intel_hw_variant(v->cnvi_bt) >= 0x1e && v->image_type == 0x01)
		snprintf(out, len, "intel/ibt-%04x-%04x-iml.%s", cnvi, cnvr, ext);
	else if (bh_intel_hw_variant(v->cnvi_bt) >= 0x1e && v->fw_id[0])
		snprintf(out, len, "intel/ibt-%04x-%04x-%s.%s", cnvi, cnvr, v->fw_id, ext);
	else
		snprintf(out, len, "intel/ibt-%04x-%04x.%s", cnvi, cnvr, ext);
}

int bh_intel_sfi_version(const uint8_t *fw, size_t len, size_t payload_off, uint8_t build[3])
{
	size_t o = payload_off;
	while (o < len) {
		if (len - o < 3 || len - o - 3 < fw[o + 2])
			return BH_EMALFORMED;
		if (bh_get16(fw + o) == 0xfc0e && fw[o + 2] >= 7) {
			memcpy(build, fw + o + 3 + 4, 3);
			return BH_OK;
		}
		o += 3u + fw[o + 2];
	}
	return BH_ENOTFOUND;
}

void bh_intel_tlv_describe(const struct bh_intel_tlv *v, char *out, size_t len)
{
	const char *img = v->image_type == 0x01 ? "bootloader"
			: v->image_type == 0x02 ? "intermediate loader"
			: v->image_type == 0x03 ? "operational" : "unknown image";
	const char *name = bh_intel_variant_name(bh_intel_hw_variant(v->cnvi_bt));
	int w = snprintf(out, len,
			 "CNVi 0x%08x CNVR 0x%08x variant 0x%02x%s%s%s rev %u, %s, build %u type %u "
			 "(week %u 20%02u)%s%s",
			 (unsigned)v->cnvi_top, (unsigned)v->cnvr_top, bh_intel_hw_variant(v->cnvi_bt),
			 name ? " (" : "", name ? name : "", name ? ")" : "", v->dev_rev_id, img,
			 (unsigned)v->build_num, v->build_type, v->timestamp & 0xff,
			 v->timestamp >> 8, v->fw_id[0] ? ", firmware id " : "", v->fw_id);
	if (w < 0 || (size_t)w >= len || v->image_type != 0x01)
		return;
	/* The bootloader-only fields are garbage in operational firmware. */
	snprintf(out + w, len - (size_t)w,
		 "; secure boot %s, OTP lock %s, API lock %s, debug lock %s, SBE %s, minimum "
		 "firmware build %u week %u 20%02u, limited CCE %u",
		 v->secure_boot ? "on" : "off", v->otp_lock ? "on" : "off",
		 v->api_lock ? "on" : "off", v->debug_lock ? "on" : "off",
		 v->sbe_type == 0 ? "RSA" : v->sbe_type == 1 ? "ECDSA" : "unknown", v->min_fw[0],
		 v->min_fw[1], v->min_fw[2], v->limited_cce);
}

int bh_intel_sfi_layout(const uint8_t *fw, size_t len, uint8_t hw_variant, uint8_t sbe_type,
			struct bh_intel_sfi_piece hdr[3], size_t *payload_off, char *err,
			size_t errlen)
{
	bool dual = hw_variant >= 0x17;
	size_t need = dual ? RSA_HEADER_LEN + ECDSA_HEADER_LEN : RSA_HEADER_LEN;
	if (len <= need) {
		if (errlen)
			snprintf(err, errlen, "file shorter than its %zu-byte header", need);
		return BH_EMALFORMED;
	}
	if (bh_get32(fw + CSS_VERSION_OFFSET) != CSS_VERSION_RSA) {
		if (errlen)
			snprintf(err, errlen, "CSS header version 0x%08x, not 0x%08x (RSA)",
				 (unsigned)bh_get32(fw + CSS_VERSION_OFFSET), CSS_VERSION_RSA);
		return BH_EMALFORMED;
	}
	if (sbe_type > 1 || (!dual && sbe_type != 0)) {
		if (errlen)
			snprintf(err, errlen, "secure boot engine type %u is not one blehost knows",
				 sbe_type);
		return BH_ENOTSUP;
	}
	if (dual && (fw[RSA_HEADER_LEN] != ECDSA_CSS_TYPE ||
		     bh_get32(fw + RSA_HEADER_LEN + CSS_VERSION_OFFSET) != CSS_VERSION_ECDSA)) {
		if (errlen)
			snprintf(err, errlen, "no ECDSA CSS header (type 0x06, version 0x%08x) at %d",
				 CSS_VERSION_ECDSA, RSA_HEADER_LEN);
		return BH_EMALFORMED;
	}
	if (sbe_type == 0) {
		hdr[0] = (struct bh_intel_sfi_piece){ 0x00, 0, 128 };
		hdr[1] = (struct bh_intel_sfi_piece){ 0x03, 128, 256 };
		hdr[2] = (struct bh_intel_sfi_piece){ 0x02, 388, 256 };
	} else {
		hdr[0] = (struct bh_intel_sfi_piece){ 0x00, RSA_HEADER_LEN, 128 };
		hdr[1] = (struct bh_intel_sfi_piece){ 0x03, RSA_HEADER_LEN + 128, 96 };
		hdr[2] = (struct bh_intel_sfi_piece){ 0x02, RSA_HEADER_LEN + 224, 96 };
	}
	*payload_off = need;
	return BH_OK;
}
