/* btvirt_proxy: an H4 proxy in front of BlueZ btvirt (5.66) that gives every
 * host ONE consistent connection handle per connection.
 *
 *   btvirt_proxy [-l LISTEN_PATH] [-s BTVIRT_PATH] [-t GATE_MS] [-v]
 *     defaults: -l /tmp/bt-proxy-le  -s /tmp/bt-server-le  -t 1000
 *
 * Each client of LISTEN_PATH gets its own connection to BTVIRT_PATH (btvirt
 * makes one fresh LE controller per connection); whole H4 packets are
 * forwarded both ways, a few of them with a connection handle rewritten.
 *
 * Why (read from emulator/btdev.c): every controller (btdev) has its own
 * handle space. conn_link() calls conn_new() once per side, and conn_new()
 * takes the lowest handle >= 0x002a not in use on THAT controller; a handle
 * is freed when Disconnect removes both sides (each side is told its own
 * handle in Disconnection Complete), or silently when a controller is
 * destroyed (client socket closed: btdev_destroy -> conn_remove also removes
 * the peer's side, with no event). Several places then hand a controller the
 * handle of the OTHER side of the link:
 *   - le_conn_complete / le_ext_conn_complete: the peripheral's LE
 *     (Enhanced) Connection Complete carries the central's handle;
 *   - send_acl: the ACL header is forwarded to the peer unchanged, so every
 *     ACL packet a host receives carries the SENDER's handle;
 *   - cmd_start_encrypt: LE Long Term Key Request to the peer carries the
 *     initiator's handle;
 *   - le_conn_update (LE Connection Update, Remote Connection Parameter
 *     Request Reply) and cmd_conn_param_neg_reply_complete: the peer's copy
 *     of LE Connection Update Complete carries the requester's handle; so
 *     does LE Remote Connection Parameter Request (le_conn_param_req).
 * Everything else a controller sends (Disconnection Complete, Number of
 * Completed Packets, Encryption Change, Command Complete/Status, LE Read
 * Remote Features, PHY Update) carries its own handle. btvirt looks up every
 * handle a host sends in that host's own controller, so host-to-controller
 * traffic needs no rewriting once the host knows its real handles.
 * With one link per controller both sides use 0x002a and nothing shows; with
 * several, hosts are told handles their controller does not know.
 *
 * What the proxy does:
 *   - mirrors btdev's allocator per client: the set of handles in use on
 *     that client's controller (central side: the value in its Connection
 *     Complete; peripheral side: lowest free >= 0x002a), freed on
 *     Disconnection Complete or when a linked client goes away;
 *   - rewrites the peripheral's Connection Complete to the real handle and
 *     records the link (central client, handle) <-> (peripheral client,
 *     handle);
 *   - for the packets above that reach the peer with a foreign handle, maps
 *     it to the peer's own handle for that link. The foreign value alone is
 *     ambiguous (a central linked to three peripherals receives 0x002a from
 *     all three), so the proxy uses causality: a host packet that makes
 *     btvirt emit to ANOTHER controller (ACL on a linked handle, LE Create
 *     Connection, LE Extended Create Connection, LE Start Encryption, LE
 *     Connection Update, LE Remote Connection Parameter Request (Negative)
 *     Reply) passes a global gate: one at a time, and the next one is held
 *     back until btvirt's answer to the first has been seen (or the command
 *     failed, the link went away, or the gate timed out). btvirt emits those
 *     answers synchronously while handling the packet, so they cannot be
 *     confused with anything else.
 *   - everything else passes through byte for byte.
 * Bad input: a stream that stops being valid H4 (unknown packet type,
 * oversized packet) closes that client and its btvirt connection; short or
 * odd events pass through untouched (every read goes through struct bh_rd).
 *
 * The core below is sans-I/O (bvp_*: byte arrays in, verdicts out, time
 * passed in) so tests/harness/test_btvirt_proxy.c drives it directly; it
 * includes this file with BVP_NO_MAIN defined. The poll() loop is at the end.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <blehost/bh_bytes.h>

/* ------------------------------------------------------------------ core */

#define BVP_MAX_CLIENTS 16 /* btvirt's MAX_BTDEV_ENTRIES */
#define BVP_MAX_HANDLES 16 /* tracked links per controller */
#define BVP_MAX_LINKS 64
#define BVP_FIRST_HANDLE 0x002a /* btdev.c ACL_HANDLE */
#define BVP_MAX_PKT 4096	 /* btvirt's ACL MTU is 192: anything far larger is garbage */
#define BVP_NO_SLOT (-1)

