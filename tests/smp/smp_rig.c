/* Back-to-back rig for the SMP tests; see smp_rig.h. */
#include "smp_rig.h"

#include <blehost/bh_bytes.h>
#include <blehost/hci.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bh_time_ms rig_now(void *ctx) { return ((struct side *)ctx)->rig->now; }

static void side_random(void *ctx, uint8_t *out, size_t n)
{
	struct side *s = ctx;
	if (s->script_off >= s->script_len) {
		bh_xrand_fill(&s->rnd, out, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (s->script_off < s->script_len)
			out[i] = s->script[s->script_off++];
		else
			bh_xrand_fill(&s->rnd, out + i, 1);
	}
}

static void push(struct rig *r, const struct rig_ev *ev)
{
	if (r->qn == RIG_QLEN) {
		fprintf(stderr, "rig queue overflow\n");
		abort();
	}
	r->q[(r->qh + r->qn) % RIG_QLEN] = *ev;
	r->qn++;
}

static int p_send(void *ctx, uint16_t handle, const uint8_t *pdu, size_t len)
{
	struct side *s = ctx;
	if (len > sizeof(s->last) || len == 0)
		abort();
	if (handle != RIG_HANDLE) {
		s->other_sent++; /* links without a peer in the rig */
		return 0;
	}
	if (s->busy) {
		s->busy--;
		return BH_EBUSY;
	}
	if (s->sent < 64) {
		memcpy(s->log[s->sent], pdu, len);
		s->log_len[s->sent] = len;
	}
	s->sent++;
	memcpy(s->last, pdu, len);
	s->last_len = len;
	if (s->rig->drop)
		return 0;
	struct rig_ev ev = { .type = EV_PDU, .to = 1 - s->idx, .len = len };
	memcpy(ev.buf, pdu, len);
	push(s->rig, &ev);
	return 0;
}

static int p_hci(void *ctx, uint16_t op, const void *params, size_t len,
		 void (*cb)(void *cbctx, bh_status st, const uint8_t *ret, size_t len), void *cbctx)
{
	struct side *s = ctx;
	struct rig *r = s->rig;
	const uint8_t *p = params;
	if (s->hci_fail) {
		s->hci_fail--;
		return BH_ENOMEM;
	}
	s->cmds++;
	s->last_op = op;
	memcpy(s->last_cmd, p, len < sizeof(s->last_cmd) ? len : sizeof(s->last_cmd));
	struct rig_ev st = { .type = EV_CMD_STATUS, .to = s->idx, .cb = cb, .cbctx = cbctx };
	int peer = 1 - s->idx;
	if (op == BH_HCI_LE_ENABLE_ENCRYPTION && len == 28) {
		st.status = (uint8_t)s->enc_status_override;
		push(r, &st);
		if (s->enc_status_override)
			return 0;
		memcpy(r->enc_key[s->idx], p + 12, 16);
		r->enc_pending = true;
		struct rig_ev ev = { .type = EV_LTK_REQ, .to = peer, .rand = bh_get64(p + 2),
				     .ediv = bh_get16(p + 10) };
		push(r, &ev);
	} else if (op == BH_HCI_LE_LTK_REPLY && len == 18) {
		st.len = 3; /* Command Complete: status, handle */
		push(r, &st);
		if (!r->enc_pending)
			return 0;
		r->enc_pending = false;
		bool match = memcmp(r->enc_key[peer], p + 2, 16) == 0;
		struct rig_ev ev = { .type = EV_ENC_CHANGE, .to = 0, .status = match ? 0 : 0x3d };
		push(r, &ev);
		ev.to = 1;
		push(r, &ev);
	} else if (op == BH_HCI_LE_LTK_NEG_REPLY && len == 2) {
		st.len = 3;
		push(r, &st);
		if (!r->enc_pending)
			return 0;
		r->enc_pending = false;
		struct rig_ev ev = { .type = EV_ENC_CHANGE, .to = peer, .status = 0x06 };
		push(r, &ev);
	} else {
		push(r, &st);
	}
	return 0;
}

struct bh_bond *rig_find_bond(struct side *s, const bh_addr *peer)
{
	for (int i = 0; i < s->nbonds; i++)
		if (bh_addr_eq(&s->bonds[i].identity, peer))
			return &s->bonds[i];
	return NULL;
}

static bool p_get_bond(void *ctx, const bh_addr *peer, struct bh_bond *out)
{
	struct bh_bond *b = rig_find_bond(ctx, peer);
	if (!b)
		return false;
	*out = *b;
	return true;
}

static bool p_save_bond(void *ctx, const struct bh_bond *bond)
{
	struct side *s = ctx;
	if (s->refuse_saves)
		return false;
	struct bh_bond *b = rig_find_bond(s, &bond->identity);
	if (!b) {
		/* Full: overwrite the last slot (the fuzzer can invent identities). */
		b = s->nbonds == RIG_MAX_BONDS ? &s->bonds[RIG_MAX_BONDS - 1]
					       : &s->bonds[s->nbonds++];
	}
	*b = *bond;
	s->saves++;
	return true;
}

static void p_complete(void *ctx, uint16_t handle, bh_status st, const struct bh_bond *bond)
{
	struct side *s = ctx;
	(void)handle;
	s->completes++;
	s->status = st;
	if (bond)
		s->done_bond = *bond;
}

static void p_sec(void *ctx, uint16_t handle, const struct bh_security *sec)
{
	struct side *s = ctx;
	(void)handle;
	s->sec_changes++;
	s->sec = *sec;
}

static void p_display(void *ctx, uint16_t handle, uint32_t pk)
{
	struct side *s = ctx;
	(void)handle;
	s->displayed = true;
	s->display_value = pk;
}

static void p_request(void *ctx, uint16_t handle)
{
	struct side *s = ctx;
	s->passkey_reqs++;
	if (s->sync_agent) {
		bh_smp_passkey_reply(s->smp, handle, s->passkey_mode != 3, s->fixed_passkey);
		return;
	}
	s->want_passkey = true;
}

static void p_confirm(void *ctx, uint16_t handle, uint32_t number)
{
	struct side *s = ctx;
	s->confirm_reqs++;
	s->number = number;
	if (s->sync_agent) {
		bh_smp_confirm_reply(s->smp, handle, s->confirm_accept);
		return;
	}
	s->want_confirm = true;
}

static bool p_pairing_request(void *ctx, uint16_t handle, uint8_t io, uint8_t auth)
{
	struct side *s = ctx;
	(void)handle;
	(void)io;
	(void)auth;
	return !s->reject_pairing;
}

static bool p_oob(void *ctx, uint16_t handle, const bh_addr *peer, bool sc, struct bh_smp_oob *out)
{
	struct side *s = ctx;
	(void)handle;
	(void)peer;
	(void)sc;
	if (!s->have_oob)
		return false;
	*out = s->oob;
	if (s->oob_sc_from_peer)
		bh_smp_sc_oob_local(s->rig->s[1 - s->idx].smp, out->r, out->c);
	return true;
}

void rig_init(struct rig *r, enum bh_smp_agent a0, enum bh_smp_agent a1)
{
	memset(r, 0, sizeof(*r));
	r->now = 1000;
	for (int i = 0; i < 2; i++) {
		struct side *s = &r->s[i];
		s->rig = r;
		s->idx = i;
		s->central = i == 0;
		bh_smp_config_preset(&s->cfg, i == 0 ? a0 : a1);
		bh_xrand_seed(&s->rnd, 0x5eed0000u + (uint64_t)i);
		s->env.now = rig_now;
		s->env.now_ctx = s;
		s->env.random = side_random;
		s->env.random_ctx = s;
		s->env.log_level = BH_LOG_ERROR;
		s->confirm_accept = true;
		s->fixed_passkey = 123456;
		/* side 0: static random, side 1: public */
		bh_addr a = { i == 0 ? BH_ADDR_RANDOM : BH_ADDR_PUBLIC,
			      { 0x11, 0x22, 0x33, 0x44, 0x55, (uint8_t)(i == 0 ? 0xc6 : 0x00) } };
		a.val[0] = (uint8_t)(0x10 + i);
		s->addr = a;
		s->cfg.local_identity = a;
		for (int k = 0; k < 16; k++)
			s->cfg.local_irk[k] = (uint8_t)(0xa0 + 16 * i + k);
	}
}

static void side_start(struct side *s)
{
	struct bh_smp_port port = {
		.ctx = s,
		.send = p_send,
		.hci_cmd = p_hci,
		.get_bond = p_get_bond,
		.save_bond = p_save_bond,
		.pairing_complete = p_complete,
		.security_changed = p_sec,
		.passkey_display = p_display,
		.passkey_request = p_request,
		.confirm_number = p_confirm,
		.pairing_request = p_pairing_request,
		.oob_request = p_oob,
	};
	if (s->no_agent) {
		port.passkey_request = NULL;
		port.confirm_number = NULL;
	}
	s->smp = bh_smp_new(&s->cfg, &port, &s->env);
	if (!s->smp)
		abort();
}

void rig_start(struct rig *r)
{
	for (int i = 0; i < 2; i++)
		side_start(&r->s[i]);
	rig_reconnect(r);
}

void rig_reconnect(struct rig *r)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &r->s[i];
		bh_smp_conn_removed(s->smp, RIG_HANDLE);
		if (bh_smp_conn_added(s->smp, RIG_HANDLE, s->central, &s->addr,
				      &r->s[1 - i].addr) != 0)
			abort();
	}
	r->qn = 0;
	r->enc_pending = false;
}

