/* btvirt_smoke: proves the live-test harness works. Run under
 * with-btvirt.sh: connects two H4 clients to $BTVIRT_SOCKET (two virtual
 * LE controllers), resets both, reads their BD_ADDRs (must differ and be
 * non-zero), and checks HCI_LE_Encrypt against the Vol 6, Part C sample data
 * (le_encryption_sample_data in shared/vectors/smp_vectors.json): LE Encrypt
 * goes through BlueZ's bt_crypto_e(), i.e. through AF_ALG or our shim.
 *
 * Deliberately standalone (plain sockets, no blehost layers) so it tests
 * the harness, not the stack. Exit 0 on success, 1 on failure. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "smp_vectors.h"

#define TIMEOUT_MS 3000

static int g_failed, g_passed;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (cond) {                                               \
			g_passed++;                                       \
		} else {                                                  \
			g_failed++;                                       \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
		}                                                         \
	} while (0)

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

/* Reads exactly n octets within the timeout. */
static bool read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int r = poll(&pfd, 1, TIMEOUT_MS);
		if (r <= 0)
			return false;
		ssize_t k = read(fd, p + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		got += (size_t)k;
	}
	return true;
}

/* Sends an HCI command and waits for its Command Complete; rp receives
 * the return parameters (status first). Other packets are skipped.
 * Returns the return parameters' length, or -1. */
static int command(int fd, uint16_t opcode, const uint8_t *params, uint8_t plen, uint8_t *rp,
		   size_t rp_cap)
{
	uint8_t pkt[260] = { 0x01, (uint8_t)opcode, (uint8_t)(opcode >> 8), plen };
	if (plen)
		memcpy(pkt + 4, params, plen);
	/* MSG_NOSIGNAL: btvirt closing on us must be a failure, not a SIGPIPE */
	if (send(fd, pkt, 4u + plen, MSG_NOSIGNAL) != 4 + plen)
		return -1;
	for (int skipped = 0; skipped < 32; skipped++) {
		uint8_t type, hdr[4], buf[260];
		if (!read_full(fd, &type, 1))
			return -1;
		if (type == 0x04) {
			if (!read_full(fd, hdr, 2) || !read_full(fd, buf, hdr[1]))
				return -1;
			/* Command Complete: ncmd(1) opcode(2) return params */
			if (hdr[0] == 0x0e && hdr[1] >= 3 && (buf[1] | buf[2] << 8) == opcode) {
				size_t n = hdr[1] - 3u;
				if (n > rp_cap)
					return -1;
				memcpy(rp, buf + 3, n);
				return (int)n;
			}
		} else if (type == 0x02) { /* ACL: handle(2) len(2) */
			if (!read_full(fd, hdr, 4))
				return -1;
			size_t n = (size_t)(hdr[2] | hdr[3] << 8);
			if (n > sizeof(buf) || !read_full(fd, buf, n))
				return -1;
		} else {
			return -1;
		}
	}
	return -1;
}

int main(void)
{
	const char *path = getenv("BTVIRT_SOCKET");
	if (!path) {
		fprintf(stderr, "BTVIRT_SOCKET not set: run me under with-btvirt.sh\n");
		return 1;
	}
	int fd[2];
	uint8_t addr[2][6];
	for (int i = 0; i < 2; i++) {
		fd[i] = connect_unix(path);
		CHECK(fd[i] >= 0, "connect %s: %s", path, strerror(errno));
		if (fd[i] < 0)
			return 1;
	}
	for (int i = 0; i < 2; i++) {
		uint8_t rp[64] = { 0 };
		int n = command(fd[i], 0x0c03, NULL, 0, rp, sizeof(rp)); /* HCI_Reset */
		CHECK(n == 1 && rp[0] == 0, "client %d: Reset -> %d status 0x%02x", i, n, rp[0]);
		n = command(fd[i], 0x1009, NULL, 0, rp, sizeof(rp)); /* Read_BD_ADDR */
		CHECK(n == 7 && rp[0] == 0, "client %d: Read_BD_ADDR -> %d", i, n);
		memcpy(addr[i], rp + 1, 6);
		static const uint8_t zero[6];
		CHECK(memcmp(addr[i], zero, 6) != 0, "client %d: BD_ADDR is zero", i);
		if (n == 7)
			printf("controller %d: %02X:%02X:%02X:%02X:%02X:%02X\n", i, addr[i][5], addr[i][4],
			       addr[i][3], addr[i][2], addr[i][1], addr[i][0]);
	}
	CHECK(memcmp(addr[0], addr[1], 6) != 0, "both controllers have the same BD_ADDR");

	/* LE Encrypt: key and plaintext LSO first on HCI; SK = e(LTK, SKD). */
	uint8_t p[32], rp[64], exp[16];
	for (int i = 0; i < 16; i++) {
		p[i] = V_le_encryption_sample_data_inputs_LTK[15 - i];
		p[16 + i] = V_le_encryption_sample_data_derived_SKD[15 - i];
		exp[i] = V_le_encryption_sample_data_expected_SK[15 - i];
	}
	int n = command(fd[0], 0x2017, p, 32, rp, sizeof(rp));
	CHECK(n == 17 && rp[0] == 0, "LE Encrypt -> %d status 0x%02x", n, rp[0]);
	CHECK(n == 17 && memcmp(rp + 1, exp, 16) == 0, "LE Encrypt result differs from SK vector");
	/* and on the other controller, with a different input: not a constant */
	p[16] ^= 1;
	n = command(fd[1], 0x2017, p, 32, rp, sizeof(rp));
	CHECK(n == 17 && rp[0] == 0 && memcmp(rp + 1, exp, 16) != 0,
	      "LE Encrypt of other data gave the same result");

	close(fd[0]);
	close(fd[1]);
	printf("%d passed, %d failed\n", g_passed, g_failed);
	return g_failed ? 1 : 0;
}
