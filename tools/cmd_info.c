/* blehost info: what the controller is and can do. */
#include "cli.h"

#include <blehost/chipset.h>
#include <blehost/transport.h>
#include <blehost/hci.h>
#include <blehost/host_link.h>

#include <string.h>

static const char *version_name(uint8_t v)
{
	static const char *const n[] = { "1.0b", "1.1", "1.2", "2.0", "2.1", "3.0", "4.0", "4.1",
					 "4.2", "5.0", "5.1", "5.2", "5.3", "5.4", "6.0", "6.1" };
	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "?";
}

static const struct {
	unsigned bit;
	const char *name;
} le_feature_names[] = {
	{ 0, "LE Encryption" },
	{ 1, "Connection Parameters Request" },
	{ 2, "Extended Reject Indication" },
	{ 3, "Peripheral-initiated Features Exchange" },
	{ 4, "LE Ping" },
	{ 5, "Data Packet Length Extension" },
	{ 6, "LL Privacy" },
	{ 7, "Extended Scanner Filter Policies" },
	{ 8, "LE 2M PHY" },
	{ 11, "LE Coded PHY" },
	{ 12, "LE Extended Advertising" },
	{ 13, "LE Periodic Advertising" },
	{ 14, "Channel Selection Algorithm #2" },
	{ 15, "LE Power Class 1" },
};

static const struct {
	uint16_t bit;
	const char *name;
} notable_cmds[] = {
	{ BH_SUP_LE_SET_EXT_ADV_PARAMS, "LE Set Extended Advertising Parameters" },
	{ BH_SUP_LE_SET_EXT_SCAN_PARAMS, "LE Set Extended Scan Parameters" },
	{ BH_SUP_LE_EXT_CREATE_CONN, "LE Extended Create Connection" },
	{ BH_SUP_LE_READ_BUFFER_SIZE_V2, "LE Read Buffer Size v2" },
	{ BH_SUP_LE_ENCRYPT, "LE Encrypt" },
	{ BH_SUP_LE_READ_RESOLVING_LIST_SIZE, "LE Read Resolving List Size" },
	{ BH_SUP_LE_SET_PRIVACY_MODE, "LE Set Privacy Mode" },
	{ BH_SUP_LE_SET_DATA_LENGTH, "LE Set Data Length" },
	{ BH_SUP_LE_SET_PHY, "LE Set PHY" },
	{ BH_SUP_LE_CONN_UPDATE, "LE Connection Update" },
};

/* LE Read Maximum Data Length (7.8.46): what Data Length Extension can
 * reach on this controller. */
struct maxdl {
	bool done, ok;
	uint16_t tx_octets, tx_time, rx_octets, rx_time;
};

static void maxdl_done(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct maxdl *m = ctx;
	m->done = true;
	if (st || len < 9 || ret[0])
		return;
	m->tx_octets = (uint16_t)(ret[1] | ret[2] << 8);
	m->tx_time = (uint16_t)(ret[3] | ret[4] << 8);
	m->rx_octets = (uint16_t)(ret[5] | ret[6] << 8);
	m->rx_time = (uint16_t)(ret[7] | ret[8] << 8);
	m->ok = true;
}

static void read_max_dl(struct bh_host *h, struct maxdl *m)
{
	struct bh_hci *hci = bh_host_hci(h);
	if (!bh_hci_le_feature(hci, 5) || !bh_hci_supports(hci, BH_SUP_LE_READ_MAX_DATA_LENGTH))
		return;
	if (bh_hci_cmd(hci, BH_HCI_LE_READ_MAX_DATA_LENGTH, NULL, 0, maxdl_done, m))
		return;
	bh_host_wait(h, BH_HOST_NO_LINK, &m->done, 3000);
	if (!m->done)
		bh_hci_cmd_forget(hci, m);
}

