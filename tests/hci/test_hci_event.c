/* HCI layer unit tests: minimum lengths of every event and LE Meta
 * sub-event the layer parses, malformed event headers, and a real bring-up
 * and traffic recorded by Bumble (tests/hci/data/bumble_hci_data_001.h4,
 * controller to host, raw H4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hci_fake.h"

#ifndef HCI_TRACE
#error "HCI_TRACE must name the .h4 fixture"
#endif

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	fake_init_btvirt(f);
	fake_new_hci(f, NULL);
	fake_bring_up(f);
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

static unsigned dropped_short(struct fake *f)
{
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	return st.events_dropped_short;
}

/* Events forwarded to port.event, with the fixed length of each
 * (Vol 4, Part E, 7.7). */
static const struct {
	uint8_t code, min;
} fwd_events[] = {
	{ BH_HCI_EVT_DISCONN_COMPLETE, 4 },
	{ BH_HCI_EVT_ENCRYPT_CHANGE, 4 },
	{ BH_HCI_EVT_READ_REMOTE_VERSION_COMPLETE, 8 },
	{ BH_HCI_EVT_DATA_BUFFER_OVERFLOW, 1 },
	{ BH_HCI_EVT_ENCRYPT_KEY_REFRESH_COMPLETE, 3 },
	{ BH_HCI_EVT_ENCRYPT_CHANGE_V2, 5 },
};

static void test_event_min_lengths(void **state)
{
	struct fake *f = *state;
	uint8_t p[255];
	memset(p, 0x01, sizeof(p)); /* non-zero status: no bookkeeping */
	fake_le_conn(f, 0x0101);    /* the handle the 0x01 bytes name */
	unsigned meta0 = f->le_meta_calls;
	for (size_t i = 0; i < sizeof(fwd_events) / sizeof(fwd_events[0]); i++) {
		unsigned d = dropped_short(f), calls = f->event_calls;
		fake_event(f, fwd_events[i].code, p, fwd_events[i].min - 1u);
		assert_int_equal(dropped_short(f), d + 1);
		assert_int_equal(f->event_calls, calls);
		fake_event(f, fwd_events[i].code, p, fwd_events[i].min);
		assert_int_equal(dropped_short(f), d + 1);
		assert_int_equal(f->event_calls, calls + 1);
		assert_int_equal(f->last_event, fwd_events[i].code);
		assert_int_equal(f->last_event_len, fwd_events[i].min);
	}
	/* consumed events: Command Complete 3, Command Status 4, NOCP 1,
	 * Hardware Error 1, LE Meta 1 */
	const uint8_t consumed[][2] = { { BH_HCI_EVT_CMD_COMPLETE, 3 },
					{ BH_HCI_EVT_CMD_STATUS, 4 },
					{ BH_HCI_EVT_NUM_COMPLETED_PACKETS, 1 },
					{ BH_HCI_EVT_HARDWARE_ERROR, 1 },
					{ BH_HCI_EVT_LE_META, 1 } };
	for (size_t i = 0; i < sizeof(consumed) / sizeof(consumed[0]); i++) {
		unsigned d = dropped_short(f);
		fake_event(f, consumed[i][0], p, consumed[i][1] - 1u);
		assert_int_equal(dropped_short(f), d + 1);
	}
	assert_int_equal(f->fatal_calls, 0); /* the short Hardware Error was dropped */
	assert_int_equal(f->le_meta_calls, meta0);
	/* unknown events are forwarded whatever their length */
	fake_event(f, 0x57, p, 0);
	assert_int_equal(f->last_event, 0x57);
	assert_int_equal(f->last_event_len, 0);
	/* NOCP with exactly one entry works; one byte short does not */
	const uint8_t nocp[5] = { 1, 0x40, 0, 1, 0 };
	unsigned d = dropped_short(f);
	fake_event(f, BH_HCI_EVT_NUM_COMPLETED_PACKETS, nocp, 4);
	assert_int_equal(dropped_short(f), d + 1);
	fake_event(f, BH_HCI_EVT_NUM_COMPLETED_PACKETS, nocp, 5);
	assert_int_equal(dropped_short(f), d + 1);
}

