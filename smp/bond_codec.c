/* Bond store file format: encoding and strict decoding (see bond_codec.h).
 * Any deviation from what we write is corrupt: the checksum catches torn or
 * edited files, the field checks catch what a re-sealed edit would slip in. */
#include "bond_codec.h"

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

static void put_u8(struct buf *b, const char *key, uint8_t v)
{
	put_hex(b, key, &v, 1);
}

static bool sha256(const void *p, size_t n, uint8_t out[32])
{
	const struct bh_libcrypto *lc = bh_libcrypto();
	unsigned int len = 0;
	return lc && lc->EVP_Digest(p, n, out, &len, lc->EVP_sha256(), NULL) == 1 && len == 32;
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
	if (bh_ct_memcmp(want, got, 32) != 0)
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
	bh_cleanse(p, sizeof(*p));
	free(p);
	return st;
}
bool bh_bond_encode(const struct bh_bond *b, char *out, size_t cap, size_t *len)
{
	struct buf bf = { out, 0, cap, false };
	bool ok = encode_bond(b, &bf);
	*len = bf.len;
	return ok;
}

bh_status bh_bond_decode(const uint8_t *data, size_t len, struct bh_bond *b)
{
	return decode_bond(data, len, b);
}

bool bh_local_identity_encode(const struct bh_local_identity *id, char *out, size_t cap,
			      size_t *len)
{
	struct buf b = { out, 0, cap, false };
	put_str(&b, LOCAL_MAGIC "\n");
	put_hex(&b, "irk", id->irk, 16);
	put_hex(&b, "static_addr", id->static_addr.val, 6);
	put_checksum(&b);
	*len = b.len;
	return !b.err;
}

bh_status bh_local_identity_decode(const uint8_t *data, size_t len, struct bh_local_identity *out)
{
	struct parsed *p = malloc(sizeof(*p));
	bh_status rc = p ? parse_file(data, len, LOCAL_MAGIC, p) : BH_ENOMEM;
	if (rc == BH_OK) {
		memset(out, 0, sizeof(*out));
		out->static_addr.type = BH_ADDR_RANDOM;
		if (!get_hex(p, "irk", out->irk, 16, NULL) ||
		    !get_hex(p, "static_addr", out->static_addr.val, 6, NULL) || !all_used(p) ||
		    !bh_static_addr_valid(&out->static_addr))
			rc = BH_ECORRUPT;
	}
	if (p)
		bh_cleanse(p, sizeof(*p));
	free(p);
	return rc;
}
