/* Hostile peer vs. the victim's SMP (Vol 3, Part H, 3.5 PDUs; 2.3.5.6
 * public key validation; 3.5.5 Pairing Failed reasons), its handling of LL
 * encryption requests (Vol 4, Part E, 7.7.65.5: LTK Request, answered with
 * a Negative Reply when the host has no key) and its LE signaling channel
 * (Vol 3, Part A, 4: Command Reject, Connection Parameter Update). */
#include "hostile.h"

#include <blehost/hci.h>
#include <blehost/smp.h>
#include <blehost/smp_crypto.h>
#include "smp_vectors.h"

#include <stdio.h>
#include <string.h>

/* Pairing Request: IO NoInputNoOutput, no OOB, auth, max key size, key
 * distribution (initiator: Enc/Id, responder: Enc/Id). */
static void preq(uint8_t p[7], uint8_t auth, uint8_t max_key)
{
	p[0] = 0x01;
	p[1] = 0x03;
	p[2] = 0x00;
	p[3] = auth;
	p[4] = max_key;
	p[5] = 0x03;
	p[6] = 0x03;
}

static void dump(const char *what, const uint8_t *p, int n)
{
	fprintf(stderr, "  %s:", what);
	for (int i = 0; i < n && i < 20; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, n < 0 ? " (nothing)\n" : "\n");
}

/* rsp must be Pairing Failed with one of the reasons (0-terminated list). */
static void expect_failed(const uint8_t *rsp, int n, const uint8_t *reasons, const char *what)
{
	bool ok = n == 2 && rsp[0] == 0x05;
	bool listed = false;
	for (const uint8_t *r = reasons; ok && *r; r++)
		listed |= rsp[1] == *r;
	if (!ok || !listed) {
		fprintf(stderr, "FAIL: %s: want Pairing Failed (reason", what);
		for (const uint8_t *r = reasons; *r; r++)
			fprintf(stderr, " 0x%02x", *r);
		fprintf(stderr, ")\n");
		dump("got", rsp, n);
		fail();
	}
	fprintf(stderr, "  %s -> Pairing Failed 0x%02x (%s)\n", what, rsp[1],
		bh_smp_reason_str(rsp[1]));
}

/* Starts pairing and checks the victim answers with a Pairing Response. */
static void pairing_started(struct hx *x, uint8_t auth)
{
	uint8_t p[7], rsp[80];
	preq(p, auth, 16);
	int n = hx_smp(x, p, 7, rsp, sizeof(rsp), 2000);
	if (n != 7 || rsp[0] != 0x02)
		dump("Pairing Request answered with", rsp, n);
	assert_int_equal(n, 7);
	assert_int_equal(rsp[0], 0x02);
}

static const uint8_t unexpected[] = { 0x08, 0x07, 0x0a, 0 };

/* CVE-2019-17520: a Pairing Public Key during legacy pairing. */
static void smp_public_key_during_legacy_pairing(void **state)
{
	struct hx *x = *state;
	pairing_started(x, 0x01);
	uint8_t pk[65] = { 0x0c }, rsp[80];
	memcpy(pk + 1, V_p256_debug_key_public_key_x, 32);
	memcpy(pk + 33, V_p256_debug_key_public_key_y, 32);
	int n = hx_smp(x, pk, sizeof(pk), rsp, sizeof(rsp), 2000);
	expect_failed(rsp, n, unexpected, "Public Key in legacy pairing");
	evil_run(x->e, 100);
	assert_int_equal(x->v.paired, 0);
	assert_int_equal(x->v.pair_failed, 1);
	hx_expect_link_alive(x);
	hx_record_cut(x); /* replayable: see hostile_replay.c */
}

/* Pairing Random before any Pairing Confirm. */
static void smp_random_before_confirm(void **state)
{
	struct hx *x = *state;
	pairing_started(x, 0x01);
	uint8_t r[17] = { 0x04, 1, 2, 3 }, rsp[80];
	int n = hx_smp(x, r, sizeof(r), rsp, sizeof(rsp), 2000);
	expect_failed(rsp, n, unexpected, "Random before Confirm");
	evil_run(x->e, 100);
	assert_int_equal(x->v.paired, 0);
	hx_expect_link_alive(x);
	hx_record_cut(x); /* replayable: see hostile_replay.c */
}

