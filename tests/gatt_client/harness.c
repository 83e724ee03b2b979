/* The GATT client tests' shared harness (see harness.h). */
#include "harness.h"



void on_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct done *d = ctx;
	d->calls++;
	d->st = st;
	d->handle = res->handle;
	d->len = res->len < sizeof(d->value) ? res->len : sizeof(d->value);
	if (res->value && d->len)
		memcpy(d->value, res->value, d->len);
	d->elem_len = res->elem_len;
	d->rediscovered = res->rediscovered;
	d->pairs = bh_gattc_result_pairs(res);
	for (unsigned i = 0; i < d->pairs && i < 8; i++) {
		const uint8_t *v;
		size_t n;
		assert_true(bh_gattc_result_pair(res, i, &d->pair_h[i], &v, &n));
	}
	d->tuples = bh_gattc_result_tuples(res);
	const uint8_t *v;
	size_t n;
	if (bh_gattc_result_tuple(res, 0, &v, &n) && n <= 16) {
		memcpy(d->tup0, v, n);
		d->tup0_len = n;
	}
	if (bh_gattc_result_tuple(res, 1, &v, &n) && n <= 16) {
		memcpy(d->tup1, v, n);
		d->tup1_len = n;
	}
}



void on_note(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind)
{
	struct notes *n = ctx;
	if (n->n < 16) {
		n->handle[n->n] = h;
		n->first[n->n] = len ? v[0] : 0;
		n->ind[n->n] = ind;
	}
	n->n++;
}

void on_general(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind)
{
	(void)h;
	(void)v;
	(void)len;
	(void)ind;
	((struct notes *)ctx)->general++;
}

void on_sc(void *ctx, uint16_t s, uint16_t e, bh_status st)
{
	struct notes *n = ctx;
	n->sc_calls++;
	n->sc_start = s;
	n->sc_end = e;
	n->sc_status = st;
}

void on_disc(void *ctx, bh_status reason)
{
	struct notes *n = ctx;
	n->disc_calls++;
	n->disc_reason = reason;
}



struct t *T;

struct bh_gattc *mk_client(struct t *t)
{
	struct bh_gattc_port port = fs_port(&t->f);
	struct bh_gattc_events ev = { .ctx = &t->notes,
				      .unsubscribed = on_general,
				      .services_changed = on_sc,
				      .disconnected = on_disc };
	return bh_gattc_new(NULL, &t->env, &port, &ev);
}

void setup_mtu(uint16_t mtu)
{
	static struct t t;
	memset(&t, 0, sizeof(t));
	fs_init(&t.f, mtu);
	fs_build_db(&t.f);
	bh_xrand_seed(&t.rnd, 1);
	t.env.now = bh_manual_clock;
	t.env.now_ctx = &t.now;
	t.env.random = bh_xrand_fill;
	t.env.random_ctx = &t.rnd;
	t.c = mk_client(&t);
	assert_non_null(t.c);
	T = &t;
}

int setup23(void **state)
{
	(void)state;
	setup_mtu(23);
	return 0;
}
int setup517(void **state)
{
	(void)state;
	setup_mtu(517);
	return 0;
}
int teardown(void **state)
{
	(void)state;
	bh_gattc_free(T->c);
	return 0;
}

void discover(unsigned flags)
{
	struct done d = { 0 };
	assert_int_equal(bh_gattc_discover(T->c, NULL, 0, flags, on_done, &d), BH_OK);
	fs_pump(&T->f);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.st, BH_OK);
}

const struct bh_gattc_chr *chr16(uint16_t u)
{
	bh_uuid x = bh_uuid16(u);
	return bh_gattc_find_chr(T->c, NULL, &x);
}


struct bh_gattc *mk_client_cfg(const struct bh_gattc_config *cfg)
{
	struct bh_gattc_port port = fs_port(&T->f);
	struct bh_gattc_events ev = { .ctx = &T->notes, .disconnected = on_disc };
	return bh_gattc_new(cfg, &T->env, &port, &ev);
}
