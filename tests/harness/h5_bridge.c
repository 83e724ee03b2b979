/* h5_bridge: an H5 (three-wire UART) controller on a pty, relaying HCI
 * packets to and from a btvirt controller over H4 (its unix socket), with
 * faults injected on the pty side. Test code for tests/harness/test_h5_live.sh.
 *
 *   h5_bridge SOCKET SEED PTYFILE [LOSS% CORRUPT% REORDER%]
 *
 * Opens a pty, writes the slave's path to PTYFILE, then serves until killed.
 * The controller side runs blehost's own H5 link (transports/h5_link.c):
 * both sides of H5 follow the same rules. Faults apply per SLIP frame, in
 * both directions, chosen by a PRNG seeded with SEED: a frame is dropped,
 * has one bit flipped, or is held back and sent after the next frame
 * (reordering). Each injected fault is logged on stderr ("fault drop
 * h2c", ...), so the test can check faults really happened. A host that
 * closes the pty and a new one that opens it just restart the link (the
 * new host's SYNC): several blehost runs can use one bridge.
 */
#include "h5.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct dir {
	const char *name;
	uint8_t held[BH_H5_MAX_WIRE];
	size_t held_len;
	bool holding;
};

static struct {
	int master, sock;
	uint32_t rng;
	unsigned loss, corrupt, reorder;
	struct bh_h5_link link;
	struct bh_h4 h4;
	struct dir h2c, c2h;
	uint8_t split[BH_H5_MAX_WIRE]; /* host bytes of the frame being cut out */
	size_t split_len;
	/* H4 packets from btvirt waiting for room in the H5 window */
	uint8_t fifo[65536];
	size_t fifo_len;
	unsigned long faults;
} B;

static bh_time_ms now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (bh_time_ms)ts.tv_sec * 1000 + (bh_time_ms)ts.tv_nsec / 1000000;
}

static uint32_t rnd(void)
{
	B.rng ^= B.rng << 13;
	B.rng ^= B.rng >> 17;
	B.rng ^= B.rng << 5;
	return B.rng;
}

/* Blocks for room on the socket; on the pty, a frame nobody reads (no host
 * yet) is dropped after a short wait rather than stall the bridge. */
static void write_all(int fd, const uint8_t *b, size_t len)
{
	int waits = 0;
	while (len) {
		ssize_t n = write(fd, b, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			if (fd == B.master && ++waits > 5)
				return;
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			poll(&p, 1, 20);
			continue;
		}
		if (n <= 0)
			return; /* the host went away: the link recovers when one comes back */
		b += n;
		len -= (size_t)n;
	}
}

/* Passes one whole frame on, or not: the fault injector. */
typedef void (*sink_fn)(const uint8_t *f, size_t len);
static void inject(struct dir *d, const uint8_t *f, size_t len, sink_fn sink)
{
	uint8_t buf[BH_H5_MAX_WIRE];
	if (len > sizeof(buf))
		return;
	memcpy(buf, f, len);
	if (rnd() % 100 < B.loss) {
		fprintf(stderr, "fault drop %s len %zu\n", d->name, len);
		B.faults++;
		return;
	}
	if (len > 2 && rnd() % 100 < B.corrupt) {
		size_t at = 1 + rnd() % (len - 2);
		buf[at] ^= (uint8_t)(1u << (rnd() % 8));
		fprintf(stderr, "fault corrupt %s byte %zu\n", d->name, at);
		B.faults++;
	}
	if (!d->holding && rnd() % 100 < B.reorder) {
		memcpy(d->held, buf, len);
		d->held_len = len;
		d->holding = true;
		fprintf(stderr, "fault reorder %s\n", d->name);
		B.faults++;
		return;
	}
	sink(buf, len);
	if (d->holding) {
		d->holding = false;
		sink(d->held, d->held_len);
	}
}

static void flush_held(struct dir *d, sink_fn sink)
{
	if (d->holding) {
		d->holding = false;
		sink(d->held, d->held_len);
	}
}

static void to_host(const uint8_t *f, size_t len)
{
	write_all(B.master, f, len);
}

static void to_link(const uint8_t *f, size_t len)
{
	bh_h5_link_rx(&B.link, f, len, now_ms());
}

/* ---- link port: controller side ---- */

static void link_write(void *ctx, const uint8_t *bytes, size_t len)
{
	(void)ctx;
	inject(&B.c2h, bytes, len, to_host);
}

static void link_deliver(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	uint8_t t = type;
	write_all(B.sock, &t, 1);
	write_all(B.sock, pkt, len);
}

static void link_event(void *ctx, enum bh_h5_event ev)
{
	(void)ctx;
	fprintf(stderr, "h5 link: %s", bh_h5_event_str(ev));
	if (ev == BH_H5_EV_ACTIVE)
		fprintf(stderr, " (window %u, CRC %s)", B.link.tx_win, B.link.tx_crc ? "on" : "off");
	fprintf(stderr, "\n");
	if (ev == BH_H5_EV_PEER_RESET)
		B.fifo_len = 0; /* a new host: what btvirt said to the old one is stale */
	if (ev == BH_H5_EV_SYNC_TIMEOUT || ev == BH_H5_EV_RETX_TIMEOUT) {
		/* no host (yet, or any more): wait for the next one */
		struct bh_h5_cfg cfg = { .crc = true, .establish_ms = 3600000, .max_retx = 1000000 };
		struct bh_h5_link_port p = B.link.port;
		bh_h5_link_init(&B.link, &cfg, &p, now_ms());
	}
}

