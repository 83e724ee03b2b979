/* Runs part of a test program where libcrypto cannot be loaded, as on a
 * machine without libssl3: the stack dlopens libcrypto.so.3 on first use,
 * and the re-run finds, through LD_LIBRARY_PATH, a libcrypto.so.3 that is
 * not a library. The test program must not link libcrypto itself.
 *
 *   int main(int argc, char **argv) {
 *       if (no_libcrypto_child())
 *           return run the tests that need libcrypto missing;
 *       set up what needs libcrypto (setenv passes values on), then
 *       int rc = no_libcrypto_run(argv);
 *       check what the child left; return rc;
 *   }
 */
#ifndef NO_LIBCRYPTO_H
#define NO_LIBCRYPTO_H

#include <stdbool.h>

/* True in the re-run, where libcrypto cannot be loaded. */
bool no_libcrypto_child(void);
/* Runs this program again (same arguments) without libcrypto, waits for
 * it and returns its exit status (1 if it could not be run or was killed). */
int no_libcrypto_run(char **argv);
/* Whether this process has libcrypto mapped, from /proc/self/maps (the
 * stack loads it on first use): 1, 0, or -1 when /proc cannot tell.
 * bench/bench_e2e uses it too, for the peer's RSS figures. */
int libcrypto_mapped(void);

#endif
