/* Store fault suite: every position of the bond store (our identity, a
 * bond file, the CCCD values and GATT cache kept inside it, a temp file left
 * by a crash, the directory itself) x every damage kind (corrupt, truncated,
 * empty, FIFO, directory, socket, symlink, foreign owner, lax mode). Cells
 * come from the two tables and one expectation function, not one test per
 * case. Each cell runs on a fresh store, in a child process bounded by a
 * timeout (nothing may block), and asserts:
 * - no data destroyed: the damaged entry still exists (same inode, same
 *   bytes or link target), in place or renamed aside, and every other file
 *   of the store is unchanged (a leftover regular temp file is the one
 *   documented exception: an unfinished save, removed);
 * - the right named notice (problem, status) and return codes;
 * - through the store API (as the host opens it) and through the blehost
 *   CLI: `bonds list` (reports, moves nothing), `info` on a replayed
 *   controller (the host: a damaged identity refuses to start with a message
 *   naming the file and --new-identity; damaged bonds moved aside), and
 *   `--new-identity info` (the damaged identity kept aside).
 *
 * usage: test_store_faults BLEHOST_BINARY REPLAY_TRACE */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <blehost/bh_env.h>
#include <blehost/bond_store.h>

#define CELL_TIMEOUT_S 10
#define CLI_TIMEOUT_MS 20000
#define FOREIGN_UID 12345

static const char *g_blehost, *g_trace;

enum pos { P_IDENTITY, P_BOND, P_BOND_CCCD, P_BOND_CACHE, P_TMP, P_DIR, P_N };
static const char *const pos_name[] = { "local_identity", "bond file", "bond CCCD values",
					"bond GATT cache", "temp file of a crash", "directory" };

enum dmg { D_CORRUPT, D_TRUNCATED, D_EMPTY, D_FIFO, D_DIRECTORY, D_SOCKET, D_SYMLINK,
	   D_FOREIGN, D_LAX, D_N };
static const char *const dmg_name[] = { "corrupt byte", "truncated", "empty", "FIFO",
					"directory", "socket", "symlink", "foreign owner",
					"lax mode" };

/* What must happen to the damaged entry. */
enum fate {
	F_NA,        /* no such cell */
	F_IN_PLACE,  /* reported, left where it is, not used */
	F_ASIDE,     /* reported, renamed aside (host), kept */
	F_REMOVED,   /* a regular temp file of ours: an unfinished save */
	F_TIGHTENED, /* used, mode tightened, reported */
	F_OPEN_FAILS,/* the store does not open (directory position) */
	F_WORKS,     /* nothing to report (a symlinked store directory) */
};

struct expect {
	enum fate fate;
	enum bh_store_problem problem;
	bh_status status; /* of the notice; for the identity also of ensure */
};

static struct expect expect_of(enum pos p, enum dmg d)
{
	bool content = d == D_CORRUPT || d == D_TRUNCATED || d == D_EMPTY;
	enum bh_store_problem pb = content ? BH_STORE_CORRUPT
				   : d == D_SYMLINK ? BH_STORE_SYMLINK
				   : d == D_FOREIGN ? BH_STORE_FOREIGN_OWNER
				   : d == D_LAX ? BH_STORE_LAX_MODE
						: BH_STORE_NOT_REGULAR;
	bh_status st = content ? BH_ECORRUPT : d == D_LAX ? BH_OK : BH_EUNSAFE;
	if (d == D_LAX && p != P_TMP)
		return (struct expect){ F_TIGHTENED, pb, st };
	switch (p) {
	case P_IDENTITY: return (struct expect){ F_IN_PLACE, pb, st };
	case P_BOND: return (struct expect){ F_ASIDE, pb, st };
	case P_BOND_CCCD:
	case P_BOND_CACHE:
		/* the blobs live inside the bond file: only content damage differs */
		return d == D_CORRUPT ? (struct expect){ F_ASIDE, pb, st } : (struct expect){ F_NA };
	case P_TMP:
		if (content || d == D_LAX)
			return (struct expect){ F_REMOVED };
		return (struct expect){ F_IN_PLACE, pb, st };
	case P_DIR:
		if (content || d == D_DIRECTORY)
			return (struct expect){ F_NA };
		if (d == D_SYMLINK)
			return (struct expect){ F_WORKS };
		if (d == D_FOREIGN)
			return (struct expect){ F_OPEN_FAILS, BH_STORE_FOREIGN_OWNER, BH_EUNSAFE };
		return (struct expect){ F_OPEN_FAILS, BH_STORE_NOT_DIRECTORY, BH_EIO };
	case P_N: break;
	}
	return (struct expect){ F_NA };
}

