/* Internal to libblehost (not installed): OpenSSL's libcrypto, loaded with
 * dlopen the first time the stack needs a cryptographic function (AES for
 * SMP, privacy or the GATT Database Hash; P-256 for LE Secure Connections;
 * SHA-256 for the bond store). Linking libcrypto made every process map it
 * and run its ~17,000 relocations at start, about 1.45 MB of peak RSS
 * (bench/README.md), even a process that never pairs or hashes.
 * The functions are libcrypto's own, called through the table. With
 * -Dlibcrypto_static=true AES, SHA-256 and CRYPTO_memcmp are libcrypto.a's,
 * linked in (bh_libcrypto_sym), and only P-256 loads libcrypto.so.3. */
#ifndef BH_LIBCRYPTO_H
#define BH_LIBCRYPTO_H

#include <stddef.h>

#define OPENSSL_SUPPRESS_DEPRECATED /* AES_*, SHA256_*: see core/bh_crypto.c */
#include <openssl/aes.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#define BH_LIBCRYPTO_SONAME "libcrypto.so.3"

/* One member per function, named and typed as libcrypto declares it. */
#define BH_LIBCRYPTO_FN(name) __typeof__(&name) name
struct bh_libcrypto {
	BH_LIBCRYPTO_FN(AES_set_encrypt_key);
	BH_LIBCRYPTO_FN(AES_encrypt);
	BH_LIBCRYPTO_FN(BN_new);
	BH_LIBCRYPTO_FN(BN_free);
	BH_LIBCRYPTO_FN(BN_clear_free);
	BH_LIBCRYPTO_FN(BN_set_flags);
	BH_LIBCRYPTO_FN(BN_lebin2bn);
	BH_LIBCRYPTO_FN(BN_bn2lebinpad);
	BH_LIBCRYPTO_FN(EC_GROUP_new_by_curve_name);
	BH_LIBCRYPTO_FN(EC_GROUP_free);
	BH_LIBCRYPTO_FN(EC_POINT_new);
	BH_LIBCRYPTO_FN(EC_POINT_free);
	BH_LIBCRYPTO_FN(EC_POINT_mul);
	BH_LIBCRYPTO_FN(EC_POINT_is_at_infinity);
	BH_LIBCRYPTO_FN(EC_POINT_is_on_curve);
	BH_LIBCRYPTO_FN(EC_POINT_set_affine_coordinates);
	BH_LIBCRYPTO_FN(EC_POINT_get_affine_coordinates);
	/* SHA-256 for the bond store: the low-level functions, like AES, since
	 * EVP_Digest's first use initialises OpenSSL 3's providers (~2 MB of
	 * peak RSS at the start of every host with a store; bench/README.md). */
	BH_LIBCRYPTO_FN(SHA256_Init);
	BH_LIBCRYPTO_FN(SHA256_Update);
	BH_LIBCRYPTO_FN(SHA256_Final);
	BH_LIBCRYPTO_FN(CRYPTO_memcmp);
};
#undef BH_LIBCRYPTO_FN

/* The table, loaded once per process (thread-safe); NULL if libcrypto
 * cannot be loaded or lacks a function. Then every caller fails its
 * operation (BH_ENOTSUP where it returns a status) and
 * bh_libcrypto_error() names the library or the missing function. */
const struct bh_libcrypto *bh_libcrypto(void);
const char *bh_libcrypto_error(void);

/* The table for AES, SHA-256 and CRYPTO_memcmp only (the other members may
 * be NULL): bh_libcrypto() in a default build; with -Dlibcrypto_static=true
 * those three come from libcrypto.a, linked in, and no libcrypto.so.3 is
 * loaded for them (never NULL then). */
const struct bh_libcrypto *bh_libcrypto_sym(void);

/* The loader behind bh_libcrypto(), for tests: fills *out from soname.
 * Returns 0, or BH_ENOTSUP with the reason in err. The library stays
 * loaded on success (*handle, for dlclose) and is closed on failure. */
int bh_libcrypto_load(const char *soname, struct bh_libcrypto *out, void **handle, char *err,
		      size_t errlen);

/* CRYPTO_memcmp through the table (constant time); when libcrypto is not
 * there, "different": every caller compares a secret-derived value it
 * could not have computed anyway, so this fails closed. */
int bh_ct_memcmp(const void *a, const void *b, size_t n);

/* Wipes key material; needs no libcrypto (explicit_bzero, which the
 * compiler may not drop, as OPENSSL_cleanse). */
void bh_cleanse(void *p, size_t n);

#endif
