/* evil_peer: raw H4 on a btvirt controller, driven from the victim's loop.
 * See evil_peer.h. Packet layouts: Vol 4, Part E, 5.4 (H4 packets), 7.7
 * (events); L2CAP basic frame: Vol 3, Part A, 3.1. */
#include "evil_peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define EVIL_RXBUF 4096
#define EVIL_QLEN 64
#define EVIL_FRAME_MAX 1100

struct evil_frame {
	uint16_t cid;
	uint16_t len;
	uint8_t data[EVIL_FRAME_MAX];
};

struct evil {
	int fd;
	struct bh_loop *loop;
	struct evil_state st;
	bool dead; /* socket closed or broken: every wait ends at once */
	/* H4 stream reassembly */
	uint8_t rx[EVIL_RXBUF];
	size_t rx_len;
	/* L2CAP reassembly of the victim's ACL packets */
	uint8_t frag[EVIL_FRAME_MAX + 4];
	size_t frag_len, frag_want;
	bool frag_active;
	/* received frames, FIFO */
	struct evil_frame q[EVIL_QLEN];
	unsigned q_head, q_count;
	/* wake-up flags for bh_loop_run_until */
	bool flag;
	uint16_t want_cid;
	bool want_any_frame;
	uint16_t want_opcode;
	bool cmd_done;
	int cmd_status;
	uint8_t *cmd_rp;
	size_t cmd_rp_cap, *cmd_rp_len;
	bool want_conn, want_disc, want_credit, want_enc;
	uint8_t own_type; /* 0 public, 1 random (after evil_set_random_address) */
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void wake(struct evil *e) { e->flag = true; }

static void queue_frame(struct evil *e, const uint8_t *f, size_t len)
{
	if (len < 4)
		return;
	if (e->q_count == EVIL_QLEN) { /* drop the oldest: tests read what they expect */
		e->q_head = (e->q_head + 1) % EVIL_QLEN;
		e->q_count--;
	}
	struct evil_frame *fr = &e->q[(e->q_head + e->q_count) % EVIL_QLEN];
	fr->cid = le16(f + 2);
	fr->len = (uint16_t)(len - 4 > EVIL_FRAME_MAX ? EVIL_FRAME_MAX : len - 4);
	memcpy(fr->data, f + 4, fr->len);
	e->q_count++;
	if (e->want_any_frame || fr->cid == e->want_cid)
		wake(e);
}

static void on_acl(struct evil *e, const uint8_t *p, size_t len)
{
	if (len < 4)
		return;
	uint16_t hf = le16(p);
	uint8_t pb = (uint8_t)((hf >> 12) & 3);
	size_t dlen = le16(p + 2);
	if (dlen > len - 4)
		return;
	p += 4;
	e->st.acl_rx++;
	if (pb == EVIL_PB_START || pb == EVIL_PB_START_NONFLUSH) {
		e->frag_active = false;
		if (dlen < 4)
			return;
		e->frag_want = 4u + le16(p);
		if (e->frag_want > sizeof(e->frag))
			return;
		e->frag_len = 0;
		e->frag_active = true;
	} else if (!e->frag_active) {
		return;
	}
	if (e->frag_len + dlen > e->frag_want) {
		e->frag_active = false;
		return;
	}
	memcpy(e->frag + e->frag_len, p, dlen);
	e->frag_len += dlen;
	if (e->frag_len == e->frag_want) {
		e->frag_active = false;
		queue_frame(e, e->frag, e->frag_len);
	}
}

static void on_le_meta(struct evil *e, const uint8_t *p, size_t len)
{
	if (len < 1)
		return;
	uint8_t sub = p[0];
	if ((sub == 0x01 || sub == 0x0a) && len >= 4) { /* (Enhanced) Connection Complete */
		e->st.conn_completes++;
		e->st.conn_status = p[1];
		if (p[1] == 0) {
			e->st.connected = true;
			e->st.handle = le16(p + 2) & 0x0fff;
			e->frag_active = false;
		}
		if (e->want_conn)
			wake(e);
	} else if (sub == 0x05 && len >= 13) { /* LTK Request: we never have a key */
		e->st.ltk_requests++;
		uint8_t cmd[] = { 0x01, 0x1b, 0x20, 2, p[1], p[2] };
		if (send(e->fd, cmd, sizeof(cmd), MSG_NOSIGNAL) != (ssize_t)sizeof(cmd))
			e->dead = true;
	}
}

static void on_event(struct evil *e, const uint8_t *p, size_t len)
{
	if (len < 2)
		return;
	uint8_t code = p[0];
	const uint8_t *q = p + 2;
	size_t n = len - 2;
	switch (code) {
	case 0x0e: /* Command Complete: ncmd opcode rp */
		if (n >= 3 && le16(q + 1) == e->want_opcode && !e->cmd_done) {
			e->cmd_done = true;
			e->cmd_status = n >= 4 ? q[3] : 0;
			if (e->cmd_rp) {
				size_t k = n - 3 < e->cmd_rp_cap ? n - 3 : e->cmd_rp_cap;
				memcpy(e->cmd_rp, q + 3, k);
				if (e->cmd_rp_len)
					*e->cmd_rp_len = k;
			}
			wake(e);
		}
		break;
	case 0x0f: /* Command Status: status ncmd opcode */
		if (n >= 4 && le16(q + 2) == e->want_opcode && !e->cmd_done) {
			e->cmd_done = true;
			e->cmd_status = q[0];
			wake(e);
		}
		break;
	case 0x05: /* Disconnection Complete: status handle reason */
		if (n >= 4 && q[0] == 0 && e->st.connected && (le16(q + 1) & 0x0fff) == e->st.handle) {
			e->st.connected = false;
			e->st.disconnects++;
			e->st.disc_reason = q[3];
			/* the controller frees our unacknowledged buffers */
			e->st.acl_credits = e->st.acl_credits ? e->st.acl_credits : 1;
			wake(e);
		}
		break;
	case 0x08: /* Encryption Change: status handle enabled */
		if (n >= 4) {
			e->st.enc_changes++;
			e->st.enc_status = q[0];
			e->st.enc_enabled = q[3] != 0;
			if (e->want_enc)
				wake(e);
		}
		break;
	case 0x13: /* Number Of Completed Packets */
		if (n >= 1 && n >= 1u + 4u * q[0]) {
			for (unsigned i = 0; i < q[0]; i++)
				e->st.acl_credits += le16(q + 1 + 4 * i + 2);
			if (e->want_credit)
				wake(e);
		}
		break;
	case 0x3e:
		on_le_meta(e, q, n);
		break;
	default:
		break;
	}
}

/* Splits the H4 byte stream into packets. */
static void parse_rx(struct evil *e)
{
	size_t off = 0;
	for (;;) {
		size_t avail = e->rx_len - off;
		const uint8_t *p = e->rx + off;
		size_t need;
		if (avail < 1)
			break;
		if (p[0] == 0x04) {
			if (avail < 3)
				break;
			need = 3u + p[2];
			if (avail < need)
				break;
			on_event(e, p + 1, need - 1);
		} else if (p[0] == 0x02) {
			if (avail < 5)
				break;
			need = 5u + le16(p + 3);
			if (need > sizeof(e->rx)) { /* cannot happen with btvirt: give up */
				e->dead = true;
				e->rx_len = 0;
				return;
			}
			if (avail < need)
				break;
			on_acl(e, p + 1, need - 1);
		} else {
			fprintf(stderr, "evil: unexpected H4 type 0x%02x\n", p[0]);
			e->dead = true;
			e->rx_len = 0;
			return;
		}
		off += need;
	}
	memmove(e->rx, e->rx + off, e->rx_len - off);
	e->rx_len -= off;
}

static void on_readable(void *arg, int fd, short revents)
{
	struct evil *e = arg;
	(void)revents;
	ssize_t k = read(fd, e->rx + e->rx_len, sizeof(e->rx) - e->rx_len);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k <= 0) {
		e->dead = true;
		bh_loop_unwatch(e->loop, fd);
		wake(e);
		return;
	}
	e->rx_len += (size_t)k;
	parse_rx(e);
}

