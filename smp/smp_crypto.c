/* SMP cryptographic toolbox and P-256 on OpenSSL's libcrypto.
 *
 * Everything outside this file is wire order (LSO first); AES and AES-CMAC
 * (<blehost/bh_crypto.h>) see MSO-first strings. The helpers below do the
 * reversal at the single boundary, so each spec function reads like its
 * definition in Vol 3, Part H, 2.2.
 */
#include <blehost/smp_crypto.h>

#include <string.h>

#include <openssl/obj_mac.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_crypto.h>
#include <blehost/bh_libcrypto.h>

/* Debug key pair, Vol 3, Part H, 2.3.5.6.1 (printed MSO first there). */
const uint8_t bh_smp_debug_priv[32] = {
	0xbd, 0x1a, 0x3c, 0xcd, 0xa6, 0xb8, 0x99, 0x58, 0x99, 0xb7, 0x40, 0xeb, 0x7b, 0x60, 0xff, 0x4a,
	0x50, 0x3f, 0x10, 0xd2, 0xe3, 0xb3, 0xc9, 0x74, 0x38, 0x5f, 0xc5, 0xa3, 0xd4, 0xf6, 0x49, 0x3f,
};
const uint8_t bh_smp_debug_pub[64] = {
	/* X */
	0xe6, 0x9d, 0x35, 0x0e, 0x48, 0x01, 0x03, 0xcc, 0xdb, 0xfd, 0xf4, 0xac, 0x11, 0x91, 0xf4, 0xef,
	0xb9, 0xa5, 0xf9, 0xe9, 0xa7, 0x83, 0x2c, 0x5e, 0x2c, 0xbe, 0x97, 0xf2, 0xd2, 0x03, 0xb0, 0x20,
	/* Y */
	0x8b, 0xd2, 0x89, 0x15, 0xd0, 0x8e, 0x1c, 0x74, 0x24, 0x30, 0xed, 0x8f, 0xc2, 0x45, 0x63, 0x76,
	0x5c, 0x15, 0x52, 0x5a, 0xbf, 0x9a, 0x32, 0x63, 0x6d, 0xeb, 0x2a, 0x65, 0x49, 0x9c, 0x80, 0xdc,
};

/* AES-CMAC (mac) or e (not mac: len is 16) with key, message and result in
 * wire order, the one place they are reversed. A CMAC message given in
 * wire order is the spec's MSO-first concatenation reversed as a whole,
 * which is exactly the fields concatenated in reverse order, each in wire
 * order. */
static bh_status crypt_le(const uint8_t k[16], const uint8_t *msg_le, size_t len, bool mac,
			  uint8_t out[16])
{
	uint8_t km[16], mm[80], om[16];
	if (len > sizeof(mm))
		return BH_EINVAL;
	bh_swap(km, k, 16);
	bh_swap(mm, msg_le, len);
	int rc = mac ? bh_aes_cmac(km, mm, len, om) : bh_aes128(km, mm, om);
	bh_cleanse(km, sizeof(km));
	bh_cleanse(mm, sizeof(mm));
	if (rc != 0)
		return BH_EIO;
	bh_swap(out, om, 16);
	return BH_OK;
}

/* e(k, in) with wire-order key, input and output. */
static bh_status aes_le(const uint8_t k[16], const uint8_t in[16], uint8_t out[16])
{
	return crypt_le(k, in, 16, false, out);
}

static bh_status cmac_le(const uint8_t k[16], const uint8_t *msg_le, size_t len, uint8_t out[16])
{
	return crypt_le(k, msg_le, len, true, out);
}

bh_status bh_smp_e(const uint8_t k[16], const uint8_t in[16], uint8_t out[16])
{
	if (!k || !in || !out)
		return BH_EINVAL;
	return aes_le(k, in, out);
}

