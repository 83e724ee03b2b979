/* LE Secure Connections phase 2 (2.3.5.6), both roles: public key exchange
 * with validation (on the curve, not our own key reflected, the debug key
 * only when allowed), authentication stage 1 for Just Works / Numeric
 * Comparison (2.3.5.6.2), Passkey Entry in 20 rounds (2.3.5.6.3) and OOB
 * (2.3.5.6.4), then stage 2: f5 -> MacKey, LTK and the f6 DHKey checks
 * (2.3.5.6.5), verified before the link is encrypted. */
#include "smp_internal.h"

#include <blehost/bh_bytes.h>

#include <string.h>

static const uint8_t *pka(const struct bh_smp *smp, const struct smp_conn *c)
{
	return c->initiator ? smp->pub : c->peer_pub;
}
static const uint8_t *pkb(const struct bh_smp *smp, const struct smp_conn *c)
{
	return c->initiator ? c->peer_pub : smp->pub;
}
static const uint8_t *na(const struct smp_conn *c) { return c->initiator ? c->lrand : c->prand; }
static const uint8_t *nb(const struct smp_conn *c) { return c->initiator ? c->prand : c->lrand; }

static bool is_passkey(const struct smp_conn *c)
{
	return c->method == SMP_M_PK_INIT_INPUT || c->method == SMP_M_PK_RESP_INPUT ||
	       c->method == SMP_M_PK_BOTH_INPUT;
}

/* Passkey round i contributes bit i, as 0x80 | bit (2.3.5.6.3). */
static uint8_t round_bit(const struct smp_conn *c)
{
	return (uint8_t)(0x80 | ((c->passkey >> c->round) & 1));
}

static void r_values(const struct bh_smp *smp, const struct smp_conn *c, uint8_t ra[16],
		     uint8_t rb[16])
{
	memset(ra, 0, 16);
	memset(rb, 0, 16);
	if (is_passkey(c)) {
		bh_put32(ra, c->passkey);
		bh_put32(rb, c->passkey);
	} else if (c->method == SMP_M_OOB) {
		uint8_t *mine = c->initiator ? ra : rb, *theirs = c->initiator ? rb : ra;
		if (c->peer_oob && smp->oob_r_valid)
			memcpy(mine, smp->oob_r, 16);
		if (c->local_oob)
			memcpy(theirs, c->oob.r, 16);
	}
}

static void addr_ab(const struct smp_conn *c, const bh_addr **a, const bh_addr **b)
{
	*a = c->initiator ? &c->local : &c->peer;
	*b = c->initiator ? &c->peer : &c->local;
}

/* E = f6(MacKey, N1, N2, R, IOcap, A1, A2): the initiator's Ea (ea) is
 * f6(MacKey, Na, Nb, rb, IOcapA, A, B), the responder's Eb f6(MacKey, Nb,
 * Na, ra, IOcapB, B, A). */
static bh_status check_value(const struct bh_smp *smp, const struct smp_conn *c, bool ea,
			     uint8_t out[16])
{
	uint8_t ra[16], rb[16];
	const bh_addr *a1, *a2;
	r_values(smp, c, ra, rb);
	addr_ab(c, ea ? &a1 : &a2, ea ? &a2 : &a1);
	return bh_smp_f6(c->mackey, ea ? na(c) : nb(c), ea ? nb(c) : na(c), ea ? rb : ra,
			 (ea ? c->preq : c->pres) + 1, a1->type & 1, a1->val, a2->type & 1, a2->val,
			 out);
}

static bool derive_keys(struct bh_smp *smp, struct smp_conn *c)
{
	const bh_addr *a, *b;
	addr_ab(c, &a, &b);
	if (bh_smp_f5(c->dhkey, na(c), nb(c), a->type & 1, a->val, b->type & 1, b->val, c->mackey,
		      c->stk) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return false;
	}
	return smp_stk_ready(smp, c);
}

