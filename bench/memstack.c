/* memstack: the layers wired in memory (see memstack.h). The wiring mirrors
 * host/host_conn.c and host/host_lower.c so the benchmark measures the same
 * calls a real host makes; only the transport is replaced. */
#include "memstack.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <string.h>

/* ---- in-memory controller ---- */

static int c_send(void *ctx, enum bh_h4_type type, const uint8_t *pkt, size_t len)
{
	struct memstack *ms = ctx;
	if (type == BH_H4_CMD) {
		ms->cmd_out++;
		if (len < 3 || ms->n_cmds >= sizeof(ms->cmd_queue) / sizeof(ms->cmd_queue[0]))
			return BH_EINVAL;
		ms->cmd_queue[ms->n_cmds++] = bh_get16(pkt);
	} else if (type == BH_H4_ACL) {
		ms->acl_out_pkts++;
		ms->acl_out_bytes += len;
		ms->nocp_owed++;
		size_t n = len < sizeof(ms->last_acl) ? len : sizeof(ms->last_acl);
		memcpy(ms->last_acl, pkt, n);
		ms->last_acl_len = n;
	}
	return 0;
}

static void feed_event(struct memstack *ms, uint8_t code, const uint8_t *p, size_t len)
{
	uint8_t pkt[2 + 255];
	if (len > 255)
		return;
	pkt[0] = code;
	pkt[1] = (uint8_t)len;
	memcpy(pkt + 2, p, len);
	bh_hci_on_packet(ms->hci, BH_H4_EVT, pkt, 2 + len);
}

/* Return parameters for the bring-up commands; others get status only.
 * Layouts: Vol 4, Part E, 7.4.1 (version), 7.4.2 (commands), 7.4.3
 * (features), 7.4.6 (BD_ADDR), 7.8.2 / 7.8.93 (LE buffer size v1 / v2). */
static size_t answer(uint16_t op, uint8_t *r, size_t cap)
{
	struct bh_wr w = bh_wr_init(r, cap);
	bh_wr_u8(&w, 0);
	switch (op) {
	case BH_HCI_READ_LOCAL_VERSION:
		bh_wr_u8(&w, 0x0b);
		bh_wr_u16(&w, 0);
		bh_wr_u8(&w, 0x0b);
		bh_wr_u16(&w, 0x05f1);
		bh_wr_u16(&w, 0);
		break;
	case BH_HCI_READ_LOCAL_COMMANDS: {
		uint8_t cmds[64] = { 0 };
		static const uint16_t bits[] = { BH_HCI_SUP(5, 6), BH_HCI_SUP(14, 5),
						 BH_HCI_SUP(15, 1), BH_SUP_LE_SET_EVENT_MASK,
						 BH_SUP_LE_READ_BUFFER_SIZE,
						 BH_SUP_LE_READ_LOCAL_FEATURES };
		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
			cmds[bits[i] / 8] |= (uint8_t)(1u << (bits[i] % 8));
		bh_wr_bytes(&w, cmds, 64);
		break;
	}
	case BH_HCI_READ_LOCAL_FEATURES: {
		uint8_t f[8] = { 0, 0, 0, 0, 0x60, 0, 0, 0 }; /* LE, no BR/EDR */
		bh_wr_bytes(&w, f, 8);
		break;
	}
	case BH_HCI_LE_READ_LOCAL_FEATURES: {
		uint8_t f[8] = { 0x01 };
		bh_wr_bytes(&w, f, 8);
		break;
	}
	case BH_HCI_READ_BD_ADDR: {
		uint8_t a[6] = { 0x42, 0x00, 0x00, 0x01, 0xaa, 0x00 };
		bh_wr_bytes(&w, a, 6);
		break;
	}
	case BH_HCI_LE_READ_BUFFER_SIZE:
		bh_wr_u16(&w, 192);
		bh_wr_u8(&w, 1);
		break;
	default:
		break;
	}
	return w.len;
}

void ms_pump(struct memstack *ms)
{
	/* Answering may make the layers send more: loop until quiet. */
	for (unsigned guard = 0; guard < 10000; guard++) {
		if (ms->n_cmds) {
			uint16_t op = ms->cmd_queue[0];
			memmove(ms->cmd_queue, ms->cmd_queue + 1, --ms->n_cmds * sizeof(uint16_t));
			uint8_t p[3 + 255];
			p[0] = 1;
			bh_put16(p + 1, op);
			size_t n = answer(op, p + 3, 255 - 3);
			feed_event(ms, BH_HCI_EVT_CMD_COMPLETE, p, 3 + n);
		} else if (ms->nocp_owed) {
			/* Number Of Completed Packets (7.7.19), one handle. */
			uint8_t p[5] = { 1 };
			bh_put16(p + 1, MS_HANDLE);
			bh_put16(p + 3, (uint16_t)ms->nocp_owed);
			ms->nocp_owed = 0;
			feed_event(ms, BH_HCI_EVT_NUM_COMPLETED_PACKETS, p, sizeof(p));
		} else {
			return;
		}
	}
}

