/* Broadcom patchram (BCM20702, BCM20703, BCM4335, BCM4356, ...).
 *
 * Facts carried over from the public Linux driver (btbcm) and BTstack's
 * chipset notes, no code:
 * - The chip is named by its LMP subversion (Read Local Version), e.g.
 *   0x220e is a BCM20702A1; the file is brcm/<NAME>-<vid>-<pid>.hcd for a
 *   USB part (the dongle maker's tuning), else brcm/<NAME>.hcd.
 * - An .hcd file is a list of HCI command records: opcode (le16), parameter
 *   length (u8), parameters. They are vendor commands: Write RAM (0xFC4C)
 *   records, ending with Launch RAM (0xFC4E).
 * - Download Minidriver (0xFC2E) comes first and wants 50 ms before the
 *   records; each record is sent as a command and answered by Command
 *   Complete; after the last one the new firmware needs 250 ms to start;
 *   then HCI Reset, and the version reads differently.
 * - The ROM firmware works without the patch, so a missing file is not fatal.
 */
#include "chipset_internal.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BCM_OP_DOWNLOAD_MINIDRIVER 0xfc2e
#define BCM_OP_LAUNCH_RAM 0xfc4e
#define BCM_MINIDRIVER_MS 50
#define BCM_LAUNCH_MS 250

static const struct {
	uint16_t subver;
	const char *name;
} chips[] = {
	{ 0x2105, "BCM20703A1" }, { 0x210b, "BCM43142A0" }, { 0x2112, "BCM4314A0" },
	{ 0x2118, "BCM20702A0" }, { 0x2126, "BCM4335A0" },  { 0x220e, "BCM20702A1" },
	{ 0x230f, "BCM4356A2" },
};

int bh_bcm_hcd_walk(const uint8_t *fw, size_t len,
		    int (*fn)(void *ctx, uint16_t opcode, const uint8_t *p, size_t n), void *ctx,
		    char *err, size_t errlen)
{
	struct bh_rd r = bh_rd_init(fw, len);
	int count = 0;
	if (!len) {
		if (errlen)
			snprintf(err, errlen, "empty file");
		return BH_EMALFORMED;
	}
	while (bh_rd_left(&r)) {
		uint16_t op = bh_rd_u16(&r);
		uint8_t n = bh_rd_u8(&r);
		const uint8_t *p = bh_rd_ptr(&r, n);
		if (!bh_rd_ok(&r) || (n && !p)) {
			if (errlen)
				snprintf(err, errlen, "record %d truncated (file cut short?)", count + 1);
			return BH_EMALFORMED;
		}
		/* Only vendor commands (OGF 0x3f) belong in a patchram file. */
		if (op >> 10 != 0x3f) {
			if (errlen)
				snprintf(err, errlen, "record %d has opcode 0x%04x, not a vendor command",
					 count + 1, op);
			return BH_EMALFORMED;
		}
		if (fn) {
			int rc = fn(ctx, op, p, n);
			if (rc)
				return rc;
		}
		count++;
	}
	return count;
}

enum { BCM_MINIDRIVER = 1, BCM_RECORDS, BCM_LAUNCHING, BCM_RESET, BCM_VERSION };

