/* GAP object: creation, the serial command queue, event dispatch, timers,
 * own addresses (public / static / RPA / NRPA with rotation) and the filter
 * accept list. Scanning, advertising and connections live in their own files.
 */
#include "gap_internal.h"

#include <blehost/bh_pool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bh_gap_config_default(struct bh_gap_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_connections = 8;
	c->max_seen = 64;
	c->scan_data_max = 256;
	c->reassembly_slots = 4;
	c->rpa_timeout_ms = 15 * 60 * 1000;
	c->read_remote_features = true;
	c->own_addr = BH_GAP_OWN_PUBLIC;
	c->reassembly_timeout_ms = 2000;
}

struct bh_gap *bh_gap_new(const struct bh_gap_config *cfg, const struct bh_env *env,
			  const struct bh_gap_port *port)
{
	if (!cfg || !env || !port || !port->hci_cmd || !port->info)
		return NULL;
	if (cfg->max_connections == 0 || cfg->max_connections > 64 || cfg->max_seen == 0 ||
	    cfg->scan_data_max < BH_AD_LEGACY_MAX || cfg->scan_data_max > BH_AD_EXT_MAX ||
	    cfg->reassembly_slots == 0 || cfg->own_addr > BH_GAP_OWN_NRPA)
		return NULL;
	struct bh_gap *gap = calloc(1, sizeof(*gap));
	if (!gap)
		return NULL;
	gap->cfg = *cfg;
	if (!gap->cfg.rpa_timeout_ms)
		gap->cfg.rpa_timeout_ms = 15 * 60 * 1000;
	if (!gap->cfg.reassembly_timeout_ms)
		gap->cfg.reassembly_timeout_ms = 2000;
	gap->env = env;
	gap->port = *port;
	gap->ext = -1;
	gap->sync_pending = -1;
	gap->own_kind = cfg->own_addr;
	gap->rpa_deadline = BH_NEVER;
	gap->scan_deadline = gap->adv_deadline = gap->init_deadline = BH_NEVER;
	gap->conns = calloc(cfg->max_connections, sizeof(*gap->conns));
	if (!gap->conns || gap_scan_init(gap)) {
		bh_gap_free(gap);
		return NULL;
	}
	return gap;
}

static void cmd_trim(struct bh_gap *gap);

void gap_answer(bh_gap_done_cb *slot, void *ctx, bh_status st)
{
	bh_gap_done_cb cb = *slot;
	*slot = NULL;
	if (cb)
		cb(ctx, st);
}

static void gap_release(struct bh_gap *gap);

void bh_gap_reset(struct bh_gap *gap, bh_status reason)
{
	/* From one of this reset's callbacks: the reset under way ends
	 * everything, and clearing `resetting` here would let the callbacks
	 * after this one start what the rest of it then ends. */
	if (gap->resetting)
		return;
	/* The callbacks below (a connection attempt's answer, on_done,
	 * on_stopped) may start anew: refused (cmd_grow), or a later step
	 * would end what they started while its commands went out. */
	gap->resetting = true;
	/* Forget queued commands and the in-flight one's handler: the controller
	 * state they assumed is gone. */
	gap->q_len = 0;
	gap->q_hold = 0;
	gap->inflight = false;
	gap->inflight_done = NULL;
	cmd_trim(gap);
	gap->ext = -1; /* the controller may have changed */
	gap->rand_in_ctrl = false;
	gap->rotating = false;
	gap->ext_adv_max = 0;
	gap_answer(&gap->addr_cb, gap->addr_ctx, reason);
	for (unsigned i = 0; i < GAP_MISC; i++) {
		if (gap->misc[i].used) {
			gap->misc[i].used = false;
			if (gap->misc[i].cb)
				gap->misc[i].cb(gap->misc[i].ctx, reason);
		}
	}
	gap_conn_reset(gap, reason);
	gap_scan_reset(gap, reason);
	gap_adv_reset(gap, reason);
	gap_sets_reset(gap, reason);
	gap_sync_reset(gap, reason);
	gap->ctrl_num_sets = 0;
	gap->num_reading = false;
	gap->resetting = false;
	if (gap->free_owed)
		gap_release(gap);
}

