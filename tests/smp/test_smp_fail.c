/* SMP failure paths: every Pairing Failed reason we send, with the exact
 * code on both sides; bad public keys; unexpected PDUs in every state; the
 * SMP timeout; Repeated Attempts; LTK requests without a bond; HCI errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "smp_rig.h"
#include "smp_internal.h"
#include <blehost/hci.h>
#include <blehost/bh_bytes.h>

#include <string.h>

static void start(struct rig *r, enum bh_smp_agent a0, enum bh_smp_agent a1,
		  enum bh_smp_sc_mode mode)
{
	rig_init(r, a0, a1);
	r->s[0].cfg.sc_mode = r->s[1].cfg.sc_mode = mode;
	rig_start(r);
}

/* Both sides ended with reason; nothing saved; the link is not encrypted. */
static void check_failed_enc(struct rig *r, uint8_t reason, bool encrypted)
{
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r->s[i].completes, 1);
		assert_int_equal(r->s[i].status, BH_SMP_REASON(reason));
		assert_int_equal(r->s[i].saves, 0);
		/* A failure during key distribution leaves the link encrypted with
		 * the STK / LTK: that is the truth, and nothing is bonded. */
		if (!encrypted || smp_conn_find(r->s[i].smp, RIG_HANDLE)->state != SMP_ST_IDLE)
			assert_int_equal(bh_smp_security(r->s[i].smp, RIG_HANDLE).level,
					 BH_SEC_NONE);
		else
			assert_false(bh_smp_security(r->s[i].smp, RIG_HANDLE).bonded);
		struct smp_conn *c = smp_conn_find(r->s[i].smp, RIG_HANDLE);
		assert_int_equal(c->state, SMP_ST_IDLE);
		assert_false(c->pairing);
		assert_int_equal(bh_smp_next_deadline(r->s[i].smp), BH_NEVER);
	}
}

static void check_failed(struct rig *r, uint8_t reason)
{
	check_failed_enc(r, reason, false);
}

