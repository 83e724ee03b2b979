/* Pairing feature exchange shared by both roles: AuthReq, the checks on the
 * exchanged Pairing Request/Response (3.5.1, 3.5.2), key size (2.3.4), key
 * distribution agreement (3.6.1) and the association model (2.3.5.1,
 * Tables 2.6 - 2.8), then starting the user interaction the model needs, and
 * the Pairing Confirm both families exchange the same way (legacy c1, SC f4). */
#include "smp_internal.h"

#include <blehost/bh_bytes.h>

#include <string.h>

const char *smp_method_str(enum smp_method m)
{
	return bh_nth_name("just-works\0numeric-comparison\0passkey(initiator-inputs)\0"
			"passkey(responder-inputs)\0passkey(both-input)\0oob\0",
			m, "?");
}

uint8_t smp_local_authreq(const struct bh_smp *smp, bool bonding, bool mitm)
{
	uint8_t a = 0;
	if (bonding)
		a |= SMP_AUTH_BONDING;
	if (mitm)
		a |= SMP_AUTH_MITM;
	if (smp->cfg.sc_mode != BH_SMP_LEGACY_ONLY)
		a |= SMP_AUTH_SC;
	if (smp->cfg.keypress)
		a |= SMP_AUTH_KEYPRESS;
	return a;
}

/* Table 2.8, rows: responder IO capability, columns: initiator IO
 * capability. NC entries are Just Works under legacy pairing, and the
 * KeyboardDisplay/DisplayYesNo NC entries are passkey under legacy (the
 * legacy column of the table). */
#define JW SMP_M_JUST_WORKS
#define NC SMP_M_NUMERIC_COMPARISON
#define PI SMP_M_PK_INIT_INPUT
#define PR SMP_M_PK_RESP_INPUT
#define PB SMP_M_PK_BOTH_INPUT
static const uint8_t model_sc[5][5] = {
	/* init:          DispOnly DispYN KbdOnly NoIO KbdDisp */
	/* DisplayOnly */ { JW, JW, PI, JW, PI },
	/* DisplayYesNo */ { JW, NC, PI, JW, NC },
	/* KeyboardOnly */ { PR, PR, PB, JW, PR },
	/* NoInputNoOutput */ { JW, JW, JW, JW, JW },
	/* KeyboardDisplay */ { PR, NC, PI, JW, NC },
};
static const uint8_t model_legacy[5][5] = {
	{ JW, JW, PI, JW, PI },
	{ JW, JW, PI, JW, PI },
	{ PR, PR, PB, JW, PR },
	{ JW, JW, JW, JW, JW },
	{ PR, PR, PI, JW, PR },
};
#undef JW
#undef NC
#undef PI
#undef PR
#undef PB

static bool pairing_valid(const struct smp_pairing *p)
{
	return p->io_cap <= BH_SMP_IO_KEYBOARD_DISPLAY && p->oob <= 1 && p->max_key_size >= 7 &&
	       p->max_key_size <= 16;
}

static uint8_t negotiate(struct bh_smp *smp, struct smp_conn *c, const struct smp_pairing *req,
			 const struct smp_pairing *rsp)
{
	if (!pairing_valid(req) || !pairing_valid(rsp))
		return BH_SMP_ERR_INVALID_PARAMS;
	/* The responder may only narrow the distribution the initiator asked for. */
	if ((rsp->init_dist & ~req->init_dist) || (rsp->resp_dist & ~req->resp_dist))
		return BH_SMP_ERR_INVALID_PARAMS;

	c->sc = (req->authreq & SMP_AUTH_SC) && (rsp->authreq & SMP_AUTH_SC) &&
		smp->cfg.sc_mode != BH_SMP_LEGACY_ONLY;
	if (smp->cfg.sc_mode == BH_SMP_SC_ONLY && !c->sc)
		return BH_SMP_ERR_AUTH_REQUIREMENTS;
#ifdef BH_SMP_NO_LEGACY
	/* -Dsmp_legacy=false: every mode behaves as Secure Connections Only. */
	if (!c->sc)
		return BH_SMP_ERR_AUTH_REQUIREMENTS;
#endif

	c->key_size = req->max_key_size < rsp->max_key_size ? req->max_key_size
							    : rsp->max_key_size;
	if (c->key_size < smp->cfg.min_key_size)
		return BH_SMP_ERR_ENC_KEY_SIZE;

	bool mitm_any = (req->authreq | rsp->authreq) & SMP_AUTH_MITM;
	if (c->sc ? (req->oob || rsp->oob) : (req->oob && rsp->oob))
		c->method = SMP_M_OOB;
	else if (!mitm_any)
		c->method = SMP_M_JUST_WORKS;
	else
		c->method = (c->sc ? model_sc : model_legacy)[rsp->io_cap][req->io_cap];
	c->auth = c->method != SMP_M_JUST_WORKS;

	const struct smp_pairing *mine = c->initiator ? req : rsp;
	const struct smp_pairing *theirs = c->initiator ? rsp : req;
	if ((mine->authreq & SMP_AUTH_MITM) && !c->auth)
		return BH_SMP_ERR_AUTH_REQUIREMENTS;
	/* SC OOB: we hold the peer's data if we said so; the peer holds ours. */
	c->local_oob = mine->oob;
	c->peer_oob = theirs->oob;

	c->bonding = (req->authreq & SMP_AUTH_BONDING) && (rsp->authreq & SMP_AUTH_BONDING);
	uint8_t idist = rsp->init_dist, rdist = rsp->resp_dist;
	if (c->sc) {
		/* The LTK comes from f5; EncKey means nothing more on LE. */
		idist &= (uint8_t)~BH_SMP_DIST_ENC;
		rdist &= (uint8_t)~BH_SMP_DIST_ENC;
	}
	c->send_dist = c->initiator ? idist : rdist;
	c->expect_dist = c->initiator ? rdist : idist;
	SMP_LOG(smp, BH_LOG_INFO, "0x%04x %s pairing, %s, key size %u", c->handle,
		c->sc ? "SC" : "legacy", smp_method_str(c->method), c->key_size);
	return 0;
}

