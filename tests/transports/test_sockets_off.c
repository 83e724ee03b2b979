/* A -Dsockets=false build: "unix:PATH", "tcp:HOST:PORT" and "hciN" are
 * still understood and fail with BH_ENOTSUP and a message that names the
 * build option, before any socket is made; serial: still opens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <blehost/transport.h>

static void sockets_are_enotsup(void **state)
{
	(void)state;
	static const char *const specs[] = { "unix:/tmp/bh-no-such.sock", "tcp:127.0.0.1:1",
					     "hci0" };
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct bh_transport *t = (struct bh_transport *)state;
		char err[256] = "";
		assert_int_equal(bh_transport_open(specs[i], &t, err, sizeof(err)), BH_ENOTSUP);
		assert_null(t);
		assert_non_null(strstr(err, "-Dsockets=false"));
		assert_non_null(strstr(err, specs[i]));
	}
}

/* The serial transport is not a socket one: it still opens (on a pty). */
static void serial_still_opens(void **state)
{
	(void)state;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	char spec[128];
	snprintf(spec, sizeof(spec), "serial:%s", ptsname(m));
	struct bh_transport *t = NULL;
	char err[256] = "";
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	assert_non_null(t);
	bh_transport_close(t);
	close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sockets_are_enotsup),
		cmocka_unit_test(serial_still_opens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
