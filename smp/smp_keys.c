/* Phase 3 of pairing, transport specific key distribution (3.6.1): keys go
 * out in the spec's order (Encryption Information, Central Identification,
 * Identity Information, Identity Address Information, Signing Information),
 * responder first, only those both sides agreed on; received keys are
 * checked for order and collected into the bond, which is saved only when
 * everything has arrived. */
#include "smp_internal.h"

#include <blehost/bh_bytes.h>
#include <blehost/bh_crypto.h>

#include <string.h>

static void send_keys(struct bh_smp *smp, struct smp_conn *c)
{
	struct bh_bond *b = c->bond; /* made by smp_keys_start */

	if (!b)
		return;
	if (c->send_dist & BH_SMP_DIST_ENC) {
		/* Legacy: a fresh LTK that we answer with as peripheral later. */
		struct bh_bond_ltk *l = &b->peripheral_ltk;
		do {
			bh_random(smp->env, l->ltk, 16);
			if (c->key_size < 16)
				memset(l->ltk + c->key_size, 0, 16 - c->key_size);
		} while (smp_is_zero(l->ltk, 16));
		uint8_t ed[2];
		bh_random(smp->env, ed, 2);
		l->ediv = bh_get16(ed);
		bh_random(smp->env, l->rand, 8);
		l->key_size = c->key_size;
		l->valid = true;
		smp_send(smp, c, SMP_ENC_INFO, l->ltk, 16);
		uint8_t ident[10]; /* EDIV, Rand */
		bh_put16(ident, l->ediv);
		memcpy(ident + 2, l->rand, 8);
		smp_send(smp, c, SMP_CENTRAL_IDENT, ident, sizeof(ident));
	}
	if (c->send_dist & BH_SMP_DIST_ID) {
		smp_send(smp, c, SMP_IDENTITY_INFO, smp->cfg.local_irk, 16);
		bh_addr id = smp->cfg.local_identity; /* type octet, then the address */
		id.type &= 1;
		smp_send(smp, c, SMP_IDENTITY_ADDR_INFO, &id, 7);
	}
	/* SMP_DIST_BUILT lets the compiler drop what a build without signed
	 * writes can never send. */
	if (c->send_dist & SMP_DIST_BUILT & BH_SMP_DIST_SIGN) {
		struct bh_bond_csrk *k = &b->local_csrk;
		bh_random(smp->env, k->key, 16);
		k->sign_counter = 0;
		k->valid = true;
		smp_send(smp, c, SMP_SIGNING_INFO, k->key, 16);
	}
	c->send_dist = 0;
}

/* Once every key we expect has come: the initiator sends its keys (the
 * responder sent first, 3.6.1), and the pairing is done. */
static void keys_end(struct bh_smp *smp, struct smp_conn *c)
{
	if (c->expect_dist)
		return;
	if (c->initiator)
		send_keys(smp, c);
	smp_pairing_done(smp, c);
}

void smp_keys_start(struct bh_smp *smp, struct smp_conn *c)
{
	struct bh_bond *b = smp_conn_bond(smp, c);

	if (!b) {
		smp_fail_status(smp, c, BH_SMP_ERR_UNSPECIFIED, BH_ENOMEM);
		return;
	}
	memset(b, 0, sizeof(*b));
	b->identity = c->peer;
	b->authenticated = c->auth;
	b->secure_connections = c->sc;
	if (c->sc) {
		/* One f5 LTK serves both roles (2.3.5.6.5). */
		struct bh_bond_ltk l = { .valid = true, .key_size = c->key_size };
		memcpy(l.ltk, c->stk, 16);
		b->central_ltk = l;
		b->peripheral_ltk = l;
	}
	c->state = SMP_ST_KEY_DIST;
	if (!c->initiator)
		send_keys(smp, c);
	keys_end(smp, c);
}

void smp_keys_on_pdu(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p)
{
	struct bh_bond *b = c->bond; /* made by smp_keys_start */
	uint8_t want = c->expect_dist;

	if (!b) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	switch (p->code) {
	case SMP_ENC_INFO:
		if (!(want & BH_SMP_DIST_ENC) || c->got_enc_info)
			goto unexpected;
		if (smp_is_zero(p->u.v16, 16)) {
			smp_fail(smp, c, BH_SMP_ERR_INVALID_PARAMS); /* never store a zero LTK */
			return;
		}
		memcpy(b->central_ltk.ltk, p->u.v16, 16);
		c->got_enc_info = true;
		return;
	case SMP_CENTRAL_IDENT:
		if (!(want & BH_SMP_DIST_ENC) || !c->got_enc_info)
			goto unexpected;
		b->central_ltk.ediv = p->u.central_ident.ediv;
		memcpy(b->central_ltk.rand, p->u.central_ident.rand, 8);
		b->central_ltk.key_size = c->key_size;
		b->central_ltk.valid = true;
		c->expect_dist &= (uint8_t)~BH_SMP_DIST_ENC;
		break;
	case SMP_IDENTITY_INFO:
		if ((want & BH_SMP_DIST_ENC) || !(want & BH_SMP_DIST_ID) || c->got_id_info)
			goto unexpected;
		memcpy(b->irk, p->u.v16, 16);
		c->got_id_info = true;
		return;
	case SMP_IDENTITY_ADDR_INFO:
		if (!(want & BH_SMP_DIST_ID) || !c->got_id_info)
			goto unexpected;
		b->identity = p->u.id_addr;
		b->has_irk = !smp_is_zero(b->irk, 16);
		c->expect_dist &= (uint8_t)~BH_SMP_DIST_ID;
		/* The identity is learned only now: it may name a bonded peer
		 * other than the on-air address did. Check before our keys go. */
		if (smp_refuse_downgrade(smp, c, &b->identity))
			return;
		break;
	case SMP_SIGNING_INFO:
		if ((want & (BH_SMP_DIST_ENC | BH_SMP_DIST_ID)) ||
		    !(want & SMP_DIST_BUILT & BH_SMP_DIST_SIGN))
			goto unexpected;
		memcpy(b->peer_csrk.key, p->u.v16, 16);
		b->peer_csrk.sign_counter = 0;
		b->peer_csrk.valid = true;
		c->expect_dist &= (uint8_t)~BH_SMP_DIST_SIGN;
		break;
	default:
		goto unexpected;
	}
	keys_end(smp, c);
	return;
unexpected:
	smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
}
