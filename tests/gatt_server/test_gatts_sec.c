/* GATT server tests of link security, per-connection state and server
 * initiated traffic: the permissions matrix, CCCDs on three connections,
 * notifications and indications, robust caching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gatts_fake.h"

/* ---- permissions matrix ---------------------------------------------------- */

static bh_status auth_rc;
static unsigned auth_calls;
static bool auth_write;

static bh_status perm_auth(void *user, uint16_t conn, uint16_t handle, bool write)
{
	(void)user;
	(void)conn;
	(void)handle;
	auth_calls++;
	auth_write = write;
	return auth_rc;
}

enum { P_ENC, P_MITM, P_SC, P_KEY12, P_AUTHOR, P_WO, P_RO, P_N };

#define RW (BH_GATT_CHR_READ | BH_GATT_CHR_WRITE)
static const struct bh_gatt_chr_def perm_chrs[P_N] = {
	[P_ENC] = { .uuid = BH_UUID16_INIT(0x2b01), .props = RW, .read_perm = BH_GATT_PERM_ENC_NO_MITM,
		    .write_perm = BH_GATT_PERM_ENC_NO_MITM, .max_len = 4 },
	[P_MITM] = { .uuid = BH_UUID16_INIT(0x2b02), .props = RW, .read_perm = BH_GATT_PERM_ENC_MITM,
		     .write_perm = BH_GATT_PERM_ENC_MITM, .max_len = 4 },
	[P_SC] = { .uuid = BH_UUID16_INIT(0x2b03), .props = RW, .read_perm = BH_GATT_PERM_LESC_MITM,
		   .write_perm = BH_GATT_PERM_LESC_MITM, .max_len = 4 },
	[P_KEY12] = { .uuid = BH_UUID16_INIT(0x2b04), .props = RW,
		      .read_perm = BH_GATT_PERM_OPEN | BH_GATT_PERM_KEYSIZE(12),
		      .write_perm = BH_GATT_PERM_OPEN | BH_GATT_PERM_KEYSIZE(12), .max_len = 4 },
	[P_AUTHOR] = { .uuid = BH_UUID16_INIT(0x2b05), .props = RW | BH_GATT_CHR_NOTIFY,
		       .read_perm = BH_GATT_PERM_OPEN | BH_GATT_PERM_AUTHOR,
		       .write_perm = BH_GATT_PERM_OPEN | BH_GATT_PERM_AUTHOR, .max_len = 4,
		       .authorize = perm_auth },
	[P_WO] = { .uuid = BH_UUID16_INIT(0x2b06), .props = BH_GATT_CHR_WRITE, .max_len = 4 },
	[P_RO] = { .uuid = BH_UUID16_INIT(0x2b07), .props = BH_GATT_CHR_READ, .max_len = 4 },
};
static const struct bh_gatt_svc_def perm_svc = { .uuid = BH_UUID16_INIT(0xfff0), .chrs = perm_chrs,
						 .num_chrs = P_N };

enum { S_PLAIN, S_PLAIN_LTK, S_ENC, S_MITM7, S_SC, S_N };
static const struct bh_gatts_security secs[S_N] = {
	[S_PLAIN] = { 0 },
	[S_PLAIN_LTK] = { .has_ltk = true },
	[S_ENC] = { .encrypted = true, .key_size = 16, .has_ltk = true },
	[S_MITM7] = { .encrypted = true, .authenticated = true, .key_size = 7, .has_ltk = true },
	[S_SC] = { .encrypted = true, .authenticated = true, .secure_connections = true,
		   .key_size = 16, .has_ltk = true },
};

#define AU BH_ATT_E_INSUFF_AUTHENTICATION
#define EN BH_ATT_E_INSUFF_ENCRYPTION
#define KS BH_ATT_E_ENC_KEY_SIZE_TOO_SHORT
/* Expected ATT error (0 = allowed) per characteristic and link. */
static const uint8_t expect[P_N][S_N] = {
	[P_ENC] = { AU, EN, 0, 0, 0 },
	[P_MITM] = { AU, EN, AU, 0, 0 },
	[P_SC] = { AU, EN, AU, AU, 0 },
	[P_KEY12] = { AU, EN, 0, KS, 0 },
	[P_AUTHOR] = { 0, 0, 0, 0, 0 },
	[P_WO] = { 0, 0, 0, 0, 0 },  /* reads: Read Not Permitted, below */
	[P_RO] = { 0, 0, 0, 0, 0 },  /* writes: Write Not Permitted, below */
};

