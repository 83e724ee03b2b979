/* Shared harness of the GATT client tests: result recorders, the fake
 * server plus client per test, and small helpers. */
#ifndef GATTC_TEST_HARNESS_H
#define GATTC_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_env.h>
#include "fake_server.h"
#include <blehost/gatt_client.h>

/* What one operation's callback reported (copied out of the callback). */
struct done {
	unsigned calls;
	bh_status st;
	uint16_t handle;
	uint8_t value[BH_ATT_MAX_VALUE + 64];
	size_t len;
	uint8_t elem_len;
	bool rediscovered;
	struct bh_gattc_result res; /* only valid inside the callback */
	unsigned pairs, tuples;
	uint16_t pair_h[8];
	uint8_t tup0[16], tup1[16];
	size_t tup0_len, tup1_len;
};

/* Notifications and client events seen. */
struct notes {
	unsigned n;
	uint16_t handle[16];
	uint8_t first[16];
	bool ind[16];
	unsigned general;
	unsigned sc_calls;
	uint16_t sc_start, sc_end;
	bh_status sc_status;
	unsigned disc_calls;
	bh_status disc_reason;
};

/* One test's world: the fake server and a client on it. */
struct t {
	struct fake_server f;
	bh_time_ms now;
	struct bh_xrand rnd;
	struct bh_env env;
	struct notes notes;
	struct bh_gattc *c;
};

extern struct t *T;

void on_done(void *ctx, bh_status st, const struct bh_gattc_result *res);
void on_note(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind);
void on_general(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind);
void on_sc(void *ctx, uint16_t s, uint16_t e, bh_status st);
void on_disc(void *ctx, bh_status reason);
struct bh_gattc *mk_client(struct t *t);
struct bh_gattc *mk_client_cfg(const struct bh_gattc_config *cfg);
void setup_mtu(uint16_t mtu);
int setup23(void **state);
int setup517(void **state);
int teardown(void **state);
/* Full discovery that must succeed. */
void discover(unsigned flags);
const struct bh_gattc_chr *chr16(uint16_t u);

#endif
