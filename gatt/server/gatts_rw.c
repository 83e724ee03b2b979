/* GATT server reads and writes by handle: Read, Read Blob, Read Multiple,
 * Read Multiple Variable, Write Request, Write Command, Signed Write
 * Command, Prepare Write and Execute Write (Vol 3, Part F, 3.4.4 to 3.4.6).
 */
#include "gatts_internal.h"

#include <stdlib.h>
#include <string.h>

/* The attribute at handle, or NULL (Invalid Handle). */
static struct gatts_attr *attr_at(struct bh_gatts *s, uint16_t handle)
{
	return handle ? gatts_find(s, handle) : NULL;
}

uint8_t gatts_read(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
		   struct gatts_req *q)
{
	struct gatts_attr *a = attr_at(s, p->u.read.handle);
	if (!a)
		return BH_ATT_E_INVALID_HANDLE;
	uint8_t code = gatts_check_read(s, c->conn, a);
	size_t mtu = gatts_mtu(s, c->conn), n = 0;
	/* Read Request has offset 0; Read Blob's offset == length gives an
	 * empty value, past it Invalid Offset. */
	if (!code)
		code = gatts_read_value(s, c->conn, a, p->u.read.offset, s->scratch + 1, mtu - 1, &n);
	if (code)
		return code;
	q->rsp_len = n + 1;
	return 0;
}

uint8_t gatts_read_mult(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			struct gatts_req *q)
{
	bool var = p->opcode == BH_ATT_READ_MULT_VAR_REQ;
	size_t mtu = gatts_mtu(s, c->conn);
	size_t off = 1;
	bool full = false;
	uint8_t val[BH_ATT_MAX_VALUE];
	/* Every handle is checked before anything is answered: one bad
	 * handle makes the whole response an error (3.4.4.7, 3.4.4.11). */
	for (size_t i = 0; i < p->u.read_mult_req.count; i++) {
		uint16_t h = bh_get16(p->u.read_mult_req.handles + 2 * i);
		struct gatts_attr *a = attr_at(s, h);
		q->handle = h;
		if (!a)
			return BH_ATT_E_INVALID_HANDLE;
		uint8_t code = gatts_check_read(s, c->conn, a);
		size_t n = 0;
		if (!code)
			code = gatts_read_value(s, c->conn, a, 0, val, sizeof(val), &n);
		if (code)
			return code;
		if (full || off >= mtu)
			continue; /* full: later handles are still checked */
		size_t room = mtu - off;
		if (var) {
			/* Length Value Tuples: the length is the value's, the
			 * value may be cut when the PDU is full (3.4.4.12). */
			if (room < 2) {
				full = true;
				continue;
			}
			bh_put16(s->scratch + off, (uint16_t)n);
			off += 2;
			room -= 2;
		}
		size_t k = n < room ? n : room;
		memcpy(s->scratch + off, val, k);
		off += k;
	}
	q->rsp_len = off;
	return 0;
}

uint8_t gatts_write_req(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			struct gatts_req *q)
{
	struct gatts_attr *a = attr_at(s, p->u.write.handle);
	if (!a)
		return BH_ATT_E_INVALID_HANDLE;
	uint8_t code = gatts_check_write(s, c->conn, a, false, false);
	if (!code)
		code = gatts_write_value(s, c->conn, a, 0, p->u.write.value, p->u.write.len, 0);
	if (code)
		return code;
	q->rsp_len = 1;
	return 0;
}

/* Commands are never answered: whatever goes wrong is dropped (3.4.5.3). */
static void command_write(struct bh_gatts *s, struct gatts_conn *c, uint16_t h, const uint8_t *v,
			  size_t n, uint8_t need_prop, bool is_signed, bool mitm)
{
	struct gatts_attr *a = h ? gatts_find(s, h) : NULL;
	if (!a)
		return;
	/* A characteristic value takes a command only if its properties
	 * say so; descriptors go by their permissions alone. */
	if (a->kind == GATTS_K_VALUE && a->handle == a->chr_value && !(a->props & need_prop))
		return;
	if (gatts_check_write(s, c->conn, a, is_signed, mitm) != 0)
		return;
	unsigned flags = BH_GATT_WRITE_F_CMD | (is_signed ? BH_GATT_WRITE_F_SIGNED : 0);
	uint8_t code = gatts_write_value(s, c->conn, a, 0, v, n, flags);
	if (code)
		BH_LOGF(s->env, BH_LOG_DEBUG, "gatt", "conn 0x%04x: command write 0x%04x (%s) dropped: 0x%02x",
			c->conn, h, gatts_kind_str((enum gatts_kind)a->kind), code);
}

uint8_t gatts_write_cmd(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			struct gatts_req *q)
{
	(void)q;
	command_write(s, c, p->u.write.handle, p->u.write.value, p->u.write.len,
		      BH_GATT_CHR_WRITE_NO_RSP, false, false);
	return 0;
}

uint8_t gatts_signed_write(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			   struct gatts_req *q)
{
	bool mitm = false;
	if (!GATTS_SIGNED_WRITE)
		return 0; /* never verified, never written */
	/* The signature covers opcode, handle and value (3.4.5.4); the PDU
	 * is at least 15 octets (bh_att_decode). */
	if (s->port.verify_signed &&
	    s->port.verify_signed(s->port.ctx, c->conn, q->raw, q->raw_len - 12,
				  p->u.signed_write.signature, &mitm) == BH_OK)
		command_write(s, c, p->u.signed_write.handle, p->u.signed_write.value,
			      p->u.signed_write.len, BH_GATT_CHR_AUTH_SIGNED_WRITE, true, mitm);
	return 0;
}

