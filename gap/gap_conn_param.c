/* Connection parameter updates a peer asks for: LE Remote Connection
 * Parameter Request (Vol 4, Part E, 7.7.65.6), answered with LE Remote
 * Connection Parameter Request Reply (7.8.31) or Negative Reply (7.8.32).
 *
 * The controller raises the event in either role when the peer starts the
 * link-layer Connection Parameters Request procedure (Vol 6, Part B,
 * 5.1.7); it waits for the host's answer, and the peer drops the link at
 * the 40 s LL response timeout if none comes. So every request that
 * reaches GAP is answered exactly once, at once. The outcome arrives as LE
 * Connection Update Complete, reported through port.conn_updated.
 */
#include "gap_internal.h"

#include <string.h>

/* Negative Reply reasons (Vol 1, Part F). */
#define REASON_INVALID_LL_PARAMS 0x1e
#define REASON_UNACCEPTABLE_PARAMS 0x3b

static void reply_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		       uintptr_t arg)
{
	/* Return parameters are Status and Connection_Handle, but BlueZ's
	 * btvirt (5.66) returns the status alone: only the status counts. */
	(void)ret;
	(void)len;
	if (st)
		gap_log(gap, BH_LOG_WARN, "connection parameter reply for 0x%03x: %s",
			(unsigned)arg, bh_strerror(st));
}

static void limits(const struct bh_gap *gap, struct bh_gap_conn_limits *l)
{
	*l = gap->cfg.peer_params;
	if (!l->interval_min)
		l->interval_min = 0x0006;
	if (!l->interval_max)
		l->interval_max = 0x0c80;
	if (!l->max_latency)
		l->max_latency = 0x01f3;
	if (!l->timeout_min)
		l->timeout_min = 0x000a;
	if (!l->timeout_max)
		l->timeout_max = 0x0c80;
}

/* The request's one answer, Reply or Negative Reply. */
static void send_reply(struct bh_gap *gap, uint16_t handle, uint16_t op, const uint8_t *q,
		       size_t n)
{
	if (gap_cmd(gap, PROC_MISC, op, q, n, reply_done, handle))
		gap_log(gap, BH_LOG_ERROR, "connection 0x%03x: cannot queue the %sreply", handle,
			op == BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY ? "negative " : "");
}

static void negative(struct bh_gap *gap, uint16_t handle, uint8_t reason)
{
	uint8_t q[3];
	bh_put16(q, handle);
	q[2] = reason;
	gap_log(gap, BH_LOG_INFO, "connection 0x%03x: peer's parameters refused (0x%02x)", handle,
		reason);
	send_reply(gap, handle, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY, q, 3);
}

/* Inside the application's limits? (The specification's own ranges and
 * timeout rule are checked by gap_params_fix.) */
static bool within(const struct bh_gap_conn_limits *l, const struct bh_gap_conn_params *p)
{
	return p->interval_min >= l->interval_min && p->interval_max <= l->interval_max &&
	       p->latency <= l->max_latency && p->supervision_timeout >= l->timeout_min &&
	       p->supervision_timeout <= l->timeout_max;
}

/* Every field given (zero ones would take gap_params_fix's defaults),
 * inside the limits and the specification's ranges. */
static bool acceptable(const struct bh_gap_conn_limits *l, const struct bh_gap_conn_params *p)
{
	struct bh_gap_conn_params checked;
	return p->interval_min && p->interval_max && p->supervision_timeout && within(l, p) &&
	       gap_params_fix(&checked, p) == BH_OK;
}

bool bh_gap_peer_params_acceptable(const struct bh_gap *gap, const struct bh_gap_conn_params *p)
{
	struct bh_gap_conn_limits l;
	limits(gap, &l);
	return acceptable(&l, p);
}

void gap_on_remote_conn_param_request(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Connection_Handle(2) Interval_Min(2) Interval_Max(2) Max_Latency(2)
	 * Timeout(2) */
	if (len < 10)
		return;
	uint16_t handle = bh_get16(p) & 0x0fff;
	struct bh_gap_conn_params req = { 0 };
	req.interval_min = bh_get16(p + 2);
	req.interval_max = bh_get16(p + 4);
	req.latency = bh_get16(p + 6);
	req.supervision_timeout = bh_get16(p + 8);
	struct gap_conn_slot *s = gap_slot_find(gap, handle);
	if (!s) {
		/* The HCI layer drops events for handles it does not know; GAP
		 * not knowing one means the link is being torn down. */
		negative(gap, handle, 0x02 /* Unknown Connection Identifier */);
		return;
	}
	struct bh_gap_conn_params checked;
	/* Zero fields would take gap_params_fix's defaults: reject them here. */
	if (!req.interval_min || !req.interval_max || !req.supervision_timeout ||
	    gap_params_fix(&checked, &req)) {
		negative(gap, handle, REASON_INVALID_LL_PARAMS);
		return;
	}
	struct bh_gap_conn_limits l;
	limits(gap, &l);
	struct bh_gap_conn_params rep = req;
	if (rep.interval_min < l.interval_min)
		rep.interval_min = l.interval_min;
	if (rep.interval_max > l.interval_max)
		rep.interval_max = l.interval_max;
	if (rep.latency > l.max_latency)
		rep.latency = l.max_latency;
	/* Clamped, the fields stay non-zero; gap_params_fix refuses min > max. */
	if (!acceptable(&l, &rep)) {
		negative(gap, handle, REASON_UNACCEPTABLE_PARAMS);
		return;
	}
	if (gap->port.conn_param_request) {
		bool ok = gap->port.conn_param_request(gap->port.ctx, &s->c, &rep);
		if (!gap_slot_find(gap, handle))
			return; /* the application ended the link */
		if (!ok || !acceptable(&l, &rep)) {
			negative(gap, handle, REASON_UNACCEPTABLE_PARAMS);
			return;
		}
	}
	/* Connection_Handle, Interval_Min, Interval_Max, Max_Latency, Timeout,
	 * Min_CE_Length, Max_CE_Length (7.8.31); CE lengths are hints, 0. */
	uint8_t q[14];
	uint16_t v[] = { handle, rep.interval_min, rep.interval_max, rep.latency,
			 rep.supervision_timeout, 0, 0 };
	for (int i = 0; i < 7; i++)
		bh_put16(q + 2 * i, v[i]);
	gap_log(gap, BH_LOG_INFO,
		"connection 0x%03x: peer's parameters accepted (interval %u-%u, latency %u, "
		"timeout %u)", handle, rep.interval_min, rep.interval_max, rep.latency,
		rep.supervision_timeout);
	send_reply(gap, handle, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY, q, sizeof(q));
}