static void pair_expect_fail(struct rig *r, uint8_t reason)
{
	assert_int_equal(bh_smp_pair(r->s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(r, NULL);
	check_failed(r, reason);
}

static void test_wrong_passkey(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct rig r;
		start(&r, BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY,
		      mode ? BH_SMP_SC_ONLY : BH_SMP_LEGACY_ONLY);
		r.s[0].passkey_mode = 1;
		pair_expect_fail(&r, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
		/* The responder detected it and sent the reason. */
		assert_int_equal(r.s[1].last[0], SMP_PAIRING_FAILED);
		rig_free(&r);
	}
}

static int tamper_code, tamper_to, tamper_count;
static bool flip(struct rig *r, int to, uint8_t *pdu, size_t *len)
{
	(void)r;
	if (to == tamper_to && pdu[0] == tamper_code && tamper_count-- == 0)
		pdu[*len - 1] ^= 0x01;
	return true;
}

static void tamper_case(enum bh_smp_sc_mode mode, enum bh_smp_agent a, int code, int to,
			int nth, uint8_t reason)
{
	struct rig r;
	start(&r, a, a, mode);
	tamper_code = code;
	tamper_to = to;
	tamper_count = nth;
	r.tamper = flip;
	pair_expect_fail(&r, reason);
	assert_int_equal(r.s[to].last[0], SMP_PAIRING_FAILED);
	assert_int_equal(r.s[to].last[1], reason);
	rig_free(&r);
}

static void test_confirm_mismatch(void **state)
{
	(void)state;
	/* Legacy: a forged Mconfirm / Sconfirm. */
	tamper_case(BH_SMP_LEGACY_ONLY, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, SMP_PAIRING_CONFIRM, 1, 0,
		    BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	tamper_case(BH_SMP_LEGACY_ONLY, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, SMP_PAIRING_CONFIRM, 0, 0,
		    BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	/* SC Just Works: a forged Cb; passkey: a forged Cai in round 7. */
	tamper_case(BH_SMP_SC_ONLY, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, SMP_PAIRING_CONFIRM, 0, 0,
		    BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	tamper_case(BH_SMP_SC_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY, SMP_PAIRING_CONFIRM, 1, 7,
		    BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	tamper_case(BH_SMP_SC_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY, SMP_PAIRING_RANDOM, 0, 19,
		    BH_SMP_ERR_CONFIRM_VALUE_FAILED);
}

static void test_dhkey_check_failure(void **state)
{
	(void)state;
	tamper_case(BH_SMP_SC_ONLY, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, SMP_DHKEY_CHECK, 1, 0,
		    BH_SMP_ERR_DHKEY_CHECK_FAILED);
	tamper_case(BH_SMP_SC_ONLY, BH_SMP_AGENT_DISPLAY_YES_NO, SMP_DHKEY_CHECK, 0, 0,
		    BH_SMP_ERR_DHKEY_CHECK_FAILED);
}

static void test_key_size_too_small(void **state)
{
	(void)state;
	for (int who = 0; who < 2; who++) {
		struct rig r;
		rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
		r.s[who].cfg.min_key_size = 7;
		r.s[who].cfg.max_key_size = 7;
		r.s[1 - who].cfg.min_key_size = 16;
		rig_start(&r);
		pair_expect_fail(&r, BH_SMP_ERR_ENC_KEY_SIZE);
		rig_free(&r);
	}
}

/* Raw driving of the responder (side 1): its PDUs are captured, not delivered. */
static void raw_start(struct rig *r, enum bh_smp_sc_mode mode)
{
	start(r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, mode);
	r->drop = true;
}

static void raw(struct rig *r, int to, const uint8_t *pdu, size_t len)
{
	rig_inject(r, to, pdu, len);
	rig_run(r, NULL);
}

static const uint8_t preq_sc[7] = { 0x01, 0x03, 0x00, 0x09, 0x10, 0x07, 0x07 };

static void expect_sent_failed(struct rig *r, int side, uint8_t reason)
{
	assert_int_equal(r->s[side].last_len, 2);
	assert_int_equal(r->s[side].last[0], SMP_PAIRING_FAILED);
	assert_int_equal(r->s[side].last[1], reason);
}

static void pubkey_case(const uint8_t pk[64], uint8_t reason, bool allow_debug)
{
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	r.s[1].cfg.allow_debug_keys = allow_debug;
	rig_start(&r);
	r.drop = true;
	raw(&r, 1, preq_sc, 7);
	assert_int_equal(r.s[1].last[0], SMP_PAIRING_RSP);
	uint8_t pdu[65] = { SMP_PUBLIC_KEY };
	memcpy(pdu + 1, pk, 64);
	raw(&r, 1, pdu, 65);
	if (reason) {
		expect_sent_failed(&r, 1, reason);
		assert_int_equal(r.s[1].status, BH_SMP_REASON(reason));
	} else {
		/* Accepted: our key went out, then the JW confirm Cb. */
		assert_int_equal(r.s[1].last[0], SMP_PAIRING_CONFIRM);
		assert_int_equal(r.s[1].completes, 0);
	}
	rig_free(&r);
}

/* p256_invalid_public_keys in shared/vectors/smp_vectors.json
 * (MSO-first coordinates; the PDU carries X and Y each LSO first). */
static const struct {
	const char *x, *y;
	bool on_curve;
} bad_keys[] = {
	{ "20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6",
	  "4242424242424242424242424242424242424242424242424242424242424242", false },
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "0000000000000000000000000000000000000000000000000000000000000000", false },
	{ "20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6",
	  "dc809c49652aeb6d63329abf5a52155c766345c28fed3024741c8ed01589d28c", false },
	{ "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
	  "dc809c49652aeb6d63329abf5a52155c766345c28fed3024741c8ed01589d28b", false },
	{ "20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6",
	  "237f63b59ad514939ccd6540a5adeaa3899cba3e7012cfdb8be3712fea762d74", true },
};

static void test_invalid_public_key(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		uint8_t pk[64];
		hex2wire(bad_keys[i].x, pk, 32);
		hex2wire(bad_keys[i].y, pk + 32, 32);
		pubkey_case(pk, bad_keys[i].on_curve ? 0 : BH_SMP_ERR_DHKEY_CHECK_FAILED, false);
	}
}

static void test_reflected_public_key(void **state)
{
	(void)state;
	/* Side 1's key pair is the first draw of its seeded generator. */
	struct bh_xrand x;
	struct bh_env env = { .random = bh_xrand_fill, .random_ctx = &x };
	uint8_t priv[32], pub[64];
	bh_xrand_seed(&x, 0x5eed0001u);
	assert_int_equal(bh_smp_p256_keygen(&env, priv, pub), BH_OK);
	pubkey_case(pub, BH_SMP_ERR_DHKEY_CHECK_FAILED, true);
}

static void test_debug_key_refused(void **state)
{
	(void)state;
	pubkey_case(bh_smp_debug_pub, BH_SMP_ERR_AUTH_REQUIREMENTS, false);
	pubkey_case(bh_smp_debug_pub, 0, true);
}

static void test_bad_pairing_request(void **state)
{
	(void)state;
	static const struct {
		uint8_t pdu[8];
		size_t len;
		uint8_t reason;
	} c[] = {
		{ { 0x01, 0x03, 0x00, 0x01, 0x11, 0x07, 0x07 }, 7, BH_SMP_ERR_INVALID_PARAMS }, /* 17 */
		{ { 0x01, 0x03, 0x00, 0x01, 0x06, 0x07, 0x07 }, 7, BH_SMP_ERR_INVALID_PARAMS }, /* 6 */
		{ { 0x01, 0x05, 0x00, 0x01, 0x10, 0x07, 0x07 }, 7, BH_SMP_ERR_INVALID_PARAMS }, /* io */
		{ { 0x01, 0x03, 0x02, 0x01, 0x10, 0x07, 0x07 }, 7, BH_SMP_ERR_INVALID_PARAMS }, /* oob */
		{ { 0x01, 0x03, 0x00, 0x01, 0x10, 0x07 }, 6, BH_SMP_ERR_INVALID_PARAMS }, /* short */
		{ { 0x1f }, 1, BH_SMP_ERR_CMD_NOT_SUPPORTED },                        /* reserved */
		{ { 0x00, 0x01 }, 2, BH_SMP_ERR_CMD_NOT_SUPPORTED },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct rig r;
		raw_start(&r, BH_SMP_SC_PREFERRED);
		raw(&r, 1, c[i].pdu, c[i].len);
		expect_sent_failed(&r, 1, c[i].reason);
		assert_int_equal(smp_conn_find(r.s[1].smp, RIG_HANDLE)->state, SMP_ST_IDLE);
		/* A good request afterwards still works. */
		raw(&r, 1, preq_sc, 7);
		assert_int_equal(r.s[1].last[0], SMP_PAIRING_RSP);
		rig_free(&r);
	}
}

static void test_role_errors(void **state)
{
	(void)state;
	struct rig r;
	raw_start(&r, BH_SMP_SC_PREFERRED);
	/* A central never receives a Pairing Request, a peripheral never a
	 * Security Request (3.5.1, 3.6.7). */
	raw(&r, 0, preq_sc, 7);
	expect_sent_failed(&r, 0, BH_SMP_ERR_CMD_NOT_SUPPORTED);
	uint8_t sr[2] = { SMP_SECURITY_REQ, 0x01 };
	raw(&r, 1, sr, 2);
	expect_sent_failed(&r, 1, BH_SMP_ERR_CMD_NOT_SUPPORTED);
	/* The responder cannot start a pairing. */
	assert_int_equal(bh_smp_pair(r.s[1].smp, RIG_HANDLE, NULL), BH_ESTATE);
	assert_int_equal(bh_smp_pair(r.s[1].smp, 0x999, NULL), BH_ENOTFOUND);
	assert_int_equal(bh_smp_passkey_reply(r.s[0].smp, RIG_HANDLE, true, 1), BH_ESTATE);
	assert_int_equal(bh_smp_confirm_reply(r.s[0].smp, RIG_HANDLE, true), BH_ESTATE);
	rig_free(&r);
}

static void test_sc_only_vs_legacy(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	r.s[0].cfg.sc_mode = BH_SMP_LEGACY_ONLY;
	r.s[1].cfg.sc_mode = BH_SMP_SC_ONLY;
	rig_start(&r);
	pair_expect_fail(&r, BH_SMP_ERR_AUTH_REQUIREMENTS);
	rig_free(&r);
}

static void test_mitm_required_but_just_works(void **state)
{
	(void)state;
	struct rig r;
	/* DisplayYesNo wants MITM; with NoInputNoOutput the table says JW. */
	start(&r, BH_SMP_AGENT_DISPLAY_YES_NO, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_PREFERRED);
	pair_expect_fail(&r, BH_SMP_ERR_AUTH_REQUIREMENTS);
	rig_free(&r);
}

static void test_agent_refusals(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_PREFERRED);
	r.s[1].reject_pairing = true;
	pair_expect_fail(&r, BH_SMP_ERR_PAIRING_NOT_SUPPORTED);
	rig_free(&r);

	start(&r, BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_SC_ONLY);
	r.s[0].passkey_mode = 3;
	pair_expect_fail(&r, BH_SMP_ERR_PASSKEY_ENTRY_FAILED);
	rig_free(&r);

	for (int who = 0; who < 2; who++) {
		start(&r, BH_SMP_AGENT_DISPLAY_YES_NO, BH_SMP_AGENT_DISPLAY_YES_NO,
		      BH_SMP_SC_ONLY);
		r.s[who].confirm_accept = false;
		pair_expect_fail(&r, BH_SMP_ERR_NUMERIC_COMPARISON_FAILED);
		rig_free(&r);
	}
}

/* ---- unexpected PDUs in every state, both roles ---- */

static enum smp_state target;
static int target_side;
static bool at_target(struct rig *r)
{
	struct smp_conn *c = smp_conn_find(r->s[target_side].smp, RIG_HANDLE);
	return c->state == target;
}

static void unexpected_case(enum bh_smp_sc_mode mode, enum bh_smp_agent a, int side,
			    enum smp_state st)
{
	struct rig r;
	start(&r, a, a, mode);
	target = st;
	target_side = side;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, at_target);
	if (!at_target(&r)) {
		rig_free(&r);
		return; /* this state does not occur on this side in this mode */
	}
	print_message("  %s side %d in %s\n", mode == BH_SMP_LEGACY_ONLY ? "legacy" : "SC", side,
		      smp_state_str(st));
	/* A PDU this state never expects: a Pairing Response to the responder;
	 * to the initiator one Pairing Random too many or a Pairing Response. */
	uint8_t pdu[17] = { 0 };
	size_t len = 7;
	pdu[0] = SMP_PAIRING_RSP;
	memcpy(pdu + 1, preq_sc + 1, 6);
	if (side == 0 && st == SMP_ST_WAIT_PAIRING_RSP) {
		pdu[0] = SMP_PAIRING_RANDOM;
		len = 17;
	}
	r.qn = 0; /* the injected PDU is the next thing to happen */
	rig_inject(&r, side, pdu, len);
	rig_run(&r, NULL);
	expect_sent_failed(&r, side, BH_SMP_ERR_UNSPECIFIED);
	if (side == 0 && st == SMP_ST_WAIT_PAIRING_RSP) {
		/* The Pairing Request never reached the responder. */
		assert_int_equal(r.s[0].completes, 1);
		assert_int_equal(r.s[0].status, BH_SMP_REASON(BH_SMP_ERR_UNSPECIFIED));
		assert_int_equal(r.s[1].completes, 0);
	} else {
		check_failed_enc(&r, BH_SMP_ERR_UNSPECIFIED, st == SMP_ST_KEY_DIST);
	}
	rig_free(&r);
}

static void test_unexpected_pdu_each_state(void **state)
{
	(void)state;
	static const enum smp_state sts[] = {
		SMP_ST_WAIT_PAIRING_RSP, SMP_ST_WAIT_PUBKEY, SMP_ST_WAIT_CONFIRM,
		SMP_ST_WAIT_RANDOM, SMP_ST_WAIT_DHKEY_CHECK, SMP_ST_WAIT_ENCRYPT, SMP_ST_KEY_DIST,
	};
	for (int mode = 0; mode < 2; mode++)
		for (int side = 0; side < 2; side++)
			for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
				unexpected_case(mode ? BH_SMP_SC_ONLY : BH_SMP_LEGACY_ONLY,
						BH_SMP_AGENT_KEYBOARD_ONLY, side, sts[i]);
}

static void test_unknown_code_during_pairing(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	target = SMP_ST_WAIT_CONFIRM;
	target_side = 0;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, at_target);
	r.qn = 0;
	uint8_t pdu[3] = { 0x42, 1, 2 };
	rig_inject(&r, 0, pdu, 3);
	rig_run(&r, NULL);
	check_failed(&r, BH_SMP_ERR_CMD_NOT_SUPPORTED);
	rig_free(&r);
}

static void test_timeout(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	r.drop = true;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	assert_int_equal(bh_smp_next_deadline(r.s[0].smp), 1000 + 30000);
	r.now = 1000 + 29999;
	bh_smp_on_timeout(r.s[0].smp);
	assert_int_equal(r.s[0].completes, 0);
	r.now = 1000 + 30000;
	bh_smp_on_timeout(r.s[0].smp);
	assert_int_equal(r.s[0].completes, 1);
	assert_int_equal(r.s[0].status, BH_ETIMEDOUT);
	assert_int_equal(bh_smp_next_deadline(r.s[0].smp), BH_NEVER);
	/* No more SMP on this link: no new pairing, PDUs ignored. */
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), BH_ESTATE);
	assert_int_equal(bh_smp_request_security(r.s[0].smp, RIG_HANDLE, BH_SEC_ENCRYPTED),
			 BH_ESTATE);
	int sent = r.s[0].sent;
	raw(&r, 0, (const uint8_t[]){ 0x02, 0x03, 0x00, 0x09, 0x10, 0x07, 0x07 }, 7);
	raw(&r, 0, (const uint8_t[]){ 0x42 }, 1);
	assert_int_equal(r.s[0].sent, sent);
	assert_int_equal(r.s[0].completes, 1);
	/* A new connection starts clean. */
	rig_reconnect(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_free(&r);
}

