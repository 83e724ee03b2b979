/* Internal state of the host object, shared by the host source files that wire
 * the layers together. Not installed. */
#ifndef BH_HOST_INTERNAL_H
#define BH_HOST_INTERNAL_H

#include <blehost/att.h>
#include <blehost/bond_store.h>
#include <blehost/gap.h>
#include <blehost/gatt.h>
#include <blehost/hci.h>
#include <blehost/host.h>
#include <blehost/l2cap.h>
#include <blehost/privacy.h>
#include <blehost/smp.h>
#include <blehost/transport.h>

#define HOST_MEM_BONDS 8

/* Per-connection state that belongs to no single layer: the ATT bearer and
 * GATT client of the link, and the glue callbacks' contexts. */
struct host_conn {
	bool used;
	uint16_t handle;
	bool central;
	bh_addr peer, identity, local;
	struct bh_host *h;
	struct bh_att *att;
	struct bh_gattc *gattc;
	struct bh_att_port att_port;
	struct bh_gattc_port gattc_port;
	struct bh_gattc_events gattc_events;
	/* A GATT client request waits for security to be raised. */
	void (*sec_done)(void *ctx, bh_status st);
	void *sec_done_ctx;
	enum bh_sec_level sec_wanted;
	/* A pairing is running on the link (we sent a Pairing Request or
	 * Response and pairing_complete has not come yet). */
	bool pairing_active;
};

/* A blocking helper's wait (host_sync.c). It lives in the host, not in the
 * helper's stack frame nor in a connection: a layer callback that comes
 * after the helper gave up (loop quit, timeout) lands here harmlessly, and
 * the link dying completes it. Free when neither the helper nor a pending
 * callback holds it. */
#define HOST_WAITERS 8
#define HOST_NO_LINK BH_HOST_NO_LINK
enum host_wait_kind { HOST_WAIT_OP, HOST_WAIT_PAIR, HOST_WAIT_FLAG };
struct host_waiter {
	bool helper;     /* a helper is waiting on it */
	bool cb_pending; /* a layer still holds it as a callback context */
	bool done;
	enum host_wait_kind kind;
	bh_status status;
	uint16_t link;   /* the connection it depends on, or HOST_NO_LINK */
	uint16_t handle; /* result: connection or attribute handle */
	uint8_t *out;    /* the helper's buffer (NULL once it gave up) */
	size_t cap, len;
	bool *flag;      /* HOST_WAIT_FLAG: the caller's flag, set on loss too */
	struct bh_host *h;
};

struct bh_host {
	struct bh_host_config cfg;
	struct bh_host_events ev;
	struct bh_env env;
	struct bh_xrand xrand;
	struct bh_loop *loop;
	bool own_loop;

	struct bh_transport *transport;
	struct bh_transport_port transport_port;
	struct bh_trace_writer *trace;
	int transport_fds[8];
	int n_transport_fds;
	bool virtual_time;
	/* Replay: due time of a controller record held back because the host
	 * has not yet sent the packet recorded before it (BH_NEVER: none). */
	bh_time_ms replay_blocked_at;

	struct bh_hci *hci;
	struct bh_hci_port hci_port;
	struct bh_l2cap *l2cap;
	struct bh_l2cap_port l2cap_port;
	struct bh_gap *gap;
	struct bh_gap_port gap_port;
	struct bh_smp *smp;
	struct bh_smp_port smp_port;
	struct bh_gatts *gatts;
	struct bh_gatts_port gatts_port;
	struct bh_gatts_events gatts_events;

	struct bh_bond_store *store;
	struct bh_bond *mem_bonds; /* when there is no store: HOST_MEM_BONDS */
	unsigned n_mem_bonds;
	struct bh_resolver *resolver;
	struct bh_local_identity ident;

	struct host_conn *conns;
	unsigned max_conns;

	bool ready;
	bool ready_done;
	bh_status ready_status;
	bool fatal;
	bh_status fatal_reason;

	struct host_waiter waiters[HOST_WAITERS];
	/* The last link to go and why: a helper called on it afterwards gets
	 * this named error rather than "no such handle". */
	uint16_t lost_handle;
	bh_status lost_status;
	/* Idle controller check (host.c): time of the last packet from the
	 * controller or of the last stack timer, and whether a check command
	 * is out. */
	bh_time_ms last_rx;
	bool idle_check_out;
};

/* host.c */
void host_log(struct bh_host *h, enum bh_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* host_lower.c: transport, trace and HCI plumbing. */
int host_lower_open(struct bh_host *h, char *err, size_t errlen);
void host_lower_close(struct bh_host *h);
void host_hci_port_init(struct bh_host *h);
/* The earliest deadline of the stack's own layers (not the transport, not
 * the application's timers), or BH_NEVER: of HCI, L2CAP, SMP and GAP; of
 * the ATT bearers; of both. */
bh_time_ms host_layers_deadline(struct bh_host *h);
bh_time_ms host_att_deadline(struct bh_host *h);
bh_time_ms host_stack_deadline(struct bh_host *h);

/* host_conn.c: per-connection wiring (GAP, L2CAP, ATT, GATT). */
void host_conn_ports_init(struct bh_host *h);
struct host_conn *host_conn_find(struct bh_host *h, uint16_t handle);
void host_conn_drop_all(struct bh_host *h, bh_status reason);

/* host_sync.c: blocking helpers' waits. A link went (its waiters complete
 * with reason), the controller is lost (every waiter completes), a pairing
 * ended on a link (its pairing waiters complete with st). */
void host_waiters_link_lost(struct bh_host *h, uint16_t handle, bh_status reason,
			    uint8_t hci_reason);
void host_waiters_fatal(struct bh_host *h, bh_status reason);
void host_waiters_pairing(struct bh_host *h, uint16_t handle, bh_status st);

/* host_security.c: SMP, bonds, privacy. */
int host_security_init(struct bh_host *h, char *err, size_t errlen);
void host_security_free(struct bh_host *h);
void host_smp_port_init(struct bh_host *h);
/* Creates SMP once the controller is up (idempotent). */
int host_smp_create(struct bh_host *h);
/* The stored bond of a peer (resolving an RPA), if any. */
bool host_bond_lookup(struct bh_host *h, const bh_addr *peer, struct bh_bond *out);
void host_bond_save(struct bh_host *h, const struct bh_bond *b);
bool host_resolve(struct bh_host *h, const bh_addr *rpa, bh_addr *identity);
/* The GATT client asks for more security on a link. */
int host_raise_security(struct host_conn *c, uint8_t att_error,
			void (*done)(void *done_ctx, bh_status status), void *done_ctx);
/* What a bonded peer's link learned (CCCD values, and with with_cache the
 * GATT client's tree) into its bond, written only when changed; and back. */
void host_save_conn_state(struct bh_host *h, struct host_conn *c, bool with_cache);
void host_restore_cccd(struct bh_host *h, struct host_conn *c);
void host_restore_gatt_cache(struct bh_host *h, struct host_conn *c);

#endif
