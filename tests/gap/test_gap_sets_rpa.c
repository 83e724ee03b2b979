/* Advertising sets across RPA/NRPA rotations, on the fake HCI port: a set
 * whose address came from GAP gets a fresh one at each rotation (disable,
 * LE Set Advertising Set Random Address, enable: Vol 4, Part E, 7.8.52 and
 * 7.8.56), one of its own per set, resolvable with the local IRK
 * (bh_rpa_resolve, the code that resolves peers' RPAs); a set given its own
 * address is left alone; a set stopped or ended mid-rotation leaves nothing
 * queued; a refused step leaves the set in the state the header names.
 * GAP's own address cannot change under a set that took it from GAP. A
 * connection reported late, in each order a controller can give it against
 * a re-addressing's or a stop's commands, leaves the host and the
 * controller agreeing that the set is off ("race_*"), and a link reported
 * after the host ended the run is still the set's, from that run's
 * address. */
#include "fake_hci.h"

#include <blehost/privacy.h>

static const uint8_t irk[16] = { 0x3a, 0x1f, 0x77, 0x02, 0xc4, 0x5e, 0x90, 0x11,
				 0x6b, 0xd2, 0x48, 0xaa, 0x0c, 0xe3, 0x5f, 0x81 };

/* The host's RPA: ah() of the local IRK (Vol 6, Part B, 1.3.2.2). */
static int irk_make_rpa(void *ctx, bh_addr *out)
{
	struct fake *f = ctx;
	f->n_make_rpa++;
	return bh_rpa_generate(&f->env, irk, out);
}

/* A GAP whose own address is an RPA (or NRPA) made from irk, rotated every
 * 60 s, on a controller with extended advertising. */
static void rpa_gap(struct fake *f, enum bh_gap_own_addr kind)
{
	fake_init(f, true);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.own_addr = kind;
	cfg.rpa_timeout_ms = 60000;
	cfg.read_remote_features = false; /* only the commands under test */
	fake_gap_rpa_maker(f, &cfg, irk_make_rpa);
}

static uint8_t start_set(struct fake *f, struct fake_srec *r, enum bh_gap_adv_kind k,
			 const bh_addr *own, unsigned timeout_ms)
{
	struct bh_gap_adv_set_params p = { .adv = { .kind = k, .on_stopped = fake_set_stopped,
						    .ctx = r, .timeout_ms = timeout_ms } };
	if (own)
		p.addr = *own;
	uint8_t h = 0;
	assert_int_equal(bh_gap_adv_set_start(f->gap, &p, &h, fake_set_cb, r), BH_OK);
	fake_pump(f);
	assert_int_equal(r->cb_n, 1);
	assert_int_equal(r->cb, BH_OK);
	return h;
}

/* An RPA GAP with a connectable set (Duration timeout_ms) and a
 * non-connectable one, both addressed by GAP; the first one's address. */
static bh_addr two_sets(struct fake *f, struct fake_srec r[2], uint8_t h[2], unsigned timeout_ms)
{
	rpa_gap(f, BH_GAP_OWN_RPA);
	h[0] = start_set(f, &r[0], BH_GAP_ADV_CONN, NULL, timeout_ms);
	h[1] = start_set(f, &r[1], BH_GAP_ADV_NONCONN, NULL, 0);
	return bh_gap_adv_set_address(f->gap, h[0]);
}

static void rotate(struct fake *f, bh_time_ms after)
{
	f->now += after;
	assert_true(bh_gap_next_deadline(f->gap) <= f->now);
	bh_gap_on_timeout(f->gap);
}

/* A rotation with every command answered; returns where its commands begin. */
static size_t rotated(struct fake *f, bh_time_ms after)
{
	size_t from = f->n;
	rotate(f, after);
	fake_pump(f);
	return from;
}

/* Answers the next unanswered command with status (0 = success). */
static void answer(struct fake *f, uint8_t status)
{
	assert_true(f->next_done < f->n);
	struct fake_cmd *c = &f->cmds[f->next_done++];
	uint8_t ret[1] = { status };
	c->cb(c->ctx, status ? BH_HCI_STATUS(status) : BH_OK, ret, 1);
}

static void expect_readdress(const struct fake *f, size_t from, uint8_t h, bh_addr *out)
{
	const uint16_t ops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR,
				 BH_HCI_LE_SET_EXT_ADV_ENABLE };
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(f->cmds[from + k].op, ops[k]);
	const uint8_t off[6] = { 0x00, 0x01, h, 0, 0, 0 };
	fake_expect_params(&f->cmds[from], off, 6);
	assert_int_equal(f->cmds[from + 1].len, 7);
	assert_int_equal(f->cmds[from + 1].p[0], h);
	out->type = BH_ADDR_RANDOM;
	memcpy(out->val, f->cmds[from + 1].p + 1, 6);
	assert_int_equal(f->cmds[from + 2].p[0], 0x01);
	assert_int_equal(f->cmds[from + 2].p[1], 0x01);
	assert_int_equal(f->cmds[from + 2].p[2], h);
}