void bh_gap_free(struct bh_gap *gap)
{
	if (!gap)
		return;
	/* From a callback of a reset (its own included), the object is still
	 * in use below that callback: the nested reset returns at once and
	 * the one under way frees it when it is done. */
	gap->free_owed = true;
	if (gap->conns && gap->frags && gap->dead)
		bh_gap_reset(gap, BH_ERESET);
	else
		gap_release(gap);
}

static void gap_release(struct bh_gap *gap)
{
	gap_scan_free(gap);
	gap_sets_free(gap);
	gap_sync_free(gap);
	free(gap->q);
	free(gap->conns);
	free(gap->adv_data); /* adv_rsp is in the same block */
	free(gap);
}

/* ---- command queue ---- */

static void kick(struct bh_gap *gap);

bool gap_cmd_in_flight(const struct bh_gap *gap, gap_done_fn done, uintptr_t arg)
{
	return gap->inflight && gap->inflight_done == done && gap->inflight_arg == arg;
}

void gap_cmd_disown(struct bh_gap *gap, gap_done_fn done, uintptr_t arg)
{
	if (gap_cmd_in_flight(gap, done, arg))
		gap->inflight_done = NULL;
}

static void cmd_cb(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct bh_gap *gap = ctx;
	gap_done_fn done = gap->inflight_done;
	uintptr_t arg = gap->inflight_arg;
	gap->inflight = false;
	gap->inflight_done = NULL;
	/* Outside a kick this is an answer from the loop: whoever reserved
	 * room has returned, so what it did not use is released. */
	if (!gap->kicking)
		gap->q_hold = 0;
	if (done)
		done(gap, st, ret, len, arg);
	kick(gap);
}

/* Frees the queue's ring when nothing needs it, so an idle GAP holds no
 * command memory; only the first command of a burst pays a malloc. */
static void cmd_trim(struct bh_gap *gap)
{
	if (gap->inflight || gap->q_len || gap->q_hold || gap->kicking)
		return;
	free(gap->q);
	gap->q = NULL;
	gap->q_cap = gap->q_head = 0;
}

static void kick(struct bh_gap *gap)
{
	/* A port that completes synchronously re-enters here through cmd_cb;
	 * the outer loop carries on instead of recursing. */
	if (gap->kicking)
		return;
	gap->kicking = true;
	while (!gap->inflight && gap->q_len) {
		struct gap_cmd c = gap->q[gap->q_head];
		gap->q_head = (gap->q_head + 1) % gap->q_cap;
		gap->q_len--;
		gap->inflight = true;
		gap->inflight_done = c.done;
		gap->inflight_arg = c.arg;
		int rc = gap->port.hci_cmd(gap->port.ctx, c.opcode, c.params, c.len, cmd_cb, gap);
		if (rc < 0) {
			/* On an error return the callback never comes: complete here. */
			gap->inflight = false;
			gap->inflight_done = NULL;
			if (c.done)
				c.done(gap, rc, NULL, 0, c.arg);
		}
	}
	gap->kicking = false;
	cmd_trim(gap);
}

/* Room for n entries in all, within GAP_CMDQ: the ring grows by doubling
 * and is unwrapped into the new one. */
static int cmd_grow(struct bh_gap *gap, unsigned n)
{
	if (n > GAP_CMDQ || gap->resetting)
		return BH_EBUSY;
	if (n <= gap->q_cap)
		return BH_OK;
	unsigned cap = gap->q_cap ? 2 * gap->q_cap : GAP_CMDQ_MIN;
	while (cap < n)
		cap *= 2;
	if (cap > GAP_CMDQ)
		cap = GAP_CMDQ;
	struct gap_cmd *q = bh_ring_regrow(gap->q, sizeof(*q), gap->q_cap, gap->q_head, gap->q_len, cap);
	if (!q)
		return BH_ENOMEM;
	gap->q = q;
	gap->q_cap = cap;
	gap->q_head = 0;
	return BH_OK;
}