/* ---- btvirt side ---- */

static void from_ctrl(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	if (B.fifo_len + 3 + len > sizeof(B.fifo))
		return; /* cannot happen while we stop reading at half full */
	B.fifo[B.fifo_len] = type;
	B.fifo[B.fifo_len + 1] = (uint8_t)len;
	B.fifo[B.fifo_len + 2] = (uint8_t)(len >> 8);
	memcpy(B.fifo + B.fifo_len + 3, pkt, len);
	B.fifo_len += 3 + len;
}

static void pump_fifo(void)
{
	while (B.fifo_len && B.link.state == BH_H5_ACTIVE) {
		size_t len = (size_t)B.fifo[1] | (size_t)B.fifo[2] << 8;
		if (bh_h5_link_send(&B.link, B.fifo[0], B.fifo + 3, len, now_ms()) == BH_EBUSY)
			return;
		memmove(B.fifo, B.fifo + 3 + len, B.fifo_len - 3 - len);
		B.fifo_len -= 3 + len;
	}
}

/* Cuts the host's byte stream into SLIP frames for the injector. */
static void from_host(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] == BH_H5_SLIP_END) {
			if (B.split_len > 1) {
				B.split[B.split_len++] = BH_H5_SLIP_END;
				inject(&B.h2c, B.split, B.split_len, to_link);
				B.split_len = 0;
			}
			B.split[0] = BH_H5_SLIP_END;
			B.split_len = 1;
			continue;
		}
		if (B.split_len && B.split_len < sizeof(B.split) - 1)
			B.split[B.split_len++] = b[i];
	}
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 7) {
		fprintf(stderr, "usage: %s SOCKET SEED PTYFILE [LOSS%% CORRUPT%% REORDER%%]\n",
			argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	B.rng = (uint32_t)strtoul(argv[2], NULL, 0) | 1;
	B.loss = argc == 7 ? (unsigned)atoi(argv[4]) : 5;
	B.corrupt = argc == 7 ? (unsigned)atoi(argv[5]) : 3;
	B.reorder = argc == 7 ? (unsigned)atoi(argv[6]) : 5;
	B.h2c.name = "h2c";
	B.c2h.name = "c2h";

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	B.sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (B.sock < 0 || connect(B.sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("h5_bridge: connect");
		return 1;
	}
	B.master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (B.master < 0 || grantpt(B.master) || unlockpt(B.master)) {
		perror("h5_bridge: pty");
		return 1;
	}
	/* Keep the slave open ourselves so the master never sees a hangup
	 * between two hosts. */
	int keep = open(ptsname(B.master), O_RDWR | O_NOCTTY);
	struct termios tio;
	if (keep < 0 || tcgetattr(keep, &tio)) {
		perror("h5_bridge: pty slave");
		return 1;
	}
	/* raw from the start: a cooked pty would echo our SYNCs back to us */
	cfmakeraw(&tio);
	tcsetattr(keep, TCSANOW, &tio);
	FILE *f = fopen(argv[3], "w");
	if (!f || fprintf(f, "%s\n", ptsname(B.master)) < 0 || fclose(f)) {
		perror("h5_bridge: ptyfile");
		return 1;
	}
	bh_h4_init(&B.h4);
	struct bh_h5_cfg cfg = { .crc = true, .establish_ms = 3600000, .max_retx = 1000000 };
	struct bh_h5_link_port port = { link_write, link_deliver, link_event, NULL };
	bh_h5_link_init(&B.link, &cfg, &port, now_ms());

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = B.master, .events = POLLIN },
			{ .fd = B.sock, .events = B.fifo_len < sizeof(B.fifo) / 2 ? POLLIN : 0 },
		};
		bh_time_ms d = bh_h5_link_next_deadline(&B.link), t = now_ms();
		int wait = d == BH_NEVER ? 50 : d <= t ? 0 : (int)(d - t < 50 ? d - t : 50);
		int r = poll(p, 2, wait);
		if (r < 0 && errno != EINTR)
			return 1;
		if (r == 0) {
			/* quiet: a held frame goes now rather than wait for the next */
			flush_held(&B.h2c, to_link);
			flush_held(&B.c2h, to_host);
		}
		if (p[0].revents & POLLIN) {
			uint8_t buf[4096];
			ssize_t n = read(B.master, buf, sizeof(buf));
			if (n > 0)
				from_host(buf, (size_t)n);
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			uint8_t buf[4096];
			ssize_t n = read(B.sock, buf, sizeof(buf));
			if (n <= 0)
				return 0; /* btvirt is gone: so are we */
			bh_h4_feed(&B.h4, buf, (size_t)n, from_ctrl, NULL);
		}
		pump_fifo();
		bh_h5_link_timeout(&B.link, now_ms());
		pump_fifo();
	}
}
