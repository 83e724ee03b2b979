/* Unit tests for smp/bond_store: round trip of every field, listing,
 * delete/clear, default directory, permissions, corrupt files skipped and
 * reported, leftover temp files, local identity, a directory moved while
 * the store is open. Each test works in its own fresh directory under
 * $TMPDIR (or /tmp). */
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
#include <unistd.h>

#include <openssl/evp.h>

#include <blehost/bh_env.h>
#include <blehost/bond_store.h>
#include <blehost/privacy.h>

static char g_dir[256];

static int setup(void **state)
{
	(void)state;
	const char *t = getenv("TMPDIR");
	snprintf(g_dir, sizeof(g_dir), "%s/bh-bond-XXXXXX", t && t[0] ? t : "/tmp");
	return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A bond with every field set to something distinct. */
static void fill_bond(struct bh_bond *b, uint8_t seed, uint8_t type)
{
	memset(b, 0, sizeof(*b));
	b->identity.type = type;
	for (int i = 0; i < 6; i++)
		b->identity.val[i] = (uint8_t)(seed + i);
	if (type == BH_ADDR_RANDOM)
		b->identity.val[5] |= 0xc0;
	b->has_irk = true;
	for (int i = 0; i < 16; i++) {
		b->irk[i] = (uint8_t)(seed * 3 + i);
		b->central_ltk.ltk[i] = (uint8_t)(seed * 5 + i);
		b->peripheral_ltk.ltk[i] = (uint8_t)(seed * 7 + i);
		b->local_csrk.key[i] = (uint8_t)(seed * 11 + i);
		b->peer_csrk.key[i] = (uint8_t)(seed * 13 + i);
	}
	b->central_ltk.valid = true;
	b->central_ltk.ediv = (uint16_t)(0x2474 + seed);
	for (int i = 0; i < 8; i++) {
		b->central_ltk.rand[i] = (uint8_t)(0xa0 + i + seed);
		b->peripheral_ltk.rand[i] = (uint8_t)(0x50 + i + seed);
	}
	b->central_ltk.key_size = 16;
	b->peripheral_ltk.valid = true;
	b->peripheral_ltk.ediv = 0xbeef;
	b->peripheral_ltk.key_size = 7;
	b->authenticated = true;
	b->secure_connections = false;
	b->local_csrk.valid = true;
	b->local_csrk.sign_counter = 0x01020304u + seed;
	b->peer_csrk.valid = false;
	b->peer_csrk.sign_counter = 0xfffffffeu;
	b->cccd_len = 5;
	memcpy(b->cccd, "\x0c\x00\x01\x00\x02", 5);
	b->gatt_cache_len = BH_BOND_GATT_CACHE_MAX;
	for (size_t i = 0; i < b->gatt_cache_len; i++)
		b->gatt_cache[i] = (uint8_t)(i * 7 + seed);
}

static void assert_bond_eq(const struct bh_bond *a, const struct bh_bond *b)
{
	assert_true(bh_addr_eq(&a->identity, &b->identity));
	assert_int_equal(a->has_irk, b->has_irk);
	assert_memory_equal(a->irk, b->irk, 16);
	const struct bh_bond_ltk *la[2] = { &a->central_ltk, &a->peripheral_ltk };
	const struct bh_bond_ltk *lb[2] = { &b->central_ltk, &b->peripheral_ltk };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(la[i]->valid, lb[i]->valid);
		assert_memory_equal(la[i]->ltk, lb[i]->ltk, 16);
		assert_int_equal(la[i]->ediv, lb[i]->ediv);
		assert_memory_equal(la[i]->rand, lb[i]->rand, 8);
		assert_int_equal(la[i]->key_size, lb[i]->key_size);
	}
	assert_int_equal(a->authenticated, b->authenticated);
	assert_int_equal(a->secure_connections, b->secure_connections);
	const struct bh_bond_csrk *ca[2] = { &a->local_csrk, &a->peer_csrk };
	const struct bh_bond_csrk *cb[2] = { &b->local_csrk, &b->peer_csrk };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ca[i]->valid, cb[i]->valid);
		assert_memory_equal(ca[i]->key, cb[i]->key, 16);
		assert_int_equal(ca[i]->sign_counter, cb[i]->sign_counter);
	}
	assert_int_equal(a->cccd_len, b->cccd_len);
	assert_memory_equal(a->cccd, b->cccd, a->cccd_len);
	assert_int_equal(a->gatt_cache_len, b->gatt_cache_len);
	assert_memory_equal(a->gatt_cache, b->gatt_cache, a->gatt_cache_len);
}

