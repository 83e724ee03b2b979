/* GATT client engine: lifetime, the operation queue (one procedure at a
 * time), response dispatch, security retry, cancellation, disconnect, and
 * notification routing with subscriptions. */
#include "gattc_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *gattc_op_kind_str(int kind)
{
	static const char *const n[] = { "discover", "read", "read-long", "read-by-uuid",
					 "read-multiple", "read-multiple-var", "write",
					 "prepare-write", "mtu", "validate" };
	return kind >= 0 && kind < (int)(sizeof(n) / sizeof(n[0])) ? n[kind] : "?";
}

const char *gattc_op_state_str(int state)
{
	static const char *const n[] = { "queued", "running", "wait-rsp", "wait-security" };
	return state >= 0 && state < (int)(sizeof(n) / sizeof(n[0])) ? n[state] : "?";
}

void bh_gattc_config_default(struct bh_gattc_config *cfg)
{
	cfg->max_ops = 16;
	cfg->max_services = 64;
	cfg->max_chrs = 256;
	cfg->max_descs = 512;
	cfg->max_includes = 32;
	cfg->max_subscriptions = 32;
}

/* Every bound is at least 1; the tree's are indexed in 16 bits (a
 * characteristic's service, a descriptor's characteristic). */
static bool cfg_ok(const struct bh_gattc_config *cfg)
{
	static const uint8_t off[] = {
		offsetof(struct bh_gattc_config, max_services),
		offsetof(struct bh_gattc_config, max_chrs),
		offsetof(struct bh_gattc_config, max_descs),
		offsetof(struct bh_gattc_config, max_includes),
		offsetof(struct bh_gattc_config, max_ops),
		offsetof(struct bh_gattc_config, max_subscriptions),
	};
	for (unsigned i = 0; i < sizeof(off); i++) {
		unsigned v = *(const unsigned *)(const void *)((const char *)cfg + off[i]);
		if (!v || (i < 4 && v > 0xffff))
			return false;
	}
	return true;
}