/* ---- HCI port (as host_lower.c) ---- */

static void h_event(void *ctx, uint8_t code, const uint8_t *p, size_t len)
{
	struct memstack *ms = ctx;
	bh_gap_on_event(ms->gap, code, p, len);
}

static void h_le_meta(void *ctx, uint8_t sub, const uint8_t *p, size_t len)
{
	struct memstack *ms = ctx;
	bh_gap_on_le_meta(ms->gap, sub, p, len);
}

static void h_acl(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	struct memstack *ms = ctx;
	bh_l2cap_on_acl(ms->l2cap, handle, frame, len);
}

static void h_acl_can_send(void *ctx, uint16_t handle)
{
	struct memstack *ms = ctx;
	bh_l2cap_acl_can_send(ms->l2cap, handle);
}

static void h_ready(void *ctx, bh_status st)
{
	struct memstack *ms = ctx;
	ms->ready = st == BH_OK;
	ms->ready_status = st;
}

static void h_fatal(void *ctx, bh_status st)
{
	struct memstack *ms = ctx;
	(void)st;
	ms->fatal_calls++;
}

/* ---- L2CAP port (as host_conn.c) ---- */

static int l_acl_send(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	struct memstack *ms = ctx;
	return bh_hci_acl_send(ms->hci, handle, frame, len);
}

static void l_fixed_rx(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *pdu, size_t len)
{
	struct memstack *ms = ctx;
	if (handle == MS_HANDLE && ms->connected && cid == BH_L2CAP_CID_ATT)
		bh_att_on_pdu(ms->att, pdu, len);
}

static void l_can_send(void *ctx, uint16_t handle)
{
	struct memstack *ms = ctx;
	if (handle == MS_HANDLE && ms->connected)
		bh_att_can_send(ms->att);
}

/* ---- ATT bearer port ---- */

static int a_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct memstack *ms = ctx;
	return bh_l2cap_send_fixed(ms->l2cap, MS_HANDLE, BH_L2CAP_CID_ATT, pdu, len);
}

static void a_server_pdu(void *ctx, const uint8_t *pdu, size_t len)
{
	struct memstack *ms = ctx;
	ms->att_server_pdus++;
	bh_gatts_on_pdu(ms->gatts, MS_HANDLE, pdu, len);
}

static void a_notification(void *ctx, uint16_t attr, const uint8_t *v, size_t len, bool ind)
{
	struct memstack *ms = ctx;
	bh_gattc_on_notification(ms->gattc, attr, v, len, ind);
}

static void a_can_send(void *ctx)
{
	struct memstack *ms = ctx;
	bh_gatts_can_send(ms->gatts, MS_HANDLE);
}

/* ---- GATT client port and the application's callback ---- */

static int g_request(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx)
{
	struct memstack *ms = ctx;
	return bh_att_request(ms->att, pdu, len, cb, cbctx);
}

static void g_cancel(void *ctx, void *cbctx)
{
	struct memstack *ms = ctx;
	bh_att_cancel(ms->att, cbctx);
}

static int g_command(void *ctx, const uint8_t *pdu, size_t len)
{
	struct memstack *ms = ctx;
	return bh_att_send_command(ms->att, pdu, len);
}

static uint16_t g_mtu(void *ctx)
{
	struct memstack *ms = ctx;
	return bh_att_mtu(ms->att);
}

/* The application: no subscription is registered, so notifications arrive
 * through the client's "unsubscribed" event after its subscription lookup. */
static void app_notify(void *ctx, uint16_t vh, const uint8_t *v, size_t len, bool ind)
{
	struct memstack *ms = ctx;
	(void)vh;
	(void)v;
	(void)ind;
	ms->app_notifications++;
	ms->app_notify_bytes += len;
}

/* ---- GATT server port ---- */

static int s_respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	struct memstack *ms = ctx;
	return conn == MS_HANDLE && ms->connected ? bh_att_respond(ms->att, pdu, len) : BH_ENOTFOUND;
}

