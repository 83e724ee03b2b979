/* -Dlog_level other than debug: the HCI layer's messages below the
 * compiled-in level never reach env->log, even with the runtime level at
 * debug, and those at or above it still do. Built only in such a build;
 * LOG_LEVEL_OPT is the meson option's value, so a level that did not make
 * it into the library's compile flags fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hci_fake.h"

#ifndef LOG_LEVEL_OPT
#error "LOG_LEVEL_OPT must name the -Dlog_level value"
#endif

struct seen {
	unsigned n;
	enum bh_log_level lvl[16];
	char msg[16][160];
};

static void capture(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct seen *s = ctx;
	assert_string_equal(layer, "hci");
	if (s->n < 16) {
		s->lvl[s->n] = lvl;
		snprintf(s->msg[s->n], sizeof(s->msg[0]), "%s", msg);
	}
	s->n++;
}

/* The least severe level the option keeps; -1 for none. */
static int option_min(void)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(LOG_LEVEL_OPT, names[i]))
			return i;
	assert_string_equal(LOG_LEVEL_OPT, "none");
	return -1;
}

/* Whether a message starting with prefix arrived since mark, at lvl. */
static bool arrived(const struct seen *s, unsigned mark, enum bh_log_level lvl, const char *prefix)
{
	for (unsigned i = mark; i < s->n && i < 16; i++)
		if (!strncmp(s->msg[i], prefix, strlen(prefix))) {
			assert_int_equal(s->lvl[i], lvl);
			return true;
		}
	return false;
}

static void test_levels_below_the_option_are_left_out(void **state)
{
	(void)state;
	int min = option_min();
	assert_true(min < BH_LOG_DEBUG); /* built only when something is left out */
	assert_int_equal(BH_LOG_MIN, min);

	struct seen s = { 0 };
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	fake_init_btvirt(f);
	f->env.log = capture;
	f->env.log_ctx = &s;
	f->env.log_level = BH_LOG_DEBUG; /* the runtime filter lets all through */
	fake_new_hci(f, NULL);
	/* WARN: a controller refusing an optional bring-up step. */
	fake_rule(f, BH_HCI_SET_EVENT_MASK, 0x12, false, false);

	/* INFO: the end of bring-up. */
	unsigned mark = s.n;
	fake_bring_up(f);
	assert_int_equal(f->ready_calls, 1);
	assert_int_equal(arrived(&s, mark, BH_LOG_WARN, "optional step"), min >= BH_LOG_WARN);
	assert_int_equal(arrived(&s, mark, BH_LOG_INFO, "ready: HCI"), min >= BH_LOG_INFO);

	/* DEBUG: a packet type the stack does not use. */
	mark = s.n;
	static const uint8_t sco[3] = { 0x01, 0x00, 0x00 };
	bh_hci_on_packet(f->hci, BH_H4_SCO, sco, sizeof(sco));
	assert_int_equal(arrived(&s, mark, BH_LOG_DEBUG, "ignored packet type"), false);

	/* INFO, not WARN: an event header cut short, a controller's oddity the
	 * layer drops and counts (bh_log_level's rule). */
	struct bh_hci_stats st0, st1;
	bh_hci_stats(f->hci, &st0);
	mark = s.n;
	static const uint8_t cut[1] = { BH_HCI_EVT_DISCONN_COMPLETE };
	bh_hci_on_packet(f->hci, BH_H4_EVT, cut, sizeof(cut));
	bh_hci_stats(f->hci, &st1);
	assert_int_equal(st1.events_dropped_short, st0.events_dropped_short + 1);
	assert_int_equal(arrived(&s, mark, BH_LOG_INFO, "truncated event"), min >= BH_LOG_INFO);

	/* ERROR: Hardware Error, which ends the layer (fatal). */
	mark = s.n;
	static const uint8_t hw[1] = { 0x42 };
	fake_event(f, BH_HCI_EVT_HARDWARE_ERROR, hw, sizeof(hw));
	assert_int_equal(f->fatal_calls, 1);
	assert_int_equal(arrived(&s, mark, BH_LOG_ERROR, "Hardware Error 0x42"), min >= BH_LOG_ERROR);

	/* Nothing below the option arrived at all. */
	for (unsigned i = 0; i < s.n && i < 16; i++)
		assert_true((int)s.lvl[i] <= min);
	if (min < 0)
		assert_int_equal(s.n, 0);
	fake_free(f);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_below_the_option_are_left_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
