/* UART speed change end to end on a pty: the real serial:/h5: transport on
 * the slave side, the chipset layer's speed-change sequence driving it, and
 * a fake UART controller on the master side. The fake answers only when
 * the tty's speed (the slave's termios, which TCGETS2 on the master
 * returns on Linux) equals the speed it runs at itself: bytes sent at the
 * wrong speed are garbage to it and are dropped, as on a real wire. It
 * plays Broadcom (0xFC45, 0xFC18), Intel (0xFC05, 0xFC06) and Realtek
 * (0xFC17), and the failures: refusal, no answer, silence after the switch.
 * Virtual time: 10 ms per loop turn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/termbits.h>
#include <sys/ioctl.h>

#include <blehost/chipset.h>
#include <blehost/transport.h>

#include "h5.h"

enum mode { M_OK, M_REFUSE, M_NO_ANSWER, M_SILENT_AFTER };

struct rig {
	/* controller side */
	int master;
	bool h5;
	struct bh_h4 framer;
	struct bh_h5_link link;
	unsigned long speed; /* the fake controller's own UART speed */
	bool mute;
	enum mode mode;
	uint16_t manufacturer;
	unsigned cmds[8];
	uint16_t ops[8];
	uint8_t last_params[16];
	size_t last_len;
	uint16_t last_op;
	unsigned version_at_new; /* Read Local Version answered at a changed speed */
	/* host side */
	bh_time_ms now;
	struct bh_env env;
	struct bh_transport *t;
	struct bh_uart_baud *b;
	bool done;
	bh_status result;
	bool lost;
	bool host_fails_above_3m; /* a tty whose driver cannot make > 3 Mbaud */
};

static unsigned long tty_speed(struct rig *r)
{
	struct termios2 tio;
	assert_int_equal(ioctl(r->master, TCGETS2, &tio), 0);
	return tio.c_ospeed;
}

static bool tty_flow(struct rig *r)
{
	struct termios2 tio;
	assert_int_equal(ioctl(r->master, TCGETS2, &tio), 0);
	return (tio.c_cflag & CRTSCTS) != 0;
}

static void wire_write(struct rig *r, const uint8_t *b, size_t n)
{
	if (r->mute || tty_speed(r) != r->speed)
		return; /* the host would read garbage: as good as nothing here */
	assert_int_equal(write(r->master, b, n), (ssize_t)n);
}

static void peer_write(void *ctx, const uint8_t *b, size_t n)
{
	wire_write(ctx, b, n);
}

static void event(struct rig *r, const uint8_t *ev, size_t n)
{
	if (r->h5) {
		bh_h5_link_send(&r->link, 0x04, ev, n, r->now);
		return;
	}
	uint8_t buf[64] = { 0x04 };
	memcpy(buf + 1, ev, n);
	wire_write(r, buf, n + 1);
}

static void complete(struct rig *r, uint16_t op, uint8_t status, const uint8_t *extra, size_t n)
{
	uint8_t ev[32] = { 0x0e, (uint8_t)(4 + n), 0x01, (uint8_t)op, (uint8_t)(op >> 8), status };
	if (n) /* extra may be NULL for no return parameters (UBSan) */
		memcpy(ev + 6, extra, n);
	event(r, ev, 6 + n);
}

static void count(struct rig *r, uint16_t op)
{
	for (int i = 0; i < 8; i++)
		if (r->ops[i] == op || !r->ops[i]) {
			r->ops[i] = op;
			r->cmds[i]++;
			return;
		}
}

static unsigned ncmd(const struct rig *r, uint16_t op)
{
	for (int i = 0; i < 8; i++)
		if (r->ops[i] == op)
			return r->cmds[i];
	return 0;
}

static unsigned long intel_rate(uint8_t code)
{
	static const unsigned long t[] = { 9600, 19200, 38400, 57600, 115200, 230400,
					   460800, 921600, 1843200, 3250000, 2000000, 3000000 };
	return code < 12 ? t[code] : 0;
}