/* Proves the gap this file closes: a set running across a rotation is
 * disabled, gets a new RPA that the local IRK resolves, is enabled again,
 * and reports the new address; and it keeps rotating (the deadline comes
 * back) though nothing else uses GAP's address. */
static void test_set_gets_new_rpa(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r = { 0 };
	uint8_t h = start_set(&f, &r, BH_GAP_ADV_NONCONN, NULL, 0);
	bh_addr a0 = bh_gap_adv_set_address(f.gap, h);
	assert_true(bh_rpa_resolve(irk, &a0));

	size_t from = rotated(&f, 60000);
	assert_int_equal(f.n - from, 3);
	bh_addr a1;
	expect_readdress(&f, from, h, &a1);
	assert_memory_not_equal(a1.val, a0.val, 6);
	assert_true(bh_rpa_resolve(irk, &a1));
	bh_addr now = bh_gap_adv_set_address(f.gap, h);
	assert_memory_equal(now.val, a1.val, 6);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	assert_int_equal(r.stop_n, 0);
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 60000);

	from = rotated(&f, 60000);
	bh_addr a2;
	expect_readdress(&f, from, h, &a2);
	assert_memory_not_equal(a2.val, a1.val, 6);
	assert_true(bh_rpa_resolve(irk, &a2));
	bh_gap_free(f.gap);
}

/* Proves that a scan started between rotations, which makes GAP a fresh
 * address of its own, does not push back the running set's next rotation
 * (the earlier deadline stays). */
static void test_scan_keeps_set_deadline(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r = { 0 };
	start_set(&f, &r, BH_GAP_ADV_NONCONN, NULL, 0);
	rotated(&f, 60000);
	bh_time_ms due = f.now + 60000;
	f.now += 30000;
	struct bh_gap_scan_params sp = { 0 };
	assert_int_equal(bh_gap_scan_start(f.gap, &sp), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_next_deadline(f.gap), due);
	bh_gap_free(f.gap);
}

/* Proves the choice written in gap.h: two sets get one fresh address each,
 * distinct from each other and from the shared one they started with; a
 * connectable set with a Duration is enabled again with what is left of it
 * (100 s started, 60 s gone: 4000 units of 10 ms). NRPAs, the other
 * rotating kind, rotate the same way. */
static void test_two_sets_distinct(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r[2] = { 0 };
	uint8_t h[2];
	bh_addr old = two_sets(&f, r, h, 100000);
	uint8_t h1 = h[0], h2 = h[1];

	size_t from = rotated(&f, 60000);
	assert_int_equal(f.n - from, 6);
	bh_addr a1, a2;
	expect_readdress(&f, from, h1, &a1);
	expect_readdress(&f, from + 3, h2, &a2);
	assert_int_equal(bh_get16(f.cmds[from + 2].p + 3), 4000);
	assert_int_equal(bh_get16(f.cmds[from + 5].p + 3), 0);
	assert_memory_not_equal(a1.val, a2.val, 6);
	assert_memory_not_equal(a1.val, old.val, 6);
	assert_memory_not_equal(a2.val, old.val, 6);
	assert_true(bh_rpa_resolve(irk, &a1));
	assert_true(bh_rpa_resolve(irk, &a2));
	bh_gap_free(f.gap);

	rpa_gap(&f, BH_GAP_OWN_NRPA);
	struct fake_srec rn = { 0 };
	uint8_t hn = start_set(&f, &rn, BH_GAP_ADV_NONCONN, NULL, 0);
	bh_addr n0 = bh_gap_adv_set_address(f.gap, hn);
	from = rotated(&f, 60000);
	bh_addr n1;
	expect_readdress(&f, from, hn, &n1);
	assert_int_equal(n1.val[5] & 0xc0, 0x00);
	assert_memory_not_equal(n1.val, n0.val, 6);
	bh_gap_free(f.gap);
}

/* Proves the periodic rule in gap.h: a set with periodic advertising is
 * re-addressed with the same three commands and its periodic advertising
 * is neither disabled nor enabled again (its synchronised receivers keep
 * the train). */
static void test_periodic_stays_on(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r = { 0 };
	static const uint8_t pd[3] = { 2, 0x01, 0x06 };
	struct bh_gap_periodic_params per = { .data = pd, .data_len = 3 };
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_NONCONN },
					   .periodic = &per };
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.cb, BH_OK);
	size_t per_enables = fake_count(&f, BH_HCI_LE_SET_PERIODIC_ADV_ENABLE);
	size_t from = rotated(&f, 60000);
	assert_int_equal(f.n - from, 3);
	bh_addr a;
	expect_readdress(&f, from, h, &a);
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_PERIODIC_ADV_ENABLE), per_enables);
	bh_gap_free(f.gap);
}