/* Every pairing PDU while no pairing runs: ignored or refused, never a
 * pairing that starts from the middle. */
static void smp_pdus_out_of_order_when_idle(void **state)
{
	struct hx *x = *state;
	uint8_t pdus[][17] = {
		{ 0x03 }, /* Confirm */
		{ 0x04 }, /* Random */
		{ 0x02, 0x03, 0, 0x01, 16, 0, 0 }, /* Pairing Response to a peripheral */
		{ 0x0d }, /* DHKey Check */
		{ 0x06 }, /* Encryption Information */
		{ 0x0b, 0x01 }, /* Security Request to a peripheral */
	};
	const size_t lens[] = { 17, 17, 7, 17, 17, 2 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t rsp[80];
		int n = hx_smp(x, pdus[i], lens[i], rsp, sizeof(rsp), 300);
		if (n >= 0) {
			char what[40];
			snprintf(what, sizeof(what), "SMP 0x%02x when idle", pdus[i][0]);
			expect_failed(rsp, n, unexpected, what);
		}
	}
	uint8_t pk[65] = { 0x0c }, rsp[80];
	int n = hx_smp(x, pk, sizeof(pk), rsp, sizeof(rsp), 300);
	if (n >= 0)
		expect_failed(rsp, n, unexpected, "Public Key when idle");
	assert_int_equal(x->v.paired, 0);
	assert_int_equal(x->v.enc_on, 0);
	hx_expect_link_alive(x);
}

/* CVE-2019-19196: max key size 253. Must be 7..16 (3.5.1): Invalid
 * Parameters (0x0a). */
static void smp_pairing_request_key_size_253(void **state)
{
	struct hx *x = *state;
	uint8_t p[7], rsp[80];
	preq(p, 0x01, 253);
	static const uint8_t want[] = { 0x0a, 0 };
	expect_failed(rsp, hx_smp(x, p, 7, rsp, sizeof(rsp), 2000), want, "max key size 253");
	hx_expect_link_alive(x);
	hx_record_cut(x); /* replayable: see hostile_replay.c */
}

/* Max key size below the victim's minimum (16 by default): Encryption Key
 * Size (0x06). Size 6 (below the spec's 7) likewise, or Invalid Parameters. */
static void smp_pairing_request_key_size_below_minimum(void **state)
{
	struct hx *x = *state;
	uint8_t p[7], rsp[80];
	preq(p, 0x01, 7);
	static const uint8_t want[] = { 0x06, 0 };
	expect_failed(rsp, hx_smp(x, p, 7, rsp, sizeof(rsp), 2000), want, "max key size 7");
	/* After a failure the victim may apply its repeated-attempts back-off
	 * (0x09); otherwise key size 6 is refused like 7. */
	preq(p, 0x01, 6);
	static const uint8_t want2[] = { 0x06, 0x0a, 0x09, 0 };
	expect_failed(rsp, hx_smp(x, p, 7, rsp, sizeof(rsp), 2000), want2, "max key size 6");
	assert_int_equal(x->v.paired, 0);
	hx_expect_link_alive(x);
}

/* Invalid-curve attack (CVE-2018-5383): a public key not on P-256. The
 * victim must refuse it before using it (no Pairing Confirm computed from
 * it), with Pairing Failed. */
static void smp_public_key_not_on_curve(void **state)
{
	struct hx *x = *state;
	pairing_started(x, 0x09);
	uint8_t pk[65] = { 0x0c }, rsp[80];
	memcpy(pk + 1, V_p256_invalid_public_keys_cases_0_x, 32);
	memcpy(pk + 33, V_p256_invalid_public_keys_cases_0_y, 32);
	assert_false(bh_smp_p256_public_valid(pk + 1)); /* the vector is what it claims */
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SMP, pk, sizeof(pk)), 0);
	int n;
	bool confirm = false;
	while ((n = evil_recv(x->e, EVIL_CID_SMP, rsp, sizeof(rsp), 2000)) >= 0 && rsp[0] != 0x05)
		confirm |= rsp[0] == 0x03; /* its own Public Key may come first */
	static const uint8_t want[] = { 0x0b, 0x08, 0x0a, 0 };
	expect_failed(rsp, n, want, "public key not on the curve");
	assert_false(confirm);
	evil_run(x->e, 100);
	assert_int_equal(x->v.paired, 0);
	hx_expect_link_alive(x);
	hx_record_cut(x); /* replayable: see hostile_replay.c */
}

