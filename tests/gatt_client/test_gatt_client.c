/* Unit tests for the GATT client against the fake server in fake_server.c:
 * discovery with exact round-trip counts at MTU 23 and 517, every read and
 * write procedure, notifications, disconnect and cancellation, and the
 * security retry. Robustness and cache tests are in test_gattc_robust.c. */
#include "harness.h"

/* ---- Discovery ------------------------------------------------------------- */

static void test_discover_full_mtu23(void **state)
{
	(void)state;
	discover(0);
	/* 2 service pages, 5 characteristic pages (the last Attribute Not
	 * Found), 5 descriptor searches (empty ranges skipped), 1 hash read. */
	assert_int_equal(bh_gattc_stats(T->c)->requests, 13);
	assert_int_equal(bh_gattc_service_count(T->c), 4);
	const struct bh_gattc_service *s = bh_gattc_service_at(T->c, 3);
	assert_int_equal(s->start, 21);
	assert_int_equal(s->end, 0xffff);
	assert_true(bh_uuid_eq(&s->uuid, &FS_UUID_A));
	assert_int_equal(s->n_chrs, 2);
	assert_int_equal(bh_gattc_chr_count(T->c), 6);
	const struct bh_gattc_chr *hr = chr16(0x2a37);
	assert_non_null(hr);
	assert_int_equal(hr->decl_handle, 12);
	assert_int_equal(hr->value_handle, 13);
	assert_int_equal(hr->end_handle, 14);
	assert_int_equal(hr->cccd_handle, 14);
	assert_int_equal(hr->props, BH_GATT_PROP_NOTIFY);
	const struct bh_gattc_chr *c = bh_gattc_find_chr(T->c, s, &FS_UUID_C);
	assert_non_null(c);
	assert_int_equal(c->end_handle, 25);
	assert_int_equal(c->n_descs, 1);
	bh_uuid ud = bh_uuid16(0x2901);
	assert_non_null(bh_gattc_find_desc(T->c, c, &ud));
	const struct bh_gattc_chr *d = bh_gattc_find_chr(T->c, s, &FS_UUID_D);
	assert_int_equal(d->end_handle, 0xffff);
	assert_int_equal(d->cccd_handle, 28);
	assert_ptr_equal(bh_gattc_chr_by_handle(T->c, 28), d);
	assert_int_equal(bh_gattc_desc_count(T->c), 4);
	uint8_t h[16];
	assert_true(bh_gattc_db_hash(T->c, h));
	assert_int_equal(h[0], 0x40);
	assert_int_equal(h[15], 0x4f);
	assert_null(bh_gattc_service_at(T->c, 4));
}

static void test_discover_includes_mtu23(void **state)
{
	(void)state;
	discover(BH_GATTC_DISC_INCLUDES);
	/* + 3 include pages, 1 read for the 128-bit included UUID, and the
	 * two secondary services' characteristics come in the same pages. */
	assert_int_equal(bh_gattc_stats(T->c)->requests, 17);
	assert_int_equal(bh_gattc_service_count(T->c), 6);
	assert_int_equal(bh_gattc_include_count(T->c), 2);
	const struct bh_gattc_include *in = bh_gattc_include_at(T->c, 1);
	assert_int_equal(in->handle, 22);
	assert_true(bh_uuid_eq(&in->uuid, &FS_UUID_B));
	const struct bh_gattc_service *b = bh_gattc_find_service(T->c, &FS_UUID_B);
	assert_non_null(b);
	assert_false(b->primary);
	assert_int_equal(b->n_chrs, 1);
	bh_uuid bat = bh_uuid16(0x180f);
	const struct bh_gattc_service *bs = bh_gattc_find_service(T->c, &bat);
	assert_non_null(bs);
	assert_int_equal(bs->start, 15);
	assert_int_equal(bs->end, 17);
	const struct bh_gattc_service *hr = bh_gattc_service_by_handle(T->c, 11);
	assert_int_equal(hr->n_incls, 1);
	assert_int_equal(bh_gattc_chr_count(T->c), 8);
}