/* H4 packet indicators (Core Spec Vol 4, Part A, 2) */
#define H4_CMD 0x01
#define H4_ACL 0x02
#define H4_SCO 0x03
#define H4_EVT 0x04
#define H4_ISO 0x05

/* Events and LE subevents (Core Spec Vol 4, Part E, 7.7) */
#define EVT_DISCONN_COMPLETE 0x05
#define EVT_CMD_COMPLETE 0x0e
#define EVT_CMD_STATUS 0x0f
#define EVT_LE_META 0x3e
#define LE_CONN_COMPLETE 0x01
#define LE_CONN_UPDATE_COMPLETE 0x03
#define LE_LTK_REQUEST 0x05
#define LE_REMOTE_CONN_PARAM_REQ 0x06
#define LE_ENH_CONN_COMPLETE 0x0a

/* Commands whose effect reaches the other controller of a link */
#define OP_LE_CREATE_CONN 0x200d
#define OP_LE_CONN_UPDATE 0x2013
#define OP_LE_START_ENCRYPTION 0x2019
#define OP_LE_CONN_PARAM_REPLY 0x2020
#define OP_LE_CONN_PARAM_NEG_REPLY 0x2021
#define OP_LE_EXT_CREATE_CONN 0x2043

enum bvp_verdict {
	BVP_FORWARD, /* send it on (possibly rewritten in place) */
	BVP_HOLD,    /* gate busy: keep it and offer it again later, in order */
};

enum bvp_expect {
	BVP_EXP_NONE,
	BVP_EXP_ACL,	     /* ACL at the peer */
	BVP_EXP_LTK_REQ,     /* LE Long Term Key Request at the peer */
	BVP_EXP_CONN_UPDATE, /* LE Conn Update Complete or Remote Conn Param Req at the peer */
	BVP_EXP_CREATE,	     /* both Connection Complete events of a new link */
};

static const char *bvp_expect_str(enum bvp_expect e)
{
	switch (e) {
	case BVP_EXP_NONE: return "none";
	case BVP_EXP_ACL: return "acl";
	case BVP_EXP_LTK_REQ: return "ltk-request";
	case BVP_EXP_CONN_UPDATE: return "conn-update";
	case BVP_EXP_CREATE: return "create-connection";
	}
	return "?";
}

struct bvp_client {
	bool used;
	uint8_t n;
	uint16_t handles[BVP_MAX_HANDLES]; /* in use on this client's controller */
};

struct bvp_link {
	bool used;
	int8_t c_slot, p_slot; /* central and peripheral client */
	uint16_t c_handle, p_handle;
};

/* The one outstanding cross-controller packet. */
struct bvp_gate {
	enum bvp_expect kind;
	int origin;	  /* client whose packet opened the gate */
	uint16_t opcode;  /* its command, 0 for ACL */
	int peer;	  /* client expected to receive the foreign handle */
	uint16_t foreign; /* value btvirt will put there (origin side's handle) */
	uint16_t real;	  /* the peer's own handle for that link */
	uint64_t deadline;
	/* BVP_EXP_CREATE: the two halves, in whichever order they are read */
	bool have_central, have_periph;
	uint16_t c_handle, p_handle, p_foreign;
	int p_slot;
};

struct bvp_stats {
	unsigned long rewrites, gated, held, gate_timeouts, untracked;
};

struct bvp {
	struct bvp_client cl[BVP_MAX_CLIENTS];
	struct bvp_link links[BVP_MAX_LINKS];
	struct bvp_gate gate;
	unsigned gate_ms;
	struct bvp_stats st;
	/* optional diagnostics sink; NULL: silent */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

static void bvp_logf(struct bvp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bvp_logf(struct bvp *p, const char *fmt, ...)
{
	if (!p->log)
		return;
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->log(p->log_ctx, buf);
}

/* gate_ms: how long a cross-controller packet may hold the gate before the
 * proxy gives up waiting for btvirt's answer and lets the next one through. */
static void bvp_init(struct bvp *p, unsigned gate_ms)
{
	memset(p, 0, sizeof(*p));
	p->gate_ms = gate_ms;
	p->gate.kind = BVP_EXP_NONE;
}

static bool slot_ok(const struct bvp *p, int slot)
{
	return slot >= 0 && slot < BVP_MAX_CLIENTS && p->cl[slot].used;
}

/* A new client (and its new btvirt controller): its slot, or -1 when full. */
static int bvp_client_add(struct bvp *p)
{
	for (int i = 0; i < BVP_MAX_CLIENTS; i++) {
		if (!p->cl[i].used) {
			memset(&p->cl[i], 0, sizeof(p->cl[i]));
			p->cl[i].used = true;
			return i;
		}
	}
	return -1;
}

static bool handle_in_use(const struct bvp_client *c, uint16_t h)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->handles[i] == h)
			return true;
	return false;
}

