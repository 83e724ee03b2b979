/* GATT server database: building services from definitions, handle
 * assignment, lookups, removal and the Database Hash (Vol 3, Part G, 3 and 7.3).
 *
 * The database is one array of attributes sorted by handle. It only changes
 * when the application adds or removes services (malloc is fine there: it is
 * configuration, not the data path).
 */
#include "gatts_internal.h"

#include <blehost/bh_crypto.h>

#include <stdlib.h>
#include <string.h>

const char *gatts_kind_str(enum gatts_kind k)
{
	switch (k) {
	case GATTS_K_DECL: return "decl";
	case GATTS_K_VALUE: return "value";
	case GATTS_K_CCCD: return "cccd";
	case GATTS_K_CSF: return "csf";
	case GATTS_K_DB_HASH: return "db-hash";
	case GATTS_K_SCCD: return "sccd";
	}
	return "?";
}

size_t gatts_lower_bound(const struct bh_gatts *s, uint16_t h)
{
	size_t lo = 0, hi = s->nattrs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->attrs[mid].handle < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct gatts_attr *gatts_find(const struct bh_gatts *s, uint16_t handle)
{
	/* Handles are unique and ascending, and a database without gaps keeps
	 * attribute k at the first handle + k: one probe then finds it (every
	 * notification looks its value up here). */
	if (s->nattrs) {
		size_t k = (size_t)handle - s->attrs[0].handle;
		if (handle >= s->attrs[0].handle && k < s->nattrs && s->attrs[k].handle == handle)
			return &s->attrs[k];
	}
	size_t i = gatts_lower_bound(s, handle);
	return i < s->nattrs && s->attrs[i].handle == handle ? &s->attrs[i] : NULL;
}

int32_t gatts_type16(const struct gatts_attr *a)
{
	return a->type.len == 2 ? (int32_t)bh_get16(a->type.val) : -1;
}

bool gatts_type_eq16(const struct gatts_attr *a, uint16_t t)
{
	return gatts_type16(a) == t;
}

/* ---- Database Hash (Vol 3, Part G, 7.3) ---------------------------------- */

/* Which attributes the hash covers, and whether with their value. */
static int hash_part(const struct gatts_attr *a)
{
	switch (gatts_type16(a)) {
	case GATTS_UUID_PRIMARY: case GATTS_UUID_SECONDARY: case GATTS_UUID_INCLUDE:
	case GATTS_UUID_CHR: case GATTS_UUID_EXT_PROPS:
		return 2; /* handle, type and value */
	case GATTS_UUID_USER_DESC: case GATTS_UUID_CCCD: case GATTS_UUID_SCCD:
	case GATTS_UUID_FORMAT: case GATTS_UUID_AGG_FORMAT:
		return 1; /* handle and type */
	default:
		return 0;
	}
}

size_t gatts_hash_bytes(const struct gatts_attr *a)
{
	int part = hash_part(a);
	return part ? 4u + (part == 2 ? a->len : 0u) : 0u;
}

bh_status gatts_reserve_hash(struct bh_gatts *s, size_t extra)
{
	size_t n = extra;
	for (size_t i = 0; i < s->nattrs; i++)
		n += gatts_hash_bytes(&s->attrs[i]);
	if (n <= s->hash_cap)
		return BH_OK;
	uint8_t *m = realloc(s->hash_msg, n);
	if (!m)
		return BH_ENOMEM;
	s->hash_msg = m;
	s->hash_cap = n;
	return BH_OK;
}

void gatts_invalidate_hash(struct bh_gatts *s)
{
	s->hash_stale = true;
}

/* Callers reserved the buffer before changing the database, so computing
 * the hash later should not need memory. A failure leaves the hash stale:
 * a hash that does not describe the database must never be served, since a
 * client would keep a cache the hash no longer covers. */
static bh_status recompute_hash(struct bh_gatts *s)
{
	bh_status st = gatts_reserve_hash(s, 0);
	if (st != BH_OK) {
		BH_LOGF(s->env, BH_LOG_ERROR, "gatt", "no memory for the database hash");
		return st;
	}
	/* The reservation counted these same octets: they fit. */
	size_t len = 0;
	for (size_t i = 0; i < s->nattrs; i++) {
		const struct gatts_attr *a = &s->attrs[i];
		size_t n = gatts_hash_bytes(a);
		if (!n)
			continue;
		uint8_t *m = s->hash_msg + len;
		bh_put16(m, a->handle);
		memcpy(m + 2, a->type.val, 2);
		if (n > 4)
			memcpy(m + 4, a->val, n - 4);
		len += n;
	}
	/* A hash known for exactly these octets is the hash (cfg.hash_lookup). */
	uint8_t known[16];
	if (s->cfg.hash_lookup && s->cfg.hash_lookup(s->cfg.hash_cache_ctx, s->hash_msg, len, known)) {
		memcpy(s->hash, known, 16);
		s->hash_stale = false;
		return BH_OK;
	}
	uint8_t key[16] = { 0 };
	st = bh_aes_cmac(key, s->hash_msg, len, s->hash);
	if (st != BH_OK) {
		const char *why = st == BH_ENOTSUP ? bh_crypto_error() : NULL;
		BH_LOGF(s->env, BH_LOG_ERROR, "gatt", "database hash: AES-CMAC failed: %s",
			why ? why : bh_strerror(st));
		return st;
	}
	s->hash_stale = false;
	if (s->cfg.hash_store)
		s->cfg.hash_store(s->cfg.hash_cache_ctx, s->hash_msg, len, s->hash);
	return BH_OK;
}

/* A cache: the object is never defined const (bh_gatts_new allocates it),
 * so filling it in from a const path is sound. */
const uint8_t *gatts_hash(const struct bh_gatts *s, bh_status *why)
{
	bh_status st = s->hash_stale ? recompute_hash((struct bh_gatts *)s) : BH_OK;
	if (why)
		*why = st;
	return st == BH_OK ? s->hash : NULL;
}

bh_status bh_gatts_db_hash(const struct bh_gatts *s, uint8_t out[16])
{
	bh_status st;
	const uint8_t *h = gatts_hash(s, &st);
	if (h)
		memcpy(out, h, 16);
	else
		memset(out, 0, 16);
	return st;
}

/* ---- building attributes ------------------------------------------------- */

/* A batch of new attributes, merged into the database only when complete. */
struct batch {
	struct gatts_attr *a;
	size_t n, cap;
	uint16_t h;         /* the next attribute's handle */
	uint16_t chr_value; /* the characteristic being built, 0 outside one */
	bool failed;
};

/* The next attribute, with room for a value of vmax octets; that is its
 * length too until the caller says otherwise. */
static struct gatts_attr *batch_add(struct batch *b, uint16_t type16, const bh_uuid *type,
				    uint8_t kind, size_t vmax)
{
	if (b->failed)
		return NULL;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct gatts_attr *na = realloc(b->a, cap * sizeof(*na));
		if (!na) {
			b->failed = true;
			return NULL;
		}
		b->a = na;
		b->cap = cap;
	}
	struct gatts_attr *a = &b->a[b->n];
	memset(a, 0, sizeof(*a));
	a->handle = b->h++;
	a->type = type ? *type : bh_uuid16(type16);
	a->kind = kind;
	/* Declarations and the stack's own descriptors are readable by anyone;
	 * values and custom descriptors set their own. */
	a->read_perm = BH_GATT_PERM_OPEN;
	a->chr_value = b->chr_value;
	a->max_len = (uint16_t)vmax;
	a->len = (uint16_t)vmax;
	if (a->max_len) {
		a->val = calloc(1, a->max_len);
		if (!a->val) {
			b->failed = true;
			return NULL;
		}
	}
	b->n++;
	return a;
}

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->a[i].val);
	free(b->a);
	memset(b, 0, sizeof(*b));
}

