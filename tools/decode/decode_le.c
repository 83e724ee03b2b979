/* LE Meta events (Vol 4, Part E, 7.7.65) and advertising data (Vol 3,
 * Part C, 11; Supplement, Part A). */
#include "decode.h"
#include "decode_names.h"

#include <blehost/gap.h>
#include <blehost/hci.h>

#include <stdio.h>

static void status(struct dout *o, struct cur *c)
{
	uint8_t s = cur_u8(c);
	if (!c->short_read)
		out_code(o, "status", s, bh_hci_status_str(s));
}

static void handle(struct dout *o, struct cur *c)
{
	uint16_t h = cur_u16(c);
	if (!c->short_read)
		out_hex16(o, "handle", h & 0x0fff);
}

static void addr(struct dout *o, struct cur *c, const char *k, uint8_t type)
{
	const uint8_t *a = cur_bytes(c, 6);
	if (a)
		out_addr(o, k, a, type);
}

static void conn_params(struct dout *o, struct cur *c)
{
	unsigned iv = cur_u16(c), lat = cur_u16(c), to = cur_u16(c);
	if (c->short_read)
		return;
	out_int(o, "interval_us", (long long)iv * 1250);
	out_int(o, "latency", lat);
	out_int(o, "supervision_timeout_ms", (long long)to * 10);
}

static void conn_complete(struct dout *o, struct cur *c, bool enhanced)
{
	status(o, c);
	handle(o, c);
	uint8_t role = cur_u8(c), pt = cur_u8(c);
	if (c->short_read)
		return;
	out_str(o, "role", role == 0 ? "central" : role == 1 ? "peripheral" : "?");
	addr(o, c, "peer", pt);
	if (enhanced) {
		addr(o, c, "local_rpa", 1);
		addr(o, c, "peer_rpa", 1);
	}
	conn_params(o, c);
	uint8_t sca = cur_u8(c);
	if (!c->short_read)
		out_int(o, "central_clock_accuracy", sca);
}

/* Legacy reports: all event types first, then all addresses ... (the
 * arrays of 7.7.65.2 are interleaved per report in practice: one report
 * per event is what every controller sends; several are read in order). */
static void adv_report(struct dout *o, struct cur *c)
{
	uint8_t n = cur_u8(c);
	if (c->short_read)
		return;
	out_int(o, "reports", n);
	for (unsigned i = 0; i < n && !c->short_read; i++) {
		uint8_t type = cur_u8(c), at = cur_u8(c);
		if (c->short_read)
			return;
		out_int(o, "event_type", type);
		addr(o, c, "addr", at);
		uint8_t len = cur_u8(c);
		const uint8_t *ad = cur_bytes(c, len);
		int8_t rssi = (int8_t)cur_u8(c);
		if (c->short_read)
			return;
		dec_ad(o, "ad", ad, len);
		out_int(o, "rssi", rssi);
	}
}

static void ext_adv_report(struct dout *o, struct cur *c)
{
	uint8_t n = cur_u8(c);
	if (c->short_read)
		return;
	out_int(o, "reports", n);
	for (unsigned i = 0; i < n && !c->short_read; i++) {
		unsigned type = cur_u16(c);
		uint8_t at = cur_u8(c);
		if (c->short_read)
			return;
		out_hex16(o, "event_type", type);
		addr(o, c, "addr", at);
		uint8_t p1 = cur_u8(c), p2 = cur_u8(c), sid = cur_u8(c);
		int8_t tx = (int8_t)cur_u8(c), rssi = (int8_t)cur_u8(c);
		unsigned piv = cur_u16(c);
		uint8_t dt = cur_u8(c);
		const uint8_t *da = cur_bytes(c, 6);
		uint8_t len = cur_u8(c);
		const uint8_t *ad = cur_bytes(c, len);
		if (c->short_read)
			return;
		out_int(o, "primary_phy", p1);
		out_int(o, "secondary_phy", p2);
		out_int(o, "sid", sid);
		out_int(o, "tx_power", tx);
		out_int(o, "rssi", rssi);
		if (piv)
			out_int(o, "periodic_interval_us", (long long)piv * 1250);
		if (type & 0x04) /* directed */
			out_addr(o, "direct_addr", da, dt);
		dec_ad(o, "ad", ad, len);
	}
}

