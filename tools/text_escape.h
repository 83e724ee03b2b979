/* Printing strings that come from peers (advertised names, attribute
 * values) without letting them drive the terminal or break JSON.
 *
 * A peer chooses every byte of its device name: escape sequences that
 * retitle the window or clear the screen, backspaces and newlines that
 * forge other output lines, bidirectional overrides that reorder it, and
 * bytes that are not UTF-8 at all. Every peer-supplied string the CLI
 * prints goes through these functions.
 *
 * Terminal form: valid, printable UTF-8 is kept as it is; each byte of a
 * C0 control (U+0000..U+001F), DEL, a C1 control (U+0080..U+009F), a
 * line/paragraph separator (U+2028/9), a bidirectional or zero-width
 * formatting character (U+200B..U+200F, U+202A..U+202E, U+2060..U+2069,
 * U+FEFF), and each byte of invalid UTF-8 (stray continuation bytes,
 * overlong forms, surrogates, past U+10FFFF, cut-off sequences) is written
 * as \xNN; a backslash is written as \\ so the output is unambiguous.
 *
 * JSON form (RFC 8259): the same characters are written as \u escapes, the
 * rest as UTF-8; each byte of invalid UTF-8 becomes U+FFFD (so the output
 * is always valid JSON) — callers that must keep the exact bytes add a hex
 * field beside (see json.h).
 */
#ifndef BH_TOOLS_TEXT_ESCAPE_H
#define BH_TOOLS_TEXT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Is s[0..n) valid UTF-8 (no overlongs, surrogates or cut sequences)? */
bool text_utf8_valid(const uint8_t *s, size_t n);
/* Valid UTF-8 without any character the terminal form escapes (tab, line
 * feed and carriage return allowed when ws)? */
bool text_is_clean(const uint8_t *s, size_t n, bool ws);

/* Terminal form into out (NUL-terminated, cut at a whole escape or
 * character to fit cap). quote: also escape '"' as \" (for a quoted
 * preview). Returns the length written. */
size_t text_escape(char *out, size_t cap, const uint8_t *s, size_t n, bool quote);
/* Terminal form straight to f. */
void text_fputs(FILE *f, const uint8_t *s, size_t n, bool quote);

/* JSON string (with its quotes) to f. */
void text_json_string(FILE *f, const uint8_t *s, size_t n);

#endif
