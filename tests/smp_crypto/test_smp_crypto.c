/* Unit tests for smp/smp_crypto: every function against
 * shared/vectors/smp_vectors.json (via the generated smp_vectors.h, whose
 * values are MSO first: each test reverses them into wire order, the order
 * the API takes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_env.h>
#include <blehost/smp_crypto.h>
#include "smp_vectors.h"

/* dst = V reversed (MSO-first vector -> wire order); sizes must agree. */
#define LE(dst, V)                                                                 \
	do {                                                                       \
		_Static_assert(sizeof(dst) == sizeof(V), "vector size");           \
		bh_swap(dst, V, sizeof(V));                                        \
	} while (0)
/* Checks a wire-order result against an MSO-first vector. */
#define ASSERT_LE_EQ(got, V)                                                       \
	do {                                                                       \
		uint8_t exp_[sizeof(V)];                                           \
		_Static_assert(sizeof(got) == sizeof(V), "vector size");           \
		bh_swap(exp_, V, sizeof(V));                                       \
		assert_memory_equal(got, exp_, sizeof(V));                         \
	} while (0)

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void test_e_le_encryption_sample(void **state)
{
	(void)state;
	/* SKD = SKDs || SKDm (MSO first): check the vector's derivation too. */
	uint8_t skd_m[16];
	memcpy(skd_m, V_le_encryption_sample_data_inputs_SKDs, 8);
	memcpy(skd_m + 8, V_le_encryption_sample_data_inputs_SKDm, 8);
	assert_memory_equal(skd_m, V_le_encryption_sample_data_derived_SKD, 16);
	uint8_t ltk[16], skd[16], sk[16];
	LE(ltk, V_le_encryption_sample_data_inputs_LTK);
	LE(skd, V_le_encryption_sample_data_derived_SKD);
	assert_int_equal(bh_smp_e(ltk, skd, sk), BH_OK);
	ASSERT_LE_EQ(sk, V_le_encryption_sample_data_expected_SK);
	/* in place */
	assert_int_equal(bh_smp_e(ltk, skd, skd), BH_OK);
	assert_memory_equal(skd, sk, 16);
}

static void test_c1(void **state)
{
	(void)state;
	uint8_t k[16], r[16], preq[7], pres[7], ia[6], ra[6], out[16];
	LE(k, V_c1_inputs_k);
	LE(r, V_c1_inputs_r);
	LE(preq, V_c1_inputs_preq);
	LE(pres, V_c1_inputs_pres);
	LE(ia, V_c1_inputs_ia);
	LE(ra, V_c1_inputs_ra);
	/* the wire-order forms in the file agree with the reversal */
	assert_memory_equal(preq, V_c1_inputs_wire_order_preq_pdu, 7);
	assert_memory_equal(pres, V_c1_inputs_wire_order_pres_pdu, 7);
	assert_memory_equal(r, V_c1_inputs_wire_order_r_wire, 16);
	assert_int_equal(bh_smp_c1(k, r, preq, pres, V_c1_inputs_iat[0], ia, V_c1_inputs_rat[0], ra,
				   out),
			 BH_OK);
	ASSERT_LE_EQ(out, V_c1_expected_c1);
	assert_memory_equal(out, V_c1_expected_c1_wire, 16);
	/* a different address type gives a different confirm */
	uint8_t out2[16];
	assert_int_equal(bh_smp_c1(k, r, preq, pres, 0, ia, 0, ra, out2), BH_OK);
	assert_memory_not_equal(out, out2, 16);
}

static void test_s1(void **state)
{
	(void)state;
	uint8_t k[16], r1[16], r2[16], out[16];
	LE(k, V_s1_inputs_k);
	LE(r1, V_s1_inputs_r1);
	LE(r2, V_s1_inputs_r2);
	assert_int_equal(bh_smp_s1(k, r1, r2, out), BH_OK);
	ASSERT_LE_EQ(out, V_s1_expected_s1);
	/* the upper halves of r1/r2 do not matter */
	r1[15] ^= 0xff;
	r2[8] ^= 0x55;
	uint8_t out2[16];
	assert_int_equal(bh_smp_s1(k, r1, r2, out2), BH_OK);
	assert_memory_equal(out, out2, 16);
}