int gap_cmd_reserve(struct bh_gap *gap, unsigned n)
{
	int rc = cmd_grow(gap, gap->q_len + n);
	gap->q_hold = rc ? 0 : n;
	if (rc)
		cmd_trim(gap);
	return rc;
}

int gap_cmd(struct bh_gap *gap, uint8_t proc, uint16_t op, const void *p, size_t len,
	    gap_done_fn done, uintptr_t arg)
{
	if (len > 255)
		return BH_EINVAL;
	/* Full and out of memory are the same answer: no room for it. */
	if (cmd_grow(gap, gap->q_len + 1))
		return BH_ENOMEM;
	struct gap_cmd *c = &gap->q[(gap->q_head + gap->q_len) % gap->q_cap];
	c->opcode = op;
	c->len = (uint8_t)len;
	c->proc = proc;
	c->done = done;
	c->arg = arg;
	if (len)
		memcpy(c->params, p, len);
	gap->q_len++;
	if (gap->q_hold)
		gap->q_hold--;
	kick(gap);
	return BH_OK;
}

unsigned gap_cmd_drop(struct bh_gap *gap, uint8_t proc)
{
	unsigned keep = 0, n = gap->q_len;
	for (unsigned i = 0; i < gap->q_len; i++) {
		struct gap_cmd *c = &gap->q[(gap->q_head + i) % gap->q_cap];
		if (c->proc == proc)
			continue;
		if (keep != i)
			gap->q[(gap->q_head + keep) % gap->q_cap] = *c;
		keep++;
	}
	gap->q_len = keep;
	cmd_trim(gap);
	return n - keep;
}

/* ---- controller facts ---- */

bool gap_supports(struct bh_gap *gap, uint16_t sup)
{
	const struct bh_hci_info *in = gap->port.info(gap->port.ctx);
	if (!in || sup / 8 >= sizeof(in->commands))
		return false;
	return (in->commands[sup / 8] >> (sup % 8)) & 1;
}

#ifndef BH_GAP_NO_EXT
enum { EXT_ADV = 1, EXT_SCAN = 2, EXT_CONN = 4, EXT_ALL = 7 };

/* Which extended command families to use, decided once per controller
 * (legacy and extended must not be mixed within a family: Vol 4, Part E,
 * 3.1.1). A compliant controller with LE Extended Advertising lists all
 * three, so all go extended together; one that lists only some (Bumble's
 * virtual controller has no extended scanning) gets each family it has. */
static int ext_bits(struct bh_gap *gap)
{
	if (gap->ext < 0) {
		const struct bh_hci_info *in = gap->port.info(gap->port.ctx);
		/* Before bring-up there are no facts: answer legacy, decide later. */
		if (!in)
			return 0;
		/* LE feature bit 12 is LE Extended Advertising (Vol 6, Part B, 4.6). */
		bool feat = (in->le_features[1] >> 4) & 1 && !gap->cfg.force_legacy;
		int b = 0;
		if (feat && gap_supports(gap, BH_SUP_LE_SET_EXT_ADV_PARAMS) &&
		    gap_supports(gap, BH_SUP_LE_SET_EXT_ADV_ENABLE))
			b |= EXT_ADV;
		if (feat && gap_supports(gap, BH_SUP_LE_SET_EXT_SCAN_PARAMS) &&
		    gap_supports(gap, BH_SUP_LE_SET_EXT_SCAN_ENABLE))
			b |= EXT_SCAN;
		if (feat && gap_supports(gap, BH_SUP_LE_EXT_CREATE_CONN))
			b |= EXT_CONN;
		gap->ext = b;
	}
	return gap->ext;
}

bool gap_ext_adv(struct bh_gap *gap)
{
	return ext_bits(gap) & EXT_ADV;
}

bool gap_ext_scan(struct bh_gap *gap)
{
	return ext_bits(gap) & EXT_SCAN;
}

bool gap_ext_conn(struct bh_gap *gap)
{
	return ext_bits(gap) & EXT_CONN;
}
#endif

