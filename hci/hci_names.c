/* Names of HCI opcodes, events and LE Meta sub-events, as the Core
 * Specification spells them (Vol 4, Part E, 7), for logs and traces.
 *
 * Unknown values are printed as hex into a thread-local buffer (the same
 * rule as bh_strerror): valid until the next call of the same function on
 * the same thread, and no state shared between two stacks.
 */
#include <blehost/hci.h>

#include <stdio.h>

struct name16 {
	uint16_t v;
	const char *s;
};

static const struct name16 opcodes[] = {
	{ BH_HCI_DISCONNECT, "Disconnect" },
	{ BH_HCI_READ_REMOTE_VERSION, "Read Remote Version Information" },
	{ BH_HCI_SET_EVENT_MASK, "Set Event Mask" },
	{ BH_HCI_RESET, "Reset" },
	{ BH_HCI_SET_EVENT_MASK_PAGE_2, "Set Event Mask Page 2" },
	{ BH_HCI_WRITE_LE_HOST_SUPPORT, "Write LE Host Support" },
	{ BH_HCI_READ_LOCAL_VERSION, "Read Local Version Information" },
	{ BH_HCI_READ_LOCAL_COMMANDS, "Read Local Supported Commands" },
	{ BH_HCI_READ_LOCAL_FEATURES, "Read Local Supported Features" },
	{ BH_HCI_READ_BUFFER_SIZE, "Read Buffer Size" },
	{ BH_HCI_READ_BD_ADDR, "Read BD_ADDR" },
	{ BH_HCI_READ_RSSI, "Read RSSI" },
	{ BH_HCI_LE_SET_EVENT_MASK, "LE Set Event Mask" },
	{ BH_HCI_LE_READ_BUFFER_SIZE, "LE Read Buffer Size" },
	{ BH_HCI_LE_READ_LOCAL_FEATURES, "LE Read Local Supported Features" },
	{ BH_HCI_LE_SET_RANDOM_ADDRESS, "LE Set Random Address" },
	{ BH_HCI_LE_SET_ADV_PARAMS, "LE Set Advertising Parameters" },
	{ BH_HCI_LE_READ_ADV_TX_POWER, "LE Read Advertising Physical Channel Tx Power" },
	{ BH_HCI_LE_SET_ADV_DATA, "LE Set Advertising Data" },
	{ BH_HCI_LE_SET_SCAN_RSP_DATA, "LE Set Scan Response Data" },
	{ BH_HCI_LE_SET_ADV_ENABLE, "LE Set Advertising Enable" },
	{ BH_HCI_LE_SET_SCAN_PARAMS, "LE Set Scan Parameters" },
	{ BH_HCI_LE_SET_SCAN_ENABLE, "LE Set Scan Enable" },
	{ BH_HCI_LE_CREATE_CONN, "LE Create Connection" },
	{ BH_HCI_LE_CREATE_CONN_CANCEL, "LE Create Connection Cancel" },
	{ BH_HCI_LE_READ_ACCEPT_LIST_SIZE, "LE Read Filter Accept List Size" },
	{ BH_HCI_LE_CLEAR_ACCEPT_LIST, "LE Clear Filter Accept List" },
	{ BH_HCI_LE_ADD_TO_ACCEPT_LIST, "LE Add Device To Filter Accept List" },
	{ BH_HCI_LE_REMOVE_FROM_ACCEPT_LIST, "LE Remove Device From Filter Accept List" },
	{ BH_HCI_LE_CONN_UPDATE, "LE Connection Update" },
	{ BH_HCI_LE_READ_REMOTE_FEATURES, "LE Read Remote Features" },
	{ BH_HCI_LE_ENCRYPT, "LE Encrypt" },
	{ BH_HCI_LE_RAND, "LE Rand" },
	{ BH_HCI_LE_ENABLE_ENCRYPTION, "LE Enable Encryption" },
	{ BH_HCI_LE_LTK_REPLY, "LE Long Term Key Request Reply" },
	{ BH_HCI_LE_LTK_NEG_REPLY, "LE Long Term Key Request Negative Reply" },
	{ BH_HCI_LE_READ_SUPPORTED_STATES, "LE Read Supported States" },
	{ BH_HCI_LE_REMOTE_CONN_PARAM_REPLY, "LE Remote Connection Parameter Request Reply" },
	{ BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY,
	  "LE Remote Connection Parameter Request Negative Reply" },
	{ BH_HCI_LE_SET_DATA_LENGTH, "LE Set Data Length" },
	{ BH_HCI_LE_ADD_TO_RESOLVING_LIST, "LE Add Device To Resolving List" },
	{ BH_HCI_LE_REMOVE_FROM_RESOLVING_LIST, "LE Remove Device From Resolving List" },
	{ BH_HCI_LE_CLEAR_RESOLVING_LIST, "LE Clear Resolving List" },
	{ BH_HCI_LE_READ_RESOLVING_LIST_SIZE, "LE Read Resolving List Size" },
	{ BH_HCI_LE_SET_ADDR_RESOLUTION_ENABLE, "LE Set Address Resolution Enable" },
	{ BH_HCI_LE_SET_RPA_TIMEOUT, "LE Set Resolvable Private Address Timeout" },
	{ BH_HCI_LE_READ_MAX_DATA_LENGTH, "LE Read Maximum Data Length" },
	{ BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, "LE Set Advertising Set Random Address" },
	{ BH_HCI_LE_SET_EXT_ADV_PARAMS, "LE Set Extended Advertising Parameters" },
	{ BH_HCI_LE_SET_EXT_ADV_DATA, "LE Set Extended Advertising Data" },
	{ BH_HCI_LE_SET_EXT_SCAN_RSP_DATA, "LE Set Extended Scan Response Data" },
	{ BH_HCI_LE_SET_EXT_ADV_ENABLE, "LE Set Extended Advertising Enable" },
	{ BH_HCI_LE_READ_MAX_ADV_DATA_LEN, "LE Read Maximum Advertising Data Length" },
	{ BH_HCI_LE_READ_NUM_ADV_SETS, "LE Read Number of Supported Advertising Sets" },
	{ BH_HCI_LE_REMOVE_ADV_SET, "LE Remove Advertising Set" },
	{ BH_HCI_LE_CLEAR_ADV_SETS, "LE Clear Advertising Sets" },
	{ BH_HCI_LE_SET_PERIODIC_ADV_PARAMS, "LE Set Periodic Advertising Parameters" },
	{ BH_HCI_LE_SET_PERIODIC_ADV_DATA, "LE Set Periodic Advertising Data" },
	{ BH_HCI_LE_SET_PERIODIC_ADV_ENABLE, "LE Set Periodic Advertising Enable" },
	{ BH_HCI_LE_SET_EXT_SCAN_PARAMS, "LE Set Extended Scan Parameters" },
	{ BH_HCI_LE_SET_EXT_SCAN_ENABLE, "LE Set Extended Scan Enable" },
	{ BH_HCI_LE_EXT_CREATE_CONN, "LE Extended Create Connection" },
	{ BH_HCI_LE_PERIODIC_CREATE_SYNC, "LE Periodic Advertising Create Sync" },
	{ BH_HCI_LE_PERIODIC_CREATE_SYNC_CANCEL, "LE Periodic Advertising Create Sync Cancel" },
	{ BH_HCI_LE_PERIODIC_TERMINATE_SYNC, "LE Periodic Advertising Terminate Sync" },
	{ BH_HCI_LE_SET_PRIVACY_MODE, "LE Set Privacy Mode" },
	{ BH_HCI_LE_READ_BUFFER_SIZE_V2, "LE Read Buffer Size v2" },
};

