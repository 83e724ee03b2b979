/* SMP pairing end to end: two instances back to back, every association
 * model of legacy and Secure Connections pairing, key distribution,
 * re-encryption from a bond, Security Request handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "smp_rig.h"
#include "smp_internal.h"
#include <blehost/hci.h>

#include <string.h>

/* Signing Information PDUs each side sends: none without signed writes. */
#ifdef TEST_NO_SIGNED_WRITE
#define TEST_SIGNING_INFO 0
#else
#define TEST_SIGNING_INFO 1
#endif

struct model_case {
	const char *name;
	enum bh_smp_agent a0, a1;
	enum bh_smp_sc_mode mode;
	int oob; /* 0 none, 1 both sides, 2 only the initiator holds data */
	enum bh_sec_level level;
	bool passkey_shown;
	bool compare;
	bool nomitm;
};

static const struct model_case cases[] = {
	{ "legacy JW", BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_LEGACY_ONLY, 0, BH_SEC_ENCRYPTED, false, false },
	{ "legacy PK init-input", BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY,
	  BH_SMP_LEGACY_ONLY, 0, BH_SEC_AUTHENTICATED, true, false },
	{ "legacy PK resp-input", BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY,
	  BH_SMP_LEGACY_ONLY, 0, BH_SEC_AUTHENTICATED, true, false },
	{ "legacy PK kbd-display both", BH_SMP_AGENT_KEYBOARD_DISPLAY,
	  BH_SMP_AGENT_KEYBOARD_DISPLAY, BH_SMP_LEGACY_ONLY, 0, BH_SEC_AUTHENTICATED, true, false },
	{ "legacy PK both-input", BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY,
	  BH_SMP_LEGACY_ONLY, 0, BH_SEC_AUTHENTICATED, false, false },
	{ "legacy OOB", BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_LEGACY_ONLY, 1, BH_SEC_AUTHENTICATED, false, false },
	{ "SC JW", BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_SC_ONLY, 0, BH_SEC_ENCRYPTED, false, false },
	{ "SC JW (display-yes-no vs no-io)", BH_SMP_AGENT_DISPLAY_YES_NO,
	  BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_SC_PREFERRED, 0, BH_SEC_ENCRYPTED, false, false,
	  true },
	{ "SC NC", BH_SMP_AGENT_DISPLAY_YES_NO, BH_SMP_AGENT_DISPLAY_YES_NO, BH_SMP_SC_ONLY, 0,
	  BH_SEC_SC_AUTHENTICATED, false, true },
	{ "SC NC kbd-display", BH_SMP_AGENT_KEYBOARD_DISPLAY, BH_SMP_AGENT_KEYBOARD_DISPLAY,
	  BH_SMP_SC_PREFERRED, 0, BH_SEC_SC_AUTHENTICATED, false, true },
	{ "SC PK init-input", BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY,
	  BH_SMP_SC_ONLY, 0, BH_SEC_SC_AUTHENTICATED, true, false },
	{ "SC PK resp-input", BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY,
	  BH_SMP_SC_ONLY, 0, BH_SEC_SC_AUTHENTICATED, true, false },
	{ "SC PK both-input", BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY,
	  BH_SMP_SC_ONLY, 0, BH_SEC_SC_AUTHENTICATED, false, false },
	{ "SC OOB both", BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_SC_ONLY, 1, BH_SEC_SC_AUTHENTICATED, false, false },
	{ "SC OOB initiator only", BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_SC_ONLY, 2, BH_SEC_SC_AUTHENTICATED, false,
	  false },
};

static void setup_case(struct rig *r, const struct model_case *mc, bool swap_roles)
{
	rig_init(r, mc->a0, mc->a1);
	for (int i = 0; i < 2; i++) {
		r->s[i].cfg.sc_mode = mc->mode;
		if (mc->nomitm)
			r->s[i].cfg.mitm = false;
		if (mc->oob == 1 || (mc->oob == 2 && i == 0)) {
			r->s[i].have_oob = true;
			memset(r->s[i].oob.tk, 0x5a, 16);
			r->s[i].oob_sc_from_peer = mc->mode != BH_SMP_LEGACY_ONLY;
		}
	}
	if (swap_roles) {
		/* Same agents, but side 1 is the central (initiator). */
		r->s[0].central = false;
		r->s[1].central = true;
	}
}