bool bh_gap_uses_extended(struct bh_gap *gap)
{
	return gap_ext_adv(gap) && gap_ext_scan(gap) && gap_ext_conn(gap);
}

bool bh_gap_extended_built(void)
{
#ifdef BH_GAP_NO_EXT
	return false;
#else
	return true;
#endif
}

/* ---- events ---- */

void bh_gap_on_event(struct bh_gap *gap, uint8_t code, const uint8_t *params, size_t len)
{
	switch (code) {
	case BH_HCI_EVT_DISCONN_COMPLETE:
		gap_on_disconn_complete(gap, params, len);
		break;
	default:
		break;
	}
}

void bh_gap_on_le_meta(struct bh_gap *gap, uint8_t sub, const uint8_t *params, size_t len)
{
	switch (sub) {
	case BH_LE_ADV_REPORT:
		gap_on_adv_report(gap, params, len);
		break;
#ifndef BH_GAP_NO_EXT
	/* Built without extended advertising, no command that makes the
	 * controller send these was used: the events are ignored. */
	case BH_LE_EXT_ADV_REPORT:
		gap_on_ext_adv_report(gap, params, len);
		break;
	case BH_LE_ADV_SET_TERMINATED:
		gap_adv_on_set_terminated(gap, params, len);
		gap_sets_on_terminated(gap, params, len);
		break;
	case BH_LE_PERIODIC_SYNC_ESTABLISHED:
		gap_on_sync_established(gap, params, len);
		break;
	case BH_LE_PERIODIC_ADV_REPORT:
		gap_on_periodic_report(gap, params, len);
		break;
	case BH_LE_PERIODIC_SYNC_LOST:
		gap_on_sync_lost(gap, params, len);
		break;
#endif
	case BH_LE_CONN_COMPLETE:
	case BH_LE_ENH_CONN_COMPLETE:
	case BH_LE_ENH_CONN_COMPLETE_V2:
		gap_on_conn_complete(gap, params, len, sub);
		break;
	case BH_LE_CONN_UPDATE_COMPLETE:
		gap_on_conn_update_complete(gap, params, len);
		break;
	case BH_LE_REMOTE_CONN_PARAM_REQUEST:
		gap_on_remote_conn_param_request(gap, params, len);
		break;
	case BH_LE_READ_REMOTE_FEATURES_COMPLETE:
		gap_on_remote_features(gap, params, len);
		break;
	case BH_LE_CHANNEL_SEL_ALGO:
		gap_on_csa(gap, params, len);
		break;
	case BH_LE_DATA_LENGTH_CHANGE:
		gap_on_data_length_change(gap, params, len);
		break;
	case BH_LE_PHY_UPDATE_COMPLETE:
		gap_on_phy_update_complete(gap, params, len);
		break;
	default:
		break;
	}
}

/* ---- own address ---- */

uint8_t gap_own_type(const struct bh_gap *gap)
{
	return gap->own_kind == BH_GAP_OWN_PUBLIC ? BH_ADDR_PUBLIC : BH_ADDR_RANDOM;
}

int gap_new_random(struct bh_gap *gap, enum bh_gap_own_addr kind, bh_addr *out)
{
	out->type = BH_ADDR_RANDOM;
	if (kind == BH_GAP_OWN_RPA) {
		if (!gap->port.make_rpa)
			return BH_ENOTSUP;
		int rc = gap->port.make_rpa(gap->port.ctx, out);
		if (rc)
			return rc;
		out->type = BH_ADDR_RANDOM;
		return bh_addr_random_kind(out) == BH_RANDOM_RPA ? BH_OK : BH_EINVAL;
	}
	/* Vol 6, Part B, 1.3.2.1/1.3.2.2: the random part must not be all
	 * zeros or all ones; the two top bits are 0b11 (static) or 0b00 (NRPA). */
	for (int tries = 0; tries < 16; tries++) {
		bh_random(gap->env, out->val, 6);
		if (kind == BH_GAP_OWN_STATIC)
			out->val[5] |= 0xc0;
		else
			out->val[5] &= 0x3f;
		/* The random part (the two top bits aside) ORed and ANDed. */
		uint8_t any = out->val[5] & 0x3f, all = out->val[5] | 0xc0;
		for (int i = 0; i < 5; i++) {
			any |= out->val[i];
			all &= out->val[i];
		}
		if (any && all != 0xff)
			return BH_OK;
	}
	return BH_EIO; /* the random source is broken */
}

