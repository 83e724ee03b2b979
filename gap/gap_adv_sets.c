/* Advertising sets (extended advertising, Vol 4, Part E, 7.8.52-7.8.63):
 * several sets at once beside bh_gap_adv_start's handle 0, each with its
 * own parameters, data, scan response, random address, PHYs, duration,
 * event limit and periodic advertising; the Advertising Set Terminated
 * event routed to its set; the legacy fallback for one set on controllers
 * without extended advertising.
 *
 * Each set queues its commands under its own procedure id, so stopping or
 * failing one set drops only its own queued steps.
 */
#include "gap_internal.h"

#include <stdlib.h>
#include <string.h>

enum { S_STEP, S_NUM, S_MAXLEN, S_ENABLED, S_STOPPED, S_IGNORE, S_CLEAR, S_LIM_NUM, S_LIM_MAX };

#define ARG(step, i) ((uintptr_t)(step) | ((uintptr_t)(i) << 8))
#define ADV_FRAG_MAX 251 /* Advertising_Data per LE Set Extended Advertising Data */
#define PER_FRAG_MAX 252 /* Advertising_Data per LE Set Periodic Advertising Data */

static struct gap_adv_set *set_at(struct bh_gap *gap, uint8_t handle)
{
	if (handle < 1 || handle > BH_GAP_ADV_SETS_MAX)
		return NULL;
	return &gap->sets[handle - 1];
}

static bool needs_ext_pdu(const struct bh_gap_adv_set_params *p)
{
	return p->extended_pdu || p->adv.data_len > BH_AD_LEGACY_MAX ||
	       p->adv.scan_rsp_len > BH_AD_LEGACY_MAX || (p->primary_phy && p->primary_phy != 1) ||
	       (p->secondary_phy && p->secondary_phy != 1) || p->periodic;
}

static bool addr_given(const bh_addr *a)
{
	static const uint8_t z[6];
	return memcmp(a->val, z, 6) != 0;
}

/* Sets in the controller that were started no later than seq (handle 0
 * included): the ones a set started later must not push out. */
static unsigned sets_in_use(const struct bh_gap *gap, uint32_t seq)
{
	unsigned n = gap->adv_state != ADV_IDLE;
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		const struct gap_adv_set *s = &gap->sets[i];
		n += s->state != ADV_IDLE && !s->legacy && s->seq <= seq;
	}
	return n;
}

/* A set ended without the caller asking: its start gets its one answer
 * first if it was still waiting, then on_stopped. */
static void set_stopped(struct gap_adv_set *s, bh_status reason)
{
	/* This run's: the start's answer may start the handle anew (s->p). */
	void (*cb)(void *, bh_status) = s->p.adv.on_stopped;
	void *ctx = s->p.adv.ctx;
	s->state = ADV_IDLE;
	gap_answer(&s->cb, s->cb_ctx, BH_OK);
	if (cb)
		cb(ctx, reason);
}

static void set_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		     uintptr_t arg);

void gap_set_ended(struct bh_gap *gap, unsigned i, bh_status reason)
{
	struct gap_adv_set *s = &gap->sets[i];
	/* The rest of a re-addressing would enable a set that is gone. */
	if (s->readdr)
		gap_cmd_drop(gap, PROC_SET(i));
	/* Its enable's answer is not a new run's (started from a callback). */
	gap_cmd_disown(gap, set_done, ARG(S_ENABLED, i));
	s->readdr = false;
	set_stopped(s, reason);
}

static void start_failed(struct bh_gap *gap, unsigned i, bh_status st)
{
	struct gap_adv_set *s = &gap->sets[i];
	gap_cmd_drop(gap, PROC_SET(i));
	s->state = ADV_IDLE;
	gap_answer(&s->cb, s->cb_ctx, st);
}

static void finish_clear(struct bh_gap *gap, bh_status st)
{
	gap->clearing = false;
	gap_answer(&gap->clear_cb, gap->clear_ctx, st);
}

static void limits_done(struct bh_gap *gap, bh_status st, unsigned step)
{
	if (!gap->lim_cb)
		return;
	if (st || step == S_LIM_MAX) {
		bh_gap_adv_limits_cb cb = gap->lim_cb;
		gap->lim_cb = NULL; /* a later S_LIM_MAX after a failure finds none */
		cb(gap->lim_ctx, st, gap->ctrl_num_sets, gap->ext_adv_max);
	}
}

/* Reads the one return value of LE Read Number of Supported Advertising
 * Sets (u8) or LE Read Maximum Advertising Data Length (u16). */