static void check_paired(struct rig *r, const struct model_case *mc, int init)
{
	int resp = 1 - init;
	struct side *a = &r->s[init], *b = &r->s[resp];
	for (int i = 0; i < 2; i++) {
		struct side *s = &r->s[i];
		assert_int_equal(s->completes, 1);
		assert_int_equal(s->status, BH_OK);
		assert_int_equal(s->saves, 1);
		assert_int_equal(s->sec.level, mc->level);
		assert_int_equal(s->sec.key_size, 16);
		struct bh_security q = bh_smp_security(s->smp, RIG_HANDLE);
		assert_int_equal(q.level, mc->level);
		assert_true(q.bonded);
		assert_int_equal(q.sc, mc->mode != BH_SMP_LEGACY_ONLY);
		struct smp_conn *c = smp_conn_find(s->smp, RIG_HANDLE);
		assert_int_equal(c->state, SMP_ST_IDLE);
	}
	struct bh_bond *ba = rig_find_bond(a, &b->addr), *bb = rig_find_bond(b, &a->addr);
	assert_non_null(ba);
	assert_non_null(bb);
	/* What the initiator encrypts with is what the responder answers with. */
	assert_true(ba->central_ltk.valid && bb->peripheral_ltk.valid);
	assert_memory_equal(ba->central_ltk.ltk, bb->peripheral_ltk.ltk, 16);
	assert_int_equal(ba->central_ltk.ediv, bb->peripheral_ltk.ediv);
	assert_memory_equal(ba->central_ltk.rand, bb->peripheral_ltk.rand, 8);
	assert_true(bb->central_ltk.valid && ba->peripheral_ltk.valid);
	assert_memory_equal(bb->central_ltk.ltk, ba->peripheral_ltk.ltk, 16);
	assert_true(ba->has_irk && bb->has_irk);
	assert_memory_equal(ba->irk, b->cfg.local_irk, 16);
	assert_memory_equal(bb->irk, a->cfg.local_irk, 16);
#ifndef TEST_NO_SIGNED_WRITE
	assert_true(ba->peer_csrk.valid && bb->local_csrk.valid);
	assert_memory_equal(ba->peer_csrk.key, bb->local_csrk.key, 16);
	assert_memory_equal(bb->peer_csrk.key, ba->local_csrk.key, 16);
#else /* -Dsigned_write=false: no CSRK either way */
	assert_false(ba->peer_csrk.valid || bb->local_csrk.valid);
	assert_false(bb->peer_csrk.valid || ba->local_csrk.valid);
#endif
	assert_int_equal(ba->authenticated, mc->level >= BH_SEC_AUTHENTICATED);
	assert_int_equal(ba->secure_connections, mc->mode != BH_SMP_LEGACY_ONLY);
	if (mc->mode != BH_SMP_LEGACY_ONLY) /* one f5 key both ways */
		assert_memory_equal(ba->central_ltk.ltk, ba->peripheral_ltk.ltk, 16);
	if (mc->passkey_shown)
		assert_true(a->displayed || b->displayed);
	if (mc->mode != BH_SMP_LEGACY_ONLY && strstr(mc->name, "PK")) {
		/* Pairing Request/Response, Public Key, 20 x (Confirm, Random),
		 * DHKey Check, Identity Info + Address, Signing Info. */
		assert_int_equal(a->sent, 1 + 1 + 40 + 1 + 2 + TEST_SIGNING_INFO);
		assert_int_equal(b->sent, 1 + 1 + 40 + 1 + 2 + TEST_SIGNING_INFO);
	}
	if (mc->compare) {
		assert_int_equal(a->confirm_reqs, 1);
		assert_int_equal(b->confirm_reqs, 1);
		assert_int_equal(a->number, b->number);
	} else {
		assert_int_equal(a->confirm_reqs + b->confirm_reqs, 0);
	}
}

