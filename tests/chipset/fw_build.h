/* Builds firmware files in the documented vendor formats (tests, fuzz
 * seeds, and the replay fixtures). Each returns the length written, or 0
 * if cap is too small. */
#ifndef BH_TEST_FW_BUILD_H
#define BH_TEST_FW_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fw_v1_patch {
	uint16_t chip_id; /* ROM version + 1 */
	const uint8_t *data;
	uint16_t len; /* includes the 4 bytes the version overwrites */
};
size_t fw_build_epatch_v1(uint8_t *out, size_t cap, uint32_t fw_version, uint8_t project,
			  const struct fw_v1_patch *p, int n);

struct fw_v2_subsec {
	uint32_t section_opcode; /* 1 snippets, 2 dummy, 3 security */
	uint8_t eco, prio, key_id;
	const uint8_t *data;
	uint32_t len;
};
/* One section per subsection (the format allows several per section; the
 * second form, all in one section, is fw_build_epatch_v2_packed). */
size_t fw_build_epatch_v2(uint8_t *out, size_t cap, uint32_t fw_version, uint8_t project,
			  const struct fw_v2_subsec *s, int n);
size_t fw_build_epatch_v2_packed(uint8_t *out, size_t cap, uint32_t fw_version, uint8_t project,
				 uint32_t opcode, const struct fw_v2_subsec *s, int n);

struct fw_hcd_rec {
	uint16_t opcode;
	const uint8_t *data;
	uint8_t len;
};
size_t fw_build_hcd(uint8_t *out, size_t cap, const struct fw_hcd_rec *r, int n);

/* Intel .sfi: 644-byte header (filled from seed) and n records of
 * rec_len parameter bytes (Intel Mem Write 0xfc8e), a Write Boot Params
 * record (0xfc0e) with boot_addr, and NOP records (0xfc02) padding each
 * record to a 4-byte boundary, as Intel's files do. */
size_t fw_build_sfi(uint8_t *out, size_t cap, uint32_t seed, int n, uint8_t rec_len,
		    uint32_t boot_addr);
/* The same for a TLV part (variants 0x17 on): the RSA header (CSS version
 * 0x00010000 at 8) then the 320-byte ECDSA one (type 0x06 at 644, version
 * 0x00020000 at 652), records from 964. */
size_t fw_build_sfi_tlv(uint8_t *out, size_t cap, uint32_t seed, int n, uint8_t rec_len,
			uint32_t boot_addr);
/* The build number, week and year (- 2000) the .sfi builders put in the
 * Write Boot Params record; by default what fake_chip's operational Intel
 * firmware reports (build 0x45, week 0x30, 2021). */
extern uint8_t fw_build_sfi_version[3];
/* Intel .bseq: a setup command (0xfc22, two expected events), then n
 * commands of rec_len parameter bytes, Intel Mem Write (0xfc8e) or, without
 * mem_write, 0xfc2f; each expects Command Complete with status 0. */
size_t fw_build_bseq(uint8_t *out, size_t cap, int n, uint8_t rec_len, bool mem_write);
/* Intel .ddc: n records (length, id le16, 4 data bytes). */
size_t fw_build_ddc(uint8_t *out, size_t cap, int n);

/* Deterministic filler bytes. */
void fw_fill(uint8_t *p, size_t n, uint32_t seed);

#endif
