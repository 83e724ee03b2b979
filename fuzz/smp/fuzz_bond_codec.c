/* libFuzzer target: the bond store's file decoder (smp/bond_codec.c), which
 * reads whatever is in the store directory at start-up. Its SHA-256
 * checksum line would stop almost every input at the first check, so the
 * first input octet chooses how the rest is presented: as it is (the
 * checksum path), or sealed with a correct checksum line (a torn write
 * cannot do that, a re-sealed hand edit can), optionally after the right
 * magic line, so the line parser and the field checks are reached. What
 * decodes must encode again and decode to the same bond, octet for octet. */
#include "bond_codec.h"

#include <openssl/sha.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SEAL = 1, MAGIC = 2, LOCAL = 4 };

/* [magic line] body ["checksum=<64 hex>\n"] in a buffer of exactly that
 * length, so a read past the file trips ASan. */
static uint8_t *present(uint8_t how, const uint8_t *body, size_t n, size_t *len)
{
	const char *magic = (how & LOCAL) ? "blehost-local-identity v1\n" : "blehost-bond v1\n";
	size_t ml = (how & MAGIC) ? strlen(magic) : 0;
	size_t total = ml + n + ((how & SEAL) ? 74 : 0);
	uint8_t *f = malloc(total ? total : 1);
	if (!f)
		return NULL;
	memcpy(f, magic, ml);
	memcpy(f + ml, body, n);
	*len = ml + n;
	if (how & SEAL) {
		uint8_t d[SHA256_DIGEST_LENGTH];
		SHA256(f, *len, d);
		static const char hx[] = "0123456789abcdef";
		memcpy(f + *len, "checksum=", 9);
		for (size_t i = 0; i < 32; i++) {
			f[*len + 9 + 2 * i] = (uint8_t)hx[d[i] >> 4];
			f[*len + 10 + 2 * i] = (uint8_t)hx[d[i] & 15];
		}
		f[*len + 73] = '\n';
		*len += 74;
	}
	return f;
}

static void bond_round_trip(const uint8_t *f, size_t len)
{
	static struct bh_bond a, b;
	static char out[BH_BOND_FILE_MAX];
	if (bh_bond_decode(f, len, &a) != BH_OK)
		return;
	size_t n;
	if (!bh_bond_encode(&a, out, sizeof(out), &n) ||
	    bh_bond_decode((const uint8_t *)out, n, &b) != BH_OK || memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
}

static void local_round_trip(const uint8_t *f, size_t len)
{
	struct bh_local_identity a, b;
	char out[512];
	if (bh_local_identity_decode(f, len, &a) != BH_OK)
		return;
	size_t n;
	if (!bh_local_identity_encode(&a, out, sizeof(out), &n) ||
	    bh_local_identity_decode((const uint8_t *)out, n, &b) != BH_OK ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > BH_BOND_FILE_MAX)
		return 0;
	size_t len;
	uint8_t *f = present(data[0], data + 1, size - 1, &len);
	if (!f)
		return 0;
	if (data[0] & LOCAL)
		local_round_trip(f, len);
	else
		bond_round_trip(f, len);
	free(f);
	return 0;
}