/* Proves that a set run as legacy advertising (a controller without
 * extended advertising: handle 0, which gap.c rotates) reports the address
 * it advertises from after a rotation, not the one it started with. */
static void test_legacy_set_reports_new_address(void **state)
{
	(void)state;
	static struct fake f;
	fake_gap_rpa(&f, false);
	struct fake_srec r = { 0 };
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_NONCONN } };
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	bh_addr a0 = bh_gap_adv_set_address(f.gap, h);
	rotated(&f, 60000);
	const struct fake_cmd *w = fake_last(&f, BH_HCI_LE_SET_RANDOM_ADDRESS);
	assert_non_null(w);
	assert_memory_not_equal(w->p, a0.val, 6);
	bh_addr a1 = bh_gap_adv_set_address(f.gap, h);
	assert_memory_equal(a1.val, w->p, 6);
	bh_gap_free(f.gap);
}

/* Proves that a set given its own static address is left alone: the
 * rotation sends nothing for its handle, only for the set beside it whose
 * address came from GAP. */
static void test_own_static_left_alone(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r[2] = { 0 };
	bh_addr st = { BH_ADDR_RANDOM, { 0x10, 0x22, 0x33, 0x44, 0x55, 0xc6 } };
	uint8_t hs = start_set(&f, &r[0], BH_GAP_ADV_NONCONN, &st, 0);
	uint8_t hg = start_set(&f, &r[1], BH_GAP_ADV_NONCONN, NULL, 0);
	size_t from = rotated(&f, 60000);
	assert_int_equal(f.n - from, 3);
	bh_addr a;
	expect_readdress(&f, from, hg, &a);
	bh_addr kept = bh_gap_adv_set_address(f.gap, hs);
	assert_memory_equal(kept.val, st.val, 6);
	assert_true(bh_gap_adv_set_active(f.gap, hs));
	bh_gap_free(f.gap);
}

/* Proves that a rotation due while a set is still starting (it took the
 * address being replaced) waits a second instead of leaving the set with
 * that address for a whole period, then re-addresses it. */
static void test_starting_set_postpones(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r = { 0 };
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_NONCONN } };
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	bh_addr a0 = bh_gap_adv_set_address(f.gap, h);
	size_t from = f.n;
	rotate(&f, 60000);
	assert_int_equal(f.n, from);
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 1000);
	fake_pump(&f);
	assert_int_equal(r.cb, BH_OK);
	from = rotated(&f, 1000);
	bh_addr a1;
	expect_readdress(&f, from, h, &a1);
	assert_memory_not_equal(a1.val, a0.val, 6);
	bh_gap_free(f.gap);
}

/* Proves that stopping a set while its rotation is queued (the disable in
 * flight, address and enable queued) drops the rest: no address written,
 * no enable, the stop's own disable and remove, no on_stopped; and that
 * nothing is left behind: the next rotation finds nothing on air. */
static void test_stop_mid_rotation(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r = { 0 };
	uint8_t h = start_set(&f, &r, BH_GAP_ADV_NONCONN, NULL, 0);
	size_t from = f.n;
	rotate(&f, 60000);
	assert_int_equal(f.n - from, 1); /* the disable, in flight */
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_SET_EXT_ADV_ENABLE,
				 BH_HCI_LE_REMOVE_ADV_SET };
	fake_expect_ops(&f, from, ops, 3);
	assert_int_equal(f.cmds[from + 1].p[0], 0x00);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	assert_int_equal(r.stop_n, 0);
	from = rotated(&f, 60000);
	assert_int_equal(f.n, from);
	assert_int_equal(bh_gap_next_deadline(f.gap), BH_NEVER);
	bh_gap_free(f.gap);
}

/* Proves that a set ended by the controller mid-rotation (a central
 * connected: Advertising Set Terminated while the disable is in flight)
 * drops its queued address and enable, reports on_stopped once, and the
 * link's local address is the one the set advertised from. A set whose
 * rotation is queued behind it still rotates. */
static void test_terminated_mid_rotation(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r[2] = { 0 };
	uint8_t h[2];
	bh_addr old = two_sets(&f, r, h, 0);
	uint8_t h1 = h[0], h2 = h[1];
	size_t from = f.n;
	rotate(&f, 60000);
	bh_addr peer = { 0, { 1, 2, 3, 4, 5, 6 } };
	fake_conn_complete(&f, 0, 0x0042, 1, &peer);
	uint8_t e[5] = { 0x00, h1, 0x42, 0x00, 0 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, e, 5);
	fake_pump(&f);
	assert_int_equal(r[0].stop_n, 1);
	assert_int_equal(r[0].stop, BH_OK);
	assert_false(bh_gap_adv_set_active(f.gap, h1));
	const struct bh_gap_conn *c = bh_gap_conn_get(f.gap, 0x0042);
	assert_non_null(c);
	assert_memory_equal(c->local.val, old.val, 6);
	/* h1's disable (already sent), then h2's whole sequence. */
	assert_int_equal(f.n - from, 4);
	bh_addr a2;
	expect_readdress(&f, from + 1, h2, &a2);
	assert_int_equal(r[1].stop_n, 0);
	bh_gap_free(f.gap);
}