static void on_command(struct rig *r, const uint8_t *pkt, size_t len)
{
	uint16_t op = (uint16_t)(pkt[0] | pkt[1] << 8);
	count(r, op);
	r->last_op = op;
	r->last_len = len - 3 < sizeof(r->last_params) ? len - 3 : sizeof(r->last_params);
	memcpy(r->last_params, pkt + 3, r->last_len);
	const uint8_t *p = pkt + 3;
	unsigned long next = 0;
	switch (op) {
	case 0x1001: {
		uint8_t v[8] = { 0x09, 0x00, 0x00, 0x09, (uint8_t)r->manufacturer,
				 (uint8_t)(r->manufacturer >> 8), 0x00, 0x00 };
		complete(r, op, 0, v, sizeof(v));
		if (r->speed != 115200)
			r->version_at_new++;
		return;
	}
	case 0xfc05:
	case 0xfc45:
		complete(r, op, 0, NULL, 0);
		return;
	case 0xfc18:
		next = (unsigned long)p[2] | (unsigned long)p[3] << 8 | (unsigned long)p[4] << 16 |
		       (unsigned long)p[5] << 24;
		break;
	case 0xfc17:
		next = bh_rtl_baud_rate((uint32_t)(p[0] | p[1] << 8 | p[2] << 16 |
						   (uint32_t)p[3] << 24));
		break;
	case 0xfc06:
		if (ncmd(r, 0xfc05) == 0)
			return; /* refused without a Read Version first */
		next = intel_rate(p[0]);
		break;
	default:
		complete(r, op, 0x01, NULL, 0); /* Unknown HCI Command */
		return;
	}
	switch (r->mode) {
	case M_REFUSE:
		complete(r, op, 0x12, NULL, 0);
		return;
	case M_NO_ANSWER:
		return;
	case M_OK:
	case M_SILENT_AFTER:
		if (op != 0xfc06) /* Intel: no answer at the old speed */
			complete(r, op, 0, NULL, 0);
		r->speed = next;
		if (r->mode == M_SILENT_AFTER)
			r->mute = true;
		return;
	}
}

static void peer_deliver(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	if (type == 0x01)
		on_command(ctx, pkt, len);
}

static void peer_event(void *ctx, enum bh_h5_event ev)
{
	(void)ctx;
	(void)ev;
}

/* ---- host side ---- */

static void t_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct rig *r = ctx;
	if (type == 0x04 && r->b)
		bh_uart_baud_on_event(r->b, pkt, len);
}

static void t_lost(void *ctx, bh_status why)
{
	(void)why;
	((struct rig *)ctx)->lost = true;
}

static int b_send(void *ctx, uint16_t op, const uint8_t *params, size_t len)
{
	struct rig *r = ctx;
	uint8_t pkt[3 + 255] = { (uint8_t)op, (uint8_t)(op >> 8), (uint8_t)len };
	if (len)
		memcpy(pkt + 3, params, len);
	return bh_transport_send(r->t, 0x01, pkt, 3 + len);
}

static int b_set_host(void *ctx, unsigned long baud, bool flow)
{
	struct rig *r = ctx;
	if (r->host_fails_above_3m && baud > 3000000)
		return BH_ENOTSUP;
	char err[200];
	return bh_transport_set_uart(r->t, baud, flow, err, sizeof(err));
}

static void b_done(void *ctx, bh_status st)
{
	struct rig *r = ctx;
	r->done = true;
	r->result = st;
}

static void turn(struct rig *r)
{
	struct pollfd fds[BH_TRANSPORT_MAX_FDS + 1];
	int n = bh_transport_pollfds(r->t, fds, BH_TRANSPORT_MAX_FDS);
	fds[n] = (struct pollfd){ .fd = r->master, .events = POLLIN };
	poll(fds, (nfds_t)n + 1, 2);
	if (n)
		bh_transport_process(r->t, fds, n);
	if (fds[n].revents & POLLIN) {
		uint8_t buf[4096];
		ssize_t got = read(r->master, buf, sizeof(buf));
		/* bytes sent at a speed the controller is not at are garbage */
		if (got > 0 && !r->mute && tty_speed(r) == r->speed) {
			if (r->h5)
				bh_h5_link_rx(&r->link, buf, (size_t)got, r->now);
			else
				bh_h4_feed(&r->framer, buf, (size_t)got, peer_deliver, r);
		}
	}
	if (bh_transport_next_deadline(r->t) <= r->now)
		bh_transport_process(r->t, NULL, 0);
	if (r->h5)
		bh_h5_link_timeout(&r->link, r->now);
	if (r->b && bh_uart_baud_next_deadline(r->b) <= r->now)
		bh_uart_baud_on_timeout(r->b);
	r->now += 10;
}

