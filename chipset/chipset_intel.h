/* Internal to chipset/: what the Intel driver's files share. */
#ifndef BH_CHIPSET_INTEL_H
#define BH_CHIPSET_INTEL_H

#include "chipset_internal.h"

/* Driver steps of the ROM (.bseq) path, apart from chipset_intel.c's. */
enum {
	INTEL_ROM_ENTER = 100,
	INTEL_ROM_SENDING,
	INTEL_ROM_EXIT_ACTIVATE,
	INTEL_ROM_EXIT_PLAIN,
	INTEL_ROM_EXIT_DEACTIVATE,
	INTEL_ROM_VERSION_AFTER,
	INTEL_LOCAL_VERSION_AFTER = 200,
};

/* The download worked and rep.message says so: HCI Read Local Version
 * fills the report's "after" fields, then bring-up ends PATCHED. */
void intel_patched(struct bh_chipset *c);

/* A ROM part (variant 0x07/0x08) answered the legacy version v (10 bytes,
 * status first): patch it, or say why not. */
void intel_rom_begin(struct bh_chipset *c, const uint8_t *v);
/* Command Complete return parameters while c->dstep >= INTEL_ROM_ENTER. */
void intel_rom_complete(struct bh_chipset *c, uint16_t op, const uint8_t *rp, size_t n);
/* The specific and the default .bseq names for legacy version v. */
void intel_bseq_names(const uint8_t *v, char *name, size_t len, char *dflt, size_t dlen);

#endif
