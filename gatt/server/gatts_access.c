/* GATT server attribute access: permission checks with the spec's error
 * codes (Vol 3, Part F, 4 and Part C, 10.3.1), and reading/writing one
 * attribute whatever holds its value (the stack, application callbacks, the
 * per-connection CCCD and Client Supported Features, the computed hash).
 */
#include "gatts_internal.h"

#include <string.h>

struct gatts_conn *gatts_conn_find(const struct bh_gatts *s, uint16_t conn)
{
	for (unsigned i = 0; s && i < s->cfg.max_connections; i++)
		if (s->conns[i].used && s->conns[i].conn == conn)
			return &s->conns[i];
	return NULL;
}

uint16_t gatts_mtu(struct bh_gatts *s, uint16_t conn)
{
	uint16_t mtu = s->port.mtu ? s->port.mtu(s->port.ctx, conn) : BH_ATT_DEFAULT_MTU;
	/* Never trust a value that would make responses nonsensical. */
	if (mtu < BH_ATT_DEFAULT_MTU)
		mtu = BH_ATT_DEFAULT_MTU;
	if (mtu > BH_ATT_MAX_MTU)
		mtu = BH_ATT_MAX_MTU;
	return mtu;
}

void gatts_respond(struct bh_gatts *s, uint16_t conn, const uint8_t *pdu, size_t len)
{
	if (s->port.respond && s->port.respond(s->port.ctx, conn, pdu, len) != 0)
		BH_LOGF(s->env, BH_LOG_WARN, "gatt", "conn 0x%04x: response 0x%02x not sent", conn, pdu[0]);
}

void gatts_error(struct bh_gatts *s, uint16_t conn, uint8_t op, uint16_t handle, uint8_t code)
{
	uint8_t pdu[5];
	size_t n = bh_att_encode_error(pdu, op, handle, code);
	gatts_respond(s, conn, pdu, n);
}

static void link_security(struct bh_gatts *s, uint16_t conn, struct bh_gatts_security *sec)
{
	memset(sec, 0, sizeof(*sec));
	if (s->port.security)
		s->port.security(s->port.ctx, conn, sec);
}

/* The common part of read and write checks; not_permitted is the code for
 * perm NONE. A verified signed write stands in for encryption (LE Security
 * Mode 2, Vol 3, Part C, 10.2.2) and for MITM when its CSRK was authenticated. */
static uint8_t check(struct bh_gatts *s, uint16_t conn, const struct gatts_attr *a, uint16_t perm,
		     uint8_t not_permitted, bool write, bool signed_ok, bool signed_mitm)
{
	if (!(perm & BH_GATT_PERM_OPEN))
		return not_permitted;
	uint8_t keysize = (uint8_t)(perm >> 8);
	bool need_enc = perm & (BH_GATT_PERM_ENCRYPT | BH_GATT_PERM_AUTHEN | BH_GATT_PERM_SC);
	need_enc = need_enc || keysize;
	bool need_mitm = perm & (BH_GATT_PERM_AUTHEN | BH_GATT_PERM_SC);
	if (need_enc) {
		struct bh_gatts_security sec;
		link_security(s, conn, &sec);
		if (!sec.encrypted && signed_ok && !(perm & BH_GATT_PERM_SC) && !keysize) {
			if (need_mitm && !signed_mitm)
				return BH_ATT_E_INSUFF_AUTHENTICATION;
		} else if (!sec.encrypted) {
			return sec.has_ltk ? BH_ATT_E_INSUFF_ENCRYPTION : BH_ATT_E_INSUFF_AUTHENTICATION;
		} else {
			if (need_mitm && !sec.authenticated)
				return BH_ATT_E_INSUFF_AUTHENTICATION;
			if ((perm & BH_GATT_PERM_SC) && !sec.secure_connections)
				return BH_ATT_E_INSUFF_AUTHENTICATION;
			if (keysize && sec.key_size < keysize)
				return BH_ATT_E_ENC_KEY_SIZE_TOO_SHORT;
		}
	}
	if (perm & BH_GATT_PERM_AUTHOR) {
		if (!a->authorize || a->authorize(a->user, conn, a->handle, write) != BH_OK)
			return BH_ATT_E_INSUFF_AUTHORIZATION;
	}
	return 0;
}

