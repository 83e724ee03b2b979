#include "fake_chip.h"

#include <stdlib.h>
#include <string.h>

void fake_chip_init(struct fake_chip *c, enum fake_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	if (kind == FAKE_REALTEK) {
		/* an RTL8761BU ROM: 5.1, revision 0x000b, subversion 0x8761 */
		c->hci_ver = c->lmp_ver = 0x0a;
		c->hci_rev = 0x000b;
		c->lmp_sub = 0x8761;
		c->manufacturer = 0x005d;
		c->rom_version = 1;
	} else if (kind == FAKE_BROADCOM) {
		/* a BCM20702A1 ROM */
		c->hci_ver = c->lmp_ver = 0x06;
		c->hci_rev = 0x1000;
		c->lmp_sub = 0x220e;
		c->manufacturer = 0x000f;
	} else if (kind == FAKE_INTEL || kind == FAKE_INTEL_TLV || kind == FAKE_INTEL_ROM) {
		c->hci_ver = c->lmp_ver = 0x08;
		c->hci_rev = 0x0100;
		c->lmp_sub = 0x0100;
		c->manufacturer = 0x0002;
		/* TyP2 (AX210): CNVi/CNVR top type 0x410 step 0, variant 0x17 */
		c->tlv_cnvi_top = c->tlv_cnvr_top = 0x00000410;
		c->tlv_cnvi_bt = 0x00173700;
		c->legacy_variant = 0x0c;
		c->mfg_exit_reset = -1;
		/* operational: build 0x45, week 0x30, 2021 */
		c->run_build[0] = 0x45;
		c->run_build[1] = 0x30;
		c->run_build[2] = 0x15;
	} else {
		c->hci_ver = c->lmp_ver = 0x09;
		c->hci_rev = 0x0001;
		c->lmp_sub = 0x0001;
		c->manufacturer = 0x0059;
	}
}

void fake_chip_free(struct fake_chip *c)
{
	free(c->dl);
	c->dl = NULL;
	free(c->hdr_dl);
	c->hdr_dl = NULL;
}

static size_t put_tlv(uint8_t *p, uint8_t type, uint8_t len, uint32_t v)
{
	p[0] = type;
	p[1] = len;
	for (int i = 0; i < len; i++)
		p[2 + i] = (uint8_t)(i < 4 ? v >> (8 * i) : 0x40u + (uint32_t)i);
	return 2u + len;
}

/* The TLV Read Version answer of a TLV part, as btintel describes it. */
static size_t tlv_answer(const struct fake_chip *c, uint8_t *rp)
{
	size_t o = 0;
	rp[o++] = 0;
	o += put_tlv(rp + o, 0x10, 4, c->tlv_cnvi_top);
	o += put_tlv(rp + o, 0x11, 4, c->tlv_cnvr_top);
	o += put_tlv(rp + o, 0x12, 4, c->tlv_cnvi_bt);
	o += put_tlv(rp + o, 0x13, 4, 0x02800410);
	o += put_tlv(rp + o, 0x16, 2, 0x0000);
	o += put_tlv(rp + o, 0x1c, 1, c->intel_operational ? 0x03 : c->iml_running ? 0x02 : 0x01);
	o += put_tlv(rp + o, 0x1d, 2, (uint32_t)(c->run_build[1] | c->run_build[2] << 8));
	o += put_tlv(rp + o, 0x1e, 1, 0x01);
	o += put_tlv(rp + o, 0x1f, 4,
		     c->intel_operational ? 0x00012300u | c->run_build[0] : 0x00000123);
	o += put_tlv(rp + o, 0x28, 1, 1);
	o += put_tlv(rp + o, 0x2a, 1, 0);
	o += put_tlv(rp + o, 0x2b, 1, 1);
	o += put_tlv(rp + o, 0x2c, 1, 0);
	o += put_tlv(rp + o, 0x2d, 3, 0x140c02);
	o += put_tlv(rp + o, 0x2e, 1, c->tlv_limited_cce);
	if (!c->tlv_no_sbe)
		o += put_tlv(rp + o, 0x2f, 1, c->tlv_sbe);
	o += put_tlv(rp + o, 0x30, 6, 0x33221100);
	if (c->tlv_fw_id && (c->iml_running || c->intel_operational)) {
		size_t n = strlen(c->tlv_fw_id);
		rp[o++] = 0x50;
		rp[o++] = (uint8_t)(n + 1);
		memcpy(rp + o, c->tlv_fw_id, n + 1); /* with its NUL, as a C string */
		o += n + 1;
	}
	if (c->tlv_garbled) {
		o += put_tlv(rp + o, 0x99, 0, 0);       /* unknown, empty */
		o += put_tlv(rp + o, 0x51, 13, 0x1234); /* unknown, odd size */
		o += put_tlv(rp + o, 0x17, 2, 0x8087);  /* USB vendor id: not used */
	}
	if (c->tlv_cut) {
		rp[o++] = 0x32;
		rp[o++] = 20; /* runs past the end */
		rp[o++] = 0xaa;
	}
	return o;
}

