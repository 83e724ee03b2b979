/* blehost ATT: the PDU codec (every PDU of Vol 3, Part F, 3.4, encoded and
 * decoded in one place) and the bearer (one per connection: MTU, one
 * outstanding request, queued requests, the 30-second transaction timeout,
 * notifications and indications with confirmation).
 *
 * Sans-I/O: PDUs come in through bh_att_on_pdu() and leave through
 * port.send(); time comes from env->now().
 *
 * Buffer ownership: pointers given to callbacks (and the pointers inside a
 * decoded struct bh_att_pdu) are borrowed from the input for the duration of
 * the callback/the input's lifetime. Every buffer passed into an API call is
 * copied before it returns.
 */
#ifndef BH_ATT_H
#define BH_ATT_H

#include <blehost/bh_env.h>
#include <blehost/bh_err.h>
#include <blehost/bh_uuid.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BH_ATT_CID 0x0004
#define BH_ATT_DEFAULT_MTU 23
#define BH_ATT_MAX_MTU 517
#define BH_ATT_MAX_VALUE 512 /* longest attribute value (Vol 3, Part F, 3.2.9) */
#define BH_ATT_TIMEOUT_MS 30000

enum bh_att_opcode {
	BH_ATT_ERROR_RSP = 0x01,
	BH_ATT_MTU_REQ = 0x02,
	BH_ATT_MTU_RSP = 0x03,
	BH_ATT_FIND_INFO_REQ = 0x04,
	BH_ATT_FIND_INFO_RSP = 0x05,
	BH_ATT_FIND_BY_TYPE_REQ = 0x06,
	BH_ATT_FIND_BY_TYPE_RSP = 0x07,
	BH_ATT_READ_BY_TYPE_REQ = 0x08,
	BH_ATT_READ_BY_TYPE_RSP = 0x09,
	BH_ATT_READ_REQ = 0x0a,
	BH_ATT_READ_RSP = 0x0b,
	BH_ATT_READ_BLOB_REQ = 0x0c,
	BH_ATT_READ_BLOB_RSP = 0x0d,
	BH_ATT_READ_MULT_REQ = 0x0e,
	BH_ATT_READ_MULT_RSP = 0x0f,
	BH_ATT_READ_BY_GROUP_REQ = 0x10,
	BH_ATT_READ_BY_GROUP_RSP = 0x11,
	BH_ATT_WRITE_REQ = 0x12,
	BH_ATT_WRITE_RSP = 0x13,
	BH_ATT_PREP_WRITE_REQ = 0x16,
	BH_ATT_PREP_WRITE_RSP = 0x17,
	BH_ATT_EXEC_WRITE_REQ = 0x18,
	BH_ATT_EXEC_WRITE_RSP = 0x19,
	BH_ATT_READ_MULT_VAR_REQ = 0x20,
	BH_ATT_READ_MULT_VAR_RSP = 0x21,
	BH_ATT_MULT_NOTIFY = 0x23,
	BH_ATT_NOTIFY = 0x1b,
	BH_ATT_INDICATE = 0x1d,
	BH_ATT_CONFIRM = 0x1e,
	BH_ATT_WRITE_CMD = 0x52,
	BH_ATT_SIGNED_WRITE_CMD = 0xd2,
};

/* Opcode bits (Vol 3, Part F, 3.3.1). */
#define BH_ATT_OP_COMMAND_FLAG 0x40
#define BH_ATT_OP_SIGNED_FLAG 0x80