static void test_f4(void **state)
{
	(void)state;
	uint8_t u[32], v[32], x[16], out[16];
	LE(u, V_f4_inputs_U);
	LE(v, V_f4_inputs_V);
	LE(x, V_f4_inputs_X);
	assert_int_equal(bh_smp_f4(u, v, x, V_f4_inputs_Z[0], out), BH_OK);
	ASSERT_LE_EQ(out, V_f4_expected_f4);
}

static void test_f5(void **state)
{
	(void)state;
	uint8_t w[32], n1[16], n2[16], a1[7], a2[7], mackey[16], ltk[16];
	LE(w, V_f5_inputs_W);
	LE(n1, V_f5_inputs_N1);
	LE(n2, V_f5_inputs_N2);
	/* A1 = type || address (MSO first): reversed, the type is octet 6 */
	LE(a1, V_f5_inputs_A1);
	LE(a2, V_f5_inputs_A2);
	assert_int_equal(bh_smp_f5(w, n1, n2, a1[6], a1, a2[6], a2, mackey, ltk), BH_OK);
	ASSERT_LE_EQ(mackey, V_f5_expected_MacKey);
	ASSERT_LE_EQ(ltk, V_f5_expected_LTK);
}

static void test_f6(void **state)
{
	(void)state;
	uint8_t w[16], n1[16], n2[16], r[16], io[3], a1[7], a2[7], out[16];
	LE(w, V_f6_inputs_W);
	LE(n1, V_f6_inputs_N1);
	LE(n2, V_f6_inputs_N2);
	LE(r, V_f6_inputs_R);
	LE(io, V_f6_inputs_IOcap);
	LE(a1, V_f6_inputs_A1);
	LE(a2, V_f6_inputs_A2);
	assert_int_equal(bh_smp_f6(w, n1, n2, r, io, a1[6], a1, a2[6], a2, out), BH_OK);
	ASSERT_LE_EQ(out, V_f6_expected_f6);
}

static void test_g2(void **state)
{
	(void)state;
	uint8_t u[32], v[32], x[16], y[16];
	uint32_t val = 0;
	LE(u, V_g2_inputs_U);
	LE(v, V_g2_inputs_V);
	LE(x, V_g2_inputs_X);
	LE(y, V_g2_inputs_Y);
	assert_int_equal(bh_smp_g2(u, v, x, y, &val), BH_OK);
	assert_int_equal(val, be32(V_g2_expected_g2));
	assert_int_equal(val, V_g2_expected_g2_decimal);
	assert_int_equal(val % 1000000, V_g2_expected_six_digit_value);
}

static void test_h6_h7(void **state)
{
	(void)state;
	uint8_t w[16], out[16], salt[16];
	LE(w, V_h6_inputs_W);
	assert_int_equal(bh_smp_h6(w, be32(V_h6_inputs_keyID), out), BH_OK);
	ASSERT_LE_EQ(out, V_h6_expected_h6);
	assert_int_equal(be32(V_h6_inputs_keyID), BH_SMP_KEYID_LEBR);

	LE(w, V_h7_inputs_W);
	LE(salt, V_h7_inputs_SALT);
	assert_int_equal(bh_smp_h7(salt, w, out), BH_OK);
	ASSERT_LE_EQ(out, V_h7_expected_h7);
	assert_int_equal(be32(V_h7_inputs_SALT + 12), BH_SMP_KEYID_TMP1);
	assert_int_equal(bh_smp_h7_id(BH_SMP_KEYID_TMP1, w, out), BH_OK);
	ASSERT_LE_EQ(out, V_h7_expected_h7);
}

