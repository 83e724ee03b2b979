/* See text_escape.h. UTF-8 rules: RFC 3629 section 4 (the well-formed byte
 * sequences table). */
#include "text_escape.h"

#include <string.h>

/* Decodes one character at s (n > 0 bytes left). Returns its length and
 * sets *cp, or 0 if the bytes there are not well-formed UTF-8. */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t b = s[0];
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	size_t len;
	uint32_t min, v;
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2, min = 0x80, v = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3, min = 0x800, v = b & 0x0f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4, min = 0x10000, v = b & 0x07;
	} else {
		return 0; /* continuation byte, 0xc0/0xc1 or 0xf5.. */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Characters that control the terminal or reorder what it shows. */
static bool needs_escape(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x200b && cp <= 0x200f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

bool text_utf8_valid(const uint8_t *s, size_t n)
{
	uint32_t cp;
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = utf8_next(s + i, n - i, &cp)))
			return false;
	return true;
}

bool text_is_clean(const uint8_t *s, size_t n, bool ws)
{
	uint32_t cp;
	for (size_t i = 0, k; i < n; i += k) {
		if (!(k = utf8_next(s + i, n - i, &cp)))
			return false;
		if (needs_escape(cp) && !(ws && (cp == '\t' || cp == '\n' || cp == '\r')))
			return false;
	}
	return true;
}

/* Where the terminal form goes: a bounded buffer or a stream. */
struct sink {
	char *out;
	size_t cap, len;
	FILE *f;
	bool full;
};

static void emit(struct sink *k, const char *p, size_t n)
{
	if (k->f) {
		fwrite(p, 1, n, k->f);
		return;
	}
	if (k->full || k->len + n + 1 > k->cap) {
		k->full = true; /* cut at a whole piece */
		return;
	}
	memcpy(k->out + k->len, p, n);
	k->len += n;
}

static void escape_to(struct sink *k, const uint8_t *s, size_t n, bool quote)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp;
	for (size_t i = 0, len; i < n; i += len) {
		len = utf8_next(s + i, n - i, &cp);
		if (len && !needs_escape(cp)) {
			if (cp == '\\')
				emit(k, "\\\\", 2);
			else if (cp == '"' && quote)
				emit(k, "\\\"", 2);
			else
				emit(k, (const char *)s + i, len);
			continue;
		}
		if (!len)
			len = 1; /* one invalid byte; resynchronise on the next */
		for (size_t j = 0; j < len; j++) {
			char e[4] = { '\\', 'x', hex[s[i + j] >> 4], hex[s[i + j] & 15] };
			emit(k, e, 4);
		}
	}
}

size_t text_escape(char *out, size_t cap, const uint8_t *s, size_t n, bool quote)
{
	if (!cap)
		return 0;
	struct sink k = { .out = out, .cap = cap };
	escape_to(&k, s, n, quote);
	out[k.len] = 0;
	return k.len;
}

void text_fputs(FILE *f, const uint8_t *s, size_t n, bool quote)
{
	struct sink k = { .f = f };
	escape_to(&k, s, n, quote);
}

void text_json_string(FILE *f, const uint8_t *s, size_t n)
{
	fputc('"', f);
	uint32_t cp;
	for (size_t i = 0, len; i < n; i += len) {
		len = utf8_next(s + i, n - i, &cp);
		if (!len) {
			fputs("\\ufffd", f); /* one invalid byte */
			len = 1;
		} else if (cp == '"') {
			fputs("\\\"", f);
		} else if (cp == '\\') {
			fputs("\\\\", f);
		} else if (cp == '\n') {
			fputs("\\n", f);
		} else if (cp == '\r') {
			fputs("\\r", f);
		} else if (cp == '\t') {
			fputs("\\t", f);
		} else if (needs_escape(cp)) {
			fprintf(f, "\\u%04x", (unsigned)cp);
		} else {
			fwrite(s + i, 1, len, f);
		}
	}
	fputc('"', f);
}