/* The deadline walk stops after the links there are: a timer on a link
 * behind a freed slot is still found and fires, a removed link stops
 * counting, and a slot given again counts again. */
static void test_timeout_behind_freed_slot(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	r.drop = true;
	struct bh_smp *smp = r.s[0].smp;
	const bh_addr *a = &r.s[0].addr, *b = &r.s[1].addr;
	assert_int_equal(bh_smp_conn_added(smp, 0x0041, true, a, b), 0); /* slot 1 */
	assert_int_equal(bh_smp_conn_added(smp, 0x0042, true, a, b), 0); /* slot 2 */
	bh_smp_conn_removed(smp, RIG_HANDLE);                          /* slot 0 free */
	bh_smp_conn_removed(smp, 0x0041);                              /* slot 1 free */
	assert_int_equal(bh_smp_pair(smp, 0x0042, NULL), 0);
	assert_int_equal(bh_smp_next_deadline(smp), 1000 + 30000);
	r.now = 1000 + 30000;
	bh_smp_on_timeout(smp);
	assert_int_equal(r.s[0].completes, 1);
	assert_int_equal(r.s[0].status, BH_ETIMEDOUT);
	assert_int_equal(bh_smp_next_deadline(smp), BH_NEVER);
	/* Slot 0 again, then a pairing on it: found with one link behind it. */
	assert_int_equal(bh_smp_conn_added(smp, 0x0043, true, a, b), 0);
	r.now = 5000;
	assert_int_equal(bh_smp_pair(smp, 0x0043, NULL), 0);
	assert_int_equal(bh_smp_next_deadline(smp), 5000 + 30000);
	bh_smp_conn_removed(smp, 0x0043);
	bh_smp_conn_removed(smp, 0x0043); /* twice: counted once */
	assert_int_equal(bh_smp_next_deadline(smp), BH_NEVER);
	assert_int_equal(bh_smp_conn_added(smp, 0x0044, true, a, b), 0);
	assert_int_equal(bh_smp_conn_added(smp, 0x0045, true, a, b), 0);
	r.now = 7000;
	assert_int_equal(bh_smp_pair(smp, 0x0045, NULL), 0);
	assert_int_equal(bh_smp_next_deadline(smp), 7000 + 30000);
	rig_free(&r);
}