void rig_free(struct rig *r)
{
	for (int i = 0; i < 2; i++)
		bh_smp_free(r->s[i].smp);
}

void rig_inject(struct rig *r, int to, const uint8_t *pdu, size_t len)
{
	struct rig_ev ev = { .type = EV_PDU, .to = to, .len = len };
	memcpy(ev.buf, pdu, len);
	push(r, &ev);
}

static void dispatch(struct rig *r, struct rig_ev *ev)
{
	struct side *s = &r->s[ev->to];
	switch (ev->type) {
	case EV_PDU:
		if (r->tamper && !r->tamper(r, ev->to, ev->buf, &ev->len))
			return;
		bh_smp_on_pdu(s->smp, RIG_HANDLE, ev->buf, ev->len);
		break;
	case EV_CMD_STATUS:
		if (ev->cb) {
			uint8_t ret[3] = { ev->status, RIG_HANDLE & 0xff, RIG_HANDLE >> 8 };
			if (ev->len)
				ev->cb(ev->cbctx, BH_OK, ret, 3);
			else
				ev->cb(ev->cbctx, ev->status ? BH_HCI_STATUS(ev->status) : BH_OK,
				       NULL, 0);
		}
		break;
	case EV_LTK_REQ:
		bh_smp_on_ltk_request(s->smp, RIG_HANDLE, ev->rand, ev->ediv);
		break;
	case EV_ENC_CHANGE:
		bh_smp_on_encrypt_change(s->smp, RIG_HANDLE, ev->status, ev->status == 0);
		break;
	}
}

