/* Hostile controller (suite 'hostile_ctrl'): a blehost host with its real
 * H4 unix transport and whole stack, one established connection, and a
 * controller (tests/faults/fake_ctrl.c) that sends it malformed or
 * contradictory input: truncated, short and oversized events, unknown
 * connection handles in every event that names one, credit inflation, ACL
 * fragments out of order or with forbidden boundary flags, duplicated and
 * unsolicited command completions, Command Status for the wrong opcode,
 * inconsistent advertising reports, and a peer's connection parameter
 * requests.
 *
 * One row per case: the bytes the controller sends (whole H4 packets) and
 * the exact reaction: how every HCI and GAP counter moves (all of them are
 * compared, so a reaction that also counts something else fails), whether
 * the link goes down and with which reason, whether the host serves the
 * ATT request carried by the injected ACL, and for some rows a check of
 * the commands the host answered with. After every row the host must still
 * serve a GATT read on the established connection (or, when the row takes
 * the link down, on a new one). Adding a case is adding a row.
 */
#include "fake_host.h"

#include <blehost/gap.h>
#include <blehost/hci.h>
#include <blehost/host.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned enc_changed, updated;
	bh_status upd_status;
	double upd_interval_ms;
	uint16_t upd_latency;
	unsigned upd_timeout_ms;
	unsigned devices;
	struct bh_gap_device last_dev;
};

static void ev_enc(void *ctx, uint16_t handle, bh_status st, bool on)
{
	(void)handle;
	(void)st;
	(void)on;
	((struct fx *)ctx)->enc_changed++;
}

static void ev_updated(void *ctx, uint16_t handle, bh_status st, double interval_ms,
		       uint16_t latency, unsigned timeout_ms)
{
	struct fx *x = ctx;
	(void)handle;
	x->updated++;
	x->upd_status = st;
	x->upd_interval_ms = interval_ms;
	x->upd_latency = latency;
	x->upd_timeout_ms = timeout_ms;
}

static struct fx *fx_new(bool narrow)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_host_init(&x->fh, "HOSTILE_VERBOSE", BH_LOG_ERROR);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	if (narrow) /* what a peer may ask for: 30 ms to 1 s */
		cfg.peer_conn_limits.interval_min_ms = 30, cfg.peer_conn_limits.interval_max_ms = 1000;
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.encryption_changed = ev_enc;
	ev.conn_updated = ev_updated;
	fake_host_start(&x->fh, &cfg, &ev);
	return x;
}

static void fx_free(struct fx *x)
{
	fake_host_fini(&x->fh);
	free(x);
}

static void fx_connect(struct fx *x, bool central)
{
	unsigned n = x->fh.connected;
	assert_int_equal(fake_connect(x->fh.f, central), 0);
	for (int i = 0; i < 100 && x->fh.connected == n; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(x->fh.connected, n + 1);
	assert_int_equal(x->fh.conn, FAKE_CONN_HANDLE);
	fake_run(x->fh.f, 50); /* the host's own set-up commands (remote features) */
}

/* The host serves the connection: a GATT read through the whole stack. */
static void expect_link_serves(struct fx *x)
{
	assert_true(fake_gatt_read_ok(x->fh.f, bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE)));
}

/* ---- counters ---- */

/* Every counter of both layers that a controller's misbehaviour moves. */
struct counts {
	unsigned short_events, unknown_handle, invalid, unexpected_cmds, excess_credits;
	unsigned acl_dropped, bad_boundary, recoveries, timeouts;
	unsigned reports_rejected, chains_abandoned, tails_dropped, chains_truncated;
};

static struct counts counts_now(struct fx *x)
{
	struct bh_hci_stats h;
	struct bh_gap_stats g;
	bh_hci_stats(bh_host_hci(x->fh.h), &h);
	bh_gap_stats(bh_host_gap(x->fh.h), &g);
	return (struct counts){ h.events_dropped_short, h.events_unknown_handle, h.events_invalid,
				h.cmds_unexpected, h.credits_excess, h.acl_dropped,
				h.acl_bad_boundary, h.recoveries, h.cmds_timed_out,
				g.reports_rejected, g.chains_abandoned, g.chain_tails_dropped,
				g.chains_truncated };
}