/* 16-bit UUIDs stay 16-bit; everything else goes out as 128 bits (ATT has no
 * 32-bit attribute types, Vol 3, Part F, 3.2.1). */
static bh_uuid norm_uuid(const bh_uuid *u)
{
	bh_uuid r = bh_uuid_shorten(u);
	if (r.len == 4) {
		uint8_t f[16];
		bh_uuid_to128(&r, f);
		bh_uuid_from_le(&r, f, 16);
	}
	return r;
}

static bool uuid_valid(const bh_uuid *u)
{
	return u->len == 2 || u->len == 4 || u->len == 16;
}

static uint16_t eff_read_perm(const struct bh_gatt_chr_def *c)
{
	if (c->read_perm)
		return c->read_perm;
	return (c->props & BH_GATT_CHR_READ) ? BH_GATT_PERM_OPEN : BH_GATT_PERM_NONE;
}

static uint16_t eff_write_perm(const struct bh_gatt_chr_def *c)
{
	if (c->write_perm)
		return c->write_perm;
	uint8_t w = BH_GATT_CHR_WRITE | BH_GATT_CHR_WRITE_NO_RSP | BH_GATT_CHR_AUTH_SIGNED_WRITE;
	bool any = (c->props & w) || (c->ext_props & BH_GATT_CHR_EXT_RELIABLE_WRITE);
	return any ? BH_GATT_PERM_OPEN : BH_GATT_PERM_NONE;
}