bh_status bh_smp_c1(const uint8_t k[16], const uint8_t r[16], const uint8_t preq[7],
		    const uint8_t pres[7], uint8_t iat, const uint8_t ia[6], uint8_t rat,
		    const uint8_t ra[6], uint8_t out[16])
{
	if (!k || !r || !preq || !pres || !ia || !ra || !out)
		return BH_EINVAL;
	/* p1 = pres || preq || rat' || iat' (MSO first); in wire order the
	 * least significant octet is iat'. */
	uint8_t p1[16], p2[16], t[16];
	p1[0] = iat & 1;
	p1[1] = rat & 1;
	memcpy(p1 + 2, preq, 7);
	memcpy(p1 + 9, pres, 7);
	/* p2 = 32 zero bits || ia || ra (MSO first). */
	memcpy(p2, ra, 6);
	memcpy(p2 + 6, ia, 6);
	memset(p2 + 12, 0, 4);
	for (int i = 0; i < 16; i++)
		t[i] = r[i] ^ p1[i];
	bh_status st = aes_le(k, t, t);
	if (st)
		return st;
	for (int i = 0; i < 16; i++)
		t[i] ^= p2[i];
	return aes_le(k, t, out);
}

bh_status bh_smp_s1(const uint8_t k[16], const uint8_t r1[16], const uint8_t r2[16],
		    uint8_t out[16])
{
	if (!k || !r1 || !r2 || !out)
		return BH_EINVAL;
	/* r' = low 64 bits of r1 || low 64 bits of r2 (MSO first): r2's low
	 * half becomes the low half. */
	uint8_t rp[16];
	memcpy(rp, r2, 8);
	memcpy(rp + 8, r1, 8);
	return aes_le(k, rp, out);
}

bh_status bh_smp_f4(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], uint8_t z,
		    uint8_t out[16])
{
	if (!u || !v || !x || !out)
		return BH_EINVAL;
	uint8_t m[65];
	m[0] = z;
	memcpy(m + 1, v, 32);
	memcpy(m + 33, u, 32);
	return cmac_le(x, m, sizeof(m), out);
}

/* A1/A2 as 56 bits: type octet above the 48-bit address. */
static void put_addr56(uint8_t *p, uint8_t type, const uint8_t a[6])
{
	memcpy(p, a, 6);
	p[6] = type & 1;
}

bh_status bh_smp_f5(const uint8_t w[32], const uint8_t n1[16], const uint8_t n2[16],
		    uint8_t a1_type, const uint8_t a1[6], uint8_t a2_type, const uint8_t a2[6],
		    uint8_t mackey[16], uint8_t ltk[16])
{
	if (!w || !n1 || !n2 || !a1 || !a2 || !mackey || !ltk)
		return BH_EINVAL;
	/* SALT 6c888391 aaf5a538 60370bdb 5a6083be, wire order. */
	static const uint8_t salt[16] = { 0xbe, 0x83, 0x60, 0x5a, 0xdb, 0x0b, 0x37, 0x60,
					  0x38, 0xa5, 0xf5, 0xaa, 0x91, 0x83, 0x88, 0x6c };
	uint8_t t[16];
	bh_status st = cmac_le(salt, w, 32, t);
	if (st)
		return st;
	/* Counter || keyID 'btle' || N1 || N2 || A1 || A2 || Length 256, MSO
	 * first; built here in wire order (reversed field order). */
	uint8_t m[53];
	bh_put16(m, 256);
	put_addr56(m + 2, a2_type, a2);
	put_addr56(m + 9, a1_type, a1);
	memcpy(m + 16, n2, 16);
	memcpy(m + 32, n1, 16);
	bh_put32(m + 48, 0x62746c65u);
	m[52] = 0;
	st = cmac_le(t, m, sizeof(m), mackey);
	if (st == BH_OK) {
		m[52] = 1;
		st = cmac_le(t, m, sizeof(m), ltk);
	}
	bh_cleanse(t, sizeof(t));
	return st;
}

