/* GATT server discovery requests over a handle range: Find Information,
 * Find By Type Value, Read By Type and Read By Group Type
 * (Vol 3, Part F, 3.4.3 and 3.4.4). Responses are built in s->scratch and
 * sized to the connection's MTU.
 */
#include "gatts_internal.h"

#include <string.h>

/* Range rules shared by the four requests: 0 or start > end is Invalid
 * Handle with the starting handle (3.4.3.1 and others). */
static bool range_ok(struct bh_gatts *s, struct gatts_conn *c, uint8_t op, uint16_t start,
		     uint16_t end)
{
	if (start == 0 || start > end) {
		gatts_error(s, c->conn, op, start, BH_ATT_E_INVALID_HANDLE);
		return false;
	}
	return true;
}

void gatts_find_info(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
		     const uint8_t *raw, size_t len)
{
	(void)raw;
	(void)len;
	uint16_t start = p->u.range.start, end = p->u.range.end;
	if (!range_ok(s, c, p->opcode, start, end))
		return;
	size_t mtu = gatts_mtu(s, c->conn);
	struct bh_wr w = bh_wr_init(s->scratch, mtu);
	bh_wr_u8(&w, BH_ATT_FIND_INFO_RSP);
	bh_wr_u8(&w, 0);
	uint8_t tlen = 0;
	for (size_t i = gatts_lower_bound(s, start); i < s->nattrs; i++) {
		const struct gatts_attr *a = &s->attrs[i];
		if (a->handle > end)
			break;
		/* One format per response: 16-bit (1) or 128-bit (2) types. */
		if (tlen && a->type.len != tlen)
			break;
		if (w.cap - w.len < 2u + a->type.len)
			break;
		tlen = a->type.len;
		bh_wr_u16(&w, a->handle);
		bh_wr_bytes(&w, a->type.val, a->type.len);
	}
	if (!tlen) {
		gatts_error(s, c->conn, p->opcode, start, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
		return;
	}
	s->scratch[1] = tlen == 2 ? 1 : 2;
	gatts_respond(s, c->conn, s->scratch, w.len);
}

static bool is_group_type16(int32_t t)
{
	return t == GATTS_UUID_PRIMARY || t == GATTS_UUID_SECONDARY;
}

/* Whether attribute a's value equals v (3.4.3.3). Service UUIDs compare as
 * UUIDs so a 128-bit Base UUID form finds a 16-bit service. Values served by
 * callbacks or per connection are not searched. */
static bool value_matches(const struct gatts_attr *a, const uint8_t *v, size_t n)
{
	if (is_group_type16(gatts_type16(a)) && (n == 2 || n == 16)) {
		bh_uuid x, y;
		if (bh_uuid_from_le(&x, v, n) || bh_uuid_from_le(&y, a->val, a->len))
			return false;
		return bh_uuid_eq(&x, &y);
	}
	if ((a->kind != GATTS_K_DECL && a->kind != GATTS_K_VALUE) || a->read)
		return false;
	return a->len == n && (n == 0 || memcmp(a->val, v, n) == 0);
}

void gatts_find_by_type(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			const uint8_t *raw, size_t len)
{
	(void)raw;
	(void)len;
	uint16_t start = p->u.find_by_type_req.start, end = p->u.find_by_type_req.end;
	if (!range_ok(s, c, p->opcode, start, end))
		return;
	size_t mtu = gatts_mtu(s, c->conn);
	struct bh_wr w = bh_wr_init(s->scratch, mtu);
	bh_wr_u8(&w, BH_ATT_FIND_BY_TYPE_RSP);
	unsigned found = 0;
	for (size_t i = gatts_lower_bound(s, start); i < s->nattrs; i++) {
		const struct gatts_attr *a = &s->attrs[i];
		if (a->handle > end || w.cap - w.len < 4)
			break;
		if (!gatts_type_eq16(a, p->u.find_by_type_req.type))
			continue;
		if (gatts_check_read(s, c->conn, a) != 0)
			continue;
		if (!value_matches(a, p->u.find_by_type_req.value, p->u.find_by_type_req.len))
			continue;
		/* Group End Handle: the group's end for grouping types, the
		 * handle itself otherwise (3.4.3.4). */
		bh_wr_u16(&w, a->handle);
		bh_wr_u16(&w, is_group_type16(gatts_type16(a)) ? a->end : a->handle);
		found++;
	}
	if (!found) {
		gatts_error(s, c->conn, p->opcode, start, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
		return;
	}
	gatts_respond(s, c->conn, s->scratch, w.len);
}

void gatts_read_by_type(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			const uint8_t *raw, size_t len)
{
	(void)raw;
	(void)len;
	uint16_t start = p->u.read_by_type_req.start, end = p->u.read_by_type_req.end;
	if (!range_ok(s, c, p->opcode, start, end))
		return;
	size_t mtu = gatts_mtu(s, c->conn);
	/* Each value is cut to min(MTU - 4, 253) so the length fits its octet
	 * (3.4.4.2). */
	size_t vmax = mtu - 4 < 253 ? mtu - 4 : 253;
	size_t off = 2;
	int elem = -1;
	for (size_t i = gatts_lower_bound(s, start); i < s->nattrs; i++) {
		struct gatts_attr *a = &s->attrs[i];
		if (a->handle > end)
			break;
		if (!bh_uuid_eq(&a->type, &p->u.read_by_type_req.type))
			continue;
		uint8_t code = gatts_check_read(s, c->conn, a);
		size_t n = 0;
		uint8_t val[BH_ATT_MAX_MTU];
		if (!code)
			code = gatts_read_value(s, c->conn, a, 0, val, vmax, &n);
		if (code) {
			/* An error on the first attribute is the answer; later
			 * ones end the list (3.4.4.1). */
			if (elem < 0)
				gatts_error(s, c->conn, p->opcode, a->handle, code);
			else
				break;
			return;
		}
		if (elem >= 0 && (size_t)elem != n + 2)
			break; /* only elements of one length per response */
		if (mtu - off < n + 2)
			break;
		elem = (int)(n + 2);
		bh_put16(s->scratch + off, a->handle);
		memcpy(s->scratch + off + 2, val, n);
		off += n + 2;
	}
	if (elem < 0) {
		gatts_error(s, c->conn, p->opcode, start, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
		return;
	}
	s->scratch[0] = BH_ATT_READ_BY_TYPE_RSP;
	s->scratch[1] = (uint8_t)elem;
	gatts_respond(s, c->conn, s->scratch, off);
}

void gatts_read_by_group(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			 const uint8_t *raw, size_t len)
{
	(void)raw;
	(void)len;
	uint16_t start = p->u.read_by_type_req.start, end = p->u.read_by_type_req.end;
	if (!range_ok(s, c, p->opcode, start, end))
		return;
	int32_t gt = bh_uuid_as16(&p->u.read_by_type_req.type);
	if (!is_group_type16(gt)) {
		gatts_error(s, c->conn, p->opcode, start, BH_ATT_E_UNSUPPORTED_GROUP_TYPE);
		return;
	}
	size_t mtu = gatts_mtu(s, c->conn);
	size_t off = 2;
	int elem = -1;
	for (size_t i = gatts_lower_bound(s, start); i < s->nattrs; i++) {
		const struct gatts_attr *a = &s->attrs[i];
		if (a->handle > end)
			break;
		if (gatts_type16(a) != gt)
			continue;
		/* Service values are 2 or 16 octets: always fit min(MTU-6, 251). */
		size_t n = a->len;
		if (elem >= 0 && (size_t)elem != n + 4)
			break;
		if (mtu - off < n + 4)
			break;
		elem = (int)(n + 4);
		bh_put16(s->scratch + off, a->handle);
		bh_put16(s->scratch + off + 2, a->end);
		memcpy(s->scratch + off + 4, a->val, n);
		off += n + 4;
	}
	if (elem < 0) {
		gatts_error(s, c->conn, p->opcode, start, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
		return;
	}
	s->scratch[0] = BH_ATT_READ_BY_GROUP_RSP;
	s->scratch[1] = (uint8_t)elem;
	gatts_respond(s, c->conn, s->scratch, off);
}