/* Proves the failure rules written in gap.h. A refused disable: the set
 * still runs with its old address, nothing more is sent for it, and the
 * rotation is tried again within a second. A refused address write: the
 * set is enabled again with its old address, and the retry then gives it
 * a new one. A refused enable: the set is off the air and says so through
 * on_stopped with the controller's status. */
static void test_refused_steps(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r = { 0 };
	uint8_t h = start_set(&f, &r, BH_GAP_ADV_NONCONN, NULL, 0);
	bh_addr a0 = bh_gap_adv_set_address(f.gap, h);

	size_t from = f.n;
	rotate(&f, 60000);
	answer(&f, 0x0c); /* the disable: Command Disallowed */
	fake_pump(&f);
	assert_int_equal(f.n - from, 1);
	bh_addr a = bh_gap_adv_set_address(f.gap, h);
	assert_memory_equal(a.val, a0.val, 6);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	assert_int_equal(r.stop_n, 0);
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 1000);

	from = f.n;
	f.fail_op = BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR;
	f.fail_status = 0x12;
	rotated(&f, 1000);
	assert_int_equal(f.n - from, 3);
	a = bh_gap_adv_set_address(f.gap, h);
	assert_memory_equal(a.val, a0.val, 6);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	assert_int_equal(r.stop_n, 0);
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 1000);

	f.fail_op = 0;
	from = rotated(&f, 1000);
	bh_addr a1;
	expect_readdress(&f, from, h, &a1);
	a = bh_gap_adv_set_address(f.gap, h);
	assert_memory_equal(a.val, a1.val, 6);
	assert_memory_not_equal(a1.val, a0.val, 6);
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 60000);

	from = f.n;
	rotate(&f, 60000);
	answer(&f, 0); /* disable */
	answer(&f, 0); /* address */
	answer(&f, 0x0c); /* enable */
	assert_int_equal(f.n - from, 3);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_HCI_STATUS(0x0c));
	assert_false(bh_gap_adv_set_active(f.gap, h));
	bh_gap_free(f.gap);
}

/* Proves the retries are bounded: a controller that refuses every time
 * gets three tries a second apart, then the set waits for the next
 * rotation. */
static void test_retries_bounded(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r = { 0 };
	start_set(&f, &r, BH_GAP_ADV_NONCONN, NULL, 0);
	f.fail_op = BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR;
	f.fail_status = 0x0c;
	rotated(&f, 60000);
	rotated(&f, 1000);
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 1000);
	rotated(&f, 1000);
	assert_int_equal(bh_gap_next_deadline(f.gap), f.now + 60000);
	assert_int_equal(fake_count(&f, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR), 4);
	assert_int_equal(r.stop_n, 0);
	bh_gap_free(f.gap);
}

/* Proves the rule written in gap.h for bh_gap_set_own_address: while a set
 * whose address came from GAP is running or starting, a change of GAP's own
 * address (public, static, NRPA, even a fresh RPA) is refused with nothing
 * sent, and the set keeps rotating its RPA rather than keeping the last one;
 * a set given its own address does not hold the change up, and once the
 * GAP-addressed set is stopped the change goes through. Started on a public
 * GAP address, a set likewise blocks turning privacy on (it would go on
 * advertising the identity). */
static void test_own_address_change_refused(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r[2] = { 0 };
	bh_addr st = { BH_ADDR_RANDOM, { 0x10, 0x22, 0x33, 0x44, 0x55, 0xc6 } };
	uint8_t hs = start_set(&f, &r[0], BH_GAP_ADV_NONCONN, &st, 0);
	uint8_t h = start_set(&f, &r[1], BH_GAP_ADV_NONCONN, NULL, 0);
	size_t from = f.n;
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_PUBLIC, NULL, NULL, NULL),
			 BH_ESTATE);
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_STATIC, &st, NULL, NULL),
			 BH_ESTATE);
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_NRPA, NULL, NULL, NULL),
			 BH_ESTATE);
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_RPA, NULL, NULL, NULL),
			 BH_ESTATE);
	assert_int_equal(f.n, from);
	bh_addr a0 = bh_gap_adv_set_address(f.gap, h);
	from = rotated(&f, 60000);
	assert_int_equal(f.n - from, 3);
	bh_addr a1;
	expect_readdress(&f, from, h, &a1);
	assert_memory_not_equal(a1.val, a0.val, 6);
	assert_true(bh_rpa_resolve(irk, &a1));

	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	fake_pump(&f);
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_PUBLIC, NULL, NULL, NULL), BH_OK);
	assert_true(bh_gap_adv_set_active(f.gap, hs));
	bh_gap_free(f.gap);

	fake_init(&f, true);
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.read_remote_features = false;
	fake_gap_rpa_maker(&f, &cfg, irk_make_rpa);
	struct fake_srec rp = { 0 };
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_NONCONN } };
	uint8_t hp;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &hp, fake_set_cb, &rp), BH_OK);
	/* still starting: its public address is already in its parameters */
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_RPA, NULL, NULL, NULL),
			 BH_ESTATE);
	fake_pump(&f);
	assert_int_equal(rp.cb, BH_OK);
	assert_int_equal(bh_gap_set_own_address(f.gap, BH_GAP_OWN_RPA, NULL, NULL, NULL),
			 BH_ESTATE);
	assert_int_equal(bh_gap_adv_set_address(f.gap, hp).type, BH_ADDR_PUBLIC);
	assert_int_equal(bh_gap_next_deadline(f.gap), BH_NEVER);
	bh_gap_free(f.gap);
}