bh_status bh_smp_f6(const uint8_t w[16], const uint8_t n1[16], const uint8_t n2[16],
		    const uint8_t r[16], const uint8_t iocap[3], uint8_t a1_type,
		    const uint8_t a1[6], uint8_t a2_type, const uint8_t a2[6], uint8_t out[16])
{
	if (!w || !n1 || !n2 || !r || !iocap || !a1 || !a2 || !out)
		return BH_EINVAL;
	/* N1 || N2 || R || IOcap || A1 || A2, MSO first. IOcap printed MSO
	 * first is AuthReq || OOB || IO: the PDU's order reversed, so in wire
	 * order it is the PDU's three octets as they are. */
	uint8_t m[65];
	put_addr56(m, a2_type, a2);
	put_addr56(m + 7, a1_type, a1);
	memcpy(m + 14, iocap, 3);
	memcpy(m + 17, r, 16);
	memcpy(m + 33, n2, 16);
	memcpy(m + 49, n1, 16);
	return cmac_le(w, m, sizeof(m), out);
}

bh_status bh_smp_g2(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16],
		    const uint8_t y[16], uint32_t *out)
{
	if (!u || !v || !x || !y || !out)
		return BH_EINVAL;
	uint8_t m[80], mac[16];
	memcpy(m, y, 16);
	memcpy(m + 16, v, 32);
	memcpy(m + 48, u, 32);
	bh_status st = cmac_le(x, m, sizeof(m), mac);
	if (st)
		return st;
	*out = bh_get32(mac); /* mod 2^32: the four least significant octets */
	return BH_OK;
}

bh_status bh_smp_h6(const uint8_t w[16], uint32_t key_id, uint8_t out[16])
{
	if (!w || !out)
		return BH_EINVAL;
	uint8_t m[4];
	bh_put32(m, key_id);
	return cmac_le(w, m, sizeof(m), out);
}

bh_status bh_smp_h7(const uint8_t salt[16], const uint8_t w[16], uint8_t out[16])
{
	if (!salt || !w || !out)
		return BH_EINVAL;
	return cmac_le(salt, w, 16, out);
}

bh_status bh_smp_h7_id(uint32_t salt_id, const uint8_t w[16], uint8_t out[16])
{
	uint8_t salt[16] = { 0 };
	bh_put32(salt, salt_id);
	return bh_smp_h7(salt, w, out);
}

/* Cross-transport key derivation (Vol 3, Part H, 2.4.2.4 and 2.4.2.5): an
 * intermediate key h7(SALT id1, key) (or h6(key, id1) without CT2), then
 * h6(intermediate, id2). */
static bh_status ctkd(const uint8_t in[16], bool ct2, uint32_t id1, uint32_t id2, uint8_t out[16])
{
	if (!in || !out)
		return BH_EINVAL;
	uint8_t mid[16];
	bh_status st = ct2 ? bh_smp_h7_id(id1, in, mid) : bh_smp_h6(in, id1, mid);
	if (st == BH_OK)
		st = bh_smp_h6(mid, id2, out);
	bh_cleanse(mid, sizeof(mid));
	return st;
}

/* ILK from 'tmp1', then LinkKey from 'lebr'. */
bh_status bh_smp_ltk_to_link_key(const uint8_t ltk[16], bool ct2, uint8_t link_key[16])
{
	return ctkd(ltk, ct2, BH_SMP_KEYID_TMP1, BH_SMP_KEYID_LEBR, link_key);
}

/* ILTK from 'tmp2', then the LTK from 'brle'. */
bh_status bh_smp_link_key_to_ltk(const uint8_t link_key[16], bool ct2, uint8_t ltk[16])
{
	return ctkd(link_key, ct2, BH_SMP_KEYID_TMP2, BH_SMP_KEYID_BRLE, ltk);
}

bh_status bh_smp_ah(const uint8_t irk[16], const uint8_t r[3], uint8_t hash[3])
{
	if (!irk || !r || !hash)
		return BH_EINVAL;
	uint8_t rp[16] = { 0 }, o[16];
	memcpy(rp, r, 3);
	bh_status st = aes_le(irk, rp, o);
	if (st)
		return st;
	memcpy(hash, o, 3);
	return BH_OK;
}