static void evil_keys(uint8_t priv[32], uint8_t pub[64]);

/* Secure Connections out of order: a Pairing Confirm before any Public Key,
 * then (fresh pairing) a DHKey Check right after the key exchange, before
 * the nonces. */
static void smp_sc_pdus_out_of_order(void **state)
{
	struct hx *x = *state;
	pairing_started(x, 0x09);
	uint8_t c[17] = { 0x03 }, rsp[80];
	expect_failed(rsp, hx_smp(x, c, sizeof(c), rsp, sizeof(rsp), 2000), unexpected,
		      "SC Confirm before Public Key");
	/* Second attempt (the back-off may refuse it: Repeated Attempts). */
	uint8_t p[7];
	preq(p, 0x09, 16);
	int n = hx_smp(x, p, 7, rsp, sizeof(rsp), 2000);
	if (n == 2 && rsp[0] == 0x05 && rsp[1] == 0x09) {
		fprintf(stderr, "  second pairing refused by the repeated-attempts back-off\n");
	} else {
		assert_int_equal(n, 7);
		assert_int_equal(rsp[0], 0x02);
		uint8_t priv[32], pk[65] = { 0x0c };
		evil_keys(priv, pk + 1);
		assert_int_equal(evil_l2cap(x->e, EVIL_CID_SMP, pk, sizeof(pk)), 0);
		evil_run(x->e, 300); /* its Public Key and Confirm */
		evil_flush(x->e);
		uint8_t chk[17] = { 0x0d };
		expect_failed(rsp, hx_smp(x, chk, sizeof(chk), rsp, sizeof(rsp), 2000), unexpected,
			      "DHKey Check before the nonces");
	}
	evil_run(x->e, 100);
	assert_int_equal(x->v.paired, 0);
	assert_int_equal(x->v.enc_on, 0);
	hx_expect_link_alive(x);
	hx_record_cut(x); /* replayable: see hostile_replay.c */
}

/* A valid key pair for the evil side (fixed private key, not the debug key). */
static void evil_keys(uint8_t priv[32], uint8_t pub[64])
{
	memset(priv, 0x11, 32);
	assert_int_equal(bh_smp_p256_public(priv, pub), BH_OK);
}

/* CVE-2020-13593: Secure Connections pairing up to the nonces, DHKey Check
 * skipped, then LL encryption with the (correct!) LTK. The victim must never
 * encrypt with a key from an unfinished pairing: LTK Negative Reply. */
