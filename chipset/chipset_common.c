/* What every build of the chipset layer shares, with or without the vendor
 * drivers (-Dchipset): the default configuration, the names of vendors and
 * outcomes, and the reading of the events a one-command-at-a-time sequence
 * waits for (bring-up and the UART speed change). */
#include "chipset_internal.h"

#include <blehost/bh_bytes.h>

#include <string.h>

void bh_chipset_config_default(struct bh_chipset_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd_timeout_ms = 5000;
}

const char *bh_chipset_vendor_str(enum bh_chipset_vendor v)
{
	switch (v) {
	case BH_CHIPSET_GENERIC: return "generic";
	case BH_CHIPSET_REALTEK: return "realtek";
	case BH_CHIPSET_BROADCOM: return "broadcom";
	case BH_CHIPSET_INTEL: return "intel";
	}
	return "?";
}

const char *bh_uart_baud_outcome_str(enum bh_uart_baud_outcome o)
{
	switch (o) {
	case BH_UART_BAUD_NOT_RUN: return "not run";
	case BH_UART_BAUD_RUNNING: return "running";
	case BH_UART_BAUD_CHANGED: return "changed";
	case BH_UART_BAUD_UNSUPPORTED: return "stayed at the initial speed";
	case BH_UART_BAUD_FELL_BACK: return "failed, back at the initial speed";
	case BH_UART_BAUD_FAILED: return "failed";
	}
	return "?";
}

const char *bh_chipset_outcome_str(enum bh_chipset_outcome o)
{
	switch (o) {
	case BH_CHIPSET_NOT_RUN: return "not run";
	case BH_CHIPSET_RUNNING: return "running";
	case BH_CHIPSET_NOTHING_TO_DO: return "nothing to do";
	case BH_CHIPSET_PATCHED: return "patched";
	case BH_CHIPSET_ALREADY_PATCHED: return "already patched";
	case BH_CHIPSET_NO_FIRMWARE: return "no firmware, running unpatched";
	case BH_CHIPSET_UNKNOWN_CHIP: return "unknown chip, running unpatched";
	case BH_CHIPSET_FAILED: return "failed";
	}
	return "?";
}

bool chipset_evt_parse(const uint8_t *pkt, size_t len, struct chipset_evt *e)
{
	*e = (struct chipset_evt){ 0 };
	if (len < 2)
		return false;
	/* Code(1) Length(1), then Length octets: every read below is inside. */
	uint8_t code = pkt[0], plen = pkt[1];
	if (len - 2 < plen)
		return false;
	if (code == HCI_EVT_CMD_STATUS && plen >= 4) {
		/* Status(1) Num_HCI_Command_Packets(1) Opcode(2) */
		e->kind = CHIPSET_EVT_STATUS;
		e->status = pkt[2];
		e->opcode = bh_get16(pkt + 4);
	} else if (code == HCI_EVT_CMD_COMPLETE && plen >= 3) {
		/* Num_HCI_Command_Packets(1) Opcode(2) Return_Parameters */
		e->kind = CHIPSET_EVT_COMPLETE;
		e->opcode = bh_get16(pkt + 3);
		e->params = pkt + 5;
		e->len = plen - 3u;
	} else if (code == HCI_EVT_VENDOR && plen >= 1) {
		e->kind = CHIPSET_EVT_VENDOR;
		e->params = pkt + 2;
		e->len = plen;
	} else {
		return false;
	}
	return true;
}
