/* HCI commands and events (Vol 4, Part E, 5.4 and 7): the header, the name,
 * and the parameters of the commands and events an LE host meets most.
 * Anything else shows its parameters as hex. */
#include "decode.h"
#include "decode_names.h"

#include <blehost/bh_err.h>
#include <blehost/hci.h>

static void status(struct dout *o, struct cur *c, const char *k)
{
	uint8_t s = cur_u8(c);
	if (!c->short_read)
		out_code(o, k, s, bh_hci_status_str(s));
}

static void handle(struct dout *o, struct cur *c)
{
	uint16_t h = cur_u16(c);
	if (!c->short_read)
		out_hex16(o, "handle", h & 0x0fff);
}

static void addr(struct dout *o, struct cur *c, const char *k)
{
	uint8_t t = cur_u8(c);
	const uint8_t *a = cur_bytes(c, 6);
	if (a)
		out_addr(o, k, a, t);
}

/* A time in spec units, shown in milliseconds (units of 1/unit_div ms
 * times unit_mul: 0.625 ms = 5/8, 1.25 ms = 5/4, 10 ms = 10/1). */
static void ms(struct dout *o, const char *k, unsigned v, unsigned mul, unsigned div)
{
	out_int(o, k, (long long)v * mul / div);
}

static void rest(struct dout *o, struct cur *c)
{
	if (c->n)
		out_bytes(o, "params", c->p, c->n);
}

/* The header's parameter length against the packet: a shorter packet is
 * shown as hex (false: stop), a longer one is cut to the length. */
static bool plen_ok(struct dout *o, struct cur *c, uint8_t plen)
{
	out_int(o, "plen", plen);
	if (plen == c->n)
		return true;
	out_str(o, "error", "parameter length does not match the packet");
	if (plen > c->n) {
		rest(o, c);
		return false;
	}
	c->n = plen;
	return true;
}

/* ---- Commands ---- */

static void cmd_params(struct dout *o, uint16_t op, struct cur *c)
{
	switch (op) {
	case BH_HCI_DISCONNECT: {
		handle(o, c);
		uint8_t r = cur_u8(c);
		if (!c->short_read)
			out_code(o, "reason", r, bh_hci_status_str(r));
		break;
	}
	case BH_HCI_LE_SET_RANDOM_ADDRESS: {
		const uint8_t *a = cur_bytes(c, 6);
		if (a)
			out_addr(o, "addr", a, 1);
		break;
	}
	case BH_HCI_LE_SET_ADV_PARAMS: {
		unsigned mn = cur_u16(c), mx = cur_u16(c);
		uint8_t type = cur_u8(c), own = cur_u8(c);
		if (c->short_read)
			break;
		ms(o, "interval_min_ms", mn, 5, 8);
		ms(o, "interval_max_ms", mx, 5, 8);
		out_int(o, "adv_type", type);
		out_int(o, "own_addr_type", own);
		addr(o, c, "peer");
		out_hex8(o, "channel_map", cur_u8(c));
		out_int(o, "filter_policy", cur_u8(c));
		break;
	}
	case BH_HCI_LE_SET_ADV_DATA:
	case BH_HCI_LE_SET_SCAN_RSP_DATA: {
		uint8_t n = cur_u8(c);
		const uint8_t *p = cur_bytes(c, 31);
		if (p)
			dec_ad(o, "ad", p, n <= 31 ? n : 31);
		break;
	}
	case BH_HCI_LE_SET_ADV_ENABLE:
		out_bool(o, "enable", cur_u8(c));
		break;
	case BH_HCI_LE_SET_SCAN_PARAMS: {
		uint8_t type = cur_u8(c);
		unsigned iv = cur_u16(c), win = cur_u16(c);
		uint8_t own = cur_u8(c), filt = cur_u8(c);
		if (c->short_read)
			break;
		out_str(o, "scan", type ? "active" : "passive");
		ms(o, "interval_ms", iv, 5, 8);
		ms(o, "window_ms", win, 5, 8);
		out_int(o, "own_addr_type", own);
		out_int(o, "filter_policy", filt);
		break;
	}
	case BH_HCI_LE_SET_SCAN_ENABLE: {
		uint8_t en = cur_u8(c), dup = cur_u8(c);
		if (c->short_read)
			break;
		out_bool(o, "enable", en);
		out_bool(o, "filter_duplicates", dup);
		break;
	}
	case BH_HCI_LE_CREATE_CONN: {
		unsigned iv = cur_u16(c), win = cur_u16(c);
		uint8_t filt = cur_u8(c);
		if (c->short_read)
			break;
		ms(o, "scan_interval_ms", iv, 5, 8);
		ms(o, "scan_window_ms", win, 5, 8);
		out_int(o, "filter_policy", filt);
		addr(o, c, "peer");
		out_int(o, "own_addr_type", cur_u8(c));
		out_conn_range(o, c);
		cur_bytes(c, 4); /* CE lengths */
		break;
	}
	case BH_HCI_LE_CONN_UPDATE: {
		handle(o, c);
		out_conn_range(o, c);
		cur_bytes(c, 4); /* CE lengths */
		break;
	}
	case BH_HCI_LE_ADD_TO_ACCEPT_LIST:
	case BH_HCI_LE_REMOVE_FROM_ACCEPT_LIST:
		addr(o, c, "addr");
		break;
	case BH_HCI_LE_ADD_TO_RESOLVING_LIST: {
		addr(o, c, "peer_identity");
		const uint8_t *pirk = cur_bytes(c, 16), *lirk = cur_bytes(c, 16);
		if (pirk && lirk) {
			out_bytes(o, "peer_irk", pirk, 16);
			out_bytes(o, "local_irk", lirk, 16);
		}
		break;
	}
	case BH_HCI_LE_ENABLE_ENCRYPTION: {
		handle(o, c);
		const uint8_t *rand = cur_bytes(c, 8);
		unsigned ediv = cur_u16(c);
		const uint8_t *ltk = cur_bytes(c, 16);
		if (!ltk)
			break;
		out_bytes(o, "rand", rand, 8);
		out_hex16(o, "ediv", ediv);
		out_bytes(o, "ltk", ltk, 16);
		break;
	}
	case BH_HCI_LE_LTK_REPLY: {
		handle(o, c);
		const uint8_t *ltk = cur_bytes(c, 16);
		if (ltk)
			out_bytes(o, "ltk", ltk, 16);
		break;
	}
	case BH_HCI_LE_LTK_NEG_REPLY:
	case BH_HCI_LE_READ_REMOTE_FEATURES:
	case BH_HCI_READ_REMOTE_VERSION:
	case BH_HCI_READ_RSSI:
		handle(o, c);
		break;
	case BH_HCI_LE_SET_DATA_LENGTH: {
		handle(o, c);
		unsigned oct = cur_u16(c), t = cur_u16(c);
		if (c->short_read)
			break;
		out_int(o, "tx_octets", oct);
		out_int(o, "tx_time_us", t);
		break;
	}
	default:
		break;
	}
	rest(o, c);
}