static struct rig *rig_new(bool h5, uint16_t manufacturer, const char *opts)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	r.h5 = h5;
	r.manufacturer = manufacturer;
	r.speed = 115200;
	r.master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(r.master >= 0);
	assert_int_equal(grantpt(r.master), 0);
	assert_int_equal(unlockpt(r.master), 0);
	char spec[200];
	snprintf(spec, sizeof(spec), "%s:%s,115200%s", h5 ? "h5" : "serial", ptsname(r.master),
		 opts ? opts : "");
	char err[256];
	assert_int_equal(bh_transport_open(spec, &r.t, err, sizeof(err)), BH_OK);
	r.env = (struct bh_env){ .now = bh_manual_clock, .now_ctx = &r.now };
	bh_transport_set_port(r.t, &(struct bh_transport_port){ .rx = t_rx, .lost = t_lost,
								.ctx = &r, .env = &r.env });
	bh_h4_init(&r.framer);
	if (h5) {
		bh_h5_link_init(&r.link, NULL,
				&(struct bh_h5_link_port){ peer_write, peer_deliver, peer_event, &r },
				r.now);
		/* the H5 link comes up before anything else */
		for (int i = 0; i < 100 && bh_transport_send(r.t, 0x01,
			(const uint8_t[]){ 0x03, 0x0c, 0x00 }, 3) != BH_OK; i++)
			turn(&r);
		for (int i = 0; i < 100; i++)
			turn(&r);
		assert_int_equal(ncmd(&r, 0x0c03), 1);
		r.ops[0] = 0;
		r.cmds[0] = 0;
	}
	return &r;
}

static void rig_run(struct rig *r, enum bh_chipset_vendor v, unsigned long target, bool flow,
		    const uint8_t *rtl_cfg, size_t rtl_len)
{
	struct bh_uart_baud_config cfg = { .vendor = v, .initial = 115200, .target = target,
					   .target_flow = flow, .rtl_config = rtl_cfg,
					   .rtl_config_len = rtl_len, .cmd_timeout_ms = 500 };
	r->b = bh_uart_baud_new(&cfg, &r->env,
				&(struct bh_uart_baud_port){ b_send, b_set_host, b_done, r });
	assert_non_null(r->b);
	assert_int_equal(bh_uart_baud_start(r->b), BH_OK);
	for (int i = 0; i < 1000 && !r->done; i++)
		turn(r);
	assert_true(r->done);
	assert_false(r->lost);
}

static void rig_free(struct rig *r)
{
	bh_uart_baud_free(r->b);
	bh_transport_close(r->t);
	close(r->master);
}

static const struct bh_uart_baud_report *rep(struct rig *r)
{
	return bh_uart_baud_report(r->b);
}

/* ---- tests ---- */

static void check_changed(struct rig *r, unsigned long speed)
{
	assert_int_equal(r->result, BH_OK);
	assert_int_equal(rep(r)->outcome, BH_UART_BAUD_CHANGED);
	assert_int_equal(rep(r)->baud, speed);
	assert_int_equal(tty_speed(r), speed);
	assert_int_equal(r->speed, speed);
	assert_int_equal(r->version_at_new, 1);
	struct bh_uart_settings u;
	assert_true(bh_transport_uart(r->t, &u));
	assert_int_equal(u.baud, speed);
	assert_int_equal(u.initial, 115200);
}

