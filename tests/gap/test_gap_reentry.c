/* Callbacks from GAP that start advertising again from inside: a start's
 * answer or on_stopped, called while GAP ends a run whose enable the
 * controller has not answered yet. The new run must not take that answer
 * as its own, and the run that ended must be the one told. Handle 0 with
 * legacy and extended commands (built with and without -Dext_adv), and
 * bh_gap_adv_set_start's sets. */
#include "fake_hci.h"

static const bh_addr peer = { BH_ADDR_PUBLIC, { 1, 2, 3, 4, 5, 6 } };

/* Answers, in order, every command before the first `op` still to be
 * answered: that one stays in flight. */
static void pump_until(struct fake *f, uint16_t op)
{
	while (f->next_done < f->n && f->cmds[f->next_done].op != op) {
		struct fake_cmd *c = &f->cmds[f->next_done++];
		uint8_t ret[2] = { 0, f->num_sets };
		c->cb(c->ctx, BH_OK, ret, c->op == BH_HCI_LE_READ_NUM_ADV_SETS ? 2 : 1);
	}
	assert_true(f->next_done < f->n);
	assert_int_equal(f->cmds[f->next_done].op, op);
}

/* Answers the one command in flight with status. */
static void answer_one(struct fake *f, uint8_t status)
{
	assert_true(f->next_done < f->n);
	struct fake_cmd *c = &f->cmds[f->next_done++];
	uint8_t ret[1] = { status };
	c->cb(c->ctx, status ? BH_HCI_STATUS(status) : BH_OK, ret, 1);
}

/* What one run's callbacks heard; `again` (when set) is started from the
 * named callback, once. */
struct rec {
	struct fake *f;
	size_t starts, stops;
	bh_status start, stop;
	struct bh_gap_adv_params *again; /* handle 0 */
	struct bh_gap_adv_set_params *again_set;
	bool from_start; /* from the start's answer, else from on_stopped */
	uint8_t handle;  /* the set started again */
};

static void restart(struct rec *r)
{
	if (r->again)
		assert_int_equal(bh_gap_adv_start(r->f->gap, r->again, NULL, NULL), BH_OK);
	if (r->again_set)
		assert_int_equal(bh_gap_adv_set_start(r->f->gap, r->again_set, &r->handle, NULL,
						      NULL), BH_OK);
	r->again = NULL;
	r->again_set = NULL;
}

static void rec_start(void *ctx, bh_status st)
{
	struct rec *r = ctx;
	r->starts++;
	r->start = st;
	if (r->from_start && st == BH_OK)
		restart(r);
}

static void rec_stopped(void *ctx, bh_status st)
{
	struct rec *r = ctx;
	r->stops++;
	r->stop = st;
	if (!r->from_start)
		restart(r);
}

/* The controller says handle 0's run ended by a connection: legacy, the
 * Connection Complete; extended, that and Advertising Set Terminated. */
static void taken(struct fake *f, uint16_t conn, uint8_t adv_handle)
{
	fake_conn_complete(f, 0, conn, 1, &peer);
	if (bh_gap_uses_extended(f->gap)) {
		const uint8_t term[] = { 0, adv_handle, (uint8_t)conn, 0, 1 };
		fake_meta(f, BH_LE_ADV_SET_TERMINATED, term, 5);
	}
}

/* Proves that a run started again from on_stopped, while the run that
 * ended (a connection reported before its enable was answered) still has
 * its enable out, does not take that enable's answer as its own: it stays
 * starting (its start is not answered), and when the controller refuses
 * its parameters the start fails and advertising is off (the old code
 * took the old answer, said the new run was on at once and ignored the
 * refusal, so the host said advertising while the controller did not). */