uint8_t gatts_check_read(struct bh_gatts *s, uint16_t conn, const struct gatts_attr *a)
{
	return check(s, conn, a, a->read_perm, BH_ATT_E_READ_NOT_PERMITTED, false, false, false);
}

uint8_t gatts_check_write(struct bh_gatts *s, uint16_t conn, const struct gatts_attr *a,
			  bool signed_ok, bool signed_mitm)
{
	return check(s, conn, a, a->write_perm, BH_ATT_E_WRITE_NOT_PERMITTED, true, signed_ok,
		     signed_mitm);
}

uint16_t gatts_cccd_get(const struct gatts_conn *c, uint16_t cccd_handle)
{
	for (unsigned i = 0; c && i < c->ncccd; i++)
		if (c->cccd[i].handle == cccd_handle)
			return c->cccd[i].value;
	return 0;
}

/* An application's ATT error, or Unlikely Error for anything else it said. */
static uint8_t app_code(bh_status st)
{
	if (st == BH_OK)
		return 0;
	if (bh_status_kind(st) == BH_KIND_ATT && bh_status_code(st) && bh_status_code(st) <= 0xff)
		return (uint8_t)bh_status_code(st);
	return BH_ATT_E_UNLIKELY;
}

static uint8_t copy_out(const uint8_t *v, size_t vlen, uint16_t offset, uint8_t *buf, size_t cap,
			size_t *len)
{
	if (offset > vlen)
		return BH_ATT_E_INVALID_OFFSET;
	size_t n = vlen - offset;
	if (n > cap)
		n = cap;
	if (n)
		memcpy(buf, v + offset, n);
	*len = n;
	return 0;
}

uint8_t gatts_read_value(struct bh_gatts *s, uint16_t conn, struct gatts_attr *a, uint16_t offset,
			 uint8_t *buf, size_t cap, size_t *len)
{
	struct gatts_conn *c = gatts_conn_find(s, conn);
	uint8_t tmp[16];
	*len = 0;
	switch ((enum gatts_kind)a->kind) {
	case GATTS_K_DECL:
	case GATTS_K_SCCD:
		return copy_out(a->val, a->len, offset, buf, cap, len);
	case GATTS_K_VALUE:
		if (a->read) {
			size_t n = 0;
			uint8_t code = app_code(a->read(a->user, conn, a->handle, offset, buf, cap, &n));
			if (!code)
				*len = n > cap ? cap : n;
			return code;
		}
		return copy_out(a->val, a->len, offset, buf, cap, len);
	case GATTS_K_CCCD:
		bh_put16(tmp, gatts_cccd_get(c, a->handle));
		return copy_out(tmp, 2, offset, buf, cap, len);
	case GATTS_K_CSF:
		tmp[0] = c ? c->csf : 0;
		return copy_out(tmp, 1, offset, buf, cap, len);
	case GATTS_K_DB_HASH: {
		const uint8_t *h = gatts_hash(s, NULL);
		if (!h)
			return BH_ATT_E_UNLIKELY; /* logged; never a hash that may be wrong */
		/* Multi-octet characteristic values go LSO first (Part F, 3.3.1). */
		bh_swap(tmp, h, 16);
		if (c)
			c->cache = c->cache == GATTS_UNAWARE ? GATTS_UNAWARE_HASH_READ : c->cache;
		return copy_out(tmp, 16, offset, buf, cap, len);
	}
	}
	return BH_ATT_E_UNLIKELY;
}

