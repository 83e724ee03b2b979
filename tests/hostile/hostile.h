/* Shared fixture of the hostile-peer tests: a blehost victim (peripheral
 * serving the demo database, or central) and an evil_peer on its own btvirt
 * controller, both on one loop. Each case runs in its own process (meson
 * registers one test per case), so a crash in one case fails only that one. */
#ifndef BH_TEST_HOSTILE_H
#define BH_TEST_HOSTILE_H

#include "demo_db.h"
#include "evil_peer.h"
#include "host.h"

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
};

struct hx {
	struct bh_loop *loop;
	struct victim v;
	struct evil *e;
	bool central; /* victim role */
	char store[64]; /* victim's bond store directory, "" when none */
};

/* cmocka setups: victim peripheral (advertising the demo database) with the
 * evil peer connected to it as central; or victim central connected to the
 * evil peer advertising. state is a struct hx. */
int hx_setup_peripheral(void **state);
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

#define HX_LE16(v) (uint8_t)((v) & 0xff), (uint8_t)((v) >> 8)

extern const struct CMUnitTest hx_l2cap_att_tests[];
extern const size_t hx_n_l2cap_att_tests;
extern const struct CMUnitTest hx_smp_sig_tests[];
extern const size_t hx_n_smp_sig_tests;

#endif