/* ---- P-256 ---- */

/* The order n of P-256, wire (little-endian) order. */
static const uint8_t p256_order_le[32] = {
	0x51, 0x25, 0x63, 0xfc, 0xc2, 0xca, 0xb9, 0xf3, 0x84, 0x9e, 0x17, 0xa7, 0xad, 0xfa, 0xe6, 0xbc,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
};

/* The field prime p of P-256, wire order. */
static const uint8_t p256_prime_le[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
};

/* v < lim for wire-order 32-octet numbers, ORing v's octets into *any. The
 * range checks need no libcrypto (bh_smp_p256_keydraw runs at host start
 * and must not map the EC code). v - lim is taken with borrow over every
 * octet, so the time does not depend on where v first differs from lim. */
static bool below(const uint8_t v[32], const uint8_t lim[32], unsigned *any)
{
	unsigned borrow = 0;
	for (int i = 0; i < 32; i++) {
		unsigned d = (unsigned)v[i] - lim[i] - borrow;
		borrow = (d >> 8) & 1u;
		*any |= v[i];
	}
	return borrow; /* v - lim went below zero */
}

struct p256 {
	const struct bh_libcrypto *lc; /* NULL: libcrypto could not be loaded */
	EC_GROUP *grp;
};

/* BH_OK, BH_ENOTSUP without libcrypto, or BH_EIO if it failed. */
static bh_status p256_open(struct p256 *c)
{
	c->grp = NULL;
	c->lc = bh_libcrypto();
	if (!c->lc)
		return BH_ENOTSUP;
	c->grp = c->lc->EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	return c->grp ? BH_OK : BH_EIO;
}

static void p256_close(struct p256 *c)
{
	if (!c->lc)
		return;
	c->lc->EC_GROUP_free(c->grp);
}

/* BIGNUM from a wire-order (little-endian) 32-octet value. */
static BIGNUM *bn_le(const struct p256 *c, const uint8_t v[32])
{
	return c->lc->BN_lebin2bn(v, 32, NULL);
}

/* Point from wire-order X||Y after the checks of bh_smp_p256_public_valid,
 * or NULL. OpenSSL's set_affine_coordinates already refuses points off the
 * curve, but the range check against p is ours: OpenSSL would reduce. */
static EC_POINT *point_from(const struct p256 *c, const uint8_t pub[64])
{
	unsigned any = 0;
	if (!below(pub, p256_prime_le, &any) || !below(pub + 32, p256_prime_le, &any))
		return NULL;
	BIGNUM *x = bn_le(c, pub), *y = bn_le(c, pub + 32);
	EC_POINT *pt = NULL;
	if (!x || !y)
		goto out;
	pt = c->lc->EC_POINT_new(c->grp);
	if (!pt)
		goto out;
	if (!c->lc->EC_POINT_set_affine_coordinates(c->grp, pt, x, y, NULL) ||
	    c->lc->EC_POINT_is_at_infinity(c->grp, pt) ||
	    c->lc->EC_POINT_is_on_curve(c->grp, pt, NULL) != 1) {
		c->lc->EC_POINT_free(pt);
		pt = NULL;
	}
out:
	c->lc->BN_free(x);
	c->lc->BN_free(y);
	return pt;
}

/* Writes point pt as wire-order X||Y (or X only when y_too is false). */
static bool point_to(const struct p256 *c, const EC_POINT *pt, uint8_t *out, bool y_too)
{
	BIGNUM *x = c->lc->BN_new(), *y = c->lc->BN_new();
	bool ok = x && y && !c->lc->EC_POINT_is_at_infinity(c->grp, pt) &&
		  c->lc->EC_POINT_get_affine_coordinates(c->grp, pt, x, y, NULL) &&
		  c->lc->BN_bn2lebinpad(x, out, 32) == 32 &&
		  (!y_too || c->lc->BN_bn2lebinpad(y, out + 32, 32) == 32);
	c->lc->BN_clear_free(x);
	c->lc->BN_clear_free(y);
	return ok;
}