static const struct {
	uint8_t sub, min;
} subs[] = {
	{ BH_LE_CONN_COMPLETE, 18 },
	{ BH_LE_ADV_REPORT, 1 },
	{ BH_LE_CONN_UPDATE_COMPLETE, 9 },
	{ BH_LE_READ_REMOTE_FEATURES_COMPLETE, 11 },
	{ BH_LE_LTK_REQUEST, 12 },
	{ BH_LE_REMOTE_CONN_PARAM_REQUEST, 10 },
	{ BH_LE_DATA_LENGTH_CHANGE, 10 },
	{ BH_LE_READ_LOCAL_P256_COMPLETE, 65 },
	{ BH_LE_GENERATE_DHKEY_COMPLETE, 33 },
	{ BH_LE_ENH_CONN_COMPLETE, 30 },
	{ BH_LE_DIRECTED_ADV_REPORT, 1 },
	{ BH_LE_PHY_UPDATE_COMPLETE, 5 },
	{ BH_LE_EXT_ADV_REPORT, 1 },
	{ BH_LE_ADV_SET_TERMINATED, 5 },
	{ BH_LE_SCAN_REQ_RECEIVED, 8 },
	{ BH_LE_CHANNEL_SEL_ALGO, 3 },
	{ BH_LE_ENH_CONN_COMPLETE_V2, 33 },
};

static void test_le_meta_min_lengths(void **state)
{
	struct fake *f = *state;
	uint8_t p[255];
	memset(p, 0x01, sizeof(p));
	fake_le_conn(f, 0x0101); /* the handle the 0x01 bytes name */
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		p[0] = subs[i].sub;
		unsigned d = dropped_short(f), calls = f->le_meta_calls;
		fake_event(f, BH_HCI_EVT_LE_META, p, subs[i].min); /* one short */
		assert_int_equal(dropped_short(f), d + 1);
		assert_int_equal(f->le_meta_calls, calls);
		fake_event(f, BH_HCI_EVT_LE_META, p, 1u + subs[i].min);
		assert_int_equal(f->le_meta_calls, calls + 1);
		assert_int_equal(f->last_sub, subs[i].sub);
		assert_int_equal(f->last_sub_len, subs[i].min);
	}
	/* Scan Timeout has no parameters; unknown sub-events are forwarded */
	uint8_t st = BH_LE_SCAN_TIMEOUT;
	fake_event(f, BH_HCI_EVT_LE_META, &st, 1);
	assert_int_equal(f->last_sub, BH_LE_SCAN_TIMEOUT);
	assert_int_equal(f->last_sub_len, 0);
	uint8_t unk[3] = { 0x3a, 1, 2 };
	fake_event(f, BH_HCI_EVT_LE_META, unk, 3);
	assert_int_equal(f->last_sub, 0x3a);
	assert_int_equal(f->last_sub_len, 2);
	assert_int_equal(f->event_calls, 0); /* LE Meta only goes to le_meta */
}

static unsigned unknown_handle(struct fake *f)
{
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	return st.events_unknown_handle;
}

/* Every event about a connection names its handle; one that is not
 * connected is dropped and counted (Disconnection Complete is counted and
 * still passed on), whatever its status. Exact bytes, Vol 4, Part E, 7.7. */
