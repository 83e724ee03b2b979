/* test_cli_socket BLEHOST: the commands that wait with no end of their own
 * (notify without --timeout or --count, peripheral without --timeout), as
 * the real blehost program on its real unix-socket transport against
 * fake_ctrl, when the controller or the peer fails while they wait: the
 * peer disconnects (notify), the controller's socket closes, a Hardware
 * Error, the controller goes silent with its socket open. Each must exit by
 * itself within EXIT_BOUND_MS (silence: SILENCE_BOUND_MS, found by the
 * host's idle check) with a non-zero status and a "blehost: ..." message,
 * and no sanitizer report (suite
 * 'matrix'; the replay matrix covers every step in virtual time, this the
 * real transport-close path). */
#include "fake_ctrl.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_BOUND_MS 3000
/* A silent controller: the 5 s idle check, its 2 s command timeout, the
 * recovery Reset's 2 s, with room for a loaded machine. */
#define SILENCE_BOUND_MS 15000
#define READY_BOUND_MS 10000

static const char *const fault_names[] = { "", "disconnect", "close", "hwerror", "silence" };

static bool notify_ready(struct fake *f) { return fake_att_wrote(f); }
static bool periph_ready(struct fake *f) { return fake_cmd_count(f, 0x200a) > 0; }

/* One cell; 0 when it holds. */
static int cell(const char *blehost, const char *cmd, enum fake_fault kind)
{
	struct bh_loop *loop = bh_loop_new();
	struct fake *f = fake_new();
	char errpath[] = "/tmp/blehost-cli-socket-XXXXXX";
	int efd = mkstemp(errpath);
	bool notify = !strcmp(cmd, "notify");
	const char *why = NULL;
	if (!loop || !f || efd < 0) {
		printf("FAIL - %s %s: fixture\n", cmd, fault_names[kind]);
		return 1;
	}
	if (notify)
		fake_accept_connects(f);
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(efd, 2);
		alarm(30); /* never outlive the test */
		if (notify)
			execl(blehost, "blehost", "-t", fake_transport(f), "--store", "", "notify",
			      "66:55:44:33:22:11", "2a37", (char *)NULL);
		else
			execl(blehost, "blehost", "-t", fake_transport(f), "--store", "", "peripheral",
			      (char *)NULL);
		_exit(127);
	}
	int status = 0;
	pid_t done = 0;
	if (fake_accept(f, loop)) {
		why = "blehost did not connect";
		goto out;
	}
	bool (*ready)(struct fake *) = notify ? notify_ready : periph_ready;
	for (int t = 0; t < READY_BOUND_MS && !ready(f); t += 20)
		fake_run(f, 20);
	if (!ready(f)) {
		why = "never got to its wait";
		goto out;
	}
	fake_run(f, 100);
	fake_fault_now(f, FAKE_CONN_HANDLE, kind);
	int bound = kind == FAKE_SILENCE ? SILENCE_BOUND_MS : EXIT_BOUND_MS;
	for (int t = 0; t < bound && !done; t += 20) {
		fake_run(f, 20);
		done = waitpid(pid, &status, WNOHANG);
	}
	if (!done) {
		why = "still running at its bound";
	} else if (!WIFEXITED(status)) {
		why = "died of a signal";
	} else if (WEXITSTATUS(status) == 0) {
		why = "exit status 0";
	}
out:
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	fake_free(f);
	bh_loop_free(loop);
	char buf[8192] = "";
	ssize_t n = pread(efd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	close(efd);
	unlink(errpath);
	if (!why && (strstr(buf, "Sanitizer") || strstr(buf, "runtime error:")))
		why = "sanitizer report";
	if (!why && strncmp(buf, "blehost: ", 9) && !strstr(buf, "\nblehost: "))
		why = "no error message";
	if (why) {
		printf("FAIL - %s, fault %s: %s\n%s\n", cmd, fault_names[kind], why, buf);
	} else {
		const char *msg = strstr(buf, "blehost: ");
		printf("ok   - %s, fault %s: exit %d, %.*s\n", cmd, fault_names[kind],
		       WEXITSTATUS(status), (int)strcspn(msg, "\n"), msg);
	}
	return why ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s BLEHOST\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	unsigned cells = 0, ok = 0;
	static const char *const cmds[] = { "notify", "peripheral" };
	for (int c = 0; c < 2; c++) {
		unsigned cc = 0, ck = 0;
		for (int k = FAKE_DISCONNECT; k <= FAKE_SILENCE; k++) {
			/* A server outlives its peers: disconnect is not its end. */
			if (c == 1 && k == FAKE_DISCONNECT)
				continue;
			cc++;
			ck += cell(argv[1], cmds[c], (enum fake_fault)k) == 0;
		}
		printf("matrix %s (real socket, no timeout): %u cells run, %u ok\n", cmds[c], cc, ck);
		cells += cc;
		ok += ck;
	}
	return ok == cells ? 0 : 1;
}
