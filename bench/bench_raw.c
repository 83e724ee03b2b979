/* bench_raw: the ceiling of btvirt itself, with no stack. Run under
 * with-btvirt.sh:
 *
 *   bench_raw LEN [SECS [split]]
 *
 * Two H4 clients on $BTVIRT_SOCKET (two virtual LE controllers): one
 * advertises, the other connects to it with plain HCI commands; then the
 * central sends pre-built ACL packets of LEN data octets (an L2CAP frame on
 * the ATT channel holding a Write Command of LEN - 7 value octets) as fast as
 * the controller's buffers allow, honouring Number Of Completed Packets,
 * and the peripheral's side counts what arrives. Prints one key=value line
 * with packets and bytes per second at the receiver. With "split" the
 * receiving side is a child process, so each packet crosses three
 * processes, as between two blehost programs; without it, one process
 * holds both ends.
 *
 * Deliberately standalone (sockets and byte arrays, no blehost layers): it
 * measures btvirt, not blehost. HCI layouts: Vol 4, Part E, 5.4 (packets),
 * 7.8.5/7.8.9 (advertising), 7.8.12 (LE Create Connection), 7.7.65.1
 * (LE Connection Complete), 7.7.19 (Number Of Completed Packets).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 3000
/* Time the link is left to settle before the window opens. */
#define RAMP_S 0.2

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* One H4 stream with a receive buffer (packets may arrive split). */
struct h4 {
	int fd;
	uint8_t buf[16384];
	size_t len;
	/* What the stream saw. */
	uint16_t conn;
	bool connected;
	unsigned credits_back;
	uint64_t acl_pkts, acl_bytes;
	uint8_t last_cc[64];
	size_t last_cc_len;
	uint16_t last_cc_op;
	bool have_cc;
};

