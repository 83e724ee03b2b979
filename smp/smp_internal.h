/* SMP internals shared by smp.c (core, dispatch, timers, encryption),
 * smp_keys.c (key distribution), smp_sign.c (signing), smp_initiator.c,
 * smp_responder.c, smp_legacy.c and smp_sc.c. Not installed. */
#ifndef BH_SMP_INTERNAL_H
#define BH_SMP_INTERNAL_H

#include <blehost/bh_pool.h>
#include <blehost/smp.h>
#include "smp_pdu.h"

/* Where a link's pairing stands. One state per "what PDU do we wait for". */
enum smp_state {
	SMP_ST_IDLE = 0,         /* no pairing running */
	SMP_ST_WAIT_PAIRING_RSP, /* initiator: Pairing Request sent */
	SMP_ST_WAIT_PUBKEY,      /* SC: waiting for the peer's Public Key */
	SMP_ST_WAIT_CONFIRM,     /* waiting for the peer's Confirm */
	SMP_ST_WAIT_RANDOM,      /* waiting for the peer's Random */
	SMP_ST_WAIT_DHKEY_CHECK, /* SC: waiting for the peer's DHKey Check */
	SMP_ST_WAIT_ENCRYPT,     /* keys ready; waiting for the link to encrypt */
	SMP_ST_KEY_DIST,         /* encrypted; waiting for the peer's keys */
	SMP_ST_TIMED_OUT,        /* SMP timer expired: no SMP until reconnection */
};
const char *smp_state_str(enum smp_state s);

/* Association model (2.3.5.1). PK_*: who types the passkey. */
enum smp_method {
	SMP_M_JUST_WORKS = 0,
	SMP_M_NUMERIC_COMPARISON,
	SMP_M_PK_INIT_INPUT, /* initiator inputs, responder displays */
	SMP_M_PK_RESP_INPUT, /* responder inputs, initiator displays */
	SMP_M_PK_BOTH_INPUT,
	SMP_M_OOB,
};
const char *smp_method_str(enum smp_method m);

enum smp_user {
	SMP_USER_NONE = 0,
	SMP_USER_PASSKEY, /* passkey_request outstanding */
	SMP_USER_CONFIRM, /* confirm_number outstanding */
};

/* The keys this build can distribute: -Dsigned_write=false (BH_SMP_NO_SIGN)
 * has no use for a CSRK, so SignKey is cleared from both distribution
 * fields of the configuration and is never asked for nor sent (3.6.1). */
#ifdef BH_SMP_NO_SIGN
#define SMP_DIST_BUILT (BH_SMP_DIST_ENC | BH_SMP_DIST_ID)
#else
#define SMP_DIST_BUILT BH_SMP_DIST_ALL
#endif

#define SMP_TXQ 8

struct smp_conn {
	/* Flags, counters and pointers first, the keys and values exchanged
	 * and the tx queue last, so that most members sit at small offsets:
	 * most instruction sets encode those shorter (x86-64: one octet below
	 * 128, four from there on). wipe_pairing clears initiator..txq. */
	bool used;
	uint16_t handle;
	bool central;
	bh_addr local, peer;
	enum smp_state state;
	bh_time_ms deadline; /* SMP timer, BH_NEVER when stopped */

	/* Link security. */
	bool encrypted;
	struct bh_security sec;
	bool reencrypting; /* central: Enable Encryption with a bond's LTK */
	struct bh_security reenc_sec;

	/* PDUs send() refused with BH_EBUSY: see txq. */
	uint8_t tx_head, tx_count;

	/* Pairing in progress. */
	bool pairing;     /* a pairing_complete is owed */
	bool initiator;
	bool sc;
	bool bonding;
	bool auth; /* the method gives MITM protection */
	enum smp_method method;
	uint8_t key_size;
	uint8_t send_dist;   /* keys we still have to send */
	uint8_t expect_dist; /* keys we still expect from the peer */
	bool got_enc_info, got_id_info;
	enum smp_user user;
	bool tk_ready;     /* legacy TK / SC passkey known */
	uint32_t passkey;
	bool have_pconfirm; /* a peer Confirm arrived while the user was typing */
	bool sent_confirm;
	/* Secure Connections */
	bool have_pcheck;   /* a DHKey Check arrived while the user decided */
	bool nc_accepted;
	bool sent_check;    /* initiator: our DHKey Check is out */
	uint8_t round;      /* passkey entry round 0..19 */
	bool local_oob;     /* we hold the peer's OOB data */
	bool peer_oob;      /* the peer holds ours */

	/* Built up during pairing and saved at its end, or filled by a bond
	 * lookup (re-encryption, an LTK request): ~9 KB with the host's CCCD
	 * and GATT cache room, so made on first use (smp_conn_bond) and freed
	 * with the link. NULL until then. */
	struct bh_bond *bond;

