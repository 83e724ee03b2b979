/* Internal to chipset/: the core state machine shared by the vendor drivers. */
#ifndef BH_CHIPSET_INTERNAL_H
#define BH_CHIPSET_INTERNAL_H

#include <blehost/chipset.h>

#define HCI_OP_RESET 0x0c03
#define HCI_OP_READ_LOCAL_VERSION 0x1001
#define HCI_EVT_CMD_COMPLETE 0x0e
#define HCI_EVT_CMD_STATUS 0x0f
#define HCI_EVT_VENDOR 0xff

#define COMPANY_INTEL 0x0002
#define COMPANY_BROADCOM 0x000f
#define COMPANY_REALTEK 0x005d

struct bh_chipset;

/* A vendor driver: begin() runs once Read Local Version is known; complete()
 * gets the Command Complete return parameters of the driver's own command
 * (status first); timer() runs when a chipset_wait() delay has passed. */
struct chipset_driver {
	enum bh_chipset_vendor vendor;
	void (*begin)(struct bh_chipset *c);
	void (*complete)(struct bh_chipset *c, uint16_t opcode, const uint8_t *rp, size_t n);
	void (*timer)(struct bh_chipset *c);
	void (*release)(struct bh_chipset *c);
	/* Optional: a vendor event (0xFF) parameters, while running. */
	void (*vendor_event)(struct bh_chipset *c, const uint8_t *p, size_t n);
};

extern const struct chipset_driver bh_chipset_realtek;
extern const struct chipset_driver bh_chipset_broadcom;
extern const struct chipset_driver bh_chipset_intel;

enum core_step { CORE_IDLE, CORE_READ_VERSION, CORE_DRIVER, CORE_DONE };

struct bh_chipset {
	struct bh_chipset_config cfg;
	const struct bh_env *env;
	struct bh_chipset_port port;
	const struct chipset_driver *drv;
	enum core_step step;
	uint16_t pending;        /* opcode awaiting Command Complete, 0 = none */
	bh_time_ms cmd_deadline; /* BH_NEVER when nothing pending */
	bh_time_ms wait_until;   /* driver delay, BH_NEVER when none */
	struct bh_chipset_report rep;
	/* Driver state (one driver runs per bring-up). */
	int dstep;
	uint8_t *img; /* image being downloaded */
	size_t img_len, img_off;
	uint8_t frag_index;
	uint8_t *fw; /* firmware file bytes */
	size_t fw_len;
	uint32_t boot_addr;     /* Intel: from the firmware's boot parameters record */
	uint8_t hw_variant, hw_rev, fw_rev; /* Intel */
	uint16_t dev_revid;                 /* Intel */
	size_t seg_i;                       /* Intel: secure-send segment */
	bool intel_tlv;                     /* Intel: a TLV part (chipset_intel_tlv.c) */
	struct bh_intel_tlv tlv;            /* Intel: its version answer */
	bool bseq_failed;                   /* Intel ROM: an answer did not match */
	char bseq_why[128];                 /* Intel ROM: how */
	bool got_boot_event;
};

/* Sends a command and arms its timeout; failures end bring-up. */
void chipset_cmd(struct bh_chipset *c, uint16_t opcode, const uint8_t *params, size_t len);
/* Asks for driver->timer after ms. */
void chipset_wait(struct bh_chipset *c, unsigned ms);
/* Ends bring-up with outcome and status; message is printf-style (may be NULL). */
void chipset_finish(struct bh_chipset *c, enum bh_chipset_outcome o, bh_status st,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Loads a firmware file through the port into *data (owned by the caller). */
int chipset_load(struct bh_chipset *c, const char *name, uint8_t **data, size_t *len,
		 char *path, size_t pathlen);
/* Loads the firmware file name into c->fw and names it in the report.
 * On failure bring-up has ended (a missing file: NO_FIRMWARE when
 * continuing, else FAILED) and it returns false. */
bool chipset_load_firmware(struct bh_chipset *c, const char *name, bool continuing);
/* Read Local Version answered after a download: fills the report's "after"
 * fields; a short answer ends bring-up and returns false. */
bool chipset_version_after(struct bh_chipset *c, const uint8_t *rp, size_t n);
/* The sentence for a missing firmware file. */
void chipset_missing_msg(struct bh_chipset *c, const char *name, bool continuing);
/* Through BH_LOG_ON, as BH_LOGF: a level below -Dlog_level drops the call. */
#define chipset_log(c, lvl, ...)                               \
	do {                                                   \
		if (BH_LOG_ON(lvl))                            \
			chipset_logf((c), (lvl), __VA_ARGS__); \
	} while (0)
void chipset_logf(struct bh_chipset *c, enum bh_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One HCI event as a command sequence sees it (chipset_common.c). */
struct chipset_evt {
	enum { CHIPSET_EVT_STATUS = 1, CHIPSET_EVT_COMPLETE, CHIPSET_EVT_VENDOR } kind;
	uint16_t opcode;       /* Command Status / Complete */
	uint8_t status;        /* Command Status */
	const uint8_t *params; /* Complete: return parameters (status first); vendor: all */
	size_t len;
};
/* False for anything else, or a length field past the packet. */
bool chipset_evt_parse(const uint8_t *pkt, size_t len, struct chipset_evt *e);

#endif
