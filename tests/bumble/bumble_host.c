#include "bumble_host.h"

#include <stdio.h>

void bumble_host_config(struct bh_host_config *cfg, struct bh_loop *loop, const char *t,
			uint64_t seed)
{
	bh_host_config_default(cfg);
	cfg->transport = t;
	cfg->loop = loop;
	cfg->store_dir = "";
	cfg->seeded = true;
	cfg->seed = seed;
	cfg->use_random_address = true;
}

struct bh_host *bumble_host_start(const struct bh_host_config *cfg, const char *prog)
{
	char err[256];
	struct bh_host *h = bh_host_new(cfg, NULL, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return NULL;
	}
	int rc = bh_host_start_sync(h, 10000);
	if (rc) {
		fprintf(stderr, "%s: %s did not start: %s\n", prog, cfg->transport,
			bh_strerror(rc));
		bh_host_free(h);
		return NULL;
	}
	return h;
}