/* ---- a connection racing a re-addressing or a stop ----
 *
 * The controller reports a connection (Connection Complete, then Advertising
 * Set Terminated) when it was made, which can be after it answered commands
 * the host sent later. A connection that took the set just before the
 * re-addressing's disable can therefore be reported with the disable in
 * flight (test_terminated_mid_rotation), with the address write in flight,
 * with the enable in flight, after the enable was answered, or after the
 * enable was refused; and just before a stop's disable, after it. */

static const bh_addr race_peer = { 0, { 1, 2, 3, 4, 5, 6 } };

/* An RPA GAP with one connectable set; its handle, and its address in *a. */
static uint8_t conn_set(struct fake *f, struct fake_srec *r, bh_addr *a)
{
	rpa_gap(f, BH_GAP_OWN_RPA);
	uint8_t h = start_set(f, r, BH_GAP_ADV_CONN, NULL, 0);
	*a = bh_gap_adv_set_address(f->gap, h);
	return h;
}

/* LE Connection Complete (peripheral, link 0x0042) and LE Advertising Set
 * Terminated for set h, status (0: that connection took it). */
static void taken(struct fake *f, uint8_t h, uint8_t status)
{
	if (!status)
		fake_conn_complete(f, 0, 0x0042, 1, &race_peer);
	uint8_t e[5] = { status, h, status ? 0 : 0x42, 0x00, 0 };
	fake_meta(f, BH_LE_ADV_SET_TERMINATED, e, 5);
}

/* Asserts commands [at] is the disable of set h alone. */
static void expect_disable(const struct fake *f, size_t at, uint8_t h)
{
	assert_int_equal(f->cmds[at].op, BH_HCI_LE_SET_EXT_ADV_ENABLE);
	const uint8_t off[6] = { 0x00, 0x01, h, 0, 0, 0 };
	fake_expect_params(&f->cmds[at], off, 6);
}

/* The link 0x0042 came from set h, from address a. */
static void expect_link(const struct fake *f, uint8_t h, const bh_addr *a)
{
	const struct bh_gap_conn *c = bh_gap_conn_get(f->gap, 0x0042);
	assert_non_null(c);
	assert_int_equal(c->local.type, BH_ADDR_RANDOM);
	assert_memory_equal(c->local.val, a->val, 6);
	assert_int_equal(bh_gap_conn_adv_handle(f->gap, 0x0042), h);
}

/* Proves the order "disable answered, the connection reported while the
 * address write is out": the queued enable is dropped (the controller
 * stays off, as the host says), no more commands, on_stopped once with
 * BH_OK, and the link's local address is the one the set had before. */
static void test_race_taken_during_address(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r = { 0 };
	bh_addr old;
	uint8_t h = conn_set(&f, &r, &old);
	size_t from = f.n;
	rotate(&f, 60000);
	answer(&f, 0); /* the disable */
	taken(&f, h, 0);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR };
	fake_expect_ops(&f, from, ops, 2);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	expect_link(&f, h, &old);
	bh_gap_free(f.gap);
}

/* Proves the order "disable and address answered, the connection reported
 * while the enable is out": the controller obeys that enable after the
 * connection took the set, so it would advertise again while the host says
 * the set ended; the host disables it once more. The link's local address
 * is the old one (the connection predates the disable), both from an
 * Enhanced Connection Complete v2 naming the set and after the Terminated.
 * The same holds for a Duration that ran out (Limit Reached, 0x43), which
 * ends the set with BH_ETIMEDOUT. */
