/* Replay transport: a recorded trace played against the real stack in
 * virtual time.
 *
 * Two cursors walk the records: one over controller->host records (to
 * deliver), one over host->controller records (to match what the stack
 * sends). A controller->host record is delivered only when its time has
 * come and every host->controller record before it has been matched, which
 * keeps cause and effect in the recorded order. The first mismatch stops
 * the replay and keeps a report with both packets in hex and decoded.
 *
 * A fault cut (replay:FILE,cut=N,fault=KIND) plays the trace up to the
 * host's Nth packet, then the controller or the peer fails instead of
 * going on: "disconnect" (Disconnection Complete, reason 0x08, for the
 * newest link; with no link up, a stray one for the next link's handle,
 * after which the trace plays on unchanged), "close" (the transport is
 * lost), "hwerror" (Hardware Error 0x01), "silence" (nothing ever again)
 * or "garble" (the trace plays on to the peer's next ACL packet, which is
 * delivered with one bit flipped: bit K of its payload, L2CAP header
 * included, from ",bit=K", default 32, the ATT opcode's lowest bit; a
 * corruption the link layer's CRC missed, or a buggy peer).
 * After disconnect, hwerror and garble a minimal controller stays: each command
 * gets the answer the trace recorded for its opcode (Command Status ones
 * an error status; unknown opcodes Unknown HCI Command), each ACL packet
 * its Number Of Completed Packets, and no peer answers (after garble the
 * link stays up until the host disconnects it). Nothing is
 * compared after the cut; the host runs into its own timeouts in virtual
 * time, so a session that waits 30 s ends in milliseconds.
 */
#include "transport_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rrec {
	enum bh_trace_dir dir;
	uint8_t type;
	size_t off, len;
	bh_time_ms t;
	unsigned long index;
};

enum fault { FAULT_NONE, FAULT_DISCONNECT, FAULT_CLOSE, FAULT_HWERROR, FAULT_SILENCE, FAULT_GARBLE };

#define MAX_LINKS 16
#define FQ_LEN 16

struct fpkt {
	uint8_t type;
	uint8_t len;
	uint8_t data[258];
};

struct replay {
	struct rrec *recs;
	size_t n;
	uint8_t *data;
	size_t next_in;  /* next controller->host record (or n) */
	size_t next_out; /* next host->controller record (or n) */
	bh_time_ms now;
	bool failed;
	char report[3072];
	char warnings[512]; /* what the reader skipped; logged once, see warn_once */
	bool warned;
	/* fault cut */
	unsigned long cut;   /* host packets matched before the fault (0: none) */
	enum fault fault;
	unsigned long bit;   /* garble: which payload bit to flip */
	unsigned long sent;  /* host packets matched so far */
	bool fault_due, faulted;
	bh_time_ms fault_at;
	uint16_t links[MAX_LINKS]; /* handles up, from the events delivered */
	unsigned n_links;
	struct fpkt fq[FQ_LEN]; /* the minimal controller's answers, to deliver */
	unsigned fq_n;
};

static size_t skip_to(const struct replay *r, size_t i, enum bh_trace_dir dir)
{
	while (i < r->n && r->recs[i].dir != dir)
		i++;
	return i;
}

static struct replay *rp(const struct bh_transport *t)
{
	return t && t->ops->is_virtual ? t->impl : NULL;
}

/* "01 03 0c 00 ..." of at most 48 bytes. */
static void hex(char *out, size_t outlen, uint8_t type, const uint8_t *p, size_t len)
{
	size_t o = (size_t)snprintf(out, outlen, "%02x", type);
	for (size_t i = 0; i < len && i < 48 && o + 4 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, " %02x", p[i]);
	if (len > 48 && o + 4 < outlen)
		snprintf(out + o, outlen - o, " ...");
}

static void describe(char *out, size_t outlen, uint8_t type, const uint8_t *p, size_t len)
{
	char d[128], h[200];
	bh_h4_describe(type, p, len, d, sizeof(d));
	hex(h, sizeof(h), type, p, len);
	snprintf(out, outlen, "%s [%s]", d, h);
}

