/* Bond store in a directory: one checksummed text file per bond, written
 * atomically (temp file, fsync, rename, fsync dir) so a crash at any point
 * leaves either the old or the new file, never a torn one. */
#include "bond_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bh_bytes.h"
#include "privacy.h"

#define BOND_MAGIC "blehost-bond v1"
#define LOCAL_MAGIC "blehost-local-identity v1"
#define LOCAL_NAME "local_identity"
#define TMP_PREFIX ".tmp-"
#define BOND_SUFFIX ".bond"
/* Largest file we accept: both blobs hex-encoded plus the fixed fields. A
 * bigger file was not written by us. */
#define FILE_MAX (2 * (BH_BOND_CCCD_MAX + BH_BOND_GATT_CACHE_MAX) + 4096)
#define CSUM_KEY "checksum="
#define CSUM_HEX 64

struct bh_bond_store {
	char *dir;
	int dirfd;
	bh_bond_store_skip_cb skip;
	void *skip_ctx;
	void (*hook)(void *ctx, enum bh_bond_save_step step);
	void *hook_ctx;
};

/* ---- text encoding ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool err;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->err || b->cap - b->len < n) {
		b->err = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void put_hex(struct buf *b, const char *key, const uint8_t *v, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	put_str(b, key);
	put_str(b, "=");
	for (size_t i = 0; i < n; i++) {
		char c[2] = { hx[v[i] >> 4], hx[v[i] & 15] };
		buf_put(b, c, 2);
	}
	put_str(b, "\n");
}

static void put_u8(struct buf *b, const char *key, uint8_t v)
{
	put_hex(b, key, &v, 1);
}

static bool sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;
	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

/* Appends the checksum line over everything before it. */
static void put_checksum(struct buf *b)
{
	uint8_t d[32];
	if (b->err || !sha256(b->p, b->len, d)) {
		b->err = true;
		return;
	}
	put_hex(b, "checksum", d, 32);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* we write lowercase only: anything else is an edit */
}

/* One parsed "key=hex" line, pointing into the file buffer. */
struct kv {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
	bool used;
};

#define KV_MAX 32

struct parsed {
	struct kv kv[KV_MAX];
	size_t n;
};

/* Checks magic and checksum, then splits the lines between them. The reader
 * never runs past the buffer; any deviation from what we write is corrupt. */
static bh_status parse_file(const uint8_t *data, size_t len, const char *magic, struct parsed *out)
{
	struct bh_rd r = bh_rd_init(data, len);
	size_t mlen = strlen(magic);
	size_t csum_line = strlen(CSUM_KEY) + CSUM_HEX + 1;
	if (len < mlen + 1 + csum_line)
		return BH_ECORRUPT;
	/* the checksum line is last and covers every byte before it */
	const uint8_t *cl = data + len - csum_line;
	if (memcmp(cl, CSUM_KEY, strlen(CSUM_KEY)) != 0 || cl[csum_line - 1] != '\n' ||
	    (cl != data && cl[-1] != '\n'))
		return BH_ECORRUPT;
	uint8_t want[32], got[32];
	for (size_t i = 0; i < 32; i++) {
		int hi = hexval((char)cl[strlen(CSUM_KEY) + 2 * i]);
		int lo = hexval((char)cl[strlen(CSUM_KEY) + 2 * i + 1]);
		if (hi < 0 || lo < 0)
			return BH_ECORRUPT;
		want[i] = (uint8_t)(hi << 4 | lo);
	}
	size_t body = len - csum_line;
	if (!sha256(data, body, got))
		return BH_EIO;
	if (CRYPTO_memcmp(want, got, 32) != 0)
		return BH_ECORRUPT;

	r.len = body;
	const uint8_t *m = bh_rd_ptr(&r, mlen + 1);
	if (!m || memcmp(m, magic, mlen) != 0 || m[mlen] != '\n')
		return BH_ECORRUPT;
	out->n = 0;
	while (bh_rd_left(&r) > 0) {
		size_t left = bh_rd_left(&r);
		const uint8_t *start = r.p + r.off;
		const uint8_t *nl = memchr(start, '\n', left);
		if (!nl)
			return BH_ECORRUPT;
		size_t ll = (size_t)(nl - start);
		const uint8_t *line = bh_rd_ptr(&r, ll + 1);
		const uint8_t *eq = line ? memchr(line, '=', ll) : NULL;
		if (!eq || eq == line || out->n == KV_MAX)
			return BH_ECORRUPT;
		struct kv *kv = &out->kv[out->n++];
		kv->key = (const char *)line;
		kv->key_len = (size_t)(eq - line);
		kv->val = (const char *)eq + 1;
		kv->val_len = ll - kv->key_len - 1;
		kv->used = false;
		for (size_t i = 0; i + 1 < out->n; i++)
			if (out->kv[i].key_len == kv->key_len &&
			    memcmp(out->kv[i].key, kv->key, kv->key_len) == 0)
				return BH_ECORRUPT; /* duplicate key */
	}
	return BH_OK;
}

