/* UART speed change: the vendor commands and the sequence around them
 * (see <blehost/chipset.h>). Sans-I/O: commands go out through the port,
 * the host's tty is switched through port.set_host.
 *
 * Facts carried over from the public Linux drivers (hci_bcm/btbcm,
 * hci_intel, btrtl/hci_h5), no code:
 * - Broadcom 0xFC18 Update UART Baud Rate: parameters 00 00 then the rate
 *   as le32; answered by Command Complete at the old speed. Above 3 Mbaud
 *   the UART clock must first be set to 48 MHz with 0xFC45 (parameter 01).
 * - Intel 0xFC06: one byte, a code for the rate (9600 0x00, 19200 0x01,
 *   38400 0x02, 57600 0x03, 115200 0x04, 230400 0x05, 460800 0x06,
 *   921600 0x07, 1843200 0x08, 3250000 0x09, 2000000 0x0a, 3000000 0x0b);
 *   the part refuses it unless 0xFC05 Read Version came first; Linux does
 *   not wait for an answer but switches the host 100 ms later.
 * - Realtek 0xFC17: the le32 rate word from the config file's UART entry
 *   (offset 0x000c); Command Complete at the old speed; flow control from
 *   bit 2 of the entry's 13th byte. Linux gives the part 10-20 ms after the
 *   answer before switching the host (shorter left an RTL8723BS mute).
 */
#include "chipset_internal.h"

#include <blehost/bh_bytes.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BCM_OP_UART_CLOCK 0xfc45
#define BCM_OP_UART_BAUD 0xfc18
#define INTEL_OP_READ_VERSION 0xfc05
#define INTEL_OP_UART_BAUD 0xfc06
#define RTL_OP_UART_BAUD 0xfc17
#define INTEL_SWITCH_MS 100
#define RTL_SETTLE_MS 20
#define RTL_CONFIG_MAGIC 0x8723ab55u
#define RTL_CONFIG_UART 0x000c

static const struct {
	unsigned long rate;
	uint8_t code;
} intel_rates[] = {
	{ 9600, 0x00 },   { 19200, 0x01 },  { 38400, 0x02 },   { 57600, 0x03 },
	{ 115200, 0x04 }, { 230400, 0x05 }, { 460800, 0x06 },  { 921600, 0x07 },
	{ 1843200, 0x08 }, { 3250000, 0x09 }, { 2000000, 0x0a }, { 3000000, 0x0b },
};

static const struct {
	uint32_t word;
	unsigned long rate;
} rtl_rates[] = {
	{ 0x0252c014, 115200 },  { 0x0252a00a, 230400 },  { 0x05f75004, 921600 },
	{ 0x00005004, 1000000 }, { 0x04928002, 1500000 }, { 0x01128002, 1500000 },
	{ 0x00005002, 2000000 }, { 0x0000b001, 2500000 }, { 0x04928001, 3000000 },
	{ 0x052a6001, 3500000 }, { 0x00005001, 4000000 },
};

unsigned long bh_rtl_baud_rate(uint32_t word)
{
	for (size_t i = 0; i < sizeof(rtl_rates) / sizeof(rtl_rates[0]); i++)
		if (rtl_rates[i].word == word)
			return rtl_rates[i].rate;
	return 0;
}

uint32_t bh_rtl_baud_word(unsigned long rate)
{
	for (size_t i = 0; i < sizeof(rtl_rates) / sizeof(rtl_rates[0]); i++)
		if (rtl_rates[i].rate == rate)
			return rtl_rates[i].word;
	return 0;
}

int bh_rtl_config_uart(const uint8_t *cfg, size_t len, uint32_t *word, unsigned long *rate,
		       bool *flow, char *err, size_t errlen)
{
	struct bh_rd r = bh_rd_init(cfg, cfg ? len : 0);
	uint32_t magic = bh_rd_u32(&r);
	uint16_t total = bh_rd_u16(&r);
	if (!bh_rd_ok(&r) || magic != RTL_CONFIG_MAGIC) {
		if (errlen)
			snprintf(err, errlen, "not a Realtek config file (no 55 ab 23 87 signature)");
		return BH_EMALFORMED;
	}
	if (total > bh_rd_left(&r)) {
		if (errlen)
			snprintf(err, errlen, "config data length %u past the end of the file (%zu left)",
				 total, bh_rd_left(&r));
		return BH_EMALFORMED;
	}
	struct bh_rd e = bh_rd_init(cfg + 6, total);
	while (bh_rd_left(&e)) {
		uint16_t off = bh_rd_u16(&e);
		uint8_t n = bh_rd_u8(&e);
		if (!bh_rd_ok(&e) || n > bh_rd_left(&e)) {
			if (errlen)
				snprintf(err, errlen, "config entry cut short");
			return BH_EMALFORMED;
		}
		const uint8_t *d = bh_rd_ptr(&e, n);
		if (off != RTL_CONFIG_UART)
			continue;
		if (n < 13) {
			if (errlen)
				snprintf(err, errlen, "UART config entry of %u bytes (needs 13)", n);
			return BH_EMALFORMED;
		}
		*word = bh_get32(d);
		*rate = bh_rtl_baud_rate(*word);
		*flow = (d[12] & 0x04) != 0;
		return BH_OK;
	}
	return BH_ENOTFOUND;
}