static bh_status read_limit(struct bh_gap *gap, unsigned step, const uint8_t *ret, size_t len)
{
	struct bh_rd r = bh_rd_init(ret, len);
	bh_rd_u8(&r);
	bool num = step == S_NUM || step == S_LIM_NUM;
	unsigned v = num ? bh_rd_u8(&r) : bh_rd_u16(&r);
	if (!bh_rd_ok(&r))
		return BH_EMALFORMED;
	if (num)
		gap->ctrl_num_sets = (uint8_t)v;
	else
		gap->ext_adv_max = (uint16_t)v;
	return BH_OK;
}

static void set_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		     uintptr_t arg)
{
	unsigned step = arg & 0xff, i = (unsigned)(arg >> 8);
	if (step == S_LIM_NUM || step == S_LIM_MAX) {
		limits_done(gap, st ? st : read_limit(gap, step, ret, len), step);
		return;
	}
	if (step == S_CLEAR) {
		finish_clear(gap, st);
		return;
	}
	if (i >= BH_GAP_ADV_SETS_MAX)
		return;
	struct gap_adv_set *s = &gap->sets[i];
	if (step == S_NUM) {
		gap->num_reading = false;
		if (!st)
			st = read_limit(gap, step, ret, len);
		if (!st) /* every set starting now: those past the number fail, latest first */
			for (unsigned k = 0; k < BH_GAP_ADV_SETS_MAX; k++) {
				struct gap_adv_set *o = &gap->sets[k];
				if (k != i && o->state == ADV_STARTING && !o->legacy &&
				    sets_in_use(gap, o->seq) > gap->ctrl_num_sets)
					start_failed(gap, k, BH_ENOSPACE);
			}
		if (!st && sets_in_use(gap, s->seq) > gap->ctrl_num_sets)
			st = BH_ENOSPACE;
	}
	switch (step) {
	case S_STEP:
	case S_NUM:
	case S_MAXLEN:
		if (s->state != ADV_STARTING)
			return;
		if (!st && step == S_MAXLEN)
			st = read_limit(gap, step, ret, len);
		if (!st && step == S_MAXLEN &&
		    (s->p.adv.data_len > gap->ext_adv_max || s->p.adv.scan_rsp_len > gap->ext_adv_max ||
		     (s->p.periodic && s->per.data_len > gap->ext_adv_max)))
			st = BH_ENOSPACE;
		/* Memory Capacity Exceeded / Limit Reached: no room for the set. */
		if (st == BH_HCI_STATUS(0x07) || st == BH_HCI_STATUS(0x43))
			st = BH_ENOSPACE;
		if (st)
			start_failed(gap, i, st);
		return;
	case S_ENABLED:
		if (s->state != ADV_STARTING)
			return;
		if (st) {
			start_failed(gap, i, st == BH_HCI_STATUS(0x07) ? BH_ENOSPACE : st);
			return;
		}
		s->state = ADV_ON;
		/* A re-addressing enables it again with what is left of it. */
		s->until = bh_now(gap->env) + s->p.adv.timeout_ms;
		gap_answer(&s->cb, s->cb_ctx, BH_OK);
		return;
	case S_STOPPED:
		if (s->state == ADV_STOPPING)
			s->state = ADV_IDLE;
		if (gap->clearing) {
			bool any = false;
			for (unsigned k = 0; k < BH_GAP_ADV_SETS_MAX; k++)
				any |= gap->sets[k].state == ADV_STOPPING;
			if (!any)
				finish_clear(gap, BH_OK);
		}
		return;
	default:
		return; /* S_IGNORE: removing a set that may not exist */
	}
}

/* The sets' commands all complete in set_done. */
static int set_cmd(struct bh_gap *gap, uint8_t proc, uint16_t op, const void *p, size_t len,
		   uintptr_t arg)
{
	return gap_cmd(gap, proc, op, p, len, set_done, arg);
}

int gap_queue_adv_data(struct bh_gap *gap, uint8_t proc, uint16_t op, uint8_t handle,
		       const uint8_t *d, size_t n, gap_done_fn done, uintptr_t arg)
{
	/* Operation: 3 complete, 1 first, 0 intermediate, 2 last (7.8.54);
	 * periodic data (7.8.62) has no Fragment_Preference octet. */
	bool periodic = op == BH_HCI_LE_SET_PERIODIC_ADV_DATA;
	size_t max = periodic ? PER_FRAG_MAX : ADV_FRAG_MAX, hdr = periodic ? 3 : 4;
	for (size_t off = 0; off < n || (periodic && n == 0 && off == 0);) {
		size_t c = n - off < max ? n - off : max;
		uint8_t oper = off == 0 ? (c == n ? 3 : 1) : (off + c == n ? 2 : 0);
		uint8_t buf[4 + ADV_FRAG_MAX] = { handle, oper };
		if (!periodic)
			buf[2] = 0x01; /* the controller should fragment as little as it can */
		buf[hdr - 1] = (uint8_t)c;
		if (c)
			memcpy(buf + hdr, d + off, c);
		int rc = gap_cmd(gap, proc, op, buf, hdr + c, done, arg);
		if (rc)
			return rc;
		if (!c)
			break;
		off += c;
	}
	return BH_OK;
}

