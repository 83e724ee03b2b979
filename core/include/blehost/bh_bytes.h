/* Little-endian byte access with bounds checks.
 *
 * Every parser in blehost reads peer and controller bytes through a bh_rd:
 * a read past the end never touches memory, it sets `err` and yields zeros,
 * so a handler can read all fields and check `err` once at the end.
 */
#ifndef BH_BYTES_H
#define BH_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Where the helpers below are compiled. At -O0 and -O2 they are static
 * inline: the hot paths (every received and sent packet) inline them and a
 * program that only includes this header links without blehost. At -Os
 * (__OPTIMIZE_SIZE__) gcc calls rather than inlines them, and static inline
 * would give every file its own copy (about 2.6 KB in all); there they are
 * C99 inline, which calls the one external copy in libblehost
 * (core/bh_bytes.c). A program built at -Os that includes this header
 * without linking blehost defines BH_BYTES_STATIC_INLINE. BH_BYTES_DEFINE is
 * core/bh_bytes.c's, which emits that copy. */
#if defined(BH_BYTES_DEFINE) || (defined(__OPTIMIZE_SIZE__) && !defined(BH_BYTES_STATIC_INLINE))
/* noclone: else gcc makes each file a private IPA-SRA copy of bh_rd_copy
 * (its result unused), five of them in a program. clang has no such
 * attribute. */
#if defined(__clang__)
#define BH_BYTES_FN inline
#else
#define BH_BYTES_FN inline __attribute__((noclone))
#endif
#else
#define BH_BYTES_FN static inline
#endif

BH_BYTES_FN uint16_t bh_get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
BH_BYTES_FN uint32_t bh_get24(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16); }
/* Always inlined: gcc turns each into one load or store, smaller than the
 * call it makes at -Os (whose inliner weighs the shifts before they merge). */
#define BH_BYTES_LOAD BH_BYTES_FN __attribute__((always_inline))
BH_BYTES_LOAD uint32_t bh_get32(const uint8_t *p) { return (uint32_t)bh_get16(p) | ((uint32_t)bh_get16(p + 2) << 16); }
BH_BYTES_LOAD uint64_t bh_get64(const uint8_t *p) { return (uint64_t)bh_get32(p) | ((uint64_t)bh_get32(p + 4) << 32); }
BH_BYTES_FN void bh_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
BH_BYTES_FN void bh_put24(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); }
BH_BYTES_LOAD void bh_put32(uint8_t *p, uint32_t v) { bh_put16(p, (uint16_t)v); bh_put16(p + 2, (uint16_t)(v >> 16)); }
BH_BYTES_LOAD void bh_put64(uint8_t *p, uint64_t v) { bh_put32(p, (uint32_t)v); bh_put32(p + 4, (uint32_t)(v >> 32)); }

/* Reverse n bytes from src into dst (may not overlap): the Core Spec prints
 * keys most-significant octet first, the wire carries them LSO first. */
BH_BYTES_FN void bh_swap(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

/* The value of one hex digit, or -1. */
BH_BYTES_FN int bh_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

struct bh_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

BH_BYTES_FN struct bh_rd bh_rd_init(const uint8_t *p, size_t len)
{
	struct bh_rd r = { p, len, 0, false };
	return r;
}
BH_BYTES_FN size_t bh_rd_left(const struct bh_rd *r) { return r->err ? 0 : r->len - r->off; }
BH_BYTES_FN bool bh_rd_ok(const struct bh_rd *r) { return !r->err; }

/* Pointer to the next n bytes and advance, or NULL (and err) if fewer remain. */
BH_BYTES_FN const uint8_t *bh_rd_ptr(struct bh_rd *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}
BH_BYTES_FN uint8_t bh_rd_u8(struct bh_rd *r) { const uint8_t *p = bh_rd_ptr(r, 1); return p ? p[0] : 0; }
BH_BYTES_FN uint16_t bh_rd_u16(struct bh_rd *r) { const uint8_t *p = bh_rd_ptr(r, 2); return p ? bh_get16(p) : 0; }
BH_BYTES_FN uint32_t bh_rd_u24(struct bh_rd *r) { const uint8_t *p = bh_rd_ptr(r, 3); return p ? bh_get24(p) : 0; }
BH_BYTES_FN uint32_t bh_rd_u32(struct bh_rd *r) { const uint8_t *p = bh_rd_ptr(r, 4); return p ? bh_get32(p) : 0; }
BH_BYTES_FN uint64_t bh_rd_u64(struct bh_rd *r) { const uint8_t *p = bh_rd_ptr(r, 8); return p ? bh_get64(p) : 0; }
BH_BYTES_FN bool bh_rd_copy(struct bh_rd *r, void *dst, size_t n)
{
	const uint8_t *p = bh_rd_ptr(r, n);
	if (!p) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, p, n);
	return true;
}
/* The rest of the buffer (possibly empty); len receives its size. */
BH_BYTES_FN const uint8_t *bh_rd_rest(struct bh_rd *r, size_t *len)
{
	*len = bh_rd_left(r);
	const uint8_t *p = r->err ? NULL : r->p + r->off;
	r->off = r->len;
	return p;
}

struct bh_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err;
};

BH_BYTES_FN struct bh_wr bh_wr_init(uint8_t *p, size_t cap)
{
	struct bh_wr w = { p, cap, 0, false };
	return w;
}
BH_BYTES_FN uint8_t *bh_wr_ptr(struct bh_wr *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = true;
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += n;
	return p;
}
BH_BYTES_FN void bh_wr_u8(struct bh_wr *w, uint8_t v) { uint8_t *p = bh_wr_ptr(w, 1); if (p) p[0] = v; }
BH_BYTES_FN void bh_wr_u16(struct bh_wr *w, uint16_t v) { uint8_t *p = bh_wr_ptr(w, 2); if (p) bh_put16(p, v); }
BH_BYTES_FN void bh_wr_u24(struct bh_wr *w, uint32_t v) { uint8_t *p = bh_wr_ptr(w, 3); if (p) bh_put24(p, v); }
BH_BYTES_FN void bh_wr_u32(struct bh_wr *w, uint32_t v) { uint8_t *p = bh_wr_ptr(w, 4); if (p) bh_put32(p, v); }
BH_BYTES_FN void bh_wr_u64(struct bh_wr *w, uint64_t v) { uint8_t *p = bh_wr_ptr(w, 8); if (p) bh_put64(p, v); }
BH_BYTES_FN void bh_wr_bytes(struct bh_wr *w, const void *src, size_t n)
{
	uint8_t *p = bh_wr_ptr(w, n);
	if (p && n)
		memcpy(p, src, n);
}

#endif