static struct bh_bond g_a, g_b, g_got;

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", g_dir, name);
}

static void test_round_trip_every_field(void **state)
{
	(void)state;
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(g_dir, &st), BH_OK);
	assert_string_equal(bh_bond_store_dir(st), g_dir);
	fill_bond(&g_a, 1, BH_ADDR_PUBLIC);
	assert_int_equal(bh_bond_store_find(st, &g_a.identity, &g_got), BH_ENOTFOUND);
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK);
	assert_int_equal(bh_bond_store_find(st, &g_a.identity, &g_got), BH_OK);
	assert_bond_eq(&g_a, &g_got);
	/* the flipped booleans and empty blobs round-trip too */
	g_a.has_irk = false;
	g_a.central_ltk.valid = false;
	g_a.authenticated = false;
	g_a.secure_connections = true;
	g_a.peer_csrk.valid = true;
	g_a.cccd_len = 0;
	g_a.gatt_cache_len = 0;
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK); /* replaces */
	assert_int_equal(bh_bond_store_find(st, &g_a.identity, &g_got), BH_OK);
	assert_bond_eq(&g_a, &g_got);
	bh_bond_store_close(st);
	/* and survives reopening */
	assert_int_equal(bh_bond_store_open(g_dir, &st), BH_OK);
	assert_int_equal(bh_bond_store_find(st, &g_a.identity, &g_got), BH_OK);
	assert_bond_eq(&g_a, &g_got);
	/* same value, other type: another identity */
	bh_addr other = g_a.identity;
	other.type = BH_ADDR_RANDOM;
	assert_int_equal(bh_bond_store_find(st, &other, &g_got), BH_ENOTFOUND);
	bh_bond_store_close(st);
}

struct seen {
	int n;
	int stop_after;
	uint8_t first_octets[8];
	char skipped[8][64];
	bh_status why[8];
	int nskipped;
	int lax;
};

