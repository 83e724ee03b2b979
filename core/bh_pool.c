#include <blehost/bh_pool.h>

#include <blehost/bh_err.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Each block carries a header in front: which pool it belongs to and its
 * index, so ownership is checked in constant time without the blocks
 * being one array. */
struct pool_hdr {
	const struct bh_pool *owner;
	uint32_t index;
	uint32_t cap; /* bytes after the header (also keeps the block 8-aligned) */
};

int bh_pool_init(struct bh_pool *p, const char *name, size_t block_size, unsigned count)
{
	memset(p, 0, sizeof(*p));
	if (block_size == 0 || block_size > UINT32_MAX - 7 || count == 0 || count > 1u << 24)
		return BH_EINVAL;
	p->name = name;
	p->block_size = (block_size + 7) & ~(size_t)7;
	p->count = count;
	/* Only the bookkeeping now: blocks are made on first use, so memory
	 * follows the high-water mark, not the configured maximum. */
	p->blocks = calloc(count, sizeof(*p->blocks));
	p->free_stack = calloc(count, sizeof(*p->free_stack));
	if (!p->blocks || !p->free_stack) {
		bh_pool_destroy(p);
		return BH_ENOMEM;
	}
	p->fail_after = -1;
	return BH_OK;
}

void bh_pool_destroy(struct bh_pool *p)
{
	for (unsigned i = 0; p->blocks && i < p->made; i++)
		free(p->blocks[i]);
	free(p->blocks);
	free(p->free_stack);
	p->blocks = NULL;
	p->free_stack = NULL;
	p->count = p->nfree = p->made = 0;
}

void *bh_pool_alloc(struct bh_pool *p)
{
	uint8_t *b = bh_pool_alloc_uninit(p);
	if (b)
		memset(b, 0, p->block_size);
	return b;
}

void *bh_pool_alloc_uninit(struct bh_pool *p)
{
	return bh_pool_alloc_sized(p, p->block_size);
}

/* A block's room: what is asked (8-aligned), at least double what it had,
 * never above block_size. */
static size_t grown(const struct bh_pool *p, size_t had, size_t size)
{
	size_t cap = (size + 7) & ~(size_t)7;
	if (cap < 2 * had)
		cap = 2 * had;
	return cap < p->block_size ? cap : p->block_size;
}

void *bh_pool_alloc_sized(struct bh_pool *p, size_t size)
{
	if (size > p->block_size || p->fail_after == 0 ||
	    (p->nfree == 0 && p->made == p->count)) {
		p->failures++;
		return NULL;
	}
	struct pool_hdr *h;
	if (p->nfree) {
		uint32_t i = p->free_stack[p->nfree - 1];
		h = p->blocks[i];
		if (h->cap < size) {
			size_t cap = grown(p, h->cap, size);
			h = realloc(h, sizeof(*h) + cap);
			if (!h) {
				p->failures++;
				return NULL; /* the block stays as it was, free */
			}
			h->cap = (uint32_t)cap;
			p->blocks[i] = h;
		}
		p->nfree--;
	} else {
		size_t cap = grown(p, 0, size);
		h = malloc(sizeof(*h) + cap);
		if (!h) {
			p->failures++;
			return NULL;
		}
		*h = (struct pool_hdr){ .owner = p, .index = p->made, .cap = (uint32_t)cap };
		p->blocks[p->made++] = h;
	}
	if (p->fail_after > 0)
		p->fail_after--;
	if (++p->in_use > p->high_water)
		p->high_water = p->in_use;
	return h + 1;
}

bool bh_pool_owns(const struct bh_pool *p, const void *block)
{
	if (!block || !p->blocks)
		return false;
	const struct pool_hdr *h = (const struct pool_hdr *)block - 1;
	return h->owner == p && h->index < p->made && p->blocks[h->index] == h;
}

void bh_pool_free(struct bh_pool *p, void *block)
{
	if (!block)
		return;
	/* A foreign block or a double free is a bug: a debug build stops on
	 * it, a release build ignores it. Checked once (this is on every
	 * packet's path). */
	bool ok = bh_pool_owns(p, block) && p->nfree < p->made;
	assert(ok);
	if (!ok)
		return;
	p->free_stack[p->nfree++] = ((struct pool_hdr *)block - 1)->index;
	p->in_use--;
}

void *bh_ring_regrow(void *ring, size_t size, unsigned cap, unsigned head, unsigned count,
		     unsigned n)
{
	uint8_t *t = calloc(n, size);
	if (!t)
		return NULL;
	for (unsigned i = 0; i < count; i++)
		memcpy(t + i * size, (uint8_t *)ring + (head + i) % cap * size, size);
	free(ring);
	return t;
}