/* ---- a fresh store and its damage ---- */

struct cell {
	enum pos p;
	enum dmg d;
	struct expect e;
	char root[256];  /* holds store/ and anything moved out of it */
	char store[300]; /* the path given to the store */
	char entry[400]; /* the damaged entry's path */
	char name[64];   /* its name in the store ("." for the directory) */
	/* the damaged entry as it is after the damage */
	ino_t ino;
	mode_t type;
	char *bytes; /* regular file: content; symlink: target */
	size_t nbytes;
	/* other files that must survive byte for byte */
	char other[2][64];
	char *other_bytes[2];
	size_t other_n[2];
};

static struct bh_bond g_a, g_b;

static void fill(struct bh_bond *b, uint8_t seed, bool blobs)
{
	memset(b, 0, sizeof(*b));
	b->identity.type = BH_ADDR_PUBLIC;
	for (int i = 0; i < 6; i++)
		b->identity.val[i] = (uint8_t)(seed + i);
	b->has_irk = true;
	memset(b->irk, seed, 16);
	b->central_ltk.valid = b->peripheral_ltk.valid = true;
	memset(b->central_ltk.ltk, seed + 1, 16);
	b->central_ltk.key_size = b->peripheral_ltk.key_size = 16;
	b->peripheral_ltk.ltk[0] = 1;
	b->authenticated = b->secure_connections = true;
	if (blobs) {
		b->cccd_len = 6;
		memcpy(b->cccd, "\x0e\x00\x01\x00\x12\x00", 6);
		b->gatt_cache_len = 64;
		for (int i = 0; i < 64; i++)
			b->gatt_cache[i] = (uint8_t)(i * 7);
	}
}

static char *slurp(const char *path, size_t *n)
{
	*n = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	struct stat sb;
	fstat(fd, &sb);
	char *p = malloc((size_t)sb.st_size + 1);
	ssize_t r = read(fd, p, (size_t)sb.st_size);
	close(fd);
	*n = r > 0 ? (size_t)r : 0;
	return p;
}