static int count_cb(void *ctx, const struct bh_bond *b)
{
	struct seen *s = ctx;
	if (s->n < 8)
		s->first_octets[s->n] = b->identity.val[0];
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static void skip_cb(void *ctx, const struct bh_store_notice *n)
{
	struct seen *s = ctx;
	if (n->problem == BH_STORE_LAX_MODE) {
		s->lax++; /* files written by fopen here are 0644: tightened */
		return;
	}
	if (s->nskipped < 8) {
		snprintf(s->skipped[s->nskipped], 64, "%s", n->name);
		s->why[s->nskipped] = n->status;
	}
	s->nskipped++;
}

static void test_load_all_delete_clear(void **state)
{
	(void)state;
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(g_dir, &st), BH_OK);
	for (uint8_t i = 0; i < 3; i++) {
		fill_bond(&g_a, (uint8_t)(0x10 * (i + 1)), i == 1 ? BH_ADDR_RANDOM : BH_ADDR_PUBLIC);
		assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK);
	}
	struct bh_local_identity id = { { 1 }, { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } } };
	assert_int_equal(bh_bond_store_local_identity_put(st, &id), BH_OK);
	struct seen s = { 0 };
	bh_bond_store_set_notice_cb(st, skip_cb, &s);
	assert_int_equal(bh_bond_store_load_all(st, count_cb, &s), BH_OK);
	assert_int_equal(s.n, 3); /* the local identity is no bond */
	assert_int_equal(s.nskipped, 0);
	/* stop early */
	struct seen s2 = { .stop_after = 2 };
	assert_int_equal(bh_bond_store_load_all(st, count_cb, &s2), BH_OK);
	assert_int_equal(s2.n, 2);
	/* delete one */
	fill_bond(&g_a, 0x20, BH_ADDR_RANDOM);
	assert_int_equal(bh_bond_store_delete(st, &g_a.identity), BH_OK);
	assert_int_equal(bh_bond_store_delete(st, &g_a.identity), BH_ENOTFOUND);
	assert_int_equal(bh_bond_store_find(st, &g_a.identity, &g_got), BH_ENOTFOUND);
	memset(&s, 0, sizeof(s));
	assert_int_equal(bh_bond_store_load_all(st, count_cb, &s), BH_OK);
	assert_int_equal(s.n, 2);
	/* clear keeps the local identity */
	assert_int_equal(bh_bond_store_clear(st), BH_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(bh_bond_store_load_all(st, count_cb, &s), BH_OK);
	assert_int_equal(s.n, 0);
	struct bh_local_identity got;
	assert_int_equal(bh_bond_store_local_identity_get(st, &got), BH_OK);
	assert_memory_equal(&got.static_addr, &id.static_addr, sizeof(bh_addr));
	/* bad arguments */
	fill_bond(&g_a, 1, BH_ADDR_PUBLIC);
	g_a.cccd_len = BH_BOND_CCCD_MAX + 1;
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_EINVAL);
	g_a.cccd_len = 0;
	g_a.identity.type = BH_ADDR_PUBLIC_ID;
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_EINVAL);
	assert_int_equal(bh_bond_store_load_all(st, NULL, NULL), BH_EINVAL);
	assert_int_equal(bh_bond_store_save(NULL, &g_a), BH_EINVAL);
	bh_bond_store_close(st);
}

static void test_permissions_and_default_dir(void **state)
{
	(void)state;
	mode_t old = umask(0); /* the store must not rely on the caller's umask */
	char sub[300], p[400];
	snprintf(sub, sizeof(sub), "%s/a/b/store", g_dir);
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(sub, &st), BH_OK);
	struct stat sb;
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	fill_bond(&g_a, 3, BH_ADDR_PUBLIC);
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK);
	/* seed 3: octets 03..08, printed most significant first */
	snprintf(p, sizeof(p), "%s/080706050403-public.bond", sub);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct bh_local_identity id = { { 9 }, { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } } };
	assert_int_equal(bh_bond_store_local_identity_put(st, &id), BH_OK);
	snprintf(p, sizeof(p), "%s/local_identity", sub);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	bh_bond_store_close(st);
	umask(old);

	/* default: $XDG_STATE_HOME/blehost, else $HOME/.local/state/blehost */
	char *oldx = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
	char *oldh = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	snprintf(p, sizeof(p), "%s/xdg", g_dir);
	setenv("XDG_STATE_HOME", p, 1);
	assert_int_equal(bh_bond_store_open(NULL, &st), BH_OK);
	snprintf(p, sizeof(p), "%s/xdg/blehost", g_dir);
	assert_string_equal(bh_bond_store_dir(st), p);
	bh_bond_store_close(st);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", g_dir, 1);
	assert_int_equal(bh_bond_store_open(NULL, &st), BH_OK);
	snprintf(p, sizeof(p), "%s/.local/state/blehost", g_dir);
	assert_string_equal(bh_bond_store_dir(st), p);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	bh_bond_store_close(st);
	unsetenv("HOME");
	assert_int_equal(bh_bond_store_open(NULL, &st), BH_EINVAL);
	if (oldx)
		setenv("XDG_STATE_HOME", oldx, 1);
	if (oldh)
		setenv("HOME", oldh, 1);
	free(oldx);
	free(oldh);

	/* a directory that cannot be made */
	snprintf(p, sizeof(p), "%s/plainfile", g_dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/plainfile/store", g_dir);
	assert_int_equal(bh_bond_store_open(p, &st), BH_EIO);
	assert_int_equal(bh_bond_store_open(g_dir, NULL), BH_EINVAL);
}