static void test_race_taken_during_enable(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r = { 0 };
	bh_addr old;
	uint8_t h = conn_set(&f, &r, &old);
	size_t from = f.n;
	rotate(&f, 60000);
	answer(&f, 0); /* the disable */
	answer(&f, 0); /* the address: the enable goes out */
	assert_int_equal(f.n - from, 3);
	uint8_t v2[31] = { 0, 0x42, 0x00, 1, 0 };
	memcpy(v2 + 5, race_peer.val, 6);
	bh_put16(v2 + 23, 40);
	bh_put16(v2 + 27, 400);
	v2[30] = h;
	fake_meta(&f, BH_LE_ENH_CONN_COMPLETE_V2, v2, 31);
	expect_link(&f, h, &old);
	uint8_t e[5] = { 0, h, 0x42, 0x00, 0 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, e, 5);
	fake_pump(&f);
	assert_int_equal(f.n - from, 4);
	expect_disable(&f, from + 3, h);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	expect_link(&f, h, &old);
	bh_gap_free(f.gap);

	r = (struct fake_srec){ 0 };
	h = conn_set(&f, &r, &old);
	from = f.n;
	rotate(&f, 60000);
	answer(&f, 0);
	answer(&f, 0);
	taken(&f, h, 0x43);
	fake_pump(&f);
	assert_int_equal(f.n - from, 4);
	expect_disable(&f, from + 3, h);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_ETIMEDOUT);
	bh_gap_free(f.gap);
}

/* On a restart from on_stopped, the handle's new run. */
static struct fake_srec race_again;
static uint8_t race_again_h;

static void restart_on_stop(void *ctx, bh_status st)
{
	struct fake *f = ctx;
	(void)st;
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_CONN,
						    .on_stopped = fake_set_stopped,
						    .ctx = &race_again } };
	assert_int_equal(bh_gap_adv_set_start(f->gap, &p, &race_again_h, fake_set_cb, &race_again),
			 BH_OK);
}

/* A new gap on f with an RPA and a connectable set on it (*h) that
 * restart_on_stop starts again when it stops. */
static void start_restarting(struct fake *f, uint8_t *h, struct fake_srec *r)
{
	rpa_gap(f, BH_GAP_OWN_RPA);
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_CONN,
						    .on_stopped = restart_on_stop, .ctx = f } };
	*r = (struct fake_srec){ 0 };
	assert_int_equal(bh_gap_adv_set_start(f->gap, &p, h, fake_set_cb, r), BH_OK);
	fake_pump(f);
}

/* Proves the order "the whole re-addressing answered, then the connection
 * reported": the host cannot tell a connection made on the re-enabled set
 * from one made before the disable (the controller then advertises again),
 * so after a set has been re-addressed every Terminated is followed by a
 * disable. A set never re-addressed gets none (its Terminated is all the
 * controller did). */
static void test_race_taken_after_enable(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r = { 0 };
	bh_addr old;
	uint8_t h = conn_set(&f, &r, &old);
	size_t from = f.n;
	taken(&f, h, 0);
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_int_equal(r.stop_n, 1);
	bh_gap_free(f.gap);

	r = (struct fake_srec){ 0 };
	h = conn_set(&f, &r, &old);
	rotated(&f, 60000);
	bh_addr a1 = bh_gap_adv_set_address(f.gap, h);
	from = f.n;
	taken(&f, h, 0);
	fake_pump(&f);
	assert_int_equal(f.n - from, 1);
	expect_disable(&f, from, h);
	assert_int_equal(r.stop_n, 1);
	assert_int_equal(r.stop, BH_OK);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	expect_link(&f, h, &a1);
	bh_gap_free(f.gap);

	/* Started again from on_stopped, on the same handle: the disable goes
	 * out before the new run's commands, not after its enable. */
	start_restarting(&f, &h, &r);
	memset(&race_again, 0, sizeof(race_again));
	rotated(&f, 60000);
	from = f.n;
	taken(&f, h, 0);
	assert_int_equal(race_again_h, h);
	fake_pump(&f);
	expect_disable(&f, from, h);
	assert_int_equal(f.cmds[f.n - 1].op, BH_HCI_LE_SET_EXT_ADV_ENABLE);
	assert_int_equal(f.cmds[f.n - 1].p[0], 0x01);
	assert_int_equal(race_again.cb, BH_OK);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	bh_gap_free(f.gap);
}

/* Proves the order "enable refused (Command Disallowed: the connection had
 * taken the set and the controller will not start it again), then the
 * connection reported", with the application starting a set again from
 * on_stopped, which takes the same handle: the set ends once, with the
 * controller's status; the late Terminated reaches the new run while it is
 * still starting, before its enable is out, and must not end it (the
 * controller would advertise the new run while the host says it ended);
 * the new run starts, and the link is reported. A Terminated once the new
 * run's enable is out does end it. */
