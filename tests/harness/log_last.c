#include "log_last.h"

#include <stdio.h>

void log_last_cb(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct log_last *l = ctx;
	(void)layer;
	if (lvl > BH_LOG_WARN)
		return;
	l->n++;
	snprintf(l->msg, sizeof(l->msg), "%s", msg);
}