/* Advertising_Event_Properties (7.8.53). */
static uint16_t props(const struct bh_gap_adv_set_params *p)
{
	if (!needs_ext_pdu(p)) {
		static const uint16_t legacy[] = { 0x13, 0x12, 0x10, 0x1d, 0x15 };
		return legacy[p->adv.kind];
	}
	static const uint16_t ext[] = { 0x01, 0x02, 0x00, 0x0d, 0x05 };
	return ext[p->adv.kind];
}

static int queue_start(struct bh_gap *gap, unsigned i, uint8_t own_type)
{
	struct gap_adv_set *s = &gap->sets[i];
	const struct bh_gap_adv_set_params *p = &s->p;
	const struct bh_gap_adv_params *a = &p->adv;
	uint8_t h = (uint8_t)(i + 1), proc = PROC_SET(i);
	bool ext_pdu = needs_ext_pdu(p);
	bool directed = a->kind == BH_GAP_ADV_DIRECT_HIGH || a->kind == BH_GAP_ADV_DIRECT_LOW;
	int rc = BH_OK;
	if (!gap->ctrl_num_sets && !gap->num_reading &&
	    gap_supports(gap, BH_SUP_LE_READ_NUM_ADV_SETS)) {
		/* Not the set's own procedure: should this set be stopped
		 * before it goes out, the other sets still need the answer. */
		rc = set_cmd(gap, PROC_MISC, BH_HCI_LE_READ_NUM_ADV_SETS, NULL, 0, ARG(S_NUM, i));
		gap->num_reading = !rc;
	}
	if (!rc && ext_pdu && !gap->ext_adv_max && gap_supports(gap, BH_SUP_LE_READ_MAX_ADV_DATA_LEN))
		rc = set_cmd(gap, proc, BH_HCI_LE_READ_MAX_ADV_DATA_LEN, NULL, 0, ARG(S_MAXLEN, i));
	/* A set left from before (terminated by a connection or timeout) may
	 * hold clashing properties; Unknown Advertising Identifier is fine. */
	if (!rc)
		rc = set_cmd(gap, proc, BH_HCI_LE_REMOVE_ADV_SET, &h, 1, ARG(S_IGNORE, i));
	uint8_t q[25] = { h };
	bh_put16(q + 1, props(p));
	bh_put24(q + 3, a->interval_min);
	bh_put24(q + 6, a->interval_max);
	q[9] = a->channel_map;
	q[10] = own_type;
	q[11] = a->peer.type;
	memcpy(q + 12, a->peer.val, 6);
	q[18] = 0; /* filter policy: anyone may scan and connect */
	q[19] = p->tx_power ? (uint8_t)p->tx_power : 0x7f;
	q[20] = p->primary_phy ? p->primary_phy : 1;
	q[21] = 0; /* Secondary_Advertising_Max_Skip */
	q[22] = p->secondary_phy ? p->secondary_phy : 1;
	q[23] = p->sid;
	q[24] = 0; /* no scan request notifications */
	if (!rc)
		rc = set_cmd(gap, proc, BH_HCI_LE_SET_EXT_ADV_PARAMS, q, 25, ARG(S_STEP, i));
	if (!rc && own_type == BH_ADDR_RANDOM) {
		uint8_t r[7] = { h };
		memcpy(r + 1, s->own.val, 6);
		rc = set_cmd(gap, proc, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, r, 7, ARG(S_STEP, i));
	}
	if (!rc && p->periodic) {
		uint8_t pp[7] = { h };
		bh_put16(pp + 1, s->per.interval_min);
		bh_put16(pp + 3, s->per.interval_max);
		bh_put16(pp + 5, s->per.include_tx_power ? 0x0040 : 0);
		rc = set_cmd(gap, proc, BH_HCI_LE_SET_PERIODIC_ADV_PARAMS, pp, 7, ARG(S_STEP, i));
		if (!rc)
			rc = gap_queue_adv_data(gap, proc, BH_HCI_LE_SET_PERIODIC_ADV_DATA, h,
						s->per.data, s->per.data_len, set_done, ARG(S_STEP, i));
		uint8_t pe[2] = { 1, h };
		if (!rc)
			rc = set_cmd(gap, proc, BH_HCI_LE_SET_PERIODIC_ADV_ENABLE, pe, 2, ARG(S_STEP, i));
	}
	/* Legacy PDUs always take both payloads (7.8.54/55, one fragment);
	 * extended ones only what their kind carries. */
	bool send_data = !directed && (!ext_pdu || a->data_len);
	bool send_rsp = !directed && a->kind != BH_GAP_ADV_NONCONN && (!ext_pdu || a->scan_rsp_len);
	if (!rc && send_data)
		rc = gap_queue_adv_data(gap, proc, BH_HCI_LE_SET_EXT_ADV_DATA, h, a->data, a->data_len,
					set_done, ARG(S_STEP, i));
	if (!rc && send_rsp)
		rc = gap_queue_adv_data(gap, proc, BH_HCI_LE_SET_EXT_SCAN_RSP_DATA, h, a->scan_rsp,
					a->scan_rsp_len, set_done, ARG(S_STEP, i));
	uint8_t e[6] = { 1, 1, h };
	bh_put16(e + 3, (uint16_t)((a->timeout_ms + 9) / 10)); /* Duration, 10 ms units */
	e[5] = p->max_events;
	if (!rc)
		rc = set_cmd(gap, proc, BH_HCI_LE_SET_EXT_ADV_ENABLE, e, 6, ARG(S_ENABLED, i));
	return rc;
}

