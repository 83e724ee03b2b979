/* HCI layer unit tests: bring-up, command credits, timeouts and recovery,
 * Hardware Error and transport loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hci_fake.h"

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	fake_init_btvirt(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	if (f->hci)
		fake_free(f);
	free(f);
	return 0;
}

struct cmd_rec {
	unsigned calls;
	bh_status st;
	size_t len;
	uint8_t ret[255];
	bool had_ret;
};

static void rec_cb(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct cmd_rec *r = ctx;
	r->calls++;
	r->st = st;
	r->len = len;
	r->had_ret = ret != NULL;
	if (ret && len <= sizeof(r->ret))
		memcpy(r->ret, ret, len);
}

static uint64_t sent_mask(const struct fake *f, uint16_t opcode)
{
	int i = fake_find_cmd(f, opcode);
	assert_true(i >= 0);
	assert_int_equal(f->sent[i].len, 3 + 8);
	return bh_get64(f->sent[i].data + 3);
}

static void test_bringup_btvirt(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	assert_false(bh_hci_is_ready(f->hci));
	fake_bring_up(f);
	uint16_t ops[32];
	unsigned n = fake_opcodes(f, ops, 32);
	const uint16_t want[] = {
		BH_HCI_RESET, BH_HCI_READ_LOCAL_VERSION, BH_HCI_READ_LOCAL_COMMANDS,
		BH_HCI_READ_LOCAL_FEATURES, BH_HCI_LE_READ_LOCAL_FEATURES, BH_HCI_READ_BD_ADDR,
		BH_HCI_LE_READ_BUFFER_SIZE_V2, BH_HCI_SET_EVENT_MASK, BH_HCI_LE_SET_EVENT_MASK,
	};
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ops[i], want[i]);
	const struct bh_hci_info *in = bh_hci_info(f->hci);
	assert_int_equal(in->hci_version, 0x0b);
	assert_int_equal(in->manufacturer, 0x05f1);
	assert_int_equal(in->lmp_subversion, 0x4321);
	assert_int_equal(in->le_acl_mtu, 192);
	assert_int_equal(in->le_acl_credits, 1);
	assert_int_equal(in->iso_mtu, 251);
	assert_int_equal(in->iso_credits, 4);
	assert_false(in->acl_shared_with_bredr);
	assert_int_equal(in->bdaddr.val[0], 0x01);
	assert_int_equal(in->bdaddr.val[5], 0x06);
	assert_true(bh_hci_supports(f->hci, BH_SUP_LE_READ_BUFFER_SIZE_V2));
	assert_false(bh_hci_supports(f->hci, BH_SUP_LE_EXT_CREATE_CONN));
	assert_false(bh_hci_supports(f->hci, 64 * 8)); /* out of range */
	assert_true(bh_hci_le_feature(f->hci, 0));
	assert_false(bh_hci_le_feature(f->hci, 1));
	assert_false(bh_hci_le_feature(f->hci, 64));

	/* Page 1: Disconnection Complete, Encryption Change, Hardware Error,
	 * LE Meta; LE mask: every sub-event the stack uses, v2 from HCI 5.2. */
	uint64_t m = sent_mask(f, BH_HCI_SET_EVENT_MASK);
	assert_true(m & (1ull << 4));
	assert_true(m & (1ull << 7));
	assert_true(m & (1ull << 15));
	assert_true(m & (1ull << 61));
	uint64_t le = sent_mask(f, BH_HCI_LE_SET_EVENT_MASK);
	const uint8_t subs[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x0a, 0x0c,
				 0x0d, 0x11, 0x12, 0x14, 0x29 };
	for (size_t i = 0; i < sizeof(subs); i++)
		assert_true(le & (1ull << (subs[i] - 1)));
	assert_int_equal(le >> 41, 0); /* nothing we do not handle */
	/* No LE Periodic Advertising feature: no periodic sync events. */
	assert_int_equal(le & (7ull << 13), 0);

	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.cmds_sent, n);
	assert_int_equal(st.acl_credits_free, 1);
	assert_int_equal(f->max_unanswered, 1); /* one credit at a time */
	assert_int_equal(f->fatal_calls, 0);
}

