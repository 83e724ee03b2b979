/* SMP PDU codec, data signing, and a replay of a real LE legacy Just Works
 * pairing (BTstack's pairing.pklg, frames 133-190) against our responder
 * fed with the same random value: our Pairing Response, Sconfirm, Srand,
 * STK and our identity PDUs must be the captured octets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "smp_rig.h"
#include "smp_internal.h"
#include <blehost/bh_bytes.h>
#include <blehost/hci.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_pdu_roundtrip(void **state)
{
	(void)state;
	for (unsigned code = 0; code < 0x40; code++) {
		size_t min = smp_pdu_min_len((uint8_t)code);
		uint8_t buf[SMP_MAX_PDU + 4], out[SMP_MAX_PDU];
		struct smp_pdu p;
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(i * 7 + code);
		buf[0] = (uint8_t)code;
		if (!min) {
			assert_int_equal(smp_pdu_decode(buf, 20, &p), BH_SMP_ERR_CMD_NOT_SUPPORTED);
			p.code = (uint8_t)code;
			assert_int_equal(smp_pdu_encode(&p, out, sizeof(out)), 0);
			continue;
		}
		if (code == SMP_IDENTITY_ADDR_INFO)
			buf[1] = 1;
		/* Every truncation is Invalid Parameters, never a read past len. */
		for (size_t l = 1; l < min; l++) {
			uint8_t *heap = malloc(l);
			memcpy(heap, buf, l);
			assert_int_equal(smp_pdu_decode(heap, l, &p), BH_SMP_ERR_INVALID_PARAMS);
			free(heap);
		}
		assert_int_equal(smp_pdu_decode(buf, min, &p), 0);
		assert_int_equal(smp_pdu_encode(&p, out, sizeof(out)), min);
		assert_memory_equal(out, buf, min);
		/* Trailing octets are ignored. */
		assert_int_equal(smp_pdu_decode(buf, min + 3, &p), 0);
		assert_int_equal(smp_pdu_encode(&p, out, min - 1), 0); /* too small */
		assert_string_not_equal(smp_code_str((uint8_t)code), "Reserved");
	}
	struct smp_pdu p;
	assert_int_equal(smp_pdu_decode(NULL, 0, &p), BH_SMP_ERR_INVALID_PARAMS);
	uint8_t bad_addr[8] = { SMP_IDENTITY_ADDR_INFO, 2, 1, 2, 3, 4, 5, 6 };
	assert_int_equal(smp_pdu_decode(bad_addr, 8, &p), BH_SMP_ERR_INVALID_PARAMS);
	assert_string_equal(smp_code_str(0x99), "Reserved");
}

static void test_strings(void **state)
{
	(void)state;
	for (int s = SMP_ST_IDLE; s <= SMP_ST_TIMED_OUT; s++)
		assert_string_not_equal(smp_state_str((enum smp_state)s), "?");
	for (int m = SMP_M_JUST_WORKS; m <= SMP_M_OOB; m++)
		assert_string_not_equal(smp_method_str((enum smp_method)m), "?");
	for (int l = BH_SEC_NONE; l <= BH_SEC_SC_AUTHENTICATED; l++)
		assert_string_not_equal(bh_sec_level_str((enum bh_sec_level)l), "?");
	assert_string_equal(smp_state_str((enum smp_state)99), "?");
}

#ifndef TEST_NO_SIGNED_WRITE
/* att_signed_write_extra in smp_vectors.json. */
static void test_sign_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *csrk, *msg;
		uint32_t cnt;
		const char *sig;
	} v[] = {
		{ "2b7e151628aed2a6abf7158809cf4f3c", "", 0, "00000000b3a8594127ebc2c0" },
		{ "2b7e151628aed2a6abf7158809cf4f3c", "6bc1bee22e409f96e93d7e117393172a", 0,
		  "00000000273974f4392a232a" },
		{ "2b7e151628aed2a6abf7158809cf4f3c",
		  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411",
		  0, "00000000b7ca94ab87c78218" },
		{ "611b64ebfbcd1fd372ec9196df425e50", "d212001337", 1, "01000000f1871e933c900ff2" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t csrk[16], msg[64], sig[12], expect[12];
		size_t ml = strlen(v[i].msg) / 2;
		hex2wire(v[i].csrk, csrk, 16);
		hex2bin(v[i].msg, msg, ml);
		hex2bin(v[i].sig, expect, 12);
		assert_int_equal(bh_smp_sign_raw(csrk, v[i].cnt, msg, ml, sig), 0);
		assert_memory_equal(sig, expect, 12);
	}
	uint8_t k[16] = { 0 }, sig[12];
	assert_int_equal(bh_smp_sign_raw(k, 0, NULL, 2000, sig), BH_EINVAL);
}

