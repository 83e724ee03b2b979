/* GATT server discovery requests over a handle range: Find Information,
 * Find By Type Value, Read By Type and Read By Group Type
 * (Vol 3, Part F, 3.4.3 and 3.4.4). Responses are built in s->scratch and
 * sized to the connection's MTU. Their handle ranges were checked by
 * bh_gatts_on_pdu.
 */
#include "gatts_internal.h"

#include <string.h>

uint8_t gatts_find_info(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			struct gatts_req *q)
{
	uint16_t start = p->u.range.start, end = p->u.range.end;
	size_t mtu = gatts_mtu(s, c->conn);
	size_t off = 2;
	uint8_t tlen = 0;
	for (size_t i = gatts_lower_bound(s, start); i < s->nattrs; i++) {
		const struct gatts_attr *a = &s->attrs[i];
		if (a->handle > end)
			break;
		/* One format per response: 16-bit (1) or 128-bit (2) types. */
		if (tlen && a->type.len != tlen)
			break;
		if (mtu - off < 2u + a->type.len)
			break;
		tlen = a->type.len;
		bh_put16(s->scratch + off, a->handle);
		memcpy(s->scratch + off + 2, a->type.val, tlen);
		off += 2u + tlen;
	}
	if (!tlen)
		return BH_ATT_E_ATTRIBUTE_NOT_FOUND;
	s->scratch[1] = tlen == 2 ? 1 : 2;
	q->rsp_len = off;
	return 0;
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

uint8_t gatts_find_by_type(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			   struct gatts_req *q)
{
	uint16_t start = p->u.find_by_type_req.start, end = p->u.find_by_type_req.end;
	size_t mtu = gatts_mtu(s, c->conn);
	size_t off = 1;
	for (size_t i = gatts_lower_bound(s, start); i < s->nattrs; i++) {
		const struct gatts_attr *a = &s->attrs[i];
		if (a->handle > end || mtu - off < 4)
			break;
		if (!gatts_type_eq16(a, p->u.find_by_type_req.type))
			continue;
		if (gatts_check_read(s, c->conn, a) != 0)
			continue;
		if (!value_matches(a, p->u.find_by_type_req.value, p->u.find_by_type_req.len))
			continue;
		/* Group End Handle: the group's end for grouping types, the
		 * handle itself otherwise (3.4.3.4). */
		bh_put16(s->scratch + off, a->handle);
		bh_put16(s->scratch + off + 2, is_group_type16(gatts_type16(a)) ? a->end : a->handle);
		off += 4;
	}
	if (off == 1)
		return BH_ATT_E_ATTRIBUTE_NOT_FOUND;
	q->rsp_len = off;
	return 0;
}

/* Read By Type (3.4.4.1) and Read By Group Type (3.4.4.9) build the same
 * list: elements of one length, each a handle, for groups the group's end,
 * then the value. */
uint8_t gatts_read_by_type(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			   struct gatts_req *q)
{
	uint16_t start = p->u.read_by_type_req.start, end = p->u.read_by_type_req.end;
	const bh_uuid *type = &p->u.read_by_type_req.type;
	bool group = p->opcode == BH_ATT_READ_BY_GROUP_REQ;
	if (group && !is_group_type16(bh_uuid_as16(type)))
		return BH_ATT_E_UNSUPPORTED_GROUP_TYPE;
	size_t mtu = gatts_mtu(s, c->conn);
	size_t hdr = group ? 4 : 2;
	/* Each value is cut to min(MTU - 4, 253) so the length fits its octet
	 * (3.4.4.2). Service values are 2 or 16 octets: always fit
	 * min(MTU - 6, 251). */
	size_t vmax = mtu - 4 < 253 ? mtu - 4 : 253;
	size_t off = 2;
	int elem = -1;
	for (size_t i = gatts_lower_bound(s, start); i < s->nattrs; i++) {
		struct gatts_attr *a = &s->attrs[i];
		if (a->handle > end)
			break;
		if (!bh_uuid_eq(&a->type, type))
			continue;
		size_t n = a->len;
		uint8_t val[BH_ATT_MAX_MTU];
		const uint8_t *v = a->val;
		if (!group) {
			uint8_t code = gatts_check_read(s, c->conn, a);
			if (!code)
				code = gatts_read_value(s, c->conn, a, 0, val, vmax, &n);
			if (code) {
				/* An error on the first attribute is the answer;
				 * later ones end the list (3.4.4.1). */
				if (elem >= 0)
					break;
				q->handle = a->handle;
				return code;
			}
			v = val;
		}
		if (elem >= 0 && (size_t)elem != n + hdr)
			break; /* only elements of one length per response */
		if (mtu - off < n + hdr)
			break;
		elem = (int)(n + hdr);
		bh_put16(s->scratch + off, a->handle);
		if (group)
			bh_put16(s->scratch + off + 2, a->end);
		memcpy(s->scratch + off + hdr, v, n);
		off += n + hdr;
	}
	if (elem < 0)
		return BH_ATT_E_ATTRIBUTE_NOT_FOUND;
	s->scratch[1] = (uint8_t)elem;
	q->rsp_len = off;
	return 0;
}