static void test_bringup_le_size_zero_fallback(void **state)
{
	struct fake *f = *state;
	/* A dual-mode controller sharing BR/EDR buffers with LE (7.8.2). */
	f->features[4] = 0x40; /* LE supported, BR/EDR supported */
	f->le_mtu = 0;
	f->le_cnt = 0;
	f->acl_mtu = 1021;
	f->acl_cnt = 8;
	fake_set_cmd(f, BH_SUP_WRITE_LE_HOST_SUPPORT, true);
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	assert_true(fake_find_cmd(f, BH_HCI_READ_BUFFER_SIZE) >
		    fake_find_cmd(f, BH_HCI_LE_READ_BUFFER_SIZE_V2));
	const struct bh_hci_info *in = bh_hci_info(f->hci);
	assert_int_equal(in->le_acl_mtu, 1021);
	assert_int_equal(in->le_acl_credits, 8);
	assert_true(in->acl_shared_with_bredr);
	int i = fake_find_cmd(f, BH_HCI_WRITE_LE_HOST_SUPPORT);
	assert_true(i >= 0);
	assert_int_equal(f->sent[i].len, 5);
	assert_int_equal(f->sent[i].data[3], 1);
	assert_int_equal(f->sent[i].data[4], 0);
}

static void test_bringup_without_v2(void **state)
{
	struct fake *f = *state;
	f->hci_version = 0x09; /* 5.0 */
	fake_set_cmd(f, BH_SUP_LE_READ_BUFFER_SIZE_V2, false);
	f->le_mtu = 27;
	f->le_cnt = 3;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	assert_true(fake_find_cmd(f, BH_HCI_LE_READ_BUFFER_SIZE) >= 0);
	assert_int_equal(fake_find_cmd(f, BH_HCI_LE_READ_BUFFER_SIZE_V2), -1);
	assert_int_equal(fake_find_cmd(f, BH_HCI_READ_BUFFER_SIZE), -1);
	assert_int_equal(fake_find_cmd(f, BH_HCI_WRITE_LE_HOST_SUPPORT), -1);
	assert_int_equal(bh_hci_info(f->hci)->le_acl_mtu, 27);
	assert_int_equal(bh_hci_info(f->hci)->le_acl_credits, 3);
	assert_int_equal(bh_hci_info(f->hci)->iso_mtu, 0);
	/* no v2 connection-complete bit for a 5.0 controller */
	assert_false(sent_mask(f, BH_HCI_LE_SET_EVENT_MASK) & (1ull << 40));
}

static void test_bringup_periodic_events(void **state)
{
	struct fake *f = *state;
	f->le_features[1] |= 1u << 5; /* LE Periodic Advertising (bit 13) */
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	/* Sync Established, Periodic Advertising Report, Sync Lost (0x0e-0x10). */
	uint64_t le = sent_mask(f, BH_HCI_LE_SET_EVENT_MASK);
	assert_int_equal(le & (7ull << 13), 7ull << 13);
}

static void test_bringup_v2_rejected_falls_back_to_v1(void **state)
{
	struct fake *f = *state;
	fake_rule(f, BH_HCI_LE_READ_BUFFER_SIZE_V2, 0x01, false, false);
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	assert_true(fake_find_cmd(f, BH_HCI_LE_READ_BUFFER_SIZE) >
		    fake_find_cmd(f, BH_HCI_LE_READ_BUFFER_SIZE_V2));
	assert_int_equal(bh_hci_info(f->hci)->le_acl_mtu, 192);
	/* the bitmap still says what the controller said */
	assert_true(bh_hci_supports(f->hci, BH_SUP_LE_READ_BUFFER_SIZE_V2));
}

static void test_bringup_optional_steps_rejected(void **state)
{
	struct fake *f = *state;
	fake_rule(f, BH_HCI_LE_SET_EVENT_MASK, 0x12, false, false);
	fake_rule(f, BH_HCI_READ_BD_ADDR, 0x01, false, false);
	fake_rule(f, BH_HCI_READ_LOCAL_FEATURES, 0, false, true); /* too short */
	fake_rule(f, BH_HCI_SET_EVENT_MASK, 0x12, false, false);
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	bh_addr zero = { 0 };
	assert_true(bh_addr_eq(&bh_hci_info(f->hci)->bdaddr, &zero));
}