static void test_ctkd(void **state)
{
	(void)state;
	uint8_t in[16], out[16];
	LE(in, V_ctkd_cases_0_inputs_LTK);
	assert_int_equal(bh_smp_ltk_to_link_key(in, true, out), BH_OK);
	ASSERT_LE_EQ(out, V_ctkd_cases_0_expected_LinkKey);
	LE(in, V_ctkd_cases_1_inputs_LTK);
	assert_int_equal(bh_smp_ltk_to_link_key(in, false, out), BH_OK);
	ASSERT_LE_EQ(out, V_ctkd_cases_1_expected_LinkKey);
	LE(in, V_ctkd_cases_2_inputs_LinkKey);
	assert_int_equal(bh_smp_link_key_to_ltk(in, true, out), BH_OK);
	ASSERT_LE_EQ(out, V_ctkd_cases_2_expected_LTK);
	LE(in, V_ctkd_cases_3_inputs_LinkKey);
	assert_int_equal(bh_smp_link_key_to_ltk(in, false, out), BH_OK);
	ASSERT_LE_EQ(out, V_ctkd_cases_3_expected_LTK);
	/* the keyIDs the file names are the constants we use */
	assert_int_equal(be32(V_ctkd_cases_0_inputs_keyID), BH_SMP_KEYID_LEBR);
	assert_int_equal(be32(V_ctkd_cases_2_inputs_keyID), BH_SMP_KEYID_BRLE);
	assert_int_equal(be32(V_ctkd_cases_3_inputs_keyID1), BH_SMP_KEYID_TMP2);
}

static void test_ah(void **state)
{
	(void)state;
	uint8_t irk[16], r[3], hash[3];
	LE(irk, V_ah_inputs_IRK);
	LE(r, V_ah_inputs_prand);
	assert_int_equal(bh_smp_ah(irk, r, hash), BH_OK);
	ASSERT_LE_EQ(hash, V_ah_expected_hash);
	/* the RPA on the wire is hash || prand */
	assert_memory_equal(hash, V_ah_expected_rpa_hci_wire_order, 3);
	assert_memory_equal(r, V_ah_expected_rpa_hci_wire_order + 3, 3);
}

struct legacy_case {
	const uint8_t *tk, *ia, *ra, *preq, *pres, *mrand, *mconfirm, *srand, *sconfirm, *stk;
	uint8_t iat, rat;
	bool wire; /* rand/confirm given in wire order */
};

static void check_legacy(const struct legacy_case *c)
{
	uint8_t tk[16], ia[6], ra[6], mrand[16], srand[16], mconf[16], sconf[16], stk[16], out[16];
	bh_swap(tk, c->tk, 16);
	bh_swap(ia, c->ia, 6);
	bh_swap(ra, c->ra, 6);
	if (c->wire) {
		memcpy(mrand, c->mrand, 16);
		memcpy(srand, c->srand, 16);
		memcpy(mconf, c->mconfirm, 16);
		memcpy(sconf, c->sconfirm, 16);
	} else {
		bh_swap(mrand, c->mrand, 16);
		bh_swap(srand, c->srand, 16);
		bh_swap(mconf, c->mconfirm, 16);
		bh_swap(sconf, c->sconfirm, 16);
	}
	bh_swap(stk, c->stk, 16);
	assert_int_equal(bh_smp_c1(tk, mrand, c->preq, c->pres, c->iat, ia, c->rat, ra, out), BH_OK);
	assert_memory_equal(out, mconf, 16);
	assert_int_equal(bh_smp_c1(tk, srand, c->preq, c->pres, c->iat, ia, c->rat, ra, out), BH_OK);
	assert_memory_equal(out, sconf, 16);
	assert_int_equal(bh_smp_s1(tk, srand, mrand, out), BH_OK);
	assert_memory_equal(out, stk, 16);
}

