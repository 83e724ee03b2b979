/* blehost SMP layer: LE pairing (legacy and Secure Connections), key
 * distribution, encryption set-up, and ATT data signing (Core Vol 3, Part H).
 *
 * One struct bh_smp serves every connection. It is sans-I/O: SMP PDUs come in
 * through bh_smp_on_pdu() (L2CAP fixed channel 6) and leave through
 * port.send(); HCI commands (LE Enable Encryption, LE LTK Request Reply /
 * Negative Reply) leave through port.hci_cmd(); time and random bytes come
 * from the bh_env. The layer never stores bonds itself: the host reads them
 * through port.get_bond() (resolving RPAs) and writes them from
 * port.save_bond(), which is called only when a pairing has fully succeeded,
 * so an old bond is replaced only by a complete new one.
 *
 * Buffer ownership: every pointer handed to a port callback is borrowed for
 * the duration of the callback. Every pointer passed into an API call is
 * copied before the call returns; the caller keeps ownership.
 *
 * Byte order: keys, randoms and addresses are in wire order (least
 * significant octet first) everywhere, as in SMP PDUs and HCI commands.
 */
#ifndef BH_SMP_H
#define BH_SMP_H

#include <blehost/bh_addr.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>
#include <blehost/bond_store.h> /* struct bh_bond */
#include <blehost/smp_crypto.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IO capabilities as carried in Pairing Request/Response (3.5.1, Table 3.4). */
enum bh_smp_io_cap {
	BH_SMP_IO_DISPLAY_ONLY = 0x00,
	BH_SMP_IO_DISPLAY_YES_NO = 0x01,
	BH_SMP_IO_KEYBOARD_ONLY = 0x02,
	BH_SMP_IO_NO_INPUT_NO_OUTPUT = 0x03,
	BH_SMP_IO_KEYBOARD_DISPLAY = 0x04,
};

/* Pairing Failed reason codes (3.5.5, Table 3.7). Carried to callers as
 * BH_SMP_REASON(code). */
enum bh_smp_reason {
	BH_SMP_ERR_PASSKEY_ENTRY_FAILED = 0x01,
	BH_SMP_ERR_OOB_NOT_AVAILABLE = 0x02,
	BH_SMP_ERR_AUTH_REQUIREMENTS = 0x03,
	BH_SMP_ERR_CONFIRM_VALUE_FAILED = 0x04,
	BH_SMP_ERR_PAIRING_NOT_SUPPORTED = 0x05,
	BH_SMP_ERR_ENC_KEY_SIZE = 0x06,
	BH_SMP_ERR_CMD_NOT_SUPPORTED = 0x07,
	BH_SMP_ERR_UNSPECIFIED = 0x08,
	BH_SMP_ERR_REPEATED_ATTEMPTS = 0x09,
	BH_SMP_ERR_INVALID_PARAMS = 0x0a,
	BH_SMP_ERR_DHKEY_CHECK_FAILED = 0x0b,
	BH_SMP_ERR_NUMERIC_COMPARISON_FAILED = 0x0c,
	BH_SMP_ERR_BREDR_IN_PROGRESS = 0x0d,
	BH_SMP_ERR_CTKD_NOT_ALLOWED = 0x0e,
	BH_SMP_ERR_KEY_REJECTED = 0x0f,
};

/* Key distribution bits (3.6.1). In Secure Connections the LTK is derived
 * (f5), so BH_SMP_DIST_ENC distributes nothing on LE. */
#define BH_SMP_DIST_ENC 0x01
#define BH_SMP_DIST_ID 0x02
#define BH_SMP_DIST_SIGN 0x04
#define BH_SMP_DIST_ALL 0x07

/* Security level of a link, lowest first. */
enum bh_sec_level {
	BH_SEC_NONE = 0,             /* not encrypted */
	BH_SEC_ENCRYPTED = 1,        /* encrypted, unauthenticated key (Just Works) */
	BH_SEC_AUTHENTICATED = 2,    /* encrypted, MITM-protected key (legacy or SC) */
	BH_SEC_SC_AUTHENTICATED = 3, /* encrypted, MITM-protected SC key */
};
const char *bh_sec_level_str(enum bh_sec_level l);

struct bh_security {
	enum bh_sec_level level;
	uint8_t key_size; /* 0 when not encrypted */
	bool sc;          /* key from LE Secure Connections */
	bool bonded;      /* the key in use is (or will be) stored */
};

