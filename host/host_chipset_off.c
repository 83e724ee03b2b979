/* Bring-up of a build with both -Dchipset=false and -Duart_speed=false:
 * no vendor driver and no speed change can run, so the host keeps only
 * what bh_host_chipset() / bh_host_uart_baud() report. The reports, the
 * log lines and the results are those host_chipset.c gives with
 * chipset_off.c and chipset_baud_off.c: a forced driver or speed=N fails
 * bring-up with BH_ENOTSUP and says why; an auto-detected controller runs
 * as it is. Neither library is linked for it. */
#include "host_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct host_chipset_off {
	struct bh_chipset_report chip;
	struct bh_uart_baud_report baud;
	bool have_baud;
};

int host_chipset_init(struct bh_host *h, char *err, size_t errlen)
{
	uint16_t vid = 0, pid = 0;
	bool usb = bh_transport_usb_id(h->transport, &vid, &pid);
	const char *want = h->cfg.chipset;
	struct bh_uart_settings u;
	bool uart_speed = bh_transport_uart(h->transport, &u) && u.operating;
	if (want ? !strcmp(want, "none") && !uart_speed : !usb && !uart_speed)
		return BH_OK;
	struct host_chipset_off *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return BH_ENOMEM;
	}
	o->chip.have_usb_id = usb;
	o->chip.vid = vid;
	o->chip.pid = pid;
	o->chip.rom_version = -1;
	h->chipset_off = o;
	return BH_OK;
}

void host_chipset_free(struct bh_host *h)
{
	free(h->chipset_off);
	h->chipset_off = NULL;
}

bool host_chipset_start(struct bh_host *h)
{
	struct host_chipset_off *o = h->chipset_off;
	if (!o)
		return false;
	/* Only an explicit vendor is an error: "auto" must keep working on a
	 * controller that happens to be a Realtek one, as driver "none" does. */
	const char *d = h->cfg.chipset;
	bool forced = d && strcmp(d, "auto") && strcmp(d, "none");
	struct bh_chipset_report *r = &o->chip;
	r->outcome = forced ? BH_CHIPSET_FAILED : BH_CHIPSET_NOTHING_TO_DO;
	r->status = forced ? BH_ENOTSUP : BH_OK;
	snprintf(r->message, sizeof(r->message),
		 "vendor bring-up is not in this build (-Dchipset=false)%s",
		 forced ? "" : ": running the controller as it is");
	/* chipset_off.c names no vendor: its report says generic. */
	host_log(h, forced ? BH_LOG_ERROR : BH_LOG_INFO, "chipset generic: %s", r->message);
	bh_status result = r->status;
	struct bh_uart_settings u;
	if (!result && bh_transport_uart(h->transport, &u) && u.operating) {
		struct bh_uart_baud_report *b = &o->baud;
		o->have_baud = true;
		b->baud = u.baud;
		b->flow = u.flow;
		b->requested = u.operating;
		b->outcome = BH_UART_BAUD_UNSUPPORTED;
		result = b->status = BH_ENOTSUP;
		snprintf(b->message, sizeof(b->message),
			 "the UART speed change is not in this build (-Duart_speed=false)"
			 "; staying at %lu baud",
			 b->baud);
		BH_LOGF(&h->env, BH_LOG_ERROR, "chipset", "UART speed: %s", b->message);
	} else if (!result) {
		result = bh_hci_start(h->hci);
	}
	if (result) {
		h->ready = false;
		h->ready_status = result;
		h->ready_done = true;
		if (h->ev.ready)
			h->ev.ready(h->ev.ctx, result);
	}
	return true;
}

const struct bh_uart_baud_report *bh_host_uart_baud(const struct bh_host *h)
{
	return h->chipset_off && h->chipset_off->have_baud ? &h->chipset_off->baud : NULL;
}

const struct bh_chipset_report *bh_host_chipset(const struct bh_host *h)
{
	return h->chipset_off ? &h->chipset_off->chip : NULL;
}
