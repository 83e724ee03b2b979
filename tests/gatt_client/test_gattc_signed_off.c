/* -Dsigned_write=false, the GATT client: bh_gattc_write_signed on a
 * discovered characteristic that has the signed-write property, over a
 * client whose port could sign and send, answers BH_ENOTSUP with a warning
 * naming the option, before its other checks, and sends nothing; Write
 * Command still goes out. A full build sends a Signed Write Command here. */
#include "harness.h"
#include "log_last.h"

static void test_write_signed_refused(void **state)
{
	(void)state;
	/* The client keeps a copy of its env: made again with the log. */
	bh_gattc_free(T->c);
	static struct log_last warned;
	memset(&warned, 0, sizeof(warned));
	T->env.log = log_last_cb;
	T->env.log_ctx = &warned;
	T->env.log_level = BH_LOG_DEBUG;
	T->c = mk_client(T);
	assert_non_null(T->c);
	discover(0);
	const struct bh_gattc_chr *c = bh_gattc_find_chr(T->c, NULL, &FS_UUID_C);
	assert_non_null(c);
	assert_int_equal(c->value_handle, 24);
	assert_true(c->props & BH_GATT_PROP_SIGNED_WRITE);

	warned.n = 0;
	assert_int_equal(bh_gattc_write_signed(T->c, 24, (const uint8_t *)"ab", 2), BH_ENOTSUP);
	assert_int_equal(warned.n, 1);
	assert_non_null(strstr(warned.msg, "-Dsigned_write=false"));
	/* Refused before the length and argument checks a full build makes. */
	uint8_t big[64] = { 0 };
	assert_int_equal(bh_gattc_write_signed(T->c, 24, big, sizeof(big)), BH_ENOTSUP);
	assert_int_equal(bh_gattc_write_signed(T->c, 0, NULL, 0), BH_ENOTSUP);
	assert_int_equal(T->f.commands, 0);
	assert_int_equal(T->f.last_cmd_len, 0);
	assert_int_equal(bh_gattc_stats(T->c)->commands, 0);

	assert_int_equal(bh_gattc_write_cmd(T->c, 24, (const uint8_t *)"hi", 2), BH_OK);
	assert_int_equal(T->f.commands, 1);
	assert_memory_equal(T->f.last_cmd, "\x52\x18\x00hi", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_signed_refused, setup23, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