static void test_bringup_mandatory_failures(void **state)
{
	struct fake *f = *state;
	/* Reset rejected */
	fake_rule(f, BH_HCI_RESET, 0x03, false, false);
	fake_new_hci(f, NULL);
	assert_int_equal(bh_hci_start(f->hci), BH_OK);
	fake_run(f);
	assert_int_equal(f->ready_calls, 1);
	assert_int_equal(f->ready_status, BH_HCI_STATUS(0x03));
	assert_false(bh_hci_is_ready(f->hci));
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, NULL, NULL), BH_ESTATE);
	fake_free(f);

	/* Read Local Version answered with the status only */
	fake_init_btvirt(f);
	fake_rule(f, BH_HCI_READ_LOCAL_VERSION, 0, false, true);
	fake_new_hci(f, NULL);
	bh_hci_start(f->hci);
	fake_run(f);
	assert_int_equal(f->ready_status, BH_EMALFORMED);
	fake_free(f);

	/* No usable ACL buffer at all */
	fake_init_btvirt(f);
	f->le_mtu = 0;
	fake_new_hci(f, NULL);
	bh_hci_start(f->hci);
	fake_run(f);
	assert_int_equal(f->ready_status, BH_ENOTSUP);
	assert_true(fake_find_cmd(f, BH_HCI_READ_BUFFER_SIZE) >= 0);
	fake_free(f);

	/* Read Buffer Size rejected after LE said 0 */
	fake_init_btvirt(f);
	f->le_cnt = 0;
	fake_rule(f, BH_HCI_READ_BUFFER_SIZE, 0x01, false, false);
	fake_new_hci(f, NULL);
	bh_hci_start(f->hci);
	fake_run(f);
	assert_int_equal(f->ready_status, BH_HCI_STATUS(0x01));
}

static void test_bringup_holds_user_commands(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	assert_int_equal(bh_hci_start(f->hci), BH_OK);
	struct cmd_rec r = { 0 };
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &r), BH_OK);
	fake_run(f);
	assert_int_equal(f->ready_status, BH_OK);
	/* sent only after the last bring-up step */
	assert_true(fake_find_cmd(f, BH_HCI_LE_RAND) > fake_find_cmd(f, BH_HCI_LE_SET_EVENT_MASK));
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.st, BH_OK);

	/* A failed bring-up fails held commands with BH_ERESET. */
	fake_free(f);
	fake_init_btvirt(f);
	fake_rule(f, BH_HCI_READ_LOCAL_COMMANDS, 0x1f, false, false);
	fake_new_hci(f, NULL);
	bh_hci_start(f->hci);
	memset(&r, 0, sizeof(r));
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &r), BH_OK);
	fake_run(f);
	assert_int_equal(f->ready_status, BH_HCI_STATUS(0x1f));
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.st, BH_ERESET);
}

static void test_bringup_timeout(void **state)
{
	struct fake *f = *state;
	fake_rule(f, BH_HCI_READ_LOCAL_VERSION, 0, true, false);
	fake_new_hci(f, NULL);
	assert_int_equal(bh_hci_next_deadline(f->hci), BH_NEVER);
	bh_hci_start(f->hci);
	fake_run(f);
	assert_int_equal(f->ready_calls, 0);
	assert_int_equal(bh_hci_next_deadline(f->hci), f->now + 2000);
	fake_advance(f, 1999);
	assert_int_equal(f->ready_calls, 0);
	fake_advance(f, 1);
	assert_int_equal(f->ready_calls, 1);
	assert_int_equal(f->ready_status, BH_ETIMEDOUT);
	assert_int_equal(f->fatal_calls, 0);
	assert_int_equal(bh_hci_next_deadline(f->hci), BH_NEVER);
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.cmds_timed_out, 1);
	assert_int_equal(st.recoveries, 0);
}

