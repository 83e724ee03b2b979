/* A tiny streaming JSON writer for the tools' --json output: one object per
 * line, keys in the order written, strings escaped per RFC 8259. Output is
 * always valid JSON whatever the bytes given: control characters (and
 * DEL, C1 controls, bidirectional overrides) as \u escapes, invalid UTF-8
 * bytes each as U+FFFD (text_escape.h). Where a peer's string may not be
 * UTF-8, commands write its exact bytes as hex beside it ("name_hex"). */
#ifndef BH_TOOLS_JSON_H
#define BH_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool need_comma[16];
};

void json_begin(struct json *j, FILE *f);       /* starts an object */
void json_end(struct json *j);                  /* ends it and writes '\n' at depth 0 */
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *k, const char *v); /* v NULL → null */
void json_int(struct json *j, const char *k, long long v);
void json_bool(struct json *j, const char *k, bool v);
void json_hex(struct json *j, const char *k, const uint8_t *p, size_t n);
void json_text(struct json *j, const char *k, const uint8_t *s, size_t n); /* bytes as a string */
void json_obj(struct json *j, const char *k);   /* opens a nested object (k NULL in arrays) */
void json_arr(struct json *j, const char *k);   /* opens an array */
void json_close(struct json *j, char c);        /* closes with '}' or ']' */
void json_item_str(struct json *j, const char *v); /* array element */
void json_item_int(struct json *j, long long v);

#endif
