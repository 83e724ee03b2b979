/* libcrypto loaded on first use; see <blehost/bh_libcrypto.h>. */
#include <blehost/bh_libcrypto.h>

#include <blehost/bh_dl.h>
#include <blehost/bh_err.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define SYM(name) { #name, offsetof(struct bh_libcrypto, name), false }
static const struct bh_dl_sym syms[] = {
	SYM(AES_set_encrypt_key),
	SYM(AES_encrypt),
	SYM(BN_new),
	SYM(BN_free),
	SYM(BN_clear_free),
	SYM(BN_set_flags),
	SYM(BN_lebin2bn),
	SYM(BN_bn2lebinpad),
	SYM(EC_GROUP_new_by_curve_name),
	SYM(EC_GROUP_free),
	SYM(EC_POINT_new),
	SYM(EC_POINT_free),
	SYM(EC_POINT_mul),
	SYM(EC_POINT_is_at_infinity),
	SYM(EC_POINT_is_on_curve),
	SYM(EC_POINT_set_affine_coordinates),
	SYM(EC_POINT_get_affine_coordinates),
	SYM(SHA256_Init),
	SYM(SHA256_Update),
	SYM(SHA256_Final),
	SYM(CRYPTO_memcmp),
};
#undef SYM

/* Every member must have a row above: a forgotten one would stay NULL. */
_Static_assert(sizeof(syms) / sizeof(syms[0]) * sizeof(void (*)(void)) ==
		       sizeof(struct bh_libcrypto),
	       "struct bh_libcrypto and syms[] disagree");

int bh_libcrypto_load(const char *soname, struct bh_libcrypto *out, void **handle, char *err,
		      size_t errlen)
{
	const char *missing, *why;
	int rc = bh_dl_load(soname, syms, sizeof(syms) / sizeof(syms[0]), out, sizeof(*out),
			    handle, &missing, &why);
	if (rc && err && errlen) {
		if (missing)
			snprintf(err, errlen, "crypto: %s has no %s: not OpenSSL 3's libcrypto",
				 soname, missing);
		else
			snprintf(err, errlen, "crypto: cannot load %s (%s); install libssl3", soname,
				 why);
	}
	return rc;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct bh_libcrypto table;
static int load_rc;
static char load_err[256];

static void load_once(void)
{
	void *h; /* kept for the process's life: keys and contexts may outlive any caller */
	load_rc = bh_libcrypto_load(BH_LIBCRYPTO_SONAME, &table, &h, load_err, sizeof(load_err));
}

const struct bh_libcrypto *bh_libcrypto(void)
{
	pthread_once(&once, load_once);
	return load_rc ? NULL : &table;
}

const char *bh_libcrypto_error(void)
{
	pthread_once(&once, load_once);
	return load_rc ? load_err : NULL;
}

#ifdef BH_LIBCRYPTO_STATIC
/* libcrypto.a's own functions: the same code as libcrypto.so.3's, without
 * mapping that library (its relocations and symbol tables are most of a
 * small process's peak RSS; bench/README.md). */
static const struct bh_libcrypto linked = {
	.AES_set_encrypt_key = AES_set_encrypt_key,
	.AES_encrypt = AES_encrypt,
	.SHA256_Init = SHA256_Init,
	.SHA256_Update = SHA256_Update,
	.SHA256_Final = SHA256_Final,
	.CRYPTO_memcmp = CRYPTO_memcmp,
};
#endif

const struct bh_libcrypto *bh_libcrypto_sym(void)
{
#ifdef BH_LIBCRYPTO_STATIC
	return &linked;
#else
	return bh_libcrypto();
#endif
}

int bh_ct_memcmp(const void *a, const void *b, size_t n)
{
	const struct bh_libcrypto *lc = bh_libcrypto_sym();
	return lc ? lc->CRYPTO_memcmp(a, b, n) : -1;
}

void bh_cleanse(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}
