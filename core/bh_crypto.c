#include <blehost/bh_crypto.h>

#include <blehost/bh_err.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

int bh_aes128(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) &&
			EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, out, &n, in, 16) &&
			n == 16;
	EVP_CIPHER_CTX_free(c);
	return ok ? BH_OK : BH_EIO;
}

int bh_aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	char cipher[] = "AES-128-CBC";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
		OSSL_PARAM_construct_end(),
	};
	size_t outl = 0;
	int ok = c && EVP_MAC_init(c, key, 16, params) && EVP_MAC_update(c, msg, len) &&
		 EVP_MAC_final(c, out, &outl, 16) && outl == 16;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
	return ok ? BH_OK : BH_EIO;
}