static void fail_expected(struct replay *r, const struct rrec *exp, const char *why,
			  const uint8_t *got, size_t glen, uint8_t gtype, bool have_got)
{
	char e[400] = "(none)", g[400] = "(nothing sent)";
	if (exp)
		describe(e, sizeof(e), exp->type, r->data + exp->off, exp->len);
	if (have_got)
		describe(g, sizeof(g), gtype, got, glen);
	snprintf(r->report, sizeof(r->report),
		 "replay mismatch at record #%lu (t=%" PRIu64 " ms, virtual now %" PRIu64
		 " ms): %s\n  expected: %s\n  actual:   %s",
		 exp ? exp->index : (r->n ? r->recs[r->n - 1].index + 1 : 1),
		 exp ? exp->t : r->now, r->now, why, e, g);
	r->failed = true;
}

static void after_fault_send(struct replay *r, uint8_t type, const uint8_t *pkt, size_t len);

static int rp_send(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct replay *r = t->impl;
	if (r->faulted) {
		after_fault_send(r, type, pkt, len);
		return BH_OK;
	}
	if (r->failed)
		return BH_OK;
	if (r->next_out >= r->n) {
		fail_expected(r, NULL, "packet sent when the trace expects none", pkt, len, type, true);
		return BH_OK;
	}
	const struct rrec *e = &r->recs[r->next_out];
	if (e->type != type || e->len != len || memcmp(r->data + e->off, pkt, len)) {
		fail_expected(r, e, "sent packet differs from the recorded one", pkt, len, type, true);
		return BH_OK;
	}
	r->next_out = skip_to(r, r->next_out + 1, BH_TRACE_SENT);
	if (r->cut && ++r->sent == r->cut)
		r->fault_due = true;
	return BH_OK;
}

/* ---- fault cut ---- */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void link_add(struct replay *r, uint16_t h)
{
	if (r->n_links < MAX_LINKS)
		r->links[r->n_links++] = h;
}

static void link_del(struct replay *r, uint16_t h)
{
	for (unsigned i = 0; i < r->n_links; i++)
		if (r->links[i] == h) {
			r->links[i] = r->links[--r->n_links];
			return;
		}
}

/* Which links are up, from the events the host was given (Vol 4, Part E,
 * 7.7.5 Disconnection Complete; 7.7.65.1 / 7.7.65.10 LE (Enhanced)
 * Connection Complete). */
static void track_links(struct replay *r, uint8_t type, const uint8_t *p, size_t len)
{
	if (type != 4 || len < 2)
		return;
	if (p[0] == 0x05 && len >= 5 && p[2] == 0)
		link_del(r, get16(p + 3) & 0x0fff);
	else if (p[0] == 0x3e && len >= 6 && (p[2] == 0x01 || p[2] == 0x0a) && p[3] == 0)
		link_add(r, get16(p + 4) & 0x0fff);
	else if (p[0] == 0x0e && len >= 6 && get16(p + 3) == 0x0c03)
		r->n_links = 0; /* Reset */
}

/* The handle of the next link the trace opens (0x0040 if none). */
static uint16_t next_link(const struct replay *r)
{
	for (size_t i = r->next_in; i < r->n; i++) {
		const struct rrec *c = &r->recs[i];
		const uint8_t *p = r->data + c->off;
		if (c->dir == BH_TRACE_RECEIVED && c->type == 4 && c->len >= 6 && p[0] == 0x3e &&
		    (p[2] == 0x01 || p[2] == 0x0a) && p[3] == 0)
			return get16(p + 4) & 0x0fff;
	}
	return 0x0040;
}

static void fq_push(struct replay *r, uint8_t type, const uint8_t *p, size_t len)
{
	if (r->fq_n == FQ_LEN || len > sizeof(r->fq[0].data))
		return; /* the host floods a dead controller: it gets no answer */
	struct fpkt *q = &r->fq[r->fq_n++];
	q->type = type;
	q->len = (uint8_t)len;
	memcpy(q->data, p, len);
}

static void fq_event(struct replay *r, uint8_t code, const uint8_t *params, uint8_t len)
{
	uint8_t e[258] = { code, len };
	memcpy(e + 2, params, len);
	fq_push(r, 4, e, 2u + len);
}

