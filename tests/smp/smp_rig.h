/* Two bh_smp instances wired back to back through fake ports: PDUs go
 * through a queue to the other side, and a fake controller turns LE Enable
 * Encryption into an LTK Request on the peripheral and an Encryption Change
 * on both sides when the keys match. Randomness is seeded; the agent answers
 * passkeys with what the other side displayed (or a scripted value). */
#ifndef SMP_RIG_H
#define SMP_RIG_H

#include <blehost/smp.h>

#include <stdbool.h>
#include <stdint.h>

#define RIG_HANDLE 0x0040
#define RIG_MAX_BONDS 4
#define RIG_QLEN 256

enum rig_ev_type { EV_PDU, EV_CMD_STATUS, EV_LTK_REQ, EV_ENC_CHANGE };

struct rig_ev {
	enum rig_ev_type type;
	int to; /* side index */
	uint8_t buf[80];
	size_t len;
	void (*cb)(void *cbctx, bh_status st, const uint8_t *ret, size_t len);
	void *cbctx;
	uint8_t status;
	uint64_t rand;
	uint16_t ediv;
};

struct rig;

struct side {
	struct rig *rig;
	int idx;
	struct bh_smp *smp;
	struct bh_smp_config cfg;
	struct bh_env env;
	struct bh_xrand rnd;
	/* scripted random bytes, used before rnd when non-empty */
	uint8_t script[64];
	size_t script_len, script_off;
	bh_addr addr;
	bool central;
	/* bond store */
	struct bh_bond bonds[RIG_MAX_BONDS];
	int nbonds;
	int saves;
	bool refuse_saves; /* the store cannot keep a bond (a full disk) */
	/* results */
	int completes;
	bh_status status;
	struct bh_bond done_bond;
	int sec_changes;
	struct bh_security sec;
	/* agent */
	bool displayed;
	uint32_t display_value;
	bool want_passkey;
	int passkey_reqs;
	int passkey_mode; /* 0: peer's displayed, 1: wrong, 2: fixed, 3: reject, 4: never answer */
	uint32_t fixed_passkey;
	bool want_confirm;
	int confirm_reqs;
	uint32_t number;
	bool confirm_accept;
	bool confirm_never; /* leave confirm_number unanswered */
	bool no_agent;      /* port without passkey_request / confirm_number */
	bool sync_agent;    /* answer inside the callback (fixed passkey / confirm_accept) */
	bool reject_pairing;
	bool have_oob;
	struct bh_smp_oob oob;
	bool oob_sc_from_peer; /* fill r/c from the peer's bh_smp_sc_oob_local */
	/* traffic */
	int sent;
	uint8_t log[64][80]; /* first 64 PDUs sent */
	size_t log_len[64];
	int other_sent;
	uint8_t last[80];
	size_t last_len;
	int busy; /* next n send() calls return BH_EBUSY */
	int hci_fail; /* next hci_cmd call fails with BH_ENOMEM */
	int cmds;
	uint16_t last_op;
	uint8_t last_cmd[40];
	int enc_status_override; /* non-zero: central's Command Status carries it */
};

struct rig {
	struct side s[2];
	bh_time_ms now;
	struct rig_ev q[RIG_QLEN];
	unsigned qh, qn;
	bool drop; /* drop PDUs instead of delivering */
	/* called before a PDU is delivered; may modify it or return false to drop */
	bool (*tamper)(struct rig *r, int to, uint8_t *pdu, size_t *len);
	int tamper_arg;
	uint8_t enc_key[2][16]; /* key each side gave the controller */
	bool enc_pending;
	uint64_t enc_rand;
	uint16_t enc_ediv;
};

/* Sets up both sides with presets (side 0 central) but does not create
 * the instances: tweak r->s[i].cfg, then rig_start(). */
void rig_init(struct rig *r, enum bh_smp_agent a0, enum bh_smp_agent a1);
void rig_start(struct rig *r);
void rig_reconnect(struct rig *r);
void rig_free(struct rig *r);
/* Delivers events one at a time; stop(r) may end early. Returns events run. */
int rig_run(struct rig *r, bool (*stop)(struct rig *r));
/* Inject raw PDU into side `to` (as if from the other side). */
void rig_inject(struct rig *r, int to, const uint8_t *pdu, size_t len);
struct bh_bond *rig_find_bond(struct side *s, const bh_addr *peer);
void hex2bin(const char *hex, uint8_t *out, size_t n);
void hex2wire(const char *hex, uint8_t *out, size_t n); /* MSO-first hex -> LSO-first */

#endif
