/* Unit tests for the fd transports: serial on a real pty, unix and tcp on
 * real loopback listeners, the HCI user channel failing cleanly, spec
 * parsing errors, EOF -> lost, and whole-packet sends under back-pressure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <blehost/transport.h>

struct sink {
	int n;
	uint8_t type[16];
	size_t len[16];
	uint8_t data[16][300];
	int lost;
	bh_status why;
};

static void on_rx(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct sink *s = ctx;
	assert_true(s->n < 16);
	s->type[s->n] = type;
	s->len[s->n] = len;
	memcpy(s->data[s->n], pkt, len < 300 ? len : 300);
	s->n++;
}

static void on_lost(void *ctx, bh_status why)
{
	struct sink *s = ctx;
	s->lost++;
	s->why = why;
}

static void attach(struct bh_transport *t, struct sink *s)
{
	memset(s, 0, sizeof(*s));
	struct bh_transport_port p = { .rx = on_rx, .lost = on_lost, .ctx = s };
	bh_transport_set_port(t, &p);
}

/* Polls the transport until want packets arrived or it died (bounded). */
static void pump_n(struct bh_transport *t, struct sink *s, int want, int iters)
{
	for (int i = 0; i < iters && s->n < want && !s->lost; i++) {
		struct pollfd fds[8];
		int n = bh_transport_pollfds(t, fds, 8);
		if (n == 0)
			return;
		poll(fds, (nfds_t)n, 10);
		bh_transport_process(t, fds, n);
	}
}

static void pump(struct bh_transport *t, struct sink *s, int want)
{
	pump_n(t, s, want, 200);
}

static void read_exact(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_true(poll(&p, 1, 2000) == 1);
		ssize_t r = read(fd, buf + got, len - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
}

static const uint8_t reset_cmd[] = { 0x03, 0x0c, 0x00 };
/* Command Complete for Reset, then an ACL packet, in one write split oddly */
static const uint8_t ctrl_bytes[] = { 0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00,
				      0x02, 0x40, 0x20, 0x03, 0x00, 0x01, 0x02, 0x03 };

/* The controller side (peer fd) and the transport exchange both ways. */
static void exchange(struct bh_transport *t, int peer)
{
	struct sink s;
	attach(t, &s);
	assert_int_equal(bh_transport_send(t, 0x01, reset_cmd, sizeof(reset_cmd)), BH_OK);
	uint8_t got[4];
	read_exact(peer, got, 4);
	assert_int_equal(got[0], 0x01);
	assert_memory_equal(got + 1, reset_cmd, 3);
	assert_int_equal(write(peer, ctrl_bytes, 5), 5);
	pump_n(t, &s, 1, 5);
	assert_int_equal(s.n, 0); /* half an event is not delivered */
	assert_int_equal(write(peer, ctrl_bytes + 5, sizeof(ctrl_bytes) - 5),
			 (ssize_t)sizeof(ctrl_bytes) - 5);
	pump(t, &s, 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.type[0], 0x04);
	assert_int_equal(s.len[0], 6);
	assert_int_equal(s.type[1], 0x02);
	assert_int_equal(s.len[1], 7);
	assert_int_equal(s.data[1][6], 0x03);
	/* invalid arguments are refused without writing */
	assert_int_equal(bh_transport_send(t, 0x07, reset_cmd, 3), BH_EINVAL);
	assert_int_equal(bh_transport_send(t, 0x01, reset_cmd, 2), BH_EINVAL);
	assert_int_equal(s.lost, 0);
}

static int unix_listener(char *path, size_t len);

/* Every packet both ways lands in the trace, with env's clock. */
static bh_time_ms fake_ms = 1234;
static bh_time_ms fake_clock(void *ctx)
{
	(void)ctx;
	return fake_ms;
}

static void test_trace_hook(void **state)
{
	(void)state;
	int sv[2];
	char path[108], spec[128], err[256], tpath[64];
	int l = unix_listener(path, sizeof(path));
	snprintf(spec, sizeof(spec), "unix:%s", path);
	struct bh_transport *t;
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	sv[1] = accept(l, NULL, NULL);
	snprintf(tpath, sizeof(tpath), "/tmp/bh-hook-%d.btsnoop", (int)getpid());
	struct bh_trace_writer *w;
	assert_int_equal(bh_trace_open_write(tpath, &w, err, sizeof(err)), BH_OK);
	struct sink s;
	memset(&s, 0, sizeof(s));
	struct bh_env env = { .now = fake_clock };
	struct bh_transport_port p = { .rx = on_rx, .lost = on_lost, .ctx = &s, .env = &env };
	bh_transport_set_port(t, &p);
	bh_transport_set_trace(t, w);
	assert_int_equal(bh_transport_send(t, 0x01, reset_cmd, 3), BH_OK);
	assert_int_equal(bh_transport_send(t, 0x09, reset_cmd, 3), BH_EINVAL); /* not traced */
	fake_ms = 1240;
	assert_int_equal(write(sv[1], ctrl_bytes, 7), 7);
	pump(t, &s, 1);
	assert_int_equal(s.n, 1);
	bh_transport_close(t);
	assert_int_equal(bh_trace_close_write(w), BH_OK);
	struct bh_trace_reader *r;
	assert_int_equal(bh_trace_open_read(tpath, &r, err, sizeof(err)), BH_OK);
	struct bh_trace_rec rec;
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.dir, BH_TRACE_SENT);
	assert_int_equal(rec.type, 0x01);
	assert_int_equal(rec.timestamp_us, 1234000);
	assert_int_equal(bh_trace_next(r, &rec), 1);
	assert_int_equal(rec.dir, BH_TRACE_RECEIVED);
	assert_int_equal(rec.type, 0x04);
	assert_int_equal(rec.len, 6);
	assert_int_equal(rec.timestamp_us, 1240000);
	assert_int_equal(bh_trace_next(r, &rec), 0);
	bh_trace_close_read(r);
	unlink(tpath);
	close(sv[1]);
	close(l);
	unlink(path);
}

