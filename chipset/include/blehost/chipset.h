/* blehost chipset layer: vendor bring-up of real controllers.
 *
 * Many USB dongles and UART modules need vendor work before the standard HCI
 * initialisation: Realtek parts want a firmware patch and config downloaded,
 * Broadcom parts run better with their patchram, some controllers have no
 * public address or claim commands they break on. This layer knows those
 * protocols and nothing else. It is sans-I/O like every layer: it is given
 * HCI events and firmware bytes (through its port) and returns HCI commands
 * (through its port); the host runs it between opening the transport and
 * the standard HCI init (host/host_chipset.c).
 *
 * The driver is chosen by USB VID:PID (the quirk table, chipset_quirks.c,
 * one row per known device with its evidence) and, when the ID is unknown or
 * the transport is not USB, by the manufacturer in HCI Read Local Version
 * (Core Spec Vol 4, Part E, 7.4.1; company identifiers: Realtek 0x005d,
 * Broadcom 0x000f, Intel 0x0002).
 *
 * -Dchipset=false (meson option, default on) leaves the vendor drivers and
 * firmware parsers out (chipset_off.c): the API still links, the quirk table
 * stays; bring-up with driver NULL/"auto"/"none" finishes at once with BH_OK
 * (outcome BH_CHIPSET_NOTHING_TO_DO, the controller runs on its ROM
 * firmware), a forced vendor driver fails with BH_ENOTSUP, and the firmware
 * parsers below return BH_ENOTSUP.
 *
 * Buffers passed into calls are borrowed for the call. Firmware bytes handed
 * over by port.load are owned by the layer (freed with free()).
 */
#ifndef BH_CHIPSET_H
#define BH_CHIPSET_H

#include <blehost/bh_env.h>
#include <blehost/bh_err.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bh_chipset_vendor {
	BH_CHIPSET_GENERIC = 0, /* standard HCI, nothing vendor-specific to do */
	BH_CHIPSET_REALTEK,
	BH_CHIPSET_BROADCOM,
	BH_CHIPSET_INTEL,
};
const char *bh_chipset_vendor_str(enum bh_chipset_vendor v);

/* Quirks: behaviour of a device the rest of the stack must work around. */
#define BH_QUIRK_NO_PUBLIC_ADDRESS (1u << 0) /* BD_ADDR is 0: use the static random address */
#define BH_QUIRK_FAKE_CSR (1u << 1)          /* CSR8510 clone: claims commands it breaks on */
#define BH_QUIRK_NEEDS_PATCH (1u << 2)       /* mute or half-working until patched */
#define BH_QUIRK_ROM_WORKS (1u << 3)         /* works (older features) without a patch */

/* Writes the names of the flags in q ("no-public-address,fake-csr", or
 * "none") into buf; returns buf. */
const char *bh_chipset_quirk_names(uint32_t q, char *buf, size_t len);

/* One row of the quirk table. */
struct bh_chipset_quirk {
	uint16_t vid, pid;            /* USB IDs; pid 0xffff = any product of vid */
	enum bh_chipset_vendor vendor; /* driver to run */
	uint32_t quirks;
	const char *device;   /* what it is sold as */
	const char *evidence; /* why the row exists: where the ID and behaviour come from */
};
/* The row for vid:pid, or NULL. */
const struct bh_chipset_quirk *bh_chipset_usb_lookup(uint16_t vid, uint16_t pid);
/* Row i of the table, NULL past the end (for docs, `blehost usb`, tests). */
const struct bh_chipset_quirk *bh_chipset_quirk_at(size_t i);
/* Quirks recognised by behaviour rather than ID, from Read Local Version and
 * Read BD_ADDR answers (BH_QUIRK_FAKE_CSR, BH_QUIRK_NO_PUBLIC_ADDRESS). */
uint32_t bh_chipset_behaviour_quirks(uint16_t manufacturer, uint8_t hci_version,
				     uint16_t hci_revision, uint16_t lmp_subversion,
				     const uint8_t bdaddr[6]);

/* Linux distribution packages that ship a vendor's firmware. */
const char *bh_chipset_firmware_package(enum bh_chipset_vendor v);

struct bh_chipset_port {
	/* Sends one HCI command (opcode and parameters, borrowed). */
	int (*send)(void *ctx, uint16_t opcode, const uint8_t *params, size_t len);
	/* Loads firmware file name (relative, "rtl_bt/rtl8761bu_fw.bin"). On
	 * BH_OK *data is malloc'd and owned by the layer, and path says where it
	 * was found; BH_ENOTFOUND when no search directory has it. */
	int (*load)(void *ctx, const char *name, uint8_t **data, size_t *len, char *path,
		    size_t pathlen);
	/* Bring-up finished: BH_OK (go on with the standard init) or why not.
	 * Called exactly once per bh_chipset_start. */
	void (*done)(void *ctx, bh_status result);
	void *ctx;
};

