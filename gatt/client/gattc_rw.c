/* GATT client: reads and writes (Vol 3, Part G, 4.8 and 4.9), MTU exchange,
 * and the helpers that walk list-shaped results. */
#include "gattc_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- Result helpers ------------------------------------------------------- */

unsigned bh_gattc_result_pairs(const struct bh_gattc_result *res)
{
	if (!res || res->elem_len < 2 || !res->value)
		return 0;
	return (unsigned)(res->len / res->elem_len);
}

bool bh_gattc_result_pair(const struct bh_gattc_result *res, unsigned i, uint16_t *handle,
			  const uint8_t **value, size_t *len)
{
	if (i >= bh_gattc_result_pairs(res))
		return false;
	const uint8_t *p = res->value + (size_t)i * res->elem_len;
	*handle = bh_get16(p);
	*value = p + 2;
	*len = res->elem_len - 2u;
	return true;
}

/* Walks Length Value Tuples (Vol 3, Part F, 3.4.4.12); the last value may
 * be cut short by the MTU. Returns the number of tuples; with want >= 0
 * stops at tuple `want` and reports it. */
static unsigned walk_tuples(const uint8_t *data, size_t len, int want, const uint8_t **v,
			    size_t *vl)
{
	unsigned n = 0;
	while (len >= 2) {
		size_t take = bh_get16(data);
		data += 2;
		len -= 2;
		if (take > len)
			take = len;
		if ((int)n == want) {
			*v = data;
			*vl = take;
			return n + 1;
		}
		data += take;
		len -= take;
		n++;
	}
	return n;
}

unsigned bh_gattc_result_tuples(const struct bh_gattc_result *res)
{
	if (!res || !res->value)
		return 0;
	return walk_tuples(res->value, res->len, -1, NULL, NULL);
}

bool bh_gattc_result_tuple(const struct bh_gattc_result *res, unsigned i, const uint8_t **value,
			   size_t *len)
{
	if (!res || !res->value)
		return false;
	return walk_tuples(res->value, res->len, (int)i, value, len) == i + 1;
}

/* ---- Requests ----------------------------------------------------------------- */

static void send_blob(struct gattc_op *op)
{
	op->req[0] = BH_ATT_READ_BLOB_REQ;
	bh_put16(op->req + 1, op->handle);
	bh_put16(op->req + 3, (uint16_t)op->buf_len);
	op->req_len = 5;
	gattc_send(op);
}

static void send_exec(struct gattc_op *op, uint8_t flags)
{
	op->req[0] = BH_ATT_EXEC_WRITE_REQ;
	op->req[1] = flags;
	op->req_len = 2;
	if (flags)
		op->u.w.executing = true;
	else
		op->u.w.cancelling = true;
	gattc_send(op);
}

/* Next Prepare Write segment, or the Execute Write when all are out. */
static void send_prep(struct gattc_op *op)
{
	struct gattc_wr *w = &op->u.w;
	if (w->item >= w->n_items) {
		send_exec(op, 0x01);
		return;
	}
	const struct gattc_item *it = &w->items[w->item];
	size_t room = (size_t)gattc_mtu(op->c) - 5; /* opcode, handle, offset */
	size_t left = it->len - w->offset;
	w->seg_len = (uint16_t)(left < room ? left : room);
	op->req[0] = BH_ATT_PREP_WRITE_REQ;
	bh_put16(op->req + 1, it->handle);
	bh_put16(op->req + 3, w->offset);
	memcpy(op->req + 5, op->buf + it->off + w->offset, w->seg_len);
	op->req_len = 5u + w->seg_len;
	gattc_send(op);
}

void gattc_rw_abort(struct gattc_op *op)
{
	struct gattc_wr *w = &op->u.w;
	if (op->kind != OP_WRITE_PREP || !w->prepared || w->executing || w->cancelling)
		return;
	/* Vol 3, Part F, 3.4.6.3: flags 0 cancels all prepared writes. */
	static const uint8_t cancel[2] = { BH_ATT_EXEC_WRITE_REQ, 0x00 };
	w->cancelling = true;
	gattc_send_cleanup(op->c, cancel, sizeof(cancel));
}

