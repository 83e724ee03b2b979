/* matrix_run CASE TESTS_DIR: the "fail at every step" matrix for one CLI
 * session of tests/matrix/cases.txt (suite 'matrix').
 *
 * The session is replayed from its trace; then, for every N from 1 to the
 * number of packets the host sends and every fault (disconnect, close,
 * hwerror, silence), it is replayed again with a fault cut
 *     blehost -t replay:TRACE,cut=N,fault=F ...
 * (transports/replay.c): the trace plays up to the host's Nth packet, then
 * the peer or the controller fails. Time is virtual: a cell that waits out
 * ATT's 30 s takes milliseconds.
 *
 * Each cell is the real blehost program (tools/, linked in with its main
 * renamed) in a forked child, with stdout and stderr in files: a fork costs
 * far less than an exec, which keeps ~1,300 cells in budget under ASan. Each
 * child exits through exit(), so LeakSanitizer checks every cell.
 *
 * Every cell must give:
 *  - no crash and no hang: the child ends by itself within CELL_TIMEOUT s of
 *    wall time (SIGALRM otherwise), no sanitizer or leak report;
 *  - the host gave up within BOUND_MS of virtual time after the fault (the
 *    replay logs "host closed N ms (virtual) after the fault");
 *  - a non-zero exit with a "blehost: ..." error line; or exit 0 only when
 *    that is the truth: stdout equals the clean run's (the work was done
 *    before the fault, or the fault was a stray Disconnection Complete with
 *    no link up, which the host must ignore), or a server kept serving
 *    after its peer left (it printed the disconnection, reason 0x08, and
 *    ended at its --timeout), or a server's --timeout came before a silent
 *    controller can be noticed (IDLE_BOUND_MS after the fault, and no
 *    command was left unanswered: that is an error) and it ended as the
 *    clean run does.
 * Prints each failing cell and a summary: cells run, cells ok. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int blehost_main(int argc, char **argv);

#define MAX_ARGS 32
#define CELL_TIMEOUT 60
/* The longest a session may take to give up after a fault, in virtual
 * time: ATT's (or SMP's) 30 s transaction timeout, the closing Disconnect's
 * 2 s command timeout, the recovery Reset's 2 s, and the 5 s idle check
 * that finds a silent controller: 39 s, rounded up. A wait that forgets a
 * dead link runs into the helpers' own 35 s bounds twice and exceeds it. */
#define BOUND_MS 45000
/* Per fault. A lost link or controller ends every wait at once: what is
 * left is the session's own closing (a Disconnect the controller may not
 * answer: 2 s, and the Reset after it: 2 s). Silence is found by the
 * timers: BOUND_MS. */
static const long bound_ms[] = { 5000, 5000, 5000, BOUND_MS, BOUND_MS };

/* garble: the peer's ATT response to a request of ours arrives with one of
 * GARBLE_BITS flipped (replay.c, ",bit=K" counts from the L2CAP header).
 * The opcode's low bits turn it into another response, an Error Response,
 * a request or a command: the cases where the host cannot simply take the
 * bytes as the value it asked for. Only responses, and only these bits:
 * each response a session gets is a few cells, not one per packet and bit
 * (a flipped value byte is undetectable by design and proves nothing). A
 * response that is not the answer fails the request at once (att/); one
 * that became a request or command leaves ours to ATT's 30 s timer. */
static const unsigned garble_bits[] = { 32, 33, 34 };
enum { GARBLE = 4, GARBLE_BITS = 3 };

static const char *const faults[] = { "disconnect", "close", "hwerror", "silence", "garble" };
enum { N_FAULTS = 5 };

struct cfg {
	char trace[1024];
	char kind[16];
	char *args[MAX_ARGS];
	int nargs;
	char dir[64];
};

struct cell {
	int fault;
	unsigned n;
	unsigned bit; /* garble */
	bool fast;    /* garble: still a response, so the wrong answer: 5 s bound */
	pid_t pid;
	int status;
};

/* Is this controller->host ACL record an ATT response (Vol 3, Part F,
 * 3.4.8: the assigned odd opcodes up to 0x21 but notification and
 * indication)? */
static bool is_response(unsigned op)
{
	/* (0x15 and 0x1f are unassigned: an unknown opcode is a request) */
	return (op & 1) && op <= 0x21 && op != 0x15 && op != 0x1b && op != 0x1d && op != 0x1f;
}

