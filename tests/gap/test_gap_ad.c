/* AD parser and builder: every defined type, every malformed length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_bytes.h>
#include <blehost/gap.h>

static void test_parse_all_types(void **state)
{
	(void)state;
	const uint8_t ad[] = {
		0x02, 0x01, 0x06,                               /* flags */
		0x05, 0x02, 0x0d, 0x18, 0x0f, 0x18,             /* incomplete 16: 180D 180F */
		0x03, 0x03, 0x0a, 0x18,                         /* complete 16: 180A */
		0x05, 0x05, 0x78, 0x56, 0x34, 0x12,             /* complete 32 */
		0x11, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* 128 */
		0x04, 0x08, 'a', 'b', 'c',                      /* short name */
		0x05, 0x09, 'a', 'b', 'c', 'd',                 /* complete name */
		0x02, 0x0a, 0xf6,                               /* tx power -10 */
		0x04, 0x0d, 0x04, 0x05, 0x20,                   /* class of device */
		0x11, 0x10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* SM TK */
		0x02, 0x11, 0x03,                               /* SM OOB flags */
		0x05, 0x12, 0x06, 0x00, 0x80, 0x0c,             /* conn interval range */
		0x03, 0x14, 0x12, 0x18,                         /* solicit 16 */
		0x05, 0x1f, 1, 2, 3, 4,                         /* solicit 32 */
		0x11, 0x15, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, /* solicit 128 */
		0x05, 0x16, 0x6f, 0xfd, 0xaa, 0xbb,             /* service data 16 */
		0x06, 0x20, 1, 2, 3, 4, 0xcc,                   /* service data 32 */
		0x12, 0x21, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 0xdd, /* sd 128 */
		0x07, 0x17, 1, 2, 3, 4, 5, 6,                   /* public target */
		0x07, 0x18, 6, 5, 4, 3, 2, 0xc1,                /* random target */
		0x03, 0x19, 0xc1, 0x03,                         /* appearance 0x03c1 */
		0x03, 0x1a, 0x40, 0x06,                         /* adv interval */
		0x08, 0x1b, 1, 2, 3, 4, 5, 0xc6, 0x01,          /* LE bdaddr random */
		0x02, 0x1c, 0x02,                               /* LE role */
		0x05, 0x24, 0x17, '/', '/', 'x',                /* URI */
		0x03, 0x27, 0x01, 0x02,                         /* LE features */
		0x05, 0xff, 0x4c, 0x00, 0x02, 0x15,             /* manufacturer Apple */
		0x03, 0xff, 0x59, 0x00,                         /* Nordic, no data */
		0x03, 0x3d, 0xab, 0xcd,                         /* unknown type 0x3d */
		0x11, 0x0e, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* hash C-192 */
		0x11, 0x0f, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* rand R-192 */
		0x11, 0x22, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* SC confirm */
		0x11, 0x23, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* SC random */
		0x07, 0x2e, 1, 2, 3, 4, 5, 6,                   /* RSI */
		0x05, 0x30, 'B', 'c', 's', 't',                 /* broadcast name */
	};
	struct bh_ad a;
	assert_int_equal(bh_ad_parse(&a, ad, sizeof(ad)), BH_OK);
	assert_false(a.malformed);
	assert_int_equal(a.n_bad, 0);
	assert_int_equal(a.flags, 0x06);
	assert_true(a.present & BH_AD_HAS_FLAGS);
	assert_int_equal(a.n_uuids, 5);
	assert_int_equal(a.uuids[0].ad_type, BH_AD_UUID16_INCOMPLETE);
	bh_uuid u = bh_uuid16(0x180f);
	assert_true(bh_ad_has_uuid(&a, &u));
	u = bh_uuid16(0x180a);
	assert_true(bh_ad_has_uuid(&a, &u));
	assert_int_equal(a.uuids[3].uuid.len, 4);
	assert_int_equal(a.uuids[4].uuid.len, 16);
	assert_int_equal(a.uuids[4].uuid.val[15], 16);
	assert_int_equal(a.name_len, 4);
	assert_memory_equal(a.name, "abcd", 4);
	assert_true(a.name_complete);
	assert_int_equal(a.tx_power, -10);
	assert_int_equal(a.class_of_device, 0x200504);
	assert_int_equal(a.sm_tk[15], 1);
	assert_int_equal(a.sm_oob_flags, 3);
	assert_int_equal(a.conn_interval_min, 6);
	assert_int_equal(a.conn_interval_max, 0x0c80);
	assert_int_equal(a.n_solicit, 3);
	assert_int_equal(a.n_svc_data, 3);
	assert_int_equal(a.svc_data[0].len, 2);
	assert_int_equal(a.svc_data[0].data[1], 0xbb);
	assert_int_equal(a.svc_data[1].uuid.len, 4);
	assert_int_equal(a.svc_data[2].uuid.len, 16);
	assert_int_equal(a.svc_data[2].data[0], 0xdd);
	assert_int_equal(a.n_targets, 2);
	assert_int_equal(a.targets[1].type, BH_ADDR_RANDOM);
	assert_int_equal(a.targets[1].val[5], 0xc1);
	assert_int_equal(a.appearance, 0x03c1);
	assert_int_equal(a.adv_interval, 0x0640);
	assert_int_equal(a.le_bdaddr.type, BH_ADDR_RANDOM);
	assert_int_equal(a.le_bdaddr.val[5], 0xc6);
	assert_int_equal(a.le_role, 2);
	assert_int_equal(a.uri_len, 4);
	assert_int_equal(a.le_features_len, 2);
	assert_int_equal(a.n_mfr, 2);
	const struct bh_ad_mfr *m = bh_ad_mfr_find(&a, 0x004c);
	assert_non_null(m);
	assert_int_equal(m->len, 2);
	assert_int_equal(m->data[0], 0x02);
	m = bh_ad_mfr_find(&a, 0x0059);
	assert_non_null(m);
	assert_int_equal(m->len, 0);
	assert_null(bh_ad_mfr_find(&a, 0x1234));
	assert_int_equal(a.n_other, 1);
	assert_int_equal(a.other[0].type, 0x3d);
	assert_int_equal(a.other[0].len, 2);
	assert_false(a.overflow);
	assert_int_equal(a.sp_hash[0], 2);
	assert_int_equal(a.sp_rand[15], 3);
	assert_int_equal(a.sc_confirm[0], 4);
	assert_int_equal(a.sc_random[0], 5);
	assert_int_equal(a.rsi[5], 6);
	assert_int_equal(a.broadcast_name_len, 4);
	uint32_t all = BH_AD_HAS_FLAGS | BH_AD_HAS_NAME | BH_AD_HAS_TX_POWER | BH_AD_HAS_APPEARANCE |
		       BH_AD_HAS_CLASS | BH_AD_HAS_SM_TK | BH_AD_HAS_SM_OOB_FLAGS |
		       BH_AD_HAS_CONN_INTERVAL | BH_AD_HAS_ADV_INTERVAL | BH_AD_HAS_LE_BDADDR |
		       BH_AD_HAS_LE_ROLE | BH_AD_HAS_URI | BH_AD_HAS_LE_FEATURES | BH_AD_HAS_SP_HASH |
		       BH_AD_HAS_SP_RAND | BH_AD_HAS_SC_CONFIRM | BH_AD_HAS_SC_RANDOM | BH_AD_HAS_RSI |
		       BH_AD_HAS_BROADCAST_NAME;
	assert_int_equal(a.present, all);
	assert_string_equal(bh_ad_type_str(BH_AD_MANUFACTURER), "Manufacturer Specific Data");
	assert_string_equal(bh_ad_type_str(0x3d), "Unknown AD type");
}