void gattc_rw_start(struct gattc_op *op)
{
	struct bh_gattc *c = op->c;
	switch (op->kind) {
	case OP_READ:
	case OP_READ_LONG:
		op->buf_len = 0;
		gattc_send_read(op, op->handle);
		return;
	case OP_READ_UUID:
		gattc_send_range(op, BH_ATT_READ_BY_TYPE_REQ, op->start, op->end, -1, &op->uuid);
		return;
	case OP_READ_MULT:
	case OP_READ_MULT_VAR:
		if (1 + op->buf_len > gattc_mtu(c)) {
			gattc_complete(op, BH_ENOSPACE, NULL);
			return;
		}
		op->req[0] = op->kind == OP_READ_MULT ? BH_ATT_READ_MULT_REQ : BH_ATT_READ_MULT_VAR_REQ;
		memcpy(op->req + 1, op->buf, op->buf_len);
		op->req_len = 1 + op->buf_len;
		gattc_send(op);
		return;
	case OP_WRITE:
		/* The MTU may have grown or shrunk since the call: decide now. */
		if (op->buf_len + 3 > gattc_mtu(c)) {
			op->kind = OP_WRITE_PREP;
			op->u.w.items[0].handle = op->handle;
			op->u.w.items[0].off = 0;
			op->u.w.items[0].len = (uint16_t)op->buf_len;
			op->u.w.n_items = 1;
			send_prep(op);
			return;
		}
		op->req[0] = BH_ATT_WRITE_REQ;
		bh_put16(op->req + 1, op->handle);
		memcpy(op->req + 3, op->buf, op->buf_len);
		op->req_len = 3 + op->buf_len;
		gattc_send(op);
		return;
	case OP_WRITE_PREP:
		send_prep(op);
		return;
	case OP_MTU:
		op->req[0] = BH_ATT_MTU_REQ;
		bh_put16(op->req + 1, op->mtu);
		op->req_len = 3;
		gattc_send(op);
		return;
	default:
		gattc_complete(op, BH_EINVAL, NULL);
		return;
	}
}

static void prep_failed(struct gattc_op *op, bh_status st, uint16_t handle)
{
	struct gattc_wr *w = &op->u.w;
	if (w->prepared && !w->executing && !w->cancelling) {
		/* Leave nothing half-written queued at the server. */
		w->final = st;
		w->err_handle = handle;
		send_exec(op, 0x00);
		return;
	}
	struct bh_gattc_result res = { .handle = handle };
	gattc_complete(op, w->cancelling ? w->final : st, &res);
}

static bh_status check_pairs(const struct gattc_op *op, const struct bh_att_pdu *pdu)
{
	/* bh_att_decode has checked that the pairs are whole (2 + N octets
	 * each) and that there is at least one. */
	unsigned el = pdu->u.read_by_type_rsp.elem_len;
	const uint8_t *p = pdu->u.read_by_type_rsp.data;
	size_t left = pdu->u.read_by_type_rsp.len;
	uint32_t next = op->start;
	for (; left >= el; p += el, left -= el) {
		uint16_t h = bh_get16(p);
		if (h < next || h > op->end)
			return BH_EPROTO;
		next = (uint32_t)h + 1;
	}
	return BH_OK;
}

static bh_status check_tuples(const struct gattc_op *op, const uint8_t *data, size_t len)
{
	unsigned n = 0;
	for (size_t left = len; left; n++) {
		if (left < 2)
			return BH_EPROTO; /* a dangling half length field */
		size_t l = bh_get16(data + len - left);
		left -= 2;
		if (l > left) {
			/* Only the last value may be cut, and only by a full PDU. */
			if (1 + len < gattc_mtu(op->c))
				return BH_EPROTO;
			l = left;
		}
		left -= l;
	}
	return n <= op->n_handles ? BH_OK : BH_EPROTO;
}