static void test_race_refused_enable_then_taken(void **state)
{
	(void)state;
	static struct fake f;
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct bh_gap_adv_set_params p = { .adv = { .kind = BH_GAP_ADV_CONN,
						    .on_stopped = restart_on_stop, .ctx = &f } };
	struct fake_srec r = { 0 };
	uint8_t h;
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	assert_int_equal(r.cb, BH_OK);
	memset(&race_again, 0, sizeof(race_again));
	rotate(&f, 60000);
	answer(&f, 0);
	answer(&f, 0);
	answer(&f, 0x0c); /* the enable: Command Disallowed */
	assert_false(r.stop_n); /* on_stopped is restart_on_stop here */
	assert_int_equal(race_again_h, h);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	taken(&f, h, 0);
	assert_int_equal(race_again.stop_n, 0);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	assert_non_null(bh_gap_conn_get(f.gap, 0x0042));
	fake_pump(&f);
	assert_int_equal(race_again.cb_n, 1);
	assert_int_equal(race_again.cb, BH_OK);
	assert_int_equal(race_again.stop_n, 0);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	bh_gap_free(f.gap);

	/* The same, the late Terminated coming once the new run's enable was
	 * answered: it ends the new run, and one more disable follows. */
	rpa_gap(&f, BH_GAP_OWN_RPA);
	r = (struct fake_srec){ 0 };
	assert_int_equal(bh_gap_adv_set_start(f.gap, &p, &h, fake_set_cb, &r), BH_OK);
	fake_pump(&f);
	memset(&race_again, 0, sizeof(race_again));
	rotate(&f, 60000);
	answer(&f, 0);
	answer(&f, 0);
	answer(&f, 0x0c);
	fake_pump(&f);
	assert_int_equal(race_again.cb, BH_OK);
	size_t from = f.n;
	taken(&f, h, 0);
	fake_pump(&f);
	assert_int_equal(race_again.stop_n, 1);
	assert_int_equal(f.n - from, 1);
	expect_disable(&f, from, h);
	bh_gap_free(f.gap);

	/* A new run whose enable is out: a Terminated is its own. */
	rpa_gap(&f, BH_GAP_OWN_RPA);
	struct fake_srec r2 = { 0 };
	struct bh_gap_adv_set_params q = { .adv = { .kind = BH_GAP_ADV_CONN,
						    .on_stopped = fake_set_stopped, .ctx = &r2 } };
	assert_int_equal(bh_gap_adv_set_start(f.gap, &q, &h, fake_set_cb, &r2), BH_OK);
	while (f.cmds[f.n - 1].op != BH_HCI_LE_SET_EXT_ADV_ENABLE) {
		struct fake_cmd *c = &f.cmds[f.next_done++];
		uint8_t ret[2] = { 0, 4 }; /* LE Read Number of Supported Advertising Sets: 4 */
		c->cb(c->ctx, BH_OK, ret, c->op == BH_HCI_LE_READ_NUM_ADV_SETS ? 2 : 1);
	}
	assert_int_equal(r2.cb_n, 0);
	taken(&f, h, 0);
	assert_int_equal(r2.cb_n, 1);
	assert_int_equal(r2.cb, BH_OK);
	assert_int_equal(r2.stop_n, 1);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	bh_gap_free(f.gap);
}

/* Proves that a link reported after the host ended the set's run is still
 * the set's (bh_gap_conn_adv_handle), from the address the run had: after
 * a refused re-enable (the address before that re-addressing, though the
 * new one was written), whether the handle is idle or already starting
 * again, and after a stop whose commands were all answered. The old code
 * gave such a link no set (0xff) and the address GAP had then. */
static void test_race_late_link_attributed(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r = { 0 };
	bh_addr old;
	uint8_t h = conn_set(&f, &r, &old);
	rotate(&f, 60000);
	answer(&f, 0);
	answer(&f, 0);
	answer(&f, 0x0c); /* the enable: Command Disallowed */
	assert_int_equal(r.stop_n, 1);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	size_t from = f.n;
	taken(&f, h, 0);
	fake_pump(&f);
	assert_int_equal(f.n, from);
	expect_link(&f, h, &old);
	assert_int_equal(r.stop_n, 1);
	bh_gap_free(f.gap);

	/* Restarted from on_stopped: reported while the new run starts. */
	start_restarting(&f, &h, &r);
	old = bh_gap_adv_set_address(f.gap, h);
	memset(&race_again, 0, sizeof(race_again));
	rotate(&f, 60000);
	answer(&f, 0);
	answer(&f, 0);
	answer(&f, 0x0c);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	taken(&f, h, 0);
	expect_link(&f, h, &old);
	fake_pump(&f);
	assert_int_equal(race_again.stop_n, 0);
	assert_true(bh_gap_adv_set_active(f.gap, h));
	bh_gap_free(f.gap);

	/* A stop answered in full, then the link. */
	r = (struct fake_srec){ 0 };
	h = conn_set(&f, &r, &old);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	fake_pump(&f);
	taken(&f, h, 0);
	expect_link(&f, h, &old);
	assert_int_equal(r.stop_n, 0);
	bh_gap_free(f.gap);
}