static int count_prefix(const char *pfx)
{
	DIR *d = opendir(g_dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, pfx, strlen(pfx)) == 0;
	closedir(d);
	return n;
}

static void write_raw(const char *name, const void *data, size_t len)
{
	char p[400];
	path_of(p, sizeof(p), name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static size_t read_raw(const char *name, char *buf, size_t cap)
{
	char p[400];
	path_of(p, sizeof(p), name);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Replaces the checksum line of a body so an edit passes the checksum and
 * only the field checks can catch it. */
static size_t reseal(char *buf, size_t body_len)
{
	uint8_t d[32];
	unsigned int l;
	EVP_Digest(buf, body_len, d, &l, EVP_sha256(), NULL);
	size_t n = body_len + (size_t)sprintf(buf + body_len, "checksum=");
	for (int i = 0; i < 32; i++)
		n += (size_t)sprintf(buf + n, "%02x", d[i]);
	buf[n++] = '\n';
	return n;
}

static void test_corrupt_files_skipped_and_reported(void **state)
{
	(void)state;
	static char good[40000], bad[40000];
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(g_dir, &st), BH_OK);
	fill_bond(&g_a, 0x40, BH_ADDR_PUBLIC);
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK);
	const char *gname = "454443424140-public.bond";
	size_t glen = read_raw(gname, good, sizeof(good));
	assert_true(glen > 100);

	/* truncated: a torn write of another bond */
	write_raw("000000000001-public.bond", good, glen / 2);
	/* bad checksum: one hex digit of the IRK changed */
	memcpy(bad, good, glen);
	char *irk = strstr(bad, "\nirk=");
	assert_non_null(irk);
	irk[5] = irk[5] == '0' ? '1' : '0';
	write_raw("000000000002-public.bond", bad, glen);
	/* garbage */
	write_raw("000000000003-public.bond", "\x00\xff garbage \n\n===", 16);
	/* empty */
	write_raw("000000000004-public.bond", "", 0);
	/* checksum right but the identity does not match the name (moved file) */
	write_raw("000000000005-public.bond", good, glen);
	/* checksum right but a field malformed (uppercase hex) */
	memcpy(bad, good, glen);
	size_t body = (size_t)(strstr(bad, "checksum=") - bad);
	char *ks = strstr(bad, "central_key_size=");
	assert_non_null(ks);
	memcpy(ks + 17, "1G", 2);
	write_raw("000000000006-public.bond", bad, reseal(bad, body));
	/* checksum right but a key missing */
	memcpy(bad, good, glen);
	char *line = strstr(bad, "authenticated=01\n");
	assert_non_null(line);
	memmove(line, line + 17, body - (size_t)(line + 17 - bad));
	write_raw("000000000007-public.bond", bad, reseal(bad, body - 17));
	/* a temp file of an interrupted save holding a valid bond is no bond */
	write_raw(".tmp-abcdef", good, glen);
	/* unrelated files are ignored */
	write_raw("README", "hello\n", 6);

	struct seen s = { 0 };
	bh_bond_store_set_notice_cb(st, skip_cb, &s);
	assert_int_equal(bh_bond_store_load_all(st, count_cb, &s), BH_OK);
	assert_int_equal(s.n, 1); /* only the good one */
	assert_int_equal(s.first_octets[0], 0x40);
	assert_int_equal(s.nskipped, 7);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(s.why[i], BH_ECORRUPT);
		assert_true(strncmp(s.skipped[i], "00000000000", 11) == 0);
	}
	/* find reports too */
	memset(&s, 0, sizeof(s));
	bh_addr a2 = { BH_ADDR_PUBLIC, { 2, 0, 0, 0, 0, 0 } };
	assert_int_equal(bh_bond_store_find(st, &a2, &g_got), BH_ECORRUPT);
	assert_int_equal(s.nskipped, 1);
	assert_string_equal(s.skipped[0], "000000000002-public.bond");
	/* the good bond is intact; a save over a corrupt one moves it aside */
	assert_int_equal(bh_bond_store_find(st, &g_a.identity, &g_got), BH_OK);
	assert_bond_eq(&g_a, &g_got);
	fill_bond(&g_b, 0, BH_ADDR_PUBLIC);
	g_b.identity = a2;
	memset(&s, 0, sizeof(s));
	assert_int_equal(bh_bond_store_save(st, &g_b), BH_OK);
	assert_int_equal(bh_bond_store_find(st, &a2, &g_got), BH_OK);
	assert_int_equal(s.nskipped, 1); /* reported as moved aside */
	assert_int_equal(count_prefix("000000000002-public.bond.corrupt-"), 1);
	bh_bond_store_close(st);
	/* reopening removes the leftover temp file */
	char p[400];
	path_of(p, sizeof(p), ".tmp-abcdef");
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(bh_bond_store_open(g_dir, &st), BH_OK);
	assert_int_not_equal(access(p, F_OK), 0);
	/* clear removes valid bonds and moves corrupt ones aside (kept) */
	assert_int_equal(bh_bond_store_clear(st), BH_OK);
	memset(&s, 0, sizeof(s));
	bh_bond_store_set_notice_cb(st, skip_cb, &s);
	assert_int_equal(bh_bond_store_load_all(st, count_cb, &s), BH_OK);
	assert_int_equal(s.n + s.nskipped, 0);
	assert_int_equal(count_prefix("000000000001-public.bond.corrupt-"), 1);
	assert_int_equal(count_prefix("000000000007-public.bond.corrupt-"), 1);
	bh_bond_store_close(st);
}

