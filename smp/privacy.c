/* Private and static random addresses, RPA resolution (Vol 6, Part B,
 * 1.3.2; Vol 3, Part H, 2.2.2 and 2.4.2.1). */
#include <blehost/privacy.h>

#include <stdlib.h>
#include <string.h>

#include <blehost/bh_libcrypto.h>

#include <blehost/smp_crypto.h>

/* Draws for an address whose random part keeps failing the spec's rules: a
 * working source fails with probability ~2^-45 a draw, so reaching this
 * means the source is broken. */
#define MAX_DRAWS 64

/* True if the random part of v (n octets, wire order; all bits but the two
 * type bits of the top octet) is all zeros or all ones, which the spec forbids. */
static bool random_part_degenerate(const uint8_t *v, size_t n)
{
	unsigned any = v[n - 1] & 0x3f, all = any | 0xc0;
	for (size_t i = 0; i + 1 < n; i++) {
		any |= v[i];
		all &= v[i];
	}
	return any == 0 || all == 0xff;
}

bh_status bh_rpa_make(const uint8_t irk[16], const uint8_t rnd[3], bh_addr *out)
{
	if (!irk || !rnd || !out)
		return BH_EINVAL;
	uint8_t prand[3] = { rnd[0], rnd[1], (uint8_t)((rnd[2] & 0x3f) | 0x40) };
	if (random_part_degenerate(prand, 3))
		return BH_EINVAL;
	uint8_t hash[3];
	bh_status st = bh_smp_ah(irk, prand, hash);
	if (st)
		return st;
	out->type = BH_ADDR_RANDOM;
	memcpy(out->val, hash, 3);
	memcpy(out->val + 3, prand, 3);
	return BH_OK;
}

bh_status bh_rpa_generate(const struct bh_env *env, const uint8_t irk[16], bh_addr *out)
{
	if (!env || !irk || !out)
		return BH_EINVAL;
	for (int i = 0; i < MAX_DRAWS; i++) {
		uint8_t rnd[3];
		bh_random(env, rnd, 3);
		bh_status st = bh_rpa_make(irk, rnd, out);
		if (st != BH_EINVAL)
			return st;
	}
	return BH_EIO;
}

static bool irk_is_zero(const uint8_t irk[16])
{
	uint8_t acc = 0;
	for (int i = 0; i < 16; i++)
		acc |= irk[i];
	return acc == 0;
}

bool bh_rpa_resolve(const uint8_t irk[16], const bh_addr *a)
{
	if (!irk || !a || !bh_addr_is_random(a) || bh_addr_random_kind(a) != BH_RANDOM_RPA ||
	    irk_is_zero(irk))
		return false;
	uint8_t hash[3];
	if (bh_smp_ah(irk, a->val + 3, hash) != BH_OK)
		return false;
	return bh_ct_memcmp(hash, a->val, 3) == 0;
}

bool bh_static_addr_valid(const bh_addr *a)
{
	return a && a->type == BH_ADDR_RANDOM && bh_addr_random_kind(a) == BH_RANDOM_STATIC &&
	       !random_part_degenerate(a->val, 6);
}

bh_status bh_static_addr_generate(const struct bh_env *env, bh_addr *out)
{
	if (!env || !out)
		return BH_EINVAL;
	for (int i = 0; i < MAX_DRAWS; i++) {
		bh_random(env, out->val, 6);
		out->val[5] |= 0xc0;
		out->type = BH_ADDR_RANDOM;
		if (!random_part_degenerate(out->val, 6))
			return BH_OK;
	}
	return BH_EIO;
}

bh_status bh_nrpa_generate(const struct bh_env *env, const bh_addr *public_addr, bh_addr *out)
{
	if (!env || !out)
		return BH_EINVAL;
	for (int i = 0; i < MAX_DRAWS; i++) {
		bh_random(env, out->val, 6);
		out->val[5] &= 0x3f;
		out->type = BH_ADDR_RANDOM;
		if (random_part_degenerate(out->val, 6))
			continue;
		if (public_addr && memcmp(public_addr->val, out->val, 6) == 0)
			continue;
		return BH_OK;
	}
	return BH_EIO;
}

