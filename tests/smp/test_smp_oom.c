/* Pairing when memory runs out: in each association model, each
 * allocation the two SMP instances make during a pairing fails in turn
 * (tests/harness/fail_alloc.h), alone and with every later one. Each run:
 * no crash; each side ends the pairing exactly once, and at once: a side
 * out of memory says Pairing Failed rather than leave both to the 30 s
 * SMP timeout (Vol 3, Part H, 3.4); a side keeps a bond only if it ended
 * with success; once memory is back the same link pairs again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fail_alloc.h"
#include "smp_rig.h"

#include <stdio.h>
#include <string.h>

struct model {
	const char *name;
	enum bh_smp_agent a0, a1;
	enum bh_smp_sc_mode mode;
};

static const struct model models[] = {
	{ "SC just works", BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_SC_ONLY },
	{ "SC numeric comparison", BH_SMP_AGENT_DISPLAY_YES_NO, BH_SMP_AGENT_DISPLAY_YES_NO,
	  BH_SMP_SC_ONLY },
	{ "SC passkey", BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY, BH_SMP_SC_ONLY },
#ifndef TEST_NO_LEGACY
	{ "legacy just works", BH_SMP_AGENT_NO_INPUT_NO_OUTPUT, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	  BH_SMP_LEGACY_ONLY },
	{ "legacy passkey", BH_SMP_AGENT_KEYBOARD_ONLY, BH_SMP_AGENT_DISPLAY_ONLY,
	  BH_SMP_LEGACY_ONLY },
#endif
};

/* Runs the rig, then lets every SMP timer that is armed expire. Returns
 * how many timeouts that took. */
static int run_out(struct rig *r)
{
	int timeouts = 0;
	for (int round = 0; round < 4; round++) {
		rig_run(r, NULL);
		bh_time_ms d = bh_smp_next_deadline(r->s[0].smp);
		bh_time_ms d1 = bh_smp_next_deadline(r->s[1].smp);
		d = d1 < d ? d1 : d;
		if (d == BH_NEVER)
			return timeouts;
		r->now = d;
		for (int i = 0; i < 2; i++) {
			if (bh_smp_next_deadline(r->s[i].smp) <= r->now) {
				bh_smp_on_timeout(r->s[i].smp);
				timeouts++;
			}
		}
	}
	return timeouts;
}

/* One pairing with allocation k failing (alone: only it). Returns the
 * number of allocations that failed; 0 means the sweep is done. */
static unsigned one_run(const struct model *m, long k, bool alone)
{
	struct rig r;
	rig_init(&r, m->a0, m->a1);
	r.s[0].cfg.sc_mode = r.s[1].cfg.sc_mode = m->mode;
	rig_start(&r);
	failures = 0;
	fail_one = alone;
	fail_after = k;
	int rc = bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL);
	int timeouts = rc == BH_OK ? run_out(&r) : 0;
	fail_after = -1;
	fail_one = false;
	unsigned failed = failures;
	if (timeouts)
		fail_msg("%s, allocation %ld%s: the pairing ended only by its timeout", m->name, k,
			 alone ? " alone" : "");

	for (int i = 0; i < 2; i++) {
		struct side *s = &r.s[i];
		/* The initiator refused at once (rc) has nothing to end. */
		int want = i == 0 && rc != BH_OK ? 0 : 1;
		if (s->completes != want)
			fail_msg("%s, allocation %ld%s: side %d ended %d times (pair: %d)", m->name, k,
				 alone ? " alone" : "", i, s->completes, rc);
		if (s->saves && (s->completes != 1 || s->status != BH_OK))
			fail_msg("%s, allocation %ld: side %d kept a bond of a failed pairing",
				 m->name, k, i);
	}
	if (!failed) {
		for (int i = 0; i < 2; i++)
			if (r.s[i].status != BH_OK)
				fail_msg("%s: nothing failed, yet side %d ended with %d", m->name, i,
					 r.s[i].status);
	} else {
		/* Memory is back: the link pairs. */
		rig_reconnect(&r);
		for (int i = 0; i < 2; i++)
			r.s[i].completes = 0;
		assert_int_equal(bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL), BH_OK);
		run_out(&r);
		for (int i = 0; i < 2; i++)
			if (r.s[i].completes != 1 || r.s[i].status != BH_OK)
				fail_msg("%s, allocation %ld%s: after it, side %d paired %d times "
					 "with %d", m->name, k, alone ? " alone" : "", i,
					 r.s[i].completes, r.s[i].status);
	}
	rig_free(&r);
	return failed;
}

static void sweep(bool alone)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		long k = 0;
		while (one_run(&models[i], k, alone))
			k++;
		print_message("  %s: %ld allocations\n", models[i].name, k);
		/* A pairing allocates: a sweep that ended at once failed nothing. */
		assert_true(k > 0);
	}
}

static void pairing_fails_from_each(void **state)
{
	(void)state;
	sweep(false);
}

static void pairing_fails_each_once(void **state)
{
	(void)state;
	sweep(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pairing_fails_from_each),
		cmocka_unit_test(pairing_fails_each_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