static bool handle_add(struct bvp *p, int slot, uint16_t h)
{
	struct bvp_client *c = &p->cl[slot];
	if (handle_in_use(c, h))
		return true;
	if (c->n >= BVP_MAX_HANDLES) {
		p->st.untracked++;
		bvp_logf(p, "client %d: more than %d links, 0x%04x not tracked", slot,
			 BVP_MAX_HANDLES, h);
		return false;
	}
	c->handles[c->n++] = h;
	return true;
}

static void handle_free(struct bvp *p, int slot, uint16_t h)
{
	struct bvp_client *c = &p->cl[slot];
	for (unsigned i = 0; i < c->n; i++) {
		if (c->handles[i] == h) {
			c->handles[i] = c->handles[--c->n];
			return;
		}
	}
}

/* btdev.c conn_new(): start at 0x002a, step past every handle in use. */
static uint16_t handle_lowest_free(const struct bvp_client *c)
{
	uint16_t h = BVP_FIRST_HANDLE;
	while (handle_in_use(c, h))
		h++;
	return h;
}

static struct bvp_link *link_find(struct bvp *p, int slot, uint16_t h)
{
	for (int i = 0; i < BVP_MAX_LINKS; i++) {
		struct bvp_link *l = &p->links[i];
		if (!l->used)
			continue;
		if ((l->c_slot == slot && l->c_handle == h) || (l->p_slot == slot && l->p_handle == h))
			return l;
	}
	return NULL;
}

/* The other end of the link that `slot` knows as `h`. */
static bool link_other(struct bvp *p, int slot, uint16_t h, int *oslot, uint16_t *oh)
{
	struct bvp_link *l = link_find(p, slot, h);
	if (!l)
		return false;
	if (l->c_slot == slot && l->c_handle == h) {
		*oslot = l->p_slot;
		*oh = l->p_handle;
	} else {
		*oslot = l->c_slot;
		*oh = l->c_handle;
	}
	return true;
}

static void link_add(struct bvp *p, int c_slot, uint16_t c_h, int p_slot, uint16_t p_h)
{
	for (int i = 0; i < BVP_MAX_LINKS; i++) {
		struct bvp_link *l = &p->links[i];
		if (l->used)
			continue;
		l->used = true;
		l->c_slot = (int8_t)c_slot;
		l->c_handle = c_h;
		l->p_slot = (int8_t)p_slot;
		l->p_handle = p_h;
		return;
	}
	p->st.untracked++;
	bvp_logf(p, "link table full: (%d,0x%04x)-(%d,0x%04x) not tracked", c_slot, c_h, p_slot,
		 p_h);
}

/* Without a gate: the one link at `slot` whose other end uses `foreign`.
 * Only for packets btvirt sends exclusively to the peer (ACL, LTK Request,
 * Remote Connection Parameter Request), so the value is always foreign. */
static bool link_by_foreign(struct bvp *p, int slot, uint16_t foreign, uint16_t *real)
{
	int found = 0;
	for (int i = 0; i < BVP_MAX_LINKS; i++) {
		const struct bvp_link *l = &p->links[i];
		if (!l->used)
			continue;
		if (l->p_slot == slot && l->c_handle == foreign) {
			*real = l->p_handle;
			found++;
		} else if (l->c_slot == slot && l->p_handle == foreign) {
			*real = l->c_handle;
			found++;
		}
	}
	return found == 1;
}

static void gate_clear(struct bvp *p)
{
	memset(&p->gate, 0, sizeof(p->gate));
	p->gate.kind = BVP_EXP_NONE;
}

static bool bvp_gate_busy(const struct bvp *p)
{
	return p->gate.kind != BVP_EXP_NONE;
}

/* Absolute time (ms) at which bvp_on_timeout() must run, or UINT64_MAX. */
static uint64_t bvp_next_deadline(const struct bvp *p)
{
	return bvp_gate_busy(p) ? p->gate.deadline : UINT64_MAX;
}