static void test_start_refused_allocation(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	bh_hci_fail_alloc(f->hci, 0, -1);
	assert_int_equal(bh_hci_start(f->hci), BH_ENOMEM);
	assert_int_equal(f->ready_calls, 0);
	assert_false(bh_hci_is_ready(f->hci));
	/* a later allocation failure during bring-up is reported via ready */
	bh_hci_fail_alloc(f->hci, 2, -1);
	assert_int_equal(bh_hci_start(f->hci), BH_OK);
	fake_run(f);
	assert_int_equal(f->ready_calls, 1);
	assert_int_equal(f->ready_status, BH_ENOMEM);
	bh_hci_fail_alloc(f->hci, -1, -1);
	f->nunanswered = 0;
	fake_bring_up(f);
}

static void test_cmd_credits_honoured(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_clear_sent(f);
	f->max_unanswered = 0;
	struct cmd_rec r[6] = { 0 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &r[i]), BH_OK);
	assert_int_equal(fake_count(f, BH_H4_CMD), 1); /* one credit left by the last answer */
	/* The controller now grants 3: three may be in flight, never more. */
	const uint8_t ok[9] = { 0 };
	fake_cmd_complete(f, 3, BH_HCI_LE_RAND, ok, sizeof(ok));
	assert_int_equal(r[0].calls, 1);
	assert_int_equal(r[0].st, BH_OK);
	assert_int_equal(r[0].len, 9);
	assert_int_equal(fake_count(f, BH_H4_CMD), 4);
	assert_int_equal(f->nunanswered, 3);
	/* Credits-only update (opcode 0): no callback, one more slot. */
	fake_cmd_complete(f, 1, 0x0000, NULL, 0);
	assert_int_equal(fake_count(f, BH_H4_CMD), 5);
	assert_int_equal(r[1].calls, 0);
	/* Command Status with opcode 0 and 0 credits blocks further sends. */
	uint8_t cs[4] = { 0, 0, 0, 0 };
	fake_event(f, BH_HCI_EVT_CMD_STATUS, cs, 4);
	fake_cmd_complete(f, 0, BH_HCI_LE_RAND, ok, sizeof(ok));
	assert_int_equal(r[1].calls, 1);
	assert_int_equal(fake_count(f, BH_H4_CMD), 5);
	f->ncmd = 1;
	fake_run(f);
	for (int i = 0; i < 6; i++)
		assert_int_equal(r[i].calls, 1);
	assert_true(f->max_unanswered <= 4);
	assert_int_equal(f->event_calls, 0); /* consumed, not forwarded */
}

static void test_cmd_status_and_errors(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, NULL, NULL), BH_ESTATE);
	fake_bring_up(f);
	uint8_t big[256] = { 0 };
	assert_int_equal(bh_hci_cmd(f->hci, 0x2001, big, 256, NULL, NULL), BH_EINVAL);
	assert_int_equal(bh_hci_cmd(f->hci, 0x2001, NULL, 3, NULL, NULL), BH_EINVAL);

	struct cmd_rec a = { 0 }, b = { 0 }, c = { 0 };
	uint8_t params[2] = { 0x40, 0x00 };
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_DISCONNECT, params, 2, rec_cb, &a), BH_OK);
	const struct fake_pkt *p = fake_last(f, BH_H4_CMD);
	assert_int_equal(p->len, 5);
	assert_int_equal(bh_get16(p->data), BH_HCI_DISCONNECT);
	assert_int_equal(p->data[3], 0x40);
	/* Command Status with an error (7.7.15) */
	uint8_t cs[4] = { 0x0c, 1 };
	bh_put16(cs + 2, BH_HCI_DISCONNECT);
	fake_event(f, BH_HCI_EVT_CMD_STATUS, cs, 4);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.st, BH_HCI_STATUS(0x0c));
	assert_false(a.had_ret);
	assert_int_equal(a.len, 0);
	/* Command Complete with a non-zero status carries the return too */
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_READ_RSSI, params, 2, rec_cb, &b), BH_OK);
	const uint8_t rssi[4] = { 0x02, 0x40, 0x00, 0x00 };
	fake_cmd_complete(f, 1, BH_HCI_READ_RSSI, rssi, 4);
	assert_int_equal(b.st, BH_HCI_STATUS(0x02));
	assert_true(b.had_ret);
	assert_int_equal(b.len, 4);
	/* Command Complete without any return parameter */
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &c), BH_OK);
	fake_cmd_complete(f, 1, BH_HCI_LE_RAND, NULL, 0);
	assert_int_equal(c.st, BH_EMALFORMED);
	/* A completion nobody waits for changes nothing but credits */
	fake_cmd_complete(f, 1, BH_HCI_LE_ENCRYPT, rssi, 1);
	assert_int_equal(a.calls + b.calls + c.calls, 3);

	/* Queue limit and refused allocation */
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	int n = 0;
	while (bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, NULL, NULL) == BH_OK)
		n++;
	assert_int_equal(n, 30);
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, NULL, NULL), BH_ENOMEM);
	fake_free(f);
	fake_init_btvirt(f);
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	bh_hci_fail_alloc(f->hci, 0, -1);
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, NULL, NULL), BH_ENOMEM);
}

