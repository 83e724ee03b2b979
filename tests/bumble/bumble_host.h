/* A host on one of with-bumble.sh's controllers, for the C tests of suite
 * 'bumble' (bumble_adv_sets.c, bumble_set_rpa.c). */
#ifndef BUMBLE_HOST_H
#define BUMBLE_HOST_H

#include <blehost/host.h>
#include <blehost/loop.h>

/* Defaults on transport t and loop, seeded, no bond store, and the random
 * static address: Bumble's link delivers LE data from the controller's
 * random address only. A test changes what it needs before starting. */
void bumble_host_config(struct bh_host_config *cfg, struct bh_loop *loop, const char *t,
			uint64_t seed);
/* bh_host_new and bring-up (10 s); NULL after printing why, "prog: ...". */
struct bh_host *bumble_host_start(const struct bh_host_config *cfg, const char *prog);

#endif