static void expect_delta(const struct counts *a, const struct counts *b, const struct counts *want)
{
#define D(f)                                                                          \
	do {                                                                          \
		if (b->f - a->f != want->f) {                                         \
			fprintf(stderr, "counter %s moved by %u, expected %u\n", #f,  \
				b->f - a->f, want->f);                                \
			fail();                                                       \
		}                                                                     \
	} while (0)
	D(short_events);
	D(unknown_handle);
	D(invalid);
	D(unexpected_cmds);
	D(excess_credits);
	D(acl_dropped);
	D(bad_boundary);
	D(recoveries);
	D(timeouts);
	D(reports_rejected);
	D(chains_abandoned);
	D(tails_dropped);
	D(chains_truncated);
#undef D
}

/* ---- the table ---- */

enum att_reply { ATT_NONE, ATT_SERVED };

struct hc_case {
	const char *name;
	bool peripheral; /* the host is peripheral on the link (else central) */
	bool scanning;   /* the host scans while the bytes arrive */
	bool narrow;     /* peers may ask for 30 ms..1 s intervals only */
	/* Whole H4 packets as hex, '|' between packets. */
	const char *bytes;
	struct counts delta;
	uint8_t disc_reason; /* 0: the link is kept (no disconnection at all) */
	enum att_reply att;  /* the injected ACL carries an ATT Read Request: served? */
	void (*check)(struct fx *x);
};

static size_t parse_hex(const char *s, uint8_t *out, size_t cap, size_t *ends, size_t *nends)
{
	size_t n = 0;
	*nends = 0;
	for (; *s; s++) {
		if (*s == '|') {
			ends[(*nends)++] = n;
			continue;
		}
		if (*s == ' ')
			continue;
		unsigned v;
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		s++;
	}
	ends[(*nends)++] = n;
	return n;
}

/* ---- waiting without trusting the clock ---- */

struct cmd_result {
	bh_status st;
	unsigned calls;
	size_t len;
};

static void cmd_result(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct cmd_result *r = ctx;
	(void)ret;
	r->st = st;
	r->calls++;
	r->len = len;
}

static void wait_calls(struct fx *x, const unsigned *calls, unsigned want)
{
	for (int i = 0; i < 300 && *calls < want; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(*calls, want);
}

/* Everything the fake sent so far has been handled by the host: a command
 * sent now is answered behind those bytes, and the host reads its socket
 * in order. (No fixed sleep: the machine may be loaded.) */
static void barrier(struct fx *x)
{
	struct cmd_result r = { 0 };
	assert_int_equal(bh_hci_cmd(bh_host_hci(x->fh.h), BH_HCI_READ_LOCAL_VERSION, NULL, 0,
				    cmd_result, &r), 0);
	wait_calls(x, &r.calls, 1);
	assert_int_equal(r.st, BH_OK);
}

/* Waits until the host has sent a command with this opcode. */
static void wait_cmd(struct fx *x, uint16_t opcode)
{
	for (int i = 0; i < 300 && !fake_cmd_count(x->fh.f, opcode); i++)
		fake_run(x->fh.f, 10);
	assert_true(fake_cmd_count(x->fh.f, opcode) > 0);
}

/* ---- extra checks ---- */

static void check_conn_param_reply(struct fx *x)
{
	/* 7.8.31: handle, 7.5-15 ms, latency 0, 2 s, CE 0/0 */
	const uint8_t want[] = { 0x40, 0x00, 0x06, 0x00, 0x0c, 0x00, 0x00, 0x00, 0xc8, 0x00,
				 0x00, 0x00, 0x00, 0x00 };
	uint8_t got[32];
	wait_cmd(x, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY);
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY, got, sizeof(got)),
			 sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY), 0);
	/* The controller (btvirt's form: status only) accepted; the update
	 * completes and the application hears it in milliseconds. */
	const uint8_t upd[] = { 0x03, 0x00, 0x40, 0x00, 0x0c, 0x00, 0x00, 0x00, 0xc8, 0x00 };
	assert_int_equal(fake_event(x->fh.f, BH_HCI_EVT_LE_META, upd, sizeof(upd)), 0);
	for (int i = 0; i < 100 && !x->updated; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(x->updated, 1);
	assert_int_equal(x->upd_status, BH_OK);
	assert_true(x->upd_interval_ms == 15.0);
	assert_int_equal(x->upd_latency, 0);
	assert_int_equal(x->upd_timeout_ms, 2000);
}