static bool value_def_ok(const void *initial, uint16_t initial_len, uint16_t max_len, bool fixed)
{
	uint16_t max = max_len ? max_len : initial_len;
	if (max > BH_ATT_MAX_VALUE || initial_len > max || (initial_len && !initial))
		return false;
	return !fixed || initial_len == 0 || initial_len == max;
}

/* A value held by the stack: a characteristic's or a custom descriptor's. */
static struct gatts_attr *add_value(struct batch *b, const bh_uuid *type,
				    const void *initial, uint16_t initial_len, uint16_t max_len,
				    bool fixed, const void *def)
{
	struct gatts_attr *a = batch_add(b, 0, type, GATTS_K_VALUE, max_len ? max_len : initial_len);
	if (!a)
		return NULL;
	if (initial_len)
		memcpy(a->val, initial, initial_len);
	a->fixed_len = fixed;
	a->len = fixed ? a->max_len : initial_len;
	a->def = def;
	return a;
}

/* Attributes one characteristic takes (Vol 3, Part G, 3.3). */
static size_t chr_count(const struct bh_gatt_chr_def *c)
{
	size_t n = 2 + c->num_dscs;
	n += (c->props & (BH_GATT_CHR_NOTIFY | BH_GATT_CHR_INDICATE)) ? 1 : 0;
	n += (c->props & BH_GATT_CHR_BROADCAST) ? 1 : 0;
	n += ((c->props & BH_GATT_CHR_EXT_PROPS) || c->ext_props) ? 1 : 0;
	n += c->user_desc ? 1 : 0;
	n += c->format ? 1 : 0;
	return n;
}

static bool is_builtin_uuid(const bh_uuid *u)
{
	int32_t v = bh_uuid_as16(u);
	return v == GATTS_UUID_GAP || v == GATTS_UUID_GATT;
}

static bh_status svc_validate(const struct bh_gatt_svc_def *d, bool builtin_ok, size_t *count)
{
	if (!uuid_valid(&d->uuid) || (!builtin_ok && is_builtin_uuid(&d->uuid)))
		return BH_EINVAL;
	if ((d->num_chrs && !d->chrs) || (d->num_includes && !d->includes) ||
	    (d->num_include_handles && !d->include_handles))
		return BH_EINVAL;
	size_t n = 1 + d->num_includes + d->num_include_handles;
	for (size_t i = 0; i < d->num_chrs; i++) {
		const struct bh_gatt_chr_def *c = &d->chrs[i];
		if (!uuid_valid(&c->uuid) || (c->num_dscs && !c->dscs))
			return BH_EINVAL;
		if (!value_def_ok(c->initial, c->initial_len, c->max_len, c->fixed_len))
			return BH_EINVAL;
		if (c->ext_props & ~(BH_GATT_CHR_EXT_RELIABLE_WRITE | BH_GATT_CHR_EXT_WRITABLE_AUX))
			return BH_EINVAL;
		if (!GATTS_SIGNED_WRITE && (c->props & BH_GATT_CHR_AUTH_SIGNED_WRITE))
			return BH_ENOTSUP; /* the only BH_ENOTSUP here: add_services logs it */
		if (c->user_desc && strlen(c->user_desc) > BH_ATT_MAX_VALUE)
			return BH_EINVAL;
		for (size_t j = 0; j < c->num_dscs; j++) {
			const struct bh_gatt_dsc_def *dd = &c->dscs[j];
			int32_t t = bh_uuid_as16(&dd->uuid);
			if (!uuid_valid(&dd->uuid) || t == GATTS_UUID_CCCD || t == GATTS_UUID_EXT_PROPS)
				return BH_EINVAL;
			if (!value_def_ok(dd->initial, dd->initial_len, dd->max_len, dd->fixed_len))
				return BH_EINVAL;
		}
		n += chr_count(c);
	}
	if (n > 0xffff)
		return BH_ENOSPACE;
	*count = n;
	return BH_OK;
}

