/* ATT bearer: one per connection (Vol 3, Part F, 3.3 and 3.4.2).
 *
 * Client side: one outstanding request at a time (3.3.2), the rest wait in a
 * bounded FIFO; responses are matched by opcode; a transaction that is not
 * complete after 30 s kills the bearer (3.3.3). Server side: one request
 * served at a time, Exchange MTU answered here, indications one at a time
 * with their own 30 s timer, confirmations sent after the upper layer saw the
 * indication. Everything that must go out (request, response, indication,
 * confirmation) is kept when port.send says BH_EBUSY and retried on
 * bh_att_can_send; notifications and commands are not kept, the caller gets
 * BH_EBUSY and waits for port.can_send, which is the pull model of the
 * design. */
#include <blehost/att.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_pool.h>

#include <stdlib.h>
#include <string.h>

#define LOG(att, lvl, ...) BH_LOGF((att)->env, lvl, "att", __VA_ARGS__)

enum req_state { REQ_IDLE, REQ_UNSENT, REQ_SENT };

/* A queued PDU's buffer is made when it is queued, as long as the PDU, and
 * freed when it leaves the queue: an idle bearer holds none. The rings of
 * entries grow on use too (ring_grow), up to the configured depth: most
 * links never queue more than one or two requests and no indication, and
 * the whole depth for every link is most of a link's ATT memory. */
struct att_req {
	uint8_t *buf;
	uint16_t len;
	bh_att_rsp_cb cb;
	void *ctx;
	bool cancelled; /* completed with BH_ECANCELLED; the response is dropped */
	bool to_cancel; /* there when a bh_att_cancel for its ctx started */
};

/* The client's requests and the server's indications: each a ring whose
 * head (e[head]) is the active one when state != REQ_IDLE; cap entries are
 * made so far, at most max. */
struct att_q {
	struct att_req *e;
	unsigned cap, max, head, count;
	enum req_state state;
	bh_time_ms deadline;
};

enum { Q_REQ, Q_IND };

/* The flags each PDU tests first and the held response last, so that most
 * members sit at small offsets, which most instruction sets encode shorter
 * (x86-64: one octet below 128, four from there on). */
struct bh_att {
	uint16_t mtu;
	bool dead;
	bool mtu_exchanged; /* as server: later MTU requests are answered but ignored */
	bool want_can_send; /* a caller got BH_EBUSY for a notification/command */
	bool full; /* port.send said BH_ATT_NOW_FULL; cleared by bh_att_can_send */

	/* server: the request being served */
	bool serving;
	uint8_t serving_op;
	bool rsp_held;
	unsigned confirms_held; /* confirmations owed after BH_EBUSY */
	/* Why the bearer is dead, for every later call: BH_ETIMEDOUT after a
	 * transaction timeout (Vol 3, Part F, 3.3.3), so a caller learns the
	 * bearer timed out rather than a bare "wrong state"; else the reason
	 * bh_att_disconnected was given. */
	bh_status dead_reason;
	/* A response or confirmation held for want of memory (the link's
	 * buffers grow with use): tried again then, since no buffer coming
	 * back may ever call bh_att_can_send. BH_NEVER: none. */
	bh_time_ms retry_at;

	uint8_t *scratch; /* notifications are built here: made by the first */
	uint16_t scratch_cap;

	const struct bh_env *env;
	struct bh_att_port port;
	struct bh_att_config cfg;

	struct att_q q[2]; /* Q_REQ: the client's requests; Q_IND: the server's indications */

	/* A response held after BH_EBUSY: in rsp_buf (made then, grown as
	 * needed) or, when that cannot be made, an Error Response in rsp_err. */
	uint8_t *rsp_buf;
	const uint8_t *rsp_held_pdu;
	uint16_t rsp_len, rsp_cap;
	uint8_t rsp_err[5];
};