static void set_rand_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
			  uintptr_t arg)
{
	(void)ret;
	(void)len;
	gap->rand_in_ctrl = st == BH_OK;
	/* Part of a start sequence: without the address the rest is pointless. */
	if (st && arg == PROC_SCAN)
		gap_scan_step_failed(gap, st);
	else if (st && arg == PROC_ADV)
		gap_adv_step_failed(gap, st);
	else if (st && arg == PROC_CONN)
		gap_conn_step_failed(gap, st);
	if (arg == PROC_ADDR)
		gap_answer(&gap->addr_cb, gap->addr_ctx, st);
}

static bool rotating_kind(enum bh_gap_own_addr k)
{
	return k == BH_GAP_OWN_RPA || k == BH_GAP_OWN_NRPA;
}

static int queue_set_random(struct bh_gap *gap, uint8_t proc)
{
	return gap_cmd(gap, proc, BH_HCI_LE_SET_RANDOM_ADDRESS, gap->rand_addr.val, 6,
		       set_rand_done, proc);
}

int gap_prepare_addr(struct bh_gap *gap, uint8_t proc)
{
	if (gap->own_kind == BH_GAP_OWN_PUBLIC)
		return BH_OK;
	/* Anonymous legacy advertising holds the controller's one random
	 * address (its NRPA): 7.8.4 refuses LE Set Random Address while it
	 * runs, and on controllers that take it the advertising would move to
	 * GAP's address, linking the two. Nor may scanning or initiating use
	 * the NRPA: an active scan or a connection would link them too. */
	if (gap->adv.anonymous && !gap_ext_adv(gap) &&
	    (gap->adv_state == ADV_STARTING || gap->adv_state == ADV_ON))
		return BH_ESTATE;
	if (gap->rand_valid && gap->rand_in_ctrl)
		return BH_OK;
	int rc = gap_fresh_random(gap);
	return rc ? rc : queue_set_random(gap, proc);
}

int gap_fresh_random(struct bh_gap *gap)
{
	if (!gap->rand_valid) {
		int rc = gap_new_random(gap, gap->own_kind, &gap->rand_addr);
		if (rc)
			return rc;
		gap->rand_valid = true;
	}
	/* Its clock starts with its first use (a rotation may have made it
	 * before, drop_addr). An earlier deadline stays: it is this
	 * address's own, or the running advertising sets'. */
	bh_time_ms t = bh_now(gap->env) + gap->cfg.rpa_timeout_ms;
	if (rotating_kind(gap->own_kind) && t < gap->rpa_deadline)
		gap->rpa_deadline = t;
	return BH_OK;
}

int bh_gap_set_own_address(struct bh_gap *gap, enum bh_gap_own_addr kind, const bh_addr *addr,
			   bh_gap_done_cb cb, void *ctx)
{
	if (kind > BH_GAP_OWN_NRPA)
		return BH_EINVAL;
	/* A running set whose address came from GAP is refused like handle 0:
	 * following a new kind would need LE Set Extended Advertising
	 * Parameters (Own_Address_Type), which 7.8.53 disallows while the set
	 * is enabled, so it would be a restart the application should choose;
	 * and left alone the set would keep an address GAP no longer rotates,
	 * or advertise the identity after privacy was asked for. */
	if (gap->scan_state != SCAN_IDLE || gap->adv_state != ADV_IDLE ||
	    gap->init_state != INIT_IDLE || gap->rotating || gap->addr_cb ||
	    gap_sets_own_from_gap(gap))
		return BH_ESTATE;
	bh_addr a = { 0 };
	if (kind == BH_GAP_OWN_STATIC && addr) {
		if (bh_addr_random_kind(addr) != BH_RANDOM_STATIC)
			return BH_EINVAL;
		a = *addr;
		a.type = BH_ADDR_RANDOM;
	} else if (kind != BH_GAP_OWN_PUBLIC) {
		int rc = gap_new_random(gap, kind, &a);
		if (rc)
			return rc;
	}
	gap->own_kind = kind;
	if (kind == BH_GAP_OWN_PUBLIC) {
		gap->rand_valid = false;
		gap->rpa_deadline = BH_NEVER;
		if (cb)
			cb(ctx, BH_OK);
		return BH_OK;
	}
	gap->rand_addr = a;
	gap->rand_valid = true;
	gap->rand_in_ctrl = false;
	gap->rpa_deadline = rotating_kind(kind) ? bh_now(gap->env) + gap->cfg.rpa_timeout_ms
						: BH_NEVER;
	gap->addr_cb = cb;
	gap->addr_ctx = ctx;
	int rc = queue_set_random(gap, PROC_ADDR);
	if (rc)
		gap->addr_cb = NULL;
	return rc;
}

