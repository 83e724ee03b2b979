/* Firmware parsers on files built in the documented formats: Realtek epatch
 * v1 and v2, Broadcom .hcd; well-formed, malformed, and every truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/chipset.h>

#include "fw_build.h"

static uint8_t file[8192];

/* The last extraction's results (its patch is freed by the next one). */
static struct {
	uint8_t *out;
	size_t olen;
	uint32_t ver;
	char err[128];
} X;

static int extract(const uint8_t *f, size_t n, uint16_t lmp, uint8_t rom)
{
	free(X.out);
	return bh_rtl_epatch_extract(f, n, lmp, rom, &X.out, &X.olen, &X.ver, X.err, sizeof(X.err));
}

static size_t v1_two_patches(uint8_t *p1, uint8_t *p2)
{
	fw_fill(p1, 300, 1);
	fw_fill(p2, 500, 2);
	struct fw_v1_patch ps[] = { { 1, p1, 300 }, { 2, p2, 500 } };
	return fw_build_epatch_v1(file, sizeof(file), 0x12345678, 14, ps, 2);
}

static void v1_selects_by_rom_version(void **state)
{
	(void)state;
	uint8_t p1[300], p2[500];
	size_t n = v1_two_patches(p1, p2);
	assert_int_equal(extract(file, n, 0x8761, 1), BH_OK);
	assert_int_equal(X.olen, 500);
	assert_int_equal(X.ver, 0x12345678);
	assert_memory_equal(X.out, p2, 496);
	/* the version replaces the patch's last four bytes */
	const uint8_t v[4] = { 0x78, 0x56, 0x34, 0x12 };
	assert_memory_equal(X.out + 496, v, 4);
	assert_int_equal(extract(file, n, 0x8761, 0), BH_OK);
	assert_int_equal(X.olen, 300);
	assert_memory_equal(X.out, p1, 296);
}

static void v1_no_patch_for_rom(void **state)
{
	(void)state;
	uint8_t p1[300], p2[500];
	size_t n = v1_two_patches(p1, p2);
	assert_int_equal(extract(file, n, 0x8761, 7), BH_ENOTFOUND);
	assert_null(X.out);
	assert_non_null(strstr(X.err, "ROM version"));
}

static void v1_wrong_chip(void **state)
{
	(void)state;
	uint8_t p1[300], p2[500];
	size_t n = v1_two_patches(p1, p2);
	/* project 14 is the RTL8761B family; an RTL8822 must not take it */
	assert_int_equal(extract(file, n, 0x8822, 1), BH_EMALFORMED);
	assert_non_null(strstr(X.err, "8761"));
}

static void v1_malformed(void **state)
{
	(void)state;
	uint8_t p1[300], p2[500];
	size_t n = v1_two_patches(p1, p2);
	/* every truncation fails cleanly (the signature is at the end) */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(extract(file, k, 0x8761, 1), BH_EMALFORMED);
	/* patch offset outside the file */
	uint8_t bad[sizeof(file)];
	memcpy(bad, file, n);
	bad[14 + 8 + 4] = 0xff;
	bad[14 + 8 + 5] = 0xff;
	assert_int_equal(extract(bad, n, 0x8761, 1), BH_EMALFORMED);
	assert_non_null(strstr(X.err, "outside"));
	/* a patch shorter than the version it must carry */
	memcpy(bad, file, n);
	bad[14 + 6] = 3;
	bad[14 + 7] = 0;
	assert_int_equal(extract(bad, n, 0x8761, 1), BH_EMALFORMED);
	/* a patch table longer than the file */
	memcpy(bad, file, n);
	bad[12] = 0xff;
	bad[13] = 0x7f;
	assert_int_equal(extract(bad, n, 0x8761, 1), BH_EMALFORMED);
	/* no signature */
	memcpy(bad, file, n);
	memcpy(bad, "Realtexx", 8);
	assert_int_equal(extract(bad, n, 0x8761, 1), BH_EMALFORMED);
	/* an instruction of length 0 before the project id */
	memcpy(bad, file, n);
	bad[n - 6] = 0;
	assert_int_equal(extract(bad, n, 0x8761, 1), BH_EMALFORMED);
	/* an unknown project id */
	memcpy(bad, file, n);
	bad[n - 7] = 99;
	assert_int_equal(extract(bad, n, 0x8761, 1), BH_EMALFORMED);
}