/* port.send; BH_ATT_NOW_FULL marks the bearer full and counts as sent. */
static int att_send(struct bh_att *att, const uint8_t *pdu, size_t len)
{
	int rc = att->port.send(att->port.ctx, pdu, len);
	if (rc != BH_ATT_NOW_FULL)
		return rc;
	att->full = true;
	return 0;
}

void bh_att_config_default(struct bh_att_config *c)
{
	memset(c, 0, sizeof(*c));
	c->local_mtu = BH_ATT_MAX_MTU;
	c->max_queued_requests = 16;
	c->timeout_ms = BH_ATT_TIMEOUT_MS;
	c->max_queued_indications = 4;
}

struct bh_att *bh_att_new(const struct bh_att_config *cfg, const struct bh_env *env,
			  const struct bh_att_port *port)
{
	if (!env || !port || !port->send)
		return NULL;
	struct bh_att *att = calloc(1, sizeof(*att));
	if (!att)
		return NULL;
	if (cfg)
		att->cfg = *cfg;
	else
		bh_att_config_default(&att->cfg);
	struct bh_att_config *c = &att->cfg;
	if (c->local_mtu < BH_ATT_DEFAULT_MTU)
		c->local_mtu = BH_ATT_DEFAULT_MTU;
	if (c->local_mtu > BH_ATT_MAX_MTU)
		c->local_mtu = BH_ATT_MAX_MTU;
	if (!c->timeout_ms)
		c->timeout_ms = BH_ATT_TIMEOUT_MS;
	if (!c->max_queued_indications)
		c->max_queued_indications = 4;
	att->env = env;
	att->retry_at = BH_NEVER;
	att->port = *port;
	att->mtu = BH_ATT_DEFAULT_MTU;
	att->q[Q_REQ].max = c->max_queued_requests + 1; /* the outstanding one plus the queue */
	att->q[Q_IND].max = c->max_queued_indications + 1;
	return att;
}

static void fail_all(struct bh_att *att, bh_status reason);

void bh_att_free(struct bh_att *att)
{
	if (!att)
		return;
	fail_all(att, BH_EDISCONNECTED);
	for (struct att_q *q = att->q; q < att->q + 2; q++) {
		for (unsigned i = 0; i < q->cap; i++)
			free(q->e[i].buf);
		free(q->e);
	}
	free(att->rsp_buf);
	free(att->scratch);
	free(att);
}

uint16_t bh_att_mtu(const struct bh_att *att) { return att->mtu; }
bool bh_att_is_dead(const struct bh_att *att) { return att->dead; }
bool bh_att_full(const struct bh_att *att) { return att->full; }
unsigned bh_att_outstanding(const struct bh_att *att) { return att->q[Q_REQ].count; }

void bh_att_set_fixed_mtu(struct bh_att *att, uint16_t mtu)
{
	if (mtu < BH_ATT_DEFAULT_MTU)
		mtu = BH_ATT_DEFAULT_MTU;
	att->mtu = mtu < att->cfg.local_mtu ? mtu : att->cfg.local_mtu;
	att->mtu_exchanged = true;
}

static void set_mtu(struct bh_att *att, uint16_t peer_mtu)
{
	/* 3.4.2.2: both sides use min(client Rx MTU, server Rx MTU), never
	 * below the default of 23. */
	uint16_t m = peer_mtu < att->cfg.local_mtu ? peer_mtu : att->cfg.local_mtu;
	if (m < BH_ATT_DEFAULT_MTU)
		m = BH_ATT_DEFAULT_MTU;
	if (m == att->mtu)
		return;
	att->mtu = m;
	if (att->port.mtu_changed)
		att->port.mtu_changed(att->port.ctx, m);
}

/* Makes room for one more entry in q, doubling its ring from 2 up to
 * q->max. The new ring is unrolled to start at 0, so the entries keep their
 * order. false when it is at max (the queue is full) or memory runs out: the
 * caller answers BH_ENOMEM to both, and q is unchanged. */
