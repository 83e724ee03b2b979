/* Responder (peripheral) side: answering a Pairing Request (3.5.2), sending
 * a Security Request (3.6.7) and answering the controller's LE Long Term Key
 * Request with the STK / SC LTK of a running pairing or a bond's LTK (2.4.4). */
#include "smp_internal.h"

#include <blehost/bh_bytes.h>
#include <blehost/hci.h>

#include <string.h>

void smp_resp_on_pairing_req(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p)
{
	const struct smp_pairing *req = &p->u.pairing;

	c->initiator = false;
	c->pairing = true;
	c->preq[0] = SMP_PAIRING_REQ;
	memcpy(c->preq + 1, req, 6);
	if (smp_backoff_active(smp, &c->peer)) {
		smp_fail(smp, c, BH_SMP_ERR_REPEATED_ATTEMPTS);
		return;
	}
	if (smp->port.pairing_request &&
	    !smp->port.pairing_request(smp->port.ctx, c->handle, req->io_cap, req->authreq)) {
		smp_fail(smp, c, BH_SMP_ERR_PAIRING_NOT_SUPPORTED);
		return;
	}
	if (req->max_key_size < 7 || req->max_key_size > 16) {
		smp_fail(smp, c, BH_SMP_ERR_INVALID_PARAMS);
		return;
	}
	bool bonding = smp->cfg.bonding && (req->authreq & SMP_AUTH_BONDING);
	bool sc = (req->authreq & SMP_AUTH_SC) && smp->cfg.sc_mode != BH_SMP_LEGACY_ONLY;
	smp_put_pairing(smp, c, SMP_PAIRING_RSP, sc, bonding, smp->cfg.mitm,
			(uint8_t)(req->init_dist & smp->cfg.init_key_dist),
			(uint8_t)(req->resp_dist & smp->cfg.resp_key_dist), c->pres);

	/* Before our Pairing Response: a spoofer learns nothing more. */
	if (!smp_agree(smp, c))
		return;
	smp_send(smp, c, SMP_PAIRING_RSP, c->pres + 1, 6);
	smp_phase2_start(smp, c);
}

int smp_resp_security_request(struct bh_smp *smp, struct smp_conn *c, enum bh_sec_level level)
{
	uint8_t authreq = smp_local_authreq(smp, smp->cfg.bonding,
					    smp->cfg.mitm || level >= BH_SEC_AUTHENTICATED);
	if (c->pairing)
		return 0;
	smp_send(smp, c, SMP_SECURITY_REQ, &authreq, 1);
	return 0;
}

void smp_ltk_answer(struct bh_smp *smp, uint16_t handle, const uint8_t *key)
{
	/* Vol 4, Part E, 7.8.25: handle, LTK; 7.8.26: handle */
	uint8_t p[18];
	bh_put16(p, handle);
	if (key)
		memcpy(p + 2, key, 16);
	smp_hci(smp, key ? BH_HCI_LE_LTK_REPLY : BH_HCI_LE_LTK_NEG_REPLY, p, key ? 18 : 2);
	memset(p, 0, sizeof(p));
}

void smp_resp_on_ltk_request(struct bh_smp *smp, struct smp_conn *c, uint64_t rand,
			     uint16_t ediv)
{
	const uint8_t *key = NULL;
	uint8_t bk[16];
	if (c->central) {
		/* a central is never asked: refused */
	} else if (c->pairing) {
		/* During pairing the key is the STK (legacy) or the f5 LTK (SC),
		 * both asked for with EDIV = 0 and Rand = 0 (2.4.4.1). */
		if (c->state == SMP_ST_WAIT_ENCRYPT && ediv == 0 && rand == 0 &&
		    !smp_is_zero(c->stk, 16))
			key = c->stk;
	} else {
		struct bh_bond *b = smp->port.get_bond ? smp_conn_bond(smp, c) : NULL;
		if (b && smp->port.get_bond(smp->port.ctx, &c->peer, b) &&
		    b->peripheral_ltk.ediv == ediv && bh_get64(b->peripheral_ltk.rand) == rand &&
		    smp_bond_key(b, &b->peripheral_ltk, &c->sec, bk))
			key = bk;
		else
			SMP_LOG(smp, BH_LOG_INFO, "0x%04x LTK request without a matching bond%s",
				c->handle, b ? "" : " (no memory to look it up)");
		if (b)
			memset(b, 0, sizeof(*b));
	}
	smp_ltk_answer(smp, c->handle, key);
	memset(bk, 0, sizeof(bk));
}
