/* The fake GATT server for test_gatt_client.c. It answers by the ATT rules
 * of Vol 3, Part F, 3.4 (lists end where the element length changes or the
 * MTU is full; Attribute Not Found when nothing is in range), so the
 * client's round-trip counts are those a real server would cause. */
#include "fake_server.h"

#include <blehost/bh_bytes.h>

#include <string.h>

/* 128-bit UUIDs of the test database, little-endian. */
const bh_uuid FS_UUID_A = { 16, { 0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xaa } };
const bh_uuid FS_UUID_B = { 16, { 0xb0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xbb } };
const bh_uuid FS_UUID_C = { 16, { 0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xcc } };
const bh_uuid FS_UUID_D = { 16, { 0xd0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xdd } };

void fs_init(struct fake_server *f, uint16_t mtu)
{
	memset(f, 0, sizeof(*f));
	f->mtu = mtu;
}

struct fs_attr *fs_add128(struct fake_server *f, const bh_uuid *type, const void *value,
			  size_t len)
{
	struct fs_attr *a = &f->attrs[f->n_attrs];
	a->handle = (uint16_t)(++f->n_attrs);
	a->type = *type;
	memcpy(a->value, value, len);
	a->len = (uint16_t)len;
	return a;
}

struct fs_attr *fs_add(struct fake_server *f, uint16_t type16, const void *value, size_t len)
{
	bh_uuid u = bh_uuid16(type16);
	return fs_add128(f, &u, value, len);
}

struct fs_attr *fs_attr(struct fake_server *f, uint16_t handle)
{
	for (unsigned i = 0; i < f->n_attrs; i++)
		if (f->attrs[i].handle == handle)
			return &f->attrs[i];
	return NULL;
}

void fs_insert(struct fake_server *f, uint16_t at, uint16_t type16, const void *v, size_t len)
{
	for (unsigned i = 0; i < f->n_attrs; i++) {
		struct fs_attr *a = &f->attrs[i];
		bh_uuid chr = bh_uuid16(0x2803), inc = bh_uuid16(0x2802);
		if (bh_uuid_eq(&a->type, &chr) && bh_get16(a->value + 1) >= at)
			bh_put16(a->value + 1, (uint16_t)(bh_get16(a->value + 1) + 1));
		if (bh_uuid_eq(&a->type, &inc))
			for (int k = 0; k < 4; k += 2)
				if (bh_get16(a->value + k) >= at)
					bh_put16(a->value + k, (uint16_t)(bh_get16(a->value + k) + 1));
	}
	unsigned idx = at - 1u;
	memmove(&f->attrs[idx + 1], &f->attrs[idx], (f->n_attrs - idx) * sizeof(f->attrs[0]));
	f->n_attrs++;
	for (unsigned i = idx + 1; i < f->n_attrs; i++)
		f->attrs[i].handle = (uint16_t)(i + 1);
	struct fs_attr *a = &f->attrs[idx];
	memset(a, 0, sizeof(*a));
	a->handle = at;
	a->type = bh_uuid16(type16);
	memcpy(a->value, v, len);
	a->len = (uint16_t)len;
}

static void add_chr(struct fake_server *f, uint8_t props, const bh_uuid *u)
{
	uint8_t v[19];
	v[0] = props;
	bh_put16(v + 1, (uint16_t)(f->n_attrs + 2));
	size_t n = u->len == 2 ? 2 : 16;
	memcpy(v + 3, u->val, n);
	fs_add(f, 0x2803, v, 3 + n);
}

static void add_svc(struct fake_server *f, uint16_t type, const bh_uuid *u)
{
	fs_add(f, type, u->val, u->len);
}

/* Handle map:
 *  1 svc 1800      2 chr  3 2A00 "blehost-test"
 *  4 svc 1801      5 chr  6 2A05 (indicate)  7 CCCD   8 chr  9 2B2A hash
 * 10 svc 180D     11 include 15..17 180F  12 chr 13 2A37 (notify) 14 CCCD
 * 15 secondary 180F  16 chr 17 2A19
 * 18 secondary B     19 chr 20 2A6E
 * 21 svc A (last: group end 0xFFFF)  22 include 18..20 (128-bit: no UUID)
 *    23 chr 24 C (300 octets, read/write/no-rsp/signed) 25 2901
 *    26 chr 27 D (10 octets, notify/indicate/read/write) 28 CCCD
 */
