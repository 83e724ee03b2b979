/* libFuzzer target for the HCI layer: arbitrary events and ACL packets,
 * interleaved with time passing, commands and ACL sends, into a bh_hci whose
 * port answers nothing by itself. The input drives everything, including the
 * controller's answers to bring-up, so the fuzzer can reach the ready state
 * and the connection table.
 *
 * Input: a sequence of records [op(1)][len(1)][len bytes].
 *   op % 6 == 0: event packet, 1: ACL packet, 2: time passes (len * 100 ms),
 *   3: a command from above, 4: an ACL frame from above (handle from the
 *   first bytes), 5: transport lost / restart.
 */
#include <blehost/hci.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_env.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fz {
	bh_time_ms now;
	unsigned sends;
};

static int fz_send(void *ctx, enum bh_h4_type type, const uint8_t *pkt, size_t len)
{
	struct fz *z = ctx;
	(void)type;
	/* touch every byte so ASan sees any overread of our own buffers */
	volatile uint8_t x = 0;
	for (size_t i = 0; i < len; i++)
		x ^= pkt[i];
	(void)x;
	z->sends++;
	return 0;
}

static void fz_acl(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	(void)ctx;
	(void)handle;
	/* the layer promises the basic header matches the data */
	if (len < 4 || bh_get16(frame) != len - 4)
		abort();
}

static void fz_event(void *ctx, uint8_t code, const uint8_t *p, size_t len)
{
	(void)ctx;
	(void)code;
	volatile uint8_t x = 0;
	for (size_t i = 0; i < len; i++)
		x ^= p[i];
	(void)x;
}

static void fz_le_meta(void *ctx, uint8_t sub, const uint8_t *p, size_t len)
{
	fz_event(ctx, sub, p, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { .now = 1 };
	struct bh_env env = { .now = bh_manual_clock, .now_ctx = &z.now, .log_level = BH_LOG_ERROR };
	struct bh_hci_port port = {
		.ctx = &z,
		.send = fz_send,
		.event = fz_event,
		.le_meta = fz_le_meta,
		.acl = fz_acl,
	};
	struct bh_hci_config cfg;
	bh_hci_config_default(&cfg);
	cfg.max_connections = 3;
	cfg.tx_queue_depth = 3;
	cfg.rx_max_frame = 4 + 300;
	struct bh_hci *hci = bh_hci_new(&cfg, &env, &port);
	if (!hci)
		return 0;
	bh_hci_start(hci);

	struct bh_rd r = bh_rd_init(data, size);
	while (bh_rd_left(&r) >= 2) {
		uint8_t op = bh_rd_u8(&r);
		uint8_t len = bh_rd_u8(&r);
		size_t n = len < bh_rd_left(&r) ? len : bh_rd_left(&r);
		const uint8_t *p = bh_rd_ptr(&r, n);
		/* copy so ASan catches reads past the record */
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf)
			break;
		if (n)
			memcpy(buf, p, n);
		switch (op % 6) {
		case 0:
			bh_hci_on_packet(hci, BH_H4_EVT, buf, n);
			break;
		case 1:
			bh_hci_on_packet(hci, BH_H4_ACL, buf, n);
			break;
		case 2:
			z.now += (bh_time_ms)len * 100;
			if (bh_hci_next_deadline(hci) <= z.now)
				bh_hci_on_timeout(hci);
			break;
		case 3:
			bh_hci_cmd(hci, n >= 2 ? bh_get16(buf) : 0, buf, n, NULL, NULL);
			break;
		case 4:
			if (n >= 2)
				bh_hci_acl_send(hci, bh_get16(buf) & 0x0fff, buf + 2, n - 2);
			break;
		case 5:
			if (len & 1)
				bh_hci_on_transport_lost(hci);
			else
				bh_hci_start(hci);
			break;
		}
		free(buf);
	}
	bh_hci_free(hci);
	return 0;
}