enum bh_att_ecode {
	BH_ATT_E_INVALID_HANDLE = 0x01,
	BH_ATT_E_READ_NOT_PERMITTED = 0x02,
	BH_ATT_E_WRITE_NOT_PERMITTED = 0x03,
	BH_ATT_E_INVALID_PDU = 0x04,
	BH_ATT_E_INSUFF_AUTHENTICATION = 0x05,
	BH_ATT_E_REQUEST_NOT_SUPPORTED = 0x06,
	BH_ATT_E_INVALID_OFFSET = 0x07,
	BH_ATT_E_INSUFF_AUTHORIZATION = 0x08,
	BH_ATT_E_PREPARE_QUEUE_FULL = 0x09,
	BH_ATT_E_ATTRIBUTE_NOT_FOUND = 0x0a,
	BH_ATT_E_ATTRIBUTE_NOT_LONG = 0x0b,
	BH_ATT_E_ENC_KEY_SIZE_TOO_SHORT = 0x0c,
	BH_ATT_E_INVALID_VALUE_LENGTH = 0x0d,
	BH_ATT_E_UNLIKELY = 0x0e,
	BH_ATT_E_INSUFF_ENCRYPTION = 0x0f,
	BH_ATT_E_UNSUPPORTED_GROUP_TYPE = 0x10,
	BH_ATT_E_INSUFF_RESOURCES = 0x11,
	BH_ATT_E_DB_OUT_OF_SYNC = 0x12,
	BH_ATT_E_VALUE_NOT_ALLOWED = 0x13,
	BH_ATT_E_WRITE_REQUEST_REJECTED = 0xfc,
	BH_ATT_E_CCCD_IMPROPER = 0xfd,
	BH_ATT_E_PROCEDURE_IN_PROGRESS = 0xfe,
	BH_ATT_E_OUT_OF_RANGE = 0xff,
};

/* ---- PDU codec ---------------------------------------------------------- */

/* A decoded PDU. Variable parts point into the decoded input. Lists (Find
 * Information, Find By Type Value, Read By Type, Read By Group Type, Read
 * Multiple handles, Read Multiple Variable) are left as raw bytes with their
 * element size; bh_att_decode has checked that they divide evenly and are
 * not empty where the spec requires at least one element. */
struct bh_att_pdu {
	uint8_t opcode;
	union {
		struct { uint8_t req_opcode; uint16_t handle; uint8_t code; } error;
		struct { uint16_t mtu; } mtu;                       /* MTU req/rsp */
		struct { uint16_t start, end; } range;              /* Find Info req */
		struct { uint8_t format; uint8_t elem_len; const uint8_t *data; size_t len; } find_info_rsp;
		struct { uint16_t start, end; uint16_t type; const uint8_t *value; size_t len; } find_by_type_req;
		struct { const uint8_t *data; size_t len; } find_by_type_rsp; /* 4-octet elements */
		struct { uint16_t start, end; bh_uuid type; } read_by_type_req; /* also by group */
		struct { uint8_t elem_len; const uint8_t *data; size_t len; } read_by_type_rsp; /* also by group */
		struct { uint16_t handle; uint16_t offset; } read;  /* Read req (offset 0), Read Blob req */
		struct { const uint8_t *value; size_t len; } value; /* Read/Blob/Multiple/MultVar rsp */
		struct { const uint8_t *handles; size_t count; } read_mult_req; /* also MultVar req */
		struct { uint16_t handle; const uint8_t *value; size_t len; } write; /* Write req/cmd, Notify, Indicate */
		struct { uint16_t handle; uint16_t offset; const uint8_t *value; size_t len; } prep; /* req and rsp */
		struct { uint8_t flags; } exec;                     /* Execute Write req */
		struct { uint16_t handle; const uint8_t *value; size_t len; const uint8_t *signature; } signed_write; /* signature: 12 octets */
		struct { const uint8_t *data; size_t len; } mult_notify; /* (handle, length, value) tuples */
	} u;
};

/* Returns BH_OK, BH_EMALFORMED (too short, bad lengths, bad list), or
 * BH_ENOTSUP (unknown opcode: out->opcode is still set). */
int bh_att_decode(const uint8_t *pdu, size_t len, struct bh_att_pdu *out);
/* Encodes into out; returns the length, or 0 if it does not fit in cap or the
 * PDU is invalid. Value-carrying PDUs are not truncated here. */
size_t bh_att_encode(const struct bh_att_pdu *pdu, uint8_t *out, size_t cap);
/* Encodes an Error Response. Returns 5. */
size_t bh_att_encode_error(uint8_t out[5], uint8_t req_opcode, uint16_t handle, uint8_t code);

bool bh_att_is_request(uint8_t opcode);  /* expects a response */
bool bh_att_is_response(uint8_t opcode); /* includes Error Response */
bool bh_att_is_command(uint8_t opcode);  /* the Command Flag is set */
/* The response opcode for a request opcode, or 0. */
uint8_t bh_att_response_for(uint8_t req_opcode);
/* The PDU's name ("Read By Type Request"), "Unknown ATT PDU" for an opcode
 * without one. A build without texts (-Derror_text=false) gives every
 * opcode as hex ("0x08") in a thread-local buffer valid until the next
 * call. */