/* Checks what the extended commands would refuse, before sending any. */
static int check_params(const struct bh_gap_adv_set_params *p)
{
	const struct bh_gap_adv_params *a = &p->adv;
	if ((unsigned)a->kind > BH_GAP_ADV_DIRECT_LOW)
		return BH_EINVAL;
	if ((a->data_len && !a->data) || (a->scan_rsp_len && !a->scan_rsp))
		return BH_EINVAL;
	if (a->data_len > BH_AD_EXT_MAX || a->scan_rsp_len > BH_AD_EXT_MAX)
		return BH_ENOSPACE;
	if (p->sid > 0x0f || a->timeout_ms > 655350)
		return BH_EINVAL;
	/* Primary advertising is on LE 1M or Coded only (7.8.53). */
	if (p->primary_phy > 3 || p->primary_phy == 2 || p->secondary_phy > 3)
		return BH_EINVAL;
	bool directed = a->kind == BH_GAP_ADV_DIRECT_HIGH || a->kind == BH_GAP_ADV_DIRECT_LOW;
	if (directed && a->peer.type > BH_ADDR_RANDOM)
		return BH_EINVAL;
	if (addr_given(&p->addr) &&
	    (p->addr.type != BH_ADDR_RANDOM || bh_addr_random_kind(&p->addr) == BH_RANDOM_RPA))
		return BH_EINVAL; /* a static or non-resolvable address, given as random */
	if (!needs_ext_pdu(p))
		return BH_OK;
	/* Extended PDUs are connectable or scannable, never both; a scannable
	 * one carries no advertising data; high duty directed is legacy only;
	 * periodic advertising rides a non-connectable, non-scannable set. */
	if ((a->kind == BH_GAP_ADV_CONN || a->kind == BH_GAP_ADV_NONCONN) && a->scan_rsp_len)
		return BH_EINVAL;
	if (a->kind == BH_GAP_ADV_SCAN && a->data_len)
		return BH_EINVAL;
	if (a->kind == BH_GAP_ADV_DIRECT_HIGH)
		return BH_EINVAL;
	if (p->periodic && a->kind != BH_GAP_ADV_NONCONN)
		return BH_EINVAL;
	if (p->periodic && (p->periodic->data_len > BH_AD_EXT_MAX ||
			    (p->periodic->data_len && !p->periodic->data)))
		return BH_EINVAL;
	return BH_OK;
}

static void legacy_stopped(void *ctx, bh_status reason)
{
	struct bh_gap *gap = ctx;
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		struct gap_adv_set *s = &gap->sets[i];
		if (s->legacy && s->state != ADV_IDLE) {
			s->legacy = false;
			set_stopped(s, reason);
			return;
		}
	}
}

/* One set on a controller without extended advertising: plain legacy
 * advertising, if the set asks for nothing legacy cannot do. */
static int start_legacy(struct bh_gap *gap, unsigned i, bh_gap_done_cb cb, void *ctx)
{
	struct gap_adv_set *s = &gap->sets[i];
	const struct bh_gap_adv_set_params *p = &s->p;
	if (needs_ext_pdu(p) || addr_given(&p->addr) || p->max_events || p->tx_power)
		return BH_ENOTSUP;
	struct bh_gap_adv_params a = p->adv;
	a.on_stopped = legacy_stopped;
	a.ctx = gap;
	a.anonymous = false;
	a.restart_on_disconnect = false;
	int rc = bh_gap_adv_start(gap, &a, cb, ctx);
	if (rc)
		return rc == BH_EBUSY ? BH_ENOTSUP : rc; /* the one legacy set is taken */
	s->legacy = true;
	s->state = ADV_ON;
	s->own = gap->adv_own;
	return BH_OK;
}