static void bvp_on_timeout(struct bvp *p, uint64_t now)
{
	if (bvp_gate_busy(p) && now >= p->gate.deadline) {
		p->st.gate_timeouts++;
		bvp_logf(p, "gate timeout: %s from client %d (opcode 0x%04x) got no answer",
			 bvp_expect_str(p->gate.kind), p->gate.origin, p->gate.opcode);
		gate_clear(p);
	}
}

/* A link vanished: stop waiting for an answer that will never come. */
static void gate_drop_if_involves(struct bvp *p, int slot, uint16_t h)
{
	const struct bvp_gate *g = &p->gate;
	if (g->kind == BVP_EXP_NONE || g->kind == BVP_EXP_CREATE)
		return;
	if ((g->peer == slot && g->real == h) || (g->origin == slot && g->foreign == h))
		gate_clear(p);
}

static void link_remove_endpoint(struct bvp *p, int slot, uint16_t h)
{
	struct bvp_link *l = link_find(p, slot, h);
	if (l)
		l->used = false;
}

/* The client went away (either socket closed). btvirt's btdev_destroy()
 * removes both sides of each of its links without telling the peers, so the
 * peers' handles are free again: mirror that. */
static void bvp_client_remove(struct bvp *p, int slot)
{
	if (!slot_ok(p, slot))
		return;
	for (int i = 0; i < BVP_MAX_LINKS; i++) {
		struct bvp_link *l = &p->links[i];
		if (!l->used)
			continue;
		if (l->c_slot == slot && slot_ok(p, l->p_slot))
			handle_free(p, l->p_slot, l->p_handle);
		else if (l->p_slot == slot && slot_ok(p, l->c_slot))
			handle_free(p, l->c_slot, l->c_handle);
		else
			continue;
		l->used = false;
	}
	const struct bvp_gate *g = &p->gate;
	if (g->kind != BVP_EXP_NONE &&
	    (g->origin == slot || g->peer == slot || (g->have_periph && g->p_slot == slot)))
		gate_clear(p);
	memset(&p->cl[slot], 0, sizeof(p->cl[slot]));
}

static enum bvp_verdict gate_open(struct bvp *p, enum bvp_expect kind, int origin, uint16_t op,
				  int peer, uint16_t foreign, uint16_t real, uint64_t now)
{
	if (bvp_gate_busy(p)) {
		p->st.held++;
		return BVP_HOLD;
	}
	gate_clear(p);
	p->gate.kind = kind;
	p->gate.origin = origin;
	p->gate.opcode = op;
	p->gate.peer = peer;
	p->gate.foreign = foreign;
	p->gate.real = real;
	p->gate.p_slot = BVP_NO_SLOT;
	p->gate.deadline = now + p->gate_ms;
	p->st.gated++;
	return BVP_FORWARD;
}

/* A whole H4 packet from host `slot`, on its way to btvirt. Never modified:
 * hosts only ever see, and so only ever use, their controller's handles.
 * BVP_HOLD: offer the same packet again (before any later one of this
 * client) once bvp_gate_busy() is false. */
static enum bvp_verdict bvp_from_host(struct bvp *p, int slot, const uint8_t *pkt, size_t len,
				      uint64_t now)
{
	if (!slot_ok(p, slot))
		return BVP_FORWARD;
	struct bh_rd r = bh_rd_init(pkt, len);
	uint8_t type = bh_rd_u8(&r);
	int peer;
	uint16_t real;

	if (type == H4_ACL) {
		uint16_t h = bh_rd_u16(&r) & 0x0fff;
		bh_rd_u16(&r); /* Data_Total_Length: the header must be whole */
		/* btvirt drops ACL on a handle it does not know: no answer to wait for */
		if (!bh_rd_ok(&r) || !handle_in_use(&p->cl[slot], h) ||
		    !link_other(p, slot, h, &peer, &real))
			return BVP_FORWARD;
		return gate_open(p, BVP_EXP_ACL, slot, 0, peer, h, real, now);
	}
	if (type != H4_CMD)
		return BVP_FORWARD;

	uint16_t op = bh_rd_u16(&r);
	uint8_t plen = bh_rd_u8(&r);
	if (!bh_rd_ok(&r) || bh_rd_left(&r) < plen)
		return BVP_FORWARD;
	if (op == OP_LE_CREATE_CONN || op == OP_LE_EXT_CREATE_CONN)
		return gate_open(p, BVP_EXP_CREATE, slot, op, BVP_NO_SLOT, 0, 0, now);

	enum bvp_expect kind;
	switch (op) {
	case OP_LE_START_ENCRYPTION:
		kind = BVP_EXP_LTK_REQ;
		break;
	case OP_LE_CONN_UPDATE:
	case OP_LE_CONN_PARAM_REPLY:
	case OP_LE_CONN_PARAM_NEG_REPLY:
		kind = BVP_EXP_CONN_UPDATE;
		break;
	default:
		return BVP_FORWARD;
	}
	uint16_t h = bh_rd_u16(&r) & 0x0fff;
	if (plen < 2 || !bh_rd_ok(&r) || !handle_in_use(&p->cl[slot], h) ||
	    !link_other(p, slot, h, &peer, &real))
		return BVP_FORWARD;
	return gate_open(p, kind, slot, op, peer, h, real, now);
}