void gattc_rw_rsp(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu)
{
	struct bh_gattc *c = op->c;
	struct bh_gattc_result res = { .handle = op->handle };
	uint16_t err_handle = (pdu && pdu->opcode == BH_ATT_ERROR_RSP) ? pdu->u.error.handle : 0;

	if (st != BH_OK) {
		if (op->kind == OP_READ_LONG && op->req[0] == BH_ATT_READ_BLOB_REQ &&
		    (st == BH_ATT_ERROR(BH_ATT_E_ATTRIBUTE_NOT_LONG) ||
		     st == BH_ATT_ERROR(BH_ATT_E_INVALID_OFFSET))) {
			/* The value ended exactly at a full response. */
			res.value = op->buf;
			res.len = op->buf_len;
			gattc_complete(op, BH_OK, &res);
			return;
		}
		if (op->kind == OP_WRITE_PREP) {
			prep_failed(op, st, err_handle);
			return;
		}
		if (op->kind == OP_WRITE && op->u.w.is_cccd)
			gattc_sub_remove(c, op->u.w.sub_handle, op->u.w.sub_cb, op->u.w.sub_ctx);
		res.handle = err_handle ? err_handle : op->handle;
		gattc_complete(op, st, &res);
		return;
	}

	switch (op->kind) {
	case OP_READ_MULT_VAR: {
		bh_status r = check_tuples(op, pdu->u.value.value, pdu->u.value.len);
		if (r) {
			gattc_complete(op, r, &res);
			return;
		}
	}
		/* fall through */
	case OP_READ:
	case OP_READ_MULT:
		res.value = pdu->u.value.value;
		res.len = pdu->u.value.len;
		gattc_complete(op, BH_OK, &res);
		return;
	case OP_READ_LONG: {
		size_t n = pdu->u.value.len;
		size_t room = BH_ATT_MAX_VALUE - op->buf_len;
		memcpy(op->buf + op->buf_len, pdu->u.value.value, n < room ? n : room);
		op->buf_len += n < room ? n : room;
		/* A full response means there may be more (4.8.3); 512 is the
		 * longest value there can be. */
		if (n + 1 >= gattc_mtu(c) && op->buf_len < BH_ATT_MAX_VALUE) {
			send_blob(op);
			return;
		}
		res.value = op->buf;
		res.len = op->buf_len;
		gattc_complete(op, BH_OK, &res);
		return;
	}
	case OP_READ_UUID: {
		bh_status r = check_pairs(op, pdu);
		if (r) {
			gattc_complete(op, r, &res);
			return;
		}
		res.value = pdu->u.read_by_type_rsp.data;
		res.len = pdu->u.read_by_type_rsp.len;
		res.elem_len = pdu->u.read_by_type_rsp.elem_len;
		res.handle = bh_get16(res.value);
		gattc_complete(op, BH_OK, &res);
		return;
	}
	case OP_WRITE:
		gattc_complete(op, BH_OK, &res);
		return;
	case OP_MTU: {
		uint16_t srv = pdu->u.mtu.mtu;
		uint16_t m = srv < op->mtu ? srv : op->mtu;
		res.handle = m < BH_ATT_DEFAULT_MTU ? BH_ATT_DEFAULT_MTU : m;
		gattc_complete(op, BH_OK, &res);
		return;
	}
	case OP_WRITE_PREP: {
		struct gattc_wr *w = &op->u.w;
		if (w->cancelling) {
			res.handle = w->err_handle;
			gattc_complete(op, w->final, &res);
			return;
		}
		if (w->executing) {
			gattc_complete(op, BH_OK, &res);
			return;
		}
		const struct gattc_item *it = &w->items[w->item];
		w->prepared = true;
		/* 4.9.4: the response must echo exactly what was sent. */
		if (pdu->u.prep.handle != it->handle || pdu->u.prep.offset != w->offset ||
		    pdu->u.prep.len != w->seg_len ||
		    (w->seg_len &&
		     memcmp(pdu->u.prep.value, op->buf + it->off + w->offset, w->seg_len) != 0)) {
			BH_LOGF(&c->env, BH_LOG_INFO, "gatt",
				"Prepare Write Response does not echo the request");
			prep_failed(op, BH_EPROTO, it->handle);
			return;
		}
		w->offset = (uint16_t)(w->offset + w->seg_len);
		if (w->offset >= it->len) {
			w->item++;
			w->offset = 0;
		}
		send_prep(op);
		return;
	}
	default:
		gattc_complete(op, BH_EPROTO, &res);
		return;
	}
}

