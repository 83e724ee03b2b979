/* The UART speed change of a build with -Duart_speed=false. The API still
 * links so the host, tools and applications need no #ifdefs: starting a
 * change (a serial: or h5: spec with speed=N) returns BH_ENOTSUP with the
 * reason in the report and the log, and nothing is sent: the host's
 * bring-up then fails with BH_ENOTSUP instead of running at a speed that
 * was not asked for. The vendor command and Realtek config readers return
 * BH_ENOTSUP likewise. */
#include <blehost/chipset.h>

#include <stdio.h>
#include <stdlib.h>

#define OFF "the UART speed change is not in this build (-Duart_speed=false)"

struct bh_uart_baud {
	const struct bh_env *env;
	struct bh_uart_baud_report rep;
};

int bh_uart_baud_command(enum bh_chipset_vendor v, unsigned long rate, uint32_t rtl_word,
			 uint16_t *opcode, uint8_t params[8], size_t *len,
			 bool *switch_on_complete)
{
	(void)v, (void)rate, (void)rtl_word, (void)params;
	*opcode = 0;
	*len = 0;
	*switch_on_complete = true;
	return BH_ENOTSUP;
}

int bh_rtl_config_uart(const uint8_t *cfg, size_t len, uint32_t *word, unsigned long *rate,
		       bool *flow, char *err, size_t errlen)
{
	(void)cfg, (void)len;
	*word = 0;
	*rate = 0;
	*flow = false;
	if (errlen)
		snprintf(err, errlen, "%s", OFF);
	return BH_ENOTSUP;
}

unsigned long bh_rtl_baud_rate(uint32_t word)
{
	(void)word;
	return 0;
}

uint32_t bh_rtl_baud_word(unsigned long rate)
{
	(void)rate;
	return 0;
}

struct bh_uart_baud *bh_uart_baud_new(const struct bh_uart_baud_config *cfg,
				      const struct bh_env *env,
				      const struct bh_uart_baud_port *port)
{
	(void)port;
	struct bh_uart_baud *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->env = env;
	b->rep.baud = cfg->initial;
	b->rep.flow = cfg->initial_flow;
	b->rep.requested = cfg->target;
	return b;
}

void bh_uart_baud_free(struct bh_uart_baud *b)
{
	free(b);
}

int bh_uart_baud_start(struct bh_uart_baud *b)
{
	b->rep.outcome = BH_UART_BAUD_UNSUPPORTED;
	b->rep.status = BH_ENOTSUP;
	snprintf(b->rep.message, sizeof(b->rep.message), "%s; staying at %lu baud", OFF,
		 b->rep.baud);
	BH_LOGF(b->env, BH_LOG_ERROR, "chipset", "UART speed: %s", b->rep.message);
	return BH_ENOTSUP;
}

bool bh_uart_baud_running(const struct bh_uart_baud *b)
{
	(void)b;
	return false;
}

void bh_uart_baud_on_event(struct bh_uart_baud *b, const uint8_t *pkt, size_t len)
{
	(void)b, (void)pkt, (void)len;
}

bh_time_ms bh_uart_baud_next_deadline(const struct bh_uart_baud *b)
{
	(void)b;
	return BH_NEVER;
}

void bh_uart_baud_on_timeout(struct bh_uart_baud *b)
{
	(void)b;
}

const struct bh_uart_baud_report *bh_uart_baud_report(const struct bh_uart_baud *b)
{
	return &b->rep;
}
