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
	char detail[256];  /* what the vendor version read said (Intel TLV fields), "" if none */
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

/* Intel TLV Read Version (0xFC05 with parameter 0xFF; AX2xx and later, and
 * the 9xxx operational firmware): the fields bring-up uses. Unknown types
 * are skipped and counted. */
struct bh_intel_tlv {
	uint32_t cnvi_top, cnvr_top, cnvi_bt, cnvr_bt; /* 0x10-0x13 */
	uint16_t dev_rev_id;                           /* 0x16 */
	uint8_t image_type;     /* 0x1c: 0x01 bootloader, 0x03 operational, 0 absent */
	uint16_t timestamp;     /* 0x1d: week (low byte), year - 2000 (high byte) */
	uint8_t build_type;     /* 0x1e */
	uint32_t build_num;     /* 0x1f */
	uint8_t secure_boot, otp_lock, api_lock, debug_lock; /* 0x28, 0x2a-0x2c */
	uint8_t min_fw[3];      /* 0x2d: build number, week, year - 2000 */
	uint8_t limited_cce;    /* 0x2e: nonzero = fragments not each acknowledged */
	uint8_t sbe_type;       /* 0x2f: secure boot engine, 0 RSA, 1 ECDSA */
	uint8_t otp_bdaddr[6];  /* 0x30 */
	bool have_bdaddr, have_sbe;
	/* 0x50: firmware id, a string naming the operational image of
	 * variants 0x1e on; fw_id_bad when it holds a byte that has no place
	 * in a file name (only [A-Za-z0-9_-] is taken; the rest is refused). */
	char fw_id[65];
	bool fw_id_bad;
	unsigned unknown;       /* entries of types this parser does not use */
};
/* Parses the return parameters after the status byte. BH_EMALFORMED (with
 * err) when an entry runs past the end or a used field is shorter than its
 * size; never reads outside p[0..n). */
int bh_intel_tlv_parse(const uint8_t *p, size_t n, struct bh_intel_tlv *v, char *err,
		       size_t errlen);
/* Hardware platform (0x37 for every Intel part so far) and variant
 * (bits 16-21 of CNVi BT). */
uint8_t bh_intel_hw_platform(uint32_t cnvi_bt);
uint8_t bh_intel_hw_variant(uint32_t cnvi_bt);
/* The name Intel's public driver gives a TLV hardware variant ("TyP",
 * "BlazarU", ...), NULL for one it does not name. */
const char *bh_intel_variant_name(uint8_t hw_variant);
/* intel/ibt-<cnvi>-<cnvr>.EXT: each id is the CNVx top type (12 bits)
 * shifted left 4 with the step (4 bits) below, byte-swapped, as 4 hex
 * digits ("intel/ibt-0041-0041.sfi"). Variants 0x1e on (BlazarI and
 * later) boot in two stages: their bootloader takes
 * intel/ibt-<cnvi>-<cnvr>-iml.EXT (the intermediate loader), and the
 * loader or the operational firmware names its image with the firmware
 * id: intel/ibt-<cnvi>-<cnvr>-<fw_id>.EXT (without an id: the plain name). */
void bh_intel_tlv_fw_name(const struct bh_intel_tlv *v, const char *ext, char *out, size_t len);
/* One line of the fields for `blehost info`. */
void bh_intel_tlv_describe(const struct bh_intel_tlv *v, char *out, size_t len);

/* Where the secure-send header fragments of an .sfi are for a TLV part:
 * three (type, offset, length) pieces (CSS header 0x00, public key 0x03,
 * signature 0x02) and the offset where the command records begin. RSA
 * (sbe 0): 128 + 256 + 256 from offset 0; ECDSA (sbe 1): 128 + 96 + 96
 * from offset 644. Files for variants 0x17 and later carry both headers
 * (644 + 320 bytes); the CSS header versions are checked (RSA 0x00010000
 * at offset 8, ECDSA 0x00020000 at 652, ECDSA header type 0x06 at 644).
 * Returns BH_OK or BH_EMALFORMED/BH_ENOTSUP with err. */
