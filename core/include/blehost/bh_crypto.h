/* The two block-cipher primitives the stack shares (SMP's toolbox and the
 * GATT Database Hash), from OpenSSL's libcrypto: never hand-rolled.
 * All byte strings here are in the Core Specification's printed order,
 * most-significant octet first, as AES sees them. Callers holding wire
 * (little-endian) values swap with bh_swap(). */
#ifndef BH_CRYPTO_H
#define BH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* out = AES-128(key, in). Returns 0, BH_EIO if libcrypto failed, or
 * BH_ENOTSUP if it could not be loaded (bh_crypto_error() says why). */
int bh_aes128(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
/* out = AES-CMAC(key, msg) (RFC 4493). Returns as bh_aes128. */
int bh_aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16]);
/* Why libcrypto (loaded on first use) cannot be used: names the library or
 * the missing function. NULL when it loaded. */
const char *bh_crypto_error(void);

#endif
