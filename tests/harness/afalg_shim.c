/* afalg_shim: an LD_PRELOAD library that emulates the two Linux AF_ALG
 * crypto sockets BlueZ's src/shared/crypto.c opens, for kernels built
 * without CONFIG_CRYPTO_USER_API (where btvirt cannot create a controller:
 * bt_crypto_new() fails and the client socket is closed).
 *
 * Emulated: socket(AF_ALG, SOCK_SEQPACKET[|flags], 0) -> a real fd (from
 * eventfd, so close()/poll()/fcntl() work on it); bind() with a
 * sockaddr_alg of type "skcipher" name "ecb(aes)" or type "hash" name
 * "cmac(aes)"; setsockopt(SOL_ALG, ALG_SET_KEY); accept()/accept4() ->
 * an operation fd; sendmsg() (ALG_SET_OP / ALG_SET_IV cmsgs, iovecs),
 * send(), write(), writev() feed data; read()/recv() return the result
 * computed with OpenSSL; close() forgets the fd. Everything else, and every
 * call on a fd we did not create, goes to the real libc (dlsym RTLD_NEXT).
 *
 * Semantics follow the kernel's: on an skcipher op socket the data sent
 * is encrypted/decrypted as a whole (ECB: a multiple of 16 octets) and
 * read back; on a hash op socket data accumulates (MSG_MORE or not) and a
 * read returns the CMAC of everything sent since the last read.
 *
 * Test tooling only: not part of libblehost.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_alg.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define MAX_FD 4096
#define MAX_DATA 65536 /* BlueZ hashes at most a GATT database at once */

enum alg { ALG_NONE, ALG_ECB_AES, ALG_CMAC_AES };

struct afd {
	bool op;  /* an accept()ed operation socket, else the bound "tfm" socket */
	enum alg alg;
	uint8_t key[32];
	size_t keylen;
	uint32_t dir; /* ALG_OP_ENCRYPT / ALG_OP_DECRYPT */
	uint8_t *data;
	size_t len;
};

static struct afd *g_fds[MAX_FD];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