/* Decodes key's hex value into out: exactly n octets, or (varlen != NULL)
 * up to n octets with the count in *varlen. */
static bool get_hex(struct parsed *p, const char *key, uint8_t *out, size_t n, size_t *varlen)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < p->n; i++) {
		struct kv *kv = &p->kv[i];
		if (kv->key_len != kl || memcmp(kv->key, key, kl) != 0)
			continue;
		if (kv->val_len % 2 || (varlen ? kv->val_len / 2 > n : kv->val_len / 2 != n))
			return false;
		for (size_t j = 0; j < kv->val_len / 2; j++) {
			int hi = hexval(kv->val[2 * j]), lo = hexval(kv->val[2 * j + 1]);
			if (hi < 0 || lo < 0)
				return false;
			out[j] = (uint8_t)(hi << 4 | lo);
		}
		if (varlen)
			*varlen = kv->val_len / 2;
		kv->used = true;
		return true;
	}
	return false;
}

static bool get_bool(struct parsed *p, const char *key, bool *out)
{
	uint8_t v;
	if (!get_hex(p, key, &v, 1, NULL) || v > 1)
		return false;
	*out = v;
	return true;
}

static bool all_used(const struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->kv[i].used)
			return false;
	return true;
}

/* ---- bond <-> text ---- */

static void put_ltk(struct buf *b, const char *pfx, const struct bh_bond_ltk *l)
{
	char k[40];
	uint8_t ediv[2];
	bh_put16(ediv, l->ediv);
	snprintf(k, sizeof(k), "%s_valid", pfx);
	put_u8(b, k, l->valid);
	snprintf(k, sizeof(k), "%s_ltk", pfx);
	put_hex(b, k, l->ltk, 16);
	snprintf(k, sizeof(k), "%s_ediv", pfx);
	put_hex(b, k, ediv, 2);
	snprintf(k, sizeof(k), "%s_rand", pfx);
	put_hex(b, k, l->rand, 8);
	snprintf(k, sizeof(k), "%s_key_size", pfx);
	put_u8(b, k, l->key_size);
}

static bool get_ltk(struct parsed *p, const char *pfx, struct bh_bond_ltk *l)
{
	char k[40];
	uint8_t ediv[2];
	bool ok = true;
	snprintf(k, sizeof(k), "%s_valid", pfx);
	ok = ok && get_bool(p, k, &l->valid);
	snprintf(k, sizeof(k), "%s_ltk", pfx);
	ok = ok && get_hex(p, k, l->ltk, 16, NULL);
	snprintf(k, sizeof(k), "%s_ediv", pfx);
	ok = ok && get_hex(p, k, ediv, 2, NULL);
	snprintf(k, sizeof(k), "%s_rand", pfx);
	ok = ok && get_hex(p, k, l->rand, 8, NULL);
	snprintf(k, sizeof(k), "%s_key_size", pfx);
	ok = ok && get_hex(p, k, &l->key_size, 1, NULL);
	l->ediv = bh_get16(ediv);
	return ok;
}

