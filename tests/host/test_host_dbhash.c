/* The host's Database Hash cache file (host/host_dbhash.c,
 * bh_host_config.db_hash_dir): a whole host on the fake controller of
 * tests/faults, each start in a child process of its own, so whether it
 * loaded libcrypto (core/bh_libcrypto.c dlopens it on first use) shows in
 * the child's /proc/self/maps. A first start computes the hash and writes
 * the file; a second start with the same database serves the same hash
 * without libcrypto; a damaged, truncated, empty or foreign file, or one
 * for another database, means computing (and rewriting) it; a file that
 * cannot be read or replaced still leaves a correct hash served; a hash
 * built into the program (db_hash_known) is taken first, on the same terms.
 * The directory (its own, or the bond store's) is reached through the
 * descriptor opened at start: moved while the host runs, it is still the
 * one written and read, and a directory missing at start or removed later
 * is one warning, never an error. Every start leaves no descriptor open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <blehost/blehost.h>

#include "fake_host.h"
#include "no_libcrypto.h"

static const struct bh_gatt_chr_def chrs[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37), .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY,
	  .initial = "\x00\x48", .initial_len = 2 },
	{ .uuid = BH_UUID16_INIT(0x2a38), .props = BH_GATT_CHR_READ, .initial = "\x01",
	  .initial_len = 1, .user_desc = "where" },
};
static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0x180d), .chrs = chrs,
					    .num_chrs = 2 };
static const struct bh_gatt_svc_def other = { .uuid = BH_UUID16_INIT(0x180f) };

struct result {
	int st;
	uint8_t hash[16];
	int crypto; /* libcrypto was mapped when the host was freed */
	int fds;    /* descriptors open after the host was freed, less before */
	unsigned warns; /* warnings and errors logged */
	char warn[240]; /* the last of them */
};

/* One start: the stores, the database (the service, plus `other` when
 * extra) and, when move_from is set, a rename of move_from to move_to
 * once the host runs, before the hash is asked for (remake: an empty
 * directory then made at move_from, where a path-based cache would go). */
struct opts {
	const char *store_dir, *hash_dir;
	bool extra;
	const uint8_t *known;
	size_t known_len;
	const char *move_from, *move_to;
	bool remake;
	bool remove; /* move_to removed after the rename (it must be empty) */
};

struct fixture {
	struct fake_host fh; /* first: the common events' ctx */
	struct result *r;
};

static void on_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct fixture *fx = ctx;
	if (getenv("HOST_DBHASH_VERBOSE"))
		fprintf(stderr, "  [host %s] %s\n", layer, msg);
	if (lvl > BH_LOG_WARN)
		return;
	fx->r->warns++;
	snprintf(fx->r->warn, sizeof(fx->r->warn), "%s", msg);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1000;
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* What libcrypto_mapped() says after a start that computed the hash: 1,
 * but 0 with -Dlibcrypto_static=true, whose AES is linked in. */
#ifdef BH_LIBCRYPTO_STATIC
#define COMPUTED 0
#else
#define COMPUTED 1
#endif

static void run_child(const struct opts *o, struct result *r)
{
	r->crypto = libcrypto_mapped(); /* 0 before: the test starts clean */
	if (r->crypto != 0) {
		r->crypto += 100;
		return;
	}
	int fds = count_fds();
	struct fixture fx = { .r = r };
	fake_host_init(&fx.fh, "HOST_DBHASH_VERBOSE", BH_LOG_ERROR);
	struct bh_host_config cfg;
	fake_host_config(&fx.fh, &cfg, 3);
	cfg.store_dir = o->store_dir;
	cfg.db_hash_dir = o->hash_dir;
	cfg.db_hash_known = o->known;
	cfg.db_hash_known_len = o->known_len;
	struct bh_host_events ev;
	fake_host_events(&fx.fh, &ev);
	ev.log = on_log;
	fake_host_start(&fx.fh, &cfg, &ev);
	if (o->move_from &&
	    (rename(o->move_from, o->move_to) != 0 || (o->remake && mkdir(o->move_from, 0700) != 0) ||
	     (o->remove && rmdir(o->move_to) != 0))) {
		r->st = -1001;
		return;
	}
	struct bh_gatts *s = bh_host_gatt_server(fx.fh.h);
	r->st = bh_gatts_add_services(s, &svc, 1);
	if (r->st == BH_OK && o->extra)
		r->st = bh_gatts_add_services(s, &other, 1);
	if (r->st == BH_OK)
		r->st = bh_gatts_db_hash(s, r->hash);
	r->crypto = libcrypto_mapped();
	fake_host_fini(&fx.fh);
	r->fds = count_fds() - fds;
}