static void test_permissions_matrix(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	assert_int_equal(bh_gatts_add_services(f.s, &perm_svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	for (int p = 0; p < P_N; p++) {
		uint16_t h = bh_gatts_value_handle(f.s, &perm_chrs[p]);
		assert_true(h > 0);
		for (int sidx = 0; sidx < S_N; sidx++) {
			f.sec = secs[sidx];
			uint8_t rd_want = p == P_WO ? BH_ATT_E_READ_NOT_PERMITTED : expect[p][sidx];
			uint8_t wr_want = p == P_RO ? BH_ATT_E_WRITE_NOT_PERMITTED : expect[p][sidx];
			const struct fake_pdu *r = REQ(&f, 1, BH_ATT_READ_REQ, (uint8_t)h, (uint8_t)(h >> 8));
			if (rd_want)
				fake_expect_error(r, BH_ATT_READ_REQ, h, rd_want);
			else
				assert_int_equal(r->data[0], BH_ATT_READ_RSP);
			r = REQ(&f, 1, BH_ATT_WRITE_REQ, (uint8_t)h, (uint8_t)(h >> 8), 0x42);
			if (wr_want)
				fake_expect_error(r, BH_ATT_WRITE_REQ, h, wr_want);
			else
				assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
			/* Prepare Write checks permissions when queuing. */
			r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, (uint8_t)h, (uint8_t)(h >> 8), 0, 0, 0x42);
			if (wr_want)
				fake_expect_error(r, BH_ATT_PREP_WRITE_REQ, h, wr_want);
			else
				assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
			REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 0);
		}
	}
	/* Authorization refused: Insufficient Authorization, for reads and
	 * writes, on any link. */
	uint16_t ha = bh_gatts_value_handle(f.s, &perm_chrs[P_AUTHOR]);
	auth_rc = BH_EPERM;
	auth_calls = 0;
	f.sec = secs[S_SC];
	fake_expect_error(REQ(&f, 1, BH_ATT_READ_REQ, (uint8_t)ha, 0), BH_ATT_READ_REQ, ha,
			  BH_ATT_E_INSUFF_AUTHORIZATION);
	assert_false(auth_write);
	fake_expect_error(REQ(&f, 1, BH_ATT_WRITE_REQ, (uint8_t)ha, 0, 1), BH_ATT_WRITE_REQ, ha,
			  BH_ATT_E_INSUFF_AUTHORIZATION);
	assert_true(auth_write);
	assert_int_equal(auth_calls, 2);
	/* Read By Type and Read Multiple apply the same checks. */
	fake_expect_error(REQ(&f, 1, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x05, 0x2b),
			  BH_ATT_READ_BY_TYPE_REQ, ha, BH_ATT_E_INSUFF_AUTHORIZATION);
	f.sec = secs[S_PLAIN];
	uint16_t he = bh_gatts_value_handle(f.s, &perm_chrs[P_ENC]);
	fake_expect_error(REQ(&f, 1, BH_ATT_READ_MULT_REQ, 3, 0, (uint8_t)he, 0), BH_ATT_READ_MULT_REQ, he,
			  AU);
	/* Write commands are dropped on the same grounds, silently. */
	CMD(&f, 1, BH_ATT_WRITE_CMD, (uint8_t)he, 0, 9);
	/* The CCCD needs the value's read security but no authorization. */
	uint16_t cccd = bh_gatts_cccd_handle(f.s, ha);
	auth_calls = 0;
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_WRITE_REQ, (uint8_t)cccd, 0, 1, 0);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	assert_int_equal(auth_calls, 0);
	/* Without an authorize callback AUTHOR always refuses. */
	static const struct bh_gatt_chr_def noauth = { .uuid = BH_UUID16_INIT(0x2b08),
						       .props = BH_GATT_CHR_READ,
						       .read_perm = BH_GATT_PERM_OPEN | BH_GATT_PERM_AUTHOR };
	static const struct bh_gatt_svc_def noauth_svc = { .uuid = BH_UUID16_INIT(0xfff1),
							   .chrs = &noauth, .num_chrs = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &noauth_svc, 1), BH_OK);
	uint16_t hn = bh_gatts_value_handle(f.s, &noauth);
	fake_expect_error(REQ(&f, 1, BH_ATT_READ_REQ, (uint8_t)hn, (uint8_t)(hn >> 8)), BH_ATT_READ_REQ,
			  hn, BH_ATT_E_INSUFF_AUTHORIZATION);
	auth_rc = BH_OK;
	fake_free(&f);
}

