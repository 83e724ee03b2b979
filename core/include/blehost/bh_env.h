/* What every sans-I/O layer is given instead of touching the world:
 * a clock, a random source and a log sink.
 *
 * Layers never call clock_gettime, getrandom or printf. They call env->now()
 * and env->random(); the run loop gives the real ones, a replay test gives the
 * recorded timestamps and a seeded generator, so results are exact.
 */
#ifndef BH_ENV_H
#define BH_ENV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic milliseconds. */
typedef uint64_t bh_time_ms;
#define BH_NEVER UINT64_MAX

/* ERROR: the stack, a link or the controller stops working. WARN: what an
 * operator must know or act on: a controller command failed, recovery or
 * reset, bond store or file failures, security refusals and downgrades,
 * memory or queues exhausted, a link or bearer ended. INFO: a peer's or
 * controller's malformed, unexpected or unknown-handle PDU or event that the
 * stack dropped or answered by the spec's rule (a product built with
 * -Dlog_level=warn leaves these out; the default build and -v show them). */
enum bh_log_level { BH_LOG_ERROR = 0, BH_LOG_WARN = 1, BH_LOG_INFO = 2, BH_LOG_DEBUG = 3 };

struct bh_env {
	bh_time_ms (*now)(void *ctx);
	void *now_ctx;
	/* Fills out with n random bytes. Must be cryptographically strong in
	 * production (keys, nonces); a seeded generator in tests. */
	void (*random)(void *ctx, uint8_t *out, size_t n);
	void *random_ctx;
	/* May be NULL. layer is "hci", "l2cap", "att", "gatt", "smp", "gap",
	 * "host" or "transport"; msg has no trailing newline. */
	void (*log)(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg);
	void *log_ctx;
	enum bh_log_level log_level; /* messages above this level are not formatted */
};

static inline bh_time_ms bh_now(const struct bh_env *e) { return e->now(e->now_ctx); }
static inline void bh_random(const struct bh_env *e, void *out, size_t n)
{
	e->random(e->random_ctx, (uint8_t *)out, n);
}

/* Formats and forwards to env->log if the level is enabled. */
void bh_logf(const struct bh_env *e, enum bh_log_level lvl, const char *layer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The least severe level compiled into the library (meson -Dlog_level sets
 * it; -1 = none): a message below it is left out of the program, its format
 * string and the call that formats it included, and never reaches env->log
 * whatever env->log_level says. Above it the runtime filter decides. */
#ifndef BH_LOG_MIN
#define BH_LOG_MIN BH_LOG_DEBUG
#endif
#define BH_LOG_ON(lvl) ((int)(lvl) <= (int)(BH_LOG_MIN))

/* bh_logf for the library's log calls. With a constant level below
 * BH_LOG_MIN the test is constant false and the compiler drops the call;
 * an if, not #if, so the arguments are still compiled (a variable or a
 * static function used only in a message is not "unused") but never
 * evaluated: a log argument must not have side effects. */
#define BH_LOGF(e, lvl, ...)                              \
	do {                                              \
		if (BH_LOG_ON(lvl))                       \
			bh_logf((e), (lvl), __VA_ARGS__); \
	} while (0)

/* Deterministic generator (xoshiro128++-like) for tests and replay. Not for keys
 * in production. Use as env->random with random_ctx pointing at a struct bh_xrand. */
struct bh_xrand {
	uint32_t s[4];
};
void bh_xrand_seed(struct bh_xrand *r, uint64_t seed);
void bh_xrand_fill(void *ctx, uint8_t *out, size_t n);

/* A manual clock for unit tests: use as env->now with now_ctx a bh_time_ms*. */
bh_time_ms bh_manual_clock(void *ctx);

#endif
