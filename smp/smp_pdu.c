/* SMP PDU codec (Core Vol 3, Part H, 3.3 - 3.6). Everything from the peer is
 * read through a bh_rd after a per-code minimum length check, so no input can
 * make the decoder read out of bounds. */
#include "smp_pdu.h"

#include <blehost/bh_bytes.h>
#include <blehost/smp.h>

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

static void rd_pairing(struct bh_rd *r, struct smp_pairing *p)
{
	p->io_cap = bh_rd_u8(r);
	p->oob = bh_rd_u8(r);
	p->authreq = bh_rd_u8(r);
	p->max_key_size = bh_rd_u8(r);
	p->init_dist = bh_rd_u8(r);
	p->resp_dist = bh_rd_u8(r);
}

uint8_t smp_pdu_decode(const uint8_t *buf, size_t len, struct smp_pdu *out)
{
	struct bh_rd r = bh_rd_init(buf, len);

	memset(out, 0, sizeof(*out));
	if (len < 1)
		return BH_SMP_ERR_INVALID_PARAMS;
	out->code = bh_rd_u8(&r);
	size_t min = smp_pdu_min_len(out->code);
	if (min == 0)
		return BH_SMP_ERR_CMD_NOT_SUPPORTED;
	if (len < min)
		return BH_SMP_ERR_INVALID_PARAMS;

	switch (out->code) {
	case SMP_PAIRING_REQ:
	case SMP_PAIRING_RSP:
		rd_pairing(&r, &out->u.pairing);
		break;
	case SMP_PAIRING_CONFIRM:
	case SMP_PAIRING_RANDOM:
	case SMP_ENC_INFO:
	case SMP_IDENTITY_INFO:
	case SMP_SIGNING_INFO:
	case SMP_DHKEY_CHECK:
		bh_rd_copy(&r, out->u.v16, 16);
		break;
	case SMP_PAIRING_FAILED:
		out->u.reason = bh_rd_u8(&r);
		break;
	case SMP_CENTRAL_IDENT:
		out->u.central_ident.ediv = bh_rd_u16(&r);
		bh_rd_copy(&r, out->u.central_ident.rand, 8);
		break;
	case SMP_IDENTITY_ADDR_INFO:
		out->u.id_addr.type = bh_rd_u8(&r);
		bh_rd_copy(&r, out->u.id_addr.val, 6);
		/* 3.6.5: only public (0x00) or static random (0x01). */
		if (out->u.id_addr.type > BH_ADDR_RANDOM)
			return BH_SMP_ERR_INVALID_PARAMS;
		break;
	case SMP_SECURITY_REQ:
		out->u.authreq = bh_rd_u8(&r);
		break;
	case SMP_PUBLIC_KEY:
		bh_rd_copy(&r, out->u.pubkey, 64);
		break;
	case SMP_KEYPRESS:
		out->u.keypress = bh_rd_u8(&r);
		break;
	}
	return bh_rd_ok(&r) ? 0 : BH_SMP_ERR_INVALID_PARAMS;
}

size_t smp_pdu_encode(const struct smp_pdu *p, uint8_t *buf, size_t cap)
{
	struct bh_wr w = bh_wr_init(buf, cap);
	size_t min = smp_pdu_min_len(p->code);

	if (min == 0)
		return 0;
	bh_wr_u8(&w, p->code);
	switch (p->code) {
	case SMP_PAIRING_REQ:
	case SMP_PAIRING_RSP:
		bh_wr_u8(&w, p->u.pairing.io_cap);
		bh_wr_u8(&w, p->u.pairing.oob);
		bh_wr_u8(&w, p->u.pairing.authreq);
		bh_wr_u8(&w, p->u.pairing.max_key_size);
		bh_wr_u8(&w, p->u.pairing.init_dist);
		bh_wr_u8(&w, p->u.pairing.resp_dist);
		break;
	case SMP_PAIRING_CONFIRM:
	case SMP_PAIRING_RANDOM:
	case SMP_ENC_INFO:
	case SMP_IDENTITY_INFO:
	case SMP_SIGNING_INFO:
	case SMP_DHKEY_CHECK:
		bh_wr_bytes(&w, p->u.v16, 16);
		break;
	case SMP_PAIRING_FAILED:
		bh_wr_u8(&w, p->u.reason);
		break;
	case SMP_CENTRAL_IDENT:
		bh_wr_u16(&w, p->u.central_ident.ediv);
		bh_wr_bytes(&w, p->u.central_ident.rand, 8);
		break;
	case SMP_IDENTITY_ADDR_INFO:
		bh_wr_u8(&w, p->u.id_addr.type & 1);
		bh_wr_bytes(&w, p->u.id_addr.val, 6);
		break;
	case SMP_SECURITY_REQ:
		bh_wr_u8(&w, p->u.authreq);
		break;
	case SMP_PUBLIC_KEY:
		bh_wr_bytes(&w, p->u.pubkey, 64);
		break;
	case SMP_KEYPRESS:
		bh_wr_u8(&w, p->u.keypress);
		break;
	}
	return w.err ? 0 : w.len;
}
