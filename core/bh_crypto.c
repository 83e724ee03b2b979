#include <blehost/bh_crypto.h>

#include <blehost/bh_err.h>

/* libcrypto's AES block functions, not EVP: an EVP cipher in OpenSSL 3
 * first initialises the library (reads openssl.cnf, loads the default
 * provider, builds its algorithm tables). That kept ~250 KB of heap for the
 * life of the process and touched about 1.5 MB of libcrypto's pages, in
 * every process whose GATT server computes its Database Hash (a CMAC;
 * bench/README.md, heap and peak RSS). AES_encrypt allocates nothing.
 * These functions are deprecated in 3.0 but still exported; they are the
 * same library, so the RFC 4493 and Core Specification vectors in the
 * smp_crypto suite still check them. libcrypto itself is loaded on the
 * first call (<blehost/bh_libcrypto.h>): BH_ENOTSUP if it cannot be. */
#include <blehost/bh_libcrypto.h>

#include <string.h>

int bh_aes128(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	const struct bh_libcrypto *lc = bh_libcrypto_sym();
	if (!lc)
		return BH_ENOTSUP;
	AES_KEY k;
	if (lc->AES_set_encrypt_key(key, 128, &k) != 0)
		return BH_EIO;
	lc->AES_encrypt(in, out, &k);
	bh_cleanse(&k, sizeof(k));
	return BH_OK;
}

/* K1/K2 subkey step of RFC 4493, 2.3: shift left one bit, and fold the
 * carry back in with the polynomial's constant. */
static void cmac_double(uint8_t b[16])
{
	uint8_t carry = b[0] & 0x80;
	for (int i = 0; i < 15; i++)
		b[i] = (uint8_t)(b[i] << 1 | b[i + 1] >> 7);
	b[15] = (uint8_t)(b[15] << 1);
	if (carry)
		b[15] ^= 0x87;
}

/* AES-CMAC (RFC 4493; Vol 3, Part H, 2.2.5) on one AES-128 key schedule.
 * Not through EVP_MAC: fetching the CMAC algorithm costs millions of
 * instructions per call (provider lookups), more than the MAC itself. */
int bh_aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
	const struct bh_libcrypto *lc = bh_libcrypto_sym();
	if (!lc)
		return BH_ENOTSUP;
	AES_KEY c;
	uint8_t k[16] = { 0 }, x[16] = { 0 }, blk[16];
	if (lc->AES_set_encrypt_key(key, 128, &c) != 0)
		return BH_EIO;
	lc->AES_encrypt(k, k, &c);
	cmac_double(k); /* K1 */
	/* Every block but the last goes through the chain as is. */
	size_t full = len ? (len - 1) / 16 : 0;
	for (size_t b = 0; b < full; b++) {
		for (int i = 0; i < 16; i++)
			x[i] ^= msg[16 * b + i];
		lc->AES_encrypt(x, x, &c);
	}
	size_t rest = len - 16 * full;
	memset(blk, 0, sizeof(blk));
	if (rest)
		memcpy(blk, msg + 16 * full, rest);
	if (rest < 16) {
		blk[rest] = 0x80; /* padded: K2 */
		cmac_double(k);
	}
	for (int i = 0; i < 16; i++)
		x[i] ^= blk[i] ^ k[i];
	lc->AES_encrypt(x, out, &c);
	bh_cleanse(&c, sizeof(c));
	bh_cleanse(k, sizeof(k));
	return BH_OK;
}

const char *bh_crypto_error(void)
{
	return bh_libcrypto_error();
}