struct range {
	uint16_t start, end;
};

/* The lowest start where need handles fit between the database and the
 * ranges already chosen in this batch. */
static uint16_t find_gap(const struct bh_gatts *s, size_t need, const struct range *r, size_t nr)
{
	uint32_t start = 1;
	for (;;) {
		uint32_t end = start + need - 1;
		if (end > 0xffff)
			return 0;
		bool moved = false;
		size_t i = gatts_lower_bound(s, (uint16_t)start);
		if (i < s->nattrs && s->attrs[i].handle <= end) {
			start = (uint32_t)s->attrs[i].handle + 1;
			moved = true;
		}
		for (size_t k = 0; k < nr && !moved; k++) {
			if (r[k].start <= end && r[k].end >= start) {
				start = (uint32_t)r[k].end + 1;
				moved = true;
			}
		}
		if (!moved)
			return (uint16_t)start;
	}
}

static struct gatts_attr *find_def(const struct bh_gatts *s, const void *def)
{
	if (!def)
		return NULL;
	for (size_t i = 0; i < s->nattrs; i++)
		if (s->attrs[i].def == def)
			return &s->attrs[i];
	return NULL;
}

static void build_chr(struct batch *b, const struct bh_gatt_chr_def *c)
{
	bh_uuid type = norm_uuid(&c->uuid);
	uint16_t val_h = (uint16_t)(b->h + 1);
	b->chr_value = val_h;
	struct gatts_attr *a = batch_add(b, GATTS_UUID_CHR, NULL, GATTS_K_DECL, 3u + type.len);
	if (!a)
		return;
	/* Characteristic declaration value (3.3.1): properties, value handle, UUID. */
	a->val[0] = c->props | (c->ext_props ? BH_GATT_CHR_EXT_PROPS : 0);
	bh_put16(a->val + 1, val_h);
	memcpy(a->val + 3, type.val, type.len);
	a->props = a->val[0];
	/* batch_add may move the batch: no attribute pointer outlives the
	 * next call. */
	uint8_t props = a->props;

	struct gatts_attr *v = add_value(b, &type, c->initial, c->initial_len, c->max_len,
					 c->fixed_len, c);
	if (!v)
		return;
	v->props = props;
	v->ext_props = c->ext_props;
	v->read_perm = eff_read_perm(c);
	v->write_perm = eff_write_perm(c);
	v->read = c->read;
	v->write = c->write;
	v->authorize = c->authorize;
	v->user = c->user;
	uint16_t rperm = v->read_perm, wperm = v->write_perm;

	if (c->props & (BH_GATT_CHR_NOTIFY | BH_GATT_CHR_INDICATE)) {
		struct gatts_attr *d = batch_add(b, GATTS_UUID_CCCD, NULL, GATTS_K_CCCD, 0);
		if (!d)
			return;
		d->props = props;
		/* Subscribing exposes the value: the CCCD needs the same link
		 * security as reading it, but no authorization callback. */
		d->write_perm = (uint16_t)(BH_GATT_PERM_OPEN | (rperm & ~BH_GATT_PERM_AUTHOR));
	}
	if (c->props & BH_GATT_CHR_BROADCAST) {
		/* Broadcast needs a Server Characteristic Configuration (3.3.3.4). */
		struct gatts_attr *d = batch_add(b, GATTS_UUID_SCCD, NULL, GATTS_K_SCCD, 2);
		if (!d)
			return;
		d->write_perm = (uint16_t)(BH_GATT_PERM_OPEN | (wperm & ~BH_GATT_PERM_AUTHOR));
	}
	if ((c->props & BH_GATT_CHR_EXT_PROPS) || c->ext_props) {
		struct gatts_attr *d = batch_add(b, GATTS_UUID_EXT_PROPS, NULL, GATTS_K_DECL, 2);
		if (!d)
			return;
		bh_put16(d->val, c->ext_props);
	}
	if (c->user_desc) {
		size_t n = strlen(c->user_desc);
		bool wr = c->ext_props & BH_GATT_CHR_EXT_WRITABLE_AUX;
		struct gatts_attr *d = batch_add(b, GATTS_UUID_USER_DESC, NULL, GATTS_K_VALUE,
						 wr ? BH_ATT_MAX_VALUE : n);
		if (!d)
			return;
		memcpy(d->val, c->user_desc, n);
		d->len = (uint16_t)n;
		d->write_perm = wr ? wperm : BH_GATT_PERM_NONE;
	}
	if (c->format) {
		struct gatts_attr *d = batch_add(b, GATTS_UUID_FORMAT, NULL, GATTS_K_DECL, 7);
		if (!d)
			return;
		/* 3.3.3.5: format, exponent, unit, name space, description. */
		d->val[0] = c->format->format;
		d->val[1] = (uint8_t)c->format->exponent;
		bh_put16(d->val + 2, c->format->unit);
		d->val[4] = c->format->name_space;
		bh_put16(d->val + 5, c->format->description);
	}
	for (size_t j = 0; j < c->num_dscs; j++) {
		const struct bh_gatt_dsc_def *dd = &c->dscs[j];
		bh_uuid dt = norm_uuid(&dd->uuid);
		struct gatts_attr *d = add_value(b, &dt, dd->initial, dd->initial_len,
						 dd->max_len, dd->fixed_len, dd);
		if (!d)
			return;
		d->read_perm = dd->read_perm;
		d->write_perm = dd->write_perm;
		d->read = dd->read;
		d->write = dd->write;
		d->authorize = c->authorize;
		d->user = dd->user;
	}
}

