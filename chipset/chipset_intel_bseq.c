/* Intel ROM parts (hardware variants 0x07 and 0x08: Wireless 7260/7265
 * and relatives): .bseq patches sent in manufacturer mode.
 *
 * Facts carried over from the public Linux driver (btintel, its legacy ROM
 * setup) and the descriptions in it, no code:
 * - The legacy Read Version answer (0xFC05) carries a patch number (its
 *   last byte): nonzero means the controller runs a patch already, so
 *   nothing is to be done until power-off.
 * - The patch is intel/ibt-hw-<platform>.<variant>.<revision>-fw-<fw
 *   variant>.<fw revision>.<build>.<week>.<year>.bseq (lower-case hex,
 *   no padding), else the default intel/ibt-hw-<platform>.<variant>.bseq;
 *   without either the ROM firmware runs as it is.
 * - The file is a list of HCI commands (byte 0x01, opcode le16, length,
 *   parameters), each followed by one or more expected events (byte 0x02,
 *   event code, length, parameters); the last of them is the event the
 *   command must produce, byte for byte.
 * - Manufacturer mode is entered with 0xFC11 (01 00) before the commands
 *   and left with 0xFC11 (00, reset): reset 0x02 (activate the patch)
 *   after a file that wrote memory (Intel Mem Write 0xFC8E records), 0x00
 *   (no reset) after one that did not, and 0x01 (reset, patch deactivated)
 *   when an answer did not match the file.
 * blehost checks the Command Complete answers (opcode and return
 * parameters; the command-credit byte is not compared); a file expecting
 * any other event is refused before anything is sent.
 */
#include "chipset_intel.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <string.h>

#define INTEL_OP_READ_VERSION 0xfc05
#define INTEL_OP_MFG 0xfc11
#define INTEL_OP_MEM_WRITE 0xfc8e

int bh_intel_bseq_walk(const uint8_t *fw, size_t len,
		       int (*fn)(void *ctx, size_t cmd_off, size_t evt_off), void *ctx,
		       bool *writes_memory, char *err, size_t errlen)
{
	size_t o = 0;
	int n = 0;
	if (writes_memory)
		*writes_memory = false;
	while (o < len) {
		if (fw[o] != 0x01 || len - o < 4 || len - o - 4 < fw[o + 3]) {
			if (errlen)
				snprintf(err, errlen, "command %d at %zu is %s", n + 1, o,
					 fw[o] != 0x01 ? "not a command (0x01)" : "cut short");
			return BH_EMALFORMED;
		}
		size_t cmd = o, evt = 0;
		if (bh_get16(fw + o + 1) == INTEL_OP_MEM_WRITE && writes_memory)
			*writes_memory = true;
		o += 4u + fw[o + 3];
		while (o < len && fw[o] == 0x02) {
			if (len - o < 3 || len - o - 3 < fw[o + 2]) {
				if (errlen)
					snprintf(err, errlen, "event after command %d is cut short",
						 n + 1);
				return BH_EMALFORMED;
			}
			evt = o;
			o += 3u + fw[o + 2];
		}
		if (!evt) {
			if (errlen)
				snprintf(err, errlen, "command %d has no expected event", n + 1);
			return BH_EMALFORMED;
		}
		if (fw[evt + 1] != HCI_EVT_CMD_COMPLETE || fw[evt + 2] < 3 ||
		    bh_get16(fw + evt + 4) != bh_get16(fw + cmd + 1)) {
			if (errlen)
				snprintf(err, errlen,
					 "command %d (0x%04x) expects event 0x%02x, not its Command "
					 "Complete: not supported",
					 n + 1, bh_get16(fw + cmd + 1), fw[evt + 1]);
			return BH_ENOTSUP;
		}
		if (fn) {
			int rc = fn(ctx, cmd, evt);
			if (rc)
				return rc;
		}
		n++;
	}
	return n;
}

void intel_bseq_names(const uint8_t *v, char *name, size_t len, char *dflt, size_t dlen)
{
	snprintf(name, len, "intel/ibt-hw-%x.%x.%x-fw-%x.%x.%x.%x.%x.bseq", v[1], v[2], v[3], v[4],
		 v[5], v[6], v[7], v[8]);
	snprintf(dflt, dlen, "intel/ibt-hw-%x.%x.bseq", v[1], v[2]);
}

static void exit_mfg(struct bh_chipset *c, uint8_t reset, int step)
{
	uint8_t p[2] = { 0x00, reset };
	c->dstep = step;
	chipset_cmd(c, INTEL_OP_MFG, p, 2);
}

/* The next command of the file, or leave manufacturer mode. */
static void next_command(struct bh_chipset *c)
{
	if (c->img_off >= c->fw_len) {
		bool writes = false;
		bh_intel_bseq_walk(c->fw, c->fw_len, NULL, NULL, &writes, NULL, 0);
		exit_mfg(c, writes ? 0x02 : 0x00, writes ? INTEL_ROM_EXIT_ACTIVATE : INTEL_ROM_EXIT_PLAIN);
		return;
	}
	const uint8_t *cmd = c->fw + c->img_off;
	c->seg_i = c->img_off; /* where this command's record starts */
	c->img_off += 4u + cmd[3];
	while (c->img_off < c->fw_len && c->fw[c->img_off] == 0x02) /* its events */
		c->img_off += 3u + c->fw[c->img_off + 2];
	c->rep.commands++;
	c->dstep = INTEL_ROM_SENDING;
	chipset_cmd(c, bh_get16(cmd + 1), cmd + 4, cmd[3]);
}

