/* -Dsigned_write=false, SMP: two real instances pair (LE Secure
 * Connections) with applications that ask for every key, and neither asks
 * for nor distributes a CSRK: SignKey is clear in the Pairing Request and
 * Response (Vol 3, Part H, 3.6.1), no Signing Information goes out, no bond
 * holds a CSRK, and signing answers BH_ENOTSUP. A peer's Signing
 * Information that was not asked for gets Pairing Failed (Unspecified
 * Reason), as any unrequested key does, and is not stored. A full build
 * fails each of these: it sets SignKey, sends and stores CSRKs, and takes
 * the Signing Information the responder asked for below. The bond file
 * format does not change: a bond with CSRKs (as a full build writes it) is
 * saved and read back by this build with its CSRK fields as they were. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <blehost/bond_store.h>

#include "smp_internal.h"
#include "smp_rig.h"

static void ask_every_key(struct rig *r)
{
	for (int i = 0; i < 2; i++) {
		r->s[i].cfg.init_key_dist = BH_SMP_DIST_ALL;
		r->s[i].cfg.resp_key_dist = BH_SMP_DIST_ALL;
	}
}

static int sent_code(const struct side *s, uint8_t code)
{
	int n = 0;
	for (int i = 0; i < s->sent && i < 64; i++)
		n += s->log[i][0] == code;
	return n;
}

static void no_csrk(const struct bh_bond *b)
{
	assert_non_null(b);
	assert_false(b->local_csrk.valid);
	assert_false(b->peer_csrk.valid);
	uint8_t zero[16] = { 0 };
	assert_memory_equal(b->local_csrk.key, zero, 16);
	assert_memory_equal(b->peer_csrk.key, zero, 16);
}

static void test_no_csrk_asked_or_sent(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	struct bh_smp_config def;
	bh_smp_config_preset(&def, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	assert_int_equal(def.init_key_dist, BH_SMP_DIST_ENC | BH_SMP_DIST_ID);
	assert_int_equal(def.resp_key_dist, BH_SMP_DIST_ENC | BH_SMP_DIST_ID);
	ask_every_key(&r);
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r.s[i].completes, 1);
		assert_int_equal(r.s[i].status, BH_OK);
		assert_true(bh_smp_security(r.s[i].smp, RIG_HANDLE).sc);
	}
	/* Pairing Request and Response: Initiator / Responder Key
	 * Distribution are octets 5 and 6; IdKey stays. */
	assert_int_equal(r.s[0].log[0][0], SMP_PAIRING_REQ);
	assert_int_equal(r.s[0].log[0][5], BH_SMP_DIST_ENC | BH_SMP_DIST_ID);
	assert_int_equal(r.s[0].log[0][6], BH_SMP_DIST_ENC | BH_SMP_DIST_ID);
	assert_int_equal(r.s[1].log[0][0], SMP_PAIRING_RSP);
	assert_int_equal(r.s[1].log[0][5] & BH_SMP_DIST_SIGN, 0);
	assert_int_equal(r.s[1].log[0][6] & BH_SMP_DIST_SIGN, 0);
	assert_int_equal(r.s[1].log[0][6] & BH_SMP_DIST_ID, BH_SMP_DIST_ID);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sent_code(&r.s[i], SMP_SIGNING_INFO), 0);
		assert_int_equal(sent_code(&r.s[i], SMP_IDENTITY_INFO), 1);
		no_csrk(rig_find_bond(&r.s[i], &r.s[1 - i].addr));
	}
	uint8_t msg[5] = { 0xd2, 0x12, 0x00, 0x13, 0x37 }, sig[12] = { 0 }, key[16] = { 0 };
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, msg, 5, sig), BH_ENOTSUP);
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), BH_ENOTSUP);
	assert_int_equal(bh_smp_sign_raw(key, 0, msg, 5, sig), BH_ENOTSUP);
	rig_free(&r);
}