const char *bh_att_opcode_str(uint8_t opcode);

/* ---- Bearer ------------------------------------------------------------- */

struct bh_att;

struct bh_att_config {
	uint16_t local_mtu; /* what we offer in Exchange MTU; default 517 */
	unsigned max_queued_requests; /* client requests waiting their turn; default 16 */
	unsigned timeout_ms; /* transaction timeout; default 30000 (tests may shorten) */
	unsigned max_queued_indications; /* indications waiting their turn; default 4 */
};
void bh_att_config_default(struct bh_att_config *c);

struct bh_att_port {
	void *ctx;
	/* Send one PDU on the ATT fixed channel. 0, or BH_EBUSY when there is
	 * no room now (the bearer keeps the PDU and retries on bh_att_can_send).
	 * May return BH_ATT_NOW_FULL instead of 0: sent, and there is no room
	 * for the next one; bh_att_can_send must then follow when room returns.
	 * Until it does, notifications and commands get BH_EBUSY unbuilt.
	 * BH_ENOMEM: a response or confirmation is kept and sent again after
	 * BH_ATT_RETRY_MS (bh_att_next_deadline), a request fails with it. */
	int (*send)(void *ctx, const uint8_t *pdu, size_t len);
	/* Server role: a request, command or signed write arrived. For a
	 * request the server must call bh_att_respond() exactly once, now or
	 * later; until it does, further requests are held (one at a time, as
	 * the spec requires). MTU requests and confirmations are handled by the
	 * bearer itself and are not delivered here. */
	void (*server_pdu)(void *ctx, const uint8_t *pdu, size_t len);
	/* Client role: a Handle Value Notification or Indication. For an
	 * indication the bearer sends the confirmation after this returns. */
	void (*notification)(void *ctx, uint16_t handle, const uint8_t *value, size_t len,
			     bool indication);
	/* The MTU changed (after an exchange in either direction). */
	void (*mtu_changed)(void *ctx, uint16_t mtu);
	/* The bearer died: a transaction timed out (the spec forbids further
	 * use of the bearer). Pending operations already completed. */
	void (*dead)(void *ctx, bh_status reason);
	/* Room returned for notifications/commands after BH_EBUSY. */
	void (*can_send)(void *ctx);
};

struct bh_att *bh_att_new(const struct bh_att_config *cfg, const struct bh_env *env,
			  const struct bh_att_port *port);
/* Completes all pending with BH_EDISCONNECTED (callbacks run), then frees. */
void bh_att_free(struct bh_att *att);

/* A PDU from L2CAP channel 4. */
void bh_att_on_pdu(struct bh_att *att, const uint8_t *pdu, size_t len);
/* The lower layer has room again: the bearer flushes what it holds. */
void bh_att_can_send(struct bh_att *att);
/* The link is gone: every pending and queued operation completes with
 * reason (normally BH_EDISCONNECTED), exactly once. */
void bh_att_disconnected(struct bh_att *att, bh_status reason);

bh_time_ms bh_att_next_deadline(const struct bh_att *att);
void bh_att_on_timeout(struct bh_att *att);

uint16_t bh_att_mtu(const struct bh_att *att);
/* An enhanced ATT bearer (EATT, Vol 3, Part G, 5.3.2) has no MTU exchange:
 * its ATT_MTU is that of the L2CAP channel, set here (at most local_mtu).
 * Later Exchange MTU Requests are answered but change nothing. */
void bh_att_set_fixed_mtu(struct bh_att *att, uint16_t mtu);
/* Client requests queued or outstanding (for spreading load over bearers). */
unsigned bh_att_outstanding(const struct bh_att *att);
/* A dead bearer sends nothing more (Vol 3, Part F, 3.3.3), and every later
 * call that would send returns why it died: BH_ETIMEDOUT after a transaction
 * timeout, else the reason bh_att_disconnected was given (never BH_OK). */
