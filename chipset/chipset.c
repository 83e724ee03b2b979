/* The chipset core: reads the controller's version, picks the vendor driver
 * (USB ID first, then manufacturer), runs it one command at a time with a
 * timeout, and reports what happened.
 *
 * No HCI Reset comes first: Realtek and Intel parts are read before any
 * reset by their public drivers (an Intel bootloader does not take a
 * standard reset), and completions that belong to no command of ours (a
 * previous session's) are ignored because each carries its opcode.
 */
#include "chipset_internal.h"

#include <blehost/bh_bytes.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *bh_chipset_firmware_package(enum bh_chipset_vendor v)
{
	switch (v) {
	case BH_CHIPSET_REALTEK:
		return "firmware-realtek (Debian/Ubuntu), linux-firmware (Fedora, Arch)";
	case BH_CHIPSET_BROADCOM:
		return "broadcom-bt-firmware (Debian/Ubuntu, from github.com/winterheart/"
		       "broadcom-bt-firmware), firmware-brcm80211 for SDIO/UART boards";
	case BH_CHIPSET_INTEL:
		return "firmware-iwlwifi (Debian/Ubuntu), linux-firmware (Fedora, Arch)";
	case BH_CHIPSET_GENERIC:
		break;
	}
	return "linux-firmware";
}

struct bh_chipset *bh_chipset_new(const struct bh_chipset_config *cfg, const struct bh_env *env,
				  const struct bh_chipset_port *port)
{
	struct bh_chipset *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (cfg)
		c->cfg = *cfg;
	else
		bh_chipset_config_default(&c->cfg);
	if (!c->cfg.cmd_timeout_ms)
		c->cfg.cmd_timeout_ms = 5000;
	c->env = env;
	c->port = *port;
	c->cmd_deadline = BH_NEVER;
	c->wait_until = BH_NEVER;
	c->rep.rom_version = -1;
	return c;
}

static void release(struct bh_chipset *c)
{
	if (c->drv && c->drv->release)
		c->drv->release(c);
	free(c->img);
	free(c->fw);
	c->img = c->fw = NULL;
	c->img_len = c->fw_len = c->img_off = 0;
}

void bh_chipset_free(struct bh_chipset *c)
{
	if (!c)
		return;
	release(c);
	free(c);
}

void chipset_logf(struct bh_chipset *c, enum bh_log_level lvl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	bh_logf(c->env, lvl, "chipset", "%s", buf);
}

void chipset_finish(struct bh_chipset *c, enum bh_chipset_outcome o, bh_status st,
		    const char *fmt, ...)
{
	if (c->step == CORE_DONE || c->step == CORE_IDLE)
		return;
	c->step = CORE_DONE;
	c->pending = 0;
	c->cmd_deadline = BH_NEVER;
	c->wait_until = BH_NEVER;
	c->rep.outcome = o;
	c->rep.status = st;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->rep.message, sizeof(c->rep.message), fmt, ap);
		va_end(ap);
	}
	chipset_log(c, st ? BH_LOG_ERROR : BH_LOG_INFO, "%s: %s%s%s", bh_chipset_vendor_str(c->rep.vendor),
		    bh_chipset_outcome_str(o), c->rep.message[0] ? ": " : "", c->rep.message);
	release(c);
	c->port.done(c->port.ctx, st);
}

void chipset_cmd(struct bh_chipset *c, uint16_t opcode, const uint8_t *params, size_t len)
{
	c->pending = opcode;
	c->cmd_deadline = bh_now(c->env) + c->cfg.cmd_timeout_ms;
	int rc = c->port.send(c->port.ctx, opcode, params, len);
	if (rc)
		chipset_finish(c, BH_CHIPSET_FAILED, rc, "could not send command 0x%04x: %s", opcode,
			       bh_strerror(rc));
}

void chipset_wait(struct bh_chipset *c, unsigned ms)
{
	c->wait_until = bh_now(c->env) + ms;
}

int chipset_load(struct bh_chipset *c, const char *name, uint8_t **data, size_t *len, char *path,
		 size_t pathlen)
{
	*data = NULL;
	*len = 0;
	/* The port's path is only copied into the report: one that does not
	 * write it, or fills it to the end, must not make that copy read
	 * stack garbage past the buffer (found by fuzz_chipset_bringup). */
	path[0] = '\0';
	if (!c->port.load)
		return BH_ENOTFOUND;
	int rc = c->port.load(c->port.ctx, name, data, len, path, pathlen);
	path[pathlen - 1] = '\0';
	return rc;
}

