/* LE legacy pairing phase 2 (2.3.5.2 - 2.3.5.5): Mconfirm/Sconfirm with c1,
 * Mrand/Srand, STK = s1(TK, Srand, Mrand), for both roles. The initiator
 * then encrypts with the STK; the responder hands it to the controller on
 * the LTK request. Passkey/OOB TK may come later than the peer's Confirm:
 * the Confirm is kept until the TK is known. */
#include "smp_internal.h"

#include <string.h>

static uint8_t confirm_of(struct smp_conn *c, const uint8_t rand[16], uint8_t out[16])
{
	const bh_addr *ia = c->initiator ? &c->local : &c->peer;
	const bh_addr *ra = c->initiator ? &c->peer : &c->local;
	if (bh_smp_c1(c->tk, rand, c->preq, c->pres, ia->type & 1, ia->val, ra->type & 1, ra->val,
		      out) != BH_OK)
		return BH_SMP_ERR_UNSPECIFIED;
	return 0;
}

static void send_confirm(struct bh_smp *smp, struct smp_conn *c)
{
	uint8_t conf[16];
	bh_random(smp->env, c->lrand, 16);
	uint8_t err = confirm_of(c, c->lrand, conf);
	if (err) {
		smp_fail(smp, c, err);
		return;
	}
	c->sent_confirm = true;
	smp_send(smp, c, SMP_PAIRING_CONFIRM, conf, 16);
}

/* Initiator: sends Mconfirm once the TK is known. Responder: answers a
 * Mconfirm that is already there. */
void smp_legacy_tk_ready(struct bh_smp *smp, struct smp_conn *c)
{
	if (!c->pairing || c->sc || !c->tk_ready || c->sent_confirm)
		return;
	if (c->initiator) {
		send_confirm(smp, c);
		return;
	}
	if (c->have_pconfirm) {
		send_confirm(smp, c);
		if (c->pairing)
			c->state = SMP_ST_WAIT_RANDOM;
	}
}

void smp_legacy_start(struct bh_smp *smp, struct smp_conn *c)
{
	smp_legacy_tk_ready(smp, c);
}

void smp_legacy_on_confirm(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	memcpy(c->pconfirm, v, 16);
	if (c->initiator) {
		if (!c->sent_confirm) {
			/* The responder speaks only after our Mconfirm. */
			smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
			return;
		}
		c->state = SMP_ST_WAIT_RANDOM;
		smp_send(smp, c, SMP_PAIRING_RANDOM, c->lrand, 16);
		return;
	}
	if (c->have_pconfirm) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	c->have_pconfirm = true;
	smp_legacy_tk_ready(smp, c); /* answers now if the TK is known */
}

void smp_legacy_on_random(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	uint8_t expect[16];
	uint8_t err = confirm_of(c, v, expect);
	if (err) {
		smp_fail(smp, c, err);
		return;
	}
	if (memcmp(expect, c->pconfirm, 16) != 0) {
		smp_fail(smp, c, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
		return;
	}
	memcpy(c->prand, v, 16);
	/* STK = s1(TK, Srand, Mrand) */
	const uint8_t *srand = c->initiator ? c->prand : c->lrand;
	const uint8_t *mrand = c->initiator ? c->lrand : c->prand;
	if (bh_smp_s1(c->tk, srand, mrand, c->stk) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	if (!smp_stk_ready(smp, c))
		return;
	c->state = SMP_ST_WAIT_ENCRYPT;
	if (!c->initiator) {
		smp_send(smp, c, SMP_PAIRING_RANDOM, c->lrand, 16);
		return;
	}
	smp_encrypt_stk(smp, c);
}
