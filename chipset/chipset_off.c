/* The chipset layer of a build with -Dchipset=false: no vendor drivers, no
 * firmware parsers. The API still links so the host, tools and applications
 * need no #ifdefs: bring-up of a controller that would have been
 * auto-detected finishes at once as "nothing to do" (it runs on its ROM
 * firmware, as with driver "none"); a forced vendor driver and the firmware
 * parsers return BH_ENOTSUP. The quirk table (chipset_quirks.c) stays in.
 */
#include <blehost/chipset.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bh_chipset {
	struct bh_chipset_config cfg;
	struct bh_chipset_port port;
	struct bh_chipset_report rep;
};

const char *bh_chipset_firmware_package(enum bh_chipset_vendor v)
{
	(void)v;
	return "none: this blehost was built with -Dchipset=false";
}

struct bh_chipset *bh_chipset_new(const struct bh_chipset_config *cfg, const struct bh_env *env,
				  const struct bh_chipset_port *port)
{
	(void)env;
	struct bh_chipset *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (cfg)
		c->cfg = *cfg;
	else
		bh_chipset_config_default(&c->cfg);
	c->port = *port;
	c->rep.have_usb_id = c->cfg.have_usb_id;
	c->rep.vid = c->cfg.vid;
	c->rep.pid = c->cfg.pid;
	c->rep.rom_version = -1;
	return c;
}

void bh_chipset_free(struct bh_chipset *c)
{
	free(c);
}

int bh_chipset_start(struct bh_chipset *c)
{
	if (c->rep.outcome == BH_CHIPSET_RUNNING)
		return BH_ESTATE;
	const char *d = c->cfg.driver;
	/* Only an explicit vendor is an error: "auto" must keep working on a
	 * controller that happens to be a Realtek one, as driver "none" does. */
	bool forced = d && strcmp(d, "auto") && strcmp(d, "none");
	c->rep.outcome = forced ? BH_CHIPSET_FAILED : BH_CHIPSET_NOTHING_TO_DO;
	c->rep.status = forced ? BH_ENOTSUP : BH_OK;
	snprintf(c->rep.message, sizeof(c->rep.message),
		 "vendor bring-up is not in this build (-Dchipset=false)%s",
		 forced ? "" : ": running the controller as it is");
	c->port.done(c->port.ctx, c->rep.status);
	return BH_OK;
}

bool bh_chipset_running(const struct bh_chipset *c)
{
	(void)c;
	return false;
}

void bh_chipset_on_event(struct bh_chipset *c, const uint8_t *pkt, size_t len)
{
	(void)c, (void)pkt, (void)len;
}

void bh_chipset_on_lost(struct bh_chipset *c, bh_status why)
{
	(void)c, (void)why;
}

bh_time_ms bh_chipset_next_deadline(const struct bh_chipset *c)
{
	(void)c;
	return BH_NEVER;
}

void bh_chipset_on_timeout(struct bh_chipset *c)
{
	(void)c;
}

const struct bh_chipset_report *bh_chipset_report(const struct bh_chipset *c)
{
	return &c->rep;
}

static int off(char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "firmware parsers are not in this build (-Dchipset=false)");
	return BH_ENOTSUP;
}

int bh_rtl_epatch_extract(const uint8_t *fw, size_t len, uint16_t lmp_subver, uint8_t rom_version,
			  uint8_t **out, size_t *outlen, uint32_t *fw_version, char *err,
			  size_t errlen)
{
	(void)fw, (void)len, (void)lmp_subver, (void)rom_version, (void)fw_version;
	if (out)
		*out = NULL;
	if (outlen)
		*outlen = 0;
	return off(err, errlen);
}

int bh_bcm_hcd_walk(const uint8_t *fw, size_t len,
		    int (*fn)(void *ctx, uint16_t opcode, const uint8_t *p, size_t n), void *ctx,
		    char *err, size_t errlen)
{
	(void)fw, (void)len, (void)fn, (void)ctx;
	return off(err, errlen);
}

int bh_intel_sfi_walk(const uint8_t *fw, size_t len,
		      int (*fn)(void *ctx, size_t off, size_t n), void *ctx, uint32_t *boot_addr,
		      char *err, size_t errlen)
{
	(void)fw, (void)len, (void)fn, (void)ctx, (void)boot_addr;
	return off(err, errlen);
}

int bh_intel_ddc_walk(const uint8_t *fw, size_t len,
		      int (*fn)(void *ctx, const uint8_t *rec, size_t n), void *ctx, char *err,
		      size_t errlen)
{
	(void)fw, (void)len, (void)fn, (void)ctx;
	return off(err, errlen);
}

int bh_intel_tlv_parse(const uint8_t *p, size_t n, struct bh_intel_tlv *v, char *err,
		       size_t errlen)
{
	(void)p, (void)n;
	if (v)
		memset(v, 0, sizeof(*v));
	return off(err, errlen);
}

/* Platform and variant are fields of CNVi BT, not firmware parsing, but
 * nothing in a build without bring-up has a TLV to take them from. */
uint8_t bh_intel_hw_platform(uint32_t cnvi_bt)
{
	(void)cnvi_bt;
	return 0;
}

uint8_t bh_intel_hw_variant(uint32_t cnvi_bt)
{
	(void)cnvi_bt;
	return 0;
}

void bh_intel_tlv_fw_name(const struct bh_intel_tlv *v, const char *ext, char *out, size_t len)
{
	(void)v, (void)ext;
	if (out && len)
		out[0] = '\0';
}

void bh_intel_tlv_describe(const struct bh_intel_tlv *v, char *out, size_t len)
{
	(void)v;
	off(out, len);
}

int bh_intel_sfi_layout(const uint8_t *fw, size_t len, uint8_t hw_variant, uint8_t sbe_type,
			struct bh_intel_sfi_piece hdr[3], size_t *payload_off, char *err,
			size_t errlen)
{
	(void)fw, (void)len, (void)hw_variant, (void)sbe_type, (void)hdr;
	if (payload_off)
		*payload_off = 0;
	return off(err, errlen);
}

int bh_intel_bseq_walk(const uint8_t *fw, size_t len,
		       int (*fn)(void *ctx, size_t cmd_off, size_t evt_off), void *ctx,
		       bool *writes_memory, char *err, size_t errlen)
{
	(void)fw, (void)len, (void)fn, (void)ctx;
	if (writes_memory)
		*writes_memory = false;
	return off(err, errlen);
}

int bh_intel_sfi_walk_from(const uint8_t *fw, size_t len, size_t payload_off,
			   int (*fn)(void *ctx, size_t off, size_t n), void *ctx,
			   uint32_t *boot_addr, char *err, size_t errlen)
{
	(void)fw, (void)len, (void)payload_off, (void)fn, (void)ctx, (void)boot_addr;
	return off(err, errlen);
}

const char *bh_intel_variant_name(uint8_t hw_variant)
{
	(void)hw_variant;
	return NULL;
}

int bh_intel_sfi_version(const uint8_t *fw, size_t len, size_t payload_off, uint8_t build[3])
{
	(void)fw, (void)len, (void)payload_off, (void)build;
	return BH_ENOTSUP;
}
