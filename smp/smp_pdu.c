/* SMP PDU codec (Core Vol 3, Part H, 3.3 - 3.6). Everything from the peer is
 * read through a bh_rd after a per-code minimum length check, so no input can
 * make the decoder read out of bounds. */
#include "smp_pdu.h"

#include <blehost/bh_bytes.h>
#include <blehost/smp.h>

static const struct {
	const char *name;
	uint8_t len; /* code octet included */
} codes[SMP_CODE_MAX_ + 1] = {
	[SMP_PAIRING_REQ] = { "Pairing Request", 7 },          /* 3.5.1 */
	[SMP_PAIRING_RSP] = { "Pairing Response", 7 },         /* 3.5.2 */
	[SMP_PAIRING_CONFIRM] = { "Pairing Confirm", 17 },     /* 3.5.3 */
	[SMP_PAIRING_RANDOM] = { "Pairing Random", 17 },       /* 3.5.4 */
	[SMP_PAIRING_FAILED] = { "Pairing Failed", 2 },        /* 3.5.5 */
	[SMP_ENC_INFO] = { "Encryption Information", 17 },     /* 3.6.2 */
	[SMP_CENTRAL_IDENT] = { "Central Identification", 11 }, /* 3.6.3 */
	[SMP_IDENTITY_INFO] = { "Identity Information", 17 },  /* 3.6.4 */
	[SMP_IDENTITY_ADDR_INFO] = { "Identity Address Information", 8 }, /* 3.6.5 */
	[SMP_SIGNING_INFO] = { "Signing Information", 17 },    /* 3.6.6 */
	[SMP_SECURITY_REQ] = { "Security Request", 2 },        /* 3.6.7 */
	[SMP_PUBLIC_KEY] = { "Pairing Public Key", 65 },       /* 3.5.6 */
	[SMP_DHKEY_CHECK] = { "Pairing DHKey Check", 17 },     /* 3.5.7 */
	[SMP_KEYPRESS] = { "Keypress Notification", 2 },       /* 3.5.8 */
};

const char *smp_code_str(uint8_t code)
{
	if (code <= SMP_CODE_MAX_ && codes[code].name)
		return codes[code].name;
	return "Reserved";
}

size_t smp_pdu_min_len(uint8_t code)
{
	return code <= SMP_CODE_MAX_ ? codes[code].len : 0;
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