static void test_signed_write_security(void **state)
{
	(void)state;
	/* A verified signed write stands in for encryption; MITM only with an
	 * authenticated CSRK; never for Secure Connections. */
	static const struct bh_gatt_chr_def sc[3] = {
		{ .uuid = BH_UUID16_INIT(0x2c01), .props = BH_GATT_CHR_AUTH_SIGNED_WRITE,
		  .write_perm = BH_GATT_PERM_ENC_NO_MITM, .max_len = 1 },
		{ .uuid = BH_UUID16_INIT(0x2c02), .props = BH_GATT_CHR_AUTH_SIGNED_WRITE,
		  .write_perm = BH_GATT_PERM_ENC_MITM, .max_len = 1 },
		{ .uuid = BH_UUID16_INIT(0x2c03), .props = BH_GATT_CHR_AUTH_SIGNED_WRITE,
		  .write_perm = BH_GATT_PERM_LESC_MITM, .max_len = 1 },
	};
	static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0xfff2), .chrs = sc,
						    .num_chrs = 3 };
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	assert_int_equal(bh_gatts_add_services(f.s, &svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	for (int mitm = 0; mitm < 2; mitm++) {
		f.verify_mitm = mitm;
		for (int i = 0; i < 3; i++) {
			uint16_t h = bh_gatts_value_handle(f.s, &sc[i]);
			assert_int_equal(bh_gatts_set_value(f.s, h, "\x00", 1), BH_OK);
			uint8_t pdu[16] = { BH_ATT_SIGNED_WRITE_CMD, (uint8_t)h, (uint8_t)(h >> 8), 0x77 };
			fake_cmd(&f, 1, pdu, sizeof(pdu));
			uint8_t v = 0;
			size_t n;
			assert_int_equal(bh_gatts_get_value(f.s, h, &v, 1, &n), BH_OK);
			bool want = i == 0 || (i == 1 && mitm);
			assert_int_equal(v, want ? 0x77 : 0x00);
		}
	}
	fake_free(&f);
}

/* ---- CCCDs on three connections --------------------------------------------- */

static void test_cccd_three_connections(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);
	const uint16_t A = 0x10, B = 0x11, C = 0x12;
	assert_int_equal(bh_gatts_connected(f.s, A), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, B), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, C), BH_OK);
	/* A: notify HR; B: indicate FIX; C: notify HR, then off. */
	const struct fake_pdu *r = REQ(&f, A, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	assert_int_equal(f.nsub, 1);
	assert_int_equal(f.sub_conn, A);
	assert_int_equal(f.sub_handle, 16);
	assert_int_equal(f.sub_value, 1);
	REQ(&f, B, BH_ATT_WRITE_REQ, 24, 0, 2, 0);
	REQ(&f, C, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	REQ(&f, C, BH_ATT_WRITE_REQ, 17, 0, 0, 0);
	assert_int_equal(f.nsub, 4);
	assert_int_equal(f.sub_value, 0);
	/* Writing the same value again is no event. */
	REQ(&f, A, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	assert_int_equal(f.nsub, 4);
	/* Each client reads its own CCCD. */
	r = REQ(&f, A, BH_ATT_READ_REQ, 17, 0);
	assert_memory_equal(r->data, "\x0b\x01\x00", 3);
	r = REQ(&f, B, BH_ATT_READ_REQ, 17, 0);
	assert_memory_equal(r->data, "\x0b\x00\x00", 3);
	r = REQ(&f, B, BH_ATT_READ_REQ, 24, 0);
	assert_memory_equal(r->data, "\x0b\x02\x00", 3);
	r = REQ(&f, C, BH_ATT_READ_REQ, 17, 0);
	assert_memory_equal(r->data, "\x0b\x00\x00", 3);
	/* Improper values and lengths. */
	fake_expect_error(REQ(&f, A, BH_ATT_WRITE_REQ, 17, 0, 2, 0), BH_ATT_WRITE_REQ, 17,
			  BH_ATT_E_VALUE_NOT_ALLOWED);
	fake_expect_error(REQ(&f, A, BH_ATT_WRITE_REQ, 24, 0, 1, 0), BH_ATT_WRITE_REQ, 24,
			  BH_ATT_E_VALUE_NOT_ALLOWED);
	fake_expect_error(REQ(&f, A, BH_ATT_WRITE_REQ, 17, 0, 1), BH_ATT_WRITE_REQ, 17,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	fake_expect_error(REQ(&f, A, BH_ATT_WRITE_REQ, 17, 0, 1, 0, 0), BH_ATT_WRITE_REQ, 17,
			  BH_ATT_E_INVALID_VALUE_LENGTH);
	assert_int_equal(bh_gatts_cccd_value(f.s, A, 16), 1);

	/* changed(): HR to A only (C unsubscribed, B not subscribed). */
	assert_int_equal(bh_gatts_changed(f.s, 16, "bpm", 3, NULL), 1);
	assert_int_equal(f.nntf, 1);
	assert_int_equal(f.ntf[0].conn, A);
	assert_int_equal(f.ntf[0].handle, 16);
	assert_memory_equal(f.ntf[0].data, "bpm", 3);
	r = REQ(&f, C, BH_ATT_READ_REQ, 16, 0);
	assert_memory_equal(r->data, "\x0b" "bpm", 4); /* stored too */
	/* FIX: indication to B. */
	assert_int_equal(bh_gatts_changed(f.s, 23, "\x01\x02\x03\x04", 4, NULL), 1);
	assert_int_equal(f.nind, 1);
	assert_int_equal(f.ind[0].conn, B);
	/* Only one indication at a time on B. */
	unsigned busy = 9;
	assert_int_equal(bh_gatts_changed(f.s, 23, NULL, 0, &busy), 0);
	assert_int_equal(busy, 1);
	assert_int_equal(bh_gatts_indicate(f.s, B, 23, NULL, 0), BH_EBUSY);
	bh_gatts_indication_done(f.s, B, BH_OK);
	assert_int_equal(f.nind_done, 1);
	assert_int_equal(f.ind_done_conn, B);
	assert_int_equal(f.ind_done_handle, 23);
	assert_int_equal(f.ind_done_st, BH_OK);
	assert_int_equal(bh_gatts_indicate(f.s, B, 23, NULL, 0), BH_OK);
	/* A disconnect completes the outstanding one. */
	bh_gatts_disconnected(f.s, B);
	assert_int_equal(f.nind_done, 2);
	assert_int_equal(f.ind_done_st, BH_EDISCONNECTED);
	bh_gatts_indication_done(f.s, B, BH_OK); /* late: ignored */
	assert_int_equal(f.nind_done, 2);
	/* B's state is gone; A's is intact. */
	assert_int_equal(bh_gatts_cccd_value(f.s, B, 23), 0);
	assert_int_equal(bh_gatts_cccd_value(f.s, A, 16), 1);
	bh_gatts_disconnected(f.s, B); /* twice: no effect */
	fake_free(&f);
}

/* "Sent, now full" from the port: the next notification is refused before
 * the port is asked, until bh_gatts_can_send, which wakes the application. */
static void test_notify_now_full(void **state)
{
	(void)state;
	struct fake f;
	fake_demo_linked(&f);
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_OK);
	REQ(&f, 1, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	REQ(&f, 1, BH_ATT_WRITE_REQ, 29, 0, 1, 0);
	REQ(&f, 2, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	f.notify_full = 1;
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, "a", 1, NULL), BH_OK);
	assert_int_equal(f.nntf, 1);
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, "b", 1, NULL), BH_EBUSY);
	assert_int_equal(bh_gatts_notify(f.s, 1, 28, NULL, 0, NULL), BH_EBUSY);
	assert_int_equal(f.nntf, 1); /* the port was not asked */
	/* Before the other checks (they come after the can-send); other links
	 * are not held back. */
	assert_int_equal(bh_gatts_notify(f.s, 1, 999, NULL, 0, NULL), BH_EBUSY);
	assert_int_equal(bh_gatts_notify(f.s, 3, 16, NULL, 0, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_notify(f.s, 2, 16, "c", 1, NULL), BH_OK);
	assert_int_equal(f.nntf, 2);
	bh_gatts_can_send(f.s, 1);
	assert_int_equal(f.ncan_send, 1);
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, "d", 1, NULL), BH_OK);
	assert_int_equal(f.nntf, 3);
	assert_int_equal(bh_gatts_notify(f.s, 1, 999, NULL, 0, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_notify(f.s, 1, 23, NULL, 0, NULL), BH_ESTATE);
	/* Several values: one that filled the queue counts as sent. */
	const uint16_t two[] = { 16, 28 };
	f.notify_full = 1;
	assert_int_equal(bh_gatts_notify_multiple(f.s, 1, two, 2), 2);
	assert_int_equal(f.nntf, 5);
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, "e", 1, NULL), BH_EBUSY);
	/* A new link in a freed slot starts with room. */
	bh_gatts_disconnected(f.s, 1);
	assert_int_equal(bh_gatts_connected(f.s, 3), BH_OK);
	REQ(&f, 3, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	assert_int_equal(bh_gatts_notify(f.s, 3, 16, "f", 1, NULL), BH_OK);
	assert_int_equal(f.nntf, 6);
	fake_free(&f);
}