static bool svc_decl(const struct gatts_attr *a)
{
	int32_t t = a ? gatts_type16(a) : -1;
	return t == GATTS_UUID_PRIMARY || t == GATTS_UUID_SECONDARY;
}

/* An Include declaration (Vol 3, Part G, 3.2): the included service's
 * handle range, and its UUID only when 16-bit. ex: a service already in
 * the database; else start, end, uuid of one in this batch. */
static bool add_include(struct batch *b, const struct gatts_attr *ex, uint16_t start,
			uint16_t end, const bh_uuid *uuid)
{
	bh_uuid iu = { 0 };
	if (ex) {
		start = ex->handle;
		end = ex->end;
		bh_uuid_from_le(&iu, ex->val, ex->len);
	} else {
		iu = *uuid;
	}
	struct gatts_attr *ia = batch_add(b, GATTS_UUID_INCLUDE, NULL, GATTS_K_DECL,
					  iu.len == 2 ? 6 : 4);
	if (!ia)
		return false;
	bh_put16(ia->val, start);
	bh_put16(ia->val + 2, end);
	if (iu.len == 2)
		memcpy(ia->val + 4, iu.val, 2);
	return true;
}

static int attr_cmp(const void *x, const void *y)
{
	const struct gatts_attr *a = x, *b = y;
	return (int)a->handle - (int)b->handle;
}