static bool att_response(const unsigned char *p, unsigned long len)
{
	/* a start fragment (Vol 4, Part E, 5.4.2: PB 0b10) on ATT's CID */
	return len >= 9 && (p[1] >> 4 & 3) == 2 && (p[6] | p[7] << 8) == 0x0004 &&
	       is_response(p[8]);
}

/* Host->controller records of a btsnoop trace (flags bit 0 clear). With
 * resp, also the cut before each ATT response the peer sends: resp[i] = the
 * number of host packets before it (0 ends the list; at most max). */
static int host_packets(const char *path, unsigned *resp, unsigned char *resp_op, unsigned max)
{
	unsigned nr = 0;
	int acl_after = -1; /* the host packet count at the last ACL record */
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	unsigned char h[24];
	int n = 0;
	if (fread(h, 1, 16, f) != 16 || memcmp(h, "btsnoop", 8)) {
		fclose(f);
		return -1;
	}
	while (fread(h, 1, 24, f) == 24) {
		unsigned long len = (unsigned long)h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7];
		unsigned char p[10];
		if (!(h[11] & 1))
			n++;
		/* btsnoop H4: a type byte (2: ACL), the HCI ACL header, the
		 * L2CAP header, the ATT opcode */
		long got = (h[11] & 1) && len >= 10 ? (long)fread(p, 1, 10, f) : 0;
		/* garble hits the first ACL packet after the cut */
		if (got == 10 && p[0] == 2 && acl_after != n && att_response(p + 1, len - 1) &&
		    n > 0 && resp && nr + 1 < max) {
			resp_op[nr] = p[9];
			resp[nr++] = (unsigned)n;
		}
		if (got == 10 && p[0] == 2)
			acl_after = n;
		if (fseek(f, (long)len - got, SEEK_CUR))
			break;
	}
	if (resp)
		resp[nr] = 0;
	fclose(f);
	return n;
}

static int load_case(struct cfg *c, const char *name, const char *tests)
{
	char path[1024], line[4096];
	snprintf(path, sizeof(path), "%s/matrix/cases.txt", tests);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
		if (!tok || tok[0] == '#' || strcmp(tok, name))
			continue;
		found = true;
		char *tr = strtok_r(NULL, " \t\n", &save);
		char *kind = strtok_r(NULL, " \t\n", &save);
		if (!tr || !kind)
			break;
		snprintf(c->trace, sizeof(c->trace), "%s/%s", tests, tr);
		snprintf(c->kind, sizeof(c->kind), "%s", kind);
		while ((tok = strtok_r(NULL, " \t\n", &save)) && c->nargs < MAX_ARGS)
			c->args[c->nargs++] = strdup(tok);
	}
	fclose(f);
	if (!found || !c->nargs) {
		fprintf(stderr, "no case '%s' in %s\n", name, path);
		return -1;
	}
	return 0;
}

static void cell_file(const struct cfg *c, char *out, size_t len, const char *id, const char *ext)
{
	snprintf(out, len, "%s/%s.%s", c->dir, id, ext);
}

static void cell_id(char *out, size_t len, int fault, unsigned n, unsigned bit)
{
	if (fault < 0)
		snprintf(out, len, "clean");
	else if (fault == GARBLE)
		snprintf(out, len, "%s.%u.%u", faults[fault], n, bit);
	else
		snprintf(out, len, "%s.%u", faults[fault], n);
}

static pid_t start(const struct cfg *c, int fault, unsigned n, unsigned bit)
{
	char id[64], out[256], err[256], spec[1200];
	cell_id(id, sizeof(id), fault, n, bit);
	cell_file(c, out, sizeof(out), id, "out");
	cell_file(c, err, sizeof(err), id, "err");
	if (fault < 0)
		snprintf(spec, sizeof(spec), "replay:%s", c->trace);
	else
		snprintf(spec, sizeof(spec), "replay:%s,cut=%u,fault=%s", c->trace, n, faults[fault]);
	if (fault == GARBLE)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), ",bit=%u", bit);
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int fi = open("/dev/null", O_RDONLY);
	if (fo < 0 || fe < 0 || fi < 0)
		_exit(126);
	dup2(fi, 0);
	dup2(fo, 1);
	dup2(fe, 2);
	close(fi);
	close(fo);
	close(fe);
	alarm(CELL_TIMEOUT);
	/* No bond store (--store ""): bonds stay in memory, so no cell waits
	 * on fsync and none sees another's bonds (the store has its own
	 * fault suite). */
	char *argv[MAX_ARGS + 8];
	int argc = 0;
	argv[argc++] = "blehost";
	argv[argc++] = "-t";
	argv[argc++] = spec;
	argv[argc++] = "--store";
	argv[argc++] = "";
	for (int i = 0; i < c->nargs; i++)
		argv[argc++] = c->args[i];
	argv[argc] = NULL;
	exit(blehost_main(argc, argv));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	size_t got = b ? fread(b, 1, (size_t)n, f) : 0;
	if (b)
		b[got] = 0;
	fclose(f);
	return b ? b : strdup("");
}

