/* Bond store file format: encoding and strict decoding (see bond_codec.h).
 * Any deviation from what we write is corrupt: the checksum catches torn or
 * edited files, the field checks catch what a re-sealed edit would slip in. */
#include "bond_codec.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/bh_libcrypto.h>

#include <blehost/bh_bytes.h>
#include <blehost/privacy.h>

#define BOND_MAGIC "blehost-bond v1"
#define LOCAL_MAGIC "blehost-local-identity v1"
#define CSUM_KEY "checksum="
#define CSUM_HEX 64

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

static bool sha256(const void *p, size_t n, uint8_t out[32])
{
	const struct bh_libcrypto *lc = bh_libcrypto_sym();
	SHA256_CTX c;
	bool ok = lc && lc->SHA256_Init(&c) == 1 && lc->SHA256_Update(&c, p, n) == 1 &&
		  lc->SHA256_Final(out, &c) == 1;
	bh_cleanse(&c, sizeof(c));
	return ok;
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

/* n octets from the 2n hex digits at s; false at any other character. */
static bool unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < 2 * n; i++) {
		int v = hexval(s[i]);
		if (v < 0)
			return false;
		out[i / 2] = (uint8_t)((i % 2 ? out[i / 2] << 4 : 0) | v);
	}
	return true;
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
	if (!unhex((const char *)cl + strlen(CSUM_KEY), 32, want))
		return BH_ECORRUPT;
	size_t body = len - csum_line;
	if (!sha256(data, body, got))
		return BH_EIO;
	if (bh_ct_memcmp(want, got, 32) != 0)
		return BH_ECORRUPT;

	/* body >= mlen + 1 (the length check above): the magic line fits. */
	if (memcmp(data, magic, mlen) != 0 || data[mlen] != '\n')
		return BH_ECORRUPT;
	const uint8_t *end = data + body;
	out->n = 0;
	for (const uint8_t *line = data + mlen + 1; line < end;) {
		const uint8_t *nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			return BH_ECORRUPT;
		size_t ll = (size_t)(nl - line);
		const uint8_t *eq = memchr(line, '=', ll);
		if (!eq || eq == line || out->n == KV_MAX)
			return BH_ECORRUPT;
		struct kv *kv = &out->kv[out->n++];
		kv->key = (const char *)line;
		kv->key_len = (size_t)(eq - line);
		kv->val = (const char *)eq + 1;
		kv->val_len = ll - kv->key_len - 1;
		kv->used = false;
		line = nl + 1;
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
		if (kv->val_len % 2 || (varlen ? kv->val_len / 2 > n : kv->val_len / 2 != n) ||
		    !unhex(kv->val, kv->val_len / 2, out))
			return false;
		if (varlen)
			*varlen = kv->val_len / 2;
		kv->used = true;
		return true;
	}
	return false;
}

static bool all_used(const struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->kv[i].used)
			return false;
	return true;
}

/* ---- bond <-> text ---- */

/* A file is a list of fields, each one "key=hex" line in this order. The
 * tables are the file format: one place says what is written and read. */
enum field_kind {
	F_BYTES, /* n octets as they are */
	F_BOOL,  /* a bool, one octet 00 or 01 */
	F_LE,    /* a uint16_t (n 2) or uint32_t (n 4), little-endian */
	F_VAR,   /* up to n octets, the count in the size_t at len_off */
	F_LTK,   /* a struct bh_bond_ltk: ltk_fields, keys prefixed "key_" */
	F_CSRK,  /* a struct bh_bond_csrk: csrk_fields, likewise */
};

struct field {
	const char *key;
	uint16_t off, n, len_off;
	uint8_t kind;
};

#define FIELD(key, type, member, n, kind) { key, offsetof(type, member), n, 0, kind }

static const struct field ltk_fields[] = {
	FIELD("valid", struct bh_bond_ltk, valid, 1, F_BOOL),
	FIELD("ltk", struct bh_bond_ltk, ltk, 16, F_BYTES),
	FIELD("ediv", struct bh_bond_ltk, ediv, 2, F_LE),
	FIELD("rand", struct bh_bond_ltk, rand, 8, F_BYTES),
	FIELD("key_size", struct bh_bond_ltk, key_size, 1, F_BYTES),
	{ NULL, 0, 0, 0, 0 },
};

static const struct field csrk_fields[] = {
	FIELD("valid", struct bh_bond_csrk, valid, 1, F_BOOL),
	FIELD("key", struct bh_bond_csrk, key, 16, F_BYTES),
	FIELD("sign_counter", struct bh_bond_csrk, sign_counter, 4, F_LE),
	{ NULL, 0, 0, 0, 0 },
};

static const struct field bond_fields[] = {
	FIELD("addr_type", struct bh_bond, identity.type, 1, F_BYTES),
	FIELD("addr", struct bh_bond, identity.val, 6, F_BYTES),
	FIELD("has_irk", struct bh_bond, has_irk, 1, F_BOOL),
	FIELD("irk", struct bh_bond, irk, 16, F_BYTES),
	FIELD("central", struct bh_bond, central_ltk, 0, F_LTK),
	FIELD("peripheral", struct bh_bond, peripheral_ltk, 0, F_LTK),
	FIELD("authenticated", struct bh_bond, authenticated, 1, F_BOOL),
	FIELD("secure_connections", struct bh_bond, secure_connections, 1, F_BOOL),
	FIELD("local_csrk", struct bh_bond, local_csrk, 0, F_CSRK),
	FIELD("peer_csrk", struct bh_bond, peer_csrk, 0, F_CSRK),
	{ "cccd", offsetof(struct bh_bond, cccd), BH_BOND_CCCD_MAX,
	  offsetof(struct bh_bond, cccd_len), F_VAR },
	{ "gatt_cache", offsetof(struct bh_bond, gatt_cache), BH_BOND_GATT_CACHE_MAX,
	  offsetof(struct bh_bond, gatt_cache_len), F_VAR },
	{ NULL, 0, 0, 0, 0 },
};

