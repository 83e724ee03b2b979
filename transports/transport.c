/* The transport object, spec parsing, and the fd-based transports: H4 over
 * serial here; AF_UNIX, TCP and the Linux HCI user channel in sockets.c.
 *
 * H4 transports share one framer (h4.c). Sends write the type byte and the
 * packet with one writev so a reader that expects whole packets per read
 * (btvirt) sees them. Stream sockets stay in blocking mode with a send
 * timeout (reads use MSG_DONTWAIT), so the kernel takes each packet in one
 * call instead of a partial write; if the timeout or a tty's EAGAIN still
 * cuts a packet, the rest follows after a bounded poll() and nothing else is
 * written in between, so packets never interleave.
 */
#include "transport_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

/* Total waits for one packet before the link is declared dead. */
#define SEND_MAX_WAITS 3

int bh_transport_errf(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

struct bh_transport *bh_transport_new(const struct bh_transport_ops *ops, void *impl,
				      const char *name)
{
	struct bh_transport *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ops = ops;
	t->impl = impl;
	t->uart_fd = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	return t;
}

void bh_transport_set_port(struct bh_transport *t, const struct bh_transport_port *port)
{
	if (t && port)
		t->port = *port;
}

void bh_transport_set_trace(struct bh_transport *t, struct bh_trace_writer *w)
{
	if (t)
		t->trace = w;
}

/* -Dtrace=false: bh_trace_open_write gives no writer, so none is ever set. */
#ifdef BH_TRANSPORT_NO_TRACE
#define TRACING(t) ((void)(t), false)
#else
#define TRACING(t) ((t)->trace != NULL)
#endif

static void trace(struct bh_transport *t, enum bh_trace_dir dir, uint8_t type, const uint8_t *pkt,
		  size_t len)
{
	if (!TRACING(t))
		return;
	bh_time_ms ms = bh_transport_is_virtual(t) ? bh_transport_virtual_now(t)
			: t->port.env         ? bh_now(t->port.env)
					      : 0;
	if (bh_trace_write(t->trace, dir, type, pkt, len, ms * 1000) && t->port.env)
		BH_LOGF(t->port.env, BH_LOG_WARN, "transport", "%s: trace write failed", t->name);
}

void bh_transport_deliver(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len)
{
	if (t->dead)
		return;
	trace(t, BH_TRACE_RECEIVED, type, pkt, len);
	if (t->port.rx)
		t->port.rx(t->port.ctx, type, pkt, len);
}

void bh_transport_die(struct bh_transport *t, bh_status why)
{
	if (t->dead)
		return;
	t->dead = true;
	if (t->port.env)
		BH_LOGF(t->port.env, BH_LOG_ERROR, "transport", "%s lost: %s", t->name,
			bh_strerror(why));
	if (t->port.lost)
		t->port.lost(t->port.ctx, why);
}

/* Every spec form, for both messages that name them. */
#define KINDS                                                                                   \
	"usb, usb:VID:PID, usb:BUS-PORT.PORT, "                                                 \
	"serial:/dev/ttyACM0[,BAUD][,speed=N][,flow=on|off][,parity=even], h4:..., "           \
	"h5:/dev/ttyS0,115200, unix:/path, tcp:HOST:PORT, hciN or replay:FILE"

/* The opener of kind k (an index in bh_transport_open's kinds[]). Out of
 * line with the openers' four arguments first: each case is one jump. */
__attribute__((noinline)) static int open_kind(const char *arg, struct bh_transport **out,
					       char *err, size_t errlen, size_t k,
					       const char *spec)
{
	switch (k) {
	case 0:
	case 1:
		return bh_transport_open_serial(arg, out, err, errlen);
	case 2:
		return bh_transport_open_h5(arg, out, err, errlen);
	case 3:
		return bh_transport_open_unix(arg, out, err, errlen);
	case 4:
		return bh_transport_open_tcp(arg, out, err, errlen);
	case 5:
		return bh_transport_open_usb(arg, out, err, errlen);
	case 6:
		return bh_transport_open_replay(arg, out, err, errlen);
	default:
		return bh_transport_open_userchan(spec, out, err, errlen);
	}
}

int bh_transport_open(const char *spec, struct bh_transport **out, char *err, size_t errlen)
{
	if (!out)
		return bh_transport_errf(BH_EINVAL, err, errlen, "transport: no output pointer");
	*out = NULL;
	if (!spec)
		spec = getenv("BLEHOST_TRANSPORT");
	if (!spec || !*spec)
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "no transport given: use -t SPEC or set BLEHOST_TRANSPORT "
					 "(%s)", KINDS);
	/* The kinds by prefix, in the order they are tried; "hci" (hciN) is
	 * passed on whole. */
	static const char kinds[][8] = { "serial:", "h4:", "h5:", "unix:", "tcp:",
					 "usb:", "replay:", "hci" };
	if (!strcmp(spec, "usb"))
		return open_kind("", out, err, errlen, 5, spec);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i]);
		if (!strncmp(spec, kinds[i], n))
			return open_kind(spec + n, out, err, errlen, i, spec);
	}
	return bh_transport_errf(BH_EINVAL, err, errlen, "unknown transport '%s': use %s", spec,
				 KINDS);
}