void intel_rom_begin(struct bh_chipset *c, const uint8_t *v)
{
	char name[96], dflt[64], path[160], err[128];
	c->rep.chip = v[2] == 0x07 ? "Intel 7260" : "Intel 7265";
	c->rep.rom_version = v[3];
	if (v[9]) {
		chipset_finish(c, BH_CHIPSET_ALREADY_PATCHED, BH_OK,
			       "Intel ROM controller runs patch 0x%02x already", v[9]);
		return;
	}
	intel_bseq_names(v, name, sizeof(name), dflt, sizeof(dflt));
	int rc = chipset_load(c, name, &c->fw, &c->fw_len, path, sizeof(path));
	if (rc == BH_ENOTFOUND)
		rc = chipset_load(c, dflt, &c->fw, &c->fw_len, path, sizeof(path));
	if (rc == BH_ENOTFOUND) {
		char both[192];
		snprintf(both, sizeof(both), "%s (or the default %s)", name, dflt);
		chipset_missing_msg(c, both, true);
		chipset_finish(c, BH_CHIPSET_NO_FIRMWARE, BH_OK, NULL);
		return;
	}
	if (rc) {
		chipset_finish(c, BH_CHIPSET_FAILED, rc, "cannot read firmware %s: %s", name,
			       bh_strerror(rc));
		return;
	}
	snprintf(c->rep.firmware, sizeof(c->rep.firmware), "%s", path);
	/* The whole file is checked before manufacturer mode is entered. */
	int cmds = bh_intel_bseq_walk(c->fw, c->fw_len, NULL, NULL, NULL, err, sizeof(err));
	if (cmds < 0) {
		chipset_finish(c, BH_CHIPSET_FAILED, cmds,
			       "%s: %s; reinstall %s, or point $BLEHOST_FIRMWARE_PATH at a good copy",
			       path, err, bh_chipset_firmware_package(c->rep.vendor));
		return;
	}
	c->rep.download_bytes = c->fw_len;
	c->img_off = 0;
	c->bseq_failed = false;
	static const uint8_t enter[2] = { 0x01, 0x00 };
	c->dstep = INTEL_ROM_ENTER;
	chipset_cmd(c, INTEL_OP_MFG, enter, 2);
}

/* A Command Complete while a ROM step runs: the driver passes every answer
 * here, refusals included (a refusal may be what the file expects). */
void intel_rom_complete(struct bh_chipset *c, uint16_t op, const uint8_t *rp, size_t n)
{
	switch (c->dstep) {
	case INTEL_ROM_ENTER:
		if (!n || rp[0]) {
			chipset_finish(c, BH_CHIPSET_FAILED, n ? BH_HCI_STATUS(rp[0]) : BH_EMALFORMED,
				       "the controller refused manufacturer mode (0xfc11)");
			return;
		}
		next_command(c);
		return;
	case INTEL_ROM_SENDING: {
		/* the last expected event after this command */
		const uint8_t *cmd = c->fw + c->seg_i;
		size_t o = c->seg_i + 4u + cmd[3], evt = o;
		while (o < c->fw_len && c->fw[o] == 0x02) {
			evt = o;
			o += 3u + c->fw[o + 2];
		}
		const uint8_t *e = c->fw + evt;
		size_t want = (size_t)e[2] - 3;
		if (n != want || (n && memcmp(rp, e + 6, n))) {
			snprintf(c->bseq_why, sizeof(c->bseq_why),
				 "command 0x%04x answered %zu bytes (status 0x%02x), the file expects "
				 "%zu (status 0x%02x)",
				 op, n, n ? rp[0] : 0xff, want, want ? e[6] : 0xff);
			c->bseq_failed = true;
			exit_mfg(c, 0x01, INTEL_ROM_EXIT_DEACTIVATE);
			return;
		}
		next_command(c);
		return;
	}
	case INTEL_ROM_EXIT_DEACTIVATE:
		chipset_finish(c, BH_CHIPSET_FAILED, BH_EPROTO,
			       "Intel patch %s: %s; the patch was deactivated%s",
			       c->rep.firmware, c->bseq_why,
			       n && !rp[0] ? "" : " (and leaving manufacturer mode failed)");
		return;
	case INTEL_ROM_EXIT_PLAIN:
	case INTEL_ROM_EXIT_ACTIVATE:
		if (!n || rp[0]) {
			chipset_finish(c, BH_CHIPSET_FAILED, n ? BH_HCI_STATUS(rp[0]) : BH_EMALFORMED,
				       "leaving manufacturer mode (0xfc11) failed");
			return;
		}
		if (c->dstep == INTEL_ROM_EXIT_PLAIN) {
			snprintf(c->rep.message, sizeof(c->rep.message),
				 "%s: %u commands applied (no memory writes: no reset)", c->rep.chip,
				 c->rep.commands);
			intel_patched(c);
			return;
		}
		c->dstep = INTEL_ROM_VERSION_AFTER;
		chipset_cmd(c, INTEL_OP_READ_VERSION, NULL, 0);
		return;
	case INTEL_ROM_VERSION_AFTER:
		if (n == 10 && rp[1] == 0x37 && rp[9]) {
			snprintf(c->rep.message, sizeof(c->rep.message),
				 "%s patched (%zu bytes, %u commands), patch 0x%02x active",
				 c->rep.chip, c->rep.download_bytes, c->rep.commands, rp[9]);
			intel_patched(c);
		} else {
			chipset_finish(c, BH_CHIPSET_FAILED, BH_EPROTO,
				       "after the patch the controller reports no patch number");
		}
		return;
	}
}