static void initiator_send_check(struct bh_smp *smp, struct smp_conn *c)
{
	uint8_t e[16];
	if (!derive_keys(smp, c))
		return;
	if (check_value(smp, c, true, e) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	c->sent_check = true;
	c->state = SMP_ST_WAIT_DHKEY_CHECK;
	smp_send(smp, c, SMP_DHKEY_CHECK, e, 16);
}

static void ask_compare(struct bh_smp *smp, struct smp_conn *c)
{
	uint32_t v;
	if (bh_smp_g2(pka(smp, c), pkb(smp, c), na(c), nb(c), &v) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	if (!smp->port.confirm_number) {
		smp_fail(smp, c, BH_SMP_ERR_NUMERIC_COMPARISON_FAILED);
		return;
	}
	c->user = SMP_USER_CONFIRM;
	smp->port.confirm_number(smp->port.ctx, c->handle, v % 1000000u);
}

void smp_sc_start(struct bh_smp *smp, struct smp_conn *c)
{
	c->state = SMP_ST_WAIT_PUBKEY;
	smp_method_start(smp, c);
	if (!c->pairing)
		return;
	if (!smp_own_pub(smp)) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	if (c->initiator) {
		smp_send(smp, c, SMP_PUBLIC_KEY, smp->pub, 64);
	}
}

void smp_sc_on_public_key(struct bh_smp *smp, struct smp_conn *c, const uint8_t pk[64])
{
	if (!smp_own_pub(smp)) { /* computed in smp_sc_start; this is a guard */
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	/* Our own key reflected (CVE-2020-26558), or a point that is not on
	 * the curve (CVE-2018-5383: bh_smp_p256_dhkey validates it before
	 * any use). */
	if (bh_smp_p256_public_eq(pk, smp->pub) ||
	    bh_smp_p256_dhkey(smp->priv, pk, c->dhkey) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_DHKEY_CHECK_FAILED);
		return;
	}
	if (bh_smp_p256_is_debug_key(pk) && !smp->cfg.allow_debug_keys) {
		smp_fail(smp, c, BH_SMP_ERR_AUTH_REQUIREMENTS);
		return;
	}
	memcpy(c->peer_pub, pk, 64);
	if (!c->initiator) {
		smp_send(smp, c, SMP_PUBLIC_KEY, smp->pub, 64);
	}
	if (c->method == SMP_M_OOB && c->local_oob) {
		/* The peer's OOB commitment Cx = f4(PKx, PKx, rx, 0). */
		uint8_t expect[16];
		if (bh_smp_f4(pk, pk, c->oob.r, 0, expect) != BH_OK ||
		    memcmp(expect, c->oob.c, 16) != 0) {
			smp_fail(smp, c, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
			return;
		}
	}
	switch (c->method) {
	case SMP_M_JUST_WORKS:
	case SMP_M_NUMERIC_COMPARISON:
		if (c->initiator) {
			c->state = SMP_ST_WAIT_CONFIRM;
		} else if (smp_send_confirm(smp, c, 0)) {
			c->state = SMP_ST_WAIT_RANDOM;
		}
		return;
	case SMP_M_OOB:
		c->state = SMP_ST_WAIT_RANDOM;
		if (c->initiator) {
			bh_random(smp->env, c->lrand, 16);
			smp_send(smp, c, SMP_PAIRING_RANDOM, c->lrand, 16);
		}
		return;
	default:
		c->state = SMP_ST_WAIT_CONFIRM;
		c->round = 0;
		smp_confirm_ready(smp, c, round_bit(c));
		return;
	}
}

void smp_sc_on_confirm(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	if (c->method == SMP_M_OOB || (!c->initiator && !is_passkey(c)) ||
	    (c->initiator && is_passkey(c) && !c->sent_confirm) || c->have_pconfirm) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	memcpy(c->pconfirm, v, 16);
	if (c->initiator) {
		/* JW/NC: Cb arrived, send Na. Passkey: Cbi arrived, send Nai. */
		if (!is_passkey(c))
			bh_random(smp->env, c->lrand, 16);
		c->state = SMP_ST_WAIT_RANDOM;
		smp_send(smp, c, SMP_PAIRING_RANDOM, c->lrand, 16);
		return;
	}
	c->have_pconfirm = true;
	smp_confirm_ready(smp, c, round_bit(c));
}

static void passkey_round_done(struct bh_smp *smp, struct smp_conn *c)
{
	c->round++;
	c->sent_confirm = false;
	c->have_pconfirm = false;
	if (c->round < 20) {
		c->state = SMP_ST_WAIT_CONFIRM;
		if (c->initiator)
			smp_confirm_ready(smp, c, round_bit(c));
		return;
	}
	if (c->initiator) {
		initiator_send_check(smp, c);
		return;
	}
	if (!derive_keys(smp, c))
		return;
	c->state = SMP_ST_WAIT_DHKEY_CHECK;
	c->nc_accepted = true; /* nothing left to ask the user */
}

void smp_sc_on_random(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	memcpy(c->prand, v, 16);
	if (is_passkey(c)) {
		if (!smp_check_confirm(smp, c, round_bit(c)))
			return;
		if (!c->initiator)
			smp_send(smp, c, SMP_PAIRING_RANDOM, c->lrand, 16);
		passkey_round_done(smp, c);
		return;
	}
	if (c->initiator) {
		if (c->method != SMP_M_OOB && !smp_check_confirm(smp, c, 0))
			return;
		if (c->method == SMP_M_NUMERIC_COMPARISON) {
			c->state = SMP_ST_WAIT_DHKEY_CHECK; /* Eb is refused until Ea is out */
			ask_compare(smp, c);
			return;
		}
		initiator_send_check(smp, c);
		return;
	}
	if (c->method == SMP_M_OOB)
		bh_random(smp->env, c->lrand, 16);
	smp_send(smp, c, SMP_PAIRING_RANDOM, c->lrand, 16);
	if (!derive_keys(smp, c))
		return;
	c->state = SMP_ST_WAIT_DHKEY_CHECK;
	if (c->method == SMP_M_NUMERIC_COMPARISON)
		ask_compare(smp, c);
	else
		c->nc_accepted = true;
}

static void responder_check(struct bh_smp *smp, struct smp_conn *c)
{
	uint8_t e[16];
	if (check_value(smp, c, true, e) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	if (memcmp(e, c->pcheck, 16) != 0) {
		smp_fail(smp, c, BH_SMP_ERR_DHKEY_CHECK_FAILED);
		return;
	}
	if (check_value(smp, c, false, e) != BH_OK) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	c->state = SMP_ST_WAIT_ENCRYPT;
	smp_send(smp, c, SMP_DHKEY_CHECK, e, 16);
}

void smp_sc_on_dhkey_check(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	if (c->initiator) {
		uint8_t e[16];
		if (!c->sent_check) {
			smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
			return;
		}
		if (check_value(smp, c, false, e) != BH_OK || memcmp(e, v, 16) != 0) {
			smp_fail(smp, c, BH_SMP_ERR_DHKEY_CHECK_FAILED);
			return;
		}
		c->state = SMP_ST_WAIT_ENCRYPT;
		smp_encrypt_stk(smp, c);
		return;
	}
	if (c->have_pcheck) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return;
	}
	memcpy(c->pcheck, v, 16);
	c->have_pcheck = true;
	if (c->nc_accepted)
		responder_check(smp, c);
	/* else: checked when the user confirms the number */
}

void smp_sc_confirm_reply(struct bh_smp *smp, struct smp_conn *c, bool accept)
{
	if (!accept) {
		smp_fail(smp, c, BH_SMP_ERR_NUMERIC_COMPARISON_FAILED);
		return;
	}
	if (c->initiator) {
		initiator_send_check(smp, c);
		return;
	}
	c->nc_accepted = true;
	if (c->have_pcheck)
		responder_check(smp, c);
}