static int s_notify(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v, size_t len,
		    bool *truncated)
{
	struct memstack *ms = ctx;
	return conn == MS_HANDLE && ms->connected ? bh_att_notify(ms->att, attr, v, len, truncated)
						  : BH_ENOTFOUND;
}

static int s_indicate(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v, size_t len)
{
	(void)ctx;
	(void)conn;
	(void)attr;
	(void)v;
	(void)len;
	return BH_ENOTSUP; /* not benchmarked */
}

static uint16_t s_mtu(void *ctx, uint16_t conn)
{
	struct memstack *ms = ctx;
	return conn == MS_HANDLE && ms->connected ? bh_att_mtu(ms->att) : BH_ATT_DEFAULT_MTU;
}

/* ---- GAP port ---- */

static int p_hci_cmd(void *ctx, uint16_t op, const void *params, size_t len, bh_hci_cmd_cb cb,
		     void *cbctx)
{
	struct memstack *ms = ctx;
	return bh_hci_cmd(ms->hci, op, params, len, cb, cbctx);
}

static const struct bh_hci_info *p_info(void *ctx)
{
	struct memstack *ms = ctx;
	return bh_hci_info(ms->hci);
}

static void p_connected(void *ctx, const struct bh_gap_conn *gc)
{
	struct memstack *ms = ctx;
	if (gc->handle != MS_HANDLE || ms->connected)
		return;
	ms->att_port = (struct bh_att_port){
		.ctx = ms,
		.send = a_send,
		.server_pdu = a_server_pdu,
		.notification = a_notification,
		.can_send = a_can_send,
	};
	struct bh_att_config ac;
	bh_att_config_default(&ac);
	ms->att = bh_att_new(&ac, &ms->env, &ms->att_port);
	ms->gattc_port = (struct bh_gattc_port){
		.ctx = ms,
		.request = g_request,
		.cancel = g_cancel,
		.command = g_command,
		.mtu = g_mtu,
	};
	ms->gattc_events = (struct bh_gattc_events){ .ctx = ms, .unsubscribed = app_notify };
	struct bh_gattc_config cc;
	bh_gattc_config_default(&cc);
	ms->gattc = bh_gattc_new(&cc, &ms->env, &ms->gattc_port, &ms->gattc_events);
	if (!ms->att || !ms->gattc ||
	    bh_l2cap_conn_added(ms->l2cap, MS_HANDLE, BH_L2CAP_PERIPHERAL)) {
		bh_gattc_free(ms->gattc);
		bh_att_free(ms->att);
		ms->gattc = NULL;
		ms->att = NULL;
		return;
	}
	bh_gatts_connected(ms->gatts, MS_HANDLE);
	ms->connected = true;
}

static void p_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct memstack *ms = ctx;
	(void)reason;
	if (handle != MS_HANDLE || !ms->connected)
		return;
	bh_gatts_disconnected(ms->gatts, MS_HANDLE);
	bh_gattc_disconnected(ms->gattc, BH_EDISCONNECTED);
	bh_att_disconnected(ms->att, BH_EDISCONNECTED);
	bh_l2cap_conn_removed(ms->l2cap, MS_HANDLE);
	bh_gattc_free(ms->gattc);
	bh_att_free(ms->att);
	ms->gattc = NULL;
	ms->att = NULL;
	ms->connected = false;
}

/* ---- life cycle ---- */

