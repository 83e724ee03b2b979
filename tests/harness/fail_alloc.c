/* The allocator wrappers behind fail_alloc.h. */
#include "fail_alloc.h"

#include <stdbool.h>
#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

long fail_after = -1;
bool fail_one;
unsigned failures;
size_t fail_size;
size_t alloc_pad;
struct fail_alloc_rec alloc_log[FAIL_ALLOC_LOG];
unsigned alloc_count;

static void *logged(void *p, size_t n)
{
	if (p) {
		alloc_log[alloc_count % FAIL_ALLOC_LOG] = (struct fail_alloc_rec){ p, n };
		alloc_count++;
	}
	return p;
}

static bool should_fail(size_t n)
{
	if (fail_size && n == fail_size) {
		failures++;
		return true;
	}
	if (fail_after < 0)
		return false;
	if (fail_after == 0) {
		failures++;
		if (fail_one)
			fail_after = -1;
		return true;
	}
	fail_after--;
	return false;
}

void *__wrap_malloc(size_t n)
{
	return should_fail(n) ? NULL : logged(__real_malloc(n + alloc_pad), n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	if (should_fail(m && n > (size_t)-1 / m ? 0 : n * m))
		return NULL;
	if (!alloc_pad || (m && n > (size_t)-1 / m))
		return logged(__real_calloc(n, m), n * m);
	return logged(__real_calloc(1, n * m + alloc_pad), n * m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return should_fail(n) ? NULL : logged(__real_realloc(p, n + alloc_pad), n);
}