static void bcm_begin(struct bh_chipset *c)
{
	struct bh_chipset_report *r = &c->rep;
	r->quirks |= BH_QUIRK_ROM_WORKS;
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (chips[i].subver == r->lmp_subversion)
			r->chip = chips[i].name;
	if (!r->chip) {
		chipset_finish(c, BH_CHIPSET_UNKNOWN_CHIP, BH_OK,
			       "unknown Broadcom chip (LMP subversion 0x%04x): running its ROM "
			       "firmware",
			       r->lmp_subversion);
		return;
	}
	char name[64], generic[64], path[160];
	snprintf(generic, sizeof(generic), "brcm/%s.hcd", r->chip);
	int rc = BH_ENOTFOUND;
	if (c->cfg.have_usb_id) {
		snprintf(name, sizeof(name), "brcm/%s-%04x-%04x.hcd", r->chip, c->cfg.vid, c->cfg.pid);
		rc = chipset_load(c, name, &c->fw, &c->fw_len, path, sizeof(path));
	}
	if (rc == BH_ENOTFOUND)
		rc = chipset_load(c, generic, &c->fw, &c->fw_len, path, sizeof(path));
	if (rc == BH_ENOTFOUND) {
		chipset_missing_msg(c, c->cfg.have_usb_id ? name : generic, true);
		chipset_finish(c, BH_CHIPSET_NO_FIRMWARE, BH_OK, NULL);
		return;
	}
	if (rc) {
		chipset_finish(c, BH_CHIPSET_FAILED, rc, "cannot read firmware: %s", bh_strerror(rc));
		return;
	}
	snprintf(r->firmware, sizeof(r->firmware), "%s", path);
	/* Check the whole file before sending any of it: half a patch in RAM
	 * is worse than none. */
	char err[128];
	int n = bh_bcm_hcd_walk(c->fw, c->fw_len, NULL, NULL, err, sizeof(err));
	if (n < 0) {
		chipset_finish(c, BH_CHIPSET_FAILED, n,
			       "%s: %s; reinstall %s, or point $BLEHOST_FIRMWARE_PATH at a good copy",
			       path, err, bh_chipset_firmware_package(r->vendor));
		return;
	}
	r->download_bytes = c->fw_len;
	c->img_off = 0;
	c->dstep = BCM_MINIDRIVER;
	chipset_cmd(c, BCM_OP_DOWNLOAD_MINIDRIVER, NULL, 0);
}

static void next_record(struct bh_chipset *c)
{
	if (c->img_off >= c->fw_len) {
		c->dstep = BCM_LAUNCHING;
		chipset_wait(c, BCM_LAUNCH_MS);
		return;
	}
	/* The file was checked whole in bcm_begin. */
	const uint8_t *p = c->fw + c->img_off;
	uint16_t op = bh_get16(p);
	uint8_t n = p[2];
	c->img_off += 3u + n;
	c->rep.commands++;
	chipset_cmd(c, op, p + 3, n);
}

static void bcm_timer(struct bh_chipset *c)
{
	if (c->dstep == BCM_MINIDRIVER) {
		c->dstep = BCM_RECORDS;
		next_record(c);
	} else if (c->dstep == BCM_LAUNCHING) {
		c->dstep = BCM_RESET;
		chipset_cmd(c, HCI_OP_RESET, NULL, 0);
	}
}

static void bcm_complete(struct bh_chipset *c, uint16_t op, const uint8_t *rp, size_t n)
{
	struct bh_chipset_report *r = &c->rep;
	if (!n || rp[0]) {
		chipset_finish(c, BH_CHIPSET_FAILED, n ? BH_HCI_STATUS(rp[0]) : BH_EMALFORMED,
			       "Broadcom command 0x%04x failed (%s) after %u records", op,
			       n ? "controller refused it" : "empty answer", r->commands);
		return;
	}
	switch (c->dstep) {
	case BCM_MINIDRIVER:
		chipset_wait(c, BCM_MINIDRIVER_MS);
		return;
	case BCM_RECORDS:
		next_record(c);
		return;
	case BCM_RESET:
		c->dstep = BCM_VERSION;
		chipset_cmd(c, HCI_OP_READ_LOCAL_VERSION, NULL, 0);
		return;
	case BCM_VERSION:
		if (!chipset_version_after(c, rp, n))
			return;
		chipset_finish(c, BH_CHIPSET_PATCHED, BH_OK,
			       "%s patched (%u records, %zu bytes); HCI revision 0x%04x -> 0x%04x",
			       r->chip, r->commands, r->download_bytes, r->hci_revision,
			       r->hci_revision_after);
		return;
	}
}

const struct chipset_driver bh_chipset_broadcom = {
	.vendor = BH_CHIPSET_BROADCOM,
	.begin = bcm_begin,
	.complete = bcm_complete,
	.timer = bcm_timer,
};
