/* libFuzzer target: a hostile controller during vendor bring-up. The chipset
 * core and the Realtek, Broadcom or Intel driver (first byte; Intel with a
 * legacy or a TLV part's .sfi) get valid firmware
 * and then whatever events the input holds, with virtual time jumping
 * between them. Checks: done is reported exactly once when bring-up ends,
 * never while it runs, and commands are never sent after it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/chipset.h>

#include "../../tests/chipset/fw_build.h"

static uint8_t fw[4096];
static size_t fw_len;
static bh_time_ms now;
static int dones;
static struct bh_chipset *cs;
static uint16_t last_op;

static bh_time_ms now_fn(void *ctx) { (void)ctx; return now; }

static int send_fn(void *ctx, uint16_t op, const uint8_t *p, size_t n)
{
	(void)ctx;
	(void)p;
	if (dones || n > 255)
		abort();
	last_op = op;
	return 0;
}

static int load_fn(void *ctx, const char *name, uint8_t **data, size_t *len, char *path,
		   size_t pathlen)
{
	(void)ctx;
	(void)path;
	(void)pathlen;
	if (strstr(name, "config") || strstr(name, ".ddc"))
		return BH_ENOTFOUND;
	if (strstr(name, ".bseq")) { /* an Intel ROM part asks for its patch */
		static uint8_t bseq[512];
		size_t n = fw_build_bseq(bseq, sizeof(bseq), 3, 20, true);
		*data = malloc(n);
		memcpy(*data, bseq, n);
		*len = n;
		return BH_OK;
	}
	*data = malloc(fw_len);
	memcpy(*data, fw, fw_len);
	*len = fw_len;
	return BH_OK;
}

static void done_fn(void *ctx, bh_status st)
{
	(void)ctx;
	(void)st;
	dones++;
	if (bh_chipset_running(cs))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int kind = data[0] % 4; /* Realtek, Broadcom, Intel, Intel TLV */
	bool realtek = kind == 0;
	static uint8_t body[600];
	fw_fill(body, sizeof(body), 5);
	if (realtek) {
		struct fw_v1_patch ps[] = { { 1, body, 300 }, { 2, body, 600 } };
		fw_len = fw_build_epatch_v1(fw, sizeof(fw), 0x11112222, 14, ps, 2);
	} else if (kind == 2) {
		fw_len = fw_build_sfi(fw, sizeof(fw), 9, 4, 30, 0x40800);
	} else if (kind == 3) {
		fw_len = fw_build_sfi_tlv(fw, sizeof(fw), 9, 4, 30, 0x40800);
	} else {
		struct fw_hcd_rec rs[] = { { 0xfc4c, body, 250 }, { 0xfc4e, body, 4 } };
		fw_len = fw_build_hcd(fw, sizeof(fw), rs, 2);
	}
	struct bh_env env = { .now = now_fn };
	struct bh_chipset_config cfg;
	bh_chipset_config_default(&cfg);
	cfg.driver = realtek ? "realtek" : kind >= 2 ? "intel" : "broadcom";
	cfg.cmd_timeout_ms = 100;
	struct bh_chipset_port port = { .send = send_fn, .load = load_fn, .done = done_fn };
	now = 0;
	dones = 0;
	cs = bh_chipset_new(&cfg, &env, &port);
	bh_chipset_start(cs);
	/* Each step: 0xff lets time pass; 0x80 | n answers the last command
	 * with Command Complete carrying n input bytes as return parameters
	 * (so the drivers' answer checks are reached); else n raw bytes form
	 * an HCI event packet. */
	size_t o = 1;
	while (o < size && bh_chipset_running(cs)) {
		size_t n = data[o++];
		if (n == 0xff) { /* time passes */
			bh_time_ms d = bh_chipset_next_deadline(cs);
			if (d != BH_NEVER)
				now = d;
			bh_chipset_on_timeout(cs);
			continue;
		}
		if (n & 0x80) {
			n &= 0x3f;
			if (n > size - o)
				n = size - o;
			uint8_t ev[5 + 64] = { 0x0e, (uint8_t)(3 + n), 1, (uint8_t)last_op,
					       (uint8_t)(last_op >> 8) };
			memcpy(ev + 5, data + o, n);
			bh_chipset_on_event(cs, ev, 5 + n);
			o += n;
			continue;
		}
		if (n > size - o)
			n = size - o;
		bh_chipset_on_event(cs, data + o, n);
		o += n;
	}
	if (bh_chipset_running(cs) ? dones != 0 : dones != 1)
		abort();
	bh_chipset_free(cs);
	cs = NULL;
	return 0;
}