bool chipset_load_firmware(struct bh_chipset *c, const char *name, bool continuing)
{
	char path[160];
	int rc = chipset_load(c, name, &c->fw, &c->fw_len, path, sizeof(path));
	if (rc == BH_ENOTFOUND) {
		chipset_missing_msg(c, name, continuing);
		chipset_finish(c, continuing ? BH_CHIPSET_NO_FIRMWARE : BH_CHIPSET_FAILED,
			       continuing ? BH_OK : BH_ENOTFOUND, NULL);
		return false;
	}
	if (rc) {
		chipset_finish(c, BH_CHIPSET_FAILED, rc, "cannot read firmware %s: %s", name,
			       bh_strerror(rc));
		return false;
	}
	snprintf(c->rep.firmware, sizeof(c->rep.firmware), "%s", path);
	return true;
}

bool chipset_version_after(struct bh_chipset *c, const uint8_t *rp, size_t n)
{
	if (n < 9) {
		chipset_finish(c, BH_CHIPSET_FAILED, BH_EMALFORMED,
			       "Read Local Version after the download: short answer");
		return false;
	}
	c->rep.hci_revision_after = bh_get16(rp + 2);
	c->rep.lmp_subversion_after = bh_get16(rp + 7);
	return true;
}

void chipset_missing_msg(struct bh_chipset *c, const char *name, bool continuing)
{
	snprintf(c->rep.message, sizeof(c->rep.message),
		 "firmware %s not found in $BLEHOST_FIRMWARE_PATH or /lib/firmware; install %s. %s",
		 name, bh_chipset_firmware_package(c->rep.vendor),
		 continuing ? "Continuing without it: the controller may still work on its ROM "
			      "firmware, with fewer features or bugs the patch fixes."
			    : "This controller cannot run without it.");
}

int bh_chipset_start(struct bh_chipset *c)
{
	if (c->step == CORE_READ_VERSION || c->step == CORE_DRIVER)
		return BH_ESTATE;
	release(c);
	int rom = -1;
	struct bh_chipset_report fresh = { .rom_version = rom };
	c->rep = fresh;
	c->rep.outcome = BH_CHIPSET_RUNNING;
	c->rep.have_usb_id = c->cfg.have_usb_id;
	c->rep.vid = c->cfg.vid;
	c->rep.pid = c->cfg.pid;
	c->drv = NULL;
	c->dstep = 0;
	c->step = CORE_READ_VERSION;
	if (c->cfg.driver && !strcmp(c->cfg.driver, "none")) {
		chipset_finish(c, BH_CHIPSET_NOTHING_TO_DO, BH_OK, "vendor bring-up disabled");
		return BH_OK;
	}
	chipset_cmd(c, HCI_OP_READ_LOCAL_VERSION, NULL, 0);
	return BH_OK;
}

bool bh_chipset_running(const struct bh_chipset *c)
{
	return c->step == CORE_READ_VERSION || c->step == CORE_DRIVER;
}

static const struct chipset_driver *driver_for(enum bh_chipset_vendor v)
{
	switch (v) {
	case BH_CHIPSET_REALTEK: return &bh_chipset_realtek;
	case BH_CHIPSET_BROADCOM: return &bh_chipset_broadcom;
	case BH_CHIPSET_INTEL: return &bh_chipset_intel;
	case BH_CHIPSET_GENERIC: break;
	}
	return NULL;
}

/* Chooses the vendor: forced, else the USB row, else the manufacturer. */
static enum bh_chipset_vendor choose(struct bh_chipset *c, bool *forced_bad)
{
	*forced_bad = false;
	const char *d = c->cfg.driver;
	if (d && *d && strcmp(d, "auto")) {
		for (int v = BH_CHIPSET_GENERIC; v <= BH_CHIPSET_INTEL; v++)
			if (!strcmp(d, bh_chipset_vendor_str((enum bh_chipset_vendor)v)))
				return (enum bh_chipset_vendor)v;
		*forced_bad = true;
		return BH_CHIPSET_GENERIC;
	}
	if (c->cfg.have_usb_id) {
		const struct bh_chipset_quirk *q = bh_chipset_usb_lookup(c->cfg.vid, c->cfg.pid);
		if (q) {
			c->rep.quirks |= q->quirks;
			return q->vendor;
		}
	}
	switch (c->rep.manufacturer) {
	case COMPANY_REALTEK: return BH_CHIPSET_REALTEK;
	case COMPANY_BROADCOM: return BH_CHIPSET_BROADCOM;
	case COMPANY_INTEL: return BH_CHIPSET_INTEL;
	}
	return BH_CHIPSET_GENERIC;
}