/* The request was answered with the Negative Reply (7.8.32) and reason. */
static void expect_negative(struct fx *x, uint8_t reason)
{
	const uint8_t want[] = { 0x40, 0x00, reason };
	uint8_t got[8];
	wait_cmd(x, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY);
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY, got,
				       sizeof(got)), 3);
	assert_memory_equal(got, want, 3);
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY), 0);
	assert_int_equal(x->updated, 0);
}

static void check_conn_param_negative(struct fx *x)
{
	expect_negative(x, 0x1e); /* Invalid LL Parameters */
}

static void check_conn_param_unacceptable(struct fx *x)
{
	expect_negative(x, 0x3b); /* Unacceptable Connection Parameters */
}

/* L2CAP Connection Parameter Update Response (Vol 3, Part A, 4.21) on the
 * signalling channel, and whether the central then updated the link. */
static void expect_l2cap_param_rsp(struct fx *x, uint16_t result, bool update)
{
	uint8_t rsp[16];
	int n = fake_recv(x->fh.f, 0x0005, rsp, sizeof(rsp), 1000);
	const uint8_t want[] = { 0x13, 0x01, 0x02, 0x00, (uint8_t)result, (uint8_t)(result >> 8) };
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(rsp, want, sizeof(want));
	if (update)
		wait_cmd(x, BH_HCI_LE_CONN_UPDATE);
	else
		barrier(x);
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_LE_CONN_UPDATE), update ? 1 : 0);
}

static void check_l2cap_param_accepted(struct fx *x)
{
	expect_l2cap_param_rsp(x, 0x0000, true);
	uint8_t got[32];
	const uint8_t want[] = { 0x40, 0x00, 0x18, 0x00, 0x28, 0x00, 0x00, 0x00, 0xc8, 0x00 };
	assert_int_equal(fake_last_cmd(x->fh.f, BH_HCI_LE_CONN_UPDATE, got, sizeof(got)), 14);
	assert_memory_equal(got, want, sizeof(want));
}

static void check_l2cap_param_rejected(struct fx *x)
{
	expect_l2cap_param_rsp(x, 0x0001, false);
}

static void check_no_conn_param_answer(struct fx *x)
{
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_LE_REMOTE_CONN_PARAM_REPLY), 0);
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY), 0);
}

static void check_no_encryption_event(struct fx *x)
{
	assert_int_equal(x->enc_changed, 0);
}

static void check_no_second_connection(struct fx *x)
{
	assert_int_equal(x->fh.connected, 1);
}

/* A stray completion (here with Num_HCI_Command_Packets 0) must not stop
 * later commands: the next one is sent and answered. */
static void cmd_done(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	(void)ret;
	(void)len;
	bh_status *p = ctx;
	*p = st;
}