void dec_le_meta(struct dout *o, struct cur *c)
{
	uint8_t sub = cur_u8(c);
	if (c->short_read)
		return;
	out_hex8(o, "subevent", sub);
	out_str(o, "subevent_name", dec_subevent_name(sub));
	switch (sub) {
	case BH_LE_CONN_COMPLETE:
		conn_complete(o, c, false);
		break;
	case BH_LE_ENH_CONN_COMPLETE:
	case BH_LE_ENH_CONN_COMPLETE_V2:
		conn_complete(o, c, true);
		if (sub == BH_LE_ENH_CONN_COMPLETE_V2) {
			uint8_t h = cur_u8(c);
			unsigned sync = cur_u16(c);
			if (!c->short_read) {
				out_int(o, "adv_handle", h);
				out_hex16(o, "sync_handle", sync);
			}
		}
		break;
	case BH_LE_ADV_REPORT:
		adv_report(o, c);
		break;
	case BH_LE_EXT_ADV_REPORT:
		ext_adv_report(o, c);
		break;
	case BH_LE_CONN_UPDATE_COMPLETE:
		status(o, c);
		handle(o, c);
		conn_params(o, c);
		break;
	case BH_LE_READ_REMOTE_FEATURES_COMPLETE: {
		status(o, c);
		handle(o, c);
		const uint8_t *f = cur_bytes(c, 8);
		if (f)
			out_bytes(o, "features", f, 8);
		break;
	}
	case BH_LE_LTK_REQUEST: {
		handle(o, c);
		const uint8_t *rand = cur_bytes(c, 8);
		unsigned ediv = cur_u16(c);
		if (c->short_read)
			break;
		out_bytes(o, "rand", rand, 8);
		out_hex16(o, "ediv", ediv);
		break;
	}
	case BH_LE_REMOTE_CONN_PARAM_REQUEST:
		handle(o, c);
		out_conn_range(o, c);
		break;
	case BH_LE_DATA_LENGTH_CHANGE: {
		handle(o, c);
		unsigned to = cur_u16(c), tt = cur_u16(c), ro = cur_u16(c), rt = cur_u16(c);
		if (c->short_read)
			break;
		out_int(o, "max_tx_octets", to);
		out_int(o, "max_tx_time_us", tt);
		out_int(o, "max_rx_octets", ro);
		out_int(o, "max_rx_time_us", rt);
		break;
	}
	case BH_LE_PHY_UPDATE_COMPLETE: {
		status(o, c);
		handle(o, c);
		uint8_t tx = cur_u8(c), rx = cur_u8(c);
		if (c->short_read)
			break;
		out_int(o, "tx_phy", tx);
		out_int(o, "rx_phy", rx);
		break;
	}
	case BH_LE_CHANNEL_SEL_ALGO: {
		handle(o, c);
		uint8_t a = cur_u8(c);
		if (!c->short_read)
			out_int(o, "algorithm", a + 1);
		break;
	}
	case BH_LE_ADV_SET_TERMINATED: {
		status(o, c);
		uint8_t ah = cur_u8(c);
		uint16_t h = cur_u16(c);
		uint8_t n = cur_u8(c);
		if (c->short_read)
			break;
		out_int(o, "adv_handle", ah);
		out_hex16(o, "handle", h & 0x0fff);
		out_int(o, "completed_events", n);
		break;
	}
	case BH_LE_SCAN_REQ_RECEIVED: {
		uint8_t ah = cur_u8(c), at = cur_u8(c);
		if (c->short_read)
			break;
		out_int(o, "adv_handle", ah);
		addr(o, c, "scanner", at);
		break;
	}
	default:
		break;
	}
	if (!c->short_read && c->n)
		out_bytes(o, "params", c->p, c->n);
}

/* ---- Advertising data ---- */

void dec_ad(struct dout *o, const char *k, const uint8_t *p, size_t n)
{
	out_bytes(o, k, p, n);
	struct cur c = cur_make(p, n);
	while (c.n) {
		uint8_t len = cur_u8(&c);
		if (!len) /* the rest is padding (Vol 3, Part C, 11) */
			break;
		const uint8_t *s = cur_bytes(&c, len);
		if (!s) {
			out_str(o, "ad_error", "AD structure runs past the data");
			return;
		}
		uint8_t type = s[0];
		const uint8_t *v = s + 1;
		size_t vn = len - 1u;
		switch (type) {
		case 0x08:
		case 0x09:
			out_text(o, "name", v, vn);
			break;
		case 0x01:
			if (vn)
				out_hex8(o, "flags", v[0]);
			break;
		case 0x02:
		case 0x03:
			out_list_begin(o, "uuid16");
			for (size_t i = 0; i + 1 < vn; i += 2)
				out_list_hex16(o, (unsigned)(v[i] | v[i + 1] << 8));
			out_list_end(o);
			break;
		case 0x0a:
			if (vn)
				out_int(o, "tx_power", (int8_t)v[0]);
			break;
		case 0x19:
			if (vn >= 2)
				out_hex16(o, "appearance", (unsigned)(v[0] | v[1] << 8));
			break;
		case 0xff:
			if (vn >= 2) {
				out_hex16(o, "company", (unsigned)(v[0] | v[1] << 8));
				out_bytes(o, "manufacturer_data", v + 2, vn - 2);
			}
			break;
		default: {
			char key[16];
			snprintf(key, sizeof(key), "ad_0x%02x", type);
			out_bytes(o, key, v, vn);
			break;
		}
		}
	}
}