static void test_parse_long_interval_and_shortened_name(void **state)
{
	(void)state;
	/* Complete name first, then a shortened one: the complete one stays. */
	const uint8_t ad[] = { 0x04, 0x2f, 0x00, 0x00, 0x01, 0x03, 0x09, 'h', 'i',
			       0x02, 0x08, 'h' };
	struct bh_ad a;
	assert_int_equal(bh_ad_parse(&a, ad, sizeof(ad)), BH_OK);
	assert_int_equal(a.adv_interval, 0x010000);
	assert_true(a.name_complete);
	assert_int_equal(a.name_len, 2);
	const uint8_t ad4[] = { 0x05, 0x2f, 0x01, 0x00, 0x00, 0x01 };
	assert_int_equal(bh_ad_parse(&a, ad4, sizeof(ad4)), BH_OK);
	assert_int_equal(a.adv_interval, 0x01000001);
	const uint8_t sh[] = { 0x02, 0x08, 'h' };
	assert_int_equal(bh_ad_parse(&a, sh, sizeof(sh)), BH_OK);
	assert_false(a.name_complete);
}

static void test_parse_malformed_lengths(void **state)
{
	(void)state;
	struct bh_ad a;
	/* Length past the end: stops, keeps what came before. */
	const uint8_t past[] = { 0x02, 0x01, 0x06, 0x05, 0x09, 'a', 'b' };
	assert_int_equal(bh_ad_parse(&a, past, sizeof(past)), BH_EMALFORMED);
	assert_true(a.malformed);
	assert_int_equal(a.flags, 6);
	assert_false(a.present & BH_AD_HAS_NAME);
	/* Zero-length element: the rest is padding, not parsed. */
	const uint8_t zero[] = { 0x02, 0x01, 0x06, 0x00, 0x03, 0x09, 'x', 'y' };
	assert_int_equal(bh_ad_parse(&a, zero, sizeof(zero)), BH_OK);
	assert_false(a.present & BH_AD_HAS_NAME);
	assert_int_equal(a.n_fields, 1);
	/* All-zero padding (legacy 31-byte buffers). */
	const uint8_t pad[31] = { 0x02, 0x01, 0x04 };
	assert_int_equal(bh_ad_parse(&a, pad, sizeof(pad)), BH_OK);
	assert_int_equal(a.n_fields, 1);
	/* Length octet as the very last byte. */
	const uint8_t last[] = { 0x02, 0x01, 0x06, 0x01 };
	assert_int_equal(bh_ad_parse(&a, last, sizeof(last)), BH_EMALFORMED);
	/* 0xff length with little data. */
	const uint8_t big[] = { 0xff, 0xff, 0x4c, 0x00 };
	assert_int_equal(bh_ad_parse(&a, big, sizeof(big)), BH_EMALFORMED);
	assert_int_equal(a.n_mfr, 0);
	/* Empty input. */
	assert_int_equal(bh_ad_parse(&a, NULL, 0), BH_OK);
	assert_int_equal(a.n_fields, 0);
	/* Wrong sizes for their types: counted bad, kept raw, no crash. */
	const uint8_t bad[] = {
		0x01, 0x01,             /* flags with no data */
		0x04, 0x03, 1, 2, 3,    /* 16-bit list of 3 bytes */
		0x04, 0x05, 1, 2, 3,    /* 32-bit list of 3 */
		0x10, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, /* 15-byte 128 */
		0x03, 0x0a, 1, 2,       /* tx power of 2 */
		0x02, 0x19, 1,          /* appearance of 1 */
		0x02, 0x16, 0x01,       /* service data 16 without full uuid */
		0x04, 0x20, 1, 2, 3,    /* service data 32 short */
		0x02, 0xff, 0x4c,       /* manufacturer without full company id */
		0x06, 0x17, 1, 2, 3, 4, 5, /* target of 5 */
		0x03, 0x1b, 1, 2,       /* LE bdaddr short */
		0x04, 0x12, 1, 2, 3,    /* interval range short */
		0x02, 0x2f, 1,          /* long interval short */
		0x01, 0x24,             /* empty URI */
		0x03, 0x0d, 1, 2,       /* class short */
		0x02, 0x10, 1,          /* TK short */
		0x03, 0x11, 1, 2,       /* OOB flags long */
		0x03, 0x1c, 1, 2,       /* role long */
		0x02, 0x1a, 1,          /* interval short */
		0x02, 0x0e, 1,          /* hash short */
		0x02, 0x23, 1,          /* SC random short */
		0x02, 0x2e, 1,          /* RSI short */
		0x02, 0x30, 'x',        /* broadcast name too short */
	};
	assert_int_equal(bh_ad_parse(&a, bad, sizeof(bad)), BH_OK);
	assert_int_equal(a.n_bad, 23);
	assert_int_equal(a.n_uuids, 0);
	assert_int_equal(a.n_mfr, 0);
	assert_int_equal(a.n_svc_data, 0);
	assert_int_equal(a.present, 0);
	assert_true(a.overflow); /* only 8 raw slots */
}

