/* Realtek bring-up (RTL8723B/D, RTL8821A/C, RTL8761A/B, RTL8822B/C,
 * RTL8852A/B/C, RTL8851B).
 *
 * Facts carried over from the public Linux driver (drivers/bluetooth/btrtl.c)
 * and Realtek's own descriptions of it, no code:
 * - The ROM answers Read Local Version with its ROM LMP subversion (0x8761
 *   for an RTL8761B, ...) and HCI revision (0x000b); a patched controller
 *   answers with the patch's version instead, which is how a warm start is
 *   recognised.
 * - Vendor command 0xFC6D (no parameters) returns status and the ROM
 *   version (the chip's cut); the patch for cut N has chip id N + 1.
 * - Firmware rtl_bt/<chip>_fw.bin is an "epatch": v1 starts "Realtech",
 *   v2 "RTBTCore"; both end with the extension signature 51 04 fd 77, before
 *   which (read backwards) instructions (data, length, opcode) carry the
 *   project id (opcode 0, length 1) naming the chip family.
 * - The patch, followed by the optional rtl_bt/<chip>_config.bin, is sent
 *   with vendor command 0xFC20 in fragments of 252 bytes, each prefixed by an
 *   index byte that counts from 0, wraps from 0x7f to 1, and has bit 7 set on
 *   the last fragment; each is answered by Command Complete (status, index).
 * - After the download the patch runs at once: we reset and read the
 *   version again to see the patched version.
 */
#include "chipset_internal.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTL_OP_READ_ROM_VERSION 0xfc6d
#define RTL_OP_DOWNLOAD 0xfc20
#define RTL_FRAG 252

static const uint8_t ext_sig[4] = { 0x51, 0x04, 0xfd, 0x77 };

/* Project id (in the file) to the ROM LMP subversion of the chips it is for. */
static const struct {
	uint8_t project;
	uint16_t lmp;
} projects[] = {
	{ 0, 0x1200 }, { 1, 0x8723 },  { 2, 0x8821 },  { 3, 0x8761 },  { 7, 0x8703 },
	{ 8, 0x8822 }, { 9, 0x8723 },  { 10, 0x8821 }, { 13, 0x8822 }, { 14, 0x8761 },
	{ 18, 0x8852 }, { 20, 0x8852 }, { 25, 0x8852 }, { 36, 0x8851 }, { 44, 0x8922 },
	{ 47, 0x8852 }, { 51, 0x8761 },
};

/* Known chips by ROM LMP subversion, HCI revision and HCI version. */
struct rtl_ic {
	uint16_t lmp, rev;
	uint8_t hci_ver;
	const char *name;
	const char *usb_base;  /* rtl_bt/<base>_fw.bin and _config.bin on USB */
	const char *uart_base; /* on UART (H4/H5), NULL = same as USB */
};

static const struct rtl_ic ics[] = {
	{ 0x8723, 0x000b, 0x06, "RTL8723B", "rtl8723b", "rtl8723bs" },
	{ 0x8723, 0x000d, 0x08, "RTL8723D", "rtl8723d", "rtl8723ds" },
	{ 0x8821, 0x000a, 0x06, "RTL8821A", "rtl8821a", NULL },
	{ 0x8821, 0x000c, 0x08, "RTL8821C", "rtl8821c", "rtl8821cs" },
	{ 0x8761, 0x000a, 0x06, "RTL8761A", "rtl8761a", NULL },
	{ 0x8761, 0x000b, 0x0a, "RTL8761B", "rtl8761bu", "rtl8761b" },
	{ 0x8822, 0x000b, 0x07, "RTL8822B", "rtl8822b", NULL },
	{ 0x8822, 0x000c, 0x0a, "RTL8822C", "rtl8822cu", "rtl8822cs" },
	{ 0x8852, 0x000a, 0x0b, "RTL8852A", "rtl8852au", NULL },
	{ 0x8852, 0x000b, 0x0b, "RTL8852B", "rtl8852bu", NULL },
	{ 0x8852, 0x000c, 0x0c, "RTL8852C", "rtl8852cu", NULL },
	{ 0x8851, 0x000b, 0x0c, "RTL8851B", "rtl8851bu", NULL },
};

