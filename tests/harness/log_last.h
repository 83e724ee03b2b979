/* A log sink for tests that check a left-out feature says which build
 * option left it out: counts warnings and errors and keeps the last one.
 * Set env.log = log_last_cb and env.log_ctx to a struct log_last. */
#ifndef BH_TEST_LOG_LAST_H
#define BH_TEST_LOG_LAST_H

#include <blehost/bh_env.h>

struct log_last {
	unsigned n;    /* warnings and errors seen */
	char msg[256]; /* the last of them, cut to fit */
};

void log_last_cb(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg);

#endif