static void test_notify_indicate_api(void **state)
{
	(void)state;
	struct fake f;
	fake_demo_linked(&f);
	/* Not subscribed, no such handle or connection, not a value. */
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, NULL, 0, NULL), BH_ESTATE);
	assert_int_equal(bh_gatts_notify(f.s, 2, 16, NULL, 0, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_notify(f.s, 1, 19, NULL, 0, NULL), BH_ENOTFOUND); /* no CCCD */
	assert_int_equal(bh_gatts_notify(f.s, 1, 999, NULL, 0, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_indicate(f.s, 1, 23, NULL, 0), BH_ESTATE);
	assert_int_equal(bh_gatts_indicate(f.s, 3, 23, NULL, 0), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_changed(f.s, 19, "x", 1, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_gatts_changed(f.s, 16, "0123456789012345678901", 22, NULL), BH_EINVAL);

	REQ(&f, 1, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	REQ(&f, 1, BH_ATT_WRITE_REQ, 24, 0, 2, 0);
	REQ(&f, 1, BH_ATT_WRITE_REQ, 29, 0, 1, 0);
	/* Notify with the caller's value, told about truncation at MTU - 3. */
	bool trunc = true;
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, "short", 5, &trunc), BH_OK);
	assert_false(trunc);
	uint8_t big[30];
	memset(big, 'B', sizeof(big));
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, big, sizeof(big), &trunc), BH_OK);
	assert_true(trunc);
	assert_int_equal(f.ntf[1].len, 20);
	/* Notifying indicate-subscribed FIX is ESTATE (it only indicates). */
	assert_int_equal(bh_gatts_notify(f.s, 1, 23, NULL, 0, NULL), BH_ESTATE);
	/* The port says busy: the caller learns it and gets can_send later. */
	f.notify_rc = BH_EBUSY;
	assert_int_equal(bh_gatts_notify(f.s, 1, 16, NULL, 0, NULL), BH_EBUSY);
	unsigned busy = 0;
	assert_int_equal(bh_gatts_changed(f.s, 16, NULL, 0, &busy), 0);
	assert_int_equal(busy, 1);
	f.notify_rc = 0;
	bh_gatts_can_send(f.s, 1);
	assert_int_equal(f.ncan_send, 1);
	bh_gatts_can_send(f.s, 77); /* unknown connection: nothing */
	assert_int_equal(f.ncan_send, 1);
	/* A callback-served value is read through its callback. */
	assert_int_equal(bh_gatts_notify(f.s, 1, 28, NULL, 0, NULL), BH_OK);
	assert_memory_equal(f.ntf[f.nntf - 1].data, "callback", 8);
	demo_app.read_rc = BH_ATT_ERROR(0x80);
	assert_int_equal(bh_gatts_notify(f.s, 1, 28, NULL, 0, NULL), BH_ATT_ERROR(0x80));
	demo_app.read_rc = BH_OK;
	/* Indications are cut to MTU - 3 by the server. */
	static const struct bh_gatt_chr_def longind = { .uuid = BH_UUID16_INIT(0x2c10),
							.props = BH_GATT_CHR_INDICATE, .max_len = 100 };
	static const struct bh_gatt_svc_def longsvc = { .uuid = BH_UUID16_INIT(0xfff3),
							.chrs = &longind, .num_chrs = 1 };
	assert_int_equal(bh_gatts_add_services(f.s, &longsvc, 1), BH_OK);
	uint16_t hl = bh_gatts_value_handle(f.s, &longind);
	uint16_t hc = bh_gatts_cccd_handle(f.s, hl);
	/* The database changed: Service Changed not subscribed, no gate (no
	 * robust caching), so the client may go on. */
	REQ(&f, 1, BH_ATT_WRITE_REQ, (uint8_t)hc, (uint8_t)(hc >> 8), 2, 0);
	assert_int_equal(bh_gatts_indicate(f.s, 1, hl, big, sizeof(big)), BH_OK);
	assert_int_equal(f.ind[f.nind - 1].len, 20);
	/* The port refusing leaves nothing outstanding. */
	bh_gatts_indication_done(f.s, 1, BH_ETIMEDOUT);
	assert_int_equal(f.ind_done_st, BH_ETIMEDOUT);
	f.indicate_rc = BH_ENOMEM;
	assert_int_equal(bh_gatts_indicate(f.s, 1, 23, NULL, 0), BH_ENOMEM);
	f.indicate_rc = 0;
	assert_int_equal(bh_gatts_indicate(f.s, 1, 23, NULL, 0), BH_OK);
	fake_free(&f);
}

