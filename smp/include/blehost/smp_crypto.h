/* SMP cryptographic toolbox (Core Vol 3, Part H, 2.2) and P-256 (2.3.5.6).
 *
 * BYTE ORDER: every value taken or returned here is in WIRE order, least
 * significant octet first, exactly as carried in SMP PDUs and HCI commands
 * (keys, randoms, confirm values, DHKey, public key coordinates, addresses).
 * The Core Specification prints the same values most significant octet first:
 * reverse a printed value (bh_swap) before handing it in. Functions whose
 * spec definition concatenates fields (c1, f5, f6) take each field as the PDU
 * carries it; the byte reordering the spec implies is done inside.
 *
 * All functions are pure (no state, no I/O) except keygen, which draws random
 * bytes from the injected bh_env so a replay is deterministic. Buffers are
 * read during the call only; outputs may not overlap inputs unless stated.
 * Every function returns BH_OK, BH_EINVAL (bad argument or invalid key) or
 * BH_EIO (libcrypto failed); outputs are unspecified on error.
 */
#ifndef BH_SMP_CRYPTO_H
#define BH_SMP_CRYPTO_H

#include <stdbool.h>
#include <stdint.h>

#include <blehost/bh_env.h>
#include <blehost/bh_err.h>

#define BH_SMP_KEY_LEN 16   /* keys, randoms, confirm values */
#define BH_P256_PRIV_LEN 32 /* private key d, wire order */
#define BH_P256_PUB_LEN 64  /* X (32, LSO first) || Y (32, LSO first), as in Pairing Public Key */
#define BH_P256_DHKEY_LEN 32

/* keyIDs for h6 and SALT names for h7 (Vol 3, Part H, 2.4.2.4/2.4.2.5),
 * given as the 32-bit number the spec prints ('lebr' = 0x6c656272). */
#define BH_SMP_KEYID_LEBR 0x6c656272u
#define BH_SMP_KEYID_BRLE 0x62726c65u
#define BH_SMP_KEYID_TMP1 0x746d7031u
#define BH_SMP_KEYID_TMP2 0x746d7032u

/* Security function e (2.2.1): AES-128 of in under k, all wire order.
 * Also the LE link's SK = e(LTK, SKD) (Vol 6, Part C, 1). out may equal in. */
bh_status bh_smp_e(const uint8_t k[16], const uint8_t in[16], uint8_t out[16]);

/* ---- LE legacy pairing ---- */

/* c1 confirm value (2.2.3). preq/pres: the 7-octet Pairing Request/Response
 * PDUs exactly as sent (code octet first). iat/rat: address types (0 public,
 * 1 random; only bit 0 is used). ia/ra: initiator/responder addresses. */
bh_status bh_smp_c1(const uint8_t k[16], const uint8_t r[16], const uint8_t preq[7],
		    const uint8_t pres[7], uint8_t iat, const uint8_t ia[6], uint8_t rat,
		    const uint8_t ra[6], uint8_t out[16]);

/* s1 STK generation (2.2.4): STK = s1(TK, Srand, Mrand) -> r1 = Srand, r2 = Mrand. */
bh_status bh_smp_s1(const uint8_t k[16], const uint8_t r1[16], const uint8_t r2[16],
		    uint8_t out[16]);

/* ---- LE Secure Connections ---- */

/* f4(U, V, X, Z) = AES-CMAC_X(U || V || Z) (2.2.6). U, V: public key X coordinates. */
bh_status bh_smp_f4(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], uint8_t z,
		    uint8_t out[16]);

/* f5(W, N1, N2, A1, A2) -> MacKey, LTK (2.2.7). W: DHKey. A1/A2: address type
 * (0 public, 1 random) and address of the initiator/responder. */
bh_status bh_smp_f5(const uint8_t w[32], const uint8_t n1[16], const uint8_t n2[16],
		    uint8_t a1_type, const uint8_t a1[6], uint8_t a2_type, const uint8_t a2[6],
		    uint8_t mackey[16], uint8_t ltk[16]);

/* f6(W, N1, N2, R, IOcap, A1, A2) (2.2.8). iocap: the three octets as the
 * Pairing Request/Response carry them: [0] IO Capability, [1] OOB data flag,
 * [2] AuthReq. */
