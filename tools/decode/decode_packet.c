/* One trace record: its H4 type, the HCI header, and for ACL data the
 * reassembly of L2CAP frames (per connection handle and direction, as
 * tshark does: the L2CAP layer is shown on the fragment that completes
 * the frame). */
#include "decode.h"

#include <stdlib.h>
#include <string.h>

#define L2CAP_FRAME_MAX (4 + 65535)

void dec_init(struct dec *d, FILE *f, bool json)
{
	memset(d, 0, sizeof(*d));
	d->out.f = f;
	d->out.json = json;
}

void dec_free(struct dec *d)
{
	for (int i = 0; i < DEC_MAX_LINKS; i++)
		free(d->links[i].buf);
	memset(d->links, 0, sizeof(d->links));
}

static struct dec_reasm *link_find(struct dec *d, uint16_t handle, enum bh_trace_dir dir,
				   bool create)
{
	struct dec_reasm *free_slot = NULL;
	for (int i = 0; i < DEC_MAX_LINKS; i++) {
		struct dec_reasm *l = &d->links[i];
		if (l->used && l->handle == handle && l->dir == dir)
			return l;
		if (!l->used && !free_slot)
			free_slot = l;
	}
	if (!create)
		return NULL;
	if (!free_slot) /* more links than slots: the oldest state is dropped */
		free_slot = &d->links[0];
	if (!free_slot->buf && !(free_slot->buf = malloc(L2CAP_FRAME_MAX)))
		return NULL;
	free_slot->used = true;
	free_slot->handle = handle;
	free_slot->dir = dir;
	free_slot->len = free_slot->want = 0;
	return free_slot;
}

static const char *pb_str(unsigned pb)
{
	static const char *const s[] = { "first non-flushable", "continuing", "first",
					 "complete" };
	return s[pb & 3];
}

/* Appends a fragment and decodes the frame once it is whole. */
static void acl_fragment(struct dec *d, struct dout *o, uint16_t handle, enum bh_trace_dir dir,
			 unsigned pb, const uint8_t *p, size_t n)
{
	bool start = pb != 1;
	struct dec_reasm *l = link_find(d, handle, dir, start);
	if (!start && (!l || (!l->want && !l->len))) {
		out_layer(o, "l2cap", "L2CAP", "continuation without a start");
		out_int(o, "len", (long long)n);
		return;
	}
	if (!l)
		return;
	if (start) {
		if (l->len) {
			out_layer(o, "l2cap", "L2CAP", "previous frame left incomplete");
			out_int(o, "had", (long long)l->len);
			out_int(o, "wanted", (long long)l->want);
		}
		l->len = l->want = 0;
	}
	size_t room = L2CAP_FRAME_MAX - l->len;
	if (n > room)
		n = room;
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	if (!l->want && l->len >= 4)
		l->want = 4 + (size_t)(l->buf[0] | l->buf[1] << 8);
	if (l->want && l->len >= l->want) {
		dec_l2cap(o, l->buf, l->len);
		l->used = false;
		l->len = l->want = 0;
	} else {
		out_layer(o, "l2cap", "L2CAP", "fragment");
		out_int(o, "have", (long long)l->len);
		if (l->want)
			out_int(o, "frame_len", (long long)l->want);
	}
}

static void dec_acl(struct dec *d, struct dout *o, const struct bh_trace_rec *r)
{
	struct cur c = cur_make(r->data, r->len);
	uint16_t hf = cur_u16(&c);
	uint16_t len = cur_u16(&c);
	out_layer(o, "hci_acl", "ACL", NULL);
	if (c.short_read) {
		out_truncated(o, r->len);
		return;
	}
	uint16_t handle = hf & 0x0fff;
	unsigned pb = (hf >> 12) & 3, bc = (hf >> 14) & 3;
	out_hex16(o, "handle", handle);
	out_str(o, "pb", pb_str(pb));
	if (bc)
		out_int(o, "bc", bc);
	out_int(o, "dlen", len);
	if (len != c.n) {
		out_int(o, "payload", (long long)c.n);
		out_str(o, "error", "length field does not match the payload");
		return;
	}
	/* 0b11 is reserved on LE links (Vol 4, Part E, 5.4.2). */
	if (pb == 3)
		return;
	acl_fragment(d, o, handle, r->dir, pb, c.p, c.n);
}

static void dec_sync(struct dout *o, const struct bh_trace_rec *r, bool iso)
{
	struct cur c = cur_make(r->data, r->len);
	uint16_t hf = cur_u16(&c);
	unsigned len = iso ? cur_u16(&c) & 0x3fff : cur_u8(&c);
	out_layer(o, iso ? "hci_iso" : "hci_sco", iso ? "ISO" : "SCO", NULL);
	if (c.short_read) {
		out_truncated(o, r->len);
		return;
	}
	out_hex16(o, "handle", hf & 0x0fff);
	out_int(o, "dlen", len);
	out_bytes(o, "data", c.p, c.n);
}

void dec_record(struct dec *d, const struct bh_trace_rec *r)
{
	static const char *const types[] = { "?", "command", "acl", "sco", "event", "iso" };
	struct dout *o = &d->out;
	const char *tn = r->type <= 5 ? types[r->type] : "?";
	d->packets++;
	out_packet(o, r, tn);
	switch (r->type) {
	case 0x01: dec_hci_cmd(o, cur_make(r->data, r->len)); break;
	case 0x02: dec_acl(d, o, r); break;
	case 0x03: dec_sync(o, r, false); break;
	case 0x04: dec_hci_evt(o, cur_make(r->data, r->len)); break;
	case 0x05: dec_sync(o, r, true); break;
	default:
		out_layer(o, "raw", "Unknown packet type", NULL);
		out_bytes(o, "data", r->data, r->len);
		break;
	}
	out_packet_end(o);
}