static bool is_rom_lmp(uint16_t lmp)
{
	for (size_t i = 0; i < sizeof(projects) / sizeof(projects[0]); i++)
		if (projects[i].lmp == lmp)
			return true;
	return false;
}

static const struct rtl_ic *find_ic(uint16_t lmp, uint16_t rev, uint8_t hci_ver)
{
	for (size_t i = 0; i < sizeof(ics) / sizeof(ics[0]); i++)
		if (ics[i].lmp == lmp && ics[i].rev == rev && ics[i].hci_ver == hci_ver)
			return &ics[i];
	return NULL;
}

/* ---- epatch parsing ---------------------------------------------------- */

#define V1_HDR 14 /* "Realtech", fw_version le32, num_patches le16 */
#define V2_HDR 20 /* "RTBTCore", fw_version[8], num_sections le32 */
#define V2_TAIL 7 /* project id instruction and extension signature */
#define MAX_SUBSECS 64

static int fail(char *err, size_t errlen, int rc, const char *msg)
{
	if (errlen)
		snprintf(err, errlen, "%s", msg);
	return rc;
}

/* Walks the instructions before the extension signature backwards until the
 * project id; returns it or -1. */
static int find_project(const uint8_t *fw, size_t len)
{
	size_t p = len - sizeof(ext_sig);
	while (p >= V1_HDR + 3) {
		uint8_t opcode = fw[p - 1], length = fw[p - 2], data = fw[p - 3];
		p -= 3;
		if (opcode == 0xff || length == 0)
			return -1;
		if (opcode == 0 && length == 1)
			return data;
		if (p < length)
			return -1;
		p -= length;
	}
	return -1;
}

struct subsec {
	uint8_t prio;
	const uint8_t *data;
	uint32_t len;
};

/* One v2 section (Vol: Realtek epatch v2): num le16, reserved le16, then
 * subsections {eco, prio, key_id/cb, reserved, len le32, data}. */
static int v2_section(uint32_t opcode, const uint8_t *p, uint32_t n, uint8_t rom,
		      struct subsec *out, int *nout, char *err, size_t errlen)
{
	struct bh_rd r = bh_rd_init(p, n);
	uint16_t num = bh_rd_u16(&r);
	bh_rd_u16(&r);
	if (!bh_rd_ok(&r))
		return fail(err, errlen, BH_EMALFORMED, "v2 section header truncated");
	for (unsigned i = 0; i < num; i++) {
		uint8_t eco = bh_rd_u8(&r);
		uint8_t prio = bh_rd_u8(&r);
		uint8_t key_id = bh_rd_u8(&r);
		bh_rd_u8(&r);
		uint32_t len = bh_rd_u32(&r);
		const uint8_t *data = bh_rd_ptr(&r, len);
		if (!bh_rd_ok(&r) || !data)
			return fail(err, errlen, BH_EMALFORMED, "v2 subsection runs past its section");
		if (eco != (uint8_t)(rom + 1))
			continue;
		/* Security headers are chosen by the chip's key id; chips that
		 * report none (all we support) take none of them. */
		if (opcode == 0x03 && key_id != 0)
			continue;
		if (*nout >= MAX_SUBSECS)
			return fail(err, errlen, BH_EMALFORMED, "v2 file has too many subsections");
		/* Ordered by priority; a later one of equal priority goes first,
		 * as Realtek's loader orders them. */
		int at = 0;
		while (at < *nout && out[at].prio < prio)
			at++;
		memmove(&out[at + 1], &out[at], (size_t)(*nout - at) * sizeof(*out));
		out[at] = (struct subsec){ prio, data, len };
		(*nout)++;
	}
	return BH_OK;
}