struct bh_intel_sfi_piece {
	uint8_t type;
	size_t off, len;
};
int bh_intel_sfi_layout(const uint8_t *fw, size_t len, uint8_t hw_variant, uint8_t sbe_type,
			struct bh_intel_sfi_piece hdr[3], size_t *payload_off, char *err,
			size_t errlen);
/* Intel .bseq (ROM parts 7260/7265): HCI commands (0x01, opcode le16,
 * length, parameters) each followed by its expected events (0x02, code,
 * length, parameters). Calls fn with the offsets of each command and of
 * its last expected event; sets *writes_memory (may be NULL) when a command
 * is Intel Mem Write (0xFC8E). Returns the number of commands,
 * BH_EMALFORMED, or BH_ENOTSUP when a command expects anything but its
 * Command Complete. */
int bh_intel_bseq_walk(const uint8_t *fw, size_t len,
		       int (*fn)(void *ctx, size_t cmd_off, size_t evt_off), void *ctx,
		       bool *writes_memory, char *err, size_t errlen);
/* bh_intel_sfi_walk with the command records starting at payload_off. */
int bh_intel_sfi_walk_from(const uint8_t *fw, size_t len, size_t payload_off,
			   int (*fn)(void *ctx, size_t off, size_t n), void *ctx,
			   uint32_t *boot_addr, char *err, size_t errlen);
/* The firmware version an .sfi carries: build number, week, year - 2000
 * from its Write Boot Params record (0xFC0E: boot address le32, then those
 * three bytes), the records starting at payload_off. BH_ENOTFOUND when no
 * such record has them, BH_EMALFORMED when a record runs past the end. The
 * operational firmware reports the same three (legacy Read Version bytes
 * 6-8; TLV: build number's low byte, the timestamp's week and year), so
 * equal values mean the file is already running. */
int bh_intel_sfi_version(const uint8_t *fw, size_t len, size_t payload_off, uint8_t build[3]);
/* ---- UART speed change (chipset_baud.c) ------------------------------- */
/* A UART module starts at its default speed (115200 for most); a vendor
 * command asks it to move to a faster one. The sequence, run between the
 * vendor bring-up and the standard init:
 *   1. the vendor command at the old speed (Broadcom 0xFC18 Update UART
 *      Baud Rate, preceded by 0xFC45 Write UART Clock Setting 48 MHz above
 *      3 Mbaud; Intel 0xFC06 after a 0xFC05 Read Version, which the part
 *      wants first; Realtek 0xFC17 with the rate word from the config
 *      file's UART entry);
 *   2. its Command Complete at the old speed (Broadcom; Realtek, then a
 *      20 ms settle as Linux gives it), or for
 *      Intel a fixed 100 ms (the part switches without a usable answer);
 *   3. the host switches its tty (port.set_host);
 *   4. Read Local Version at the new speed proves the link;
 *   5. on any failure after step 1 the host goes back to the old speed and
 *      checks the controller still answers there: bring-up goes on at the
 *      initial speed, with the reason in the report.
 * A vendor with no known command, or a rate it cannot encode, stays at the
 * initial speed and says so; nothing is sent.
 * A build with -Duart_speed=false has none of this (chipset_baud_off.c):
 * bh_uart_baud_start returns BH_ENOTSUP without sending anything or calling
 * port.done (report: UNSUPPORTED, status BH_ENOTSUP, the option named), so
 * the host's bring-up with speed=N fails; bh_uart_baud_command and
 * bh_rtl_config_uart return BH_ENOTSUP, the Realtek rate conversions 0. */
struct bh_uart_baud;

