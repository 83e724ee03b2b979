/* Vendor bring-up (chipset layer) between opening the transport and the
 * standard HCI init, and the firmware files it needs: the host reads them
 * ($BLEHOST_FIRMWARE_PATH, then /lib/firmware) and hands the bytes over, so
 * the chipset layer does no I/O. */
#include "host_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* -Dchipset=false (chipset_off.c) downloads nothing and names no vendor,
 * so it reads no file: no firmware loader, no Realtek UART config. */
#ifndef BH_HOST_NO_FIRMWARE
/* Firmware files are tens to hundreds of KiB; refuse anything absurd. */
#define FIRMWARE_MAX (16u << 20)

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? BH_ENOTFOUND : BH_EIO;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > FIRMWARE_MAX) {
		close(fd);
		return BH_EIO;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n ? n : 1);
	size_t got = 0;
	while (buf && got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!buf || got != n) {
		free(buf);
		return buf ? BH_EIO : BH_ENOMEM;
	}
	*data = buf;
	*len = n;
	return BH_OK;
}

static int load(void *ctx, const char *name, uint8_t **data, size_t *len, char *path,
		size_t pathlen)
{
	struct bh_host *h = ctx;
	const char *env = getenv("BLEHOST_FIRMWARE_PATH");
	const char *lists[2] = { env ? env : "", "/lib/firmware" };
	for (int k = 0; k < 2; k++) {
		for (const char *d = lists[k]; *d;) {
			size_t dl = strcspn(d, ":");
			const char *dir = d;
			d += dl + (d[dl] == ':');
			if (!dl)
				continue;
			/* A name that does not fit would be another file's: not here. */
			int n = dl < pathlen ? snprintf(path, pathlen, "%.*s/%s", (int)dl, dir, name)
					     : -1;
			if (n < 0 || (size_t)n >= pathlen) {
				host_log(h, BH_LOG_WARN, "firmware directory %.40s...: path too long, skipped",
					 dir);
				continue;
			}
			int rc = read_file(path, data, len);
			if (rc != BH_ENOTFOUND) {
				if (rc)
					host_log(h, BH_LOG_ERROR, "cannot read firmware %s: %s", path,
						 bh_strerror(rc));
				return rc;
			}
		}
	}
	return BH_ENOTFOUND;
}
#endif

/* The ports' callbacks: only the vendor drivers (not chipset_off.c) and the
 * speed change (not chipset_baud_off.c) ever call them. */
#if !defined(BH_HOST_NO_FIRMWARE) || !defined(BH_HOST_NO_UART_SPEED)
static int send_cmd(void *ctx, uint16_t opcode, const uint8_t *params, size_t len)
{
	struct bh_host *h = ctx;
	uint8_t pkt[3 + 255];
	if (len > 255)
		return BH_EINVAL;
	pkt[0] = (uint8_t)opcode;
	pkt[1] = (uint8_t)(opcode >> 8);
	pkt[2] = (uint8_t)len;
	if (len) /* params may be NULL for none */
		memcpy(pkt + 3, params, len);
	return host_lower_send(h, 0x01, pkt, 3 + len);
}
#endif

static void init_failed(struct bh_host *h, bh_status result)
{
	h->ready = false;
	h->ready_status = result;
	h->ready_done = true;
	if (h->ev.ready)
		h->ev.ready(h->ev.ctx, result);
}

#ifndef BH_HOST_NO_UART_SPEED
static int baud_set_host(void *ctx, unsigned long baud, bool flow)
{
	struct bh_host *h = ctx;
	char err[200];
	int rc = bh_transport_set_uart(h->transport, baud, flow, err, sizeof(err));
	if (rc)
		host_log(h, BH_LOG_ERROR, "%s", err);
	return rc;
}

static void baud_done(void *ctx, bh_status result)
{
	struct bh_host *h = ctx;
	if (result == BH_OK)
		result = bh_hci_start(h->hci);
	if (result)
		init_failed(h, result);
}
#endif

/* After the vendor work: the UART's operating speed, when the spec asked
 * for one (speed=N; Realtek: from its config file). */
static bh_status start_uart_baud(struct bh_host *h, const struct bh_chipset_report *r)
{
	struct bh_uart_settings u;
	if (!bh_transport_uart(h->transport, &u) || !u.operating)
		return BH_ENOTFOUND;
	uint8_t *cfg = NULL;
	size_t cfg_len = 0;
#ifndef BH_HOST_NO_FIRMWARE
	if (r->vendor == BH_CHIPSET_REALTEK && r->config[0])
		read_file(r->config, &cfg, &cfg_len);
#endif
	struct bh_uart_baud_config bc = {
		.vendor = r->vendor, .initial = u.baud, .initial_flow = u.flow,
		.target = u.operating, .target_flow = u.flow,
		.rtl_config = cfg, .rtl_config_len = cfg_len,
	};
	struct bh_uart_baud_port port = { .ctx = h };
#ifndef BH_HOST_NO_UART_SPEED
	port.send = send_cmd;
	port.set_host = baud_set_host;
	port.done = baud_done;
#endif
	h->uart_baud = bh_uart_baud_new(&bc, &h->env, &port);
	if (!h->uart_baud) {
		free(cfg);
		return BH_ENOMEM;
	}
	int rc = bh_uart_baud_start(h->uart_baud); /* the config is read within start */
	free(cfg);
	return rc;
}

