/* Replayable hostile SMP cases: recording the victim's side live and
 * replaying it without the evil peer (see hostile.h).
 *
 * Why only the victim: an evil peer speaks raw HCI and sends what no
 * conforming stack would, so a second blehost cannot stand in for it; but
 * everything the victim does follows from its own steps and the packets its
 * controller handed it, which the trace holds. Replaying the victim's trace
 * therefore re-runs the stack's real SMP code against the exact attack, in
 * virtual time, with no btvirt: a change in how blehost answers (another
 * reason code, a Pairing Confirm computed from a bad key, an LTK handed out)
 * shows up as a packet that differs from the recording.
 *
 * The trace stops at the evil peer's disconnect (hx_record_cut): the live
 * post-checks with a well-behaved second peer are not part of the attack
 * and stay live-only. */
#include "hostile.h"

#include <blehost/bh_bytes.h>
#include <blehost/smp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *hx_case_name;
const char *hx_record_dir;

/* Reasons (Vol 3, Part H, 3.5.5): 0x08 Unspecified Reason, 0x0a Invalid
 * Parameters, 0x0b DHKey Check Failed (also what 2.3.5.6.1 asks for a
 * public key that is not valid). What each case must produce is argued in
 * test_smp_sig.c; the values here are the exact ones blehost sends, so a
 * replay notices when they change. The skipped DHKey Check: the victim
 * refuses the LTK (Negative Reply, in the trace) and keeps waiting for the
 * check, so the pairing ends only with the link (BH_EDISCONNECTED). */
static const struct hx_replay_case cases[] = {
	{ "smp_dhkey_check_skipped_then_encrypt", false, 1, BH_EDISCONNECTED },
	{ "smp_public_key_not_on_curve", false, 1, BH_SMP_REASON(0x0b) },
	{ "smp_own_public_key_reflected", true, 1, BH_SMP_REASON(0x0b) },
	{ "smp_public_key_during_legacy_pairing", false, 1, BH_SMP_REASON(0x08) },
	{ "smp_random_before_confirm", false, 1, BH_SMP_REASON(0x08) },
	{ "smp_pairing_request_key_size_253", false, 1, BH_SMP_REASON(0x0a) },
	{ "smp_sc_pdus_out_of_order", false, 2, BH_SMP_REASON(0x08) },
};

