/* Fixed-size block pools, sized once at init: no malloc on the data path.
 *
 * Each pool records its high-water mark, can be checked empty at shutdown,
 * and can be told to fail allocations so out-of-memory paths get tested.
 */
#ifndef BH_POOL_H
#define BH_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bh_pool {
	const char *name;
	uint8_t *mem;
	size_t block_size; /* rounded up to 8-byte alignment */
	unsigned count;
	unsigned nfree;
	unsigned in_use;
	unsigned high_water;
	uint32_t *free_stack;
	/* Fault injection: allocations succeed while fail_after > 0 (each one
	 * decrements it); at 0 they fail. Negative means never fail (default). */
	long fail_after;
	unsigned failures; /* allocations refused, by exhaustion or injection */
};

/* Allocates the backing memory once. Returns 0 or BH_ENOMEM/BH_EINVAL. */
int bh_pool_init(struct bh_pool *p, const char *name, size_t block_size, unsigned count);
/* Frees the backing memory. Blocks still in use are a caller bug (see bh_pool_in_use). */
void bh_pool_destroy(struct bh_pool *p);

/* A zeroed block, or NULL when the pool is exhausted or fault injection says so. */
void *bh_pool_alloc(struct bh_pool *p);
/* The same without zeroing, for a caller about to overwrite what it uses
 * (a transmit frame is a header plus len copied bytes: zeroing the whole
 * maximum-size block cost more than the rest of the send). */
void *bh_pool_alloc_uninit(struct bh_pool *p);
/* Returns a block; NULL is ignored. A pointer not from this pool aborts in
 * debug builds (it is always a bug, never peer-triggered). */
void bh_pool_free(struct bh_pool *p, void *block);
bool bh_pool_owns(const struct bh_pool *p, const void *block);

static inline unsigned bh_pool_in_use(const struct bh_pool *p) { return p->in_use; }
static inline unsigned bh_pool_high_water(const struct bh_pool *p) { return p->high_water; }
static inline void bh_pool_fail_after(struct bh_pool *p, long n) { p->fail_after = n; }

#endif