static void put_handle(uint8_t *at, uint16_t keep_flags_from, uint16_t h)
{
	bh_put16(at, (uint16_t)((keep_flags_from & 0xf000) | (h & 0x0fff)));
}

/* Rewrite the foreign handle at `at` (12 bits, upper bits kept) in a packet
 * for client `slot`: the gate's answer if it is the one the gate waits for;
 * otherwise, when `fallback` (packets btvirt sends only to the peer, so the
 * value is always foreign), the one link whose other end uses that value. */
static void fix_foreign(struct bvp *p, int slot, enum bvp_expect kind, bool fallback, uint8_t *at)
{
	uint16_t raw = bh_get16(at), h = raw & 0x0fff, real = h;
	struct bvp_gate *g = &p->gate;
	if (kind != BVP_EXP_NONE && g->kind == kind && g->peer == slot && g->foreign == h) {
		real = g->real;
		gate_clear(p);
	} else if (!fallback || !link_by_foreign(p, slot, h, &real)) {
		/* e.g. a host's own copy of an update it asked for: already right */
		return;
	}
	if (real != h) {
		put_handle(at, raw, real);
		p->st.rewrites++;
	}
}

static void create_try_finish(struct bvp *p)
{
	struct bvp_gate *g = &p->gate;
	if (!g->have_central || !g->have_periph)
		return;
	if (g->p_foreign == g->c_handle)
		link_add(p, g->origin, g->c_handle, g->p_slot, g->p_handle);
	else
		bvp_logf(p, "create: peripheral was told 0x%04x, central has 0x%04x: not linked",
			 g->p_foreign, g->c_handle);
	gate_clear(p);
}

/* LE Connection Complete (7.7.65.1) / LE Enhanced Connection Complete
 * (7.7.65.10): Subevent, Status, Connection_Handle, Role, ... */
static void on_conn_complete(struct bvp *p, int slot, uint8_t *sub, size_t n)
{
	struct bh_rd r = bh_rd_init(sub, n);
	bh_rd_u8(&r);
	uint8_t status = bh_rd_u8(&r);
	uint16_t h = bh_rd_u16(&r) & 0x0fff;
	uint8_t role = bh_rd_u8(&r);
	if (!bh_rd_ok(&r))
		return;
	struct bvp_gate *g = &p->gate;
	bool creating = g->kind == BVP_EXP_CREATE;
	if (status) {
		if (creating && g->origin == slot)
			gate_clear(p); /* failed: btvirt told nobody else */
		return;
	}
	if (role == 0x00) {
		handle_add(p, slot, h); /* the central is told its own handle */
		if (creating && g->origin == slot) {
			g->have_central = true;
			g->c_handle = h;
			create_try_finish(p);
		}
		return;
	}
	/* Peripheral: btvirt put the central's handle here. Ours is the one
	 * conn_new() took on this controller. */
	uint16_t real = handle_lowest_free(&p->cl[slot]);
	if (!handle_add(p, slot, real))
		return;
	if (real != h) {
		bh_put16(sub + 2, real);
		p->st.rewrites++;
	}
	if (creating && g->origin != slot && !g->have_periph) {
		g->have_periph = true;
		g->p_slot = slot;
		g->p_handle = real;
		g->p_foreign = h;
		create_try_finish(p);
	} else {
		bvp_logf(p, "client %d: peripheral link 0x%04x (central 0x%04x) not caused by a "
			    "proxied create: not linked", slot, real, h);
	}
}