static int copy_params(struct gap_adv_set *s, const struct bh_gap_adv_set_params *p)
{
	if (!s->data)
		s->data = malloc(BH_AD_EXT_MAX);
	if (!s->rsp)
		s->rsp = malloc(BH_AD_EXT_MAX);
	if (p->periodic && !s->per_data)
		s->per_data = malloc(BH_AD_EXT_MAX);
	if (!s->data || !s->rsp || (p->periodic && !s->per_data))
		return BH_ENOMEM;
	s->p = *p;
	struct bh_gap_adv_params *a = &s->p.adv;
	if (a->data_len)
		memcpy(s->data, a->data, a->data_len);
	if (a->scan_rsp_len)
		memcpy(s->rsp, a->scan_rsp, a->scan_rsp_len);
	a->data = s->data;
	a->scan_rsp = s->rsp;
	if (!a->interval_min)
		a->interval_min = 0x00a0;
	if (!a->interval_max)
		a->interval_max = a->interval_min > 0x00a0 ? a->interval_min : 0x00a0;
	if (a->interval_min < 0x0020 || a->interval_min > a->interval_max)
		return BH_EINVAL;
	if (!a->channel_map)
		a->channel_map = 0x07;
	if (a->channel_map > 0x07)
		return BH_EINVAL;
	if (a->kind != BH_GAP_ADV_DIRECT_HIGH && a->kind != BH_GAP_ADV_DIRECT_LOW)
		memset(&a->peer, 0, sizeof(a->peer));
	if (p->periodic) {
		s->per = *p->periodic;
		if (s->per.data_len)
			memcpy(s->per_data, p->periodic->data, s->per.data_len);
		s->per.data = s->per_data;
		if (!s->per.interval_min)
			s->per.interval_min = 0x0050;
		if (!s->per.interval_max)
			s->per.interval_max = s->per.interval_min;
		if (s->per.interval_min < 0x0006 || s->per.interval_min > s->per.interval_max)
			return BH_EINVAL;
		s->p.periodic = &s->per;
	}
	return BH_OK;
}

int bh_gap_adv_set_start(struct bh_gap *gap, const struct bh_gap_adv_set_params *p,
			 uint8_t *handle, bh_gap_done_cb cb, void *ctx)
{
	if (!p || !handle)
		return BH_EINVAL;
	int rc = check_params(p);
	if (rc)
		return rc;
	if (gap->clearing || gap->rotating)
		return BH_EBUSY;
	unsigned i = 0;
	while (i < BH_GAP_ADV_SETS_MAX && gap->sets[i].state != ADV_IDLE)
		i++;
	if (i == BH_GAP_ADV_SETS_MAX)
		return BH_EBUSY;
	struct gap_adv_set *s = &gap->sets[i];
	if ((rc = copy_params(s, p)))
		return rc;
	if (!gap_ext_adv(gap)) {
		rc = start_legacy(gap, i, cb, ctx);
		if (!rc)
			*handle = (uint8_t)(i + 1);
		return rc;
	}
	if (gap->ext_adv_max && (s->p.adv.data_len > gap->ext_adv_max ||
				 s->p.adv.scan_rsp_len > gap->ext_adv_max))
		return BH_ENOSPACE;
	if (gap->ctrl_num_sets && sets_in_use(gap, UINT32_MAX) >= gap->ctrl_num_sets)
		return BH_ENOSPACE;
	enum bh_gap_adv_kind k = s->p.adv.kind;
	if (k != BH_GAP_ADV_SCAN && k != BH_GAP_ADV_NONCONN &&
	    gap_conn_used(gap) >= gap->cfg.max_connections)
		return BH_HCI_STATUS(0x09); /* Connection Limit Exceeded */
	/* Reads, remove, params, address, periodic (params, enable and its
	 * data fragments), data and response fragments, enable. */
	unsigned need = 6 + (unsigned)(s->p.adv.data_len / ADV_FRAG_MAX + 1) +
			(unsigned)(s->p.adv.scan_rsp_len / ADV_FRAG_MAX + 1);
	if (p->periodic)
		need += 2 + (unsigned)(s->per.data_len / PER_FRAG_MAX + 1);
	rc = gap_cmd_reserve(gap, need);
	if (rc)
		return rc;
	uint8_t own_type = BH_ADDR_PUBLIC;
	s->own_from_gap = false;
	s->readdr = false;
	s->readdr_fails = 0;
	s->reenabled = false;
	if (addr_given(&p->addr)) {
		s->own = p->addr;
		own_type = BH_ADDR_RANDOM;
	} else if (gap_own_type(gap) == BH_ADDR_RANDOM) {
		if ((rc = gap_fresh_random(gap)))
			return rc;
		s->own = gap->rand_addr;
		own_type = BH_ADDR_RANDOM;
		s->own_from_gap = gap->own_kind == BH_GAP_OWN_RPA || gap->own_kind == BH_GAP_OWN_NRPA;
		/* A private address of its own from the start, as at each
		 * rotation: shared with scanning or another set until then, it
		 * would link them. GAP's own still starts the rotation clock. */
		if (s->own_from_gap && (rc = gap_new_random(gap, gap->own_kind, &s->own)))
			return rc;
	} else {
		gap_own_address(gap, &s->own);
	}
	s->cb = cb;
	s->cb_ctx = ctx;
	s->legacy = false;
	s->seq = ++gap->set_seq;
	s->state = ADV_STARTING;
	rc = queue_start(gap, i, own_type);
	if (rc) {
		gap_cmd_drop(gap, PROC_SET(i));
		s->state = ADV_IDLE;
		s->cb = NULL;
		return rc;
	}
	*handle = (uint8_t)(i + 1);
	return BH_OK;
}