static void test_unknown_handle_events(void **state)
{
	struct fake *f = *state;
	fake_le_conn(f, 0x0040);
	unsigned ev = f->event_calls, meta = f->le_meta_calls, u = unknown_handle(f);
	const struct {
		uint8_t code;
		uint8_t len;
		uint8_t p[12];
	} evs[] = {
		{ BH_HCI_EVT_ENCRYPT_CHANGE, 4, { 0x00, 0x41, 0x00, 0x01 } },
		{ BH_HCI_EVT_ENCRYPT_CHANGE_V2, 5, { 0x00, 0x41, 0x00, 0x01, 0x10 } },
		{ BH_HCI_EVT_ENCRYPT_KEY_REFRESH_COMPLETE, 3, { 0x00, 0x41, 0x00 } },
		{ BH_HCI_EVT_READ_REMOTE_VERSION_COMPLETE, 8, { 0x00, 0x41, 0x00, 9, 0x5f, 0, 1, 0 } },
		/* LE Meta: Connection Update Complete, Remote Features, LTK Request,
		 * Remote Connection Parameter Request, Data Length Change, PHY
		 * Update, Channel Selection Algorithm */
		{ BH_HCI_EVT_LE_META, 10, { 0x03, 0x00, 0x41, 0x00, 0x28, 0, 0, 0, 0x90, 0x01 } },
		{ BH_HCI_EVT_LE_META, 12, { 0x04, 0x00, 0x41, 0x00, 1, 0, 0, 0, 0, 0, 0, 0 } },
		{ BH_HCI_EVT_LE_META, 11, { 0x06, 0x41, 0x00, 6, 0, 6, 0, 0, 0, 0xc8, 0x00 } },
		{ BH_HCI_EVT_LE_META, 11, { 0x07, 0x41, 0x00, 0xfb, 0, 0x48, 0x08, 0xfb, 0, 0x48, 0x08 } },
		{ BH_HCI_EVT_LE_META, 6, { 0x0c, 0x00, 0x41, 0x00, 2, 2 } },
		{ BH_HCI_EVT_LE_META, 4, { 0x14, 0x41, 0x00, 1 } },
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		fake_event(f, evs[i].code, evs[i].p, evs[i].len);
		assert_int_equal(unknown_handle(f), ++u);
		assert_int_equal(f->event_calls, ev);
		assert_int_equal(f->le_meta_calls, meta);
	}
	uint8_t ltk[13] = { 0x05, 0x41, 0x00 };
	fake_event(f, BH_HCI_EVT_LE_META, ltk, sizeof(ltk));
	assert_int_equal(unknown_handle(f), ++u);
	assert_int_equal(f->le_meta_calls, meta);
	/* Disconnection Complete: counted, passed on, the real link kept */
	const uint8_t dc[4] = { 0x00, 0x41, 0x00, 0x13 };
	fake_event(f, BH_HCI_EVT_DISCONN_COMPLETE, dc, 4);
	assert_int_equal(unknown_handle(f), ++u);
	assert_int_equal(f->event_calls, ++ev);
	assert_true(bh_hci_acl_can_send(f->hci, 0x0040));
	/* the same events for the connected handle pass */
	uint8_t good[4] = { 0x00, 0x40, 0x00, 0x01 };
	fake_event(f, BH_HCI_EVT_ENCRYPT_CHANGE, good, 4);
	assert_int_equal(f->event_calls, ++ev);
	uint8_t csa[4] = { 0x14, 0x40, 0x00, 1 };
	fake_event(f, BH_HCI_EVT_LE_META, csa, 4);
	assert_int_equal(f->le_meta_calls, ++meta);
	assert_int_equal(unknown_handle(f), u);
	/* a second Connection Complete for the live handle, or one above
	 * 0x0EFF: dropped, counted, the link kept */
	struct bh_hci_stats st;
	fake_le_conn(f, 0x0040);
	fake_le_conn(f, 0x0f00);
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.events_invalid, 2);
	assert_int_equal(f->le_meta_calls, meta);
	assert_true(bh_hci_acl_can_send(f->hci, 0x0040));
	assert_false(bh_hci_acl_can_send(f->hci, 0x0f00));
}

/* Command Complete / Status for nothing in flight (a duplicate, the wrong
 * opcode): counted, and its Num_HCI_Command_Packets is not believed. */
static void test_unexpected_completions(void **state)
{
	struct fake *f = *state;
	struct bh_hci_stats st;
	const uint8_t cc[4] = { 0x00, 0x09, 0x10, 0x00 }; /* 0 credits, Read BD_ADDR, ok */
	fake_event(f, BH_HCI_EVT_CMD_COMPLETE, cc, 4);
	const uint8_t cs[4] = { 0x00, 0x00, 0x0d, 0x20 }; /* ok, 0 credits, LE Create Conn */
	fake_event(f, BH_HCI_EVT_CMD_STATUS, cs, 4);
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.cmds_unexpected, 2);
	/* the next command still goes out at once */
	fake_clear_sent(f);
	assert_int_equal(bh_hci_cmd(f->hci, BH_HCI_READ_BD_ADDR, NULL, 0, NULL, NULL), 0);
	assert_int_equal(fake_find_cmd(f, BH_HCI_READ_BD_ADDR), 0);
	fake_run(f);
	/* answered once; the same answer again is a duplicate */
	fake_event(f, BH_HCI_EVT_CMD_COMPLETE, cc, 4);
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.cmds_unexpected, 3);
	assert_true(bh_hci_is_ready(f->hci));
}

