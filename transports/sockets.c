/* The socket transports: H4 over AF_UNIX (btvirt, emulators) and TCP,
 * and the Linux HCI user channel (hciN). -Dsockets=false builds
 * sockets_off.c instead. */
#include "transport_internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* A blocking stream socket whose sends give up after BH_SEND_BLOCK_MS, wrapped
 * as an H4 transport. */
static int sock_wrap(int fd, const char *name, struct bh_transport **out, char *err,
		     size_t errlen)
{
	struct timeval tv = { BH_SEND_BLOCK_MS / 1000, (BH_SEND_BLOCK_MS % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return bh_fdt_wrap(fd, true, true, name, out, err, errlen);
}

/* ---- unix ------------------------------------------------------------- */

int bh_transport_open_unix(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!*arg || strlen(arg) >= sizeof(sa.sun_path))
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "unix: give a socket path shorter than %zu bytes, e.g. "
					 "unix:/tmp/bt-server-bredrle",
					 sizeof(sa.sun_path));
	strcpy(sa.sun_path, arg);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return bh_transport_errf(BH_EIO, err, errlen, "unix:%s: socket: %s", arg,
					 strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return bh_transport_errf(BH_EIO, err, errlen,
					 "unix:%s: cannot connect: %s (is btvirt or the controller "
					 "server running and listening there?)",
					 arg, strerror(e));
	}
	char name[160];
	snprintf(name, sizeof(name), "unix:%s", arg);
	return sock_wrap(fd, name, out, err, errlen);
}

/* ---- tcp -------------------------------------------------------------- */

int bh_transport_open_tcp(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	char host[256];
	const char *port;
	if (arg[0] == '[') { /* [v6addr]:port */
		const char *rb = strchr(arg, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - arg - 1) >= sizeof(host))
			goto usage;
		memcpy(host, arg + 1, (size_t)(rb - arg - 1));
		host[rb - arg - 1] = 0;
		port = rb + 2;
	} else {
		const char *c = strrchr(arg, ':');
		if (!c || (size_t)(c - arg) >= sizeof(host))
			goto usage;
		memcpy(host, arg, (size_t)(c - arg));
		host[c - arg] = 0;
		port = c + 1;
	}
	if (!*host || !*port)
		goto usage;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int gr = getaddrinfo(host, port, &hints, &res);
	if (gr)
		return bh_transport_errf(BH_EIO, err, errlen, "tcp:%s: cannot resolve: %s", arg,
					 gai_strerror(gr));
	int fd = -1, last = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		last = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return bh_transport_errf(BH_EIO, err, errlen,
					 "tcp:%s: cannot connect: %s (is the controller server "
					 "listening on that host and port?)",
					 arg, strerror(last));
	/* HCI is request/response with small packets: Nagle would add delay. */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char name[160];
	snprintf(name, sizeof(name), "tcp:%s", arg);
	return sock_wrap(fd, name, out, err, errlen);
usage:
	return bh_transport_errf(BH_EINVAL, err, errlen,
				 "tcp: give HOST:PORT, e.g. tcp:127.0.0.1:45550 or tcp:[::1]:45550");
}

/* ---- Linux HCI user channel ------------------------------------------ */

/* Defined here rather than taken from BlueZ headers, which may be absent. */
#define BH_AF_BLUETOOTH 31
#define BH_BTPROTO_HCI 1
#define BH_HCI_CHANNEL_USER 1
struct bh_sockaddr_hci {
	sa_family_t hci_family;
	unsigned short hci_dev;
	unsigned short hci_channel;
};

int bh_transport_open_userchan(const char *spec, struct bh_transport **out, char *err,
			       size_t errlen)
{
	char *end;
	unsigned long dev = strtoul(spec + 3, &end, 10);
	if (!spec[3] || *end || dev > 0xfffe)
		return bh_transport_errf(BH_EINVAL, err, errlen,
					 "%s: give an HCI device as hciN, e.g. hci0", spec);
	int fd = socket(BH_AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, BH_BTPROTO_HCI);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
			return bh_transport_errf(
				BH_ENOTSUP, err, errlen,
				"%s: this kernel has no Bluetooth sockets (AF_BLUETOOTH: %s); load "
				"the bluetooth module, or use -t usb / serial:... / unix:...",
				spec, strerror(errno));
		return bh_transport_errf(BH_EIO, err, errlen, "%s: socket(AF_BLUETOOTH): %s", spec,
					 strerror(errno));
	}
	struct bh_sockaddr_hci sa = { .hci_family = BH_AF_BLUETOOTH,
				      .hci_dev = (unsigned short)dev,
				      .hci_channel = BH_HCI_CHANNEL_USER };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return bh_transport_errf(
			BH_EIO, err, errlen,
			"%s: cannot open the user channel: %s (needs CAP_NET_ADMIN, and the "
			"device must be down: run 'hciconfig %s down' or stop bluetoothd)",
			spec, strerror(e), spec);
	}
	return bh_fdt_wrap(fd, false, false, spec, out, err, errlen);
}