static void on_le_meta(struct bvp *p, int slot, uint8_t *sub, size_t n)
{
	if (n < 1)
		return;
	switch (sub[0]) {
	case LE_CONN_COMPLETE:
	case LE_ENH_CONN_COMPLETE:
		on_conn_complete(p, slot, sub, n);
		break;
	case LE_CONN_UPDATE_COMPLETE: /* Subevent, Status, Handle (7.7.65.3) */
		/* sent to both sides: only the gate knows which copy is foreign */
		if (n >= 4)
			fix_foreign(p, slot, BVP_EXP_CONN_UPDATE, false, sub + 2);
		break;
	case LE_REMOTE_CONN_PARAM_REQ: /* Subevent, Handle (7.7.65.6) */
		/* btvirt's answer to LE Connection Update when the controller
		 * supports the Connection Parameters Request procedure */
		if (n >= 3)
			fix_foreign(p, slot, BVP_EXP_CONN_UPDATE, true, sub + 1);
		break;
	case LE_LTK_REQUEST: /* Subevent, Handle (7.7.65.5) */
		if (n >= 3)
			fix_foreign(p, slot, BVP_EXP_LTK_REQ, true, sub + 1);
		break;
	default:
		break;
	}
}

/* A whole H4 packet from btvirt to host `slot`; rewritten in place when it
 * carries the other side's handle. Length never changes. */
static void bvp_from_ctrl(struct bvp *p, int slot, uint8_t *pkt, size_t len)
{
	if (!slot_ok(p, slot) || len < 1)
		return;
	struct bh_rd r = bh_rd_init(pkt, len);
	uint8_t type = bh_rd_u8(&r);
	if (type == H4_ACL) {
		if (len >= 5)
			fix_foreign(p, slot, BVP_EXP_ACL, true, pkt + 1);
		return;
	}
	if (type != H4_EVT)
		return;
	uint8_t code = bh_rd_u8(&r);
	uint8_t plen = bh_rd_u8(&r);
	if (!bh_rd_ok(&r) || bh_rd_left(&r) < plen)
		return;
	uint8_t *par = pkt + 3;
	struct bh_rd e = bh_rd_init(par, plen);
	struct bvp_gate *g = &p->gate;
	switch (code) {
	case EVT_DISCONN_COMPLETE: { /* Status, Handle, Reason (7.7.5) */
		uint8_t status = bh_rd_u8(&e);
		uint16_t h = bh_rd_u16(&e) & 0x0fff;
		if (!bh_rd_ok(&e) || status)
			return;
		handle_free(p, slot, h);
		gate_drop_if_involves(p, slot, h);
		link_remove_endpoint(p, slot, h);
		return;
	}
	case EVT_CMD_STATUS: { /* Status, Num_HCI_Command_Packets, Opcode (7.7.15) */
		uint8_t status = bh_rd_u8(&e);
		bh_rd_u8(&e);
		uint16_t op = bh_rd_u16(&e);
		if (bh_rd_ok(&e) && status && bvp_gate_busy(p) && g->origin == slot &&
		    g->opcode == op)
			gate_clear(p);
		return;
	}
	case EVT_CMD_COMPLETE: { /* Num_HCI_Command_Packets, Opcode, Status... (7.7.14) */
		bh_rd_u8(&e);
		uint16_t op = bh_rd_u16(&e);
		uint8_t status = bh_rd_u8(&e);
		if (bh_rd_ok(&e) && status && bvp_gate_busy(p) && g->origin == slot &&
		    g->opcode == op)
			gate_clear(p);
		return;
	}
	case EVT_LE_META:
		on_le_meta(p, slot, par, plen);
		return;
	default:
		return;
	}
}

/* Length of the first H4 packet in buf: >0 complete, 0 need more bytes,
 * -1 not H4 (unknown indicator or longer than max). */
static long bvp_h4_frame(const uint8_t *buf, size_t len, size_t max)
{
	struct bh_rd r = bh_rd_init(buf, len);
	uint8_t type = bh_rd_u8(&r);
	size_t need;
	if (!bh_rd_ok(&r))
		return 0;
	switch (type) {
	case H4_CMD: /* opcode(2) plen(1) */
		bh_rd_u16(&r);
		need = 4 + (size_t)bh_rd_u8(&r);
		break;
	case H4_ACL: /* handle(2) len(2) */
		bh_rd_u16(&r);
		need = 5 + (size_t)bh_rd_u16(&r);
		break;
	case H4_SCO: /* handle(2) len(1) */
		bh_rd_u16(&r);
		need = 4 + (size_t)bh_rd_u8(&r);
		break;
	case H4_EVT: /* code(1) plen(1) */
		bh_rd_u8(&r);
		need = 3 + (size_t)bh_rd_u8(&r);
		break;
	case H4_ISO: /* handle(2) len(14 bits) */
		bh_rd_u16(&r);
		need = 5 + (size_t)(bh_rd_u16(&r) & 0x3fff);
		break;
	default:
		return -1;
	}
	if (!bh_rd_ok(&r))
		return 0;
	if (need > max)
		return -1;
	return len >= need ? (long)need : 0;
}