/* Adds defs; builtin_ok lets the server add GAP and GATT itself. */
static bh_status add_services(struct bh_gatts *s, const struct bh_gatt_svc_def *defs, size_t n,
			      bool builtin_ok, struct range *out_ranges)
{
	if (!s || (n && !defs))
		return BH_EINVAL;
	if (n == 0)
		return BH_OK;
	struct range *r = calloc(n, sizeof(*r));
	if (!r)
		return BH_ENOMEM;
	bh_status st = BH_OK;
	for (size_t i = 0; i < n && st == BH_OK; i++) {
		size_t count;
		st = svc_validate(&defs[i], builtin_ok, &count);
		if (!GATTS_SIGNED_WRITE && st == BH_ENOTSUP) {
			char u[BH_UUID_STRLEN];
			BH_LOGF(s->env, BH_LOG_WARN, "gatt",
				"service %s: a characteristic has the authenticated-signed-writes "
				"property, but signed writes are not in this build "
				"(-Dsigned_write=false)", bh_uuid_str(&defs[i].uuid, u));
		}
		if (st == BH_OK && find_def(s, &defs[i]))
			st = BH_EEXIST;
		if (st == BH_OK) {
			r[i].start = find_gap(s, count, r, i);
			r[i].end = (uint16_t)(r[i].start + count - 1);
			if (!r[i].start)
				st = BH_ENOSPACE;
		}
	}
	struct batch b = { 0 };
	for (size_t i = 0; i < n && st == BH_OK; i++) {
		const struct bh_gatt_svc_def *d = &defs[i];
		bh_uuid type = norm_uuid(&d->uuid);
		b.h = r[i].start;
		b.chr_value = 0;
		struct gatts_attr *a = batch_add(&b, d->secondary ? GATTS_UUID_SECONDARY : GATTS_UUID_PRIMARY,
						 NULL, GATTS_K_DECL, type.len);
		if (!a)
			break;
		memcpy(a->val, type.val, type.len);
		a->end = r[i].end;
		a->def = d;
		for (size_t k = 0; k < d->num_includes; k++) {
			/* Include declaration (3.2): start, end, 16-bit UUID only. */
			const struct bh_gatt_svc_def *inc = d->includes[k];
			uint16_t is = 0, ie = 0;
			bh_uuid iu = { 0 };
			for (size_t j = 0; j < n; j++) {
				if (&defs[j] == inc) {
					is = r[j].start;
					ie = r[j].end;
					iu = norm_uuid(&defs[j].uuid);
				}
			}
			const struct gatts_attr *ex = is ? NULL : find_def(s, inc);
			if (!is && !svc_decl(ex))
				ex = NULL;
			if ((!is && !ex) || inc == d) {
				st = BH_EINVAL;
				break;
			}
			if (!add_include(&b, ex, is, ie, &iu))
				break;
		}
		for (size_t k = 0; k < d->num_include_handles && st == BH_OK; k++) {
			const struct gatts_attr *ex = gatts_find(s, d->include_handles[k]);
			if (!svc_decl(ex)) {
				st = BH_EINVAL;
				break;
			}
			if (!add_include(&b, ex, 0, 0, NULL))
				break;
		}
		for (size_t k = 0; k < d->num_chrs && st == BH_OK; k++)
			build_chr(&b, &d->chrs[k]);
	}
	if (st == BH_OK && b.failed)
		st = BH_ENOMEM;
	if (st == BH_OK) {
		size_t extra = 0;
		for (size_t i = 0; i < b.n; i++)
			extra += gatts_hash_bytes(&b.a[i]);
		st = gatts_reserve_hash(s, extra);
	}
	if (st == BH_OK && s->nattrs + b.n > s->cap) {
		size_t cap = s->nattrs + b.n + 16;
		struct gatts_attr *na = realloc(s->attrs, cap * sizeof(*na));
		if (!na)
			st = BH_ENOMEM;
		else {
			s->attrs = na;
			s->cap = cap;
		}
	}
	if (st != BH_OK) {
		batch_free(&b);
		free(r);
		return st;
	}
	memcpy(s->attrs + s->nattrs, b.a, b.n * sizeof(*b.a));
	s->nattrs += b.n;
	free(b.a);
	qsort(s->attrs, s->nattrs, sizeof(*s->attrs), attr_cmp);
	if (out_ranges)
		memcpy(out_ranges, r, n * sizeof(*r));
	for (size_t i = 0; i < n; i++)
		gatts_db_changed(s, r[i].start, r[i].end);
	free(r);
	gatts_invalidate_hash(s);
	gatts_index_cccds(s);
	return BH_OK;
}

bh_status bh_gatts_add_services(struct bh_gatts *s, const struct bh_gatt_svc_def *defs, size_t n)
{
	if (s && s->in_request)
		return BH_ESTATE;
	return add_services(s, defs, n, false, NULL);
}