/* A controller that goes silent while nothing is pending is found by the
 * host's idle check (bh_host_config.idle_check_ms, 5 s) and the command
 * timeout and Reset that follow (2 s each). A server whose own --timeout
 * ends the session sooner, with no command unanswered by then, may end
 * cleanly: it must print the clean run's last line (it ended at --timeout). */
#define IDLE_BOUND_MS 9000

static bool ends_like(const char *out, const char *clean)
{
	size_t cn = strlen(clean);
	if (!cn)
		return false;
	size_t clast = cn - 1;
	while (clast && clean[clast - 1] != '\n')
		clast--;
	/* (requests still pending then are reported after it, at shutdown) */
	return strstr(out, clean + clast) != NULL;
}

/* NULL when the cell holds, else why not (static buffer). */
static const char *verdict(const struct cfg *c, const char *id, int fault, bool fast,
			   int status, const char *clean_out, long *ms_out)
{
	long bound = fast ? bound_ms[0] : bound_ms[fault];
	static char why[256];
	char path[256];
	cell_file(c, path, sizeof(path), id, "err");
	char *err = slurp(path);
	cell_file(c, path, sizeof(path), id, "out");
	char *out = slurp(path);
	const char *res = NULL;
	bool served_on = false; /* a server's peer left: it serves on to --timeout */
	const char *ms_s = strstr(err, "host closed ");
	long ms = ms_s ? strtol(ms_s + 12, NULL, 10) : 0;
	*ms_out = ms;
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (strstr(err, "Sanitizer") || strstr(err, "runtime error:") || strstr(err, "SUMMARY: ")) {
		res = "sanitizer report";
	} else if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "%s (signal %d)",
			 WTERMSIG(status) == SIGALRM ? "hung" : "crashed", WTERMSIG(status));
		res = why;
	} else if (!strstr(err, "fault cut: ")) {
		res = "fault never injected";
	} else if (ms > bound && !(served_on = !strcmp(c->kind, "server") &&
					   fault == 0 && rc == 0)) {
		snprintf(why, sizeof(why), "gave up only %ld ms after the fault (bound %ld)", ms,
			 bound);
		res = why;
	} else if (rc != 0) {
		if (strncmp(err, "blehost: ", 9) && !strstr(err, "\nblehost: ")) {
			snprintf(why, sizeof(why), "exit %d without an error message", rc);
			res = why;
		}
	} else if (!strcmp(out, clean_out)) {
		res = NULL;
	} else if (strstr(err, "no link up: stray event")) {
		res = "a stray Disconnection Complete changed the session";
	} else if (!strcmp(c->kind, "server") && !strcmp(faults[fault], "disconnect") &&
		   (strstr(out, "reason 0x08") || strstr(out, "\"reason\":8"))) {
		res = NULL; /* served on after its peer left */
	} else if (!strcmp(c->kind, "server") && !strcmp(faults[fault], "silence") &&
		   ms < IDLE_BOUND_MS && ends_like(out, clean_out)) {
		res = NULL; /* its --timeout came before silence can be noticed */
	} else {
		res = "exit 0 but the output is not the clean run's";
	}
	free(err);
	free(out);
	return res;
}

/* The lines of a failed cell's stderr that say what happened. */
static void details(const struct cfg *c, const char *id)
{
	char path[256];
	cell_file(c, path, sizeof(path), id, "err");
	char *err = slurp(path);
	for (char *save = NULL, *l = strtok_r(err, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "blehost: ", 9) || strstr(l, "fault cut") || strstr(l, "ERROR") ||
		    strstr(l, "runtime error") || strstr(l, "    #"))
			printf("      %s\n", l);
	free(err);
}

