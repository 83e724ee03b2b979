/* The dlopen'd libusb (transports/usb_libusb.c): a process that never
 * opens a USB transport does not map libusb; the first USB use loads it;
 * a missing library or one without libusb's functions is BH_ENOTSUP with
 * a message naming the library, never a crash. No hardware needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <blehost/bh_err.h>
#include <blehost/transport.h>
#include "usb_seam.h"

/* Whether a library whose path contains name is mapped in this process. */
static int mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	char line[512];
	int found = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			found = 1;
	fclose(f);
	return found;
}

static void test_not_mapped_until_used(void **state)
{
	(void)state;
	/* The test program links the transports library, as every blehost
	 * program does: libusb must not come with it. */
	assert_false(mapped("libusb-1.0"));
	const struct bh_usb_ops *ops = NULL;
	char err[256] = "";
	int rc = bh_usb_libusb_ops(&ops, err, sizeof(err));
	if (rc == BH_ENOTSUP) {
		/* No libusb-1.0 runtime here: the error names it. */
		assert_non_null(strstr(err, "libusb-1.0.so.0"));
		skip();
	}
	assert_int_equal(rc, BH_OK);
	assert_true(mapped("libusb-1.0"));
	/* The table holds the real functions. */
	assert_string_equal(ops->error_name(LIBUSB_ERROR_NO_DEVICE), "LIBUSB_ERROR_NO_DEVICE");
	assert_non_null(ops->init);
	assert_non_null(ops->handle_events_timeout_completed);
	/* A second call returns the same table. */
	const struct bh_usb_ops *again = NULL;
	assert_int_equal(bh_usb_libusb_ops(&again, err, sizeof(err)), BH_OK);
	assert_ptr_equal(again, ops);
}

static void test_missing_library(void **state)
{
	(void)state;
	struct bh_usb_ops ops;
	void *h = (void *)1;
	char err[256] = "";
	assert_int_equal(bh_usb_libusb_load("libblehost-no-such-usb.so.0", &ops, &h, err, sizeof(err)),
			 BH_ENOTSUP);
	assert_null(h);
	assert_null(ops.init);
	assert_non_null(strstr(err, "cannot load libblehost-no-such-usb.so.0"));
}

static void test_library_without_libusb(void **state)
{
	(void)state;
	struct bh_usb_ops ops;
	void *h = (void *)1;
	char err[256] = "";
	/* libc loads but has none of libusb's functions. */
	assert_int_equal(bh_usb_libusb_load("libc.so.6", &ops, &h, err, sizeof(err)), BH_ENOTSUP);
	assert_null(h);
	assert_null(ops.init);
	assert_non_null(strstr(err, "has no libusb_init"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_mapped_until_used),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_library_without_libusb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
