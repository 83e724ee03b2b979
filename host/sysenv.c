/* The production environment handed to the sans-I/O layers: the monotonic
 * clock, the kernel's CSPRNG and a stderr logger. */
#include <blehost/loop.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

static void sys_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t r = getrandom(out, n, 0);
		if (r < 0)
			abort(); /* no entropy means no safe keys: never continue */
		out += r;
		n -= (size_t)r;
	}
}

static void stderr_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	(void)ctx;
	static const char *const names[] = { "error", "warn", "info", "debug" };
	fprintf(stderr, "[%s] %s: %s\n", layer, names[lvl], msg);
}

void bh_env_system(struct bh_env *env, enum bh_log_level level)
{
	env->now = bh_monotonic_ms;
	env->now_ctx = NULL;
	env->random = sys_random;
	env->random_ctx = NULL;
	env->log = stderr_log;
	env->log_ctx = NULL;
	env->log_level = level;
}