void gap_own_address(const struct bh_gap *gap, bh_addr *out)
{
	if (gap->own_kind != BH_GAP_OWN_PUBLIC) {
		/* All zero before the first is made. */
		*out = gap->rand_addr;
		out->type = BH_ADDR_RANDOM;
		return;
	}
	const struct bh_hci_info *in = gap->port.info(gap->port.ctx);
	bh_addr a = { 0 };
	if (in)
		a = in->bdaddr;
	a.type = BH_ADDR_PUBLIC;
	*out = a;
}

bh_addr bh_gap_own_address(const struct bh_gap *gap)
{
	bh_addr a;
	gap_own_address(gap, &a);
	return a;
}

static void rotate_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
			uintptr_t arg)
{
	(void)ret;
	(void)len;
	(void)arg;
	gap->rotating = false;
	if (st) {
		gap_log(gap, BH_LOG_WARN, "address rotation step failed: %s", bh_strerror(st));
		/* Refused, the write changed nothing: advertising and scanning
		 * resume from the address before, which stays the one in use
		 * until the next rotation. With extended commands handle 0's
		 * own write, queued behind, is dropped unsent, so it stays on
		 * that address too. Whether that address is in the controller
		 * is as before the rotation (rand_in_ctrl). */
		if (gap_ext_adv(gap))
			gap_cmd_drop(gap, PROC_ADDR);
		gap->rand_addr = gap->rand_old;
		return;
	}
	gap->rand_in_ctrl = true;
}

#ifndef BH_GAP_NO_EXT
static void back_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		      uintptr_t arg)
{
	(void)ret;
	(void)len;
	(void)arg;
	if (st)
		gap_log(gap, BH_LOG_WARN, "address write-back refused: %s", bh_strerror(st));
	else
		gap->rand_addr = gap->rand_old;
}

void gap_addr_write_back(struct bh_gap *gap)
{
	/* Ahead of everything queued: the rotation's scan re-enable is
	 * behind, and 7.8.4 refuses the write once scanning is on. */
	if (cmd_grow(gap, gap->q_len + 1)) {
		gap_log(gap, BH_LOG_WARN, "no room to write the address back");
		return;
	}
	gap->q_head = (gap->q_head + gap->q_cap - 1) % gap->q_cap;
	struct gap_cmd *c = &gap->q[gap->q_head];
	c->opcode = BH_HCI_LE_SET_RANDOM_ADDRESS;
	c->len = 6;
	c->proc = PROC_ADDR;
	c->done = back_done;
	c->arg = 0;
	memcpy(c->params, gap->rand_old.val, 6);
	gap->q_len++;
	kick(gap);
}
#endif

/* GAP's address is on the air nowhere: it is not written again. The next
 * one is made now, unwritten, so bh_gap_own_address tells the address the
 * next start writes; its rotation clock starts with that start
 * (gap_fresh_random). Not made, the next start tries again. */
static void drop_addr(struct bh_gap *gap)
{
	bh_addr a;
	gap->rand_valid = !gap_new_random(gap, gap->own_kind, &a);
	if (gap->rand_valid)
		gap->rand_addr = a;
	gap->rand_in_ctrl = false;
}