bh_status bh_gatts_remove_service(struct bh_gatts *s, uint16_t svc_handle)
{
	if (!s)
		return BH_EINVAL;
	if (s->in_request)
		return BH_ESTATE;
	struct gatts_attr *a = gatts_find(s, svc_handle);
	if (!svc_decl(a))
		return BH_ENOTFOUND;
	if (svc_handle <= s->gatt_end)
		return BH_EPERM;
	uint16_t end = a->end;
	size_t i = (size_t)(a - s->attrs);
	size_t j = gatts_lower_bound(s, end);
	if (j < s->nattrs && s->attrs[j].handle == end)
		j++;
	for (size_t k = i; k < j; k++)
		free(s->attrs[k].val);
	memmove(s->attrs + i, s->attrs + j, (s->nattrs - j) * sizeof(*s->attrs));
	s->nattrs -= j - i;
	/* CCCD entries in the removed range belong to nothing now. */
	for (unsigned c = 0; c < s->cfg.max_connections; c++) {
		struct gatts_conn *cn = &s->conns[c];
		unsigned o = 0;
		for (unsigned k = 0; k < cn->ncccd; k++)
			if (cn->cccd[k].handle < svc_handle || cn->cccd[k].handle > end)
				cn->cccd[o++] = cn->cccd[k];
		cn->ncccd = o;
	}
	gatts_invalidate_hash(s);
	gatts_index_cccds(s);
	gatts_db_changed(s, svc_handle, end);
	return BH_OK;
}

uint16_t bh_gatts_service_handle(const struct bh_gatts *s, const struct bh_gatt_svc_def *def)
{
	const struct gatts_attr *a = s ? find_def(s, def) : NULL;
	return a ? a->handle : 0;
}

uint16_t bh_gatts_value_handle(const struct bh_gatts *s, const struct bh_gatt_chr_def *def)
{
	return bh_gatts_service_handle(s, (const void *)def);
}

uint16_t bh_gatts_dsc_handle(const struct bh_gatts *s, const struct bh_gatt_dsc_def *def)
{
	return bh_gatts_service_handle(s, (const void *)def);
}

uint16_t bh_gatts_cccd_handle(const struct bh_gatts *s, uint16_t value_handle)
{
	if (!s)
		return 0;
	const struct gatts_attr *a = gatts_find(s, value_handle);
	return a && a->kind == GATTS_K_VALUE ? a->cccd : 0;
}

void gatts_index_cccds(struct bh_gatts *s)
{
	for (size_t i = 0; i < s->nattrs; i++)
		s->attrs[i].cccd = 0;
	/* A CCCD sits inside its characteristic, after the value. */
	for (size_t i = 0; i < s->nattrs; i++) {
		const struct gatts_attr *d = &s->attrs[i];
		if (d->kind != GATTS_K_CCCD)
			continue;
		struct gatts_attr *v = gatts_find(s, d->chr_value);
		if (v && v->kind == GATTS_K_VALUE && !v->cccd)
			v->cccd = d->handle;
	}
}

uint16_t bh_gatts_service_changed_handle(const struct bh_gatts *s)
{
	return s ? s->sc_handle : 0;
}

void bh_gatts_forget_defs(struct bh_gatts *s, const struct bh_gatt_svc_def *def)
{
	const struct gatts_attr *decl = s ? find_def(s, def) : NULL;
	if (!decl)
		return;
	uint16_t start = decl->handle, end = decl->end;
	for (size_t i = 0; i < s->nattrs; i++)
		if (s->attrs[i].handle >= start && s->attrs[i].handle <= end)
			s->attrs[i].def = NULL;
}

bh_status bh_gatts_set_value(struct bh_gatts *s, uint16_t handle, const void *value, size_t len)
{
	struct gatts_attr *a = s ? gatts_find(s, handle) : NULL;
	if (!a)
		return BH_ENOTFOUND;
	if (a->kind != GATTS_K_VALUE || len > a->max_len || (a->fixed_len && len != a->max_len) ||
	    (len && !value))
		return BH_EINVAL;
	if (len)
		memcpy(a->val, value, len);
	a->len = (uint16_t)len;
	return BH_OK;
}

bh_status bh_gatts_get_value(const struct bh_gatts *s, uint16_t handle, void *buf, size_t cap,
			     size_t *len)
{
	const struct gatts_attr *a = s ? gatts_find(s, handle) : NULL;
	if (!a)
		return BH_ENOTFOUND;
	if (a->kind != GATTS_K_VALUE && a->kind != GATTS_K_DECL && a->kind != GATTS_K_SCCD)
		return BH_EINVAL;
	size_t n = a->len < cap ? a->len : cap;
	if (n)
		memcpy(buf, a->val, n);
	if (len)
		*len = n;
	return BH_OK;
}

/* ---- the GAP and GATT services (Vol 3, Part C, 12 and Part G, 7) ---------- */

