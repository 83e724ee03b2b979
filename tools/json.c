#include "json.h"

#include "text_escape.h"

#include <string.h>

static void sep(struct json *j)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
}

static void put_string(FILE *f, const char *s)
{
	/* Keys and values may come from peers: always valid, never raw
	 * control characters (text_escape.h). */
	text_json_string(f, (const uint8_t *)s, strlen(s));
}

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
	fputc('{', f);
}

void json_end(struct json *j)
{
	fputs("}\n", j->f);
	fflush(j->f);
}

void json_key(struct json *j, const char *k)
{
	sep(j);
	if (k) {
		put_string(j->f, k);
		fputc(':', j->f);
	}
}

void json_str(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	if (v)
		put_string(j->f, v);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, const char *k, long long v)
{
	json_key(j, k);
	fprintf(j->f, "%lld", v);
}

void json_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	fputs(v ? "true" : "false", j->f);
}

void json_text(struct json *j, const char *k, const uint8_t *s, size_t n)
{
	json_key(j, k);
	text_json_string(j->f, s, n);
}

void json_hex(struct json *j, const char *k, const uint8_t *p, size_t n)
{
	json_key(j, k);
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++)
		fprintf(j->f, "%02x", p[i]);
	fputc('"', j->f);
}

static void open_(struct json *j, const char *k, char c)
{
	json_key(j, k);
	fputc(c, j->f);
	if (j->depth < 15)
		j->depth++;
	j->need_comma[j->depth] = false;
}

void json_obj(struct json *j, const char *k) { open_(j, k, '{'); }
void json_arr(struct json *j, const char *k) { open_(j, k, '['); }

void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_item_str(struct json *j, const char *v) { json_str(j, NULL, v); }
void json_item_int(struct json *j, long long v) { json_int(j, NULL, v); }