int ms_init(struct memstack *ms)
{
	memset(ms, 0, sizeof(*ms));
	ms->now = 1000;
	ms->env.now = bh_manual_clock;
	ms->env.now_ctx = &ms->now;
	bh_xrand_seed(&ms->xrand, 42);
	ms->env.random = bh_xrand_fill;
	ms->env.random_ctx = &ms->xrand;
	ms->env.log_level = BH_LOG_ERROR;

	ms->hci_port = (struct bh_hci_port){
		.ctx = ms,
		.send = c_send,
		.event = h_event,
		.le_meta = h_le_meta,
		.acl = h_acl,
		.acl_can_send = h_acl_can_send,
		.ready = h_ready,
		.fatal = h_fatal,
	};
	ms->l2cap_port = (struct bh_l2cap_port){
		.ctx = ms,
		.acl_send = l_acl_send,
		.fixed_rx = l_fixed_rx,
		.can_send = l_can_send,
	};
	ms->gap_port = (struct bh_gap_port){
		.ctx = ms,
		.hci_cmd = p_hci_cmd,
		.info = p_info,
		.connected = p_connected,
		.disconnected = p_disconnected,
	};
	ms->gatts_port = (struct bh_gatts_port){
		.ctx = ms,
		.respond = s_respond,
		.notify = s_notify,
		.indicate = s_indicate,
		.mtu = s_mtu,
	};
	ms->gatts_events = (struct bh_gatts_events){ .ctx = ms };

	struct bh_hci_config hc;
	bh_hci_config_default(&hc);
	ms->hci = bh_hci_new(&hc, &ms->env, &ms->hci_port);
	struct bh_l2cap_config lc;
	bh_l2cap_config_default(&lc);
	ms->l2cap = bh_l2cap_new(&lc, &ms->env, &ms->l2cap_port);
	struct bh_gap_config gc;
	bh_gap_config_default(&gc);
	gc.read_remote_features = false; /* its answer is a Command Status + event */
	ms->gap = bh_gap_new(&gc, &ms->env, &ms->gap_port);
	struct bh_gatts_config sc;
	bh_gatts_config_default(&sc);
	ms->gatts = bh_gatts_new(&sc, &ms->env, &ms->gatts_port, &ms->gatts_events);
	if (!ms->hci || !ms->l2cap || !ms->gap || !ms->gatts) {
		fprintf(stderr, "memstack: cannot create layers\n");
		return -1;
	}
	if (demo_db_add(ms->gatts, &ms->dh) != BH_OK) {
		fprintf(stderr, "memstack: demo database refused\n");
		return -1;
	}
	if (bh_hci_start(ms->hci) != BH_OK)
		return -1;
	ms_pump(ms);
	if (!ms->ready) {
		fprintf(stderr, "memstack: bring-up failed: %s\n", bh_strerror(ms->ready_status));
		return -1;
	}
	return 0;
}

void ms_free(struct memstack *ms)
{
	if (ms->connected)
		p_disconnected(ms, MS_HANDLE, 0x16);
	bh_gap_free(ms->gap);
	bh_gatts_free(ms->gatts);
	bh_l2cap_free(ms->l2cap);
	bh_hci_free(ms->hci);
	ms->gap = NULL;
	ms->gatts = NULL;
	ms->l2cap = NULL;
	ms->hci = NULL;
}

int ms_connect(struct memstack *ms)
{
	/* LE Connection Complete (Vol 4, Part E, 7.7.65.1), peripheral role. */
	uint8_t p[19] = { BH_LE_CONN_COMPLETE, 0x00 };
	bh_put16(p + 2, MS_HANDLE);
	p[4] = 1;
	p[5] = 0;
	memcpy(p + 6, (const uint8_t[]){ 0x42, 0x00, 0x01, 0x01, 0xaa, 0x00 }, 6);
	bh_put16(p + 12, 24);
	bh_put16(p + 14, 0);
	bh_put16(p + 16, 72);
	feed_event(ms, BH_HCI_EVT_LE_META, p, sizeof(p));
	ms_pump(ms);
	return ms->connected ? 0 : -1;
}

void ms_acl_in(struct memstack *ms, const uint8_t *pkt, size_t len)
{
	bh_hci_on_packet(ms->hci, BH_H4_ACL, pkt, len);
}

size_t ms_build_att_acl(uint8_t *out, size_t cap, const uint8_t *pdu, size_t len)
{
	/* ACL header (Vol 4, Part E, 5.4.2), PB 0b10 = first automatically
	 * flushable, then the L2CAP basic header (Vol 3, Part A, 3.1). */
	if (cap < len + 8)
		return 0;
	bh_put16(out, MS_HANDLE | (0x2 << 12));
	bh_put16(out + 2, (uint16_t)(len + 4));
	bh_put16(out + 4, (uint16_t)len);
	bh_put16(out + 6, BH_L2CAP_CID_ATT);
	memcpy(out + 8, pdu, len);
	return len + 8;
}

bool ms_peer_subscribe(struct memstack *ms, uint16_t vh)
{
	uint16_t cccd = bh_gatts_cccd_handle(ms->gatts, vh);
	if (!cccd)
		return false;
	uint8_t req[5] = { 0x12 }; /* Write Request (Vol 3, Part F, 3.4.5.1) */
	bh_put16(req + 1, cccd);
	bh_put16(req + 3, 0x0001);
	uint8_t pkt[32];
	size_t n = ms_build_att_acl(pkt, sizeof(pkt), req, sizeof(req));
	ms_acl_in(ms, pkt, n);
	ms_pump(ms);
	return bh_gatts_cccd_value(ms->gatts, MS_HANDLE, vh) == 1;
}