/* Their characteristics, GAP's then GATT's: UUID, properties, and the
 * length of a stack-held fixed-length value (0: none, or variable). */
static const struct {
	uint16_t uuid;
	uint8_t props;
	uint8_t len;
} builtin_chrs[7] = {
	{ GATTS_UUID_DEVICE_NAME, BH_GATT_CHR_READ, 0 },
	{ GATTS_UUID_APPEARANCE, BH_GATT_CHR_READ, 2 },
	{ GATTS_UUID_PPCP, BH_GATT_CHR_READ, 8 },
	{ GATTS_UUID_SVC_CHANGED, BH_GATT_CHR_INDICATE, 4 },
	{ GATTS_UUID_CSF, BH_GATT_CHR_READ | BH_GATT_CHR_WRITE, 0 },
	{ GATTS_UUID_DB_HASH, BH_GATT_CHR_READ, 0 },
	{ 0x2b3a, BH_GATT_CHR_READ, 1 }, /* Server Supported Features */
};

bh_status gatts_add_builtin(struct bh_gatts *s)
{
	const struct bh_gatts_config *c = &s->cfg;
	const char *name = c->device_name ? c->device_name : "blehost";
	size_t nlen = strlen(name);
	if (nlen > 248)
		return BH_EINVAL;
	/* The fixed values in table order: appearance, PPCP, Service Changed
	 * (zero), Server Supported Features. */
	uint8_t v[15] = { 0 };
	bh_put16(v, c->appearance);
	bh_put16(v + 2, c->ppcp_min_interval);
	bh_put16(v + 4, c->ppcp_max_interval);
	bh_put16(v + 6, c->ppcp_latency);
	bh_put16(v + 8, c->ppcp_timeout);
	v[14] = c->server_features;
	struct bh_gatt_chr_def chrs[7];
	memset(chrs, 0, sizeof(chrs));
	const uint8_t *val = v;
	for (size_t i = 0; i < 7; i++) {
		chrs[i].uuid = bh_uuid16(builtin_chrs[i].uuid);
		chrs[i].props = builtin_chrs[i].props;
		chrs[i].initial_len = builtin_chrs[i].len;
		chrs[i].fixed_len = builtin_chrs[i].len != 0;
		chrs[i].initial = builtin_chrs[i].len ? val : NULL;
		val += builtin_chrs[i].len;
	}
	if (c->device_name_writable)
		chrs[0].props |= BH_GATT_CHR_WRITE;
	chrs[0].initial = name;
	chrs[0].initial_len = (uint16_t)nlen;
	chrs[0].max_len = 248;
	struct bh_gatt_svc_def svcs[2] = {
		{ .uuid = bh_uuid16(GATTS_UUID_GAP), .chrs = chrs, .num_chrs = c->ppcp_present ? 3 : 2 },
		{ .uuid = bh_uuid16(GATTS_UUID_GATT), .chrs = chrs + 3,
		  .num_chrs = c->server_features ? 4 : 3 },
	};
	struct range r[2];
	bh_status st = add_services(s, svcs, 2, true, r);
	if (st != BH_OK)
		return st;
	s->gap_end = r[0].end;
	s->gatt_start = r[1].start;
	s->gatt_end = r[1].end;
	/* The definitions were on this stack frame: forget their addresses. */
	for (size_t i = 0; i < s->nattrs; i++) {
		struct gatts_attr *a = &s->attrs[i];
		a->def = NULL;
		switch (gatts_type16(a)) {
		case GATTS_UUID_SVC_CHANGED:
			s->sc_handle = a->handle;
			/* Service Changed is indicate-only: not readable (7.1). */
			a->read_perm = BH_GATT_PERM_NONE;
			break;
		case GATTS_UUID_CSF:
			a->kind = GATTS_K_CSF;
			break;
		case GATTS_UUID_DB_HASH:
			a->kind = GATTS_K_DB_HASH;
			s->hash_handle = a->handle;
			break;
		}
	}
	return BH_OK;
}

void gatts_db_free(struct bh_gatts *s)
{
	for (size_t i = 0; i < s->nattrs; i++)
		free(s->attrs[i].val);
	free(s->attrs);
	free(s->hash_msg);
	s->attrs = NULL;
	s->hash_msg = NULL;
	s->nattrs = s->cap = s->hash_cap = 0;
}
