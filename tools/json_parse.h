/* A strict JSON reader (RFC 8259) for the files the CLI is given (GATT
 * database descriptions). Every value remembers the line and column it
 * starts at, so a file that parses but means nothing sensible can be
 * reported where the user has to look. Not for untrusted network input:
 * it holds the whole document in memory (the caller caps the size). */
#ifndef BH_TOOLS_JSON_PARSE_H
#define BH_TOOLS_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	unsigned line, col;   /* where the value starts, from 1 */
	bool b;               /* JV_BOOL */
	double num;           /* JV_NUM */
	bool integral;        /* JV_NUM written without fraction or exponent */
	char *str;            /* JV_STR, NUL-terminated UTF-8 (no NUL inside) */
	size_t len;           /* JV_STR length; JV_ARR/JV_OBJ element count */
	struct jv *items;     /* JV_ARR elements, JV_OBJ member values */
	char **keys;          /* JV_OBJ member names (unique) */
};

/* Parses text (len bytes, need not be NUL-terminated). NULL on error, with
 * "line L, column C: what" in err. Nesting deeper than 64 is an error. */
struct jv *jv_parse(const char *text, size_t len, char *err, size_t errlen);
void jv_free(struct jv *v);
/* The member named key of an object, or NULL. */
const struct jv *jv_get(const struct jv *obj, const char *key);
/* "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *jv_type_name(enum jv_type t);

#endif