static void spit(const char *path, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void rm_rf(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode)) {
		chmod(path, 0700);
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char p[1024];
			snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
			rm_rf(p);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static const char *bond_file(const struct bh_bond *b, char out[64])
{
	const uint8_t *v = b->identity.val;
	snprintf(out, 64, "%02x%02x%02x%02x%02x%02x-public.bond", v[5], v[4], v[3], v[2], v[1],
		 v[0]);
	return out;
}

/* A store with our identity, bond A (with CCCD values and a GATT cache)
 * and bond B, then the cell's damage. */
static bool make_cell(struct cell *c, enum pos p, enum dmg d)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->d = d;
	c->e = expect_of(p, d);
	if (c->e.fate == F_NA)
		return false;
	snprintf(c->root, sizeof(c->root), "/tmp/bh-store-faults-XXXXXX");
	assert_non_null(mkdtemp(c->root));
	snprintf(c->store, sizeof(c->store), "%s/store", c->root);
	fill(&g_a, 0x10, true);
	fill(&g_b, 0x20, false);
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(c->store, &st), BH_OK);
	struct bh_local_identity id = { { 7 }, { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } } };
	assert_int_equal(bh_bond_store_local_identity_put(st, &id), BH_OK);
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK);
	assert_int_equal(bh_bond_store_save(st, &g_b), BH_OK);
	bh_bond_store_close(st);

	char an[64], bn[64];
	bond_file(&g_a, an);
	bond_file(&g_b, bn);
	switch (p) {
	case P_IDENTITY: snprintf(c->name, sizeof(c->name), "local_identity"); break;
	case P_BOND:
	case P_BOND_CCCD:
	case P_BOND_CACHE: snprintf(c->name, sizeof(c->name), "%s", an); break;
	case P_TMP: snprintf(c->name, sizeof(c->name), ".tmp-crash1"); break;
	case P_DIR: snprintf(c->name, sizeof(c->name), "."); break;
	case P_N: break;
	}
	/* the files that must survive whatever happens to the entry */
	snprintf(c->other[0], 64, "%s", bn);
	/* bond A is re-saved by the API run: it is "other" only in the CLI runs,
	 * so the identity cells watch B twice rather than A */
	snprintf(c->other[1], 64, "%s", p == P_IDENTITY ? bn : "local_identity");
	for (int i = 0; i < 2; i++) {
		char path[400];
		snprintf(path, sizeof(path), "%s/%s", c->store, c->other[i]);
		c->other_bytes[i] = slurp(path, &c->other_n[i]);
		assert_non_null(c->other_bytes[i]);
	}
	if (p == P_DIR)
		snprintf(c->entry, sizeof(c->entry), "%s", c->store);
	else
		snprintf(c->entry, sizeof(c->entry), "%s/%s", c->store, c->name);
	if (p == P_TMP) { /* a crash between write and rename: a copy of A */
		char a[400];
		size_t n;
		snprintf(a, sizeof(a), "%s/%s", c->store, an);
		char *bytes = slurp(a, &n);
		spit(c->entry, bytes, n);
		free(bytes);
	}

	char moved[400];
	snprintf(moved, sizeof(moved), "%s/elsewhere", c->root);
	size_t n = 0;
	char *bytes = p == P_DIR ? NULL : slurp(c->entry, &n);
	switch (d) {
	case D_CORRUPT: {
		size_t at = n / 2;
		const char *key = p == P_BOND_CCCD ? "\ncccd=" : p == P_BOND_CACHE ? "\ngatt_cache=" : NULL;
		if (key)
			at = (size_t)(strstr(bytes, key) - bytes) + strlen(key) + 3;
		bytes[at] = bytes[at] == '0' ? '1' : '0';
		spit(c->entry, bytes, n);
		break;
	}
	case D_TRUNCATED: assert_int_equal(truncate(c->entry, (off_t)n / 2), 0); break;
	case D_EMPTY: assert_int_equal(truncate(c->entry, 0), 0); break;
	case D_FIFO:
		assert_int_equal(rename(c->entry, moved), 0);
		assert_int_equal(mkfifo(c->entry, 0600), 0);
		break;
	case D_DIRECTORY: {
		assert_int_equal(unlink(c->entry), 0);
		assert_int_equal(mkdir(c->entry, 0700), 0);
		char inner[500];
		snprintf(inner, sizeof(inner), "%s/keep", c->entry);
		spit(inner, "x", 1);
		break;
	}
	case D_SOCKET: {
		assert_int_equal(rename(c->entry, moved), 0);
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		assert_true(strlen(c->entry) < sizeof(sa.sun_path));
		memcpy(sa.sun_path, c->entry, strlen(c->entry) + 1);
		assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(s);
		break;
	}
	case D_SYMLINK:
		assert_int_equal(rename(c->entry, moved), 0);
		assert_int_equal(symlink(moved, c->entry), 0);
		break;
	case D_FOREIGN:
		if (chown(c->entry, FOREIGN_UID, FOREIGN_UID) != 0) {
			free(bytes);
			return false; /* not root: cannot make a foreign file */
		}
		break;
	case D_LAX: assert_int_equal(chmod(c->entry, p == P_DIR ? 0755 : 0644), 0); break;
	case D_N: break;
	}
	free(bytes);
	struct stat sb;
	assert_int_equal(lstat(c->entry, &sb), 0);
	c->ino = sb.st_ino;
	c->type = sb.st_mode & S_IFMT;
	if (S_ISREG(sb.st_mode)) {
		c->bytes = slurp(c->entry, &c->nbytes);
	} else if (S_ISLNK(sb.st_mode)) {
		c->bytes = calloc(1, 400);
		c->nbytes = (size_t)readlink(c->entry, c->bytes, 399);
	}
	return true;
}

