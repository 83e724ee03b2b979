/* Multiple Handle Value Notifications (Vol 3, Part F, 3.4.7.4; Part G,
 * 4.10.2): several values in one PDU, for clients that said in their Client
 * Supported Features that they understand it (Part G, 7.2); everyone else
 * gets ordinary notifications. */
#include "gatts_internal.h"

#include <string.h>

#define TUPLE_HDR 4 /* handle, length */

struct packer {
	struct bh_gatts *s;
	struct gatts_conn *c;
	uint16_t conn;
	size_t room; /* MTU-1: the tuple list after the opcode */
	uint8_t buf[BH_ATT_MAX_MTU];
	size_t len;
	unsigned count; /* tuples in buf */
};

/* Sends what buf holds: one tuple as an ordinary notification (the
 * multiple PDU needs two or more), more as one multiple notification. */
static int flush(struct packer *p)
{
	if (!p->count)
		return 0;
	int rc;
	if (p->count == 1)
		rc = gatts_port_notify(p->s, p->c, bh_get16(p->buf), p->buf + TUPLE_HDR,
				       bh_get16(p->buf + 2), NULL);
	else
		rc = p->s->port.notify_multiple(p->s->port.ctx, p->conn, p->buf, p->len);
	if (rc == 0) {
		p->len = 0;
		p->count = 0;
	}
	return rc;
}

int bh_gatts_notify_multiple(struct bh_gatts *s, uint16_t conn, const uint16_t *value_handles,
			     unsigned n)
{
	if (!s || !value_handles || !n)
		return BH_EINVAL;
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c)
		return BH_ENOTFOUND;
	if (!s->port.notify)
		return BH_ENOTSUP;
	for (unsigned i = 0; i < n; i++) {
		struct gatts_attr *a = gatts_find(s, value_handles[i]);
		if (!a || a->kind != GATTS_K_VALUE || !bh_gatts_cccd_handle(s, value_handles[i]))
			return BH_ENOTFOUND;
		if (!(gatts_cccd_get(c, bh_gatts_cccd_handle(s, value_handles[i])) & 1))
			return BH_ESTATE;
	}
	bool multi = (c->csf & GATTS_CSF_MULT_NTF) && s->port.notify_multiple;
	struct packer p = { .s = s, .c = c, .conn = conn };
	uint16_t mtu = s->port.mtu ? s->port.mtu(s->port.ctx, conn) : BH_ATT_DEFAULT_MTU;
	p.room = (size_t)mtu - 1;
	unsigned sent = 0;
	for (unsigned i = 0; i < n; i++) {
		const void *v = NULL;
		size_t len = 0;
		struct gatts_attr *a;
		bh_status st = gatts_ntf_value(s, conn, value_handles[i], &v, &len, &a);
		if (st != BH_OK)
			return sent ? (int)sent : st;
		if (!multi || TUPLE_HDR + len > p.room) {
			/* Alone: what is packed goes first, to keep the order. */
			int rc = flush(&p);
			if (rc == 0)
				rc = gatts_port_notify(s, c, value_handles[i], v, len, NULL);
			if (rc)
				return rc == BH_EBUSY ? (int)(sent - p.count) : rc;
			sent++;
			continue;
		}
		if (p.len + TUPLE_HDR + len > p.room) {
			int rc = flush(&p);
			if (rc)
				return rc == BH_EBUSY ? (int)(sent - p.count) : rc;
		}
		bh_put16(p.buf + p.len, value_handles[i]);
		bh_put16(p.buf + p.len + 2, (uint16_t)len);
		if (len)
			memcpy(p.buf + p.len + TUPLE_HDR, v, len);
		p.len += TUPLE_HDR + len;
		p.count++;
		sent++;
	}
	int rc = flush(&p);
	if (rc)
		return rc == BH_EBUSY ? (int)(sent - p.count) : rc;
	return (int)sent;
}
