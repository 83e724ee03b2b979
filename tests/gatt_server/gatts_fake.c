/* The fake port behind the GATT server tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gatts_fake.h"

static void logrec(struct fake_pdu *log, unsigned *n, uint16_t conn, uint16_t handle,
		   const uint8_t *p, size_t len)
{
	assert_true(*n < FAKE_MAX_LOG);
	assert_true(len <= BH_ATT_MAX_MTU);
	struct fake_pdu *e = &log[(*n)++];
	e->conn = conn;
	e->handle = handle;
	e->len = len;
	if (len)
		memcpy(e->data, p, len);
}

static int f_respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	struct fake *f = ctx;
	/* A response never exceeds the MTU (Vol 3, Part F, 3.2.8). */
	assert_true(len >= 1 && len <= f->mtu);
	logrec(f->rsp, &f->nrsp, conn, 0, pdu, len);
	return f->respond_rc;
}

static int f_notify(void *ctx, uint16_t conn, uint16_t handle, const uint8_t *value, size_t len,
		    bool *truncated)
{
	struct fake *f = ctx;
	if (f->notify_rc)
		return f->notify_rc;
	size_t max = (size_t)f->mtu - 3;
	if (truncated)
		*truncated = len > max;
	logrec(f->ntf, &f->nntf, conn, handle, value, len > max ? max : len);
	if (f->notify_full > 0) {
		f->notify_full--;
		return BH_GATTS_NOW_FULL;
	}
	return 0;
}

static int f_indicate(void *ctx, uint16_t conn, uint16_t handle, const uint8_t *value, size_t len)
{
	struct fake *f = ctx;
	if (f->indicate_rc)
		return f->indicate_rc;
	assert_true(len <= (size_t)f->mtu - 3);
	logrec(f->ind, &f->nind, conn, handle, value, len);
	return 0;
}

static uint16_t f_mtu(void *ctx, uint16_t conn)
{
	(void)conn;
	return ((struct fake *)ctx)->mtu;
}

static void f_security(void *ctx, uint16_t conn, struct bh_gatts_security *out)
{
	(void)conn;
	*out = ((struct fake *)ctx)->sec;
}

static bh_status f_verify(void *ctx, uint16_t conn, const uint8_t *msg, size_t len,
			  const uint8_t sig[12], bool *authenticated)
{
	struct fake *f = ctx;
	(void)conn;
	(void)msg;
	assert_true(len >= 3);
	assert_int_equal(msg[0], BH_ATT_SIGNED_WRITE_CMD);
	/* The signature is what follows the signed part. */
	assert_ptr_equal(sig, msg + len);
	f->nverify++;
	*authenticated = f->verify_mitm;
	return f->verify_rc;
}

static void e_sub(void *ctx, uint16_t conn, uint16_t h, uint16_t v)
{
	struct fake *f = ctx;
	f->nsub++;
	f->sub_conn = conn;
	f->sub_handle = h;
	f->sub_value = v;
}

static void e_ind_done(void *ctx, uint16_t conn, uint16_t h, bh_status st)
{
	struct fake *f = ctx;
	f->nind_done++;
	f->ind_done_conn = conn;
	f->ind_done_handle = h;
	f->ind_done_st = st;
}

static void e_can_send(void *ctx, uint16_t conn)
{
	(void)conn;
	((struct fake *)ctx)->ncan_send++;
}

void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->env.now = bh_manual_clock;
	f->env.now_ctx = &f->now;
	f->env.log_level = BH_LOG_ERROR;
	f->mtu = BH_ATT_DEFAULT_MTU;
	f->port = (struct bh_gatts_port){ .ctx = f, .respond = f_respond, .notify = f_notify,
					  .indicate = f_indicate, .mtu = f_mtu,
					  .security = f_security, .verify_signed = f_verify };
	f->ev = (struct bh_gatts_events){ .ctx = f, .subscription = e_sub,
					  .indication_done = e_ind_done, .can_send = e_can_send };
}

struct bh_gatts *fake_server(struct fake *f, const struct bh_gatts_config *cfg)
{
	struct bh_gatts_config def;
	if (!cfg) {
		bh_gatts_config_default(&def);
		cfg = &def;
	}
	f->s = bh_gatts_new(cfg, &f->env, &f->port, &f->ev);
	return f->s;
}

void fake_free(struct fake *f)
{
	bh_gatts_free(f->s);
	f->s = NULL;
}

const struct fake_pdu *fake_req(struct fake *f, uint16_t conn, const uint8_t *pdu, size_t len)
{
	/* The log restarts with each request: the returned response stays
	 * valid until the next one. */
	f->nrsp = 0;
	unsigned before = f->nrsp;
	bh_gatts_on_pdu(f->s, conn, pdu, len);
	if (f->nrsp == before)
		return NULL;
	/* Exactly one response per request. */
	assert_int_equal(f->nrsp, before + 1);
	assert_int_equal(f->rsp[before].conn, conn);
	return &f->rsp[before];
}

void fake_cmd(struct fake *f, uint16_t conn, const uint8_t *pdu, size_t len)
{
	f->nrsp = 0;
	bh_gatts_on_pdu(f->s, conn, pdu, len);
	assert_int_equal(f->nrsp, 0); /* commands are never answered */
}

void fake_expect_error(const struct fake_pdu *r, uint8_t op, uint16_t handle, uint8_t code)
{
	assert_non_null(r);
	assert_int_equal(r->len, 5);
	assert_int_equal(r->data[0], BH_ATT_ERROR_RSP);
	assert_int_equal(r->data[1], op);
	assert_int_equal(bh_get16(r->data + 2), handle);
	assert_int_equal(r->data[4], code);
}