static void test_serial_pty(void **state)
{
	(void)state;
	int master, slave;
	char name[256];
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	char spec[300];
	snprintf(spec, sizeof(spec), "serial:%s,1000000,rtscts", name);
	struct bh_transport *t;
	char err[256];
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	assert_non_null(strstr(bh_transport_name(t), "1000000,flow=on"));
	/* the transport put the line into raw mode at the requested speed */
	struct termios tio;
	assert_int_equal(tcgetattr(slave, &tio), 0);
	assert_int_equal(cfgetospeed(&tio), B1000000);
	assert_true(tio.c_cflag & CRTSCTS);
	assert_false(tio.c_lflag & ICANON);
	assert_null(strstr(bh_transport_name(t), "speed"));
	exchange(t, master);
	bh_transport_close(t);
	/* an operating speed is named after the initial one, flow=off as given */
	snprintf(spec, sizeof(spec), "serial:%s,flow=off,speed=921600,115200", name);
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	assert_non_null(strstr(bh_transport_name(t), ",115200,speed=921600,flow=off"));
	bh_transport_close(t);
	close(slave);
	close(master);
}

/* parity=even: 8E1, as Realtek's H5 UART parts want. A Linux pty refuses
 * PARENB, so here only the refusal can be seen (a real UART keeps it, and
 * bh_uart_apply keeps the bit across speed changes); parity=none is 8N1. */
static void test_serial_parity(void **state)
{
	(void)state;
	int master, slave;
	char name[256];
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	char spec[300];
	struct bh_transport *t = (void *)1;
	char err[256] = "";
	snprintf(spec, sizeof(spec), "serial:%s,115200,parity=even", name);
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_ENOTSUP);
	assert_null(t);
	assert_non_null(strstr(err, "even parity"));
	struct termios tio;
	assert_int_equal(tcgetattr(slave, &tio), 0);
	assert_false(tio.c_cflag & PARENB);

	snprintf(spec, sizeof(spec), "h5:%s,115200,parity=none", name);
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	assert_null(strstr(bh_transport_name(t), "parity"));
	struct bh_uart_settings u;
	assert_true(bh_transport_uart(t, &u));
	assert_false(u.parity_even);
	bh_transport_close(t);

	snprintf(spec, sizeof(spec), "serial:%s,115200,parity=odd", name);
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_EINVAL);
	assert_non_null(strstr(err, "parity=even|none"));
	close(slave);
	close(master);
}

