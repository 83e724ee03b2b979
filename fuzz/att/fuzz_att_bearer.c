/* libFuzzer: an ATT bearer fed peer PDUs, as server and as client.
 * Input: byte 0 picks the role and the send-busy pattern; then records of
 * [len][pdu] are fed, with API calls and clock steps interleaved. */
#include <blehost/att.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct bh_att *att;
	uint8_t busy_mask;
	unsigned sends;
	unsigned completions;
};

static int f_send(void *ctx, const uint8_t *pdu, size_t len)
{
	struct fz *f = ctx;
	if (!pdu || len == 0 || len > BH_ATT_MAX_MTU)
		abort();
	return (f->busy_mask >> (f->sends++ & 7)) & 1 ? BH_EBUSY : 0;
}

static void f_server(void *ctx, const uint8_t *pdu, size_t len)
{
	struct fz *f = ctx;
	if (bh_att_is_request(pdu[0])) {
		uint8_t e[5];
		(void)bh_att_respond(f->att, e, bh_att_encode_error(e, pdu[0], 1, 0x0a));
	}
	(void)len;
}

static void f_done(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	struct fz *f = ctx;
	f->completions++;
	if (rsp && len == 0)
		abort();
	(void)st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bh_time_ms now = 0;
	struct bh_env env = { .now = bh_manual_clock, .now_ctx = &now };
	struct fz f = { .busy_mask = data[0] };
	struct bh_att_port port = { .ctx = &f, .send = f_send, .server_pdu = f_server };
	struct bh_att_config cfg;
	bh_att_config_default(&cfg);
	cfg.local_mtu = (uint16_t)(23 + data[0] * 2);
	f.att = bh_att_new(&cfg, &env, &port);
	if (!f.att)
		return 0;
	unsigned queued = 0;
	size_t i = 1;
	while (i < size) {
		uint8_t len = data[i++];
		if (len >= 0xf0) {
			/* control records */
			const uint8_t rd[] = { BH_ATT_READ_REQ, 1, 0 };
			const uint8_t mtu[] = { BH_ATT_MTU_REQ, 0x00, 0x02 };
			switch (len) {
			case 0xf0: queued += bh_att_request(f.att, rd, 3, f_done, &f) == 0; break;
			case 0xf1: queued += bh_att_request(f.att, mtu, 3, f_done, &f) == 0; break;
			case 0xf2: queued += bh_att_indicate(f.att, 2, data, size, f_done, &f) == 0; break;
			case 0xf3: (void)bh_att_notify(f.att, 2, data, size, NULL); break;
			case 0xf4: now += 15000; bh_att_on_timeout(f.att); break;
			case 0xf5: bh_att_can_send(f.att); break;
			case 0xf6: bh_att_cancel(f.att, &f); break;
			default: break;
			}
			continue;
		}
		if (len > size - i)
			len = (uint8_t)(size - i);
		bh_att_on_pdu(f.att, data + i, len);
		i += len;
	}
	bh_att_free(f.att);
	/* every accepted operation completed exactly once */
	if (f.completions != queued)
		abort();
	return 0;
}