static void put_csrk(struct buf *b, const char *pfx, const struct bh_bond_csrk *c)
{
	char k[40];
	uint8_t ctr[4];
	bh_put32(ctr, c->sign_counter);
	snprintf(k, sizeof(k), "%s_valid", pfx);
	put_u8(b, k, c->valid);
	snprintf(k, sizeof(k), "%s_key", pfx);
	put_hex(b, k, c->key, 16);
	snprintf(k, sizeof(k), "%s_sign_counter", pfx);
	put_hex(b, k, ctr, 4);
}

static bool get_csrk(struct parsed *p, const char *pfx, struct bh_bond_csrk *c)
{
	char k[40];
	uint8_t ctr[4];
	bool ok = true;
	snprintf(k, sizeof(k), "%s_valid", pfx);
	ok = ok && get_bool(p, k, &c->valid);
	snprintf(k, sizeof(k), "%s_key", pfx);
	ok = ok && get_hex(p, k, c->key, 16, NULL);
	snprintf(k, sizeof(k), "%s_sign_counter", pfx);
	ok = ok && get_hex(p, k, ctr, 4, NULL);
	c->sign_counter = bh_get32(ctr);
	return ok;
}

static bool encode_bond(const struct bh_bond *bd, struct buf *b)
{
	put_str(b, BOND_MAGIC "\n");
	put_u8(b, "addr_type", bd->identity.type);
	put_hex(b, "addr", bd->identity.val, 6);
	put_u8(b, "has_irk", bd->has_irk);
	put_hex(b, "irk", bd->irk, 16);
	put_ltk(b, "central", &bd->central_ltk);
	put_ltk(b, "peripheral", &bd->peripheral_ltk);
	put_u8(b, "authenticated", bd->authenticated);
	put_u8(b, "secure_connections", bd->secure_connections);
	put_csrk(b, "local_csrk", &bd->local_csrk);
	put_csrk(b, "peer_csrk", &bd->peer_csrk);
	put_hex(b, "cccd", bd->cccd, bd->cccd_len);
	put_hex(b, "gatt_cache", bd->gatt_cache, bd->gatt_cache_len);
	put_checksum(b);
	return !b->err;
}

static bh_status decode_bond(const uint8_t *data, size_t len, struct bh_bond *bd)
{
	struct parsed *p = malloc(sizeof(*p));
	if (!p)
		return BH_ENOMEM;
	memset(bd, 0, sizeof(*bd));
	bh_status st = parse_file(data, len, BOND_MAGIC, p);
	if (st == BH_OK) {
		bool ok = get_hex(p, "addr_type", &bd->identity.type, 1, NULL) &&
			  bd->identity.type <= BH_ADDR_RANDOM &&
			  get_hex(p, "addr", bd->identity.val, 6, NULL) &&
			  get_bool(p, "has_irk", &bd->has_irk) && get_hex(p, "irk", bd->irk, 16, NULL) &&
			  get_ltk(p, "central", &bd->central_ltk) &&
			  get_ltk(p, "peripheral", &bd->peripheral_ltk) &&
			  get_bool(p, "authenticated", &bd->authenticated) &&
			  get_bool(p, "secure_connections", &bd->secure_connections) &&
			  get_csrk(p, "local_csrk", &bd->local_csrk) &&
			  get_csrk(p, "peer_csrk", &bd->peer_csrk) &&
			  get_hex(p, "cccd", bd->cccd, BH_BOND_CCCD_MAX, &bd->cccd_len) &&
			  get_hex(p, "gatt_cache", bd->gatt_cache, BH_BOND_GATT_CACHE_MAX,
				  &bd->gatt_cache_len) &&
			  all_used(p);
		if (!ok)
			st = BH_ECORRUPT;
	}
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
	return st;
}

/* ---- files ---- */

static void bond_name(const bh_addr *a, char name[32])
{
	snprintf(name, 32, "%02x%02x%02x%02x%02x%02x-%s" BOND_SUFFIX, a->val[5], a->val[4],
		 a->val[3], a->val[2], a->val[1], a->val[0], (a->type & 1) ? "random" : "public");
}

