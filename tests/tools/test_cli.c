/* The CLI's helpers: JSON output (escaping, nesting), hex and handle/UUID
 * arguments, number arguments, value printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "text_escape.h"

static char *capture(void (*fn)(FILE *f, void *arg), void *arg)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	fn(f, arg);
	fclose(f);
	return buf;
}

static void write_doc(FILE *f, void *arg)
{
	(void)arg;
	struct json j;
	const uint8_t raw[] = { 0xde, 0xad };
	json_begin(&j, f);
	json_str(&j, "name", "a \"quoted\"\\ name\n\x01");
	json_str(&j, "none", NULL);
	json_int(&j, "rssi", -61);
	json_bool(&j, "ok", true);
	json_hex(&j, "raw", raw, 2);
	json_obj(&j, "mfr");
	json_hex(&j, "76", raw, 1);
	json_close(&j, '}');
	json_arr(&j, "uuids");
	json_item_str(&j, "180D");
	json_item_int(&j, 7);
	json_close(&j, ']');
	json_end(&j);
}

static void test_json_escaping_and_nesting(void **state)
{
	(void)state;
	assert_string_equal(capture(write_doc, NULL),
			    "{\"name\":\"a \\\"quoted\\\"\\\\ name\\n\\u0001\",\"none\":null,"
			    "\"rssi\":-61,\"ok\":true,\"raw\":\"dead\",\"mfr\":{\"76\":\"de\"},"
			    "\"uuids\":[\"180D\",7]}\n");
}

static void test_parse_hex(void **state)
{
	(void)state;
	uint8_t b[4];
	assert_int_equal(cli_parse_hex("48656c6c", b, sizeof(b)), 4);
	assert_int_equal(b[0], 0x48);
	assert_int_equal(cli_parse_hex("0x01:02-03 04", b, sizeof(b)), 4);
	assert_int_equal(b[3], 4);
	assert_int_equal(cli_parse_hex("", b, sizeof(b)), 0);
	assert_int_equal(cli_parse_hex("123", b, sizeof(b)), -1);      /* odd digits */
	assert_int_equal(cli_parse_hex("zz", b, sizeof(b)), -1);       /* not hex */
	assert_int_equal(cli_parse_hex("0102030405", b, sizeof(b)), CLI_HEX_TOO_LONG);
	assert_int_equal(cli_parse_hex("0x0102030405zz", b, sizeof(b)), CLI_HEX_BAD);
	assert_int_equal(cli_hex_len("0x01:02-03 04 05"), 5);
}