static uint8_t write_cccd(struct bh_gatts *s, struct gatts_conn *c, struct gatts_attr *a,
			  const uint8_t *value)
{
	uint16_t v = bh_get16(value);
	uint16_t allowed = (uint16_t)(((a->props & BH_GATT_CHR_NOTIFY) ? 1 : 0) |
				      ((a->props & BH_GATT_CHR_INDICATE) ? 2 : 0));
	/* Bits the characteristic does not support (Part G, 3.3.3.3). 0xFD
	 * (CCCD Improperly Configured) is for profiles that need a CCCD set;
	 * a value the descriptor cannot take is Value Not Allowed. */
	if (v & ~allowed)
		return BH_ATT_E_VALUE_NOT_ALLOWED;
	if (!c)
		return BH_ATT_E_UNLIKELY;
	unsigned i;
	for (i = 0; i < c->ncccd && c->cccd[i].handle != a->handle; i++)
		;
	uint16_t old = i < c->ncccd ? c->cccd[i].value : 0;
	if (v == 0) {
		if (i < c->ncccd)
			c->cccd[i] = c->cccd[--c->ncccd];
	} else if (i < c->ncccd) {
		c->cccd[i].value = v;
	} else {
		if (c->ncccd >= s->cfg.max_cccds)
			return BH_ATT_E_INSUFF_RESOURCES;
		c->cccd[c->ncccd].handle = a->handle;
		c->cccd[c->ncccd++].value = v;
	}
	if (old != v && s->ev.subscription)
		s->ev.subscription(s->ev.ctx, c->conn, a->chr_value, v);
	return 0;
}

static uint8_t write_csf(struct gatts_conn *c, const uint8_t *value)
{
	if (!c)
		return BH_ATT_E_UNLIKELY;
	/* Unknown bits are ignored; a client may not clear a bit it set (7.2). */
	uint8_t v = value[0] & GATTS_CSF_KNOWN_BITS;
	if ((c->csf & v) != c->csf)
		return BH_ATT_E_VALUE_NOT_ALLOWED;
	c->csf = v;
	return 0;
}

uint8_t gatts_write_value(struct bh_gatts *s, uint16_t conn, struct gatts_attr *a, uint16_t offset,
			  const uint8_t *value, size_t len, unsigned flags)
{
	struct gatts_conn *c = gatts_conn_find(s, conn);
	/* The configuration descriptors and Client Supported Features are
	 * written whole, at offset 0: 2 octets, or at least 1 for CSF. */
	if (a->kind == GATTS_K_CCCD || a->kind == GATTS_K_CSF || a->kind == GATTS_K_SCCD) {
		if (offset)
			return BH_ATT_E_INVALID_OFFSET;
		if (a->kind == GATTS_K_CSF ? len < 1 : len != 2)
			return BH_ATT_E_INVALID_VALUE_LENGTH;
	}
	switch ((enum gatts_kind)a->kind) {
	case GATTS_K_CCCD:
		return write_cccd(s, c, a, value);
	case GATTS_K_CSF:
		return write_csf(c, value);
	case GATTS_K_SCCD:
		/* Server Characteristic Configuration (3.3.3.4): bit 0 broadcast. */
		if (bh_get16(value) & ~1u)
			return BH_ATT_E_VALUE_NOT_ALLOWED;
		memcpy(a->val, value, 2);
		return 0;
	case GATTS_K_VALUE:
		if (a->write)
			return app_code(a->write(a->user, conn, a->handle, offset, value, len, flags));
		if (offset > a->len)
			return BH_ATT_E_INVALID_OFFSET;
		if ((size_t)offset + len > a->max_len)
			return BH_ATT_E_INVALID_VALUE_LENGTH;
		/* A variable-length value takes the written length; a fixed-length
		 * one keeps its length and only the octets written change
		 * (Vol 3, Part F, 3.4.5.1). */
		if (len)
			memcpy(a->val + offset, value, len);
		if (!a->fixed_len)
			a->len = (uint16_t)(offset + len);
		return 0;
	case GATTS_K_DECL:
	case GATTS_K_DB_HASH:
		break;
	}
	return BH_ATT_E_WRITE_NOT_PERMITTED;
}