bool bh_att_is_dead(const struct bh_att *att);
#define BH_ATT_NOW_FULL 1
#define BH_ATT_RETRY_MS 100
/* True when port.send said BH_ATT_NOW_FULL and bh_att_can_send has not come
 * since: the next notification or command gets BH_EBUSY, and port.can_send
 * follows when room returns (a caller that sent the last one may wait for
 * it instead of trying). */
bool bh_att_full(const struct bh_att *att);

/* Client: a response or its error. status is BH_OK with the response PDU
 * (opcode first), BH_ATT_ERROR(code) with the Error Response PDU in rsp,
 * BH_EMALFORMED (the response did not decode; rsp holds it), BH_ETIMEDOUT,
 * BH_EDISCONNECTED or BH_ECANCELLED (rsp NULL). */
typedef void (*bh_att_rsp_cb)(void *ctx, bh_status status, const uint8_t *rsp, size_t len);

/* Queues a request PDU (opcode first); requests go out one at a time in
 * order. An MTU request also updates the bearer's MTU on its response.
 * Returns 0, BH_ENOMEM (queue full), BH_EINVAL (not a request, or longer
 * than the MTU) or why the bearer is dead (bh_att_is_dead). On error cb is
 * never called. */
int bh_att_request(struct bh_att *att, const uint8_t *req, size_t len, bh_att_rsp_cb cb, void *ctx);
/* Cancels queued/pending requests whose ctx matches: their callbacks run
 * with BH_ECANCELLED. A request already sent still occupies the bearer
 * until its response or timeout; the response is then dropped. NULL att:
 * nothing (a link whose bearer could not be made frees its client).
 * The callbacks run before this returns and may re-enter: a request they
 * queue (even with this ctx) is not cancelled by this call, and a cancel
 * they make (any ctx) completes its own requests once; not bh_att_free. */
void bh_att_cancel(struct bh_att *att, void *ctx);

/* Client: Write Command or Signed Write Command (any opcode with the Command
 * Flag). 0, BH_EBUSY (not kept: wait for port.can_send), BH_EINVAL (not a
 * command, or longer than the MTU) or why the bearer is dead. */
int bh_att_send_command(struct bh_att *att, const uint8_t *pdu, size_t len);

/* Server: the response (or Error Response) to the request being served.
 * 0 (sent, or held after BH_EBUSY and sent on bh_att_can_send), BH_ESTATE
 * (no request being served), why the bearer is dead, or BH_EINVAL (opcode does not
 * answer the request, or longer than the MTU). Malformed requests are
 * answered by the bearer with Invalid PDU, unknown ones with Request Not
 * Supported; neither reaches port.server_pdu. */
int bh_att_respond(struct bh_att *att, const uint8_t *rsp, size_t len);
/* Server: Handle Value Notification. Values longer than MTU-3 are truncated
 * as the spec requires; *truncated (may be NULL) tells the caller.
 * Returns 0, BH_EBUSY (no room now, not kept: wait for can_send),
 * BH_EINVAL (value NULL with len > 0), why the bearer is dead, or BH_ENOMEM
 * (the bearer's notification buffer, made by the first notification and
 * grown to the longest, could not be made). */
int bh_att_notify(struct bh_att *att, uint16_t handle, const uint8_t *value, size_t len,
		  bool *truncated);
/* Server: Multiple Handle Value Notification (3.4.7.4). tuples is the
 * Handle Length Value Tuple List, two or more whole tuples; nothing is
 * truncated. 0, BH_EBUSY (not kept: wait for can_send), BH_EINVAL (fewer
 * than two tuples, a tuple cut short, or longer than MTU-1), why the bearer
 * is dead, or
 * BH_ENOMEM (as bh_att_notify). */
int bh_att_notify_multiple(struct bh_att *att, const uint8_t *tuples, size_t len);
/* Server: Handle Value Indication; one outstanding at a time, queued
 * otherwise (BH_ENOMEM when the queue is full). Values longer than MTU-3
 * are truncated (3.4.7.2). cb runs on the confirmation (BH_OK), timeout
 * (BH_ETIMEDOUT; the bearer dies) or disconnect. Also BH_EINVAL, or why the
 * bearer is dead. */
int bh_att_indicate(struct bh_att *att, uint16_t handle, const uint8_t *value, size_t len,
		    bh_att_rsp_cb cb, void *ctx);

#endif