static int connect_unix(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void on_event(struct h4 *s, const uint8_t *e, size_t len)
{
	if (len < 2 || (size_t)e[1] + 2 > len)
		return;
	const uint8_t *p = e + 2;
	size_t plen = e[1];
	if (e[0] == 0x0e && plen >= 3) { /* Command Complete */
		s->last_cc_op = get16(p + 1);
		s->last_cc_len = plen - 3 < sizeof(s->last_cc) ? plen - 3 : sizeof(s->last_cc);
		memcpy(s->last_cc, p + 3, s->last_cc_len);
		s->have_cc = true;
	} else if (e[0] == 0x13 && plen >= 1) { /* Number Of Completed Packets */
		for (unsigned i = 0; i < p[0] && 1 + 4 * (i + 1) <= plen; i++)
			s->credits_back += get16(p + 1 + 4 * i + 2);
	} else if (e[0] == 0x3e && plen >= 4 && p[0] == 0x01 && p[1] == 0) {
		s->conn = get16(p + 2) & 0x0fff; /* LE Connection Complete, success */
		s->connected = true;
	} else if (e[0] == 0x05 && plen >= 4) {
		s->connected = false;
	}
}

/* Parses every complete packet in the buffer. */
static void parse(struct h4 *s)
{
	size_t off = 0;
	for (;;) {
		size_t left = s->len - off;
		const uint8_t *p = s->buf + off;
		size_t need;
		if (left < 1)
			break;
		if (p[0] == 0x04) {
			if (left < 3)
				break;
			need = 3 + p[2];
		} else if (p[0] == 0x02) {
			if (left < 5)
				break;
			need = 5 + get16(p + 3);
		} else {
			fprintf(stderr, "bench_raw: unexpected H4 type 0x%02x\n", p[0]);
			exit(1);
		}
		if (left < need)
			break;
		if (p[0] == 0x04) {
			on_event(s, p + 1, need - 1);
		} else {
			s->acl_pkts++;
			s->acl_bytes += need - 5;
		}
		off += need;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
}

/* Reads what is there (waiting at most ms; ms < 0: the caller polled
 * already); false on EOF/error. */
static bool pump(struct h4 *s, int ms)
{
	struct pollfd pfd = { s->fd, POLLIN, 0 };
	if (ms >= 0 && poll(&pfd, 1, ms) <= 0)
		return true;
	ssize_t k = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (k <= 0)
		return false;
	s->len += (size_t)k;
	parse(s);
	return true;
}

static bool send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Sends a command and waits for its Command Complete; returns the return
 * parameters' length (status first) or -1. */
static int command(struct h4 *s, uint16_t op, const uint8_t *params, uint8_t plen)
{
	uint8_t pkt[260] = { 0x01, (uint8_t)op, (uint8_t)(op >> 8), plen };
	if (plen) /* params may be NULL then, which memcpy must not get */
		memcpy(pkt + 4, params, plen);
	s->have_cc = false;
	if (!send_all(s->fd, pkt, 4u + plen))
		return -1;
	double end = now_s() + TIMEOUT_MS / 1000.0;
	while (now_s() < end) {
		if (!pump(s, 50))
			return -1;
		if (s->have_cc && s->last_cc_op == op)
			return (int)s->last_cc_len;
	}
	return -1;
}

static int fail(const char *what)
{
	fprintf(stderr, "bench_raw: FAIL: %s\n", what);
	return 1;
}

/* The receiver's counts over the measured window. */
struct window {
	double t0, dt;
	uint64_t pkts, bytes;
};

/* The receiving end in split mode (a child process): reads until SECS
 * after the ramp, then writes its window to fd. Returns the exit code. */
static int receive_window(struct h4 *per, double secs, int fd)
{
	struct window w = { 0 };
	double t_start = now_s();
	uint64_t p0 = 0, b0 = 0;
	for (;;) {
		double t = now_s();
		if (!w.t0 && t - t_start >= RAMP_S) {
			w.t0 = t;
			p0 = per->acl_pkts;
			b0 = per->acl_bytes;
		}
		if (w.t0 && t - w.t0 >= secs)
			break;
		if (!pump(per, 100))
			return 1;
	}
	w.dt = now_s() - w.t0;
	w.pkts = per->acl_pkts - p0;
	w.bytes = per->acl_bytes - b0;
	return write(fd, &w, sizeof(w)) == (ssize_t)sizeof(w) ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *path = getenv("BTVIRT_SOCKET");
	if (!path || argc < 2) {
		fprintf(stderr, "usage: BTVIRT_SOCKET=... %s LEN [SECS [split]] (under with-btvirt.sh)\n",
			argv[0]);
		return 2;
	}
	size_t len = (size_t)atoi(argv[1]);
	double secs = argc > 2 ? atof(argv[2]) : 1.5;
	bool split = argc > 3 && !strcmp(argv[3], "split");
	static struct h4 per, cen;
	per.fd = connect_unix(path);
	cen.fd = connect_unix(path);
	if (per.fd < 0 || cen.fd < 0)
		return fail("connect to btvirt");
	static const uint8_t mask[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f };
	static const uint8_t le_mask[8] = { 0x1f };
	struct h4 *both[2] = { &per, &cen };
	for (int i = 0; i < 2; i++) {
		if (command(both[i], 0x0c03, NULL, 0) < 1 || both[i]->last_cc[0] ||
		    command(both[i], 0x0c01, mask, 8) < 1 ||
		    command(both[i], 0x2001, le_mask, 8) < 1)
			return fail("reset / event masks");
	}
	if (command(&per, 0x1009, NULL, 0) != 7 || per.last_cc[0])
		return fail("Read BD_ADDR");
	uint8_t peer[6];
	memcpy(peer, per.last_cc + 1, 6);
	if (command(&cen, 0x2002, NULL, 0) != 4 || cen.last_cc[0])
		return fail("LE Read Buffer Size");
	uint16_t acl_mtu = get16(cen.last_cc + 1);
	unsigned credits = cen.last_cc[3], buffers = credits;
	if (len < 8 || len > acl_mtu || !credits)
		return fail("LEN must be 8..LE ACL MTU and the controller must give buffers");

	/* Peripheral: connectable undirected advertising every 20 ms. */
	uint8_t ap[15] = { 0x20, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00 };
	ap[13] = 0x07;
	uint8_t on = 1;
	if (command(&per, 0x2006, ap, 15) < 1 || per.last_cc[0] || command(&per, 0x200a, &on, 1) < 1 ||
	    per.last_cc[0])
		return fail("advertising");
	/* Central: LE Create Connection to the peripheral's public address;
	 * answered by Command Status, then LE Connection Complete on both. */
	uint8_t cc[25] = { 0 };
	put16(cc, 0x0060);
	put16(cc + 2, 0x0030);
	memcpy(cc + 6, peer, 6);
	put16(cc + 13, 0x0018);
	put16(cc + 15, 0x0028);
	put16(cc + 19, 0x01f4);
	uint8_t pkt[4 + 25] = { 0x01, 0x0d, 0x20, 25 };
	memcpy(pkt + 4, cc, 25);
	if (!send_all(cen.fd, pkt, sizeof(pkt)))
		return fail("LE Create Connection");
	double end = now_s() + 5;
	while ((!cen.connected || !per.connected) && now_s() < end) {
		if (!pump(&cen, 10) || !pump(&per, 10))
			return fail("btvirt closed");
	}
	if (!cen.connected || !per.connected)
		return fail("no LE Connection Complete");

	/* The pre-built packet: ACL header (PB 0b00, first non-flushable),
	 * L2CAP basic header on CID 4, ATT Write Command to handle 0x0003. */
	uint8_t acl[1 + 4 + 1024];
	acl[0] = 0x02;
	put16(acl + 1, cen.conn);
	put16(acl + 3, (uint16_t)len);
	put16(acl + 5, (uint16_t)(len - 4));
	put16(acl + 7, 0x0004);
	acl[9] = 0x52;
	put16(acl + 10, 0x0003);
	memset(acl + 12, 0x5a, len - 7);

	/* split: the receiving end runs in a child process of its own, so the
	 * packets cross the same three processes as between two blehost
	 * programs (sender, btvirt, receiver) instead of two. The child counts
	 * and reports its window through a pipe; the sender stops at that. */
	int res[2] = { -1, -1 };
	pid_t child = -1;
	if (split) {
		if (pipe(res) != 0)
			return fail("pipe");
		child = fork();
		if (child < 0)
			return fail("fork");
		if (child == 0) {
			close(res[0]);
			_exit(receive_window(&per, secs, res[1]));
		}
		close(res[1]);
	}
	struct window w = { 0 };
	double t_start = now_s();
	uint64_t sent = 0, p0 = 0, b0 = 0;
	for (;;) {
		double t = now_s();
		if (!split && !w.t0 && t - t_start >= RAMP_S) {
			w.t0 = t;
			p0 = per.acl_pkts;
			b0 = per.acl_bytes;
		}
		if (!split && w.t0 && t - w.t0 >= secs) {
			w.dt = t - w.t0;
			w.pkts = per.acl_pkts - p0;
			w.bytes = per.acl_bytes - b0;
			break;
		}
		credits += cen.credits_back;
		cen.credits_back = 0;
		while (credits) {
			if (!send_all(cen.fd, acl, 5 + len))
				return fail("send ACL");
			credits--;
			sent++;
		}
		struct pollfd pf[2] = { { cen.fd, POLLIN, 0 }, { split ? res[0] : per.fd, POLLIN, 0 } };
		if (poll(pf, 2, 100) < 0 && errno != EINTR)
			return fail("poll");
		if (pf[0].revents && !pump(&cen, -1))
			return fail("btvirt closed");
		if (pf[1].revents && split) {
			if (read(res[0], &w, sizeof(w)) != (ssize_t)sizeof(w))
				return fail("receiver failed");
			break;
		}
		if (pf[1].revents && !pump(&per, -1))
			return fail("btvirt closed");
	}
	if (split) {
		int st;
		waitpid(child, &st, 0);
	}
	double dt = w.dt;
	printf("mode=raw acl_len=%zu value_len=%zu split=%d secs=%.2f packets_per_s=%.0f "
	       "acl_bytes_per_s=%.0f value_bytes_per_s=%.0f sent=%llu le_acl_mtu=%u buffers=%u\n",
	       len, len - 7, split, dt, w.pkts / dt, w.bytes / dt, w.pkts * (double)(len - 7) / dt,
	       (unsigned long long)sent, acl_mtu, buffers);
	/* HCI_Disconnect, so the peer's controller sees the link end. */
	uint8_t dp[3];
	put16(dp, cen.conn);
	dp[2] = 0x13;
	uint8_t dpkt[4 + 3] = { 0x01, 0x06, 0x04, 3 };
	memcpy(dpkt + 4, dp, 3);
	send_all(cen.fd, dpkt, sizeof(dpkt));
	for (int i = 0; i < 20 && (cen.connected || per.connected); i++) {
		pump(&cen, 10);
		pump(&per, 10);
	}
	close(cen.fd);
	close(per.fd);
	return w.pkts ? 0 : fail("nothing arrived");
}