static int parse_v2(const uint8_t *fw, size_t len, uint8_t rom, uint8_t **out, size_t *outlen,
		    uint32_t *fw_version, char *err, size_t errlen)
{
	struct bh_rd r = bh_rd_init(fw, len - V2_TAIL);
	bh_rd_ptr(&r, 8);
	const uint8_t *ver = bh_rd_ptr(&r, 8);
	uint32_t nsec = bh_rd_u32(&r);
	if (!bh_rd_ok(&r) || !ver)
		return fail(err, errlen, BH_EMALFORMED, "v2 header truncated");
	*fw_version = bh_get32(ver);
	struct subsec subs[MAX_SUBSECS];
	int nsubs = 0;
	for (uint32_t i = 0; i < nsec; i++) {
		uint32_t opcode = bh_rd_u32(&r);
		uint32_t slen = bh_rd_u32(&r);
		const uint8_t *data = bh_rd_ptr(&r, slen);
		if (!bh_rd_ok(&r) || !data)
			return fail(err, errlen, BH_EMALFORMED, "v2 section runs past the end of the file");
		/* 0x01 patch snippets, 0x02 dummy header, 0x03 security header;
		 * other opcodes carry nothing for the download. */
		if (opcode < 0x01 || opcode > 0x03)
			continue;
		int rc = v2_section(opcode, data, slen, rom, subs, &nsubs, err, errlen);
		if (rc)
			return rc;
	}
	size_t total = 0;
	for (int i = 0; i < nsubs; i++)
		total += subs[i].len;
	if (!total)
		return fail(err, errlen, BH_ENOTFOUND, "no patch for this ROM version in the file");
	uint8_t *img = malloc(total);
	if (!img)
		return fail(err, errlen, BH_ENOMEM, "out of memory");
	size_t o = 0;
	for (int i = 0; i < nsubs; i++) {
		memcpy(img + o, subs[i].data, subs[i].len);
		o += subs[i].len;
	}
	*out = img;
	*outlen = total;
	return BH_OK;
}

static int parse_v1(const uint8_t *fw, size_t len, uint8_t rom, uint8_t **out, size_t *outlen,
		    uint32_t *fw_version, char *err, size_t errlen)
{
	*fw_version = bh_get32(fw + 8);
	uint16_t n = bh_get16(fw + 12);
	if (len < V1_HDR + sizeof(ext_sig) + 3 + (size_t)n * 8)
		return fail(err, errlen, BH_EMALFORMED, "patch table runs past the end of the file");
	const uint8_t *ids = fw + V1_HDR, *lens = ids + 2 * n, *offs = lens + 2 * n;
	for (unsigned i = 0; i < n; i++) {
		if (bh_get16(ids + 2 * i) != rom + 1u)
			continue;
		uint16_t plen = bh_get16(lens + 2 * i);
		uint32_t off = bh_get32(offs + 4 * i);
		if (plen < 4 || off < V1_HDR || off > len || plen > len - off)
			return fail(err, errlen, BH_EMALFORMED, "patch lies outside the file");
		uint8_t *img = malloc(plen);
		if (!img)
			return fail(err, errlen, BH_ENOMEM, "out of memory");
		/* The last four bytes of the patch carry the file's version. */
		memcpy(img, fw + off, plen - 4u);
		bh_put32(img + plen - 4, *fw_version);
		*out = img;
		*outlen = plen;
		return BH_OK;
	}
	return fail(err, errlen, BH_ENOTFOUND, "no patch for this ROM version in the file");
}