struct bh_gattc *bh_gattc_new(const struct bh_gattc_config *cfg, const struct bh_env *env,
			      const struct bh_gattc_port *port, const struct bh_gattc_events *events)
{
	struct bh_gattc_config def;
	if (!cfg) {
		bh_gattc_config_default(&def);
		cfg = &def;
	}
	if (!env || !port || !port->request || !port->cancel || !port->mtu || !cfg_ok(cfg))
		return NULL;
	struct bh_gattc *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->env = *env;
	c->port = *port;
	if (events)
		c->ev = *events;
	c->cfg = *cfg;
	c->connected = true;
	/* The tree (services, characteristics, descriptors, includes) is
	 * made as discovery finds it, the subscription table as the app
	 * subscribes (gattc_reserve), the re-subscription records by the
	 * first Service Changed (gattc_resub_reserve). */
	if (bh_pool_init(&c->ops, "gattc-ops", sizeof(struct gattc_op), cfg->max_ops) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

static void fail_all(struct bh_gattc *c, bh_status reason, bool link_gone);

void bh_gattc_free(struct bh_gattc *c)
{
	if (!c)
		return;
	if (c->connected || c->cur || c->head)
		fail_all(c, BH_EDISCONNECTED, true);
	c->port.cancel(c->port.ctx, &c->cleanup_token);
	bh_pool_destroy(&c->ops);
	free(c->svcs);
	free(c->chrs);
	free(c->descs);
	free(c->incls);
	free(c->subs);
	free(c->resub);
	free(c->res_buf);
	free(c);
}

int gattc_reserve(void **arr, unsigned *cap, unsigned need, unsigned max, size_t size)
{
	if (need <= *cap)
		return BH_OK;
	if (need > max)
		return BH_ENOSPACE;
	unsigned n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	if (n > max)
		n = max;
	void *t = realloc(*arr, (size_t)n * size);
	if (!t)
		return BH_ENOMEM;
	*arr = t;
	*cap = n;
	return BH_OK;
}

/* Where each array and its configured maximum are, so that the appends,
 * sorts and range drops share one body each. */
#define GATTC_ARR(a, max)                                                                  \
	{ offsetof(struct bh_gattc, a), offsetof(struct bh_gattc, cfg.max),                \
	  sizeof(*((struct bh_gattc *)0)->a) }
#define GATTC_VEC_OK(a, count, capacity)                                                   \
	_Static_assert(offsetof(struct bh_gattc, count) ==                                     \
				       offsetof(struct bh_gattc, a) + offsetof(struct gattc_vec, n) && \
			       offsetof(struct bh_gattc, capacity) ==                           \
				       offsetof(struct bh_gattc, a) + offsetof(struct gattc_vec, cap), \
		       #a " is not laid out as a gattc_vec")
GATTC_VEC_OK(svcs, n_svcs, cap_svcs);
GATTC_VEC_OK(chrs, n_chrs, cap_chrs);
GATTC_VEC_OK(descs, n_descs, cap_descs);
GATTC_VEC_OK(incls, n_incls, cap_incls);
GATTC_VEC_OK(subs, n_subs, cap_subs);

static const struct {
	uint16_t arr, max, size;
} arrs[] = {
	[GATTC_SVCS] = GATTC_ARR(svcs, max_services),
	[GATTC_CHRS] = GATTC_ARR(chrs, max_chrs),
	[GATTC_DESCS] = GATTC_ARR(descs, max_descs),
	[GATTC_INCLS] = GATTC_ARR(incls, max_includes),
	[GATTC_SUBS] = GATTC_ARR(subs, max_subscriptions),
};

struct gattc_vec *gattc_vec(struct bh_gattc *c, unsigned which, size_t *size)
{
	*size = arrs[which].size;
	return (struct gattc_vec *)(void *)((char *)c + arrs[which].arr);
}

void *gattc_add(struct bh_gattc *c, unsigned which, int *rc)
{
	size_t size;
	struct gattc_vec *v = gattc_vec(c, which, &size);
	unsigned max = *(const unsigned *)(const void *)((const char *)c + arrs[which].max);
	*rc = gattc_reserve(&v->p, &v->cap, v->n + 1, max, size);
	if (*rc)
		return NULL;
	return memset((char *)v->p + (size_t)v->n++ * size, 0, size);
}

uint16_t gattc_mtu(const struct bh_gattc *c)
{
	uint16_t m = c->port.mtu(c->port.ctx);
	/* A port that reports nonsense must not make segment sizes underflow. */
	if (m < BH_ATT_DEFAULT_MTU)
		m = BH_ATT_DEFAULT_MTU;
	if (m > BH_ATT_MAX_MTU)
		m = BH_ATT_MAX_MTU;
	return m;
}

uint16_t bh_gattc_mtu(const struct bh_gattc *c) { return gattc_mtu(c); }
bool bh_gattc_is_connected(const struct bh_gattc *c) { return c->connected; }
const struct bh_gattc_stats *bh_gattc_stats(const struct bh_gattc *c) { return &c->stats; }
void bh_gattc_stats_reset(struct bh_gattc *c) { memset(&c->stats, 0, sizeof(c->stats)); }
struct bh_pool *bh_gattc_op_pool(struct bh_gattc *c) { return &c->ops; }

int gattc_can_start(const struct bh_gattc *c)
{
	if (!c->connected)
		return BH_EDISCONNECTED;
	/* The bearer timed out (the only way c->dead is set): the caller is
	 * told so, as the operations pending then were (Vol 3, Part F, 3.3.3). */
	if (c->dead)
		return BH_ETIMEDOUT;
	return BH_OK;
}

struct gattc_op *gattc_op_new(struct bh_gattc *c, uint8_t kind, size_t buf_need, bh_gattc_cb cb,
			      void *ctx, int *err)
{
	int r = gattc_can_start(c);
	if (r) {
		*err = r;
		return NULL;
	}
	if (buf_need < GATTC_BUF_MIN)
		buf_need = GATTC_BUF_MIN;
	struct gattc_op *op = bh_pool_alloc_sized(&c->ops, offsetof(struct gattc_op, buf) + buf_need);
	if (!op) {
		*err = BH_ENOMEM;
		return NULL;
	}
	memset(op, 0, offsetof(struct gattc_op, buf));
	op->c = c;
	op->kind = kind;
	op->state = OPS_QUEUED;
	op->cb = cb;
	op->ctx = ctx;
	*err = BH_OK;
	return op;
}

static void start_op(struct gattc_op *op)
{
	op->state = OPS_RUNNING;
	switch (op->kind) {
	case OP_DISCOVER:
		gattc_disc_start(op);
		break;
	case OP_VALIDATE:
		gattc_validate_start(op);
		break;
	default:
		gattc_rw_start(op);
		break;
	}
}

/* Starts queued ops while the client is idle. The flag keeps a completion
 * inside start_op (or a user callback starting an op) from recursing. */
static void kick(struct bh_gattc *c)
{
	if (c->kicking)
		return;
	c->kicking = true;
	while (!c->cur && c->head && c->connected && !c->dead) {
		struct gattc_op *op = c->head;
		c->head = op->next;
		if (!c->head)
			c->tail = NULL;
		op->next = NULL;
		c->cur = op;
		start_op(op);
	}
	c->kicking = false;
}

void gattc_op_submit(struct gattc_op *op)
{
	struct bh_gattc *c = op->c;
	op->next = NULL;
	if (c->tail)
		c->tail->next = op;
	else
		c->head = op;
	c->tail = op;
	kick(c);
}

void gattc_complete(struct gattc_op *op, bh_status st, const struct bh_gattc_result *res)
{
	struct bh_gattc *c = op->c;
	if (c->cur == op)
		c->cur = NULL;
	BH_LOGF(&c->env, BH_LOG_DEBUG, "gatt", "%s done: %s", gattc_op_kind_str(op->kind),
		bh_strerror(st));
	struct bh_gattc_result r;
	if (res)
		r = *res;
	else
		memset(&r, 0, sizeof(r));
	/* The op's slot is freed before the callback so the callback can start
	 * a new op even with the pool full; a value living in the op moves to
	 * the client first. */
	/* Only a long read's value lives in the op (its start made res_buf).
	 * Asked by kind, not by address: a block holds only the part of buf its
	 * kind uses, so another op's value (in the bearer's buffer) may lie
	 * where a whole buf would have reached. */
	if (op->kind == OP_READ_LONG && r.value == op->buf) {
		memcpy(c->res_buf, r.value, r.len);
		r.value = c->res_buf;
	}
	if (op->kind == OP_DISCOVER || op->kind == OP_VALIDATE)
		gattc_disc_finish(op, st);
	c->stats.ops_completed++;
	if (c->sec_op == op)
		c->sec_op = NULL;
	bh_gattc_cb cb = op->cb;
	void *ctx = op->ctx;
	bh_pool_free(&c->ops, op);
	bool was_kicking = c->kicking;
	c->kicking = true; /* an op started from cb waits until we are done */
	if (cb)
		cb(ctx, st, &r);
	c->kicking = was_kicking;
	kick(c);
}

static void rsp_cb(void *cbctx, bh_status status, const uint8_t *rsp, size_t len);

void gattc_send(struct gattc_op *op)
{
	struct bh_gattc *c = op->c;
	op->state = OPS_WAIT_RSP;
	c->stats.requests++;
	int r = c->port.request(c->port.ctx, op->req, op->req_len, rsp_cb, op);
	if (r != 0 && op->state == OPS_WAIT_RSP) {
		op->state = OPS_RUNNING;
		c->stats.requests--;
		if (op->kind == OP_WRITE_PREP)
			gattc_rw_abort(op);
		gattc_complete(op, r, NULL);
	}
}

void gattc_send_range(struct gattc_op *op, uint8_t opcode, uint16_t start, uint16_t end,
		      int32_t type16, const bh_uuid *value)
{
	uint8_t *p = op->req;
	size_t n = 5;
	p[0] = opcode;
	bh_put16(p + 1, start);
	bh_put16(p + 3, end);
	if (type16 >= 0) {
		bh_put16(p + 5, (uint16_t)type16);
		n = 7;
	}
	if (value)
		n += gattc_uuid_wire(value, p + n);
	op->req_len = n;
	gattc_send(op);
}

void gattc_send_read(struct gattc_op *op, uint16_t handle)
{
	op->req[0] = BH_ATT_READ_REQ;
	bh_put16(op->req + 1, handle);
	op->req_len = 3;
	gattc_send(op);
}

static void cleanup_cb(void *ctx, bh_status status, const uint8_t *rsp, size_t len)
{
	/* Nobody waits for an Execute Write cancel; its outcome changes nothing. */
	(void)ctx;
	(void)status;
	(void)rsp;
	(void)len;
}

void gattc_send_cleanup(struct bh_gattc *c, const uint8_t *pdu, size_t len)
{
	if (!c->connected || c->dead)
		return;
	c->stats.requests++;
	if (c->port.request(c->port.ctx, pdu, len, cleanup_cb, &c->cleanup_token) != 0)
		c->stats.requests--;
}

static bool is_security_error(uint8_t code)
{
	return code == BH_ATT_E_INSUFF_AUTHENTICATION || code == BH_ATT_E_INSUFF_ENCRYPTION ||
	       code == BH_ATT_E_ENC_KEY_SIZE_TOO_SHORT;
}

static void dispatch(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu)
{
	switch (op->kind) {
	case OP_DISCOVER:
		gattc_disc_rsp(op, st, pdu);
		break;
	case OP_VALIDATE:
		gattc_validate_rsp(op, st, pdu);
		break;
	default:
		gattc_rw_rsp(op, st, pdu);
		break;
	}
}

static void security_done(void *done_ctx, bh_status status)
{
	struct bh_gattc *c = done_ctx;
	struct gattc_op *op = c->sec_op;
	/* A late report for an op already cancelled or disconnected is dropped. */
	if (!op || op->state != OPS_WAIT_SECURITY || c->cur != op)
		return;
	c->sec_op = NULL;
	op->state = OPS_RUNNING;
	if (status != BH_OK) {
		struct bh_att_pdu e = { .opcode = BH_ATT_ERROR_RSP };
		e.u.error.req_opcode = op->req[0];
		e.u.error.handle = op->sec_handle;
		e.u.error.code = op->sec_code;
		dispatch(op, BH_ATT_ERROR(op->sec_code), &e);
		return;
	}
	op->sec_retried = true;
	c->stats.security_retries++;
	gattc_send(op);
}

/* An Error Response for want of security: the port may raise it and the
 * request is sent again once (security_done). true: the op waits. */
static bool wait_security(struct gattc_op *op, const struct bh_att_pdu *pdu)
{
	struct bh_gattc *c = op->c;
	uint8_t code = pdu->u.error.code;
	if (!is_security_error(code) || op->sec_retried || !c->port.raise_security)
		return false;
	op->state = OPS_WAIT_SECURITY;
	op->sec_code = code;
	op->sec_handle = pdu->u.error.handle;
	c->sec_op = op;
	if (c->port.raise_security(c->port.ctx, code, security_done, c) == 0)
		return true;
	if (c->sec_op != op || op->state != OPS_WAIT_SECURITY)
		return true; /* the hook reported although it declined */
	c->sec_op = NULL;
	op->state = OPS_RUNNING;
	return false;
}

static void rsp_cb(void *cbctx, bh_status status, const uint8_t *rsp, size_t len)
{
	struct gattc_op *op = cbctx;
	struct bh_gattc *c = op->c;
	/* Only the op whose request is out may be answered; anything else is a
	 * port replaying a callback it was told to drop. */
	if (op != c->cur || op->state != OPS_WAIT_RSP)
		return;
	op->state = OPS_RUNNING;

	if (status == BH_EDISCONNECTED) {
		fail_all(c, status, true);
		return;
	}
	if (status == BH_ETIMEDOUT && c->port.bearer_left && c->port.bearer_left(c->port.ctx)) {
		/* That bearer only is dead (an EATT one): this op fails, the
		 * queue goes on over the others. The link stays, and with it
		 * the client's prepare queue at the server (Vol 3, Part F,
		 * 3.4.6), which may hold the unanswered Prepare Write too:
		 * cancelled on a bearer left. */
		if (op->kind == OP_WRITE_PREP) {
			op->u.w.prepared = true;
			gattc_rw_abort(op);
		}
		gattc_complete(op, status, NULL);
		return;
	}
	if (status == BH_ETIMEDOUT) {
		/* Vol 3, Part F, 3.3.3: no further ATT on this bearer. */
		c->dead = true;
		fail_all(c, status, false);
		return;
	}
	if (status == BH_ECANCELLED) {
		if (op->kind == OP_WRITE_PREP)
			gattc_rw_abort(op);
		gattc_complete(op, BH_ECANCELLED, NULL);
		return;
	}

	/* What the op's handler hears: a status, and the PDU when there is
	 * one to read (a response, or an Error Response). */
	struct bh_att_pdu pdu;
	const struct bh_att_pdu *ans = NULL;
	bh_status st;
	if (!rsp || len == 0) {
		st = status == BH_OK ? BH_EMALFORMED : status;
	} else if (bh_att_decode(rsp, len, &pdu) != BH_OK) {
		st = BH_EMALFORMED;
	} else if (pdu.opcode == BH_ATT_ERROR_RSP && pdu.u.error.req_opcode != op->req[0]) {
		st = BH_EPROTO;
	} else if (pdu.opcode == BH_ATT_ERROR_RSP) {
		if (wait_security(op, &pdu))
			return;
		st = BH_ATT_ERROR(pdu.u.error.code);
		ans = &pdu;
	} else if (status != BH_OK) {
		st = status;
	} else if (pdu.opcode != bh_att_response_for(op->req[0])) {
		st = BH_EPROTO;
	} else {
		st = BH_OK;
		ans = &pdu;
	}
	dispatch(op, st, ans);
}

/* Detaches the running op from the port so no callback can reach it again. */
static void detach_cur(struct bh_gattc *c)
{
	struct gattc_op *op = c->cur;
	if (!op)
		return;
	if (op->state == OPS_WAIT_RSP) {
		op->state = OPS_RUNNING; /* rsp_cb now ignores it */
		c->port.cancel(c->port.ctx, op);
	}
	if (c->sec_op == op)
		c->sec_op = NULL;
}

static void fail_all(struct bh_gattc *c, bh_status reason, bool link_gone)
{
	if (link_gone)
		c->connected = false;
	detach_cur(c);
	if (link_gone)
		c->n_subs = 0;
	struct gattc_op *q = c->head;
	c->head = c->tail = NULL;
	bool was_kicking = c->kicking;
	c->kicking = true;
	if (c->cur)
		gattc_complete(c->cur, reason, NULL);
	while (q) {
		struct gattc_op *n = q->next;
		gattc_complete(q, reason, NULL);
		q = n;
	}
	/* Ops a callback queued meanwhile fail too: the link is gone. */
	while (c->head) {
		struct gattc_op *op = c->head;
		c->head = op->next;
		if (!c->head)
			c->tail = NULL;
		gattc_complete(op, reason, NULL);
	}
	c->kicking = was_kicking;
}

void bh_gattc_disconnected(struct bh_gattc *c, bh_status reason)
{
	if (reason == BH_OK)
		reason = BH_EDISCONNECTED;
	fail_all(c, reason, true);
	c->port.cancel(c->port.ctx, &c->cleanup_token);
	if (!c->disc_reported) {
		c->disc_reported = true;
		if (c->ev.disconnected)
			c->ev.disconnected(c->ev.ctx, reason);
	}
}

unsigned bh_gattc_cancel(struct bh_gattc *c, void *ctx)
{
	unsigned n = 0;
	/* Collect first: callbacks may queue new ops with the same ctx, which
	 * this call must not touch. */
	struct gattc_op *victims = NULL, **vt = &victims;
	struct gattc_op **pp = &c->head;
	c->tail = NULL;
	while (*pp) {
		struct gattc_op *op = *pp;
		if (op->ctx == ctx) {
			*pp = op->next;
			op->next = NULL;
			*vt = op;
			vt = &op->next;
		} else {
			c->tail = op;
			pp = &op->next;
		}
	}
	bool was_kicking = c->kicking;
	c->kicking = true;
	struct gattc_op *cur = c->cur;
	if (cur && cur->ctx == ctx) {
		n++;
		if (cur->state == OPS_WAIT_RSP) {
			/* The port completes it with BH_ECANCELLED through rsp_cb. */
			c->port.cancel(c->port.ctx, cur);
		}
		if (c->cur == cur) {
			/* Waiting for security, or a port that did not call back. */
			detach_cur(c);
			if (cur->kind == OP_WRITE_PREP)
				gattc_rw_abort(cur);
			gattc_complete(cur, BH_ECANCELLED, NULL);
		}
	}
	while (victims) {
		struct gattc_op *op = victims;
		victims = op->next;
		gattc_complete(op, BH_ECANCELLED, NULL);
		n++;
	}
	c->kicking = was_kicking;
	kick(c);
	return n;
}

/* ---- Notifications and subscriptions ------------------------------------ */

static struct gattc_sub *sub_find(struct bh_gattc *c, uint16_t value_handle)
{
	for (unsigned i = 0; i < c->n_subs; i++)
		if (c->subs[i].value_handle == value_handle)
			return &c->subs[i];
	return NULL;
}

void gattc_sub_remove(struct bh_gattc *c, uint16_t value_handle, bh_gattc_notify_cb cb,
		      void *ctx)
{
	for (unsigned i = 0; i < c->n_subs; i++) {
		struct gattc_sub *s = &c->subs[i];
		if (s->value_handle == value_handle && (!cb || (s->cb == cb && s->ctx == ctx))) {
			c->subs[i] = c->subs[--c->n_subs];
			return;
		}
	}
}

void gattc_resub_drop(struct bh_gattc *c, uint16_t lo, uint16_t hi, bh_status st)
{
	/* One at a time, the table searched again after each report: the
	 * callback may unsubscribe others (it cannot add one in the range,
	 * which has left the tree). */
	for (;;) {
		unsigned i = 0;
		while (i < c->n_subs &&
		       (c->subs[i].value_handle < lo || c->subs[i].value_handle > hi))
			i++;
		if (i == c->n_subs)
			return;
		uint16_t old = c->subs[i].value_handle;
		c->subs[i] = c->subs[--c->n_subs];
		BH_LOGF(&c->env, BH_LOG_WARN, "gatt", "re-subscribe 0x%04x: %s", old,
			bh_strerror(st));
		if (c->ev.resubscribed)
			c->ev.resubscribed(c->ev.ctx, old, 0, st);
	}
}

void bh_gattc_on_notification(struct bh_gattc *c, uint16_t handle, const uint8_t *value,
			      size_t len, bool indication)
{
	if (!c->connected)
		return;
	if (indication)
		c->stats.indications++;
	else
		c->stats.notifications++;
	if (!value)
		len = 0;
	/* Service Changed is only ever indicated (Vol 3, Part G, 7.1): a
	 * notification skips the search of the tree for it. */
	const struct gattc_chr *sc = indication ? gattc_find_chr16(c, 0x2a05) : NULL;
	struct gattc_sub *s = sub_find(c, handle);
	/* Copy the route: the callback may unsubscribe and reshuffle the table. */
	bh_gattc_notify_cb cb = s ? s->cb : c->ev.unsubscribed;
	void *ctx = s ? s->ctx : c->ev.ctx;
	if (sc && sc->pub.value_handle == handle) {
		gattc_service_changed(c, value, len);
		if (!s)
			return; /* handled here, not "unsubscribed" traffic */
	}
	if (cb)
		cb(ctx, handle, value, len, indication);
}

static void sub_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	(void)ctx;
	(void)st;
	(void)res;
}

static int write_cccd(struct bh_gattc *c, uint16_t value_handle, uint16_t what, bool add,
		      bh_gattc_notify_cb ncb, void *nctx, bh_gattc_cb cb, void *ctx)
{
	/* A link gone or a bearer timed out first: the tree that a failed
	 * discovery left empty would otherwise answer BH_ENOTFOUND. */
	int err = gattc_can_start(c);
	if (err)
		return err;
	const struct bh_gattc_chr *chr = bh_gattc_chr_by_handle(c, value_handle);
	if (!chr || chr->value_handle != value_handle)
		return BH_ENOTFOUND;
	if (!chr->cccd_handle)
		return BH_ENOTSUP;
	if (add) {
		if (!what || (what & ~(BH_GATTC_NOTIFY | BH_GATTC_INDICATE)) || !ncb)
			return BH_EINVAL;
		if (((what & BH_GATTC_NOTIFY) && !(chr->props & BH_GATT_PROP_NOTIFY)) ||
		    ((what & BH_GATTC_INDICATE) && !(chr->props & BH_GATT_PROP_INDICATE)))
			return BH_ENOTSUP;
	}
	struct gattc_op *op = gattc_op_new(c, OP_WRITE, 2, cb ? cb : sub_done, ctx, &err);
	if (!op)
		return err;
	if (add) {
		struct gattc_sub *s = sub_find(c, value_handle);
		if (!s) {
			/* A full table and no memory to grow it: the same answer. */
			s = gattc_add(c, GATTC_SUBS, &err);
			if (!s) {
				bh_pool_free(&c->ops, op);
				return BH_ENOMEM;
			}
		}
		s->value_handle = value_handle;
		s->what = what;
		s->cb = ncb;
		s->ctx = nctx;
		op->u.w.is_cccd = true;
		op->u.w.sub_handle = value_handle;
		op->u.w.sub_cb = ncb;
		op->u.w.sub_ctx = nctx;
	} else {
		gattc_sub_remove(c, value_handle, NULL, NULL);
	}
	op->handle = chr->cccd_handle;
	bh_put16(op->buf, add ? what : 0);
	op->buf_len = 2;
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_subscribe(struct bh_gattc *c, uint16_t value_handle, uint16_t what,
		       bh_gattc_notify_cb ncb, void *nctx, bh_gattc_cb cb, void *ctx)
{
	return write_cccd(c, value_handle, what, true, ncb, nctx, cb, ctx);
}

int bh_gattc_unsubscribe(struct bh_gattc *c, uint16_t value_handle, bh_gattc_cb cb, void *ctx)
{
	return write_cccd(c, value_handle, 0, false, NULL, NULL, cb, ctx);
}
