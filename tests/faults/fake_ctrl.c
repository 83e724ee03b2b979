/* fake_ctrl: see fake_ctrl.h. Event layouts: Vol 4, Part E, 7.7. */
#include "fake_ctrl.h"

#include <blehost/gatt_client.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FAKE_QLEN 32
#define FAKE_FRAME 600
#define FAKE_MAX_MUTED 8

struct fake_frame {
	uint16_t cid, len;
	uint8_t data[FAKE_FRAME];
};

struct fake {
	char dir[64], path[128], transport[140];
	int lfd, fd;
	bool pty; /* fd is a pty master (fake_new_pty): write, not send */
	struct bh_loop *loop;
	uint8_t rx[4096];
	size_t rx_len;
	uint16_t muted[FAKE_MAX_MUTED];
	unsigned n_muted;
	unsigned cmds, cmd_count[64]; /* per opcode hash, see count_slot */
	uint16_t cmd_ops[64];
	uint8_t frag[FAKE_FRAME + 4];
	size_t frag_len, frag_want;
	bool frag_active;
	struct fake_frame q[FAKE_QLEN];
	unsigned q_count;
	bool flag;
	uint16_t want_cid;
	uint16_t auto_handles[4];
	unsigned n_auto;
	enum fake_fault fault;
	uint16_t fault_handle, fault_opcode;
	bool fired;
	long fault_after; /* packets from the host before the fault: -1 none */
	bool fire_after;  /* the packet is being served; the fault follows it */
	bool accept_connects, att_wrote;
	uint16_t att_mtu; /* the autoreply server's Exchange MTU answer (0: 23) */
	unsigned att_confirms;
	bool silent;
	/* FAKE_ACL_LOST / FAKE_ACL_LOST_IN fired: the next ACL packet from /
	 * to the host is lost; what was lost (fake_lost_att). */
	bool lose_out, lose_in, lost_from_host;
	int lost_op;
	unsigned att_rx;
	unsigned frag_out; /* fake_set_acl_fragment: 0 whole frames */
	/* A Bluetooth 5 profile (fake_set_answer, fake_set_async,
	 * fake_set_remote_features) and what ACL packets looked like. */
	struct { uint16_t op; uint8_t len; uint8_t rp[66]; } over[8];
	unsigned n_over;
	uint16_t async_ops[8];
	unsigned n_async;
	uint8_t remote_features[8];
	bool remote_features_set;
	unsigned acl_packets, acl_max;
	struct {
		uint16_t op;
		uint8_t len;
		uint8_t p[255];
	} hist[16]; /* the latest commands, hist[nhist % 16] next */
	unsigned nhist;
	fake_cmd_hook hook;
	void *hook_ctx;
};

void fake_set_command_hook(struct fake *f, fake_cmd_hook fn, void *ctx)
{
	f->hook = fn;
	f->hook_ctx = ctx;
}

/* Bring-up answers (return parameters after the status octet) recorded from
 * btvirt in tests/pcap/gatt23-central.btsnoop. */