static void complete(struct fake_chip *c, uint16_t op, const uint8_t *rp, size_t n,
		     fake_emit_fn emit, void *ctx)
{
	(void)c;
	uint8_t e[260] = { 0x0e, (uint8_t)(3 + n), 1, (uint8_t)op, (uint8_t)(op >> 8) };
	memcpy(e + 5, rp, n);
	emit(ctx, e, 5 + n);
}

static void version(struct fake_chip *c, fake_emit_fn emit, void *ctx)
{
	uint16_t rev = c->hci_rev, sub = c->lmp_sub;
	if (c->patched && c->kind == FAKE_REALTEK) {
		rev = (uint16_t)(c->patched_version >> 16);
		sub = (uint16_t)c->patched_version;
	} else if (c->patched) {
		rev = (uint16_t)c->patched_version;
		if (c->lmp_sub_patched)
			sub = c->lmp_sub_patched;
	}
	uint8_t rp[9] = { 0, c->hci_ver, (uint8_t)rev, (uint8_t)(rev >> 8), c->lmp_ver,
			  (uint8_t)c->manufacturer, (uint8_t)(c->manufacturer >> 8), (uint8_t)sub,
			  (uint8_t)(sub >> 8) };
	complete(c, 0x1001, rp, 9, emit, ctx);
}

static void realtek_download(struct fake_chip *c, const uint8_t *p, size_t n, fake_emit_fn emit,
			     void *ctx)
{
	c->fragments++;
	uint8_t st = 0;
	if (n < 1 || n > 253 || c->download_done) {
		st = 0x12;
	} else {
		uint8_t idx = p[0] & 0x7f;
		if (idx != c->expect_index)
			c->bad_index = true;
		c->expect_index = idx == 0x7f ? 1 : (uint8_t)(idx + 1);
		c->dl = realloc(c->dl, c->dl_len + n - 1 + 1);
		memcpy(c->dl + c->dl_len, p + 1, n - 1);
		c->dl_len += n - 1;
		if (p[0] & 0x80)
			c->download_done = true;
		/* a fragment that is not the last must be full */
		if (!(p[0] & 0x80) && n != 253)
			c->bad_index = true;
	}
	if (c->refuse_at_fragment && c->fragments == c->refuse_at_fragment)
		st = 0x1f;
	uint8_t rp[2] = { st, n ? p[0] : 0 };
	complete(c, 0xfc20, rp, 2, emit, ctx);
}

