/* Bond downgrade protection (the CVE-2021-3436 class): a peer that uses a
 * bonded device's address (or distributes its identity) and pairs with a
 * weaker method must not replace the bond. Every weaker kind, with the
 * victim in both roles, refused (Pairing Failed with the kind's reason,
 * BH_EDOWNGRADE to the application, the stored bond untouched byte for
 * byte), and allowed when the victim's config says so. Cells come from the
 * kinds table x roles x {protected, allowed}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "smp_rig.h"
#include "smp_internal.h"

#include <stdio.h>
#include <string.h>

struct kind {
	const char *name;
	/* the bond the victim holds for the attacker's identity */
	bool old_auth, old_sc;
	uint8_t old_key_size;
	/* the attacker's pairing */
	enum bh_smp_agent attacker_agent;
	enum bh_smp_sc_mode attacker_mode;
	bool attacker_mitm;
	uint8_t attacker_max_key;
	bool late_identity; /* pairs from another address, distributes the bonded identity */
	/* expected */
	uint8_t reason; /* 0: not a downgrade, pairing succeeds */
};

static const struct kind kinds[] = {
	{ "SC Just Works over SC authenticated", true, true, 16, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_SC_PREFERRED, false, 16, false, BH_SMP_ERR_AUTH_REQUIREMENTS },
	{ "legacy Just Works over SC authenticated", true, true, 16,
	  BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_LEGACY_ONLY, false, 16, false,
	  BH_SMP_ERR_AUTH_REQUIREMENTS },
	{ "legacy passkey over SC authenticated", true, true, 16, BH_SMP_AGENT_KEYBOARD_DISPLAY,
	  BH_SMP_LEGACY_ONLY, true, 16, false, BH_SMP_ERR_AUTH_REQUIREMENTS },
	{ "SC authenticated with a shorter key", true, true, 16, BH_SMP_AGENT_KEYBOARD_DISPLAY,
	  BH_SMP_SC_PREFERRED, true, 12, false, BH_SMP_ERR_ENC_KEY_SIZE },
	{ "legacy Just Works over SC unauthenticated", false, true, 16,
	  BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_LEGACY_ONLY, false, 16, false,
	  BH_SMP_ERR_AUTH_REQUIREMENTS },
	{ "Just Works over legacy passkey", true, false, 16, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_SC_PREFERRED, false, 16, false, BH_SMP_ERR_AUTH_REQUIREMENTS },
	{ "identity learned at key distribution: SC Just Works", true, true, 16,
	  BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_SC_PREFERRED, false, 16, true,
	  BH_SMP_ERR_AUTH_REQUIREMENTS },
	/* not downgrades: the same strength or stronger may re-pair */
	{ "SC Just Works over SC Just Works", false, true, 16, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_SC_PREFERRED, false, 16, false, 0 },
	{ "SC authenticated over legacy Just Works", false, false, 16,
	  BH_SMP_AGENT_KEYBOARD_DISPLAY, BH_SMP_SC_PREFERRED, true, 16, false, 0 },
	{ "16-octet key over a 12-octet bond", true, true, 12, BH_SMP_AGENT_KEYBOARD_DISPLAY,
	  BH_SMP_SC_PREFERRED, true, 16, false, 0 },
};

/* The identity the attacker claims in the late-identity kind. */
static const bh_addr claimed = { BH_ADDR_PUBLIC, { 0x99, 0x88, 0x77, 0x66, 0x55, 0x44 } };

static void old_bond(const struct kind *k, const bh_addr *id, struct bh_bond *b)
{
	memset(b, 0, sizeof(*b));
	b->identity = *id;
	b->authenticated = k->old_auth;
	b->secure_connections = k->old_sc;
	struct bh_bond_ltk l = { .valid = true, .key_size = k->old_key_size };
	for (int i = 0; i < 16; i++)
		l.ltk[i] = (uint8_t)(0x30 + i);
	if (k->old_key_size < 16)
		memset(l.ltk + k->old_key_size, 0, 16 - (size_t)k->old_key_size);
	b->central_ltk = l;
	b->peripheral_ltk = l;
	b->has_irk = true;
	memset(b->irk, 0x42, 16);
	b->cccd_len = 3;
	memcpy(b->cccd, "\x01\x02\x03", 3);
}

/* First PDU with this code the side sent, or NULL. */
static const uint8_t *sent_pdu(const struct side *s, uint8_t code)
{
	for (int i = 0; i < s->sent && i < 64; i++)
		if (s->log_len[i] && s->log[i][0] == code)
			return s->log[i];
	return NULL;
}