/* RPA/NRPA rotation (Vol 3, Part C, 10.7.1.2): a new address, written while
 * advertising and scanning are paused, since LE Set Random Address is
 * disallowed while they run; the running advertising sets that took their
 * address from GAP get new ones too (gap_adv_sets_rpa.c). An initiation in
 * progress postpones it. A refused LE Set Random Address is not retried:
 * GAP's address stays the old one until the next rotation, for handle 0's
 * extended advertising too (rotate_done drops its write); the other way
 * round, handle 0's write refused, the old address is written back
 * (gap_addr_write_back). So scanning and handle 0 never go on from two
 * addresses and bh_gap_own_address is the one in use. */
static void rotate(struct bh_gap *gap)
{
	bh_time_ms now = bh_now(gap->env);
	/* Anonymous advertising keeps its own NRPA as long as it runs (_bleio:
	 * one address for the whole advertisement): it is not GAP's to rotate.
	 * With legacy commands nothing else can be on the air from a random
	 * address meanwhile (gap_prepare_addr), so GAP's address is dropped
	 * below and the first start after it writes a fresh one. */
	bool adv = gap->adv_state == ADV_ON && !gap->adv.anonymous,
	     scan = gap->scan_state == SCAN_ON;
	if (gap->init_state == INIT_CREATING || gap->rotating ||
	    gap->adv_state == ADV_STARTING || gap->adv_state == ADV_STOPPING ||
	    gap->scan_state == SCAN_STARTING || gap->scan_state == SCAN_STOPPING ||
	    gap_sets_rotation_busy(gap)) {
		gap->rpa_deadline = now + 1000; /* try again shortly */
		return;
	}
	unsigned sets = gap_sets_to_readdress(gap);
	if (!adv && !scan && !sets) {
		/* Nothing on air: the next start writes a fresh address. */
		drop_addr(gap);
		gap->rpa_deadline = BH_NEVER;
		return;
	}
	if (gap_cmd_reserve(gap, 6 + 3 * sets)) {
		/* no room now (full, or out of memory): try again shortly */
		gap->rpa_deadline = now + 1000;
		return;
	}
	gap->rpa_deadline = now + gap->cfg.rpa_timeout_ms;
	if (sets)
		gap_sets_readdress(gap);
	if (!adv && !scan) {
		drop_addr(gap);
		return;
	}
	bh_addr a;
	if (gap_new_random(gap, gap->own_kind, &a))
		return;
	gap->rand_old = gap->rand_addr;
	gap->rand_addr = a;
	gap->rotating = true;
	if (adv)
		gap_adv_queue_enable(gap, false);
	if (scan)
		gap_scan_queue_enable(gap, false);
	gap_cmd(gap, PROC_ADDR, BH_HCI_LE_SET_RANDOM_ADDRESS, gap->rand_addr.val, 6, rotate_done, 0);
	if (adv)
		gap_adv_queue_enable(gap, true);
	if (scan)
		gap_scan_queue_enable(gap, true);
}

/* ---- timers ---- */

bh_time_ms bh_gap_next_deadline(const struct bh_gap *gap)
{
	bh_time_ms d = gap->rpa_deadline;
	if (gap->scan_deadline < d)
		d = gap->scan_deadline;
	if (gap->adv_deadline < d)
		d = gap->adv_deadline;
	if (gap->init_deadline < d)
		d = gap->init_deadline;
	return d;
}

void bh_gap_on_timeout(struct bh_gap *gap)
{
	bh_time_ms now = bh_now(gap->env);
	if (gap->init_deadline <= now) {
		gap->init_deadline = BH_NEVER;
		gap_conn_timeout(gap);
	}
	if (gap->scan_deadline <= now) {
		gap->scan_deadline = BH_NEVER;
		gap_scan_timeout(gap);
	}
	if (gap->adv_deadline <= now) {
		gap->adv_deadline = BH_NEVER;
		gap_adv_timeout(gap);
	}
	if (gap->rpa_deadline <= now) {
		gap->rpa_deadline = BH_NEVER;
		if (rotating_kind(gap->own_kind))
			rotate(gap);
	}
}