int bh_uart_baud_command(enum bh_chipset_vendor v, unsigned long rate, uint32_t rtl_word,
			 uint16_t *opcode, uint8_t params[8], size_t *len, bool *switch_on_complete)
{
	*switch_on_complete = true;
	switch (v) {
	case BH_CHIPSET_BROADCOM:
		if (rate == 0 || rate > 0xffffffffu)
			return BH_ENOTSUP;
		*opcode = BCM_OP_UART_BAUD;
		params[0] = params[1] = 0;
		bh_put32(params + 2, (uint32_t)rate);
		*len = 6;
		return BH_OK;
	case BH_CHIPSET_INTEL:
		for (size_t i = 0; i < sizeof(intel_rates) / sizeof(intel_rates[0]); i++)
			if (intel_rates[i].rate == rate) {
				*opcode = INTEL_OP_UART_BAUD;
				params[0] = intel_rates[i].code;
				*len = 1;
				*switch_on_complete = false;
				return BH_OK;
			}
		return BH_ENOTSUP;
	case BH_CHIPSET_REALTEK:
		if (!rtl_word)
			return BH_ENOTSUP;
		*opcode = RTL_OP_UART_BAUD;
		bh_put32(params, rtl_word);
		*len = 4;
		return BH_OK;
	case BH_CHIPSET_GENERIC:
		break;
	}
	return BH_ENOTSUP;
}

enum step { ST_IDLE, ST_PRE, ST_CMD, ST_DELAY, ST_VERIFY, ST_BACK_VERIFY, ST_DONE };

struct bh_uart_baud {
	struct bh_uart_baud_config cfg;
	const struct bh_env *env;
	struct bh_uart_baud_port port;
	struct bh_uart_baud_report rep;
	enum step step;
	uint16_t pending;
	bh_time_ms deadline; /* command timeout or switch delay */
	bool switched;       /* the host's tty is at the target */
	bool on_complete;
	uint16_t opcode;
	uint8_t params[8];
	size_t plen;
	unsigned long target;
	bool target_flow;
	bh_status fail_status;
	char fail_msg[160];
};

struct bh_uart_baud *bh_uart_baud_new(const struct bh_uart_baud_config *cfg,
				      const struct bh_env *env,
				      const struct bh_uart_baud_port *port)
{
	struct bh_uart_baud *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->cfg = *cfg;
	if (!b->cfg.cmd_timeout_ms)
		b->cfg.cmd_timeout_ms = 1000;
	b->env = env;
	b->port = *port;
	b->deadline = BH_NEVER;
	b->rep.baud = cfg->initial;
	b->rep.flow = cfg->initial_flow;
	return b;
}

void bh_uart_baud_free(struct bh_uart_baud *b)
{
	free(b);
}

static void finish(struct bh_uart_baud *b, enum bh_uart_baud_outcome o, bh_status st,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void finish(struct bh_uart_baud *b, enum bh_uart_baud_outcome o, bh_status st,
		   const char *fmt, ...)
{
	b->step = ST_DONE;
	b->pending = 0;
	b->deadline = BH_NEVER;
	b->rep.outcome = o;
	b->rep.status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->rep.message, sizeof(b->rep.message), fmt, ap);
	va_end(ap);
	BH_LOGF(b->env, st && o != BH_UART_BAUD_FELL_BACK ? BH_LOG_ERROR : BH_LOG_INFO, "chipset",
		"UART speed: %s: %s", bh_uart_baud_outcome_str(o), b->rep.message);
	b->port.done(b->port.ctx, o == BH_UART_BAUD_FAILED ? st : BH_OK);
}

static void cmd(struct bh_uart_baud *b, uint16_t op, const uint8_t *p, size_t n)
{
	b->pending = op;
	b->deadline = bh_now(b->env) + b->cfg.cmd_timeout_ms;
	int rc = b->port.send(b->port.ctx, op, p, n);
	if (rc)
		finish(b, BH_UART_BAUD_FAILED, rc, "could not send command 0x%04x: %s", op,
		       bh_strerror(rc));
}