/* Disable, periodic disable, remove (Remove is refused while either runs). */
static int queue_stop(struct bh_gap *gap, unsigned i)
{
	struct gap_adv_set *s = &gap->sets[i];
	uint8_t h = (uint8_t)(i + 1), proc = PROC_SET(i);
	uint8_t e[6] = { 0, 1, h, 0, 0, 0 };
	int rc = set_cmd(gap, proc, BH_HCI_LE_SET_EXT_ADV_ENABLE, e, 6, ARG(S_IGNORE, i));
	uint8_t pe[2] = { 0, h };
	if (!rc && s->p.periodic)
		rc = set_cmd(gap, proc, BH_HCI_LE_SET_PERIODIC_ADV_ENABLE, pe, 2, ARG(S_IGNORE, i));
	if (!rc)
		rc = set_cmd(gap, proc, BH_HCI_LE_REMOVE_ADV_SET, &h, 1, ARG(S_STOPPED, i));
	return rc;
}

static int stop_one(struct bh_gap *gap, unsigned i)
{
	struct gap_adv_set *s = &gap->sets[i];
	if (s->legacy) {
		s->legacy = false;
		s->state = ADV_IDLE;
		return bh_gap_adv_stop(gap);
	}
	int rc = gap_cmd_reserve(gap, 3);
	if (rc)
		return rc;
	bool starting = s->state == ADV_STARTING;
	gap_cmd_drop(gap, PROC_SET(i));
	s->late = true;
	/* A link reported from now on came from the address before the
	 * re-addressing this stop cuts short (see gap_sets_on_terminated),
	 * which prev keeps while the news is owed. */
	if (s->readdr)
		s->own = s->prev;
	s->prev = s->own;
	s->readdr = false;
	s->state = ADV_STOPPING;
	if (starting)
		gap_answer(&s->cb, s->cb_ctx, BH_ECANCELLED);
	return queue_stop(gap, i);
}

int bh_gap_adv_set_stop(struct bh_gap *gap, uint8_t handle)
{
	struct gap_adv_set *s = set_at(gap, handle);
	if (!s || s->state == ADV_IDLE || s->state == ADV_STOPPING)
		return BH_ESTATE;
	return stop_one(gap, (unsigned)(handle - 1));
}

int bh_gap_adv_sets_clear(struct bh_gap *gap, bh_gap_done_cb cb, void *ctx)
{
	if (gap->clearing)
		return BH_EBUSY;
	gap->clearing = true;
	gap->clear_cb = cb;
	gap->clear_ctx = ctx;
	bool pending = false;
	int rc = BH_OK;
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX && !rc; i++) {
		struct gap_adv_set *s = &gap->sets[i];
		if (s->state == ADV_IDLE)
			continue;
		bool legacy = s->legacy;
		if (s->state != ADV_STOPPING)
			rc = stop_one(gap, i);
		pending |= !legacy;
	}
	/* Sets nobody tracks any more (a host restarted over a running
	 * controller): LE Clear Advertising Sets, unless handle 0 is in use. */
	if (!rc && !pending && gap_ext_adv(gap) && gap->adv_state == ADV_IDLE) {
		rc = set_cmd(gap, PROC_MISC, BH_HCI_LE_CLEAR_ADV_SETS, NULL, 0, ARG(S_CLEAR, 0));
		pending = !rc;
	}
	if (rc) {
		gap->clearing = false;
		gap->clear_cb = NULL;
		return rc;
	}
	if (!pending)
		finish_clear(gap, BH_OK);
	return BH_OK;
}