static bool answer_user(struct rig *r)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &r->s[i], *o = &r->s[1 - i];
		if (s->want_passkey && s->passkey_mode != 4) {
			uint32_t v;
			if (s->passkey_mode == 2 || s->passkey_mode == 3)
				v = s->fixed_passkey;
			else if (o->passkey_reqs) /* both input: the user types one value */
				v = s->fixed_passkey;
			else if (o->displayed)
				v = o->display_value;
			else
				continue; /* the other side has not shown its passkey yet */
			if (s->passkey_mode == 1)
				v = (v + 1) % 1000000;
			s->want_passkey = false;
			bh_smp_passkey_reply(s->smp, RIG_HANDLE, s->passkey_mode != 3, v);
			return true;
		}
		if (s->want_confirm && !s->confirm_never) {
			s->want_confirm = false;
			bh_smp_confirm_reply(s->smp, RIG_HANDLE, s->confirm_accept);
			return true;
		}
	}
	return false;
}

int rig_run(struct rig *r, bool (*stop)(struct rig *r))
{
	int n = 0;
	for (;;) {
		if (stop && stop(r))
			return n;
		if (r->qn) {
			struct rig_ev ev = r->q[r->qh];
			r->qh = (r->qh + 1) % RIG_QLEN;
			r->qn--;
			dispatch(r, &ev);
			n++;
			continue;
		}
		if (answer_user(r)) {
			n++;
			continue;
		}
		return n;
	}
}

void hex2bin(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
}

void hex2wire(const char *hex, uint8_t *out, size_t n)
{
	uint8_t tmp[128];
	hex2bin(hex, tmp, n);
	bh_swap(out, tmp, n);
}