/* BH_GATT_PERM_AUTHOR_PREPARE: the application authorizes the first part of
 * each attribute in a queue, when it arrives; a part of an attribute already
 * queued was authorized with its first. */
static uint8_t prep_authorize(struct bh_gatts *s, struct gatts_conn *c, struct gatts_attr *a,
			      const struct bh_att_pdu *p)
{
	if (!(a->write_perm & BH_GATT_PERM_AUTHOR_PREPARE) || a->kind != GATTS_K_VALUE || !a->write)
		return 0;
	for (unsigned i = 0; i < c->nprep; i++)
		if (c->prep[i].handle == a->handle)
			return 0;
	return gatts_write_value(s, c->conn, a, p->u.prep.offset, p->u.prep.value, p->u.prep.len,
				 BH_GATT_WRITE_F_PREPARED | BH_GATT_WRITE_F_AUTHORIZE);
}

uint8_t gatts_prep_write(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			 struct gatts_req *q)
{
	uint16_t h = p->u.prep.handle;
	struct gatts_attr *a = attr_at(s, h);
	if (!a)
		return BH_ATT_E_INVALID_HANDLE;
	/* Permissions are checked when the write is queued (3.4.6.1);
	 * offsets and lengths only at execution. */
	uint8_t code = gatts_check_write(s, c->conn, a, false, false);
	if (!code && (c->nprep >= s->cfg.prepare_queue))
		code = BH_ATT_E_PREPARE_QUEUE_FULL;
	if (!code && p->u.prep.len > sizeof(c->prep[0].data))
		code = BH_ATT_E_INVALID_VALUE_LENGTH;
	/* The queue is made on a connection's first Prepare Write (most
	 * clients never send one) and freed when the link ends. */
	if (!code && !c->prep && !(c->prep = calloc(s->cfg.prepare_queue, sizeof(*c->prep))))
		code = BH_ATT_E_INSUFF_RESOURCES;
	if (!code)
		code = prep_authorize(s, c, a, p);
	if (code)
		return code;
	struct gatts_prep *e = &c->prep[c->nprep++];
	e->handle = h;
	e->offset = p->u.prep.offset;
	e->len = (uint16_t)p->u.prep.len;
	if (e->len)
		memcpy(e->data, p->u.prep.value, e->len);
	/* The response echoes the request's fields (3.4.6.2). */
	size_t mtu = gatts_mtu(s, c->conn);
	size_t n = 5u + e->len;
	if (n > mtu)
		n = mtu;
	bh_put16(s->scratch + 1, h);
	bh_put16(s->scratch + 3, e->offset);
	memcpy(s->scratch + 5, e->data, n - 5);
	q->rsp_len = n;
	return 0;
}

/* Checks what can be checked before anything is written, so a bad queue
 * writes nothing: stack-held values, CCCDs, Client Supported Features. */
static uint8_t exec_validate(struct bh_gatts *s, struct gatts_conn *c, uint16_t *bad)
{
	for (unsigned i = 0; i < c->nprep; i++) {
		const struct gatts_prep *e = &c->prep[i];
		const struct gatts_attr *a = gatts_find(s, e->handle);
		*bad = e->handle;
		if (!a)
			return BH_ATT_E_INVALID_HANDLE; /* removed meanwhile */
		if (a->kind == GATTS_K_CCCD || a->kind == GATTS_K_CSF || a->kind == GATTS_K_SCCD) {
			if (e->offset)
				return BH_ATT_E_INVALID_OFFSET;
			if (a->kind == GATTS_K_CSF ? e->len < 1 : e->len != 2)
				return BH_ATT_E_INVALID_VALUE_LENGTH;
			continue;
		}
		if (a->kind != GATTS_K_VALUE || a->write)
			continue;
		/* The length this handle will have when entry i is applied. */
		size_t cur = a->len;
		for (unsigned k = 0; k < i; k++) {
			const struct gatts_prep *q = &c->prep[k];
			if (q->handle == e->handle)
				cur = a->fixed_len ? a->max_len : (size_t)q->offset + q->len;
		}
		if (e->offset > cur)
			return BH_ATT_E_INVALID_OFFSET;
		if ((size_t)e->offset + e->len > a->max_len)
			return BH_ATT_E_INVALID_VALUE_LENGTH;
	}
	return 0;
}

uint8_t gatts_exec_write(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			 struct gatts_req *q)
{
	uint16_t bad = 0;
	uint8_t code = 0;
	if (p->u.exec.flags == 0x01) {
		code = exec_validate(s, c, &bad);
		for (unsigned i = 0; i < c->nprep && !code; i++) {
			const struct gatts_prep *e = &c->prep[i];
			struct gatts_attr *a = gatts_find(s, e->handle);
			bad = e->handle;
			code = a ? gatts_write_value(s, c->conn, a, e->offset, e->data, e->len,
						     BH_GATT_WRITE_F_PREPARED)
				 : BH_ATT_E_INVALID_HANDLE;
		}
	}
	/* Executed, failed or cancelled (0x00): the queue is empty after. */
	c->nprep = 0;
	q->handle = bad;
	q->rsp_len = 1;
	return code;
}