#define LEG(i, R, C, W)                                                                          \
	{ V_legacy_pairing_captured_cases_##i##_TK, V_legacy_pairing_captured_cases_##i##_ia,    \
	  V_legacy_pairing_captured_cases_##i##_ra, V_legacy_pairing_captured_cases_##i##_preq_wire, \
	  V_legacy_pairing_captured_cases_##i##_pres_wire,                                         \
	  V_legacy_pairing_captured_cases_##i##_Mrand##R,                                          \
	  V_legacy_pairing_captured_cases_##i##_Mconfirm##C,                                       \
	  V_legacy_pairing_captured_cases_##i##_Srand##R,                                          \
	  V_legacy_pairing_captured_cases_##i##_Sconfirm##C,                                       \
	  V_legacy_pairing_captured_cases_##i##_STK, V_legacy_pairing_captured_cases_##i##_iat,    \
	  V_legacy_pairing_captured_cases_##i##_rat, W }

static void test_legacy_captured(void **state)
{
	(void)state;
	const struct legacy_case cases[] = {
		LEG(0, , , false),
		LEG(1, _wire, _wire, true),
		LEG(2, _wire, _wire, true),
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_legacy(&cases[i]);
}

static void test_sc_just_works_captured(void **state)
{
	(void)state;
	uint8_t pka[64], pkb[64], na[16], nb[16], cb[16];
	bh_swap(pka, V_sc_just_works_captured_PKax, 32);
	bh_swap(pka + 32, V_sc_just_works_captured_PKay, 32);
	bh_swap(pkb, V_sc_just_works_captured_PKbx, 32);
	bh_swap(pkb + 32, V_sc_just_works_captured_PKby, 32);
	LE(na, V_sc_just_works_captured_Na);
	LE(nb, V_sc_just_works_captured_Nb);
	assert_true(bh_smp_p256_public_valid(pka));
	assert_true(bh_smp_p256_public_valid(pkb));
	assert_false(bh_smp_p256_public_eq(pka, pkb));
	assert_false(bh_smp_p256_is_debug_key(pka));
	/* responder confirm Cb = f4(PKbx, PKax, Nb, 0) */
	assert_int_equal(bh_smp_f4(pkb, pka, nb, 0, cb), BH_OK);
	ASSERT_LE_EQ(cb, V_sc_just_works_captured_Cb);
	uint32_t g = 0;
	assert_int_equal(bh_smp_g2(pka, pkb, na, nb, &g), BH_OK);
	assert_int_equal(g, be32(V_sc_just_works_captured_g2_if_numeric_comparison_g2));
	assert_int_equal(g % 1000000, V_sc_just_works_captured_g2_if_numeric_comparison_six_digit);
}

static void test_p256_debug_key(void **state)
{
	(void)state;
	uint8_t priv[32], pub[64], exp[64], dh[32];
	LE(priv, V_p256_debug_key_private_key);
	bh_swap(exp, V_p256_debug_key_public_key_x, 32);
	bh_swap(exp + 32, V_p256_debug_key_public_key_y, 32);
	assert_memory_equal(priv, bh_smp_debug_priv, 32);
	assert_memory_equal(exp, bh_smp_debug_pub, 64);
	assert_int_equal(bh_smp_p256_public(priv, pub), BH_OK);
	assert_memory_equal(pub, exp, 64);
	assert_true(bh_smp_p256_is_debug_key(pub));
	assert_true(bh_smp_p256_public_valid(pub));
	assert_int_equal(bh_smp_p256_dhkey(priv, pub, dh), BH_OK);
	ASSERT_LE_EQ(dh, V_p256_debug_key_self_dhkey_dhkey);
}

#define ECDH_SET(i)                                                                              \
	do {                                                                                     \
		uint8_t pa[32], pb[32], qa[64], qb[64], q[64], d[32];                            \
		LE(pa, V_p256_ecdh_sample_data_sets_##i##_private_A);                            \
		LE(pb, V_p256_ecdh_sample_data_sets_##i##_private_B);                            \
		bh_swap(qa, V_p256_ecdh_sample_data_sets_##i##_public_A_x, 32);                  \
		bh_swap(qa + 32, V_p256_ecdh_sample_data_sets_##i##_public_A_y, 32);             \
		bh_swap(qb, V_p256_ecdh_sample_data_sets_##i##_public_B_x, 32);                  \
		bh_swap(qb + 32, V_p256_ecdh_sample_data_sets_##i##_public_B_y, 32);             \
		assert_int_equal(bh_smp_p256_public(pa, q), BH_OK);                              \
		assert_memory_equal(q, qa, 64);                                                  \
		assert_int_equal(bh_smp_p256_public(pb, q), BH_OK);                              \
		assert_memory_equal(q, qb, 64);                                                  \
		assert_int_equal(bh_smp_p256_dhkey(pa, qb, d), BH_OK);                           \
		ASSERT_LE_EQ(d, V_p256_ecdh_sample_data_sets_##i##_DHKey);                       \
		assert_int_equal(bh_smp_p256_dhkey(pb, qa, d), BH_OK);                           \
		ASSERT_LE_EQ(d, V_p256_ecdh_sample_data_sets_##i##_DHKey);                       \
	} while (0)

static void test_p256_ecdh_sample_data(void **state)
{
	(void)state;
	ECDH_SET(0);
	ECDH_SET(1);
}

static void check_invalid(const uint8_t *x, const uint8_t *y, bool on_curve)
{
	uint8_t pub[64], dh[32];
	bh_swap(pub, x, 32);
	bh_swap(pub + 32, y, 32);
	assert_int_equal(bh_smp_p256_public_valid(pub), on_curve);
	assert_int_equal(bh_smp_p256_dhkey(bh_smp_debug_priv, pub, dh), on_curve ? BH_OK : BH_EINVAL);
}

#define INV(i)                                                                                   \
	check_invalid(V_p256_invalid_public_keys_cases_##i##_x,                                  \
		      V_p256_invalid_public_keys_cases_##i##_y,                                  \
		      V_p256_invalid_public_keys_cases_##i##_on_curve)

static void test_p256_invalid_public_keys(void **state)
{
	(void)state;
	INV(0);
	INV(1);
	INV(2);
	INV(3);
	INV(4);
	/* y = p: the valid debug point's coordinates pushed out of range by p
	 * would be reduced by a lax parser; x = y = p must be refused too */
	check_invalid(V_p256_invalid_public_keys_curve_p, V_p256_invalid_public_keys_curve_p, false);
}

static void test_p256_private_out_of_range(void **state)
{
	(void)state;
	uint8_t priv[32], pub[64], dh[32];
	memset(priv, 0, 32);
	assert_int_equal(bh_smp_p256_public(priv, pub), BH_EINVAL);
	assert_int_equal(bh_smp_p256_dhkey(priv, bh_smp_debug_pub, dh), BH_EINVAL);
	memset(priv, 0xff, 32);
	assert_int_equal(bh_smp_p256_public(priv, pub), BH_EINVAL);
	/* p > n, so p is out of range as a scalar */
	LE(priv, V_p256_invalid_public_keys_curve_p);
	assert_int_equal(bh_smp_p256_public(priv, pub), BH_EINVAL);
}

/* The libcrypto-free range check of bh_smp_p256_keydraw must agree with
 * bh_smp_p256_public (libcrypto's BN compare) at and around both ends. */
static void test_p256_priv_valid_matches_libcrypto(void **state)
{
	(void)state;
	static const uint8_t n_le[32] = {
		0x51, 0x25, 0x63, 0xfc, 0xc2, 0xca, 0xb9, 0xf3, 0x84, 0x9e, 0x17,
		0xa7, 0xad, 0xfa, 0xe6, 0xbc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	};
	uint8_t cand[9][32], pub[64];
	memset(cand, 0, sizeof(cand));
	cand[1][0] = 1;                /* 1 */
	memcpy(cand[2], n_le, 32);     /* n */
	memcpy(cand[3], n_le, 32);
	cand[3][0] = 0x50;             /* n - 1 */
	memcpy(cand[4], n_le, 32);
	cand[4][0] = 0x52;             /* n + 1 */
	memset(cand[5], 0xff, 32);     /* 2^256 - 1 */
	memcpy(cand[6], n_le, 32);
	cand[6][31] = 0xfe;            /* below n in the top octet only */
	memcpy(cand[7], n_le, 32);
	cand[7][16] = 0x00;            /* an octet below n's, but a more */
	cand[7][24] = 0x01;            /* significant one above: > n */
	memcpy(cand[8], bh_smp_debug_priv, 32);
	for (int i = 0; i < 9; i++) {
		bool in_range = bh_smp_p256_public(cand[i], pub) == BH_OK;
		assert_int_equal(bh_smp_p256_priv_valid(cand[i]), in_range);
	}
	assert_false(bh_smp_p256_priv_valid(cand[0]));
	assert_true(bh_smp_p256_priv_valid(cand[3]));
	assert_false(bh_smp_p256_priv_valid(cand[2]));
	assert_false(bh_smp_p256_priv_valid(cand[7]));
	assert_false(bh_smp_p256_priv_valid(NULL));
}

/* keydraw + public is keygen: the same env sequence gives the same pair. */
static void test_p256_keydraw_is_keygen(void **state)
{
	(void)state;
	struct bh_xrand r1, r2;
	struct bh_env e1 = { .random = bh_xrand_fill, .random_ctx = &r1 };
	struct bh_env e2 = { .random = bh_xrand_fill, .random_ctx = &r2 };
	bh_xrand_seed(&r1, 7);
	bh_xrand_seed(&r2, 7);
	uint8_t a[32], pa[64], b[32], pb[64];
	assert_int_equal(bh_smp_p256_keygen(&e1, a, pa), BH_OK);
	assert_int_equal(bh_smp_p256_keydraw(&e2, b), BH_OK);
	assert_memory_equal(a, b, 32);
	assert_int_equal(bh_smp_p256_public(b, pb), BH_OK);
	assert_memory_equal(pa, pb, 64);
	assert_int_equal(bh_smp_p256_keydraw(NULL, b), BH_EINVAL);
}

static void test_p256_public_eq_reflection(void **state)
{
	(void)state;
	uint8_t mine[64];
	memcpy(mine, bh_smp_debug_pub, 64);
	assert_true(bh_smp_p256_public_eq(mine, bh_smp_debug_pub));
	mine[63] ^= 1;
	assert_false(bh_smp_p256_public_eq(mine, bh_smp_debug_pub));
	assert_false(bh_smp_p256_is_debug_key(mine));
	assert_false(bh_smp_p256_public_eq(NULL, mine));
}

static void test_p256_keygen_deterministic(void **state)
{
	(void)state;
	struct bh_xrand r1, r2, r3;
	struct bh_env e1 = { .random = bh_xrand_fill, .random_ctx = &r1 };
	struct bh_env e2 = { .random = bh_xrand_fill, .random_ctx = &r2 };
	struct bh_env e3 = { .random = bh_xrand_fill, .random_ctx = &r3 };
	bh_xrand_seed(&r1, 42);
	bh_xrand_seed(&r2, 42);
	bh_xrand_seed(&r3, 43);
	uint8_t a[32], pa[64], b[32], pb[64], c[32], pc[64], d1[32], d2[32];
	assert_int_equal(bh_smp_p256_keygen(&e1, a, pa), BH_OK);
	assert_int_equal(bh_smp_p256_keygen(&e2, b, pb), BH_OK);
	assert_memory_equal(a, b, 32);
	assert_memory_equal(pa, pb, 64);
	assert_int_equal(bh_smp_p256_keygen(&e3, c, pc), BH_OK);
	assert_memory_not_equal(a, c, 32);
	assert_true(bh_smp_p256_public_valid(pa));
	assert_true(bh_smp_p256_public_valid(pc));
	assert_int_equal(bh_smp_p256_dhkey(a, pc, d1), BH_OK);
	assert_int_equal(bh_smp_p256_dhkey(c, pa, d2), BH_OK);
	assert_memory_equal(d1, d2, 32);
}

/* A random source that replays a script of 32-octet draws. */
struct script {
	const uint8_t (*draws)[32];
	size_t n, next;
};

static void script_fill(void *ctx, uint8_t *out, size_t n)
{
	struct script *s = ctx;
	assert_int_equal(n, 32);
	memcpy(out, s->draws[s->next < s->n ? s->next : s->n - 1], 32);
	s->next++;
}

static void test_p256_keygen_retries_out_of_range(void **state)
{
	(void)state;
	uint8_t draws[3][32];
	memset(draws[0], 0xff, 32);			     /* >= n */
	memset(draws[1], 0x00, 32);			     /* zero */
	memcpy(draws[2], bh_smp_debug_priv, 32);	     /* valid */
	struct script s = { (const uint8_t (*)[32])draws, 3, 0 };
	struct bh_env env = { .random = script_fill, .random_ctx = &s };
	uint8_t priv[32], pub[64];
	assert_int_equal(bh_smp_p256_keygen(&env, priv, pub), BH_OK);
	assert_int_equal(s.next, 3);
	assert_memory_equal(priv, bh_smp_debug_priv, 32);
	assert_memory_equal(pub, bh_smp_debug_pub, 64);

	/* a source stuck at zero never yields a key: bounded, BH_EIO */
	struct script z = { (const uint8_t (*)[32])draws + 1, 1, 0 };
	env.random_ctx = &z;
	assert_int_equal(bh_smp_p256_keygen(&env, priv, pub), BH_EIO);
	assert_int_equal(z.next, 64);
}

static void test_null_arguments(void **state)
{
	(void)state;
	uint8_t b[80] = { 1 };
	assert_int_equal(bh_smp_e(NULL, b, b), BH_EINVAL);
	assert_int_equal(bh_smp_c1(b, b, b, b, 0, b, 0, NULL, b), BH_EINVAL);
	assert_int_equal(bh_smp_s1(b, NULL, b, b), BH_EINVAL);
	assert_int_equal(bh_smp_f4(b, b, NULL, 0, b), BH_EINVAL);
	assert_int_equal(bh_smp_f5(b, b, b, 0, b, 0, b, b, NULL), BH_EINVAL);
	assert_int_equal(bh_smp_f6(b, b, b, b, NULL, 0, b, 0, b, b), BH_EINVAL);
	assert_int_equal(bh_smp_g2(b, b, b, b, NULL), BH_EINVAL);
	assert_int_equal(bh_smp_h6(NULL, 1, b), BH_EINVAL);
	assert_int_equal(bh_smp_h7(b, NULL, b), BH_EINVAL);
	assert_int_equal(bh_smp_ah(b, b, NULL), BH_EINVAL);
	assert_int_equal(bh_smp_ltk_to_link_key(NULL, true, b), BH_EINVAL);
	assert_int_equal(bh_smp_link_key_to_ltk(b, false, NULL), BH_EINVAL);
	assert_int_equal(bh_smp_p256_keygen(NULL, b, b), BH_EINVAL);
	assert_int_equal(bh_smp_p256_public(NULL, b), BH_EINVAL);
	assert_int_equal(bh_smp_p256_dhkey(b, NULL, b), BH_EINVAL);
	assert_false(bh_smp_p256_public_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e_le_encryption_sample),
		cmocka_unit_test(test_c1),
		cmocka_unit_test(test_s1),
		cmocka_unit_test(test_f4),
		cmocka_unit_test(test_f5),
		cmocka_unit_test(test_f6),
		cmocka_unit_test(test_g2),
		cmocka_unit_test(test_h6_h7),
		cmocka_unit_test(test_ctkd),
		cmocka_unit_test(test_ah),
		cmocka_unit_test(test_legacy_captured),
		cmocka_unit_test(test_sc_just_works_captured),
		cmocka_unit_test(test_p256_debug_key),
		cmocka_unit_test(test_p256_ecdh_sample_data),
		cmocka_unit_test(test_p256_invalid_public_keys),
		cmocka_unit_test(test_p256_private_out_of_range),
		cmocka_unit_test(test_p256_public_eq_reflection),
		cmocka_unit_test(test_p256_keygen_deterministic),
		cmocka_unit_test(test_p256_priv_valid_matches_libcrypto),
		cmocka_unit_test(test_p256_keydraw_is_keygen),
		cmocka_unit_test(test_p256_keygen_retries_out_of_range),
		cmocka_unit_test(test_null_arguments),
	};
	return cmocka_run_group_tests_name("smp_crypto", tests, NULL, NULL);
}