static void test_restart_from_on_stopped(void **state)
{
	(void)state;
	static struct fake f;
	for (int ext = 0; ext < 1 + bh_gap_extended_built(); ext++) {
		fake_init(&f, ext);
		fake_gap(&f, NULL);
		struct rec r = { .f = &f }, r2 = { .f = &f };
		struct bh_gap_adv_params again = { .kind = BH_GAP_ADV_CONN,
						   .on_stopped = rec_stopped, .ctx = &r2 };
		struct bh_gap_adv_params p = { .kind = BH_GAP_ADV_CONN, .on_stopped = rec_stopped,
					       .ctx = &r };
		r.again = &again;
		assert_int_equal(bh_gap_adv_start(f.gap, &p, rec_start, &r), BH_OK);
		uint16_t en = ext ? BH_HCI_LE_SET_EXT_ADV_ENABLE : BH_HCI_LE_SET_ADV_ENABLE;
		pump_until(&f, en);
		taken(&f, 1, 0);
		/* Taken as this run's link: its address, the public one. */
		const struct bh_gap_conn *c = bh_gap_conn_get(f.gap, 1);
		assert_non_null(c);
		assert_int_equal(c->local.type, BH_ADDR_PUBLIC);
		assert_memory_equal(c->local.val, f.info.bdaddr.val, 6);
		assert_int_equal(r.starts, 1);
		assert_int_equal(r.start, BH_OK);
		assert_int_equal(r.stops, 1);
		assert_int_equal(r.stop, BH_OK);
		assert_null(r.again); /* started again from on_stopped */
		assert_true(bh_gap_advertising(f.gap));

		size_t from = f.next_done;
		answer_one(&f, 0); /* the first run's enable */
		f.fail_op = ext ? BH_HCI_LE_SET_EXT_ADV_PARAMS : BH_HCI_LE_SET_ADV_PARAMS;
		f.fail_status = 0x0c;
		fake_pump(&f);
		f.fail_op = 0;
		assert_true(f.n > from + 1);
		assert_false(bh_gap_advertising(f.gap));
		assert_int_equal(r2.stops, 0);
		assert_int_equal(r.stops, 1);
		/* A start that fails answers NULL cb: nothing to count; it
		 * left no run on and no restart pending. */
		assert_int_equal(bh_gap_adv_stop(f.gap), BH_ESTATE);
		bh_gap_free(f.gap);
	}
}

/* Proves that when the start's answer, given as the run ends (its enable
 * not answered yet), starts advertising again, the run that ended hears
 * its on_stopped, not the new run (the old code read on_stopped from the
 * new run's parameters: the new run was told it stopped while it was
 * starting, and the ended one never was). */
static void test_restart_from_start_answer(void **state)
{
	(void)state;
	static struct fake f;
	for (int ext = 0; ext < 1 + bh_gap_extended_built(); ext++) {
		fake_init(&f, ext);
		fake_gap(&f, NULL);
		struct rec r = { .f = &f, .from_start = true }, r2 = { .f = &f };
		struct bh_gap_adv_params again = { .kind = BH_GAP_ADV_CONN,
						   .on_stopped = rec_stopped, .ctx = &r2 };
		struct bh_gap_adv_params p = { .kind = BH_GAP_ADV_CONN, .on_stopped = rec_stopped,
					       .ctx = &r };
		r.again = &again;
		assert_int_equal(bh_gap_adv_start(f.gap, &p, rec_start, &r), BH_OK);
		pump_until(&f, ext ? BH_HCI_LE_SET_EXT_ADV_ENABLE : BH_HCI_LE_SET_ADV_ENABLE);
		taken(&f, 1, 0);
		assert_int_equal(r.starts, 1);
		assert_null(r.again);
		assert_int_equal(r.stops, 1);
		assert_int_equal(r.stop, BH_OK);
		assert_int_equal(r2.stops, 0);
		fake_pump(&f);
		assert_true(bh_gap_advertising(f.gap));
		assert_int_equal(r2.stops, 0);
		bh_gap_free(f.gap);
	}
}

/* Proves the same two for an advertising set started again, on the same
 * handle, from its on_stopped or from its start's answer: the new run
 * stays starting past the old enable's answer and fails when its
 * parameters are refused; the ended run hears on_stopped. */