bh_status bh_smp_f6(const uint8_t w[16], const uint8_t n1[16], const uint8_t n2[16],
		    const uint8_t r[16], const uint8_t iocap[3], uint8_t a1_type,
		    const uint8_t a1[6], uint8_t a2_type, const uint8_t a2[6], uint8_t out[16]);

/* g2(U, V, X, Y) (2.2.9): the 32-bit value; the 6-digit numeric comparison
 * value is *out % 1000000. */
bh_status bh_smp_g2(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16],
		    const uint8_t y[16], uint32_t *out);

/* h6(W, keyID) = AES-CMAC_W(keyID) (2.2.10). */
bh_status bh_smp_h6(const uint8_t w[16], uint32_t key_id, uint8_t out[16]);

/* h7(SALT, W) = AES-CMAC_SALT(W) (2.2.11). salt in wire order; use
 * bh_smp_h7_id() for the 'tmp1'/'tmp2' salts. */
bh_status bh_smp_h7(const uint8_t salt[16], const uint8_t w[16], uint8_t out[16]);
/* h7 with SALT = 96 zero bits || id (e.g. BH_SMP_KEYID_TMP1). */
bh_status bh_smp_h7_id(uint32_t salt_id, const uint8_t w[16], uint8_t out[16]);

/* Cross-transport key derivation (2.4.2.4/2.4.2.5); ct2 selects h7 (true) or h6. */
bh_status bh_smp_ltk_to_link_key(const uint8_t ltk[16], bool ct2, uint8_t link_key[16]);
bh_status bh_smp_link_key_to_ltk(const uint8_t link_key[16], bool ct2, uint8_t ltk[16]);

/* ---- Privacy ---- */

/* ah(k, r) (2.2.2): hash = e(k, 104 zero bits || r) mod 2^24. r and hash are
 * 3 octets, wire order (r[2] holds the two "01" bits of an RPA's prand). */
bh_status bh_smp_ah(const uint8_t irk[16], const uint8_t r[3], uint8_t hash[3]);

/* ---- P-256 (FIPS 186 curve secp256r1) ---- */

/* Draws 32 random octets from env into a candidate private key and keeps it
 * if it lies in [1, n-1]; otherwise draws again (at most 64 times, then
 * BH_EIO: a random source that never yields a valid scalar is broken).
 * Writes the key pair. Same env sequence -> same key pair. */
bh_status bh_smp_p256_keygen(const struct bh_env *env, uint8_t priv[32], uint8_t pub[64]);

/* The draw of bh_smp_p256_keygen alone: the same env sequence gives the same
 * private key, and no libcrypto EC code runs (bh_smp_new draws at start and
 * computes the public key only when a pairing or OOB data first needs it). */
bh_status bh_smp_p256_keydraw(const struct bh_env *env, uint8_t priv[32]);

/* True if priv (wire order) lies in [1, n-1], n the order of P-256. */
bool bh_smp_p256_priv_valid(const uint8_t priv[32]);

/* Public key of a private key; BH_EINVAL if priv is 0 or >= n. */
bh_status bh_smp_p256_public(const uint8_t priv[32], uint8_t pub[64]);

/* True if pub is a valid P-256 point: both coordinates < p, on the curve
 * y^2 = x^3 - 3x + b, not the point at infinity. Peer keys MUST pass this
 * before use (CVE-2018-5383); bh_smp_p256_dhkey checks it too. */
bool bh_smp_p256_public_valid(const uint8_t pub[64]);

/* DHKey = X coordinate of priv * peer_pub. BH_EINVAL if peer_pub is invalid
 * (see above) or priv out of range. */
bh_status bh_smp_p256_dhkey(const uint8_t priv[32], const uint8_t peer_pub[64],
			    uint8_t dhkey[32]);

/* Constant-time compare of two public keys: a peer that sends back our own
 * public key is reflecting (CVE-2020-26558) and must be refused. */
bool bh_smp_p256_public_eq(const uint8_t a[64], const uint8_t b[64]);

/* The Secure Connections debug key pair (Vol 3, Part H, 2.3.5.6.1), wire order. */
extern const uint8_t bh_smp_debug_priv[32];
extern const uint8_t bh_smp_debug_pub[64];
/* True if pub is the debug public key: a production host refuses or flags it. */
bool bh_smp_p256_is_debug_key(const uint8_t pub[64]);

#endif