static void test_limits(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	cfg.max_connections = 3;
	cfg.max_cccds = 1;
	assert_non_null(fake_server(&f, &cfg));
	fake_demo(&f);
	for (uint16_t c = 1; c <= 3; c++)
		assert_int_equal(bh_gatts_connected(f.s, c), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 4), BH_ENOMEM);
	bh_gatts_disconnected(f.s, 2);
	assert_int_equal(bh_gatts_connected(f.s, 4), BH_OK);
	/* One CCCD per connection here: the second is refused. */
	REQ(&f, 1, BH_ATT_WRITE_REQ, 17, 0, 1, 0);
	fake_expect_error(REQ(&f, 1, BH_ATT_WRITE_REQ, 24, 0, 2, 0), BH_ATT_WRITE_REQ, 24,
			  BH_ATT_E_INSUFF_RESOURCES);
	/* Clearing one frees its slot. */
	REQ(&f, 1, BH_ATT_WRITE_REQ, 17, 0, 0, 0);
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_WRITE_REQ, 24, 0, 2, 0);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	/* A blob with more CCCDs than fit is refused whole. */
	uint8_t blob[BH_GATTS_CCCD_BLOB_MAX(2)];
	size_t n;
	assert_int_equal(bh_gatts_export_cccd(f.s, 1, blob, sizeof(blob), &n), BH_OK);
	blob[18] = 2;
	bh_put16(blob + 24, 17);
	bh_put16(blob + 26, 1);
	assert_int_equal(bh_gatts_import_cccd(f.s, 3, blob, n + 4), BH_ENOSPACE);
	assert_int_equal(bh_gatts_cccd_value(f.s, 3, 23), 0);
	fake_free(&f);
}