static void run_case(const struct model_case *mc, bool swap)
{
	struct rig r;
	setup_case(&r, mc, swap);
	rig_start(&r);
	int init = swap ? 1 : 0;
	assert_int_equal(bh_smp_pair(r.s[init].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	check_paired(&r, mc, init);
	assert_int_equal(bh_smp_next_deadline(r.s[0].smp), BH_NEVER);
	assert_int_equal(bh_smp_next_deadline(r.s[1].smp), BH_NEVER);
	rig_free(&r);
}

/* Proves that a local address corrected after the link was added
 * (bh_smp_conn_local: with extended advertising the set's Terminated says
 * which address the peer connected to) is the one pairing hashes: with
 * the guess made at the connection event legacy c1 and SC f6 fail, with
 * the correction both pair. Side 1, the peripheral, is corrected. */
static void test_local_corrected(void **state)
{
	(void)state;
	static const bh_addr guess = { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc6 } };
	const struct model_case *mcs[2] = { &cases[0], &cases[6] }; /* legacy JW, SC JW */
	for (int k = 0; k < 2; k++) {
		for (int fix = 0; fix < 2; fix++) {
			struct rig r;
			setup_case(&r, mcs[k], false);
			rig_start(&r);
			struct side *p = &r.s[1];
			bh_smp_conn_removed(p->smp, RIG_HANDLE);
			assert_int_equal(bh_smp_conn_added(p->smp, RIG_HANDLE, false, &guess,
							   &r.s[0].addr),
					 0);
			if (fix)
				assert_int_equal(bh_smp_conn_local(p->smp, RIG_HANDLE, &p->addr), 0);
			assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
			rig_run(&r, NULL);
			if (fix) {
				check_paired(&r, mcs[k], 0);
			} else {
				assert_int_equal(r.s[0].completes, 1);
				assert_int_not_equal(r.s[0].status, BH_OK);
				assert_int_equal(r.s[0].saves + p->saves, 0);
			}
			rig_free(&r);
		}
	}
	struct rig r;
	setup_case(&r, &cases[0], false);
	rig_start(&r);
	assert_int_equal(bh_smp_conn_local(r.s[1].smp, RIG_HANDLE + 1, &guess), BH_ENOTFOUND);
	rig_free(&r);
}

static void test_all_models(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("  model: %s\n", cases[i].name);
		run_case(&cases[i], false);
		run_case(&cases[i], true);
	}
}

/* Re-encryption from the bond: no SMP PDU, LTK request answered from the
 * peripheral's bond, same level as at pairing. */
static void reencrypt(const struct model_case *mc, bool via_security_request)
{
	struct rig r;
	setup_case(&r, mc, false);
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	check_paired(&r, mc, 0);
	rig_reconnect(&r);
	int sent0 = r.s[0].sent, sent1 = r.s[1].sent;
	int cmds0 = r.s[0].cmds + 1; /* one LE Enable Encryption */
	r.s[0].sec_changes = r.s[1].sec_changes = 0;
	assert_int_equal(bh_smp_security(r.s[0].smp, RIG_HANDLE).level, BH_SEC_NONE);
	if (via_security_request) {
		assert_int_equal(bh_smp_request_security(r.s[1].smp, RIG_HANDLE, mc->level), 0);
		assert_int_equal(r.s[1].sent, sent1 + 1);
		sent1++;
	} else {
		assert_int_equal(bh_smp_request_security(r.s[0].smp, RIG_HANDLE, mc->level), 0);
	}
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].sent, sent0); /* no pairing */
	assert_int_equal(r.s[1].sent, sent1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r.s[i].sec_changes, 1);
		assert_int_equal(r.s[i].sec.level, mc->level);
		assert_true(r.s[i].sec.bonded);
		assert_int_equal(r.s[i].completes, 1); /* nothing more */
	}
	/* Already satisfied: nothing happens, also not on a Security Request. */
	assert_int_equal(bh_smp_request_security(r.s[0].smp, RIG_HANDLE, mc->level), 0);
	assert_int_equal(rig_run(&r, NULL), 0);
	assert_int_equal(bh_smp_request_security(r.s[1].smp, RIG_HANDLE, mc->level), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].sent, sent0);
	assert_int_equal(r.s[0].cmds, cmds0);
	assert_int_equal(r.s[0].completes, 1);
	rig_free(&r);
}

static void test_reencrypt_legacy(void **state)
{
	(void)state;
	reencrypt(&cases[1], false);
	reencrypt(&cases[0], true);
}

static void test_reencrypt_sc(void **state)
{
	(void)state;
	reencrypt(&cases[8], false);
	reencrypt(&cases[6], true);
}

/* A bond that is too weak for the asked level leads to a new pairing, and
 * the old bond is replaced only when the new pairing has succeeded. */
static bool both_asked(struct rig *r)
{
	return r->s[0].want_confirm && r->s[1].want_confirm;
}

