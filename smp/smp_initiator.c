/* Initiator (central) side of pairing set-up: Pairing Request (3.5.1),
 * checking the Pairing Response (3.5.2), reacting to a peripheral's Security
 * Request (2.4.6, 3.6.7) and re-encrypting a link with a bond's LTK. */
#include "smp_internal.h"

#include <blehost/bh_bytes.h>

#include <string.h>

int smp_init_pair(struct bh_smp *smp, struct smp_conn *c, bool bonding, bool mitm)
{
	c->initiator = true;
	c->pairing = true;
	c->state = SMP_ST_WAIT_PAIRING_RSP;
	smp_put_pairing(smp, c, SMP_PAIRING_REQ, smp->cfg.sc_mode != BH_SMP_LEGACY_ONLY, bonding,
			mitm, smp->cfg.init_key_dist, smp->cfg.resp_key_dist, c->preq);
	smp_send(smp, c, SMP_PAIRING_REQ, c->preq + 1, 6);
	return 0;
}

void smp_init_on_pairing_rsp(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p)
{
	c->pres[0] = SMP_PAIRING_RSP;
	memcpy(c->pres + 1, &p->u.pairing, 6);
	if (smp_agree(smp, c))
		smp_phase2_start(smp, c);
}

static bool ltk_fits(const struct bh_bond *b, bool need_mitm, bool need_sc)
{
	if (need_mitm && !b->authenticated)
		return false;
	if (need_sc && !(b->secure_connections && b->authenticated))
		return false;
	return true;
}

bool smp_init_reencrypt(struct bh_smp *smp, struct smp_conn *c, bool need_mitm, bool need_sc)
{
	if (!smp->port.get_bond)
		return false;
	struct bh_bond *b = smp_conn_bond(smp, c);
	if (!b || !smp->port.get_bond(smp->port.ctx, &c->peer, b))
		return false;
	uint8_t key[16];
	int rc = BH_ENOTFOUND; /* no key that fits */
	if (ltk_fits(b, need_mitm, need_sc) &&
	    smp_bond_key(b, &b->central_ltk, &c->reenc_sec, key)) {
		c->reencrypting = true;
		rc = smp_start_encryption(smp, c, key, b->central_ltk.rand, b->central_ltk.ediv);
		if (rc)
			c->reencrypting = false;
	}
	memset(key, 0, sizeof(key));
	memset(b, 0, sizeof(*b));
	return rc == 0;
}

void smp_init_on_security_req(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p)
{
	bool mitm = p->u.authreq & SMP_AUTH_MITM;
	bool sc = p->u.authreq & SMP_AUTH_SC;

	if (c->reencrypting)
		return;
	/* Already at what the peripheral asks for: nothing to do. */
	if (c->encrypted && (!mitm || c->sec.level >= BH_SEC_AUTHENTICATED) &&
	    (!(sc && mitm) || c->sec.level >= BH_SEC_SC_AUTHENTICATED))
		return;
	/* 2.4.6: with a bond that satisfies the request, encrypt instead. */
	if (!c->encrypted && smp_init_reencrypt(smp, c, mitm, sc && mitm))
		return;
	if (smp_backoff_active(smp, &c->peer)) {
		smp_fail(smp, c, BH_SMP_ERR_REPEATED_ATTEMPTS);
		return;
	}
	if (smp->port.pairing_request &&
	    !smp->port.pairing_request(smp->port.ctx, c->handle, 0xff, p->u.authreq)) {
		smp_fail(smp, c, BH_SMP_ERR_PAIRING_NOT_SUPPORTED);
		return;
	}
	smp_init_pair(smp, c, smp->cfg.bonding, smp->cfg.mitm || mitm);
}