static bool ring_grow(struct att_q *q)
{
	if (q->count < q->cap)
		return true;
	if (q->cap >= q->max)
		return false;
	unsigned n = q->cap ? q->cap * 2 : 2;
	if (n > q->max)
		n = q->max;
	struct att_req *t = bh_ring_regrow(q->e, sizeof(*t), q->cap, q->head, q->count, n);
	if (!t)
		return false;
	q->e = t;
	q->cap = n;
	q->head = 0;
	return true;
}

static struct att_req *q_at(struct att_q *q, unsigned i)
{
	return &q->e[(q->head + i) % q->cap];
}

/* Queues an entry for a len-octet PDU; returns its buffer for the caller
 * to fill, or NULL (BH_ENOMEM: full queue or no memory). */
static uint8_t *q_push(struct att_q *q, size_t len, bh_att_rsp_cb cb, void *ctx)
{
	if (!ring_grow(q))
		return NULL;
	uint8_t *buf = malloc(len);
	if (!buf)
		return NULL;
	struct att_req *r = q_at(q, q->count);
	r->buf = buf;
	r->len = (uint16_t)len;
	r->cb = cb;
	r->ctx = ctx;
	r->cancelled = false;
	r->to_cancel = false;
	q->count++;
	return buf;
}

/* Takes the head out of the queue (its buffer freed, the queue idle) and
 * returns what its callback needs. */
static struct att_req q_pop(struct att_q *q)
{
	struct att_req *r = q_at(q, 0);
	struct att_req out = *r;
	free(r->buf);
	r->buf = NULL;
	q->head = (q->head + 1) % q->cap;
	q->count--;
	q->state = REQ_IDLE;
	return out;
}

/* Removes queue entry i (0 = head) keeping order; its buffer is freed. */
static void req_remove(struct bh_att *att, unsigned i)
{
	struct att_q *q = &att->q[Q_REQ];
	struct att_req gone = *q_at(q, i);
	free(gone.buf);
	gone.buf = NULL;
	for (unsigned k = i; k + 1 < q->count; k++)
		*q_at(q, k) = *q_at(q, k + 1);
	*q_at(q, q->count - 1) = gone;
	q->count--;
	if (i == 0 && q->count == 0)
		q->head = 0;
}

static void q_complete(struct bh_att *att, struct att_q *q, bh_status st, const uint8_t *rsp,
		       size_t len);

/* Sends the head of a queue (request or indication) when it may go now:
 * the bearer is idle, or retry says we were told there is room again after
 * BH_EBUSY (only then is an unsent head resent). The transaction timer
 * starts when it becomes outstanding, so a congested link also ends in a
 * timeout. A refusal that nothing would ever retry (a pool out of buffers,
 * a lost link) fails the entry. */
static void q_kick(struct bh_att *att, struct att_q *q, bool retry)
{
	if (att->dead || q->count == 0)
		return;
	if (q->state == REQ_SENT || (q->state == REQ_UNSENT && !retry))
		return;
	if (q->state == REQ_IDLE) {
		q->state = REQ_UNSENT;
		q->deadline = bh_now(att->env) + att->cfg.timeout_ms;
	}
	const struct att_req *r = q_at(q, 0);
	int rc = att_send(att, r->buf, r->len);
	if (rc == 0)
		q->state = REQ_SENT;
	if (rc == 0 || rc == BH_EBUSY)
		return;
	LOG(att, BH_LOG_WARN, "send of %s failed: %s", bh_att_opcode_str(r->buf[0]),
	    bh_strerror(rc));
	q->state = REQ_IDLE;
	q_complete(att, q, rc, NULL, 0);
}

/* Completes the head entry: it leaves the queue before the callback, so
 * the callback may queue or cancel freely. */
static void q_complete(struct bh_att *att, struct att_q *q, bh_status st, const uint8_t *rsp,
		       size_t len)
{
	struct att_req r = q_pop(q);
	if (r.cb && !r.cancelled)
		r.cb(r.ctx, st, rsp, len);
	q_kick(att, q, false);
}

