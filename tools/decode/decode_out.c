/* The decoder's output: text for people, JSON for programs, from the same
 * calls, so both always say the same thing. */
#include "decode.h"

#include "text_escape.h"

#include <inttypes.h>
#include <stdlib.h>

uint8_t cur_u8(struct cur *c)
{
	const uint8_t *p = cur_bytes(c, 1);
	return p ? p[0] : 0;
}

uint16_t cur_u16(struct cur *c)
{
	const uint8_t *p = cur_bytes(c, 2);
	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t cur_u24(struct cur *c)
{
	const uint8_t *p = cur_bytes(c, 3);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 : 0;
}

uint32_t cur_u32(struct cur *c)
{
	const uint8_t *p = cur_bytes(c, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			   (uint32_t)p[3] << 24
		 : 0;
}

uint64_t cur_u64(struct cur *c)
{
	uint64_t lo = cur_u32(c);
	return lo | (uint64_t)cur_u32(c) << 32;
}

const uint8_t *cur_bytes(struct cur *c, size_t n)
{
	if (c->short_read || n > c->n) {
		c->short_read = true;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	c->n -= n;
	return p;
}

static const char *dir_str(enum bh_trace_dir d)
{
	return d == BH_TRACE_SENT ? "sent" : "received";
}

void out_packet(struct dout *o, const struct bh_trace_rec *r, const char *type_name)
{
	if (!o->have_t0) {
		o->have_t0 = true;
		o->t0 = r->timestamp_us;
	}
	uint64_t t = r->timestamp_us >= o->t0 ? r->timestamp_us - o->t0 : 0;
	o->in_layer = false;
	o->in_list = false;
	if (o->json) {
		json_begin(&o->j, o->f);
		json_int(&o->j, "frame", (long long)r->index);
		json_int(&o->j, "time_us", (long long)t);
		json_str(&o->j, "dir", dir_str(r->dir));
		json_str(&o->j, "type", type_name);
		json_int(&o->j, "len", (long long)r->len);
	} else {
		fprintf(o->f, "#%lu %" PRIu64 ".%06" PRIu64 " %s %s, %zu bytes", r->index,
			t / 1000000, t % 1000000, r->dir == BH_TRACE_SENT ? ">" : "<", type_name,
			r->len);
	}
}

static void end_layer(struct dout *o)
{
	if (o->in_list)
		out_list_end(o);
	if (o->in_layer && o->json)
		json_close(&o->j, '}');
	o->in_layer = false;
}

void out_packet_end(struct dout *o)
{
	end_layer(o);
	if (o->json)
		json_end(&o->j);
	else
		fputc('\n', o->f);
}

void out_layer(struct dout *o, const char *key, const char *label, const char *title)
{
	end_layer(o);
	o->in_layer = true;
	o->fields = 0;
	if (o->json) {
		json_obj(&o->j, key);
		if (title)
			json_str(&o->j, "name", title);
	} else {
		fprintf(o->f, "\n    %s%s%s:", label, title ? " " : "", title ? title : "");
	}
}

/* Text: " k v" after the layer's title, fields separated by commas. */
static void text_key(struct dout *o, const char *k)
{
	fprintf(o->f, "%s %s ", o->fields++ ? "," : "", k);
}

void out_int(struct dout *o, const char *k, long long v)
{
	if (o->json) {
		json_int(&o->j, k, v);
	} else {
		text_key(o, k);
		fprintf(o->f, "%lld", v);
	}
}

void out_hex16(struct dout *o, const char *k, unsigned v)
{
	if (o->json) {
		json_int(&o->j, k, v);
	} else {
		text_key(o, k);
		fprintf(o->f, "0x%04x", v);
	}
}

void out_hex8(struct dout *o, const char *k, unsigned v)
{
	if (o->json) {
		json_int(&o->j, k, v);
	} else {
		text_key(o, k);
		fprintf(o->f, "0x%02x", v);
	}
}

void out_str(struct dout *o, const char *k, const char *v)
{
	if (o->json) {
		json_str(&o->j, k, v);
	} else {
		text_key(o, k);
		fputs(v, o->f);
	}
}

void out_bool(struct dout *o, const char *k, bool v)
{
	if (o->json) {
		json_bool(&o->j, k, v);
	} else {
		text_key(o, k);
		fputs(v ? "yes" : "no", o->f);
	}
}

void out_bytes(struct dout *o, const char *k, const uint8_t *p, size_t n)
{
	if (o->json) {
		json_hex(&o->j, k, p, n);
		return;
	}
	text_key(o, k);
	if (!n)
		fputs("(empty)", o->f);
	for (size_t i = 0; i < n; i++)
		fprintf(o->f, "%02x", p[i]);
}

void out_text(struct dout *o, const char *k, const uint8_t *p, size_t n)
{
	if (o->json) {
		json_text(&o->j, k, p, n);
		return;
	}
	text_key(o, k);
	/* Every byte may become \xNN: four characters each. */
	size_t cap = n * 4 + 3;
	char *buf = malloc(cap);
	if (!buf)
		return;
	text_escape(buf, cap, p, n, true);
	fprintf(o->f, "\"%s\"", buf);
	free(buf);
}

void out_addr(struct dout *o, const char *k, const uint8_t le6[6], uint8_t type)
{
	char s[32];
	snprintf(s, sizeof(s), "%02X:%02X:%02X:%02X:%02X:%02X", le6[5], le6[4], le6[3], le6[2],
		 le6[1], le6[0]);
	static const char *const types[] = { "public", "random", "public identity",
					     "random identity" };
	const char *t = type < 4 ? types[type] : "unknown type";
	if (o->json) {
		json_obj(&o->j, k);
		json_str(&o->j, "addr", s);
		json_int(&o->j, "type", type);
		json_str(&o->j, "type_name", t);
		json_close(&o->j, '}');
	} else {
		text_key(o, k);
		fprintf(o->f, "%s (%s)", s, t);
	}
}

void out_code(struct dout *o, const char *k, unsigned v, const char *name)
{
	if (o->json) {
		char nk[64];
		json_int(&o->j, k, v);
		snprintf(nk, sizeof(nk), "%s_name", k);
		json_str(&o->j, nk, name);
	} else {
		text_key(o, k);
		fprintf(o->f, "0x%02x (%s)", v, name);
	}
}

void out_list_begin(struct dout *o, const char *k)
{
	o->in_list = true;
	o->list_items = 0;
	if (o->json)
		json_arr(&o->j, k);
	else
		text_key(o, k);
}

void out_list_hex16(struct dout *o, unsigned v)
{
	if (o->json)
		json_item_int(&o->j, v);
	else
		fprintf(o->f, "%s0x%04x", o->list_items ? "," : "", v);
	o->list_items++;
}

void out_list_end(struct dout *o)
{
	if (!o->in_list)
		return;
	o->in_list = false;
	if (o->json)
		json_close(&o->j, ']');
	else if (!o->list_items)
		fputs("(none)", o->f);
}

void out_truncated(struct dout *o, size_t have)
{
	if (o->in_list)
		out_list_end(o);
	if (o->json) {
		json_bool(&o->j, "truncated", true);
		json_int(&o->j, "have", (long long)have);
	} else {
		text_key(o, "truncated");
		fprintf(o->f, "(%zu bytes)", have);
	}
}

void out_conn_range(struct dout *o, struct cur *c)
{
	unsigned mn = cur_u16(c), mx = cur_u16(c), lat = cur_u16(c), to = cur_u16(c);
	if (c->short_read)
		return;
	out_int(o, "interval_min_us", (long long)mn * 1250);
	out_int(o, "interval_max_us", (long long)mx * 1250);
	out_int(o, "latency", lat);
	out_int(o, "supervision_timeout_ms", (long long)to * 10);
}

void out_opcode_pdu(struct dout *o, struct cur c, const char *key, const char *label,
		    const char *key_op, const char *(*name)(uint8_t),
		    void (*fields)(struct dout *, uint8_t, struct cur *))
{
	size_t total = c.n;
	uint8_t op = cur_u8(&c);
	out_layer(o, key, label, c.short_read ? NULL : name(op));
	if (c.short_read) {
		out_truncated(o, total);
		return;
	}
	out_hex8(o, key_op, op);
	fields(o, op, &c);
	if (c.short_read)
		out_truncated(o, total);
	else if (c.n)
		out_bytes(o, "extra", c.p, c.n);
}