static const struct field local_fields[] = {
	FIELD("irk", struct bh_local_identity, irk, 16, F_BYTES),
	FIELD("static_addr", struct bh_local_identity, static_addr.val, 6, F_BYTES),
	{ NULL, 0, 0, 0, 0 },
};

static const struct field *sub_fields(uint8_t kind)
{
	return kind == F_LTK ? ltk_fields : kind == F_CSRK ? csrk_fields : NULL;
}

/* The line's key: pfx "_" key, or key alone at the top level. */
static void field_key(char k[40], const char *pfx, const struct field *f)
{
	snprintf(k, 40, "%s%s%s", pfx, *pfx ? "_" : "", f->key);
}

static void put_fields(struct buf *b, const char *pfx, const struct field *f, const uint8_t *base)
{
	for (; f->key; f++) {
		const uint8_t *p = base + f->off;
		if (sub_fields(f->kind)) {
			put_fields(b, f->key, sub_fields(f->kind), p);
			continue;
		}
		char k[40];
		uint8_t v[4];
		size_t n = f->n;
		field_key(k, pfx, f);
		if (f->kind == F_BOOL) {
			v[0] = *(const bool *)p;
			p = v;
		} else if (f->kind == F_LE) {
			uint32_t x = 0;
			if (n == 2)
				x = *(const uint16_t *)p;
			else
				memcpy(&x, p, 4);
			bh_put32(v, x);
			p = v;
		} else if (f->kind == F_VAR) {
			memcpy(&n, base + f->len_off, sizeof(n));
		}
		put_hex(b, k, p, n);
	}
}

/* Every field, in table order; false at the first one missing or not as
 * we write it. */
static bool get_fields(struct parsed *ps, const char *pfx, const struct field *f, uint8_t *base)
{
	for (; f->key; f++) {
		uint8_t *p = base + f->off;
		if (sub_fields(f->kind)) {
			if (!get_fields(ps, f->key, sub_fields(f->kind), p))
				return false;
			continue;
		}
		char k[40];
		uint8_t v[4];
		field_key(k, pfx, f);
		if (f->kind == F_VAR) {
			size_t n;
			if (!get_hex(ps, k, p, f->n, &n))
				return false;
			memcpy(base + f->len_off, &n, sizeof(n));
		} else if (!get_hex(ps, k, f->kind == F_BYTES ? p : v, f->n, NULL)) {
			return false;
		} else if (f->kind == F_BOOL) {
			if (v[0] > 1)
				return false;
			*(bool *)p = v[0];
		} else if (f->kind == F_LE && f->n == 2) {
			*(uint16_t *)p = bh_get16(v);
		} else if (f->kind == F_LE) {
			uint32_t x = bh_get32(v);
			memcpy(p, &x, 4);
		}
	}
	return true;
}

static bool encode(const char *magic, const struct field *f, const void *in, char *out,
		   size_t cap, size_t *len)
{
	struct buf b = { out, 0, cap, false };
	put_str(&b, magic);
	put_str(&b, "\n");
	put_fields(&b, "", f, in);
	put_checksum(&b);
	*len = b.len;
	return !b.err;
}

/* Parses and fills out (zeroed first) from the fields; BH_ECORRUPT unless
 * every field is there as we write it and nothing else is. */
static bh_status decode(const uint8_t *data, size_t len, const char *magic,
			const struct field *f, void *out, size_t size)
{
	struct parsed *p = malloc(sizeof(*p));
	if (!p)
		return BH_ENOMEM;
	memset(out, 0, size);
	bh_status st = parse_file(data, len, magic, p);
	if (st == BH_OK && !(get_fields(p, "", f, out) && all_used(p)))
		st = BH_ECORRUPT;
	bh_cleanse(p, sizeof(*p));
	free(p);
	return st;
}

bool bh_bond_encode(const struct bh_bond *b, char *out, size_t cap, size_t *len)
{
	return encode(BOND_MAGIC, bond_fields, b, out, cap, len);
}

bh_status bh_bond_decode(const uint8_t *data, size_t len, struct bh_bond *b)
{
	bh_status st = decode(data, len, BOND_MAGIC, bond_fields, b, sizeof(*b));
	if (st == BH_OK && b->identity.type > BH_ADDR_RANDOM)
		st = BH_ECORRUPT;
	return st;
}

bool bh_local_identity_encode(const struct bh_local_identity *id, char *out, size_t cap,
			      size_t *len)
{
	return encode(LOCAL_MAGIC, local_fields, id, out, cap, len);
}

bh_status bh_local_identity_decode(const uint8_t *data, size_t len, struct bh_local_identity *out)
{
	bh_status st = decode(data, len, LOCAL_MAGIC, local_fields, out, sizeof(*out));
	if (st == BH_OK) {
		out->static_addr.type = BH_ADDR_RANDOM;
		if (!bh_static_addr_valid(&out->static_addr))
			st = BH_ECORRUPT;
	}
	return st;
}