static void smp_dhkey_check_skipped_then_encrypt(void **state)
{
	struct hx *x = *state;
	pairing_started(x, 0x09);
	uint8_t priv[32], pk[65] = { 0x0c }, rsp[80], peer_pk[64] = { 0 }, cb[16] = { 0 };
	evil_keys(priv, pk + 1);
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SMP, pk, sizeof(pk)), 0);
	bool got_pk = false, got_cb = false;
	for (int i = 0; i < 2; i++) {
		int n = evil_recv(x->e, EVIL_CID_SMP, rsp, sizeof(rsp), 3000);
		if (n == 65 && rsp[0] == 0x0c) {
			memcpy(peer_pk, rsp + 1, 64);
			got_pk = true;
		} else if (n == 17 && rsp[0] == 0x03) {
			memcpy(cb, rsp + 1, 16);
			got_cb = true;
		} else {
			dump("unexpected SMP", rsp, n);
		}
	}
	assert_true(got_pk && got_cb);
	uint8_t na[17] = { 0x04 };
	memset(na + 1, 0x5a, 16);
	int n = hx_smp(x, na, sizeof(na), rsp, sizeof(rsp), 3000);
	assert_int_equal(n, 17);
	assert_int_equal(rsp[0], 0x04);
	uint8_t nb[16], check[16];
	memcpy(nb, rsp + 1, 16);
	/* the victim's confirm is right: this is an honest SC exchange so far */
	assert_int_equal(bh_smp_f4(peer_pk, pk + 1, nb, 0, check), BH_OK);
	assert_memory_equal(check, cb, 16);
	uint8_t dhkey[32], mackey[16], ltk[16];
	assert_int_equal(bh_smp_p256_dhkey(priv, peer_pk, dhkey), BH_OK);
	const bh_addr *va = &bh_hci_info(bh_host_hci(x->v.h))->bdaddr;
	assert_int_equal(bh_smp_f5(dhkey, na + 1, nb, 0, evil_state(x->e)->addr.val, 0, va->val, mackey,
				   ltk),
			 BH_OK);
	/* DHKey Check skipped: straight to LL encryption with the real LTK. */
	unsigned enc0 = evil_state(x->e)->enc_changes, disc0 = evil_state(x->e)->disconnects;
	int st = evil_start_encryption(x->e, 0, 0, ltk);
	assert_int_equal(st, 0); /* the attack really reached the victim's controller */
	assert_true(evil_wait_encryption(x->e, enc0, disc0, 5000));
	const struct evil_state *es = evil_state(x->e);
	if (es->enc_changes != enc0 && es->enc_status == 0 && es->enc_enabled) {
		fprintf(stderr, "FAIL: the victim encrypted the link with the LTK of a pairing "
				"whose DHKey Check never came (CVE-2020-13593)\n");
		fail();
	}
	fprintf(stderr, "  encryption refused: enc status 0x%02x, disconnects %u\n", es->enc_status,
		es->disconnects - disc0);
	assert_int_equal(x->v.enc_on, 0);
	assert_int_equal(x->v.paired, 0);
	hx_record_cut(x); /* replayable: see hostile_replay.c */
}

/* CVE-2019-19194: LL encryption with an all-zero LTK, no pairing at all. */
static void smp_zero_ltk_encryption(void **state)
{
	struct hx *x = *state;
	static const uint8_t zero[16];
	unsigned enc0 = evil_state(x->e)->enc_changes, disc0 = evil_state(x->e)->disconnects;
	int st = evil_start_encryption(x->e, 0, 0, zero);
	assert_int_equal(st, 0); /* the attack really reached the victim's controller */
	assert_true(evil_wait_encryption(x->e, enc0, disc0, 5000));
	const struct evil_state *es = evil_state(x->e);
	if (es->enc_status == 0 && es->enc_enabled) {
		fprintf(stderr, "FAIL: the victim accepted an all-zero LTK (CVE-2019-19194)\n");
		fail();
	}
	assert_int_equal(x->v.enc_on, 0);
	if (es->connected)
		hx_expect_link_alive(x);
}

/* Encryption during an unfinished legacy pairing (after Request/Response,
 * before Confirm/Random): there is no STK yet; zero TK guesses must fail. */
static void smp_encrypt_during_unfinished_legacy_pairing(void **state)
{
	struct hx *x = *state;
	pairing_started(x, 0x01);
	static const uint8_t zero[16];
	unsigned enc0 = evil_state(x->e)->enc_changes, disc0 = evil_state(x->e)->disconnects;
	int st = evil_start_encryption(x->e, 0, 0, zero);
	assert_int_equal(st, 0); /* the attack really reached the victim's controller */
	assert_true(evil_wait_encryption(x->e, enc0, disc0, 5000));
	const struct evil_state *es = evil_state(x->e);
	if (es->enc_status == 0 && es->enc_enabled) {
		fprintf(stderr, "FAIL: the victim encrypted during an unfinished legacy pairing\n");
		fail();
	}
	assert_int_equal(x->v.enc_on, 0);
	assert_int_equal(x->v.paired, 0);
}

/* An LTK request for a bond the victim does not have (EDIV/Rand of a legacy
 * bond): Negative Reply, Encryption Change with a failure (0x06 PIN or Key
 * Missing), the link stays usable. */
