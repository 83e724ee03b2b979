/* bh_file_replace when the system refuses a step: a full disk or an I/O
 * error at the temp file's creation, mode, write, sync, close or rename
 * (each failed in turn through -Wl,--wrap), temp names already taken, and a
 * short write that the loop must finish. Every failure must return BH_EIO
 * with the system's errno, leave the old file byte for byte and no temp file
 * behind; a failing directory sync after the rename is BH_EIO too, with the
 * new file in place (the rename happened and cannot be taken back). A
 * directory renamed while open still gets the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <blehost/bh_file.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum op { OP_NONE, OP_OPENAT, OP_FCHMOD, OP_WRITE, OP_FSYNC_FILE, OP_CLOSE, OP_RENAME,
	  OP_FSYNC_DIR };

static enum op g_fail;  /* the call that fails, with g_errno */
static int g_errno;
static int g_dirfd = -1;
static bool g_short;    /* every write takes at most 3 octets */
static unsigned g_writes;
static unsigned g_taken;  /* so many temp names are found taken (EEXIST) */
static unsigned g_opens;
static char g_tried[40][64]; /* the temp names tried, in order */

/* openat64: what <fcntl.h> makes of openat with _FILE_OFFSET_BITS=64. */
int __real_openat64(int dirfd, const char *path, int flags, ...);
int __real_fchmod(int fd, mode_t mode);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_close(int fd);
int __real_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

static int fails(enum op op)
{
	if (g_fail != op)
		return 0;
	errno = g_errno;
	return -1;
}

int __wrap_openat64(int dirfd, const char *path, int flags, ...);
int __wrap_openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (g_opens < 40)
		snprintf(g_tried[g_opens], sizeof(g_tried[0]), "%s", path);
	if (g_opens++ < g_taken) {
		errno = EEXIST;
		return -1;
	}
	return fails(OP_OPENAT) ? -1 : __real_openat64(dirfd, path, flags, mode);
}

int __wrap_fchmod(int fd, mode_t mode);
int __wrap_fchmod(int fd, mode_t mode)
{
	return fails(OP_FCHMOD) ? -1 : __real_fchmod(fd, mode);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	g_writes++;
	/* A write that fails after the first one: the file is partly written. */
	if (g_writes > 1 && fails(OP_WRITE))
		return -1;
	if (g_writes == 1 && g_fail == OP_WRITE && g_errno == EINTR) {
		errno = EINTR; /* interrupted before writing anything: retried */
		g_fail = OP_NONE;
		return -1;
	}
	return __real_write(fd, buf, g_short && n > 3 ? 3 : n);
}

int __wrap_fsync(int fd);
int __wrap_fsync(int fd)
{
	if (fails(fd == g_dirfd ? OP_FSYNC_DIR : OP_FSYNC_FILE))
		return -1;
	return __real_fsync(fd);
}

int __wrap_close(int fd);
int __wrap_close(int fd)
{
	if (g_fail == OP_CLOSE && fd != g_dirfd) {
		__real_close(fd); /* Linux frees the descriptor even when close fails */
		errno = g_errno;
		return -1;
	}
	return __real_close(fd);
}

int __wrap_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
int __wrap_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	return fails(OP_RENAME) ? -1 : __real_renameat(olddirfd, oldpath, newdirfd, newpath);
}

static char g_dir[256];
static const char old_data[] = "the old bond, which must survive";
static uint8_t new_data[600];

static int setup(void **state)
{
	(void)state;
	const char *t = getenv("TMPDIR");
	snprintf(g_dir, sizeof(g_dir), "%s/bh-file-fail-XXXXXX", t && t[0] ? t : "/tmp");
	if (!mkdtemp(g_dir))
		return -1;
	g_dirfd = open(g_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < sizeof(new_data); i++)
		new_data[i] = (uint8_t)(i * 7);
	return g_dirfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	__real_close(g_dirfd);
	g_dirfd = -1;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The file `name` holds exactly data[0..len). */
static void expect_file(const char *name, const void *data, size_t len)
{
	char p[320];
	snprintf(p, sizeof(p), "%s/%s", g_dir, name);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	uint8_t buf[1024];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(n, len);
	assert_memory_equal(buf, data, len);
}

/* Entries of the directory other than "entry": 0 when no temp file is left. */
static int others(void)
{
	DIR *d = opendir(g_dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "entry"))
			n++;
	closedir(d);
	return n;
}

static bh_status replace(const void *data, size_t len)
{
	g_writes = 0;
	g_opens = 0;
	return bh_file_replace(g_dirfd, "tmp-", "entry", data, len, NULL, NULL);
}

static void put_old(void)
{
	enum op f = g_fail;
	g_fail = OP_NONE;
	g_short = false;
	assert_int_equal(replace(old_data, sizeof(old_data)), BH_OK);
	g_fail = f;
}