static void test_timeout_responder_restarts_on_pdu(void **state)
{
	(void)state;
	struct rig r;
	raw_start(&r, BH_SMP_SC_ONLY);
	raw(&r, 1, preq_sc, 7);
	assert_int_equal(bh_smp_next_deadline(r.s[1].smp), 1000 + 30000);
	r.now = 20000;
	raw(&r, 1, (const uint8_t[]){ 0x03 }, 1); /* short Confirm: fails now */
	expect_sent_failed(&r, 1, BH_SMP_ERR_INVALID_PARAMS);
	assert_int_equal(bh_smp_next_deadline(r.s[1].smp), BH_NEVER);
	rig_free(&r);
}

static void test_ltk_request_unknown(void **state)
{
	(void)state;
	struct rig r;
	raw_start(&r, BH_SMP_SC_PREFERRED);
	bh_smp_on_ltk_request(r.s[1].smp, RIG_HANDLE, 0x1122334455667788ull, 0x1234);
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	assert_int_equal(bh_get16(r.s[1].last_cmd), RIG_HANDLE);
	r.s[1].last_op = 0;
	bh_smp_on_ltk_request(r.s[1].smp, 0x0777, 0, 0); /* unknown link */
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	assert_int_equal(bh_get16(r.s[1].last_cmd), 0x0777);
	rig_run(&r, NULL);
	rig_free(&r);
}

