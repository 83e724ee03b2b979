/* ATT PDU codec: every PDU of Vol 3, Part F, 3.4, as pure functions on byte
 * arrays. The bearer and the GATT client/server rely on bh_att_decode having
 * checked every length rule, so nothing above re-validates list shapes. */
#include <blehost/att.h>

#include <blehost/bh_bytes.h>

#include <stddef.h>
#include <string.h>

#define SIGNATURE_LEN 12 /* Vol 3, Part H, 2.4.5: SignCounter (4) + MAC (8) */

/* How a PDU's length is checked before its decoder runs, and the fields
 * every PDU of the kind has in the same places: an optional leading octet
 * at u's offset 0, then up to three 16-bit fields (after that octet, from
 * offset 2), then optionally the rest of the PDU as a (pointer, length)
 * pair. What is left to check or convert is per opcode in bh_att_decode. */
struct op_info {
	uint8_t opcode;
	uint8_t min_len; /* including the opcode */
	uint8_t shape;   /* FIXED, LEAD8, REST, N16(n) */
	uint8_t rest;    /* where in u the rest goes; NO_REST: nowhere */
};

#define FIXED 0x01 /* the length must be exactly min_len */
#define LEAD8 0x02
#define REST 0x04
#define N16(n) ((n) << 3)
#define UOFF(m) (offsetof(struct bh_att_pdu, u.m) - offsetof(struct bh_att_pdu, u))
#define NO_REST 0xff

/* The layouts the table relies on (struct bh_att_pdu in att.h). */
_Static_assert(UOFF(error.handle) == 2 && UOFF(find_by_type_req.type) == 4 &&
	       UOFF(read.offset) == 2 && UOFF(prep.offset) == 2, "16-bit fields");
_Static_assert(UOFF(write.len) == UOFF(write.value) + sizeof(void *) &&
	       UOFF(prep.len) == UOFF(prep.value) + sizeof(void *) &&
	       UOFF(find_by_type_req.len) == UOFF(find_by_type_req.value) + sizeof(void *) &&
	       UOFF(find_info_rsp.len) == UOFF(find_info_rsp.data) + sizeof(void *) &&
	       UOFF(read_by_type_rsp.len) == UOFF(read_by_type_rsp.data) + sizeof(void *) &&
	       UOFF(read_mult_req.count) == sizeof(void *) && UOFF(value.len) == sizeof(void *) &&
	       UOFF(mult_notify.len) == sizeof(void *) && UOFF(find_by_type_rsp.len) == sizeof(void *),
	       "(pointer, length) pairs");

/* Minimum lengths from the PDU layouts of Vol 3, Part F, 3.4.x. find_op
 * scans in order on every PDU, so the two that stream (notifications and
 * writes without response) come first. */
static const struct op_info ops[] = {
	{ BH_ATT_NOTIFY, 3, N16(1) | REST, UOFF(write.value) },
	{ BH_ATT_WRITE_CMD, 3, N16(1) | REST, UOFF(write.value) },
	{ BH_ATT_ERROR_RSP, 5, FIXED | LEAD8 | N16(1), NO_REST },
	{ BH_ATT_MTU_REQ, 3, FIXED | N16(1), NO_REST },
	{ BH_ATT_MTU_RSP, 3, FIXED | N16(1), NO_REST },
	{ BH_ATT_FIND_INFO_REQ, 5, FIXED | N16(2), NO_REST },
	{ BH_ATT_FIND_INFO_RSP, 6, LEAD8 | REST, UOFF(find_info_rsp.data) },
	{ BH_ATT_FIND_BY_TYPE_REQ, 7, N16(3) | REST, UOFF(find_by_type_req.value) },
	{ BH_ATT_FIND_BY_TYPE_RSP, 5, REST, UOFF(find_by_type_rsp.data) },
	{ BH_ATT_READ_BY_TYPE_REQ, 7, N16(2) | REST, NO_REST },
	{ BH_ATT_READ_BY_TYPE_RSP, 4, LEAD8 | REST, UOFF(read_by_type_rsp.data) },
	{ BH_ATT_READ_REQ, 3, FIXED | N16(1), NO_REST },
	{ BH_ATT_READ_RSP, 1, REST, UOFF(value.value) },
	{ BH_ATT_READ_BLOB_REQ, 5, FIXED | N16(2), NO_REST },
	{ BH_ATT_READ_BLOB_RSP, 1, REST, UOFF(value.value) },
	{ BH_ATT_READ_MULT_REQ, 5, REST, UOFF(read_mult_req.handles) },
	{ BH_ATT_READ_MULT_RSP, 1, REST, UOFF(value.value) },
	{ BH_ATT_READ_BY_GROUP_REQ, 7, N16(2) | REST, NO_REST },
	{ BH_ATT_READ_BY_GROUP_RSP, 6, LEAD8 | REST, UOFF(read_by_type_rsp.data) },
	{ BH_ATT_WRITE_REQ, 3, N16(1) | REST, UOFF(write.value) },
	{ BH_ATT_WRITE_RSP, 1, FIXED, NO_REST },
	{ BH_ATT_PREP_WRITE_REQ, 5, N16(2) | REST, UOFF(prep.value) },
	{ BH_ATT_PREP_WRITE_RSP, 5, N16(2) | REST, UOFF(prep.value) },
	{ BH_ATT_EXEC_WRITE_REQ, 2, FIXED | LEAD8, NO_REST },
	{ BH_ATT_EXEC_WRITE_RSP, 1, FIXED, NO_REST },
	{ BH_ATT_READ_MULT_VAR_REQ, 5, REST, UOFF(read_mult_req.handles) },
	/* Its tuple list may be cut at the MTU (3.4.4.12): left raw for the
	 * GATT client. */
	{ BH_ATT_READ_MULT_VAR_RSP, 1, REST, UOFF(value.value) },
	{ BH_ATT_MULT_NOTIFY, 9, REST, UOFF(mult_notify.data) },
	{ BH_ATT_INDICATE, 3, N16(1) | REST, UOFF(write.value) },
	{ BH_ATT_CONFIRM, 1, FIXED, NO_REST },
	{ BH_ATT_SIGNED_WRITE_CMD, 3 + SIGNATURE_LEN, N16(1), NO_REST },
};