/* ---- resolver table ---- */

struct resolver_entry {
	bh_addr identity;
	uint8_t irk[16];
};

/* Grows with use up to max: a host allows for many bonds, most of which
 * may never have an IRK. */
struct bh_resolver {
	size_t max, cap, n;
	struct resolver_entry *e;
};

struct bh_resolver *bh_resolver_new(size_t cap)
{
	if (cap == 0 || cap > 4096)
		return NULL;
	struct bh_resolver *r = calloc(1, sizeof(*r));
	if (r)
		r->max = cap;
	return r;
}

void bh_resolver_free(struct bh_resolver *r)
{
	if (!r)
		return;
	bh_cleanse(r->e, r->cap * sizeof(r->e[0]));
	free(r->e);
	free(r);
}

/* Identities compare by type class (public vs random) and value: an
 * identity resolved from an RPA (types 2/3) names the same device. */
static bool same_identity(const bh_addr *a, const bh_addr *b)
{
	return (a->type & 1) == (b->type & 1) && memcmp(a->val, b->val, 6) == 0;
}

static struct resolver_entry *lookup(const struct bh_resolver *r, const bh_addr *identity)
{
	for (size_t i = 0; i < r->n; i++)
		if (same_identity(&r->e[i].identity, identity))
			return (struct resolver_entry *)&r->e[i];
	return NULL;
}

bh_status bh_resolver_add(struct bh_resolver *r, const bh_addr *identity, const uint8_t irk[16])
{
	if (!r || !identity || !irk || irk_is_zero(irk) || identity->type > BH_ADDR_RANDOM_ID)
		return BH_EINVAL;
	if ((identity->type & 1) && bh_addr_random_kind(identity) != BH_RANDOM_STATIC)
		return BH_EINVAL;
	struct resolver_entry *e = lookup(r, identity);
	if (!e) {
		if (r->n == r->max)
			return BH_ENOSPACE;
		if (r->n == r->cap) {
			/* Not realloc: the old block holds IRKs to cleanse. */
			size_t cap = r->cap ? 2 * r->cap : 4;
			if (cap > r->max)
				cap = r->max;
			struct resolver_entry *ne = calloc(cap, sizeof(*ne));
			if (!ne)
				return BH_ENOMEM;
			if (r->n)
				memcpy(ne, r->e, r->n * sizeof(*ne));
			bh_cleanse(r->e, r->cap * sizeof(r->e[0]));
			free(r->e);
			r->e = ne;
			r->cap = cap;
		}
		e = &r->e[r->n++];
	}
	e->identity = *identity;
	e->identity.type &= 1; /* stored as the plain identity type */
	memcpy(e->irk, irk, 16);
	return BH_OK;
}

bh_status bh_resolver_remove(struct bh_resolver *r, const bh_addr *identity)
{
	if (!r || !identity)
		return BH_EINVAL;
	struct resolver_entry *e = lookup(r, identity);
	if (!e)
		return BH_ENOTFOUND;
	/* Keep the table dense: move the last entry into the hole. */
	*e = r->e[r->n - 1];
	bh_cleanse(&r->e[r->n - 1], sizeof(r->e[0]));
	r->n--;
	return BH_OK;
}

void bh_resolver_clear(struct bh_resolver *r)
{
	if (!r)
		return;
	bh_cleanse(r->e, r->cap * sizeof(r->e[0]));
	r->n = 0;
}

size_t bh_resolver_count(const struct bh_resolver *r)
{
	return r ? r->n : 0;
}

bh_status bh_resolver_find(const struct bh_resolver *r, const bh_addr *rpa, bh_addr *identity_out,
			   uint8_t irk_out[16])
{
	if (!r || !rpa)
		return BH_EINVAL;
	for (size_t i = 0; i < r->n; i++) {
		if (bh_rpa_resolve(r->e[i].irk, rpa)) {
			if (identity_out)
				*identity_out = r->e[i].identity;
			if (irk_out)
				memcpy(irk_out, r->e[i].irk, 16);
			return BH_OK;
		}
	}
	return BH_ENOTFOUND;
}