#ifndef BH_GAP_NO_EXT
bool gap_sets_own_from_gap(const struct bh_gap *gap)
{
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		const struct gap_adv_set *s = &gap->sets[i];
		/* A legacy set is handle 0, which the caller checks itself. */
		if (!s->legacy && (s->state == ADV_STARTING || s->state == ADV_ON) &&
		    !addr_given(&s->p.addr))
			return true;
	}
	return false;
}
#endif

bool bh_gap_adv_set_active(const struct bh_gap *gap, uint8_t handle)
{
	if (handle < 1 || handle > BH_GAP_ADV_SETS_MAX)
		return false;
	enum gap_adv_state st = gap->sets[handle - 1].state;
	return st == ADV_STARTING || st == ADV_ON;
}

bh_addr bh_gap_adv_set_address(const struct bh_gap *gap, uint8_t handle)
{
	bh_addr a = { 0 };
	gap_sets_own(gap, handle, &a);
	return a;
}

bool gap_sets_own(const struct bh_gap *gap, uint8_t handle, bh_addr *out)
{
	/* HCI handle h is set index h - 1 (0 is bh_gap_adv_start's). */
	if (handle < 1 || handle > BH_GAP_ADV_SETS_MAX)
		return false;
	const struct gap_adv_set *s = &gap->sets[handle - 1];
	/* A legacy set is handle 0, which rotations re-address. Until a
	 * re-addressing's enable is answered the set is off or on its old
	 * address: a connection reported then took it before the disable. */
	if (s->legacy)
		gap_adv_link_addr(gap, out);
	else
		*out = s->readdr ? s->prev : s->own;
	return true;
}

int bh_gap_adv_read_limits(struct bh_gap *gap, bh_gap_adv_limits_cb cb, void *ctx)
{
	if (!cb)
		return BH_EINVAL;
	if (!gap_ext_adv(gap))
		return BH_ENOTSUP;
	if (gap->lim_cb)
		return BH_EBUSY;
	int rc = gap_cmd_reserve(gap, 2);
	if (rc)
		return rc;
	gap->lim_cb = cb;
	gap->lim_ctx = ctx;
	rc = set_cmd(gap, PROC_MISC, BH_HCI_LE_READ_NUM_ADV_SETS, NULL, 0, ARG(S_LIM_NUM, 0));
	if (!rc)
		rc = set_cmd(gap, PROC_MISC, BH_HCI_LE_READ_MAX_ADV_DATA_LEN, NULL, 0, ARG(S_LIM_MAX, 0));
	if (rc)
		gap->lim_cb = NULL;
	return rc;
}

/* LE Advertising Set Terminated (7.7.65.18) for handles 1..: a connection
 * took the set, or its Duration / Max_Extended_Advertising_Events ran out.
 *
 * The controller reports a connection when it is made, which may be after
 * it answered commands the host sent later: a connection that took the set
 * just before a disable (a re-addressing's or a stop's) can be reported
 * after that disable, and after a re-addressing's enable that put the set
 * back on the air. The host and the controller are kept in step for each
 * order (tests: test_gap_sets_rpa, "race_*"). */
/* A set starting is not on the air before its enable goes out: news of
 * its end then is late news of an earlier run of the handle (a connection
 * that took it just before it was stopped or ended), which must not end
 * the run the application has just started. */
static bool set_live(struct bh_gap *gap, unsigned i)
{
	const struct gap_adv_set *s = &gap->sets[i];
	return s->state == ADV_ON ||
	       (s->state == ADV_STARTING && gap_cmd_in_flight(gap, set_done, ARG(S_ENABLED, i)));
}

/* Ended by the controller while it may be on the air again, or reported
 * by an event naming no set: off for sure (the application hears
 * on_stopped either way). A set already off stays off whatever the answer
 * (some controllers say Command Disallowed), so the answer is ignored.
 * Queued before on_stopped, which may start the handle anew, and not
 * under the set's own procedure, which a failing new start drops. Then
 * the set ends. */
static void end_off(struct bh_gap *gap, unsigned i, bh_status why)
{
	uint8_t e[6] = { 0, 1, (uint8_t)(i + 1) };
	if (set_cmd(gap, PROC_MISC, BH_HCI_LE_SET_EXT_ADV_ENABLE, e, 6, ARG(S_IGNORE, i)))
		gap_log(gap, BH_LOG_WARN, "adv set %u ended; no room to make sure it is off", i + 1);
	gap_set_ended(gap, i, why);
}