static void test_upgrade_replaces_bond_at_end(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_KEYBOARD_DISPLAY, BH_SMP_AGENT_KEYBOARD_DISPLAY);
	r.s[0].cfg.mitm = false;
	r.s[1].cfg.mitm = false;
	rig_start(&r);
	struct bh_smp_pair_opts jw = { .bonding = true, .mitm = false };
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, &jw), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].sec.level, BH_SEC_ENCRYPTED);
	struct bh_bond old = *rig_find_bond(&r.s[0], &r.s[1].addr);
	rig_reconnect(&r);
	assert_int_equal(bh_smp_request_security(r.s[0].smp, RIG_HANDLE, BH_SEC_SC_AUTHENTICATED), 0);
	/* Run until the numbers are shown: the bond must still be the old one. */
	rig_run(&r, both_asked);
	assert_true(r.s[0].want_confirm && r.s[1].want_confirm);
	assert_int_equal(r.s[0].saves, 1);
	assert_memory_equal(rig_find_bond(&r.s[0], &r.s[1].addr)->central_ltk.ltk,
			    old.central_ltk.ltk, 16);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].saves, 2);
	assert_int_equal(r.s[0].nbonds, 1);
	assert_int_equal(r.s[0].sec.level, BH_SEC_SC_AUTHENTICATED);
	assert_true(rig_find_bond(&r.s[0], &r.s[1].addr)->authenticated);
	rig_free(&r);
}

/* No bonding: keys are not distributed, nothing saved, link encrypted. */
static void test_no_bonding(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	struct bh_smp_pair_opts nb = { .bonding = false, .mitm = false };
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, &nb), 0);
	rig_run(&r, NULL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r.s[i].status, BH_OK);
		assert_int_equal(r.s[i].saves, 0);
		assert_int_equal(r.s[i].sec.level, BH_SEC_ENCRYPTED);
		assert_false(bh_smp_security(r.s[i].smp, RIG_HANDLE).bonded);
	}
	rig_free(&r);
}

/* Negotiated key size 10: keys masked, both sides report it. */
static void test_key_size_negotiated(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct rig r;
		rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
		r.s[0].cfg.sc_mode = r.s[1].cfg.sc_mode = mode ? BH_SMP_SC_ONLY : BH_SMP_LEGACY_ONLY;
		r.s[0].cfg.min_key_size = 7;
		r.s[1].cfg.min_key_size = 10;
		r.s[1].cfg.max_key_size = 10;
		rig_start(&r);
		assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
		rig_run(&r, NULL);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(r.s[i].status, BH_OK);
			assert_int_equal(r.s[i].sec.key_size, 10);
			struct bh_bond *b = rig_find_bond(&r.s[i], &r.s[1 - i].addr);
			assert_int_equal(b->central_ltk.key_size, 10);
			static const uint8_t zero[6];
			assert_memory_equal(b->central_ltk.ltk + 10, zero, 6);
		}
		/* Re-encryption hands the controller the 10-octet key. */
		rig_reconnect(&r);
		assert_int_equal(bh_smp_request_security(r.s[0].smp, RIG_HANDLE, BH_SEC_ENCRYPTED), 0);
		rig_run(&r, NULL);
		assert_int_equal(r.s[0].sec.key_size, 10);
		assert_int_equal(r.s[1].sec.key_size, 10);
		assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_REPLY);
		rig_free(&r);
	}
}

/* BH_EBUSY from L2CAP: PDUs wait in order and go out on can_send. */
static void test_busy_send_queue(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	r.s[0].busy = 1;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	assert_int_equal(r.s[0].sent, 0);
	assert_int_equal(rig_run(&r, NULL), 0);
	bh_smp_on_can_send(r.s[0].smp, RIG_HANDLE);
	assert_int_equal(r.s[0].sent, 1);
	r.s[1].busy = 3; /* the responder's keys queue up behind each other */
	rig_run(&r, NULL);
	while (r.s[1].completes == 0) {
		bh_smp_on_can_send(r.s[1].smp, RIG_HANDLE);
		if (!rig_run(&r, NULL) && r.s[1].busy == 0 && r.s[1].completes == 0)
			break;
	}
	bh_smp_on_can_send(r.s[1].smp, RIG_HANDLE);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	assert_int_equal(r.s[1].status, BH_OK);
	rig_free(&r);
}

/* Debug keys: used by one side, accepted by a peer that allows them. */
static void test_debug_key_allowed(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	r.s[0].cfg.use_debug_keys = true;
	r.s[1].cfg.allow_debug_keys = true;
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	assert_int_equal(r.s[1].status, BH_OK);
	rig_free(&r);
}

/* A Security Request without a bond makes the central pair, with MITM
 * when the peripheral asks for it; a refusing agent answers Pairing Not
 * Supported. Level NONE asks for nothing. */
