/* HCI event dispatch (Vol 4, Part E, 5.4.4 and 7.7).
 *
 * Every event and every LE Meta sub-event is looked up in a table that gives
 * the fixed part's minimum length; a shorter event is counted and dropped
 * before any handler or the layer above sees it. Unknown events and
 * sub-events are forwarded as they are (the layer above may know them).
 */
#include "hci_internal.h"

#include <stddef.h>

typedef void (*evt_handler)(struct bh_hci *hci, const uint8_t *p, size_t len);

#define NO_HANDLE 0xff

struct evt_entry {
	uint8_t code;
	uint8_t min_len;
	evt_handler handler; /* NULL: forwarded only */
	bool forward;        /* after the handler, to port.event */
	uint8_t handle_at;   /* offset of a Connection_Handle that must be connected */
};

/* Command Complete: Num_HCI_Command_Packets(1) Opcode(2) Return_Parameters
 * (7.7.14). A non-zero first return octet is the status for nearly every
 * command, which is what callers want to see as a bh_status carrier. */
static void on_cmd_complete(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	/* The table's minimum length (3) was checked. */
	uint8_t ncmd = p[0];
	uint16_t opcode = bh_get16(p + 1);
	size_t rlen = len - 3;
	const uint8_t *ret = p + 3;
	bh_status st = BH_OK;
	if (opcode != 0 && rlen == 0)
		st = BH_EMALFORMED; /* no status octet at all */
	else if (rlen > 0 && ret[0] != 0)
		st = BH_HCI_STATUS(ret[0]);
	hci_cmd_on_complete(hci, ncmd, opcode, st, rlen ? ret : NULL, rlen);
}

/* Command Status: Status(1) Num_HCI_Command_Packets(1) Opcode(2) (7.7.15). */
static void on_cmd_status(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	/* The table's minimum length (4) was checked. */
	(void)len;
	uint8_t status = p[0], ncmd = p[1];
	uint16_t opcode = bh_get16(p + 2);
	hci_cmd_on_complete(hci, ncmd, opcode, status ? BH_HCI_STATUS(status) : BH_OK, NULL, 0);
}

static void on_hardware_error(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	(void)len;
	hci_log(hci, BH_LOG_ERROR, "Hardware Error 0x%02x", p[0]);
	/* Forward first: the host learns the code, then the fatal. */
	if (hci->port.event)
		hci->port.event(hci->port.ctx, BH_HCI_EVT_HARDWARE_ERROR, p, len);
	hci_fatal(hci, BH_EHWERROR);
}

static void on_disconn(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	hci_conn_on_disconn(hci, p, len);
}

static void on_nocp(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	hci_acl_on_nocp(hci, p, len);
}

static void on_le_meta(struct bh_hci *hci, const uint8_t *p, size_t len);

static const struct evt_entry evt_table[] = {
	/* Num_Handles(1), then 4 octets per handle, checked by the handler
	 * (7.7.19); first, as it comes once per packet sent */
	{ BH_HCI_EVT_NUM_COMPLETED_PACKETS, 1, on_nocp, false, NO_HANDLE },
	/* Status(1) Connection_Handle(2) Reason(1) (7.7.5); checked by its
	 * handler, which passes an unknown handle on (see bh_hci_stats) */
	{ BH_HCI_EVT_DISCONN_COMPLETE, 4, on_disconn, true, NO_HANDLE },
	/* Status(1) Handle(2) Encryption_Enabled(1) (7.7.8) */
	{ BH_HCI_EVT_ENCRYPT_CHANGE, 4, NULL, true, 1 },
	/* Status(1) Handle(2) Version(1) Company(2) Subversion(2) (7.7.12) */
	{ BH_HCI_EVT_READ_REMOTE_VERSION_COMPLETE, 8, NULL, true, 1 },
	{ BH_HCI_EVT_CMD_COMPLETE, 3, on_cmd_complete, false, NO_HANDLE },
	{ BH_HCI_EVT_CMD_STATUS, 4, on_cmd_status, false, NO_HANDLE },
	/* Hardware_Code(1) (7.7.16); forwarded by its handler */
	{ BH_HCI_EVT_HARDWARE_ERROR, 1, on_hardware_error, false, NO_HANDLE },
	/* Link_Type(1) (7.7.26) */
	{ BH_HCI_EVT_DATA_BUFFER_OVERFLOW, 1, NULL, true, NO_HANDLE },
	/* Status(1) Handle(2) (7.7.39) */
	{ BH_HCI_EVT_ENCRYPT_KEY_REFRESH_COMPLETE, 3, NULL, true, 1 },
	{ BH_HCI_EVT_LE_META, 1, on_le_meta, false, NO_HANDLE },
	/* Status(1) Handle(2) Enabled(1) Key_Size(1) (7.7.8 v2) */
	{ BH_HCI_EVT_ENCRYPT_CHANGE_V2, 5, NULL, true, 1 },
};

struct sub_entry {
	uint8_t sub;
	uint8_t min_len;   /* after the sub-event code */
	uint8_t handle_at; /* offset of a Connection_Handle that must be connected */
};

/* Fixed parts of the LE Meta sub-events (7.7.65.x). Report events carry
 * Num_Reports first; their variable parts are parsed by whoever uses them. */