static void test_parse_numbers(void **state)
{
	(void)state;
	double d = -1;
	assert_int_equal(cli_parse_seconds("0", 10, &d), 0);
	assert_true(d == 0);
	assert_int_equal(cli_parse_seconds(".5", 10, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(cli_parse_seconds("1e1", 10, &d), 0);
	assert_true(d == 10);
	d = 7;
	const char *bad_secs[] = { "", "abc", "5x", "-1", "+1", " 1", "1 ", "inf", "nan",
				   "0x10", "10.5", "1e400" };
	for (size_t i = 0; i < sizeof(bad_secs) / sizeof(bad_secs[0]); i++)
		assert_int_equal(cli_parse_seconds(bad_secs[i], 10, &d), -1);
	assert_true(d == 7); /* untouched */
	assert_int_equal(cli_parse_seconds(NULL, 10, &d), -1);

	unsigned long u = 0;
	assert_int_equal(cli_parse_ulong("010", 0, 255, &u), 0);
	assert_int_equal(u, 10); /* decimal, not octal */
	assert_int_equal(cli_parse_ulong("0xff", 0, 255, &u), 0);
	assert_int_equal(u, 255);
	const char *bad_u[] = { "", "0x", "-1", "+1", " 1", "256", "0x100", "1x",
				"99999999999999999999999" };
	for (size_t i = 0; i < sizeof(bad_u) / sizeof(bad_u[0]); i++)
		assert_int_equal(cli_parse_ulong(bad_u[i], 0, 255, &u), -1);
	assert_int_equal(cli_parse_ulong("4", 5, 9, &u), -1);
	assert_int_equal(u, 255);

	long l = 0;
	assert_int_equal(cli_parse_long("-127", -127, 20, &l), 0);
	assert_int_equal(l, -127);
	assert_int_equal(cli_parse_long("+20", -127, 20, &l), 0);
	assert_int_equal(l, 20);
	const char *bad_l[] = { "", "-", "-128", "21", "-200", "1.5", "0x10", " -1", "--1" };
	for (size_t i = 0; i < sizeof(bad_l) / sizeof(bad_l[0]); i++)
		assert_int_equal(cli_parse_long(bad_l[i], -127, 20, &l), -1);
	assert_int_equal(l, 20);

	uint32_t pk = 7;
	assert_int_equal(cli_parse_passkey("000000", &pk), 0);
	assert_int_equal(pk, 0);
	assert_int_equal(cli_parse_passkey(" 123456 \r\n", &pk), 0);
	assert_int_equal(pk, 123456);
	assert_int_equal(cli_parse_passkey("42\n", &pk), 0);
	assert_int_equal(pk, 42);
	const char *bad_pk[] = { "", "\n", "abc\n", "12x\n", "1234567", "12 34", "-1", "+1",
				 "1.0" };
	for (size_t i = 0; i < sizeof(bad_pk) / sizeof(bad_pk[0]); i++)
		assert_int_equal(cli_parse_passkey(bad_pk[i], &pk), -1);
	assert_int_equal(pk, 42);
}

static void test_parse_attr(void **state)
{
	(void)state;
	uint16_t h = 0;
	bh_uuid u;
	assert_int_equal(cli_parse_attr("0x002a", &h, &u), 0);
	assert_int_equal(h, 0x2a);
	assert_int_equal(cli_parse_attr("42", &h, &u), 0);
	assert_int_equal(h, 42);
	assert_int_equal(cli_parse_attr("2a37", &h, &u), 1); /* 4 hex digits: a UUID */
	assert_int_equal(bh_uuid_as16(&u), 0x2a37);
	assert_int_equal(cli_parse_attr("b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d01", &h, &u), 1);
	assert_int_equal(u.len, 16);
	assert_int_equal(cli_parse_attr("0", &h, &u), -1);      /* handle 0 is invalid */
	assert_int_equal(cli_parse_attr("70000", &h, &u), -1);  /* past 0xffff */
	assert_int_equal(cli_parse_attr("nonsense", &h, &u), -1);
}

struct val {
	const uint8_t *v;
	size_t n;
};

static void print_val(FILE *f, void *arg)
{
	struct val *v = arg;
	cli_print_value(f, v->v, v->n);
}

static void test_print_value(void **state)
{
	(void)state;
	struct val a = { (const uint8_t *)"Hello", 5 };
	assert_string_equal(capture(print_val, &a), "48656c6c6f \"Hello\"");
	struct val b = { (const uint8_t *)"hi\0", 3 }; /* trailing NUL still text */
	assert_string_equal(capture(print_val, &b), "686900 \"hi\"");
	struct val c = { (const uint8_t *)"\x00", 1 }; /* a lone NUL is not text */
	assert_string_equal(capture(print_val, &c), "00");
	struct val d = { (const uint8_t *)"\x01\x02", 2 };
	assert_string_equal(capture(print_val, &d), "0102");
	struct val e = { (const uint8_t *)"", 0 };
	assert_string_equal(capture(print_val, &e), "(empty)");
}

/* Peer strings: terminal and JSON forms of hostile and honest bytes. */
static const struct {
	const char *in;
	size_t n;
	const char *term; /* text_escape, quote off */
	const char *json; /* text_json_string */
} esc_cases[] = {
	{ "Heart Rate", 10, "Heart Rate", "\"Heart Rate\"" },
	{ "Caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", 14, "Caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
	  "\"Caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\"" },
	/* ESC: window title, screen clear */
	{ "\x1b]0;pwned\x07\x1b[2J", 14, "\\x1b]0;pwned\\x07\\x1b[2J",
	  "\"\\u001b]0;pwned\\u0007\\u001b[2J\"" },
	/* a forged second line, backspaces, carriage return, DEL */
	{ "a\nAA:BB\b\b\r\x7f", 11, "a\\x0aAA:BB\\x08\\x08\\x0d\\x7f",
	  "\"a\\nAA:BB\\u0008\\u0008\\r\\u007f\"" },
	/* C1 CSI (U+009B) as UTF-8, and as a raw byte (invalid UTF-8) */
	{ "\xc2\x9b" "2J|\x9b", 6, "\\xc2\\x9b2J|\\x9b", "\"\\u009b2J|\\ufffd\"" },
	/* right-to-left override, zero-width space, line separator */
	{ "x\xe2\x80\xaey\xe2\x80\x8b\xe2\x80\xa8", 11,
	  "x\\xe2\\x80\\xaey\\xe2\\x80\\x8b\\xe2\\x80\\xa8", "\"x\\u202ey\\u200b\\u2028\"" },
	/* overlong '/', a surrogate, past U+10FFFF, a cut-off sequence */
	{ "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82", 11,
	  "\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80\\xe2\\x82",
	  "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	/* backslash and quote; NUL inside */
	{ "\\x41\"\0z", 7, "\\\\x41\"\\x00z", "\"\\\\x41\\\"\\u0000z\"" },
};

static void json_bytes(FILE *f, void *arg)
{
	const size_t *i = arg;
	text_json_string(f, (const uint8_t *)esc_cases[*i].in, esc_cases[*i].n);
}

static void test_text_escape(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		char out[256];
		const uint8_t *in = (const uint8_t *)esc_cases[i].in;
		size_t n = text_escape(out, sizeof(out), in, esc_cases[i].n, false);
		assert_string_equal(out, esc_cases[i].term);
		assert_int_equal(n, strlen(esc_cases[i].term));
		assert_string_equal(capture(json_bytes, &i), esc_cases[i].json);
	}
	/* the output buffer is never overrun, and is cut between escapes */
	char small[6];
	assert_int_equal(text_escape(small, sizeof(small), (const uint8_t *)"ab\x1b", 3, false), 2);
	assert_string_equal(small, "ab");
	/* quoted previews escape the quote */
	char q[16];
	text_escape(q, sizeof(q), (const uint8_t *)"say \"hi\"", 8, true);
	assert_string_equal(q, "say \\\"hi\\\"");
	assert_true(text_utf8_valid((const uint8_t *)"Caf\xc3\xa9", 5));
	assert_false(text_utf8_valid((const uint8_t *)"Caf\xe9", 4));
	assert_true(text_is_clean((const uint8_t *)"a\tb", 3, true));
	assert_false(text_is_clean((const uint8_t *)"a\tb", 3, false));
}

/* A value preview never carries a control character to the terminal. */
static void test_print_value_hostile(void **state)
{
	(void)state;
	struct val a = { (const uint8_t *)"\x1b[2JX", 5 }; /* not text: hex only */
	assert_string_equal(capture(print_val, &a), "1b5b324a58");
	struct val b = { (const uint8_t *)"Caf\xc3\xa9", 5 }; /* UTF-8 text is shown */
	assert_string_equal(capture(print_val, &b), "436166c3a9 \"Caf\xc3\xa9\"");
	struct val c = { (const uint8_t *)"a\"b\nc", 5 }; /* quote and newline escaped */
	assert_string_equal(capture(print_val, &c), "6122620a63 \"a\\\"b\\x0ac\"");
	struct val d = { (const uint8_t *)"\xff\xfe", 2 }; /* invalid UTF-8: hex only */
	assert_string_equal(capture(print_val, &d), "fffe");
}

/* JSON output stays valid whatever the string (keys and values). */
static void write_hostile(FILE *f, void *arg)
{
	(void)arg;
	struct json j;
	json_begin(&j, f);
	json_str(&j, "n\xff", "\x1b]0;x\x07\xc3");
	json_text(&j, "b", (const uint8_t *)"\0\x80", 2);
	json_end(&j);
}

static void test_json_hostile(void **state)
{
	(void)state;
	assert_string_equal(capture(write_hostile, NULL),
			    "{\"n\\ufffd\":\"\\u001b]0;x\\u0007\\ufffd\",\"b\":\"\\u0000\\ufffd\"}\n");
}

static void test_io_capabilities(void **state)
{
	(void)state;
	uint8_t io;
	assert_int_equal(cli_parse_io("KeyboardDisplay", &io), 0);
	assert_int_equal(io, BH_IO_KEYBOARD_DISPLAY);
	assert_int_equal(cli_parse_io("noinputnooutput", &io), 0);
	assert_int_equal(io, BH_IO_NO_INPUT_NO_OUTPUT);
	assert_int_equal(cli_parse_io("Telepathy", &io), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escaping_and_nesting),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_attr),
		cmocka_unit_test(test_print_value),
		cmocka_unit_test(test_io_capabilities),
		cmocka_unit_test(test_text_escape),
		cmocka_unit_test(test_print_value_hostile),
		cmocka_unit_test(test_json_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