void dec_hci_cmd(struct dout *o, struct cur c)
{
	size_t total = c.n;
	uint16_t op = cur_u16(&c);
	uint8_t plen = cur_u8(&c);
	out_layer(o, "hci_cmd", "HCI Command", c.short_read ? NULL : dec_opcode_name(op));
	if (c.short_read) {
		out_truncated(o, total);
		return;
	}
	out_hex16(o, "opcode", op);
	out_hex8(o, "ogf", op >> 10);
	out_hex16(o, "ocf", op & 0x3ff);
	if (!plen_ok(o, &c, plen))
		return;
	cmd_params(o, op, &c);
	if (c.short_read)
		out_truncated(o, total);
}

/* ---- Command Complete return parameters ---- */

static void complete_params(struct dout *o, uint16_t op, struct cur *c)
{
	if (!c->n)
		return;
	status(o, c, "status");
	switch (op) {
	case BH_HCI_READ_BD_ADDR: {
		const uint8_t *a = cur_bytes(c, 6);
		if (a)
			out_addr(o, "bd_addr", a, 0);
		break;
	}
	case BH_HCI_READ_LOCAL_VERSION: {
		uint8_t hv = cur_u8(c);
		unsigned hr = cur_u16(c);
		uint8_t lv = cur_u8(c);
		unsigned mf = cur_u16(c), ls = cur_u16(c);
		if (c->short_read)
			break;
		out_hex8(o, "hci_version", hv);
		out_hex16(o, "hci_revision", hr);
		out_hex8(o, "lmp_version", lv);
		out_hex16(o, "manufacturer", mf);
		out_hex16(o, "lmp_subversion", ls);
		break;
	}
	case BH_HCI_LE_READ_BUFFER_SIZE: {
		unsigned len = cur_u16(c);
		uint8_t num = cur_u8(c);
		if (c->short_read)
			break;
		out_int(o, "le_acl_len", len);
		out_int(o, "le_acl_num", num);
		break;
	}
	case BH_HCI_READ_BUFFER_SIZE: {
		unsigned acl = cur_u16(c);
		uint8_t sco = cur_u8(c);
		unsigned nacl = cur_u16(c), nsco = cur_u16(c);
		if (c->short_read)
			break;
		out_int(o, "acl_len", acl);
		out_int(o, "sco_len", sco);
		out_int(o, "acl_num", nacl);
		out_int(o, "sco_num", nsco);
		break;
	}
	case BH_HCI_READ_RSSI: {
		handle(o, c);
		int8_t rssi = (int8_t)cur_u8(c);
		if (!c->short_read)
			out_int(o, "rssi", rssi);
		break;
	}
	case BH_HCI_LE_LTK_REPLY:
	case BH_HCI_LE_LTK_NEG_REPLY:
	case BH_HCI_LE_SET_DATA_LENGTH:
		handle(o, c);
		break;
	case BH_HCI_LE_READ_ACCEPT_LIST_SIZE:
	case BH_HCI_LE_READ_RESOLVING_LIST_SIZE:
	case BH_HCI_LE_READ_NUM_ADV_SETS: {
		uint8_t n = cur_u8(c);
		if (!c->short_read)
			out_int(o, "size", n);
		break;
	}
	default:
		break;
	}
	if (c->n)
		out_bytes(o, "return", c->p, c->n);
}

