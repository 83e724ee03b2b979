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
	char dirs[1024];
	snprintf(dirs, sizeof(dirs), "%s%s/lib/firmware", env && *env ? env : "",
		 env && *env ? ":" : "");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, pathlen, "%s/%s", d, name);
		int rc = read_file(path, data, len);
		if (rc != BH_ENOTFOUND) {
			if (rc)
				host_log(h, BH_LOG_ERROR, "cannot read firmware %s: %s", path,
					 bh_strerror(rc));
			return rc;
		}
	}
	return BH_ENOTFOUND;
}

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

static void done(void *ctx, bh_status result)
{
	struct bh_host *h = ctx;
	const struct bh_chipset_report *r = bh_chipset_report(h->chipset);
	if (r->message[0])
		host_log(h, result ? BH_LOG_ERROR : BH_LOG_INFO, "chipset %s: %s",
			 bh_chipset_vendor_str(r->vendor), r->message);
	if (result == BH_OK)
		result = bh_hci_start(h->hci);
	if (result == BH_OK)
		return;
	h->ready = false;
	h->ready_status = result;
	h->ready_done = true;
	if (h->ev.ready)
		h->ev.ready(h->ev.ctx, result);
}

static bh_time_ms deadline(void *a)
{
	return host_chipset_deadline(a);
}

static void run(void *a)
{
	struct bh_host *h = a;
	bh_chipset_on_timeout(h->chipset);
}

int host_chipset_init(struct bh_host *h, char *err, size_t errlen)
{
	struct bh_chipset_config cc;
	bh_chipset_config_default(&cc);
	cc.have_usb_id = bh_transport_usb_id(h->transport, &cc.vid, &cc.pid);
	const char *want = h->cfg.chipset;
	if (want ? !strcmp(want, "none") : !cc.have_usb_id)
		return BH_OK;
	cc.driver = want;
	struct bh_chipset_port port = { .send = send_cmd, .load = load, .done = done, .ctx = h };
	h->chipset = bh_chipset_new(&cc, &h->env, &port);
	if (!h->chipset) {
		snprintf(err, errlen, "out of memory");
		return BH_ENOMEM;
	}
	bh_loop_add_source(h->loop, deadline, run, h);
	return BH_OK;
}

void host_chipset_free(struct bh_host *h)
{
	bh_chipset_free(h->chipset);
	h->chipset = NULL;
}

bool host_chipset_start(struct bh_host *h)
{
	return h->chipset && bh_chipset_start(h->chipset) == BH_OK;
}

bool host_chipset_rx(struct bh_host *h, uint8_t type, const uint8_t *pkt, size_t len)
{
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
	return h->chipset ? bh_chipset_next_deadline(h->chipset) : BH_NEVER;
}

const struct bh_chipset_report *bh_host_chipset(const struct bh_host *h)
{
	return h->chipset ? bh_chipset_report(h->chipset) : NULL;
}