static void req_kick(struct bh_att *att) { q_kick(att, &att->q[Q_REQ], false); }

static void req_complete(struct bh_att *att, bh_status st, const uint8_t *rsp, size_t len)
{
	q_complete(att, &att->q[Q_REQ], st, rsp, len);
}

int bh_att_request(struct bh_att *att, const uint8_t *req, size_t len, bh_att_rsp_cb cb, void *ctx)
{
	if (att->dead)
		return att->dead_reason;
	if (!req || len < 1 || !bh_att_is_request(req[0]) || len > att->mtu)
		return BH_EINVAL;
	/* Out of memory is the answer a full queue gives. */
	uint8_t *buf = q_push(&att->q[Q_REQ], len, cb, ctx);
	if (!buf)
		return BH_ENOMEM;
	memcpy(buf, req, len);
	req_kick(att);
	return 0;
}

void bh_att_cancel(struct bh_att *att, void *ctx)
{
	if (!att)
		return;
	/* Only the requests there now: a callback below may queue a new one
	 * with the same ctx (a retry), which this call must not cancel (it
	 * would be cancelled, call back, queue another, without end). */
	for (unsigned i = 0; i < att->q[Q_REQ].count; i++) {
		struct att_req *r = q_at(&att->q[Q_REQ], i);
		/* Set, never cleared here: a cancel for another ctx nested in
		 * one of our callbacks must leave our marks alone. */
		if (r->ctx == ctx && !r->cancelled)
			r->to_cancel = true;
	}
	bool again = true;
	while (again) {
		again = false;
		for (unsigned i = 0; i < att->q[Q_REQ].count; i++) {
			struct att_req *r = q_at(&att->q[Q_REQ], i);
			if (!r->to_cancel || r->ctx != ctx)
				continue;
			r->to_cancel = false;
			bh_att_rsp_cb cb = r->cb;
			if (i == 0 && att->q[Q_REQ].state == REQ_SENT) {
				/* On the air: it keeps the bearer until answered. */
				r->cancelled = true;
			} else {
				if (i == 0)
					att->q[Q_REQ].state = REQ_IDLE;
				req_remove(att, i);
			}
			if (cb)
				cb(ctx, BH_ECANCELLED, NULL, 0);
			again = true; /* the callback may have changed the queue */
			break;
		}
	}
	req_kick(att);
}

/* The on_* handlers get the PDU and what bh_att_decode made of it: rc and,
 * when rc is BH_OK, d. */
static void on_response(struct bh_att *att, const uint8_t *pdu, size_t len, int rc,
			const struct bh_att_pdu *d)
{
	if (att->q[Q_REQ].state != REQ_SENT) {
		LOG(att, BH_LOG_INFO, "%s with no outstanding request: dropped",
		    bh_att_opcode_str(pdu[0]));
		return;
	}
	const uint8_t *req = q_at(&att->q[Q_REQ], 0)->buf;
	uint8_t req_op = req[0];
	if (pdu[0] != BH_ATT_ERROR_RSP && pdu[0] != bh_att_response_for(req_op)) {
		/* The peer answers one request at a time (Vol 3, Part F,
		 * 3.3.2): this was its answer to ours, and it is wrong (a
		 * buggy peer, or a bit the link layer's CRC missed). The PDU
		 * is dropped, but the right one will never come: fail the
		 * request now rather than after the 30 s transaction timer. */
		LOG(att, BH_LOG_INFO, "%s does not answer %s: dropped, request failed",
		    bh_att_opcode_str(pdu[0]), bh_att_opcode_str(req_op));
		req_complete(att, BH_EPROTO, NULL, 0);
		return;
	}
	if (rc != BH_OK) {
		req_complete(att, BH_EMALFORMED, pdu, len);
		return;
	}
	if (d->opcode == BH_ATT_ERROR_RSP) {
		if (d->u.error.req_opcode != req_op) {
			LOG(att, BH_LOG_INFO,
			    "Error Response for %s while %s is outstanding: dropped, request failed",
			    bh_att_opcode_str(d->u.error.req_opcode), bh_att_opcode_str(req_op));
			req_complete(att, BH_EPROTO, NULL, 0);
			return;
		}
		req_complete(att, BH_ATT_ERROR(d->u.error.code), pdu, len);
		return;
	}
	if (d->opcode == BH_ATT_MTU_RSP)
		set_mtu(att, bh_get16(req + 1) < d->u.mtu.mtu ? bh_get16(req + 1) : d->u.mtu.mtu);
	req_complete(att, BH_OK, pdu, len);
}