/* A build with -Dsmp_legacy=false has no LE legacy pairing: whatever the
 * mode, a pairing that would not use LE Secure Connections ends with
 * Pairing Failed (Authentication Requirements), exactly as in
 * BH_SMP_SC_ONLY (Vol 3, Part H, 2.3.5.1); BH_SMP_LEGACY_ONLY then never
 * pairs. */
enum bh_smp_sc_mode {
	BH_SMP_SC_PREFERRED = 0, /* SC when the peer supports it, else legacy */
	BH_SMP_SC_ONLY = 1,      /* refuse legacy pairing (Auth Requirements) */
	BH_SMP_LEGACY_ONLY = 2,  /* never set the SC bit */
};

struct bh_smp_config {
	enum bh_smp_io_cap io_cap; /* default set by the agent preset */
	bool bonding;              /* AuthReq bonding flags */
	bool mitm;                 /* require MITM protection */
	enum bh_smp_sc_mode sc_mode;
	bool keypress;             /* AuthReq keypress bit; we never send notifications and
				      ignore received ones */
	uint8_t min_key_size;      /* default 16 when 0; clamped to 7..16 */
	uint8_t max_key_size;      /* default 16 when 0; clamped to min..16 */
	uint8_t init_key_dist;     /* keys the initiator distributes; default ENC|ID|SIGN */
	uint8_t resp_key_dist;     /* keys the responder distributes; default ENC|ID|SIGN.
				      -Dsigned_write=false clears SIGN from both, whatever
				      is asked: no CSRK is requested, sent or stored */
	bool allow_debug_keys;     /* accept the peer's SC debug public key */
	bool use_debug_keys;       /* use the debug key pair ourselves (sniffable!) */
	/* Let a bonding pairing replace a stored bond with a weaker one. Off
	 * (default): a pairing whose result would be weaker in any respect
	 * than the bond kept for the peer's identity (from port.get_bond: the on-air
	 * address, resolved; and again for an identity the peer distributes)
	 * is refused before any key is replaced, with Pairing Failed
	 * Authentication Requirements (unauthenticated over authenticated,
	 * legacy over Secure Connections) or Encryption Key Size (a shorter
	 * key), and pairing_complete gets BH_EDOWNGRADE. This stops a device
	 * that spoofs a bonded peer's address from taking its bond over with
	 * Just Works (the CVE-2021-3436 class). */
	bool allow_bond_downgrade;
	uint32_t timeout_ms;       /* SMP timeout, default 30000 (3.4) */
	uint32_t backoff_base_ms;  /* repeated-attempts wait after 1st failure, default 2000 */
	uint32_t backoff_max_ms;   /* cap of the exponential back-off, default 64000 */
	unsigned max_conns;        /* default 8 */
	/* Our identity, distributed when BH_SMP_DIST_ID is agreed. */
	uint8_t local_irk[16];
	bh_addr local_identity;
};

/* Agent presets: IO capability plus the MITM wish that makes sense for it. */
enum bh_smp_agent {
	BH_SMP_AGENT_NO_INPUT_NO_OUTPUT,
	BH_SMP_AGENT_DISPLAY_ONLY,
	BH_SMP_AGENT_DISPLAY_YES_NO,
	BH_SMP_AGENT_KEYBOARD_ONLY,
	BH_SMP_AGENT_KEYBOARD_DISPLAY,
};
/* Fills cfg with defaults (bonding, SC preferred, key size 16, all keys,
 * 30 s timeout) and the preset's IO capability; MITM for all but
 * NoInputNoOutput. */
void bh_smp_config_preset(struct bh_smp_config *cfg, enum bh_smp_agent agent);

/* Peer OOB data for one pairing. Legacy: tk. SC: the peer's r and C (Ra/Ca),
 * received out of band; C is checked against the peer's public key. */
struct bh_smp_oob {
	uint8_t tk[16];
	uint8_t r[16];
	uint8_t c[16];
};