static void test_cmd_forget(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	struct cmd_rec a = { 0 }, b = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);      /* in flight */
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &b);      /* queued */
	bh_hci_cmd(f->hci, BH_HCI_LE_ENCRYPT, NULL, 0, rec_cb, &a); /* queued */
	bh_hci_cmd_forget(f->hci, &a);
	fake_run(f);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_true(fake_find_cmd(f, BH_HCI_LE_ENCRYPT) >= 0); /* still ran */
}

static void test_cmd_timeout_recovers(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_le_conn(f, 0x0040);
	assert_true(bh_hci_acl_can_send(f->hci, 0x0040));
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	struct cmd_rec a = { 0 }, b = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);
	bh_hci_cmd(f->hci, BH_HCI_LE_ENCRYPT, NULL, 0, rec_cb, &b);
	fake_run(f);
	assert_int_equal(a.calls, 0);
	fake_clear_sent(f);
	fake_advance(f, 2000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.st, BH_ETIMEDOUT);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.st, BH_ERESET);
	/* Reset was sent at once although the controller never returned the credit */
	assert_int_equal(fake_count(f, BH_H4_CMD), 1);
	assert_int_equal(bh_get16(f->sent[0].data), BH_HCI_RESET);
	assert_false(bh_hci_is_ready(f->hci));
	/* Commands queued during recovery wait for it. */
	struct cmd_rec c = { 0 };
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_ENCRYPT, NULL, 0, rec_cb, &c), BH_OK);
	f->nunanswered = 0;
	f->unanswered[f->nunanswered++] = BH_HCI_RESET;
	fake_run(f);
	assert_int_equal(f->ready_calls, 2);
	assert_int_equal(f->ready_status, BH_OK);
	assert_true(bh_hci_is_ready(f->hci));
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.st, BH_OK);
	assert_int_equal(f->fatal_calls, 0);
	/* the connection did not survive the reset */
	assert_false(bh_hci_acl_can_send(f->hci, 0x0040));
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.recoveries, 1);
	assert_int_equal(st.cmds_timed_out, 1);
}

static void test_cmd_timeout_recovery_fails(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	struct cmd_rec a = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);
	fake_run(f);
	fake_rule(f, BH_HCI_RESET, 0, true, false); /* now fully wedged */
	fake_advance(f, 2000);
	assert_int_equal(a.st, BH_ETIMEDOUT);
	fake_run(f);
	assert_int_equal(f->fatal_calls, 0);
	fake_advance(f, 2000);
	assert_int_equal(f->fatal_calls, 1);
	assert_int_equal(f->fatal_reason, BH_ETIMEDOUT);
	assert_int_equal(f->ready_calls, 1); /* only the first bring-up */
	assert_int_equal(bh_hci_next_deadline(f->hci), BH_NEVER);
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, NULL, NULL), BH_ESTATE);
	/* and the controller can be started again once it behaves */
	f->nrules = 0;
	f->nunanswered = 0;
	fake_bring_up(f);
}

