/* blehost HCI layer: the context shared by hci_cmd.c, hci_event.c,
 * hci_init.c, hci_acl.c and hci_conn.c. Not installed.
 */
#ifndef BH_HCI_INTERNAL_H
#define BH_HCI_INTERNAL_H

#include <blehost/hci.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_pool.h>

/* Commands queued or in flight at once. Two are kept back from callers so
 * bring-up and recovery always find an entry. */
#define HCI_CMD_POOL 32
#define HCI_CMD_RESERVED 2
#define HCI_MAX_CONN_HANDLE 0x0eff /* Vol 4, Part E, 5.4.2 */

enum hci_state {
	HCI_STATE_DOWN,       /* never started, or after a fatal error */
	HCI_STATE_INIT,       /* bh_hci_start's bring-up runs */
	HCI_STATE_RECOVERING, /* bring-up after a command timeout */
	HCI_STATE_READY,
};
const char *hci_state_str(enum hci_state s);

/* Bring-up steps, in order; a step that does not apply is skipped. */
enum hci_init_step {
	HCI_INIT_IDLE,
	HCI_INIT_RESET,
	HCI_INIT_READ_LOCAL_VERSION,
	HCI_INIT_READ_LOCAL_COMMANDS,
	HCI_INIT_READ_LOCAL_FEATURES,
	HCI_INIT_LE_READ_LOCAL_FEATURES,
	HCI_INIT_READ_BD_ADDR,
	HCI_INIT_LE_READ_BUFFER_SIZE,
	HCI_INIT_READ_BUFFER_SIZE,
	HCI_INIT_SET_EVENT_MASK,
	HCI_INIT_WRITE_LE_HOST_SUPPORT,
	HCI_INIT_LE_SET_EVENT_MASK,
	HCI_INIT_DONE,
};
const char *hci_init_step_str(enum hci_init_step s);

struct hci_cmd {
	struct hci_cmd *next;
	uint16_t opcode;
	uint8_t len;
	bool internal; /* bring-up's own command: sent before callers' */
	bh_hci_cmd_cb cb;
	void *ctx;
	bh_time_ms deadline;
	uint8_t params[255];
};

struct hci_cmd_list {
	struct hci_cmd *head, *tail;
};

/* One queued L2CAP frame: a block of the tx pool. */
/* A reassembly buffer's first size: an LE controller's smallest data
 * packet (27) is the usual fragment, the length usually follows at once. */
#define HCI_RX_MIN 64

#define HCI_ACL_HDR 4 /* Handle+PB+BC(2) Data_Total_Length(2) (Vol 4, Part E, 5.4.2) */

struct hci_tx_frame {
	struct hci_tx_frame *next;
	size_t len;
	size_t sent; /* bytes already handed to the controller */
	/* HCI_ACL_HDR bytes of room, then the frame: each fragment goes out
	 * from here with its ACL header written into the 4 bytes before it
	 * (the room, or frame bytes already sent), so no copy is made. */
	uint8_t data[];
};

struct hci_conn {
	bool used;
	uint16_t handle;
	unsigned in_flight;  /* ACL packets the controller holds for us */
	unsigned queued;     /* frames in tx */
	bool want_can_send;  /* a caller saw BH_EBUSY or BH_HCI_ACL_NOW_FULL */
	struct hci_tx_frame *tx_head, *tx_tail;
	/* Reassembly buffer: made by the first fragmented frame, grown
	 * (doubling, up to rx_max_frame) when a frame needs more, freed when
	 * the link ends. A frame in one packet never needs it. */
	uint8_t *rx;
	size_t rx_cap;
	bool rx_active;      /* a start fragment came; the frame is not complete */
	size_t rx_len;       /* bytes of it in rx */
	size_t rx_expected;  /* whole frame length incl. basic header; 0 until
				the header's four bytes are in */
};

struct bh_hci {
	struct bh_hci_config cfg;
	const struct bh_env *env;
	enum hci_state state;
	enum hci_init_step step;
	/* Bumped by every teardown so loops that called out can tell that the
	 * world changed under them and stop. */
	unsigned gen;
	bool no_le_buf_v2;  /* LE Read Buffer Size v2 was rejected: use v1 */
	bool in_start;      /* inside bh_hci_start: failures are returned */
	bh_status start_err;