static void test_parse_overflow_and_more(void **state)
{
	(void)state;
	uint8_t ad[2 + 2 * 20];
	ad[0] = 1 + 2 * 20;
	ad[1] = BH_AD_UUID16_COMPLETE;
	for (int i = 0; i < 20; i++)
		bh_put16(ad + 2 + 2 * i, (uint16_t)(0x1800 + i));
	struct bh_ad a;
	assert_int_equal(bh_ad_parse(&a, ad, sizeof(ad)), BH_OK);
	assert_int_equal(a.n_uuids, BH_AD_MAX_UUIDS);
	assert_true(a.overflow);
	/* parse_more appends a scan response */
	const uint8_t adv[] = { 0x02, 0x01, 0x06 };
	const uint8_t rsp[] = { 0x03, 0x09, 'o', 'k' };
	assert_int_equal(bh_ad_parse(&a, adv, sizeof(adv)), BH_OK);
	assert_int_equal(bh_ad_parse_more(&a, rsp, sizeof(rsp)), BH_OK);
	assert_int_equal(a.flags, 6);
	assert_int_equal(a.name_len, 2);
	size_t n;
	assert_non_null(bh_ad_find(rsp, sizeof(rsp), BH_AD_NAME_COMPLETE, &n));
	assert_int_equal(n, 2);
	assert_null(bh_ad_find(rsp, sizeof(rsp), BH_AD_FLAGS, &n));
	const uint8_t broken[] = { 0x09, 0x09, 'x' };
	assert_null(bh_ad_find(broken, sizeof(broken), BH_AD_NAME_COMPLETE, &n));
}

