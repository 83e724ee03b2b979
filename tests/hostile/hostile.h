/* Shared fixture of the hostile-peer tests: a blehost victim (peripheral
 * serving the demo database, or central) and an evil_peer on its own btvirt
 * controller, both on one loop. Each case runs in its own process (meson
 * registers one test per case), so a crash in one case fails only that one. */
#ifndef BH_TEST_HOSTILE_H
#define BH_TEST_HOSTILE_H

#include "demo_db.h"
#include "evil_peer.h"
#include <blehost/host.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

struct victim {
	struct bh_host *h;
	struct demo_handles dh;
	unsigned connected, disconnected, paired, pair_failed, enc_on, enc_fail, fatal;
	uint16_t conn;
	bh_addr peer; /* of the last connection */
	uint8_t disc_reason;
	bh_status pair_status;
	bool bonded;       /* some pairing_complete said the key is (to be) stored */
	uint8_t max_level; /* highest enum bh_sec_level seen on the link at any event */
};

struct hx {
	struct bh_loop *loop;
	struct victim v;
	struct evil *e;
	bool central; /* victim role */
	char store[64]; /* victim's bond store directory, "" when none */
	char trace_full[512]; /* recording: the victim's whole trace (removed at teardown) */
};

/* cmocka setups: victim peripheral (advertising the demo database) with the
 * evil peer connected to it as central; or victim central connected to the
 * evil peer advertising. state is a struct hx. */
int hx_setup_peripheral(void **state);
/* The victim's bh_host_config.eatt_bearers (0 unless a setup sets it). */
extern unsigned hx_victim_eatt;
int hx_setup_central(void **state);
/* Victim peripheral with a bond store, bonded (Secure Connections, Just
 * Works) with a well-behaved blehost central using a random static address;
 * that central is gone and the evil peer, not yet connected, is open.
 * hx_bonded_addr() gives the identity the victim bonded with. */
int hx_setup_bonded(void **state);
bh_addr hx_bonded_addr(const struct hx *x);
/* Disconnects the evil peer, checks the victim saw it, then proves the victim
 * still serves a well-behaved blehost central on a fresh connection
 * (peripheral victims) and frees everything. */
int hx_teardown(void **state);

/* ATT on the evil link: sends pdu and returns the response length (copied
 * to rsp) or -1 if none came within ms. */
int hx_att(struct hx *x, const uint8_t *pdu, size_t len, uint8_t *rsp, size_t cap, unsigned ms);
/* Asserts rsp is an ATT Error Response for req_opcode/handle with code. */
void hx_expect_att_error(const uint8_t *rsp, int n, uint8_t req_opcode, uint16_t handle,
			 uint8_t code);
/* The same link still works: a Read Request of the sensor location
 * characteristic gets its value (0x01). */
void hx_expect_link_alive(struct hx *x);
/* Sends an SMP PDU and returns the next SMP PDU from the victim (or -1). */
int hx_smp(struct hx *x, const uint8_t *pdu, size_t len, uint8_t *rsp, size_t cap, unsigned ms);

/* ---- Replayable cases (hostile_replay.c) ----
 *
 * Some SMP cases are recorded live: the victim writes its HCI trace (seeded
 * randomness, empty in-memory store), and hx_record_cut() at the end of the
 * case body keeps only the attack part of it, up to the evil peer's
 * disconnect, as RECORD_DIR/hostile-CASE.btsnoop (central victims also get
 * hostile-CASE.meta: the evil peer's address the victim connected to). The
 * replay (hx_replay_main) runs the same victim steps against that trace with
 * no evil peer and no controller, checks the same victim-side expectations
 * (hx_victim_check) and requires every packet the victim sent to match. */
struct hx_replay_case {
	const char *name;
	bool central;         /* victim role */
	unsigned pair_failed; /* pairing_complete calls with a failure */
	bh_status status;     /* the last failure's status: the exact SMP reason, or
				 BH_EDISCONNECTED when only the disconnect ended it */
};
/* The case's entry, or NULL if it is not replayable. */
const struct hx_replay_case *hx_replay_case(const char *name);
/* Set by main(): the case running now, and where live runs record traces
 * (NULL: no recording). */
extern const char *hx_case_name;
extern const char *hx_record_dir;
/* Victim-side expectations of a replayable case once the attack is over and
 * the evil peer has disconnected: exactly one connection, gone again, no
 * pairing succeeded, c->pair_failed failures with c->status as the last,
 * never encrypted, never bonded, no fatal error. */
void hx_victim_check(const struct victim *v, const struct hx_replay_case *c);
/* End of a replayable case's live body: the evil peer disconnects, the
 * victim settles, hx_victim_check() runs, and the victim's trace so far is
 * copied out as the committed-to-be recording. */
void hx_record_cut(struct hx *x);
/* Replay mode: `test_hostile replay CASE TRACE` (TRACE from any case: a
 * foreign one must fail). Returns the process exit status. */
int hx_replay_main(const char *name, const char *trace);
/* `test_hostile replay-tampered CASE TRACE TMPDIR`: the same replay against
 * a copy of TRACE (in TMPDIR) with one byte of the victim's last SMP PDU
 * flipped. Must fail (the replay tests' own should_fail proof). */
int hx_replay_tampered_main(const char *name, const char *trace, const char *tmpdir);
/* The victim's host as both modes create it (seed 7, store as given, log
 * and events into v): transport NULL for $BLEHOST_TRANSPORT, trace NULL for
 * none. Started and settled (20 ms). NULL on failure. */
struct bh_host *hx_victim_host(struct bh_loop *loop, struct victim *v, const char *transport,
			       const char *trace, const char *store);
/* The victim peripheral's steps after start: demo database, advertising. */
void hx_victim_serve(struct victim *v);

#define HX_LE16(v) (uint8_t)((v) & 0xff), (uint8_t)((v) >> 8)

extern const struct CMUnitTest hx_l2cap_att_tests[];
extern const size_t hx_n_l2cap_att_tests;
extern const struct CMUnitTest hx_smp_sig_tests[];
extern const size_t hx_n_smp_sig_tests;
extern const struct CMUnitTest hx_ecfc_tests[];
extern const size_t hx_n_ecfc_tests;
extern const struct CMUnitTest hx_bond_tests[];
extern const size_t hx_n_bond_tests;

#endif