/* ---- robust caching (Vol 3, Part G, 2.5.2.1) ---------------------------- */

static const struct bh_gatt_svc_def extra_svc = { .uuid = BH_UUID16_INIT(0x181c) };

static void test_robust_caching(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	fake_demo(&f);
	const uint16_t RC = 1, PLAIN = 2, HASH = 3;
	for (uint16_t c = 1; c <= 3; c++)
		assert_int_equal(bh_gatts_connected(f.s, c), BH_OK);
	REQ(&f, RC, BH_ATT_WRITE_REQ, 11, 0, 0x01);
	REQ(&f, HASH, BH_ATT_WRITE_REQ, 11, 0, 0x07);
	/* Bits cannot be cleared once set. */
	fake_expect_error(REQ(&f, HASH, BH_ATT_WRITE_REQ, 11, 0, 0x01), BH_ATT_WRITE_REQ, 11,
			  BH_ATT_E_VALUE_NOT_ALLOWED);
	const struct fake_pdu *r = REQ(&f, HASH, BH_ATT_READ_REQ, 11, 0);
	assert_memory_equal(r->data, "\x0b\x07", 2);
	/* Unknown bits are ignored. */
	r = REQ(&f, RC, BH_ATT_WRITE_REQ, 11, 0, 0xf1);
	assert_int_equal(r->data[0], BH_ATT_WRITE_RSP);
	r = REQ(&f, RC, BH_ATT_READ_REQ, 11, 0);
	assert_memory_equal(r->data, "\x0b\x01", 2);

	assert_int_equal(bh_gatts_add_services(f.s, &extra_svc, 1), BH_OK);
	for (uint16_t c = 1; c <= 3; c++)
		assert_false(bh_gatts_change_aware(f.s, c));

	/* RC: out of sync once, commands ignored, then aware. */
	CMD(&f, RC, BH_ATT_WRITE_CMD, 23, 0, 1, 1, 1, 1);
	fake_expect_error(REQ(&f, RC, BH_ATT_READ_REQ, 23, 0), BH_ATT_READ_REQ, 0,
			  BH_ATT_E_DB_OUT_OF_SYNC);
	assert_false(bh_gatts_change_aware(f.s, RC));
	r = REQ(&f, RC, BH_ATT_READ_REQ, 23, 0);
	assert_memory_equal(r->data, "\x0b\xaa\xbb\xcc\xdd", 5); /* the command was dropped */
	assert_true(bh_gatts_change_aware(f.s, RC));

	/* PLAIN never enabled robust caching: served as usual. */
	r = REQ(&f, PLAIN, BH_ATT_READ_REQ, 23, 0);
	assert_int_equal(r->data[0], BH_ATT_READ_RSP);

	/* HASH: Read By Type of the Database Hash is served; the next request
	 * finds it aware. */
	r = REQ(&f, HASH, BH_ATT_READ_BY_TYPE_REQ, 1, 0, 0xff, 0xff, 0x2a, 0x2b);
	assert_int_equal(r->data[0], BH_ATT_READ_BY_TYPE_RSP);
	uint8_t hash[16];
	bh_gatts_db_hash(f.s, hash);
	for (int i = 0; i < 16; i++)
		assert_int_equal(r->data[4 + i], hash[15 - i]);
	assert_false(bh_gatts_change_aware(f.s, HASH));
	r = REQ(&f, HASH, BH_ATT_FIND_INFO_REQ, 1, 0, 2, 0);
	assert_int_equal(r->data[0], BH_ATT_FIND_INFO_RSP);
	assert_true(bh_gatts_change_aware(f.s, HASH));

	/* A Service Changed confirmation makes a client aware. */
	REQ(&f, RC, BH_ATT_WRITE_REQ, 9, 0, 2, 0);
	assert_int_equal(bh_gatts_remove_service(f.s, bh_gatts_service_handle(f.s, &extra_svc)), BH_OK);
	assert_false(bh_gatts_change_aware(f.s, RC));
	assert_int_equal(f.nind, 1);
	bh_gatts_indication_done(f.s, RC, BH_OK);
	assert_true(bh_gatts_change_aware(f.s, RC));
	r = REQ(&f, RC, BH_ATT_READ_REQ, 23, 0);
	assert_int_equal(r->data[0], BH_ATT_READ_RSP);
	/* A failed Service Changed indication does not. */
	assert_int_equal(bh_gatts_add_services(f.s, &extra_svc, 1), BH_OK);
	bh_gatts_indication_done(f.s, RC, BH_ETIMEDOUT);
	assert_false(bh_gatts_change_aware(f.s, RC));
	fake_free(&f);
}