/* Signing through bonds made by a real pairing: counters advance and are
 * saved, a replayed or forged signature is refused. */
static void test_sign_verify_bonds(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	uint8_t msg[5] = { 0xd2, 0x12, 0x00, 0x13, 0x37 }, sig[12];
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, msg, 5, sig), BH_ENOTFOUND);
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), BH_ENOTFOUND);
	assert_int_equal(bh_smp_sign(r.s[0].smp, 0x333, msg, 5, sig), BH_ENOTFOUND);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	int saves0 = r.s[0].saves, saves1 = r.s[1].saves;
	for (uint32_t n = 0; n < 3; n++) {
		assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, msg, 5, sig), 0);
		assert_int_equal(bh_get32(sig), n);
		assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), 0);
		/* The same signature again is a replay. */
		assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), BH_EPERM);
	}
	assert_int_equal(r.s[0].saves, saves0 + 3);
	assert_int_equal(r.s[1].saves, saves1 + 3);
	assert_int_equal(rig_find_bond(&r.s[0], &r.s[1].addr)->local_csrk.sign_counter, 3);
	assert_int_equal(rig_find_bond(&r.s[1], &r.s[0].addr)->peer_csrk.sign_counter, 3);
	/* Forged MAC, forged message. */
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, msg, 5, sig), 0);
	sig[11] ^= 1;
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), BH_ESECURITY);
	sig[11] ^= 1;
	msg[4] ^= 1;
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), BH_ESECURITY);
	msg[4] ^= 1;
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), 0);
	/* The other direction uses the other CSRK. */
	assert_int_equal(bh_smp_sign(r.s[1].smp, RIG_HANDLE, msg, 5, sig), 0);
	assert_int_equal(bh_smp_verify(r.s[0].smp, RIG_HANDLE, msg, 5, sig), 0);
	/* A counter of UINT32_MAX can never be accepted (nothing may follow). */
	uint8_t sig2[12];
	assert_int_equal(bh_smp_sign_raw(rig_find_bond(&r.s[0], &r.s[1].addr)->local_csrk.key,
					 UINT32_MAX, msg, 5, sig2), 0);
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig2), BH_EPERM);
	/* Counter exhausted. */
	rig_find_bond(&r.s[0], &r.s[1].addr)->local_csrk.sign_counter = UINT32_MAX;
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, msg, 5, sig), BH_ESECURITY);
	rig_free(&r);
}
#endif

/* A store that cannot keep a bond (a full disk): the pairing still
 * encrypts, but that side's link is not bonded; a signature or verification
 * whose new counter cannot be kept fails with BH_EIO and changes nothing, so
 * no counter is reused and no signed write is accepted twice. */
static void test_store_refuses(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	r.s[1].refuse_saves = true;
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	assert_int_equal(r.s[1].status, BH_OK);
	struct bh_security s0 = bh_smp_security(r.s[0].smp, RIG_HANDLE);
	struct bh_security s1 = bh_smp_security(r.s[1].smp, RIG_HANDLE);
	assert_true(s0.level >= BH_SEC_ENCRYPTED && s1.level >= BH_SEC_ENCRYPTED);
	assert_true(s0.bonded);
	assert_false(s1.bonded);
	assert_null(rig_find_bond(&r.s[1], &r.s[0].addr));
	rig_free(&r);

#ifndef TEST_NO_SIGNED_WRITE /* -Dsigned_write=false: no counters */
	/* Bonded both ways, then each store refuses a counter in turn. */
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	uint8_t msg[5] = { 0xd2, 0x12, 0x00, 0x13, 0x37 }, sig[12];
	r.s[0].refuse_saves = true;
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, msg, 5, sig), BH_EIO);
	assert_int_equal(rig_find_bond(&r.s[0], &r.s[1].addr)->local_csrk.sign_counter, 0);
	r.s[0].refuse_saves = false;
	assert_int_equal(bh_smp_sign(r.s[0].smp, RIG_HANDLE, msg, 5, sig), 0);
	assert_int_equal(bh_get32(sig), 0); /* counter 0 was never used */
	r.s[1].refuse_saves = true;
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), BH_EIO);
	assert_int_equal(rig_find_bond(&r.s[1], &r.s[0].addr)->peer_csrk.sign_counter, 0);
	r.s[1].refuse_saves = false;
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), 0);
	assert_int_equal(bh_smp_verify(r.s[1].smp, RIG_HANDLE, msg, 5, sig), BH_EPERM);
	rig_free(&r);
