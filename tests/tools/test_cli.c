/* The CLI's helpers: JSON output (escaping, nesting), hex and handle/UUID
 * arguments, value printing. */
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
	assert_int_equal(cli_parse_hex("0102030405", b, sizeof(b)), -1); /* too long */
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
		cmocka_unit_test(test_parse_attr),
		cmocka_unit_test(test_print_value),
		cmocka_unit_test(test_io_capabilities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