/* ---- filter accept list (Vol 4, Part E, 7.8.14-7.8.17) ---- */

static void misc_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		      uintptr_t arg)
{
	(void)ret;
	(void)len;
	struct gap_misc *m = &gap->misc[arg];
	if (!m->used)
		return;
	m->used = false;
	if (m->cb)
		m->cb(m->ctx, st);
}

static int misc_cmd(struct bh_gap *gap, uint16_t op, const void *params, size_t len,
		    bh_gap_done_cb cb, void *ctx)
{
	if (gap->init_state == INIT_CREATING && gap->init_accept_list)
		return BH_ESTATE;
	if (gap->scan_state != SCAN_IDLE && gap->scan.use_accept_list)
		return BH_ESTATE;
	return gap_misc_cmd(gap, op, params, len, cb, ctx);
}

int gap_misc_cmd(struct bh_gap *gap, uint16_t op, const void *params, size_t len,
		 bh_gap_done_cb cb, void *ctx)
{
	unsigned i;
	for (i = 0; i < GAP_MISC; i++)
		if (!gap->misc[i].used)
			break;
	if (i == GAP_MISC)
		return BH_ENOMEM;
	/* Claim the slot before queueing: a synchronous port completes inside. */
	gap->misc[i] = (struct gap_misc){ true, cb, ctx };
	int rc = gap_cmd(gap, PROC_MISC, op, params, len, misc_done, i);
	if (rc)
		gap->misc[i].used = false;
	return rc;
}

int bh_gap_accept_list_add(struct bh_gap *gap, const bh_addr *a, bh_gap_done_cb cb, void *ctx)
{
	if (!a || a->type > BH_ADDR_RANDOM)
		return BH_EINVAL;
	uint8_t p[7] = { a->type };
	memcpy(p + 1, a->val, 6);
	return misc_cmd(gap, BH_HCI_LE_ADD_TO_ACCEPT_LIST, p, 7, cb, ctx);
}

int bh_gap_accept_list_remove(struct bh_gap *gap, const bh_addr *a, bh_gap_done_cb cb, void *ctx)
{
	if (!a || a->type > BH_ADDR_RANDOM)
		return BH_EINVAL;
	uint8_t p[7] = { a->type };
	memcpy(p + 1, a->val, 6);
	return misc_cmd(gap, BH_HCI_LE_REMOVE_FROM_ACCEPT_LIST, p, 7, cb, ctx);
}

int bh_gap_accept_list_clear(struct bh_gap *gap, bh_gap_done_cb cb, void *ctx)
{
	return misc_cmd(gap, BH_HCI_LE_CLEAR_ACCEPT_LIST, NULL, 0, cb, ctx);
}

/* ---- names ---- */

const char *bh_gap_role_str(enum bh_gap_role r)
{
	return r == BH_GAP_ROLE_CENTRAL ? "central" : r == BH_GAP_ROLE_PERIPHERAL ? "peripheral" : "?";
}

const char *bh_gap_own_addr_str(enum bh_gap_own_addr k)
{
	switch (k) {
	case BH_GAP_OWN_PUBLIC: return "public";
	case BH_GAP_OWN_STATIC: return "random static";
	case BH_GAP_OWN_RPA: return "resolvable private";
	case BH_GAP_OWN_NRPA: return "non-resolvable private";
	}
	return "?";
}

const char *gap_scan_state_str(enum gap_scan_state s)
{
	static const char *const n[] = { "idle", "starting", "on", "stopping" };
	return (unsigned)s < 4 ? n[s] : "?";
}

const char *gap_adv_state_str(enum gap_adv_state s)
{
	static const char *const n[] = { "idle", "starting", "on", "stopping" };
	return (unsigned)s < 4 ? n[s] : "?";
}

const char *gap_init_state_str(enum gap_init_state s)
{
	static const char *const n[] = { "idle", "matching", "creating" };
	return (unsigned)s < 3 ? n[s] : "?";
}