struct bh_smp_port {
	void *ctx;
	/* An SMP PDU for L2CAP CID 6. Returns 0, or BH_EBUSY (queued by SMP and
	 * retried on bh_smp_on_can_send), or another error (PDU dropped). */
	int (*send)(void *ctx, uint16_t handle, const uint8_t *pdu, size_t len);
	/* Same contract as bh_hci_cmd(). cbctx points into the bh_smp: see
	 * bh_smp_forget_cmds() before freeing it while commands are pending. */
	int (*hci_cmd)(void *ctx, uint16_t opcode, const void *params, size_t len,
		       void (*cb)(void *cbctx, bh_status status, const uint8_t *ret, size_t len),
		       void *cbctx);
	/* The bond for a peer (the lead resolves RPAs to identities). false if none. */
	bool (*get_bond)(void *ctx, const bh_addr *peer, struct bh_bond *out);
	/* Store or replace a bond (only after a successful pairing with bonding,
	 * or after a sign counter changed). A bond from a pairing carries no
	 * CCCD / GATT cache blobs: keep the stored ones if the identity is the
	 * same. Returns whether the bond was kept. When it was not (a full
	 * disk), a pairing's link is not bonded (its security says so), and a
	 * signature or verification whose counter was not kept fails with
	 * BH_EIO: a counter must never be reused, nor a signed write replayed
	 * because the store still holds the old counter. May be NULL (every
	 * bond kept). */
	bool (*save_bond)(void *ctx, const struct bh_bond *bond);
	/* A pairing ended; also a failed re-encryption from a bond (HCI status,
	 * bond NULL). Called exactly once per pairing. status: BH_OK,
	 * BH_SMP_REASON(code) (the reason we sent or received), BH_EDOWNGRADE
	 * (we refused: it would replace a stronger bond), BH_ETIMEDOUT,
	 * BH_EDISCONNECTED, BH_HCI_STATUS(c) (encryption failed), BH_ENOMEM
	 * (the HCI command could not be queued). bond is non-NULL on success
	 * (also when not bonding: then it is not saved). */
	void (*pairing_complete)(void *ctx, uint16_t handle, bh_status status,
				 const struct bh_bond *bond);
	/* The link's encryption changed (also after re-encryption from a bond). */
	void (*security_changed)(void *ctx, uint16_t handle, const struct bh_security *sec);
	/* Agent. Any may be NULL: a NULL passkey_request / confirm_number makes
	 * the pairing fail (Passkey Entry Failed / Numeric Comparison Failed). */
	void (*passkey_display)(void *ctx, uint16_t handle, uint32_t passkey);
	void (*passkey_request)(void *ctx, uint16_t handle); /* -> bh_smp_passkey_reply */
	void (*confirm_number)(void *ctx, uint16_t handle, uint32_t number); /* -> bh_smp_confirm_reply */
	/* Authorization of an incoming Pairing Request / Security Request
	 * (peer_authreq is its AuthReq octet; peer_io_cap is 0xff for a
	 * Security Request, which carries none). false refuses with Pairing
	 * Not Supported. NULL = accept. */
	bool (*pairing_request)(void *ctx, uint16_t handle, uint8_t peer_io_cap,
				uint8_t peer_authreq);
	/* Synchronous: do we hold OOB data from this peer? Fill *out and return
	 * true. sc tells which fields are used. NULL = no OOB data. */
	bool (*oob_request)(void *ctx, uint16_t handle, const bh_addr *peer, bool sc,
			    struct bh_smp_oob *out);
};

struct bh_smp;

/* Copies cfg and port. Generates our P-256 key pair from env. NULL on
 * allocation or key generation failure. */
struct bh_smp *bh_smp_new(const struct bh_smp_config *cfg, const struct bh_smp_port *port,
			  const struct bh_env *env);
void bh_smp_free(struct bh_smp *smp);
/* Calls forget(ctx, cbctx) for every cbctx this instance may have handed to
 * port.hci_cmd (e.g. forget = a wrapper of bh_hci_cmd_forget), so no
 * command callback reaches a freed bh_smp. */
void bh_smp_forget_cmds(struct bh_smp *smp, void (*forget)(void *ctx, void *cbctx), void *ctx);

/* Our SC OOB data to hand to the peer out of band: r (random, fixed until
 * the next call) and C = f4(PKx, PKx, r, 0). */
int bh_smp_sc_oob_local(struct bh_smp *smp, uint8_t r[16], uint8_t c[16]);

/* Connections. central: true when we are central (initiator of pairing
 * and encryption). local/peer: the addresses used on air for this
 * connection (for privacy, the RPAs), as pairing hashes them (c1, f5, f6).
 * Returns 0, BH_EEXIST, BH_EINVAL or BH_ENOMEM (max_conns reached). */
