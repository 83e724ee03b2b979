/* SMP PDU encoding and decoding (Core Vol 3, Part H, 3.3 - 3.6): pure
 * functions on byte arrays, no state. Internal to smp/. */
#ifndef BH_SMP_PDU_H
#define BH_SMP_PDU_H

#include <blehost/bh_addr.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMP_MAX_PDU 65 /* Pairing Public Key: code + 64 */

/* SMP command codes (3.3, Table 3.3). */
enum smp_code {
	SMP_PAIRING_REQ = 0x01,
	SMP_PAIRING_RSP = 0x02,
	SMP_PAIRING_CONFIRM = 0x03,
	SMP_PAIRING_RANDOM = 0x04,
	SMP_PAIRING_FAILED = 0x05,
	SMP_ENC_INFO = 0x06,
	SMP_CENTRAL_IDENT = 0x07,
	SMP_IDENTITY_INFO = 0x08,
	SMP_IDENTITY_ADDR_INFO = 0x09,
	SMP_SIGNING_INFO = 0x0a,
	SMP_SECURITY_REQ = 0x0b,
	SMP_PUBLIC_KEY = 0x0c,
	SMP_DHKEY_CHECK = 0x0d,
	SMP_KEYPRESS = 0x0e,
	SMP_CODE_MAX_ = 0x0e,
};
const char *smp_code_str(uint8_t code);

/* AuthReq bits (3.5.1). */
#define SMP_AUTH_BONDING 0x01
#define SMP_AUTH_MITM 0x04
#define SMP_AUTH_SC 0x08
#define SMP_AUTH_KEYPRESS 0x10
#define SMP_AUTH_CT2 0x20

/* Pairing Request / Response body (3.5.1, 3.5.2). */
struct smp_pairing {
	uint8_t io_cap;
	uint8_t oob;
	uint8_t authreq;
	uint8_t max_key_size;
	uint8_t init_dist;
	uint8_t resp_dist;
};

struct smp_pdu {
	uint8_t code;
	union {
		struct smp_pairing pairing;  /* REQ, RSP */
		uint8_t v16[16];             /* CONFIRM, RANDOM, ENC_INFO, IDENTITY_INFO,
						SIGNING_INFO, DHKEY_CHECK */
		uint8_t reason;              /* FAILED */
		struct {
			uint16_t ediv;
			uint8_t rand[8];
		} central_ident;             /* CENTRAL_IDENT */
		bh_addr id_addr;             /* IDENTITY_ADDR_INFO */
		uint8_t authreq;             /* SECURITY_REQ */
		uint8_t pubkey[64];          /* PUBLIC_KEY: X || Y, LSO first */
		uint8_t keypress;            /* KEYPRESS */
	} u;
};

/* Minimum length (code octet included) of a PDU with this code, 0 if the
 * code is reserved. */
size_t smp_pdu_min_len(uint8_t code);

/* Parses buf through a bh_rd. Returns 0, or the Pairing Failed reason the
 * input deserves: Command Not Supported (0x07) for a reserved code, Invalid
 * Parameters (0x0a) for a short PDU or an invalid field (identity address
 * type). Octets past the PDU's length are ignored (later spec versions may
 * extend PDUs). out->code is set whenever len >= 1. */
uint8_t smp_pdu_decode(const uint8_t *buf, size_t len, struct smp_pdu *out);

/* Writes p into buf (cap >= SMP_MAX_PDU is always enough). Returns the
 * length, or 0 for an unknown code or a too small buffer. */
size_t smp_pdu_encode(const struct smp_pdu *p, uint8_t *buf, size_t cap);

#endif
