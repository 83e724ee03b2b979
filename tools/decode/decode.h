/* `blehost decode`: every packet of a trace decoded through HCI, L2CAP,
 * ATT/GATT and SMP, as text (one header line per packet, one indented line
 * per layer) or as JSON (one object per packet, one nested object per
 * layer).
 *
 * Everything here reads bytes a peer or a damaged file chose: every read
 * goes through a bounds-checked cursor, and a layer that runs out of bytes
 * says so ("truncated") instead of guessing. Decoding never stops the
 * file: the next packet starts afresh.
 */
#ifndef BH_TOOLS_DECODE_H
#define BH_TOOLS_DECODE_H

#include <blehost/bh_addr.h>
#include <blehost/transport.h>

#include "json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Bounds-checked reading ---- */

struct cur {
	const uint8_t *p;
	size_t n;
	bool short_read; /* a read wanted more than was left */
};

static inline struct cur cur_make(const uint8_t *p, size_t n)
{
	return (struct cur){ p, n, false };
}
uint8_t cur_u8(struct cur *c);
uint16_t cur_u16(struct cur *c);
uint32_t cur_u24(struct cur *c);
uint32_t cur_u32(struct cur *c);
uint64_t cur_u64(struct cur *c);
/* n bytes, or NULL (and short_read) when fewer are left. */
const uint8_t *cur_bytes(struct cur *c, size_t n);

/* ---- Output: text or JSON, one packet at a time ---- */

struct dout {
	FILE *f;
	bool json;
	struct json j;
	bool in_layer, in_list;
	unsigned fields; /* in the current text line */
	unsigned list_items;
	bool have_t0;
	uint64_t t0; /* the first record's time: text shows times from it */
};

/* Starts a packet: frame number, time, direction and H4 type name. */
void out_packet(struct dout *o, const struct bh_trace_rec *r, const char *type_name);
void out_packet_end(struct dout *o);
/* Starts a layer: a text line "LABEL TITLE:" / a JSON object under key with
 * "name": title. title may be NULL. Ends the previous layer. */
void out_layer(struct dout *o, const char *key, const char *label, const char *title);
void out_int(struct dout *o, const char *k, long long v);
void out_hex16(struct dout *o, const char *k, unsigned v); /* text 0x%04x, JSON number */
void out_hex8(struct dout *o, const char *k, unsigned v);  /* text 0x%02x, JSON number */
void out_str(struct dout *o, const char *k, const char *v);
void out_bool(struct dout *o, const char *k, bool v);
void out_bytes(struct dout *o, const char *k, const uint8_t *p, size_t n); /* hex */
void out_text(struct dout *o, const char *k, const uint8_t *p, size_t n);  /* escaped */
void out_addr(struct dout *o, const char *k, const uint8_t le6[6], uint8_t type);
/* A status/reason/error code with its name: "reason 0x13 (Remote User
 * Terminated Connection)"; JSON: k = number, k_name = name. */
void out_code(struct dout *o, const char *k, unsigned v, const char *name);
/* A list of numbers ("handles 0x0001,0x0005"; JSON array of numbers). */
void out_list_begin(struct dout *o, const char *k);
void out_list_hex16(struct dout *o, unsigned v);
void out_list_end(struct dout *o);
/* The layer could not be read whole: says how many bytes were there. */
void out_truncated(struct dout *o, size_t have);
/* Interval min/max (1.25 ms units, shown in us), latency, supervision
 * timeout (10 ms units, shown in ms): the four fields every connection
 * parameter PDU carries (HCI, LE Meta, L2CAP signaling). */
void out_conn_range(struct dout *o, struct cur *c);
/* A PDU with a one-octet opcode first (ATT, SMP): the layer titled by
 * name(op), key_op = op, fields(), then the verdict on what is left. */
void out_opcode_pdu(struct dout *o, struct cur c, const char *key, const char *label,
		    const char *key_op, const char *(*name)(uint8_t),
		    void (*fields)(struct dout *, uint8_t, struct cur *));

/* ---- The decoder ---- */

#define DEC_MAX_LINKS 16

struct dec_reasm {
	bool used;
	uint16_t handle;
	enum bh_trace_dir dir;
	uint8_t *buf;
	size_t len, want; /* want: 0 until the L2CAP header is in */
};

struct dec {
	struct dout out;
	struct dec_reasm links[DEC_MAX_LINKS];
	unsigned long packets, malformed;
};

void dec_init(struct dec *d, FILE *f, bool json);
void dec_free(struct dec *d);
/* Decodes one trace record and prints it. */
void dec_record(struct dec *d, const struct bh_trace_rec *r);

/* Layers, each given the bytes of its PDU. */
void dec_hci_cmd(struct dout *o, struct cur c);
void dec_hci_evt(struct dout *o, struct cur c);
/* Adds the sub-event and its parameters to the HCI Event layer. */
void dec_le_meta(struct dout *o, struct cur *c);
void dec_ad(struct dout *o, const char *k, const uint8_t *p, size_t n);
void dec_l2cap(struct dout *o, const uint8_t *frame, size_t len);
void dec_l2cap_sig(struct dout *o, struct cur c);
void dec_att(struct dout *o, struct cur c);
void dec_smp(struct dout *o, struct cur c);

#endif