static const struct op_info *find_op(uint8_t opcode)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

bool bh_att_is_request(uint8_t opcode)
{
	switch (opcode) {
	case BH_ATT_MTU_REQ: case BH_ATT_FIND_INFO_REQ: case BH_ATT_FIND_BY_TYPE_REQ:
	case BH_ATT_READ_BY_TYPE_REQ: case BH_ATT_READ_REQ: case BH_ATT_READ_BLOB_REQ:
	case BH_ATT_READ_MULT_REQ: case BH_ATT_READ_BY_GROUP_REQ: case BH_ATT_WRITE_REQ:
	case BH_ATT_PREP_WRITE_REQ: case BH_ATT_EXEC_WRITE_REQ: case BH_ATT_READ_MULT_VAR_REQ:
		return true;
	default:
		return false;
	}
}

bool bh_att_is_response(uint8_t opcode)
{
	return opcode == BH_ATT_ERROR_RSP ||
	       (opcode > 1 && bh_att_response_for((uint8_t)(opcode - 1)) == opcode);
}

bool bh_att_is_command(uint8_t opcode) { return (opcode & BH_ATT_OP_COMMAND_FLAG) != 0; }

uint8_t bh_att_response_for(uint8_t req_opcode)
{
	/* Every request opcode is even and its response is the next odd one. */
	return bh_att_is_request(req_opcode) ? (uint8_t)(req_opcode + 1) : 0;
}

/* A list of elem-sized elements, at least one, dividing evenly. */
static bool list_ok(size_t len, size_t elem)
{
	return elem != 0 && len >= elem && len % elem == 0;
}

/* Multiple Handle Value Notification (3.4.7.4): at least two complete
 * (handle, length, value) tuples and nothing left over. */
static bool mult_notify_ok(const uint8_t *p, size_t len)
{
	unsigned count = 0;
	while (len > 0) {
		if (len < 4 || len - 4 < bh_get16(p + 2))
			return false;
		size_t t = 4u + bh_get16(p + 2);
		p += t;
		len -= t;
		count++;
	}
	return count >= 2;
}