struct bh_chipset_config {
	bool have_usb_id; /* the transport is USB and these are its IDs */
	uint16_t vid, pid;
	/* NULL/"auto": by USB ID then manufacturer; "none": skip vendor work;
	 * "realtek", "broadcom", "intel": force that driver. */
	const char *driver;
	unsigned cmd_timeout_ms; /* 0: 5000 (vendor commands can be slow) */
};
void bh_chipset_config_default(struct bh_chipset_config *cfg);

enum bh_chipset_outcome {
	BH_CHIPSET_NOT_RUN = 0,
	BH_CHIPSET_RUNNING,
	BH_CHIPSET_NOTHING_TO_DO,   /* no vendor work for this controller */
	BH_CHIPSET_PATCHED,         /* firmware downloaded and the controller came back */
	BH_CHIPSET_ALREADY_PATCHED, /* running patched firmware already (warm start) */
	BH_CHIPSET_NO_FIRMWARE,     /* file missing: continued on the ROM firmware */
	BH_CHIPSET_UNKNOWN_CHIP,    /* vendor known, chip not: continued unpatched */
	BH_CHIPSET_FAILED,
};
const char *bh_chipset_outcome_str(enum bh_chipset_outcome o);

/* What bring-up found and did (for `blehost info`). */
struct bh_chipset_report {
	enum bh_chipset_outcome outcome;
	bh_status status;
	enum bh_chipset_vendor vendor;
	const char *chip; /* "RTL8761BU", NULL when unknown */
	uint32_t quirks;
	bool have_usb_id;
	uint16_t vid, pid;
	uint16_t manufacturer;
	uint8_t hci_version;
	uint16_t hci_revision, lmp_subversion;             /* before any download */
	uint16_t hci_revision_after, lmp_subversion_after; /* after it (PATCHED only) */
	int rom_version;                                   /* -1: not read */
	char firmware[160];                                /* file used, "" if none */
	char config[160];
	uint32_t firmware_version;
	size_t download_bytes;
	unsigned commands; /* vendor commands sent (download fragments, records) */
	char message[384]; /* one human sentence or two: what happened, what to do */
};

struct bh_chipset;

struct bh_chipset *bh_chipset_new(const struct bh_chipset_config *cfg, const struct bh_env *env,
				  const struct bh_chipset_port *port);
void bh_chipset_free(struct bh_chipset *c);

/* Starts bring-up: sends the first command. port.done follows (maybe
 * before this returns, e.g. driver "none"). BH_ESTATE if already running. */
int bh_chipset_start(struct bh_chipset *c);
/* True between start and done. */
bool bh_chipset_running(const struct bh_chipset *c);
/* One HCI event packet (event code, length, parameters) from the controller. */
void bh_chipset_on_event(struct bh_chipset *c, const uint8_t *pkt, size_t len);
/* The transport died (unplug, re-enumeration): bring-up fails with why. */
void bh_chipset_on_lost(struct bh_chipset *c, bh_status why);
bh_time_ms bh_chipset_next_deadline(const struct bh_chipset *c);
void bh_chipset_on_timeout(struct bh_chipset *c);

const struct bh_chipset_report *bh_chipset_report(const struct bh_chipset *c);

/* ---- firmware formats (pure parsers; also used by the fuzz targets) ---- */

/* Realtek epatch (v1 "Realtech", v2 "RTBTCore"): the patch for a chip whose
 * ROM LMP subversion is lmp_subver and ROM version rom_version. On BH_OK
 * *out is malloc'd (caller frees) and *fw_version is the file's version.
 * BH_ENOTFOUND: no patch for this ROM version; BH_EMALFORMED otherwise, with
 * the reason in err. */
int bh_rtl_epatch_extract(const uint8_t *fw, size_t len, uint16_t lmp_subver, uint8_t rom_version,
			  uint8_t **out, size_t *outlen, uint32_t *fw_version, char *err,
			  size_t errlen);

/* Broadcom .hcd: a sequence of HCI command records (opcode le16, length u8,
 * parameters). Calls fn for each and returns how many, or BH_EMALFORMED
 * (truncated record, opcode outside the vendor group) with err. */
int bh_bcm_hcd_walk(const uint8_t *fw, size_t len,
		    int (*fn)(void *ctx, uint16_t opcode, const uint8_t *p, size_t n), void *ctx,
		    char *err, size_t errlen);

/* Intel .sfi (RSA-signed, the legacy bootloader's format): a 644-byte
 * header (CSS 128, public key 256, signature 256, 4 reserved) and HCI
 * command records. Calls fn for each 4-byte aligned group of records (one
 * secure-send data fragment) and sets *boot_addr from the Write Boot
 * Params record (0xFC0E). Returns the number of groups, or BH_EMALFORMED. */
int bh_intel_sfi_walk(const uint8_t *fw, size_t len,
		      int (*fn)(void *ctx, size_t off, size_t n), void *ctx, uint32_t *boot_addr,
		      char *err, size_t errlen);
/* Intel .ddc: records of (length u8, id le16, data); returns how many, or
 * BH_EMALFORMED. fn gets each whole record (length byte included). */
int bh_intel_ddc_walk(const uint8_t *fw, size_t len,
		      int (*fn)(void *ctx, const uint8_t *rec, size_t n), void *ctx, char *err,
		      size_t errlen);

#endif