static void test_cmd_timeout_without_recovery(void **state)
{
	struct fake *f = *state;
	struct bh_hci_config cfg;
	bh_hci_config_default(&cfg);
	cfg.recover_on_timeout = false;
	cfg.cmd_timeout_ms = 500;
	fake_new_hci(f, &cfg);
	fake_bring_up(f);
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	struct cmd_rec a = { 0 }, b = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);
	bh_hci_cmd(f->hci, BH_HCI_LE_ENCRYPT, NULL, 0, rec_cb, &b);
	fake_run(f);
	assert_int_equal(bh_hci_next_deadline(f->hci), f->now + 500);
	fake_advance(f, 500);
	assert_int_equal(a.st, BH_ETIMEDOUT);
	assert_true(bh_hci_is_ready(f->hci));
	assert_true(fake_find_cmd(f, BH_HCI_LE_ENCRYPT) >= 0);
	fake_run(f);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.st, BH_OK);
	assert_int_equal(f->ready_calls, 1);
}

static void test_several_timeouts_at_once(void **state)
{
	struct fake *f = *state;
	struct bh_hci_config cfg;
	bh_hci_config_default(&cfg);
	cfg.recover_on_timeout = false;
	fake_new_hci(f, &cfg);
	fake_bring_up(f);
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	const uint8_t ok = 0;
	fake_cmd_complete(f, 3, 0, &ok, 0); /* the controller grants 3 */
	struct cmd_rec r[3] = { 0 };
	for (int i = 0; i < 3; i++)
		bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &r[i]);
	assert_int_equal(f->nunanswered, 3);
	fake_advance(f, 5000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r[i].st, BH_ETIMEDOUT);
	assert_int_equal(bh_hci_next_deadline(f->hci), BH_NEVER);
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.cmds_timed_out, 3);
	assert_int_equal(st.recoveries, 0);
}

static void test_stale_connection_during_bringup(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_le_conn(f, 0x0001); /* while down */
	assert_int_equal(bh_hci_start(f->hci), BH_OK);
	fake_le_conn(f, 0x0002); /* while bring-up runs */
	fake_run(f);
	assert_true(bh_hci_is_ready(f->hci));
	assert_false(bh_hci_acl_can_send(f->hci, 1));
	assert_false(bh_hci_acl_can_send(f->hci, 2));
	assert_int_equal(f->le_meta_calls, 0); /* stale: nobody may use them */
	fake_le_conn(f, 0x0003);
	assert_true(bh_hci_acl_can_send(f->hci, 3));
}

static void test_hardware_error(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_le_conn(f, 0x0001);
	uint8_t frame[8] = { 4, 0, 4, 0, 1, 2, 3, 4 };
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, 8), BH_OK);
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, 8), BH_OK); /* queued: 1 credit */
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	struct cmd_rec a = { 0 }, b = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &b);
	fake_run(f);
	uint8_t code = 0x42;
	fake_event(f, BH_HCI_EVT_HARDWARE_ERROR, &code, 1);
	assert_int_equal(a.st, BH_EHWERROR);
	assert_int_equal(b.st, BH_EHWERROR);
	assert_int_equal(f->fatal_calls, 1);
	assert_int_equal(f->fatal_reason, BH_EHWERROR);
	assert_int_equal(f->last_event, BH_HCI_EVT_HARDWARE_ERROR);
	assert_false(bh_hci_is_ready(f->hci));
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, 8), BH_ENOTFOUND);
	assert_int_equal(bh_hci_next_deadline(f->hci), BH_NEVER);
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.acl_credits_free, 0);
	/* same controller, brought up again */
	f->nrules = 0;
	f->nunanswered = 0;
	fake_bring_up(f);
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.acl_credits_free, 1);
}

static void test_transport_lost_then_restart(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	struct cmd_rec a = { 0 }, b = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &b);
	fake_le_conn(f, 2);
	bh_hci_on_transport_lost(f->hci);
	assert_int_equal(a.st, BH_ETRANSPORT);
	assert_int_equal(b.st, BH_ETRANSPORT);
	assert_int_equal(f->fatal_calls, 1);
	assert_int_equal(f->fatal_reason, BH_ETRANSPORT);
	assert_false(bh_hci_acl_can_send(f->hci, 2));
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, NULL, NULL), BH_ESTATE);
	f->nrules = 0;
	f->nunanswered = 0;
	fake_bring_up(f);
	assert_int_equal(f->ready_calls, 2);

	/* A send that fails is a lost transport too. */
	struct cmd_rec c = { 0 };
	f->send_rc = BH_EIO;
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &c), BH_OK);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.st, BH_ETRANSPORT);
	assert_int_equal(f->fatal_calls, 2);
	assert_false(bh_hci_is_ready(f->hci));
	/* and a start whose Reset cannot be sent reports through fatal */
	bh_hci_start(f->hci);
	assert_int_equal(f->fatal_calls, 3);
	f->send_rc = 0;
	f->nunanswered = 0;
	fake_bring_up(f);
}