static void done(void *ctx, bh_status result)
{
	struct bh_host *h = ctx;
	const struct bh_chipset_report *r = bh_chipset_report(h->chipset);
	if (r->message[0])
		host_log(h, result ? BH_LOG_ERROR : BH_LOG_INFO, "chipset %s: %s",
			 bh_chipset_vendor_str(r->vendor), r->message);
	if (result == BH_OK) {
		bh_status b = start_uart_baud(h, r);
		if (b == BH_OK)
			return; /* baud_done goes on */
		if (b != BH_ENOTFOUND) {
			init_failed(h, b);
			return;
		}
		result = bh_hci_start(h->hci);
	}
	if (result)
		init_failed(h, result);
}

static bh_time_ms deadline(void *a)
{
	return host_chipset_deadline(a);
}

static void run(void *a)
{
	struct bh_host *h = a;
	HOST_CB_ENTER(h);
	bh_chipset_on_timeout(h->chipset);
	if (h->uart_baud)
		bh_uart_baud_on_timeout(h->uart_baud);
	HOST_CB_LEAVE(h);
}

int host_chipset_init(struct bh_host *h, char *err, size_t errlen)
{
	struct bh_chipset_config cc;
	bh_chipset_config_default(&cc);
	cc.have_usb_id = bh_transport_usb_id(h->transport, &cc.vid, &cc.pid);
	const char *want = h->cfg.chipset;
	struct bh_uart_settings u;
	/* A UART asked to run faster needs the vendor known (Read Local Version) */
	bool uart_speed = bh_transport_uart(h->transport, &u) && u.operating;
	if (want ? !strcmp(want, "none") && !uart_speed : !cc.have_usb_id && !uart_speed)
		return BH_OK;
	cc.driver = want;
	struct bh_chipset_port port = { .done = done, .ctx = h };
#ifndef BH_HOST_NO_FIRMWARE
	port.send = send_cmd;
	port.load = load;
#endif
	h->chipset = bh_chipset_new(&cc, &h->env, &port);
	if (!h->chipset) {
		snprintf(err, errlen, "out of memory");
		return BH_ENOMEM;
	}
	if (bh_loop_add_source(h->loop, deadline, run, h)) {
		snprintf(err, errlen, "out of memory");
		return BH_ENOMEM;
	}
	return BH_OK;
}

void host_chipset_free(struct bh_host *h)
{
	bh_uart_baud_free(h->uart_baud);
	h->uart_baud = NULL;
	bh_chipset_free(h->chipset);
	h->chipset = NULL;
}

bool host_chipset_start(struct bh_host *h)
{
	return h->chipset && bh_chipset_start(h->chipset) == BH_OK;
}

bool host_chipset_rx(struct bh_host *h, uint8_t type, const uint8_t *pkt, size_t len)
{
	if (h->uart_baud && bh_uart_baud_running(h->uart_baud)) {
		if (type == 0x04)
			bh_uart_baud_on_event(h->uart_baud, pkt, len);
		return true;
	}
	if (!h->chipset || !bh_chipset_running(h->chipset))
		return false;
	/* Nothing but command answers matter before the standard init. */
	if (type == 0x04)
		bh_chipset_on_event(h->chipset, pkt, len);
	return true;
}

void host_chipset_lost(struct bh_host *h, bh_status why)
{
	if (h->chipset)
		bh_chipset_on_lost(h->chipset, why);
}

bh_time_ms host_chipset_deadline(struct bh_host *h)
{
	bh_time_ms a = h->chipset ? bh_chipset_next_deadline(h->chipset) : BH_NEVER;
	bh_time_ms b = h->uart_baud ? bh_uart_baud_next_deadline(h->uart_baud) : BH_NEVER;
	return a < b ? a : b;
}

const struct bh_uart_baud_report *bh_host_uart_baud(const struct bh_host *h)
{
	return h->uart_baud ? bh_uart_baud_report(h->uart_baud) : NULL;
}

const struct bh_chipset_report *bh_host_chipset(const struct bh_host *h)
{
	return h->chipset ? bh_chipset_report(h->chipset) : NULL;
}
