/* A -Dh5=false build: "h5:DEV" is still understood and fails with
 * BH_ENOTSUP and a message that names the build option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/transport.h>

static void h5_is_enotsup(void **state)
{
	(void)state;
	struct bh_transport *t = (struct bh_transport *)state;
	char err[256] = "";
	assert_int_equal(bh_transport_open("h5:/dev/null,115200", &t, err, sizeof(err)), BH_ENOTSUP);
	assert_null(t);
	assert_non_null(strstr(err, "-Dh5=false"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(h5_is_enotsup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