int bh_att_decode(const uint8_t *pdu, size_t len, struct bh_att_pdu *out)
{
	memset(out, 0, sizeof(*out));
	if (!pdu || len < 1)
		return BH_EMALFORMED;
	out->opcode = pdu[0];
	const struct op_info *o = find_op(pdu[0]);
	if (!o)
		return BH_ENOTSUP;
	if (len < o->min_len || ((o->shape & FIXED) && len != o->min_len))
		return BH_EMALFORMED;

	/* Every min_len covers the leading octet and the 16-bit fields, so
	 * they are read in place. */
	uint8_t *u = (uint8_t *)&out->u;
	size_t off = 1;
	if (o->shape & LEAD8)
		u[0] = pdu[off++];
	for (unsigned i = 0; i < (unsigned)(o->shape >> 3); i++, off += 2) {
		uint16_t v = bh_get16(pdu + off);
		memcpy(u + 2 * (i + ((o->shape & LEAD8) ? 1 : 0)), &v, 2);
	}
	size_t n = 0;
	const uint8_t *p = NULL;
	if (o->shape & REST) {
		p = pdu + off;
		n = len - off;
	}
	if (o->rest != NO_REST) {
		memcpy(u + o->rest, &p, sizeof(p));
		memcpy(u + o->rest + sizeof(p), &n, sizeof(n));
	}
	switch (pdu[0]) {
	case BH_ATT_ERROR_RSP:
		out->u.error.code = pdu[4];
		break;
	case BH_ATT_FIND_INFO_RSP: {
		/* 3.4.3.2: format 1 = handle + 16-bit UUID, 2 = handle + 128-bit UUID. */
		uint8_t fmt = out->u.find_info_rsp.format;
		uint8_t elem = fmt == 1 ? 4 : fmt == 2 ? 18 : 0;
		if (!list_ok(n, elem))
			return BH_EMALFORMED;
		out->u.find_info_rsp.elem_len = elem;
		break;
	}
	case BH_ATT_FIND_BY_TYPE_RSP:
		/* 3.4.3.4: (Found Attribute Handle, Group End Handle) pairs. */
		if (!list_ok(n, 4))
			return BH_EMALFORMED;
		break;
	case BH_ATT_READ_BY_TYPE_REQ:
	case BH_ATT_READ_BY_GROUP_REQ:
		/* A 16- or 128-bit UUID only (3.4.4.1 and 3.4.4.9). */
		if ((n != 2 && n != 16) || bh_uuid_from_le(&out->u.read_by_type_req.type, p, n) != 0)
			return BH_EMALFORMED;
		break;
	case BH_ATT_READ_BY_TYPE_RSP:
	case BH_ATT_READ_BY_GROUP_RSP: {
		/* 3.4.4.2: elements are handle + value (2+N); 3.4.4.10: handle +
		 * end group handle + value (4+N). */
		uint8_t elem = out->u.read_by_type_rsp.elem_len;
		size_t min_elem = pdu[0] == BH_ATT_READ_BY_TYPE_RSP ? 2 : 4;
		if (elem < min_elem || !list_ok(n, elem))
			return BH_EMALFORMED;
		break;
	}
	case BH_ATT_READ_MULT_REQ:
	case BH_ATT_READ_MULT_VAR_REQ:
		/* 3.4.4.7 / 3.4.4.11: a set of two or more handles. */
		if (n < 4 || n % 2)
			return BH_EMALFORMED;
		out->u.read_mult_req.count = n / 2;
		break;
	case BH_ATT_EXEC_WRITE_REQ:
		/* 3.4.6.3: 0x00 cancel, 0x01 write; the rest is reserved. */
		if (out->u.exec.flags > 1)
			return BH_EMALFORMED;
		break;
	case BH_ATT_MULT_NOTIFY:
		if (!mult_notify_ok(p, n))
			return BH_EMALFORMED;
		break;
	case BH_ATT_SIGNED_WRITE_CMD:
		/* 3.4.5.4: the signature is the last 12 octets. */
		n = len - 3 - SIGNATURE_LEN;
		out->u.signed_write.value = pdu + 3;
		out->u.signed_write.len = n;
		out->u.signed_write.signature = pdu + 3 + n;
		break;
	default:
		break;
	}
	return BH_OK;
}

size_t bh_att_encode_error(uint8_t out[5], uint8_t req_opcode, uint16_t handle, uint8_t code)
{
	out[0] = BH_ATT_ERROR_RSP;
	out[1] = req_opcode;
	bh_put16(out + 2, handle);
	out[4] = code;
	return 5;
}