static void test_local_identity(void **state)
{
	(void)state;
	struct bh_xrand xr;
	bh_xrand_seed(&xr, 1234);
	struct bh_env env = { .random = bh_xrand_fill, .random_ctx = &xr };
	struct bh_bond_store *st;
	struct bh_local_identity a, b;
	assert_int_equal(bh_bond_store_open(g_dir, &st), BH_OK);
	assert_int_equal(bh_bond_store_local_identity_get(st, &a), BH_ENOTFOUND);
	assert_int_equal(bh_bond_store_local_identity_ensure(st, &env, &a), BH_OK);
	assert_true(bh_static_addr_valid(&a.static_addr));
	bh_bond_store_close(st);
	/* kept across runs: a second ensure draws nothing new */
	bh_xrand_seed(&xr, 999);
	assert_int_equal(bh_bond_store_open(g_dir, &st), BH_OK);
	assert_int_equal(bh_bond_store_local_identity_ensure(st, &env, &b), BH_OK);
	assert_memory_equal(a.irk, b.irk, 16);
	assert_true(bh_addr_eq(&a.static_addr, &b.static_addr));
	/* put refuses a non-static address */
	b.static_addr.val[5] &= 0x3f;
	assert_int_equal(bh_bond_store_local_identity_put(st, &b), BH_EINVAL);
	/* a corrupt file is reported, and ensure never replaces it */
	struct seen s = { 0 };
	bh_bond_store_set_notice_cb(st, skip_cb, &s);
	static char buf[1024];
	size_t n = read_raw("local_identity", buf, sizeof(buf));
	buf[30] ^= 1;
	write_raw("local_identity", buf, n);
	assert_int_equal(bh_bond_store_local_identity_get(st, &b), BH_ECORRUPT);
	assert_int_equal(s.nskipped, 1);
	assert_string_equal(s.skipped[0], "local_identity");
	assert_int_equal(bh_bond_store_local_identity_ensure(st, &env, &b), BH_ECORRUPT);
	static char after[1024];
	assert_int_equal(read_raw("local_identity", after, sizeof(after)), n);
	assert_memory_equal(buf, after, n); /* byte for byte */
	/* renew is the explicit way: the damaged file is kept aside */
	assert_int_equal(bh_bond_store_local_identity_renew(st, &env, &b), BH_OK);
	assert_memory_not_equal(a.irk, b.irk, 16);
	assert_int_equal(bh_bond_store_local_identity_get(st, &a), BH_OK);
	assert_memory_equal(a.irk, b.irk, 16);
	assert_int_equal(count_prefix("local_identity.corrupt-"), 1);
	/* renewing a valid one keeps it as .old-* */
	assert_int_equal(bh_bond_store_local_identity_renew(st, &env, &b), BH_OK);
	assert_int_equal(count_prefix("local_identity.old-"), 1);
	bh_bond_store_close(st);
}