	/* The pairing's exchanged PDUs, keys and values. */
	uint8_t preq[7], pres[7];
	uint8_t tk[16];
	uint8_t lrand[16];   /* our Mrand/Srand or Na/Nb(i) */
	uint8_t prand[16];   /* the peer's */
	uint8_t pconfirm[16];
	uint8_t stk[16];     /* legacy STK or SC LTK, masked to key_size */
	/* Secure Connections */
	uint8_t peer_pub[64];
	uint8_t dhkey[32];
	uint8_t mackey[16];
	uint8_t pcheck[16];
	struct bh_smp_oob oob;

	/* PDUs send() refused with BH_EBUSY, oldest first (tx_head, tx_count
	 * above). */
	struct {
		uint8_t len;
		uint8_t buf[SMP_MAX_PDU];
	} txq[SMP_TXQ];
};

/* Repeated Attempts (2.3.6): per-peer exponential back-off. */
#define SMP_BACKOFF_SLOTS 8
struct smp_backoff {
	bool used;
	bh_addr peer;
	uint32_t interval_ms;
	bh_time_ms until;
};

struct smp_cmd_slot {
	struct bh_smp *smp;
	bool used;
	uint16_t handle;
	uint16_t opcode;
};
#define SMP_CMD_SLOTS 16

struct bh_smp {
	/* What most functions use comes first, the pools, keys and tables
	 * last, so that the former sit at small offsets: most instruction
	 * sets encode those shorter (x86-64: one octet below 128, four from
	 * there on). */
	const struct bh_env *env;
	struct smp_conn **conns; /* cfg.max_conns entries, NULL = free */
	unsigned nconns; /* entries not NULL: the per-pass deadline walk stops there */
	bool pub_ready; /* pub computed from priv (smp_own_pub) */
	bool oob_r_valid;
	struct bh_bond *scratch; /* signing, downgrade check: a bond read (smp_scratch) */
	struct bh_smp_config cfg;
	struct bh_smp_port port;
	struct bh_pool conn_pool;
	struct bh_pool bond_pool; /* smp_conn.bond and scratch, made on first use */
	uint8_t priv[32], pub[64];
	uint8_t oob_r[16], oob_c[16];
	struct smp_backoff backoff[SMP_BACKOFF_SLOTS];
	struct smp_cmd_slot cmds[SMP_CMD_SLOTS];
};

#define SMP_LOG(smp, lvl, ...) BH_LOGF((smp)->env, lvl, "smp", __VA_ARGS__)

/* smp.c */
struct smp_conn *smp_conn_find(const struct bh_smp *smp, uint16_t handle);
/* c->bond, made (zeroed) by the first call; NULL when it cannot be made
 * (the bond pool's fault injection, or out of memory). */
struct bh_bond *smp_conn_bond(struct bh_smp *smp, struct smp_conn *c);
/* The process-wide bond scratch, made by the first call; NULL likewise. */
struct bh_bond *smp_scratch(struct bh_smp *smp);
/* Sends the PDU code || param[0..n) (n < SMP_MAX_PDU). */
void smp_send(struct bh_smp *smp, struct smp_conn *c, uint8_t code, const void *param, size_t n);
/* Sends Pairing Failed(reason) and ends the pairing with BH_SMP_REASON(reason). */
void smp_fail(struct bh_smp *smp, struct smp_conn *c, uint8_t reason);
/* Our P-256 public key, computed on first use; false if libcrypto failed. */
bool smp_own_pub(struct bh_smp *smp);
/* Sends Pairing Failed(reason) and ends the pairing with status. */
void smp_fail_status(struct bh_smp *smp, struct smp_conn *c, uint8_t reason, bh_status status);
/* Ends the pairing with status without sending anything. */
void smp_abort(struct bh_smp *smp, struct smp_conn *c, bh_status status);
void smp_timer_restart(struct bh_smp *smp, struct smp_conn *c);
/* Central: LE Enable Encryption with key (masked), rand, ediv. */
int smp_start_encryption(struct bh_smp *smp, struct smp_conn *c, const uint8_t key[16],
			 const uint8_t rand[8], uint16_t ediv);
/* Sends HCI command opcode; its parameters p start with the link's handle. */
void smp_hci(struct bh_smp *smp, uint16_t opcode, const uint8_t *p, size_t len);
/* Central, pairing: encrypts with c->stk (EDIV and Rand 0, 2.4.4.1), or
 * fails the pairing (Unspecified Reason). */
void smp_encrypt_stk(struct bh_smp *smp, struct smp_conn *c);
/* c->stk (legacy STK or SC LTK) cut to the negotiated key size; fails the
 * pairing (Unspecified Reason) and returns false if that leaves it zero. */
bool smp_stk_ready(struct bh_smp *smp, struct smp_conn *c);
bool smp_backoff_active(struct bh_smp *smp, const bh_addr *peer);
bool smp_is_zero(const uint8_t *p, size_t n);
/* The level a key of this kind gives (authenticated, Secure Connections). */
enum bh_sec_level smp_level_of(bool auth, bool sc);
/* A bond's LTK l (one of b's): false unless it is valid and not zero; else
 * the security it gives in *sec and the key as the controller is given it
 * (the octets past its key size, 7..15, zeroed). */
