/* A fake HCI port for GAP tests: records every command GAP sends and, on
 * fake_pump(), answers them in order with Command Complete (or Command
 * Status for commands that finish with an event), status 0 unless told
 * otherwise. Also records what GAP tells the host. Header-only: every
 * function is static inline so each test program takes what it uses. */
#ifndef GAP_FAKE_HCI_H
#define GAP_FAKE_HCI_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_env.h>
#include <blehost/gap.h>

struct fake_cmd {
	uint16_t op;
	uint8_t p[255];
	size_t len;
	bh_hci_cmd_cb cb;
	void *ctx;
};

struct fake {
	struct fake_cmd cmds[512];
	size_t n, next_done;
	struct bh_hci_info info;
	bh_time_ms now;
	struct bh_xrand rnd;
	struct bh_env env;
	struct bh_gap *gap;
	uint16_t fail_op;     /* answer this opcode with fail_status */
	uint8_t fail_status;
	int hci_rc;           /* non-zero: hci_cmd returns it */
	uint16_t max_adv_len; /* LE Read Maximum Advertising Data Length answer */
	uint8_t num_sets;     /* LE Read Number of Supported Advertising Sets answer */
	struct bh_gap_conn connected[16];
	size_t n_connected;
	uint16_t disc_handle[16];
	uint8_t disc_reason[16];
	size_t n_disc;
	size_t n_changed;
	uint16_t last_changed_handle;
	bool resolve;         /* resolve_rpa succeeds with `identity` */
	bh_addr identity;
	size_t n_make_rpa;
	bool info_null;       /* info() answers NULL (before bring-up) */
	/* conn_updated calls, the last one's status and connection */
	size_t n_updated;
	bh_status updated_status;
	struct bh_gap_conn updated;
	/* conn_param_request: calls, refuse, or replace the reply with *set */
	size_t n_param_req;
	bool refuse_params;
	const struct bh_gap_conn_params *set_params;
};

static inline int fake_hci_cmd(void *ctx, uint16_t op, const void *params, size_t len,
			       bh_hci_cmd_cb cb, void *cbctx)
{
	struct fake *f = ctx;
	if (f->hci_rc)
		return f->hci_rc;
	assert_true(f->n < 512);
	assert_true(len <= 255);
	struct fake_cmd *c = &f->cmds[f->n++];
	c->op = op;
	c->len = len;
	if (len)
		memcpy(c->p, params, len);
	c->cb = cb;
	c->ctx = cbctx;
	return 0;
}

static inline const struct bh_hci_info *fake_info(void *ctx)
{
	struct fake *f = ctx;
	return f->info_null ? NULL : &f->info;
}

static inline void fake_connected(void *ctx, const struct bh_gap_conn *c)
{
	struct fake *f = ctx;
	if (f->n_connected < 16)
		f->connected[f->n_connected++] = *c;
}

static inline void fake_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct fake *f = ctx;
	if (f->n_disc < 16) {
		f->disc_handle[f->n_disc] = handle;
		f->disc_reason[f->n_disc++] = reason;
	}
}

static inline void fake_changed(void *ctx, const struct bh_gap_conn *c)
{
	((struct fake *)ctx)->n_changed++;
	((struct fake *)ctx)->last_changed_handle = c->handle;
}

static inline void fake_updated(void *ctx, const struct bh_gap_conn *c, bh_status st)
{
	struct fake *f = ctx;
	f->n_updated++;
	f->updated_status = st;
	f->updated = *c;
}

static inline bool fake_param_request(void *ctx, const struct bh_gap_conn *c,
				      struct bh_gap_conn_params *p)
{
	(void)c;
	struct fake *f = ctx;
	f->n_param_req++;
	if (f->set_params)
		*p = *f->set_params;
	return !f->refuse_params;
}

static inline bool fake_resolve(void *ctx, const bh_addr *rpa, bh_addr *id)
{
	(void)rpa;
	struct fake *f = ctx;
	if (f->resolve)
		*id = f->identity;
	return f->resolve;
}

static inline int fake_make_rpa(void *ctx, bh_addr *out)
{
	struct fake *f = ctx;
	f->n_make_rpa++;
	out->type = BH_ADDR_RANDOM;
	uint8_t v[6] = { 0x11, 0x22, 0x33, (uint8_t)f->n_make_rpa, 0x55, 0x40 | 0x15 };
	memcpy(out->val, v, 6);
	return 0;
}

/* What an advertising set's start callback and on_stopped were told. */
struct fake_srec {
	size_t cb_n, stop_n;
	bh_status cb, stop;
};

static inline void fake_set_cb(void *ctx, bh_status st)
{
	struct fake_srec *r = ctx;
	r->cb_n++;
	r->cb = st;
}

static inline void fake_set_stopped(void *ctx, bh_status st)
{
	struct fake_srec *r = ctx;
	r->stop_n++;
	r->stop = st;
}

/* Commands completed by a later event: the controller answers Command Status. */
static inline bool fake_is_status_cmd(uint16_t op)
{
	return op == BH_HCI_LE_CREATE_CONN || op == BH_HCI_LE_EXT_CREATE_CONN ||
	       op == BH_HCI_LE_CONN_UPDATE || op == BH_HCI_DISCONNECT ||
	       op == BH_HCI_LE_READ_REMOTE_FEATURES || op == BH_HCI_LE_PERIODIC_CREATE_SYNC;
}