static bool is_bond_name(const char *n)
{
	size_t l = strlen(n), sl = strlen(BOND_SUFFIX);
	return n[0] != '.' && l > sl && strcmp(n + l - sl, BOND_SUFFIX) == 0;
}

static void skipped(struct bh_bond_store *st, const char *name, bh_status why)
{
	if (st->skip)
		st->skip(st->skip_ctx, name, why);
}

/* Reads a whole regular file (at most FILE_MAX) into a malloc'd buffer. */
static bh_status read_file(struct bh_bond_store *st, const char *name, uint8_t **data,
			   size_t *len)
{
	int fd = openat(st->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? BH_ENOTFOUND : BH_EIO;
	struct stat sb;
	bh_status rc = BH_EIO;
	uint8_t *p = NULL;
	if (fstat(fd, &sb) != 0)
		goto out;
	if (!S_ISREG(sb.st_mode) || sb.st_size > FILE_MAX) {
		rc = BH_ECORRUPT;
		goto out;
	}
	p = malloc((size_t)sb.st_size + 1);
	if (!p) {
		rc = BH_ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, p + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)sb.st_size) {
		free(p);
		p = NULL;
		goto out;
	}
	*data = p;
	*len = got;
	rc = BH_OK;
out:
	close(fd);
	return rc;
}

static void free_data(uint8_t *p, size_t len)
{
	if (p)
		OPENSSL_cleanse(p, len);
	free(p);
}

static void hook(struct bh_bond_store *st, enum bh_bond_save_step step)
{
	if (st->hook)
		st->hook(st->hook_ctx, step);
}

/* The atomic replace: nothing but a complete, synced file is ever renamed
 * to `name`, and the rename is made durable by syncing the directory. */
static bh_status write_atomic(struct bh_bond_store *st, const char *name, const char *data,
			      size_t len)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), TMP_PREFIX "XXXXXX");
	char *path = malloc(strlen(st->dir) + sizeof(tmp) + 2);
	if (!path)
		return BH_ENOMEM;
	sprintf(path, "%s/%s", st->dir, tmp);
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		free(path);
		return BH_EIO;
	}
	const char *base = strrchr(path, '/') + 1;
	bh_status rc = BH_EIO;
	if (fchmod(fd, 0600) != 0)
		goto fail;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	hook(st, BH_BOND_STEP_WRITTEN);
	if (fsync(fd) != 0)
		goto fail;
	hook(st, BH_BOND_STEP_SYNCED);
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(st->dirfd, base, st->dirfd, name) != 0)
		goto fail;
	hook(st, BH_BOND_STEP_RENAMED);
	rc = fsync(st->dirfd) == 0 ? BH_OK : BH_EIO;
	if (rc == BH_OK)
		hook(st, BH_BOND_STEP_DONE);
	free(path);
	return rc;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(st->dirfd, base, 0);
	free(path);
	return rc;
}

/* A fresh directory stream: a dup()ed fd would share its offset with the
 * stream of an earlier listing and start at the end. */
static DIR *open_listing(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *dh = fdopendir(fd);
	if (!dh)
		close(fd);
	return dh;
}

/* ---- public API ---- */

/* mkdir -p with mode 0700 for every component we create. */
static bool mkdirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return false;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			free(p);
			return false;
		}
		*s = '/';
	}
	bool ok = mkdir(p, 0700) == 0 || errno == EEXIST;
	free(p);
	return ok;
}

static char *default_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME");
	char *d = NULL;
	if (x && x[0] == '/') { /* the XDG spec says relative paths are invalid */
		if (asprintf(&d, "%s/blehost", x) < 0)
			d = NULL;
		return d;
	}
	const char *h = getenv("HOME");
	if (!h || !h[0])
		return NULL;
	if (asprintf(&d, "%s/.local/state/blehost", h) < 0)
		d = NULL;
	return d;
}