bool smp_bond_key(const struct bh_bond *b, const struct bh_bond_ltk *l, struct bh_security *sec,
		  uint8_t key[16]);
/* Draws a passkey 0..999999 from env. */
uint32_t smp_random_passkey(struct bh_smp *smp);

/* smp_features.c (association model; shared by both roles) */
uint8_t smp_local_authreq(const struct bh_smp *smp, bool bonding, bool mitm);
/* Our Pairing Request or Response (code) into out: the OOB Data Flag says
 * whether the application has OOB data for this peer (port.oob_request, kept
 * in c->oob); without bonding no key is distributed. */
void smp_put_pairing(struct bh_smp *smp, struct smp_conn *c, uint8_t code, bool sc,
		     bool bonding, bool mitm, uint8_t idist, uint8_t rdist, uint8_t out[7]);
/* Checks the exchanged features (c->preq, c->pres) and fills c->sc, method,
 * key_size, dists, then refuses a downgrade (smp_refuse_downgrade). False:
 * the pairing failed (with the reason sent). */
bool smp_agree(struct bh_smp *smp, struct smp_conn *c);
/* If the negotiated pairing (c->bonding, auth, sc, key_size) would replace
 * the bond stored for identity with a weaker one and the config does not
 * allow it: fails the pairing (BH_EDOWNGRADE) and returns true; also when
 * there is no memory to read the stored bond (BH_ENOMEM, Unspecified
 * Reason): a bond it cannot compare is never replaced. */
bool smp_refuse_downgrade(struct bh_smp *smp, struct smp_conn *c, const bh_addr *identity);
/* Starts the user interaction (display / input) the method needs. */
void smp_method_start(struct bh_smp *smp, struct smp_conn *c);
/* Phase 2 once the features are agreed (and, as responder, answered):
 * Secure Connections, or legacy after the method's interaction. */
void smp_phase2_start(struct bh_smp *smp, struct smp_conn *c);

/* Pairing Confirm, both families (smp_features.c): legacy c1 over the TK,
 * or SC f4 with z (the passkey round's bit, else 0). Sends ours over a
 * fresh nonce; false when the pairing failed (Unspecified Reason). */
bool smp_send_confirm(struct bh_smp *smp, struct smp_conn *c, uint8_t z);
/* Checks the peer's Confirm against its nonce c->prand; false when the
 * pairing failed (Confirm Value Failed). */
bool smp_check_confirm(struct bh_smp *smp, struct smp_conn *c, uint8_t z);
/* Once the TK or passkey is known and the method waits for a Confirm: the
 * initiator sends its own, the responder answers the peer's if it came. */
void smp_confirm_ready(struct bh_smp *smp, struct smp_conn *c, uint8_t z);

/* smp_initiator.c */
int smp_init_pair(struct bh_smp *smp, struct smp_conn *c, bool bonding, bool mitm);
void smp_init_on_pairing_rsp(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p);
void smp_init_on_security_req(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p);
/* Central encrypts with the bond's LTK if it fits; true if started. */
bool smp_init_reencrypt(struct bh_smp *smp, struct smp_conn *c, bool need_mitm, bool need_sc);

/* smp_responder.c */
void smp_resp_on_pairing_req(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p);
int smp_resp_security_request(struct bh_smp *smp, struct smp_conn *c, enum bh_sec_level level);
/* Answers the controller's LE Long Term Key Request with key, or refuses
 * it (key NULL). */
void smp_ltk_answer(struct bh_smp *smp, uint16_t handle, const uint8_t *key);
void smp_resp_on_ltk_request(struct bh_smp *smp, struct smp_conn *c, uint64_t rand,
			     uint16_t ediv);

/* smp_legacy.c */
void smp_legacy_start(struct bh_smp *smp, struct smp_conn *c);
void smp_legacy_on_confirm(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16]);
void smp_legacy_on_random(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16]);

/* smp_sc.c */
void smp_sc_start(struct bh_smp *smp, struct smp_conn *c);
void smp_sc_on_public_key(struct bh_smp *smp, struct smp_conn *c, const uint8_t pk[64]);
void smp_sc_on_confirm(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16]);
void smp_sc_on_random(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16]);
void smp_sc_on_dhkey_check(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16]);
void smp_sc_confirm_reply(struct bh_smp *smp, struct smp_conn *c, bool accept);

/* smp_keys.c */
/* Link encrypted during pairing: distribute keys / wait for the peer's. */
void smp_keys_start(struct bh_smp *smp, struct smp_conn *c);
void smp_keys_on_pdu(struct bh_smp *smp, struct smp_conn *c, const struct smp_pdu *p);
/* Pairing finished well: save the bond, report. */
void smp_pairing_done(struct bh_smp *smp, struct smp_conn *c);

#endif