/* Read Local Version return parameters (Vol 4, Part E, 7.4.1): status,
 * HCI version, HCI revision, LMP version, manufacturer, LMP subversion. */
static void on_version(struct bh_chipset *c, const uint8_t *rp, size_t n)
{
	/* A short answer's missing octets read as zero in the report, as the
	 * reader gave them. */
	uint8_t v[9] = { 0 };
	memcpy(v, rp, n < sizeof(v) ? n : sizeof(v));
	uint8_t st = v[0];
	c->rep.hci_version = v[1];
	c->rep.hci_revision = bh_get16(v + 2);
	c->rep.manufacturer = bh_get16(v + 5);
	c->rep.lmp_subversion = bh_get16(v + 7);
	if (n < sizeof(v) || st) {
		chipset_finish(c, BH_CHIPSET_FAILED, st ? BH_HCI_STATUS(st) : BH_EMALFORMED,
			       "Read Local Version failed (%s)",
			       st ? "controller refused it" : "short answer");
		return;
	}
	c->rep.quirks |= bh_chipset_behaviour_quirks(c->rep.manufacturer, c->rep.hci_version,
						     c->rep.hci_revision, c->rep.lmp_subversion,
						     NULL);
	bool bad;
	c->rep.vendor = choose(c, &bad);
	if (bad) {
		chipset_finish(c, BH_CHIPSET_FAILED, BH_EINVAL,
			       "unknown chipset driver \"%s\" (use auto, none, realtek, broadcom, "
			       "intel)",
			       c->cfg.driver);
		return;
	}
	c->drv = driver_for(c->rep.vendor);
	if (!c->drv) {
		chipset_finish(c, BH_CHIPSET_NOTHING_TO_DO, BH_OK, NULL);
		return;
	}
	c->step = CORE_DRIVER;
	c->drv->begin(c);
}

void bh_chipset_on_event(struct bh_chipset *c, const uint8_t *pkt, size_t len)
{
	struct chipset_evt e;
	if (!bh_chipset_running(c) || !chipset_evt_parse(pkt, len, &e))
		return;
	if (e.kind == CHIPSET_EVT_STATUS) {
		if (e.opcode == c->pending && c->pending && e.status)
			chipset_finish(c, BH_CHIPSET_FAILED, BH_HCI_STATUS(e.status),
				       "command 0x%04x refused by the controller (status 0x%02x)",
				       e.opcode, e.status);
		return;
	}
	if (e.kind == CHIPSET_EVT_VENDOR) {
		if (c->step == CORE_DRIVER && c->drv->vendor_event)
			c->drv->vendor_event(c, e.params, e.len);
		return;
	}
	if (!c->pending || e.opcode != c->pending)
		return; /* not ours (a previous session's, or a duplicate) */
	c->pending = 0;
	c->cmd_deadline = BH_NEVER;
	if (c->step == CORE_READ_VERSION)
		on_version(c, e.params, e.len);
	else if (c->drv)
		c->drv->complete(c, e.opcode, e.params, e.len);
}

void bh_chipset_on_lost(struct bh_chipset *c, bh_status why)
{
	if (!bh_chipset_running(c))
		return;
	chipset_finish(c, BH_CHIPSET_FAILED, why,
		       "the controller went away during bring-up (%s): it may have re-enumerated "
		       "after the download; run blehost again",
		       bh_strerror(why));
}

bh_time_ms bh_chipset_next_deadline(const struct bh_chipset *c)
{
	if (!bh_chipset_running(c))
		return BH_NEVER;
	return c->cmd_deadline < c->wait_until ? c->cmd_deadline : c->wait_until;
}

void bh_chipset_on_timeout(struct bh_chipset *c)
{
	if (!bh_chipset_running(c))
		return;
	bh_time_ms now = bh_now(c->env);
	if (c->cmd_deadline <= now) {
		chipset_finish(c, BH_CHIPSET_FAILED, BH_ETIMEDOUT,
			       "no answer to command 0x%04x within %u ms", c->pending,
			       c->cfg.cmd_timeout_ms);
		return;
	}
	if (c->wait_until <= now) {
		c->wait_until = BH_NEVER;
		if (c->drv && c->drv->timer)
			c->drv->timer(c);
	}
}

const struct bh_chipset_report *bh_chipset_report(const struct bh_chipset *c)
{
	return &c->rep;
}