/* ---- server side -------------------------------------------------------- */

/* Makes room for len bytes in *buf (of *cap): the buffers grow to the
 * largest PDU they carried, never above local_mtu. Callers on the data path
 * test *cap themselves first; kept out of line so that the notification
 * path does not pay for its registers (callgrind: +14 instructions per
 * notification inlined). */
__attribute__((noinline)) static bool att_room(struct bh_att *att, uint8_t **buf, uint16_t *cap,
					       size_t len)
{
	if (len <= *cap)
		return true;
	size_t n = 2 * (size_t)*cap > len ? 2 * (size_t)*cap : len;
	if (n > att->cfg.local_mtu)
		n = att->cfg.local_mtu;
	uint8_t *b = realloc(*buf, n);
	if (!b)
		return false;
	*buf = b;
	*cap = (uint16_t)n;
	return true;
}

/* Keeps a response for bh_att_can_send. Without memory for it the peer
 * still gets an answer: Error Response, Insufficient Resources (3.4.1.1). */
static void server_hold_rsp(struct bh_att *att, const uint8_t *rsp, size_t len)
{
	if (rsp == att->rsp_held_pdu) {
		/* already held */
	} else if (att_room(att, &att->rsp_buf, &att->rsp_cap, len)) {
		memcpy(att->rsp_buf, rsp, len);
		att->rsp_held_pdu = att->rsp_buf;
	} else {
		LOG(att, BH_LOG_WARN, "out of memory holding a response: Insufficient Resources");
		len = bh_att_encode_error(att->rsp_err, att->serving_op, 0,
					  BH_ATT_E_INSUFF_RESOURCES);
		att->rsp_held_pdu = att->rsp_err;
	}
	att->rsp_len = (uint16_t)len;
	att->rsp_held = true;
}

/* port.send said it has no room (BH_EBUSY: wait for bh_att_can_send) or
 * no memory (BH_ENOMEM: try again in a while). false: neither. */
static bool must_wait(struct bh_att *att, int rc)
{
	if (rc == BH_ENOMEM && att->retry_at == BH_NEVER)
		att->retry_at = bh_now(att->env) + BH_ATT_RETRY_MS;
	return rc == BH_EBUSY || rc == BH_ENOMEM;
}

/* Sends the response to the request being served, or holds it. A client
 * waits for it (3.3.2): dropped, the bearer would die of its timeout. */
static void server_send_rsp(struct bh_att *att, const uint8_t *rsp, size_t len)
{
	int rc = att_send(att, rsp, len);
	if (must_wait(att, rc)) {
		server_hold_rsp(att, rsp, len);
		return;
	}
	if (rc != 0)
		LOG(att, BH_LOG_WARN, "response send failed: %d", rc);
	att->rsp_held = false;
	att->serving = false;
}

int bh_att_respond(struct bh_att *att, const uint8_t *rsp, size_t len)
{
	if (att->dead)
		return att->dead_reason;
	if (!att->serving || att->rsp_held)
		return BH_ESTATE;
	if (!rsp || len < 1 || len > att->mtu ||
	    (rsp[0] != BH_ATT_ERROR_RSP && rsp[0] != bh_att_response_for(att->serving_op)))
		return BH_EINVAL;
	server_send_rsp(att, rsp, len);
	return 0;
}