static const struct name16 events[] = {
	{ BH_HCI_EVT_DISCONN_COMPLETE, "Disconnection Complete" },
	{ BH_HCI_EVT_ENCRYPT_CHANGE, "Encryption Change" },
	{ BH_HCI_EVT_READ_REMOTE_VERSION_COMPLETE, "Read Remote Version Information Complete" },
	{ BH_HCI_EVT_CMD_COMPLETE, "Command Complete" },
	{ BH_HCI_EVT_CMD_STATUS, "Command Status" },
	{ BH_HCI_EVT_HARDWARE_ERROR, "Hardware Error" },
	{ BH_HCI_EVT_NUM_COMPLETED_PACKETS, "Number Of Completed Packets" },
	{ BH_HCI_EVT_DATA_BUFFER_OVERFLOW, "Data Buffer Overflow" },
	{ BH_HCI_EVT_ENCRYPT_KEY_REFRESH_COMPLETE, "Encryption Key Refresh Complete" },
	{ BH_HCI_EVT_LE_META, "LE Meta" },
	{ BH_HCI_EVT_ENCRYPT_CHANGE_V2, "Encryption Change v2" },
	{ BH_HCI_EVT_VENDOR, "Vendor" },
};

static const struct name16 subevents[] = {
	{ BH_LE_CONN_COMPLETE, "LE Connection Complete" },
	{ BH_LE_ADV_REPORT, "LE Advertising Report" },
	{ BH_LE_CONN_UPDATE_COMPLETE, "LE Connection Update Complete" },
	{ BH_LE_READ_REMOTE_FEATURES_COMPLETE, "LE Read Remote Features Complete" },
	{ BH_LE_LTK_REQUEST, "LE Long Term Key Request" },
	{ BH_LE_REMOTE_CONN_PARAM_REQUEST, "LE Remote Connection Parameter Request" },
	{ BH_LE_DATA_LENGTH_CHANGE, "LE Data Length Change" },
	{ BH_LE_READ_LOCAL_P256_COMPLETE, "LE Read Local P-256 Public Key Complete" },
	{ BH_LE_GENERATE_DHKEY_COMPLETE, "LE Generate DHKey Complete" },
	{ BH_LE_ENH_CONN_COMPLETE, "LE Enhanced Connection Complete" },
	{ BH_LE_DIRECTED_ADV_REPORT, "LE Directed Advertising Report" },
	{ BH_LE_PHY_UPDATE_COMPLETE, "LE PHY Update Complete" },
	{ BH_LE_EXT_ADV_REPORT, "LE Extended Advertising Report" },
	{ BH_LE_PERIODIC_SYNC_ESTABLISHED, "LE Periodic Advertising Sync Established" },
	{ BH_LE_PERIODIC_ADV_REPORT, "LE Periodic Advertising Report" },
	{ BH_LE_PERIODIC_SYNC_LOST, "LE Periodic Advertising Sync Lost" },
	{ BH_LE_SCAN_TIMEOUT, "LE Scan Timeout" },
	{ BH_LE_ADV_SET_TERMINATED, "LE Advertising Set Terminated" },
	{ BH_LE_SCAN_REQ_RECEIVED, "LE Scan Request Received" },
	{ BH_LE_CHANNEL_SEL_ALGO, "LE Channel Selection Algorithm" },
	{ BH_LE_ENH_CONN_COMPLETE_V2, "LE Enhanced Connection Complete v2" },
};

static const char *lookup(const struct name16 *t, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return NULL;
}

#define LOOKUP(t, v) lookup((t), sizeof(t) / sizeof((t)[0]), (v))

const char *bh_hci_opcode_str(uint16_t opcode)
{
	static _Thread_local char buf[8];
	const char *s = LOOKUP(opcodes, opcode);
	if (s)
		return s;
	snprintf(buf, sizeof(buf), "0x%04x", opcode);
	return buf;
}

const char *bh_hci_event_str(uint8_t code)
{
	static _Thread_local char buf[8];
	const char *s = LOOKUP(events, code);
	if (s)
		return s;
	snprintf(buf, sizeof(buf), "0x%02x", code);
	return buf;
}

const char *bh_hci_le_subevent_str(uint8_t sub)
{
	static _Thread_local char buf[8];
	const char *s = LOOKUP(subevents, sub);
	if (s)
		return s;
	snprintf(buf, sizeof(buf), "0x%02x", sub);
	return buf;
}