int bh_transport_send(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len)
{
	if (!t || !bh_h4_packet_valid(type, pkt, len))
		return BH_EINVAL;
	if (t->dead)
		return BH_ETRANSPORT;
	int rc = t->ops->send(t, type, pkt, len);
	if (rc == BH_OK)
		trace(t, BH_TRACE_SENT, type, pkt, len);
	return rc;
}

int bh_transport_pollfds(struct bh_transport *t, struct pollfd *fds, int max)
{
	if (!t || t->dead || max <= 0 || !fds)
		return 0;
	return t->ops->pollfds(t, fds, max);
}

void bh_transport_process(struct bh_transport *t, const struct pollfd *fds, int n)
{
	if (t && !t->dead)
		t->ops->process(t, fds, n);
}

bh_time_ms bh_transport_next_deadline(struct bh_transport *t)
{
	if (!t || t->dead || !t->ops->next_deadline)
		return BH_NEVER;
	return t->ops->next_deadline(t);
}

void bh_transport_close(struct bh_transport *t)
{
	if (!t)
		return;
	t->ops->close(t);
	free(t);
}

const char *bh_transport_name(const struct bh_transport *t)
{
	return t ? t->name : "(none)";
}

bool bh_transport_usb_id(const struct bh_transport *t, uint16_t *vid, uint16_t *pid)
{
	if (!t || !t->has_usb_id)
		return false;
	*vid = t->usb_vid;
	*pid = t->usb_pid;
	return true;
}

bool bh_transport_is_virtual(const struct bh_transport *t)
{
	return t && t->ops->is_virtual;
}

/* ---- fd transports ---------------------------------------------------- */

struct fdt {
	int fd;
	bool framed;  /* true: H4 byte stream; false: one packet per read (user channel) */
	bool stream_sock; /* blocking stream socket: read with MSG_DONTWAIT */
	struct bh_h4 h4;
};

/* -Dsockets=false: only serial makes an fdt, always framed, never a socket. */
#ifdef BH_TRANSPORT_NO_SOCKETS
#define FRAMED(f) ((void)(f), true)
#define STREAM_SOCK(f) ((void)(f), false)
#else
#define FRAMED(f) ((f)->framed)
#define STREAM_SOCK(f) ((f)->stream_sock)
#endif

static void fdt_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	bh_transport_deliver(ctx, type, pkt, len);
}

/* Writes all of iov, blocking in poll() for at most BH_SEND_BLOCK_MS per wait
 * and SEND_MAX_WAITS waits in all. */