static void test_build_roundtrip(void **state)
{
	(void)state;
	uint8_t buf[BH_AD_LEGACY_MAX];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, buf, sizeof(buf));
	assert_int_equal(bh_ad_add_flags(&b, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR), BH_OK);
	bh_uuid us[2] = { bh_uuid16(0x180d), bh_uuid16(0x180f) };
	assert_int_equal(bh_ad_add_uuids(&b, us, 2, true), BH_OK);
	assert_int_equal(bh_ad_add_appearance(&b, 0x0340), BH_OK);
	assert_int_equal(bh_ad_add_tx_power(&b, -4), BH_OK);
	assert_int_equal(bh_ad_add_name(&b, "blehost", true), BH_OK);
	const uint8_t exp[] = { 2, 1, 6, 5, 3, 0x0d, 0x18, 0x0f, 0x18, 3, 0x19, 0x40, 0x03,
				2, 0x0a, 0xfc, 8, 9, 'b', 'l', 'e', 'h', 'o', 's', 't' };
	assert_int_equal(b.len, sizeof(exp));
	assert_memory_equal(buf, exp, sizeof(exp));
	/* 25 used, 6 left: a manufacturer field of 2+2+3 = 7 does not fit. */
	assert_int_equal(bh_ad_add_manufacturer(&b, 0x004c, "\x01\x02\x03", 3), BH_ENOSPACE);
	assert_int_equal(b.len, sizeof(exp)); /* unchanged */
	assert_int_equal(b.err, BH_ENOSPACE);
	assert_int_equal(bh_ad_add_manufacturer(&b, 0x004c, "\x01\x02", 2), BH_OK);
	assert_int_equal(b.len, 31);
	assert_int_equal(bh_ad_add(&b, 0x3d, NULL, 0), BH_ENOSPACE);

	struct bh_ad a;
	assert_int_equal(bh_ad_parse(&a, buf, b.len), BH_OK);
	assert_int_equal(a.appearance, 0x0340);
	assert_int_equal(a.tx_power, -4);
	assert_int_equal(a.n_uuids, 2);
	assert_int_equal(a.uuids[0].ad_type, BH_AD_UUID16_COMPLETE);
	assert_non_null(bh_ad_mfr_find(&a, 0x004c));
}