int bh_rtl_epatch_extract(const uint8_t *fw, size_t len, uint16_t lmp_subver, uint8_t rom_version,
			  uint8_t **out, size_t *outlen, uint32_t *fw_version, char *err,
			  size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	*fw_version = 0;
	bool v1 = len >= 8 && !memcmp(fw, "Realtech", 8);
	bool v2 = len >= 8 && !memcmp(fw, "RTBTCore", 8);
	if (!v1 && !v2)
		return fail(err, errlen, BH_EMALFORMED,
			    "not a Realtek epatch (no \"Realtech\" or \"RTBTCore\" signature)");
	if (len < (v1 ? V1_HDR : V2_HDR) + sizeof(ext_sig) + 3)
		return fail(err, errlen, BH_EMALFORMED, "file too short");
	if (memcmp(fw + len - sizeof(ext_sig), ext_sig, sizeof(ext_sig)))
		return fail(err, errlen, BH_EMALFORMED,
			    "no extension signature at the end (truncated file?)");
	int project = find_project(fw, len);
	if (project < 0)
		return fail(err, errlen, BH_EMALFORMED, "no project id instruction");
	uint16_t for_lmp = 0;
	for (size_t i = 0; i < sizeof(projects) / sizeof(projects[0]); i++)
		if (projects[i].project == project)
			for_lmp = projects[i].lmp;
	if (!for_lmp)
		return fail(err, errlen, BH_EMALFORMED, "unknown project id");
	if (for_lmp != lmp_subver) {
		if (errlen)
			snprintf(err, errlen, "file is for a %04x chip, this one is a %04x", for_lmp,
				 lmp_subver);
		return BH_EMALFORMED;
	}
	return v1 ? parse_v1(fw, len, rom_version, out, outlen, fw_version, err, errlen)
		  : parse_v2(fw, len, rom_version, out, outlen, fw_version, err, errlen);
}

/* ---- the driver -------------------------------------------------------- */

enum { RTL_ROM = 1, RTL_DOWNLOAD, RTL_RESET, RTL_VERSION };

static void send_fragment(struct bh_chipset *c)
{
	/* As many fragments as len / 252 + 1: the last (flagged) one carries
	 * the remainder, possibly nothing, as the proven Linux path does. */
	size_t left = c->img_len - c->img_off;
	bool last = left < RTL_FRAG;
	size_t n = last ? left : RTL_FRAG;
	uint8_t buf[1 + RTL_FRAG];
	buf[0] = (uint8_t)(c->frag_index | (last ? 0x80 : 0));
	memcpy(buf + 1, c->img + c->img_off, n);
	c->img_off += n;
	c->frag_index = c->frag_index == 0x7f ? 1 : (uint8_t)(c->frag_index + 1);
	c->rep.commands++;
	c->dstep = last ? RTL_RESET : RTL_DOWNLOAD;
	chipset_cmd(c, RTL_OP_DOWNLOAD, buf, 1 + n);
}

static const char *base_name(const struct bh_chipset *c, const struct rtl_ic *ic)
{
	return !c->cfg.have_usb_id && ic->uart_base ? ic->uart_base : ic->usb_base;
}

static void rtl_begin(struct bh_chipset *c)
{
	struct bh_chipset_report *r = &c->rep;
	r->quirks |= BH_QUIRK_NEEDS_PATCH | BH_QUIRK_ROM_WORKS;
	if (!is_rom_lmp(r->lmp_subversion)) {
		chipset_finish(c, BH_CHIPSET_ALREADY_PATCHED, BH_OK,
			       "controller already runs patched firmware (LMP subversion 0x%04x)",
			       r->lmp_subversion);
		return;
	}
	const struct rtl_ic *ic = find_ic(r->lmp_subversion, r->hci_revision, r->hci_version);
	if (!ic) {
		chipset_finish(c, BH_CHIPSET_UNKNOWN_CHIP, BH_OK,
			       "unknown Realtek chip (LMP subversion 0x%04x, HCI revision 0x%04x, "
			       "HCI version 0x%02x): running it unpatched",
			       r->lmp_subversion, r->hci_revision, r->hci_version);
		return;
	}
	r->chip = ic->name;
	c->dstep = RTL_ROM;
	chipset_cmd(c, RTL_OP_READ_ROM_VERSION, NULL, 0);
}