int bh_transport_write_all(int fd, bool sock, struct iovec *iov, int iovcnt)
{
	int waits = 0;
	while (iovcnt) {
		ssize_t n;
		if (sock) {
			/* MSG_NOSIGNAL: a closed peer is EPIPE (-> lost), not SIGPIPE */
			struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
			n = sendmsg(fd, &m, MSG_NOSIGNAL);
		} else {
			n = writev(fd, iov, iovcnt);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return errno == EPIPE || errno == ECONNRESET || errno == EIO ||
						       errno == ENXIO || errno == ENODEV
					       ? BH_ETRANSPORT
					       : BH_EIO;
			if (++waits > SEND_MAX_WAITS)
				return BH_ETRANSPORT;
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int pr;
			do
				pr = poll(&p, 1, BH_SEND_BLOCK_MS);
			while (pr < 0 && errno == EINTR);
			if (pr <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
				return BH_ETRANSPORT;
			continue;
		}
		size_t done = (size_t)n;
		while (iovcnt && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return BH_OK;
}

static int fdt_send(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct fdt *f = t->impl;
	struct iovec iov[2] = { { &type, 1 }, { (void *)pkt, len } };
	int rc = bh_transport_write_all(f->fd, STREAM_SOCK(f) || !FRAMED(f), iov, 2);
	if (rc == BH_ETRANSPORT)
		bh_transport_die(t, BH_ETRANSPORT);
	return rc;
}

static int fdt_pollfds(struct bh_transport *t, struct pollfd *fds, int max)
{
	struct fdt *f = t->impl;
	(void)max;
	fds[0].fd = f->fd;
	fds[0].events = POLLIN;
	fds[0].revents = 0;
	return 1;
}

static void fdt_process(struct bh_transport *t, const struct pollfd *fds, int n)
{
	struct fdt *f = t->impl;
	if (n < 1 || fds[0].fd != f->fd || !fds[0].revents)
		return;
	/* Bounded: a flood of bytes cannot starve the rest of the loop. */
	for (int round = 0; round < 16 && !t->dead; round++) {
		uint8_t buf[4096];
		ssize_t r = STREAM_SOCK(f) ? recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT)
					   : read(f->fd, buf, sizeof(buf));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			bh_transport_die(t, BH_EIO);
			return;
		}
		if (r == 0) {
			bh_transport_die(t, BH_ETRANSPORT);
			return;
		}
		if (FRAMED(f)) {
			bh_h4_feed(&f->h4, buf, (size_t)r, fdt_rx, t);
		} else if (r > 1 && bh_h4_packet_valid(buf[0], buf + 1, (size_t)r - 1)) {
			/* the user channel hands one whole packet per read */
			bh_transport_deliver(t, buf[0], buf + 1, (size_t)r - 1);
		}
		if (!FRAMED(f))
			continue;
		if ((size_t)r < sizeof(buf))
			return;
	}
}

static void fdt_close(struct bh_transport *t)
{
	struct fdt *f = t->impl;
	if (f) {
		if (f->fd >= 0)
			close(f->fd);
		free(f);
	}
	t->impl = NULL;
}

static const struct bh_transport_ops fdt_ops = {
	.send = fdt_send,
	.pollfds = fdt_pollfds,
	.process = fdt_process,
	.next_deadline = NULL,
	.close = fdt_close,
};

int bh_fdt_wrap(int fd, bool framed, bool stream_sock, const char *name, struct bh_transport **out,
		char *err, size_t errlen)
{
	struct fdt *f = calloc(1, sizeof(*f));
	struct bh_transport *t = f ? bh_transport_new(&fdt_ops, f, name) : NULL;
	if (!t) {
		free(f);
		close(fd);
		return bh_transport_errf(BH_ENOMEM, err, errlen, "%s: out of memory", name);
	}
	f->fd = fd;
	f->framed = framed;
	f->stream_sock = stream_sock;
	bh_h4_init(&f->h4);
	*out = t;
	return BH_OK;
}

/* ---- serial ----------------------------------------------------------- */

bool bh_transport_uart(const struct bh_transport *t, struct bh_uart_settings *out)
{
	if (!t || t->uart_fd < 0)
		return false;
	*out = t->uart;
	unsigned long b;
	bool f;
	if (bh_uart_read(t->uart_fd, &b, &f) == BH_OK) {
		out->baud = b;
		out->flow = f;
	}
	return true;
}

int bh_transport_set_uart(struct bh_transport *t, unsigned long baud, bool flow, char *err,
			  size_t errlen)
{
	if (!t || t->uart_fd < 0)
		return bh_transport_errf(BH_ENOTSUP, err, errlen, "%s is not a UART transport",
					 bh_transport_name(t));
	int rc = bh_uart_apply(t->uart_fd, baud, flow, err, errlen);
	if (rc) {
		/* put the old settings back in case the driver half-applied them */
		bh_uart_apply(t->uart_fd, t->uart.baud, t->uart.flow, NULL, 0);
		return rc;
	}
	tcflush(t->uart_fd, TCIFLUSH);
	t->uart.baud = baud;
	t->uart.flow = flow;
	if (t->port.env)
		BH_LOGF(t->port.env, BH_LOG_INFO, "transport", "%s: now %lu baud, flow control %s",
			t->name, baud, flow ? "on" : "off");
	return BH_OK;
}

/* The option s[0..n) as a rate, 1 to 15 decimal digits; read in place:
 * strtoul stops at the "," or NUL that ends the option. */
static bool parse_baud(const char *s, size_t n, unsigned long *out)
{
	char *end;
	if (n == 0 || n > 15 || s[0] < '0' || s[0] > '9')
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (end != s + n || v == 0 || v > BH_UART_MAX_BAUD)
		return false;
	*out = v;
	return true;
}

/* The option word opt[0..ol) (no NUL inside) is exactly w: w's NUL is
 * read only once its first ol octets matched. */
static bool opt_is(const char *opt, size_t ol, const char *w)
{
	return !strncmp(opt, w, ol) && !w[ol];
}

int bh_serial_open(const char *arg, const char *kind, int *fd_out, struct bh_uart_settings *set,
		   char *name, size_t namelen, char *err, size_t errlen)
{
	char path[256];
	struct bh_uart_settings u = { .baud = 115200 };
	const char *comma = strchr(arg, ',');
	size_t plen = comma ? (size_t)(comma - arg) : strlen(arg);
	if (!plen || plen >= sizeof(path))
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "%s: give a device, e.g. %s:/dev/ttyUSB0,115200,speed=921600,"
					 "flow=on",
					 kind, kind);
	memcpy(path, arg, plen);
	path[plen] = 0;
	while (comma) {
		const char *opt = comma + 1;
		comma = strchr(opt, ',');
		size_t ol = comma ? (size_t)(comma - opt) : strlen(opt);
		/* The words: flow control off, on (two spellings), then parity. */
		static const char words[][12] = { "flow=off", "flow=on", "rtscts", "parity=none",
						  "parity=even" };
		size_t w = 0;
		while (w < 5 && !opt_is(opt, ol, words[w]))
			w++;
		if (w < 3) {
			u.flow = w != 0;
			u.flow_given = true;
			continue;
		}
		if (w < 5) {
			u.parity_even = w == 4;
			continue;
		}
		if (ol > 6 && !strncmp(opt, "speed=", 6) && parse_baud(opt + 6, ol - 6, &u.operating))
			continue;
		if (parse_baud(opt, ol, &u.baud))
			continue;
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "%s:%s: bad option '%.*s' (use an initial baud rate such "
					 "as 115200, speed=N for the operating speed, flow=on|off, "
					 "parity=even|none; rates 1..%lu)",
					 kind, path, (int)ol, opt, BH_UART_MAX_BAUD);
	}
	u.initial = u.baud;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return bh_transport_errf(BH_EIO, err, errlen,
					 "%s:%s: cannot open: %s (check the device path and that "
					 "you may access it, e.g. the dialout group)",
					 kind, path, strerror(errno));
	struct termios tio;
	if (tcgetattr(fd, &tio) < 0) {
		int e = errno;
		close(fd);
		return bh_transport_errf(BH_EIO, err, errlen, "%s:%s: not a tty (%s)", kind, path,
					 strerror(e));
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	/* Even parity is what Realtek's H5 UART parts speak (Linux opens them
	 * 8E1). Bytes that fail the parity check are passed on unmarked (no
	 * INPCK): H5's checksum and CRC reject the frame they belong to. Speed
	 * changes (bh_uart_apply) keep these bits. */
	if (u.parity_even)
		tio.c_cflag = (tio.c_cflag | PARENB) & ~(tcflag_t)PARODD;
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	char why[200];
	int rc = BH_OK;
	if (tcsetattr(fd, TCSANOW, &tio) < 0)
		rc = bh_transport_errf(u.parity_even ? BH_ENOTSUP : BH_EIO, why, sizeof(why), "%s%s",
				       u.parity_even ? "even parity refused: " : "", strerror(errno));
	if (rc == BH_OK && u.parity_even &&
	    (tcgetattr(fd, &tio) < 0 || !(tio.c_cflag & PARENB) || (tio.c_cflag & PARODD)))
		rc = bh_transport_errf(BH_ENOTSUP, why, sizeof(why),
				       "the tty cannot use even parity");
	if (rc == BH_OK)
		rc = bh_uart_apply(fd, u.baud, u.flow, why, sizeof(why));
	if (rc) {
		close(fd);
		return bh_transport_errf(rc, err, errlen, "%s:%s: cannot set %lu baud: %s", kind,
					 path, u.baud, why);
	}
	tcflush(fd, TCIOFLUSH);
	/* ",speed=N" only when given: "%.0lu" prints nothing for 0 */
	snprintf(name, namelen, "%s:%s,%lu%s%.0lu%s%s", kind, path, u.baud,
		 u.operating ? ",speed=" : "", u.operating,
		 u.flow_given ? (u.flow ? ",flow=on" : ",flow=off") : "",
		 u.parity_even ? ",parity=even" : "");
	*fd_out = fd;
	*set = u;
	return BH_OK;
}

int bh_transport_open_serial(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	char name[300];
	int fd;
	struct bh_uart_settings u;
	int rc = bh_serial_open(arg, "serial", &fd, &u, name, sizeof(name), err, errlen);
	if (rc)
		return rc;
	rc = bh_fdt_wrap(fd, true, false, name, out, err, errlen);
	if (rc == BH_OK) {
		(*out)->uart_fd = fd;
		(*out)->uart = u;
	}
	return rc;
}