static void test_build_refuses(void **state)
{
	(void)state;
	uint8_t buf[BH_AD_LEGACY_MAX];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, buf, sizeof(buf));
	/* 30-char name needs 32 bytes: refused, not truncated. */
	assert_int_equal(bh_ad_add_name(&b, "abcdefghijabcdefghijabcdefghij", true), BH_ENOSPACE);
	assert_int_equal(b.len, 0);
	assert_int_equal(bh_ad_add_name(&b, "abcdefghijabcdefghijabcdefghi", false), BH_OK);
	assert_int_equal(b.len, 31);
	assert_int_equal(buf[1], BH_AD_NAME_SHORT);

	/* UUID lists: the second list not fitting rolls back the first. */
	bh_ad_build_init(&b, buf, sizeof(buf));
	bh_uuid u128;
	assert_int_equal(bh_uuid_parse("12345678-1234-5678-1234-567812345678", &u128), 0);
	bh_uuid mix[3] = { bh_uuid16(0x1800), u128, u128 };
	assert_int_equal(bh_ad_add_uuids(&b, mix, 3, false), BH_ENOSPACE);
	assert_int_equal(b.len, 0);
	assert_int_equal(bh_ad_add_uuids(&b, mix, 2, false), BH_OK);
	assert_int_equal(b.len, 4 + 18);
	assert_int_equal(buf[1], BH_AD_UUID16_INCOMPLETE);
	assert_int_equal(buf[5], BH_AD_UUID128_INCOMPLETE);
	bh_uuid badu = { 3, { 0 } };
	assert_int_equal(bh_ad_add_uuids(&b, &badu, 1, true), BH_EINVAL);
	assert_int_equal(bh_ad_add_service_data(&b, &badu, NULL, 0), BH_EINVAL);
	assert_int_equal(bh_ad_add(&b, 1, NULL, 3), BH_EINVAL);
	assert_int_equal(bh_ad_add_name(&b, NULL, true), BH_EINVAL);
	assert_int_equal(bh_ad_add_manufacturer(&b, 1, NULL, 1), BH_EINVAL);

	/* Service data 16/32/128 and the extended cap. */
	uint8_t big[300];
	bh_ad_build_init(&b, big, sizeof(big));
	bh_uuid u16 = bh_uuid16(0xfd6f), u32 = { 4, { 1, 2, 3, 4 } };
	assert_int_equal(bh_ad_add_service_data(&b, &u16, "\xaa", 1), BH_OK);
	assert_int_equal(bh_ad_add_service_data(&b, &u32, "\xbb", 1), BH_OK);
	assert_int_equal(bh_ad_add_service_data(&b, &u128, "\xcc", 1), BH_OK);
	struct bh_ad a;
	assert_int_equal(bh_ad_parse(&a, big, b.len), BH_OK);
	assert_int_equal(a.n_svc_data, 3);
	assert_int_equal(a.svc_data[2].data[0], 0xcc);
	/* One AD structure holds at most 254 data bytes. */
	uint8_t blob[260] = { 0 };
	assert_int_equal(bh_ad_add(&b, 0xff, blob, 255), BH_ENOSPACE);
	assert_int_equal(bh_ad_add(&b, 0xff, blob, 254 - 40), BH_OK);
	assert_true(b.len <= 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_all_types),
		cmocka_unit_test(test_parse_long_interval_and_shortened_name),
		cmocka_unit_test(test_parse_malformed_lengths),
		cmocka_unit_test(test_parse_overflow_and_more),
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_build_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