/* priv times the generator (peer NULL: our public key X||Y) or times the
 * peer's point (the DHKey, X only), into out in wire order. */
static bh_status p256_mul(const uint8_t priv[32], const uint8_t *peer_pub, uint8_t *out)
{
	struct p256 c;
	BIGNUM *d = NULL;
	EC_POINT *peer = NULL, *r = NULL;
	bh_status st = p256_open(&c);
	if (st != BH_OK)
		goto out;
	/* priv in [1, n-1]; the peer's point checked (CVE-2018-5383) */
	st = BH_EINVAL;
	if (!bh_smp_p256_priv_valid(priv) || !(d = bn_le(&c, priv)) ||
	    (peer_pub && !(peer = point_from(&c, peer_pub))))
		goto out;
	c.lc->BN_set_flags(d, BN_FLG_CONSTTIME);
	st = BH_EIO;
	r = c.lc->EC_POINT_new(c.grp);
	/* d times the generator, or d times the peer's point */
	if (r && c.lc->EC_POINT_mul(c.grp, r, peer ? NULL : d, peer, peer ? d : NULL, NULL) &&
	    point_to(&c, r, out, !peer))
		st = BH_OK;
out:
	if (c.lc) {
		c.lc->EC_POINT_free(r);
		c.lc->EC_POINT_free(peer);
		c.lc->BN_clear_free(d);
	}
	p256_close(&c);
	return st;
}

bh_status bh_smp_p256_public(const uint8_t priv[32], uint8_t pub[64])
{
	if (!priv || !pub)
		return BH_EINVAL;
	return p256_mul(priv, NULL, pub);
}

bool bh_smp_p256_priv_valid(const uint8_t priv[32])
{
	unsigned any = 0;
	return priv && below(priv, p256_order_le, &any) && any != 0;
}

bh_status bh_smp_p256_keydraw(const struct bh_env *env, uint8_t priv[32])
{
	if (!env || !priv)
		return BH_EINVAL;
	for (int tries = 0; tries < 64; tries++) {
		bh_random(env, priv, 32);
		if (bh_smp_p256_priv_valid(priv))
			return BH_OK;
	}
	bh_cleanse(priv, 32);
	return BH_EIO;
}

bh_status bh_smp_p256_keygen(const struct bh_env *env, uint8_t priv[32], uint8_t pub[64])
{
	if (!env || !priv || !pub)
		return BH_EINVAL;
	bh_status st = bh_smp_p256_keydraw(env, priv);
	if (st == BH_OK)
		st = bh_smp_p256_public(priv, pub);
	if (st != BH_OK)
		bh_cleanse(priv, 32);
	return st;
}

bool bh_smp_p256_public_valid(const uint8_t pub[64])
{
	if (!pub)
		return false;
	struct p256 c;
	bool ok = false;
	if (p256_open(&c) == BH_OK) {
		EC_POINT *pt = point_from(&c, pub);
		ok = pt != NULL;
		c.lc->EC_POINT_free(pt);
	}
	p256_close(&c);
	return ok;
}

bh_status bh_smp_p256_dhkey(const uint8_t priv[32], const uint8_t peer_pub[64],
			    uint8_t dhkey[32])
{
	if (!priv || !peer_pub || !dhkey)
		return BH_EINVAL;
	return p256_mul(priv, peer_pub, dhkey);
}

bool bh_smp_p256_public_eq(const uint8_t a[64], const uint8_t b[64])
{
	if (!a || !b)
		return false;
	return bh_ct_memcmp(a, b, 64) == 0;
}

bool bh_smp_p256_is_debug_key(const uint8_t pub[64])
{
	return bh_smp_p256_public_eq(pub, bh_smp_debug_pub);
}
