/* A -Dchipset=false build: the chipset API links, an auto-detected
 * controller is left as it is (bring-up done at once with BH_OK), a forced
 * vendor driver and the firmware parsers fail with BH_ENOTSUP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/chipset.h>

struct sink {
	int done_calls;
	bh_status result;
	int sent;
};

static int send_cmd(void *ctx, uint16_t opcode, const uint8_t *params, size_t len)
{
	(void)opcode, (void)params, (void)len;
	((struct sink *)ctx)->sent++;
	return BH_OK;
}

static void done(void *ctx, bh_status result)
{
	struct sink *s = ctx;
	s->done_calls++;
	s->result = result;
}

static void run(const char *driver, struct sink *s, const struct bh_chipset_report **rep,
		struct bh_chipset **out)
{
	struct bh_chipset_config cfg;
	bh_chipset_config_default(&cfg);
	cfg.have_usb_id = true;
	cfg.vid = 0x0bda; /* a Realtek dongle: the full build would patch it */
	cfg.pid = 0x8771;
	cfg.driver = driver;
	struct bh_chipset_port port = { .send = send_cmd, .done = done, .ctx = s };
	struct bh_chipset *c = bh_chipset_new(&cfg, NULL, &port);
	assert_non_null(c);
	assert_int_equal(bh_chipset_start(c), BH_OK);
	assert_false(bh_chipset_running(c));
	assert_true(bh_chipset_next_deadline(c) == BH_NEVER);
	*rep = bh_chipset_report(c);
	*out = c;
}

static void auto_driver_continues(void **state)
{
	(void)state;
	struct sink s = { 0 };
	const struct bh_chipset_report *r;
	struct bh_chipset *c;
	run(NULL, &s, &r, &c);
	assert_int_equal(s.done_calls, 1);
	assert_int_equal(s.result, BH_OK);
	assert_int_equal(s.sent, 0);
	assert_int_equal(r->outcome, BH_CHIPSET_NOTHING_TO_DO);
	assert_true(r->have_usb_id && r->vid == 0x0bda && r->pid == 0x8771);
	assert_non_null(strstr(r->message, "-Dchipset=false"));
	bh_chipset_free(c);
}

static void forced_driver_is_enotsup(void **state)
{
	(void)state;
	struct sink s = { 0 };
	const struct bh_chipset_report *r;
	struct bh_chipset *c;
	run("realtek", &s, &r, &c);
	assert_int_equal(s.done_calls, 1);
	assert_int_equal(s.result, BH_ENOTSUP);
	assert_int_equal(r->outcome, BH_CHIPSET_FAILED);
	assert_int_equal(r->status, BH_ENOTSUP);
	bh_chipset_free(c);
}

static int rec(void *ctx, uint16_t opcode, const uint8_t *p, size_t n)
{
	(void)ctx, (void)opcode, (void)p, (void)n;
	return 0;
}

static void parsers_are_enotsup(void **state)
{
	(void)state;
	static const uint8_t fw[8] = "Realtech";
	uint8_t *out = (uint8_t *)fw;
	size_t outlen = 1;
	uint32_t ver = 0;
	char err[128] = "";
	assert_int_equal(bh_rtl_epatch_extract(fw, sizeof(fw), 0x8761, 0, &out, &outlen, &ver, err,
					       sizeof(err)),
			 BH_ENOTSUP);
	assert_null(out);
	assert_int_equal(outlen, 0);
	assert_non_null(strstr(err, "-Dchipset=false"));
	assert_int_equal(bh_bcm_hcd_walk(fw, sizeof(fw), rec, NULL, err, sizeof(err)), BH_ENOTSUP);
	assert_int_equal(bh_intel_sfi_walk(fw, sizeof(fw), NULL, NULL, NULL, err, sizeof(err)),
			 BH_ENOTSUP);
	assert_int_equal(bh_intel_ddc_walk(fw, sizeof(fw), NULL, NULL, err, sizeof(err)),
			 BH_ENOTSUP);
	struct bh_intel_tlv tlv;
	assert_int_equal(bh_intel_tlv_parse(fw, sizeof(fw), &tlv, err, sizeof(err)), BH_ENOTSUP);
	struct bh_intel_sfi_piece hdr[3];
	size_t payload = 1;
	assert_int_equal(bh_intel_sfi_layout(fw, sizeof(fw), 0x17, 0, hdr, &payload, err,
					     sizeof(err)),
			 BH_ENOTSUP);
	assert_int_equal(payload, 0);
	bool writes = true;
	assert_int_equal(bh_intel_bseq_walk(fw, sizeof(fw), NULL, NULL, &writes, err, sizeof(err)),
			 BH_ENOTSUP);
	assert_false(writes);
	assert_int_equal(bh_intel_sfi_walk_from(fw, sizeof(fw), 0, NULL, NULL, NULL, err,
						sizeof(err)),
			 BH_ENOTSUP);
	char name[32] = "x";
	bh_intel_tlv_fw_name(&tlv, "sfi", name, sizeof(name));
	assert_string_equal(name, "");
	bh_intel_tlv_describe(&tlv, err, sizeof(err));
	assert_non_null(strstr(err, "-Dchipset=false"));
	/* The quirk table stays in the build. */
	assert_non_null(bh_chipset_quirk_at(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auto_driver_continues),
		cmocka_unit_test(forced_driver_is_enotsup),
		cmocka_unit_test(parsers_are_enotsup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