static void on_request(struct bh_att *att, const uint8_t *pdu, size_t len, int rc,
		       const struct bh_att_pdu *d)
{
	if (att->serving) {
		/* 3.3.2: a client must wait for the response; a second request
		 * breaks the protocol. Dropping it (as BlueZ does) keeps memory
		 * bounded; the peer's own transaction timer sorts it out. */
		LOG(att, BH_LOG_INFO, "%s while serving %s: dropped", bh_att_opcode_str(pdu[0]),
		    bh_att_opcode_str(att->serving_op));
		return;
	}
	att->serving = true;
	att->serving_op = pdu[0];
	bool mtu = rc == BH_OK && d->opcode == BH_ATT_MTU_REQ;
	if (rc == BH_OK && !mtu && att->port.server_pdu) {
		att->port.server_pdu(att->port.ctx, pdu, len);
		return;
	}
	/* Answered here: the MTU exchange, and the errors for an unknown
	 * opcode, a malformed request or no server. */
	uint8_t r[5];
	size_t n = 3;
	if (mtu) {
		r[0] = BH_ATT_MTU_RSP;
		bh_put16(r + 1, att->cfg.local_mtu);
	} else {
		n = bh_att_encode_error(r, pdu[0], 0,
					rc == BH_OK || rc == BH_ENOTSUP ? BH_ATT_E_REQUEST_NOT_SUPPORTED
									: BH_ATT_E_INVALID_PDU);
	}
	server_send_rsp(att, r, n);
	/* 3.4.2.2: only the first exchange counts. */
	if (mtu && !att->mtu_exchanged) {
		att->mtu_exchanged = true;
		set_mtu(att, d->u.mtu.mtu);
	}
}

/* ---- indications (server) and notifications ----------------------------- */

/* Notifications and commands are not kept: a caller refused for want of
 * room is told through port.can_send when it returns. */
static bool refuse_full(struct bh_att *att)
{
	if (att->full)
		att->want_can_send = true;
	return att->full;
}

static int send_unqueued(struct bh_att *att, const uint8_t *pdu, size_t len)
{
	int rc = att_send(att, pdu, len);
	if (rc == BH_EBUSY || att->full)
		att->want_can_send = true;
	return rc;
}

int bh_att_indicate(struct bh_att *att, uint16_t handle, const uint8_t *value, size_t len,
		    bh_att_rsp_cb cb, void *ctx)
{
	if (att->dead)
		return att->dead_reason;
	if (len && !value)
		return BH_EINVAL;
	/* 3.4.7.2: only the first ATT_MTU-3 octets can be sent. */
	if (len > (size_t)att->mtu - 3)
		len = (size_t)att->mtu - 3;
	uint8_t *buf = q_push(&att->q[Q_IND], len + 3, cb, ctx);
	if (!buf)
		return BH_ENOMEM;
	buf[0] = BH_ATT_INDICATE;
	bh_put16(buf + 1, handle);
	if (len)
		memcpy(buf + 3, value, len);
	q_kick(att, &att->q[Q_IND], false);
	return 0;
}

int bh_att_notify(struct bh_att *att, uint16_t handle, const uint8_t *value, size_t len,
		  bool *truncated)
{
	if (att->dead)
		return att->dead_reason;
	if (len && !value)
		return BH_EINVAL;
	/* 3.4.7.1: a longer value is truncated to ATT_MTU-3. */
	bool cut = len > (size_t)att->mtu - 3;
	if (cut)
		len = (size_t)att->mtu - 3;
	if (truncated)
		*truncated = cut;
	if (refuse_full(att))
		return BH_EBUSY;
	/* The test first: this is the notification path, the buffer is
	 * nearly always there already. */
	if (len + 3 > att->scratch_cap &&
	    !att_room(att, &att->scratch, &att->scratch_cap, len + 3))
		return BH_ENOMEM;
	att->scratch[0] = BH_ATT_NOTIFY;
	bh_put16(att->scratch + 1, handle);
	if (len)
		memcpy(att->scratch + 3, value, len);
	return send_unqueued(att, att->scratch, len + 3);
}