void fs_build_db(struct fake_server *f)
{
	bh_uuid u;
	uint8_t v[300];
	u = bh_uuid16(0x1800);
	add_svc(f, 0x2800, &u);
	u = bh_uuid16(0x2a00);
	add_chr(f, BH_GATT_PROP_READ, &u);
	fs_add(f, 0x2a00, "blehost-test", 12);

	u = bh_uuid16(0x1801);
	add_svc(f, 0x2800, &u);
	u = bh_uuid16(0x2a05);
	add_chr(f, BH_GATT_PROP_INDICATE, &u);
	fs_add(f, 0x2a05, "\x00\x00\x00\x00", 4);
	fs_add(f, 0x2902, "\x00\x00", 2);
	u = bh_uuid16(0x2b2a);
	add_chr(f, BH_GATT_PROP_READ, &u);
	for (int i = 0; i < 16; i++)
		v[i] = (uint8_t)(0x40 + i);
	fs_add(f, 0x2b2a, v, 16);

	u = bh_uuid16(0x180d);
	add_svc(f, 0x2800, &u);
	fs_add(f, 0x2802, "\x0f\x00\x11\x00\x0f\x18", 6);
	u = bh_uuid16(0x2a37);
	add_chr(f, BH_GATT_PROP_NOTIFY, &u);
	fs_add(f, 0x2a37, "\x00\x48", 2);
	fs_add(f, 0x2902, "\x00\x00", 2);

	u = bh_uuid16(0x180f);
	add_svc(f, 0x2801, &u);
	u = bh_uuid16(0x2a19);
	add_chr(f, BH_GATT_PROP_READ, &u);
	fs_add(f, 0x2a19, "\x64", 1);

	add_svc(f, 0x2801, &FS_UUID_B);
	u = bh_uuid16(0x2a6e);
	add_chr(f, BH_GATT_PROP_READ, &u);
	fs_add(f, 0x2a6e, "\x10\x09", 2);

	add_svc(f, 0x2800, &FS_UUID_A);
	fs_add(f, 0x2802, "\x12\x00\x14\x00", 4);
	add_chr(f, BH_GATT_PROP_READ | BH_GATT_PROP_WRITE | BH_GATT_PROP_WRITE_NO_RSP |
			   BH_GATT_PROP_SIGNED_WRITE, &FS_UUID_C);
	for (int i = 0; i < 300; i++)
		v[i] = (uint8_t)(i * 7 + 1);
	fs_add128(f, &FS_UUID_C, v, 300);
	fs_add(f, 0x2901, "long value", 10);
	add_chr(f, BH_GATT_PROP_READ | BH_GATT_PROP_WRITE | BH_GATT_PROP_NOTIFY |
			   BH_GATT_PROP_INDICATE, &FS_UUID_D);
	fs_add128(f, &FS_UUID_D, "0123456789", 10);
	fs_add(f, 0x2902, "\x00\x00", 2);
}

static size_t err(uint8_t *rsp, uint8_t op, uint16_t h, uint8_t code)
{
	return bh_att_encode_error(rsp, op, h, code);
}

static bool is_type(const struct fs_attr *a, uint16_t t)
{
	bh_uuid u = bh_uuid16(t);
	return bh_uuid_eq(&a->type, &u);
}

static bool is_group(const struct fs_attr *a)
{
	return is_type(a, 0x2800) || is_type(a, 0x2801);
}

/* A service's group ends before the next service declaration; the last
 * one reaches 0xFFFF, as many servers report. */
static uint16_t group_end(struct fake_server *f, unsigned i)
{
	for (unsigned j = i + 1; j < f->n_attrs; j++)
		if (is_group(&f->attrs[j]))
			return (uint16_t)(f->attrs[j].handle - 1);
	return 0xffff;
}

