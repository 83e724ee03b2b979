/* The bond store where libcrypto cannot be loaded (tests/harness/
 * no_libcrypto.h): a file's SHA-256 checksum cannot be checked, which says
 * nothing about the file. Bonds and the local identity made by a normal run
 * must come through a run without libcrypto byte for byte: reported
 * unreadable (ENOPKG), never moved aside, never replaced, and every save
 * refused before it touches anything. The first run then finds them all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/bh_crypto.h>
#include <blehost/bh_env.h>
#include <blehost/bond_store.h>

#include "no_libcrypto.h"

#define ENV_STORE "BH_TEST_STORE_DIR"

static void make_bond(struct bh_bond *b, uint8_t seed)
{
	memset(b, 0, sizeof(*b));
	b->identity.type = BH_ADDR_PUBLIC;
	for (int i = 0; i < 6; i++)
		b->identity.val[i] = (uint8_t)(seed + i);
	b->central_ltk.valid = true;
	for (int i = 0; i < 16; i++)
		b->central_ltk.ltk[i] = (uint8_t)(seed * 5 + i);
	b->has_irk = true;
	for (int i = 0; i < 16; i++)
		b->irk[i] = (uint8_t)(seed * 3 + i);
}

/* Every file of the store, concatenated with its name: what must not
 * change. */
static size_t snapshot(const char *dir, char *out, size_t cap)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "cd '%s' && for f in $(ls -A | sort); do echo \"== $f\"; cat \"$f\"; done",
		 dir);
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, cap, p) : 0;
	if (p)
		pclose(p);
	return n;
}

struct seen {
	unsigned bonds, unreadable, other;
	int last_errno;
};

static int count_bond(void *ctx, const struct bh_bond *b)
{
	(void)b;
	((struct seen *)ctx)->bonds++;
	return 0;
}

static void on_notice(void *ctx, const struct bh_store_notice *n)
{
	struct seen *s = ctx;
	if (n->problem == BH_STORE_UNREADABLE) {
		s->unreadable++;
		s->last_errno = n->sys_errno;
		assert_null(n->moved_to);
	} else if (n->problem != BH_STORE_LAX_MODE) {
		s->other++;
	}
}

#ifdef BH_LIBCRYPTO_STATIC
/* -Dlibcrypto_static=true: SHA-256 is linked in, so the same store is read
 * where libcrypto.so.3 cannot be loaded, and nothing maps the library. The
 * run saves nothing: the parent still finds the files as they were. */
static void test_read_without_shared_libcrypto(void **state)
{
	(void)state;
	struct seen s = { 0 };
	struct bh_bond_store_opts o = { .notice = on_notice, .notice_ctx = &s, .move_aside = true };
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open_opts(getenv(ENV_STORE), &o, &st), BH_OK);
	assert_int_equal(bh_bond_store_load_all(st, count_bond, &s), BH_OK);
	assert_int_equal(s.bonds, 2);
	assert_int_equal(s.unreadable, 0);
	assert_int_equal(s.other, 0);
	struct bh_bond b, got;
	make_bond(&b, 0x10);
	assert_int_equal(bh_bond_store_find(st, &b.identity, &got), BH_OK);
	assert_memory_equal(got.central_ltk.ltk, b.central_ltk.ltk, 16);
	struct bh_local_identity id;
	assert_int_equal(bh_bond_store_local_identity_get(st, &id), BH_OK);
	assert_int_equal(libcrypto_mapped(), 0);
	bh_bond_store_close(st);
}
#else
static void count_aside(void *ctx, const char *name)
{
	(void)name;
	(*(unsigned *)ctx)++;
}