static void test_set_restart(void **state)
{
	(void)state;
	if (!bh_gap_extended_built())
		skip();
	static struct fake f;
	for (int from_start = 0; from_start < 2; from_start++) {
		fake_init(&f, true);
		fake_gap(&f, NULL);
		struct rec r = { .f = &f, .from_start = from_start }, r2 = { .f = &f };
		struct bh_gap_adv_set_params again = { .adv = { .kind = BH_GAP_ADV_CONN,
								.on_stopped = rec_stopped,
								.ctx = &r2 } };
		struct bh_gap_adv_set_params sp = { .adv = { .kind = BH_GAP_ADV_CONN,
							     .on_stopped = rec_stopped,
							     .ctx = &r } };
		r.again_set = &again;
		uint8_t h = 0;
		assert_int_equal(bh_gap_adv_set_start(f.gap, &sp, &h, rec_start, &r), BH_OK);
		pump_until(&f, BH_HCI_LE_SET_EXT_ADV_ENABLE);
		taken(&f, 1, h);
		assert_null(r.again_set);
		assert_int_equal(r.handle, h); /* the same handle again */
		assert_int_equal(r.starts, 1);
		assert_int_equal(r.stops, 1);
		assert_int_equal(r.stop, BH_OK);
		assert_int_equal(r2.stops, 0);
		assert_true(bh_gap_adv_set_active(f.gap, h));

		answer_one(&f, 0); /* the first run's enable */
		f.fail_op = BH_HCI_LE_SET_EXT_ADV_PARAMS;
		f.fail_status = 0x0c;
		fake_pump(&f);
		f.fail_op = 0;
		assert_false(bh_gap_adv_set_active(f.gap, h));
		assert_int_equal(r2.stops, 0);
		assert_int_equal(r.stops, 1);
		bh_gap_free(f.gap);
	}
}

/* What the reset's callbacks try to start again, and were answered. */
struct again {
	struct fake *f;
	bool set;
	size_t calls;
	int adv_rc, scan_rc, set_rc, conn_rc;
};

static void start_again(struct again *a)
{
	a->calls++;
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_NONCONN };
	struct bh_gap_scan_params sp = { 0 };
	struct bh_gap_adv_set_params setp = { .adv = { .kind = BH_GAP_ADV_NONCONN } };
	uint8_t h;
	a->adv_rc = bh_gap_adv_start(a->f->gap, &ap, NULL, NULL);
	a->scan_rc = bh_gap_scan_start(a->f->gap, &sp);
	a->conn_rc = bh_gap_connect(a->f->gap, &peer, NULL, 0, NULL, NULL);
	if (a->set)
		a->set_rc = bh_gap_adv_set_start(a->f->gap, &setp, &h, NULL, NULL);
}

static void again_connect_cb(void *ctx, bh_status st, const struct bh_gap_conn *c)
{
	(void)c;
	assert_int_equal(st, BH_ERESET);
	start_again(ctx);
}

static void again_scan_done(void *ctx, bh_status st)
{
	assert_int_equal(st, BH_ERESET);
	start_again(ctx);
}

/* Proves that scanning, advertising (handle 0 and, extended, a set) and
 * connecting started from a callback that bh_gap_reset makes (a
 * connection attempt's answer, a scan's on_done) are refused, BH_EBUSY,
 * with no command sent, and GAP says nothing runs, as is true (the old
 * code let them start and then the rest of the reset ended them, so GAP
 * said idle while their commands went out and the controller scanned
 * and advertised). */
static void test_start_during_reset(void **state)
{
	(void)state;
	static struct fake f;
	for (int ext = 0; ext < 1 + bh_gap_extended_built(); ext++) {
		for (int from_scan = 0; from_scan < 2; from_scan++) {
			fake_init(&f, ext);
			fake_gap(&f, NULL);
			struct again a = { .f = &f, .set = ext };
			struct bh_gap_scan_params sp = { .on_done = again_scan_done, .ctx = &a };
			if (from_scan)
				assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
			else
				assert_int_equal(bh_gap_connect(f.gap, &peer, NULL, 0,
								again_connect_cb, &a), BH_OK);
			fake_pump(&f);
			size_t from = f.n;
			bh_gap_reset(f.gap, BH_ERESET);
			assert_int_equal(a.calls, 1);
			assert_int_equal(a.adv_rc, BH_EBUSY);
			assert_int_equal(a.scan_rc, BH_EBUSY);
			assert_int_equal(a.conn_rc, BH_EBUSY);
			assert_int_equal(a.set_rc, ext ? BH_EBUSY : 0);
			fake_pump(&f);
			assert_int_equal(f.n, from);
			assert_false(bh_gap_advertising(f.gap));
			assert_false(bh_gap_scanning(f.gap));
			/* Once the reset is over, starts go ahead. */
			struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_NONCONN };
			assert_int_equal(bh_gap_adv_start(f.gap, &ap, NULL, NULL), BH_OK);
			fake_pump(&f);
			assert_true(bh_gap_advertising(f.gap));
			bh_gap_free(f.gap);
		}
	}
}