/* An 8265 (hardware variant 0x0c) bootloader, device revision 16. */
static bool intel_command(struct fake_chip *c, uint16_t op, const uint8_t *p, size_t n,
			  fake_emit_fn emit, void *ctx)
{
	if (op == 0xfc05) {
		if (c->kind == FAKE_INTEL_TLV && n == 1 && p[0] == 0xff) {
			uint8_t rp[250];
			complete(c, op, rp, tlv_answer(c, rp), emit, ctx);
		} else {
			uint8_t var = c->kind == FAKE_INTEL_TLV ? c->legacy_variant : 0x0c;
			uint8_t rp[10] = { 0, 0x37, var, 0x00, c->intel_operational ? 0x23 : 0x06,
					   0x10, 0x2a, 0x10, 0x17, 0 };
			if (c->intel_operational)
				memcpy(rp + 6, c->run_build, 3);
			complete(c, op, rp, 10, emit, ctx);
		}
		return true;
	}
	if (op == 0xfc01 && n == 8 && p[0] == 0x01 && c->intel_operational) {
		/* hard reset: back to the bootloader (on USB it re-enumerates) */
		c->to_bootloader++;
		c->intel_operational = c->patched = false;
		uint8_t ok = 0;
		complete(c, op, &ok, 1, emit, ctx);
		return true;
	}
	if (c->intel_operational && op != 0xfc8b)
		return false;
	if (op == 0xfc0d) {
		uint8_t rp[23] = { 0, 0, 0, 0, 16, 0, 1 };
		for (int i = 0; i < 6; i++)
			rp[12 + i] = (uint8_t)(0x10 + i);
		complete(c, op, rp, 23, emit, ctx);
		return true;
	}
	if (op == 0xfc09 && n >= 1) {
		uint8_t type = p[0];
		static const uint8_t order[4] = { 0, 3, 2, 1 }; /* rank of each type */
		/* an ECDSA engine takes a 96-byte key and signature */
		size_t ks = c->kind == FAKE_INTEL_TLV && c->tlv_sbe == 1 ? 96 : 256;
		const size_t need[4] = { 128, 0, ks, ks };
		if (type > 3)
			c->bad_order = true;
		else {
			/* each earlier type must be complete */
			for (int t = 0; t < 4; t++)
				if (order[t] < order[type] && c->hdr_got[t] != need[t])
					c->bad_order = true;
			c->hdr_got[type] += n - 1;
		}
		if (type == 1 && (n - 1) % 4)
			c->bad_order = true;
		c->fragments++;
		if (type != 1) {
			c->hdr_dl = realloc(c->hdr_dl, c->hdr_dl_len + n);
			memcpy(c->hdr_dl + c->hdr_dl_len, p + 1, n - 1);
			c->hdr_dl_len += n - 1;
		}
		if (type == 1) {
			c->dl = realloc(c->dl, c->dl_len + n);
			memcpy(c->dl + c->dl_len, p + 1, n - 1);
			c->dl_len += n - 1;
		}
		uint8_t ok = 0;
		if (c->refuse_at_fragment && c->fragments == c->refuse_at_fragment)
			ok = 0x1f;
		complete(c, op, &ok, 1, emit, ctx);
		if (type == 1 && c->hdr_got[1] == (c->iml_running ? c->expect_sfi_len2
								  : c->expect_sfi_len)) {
			/* vendor event: Secure Send result (result, opcode, status) */
			uint8_t e[7] = { 0xff, 5, 0x06, c->sfi_result, 0x09, 0xfc, 0 };
			emit(ctx, e, 7);
		}
		return true;
	}
	if (op == 0xfc01 && n == 8) {
		c->boot_addr = (uint32_t)(p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24);
		uint8_t ok = 0;
		complete(c, op, &ok, 1, emit, ctx);
		if (c->no_boot_event)
			return true;
		if (c->kind == FAKE_INTEL_TLV && ((c->tlv_cnvi_bt >> 16) & 0x3f) >= 0x1e &&
		    !c->iml_running) {
			/* the intermediate loader boots; a second image follows */
			c->iml_running = true;
			c->iml_boots++;
			memset(c->hdr_got, 0, sizeof(c->hdr_got));
		} else {
			c->intel_operational = true;
			c->patched = true;
			c->iml_running = false;
		}
		uint8_t e[2 + 7] = { 0xff, 7, 0x02, 0, 1, 0, 0, 0, 0 };
		emit(ctx, e, sizeof(e));
		return true;
	}
	return false;
}

/* A 7260 ROM (variant 0x07, revision 0x10, firmware 1.80 build 2 week 3
 * 2013): vendor commands only in manufacturer mode; leaving it with reset
 * 0x02 after memory writes activates the patch (patch number 5). */
