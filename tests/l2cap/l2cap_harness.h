/* Test harness for L2CAP: a recording port and a pump that wires two
 * bh_l2cap instances back to back on one connection handle. */
#ifndef L2CAP_HARNESS_H
#define L2CAP_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_bytes.h>
#include <blehost/l2cap.h>

#define H 0x0040 /* the connection handle used throughout */
#define MAXF 64

struct node {
	struct bh_l2cap *l2;
	struct node *peer;
	uint8_t f[MAXF][700];
	size_t flen[MAXF];
	unsigned nf;
	int busy; /* acl_send returns BH_EBUSY while > 0 */
	int busy_all; /* acl_send always busy */
	int full; /* acl_send sends and says BH_L2CAP_NOW_FULL while > 0 */
	uint16_t last_handle; /* connection of the last frame sent */
	/* fixed channels */
	unsigned nfixed, ncansend;
	uint16_t fixed_cid;
	size_t fixed_len;
	/* connection parameters */
	bool refuse_params;
	unsigned nparam_req, nupdate, nresult;
	struct bh_l2cap_conn_params upd;
	bh_status param_result;
	/* CoC */
	uint16_t accept_result;
	unsigned nconnected, nrx, ndisc, ncoc_send;
	/* Called from coc_can_send after counting (re-entry tests). */
	void (*on_can_send)(struct node *n, uint16_t cid);
	uint16_t conn_cid, conn_spsm, disc_cid, rx_cid;
	bh_status conn_status, disc_reason;
	uint8_t rx[700];
	size_t rx_len;
	/* every coc_connected, in order (ECFC opens several at once) */
	uint16_t conn_cids[16];
	bh_status conn_statuses[16];
	/* ECFC reconfiguration */
	unsigned nreconf;
	uint16_t reconf_cid;
	bool reconf_by_peer;
	bh_status reconf_status;
};

static __attribute__((unused)) bh_time_ms g_now;
static __attribute__((unused)) const struct bh_env g_env = { .now = bh_manual_clock, .now_ctx = &g_now };

static __attribute__((unused)) int n_acl_send(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	struct node *n = ctx;
	n->last_handle = handle;
	if (n->busy_all)
		return BH_EBUSY;
	if (n->busy > 0) {
		n->busy--;
		return BH_EBUSY;
	}
	assert_true(n->nf < MAXF);
	assert_true(len <= sizeof(n->f[0]));
	memcpy(n->f[n->nf], frame, len);
	n->flen[n->nf++] = len;
	if (n->full > 0) {
		n->full--;
		return BH_L2CAP_NOW_FULL;
	}
	return 0;
}
static __attribute__((unused)) void n_fixed_rx(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *pdu, size_t len)
{
	struct node *n = ctx;
	(void)handle;
	(void)pdu;
	n->nfixed++;
	n->fixed_cid = cid;
	n->fixed_len = len;
}
static __attribute__((unused)) void n_can_send(void *ctx, uint16_t handle)
{
	(void)handle;
	((struct node *)ctx)->ncansend++;
}
static __attribute__((unused)) bool n_param_req(void *ctx, uint16_t handle, const struct bh_l2cap_conn_params *p)
{
	struct node *n = ctx;
	(void)handle;
	(void)p;
	n->nparam_req++;
	return !n->refuse_params;
}
static __attribute__((unused)) void n_update(void *ctx, uint16_t handle, const struct bh_l2cap_conn_params *p)
{
	struct node *n = ctx;
	(void)handle;
	n->nupdate++;
	n->upd = *p;
}
static __attribute__((unused)) void n_result(void *ctx, uint16_t handle, bh_status st)
{
	struct node *n = ctx;
	(void)handle;
	n->nresult++;
	n->param_result = st;
}
static __attribute__((unused)) uint16_t n_accept(void *ctx, uint16_t handle, uint16_t spsm, uint16_t mtu)
{
	(void)handle;
	(void)spsm;
	(void)mtu;
	return ((struct node *)ctx)->accept_result;
}
static __attribute__((unused)) void n_connected(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm, bh_status st)
{
	struct node *n = ctx;
	(void)handle;
	if (n->nconnected < 16) {
		n->conn_cids[n->nconnected] = cid;
		n->conn_statuses[n->nconnected] = st;
	}
	n->nconnected++;
	n->conn_cid = cid;
	n->conn_spsm = spsm;
	n->conn_status = st;
}
static __attribute__((unused)) void n_rx(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len)
{
	struct node *n = ctx;
	(void)handle;
	n->nrx++;
	n->rx_cid = cid;
	memcpy(n->rx, sdu, len);
	n->rx_len = len;
}
static __attribute__((unused)) void n_disc(void *ctx, uint16_t handle, uint16_t cid, bh_status reason)
{
	struct node *n = ctx;
	(void)handle;
	n->ndisc++;
	n->disc_cid = cid;
	n->disc_reason = reason;
}
static __attribute__((unused)) void n_coc_can_send(void *ctx, uint16_t handle, uint16_t cid)
{
	(void)handle;
	struct node *n = ctx;
	n->ncoc_send++;
	if (n->on_can_send)
		n->on_can_send(n, cid);
}