static void test_discover_full_mtu517(void **state)
{
	(void)state;
	discover(0);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 11);
	assert_int_equal(bh_gattc_chr_count(T->c), 6);
}

static void test_discover_allow_list(void **state)
{
	(void)state;
	struct done d = { 0 };
	bh_uuid allow[1] = { bh_uuid16(0x180d) };
	assert_int_equal(bh_gattc_discover(T->c, allow, 1, 0, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_service_count(T->c), 1);
	assert_int_equal(bh_gattc_chr_count(T->c), 1);
	/* 2 service pages, 2 characteristic pages, 1 descriptor search, no hash */
	assert_int_equal(bh_gattc_stats(T->c)->requests, 5);
	assert_false(bh_gattc_db_hash(T->c, NULL));
	assert_int_equal(bh_gattc_discover(T->c, allow, 17, 0, on_done, &d), BH_EINVAL);
	assert_int_equal(bh_gattc_discover(T->c, NULL, 0, 0x80, on_done, &d), BH_EINVAL);
}

static void test_discover_single_procedures(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_discover_service_uuid(T->c, &FS_UUID_A, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 1); /* group end 0xFFFF stops */
	assert_int_equal(bh_gattc_service_count(T->c), 1);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_discover_chrs(T->c, 21, &FS_UUID_D, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_chr_count(T->c), 1);
	const struct bh_gattc_chr *ch = bh_gattc_chr_at(T->c, 0);
	assert_int_equal(ch->value_handle, 27);
	assert_int_equal(ch->end_handle, 0xffff);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_discover_descs(T->c, 27, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_chr_at(T->c, 0)->cccd_handle, 28);

	memset(&d, 0, sizeof(d));
	bh_gattc_stats_reset(T->c);
	assert_int_equal(bh_gattc_discover_includes(T->c, 21, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_include_count(T->c), 1);
	assert_true(bh_uuid_eq(&bh_gattc_include_at(T->c, 0)->uuid, &FS_UUID_B));
	assert_int_equal(bh_gattc_stats(T->c)->requests, 3); /* page, Not Found, UUID read */

	/* unknown service / characteristic */
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_discover_chrs(T->c, 5, NULL, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_ENOTFOUND);
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_discover_descs(T->c, 99, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_ENOTFOUND);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_discover_services(T->c, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_service_count(T->c), 4);
	assert_int_equal(bh_gattc_chr_count(T->c), 0);
}

static void test_rediscover_one_service(void **state)
{
	(void)state;
	discover(BH_GATTC_DISC_INCLUDES);
	unsigned chrs = bh_gattc_chr_count(T->c), descs = bh_gattc_desc_count(T->c);
	struct done d = { 0 };
	bh_gattc_stats_reset(T->c);
	assert_int_equal(bh_gattc_discover_chrs(T->c, 10, NULL, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 2); /* [12], then Not Found */
	assert_int_equal(bh_gattc_include_count(T->c), 2);   /* includes stay */
	assert_int_equal(bh_gattc_chr_count(T->c), chrs);
	/* its descriptors are found again on request */
	assert_int_equal(bh_gattc_desc_count(T->c), descs - 1);
	assert_int_equal(chr16(0x2a37)->cccd_handle, 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_discover_descs(T->c, 13, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(chr16(0x2a37)->cccd_handle, 14);
	assert_int_equal(bh_gattc_desc_count(T->c), descs);
	assert_int_equal(bh_gattc_service_by_handle(T->c, 11)->n_incls, 1);
}

/* ---- Reads ------------------------------------------------------------------ */

static void test_reads(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 12);
	assert_memory_equal(d.value, "blehost-test", 12);

	memset(&d, 0, sizeof(d));
	bh_uuid bl = bh_uuid16(0x2a19);
	assert_int_equal(bh_gattc_read_by_uuid(T->c, 1, 0xffff, &bl, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.pairs, 1);
	assert_int_equal(d.pair_h[0], 17);
	assert_int_equal(d.elem_len, 3);
	assert_int_equal(d.value[2], 0x64);

	memset(&d, 0, sizeof(d));
	uint16_t hs[2] = { 3, 17 };
	assert_int_equal(bh_gattc_read_multiple(T->c, hs, 2, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 13);
	assert_int_equal(d.value[12], 0x64);

	memset(&d, 0, sizeof(d));
	uint16_t hv[2] = { 13, 20 };
	assert_int_equal(bh_gattc_read_multiple_var(T->c, hv, 2, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.tuples, 2);
	assert_int_equal(d.tup0_len, 2);
	assert_memory_equal(d.tup0, "\x00\x48", 2);
	assert_memory_equal(d.tup1, "\x10\x09", 2);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_read(T->c, 99, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_ATT_ERROR(BH_ATT_E_INVALID_HANDLE));
	assert_int_equal(d.handle, 99);

	assert_int_equal(bh_gattc_read(T->c, 0, on_done, &d), BH_EINVAL);
	assert_int_equal(bh_gattc_read_multiple(T->c, hs, 1, on_done, &d), BH_EINVAL);
	uint16_t many[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	assert_int_equal(bh_gattc_read_multiple(T->c, many, 12, on_done, &d), BH_ENOSPACE);
	assert_int_equal(bh_gattc_read_by_uuid(T->c, 5, 4, &bl, on_done, &d), BH_EINVAL);
}

static void test_read_long_300_mtu23(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_read_long(T->c, 24, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 300);
	assert_memory_equal(d.value, fs_attr(&T->f, 24)->value, 300);
	/* one Read of 22 and 13 Blobs (12 full, the last of 14 octets) */
	assert_int_equal(bh_gattc_stats(T->c)->requests, 14);
}

static void test_read_long_edges(void **state)
{
	(void)state;
	struct done d = { 0 };
	/* exactly one full response: the Blob at offset 22 comes back empty */
	struct fs_attr *a = fs_attr(&T->f, 25);
	memset(a->value, 'x', 22);
	a->len = 22;
	assert_int_equal(bh_gattc_read_long(T->c, 25, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 22);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 2);

	/* Attribute Not Long on the Blob ends the value too */
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_read_long(T->c, 25, on_done, &d), BH_OK);
	fs_pump_n(&T->f, 1);
	T->f.inject_at = T->f.requests + 1;
	T->f.inject_len = bh_att_encode_error(T->f.inject, BH_ATT_READ_BLOB_REQ, 25,
					      BH_ATT_E_ATTRIBUTE_NOT_LONG);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 22);

	/* 512 octets at MTU 129: four full responses, then the cap stops it */
	T->f.mtu = 129;
	a = fs_attr(&T->f, 24);
	for (int i = 0; i < 512; i++)
		a->value[i] = (uint8_t)i;
	a->len = 512;
	memset(&d, 0, sizeof(d));
	bh_gattc_stats_reset(T->c);
	assert_int_equal(bh_gattc_read_long(T->c, 24, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 512);
	assert_int_equal(d.value[511], 0xff);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 4);
}

static void test_read_long_mtu517(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_read_long(T->c, 24, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.len, 300);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 1);
}

/* ---- Writes ----------------------------------------------------------------- */

static void test_writes(void **state)
{
	(void)state;
	struct done d = { 0 };
	assert_int_equal(bh_gattc_write(T->c, 27, (const uint8_t *)"abc", 3, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(fs_attr(&T->f, 27)->len, 3);
	assert_memory_equal(fs_attr(&T->f, 27)->value, "abc", 3);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 1);

	/* too long for one Write Request: becomes a long write (18 per segment) */
	uint8_t big[100];
	for (int i = 0; i < 100; i++)
		big[i] = (uint8_t)(200 - i);
	memset(&d, 0, sizeof(d));
	bh_gattc_stats_reset(T->c);
	assert_int_equal(bh_gattc_write(T->c, 24, big, 100, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 7); /* 6 prepares + execute */
	assert_memory_equal(fs_attr(&T->f, 24)->value, big, 100);
	assert_int_equal(T->f.exec_writes, 1);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_write_long(T->c, 27, (const uint8_t *)"zz", 2, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(T->f.exec_writes, 2);
	assert_memory_equal(fs_attr(&T->f, 27)->value, "zz", 2);

	struct bh_gattc_write_item items[2] = { { 27, (const uint8_t *)"xy", 2 },
						{ 3, (const uint8_t *)"name", 4 } };
	memset(&d, 0, sizeof(d));
	bh_gattc_stats_reset(T->c);
	assert_int_equal(bh_gattc_write_reliable(T->c, items, 2, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 3);
	assert_memory_equal(fs_attr(&T->f, 3)->value, "name", 4);
	assert_memory_equal(fs_attr(&T->f, 27)->value, "xy", 2);

	assert_int_equal(bh_gattc_write_long(T->c, 27, big, 0, on_done, &d), BH_EINVAL);
	assert_int_equal(bh_gattc_write(T->c, 27, NULL, 3, on_done, &d), BH_EINVAL);
	assert_int_equal(bh_gattc_write_reliable(T->c, items, 0, on_done, &d), BH_EINVAL);
	assert_int_equal(bh_gattc_write(T->c, 27, big, 513, on_done, &d), BH_EINVAL);
}

static void test_prepare_echo_mismatch(void **state)
{
	(void)state;
	struct done d = { 0 };
	uint8_t big[40];
	memset(big, 0x5a, sizeof(big));
	uint8_t before[300];
	memcpy(before, fs_attr(&T->f, 24)->value, 300);
	T->f.mangle_prep = true;
	assert_int_equal(bh_gattc_write(T->c, 24, big, sizeof(big), on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_EPROTO);
	assert_int_equal(T->f.exec_cancels, 1);
	assert_int_equal(T->f.exec_writes, 0);
	assert_memory_equal(fs_attr(&T->f, 24)->value, before, 300);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 2); /* prepare, cancel */
}

static void test_prepare_error_cancels_queue(void **state)
{
	(void)state;
	struct done d = { 0 };
	uint8_t big[40];
	memset(big, 0x11, sizeof(big));
	assert_int_equal(bh_gattc_write_long(T->c, 24, big, sizeof(big), on_done, &d), BH_OK);
	fs_pump_n(&T->f, 1);
	T->f.inject_at = T->f.requests + 1;
	T->f.inject_len = bh_att_encode_error(T->f.inject, BH_ATT_PREP_WRITE_REQ, 24,
					      BH_ATT_E_PREPARE_QUEUE_FULL);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_ATT_ERROR(BH_ATT_E_PREPARE_QUEUE_FULL));
	assert_int_equal(T->f.exec_cancels, 1);
}

static void test_write_commands(void **state)
{
	(void)state;
	assert_int_equal(bh_gattc_write_cmd(T->c, 24, (const uint8_t *)"hi", 2), BH_OK);
	assert_int_equal(T->f.last_cmd_len, 5);
	assert_memory_equal(T->f.last_cmd, "\x52\x18\x00hi", 5);
	uint8_t big[21] = { 0 };
	assert_int_equal(bh_gattc_write_cmd(T->c, 24, big, 21), BH_ENOSPACE);
	assert_int_equal(bh_gattc_write_cmd(T->c, 24, big, 20), BH_OK);
	T->f.command_ret = BH_EBUSY;
	assert_int_equal(bh_gattc_write_cmd(T->c, 24, big, 1), BH_EBUSY);
	T->f.command_ret = 0;

	unsigned signed_cmds = 0;
#ifndef TEST_NO_SIGNED_WRITE /* -Dsigned_write=false: test_gattc_signed_off.c */
	assert_int_equal(bh_gattc_write_signed(T->c, 24, (const uint8_t *)"ab", 2), BH_OK);
	assert_int_equal(T->f.last_cmd_len, 2 + 3 + 12);
	assert_int_equal(T->f.last_cmd[0], 0xd2);
	assert_int_equal(T->f.last_cmd[5], (uint8_t)(0xd2 + 5)); /* sign port's first octet */
	assert_int_equal(bh_gattc_write_signed(T->c, 24, big, 9), BH_ENOSPACE);
	assert_int_equal(bh_gattc_write_signed(T->c, 24, big, 8), BH_OK);
	signed_cmds = 2;
#endif
	assert_int_equal(bh_gattc_stats(T->c)->commands, 2 + signed_cmds);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 0);
}

static void test_exchange_mtu(void **state)
{
	(void)state;
	struct done d = { 0 };
	T->f.mtu = 247;
	assert_int_equal(bh_gattc_exchange_mtu(T->c, 517, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.handle, 247);
	assert_int_equal(bh_gattc_mtu(T->c), 247);
	assert_int_equal(bh_gattc_exchange_mtu(T->c, 22, on_done, &d), BH_EINVAL);
}

/* ---- Notifications ------------------------------------------------------------ */

static void test_notifications(void **state)
{
	(void)state;
	discover(0);
	struct notes n = { 0 };
	struct done d = { 0 };
	assert_int_equal(bh_gattc_subscribe(T->c, 13, BH_GATTC_NOTIFY, on_note, &n, on_done, &d),
			 BH_OK);
	/* a notification racing the CCCD write already reaches the subscriber */
	bh_gattc_on_notification(T->c, 13, (const uint8_t *)"\x01", 1, false);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_memory_equal(fs_attr(&T->f, 14)->value, "\x01\x00", 2);
	for (uint8_t i = 2; i <= 4; i++)
		bh_gattc_on_notification(T->c, 13, &i, 1, false);
	bh_gattc_on_notification(T->c, 24, (const uint8_t *)"\x09", 1, false);
	assert_int_equal(n.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(n.handle[i], 13);
		assert_int_equal(n.first[i], i + 1);
	}
	assert_int_equal(T->notes.general, 1);

	/* indications on another characteristic */
	struct notes n2 = { 0 };
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_subscribe(T->c, 27, BH_GATTC_INDICATE, on_note, &n2, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_memory_equal(fs_attr(&T->f, 28)->value, "\x02\x00", 2);
	bh_gattc_on_notification(T->c, 27, (const uint8_t *)"\x07", 1, true);
	assert_int_equal(n2.n, 1);
	assert_true(n2.ind[0]);
	assert_int_equal(bh_gattc_stats(T->c)->indications, 1);

	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_unsubscribe(T->c, 13, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_OK);
	assert_memory_equal(fs_attr(&T->f, 14)->value, "\x00\x00", 2);
	bh_gattc_on_notification(T->c, 13, (const uint8_t *)"\x05", 1, false);
	assert_int_equal(n.n, 4);
	assert_int_equal(T->notes.general, 2);

	/* errors */
	assert_int_equal(bh_gattc_subscribe(T->c, 99, BH_GATTC_NOTIFY, on_note, &n, NULL, NULL),
			 BH_ENOTFOUND);
	assert_int_equal(bh_gattc_subscribe(T->c, 3, BH_GATTC_NOTIFY, on_note, &n, NULL, NULL),
			 BH_ENOTSUP);
	assert_int_equal(bh_gattc_subscribe(T->c, 13, BH_GATTC_INDICATE, on_note, &n, NULL, NULL),
			 BH_ENOTSUP);
	assert_int_equal(bh_gattc_subscribe(T->c, 13, 0, on_note, &n, NULL, NULL), BH_EINVAL);
}

static void test_subscribe_failure_removes_route(void **state)
{
	(void)state;
	discover(0);
	struct notes n = { 0 };
	struct done d = { 0 };
	fs_attr(&T->f, 28)->flags = FS_F_AUTH;
	T->f.raise_ret = BH_EPERM; /* security cannot be raised */
	assert_int_equal(bh_gattc_subscribe(T->c, 27, BH_GATTC_NOTIFY, on_note, &n, on_done, &d),
			 BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.st, BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION));
	bh_gattc_on_notification(T->c, 27, (const uint8_t *)"\x01", 1, false);
	assert_int_equal(n.n, 0);
	assert_int_equal(T->notes.general, 1);
}

/* ---- Disconnect and cancel -------------------------------------------------------- */

static void test_disconnect_mid_discovery(void **state)
{
	(void)state;
	struct done d = { 0 }, r = { 0 };
	assert_int_equal(bh_gattc_discover(T->c, NULL, 0, 0, on_done, &d), BH_OK);
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &r), BH_OK);
	fs_pump_n(&T->f, 3);
	assert_int_equal(d.calls, 0);
	bh_gattc_disconnected(T->c, BH_EDISCONNECTED);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_EDISCONNECTED);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.st, BH_EDISCONNECTED);
	assert_int_equal(T->f.n_pending, 0); /* the port holds nothing of ours */
	assert_int_equal(T->notes.disc_calls, 1);
	fs_pump(&T->f);
	bh_gattc_disconnected(T->c, BH_EDISCONNECTED);
	assert_int_equal(d.calls, 1);
	assert_int_equal(T->notes.disc_calls, 1);
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &r), BH_EDISCONNECTED);
	assert_int_equal(bh_gattc_write_cmd(T->c, 3, (const uint8_t *)"a", 1), BH_EDISCONNECTED);
	assert_false(bh_gattc_is_connected(T->c));
	assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
}

static void test_disconnect_long_read_and_queued_write(void **state)
{
	(void)state;
	struct done d = { 0 }, w = { 0 }, w2 = { 0 };
	assert_int_equal(bh_gattc_read_long(T->c, 24, on_done, &d), BH_OK);
	assert_int_equal(bh_gattc_write(T->c, 27, (const uint8_t *)"q", 1, on_done, &w), BH_OK);
	assert_int_equal(bh_gattc_write(T->c, 3, (const uint8_t *)"q", 1, on_done, &w2), BH_OK);
	fs_pump_n(&T->f, 4);
	/* the bearer reports the disconnect first, through the pending request */
	struct fs_pending p = T->f.pending[0];
	T->f.n_pending = 0;
	p.cb(p.cbctx, BH_EDISCONNECTED, NULL, 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_EDISCONNECTED);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.st, BH_EDISCONNECTED);
	assert_int_equal(w2.calls, 1);
	bh_gattc_disconnected(T->c, BH_HCI_STATUS(0x13));
	assert_int_equal(d.calls, 1);
	assert_int_equal(w.calls, 1);
	assert_int_equal(T->notes.disc_calls, 1);
	assert_int_equal(T->notes.disc_reason, BH_HCI_STATUS(0x13));
	assert_memory_equal(fs_attr(&T->f, 27)->value, "0123456789", 10);
}

static void test_cancel(void **state)
{
	(void)state;
	struct done a = { 0 }, b = { 0 }, c = { 0 };
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &a), BH_OK);
	assert_int_equal(bh_gattc_read(T->c, 17, on_done, &b), BH_OK);
	assert_int_equal(bh_gattc_read(T->c, 20, on_done, &c), BH_OK);
	assert_int_equal(bh_gattc_cancel(T->c, &b), 1); /* queued */
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.st, BH_ECANCELLED);
	assert_int_equal(bh_gattc_cancel(T->c, &a), 1); /* running */
	assert_int_equal(a.st, BH_ECANCELLED);
	assert_int_equal(T->f.cancels, 1);
	fs_pump(&T->f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.st, BH_OK);
	assert_int_equal(c.len, 2);
	assert_int_equal(bh_gattc_cancel(T->c, &c), 0);

	/* a long write cancelled after a prepare: the server's queue is dropped */
	uint8_t big[60];
	memset(big, 3, sizeof(big));
	struct done w = { 0 };
	assert_int_equal(bh_gattc_write(T->c, 24, big, sizeof(big), on_done, &w), BH_OK);
	fs_pump_n(&T->f, 2);
	assert_int_equal(bh_gattc_cancel(T->c, &w), 1);
	assert_int_equal(w.st, BH_ECANCELLED);
	fs_pump(&T->f);
	assert_int_equal(w.calls, 1);
	assert_int_equal(T->f.exec_cancels, 1);
	assert_int_equal(T->f.exec_writes, 0);
	assert_int_equal(bh_pool_in_use(bh_gattc_op_pool(T->c)), 0);
}

