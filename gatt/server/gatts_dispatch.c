/* GATT server request dispatch: one table entry per ATT opcode the server
 * takes, decoded (which checks its length) before the handler runs, and the
 * robust caching gate for change-unaware clients (Vol 3, Part G, 2.5.2.1).
 */
#include "gatts_internal.h"

#include <string.h>

const char *gatts_cache_str(enum gatts_cache c)
{
	switch (c) {
	case GATTS_AWARE: return "change-aware";
	case GATTS_UNAWARE: return "change-unaware";
	case GATTS_UNAWARE_HASH_READ: return "change-unaware (hash read)";
	case GATTS_UNAWARE_TOLD: return "change-unaware (told out of sync)";
	}
	return "?";
}

/* The minimum lengths (Vol 3, Part F, 3.4.x) are bh_att_decode's. */
struct op_entry {
	uint8_t opcode;
	bool range; /* starts with a handle range (p->u.range) */
	gatts_handler *fn;
};

static const struct op_entry ops[] = {
	{ BH_ATT_FIND_INFO_REQ, true, gatts_find_info },
	{ BH_ATT_FIND_BY_TYPE_REQ, true, gatts_find_by_type },
	{ BH_ATT_READ_BY_TYPE_REQ, true, gatts_read_by_type },
	{ BH_ATT_READ_REQ, false, gatts_read },
	{ BH_ATT_READ_BLOB_REQ, false, gatts_read },
	{ BH_ATT_READ_MULT_REQ, false, gatts_read_mult },
	{ BH_ATT_READ_BY_GROUP_REQ, true, gatts_read_by_type },
	{ BH_ATT_WRITE_REQ, false, gatts_write_req },
	{ BH_ATT_PREP_WRITE_REQ, false, gatts_prep_write },
	{ BH_ATT_EXEC_WRITE_REQ, false, gatts_exec_write },
	{ BH_ATT_READ_MULT_VAR_REQ, false, gatts_read_mult },
	{ BH_ATT_WRITE_CMD, false, gatts_write_cmd },
	{ BH_ATT_SIGNED_WRITE_CMD, false, gatts_signed_write },
};

static const struct op_entry *find_op(uint8_t opcode)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

/* Whether a request is the one a change-unaware client may still make:
 * reading the Database Hash with Read By Type. */
static bool is_hash_read(const struct bh_att_pdu *p)
{
	return p->opcode == BH_ATT_READ_BY_TYPE_REQ &&
	       bh_uuid_as16(&p->u.read_by_type_req.type) == GATTS_UUID_DB_HASH;
}

/* 0 when the request may go on, else Database Out Of Sync: a request is
 * answered with it, a command ignored. */
static uint8_t caching_gate(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			    bool is_cmd)
{
	if (c->cache == GATTS_AWARE || !(c->csf & GATTS_CSF_ROBUST_CACHING))
		return 0;
	if (is_cmd)
		return BH_ATT_E_DB_OUT_OF_SYNC; /* commands from an unaware client are ignored */
	if (c->cache != GATTS_UNAWARE) {
		/* It read the hash or was told it is out of sync; this next
		 * request shows it acted on that. */
		BH_LOGF(s->env, BH_LOG_DEBUG, "gatt", "conn 0x%04x: %s -> aware", c->conn,
			gatts_cache_str((enum gatts_cache)c->cache));
		c->cache = GATTS_AWARE;
		return 0;
	}
	if (is_hash_read(p))
		return 0;
	c->cache = GATTS_UNAWARE_TOLD;
	return BH_ATT_E_DB_OUT_OF_SYNC;
}

void bh_gatts_on_pdu(struct bh_gatts *s, uint16_t conn, const uint8_t *pdu, size_t len)
{
	if (!s || !pdu || len < 1)
		return;
	uint8_t op = pdu[0];
	bool is_cmd = bh_att_is_command(op);
	uint16_t handle = 0;
	uint8_t code;
	struct gatts_conn *c = gatts_conn_find(s, conn);
	if (!c) {
		/* Not a connection we were told about: answer requests so the
		 * peer's bearer is not stuck, but keep no state. */
		if (!bh_att_is_request(op))
			return;
		code = BH_ATT_E_UNLIKELY;
		goto answer;
	}
	const struct op_entry *e = find_op(op);
	if (!e) {
		/* Unknown commands are ignored; unknown requests get Request Not
		 * Supported (Part F, 3.4.1.1 and 3.3). Responses, notifications
		 * and confirmations are the bearer's business, not ours. */
		if (is_cmd || (!bh_att_is_request(op) && bh_att_is_response(op)) ||
		    op == BH_ATT_NOTIFY || op == BH_ATT_INDICATE || op == BH_ATT_CONFIRM ||
		    op == BH_ATT_MULT_NOTIFY)
			return;
		code = BH_ATT_E_REQUEST_NOT_SUPPORTED;
		goto answer;
	}
	struct bh_att_pdu p;
	if (bh_att_decode(pdu, len, &p) != BH_OK) {
		BH_LOGF(s->env, BH_LOG_DEBUG, "gatt", "conn 0x%04x: malformed %s (%zu octets)", conn,
			bh_att_opcode_str(op), len);
		if (is_cmd)
			return;
		code = BH_ATT_E_INVALID_PDU;
		goto answer;
	}
	code = caching_gate(s, c, &p, is_cmd);
	if (code && is_cmd)
		return;
	if (code)
		goto answer;
	/* The four range requests: 0 or start > end is Invalid Handle with the
	 * starting handle (3.4.3.1 and others). */
	if (e->range && (p.u.range.start == 0 || p.u.range.start > p.u.range.end)) {
		handle = p.u.range.start;
		code = BH_ATT_E_INVALID_HANDLE;
		goto answer;
	}
	/* Handlers hold attribute pointers across application callbacks. */
	s->in_request = true;
	struct gatts_req q = { .raw = pdu, .raw_len = len, .handle = p.u.range.start };
	code = e->fn(s, c, &p, &q);
	if (code) {
		gatts_error(s, conn, op, q.handle, code);
	} else if (q.rsp_len) {
		/* Every response's opcode is its request's plus one. */
		s->scratch[0] = (uint8_t)(op + 1);
		gatts_respond(s, conn, s->scratch, q.rsp_len);
	}
	s->in_request = false;
	return;
answer:
	/* Refused before any handler ran. */
	gatts_error(s, conn, op, handle, code);
}
