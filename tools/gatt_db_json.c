/* JSON description -> bh_gatt_svc_def tables; see gatt_db_json.h. The
 * checks here are the server's own (bh_gatts_add_services says only
 * BH_EINVAL) plus those a typo needs, each reported where it is. */
#include "gatt_db_json.h"

#include "json_parse.h"

#include <blehost/att.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gatt_db {
	struct bh_gatt_svc_def *svcs;
	size_t n_svcs;
	void **blocks; /* every allocation the definitions point into */
	size_t n_blocks, cap_blocks;
};

struct ctx {
	struct gatt_db *db;
	char *err;
	size_t errlen;
	bool failed;
};

#define PATH_MAX_LEN 160

static bool fail(struct ctx *x, const struct jv *at, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool fail(struct ctx *x, const struct jv *at, const char *path, const char *fmt, ...)
{
	if (x->failed)
		return false;
	x->failed = true;
	int n = snprintf(x->err, x->errlen, "line %u: %s: ", at->line, path);
	if (n >= 0 && (size_t)n < x->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

static void *db_alloc(struct ctx *x, size_t n)
{
	struct gatt_db *db = x->db;
	if (db->n_blocks == db->cap_blocks) {
		size_t nc = db->cap_blocks ? db->cap_blocks * 2 : 16;
		void **b = realloc(db->blocks, nc * sizeof(*b));
		if (!b)
			return NULL;
		db->blocks = b;
		db->cap_blocks = nc;
	}
	void *p = calloc(1, n ? n : 1);
	if (p)
		db->blocks[db->n_blocks++] = p;
	return p;
}

static void sub_path(char *out, const char *path, const char *key, long idx)
{
	int n;
	if (idx >= 0)
		n = snprintf(out, PATH_MAX_LEN, "%s%s%s[%ld]", path, *path ? "." : "", key, idx);
	else
		n = snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", key);
	if (n >= PATH_MAX_LEN) /* (paths nest a few levels; never in practice) */
		memcpy(out + PATH_MAX_LEN - 4, "...", 4);
}

/* Every member must be one of allowed (NULL-terminated): a misspelt
 * member would otherwise be silently ignored. */
static bool only_members(struct ctx *x, const struct jv *obj, const char *path,
			 const char *const *allowed)
{
	for (size_t i = 0; i < obj->len; i++) {
		bool ok = false;
		for (size_t k = 0; allowed[k] && !ok; k++)
			ok = !strcmp(obj->keys[i], allowed[k]);
		if (ok)
			continue;
		char list[256] = "";
		for (size_t k = 0; allowed[k]; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 k ? ", " : "", allowed[k]);
		return fail(x, &obj->items[i], path, "unknown member \"%s\" (known: %s)",
			    obj->keys[i], list);
	}
	return true;
}

static const struct jv *member(struct ctx *x, const struct jv *obj, const char *path,
			       const char *key, enum jv_type type, bool required)
{
	const struct jv *v = jv_get(obj, key);
	char p[PATH_MAX_LEN];
	sub_path(p, path, key, -1);
	if (!v) {
		if (required)
			fail(x, obj, path, "\"%s\" is missing", key);
		return NULL;
	}
	if (v->type != type) {
		fail(x, v, p, "must be %s, not %s", jv_type_name(type), jv_type_name(v->type));
		return NULL;
	}
	return v;
}

static bool get_uuid(struct ctx *x, const struct jv *obj, const char *path, bh_uuid *out)
{
	const struct jv *v = member(x, obj, path, "uuid", JV_STR, true);
	if (!v)
		return false;
	if (bh_uuid_parse(v->str, out)) {
		char p[PATH_MAX_LEN];
		sub_path(p, path, "uuid", -1);
		return fail(x, v, p, "\"%s\" is not a UUID (16-bit \"180d\", 32-bit \"0000180d\" "
				     "or 128-bit \"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\")", v->str);
	}
	*out = bh_uuid_shorten(out);
	return true;
}

/* An unsigned number: a JSON integer, or a string in C notation ("0x2700"). */
static bool get_uint(struct ctx *x, const struct jv *obj, const char *path, const char *key,
		     unsigned long max, unsigned long *out)
{
	const struct jv *v = jv_get(obj, key);
	if (!v)
		return true;
	char p[PATH_MAX_LEN];
	sub_path(p, path, key, -1);
	unsigned long n;
	if (v->type == JV_NUM) {
		if (!v->integral || v->num < 0 || v->num > (double)max)
			return fail(x, v, p, "must be a whole number from 0 to %lu", max);
		n = (unsigned long)v->num;
	} else if (v->type == JV_STR) {
		char *end;
		errno = 0;
		n = strtoul(v->str, &end, 0);
		if (!*v->str || *end || errno || v->str[0] == '-' || n > max)
			return fail(x, v, p, "\"%s\" is not a number from 0 to %lu", v->str, max);
	} else {
		return fail(x, v, p, "must be a number, not %s", jv_type_name(v->type));
	}
	*out = n;
	return true;
}

static bool get_bool(struct ctx *x, const struct jv *obj, const char *path, const char *key,
		     bool *out)
{
	const struct jv *v = member(x, obj, path, key, JV_BOOL, false);
	if (v)
		*out = v->b;
	return !x->failed;
}

static const struct {
	const char *name;
	uint16_t perm;
} perms[] = {
	{ "none", BH_GATT_PERM_NONE },
	{ "open", BH_GATT_PERM_OPEN },
	{ "encrypted", BH_GATT_PERM_ENC_NO_MITM },
	{ "authenticated", BH_GATT_PERM_ENC_MITM },
	{ "secure-connections", BH_GATT_PERM_LESC_MITM },
};

/* *present tells whether the member was there at all. */
static bool get_perm(struct ctx *x, const struct jv *obj, const char *path, const char *key,
		     uint16_t *out, bool *present)
{
	const struct jv *v = member(x, obj, path, key, JV_STR, false);
	*present = v != NULL;
	if (!v)
		return !x->failed;
	for (size_t i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
		if (!strcmp(v->str, perms[i].name)) {
			*out = perms[i].perm;
			return true;
		}
	}
	char p[PATH_MAX_LEN];
	sub_path(p, path, key, -1);
	return fail(x, v, p, "unknown permission \"%s\" (none, open, encrypted, authenticated, "
			     "secure-connections)", v->str);
}

struct value {
	const uint8_t *data;
	uint16_t len;
	uint16_t max_len;
	bool fixed;
};

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* "value" (text) or "value_hex", "max_length", "fixed_length", checked
 * against each other and the ATT limit (Vol 3, Part F, 3.2.9). */
static bool get_value(struct ctx *x, const struct jv *obj, const char *path, struct value *out)
{
	const struct jv *text = member(x, obj, path, "value", JV_STR, false);
	const struct jv *hex = member(x, obj, path, "value_hex", JV_STR, false);
	if (x->failed)
		return false;
	char p[PATH_MAX_LEN];
	memset(out, 0, sizeof(*out));
	out->data = (const uint8_t *)"";
	if (text && hex) {
		sub_path(p, path, "value_hex", -1);
		return fail(x, hex, p, "give \"value\" or \"value_hex\", not both");
	}
	const struct jv *at = text ? text : hex;
	size_t len = 0;
	if (text) {
		len = text->len;
		out->data = (const uint8_t *)text->str;
	} else if (hex) {
		sub_path(p, path, "value_hex", -1);
		uint8_t *buf = db_alloc(x, hex->len / 2);
		if (!buf)
			return fail(x, hex, p, "out of memory");
		const char *s = hex->str;
		if (!strncmp(s, "0x", 2))
			s += 2;
		for (; *s; s++) {
			if (*s == ' ' || *s == ':' || *s == '-')
				continue;
			int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
			if (lo < 0)
				return fail(x, hex, p, "not pairs of hex digits at \"%.8s\"", s);
			buf[len++] = (uint8_t)(hi << 4 | lo);
			s++;
		}
		out->data = buf;
	}
	sub_path(p, path, at ? (text ? "value" : "value_hex") : "value", -1);
	if (len > BH_ATT_MAX_VALUE)
		return fail(x, at, p, "%zu bytes: an attribute value is at most %d bytes", len,
			    BH_ATT_MAX_VALUE);
	out->len = (uint16_t)len;
	unsigned long max = 0;
	if (!get_uint(x, obj, path, "max_length", BH_ATT_MAX_VALUE, &max) ||
	    !get_bool(x, obj, path, "fixed_length", &out->fixed))
		return false;
	const struct jv *maxv = jv_get(obj, "max_length");
	if (maxv && max < len) {
		sub_path(p, path, "max_length", -1);
		return fail(x, maxv, p, "%lu is shorter than the value (%zu bytes)", max, len);
	}
	if (out->fixed && maxv && len && len != max) {
		sub_path(p, path, "fixed_length", -1);
		return fail(x, jv_get(obj, "fixed_length"), p,
			    "the value is %zu bytes but a fixed length of %lu", len, max);
	}
	out->max_len = (uint16_t)max;
	return true;
}

static const struct {
	const char *name;
	uint8_t prop;
	uint16_t ext;
} props[] = {
	{ "broadcast", BH_GATT_CHR_BROADCAST, 0 },
	{ "read", BH_GATT_CHR_READ, 0 },
	{ "write-without-response", BH_GATT_CHR_WRITE_NO_RSP, 0 },
	{ "write", BH_GATT_CHR_WRITE, 0 },
	{ "notify", BH_GATT_CHR_NOTIFY, 0 },
	{ "indicate", BH_GATT_CHR_INDICATE, 0 },
	{ "signed-write", BH_GATT_CHR_AUTH_SIGNED_WRITE, 0 },
	{ "reliable-write", 0, BH_GATT_CHR_EXT_RELIABLE_WRITE },
	{ "writable-auxiliaries", 0, BH_GATT_CHR_EXT_WRITABLE_AUX },
};

static bool get_props(struct ctx *x, const struct jv *obj, const char *path,
		      struct bh_gatt_chr_def *c)
{
	const struct jv *a = member(x, obj, path, "properties", JV_ARR, true);
	if (!a)
		return false;
	char p[PATH_MAX_LEN];
	if (!a->len) {
		sub_path(p, path, "properties", -1);
		return fail(x, a, p, "a characteristic needs at least one property");
	}
	for (size_t i = 0; i < a->len; i++) {
		const struct jv *v = &a->items[i];
		sub_path(p, path, "properties", (long)i);
		if (v->type != JV_STR)
			return fail(x, v, p, "must be a string, not %s", jv_type_name(v->type));
		size_t k = 0;
		while (k < sizeof(props) / sizeof(props[0]) && strcmp(props[k].name, v->str))
			k++;
		if (k == sizeof(props) / sizeof(props[0]))
			return fail(x, v, p, "unknown property \"%s\" (broadcast, read, write, "
					     "write-without-response, notify, indicate, signed-write, "
					     "reliable-write, writable-auxiliaries)", v->str);
		if ((c->props & props[k].prop) || (c->ext_props & props[k].ext))
			return fail(x, v, p, "\"%s\" is listed twice", v->str);
		c->props |= props[k].prop;
		c->ext_props |= props[k].ext;
	}
	return true;
}

/* A permission must agree with the properties: "none" for an advertised
 * operation, or access to one the properties do not list, is a mistake. */
static bool perm_matches(struct ctx *x, const struct jv *obj, const char *path, const char *key,
			 uint16_t perm, bool allowed_by_props, const char *prop_name)
{
	const struct jv *v = jv_get(obj, key);
	char p[PATH_MAX_LEN];
	sub_path(p, path, key, -1);
	if (perm == BH_GATT_PERM_NONE && allowed_by_props)
		return fail(x, v, p, "\"none\" contradicts the %s propert%s", prop_name,
			    strchr(prop_name, ',') ? "ies" : "y");
	if (perm != BH_GATT_PERM_NONE && !allowed_by_props)
		return fail(x, v, p, "\"%s\" access without the %s property", v->str, prop_name);
	return true;
}

/* Descriptors the server adds itself from the characteristic's members. */
static const char *reserved_dsc(int32_t u)
{
	switch (u) {
	case 0x2900: return "Characteristic Extended Properties: the server adds it for "
			    "reliable-write or writable-auxiliaries";
	case 0x2901: return "Characteristic User Description: use \"description\"";
	case 0x2902: return "Client Characteristic Configuration: the server adds it for "
			    "notify or indicate";
	case 0x2903: return "Server Characteristic Configuration: the server adds it for "
			    "broadcast";
	case 0x2904: return "Characteristic Presentation Format: use \"format\"";
	}
	return NULL;
}

static bool parse_dsc(struct ctx *x, const struct jv *o, const char *path,
		      struct bh_gatt_dsc_def *d)
{
	static const char *const known[] = { "uuid", "read", "write", "value", "value_hex",
					     "max_length", "fixed_length", NULL };
	if (o->type != JV_OBJ)
		return fail(x, o, path, "a descriptor must be an object, not %s",
			    jv_type_name(o->type));
	if (!only_members(x, o, path, known) || !get_uuid(x, o, path, &d->uuid))
		return false;
	const char *why = reserved_dsc(bh_uuid_as16(&d->uuid));
	if (why) {
		char p[PATH_MAX_LEN];
		sub_path(p, path, "uuid", -1);
		return fail(x, jv_get(o, "uuid"), p, "not definable here (%s)", why);
	}
	bool present;
	d->read_perm = BH_GATT_PERM_OPEN;
	d->write_perm = BH_GATT_PERM_NONE;
	struct value v;
	if (!get_perm(x, o, path, "read", &d->read_perm, &present) ||
	    !get_perm(x, o, path, "write", &d->write_perm, &present) || !get_value(x, o, path, &v))
		return false;
	d->initial = v.data;
	d->initial_len = v.len;
	d->max_len = v.max_len;
	d->fixed_len = v.fixed;
	return true;
}

static bool parse_format(struct ctx *x, const struct jv *o, const char *path,
			 struct bh_gatt_chr_def *c)
{
	static const char *const known[] = { "format", "exponent", "unit", "namespace",
					     "description", NULL };
	const struct jv *f = member(x, o, path, "format", JV_OBJ, false);
	if (!f)
		return !x->failed;
	char p[PATH_MAX_LEN];
	sub_path(p, path, "format", -1);
	struct bh_gatt_presentation *pf = db_alloc(x, sizeof(*pf));
	if (!pf)
		return fail(x, f, p, "out of memory");
	unsigned long fmt = 0, unit = 0, ns = 0, desc = 0;
	if (!only_members(x, f, p, known) || !get_uint(x, f, p, "format", 0xff, &fmt) ||
	    !get_uint(x, f, p, "unit", 0xffff, &unit) || !get_uint(x, f, p, "namespace", 0xff, &ns) ||
	    !get_uint(x, f, p, "description", 0xffff, &desc))
		return false;
	const struct jv *e = jv_get(f, "exponent");
	if (e && (e->type != JV_NUM || !e->integral || e->num < -128 || e->num > 127)) {
		char ep[PATH_MAX_LEN];
		sub_path(ep, p, "exponent", -1);
		return fail(x, e, ep, "must be a whole number from -128 to 127");
	}
	pf->format = (uint8_t)fmt;
	pf->exponent = e ? (int8_t)e->num : 0;
	pf->unit = (uint16_t)unit;
	pf->name_space = (uint8_t)ns;
	pf->description = (uint16_t)desc;
	c->format = pf;
	return true;
}

static bool parse_chr(struct ctx *x, const struct jv *o, const char *path,
		      struct bh_gatt_chr_def *c)
{
	static const char *const known[] = { "uuid", "properties", "read", "write", "value",
					     "value_hex", "max_length", "fixed_length",
					     "description", "format", "descriptors", NULL };
	if (o->type != JV_OBJ)
		return fail(x, o, path, "a characteristic must be an object, not %s",
			    jv_type_name(o->type));
	if (!only_members(x, o, path, known) || !get_uuid(x, o, path, &c->uuid) ||
	    !get_props(x, o, path, c))
		return false;
	bool has_read, has_write;
	if (!get_perm(x, o, path, "read", &c->read_perm, &has_read) ||
	    !get_perm(x, o, path, "write", &c->write_perm, &has_write))
		return false;
	bool readable = c->props & BH_GATT_CHR_READ;
	bool writable = (c->props & (BH_GATT_CHR_WRITE | BH_GATT_CHR_WRITE_NO_RSP |
				     BH_GATT_CHR_AUTH_SIGNED_WRITE)) ||
			(c->ext_props & BH_GATT_CHR_EXT_RELIABLE_WRITE);
	if (has_read && !perm_matches(x, o, path, "read", c->read_perm, readable, "read"))
		return false;
	if (has_write && !perm_matches(x, o, path, "write", c->write_perm, writable,
				       "write, write-without-response, signed-write or reliable-write"))
		return false;
	struct value v;
	if (!get_value(x, o, path, &v))
		return false;
	c->initial = v.data;
	c->initial_len = v.len;
	c->max_len = v.max_len;
	c->fixed_len = v.fixed;
	const struct jv *desc = member(x, o, path, "description", JV_STR, false);
	if (desc) {
		if (desc->len > BH_ATT_MAX_VALUE) {
			char p[PATH_MAX_LEN];
			sub_path(p, path, "description", -1);
			return fail(x, desc, p, "%zu bytes: at most %d", desc->len, BH_ATT_MAX_VALUE);
		}
		c->user_desc = desc->str;
	}
	if (x->failed || !parse_format(x, o, path, c))
		return false;
	const struct jv *dl = member(x, o, path, "descriptors", JV_ARR, false);
	if (!dl)
		return !x->failed;
	struct bh_gatt_dsc_def *d = db_alloc(x, dl->len * sizeof(*d));
	if (!d)
		return fail(x, dl, path, "out of memory");
	for (size_t i = 0; i < dl->len; i++) {
		char p[PATH_MAX_LEN];
		sub_path(p, path, "descriptors", (long)i);
		if (!parse_dsc(x, &dl->items[i], p, &d[i]))
			return false;
	}
	c->dscs = d;
	c->num_dscs = dl->len;
	return true;
}

static bool parse_svc(struct ctx *x, const struct jv *o, const char *path,
		      struct bh_gatt_svc_def *s)
{
	static const char *const known[] = { "uuid", "secondary", "characteristics", NULL };
	if (o->type != JV_OBJ)
		return fail(x, o, path, "a service must be an object, not %s", jv_type_name(o->type));
	if (!only_members(x, o, path, known) || !get_uuid(x, o, path, &s->uuid) ||
	    !get_bool(x, o, path, "secondary", &s->secondary))
		return false;
	int32_t u = bh_uuid_as16(&s->uuid);
	if (u == 0x1800 || u == 0x1801) {
		char p[PATH_MAX_LEN];
		sub_path(p, path, "uuid", -1);
		return fail(x, jv_get(o, "uuid"), p, "the server adds the %s service itself",
			    u == 0x1800 ? "GAP (1800)" : "GATT (1801)");
	}
	const struct jv *cl = member(x, o, path, "characteristics", JV_ARR, false);
	if (!cl)
		return !x->failed;
	struct bh_gatt_chr_def *c = db_alloc(x, cl->len * sizeof(*c));
	if (!c)
		return fail(x, cl, path, "out of memory");
	for (size_t i = 0; i < cl->len; i++) {
		char p[PATH_MAX_LEN];
		sub_path(p, path, "characteristics", (long)i);
		if (!parse_chr(x, &cl->items[i], p, &c[i]))
			return false;
	}
	s->chrs = c;
	s->num_chrs = cl->len;
	return true;
}

/* Strings the definitions point at live in the parsed tree: keep them by
 * moving each into the database's blocks before the tree is freed. */
static void adopt_strings(struct gatt_db *db, struct jv *v, bool *oom)
{
	if (v->type == JV_STR && v->str) {
		if (db->n_blocks == db->cap_blocks) {
			size_t nc = db->cap_blocks ? db->cap_blocks * 2 : 16;
			void **b = realloc(db->blocks, nc * sizeof(*b));
			if (!b) {
				*oom = true;
				return;
			}
			db->blocks = b;
			db->cap_blocks = nc;
		}
		db->blocks[db->n_blocks++] = v->str;
		v->str = NULL;
	}
	for (size_t i = 0; v->type >= JV_ARR && i < v->len; i++)
		adopt_strings(db, &v->items[i], oom);
}

struct gatt_db *gatt_db_parse(const char *text, size_t len, char *err, size_t errlen)
{
	char jerr[256];
	struct jv *root = jv_parse(text, len, jerr, sizeof(jerr));
	if (!root) {
		snprintf(err, errlen, "%s", jerr);
		return NULL;
	}
	struct gatt_db *db = calloc(1, sizeof(*db));
	struct ctx x = { .db = db, .err = err, .errlen = errlen };
	static const char *const known[] = { "services", NULL };
	const struct jv *sl = NULL;
	if (!db) {
		snprintf(err, errlen, "out of memory");
	} else if (root->type != JV_OBJ) {
		fail(&x, root, "(top)", "the description must be an object with \"services\", "
					"not %s", jv_type_name(root->type));
	} else if (only_members(&x, root, "(top)", known) &&
		   (sl = member(&x, root, "(top)", "services", JV_ARR, true)) && !sl->len) {
		fail(&x, sl, "services", "no service given");
	}
	if (db && !x.failed && sl) {
		db->svcs = db_alloc(&x, sl->len * sizeof(*db->svcs));
		if (!db->svcs)
			fail(&x, sl, "services", "out of memory");
		for (size_t i = 0; !x.failed && i < sl->len; i++) {
			char p[PATH_MAX_LEN];
			sub_path(p, "", "services", (long)i);
			parse_svc(&x, &sl->items[i], p, &db->svcs[i]);
		}
		db->n_svcs = sl->len;
	}
	bool oom = false;
	if (db && !x.failed)
		adopt_strings(db, root, &oom);
	if (oom)
		snprintf(err, errlen, "out of memory");
	jv_free(root);
	if (!db || x.failed || oom) {
		gatt_db_free(db);
		return NULL;
	}
	return db;
}

struct gatt_db *gatt_db_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(GATT_DB_MAX_FILE + 1);
	size_t n = buf ? fread(buf, 1, GATT_DB_MAX_FILE + 1, f) : 0;
	bool rerr = ferror(f);
	fclose(f);
	struct gatt_db *db = NULL;
	char e[384];
	if (!buf)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (rerr)
		snprintf(err, errlen, "%s: cannot read it", path);
	else if (n > GATT_DB_MAX_FILE)
		snprintf(err, errlen, "%s: larger than %d bytes", path, GATT_DB_MAX_FILE);
	else if (!(db = gatt_db_parse(buf, n, e, sizeof(e))))
		snprintf(err, errlen, "%s: %s", path, e);
	free(buf);
	return db;
}

void gatt_db_free(struct gatt_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_blocks; i++)
		free(db->blocks[i]);
	free(db->blocks);
	free(db);
}

const struct bh_gatt_svc_def *gatt_db_services(const struct gatt_db *db, size_t *n)
{
	*n = db->n_svcs;
	return db->svcs;
}

const struct bh_gatt_chr_def *gatt_db_find_chr(const struct gatt_db *db, const bh_uuid *svc,
					       const bh_uuid *chr)
{
	for (size_t i = 0; i < db->n_svcs; i++) {
		const struct bh_gatt_svc_def *s = &db->svcs[i];
		if (svc && !bh_uuid_eq(&s->uuid, svc))
			continue;
		for (size_t k = 0; k < s->num_chrs; k++)
			if (bh_uuid_eq(&s->chrs[k].uuid, chr))
				return &s->chrs[k];
	}
	return NULL;
}
