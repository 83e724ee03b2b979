/* Bounded pools of blocks of at most block_size bytes. A block is made
 * (malloc) the first time the pool needs one more than it has, and kept when
 * freed: memory follows the high-water mark instead of the configured
 * maximum, and once a workload has reached its peak the data path allocates
 * nothing. bh_pool_alloc_sized also sizes each block to what is used.
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
	void **blocks;     /* made so far, each behind a small header */
	size_t block_size; /* rounded up to 8-byte alignment */
	unsigned count;    /* at most this many blocks */
	unsigned made;     /* blocks[0..made) exist */
	unsigned nfree;    /* of those, free ones: indices in free_stack */
	unsigned in_use;
	unsigned high_water;
	uint32_t *free_stack;
	/* Fault injection: allocations succeed while fail_after > 0 (each one
	 * decrements it); at 0 they fail. Negative means never fail (default). */
	long fail_after;
	unsigned failures; /* allocations refused, by exhaustion or injection */
};

/* Sets the pool up (bookkeeping only). Returns 0 or BH_ENOMEM/BH_EINVAL. */
int bh_pool_init(struct bh_pool *p, const char *name, size_t block_size, unsigned count);
/* Frees the backing memory. Blocks still in use are a caller bug (see bh_pool_in_use). */
void bh_pool_destroy(struct bh_pool *p);

/* A zeroed block, or NULL when the pool is exhausted, fault injection says
 * so, or a new block cannot be made (out of memory). */
void *bh_pool_alloc(struct bh_pool *p);
/* The same without zeroing, for a caller about to overwrite what it uses
 * (a transmit frame is a header plus len copied bytes: zeroing the whole
 * maximum-size block cost more than the rest of the send). */
void *bh_pool_alloc_uninit(struct bh_pool *p);
/* An uninitialised block of at least size bytes (size <= block_size, else
 * NULL), for callers whose blocks are mostly much smaller than the
 * maximum (transmit frames). Each block is made as large as first asked,
 * and grown (at least doubling, up to block_size) when a later use needs
 * more, so memory follows the sizes used, not block_size. Same bound,
 * high-water mark and fault injection as bh_pool_alloc; a block that
 * cannot be grown stays free and NULL is returned. */
void *bh_pool_alloc_sized(struct bh_pool *p, size_t size);
/* Returns a block; NULL is ignored. A pointer not from this pool aborts in
 * debug builds (it is always a bug, never peer-triggered). */
void bh_pool_free(struct bh_pool *p, void *block);
bool bh_pool_owns(const struct bh_pool *p, const void *block);

static inline unsigned bh_pool_in_use(const struct bh_pool *p) { return p->in_use; }
static inline unsigned bh_pool_high_water(const struct bh_pool *p) { return p->high_water; }
static inline void bh_pool_fail_after(struct bh_pool *p, long n) { p->fail_after = n; }

/* A ring of `size`-byte entries grown to n entries: a zeroed array of n whose
 * first `count` entries are the old ring's, in order from `head` (the ring is
 * unrolled, so its new head is 0). The old array (cap entries, NULL when cap
 * is 0) is freed. NULL when out of memory, the old ring untouched. For the
 * command and request rings that double on use (GAP, ATT). */
void *bh_ring_regrow(void *ring, size_t size, unsigned cap, unsigned head, unsigned count,
		     unsigned n);

#endif
