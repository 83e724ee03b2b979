/* A tiny streaming JSON writer for the tools' --json output: one object per
 * line, keys in the order written, strings escaped per RFC 8259. */
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
void json_obj(struct json *j, const char *k);   /* opens a nested object (k NULL in arrays) */
void json_arr(struct json *j, const char *k);   /* opens an array */
void json_close(struct json *j, char c);        /* closes with '}' or ']' */
void json_item_str(struct json *j, const char *v); /* array element */
void json_item_int(struct json *j, long long v);

#endif