#endif
}

static int forgotten;
static void *forgot_last;
static void forget_cb(void *ctx, void *cbctx)
{
	assert_ptr_equal(ctx, &forgotten);
	assert_ptr_not_equal(cbctx, forgot_last);
	forgot_last = cbctx;
	forgotten++;
}

/* Every command context is handed out for forgetting, each once. */
static void test_forget_cmds(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	rig_start(&r);
	bh_smp_forget_cmds(r.s[0].smp, forget_cb, &forgotten);
	assert_int_equal(forgotten, SMP_CMD_SLOTS);
	rig_free(&r);
}

static void test_config_normalized(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	r.s[0].cfg.min_key_size = 3;  /* never below 7 */
	r.s[0].cfg.max_key_size = 20; /* never above 16 */
	r.s[1].cfg.min_key_size = 12;
	r.s[1].cfg.max_key_size = 9;  /* raised to the minimum */
	r.s[0].cfg.timeout_ms = 0;
	rig_start(&r);
	assert_int_equal(r.s[0].smp->cfg.min_key_size, 7);
	assert_int_equal(r.s[0].smp->cfg.max_key_size, 16);
	assert_int_equal(r.s[1].smp->cfg.max_key_size, 12);
	assert_int_equal(r.s[0].smp->cfg.timeout_ms, 30000);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].sec.key_size, 12);
	rig_free(&r);
	struct bh_smp_config cfg;
	bh_smp_config_preset(&cfg, BH_SMP_AGENT_KEYBOARD_DISPLAY);
	assert_int_equal(cfg.io_cap, BH_SMP_IO_KEYBOARD_DISPLAY);
	assert_true(cfg.mitm);
	bh_smp_config_preset(&cfg, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	assert_false(cfg.mitm);
	struct bh_env env = { 0 };
	assert_null(bh_smp_new(&cfg, &(struct bh_smp_port){ 0 }, &env));
	assert_null(bh_smp_new(NULL, NULL, NULL));
	bh_smp_free(NULL);
}

/* ---- the captured legacy Just Works pairing ---- */

struct trace_pdu {
	int frame;
	bool from_central; /* received by the BTstack peripheral */
	uint8_t pdu[32];
	size_t len;
};

#ifdef SMP_TRACE_PKLG
/* PacketLogger: per record a 4-octet big-endian length, an 8-octet time
 * stamp, a type (0x02 ACL sent, 0x03 ACL received) and the packet. */
static int load_trace(struct trace_pdu *out, int max, uint8_t ltk_reply[16])
{
	FILE *f = fopen(SMP_TRACE_PKLG, "rb");
	assert_non_null(f);
	static uint8_t d[16384];
	size_t n = fread(d, 1, sizeof(d), f);
	fclose(f);
	struct bh_rd r = bh_rd_init(d, n);
	int frame = 0, cnt = 0;
	while (bh_rd_left(&r) >= 13) {
		const uint8_t *h = bh_rd_ptr(&r, 4);
		uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | h[2] << 8 | h[3];
		const uint8_t *rec = bh_rd_ptr(&r, len);
		assert_non_null(rec);
		frame++;
		uint8_t type = rec[8];
		const uint8_t *pl = rec + 9;
		size_t pl_len = len - 9;
		if ((type == 2 || type == 3) && pl_len >= 9 && bh_get16(pl + 6) == 6 && cnt < max) {
			out[cnt].frame = frame;
			out[cnt].from_central = type == 3;
			out[cnt].len = pl_len - 8;
			memcpy(out[cnt].pdu, pl + 8, out[cnt].len);
			cnt++;
		}
		if (type == 0 && pl_len == 21 && bh_get16(pl) == BH_HCI_LE_LTK_REPLY)
			memcpy(ltk_reply, pl + 5, 16);
	}
	return cnt;
}
#endif

