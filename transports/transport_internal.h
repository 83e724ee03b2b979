/* Internal to transports/: the object every transport kind shares. */
#ifndef BH_TRANSPORT_INTERNAL_H
#define BH_TRANSPORT_INTERNAL_H

#include <blehost/transport.h>

#include <stdarg.h>
#include <sys/uio.h>

struct bh_transport_ops {
	int (*send)(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len);
	int (*pollfds)(struct bh_transport *t, struct pollfd *fds, int max);
	void (*process)(struct bh_transport *t, const struct pollfd *fds, int n);
	bh_time_ms (*next_deadline)(struct bh_transport *t);
	void (*close)(struct bh_transport *t); /* frees impl, not t */
	bool is_virtual;
};

struct bh_transport {
	const struct bh_transport_ops *ops;
	void *impl;
	struct bh_transport_port port;
	struct bh_trace_writer *trace; /* borrowed, may be NULL */
	bool dead;
	bool has_usb_id; /* USB: the device's IDs, for the chipset layer */
	int uart_fd;     /* serial/h5: the tty (-1 otherwise) */
	struct bh_uart_settings uart;
	uint16_t usb_vid, usb_pid;
	char name[160];
};

/* Allocates a transport with the given ops; NULL on out of memory. */
struct bh_transport *bh_transport_new(const struct bh_transport_ops *ops, void *impl,
				      const char *name);
/* Hands one packet to port.rx (dropped before the port is set). */
void bh_transport_deliver(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len);
/* Marks the transport dead and calls port.lost exactly once. */
void bh_transport_die(struct bh_transport *t, bh_status why);

/* snprintf into err when errlen > 0; returns rc for one-line error paths. */
int bh_transport_errf(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Opens and configures a tty from "PATH[,BAUD][,speed=N][,flow=on|off]"
 * ("rtscts" = flow=on; raw, non-blocking, default 115200 without flow
 * control); kind ("serial", "h5") prefixes the name and error messages.
 * BH_OK, *fd_out and *set (initial and operating speeds), or an error in err. */
int bh_serial_open(const char *arg, const char *kind, int *fd_out, struct bh_uart_settings *set,
		   char *name, size_t namelen, char *err, size_t errlen);
/* Largest rate accepted in a spec or a speed change. */
#define BH_UART_MAX_BAUD 16000000ul
/* Sets speed and RTS/CTS on a tty (uart_speed.c); queued output drains at
 * the old speed first. BH_OK, BH_EINVAL, BH_ENOTSUP (the tty cannot make
 * the rate) or BH_EIO, with err. */
int bh_uart_apply(int fd, unsigned long baud, bool flow, char *err, size_t errlen);
/* Reads a tty's output speed and RTS/CTS back. */
int bh_uart_read(int fd, unsigned long *baud, bool *flow);
/* Writes all of iov, blocking in poll() for a bounded time when the fd is
 * full; BH_OK, BH_ETRANSPORT (peer gone / stuck) or BH_EIO. sock: use
 * sendmsg(MSG_NOSIGNAL). */
int bh_transport_write_all(int fd, bool sock, struct iovec *iov, int iovcnt);

/* How long a send may block to finish one packet before the link is
 * declared dead: a controller that accepts no byte for this long is gone. */
#define BH_SEND_BLOCK_MS 1000
/* Wraps fd as a transport (closed on failure): framed, an H4 byte stream,
 * else one packet per read (user channel); stream_sock, a blocking stream
 * socket read with MSG_DONTWAIT. */
int bh_fdt_wrap(int fd, bool framed, bool stream_sock, const char *name, struct bh_transport **out,
		char *err, size_t errlen);
/* Per-kind openers; arg is the spec after "kind:" (may be "" for usb). */
int bh_transport_open_serial(const char *arg, struct bh_transport **out, char *err, size_t errlen);
int bh_transport_open_unix(const char *arg, struct bh_transport **out, char *err, size_t errlen);
int bh_transport_open_tcp(const char *arg, struct bh_transport **out, char *err, size_t errlen);
int bh_transport_open_userchan(const char *spec, struct bh_transport **out, char *err,
			       size_t errlen);
int bh_transport_open_usb(const char *arg, struct bh_transport **out, char *err, size_t errlen);
int bh_transport_open_h5(const char *arg, struct bh_transport **out, char *err, size_t errlen);
int bh_transport_open_replay(const char *arg, struct bh_transport **out, char *err, size_t errlen);

#endif