struct bh_uart_baud_port {
	int (*send)(void *ctx, uint16_t opcode, const uint8_t *params, size_t len);
	/* Switches the host's tty; BH_OK or why not (then the old speed stays). */
	int (*set_host)(void *ctx, unsigned long baud, bool flow);
	/* Called once: BH_OK when the controller answers at the speed in the
	 * report (new or initial), else the controller was lost. */
	void (*done)(void *ctx, bh_status result);
	void *ctx;
};

struct bh_uart_baud_config {
	enum bh_chipset_vendor vendor;
	unsigned long initial; /* speed now, on both sides */
	bool initial_flow;
	unsigned long target;  /* speed wanted (Realtek: 0 = the config file's) */
	bool target_flow;      /* flow control at the target (Realtek: config's) */
	const uint8_t *rtl_config; /* Realtek: rtl_bt/..._config.bin bytes (borrowed) */
	size_t rtl_config_len;
	unsigned cmd_timeout_ms; /* 0: 1000 */
};

enum bh_uart_baud_outcome {
	BH_UART_BAUD_NOT_RUN = 0,
	BH_UART_BAUD_RUNNING,
	BH_UART_BAUD_CHANGED,     /* both sides at the target, verified */
	BH_UART_BAUD_UNSUPPORTED, /* no vendor command / rate: stayed at initial */
	BH_UART_BAUD_FELL_BACK,   /* tried, failed, back at initial and verified */
	BH_UART_BAUD_FAILED,      /* tried, failed, controller silent at both */
};
const char *bh_uart_baud_outcome_str(enum bh_uart_baud_outcome o);

struct bh_uart_baud_report {
	enum bh_uart_baud_outcome outcome;
	bh_status status;          /* why it failed / fell back */
	unsigned long baud;        /* speed in use at the end */
	bool flow;
	unsigned long requested;   /* target tried (0 none) */
	uint16_t opcode;           /* vendor command used, 0 none */
	char message[256];
};

/* The vendor command for rate: opcode and parameters (up to 8 bytes);
 * *switch_on_complete false = switch after a fixed delay (Intel).
 * BH_ENOTSUP when the vendor has no known command or cannot encode rate.
 * rtl_word is Realtek's rate word (from the config file). */
int bh_uart_baud_command(enum bh_chipset_vendor v, unsigned long rate, uint32_t rtl_word,
			 uint16_t *opcode, uint8_t params[8], size_t *len,
			 bool *switch_on_complete);
/* Realtek config file (signature 55 ab 23 87, total length le16, then
 * entries offset le16, length u8, data): the UART entry (offset 0x000c)
 * holds the rate word (le32, data[0..3]) and flow control (data[12]
 * bit 2). BH_OK with the word, its rate (0 if the word is unknown) and
 * flow; BH_ENOTFOUND without a UART entry; BH_EMALFORMED with err. */
int bh_rtl_config_uart(const uint8_t *cfg, size_t len, uint32_t *word, unsigned long *rate,
		       bool *flow, char *err, size_t errlen);
/* Realtek rate word <-> rate (the known words; 0 when unknown). */
unsigned long bh_rtl_baud_rate(uint32_t word);
uint32_t bh_rtl_baud_word(unsigned long rate);

struct bh_uart_baud *bh_uart_baud_new(const struct bh_uart_baud_config *cfg,
				      const struct bh_env *env,
				      const struct bh_uart_baud_port *port);
void bh_uart_baud_free(struct bh_uart_baud *b);
/* Starts; port.done may come before this returns (nothing to do). */
int bh_uart_baud_start(struct bh_uart_baud *b);
bool bh_uart_baud_running(const struct bh_uart_baud *b);
void bh_uart_baud_on_event(struct bh_uart_baud *b, const uint8_t *pkt, size_t len);
bh_time_ms bh_uart_baud_next_deadline(const struct bh_uart_baud *b);
void bh_uart_baud_on_timeout(struct bh_uart_baud *b);
const struct bh_uart_baud_report *bh_uart_baud_report(const struct bh_uart_baud *b);

#endif