size_t fs_answer(struct fake_server *f, const uint8_t *req, size_t len, uint8_t *rsp)
{
	struct bh_rd r = bh_rd_init(req, len);
	uint8_t op = bh_rd_u8(&r);
	size_t mtu = f->mtu, n = 0;
	switch (op) {
	case BH_ATT_MTU_REQ:
		rsp[0] = BH_ATT_MTU_RSP;
		bh_put16(rsp + 1, f->mtu);
		return 3;
	case BH_ATT_READ_BY_GROUP_REQ:
	case BH_ATT_READ_BY_TYPE_REQ: {
		uint16_t s = bh_rd_u16(&r), e = bh_rd_u16(&r);
		size_t ul = bh_rd_left(&r);
		bh_uuid t;
		bh_uuid_from_le(&t, bh_rd_ptr(&r, ul), ul);
		bool group = op == BH_ATT_READ_BY_GROUP_REQ;
		rsp[0] = (uint8_t)(op + 1);
		n = 2;
		uint8_t el = 0;
		for (unsigned i = 0; i < f->n_attrs; i++) {
			struct fs_attr *a = &f->attrs[i];
			if (a->handle < s || a->handle > e || !bh_uuid_eq(&a->type, &t))
				continue;
			if ((a->flags & FS_F_AUTH) && !f->encrypted && n == 2)
				return err(rsp, op, a->handle, BH_ATT_E_INSUFF_AUTHENTICATION);
			size_t vl = a->len;
			size_t hdr = group ? 4 : 2;
			if (hdr + vl > mtu - 2)
				vl = mtu - 2 - hdr;
			if (hdr + vl > 255)
				vl = 255 - hdr;
			if (el && el != hdr + vl)
				break;
			if (n + hdr + vl > mtu)
				break;
			el = (uint8_t)(hdr + vl);
			bh_put16(rsp + n, a->handle);
			if (group)
				bh_put16(rsp + n + 2, group_end(f, i));
			memcpy(rsp + n + hdr, a->value, vl);
			n += hdr + vl;
		}
		if (!el)
			return err(rsp, op, s, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
		rsp[1] = el;
		return n;
	}
	case BH_ATT_FIND_BY_TYPE_REQ: {
		uint16_t s = bh_rd_u16(&r), e = bh_rd_u16(&r), t = bh_rd_u16(&r);
		size_t vl;
		const uint8_t *v = bh_rd_rest(&r, &vl);
		rsp[0] = BH_ATT_FIND_BY_TYPE_RSP;
		n = 1;
		for (unsigned i = 0; i < f->n_attrs && n + 4 <= mtu; i++) {
			struct fs_attr *a = &f->attrs[i];
			if (a->handle < s || a->handle > e || !is_type(a, t) || a->len != vl ||
			    memcmp(a->value, v, vl) != 0)
				continue;
			bh_put16(rsp + n, a->handle);
			bh_put16(rsp + n + 2, group_end(f, i));
			n += 4;
		}
		if (n == 1)
			return err(rsp, op, s, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
		return n;
	}
	case BH_ATT_FIND_INFO_REQ: {
		uint16_t s = bh_rd_u16(&r), e = bh_rd_u16(&r);
		rsp[0] = BH_ATT_FIND_INFO_RSP;
		n = 2;
		uint8_t fmt = 0;
		for (unsigned i = 0; i < f->n_attrs; i++) {
			struct fs_attr *a = &f->attrs[i];
			if (a->handle < s || a->handle > e)
				continue;
			int32_t u16 = bh_uuid_as16(&a->type);
			uint8_t af = u16 >= 0 ? 1 : 2;
			size_t el = af == 1 ? 4 : 18;
			if ((fmt && fmt != af) || n + el > mtu)
				break;
			fmt = af;
			bh_put16(rsp + n, a->handle);
			if (af == 1)
				bh_put16(rsp + n + 2, (uint16_t)u16);
			else
				bh_uuid_to128(&a->type, rsp + n + 2);
			n += el;
		}
		if (!fmt)
			return err(rsp, op, s, BH_ATT_E_ATTRIBUTE_NOT_FOUND);
		rsp[1] = fmt;
		return n;
	}
	case BH_ATT_READ_REQ:
	case BH_ATT_READ_BLOB_REQ: {
		uint16_t h = bh_rd_u16(&r);
		uint16_t off = op == BH_ATT_READ_BLOB_REQ ? bh_rd_u16(&r) : 0;
		struct fs_attr *a = fs_attr(f, h);
		if (!a)
			return err(rsp, op, h, BH_ATT_E_INVALID_HANDLE);
		if ((a->flags & FS_F_AUTH) && !f->encrypted)
			return err(rsp, op, h, BH_ATT_E_INSUFF_AUTHENTICATION);
		if (off > a->len)
			return err(rsp, op, h, BH_ATT_E_INVALID_OFFSET);
		size_t vl = a->len - off;
		if (vl > mtu - 1)
			vl = mtu - 1;
		rsp[0] = (uint8_t)(op + 1);
		memcpy(rsp + 1, a->value + off, vl);
		return 1 + vl;
	}
	case BH_ATT_READ_MULT_REQ:
	case BH_ATT_READ_MULT_VAR_REQ: {
		rsp[0] = (uint8_t)(op + 1);
		n = 1;
		while (bh_rd_left(&r) >= 2) {
			uint16_t h = bh_rd_u16(&r);
			struct fs_attr *a = fs_attr(f, h);
			if (!a)
				return err(rsp, op, h, BH_ATT_E_INVALID_HANDLE);
			uint8_t tmp[BH_ATT_MAX_VALUE + 2];
			size_t tl = 0;
			if (op == BH_ATT_READ_MULT_VAR_REQ) {
				bh_put16(tmp, a->len);
				tl = 2;
			}
			memcpy(tmp + tl, a->value, a->len);
			tl += a->len;
			if (n + tl > mtu)
				tl = mtu - n;
			memcpy(rsp + n, tmp, tl);
			n += tl;
		}
		return n;
	}
	case BH_ATT_WRITE_REQ: {
		uint16_t h = bh_rd_u16(&r);
		size_t vl;
		const uint8_t *v = bh_rd_rest(&r, &vl);
		struct fs_attr *a = fs_attr(f, h);
		if (!a)
			return err(rsp, op, h, BH_ATT_E_INVALID_HANDLE);
		if ((a->flags & FS_F_AUTH) && !f->encrypted)
			return err(rsp, op, h, BH_ATT_E_INSUFF_AUTHENTICATION);
		memcpy(a->value, v, vl);
		a->len = (uint16_t)vl;
		rsp[0] = BH_ATT_WRITE_RSP;
		return 1;
	}
	case BH_ATT_PREP_WRITE_REQ: {
		uint16_t h = bh_rd_u16(&r), off = bh_rd_u16(&r);
		size_t vl;
		const uint8_t *v = bh_rd_rest(&r, &vl);
		if (!fs_attr(f, h))
			return err(rsp, op, h, BH_ATT_E_INVALID_HANDLE);
		if (f->n_prep >= 32)
			return err(rsp, op, h, BH_ATT_E_PREPARE_QUEUE_FULL);
		f->prep[f->n_prep].handle = h;
		f->prep[f->n_prep].offset = off;
		memcpy(f->prep[f->n_prep].v, v, vl);
		f->prep[f->n_prep].len = (uint16_t)vl;
		f->n_prep++;
		memcpy(rsp, req, len);
		rsp[0] = BH_ATT_PREP_WRITE_RSP;
		if (f->mangle_prep && len > 5)
			rsp[len - 1] ^= 0xff;
		return len;
	}
	case BH_ATT_EXEC_WRITE_REQ: {
		uint8_t flags = bh_rd_u8(&r);
		if (flags == 1) {
			f->exec_writes++;
			for (unsigned i = 0; i < f->n_prep; i++) {
				struct fs_attr *a = fs_attr(f, f->prep[i].handle);
				size_t end = (size_t)f->prep[i].offset + f->prep[i].len;
				if (end > BH_ATT_MAX_VALUE)
					continue;
				memcpy(a->value + f->prep[i].offset, f->prep[i].v, f->prep[i].len);
				if (end > a->len)
					a->len = (uint16_t)end;
			}
		} else {
			f->exec_cancels++;
		}
		f->n_prep = 0;
		rsp[0] = BH_ATT_EXEC_WRITE_RSP;
		return 1;
	}
	default:
		return err(rsp, op, 0, BH_ATT_E_REQUEST_NOT_SUPPORTED);
	}
}

static void deliver(struct fake_server *f, struct fs_pending *p)
{
	uint8_t rsp[BH_ATT_MAX_MTU + 64];
	size_t n;
	bh_status st = BH_OK;
	if (f->inject_at && f->requests == f->inject_at) {
		f->inject_at = 0;
		n = f->inject_len;
		memcpy(rsp, f->inject, n);
		st = f->inject_status;
	} else {
		n = fs_answer(f, p->pdu, p->len, rsp);
	}
	if (f->chaos && n) {
		uint8_t rb[4];
		bh_xrand_fill(f->chaos, rb, sizeof(rb));
		switch (rb[0] % 6) {
		case 0:
			n = rb[1] % n; /* cut short, possibly to nothing */
			break;
		case 1:
			rsp[rb[1] % n] ^= (uint8_t)(rb[2] | 1);
			break;
		case 2:
			if (n >= 4) {
				size_t at = 1 + rb[1] % (n - 3);
				bh_put16(rsp + at, (uint16_t)(rb[2] % 40));
			}
			break;
		default:
			break; /* half of the answers stay intact */
		}
	}
	if (st == BH_OK && n >= 5 && rsp[0] == BH_ATT_ERROR_RSP)
		st = BH_ATT_ERROR(rsp[4]);
	bool none = st == BH_ETIMEDOUT || st == BH_EDISCONNECTED || n == 0;
	/* Like the bearer: a response that does not decode arrives as such. */
	struct bh_att_pdu chk;
	if (!none && st == BH_OK && bh_att_decode(rsp, n, &chk) != BH_OK)
		st = BH_EMALFORMED;
	p->cb(p->cbctx, none && st == BH_OK ? BH_EMALFORMED : st, none ? NULL : rsp, none ? 0 : n);
}

unsigned fs_pump_n(struct fake_server *f, unsigned max)
{
	unsigned done = 0;
	while (done < max && f->n_pending) {
		struct fs_pending p = f->pending[0];
		memmove(&f->pending[0], &f->pending[1], (f->n_pending - 1) * sizeof(p));
		f->n_pending--;
		f->requests++;
		deliver(f, &p);
		done++;
	}
	return done;
}

unsigned fs_pump(struct fake_server *f) { return fs_pump_n(f, 10000); }

static int port_request(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx)
{
	struct fake_server *f = ctx;
	if (len > f->mtu || f->n_pending >= FS_MAX_PENDING)
		return BH_EINVAL;
	struct fs_pending *p = &f->pending[f->n_pending++];
	memcpy(p->pdu, pdu, len);
	p->len = len;
	p->cb = cb;
	p->cbctx = cbctx;
	return 0;
}

/* As bh_att_cancel: matching requests complete now with BH_ECANCELLED. */
static void port_cancel(void *ctx, void *cbctx)
{
	struct fake_server *f = ctx;
	for (unsigned i = 0; i < f->n_pending;) {
		if (f->pending[i].cbctx != cbctx) {
			i++;
			continue;
		}
		struct fs_pending p = f->pending[i];
		memmove(&f->pending[i], &f->pending[i + 1], (f->n_pending - i - 1) * sizeof(p));
		f->n_pending--;
		f->cancels++;
		p.cb(p.cbctx, BH_ECANCELLED, NULL, 0);
	}
}

static int port_command(void *ctx, const uint8_t *pdu, size_t len)
{
	struct fake_server *f = ctx;
	if (f->command_ret)
		return f->command_ret;
	memcpy(f->last_cmd, pdu, len);
	f->last_cmd_len = len;
	f->commands++;
	return 0;
}

static uint16_t port_mtu(void *ctx) { return ((struct fake_server *)ctx)->mtu; }

static int port_sign(void *ctx, const uint8_t *pdu, size_t len, uint8_t out[12])
{
	(void)ctx;
	/* Not a real CMAC: the test checks the client places what sign gives. */
	for (int i = 0; i < 12; i++)
		out[i] = (uint8_t)(pdu[0] + len + (size_t)i);
	return 0;
}

static int port_raise(void *ctx, uint8_t code, void (*done)(void *, bh_status), void *done_ctx)
{
	struct fake_server *f = ctx;
	(void)code;
	f->raise_calls++;
	f->sec_done = done;
	f->sec_ctx = done_ctx;
	return f->raise_ret;
}

struct bh_gattc_port fs_port(struct fake_server *f)
{
	struct bh_gattc_port p = {
		.ctx = f,
		.request = port_request,
		.cancel = port_cancel,
		.command = port_command,
		.mtu = port_mtu,
		.sign = port_sign,
		.raise_security = port_raise,
	};
	return p;
}