/* ---- Public entry points ------------------------------------------------------ */

/* A new queued op, or NULL with the reason in *err. Callers test the op, not
 * *err: the compiler then sees no path that writes through a NULL op (gcc 12
 * at -O3 reported one as -Warray-bounds when the test was on the status). */
static struct gattc_op *submit_simple(struct bh_gattc *c, uint8_t kind, uint16_t handle,
				      size_t buf_need, bh_gattc_cb cb, void *ctx, int *err)
{
	struct gattc_op *op = gattc_op_new(c, kind, buf_need, cb, ctx, err);
	if (!op)
		return NULL;
	op->handle = handle;
	return op;
}

int bh_gattc_read(struct bh_gattc *c, uint16_t handle, bh_gattc_cb cb, void *ctx)
{
	if (!handle)
		return BH_EINVAL;
	int r;
	struct gattc_op *op = submit_simple(c, OP_READ, handle, 0, cb, ctx, &r);
	if (op)
		gattc_op_submit(op);
	return r;
}

int bh_gattc_read_long(struct bh_gattc *c, uint16_t handle, bh_gattc_cb cb, void *ctx)
{
	if (!handle)
		return BH_EINVAL;
	/* Its value outlives the op (gattc_complete): room made once, kept. */
	if (!c->res_buf && !(c->res_buf = malloc(BH_ATT_MAX_VALUE)))
		return BH_ENOMEM;
	int r;
	struct gattc_op *op = submit_simple(c, OP_READ_LONG, handle, BH_ATT_MAX_VALUE, cb, ctx, &r);
	if (op)
		gattc_op_submit(op);
	return r;
}

int bh_gattc_read_by_uuid(struct bh_gattc *c, uint16_t start, uint16_t end, const bh_uuid *uuid,
			  bh_gattc_cb cb, void *ctx)
{
	if (!start || end < start || !uuid ||
	    (uuid->len != 2 && uuid->len != 4 && uuid->len != 16))
		return BH_EINVAL;
	int r;
	struct gattc_op *op = submit_simple(c, OP_READ_UUID, start, 0, cb, ctx, &r);
	if (!op)
		return r;
	op->start = start;
	op->end = end;
	op->uuid = *uuid;
	gattc_op_submit(op);
	return BH_OK;
}

static int read_mult(struct bh_gattc *c, uint8_t kind, const uint16_t *handles, unsigned n,
		     bh_gattc_cb cb, void *ctx)
{
	if (!handles || n < 2 || n > GATTC_MAX_MULT)
		return BH_EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!handles[i])
			return BH_EINVAL;
	if (1 + 2 * n > gattc_mtu(c))
		return BH_ENOSPACE;
	int r;
	struct gattc_op *op = submit_simple(c, kind, handles[0], 2 * n, cb, ctx, &r);
	if (!op)
		return r;
	for (unsigned i = 0; i < n; i++)
		bh_put16(op->buf + 2 * i, handles[i]);
	op->buf_len = 2 * n;
	op->n_handles = n;
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_read_multiple(struct bh_gattc *c, const uint16_t *handles, unsigned n,
			   bh_gattc_cb cb, void *ctx)
{
	return read_mult(c, OP_READ_MULT, handles, n, cb, ctx);
}

int bh_gattc_read_multiple_var(struct bh_gattc *c, const uint16_t *handles, unsigned n,
			       bh_gattc_cb cb, void *ctx)
{
	return read_mult(c, OP_READ_MULT_VAR, handles, n, cb, ctx);
}

static int write_common(struct bh_gattc *c, uint8_t kind, uint16_t handle, const uint8_t *value,
			size_t len, bh_gattc_cb cb, void *ctx)
{
	if (!handle || len > BH_ATT_MAX_VALUE || (len && !value) ||
	    (kind == OP_WRITE_PREP && !len))
		return BH_EINVAL;
	int r;
	struct gattc_op *op = submit_simple(c, kind, handle, len, cb, ctx, &r);
	if (!op)
		return r;
	if (len)
		memcpy(op->buf, value, len);
	op->buf_len = len;
	if (kind == OP_WRITE_PREP) {
		op->u.w.items[0].handle = handle;
		op->u.w.items[0].off = 0;
		op->u.w.items[0].len = (uint16_t)len;
		op->u.w.n_items = 1;
	}
	gattc_op_submit(op);
	return BH_OK;
}