static void run_cell(const struct kind *k, int victim, bool allow)
{
	struct rig r;
	int att = 1 - victim;
	/* The victim can do any model; it asks for no MITM itself so that only
	 * the downgrade rule (not its own requirements) can refuse. */
	rig_init(&r, victim == 0 ? BH_SMP_AGENT_KEYBOARD_DISPLAY : k->attacker_agent,
		 victim == 1 ? BH_SMP_AGENT_KEYBOARD_DISPLAY : k->attacker_agent);
	struct side *v = &r.s[victim], *a = &r.s[att];
	v->cfg.mitm = false;
	v->cfg.min_key_size = 7;
	v->cfg.allow_bond_downgrade = allow;
	a->cfg.sc_mode = k->attacker_mode;
	a->cfg.mitm = k->attacker_mitm;
	a->cfg.max_key_size = k->attacker_max_key;
	a->cfg.min_key_size = 7;
	const bh_addr *id = &a->addr;
	if (k->late_identity) {
		a->cfg.local_identity = claimed;
		id = &claimed;
	}
	old_bond(k, id, &v->bonds[0]);
	v->nbonds = 1;
	struct bh_bond before = v->bonds[0];
	rig_start(&r);
	int init = 0; /* side 0 is central */
	struct bh_smp_pair_opts o = { .bonding = true, .mitm = r.s[init].cfg.mitm };
	assert_int_equal(bh_smp_pair(r.s[init].smp, RIG_HANDLE, &o), 0);
	rig_run(&r, NULL);

	fprintf(stderr, "  %-52s victim %s %s: status %s\n", k->name,
		victim == 0 ? "central   " : "peripheral", allow ? "allowed  " : "protected",
		bh_strerror(v->status));
	assert_int_equal(v->completes, 1);
	if (!k->reason || allow) {
		assert_int_equal(v->status, BH_OK);
		assert_int_equal(v->saves, 1);
		struct bh_bond *now = rig_find_bond(v, id);
		assert_non_null(now);
		assert_memory_not_equal(now->central_ltk.ltk, before.central_ltk.ltk, 16);
		/* what is kept with the bond (CCCD) is not the pairing's to drop */
		rig_free(&r);
		return;
	}
	assert_int_equal(v->status, BH_EDOWNGRADE);
	assert_int_equal(v->saves, 0);
	assert_int_equal(v->nbonds, 1);
	assert_memory_equal(&v->bonds[0], &before, sizeof(before)); /* byte for byte */
	const uint8_t *pf = sent_pdu(v, 0x05);
	assert_non_null(pf);
	assert_int_equal(pf[1], k->reason);
	/* the attacker hears the reason on the wire, not our status (a central
	 * attacker that distributes last has finished before it hears it) */
	if (!(k->late_identity && victim == 1))
		assert_int_equal(a->status, BH_SMP_REASON(k->reason));
	if (!k->late_identity) {
		/* refused at the feature exchange: no Pairing Response from a
		 * victim peripheral, nothing after it from a victim central */
		assert_null(sent_pdu(v, victim == 1 ? 0x02 : 0x0c));
		assert_null(sent_pdu(v, 0x03));
		assert_false(bh_smp_security(v->smp, RIG_HANDLE).bonded);
	} else if (victim == 0) {
		/* the central refuses before it distributes any key */
		assert_null(sent_pdu(v, 0x08));
		assert_null(sent_pdu(v, 0x09));
	}
	assert_false(bh_smp_security(v->smp, RIG_HANDLE).bonded);
	assert_int_equal(bh_smp_next_deadline(v->smp), BH_NEVER);
	rig_free(&r);
}

static void test_every_kind_both_roles(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		for (int victim = 0; victim < 2; victim++)
			for (int allow = 0; allow < 2; allow++)
				run_cell(&kinds[i], victim, allow);
}

/* The bond used for the decision is the one of the resolved identity: a
 * victim central re-pairing on its own initiative (e.g. asked for MITM it
 * cannot get) is held to the same rule. */
static void test_own_initiative_refused(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	old_bond(&kinds[0], &r.s[1].addr, &r.s[0].bonds[0]);
	r.s[0].nbonds = 1;
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_EDOWNGRADE);
	assert_int_equal(r.s[0].saves, 0);
	assert_true(r.s[0].bonds[0].authenticated);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_both_roles),
		cmocka_unit_test(test_own_initiative_refused),
	};
	return cmocka_run_group_tests_name("smp_downgrade", tests, NULL, NULL);
}