static inline void fake_set_sup(struct fake *f, uint16_t bit)
{
	f->info.commands[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static inline void fake_init(struct fake *f, bool ext)
{
	memset(f, 0, sizeof(*f));
	bh_xrand_seed(&f->rnd, 42);
	f->now = 1000;
	f->env.now = bh_manual_clock;
	f->env.now_ctx = &f->now;
	f->env.random = bh_xrand_fill;
	f->env.random_ctx = &f->rnd;
	f->info.bdaddr.type = BH_ADDR_PUBLIC;
	memcpy(f->info.bdaddr.val, "\x01\x02\x03\x04\x05\x06", 6);
	f->max_adv_len = 1650;
	f->num_sets = 4;
	if (ext) {
		fake_set_sup(f, BH_SUP_LE_SET_EXT_ADV_PARAMS);
		fake_set_sup(f, BH_SUP_LE_SET_EXT_SCAN_PARAMS);
		fake_set_sup(f, BH_SUP_LE_SET_EXT_SCAN_ENABLE);
		fake_set_sup(f, BH_SUP_LE_EXT_CREATE_CONN);
		fake_set_sup(f, BH_SUP_LE_READ_MAX_ADV_DATA_LEN);
		fake_set_sup(f, BH_SUP_LE_SET_EXT_ADV_ENABLE);
		fake_set_sup(f, BH_SUP_LE_READ_NUM_ADV_SETS);
		f->info.le_features[1] |= 1u << 4; /* LE Extended Advertising */
	}
}

/* fake_gap with its own RPA maker (NULL: fake_make_rpa's fixed ones). */
static inline struct bh_gap *fake_gap_rpa_maker(struct fake *f, const struct bh_gap_config *cfg,
						int (*make_rpa)(void *ctx, bh_addr *out))
{
	struct bh_gap_config c;
	bh_gap_config_default(&c);
	if (cfg)
		c = *cfg;
	struct bh_gap_port port = {
		.ctx = f,
		.hci_cmd = fake_hci_cmd,
		.info = fake_info,
		.connected = fake_connected,
		.disconnected = fake_disconnected,
		.conn_changed = fake_changed,
		.conn_updated = fake_updated,
		.conn_param_request = fake_param_request,
		.resolve_rpa = fake_resolve,
		.make_rpa = make_rpa ? make_rpa : fake_make_rpa,
	};
	f->gap = bh_gap_new(&c, &f->env, &port);
	assert_non_null(f->gap);
	return f->gap;
}

static inline struct bh_gap *fake_gap(struct fake *f, const struct bh_gap_config *cfg)
{
	return fake_gap_rpa_maker(f, cfg, NULL);
}

/* A GAP on a fresh f (extended commands when ext) whose own address is an
 * RPA, rotated every 60 s. */
static inline struct bh_gap *fake_gap_rpa(struct fake *f, bool ext)
{
	fake_init(f, ext);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.own_addr = BH_GAP_OWN_RPA;
	cfg.rpa_timeout_ms = 60000;
	return fake_gap(f, &cfg);
}

/* Answers every command sent so far (and those they trigger). */
static inline void fake_pump(struct fake *f)
{
	while (f->next_done < f->n) {
		struct fake_cmd *c = &f->cmds[f->next_done++];
		uint8_t status = c->op == f->fail_op ? f->fail_status : 0;
		bh_status st = status ? BH_HCI_STATUS(status) : BH_OK;
		if (fake_is_status_cmd(c->op)) {
			c->cb(c->ctx, st, NULL, 0);
			continue;
		}
		uint8_t ret[3] = { status };
		size_t rl = 1;
		if (c->op == BH_HCI_LE_READ_MAX_ADV_DATA_LEN) {
			bh_put16(ret + 1, f->max_adv_len);
			rl = 3;
		}
		if (c->op == BH_HCI_LE_READ_NUM_ADV_SETS) {
			ret[1] = f->num_sets;
			rl = 2;
		}
		c->cb(c->ctx, st, ret, rl);
	}
}

static inline size_t fake_count(const struct fake *f, uint16_t op)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->cmds[i].op == op;
	return n;
}

static inline const struct fake_cmd *fake_last(const struct fake *f, uint16_t op)
{
	for (size_t i = f->n; i-- > 0;)
		if (f->cmds[i].op == op)
			return &f->cmds[i];
	return NULL;
}

/* Asserts the opcodes sent from index `from` on are exactly ops[0..n). */
static inline void fake_expect_ops(const struct fake *f, size_t from, const uint16_t *ops, size_t n)
{
	assert_int_equal(f->n - from, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(f->cmds[from + i].op, ops[i]);
}

static inline void fake_expect_params(const struct fake_cmd *c, const uint8_t *p, size_t len)
{
	assert_non_null(c);
	assert_int_equal(c->len, len);
	assert_memory_equal(c->p, p, len);
}

static inline void fake_meta(struct fake *f, uint8_t sub, const uint8_t *p, size_t len)
{
	bh_gap_on_le_meta(f->gap, sub, p, len);
}

/* LE Connection Complete (7.7.65.1). */
static inline void fake_conn_complete(struct fake *f, uint8_t status, uint16_t handle, uint8_t role,
				      const bh_addr *peer)
{
	uint8_t e[18] = { status };
	bh_put16(e + 1, handle);
	e[3] = role;
	e[4] = peer ? peer->type : 0;
	if (peer)
		memcpy(e + 5, peer->val, 6);
	bh_put16(e + 11, 40);
	bh_put16(e + 13, 0);
	bh_put16(e + 15, 400);
	e[17] = 0;
	fake_meta(f, BH_LE_CONN_COMPLETE, e, sizeof(e));
}

static inline void fake_disc_complete(struct fake *f, uint16_t handle, uint8_t reason)
{
	uint8_t e[4] = { 0 };
	bh_put16(e + 1, handle);
	e[3] = reason;
	bh_gap_on_event(f->gap, BH_HCI_EVT_DISCONN_COMPLETE, e, 4);
}

#endif