	/* ACL (the pool of frames is below). */
	struct hci_conn *conns;
	/* The reassembly buffer being handed up, and the one of a link that
	 * ended meanwhile (freed when the handing up returns). */
	uint8_t *rx_delivering, *rx_orphan;
	unsigned acl_credits;
	unsigned tx_queued; /* frames queued on all links: sum of conns[].queued */
	/* Bit i set: conns[i] has a frame queued (tx_head). The pump finds
	 * the next link to serve from here instead of walking every slot
	 * after each completed packet. (max_connections + 31) / 32 words. */
	uint32_t *tx_ready;
	unsigned rr_next; /* round-robin position in conns[] */
	bool acl_pumping;

	/* Commands (their pool is below). */
	struct hci_cmd_list init_q, user_q, pending;
	unsigned cmd_credits;

	/* The port and the large members last, so that the ones above, used
	 * everywhere, sit at small offsets: most instruction sets encode those
	 * shorter (x86-64: one octet below 128, four from there on). */
	struct bh_hci_port port;
	struct bh_pool cmd_pool, tx_pool;
	struct bh_hci_info info;
	struct bh_hci_stats stats;
};

#define hci_log(h, lvl, ...) BH_LOGF((h)->env, (lvl), "hci", __VA_ARGS__)

/* hci_cmd.c */
int hci_cmd_queue(struct bh_hci *hci, bool internal, uint16_t opcode, const void *params,
		  size_t len, bh_hci_cmd_cb cb, void *ctx);
void hci_cmd_pump(struct bh_hci *hci);
/* Command Complete (ret != NULL) or Command Status (status only). */
void hci_cmd_on_complete(struct bh_hci *hci, uint8_t ncmd, uint16_t opcode, bh_status st,
			 const uint8_t *ret, size_t len);
/* Fails every queued and pending command with st (callbacks run). */
void hci_cmd_fail_all(struct bh_hci *hci, bh_status st);
bh_time_ms hci_cmd_next_deadline(const struct bh_hci *hci);
void hci_cmd_check_timeout(struct bh_hci *hci);

/* hci_event.c */
void hci_event_on_packet(struct bh_hci *hci, const uint8_t *pkt, size_t len);

/* hci_init.c */
void hci_init_begin(struct bh_hci *hci, enum hci_state state);
/* Drops everything (commands fail with st, connections vanish). */
void hci_teardown(struct bh_hci *hci, bh_status st);
/* Hardware error, transport loss, failed recovery. */
void hci_fatal(struct bh_hci *hci, bh_status reason);
/* A command timed out with recover_on_timeout set. */
void hci_recover(struct bh_hci *hci);
/* Sends one packet; a failing transport makes the layer fatal. Returns false
 * if the send failed (the caller must assume everything was torn down). */
bool hci_send(struct bh_hci *hci, enum bh_h4_type type, const uint8_t *pkt, size_t len);

/* hci_conn.c */
struct hci_conn *hci_conn_find(struct bh_hci *hci, uint16_t handle);
struct hci_conn *hci_conn_add(struct bh_hci *hci, uint16_t handle);
/* Returns its credits, frees its queue and partial frame. */
void hci_conn_remove(struct bh_hci *hci, struct hci_conn *c);
void hci_conn_remove_all(struct bh_hci *hci);
/* Tracks connections from LE Meta; false: the event must not be passed on. */
bool hci_conn_on_le_meta(struct bh_hci *hci, uint8_t sub, const uint8_t *p, size_t len);
void hci_conn_on_disconn(struct bh_hci *hci, const uint8_t *p, size_t len);

/* hci_acl.c */
void hci_acl_on_packet(struct bh_hci *hci, const uint8_t *pkt, size_t len);
void hci_acl_on_nocp(struct bh_hci *hci, const uint8_t *p, size_t len);
void hci_acl_pump(struct bh_hci *hci);
void hci_acl_flush_conn(struct bh_hci *hci, struct hci_conn *c);

#endif
