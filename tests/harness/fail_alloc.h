/* Allocation failure injection for unit tests that link with
 * fail_alloc_link_args (tests/meson.build): the linker routes malloc,
 * calloc and realloc of the whole test program through fail_alloc.c. */
#ifndef BH_TEST_FAIL_ALLOC_H
#define BH_TEST_FAIL_ALLOC_H

/* Allocations succeed while fail_after > 0 (each one decrements it); at 0
 * they fail, each failure counted in failures. Negative: never fail. */
extern long fail_after;
extern unsigned failures;
/* Set: only the allocation that fail_after reaches fails, and the ones
 * after it succeed again (fail_after returns to -1). */
#include <stdbool.h>
extern bool fail_one;

/* Nonzero: besides the above, every allocation of exactly fail_size bytes
 * (malloc's, calloc's product, realloc's new size) fails, counted in
 * failures. One allocation whose size is known (a table growing to a
 * known capacity) fails wherever it comes, however many come first. */
#include <stddef.h>
extern size_t fail_size;

/* Each allocation gets alloc_pad bytes more than asked (default 0): memory
 * just past a block that the test owns. The last FAIL_ALLOC_LOG blocks are
 * in alloc_log (oldest overwritten), asked-for sizes. */
#include <stddef.h>
#define FAIL_ALLOC_LOG 16
struct fail_alloc_rec {
	void *p;
	size_t n;
};
extern size_t alloc_pad;
extern struct fail_alloc_rec alloc_log[FAIL_ALLOC_LOG];
extern unsigned alloc_count;

#endif