/* The minimal controller left after a disconnect or hwerror fault. */
static void after_fault_send(struct replay *r, uint8_t type, const uint8_t *pkt, size_t len)
{
	if (r->fault == FAULT_SILENCE || r->fault == FAULT_CLOSE)
		return;
	if (type == 2 && len >= 2) {
		uint16_t h = get16(pkt) & 0x0fff;
		uint8_t nocp[5] = { 1, (uint8_t)h, (uint8_t)(h >> 8), 1, 0 };
		fq_event(r, 0x13, nocp, 5);
		return;
	}
	if (type != 1 || len < 3)
		return;
	uint16_t op = get16(pkt);
	if (op == 0x0c03)
		r->n_links = 0;
	if (op == 0x0406 && len >= 5 && r->fault == FAULT_GARBLE) {
		/* The link is still up after a garbled packet: the host's
		 * Disconnect ends it (Vol 4, Part E, 7.1.6), reason 0x16. */
		uint16_t h = get16(pkt + 3) & 0x0fff;
		bool up = false;
		for (unsigned i = 0; i < r->n_links; i++)
			up |= r->links[i] == h;
		uint8_t st[4] = { up ? 0x00 : 0x02, 1, 0x06, 0x04 };
		fq_event(r, 0x0f, st, 4);
		if (up) {
			uint8_t dc[4] = { 0x00, (uint8_t)h, (uint8_t)(h >> 8), 0x16 };
			link_del(r, h);
			fq_event(r, 0x05, dc, 4);
		}
		return;
	}
	/* The trace's own answer for this opcode. */
	for (size_t i = 0; i < r->n; i++) {
		const struct rrec *c = &r->recs[i];
		const uint8_t *p = r->data + c->off;
		if (c->dir != BH_TRACE_RECEIVED || c->type != 4 || c->len < 5)
			continue;
		if (p[0] == 0x0e && c->len >= 6 && get16(p + 3) == op) {
			fq_push(r, 4, p, c->len);
			if (op == 0x200e) { /* the cancelled attempt ends (7.8.13) */
				uint8_t cc[19] = { 0x01, 0x02 };
				fq_event(r, 0x3e, cc, sizeof(cc));
			}
			return;
		}
		if (p[0] == 0x0f && c->len >= 6 && get16(p + 4) == op) {
			/* No link to act on: Unknown Connection Identifier for
			 * Disconnect, Command Disallowed for the rest. */
			uint8_t st[4] = { op == 0x0406 ? 0x02 : 0x0c, 1, (uint8_t)op,
					  (uint8_t)(op >> 8) };
			fq_event(r, 0x0f, st, 4);
			return;
		}
	}
	uint8_t cc[4] = { 1, (uint8_t)op, (uint8_t)(op >> 8), 0x01 };
	fq_event(r, 0x0e, cc, 4);
}

static const char *const fault_names[] = { "",        "disconnect", "close",
					   "hwerror", "silence",    "garble" };

/* The garble fault: record c, a controller->host ACL packet, delivered with
 * bit r->bit of its payload (after the 4-byte HCI ACL header) flipped. */