static void test_each_step_fails(void **state)
{
	(void)state;
	static const struct {
		enum op op;
		int err;
	} cases[] = {
		{ OP_OPENAT, ENOSPC }, { OP_FCHMOD, EPERM },     { OP_WRITE, ENOSPC },
		{ OP_WRITE, EIO },     { OP_FSYNC_FILE, EIO }, { OP_CLOSE, EIO },
		{ OP_RENAME, EXDEV },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		g_fail = cases[i].op;
		g_errno = cases[i].err;
		put_old();
		/* Short writes: the failing write comes after part of the file. */
		g_short = true;
		errno = 0;
		assert_int_equal(replace(new_data, sizeof(new_data)), BH_EIO);
		assert_int_equal(errno, cases[i].err);
		expect_file("entry", old_data, sizeof(old_data));
		assert_int_equal(others(), 0);
	}
	g_fail = OP_NONE;
	g_short = false;
}

/* The rename is the commit point: after it only the directory's sync can
 * fail, and the caller learns it (BH_EIO) while the new file stays. */
static void test_dir_sync_fails_after_rename(void **state)
{
	(void)state;
	g_fail = OP_FSYNC_DIR;
	g_errno = EIO;
	put_old();
	assert_int_equal(replace(new_data, sizeof(new_data)), BH_EIO);
	expect_file("entry", new_data, sizeof(new_data));
	assert_int_equal(others(), 0);
	g_fail = OP_NONE;
}

/* Short writes and an interrupted write are finished, not failures. */
static void test_short_and_interrupted_writes(void **state)
{
	(void)state;
	g_fail = OP_NONE;
	put_old();
	g_short = true;
	g_fail = OP_WRITE;
	g_errno = EINTR;
	assert_int_equal(replace(new_data, sizeof(new_data)), BH_OK);
	assert_true(g_writes > sizeof(new_data) / 3);
	expect_file("entry", new_data, sizeof(new_data));
	assert_int_equal(others(), 0);
	struct stat sb;
	char p[320];
	snprintf(p, sizeof(p), "%s/entry", g_dir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	g_short = false;
	g_fail = OP_NONE;
}

/* The first n names tried are all different temp names. */
static void expect_distinct_names(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(strncmp(g_tried[i], "tmp-", 4), 0);
		assert_int_equal(strlen(g_tried[i]), 4 + 6);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(g_tried[i], g_tried[j]);
	}
}

/* A temp name already taken is passed over for another; when every
 * candidate is taken the replacement fails cleanly (EEXIST). */
static void test_temp_name_taken(void **state)
{
	(void)state;
	put_old();
	g_taken = 3;
	assert_int_equal(replace(new_data, sizeof(new_data)), BH_OK);
	assert_int_equal(g_opens, 4);
	expect_distinct_names(4);
	expect_file("entry", new_data, sizeof(new_data));
	put_old();
	g_taken = 1000;
	errno = 0;
	assert_int_equal(replace(new_data, sizeof(new_data)), BH_EIO);
	assert_int_equal(errno, EEXIST);
	expect_distinct_names(g_opens < 40 ? g_opens : 40);
	expect_file("entry", old_data, sizeof(old_data));
	assert_int_equal(others(), 0);
	g_taken = 0;
	/* A prefix that leaves no room for a name: refused, nothing made. */
	char prefix[80];
	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	errno = 0;
	g_opens = 0;
	assert_int_equal(bh_file_replace(g_dirfd, prefix, "entry", new_data, 1, NULL, NULL), BH_EIO);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(g_opens, 0);
	expect_file("entry", old_data, sizeof(old_data));
	assert_int_equal(others(), 0);
}

/* The directory renamed while it is open (a store moved while the host
 * runs): the file goes into it under its new name, mode 0600, and nothing
 * appears at the old path. */
static void test_moved_directory(void **state)
{
	(void)state;
	put_old();
	char moved[300];
	snprintf(moved, sizeof(moved), "%s.moved", g_dir);
	assert_int_equal(rename(g_dir, moved), 0);
	bh_status rc = replace(new_data, sizeof(new_data));
	struct stat sb, gone;
	char p[320];
	snprintf(p, sizeof(p), "%s/entry", moved);
	int st = stat(p, &sb);
	int old_path = stat(g_dir, &gone);
	assert_int_equal(rename(moved, g_dir), 0); /* back, for the checks and teardown */
	assert_int_equal(rc, BH_OK);
	assert_int_equal(st, 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(old_path, -1);
	expect_file("entry", new_data, sizeof(new_data));
	assert_int_equal(others(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_step_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_sync_fails_after_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_and_interrupted_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temp_name_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_directory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
