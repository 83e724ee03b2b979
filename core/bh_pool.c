#include <blehost/bh_pool.h>

#include <blehost/bh_err.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int bh_pool_init(struct bh_pool *p, const char *name, size_t block_size, unsigned count)
{
	memset(p, 0, sizeof(*p));
	if (block_size == 0 || count == 0 || count > 1u << 24)
		return BH_EINVAL;
	p->name = name;
	p->block_size = (block_size + 7) & ~(size_t)7;
	p->count = count;
	p->mem = calloc(count, p->block_size);
	p->free_stack = calloc(count, sizeof(*p->free_stack));
	if (!p->mem || !p->free_stack) {
		bh_pool_destroy(p);
		return BH_ENOMEM;
	}
	/* Hand out low addresses first: easier to read in a debugger. */
	for (unsigned i = 0; i < count; i++)
		p->free_stack[i] = count - 1 - i;
	p->nfree = count;
	p->fail_after = -1;
	return BH_OK;
}

void bh_pool_destroy(struct bh_pool *p)
{
	free(p->mem);
	free(p->free_stack);
	p->mem = NULL;
	p->free_stack = NULL;
	p->count = p->nfree = 0;
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
	if (p->fail_after == 0 || p->nfree == 0) {
		p->failures++;
		return NULL;
	}
	if (p->fail_after > 0)
		p->fail_after--;
	uint32_t i = p->free_stack[--p->nfree];
	p->in_use++;
	if (p->in_use > p->high_water)
		p->high_water = p->in_use;
	return p->mem + (size_t)i * p->block_size;
}

bool bh_pool_owns(const struct bh_pool *p, const void *block)
{
	const uint8_t *b = block;
	if (!p->mem || b < p->mem || b >= p->mem + (size_t)p->count * p->block_size)
		return false;
	return (size_t)(b - p->mem) % p->block_size == 0;
}

void bh_pool_free(struct bh_pool *p, void *block)
{
	if (!block)
		return;
	assert(bh_pool_owns(p, block));
	assert(p->nfree < p->count);
	if (!bh_pool_owns(p, block) || p->nfree >= p->count)
		return;
	p->free_stack[p->nfree++] = (uint32_t)(((uint8_t *)block - p->mem) / p->block_size);
	p->in_use--;
}
