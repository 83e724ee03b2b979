/* HCI command queue: Num_HCI_Command_Packets credits, matching Command
 * Complete / Command Status to the pending command by opcode, per-command
 * timeouts (Vol 4, Part E, 4.4 and 7.7.14/7.7.15).
 *
 * Two queues wait for credits: bring-up's own commands (init_q) and the
 * callers' (user_q). Callers' commands are held while bring-up runs so they
 * never interleave with it; everything sent waits in `pending` until the
 * controller answers or the timer fires.
 */
#include "hci_internal.h"

#include <string.h>

static void list_push(struct hci_cmd_list *l, struct hci_cmd *c)
{
	c->next = NULL;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static struct hci_cmd *list_pop(struct hci_cmd_list *l)
{
	struct hci_cmd *c = l->head;
	if (c) {
		l->head = c->next;
		if (!l->head)
			l->tail = NULL;
		c->next = NULL;
	}
	return c;
}

/* Unlinks the oldest entry with this opcode. */
static struct hci_cmd *list_take_opcode(struct hci_cmd_list *l, uint16_t opcode)
{
	struct hci_cmd *prev = NULL;
	for (struct hci_cmd *c = l->head; c; prev = c, c = c->next) {
		if (c->opcode != opcode)
			continue;
		if (prev)
			prev->next = c->next;
		else
			l->head = c->next;
		if (l->tail == c)
			l->tail = prev;
		c->next = NULL;
		return c;
	}
	return NULL;
}

int hci_cmd_queue(struct bh_hci *hci, bool internal, uint16_t opcode, const void *params,
		  size_t len, bh_hci_cmd_cb cb, void *ctx)
{
	if (len > 255 || (len && !params))
		return BH_EINVAL;
	if (!internal && hci->state == HCI_STATE_DOWN)
		return BH_ESTATE;
	if (!internal && hci->cmd_pool.in_use >= HCI_CMD_POOL - HCI_CMD_RESERVED)
		return BH_ENOMEM;
	struct hci_cmd *c = bh_pool_alloc(&hci->cmd_pool);
	if (!c)
		return BH_ENOMEM;
	c->opcode = opcode;
	c->len = (uint8_t)len;
	c->internal = internal;
	c->cb = cb;
	c->ctx = ctx;
	if (len)
		memcpy(c->params, params, len);
	list_push(internal ? &hci->init_q : &hci->user_q, c);
	hci_cmd_pump(hci);
	return BH_OK;
}

int bh_hci_cmd(struct bh_hci *hci, uint16_t opcode, const void *params, size_t len,
	       bh_hci_cmd_cb cb, void *ctx)
{
	return hci_cmd_queue(hci, false, opcode, params, len, cb, ctx);
}

void hci_cmd_pump(struct bh_hci *hci)
{
	unsigned gen = hci->gen;
	while (hci->cmd_credits > 0 && hci->gen == gen) {
		struct hci_cmd_list *q = &hci->init_q;
		if (!q->head) {
			if (hci->state != HCI_STATE_READY)
				return;
			q = &hci->user_q;
		}
		struct hci_cmd *c = list_pop(q);
		if (!c)
			return;
		uint8_t pkt[3 + 255];
		bh_put16(pkt, c->opcode);
		pkt[2] = c->len;
		memcpy(pkt + 3, c->params, c->len);
		hci->cmd_credits--;
		c->deadline = bh_now(hci->env) + hci->cfg.cmd_timeout_ms;
		list_push(&hci->pending, c);
		hci->stats.cmds_sent++;
		hci_log(hci, BH_LOG_DEBUG, "< %s (%u bytes)", bh_hci_opcode_str(c->opcode), c->len);
		/* On failure the transport is gone and teardown has already failed
		 * this command; gen changed, so the loop ends. */
		hci_send(hci, BH_H4_CMD, pkt, 3u + c->len);
	}
}

/* Calls and frees: the entry is off every list, so a callback that queues
 * or forgets commands sees a consistent queue. */
static void complete_one(struct bh_hci *hci, struct hci_cmd *c, bh_status st, const uint8_t *ret,
			 size_t len)
{
	bh_hci_cmd_cb cb = c->cb;
	void *ctx = c->ctx;
	bh_pool_free(&hci->cmd_pool, c);
	if (cb)
		cb(ctx, st, ret, len);
}

void hci_cmd_on_complete(struct bh_hci *hci, uint8_t ncmd, uint16_t opcode, bh_status st,
			 const uint8_t *ret, size_t len)
{
	struct hci_cmd *c = opcode ? list_take_opcode(&hci->pending, opcode) : NULL;
	if (opcode != 0 && !c) {
		/* A duplicate, the wrong opcode, or a late answer to a command
		 * that timed out: nothing to complete, and its allowance is not
		 * believed either (a stray Num_HCI_Command_Packets of 0 would
		 * otherwise stop every later command with no timer to notice). */
		hci->stats.cmds_unexpected++;
		hci_log(hci, BH_LOG_INFO, "unexpected completion for %s",
			bh_hci_opcode_str(opcode));
		return;
	}
	/* Num_HCI_Command_Packets is the controller's current allowance, not an
	 * increment (Vol 4, Part E, 4.4). */
	hci->cmd_credits = ncmd;
	if (c) {
		hci_log(hci, BH_LOG_DEBUG, "> %s: %s", bh_hci_opcode_str(opcode), bh_strerror(st));
		complete_one(hci, c, st, ret, len);
	}
	hci_cmd_pump(hci);
}

void hci_cmd_fail_all(struct bh_hci *hci, bh_status st)
{
	/* Detach first: callbacks may queue new commands, which must land in the
	 * fresh queues and not be failed by this sweep. */
	struct hci_cmd_list lists[3] = { hci->pending, hci->init_q, hci->user_q };
	memset(&hci->pending, 0, sizeof(hci->pending));
	memset(&hci->init_q, 0, sizeof(hci->init_q));
	memset(&hci->user_q, 0, sizeof(hci->user_q));
	for (int i = 0; i < 3; i++) {
		struct hci_cmd *c;
		while ((c = list_pop(&lists[i])))
			complete_one(hci, c, st, NULL, 0);
	}
}

void bh_hci_cmd_forget(struct bh_hci *hci, void *ctx)
{
	struct hci_cmd_list *lists[3] = { &hci->pending, &hci->init_q, &hci->user_q };
	for (int i = 0; i < 3; i++)
		for (struct hci_cmd *c = lists[i]->head; c; c = c->next)
			if (c->ctx == ctx) {
				c->cb = NULL;
				c->ctx = NULL;
			}
}

bh_time_ms hci_cmd_next_deadline(const struct bh_hci *hci)
{
	bh_time_ms t = BH_NEVER;
	for (const struct hci_cmd *c = hci->pending.head; c; c = c->next)
		if (c->deadline < t)
			t = c->deadline;
	return t;
}

void hci_cmd_check_timeout(struct bh_hci *hci)
{
	bh_time_ms now = bh_now(hci->env);
	struct hci_cmd *c = NULL;
	for (struct hci_cmd *p = hci->pending.head; p; p = p->next)
		if (p->deadline <= now && (!c || p->deadline < c->deadline))
			c = p;
	if (!c)
		return;
	c = list_take_opcode(&hci->pending, c->opcode);
	hci->stats.cmds_timed_out++;
	hci_log(hci, BH_LOG_ERROR, "%s timed out after %u ms", bh_hci_opcode_str(c->opcode),
		hci->cfg.cmd_timeout_ms);
	if (!c->internal && hci->state == HCI_STATE_READY && hci->cfg.recover_on_timeout) {
		/* The controller is wedged: complete the caller first, then reset
		 * (which fails everything else with BH_ERESET). */
		complete_one(hci, c, BH_ETIMEDOUT, NULL, 0);
		if (hci->state == HCI_STATE_READY)
			hci_recover(hci);
		return;
	}
	/* No recovery: the controller never returned the credit, so assume one
	 * (as after power-on) when nothing else is outstanding, and carry on. A
	 * bring-up command's callback fails the bring-up itself. */
	if (!hci->pending.head && hci->cmd_credits == 0)
		hci->cmd_credits = 1;
	complete_one(hci, c, BH_ETIMEDOUT, NULL, 0);
	hci_cmd_pump(hci);
}