int bh_att_notify_multiple(struct bh_att *att, const uint8_t *tuples, size_t len)
{
	if (att->dead)
		return att->dead_reason;
	if (!tuples || len + 1 > att->mtu)
		return BH_EINVAL;
	unsigned n = 0;
	size_t off = 0;
	while (off + 4 <= len) {
		off += 4 + (size_t)bh_get16(tuples + off + 2);
		n++;
	}
	if (n < 2 || off != len)
		return BH_EINVAL;
	if (refuse_full(att))
		return BH_EBUSY;
	if (len + 1 > att->scratch_cap &&
	    !att_room(att, &att->scratch, &att->scratch_cap, len + 1))
		return BH_ENOMEM;
	att->scratch[0] = BH_ATT_MULT_NOTIFY;
	memcpy(att->scratch + 1, tuples, len);
	return send_unqueued(att, att->scratch, len + 1);
}

int bh_att_send_command(struct bh_att *att, const uint8_t *pdu, size_t len)
{
	if (att->dead)
		return att->dead_reason;
	if (!pdu || len < 1 || !bh_att_is_command(pdu[0]) || len > att->mtu)
		return BH_EINVAL;
	if (refuse_full(att))
		return BH_EBUSY;
	return send_unqueued(att, pdu, len);
}

static void send_confirm(struct bh_att *att)
{
	const uint8_t c = BH_ATT_CONFIRM;
	if (att->confirms_held || must_wait(att, att_send(att, &c, 1)))
		att->confirms_held++;
}

static void on_notification(struct bh_att *att, const uint8_t *pdu, int rc,
			    const struct bh_att_pdu *d)
{
	if (rc != BH_OK) {
		LOG(att, BH_LOG_INFO, "malformed %s dropped", bh_att_opcode_str(pdu[0]));
		return;
	}
	if (d->opcode == BH_ATT_MULT_NOTIFY) {
		/* Delivered as one notification per tuple (3.4.7.4). */
		const uint8_t *p = d->u.mult_notify.data;
		size_t left = d->u.mult_notify.len;
		while (left >= 4 && left - 4 >= bh_get16(p + 2)) {
			uint16_t n = bh_get16(p + 2);
			if (att->port.notification)
				att->port.notification(att->port.ctx, bh_get16(p), p + 4, n, false);
			p += 4u + n;
			left -= 4u + n;
		}
		return;
	}
	bool ind = d->opcode == BH_ATT_INDICATE;
	if (att->port.notification)
		att->port.notification(att->port.ctx, d->u.write.handle, d->u.write.value,
				       d->u.write.len, ind);
	if (ind && !att->dead)
		send_confirm(att);
}

/* ---- dispatch, flow control, timers, teardown --------------------------- */

void bh_att_on_pdu(struct bh_att *att, const uint8_t *pdu, size_t len)
{
	if (!pdu || len < 1 || att->dead)
		return;
	if (len > att->cfg.local_mtu) {
		LOG(att, BH_LOG_INFO, "%zu-octet PDU exceeds our MTU: dropped", len);
		return;
	}
	uint8_t op = pdu[0];
	struct bh_att_pdu d;
	int rc = bh_att_decode(pdu, len, &d);
	if (bh_att_is_response(op)) {
		on_response(att, pdu, len, rc, &d);
	} else if (op == BH_ATT_NOTIFY || op == BH_ATT_INDICATE || op == BH_ATT_MULT_NOTIFY) {
		on_notification(att, pdu, rc, &d);
	} else if (op == BH_ATT_CONFIRM) {
		if (len != 1 || att->q[Q_IND].state != REQ_SENT) {
			LOG(att, BH_LOG_INFO, "unexpected Handle Value Confirmation: dropped");
			return;
		}
		q_complete(att, &att->q[Q_IND], BH_OK, NULL, 0);
	} else if (bh_att_is_command(op)) {
		/* 3.3: commands get no response; unknown or malformed ones are ignored. */
		if (rc != BH_OK) {
			LOG(att, BH_LOG_DEBUG, "ignored command 0x%02x", op);
			return;
		}
		if (att->port.server_pdu)
			att->port.server_pdu(att->port.ctx, pdu, len);
	} else {
		on_request(att, pdu, len, rc, &d); /* known requests and unknown opcodes */
	}
}