/* One start of a host in a child, as o says; every start must leave no
 * descriptor open once the host is freed. */
static struct result start_with(const struct opts *o)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		struct result r = { .st = -1000 };
		run_child(o, &r);
		_exit(write(p[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	struct result r;
	memset(&r, 0, sizeof(r));
	ssize_t n = read(p[0], &r, sizeof(r));
	close(p[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(n, (ssize_t)sizeof(r));
	assert_int_not_equal(r.st, -1001); /* the move itself failed */
	assert_int_equal(r.fds, 0);
	return r;
}

static struct result start_known(const char *store_dir, const char *hash_dir, bool extra,
				 const uint8_t *known, size_t known_len)
{
	struct opts o = { store_dir, hash_dir, extra, known, known_len, NULL, NULL, false, false };
	return start_with(&o);
}

static struct result start(const char *store_dir, const char *hash_dir, bool extra)
{
	return start_known(store_dir, hash_dir, extra, NULL, 0);
}

static char g_dir[256];

static void file_path(char *out, size_t cap, const char *dir)
{
	snprintf(out, cap, "%s/gatt_db_hash", dir);
}

static size_t file_size(const char *dir, mode_t *mode)
{
	char path[600];
	file_path(path, sizeof(path), dir);
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return 0;
	if (mode)
		*mode = sb.st_mode & 07777;
	return S_ISREG(sb.st_mode) ? (size_t)sb.st_size : 0;
}

static void rewrite(const char *dir, const uint8_t *p, size_t n)
{
	char path[600];
	file_path(path, sizeof(path), dir);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static uint8_t *slurp(const char *dir, size_t *n)
{
	char path[600];
	file_path(path, sizeof(path), dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[4096];
	*n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

/* No temporary files left behind. */
static void no_leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, ".tmp-"));
	closedir(d);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(g_dir, sizeof(g_dir), "%s/bh-dbhash-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_second_start_needs_no_libcrypto(void **state)
{
	(void)state;
	struct result a = start("", g_dir, false);
	if (a.st == BH_ENOTSUP)
		skip(); /* no libcrypto runtime here */
	assert_int_equal(a.st, BH_OK);
	assert_int_equal(a.crypto, COMPUTED);
	mode_t mode = 0;
	size_t size = file_size(g_dir, &mode);
	assert_true(size > 32);
	assert_int_equal(mode, 0600);
	no_leftovers(g_dir);

	struct result b = start("", g_dir, false);
	assert_int_equal(b.st, BH_OK);
	assert_memory_equal(b.hash, a.hash, 16);
	assert_int_equal(b.crypto, 0);

	/* Another database: computed, and the file now describes it. */
	struct result c = start("", g_dir, true);
	assert_int_equal(c.st, BH_OK);
	assert_int_equal(c.crypto, COMPUTED);
	assert_memory_not_equal(c.hash, a.hash, 16);
	assert_int_equal(file_size(g_dir, NULL), size + 6); /* a service declaration more */
	struct result d = start("", g_dir, true);
	assert_int_equal(d.crypto, 0);
	assert_memory_equal(d.hash, c.hash, 16);
	/* The first database again: computed again, served right. */
	struct result e = start("", g_dir, false);
	assert_int_equal(e.crypto, COMPUTED);
	assert_memory_equal(e.hash, a.hash, 16);

	/* db_hash_dir "" keeps no file and reads none. */
	struct result f = start("", "", false);
	assert_int_equal(f.crypto, COMPUTED);
	assert_memory_equal(f.hash, a.hash, 16);
}

/* A first start with g_dir: the hash computed (the test is skipped where
 * libcrypto cannot be loaded) and the file it wrote, copied into out. */
static struct result first_start(uint8_t out[4096], size_t *n)
{
	struct result a = start("", g_dir, false);
	if (a.st == BH_ENOTSUP)
		skip();
	assert_int_equal(a.st, BH_OK);
	const uint8_t *file = slurp(g_dir, n);
	memcpy(out, file, *n);
	return a;
}

static void test_damaged_file_is_recomputed(void **state)
{
	(void)state;
	size_t n;
	uint8_t good[4096];
	struct result a = first_start(good, &n);
	assert_true(n > 32);
	/* A wrong hash with a matching length and input must not be served:
	 * flip a hash octet (the CRC catches it), the CRC, an input octet (the
	 * CRC and the comparison), the magic; cut it; empty it; add a byte. */
	const size_t flips[] = { n - 20, n - 1, 12, n - 21, 0 };
	for (size_t k = 0; k < 6 + sizeof(flips) / sizeof(flips[0]); k++) {
		uint8_t bad[4096];
		memcpy(bad, good, n);
		size_t len = n;
		if (k < sizeof(flips) / sizeof(flips[0]))
			bad[flips[k]] ^= 0x10;
		else if (k == 5)
			len = n / 2;
		else if (k == 6)
			len = n - 1;
		else if (k == 7)
			len = 0;
		else if (k == 8)
			bad[len++] = 0;
		else if (k == 9)
			len = 3;
		else
			len = 32; /* header and trailer, no input */
		rewrite(g_dir, bad, len);
		struct result r = start("", g_dir, false);
		assert_int_equal(r.st, BH_OK);
		assert_memory_equal(r.hash, a.hash, 16);
		assert_int_equal(r.crypto, COMPUTED);
		/* Rewritten: the next start is served from it again. */
		size_t m;
		const uint8_t *now = slurp(g_dir, &m);
		assert_int_equal(m, n);
		assert_memory_equal(now, good, n);
		struct result w = start("", g_dir, false);
		assert_memory_equal(w.hash, a.hash, 16);
		assert_int_equal(w.crypto, 0);
	}
	no_leftovers(g_dir);
}

static void test_unusable_file_still_serves_the_hash(void **state)
{
	(void)state;
	struct result a = start("", "", false);
	if (a.st == BH_ENOTSUP)
		skip();
	assert_int_equal(a.st, BH_OK);
	char path[600];
	file_path(path, sizeof(path), g_dir);

	/* A directory in its place: cannot be read nor replaced. */
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	struct result r = start("", g_dir, false);
	assert_int_equal(r.st, BH_OK);
	assert_memory_equal(r.hash, a.hash, 16);
	struct stat sb;
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(rmdir(path), 0);
	no_leftovers(g_dir);

	/* A FIFO: opening it must not block; replaced by a good file. */
	assert_int_equal(mkfifo(path, 0600), 0);
	r = start("", g_dir, false);
	assert_int_equal(r.st, BH_OK);
	assert_memory_equal(r.hash, a.hash, 16);
	assert_true(file_size(g_dir, NULL) > 32);

	/* A symbolic link to a good file is not followed. */
	char real[300];
	snprintf(real, sizeof(real), "%s/elsewhere", g_dir);
	assert_int_equal(rename(path, real), 0);
	assert_int_equal(symlink(real, path), 0);
	r = start("", g_dir, false);
	assert_int_equal(r.crypto, COMPUTED);
	assert_memory_equal(r.hash, a.hash, 16);
	/* Said once, naming the directory as it was opened. */
	assert_int_equal(r.warns, 1);
	assert_non_null(strstr(r.warn, "gatt_db_hash unreadable, computing the hash"));
	assert_non_null(strstr(r.warn, g_dir));

	/* Not readable (only when that can be enforced: not as root). */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		r = start("", g_dir, false);
		assert_int_equal(r.crypto, COMPUTED);
		assert_memory_equal(r.hash, a.hash, 16);
	}

	/* A directory that does not exist: computed, nothing written. */
	char gone[300];
	snprintf(gone, sizeof(gone), "%s/missing", g_dir);
	r = start("", gone, false);
	assert_int_equal(r.st, BH_OK);
	assert_memory_equal(r.hash, a.hash, 16);
}

/* bh_host_config.db_hash_known: a file's bytes built into the program are
 * taken on the file's terms, before the file, with no directory at all. */
static void test_built_in_hash(void **state)
{
	(void)state;
	size_t n;
	uint8_t known[4096];
	struct result a = first_start(known, &n);

	/* Built in, no directory: served, libcrypto never loaded. */
	struct result b = start_known("", "", false, known, n);
	assert_int_equal(b.st, BH_OK);
	assert_int_equal(b.crypto, 0);
	assert_memory_equal(b.hash, a.hash, 16);
	/* Built in and a directory without the file: the built-in hash is
	 * taken first, so nothing is computed and no file is written. */
	char path[600];
	file_path(path, sizeof(path), g_dir);
	assert_int_equal(unlink(path), 0);
	struct result c = start_known("", g_dir, false, known, n);
	assert_int_equal(c.crypto, 0);
	assert_memory_equal(c.hash, a.hash, 16);
	assert_int_equal(file_size(g_dir, NULL), 0);

	/* A database that is not the one built in: computed, and right. */
	struct result d = start_known("", "", true, known, n);
	struct result e = start("", "", true);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.crypto, COMPUTED);
	assert_memory_equal(d.hash, e.hash, 16);
	assert_memory_not_equal(d.hash, a.hash, 16);

	/* Damaged where it counts (magic, length, octets hashed, hash, CRC),
	 * truncated or empty: computed, and right. */
	const size_t flips[] = { 0, 8, 12, n - 20, n - 1 };
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		uint8_t bad[4096];
		memcpy(bad, known, n);
		bad[flips[i]] ^= 0x01;
		struct result r = start_known("", "", false, bad, n);
		assert_int_equal(r.crypto, COMPUTED);
		assert_memory_equal(r.hash, a.hash, 16);
	}
	struct result t = start_known("", "", false, known, n - 1);
	assert_int_equal(t.crypto, COMPUTED);
	assert_memory_equal(t.hash, a.hash, 16);
	struct result z = start_known("", "", false, known, 0);
	assert_int_equal(z.crypto, COMPUTED);
	assert_memory_equal(z.hash, a.hash, 16);

	/* A damaged built-in hash, the right file in the directory: the file
	 * serves it. */
	struct result f = start("", g_dir, false); /* writes the file again */
	assert_int_equal(f.crypto, COMPUTED);
	uint8_t bad[4096];
	memcpy(bad, known, n);
	bad[n - 1] ^= 0x80;
	struct result g = start_known("", g_dir, false, bad, n);
	assert_int_equal(g.crypto, 0);
	assert_memory_equal(g.hash, a.hash, 16);
}

/* db_hash_dir NULL: the file goes with the bonds when there is a store. */
static void test_default_is_the_bond_store(void **state)
{
	(void)state;
	char store[300];
	snprintf(store, sizeof(store), "%s/store", g_dir);
	assert_int_equal(mkdir(store, 0700), 0);
	struct result a = start(store, NULL, false);
	if (a.st == BH_ENOTSUP)
		skip();
	assert_int_equal(a.st, BH_OK);
	assert_true(file_size(store, NULL) > 32);
	struct result b = start(store, NULL, false);
	assert_memory_equal(b.hash, a.hash, 16);
	/* No store: no file anywhere (and no error). */
	struct result c = start("", NULL, false);
	assert_memory_equal(c.hash, a.hash, 16);
}

/* Path of NAME in g_dir. */
static void sub(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", g_dir, name);
}

/* The cache's own directory moved while the host runs and an empty one
 * made at its old path: the file is written into the moved directory,
 * never the new one; a later start whose directory is moved the same way
 * reads it from where it went (no libcrypto), and writes nothing at the
 * old path. */
static void test_moved_directory(void **state)
{
	(void)state;
	char a[300], b[300], c[300];
	sub(a, sizeof(a), "a");
	sub(b, sizeof(b), "b");
	sub(c, sizeof(c), "c");
	assert_int_equal(mkdir(a, 0700), 0);
	struct result ref = start("", "", false);
	if (ref.st == BH_ENOTSUP)
		skip();
	struct opts o = { .store_dir = "", .hash_dir = a, .move_from = a, .move_to = b,
			  .remake = true };
	struct result r = start_with(&o);
	assert_int_equal(r.st, BH_OK);
	assert_memory_equal(r.hash, ref.hash, 16);
	assert_int_equal(r.warns, 0);
	assert_true(file_size(b, NULL) > 32);
	assert_int_equal(file_size(a, NULL), 0);
	no_leftovers(a);
	no_leftovers(b);

	o.hash_dir = o.move_from = b;
	o.move_to = c;
	struct result t = start_with(&o);
	assert_int_equal(t.st, BH_OK);
	assert_int_equal(t.crypto, 0);
	assert_memory_equal(t.hash, ref.hash, 16);
	assert_int_equal(t.warns, 0);
	assert_true(file_size(c, NULL) > 32);
	assert_int_equal(file_size(b, NULL), 0);
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/* The file in dir with another hash and a CRC that matches it (the CRC
 * only guards against damage): a start serving this hash read it. */
static void forge(const char *dir, uint8_t forged[16])
{
	size_t n;
	uint8_t buf[4096];
	memcpy(buf, slurp(dir, &n), sizeof(buf));
	assert_true(n > 32);
	buf[n - 20] ^= 0x5a;
	uint32_t crc = crc32(buf, n - 4);
	for (int i = 0; i < 4; i++)
		buf[n - 4 + i] = (uint8_t)(crc >> (8 * i));
	memcpy(forged, buf + n - 20, 16);
	rewrite(dir, buf, n);
}

/* Beside the bonds (db_hash_dir NULL), through the store's descriptor: the
 * store's directory moved while the host runs gets the file, and a start
 * whose store is then moved reads it there. Opening a store loads
 * libcrypto anyway, so a forged file tells a hash read from it. */
static void test_moved_store(void **state)
{
	(void)state;
	char s1[300], s2[300], s3[300];
	sub(s1, sizeof(s1), "s1");
	sub(s2, sizeof(s2), "s2");
	sub(s3, sizeof(s3), "s3");
	struct opts o = { .store_dir = s1, .move_from = s1, .move_to = s2, .remake = true };
	struct result r = start_with(&o);
	if (r.st == BH_ENOTSUP)
		skip();
	assert_int_equal(r.st, BH_OK);
	assert_int_equal(r.warns, 0);
	assert_true(file_size(s2, NULL) > 32);
	assert_int_equal(file_size(s1, NULL), 0);
	no_leftovers(s2);

	uint8_t forged[16];
	forge(s2, forged);
	o.store_dir = o.move_from = s2;
	o.move_to = s3;
	struct result t = start_with(&o);
	assert_int_equal(t.st, BH_OK);
	assert_memory_equal(t.hash, forged, 16);
	assert_int_equal(t.warns, 0);
	assert_int_equal(file_size(s2, NULL), 0);
}

/* The cache's directory missing at start, or not a directory: one warning
 * naming it, no error, the hash served, nothing made. Removed while the
 * host runs: the save fails with one warning that names the directory by
 * its path at start (which may now be wrong), and the hash is served. */
static void test_directory_gone(void **state)
{
	(void)state;
	struct result ref = start("", "", false);
	if (ref.st == BH_ENOTSUP)
		skip();
	char gone[300], plain[300], d[300], away[300];
	sub(gone, sizeof(gone), "missing");
	struct result r = start("", gone, false);
	assert_int_equal(r.st, BH_OK);
	assert_memory_equal(r.hash, ref.hash, 16);
	assert_int_equal(r.warns, 1);
	char want[400];
	snprintf(want, sizeof(want),
		 "database hash cache in the directory named %s at start: cannot open it", gone);
	assert_non_null(strstr(r.warn, want));
	struct stat sb;
	assert_int_not_equal(lstat(gone, &sb), 0);

	sub(plain, sizeof(plain), "plain");
	int fd = open(plain, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	r = start("", plain, false);
	assert_int_equal(r.st, BH_OK);
	assert_memory_equal(r.hash, ref.hash, 16);
	assert_int_equal(r.warns, 1);
	assert_non_null(strstr(r.warn, "Not a directory"));
	assert_int_equal(lstat(plain, &sb), 0);
	assert_int_equal(sb.st_size, 0);

	sub(d, sizeof(d), "d");
	sub(away, sizeof(away), "away");
	assert_int_equal(mkdir(d, 0700), 0);
	struct opts o = { .store_dir = "", .hash_dir = d, .move_from = d, .move_to = away,
			  .remove = true };
	r = start_with(&o);
	assert_int_equal(r.st, BH_OK);
	assert_memory_equal(r.hash, ref.hash, 16);
	assert_int_equal(r.warns, 1);
	snprintf(want, sizeof(want),
		 "database hash cache in the directory named %s at start: not saved", d);
	assert_non_null(strstr(r.warn, want));
	assert_int_not_equal(lstat(d, &sb), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_start_needs_no_libcrypto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file_is_recomputed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_file_still_serves_the_hash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_default_is_the_bond_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_built_in_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_gone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
