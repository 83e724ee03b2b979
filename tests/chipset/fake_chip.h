/* Controllers that behave like the vendor chips during bring-up, as the
 * public drivers describe them: a Realtek ROM that answers 0xFC6D with its
 * ROM version, takes 0xFC20 fragments and comes back from reset with the
 * patch's version; a Broadcom ROM that takes the minidriver, Write RAM
 * records and Launch RAM. Sans-I/O: a command in, events out through emit.
 * Knobs make it fail the ways real chips do. */
#ifndef BH_TEST_FAKE_CHIP_H
#define BH_TEST_FAKE_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fake_kind { FAKE_REALTEK, FAKE_BROADCOM, FAKE_PLAIN, FAKE_INTEL, FAKE_INTEL_TLV, FAKE_INTEL_ROM };

typedef void (*fake_emit_fn)(void *ctx, const uint8_t *evt, size_t len);

struct fake_chip {
	enum fake_kind kind;
	uint8_t hci_ver, lmp_ver;
	uint16_t hci_rev, lmp_sub, manufacturer;
	uint8_t rom_version;
	/* knobs */
	int mute_at_cmd;        /* stop answering from the Nth command (1-based), 0 never */
	int refuse_at_fragment; /* answer the Nth download command with status 0x1f */
	bool unplug_after_reset_on_patch; /* re-enumerates when the patch starts */
	/* what it saw */
	int ncmds;
	int fragments, records;
	bool bad_index; /* a fragment index broke the documented sequence */
	uint8_t expect_index;
	uint8_t *dl;
	size_t dl_len;
	bool download_done, in_minidriver, launched, patched, unplugged;
	uint32_t patched_version; /* set by the test: what the patch reports */
	uint16_t last_op;
	/* Intel: the bootloader */
	uint32_t expect_sfi_len;  /* data bytes after which it reports the result */
	uint8_t sfi_result;       /* 0 ok; else the result it reports */
	bool no_boot_event;
	size_t hdr_got[4];        /* bytes per fragment type 0..3 */
	bool bad_order;           /* a fragment type came out of order */
	uint32_t boot_addr;       /* what Intel Reset asked for */
	int ddc_records;
	bool intel_operational;
	/* Intel TLV (FAKE_INTEL_TLV): an AX210-like bootloader by default */
	uint32_t tlv_cnvi_top, tlv_cnvr_top, tlv_cnvi_bt;
	uint8_t tlv_sbe, tlv_limited_cce;
	bool tlv_garbled;        /* unknown types, a zero-length entry, an odd length */
	bool tlv_cut;            /* the last entry runs past the answer's end */
	bool tlv_no_sbe;         /* no secure boot engine entry */
	uint8_t legacy_variant;  /* what the legacy form (0xFC05, no parameter) says */
	uint8_t *hdr_dl;         /* CSS header, key and signature bytes as received */
	size_t hdr_dl_len;
	/* Intel operational firmware: build number, week, year it reports
	 * (legacy answer bytes 6-8; TLV build number low byte, timestamp) */
	uint8_t run_build[3];
	int to_bootloader;       /* Intel Reset with reset type 1 seen */
	uint16_t lmp_sub_patched; /* LMP subversion once patched, 0 = unchanged */
	/* variants 0x1e on: the bootloader boots an intermediate loader
	 * (image type 0x02) that names the image with tlv_fw_id */
	const char *tlv_fw_id;
	bool iml_running;
	int iml_boots;
	uint32_t expect_sfi_len2; /* the second image's record bytes */
	/* Intel ROM (FAKE_INTEL_ROM, a 7260): manufacturer mode */
	bool in_mfg;
	int mfg_enters;
	int mfg_exit_reset; /* the reset byte of the last exit, -1 none */
};

void fake_chip_init(struct fake_chip *c, enum fake_kind kind);
void fake_chip_free(struct fake_chip *c);
/* A command from the host (opcode, parameters). */
void fake_chip_command(struct fake_chip *c, uint16_t op, const uint8_t *p, size_t n,
		       fake_emit_fn emit, void *ctx);

#endif