/* A bond exists but the controller asks with another EDIV / Rand. */
static void test_ltk_request_wrong_ediv(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_LEGACY_ONLY);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	rig_reconnect(&r);
	struct bh_bond *b = rig_find_bond(&r.s[1], &r.s[0].addr);
	uint64_t rand = bh_get64(b->peripheral_ltk.rand);
	bh_smp_on_ltk_request(r.s[1].smp, RIG_HANDLE, rand, (uint16_t)(b->peripheral_ltk.ediv + 1));
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	bh_smp_on_ltk_request(r.s[1].smp, RIG_HANDLE, rand + 1, b->peripheral_ltk.ediv);
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	bh_smp_on_ltk_request(r.s[1].smp, RIG_HANDLE, rand, b->peripheral_ltk.ediv);
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_REPLY);
	assert_memory_equal(r.s[1].last_cmd + 2, b->peripheral_ltk.ltk, 16);
	/* A zero key in a (corrupt) bond is never installed. */
	memset(b->peripheral_ltk.ltk, 0, 16);
	bh_smp_on_ltk_request(r.s[1].smp, RIG_HANDLE, rand, b->peripheral_ltk.ediv);
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	/* The central never answers LTK requests. */
	bh_smp_on_ltk_request(r.s[0].smp, RIG_HANDLE, 0, 0);
	assert_int_equal(r.s[0].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	rig_free(&r);
}

/* A bonded central whose peripheral lost the bond: Negative Reply, the
 * re-encryption fails with PIN or Key Missing. */
static void test_reencrypt_peer_lost_bond(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_LEGACY_ONLY);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	r.s[1].nbonds = 0;
	rig_reconnect(&r);
	assert_int_equal(bh_smp_request_security(r.s[0].smp, RIG_HANDLE, BH_SEC_ENCRYPTED), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	assert_int_equal(r.s[0].completes, 2);
	assert_int_equal(r.s[0].status, BH_HCI_STATUS(0x06));
	assert_int_equal(bh_smp_security(r.s[0].smp, RIG_HANDLE).level, BH_SEC_NONE);
	rig_free(&r);
}

static void test_repeated_attempts(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_SC_ONLY);
	r.s[0].passkey_mode = 1;
	pair_expect_fail(&r, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	/* Both sides now wait backoff_base_ms (2 s) before pairing this peer. */
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), BH_EPERM);
	r.drop = true;
	raw(&r, 1, preq_sc, 7);
	expect_sent_failed(&r, 1, BH_SMP_ERR_REPEATED_ATTEMPTS);
	assert_int_equal(r.s[1].status, BH_SMP_REASON(BH_SMP_ERR_REPEATED_ATTEMPTS));
	/* After the wait: allowed again; a second failure doubles the wait. */
	r.drop = false;
	r.now += 2000;
	r.s[0].completes = r.s[1].completes = 0;
	pair_expect_fail(&r, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	r.now += 2000;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), BH_EPERM);
	r.now += 2000;
	/* A success clears the record. */
	r.s[0].passkey_mode = 0;
	r.s[0].completes = r.s[1].completes = 0;
	r.s[0].displayed = r.s[1].displayed = false;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	assert_int_equal(r.s[1].status, BH_OK);
	assert_false(smp_backoff_active(r.s[0].smp, &r.s[1].addr));
	rig_free(&r);
}

static void test_peer_pairing_failed_reason(void **state)
{
	(void)state;
	struct rig r;
	raw_start(&r, BH_SMP_SC_ONLY);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	int sent = r.s[0].sent;
	raw(&r, 0, (const uint8_t[]){ SMP_PAIRING_FAILED, 0x0e }, 2);
	assert_int_equal(r.s[0].completes, 1);
	assert_int_equal(r.s[0].status, BH_SMP_REASON(0x0e));
	assert_int_equal(r.s[0].sent, sent); /* never answered */
	/* Outside a pairing it is ignored. */
	raw(&r, 0, (const uint8_t[]){ SMP_PAIRING_FAILED, 0x08 }, 2);
	raw(&r, 0, (const uint8_t[]){ SMP_PAIRING_FAILED }, 1);
	assert_int_equal(r.s[0].completes, 1);
	assert_int_equal(r.s[0].sent, sent);
	/* A truncated Pairing Failed during a pairing ends it, unanswered. */
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	sent = r.s[0].sent;
	raw(&r, 0, (const uint8_t[]){ SMP_PAIRING_FAILED }, 1);
	assert_int_equal(r.s[0].completes, 2);
	assert_int_equal(r.s[0].status, BH_SMP_REASON(BH_SMP_ERR_UNSPECIFIED));
	assert_int_equal(r.s[0].sent, sent);
	rig_free(&r);
}