size_t bh_att_encode(const struct bh_att_pdu *pdu, uint8_t *out, size_t cap)
{
	if (!pdu || !out)
		return 0;
	struct bh_wr w = bh_wr_init(out, cap);
	bh_wr_u8(&w, pdu->opcode);
	const typeof(pdu->u) *u = &pdu->u;
	switch (pdu->opcode) {
	case BH_ATT_ERROR_RSP:
		bh_wr_u8(&w, u->error.req_opcode);
		bh_wr_u16(&w, u->error.handle);
		bh_wr_u8(&w, u->error.code);
		break;
	case BH_ATT_MTU_REQ:
	case BH_ATT_MTU_RSP:
		bh_wr_u16(&w, u->mtu.mtu);
		break;
	case BH_ATT_FIND_INFO_REQ:
		bh_wr_u16(&w, u->range.start);
		bh_wr_u16(&w, u->range.end);
		break;
	case BH_ATT_FIND_INFO_RSP:
		bh_wr_u8(&w, u->find_info_rsp.format);
		bh_wr_bytes(&w, u->find_info_rsp.data, u->find_info_rsp.len);
		break;
	case BH_ATT_FIND_BY_TYPE_REQ:
		bh_wr_u16(&w, u->find_by_type_req.start);
		bh_wr_u16(&w, u->find_by_type_req.end);
		bh_wr_u16(&w, u->find_by_type_req.type);
		bh_wr_bytes(&w, u->find_by_type_req.value, u->find_by_type_req.len);
		break;
	case BH_ATT_FIND_BY_TYPE_RSP:
		bh_wr_bytes(&w, u->find_by_type_rsp.data, u->find_by_type_rsp.len);
		break;
	case BH_ATT_READ_BY_TYPE_REQ:
	case BH_ATT_READ_BY_GROUP_REQ: {
		bh_wr_u16(&w, u->read_by_type_req.start);
		bh_wr_u16(&w, u->read_by_type_req.end);
		/* Only 16- and 128-bit UUIDs go on the wire; a 32-bit one is
		 * sent in its 128-bit form (3.4.4.1). */
		bh_uuid t = bh_uuid_shorten(&u->read_by_type_req.type);
		if (t.len == 2) {
			bh_wr_bytes(&w, t.val, 2);
		} else {
			uint8_t full[16];
			bh_uuid_to128(&t, full);
			bh_wr_bytes(&w, full, 16);
		}
		break;
	}
	case BH_ATT_READ_BY_TYPE_RSP:
	case BH_ATT_READ_BY_GROUP_RSP:
		bh_wr_u8(&w, u->read_by_type_rsp.elem_len);
		bh_wr_bytes(&w, u->read_by_type_rsp.data, u->read_by_type_rsp.len);
		break;
	case BH_ATT_READ_REQ:
		bh_wr_u16(&w, u->read.handle);
		break;
	case BH_ATT_READ_BLOB_REQ:
		bh_wr_u16(&w, u->read.handle);
		bh_wr_u16(&w, u->read.offset);
		break;
	case BH_ATT_READ_RSP:
	case BH_ATT_READ_BLOB_RSP:
	case BH_ATT_READ_MULT_RSP:
	case BH_ATT_READ_MULT_VAR_RSP:
		bh_wr_bytes(&w, u->value.value, u->value.len);
		break;
	case BH_ATT_READ_MULT_REQ:
	case BH_ATT_READ_MULT_VAR_REQ:
		if (u->read_mult_req.count > cap)
			return 0;
		bh_wr_bytes(&w, u->read_mult_req.handles, u->read_mult_req.count * 2);
		break;
	case BH_ATT_WRITE_REQ:
	case BH_ATT_WRITE_CMD:
	case BH_ATT_NOTIFY:
	case BH_ATT_INDICATE:
		bh_wr_u16(&w, u->write.handle);
		bh_wr_bytes(&w, u->write.value, u->write.len);
		break;
	case BH_ATT_PREP_WRITE_REQ:
	case BH_ATT_PREP_WRITE_RSP:
		bh_wr_u16(&w, u->prep.handle);
		bh_wr_u16(&w, u->prep.offset);
		bh_wr_bytes(&w, u->prep.value, u->prep.len);
		break;
	case BH_ATT_EXEC_WRITE_REQ:
		bh_wr_u8(&w, u->exec.flags);
		break;
	case BH_ATT_MULT_NOTIFY:
		bh_wr_bytes(&w, u->mult_notify.data, u->mult_notify.len);
		break;
	case BH_ATT_SIGNED_WRITE_CMD:
		if (!u->signed_write.signature)
			return 0;
		bh_wr_u16(&w, u->signed_write.handle);
		bh_wr_bytes(&w, u->signed_write.value, u->signed_write.len);
		bh_wr_bytes(&w, u->signed_write.signature, SIGNATURE_LEN);
		break;
	case BH_ATT_WRITE_RSP:
	case BH_ATT_EXEC_WRITE_RSP:
	case BH_ATT_CONFIRM:
		break;
	default:
		return 0;
	}
	if (w.err)
		return 0;
	/* One set of rules: what we emit must pass our own decoder (empty
	 * lists, uneven elements, bad formats are refused here too). */
	struct bh_att_pdu check;
	if (bh_att_decode(out, w.len, &check) != BH_OK)
		return 0;
	return w.len;
}