static uint8_t bond_key_size(const struct bh_bond *b)
{
	uint8_t a = b->central_ltk.valid ? b->central_ltk.key_size : 0;
	uint8_t p = b->peripheral_ltk.valid ? b->peripheral_ltk.key_size : 0;
	return a > p ? a : p;
}

bool smp_refuse_downgrade(struct bh_smp *smp, struct smp_conn *c, const bh_addr *identity)
{
	/* Only a bonding pairing replaces the stored bond; one without bonding
	 * leaves it as it is (and its key is never kept). */
	if (smp->cfg.allow_bond_downgrade || !c->bonding || !smp->port.get_bond)
		return false;
	struct bh_bond *old = smp_scratch(smp);
	if (!old) {
		/* Without room to read the stored bond its strength cannot be
		 * compared: refuse rather than risk replacing a stronger one. */
		smp_fail_status(smp, c, BH_SMP_ERR_UNSPECIFIED, BH_ENOMEM);
		return true;
	}
	if (!smp->port.get_bond(smp->port.ctx, identity, old))
		return false;
	uint8_t reason = 0, old_ks = bond_key_size(old);
	const char *what = NULL;
	if (old->authenticated && !c->auth) {
		reason = BH_SMP_ERR_AUTH_REQUIREMENTS;
		what = "an unauthenticated key over an authenticated bond";
	} else if (old->secure_connections && !c->sc) {
		reason = BH_SMP_ERR_AUTH_REQUIREMENTS;
		what = "legacy pairing over a Secure Connections bond";
	} else if (c->key_size < old_ks) {
		reason = BH_SMP_ERR_ENC_KEY_SIZE;
		what = "a shorter key than the bond's";
	}
	bool old_auth = old->authenticated, old_sc = old->secure_connections;
	memset(old, 0, sizeof(*old));
	if (!reason)
		return false;
	char ab[BH_ADDR_STRLEN];
	SMP_LOG(smp, BH_LOG_WARN,
		"0x%04x pairing refused: it would replace the bond of %s "
		"(%s, %sauthenticated, key size %u) with %s (%s, %s, key size %u); the bond is kept",
		c->handle, bh_addr_str_bare(identity, ab),
		old_sc ? "SC" : "legacy", old_auth ? "" : "un",
		old_ks, what, c->sc ? "SC" : "legacy", smp_method_str(c->method), c->key_size);
	smp_fail_status(smp, c, reason, BH_EDOWNGRADE);
	return true;
}

static bool we_input(const struct smp_conn *c)
{
	return c->method == SMP_M_PK_BOTH_INPUT ||
	       (c->method == SMP_M_PK_INIT_INPUT && c->initiator) ||
	       (c->method == SMP_M_PK_RESP_INPUT && !c->initiator);
}