static void test_pool_exhaustion(void **state)
{
	(void)state;
	struct done d = { 0 };
	bh_pool_fail_after(bh_gattc_op_pool(T->c), 1);
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &d), BH_OK);
	assert_int_equal(bh_gattc_read(T->c, 3, on_done, &d), BH_ENOMEM);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
}

/* ---- Security ------------------------------------------------------------------------ */

static void test_security_retry_once(void **state)
{
	(void)state;
	struct done d = { 0 };
	fs_attr(&T->f, 27)->flags = FS_F_AUTH;
	assert_int_equal(bh_gattc_read(T->c, 27, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(T->f.raise_calls, 1);
	assert_int_equal(d.calls, 0);
	T->f.encrypted = true;
	T->f.sec_done(T->f.sec_ctx, BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_OK);
	assert_int_equal(d.len, 10);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 2);
	assert_int_equal(bh_gattc_stats(T->c)->security_retries, 1);
	/* a stale report changes nothing */
	T->f.sec_done(T->f.sec_ctx, BH_OK);
	assert_int_equal(d.calls, 1);
}

static void test_security_not_twice(void **state)
{
	(void)state;
	struct done d = { 0 };
	fs_attr(&T->f, 27)->flags = FS_F_AUTH;
	assert_int_equal(bh_gattc_read(T->c, 27, on_done, &d), BH_OK);
	fs_pump(&T->f);
	T->f.sec_done(T->f.sec_ctx, BH_OK); /* claims success, link still plain */
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION));
	assert_int_equal(T->f.raise_calls, 1);
	assert_int_equal(bh_gattc_stats(T->c)->requests, 2);

	/* the hook reports failure: the ATT error names the problem */
	memset(&d, 0, sizeof(d));
	assert_int_equal(bh_gattc_read(T->c, 27, on_done, &d), BH_OK);
	fs_pump(&T->f);
	T->f.sec_done(T->f.sec_ctx, BH_ESECURITY);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION));

	/* the hook declines */
	memset(&d, 0, sizeof(d));
	T->f.raise_ret = BH_EPERM;
	assert_int_equal(bh_gattc_read(T->c, 27, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION));
	assert_int_equal(T->f.raise_calls, 3);
}

