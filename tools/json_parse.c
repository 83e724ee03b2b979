/* Recursive-descent JSON reader; see json_parse.h. */
#include "json_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct rd {
	const char *p, *end;
	const char *line_start;
	unsigned line;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail_at(struct rd *r, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_at(struct rd *r, const char *at, const char *fmt, ...)
{
	if (r->failed)
		return;
	r->failed = true;
	int n = snprintf(r->err, r->errlen, "line %u, column %u: ", r->line,
			 (unsigned)(at - r->line_start) + 1);
	if (n < 0 || (size_t)n >= r->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct rd *r)
{
	while (r->p < r->end) {
		char ch = *r->p;
		if (ch == '\n') {
			r->line++;
			r->line_start = r->p + 1;
		} else if (ch != ' ' && ch != '\t' && ch != '\r') {
			return;
		}
		r->p++;
	}
}

static const char *what_is(const struct rd *r)
{
	return r->p >= r->end ? "the end of the file" : "this character";
}

static bool parse_value(struct rd *r, struct jv *v, int depth);

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v |= ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v |= ch - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	size_t n;
	uint32_t cp;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* At the opening quote. The decoded string is never longer than the
 * escaped one, so one allocation of the raw length suffices. */
static char *parse_string(struct rd *r, size_t *out_len)
{
	const char *start = r->p++;
	const char *q = r->p;
	while (q < r->end && *q != '"') {
		if (*q == '\\')
			q++;
		q++;
	}
	if (q >= r->end) {
		fail_at(r, start, "string not closed (missing '\"')");
		return NULL;
	}
	char *s = malloc((size_t)(q - r->p) + 1);
	if (!s) {
		fail_at(r, start, "out of memory");
		return NULL;
	}
	size_t n = 0;
	while (*r->p != '"') {
		unsigned char ch = (unsigned char)*r->p;
		if (ch < 0x20) {
			fail_at(r, r->p, "control character in a string (write it as \\u%04x)", ch);
			goto bad;
		}
		if (ch != '\\') {
			size_t k = utf8_seq((const unsigned char *)r->p, (const unsigned char *)r->end);
			if (!k) {
				fail_at(r, r->p, "invalid UTF-8 in a string");
				goto bad;
			}
			memcpy(s + n, r->p, k);
			n += k;
			r->p += k;
			continue;
		}
		const char *esc = r->p++;
		switch (*r->p) {
		case '"': s[n++] = '"'; break;
		case '\\': s[n++] = '\\'; break;
		case '/': s[n++] = '/'; break;
		case 'b': s[n++] = '\b'; break;
		case 'f': s[n++] = '\f'; break;
		case 'n': s[n++] = '\n'; break;
		case 'r': s[n++] = '\r'; break;
		case 't': s[n++] = '\t'; break;
		case 'u': {
			int cp = r->end - r->p > 4 ? hex4(r->p + 1) : -1;
			if (cp < 0) {
				fail_at(r, esc, "\\u wants four hex digits");
				goto bad;
			}
			r->p += 4;
			uint32_t u = (uint32_t)cp;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				int lo = r->end - r->p > 6 && r->p[1] == '\\' && r->p[2] == 'u'
						 ? hex4(r->p + 3) : -1;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail_at(r, esc, "unpaired UTF-16 surrogate \\u%04x", cp);
					goto bad;
				}
				u = 0x10000 + (((uint32_t)cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
				r->p += 6;
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail_at(r, esc, "unpaired UTF-16 surrogate \\u%04x", cp);
				goto bad;
			} else if (cp == 0) {
				fail_at(r, esc, "\\u0000 is not allowed in a string here");
				goto bad;
			}
			n += put_utf8(s + n, u);
			break;
		}
		default:
			fail_at(r, esc, "unknown escape '\\%c'", *r->p);
			goto bad;
		}
		r->p++;
	}
	r->p++; /* the closing quote */
	s[n] = 0;
	*out_len = n;
	return s;
bad:
	free(s);
	return NULL;
}

static bool parse_number(struct rd *r, struct jv *v)
{
	const char *s = r->p, *q = s;
	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end || *q < '0' || *q > '9') {
		fail_at(r, s, "not a number");
		return false;
	}
	if (*q == '0' && q + 1 < r->end && q[1] >= '0' && q[1] <= '9') {
		fail_at(r, s, "numbers have no leading zeros (hex values go in strings, \"0x2a37\")");
		return false;
	}
	while (q < r->end && *q >= '0' && *q <= '9')
		q++;
	v->integral = true;
	if (q < r->end && *q == '.') {
		v->integral = false;
		q++;
		if (q >= r->end || *q < '0' || *q > '9') {
			fail_at(r, s, "a digit must follow the decimal point");
			return false;
		}
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		v->integral = false;
		q++;
		if (q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || *q < '0' || *q > '9') {
			fail_at(r, s, "a digit must follow the exponent");
			return false;
		}
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	char buf[64];
	size_t n = (size_t)(q - s);
	if (n >= sizeof(buf)) {
		fail_at(r, s, "number too long");
		return false;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	v->type = JV_NUM;
	v->num = strtod(buf, NULL);
	r->p = q;
	return true;
}

static bool literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return false;
	r->p += n;
	return true;
}

static bool grow(struct jv *v, size_t *cap, bool keys)
{
	if (v->len < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 4;
	struct jv *items = realloc(v->items, nc * sizeof(*items));
	if (!items)
		return false;
	v->items = items;
	if (keys) {
		char **k = realloc(v->keys, nc * sizeof(*k));
		if (!k)
			return false;
		v->keys = k;
	}
	*cap = nc;
	return true;
}

/* After an element of an array or object: ',' (more follow: 1), the
 * closing character (0), or an error (-1). */
static int after_element(struct rd *r, const struct jv *v, char close)
{
	const char *what = close == ']' ? "array" : "object";
	skip_ws(r);
	if (r->p < r->end && *r->p == ',') {
		r->p++;
		skip_ws(r);
		if (r->p < r->end && *r->p == close) {
			fail_at(r, r->p, "trailing comma before '%c'", close);
			return -1;
		}
		return 1;
	}
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	fail_at(r, r->p, "expected ',' or '%c' in the %s opened at line %u, found %s", close, what,
		v->line, what_is(r));
	return -1;
}

static bool parse_array(struct rd *r, struct jv *v, int depth)
{
	size_t cap = 0;
	v->type = JV_ARR;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return true;
	}
	for (;;) {
		if (!grow(v, &cap, false)) {
			fail_at(r, r->p, "out of memory");
			return false;
		}
		memset(&v->items[v->len], 0, sizeof(v->items[0]));
		v->len++;
		if (!parse_value(r, &v->items[v->len - 1], depth + 1))
			return false;
		int more = after_element(r, v, ']');
		if (more <= 0)
			return more == 0;
	}
}

static bool parse_object(struct rd *r, struct jv *v, int depth)
{
	size_t cap = 0;
	v->type = JV_OBJ;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return true;
	}
	for (;;) {
		if (r->p >= r->end || *r->p != '"') {
			fail_at(r, r->p, "expected a member name in double quotes, found %s",
				what_is(r));
			return false;
		}
		const char *kat = r->p;
		size_t klen;
		char *key = parse_string(r, &klen);
		if (!key)
			return false;
		for (size_t i = 0; i < v->len; i++) {
			if (!strcmp(v->keys[i], key)) {
				fail_at(r, kat, "duplicate member \"%s\"", key);
				free(key);
				return false;
			}
		}
		if (!grow(v, &cap, true)) {
			free(key);
			fail_at(r, kat, "out of memory");
			return false;
		}
		v->keys[v->len] = key;
		memset(&v->items[v->len], 0, sizeof(v->items[0]));
		v->len++;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':') {
			fail_at(r, r->p, "expected ':' after \"%s\"", key);
			return false;
		}
		r->p++;
		if (!parse_value(r, &v->items[v->len - 1], depth + 1))
			return false;
		int more = after_element(r, v, '}');
		if (more <= 0)
			return more == 0;
	}
}