/* ---- Events ---- */

static void evt_params(struct dout *o, uint8_t code, struct cur *c)
{
	switch (code) {
	case BH_HCI_EVT_CMD_COMPLETE: {
		uint8_t ncmd = cur_u8(c);
		uint16_t op = cur_u16(c);
		if (c->short_read)
			return;
		out_int(o, "ncmd", ncmd);
		out_hex16(o, "opcode", op);
		out_str(o, "command", dec_opcode_name(op));
		complete_params(o, op, c);
		return;
	}
	case BH_HCI_EVT_CMD_STATUS: {
		status(o, c, "status");
		uint8_t ncmd = cur_u8(c);
		uint16_t op = cur_u16(c);
		if (c->short_read)
			return;
		out_int(o, "ncmd", ncmd);
		out_hex16(o, "opcode", op);
		out_str(o, "command", dec_opcode_name(op));
		break;
	}
	case BH_HCI_EVT_DISCONN_COMPLETE: {
		status(o, c, "status");
		handle(o, c);
		uint8_t r = cur_u8(c);
		if (!c->short_read)
			out_code(o, "reason", r, bh_hci_status_str(r));
		break;
	}
	case BH_HCI_EVT_ENCRYPT_CHANGE:
	case BH_HCI_EVT_ENCRYPT_CHANGE_V2: {
		status(o, c, "status");
		handle(o, c);
		uint8_t en = cur_u8(c);
		if (!c->short_read)
			out_int(o, "encryption", en);
		if (code == BH_HCI_EVT_ENCRYPT_CHANGE_V2) {
			uint8_t ks = cur_u8(c);
			if (!c->short_read)
				out_int(o, "key_size", ks);
		}
		break;
	}
	case BH_HCI_EVT_ENCRYPT_KEY_REFRESH_COMPLETE:
		status(o, c, "status");
		handle(o, c);
		break;
	case BH_HCI_EVT_READ_REMOTE_VERSION_COMPLETE: {
		status(o, c, "status");
		handle(o, c);
		uint8_t v = cur_u8(c);
		unsigned mf = cur_u16(c), sub = cur_u16(c);
		if (c->short_read)
			break;
		out_hex8(o, "version", v);
		out_hex16(o, "manufacturer", mf);
		out_hex16(o, "subversion", sub);
		break;
	}
	case BH_HCI_EVT_HARDWARE_ERROR: {
		uint8_t hc = cur_u8(c);
		if (!c->short_read)
			out_hex8(o, "hardware_code", hc);
		break;
	}
	case BH_HCI_EVT_NUM_COMPLETED_PACKETS: {
		uint8_t n = cur_u8(c);
		if (c->short_read)
			break;
		out_list_begin(o, "handles");
		struct cur counts = *c;
		cur_bytes(&counts, (size_t)n * 2);
		for (unsigned i = 0; i < n && !c->short_read; i++) {
			uint16_t h = cur_u16(c);
			if (!c->short_read)
				out_list_hex16(o, h & 0x0fff);
		}
		out_list_end(o);
		if (c->short_read)
			break;
		out_list_begin(o, "counts");
		for (unsigned i = 0; i < n && !counts.short_read; i++) {
			uint16_t k = cur_u16(&counts);
			if (!counts.short_read)
				out_list_hex16(o, k);
		}
		out_list_end(o);
		*c = counts;
		break;
	}
	case BH_HCI_EVT_DATA_BUFFER_OVERFLOW: {
		uint8_t t = cur_u8(c);
		if (!c->short_read)
			out_int(o, "link_type", t);
		break;
	}
	case 0x57: /* Authenticated Payload Timeout Expired */
		handle(o, c);
		break;
	default:
		break;
	}
	rest(o, c);
}

void dec_hci_evt(struct dout *o, struct cur c)
{
	size_t total = c.n;
	uint8_t code = cur_u8(&c);
	uint8_t plen = cur_u8(&c);
	out_layer(o, "hci_evt", "HCI Event", c.short_read ? NULL : dec_event_name(code));
	if (c.short_read) {
		out_truncated(o, total);
		return;
	}
	out_hex8(o, "code", code);
	if (!plen_ok(o, &c, plen))
		return;
	if (code == BH_HCI_EVT_LE_META)
		dec_le_meta(o, &c);
	else
		evt_params(o, code, &c);
	if (c.short_read)
		out_truncated(o, total);
}