static void test_disconnect_mid_pairing(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_SC_ONLY);
	r.s[0].passkey_mode = 4; /* never answers */
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	for (int i = 0; i < 2; i++) {
		bh_smp_conn_removed(r.s[i].smp, RIG_HANDLE);
		assert_int_equal(r.s[i].completes, 1);
		assert_int_equal(r.s[i].status, BH_EDISCONNECTED);
		assert_int_equal(bh_smp_next_deadline(r.s[i].smp), BH_NEVER);
	}
	assert_int_equal(bh_smp_passkey_reply(r.s[0].smp, RIG_HANDLE, true, 1), BH_ESTATE);
	rig_reconnect(&r);
	rig_free(&r);
}

static void test_hci_errors(void **state)
{
	(void)state;
	struct rig r;
	/* LE Enable Encryption not queued. */
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_LEGACY_ONLY);
	r.s[0].hci_fail = 1;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].completes, 1);
	assert_int_equal(r.s[0].status, BH_ENOMEM);
	rig_free(&r);
	/* The controller refuses it (Command Status error). */
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	r.s[0].enc_status_override = 0x0c;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].completes, 1);
	assert_int_equal(r.s[0].status, BH_HCI_STATUS(0x0c));
	assert_int_equal(bh_smp_security(r.s[0].smp, RIG_HANDLE).level, BH_SEC_NONE);
	rig_free(&r);
	/* Encryption Change with an error on a pairing link. */
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	target = SMP_ST_WAIT_ENCRYPT;
	target_side = 1;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, at_target);
	r.qn = 0;
	bh_smp_on_encrypt_change(r.s[1].smp, RIG_HANDLE, 0x3d, false);
	assert_int_equal(r.s[1].status, BH_HCI_STATUS(0x3d));
	rig_free(&r);
}

static void test_key_distribution_errors(void **state)
{
	(void)state;
	/* Zero LTK and out-of-order keys from the responder, seen by the
	 * initiator in KEY_DIST. */
	for (int k = 0; k < 3; k++) {
		struct rig r;
		start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
		      BH_SMP_LEGACY_ONLY);
		target = SMP_ST_KEY_DIST;
		target_side = 0;
		assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
		rig_run(&r, at_target);
		r.qn = 0;
		uint8_t pdu[17] = { 0 };
		uint8_t reason = BH_SMP_ERR_UNSPECIFIED;
		if (k == 0) {
			pdu[0] = SMP_ENC_INFO; /* all-zero LTK */
			reason = BH_SMP_ERR_INVALID_PARAMS;
		} else if (k == 1) {
			pdu[0] = SMP_IDENTITY_INFO; /* before Encryption Information */
		} else {
			pdu[0] = SMP_CENTRAL_IDENT; /* before Encryption Information */
		}
		rig_inject(&r, 0, pdu, smp_pdu_min_len(pdu[0]));
		rig_run(&r, NULL);
		assert_int_equal(r.s[0].status, BH_SMP_REASON(reason));
		assert_int_equal(r.s[0].saves, 0);
		expect_sent_failed(&r, 0, reason);
		rig_free(&r);
	}
	/* Bad identity address type. */
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	target = SMP_ST_KEY_DIST;
	target_side = 0;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, at_target);
	r.qn = 0;
	raw(&r, 0,
	    (const uint8_t[]){ SMP_IDENTITY_INFO, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
			       15, 16 },
	    17);
	raw(&r, 0, (const uint8_t[]){ SMP_IDENTITY_ADDR_INFO, 2, 1, 2, 3, 4, 5, 6 }, 8);
	assert_int_equal(r.s[0].status, BH_SMP_REASON(BH_SMP_ERR_INVALID_PARAMS));
	rig_free(&r);
}

/* The bond record (~9 KB) is made on first use, from the "smp-bond" pool:
 * a link that never pairs or re-encrypts has none. When it cannot be made,
 * key distribution ends the pairing with Unspecified Reason (BH_ENOMEM to
 * the app), a peripheral answers an LTK request with a Negative Reply, a
 * central cannot re-encrypt from its bond, and signing says BH_ENOMEM; the
 * link stays usable and a later pairing, with memory back, completes. */
static void test_bond_record_alloc_fails(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	/* Nothing made by a link that has not paired. */
	assert_int_equal(r.s[0].smp->bond_pool.in_use, 0);
	assert_int_equal(r.s[1].smp->bond_pool.in_use, 0);

	/* The responder cannot make its record at key distribution. */
	bh_pool_fail_after(&r.s[1].smp->bond_pool, 0);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[1].status, BH_ENOMEM);
	assert_int_equal(r.s[0].status, BH_SMP_REASON(BH_SMP_ERR_UNSPECIFIED));
	assert_int_equal(r.s[1].nbonds, 0);
	assert_int_equal(r.s[0].nbonds, 0);
	assert_false(smp_conn_find(r.s[1].smp, RIG_HANDLE)->pairing);
	bh_pool_fail_after(&r.s[1].smp->bond_pool, -1);

	/* With memory back the same link pairs and bonds. */
	rig_reconnect(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	assert_int_equal(r.s[1].status, BH_OK);
	assert_int_equal(r.s[1].nbonds, 1);

	/* Reconnected: no record for the LTK lookup -> Negative Reply. */
	rig_reconnect(&r);
	struct bh_bond *b = rig_find_bond(&r.s[1], &r.s[0].addr);
	assert_non_null(b);
	bh_pool_fail_after(&r.s[1].smp->bond_pool, 0);
	bh_smp_on_ltk_request(r.s[1].smp, RIG_HANDLE, 0, 0);
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_NEG_REPLY);
	bh_pool_fail_after(&r.s[1].smp->bond_pool, -1);
	bh_smp_on_ltk_request(r.s[1].smp, RIG_HANDLE, 0, 0);
	assert_int_equal(r.s[1].last_op, BH_HCI_LE_LTK_REPLY);

	rig_free(&r);