static void test_security_request_starts_pairing(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_KEYBOARD_DISPLAY, BH_SMP_AGENT_DISPLAY_ONLY);
	r.s[0].cfg.mitm = false;
	rig_start(&r);
	assert_int_equal(bh_smp_request_security(r.s[1].smp, RIG_HANDLE, BH_SEC_NONE), 0);
	assert_int_equal(r.s[1].sent, 0);
	assert_int_equal(bh_smp_request_security(r.s[1].smp, RIG_HANDLE, BH_SEC_SC_AUTHENTICATED),
			 0);
	assert_int_equal(r.s[1].last[0], SMP_SECURITY_REQ);
	assert_true(r.s[1].last[1] & SMP_AUTH_MITM);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	assert_int_equal(r.s[0].sec.level, BH_SEC_SC_AUTHENTICATED);
	assert_true(r.s[0].displayed || r.s[1].displayed);
	rig_free(&r);

	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	r.s[0].reject_pairing = true;
	rig_start(&r);
	assert_int_equal(bh_smp_request_security(r.s[1].smp, RIG_HANDLE, BH_SEC_ENCRYPTED), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].last[0], SMP_PAIRING_FAILED);
	assert_int_equal(r.s[0].last[1], BH_SMP_ERR_PAIRING_NOT_SUPPORTED);
	assert_int_equal(r.s[0].completes, 0); /* nothing was asked locally */
	rig_free(&r);
}

/* Key refresh (LE Enable Encryption on an encrypted link) reports the
 * new security like an Encryption Change. */
static void test_repair_on_encrypted_link_key_refresh(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	int changes = r.s[0].sec_changes;
	bh_smp_on_key_refresh(r.s[0].smp, RIG_HANDLE, 0);
	assert_int_equal(r.s[0].sec_changes, changes + 1);
	assert_int_equal(r.s[0].sec.level, BH_SEC_ENCRYPTED);
	bh_smp_on_key_refresh(r.s[0].smp, RIG_HANDLE, 0x3d);
	assert_int_equal(r.s[0].sec.level, BH_SEC_NONE);
	assert_int_equal(bh_smp_security(r.s[0].smp, RIG_HANDLE).level, BH_SEC_NONE);
	rig_free(&r);
}

/* Agents that answer from inside the callback (re-entrant calls). */
static void test_sync_agent(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		enum bh_smp_sc_mode m = mode ? BH_SMP_SC_ONLY : BH_SMP_LEGACY_ONLY;
		struct rig r;
		rig_init(&r, BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY);
		for (int i = 0; i < 2; i++) {
			r.s[i].sync_agent = true;
			r.s[i].cfg.sc_mode = m;
		}
		rig_start(&r);
		assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
		rig_run(&r, NULL);
		assert_int_equal(r.s[0].status, BH_OK);
		assert_int_equal(r.s[1].status, BH_OK);
		assert_int_equal(r.s[0].passkey_reqs, 1);
		rig_free(&r);
		/* Rejected synchronously: Passkey Entry Failed, nothing left over. */
		for (int who = 0; who < 2; who++) {
			rig_init(&r, BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY);
			for (int i = 0; i < 2; i++) {
				r.s[i].sync_agent = true;
				r.s[i].cfg.sc_mode = m;
			}
			r.s[who].passkey_mode = 3;
			rig_start(&r);
			assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
			rig_run(&r, NULL);
			assert_int_equal(r.s[who].status,
					 BH_SMP_REASON(BH_SMP_ERR_PASSKEY_ENTRY_FAILED));
			assert_int_equal(bh_smp_next_deadline(r.s[who].smp), BH_NEVER);
			rig_free(&r);
		}
	}
	for (int accept = 0; accept < 2; accept++) {
		struct rig r;
		rig_init(&r, BH_SMP_AGENT_DISPLAY_YES_NO, BH_SMP_AGENT_DISPLAY_YES_NO);
		r.s[0].sync_agent = r.s[1].sync_agent = true;
		r.s[1].confirm_accept = accept;
		rig_start(&r);
		assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
		rig_run(&r, NULL);
		assert_int_equal(r.s[0].status,
				 accept ? BH_OK : BH_SMP_REASON(BH_SMP_ERR_NUMERIC_COMPARISON_FAILED));
		assert_int_equal(r.s[0].number, r.s[1].number);
		rig_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_models),
		cmocka_unit_test(test_local_corrected),
		cmocka_unit_test(test_reencrypt_legacy),
		cmocka_unit_test(test_reencrypt_sc),
		cmocka_unit_test(test_upgrade_replaces_bond_at_end),
		cmocka_unit_test(test_no_bonding),
		cmocka_unit_test(test_key_size_negotiated),
		cmocka_unit_test(test_busy_send_queue),
		cmocka_unit_test(test_debug_key_allowed),
		cmocka_unit_test(test_security_request_starts_pairing),
		cmocka_unit_test(test_sync_agent),
		cmocka_unit_test(test_repair_on_encrypted_link_key_refresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