static void test_security_cancel_and_disconnect(void **state)
{
	(void)state;
	struct done d = { 0 }, e = { 0 };
	fs_attr(&T->f, 27)->flags = FS_F_AUTH;
	assert_int_equal(bh_gattc_read(T->c, 27, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(bh_gattc_cancel(T->c, &d), 1);
	assert_int_equal(d.st, BH_ECANCELLED);
	T->f.sec_done(T->f.sec_ctx, BH_OK);
	assert_int_equal(d.calls, 1);
	assert_int_equal(T->f.n_pending, 0);

	assert_int_equal(bh_gattc_read(T->c, 27, on_done, &e), BH_OK);
	fs_pump(&T->f);
	bh_gattc_disconnected(T->c, BH_EDISCONNECTED);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.st, BH_EDISCONNECTED);
	T->f.sec_done(T->f.sec_ctx, BH_OK);
	assert_int_equal(e.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discover_full_mtu23, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_discover_includes_mtu23, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_discover_full_mtu517, setup517, teardown),
		cmocka_unit_test_setup_teardown(test_discover_allow_list, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_discover_single_procedures, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_rediscover_one_service, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_reads, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_read_long_300_mtu23, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_read_long_edges, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_read_long_mtu517, setup517, teardown),
		cmocka_unit_test_setup_teardown(test_writes, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_echo_mismatch, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_error_cancels_queue, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_write_commands, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_exchange_mtu, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_notifications, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_subscribe_failure_removes_route, setup23,
						teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_mid_discovery, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_long_read_and_queued_write, setup23,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhaustion, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_security_retry_once, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_security_not_twice, setup23, teardown),
		cmocka_unit_test_setup_teardown(test_security_cancel_and_disconnect, setup23,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