int bh_smp_conn_added(struct bh_smp *smp, uint16_t handle, bool central, const bh_addr *local,
		      const bh_addr *peer);
/* A pending pairing completes with BH_EDISCONNECTED. */
void bh_smp_conn_removed(struct bh_smp *smp, uint16_t handle);
/* The link's local address, corrected after bh_smp_conn_added: with
 * extended advertising a connection event may name no set, and the set's
 * Advertising Set Terminated, which follows it, says which address the
 * peer connected to. Pairings from now on hash this one. Returns 0 or
 * BH_ENOTFOUND. */
int bh_smp_conn_local(struct bh_smp *smp, uint16_t handle, const bh_addr *local);

/* Inputs from L2CAP and HCI. */
void bh_smp_on_pdu(struct bh_smp *smp, uint16_t handle, const uint8_t *pdu, size_t len);
/* L2CAP can take PDUs again: flushes what send() refused with BH_EBUSY. */
void bh_smp_on_can_send(struct bh_smp *smp, uint16_t handle);
/* HCI Encryption Change (status is the HCI status octet). */
void bh_smp_on_encrypt_change(struct bh_smp *smp, uint16_t handle, uint8_t status, bool enabled);
/* HCI Encryption Key Refresh Complete. */
void bh_smp_on_key_refresh(struct bh_smp *smp, uint16_t handle, uint8_t status);
/* HCI LE Long Term Key Request (peripheral): replies through port.hci_cmd. */
void bh_smp_on_ltk_request(struct bh_smp *smp, uint16_t handle, uint64_t rand, uint16_t ediv);

bh_time_ms bh_smp_next_deadline(const struct bh_smp *smp);
void bh_smp_on_timeout(struct bh_smp *smp);

/* Options of one pairing (bh_smp_pair with NULL uses the config's). */
struct bh_smp_pair_opts {
	bool bonding;
	bool mitm;
};

/* Central: start pairing (sends Pairing Request). opts NULL = config.
 * Returns 0, BH_ENOTFOUND, BH_ESTATE (not central, pairing already running,
 * or the link timed out), BH_EPERM (repeated-attempts back-off running). */
int bh_smp_pair(struct bh_smp *smp, uint16_t handle, const struct bh_smp_pair_opts *opts);
/* Raise the link to level. Central: encrypts with the bond's LTK if it
 * satisfies level, else pairs. Peripheral: sends a Security Request.
 * Returns 0 (in progress, or already satisfied: security_changed not called
 * again), or the errors of bh_smp_pair. */
int bh_smp_request_security(struct bh_smp *smp, uint16_t handle, enum bh_sec_level level);

/* Agent answers. BH_ESTATE if nothing is being asked on that link. */
int bh_smp_passkey_reply(struct bh_smp *smp, uint16_t handle, bool accept, uint32_t passkey);
int bh_smp_confirm_reply(struct bh_smp *smp, uint16_t handle, bool accept);

/* Current security of a link (all zero for an unknown handle). */
struct bh_security bh_smp_security(const struct bh_smp *smp, uint16_t handle);

/* ATT signed writes (Vol 3, Part H, 2.4.5). bh_smp_sign: signature (12
 * octets: SignCounter LE || MAC) over msg (the ATT PDU without signature)
 * with our CSRK for that peer's bond; the bond's counter is incremented and
 * saved. bh_smp_verify: checks a peer's signature with its CSRK; a counter
 * below the stored one is a replay (BH_EPERM); a bad MAC is BH_ESECURITY; no
 * bond or CSRK is BH_ENOTFOUND. On success the stored counter moves past it;
 * BH_EIO (no signature, nothing verified) if port.save_bond cannot keep the
 * new counter. A build with -Dsigned_write=false: all three return
 * BH_ENOTSUP and touch nothing (a bond's CSRK fields, loaded from a full
 * build's file, are kept as they are). */
int bh_smp_sign(struct bh_smp *smp, uint16_t handle, const uint8_t *msg, size_t len,
		uint8_t sig[12]);
int bh_smp_verify(struct bh_smp *smp, uint16_t handle, const uint8_t *msg, size_t len,
		  const uint8_t sig[12]);
/* The raw algorithm, for tests and for the lead: sig = counter || MAC. */
int bh_smp_sign_raw(const uint8_t csrk[16], uint32_t counter, const uint8_t *msg, size_t len,
		    uint8_t sig[12]);

#endif
