#include <blehost/bh_crypto.h>

#include <blehost/bh_err.h>

#include <openssl/evp.h>

#include <string.h>

int bh_aes128(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) &&
			EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, out, &n, in, 16) &&
			n == 16;
	EVP_CIPHER_CTX_free(c);
	return ok ? BH_OK : BH_EIO;
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

/* AES-CMAC (RFC 4493; Vol 3, Part H, 2.2.5) on one AES-128-ECB context.
 * Not through EVP_MAC: fetching the CMAC algorithm costs millions of
 * instructions per call (provider lookups), more than the MAC itself. */
int bh_aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t k[16] = { 0 }, x[16] = { 0 }, blk[16];
	int n = 0;
	int ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) &&
		 EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, k, &n, k, 16) && n == 16;
	cmac_double(k); /* K1 */
	/* Every block but the last goes through the chain as is. */
	size_t full = len ? (len - 1) / 16 : 0;
	for (size_t b = 0; ok && b < full; b++) {
		for (int i = 0; i < 16; i++)
			x[i] ^= msg[16 * b + i];
		ok = EVP_EncryptUpdate(c, x, &n, x, 16) && n == 16;
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
	ok = ok && EVP_EncryptUpdate(c, out, &n, x, 16) && n == 16;
	EVP_CIPHER_CTX_free(c);
	return ok ? BH_OK : BH_EIO;
}