void smp_method_start(struct bh_smp *smp, struct smp_conn *c)
{
	memset(c->tk, 0, 16);
	switch (c->method) {
	case SMP_M_JUST_WORKS:
	case SMP_M_NUMERIC_COMPARISON: /* the comparison comes after the nonces */
		c->tk_ready = true;
		return;
	case SMP_M_OOB:
		memcpy(c->tk, c->oob.tk, 16);
		c->tk_ready = true;
		return;
	case SMP_M_PK_INIT_INPUT:
	case SMP_M_PK_RESP_INPUT:
	case SMP_M_PK_BOTH_INPUT:
		break;
	}
	if (we_input(c)) {
		if (!smp->port.passkey_request) {
			smp_fail(smp, c, BH_SMP_ERR_PASSKEY_ENTRY_FAILED);
			return;
		}
		c->user = SMP_USER_PASSKEY;
		/* May answer synchronously through bh_smp_passkey_reply. */
		smp->port.passkey_request(smp->port.ctx, c->handle);
		return;
	}
	c->passkey = smp_random_passkey(smp);
	bh_put32(c->tk, c->passkey);
	c->tk_ready = true;
	if (smp->port.passkey_display)
		smp->port.passkey_display(smp->port.ctx, c->handle, c->passkey);
}

void smp_put_pairing(struct bh_smp *smp, struct smp_conn *c, uint8_t code, bool sc,
		     bool bonding, bool mitm, uint8_t idist, uint8_t rdist, uint8_t out[7])
{
	/* Without bonding nothing is kept, so nothing is distributed. */
	struct smp_pairing p = {
		.io_cap = smp->cfg.io_cap,
		.authreq = smp_local_authreq(smp, bonding, mitm),
		.max_key_size = smp->cfg.max_key_size,
		.init_dist = bonding ? idist : 0,
		.resp_dist = bonding ? rdist : 0,
	};
	memset(&c->oob, 0, sizeof(c->oob));
	if (smp->port.oob_request &&
	    smp->port.oob_request(smp->port.ctx, c->handle, &c->peer, sc, &c->oob))
		p.oob = 1;
	out[0] = code;
	memcpy(out + 1, &p, 6);
}

bool smp_agree(struct bh_smp *smp, struct smp_conn *c)
{
	struct smp_pairing req, rsp;
	memcpy(&req, c->preq + 1, 6);
	memcpy(&rsp, c->pres + 1, 6);
	uint8_t reason = negotiate(smp, c, &req, &rsp);
	if (reason) {
		smp_fail(smp, c, reason);
		return false;
	}
	return !smp_refuse_downgrade(smp, c, &c->peer);
}

/* ours: over our nonce, the peer's otherwise. */
static bh_status confirm_value(struct bh_smp *smp, struct smp_conn *c, bool ours, uint8_t z,
			       uint8_t out[16])
{
	const uint8_t *n = ours ? c->lrand : c->prand;
#ifndef BH_SMP_NO_LEGACY
	if (!c->sc) {
		const bh_addr *ia = c->initiator ? &c->local : &c->peer;
		const bh_addr *ra = c->initiator ? &c->peer : &c->local;
		return bh_smp_c1(c->tk, n, c->preq, c->pres, ia->type & 1, ia->val, ra->type & 1,
				 ra->val, out);
	}
#endif
	/* f4(PKx, PKy, Nx, z), x the side whose nonce it is */
	return bh_smp_f4(ours ? smp->pub : c->peer_pub, ours ? c->peer_pub : smp->pub, n, z, out);
}

bool smp_send_confirm(struct bh_smp *smp, struct smp_conn *c, uint8_t z)
{
	uint8_t conf[16];
	bh_random(smp->env, c->lrand, 16);
	if (confirm_value(smp, c, true, z, conf) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return false;
	}
	c->sent_confirm = true;
	smp_send(smp, c, SMP_PAIRING_CONFIRM, conf, 16);
	return true;
}

bool smp_check_confirm(struct bh_smp *smp, struct smp_conn *c, uint8_t z)
{
	uint8_t expect[16];
	if (confirm_value(smp, c, false, z, expect) != BH_OK) {
		/* legacy: c1 could not be computed, which is not the peer's doing */
		smp_fail(smp, c, c->sc ? BH_SMP_ERR_CONFIRM_VALUE_FAILED : BH_SMP_ERR_UNSPECIFIED);
		return false;
	}
	if (memcmp(expect, c->pconfirm, 16) != 0) {
		smp_fail(smp, c, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
		return false;
	}
	return true;
}

void smp_confirm_ready(struct bh_smp *smp, struct smp_conn *c, uint8_t z)
{
	if (!c->pairing || !c->tk_ready || c->state != SMP_ST_WAIT_CONFIRM || c->sent_confirm)
		return;
	if (c->initiator)
		smp_send_confirm(smp, c, z);
	else if (c->have_pconfirm && smp_send_confirm(smp, c, z) && c->pairing)
		c->state = SMP_ST_WAIT_RANDOM;
}

void smp_phase2_start(struct bh_smp *smp, struct smp_conn *c)
{
	if (c->sc) {
		smp_sc_start(smp, c);
		return;
	}
	c->state = SMP_ST_WAIT_CONFIRM;
	smp_method_start(smp, c);
	if (c->pairing)
		smp_legacy_start(smp, c);
}