static void test_nothing_moved_or_replaced(void **state)
{
	(void)state;
	assert_non_null(bh_crypto_error());
	struct seen s = { 0 };
	struct bh_bond_store_opts o = { .notice = on_notice, .notice_ctx = &s, .move_aside = true };
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open_opts(getenv(ENV_STORE), &o, &st), BH_OK);

	assert_int_equal(bh_bond_store_load_all(st, count_bond, &s), BH_OK);
	assert_int_equal(s.bonds, 0);
	assert_int_equal(s.unreadable, 2);
	assert_int_equal(s.last_errno, ENOPKG);
	assert_int_equal(s.other, 0);

	struct bh_bond b, got;
	make_bond(&b, 0x10);
	assert_int_equal(bh_bond_store_find(st, &b.identity, &got), BH_EIO);
	b.central_ltk.ltk[0] ^= 0xff; /* a re-pairing's new key */
	assert_int_equal(bh_bond_store_save(st, &b), BH_EIO);
	make_bond(&b, 0x40); /* a new peer */
	assert_int_equal(bh_bond_store_save(st, &b), BH_EIO);

	struct bh_xrand xr;
	bh_xrand_seed(&xr, 7);
	struct bh_env env = { .random = bh_xrand_fill, .random_ctx = &xr };
	struct bh_local_identity id;
	assert_int_equal(bh_bond_store_local_identity_get(st, &id), BH_EIO);
	assert_int_equal(bh_bond_store_local_identity_ensure(st, &env, &id), BH_EIO);
	assert_int_equal(bh_bond_store_local_identity_renew(st, &env, &id), BH_EIO);

	unsigned aside = 0;
	assert_int_equal(bh_bond_store_list_aside(st, count_aside, &aside), BH_OK);
	assert_int_equal(aside, 0);
	assert_int_equal(s.other, 0);
	bh_bond_store_close(st);
}

#endif

int main(int argc, char **argv)
{
	(void)argc;
	if (no_libcrypto_child()) {
		const struct CMUnitTest tests[] = {
#ifdef BH_LIBCRYPTO_STATIC
			cmocka_unit_test(test_read_without_shared_libcrypto),
#else
			cmocka_unit_test(test_nothing_moved_or_replaced),
#endif
		};
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	/* With libcrypto: two bonds and the local identity. */
	const char *t = getenv("TMPDIR");
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/bh-bond-nocrypto-XXXXXX", t && t[0] ? t : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	struct bh_bond_store *st;
	struct bh_bond b;
	struct bh_xrand xr;
	bh_xrand_seed(&xr, 1);
	struct bh_env env = { .random = bh_xrand_fill, .random_ctx = &xr };
	struct bh_local_identity id, id2;
	int ok = bh_bond_store_open(dir, &st) == BH_OK;
	make_bond(&b, 0x10);
	ok = ok && bh_bond_store_save(st, &b) == BH_OK;
	make_bond(&b, 0x20);
	ok = ok && bh_bond_store_save(st, &b) == BH_OK;
	ok = ok && bh_bond_store_local_identity_ensure(st, &env, &id) == BH_OK;
	if (ok)
		bh_bond_store_close(st);
	static char before[16384], after[16384];
	size_t nb = snapshot(dir, before, sizeof(before));
	setenv(ENV_STORE, dir, 1);
	int rc = ok ? no_libcrypto_run(argv) : 1;

	/* Back with libcrypto: the same files, and every bond is there. */
	size_t na = snapshot(dir, after, sizeof(after));
	if (rc == 0 && (nb == 0 || na != nb || memcmp(before, after, nb) != 0)) {
		fprintf(stderr, "the store changed without libcrypto:\n%.*s\n---\n%.*s\n", (int)nb,
			before, (int)na, after);
		rc = 1;
	}
	if (rc == 0 && bh_bond_store_open(dir, &st) == BH_OK) {
		struct bh_bond got;
		make_bond(&b, 0x10);
		int found = bh_bond_store_find(st, &b.identity, &got) == BH_OK &&
			    memcmp(got.central_ltk.ltk, b.central_ltk.ltk, 16) == 0;
		make_bond(&b, 0x20);
		found = found && bh_bond_store_find(st, &b.identity, &got) == BH_OK;
		found = found && bh_bond_store_local_identity_get(st, &id2) == BH_OK &&
			memcmp(id.irk, id2.irk, 16) == 0;
		bh_bond_store_close(st);
		if (!found) {
			fprintf(stderr, "a bond or the identity was lost\n");
			rc = 1;
		}
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	printf("%s\n", rc == 0 ? "bond store without libcrypto: kept" : "FAILED");
	return rc;
}