#ifndef BVP_NO_MAIN
/* ------------------------------------------------------------------- I/O */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BUF_CAP (4 * BVP_MAX_PKT)

/* Bytes read but not yet forwarded (whole packets are cut off the front),
 * and bytes framed but not yet written (only whole packets are appended, so
 * every write starts at a packet boundary). Both bounded: when one fills,
 * the proxy stops reading the side that feeds it. */
struct dir {
	uint8_t in[BUF_CAP];
	size_t in_len;
	uint8_t out[BUF_CAP];
	size_t out_len;
};

struct conn {
	int slot; /* -1: unused */
	int host_fd, ctrl_fd;
	struct dir h2c, c2h;
};

static struct bvp g_bvp;
static struct conn g_conns[BVP_MAX_CLIENTS];
static int g_verbose;
static volatile sig_atomic_t g_stop;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "btvirt_proxy: %s\n", msg);
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -1;
	strcpy(sa->sun_path, path);
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->slot < 0)
		return;
	if (g_verbose)
		fprintf(stderr, "btvirt_proxy: client %d closed\n", c->slot);
	bvp_client_remove(&g_bvp, c->slot);
	close(c->host_fd);
	close(c->ctrl_fd);
	c->slot = -1;
}

static void conn_open(int lfd, const char *server)
{
	int hfd = accept(lfd, NULL, NULL);
	if (hfd < 0)
		return;
	errno = 0;
	struct sockaddr_un sa;
	int cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	int slot = -1;
	if (cfd < 0 || unix_addr(server, &sa) < 0 ||
	    connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || set_nonblock(cfd) < 0 ||
	    set_nonblock(hfd) < 0 || (slot = bvp_client_add(&g_bvp)) < 0) {
		/* errno is stale when only the slot table was full */
		fprintf(stderr, "btvirt_proxy: cannot serve a client via %s: %s\n", server,
			cfd >= 0 && errno == 0 ? "all slots in use" : strerror(errno));
		if (cfd >= 0)
			close(cfd);
		close(hfd);
		return;
	}
	struct conn *c = &g_conns[slot];
	memset(c, 0, sizeof(*c));
	c->slot = slot;
	c->host_fd = hfd;
	c->ctrl_fd = cfd;
	if (g_verbose)
		fprintf(stderr, "btvirt_proxy: client %d connected\n", slot);
}

/* Move whole packets from d->in to d->out. Host-to-controller packets may be
 * held by the gate (and everything behind them with them). False: garbage. */
static bool pump(struct conn *c, struct dir *d, bool to_ctrl)
{
	size_t off = 0;
	bool ok = true;
	while (off < d->in_len) {
		long n = bvp_h4_frame(d->in + off, d->in_len - off, BVP_MAX_PKT);
		if (n < 0) {
			fprintf(stderr, "btvirt_proxy: client %d: invalid H4 from %s, closing\n",
				c->slot, to_ctrl ? "host" : "btvirt");
			ok = false;
			break;
		}
		if (n == 0 || d->out_len + (size_t)n > sizeof(d->out))
			break;
		uint8_t *pkt = d->in + off;
		if (to_ctrl) {
			if (bvp_from_host(&g_bvp, c->slot, pkt, (size_t)n, now_ms()) == BVP_HOLD)
				break;
		} else {
			bvp_from_ctrl(&g_bvp, c->slot, pkt, (size_t)n);
		}
		memcpy(d->out + d->out_len, pkt, (size_t)n);
		d->out_len += (size_t)n;
		off += (size_t)n;
	}
	memmove(d->in, d->in + off, d->in_len - off);
	d->in_len -= off;
	return ok;
}