/* The initiator's Pairing Request, on its way to the responder, asks for a
 * CSRK only, as a full-build peer may. */
static bool ask_initiator_csrk(struct rig *r, int to, uint8_t *pdu, size_t *len)
{
	(void)r;
	if (to == 1 && pdu[0] == SMP_PAIRING_REQ && *len == 7) {
		pdu[5] = BH_SMP_DIST_SIGN;
		pdu[6] = 0;
	}
	return true;
}

static void test_unrequested_signing_info(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	ask_every_key(&r);
	rig_start(&r);
	r.tamper = ask_initiator_csrk;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	/* The responder narrowed the request to nothing: no key to wait for. */
	assert_int_equal(r.s[1].log[0][0], SMP_PAIRING_RSP);
	assert_int_equal(r.s[1].log[0][5], 0);
	assert_int_equal(r.s[1].log[0][6], 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r.s[i].completes, 1);
		assert_int_equal(r.s[i].status, BH_OK);
	}
	int saves = r.s[1].saves, sent = r.s[1].sent;
	/* The initiator sends a CSRK nobody asked for. */
	uint8_t info[17] = { SMP_SIGNING_INFO };
	memset(info + 1, 0x5a, 16);
	rig_inject(&r, 1, info, sizeof(info));
	rig_run(&r, NULL);
	assert_int_equal(r.s[1].sent, sent + 1);
	assert_int_equal(r.s[1].last[0], SMP_PAIRING_FAILED);
	assert_int_equal(r.s[1].last[1], BH_SMP_ERR_UNSPECIFIED);
	assert_int_equal(r.s[1].saves, saves);
	no_csrk(rig_find_bond(&r.s[1], &r.s[0].addr));
	rig_free(&r);
}

static void test_bond_file_keeps_csrk(void **state)
{
	(void)state;
	char dir[] = "/tmp/bh-sign-off-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(dir, &st), BH_OK);
	struct bh_bond b = { 0 };
	b.identity = (bh_addr){ BH_ADDR_PUBLIC, { 0x42, 0x00, 0x00, 0x01, 0xaa, 0x00 } };
	b.central_ltk.valid = true;
	b.central_ltk.key_size = 16;
	memset(b.central_ltk.ltk, 0x11, 16);
	b.local_csrk = (struct bh_bond_csrk){ .valid = true, .sign_counter = 7 };
	memset(b.local_csrk.key, 0x22, 16);
	b.peer_csrk = (struct bh_bond_csrk){ .valid = true, .sign_counter = 0xfffffffe };
	memset(b.peer_csrk.key, 0x33, 16);
	assert_int_equal(bh_bond_store_save(st, &b), BH_OK);

	char path[128], text[4096];
	snprintf(path, sizeof(path), "%s/00aa01000042-public.bond", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	assert_non_null(strstr(text, "local_csrk_valid=01\nlocal_csrk_key=2222222222222222"
				     "2222222222222222\nlocal_csrk_sign_counter=07000000\n"));
	assert_non_null(strstr(text, "peer_csrk_valid=01\npeer_csrk_key=3333333333333333"
				     "3333333333333333\npeer_csrk_sign_counter=feffffff\n"));

	struct bh_bond back;
	assert_int_equal(bh_bond_store_find(st, &b.identity, &back), BH_OK);
	assert_true(back.local_csrk.valid && back.peer_csrk.valid);
	assert_memory_equal(back.local_csrk.key, b.local_csrk.key, 16);
	assert_memory_equal(back.peer_csrk.key, b.peer_csrk.key, 16);
	assert_int_equal(back.local_csrk.sign_counter, 7);
	assert_int_equal(back.peer_csrk.sign_counter, 0xfffffffe);
	assert_int_equal(bh_bond_store_delete(st, &b.identity), BH_OK);
	bh_bond_store_close(st);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_csrk_asked_or_sent),
		cmocka_unit_test(test_unrequested_signing_info),
		cmocka_unit_test(test_bond_file_keeps_csrk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
