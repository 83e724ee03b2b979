/* The whole host on an H4 UART (serial: on a pty) whose spec asks for
 * speed=921600: bring-up reads the version (a Broadcom part), runs the
 * vendor work (no firmware here: continues unpatched), sends 0xFC18 at
 * 115200, switches its tty, verifies with Read Local Version, then runs
 * the standard init; `ok` expects the tty at 921600 afterwards, `refused`
 * a controller that refuses the rate and bring-up going on at 115200.
 * tests/faults' fake controller answers; it does not model the line speed
 * (test_chipset_uart does).
 * `cli ok|refused BLEHOST` runs the real program, `blehost info` (text,
 * then --json) with -t serial:PTY,115200,speed=921600,flow=on, against the
 * same fake served from this process, and checks what it prints: the
 * speed and flow control in use, the speed change's outcome, and the
 * chipset line of bring-up.
 * `off` is for a -Duart_speed=false build (as test uart_speed_off): the
 * same spec makes bring-up fail with BH_ENOTSUP, 0xFC18 is never sent, the
 * tty stays at 115200 and the report names the option.
 * `chipset_off` is for a -Dchipset=false build (as test chipset_host_off):
 * a forced vendor driver makes bring-up fail with BH_ENOTSUP and a report
 * that names the option, with no vendor command sent; "auto" brings the
 * controller up as it is and says so; "none" and the default (no USB id)
 * ask nothing of the chipset layer.
 * `longpath`: see longpath() below. */
#include <blehost/blehost.h>
#include <blehost/chipset.h>
#include <blehost/transport.h>

#include "../faults/fake_ctrl.h"

#include <blehost/loop.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Read Local Version: Bluetooth 5.0, Broadcom (0x000f) */
static const uint8_t ver[9] = { 0x00, 0x09, 0x00, 0x00, 0x09, 0x0f, 0x00, 0x00, 0x00 };