static const struct sub_entry sub_table[] = {
	{ BH_LE_CONN_COMPLETE, 18, NO_HANDLE },               /* .1 */
	{ BH_LE_ADV_REPORT, 1, NO_HANDLE },                   /* .2 */
	{ BH_LE_CONN_UPDATE_COMPLETE, 9, 1 },                 /* .3 */
	{ BH_LE_READ_REMOTE_FEATURES_COMPLETE, 11, 1 },       /* .4 */
	{ BH_LE_LTK_REQUEST, 12, 0 },                         /* .5 */
	{ BH_LE_REMOTE_CONN_PARAM_REQUEST, 10, 0 },           /* .6 */
	{ BH_LE_DATA_LENGTH_CHANGE, 10, 0 },                  /* .7 */
	{ BH_LE_READ_LOCAL_P256_COMPLETE, 65, NO_HANDLE },    /* .8 */
	{ BH_LE_GENERATE_DHKEY_COMPLETE, 33, NO_HANDLE },     /* .9 */
	{ BH_LE_ENH_CONN_COMPLETE, 30, NO_HANDLE },           /* .10 */
	{ BH_LE_DIRECTED_ADV_REPORT, 1, NO_HANDLE },          /* .11 */
	{ BH_LE_PHY_UPDATE_COMPLETE, 5, 1 },                  /* .12 */
	{ BH_LE_EXT_ADV_REPORT, 1, NO_HANDLE },               /* .13 */
	{ BH_LE_SCAN_TIMEOUT, 0, NO_HANDLE },                 /* .17 */
	{ BH_LE_ADV_SET_TERMINATED, 5, NO_HANDLE },           /* .18 */
	{ BH_LE_SCAN_REQ_RECEIVED, 8, NO_HANDLE },            /* .19 */
	{ BH_LE_CHANNEL_SEL_ALGO, 3, 0 },                     /* .20 */
	{ BH_LE_ENH_CONN_COMPLETE_V2, 33, NO_HANDLE },        /* .10 v2 */
};

/* Whether an event or LE sub-event is dropped before anyone sees it:
 * shorter than its fixed part, or about a connection the layer does not
 * know (never connected, already gone, or before bring-up ended), which is
 * a stale or corrupt report no layer above may act on. */
static bool refused(struct bh_hci *hci, const char *(*name)(uint8_t), uint8_t code,
		    const uint8_t *p, size_t plen, uint8_t min_len, uint8_t at)
{
	/* The name is looked up only when dropping: the hot path (Number Of
	 * Completed Packets per sent packet) never needs it. */
	if (plen < min_len) {
		hci->stats.events_dropped_short++;
		hci_log(hci, BH_LOG_INFO, "short %s: %zu < %u", name(code), plen, min_len);
		return true;
	}
	if (at == NO_HANDLE)
		return false;
	uint16_t handle = bh_get16(p + at) & 0x0fff;
	if (hci_conn_find(hci, handle))
		return false;
	hci->stats.events_unknown_handle++;
	hci_log(hci, BH_LOG_INFO, "%s for unknown handle 0x%03x dropped", name(code), handle);
	return true;
}

static void on_le_meta(struct bh_hci *hci, const uint8_t *p, size_t len)
{
	/* The table's minimum length (1) was checked. */
	uint8_t sub = p[0];
	size_t plen = len - 1;
	const uint8_t *params = p + 1;
	for (size_t i = 0; i < sizeof(sub_table) / sizeof(sub_table[0]); i++) {
		if (sub_table[i].sub != sub)
			continue;
		if (refused(hci, bh_hci_le_subevent_str, sub, params, plen, sub_table[i].min_len,
			    sub_table[i].handle_at))
			return;
		break;
	}
	unsigned gen = hci->gen;
	if (!hci_conn_on_le_meta(hci, sub, params, plen))
		return;
	if (hci->gen == gen && hci->port.le_meta)
		hci->port.le_meta(hci->port.ctx, sub, params, plen);
}

void hci_event_on_packet(struct bh_hci *hci, const uint8_t *pkt, size_t len)
{
	/* Event_Code(1) Parameter_Total_Length(1) Parameters (5.4.4) */
	uint8_t code = len ? pkt[0] : 0, plen = len > 1 ? pkt[1] : 0;
	const uint8_t *p = pkt + 2;
	if (len < 2 || len - 2 < plen) {
		hci->stats.events_dropped_short++;
		hci_log(hci, BH_LOG_INFO, "truncated event (%zu bytes)", len);
		return;
	}
	/* Trailing bytes beyond the declared length are ignored: the declared
	 * length is what the controller meant. */
	const struct evt_entry *e = NULL;
	for (size_t i = 0; i < sizeof(evt_table) / sizeof(evt_table[0]); i++) {
		if (evt_table[i].code == code) {
			e = &evt_table[i];
			break; /* codes are unique in the table */
		}
	}
	if (e && refused(hci, bh_hci_event_str, code, p, plen, e->min_len, e->handle_at))
		return;
	unsigned gen = hci->gen;
	if (e && e->handler)
		e->handler(hci, p, plen);
	if ((!e || e->forward) && hci->gen == gen && hci->port.event)
		hci->port.event(hci->port.ctx, code, p, plen);
}

void bh_hci_on_packet(struct bh_hci *hci, enum bh_h4_type type, const uint8_t *pkt, size_t len)
{
	static const uint8_t empty[1];
	if (!pkt) {
		pkt = empty; /* parsed as zero bytes: dropped as too short */
		len = 0;
	}
	switch (type) {
	case BH_H4_EVT:
		hci_event_on_packet(hci, pkt, len);
		break;
	case BH_H4_ACL:
		hci_acl_on_packet(hci, pkt, len);
		break;
	default:
		/* SCO/ISO are not used by this stack; a command from the
		 * controller is nonsense. */
		hci_log(hci, BH_LOG_DEBUG, "ignored packet type %d", (int)type);
		break;
	}
}
