/* Re-addressing running advertising sets when GAP rotates its RPA or NRPA
 * (Vol 3, Part C, 10.7.1.2 and Vol 6, Part B, 1.3.2.2: a new private
 * address every T_GAP(private_addr_int)). Without it a set that advertises
 * for hours keeps the address it started with and can be followed.
 *
 * Each set gets the sequence disable, LE Set Advertising Set Random Address,
 * enable, under its own procedure id (so stopping the set drops what is left
 * of it). The address is written while the set is disabled because 7.8.52
 * changed between versions: 5.0 and 5.1 answer Command Disallowed while "an
 * advertising set using connectable advertising is enabled"; later versions
 * narrow that to the set named by Advertising_Handle, and where the command
 * is allowed the new address need only take effect "no later than the next
 * successful LE Set Extended Advertising Enable". Disabled, written, enabled
 * works on every version and for every kind of set.
 *
 * Periodic advertising stays on: 7.8.52 applies the new address to it at the
 * next LE Set Periodic Advertising Enable, but its AUX_SYNC_IND PDUs carry
 * no AdvA (the set never asks for it), and scanners find the train through
 * the SyncInfo of the set's own AUX_ADV_IND, which the re-enable sends from
 * the new address. Disabling it would make every synchronised receiver lose
 * the train (7.8.61), which is worse than an address it never shows.
 *
 * A connection can take the set before the disable and be reported after
 * any of the three answers (gap_sets_on_terminated in gap_adv_sets.c):
 * prev keeps the address it was made from until the enable is answered,
 * and reenabled, set when the enable goes out, makes every later
 * Terminated send one more disable, since the controller may have obeyed
 * the enable after the connection took the set.
 */
#include "gap_internal.h"

#include <string.h>

#ifndef BH_GAP_NO_EXT

enum { R_OFF, R_ADDR, R_ON };

#define RARG(step, i) ((uintptr_t)(step) | ((uintptr_t)(i) << 8))
#define RETRY_MS 1000 /* a refused step is tried again this soon, */
#define RETRIES 3     /* this many times in a row, then at the next rotation */

static bool from_gap(const struct gap_adv_set *s)
{
	return !s->legacy && s->own_from_gap;
}

bool gap_sets_rotation_busy(const struct bh_gap *gap)
{
	/* A set still starting took the address being replaced and would keep
	 * it for a whole period; one being re-addressed is not done yet. */
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		const struct gap_adv_set *s = &gap->sets[i];
		if (from_gap(s) && (s->state == ADV_STARTING || s->readdr))
			return true;
	}
	return false;
}

unsigned gap_sets_to_readdress(const struct bh_gap *gap)
{
	unsigned n = 0;
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++)
		n += from_gap(&gap->sets[i]) && gap->sets[i].state == ADV_ON;
	return n;
}

/* The enable restarts Duration: what is left of it, 10 ms units, at least
 * one (so a set due to end now ends, with its Advertising Set Terminated). */
static uint16_t duration_left(struct bh_gap *gap, const struct gap_adv_set *s)
{
	if (!s->p.adv.timeout_ms)
		return 0;
	bh_time_ms now = bh_now(gap->env);
	bh_time_ms left = s->until > now ? s->until - now : 0;
	return left ? (uint16_t)((left + 9) / 10) : 1;
}

/* Tried again soon, a few times in a row; then at the next rotation. */
static void retry(struct bh_gap *gap, struct gap_adv_set *s)
{
	if (++s->readdr_fails < RETRIES) {
		bh_time_ms t = bh_now(gap->env) + RETRY_MS;
		if (t < gap->rpa_deadline)
			gap->rpa_deadline = t;
	}
}

static void readdr_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
			uintptr_t arg)
{
	(void)ret;
	(void)len;
	unsigned step = arg & 0xff, i = (unsigned)(arg >> 8);
	struct gap_adv_set *s = &gap->sets[i];
	/* Stopped, ended or reset meanwhile: those paths cleared readdr. */
	if (!s->readdr || s->state != ADV_ON)
		return;
	if (st)
		gap_log(gap, BH_LOG_WARN, "adv set %u: re-addressing step %u refused: %s", i + 1,
			step, bh_strerror(st));
	switch (step) {
	case R_OFF:
		if (st) {
			/* Still on air with its old address: nothing to write. */
			gap_cmd_drop(gap, PROC_SET(i));
			s->readdr = false;
			retry(gap, s);
		}
		return;
	case R_ADDR:
		/* The enable, queued right behind, goes out now. */
		s->reenabled = true;
		if (st) {
			retry(gap, s); /* the enable resumes it as it was */
			return;
		}
		s->own = s->next;
		s->readdr_fails = 0;
		return;
	default:
		s->readdr = false;
		if (st) { /* disabled and refused again: off the air, and it says so */
			s->late = true; /* a connection may have taken it before the disable */
			gap_set_ended(gap, i, st);
		}
		return;
	}
}

/* A port that answers at once may end the sequence inside gap_cmd: readdr
 * says whether the rest still applies. */
static void step_cmd(struct bh_gap *gap, unsigned i, uint16_t op, const uint8_t *p, size_t len,
		     unsigned step)
{
	if (gap->sets[i].readdr)
		gap_cmd(gap, PROC_SET(i), op, p, len, readdr_done, RARG(step, i));
}

void gap_sets_readdress(struct bh_gap *gap)
{
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++) {
		struct gap_adv_set *s = &gap->sets[i];
		if (!from_gap(s) || s->state != ADV_ON)
			continue;
		/* One fresh address per set, not GAP's new one shared: sets that
		 * run side by side cannot be linked through a common address, at
		 * the cost of one more RPA (an AES block) per set. */
		if (gap_new_random(gap, gap->own_kind, &s->next)) {
			retry(gap, s); /* make_rpa failed: the port, not the controller */
			continue;
		}
		uint8_t h = (uint8_t)(i + 1);
		uint8_t e[6] = { 0, 1, h };
		uint8_t r[7] = { h };
		memcpy(r + 1, s->next.val, 6);
		s->prev = s->own;
		s->readdr = true;
		step_cmd(gap, i, BH_HCI_LE_SET_EXT_ADV_ENABLE, e, 6, R_OFF);
		step_cmd(gap, i, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, r, 7, R_ADDR);
		e[0] = 1;
		bh_put16(e + 3, duration_left(gap, s));
		/* Max_Extended_Advertising_Events counts again from here: the
		 * controller does not say how many were sent. */
		e[5] = s->p.max_events;
		step_cmd(gap, i, BH_HCI_LE_SET_EXT_ADV_ENABLE, e, 6, R_ON);
	}
}

#endif