/* A store whose directory is renamed while it is open (moved while the
 * host runs) keeps saving into it: new bonds, a replaced bond and the
 * identity land in the moved directory, mode 0600, no temp file left, and
 * nothing is made again at the old path. bh_bond_store_dirfd is that
 * directory's descriptor. */
static void test_moved_directory(void **state)
{
	(void)state;
	mode_t old = umask(0);
	char dir[300], moved[300];
	snprintf(dir, sizeof(dir), "%s/store", g_dir);
	snprintf(moved, sizeof(moved), "%s/moved", g_dir);
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(dir, &st), BH_OK);
	fill_bond(&g_a, 3, BH_ADDR_PUBLIC);
	fill_bond(&g_b, 4, BH_ADDR_RANDOM);
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK);
	assert_int_equal(rename(dir, moved), 0);
	/* The descriptor the host keeps its Database Hash file through is the
	 * moved directory's, while its path (as opened) names nothing now. */
	struct stat ds, ms;
	assert_int_equal(bh_bond_store_dirfd(NULL), -1);
	assert_int_equal(fstat(bh_bond_store_dirfd(st), &ds), 0);
	assert_int_equal(stat(moved, &ms), 0);
	assert_true(ds.st_ino == ms.st_ino && ds.st_dev == ms.st_dev);
	assert_string_equal(bh_bond_store_dir(st), dir);
	g_a.cccd_len = 1;
	assert_int_equal(bh_bond_store_save(st, &g_a), BH_OK);
	assert_int_equal(bh_bond_store_save(st, &g_b), BH_OK);
	struct bh_local_identity id = { { 9 }, { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } } };
	assert_int_equal(bh_bond_store_local_identity_put(st, &id), BH_OK);
	bh_bond_store_close(st);
	umask(old);
	struct stat sb;
	assert_int_equal(stat(dir, &sb), -1);
	DIR *d = opendir(moved);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		assert_true(strncmp(e->d_name, ".tmp-", 5) != 0);
		assert_int_equal(fstatat(dirfd(d), e->d_name, &sb, 0), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 3); /* the two bonds and the identity */
	assert_int_equal(bh_bond_store_open(moved, &st), BH_OK);
	assert_int_equal(bh_bond_store_find(st, &g_a.identity, &g_got), BH_OK);
	assert_bond_eq(&g_a, &g_got);
	assert_int_equal(bh_bond_store_find(st, &g_b.identity, &g_got), BH_OK);
	assert_bond_eq(&g_b, &g_got);
	bh_bond_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_every_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_all_delete_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions_and_default_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_files_skipped_and_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_local_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_directory, setup, teardown),
	};
	return cmocka_run_group_tests_name("bond_store", tests, NULL, NULL);
}