static void smp_ltk_request_unknown_bond(void **state)
{
	struct hx *x = *state;
	uint8_t key[16];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(0xa0 + i);
	unsigned enc0 = evil_state(x->e)->enc_changes, disc0 = evil_state(x->e)->disconnects;
	int st = evil_start_encryption(x->e, 0x1122334455667788ull, 0xbeef, key);
	assert_int_equal(st, 0);
	assert_true(evil_wait_encryption(x->e, enc0, disc0, 5000));
	const struct evil_state *es = evil_state(x->e);
	assert_false(es->enc_status == 0 && es->enc_enabled);
	if (es->connected) {
		assert_int_equal(es->enc_status, 0x06);
		hx_expect_link_alive(x);
	}
	assert_int_equal(x->v.enc_on, 0);
}

/* Reconnection spoofing: the evil peer takes the address of a bonded
 * central but has no keys. It gets no protected data without encryption,
 * and its attempt to encrypt (any guessed key) must fail: the victim answers
 * the LTK request with the bond's key, which the evil side does not have. */
static void smp_reconnection_spoofing_bonded_identity(void **state)
{
	struct hx *x = *state;
	bh_addr id = hx_bonded_addr(x);
	assert_int_equal(evil_set_random_address(x->e, &id), 0);
	const bh_addr *va = &bh_hci_info(bh_host_hci(x->v.h))->bdaddr;
	assert_int_equal(evil_connect(x->e, va, 5000), 0);
	for (int i = 0; i < 50 && !x->v.connected; i++)
		evil_run(x->e, 20);
	assert_int_equal(x->v.connected, 1);
	uint8_t rsp[64];
	uint8_t rd[] = { 0x0a, HX_LE16(x->v.dh.encrypted) };
	int n = hx_att(x, rd, 3, rsp, sizeof(rsp), 2000);
	if (!(n == 5 && rsp[0] == 0x01 && (rsp[4] == 0x05 || rsp[4] == 0x0f))) {
		fprintf(stderr, "FAIL: the bonded-only value leaked to an unencrypted spoofer\n");
		dump("got", rsp, n);
		fail();
	}
	uint8_t guess[16] = { 0 };
	unsigned enc0 = evil_state(x->e)->enc_changes, disc0 = evil_state(x->e)->disconnects;
	int st = evil_start_encryption(x->e, 0, 0, guess);
	assert_int_equal(st, 0); /* the attack really reached the victim's controller */
	assert_true(evil_wait_encryption(x->e, enc0, disc0, 5000));
	const struct evil_state *es = evil_state(x->e);
	fprintf(stderr, "  spoofer's encryption: status 0x%02x enabled %d, disconnects %u\n",
		es->enc_status, es->enc_enabled, es->disconnects - disc0);
	if (es->enc_status == 0 && es->enc_enabled && es->connected) {
		/* Encryption "succeeded" with a wrong key: then no data may flow. */
		n = hx_att(x, rd, 3, rsp, sizeof(rsp), 1000);
		if (n > 1 && rsp[0] == 0x0b) {
			fprintf(stderr, "FAIL: spoofer without the LTK read the encrypted value\n");
			fail();
		}
	}
	assert_int_equal(x->v.paired, 0);
}

/* ---- victim = central: reflected public key (CVE-2020-26558) ---- */

static void smp_own_public_key_reflected(void **state)
{
	struct hx *x = *state;
	assert_int_equal(bh_smp_pair(bh_host_smp(x->v.h), x->v.conn, NULL), 0);
	uint8_t req[80], rsp[80];
	int n = evil_recv(x->e, EVIL_CID_SMP, req, sizeof(req), 3000);
	assert_int_equal(n, 7);
	assert_int_equal(req[0], 0x01);
	assert_true(req[3] & 0x08); /* the victim offers Secure Connections */
	uint8_t pres[7] = { 0x02, 0x03, 0x00, 0x09, 16, req[5] & 0x03, req[6] & 0x03 };
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SMP, pres, 7), 0);
	n = evil_recv(x->e, EVIL_CID_SMP, rsp, sizeof(rsp), 3000);
	assert_int_equal(n, 65);
	assert_int_equal(rsp[0], 0x0c);
	/* Send its own key back. */
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SMP, rsp, 65), 0);
	bool confirm = false;
	while ((n = evil_recv(x->e, EVIL_CID_SMP, rsp, sizeof(rsp), 3000)) >= 0 && rsp[0] != 0x05)
		confirm |= rsp[0] == 0x03 || rsp[0] == 0x04;
	static const uint8_t any[] = { 0x08, 0x0b, 0x0a, 0x03, 0 };
	expect_failed(rsp, n, any, "reflected public key");
	assert_false(confirm);
	evil_run(x->e, 200);
	assert_int_equal(x->v.paired, 0);
	assert_int_equal(x->v.pair_failed, 1);
	hx_record_cut(x); /* replayable: see hostile_replay.c */
}