const struct hx_replay_case *hx_replay_case(const char *name)
{
	for (size_t i = 0; name && i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

void hx_victim_check(const struct victim *v, const struct hx_replay_case *c)
{
	fprintf(stderr,
		"  victim: connected %u disconnected %u paired %u failed %u (last %s) enc %u/%u "
		"level %u bonded %d fatal %u\n",
		v->connected, v->disconnected, v->paired, v->pair_failed,
		v->pair_failed ? bh_strerror(v->pair_status) : "-", v->enc_on, v->enc_fail,
		v->max_level, v->bonded, v->fatal);
	assert_int_equal(v->fatal, 0);
	assert_int_equal(v->connected, 1);
	assert_int_equal(v->disconnected, 1);
	assert_int_equal(v->paired, 0);
	assert_int_equal(v->pair_failed, c->pair_failed);
	if (c->pair_failed && v->pair_status != c->status) {
		/* two calls: bh_strerror may reuse one buffer for coded statuses */
		fprintf(stderr, "FAIL: %s: pairing ended with %s, ", c->name,
			bh_strerror(v->pair_status));
		fprintf(stderr, "want %s\n", bh_strerror(c->status));
		fail();
	}
	assert_int_equal(v->enc_on, 0);
	assert_int_equal(v->max_level, BH_SEC_NONE);
	assert_false(v->bonded);
}

/* ---- recording ---- */

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb");
	if (!in)
		return -1;
	FILE *out = fopen(to, "wb");
	if (!out) {
		fclose(in);
		return -1;
	}
	char buf[8192];
	size_t n;
	int rc = 0;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (ferror(in))
		rc = -1;
	fclose(in);
	if (fclose(out))
		rc = -1;
	return rc;
}

static void meta_path(const char *trace, char *out, size_t cap)
{
	snprintf(out, cap, "%s", trace);
	char *dot = strrchr(out, '.');
	if (dot && (size_t)(dot - out) + 6 <= cap)
		strcpy(dot, ".meta");
}

void hx_record_cut(struct hx *x)
{
	const struct hx_replay_case *c = hx_replay_case(hx_case_name);
	assert_non_null(c);
	unsigned before = x->v.disconnected;
	if (evil_state(x->e)->connected) {
		assert_int_equal(evil_disconnect(x->e, 0x13, 3000), 0);
		for (int i = 0; i < 50 && x->v.disconnected == before; i++)
			evil_run(x->e, 20);
	}
	/* A peripheral victim re-enables advertising after the disconnect: let
	 * that finish, so the trace ends with the victim idle. */
	evil_run(x->e, 100);
	hx_victim_check(&x->v, c);
	if (!x->trace_full[0])
		return;
	/* The trace writer flushes every record: the file holds exactly what
	 * the victim did up to now, whatever it does afterwards. */
	char out[512], meta[512];
	snprintf(out, sizeof(out), "%s/hostile-%s.btsnoop", hx_record_dir, c->name);
	assert_int_equal(copy_file(x->trace_full, out), 0);
	fprintf(stderr, "  recorded the victim's side: %s\n", out);
	if (c->central) {
		/* The replayed victim connects to this address itself. */
		meta_path(out, meta, sizeof(meta));
		FILE *f = fopen(meta, "w");
		assert_non_null(f);
		const bh_addr *a = &x->v.peer;
		fprintf(f, "peer=%u %02x%02x%02x%02x%02x%02x\n", a->type, a->val[5], a->val[4],
			a->val[3], a->val[2], a->val[1], a->val[0]);
		assert_int_equal(fclose(f), 0);
	}
}

/* ---- replay ---- */

static const char *replay_trace;
static const struct hx_replay_case *replay_c;

static int read_meta(const char *trace, bh_addr *peer)
{
	char meta[512];
	meta_path(trace, meta, sizeof(meta));
	FILE *f = fopen(meta, "r");
	if (!f) {
		fprintf(stderr, "FAIL: no %s (the evil peer's address)\n", meta);
		return -1;
	}
	unsigned type = 0;
	uint8_t b[6];
	int n = fscanf(f, "peer=%u %2hhx%2hhx%2hhx%2hhx%2hhx%2hhx", &type, &b[5], &b[4], &b[3],
		       &b[2], &b[1], &b[0]);
	fclose(f);
	if (n != 7 || type > 1) {
		fprintf(stderr, "FAIL: %s: want \"peer=TYPE HEX12\"\n", meta);
		return -1;
	}
	peer->type = (uint8_t)type;
	memcpy(peer->val, b, 6);
	return 0;
}

/* Runs the victim's loop until the replay has used up the trace (or
 * stopped at a mismatch). Virtual time: the bound only guards a hang. */
static void run_to_end(struct victim *v)
{
	bool never = false;
	for (int k = 0; k < 600 && !bh_host_replay_done(v->h); k++)
		bh_loop_run_until(bh_host_loop(v->h), &never, 1000);
}

/* File scope, so the teardown frees them even when a check fails (cmocka
 * leaves the test function at the failed assertion). */
static struct victim g_victim;
static struct bh_loop *g_loop;

static int replay_teardown(void **state)
{
	(void)state;
	bh_host_free(g_victim.h);
	g_victim.h = NULL;
	bh_loop_free(g_loop);
	g_loop = NULL;
	return 0;
}

static void replay_case(void **state)
{
	(void)state;
	const struct hx_replay_case *c = replay_c;
	g_loop = bh_loop_new();
	struct bh_loop *loop = g_loop;
	assert_non_null(loop);
	memset(&g_victim, 0, sizeof(g_victim));
	struct victim *v = &g_victim;
	char transport[600];
	snprintf(transport, sizeof(transport), "replay:%s", replay_trace);
	/* The same steps as the live victim (hx_new, hx_setup_*, case body),
	 * minus everything the evil peer did: its packets are in the trace. */
	assert_non_null(hx_victim_host(loop, v, transport, NULL, ""));
	if (c->central) {
		bh_addr peer;
		assert_int_equal(read_meta(replay_trace, &peer), 0);
		uint16_t conn = 0;
		int rc = bh_host_connect_sync(v->h, &peer, 5000, &conn);
		if (rc)
			fprintf(stderr, "FAIL: victim connect: %s\n", bh_strerror(rc));
		/* smp_own_public_key_reflected: the victim starts pairing. */
		else if (bh_smp_pair(bh_host_smp(v->h), conn, NULL))
			fprintf(stderr, "FAIL: victim cannot start pairing\n");
	} else {
		hx_victim_serve(v);
		bool never = false;
		for (int i = 0; i < 600 && !v->connected && !bh_host_replay_done(v->h); i++)
			bh_loop_run_until(loop, &never, 20);
	}
	/* A step that failed above shows in the checks below (no connection,
	 * no pairing); the replay's own report comes first, as it says why. */
	run_to_end(v);
	char report[4096] = "";
	int rc = bh_host_replay_result(v->h, report, sizeof(report));
	fprintf(stderr, "  %s\n", report);
	hx_victim_check(v, c);
	assert_int_equal(rc, 0);
}

/* ---- tampering: proof that the packet comparison bites ----
 *
 * Under its own case's steps a trace always reproduces its packets, so a
 * foreign trace only shows that steps and expectations differ. To show that
 * a single changed byte in what the victim sends is caught, a copy of the
 * trace gets the last byte of the victim's last SMP PDU (a Pairing Failed
 * reason, or the victim's nonce when the DHKey Check is skipped) flipped;
 * the replay must then fail on that packet. btsnoop
 * (datalink 1002): 16-byte file header, records of original length,
 * included length, flags (bit 0: received), drops, timestamp, H4 packet. */
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int tamper(const char *from, const char *to)
{
	FILE *f = fopen(from, "rb");
	if (!f)
		return -1;
	static uint8_t buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	size_t hit = 0;
	struct bh_rd r = bh_rd_init(buf, len);
	bh_rd_ptr(&r, 16); /* file header */
	while (bh_rd_left(&r) >= 24) {
		const uint8_t *h = bh_rd_ptr(&r, 24);
		uint32_t incl = be32(h + 4), flags = be32(h + 8);
		size_t at = r.off;
		const uint8_t *p = bh_rd_ptr(&r, incl);
		if (!p)
			return -1; /* truncated record */
		/* sent ACL: 02, handle(2), length(2), L2CAP length(2), CID 0x0006 */
		struct bh_rd pk = bh_rd_init(p, incl);
		bool acl = bh_rd_u8(&pk) == 0x02;
		bh_rd_ptr(&pk, 6);
		if (!(flags & 1) && acl && bh_rd_u16(&pk) == 0x0006 && bh_rd_left(&pk) > 0)
			hit = at + incl - 1;
	}
	if (!hit)
		return -1;
	buf[hit] ^= 0x01;
	f = fopen(to, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(buf, 1, len, f);
	return fclose(f) || w != len ? -1 : 0;
}

int hx_replay_main(const char *name, const char *trace)
{
	replay_c = hx_replay_case(name);
	if (!replay_c) {
		fprintf(stderr, "not a replayable case: %s\n", name);
		return 99; /* meson: a hard error, never an expected failure */
	}
	replay_trace = trace;
	const struct CMUnitTest t[] = { cmocka_unit_test_teardown(replay_case, replay_teardown) };
	return _cmocka_run_group_tests(name, t, 1, NULL, NULL) ? 1 : 0;
}

int hx_replay_tampered_main(const char *name, const char *trace, const char *tmpdir)
{
	char copy[512];
	snprintf(copy, sizeof(copy), "%s/hostile-tampered-%s.btsnoop", tmpdir, name);
	if (tamper(trace, copy)) {
		fprintf(stderr, "cannot tamper with %s into %s\n", trace, copy);
		return 99; /* not the failure a should_fail test waits for */
	}
	int rc = hx_replay_main(name, copy);
	remove(copy);
	return rc;
}