/* One run of `exe ARGS info` against a fresh fake; its output in out. */
static int run_info(const char *exe, bool json, char *out, size_t cap)
{
	struct fake *f = fake_new_pty("serial", ",115200,speed=921600,flow=on");
	struct bh_loop *loop = bh_loop_new();
	if (!f || !loop)
		return -1;
	fake_set_answer(f, 0x1001, ver, sizeof(ver));
	fake_set_command_hook(f, hook, NULL);
	asked = 0;
	/* Held open so the master does not hang up before the child opens
	 * the slave, or after it closes it; never read. */
	const char *spec = fake_transport(f);
	char slave[64];
	snprintf(slave, sizeof(slave), "%s", strchr(spec, ':') + 1);
	*strchr(slave, ',') = 0;
	int hold = open(slave, O_RDWR | O_NOCTTY);
	int pipefd[2];
	if (hold < 0 || pipe(pipefd) || fake_accept(f, loop))
		return -1;
	char store[] = "/tmp/bh-uart-cli-XXXXXX";
	if (!mkdtemp(store))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		if (json)
			execl(exe, exe, "--json", "--store", store, "--seed", "7", "-t", spec, "info",
			      (char *)NULL);
		else
			execl(exe, exe, "--store", store, "--seed", "7", "-t", spec, "info",
			      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	size_t n = 0;
	int status = -1;
	for (int i = 0; i < 2000; i++) { /* at most ~20 s */
		bh_loop_iterate(loop, 10);
		ssize_t k = read(pipefd[0], out + n, cap - 1 - n);
		if (k > 0)
			n += (size_t)k;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	ssize_t k;
	while (n < cap - 1 && (k = read(pipefd[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = 0;
	close(pipefd[0]);
	close(hold);
	fake_free(f);
	bh_loop_free(loop);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", store);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cli(const char *exe)
{
	const char *text[] = {
		refuse ? "UART           115200 baud, RTS/CTS flow control on (opened at 115200)"
		       : "UART           921600 baud, RTS/CTS flow control on (opened at 115200)",
		refuse ? "Speed change   failed, back at the initial speed: "
		       : "Speed change   changed: ",
		"Chipset        broadcom",
		"Chipset        broadcom: unknown chip, running unpatched",
	};
	const char *json[] = {
		refuse ? "\"uart\":{\"baud\":115200,\"flow_control\":true,\"initial_baud\":115200,"
			 "\"requested_baud\":921600,\"speed_change\":\"failed, back at the initial "
			 "speed\""
		       : "\"uart\":{\"baud\":921600,\"flow_control\":true,\"initial_baud\":115200,"
			 "\"requested_baud\":921600,\"speed_change\":\"changed\"",
		"\"chipset\":{\"driver\":\"broadcom\"",
		"\"outcome\":\"unknown chip, running unpatched\"",
		"\"speed_change\"",
	};
	int fails = 0;
	for (int j = 0; j < 2; j++) {
		static char out[16384];
		int st = run_info(exe, j, out, sizeof(out));
		const char **want = j ? json : text;
		bool ok = st == 0 && asked == 921600;
		for (int w = 0; w < 4; w++)
			if (!strstr(out, want[w])) {
				fprintf(stderr, "missing: %s\n", want[w]);
				ok = false;
			}
		if (!ok) {
			fprintf(stderr, "blehost %sinfo: exit %d, 0xFC18 asked %lu:\n%s\n",
				j ? "--json " : "", st, asked, out);
			fails++;
		} else {
			fputs(out, stdout);
		}
	}
	return fails ? 1 : 0;
}

static int off(struct fake *f, struct bh_host *h)
{
	if (!h || fake_accept(f, bh_host_loop(h)))
		return 2;
	bh_status st = bh_host_start_sync(h, 5000);
	struct bh_uart_settings u;
	const struct bh_uart_baud_report *r = bh_host_uart_baud(h);
	int rc = 0;
	if (!bh_transport_uart(bh_host_transport(h), &u) || !r) {
		fprintf(stderr, "no UART settings or no speed-change report\n");
		rc = 1;
	} else {
		printf("start: %s; tty %lu baud; speed change: %s: %s; 0xFC18 asked %lu\n",
		       bh_strerror(st), u.baud, bh_uart_baud_outcome_str(r->outcome), r->message,
		       asked);
		if (st != BH_ENOTSUP || u.baud != 115200 || asked || fake_cmd_count(f, 0xfc18) ||
		    r->outcome != BH_UART_BAUD_UNSUPPORTED || r->status != BH_ENOTSUP ||
		    !strstr(r->message, "-Duart_speed=false"))
			rc = 1;
	}
	fake_free(f);
	bh_host_free(h);
	return rc;
}

/* -Dchipset=false through the whole host: one bring-up per driver name. */
static int chipset_off(void)
{
	/* outcome -1: no report (nothing asked of the chipset layer). */
	static const struct {
		const char *driver;
		bh_status start;
		int outcome;
	} cases[] = { { "realtek", BH_ENOTSUP, BH_CHIPSET_FAILED },
		      { "auto", BH_OK, BH_CHIPSET_NOTHING_TO_DO },
		      { "none", BH_OK, -1 },
		      { NULL, BH_OK, -1 } };
	int rc = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_new_pty("serial", ",115200");
		if (!f)
			return 2;
		fake_set_answer(f, 0x1001, ver, sizeof(ver));
		struct bh_host_config cfg;
		bh_host_config_default(&cfg);
		cfg.store_dir = "";
		cfg.transport = fake_transport(f);
		cfg.chipset = cases[i].driver;
		char err[256] = "";
		struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
		if (!h || fake_accept(f, bh_host_loop(h))) {
			fprintf(stderr, "no host: %s\n", err);
			return 2;
		}
		bh_status st = bh_host_start_sync(h, 5000);
		const struct bh_chipset_report *r = bh_host_chipset(h);
		printf("driver %s: start %s; report %s %s\n",
		       cases[i].driver ? cases[i].driver : "(default)", bh_strerror(st),
		       r ? bh_chipset_outcome_str(r->outcome) : "none", r ? r->message : "");
		if (st != cases[i].start || (r ? (int)r->outcome : -1) != cases[i].outcome ||
		    (r && (r->status != cases[i].start || !strstr(r->message, "-Dchipset=false"))) ||
		    fake_cmd_count(f, 0xfc6d) || fake_cmd_count(f, 0xfc61))
			rc = 1;
		fake_free(f);
		bh_host_free(h);
	}
	return rc;
}

/* `longpath`: a firmware directory whose path with the file's name would
 * not fit the loader's path buffer (160) is skipped, not searched under
 * the cut name, where another file may be: here a damaged one, which
 * would fail bring-up. Nothing else has the file: bring-up goes on
 * unpatched. */
static int longpath(void)
{
	char base[] = "/tmp/blehost-fwlong-XXXXXX";
	if (!mkdtemp(base))
		return 2;
	const char *name = "brcm/BCM20702A1.hcd";
	char dir[256], full[512], cmd[300];
	snprintf(dir, sizeof(dir), "%s/%0*d", base, (int)(150 - strlen(base) - 1), 0);
	snprintf(full, sizeof(full), "%s/brcm", dir);
	if (mkdir(dir, 0700) || mkdir(full, 0700))
		return 2;
	snprintf(full, sizeof(full), "%s/%s", dir, name);
	full[159] = '\0'; /* where a 160-octet buffer cuts it: DIR/brcm/BCM */
	FILE *junk = fopen(full, "w");
	if (!junk || fputs("not a patch file", junk) < 0 || fclose(junk))
		return 2;
	setenv("BLEHOST_FIRMWARE_PATH", dir, 1);
	/* Read Local Version: Broadcom, LMP subversion 0x220e (BCM20702A1) */
	static const uint8_t bcm[9] = { 0x00, 0x09, 0x00, 0x00, 0x09, 0x0f, 0x00, 0x0e, 0x22 };
	struct fake *f = fake_new_pty("serial", ",115200");
	if (!f)
		return 2;
	fake_set_answer(f, 0x1001, bcm, sizeof(bcm));
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	cfg.transport = fake_transport(f);
	cfg.chipset = "broadcom";
	struct bh_host *h = bh_host_new(&cfg, NULL, NULL, 0);
	if (!h || fake_accept(f, bh_host_loop(h)))
		return 2;
	bh_status st = bh_host_start_sync(h, 5000);
	const struct bh_chipset_report *r = bh_host_chipset(h);
	printf("start %s; report %s: %s\n", bh_strerror(st),
	       r ? bh_chipset_outcome_str(r->outcome) : "none", r ? r->message : "");
	int rc = st != BH_OK || !r || r->outcome != BH_CHIPSET_NO_FIRMWARE || fake_cmd_count(f, 0xfc2e);
	fake_free(f);
	bh_host_free(h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) ? 2 : rc;
}

int main(int argc, char **argv)
{
	refuse = argc > 1 && !strcmp(argv[1], "refused");
	setenv("BLEHOST_FIRMWARE_PATH", "/nonexistent-blehost-firmware", 1);
	if (argc == 2 && !strcmp(argv[1], "chipset_off"))
		return chipset_off();
	if (argc == 2 && !strcmp(argv[1], "longpath"))
		return longpath();
	if (argc == 4 && !strcmp(argv[1], "cli")) {
		refuse = !strcmp(argv[2], "refused");
		return cli(argv[3]);
	}
	struct fake *f = fake_new_pty("serial", ",115200,speed=921600,flow=off");
	if (!f)
		return 2;
	fake_set_answer(f, 0x1001, ver, sizeof(ver));
	fake_set_command_hook(f, hook, NULL);
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.seeded = true;
	cfg.seed = 7;
	cfg.store_dir = "";
	cfg.transport = fake_transport(f);
	/* `record FILE`: the same run, written as a trace (btsnoop) */
	if (argc == 3 && !strcmp(argv[1], "record"))
		cfg.trace_path = argv[2];
	char err[256] = "";
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (argc == 2 && !strcmp(argv[1], "off"))
		return off(f, h);
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