#ifndef TEST_NO_SIGNED_WRITE /* -Dsigned_write=false: both are BH_ENOTSUP */
	/* Signing and verifying read the bond into the process's scratch
	 * record, made by the first use (here: no pairing has made it). */
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	uint8_t sig[12] = { 0 };
	bh_pool_fail_after(&r.s[0].smp->bond_pool, 0);
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, (const uint8_t *)"x", 1, sig),
			 BH_ENOMEM);
	assert_int_equal(bh_smp_verify(r.s[0].smp, RIG_HANDLE, (const uint8_t *)"x", 1, sig),
			 BH_ENOMEM);
	bh_pool_fail_after(&r.s[0].smp->bond_pool, -1);
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, (const uint8_t *)"x", 1, sig),
			 BH_ENOTFOUND); /* no bond, as before */
	rig_free(&r);
#endif
}

static void test_conn_pool_exhausted(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	      BH_SMP_SC_ONLY);
	bh_addr a = r.s[1].addr;
	assert_int_equal(bh_smp_conn_added(r.s[0].smp, RIG_HANDLE, true, &a, &a), BH_EEXIST);
	assert_int_equal(bh_smp_conn_added(r.s[0].smp, 1, true, NULL, &a), BH_EINVAL);
	bh_pool_fail_after(&r.s[0].smp->conn_pool, 0);
	assert_int_equal(bh_smp_conn_added(r.s[0].smp, 1, true, &a, &a), BH_ENOMEM);
	bh_pool_fail_after(&r.s[0].smp->conn_pool, -1);
	for (uint16_t h = 1; h < 8; h++)
		assert_int_equal(bh_smp_conn_added(r.s[0].smp, h, true, &a, &a), 0);
	assert_int_equal(bh_smp_conn_added(r.s[0].smp, 9, true, &a, &a), BH_ENOMEM);
	/* Other links are unaffected by a bad PDU on one. */
	raw(&r, 0, (const uint8_t[]){ 0x42 }, 1);
	bh_smp_on_pdu(r.s[0].smp, 3, NULL, 0);
	assert_int_equal(r.s[0].other_sent, 1); /* Pairing Failed on link 3 only */
	assert_int_equal(r.s[0].completes, 0);
	bh_smp_conn_removed(r.s[0].smp, 3);
	assert_int_equal(bh_smp_conn_added(r.s[0].smp, 9, true, &a, &a), 0);
	rig_free(&r);
}

/* PDUs that arrive while the user is still typing or deciding, or a
 * second copy of one that is already held, end the pairing. */
static void order_case(enum bh_smp_sc_mode mode, enum bh_smp_agent a0, enum bh_smp_agent a1,
		       int never_side, bool never_confirm, int to, uint8_t code, int copies,
		       uint8_t reason)
{
	struct rig r;
	start(&r, a0, a1, mode);
	if (never_confirm)
		r.s[never_side].confirm_never = true;
	else
		r.s[never_side].passkey_mode = 4;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].completes + r.s[1].completes, 0); /* stuck on the user */
	uint8_t pdu[17] = { code, 1, 2, 3 };
	for (int i = 0; i < copies; i++)
		rig_inject(&r, to, pdu, smp_pdu_min_len(code));
	rig_run(&r, NULL);
	expect_sent_failed(&r, to, reason);
	assert_int_equal(r.s[0].status, BH_SMP_REASON(reason));
	assert_int_equal(r.s[1].status, BH_SMP_REASON(reason));
	rig_free(&r);
}

static void test_order_violations(void **state)
{
	(void)state;
	const enum bh_smp_agent K = BH_SMP_AGENT_KEYBOARD_ONLY, D = BH_SMP_AGENT_DISPLAY_ONLY,
				Y = BH_SMP_AGENT_DISPLAY_YES_NO;
	const uint8_t U = BH_SMP_ERR_UNSPECIFIED;
	/* Legacy: Sconfirm before our Mconfirm; a second Mconfirm. */
	order_case(BH_SMP_LEGACY_ONLY, K, D, 0, false, 0, SMP_PAIRING_CONFIRM, 1, U);
	order_case(BH_SMP_LEGACY_ONLY, D, K, 1, false, 1, SMP_PAIRING_CONFIRM, 1, U);
	/* SC passkey: Cbi before our Cai; a second Cai. */
	order_case(BH_SMP_SC_ONLY, K, D, 0, false, 0, SMP_PAIRING_CONFIRM, 1, U);
	order_case(BH_SMP_SC_ONLY, D, K, 1, false, 1, SMP_PAIRING_CONFIRM, 1, U);
	/* SC numeric comparison: Eb before our Ea; two Ea while deciding. */
	order_case(BH_SMP_SC_ONLY, Y, Y, 0, true, 0, SMP_DHKEY_CHECK, 1, U);
	order_case(BH_SMP_SC_ONLY, Y, Y, 1, true, 1, SMP_DHKEY_CHECK, 2, U);
	/* Keypress notifications are fine while a passkey is typed... */
	struct rig r;
	start(&r, D, K, BH_SMP_SC_ONLY);
	r.s[1].passkey_mode = 4;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	int sent = r.s[0].sent;
	raw(&r, 0, (const uint8_t[]){ SMP_KEYPRESS, 1 }, 2);
	assert_int_equal(r.s[0].sent, sent);
	assert_int_equal(r.s[0].completes, 0);
	rig_free(&r);
	/* ...and unexpected otherwise. */
	order_case(BH_SMP_SC_ONLY, Y, Y, 0, true, 0, SMP_KEYPRESS, 1, U);
}