static void test_event_header_checks(void **state)
{
	struct fake *f = *state;
	unsigned d = dropped_short(f);
	/* declared length larger than the packet */
	const uint8_t trunc[4] = { BH_HCI_EVT_DISCONN_COMPLETE, 4, 0, 1 };
	bh_hci_on_packet(f->hci, BH_H4_EVT, trunc, sizeof(trunc));
	assert_int_equal(dropped_short(f), ++d);
	bh_hci_on_packet(f->hci, BH_H4_EVT, trunc, 1);
	assert_int_equal(dropped_short(f), ++d);
	bh_hci_on_packet(f->hci, BH_H4_EVT, trunc, 0);
	assert_int_equal(dropped_short(f), ++d);
	bh_hci_on_packet(f->hci, BH_H4_EVT, NULL, 0);
	assert_int_equal(dropped_short(f), ++d);
	assert_int_equal(f->event_calls, 0);
	/* trailing bytes beyond the declared length are ignored */
	const uint8_t longer[7] = { BH_HCI_EVT_DATA_BUFFER_OVERFLOW, 1, 0x01, 0xee, 0xee };
	bh_hci_on_packet(f->hci, BH_H4_EVT, longer, sizeof(longer));
	assert_int_equal(f->event_calls, 1);
	assert_int_equal(f->last_event_len, 1);
	/* SCO, ISO and command packets from the controller are ignored */
	bh_hci_on_packet(f->hci, BH_H4_SCO, longer, sizeof(longer));
	bh_hci_on_packet(f->hci, BH_H4_ISO, longer, sizeof(longer));
	bh_hci_on_packet(f->hci, BH_H4_CMD, longer, sizeof(longer));
	assert_int_equal(f->event_calls, 1);
	assert_int_equal(dropped_short(f), d);
	assert_true(bh_hci_is_ready(f->hci));
}

/* ---- the Bumble trace ---- */

struct h4_trace {
	uint8_t *buf;
	size_t len;
};

static void load_trace(struct h4_trace *t)
{
	FILE *fp = fopen(HCI_TRACE, "rb");
	assert_non_null(fp);
	t->buf = malloc(65536);
	assert_non_null(t->buf);
	t->len = fread(t->buf, 1, 65536, fp);
	fclose(fp);
	assert_true(t->len > 0);
}

/* Tiny H4 splitter: returns the next packet's type, body and length, or 0
 * at the end. Asserts the stream is well formed. */
static uint8_t h4_next(const struct h4_trace *t, size_t *off, const uint8_t **body, size_t *len)
{
	if (*off >= t->len)
		return 0;
	uint8_t type = t->buf[*off];
	size_t hdr, plen;
	const uint8_t *p = t->buf + *off + 1;
	size_t left = t->len - *off - 1;
	if (type == BH_H4_EVT) {
		assert_true(left >= 2);
		hdr = 2;
		plen = p[1];
	} else {
		assert_int_equal(type, BH_H4_ACL);
		assert_true(left >= 4);
		hdr = 4;
		plen = bh_get16(p + 2);
	}
	assert_true(left >= hdr + plen);
	*body = p;
	*len = hdr + plen;
	*off += 1 + hdr + plen;
	return type;
}

/* Finds the first Command Complete for opcode in the trace. */
static bool trace_cc(const struct h4_trace *t, uint16_t opcode, const uint8_t **ret, size_t *len)
{
	size_t off = 0;
	const uint8_t *b;
	size_t n;
	uint8_t type;
	while ((type = h4_next(t, &off, &b, &n))) {
		if (type == BH_H4_EVT && b[0] == BH_HCI_EVT_CMD_COMPLETE && n >= 5 &&
		    bh_get16(b + 3) == opcode) {
			*ret = b + 5;
			*len = n - 5;
			return true;
		}
	}
	return false;
}