static void check_commands_flow(struct fx *x)
{
	bh_status st = 99;
	unsigned before = fake_cmd_count(x->fh.f, BH_HCI_READ_BD_ADDR);
	assert_int_equal(bh_hci_cmd(bh_host_hci(x->fh.h), BH_HCI_READ_BD_ADDR, NULL, 0, cmd_done, &st),
			 0);
	for (int i = 0; i < 100 && st == 99; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(fake_cmd_count(x->fh.f, BH_HCI_READ_BD_ADDR), before + 1);
	assert_int_equal(st, BH_OK);
}

/* Read BD_ADDR in flight (the fake does not answer it), then the bytes
 * `first`, then `answer`: the command completes once, with answer. */
static void pending_then(struct fx *x, const uint8_t *first, size_t n1, const uint8_t *answer,
			 size_t n2, struct cmd_result *r)
{
	fake_mute(x->fh.f, BH_HCI_READ_BD_ADDR);
	unsigned sent = fake_cmd_count(x->fh.f, BH_HCI_READ_BD_ADDR);
	assert_int_equal(bh_hci_cmd(bh_host_hci(x->fh.h), BH_HCI_READ_BD_ADDR, NULL, 0, cmd_result, r),
			 0);
	for (int i = 0; i < 300 && fake_cmd_count(x->fh.f, BH_HCI_READ_BD_ADDR) == sent; i++)
		fake_run(x->fh.f, 10);
	assert_int_equal(fake_raw(x->fh.f, first, n1), 0);
	assert_int_equal(fake_raw(x->fh.f, answer, n2), 0);
	wait_calls(x, &r->calls, 1);
	fake_mute(x->fh.f, 0);
}

static const uint8_t bd_addr_answer[] = { 0x04, 0x0e, 0x0a, 0x01, 0x09, 0x10, 0x00,
					  0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

/* Command Status for another opcode while a command waits: counted, and
 * the waiting command still completes with its own answer. */
static void check_status_wrong_opcode_while_pending(struct fx *x)
{
	struct cmd_result r = { 0 };
	const uint8_t cs[] = { 0x04, 0x0f, 0x04, 0x00, 0x01, 0x0d, 0x20 };
	struct counts a = counts_now(x);
	pending_then(x, cs, sizeof(cs), bd_addr_answer, sizeof(bd_addr_answer), &r);
	struct counts b = counts_now(x), want = { .unexpected_cmds = 1 };
	expect_delta(&a, &b, &want);
	assert_int_equal(r.st, BH_OK);
	assert_int_equal(r.len, 7);
}

/* A Command Complete longer than its command's return parameters: the
 * command completes with what the controller sent (callers read what
 * they know); a second copy is then a duplicate. */
static void check_complete_oversized_while_pending(struct fx *x)
{
	struct cmd_result r = { 0 };
	const uint8_t big[] = { 0x04, 0x0e, 0x10, 0x01, 0x09, 0x10, 0x00, 0x11, 0x22, 0x33,
				0x44, 0x55, 0x66, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };
	const uint8_t nop[] = { 0x04, 0x57, 0x00 };
	struct counts a = counts_now(x);
	pending_then(x, nop, sizeof(nop), big, sizeof(big), &r);
	assert_int_equal(r.st, BH_OK);
	assert_int_equal(r.len, 13);
	assert_int_equal(fake_raw(x->fh.f, big, sizeof(big)), 0);
	barrier(x);
	assert_int_equal(r.calls, 1);
	struct counts b = counts_now(x), want = { .unexpected_cmds = 1 };
	expect_delta(&a, &b, &want);
}

static void check_no_device(struct fx *x)
{
	assert_int_equal(x->devices, 0);
}

static void check_one_device(struct fx *x)
{
	assert_int_equal(x->devices, 1);
	assert_false(x->last_dev.incomplete);
}

static void check_truncated_device(struct fx *x)
{
	assert_int_equal(x->devices, 1);
	assert_true(x->last_dev.incomplete);
	assert_int_equal(x->last_dev.adv_len, 6);
}

/* ATT Read Request for 0x0003 on CID 4, as one ACL packet on the link. */
#define READ_REQ_40 "02 40 20 07 00 03 00 04 00 0a 03 00"
/* LE Advertising Report, one ADV_IND from 11:22:33:44:55:66 with Flags. */
#define ADV_ONE "04 3e 0f 02 01 00 00 66 55 44 33 22 11 03 02 01 06 c4"
/* Extended report head: Event_Type (2 bytes) given by the row. */
#define EXT_HEAD(type) "04 3e 1d 0d 01 " type " 01 66 55 44 33 22 11 01 01 02 7f c4 00 00 00 00 00 00 00 00 00 03"

static const struct hc_case cases[] = {
	/* ---- truncated and short events ---- */
	{ "disconnection_complete_short", .bytes = "04 05 03 00 40 00",
	  .delta = { .short_events = 1 } },
	{ "command_complete_without_opcode", .bytes = "04 0e 01 01",
	  .delta = { .short_events = 1 } },
	{ "command_status_short", .bytes = "04 0f 03 00 01 09",
	  .delta = { .short_events = 1 } },
	{ "hardware_error_empty", .bytes = "04 10 00", .delta = { .short_events = 1 } },
	{ "nocp_fewer_entries_than_announced", .bytes = "04 13 05 02 40 00 01 00",
	  .delta = { .short_events = 1 } },
	{ "le_meta_without_subevent", .bytes = "04 3e 00", .delta = { .short_events = 1 } },
	{ "conn_update_complete_short", .bytes = "04 3e 05 03 00 40 00 0c",
	  .delta = { .short_events = 1 } },
	{ "encryption_change_short", .bytes = "04 08 03 00 40 00",
	  .delta = { .short_events = 1 }, .check = check_no_encryption_event },
	{ "ltk_request_short", .bytes = "04 3e 05 05 40 00 00 00",
	  .delta = { .short_events = 1 } },
	{ "remote_conn_param_request_short", .bytes = "04 3e 06 06 40 00 06 00 0c",
	  .delta = { .short_events = 1 }, .check = check_no_conn_param_answer },
	/* ---- oversized: extra parameters are ignored, the event is used ---- */
	{ "disconnection_complete_oversized", .bytes = "04 05 09 00 40 00 13 ee ee ee ee ee",
	  .disc_reason = 0x13 },
	{ "unknown_event_code", .bytes = "04 57 03 01 02 03" },
	{ "unknown_le_subevent", .bytes = "04 3e 03 3a 01 02" },
	{ "sco_and_iso_packets", .bytes = "03 40 00 02 aa bb | 05 40 00 02 00 aa bb" },
	/* ---- unknown connection handles ---- */
	{ "acl_unknown_handle", .bytes = "02 41 20 07 00 03 00 04 00 0a 03 00",
	  .delta = { .acl_dropped = 1 } },
	{ "nocp_unknown_handle", .bytes = "04 13 05 01 41 00 01 00",
	  .delta = { .unknown_handle = 1 } },
	{ "disconnection_complete_unknown_handle", .bytes = "04 05 04 00 41 00 13",
	  .delta = { .unknown_handle = 1 } },
	{ "encryption_change_unknown_handle", .bytes = "04 08 04 00 41 00 01",
	  .delta = { .unknown_handle = 1 }, .check = check_no_encryption_event },
	{ "encryption_change_v2_unknown_handle", .bytes = "04 59 05 00 41 00 01 10",
	  .delta = { .unknown_handle = 1 }, .check = check_no_encryption_event },
	{ "key_refresh_unknown_handle", .bytes = "04 30 03 00 41 00",
	  .delta = { .unknown_handle = 1 } },
	{ "conn_update_complete_unknown_handle",
	  .bytes = "04 3e 0a 03 00 41 00 0c 00 00 00 c8 00", .delta = { .unknown_handle = 1 } },
	{ "remote_features_unknown_handle",
	  .bytes = "04 3e 0c 04 00 41 00 01 00 00 00 00 00 00 00", .delta = { .unknown_handle = 1 } },
	{ "ltk_request_unknown_handle",
	  .bytes = "04 3e 0d 05 41 00 00 00 00 00 00 00 00 00 00 00",
	  .delta = { .unknown_handle = 1 } },
	{ "remote_conn_param_request_unknown_handle",
	  .bytes = "04 3e 0b 06 41 00 06 00 0c 00 00 00 c8 00", .delta = { .unknown_handle = 1 },
	  .check = check_no_conn_param_answer },
	{ "data_length_change_unknown_handle",
	  .bytes = "04 3e 0b 07 41 00 fb 00 48 08 fb 00 48 08", .delta = { .unknown_handle = 1 } },
	{ "phy_update_unknown_handle", .bytes = "04 3e 06 0c 00 41 00 02 02",
	  .delta = { .unknown_handle = 1 } },
	/* ---- connections the controller contradicts itself about ---- */
	{ "connection_complete_twice",
	  .bytes = "04 3e 13 01 00 40 00 00 00 11 22 33 44 55 66 28 00 00 00 90 01 00",
	  .delta = { .invalid = 1 }, .check = check_no_second_connection },
	{ "connection_complete_handle_out_of_range",
	  .bytes = "04 3e 13 01 00 00 0f 00 00 11 22 33 44 55 77 28 00 00 00 90 01 00",
	  .delta = { .invalid = 1 }, .check = check_no_second_connection },
	/* ---- credit inflation ---- */
	{ "nocp_more_than_in_flight", .bytes = "04 13 05 01 40 00 05 00",
	  .delta = { .excess_credits = 5 } },
	{ "nocp_huge_count", .bytes = "04 13 05 01 40 00 ff ff",
	  .delta = { .excess_credits = 0xffff } },
	/* ---- ACL fragments ---- */
	{ "acl_start_shorter_than_basic_header",
	  .bytes = "02 40 20 02 00 03 00 | 02 40 10 05 00 04 00 0a 03 00", .att = ATT_SERVED },
	{ "acl_start_one_byte_at_a_time",
	  .bytes = "02 40 20 01 00 03 | 02 40 10 01 00 00 | 02 40 10 01 00 04 | "
		   "02 40 10 01 00 00 | 02 40 10 03 00 0a 03 00",
	  .att = ATT_SERVED },
	{ "acl_continuation_without_start", .bytes = "02 40 10 03 00 0a 03 00",
	  .delta = { .acl_dropped = 1 } },
	{ "acl_start_while_reassembling", .bytes = "02 40 20 05 00 03 00 04 00 0a | " READ_REQ_40,
	  .delta = { .acl_dropped = 1 }, .att = ATT_SERVED },
	{ "acl_fragment_overruns_frame",
	  .bytes = "02 40 20 05 00 03 00 04 00 0a | 02 40 10 04 00 03 00 ee ee",
	  .delta = { .acl_dropped = 1 } },
	{ "acl_frame_above_rx_max", .bytes = "02 40 20 04 00 ff ff 04 00",
	  .delta = { .acl_dropped = 1 } },
	{ "acl_boundary_flag_00", .bytes = "02 40 00 07 00 03 00 04 00 0a 03 00",
	  .delta = { .acl_dropped = 1, .bad_boundary = 1 } },
	{ "acl_boundary_flag_11", .bytes = "02 40 30 07 00 03 00 04 00 0a 03 00",
	  .delta = { .acl_dropped = 1, .bad_boundary = 1 } },
	{ "acl_boundary_flag_00_inside_a_frame",
	  .bytes = "02 40 20 04 00 03 00 04 00 | 02 40 00 03 00 0a 03 00 | 02 40 10 03 00 0a 03 00",
	  .delta = { .acl_dropped = 1, .bad_boundary = 1 }, .att = ATT_SERVED },
	/* ---- command completions nobody asked for ---- */
	{ "command_complete_not_pending", .bytes = "04 0e 0a 01 09 10 00 11 22 33 44 55 66",
	  .delta = { .unexpected_cmds = 1 } },
	{ "command_complete_twice",
	  .bytes = "04 0e 0a 01 09 10 00 11 22 33 44 55 66 | 04 0e 0a 01 09 10 00 11 22 33 44 55 66",
	  .delta = { .unexpected_cmds = 2 } },
	{ "command_status_wrong_opcode", .bytes = "04 0f 04 00 01 0d 20",
	  .delta = { .unexpected_cmds = 1 } },
	{ "command_status_wrong_opcode_while_pending", .bytes = "04 57 00",
	  .check = check_status_wrong_opcode_while_pending },
	{ "command_complete_oversized_while_pending", .bytes = "04 57 00",
	  .check = check_complete_oversized_while_pending },
	{ "stray_completion_with_zero_credits", .bytes = "04 0e 04 00 09 10 00",
	  .delta = { .unexpected_cmds = 1 }, .check = check_commands_flow },
	/* ---- advertising reports ---- */
	{ "adv_report_num_reports_too_large", .scanning = true,
	  .bytes = "04 3e 0f 02 03 00 00 66 55 44 33 22 11 03 02 01 06 c4",
	  .delta = { .reports_rejected = 1 }, .check = check_no_device },
	{ "adv_report_num_reports_too_small", .scanning = true,
	  .bytes = "04 3e 10 02 01 00 00 66 55 44 33 22 11 03 02 01 06 c4 00",
	  .delta = { .reports_rejected = 1 }, .check = check_no_device },
	{ "adv_report_zero_reports", .scanning = true, .bytes = "04 3e 02 02 00",
	  .delta = { .reports_rejected = 1 }, .check = check_no_device },
	{ "adv_report_data_longer_than_31", .scanning = true,
	  .bytes = "04 3e 2d 02 01 00 00 66 55 44 33 22 11 21 "
		   "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
		   "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 c4",
	  .delta = { .reports_rejected = 1 }, .check = check_no_device },
	{ "adv_report_well_formed", .scanning = true, .bytes = ADV_ONE, .check = check_one_device },
	{ "ext_adv_report_num_reports_too_large", .scanning = true,
	  .bytes = "04 3e 1d 0d 02 13 00 01 66 55 44 33 22 11 01 00 ff 7f c4 00 00 00 00 00 00 00 "
		   "00 00 03 02 01 06",
	  .delta = { .reports_rejected = 1 }, .check = check_no_device },
	{ "ext_adv_chain_never_completed", .scanning = true,
	  .bytes = EXT_HEAD("21 00") " 02 01 06", .check = check_no_device },
	{ "ext_adv_chain_truncated", .scanning = true,
	  .bytes = EXT_HEAD("21 00") " 02 01 06 | " EXT_HEAD("41 00") " 02 0a 04",
	  .delta = { .chains_truncated = 1 }, .check = check_truncated_device },
	/* ---- a peer asks for new connection parameters (both roles) ---- */
	{ "remote_conn_param_request_central",
	  .bytes = "04 3e 0b 06 40 00 06 00 0c 00 00 00 c8 00", .check = check_conn_param_reply },
	{ "remote_conn_param_request_peripheral", .peripheral = true,
	  .bytes = "04 3e 0b 06 40 00 06 00 0c 00 00 00 c8 00", .check = check_conn_param_reply },
	{ "remote_conn_param_request_outside_limits", .narrow = true,
	  .bytes = "04 3e 0b 06 40 00 06 00 0c 00 00 00 c8 00",
	  .check = check_conn_param_unacceptable },
	/* the same limits for the L2CAP request of a peripheral peer (CID 5):
	 * 30-50 ms accepted and applied, 7.5-15 ms refused */
	{ "l2cap_conn_param_request_inside_limits", .narrow = true,
	  .bytes = "02 40 20 10 00 0c 00 05 00 12 01 08 00 18 00 28 00 00 00 c8 00",
	  .check = check_l2cap_param_accepted },
	{ "l2cap_conn_param_request_outside_limits", .narrow = true,
	  .bytes = "02 40 20 10 00 0c 00 05 00 12 01 08 00 06 00 0c 00 00 00 c8 00",
	  .check = check_l2cap_param_rejected },
	{ "remote_conn_param_request_invalid",
	  .bytes = "04 3e 0b 06 40 00 0c 00 06 00 00 00 c8 00", .check = check_conn_param_negative },
};

static void on_device(void *ctx, const struct bh_gap_device *d)
{
	struct fx *x = ctx;
	x->devices++;
	x->last_dev = *d;
}

static void on_scan_done(void *ctx, bh_status st)
{
	(void)ctx;
	(void)st;
}

static void run_case(void **state)
{
	const struct hc_case *c = *state;
	struct fx *x = fx_new(c->narrow);
	fx_connect(x, !c->peripheral);
	if (c->scanning) {
		struct bh_gap_scan_params sp = { .active = false, .all_reports = true,
						 .on_device = on_device, .on_done = on_scan_done,
						 .ctx = x };
		assert_int_equal(bh_gap_scan_start(bh_host_gap(x->fh.h), &sp), 0);
		for (int i = 0; i < 100 && !fake_cmd_count(x->fh.f, BH_HCI_LE_SET_SCAN_ENABLE); i++)
			fake_run(x->fh.f, 10);
		fake_run(x->fh.f, 20);
		assert_true(bh_gap_scanning(bh_host_gap(x->fh.h)));
	}
	struct counts before = counts_now(x);
	uint8_t bytes[512];
	size_t ends[16], nends;
	size_t n = parse_hex(c->bytes, bytes, sizeof(bytes), ends, &nends);
	assert_true(n > 0);
	/* One write per packet, so the transport's framing is exercised
	 * packet by packet, and a row with a truncated trailer ends it. */
	size_t off = 0;
	for (size_t i = 0; i < nends; i++) {
		assert_int_equal(fake_raw(x->fh.f, bytes + off, ends[i] - off), 0);
		off = ends[i];
	}
	barrier(x);
	if (c->att == ATT_SERVED) {
		uint8_t rsp[64];
		int k = fake_att_next(x->fh.f, rsp, sizeof(rsp), 1000);
		/* A Read Response, or an Error Response for the Read Request:
		 * either way the request was reassembled and served. */
		assert_true(k >= 1);
		assert_true(rsp[0] == 0x0b || (rsp[0] == 0x01 && k == 5 && rsp[1] == 0x0a));
	} else {
		uint8_t rsp[64];
		assert_int_equal(fake_recv(x->fh.f, 0x0004, rsp, sizeof(rsp), 50), -1);
	}
	struct counts after = counts_now(x);
	expect_delta(&before, &after, &c->delta);
	assert_int_equal(x->fh.fatal, 0);
	assert_int_equal(x->fh.ready, 1);
	if (c->check)
		c->check(x);
	if (c->disc_reason) {
		assert_int_equal(x->fh.disconnected, 1);
		assert_int_equal(x->fh.disc_reason, c->disc_reason);
		assert_null(bh_host_gattc(x->fh.h, FAKE_CONN_HANDLE));
		fx_connect(x, !c->peripheral);
	} else {
		assert_int_equal(x->fh.disconnected, 0);
	}
	expect_link_serves(x);
	fx_free(x);
}

int main(int argc, char **argv)
{
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct CMUnitTest tests[N];
	for (size_t i = 0; i < N; i++)
		tests[i] = (struct CMUnitTest){ cases[i].name, run_case, NULL, NULL,
						(void *)&cases[i] };
	/* One case by name, or all. */
	if (argc == 2) {
		for (size_t i = 0; i < N; i++)
			if (!strcmp(argv[1], cases[i].name))
				return _cmocka_run_group_tests(cases[i].name, &tests[i], 1, NULL, NULL)
					       ? 1 : 0;
		fprintf(stderr, "no such case: %s\n", argv[1]);
		return 2;
	}
	return _cmocka_run_group_tests("hostile_ctrl", tests, N, NULL, NULL) ? 1 : 0;
}