/* What a reset's callbacks do from inside it: reset again, or free GAP,
 * then try a start; and what each of them heard. */
struct nest {
	struct fake *f;
	bool free_it;      /* bh_gap_free, else bh_gap_reset(BH_EIO) */
	size_t conn_calls, scan_calls;
	bh_status conn_st, scan_st;
	int adv_rc;
};

static void nest_connect_cb(void *ctx, bh_status st, const struct bh_gap_conn *c)
{
	(void)c;
	struct nest *n = ctx;
	n->conn_calls++;
	n->conn_st = st;
	if (n->free_it) {
		bh_gap_free(n->f->gap);
		return;
	}
	bh_gap_reset(n->f->gap, BH_EIO);
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_NONCONN };
	n->adv_rc = bh_gap_adv_start(n->f->gap, &ap, NULL, NULL);
}

static void nest_scan_done(void *ctx, bh_status st)
{
	struct nest *n = ctx;
	n->scan_calls++;
	n->scan_st = st;
}

/* A scan running and a connection attempt out, their callbacks in n. */
static void nest_setup(struct fake *f, int ext, struct nest *n)
{
	fake_init(f, ext);
	fake_gap(f, NULL);
	n->f = f;
	struct bh_gap_scan_params sp = { .on_done = nest_scan_done, .ctx = n };
	assert_int_equal(bh_gap_scan_start(f->gap, &sp), BH_OK);
	fake_pump(f);
	assert_int_equal(bh_gap_connect(f->gap, &peer, NULL, 0, nest_connect_cb, n), BH_OK);
	fake_pump(f);
}

/* Proves that bh_gap_reset called from one of its own callbacks (a
 * connection attempt's answer) returns at once and leaves the reset
 * under way in charge: a start made after it in that callback is still
 * refused with nothing sent, and the scan ended later hears the first
 * reset's reason, once (the old code ran the inner reset through and
 * cleared `resetting`, so that start went out and the outer reset then
 * ended it: GAP idle while the controller advertised). */
static void test_reset_from_reset(void **state)
{
	(void)state;
	static struct fake f;
	for (int ext = 0; ext < 1 + bh_gap_extended_built(); ext++) {
		struct nest n = { 0 };
		nest_setup(&f, ext, &n);
		size_t from = f.n;
		bh_gap_reset(f.gap, BH_ERESET);
		assert_int_equal(n.conn_calls, 1);
		assert_int_equal(n.conn_st, BH_ERESET);
		assert_int_equal(n.adv_rc, BH_EBUSY);
		assert_int_equal(n.scan_calls, 1);
		assert_int_equal(n.scan_st, BH_ERESET);
		fake_pump(&f);
		assert_int_equal(f.n, from);
		assert_false(bh_gap_advertising(f.gap));
		assert_false(bh_gap_scanning(f.gap));
		/* The reset is over: starts go ahead. */
		struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_NONCONN };
		assert_int_equal(bh_gap_adv_start(f.gap, &ap, NULL, NULL), BH_OK);
		fake_pump(&f);
		assert_true(bh_gap_advertising(f.gap));
		bh_gap_free(f.gap);
	}
}

/* Proves that bh_gap_free called from a callback of bh_gap_reset, or of
 * bh_gap_free itself, frees GAP only when that reset is done: the rest of
 * the reset still runs (the scan hears BH_ERESET, once) and nothing is
 * used after it is freed or freed twice (the old code freed at once and
 * the reset went on in freed memory; the second case freed it twice).
 * Seen under ASan and valgrind, and by meson's MALLOC_PERTURB_. */
static void test_free_from_reset(void **state)
{
	(void)state;
	static struct fake f;
	for (int ext = 0; ext < 1 + bh_gap_extended_built(); ext++) {
		for (int by_free = 0; by_free < 2; by_free++) {
			struct nest n = { .free_it = true };
			nest_setup(&f, ext, &n);
			size_t from = f.n;
			if (by_free)
				bh_gap_free(f.gap);
			else
				bh_gap_reset(f.gap, BH_ERESET);
			f.gap = NULL; /* freed */
			assert_int_equal(n.conn_calls, 1);
			assert_int_equal(n.conn_st, BH_ERESET);
			assert_int_equal(n.scan_calls, 1);
			assert_int_equal(n.scan_st, BH_ERESET);
			assert_int_equal(f.n, from);
		}
	}
}