/* Something went wrong after the vendor command went out: back to the
 * initial speed on the host side (if it moved) and see whether the
 * controller still answers there. */
static void fall_back(struct bh_uart_baud *b, bh_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fall_back(struct bh_uart_baud *b, bh_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->fail_msg, sizeof(b->fail_msg), fmt, ap);
	va_end(ap);
	b->fail_status = st;
	if (b->switched) {
		b->switched = false;
		int rc = b->port.set_host(b->port.ctx, b->cfg.initial, b->cfg.initial_flow);
		if (rc) {
			finish(b, BH_UART_BAUD_FAILED, rc,
			       "%s; and the host could not go back to %lu baud: %s", b->fail_msg,
			       b->cfg.initial, bh_strerror(rc));
			return;
		}
	}
	b->rep.baud = b->cfg.initial;
	b->rep.flow = b->cfg.initial_flow;
	b->step = ST_BACK_VERIFY;
	cmd(b, HCI_OP_READ_LOCAL_VERSION, NULL, 0);
}

static void send_vendor(struct bh_uart_baud *b)
{
	b->step = ST_CMD;
	cmd(b, b->opcode, b->params, b->plen);
	if (b->step == ST_CMD && !b->on_complete) {
		/* Intel: no answer to wait for; switch after a fixed delay */
		b->pending = 0;
		b->step = ST_DELAY;
		b->deadline = bh_now(b->env) + INTEL_SWITCH_MS;
	}
}

static void switch_host(struct bh_uart_baud *b)
{
	int rc = b->port.set_host(b->port.ctx, b->target, b->target_flow);
	if (rc) {
		fall_back(b, rc, "the host's tty cannot run at %lu baud (%s)", b->target,
			  bh_strerror(rc));
		return;
	}
	b->switched = true;
	b->rep.baud = b->target;
	b->rep.flow = b->target_flow;
	b->step = ST_VERIFY;
	cmd(b, HCI_OP_READ_LOCAL_VERSION, NULL, 0);
}

int bh_uart_baud_start(struct bh_uart_baud *b)
{
	if (b->step != ST_IDLE && b->step != ST_DONE)
		return BH_ESTATE;
	b->rep.outcome = BH_UART_BAUD_RUNNING;
	b->target = b->cfg.target;
	b->target_flow = b->cfg.target_flow;
	uint32_t word = 0;
	if (b->cfg.vendor == BH_CHIPSET_REALTEK) {
		unsigned long rate = 0;
		bool flow = false;
		char why[120] = "";
		int rc = bh_rtl_config_uart(b->cfg.rtl_config, b->cfg.rtl_config_len, &word, &rate,
					    &flow, why, sizeof(why));
		if (rc || !rate) {
			finish(b, BH_UART_BAUD_UNSUPPORTED, BH_OK,
			       "Realtek takes its UART speed from the config file, and %s; staying "
			       "at %lu baud",
			       rc == BH_ENOTFOUND ? "it has no UART entry (offset 0x000c)"
			       : rc               ? why
						  : "its rate word is not a known one",
			       b->cfg.initial);
			return BH_OK;
		}
		if (b->target && b->target != rate)
			BH_LOGF(b->env, BH_LOG_WARN, "chipset",
				"speed=%lu asked, but the Realtek config file sets %lu baud (the "
				"patched firmware runs at that): using %lu",
				b->target, rate, rate);
		b->target = rate;
		b->target_flow = flow;
	}
	b->rep.requested = b->target;
	if (!b->target || b->target == b->cfg.initial) {
		if (b->target_flow != b->cfg.initial_flow && b->port.set_host(b->port.ctx, b->cfg.initial, b->target_flow) == BH_OK)
			b->rep.flow = b->target_flow;
		finish(b, BH_UART_BAUD_UNSUPPORTED, BH_OK, "already at %lu baud", b->cfg.initial);
		return BH_OK;
	}
	if (bh_uart_baud_command(b->cfg.vendor, b->target, word, &b->opcode, b->params, &b->plen,
				 &b->on_complete)) {
		finish(b, BH_UART_BAUD_UNSUPPORTED, BH_OK,
		       b->cfg.vendor == BH_CHIPSET_GENERIC
			       ? "no known vendor command changes this controller's UART speed; "
				 "staying at %lu baud"
			       : "this controller has no code for that rate; staying at %lu baud",
		       b->cfg.initial);
		return BH_OK;
	}
	b->rep.opcode = b->opcode;
	if (b->cfg.vendor == BH_CHIPSET_INTEL) {
		b->step = ST_PRE;
		cmd(b, INTEL_OP_READ_VERSION, NULL, 0);
	} else if (b->cfg.vendor == BH_CHIPSET_BROADCOM && b->target > 3000000) {
		static const uint8_t clock48[1] = { 0x01 };
		b->step = ST_PRE;
		cmd(b, BCM_OP_UART_CLOCK, clock48, 1);
	} else {
		send_vendor(b);
	}
	return BH_OK;
}