static const struct {
	uint16_t op;
	uint8_t len;
	const char *rp;
} answers[] = {
	{ 0x1001, 9, "\x00\x09\x00\x00\x09\xf1\x05\x00\x00" },
	{ 0x1002, 65,
	  "\x00\x20\x00\x80\x00\x00\xc0\x00\x00\x00\x00\x60\x00\x00\x00\xb8\x02\x00\x00\x00\x00"
	  "\x00\x00\x00\x00\x20\xf7\xff\xe7\x7f\x00\x00\x00\x00\x30\xfe\x07\x00\x00\x00\x00\x00"
	  "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	  "\x00\x00" },
	{ 0x1003, 9, "\x00\x00\x00\x00\x00\x00\x60\x00\x00" },
	{ 0x2003, 9, "\x00\x0b\x00\x00\x00\x00\x00\x00\x00" },
	{ 0x1009, 7, "\x00\x42\x00\x01\xfa\xca\x00" },
	{ 0x2002, 4, "\x00\xc0\x00\x01" },
	{ 0x2018, 9, "\x00\x01\x02\x03\x04\x05\x06\x07\x08" }, /* LE Rand */
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static int send_all(struct fake *f, const uint8_t *p, size_t n)
{
	if (f->fd < 0 || f->silent)
		return -1;
	while (n) {
		ssize_t k = f->pty ? write(f->fd, p, n) : send(f->fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int fake_event(struct fake *f, uint8_t code, const uint8_t *params, uint8_t len)
{
	uint8_t pkt[258] = { 0x04, code, len };
	if (len)
		memcpy(pkt + 3, params, len);
	return send_all(f, pkt, 3u + len);
}

static void count_cmd(struct fake *f, uint16_t op)
{
	f->cmds++;
	for (unsigned i = 0; i < 64; i++) {
		if (f->cmd_ops[i] == op || f->cmd_ops[i] == 0) {
			f->cmd_ops[i] = op;
			f->cmd_count[i]++;
			return;
		}
	}
}

unsigned fake_cmd_count(const struct fake *f, uint16_t op)
{
	if (!op)
		return f->cmds;
	for (unsigned i = 0; i < 64; i++)
		if (f->cmd_ops[i] == op)
			return f->cmd_count[i];
	return 0;
}

static void fire(struct fake *f, uint16_t handle);

/* fake_fault_after: true when this packet is the one (it is not seen).
 * FAKE_DROP waits for a command: a lost ACL packet would only leave a
 * request to its 30 s ATT timeout (FAKE_ACL_LOST does that). The ACL kinds
 * count ACL packets only, and fire on the packet, which on_acl then
 * acknowledges (and loses, or serves). */
static bool packet_fault(struct fake *f, bool cmd)
{
	if (f->fault_after < 0)
		return false;
	if (f->fault == FAKE_FRAG_LOST_IN)
		return false; /* counts the peer's packets (fake_l2cap_to) */
	bool acl_kind = f->fault == FAKE_ACL_LOST || f->fault == FAKE_ACL_LOST_IN;
	if (acl_kind && cmd)
		return false;
	if (f->fault_after > 0) {
		f->fault_after--;
		return false;
	}
	if (f->fault == FAKE_DROP && !cmd)
		return false;
	f->fault_after = -1;
	if (f->fault == FAKE_DISCONNECT) {
		f->fire_after = true; /* a link ends between two packets */
		return false;
	}
	fire(f, f->fault_handle);
	return !acl_kind;
}

static void on_command(struct fake *f, const uint8_t *p, size_t len)
{
	uint16_t op = le16(p);
	count_cmd(f, op);
	if (f->silent || packet_fault(f, true))
		return;
	if (f->hook && len >= 3u && len >= 3u + p[2] && f->hook(f->hook_ctx, f, op, p + 3, p[2]))
		return;
	if (f->fault && f->fault_opcode == op) {
		fire(f, f->fault_handle);
		return;
	}
	unsigned slot = f->nhist++ % 16;
	f->hist[slot].op = op;
	f->hist[slot].len = len >= 3 ? p[2] : 0;
	if (len >= 3u + f->hist[slot].len)
		memcpy(f->hist[slot].p, p + 3, f->hist[slot].len);
	for (unsigned i = 0; i < f->n_muted; i++)
		if (f->muted[i] == op)
			return;
	uint8_t ev[260] = { 1, (uint8_t)op, (uint8_t)(op >> 8), 0 };
	/* Commands that finish with a later event get Command Status. */
	bool async_op = false;
	for (unsigned i = 0; i < f->n_async; i++)
		async_op |= f->async_ops[i] == op;
	if (op == 0x200d || op == 0x0406 || op == 0x2016 || op == 0x2019 || op == 0x041d ||
	    op == 0x2013 || async_op) {
		uint8_t st[4] = { 0, 1, (uint8_t)op, (uint8_t)(op >> 8) };
		fake_event(f, 0x0f, st, 4);
		if (op == 0x2016 && len >= 5) { /* LE Read Remote Features Complete */
			uint8_t rf[12] = { 0x04, 0x00, p[3], p[4], 0x01 };
			if (f->remote_features_set)
				memcpy(rf + 4, f->remote_features, 8);
			fake_event(f, 0x3e, rf, sizeof(rf));
		} else if (op == 0x200d && f->accept_connects) { /* the peer is there */
			fake_connect(f, true);
			fake_att_autoreply(f, FAKE_CONN_HANDLE);
		} else if (op == 0x0406 && len >= 6) { /* Disconnection Complete */
			uint8_t dc[4] = { 0, p[3], p[4], 0x16 };
			fake_event(f, 0x05, dc, 4);
		}
		return;
	}
	size_t n = 4;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (answers[i].op == op) {
			memcpy(ev + 3, answers[i].rp, answers[i].len);
			n = 3u + answers[i].len;
		}
	for (unsigned i = 0; i < f->n_over; i++)
		if (f->over[i].op == op) {
			memcpy(ev + 3, f->over[i].rp, f->over[i].len);
			n = 3u + f->over[i].len;
		}
	fake_event(f, 0x0e, ev, (uint8_t)n);
	if (op == 0x200e) {
		/* As a controller does (Vol 4, Part E, 7.8.13): the cancelled
		 * attempt ends with LE Connection Complete, status 0x02. */
		uint8_t cc[19] = { 0x01, 0x02 };
		fake_event(f, 0x3e, cc, sizeof(cc));
	}
}

static bool autoreply(struct fake *f, uint16_t handle, const uint8_t *fr, size_t len);

static void queue_frame(struct fake *f, uint16_t handle, const uint8_t *fr, size_t len)
{
	if (len < 4)
		return;
	if (f->fault && !f->fault_opcode && f->fault_handle == handle) {
		fire(f, handle);
		return;
	}
	if (le16(fr + 2) == 0x0004)
		f->att_rx++;
	if (autoreply(f, handle, fr, len) || f->q_count == FAKE_QLEN)
		return;
	struct fake_frame *q = &f->q[f->q_count++];
	q->cid = le16(fr + 2);
	q->len = (uint16_t)(len - 4 > FAKE_FRAME ? FAKE_FRAME : len - 4);
	memcpy(q->data, fr + 4, q->len);
	if (q->cid == f->want_cid)
		f->flag = true;
}

static void on_acl(struct fake *f, const uint8_t *p, size_t len)
{
	uint16_t hf = le16(p);
	size_t dlen = le16(p + 2);
	if (f->silent || packet_fault(f, false))
		return;
	uint8_t nocp[5] = { 1, (uint8_t)hf, (uint8_t)((hf >> 8) & 0x0f), 1, 0 };
	fake_event(f, 0x13, nocp, 5); /* the buffer is free again at once */
	if (f->lose_out) {
		/* Lost over the air: a frame it started or continued is gone. */
		f->lose_out = false;
		f->lost_from_host = true;
		unsigned pb = (hf >> 12) & 3;
		if (pb != 1 && len >= 9 && dlen >= 5 && le16(p + 6) == 0x0004)
			f->lost_op = p[8];
		else if (pb == 1 && f->frag_active && f->frag_len >= 5 && le16(f->frag + 2) == 4)
			f->lost_op = f->frag[4];
		f->frag_active = false;
		return;
	}
	f->acl_packets++;
	if (dlen > f->acl_max)
		f->acl_max = (unsigned)dlen;
	if (dlen > len - 4)
		return;
	p += 4;
	unsigned pb = (hf >> 12) & 3;
	if (pb != 1) {
		f->frag_active = dlen >= 4 && 4u + le16(p) <= sizeof(f->frag);
		f->frag_want = f->frag_active ? 4u + le16(p) : 0;
		f->frag_len = 0;
	}
	if (!f->frag_active || f->frag_len + dlen > f->frag_want) {
		f->frag_active = false;
		return;
	}
	memcpy(f->frag + f->frag_len, p, dlen);
	f->frag_len += dlen;
	if (f->frag_len == f->frag_want) {
		f->frag_active = false;
		queue_frame(f, hf & 0x0fff, f->frag, f->frag_len);
	}
}

static void parse(struct fake *f)
{
	size_t off = 0;
	for (;;) {
		const uint8_t *p = f->rx + off;
		size_t avail = f->rx_len - off, need;
		if (avail < 1)
			break;
		if (p[0] == 0x01) {
			if (avail < 4 || avail < 4u + p[3])
				break;
			need = 4u + p[3];
			on_command(f, p + 1, need - 1);
		} else if (p[0] == 0x02) {
			if (avail < 5 || avail < 5u + le16(p + 3))
				break;
			need = 5u + le16(p + 3);
			on_acl(f, p + 1, need - 1);
		} else {
			fprintf(stderr, "fake: bad H4 type 0x%02x from the host\n", p[0]);
			f->rx_len = 0;
			return;
		}
		off += need;
		if (f->fire_after) {
			f->fire_after = false;
			fire(f, f->fault_handle);
		}
	}
	memmove(f->rx, f->rx + off, f->rx_len - off);
	f->rx_len -= off;
}

static void on_readable(void *arg, int fd, short revents)
{
	struct fake *f = arg;
	(void)revents;
	ssize_t k = read(fd, f->rx + f->rx_len, sizeof(f->rx) - f->rx_len);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k <= 0) {
		fake_close_link(f);
		return;
	}
	f->rx_len += (size_t)k;
	parse(f);
}

struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->fault_after = -1;
	f->lost_op = -1;
	f->fd = -1;
	strcpy(f->dir, "/tmp/blehost-fake-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return NULL;
	}
	snprintf(f->path, sizeof(f->path), "%s/ctrl", f->dir);
	snprintf(f->transport, sizeof(f->transport), "unix:%s", f->path);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(f->lfd, 1)) {
		fake_free(f);
		return NULL;
	}
	return f;
}

const char *fake_transport(const struct fake *f) { return f->transport; }

struct fake *fake_new_pty(const char *kind, const char *opts)
{
	struct fake *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->fault_after = -1;
	f->lost_op = -1;
	f->lfd = -1;
	f->pty = true;
	f->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (f->fd < 0 || grantpt(f->fd) || unlockpt(f->fd)) {
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return NULL;
	}
	snprintf(f->transport, sizeof(f->transport), "%s:%s%s", kind, ptsname(f->fd), opts);
	return f;
}

int fake_accept(struct fake *f, struct bh_loop *loop)
{
	f->loop = loop;
	if (f->pty)
		return bh_loop_watch(loop, f->fd, POLLIN, on_readable, f) ? -1 : 0;
	f->fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	f->rx_len = 0;
	f->q_count = 0;
	if (f->fd < 0)
		return -1;
	return bh_loop_watch(loop, f->fd, POLLIN, on_readable, f) ? -1 : 0;
}

void fake_close_link(struct fake *f)
{
	if (f->fd < 0)
		return;
	if (f->loop) /* a pty's fd is open before fake_accept */
		bh_loop_unwatch(f->loop, f->fd);
	close(f->fd);
	f->fd = -1;
	f->flag = true;
}

void fake_free(struct fake *f)
{
	if (!f)
		return;
	fake_close_link(f);
	if (f->lfd >= 0)
		close(f->lfd);
	if (!f->pty) {
		unlink(f->path);
		rmdir(f->dir);
	}
	free(f);
}

void fake_mute(struct fake *f, uint16_t opcode)
{
	if (!opcode) {
		f->n_muted = 0;
		return;
	}
	if (f->n_muted < FAKE_MAX_MUTED)
		f->muted[f->n_muted++] = opcode;
}

int fake_connect(struct fake *f, bool central)
{
	return fake_connect_handle(f, FAKE_CONN_HANDLE, central);
}

int fake_connect_handle(struct fake *f, uint16_t handle, bool central)
{
	uint8_t peer_lsb = handle == FAKE_CONN_HANDLE ? 0x11 : (uint8_t)handle;
	uint8_t cc[19] = { 0x01, 0x00, (uint8_t)handle, (uint8_t)(handle >> 8),
			   central ? 0x00 : 0x01, 0x00, peer_lsb, 0x22, 0x33, 0x44, 0x55, 0x66,
			   0x28, 0x00, 0x00, 0x00, 0x90, 0x01, 0x00 };
	return fake_event(f, 0x3e, cc, sizeof(cc));
}

void fake_att_autoreply(struct fake *f, uint16_t handle)
{
	if (f->n_auto < 4)
		f->auto_handles[f->n_auto++] = handle;
}

void fake_att_autoreply_stop(struct fake *f, uint16_t handle)
{
	for (unsigned i = 0; i < f->n_auto; i++)
		if (f->auto_handles[i] == handle)
			f->auto_handles[i--] = f->auto_handles[--f->n_auto];
}

/* ATT PDUs: Vol 3, Part F, 3.4. */
static bool autoreply(struct fake *f, uint16_t handle, const uint8_t *fr, size_t len)
{
	bool mine = false;
	for (unsigned i = 0; i < f->n_auto; i++)
		mine |= f->auto_handles[i] == handle;
	if (!mine || le16(fr + 2) != 0x0004 || len < 5)
		return false;
	const uint8_t *pdu = fr + 4;
	uint8_t op = pdu[0];
	if (op == 0x02) {
		uint16_t mtu = f->att_mtu ? f->att_mtu : 23;
		uint8_t rsp[3] = { 0x03, (uint8_t)mtu, (uint8_t)(mtu >> 8) };
		fake_l2cap_to(f, handle, 4, rsp, 3);
	} else if (op == 0x0a || op == 0x0c) {
		uint8_t rsp[3] = { (uint8_t)(op + 1), 'o', 'k' };
		fake_l2cap_to(f, handle, 4, rsp, 3);
	} else if (op == 0x12) {
		f->att_wrote = true;
		uint8_t rsp[1] = { 0x13 };
		fake_l2cap_to(f, handle, 4, rsp, 1);
	} else if (len >= 9 && (op == 0x10 || op == 0x04 || (op == 0x08 && len >= 11 &&
								le16(pdu + 5) == 0x2803)) &&
		   le16(pdu + 1) <= (op == 0x10 ? 1 : op == 0x08 ? 2 : 4)) {
		/* A one-service tree: Heart Rate 0x0001-0x0004, Heart Rate
		 * Measurement (notify) declared at 0x0002, value 0x0003, CCCD
		 * 0x0004; past it, Attribute Not Found. */
		static const uint8_t svc[] = { 0x11, 6, 1, 0, 4, 0, 0x0d, 0x18 };
		static const uint8_t chr[] = { 0x09, 7, 2, 0, 0x10, 3, 0, 0x37, 0x2a };
		static const uint8_t desc[] = { 0x05, 1, 4, 0, 0x02, 0x29 };
		if (op == 0x10)
			fake_l2cap_to(f, handle, 4, svc, sizeof(svc));
		else if (op == 0x08)
			fake_l2cap_to(f, handle, 4, chr, sizeof(chr));
		else
			fake_l2cap_to(f, handle, 4, desc, sizeof(desc));
	} else if (op == 0x10 || op == 0x08 || op == 0x04 || op == 0x06) {
		uint8_t rsp[5] = { 0x01, op, pdu[1], len >= 7 ? pdu[2] : 0, 0x0a };
		fake_l2cap_to(f, handle, 4, rsp, 5);
	} else if (op == 0x1e) {
		f->att_confirms++;
	} else if (op != 0x52 && (op & 0x40) == 0) {
		uint8_t rsp[5] = { 0x01, op, len >= 7 ? pdu[1] : 0, len >= 7 ? pdu[2] : 0, 0x06 };
		fake_l2cap_to(f, handle, 4, rsp, 5);
	}
	return true;
}

void fake_fault_after(struct fake *f, long n, uint16_t handle, enum fake_fault kind)
{
	f->fault = n < 0 ? 0 : kind;
	f->fault_handle = handle;
	f->fault_opcode = 0xffff; /* no command has it: only the count fires */
	f->fault_after = n;
	f->fired = false;
}

void fake_fault_on_frame(struct fake *f, uint16_t handle, enum fake_fault kind)
{
	f->fault = kind;
	f->fault_handle = handle;
	f->fault_opcode = 0;
	f->fired = false;
}

void fake_fault_on_command(struct fake *f, uint16_t opcode, enum fake_fault kind)
{
	f->fault = kind;
	f->fault_handle = 0;
	f->fault_opcode = opcode;
	f->fired = false;
}

void fake_fault_on_link_command(struct fake *f, uint16_t opcode, uint16_t handle,
				enum fake_fault kind)
{
	fake_fault_on_command(f, opcode, kind);
	f->fault_handle = handle;
}

bool fake_fired(const struct fake *f) { return f->fired; }

void fake_heal(struct fake *f)
{
	f->silent = false;
	f->lose_out = false;
	f->lose_in = false;
}

int fake_lost_att(const struct fake *f, bool *from_host)
{
	if (from_host)
		*from_host = f->lost_from_host;
	return f->lost_op;
}

unsigned fake_att_count(const struct fake *f) { return f->att_rx; }

void fake_accept_connects(struct fake *f) { f->accept_connects = true; }

void fake_set_answer(struct fake *f, uint16_t opcode, const void *rp, uint8_t len)
{
	if (f->n_over < 8 && len <= sizeof(f->over[0].rp)) {
		f->over[f->n_over].op = opcode;
		f->over[f->n_over].len = len;
		memcpy(f->over[f->n_over++].rp, rp, len);
	}
}

void fake_add_commands(struct fake *f, const uint16_t *sup, size_t n)
{
	uint8_t cmds[65];
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (answers[i].op == 0x1002)
			memcpy(cmds, answers[i].rp, sizeof(cmds));
	for (size_t i = 0; i < n; i++) /* octet sup / 8, after the status */
		cmds[1 + sup[i] / 8] |= (uint8_t)(1u << (sup[i] % 8));
	fake_set_answer(f, 0x1002, cmds, sizeof(cmds));
}

void fake_set_async(struct fake *f, uint16_t opcode)
{
	if (f->n_async < 8)
		f->async_ops[f->n_async++] = opcode;
}

void fake_set_remote_features(struct fake *f, const uint8_t features[8])
{
	memcpy(f->remote_features, features, 8);
	f->remote_features_set = true;
}

void fake_acl_stats(const struct fake *f, unsigned *packets, unsigned *max_len)
{
	*packets = f->acl_packets;
	*max_len = f->acl_max;
}

bool fake_att_wrote(const struct fake *f) { return f->att_wrote; }
void fake_set_att_mtu(struct fake *f, uint16_t mtu) { f->att_mtu = mtu; }
unsigned fake_att_confirms(const struct fake *f) { return f->att_confirms; }

void fake_fault_now(struct fake *f, uint16_t handle, enum fake_fault kind)
{
	if (kind == FAKE_DISCONNECT) {
		/* Vol 4, Part E, 7.7.5; reason 0x08 Connection Timeout */
		uint8_t dc[4] = { 0, (uint8_t)handle, (uint8_t)(handle >> 8), 0x08 };
		fake_event(f, 0x05, dc, 4);
	} else if (kind == FAKE_CLOSE) {
		fake_close_link(f);
	} else if (kind == FAKE_HWERROR) {
		uint8_t code = 0x01;
		fake_event(f, 0x10, &code, 1);
	} else if (kind == FAKE_SILENCE) {
		f->silent = true;
	} else if (kind == FAKE_ACL_LOST) {
		f->lose_out = true;
	} else if (kind == FAKE_ACL_LOST_IN) {
		f->lose_in = true;
	}
}

static void fire(struct fake *f, uint16_t handle)
{
	enum fake_fault kind = f->fault;
	f->fault = 0;
	f->fired = true;
	fake_fault_now(f, handle, kind);
}

int fake_l2cap(struct fake *f, uint16_t cid, const uint8_t *payload, size_t len)
{
	return fake_l2cap_to(f, FAKE_CONN_HANDLE, cid, payload, len);
}

void fake_set_acl_fragment(struct fake *f, unsigned n) { f->frag_out = n; }

/* One frame (basic header first) in packets of frag_out octets; a
 * FAKE_FRAG_LOST_IN due loses its packet, which the host never sees. */
static int send_fragments(struct fake *f, uint16_t handle, const uint8_t *fr, size_t len)
{
	for (size_t off = 0; off < len; off += f->frag_out) {
		size_t n = len - off < f->frag_out ? len - off : f->frag_out;
		if (f->fault == FAKE_FRAG_LOST_IN && f->fault_after >= 0 && f->fault_after-- == 0) {
			f->fault = 0;
			f->fired = true;
			f->lost_from_host = false;
			f->lost_op = le16(fr + 2) == 0x0004 && len >= 5 ? fr[4] : -1;
			continue;
		}
		uint8_t pkt[5 + FAKE_FRAME + 4] = {
			0x02, (uint8_t)handle,
			(uint8_t)((handle >> 8) | (off ? 0x10 : 0x20)), (uint8_t)n, (uint8_t)(n >> 8)
		};
		memcpy(pkt + 5, fr + off, n);
		if (send_all(f, pkt, 5 + n))
			return -1;
	}
	return 0;
}

int fake_l2cap_to(struct fake *f, uint16_t handle, uint16_t cid, const uint8_t *payload,
		  size_t len)
{
	uint8_t pkt[5 + 4 + FAKE_FRAME] = { 0x02, (uint8_t)handle, (uint8_t)(0x20 | handle >> 8) };
	if (len > FAKE_FRAME)
		return -1;
	if (f->lose_in && f->fd >= 0 && !f->silent) {
		f->lose_in = false;
		f->lost_from_host = false;
		f->lost_op = cid == 0x0004 && len >= 1 ? payload[0] : -1;
		return 0; /* sent, and lost on the way */
	}
	pkt[3] = (uint8_t)(len + 4);
	pkt[4] = (uint8_t)((len + 4) >> 8);
	pkt[5] = (uint8_t)len;
	pkt[6] = (uint8_t)(len >> 8);
	pkt[7] = (uint8_t)cid;
	pkt[8] = (uint8_t)(cid >> 8);
	memcpy(pkt + 9, payload, len);
	if (!f->frag_out)
		return send_all(f, pkt, 9 + len);
	return send_fragments(f, handle, pkt + 5, 4 + len);
}

static int pop(struct fake *f, uint16_t cid, uint8_t *out, size_t cap)
{
	for (unsigned i = 0; i < f->q_count; i++) {
		if (f->q[i].cid != cid)
			continue;
		int n = f->q[i].len;
		memcpy(out, f->q[i].data, (size_t)n < cap ? (size_t)n : cap);
		memmove(&f->q[i], &f->q[i + 1], (f->q_count - i - 1) * sizeof(f->q[0]));
		f->q_count--;
		return n;
	}
	return -1;
}

int fake_recv(struct fake *f, uint16_t cid, uint8_t *out, size_t cap, unsigned ms)
{
	int n = pop(f, cid, out, cap);
	f->want_cid = cid;
	for (unsigned t = 0; n < 0 && f->fd >= 0 && t < ms; t += 20) {
		f->flag = false;
		bh_loop_run_until(f->loop, &f->flag, 20);
		n = pop(f, cid, out, cap);
	}
	f->want_cid = 0;
	return n;
}

void fake_run(struct fake *f, unsigned ms)
{
	bool never = false;
	bh_loop_run_until(f->loop, &never, ms);
}

bool fake_run_until(struct fake *f, const bool *flag, unsigned ms)
{
	if (!*flag)
		bh_loop_run_until(f->loop, flag, ms);
	return *flag;
}

int fake_raw(struct fake *f, const uint8_t *bytes, size_t len)
{
	return send_all(f, bytes, len);
}

int fake_last_cmd(const struct fake *f, uint16_t opcode, uint8_t *out, size_t cap)
{
	for (unsigned k = 0; k < 16 && k < f->nhist; k++) {
		unsigned slot = (f->nhist - 1 - k) % 16;
		if (f->hist[slot].op != opcode)
			continue;
		size_t n = f->hist[slot].len;
		memcpy(out, f->hist[slot].p, n < cap ? n : cap);
		return (int)n;
	}
	return -1;
}

int fake_att_next(struct fake *f, uint8_t *buf, size_t cap, unsigned ms)
{
	for (;;) {
		int n = fake_recv(f, 0x0004, buf, cap, ms);
		if (n >= 1 && buf[0] == 0x02) {
			const uint8_t m[] = { 0x03, 23, 0 };
			if (fake_l2cap(f, 0x0004, m, 3))
				return -1;
			continue;
		}
		return n;
	}
}

struct read_op {
	bool done;
	unsigned calls;
	bool ok;
};

static void on_read(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct read_op *o = ctx;
	o->calls++;
	o->done = true;
	o->ok = st == BH_OK && res && res->value && res->len == 2 && !memcmp(res->value, "ok", 2);
}

bool fake_gatt_read_ok(struct fake *f, struct bh_gattc *g)
{
	struct read_op o = { 0 };
	if (!g || bh_gattc_read(g, 0x0003, on_read, &o))
		return false;
	uint8_t req[64];
	int n = fake_att_next(f, req, sizeof(req), 2000);
	if (n != 3 || req[0] != 0x0a || req[1] != 0x03 || req[2] != 0x00)
		return false;
	const uint8_t rsp[] = { 0x0b, 'o', 'k' };
	if (fake_l2cap(f, 0x0004, rsp, 3) || !fake_run_until(f, &o.done, 2000))
		return false;
	fake_run(f, 20); /* a second completion would show here */
	return o.calls == 1 && o.ok;
}