/* Proves the stop path: a connection reported after the application asked
 * the set to stop (its disable out) gives no on_stopped (the caller asked)
 * and the commands stay the stop's disable and remove, but the link is
 * still the set's, from its address. Stopped while a re-addressing's enable
 * is out, the controller has that enable, the stop's disable and remove in
 * that order (off), and a connection reported then came from the address
 * before the re-addressing. */
static void test_race_taken_during_stop(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r = { 0 };
	bh_addr old;
	uint8_t h = conn_set(&f, &r, &old);
	size_t from = f.n;
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	taken(&f, h, 0);
	fake_pump(&f);
	const uint16_t stop_ops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_REMOVE_ADV_SET };
	fake_expect_ops(&f, from, stop_ops, 2);
	assert_int_equal(r.stop_n, 0);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	expect_link(&f, h, &old);
	bh_gap_free(f.gap);

	r = (struct fake_srec){ 0 };
	h = conn_set(&f, &r, &old);
	from = f.n;
	rotate(&f, 60000);
	answer(&f, 0);
	answer(&f, 0);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	taken(&f, h, 0);
	fake_pump(&f);
	const uint16_t ops[] = { BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR,
				 BH_HCI_LE_SET_EXT_ADV_ENABLE, BH_HCI_LE_SET_EXT_ADV_ENABLE,
				 BH_HCI_LE_REMOVE_ADV_SET };
	fake_expect_ops(&f, from, ops, 5);
	assert_int_equal(f.cmds[from + 2].p[0], 0x01);
	expect_disable(&f, from + 3, h);
	assert_int_equal(r.stop_n, 0);
	expect_link(&f, h, &old);
	bh_gap_free(f.gap);
}

/* Proves the stop path's other window: a connection that took the set just
 * before the stop's disable, reported only once the application has started
 * the handle again and that run's enable was answered. The host cannot tell
 * it from the new run's own Terminated; it ends the new run (on_stopped,
 * BH_OK) and disables the handle once more, so the controller is not left
 * advertising a run the host says ended. A Terminated that did come while
 * the set was stopping settles it: the next run's Terminated is then all
 * the controller did, with no extra disable. */
static void test_race_taken_after_stop_and_restart(void **state)
{
	(void)state;
	static struct fake f;
	struct fake_srec r = { 0 };
	bh_addr old;
	uint8_t h = conn_set(&f, &r, &old);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	fake_pump(&f);
	struct fake_srec r2 = { 0 };
	assert_int_equal(start_set(&f, &r2, BH_GAP_ADV_CONN, NULL, 0), h);
	size_t from = f.n;
	taken(&f, h, 0);
	fake_pump(&f);
	assert_int_equal(f.n - from, 1);
	expect_disable(&f, from, h);
	assert_int_equal(r2.stop_n, 1);
	assert_int_equal(r2.stop, BH_OK);
	assert_false(bh_gap_adv_set_active(f.gap, h));
	assert_int_equal(r.stop_n, 0);
	bh_gap_free(f.gap);

	r = (struct fake_srec){ 0 };
	h = conn_set(&f, &r, &old);
	assert_int_equal(bh_gap_adv_set_stop(f.gap, h), BH_OK);
	taken(&f, h, 0); /* while stopping */
	fake_pump(&f);
	r2 = (struct fake_srec){ 0 };
	assert_int_equal(start_set(&f, &r2, BH_GAP_ADV_CONN, NULL, 0), h);
	from = f.n;
	fake_conn_complete(&f, 0, 0x0043, 1, &race_peer);
	uint8_t e[5] = { 0, h, 0x43, 0x00, 0 };
	fake_meta(&f, BH_LE_ADV_SET_TERMINATED, e, 5);
	fake_pump(&f);
	assert_int_equal(f.n, from);
	assert_int_equal(r2.stop_n, 1);
	assert_int_equal(bh_gap_conn_adv_handle(f.gap, 0x0043), h);
	bh_gap_free(f.gap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_gets_new_rpa),
		cmocka_unit_test(test_scan_keeps_set_deadline),
		cmocka_unit_test(test_two_sets_distinct),
		cmocka_unit_test(test_periodic_stays_on),
		cmocka_unit_test(test_legacy_set_reports_new_address),
		cmocka_unit_test(test_own_static_left_alone),
		cmocka_unit_test(test_starting_set_postpones),
		cmocka_unit_test(test_stop_mid_rotation),
		cmocka_unit_test(test_terminated_mid_rotation),
		cmocka_unit_test(test_refused_steps),
		cmocka_unit_test(test_retries_bounded),
		cmocka_unit_test(test_own_address_change_refused),
		cmocka_unit_test(test_race_taken_during_address),
		cmocka_unit_test(test_race_taken_during_enable),
		cmocka_unit_test(test_race_taken_after_enable),
		cmocka_unit_test(test_race_refused_enable_then_taken),
		cmocka_unit_test(test_race_late_link_attributed),
		cmocka_unit_test(test_race_taken_during_stop),
		cmocka_unit_test(test_race_taken_after_stop_and_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