/* The confirmations and the response held back, in order. false: some
 * still wait. */
static bool send_held(struct bh_att *att)
{
	const uint8_t c = BH_ATT_CONFIRM;
	while (att->confirms_held) {
		if (must_wait(att, att_send(att, &c, 1)))
			return false;
		att->confirms_held--;
	}
	if (att->rsp_held)
		server_send_rsp(att, att->rsp_held_pdu, att->rsp_len);
	return !att->rsp_held;
}

void bh_att_can_send(struct bh_att *att)
{
	if (att->dead)
		return;
	att->full = false; /* before the sends below: they may fill it again */
	if (!send_held(att))
		return;
	for (struct att_q *q = att->q; q < att->q + 2; q++) {
		if (q->state == REQ_UNSENT) {
			q_kick(att, q, true);
			if (q->state == REQ_UNSENT)
				return;
		}
	}
	if (att->want_can_send) {
		att->want_can_send = false;
		if (att->port.can_send)
			att->port.can_send(att->port.ctx);
	}
}

bh_time_ms bh_att_next_deadline(const struct bh_att *att)
{
	bh_time_ms t = BH_NEVER;
	if (att->dead)
		return t;
	for (const struct att_q *q = att->q; q < att->q + 2; q++)
		if (q->state != REQ_IDLE && q->deadline < t)
			t = q->deadline;
	return att->retry_at < t ? att->retry_at : t;
}

/* Completes every pending and queued operation with reason, exactly once;
 * the bearer is unusable afterwards. */
static void fail_all(struct bh_att *att, bh_status reason)
{
	/* What killed it first (a timeout, then the disconnect it leads to,
	 * stays a timeout); never BH_OK, which would look like success. */
	if (!att->dead)
		att->dead_reason = reason ? reason : BH_EDISCONNECTED;
	att->dead = true;
	att->serving = false;
	att->rsp_held = false;
	att->confirms_held = 0;
	for (struct att_q *q = att->q; q < att->q + 2; q++) {
		while (q->count) {
			struct att_req r = q_pop(q);
			if (r.cb && !r.cancelled)
				r.cb(r.ctx, reason, NULL, 0);
		}
	}
}

void bh_att_on_timeout(struct bh_att *att)
{
	if (att->dead)
		return;
	bh_time_ms now = bh_now(att->env);
	if (now >= att->retry_at) {
		att->retry_at = BH_NEVER;
		send_held(att); /* again, if memory is still short */
	}
	bool late = false;
	for (const struct att_q *q = att->q; q < att->q + 2; q++)
		late |= q->state != REQ_IDLE && now >= q->deadline;
	if (!late)
		return;
	/* 3.3.3: after a transaction timeout no more ATT PDUs may be sent on
	 * this bearer; a new one needs a new connection. */
	LOG(att, BH_LOG_ERROR, "ATT transaction timeout: bearer dead");
	fail_all(att, BH_ETIMEDOUT);
	if (att->port.dead)
		att->port.dead(att->port.ctx, BH_ETIMEDOUT);
}

void bh_att_disconnected(struct bh_att *att, bh_status reason)
{
	fail_all(att, reason);
}
