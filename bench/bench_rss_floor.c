/* bench_rss_floor: the peak RSS a program pays before any of the stack,
 * for scale beside bench_e2e's figures (bench/README.md, "Peak RSS").
 *
 *   bench_rss_floor libc       exits at once: libc, ld.so and this program
 *   bench_rss_floor aes_cmac   computes one AES-CMAC through blehost's core
 *                              (the call a Database Hash read makes), so
 *                              libcrypto is dlopen'd exactly as in the stack
 *
 * Prints one line: mode=NAME peak_rss_kb=N. Linked against the static
 * library with --gc-sections, so only the crypto path comes with it.
 */
#include <blehost/bh_crypto.h>

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "aes_cmac") == 0) {
		static const uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16};
		uint8_t mac[16];
		if (bh_aes_cmac(key, (const uint8_t *)"blehost", 7, mac) != 0) {
			fprintf(stderr, "bench_rss_floor: %s\n", bh_crypto_error());
			return 1;
		}
	} else if (strcmp(mode, "libc") != 0) {
		fprintf(stderr, "usage: bench_rss_floor libc|aes_cmac\n");
		return 2;
	}
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 1;
	printf("mode=%s peak_rss_kb=%ld\n", mode, ru.ru_maxrss);
	return 0;
}