static void broadcom_ok(bool h5)
{
	struct rig *r = rig_new(h5, 0x000f, ",speed=921600");
	rig_run(r, BH_CHIPSET_BROADCOM, 921600, false, NULL, 0);
	check_changed(r, 921600);
	assert_int_equal(ncmd(r, 0xfc45), 0);
	assert_int_equal(ncmd(r, 0xfc18), 1);
	rig_free(r);
}
static void test_broadcom_h4(void **s) { (void)s; broadcom_ok(false); }
static void test_broadcom_h5(void **s) { (void)s; broadcom_ok(true); }

static void test_broadcom_params_and_clock(void **s)
{
	(void)s;
	struct rig *r = rig_new(false, 0x000f, NULL);
	rig_run(r, BH_CHIPSET_BROADCOM, 4000000, true, NULL, 0);
	check_changed(r, 4000000);
	assert_true(tty_flow(r));
	/* 0xFC45 48 MHz clock first, then 0xFC18 00 00 + le32 rate */
	assert_int_equal(ncmd(r, 0xfc45), 1);
	assert_int_equal(ncmd(r, 0xfc18), 1);
	uint8_t want[6] = { 0, 0, 0x00, 0x09, 0x3d, 0x00 };
	uint16_t op;
	uint8_t p[8];
	size_t n;
	bool on_cc;
	assert_int_equal(bh_uart_baud_command(BH_CHIPSET_BROADCOM, 4000000, 0, &op, p, &n, &on_cc),
			 BH_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(p, want, 6);
	rig_free(r);
}

static void intel_ok(bool h5)
{
	struct rig *r = rig_new(h5, 0x0002, NULL);
	rig_run(r, BH_CHIPSET_INTEL, 3250000, false, NULL, 0);
	/* 3250000 is no Bxxx constant: termios2 BOTHER on the host side */
	check_changed(r, 3250000);
	assert_int_equal(ncmd(r, 0xfc05), 1);
	assert_int_equal(ncmd(r, 0xfc06), 1);
	rig_free(r);
}
static void test_intel_h4(void **s) { (void)s; intel_ok(false); }
static void test_intel_h5(void **s) { (void)s; intel_ok(true); }

/* A Realtek config file: signature, length, a filler entry, the UART entry. */
static size_t rtl_config(uint8_t *out, uint32_t word, bool flow, size_t uart_len)
{
	uint8_t e[64];
	size_t n = 0;
	e[n++] = 0xd9; e[n++] = 0x00; e[n++] = 1; e[n++] = 0x0f;
	e[n++] = 0x0c; e[n++] = 0x00; e[n++] = (uint8_t)uart_len;
	uint8_t d[16] = { (uint8_t)word, (uint8_t)(word >> 8), (uint8_t)(word >> 16),
			  (uint8_t)(word >> 24), 0x50, 0xc5, 0xea, 0x19, 0xe1, 0x1b, 0xfd, 0xaf,
			  (uint8_t)(flow ? 0x5f : 0x5b), 0x01, 0xa4, 0x0b };
	memcpy(e + n, d, uart_len);
	n += uart_len;
	out[0] = 0x55; out[1] = 0xab; out[2] = 0x23; out[3] = 0x87;
	out[4] = (uint8_t)n; out[5] = 0;
	memcpy(out + 6, e, n);
	return 6 + n;
}

static void realtek_ok(bool h5)
{
	uint8_t cfg[80];
	size_t n = rtl_config(cfg, 0x04928002, true, 16);
	struct rig *r = rig_new(h5, 0x005d, NULL);
	/* speed=921600 asked, the config's 1500000 wins (the firmware runs at it) */
	rig_run(r, BH_CHIPSET_REALTEK, 921600, false, cfg, n);
	check_changed(r, 1500000);
	assert_true(tty_flow(r));
	assert_int_equal(r->last_op, 0x1001);
	assert_int_equal(ncmd(r, 0xfc17), 1);
	rig_free(r);
}
static void test_realtek_h4(void **s) { (void)s; realtek_ok(false); }
static void test_realtek_h5(void **s) { (void)s; realtek_ok(true); }

static void test_realtek_config_parse(void **s)
{
	(void)s;
	uint8_t cfg[80];
	uint32_t w;
	unsigned long rate;
	bool flow;
	char err[128];
	size_t n = rtl_config(cfg, 0x0000b001, false, 16);
	assert_int_equal(bh_rtl_config_uart(cfg, n, &w, &rate, &flow, err, sizeof(err)), BH_OK);
	assert_int_equal(w, 0x0000b001);
	assert_int_equal(rate, 2500000);
	assert_false(flow);
	/* truncated file, bad magic, short UART entry, no UART entry */
	assert_int_equal(bh_rtl_config_uart(cfg, n - 1, &w, &rate, &flow, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_non_null(strstr(err, "past the end"));
	assert_int_equal(bh_rtl_config_uart(cfg, 5, &w, &rate, &flow, err, sizeof(err)),
			 BH_EMALFORMED);
	n = rtl_config(cfg, 0x0000b001, false, 8);
	assert_int_equal(bh_rtl_config_uart(cfg, n, &w, &rate, &flow, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_non_null(strstr(err, "UART config entry"));
	cfg[6 + 4] = 0x0d; /* the UART entry moved to another offset */
	assert_int_equal(bh_rtl_config_uart(cfg, n, &w, &rate, &flow, err, sizeof(err)),
			 BH_ENOTFOUND);
	/* an entry length running past the data */
	n = rtl_config(cfg, 0x0000b001, false, 16);
	cfg[4] = 10;
	assert_int_equal(bh_rtl_config_uart(cfg, n, &w, &rate, &flow, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_int_equal(bh_rtl_config_uart(NULL, 0, &w, &rate, &flow, err, sizeof(err)),
			 BH_EMALFORMED);
	assert_int_equal(bh_rtl_baud_word(1500000), 0x04928002);
	assert_int_equal(bh_rtl_baud_word(1234567), 0);
}

static void test_realtek_no_uart_entry(void **s)
{
	(void)s;
	uint8_t cfg[80];
	size_t n = rtl_config(cfg, 0x04928002, true, 16);
	cfg[6 + 4] = 0x0d;
	struct rig *r = rig_new(false, 0x005d, NULL);
	rig_run(r, BH_CHIPSET_REALTEK, 0, false, cfg, n);
	assert_int_equal(r->result, BH_OK);
	assert_int_equal(rep(r)->outcome, BH_UART_BAUD_UNSUPPORTED);
	assert_non_null(strstr(rep(r)->message, "no UART entry"));
	assert_int_equal(ncmd(r, 0xfc17), 0);
	assert_int_equal(tty_speed(r), 115200);
	rig_free(r);
}

static void fails(bool h5, enum mode m, enum bh_uart_baud_outcome want, bh_status st)
{
	struct rig *r = rig_new(h5, 0x000f, NULL);
	r->mode = m;
	rig_run(r, BH_CHIPSET_BROADCOM, 2000000, false, NULL, 0);
	assert_int_equal(rep(r)->outcome, want);
	assert_int_equal(rep(r)->status, st);
	assert_int_equal(rep(r)->baud, 115200);
	assert_int_equal(tty_speed(r), 115200); /* the host went back / never moved */
	assert_int_equal(r->result, want == BH_UART_BAUD_FAILED ? st : BH_OK);
	if (want == BH_UART_BAUD_FELL_BACK && m != M_REFUSE)
		assert_int_equal(r->last_op, 0x1001); /* verified at the old speed */
	rig_free(r);
}
static void test_refused_h4(void **s) { (void)s; fails(false, M_REFUSE, BH_UART_BAUD_FELL_BACK, BH_HCI_STATUS(0x12)); }
static void test_refused_h5(void **s) { (void)s; fails(true, M_REFUSE, BH_UART_BAUD_FELL_BACK, BH_HCI_STATUS(0x12)); }
static void test_no_answer_h4(void **s) { (void)s; fails(false, M_NO_ANSWER, BH_UART_BAUD_FELL_BACK, BH_ETIMEDOUT); }
static void test_no_answer_h5(void **s) { (void)s; fails(true, M_NO_ANSWER, BH_UART_BAUD_FELL_BACK, BH_ETIMEDOUT); }
static void test_silent_after_h4(void **s) { (void)s; fails(false, M_SILENT_AFTER, BH_UART_BAUD_FAILED, BH_ETIMEDOUT); }
static void test_silent_after_h5(void **s) { (void)s; fails(true, M_SILENT_AFTER, BH_UART_BAUD_FAILED, BH_ETIMEDOUT); }

/* The controller took the command but the host's tty cannot make the rate:
 * the host stays, the controller is gone to the new speed, so the check at
 * the old speed finds it silent. */
static void test_host_tty_cannot(void **s)
{
	(void)s;
	struct rig *r = rig_new(false, 0x000f, NULL);
	r->host_fails_above_3m = true;
	rig_run(r, BH_CHIPSET_BROADCOM, 4000000, false, NULL, 0);
	assert_int_equal(rep(r)->outcome, BH_UART_BAUD_FAILED);
	assert_non_null(strstr(rep(r)->message, "cannot run at 4000000"));
	assert_int_equal(tty_speed(r), 115200);
	rig_free(r);
}

static void test_unsupported(void **s)
{
	(void)s;
	/* no vendor command for a generic controller; Intel has no code for 1 Mbaud */
	struct rig *r = rig_new(false, 0x0059, NULL);
	rig_run(r, BH_CHIPSET_GENERIC, 1000000, false, NULL, 0);
	assert_int_equal(rep(r)->outcome, BH_UART_BAUD_UNSUPPORTED);
	assert_non_null(strstr(rep(r)->message, "no known vendor command"));
	assert_int_equal(ncmd(r, 0), 0);
	assert_int_equal(tty_speed(r), 115200);
	rig_free(r);
	r = rig_new(true, 0x0002, NULL);
	rig_run(r, BH_CHIPSET_INTEL, 1000000, false, NULL, 0);
	assert_int_equal(rep(r)->outcome, BH_UART_BAUD_UNSUPPORTED);
	assert_int_equal(ncmd(r, 0xfc06), 0);
	rig_free(r);
}

static void test_transport_uart_api(void **s)
{
	(void)s;
	struct rig *r = rig_new(false, 0, ",speed=3000000,flow=on");
	struct bh_uart_settings u;
	assert_true(bh_transport_uart(r->t, &u));
	assert_int_equal(u.initial, 115200);
	assert_int_equal(u.operating, 3000000);
	assert_true(u.flow && u.flow_given);
	assert_true(tty_flow(r));
	char err[200];
	assert_int_equal(bh_transport_set_uart(r->t, 0, false, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_set_uart(r->t, 20000000, false, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(tty_speed(r), 115200);
	assert_int_equal(bh_transport_set_uart(r->t, 1843200, false, err, sizeof(err)), BH_OK);
	assert_int_equal(tty_speed(r), 1843200);
	assert_false(tty_flow(r));
	rig_free(r);
	struct bh_transport *t;
	assert_int_equal(bh_transport_open("serial:/dev/null,speed=fast", &t, err, sizeof(err)),
			 BH_EINVAL);
	assert_non_null(strstr(err, "speed=fast"));
	assert_int_equal(bh_transport_open("h4:/dev/null,flow=maybe", &t, err, sizeof(err)),
			 BH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broadcom_h4),
		cmocka_unit_test(test_broadcom_h5),
		cmocka_unit_test(test_broadcom_params_and_clock),
		cmocka_unit_test(test_intel_h4),
		cmocka_unit_test(test_intel_h5),
		cmocka_unit_test(test_realtek_h4),
		cmocka_unit_test(test_realtek_h5),
		cmocka_unit_test(test_realtek_config_parse),
		cmocka_unit_test(test_realtek_no_uart_entry),
		cmocka_unit_test(test_refused_h4),
		cmocka_unit_test(test_refused_h5),
		cmocka_unit_test(test_no_answer_h4),
		cmocka_unit_test(test_no_answer_h5),
		cmocka_unit_test(test_silent_after_h4),
		cmocka_unit_test(test_silent_after_h5),
		cmocka_unit_test(test_host_tty_cannot),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_transport_uart_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
