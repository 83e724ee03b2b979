/* bh_host_config.rpa_timeout_ms: bh_host_new refuses a value outside 1 s to
 * 1 hour (the range of Vol 4, Part E, 7.8.45) before it opens anything, and
 * says which field; the limits themselves and 0 (the default) pass the
 * check and fail later, on the transport that does not exist. That the
 * value reaches GAP's rotation is shown live: tests/bumble/bumble_set_rpa.c. */
#include <blehost/host.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

static const char *new_host(unsigned rpa_timeout_ms)
{
	static char err[256];
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.transport = "unix:/nonexistent-rpa14/socket";
	cfg.store_dir = "";
	cfg.rpa_timeout_ms = rpa_timeout_ms;
	err[0] = 0;
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	assert_null(h);
	return err;
}

static void refused_out_of_range(void **state)
{
	(void)state;
	static const unsigned bad[] = { 1, BH_HOST_RPA_TIMEOUT_MIN_MS - 1,
					BH_HOST_RPA_TIMEOUT_MAX_MS + 1, 0xffffffffu };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err = new_host(bad[i]);
		assert_non_null(strstr(err, "rpa_timeout_ms"));
		assert_non_null(strstr(err, "1 s to 1 hour"));
		assert_null(strstr(err, "nonexistent-rpa14")); /* refused before the transport */
	}
}

static void limits_accepted(void **state)
{
	(void)state;
	static const unsigned good[] = { 0, BH_HOST_RPA_TIMEOUT_MIN_MS, 900000,
					 BH_HOST_RPA_TIMEOUT_MAX_MS };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *err = new_host(good[i]);
		assert_null(strstr(err, "rpa_timeout_ms"));
		assert_non_null(strstr(err, "nonexistent-rpa14"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_out_of_range),
		cmocka_unit_test(limits_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