int bh_gattc_write(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len,
		   bh_gattc_cb cb, void *ctx)
{
	return write_common(c, OP_WRITE, handle, value, len, cb, ctx);
}

int bh_gattc_write_long(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len,
			bh_gattc_cb cb, void *ctx)
{
	return write_common(c, OP_WRITE_PREP, handle, value, len, cb, ctx);
}

int bh_gattc_write_reliable(struct bh_gattc *c, const struct bh_gattc_write_item *items,
			    unsigned n, bh_gattc_cb cb, void *ctx)
{
	if (!items || !n || n > GATTC_MAX_ITEMS)
		return BH_EINVAL;
	size_t total = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!items[i].handle || !items[i].len || !items[i].value)
			return BH_EINVAL;
		total += items[i].len;
		if (total > BH_ATT_MAX_VALUE)
			return BH_EINVAL;
	}
	int r;
	struct gattc_op *op = submit_simple(c, OP_WRITE_PREP, items[0].handle, total, cb, ctx, &r);
	if (!op)
		return r;
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		memcpy(op->buf + off, items[i].value, items[i].len);
		op->u.w.items[i].handle = items[i].handle;
		op->u.w.items[i].off = (uint16_t)off;
		op->u.w.items[i].len = (uint16_t)items[i].len;
		off += items[i].len;
	}
	op->buf_len = off;
	op->u.w.n_items = n;
	gattc_op_submit(op);
	return BH_OK;
}

/* Write Without Response and Signed Write Without Response: one PDU, no
 * answer; the signed one carries a 12-octet signature after the value
 * (Vol 3, Part F, 3.4.5.4). */
static int write_command(struct bh_gattc *c, uint8_t opcode, uint16_t handle, const uint8_t *value,
			 size_t len)
{
	int r = gattc_can_start(c);
	if (r)
		return r;
	if (!handle || (len && !value))
		return BH_EINVAL;
	bool sign = opcode == BH_ATT_SIGNED_WRITE_CMD;
	if (!c->port.command || (sign && !c->port.sign))
		return BH_ENOTSUP;
	size_t n = len + 3 + (sign ? 12 : 0);
	if (n > gattc_mtu(c))
		return BH_ENOSPACE;
	uint8_t pdu[BH_ATT_MAX_MTU];
	pdu[0] = opcode;
	bh_put16(pdu + 1, handle);
	if (len)
		memcpy(pdu + 3, value, len);
	if (sign && (r = c->port.sign(c->port.ctx, pdu, len + 3, pdu + 3 + len)) != 0)
		return r;
	r = c->port.command(c->port.ctx, pdu, n);
	if (r == 0)
		c->stats.commands++;
	return r;
}

int bh_gattc_write_cmd(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len)
{
	return write_command(c, BH_ATT_WRITE_CMD, handle, value, len);
}

int bh_gattc_write_signed(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len)
{
	if (!GATTC_SIGNED_WRITE) {
		BH_LOGF(&c->env, BH_LOG_WARN, "gattc",
			"signed writes are not in this build (-Dsigned_write=false)");
		return BH_ENOTSUP;
	}
	return write_command(c, BH_ATT_SIGNED_WRITE_CMD, handle, value, len);
}

int bh_gattc_exchange_mtu(struct bh_gattc *c, uint16_t mtu, bh_gattc_cb cb, void *ctx)
{
	if (mtu < BH_ATT_DEFAULT_MTU || mtu > BH_ATT_MAX_MTU)
		return BH_EINVAL;
	int r;
	struct gattc_op *op = submit_simple(c, OP_MTU, 0, 0, cb, ctx, &r);
	if (!op)
		return r;
	op->mtu = mtu;
	gattc_op_submit(op);
	return BH_OK;
}