static void garble(struct bh_transport *t, struct replay *r, const struct rrec *c)
{
	uint8_t p[1024 + 4];
	size_t len = c->len < sizeof(p) ? c->len : sizeof(p);
	memcpy(p, r->data + c->off, len);
	size_t bits = len > 4 ? (len - 4) * 8 : 0;
	unsigned long bit = bits ? r->bit % bits : 0;
	if (bits)
		p[4 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	r->fault_due = false;
	r->faulted = true;
	r->fault_at = r->now;
	if (t->port.env)
		BH_LOGF(t->port.env, BH_LOG_WARN, "transport",
			"fault cut: garble after host packet %lu (virtual %" PRIu64
			" ms): record #%lu, payload bit %lu flipped",
			r->cut, r->now, c->index, bit);
	bh_transport_deliver(t, c->type, p, len);
	/* The rest of a fragmented L2CAP PDU follows, or the garbled one
	 * would never be whole (Vol 4, Part E, 5.4.2: PB 0b01 continues). */
	size_t want = len >= 6 ? get16(p + 4) + 4u : 0, have = len - 4;
	for (size_t i = r->next_in; i < r->n && have < want && !t->dead; i++) {
		const struct rrec *k = &r->recs[i];
		const uint8_t *q = r->data + k->off;
		if (k->dir != BH_TRACE_RECEIVED || k->type != 2 || k->len < 4)
			continue;
		if ((q[1] >> 4 & 3) != 1)
			break;
		have += k->len - 4;
		bh_transport_deliver(t, k->type, q, k->len);
	}
}

static int inject_fault(struct bh_transport *t, struct replay *r)
{
	r->fault_due = false;
	r->fault_at = r->now;
	if (t->port.env)
		BH_LOGF(t->port.env, BH_LOG_WARN, "transport",
			"fault cut: %s after host packet %lu (virtual %" PRIu64 " ms)%s",
			fault_names[r->fault], r->cut, r->now,
			r->fault == FAULT_DISCONNECT && !r->n_links ? ", no link up: stray event" : "");
	if (r->fault == FAULT_DISCONNECT) {
		bool stray = !r->n_links;
		uint16_t h = stray ? next_link(r) : r->links[r->n_links - 1];
		uint8_t dc[6] = { 0x05, 4, 0x00, (uint8_t)h, (uint8_t)(h >> 8), 0x08 };
		if (stray) {
			/* Nothing to lose: the host must ignore it and the
			 * session goes on as recorded. */
			bh_transport_deliver(t, 4, dc, sizeof(dc));
			return BH_OK;
		}
		r->faulted = true;
		link_del(r, h);
		bh_transport_deliver(t, 4, dc, sizeof(dc));
		return BH_OK;
	}
	r->faulted = true;
	if (r->fault == FAULT_CLOSE) {
		bh_transport_die(t, BH_ETRANSPORT);
	} else if (r->fault == FAULT_HWERROR) {
		uint8_t hw[3] = { 0x10, 1, 0x01 };
		r->n_links = 0;
		bh_transport_deliver(t, 4, hw, sizeof(hw));
	}
	return BH_OK;
}

/* The open path has no log (the port is set later): the reader's warnings
 * go out on the first delivery, before the first controller packet. */
static void warn_once(struct bh_transport *t, struct replay *r)
{
	if (r->warned || !t->port.env)
		return;
	r->warned = true;
	if (r->warnings[0])
		BH_LOGF(t->port.env, BH_LOG_WARN, "transport", "%s: trace records skipped or odd: %s",
			t->name, r->warnings);
}

int bh_replay_deliver(struct bh_transport *t, bool stack_idle)
{
	struct replay *r = rp(t);
	if (!r)
		return BH_EINVAL;
	warn_once(t, r);
	if (r->fault_due && !r->faulted && !r->failed && r->fault != FAULT_GARBLE)
		return inject_fault(t, r);
	if (r->faulted) {
		if (!r->fq_n || t->dead)
			return BH_EBUSY;
		struct fpkt p = r->fq[0];
		memmove(&r->fq[0], &r->fq[1], --r->fq_n * sizeof(r->fq[0]));
		bh_transport_deliver(t, p.type, p.data, p.len);
		return BH_OK;
	}
	if (r->failed || bh_replay_done(t))
		return BH_ESTATE;
	if (r->next_in >= r->n) {
		/* only host->controller records remain */
		if (!stack_idle)
			return BH_EBUSY;
		fail_expected(r, &r->recs[r->next_out], "expected packet not sent (end of trace)",
			      NULL, 0, 0, false);
		return BH_EPROTO;
	}
	const struct rrec *c = &r->recs[r->next_in];
	if (c->t > r->now)
		return BH_EBUSY;
	if (r->next_out < r->next_in) {
		if (!stack_idle)
			return BH_EBUSY;
		fail_expected(r, &r->recs[r->next_out],
			      "expected packet not sent before the next controller packet was due",
			      NULL, 0, 0, false);
		return BH_EPROTO;
	}
	/* advance first: rx may send (and re-enter through rp_send) */
	r->next_in = skip_to(r, r->next_in + 1, BH_TRACE_RECEIVED);
	if (r->cut)
		track_links(r, c->type, r->data + c->off, c->len);
	if (r->fault_due && c->type == 2) {
		garble(t, r, c);
		return BH_OK;
	}
	bh_transport_deliver(t, c->type, r->data + c->off, c->len);
	return BH_OK;
}

static int rp_pollfds(struct bh_transport *t, struct pollfd *fds, int max)
{
	(void)t;
	(void)fds;
	(void)max;
	return 0;
}

static void rp_process(struct bh_transport *t, const struct pollfd *fds, int n)
{
	(void)fds;
	(void)n;
	/* bounded by the number of records */
	while (bh_replay_deliver(t, false) == BH_OK)
		;
}

static bh_time_ms rp_next_deadline(struct bh_transport *t)
{
	struct replay *r = t->impl;
	if (r->fault_due && !r->faulted && !r->failed && r->fault != FAULT_GARBLE)
		return r->now;
	if (r->faulted)
		return r->fq_n && !t->dead ? r->now : BH_NEVER;
	if (r->failed || r->next_in >= r->n)
		return BH_NEVER;
	bh_time_ms d = r->recs[r->next_in].t;
	return d > r->now ? d : r->now;
}

static void rp_close(struct bh_transport *t)
{
	struct replay *r = t->impl;
	/* How long the host took to give up: what the matrix bounds. */
	if (r && r->faulted && t->port.env)
		BH_LOGF(t->port.env, BH_LOG_WARN, "transport",
			"fault cut: host closed %" PRIu64 " ms (virtual) after the fault",
			r->now - r->fault_at);
	if (r) {
		free(r->recs);
		free(r->data);
		free(r);
	}
	t->impl = NULL;
}

static const struct bh_transport_ops replay_ops = {
	.send = rp_send,
	.pollfds = rp_pollfds,
	.process = rp_process,
	.next_deadline = rp_next_deadline,
	.close = rp_close,
	.is_virtual = true,
};

bh_time_ms bh_transport_virtual_now(const struct bh_transport *t)
{
	struct replay *r = rp(t);
	return r ? r->now : 0;
}

int bh_replay_advance(struct bh_transport *t, bh_time_ms now)
{
	struct replay *r = rp(t);
	if (!r)
		return BH_EINVAL;
	if (now > r->now && now != BH_NEVER)
		r->now = now;
	return BH_OK;
}

bool bh_replay_done(const struct bh_transport *t)
{
	const struct replay *r = rp(t);
	/* After a fault the host runs on into its own timeouts: only a
	 * closed transport ends the replay. */
	if (r && r->faulted)
		return r->fault == FAULT_CLOSE;
	/* (a garble cut with no peer packet left never fires: the trace ends) */
	return !r || r->failed ||
	       ((!r->fault_due || r->fault == FAULT_GARBLE) && r->next_in >= r->n &&
		r->next_out >= r->n);
}

int bh_replay_result(const struct bh_transport *t, char *report, size_t len)
{
	const struct replay *r = rp(t);
	if (!r)
		return bh_transport_errf(BH_EINVAL, report, len, "not a replay transport");
	if (r->failed)
		return bh_transport_errf(BH_EPROTO, report, len, "%s", r->report);
	if (r->faulted)
		return bh_transport_errf(BH_OK, report, len,
					 "replay OK up to the fault after host packet %lu", r->cut);
	if (!bh_replay_done(t)) {
		size_t i = r->next_out < r->next_in ? r->next_out : r->next_in;
		char e[400];
		describe(e, sizeof(e), r->recs[i].type, r->data + r->recs[i].off, r->recs[i].len);
		return bh_transport_errf(BH_ESTATE, report, len,
					 "replay not finished: stopped at record #%lu (%s, t=%" PRIu64
					 " ms, virtual now %" PRIu64 " ms): %s",
					 r->recs[i].index,
					 r->recs[i].dir == BH_TRACE_SENT ? "host->controller, not sent"
									 : "controller->host, not delivered",
					 r->recs[i].t, r->now, e);
	}
	return bh_transport_errf(BH_OK, report, len, "replay OK: %zu records matched", r->n);
}

/* After the whole file was read: refuse a file that holds nothing to replay
 * (saying what it holds instead), keep the warnings for a usable one. A
 * structural error (bh_trace_next < 0) refuses the file even after good
 * records: the framing after it is lost. */
static int check_trace(const struct bh_trace_reader *rd, struct replay *r, const char *name,
		       char *err, size_t errlen)
{
	char msg[sizeof(r->warnings)];
	enum bh_trace_problem p = bh_trace_verdict(rd, msg, sizeof(msg));
	if (p == BH_TRACE_P_NONE) {
		snprintf(r->warnings, sizeof(r->warnings), "%s", msg);
		return BH_OK;
	}
	bool unsupported = p == BH_TRACE_P_NO_HCI_LINK || p == BH_TRACE_P_UNKNOWN_FORMAT;
	return bh_transport_errf(unsupported ? BH_ENOTSUP : BH_EMALFORMED, err, errlen,
				 "replay:%s: %s", name, msg);
}

int bh_replay_open_reader(struct bh_trace_reader *rd, const char *name, struct bh_transport **out,
			  char *err, size_t errlen)
{
	if (!rd || !out) {
		bh_trace_close_read(rd);
		return bh_transport_errf(BH_EINVAL, err, errlen, "replay: no trace");
	}
	*out = NULL;
	struct replay *r = calloc(1, sizeof(*r));
	size_t cap = 0, dcap = 0, dlen = 0;
	int rc = BH_ENOMEM;
	struct bh_trace_rec rec;
	uint64_t first = 0;
	bh_time_ms last = 0;
	int nr;
	if (!r)
		goto fail;
	while ((nr = bh_trace_next(rd, &rec)) == 1) {
		if (r->n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct rrec *nrec = realloc(r->recs, nc * sizeof(*nrec));
			if (!nrec)
				goto fail;
			r->recs = nrec;
			cap = nc;
		}
		if (dlen + rec.len > dcap) {
			size_t nd = dcap ? dcap : 4096;
			while (nd < dlen + rec.len)
				nd *= 2;
			uint8_t *ndata = realloc(r->data, nd);
			if (!ndata)
				goto fail;
			r->data = ndata;
			dcap = nd;
		}
		if (r->n == 0)
			first = rec.timestamp_us;
		/* relative to the first record; a clock step backwards in the
		 * recording must not reorder delivery */
		bh_time_ms t = rec.timestamp_us > first ? (rec.timestamp_us - first) / 1000 : 0;
		if (t < last)
			t = last;
		last = t;
		struct rrec *x = &r->recs[r->n++];
		x->dir = rec.dir;
		x->type = rec.type;
		x->off = dlen;
		x->len = rec.len;
		x->t = t;
		x->index = rec.index;
		if (rec.len)
			memcpy(r->data + dlen, rec.data, rec.len);
		dlen += rec.len;
	}
	rc = check_trace(rd, r, name, err, errlen);
	if (rc)
		goto fail_noerr;
	bh_trace_close_read(rd);
	rd = NULL;
	r->next_in = skip_to(r, 0, BH_TRACE_RECEIVED);
	r->next_out = skip_to(r, 0, BH_TRACE_SENT);
	char tname[160];
	snprintf(tname, sizeof(tname), "replay:%s", name);
	struct bh_transport *t = bh_transport_new(&replay_ops, r, tname);
	if (!t)
		goto fail;
	*out = t;
	return BH_OK;
fail:
	rc = bh_transport_errf(BH_ENOMEM, err, errlen, "replay:%s: out of memory", name);
fail_noerr:
	bh_trace_close_read(rd);
	if (r) {
		free(r->recs);
		free(r->data);
		free(r);
	}
	return rc;
}

/* ",cut=N,fault=KIND" at the end of a replay spec. 0, or -1 if malformed. */
static int parse_fault(const char *opts, unsigned long *cut, enum fault *fault,
		       unsigned long *bit)
{
	bool have_bit = false;
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", opts);
	*cut = 0;
	*fault = FAULT_NONE;
	*bit = 32;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "cut=", 4)) {
			char *end;
			*cut = strtoul(tok + 4, &end, 10);
			if (*end || !*cut)
				return -1;
		} else if (!strncmp(tok, "fault=", 6)) {
			for (int k = 1; k <= FAULT_GARBLE; k++)
				if (!strcmp(tok + 6, fault_names[k]))
					*fault = (enum fault)k;
			if (*fault == FAULT_NONE)
				return -1;
		} else if (!strncmp(tok, "bit=", 4)) {
			char *end;
			*bit = strtoul(tok + 4, &end, 10);
			if (*end || end == tok + 4)
				return -1;
			have_bit = true;
		} else {
			return -1;
		}
	}
	if (have_bit && *fault != FAULT_GARBLE)
		return -1;
	return *cut && *fault ? 0 : -1;
}

int bh_transport_open_replay(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	struct bh_trace_reader *rd;
	char e2[256], path[4096];
	if (!*arg)
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "replay: give a trace file, e.g. replay:tests/pcap/x.pcap");
	unsigned long cut = 0;
	enum fault fault = FAULT_NONE;
	unsigned long bit = 32;
	const char *opts = strstr(arg, ",cut=");
	if (!opts)
		opts = strstr(arg, ",fault=");
	if (opts && parse_fault(opts + 1, &cut, &fault, &bit))
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "replay: bad fault cut '%s' (want ,cut=N,fault=disconnect|"
					 "close|hwerror|silence|garble[,bit=K] with N >= 1)", opts + 1);
	snprintf(path, sizeof(path), "%.*s", (int)(opts ? (size_t)(opts - arg) : strlen(arg)), arg);
	int rc = bh_trace_open_read(path, &rd, e2, sizeof(e2));
	if (rc)
		return bh_transport_errf(rc, err, errlen, "replay: %s", e2);
	rc = bh_replay_open_reader(rd, path, out, err, errlen);
	if (rc == BH_OK) {
		struct replay *r = (*out)->impl;
		r->cut = cut;
		r->fault = fault;
		r->bit = bit;
	}
	return rc;
}
