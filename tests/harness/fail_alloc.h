/* Allocation failure injection for unit tests that link with
 * fail_alloc_link_args (tests/meson.build): the linker routes malloc,
 * calloc and realloc of the whole test program through fail_alloc.c. */
#ifndef BH_TEST_FAIL_ALLOC_H
#define BH_TEST_FAIL_ALLOC_H

/* Allocations succeed while fail_after > 0 (each one decrements it); at 0
 * they fail, each failure counted in failures. Negative: never fail. */
extern long fail_after;
extern unsigned failures;

#endif