/* ---- prepared writes authorized by the application --------------------- */

struct pa_call {
	uint16_t handle, offset;
	size_t len;
	unsigned flags;
	uint8_t first;
};
static struct pa_call pa_calls[16];
static unsigned pa_n;
static bh_status pa_rc;

static bh_status pa_write(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			  const uint8_t *value, size_t len, unsigned flags)
{
	(void)user;
	(void)conn;
	if (pa_n < 16)
		pa_calls[pa_n] = (struct pa_call){ handle, offset, len, flags, len ? value[0] : 0 };
	pa_n++;
	return (flags & BH_GATT_WRITE_F_AUTHORIZE) ? pa_rc : BH_OK;
}

#define PA_WP (BH_GATT_PERM_OPEN | BH_GATT_PERM_AUTHOR_PREPARE)
#define PREPARED BH_GATT_WRITE_F_PREPARED
#define PREP_AUTH (BH_GATT_WRITE_F_PREPARED | BH_GATT_WRITE_F_AUTHORIZE)

static void expect_call(unsigned i, uint16_t h, uint16_t offset, size_t len, unsigned flags,
			uint8_t first)
{
	assert_true(i < pa_n);
	assert_int_equal(pa_calls[i].handle, h);
	assert_int_equal(pa_calls[i].offset, offset);
	assert_int_equal(pa_calls[i].len, len);
	assert_int_equal(pa_calls[i].flags, flags);
	assert_int_equal(pa_calls[i].first, first);
}

