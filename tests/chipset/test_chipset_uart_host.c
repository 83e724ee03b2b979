/* The whole host on an H4 UART (serial: on a pty) whose spec asks for
 * speed=921600: bring-up reads the version (a Broadcom part), runs the
 * vendor work (no firmware here: continues unpatched), sends 0xFC18 at
 * 115200, switches its tty, verifies with Read Local Version, then runs
 * the standard init; `ok` expects the tty at 921600 afterwards, `refused`
 * a controller that refuses the rate and bring-up going on at 115200.
 * tests/faults' fake controller answers; it does not model the line speed
 * (test_chipset_uart does). */
#include <blehost/blehost.h>
#include <blehost/chipset.h>
#include <blehost/transport.h>

#include "../faults/fake_ctrl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool refuse;
static unsigned long asked;

static bool hook(void *ctx, struct fake *f, uint16_t op, const uint8_t *p, size_t len)
{
	(void)ctx;
	if (op != 0xfc18)
		return false;
	if (len == 6)
		asked = (unsigned long)p[2] | (unsigned long)p[3] << 8 | (unsigned long)p[4] << 16 |
			(unsigned long)p[5] << 24;
	uint8_t cc[4] = { 0x01, 0x18, 0xfc, refuse ? 0x12 : 0x00 };
	fake_event(f, 0x0e, cc, sizeof(cc));
	return true;
}

int main(int argc, char **argv)
{
	refuse = argc > 1 && !strcmp(argv[1], "refused");
	setenv("BLEHOST_FIRMWARE_PATH", "/nonexistent-blehost-firmware", 1);
	struct fake *f = fake_new_pty("serial", ",115200,speed=921600,flow=off");
	if (!f)
		return 2;
	/* Read Local Version: Bluetooth 5.0, Broadcom (0x000f) */
	static const uint8_t ver[9] = { 0x00, 0x09, 0x00, 0x00, 0x09, 0x0f, 0x00, 0x00, 0x00 };
	fake_set_answer(f, 0x1001, ver, sizeof(ver));
	fake_set_command_hook(f, hook, NULL);
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.seeded = true;
	cfg.seed = 7;
	cfg.store_dir = "";
	cfg.transport = fake_transport(f);
	char err[256] = "";
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h || fake_accept(f, bh_host_loop(h)) || bh_host_start_sync(h, 5000)) {
		fprintf(stderr, "bring-up failed: %s\n", err);
		return 1;
	}
	struct bh_uart_settings u;
	const struct bh_uart_baud_report *r = bh_host_uart_baud(h);
	int rc = 0;
	if (!bh_transport_uart(bh_host_transport(h), &u) || !r) {
		fprintf(stderr, "no UART settings or no speed-change report\n");
		rc = 1;
	} else {
		printf("tty %lu baud, flow %s; speed change: %s: %s; 0xFC18 asked %lu; Read Local "
		       "Version sent %u times\n",
		       u.baud, u.flow ? "on" : "off", bh_uart_baud_outcome_str(r->outcome),
		       r->message, asked, fake_cmd_count(f, 0x1001));
		unsigned long want = refuse ? 115200 : 921600;
		enum bh_uart_baud_outcome o = refuse ? BH_UART_BAUD_FELL_BACK : BH_UART_BAUD_CHANGED;
		if (u.baud != want || r->outcome != o || asked != 921600 ||
		    fake_cmd_count(f, 0x1001) < (refuse ? 1u : 2u))
			rc = 1;
	}
	fake_free(f); /* first: it watches its fd in the host's loop */
	bh_host_free(h);
	return rc;
}
