/* The vendor-driver test rig; see usb_rig.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usb_rig.h"

struct rig R;

static bh_time_ms now_fn(void *ctx) { (void)ctx; return R.now; }

static void log_fn(void *ctx, enum bh_log_level l, const char *layer, const char *msg)
{
	(void)ctx;
	(void)l;
	if (getenv("CHIPSET_TEST_LOG"))
		fprintf(stderr, "[%s] %s\n", layer, msg);
}

static int port_send(void *ctx, uint16_t op, const uint8_t *p, size_t n)
{
	(void)ctx;
	uint8_t pkt[3 + 255];
	pkt[0] = (uint8_t)op;
	pkt[1] = (uint8_t)(op >> 8);
	pkt[2] = (uint8_t)n;
	if (n)
		memcpy(pkt + 3, p, n);
	return bh_transport_send(R.t, 0x01, pkt, 3 + n);
}

static int port_load(void *ctx, const char *name, uint8_t **data, size_t *len, char *path,
		     size_t pathlen)
{
	(void)ctx;
	R.loads++;
	for (int i = 0; i < R.nfiles; i++)
		if (!strcmp(R.files[i].name, name)) {
			*data = malloc(R.files[i].len ? R.files[i].len : 1);
			memcpy(*data, R.files[i].data, R.files[i].len);
			*len = R.files[i].len;
			if (R.path_mode == 0)
				snprintf(path, pathlen, "/fw/%s", name);
			else if (R.path_mode == 2)
				memset(path, 'x', pathlen);
			return BH_OK;
		}
	return BH_ENOTFOUND;
}

static void port_done(void *ctx, bh_status st)
{
	(void)ctx;
	R.done_calls++;
	R.result = st;
}

static void on_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	if (type == 0x04)
		bh_chipset_on_event(R.cs, pkt, len);
}

static void on_lost(void *ctx, bh_status why)
{
	(void)ctx;
	bh_chipset_on_lost(R.cs, why);
}

void add_file(const char *name, const uint8_t *data, size_t len)
{
	struct file *f = &R.files[R.nfiles++];
	f->name = name;
	f->data = malloc(len ? len : 1);
	memcpy(f->data, data, len);
	f->len = len;
}

void rig_open(uint16_t vid, uint16_t pid, enum fake_kind kind, const char *driver)
{
	for (int i = 0; i < R.nfiles; i++)
		free(R.files[i].data);
	memset(&R, 0, sizeof(R));
	fake_chip_init(&R.chip, kind);
	fake_usb_setup(vid, pid, &R.chip);
	R.env = (struct bh_env){ .now = now_fn, .log = log_fn, .log_level = BH_LOG_DEBUG };
	R.now = 1000;
	char err[256];
	assert_int_equal(bh_transport_open_usb_ops(&fake_usb_ops, "", &R.t, err, sizeof(err)), BH_OK);
	struct bh_transport_port tp = { .rx = on_rx, .lost = on_lost, .env = &R.env };
	bh_transport_set_port(R.t, &tp);
	struct bh_chipset_config cfg;
	bh_chipset_config_default(&cfg);
	cfg.have_usb_id = bh_transport_usb_id(R.t, &cfg.vid, &cfg.pid);
	assert_true(cfg.have_usb_id);
	cfg.driver = driver;
	cfg.cmd_timeout_ms = 1000;
	struct bh_chipset_port cp = { .send = port_send, .load = port_load, .done = port_done };
	R.cs = bh_chipset_new(&cfg, &R.env, &cp);
	assert_non_null(R.cs);
}

void rig_close(void)
{
	bh_chipset_free(R.cs);
	bh_transport_close(R.t);
	fake_chip_free(&R.chip);
	for (int i = 0; i < R.nfiles; i++)
		free(R.files[i].data);
	R.nfiles = 0;
}

const struct bh_chipset_report *rig_run(void)
{
	int done_before = R.done_calls;
	assert_int_equal(bh_chipset_start(R.cs), BH_OK);
	for (int i = 0; i < 200000 && bh_chipset_running(R.cs); i++) {
		bh_transport_process(R.t, NULL, 0);
		if (fake_usb_pending() || bh_transport_next_deadline(R.t) == 0)
			continue;
		bh_time_ms d = bh_chipset_next_deadline(R.cs);
		if (d == BH_NEVER)
			break;
		if (d > R.now)
			R.now = d;
		bh_chipset_on_timeout(R.cs);
	}
	assert_false(bh_chipset_running(R.cs));
	assert_int_equal(R.done_calls, done_before + 1); /* exactly once */
	return bh_chipset_report(R.cs);
}