static void test_serial_errors(void **state)
{
	(void)state;
	struct bh_transport *t = (void *)1;
	char err[256];
	assert_int_equal(bh_transport_open("serial:/dev/nonexistent-tty", &t, err, sizeof(err)),
			 BH_EIO);
	assert_null(t);
	assert_non_null(strstr(err, "serial:/dev/nonexistent-tty"));
	assert_int_equal(bh_transport_open("serial:/dev/null,99999999", &t, err, sizeof(err)),
			 BH_EINVAL);
	assert_non_null(strstr(err, "baud"));
	assert_int_equal(bh_transport_open("serial:", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open("serial:/dev/null", &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "not a tty"));
}

static int unix_listener(char *path, size_t len)
{
	snprintf(path, len, "/tmp/bh-test-unix-%d.sock", (int)getpid());
	unlink(path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	return l;
}

static void test_unix(void **state)
{
	(void)state;
	char path[108], spec[128], err[256];
	int l = unix_listener(path, sizeof(path));
	snprintf(spec, sizeof(spec), "unix:%s", path);
	struct bh_transport *t;
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	int peer = accept(l, NULL, NULL);
	assert_true(peer >= 0);
	exchange(t, peer);
	/* the peer goes away: EOF -> lost exactly once, then sends fail */
	struct sink s;
	attach(t, &s);
	close(peer);
	pump(t, &s, 1);
	assert_int_equal(s.lost, 1);
	assert_int_equal(s.why, BH_ETRANSPORT);
	assert_int_equal(bh_transport_send(t, 0x01, reset_cmd, 3), BH_ETRANSPORT);
	struct pollfd fds[2];
	assert_int_equal(bh_transport_pollfds(t, fds, 2), 0);
	assert_int_equal(s.lost, 1);
	bh_transport_close(t);
	/* a send into a closed peer is a clean loss, not SIGPIPE */
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	attach(t, &s);
	peer = accept(l, NULL, NULL);
	close(peer);
	int rc = BH_OK;
	for (int i = 0; i < 4 && rc == BH_OK; i++)
		rc = bh_transport_send(t, 0x01, reset_cmd, 3);
	assert_int_equal(rc, BH_ETRANSPORT);
	assert_int_equal(s.lost, 1);
	bh_transport_close(t);
	close(l);
	unlink(path);
	/* nobody listening */
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "cannot connect"));
}