static int replay_pdus(struct trace_pdu *t, uint8_t ltk_reply[16])
{
#ifdef SMP_TRACE_PKLG
	int n = load_trace(t, 32, ltk_reply);
	assert_int_equal(n, 17);
	return n;
#else
	/* The same frames as in the vectors file (legacy_pairing_captured). */
	static const struct {
		bool c;
		const char *h;
	} f[] = {
		{ 0, "0b01" },
		{ 1, "01040001100707" },
		{ 0, "02030001100707" },
		{ 1, "03845a879a0fa942ba48c579a07070a9c8" },
		{ 0, "03a9e98d9ac396e352a117c0b2be7642da" },
		{ 1, "04fdd406450f1edc84d543acf75ec03629" },
		{ 0, "047a05d5eb0e273f48939c46728482042f" },
		{ 0, "06ef2fd90b047ae9a1cfc3a383b7383073" },
		{ 0, "075bb4cf10705f3c2de3b3" },
		{ 0, "0800000000000000000000000000000000" },
		{ 0, "0900ef3207dc1b00" },
		{ 0, "0a00000000000000000000000000000000" },
		{ 1, "06ca2fa91c978f3464149c4493669fb6a4" },
		{ 1, "071ae86c6ed6c004298824" },
		{ 1, "08c67b915392bb7f949048665980407895" },
		{ 1, "090039a2263ae454" },
		{ 1, "0a8d025f429499b15ff5c5232972789102" },
	};
	for (int i = 0; i < 17; i++) {
		t[i].from_central = f[i].c;
		t[i].len = strlen(f[i].h) / 2;
		hex2bin(f[i].h, t[i].pdu, t[i].len);
	}
	hex2wire("30959899121c5670d1d45f8d5fa236d1", ltk_reply, 16);
	return 17;
#endif
}