/* ---- LE signaling channel ---- */

static int sig(struct hx *x, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap,
	       unsigned ms)
{
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SIG, cmd, len), 0);
	return evil_recv(x->e, EVIL_CID_SIG, rsp, cap, ms);
}

static void expect_reject(const uint8_t *rsp, int n, uint8_t id, uint16_t reason)
{
	if (n < 6 || rsp[0] != 0x01 || rsp[1] != id || (rsp[4] | rsp[5] << 8) != reason) {
		fprintf(stderr, "FAIL: want Command Reject id %u reason 0x%04x\n", id, reason);
		dump("got", rsp, n);
		fail();
	}
}

/* The signaling channel still answers: an unknown code gets Command Reject. */
static void expect_sig_alive(struct hx *x)
{
	uint8_t unk[] = { 0x7f, 0x42, 0, 0 }, rsp[64];
	expect_reject(rsp, sig(x, unk, sizeof(unk), rsp, sizeof(rsp), 2000), 0x42, 0x0000);
}

/* Unknown command codes: Command Reject, Command Not Understood (4.1). */
static void sig_unknown_command_code(void **state)
{
	struct hx *x = *state;
	const uint8_t codes[] = { 0x00, 0x02, 0x08, 0x1f, 0x7f, 0xff };
	for (size_t i = 0; i < sizeof(codes); i++) {
		uint8_t c[] = { codes[i], (uint8_t)(i + 1), 2, 0, 0xaa, 0xbb }, rsp[64];
		expect_reject(rsp, sig(x, c, sizeof(c), rsp, sizeof(rsp), 2000), (uint8_t)(i + 1),
			      0x0000);
	}
	hx_expect_link_alive(x);
}

/* Identifier 0 is never valid (4): the command is ignored or rejected, and
 * never acted on. */
static void sig_identifier_zero(void **state)
{
	struct hx *x = *state;
	uint8_t c[] = { 0x06, 0x00, 4, 0, 0x40, 0x00, 0x40, 0x00 }, rsp[64]; /* Disconnection Req */
	int n = sig(x, c, sizeof(c), rsp, sizeof(rsp), 300);
	if (n >= 0)
		assert_int_equal(rsp[0], 0x01); /* only a Command Reject is acceptable */
	uint8_t u[] = { 0x7f, 0x00, 0, 0 };
	n = sig(x, u, sizeof(u), rsp, sizeof(rsp), 300);
	if (n >= 0)
		assert_int_equal(rsp[0], 0x01);
	expect_sig_alive(x);
	hx_expect_link_alive(x);
}

/* Length fields that lie: shorter than the command's parameters, longer
 * than the frame, several commands in one frame with a truncated last one. */
static void sig_bad_lengths(void **state)
{
	struct hx *x = *state;
	uint8_t rsp[64];
	/* Disconnection Request with 2 of 4 parameter bytes */
	uint8_t a[] = { 0x06, 0x11, 2, 0, 0x40, 0x00 };
	int n = sig(x, a, sizeof(a), rsp, sizeof(rsp), 300);
	if (n >= 0)
		assert_int_equal(rsp[0], 0x01);
	/* Length field 200, frame carries 4 bytes */
	uint8_t b[] = { 0x12, 0x12, 200, 0, 1, 2, 3, 4 };
	n = sig(x, b, sizeof(b), rsp, sizeof(rsp), 300);
	if (n >= 0)
		assert_int_equal(rsp[0], 0x01);
	/* Only 2 bytes: not even a command header */
	uint8_t c[] = { 0x12, 0x13 };
	n = sig(x, c, sizeof(c), rsp, sizeof(rsp), 300);
	if (n >= 0)
		assert_int_equal(rsp[0], 0x01);
	/* LE Credit Based Connection Request with 3 of 10 bytes */
	uint8_t d[] = { 0x14, 0x14, 3, 0, 0x80, 0x00, 0x40 };
	n = sig(x, d, sizeof(d), rsp, sizeof(rsp), 300);
	if (n >= 0)
		assert_int_equal(rsp[0], 0x01);
	evil_flush(x->e);
	expect_sig_alive(x);
	hx_expect_link_alive(x);
}