static bool parse_value(struct rd *r, struct jv *v, int depth)
{
	skip_ws(r);
	v->line = r->line;
	v->col = (unsigned)(r->p - r->line_start) + 1;
	if (depth > MAX_DEPTH) {
		fail_at(r, r->p, "nested deeper than %d", MAX_DEPTH);
		return false;
	}
	if (r->p >= r->end) {
		fail_at(r, r->p, "unexpected end of the file (a value is missing)");
		return false;
	}
	switch (*r->p) {
	case '{': return parse_object(r, v, depth);
	case '[': return parse_array(r, v, depth);
	case '"':
		v->str = parse_string(r, &v->len);
		v->type = JV_STR;
		return v->str != NULL;
	case 't':
	case 'f':
	case 'n':
		if (literal(r, "true") || literal(r, "false")) {
			v->type = JV_BOOL;
			v->b = r->p[-4] == 't';
			return true;
		}
		if (literal(r, "null")) {
			v->type = JV_NULL;
			return true;
		}
		break;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return parse_number(r, v);
	}
	if (*r->p == '\'')
		fail_at(r, r->p, "strings take double quotes, not single");
	else
		fail_at(r, r->p, "expected a value (object, array, string, number, true, false or null)");
	return false;
}

static void free_members(struct jv *v)
{
	for (size_t i = 0; v->type >= JV_ARR && i < v->len; i++) {
		free_members(&v->items[i]);
		if (v->type == JV_OBJ)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

struct jv *jv_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct rd r = { .p = text, .end = text + len, .line_start = text, .line = 1,
			.err = err, .errlen = errlen };
	if (errlen)
		err[0] = 0;
	/* A UTF-8 byte order mark some editors write. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		r.p = r.line_start = text + 3;
	struct jv *v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_value(&r, v, 0)) {
		skip_ws(&r);
		if (r.p == r.end)
			return v;
		fail_at(&r, r.p, "text after the end of the document");
	}
	jv_free(v);
	return NULL;
}

void jv_free(struct jv *v)
{
	if (!v)
		return;
	free_members(v);
	free(v);
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	if (!obj || obj->type != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->len; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

const char *jv_type_name(enum jv_type t)
{
	switch (t) {
	case JV_NULL: return "null";
	case JV_BOOL: return "a boolean";
	case JV_NUM: return "a number";
	case JV_STR: return "a string";
	case JV_ARR: return "an array";
	case JV_OBJ: return "an object";
	}
	return "?";
}