static int tcp_listener(int *port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	socklen_t sl = sizeof(sa);
	getsockname(l, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return l;
}

static void test_tcp(void **state)
{
	(void)state;
	int port;
	int l = tcp_listener(&port);
	char spec[64], err[256];
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
	struct bh_transport *t;
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	int peer = accept(l, NULL, NULL);
	assert_true(peer >= 0);
	exchange(t, peer);
	/* a corrupt byte on the wire is skipped, the next packet still arrives */
	struct sink s;
	attach(t, &s);
	const uint8_t junk_then_evt[] = { 0xee, 0x04, 0x13, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00 };
	assert_int_equal(write(peer, junk_then_evt, sizeof(junk_then_evt)), (ssize_t)sizeof(junk_then_evt));
	pump(t, &s, 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.data[0][0], 0x13);
	bh_transport_close(t);
	close(peer);
	close(l);
	assert_int_equal(bh_transport_open("tcp:127.0.0.1", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open("tcp::", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open("tcp:[::1", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open("tcp:[::1]80", &t, err, sizeof(err)), BH_EINVAL);
	/* an unknown service name fails in getaddrinfo without any DNS query */
	assert_int_equal(bh_transport_open("tcp:127.0.0.1:no-such-service-xyz", &t, err, sizeof(err)),
			 BH_EIO);
	assert_non_null(strstr(err, "cannot resolve"));
	/* nobody listening on a port we just closed */
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "cannot connect"));
}

static void test_userchan_fails_clearly(void **state)
{
	(void)state;
	struct bh_transport *t = NULL;
	char err[256];
	int rc = bh_transport_open("hci0", &t, err, sizeof(err));
	assert_null(t);
	assert_true(rc == BH_ENOTSUP || rc == BH_EIO);
	assert_non_null(strstr(err, "hci0"));
	if (rc == BH_ENOTSUP) /* this kernel: no AF_BLUETOOTH */
		assert_non_null(strstr(err, "AF_BLUETOOTH"));
	assert_int_equal(bh_transport_open("hcix", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open("hci", &t, err, sizeof(err)), BH_EINVAL);
}

static void test_spec_errors(void **state)
{
	(void)state;
	struct bh_transport *t = NULL;
	char err[400];
	assert_int_equal(bh_transport_open("bogus:x", &t, err, sizeof(err)), BH_EINVAL);
	assert_non_null(strstr(err, "unknown transport 'bogus:x'"));
	unsetenv("BLEHOST_TRANSPORT");
	assert_int_equal(bh_transport_open(NULL, &t, err, sizeof(err)), BH_EINVAL);
	assert_non_null(strstr(err, "BLEHOST_TRANSPORT"));
	setenv("BLEHOST_TRANSPORT", "unix:/nonexistent/dir/sock", 1);
	assert_int_equal(bh_transport_open(NULL, &t, err, sizeof(err)), BH_EIO);
	assert_non_null(strstr(err, "unix:/nonexistent/dir/sock"));
	unsetenv("BLEHOST_TRANSPORT");
	assert_int_equal(bh_transport_open("unix:", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open("replay:", &t, err, sizeof(err)), BH_EINVAL);
	assert_int_equal(bh_transport_open("replay:/nonexistent.pcap", &t, err, sizeof(err)), BH_EIO);
#ifdef BH_HAVE_LIBUSB
	assert_int_equal(bh_transport_open("usb:zz", &t, err, sizeof(err)), BH_EINVAL);
#else
	/* built without libusb: usb specs fail and say why */
	assert_int_equal(bh_transport_open("usb", &t, err, sizeof(err)), BH_ENOTSUP);
	assert_non_null(strstr(err, "without libusb"));
#endif
	assert_int_equal(bh_transport_open(NULL, NULL, err, sizeof(err)), BH_EINVAL);
	/* err may be absent */
	assert_int_equal(bh_transport_open("bogus", &t, NULL, 0), BH_EINVAL);
	assert_null(t);
	assert_string_equal(bh_transport_name(NULL), "(none)");
	bh_transport_close(NULL);
}

/* Back-pressure: a tiny socket buffer and a slow reader force EAGAIN and
 * short writes; every packet must still arrive whole and in order. */
struct reader_arg {
	int fd;
	size_t want;
	uint8_t *buf;
};

static void *slow_reader(void *p)
{
	struct reader_arg *a = p;
	size_t got = 0;
	usleep(20000);
	while (got < a->want) {
		ssize_t r = read(a->fd, a->buf + got, a->want - got < 700 ? a->want - got : 700);
		if (r <= 0)
			break;
		got += (size_t)r;
		usleep(200);
	}
	a->want = got;
	return NULL;
}

static void test_backpressure_whole_packets(void **state)
{
	(void)state;
	char path[108], spec[128], err[256];
	int l = unix_listener(path, sizeof(path));
	snprintf(spec, sizeof(spec), "unix:%s", path);
	struct bh_transport *t;
	assert_int_equal(bh_transport_open(spec, &t, err, sizeof(err)), BH_OK);
	int peer = accept(l, NULL, NULL);
	/* shrink the transport's send buffer so the kernel pushes back */
	struct pollfd pf[1];
	assert_int_equal(bh_transport_pollfds(t, pf, 1), 1);
	int small = 4096;
	setsockopt(pf[0].fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	enum { NPKT = 40, PL = 1000 };
	static uint8_t pkt[4 + PL];
	static uint8_t rx[NPKT * (5 + PL)];
	struct reader_arg a = { peer, sizeof(rx), rx };
	pthread_t th;
	pthread_create(&th, NULL, slow_reader, &a);
	for (int i = 0; i < NPKT; i++) {
		pkt[0] = 0x40;
		pkt[1] = 0x00;
		pkt[2] = PL & 0xff;
		pkt[3] = PL >> 8;
		memset(pkt + 4, i, PL);
		assert_int_equal(bh_transport_send(t, 0x02, pkt, sizeof(pkt)), BH_OK);
	}
	pthread_join(th, NULL);
	assert_int_equal(a.want, sizeof(rx));
	for (int i = 0; i < NPKT; i++) {
		const uint8_t *p = rx + (size_t)i * (5 + PL);
		assert_int_equal(p[0], 0x02);
		assert_int_equal(p[3], PL & 0xff);
		assert_int_equal(p[5], i);
		assert_int_equal(p[4 + PL], i);
	}
	bh_transport_close(t);
	close(peer);
	close(l);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial_pty),
		cmocka_unit_test(test_serial_parity),
		cmocka_unit_test(test_serial_errors),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_userchan_fails_clearly),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_backpressure_whole_packets),
		cmocka_unit_test(test_trace_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