#define REAL(name, ret, ...)                                                         \
	static ret (*real_##name)(__VA_ARGS__);                                      \
	static ret (*get_##name(void))(__VA_ARGS__)                                  \
	{                                                                            \
		if (!real_##name)                                                    \
			real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name);  \
		return real_##name;                                                  \
	}

REAL(socket, int, int, int, int)
REAL(bind, int, int, const struct sockaddr *, socklen_t)
REAL(setsockopt, int, int, int, int, const void *, socklen_t)
REAL(accept, int, int, struct sockaddr *, socklen_t *)
REAL(accept4, int, int, struct sockaddr *, socklen_t *, int)
REAL(sendmsg, ssize_t, int, const struct msghdr *, int)
REAL(send, ssize_t, int, const void *, size_t, int)
REAL(write, ssize_t, int, const void *, size_t)
REAL(writev, ssize_t, int, const struct iovec *, int)
REAL(read, ssize_t, int, void *, size_t)
REAL(recv, ssize_t, int, void *, size_t, int)
REAL(close, int, int)

/* The emulated state of fd, or NULL: the caller holds g_lock. */
static struct afd *lookup(int fd)
{
	return (fd >= 0 && fd < MAX_FD) ? g_fds[fd] : NULL;
}

/* A real fd to stand for an emulated socket. */
static int new_fd(struct afd *a, bool cloexec)
{
	int fd = eventfd(0, cloexec ? EFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (fd >= MAX_FD) {
		get_close()(fd);
		errno = EMFILE;
		return -1;
	}
	pthread_mutex_lock(&g_lock);
	g_fds[fd] = a;
	pthread_mutex_unlock(&g_lock);
	return fd;
}

int socket(int domain, int type, int protocol)
{
	if (domain != AF_ALG)
		return get_socket()(domain, type, protocol);
	if ((type & 0xff) != SOCK_SEQPACKET || protocol != 0) {
		errno = EINVAL;
		return -1;
	}
	struct afd *a = calloc(1, sizeof(*a));
	if (!a) {
		errno = ENOMEM;
		return -1;
	}
	int fd = new_fd(a, (type & SOCK_CLOEXEC) != 0);
	if (fd < 0)
		free(a);
	return fd;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return get_bind()(fd, sa, len);
	}
	int rc = -1;
	const struct sockaddr_alg *s = (const struct sockaddr_alg *)sa;
	if (!sa || len < sizeof(*s) || s->salg_family != AF_ALG || a->op) {
		errno = EINVAL;
	} else if (!strncmp((const char *)s->salg_type, "skcipher", sizeof(s->salg_type)) &&
		   !strncmp((const char *)s->salg_name, "ecb(aes)", sizeof(s->salg_name))) {
		a->alg = ALG_ECB_AES;
		rc = 0;
	} else if (!strncmp((const char *)s->salg_type, "hash", sizeof(s->salg_type)) &&
		   !strncmp((const char *)s->salg_name, "cmac(aes)", sizeof(s->salg_name))) {
		a->alg = ALG_CMAC_AES;
		rc = 0;
	} else {
		errno = ENOENT; /* what the kernel says for an unknown algorithm */
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return get_setsockopt()(fd, level, name, val, len);
	}
	int rc = -1;
	if (level != SOL_ALG || name != ALG_SET_KEY || a->op || a->alg == ALG_NONE) {
		errno = ENOPROTOOPT;
	} else if (!val || (len != 16 && len != 24 && len != 32)) {
		errno = EINVAL;
	} else {
		memcpy(a->key, val, len);
		a->keylen = len;
		rc = 0;
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

static int do_accept(int fd, int flags, bool *handled)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	*handled = a != NULL;
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return -1;
	}
	if (a->op || a->alg == ALG_NONE || a->keylen == 0) {
		pthread_mutex_unlock(&g_lock);
		errno = EINVAL;
		return -1;
	}
	struct afd *o = calloc(1, sizeof(*o));
	if (!o) {
		pthread_mutex_unlock(&g_lock);
		errno = ENOMEM;
		return -1;
	}
	*o = *a;
	o->op = true;
	o->dir = ALG_OP_ENCRYPT;
	o->data = NULL;
	o->len = 0;
	pthread_mutex_unlock(&g_lock);
	int nfd = new_fd(o, (flags & SOCK_CLOEXEC) != 0);
	if (nfd < 0)
		free(o);
	return nfd;
}

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	bool handled;
	int rc = do_accept(fd, 0, &handled);
	return handled ? rc : get_accept()(fd, sa, len);
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	bool handled;
	int rc = do_accept(fd, flags, &handled);
	return handled ? rc : get_accept4()(fd, sa, len, flags);
}

/* Appends n octets to an op socket's pending data; the caller holds g_lock. */
static ssize_t feed(struct afd *a, const void *p, size_t n)
{
	if (!a->op) {
		errno = EINVAL;
		return -1;
	}
	if (n > MAX_DATA - a->len) {
		errno = EMSGSIZE;
		return -1;
	}
	if (n == 0)
		return 0;
	uint8_t *d = realloc(a->data, a->len + n);
	if (!d) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(d + a->len, p, n);
	a->data = d;
	a->len += n;
	return (ssize_t)n;
}

static ssize_t feed_iov(struct afd *a, const struct iovec *iov, int cnt)
{
	ssize_t total = 0;
	for (int i = 0; i < cnt; i++) {
		ssize_t n = feed(a, iov[i].iov_base, iov[i].iov_len);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return get_sendmsg()(fd, msg, flags);
	}
	ssize_t rc = -1;
	if (!msg) {
		errno = EFAULT;
		goto out;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level != SOL_ALG)
			continue;
		if (c->cmsg_type == ALG_SET_OP && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			uint32_t op;
			memcpy(&op, CMSG_DATA(c), sizeof(op));
			if (op != ALG_OP_ENCRYPT && op != ALG_OP_DECRYPT) {
				errno = EINVAL;
				goto out;
			}
			a->dir = op;
		}
		/* ALG_SET_IV: ECB and CMAC take no IV; accepted and ignored. */
	}
	rc = feed_iov(a, msg->msg_iov, (int)msg->msg_iovlen);
out:
	pthread_mutex_unlock(&g_lock);
	return rc;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return get_send()(fd, buf, n, flags);
	}
	ssize_t rc = feed(a, buf, n);
	pthread_mutex_unlock(&g_lock);
	return rc;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return get_write()(fd, buf, n);
	}
	ssize_t rc = feed(a, buf, n);
	pthread_mutex_unlock(&g_lock);
	return rc;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return get_writev()(fd, iov, cnt);
	}
	ssize_t rc = feed_iov(a, iov, cnt);
	pthread_mutex_unlock(&g_lock);
	return rc;
}

