/* LE legacy pairing phase 2 (2.3.5.2 - 2.3.5.5): Mconfirm/Sconfirm with c1,
 * Mrand/Srand, STK = s1(TK, Srand, Mrand), for both roles. The initiator
 * then encrypts with the STK; the responder hands it to the controller on
 * the LTK request. Passkey/OOB TK may come later than the peer's Confirm:
 * the Confirm is kept until the TK is known (smp_confirm_ready, shared with
 * Secure Connections in smp_features.c). */
#include "smp_internal.h"

#include <string.h>

void smp_legacy_start(struct bh_smp *smp, struct smp_conn *c)
{
	smp_confirm_ready(smp, c, 0); /* the initiator's Mconfirm once the TK is known */
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
	smp_confirm_ready(smp, c, 0); /* answers now if the TK is known */
}

void smp_legacy_on_random(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	memcpy(c->prand, v, 16);
	if (!smp_check_confirm(smp, c, 0))
		return;
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
