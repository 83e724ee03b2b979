/* SMP PDU codec (Core Vol 3, Part H, 3.3 - 3.6). Nothing from the peer is
 * read before its per-code minimum length is checked, so no input can make
 * the decoder read out of bounds. */
#include "smp_pdu.h"

#include <blehost/bh_bytes.h>
#include <blehost/smp.h>

#include <stddef.h>
#include <string.h>

/* Two tables, not one of pairs: the names serve debug messages only, so a
 * build that leaves those out (-Dlog_level) drops them and keeps the
 * lengths. */
static const uint8_t min_lens[SMP_CODE_MAX_ + 1] = { /* code octet included */
	[SMP_PAIRING_REQ] = 7,         /* 3.5.1 */
	[SMP_PAIRING_RSP] = 7,         /* 3.5.2 */
	[SMP_PAIRING_CONFIRM] = 17,    /* 3.5.3 */
	[SMP_PAIRING_RANDOM] = 17,     /* 3.5.4 */
	[SMP_PAIRING_FAILED] = 2,      /* 3.5.5 */
	[SMP_ENC_INFO] = 17,           /* 3.6.2 */
	[SMP_CENTRAL_IDENT] = 11,      /* 3.6.3 */
	[SMP_IDENTITY_INFO] = 17,      /* 3.6.4 */
	[SMP_IDENTITY_ADDR_INFO] = 8,  /* 3.6.5 */
	[SMP_SIGNING_INFO] = 17,       /* 3.6.6 */
	[SMP_SECURITY_REQ] = 2,        /* 3.6.7 */
	[SMP_PUBLIC_KEY] = 65,         /* 3.5.6 */
	[SMP_DHKEY_CHECK] = 17,        /* 3.5.7 */
	[SMP_KEYPRESS] = 2,            /* 3.5.8 */
};

static const char *const names[SMP_CODE_MAX_ + 1] = {
	[SMP_PAIRING_REQ] = "Pairing Request",
	[SMP_PAIRING_RSP] = "Pairing Response",
	[SMP_PAIRING_CONFIRM] = "Pairing Confirm",
	[SMP_PAIRING_RANDOM] = "Pairing Random",
	[SMP_PAIRING_FAILED] = "Pairing Failed",
	[SMP_ENC_INFO] = "Encryption Information",
	[SMP_CENTRAL_IDENT] = "Central Identification",
	[SMP_IDENTITY_INFO] = "Identity Information",
	[SMP_IDENTITY_ADDR_INFO] = "Identity Address Information",
	[SMP_SIGNING_INFO] = "Signing Information",
	[SMP_SECURITY_REQ] = "Security Request",
	[SMP_PUBLIC_KEY] = "Pairing Public Key",
	[SMP_DHKEY_CHECK] = "Pairing DHKey Check",
	[SMP_KEYPRESS] = "Keypress Notification",
};

const char *smp_code_str(uint8_t code)
{
	if (code <= SMP_CODE_MAX_ && names[code])
		return names[code];
	return "Reserved";
}

size_t smp_pdu_min_len(uint8_t code)
{
	return code <= SMP_CODE_MAX_ ? min_lens[code] : 0;
}

/* The union holds each PDU's parameters as they are on the wire (a
 * bh_addr is its type octet, then the address), so either direction is one
 * copy of the PDU's fixed length; only Central Identification's EDIV is a
 * host integer. */
_Static_assert(sizeof(struct smp_pairing) == 6 && offsetof(bh_addr, val) == 1 &&
		       offsetof(struct smp_pdu, u.central_ident.rand) -
				       offsetof(struct smp_pdu, u.central_ident.ediv) ==
			       2,
	       "struct smp_pdu's union is not in wire order");

uint8_t smp_pdu_decode(const uint8_t *buf, size_t len, struct smp_pdu *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 1)
		return BH_SMP_ERR_INVALID_PARAMS;
	out->code = buf[0];
	size_t min = smp_pdu_min_len(out->code);
	if (min == 0)
		return BH_SMP_ERR_CMD_NOT_SUPPORTED;
	if (len < min)
		return BH_SMP_ERR_INVALID_PARAMS;
	memcpy(&out->u, buf + 1, min - 1);
	if (out->code == SMP_CENTRAL_IDENT)
		out->u.central_ident.ediv = bh_get16(buf + 1);
	/* 3.6.5: only public (0x00) or static random (0x01). */
	if (out->code == SMP_IDENTITY_ADDR_INFO && out->u.id_addr.type > BH_ADDR_RANDOM)
		return BH_SMP_ERR_INVALID_PARAMS;
	return 0;
}

size_t smp_pdu_encode(const struct smp_pdu *p, uint8_t *buf, size_t cap)
{
	size_t min = smp_pdu_min_len(p->code);

	if (min == 0 || cap < min)
		return 0;
	buf[0] = p->code;
	memcpy(buf + 1, &p->u, min - 1);
	if (p->code == SMP_CENTRAL_IDENT)
		bh_put16(buf + 1, p->u.central_ident.ediv);
	if (p->code == SMP_IDENTITY_ADDR_INFO)
		buf[1] &= 1;
	return min;
}
