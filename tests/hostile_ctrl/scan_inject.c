/* scan_inject BLEHOST [blehost options...]: runs `BLEHOST -t unix:FAKE
 * --store "" [options...] scan --timeout 3 --all-reports` against fake_ctrl and, once
 * scanning is enabled, has the controller report advertisers whose names
 * are hostile: terminal escape sequences that retitle the window and clear
 * the screen, a carriage return and newline that forge another device line,
 * backspaces, invalid UTF-8, a bidirectional override, a C1 control; one
 * honest UTF-8 name; and an extended report chain the controller ends
 * "truncated". blehost's stdout and stderr are passed through;
 * the exit status is blehost's. scan_names.py judges the output. */
#include "fake_ctrl.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	uint8_t last; /* address 11:22:33:44:55:LAST */
	const char *name;
	uint8_t len;
} names[] = {
	{ 0x01, "\x1b]0;pwned\x07\x1b[2J\r\nAA:BB", 21 },
	{ 0x02, "\xff\xfe\xc3(\x08\x08\x7f", 7 },
	{ 0x03, "\xe2\x80\xae" "evil\xc2\x9b" "31m", 12 },
	{ 0x04, "Caf\xc3\xa9 \xe2\x9c\x93", 9 },
};

/* LE Advertising Report (Vol 4, Part E, 7.7.65.2): ADV_IND, random
 * address, Flags and a Complete Local Name. */
static int advertise(struct fake *f, uint8_t last, const char *name, uint8_t n)
{
	uint8_t ev[64] = { 0x02, 1, 0x00, 0x01, last, 0x55, 0x44, 0x33, 0x22, 0xd1 };
	size_t o = 10;
	uint8_t *dlen = &ev[o++];
	const uint8_t flags[] = { 0x02, 0x01, 0x06 };
	memcpy(ev + o, flags, 3);
	o += 3;
	ev[o++] = (uint8_t)(n + 1);
	ev[o++] = 0x09;
	memcpy(ev + o, name, n);
	o += n;
	*dlen = (uint8_t)(o - 11);
	ev[o++] = 0xc4; /* -60 dBm */
	return fake_event(f, 0x3e, ev, (uint8_t)o);
}

/* LE Extended Advertising Report (7.7.65.13) fragment from
 * D1:22:33:44:55:05, SID 1, connectable, with Data_Status `status`. */
static int ext_fragment(struct fake *f, unsigned status, const uint8_t *data, uint8_t n)
{
	uint8_t ev[64] = { 0x0d, 1, (uint8_t)(0x01 | status << 5), 0x00, 0x01,
			   0x05, 0x55, 0x44, 0x33, 0x22, 0xd1, 0x01, 0x00, 0x01, 0x7f, 0xc4 };
	/* Periodic interval, direct address type and address: zero */
	ev[25] = n;
	memcpy(ev + 26, data, n);
	return fake_event(f, 0x3e, ev, (uint8_t)(26 + n));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: scan_inject BLEHOST [options...]\n");
		return 2;
	}
	alarm(30); /* never hang the test run */
	struct bh_loop *loop = bh_loop_new();
	struct fake *f = fake_new();
	if (!loop || !f)
		return 2;
	char *args[32];
	int k = 0;
	args[k++] = argv[1];
	args[k++] = "-t";
	args[k++] = (char *)fake_transport(f);
	args[k++] = "--store";
	args[k++] = "";
	for (int i = 2; i < argc && k < 26; i++)
		args[k++] = argv[i];
	args[k++] = "scan";
	args[k++] = "--timeout";
	args[k++] = "3";
	args[k++] = "--all-reports";
	args[k] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execv(argv[1], args);
		perror("execv");
		_exit(127);
	}
	if (fake_accept(f, loop)) {
		fprintf(stderr, "scan_inject: blehost never connected\n");
		return 2;
	}
	for (int i = 0; i < 500 && !fake_cmd_count(f, 0x200c); i++)
		fake_run(f, 10);
	fake_run(f, 50);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (advertise(f, names[i].last, names[i].name, names[i].len)) {
			fprintf(stderr, "scan_inject: blehost went away\n");
			break;
		}
	/* A chain the controller ends "truncated": manufacturer data cut
	 * short after the name. */
	const uint8_t head[] = { 0x02, 0x01, 0x06, 0x07, 0x09, 'L', 'o', 'n', 'g' };
	ext_fragment(f, 1, head, sizeof(head));
	ext_fragment(f, 2, (const uint8_t *)"Na\x05\xff\x4c", 5);
	int status = 0;
	for (int i = 0; i < 1000; i++) {
		fake_run(f, 10);
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fake_free(f);
			bh_loop_free(loop);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fprintf(stderr, "scan_inject: blehost did not finish\n");
	return 2;
}