#ifndef BH_GAP_NO_EXT
uint8_t gap_sets_sole_source(struct bh_gap *gap)
{
	/* Handle 0 running, or a link of its last run still owed. */
	if (gap->adv_state != ADV_IDLE || gap->adv_late)
		return 0;
	uint8_t h = 0;
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		const struct gap_adv_set *s = &gap->sets[i];
		/* Those a Terminated would give the link to (below); an owed
		 * link may be of a run with other parameters. */
		bool conn = s->p.adv.kind != BH_GAP_ADV_SCAN && s->p.adv.kind != BH_GAP_ADV_NONCONN;
		if (s->legacy ||
		    !(s->late || (conn && (set_live(gap, i) || s->state == ADV_STOPPING))))
			continue;
		if (h)
			return 0;
		h = (uint8_t)(i + 1);
	}
	return h;
}
#endif

/* Connection Complete with Advertising Timeout (0x3C): high duty cycle
 * directed advertising ended unanswered (7.7.65.1, 7.8.56). It names no
 * set, and may come instead of the set's Advertising Set Terminated, so
 * every set running high duty directed advertising may be the one: each
 * ends (BH_ETIMEDOUT) with one more disable, and its Terminated, should
 * it come too, is owed news (late), as handle 0 takes it. */
#ifndef BH_GAP_NO_EXT
void gap_sets_on_directed_timeout(struct bh_gap *gap)
{
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		struct gap_adv_set *s = &gap->sets[i];
		if (s->legacy || s->p.adv.kind != BH_GAP_ADV_DIRECT_HIGH || !set_live(gap, i))
			continue;
		s->late = true;
		end_off(gap, i, BH_ETIMEDOUT);
	}
}
#endif

void gap_sets_on_terminated(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	struct bh_rd r = bh_rd_init(p, len);
	uint8_t status = bh_rd_u8(&r);
	uint8_t handle = bh_rd_u8(&r);
	uint16_t conn = bh_rd_u16(&r) & 0x0fff;
	bh_rd_u8(&r);
	struct gap_adv_set *s = set_at(gap, handle);
	if (!bh_rd_ok(&r) || !s || s->legacy)
		return;
	unsigned i = (unsigned)(handle - 1);
	bool live = set_live(gap, i);
	struct gap_conn_slot *c = status == 0 ? gap_slot_find(gap, conn) : NULL;
	/* Stopping, or after the host ended the run (a stop, a refused
	 * re-enable: late), the set gets no on_stopped, but the link still
	 * came from it, from the address it had then (prev), unless the
	 * controller named it (Local RPA, 7.7.65.10). */
	if (c && (live || s->state == ADV_STOPPING || s->late)) {
		c->adv_handle = (uint8_t)(handle + 1);
		if (c->c.role == BH_GAP_ROLE_PERIPHERAL && !c->local_ctrl) {
			bh_addr was = c->c.local;
			if (live)
				gap_sets_own(gap, handle, &c->c.local);
			else
				c->c.local = s->prev;
			/* The host has the guess made at the connection event. */
			if (!bh_addr_eq(&was, &c->c.local) && gap->port.conn_changed)
				gap->port.conn_changed(gap->port.ctx, &c->c);
		}
	}
	/* Whichever run it reports, the one a stop may leave owed has come. */
	bool late = s->late;
	s->late = false;
	if (!live)
		return;
	/* Advertising Timeout / Limit Reached: its Duration or event limit. */
	bh_status why = status == 0x3c || status == 0x43 ? BH_ETIMEDOUT : BH_HCI_STATUS(status);
	if (status == 0)
		why = BH_OK;
	/* Ended before a re-addressing's disable, the set may since have been
	 * enabled again by that re-addressing; or this is late news of the
	 * run before, and the controller has this one on. */
	if (s->reenabled || late)
		end_off(gap, i, why);
	else
		gap_set_ended(gap, i, why);
}

void gap_sets_reset(struct bh_gap *gap, bh_status reason)
{
	if (gap->clearing)
		finish_clear(gap, reason);
	if (gap->lim_cb) {
		bh_gap_adv_limits_cb cb = gap->lim_cb;
		gap->lim_cb = NULL;
		cb(gap->lim_ctx, reason, 0, 0);
	}
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		struct gap_adv_set *s = &gap->sets[i];
		s->readdr = false;
		s->late = false; /* a controller reset reports nothing of before */
		if (s->state == ADV_IDLE)
			continue;
		if (s->state == ADV_STOPPING) {
			s->state = ADV_IDLE;
			continue;
		}
		s->legacy = false; /* handle 0's reset already told it */
		if (s->cb) {
			s->state = ADV_IDLE;
			gap_answer(&s->cb, s->cb_ctx, reason);
			continue;
		}
		set_stopped(s, reason);
	}
}

void gap_sets_free(struct bh_gap *gap)
{
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		free(gap->sets[i].data);
		free(gap->sets[i].rsp);
		free(gap->sets[i].per_data);
	}
}