/* A Connection Parameter Update Request sent to a peripheral: Command
 * Reject, Command Not Understood (4.20: only the central accepts it). */
static void sig_conn_param_update_to_peripheral(void **state)
{
	struct hx *x = *state;
	uint8_t c[] = { 0x12, 0x21, 8, 0, 0x18, 0, 0x28, 0, 0, 0, 0xc8, 0 }, rsp[64];
	expect_reject(rsp, sig(x, c, sizeof(c), rsp, sizeof(rsp), 2000), 0x21, 0x0000);
	hx_expect_link_alive(x);
}

/* Victim central: parameter update requests with invalid ranges are
 * rejected (result 0x0001) with the request's identifier (4.21). */
static void sig_conn_param_update_invalid_ranges(void **state)
{
	struct hx *x = *state;
	static const uint16_t cases[][4] = {
		{ 0x0028, 0x0018, 0, 0x00c8 }, /* min > max */
		{ 0x0005, 0x0018, 0, 0x00c8 }, /* min below 7.5 ms */
		{ 0x0018, 0x0c81, 0, 0x0c80 }, /* max above 4 s */
		{ 0x0018, 0x0028, 0x01f4, 0x00c8 }, /* latency 500 > 499 */
		{ 0x0018, 0x0028, 0, 0x0009 }, /* timeout below 100 ms */
		{ 0x0018, 0x0028, 0, 0x0c81 }, /* timeout above 32 s */
		{ 0x0190, 0x0190, 10, 0x0064 }, /* timeout <= (1+latency)*max*2 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t id = (uint8_t)(0x30 + i), rsp[64];
		uint8_t c[] = { 0x12, id, 8, 0, HX_LE16(cases[i][0]), HX_LE16(cases[i][1]),
				HX_LE16(cases[i][2]), HX_LE16(cases[i][3]) };
		int n = sig(x, c, sizeof(c), rsp, sizeof(rsp), 2000);
		if (n != 6 || rsp[0] != 0x13 || rsp[1] != id || rsp[4] != 0x01 || rsp[5] != 0) {
			fprintf(stderr, "FAIL: invalid parameter set %zu not rejected\n", i);
			dump("got", rsp, n);
			fail();
		}
	}
	expect_sig_alive(x);
}

#define PT(f) cmocka_unit_test_setup_teardown(f, hx_setup_peripheral, hx_teardown)
#define CT(f) cmocka_unit_test_setup_teardown(f, hx_setup_central, hx_teardown)

const struct CMUnitTest hx_smp_sig_tests[] = {
	PT(smp_public_key_during_legacy_pairing),
	PT(smp_random_before_confirm),
	PT(smp_pdus_out_of_order_when_idle),
	PT(smp_pairing_request_key_size_253),
	PT(smp_pairing_request_key_size_below_minimum),
	PT(smp_public_key_not_on_curve),
	PT(smp_sc_pdus_out_of_order),
	PT(smp_dhkey_check_skipped_then_encrypt),
	PT(smp_zero_ltk_encryption),
	PT(smp_encrypt_during_unfinished_legacy_pairing),
	PT(smp_ltk_request_unknown_bond),
	CT(smp_own_public_key_reflected),
	cmocka_unit_test_setup_teardown(smp_reconnection_spoofing_bonded_identity, hx_setup_bonded,
					hx_teardown),
	PT(sig_unknown_command_code),
	PT(sig_identifier_zero),
	PT(sig_bad_lengths),
	PT(sig_conn_param_update_to_peripheral),
	CT(sig_conn_param_update_invalid_ranges),
};
const size_t hx_n_smp_sig_tests = sizeof(hx_smp_sig_tests) / sizeof(hx_smp_sig_tests[0]);