static void test_replay_btstack_legacy_just_works(void **state)
{
	(void)state;
#ifdef TEST_NO_SIGNED_WRITE
	skip(); /* the recorded Pairing Response distributes a CSRK */
#endif
	struct trace_pdu t[32];
	uint8_t ltk_reply[16];
	int n = replay_pdus(t, ltk_reply);
	/* STK from the vectors file, cross-checked against the trace's LTK reply. */
	uint8_t stk[16];
	hex2wire("30959899121c5670d1d45f8d5fa236d1", stk, 16);
	assert_memory_equal(stk, ltk_reply, 16);

	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	struct side *p = &r.s[1];
	p->cfg.sc_mode = BH_SMP_LEGACY_ONLY;
	memset(p->cfg.local_irk, 0, 16); /* BTstack sent an all-zero IRK */
	/* ia = 73:c9:68:5e:12:18 random, ra = 00:1b:dc:07:32:ef public */
	r.s[0].addr = (bh_addr){ BH_ADDR_RANDOM, { 0x18, 0x12, 0x5e, 0x68, 0xc9, 0x73 } };
	p->addr = (bh_addr){ BH_ADDR_PUBLIC, { 0xef, 0x32, 0x07, 0xdc, 0x1b, 0x00 } };
	p->cfg.local_identity = p->addr;
	rig_start(&r);
	r.drop = true;
	/* The only random value our responder draws before Sconfirm is Srand. */
	for (int i = 0; i < n; i++)
		if (!t[i].from_central && t[i].pdu[0] == SMP_PAIRING_RANDOM)
			memcpy(p->script, t[i].pdu + 1, 16);
	p->script_len = 16;

	int first = p->sent;
	for (int i = 0; i < n; i++) {
		if (!t[i].from_central)
			continue;
		rig_inject(&r, 1, t[i].pdu, t[i].len);
		rig_run(&r, NULL);
		if (t[i].pdu[0] == SMP_PAIRING_RANDOM) {
			/* Srand is out: the controller asks for the STK. */
			bh_smp_on_ltk_request(p->smp, RIG_HANDLE, 0, 0);
			assert_int_equal(p->last_op, BH_HCI_LE_LTK_REPLY);
			assert_memory_equal(p->last_cmd + 2, ltk_reply, 16);
			bh_smp_on_encrypt_change(p->smp, RIG_HANDLE, 0, true);
		}
	}
	/* What we sent, in order, against what BTstack sent (its Security
	 * Request aside: the central started this pairing). Random keys (LTK,
	 * EDIV/Rand, CSRK) differ in value but not in code and length. */
	int k = first;
	for (int i = 0; i < n; i++) {
		if (t[i].from_central || t[i].pdu[0] == SMP_SECURITY_REQ)
			continue;
		uint8_t code = t[i].pdu[0];
		print_message("  frame %d: %s\n", t[i].frame, smp_code_str(code));
		assert_true(k < p->sent);
		assert_int_equal(p->log_len[k], t[i].len);
		if (code == SMP_ENC_INFO || code == SMP_CENTRAL_IDENT || code == SMP_SIGNING_INFO)
			assert_int_equal(p->log[k][0], code);
		else
			assert_memory_equal(p->log[k], t[i].pdu, t[i].len);
		k++;
	}
	assert_int_equal(k, p->sent);
	assert_int_equal(p->completes, 1);
	assert_int_equal(p->status, BH_OK);
	assert_int_equal(p->sec.level, BH_SEC_ENCRYPTED);
	bh_addr id = { BH_ADDR_PUBLIC, { 0x39, 0xa2, 0x26, 0x3a, 0xe4, 0x54 } };
	struct bh_bond *b = rig_find_bond(p, &id);
	assert_non_null(b); /* filed under the identity address the central sent */
	uint8_t ltk[16], irk[16], csrk[16];
	hex2bin("ca2fa91c978f3464149c4493669fb6a4", ltk, 16);
	hex2bin("c67b915392bb7f949048665980407895", irk, 16);
	hex2bin("8d025f429499b15ff5c5232972789102", csrk, 16);
	assert_memory_equal(b->central_ltk.ltk, ltk, 16);
	assert_int_equal(b->central_ltk.ediv, 0xe81a);
	assert_memory_equal(b->central_ltk.rand, "\x6c\x6e\xd6\xc0\x04\x29\x88\x24", 8);
	assert_memory_equal(b->irk, irk, 16);
	assert_true(b->has_irk);
	assert_memory_equal(b->peer_csrk.key, csrk, 16);
	rig_free(&r);
}

/* Only the agreed keys are distributed; an all-zero IRK is no IRK. */
static void test_partial_dist_zero_irk(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	memset(r.s[1].cfg.local_irk, 0, 16);
	r.s[1].addr = (bh_addr){ BH_ADDR_PUBLIC, { 0xef, 0x32, 0x07, 0xdc, 0x1b, 0x00 } };
	r.s[1].cfg.local_identity = r.s[1].addr;
	r.s[1].cfg.resp_key_dist = BH_SMP_DIST_ID;
	r.s[0].cfg.sc_mode = r.s[1].cfg.sc_mode = BH_SMP_LEGACY_ONLY;
	rig_start(&r);
	assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), 0);
	rig_run(&r, NULL);
	assert_int_equal(r.s[0].status, BH_OK);
	struct bh_bond *b = rig_find_bond(&r.s[0], &r.s[1].addr);
	assert_non_null(b);
	assert_false(b->has_irk); /* an all-zero IRK means "no IRK" */
	assert_false(b->peer_csrk.valid);
	assert_false(b->central_ltk.valid); /* the responder sent no LTK */
	assert_true(b->peripheral_ltk.valid); /* ours went out */
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pdu_roundtrip),
		cmocka_unit_test(test_strings),
#ifndef TEST_NO_SIGNED_WRITE /* -Dsigned_write=false: test_smp_sign_off.c */
		cmocka_unit_test(test_sign_vectors),
		cmocka_unit_test(test_sign_verify_bonds),
#endif
		cmocka_unit_test(test_store_refuses),
		cmocka_unit_test(test_config_normalized),
		cmocka_unit_test(test_forget_cmds),
		cmocka_unit_test(test_replay_btstack_legacy_just_works),
		cmocka_unit_test(test_partial_dist_zero_irk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