static void v2_orders_by_priority(void **state)
{
	(void)state;
	const uint8_t a[] = "AAAA", b[] = "BBBBBB", x[] = "XX", s[] = "SSS", d[] = "DD";
	struct fw_v2_subsec ss[] = {
		{ 1, 2, 5, 0, b, 6 }, /* snippets for ROM 1, priority 5 */
		{ 1, 2, 1, 0, a, 4 }, /* priority 1: goes first */
		{ 1, 3, 0, 0, x, 2 }, /* another ROM version */
		{ 3, 2, 0, 1, s, 3 }, /* security header for key id 1: not ours */
		{ 2, 2, 9, 0, d, 2 }, /* dummy header, last */
		{ 7, 2, 0, 0, x, 2 }, /* unknown section opcode: ignored */
	};
	size_t n = fw_build_epatch_v2(file, sizeof(file), 0xabcd0001, 14, ss, 6);
	assert_true(n > 0);
	assert_int_equal(extract(file, n, 0x8761, 1), BH_OK);
	assert_int_equal(X.ver, 0xabcd0001);
	assert_int_equal(X.olen, 12);
	assert_memory_equal(X.out, "AAAABBBBBBDD", 12);
	assert_int_equal(extract(file, n, 0x8761, 2), BH_OK);
	assert_int_equal(X.olen, 2);
	assert_int_equal(extract(file, n, 0x8761, 5), BH_ENOTFOUND);
}

static void v2_packed_equal_priority(void **state)
{
	(void)state;
	const uint8_t a[] = "first", b[] = "second";
	struct fw_v2_subsec ss[] = { { 1, 1, 4, 0, a, 5 }, { 1, 1, 4, 0, b, 6 } };
	size_t n = fw_build_epatch_v2_packed(file, sizeof(file), 1, 13, 1, ss, 2);
	assert_int_equal(extract(file, n, 0x8822, 0), BH_OK);
	/* of equal priority, the later one goes first */
	assert_memory_equal(X.out, "secondfirst", 11);
		/* a subsection running past its section */
	file[20 + 12 + 4] = 0xff;
	assert_int_equal(extract(file, n, 0x8822, 0), BH_EMALFORMED);
	/* a section running past the file */
	n = fw_build_epatch_v2_packed(file, sizeof(file), 1, 13, 1, ss, 2);
	file[20 + 4 + 2] = 0xff;
	assert_int_equal(extract(file, n, 0x8822, 0), BH_EMALFORMED);
	n = fw_build_epatch_v2_packed(file, sizeof(file), 1, 13, 1, ss, 2);
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(extract(file, k, 0x8822, 0), BH_OK);
}

struct walk {
	int n;
	uint16_t ops[8];
};

static int on_rec(void *ctx, uint16_t op, const uint8_t *p, size_t n)
{
	(void)p;
	(void)n;
	struct walk *w = ctx;
	w->ops[w->n++] = op;
	return 0;
}