static void free_cell(struct cell *c)
{
	rm_rf(c->root);
	free(c->bytes);
	for (int i = 0; i < 2; i++)
		free(c->other_bytes[i]);
}

/* Where the damaged entry is now (its inode), searched in the store and the
 * root; "" if gone. Its bytes / link target must be what they were. */
static bool find_entry(const struct cell *c, char *where, size_t cap)
{
	const char *dirs[2] = { c->store, c->root };
	for (int k = 0; k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".."))
				continue;
			char p[600];
			snprintf(p, sizeof(p), "%s/%s", dirs[k], e->d_name);
			struct stat sb;
			if (lstat(p, &sb) || sb.st_ino != c->ino || (sb.st_mode & S_IFMT) != c->type)
				continue;
			if (!strcmp(e->d_name, ".") && c->p != P_DIR)
				continue;
			snprintf(where, cap, "%s", k == 0 ? e->d_name : p);
			closedir(d);
			if (c->type == S_IFREG) {
				size_t n;
				char *now = slurp(p, &n);
				bool same = n == c->nbytes && !memcmp(now, c->bytes, n);
				free(now);
				return same;
			}
			if (c->type == S_IFLNK) {
				char t[400] = { 0 };
				ssize_t n = readlink(p, t, sizeof(t) - 1);
				return n == (ssize_t)c->nbytes && !memcmp(t, c->bytes, (size_t)n);
			}
			return true;
		}
		if (d)
			closedir(d);
	}
	where[0] = '\0';
	return false;
}

static void check_others(const struct cell *c)
{
	if (c->e.fate == F_OPEN_FAILS && c->d != D_FOREIGN)
		return; /* the store path is no directory: its files were moved out */
	for (int i = 0; i < 2; i++) {
		char path[400];
		size_t n;
		snprintf(path, sizeof(path), "%s/%s", c->store, c->other[i]);
		char *now = slurp(path, &n);
		if (!now || n != c->other_n[i] || memcmp(now, c->other_bytes[i], n)) {
			fprintf(stderr, "FAIL: %s changed\n", c->other[i]);
			fail();
		}
		free(now);
	}
}

