/* Runs with LD_PRELOAD=afalg_shim: drives the emulated AF_ALG sockets with
 * exactly the calls BlueZ's src/shared/crypto.c makes (socket with
 * SOCK_CLOEXEC, bind, setsockopt ALG_SET_KEY, accept, sendmsg with an
 * ALG_SET_OP cmsg + read for ecb(aes); send/writev + read for cmac(aes))
 * and checks the results against shared/vectors/smp_vectors.json (RFC 4493
 * AES-CMAC cases, Vol 6 Part C encryption sample). Also the error paths:
 * unknown algorithm, accept before a key, bad key length, and that other
 * fds still pass through. Without the shim on a kernel lacking AF_ALG the
 * first socket() fails, so the test cannot pass by accident. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "smp_vectors.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

static int g_passed, g_failed;

#define CHECK(cond, what)                                                         \
	do {                                                                      \
		if (cond) {                                                       \
			g_passed++;                                               \
		} else {                                                          \
			g_failed++;                                               \
			fprintf(stderr, "FAIL line %d: %s (errno %d)\n", __LINE__, what, errno); \
		}                                                                 \
	} while (0)

static int tfm(const char *type, const char *name)
{
	int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	strcpy((char *)sa.salg_type, type);
	strcpy((char *)sa.salg_name, name);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int op(int t, const uint8_t *key, size_t keylen)
{
	if (setsockopt(t, SOL_ALG, ALG_SET_KEY, key, (socklen_t)keylen) < 0)
		return -1;
	return accept(t, NULL, 0);
}

static bool ecb(int t, const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	int fd = op(t, key, 16);
	if (fd < 0)
		return false;
	uint32_t alg_op = ALG_OP_ENCRYPT;
	char cbuf[CMSG_SPACE(sizeof(alg_op))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = { (void *)in, 16 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(alg_op));
	memcpy(CMSG_DATA(c), &alg_op, sizeof(alg_op));
	bool ok = sendmsg(fd, &msg, 0) == 16 && read(fd, out, 16) == 16;
	close(fd);
	return ok;
}

int main(void)
{
	int e = tfm("skcipher", "ecb(aes)");
	int h = tfm("hash", "cmac(aes)");
	CHECK(e >= 0 && h >= 0, "socket/bind AF_ALG (is the shim preloaded?)");
	if (e < 0 || h < 0)
		return 1;
	CHECK((fcntl(e, F_GETFD) & FD_CLOEXEC) != 0, "SOCK_CLOEXEC honoured");

	/* e(LTK, SKD) = SK, the spec's values MSO first, as AES takes them */
	uint8_t out[16];
	CHECK(ecb(e, V_le_encryption_sample_data_inputs_LTK,
		  V_le_encryption_sample_data_derived_SKD, out) &&
		      memcmp(out, V_le_encryption_sample_data_expected_SK, 16) == 0,
	      "ecb(aes) = SK sample");

	/* RFC 4493 cases: send (len 0, 16), writev in pieces (40), send (64) */
	const uint8_t *k = V_aes_cmac_rfc4493_inputs_K;
	const uint8_t *m = V_aes_cmac_rfc4493_inputs_M64;
	int fd = op(h, k, 16);
	CHECK(fd >= 0 && send(fd, m, 0, 0) == 0 && read(fd, out, 16) == 16 &&
		      memcmp(out, V_aes_cmac_rfc4493_cases_0_T, 16) == 0,
	      "cmac len 0");
	CHECK(send(fd, m, 16, 0) == 16 && read(fd, out, 16) == 16 &&
		      memcmp(out, V_aes_cmac_rfc4493_cases_1_T, 16) == 0,
	      "cmac len 16 (same op socket, state reset after read)");
	struct iovec iov[3] = { { (void *)m, 7 }, { (void *)(m + 7), 0 }, { (void *)(m + 7), 33 } };
	CHECK(writev(fd, iov, 3) == 40 && read(fd, out, 16) == 16 &&
		      memcmp(out, V_aes_cmac_rfc4493_cases_2_T, 16) == 0,
	      "cmac len 40 via writev");
	CHECK(send(fd, m, 30, MSG_MORE) == 30 && write(fd, m + 30, 34) == 34 &&
		      read(fd, out, 16) == 16 && memcmp(out, V_aes_cmac_rfc4493_cases_3_T, 16) == 0,
	      "cmac len 64 in two sends");
	close(fd);

	/* error paths */
	errno = 0;
	CHECK(tfm("skcipher", "cbc(aes)") < 0 && errno == ENOENT, "unknown algorithm refused");
	int t2 = tfm("hash", "cmac(aes)");
	CHECK(t2 >= 0 && accept(t2, NULL, 0) < 0, "accept before ALG_SET_KEY refused");
	CHECK(setsockopt(t2, SOL_ALG, ALG_SET_KEY, k, 15) < 0 && errno == EINVAL,
	      "15-octet key refused");
	int o2 = op(t2, k, 16);
	CHECK(o2 >= 0 && read(t2, out, 16) < 0, "read on the tfm socket refused");
	int o3 = op(e, k, 16);
	CHECK(o3 >= 0 && send(o3, m, 15, 0) == 15 && read(o3, out, 16) < 0 && errno == EINVAL,
	      "ecb of a partial block refused");
	close(o3);
	close(o2);
	close(t2);

	/* ordinary fds pass through */
	int p[2];
	CHECK(pipe(p) == 0 && write(p[1], "ok", 2) == 2 && read(p[0], out, 2) == 2 &&
		      memcmp(out, "ok", 2) == 0,
	      "pipe read/write pass through");
	close(p[0]);
	close(p[1]);
	struct pollfd pf = { e, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) >= 0, "poll on an emulated fd");
	close(e);
	close(h);
	printf("%d passed, %d failed\n", g_passed, g_failed);
	return g_failed ? 1 : 0;
}