/* What vendor bring-up found and did (nothing when it did not run). */
static void chipset_json(struct json *j, const struct bh_chipset_report *r)
{
	char q[96];
	json_obj(j, "chipset");
	json_str(j, "driver", bh_chipset_vendor_str(r->vendor));
	json_str(j, "chip", r->chip);
	json_str(j, "outcome", bh_chipset_outcome_str(r->outcome));
	json_str(j, "quirks", bh_chipset_quirk_names(r->quirks, q, sizeof(q)));
	if (r->rom_version >= 0)
		json_int(j, "rom_version", r->rom_version);
	json_str(j, "firmware", r->firmware[0] ? r->firmware : NULL);
	json_str(j, "config", r->config[0] ? r->config : NULL);
	if (r->outcome == BH_CHIPSET_PATCHED) {
		json_int(j, "firmware_version", r->firmware_version);
		json_int(j, "download_bytes", (long long)r->download_bytes);
		json_int(j, "download_commands", r->commands);
		json_int(j, "lmp_subversion_before", r->lmp_subversion);
		json_int(j, "hci_revision_before", r->hci_revision);
		json_int(j, "lmp_subversion_after", r->lmp_subversion_after);
		json_int(j, "hci_revision_after", r->hci_revision_after);
	}
	json_str(j, "detail", r->detail[0] ? r->detail : NULL);
	json_str(j, "message", r->message);
	json_close(j, '}');
}

static void chipset_text(const struct bh_chipset_report *r)
{
	char q[96];
	printf("Chipset        %s%s%s: %s\n", bh_chipset_vendor_str(r->vendor), r->chip ? " " : "",
	       r->chip ? r->chip : "", bh_chipset_outcome_str(r->outcome));
	printf("Quirks         %s\n", bh_chipset_quirk_names(r->quirks, q, sizeof(q)));
	if (r->rom_version >= 0)
		printf("ROM version    %d\n", r->rom_version);
	if (r->firmware[0])
		printf("Firmware       %s%s%s\n", r->firmware, r->config[0] ? " + " : "", r->config);
	if (r->outcome == BH_CHIPSET_PATCHED)
		printf("Bring-up       %zu bytes in %u vendor commands; LMP subversion 0x%04x -> "
		       "0x%04x\n",
		       r->download_bytes, r->commands, r->lmp_subversion, r->lmp_subversion_after);
	if (r->detail[0])
		printf("Version        %s\n", r->detail);
	if (r->message[0])
		printf("               %s\n", r->message);
}

/* The UART's speed in use and flow control, and what the speed change did. */
static void uart_json(struct json *j, struct bh_host *h)
{
	struct bh_uart_settings u;
	if (!bh_transport_uart(bh_host_transport(h), &u))
		return;
	json_obj(j, "uart");
	json_int(j, "baud", (long long)u.baud);
	json_bool(j, "flow_control", u.flow);
	json_int(j, "initial_baud", (long long)u.initial);
	json_int(j, "requested_baud", (long long)u.operating);
	const struct bh_uart_baud_report *r = bh_host_uart_baud(h);
	if (r) {
		json_str(j, "speed_change", bh_uart_baud_outcome_str(r->outcome));
		json_str(j, "message", r->message);
	}
	json_close(j, '}');
}

static void uart_text(struct bh_host *h)
{
	struct bh_uart_settings u;
	if (!bh_transport_uart(bh_host_transport(h), &u))
		return;
	printf("UART           %lu baud, RTS/CTS flow control %s (opened at %lu)\n", u.baud,
	       u.flow ? "on" : "off", u.initial);
	const struct bh_uart_baud_report *r = bh_host_uart_baud(h);
	if (r)
		printf("Speed change   %s: %s\n", bh_uart_baud_outcome_str(r->outcome), r->message);
}