/* A scan's on_done: counted, and (once) a new scan started from it. */
struct scan_rec {
	struct fake *f;
	size_t done_n;
	bh_status done;
	bool again;
	int again_rc;
};

static void scan_rec_done(void *ctx, bh_status st)
{
	struct scan_rec *r = ctx;
	r->done_n++;
	r->done = st;
	if (r->again) {
		r->again = false;
		struct bh_gap_scan_params sp = { .on_done = scan_rec_done, .ctx = r };
		r->again_rc = bh_gap_scan_start(r->f->gap, &sp);
	}
}

/* Proves that a scan stopped while GAP's command queue is full (its
 * parameters or its enable out, or running) is not ended until the
 * controller has its disable: the disable is owed, sent a second later
 * once there is room, after the scan's enable; only its answer ends the
 * scan, and a scan started again from on_done then runs on its own
 * commands (the old code ended the scan at once and sent no disable, so
 * GAP said idle while the controller scanned, its enable still going
 * out). */
static void test_scan_stop_queue_full(void **state)
{
	(void)state;
	static struct fake f;
	for (int ext = 0; ext < 1 + bh_gap_extended_built(); ext++) {
		for (int at = 0; at < 3; at++) {
			fake_init(&f, ext);
			struct bh_gap_config cfg;
			bh_gap_config_default(&cfg);
			cfg.max_connections = 64;
			cfg.read_remote_features = false;
			fake_gap(&f, &cfg);
			for (uint16_t h = 1; h <= 60; h++)
				fake_conn_complete(&f, 0, h, 0, NULL);
			uint16_t en = ext ? BH_HCI_LE_SET_EXT_SCAN_ENABLE : BH_HCI_LE_SET_SCAN_ENABLE;
			struct scan_rec r = { .f = &f, .again = true };
			struct bh_gap_scan_params sp = { .on_done = scan_rec_done, .ctx = &r };
			assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
			if (at == 1)
				pump_until(&f, en); /* the enable out */
			else if (at == 2)
				fake_pump(&f); /* on */
			uint16_t h = 1;
			while (bh_gap_disconnect(f.gap, h, 0x13) == BH_OK)
				h++;
			assert_true(h > 40);
			assert_int_equal(bh_gap_scan_stop(f.gap), BH_OK);
			assert_true(bh_gap_scanning(f.gap));
			assert_int_equal(r.done_n, 0);
			/* The queue drains: the scan's own commands and every
			 * disconnect, and no disable yet. */
			fake_pump(&f);
			assert_int_equal(fake_count(&f, BH_HCI_DISCONNECT), h - 1);
			assert_int_equal(fake_count(&f, en), 1);
			assert_true(bh_gap_scanning(f.gap));
			assert_int_equal(r.done_n, 0);
			assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 1000);
			f.now += 1000;
			bh_gap_on_timeout(f.gap);
			/* The disable, after every enable the scan sent. */
			assert_int_equal(f.cmds[f.n - 1].op, en);
			assert_int_equal(f.cmds[f.n - 1].p[0], 0);
			assert_int_equal(fake_count(&f, en), 2);
			assert_int_equal(r.done_n, 0);
			fake_pump(&f);
			assert_int_equal(r.done_n, 1);
			assert_int_equal(r.done, BH_OK);
			assert_int_equal(r.again_rc, BH_OK);
			/* The new scan is on only once its own enable is answered. */
			assert_true(bh_gap_scanning(f.gap));
			assert_int_equal(fake_count(&f, en), 3);
			assert_int_equal(bh_gap_scan_stop(f.gap), BH_OK);
			fake_pump(&f);
			assert_int_equal(r.done_n, 2);
			assert_false(bh_gap_scanning(f.gap));
			bh_gap_free(f.gap);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_from_on_stopped),
		cmocka_unit_test(test_restart_from_start_answer),
		cmocka_unit_test(test_set_restart),
		cmocka_unit_test(test_start_during_reset),
		cmocka_unit_test(test_reset_from_reset),
		cmocka_unit_test(test_free_from_reset),
		cmocka_unit_test(test_scan_stop_queue_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