/* ---- demo database ---------------------------------------------------------- */

struct demo_app demo_app;

static bh_status demo_read(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			   uint8_t *buf, size_t cap, size_t *len)
{
	struct demo_app *a = user;
	(void)conn;
	(void)handle;
	a->nread++;
	a->last_offset = offset;
	if (a->read_rc != BH_OK)
		return a->read_rc;
	if (offset > a->len)
		return BH_ATT_ERROR(BH_ATT_E_INVALID_OFFSET);
	size_t n = a->len - offset < cap ? a->len - offset : cap;
	memcpy(buf, a->val + offset, n);
	*len = n;
	return BH_OK;
}

static bh_status demo_write(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			    const uint8_t *value, size_t len, unsigned flags)
{
	struct demo_app *a = user;
	(void)conn;
	(void)handle;
	a->nwrite++;
	a->last_offset = offset;
	a->last_flags = flags;
	if (a->write_rc != BH_OK)
		return a->write_rc;
	if ((size_t)offset + len > sizeof(a->val))
		return BH_ATT_ERROR(BH_ATT_E_INVALID_VALUE_LENGTH);
	memcpy(a->val + offset, value, len);
	a->len = offset + len;
	return BH_OK;
}

static bh_status demo_auth(void *user, uint16_t conn, uint16_t handle, bool write)
{
	struct demo_app *a = user;
	(void)conn;
	(void)handle;
	(void)write;
	a->nauth++;
	return a->auth_rc;
}

static const struct bh_gatt_presentation demo_fmt = { .format = 0x04, .exponent = -1,
						       .unit = 0x2700, .name_space = 1,
						       .description = 0 };

const struct bh_gatt_chr_def demo_a_chrs[3] = {
	[DEMO_HR] = { .uuid = BH_UUID16_INIT(0x2a37), .props = BH_GATT_CHR_NOTIFY | BH_GATT_CHR_READ,
		      .initial = "hello", .initial_len = 5, .max_len = 20 },
	[DEMO_LOC] = { .uuid = BH_UUID16_INIT(0x2a38), .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE,
		       .initial = "\x01\x02\x03", .initial_len = 3, .max_len = 64,
		       .user_desc = "Location", .format = &demo_fmt },
	[DEMO_FIX] = { .uuid = BH_UUID128_INIT(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					       0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff),
		       .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE | BH_GATT_CHR_WRITE_NO_RSP |
				BH_GATT_CHR_INDICATE | BH_GATT_CHR_AUTH_SIGNED_WRITE,
		       .ext_props = BH_GATT_CHR_EXT_RELIABLE_WRITE,
		       .initial = "\xaa\xbb\xcc\xdd", .initial_len = 4, .fixed_len = true },
};

const struct bh_gatt_dsc_def demo_b_dscs[1] = {
	{ .uuid = BH_UUID16_INIT(0x2908), .read_perm = BH_GATT_PERM_OPEN, .initial = "\x07\x01",
	  .initial_len = 2 },
};

const struct bh_gatt_chr_def demo_b_chrs[1] = {
	{ .uuid = BH_UUID16_INIT(0x2a3d),
	  .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE | BH_GATT_CHR_WRITE_NO_RSP | BH_GATT_CHR_NOTIFY,
	  .ext_props = BH_GATT_CHR_EXT_RELIABLE_WRITE,
	  .read = demo_read, .write = demo_write, .authorize = demo_auth, .user = &demo_app,
	  .dscs = demo_b_dscs, .num_dscs = 1 },
};

const struct bh_gatt_svc_def demo_svcs[2] = {
	{ .uuid = BH_UUID16_INIT(0x180d), .chrs = demo_a_chrs, .num_chrs = 3 },
	{ .uuid = BH_UUID128_INIT(0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78,
				  0x56, 0x34, 0x12, 0x78, 0x56),
	  .chrs = demo_b_chrs, .num_chrs = 1 },
};

void fake_demo(struct fake *f)
{
	memset(&demo_app, 0, sizeof(demo_app));
	memcpy(demo_app.val, "callback", 8);
	demo_app.len = 8;
	assert_int_equal(bh_gatts_add_services(f->s, demo_svcs, 2), BH_OK);
}

void fake_demo_linked(struct fake *f)
{
	fake_init(f);
	assert_non_null(fake_server(f, NULL));
	fake_demo(f);
	assert_int_equal(bh_gatts_connected(f->s, 1), BH_OK);
}

static bool cache_lookup(void *ctx, const uint8_t *msg, size_t len, uint8_t hash[16])
{
	struct fake_hash_cache *c = ctx;
	c->nlookup++;
	assert_true(len <= sizeof(c->seen));
	memcpy(c->seen, msg, len);
	c->seen_len = len;
	if (!c->have || c->len != len || memcmp(c->msg, msg, len) != 0)
		return false;
	memcpy(hash, c->hash, 16);
	return true;
}

static void cache_store(void *ctx, const uint8_t *msg, size_t len, const uint8_t hash[16])
{
	struct fake_hash_cache *c = ctx;
	c->nstore++;
	assert_true(len <= sizeof(c->msg));
	memcpy(c->msg, msg, len);
	c->len = len;
	memcpy(c->hash, hash, 16);
	c->have = true;
}

void fake_hash_cache_config(struct bh_gatts_config *cfg, struct fake_hash_cache *c)
{
	bh_gatts_config_default(cfg);
	cfg->hash_cache_ctx = c;
	cfg->hash_lookup = cache_lookup;
	cfg->hash_store = cache_store;
}