static void test_bumble_trace(void **state)
{
	(void)state;
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	fake_init_btvirt(f);
	fake_new_hci(f, NULL);
	struct h4_trace t;
	load_trace(&t);

	/* Bring-up where every answer is the recorded Command Complete for
	 * that opcode; a command the trace never answered gets Unknown HCI
	 * Command (0x01), which only an optional step may survive. */
	unsigned answered = 0, refused = 0;
	assert_int_equal(bh_hci_start(f->hci), BH_OK);
	for (int guard = 0; guard < 50 && f->nunanswered; guard++) {
		uint16_t op = f->unanswered[0];
		const uint8_t *ret;
		size_t len;
		if (trace_cc(&t, op, &ret, &len)) {
			fake_cmd_complete(f, 1, op, ret, len);
			answered++;
		} else {
			const uint8_t unknown = 0x01;
			fake_cmd_complete(f, 1, op, &unknown, 1);
			refused++;
		}
	}
	assert_int_equal(f->ready_calls, 1);
	assert_int_equal(f->ready_status, BH_OK);
	const struct bh_hci_info *in = bh_hci_info(f->hci);
	/* Read Local Version: HCI 5.1 (0x0a), company 0x05f1 (Linux Foundation) */
	assert_int_equal(in->hci_version, 0x0a);
	assert_int_equal(in->lmp_version, 0x0a);
	assert_int_equal(in->manufacturer, 0x05f1);
	/* LE Read Buffer Size: 27 bytes x 7 */
	assert_int_equal(in->le_acl_mtu, 27);
	assert_int_equal(in->le_acl_credits, 7);
	assert_false(in->acl_shared_with_bredr);
	/* LMP features: LE supported, BR/EDR not supported */
	assert_int_equal(in->features[4] & 0x60, 0x60);
	/* the bitmap the controller gave decides what was asked */
	assert_true(bh_hci_supports(f->hci, BH_SUP_LE_SET_EVENT_MASK));
	assert_true(bh_hci_supports(f->hci, BH_SUP_LE_READ_BUFFER_SIZE));
	assert_false(bh_hci_supports(f->hci, BH_SUP_LE_READ_BUFFER_SIZE_V2));
	assert_int_equal(fake_find_cmd(f, BH_HCI_LE_READ_BUFFER_SIZE_V2), -1);
	assert_true(fake_find_cmd(f, BH_HCI_LE_SET_EVENT_MASK) >= 0);
	assert_false(bh_hci_le_feature(f->hci, 63));
	assert_true(answered >= 7);
	assert_int_equal(refused, 0);

	/* Then the whole trace through the ready layer: nothing is dropped,
	 * the advertising reports, the connection and its ACL come through. */
	fake_clear_sent(f);
	size_t off = 0;
	const uint8_t *b;
	size_t n;
	uint8_t type;
	unsigned pkts = 0, acl_pkts = 0;
	while ((type = h4_next(&t, &off, &b, &n))) {
		bh_hci_on_packet(f->hci, (enum bh_h4_type)type, b, n);
		pkts++;
		acl_pkts += type == BH_H4_ACL;
	}
	assert_int_equal(pkts, 118);
	struct bh_hci_stats st;
	bh_hci_stats(f->hci, &st);
	assert_int_equal(st.events_dropped_short, 0);
	assert_int_equal(st.acl_dropped, 0);
	assert_int_equal(f->sub_count[BH_LE_ADV_REPORT], 28);
	assert_int_equal(f->sub_count[BH_LE_CONN_COMPLETE], 1);
	assert_int_equal(f->sub_count[BH_LE_CHANNEL_SEL_ALGO], 1);
	assert_true(acl_pkts > 0);
	assert_true(f->acl_calls > 0);
	assert_true(f->acl_calls <= acl_pkts);
	assert_int_equal(f->fatal_calls, 0);
	free(t.buf);
	fake_free(f);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event_min_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_le_meta_min_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_header_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_handle_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unexpected_completions, setup, teardown),
		cmocka_unit_test(test_bumble_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