/* An application without agent callbacks cannot type or compare. */
static void test_no_agent(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_DISPLAY_YES_NO, BH_SMP_AGENT_DISPLAY_YES_NO);
	r.s[1].no_agent = true;
	r.s[0].cfg.sc_mode = r.s[1].cfg.sc_mode = BH_SMP_SC_ONLY;
	rig_start(&r);
	pair_expect_fail(&r, BH_SMP_ERR_NUMERIC_COMPARISON_FAILED);
	rig_free(&r);
	rig_init(&r, BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_AGENT_KEYBOARD_ONLY);
	r.s[1].no_agent = true;
	rig_start(&r);
	pair_expect_fail(&r, BH_SMP_ERR_PASSKEY_ENTRY_FAILED);
	rig_free(&r);
}

/* SC OOB: the peer's public key does not match the commitment we got out
 * of band. */
static void test_oob_commitment_mismatch(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	r.s[0].cfg.sc_mode = r.s[1].cfg.sc_mode = BH_SMP_SC_ONLY;
	r.s[0].have_oob = true;
	memset(r.s[0].oob.r, 0x11, 16);
	memset(r.s[0].oob.c, 0x22, 16);
	rig_start(&r);
	pair_expect_fail(&r, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	expect_sent_failed(&r, 0, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	rig_free(&r);
}

/* The own public key is computed on the first SC pairing (smp_own_pub): if
 * that fails (here: a private key out of range, standing in for libcrypto
 * failing), the pairing ends with Unspecified Reason on either role, and the
 * OOB data request reports BH_EIO. */
static void test_own_public_key_failure(void **state)
{
	(void)state;
	for (int side = 0; side < 2; side++) {
		struct rig r;
		rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
		r.s[0].cfg.sc_mode = r.s[1].cfg.sc_mode = BH_SMP_SC_ONLY;
		rig_start(&r);
		assert_false(r.s[side].smp->pub_ready);
		memset(r.s[side].smp->priv, 0, 32);
		pair_expect_fail(&r, BH_SMP_ERR_UNSPECIFIED);
		expect_sent_failed(&r, side, BH_SMP_ERR_UNSPECIFIED);
		assert_false(r.s[side].smp->pub_ready);
		uint8_t oob_r[16], oob_c[16];
		assert_int_equal(bh_smp_sc_oob_local(r.s[side].smp, oob_r, oob_c), BH_EIO);
		/* the other side paired as far as it could: its key was computed */
		assert_true(r.s[!side].smp->pub_ready);
		rig_free(&r);
	}
}

/* A Security Request during the back-off gets Repeated Attempts. */
static void test_security_request_backoff(void **state)
{
	(void)state;
	struct rig r;
	start(&r, BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_SC_ONLY);
	r.s[0].passkey_mode = 1;
	pair_expect_fail(&r, BH_SMP_ERR_CONFIRM_VALUE_FAILED);
	assert_int_equal(bh_smp_request_security(r.s[0].smp, RIG_HANDLE, BH_SEC_ENCRYPTED),
			 BH_EPERM);
	assert_int_equal(bh_smp_request_security(r.s[1].smp, RIG_HANDLE, BH_SEC_ENCRYPTED), 0);
	rig_run(&r, NULL);
	expect_sent_failed(&r, 0, BH_SMP_ERR_REPEATED_ATTEMPTS);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_passkey),
		cmocka_unit_test(test_confirm_mismatch),
		cmocka_unit_test(test_dhkey_check_failure),
		cmocka_unit_test(test_key_size_too_small),
		cmocka_unit_test(test_invalid_public_key),
		cmocka_unit_test(test_reflected_public_key),
		cmocka_unit_test(test_debug_key_refused),
		cmocka_unit_test(test_bad_pairing_request),
		cmocka_unit_test(test_role_errors),
		cmocka_unit_test(test_sc_only_vs_legacy),
		cmocka_unit_test(test_mitm_required_but_just_works),
		cmocka_unit_test(test_agent_refusals),
		cmocka_unit_test(test_unexpected_pdu_each_state),
		cmocka_unit_test(test_unknown_code_during_pairing),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_behind_freed_slot),
		cmocka_unit_test(test_timeout_responder_restarts_on_pdu),
		cmocka_unit_test(test_ltk_request_unknown),
		cmocka_unit_test(test_reencrypt_peer_lost_bond),
		cmocka_unit_test(test_ltk_request_wrong_ediv),
		cmocka_unit_test(test_repeated_attempts),
		cmocka_unit_test(test_peer_pairing_failed_reason),
		cmocka_unit_test(test_disconnect_mid_pairing),
		cmocka_unit_test(test_hci_errors),
		cmocka_unit_test(test_key_distribution_errors),
		cmocka_unit_test(test_conn_pool_exhausted),
		cmocka_unit_test(test_bond_record_alloc_fails),
		cmocka_unit_test(test_order_violations),
		cmocka_unit_test(test_oob_commitment_mismatch),
		cmocka_unit_test(test_own_public_key_failure),
		cmocka_unit_test(test_no_agent),
		cmocka_unit_test(test_security_request_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