int cmd_info(struct cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_fail(c, "usage: info");
	struct bh_host *h = cli_open_host(c, NULL);
	if (!h)
		return 1;
	struct bh_hci *hci = bh_host_hci(h);
	const struct bh_hci_info *i = bh_hci_info(hci);
	char addr[BH_ADDR_STRLEN], own[BH_ADDR_STRLEN];
	bh_addr_str(&i->bdaddr, addr);
	bh_addr own_addr = bh_host_own_address(h);
	bh_addr_str(&own_addr, own);
	bool no_public = bh_host_no_public_address(h);
	struct maxdl dl = { 0 };
	read_max_dl(h, &dl);
	if (c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "address", addr);
		json_bool(&j, "no_public_address", no_public);
		json_str(&j, "own_address", own);
		if (dl.ok) {
			json_int(&j, "max_tx_octets", dl.tx_octets);
			json_int(&j, "max_tx_time_us", dl.tx_time);
			json_int(&j, "max_rx_octets", dl.rx_octets);
			json_int(&j, "max_rx_time_us", dl.rx_time);
		}
		json_int(&j, "hci_version", i->hci_version);
		json_str(&j, "hci_version_name", version_name(i->hci_version));
		json_int(&j, "hci_revision", i->hci_revision);
		json_int(&j, "lmp_version", i->lmp_version);
		json_int(&j, "manufacturer", i->manufacturer);
		json_int(&j, "lmp_subversion", i->lmp_subversion);
		json_hex(&j, "le_features", i->le_features, 8);
		json_arr(&j, "le_feature_names");
		for (size_t k = 0; k < sizeof(le_feature_names) / sizeof(le_feature_names[0]); k++)
			if (bh_hci_le_feature(hci, le_feature_names[k].bit))
				json_item_str(&j, le_feature_names[k].name);
		json_close(&j, ']');
		json_arr(&j, "notable_commands");
		for (size_t k = 0; k < sizeof(notable_cmds) / sizeof(notable_cmds[0]); k++)
			if (bh_hci_supports(hci, notable_cmds[k].bit))
				json_item_str(&j, notable_cmds[k].name);
		json_close(&j, ']');
		json_int(&j, "le_acl_mtu", i->le_acl_mtu);
		json_int(&j, "le_acl_credits", i->le_acl_credits);
		json_bool(&j, "acl_shared_with_bredr", i->acl_shared_with_bredr);
		if (bh_host_chipset(h))
			chipset_json(&j, bh_host_chipset(h));
		uart_json(&j, h);
		json_end(&j);
		return 0;
	}
	printf("Controller     %s%s\n", addr, no_public ? " (no public address)" : "");
	printf("Own address    %s\n", own);
	printf("HCI version    %s (0x%02x) revision 0x%04x\n", version_name(i->hci_version),
	       i->hci_version, i->hci_revision);
	printf("LMP/LL version %s (0x%02x) subversion 0x%04x\n", version_name(i->lmp_version),
	       i->lmp_version, i->lmp_subversion);
	printf("Manufacturer   0x%04x\n", i->manufacturer);
	printf("LE features   ");
	for (int k = 7; k >= 0; k--)
		printf(" %02x", i->le_features[k]);
	printf("\n");
	for (size_t k = 0; k < sizeof(le_feature_names) / sizeof(le_feature_names[0]); k++)
		if (bh_hci_le_feature(hci, le_feature_names[k].bit))
			printf("               %s\n", le_feature_names[k].name);
	printf("Commands of note:\n");
	for (size_t k = 0; k < sizeof(notable_cmds) / sizeof(notable_cmds[0]); k++)
		printf("               %-40s %s\n", notable_cmds[k].name,
		       bh_hci_supports(hci, notable_cmds[k].bit) ? "yes" : "no");
	printf("LE ACL buffers %u x %u bytes%s\n", i->le_acl_credits, i->le_acl_mtu,
	       i->acl_shared_with_bredr ? " (shared with BR/EDR)" : "");
	if (dl.ok)
		printf("LE data length max tx %u octets / %u us, rx %u / %u (on by default)\n",
		       dl.tx_octets, dl.tx_time, dl.rx_octets, dl.rx_time);
	else
		printf("LE data length 27 octets (no Data Length Extension)\n");
	if (bh_host_chipset(h))
		chipset_text(bh_host_chipset(h));
	uart_text(h);
	return 0;
}