bh_status bh_bond_store_open(const char *dir, struct bh_bond_store **out)
{
	if (!out)
		return BH_EINVAL;
	*out = NULL;
	char *d = dir ? strdup(dir) : default_dir();
	if (!d)
		return dir ? BH_ENOMEM : BH_EINVAL;
	if (!d[0]) {
		free(d);
		return BH_EINVAL;
	}
	if (!mkdirs(d)) {
		free(d);
		return BH_EIO;
	}
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		free(d);
		return BH_EIO;
	}
	struct bh_bond_store *st = calloc(1, sizeof(*st));
	if (!st) {
		close(fd);
		free(d);
		return BH_ENOMEM;
	}
	st->dir = d;
	st->dirfd = fd;
	/* A temp file is an interrupted save: the old file (if any) is still
	 * whole beside it, so the temp file is garbage. */
	DIR *dh = open_listing(fd);
	if (dh) {
		struct dirent *e;
		while ((e = readdir(dh)) != NULL)
			if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
				unlinkat(fd, e->d_name, 0);
		closedir(dh);
	}
	*out = st;
	return BH_OK;
}

void bh_bond_store_close(struct bh_bond_store *st)
{
	if (!st)
		return;
	close(st->dirfd);
	free(st->dir);
	free(st);
}

const char *bh_bond_store_dir(const struct bh_bond_store *st)
{
	return st ? st->dir : NULL;
}

void bh_bond_store_set_skip_cb(struct bh_bond_store *st, bh_bond_store_skip_cb cb, void *ctx)
{
	if (!st)
		return;
	st->skip = cb;
	st->skip_ctx = ctx;
}

void bh_bond_store_set_test_hook(struct bh_bond_store *st,
				 void (*fn)(void *ctx, enum bh_bond_save_step step), void *ctx)
{
	if (!st)
		return;
	st->hook = fn;
	st->hook_ctx = ctx;
}

/* Loads one bond file; a file whose content names another identity than
 * its file name was moved or edited: corrupt. */
static bh_status load_named(struct bh_bond_store *st, const char *name, struct bh_bond *bd)
{
	uint8_t *data = NULL;
	size_t len = 0;
	bh_status rc = read_file(st, name, &data, &len);
	if (rc == BH_OK)
		rc = decode_bond(data, len, bd);
	free_data(data, len);
	if (rc == BH_OK) {
		char want[32];
		bond_name(&bd->identity, want);
		if (strcmp(want, name) != 0)
			rc = BH_ECORRUPT;
	}
	return rc;
}

bh_status bh_bond_store_load_all(struct bh_bond_store *st,
				 int (*fn)(void *ctx, const struct bh_bond *b), void *ctx)
{
	if (!st || !fn)
		return BH_EINVAL;
	struct bh_bond *bd = malloc(sizeof(*bd));
	if (!bd)
		return BH_ENOMEM;
	DIR *dh = open_listing(st->dirfd);
	if (!dh) {
		free(bd);
		return BH_EIO;
	}
	bh_status rc = BH_OK;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (!is_bond_name(e->d_name))
			continue;
		bh_status r = load_named(st, e->d_name, bd);
		if (r == BH_ENOTFOUND)
			continue; /* deleted meanwhile */
		if (r == BH_ENOMEM) {
			rc = r;
			break;
		}
		if (r != BH_OK) {
			skipped(st, e->d_name, r);
			continue;
		}
		if (fn(ctx, bd) != 0)
			break;
	}
	closedir(dh);
	OPENSSL_cleanse(bd, sizeof(*bd));
	free(bd);
	return rc;
}

bh_status bh_bond_store_find(struct bh_bond_store *st, const bh_addr *identity,
			     struct bh_bond *out)
{
	if (!st || !identity || !out)
		return BH_EINVAL;
	char name[32];
	bond_name(identity, name);
	bh_status rc = load_named(st, name, out);
	if (rc != BH_OK && rc != BH_ENOTFOUND && rc != BH_ENOMEM)
		skipped(st, name, rc);
	return rc;
}