static void rm_dir(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s CASE TESTS_DIR\n", argv[0]);
		return 2;
	}
	static struct cfg c;
	if (load_case(&c, argv[1], argv[2]))
		return 2;
	static unsigned resp[512];
	static unsigned char resp_op[512];
	int n = host_packets(c.trace, resp, resp_op, 512);
	if (n <= 0) {
		fprintf(stderr, "cannot read host packets of %s\n", c.trace);
		return 2;
	}
	snprintf(c.dir, sizeof(c.dir), "/tmp/blehost-matrix.XXXXXX");
	if (!mkdtemp(c.dir))
		return 2;
	int jobs = getenv("MATRIX_JOBS") ? atoi(getenv("MATRIX_JOBS")) : 2;
	if (jobs < 1)
		jobs = 1;

	/* The clean run: the reference, and it must pass. */
	int status = 0;
	pid_t p = start(&c, -1, 0, 0);
	waitpid(p, &status, 0);
	char path[256];
	cell_file(&c, path, sizeof(path), "clean", "out");
	char *clean_out = slurp(path);
	cell_file(&c, path, sizeof(path), "clean", "err");
	char *clean_err = slurp(path);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || strstr(clean_err, "replay mismatch")) {
		printf("FAIL - the clean replay of %s does not pass:\n%s\n", argv[1], clean_err);
		rm_dir(c.dir);
		return 1;
	}
	free(clean_err);
	printf("# %s:", argv[1]);
	for (int i = 0; i < c.nargs; i++)
		printf(" %s", c.args[i]);
	printf("\n# %d host packets x 4 faults, and bits %u, %u, %u of each peer ATT response "
	       "(garble); virtual-time bounds after the fault: %ld ms (disconnect, close, "
	       "hwerror), %ld ms (silence, garble)\n", n, garble_bits[0], garble_bits[1],
	       garble_bits[2], bound_ms[0], bound_ms[3]);

	bool forever = !strcmp(c.kind, "forever");
	size_t ncells = 0;
	struct cell *cells = calloc((size_t)n * GARBLE + 512 * GARBLE_BITS, sizeof(*cells));
	for (int f = 0; f < GARBLE; f++) {
		/* Serving for ever with a live controller is the design: a
		 * session without --timeout has no disconnect cells. */
		if (forever && f == 0)
			continue;
		for (int k = 1; k <= n; k++)
			cells[ncells++] = (struct cell){ .fault = f, .n = (unsigned)k };
	}
	/* A client's requests only: a server's peer may send what it likes. */
	for (unsigned i = 0; resp[i] && !strcmp(c.kind, "client"); i++)
		for (unsigned b = 0; b < GARBLE_BITS; b++)
			cells[ncells++] = (struct cell){
				.fault = GARBLE, .n = resp[i], .bit = garble_bits[b],
				.fast = is_response(resp_op[i] ^ (1u << (garble_bits[b] - 32)))
			};
	size_t next = 0, running = 0;
	while (next < ncells || running) {
		while (running < (size_t)jobs && next < ncells) {
			cells[next].pid = start(&c, cells[next].fault, cells[next].n, cells[next].bit);
			next++;
			running++;
		}
		int st;
		pid_t done = waitpid(-1, &st, 0);
		if (done < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < next; i++)
			if (cells[i].pid == done) {
				cells[i].status = st;
				cells[i].pid = 0;
				running--;
			}
	}
	unsigned run[N_FAULTS] = { 0 }, ok[N_FAULTS] = { 0 }, total_ok = 0;
	long worst[N_FAULTS] = { 0 };
	for (size_t i = 0; i < ncells; i++) {
		char id[64];
		cell_id(id, sizeof(id), cells[i].fault, cells[i].n, cells[i].bit);
		run[cells[i].fault]++;
		long ms = 0;
		const char *why = verdict(&c, id, cells[i].fault, cells[i].fast, cells[i].status, clean_out, &ms);
		if (ms > worst[cells[i].fault])
			worst[cells[i].fault] = ms;
		if (why) {
			printf("FAIL - %s cut=%u fault=%s", argv[1], cells[i].n, faults[cells[i].fault]);
			if (cells[i].fault == GARBLE)
				printf(",bit=%u", cells[i].bit);
			printf(": %s\n", why);
			details(&c, id);
		} else {
			ok[cells[i].fault]++;
			total_ok++;
		}
	}
	printf("matrix %s: %zu cells run, %u ok", argv[1], ncells, total_ok);
	for (int f = 0; f < N_FAULTS; f++)
		if (run[f])
			printf("; %s %u/%u (slowest %ld ms)", faults[f], ok[f], run[f], worst[f]);
	printf("\n");
	free(cells);
	free(clean_out);
	for (int i = 0; i < c.nargs; i++)
		free(c.args[i]);
	rm_dir(c.dir);
	return total_ok == ncells ? 0 : 1;
}