static bool run_until_flag(struct evil *e, unsigned timeout_ms)
{
	if (!e->flag && !e->dead)
		bh_loop_run_until(e->loop, &e->flag, timeout_ms);
	bool f = e->flag;
	e->flag = false;
	return f;
}

static int send_all(struct evil *e, const uint8_t *p, size_t n)
{
	if (e->dead)
		return -1;
	while (n) {
		ssize_t k = send(e->fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			e->dead = true;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int evil_cmd(struct evil *e, uint16_t opcode, const void *params, uint8_t plen, uint8_t *rp,
	     size_t rp_cap, size_t *rp_len)
{
	uint8_t pkt[260] = { 0x01, (uint8_t)opcode, (uint8_t)(opcode >> 8), plen };
	if (plen)
		memcpy(pkt + 4, params, plen);
	e->want_opcode = opcode;
	e->cmd_done = false;
	e->cmd_rp = rp;
	e->cmd_rp_cap = rp_cap;
	e->cmd_rp_len = rp_len;
	e->flag = false;
	if (send_all(e, pkt, 4u + plen))
		return -1;
	for (int i = 0; i < 50 && !e->cmd_done && !e->dead; i++)
		run_until_flag(e, 100);
	e->cmd_rp = NULL;
	e->want_opcode = 0;
	if (!e->cmd_done) {
		fprintf(stderr, "evil: command 0x%04x got no answer\n", opcode);
		return -1;
	}
	return e->cmd_status;
}

struct evil *evil_open(const char *path, struct bh_loop *loop)
{
	struct evil *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->loop = loop;
	e->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (e->fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
		free(e);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	if (connect(e->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    bh_loop_watch(loop, e->fd, POLLIN, on_readable, e) != 0) {
		fprintf(stderr, "evil: connect %s: %s\n", path, strerror(errno));
		close(e->fd);
		free(e);
		return NULL;
	}
	uint8_t rp[64];
	size_t n = 0;
	static const uint8_t le_mask[8] = { 0xff, 0x0f }; /* incl. LTK request, enh. conn */
	bool ok = evil_cmd(e, 0x0c03, NULL, 0, NULL, 0, NULL) == 0 &&
		  evil_cmd(e, 0x1009, NULL, 0, rp, sizeof(rp), &n) == 0 && n >= 7;
	if (ok) {
		memcpy(e->st.addr.val, rp + 1, 6);
		e->st.addr.type = 0;
		ok = evil_cmd(e, 0x2002, NULL, 0, rp, sizeof(rp), &n) == 0 && n >= 4 &&
		     evil_cmd(e, 0x2001, le_mask, 8, NULL, 0, NULL) == 0;
	}
	if (!ok) {
		fprintf(stderr, "evil: bring-up failed\n");
		evil_close(e);
		return NULL;
	}
	e->st.acl_mtu = le16(rp + 1);
	e->st.acl_credits = rp[3];
	if (!e->st.acl_mtu || !e->st.acl_credits) {
		e->st.acl_mtu = 27;
		e->st.acl_credits = 1;
	}
	return e;
}

void evil_close(struct evil *e)
{
	if (!e)
		return;
	if (e->st.connected && !e->dead)
		evil_disconnect(e, 0x13, 2000);
	if (!e->dead)
		bh_loop_unwatch(e->loop, e->fd);
	close(e->fd);
	free(e);
}

const struct evil_state *evil_state(const struct evil *e) { return &e->st; }

int evil_advertise(struct evil *e)
{
	/* interval 0x20..0x20, ADV_IND, own address public (or the random one
	 * set with evil_set_random_address), all channels, no filter */
	uint8_t params[15] = { 0x20, 0x00, 0x20, 0x00, 0x00, e->own_type, 0x00, 0,
			       0, 0, 0, 0, 0, 0x07, 0x00 };
	static const uint8_t data[32] = { 3, 2, 1, 6 }; /* len 3: Flags LE General, no BR/EDR */
	uint8_t en = 1;
	if (evil_cmd(e, 0x2006, params, sizeof(params), NULL, 0, NULL) != 0 ||
	    evil_cmd(e, 0x2008, data, sizeof(data), NULL, 0, NULL) != 0 ||
	    evil_cmd(e, 0x200a, &en, 1, NULL, 0, NULL) != 0)
		return -1;
	return 0;
}

int evil_set_random_address(struct evil *e, const bh_addr *addr)
{
	if (evil_cmd(e, 0x2005, addr->val, 6, NULL, 0, NULL) != 0)
		return -1;
	e->own_type = 1;
	return 0;
}

int evil_wait_connected(struct evil *e, unsigned timeout_ms)
{
	e->want_conn = true;
	for (unsigned t = 0; !e->st.connected && !e->dead && t < timeout_ms; t += 50)
		run_until_flag(e, 50);
	e->want_conn = false;
	return e->st.connected ? 0 : -1;
}

int evil_connect(struct evil *e, const bh_addr *peer, unsigned timeout_ms)
{
	uint8_t p[25] = { 0x60, 0x00, 0x60, 0x00, 0x00, peer->type };
	memcpy(p + 6, peer->val, 6);
	p[12] = e->own_type;
	p[13] = 0x18, p[14] = 0;   /* conn interval min 30 ms */
	p[15] = 0x28, p[16] = 0;   /* max 50 ms */
	p[17] = 0, p[18] = 0;      /* latency */
	p[19] = 0xc8, p[20] = 0;   /* supervision timeout 2 s */
	if (evil_cmd(e, 0x200d, p, sizeof(p), NULL, 0, NULL) != 0)
		return -1;
	return evil_wait_connected(e, timeout_ms);
}

int evil_disconnect(struct evil *e, uint8_t reason, unsigned timeout_ms)
{
	if (!e->st.connected)
		return 0;
	uint8_t p[3] = { (uint8_t)e->st.handle, (uint8_t)(e->st.handle >> 8), reason };
	if (evil_cmd(e, 0x0406, p, 3, NULL, 0, NULL) != 0)
		return -1;
	e->want_disc = true;
	for (unsigned t = 0; e->st.connected && !e->dead && t < timeout_ms; t += 50)
		run_until_flag(e, 50);
	e->want_disc = false;
	return e->st.connected ? -1 : 0;
}

int evil_acl_raw(struct evil *e, uint8_t pb, const uint8_t *data, size_t len)
{
	if (!e->st.connected || len > 1024)
		return -1;
	e->want_credit = true;
	for (unsigned t = 0; !e->st.acl_credits && !e->dead && t < 2000; t += 20)
		run_until_flag(e, 20);
	e->want_credit = false;
	if (!e->st.acl_credits) {
		fprintf(stderr, "evil: no ACL credit from our controller\n");
		return -1;
	}
	uint8_t pkt[1 + 4 + 1024];
	uint16_t hf = (uint16_t)(e->st.handle | (uint16_t)(pb & 3) << 12);
	pkt[0] = 0x02;
	pkt[1] = (uint8_t)hf;
	pkt[2] = (uint8_t)(hf >> 8);
	pkt[3] = (uint8_t)len;
	pkt[4] = (uint8_t)(len >> 8);
	if (len)
		memcpy(pkt + 5, data, len);
	e->st.acl_credits--;
	return send_all(e, pkt, 5 + len);
}

int evil_l2cap(struct evil *e, uint16_t cid, const uint8_t *payload, size_t len)
{
	uint8_t f[4 + 1024];
	if (len > sizeof(f) - 4)
		return -1;
	f[0] = (uint8_t)len;
	f[1] = (uint8_t)(len >> 8);
	f[2] = (uint8_t)cid;
	f[3] = (uint8_t)(cid >> 8);
	if (len)
		memcpy(f + 4, payload, len);
	size_t total = 4 + len, off = 0, mtu = e->st.acl_mtu;
	while (off < total) {
		size_t k = total - off < mtu ? total - off : mtu;
		if (evil_acl_raw(e, off ? EVIL_PB_CONT : EVIL_PB_START_NONFLUSH, f + off, k))
			return -1;
		off += k;
	}
	return 0;
}

static int pop(struct evil *e, uint16_t cid, uint8_t *out, size_t cap)
{
	for (unsigned i = 0; i < e->q_count; i++) {
		struct evil_frame *f = &e->q[(e->q_head + i) % EVIL_QLEN];
		if (f->cid != cid)
			continue;
		int len = f->len;
		memcpy(out, f->data, (size_t)len < cap ? (size_t)len : cap);
		/* close the gap: shift the later frames down by one */
		for (unsigned j = i; j + 1 < e->q_count; j++)
			e->q[(e->q_head + j) % EVIL_QLEN] = e->q[(e->q_head + j + 1) % EVIL_QLEN];
		e->q_count--;
		return len;
	}
	return -1;
}

int evil_recv(struct evil *e, uint16_t cid, uint8_t *out, size_t cap, unsigned timeout_ms)
{
	int n = pop(e, cid, out, cap);
	e->want_cid = cid;
	for (unsigned t = 0; n < 0 && !e->dead && t < timeout_ms; t += 20) {
		run_until_flag(e, 20);
		n = pop(e, cid, out, cap);
	}
	e->want_cid = 0;
	return n;
}

unsigned evil_flush(struct evil *e)
{
	unsigned n = e->q_count;
	e->q_count = 0;
	return n;
}

unsigned evil_pending(const struct evil *e, uint16_t cid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < e->q_count; i++)
		n += e->q[(e->q_head + i) % EVIL_QLEN].cid == cid;
	return n;
}

void evil_run(struct evil *e, unsigned ms)
{
	bool never = false;
	bh_loop_run_until(e->loop, &never, ms);
}

bool evil_run_until(struct evil *e, const bool *flag, unsigned timeout_ms)
{
	if (!*flag)
		bh_loop_run_until(e->loop, flag, timeout_ms);
	return *flag;
}

int evil_start_encryption(struct evil *e, uint64_t rand, uint16_t ediv, const uint8_t ltk[16])
{
	uint8_t p[28];
	p[0] = (uint8_t)e->st.handle;
	p[1] = (uint8_t)(e->st.handle >> 8);
	for (int i = 0; i < 8; i++)
		p[2 + i] = (uint8_t)(rand >> (8 * i));
	p[10] = (uint8_t)ediv;
	p[11] = (uint8_t)(ediv >> 8);
	memcpy(p + 12, ltk, 16);
	return evil_cmd(e, 0x2019, p, sizeof(p), NULL, 0, NULL);
}

bool evil_wait_encryption(struct evil *e, unsigned enc_before, unsigned disc_before,
			  unsigned timeout_ms)
{
	e->want_enc = true;
	for (unsigned t = 0; e->st.enc_changes == enc_before && e->st.disconnects == disc_before &&
			     !e->dead && t < timeout_ms;
	     t += 50)
		run_until_flag(e, 50);
	e->want_enc = false;
	return e->st.enc_changes != enc_before || e->st.disconnects != disc_before;
}