static __attribute__((unused)) void n_reconf(void *ctx, uint16_t handle, uint16_t cid, bool by_peer,
					      bh_status st)
{
	struct node *n = ctx;
	(void)handle;
	n->nreconf++;
	n->reconf_cid = cid;
	n->reconf_by_peer = by_peer;
	n->reconf_status = st;
}

static __attribute__((unused)) void node_init_cfg(struct node *n, enum bh_l2cap_role role, const struct bh_l2cap_config *c)
{
	memset(n, 0, sizeof(*n));
	struct bh_l2cap_port p = {
		.ctx = n, .acl_send = n_acl_send, .fixed_rx = n_fixed_rx, .can_send = n_can_send,
		.conn_param_request = n_param_req, .conn_update = n_update,
		.conn_param_result = n_result, .coc_accept = n_accept, .coc_connected = n_connected,
		.coc_rx = n_rx, .coc_disconnected = n_disc, .coc_can_send = n_coc_can_send,
		.ecfc_reconfigured = n_reconf,
	};
	n->l2 = bh_l2cap_new(c, &g_env, &p);
	assert_non_null(n->l2);
	assert_int_equal(bh_l2cap_conn_added(n->l2, H, role), 0);
}

static __attribute__((unused)) void small_cfg(struct bh_l2cap_config *c)
{
	bh_l2cap_config_default(c);
	c->coc_mtu = 100;
	c->coc_mps = 23;
	c->coc_credits = 4;
	c->att_mtu = 64;
}

static __attribute__((unused)) void node_init(struct node *n, enum bh_l2cap_role role)
{
	struct bh_l2cap_config c;
	small_cfg(&c);
	node_init_cfg(n, role, &c);
}

static __attribute__((unused)) void link_nodes(struct node *a, struct node *b)
{
	a->peer = b;
	b->peer = a;
}

/* Takes the oldest frame a node sent. */
static __attribute__((unused)) size_t pop(struct node *n, uint8_t *out)
{
	assert_true(n->nf > 0);
	size_t len = n->flen[0];
	memcpy(out, n->f[0], len);
	for (unsigned i = 1; i < n->nf; i++) {
		memcpy(n->f[i - 1], n->f[i], n->flen[i]);
		n->flen[i - 1] = n->flen[i];
	}
	n->nf--;
	return len;
}

/* Delivers frames both ways until quiet. */
static __attribute__((unused)) void pump(struct node *a, struct node *b)
{
	for (int guard = 0; guard < 1000; guard++) {
		struct node *from = a->nf ? a : b->nf ? b : NULL;
		if (!from)
			return;
		uint8_t f[700];
		size_t len = pop(from, f);
		bh_l2cap_on_acl(from->peer->l2, H, f, len);
	}
	fail_msg("pump did not settle");
}

static __attribute__((unused)) void frame_in_h(struct node *n, uint16_t handle, uint16_t cid,
						const uint8_t *p, size_t len)
{
	uint8_t f[700];
	bh_put16(f, (uint16_t)len);
	bh_put16(f + 2, cid);
	memcpy(f + 4, p, len);
	bh_l2cap_on_acl(n->l2, handle, f, len + 4);
}

static __attribute__((unused)) void frame_in(struct node *n, uint16_t cid, const uint8_t *p, size_t len)
{
	frame_in_h(n, H, cid, p, len);
}

/* A signaling command into n. */
static __attribute__((unused)) void sig_in(struct node *n, uint8_t code, uint8_t ident, const uint8_t *d, size_t len)
{
	uint8_t p[64];
	p[0] = code;
	p[1] = ident;
	bh_put16(p + 2, (uint16_t)len);
	memcpy(p + 4, d, len);
	frame_in(n, BH_L2CAP_CID_LE_SIGNALING, p, len + 4);
}
#define SIG_IN(n, code, ident, ...) do { const uint8_t _d[] = { __VA_ARGS__ }; \
	sig_in(n, code, ident, _d, sizeof(_d)); } while (0)

/* Checks that frame i of n is the signaling command code/ident with data d. */
static __attribute__((unused)) void expect_sig(struct node *n, unsigned i, uint8_t code, uint8_t ident, const uint8_t *d,
		       size_t len)
{
	assert_true(i < n->nf);
	assert_int_equal(n->flen[i], 8 + len);
	assert_int_equal(bh_get16(n->f[i]), 4 + len);
	assert_int_equal(bh_get16(n->f[i] + 2), BH_L2CAP_CID_LE_SIGNALING);
	assert_int_equal(n->f[i][4], code);
	if (ident)
		assert_int_equal(n->f[i][5], ident);
	assert_int_equal(bh_get16(n->f[i] + 6), len);
	if (len)
		assert_memory_equal(n->f[i] + 8, d, len);
}
#define EXPECT_SIG(n, i, code, ident, ...) do { const uint8_t _d[] = { __VA_ARGS__ }; \
	expect_sig(n, i, code, ident, _d, sizeof(_d)); } while (0)
#define EXPECT_SIG0(n, i, code, ident) expect_sig(n, i, code, ident, NULL, 0)

static __attribute__((unused)) void node_free(struct node *n)
{
	bh_l2cap_free(n->l2);
	n->l2 = NULL;
}

#endif