static void hcd_walk(void **state)
{
	(void)state;
	uint8_t d1[200], d2[10];
	fw_fill(d1, sizeof(d1), 3);
	fw_fill(d2, sizeof(d2), 4);
	struct fw_hcd_rec rs[] = { { 0xfc4c, d1, 200 }, { 0xfc4c, d2, 10 }, { 0xfc4e, d2, 4 } };
	size_t n = fw_build_hcd(file, sizeof(file), rs, 3);
	struct walk w = { 0 };
	char err[128];
	assert_int_equal(bh_bcm_hcd_walk(file, n, on_rec, &w, err, sizeof(err)), 3);
	assert_int_equal(w.ops[0], 0xfc4c);
	assert_int_equal(w.ops[2], 0xfc4e);
	/* every truncation inside a record fails; at a record boundary it
	 * is a shorter valid file */
	for (size_t k = 0; k < n; k++) {
		int rc = bh_bcm_hcd_walk(file, k, NULL, NULL, err, sizeof(err));
		if (k == 0 || (k != 203 && k != 216))
			assert_int_equal(rc, BH_EMALFORMED);
		else
			assert_true(rc > 0);
	}
	/* a standard (non-vendor) command in the file */
	file[203] = 0x03;
	file[204] = 0x0c;
	assert_int_equal(bh_bcm_hcd_walk(file, n, NULL, NULL, err, sizeof(err)), BH_EMALFORMED);
	assert_non_null(strstr(err, "record 2"));
}

static int count_group(void *ctx, size_t off, size_t n)
{
	size_t *next = ctx;
	assert_int_equal(off, *next);
	assert_int_equal(n % 4, 0);
	*next = off + n;
	return 0;
}

