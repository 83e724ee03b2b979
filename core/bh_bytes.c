/* The one external copy of each bh_bytes.h helper, which files compiled
 * at -Os call (see BH_BYTES_FN there). Emitted in every build, so a program
 * built at -Os links against a library built at another level. */
#define BH_BYTES_DEFINE
#include <blehost/bh_bytes.h>

extern inline uint16_t bh_get16(const uint8_t *p);
extern inline uint32_t bh_get24(const uint8_t *p);
extern inline uint32_t bh_get32(const uint8_t *p);
extern inline uint64_t bh_get64(const uint8_t *p);
extern inline void bh_put16(uint8_t *p, uint16_t v);
extern inline void bh_put24(uint8_t *p, uint32_t v);
extern inline void bh_put32(uint8_t *p, uint32_t v);
extern inline void bh_put64(uint8_t *p, uint64_t v);
extern inline void bh_swap(uint8_t *dst, const uint8_t *src, size_t n);
extern inline int bh_hexval(char c);
extern inline struct bh_rd bh_rd_init(const uint8_t *p, size_t len);
extern inline size_t bh_rd_left(const struct bh_rd *r);
extern inline bool bh_rd_ok(const struct bh_rd *r);
extern inline const uint8_t *bh_rd_ptr(struct bh_rd *r, size_t n);
extern inline uint8_t bh_rd_u8(struct bh_rd *r);
extern inline uint16_t bh_rd_u16(struct bh_rd *r);
extern inline uint32_t bh_rd_u24(struct bh_rd *r);
extern inline uint32_t bh_rd_u32(struct bh_rd *r);
extern inline uint64_t bh_rd_u64(struct bh_rd *r);
extern inline bool bh_rd_copy(struct bh_rd *r, void *dst, size_t n);
extern inline const uint8_t *bh_rd_rest(struct bh_rd *r, size_t *len);
extern inline struct bh_wr bh_wr_init(uint8_t *p, size_t cap);
extern inline uint8_t *bh_wr_ptr(struct bh_wr *w, size_t n);
extern inline void bh_wr_u8(struct bh_wr *w, uint8_t v);
extern inline void bh_wr_u16(struct bh_wr *w, uint16_t v);
extern inline void bh_wr_u24(struct bh_wr *w, uint32_t v);
extern inline void bh_wr_u32(struct bh_wr *w, uint32_t v);
extern inline void bh_wr_u64(struct bh_wr *w, uint64_t v);
extern inline void bh_wr_bytes(struct bh_wr *w, const void *src, size_t n);