static void test_prepare_authorize(void **state)
{
	(void)state;
	static const struct bh_gatt_dsc_def dsc = { .uuid = BH_UUID16_INIT(0x2d10), .read_perm = 0,
						    .write_perm = PA_WP, .max_len = 32,
						    .write = pa_write };
	static const struct bh_gatt_chr_def chrs[] = {
		{ .uuid = BH_UUID16_INIT(0x2d01), .props = BH_GATT_CHR_WRITE, .write_perm = PA_WP,
		  .max_len = 64, .write = pa_write, .dscs = &dsc, .num_dscs = 1 },
		/* The authorize callback (BH_GATT_PERM_AUTHOR) is asked first. */
		{ .uuid = BH_UUID16_INIT(0x2d02), .props = BH_GATT_CHR_WRITE,
		  .write_perm = PA_WP | BH_GATT_PERM_AUTHOR, .max_len = 64, .write = pa_write,
		  .authorize = perm_auth },
		/* Stack-held value: the bit does nothing. */
		{ .uuid = BH_UUID16_INIT(0x2d03), .props = BH_GATT_CHR_WRITE, .write_perm = PA_WP,
		  .max_len = 8 },
	};
	static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0xfff2), .chrs = chrs,
						    .num_chrs = 3 };
	struct fake f;
	fake_init(&f);
	assert_non_null(fake_server(&f, NULL));
	assert_int_equal(bh_gatts_add_services(f.s, &svc, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 1), BH_OK);
	assert_int_equal(bh_gatts_connected(f.s, 2), BH_OK);
	uint16_t h = bh_gatts_value_handle(f.s, &chrs[0]);
	uint16_t hd = bh_gatts_dsc_handle(f.s, &dsc);
	uint16_t ha = bh_gatts_value_handle(f.s, &chrs[1]);
	uint16_t hs = bh_gatts_value_handle(f.s, &chrs[2]);
	uint8_t lo = (uint8_t)h, hi = (uint8_t)(h >> 8);

	/* Refused: the Prepare Write Request gets the application's code and
	 * its own handle; nothing is queued, so Execute Write writes nothing. */
	pa_n = 0;
	pa_rc = BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHORIZATION);
	fake_expect_error(REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, lo, hi, 0, 0, 'a', 'b'),
			  BH_ATT_PREP_WRITE_REQ, h, BH_ATT_E_INSUFF_AUTHORIZATION);
	assert_int_equal(pa_n, 1);
	expect_call(0, h, 0, 2, PREP_AUTH, 'a');
	assert_int_equal(REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1)->data[0], BH_ATT_EXEC_WRITE_RSP);
	assert_int_equal(pa_n, 1);

	/* Allowed: asked for the first part only; Execute Write then writes
	 * every part without the AUTHORIZE flag. */
	pa_n = 0;
	pa_rc = BH_OK;
	const struct fake_pdu *r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, lo, hi, 0, 0, 'a', 'b', 'c');
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, lo, hi, 3, 0, 'd', 'e');
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	assert_int_equal(pa_n, 1);
	expect_call(0, h, 0, 3, PREP_AUTH, 'a');
	/* Another connection's queue is its own: asked again there. */
	r = REQ(&f, 2, BH_ATT_PREP_WRITE_REQ, lo, hi, 0, 0, 'z');
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	assert_int_equal(pa_n, 2);
	expect_call(1, h, 0, 1, PREP_AUTH, 'z');
	assert_int_equal(REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1)->data[0], BH_ATT_EXEC_WRITE_RSP);
	assert_int_equal(pa_n, 4);
	expect_call(2, h, 0, 3, PREPARED, 'a');
	expect_call(3, h, 3, 2, PREPARED, 'd');

	/* A new queue (after execute or cancel) is asked again. */
	r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, lo, hi, 0, 0, 'x');
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	assert_int_equal(pa_n, 5);
	expect_call(4, h, 0, 1, PREP_AUTH, 'x');
	assert_int_equal(REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 0)->data[0], BH_ATT_EXEC_WRITE_RSP);
	assert_int_equal(pa_n, 5);
	r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, lo, hi, 0, 0, 'y');
	assert_int_equal(pa_n, 6);
	expect_call(5, h, 0, 1, PREP_AUTH, 'y');
	/* A refusal of a second attribute leaves the first one's part queued. */
	pa_rc = BH_ATT_ERROR(0x80);
	fake_expect_error(REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, (uint8_t)hd, (uint8_t)(hd >> 8), 0, 0, 'q'),
			  BH_ATT_PREP_WRITE_REQ, hd, 0x80);
	expect_call(6, hd, 0, 1, PREP_AUTH, 'q');
	assert_int_equal(REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1)->data[0], BH_ATT_EXEC_WRITE_RSP);
	assert_int_equal(pa_n, 8);
	expect_call(7, h, 0, 1, PREPARED, 'y');

	/* The authorize callback refuses first: the write callback is not asked. */
	pa_n = 0;
	pa_rc = BH_OK;
	auth_rc = BH_EPERM;
	auth_calls = 0;
	fake_expect_error(REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, (uint8_t)ha, (uint8_t)(ha >> 8), 0, 0, 1),
			  BH_ATT_PREP_WRITE_REQ, ha, BH_ATT_E_INSUFF_AUTHORIZATION);
	assert_int_equal(auth_calls, 1);
	assert_int_equal(pa_n, 0);
	auth_rc = BH_OK;
	r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, (uint8_t)ha, (uint8_t)(ha >> 8), 0, 0, 1);
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	assert_int_equal(auth_calls, 2);
	assert_int_equal(pa_n, 1);
	expect_call(0, ha, 0, 1, PREP_AUTH, 1);
	REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 0);

	/* A stack-held value has no callback to ask: queued and written. */
	pa_n = 0;
	r = REQ(&f, 1, BH_ATT_PREP_WRITE_REQ, (uint8_t)hs, (uint8_t)(hs >> 8), 0, 0, 7, 8);
	assert_int_equal(r->data[0], BH_ATT_PREP_WRITE_RSP);
	assert_int_equal(REQ(&f, 1, BH_ATT_EXEC_WRITE_REQ, 1)->data[0], BH_ATT_EXEC_WRITE_RSP);
	uint8_t v[8];
	size_t n = 0;
	assert_int_equal(bh_gatts_get_value(f.s, hs, v, sizeof(v), &n), BH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 7);
	assert_int_equal(pa_n, 0);
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permissions_matrix),
		cmocka_unit_test(test_notify_now_full),
		cmocka_unit_test(test_signed_write_security),
		cmocka_unit_test(test_cccd_three_connections),
		cmocka_unit_test(test_notify_indicate_api),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_robust_caching),
		cmocka_unit_test(test_prepare_authorize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
