#include <blehost/bh_env.h>

#include <stdio.h>
#include <string.h>

void bh_logf(const struct bh_env *e, enum bh_log_level lvl, const char *layer, const char *fmt, ...)
{
	if (!e || !e->log || lvl > e->log_level)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->log(e->log_ctx, lvl, layer, buf);
}

static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static uint32_t next(struct bh_xrand *r)
{
	uint32_t *s = r->s;
	uint32_t res = rotl(s[0] + s[3], 7) + s[0];
	uint32_t t = s[1] << 9;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 11);
	return res;
}

void bh_xrand_seed(struct bh_xrand *r, uint64_t seed)
{
	/* splitmix64 so that small seeds still give well-mixed state */
	for (int i = 0; i < 4; i += 2) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		r->s[i] = (uint32_t)z;
		r->s[i + 1] = (uint32_t)(z >> 32);
	}
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

void bh_xrand_fill(void *ctx, uint8_t *out, size_t n)
{
	struct bh_xrand *r = ctx;
	while (n) {
		uint32_t v = next(r);
		size_t k = n < 4 ? n : 4;
		memcpy(out, &v, k);
		out += k;
		n -= k;
	}
}

bh_time_ms bh_manual_clock(void *ctx) { return *(bh_time_ms *)ctx; }
