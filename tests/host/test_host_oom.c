/* bh_host_new when memory runs out: each allocation it makes fails in
 * turn, alone and with every later one (tests/harness/fail_alloc.h; strdup too, which
 * the linker routes here, since glibc's own would not fail). Each start
 * has a bond store holding a bond and the local identity, and a Database
 * Hash directory of its own. A start that cannot allocate returns NULL
 * with a message, leaves no descriptor open (LeakSanitizer, in the faults
 * suite's sanitizer run, sees the memory), and leaves the store exactly
 * as it was: a bond that could not be read for want of memory is never
 * moved aside, rewritten or replaced by a new identity. The sweep ends
 * at the first start that needed no failed allocation; that host is
 * brought up on the fake controller to show the count was whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blehost/blehost.h>

#include "fail_alloc.h"
#include "fake_host.h"

char *__wrap_strdup(const char *s);

char *__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n); /* the wrapped malloc: it fails when told to */
	if (p)
		memcpy(p, s, n);
	return p;
}

static const char *source_store; /* argv[1]: tests/interop/bond-store */

static const char *const store_files[] = { "00aa01000042-public.bond", "local_identity" };
#define N_STORE_FILES (sizeof(store_files) / sizeof(store_files[0]))
#define N_SNAPSHOT (N_STORE_FILES + 1) /* and a bond with an IRK, saved here */

struct file {
	char *data;
	size_t len;
};

static struct file slurp(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct file f = { 0 };
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	f.data = malloc(4096);
	assert_non_null(f.data);
	f.len = fread(f.data, 1, 4096, fp);
	fclose(fp);
	return f;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int count_fds(void)
{
	return count_entries("/proc/self/fd");
}

static void make_store(char *store, char *hash)
{
	strcpy(store, "/tmp/bh-host-oom-store-XXXXXX");
	strcpy(hash, "/tmp/bh-host-oom-hash-XXXXXX");
	assert_non_null(mkdtemp(store));
	assert_non_null(mkdtemp(hash));
	for (size_t i = 0; i < N_STORE_FILES; i++) {
		struct file f = slurp(source_store, store_files[i]);
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", store, store_files[i]);
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(f.data, 1, f.len, fp), f.len);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(chmod(path, 0600), 0);
		free(f.data);
	}
	/* A peer with an IRK: loading it takes room in the host's resolver. */
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(store, &st), BH_OK);
	struct bh_bond b = { .identity = { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } },
			     .has_irk = true, .irk = { 0x5a, 1, 2, 3 } };
	b.central_ltk.valid = true;
	b.central_ltk.ltk[0] = 0x42;
	b.central_ltk.key_size = 16;
	assert_int_equal(bh_bond_store_save(st, &b), BH_OK);
	bh_bond_store_close(st);
}

static struct file snapshot[N_SNAPSHOT];
static char snapshot_name[N_SNAPSHOT][256];

static void take_snapshot(const char *store)
{
	DIR *d = opendir(store);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_true(n < N_SNAPSHOT);
		snprintf(snapshot_name[n], sizeof(snapshot_name[n]), "%s", e->d_name);
		snapshot[n] = slurp(store, e->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, N_SNAPSHOT);
}

/* The store holds exactly the files it had, each unchanged. */
static void assert_store_intact(const char *store, long k)
{
	if (count_entries(store) != (int)N_SNAPSHOT)
		fail_msg("allocation %ld: the store holds %d entries, not %zu", k,
			 count_entries(store), N_SNAPSHOT);
	for (size_t i = 0; i < N_SNAPSHOT; i++) {
		struct file b = slurp(store, snapshot_name[i]);
		if (snapshot[i].len != b.len || memcmp(snapshot[i].data, b.data, b.len) != 0)
			fail_msg("allocation %ld: %s changed", k, snapshot_name[i]);
		free(b.data);
	}
}

static int dummy;

static bh_time_ms dummy_deadline(void *arg)
{
	(void)arg;
	return BH_NEVER;
}

static void dummy_run(void *arg) { (void)arg; }

/* one: only the k-th allocation fails (else the k-th and every later one).
 * fill: sources already on the application's loop, so that each of the
 * host's own lands where the loop's table must grow. */
static void sweep(bool one, unsigned fill)
{
	char store[64], hash[64];
	make_store(store, hash);
	take_snapshot(store);
	long k;
	for (k = 0;; k++) {
		struct fake_host fh;
		fake_host_init(&fh, "HOST_OOM_VERBOSE", BH_LOG_ERROR);
		struct bh_host_config cfg;
		fake_host_config(&fh, &cfg, 7);
		cfg.store_dir = store;
		cfg.db_hash_dir = hash;
		struct bh_host_events ev;
		fake_host_events(&fh, &ev);
		for (unsigned i = 0; i < fill; i++)
			assert_int_equal(bh_loop_add_source(fh.loop, dummy_deadline, dummy_run, &dummy), 0);
		int fds = count_fds();
		char err[256] = "";
		failures = 0;
		fail_one = one;
		fail_after = k;
		fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
		fail_after = -1;
		fail_one = false;
		if (fh.h && failures && getenv("HOST_OOM_VERBOSE"))
			fprintf(stderr, "  allocation %ld: a host\n", k);
		if (!failures) {
			/* Nothing failed: the whole count was swept. */
			assert_non_null(fh.h);
			assert_int_equal(fake_accept(fh.f, fh.loop), 0);
			assert_int_equal(bh_host_start_sync(fh.h, 3000), 0);
			bh_loop_remove_source(fh.loop, &dummy);
			fake_host_fini(&fh);
			break;
		}
		if (fh.h)
			fail_msg("allocation %ld failed (%u sources before), yet bh_host_new "
				 "returned a host", k, fill);
		/* Said as it is: not a damaged store, not an I/O error. */
		if (!strstr(err, "out of memory"))
			fail_msg("allocation %ld: bh_host_new failed with \"%s\"", k, err);
		if (getenv("HOST_OOM_VERBOSE"))
			fprintf(stderr, "  allocation %ld: %s\n", k, err);
		if (count_fds() != fds)
			fail_msg("allocation %ld: %d descriptors left open", k, count_fds() - fds);
		assert_store_intact(store, k);
		if (count_entries(hash) != 0)
			fail_msg("allocation %ld: the hash directory is not empty", k);
		bh_loop_remove_source(fh.loop, &dummy);
		fake_host_fini(&fh);
	}
	/* bh_host_new allocates more than a handful of times: a sweep that
	 * ended at once would have failed nothing. */
	assert_true(k > 10);
	assert_store_intact(store, k);
	fake_host_remove_dir(store);
	fake_host_remove_dir(hash);
	for (size_t i = 0; i < N_SNAPSHOT; i++)
		free(snapshot[i].data);
}

static void host_new_fails_from_each(void **state)
{
	(void)state;
	sweep(false, 0);
}

static void host_new_fails_each_once(void **state)
{
	(void)state;
	for (unsigned fill = 0; fill <= 8; fill++)
		sweep(true, fill);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BOND_STORE_DIR\n", argv[0]);
		return 2;
	}
	source_store = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_new_fails_from_each),
		cmocka_unit_test(host_new_fails_each_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