/* The damaged entry: where it must be after the run. */
static void check_entry(const struct cell *c, bool host_moves, bool check_mode)
{
	char where[600];
	bool same = find_entry(c, where, sizeof(where));
	if (c->e.fate == F_REMOVED) {
		assert_int_equal(access(c->entry, F_OK), -1);
		return;
	}
	if (!where[0] || !same) {
		fprintf(stderr, "FAIL: the damaged entry is %s\n", where[0] ? "altered" : "gone");
		fail();
	}
	if (c->p == P_DIR || c->e.fate != F_ASIDE || !host_moves) {
		if (c->p != P_DIR && strcmp(where, c->name)) {
			fprintf(stderr, "FAIL: %s moved to %s\n", c->name, where);
			fail();
		}
	} else {
		char pfx[128];
		snprintf(pfx, sizeof(pfx), "%s.%s-", c->name, bh_store_problem_tag(c->e.problem));
		if (strncmp(where, pfx, strlen(pfx))) {
			fprintf(stderr, "FAIL: %s is at '%s', want %s*\n", c->name, where, pfx);
			fail();
		}
	}
	if (c->e.fate == F_TIGHTENED && check_mode) {
		struct stat sb;
		assert_int_equal(lstat(c->entry, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, c->p == P_DIR ? 0700 : 0600);
	}
}

/* ---- through the store API, as the host opens it ---- */

struct api_result {
	bool done;
	bh_status open, ensure, find_a, save_a, reload_a;
	int loaded;
	int notices;
	bool saw_expected;
	char moved_to[128];
};

static struct api_result *g_res;
static const struct cell *g_cell;

static void on_notice(void *ctx, const struct bh_store_notice *n)
{
	(void)ctx;
	g_res->notices++;
	bool name_ok = !strcmp(n->name, g_cell->name);
	if (name_ok && n->problem == g_cell->e.problem && n->status == g_cell->e.status) {
		g_res->saw_expected = true;
		if (n->moved_to)
			snprintf(g_res->moved_to, sizeof(g_res->moved_to), "%s", n->moved_to);
	}
}

static int count(void *ctx, const struct bh_bond *b)
{
	(void)b;
	(*(int *)ctx)++;
	return 0;
}

static void api_child(const struct cell *c)
{
	alarm(CELL_TIMEOUT_S); /* a blocked open() ends the child: the parent sees it */
	struct bh_xrand xr;
	bh_xrand_seed(&xr, 1);
	struct bh_env env = { .random = bh_xrand_fill, .random_ctx = &xr };
	struct bh_bond_store_opts o = { .notice = on_notice, .move_aside = true };
	struct bh_bond_store *st = NULL;
	g_res->open = bh_bond_store_open_opts(c->store, &o, &st);
	if (g_res->open == BH_OK) {
		bh_bond_store_load_all(st, count, &g_res->loaded);
		struct bh_local_identity id;
		g_res->ensure = bh_bond_store_local_identity_ensure(st, &env, &id);
		static struct bh_bond got;
		g_res->find_a = bh_bond_store_find(st, &g_a.identity, &got);
		struct bh_bond a2 = g_a;
		a2.central_ltk.ltk[0] ^= 0xff; /* a new pairing with A */
		g_res->save_a = bh_bond_store_save(st, &a2);
		g_res->reload_a = bh_bond_store_find(st, &g_a.identity, &got);
		bh_bond_store_close(st);
	}
	g_res->done = true;
	_exit(0);
}

static void run_api(const struct cell *c)
{
	g_res = mmap(NULL, sizeof(*g_res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(g_res != MAP_FAILED);
	memset(g_res, 0, sizeof(*g_res));
	g_cell = c;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		api_child(c);
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	if (!WIFEXITED(ws) || !g_res->done) {
		fprintf(stderr, "FAIL: the store API %s\n",
			WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM ? "blocked" : "crashed");
		fail();
	}
	const struct expect *e = &c->e;
	bool id_hit = c->p == P_IDENTITY && e->fate == F_IN_PLACE;
	if (e->fate == F_OPEN_FAILS) {
		assert_int_equal(g_res->open, e->status);
	} else {
		assert_int_equal(g_res->open, BH_OK);
		assert_int_equal(g_res->ensure, id_hit ? e->status : BH_OK);
		bool a_hit = e->fate == F_ASIDE;
		/* B always loads; A unless it is the damaged one */
		assert_int_equal(g_res->loaded, a_hit ? 1 : 2);
		/* moved aside at load: find sees no A, and the save writes afresh */
		assert_int_equal(g_res->find_a, a_hit ? BH_ENOTFOUND : BH_OK);
		assert_int_equal(g_res->save_a, BH_OK);
		assert_int_equal(g_res->reload_a, BH_OK);
	}
	if (e->fate != F_REMOVED && e->fate != F_WORKS && !g_res->saw_expected) {
		fprintf(stderr, "FAIL: no notice %s / %s for %s (%d notices)\n",
			bh_store_problem_str(e->problem), bh_err_name(e->status), c->name,
			g_res->notices);
		fail();
	}
	if (e->fate == F_ASIDE)
		assert_true(g_res->moved_to[0]);
	if (e->fate == F_WORKS)
		assert_int_equal(g_res->notices, 0);
	/* a valid bond A with a lax mode was replaced on purpose by the save */
	bool a_resaved = e->fate == F_TIGHTENED && c->p != P_IDENTITY && c->p != P_DIR;
	if (!a_resaved)
		check_entry(c, true, true);
	check_others(c); /* B and the identity (or, for the identity cells, B) */
	munmap(g_res, sizeof(*g_res));
}

/* ---- through the CLI ---- */

struct cli_out {
	int status; /* exit status, or -1 when killed for taking too long */
	char err[8192];
	char out[8192];
};

static void run_cli(const struct cell *c, struct cli_out *r, const char *const *args)
{
	char ofile[400], efile[400];
	snprintf(ofile, sizeof(ofile), "%s/cli.out", c->root);
	snprintf(efile, sizeof(efile), "%s/cli.err", c->root);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(ofile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(efile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		execv(g_blehost, (char *const *)args);
		_exit(127);
	}
	int ws = 0;
	r->status = -1;
	for (int waited = 0; waited < CLI_TIMEOUT_MS; waited += 10) {
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			break;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (r->status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
	}
	size_t n;
	char *s = slurp(efile, &n);
	snprintf(r->err, sizeof(r->err), "%.*s", (int)n, s ? s : "");
	free(s);
	s = slurp(ofile, &n);
	snprintf(r->out, sizeof(r->out), "%.*s", (int)n, s ? s : "");
	free(s);
	unlink(ofile);
	unlink(efile);
	if (r->status == -1) {
		fprintf(stderr, "FAIL: blehost %s blocked (killed after %d ms)\n", args[3],
			CLI_TIMEOUT_MS);
		fail();
	}
}

static void want_in(const char *hay, const char *needle, const char *what)
{
	if (!strstr(hay, needle)) {
		fprintf(stderr, "FAIL: %s lacks \"%s\":\n%s\n", what, needle, hay);
		fail();
	}
}

static void cli_list(const struct cell *c)
{
	struct cli_out r;
	const char *args[] = { g_blehost, "--store", c->store, "bonds", "list", NULL };
	run_cli(c, &r, args);
	const struct expect *e = &c->e;
	if (e->fate == F_OPEN_FAILS) {
		assert_int_not_equal(r.status, 0);
		want_in(r.err, bh_err_name(e->status), "bonds list stderr");
	} else {
		if (r.status != 0)
			fprintf(stderr, "%s", r.err);
		assert_int_equal(r.status, 0);
		want_in(r.out, "25:24:23:22:21:20", "bonds list (bond B)");
		bool a_hit = e->fate == F_ASIDE;
		if (a_hit) {
			want_in(r.err, bh_err_name(e->status), "bonds list stderr");
			assert_null(strstr(r.out, "15:14:13:12:11:10"));
		} else {
			want_in(r.out, "15:14:13:12:11:10", "bonds list (bond A)");
		}
		/* listing reads the bonds, not our identity */
		if (e->fate == F_TIGHTENED && c->p != P_IDENTITY)
			want_in(r.err, "tightened", "bonds list stderr");
	}
	check_entry(c, false, c->p != P_IDENTITY); /* listing moves nothing */
	check_others(c);
}

static void cli_host(const struct cell *c)
{
	char tr[512];
	snprintf(tr, sizeof(tr), "replay:%s", g_trace);
	struct cli_out r;
	const char *args[] = { g_blehost, "--store", c->store, "-t", tr, "info", NULL };
	run_cli(c, &r, args);
	const struct expect *e = &c->e;
	bool id_hit = c->p == P_IDENTITY && e->fate == F_IN_PLACE;
	if (id_hit) {
		/* refuses to start, naming the file and the way out */
		assert_int_not_equal(r.status, 0);
		want_in(r.err, "local_identity", "info stderr");
		want_in(r.err, "--new-identity", "info stderr");
		check_entry(c, false, true);
		check_others(c);
		/* the explicit way: a new identity, the damaged one kept aside */
		const char *args2[] = { g_blehost, "--store", c->store, "-t", tr, "--new-identity",
					"info", NULL };
		run_cli(c, &r, args2);
		if (r.status)
			fprintf(stderr, "%s", r.err);
		assert_int_equal(r.status, 0);
		want_in(r.err, "moved aside to local_identity.", "--new-identity stderr");
		const char *largs[] = { g_blehost, "--store", c->store, "bonds", "list", NULL };
		run_cli(c, &r, largs);
		want_in(r.err, "kept aside, not used: local_identity.", "bonds list stderr");
		char where[600];
		assert_true(find_entry(c, where, sizeof(where)));
		assert_true(!strncmp(where, "local_identity.", 15));
		return;
	}
	if (e->fate == F_OPEN_FAILS) {
		assert_int_not_equal(r.status, 0);
		want_in(r.err, "bond store", "info stderr");
		check_entry(c, false, true);
		check_others(c);
		return;
	}
	if (r.status)
		fprintf(stderr, "%s", r.err);
	assert_int_equal(r.status, 0);
	if (e->fate == F_ASIDE)
		want_in(r.err, "moved aside to", "info stderr");
	if (e->fate == F_IN_PLACE)
		want_in(r.err, "left in place", "info stderr");
	if (e->fate == F_TIGHTENED)
		want_in(r.err, "tightened", "info stderr");
	check_entry(c, true, true);
	check_others(c);
	if (e->fate == F_ASIDE) { /* and `bonds list` tells where it went */
		const char *largs[] = { g_blehost, "--store", c->store, "bonds", "list", NULL };
		run_cli(c, &r, largs);
		assert_int_equal(r.status, 0);
		char want[160];
		snprintf(want, sizeof(want), "kept aside, not used: %s.%s-", c->name,
			 bh_store_problem_tag(e->problem));
		want_in(r.err, want, "bonds list stderr");
	}
}

/* ---- the cells ---- */

static int g_cells, g_skipped;

static void for_each_cell(void (*run)(const struct cell *c))
{
	for (int p = 0; p < P_N; p++) {
		for (int d = 0; d < D_N; d++) {
			struct cell c;
			if (!make_cell(&c, (enum pos)p, (enum dmg)d)) {
				if (expect_of((enum pos)p, (enum dmg)d).fate != F_NA)
					g_skipped++;
				if (c.root[0])
					free_cell(&c);
				continue;
			}
			fprintf(stderr, "  %-22s x %-14s\n", pos_name[p], dmg_name[d]);
			run(&c);
			g_cells++;
			free_cell(&c);
		}
	}
}

static void test_api(void **state)
{
	(void)state;
	g_cells = g_skipped = 0;
	for_each_cell(run_api);
	fprintf(stderr, "  %d cells, %d skipped (not root: no foreign owner)\n", g_cells, g_skipped);
	assert_true(g_cells >= 30);
}

static void test_cli_list(void **state)
{
	(void)state;
	for_each_cell(cli_list);
}

static void test_cli_host(void **state)
{
	(void)state;
	for_each_cell(cli_host);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s BLEHOST REPLAY_TRACE\n", argv[0]);
		return 2;
	}
	g_blehost = argv[1];
	g_trace = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_cli_list),
		cmocka_unit_test(test_cli_host),
	};
	return cmocka_run_group_tests_name("store_faults", tests, NULL, NULL);
}