static void intel_sfi_and_ddc(void **state)
{
	(void)state;
	size_t n = fw_build_sfi(file, sizeof(file), 1, 5, 30, 0x00040800);
	uint32_t boot;
	size_t next = 644;
	char err[128];
	assert_true(bh_intel_sfi_walk(file, n, count_group, &next, &boot, err, sizeof(err)) > 0);
	assert_int_equal(next, n);
	assert_int_equal(boot, 0x00040800);
	/* every truncation is malformed: cut inside a record, off the 4-byte
	 * grid, or before the boot parameters record that ends the file */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(bh_intel_sfi_walk(file, k, NULL, NULL, &boot, err, sizeof(err)),
				 BH_EMALFORMED);
	/* no boot parameters record */
	size_t at = 644;
	while (at + 3 < n && !(file[at] == 0x0e && file[at + 1] == 0xfc))
		at += 3u + file[at + 2];
	assert_true(at + 3 < n);
	file[at] = 0x8e; /* the 0xfc0e record becomes another Mem Write */
	assert_int_equal(bh_intel_sfi_walk(file, n, NULL, NULL, &boot, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_non_null(strstr(err, "0xfc0e"));
	n = fw_build_ddc(file, sizeof(file), 3);
	assert_int_equal(bh_intel_ddc_walk(file, n, NULL, NULL, err, sizeof(err)), 3);
	assert_int_equal(bh_intel_ddc_walk(file, n - 1, NULL, NULL, err, sizeof(err)), BH_EMALFORMED);
	file[7] = 1; /* a record too short for its id */
	assert_int_equal(bh_intel_ddc_walk(file, n, NULL, NULL, err, sizeof(err)), BH_EMALFORMED);
}

/* The TLV version answer: fields, skipped types, refusals. */
/* Variants 0x1e on: the loader's name in the bootloader, the firmware id's
 * once the loader or the firmware runs; ids that are no file name refused. */
static void intel_tlv_fw_id_names(void **state)
{
	(void)state;
	uint8_t a[64] = { 0x10, 4, 0x10, 0x04, 0, 0,   /* CNVi top 0x410 */
			  0x11, 4, 0x10, 0x04, 0, 0,   /* CNVR top 0x410 */
			  0x12, 4, 0x00, 0x37, 0x1e, 0, /* BlazarI */
			  0x1c, 1, 0x01 };
	size_t n = 21;
	struct bh_intel_tlv v;
	char err[96], name[128];
	assert_int_equal(bh_intel_tlv_parse(a, n, &v, err, sizeof(err)), BH_OK);
	bh_intel_tlv_fw_name(&v, "sfi", name, sizeof(name));
	assert_string_equal(name, "intel/ibt-0041-0041-iml.sfi");
	a[20] = 0x02; /* the intermediate loader, with its id (NUL included) */
	static const uint8_t id[] = { 0x50, 7, 'a', '0', '-', 'u', '_', 'b', 0 };
	memcpy(a + n, id, sizeof(id));
	assert_int_equal(bh_intel_tlv_parse(a, n + sizeof(id), &v, err, sizeof(err)), BH_OK);
	assert_string_equal(v.fw_id, "a0-u_b");
	assert_false(v.fw_id_bad);
	bh_intel_tlv_fw_name(&v, "ddc", name, sizeof(name));
	assert_string_equal(name, "intel/ibt-0041-0041-a0-u_b.ddc");
	/* no id: the plain name */
	assert_int_equal(bh_intel_tlv_parse(a, n, &v, err, sizeof(err)), BH_OK);
	bh_intel_tlv_fw_name(&v, "sfi", name, sizeof(name));
	assert_string_equal(name, "intel/ibt-0041-0041.sfi");
	/* before 0x1e the id is not part of the name */
	a[16] = 0x1d;
	assert_int_equal(bh_intel_tlv_parse(a, n + sizeof(id), &v, err, sizeof(err)), BH_OK);
	bh_intel_tlv_fw_name(&v, "sfi", name, sizeof(name));
	assert_string_equal(name, "intel/ibt-0041-0041.sfi");
	a[16] = 0x1e;
	/* a slash, a dot, a control byte: taken as no id, flagged */
	static const char *const bad[] = { "../x", "a.b", "a\x01" };
	for (int i = 0; i < 3; i++) {
		uint8_t b[64];
		memcpy(b, a, n);
		size_t l = strlen(bad[i]);
		b[n] = 0x50;
		b[n + 1] = (uint8_t)l;
		memcpy(b + n + 2, bad[i], l);
		assert_int_equal(bh_intel_tlv_parse(b, n + 2 + l, &v, err, sizeof(err)), BH_OK);
		assert_true(v.fw_id_bad);
		assert_string_equal(v.fw_id, "");
	}
	/* 65 characters: too long for a name */
	static uint8_t big[21 + 2 + 65];
	memcpy(big, a, n);
	big[n] = 0x50;
	big[n + 1] = 65;
	memset(big + n + 2, 'x', 65);
	assert_int_equal(bh_intel_tlv_parse(big, sizeof(big), &v, err, sizeof(err)), BH_OK);
	assert_true(v.fw_id_bad);
	assert_string_equal(bh_intel_variant_name(0x20), "Scorpius Peak2");
	assert_null(bh_intel_variant_name(0x16));
}

/* The version in an .sfi's Write Boot Params record, and every cut. */
static void intel_sfi_version(void **state)
{
	(void)state;
	static uint8_t f[8192];
	size_t n = fw_build_sfi_tlv(f, sizeof(f), 5, 3, 20, 0x00040800);
	uint8_t b[3];
	assert_int_equal(bh_intel_sfi_version(f, n, 964, b), BH_OK);
	assert_memory_equal(b, fw_build_sfi_version, 3);
	for (size_t cut = 964; cut < n; cut++) {
		int rc = bh_intel_sfi_version(f, cut, 964, b);
		assert_true(rc == BH_OK || rc == BH_EMALFORMED || rc == BH_ENOTFOUND);
	}
	/* records only up to the boot parameters: not found */
	assert_int_equal(bh_intel_sfi_version(f, 964, 964, b), BH_ENOTFOUND);
	/* a Write Boot Params record too short to hold the version */
	static const uint8_t shortrec[] = { 0x0e, 0xfc, 4, 0, 8, 4, 0 };
	assert_int_equal(bh_intel_sfi_version(shortrec, sizeof(shortrec), 0, b), BH_ENOTFOUND);
	assert_int_equal(bh_intel_sfi_version(shortrec, 5, 0, b), BH_EMALFORMED);
}

static void intel_tlv_parse(void **state)
{
	(void)state;
	static const uint8_t ok[] = {
		0x10, 4, 0x00, 0x04, 0x00, 0x01, /* CNVi top: type 0x400 step 1 */
		0x11, 4, 0x10, 0x05, 0x00, 0x00, /* CNVR top: type 0x510 step 0 */
		0x12, 4, 0x00, 0x37, 0x1c, 0x00, /* CNVi BT: platform 0x37, variant 0x1c */
		0x16, 2, 0x02, 0x00,             /* device revision 2 */
		0x1c, 1, 0x01,                   /* bootloader */
		0x77, 0,                         /* unknown, empty */
		0x2f, 1, 0x01,                   /* ECDSA */
		0x2d, 3, 5, 40, 21,              /* minimum build 5, week 40, 2021 */
		0x30, 6, 1, 2, 3, 4, 5, 6,       /* OTP BD_ADDR */
		0x55, 3, 9, 9, 9,                /* unknown */
	};
	struct bh_intel_tlv v;
	char err[96], name[64], line[256];
	assert_int_equal(bh_intel_tlv_parse(ok, sizeof(ok), &v, err, sizeof(err)), BH_OK);
	assert_int_equal(v.cnvi_top, 0x01000400);
	assert_int_equal(bh_intel_hw_platform(v.cnvi_bt), 0x37);
	assert_int_equal(bh_intel_hw_variant(v.cnvi_bt), 0x1c);
	assert_int_equal(v.dev_rev_id, 2);
	assert_int_equal(v.image_type, 0x01);
	assert_true(v.have_sbe);
	assert_int_equal(v.sbe_type, 1);
	assert_int_equal(v.min_fw[1], 40);
	assert_true(v.have_bdaddr);
	assert_int_equal(v.otp_bdaddr[5], 6);
	assert_int_equal(v.unknown, 2);
	/* type << 4 | step, byte-swapped: 0x4001 -> 0140, 0x5100 -> 0051 */
	bh_intel_tlv_fw_name(&v, "sfi", name, sizeof(name));
	assert_string_equal(name, "intel/ibt-0140-0051.sfi");
	bh_intel_tlv_fw_name(&v, "ddc", name, sizeof(name));
	assert_string_equal(name, "intel/ibt-0140-0051.ddc");
	bh_intel_tlv_describe(&v, line, sizeof(line));
	assert_non_null(strstr(line, "SBE ECDSA, minimum firmware build 5 week 40 2021"));
	/* a small buffer is cut, not overrun */
	char tiny[20];
	bh_intel_tlv_describe(&v, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);

	/* runs past the end, at each possible cut */
	for (size_t n = 1; n < sizeof(ok); n++) {
		int rc = bh_intel_tlv_parse(ok, n, &v, err, sizeof(err));
		bool boundary = n == 6 || n == 12 || n == 18 || n == 22 || n == 25 || n == 27 ||
				n == 30 || n == 35 || n == 43;
		assert_int_equal(rc, boundary ? BH_OK : BH_EMALFORMED);
	}
	/* a used field shorter than its size */
	static const uint8_t short_top[] = { 0x10, 2, 0x10, 0x04 };
	assert_int_equal(bh_intel_tlv_parse(short_top, sizeof(short_top), &v, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_non_null(strstr(err, "type 0x10"));
	/* nothing at all: every field absent */
	assert_int_equal(bh_intel_tlv_parse(ok, 0, &v, err, sizeof(err)), BH_OK);
	assert_false(v.have_sbe);
	assert_int_equal(v.image_type, 0);
}

/* Where the secure-send pieces are, per secure boot engine. */
static void intel_tlv_sfi_layout(void **state)
{
	(void)state;
	static uint8_t f[8000];
	size_t n = fw_build_sfi_tlv(f, sizeof(f), 3, 6, 20, 0x1000);
	assert_true(n > 964);
	struct bh_intel_sfi_piece h[3];
	size_t pay = 0;
	char err[128];
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x17, 0, h, &pay, err, sizeof(err)), BH_OK);
	assert_int_equal(pay, 964);
	assert_int_equal(h[1].off, 128);
	assert_int_equal(h[2].off, 388);
	assert_int_equal(h[2].len, 256);
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x17, 1, h, &pay, err, sizeof(err)), BH_OK);
	assert_int_equal(h[0].off, 644);
	assert_int_equal(h[1].type, 0x03);
	assert_int_equal(h[1].off, 772);
	assert_int_equal(h[2].type, 0x02);
	assert_int_equal(h[2].off, 868);
	assert_int_equal(h[2].len, 96);
	uint32_t boot = 0;
	assert_true(bh_intel_sfi_walk_from(f, n, pay, NULL, NULL, &boot, err, sizeof(err)) > 0);
	assert_int_equal(boot, 0x1000);
	/* legacy variants: RSA only, records from 644 */
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x12, 0, h, &pay, err, sizeof(err)), BH_OK);
	assert_int_equal(pay, 644);
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x12, 1, h, &pay, err, sizeof(err)), BH_ENOTSUP);
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x17, 2, h, &pay, err, sizeof(err)), BH_ENOTSUP);
	/* too short for both headers */
	assert_int_equal(bh_intel_sfi_layout(f, 964, 0x17, 0, h, &pay, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_non_null(strstr(err, "964"));
	/* ECDSA header missing or of another version */
	f[652] ^= 1;
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x17, 1, h, &pay, err, sizeof(err)),
			 BH_EMALFORMED);
	f[652] ^= 1;
	f[644] = 0;
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x17, 0, h, &pay, err, sizeof(err)),
			 BH_EMALFORMED);
	f[644] = 6;
	f[10] = 0; /* version 0x00000000 */
	assert_int_equal(bh_intel_sfi_layout(f, n, 0x17, 0, h, &pay, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_non_null(strstr(err, "CSS header version"));
}

struct bseq_seen {
	int n;
	size_t cmd[8], evt[8];
};

static int on_bseq(void *ctx, size_t cmd, size_t evt)
{
	struct bseq_seen *b = ctx;
	b->cmd[b->n] = cmd;
	b->evt[b->n++] = evt;
	return 0;
}

/* Intel .bseq: commands, their last expected event, every cut point. */
static void intel_bseq(void **state)
{
	(void)state;
	static uint8_t f[1024];
	size_t n = fw_build_bseq(f, sizeof(f), 3, 20, true);
	struct bseq_seen b = { 0 };
	bool writes = false;
	char err[128], name[96], dflt[64];
	assert_int_equal(bh_intel_bseq_walk(f, n, on_bseq, &b, &writes, err, sizeof(err)), 4);
	assert_true(writes);
	/* the setup command's second event is the one that counts */
	assert_int_equal(b.cmd[0], 0);
	assert_int_equal(b.evt[0], 10);
	assert_int_equal(b.cmd[1], 17);
	assert_int_equal(b.evt[1], 17 + 24);
	n = fw_build_bseq(f, sizeof(f), 3, 20, false);
	assert_int_equal(bh_intel_bseq_walk(f, n, NULL, NULL, &writes, err, sizeof(err)), 4);
	assert_false(writes);
	/* a cut anywhere but between two commands is refused */
	for (size_t cut = 1; cut < n; cut++) {
		int rc = bh_intel_bseq_walk(f, cut, NULL, NULL, NULL, err, sizeof(err));
		bool boundary = cut == 17 || cut == 17 + 31 || cut == 17 + 62;
		/* at 10 the setup command's last whole event is the vendor one */
		assert_int_equal(rc, boundary ? (int)(1 + (cut - 17) / 31)
				     : cut == 10 ? BH_ENOTSUP : BH_EMALFORMED);
	}
	/* not a command where one must start; an event for another opcode */
	f[17] = 0x03;
	assert_int_equal(bh_intel_bseq_walk(f, n, NULL, NULL, NULL, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_non_null(strstr(err, "command 2"));
	f[17] = 0x01;
	f[17 + 24 + 4] ^= 1;
	assert_int_equal(bh_intel_bseq_walk(f, n, NULL, NULL, NULL, err, sizeof(err)), BH_ENOTSUP);
	/* names from the legacy version: lower-case hex, no padding */
	static const uint8_t v[10] = { 0, 0x37, 0x08, 0x10, 0x01, 0x80, 0x0a, 0x2b, 0x0e, 0 };
	extern void intel_bseq_names(const uint8_t *v, char *name, size_t len, char *dflt,
				     size_t dlen);
	intel_bseq_names(v, name, sizeof(name), dflt, sizeof(dflt));
	assert_string_equal(name, "intel/ibt-hw-37.8.10-fw-1.80.a.2b.e.bseq");
	assert_string_equal(dflt, "intel/ibt-hw-37.8.bseq");
}

static void quirk_table(void **state)
{
	(void)state;
	const struct bh_chipset_quirk *q = bh_chipset_usb_lookup(0x2357, 0x0604);
	assert_non_null(q);
	assert_int_equal(q->vendor, BH_CHIPSET_REALTEK);
	/* vendor-wide rows */
	q = bh_chipset_usb_lookup(0x0bda, 0x1234);
	assert_non_null(q);
	assert_int_equal(q->vendor, BH_CHIPSET_REALTEK);
	assert_null(bh_chipset_usb_lookup(0x1d6b, 0x0002));
	/* every row has its evidence */
	size_t i = 0;
	for (; bh_chipset_quirk_at(i); i++) {
		assert_non_null(bh_chipset_quirk_at(i)->device);
		assert_true(strlen(bh_chipset_quirk_at(i)->evidence) > 10);
	}
	assert_true(i >= 10);
	/* behaviour: a CSR that claims Bluetooth 5.0 is a clone; a genuine
	 * CSR8510 (4.0, revision == subversion) is not */
	assert_int_equal(bh_chipset_behaviour_quirks(10, 9, 0x0810, 0x0c5c, NULL), BH_QUIRK_FAKE_CSR);
	assert_int_equal(bh_chipset_behaviour_quirks(10, 6, 0x22bb, 0x22bb, NULL), 0);
	const uint8_t zero[6] = { 0 }, some[6] = { 1, 2, 3, 4, 5, 6 };
	assert_int_equal(bh_chipset_behaviour_quirks(89, 9, 1, 1, zero), BH_QUIRK_NO_PUBLIC_ADDRESS);
	assert_int_equal(bh_chipset_behaviour_quirks(89, 9, 1, 1, some), 0);
	char buf[80];
	assert_string_equal(bh_chipset_quirk_names(BH_QUIRK_FAKE_CSR | BH_QUIRK_ROM_WORKS, buf,
						    sizeof(buf)),
			    "fake-csr,rom-works");
	assert_string_equal(bh_chipset_quirk_names(0, buf, sizeof(buf)), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1_selects_by_rom_version),
		cmocka_unit_test(v1_no_patch_for_rom),
		cmocka_unit_test(v1_wrong_chip),
		cmocka_unit_test(v1_malformed),
		cmocka_unit_test(v2_orders_by_priority),
		cmocka_unit_test(v2_packed_equal_priority),
		cmocka_unit_test(hcd_walk),
		cmocka_unit_test(intel_sfi_and_ddc),
		cmocka_unit_test(intel_tlv_parse),
		cmocka_unit_test(intel_tlv_fw_id_names),
		cmocka_unit_test(intel_sfi_version),
		cmocka_unit_test(intel_tlv_sfi_layout),
		cmocka_unit_test(intel_bseq),
		cmocka_unit_test(quirk_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