bool bh_uart_baud_running(const struct bh_uart_baud *b)
{
	return b->step != ST_IDLE && b->step != ST_DONE;
}

static void on_complete(struct bh_uart_baud *b, uint8_t st)
{
	switch (b->step) {
	case ST_PRE:
		if (st) {
			finish(b, BH_UART_BAUD_FELL_BACK, BH_HCI_STATUS(st),
			       "the step before 0x%04x was refused (status 0x%02x); staying at "
			       "%lu baud",
			       b->opcode, st, b->cfg.initial);
			return;
		}
		send_vendor(b);
		return;
	case ST_CMD:
		if (st) {
			finish(b, BH_UART_BAUD_FELL_BACK, BH_HCI_STATUS(st),
			       "the controller refused %lu baud (0x%04x status 0x%02x); staying at "
			       "%lu baud",
			       b->target, b->opcode, st, b->cfg.initial);
			return;
		}
		if (b->cfg.vendor == BH_CHIPSET_REALTEK) {
			b->step = ST_DELAY;
			b->deadline = bh_now(b->env) + RTL_SETTLE_MS;
			return;
		}
		switch_host(b);
		return;
	case ST_VERIFY:
		if (st) {
			fall_back(b, BH_HCI_STATUS(st), "Read Local Version refused at %lu baud",
				  b->target);
			return;
		}
		finish(b, BH_UART_BAUD_CHANGED, BH_OK, "%lu baud, flow control %s (command 0x%04x)",
		       b->target, b->target_flow ? "on" : "off", b->opcode);
		return;
	case ST_BACK_VERIFY:
		finish(b, BH_UART_BAUD_FELL_BACK, b->fail_status, "%s; back at %lu baud",
		       b->fail_msg, b->cfg.initial);
		return;
	default:
		return;
	}
}

void bh_uart_baud_on_event(struct bh_uart_baud *b, const uint8_t *pkt, size_t len)
{
	struct chipset_evt e;
	if (!bh_uart_baud_running(b) || !b->pending || !chipset_evt_parse(pkt, len, &e))
		return;
	uint8_t st;
	if (e.kind == CHIPSET_EVT_STATUS && e.status)
		st = e.status;
	else if (e.kind == CHIPSET_EVT_COMPLETE && e.len >= 1)
		st = e.params[0];
	else
		return;
	if (e.opcode != b->pending)
		return;
	b->pending = 0;
	b->deadline = BH_NEVER;
	on_complete(b, st);
}

bh_time_ms bh_uart_baud_next_deadline(const struct bh_uart_baud *b)
{
	return bh_uart_baud_running(b) ? b->deadline : BH_NEVER;
}

void bh_uart_baud_on_timeout(struct bh_uart_baud *b)
{
	if (!bh_uart_baud_running(b) || bh_now(b->env) < b->deadline)
		return;
	b->deadline = BH_NEVER;
	uint16_t op = b->pending;
	b->pending = 0;
	switch (b->step) {
	case ST_DELAY:
		switch_host(b);
		return;
	case ST_PRE:
		finish(b, BH_UART_BAUD_FELL_BACK, BH_ETIMEDOUT,
		       "no answer to 0x%04x within %u ms; staying at %lu baud", op,
		       b->cfg.cmd_timeout_ms, b->cfg.initial);
		return;
	case ST_CMD:
		/* it may have switched without answering: look at the old speed */
		fall_back(b, BH_ETIMEDOUT, "no answer to 0x%04x (%lu baud) within %u ms", op,
			  b->target, b->cfg.cmd_timeout_ms);
		return;
	case ST_VERIFY:
		fall_back(b, BH_ETIMEDOUT,
			  "the controller was silent at %lu baud after accepting 0x%04x", b->target,
			  b->opcode);
		return;
	case ST_BACK_VERIFY:
		finish(b, BH_UART_BAUD_FAILED, BH_ETIMEDOUT,
		       "%s, and silent at %lu baud too: reset or power-cycle the module",
		       b->fail_msg, b->cfg.initial);
		return;
	default:
		return;
	}
}

const struct bh_uart_baud_report *bh_uart_baud_report(const struct bh_uart_baud *b)
{
	return &b->rep;
}
