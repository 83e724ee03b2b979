/* A -Dtrace=false build: trace files and replay: open with BH_ENOTSUP and
 * a message naming the option; the rest of the API answers without a
 * reader or writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/transport.h>

static void open_is_enotsup(void **state)
{
	(void)state;
	char err[256] = "";
	struct bh_trace_writer *w = (struct bh_trace_writer *)err;
	assert_int_equal(bh_trace_open_write("/tmp/never.btsnoop", &w, err, sizeof(err)), BH_ENOTSUP);
	assert_null(w);
	assert_non_null(strstr(err, "-Dtrace=false"));

	struct bh_trace_reader *r = (struct bh_trace_reader *)err;
	err[0] = 0;
	assert_int_equal(bh_trace_open_read("/dev/null", &r, err, sizeof(err)), BH_ENOTSUP);
	assert_null(r);
	assert_non_null(strstr(err, "-Dtrace=false"));
	static const uint8_t h4[] = { 0x04, 0x0e, 0x01, 0x01 };
	r = (struct bh_trace_reader *)err;
	assert_int_equal(bh_trace_open_mem(h4, sizeof(h4), BH_TRACE_H4, &r, err, sizeof(err)),
			 BH_ENOTSUP);
	assert_null(r);

	struct bh_transport *t = (struct bh_transport *)err;
	err[0] = 0;
	assert_int_equal(bh_transport_open("replay:/dev/null", &t, err, sizeof(err)), BH_ENOTSUP);
	assert_null(t);
	assert_non_null(strstr(err, "-Dtrace=false"));
}

static void rest_answers_without_objects(void **state)
{
	(void)state;
	char msg[128] = "";
	assert_int_equal(bh_trace_close_write(NULL), BH_OK);
	bh_trace_close_read(NULL);
	assert_int_equal(bh_replay_result(NULL, msg, sizeof(msg)), BH_ENOTSUP);
	assert_non_null(strstr(msg, "-Dtrace=false"));
	assert_true(bh_replay_done(NULL));
	assert_int_equal(bh_replay_advance(NULL, 5), BH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_is_enotsup),
		cmocka_unit_test(rest_answers_without_objects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