static const EVP_CIPHER *aes_ecb(size_t keylen)
{
	return keylen == 16 ? EVP_aes_128_ecb() : keylen == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
}

/* Runs the operation over the pending data; out gets up to cap octets. */
static ssize_t compute(struct afd *a, uint8_t *out, size_t cap)
{
	uint8_t res[MAX_DATA];
	size_t rlen = 0;
	bool ok = false;
	if (a->alg == ALG_ECB_AES) {
		if (a->len % 16 != 0 || a->len == 0) {
			errno = EINVAL;
			return -1;
		}
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		int l1 = 0, l2 = 0;
		ok = c && EVP_CipherInit_ex(c, aes_ecb(a->keylen), NULL, a->key, NULL,
					    a->dir == ALG_OP_ENCRYPT) == 1 &&
		     EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
		     EVP_CipherUpdate(c, res, &l1, a->data, (int)a->len) == 1 &&
		     EVP_CipherFinal_ex(c, res + l1, &l2) == 1;
		EVP_CIPHER_CTX_free(c);
		rlen = (size_t)(l1 + l2);
	} else {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
		EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
		const char *cipher = a->keylen == 16 ? "AES-128-CBC"
				     : a->keylen == 24 ? "AES-192-CBC" : "AES-256-CBC";
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cipher, 0),
			OSSL_PARAM_construct_end(),
		};
		ok = c && EVP_MAC_init(c, a->key, a->keylen, params) == 1 &&
		     EVP_MAC_update(c, a->data ? a->data : (const uint8_t *)"", a->len) == 1 &&
		     EVP_MAC_final(c, res, &rlen, sizeof(res)) == 1;
		EVP_MAC_CTX_free(c);
		EVP_MAC_free(mac);
	}
	free(a->data);
	a->data = NULL;
	a->len = 0;
	if (!ok) {
		errno = EIO;
		return -1;
	}
	size_t n = rlen < cap ? rlen : cap;
	memcpy(out, res, n);
	return (ssize_t)n;
}

ssize_t read(int fd, void *buf, size_t n)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (!a) {
		pthread_mutex_unlock(&g_lock);
		return get_read()(fd, buf, n);
	}
	ssize_t rc;
	if (!a->op) {
		errno = EINVAL;
		rc = -1;
	} else {
		rc = compute(a, buf, n);
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	pthread_mutex_lock(&g_lock);
	bool mine = lookup(fd) != NULL;
	pthread_mutex_unlock(&g_lock);
	return mine ? read(fd, buf, n) : get_recv()(fd, buf, n, flags);
}

int close(int fd)
{
	pthread_mutex_lock(&g_lock);
	struct afd *a = lookup(fd);
	if (a) {
		g_fds[fd] = NULL;
		free(a->data);
		free(a);
	}
	pthread_mutex_unlock(&g_lock);
	return get_close()(fd);
}