static bool do_read(int fd, struct dir *d)
{
	if (d->in_len == sizeof(d->in))
		return true; /* full (POLLHUP can come unasked): read once drained */
	ssize_t n = read(fd, d->in + d->in_len, sizeof(d->in) - d->in_len);
	if (n > 0) {
		d->in_len += (size_t)n;
		return true;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static bool do_write(int fd, struct dir *d)
{
	ssize_t n = write(fd, d->out, d->out_len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	memmove(d->out, d->out + n, d->out_len - (size_t)n);
	d->out_len -= (size_t)n;
	return true;
}

static int serve(const char *listen_path, const char *server)
{
	struct sockaddr_un sa;
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || unix_addr(listen_path, &sa) < 0) {
		fprintf(stderr, "btvirt_proxy: bad listen path %s\n", listen_path);
		return 1;
	}
	unlink(listen_path);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		fprintf(stderr, "btvirt_proxy: %s: %s\n", listen_path, strerror(errno));
		return 1;
	}
	for (int i = 0; i < BVP_MAX_CLIENTS; i++)
		g_conns[i].slot = -1;

	while (!g_stop) {
		struct pollfd pfd[1 + 2 * BVP_MAX_CLIENTS];
		int map[1 + 2 * BVP_MAX_CLIENTS];
		nfds_t n = 0;
		pfd[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		map[n++] = -1;
		for (int i = 0; i < BVP_MAX_CLIENTS; i++) {
			struct conn *c = &g_conns[i];
			if (c->slot < 0)
				continue;
			short he = 0, ce = 0;
			if (c->h2c.in_len < sizeof(c->h2c.in))
				he |= POLLIN;
			if (c->c2h.out_len)
				he |= POLLOUT;
			if (c->c2h.in_len < sizeof(c->c2h.in))
				ce |= POLLIN;
			if (c->h2c.out_len)
				ce |= POLLOUT;
			pfd[n] = (struct pollfd){ .fd = c->host_fd, .events = he };
			map[n++] = i;
			pfd[n] = (struct pollfd){ .fd = c->ctrl_fd, .events = ce };
			map[n++] = i;
		}
		uint64_t dl = bvp_next_deadline(&g_bvp), now = now_ms();
		int tmo = dl == UINT64_MAX ? -1 : dl <= now ? 0 : (int)(dl - now);
		if (poll(pfd, n, tmo) < 0 && errno != EINTR)
			break;
		bvp_on_timeout(&g_bvp, now_ms());
		if (pfd[0].revents & POLLIN)
			conn_open(lfd, server);
		for (nfds_t k = 1; k < n; k++) {
			struct conn *c = &g_conns[map[k]];
			if (c->slot < 0 || !pfd[k].revents)
				continue;
			bool host = pfd[k].fd == c->host_fd;
			struct dir *rd = host ? &c->h2c : &c->c2h, *wr = host ? &c->c2h : &c->h2c;
			bool ok = true;
			if (pfd[k].revents & POLLOUT)
				ok = do_write(pfd[k].fd, wr);
			if (ok && (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				ok = do_read(pfd[k].fd, rd);
			if (!ok) {
				conn_close(c);
				continue;
			}
		}
		/* Frame what arrived, btvirt's side first: its answers are what
		 * releases the gate for held host packets. */
		for (int pass = 0; pass < 2; pass++) {
			for (int i = 0; i < BVP_MAX_CLIENTS; i++) {
				struct conn *c = &g_conns[i];
				if (c->slot < 0)
					continue;
				bool ok = pass == 0 ? pump(c, &c->c2h, false) : pump(c, &c->h2c, true);
				if (!ok)
					conn_close(c);
			}
		}
	}
	for (int i = 0; i < BVP_MAX_CLIENTS; i++)
		conn_close(&g_conns[i]);
	close(lfd);
	unlink(listen_path);
	return 0;
}

int main(int argc, char **argv)
{
	const char *listen_path = "/tmp/bt-proxy-le", *server = "/tmp/bt-server-le";
	unsigned gate_ms = 1000;
	int opt;
	while ((opt = getopt(argc, argv, "l:s:t:v")) != -1) {
		switch (opt) {
		case 'l': listen_path = optarg; break;
		case 's': server = optarg; break;
		case 't': gate_ms = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'v': g_verbose = 1; break;
		default:
			fprintf(stderr, "usage: %s [-l LISTEN_PATH] [-s BTVIRT_PATH] [-t GATE_MS] [-v]\n",
				argv[0]);
			return 2;
		}
	}
	bvp_init(&g_bvp, gate_ms ? gate_ms : 1000);
	g_bvp.log = log_stderr;
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int rc = serve(listen_path, server);
	if (g_verbose)
		fprintf(stderr,
			"btvirt_proxy: %lu rewrites, %lu gated, %lu held, %lu gate timeouts, %lu "
			"untracked\n",
			g_bvp.st.rewrites, g_bvp.st.gated, g_bvp.st.held, g_bvp.st.gate_timeouts,
			g_bvp.st.untracked);
	return rc;
}
#endif
