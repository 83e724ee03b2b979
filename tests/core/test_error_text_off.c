/* A -Derror_text=false build: bh_strerror gives each stack error its name
 * and each protocol code its carrier and number; names and codes are those
 * of the default build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_err.h>

static void names_instead_of_texts(void **state)
{
	(void)state;
	assert_string_equal(bh_strerror(BH_OK), "BH_OK");
	assert_string_equal(bh_strerror(BH_ETIMEDOUT), "BH_ETIMEDOUT");
	assert_string_equal(bh_strerror(BH_EUNSAFE), "BH_EUNSAFE");
	for (bh_status s = 0; s >= BH_ERR_MIN_; s--)
		assert_string_equal(bh_strerror(s), bh_err_name(s));
	assert_string_equal(bh_strerror(BH_ATT_ERROR(0x05)), "ATT: error (0x05)");
	assert_string_equal(bh_strerror(BH_HCI_STATUS(0x13)), "HCI: status (0x13)");
	assert_string_equal(bh_strerror(BH_SMP_REASON(0x04)), "SMP: reason (0x04)");
	assert_string_equal(bh_strerror(BH_L2CAP_RESULT(0x0002)), "L2CAP: result 0x0002");
	assert_string_equal(bh_err_name(BH_ATT_ERROR(0x05)), "BH_ATT_ERROR");
	assert_string_equal(bh_hci_status_str(0x13), "status");
	assert_string_equal(bh_att_error_str(0x05), "error");
	assert_string_equal(bh_smp_reason_str(0x04), "reason");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_instead_of_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