static void test_free_completes_pending(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	struct cmd_rec a = { 0 }, b = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &b);
	fake_free(f);
	assert_int_equal(a.st, BH_ERESET);
	assert_int_equal(b.st, BH_ERESET);
	assert_int_equal(a.calls + b.calls, 2);
}

static void test_restart_while_ready(void **state)
{
	struct fake *f = *state;
	fake_new_hci(f, NULL);
	fake_bring_up(f);
	fake_rule(f, BH_HCI_LE_RAND, 0, true, false);
	struct cmd_rec a = { 0 };
	bh_hci_cmd(f->hci, BH_HCI_LE_RAND, NULL, 0, rec_cb, &a);
	f->nrules = 0;
	f->nunanswered = 0;
	fake_bring_up(f);
	assert_int_equal(a.st, BH_ERESET);
	assert_int_equal(f->fatal_calls, 0);
}

static void test_new_and_config(void **state)
{
	struct fake *f = *state;
	assert_null(bh_hci_new(NULL, NULL, &f->port));
	assert_null(bh_hci_new(NULL, &f->env, NULL));
	/* zero fields mean defaults: a 2 s command timeout */
	struct bh_hci_config cfg = { 0 };
	fake_new_hci(f, &cfg);
	bh_hci_start(f->hci);
	assert_int_equal(bh_hci_next_deadline(f->hci), f->now + 2000);
	fake_run(f);
	assert_true(bh_hci_is_ready(f->hci));
	/* the smallest layer: one connection, one queued frame, 8-byte frames */
	fake_free(f);
	fake_init_btvirt(f);
	cfg = (struct bh_hci_config){ .max_connections = 1, .tx_queue_depth = 1, .rx_max_frame = 1 };
	fake_new_hci(f, &cfg);
	fake_bring_up(f);
	fake_le_conn(f, 1);
	const uint8_t frame[8] = { 4, 0, 4, 0, 1, 2, 3, 4 }; /* 8 = the smallest rx_max_frame */
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, 8), BH_OK);
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, 8), BH_OK);
	assert_int_equal(bh_hci_acl_send(f->hci, 1, frame, 8), BH_EBUSY);
}

static void test_names(void **state)
{
	(void)state;
#ifndef BH_NO_ERROR_TEXT /* -Derror_text=false: test_hci_names_off */
	assert_string_equal(bh_hci_opcode_str(BH_HCI_LE_SET_SCAN_ENABLE), "LE Set Scan Enable");
	assert_string_equal(bh_hci_opcode_str(0x20ff), "0x20ff");
	assert_string_equal(bh_hci_opcode_str(0x2040), "LE Set Periodic Advertising Enable");
	assert_string_equal(bh_hci_event_str(BH_HCI_EVT_DISCONN_COMPLETE), "Disconnection Complete");
	assert_string_equal(bh_hci_event_str(0x77), "0x77");
	assert_string_equal(bh_hci_le_subevent_str(BH_LE_ENH_CONN_COMPLETE_V2),
			    "LE Enhanced Connection Complete v2");
	assert_string_equal(bh_hci_le_subevent_str(0x3f), "0x3f");
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bringup_btvirt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bringup_le_size_zero_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bringup_without_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bringup_periodic_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bringup_v2_rejected_falls_back_to_v1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bringup_optional_steps_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bringup_mandatory_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bringup_holds_user_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bringup_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_refused_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_credits_honoured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_status_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_timeout_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_timeout_recovery_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_timeout_without_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_timeouts_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_connection_during_bringup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardware_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport_lost_then_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_completes_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_while_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_and_config, setup, teardown),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