static bool intel_rom_command(struct fake_chip *c, uint16_t op, const uint8_t *p, size_t n,
			      fake_emit_fn emit, void *ctx)
{
	uint8_t st = 0;
	if (op == 0xfc05) {
		uint8_t rp[10] = { 0, 0x37, 0x07, 0x10, 0x01, 0x80, 0x02, 0x03, 0x0d,
				   c->patched ? 0x05 : 0x00 };
		complete(c, op, rp, 10, emit, ctx);
		return true;
	}
	if (op == 0xfc11 && n == 2) {
		if (p[0] == 0x01) {
			c->in_mfg = true;
			c->mfg_enters++;
		} else {
			c->in_mfg = false;
			c->mfg_exit_reset = p[1];
			if (p[1] == 0x02 && c->dl_len)
				c->patched = true;
		}
		complete(c, op, &st, 1, emit, ctx);
		return true;
	}
	if ((op >> 10) != 0x3f)
		return false;
	if (!c->in_mfg) {
		st = 0x0c; /* Command Disallowed */
	} else {
		c->records++;
		if (c->refuse_at_fragment && c->records == c->refuse_at_fragment)
			st = 0x1f;
		if (op == 0xfc8e) {
			c->dl = realloc(c->dl, c->dl_len + n + 1);
			memcpy(c->dl + c->dl_len, p, n);
			c->dl_len += n;
		}
	}
	complete(c, op, &st, 1, emit, ctx);
	return true;
}

void fake_chip_command(struct fake_chip *c, uint16_t op, const uint8_t *p, size_t n,
		       fake_emit_fn emit, void *ctx)
{
	c->ncmds++;
	c->last_op = op;
	if (c->unplugged || (c->mute_at_cmd && c->ncmds >= c->mute_at_cmd))
		return;
	uint8_t ok = 0;
	if (c->kind == FAKE_INTEL_ROM && intel_rom_command(c, op, p, n, emit, ctx))
		return;
	if ((c->kind == FAKE_INTEL || c->kind == FAKE_INTEL_TLV) &&
	    intel_command(c, op, p, n, emit, ctx))
		return;
	if (op == 0xfc8b && c->intel_operational) {
		c->ddc_records++;
		complete(c, op, &ok, 1, emit, ctx);
		return;
	}
	switch (op) {
	case 0x1001:
		version(c, emit, ctx);
		return;
	case 0x0c03:
		if (c->download_done && c->kind == FAKE_REALTEK && !c->bad_index)
			c->patched = true;
		if (c->launched)
			c->patched = true;
		if (c->patched && c->unplug_after_reset_on_patch) {
			c->unplugged = true;
			return;
		}
		complete(c, op, &ok, 1, emit, ctx);
		return;
	}
	if (c->kind == FAKE_REALTEK && op == 0xfc6d) {
		uint8_t rp[2] = { 0, c->rom_version };
		complete(c, op, rp, 2, emit, ctx);
		return;
	}
	if (c->kind == FAKE_REALTEK && op == 0xfc20) {
		realtek_download(c, p, n, emit, ctx);
		return;
	}
	if (c->kind == FAKE_BROADCOM && op == 0xfc2e) {
		c->in_minidriver = true;
		complete(c, op, &ok, 1, emit, ctx);
		return;
	}
	if (c->kind == FAKE_BROADCOM && c->in_minidriver && (op == 0xfc4c || op == 0xfc4e)) {
		c->records++;
		uint8_t st = c->refuse_at_fragment && c->records == c->refuse_at_fragment ? 0x1f : 0;
		c->dl = realloc(c->dl, c->dl_len + n + 1);
		memcpy(c->dl + c->dl_len, p, n);
		c->dl_len += n;
		if (op == 0xfc4e && !st) {
			c->launched = true;
			c->in_minidriver = false;
		}
		complete(c, op, &st, 1, emit, ctx);
		return;
	}
	uint8_t unknown = 0x01; /* Unknown HCI Command */
	complete(c, op, &unknown, 1, emit, ctx);
}