static void load_and_download(struct bh_chipset *c)
{
	struct bh_chipset_report *r = &c->rep;
	const struct rtl_ic *ic = find_ic(r->lmp_subversion, r->hci_revision, r->hci_version);
	char name[64];
	snprintf(name, sizeof(name), "rtl_bt/%s_fw.bin", base_name(c, ic));
	if (!chipset_load_firmware(c, name, true))
		return;
	uint8_t *patch;
	size_t plen;
	char err[128];
	int rc = bh_rtl_epatch_extract(c->fw, c->fw_len, r->lmp_subversion, (uint8_t)r->rom_version,
				   &patch, &plen, &r->firmware_version, err, sizeof(err));
	if (rc) {
		chipset_finish(c, BH_CHIPSET_FAILED, rc,
			       "%s: %s (ROM version %d); reinstall %s, or point "
			       "$BLEHOST_FIRMWARE_PATH at a good copy",
			       r->firmware, err, r->rom_version,
			       bh_chipset_firmware_package(r->vendor));
		return;
	}
	uint8_t *cfg = NULL;
	size_t clen = 0;
	snprintf(name, sizeof(name), "rtl_bt/%s_config.bin", base_name(c, ic));
	rc = chipset_load(c, name, &cfg, &clen, r->config, sizeof(r->config));
	if (rc) {
		/* USB parts run without a config; note it and go on. */
		r->config[0] = 0;
		clen = 0;
		chipset_log(c, BH_LOG_WARN, "%s not found: downloading the patch alone", name);
	}
	c->img = malloc(plen + clen);
	if (!c->img) {
		free(patch);
		free(cfg);
		chipset_finish(c, BH_CHIPSET_FAILED, BH_ENOMEM, "out of memory");
		return;
	}
	memcpy(c->img, patch, plen);
	if (clen)
		memcpy(c->img + plen, cfg, clen);
	free(patch);
	free(cfg);
	c->img_len = plen + clen;
	c->img_off = 0;
	c->frag_index = 0;
	r->download_bytes = c->img_len;
	send_fragment(c);
}

static void rtl_complete(struct bh_chipset *c, uint16_t op, const uint8_t *rp, size_t n)
{
	struct bh_chipset_report *r = &c->rep;
	uint8_t st = n ? rp[0] : 0xff;
	if (n == 0 || st) {
		chipset_finish(c, BH_CHIPSET_FAILED, n ? BH_HCI_STATUS(st) : BH_EMALFORMED,
			       "Realtek command 0x%04x failed (%s)", op,
			       n ? "controller refused it" : "empty answer");
		return;
	}
	switch (c->dstep) {
	case RTL_ROM:
		if (n != 2) {
			chipset_finish(c, BH_CHIPSET_FAILED, BH_EMALFORMED,
				       "Read ROM Version answer has %zu bytes, not 2", n);
			return;
		}
		r->rom_version = rp[1];
		load_and_download(c);
		return;
	case RTL_DOWNLOAD:
	case RTL_RESET:
		if (n != 2) {
			chipset_finish(c, BH_CHIPSET_FAILED, BH_EMALFORMED,
				       "download answer has %zu bytes, not 2", n);
			return;
		}
		if (c->dstep == RTL_DOWNLOAD) {
			send_fragment(c);
			return;
		}
		c->dstep = RTL_VERSION;
		chipset_cmd(c, HCI_OP_RESET, NULL, 0);
		return;
	case RTL_VERSION:
		if (op == HCI_OP_RESET) {
			chipset_cmd(c, HCI_OP_READ_LOCAL_VERSION, NULL, 0);
			return;
		}
		if (!chipset_version_after(c, rp, n))
			return;
		if (r->lmp_subversion_after == r->lmp_subversion)
			chipset_finish(c, BH_CHIPSET_FAILED, BH_EPROTO,
				       "the patch did not take: the controller still reports its "
				       "ROM version (LMP subversion 0x%04x) after the download",
				       r->lmp_subversion);
		else
			chipset_finish(c, BH_CHIPSET_PATCHED, BH_OK,
				       "%s ROM version %d patched with firmware 0x%08x (%zu bytes "
				       "in %u fragments)",
				       r->chip, r->rom_version, r->firmware_version, r->download_bytes,
				       r->commands);
		return;
	}
}

const struct chipset_driver bh_chipset_realtek = {
	.vendor = BH_CHIPSET_REALTEK,
	.begin = rtl_begin,
	.complete = rtl_complete,
};
