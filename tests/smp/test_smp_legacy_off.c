/* -Dsmp_legacy=false: a Pairing Request without the SC flag, sent by a real
 * initiator and taken through the responder's feature exchange, gets
 * Pairing Failed (Authentication Requirements), as in Secure Connections
 * Only mode; LE Secure Connections still pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "smp_rig.h"
#include "smp_internal.h"

/* refuser sent the refusal; with both, each side ended the pairing with it. */
static void check_refused(struct rig *r, int refuser, bool both)
{
	assert_int_equal(r->s[refuser].last[0], SMP_PAIRING_FAILED);
	assert_int_equal(r->s[refuser].last[1], BH_SMP_ERR_AUTH_REQUIREMENTS);
	for (int i = both ? 0 : refuser; i < (both ? 2 : refuser + 1); i++) {
		assert_int_equal(r->s[i].completes, 1);
		assert_int_equal(r->s[i].status, BH_SMP_REASON(BH_SMP_ERR_AUTH_REQUIREMENTS));
		assert_int_equal(r->s[i].saves, 0);
		assert_int_equal(bh_smp_security(r->s[i].smp, RIG_HANDLE).level, BH_SEC_NONE);
	}
}

/* We respond: the peer's Pairing Request has no SC flag. */
static void test_legacy_initiator_refused(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	r.s[0].cfg.sc_mode = BH_SMP_LEGACY_ONLY; /* the peer never sets SC */
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].log[0][0], SMP_PAIRING_REQ);
	assert_int_equal(r.s[0].log[0][3] & 0x08, 0); /* AuthReq without SC */
	assert_int_equal(r.s[1].sent, 1);             /* no Pairing Response */
	check_refused(&r, 1, true);
	rig_free(&r);
}

/* We initiate: the peer's Pairing Response has no SC flag. */
static void test_legacy_responder_refused(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	r.drop = true; /* the peer is scripted below */
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	assert_int_equal(r.s[0].log[0][0], SMP_PAIRING_REQ);
	assert_int_not_equal(r.s[0].log[0][3] & 0x08, 0); /* we ask for SC */
	r.drop = false;
	/* NoInputNoOutput, no OOB, bonding, no SC, 16 octets, no keys. */
	const uint8_t rsp[] = { SMP_PAIRING_RSP, 0x03, 0x00, 0x01, 16, 0x00, 0x00 };
	rig_inject(&r, 0, rsp, sizeof(rsp));
	rig_run(&r, NULL);
	check_refused(&r, 0, false);
	assert_int_equal(r.s[1].completes, 0); /* the scripted peer never paired */
	rig_free(&r);
}

static void test_secure_connections_pairs(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r.s[i].completes, 1);
		assert_int_equal(r.s[i].status, BH_OK);
		assert_true(bh_smp_security(r.s[i].smp, RIG_HANDLE).sc);
	}
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_initiator_refused),
		cmocka_unit_test(test_legacy_responder_refused),
		cmocka_unit_test(test_secure_connections_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