bh_status bh_bond_store_save(struct bh_bond_store *st, const struct bh_bond *b)
{
	if (!st || !b || b->identity.type > BH_ADDR_RANDOM || b->cccd_len > BH_BOND_CCCD_MAX ||
	    b->gatt_cache_len > BH_BOND_GATT_CACHE_MAX)
		return BH_EINVAL;
	struct buf out = { malloc(FILE_MAX), 0, FILE_MAX, false };
	if (!out.p)
		return BH_ENOMEM;
	bh_status rc = BH_EIO;
	if (encode_bond(b, &out)) {
		char name[32];
		bond_name(&b->identity, name);
		rc = write_atomic(st, name, out.p, out.len);
	}
	OPENSSL_cleanse(out.p, out.len);
	free(out.p);
	return rc;
}

bh_status bh_bond_store_delete(struct bh_bond_store *st, const bh_addr *identity)
{
	if (!st || !identity)
		return BH_EINVAL;
	char name[32];
	bond_name(identity, name);
	if (unlinkat(st->dirfd, name, 0) != 0)
		return errno == ENOENT ? BH_ENOTFOUND : BH_EIO;
	return fsync(st->dirfd) == 0 ? BH_OK : BH_EIO;
}

bh_status bh_bond_store_clear(struct bh_bond_store *st)
{
	if (!st)
		return BH_EINVAL;
	DIR *dh = open_listing(st->dirfd);
	if (!dh)
		return BH_EIO;
	bh_status rc = BH_OK;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL)
		if (is_bond_name(e->d_name) && unlinkat(st->dirfd, e->d_name, 0) != 0 &&
		    errno != ENOENT)
			rc = BH_EIO;
	closedir(dh);
	if (fsync(st->dirfd) != 0)
		rc = BH_EIO;
	return rc;
}

bh_status bh_bond_store_local_identity_get(struct bh_bond_store *st, struct bh_local_identity *out)
{
	if (!st || !out)
		return BH_EINVAL;
	uint8_t *data = NULL;
	size_t len = 0;
	bh_status rc = read_file(st, LOCAL_NAME, &data, &len);
	if (rc == BH_OK) {
		struct parsed *p = malloc(sizeof(*p));
		rc = p ? parse_file(data, len, LOCAL_MAGIC, p) : BH_ENOMEM;
		if (rc == BH_OK) {
			memset(out, 0, sizeof(*out));
			out->static_addr.type = BH_ADDR_RANDOM;
			if (!get_hex(p, "irk", out->irk, 16, NULL) ||
			    !get_hex(p, "static_addr", out->static_addr.val, 6, NULL) || !all_used(p) ||
			    !bh_static_addr_valid(&out->static_addr))
				rc = BH_ECORRUPT;
		}
		free(p);
	}
	free_data(data, len);
	if (rc != BH_OK && rc != BH_ENOTFOUND && rc != BH_ENOMEM)
		skipped(st, LOCAL_NAME, rc);
	return rc;
}

bh_status bh_bond_store_local_identity_put(struct bh_bond_store *st,
					   const struct bh_local_identity *id)
{
	if (!st || !id || !bh_static_addr_valid(&id->static_addr))
		return BH_EINVAL;
	char mem[512];
	struct buf b = { mem, 0, sizeof(mem), false };
	put_str(&b, LOCAL_MAGIC "\n");
	put_hex(&b, "irk", id->irk, 16);
	put_hex(&b, "static_addr", id->static_addr.val, 6);
	put_checksum(&b);
	bh_status rc = b.err ? BH_EIO : write_atomic(st, LOCAL_NAME, mem, b.len);
	OPENSSL_cleanse(mem, sizeof(mem));
	return rc;
}

bh_status bh_bond_store_local_identity_ensure(struct bh_bond_store *st, const struct bh_env *env,
					      struct bh_local_identity *out)
{
	if (!st || !env || !out)
		return BH_EINVAL;
	bh_status rc = bh_bond_store_local_identity_get(st, out);
	if (rc != BH_ENOTFOUND && rc != BH_ECORRUPT)
		return rc;
	bh_random(env, out->irk, 16);
	rc = bh_static_addr_generate(env, &out->static_addr);
	if (rc == BH_OK)
		rc = bh_bond_store_local_identity_put(st, out);
	return rc;
}
